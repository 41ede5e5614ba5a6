"""Conference mixer sums and the level meter."""
import math

import numpy as np
import pytest

from dsp import mixer
from dsp.levels import sine_amplitude


def _parties(n, samples=160, seed=0, scale=3000):
    rng = np.random.default_rng(seed)
    return rng.normal(0, scale, (n, samples)).clip(-32768, 32767).astype(np.int16)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 16, 64])
def test_each_party_hears_everyone_but_itself(n):
    x = _parties(n, seed=n)
    out = mixer.mix_conference(x)
    expect = x.astype(np.int64).sum(axis=0)[None, :] - x.astype(np.int64)
    assert np.array_equal(out, np.clip(expect, -32768, 32767).astype(np.int16))


def test_sums_saturate_instead_of_wrapping():
    # the total of all parties may leave int16 range; each output is exact before saturating
    x = np.array([[30000] * 8, [30000] * 8, [30000] * 8, [-30000] * 8], np.int16)
    out = mixer.mix_conference(x)
    assert np.all(out[3] == 32767) and np.all(out[0] == 30000)
    three_loud = np.array([[20000] * 4, [20000] * 4, [20000] * 4], np.int16)
    out = mixer.mix_conference(three_loud)
    assert np.all(out == 32767)  # 40 000 would wrap to negative in int16
    three_quiet = -three_loud
    assert np.all(mixer.mix_conference(three_quiet) == -32768)


def test_per_party_gain_and_mute():
    x = np.array([[1000] * 4, [2000] * 4, [-400] * 4], np.int16)
    out = mixer.mix_conference(x, gains_db=[0.0, -6.0206, float("-inf")])
    # party 0 hears party 1 at half level, not muted party 2
    assert np.all(np.abs(out[0] - 1000) <= 1)
    # party 2 (muted) still hears the others
    assert np.all(np.abs(out[2] - 2000) <= 1)
    # party 1 hears party 0 only
    assert np.all(out[1] == 1000)


def test_gain_limits_and_shape_errors():
    with pytest.raises(ValueError, match="gains given"):
        mixer.mix_conference(_parties(3), gains_db=[0, 0])
    with pytest.raises(ValueError, match="above"):
        mixer.mix_conference(_parties(2), gains_db=[40, 0])
    with pytest.raises(ValueError, match="2-D"):
        mixer.mix_conference(np.zeros(160, np.int16))


def test_mix_matrix_supervisor_roles():
    caller, agent, sup = _parties(3, seed=9)
    x = np.stack([caller, agent, sup])
    # whisper: agent hears caller + supervisor, caller hears agent only, supervisor hears both
    m = [[0, 1, 0], [1, 0, 1], [1, 1, 0]]
    out = mixer.mix_matrix(x, m)
    wide = x.astype(np.int64)
    assert np.array_equal(out[0], agent)
    assert np.array_equal(out[1], np.clip(wide[0] + wide[2], -32768, 32767))
    assert np.array_equal(out[2], np.clip(wide[0] + wide[1], -32768, 32767))


def test_preallocated_output_is_used():
    x = _parties(4)
    out = np.empty_like(x)
    res = mixer.mix_conference(x, out=out)
    assert res is out
    with pytest.raises(ValueError):
        mixer.mix_conference(x, out=np.empty((4, 10), np.int16))


def test_apply_gain():
    x = np.full(10, 10000, np.int16)
    assert np.all(mixer.apply_gain(x, 20.0) == 32767)
    assert np.all(np.abs(mixer.apply_gain(x, -20.0) - 1000) <= 1)


@pytest.mark.parametrize("dbm0", [-40.0, -20.0, -10.0, 0.0, 2.0])
def test_level_meter_reads_a_sine_in_dbm0(dbm0):
    t = np.arange(16000)
    x = np.rint(sine_amplitude(dbm0) * np.sin(2 * np.pi * 1004 * t / 8000)).astype(np.int16)
    m = mixer.LevelMeter(window_ms=100)
    for i in range(0, x.size, 160):
        m.process(x[i:i + 160])
    assert m.average_dbm0 == pytest.approx(dbm0, abs=0.05)
    assert m.rms_dbm0 == pytest.approx(dbm0, abs=0.1)
    assert m.peak_dbm0 == pytest.approx(dbm0, abs=0.05)
    assert m.clipped == 0
    assert m.samples == x.size


def test_level_meter_counts_clipping_and_resets():
    m = mixer.LevelMeter()
    x = np.array([0, 32767, -32768, 100, 32100, -32256], np.int16)
    m.process(x.tobytes())
    assert m.clipped == 4
    assert m.peak == 32768
    m.reset()
    assert m.clipped == 0 and m.samples == 0 and m.average_dbm0 == -math.inf
    m.process(np.zeros(160, np.int16))
    assert m.rms_dbm0 == -math.inf


def test_level_meter_short_term_follows_a_level_drop():
    loud = np.full(8000, 10000, np.int16)
    quiet = np.full(8000, 100, np.int16)
    m = mixer.LevelMeter(window_ms=50)
    m.process(loud)
    high = m.rms_dbm0
    m.process(quiet)
    assert high - m.rms_dbm0 == pytest.approx(40.0, abs=0.5)
    assert m.average_dbm0 > m.rms_dbm0 + 30
