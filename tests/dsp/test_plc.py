"""Packet loss concealment (dsp.plc): pitch, continuity (no clicks), fade-out, recovery."""
import numpy as np
import pytest

from dsp.plc import Plc, SILENCE_AFTER_MS


def voiced(f0, n, amp=6000.0):
    """A vowel-like test signal: harmonics 1..4 of f0 with falling amplitudes."""
    t = np.arange(n) / 8000.0
    x = sum(amp / k * np.sin(2 * np.pi * k * f0 * t + k) for k in range(1, 5))
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


def run(plc, x, lost, frame=160):
    """Play x frame by frame, concealing the frame indices in ``lost``."""
    out = []
    for i in range(len(x) // frame):
        if i in lost:
            out.append(plc.conceal(frame))
        else:
            out.append(plc.good(x[i * frame:(i + 1) * frame]))
    return np.concatenate(out).astype(np.int32)


def rms(a):
    return float(np.sqrt(np.mean(np.asarray(a, dtype=float) ** 2)))


@pytest.mark.parametrize("f0, period", [(200, 40), (100, 80), (133.33, 60)])
def test_pitch_of_a_voiced_signal(f0, period):
    p = Plc()
    run(p, voiced(f0, 1600), lost={9})
    assert abs(p.pitch - period) <= 1


def test_no_loss_passes_audio_unchanged():
    x = voiced(150, 1600)
    assert np.array_equal(run(Plc(), x, lost=set()), x)


@pytest.mark.parametrize("f0", [90, 150, 230, 440])
@pytest.mark.parametrize("lost", [{5}, {5, 6}, {5, 6, 7, 8, 9}])
def test_no_click_at_loss_start_or_end(f0, lost):
    x = voiced(f0, 160 * 14)
    y = run(Plc(), x, lost)
    natural = np.max(np.abs(np.diff(x.astype(np.int32))))
    jumps = np.abs(np.diff(y))
    # the largest sample-to-sample step stays within what the signal itself does
    assert jumps.max() <= 1.25 * natural
    # around the edges in particular
    first, last = min(lost) * 160, (max(lost) + 1) * 160
    assert jumps[first - 1] <= 1.25 * natural and jumps[last - 1] <= 1.25 * natural


def test_first_10ms_continue_the_waveform():
    x = voiced(150, 160 * 10)
    y = run(Plc(), x, lost={6})
    seg = slice(6 * 160, 6 * 160 + 80)                       # first 10 ms of the gap
    c = np.corrcoef(y[seg], x[seg].astype(float))[0, 1]
    assert c > 0.9                                          # a periodic signal is continued
    assert rms(y[seg]) > 0.8 * rms(x[seg])


def test_energy_fades_to_silence_after_60ms():
    x = voiced(120, 160 * 5)
    p = Plc()
    run(p, x, lost=set())
    frames = [p.conceal(80) for _ in range(10)]             # 10 ms pieces
    levels = [rms(f) for f in frames]
    assert levels[0] > 0.8 * rms(x)                          # full level first
    assert all(b <= a * 1.05 for a, b in zip(levels[1:], levels[2:]))   # then falling
    assert levels[3] < 0.7 * levels[0]
    assert SILENCE_AFTER_MS == 60
    assert levels[6] == 0 and levels[9] == 0                 # silence from 60 ms on
    assert p.silent and p.gain == 0.0


def test_recovery_after_long_loss_fades_in():
    x = voiced(150, 160 * 20)
    y = run(Plc(), x, lost=set(range(5, 12)))               # 140 ms lost
    start = 12 * 160
    assert abs(y[start]) < 0.1 * np.max(np.abs(x))           # starts near the silence it follows
    assert np.array_equal(y[start + 80:start + 160], x[start + 80:start + 160])  # overlap <= 10 ms


def test_any_frame_length_and_argument_check():
    p = Plc()
    run(p, voiced(200, 800), lost={3}, frame=80)
    assert p.missing_samples == 0
    assert len(p.conceal(30)) == 30 and p.missing_samples == 30
    with pytest.raises(ValueError, match="frame length"):
        p.conceal(-1)
