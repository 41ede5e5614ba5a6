"""Adaptive jitter buffer on synthetic packet streams (virtual arrival times, no sockets).

Each packet's payload carries its frame number; the test decoder turns it into a frame
of that constant value, so the output shows which frame played when. Frames whose
number is a multiple of ``QUIET_EVERY`` decode to silence (a quiet moment).
"""
import random

import numpy as np
import pytest

from firmware.sip.jitter import JitterBuffer
from firmware.sip.rtp import PT_PCMA, RtpPacket

QUIET_EVERY = 50
BASE = 1000


def decode(payload, pt):
    n = int.from_bytes(payload[:2], "big")
    if n % QUIET_EVERY == 0:
        return np.zeros(160, dtype=np.int16)
    return np.full(160, BASE + n, dtype=np.int16)


def packet(i, seq0=0, ts0=0, ssrc=0x1234, marker=False, ts_step=160):
    payload = i.to_bytes(2, "big") + bytes(158)
    return RtpPacket(PT_PCMA, (seq0 + i) & 0xFFFF, (ts0 + i * ts_step) & 0xFFFFFFFF, ssrc,
                     payload, marker)


def stream(n, jitter_ms=0.0, drift=0.0, lose=(), seed=7, start_ms=0.0, first=0, **kw):
    """(arrival_ms, packet) for frames first..first+n-1, sorted by arrival.

    ``drift`` > 0: the sender's clock runs fast (packets come more often than 20 ms).
    """
    rnd = random.Random(seed)
    out = []
    for i in range(first, first + n):
        if i in lose:
            continue
        sent = start_ms + (i - first) * 20.0 / (1.0 + drift)
        out.append((sent + 5.0 + rnd.uniform(0, jitter_ms), packet(i, marker=(i == first), **kw)))
    out.sort(key=lambda a: a[0])
    return out


def play(jb, packets, ticks, t0=0.0, probe=None):
    """Run ``ticks`` ticks of 20 ms from t0; returns [(kind, frame number or None)]."""
    out, k = [], 0
    for t in range(ticks):
        now = t0 + t * 20.0
        while k < len(packets) and packets[k][0] <= now:
            jb.put(packets[k][1], packets[k][0])
            k += 1
        f = jb.get(now)
        assert len(f.samples) == 160
        v = int(f.samples[-1])          # (the first samples may be smoothed after a gap)
        num = v - BASE if f.kind == "audio" and v >= BASE else (0 if f.kind == "audio" else None)
        out.append((f.kind, num))
        if probe:
            probe(jb, now)
    return out


def audio_numbers(out):
    return [n for kind, n in out if kind == "audio" and n]


def make():
    return JitterBuffer(decode=decode)


def test_in_order_stream_plays_every_frame_in_order():
    jb = make()
    out = play(jb, stream(200), 220)
    nums = audio_numbers(out)
    assert nums == [i for i in range(1, 200) if i % QUIET_EVERY]
    assert jb.stats.lost == 0 and jb.stats.late == 0 and jb.stats.concealed <= 3  # only the end
    assert 20.0 <= jb.target_ms <= 40.0
    # the first frame played within the initial target (40 ms) of its arrival
    first_audio = next(t for t, (k, _) in enumerate(out) if k == "audio")
    assert first_audio * 20.0 <= 5.0 + 40.0 + 20.0


def test_reordered_packets_are_put_back_in_order():
    pk = stream(200)
    for j in range(10, 190, 7):                  # swap neighbours: j+1 arrives before j
        (a, p), (b, q) = pk[j], pk[j + 1]
        pk[j], pk[j + 1] = (a, q), (b + 1.0, p)
    jb = make()
    nums = audio_numbers(play(jb, pk, 220))
    assert nums == [i for i in range(1, 200) if i % QUIET_EVERY]
    assert jb.stats.late == 0 and jb.stats.lost == 0


def test_duplicates_are_dropped():
    pk = stream(100)
    doubled = sorted(pk + [(a + 3.0, p) for a, p in pk] + [(a + 200.0, p) for a, p in pk[:50]],
                     key=lambda x: x[0])
    jb = make()
    nums = audio_numbers(play(jb, doubled, 120))
    assert nums == [i for i in range(1, 100) if i % QUIET_EVERY]
    assert jb.stats.duplicates == 150 and jb.stats.late == 0


def test_loss_burst_concealed_then_silence():
    lost = set(range(60, 66))                   # 120 ms lost
    jb = make()
    out = play(jb, stream(120, lose=lost), 130)
    t60 = next(t for t, (k, n) in enumerate(out) if n == 59) + 1
    kinds = [k for k, _ in out[t60:t60 + 6]]
    assert kinds == ["plc", "plc", "plc", "silence", "silence", "silence"]  # 60 ms PLC, then silence
    assert out[t60 + 6] == ("audio", 66)
    assert jb.stats.lost == 6
    assert audio_numbers(out) == [i for i in range(1, 120) if i % QUIET_EVERY and i not in lost]


@pytest.mark.parametrize("jitter_ms", [0, 30, 80])
def test_target_delay_follows_jitter(jitter_ms):
    jb = make()
    depths = []
    out = play(jb, stream(1500, jitter_ms=jitter_ms), 1500,
               probe=lambda b, now: depths.append(b.depth_ms))
    assert 20.0 <= jb.target_ms <= 200.0
    assert jb.target_ms >= 0.8 * jitter_ms               # covers the measured spread
    assert jb.target_ms <= jitter_ms + 30.0              # ... without hoarding
    assert max(depths) <= 200.0 + 40.0
    steady = out[250:1490]                               # after the first 5 s
    bad = sum(1 for k, _ in steady if k != "audio")
    assert bad / len(steady) < 0.002                    # < 0.2 % late or lost frames


def test_delay_grows_at_once_and_shrinks_slowly():
    jb = make()
    targets = []
    noisy = stream(500, jitter_ms=80, seed=3)
    calm = stream(1000, jitter_ms=0, start_ms=500 * 20.0, first=500)
    play(jb, noisy + calm, 1500, probe=lambda b, now: targets.append(b.target_ms))
    assert max(targets[:100]) >= 70.0                    # grown within the first 2 s
    assert targets[500 + 50] >= 60.0                     # 1 s after the jitter stopped: still high
    assert targets[-1] <= 25.0                           # 10 s later: back near the minimum


def test_sequence_and_timestamp_wrap():
    jb = make()
    pk = stream(300, seq0=65400, ts0=2**32 - 100 * 160)
    nums = audio_numbers(play(jb, pk, 320))
    assert nums == [i for i in range(1, 300) if i % QUIET_EVERY]
    assert jb.stats.lost == 0 and jb.stats.resyncs == 0


@pytest.mark.parametrize("drift", [0.005, -0.005])
def test_clock_drift_is_absorbed_at_quiet_moments(drift):
    jb = make()
    n = 3000                                             # 60 s
    depths = []
    out = play(jb, stream(n, drift=drift), int(n * (1 + drift)) - 5,
               probe=lambda b, now: depths.append(b.depth_ms))
    nums = audio_numbers(out)
    expected = [i for i in range(1, n) if i % QUIET_EVERY]
    if drift > 0:
        # sender fast: about 15 frames must go, and only quiet ones are dropped
        assert 10 <= jb.stats.dropped <= 20
        assert nums == expected[:len(nums)] and len(nums) >= len(expected) - 5
    else:
        assert 10 <= jb.stats.inserted + jb.stats.underruns <= 25
        assert nums == expected[:len(nums)]
    assert max(depths[500:]) <= 80.0                     # no creeping delay either way
    assert jb.stats.lost == 0 and jb.stats.late == 0


def test_new_ssrc_resynchronises():
    jb = make()
    a = stream(100, ssrc=1)
    b = stream(100, ssrc=2, seq0=777, ts0=99999, start_ms=2000.0, first=100)
    out = play(jb, a + b, 210)
    assert jb.stats.ssrc_changes == 1
    nums = audio_numbers(out)
    # the old source's last buffered frames (<= the target delay) give way to the new one
    cut = nums.index(101)
    assert nums[:cut] == [i for i in range(1, 100) if i % QUIET_EVERY][:cut]
    assert cut >= 95
    assert nums[cut:] == [i for i in range(101, 200) if i % QUIET_EVERY]


def test_talk_spurt_marker_resyncs_after_a_pause():
    jb = make()
    first = stream(100)
    # the sender pauses 1 s (timestamps run on: 50 frames skipped) and comes back
    # with the marker bit; its packets now arrive 100 ms later relative to before
    second = [(5.0 + (i + 150) * 20.0 + 100.0, packet(i + 150, marker=(i == 0))) for i in range(100)]
    out = play(jb, first + second, 280)
    assert jb.stats.resyncs == 1
    first_new = next(t for t, (k, n) in enumerate(out) if n == 151)
    arrival = second[1][0]
    assert arrival <= first_new * 20.0 <= arrival + jb.target_ms + 20.0
    assert jb.stats.lost == 0


def test_a_very_late_packet_is_dropped_and_the_target_grows():
    pk = stream(300)
    pk = [(a + (150.0 if p.seq == 100 else 0.0), p) for a, p in pk]
    pk.sort(key=lambda x: x[0])
    jb = make()
    targets = {}
    out = play(jb, pk, 320, probe=lambda b, now: targets.setdefault(int(now), b.target_ms))
    assert jb.stats.late == 1
    assert ("plc", None) in out or jb.stats.underruns >= 1
    late_arrival = 100 * 20.0 + 5.0 + 150.0
    after = targets[int((late_arrival // 20 + 1) * 20)]
    assert after >= 150.0                                  # grew at once to cover the late packet


def test_frames_from_10ms_and_30ms_packets():
    for ptime in (10, 30):
        samples = 8 * ptime
        jb = JitterBuffer(decode=lambda p, pt: np.full(len(p), BASE + p[0] if p[0] % 20 else 0,
                                                       dtype=np.int16))
        pk = [(i * ptime + 5.0, RtpPacket(PT_PCMA, i, i * samples, 9, bytes([i % 200 + 1]) * samples))
              for i in range(300)]
        out = []
        k = 0
        for t in range(300 * ptime // 20 - 10):
            while k < len(pk) and pk[k][0] <= t * 20.0:
                jb.put(pk[k][1], pk[k][0])
                k += 1
            f = jb.get(t * 20.0)
            assert len(f.samples) == 160
            out.append(f)
        audio = np.concatenate([f.samples for f in out if f.kind == "audio"]).astype(int) - BASE
        # every packet's samples appear once, in order, whole (quiet ones may be dropped)
        vals = [v for j, v in enumerate(audio) if v > 0 and (j == 0 or v != audio[j - 1])]
        assert vals[:150] == [v for v in (i % 200 + 1 for i in range(200)) if v % 20][:150]
        runs = np.diff(np.flatnonzero(np.diff(audio) != 0))
        assert set(runs[(runs > 0)].tolist()) <= {samples}   # no unit cut short or repeated
        assert jb.stats.lost == 0


def test_not_g711_is_ignored():
    jb = make()
    assert jb.put(RtpPacket(13, 1, 160, 1, b"\x40"), 0.0) == "ignored"
    assert jb.get(20.0).kind == "silence"
