"""Country profiles (dsp.profiles) and tone generation (dsp.tones)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from dsp import profiles, tones
from dsp.levels import dbm0_of_rms
from dsp.profiles import ProfileError, countries, get_profile, parse_tone_spec, profile_from_dict

RATE = 8000
REQUIRED_TONES = ("dial", "busy", "ringback", "congestion", "callwaiting", "stutter", "info", "record")


# ---------------------------------------------------------------- profiles

def test_countries_cn_first_and_all_present():
    cs = countries()
    assert cs[0] == "cn"
    assert {"cn", "us", "uk", "de"} <= set(cs)


@pytest.mark.parametrize("country", ["cn", "us", "uk", "de"])
def test_profile_has_every_tone_and_line_fact(country):
    p = get_profile(country)
    assert set(REQUIRED_TONES) <= set(p.tones)
    assert len(p.ring_cadence_ms) % 2 == 0 and all(x > 0 for x in p.ring_cadence_ms)
    assert p.callerid_standard in ("bell202", "v23", "dtmf")
    assert p.callerid_start in profiles.CALLERID_STARTS
    assert p.companding in ("alaw", "ulaw")
    assert p.hook_flash_ms[0] < p.hook_flash_ms[1]
    assert p.tone_level_dbm0 == -13.0


def test_profile_values_from_telephony_reference():
    cn, us, uk, de = (get_profile(c) for c in ("cn", "us", "uk", "de"))
    assert cn.tone("busy").cadence() == ((True, 350), (False, 350))
    assert cn.tone("congestion").cadence() == ((True, 700), (False, 700))
    assert cn.tone("ringback").cadence() == ((True, 1000), (False, 4000))
    assert cn.tone("dial").frequencies == (450.0,)
    assert us.tone("busy").frequencies == (480.0, 620.0)
    assert us.tone("ringback").cadence() == ((True, 2000), (False, 4000))
    assert us.tone("congestion").cadence() == ((True, 250), (False, 250))
    assert uk.tone("ringback").cadence() == ((True, 400), (False, 200), (True, 400), (False, 2000))
    assert de.tone("busy").cadence() == ((True, 480), (False, 480))
    assert (cn.ring_cadence_ms, us.ring_cadence_ms, uk.ring_cadence_ms) == ((1000, 4000), (2000, 4000),
                                                                            (400, 200, 400, 2000))
    assert (cn.ring_frequency_hz, us.ring_frequency_hz) == (25.0, 20.0)
    assert (cn.companding, us.companding, uk.companding, de.companding) == ("alaw", "ulaw", "alaw", "alaw")
    assert (cn.callerid_standard, us.callerid_standard, uk.callerid_standard) == ("bell202", "bell202", "v23")


def test_unknown_country_names_the_known_ones():
    with pytest.raises(ValueError) as exc:
        get_profile("fr")
    for c in ("cn", "us", "uk", "de"):
        assert c in str(exc.value)
    assert get_profile("CN").code == "cn"


def test_unknown_tone_name_lists_available():
    with pytest.raises(ValueError, match="busy"):
        get_profile("cn").tone("howler")


@pytest.mark.parametrize("bad, words", [
    ("", "non-empty"),
    ("450/35x", "segment 1"),
    ("450,0/350", "not the last"),
    ("5000/100", "between 0 and 4000"),
    ("450/0", "duration"),
    ("0/100,0/200", "no tone"),
    ("450+/100", "segment 1"),
])
def test_bad_tone_specs_give_clear_errors(bad, words):
    with pytest.raises(ProfileError, match=words):
        parse_tone_spec(bad)


def test_tone_spec_parsing_details():
    s = parse_tone_spec("!350+440/100,!0/100,350+440")
    assert s.loop_start == 2 and s.continuous and s.frequencies == (350.0, 440.0)
    assert parse_tone_spec("!950/330,!1400/330").loop_start is None
    m = parse_tone_spec("400*25/200,0/200")
    assert m.segments[0].modulated and m.segments[0].freqs == (400.0, 25.0)
    assert str(parse_tone_spec(" 450 / 350 , 0 / 350 ").segments[0]) == "450/350"


def _row(**over):
    row = json.loads(json.dumps({
        "name": "Testland", "tones": {"busy": "450/350,0/350"}, "ring_cadence_ms": [1000, 4000],
        "ring_frequency_hz": 25, "callerid": {"standard": "v23", "start": "before_ring"},
        "companding": "alaw", "hook_flash_ms": [100, 700]}))
    row.update(over)
    return row


def test_custom_profile_validates():
    p = profile_from_dict("xx", _row())
    assert p.tone("busy").cadence() == ((True, 350), (False, 350))
    for over, words in [({"companding": "slinear"}, "companding"),
                        ({"ring_cadence_ms": [1000]}, "ring_cadence_ms"),
                        ({"callerid": {"standard": "fsk", "start": "before_ring"}}, "callerid standard"),
                        ({"hook_flash_ms": [800, 100]}, "hook_flash_ms"),
                        ({"tones": {"busy": "450/abc"}}, "tone 'busy'")]:
        with pytest.raises(ProfileError, match=words) as exc:
            profile_from_dict("xx", _row(**over))
        assert "'xx'" in str(exc.value)


def test_load_profiles_reports_bad_file(tmp_path):
    f = tmp_path / "p.json"
    f.write_text("{not json")
    with pytest.raises(ProfileError, match="not valid JSON"):
        profiles.load_profiles(str(f))
    f.write_text(json.dumps({"countries": {"xx": _row(tones={"dial": "450,0/10"})}}))
    with pytest.raises(ProfileError, match="xx"):
        profiles.load_profiles(str(f))


# ---------------------------------------------------------------- generation

def _peak_freqs(x: np.ndarray, k: int) -> list[float]:
    nfft = 1 << 18                                        # zero-padded: 0.03 Hz bins
    spec = np.abs(np.fft.rfft(x.astype(float) * np.hanning(x.size), nfft))
    freqs = np.fft.rfftfreq(nfft, 1 / RATE)
    found = []
    for _ in range(k):
        i = int(np.argmax(spec))
        # parabolic interpolation
        a, b, c = np.log(spec[i - 1:i + 2] + 1e-9)
        found.append(float(freqs[i] + 0.5 * (a - c) / (a - 2 * b + c) * (freqs[1] - freqs[0])))
        spec[max(0, i - 650):i + 651] = 0           # +-20 Hz
    return sorted(found)


@pytest.mark.parametrize("country, name, expect", [
    ("cn", "dial", [450]), ("us", "dial", [350, 440]), ("de", "dial", [425]),
    ("us", "busy", [480, 620]), ("uk", "ringback", [400, 450]),
])
def test_generated_frequencies(country, name, expect):
    first = get_profile(country).tone(name).segments[0].ms or 1000
    on = tones.generate(name, country, first)            # the first burst only
    got = _peak_freqs(on, len(expect))
    assert np.allclose(got, expect, atol=0.2), got


@pytest.mark.parametrize("level", [-13.0, -30.0, -3.0])
def test_generated_levels(level):
    single = tones.ToneGenerator("450", level_dbm0=level).read(RATE)
    assert abs(dbm0_of_rms(np.sqrt(np.mean(single.astype(float) ** 2))) - level) < 0.1
    dual = tones.ToneGenerator("350+440", level_dbm0=level).read(RATE)
    # two components at `level` each: 3 dB more in total
    assert abs(dbm0_of_rms(np.sqrt(np.mean(dual.astype(float) ** 2))) - (level + 3.01)) < 0.1


def _runs(x: np.ndarray) -> list[tuple[bool, int]]:
    """(on, ms) runs of a generated signal (on = a non-zero sample within +-2 ms)."""
    on = np.convolve(np.abs(x) > 0, np.ones(33), "same") > 0
    edges = np.flatnonzero(np.diff(on.astype(int))) + 1
    bounds = np.concatenate([[0], edges, [x.size]])
    return [(bool(on[a]), int(round((b - a) * 1000 / RATE))) for a, b in zip(bounds[:-1], bounds[1:])]


@pytest.mark.parametrize("country", ["cn", "us", "uk", "de"])
@pytest.mark.parametrize("name", ["busy", "ringback", "congestion", "callwaiting", "record"])
def test_generated_cadence_matches_table(country, name):
    spec = get_profile(country).tone(name)
    cad = spec.cadence()
    period = sum(ms for _, ms in cad)
    x = tones.generate(name, country, 2 * period + 10)
    runs = _runs(x)[:-1]                                  # the last run is cut by the end
    want = list(cad) * 2
    assert len(runs) >= len(want) - 1
    for (on, ms), (won, wms) in zip(runs, want):
        assert on == won
        assert abs(ms - wms) <= 5, (runs, want)


def test_block_size_invariance_and_phase_continuity():
    ref = tones.ToneGenerator("busy", "us").read(24000)
    for bs in (1, 7, 160, 8000):
        g = tones.ToneGenerator("busy", "us")
        out = np.concatenate([g.read(bs) for _ in range(24000 // bs + 1)])[:24000]
        assert np.array_equal(out, ref), bs
    # a steady tone is one continuous sine: no jumps larger than its slope allows
    x = tones.ToneGenerator("450", level_dbm0=-3).read(RATE).astype(float)
    amp = np.max(np.abs(x))
    assert np.max(np.abs(np.diff(x))) <= amp * 2 * np.pi * 450 / RATE * 1.01 + 2


def test_non_looping_spec_ends_and_stutter_then_steady():
    g = tones.ToneGenerator("!950/330,!1400/330,!1800/330")
    x = g.read(RATE * 2)
    assert g.done
    assert np.count_nonzero(x[:7920]) > 7000 and not np.any(x[7920:])
    st = tones.generate("stutter", "us", 3000)
    runs = _runs(st)
    assert runs[0][0] and abs(runs[0][1] - 100) <= 5 and abs(runs[1][1] - 100) <= 5
    assert runs[-1][0] and runs[-1][1] >= 900           # steady dial tone after the stutter


def test_reset_read_into_read_many_and_generate():
    g = tones.ToneGenerator("ringback", "cn")
    a = g.read(1000)
    g.reset()
    assert np.array_equal(g.read(1000), a)
    buf = np.empty(1000, np.int16)
    g.reset()
    g.read_into(buf)
    assert np.array_equal(buf, a)
    gens = [tones.ToneGenerator(n, "cn") for n in ("dial", "busy", "ringback")]
    many = tones.read_many(gens, 4000)
    assert many.shape == (3, 4000)
    for row, n in zip(many, ("dial", "busy", "ringback")):
        assert np.array_equal(row, tones.generate(n, "cn", 500))


def test_modulated_tone_has_sidebands():
    x = tones.ToneGenerator("400*25", level_dbm0=-13).read(RATE)
    spec = np.abs(np.fft.rfft(x.astype(float)))          # 1 Hz bins
    assert spec[400] > 10 * np.median(spec)
    assert spec[375] > 0.3 * spec[400] and spec[425] > 0.3 * spec[400]
    assert np.max(np.abs(x)) <= tones.ToneGenerator("400").read(RATE).max() + 1


def test_generator_errors_are_clear():
    with pytest.raises(ValueError, match="profile="):
        tones.ToneGenerator("busy")
    with pytest.raises(ValueError, match="neither a tone of country 'cn'"):
        tones.ToneGenerator("howler", "cn")
    with pytest.raises(ValueError, match="level_dbm0"):
        tones.ToneGenerator("450", level_dbm0=10)
