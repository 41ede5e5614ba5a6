"""DTMF talk-off: speech and music at normal talking levels must give zero digits.

About 10 minutes of synthesised speech (espeak-ng English + Mandarin, varied voice,
pitch, speed and level) and 5 minutes of music-like signal (harmonic notes,
chords, vibrato melodies, chirps) from :mod:`dsp.bench.corpus`.  The long run
(hours) is tests/heavy/test_talkoff_hours.py; ``hotline bench talkoff`` prints
the figures beside spandsp's.
"""
from __future__ import annotations

import numpy as np
import pytest

from dsp import dtmf
from dsp.bench import corpus

needs_espeak = pytest.mark.skipif(not corpus.have_espeak(), reason="espeak-ng/sox not installed")


def false_digits(x: np.ndarray) -> list:
    det = dtmf.DtmfDetector()
    out = []
    for i in range(0, x.size, 1600):
        out.extend(e for e in det.process_events(x[i:i + 1600]) if e[1] == "start")
    return out


@needs_espeak
def test_speech_ten_minutes_gives_no_digits():
    x = np.concatenate([corpus.speech(300.0, seed=41), corpus.speech(300.0, seed=42)])
    assert x.size >= 8000 * 590
    assert false_digits(x) == []


def test_music_five_minutes_gives_no_digits():
    x = corpus.music(300.0, seed=43)
    assert false_digits(x) == []


def test_loud_music_and_speech_mix_gives_no_digits():
    if corpus.have_espeak():
        sp = corpus.speech(60.0, seed=44, level_range=(-10.0, -3.0))
    else:
        sp = np.zeros(8000 * 60, np.int16)
    mu = corpus.music(60.0, seed=45, level_range=(-15.0, -5.0))
    assert false_digits(corpus.mix(sp, mu)) == []


def test_dtmf_over_music_is_still_found():
    """The talk-off guards must not blind the detector: a digit 10 dB above music is seen."""
    mu = corpus.music(4.0, seed=46, level_range=(-30.0, -30.0))
    g = dtmf.DtmfGenerator(-17, 0, 60, 200)
    d = g.generate("159D")
    x = corpus.mix(mu, np.concatenate([np.zeros(4000, np.int16), d]))
    assert "".join(e[0] for e in false_digits(x)) == "159D"
