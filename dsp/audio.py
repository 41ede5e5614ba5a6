"""Conversions of audio arguments shared by the dsp faces.

Every dsp function accepts 16-bit signed linear audio either as a numpy array
(any integer dtype with values in int16 range) or as ``bytes``/``bytearray``/
``memoryview`` holding native-endian int16 samples.
"""
from __future__ import annotations

import wave
from pathlib import Path
from typing import Union

import numpy as np

Samples = Union[np.ndarray, bytes, bytearray, memoryview]


def as_int16(samples: Samples) -> np.ndarray:
    """Return ``samples`` as a C-contiguous 1-D ``numpy.int16`` array (no copy when possible).

    Raises ``TypeError`` for anything that is not audio and ``ValueError`` for
    an odd number of bytes.
    """
    if isinstance(samples, np.ndarray):
        if samples.dtype == np.int16 and samples.flags.c_contiguous:
            return samples.reshape(-1) if samples.ndim != 1 else samples
        if samples.dtype.kind not in "iu":
            if samples.dtype.kind == "f":
                return np.ascontiguousarray(np.clip(np.rint(samples), -32768, 32767),
                                            dtype=np.int16).reshape(-1)
            raise TypeError(f"audio must be integer or float samples, not {samples.dtype}")
        return np.ascontiguousarray(samples, dtype=np.int16).reshape(-1)
    if isinstance(samples, (bytes, bytearray, memoryview)):
        raw = bytes(samples) if isinstance(samples, memoryview) else samples
        if len(raw) % 2:
            raise ValueError(f"16-bit audio needs an even number of bytes, got {len(raw)}")
        return np.frombuffer(raw, dtype=np.int16)
    if isinstance(samples, (list, tuple)):
        return np.asarray(samples, dtype=np.int16)
    raise TypeError(f"audio must be a numpy array or bytes, not {type(samples).__name__}")


def as_uint8(data: Union[np.ndarray, bytes, bytearray, memoryview]) -> np.ndarray:
    """Return G.711 code bytes as a C-contiguous 1-D ``numpy.uint8`` array."""
    if isinstance(data, np.ndarray):
        return np.ascontiguousarray(data, dtype=np.uint8).reshape(-1)
    if isinstance(data, (bytes, bytearray, memoryview)):
        return np.frombuffer(bytes(data) if isinstance(data, memoryview) else data, dtype=np.uint8)
    raise TypeError(f"G.711 data must be bytes or a numpy array, not {type(data).__name__}")


def read_wav(path: Union[str, Path]) -> np.ndarray:
    """Samples of an 8 kHz mono 16-bit PCM WAV file; ValueError saying what is wrong."""
    p = Path(path)
    try:
        with wave.open(str(p), "rb") as w:
            ch, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            problems = []
            if rate != 8000:
                problems.append(f"sample rate {rate} Hz (need 8000)")
            if ch != 1:
                problems.append(f"{ch} channels (need mono)")
            if width != 2:
                problems.append(f"{8 * width}-bit samples (need 16-bit)")
            if problems:
                raise ValueError(f"WAV file {p}: {', '.join(problems)}; convert it to 8 kHz "
                                 f"mono 16-bit PCM (e.g. sox in.wav -r 8000 -c 1 -b 16 out.wav)")
            data = w.readframes(n)
    except FileNotFoundError:
        raise ValueError(f"WAV file {p} does not exist") from None
    except (wave.Error, EOFError) as e:
        raise ValueError(f"{p} is not a PCM WAV file ({e})") from None
    return np.frombuffer(data, dtype="<i2").astype(np.int16)
