"""Caller-ID receiver soak: hours of speech, music and noise on FXO channels (``make soak``).

An FXO port's caller-ID decoder listens whenever the line is idle or ringing; it must
never invent a message from voice, music or line noise.  The full decoder (Bell 202
and V.23 in both mark/space polarities, plus DTMF caller ID) runs over the corpus in
20 ms ticks across a bank of channels, as the engine runs it.
"""
from __future__ import annotations

import numpy as np
import pytest

from dsp import callerid
from dsp.bench import corpus

pytestmark = pytest.mark.heavy

CHANNELS = 8
FRAME = 160


def _messages_on(signal: np.ndarray) -> list:
    """Run ``signal`` split over CHANNELS channels through a decoder bank; return all messages."""
    per = signal.size // CHANNELS // FRAME * FRAME
    block = signal[: per * CHANNELS].reshape(CHANNELS, per)
    bank = callerid.CallerIdDecoderBank(CHANNELS, standard="auto", dtmf=True, year=2026)
    found = []
    for i in range(0, per, FRAME):
        for ch, msgs in enumerate(bank.process(np.ascontiguousarray(block[:, i:i + FRAME]))):
            found.extend((ch, m) for m in msgs)
    return found


@pytest.mark.skipif(not corpus.have_espeak(), reason="espeak-ng/sox not installed")
def test_two_hours_of_speech_give_no_caller_id():
    found = _messages_on(corpus.speech(7200.0, seed=3100))
    assert found == []


def test_one_hour_of_music_gives_no_caller_id():
    found = _messages_on(corpus.music(3600.0, seed=3200))
    assert found == []


def test_one_hour_of_line_noise_gives_no_caller_id():
    noise = np.concatenate([corpus.white_noise(600.0, dbm0, seed=3300 + i)
                            for i, dbm0 in enumerate((-60, -45, -35, -25, -15, -5))])
    assert _messages_on(noise) == []
