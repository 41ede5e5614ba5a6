"""RtpSession over real UDP sockets on 127.0.0.1, ticks on a virtual time base.

Each tick both sessions send a frame, the loop runs until the datagrams are in,
then both read a frame; time only moves when the test says so.
"""
import asyncio

import numpy as np
import pytest

from dsp.levels import dbm0_of_rms, sine_amplitude
from firmware.sip.media import RtpSession

TONE_DBM0 = -10.0


class Rig:
    """Two sessions, a shared virtual clock (ms) and a tick loop."""

    def __init__(self, **kw) -> None:
        self.now = 0.0
        self.events = []
        clock = lambda: self.now  # noqa: E731
        self.a = RtpSession(law="alaw", time_ms=clock, rtcp_interval_ms=1000, **kw)
        self.b = RtpSession(law="alaw", time_ms=clock, rtcp_interval_ms=1000,
                            on_dtmf=lambda d, kind, ms: self.events.append((d, kind, ms)), **kw)

    async def open(self):
        pa = await self.a.open("127.0.0.1")
        pb = await self.b.open("127.0.0.1")
        self.a.set_remote("127.0.0.1", pb)
        self.b.set_remote("127.0.0.1", pa)
        return pa, pb

    async def settle(self, want_a, want_b):
        for _ in range(200):
            if self.a.st.packets_received >= want_a and self.b.st.packets_received >= want_b:
                return
            await asyncio.sleep(0)
        raise AssertionError(f"datagrams on 127.0.0.1 did not arrive: {self.a.st} {self.b.st} {want_a} {want_b}")

    async def run(self, ticks, tone_from_a=True):
        heard_b, heard_a = [], []
        t = np.arange(160)
        amp = sine_amplitude(TONE_DBM0)
        for _ in range(ticks):
            n = int(self.now // 20)
            x = (amp * np.sin(2 * np.pi * 1000 * (t + 160 * n) / 8000)).astype(np.int16)
            sent_a, sent_b = self.a.st.packets_sent, self.b.st.packets_sent
            self.a.send_frame(x if tone_from_a else np.zeros(160, np.int16))
            self.b.send_frame(np.zeros(160, np.int16))
            await self.settle(self.a.st.packets_received + (self.b.st.packets_sent - sent_b),
                              self.b.st.packets_received + (self.a.st.packets_sent - sent_a))
            self.now += 20.0
            heard_b.append(self.b.receive_frame())
            heard_a.append(self.a.receive_frame())
        return np.concatenate(heard_a), np.concatenate(heard_b)


def tone_level(x, f=1000.0):
    """Level (dBm0) of the component at f Hz, and of everything (for the ratio)."""
    t = np.arange(len(x))
    x = x.astype(float)
    c = np.dot(x, np.cos(2 * np.pi * f * t / 8000)) * 2 / len(x)
    s = np.dot(x, np.sin(2 * np.pi * f * t / 8000)) * 2 / len(x)
    return dbm0_of_rms(np.hypot(c, s) / np.sqrt(2)), dbm0_of_rms(np.sqrt(np.mean(x ** 2)))


def test_tone_one_way_dtmf_the_other():
    async def main():
        rig = Rig()
        pa, pb = await rig.open()
        assert pa % 2 == 0 and pb % 2 == 0                 # RTP on even ports
        assert rig.a.rtcp_port == pa + 1
        rig.b.send_dtmf("159#")
        heard_a, heard_b = await rig.run(150)
        tone, total = tone_level(heard_b[160 * 10:])
        assert tone == pytest.approx(TONE_DBM0, abs=0.5)   # the tone arrived at its level
        assert total - tone < 0.3                          # ... and little else
        assert rig.a.digits_received == "159#"
        assert [e[:2] for e in rig.events] == []           # b sent them, a received them
        st_b = rig.b.statistics()
        assert st_b.lost == 0 and st_b.late == 0 and st_b.concealed == 0
        assert st_b.frames == 150 and 20.0 <= st_b.target_ms <= 200.0
        st_a = rig.a.statistics()
        assert st_a.dtmf_events == 4 and st_a.underruns == 0    # event time is not loss
        # RTCP: reports both ways, the round trip on loopback in virtual time is ~0
        assert st_a.rtcp_received >= 1 and st_b.rtcp_received >= 1
        assert st_a.rtt_ms is not None and st_a.rtt_ms < 5.0
        assert st_b.remote_fraction_lost == 0.0
        rig.a.close()
        rig.b.close()
    asyncio.run(main())


def test_dtmf_callback_start_and_end_once():
    async def main():
        rig = Rig()
        await rig.open()
        rig.a.send_dtmf("7*", duration_ms=120)
        await rig.run(40)
        assert rig.b.digits_received == "7*"
        assert rig.events == [("7", "start", None), ("7", "end", 120.0),
                              ("*", "start", None), ("*", "end", 120.0)]
        rig.a.close()
        rig.b.close()
    asyncio.run(main())


def test_symmetric_rtp_latches_to_the_source_address():
    async def main():
        rig = Rig()
        pa, pb = await rig.open()
        # b was told a wrong address for a (as behind a NAT): nothing reaches a ...
        rig.b.set_remote("127.0.0.1", 9)                   # discard port
        rig.b.send_frame(np.zeros(160, np.int16))
        for _ in range(20):
            await asyncio.sleep(0)
        assert rig.a.st.packets_received == 0
        # ... until a packet from a arrives at b: b answers to its source from then on
        rig.a.send_frame(np.zeros(160, np.int16))
        await rig.settle(0, 1)
        assert rig.b.remote == ("127.0.0.1", pa)
        await rig.run(5)
        assert rig.a.st.packets_received == 5
        rig.a.close()
        rig.b.close()
    asyncio.run(main())


def test_rtcp_mux_and_bye_on_close():
    async def main():
        rig = Rig(rtcp_mux=True)
        pa, pb = await rig.open()
        assert rig.a.rtcp_port == pa
        await rig.run(100)                                 # 2 s: at least one report (0.5-1.5 s)
        assert rig.b.st.rtcp_received >= 1 and rig.b.st.malformed == 0
        rig.a.close()
        for _ in range(50):
            if rig.b.st.remote_bye:
                break
            await asyncio.sleep(0)
        assert rig.b.st.remote_bye
        rig.b.close()
    asyncio.run(main())


def test_garbage_datagrams_are_counted_not_fatal():
    async def main():
        rig = Rig()
        pa, pb = await rig.open()
        loop = asyncio.get_running_loop()
        tr, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                    remote_addr=("127.0.0.1", pb))
        for junk in (b"", b"\x00" * 3, b"\x40" * 20, b"hello world, not rtp"):
            tr.sendto(junk)
        tr.close()
        for _ in range(50):
            if rig.b.st.malformed >= 3:
                break
            await asyncio.sleep(0)
        assert rig.b.st.malformed >= 3
        _, heard_b = await rig.run(20)
        assert rig.b.st.packets_received == 20             # the session still works
        rig.a.close()
        rig.b.close()
    asyncio.run(main())


def test_odd_port_refused_in_words():
    async def main():
        s = RtpSession()
        with pytest.raises(ValueError, match="RTP port 10001 is odd"):
            await s.open("127.0.0.1", 10001)
    asyncio.run(main())


def test_unknown_law_refused_in_words():
    with pytest.raises(ValueError, match="unknown companding law 'g729'"):
        RtpSession(law="g729")
