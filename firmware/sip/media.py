"""RtpSession: the RTP/RTCP media of one SIP leg, between the network and the 20 ms tick.

The engine calls, once per tick, ``send_frame(samples)`` with the 160 samples
the leg should hear and ``receive_frame()`` for the 160 samples the leg says;
the network side runs on the asyncio loop (UDP datagrams in and out). Between
them sit a :class:`~firmware.sip.jitter.JitterBuffer` (with packet loss
concealment) and the RFC 4733 telephone-event sender and receiver.

* **Ports.** ``await open(host, port)`` binds RTP to an even port and RTCP to the
  next (odd) one; ``port=0`` picks a free even port from ``port_range``. With
  ``rtcp_mux=True`` (RFC 5761) RTCP shares the RTP port.
* **Symmetric RTP** (RFC 4961, the usual NAT fix). The session sends to the
  address from SDP (:meth:`set_remote`) until a valid RTP packet arrives, then to
  the packet's source address ("latching"); it latches again when the sender's
  SSRC changes. RTCP latches the same way.
* **DTMF.** :meth:`send_dtmf` queues digits sent as telephone-events in place of
  audio; received events call ``on_dtmf(digit, 'start'|'end', duration_ms)`` and
  are collected in :attr:`digits_received`.
* **RTCP.** A compound SR (or RR while not sending) + SDES CNAME about every
  ``rtcp_interval_ms`` (randomised 0.5–1.5×, RFC 3550 §6.3.1), checked from the
  per-tick calls so no timer is needed; BYE on :meth:`close`. Reports from the
  far end give its view of our stream: loss, jitter and the round-trip time.

Times come from ``time_ms`` (default: the loop's monotonic clock in ms; tests
pass a virtual clock's ``now_ms``).
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import random
import socket
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from firmware.sip import rtcp
from firmware.sip.dtmf_events import PT_TELEPHONE_EVENT, EventReceiver, EventSender
from firmware.sip.jitter import FRAME_SAMPLES, Frame, JitterBuffer
from firmware.sip.rtp import (PT_CN, PT_OF_LAW, RtpError, RtpSender, encode_payload, is_rtcp,
                              parse)

DEFAULT_PORT_RANGE = (10000, 20000)
RTCP_INTERVAL_MS = 5000.0


@dataclass
class MediaStats:
    """A snapshot of one session's counters (see :meth:`RtpSession.statistics`)."""
    packets_sent: int = 0
    packets_received: int = 0
    malformed: int = 0           # datagrams that were not RTP/RTCP
    lost: int = 0                # RTP packets lost (cumulative, from sequence numbers)
    late: int = 0                # packets that arrived after their playout time
    duplicates: int = 0
    jitter_ms: float = 0.0       # interarrival jitter, RFC 3550 §6.4.1
    depth_ms: float = 0.0        # audio buffered ahead of playout now
    target_ms: float = 0.0       # jitter buffer target delay now
    underruns: int = 0
    concealed: int = 0           # frames made by PLC
    frames: int = 0              # frames returned by receive_frame()
    dtmf_events: int = 0
    rtcp_sent: int = 0
    rtcp_received: int = 0
    rtt_ms: Optional[float] = None              # last round trip from a report about us
    remote_fraction_lost: Optional[float] = None  # the far end's view of our stream
    remote_jitter_ms: Optional[float] = None
    remote_bye: bool = False


def _loop_ms() -> float:
    """The running asyncio loop's monotonic time, ms (the default time base)."""
    return asyncio.get_running_loop().time() * 1000.0


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes, tuple], None]) -> None:
        self.on_datagram = on_datagram
        self.transport: Optional[asyncio.DatagramTransport] = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        self.on_datagram(data, addr)

    def error_received(self, exc: Exception) -> None:   # ICMP port unreachable etc.
        pass


class RtpSession:
    """RTP media of one call leg (see the module docstring).

    ``law`` ``'alaw'``/``'ulaw'`` picks the payload type we send (8/0); received
    G.711 of either law is decoded. ``dtmf_pt`` is the telephone-event payload
    type negotiated in SDP. ``jitter`` lets a caller tune the buffer.
    """

    def __init__(self, *, law: str = "alaw", dtmf_pt: int = PT_TELEPHONE_EVENT,
                 rtcp_mux: bool = False, jitter: Optional[JitterBuffer] = None,
                 on_dtmf: Optional[Callable[[str, str, Optional[float]], None]] = None,
                 time_ms: Optional[Callable[[], float]] = None, cname: Optional[str] = None,
                 rtcp_interval_ms: float = RTCP_INTERVAL_MS, latch: bool = True) -> None:
        if law not in PT_OF_LAW:
            raise ValueError(f"unknown companding law {law!r}: use 'alaw' or 'ulaw'")
        self.law = law
        self.pt = PT_OF_LAW[law]
        self.dtmf_pt = dtmf_pt
        self.rtcp_mux = rtcp_mux
        self.jitter = jitter or JitterBuffer()
        self.on_dtmf = on_dtmf
        self.latch = latch
        self.rtcp_interval_ms = rtcp_interval_ms
        self._time_ms = time_ms or _loop_ms
        self._tx = RtpSender(self.pt)
        self.cname = cname or f"hotline-{self._tx.ssrc:08x}@{socket.gethostname()}"
        self._dtmf_tx = EventSender()
        self._dtmf_rx = EventReceiver()
        self._event_ts = 0
        self._rx: Optional[rtcp.ReceptionStats] = None
        self._rtp_ep: Optional[_Endpoint] = None
        self._rtcp_ep: Optional[_Endpoint] = None
        self.local_host = ""
        self.local_port = 0
        self.remote: Optional[tuple] = None
        self.remote_rtcp: Optional[tuple] = None
        self._latched_ssrc: Optional[int] = None
        self._rtcp_latched = False
        self._next_rtcp_ms: Optional[float] = None
        self._sent_since_report = False
        self._ntp_epoch_s = 0.0
        self.digits_received = ""
        self.st = MediaStats()
        self.closed = False

    # ------------------------------------------------------------------ set-up
    async def open(self, host: str = "127.0.0.1", port: int = 0,
                   port_range: tuple = DEFAULT_PORT_RANGE) -> int:
        """Bind the RTP (even) and RTCP (next) ports; return the RTP port."""
        loop = asyncio.get_running_loop()
        now = self._time_ms()
        self._ntp_epoch_s = _dt.datetime.now(_dt.timezone.utc).timestamp() - now / 1000.0
        if port:
            if port % 2:
                raise ValueError(f"RTP port {port} is odd: RTP uses an even port, RTCP the next one")
            candidates = [port]
        else:
            lo, hi = port_range
            candidates = [random.randrange(lo + lo % 2, hi - 1, 2) for _ in range(64)]
        last_err: Optional[OSError] = None
        for p in candidates:
            try:
                _, ep = await loop.create_datagram_endpoint(
                    lambda: _Endpoint(self._on_rtp), local_addr=(host, p))
            except OSError as e:
                last_err = e
                continue
            if not self.rtcp_mux:
                try:
                    _, cep = await loop.create_datagram_endpoint(
                        lambda: _Endpoint(self._on_rtcp_datagram), local_addr=(host, p + 1))
                except OSError as e:
                    ep.transport.close()
                    last_err = e
                    continue
                self._rtcp_ep = cep
            self._rtp_ep = ep
            self.local_host, self.local_port = host, p
            self._next_rtcp_ms = now + self._rtcp_delay()
            return p
        raise OSError(f"no free RTP port pair on {host} "
                      f"({'port ' + str(port) if port else f'range {port_range[0]}-{port_range[1]}'}): "
                      f"{last_err}")

    def set_law(self, law: str) -> None:
        """Send ``law`` ('alaw'/'ulaw') from now on (the codec the far end's SDP chose)."""
        if law not in PT_OF_LAW:
            raise ValueError(f"unknown companding law {law!r}: use 'alaw' or 'ulaw'")
        self.law = law
        self.pt = PT_OF_LAW[law]
        self._tx.pt = self.pt

    def bind(self, host: str = "127.0.0.1", port_range: tuple = DEFAULT_PORT_RANGE) -> int:
        """Like :meth:`open` but from synchronous code (call control answering an INVITE
        must know its port at once): the sockets are bound now, the loop starts reading
        them on its next turn. Returns the RTP port."""
        loop = asyncio.get_running_loop()
        now = self._time_ms()
        self._ntp_epoch_s = _dt.datetime.now(_dt.timezone.utc).timestamp() - now / 1000.0
        lo, hi = port_range
        last_err: Optional[OSError] = None
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for _ in range(64):
            p = random.randrange(lo + lo % 2, hi - 1, 2)
            socks = []
            try:
                for q in ((p,) if self.rtcp_mux else (p, p + 1)):
                    sk = socket.socket(family, socket.SOCK_DGRAM)
                    socks.append(sk)
                    sk.setblocking(False)
                    sk.bind((host, q))
            except OSError as e:
                last_err = e
                for sk in socks:
                    sk.close()
                continue
            self._rtp_ep = _Endpoint(self._on_rtp)
            loop.create_task(self._adopt(socks[0], self._rtp_ep))
            if not self.rtcp_mux:
                self._rtcp_ep = _Endpoint(self._on_rtcp_datagram)
                loop.create_task(self._adopt(socks[1], self._rtcp_ep))
            self.local_host, self.local_port = host, p
            self._next_rtcp_ms = now + self._rtcp_delay()
            return p
        raise OSError(f"no free RTP port pair on {host} (range {lo}-{hi}): {last_err}")

    async def _adopt(self, sock: socket.socket, ep: "_Endpoint") -> None:
        if self.closed:
            sock.close()
            return
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: ep, sock=sock)
        if self.closed and ep.transport is not None:
            ep.transport.close()

    @property
    def rtcp_port(self) -> int:
        return self.local_port if self.rtcp_mux else self.local_port + 1

    def set_remote(self, host: str, port: int, rtcp_port: Optional[int] = None) -> None:
        """Where to send (from the far end's SDP); latching may replace it later."""
        self.remote = (host, port)
        self.remote_rtcp = (host, rtcp_port or (port if self.rtcp_mux else port + 1))
        self._latched_ssrc = None
        self._rtcp_latched = False

    def close(self) -> None:
        """Send an RTCP BYE and release the ports."""
        if self.closed:
            return
        self.closed = True
        if self.remote_rtcp is not None:
            data = self._report() + rtcp.build_bye([self._tx.ssrc])
            self._send_rtcp(data)
        for ep in (self._rtp_ep, self._rtcp_ep):
            if ep is not None and ep.transport is not None:
                ep.transport.close()

    # ------------------------------------------------------------------ per tick
    def send_frame(self, samples: np.ndarray) -> None:
        """Send one frame (160 int16 samples), or this tick's DTMF event packet instead."""
        tx = self._tx
        if self._dtmf_tx.busy:
            pk = self._dtmf_tx.next_packet(FRAME_SAMPLES)
            if pk is not None:
                payload, marker, start = pk
                if start:
                    self._event_ts = tx.ts
                data = tx.packet(payload, 0, pt=self.dtmf_pt, marker=marker, ts=self._event_ts)
                tx.skip(FRAME_SAMPLES)
                self._send(data)
                self._tick_rtcp()
                return
        self._send(tx.packet(encode_payload(samples, self.pt), FRAME_SAMPLES))
        self._tick_rtcp()

    def receive(self) -> Frame:
        """This tick's received frame with its kind (audio / plc / silence)."""
        now = self._time_ms()
        frame = self.jitter.get(now)
        if self._dtmf_rx.active is not None:
            for ev in self._dtmf_rx.poll(now):
                self._dtmf_event(ev)
        self._tick_rtcp(now)
        return frame

    def receive_frame(self) -> np.ndarray:
        """This tick's 160 received samples (concealed or silent when packets are missing)."""
        return self.receive().samples

    def send_dtmf(self, digits: str, duration_ms: int = 100, gap_ms: int = 60) -> None:
        """Queue DTMF digits to send as RFC 4733 events (``0-9 * # A-D``)."""
        self._dtmf_tx.send(digits, duration_ms, gap_ms)

    @property
    def dtmf_sending(self) -> bool:
        return self._dtmf_tx.busy

    # ------------------------------------------------------------------ network
    def _send(self, data: bytes) -> None:
        ep = self._rtp_ep
        if ep is None or ep.transport is None or self.remote is None or self.closed:
            return
        ep.transport.sendto(data, self.remote)
        self.st.packets_sent += 1
        self._sent_since_report = True

    def _send_rtcp(self, data: bytes) -> None:
        ep = self._rtp_ep if self.rtcp_mux else self._rtcp_ep
        if ep is None or ep.transport is None or self.remote_rtcp is None:
            return
        ep.transport.sendto(data, self.remote_rtcp)
        self.st.rtcp_sent += 1

    def _on_rtp(self, data: bytes, addr: tuple) -> None:
        if self.rtcp_mux and is_rtcp(data):
            self._on_rtcp_datagram(data, addr)
            return
        try:
            p = parse(data)
        except RtpError:
            self.st.malformed += 1
            return
        now = self._time_ms()
        st = self.st
        st.packets_received += 1
        if self.latch and p.ssrc != self._latched_ssrc:
            self._latched_ssrc = p.ssrc
            self.remote = (addr[0], addr[1])
            if self.rtcp_mux:
                self.remote_rtcp = self.remote
        rx = self._rx
        if rx is None or rx.ssrc != p.ssrc:
            rx = self._rx = rtcp.ReceptionStats(p.ssrc)
        rx.update(p.seq, p.ts, now)
        if p.pt == self.dtmf_pt:
            self.jitter.sender_paused()
            for ev in self._dtmf_rx.feed(p.ts, p.marker, p.payload, now):
                self._dtmf_event(ev)
        elif p.pt != PT_CN:
            self.jitter.put(p, now)

    def _dtmf_event(self, ev: tuple) -> None:
        if ev[0] == "start":
            self.digits_received += ev[1]
            self.st.dtmf_events += 1
            if self.on_dtmf:
                self.on_dtmf(ev[1], "start", None)
        elif self.on_dtmf:
            self.on_dtmf(ev[1], "end", ev[2])

    def _on_rtcp_datagram(self, data: bytes, addr: tuple) -> None:
        try:
            packets = rtcp.parse(data)
        except rtcp.RtcpError:
            self.st.malformed += 1
            return
        now = self._time_ms()
        self.st.rtcp_received += 1
        if self.latch and not self._rtcp_latched:
            self._rtcp_latched = True
            self.remote_rtcp = (addr[0], addr[1])
        for pk in packets:
            if isinstance(pk, rtcp.SenderReport):
                if self._rx is not None and pk.ssrc == self._rx.ssrc:
                    self._rx.on_sender_report(pk.ntp, now)
                self._their_blocks(pk.blocks, now)
            elif isinstance(pk, rtcp.ReceiverReport):
                self._their_blocks(pk.blocks, now)
            elif isinstance(pk, rtcp.Bye):
                self.st.remote_bye = True

    def _their_blocks(self, blocks: list, now: float) -> None:
        for b in blocks:
            if b.ssrc != self._tx.ssrc:
                continue
            self.st.remote_fraction_lost = b.fraction
            self.st.remote_jitter_ms = b.jitter / 8.0
            rtt = rtcp.round_trip_ms(self._ntp(now), b.lsr, b.dlsr)
            if rtt is not None:
                self.st.rtt_ms = rtt

    # ------------------------------------------------------------------ RTCP
    def _ntp(self, now_ms: float) -> int:
        return rtcp.ntp_timestamp(self._ntp_epoch_s + now_ms / 1000.0)

    def _rtcp_delay(self) -> float:
        return self.rtcp_interval_ms * random.uniform(0.5, 1.5)

    def _tick_rtcp(self, now: Optional[float] = None) -> None:
        if self._next_rtcp_ms is None:
            return
        if now is None:
            now = self._time_ms()
        if now < self._next_rtcp_ms:
            return
        self._next_rtcp_ms = now + self._rtcp_delay()
        if self.remote_rtcp is not None:
            self._send_rtcp(self._report(now))

    def _report(self, now: Optional[float] = None) -> bytes:
        """A compound SR (or RR) + SDES for now."""
        if now is None:
            now = self._time_ms()
        blocks = [self._rx.report_block(now)] if self._rx is not None else []
        if self._sent_since_report:
            self._sent_since_report = False
            tx = self._tx
            # the RTP timestamp that corresponds to now: the next one to be sent
            head = rtcp.build_sr(tx.ssrc, self._ntp(now), tx.ts, tx.packets, tx.octets, blocks)
        else:
            head = rtcp.build_rr(self._tx.ssrc, blocks)
        return head + rtcp.build_sdes(self._tx.ssrc, self.cname)

    # ------------------------------------------------------------------ statistics
    def statistics(self) -> MediaStats:
        """Counters now (RTP, jitter buffer, DTMF, RTCP)."""
        st = self.st
        jb = self.jitter.stats
        if self._rx is not None:
            st.lost = max(0, self._rx.lost)
            st.jitter_ms = self._rx.jitter_ms
        st.late = jb.late
        st.duplicates = jb.duplicates
        st.depth_ms = self.jitter.depth_ms
        st.target_ms = self.jitter.target_ms
        st.underruns = jb.underruns
        st.concealed = jb.concealed
        st.frames = jb.frames
        return st
