"""Caller ID both ways: FSK (Bell 202 / V.23) SDMF and MDMF messages, DTMF caller ID, MWI.

Sending (FXS ports)::

    encode_fsk(number, name=None, when=None, standard='bell202', message='mdmf', ...) -> int16
    encode_mwi(active, standard='bell202', message='mdmf', ...) -> int16
    encode_dtmf_cid(number=None, reason=None, fmt='A..C') -> int16

Receiving (FXO ports)::

    decode_fsk(samples, standard='auto') -> dict | None
    decode_dtmf_cid(samples) -> dict | None
    CallerIdDecoder(standard='auto', dtmf=True).process(samples) -> list[dict]
    CallerIdDecoderBank(channels, standard='auto', dtmf=True).process(block) -> list[list[dict]]

A decoded message is a dict with ``kind`` ('callerid' or 'mwi'), ``number``, ``name``,
``datetime`` (a ``datetime`` in the current year, or None), ``number_reason`` and
``name_reason`` ('private', 'unavailable' or None), ``mwi`` (True/False for MWI, else
None), ``raw`` (the message bytes incl. type, length and checksum; for DTMF the digit
string as ASCII bytes), plus ``format`` ('sdmf', 'mdmf' or 'dtmf'), ``standard``
('bell202', 'v23' or 'dtmf') and ``inverted`` (True when mark/space were swapped).

Message layer (Bellcore GR-30 / ETSI EN 300 659-3): SDMF 0x04 (MMDDHHMM + number, or
'O'/'P'), SDMF MWI 0x06 (0x42 x3 on, 0x6F x3 off), MDMF call setup 0x80 with parameters
0x01 date/time, 0x02 number, 0x04 number-absent reason, 0x07 name, 0x08 name-absent
reason, MDMF MWI 0x82 with 0x0B visual indicator (0xFF on, 0x00 off).  The checksum
makes all bytes sum to 0 mod 256.  A message with a bad checksum or a malformed body is
never reported.

DTMF caller ID (ETSI / China / Taiwan / Denmark variants): ``A<number>C`` (optionally
``D<redirecting>C`` after it), ``D<number>C`` alone, ``B00C`` unavailable / ``B10C``
private, ``A<number>#``, ``D1#`` private / ``D2#`` ``D3#`` unavailable, ``<number>#``.
"""
from __future__ import annotations

import datetime as _dt
from typing import Optional

import numpy as np

from dsp.audio import Samples, as_int16
from dsp.fsk import STANDARDS, FskDemodulator, FskModulator

RATE = 8000

# message types
SDMF_CALLERID = 0x04
SDMF_MWI = 0x06
MDMF_CALLERID = 0x80
MDMF_MWI = 0x82
# MDMF parameters
P_DATETIME = 0x01
P_NUMBER = 0x02
P_NUMBER_ABSENT = 0x04
P_NAME = 0x07
P_NAME_ABSENT = 0x08
P_VISUAL_INDICATOR = 0x0B
P_MESSAGE_COUNT = 0x0D

SEIZURE_BITS = 300
MARK_BITS = {"bell202": 180, "v23": 80}
"""Mark bits between the channel seizure and the message (Bell 180, ETSI ~80)."""
TRAIL_MARK_BITS = 5

_REASON_CODE = {"unavailable": "O", "private": "P", "O": "O", "P": "P"}
_REASON_NAME = {"O": "unavailable", "P": "private"}
_KNOWN_TYPES = (SDMF_CALLERID, SDMF_MWI, MDMF_CALLERID, MDMF_MWI)


# ------------------------------------------------------------------ message layer

def checksum(data: bytes) -> int:
    """Two's complement of the byte sum: appended, all bytes sum to 0 mod 256."""
    return (-sum(data)) & 0xFF


def _frame(msg_type: int, body: bytes) -> bytes:
    if len(body) > 255:
        raise ValueError("message body longer than 255 bytes")
    head = bytes([msg_type, len(body)]) + body
    return head + bytes([checksum(head)])


def _datestr(when: Optional[_dt.datetime]) -> bytes:
    if when is None:
        return b"00000000"
    return f"{when.month:02d}{when.day:02d}{when.hour:02d}{when.minute:02d}".encode()


def _text(s: str) -> bytes:
    try:
        return s.encode("ascii")
    except UnicodeEncodeError:
        return s.encode("utf-8")


def _reason(reason: Optional[str]) -> Optional[str]:
    if reason is None:
        return None
    try:
        return _REASON_CODE[reason]
    except KeyError:
        raise ValueError(f"reason must be 'private' or 'unavailable', not {reason!r}") from None


def build_callerid(number: Optional[str], name: Optional[str] = None,
                   when: Optional[_dt.datetime] = None, *, message: str = "mdmf",
                   number_reason: Optional[str] = None,
                   name_reason: Optional[str] = None) -> bytes:
    """The caller-ID message bytes (type, length, body, checksum).

    SDMF always carries a date (``00000000`` when ``when`` is None) and no name.
    A missing number without a reason is sent as 'unavailable'.
    """
    nr = _reason(number_reason)
    if number is None and nr is None:
        nr = "O"
    if message == "sdmf":
        body = _datestr(when) + (nr.encode() if number is None else _text(number))
        return _frame(SDMF_CALLERID, body)
    if message != "mdmf":
        raise ValueError("message must be 'sdmf' or 'mdmf'")
    body = b""
    if when is not None:
        body += bytes([P_DATETIME, 8]) + _datestr(when)
    if number is not None:
        n = _text(number)
        body += bytes([P_NUMBER, len(n)]) + n
    else:
        body += bytes([P_NUMBER_ABSENT, 1]) + nr.encode()
    if name is not None:
        n = _text(name)
        body += bytes([P_NAME, len(n)]) + n
    elif name_reason is not None:
        body += bytes([P_NAME_ABSENT, 1]) + _reason(name_reason).encode()
    return _frame(MDMF_CALLERID, body)


def build_mwi(active: bool, *, message: str = "mdmf",
              when: Optional[_dt.datetime] = None) -> bytes:
    """The message-waiting message bytes (SDMF 0x06 or MDMF 0x82)."""
    if message == "sdmf":
        return _frame(SDMF_MWI, (b"\x42" if active else b"\x6f") * 3)
    if message != "mdmf":
        raise ValueError("message must be 'sdmf' or 'mdmf'")
    body = b""
    if when is not None:
        body += bytes([P_DATETIME, 8]) + _datestr(when)
    body += bytes([P_VISUAL_INDICATOR, 1, 0xFF if active else 0x00])
    return _frame(MDMF_MWI, body)


def _parse_date(b: bytes, year: Optional[int]) -> tuple[bool, Optional[_dt.datetime]]:
    """(well formed, datetime or None) for an MMDDHHMM field."""
    if len(b) != 8 or not b.isdigit():
        return False, None
    mo, d, h, mi = int(b[0:2]), int(b[2:4]), int(b[4:6]), int(b[6:8])
    try:
        return True, _dt.datetime(year or _dt.datetime.now().year, mo, d, h, mi)
    except ValueError:
        return True, None


def _decode_text(b: bytes) -> str:
    try:
        return b.decode("ascii")
    except UnicodeDecodeError:
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            return b.decode("latin-1")


def _printable(b: bytes) -> bool:
    return all(32 <= c < 127 for c in b)


def _result(kind: str, raw: bytes, fmt: str, **kw) -> dict:
    out = dict(kind=kind, number=None, name=None, datetime=None, number_reason=None,
               name_reason=None, mwi=None, raw=raw, format=fmt)
    out.update(kw)
    return out


def parse_message(raw: bytes, year: Optional[int] = None) -> Optional[dict]:
    """Decode one complete message (type, length, body, checksum); None if invalid."""
    if len(raw) < 3 or raw[0] not in _KNOWN_TYPES or len(raw) != raw[1] + 3:
        return None
    if sum(raw) & 0xFF:
        return None
    mtype, body = raw[0], raw[2:-1]
    if mtype == SDMF_CALLERID:
        ok, when = _parse_date(body[:8], year)
        rest = body[8:]
        if not ok or not rest or not _printable(rest):
            return None
        if rest in (b"O", b"P"):
            return _result("callerid", raw, "sdmf", datetime=when,
                           number_reason=_REASON_NAME[rest.decode()])
        return _result("callerid", raw, "sdmf", datetime=when, number=rest.decode())
    if mtype == SDMF_MWI:
        if body == b"\x42\x42\x42":
            return _result("mwi", raw, "sdmf", mwi=True)
        if body == b"\x6f\x6f\x6f":
            return _result("mwi", raw, "sdmf", mwi=False)
        return None
    # MDMF: a sequence of (parameter type, length, value) filling the body exactly
    params = {}
    i = 0
    while i < len(body):
        if i + 2 > len(body):
            return None
        ptype, plen = body[i], body[i + 1]
        if plen == 0 or i + 2 + plen > len(body):
            return None
        params[ptype] = body[i + 2:i + 2 + plen]
        i += 2 + plen
    out = _result("callerid" if mtype == MDMF_CALLERID else "mwi", raw, "mdmf")
    if P_DATETIME in params:
        ok, out["datetime"] = _parse_date(params[P_DATETIME], year)
        if not ok:
            return None
    for key, ptype in (("number_reason", P_NUMBER_ABSENT), ("name_reason", P_NAME_ABSENT)):
        if ptype in params:
            code = params[ptype].decode("latin-1")
            if code not in _REASON_NAME:
                return None
            out[key] = _REASON_NAME[code]
    if mtype == MDMF_CALLERID:
        if P_NUMBER in params:
            if not _printable(params[P_NUMBER]):
                return None
            out["number"] = params[P_NUMBER].decode("ascii")
        if P_NAME in params:
            out["name"] = _decode_text(params[P_NAME])
        if not ({P_NUMBER, P_NUMBER_ABSENT, P_NAME, P_NAME_ABSENT} & params.keys()):
            return None
    else:
        vi = params.get(P_VISUAL_INDICATOR)
        if vi is None or len(vi) != 1 or vi[0] not in (0x00, 0xFF):
            return None
        out["mwi"] = vi[0] == 0xFF
        if P_MESSAGE_COUNT in params and len(params[P_MESSAGE_COUNT]) == 1:
            out["messages"] = params[P_MESSAGE_COUNT][0]
    return out


_MIN_LEN = {SDMF_CALLERID: 9, SDMF_MWI: 3, MDMF_CALLERID: 3, MDMF_MWI: 3}
_MDMF_PARAMS = bytes([P_DATETIME, P_NUMBER, 0x03, P_NUMBER_ABSENT, 0x05, 0x06, P_NAME,
                      P_NAME_ABSENT, 0x09, P_VISUAL_INDICATOR, P_MESSAGE_COUNT, 0x0E, 0x10, 0x11,
                      0x13, 0x15, 0x16, 0x1A])
_FIRST_BYTES = {SDMF_CALLERID: b"0123456789", SDMF_MWI: b"\x42\x6f",
                MDMF_CALLERID: _MDMF_PARAMS, MDMF_MWI: _MDMF_PARAMS}


def find_message(buf: bytes, year: Optional[int] = None) -> tuple[Optional[dict], int]:
    """First valid message in a byte stream: (message, index just past it) or (None, 0)."""
    msg, end, _ = _scan(buf, year)
    return msg, end


def _scan(buf, year: Optional[int]) -> tuple[Optional[dict], int, int]:
    """(first valid message or None, index past it, index before which no message can
    still start: everything earlier may be dropped from a stream buffer)."""
    keep = len(buf)
    n = len(buf)
    for i in range(n):
        t = buf[i]
        if t in _KNOWN_TYPES:
            if i + 2 > n:
                keep = min(keep, i)
                break
            # cheap plausibility from the length and the first body byte
            length = buf[i + 1]
            if length < _MIN_LEN[t] or (t == SDMF_MWI and length != 3):
                continue
            if i + 2 < n and buf[i + 2] not in _FIRST_BYTES[t]:
                continue
            end = i + length + 3
            if end > len(buf):
                keep = min(keep, i)       # may still complete
                continue
            msg = parse_message(bytes(buf[i:end]), year)
            if msg is not None:
                return msg, end, i
    return None, 0, keep


# ------------------------------------------------------------------ FSK faces

def _fsk_signal(raw: bytes, standard: str, level_dbm0: float, seizure: bool) -> np.ndarray:
    mod = FskModulator(standard, level_dbm0)
    parts = []
    if seizure:
        parts.append(mod.seizure(SEIZURE_BITS))
    parts.append(mod.mark(MARK_BITS[standard]))
    parts.append(mod.modulate_bytes(raw))
    parts.append(mod.mark(TRAIL_MARK_BITS))
    return np.concatenate(parts)


def _check_standard(standard: str, allow_auto: bool = False) -> None:
    if standard not in STANDARDS and not (allow_auto and standard == "auto"):
        choices = list(STANDARDS) + (["auto"] if allow_auto else [])
        raise ValueError(f"standard must be one of {choices}, not {standard!r}")


def encode_fsk(number: Optional[str], name: Optional[str] = None,
               when: Optional[_dt.datetime] = None, standard: str = "bell202", *,
               message: str = "mdmf", number_reason: Optional[str] = None,
               name_reason: Optional[str] = None, level_dbm0: float = -13.5,
               seizure: bool = True) -> np.ndarray:
    """FSK caller-ID signal (8 kHz int16): seizure (300 bits 0101...), mark (180 bits
    Bell / 80 bits V.23), the message as UART characters, 5 mark bits.

    ``level_dbm0``: transmit level (dBm0; Bell typically -13.5, ETSI -8).
    ``number_reason``/``name_reason``: 'private' or 'unavailable' (sent when the number /
    name is None).  ``when=None``: no date/time parameter (SDMF sends 00000000).
    """
    _check_standard(standard)
    raw = build_callerid(number, name, when, message=message,
                         number_reason=number_reason, name_reason=name_reason)
    return _fsk_signal(raw, standard, level_dbm0, seizure)


def encode_mwi(active: bool, standard: str = "bell202", message: str = "mdmf", *,
               when: Optional[_dt.datetime] = None, level_dbm0: float = -13.5,
               seizure: bool = True) -> np.ndarray:
    """FSK message-waiting indication (visual indicator on/off), 8 kHz int16."""
    _check_standard(standard)
    return _fsk_signal(build_mwi(active, message=message, when=when), standard,
                       level_dbm0, seizure)


def _standards(standard: str) -> list[str]:
    _check_standard(standard, allow_auto=True)
    return list(STANDARDS) if standard == "auto" else [standard]


def _variants(standard: str) -> list[tuple[str, bool]]:
    """Receiver variants (standard, inverted): variant k < n is standard k normal,
    k >= n is standard k - n inverted (n standards)."""
    stds = _standards(standard)
    return [(s, False) for s in stds] + [(s, True) for s in stds]


def decode_fsk(samples: Samples, standard: str = "auto",
               year: Optional[int] = None) -> Optional[dict]:
    """First valid FSK caller-ID/MWI message in ``samples`` (8 kHz int16), or None.

    ``standard``: 'bell202', 'v23' or 'auto' (both).  The normal mark/space mapping is
    tried first, then the inverted one.  ``year`` for the date (default: this year).
    """
    a = as_int16(samples)
    stds = _standards(standard)
    got = [FskDemodulator(std, both=True).process_both(a) for std in stds]
    for inv in (False, True):
        for std, pair in zip(stds, got):
            msg, _ = find_message(pair[inv], year)
            if msg is not None:
                msg.update(standard=std, inverted=inv)
                return msg
    return None


# ------------------------------------------------------------------ DTMF caller ID

DTMF_FORMATS = ("A..C", "D..C", "A..#", "..#")
"""DTMF caller-ID layouts for ``encode_dtmf_cid(fmt=...)``."""

DTMF_GAP_MS = 400
"""Silence after the last digit that ends a DTMF caller-ID string (ms)."""


def dtmf_cid_digits(number: Optional[str] = None, reason: Optional[str] = None,
                    fmt: str = "A..C", redirecting: Optional[str] = None) -> str:
    """The DTMF digit string of a caller-ID message (see ``DTMF_FORMATS``)."""
    if fmt not in DTMF_FORMATS:
        raise ValueError(f"fmt must be one of {DTMF_FORMATS}, not {fmt!r}")
    if number is not None and not number.isdigit():
        raise ValueError("a DTMF caller-ID number has digits only")
    code = _reason(reason) if number is None else None
    if number is None and code is None:
        code = "O"
    end = "C" if fmt.endswith("C") else "#"
    if number is None:
        if end == "C":
            return "B" + ("10" if code == "P" else "00") + "C"
        return "D" + ("1" if code == "P" else "3") + "#"
    head = {"A..C": "A", "D..C": "D", "A..#": "A", "..#": ""}[fmt]
    out = head + number + end
    if redirecting:
        if end != "C" or head != "A":
            raise ValueError("a redirecting number needs the A..C format")
        out += "D" + redirecting + "C"
    return out


def parse_dtmf_cid(digits: str) -> Optional[dict]:
    """Decode a DTMF caller-ID digit string; None when it is not one."""
    s = digits.upper()
    raw = s.encode()
    # field = optional letter, digits, terminator
    fields = []
    i = 0
    while i < len(s):
        head = ""
        if s[i] in "ABD":
            head = s[i]
            i += 1
        j = i
        while j < len(s) and s[j].isdigit():
            j += 1
        if j >= len(s) or s[j] not in "C#":
            break                       # no terminator: not (yet) a complete field
        fields.append((head, s[i:j], s[j]))
        i = j + 1
    if not fields:
        return None
    out = _result("callerid", raw, "dtmf", standard="dtmf", inverted=False)
    heads = [f[0] for f in fields]
    for head, body, end in fields:
        if head == "B" and end == "C":
            if body == "00":
                out["number_reason"] = "unavailable"
            elif body == "10":
                out["number_reason"] = "private"
            else:
                return None
        elif head == "D" and end == "#" and len(body) == 1 and body in "123":
            out["number_reason"] = "private" if body == "1" else "unavailable"
        elif head == "D" and "A" in heads:
            if body:
                out["redirecting"] = body
        elif head in ("A", "D") or (head == "" and end == "#"):
            if not body:
                return None
            out["number"] = body
        else:
            return None
    if out["number"] is None and out["number_reason"] is None:
        return None
    return out


def encode_dtmf_cid(number: Optional[str] = None, reason: Optional[str] = None,
                    fmt: str = "A..C", *, redirecting: Optional[str] = None,
                    level_dbm0: float = -10.0, on_ms: int = 70,
                    off_ms: int = 70) -> np.ndarray:
    """DTMF caller ID (sent before the first ring), 8 kHz int16.

    ``fmt``: 'A..C' (default), 'D..C', 'A..#', '..#'.  No number: ``reason``
    ('private'/'unavailable') gives B10C/B00C (C formats) or D1#/D3# (# formats).
    """
    from dsp.dtmf import DtmfGenerator
    digits = dtmf_cid_digits(number, reason, fmt, redirecting)
    return DtmfGenerator(level_dbm0=level_dbm0, on_ms=on_ms, off_ms=off_ms).generate(digits)


def decode_dtmf_cid(samples: Samples) -> Optional[dict]:
    """Decode DTMF caller ID from audio (8 kHz int16); None when there is none."""
    from dsp.dtmf import DtmfDetector
    digits = "".join(DtmfDetector().process(as_int16(samples)))
    start = next((k for k, c in enumerate(digits) if c in "ABD" or c.isdigit()), None)
    if start is None:
        return None
    return parse_dtmf_cid(digits[start:])


# ------------------------------------------------------------------ streaming decoder

def _dtmf_available() -> bool:
    try:
        import dsp.dtmf  # noqa: F401
        return True
    except ImportError:      # dsp.dtmf not built: FSK only
        return False


class _Channel:
    """Message assembly of one FXO channel: byte buffers per FSK receiver variant, the
    DTMF digit string, duplicate suppression.  Shared by the single and bank decoders;
    ``now`` is the decoder's sample clock at the end of the current block."""

    DUPLICATE_WINDOW = 2 * RATE
    """Samples within which an identical message counts as a duplicate."""
    DTMF_GAP = DTMF_GAP_MS * RATE // 1000

    def __init__(self, variants: list[tuple[str, bool]], year: Optional[int]) -> None:
        self.variants = variants
        self.year = year
        self.reset()

    def reset(self) -> None:
        self.bufs = [bytearray() for _ in self.variants]
        self.digits = ""
        self.last_digit_at = 0
        self.last_raw = None
        self.last_at = None

    def emit(self, msg: dict, out: list, now: int) -> None:
        if (msg["raw"] == self.last_raw and self.last_at is not None
                and now - self.last_at < self.DUPLICATE_WINDOW):
            return
        self.last_raw = msg["raw"]
        self.last_at = now
        out.append(msg)

    def fsk_bytes(self, k: int, got: bytes, out: list, now: int) -> None:
        buf = self.bufs[k]
        buf += got
        while True:
            msg, end, keep = _scan(buf, self.year)
            if msg is None:
                del buf[:keep]            # bytes that cannot start a message any more
                break
            del buf[:end]
            std, inv = self.variants[k]
            msg.update(standard=std, inverted=inv)
            self.emit(msg, out, now)

    def dtmf_digits(self, digits: str, out: list, now: int) -> None:
        """Add the digits of this block; a string ends with a pause of DTMF_GAP_MS."""
        if digits:
            self.digits = (self.digits + digits)[-64:]
            self.last_digit_at = now
        elif self.digits and now - self.last_digit_at >= self.DTMF_GAP:
            s = self.digits
            self.digits = ""
            start = next((k for k, c in enumerate(s) if c in "ABD"), 0)
            msg = parse_dtmf_cid(s[start:])
            if msg is not None:
                self.emit(msg, out, now)


class CallerIdDecoder:
    """Streaming caller-ID receiver for an FXO port: FSK (and DTMF) in, messages out.

    ``standard``: 'bell202', 'v23' or 'auto' (each is also tried with mark/space
    inverted).  ``dtmf``: also decode DTMF caller ID (``dtmf_enabled`` tells whether
    it is on: False when ``dsp.dtmf`` is not available).  ``process(samples)`` returns
    the messages completed in that block (same result for any block size); the same
    message is reported once even though several receivers may decode it.
    """

    def __init__(self, standard: str = "auto", dtmf: bool = True,
                 year: Optional[int] = None) -> None:
        self.standard = standard
        variants = _variants(standard)
        # one receiver per standard frames both polarities from the same correlators
        self._rx = [FskDemodulator(s, both=True) for s in _standards(standard)]
        self._ch = _Channel(variants, year)
        self.dtmf_enabled = bool(dtmf) and _dtmf_available()
        self._dtmf = None
        self.reset()

    def reset(self) -> None:
        """Forget everything heard so far."""
        for rx in self._rx:
            rx.reset()
        self._ch.reset()
        self._clock = 0
        if self.dtmf_enabled:
            from dsp.dtmf import DtmfDetector
            self._dtmf = DtmfDetector()

    def process(self, samples: Samples) -> list[dict]:
        """Feed a block of 8 kHz int16 audio; return the messages completed in it."""
        a = as_int16(samples)
        out: list[dict] = []
        ch = self._ch
        self._clock += len(a)
        now = self._clock
        nstd = len(self._rx)
        for j, rx in enumerate(self._rx):
            pair = rx.process_both(a)
            for k, got in ((j, pair[0]), (j + nstd, pair[1])):
                if got:
                    ch.fsk_bytes(k, got, out, now)
                elif ch.bufs[k] and not rx.carrier:
                    ch.bufs[k].clear()
        if self._dtmf is not None:
            ch.dtmf_digits("".join(self._dtmf.process(a)), out, now)
        return out


class CallerIdDecoderBank:
    """``channels`` caller-ID receivers fed one channels x samples block per call (the
    engine's per-tick batch); ``process(block) -> list[list[dict]]`` (per channel).
    Same options and results as ``CallerIdDecoder``; Python work is done only for
    channels that produced bytes or digits."""

    def __init__(self, channels: int, standard: str = "auto", dtmf: bool = True,
                 year: Optional[int] = None) -> None:
        from dsp.fsk import FskDemodulatorBank
        self.channels = channels
        self.standard = standard
        variants = _variants(standard)
        self._banks = [FskDemodulatorBank(s, channels, both=True) for s in _standards(standard)]
        self._ch = [_Channel(variants, year) for _ in range(channels)]
        self.dtmf_enabled = bool(dtmf) and _dtmf_available()
        self._dtmf = None
        if self.dtmf_enabled:
            from dsp.dtmf import DtmfDetectorBank
            self._dtmf = DtmfDetectorBank(channels)
        self._clock = 0
        self._pending_fsk: set[tuple[int, int]] = set()   # (channel, variant) with bytes kept
        self._pending_dtmf: set[int] = set()              # channels with digits kept

    def reset(self, channel: Optional[int] = None) -> None:
        """Reset one channel, or all of them."""
        chans = range(self.channels) if channel is None else [channel]
        for bank in self._banks:
            bank.reset(channel)
        if self._dtmf is not None:
            self._dtmf.reset(channel)
        for c in chans:
            self._ch[c].reset()
            self._pending_dtmf.discard(c)
            for k in range(2 * len(self._banks)):
                self._pending_fsk.discard((c, k))

    def process(self, block) -> list[list[dict]]:
        """Feed one block per channel (int16, channels x samples)."""
        a = np.ascontiguousarray(block, dtype=np.int16)
        if a.ndim != 2 or a.shape[0] != self.channels:
            raise ValueError(f"expected a ({self.channels}, samples) int16 array")
        self._clock += a.shape[1]
        now = self._clock
        out: list[list[dict]] = [[] for _ in range(self.channels)]
        nstd = len(self._banks)
        for j, bank in enumerate(self._banks):
            fresh = set()
            for c, inv, b in bank.process_both(a):
                k = j + nstd if inv else j
                self._ch[c].fsk_bytes(k, b, out[c], now)
                fresh.add((c, k))
                if self._ch[c].bufs[k]:
                    self._pending_fsk.add((c, k))
                else:
                    self._pending_fsk.discard((c, k))
            stale = [ck for ck in self._pending_fsk
                     if ck[1] % nstd == j and ck not in fresh]
            if stale:
                carriers = bank.carriers()
                for c, k in stale:
                    if not carriers[c]:
                        self._ch[c].bufs[k].clear()
                        self._pending_fsk.discard((c, k))
        if self._dtmf is not None:
            res = self._dtmf.process(a)
            busy = {c for c, d in enumerate(res) if d} if any(res) else set()
            for c in busy | self._pending_dtmf:
                ch = self._ch[c]
                ch.dtmf_digits("".join(res[c]), out[c], now)
                if ch.digits:
                    self._pending_dtmf.add(c)
                else:
                    self._pending_dtmf.discard(c)
        return out
