"""RFC 4733 telephone-events: DTMF digits as RTP packets, both ways.

Payload (RFC 4733 §2.3, 4 bytes): event code (0–9, 10 = ``*``, 11 = ``#``,
12–15 = ``A``–``D``, 16 = flash), E bit (end), R bit, volume (0–63, −dBm0),
duration (16 bits, timestamp units = samples at 8 kHz).

Sending (:class:`EventSender`): one event is a series of packets that all carry
the timestamp of the event's start; the first has the marker bit, each
following packet (one per 20 ms tick) has the duration so far, and the end is
sent three times with the E bit and the final duration (§2.5.1.4). The sender
is sans-IO: ``next_packet()`` per tick returns the payload, marker and whether
this is the event's first packet; the RTP session numbers them.

Receiving (:class:`EventReceiver`): packets (possibly lost, reordered, or with
the end repeated) become ``('start', digit)`` and ``('end', digit, ms)`` events
exactly once per event. An event is keyed by its RTP timestamp: a new
timestamp starts an event (ending a previous one whose end packets were all
lost), an E bit ends it, packets of an event already ended are ignored, and
``poll(now_ms)`` ends an event whose packets stopped without an end packet.
"""
from __future__ import annotations

import struct
from collections import deque
from typing import Optional

from firmware.sip.rtp import extend_ts

EVENT_CODES = "0123456789*#ABCD"
FLASH = 16
PT_TELEPHONE_EVENT = 101          #: the usual dynamic payload type (set from SDP)
END_REPEATS = 3                   #: end packets sent per event (RFC 4733 §2.5.1.4)
SAMPLES_PER_MS = 8

_PAYLOAD = struct.Struct("!BBH")


def event_code(digit: str) -> int:
    """Event code for a DTMF digit (``0``–``9``, ``*``, ``#``, ``A``–``D``) or ``'flash'``."""
    if digit == "flash":
        return FLASH
    i = EVENT_CODES.find(digit.upper()) if len(digit) == 1 else -1
    if i < 0:
        raise ValueError(f"{digit!r} is not a DTMF digit: use 0-9, *, #, A-D or 'flash'")
    return i


def event_name(code: int) -> Optional[str]:
    """The digit for an event code, ``'flash'`` for 16, None for other events."""
    if 0 <= code < 16:
        return EVENT_CODES[code]
    if code == FLASH:
        return "flash"
    return None


def encode(code: int, end: bool, volume: int, duration: int) -> bytes:
    """The 4-byte payload. ``volume`` 0–63 (−dBm0), ``duration`` in samples (clipped to 65535)."""
    return _PAYLOAD.pack(code & 0xFF, (0x80 if end else 0) | (volume & 0x3F), min(duration, 0xFFFF))


def decode(payload: bytes) -> tuple:
    """``(code, end, volume, duration)`` from a payload; ValueError if it is too short."""
    if len(payload) < 4:
        raise ValueError(f"telephone-event payload is {len(payload)} bytes, needs 4")
    code, b1, duration = _PAYLOAD.unpack_from(payload)
    return code, bool(b1 & 0x80), b1 & 0x3F, duration


class EventSender:
    """Produces the packet series for queued digits, one packet per tick.

    ``send(digits, duration_ms=100, gap_ms=60)`` queues digits; each tick the
    RTP session calls ``next_packet(tick_samples)``, which returns None when no
    event is being sent (send audio then), else ``(payload, marker, start)``
    where ``start`` is True on the first packet of an event (the session then
    fixes the event timestamp to its current audio timestamp). During the gap
    between digits ``next_packet`` returns None but :attr:`busy` stays True.
    """

    def __init__(self, volume: int = 10) -> None:
        self.volume = volume
        self._queue: deque = deque()
        self._code: Optional[int] = None
        self._dur = 0           # samples sent so far in this event
        self._total = 0         # samples this event lasts
        self._ends = 0          # end packets sent
        self._gap = 0           # samples of gap left before the next digit
        self._next_gap = 0      # gap after the current digit, samples

    @property
    def busy(self) -> bool:
        """True while a digit, a gap or queued digits remain."""
        return self._code is not None or bool(self._queue) or self._gap > 0

    def send(self, digits: str, duration_ms: int = 100, gap_ms: int = 60) -> None:
        """Queue ``digits`` (each ``duration_ms`` long, ``gap_ms`` apart)."""
        if duration_ms < 40:
            raise ValueError(f"DTMF event duration {duration_ms} ms is too short: at least 40 ms")
        for d in digits:
            self._queue.append((event_code(d), duration_ms * SAMPLES_PER_MS, gap_ms * SAMPLES_PER_MS))

    def next_packet(self, tick_samples: int = 160) -> Optional[tuple]:
        """The packet for this tick, or None (see the class docstring)."""
        if self._code is None:
            if self._gap > 0:
                self._gap -= tick_samples
                return None
            if not self._queue:
                return None
            self._code, self._total, self._next_gap = self._queue.popleft()
            self._dur = 0
            self._ends = 0
        code = self._code
        if self._dur < self._total:
            self._dur = min(self._total, self._dur + tick_samples)
            start = self._dur <= tick_samples
            if self._dur < self._total:
                return encode(code, False, self.volume, self._dur), start, start
        # end packets (the first may also be the packet that reaches the duration)
        self._ends += 1
        payload = encode(code, True, self.volume, self._dur)
        start = self._dur <= tick_samples and self._ends == 1
        if self._ends >= END_REPEATS:
            self._code = None
            self._gap = self._next_gap
        return payload, start, start


class EventReceiver:
    """Turns received telephone-event packets into digit start/end events, once each.

    ``feed(ts, marker, payload, now_ms)`` and ``poll(now_ms)`` return lists of
    ``('start', digit)`` and ``('end', digit, duration_ms)``. ``timeout_ms``:
    an event with no packet for that long is ended by ``poll`` (its end packets
    were all lost).
    """

    def __init__(self, timeout_ms: float = 200.0, remember: int = 32) -> None:
        self.timeout_ms = timeout_ms
        self._cur_ts: Optional[int] = None       # extended timestamp of the current event
        self._cur_code = 0
        self._cur_dur = 0
        self._last_ms = 0.0
        self._max_ts: Optional[int] = None
        self._ended: deque = deque(maxlen=remember)
        self._ended_set: set = set()
        self.events = 0

    def _remember(self, ts: int) -> None:
        if len(self._ended) == self._ended.maxlen:
            self._ended_set.discard(self._ended[0])
        self._ended.append(ts)
        self._ended_set.add(ts)

    def _end_current(self, out: list) -> None:
        name = event_name(self._cur_code)
        if name is not None:
            out.append(("end", name, self._cur_dur / SAMPLES_PER_MS))
        self._remember(self._cur_ts)
        self._cur_ts = None

    def feed(self, ts: int, marker: bool, payload: bytes, now_ms: float) -> list:
        """Account one packet (wire ``ts``); return the events it completes."""
        out: list = []
        try:
            code, end, _vol, duration = decode(payload)
        except ValueError:
            return out
        xts = extend_ts(ts, self._max_ts)
        if self._max_ts is None or xts > self._max_ts:
            self._max_ts = xts
        if xts in self._ended_set:
            return out                             # duplicate end / late packet of a done event
        if self._cur_ts is not None and xts != self._cur_ts:
            if xts < self._cur_ts:
                return out                         # a straggler from before the current event
            self._end_current(out)                 # new event: the old one's end was lost
        if self._cur_ts is None:
            self._cur_ts = xts
            self._cur_code = code
            self._cur_dur = 0
            self.events += 1
            name = event_name(code)
            if name is not None:
                out.append(("start", name))
        if duration > self._cur_dur:
            self._cur_dur = duration
        self._last_ms = now_ms
        if end:
            self._end_current(out)
        return out

    def poll(self, now_ms: float) -> list:
        """End an event whose packets stopped arriving ``timeout_ms`` ago."""
        out: list = []
        if self._cur_ts is not None and now_ms - self._last_ms >= self.timeout_ms:
            self._end_current(out)
        return out

    @property
    def active(self) -> Optional[str]:
        """The digit being received now, or None."""
        return None if self._cur_ts is None else event_name(self._cur_code)
