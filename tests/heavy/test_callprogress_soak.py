"""Call-progress soak (``make soak``): long talk-off and many busy-under-speech trials.

FXO disconnect supervision hangs up a call when the detector says ``busy``: an hour of
speech or music must never be called a tone, for any country profile, plain or after
the country's G.711 law; and busy under speech must be recognised trial after trial.
"""
from __future__ import annotations

import numpy as np
import pytest

from dsp import g711, tones
from dsp.bench import corpus
from dsp.callprogress import TONE_EVENTS, CallProgressDetector, process_batch
from dsp.profiles import get_profile

pytestmark = [pytest.mark.heavy,
              pytest.mark.skipif(not corpus.have_espeak(), reason="espeak-ng/sox not installed")]

RATE = 8000
CHANNELS = 8


def _tone_events_batched(country: str, signal: np.ndarray) -> list:
    """Run ``signal`` split over CHANNELS detectors in 20 ms ticks (as the engine does)."""
    per = signal.size // CHANNELS // 160 * 160
    block = signal[:per * CHANNELS].reshape(CHANNELS, per)
    dets = [CallProgressDetector(country) for _ in range(CHANNELS)]
    found = []
    for i in range(0, per, 160):
        for ch, evs in enumerate(process_batch(dets, block[:, i:i + 160])):
            found += [(ch, e) for e in evs if e.name in TONE_EVENTS]
    return found


@pytest.mark.parametrize("country", ["cn", "us", "uk", "de"])
def test_an_hour_of_speech_and_music_is_never_a_tone(country):
    speech = corpus.speech(2400, seed=1001)             # 40 min, English + Mandarin
    music = corpus.music(1200, seed=1002)               # 20 min
    law = get_profile(country).companding
    enc, dec = (g711.alaw_encode, g711.alaw_decode) if law == "alaw" else (g711.ulaw_encode, g711.ulaw_decode)
    for name, sig in (("speech", speech), ("music", music), ("speech g711", dec(enc(speech)))):
        assert _tone_events_batched(country, sig) == [], name


def test_cn_busy_under_speech_many_trials():
    rng = np.random.default_rng(99)
    speech = corpus.speech(1200, seed=1003, level_range=(-20.0, -15.0))
    lat = []
    for trial in range(200):
        lead = int(rng.integers(8000, 40000))
        tone = np.concatenate([np.zeros(lead, np.int16), tones.generate("busy", "cn", 6000, level_dbm0=-30)])
        off = int(rng.integers(0, speech.size - tone.size))
        x = corpus.mix(tone, speech[off:off + tone.size],
                       corpus.white_noise(tone.size / RATE, -50.0, seed=trial), length=tone.size)
        ev = CallProgressDetector("cn").process(x)
        assert all(e.name == "busy" for e in ev if e.name in TONE_EVENTS), ev
        busy = [e for e in ev if e.name == "busy"]
        lat.append((busy[0].sample - lead) / RATE if busy else np.inf)
    lat = np.array(lat)
    assert np.mean(lat <= 2.1) >= 0.85, np.sort(lat)[-20:]
    assert np.mean(lat <= 5.0) >= 0.97
