"""Music on hold: a WAV from the data dir if there is one, else a gentle generated tune.

The shipped tune is made at start-up from sine notes (a pentatonic phrase at about
-22 dBm0 with soft attack/decay), so a fresh box has music on hold without any file.
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np

from dsp.levels import sine_amplitude

from firmware.engine.media import Player, SamplesPlayer, read_wav

#: (frequency Hz, duration ms) — a calm pentatonic phrase (C D E G A ...), ~7 s
_PHRASE = [(523, 400), (587, 400), (659, 800), (784, 400), (659, 400), (587, 800),
           (523, 400), (440, 400), (523, 1200), (0, 400), (392, 400), (440, 400), (523, 800),
           (587, 400), (659, 400), (523, 1200), (0, 600)]


def default_tune(level_dbm0: float = -22.0, rate: int = 8000) -> np.ndarray:
    """The generated hold tune as int16 samples (loops cleanly)."""
    amp = sine_amplitude(level_dbm0)
    parts = []
    for f, ms in _PHRASE:
        n = rate * ms // 1000
        t = np.arange(n) / rate
        if f == 0:
            parts.append(np.zeros(n))
            continue
        env = np.minimum(1.0, t / 0.03) * np.exp(-1.8 * t)
        parts.append(amp * env * (np.sin(2 * np.pi * f * t) + 0.25 * np.sin(4 * np.pi * f * t)) / 1.25)
    return np.round(np.concatenate(parts)).astype(np.int16)


class MusicOnHold:
    """Gives a looping player per held party; ``path`` = a WAV (8 kHz mono 16-bit) to use."""

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = path
        self._samples: Optional[np.ndarray] = None

    def samples(self) -> np.ndarray:
        if self._samples is None:
            if self.path and os.path.exists(self.path):
                self._samples = read_wav(self.path)
            else:
                self._samples = default_tune()
        return self._samples

    def player(self) -> Player:
        return SamplesPlayer(self.samples(), loop=True, name="music-on-hold")
