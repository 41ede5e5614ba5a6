# cython: language_level=3
"""Conference mixing and level metering.

Mixing
------
:func:`mix_conference` mixes one 20 ms frame (or any length) of N parties:
every party hears the sum of all the others, never itself.  Each party has a
gain (dB, applied to what the others hear of it; ``-inf``/muted = 0).  The sum
is formed once in 32-bit and each party's own contribution is taken out, so the
cost is O(N) per sample, not O(N²); results saturate to int16 (no wrap-round).

:func:`mix_matrix` is the general form for bridge roles (supervisor listen,
whisper, barge): ``out[j] = Σ_i matrix[j, i] · in[i]`` with saturation.

Level meter
-----------
:class:`LevelMeter` measures RMS in dBm0 (short-term, exponential with a time
constant in ms, and over everything since reset), the peak sample and the
number of clipped samples — for diagnostics on ports and trunks.
"""
import math

import numpy as np
cimport numpy as cnp
from libc.math cimport log10, sqrt, exp, fabs, floor
from libc.stdint cimport int16_t, int32_t, int64_t

from dsp.audio import as_int16
from dsp.levels import RMS_0DBM0

cnp.import_array()

# Gains are applied in Q14 fixed point: exact for unity gain (16384), ±0.01 dB resolution.
cdef enum:
    GAIN_ONE = 16384
    GAIN_SHIFT = 14
MAX_GAIN_DB = 24.0


cdef inline int16_t _sat16(int64_t v) noexcept nogil:
    if v > 32767:
        return 32767
    if v < -32768:
        return -32768
    return <int16_t>v


_gain_cache = {}


def _gains_q14(gains_db, Py_ssize_t parties) -> np.ndarray:
    """Per-party gains (dB, or None for unity) -> int32 Q14 factors (cached: gains rarely change)."""
    if gains_db is None:
        return np.full(parties, GAIN_ONE, dtype=np.int32)
    key = tuple(gains_db)
    cached = _gain_cache.get(key)
    if cached is not None and cached.shape[0] == parties:
        return cached
    q = _gains_q14_compute(key, parties)
    if len(_gain_cache) > 256:
        _gain_cache.clear()
    _gain_cache[key] = q
    return q


def _gains_q14_compute(gains_db, Py_ssize_t parties) -> np.ndarray:
    g = np.asarray(gains_db, dtype=np.float64).reshape(-1)
    if g.shape[0] != parties:
        raise ValueError(f"{g.shape[0]} gains given for {parties} parties")
    if np.any(g > MAX_GAIN_DB):
        raise ValueError(f"party gain above +{MAX_GAIN_DB:g} dB is not allowed")
    lin = np.where(np.isneginf(g), 0.0, 10.0 ** (np.where(np.isneginf(g), 0.0, g) / 20.0))
    return np.rint(lin * GAIN_ONE).astype(np.int32)


def mix_conference(frames, gains_db=None, out=None) -> np.ndarray:
    """Mix N parties so that each hears all the others but not itself.

    ``frames``: int16 array (parties × samples), each row what one party said.
    ``gains_db``: per-party gain in dB applied to that party's voice as the
    others hear it (``None`` = 0 dB for all; ``-inf`` mutes a party).
    ``out``: optional preallocated int16 array of the same shape.
    Returns int16 (parties × samples): row j is what party j hears, saturated.
    """
    cdef cnp.ndarray src = np.ascontiguousarray(frames, dtype=np.int16)
    if src.ndim != 2:
        raise ValueError("frames must be a 2-D array (parties x samples)")
    cdef Py_ssize_t parties = src.shape[0], n = src.shape[1]
    if out is None:
        out = np.empty((parties, n), dtype=np.int16)
    elif out.shape != (parties, n) or out.dtype != np.int16 or not out.flags.c_contiguous:
        raise ValueError("out must be a C-contiguous int16 array shaped like frames")
    cdef const int16_t[:, ::1] x = src
    cdef int16_t[:, ::1] y = out
    cdef const int32_t[::1] g = _gains_q14(gains_db, parties)
    cdef int64_t[::1] total = np.zeros(n, dtype=np.int64)
    cdef Py_ssize_t i, j, k
    cdef int64_t c
    cdef bint unity = gains_db is None
    if parties == 0 or n == 0:
        return out
    with nogil:
        if unity:
            for i in range(parties):
                for k in range(n):
                    total[k] += x[i, k]
            for j in range(parties):
                for k in range(n):
                    y[j, k] = _sat16(total[k] - x[j, k])
        else:
            for i in range(parties):
                for k in range(n):
                    total[k] += <int64_t>x[i, k] * g[i]
            for j in range(parties):
                for k in range(n):
                    c = (total[k] - <int64_t>x[j, k] * g[j]) >> GAIN_SHIFT
                    y[j, k] = _sat16(c)
    return out


def mix_matrix(frames, matrix) -> np.ndarray:
    """General mix: ``out[j] = Σ_i matrix[j, i] · frames[i]``, saturated to int16.

    ``frames``: int16 (inputs × samples); ``matrix``: linear gains (outputs × inputs),
    e.g. 1.0 to hear an input, 0.0 not to.  Used for supervisor listen (hears
    both, heard by none), whisper (heard by the agent only) and barge.
    """
    cdef cnp.ndarray src = np.ascontiguousarray(frames, dtype=np.int16)
    m = np.asarray(matrix, dtype=np.float64)
    if src.ndim != 2 or m.ndim != 2 or m.shape[1] != src.shape[0]:
        raise ValueError("matrix must be outputs x inputs, inputs = rows of frames")
    if np.any(np.abs(m) > 10 ** (MAX_GAIN_DB / 20)):
        raise ValueError(f"mix gain above +{MAX_GAIN_DB:g} dB is not allowed")
    cdef const int16_t[:, ::1] x = src
    cdef const int32_t[:, ::1] g = np.rint(m * GAIN_ONE).astype(np.int32)
    cdef Py_ssize_t outs = m.shape[0], ins = src.shape[0], n = src.shape[1]
    out = np.empty((outs, n), dtype=np.int16)
    cdef int16_t[:, ::1] y = out
    cdef int64_t[::1] acc = np.empty(n, dtype=np.int64)
    cdef Py_ssize_t i, j, k
    cdef int32_t gji
    with nogil:
        for j in range(outs):
            for k in range(n):
                acc[k] = 0
            for i in range(ins):
                gji = g[j, i]
                if gji == 0:
                    continue
                for k in range(n):
                    acc[k] += <int64_t>x[i, k] * gji
            for k in range(n):
                y[j, k] = _sat16(acc[k] >> GAIN_SHIFT)
    return out


def apply_gain(samples, double gain_db) -> np.ndarray:
    """Return ``samples`` with a gain in dB applied, saturated to int16."""
    x = as_int16(samples)
    return mix_matrix(x.reshape(1, -1), [[10.0 ** (gain_db / 20.0)]]).reshape(-1)


cdef class LevelMeter:
    """Level meter for diagnostics: RMS (dBm0), peak and clipping.

    ``window_ms``: time constant of the short-term RMS (ms).
    ``clip_level``: a sample whose magnitude reaches this is counted as clipped
    (default 32 000: above the largest A-law (32 256) and µ-law (32 124) values
    only by the top code, so decoded full-scale G.711 counts as clipping).
    """
    cdef double _alpha
    cdef double _short_power
    cdef double _sum_squares
    cdef int64_t _count
    cdef int32_t _peak
    cdef int64_t _clipped
    cdef int32_t _clip_level
    cdef readonly double window_ms

    def __init__(self, double window_ms=300.0, int clip_level=32000):
        if window_ms <= 0:
            raise ValueError("window_ms must be positive")
        self.window_ms = window_ms
        self._alpha = 1.0 - exp(-1.0 / (window_ms * 8.0))
        self._clip_level = clip_level
        self.reset()

    def reset(self) -> None:
        """Forget everything measured so far."""
        self._short_power = 0.0
        self._sum_squares = 0.0
        self._count = 0
        self._peak = 0
        self._clipped = 0

    def process(self, samples) -> None:
        """Measure a block of samples (numpy int16 or bytes, any length)."""
        cdef const int16_t[::1] x = as_int16(samples)
        cdef Py_ssize_t i, n = x.shape[0]
        cdef double p = self._short_power, a = self._alpha, s = 0.0, v
        cdef int32_t m, peak = self._peak, lim = self._clip_level
        cdef int64_t clipped = 0
        with nogil:
            for i in range(n):
                v = x[i]
                s += v * v
                p += a * (v * v - p)
                m = x[i] if x[i] >= 0 else -<int32_t>x[i]
                if m > peak:
                    peak = m
                if m >= lim:
                    clipped += 1
        self._short_power = p
        self._sum_squares += s
        self._count += n
        self._peak = peak
        self._clipped += clipped

    @property
    def rms_dbm0(self) -> float:
        """Short-term RMS level (exponential, ``window_ms``) in dBm0; -inf for silence."""
        return _dbm0(sqrt(self._short_power))

    @property
    def average_dbm0(self) -> float:
        """RMS level over all samples since reset, in dBm0; -inf for silence."""
        if self._count == 0:
            return float("-inf")
        return _dbm0(sqrt(self._sum_squares / self._count))

    @property
    def peak(self) -> int:
        """Largest sample magnitude since reset (linear, 0..32768)."""
        return self._peak

    @property
    def peak_dbm0(self) -> float:
        """Level (dBm0) of a sine whose peak equals :attr:`peak`."""
        return _dbm0(self._peak / sqrt(2.0))

    @property
    def clipped(self) -> int:
        """Number of samples at or above the clip level since reset."""
        return self._clipped

    @property
    def samples(self) -> int:
        """Number of samples measured since reset."""
        return self._count


cdef double _dbm0(double rms):
    if rms <= 0.0:
        return float("-inf")
    return 20.0 * log10(rms / RMS_0DBM0)
