"""`hotline bench sip`: the sippy reference run, the RTP frame counting and the media UAC.

Real processes and sockets on 127.0.0.1; no timing is asserted (only counts and keys).
"""
from __future__ import annotations

import asyncio
import json
import shutil

import pytest

from firmware import cli
from firmware.bench import sip as bench
from firmware.sip import rtp

needs_sipp = pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (sip-tester) not installed")


# ------------------------------------------------------------------ frame counting (pure)
def _stream(n, *, start_ms=0.0, seq0=65530, drop=(), delay=None, silent=()):
    """``n`` echoed A-law frames 20 ms apart (seq wraps past 65535)."""
    frames = bench.tone_frames(n=n)
    quiet = bench.g711.alaw_encode(bench.np.zeros(160, bench.np.int16))
    out = []
    for i in range(n):
        if i in drop:
            continue
        t = start_ms + 5 + i * 20 + (delay or {}).get(i, 0)
        payload = quiet if i in silent else frames[i]
        out.append((t, rtp.build(rtp.PT_PCMA, (seq0 + i) & 0xFFFF, i * 160, 7, payload)))
    return out


def test_a_clean_stream_has_nothing_late_lost_or_dropped():
    st = bench.analyse_stream(_stream(100), 0, 2000)
    assert (st.expected, st.received, st.lost, st.late, st.dropouts) == (100, 100, 0, 0, 0)
    assert st.late_or_lost_pct == 0


def test_gaps_late_frames_and_silent_frames_are_counted():
    arr = _stream(100, drop={10, 11, 50}, delay={70: 90, 71: 70, 72: 50}, silent={30})
    st = bench.analyse_stream(arr, 0, 2000)
    assert st.lost == 3
    assert st.late == 2                     # 90 and 70 ms after due; 50 ms is within 60
    assert st.dropouts == 1
    assert st.bad == 6 and st.late_or_lost_pct == pytest.approx(6.0)


def test_a_stream_that_stops_counts_the_missing_tail_as_lost():
    st = bench.analyse_stream(_stream(40), 0, 2000)
    assert st.expected == 100 and st.lost == 60


def test_silence_coming_back_means_no_audio_path():
    st = bench.analyse_stream(_stream(50, silent=set(range(50))), 0, 1000)
    assert st.dropouts == 50


# ------------------------------------------------------------------ generator vs a UDP echo
class _Echo(asyncio.DatagramProtocol):
    def __init__(self, drop_every=0):
        self.n = 0
        self.drop_every = drop_every

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.n += 1
        if self.drop_every and self.n % self.drop_every == 0:
            return
        self.transport.sendto(data, addr)


@pytest.mark.parametrize("drop_every", [0, 10])
def test_rtp_generator_counts_a_loopback_echo(drop_every):
    async def go():
        loop = asyncio.get_running_loop()
        echo_t, echo = await loop.create_datagram_endpoint(lambda: _Echo(drop_every),
                                                           local_addr=("127.0.0.1", 0))
        eps = [await bench.open_rtp() for _ in range(3)]
        sender = bench.ToneSender()
        for ep in eps:
            ep.remote = echo_t.get_extra_info("sockname")
            sender.endpoints.append(ep)
        sender.start()
        await asyncio.sleep(0.3)
        start = bench.monotonic_ms()
        await asyncio.sleep(1.0)
        end = bench.monotonic_ms()
        await sender.stop()
        await asyncio.sleep(0.05)
        stats = [bench.analyse_stream(ep.arrivals, start, end) for ep in eps]
        for ep in eps:
            ep.close()
        echo_t.close()
        return stats, sum(ep.sent for ep in eps), echo.n

    stats, sent, echoed = asyncio.run(go())
    assert sent > 100 and echoed == sent
    for st in stats:
        assert 45 <= st.expected <= 55
        assert st.dropouts == 0
        if drop_every:
            # every 10th datagram the echo saw (over all 3 streams) is dropped
            assert 2 <= st.lost <= 8
        else:
            assert st.lost == 0 and st.received == st.expected


# ------------------------------------------------------------------ real sipp / sippy
@needs_sipp
def test_media_uac_calls_a_sipp_uas_and_counts_its_rtp_echo(tmp_path):
    async def go():
        uas, port, _ = bench.start_uas(tmp_path)
        try:
            return await bench.run_media_step(bench.HOST, port, 4, hold_s=1.0)
        finally:
            bench.stop(uas)

    step = asyncio.run(go())
    assert step.up == 4, step.failed_reasons
    assert step.frames.expected >= 4 * 45
    assert step.frames.received >= step.frames.expected * 0.95    # the echo really came back
    assert step.frames.dropouts == 0


@needs_sipp
def test_reference_run_json_has_the_keys_and_a_positive_rate(capsys):
    pytest.importorskip("sippy")
    rc = cli.main(["bench", "sip", "--json", "--duration", "3", "--rate", "10", "--no-hotline"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("setups_per_s", "reference_setups_per_s", "ratio_vs_sippy", "concurrent_media_calls",
                "late_or_lost_pct", "sipp_version", "duration_s"):
        assert key in out
    assert out["reference_setups_per_s"] > 0
    assert out["sipp_version"].startswith("v3.")
    step = out["reference"]["steps"][0]
    assert step["calls"] == 30 and step["ok"] >= 29 and step["held"]


def test_hotline_not_ready_is_reported_not_raised(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "_hotline_missing", lambda: "no SIP side yet")
    with pytest.raises(bench.TargetUnavailable, match="no SIP side yet"):
        bench.start_hotline(tmp_path, 5999)


def test_bad_options_are_refused(capsys):
    assert cli.main(["bench", "sip", "--duration", "0"]) == 2
    assert "must be positive" in capsys.readouterr().err


@needs_sipp
@pytest.mark.parametrize("caller", ["trunk", "extension"])
def test_hotline_relays_sipp_calls_as_trunk_or_extension_caller(capsys, caller):
    """Trunk caller: sipp's From user is 'bench' (no number), the call lands on DID 2000,
    extension 7002 forwards it out of trunk bench-uas (the caller ID falls back to
    anonymous); extension caller: every INVITE is digest-challenged first."""
    rc = cli.main(["bench", "sip", "--json", "--duration", "2", "--rate", "10", "--no-reference",
                   "--no-media", "--caller", caller])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["caller"] == caller and out["hotline_unavailable"] is None
    step = out["hotline"]["steps"][0]
    assert step["calls"] == 20 and step["ok"] == 20 and step["held"], step
