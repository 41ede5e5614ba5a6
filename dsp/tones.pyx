# cython: language_level=3
"""Call-progress tone generation from country profiles (8 kHz, int16, levels in dBm0).

``ToneGenerator`` plays one tone spec (see :mod:`dsp.profiles` for the format)
as a stream: ``read(n)`` returns the next ``n`` samples, cadence-exact across any
block sizes and phase-continuous (32-bit phase accumulators, 4096-point sine
table: spurs below -70 dBc).  Dual tones ``a+b`` are the sum of two components
each at ``level_dbm0``; ``a*b`` is ``a`` amplitude-modulated by ``b`` at 90 %
depth with peaks at the level of one ``a`` component at ``level_dbm0``.
The cadence loops forever from the first segment without ``!``; a spec whose
segments all carry ``!`` ends (``done`` becomes true, further reads are silence).

``read_many(generators, n)`` fills a (channels x n) int16 array in one call.
The call-progress detector lives in :mod:`dsp.callprogress` and is re-exported here.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int16_t, uint32_t, int64_t
from libc.math cimport sin, M_PI, lrintf

from dsp.audio import as_int16
from dsp.levels import sine_amplitude
from dsp.profiles import CountryProfile, ToneSpec, get_profile, parse_tone_spec, ToneSpecError
from dsp.callprogress import CallProgressDetector, ToneEvent, EVENT_NAMES  # re-export

cnp.import_array()

DEF TABLE_BITS = 12
DEF TABLE_SIZE = 4096
DEF SHIFT = 20          # 32 - TABLE_BITS
DEF MAXSEG = 64
DEF RATE = 8000

cdef float _SINE[TABLE_SIZE]
cdef int _i
for _i in range(TABLE_SIZE):
    _SINE[_i] = <float>sin(2.0 * M_PI * _i / TABLE_SIZE)

# segment modes
DEF M_SILENCE = 0
DEF M_SINGLE = 1
DEF M_DUAL = 2
DEF M_MOD = 3


def _resolve_spec(spec_or_name, profile):
    """A ToneSpec from a spec, a spec string, or a tone name of ``profile``."""
    if isinstance(spec_or_name, ToneSpec):
        return spec_or_name
    if not isinstance(spec_or_name, str):
        raise TypeError(f"tone must be a tone name, a spec string or a ToneSpec, not "
                        f"{type(spec_or_name).__name__}")
    if profile is not None:
        prof = get_profile(profile)
        if spec_or_name in prof.tones:
            return prof.tones[spec_or_name]
    try:
        return parse_tone_spec(spec_or_name)
    except ToneSpecError as exc:
        if profile is None:
            raise ValueError(f"{spec_or_name!r} is not a tone spec ({exc}); to play a named tone "
                             f"pass profile= (a country code or CountryProfile)") from None
        raise ValueError(f"{spec_or_name!r} is neither a tone of country {get_profile(profile).code!r} "
                         f"({', '.join(get_profile(profile).tones)}) nor a valid tone spec: {exc}") from None


cdef class ToneGenerator:
    """Streaming generator of one tone cadence.

    ``ToneGenerator(spec_or_name, profile=None, level_dbm0=None)``: ``spec_or_name`` is
    a tone name of ``profile`` (country code or CountryProfile), a spec string such
    as ``"450/350,0/350"`` or a ToneSpec.  ``level_dbm0`` is the level of each
    frequency component in dBm0 (default: the profile's ``tone_level_dbm0``, -13).
    """
    cdef int nseg
    cdef int loop_start          # -1: the tone ends after the last segment
    cdef int mode[MAXSEG]
    cdef uint32_t inc1[MAXSEG]
    cdef uint32_t inc2[MAXSEG]
    cdef float amp1[MAXSEG]
    cdef float amp2[MAXSEG]
    cdef int64_t dur[MAXSEG]    # samples, -1 = continuous
    cdef int seg                 # current segment, -1 when ended
    cdef int64_t pos             # samples played in the current segment
    cdef uint32_t ph1, ph2
    cdef int64_t played
    cdef readonly object spec
    cdef readonly double level_dbm0

    def __init__(self, spec_or_name, profile=None, level_dbm0=None):
        spec = _resolve_spec(spec_or_name, profile)
        if level_dbm0 is None:
            level_dbm0 = get_profile(profile).tone_level_dbm0 if profile is not None else -13.0
        level_dbm0 = float(level_dbm0)
        if not (-90.0 <= level_dbm0 <= 3.0):
            raise ValueError(f"level_dbm0 must be -90..3 dBm0, got {level_dbm0}")
        if len(spec.segments) > MAXSEG:
            raise ValueError(f"tone spec has {len(spec.segments)} segments; at most {MAXSEG} supported")
        self.spec = spec
        self.level_dbm0 = level_dbm0
        cdef double a = sine_amplitude(level_dbm0)
        cdef int i
        self.nseg = len(spec.segments)
        ls = spec.loop_start
        self.loop_start = -1 if ls is None else ls
        for i, s in enumerate(spec.segments):
            self.dur[i] = -1 if s.ms is None else (s.ms * RATE) // 1000
            self.inc1[i] = self.inc2[i] = 0
            self.amp1[i] = self.amp2[i] = 0.0
            if s.is_silence:
                self.mode[i] = M_SILENCE
                continue
            self.inc1[i] = <uint32_t>(<int64_t>(s.freqs[0] / RATE * 4294967296.0 + 0.5) & 0xFFFFFFFF)
            self.amp1[i] = a
            if len(s.freqs) == 1:
                self.mode[i] = M_SINGLE
            else:
                self.inc2[i] = <uint32_t>(<int64_t>(s.freqs[1] / RATE * 4294967296.0 + 0.5) & 0xFFFFFFFF)
                if s.modulated:
                    self.mode[i] = M_MOD
                    self.amp1[i] = a / 1.9
                    self.amp2[i] = 0.9
                else:
                    self.mode[i] = M_DUAL
                    self.amp2[i] = a
                    if 2 * a > 32767.0:
                        self.amp1[i] = self.amp2[i] = 32767.0 / 2
        self.reset()

    def reset(self) -> None:
        """Start again from the first segment, phases at zero."""
        self.seg = 0
        self.pos = 0
        self.ph1 = 0
        self.ph2 = 0
        self.played = 0

    @property
    def done(self) -> bool:
        """True once a non-repeating tone has played all its segments."""
        return self.seg < 0

    @property
    def position(self) -> int:
        """Samples generated since the start (or the last reset)."""
        return self.played

    cdef void _fill(self, int16_t *out, Py_ssize_t n) noexcept nogil:
        cdef Py_ssize_t i = 0, j, m
        cdef int s, md
        cdef uint32_t p1 = self.ph1, p2 = self.ph2, i1, i2
        cdef float a1, a2
        cdef int64_t remain
        while i < n:
            s = self.seg
            if s < 0:
                for j in range(i, n):
                    out[j] = 0
                break
            m = n - i
            if self.dur[s] >= 0:
                remain = self.dur[s] - self.pos
                if remain < m:
                    m = <Py_ssize_t>remain
            md = self.mode[s]
            i1 = self.inc1[s]
            i2 = self.inc2[s]
            a1 = self.amp1[s]
            a2 = self.amp2[s]
            if md == M_SINGLE:
                for j in range(i, i + m):
                    out[j] = <int16_t>lrintf(a1 * _SINE[p1 >> SHIFT])
                    p1 += i1
            elif md == M_DUAL:
                for j in range(i, i + m):
                    out[j] = <int16_t>lrintf(a1 * _SINE[p1 >> SHIFT] + a2 * _SINE[p2 >> SHIFT])
                    p1 += i1
                    p2 += i2
            elif md == M_MOD:
                for j in range(i, i + m):
                    out[j] = <int16_t>lrintf(a1 * _SINE[p1 >> SHIFT] * (1.0 + a2 * _SINE[p2 >> SHIFT]))
                    p1 += i1
                    p2 += i2
            else:
                for j in range(i, i + m):
                    out[j] = 0
            i += m
            self.pos += m
            if self.dur[s] >= 0 and self.pos >= self.dur[s]:
                self.pos = 0
                s += 1
                if s >= self.nseg:
                    s = self.loop_start
                self.seg = s
        self.ph1 = p1
        self.ph2 = p2
        self.played += n

    def read(self, Py_ssize_t n) -> np.ndarray:
        """The next ``n`` samples (int16, 8 kHz)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        cdef cnp.npy_intp dims = n
        cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &dims, cnp.NPY_INT16, 0)
        cdef int16_t *o = <int16_t *>cnp.PyArray_DATA(out)
        if n:
            self._fill(o, n)
        return out

    def read_into(self, int16_t[::1] out) -> None:
        """Fill ``out`` (a writable int16 array) with the next ``len(out)`` samples."""
        if out.shape[0]:
            with nogil:
                self._fill(&out[0], out.shape[0])


def read_many(generators, Py_ssize_t n) -> np.ndarray:
    """Read ``n`` samples from each generator: a (len(generators) x n) int16 array."""
    cdef list gens = list(generators)
    cdef Py_ssize_t c, nch = len(gens)
    out = np.empty((nch, n), np.int16)
    cdef int16_t[:, ::1] o = out
    cdef ToneGenerator g
    if n == 0:
        return out
    for c in range(nch):
        g = <ToneGenerator?>gens[c]
        g._fill(&o[c, 0], n)
    return out


def generate(str tone_name, country="cn", int ms=1000, level_dbm0=None) -> np.ndarray:
    """``ms`` milliseconds of the tone ``tone_name`` of ``country`` (int16, 8 kHz)."""
    return ToneGenerator(tone_name, country, level_dbm0).read(ms * RATE // 1000)
