"""Conversions of audio arguments shared by the dsp faces.

Every dsp function accepts 16-bit signed linear audio either as a numpy array
(any integer dtype with values in int16 range) or as ``bytes``/``bytearray``/
``memoryview`` holding native-endian int16 samples.
"""
from __future__ import annotations

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
