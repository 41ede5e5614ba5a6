"""RTP packets (RFC 3550 §5.1): the fixed header, sequence/timestamp arithmetic, G.711 payloads.

Sans-IO: :func:`parse` turns a datagram into an :class:`RtpPacket`, :func:`build`
does the reverse, and :class:`RtpSender` numbers the packets of one outgoing
stream (random SSRC, initial sequence number and timestamp, as §5.1 asks).

Sequence numbers are 16 bits and timestamps 32 bits on the wire; inside the box
they are *extended* (unwrapped) to Python ints by :func:`extend_seq` and
:func:`extend_ts` so that ordering survives the wrap at 65535 / 2³²−1.

Payload types: 0 = PCMU (µ-law), 8 = PCMA (A-law), both 8000 Hz, one byte per
sample; :func:`encode_payload`/:func:`decode_payload` use ``dsp.g711``.
"""
from __future__ import annotations

import os
import struct
from typing import Optional

import numpy as np

from dsp import g711

RTP_VERSION = 2
HEADER_BYTES = 12                #: fixed header, bytes
PT_PCMU = 0                      #: µ-law, RFC 3551
PT_PCMA = 8                      #: A-law, RFC 3551
PT_CN = 13                       #: comfort noise, RFC 3389
SAMPLE_RATE = 8000               #: Hz, for G.711 and telephone-event
LAW_OF_PT = {PT_PCMU: "ulaw", PT_PCMA: "alaw"}
PT_OF_LAW = {"ulaw": PT_PCMU, "alaw": PT_PCMA}

_HEADER = struct.Struct("!BBHII")


class RtpError(ValueError):
    """A datagram that is not a valid RTP packet (the reason in words)."""


class RtpPacket:
    """One RTP packet: header fields (wire widths) and payload bytes."""

    __slots__ = ("pt", "marker", "seq", "ts", "ssrc", "payload", "csrc")

    def __init__(self, pt: int, seq: int, ts: int, ssrc: int, payload: bytes,
                 marker: bool = False, csrc: tuple = ()) -> None:
        self.pt = pt
        self.seq = seq
        self.ts = ts
        self.ssrc = ssrc
        self.payload = payload
        self.marker = marker
        self.csrc = csrc

    def __repr__(self) -> str:
        return (f"RtpPacket(pt={self.pt}, seq={self.seq}, ts={self.ts}, ssrc={self.ssrc:#x}, "
                f"marker={self.marker}, {len(self.payload)} bytes)")

    def to_bytes(self) -> bytes:
        return build(self.pt, self.seq, self.ts, self.ssrc, self.payload, self.marker, self.csrc)


def build(pt: int, seq: int, ts: int, ssrc: int, payload: bytes, marker: bool = False,
          csrc: tuple = ()) -> bytes:
    """The datagram for one packet (no padding, no header extension)."""
    b0 = 0x80 | len(csrc)
    b1 = (0x80 if marker else 0) | (pt & 0x7F)
    head = _HEADER.pack(b0, b1, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc & 0xFFFFFFFF)
    if csrc:
        head += struct.pack(f"!{len(csrc)}I", *csrc)
    return head + payload


def is_rtcp(data: bytes) -> bool:
    """True if a datagram on a multiplexed port is RTCP (RFC 5761 §4: PT 192..223)."""
    return len(data) >= 2 and 192 <= data[1] <= 223


def parse(data: bytes) -> RtpPacket:
    """Parse a datagram; raise :class:`RtpError` saying what is wrong."""
    n = len(data)
    if n < HEADER_BYTES:
        raise RtpError(f"RTP packet too short: {n} bytes, the header alone is {HEADER_BYTES}")
    b0, b1, seq, ts, ssrc = _HEADER.unpack_from(data)
    if b0 >> 6 != RTP_VERSION:
        raise RtpError(f"RTP version {b0 >> 6} in the header, expected {RTP_VERSION}")
    off = HEADER_BYTES
    cc = b0 & 0x0F
    csrc: tuple = ()
    if cc:
        if n < off + 4 * cc:
            raise RtpError(f"RTP packet too short for its {cc} CSRC entries")
        csrc = struct.unpack_from(f"!{cc}I", data, off)
        off += 4 * cc
    if b0 & 0x10:                                     # header extension (§5.3.1)
        if n < off + 4:
            raise RtpError("RTP header extension flag set but no extension header")
        words = struct.unpack_from("!H", data, off + 2)[0]
        off += 4 + 4 * words
        if off > n:
            raise RtpError(f"RTP header extension of {words} words is longer than the packet")
    end = n
    if b0 & 0x20:                                     # padding: last byte counts it
        pad = data[-1]
        if pad == 0 or off + pad > n:
            raise RtpError(f"RTP padding count {pad} does not fit the packet")
        end = n - pad
    return RtpPacket(b1 & 0x7F, seq, ts, ssrc, bytes(data[off:end]), bool(b1 & 0x80), csrc)


def extend_seq(seq: int, highest: Optional[int]) -> int:
    """Extended sequence number for 16-bit ``seq`` nearest to extended ``highest``."""
    if highest is None:
        return seq
    delta = (seq - highest) & 0xFFFF
    if delta >= 0x8000:
        delta -= 0x10000
    return highest + delta


def extend_ts(ts: int, highest: Optional[int]) -> int:
    """Extended timestamp for 32-bit ``ts`` nearest to extended ``highest``."""
    if highest is None:
        return ts
    delta = (ts - highest) & 0xFFFFFFFF
    if delta >= 0x80000000:
        delta -= 0x100000000
    return highest + delta


def encode_payload(samples: np.ndarray, pt: int) -> bytes:
    """G.711 payload bytes for int16 ``samples`` with payload type 0 or 8."""
    if pt == PT_PCMA:
        return g711.alaw_encode(samples)
    if pt == PT_PCMU:
        return g711.ulaw_encode(samples)
    raise RtpError(f"payload type {pt} is not G.711 (use {PT_PCMU} for µ-law or {PT_PCMA} for A-law)")


def decode_payload(payload: bytes, pt: int) -> np.ndarray:
    """int16 samples of a G.711 payload with payload type 0 or 8."""
    if pt == PT_PCMA:
        return g711.alaw_decode(payload)
    if pt == PT_PCMU:
        return g711.ulaw_decode(payload)
    raise RtpError(f"payload type {pt} is not G.711 (use {PT_PCMU} for µ-law or {PT_PCMA} for A-law)")


def random32() -> int:
    """A random 32-bit value (SSRC, initial timestamp), from the OS generator."""
    return int.from_bytes(os.urandom(4), "big")


class RtpSender:
    """Numbers the packets of one outgoing stream.

    ``packet(payload, samples)`` returns the datagram for a payload covering
    ``samples`` sampling periods and advances timestamp and sequence number;
    ``skip(samples)`` advances the timestamp alone (nothing sent for that time).
    The first packet, and the first after :meth:`talkspurt`, carries the marker bit.
    Counters for RTCP sender reports: ``packets``, ``octets`` (payload bytes).
    """

    __slots__ = ("pt", "ssrc", "seq", "ts", "packets", "octets", "_marker", "last_ts")

    def __init__(self, pt: int = PT_PCMA, ssrc: Optional[int] = None,
                 seq: Optional[int] = None, ts: Optional[int] = None) -> None:
        self.pt = pt
        self.ssrc = random32() if ssrc is None else ssrc
        self.seq = (random32() & 0xFFFF) if seq is None else seq & 0xFFFF
        self.ts = random32() if ts is None else ts & 0xFFFFFFFF
        self.packets = 0
        self.octets = 0
        self.last_ts = self.ts
        self._marker = True

    def talkspurt(self) -> None:
        """Mark the next packet as the start of a talk spurt."""
        self._marker = True

    def packet(self, payload: bytes, samples: int, pt: Optional[int] = None,
               marker: Optional[bool] = None, ts: Optional[int] = None) -> bytes:
        """Datagram for ``payload``; advances the timestamp by ``samples`` unless ``ts`` is given.

        ``ts`` (wire value) pins the timestamp of this packet without advancing the
        stream's own (RFC 4733 events keep their start timestamp); ``pt``/``marker``
        override the stream's payload type / talk-spurt marker for this packet.
        """
        if marker is None:
            marker, self._marker = self._marker, False
        if ts is None:
            ts = self.ts
            self.ts = (self.ts + samples) & 0xFFFFFFFF
        data = build(self.pt if pt is None else pt, self.seq, ts, self.ssrc, payload, marker)
        self.last_ts = ts
        self.seq = (self.seq + 1) & 0xFFFF
        self.packets += 1
        self.octets += len(payload)
        return data

    def skip(self, samples: int) -> None:
        """Advance the timestamp by ``samples`` without sending (silence, DTMF event time)."""
        self.ts = (self.ts + samples) & 0xFFFFFFFF
