"""RTCP (RFC 3550 §6): SR, RR, SDES and BYE packets, and the statistics they carry.

Sans-IO. :class:`ReceptionStats` follows one incoming RTP source: extended
highest sequence number and cumulative loss (§6.4.1, Appendix A.3), the loss
fraction since the previous report, and the interarrival jitter estimate
``J += (|D| − J)/16`` (§6.4.1, Appendix A.8), in timestamp units. It also keeps
the middle 32 bits of the NTP time of the last sender report received (LSR) so
that a report block can carry DLSR, from which the other side computes the round
trip ``A − LSR − DLSR`` (§6.4.1; :func:`round_trip_ms`).

:func:`build_sr`, :func:`build_rr`, :func:`build_sdes`, :func:`build_bye` make
single packets; concatenate them for a compound packet (an SR or RR first, then
SDES with a CNAME, as §6.1 requires). :func:`parse` splits a compound packet
into :class:`SenderReport`, :class:`ReceiverReport`, :class:`Sdes`, :class:`Bye`
objects (other packet types are skipped).

Times: ``*_ms`` arguments are milliseconds on any monotonic time base the caller
uses consistently; NTP timestamps are 64-bit (seconds since 1900 in the high 32
bits); "compact" NTP is the middle 32 bits (units of 1/65536 s).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Optional

from firmware.sip.rtp import extend_seq, extend_ts

PT_SR = 200
PT_RR = 201
PT_SDES = 202
PT_BYE = 203
SDES_CNAME = 1
NTP_UNIX_OFFSET = 2208988800        #: seconds from 1900-01-01 to 1970-01-01
MAX_DROPOUT = 3000                  #: packets ahead that still count as the same sequence (A.1)
MAX_MISORDER = 100                  #: packets behind likewise

_HDR = struct.Struct("!BBH")
_SSRC = struct.Struct("!I")
_SENDER_INFO = struct.Struct("!IIIII")
_BLOCK = struct.Struct("!IIIIII")


class RtcpError(ValueError):
    """An RTCP packet that cannot be parsed (the reason in words)."""


# ---------------------------------------------------------------- NTP time
def ntp_timestamp(unix_seconds: float) -> int:
    """64-bit NTP timestamp for a Unix time in seconds."""
    return int(round((unix_seconds + NTP_UNIX_OFFSET) * 4294967296.0)) & 0xFFFFFFFFFFFFFFFF


def ntp_middle(ntp: int) -> int:
    """The middle 32 bits of a 64-bit NTP timestamp (1/65536 s units), as LSR uses."""
    return (ntp >> 16) & 0xFFFFFFFF


def round_trip_ms(arrival_ntp: int, lsr: int, dlsr: int) -> Optional[float]:
    """Round-trip time in ms from a report block (§6.4.1): ``A − LSR − DLSR``.

    ``arrival_ntp`` is our 64-bit NTP time when the report arrived; ``lsr``/``dlsr``
    are the block's fields. None when the block has no LSR (no SR received yet).
    """
    if lsr == 0:
        return None
    rtt = (ntp_middle(arrival_ntp) - lsr - dlsr) & 0xFFFFFFFF
    if rtt >= 0x80000000:          # negative: clocks stepped; no meaningful value
        return None
    return rtt * 1000.0 / 65536.0


# ---------------------------------------------------------------- packets
@dataclass
class ReportBlock:
    """One reception report (§6.4.1). ``jitter`` in timestamp units, ``lsr``/``dlsr`` compact NTP."""
    ssrc: int
    fraction_lost: int          # 0..255, lost/expected since the last report × 256
    cumulative_lost: int        # packets, signed 24 bit
    highest_seq: int            # extended highest sequence number received (32 bit)
    jitter: int
    lsr: int = 0
    dlsr: int = 0

    @property
    def fraction(self) -> float:
        """Loss fraction 0..1 since the previous report."""
        return self.fraction_lost / 256.0


@dataclass
class SenderReport:
    ssrc: int
    ntp: int                    # 64-bit NTP time the report was sent
    rtp_ts: int                 # the same instant in RTP timestamp units
    packets: int                # sender's packet count
    octets: int                 # sender's payload octet count
    blocks: list = field(default_factory=list)


@dataclass
class ReceiverReport:
    ssrc: int
    blocks: list = field(default_factory=list)


@dataclass
class Sdes:
    items: dict = field(default_factory=dict)      # ssrc -> {item type: text}

    def cname(self, ssrc: int) -> Optional[str]:
        return self.items.get(ssrc, {}).get(SDES_CNAME)


@dataclass
class Bye:
    ssrcs: list
    reason: str = ""


def _header(pt: int, count: int, body_len: int) -> bytes:
    if body_len % 4:
        raise RtcpError(f"RTCP body of {body_len} bytes is not a multiple of 4")
    return _HDR.pack(0x80 | count, pt, body_len // 4)


def _block_bytes(b: ReportBlock) -> bytes:
    lost = b.cumulative_lost
    lost = max(-0x800000, min(0x7FFFFF, lost)) & 0xFFFFFF
    return _BLOCK.pack(b.ssrc & 0xFFFFFFFF, ((b.fraction_lost & 0xFF) << 24) | lost,
                       b.highest_seq & 0xFFFFFFFF, b.jitter & 0xFFFFFFFF,
                       b.lsr & 0xFFFFFFFF, b.dlsr & 0xFFFFFFFF)


def build_sr(ssrc: int, ntp: int, rtp_ts: int, packets: int, octets: int,
             blocks: list = ()) -> bytes:
    """A sender report (PT 200) with up to 31 report blocks."""
    if len(blocks) > 31:
        raise RtcpError(f"an SR carries at most 31 report blocks, not {len(blocks)}")
    body = _SSRC.pack(ssrc) + _SENDER_INFO.pack(
        (ntp >> 32) & 0xFFFFFFFF, ntp & 0xFFFFFFFF, rtp_ts & 0xFFFFFFFF,
        packets & 0xFFFFFFFF, octets & 0xFFFFFFFF) + b"".join(_block_bytes(b) for b in blocks)
    return _header(PT_SR, len(blocks), len(body)) + body


def build_rr(ssrc: int, blocks: list = ()) -> bytes:
    """A receiver report (PT 201) with up to 31 report blocks."""
    if len(blocks) > 31:
        raise RtcpError(f"an RR carries at most 31 report blocks, not {len(blocks)}")
    body = _SSRC.pack(ssrc) + b"".join(_block_bytes(b) for b in blocks)
    return _header(PT_RR, len(blocks), len(body)) + body


def build_sdes(ssrc: int, cname: str) -> bytes:
    """An SDES packet (PT 202) with one chunk holding the CNAME."""
    text = cname.encode("utf-8")[:255]
    chunk = _SSRC.pack(ssrc) + bytes((SDES_CNAME, len(text))) + text + b"\x00"
    chunk += b"\x00" * (-len(chunk) % 4)
    return _header(PT_SDES, 1, len(chunk)) + chunk


def build_bye(ssrcs: list, reason: str = "") -> bytes:
    """A BYE packet (PT 203) for the given sources, with an optional reason text."""
    body = b"".join(_SSRC.pack(s) for s in ssrcs)
    if reason:
        text = reason.encode("utf-8")[:255]
        body += bytes((len(text),)) + text
        body += b"\x00" * (-len(body) % 4)
    return _header(PT_BYE, len(ssrcs), len(body)) + body


def _parse_blocks(data: bytes, off: int, count: int) -> list:
    blocks = []
    for _ in range(count):
        ssrc, fl, hi, jit, lsr, dlsr = _BLOCK.unpack_from(data, off)
        lost = fl & 0xFFFFFF
        if lost & 0x800000:
            lost -= 0x1000000
        blocks.append(ReportBlock(ssrc, fl >> 24, lost, hi, jit, lsr, dlsr))
        off += _BLOCK.size
    return blocks


def parse(data: bytes) -> list:
    """The packets of a (compound) RTCP datagram; raise :class:`RtcpError` if malformed."""
    out: list = []
    off, n = 0, len(data)
    if n < 4:
        raise RtcpError(f"RTCP packet too short: {n} bytes")
    while off < n:
        if n - off < 4:
            raise RtcpError(f"{n - off} stray bytes after the last RTCP packet")
        b0, pt, words = _HDR.unpack_from(data, off)
        if b0 >> 6 != 2:
            raise RtcpError(f"RTCP version {b0 >> 6} at byte {off}, expected 2")
        length = 4 * (words + 1)
        if off + length > n:
            raise RtcpError(f"RTCP packet type {pt} claims {length} bytes, only {n - off} left")
        count = b0 & 0x1F
        body = data[off + 4:off + length]
        if b0 & 0x20:                               # padding
            pad = body[-1] if body else 0
            body = body[:len(body) - pad]
        try:
            if pt == PT_SR:
                ssrc = _SSRC.unpack_from(body)[0]
                msw, lsw, rts, pk, octs = _SENDER_INFO.unpack_from(body, 4)
                out.append(SenderReport(ssrc, (msw << 32) | lsw, rts, pk, octs,
                                        _parse_blocks(body, 24, count)))
            elif pt == PT_RR:
                out.append(ReceiverReport(_SSRC.unpack_from(body)[0], _parse_blocks(body, 4, count)))
            elif pt == PT_SDES:
                out.append(_parse_sdes(body, count))
            elif pt == PT_BYE:
                ssrcs = [_SSRC.unpack_from(body, 4 * i)[0] for i in range(count)]
                reason = ""
                if len(body) > 4 * count:
                    k = body[4 * count]
                    reason = body[4 * count + 1:4 * count + 1 + k].decode("utf-8", "replace")
                out.append(Bye(ssrcs, reason))
        except struct.error as e:
            raise RtcpError(f"RTCP packet type {pt} is shorter than its report count {count} needs") from e
        off += length
    return out


def _parse_sdes(body: bytes, count: int) -> Sdes:
    items: dict = {}
    off = 0
    for _ in range(count):
        ssrc = _SSRC.unpack_from(body, off)[0]
        off += 4
        d = items.setdefault(ssrc, {})
        while off < len(body) and body[off] != 0:
            kind, ln = body[off], body[off + 1]
            d[kind] = body[off + 2:off + 2 + ln].decode("utf-8", "replace")
            off += 2 + ln
        off += 1
        off += -off % 4                             # chunks end on a 32-bit boundary
    return Sdes(items)


# ---------------------------------------------------------------- statistics
class ReceptionStats:
    """Reception statistics of one RTP source, for report blocks (§6.4.1, A.1, A.3, A.8).

    ``update(seq, ts, arrival_ms)`` per received packet (wire seq/ts);
    ``report_block(now_ms)`` makes the block for the next RR/SR (and starts a new
    loss-fraction interval); ``on_sender_report(ntp, arrival_ms)`` records LSR.
    """

    __slots__ = ("ssrc", "rate", "base_seq", "max_seq", "max_ts", "received",
                 "expected_prior", "received_prior", "jitter", "_transit",
                 "lsr", "lsr_arrival_ms", "duplicates_or_old", "_bad_seq")

    def __init__(self, ssrc: int, clock_rate: int = 8000) -> None:
        self.ssrc = ssrc
        self.rate = clock_rate
        self.base_seq: Optional[int] = None
        self.max_seq: Optional[int] = None
        self.max_ts: Optional[int] = None
        self.received = 0
        self.expected_prior = 0
        self.received_prior = 0
        self.jitter = 0.0              # timestamp units (float; the wire carries int)
        self._transit: Optional[float] = None
        self.lsr = 0
        self.lsr_arrival_ms = 0.0
        self.duplicates_or_old = 0
        self._bad_seq: Optional[int] = None

    def update(self, seq: int, ts: int, arrival_ms: float) -> int:
        """Account one packet; return its extended sequence number.

        A jump of more than ``MAX_DROPOUT`` ahead or ``MAX_MISORDER`` behind is
        not counted until the next packet follows it in sequence; then the sender
        is taken to have restarted its numbering and the counts start again (A.1).
        """
        ext = extend_seq(seq, self.max_seq)
        if self.max_seq is None:
            self.base_seq = ext
            self.max_seq = ext
        else:
            delta = ext - self.max_seq
            if delta > MAX_DROPOUT or delta < -MAX_MISORDER:
                if ext != self._bad_seq:
                    self._bad_seq = ext + 1
                    return ext
                ext = seq                          # restart: count the jump packet too
                self.base_seq = ext - 1
                self.max_seq = ext
                self.received = 1
                self.expected_prior = self.received_prior = 0
                self.max_ts = None                 # the timestamps restarted as well
                self._transit = None
            elif delta > 0:
                self.max_seq = ext
            else:
                self.duplicates_or_old += 1
        self._bad_seq = None
        self.received += 1
        xts = extend_ts(ts, self.max_ts)
        if self.max_ts is None or xts > self.max_ts:
            self.max_ts = xts
        transit = arrival_ms * self.rate / 1000.0 - xts
        if self._transit is not None:
            d = transit - self._transit
            if d < 0:
                d = -d
            self.jitter += (d - self.jitter) / 16.0
        self._transit = transit
        return ext

    @property
    def expected(self) -> int:
        return 0 if self.max_seq is None else self.max_seq - self.base_seq + 1

    @property
    def lost(self) -> int:
        """Cumulative packets lost (expected − received; duplicates can make it negative)."""
        return self.expected - self.received

    @property
    def jitter_ms(self) -> float:
        return self.jitter * 1000.0 / self.rate

    def on_sender_report(self, ntp: int, arrival_ms: float) -> None:
        """Remember an SR from this source: its compact NTP time and when it arrived."""
        self.lsr = ntp_middle(ntp)
        self.lsr_arrival_ms = arrival_ms

    def report_block(self, now_ms: float) -> ReportBlock:
        """The report block for this source now; starts a new loss-fraction interval."""
        expected = self.expected
        exp_int = expected - self.expected_prior
        rec_int = self.received - self.received_prior
        self.expected_prior = expected
        self.received_prior = self.received
        lost_int = exp_int - rec_int
        fraction = 0 if exp_int <= 0 or lost_int <= 0 else min(255, (lost_int << 8) // exp_int)
        dlsr = 0
        if self.lsr:
            dlsr = int(round((now_ms - self.lsr_arrival_ms) * 65.536)) & 0xFFFFFFFF
        return ReportBlock(self.ssrc, fraction, self.lost, (self.max_seq or 0) & 0xFFFFFFFF,
                           int(self.jitter), self.lsr, dlsr)
