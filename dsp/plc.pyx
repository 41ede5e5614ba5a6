# cython: language_level=3
"""Packet loss concealment for 8 kHz speech, in the manner of ITU-T G.711 Appendix I.

When a frame is missing, :class:`Plc` fills the gap from the speech that came
before it instead of playing silence (a click and a hole) or repeating the last
frame verbatim (a buzz):

* **Pitch.** At the start of a gap the pitch period of the last good speech is
  estimated from its history (an average-magnitude-difference search over
  40..120 samples = 200..66.7 Hz, on the last 20 ms).
* **Waveform repetition.** The gap is filled by repeating the last pitch period;
  after 10 ms of loss the last two periods, after 20 ms the last three are
  repeated (a longer pattern sounds less buzzy). Each pattern's wrap-round point
  is cross-faded over 1/4 period with the waveform one pattern earlier so that
  the repetition has no seam, and every change of pattern is cross-faded too.
* **No delay.** The pattern starts one period before the gap; during its first
  1/4 period it is offset by the difference between the last real sample and
  the sample before the pattern, that offset fading to zero, so synthesis joins
  the real signal without a step and needs no look-ahead (Appendix I delays the
  output by 3.75 ms for an overlap-add instead).
* **Attenuation.** Full level for the first 10 ms of a gap, then linear
  attenuation by 20 % per 10 ms (0.25 % per sample): after 60 ms the output is
  silence.
* **Recovery.** The first good frame after a gap is overlap-added with the
  continuing synthetic signal over 1/4 period plus 4 ms per further 10 ms of loss
  (at most 10 ms), so speech comes back without a click.

A :class:`Plc` is the state of one channel: feed every good frame through
:meth:`Plc.good` (it keeps the history and smooths the recovery) and ask
:meth:`Plc.conceal` for every missing one. Frames may have any length; the
telephony engine uses 20 ms (160 samples).
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int16_t
from libc.string cimport memmove, memset

from dsp.audio import as_int16

cnp.import_array()

DEF PITCH_MIN = 40           # samples: 200 Hz
DEF PITCH_MAX = 120          # samples: 66.7 Hz
DEF OVERLAP_MAX = 30         # PITCH_MAX / 4
DEF HISTORY = 390            # 3 * PITCH_MAX + OVERLAP_MAX samples (48.75 ms)
DEF CORR_SPAN = 160          # samples compared by the pitch search (20 ms)
DEF FULL_LEVEL = 80          # samples of loss played at full level (10 ms)
DEF ATTEN_STEP = 0.0025      # attenuation per sample after that (20 % per 10 ms)
DEF SILENT_AFTER = 480       # samples of loss after which the output is silence (60 ms)
DEF PERIOD_STEP = 80         # a further pitch period is used every 10 ms of loss
DEF RECOVER_STEP = 32        # samples of extra recovery overlap per 10 ms of loss (4 ms)
DEF RECOVER_MAX = 80         # samples (10 ms)

SILENCE_AFTER_MS = SILENT_AFTER / 8
"""Milliseconds of continuous loss after which concealment is silent."""


cdef inline int16_t _sat(float v) noexcept nogil:
    if v > 32767.0:
        return 32767
    if v < -32768.0:
        return -32768
    if v >= 0.0:
        return <int16_t>(v + 0.5)
    return <int16_t>(v - 0.5)


cdef class Plc:
    """Packet loss concealment state for one 8 kHz channel.

    ``good(samples)`` returns the frame to play for a received frame (a copy,
    int16; only the first samples after a gap differ from the input);
    ``conceal(n)`` returns ``n`` synthetic samples for a missing frame.
    ``missing_samples`` counts the current gap (0 while frames arrive).
    """
    cdef float hist[HISTORY]     # last HISTORY samples played (oldest first)
    cdef float snap[HISTORY]     # history as it was when the current gap began
    cdef float pat[HISTORY]      # the repeating pattern (periods * pitch samples)
    cdef readonly int pitch      # samples, estimated at the start of the gap
    cdef int periods             # pitch periods in the pattern (1..3)
    cdef int plen                # pattern length, samples
    cdef int pos                 # read position in the pattern
    cdef readonly long missing_samples

    def __cinit__(self):
        self.reset()

    def reset(self) -> None:
        """Forget history and any gap (as a new channel)."""
        memset(self.hist, 0, sizeof(self.hist))
        memset(self.snap, 0, sizeof(self.snap))
        memset(self.pat, 0, sizeof(self.pat))
        self.pitch = PITCH_MAX
        self.periods = 1
        self.plen = PITCH_MAX
        self.pos = 0
        self.missing_samples = 0

    @property
    def gain(self) -> float:
        """Level factor (0..1) the concealment applies at the current point of the gap."""
        return self._gain(self.missing_samples)

    @property
    def silent(self) -> bool:
        """True when the current gap is long enough (60 ms) that concealment outputs silence."""
        return self.missing_samples >= SILENT_AFTER

    cdef inline float _gain(self, long missing) noexcept nogil:
        if missing <= FULL_LEVEL:
            return 1.0
        cdef float g = 1.0 - (missing - FULL_LEVEL) * ATTEN_STEP
        return g if g > 0.0 else 0.0

    cdef void _save(self, const int16_t *x, Py_ssize_t n) noexcept nogil:
        cdef Py_ssize_t i
        if n >= HISTORY:
            for i in range(HISTORY):
                self.hist[i] = x[n - HISTORY + i]
            return
        memmove(&self.hist[0], &self.hist[n], (HISTORY - n) * sizeof(float))
        for i in range(n):
            self.hist[HISTORY - n + i] = x[i]

    cdef int _find_pitch(self) noexcept nogil:
        """Average magnitude difference search over the last CORR_SPAN samples."""
        cdef int lag, best = PITCH_MAX, i, start = HISTORY - CORR_SPAN
        cdef float acc, d, best_acc = 1e30
        for lag in range(PITCH_MIN, PITCH_MAX + 1):
            acc = 0.0
            for i in range(start, HISTORY):
                d = self.snap[i] - self.snap[i - lag]
                acc += d if d >= 0.0 else -d
            if acc < best_acc:
                best_acc = acc
                best = lag
        return best

    cdef void _build_pattern(self, int periods) noexcept nogil:
        """The last ``periods`` pitch periods of the snapshot, wrap point cross-faded."""
        cdef int p = self.pitch, n = periods * p, q = p >> 2, i, k
        cdef float w
        if q < 1:
            q = 1
        for i in range(n):
            self.pat[i] = self.snap[HISTORY - n + i]
        # the last q samples of the pattern fade into the samples one pattern earlier,
        # which flow naturally into the pattern's first sample
        for k in range(q):
            i = n - q + k
            w = (k + 1.0) / (q + 1.0)
            self.pat[i] = self.snap[HISTORY - n + i] * (1.0 - w) + self.snap[HISTORY - 2 * n + i] * w
        self.periods = periods
        self.plen = n

    cdef void _fill(self, int16_t *out, Py_ssize_t n) noexcept nogil:
        cdef Py_ssize_t i = 0, j
        cdef int q, want, oldpos, oldlen
        cdef float w, g, oldv
        cdef float old_pat[HISTORY]
        if self.missing_samples == 0:
            memmove(&self.snap[0], &self.hist[0], sizeof(self.hist))
            self.pitch = self._find_pitch()
            self._build_pattern(1)
            # the pattern starts one period back; move it so that it continues exactly
            # from the last real sample, the offset fading out over 1/4 period
            q = self.pitch >> 2
            oldv = self.hist[HISTORY - 1] - self.snap[HISTORY - self.pitch - 1]
            while i < q and i < n:
                w = (i + 1.0) / (q + 1.0)
                out[i] = _sat(self.pat[i] + oldv * (1.0 - w))
                i += 1
            self.pos = <int>i
            self.missing_samples = i
        while i < n:
            if self.missing_samples >= SILENT_AFTER:
                out[i] = 0
                i += 1
                self.missing_samples += 1
                continue
            want = 1 + <int>(self.missing_samples // PERIOD_STEP)
            if want > 3:
                want = 3
            if want != self.periods:
                # switch to a longer pattern, cross-fading over 1/4 period
                oldlen = self.plen
                oldpos = self.pos
                for j in range(oldlen):
                    old_pat[j] = self.pat[j]
                self._build_pattern(want)
                self.pos = oldpos % self.plen
                q = self.pitch >> 2
                for j in range(q):
                    if i >= n:
                        break
                    w = (j + 1.0) / (q + 1.0)
                    g = self._gain(self.missing_samples)
                    oldv = old_pat[oldpos]
                    oldpos += 1
                    if oldpos >= oldlen:
                        oldpos = 0
                    out[i] = _sat((oldv * (1.0 - w) + self.pat[self.pos] * w) * g)
                    self.pos += 1
                    if self.pos >= self.plen:
                        self.pos = 0
                    self.missing_samples += 1
                    i += 1
                continue
            g = self._gain(self.missing_samples)
            out[i] = _sat(self.pat[self.pos] * g)
            self.pos += 1
            if self.pos >= self.plen:
                self.pos = 0
            self.missing_samples += 1
            i += 1

    def conceal(self, Py_ssize_t n=160) -> np.ndarray:
        """Synthesise ``n`` samples (int16) for a missing frame; silence after 60 ms of loss."""
        if n < 0:
            raise ValueError(f"conceal: frame length must be >= 0 samples, not {n}")
        cdef cnp.ndarray out = np.empty(n, dtype=np.int16)
        cdef int16_t *o = <int16_t *>cnp.PyArray_DATA(out)
        with nogil:
            self._fill(o, n)
            self._save(o, n)
        return out

    def good(self, samples) -> np.ndarray:
        """Return the frame to play for received ``samples`` (int16), smoothing the end of a gap."""
        cdef cnp.ndarray src = as_int16(samples)
        cdef Py_ssize_t n = cnp.PyArray_SIZE(src), i, ov
        cdef cnp.ndarray out = np.array(src, dtype=np.int16, copy=True)
        cdef int16_t *o = <int16_t *>cnp.PyArray_DATA(out)
        cdef float w, g
        cdef long extra
        with nogil:
            if self.missing_samples > 0:
                extra = (self.missing_samples - 1) // PERIOD_STEP
                ov = (self.pitch >> 2) + RECOVER_STEP * extra
                if ov > RECOVER_MAX:
                    ov = RECOVER_MAX
                if ov > n:
                    ov = n
                for i in range(ov):
                    w = (i + 1.0) / (ov + 1.0)
                    g = self._gain(self.missing_samples)
                    o[i] = _sat(self.pat[self.pos] * g * (1.0 - w) + o[i] * w)
                    self.pos += 1
                    if self.pos >= self.plen:
                        self.pos = 0
                    self.missing_samples += 1
                self.missing_samples = 0
            self._save(o, n)
        return out
