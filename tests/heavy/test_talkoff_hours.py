"""DTMF talk-off over hours of speech and music (run by ``make soak``).

Three hours of synthesised speech and 1.5 hours of music-like signal, other seeds
than the quick test; zero false digits expected.  Also logs spandsp's count on the
same audio when libspandsp is installed (for the record, not asserted).
"""
from __future__ import annotations

import pytest

from dsp.bench import corpus, talkoff

pytestmark = pytest.mark.heavy


@pytest.mark.skipif(not corpus.have_espeak(), reason="espeak-ng/sox not installed")
def test_three_hours_of_speech_give_no_digits():
    x = talkoff.speech_corpus(180.0, seed=1000)
    found = talkoff.ours_digits(x)
    print(f"speech {x.size / 8000 / 3600:.2f} h: {len(found)} false digits {found[:20]}")
    assert found == []


def test_ninety_minutes_of_music_give_no_digits():
    x = talkoff.music_corpus(90.0, seed=2000)
    found = talkoff.ours_digits(x)
    print(f"music {x.size / 8000 / 3600:.2f} h: {len(found)} false digits {found[:20]}")
    assert found == []
