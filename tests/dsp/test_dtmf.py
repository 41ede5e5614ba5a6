"""DTMF generator and detector: ITU-T Q.24 / Bellcore accept-reject matrix.

Every cell runs all 16 digits with several trials, each with random tone phases
and a random offset against the detector's 64-sample analysis grid, so a pass is
not an accident of alignment.  SNR is defined as the total DTMF power (both
tones) over the white-noise power in the whole 0-4 kHz band.
"""
from __future__ import annotations

import numpy as np
import pytest

from dsp import dtmf, g711
from dsp.levels import rms_for_dbm0

DIGITS = dtmf.DIGITS
TRIALS = 6


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def tone(rng, digit, ms=60, level=-10.0, twist=0.0, low_dev=0.0, high_dev=0.0):
    return dtmf.dtmf_tone(digit, ms, level, twist, low_dev, high_dev,
                          low_phase=rng.uniform(0, 2 * np.pi), high_phase=rng.uniform(0, 2 * np.pi))


def framed(rng, x, tail=800):
    """Random leading silence (grid offset) + ``x`` + trailing silence."""
    return np.concatenate([np.zeros(int(rng.integers(0, 300)), np.int16), x,
                           np.zeros(tail, np.int16)])


def add_noise(rng, x, signal_power, snr_db):
    n = rng.normal(0.0, np.sqrt(signal_power / 10 ** (snr_db / 10.0)), x.size)
    return np.clip(np.rint(x + n), -32768, 32767).astype(np.int16)


def detect(x, **kw) -> str:
    return "".join(dtmf.DtmfDetector(**kw).process(x))


def failures(rng, make, accept: bool, trials: int = TRIALS) -> list[str]:
    """Run ``make(digit)`` for every digit/trial; list the cells that went wrong."""
    bad = []
    for d in DIGITS:
        for _ in range(trials):
            got = detect(make(d))
            want = d if accept else ""
            if got != want:
                bad.append(f"{d}->{got!r}")
    return bad


# ------------------------------------------------------------------ basics

def test_all_sixteen_digits_in_order():
    x = dtmf.DtmfGenerator().generate(DIGITS)
    assert detect(x) == DIGITS


def test_rejects_other_sample_rates():
    with pytest.raises(ValueError):
        dtmf.DtmfDetector(16000)
    with pytest.raises(ValueError):
        dtmf.DtmfDetectorBank(4, 11025)


def test_accepts_bytes_and_other_int_arrays():
    x = dtmf.DtmfGenerator().generate("19#")
    assert "".join(dtmf.DtmfDetector().process(x.tobytes())) == "19#"
    assert "".join(dtmf.DtmfDetector().process(x.astype(np.int32))) == "19#"


# ------------------------------------------------------------------ frequency

@pytest.mark.parametrize("low,high", [(0.015, 0), (-0.015, 0), (0, 0.015), (0, -0.015),
                                      (0.015, 0.015), (-0.015, -0.015), (0.015, -0.015),
                                      (-0.015, 0.015)])
def test_accepts_deviation_up_to_1_5_percent(rng, low, high):
    bad = failures(rng, lambda d: framed(rng, tone(rng, d, 50, low_dev=low, high_dev=high)), True)
    assert not bad, bad


@pytest.mark.parametrize("dev", [0.035, -0.035, 0.05, -0.05])
@pytest.mark.parametrize("which", ["low", "high", "both"])
def test_rejects_deviation_of_3_5_percent_and_beyond(rng, dev, which):
    # +-5 % is still >= 4.9 % away from every other DTMF frequency, so nothing may be seen
    lo = dev if which in ("low", "both") else 0.0
    hi = dev if which in ("high", "both") else 0.0
    bad = failures(rng, lambda d: framed(rng, tone(rng, d, 100, low_dev=lo, high_dev=hi)), False)
    assert not bad, bad


def test_far_off_tone_is_not_its_own_digit(rng):
    # 8-10 % off may land within tolerance of a neighbouring frequency (legitimately that
    # digit), but never reports the original one
    for dev in (0.08, -0.08, 0.10, -0.10):
        for d in DIGITS:
            assert d not in detect(framed(rng, tone(rng, d, 100, low_dev=dev)))
            assert d not in detect(framed(rng, tone(rng, d, 100, high_dev=dev)))


# ------------------------------------------------------------------ twist

# twist below is the generator's: high-group level minus low-group level (dB).
# Normal twist = low group louder (negative here), reverse = high group louder.

@pytest.mark.parametrize("twist", [-8.0, 4.0, -6.0, 2.0])
def test_accepts_twist_up_to_8_normal_4_reverse(rng, twist):
    bad = failures(rng, lambda d: framed(rng, tone(rng, d, 50, twist=twist)), True)
    assert not bad, bad


@pytest.mark.parametrize("twist,dev", [(-8.0, 0.015), (-8.0, -0.015), (4.0, 0.015), (4.0, -0.015)])
def test_accepts_limit_twist_with_limit_deviation(rng, twist, dev):
    bad = failures(rng, lambda d: framed(rng, tone(rng, d, 50, twist=twist, low_dev=-dev,
                                                   high_dev=dev)), True)
    assert not bad, bad


@pytest.mark.parametrize("twist", [-9.0, -10.0, -14.0, 5.0, 6.0, 10.0])
def test_rejects_twist_from_9_normal_5_reverse(rng, twist):
    bad = failures(rng, lambda d: framed(rng, tone(rng, d, 100, twist=twist)), False)
    assert not bad, bad


# ------------------------------------------------------------------ timing

def test_accepts_40_ms_tones(rng):
    bad = failures(rng, lambda d: framed(rng, tone(rng, d, 40)), True, trials=5)
    assert not bad, bad


@pytest.mark.parametrize("ms", [20, 15, 10])
def test_rejects_20_ms_and_shorter(rng, ms):
    bad = failures(rng, lambda d: framed(rng, tone(rng, d, ms, level=-3)), False, trials=5)
    assert not bad, bad


def test_fast_strings_40_on_40_off_every_digit_reported(rng):
    for _ in range(12):
        s = "".join(rng.choice(list(DIGITS), 16))
        x = dtmf.DtmfGenerator(-12, 0, on_ms=40, off_ms=40).generate(s)
        assert detect(framed(rng, x)) == s


def test_repeated_digit_with_40_ms_pauses_counts_each_press(rng):
    for d in DIGITS:
        x = dtmf.DtmfGenerator(-15, 0, on_ms=45, off_ms=40).generate(d * 4)
        assert detect(framed(rng, x)) == d * 4


@pytest.mark.parametrize("gap_ms", [10, 8, 5, 2])
@pytest.mark.parametrize("coherent", [True, False])
def test_short_interruption_does_not_register_a_second_digit(rng, gap_ms, coherent):
    gap = gap_ms * 8
    for d in DIGITS:
        for _ in range(2):
            if coherent:   # the tone is cut out and resumes in phase
                t = tone(rng, d, 200)
                x = t.copy()
                cut = int(rng.integers(300, 900))
                x[cut:cut + gap] = 0
            else:          # two bursts with unrelated phases
                x = np.concatenate([tone(rng, d, int(rng.integers(40, 90))), np.zeros(gap, np.int16),
                                    tone(rng, d, int(rng.integers(40, 90)))])
            assert detect(framed(rng, x)) == d, (d, gap_ms)


# ------------------------------------------------------------------ level, noise, codecs

@pytest.mark.parametrize("level", [-36.0, -30.0, -20.0, -10.0, -3.0, 0.0])
def test_dynamic_range_minus_36_to_0_dbm0_per_component(rng, level):
    bad = failures(rng, lambda d: framed(rng, tone(rng, d, 45, level=level)), True)
    assert not bad, bad


def test_ignores_tones_far_below_the_range(rng):
    bad = failures(rng, lambda d: framed(rng, tone(rng, d, 100, level=-50)), False, trials=1)
    assert not bad, bad


@pytest.mark.parametrize("ms", [40, 60])
def test_works_at_15_db_snr_white_noise(rng, ms):
    """SNR = total DTMF power (both components) / white-noise power over 0-4 kHz."""
    def make(d):
        t = tone(rng, d, ms, level=-13)
        p = 2 * rms_for_dbm0(-13) ** 2
        return add_noise(rng, framed(rng, t).astype(np.float64), p, 15.0)
    bad = failures(rng, make, True, trials=5)
    assert not bad, bad


def test_noise_alone_gives_nothing(rng):
    x = add_noise(rng, np.zeros(8000 * 20), rms_for_dbm0(-10) ** 2, 0.0)
    assert detect(x) == ""


@pytest.mark.parametrize("law", ["alaw", "ulaw"])
@pytest.mark.parametrize("level", [-36.0, -20.0, 0.0])
def test_after_g711_round_trip(rng, law, level):
    enc, dec = getattr(g711, f"{law}_encode"), getattr(g711, f"{law}_decode")
    bad = failures(rng, lambda d: dec(enc(framed(rng, tone(rng, d, 40, level=level,
                                                           low_dev=0.01, high_dev=-0.01)))), True)
    assert not bad, bad


# ------------------------------------------------------------------ streaming, events, bank

def _long_signal(rng):
    g = dtmf.DtmfGenerator(-18, 2.0, on_ms=45, off_ms=55)
    x = g.generate("0123456789*#ABCD,5,55")
    return add_noise(rng, np.concatenate([np.zeros(333), x]).astype(np.float64),
                     2 * rms_for_dbm0(-18) ** 2, 20.0)


def test_same_events_for_any_block_size(rng):
    x = _long_signal(rng)
    ref = dtmf.DtmfDetector().process_events(x)
    assert "".join(d for d, k, _ in ref if k == "start") == "0123456789*#ABCD555"
    for block in (1, 7, 160, 8000):
        det = dtmf.DtmfDetector()
        ev = []
        for i in range(0, x.size, block):
            ev.extend(det.process_events(x[i:i + block]))
        assert ev == ref, block
        det = dtmf.DtmfDetector()
        digits = []
        for i in range(0, x.size, block):
            digits.extend(det.process(x[i:i + block]))
        assert "".join(digits) == "0123456789*#ABCD555"


def test_events_have_start_and_end_near_the_tone_edges(rng):
    for _ in range(5):
        lead = int(rng.integers(0, 500))
        x = np.concatenate([np.zeros(lead, np.int16), tone(rng, "7", 100), np.zeros(800, np.int16)])
        ev = dtmf.DtmfDetector().process_events(x)
        assert [(d, k) for d, k, _ in ev] == [("7", "start"), ("7", "end")]
        assert abs(ev[0][2] - lead) <= 48          # +-6 ms
        assert abs(ev[1][2] - (lead + 800)) <= 48


def test_current_is_held_digit_and_reset_forgets(rng):
    det = dtmf.DtmfDetector()
    assert det.current == ""
    assert det.process(tone(rng, "B", 200)) == ["B"]
    assert det.current == "B"
    assert det.process(tone(rng, "B", 200)) == []       # still the same key press
    det.process(np.zeros(800, np.int16))
    assert det.current == ""
    det.process(tone(rng, "3", 30))
    det.reset()
    assert det.position == 0
    assert det.process(np.zeros(800, np.int16)) == []


def test_digit_change_without_pause_reports_both(rng):
    x = np.concatenate([tone(rng, "1", 80), tone(rng, "9", 80), np.zeros(800, np.int16)])
    assert detect(x) == "19"


def test_bank_matches_single_detectors(rng):
    chans = 5
    sigs = []
    for c in range(chans):
        s = "".join(rng.choice(list(DIGITS), 6))
        x = dtmf.DtmfGenerator(-20 + 3 * c, 0, 50, 60).generate(s)
        sigs.append(np.concatenate([np.zeros(int(rng.integers(0, 200)), np.int16), x]))
    n = max(s.size for s in sigs) + 800
    block = np.zeros((chans, n), np.int16)
    for c, s in enumerate(sigs):
        block[c, :s.size] = s
    bank = dtmf.DtmfDetectorBank(chans)
    got = [[] for _ in range(chans)]
    for i in range(0, n, 160):
        for c, digits in enumerate(bank.process(block[:, i:i + 160])):
            got[c].extend(digits)
    for c in range(chans):
        assert got[c] == dtmf.DtmfDetector().process(block[c]), c
        assert got[c]
    bank.reset()
    ev = bank.process_events(block)
    assert [e for e in ev[2] if e[1] == "start"] == [e for e in dtmf.DtmfDetector().process_events(block[2]) if e[1] == "start"]
    with pytest.raises(ValueError):
        bank.process(np.zeros((chans + 1, 160), np.int16))


# ------------------------------------------------------------------ generator

def test_generator_levels_twist_and_frequencies():
    x = dtmf.dtmf_tone("5", 1000, level_dbm0=-10, twist_db=3.0).astype(np.float64)
    spec = np.abs(np.fft.rfft(x)) * 2 / x.size             # 1 Hz bins, amplitude
    lo, hi = spec[770], spec[1336]
    assert 20 * np.log10(lo / np.sqrt(2) / rms_for_dbm0(-10)) == pytest.approx(0.0, abs=0.1)
    assert 20 * np.log10(hi / lo) == pytest.approx(3.0, abs=0.1)
    y = dtmf.dtmf_tone("5", 1000, low_dev=0.01).astype(np.float64)
    assert np.argmax(np.abs(np.fft.rfft(y))[:1000]) == round(770 * 1.01)


def test_generator_timing_and_streaming_equals_generate():
    g = dtmf.DtmfGenerator(-8, 2, on_ms=70, off_ms=30)
    x = g.generate("12,3")
    assert x.size == 3 * 800 + 4000
    on = np.abs(x) > 0
    assert on[1:560].mean() > 0.99 and not on[560:800].any()
    assert not on[1600:5600].any()             # 30 ms off + 500 ms pause
    s = dtmf.DtmfGenerator(-8, 2, on_ms=70, off_ms=30)
    assert not s.busy and not s.read(100).any()
    s.send("12,3")
    assert s.busy
    parts = []
    sizes = [1, 7, 160, 8000]
    k = 0
    while s.busy:
        parts.append(s.read(sizes[k % 4]))
        k += 1
    y = np.concatenate(parts)
    assert np.array_equal(y[:x.size], x)
    assert not y[x.size:].any()
    assert detect(np.concatenate([x, np.zeros(800, np.int16)])) == "123"
    with pytest.raises(ValueError):
        s.send("12X")
