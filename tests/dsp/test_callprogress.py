"""Call-progress detection (dsp.callprogress): the FXO disconnect-supervision gate.

Levels are dBm0; the detection floor is -43 dBm0 (documented default ``min_level_dbm0``).
"""
from __future__ import annotations

import numpy as np
import pytest

from dsp import g711, tones
from dsp.bench import corpus
from dsp.callprogress import TONE_EVENTS, CallProgressDetector, ToneEvent, process_batch
from dsp.profiles import get_profile

RATE = 8000
COUNTRIES = ("cn", "us", "uk", "de")
EVENT_OF = {"dial": "dialtone", "busy": "busy", "ringback": "ringback", "congestion": "congestion",
            "info": "sit"}
needs_speech = pytest.mark.skipif(not corpus.have_espeak(), reason="espeak-ng/sox not installed")


def _tone(name: str, country: str, ms: int, level: float = -13.0, lead_ms: int = 300) -> np.ndarray:
    return np.concatenate([np.zeros(lead_ms * 8, np.int16),
                           tones.generate(name, country, ms, level_dbm0=level)])


def _tone_events(events: list[ToneEvent]) -> list[str]:
    return [e.name for e in events if e.name in TONE_EVENTS]


def _roundtrip(x: np.ndarray, law: str) -> np.ndarray:
    enc, dec = (g711.alaw_encode, g711.alaw_decode) if law == "alaw" else (g711.ulaw_encode, g711.ulaw_decode)
    return dec(enc(x))


# the longest time to recognise each tone, from the start of the tone (s)
DEADLINE = {"dial": 2.0, "busy": 3.0, "congestion": 3.5, "ringback": 8.5, "info": 4.5}


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("name", ["dial", "busy", "ringback", "congestion", "info"])
def test_each_tone_recognised_and_told_apart(country, name):
    x = _tone(name, country, 12000)
    ev = CallProgressDetector(country).process(x)
    assert _tone_events(ev) == [EVENT_OF[name]], ev
    first = next(e for e in ev if e.name == EVENT_OF[name])
    assert (first.sample - 2400) / RATE <= DEADLINE[name]


def test_cn_busy_within_three_cycles_clean():
    ev = CallProgressDetector("cn").process(_tone("busy", "cn", 2100, -30.0))
    assert [e.name for e in ev] == ["busy"] and ev[0].sample - 2400 <= 2.1 * RATE


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("level", [-40.0, -30.0, -20.0, -5.0])
def test_after_g711_roundtrip_at_levels(country, level):
    law = get_profile(country).companding
    for name in ("busy", "congestion", "dial"):
        x = _roundtrip(_tone(name, country, 5000, level), law)
        ev = CallProgressDetector(country).process(x)
        assert _tone_events(ev) == [EVENT_OF[name]], (name, level, ev)


def test_below_the_floor_is_not_a_tone():
    x = _tone("busy", "cn", 5000, -50.0)
    assert _tone_events(CallProgressDetector("cn").process(x)) == []


def test_cn_busy_in_white_noise_within_three_cycles():
    rng = np.random.default_rng(7)
    for trial in range(8):
        lead = int(rng.integers(4000, 24000))
        tone = np.concatenate([np.zeros(lead, np.int16), tones.generate("busy", "cn", 4000, level_dbm0=-30)])
        x = corpus.mix(tone, corpus.white_noise(tone.size / RATE, -40.0, seed=trial))  # SNR 10 dB
        ev = CallProgressDetector("cn").process(x)
        assert _tone_events(ev) == ["busy"], ev
        busy = next(e for e in ev if e.name == "busy")
        assert lead < busy.sample <= lead + 2.1 * RATE


def _busy_in_speech(level_range: tuple[float, float], trials: int, seed: int) -> tuple[list[float], list]:
    """Seconds to recognise CN busy at -30 dBm0 under speech + white noise (-50 dBm0)."""
    rng = np.random.default_rng(seed)
    speech = corpus.speech(trials * 12, seed=seed, level_range=level_range)
    lat, wrong = [], []
    for trial in range(trials):
        lead = int(rng.integers(8000, 32000))
        tone = np.concatenate([np.zeros(lead, np.int16), tones.generate("busy", "cn", 6000, level_dbm0=-30)])
        n = tone.size
        off = int(rng.integers(0, speech.size - n))
        x = corpus.mix(tone, speech[off:off + n], corpus.white_noise(n / RATE, -50.0, seed=100 + trial),
                       length=n)
        ev = CallProgressDetector("cn").process(x)
        names = _tone_events(ev)
        if any(nm != "busy" for nm in names) or any(e.name == "busy" and e.sample < lead for e in ev):
            wrong.append(ev)
        busy = [e for e in ev if e.name == "busy"]
        lat.append((busy[0].sample - lead) / RATE if busy else float("inf"))
    return lat, wrong


@needs_speech
def test_cn_busy_under_speech_level_noise():
    """Busy at -30 dBm0 with near-continuous speech 10..15 dB louder (-20..-15 dBm0).

    Measured on 3 x 30-40 trials: 90-97 % within 2.1 s (three cadence cycles), all
    but one in a hundred within 3.1 s.  The gate sits a little below that.
    """
    lat, wrong = _busy_in_speech((-20.0, -15.0), 20, seed=3)
    lat = np.array(lat)
    assert not wrong
    assert np.mean(lat <= 2.1) >= 0.85, lat
    assert np.mean(lat <= 5.0) >= 0.95, lat


@needs_speech
def test_cn_busy_under_quieter_speech():
    lat, wrong = _busy_in_speech((-25.0, -20.0), 16, seed=11)
    lat = np.array(lat)
    assert not wrong
    assert np.mean(lat <= 2.1) >= 0.9, lat
    assert np.all(lat <= 3.5), lat


@needs_speech
@pytest.mark.parametrize("country", COUNTRIES)
def test_speech_and_music_are_never_tones(country):
    """English + Mandarin speech (3 min) and music (90 s), plain and after G.711: no tone events."""
    speech = corpus.speech(180, seed=21)
    music = corpus.music(90, seed=22)
    law = get_profile(country).companding
    for name, sig in (("speech", speech), ("music", music), ("speech g711", _roundtrip(speech, law))):
        ev = CallProgressDetector(country).process(sig)
        assert _tone_events(ev) == [], (name, ev)
    assert "voice" in [e.name for e in CallProgressDetector(country).process(speech)]


def test_fax_tones():
    cng = tones.ToneGenerator("1100/500,0/3000", level_dbm0=-20).read(8 * RATE)
    ev = CallProgressDetector("cn").process(cng)
    assert _tone_events(ev) == ["fax_cng"] and ev[-1].sample <= 4.2 * RATE
    ced = tones.ToneGenerator("2100", level_dbm0=-15).read(3 * RATE)
    ev = CallProgressDetector("us").process(ced)
    assert _tone_events(ev) == ["fax_ced"] and 2.0 * RATE <= ev[0].sample <= 2.2 * RATE
    assert _tone_events(CallProgressDetector("us", fax=False).process(ced)) == []


def test_silence_and_voice_events():
    d = CallProgressDetector("cn", silence_ms=1000)
    ev = d.process(np.zeros(2 * RATE, np.int16))
    assert ev == [ToneEvent("silence", 1000 * 8)]
    assert d.state == "silence"
    noise = corpus.white_noise(1.0, -25.0, seed=1)        # broadband, no tone: voice-like
    ev = d.process(noise)
    assert [e.name for e in ev] == ["voice"] and d.state == "voice"


def _scenario() -> np.ndarray:
    rng = np.random.default_rng(3)
    parts = [np.zeros(2400, np.int16), tones.generate("busy", "cn", 3000, level_dbm0=-25),
             rng.normal(0, 2000, 12000).astype(np.int16), tones.generate("congestion", "cn", 4000),
             np.zeros(8 * RATE, np.int16), tones.generate("dial", "cn", 3000, level_dbm0=-35)]
    return np.concatenate(parts)


@pytest.mark.parametrize("bs", [1, 7, 160, 8000])
def test_same_events_for_any_block_size(bs):
    x = _scenario()
    ref = CallProgressDetector("cn").process(x)
    assert [e.name for e in ref] == ["busy", "voice", "congestion", "silence", "dialtone"]
    d = CallProgressDetector("cn")
    got = []
    for i in range(0, x.size, bs):
        got += d.process(x[i:i + bs])
    assert got == ref


@pytest.mark.parametrize("country", COUNTRIES)
def test_state_follows_a_call(country):
    """ringback -> answered (speech-like noise) -> far end hangs up (busy) -> congestion -> dial."""
    rng = np.random.default_rng(5)
    talk = rng.normal(0, 1500, 6 * RATE).astype(np.int16)
    x = np.concatenate([tones.generate("ringback", country, 12000), talk,
                        tones.generate("busy", country, 4000, level_dbm0=-25),
                        tones.generate("congestion", country, 5000), tones.generate("dial", country, 3000)])
    d = CallProgressDetector(country)
    names = [e.name for e in d.process(x)]
    assert names == ["ringback", "voice", "busy", "congestion", "dialtone"], names
    assert d.state == "dialtone"


def test_api_reset_bytes_profile_object_and_batch():
    x = _tone("busy", "us", 4000)
    d = CallProgressDetector(get_profile("us"))
    ev = d.process(x.tobytes())
    assert ev and isinstance(ev[0], ToneEvent) and ev[0].name == "busy" and d.state == "busy"
    assert ev[0] == (ev[0].name, ev[0].sample)
    d.reset()
    assert d.state == "unknown" and d.samples == 0
    assert d.process(x) == ev
    with pytest.raises(ValueError, match="known countries"):
        CallProgressDetector("xx")
    # batched: channels x samples, 20 ms per call as the engine ticks
    sigs = np.stack([_tone(n, "us", 4000)[:32000] for n in ("busy", "congestion", "dial")])
    dets = [CallProgressDetector("us") for _ in range(3)]
    out: list[list] = [[], [], []]
    for i in range(0, 32000, 160):
        for c, evs in enumerate(process_batch(dets, sigs[:, i:i + 160])):
            out[c] += evs
    for c in range(3):
        assert out[c] == CallProgressDetector("us").process(sigs[c])
    assert [_tone_events(o) for o in out] == [["busy"], ["congestion"], ["dialtone"]]


def _busy_in_mix(kind: str, trials: int, seed: int) -> tuple[np.ndarray, int]:
    """Seconds to recognise CN busy at -30 dBm0 in loud noise (issue #2), and wrong tone events.

    kind ``noise``: white noise at -30..-20 dBm0 (broadband SNR 0..-10 dB);
    ``speech``: speech at -20..-15 dBm0 plus white noise at -45 dBm0;
    ``both``: speech at -25..-20 dBm0 plus white noise at -25..-20 dBm0.
    """
    rng = np.random.default_rng(seed)
    speech = None
    if kind != "noise":
        speech = corpus.speech(trials * 8, seed=seed,
                               level_range=(-20.0, -15.0) if kind == "speech" else (-25.0, -20.0))
    lat, wrong = [], 0
    for trial in range(trials):
        lead = int(rng.integers(8000, 32000))
        tone = np.concatenate([np.zeros(lead, np.int16), tones.generate("busy", "cn", 6000, level_dbm0=-30)])
        n = tone.size
        parts = [tone]
        if speech is not None:
            off = int(rng.integers(0, speech.size - n))
            parts.append(speech[off:off + n])
        noise_db = {"noise": float(rng.uniform(-30, -20)), "speech": -45.0,
                    "both": float(rng.uniform(-25, -20))}[kind]
        parts.append(corpus.white_noise(n / RATE, noise_db, seed=1000 * seed + trial))
        ev = CallProgressDetector("cn").process(corpus.mix(*parts, length=n))
        wrong += any(e.name in TONE_EVENTS and (e.name != "busy" or e.sample < lead) for e in ev)
        busy = [e for e in ev if e.name == "busy"]
        lat.append((busy[0].sample - lead) / RATE if busy else float("inf"))
    return np.array(lat), wrong


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cn_busy_in_speech_level_white_noise(seed):
    """(a) White noise 0..10 dB louder than the tone: measured 300/300 within 1.05 s."""
    lat, wrong = _busy_in_mix("noise", 40, seed)
    assert wrong == 0
    assert np.all(lat <= 2.1), lat


@needs_speech
@pytest.mark.parametrize("seed", [1, 2])
def test_cn_busy_under_loud_speech_and_quiet_noise(seed):
    """(b) Speech 10..15 dB louder: measured 90-96 % within 2.1 s, 98-100 % within 3 s (3 x 100)."""
    lat, wrong = _busy_in_mix("speech", 40, seed)
    assert wrong == 0
    assert np.mean(lat <= 2.1) >= 0.85, lat
    assert np.mean(lat <= 3.0) >= 0.95, lat


@needs_speech
@pytest.mark.parametrize("seed", [1, 2])
def test_cn_busy_under_speech_and_noise(seed):
    """(c) Speech and white noise, both 5..10 dB louder: measured 85-91 % within 2.1 s,
    95-99 % within 3 s (3 x 100); 1 in 300 called congestion."""
    lat, wrong = _busy_in_mix("both", 40, seed)
    assert wrong <= 1
    assert np.mean(lat <= 2.1) >= 0.75, lat
    assert np.mean(lat <= 3.0) >= 0.85, lat
