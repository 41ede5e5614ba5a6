"""Shared helpers of the recording tests: read a recording back, tone power per channel."""
from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np

from dsp import g711
from firmware.recording.wavfile import read_format

from tests.firmware.conftest import tone_power


def set_recording(hx, **doc) -> None:
    hx.box.update_config(lambda s: s.set_setting("recording", doc))


def read_recording(path: Path) -> tuple[np.ndarray, int]:
    """(samples int16, shape (n, channels)), channels) of a recording: PCM through
    Python's wave module, A-law through our header reader + G.711 decoding."""
    fmt, off = read_format(path)
    if fmt.law == "pcm16":
        with wave.open(str(path), "rb") as w:
            assert w.getframerate() == 8000 and w.getsampwidth() == 2
            ch = w.getnchannels()
            x = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    else:
        ch = fmt.channels
        x = g711.alaw_decode(Path(path).read_bytes()[off:])
    return x.reshape(-1, ch), ch


def sox_info(path: Path) -> dict:
    """sox's view of a file (channels, rate, samples, encoding)."""
    out = subprocess.run(["soxi", str(path)], capture_output=True, text=True, check=True).stdout
    info = {}
    for line in out.splitlines():
        k, _, v = line.partition(":")
        info[k.strip()] = v.strip()
    return info


def power(x: np.ndarray, freq: float) -> float:
    return tone_power(x, freq)
