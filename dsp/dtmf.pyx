# cython: language_level=3
"""DTMF (touch-tone) generation and detection, ITU-T Q.24 / Bellcore conformant.

Detector design
---------------
Audio is cut into *hops* of 64 samples (8 ms) on the absolute sample grid, so the
result never depends on how the caller blocks the audio.  Every hop closes one
*analysis window* of 128 samples (16 ms, the last two hops), Hann weighted, on
which the complex DFT at the 8 DTMF frequencies is taken (16 float32 dot
products; an AVX-512/AVX2 kernel when the CPU has it).  Per window:

* the strongest low-group and high-group bins are the candidate pair;
* **level**: each component must be at least ``min_level_dbm0`` (default -42 dBm0);
* **energy fraction** (loose): the two tones carry at least 60 % of the
  window's signal power;
* **steadiness**: each of the four 32-sample (4 ms) sub-blocks of the window must
  hold at least half of the tone power.  A window is only "valid" when the tone
  fills it (up to ~16 samples at each edge); this is what makes the duration
  and gap measurements exact to a few ms in spite of the 16 ms window.

Two consecutive valid windows for the same pair form a *hit*: the phase advance
of each component's DFT between the two windows (64 samples apart) gives its
frequency offset directly, independent of level (unambiguous to +-62.5 Hz); a
hit needs both offsets within +-3 %.  Two consecutive hits (three consecutive
valid windows, 32 ms of audio) confirm a digit, judged over the whole span:

* **frequency accuracy**: the mean of the two phase-advance estimates (the phase
  advance over 128 samples) must be within ``freq_tolerance`` (default +-2.0 %)
  for both components: Q.24 wants +-1.5 % accepted and +-3.5 % rejected; 2.0 %
  leaves 0.5 % for noise (the estimate's spread at 15 dB SNR) and keeps sung
  octaves (f, 2f near 852/1633 Hz need 4.3 % between them) out.  The two
  estimates must also agree within 1.5 % (a steady generator, not a glide).
  Offsets that alias beyond +-62.5 Hz are far down the Hann main lobe and fail
  the twist/fraction checks.
* **twist**: powers are corrected for the Hann scalloping at the measured
  offset and summed over the three windows; high/low must lie within
  ``-max_normal_twist_db`` .. ``+max_reverse_twist_db`` (defaults 8.8 / 4.8 dB:
  accepts up to and including 8 dB normal twist (low group louder, as line loss
  leaves it) and 4 dB reverse twist (high group louder), rejects from 9 dB
  normal / 5 dB reverse; tested with random phases).  The convention is
  Bellcore's, spandsp's and Asterisk's.
* **energy fraction** (strict): the corrected tone powers must be at least 90 %
  of the signal power over the span (a DTMF pair in 15 dB SNR white noise gives
  ~97 %; speech and harmonic-rich music give less).  This and the 2 % frequency
  window are the talk-off guards.

A confirmed digit is reported at once (the tone must fill about 224 samples =
28 ms, so 40 ms tones are always accepted and 20 ms tones never); it ends
after five consecutive windows that do not show it (an interruption of about
25 ms): gaps of 10 ms are bridged, pauses of 40 ms always separate digits.  A
different digit confirmed while one is held replaces it directly.  Start/end
sample indices are estimated to about +-6 ms (RFC 4733 events).

Speed: ~2 cycles per sample for the DFT kernel; the rest (int16 -> float, per
window decisions) is scalar C.  No Python objects below ``process``.

Generator
---------
``DtmfGenerator`` produces phase-continuous sines (eight-lane recursive
oscillators in float64, renormalised every call)
with the low tone at ``level_dbm0`` and the high tone at ``level_dbm0 + twist_db``
(as spandsp's ``dtmf_tx_set_level``), saturated to int16.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport sin, cos, atan2, fabs, sqrt, M_PI
from libc.string cimport memcpy, memset
from libc.stdlib cimport malloc, calloc, free
from libc.stdint cimport int16_t, int64_t

from dsp.audio import as_int16
from dsp.levels import sine_amplitude, rms_for_dbm0

cnp.import_array()

cdef extern from *:
    """
    #if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    #define HOTLINE_DTMF_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
    #else
    #define HOTLINE_DTMF_CLONES
    #endif
    /* 16 dot products (re/im of 8 DFT bins) of a 128-sample float window against
       a table laid out [n][16]: 4 independent accumulators, vectorised across the
       16 outputs (one AVX-512 register, two AVX2 registers). */
    HOTLINE_DTMF_CLONES
    void hotline_dtmf_dft16(const float *restrict x, const float *restrict tab,
                            float *restrict out)
    {
        float a0[16], a1[16], a2[16], a3[16];
        int k, n;
        for (k = 0; k < 16; k++) { a0[k] = 0.f; a1[k] = 0.f; a2[k] = 0.f; a3[k] = 0.f; }
        for (n = 0; n < 128; n += 4) {
            const float *t = tab + n * 16;
            const float x0 = x[n], x1 = x[n + 1], x2 = x[n + 2], x3 = x[n + 3];
            for (k = 0; k < 16; k++) {
                a0[k] += t[k] * x0;
                a1[k] += t[16 + k] * x1;
                a2[k] += t[32 + k] * x2;
                a3[k] += t[48 + k] * x3;
            }
        }
        for (k = 0; k < 16; k++) out[k] = (a0[k] + a1[k]) + (a2[k] + a3[k]);
    }
    /* int16 -> float copy and sum of squares of two 32-sample halves of a hop. */
    HOTLINE_DTMF_CLONES
    void hotline_dtmf_energy2(const float *restrict x, float *restrict e)
    {
        float s0 = 0.f, s1 = 0.f;
        int n;
        for (n = 0; n < 32; n++) s0 += x[n] * x[n];
        for (n = 32; n < 64; n++) s1 += x[n] * x[n];
        e[0] = s0; e[1] = s1;
    }
    """
    void hotline_dtmf_dft16(const float *x, const float *tab, float *out) noexcept nogil
    void hotline_dtmf_energy2(const float *x, float *e) noexcept nogil

DEF HOP = 64
DEF WIN = 128
DEF SUB = 32
DEF MAX_EVENTS = 160
DEF CHUNK = 4096
DEF FS = 8000
DEF LOOSE_TOL = 0.03

RATE = FS
"""Sample rate (Hz); the only one supported."""

LOW_FREQS = (697.0, 770.0, 852.0, 941.0)
HIGH_FREQS = (1209.0, 1336.0, 1477.0, 1633.0)
DIGITS = "123A456B789C*0#D"
"""Digit of (row, column): DIGITS[4 * row + column]."""

HOP_SAMPLES = HOP
WINDOW_SAMPLES = WIN

# ---- detector states (one transition function: _window_step) ----
DEF ST_IDLE = 0
DEF ST_ON = 1

DEF EV_START = 1
DEF EV_END = 2

cdef float _TAB[WIN * 16]          # [n][k]: k = 2*bin (re), 2*bin+1 (im)
cdef double _ROT_RE[8]             # e^{-j w HOP}
cdef double _ROT_IM[8]
cdef double _FREQ[8]
cdef double _NORM                  # |X|^2 -> mean-square power of the component
cdef char _DIGIT_CHARS[16]


cdef void _init_tables():
    global _NORM
    cdef int n, k
    cdef double w, sw = 0.0, om
    freqs = LOW_FREQS + HIGH_FREQS
    for k in range(8):
        _FREQ[k] = freqs[k]
        om = 2.0 * M_PI * _FREQ[k] / RATE
        _ROT_RE[k] = cos(om * HOP)
        _ROT_IM[k] = -sin(om * HOP)
    for n in range(WIN):
        w = 0.5 - 0.5 * cos(2.0 * M_PI * (n + 0.5) / WIN)
        sw += w
        for k in range(8):
            om = 2.0 * M_PI * _FREQ[k] / RATE
            _TAB[n * 16 + 2 * k] = <float>(w * cos(om * n))
            _TAB[n * 16 + 2 * k + 1] = <float>(-w * sin(om * n))
    _NORM = 2.0 / (sw * sw)
    for k in range(16):
        _DIGIT_CHARS[k] = ord(DIGITS[k])


_init_tables()


cdef struct Params:
    double min_power          # per component, mean square (linear^2)
    double fraction           # tone power / window power (window check, raw powers)
    double hit_fraction       # same over a hit, scalloping-corrected, averaged
    double stability          # max change of the relative offset between hits
    double steady             # sub-block mean square / tone power
    double freq_tol           # relative
    double twist_max          # high/low power ratio, upper
    double twist_min          # lower
    int end_misses            # windows without the digit that end it


cdef struct Event:
    int digit                 # 0..15
    int kind                  # EV_START / EV_END
    int64_t index             # absolute sample index


cdef struct DState:
    float buf[WIN]            # [0:HOP) previous hop, [HOP:WIN) hop being filled
    int fill
    int64_t pos               # absolute index of the next sample
    float e_prev[2]           # sub-block sums of squares of the previous hop
    int prev_digit            # valid pair of the previous window, or -1
    float prev_x[4]           # re/im of its low and high bins
    float prev_p[2]           # powers of its low and high bins
    float prev_etot           # its mean-square power
    int hit_digit             # pair of the previous window's hit, or -1
    float hit_v[5]            # its rel. offsets (low, high), corrected powers, window power
    int state
    int digit                 # held digit (ST_ON) or -1
    int misses                # consecutive windows not showing the held digit
    int64_t last_end          # end of the last window showing the held digit
    int nev
    Event ev[MAX_EVENTS]


cdef inline double _hann_gain(double bins) noexcept nogil:
    """Amplitude response of the (normalised) Hann window ``bins`` bins off centre."""
    cdef double x
    if fabs(bins) < 1e-6:
        return 1.0
    if fabs(fabs(bins) - 1.0) < 1e-6:
        return 0.5
    x = M_PI * bins
    return (sin(x) / x) / (1.0 - bins * bins)


cdef inline void _emit(DState *s, int digit, int kind, int64_t index) noexcept nogil:
    if s.nev < MAX_EVENTS:
        s.ev[s.nev].digit = digit
        s.ev[s.nev].kind = kind
        s.ev[s.nev].index = index
        s.nev += 1


cdef void _state_reset(DState *s) noexcept nogil:
    memset(s, 0, sizeof(DState))
    s.prev_digit = -1
    s.state = ST_IDLE
    s.digit = -1
    s.hit_digit = -1


cdef inline void _window_step(DState *s, int valid, int hit, int64_t wstart,
                              int end_misses) noexcept nogil:
    """The state machine: one transition per analysis window.

    ``valid``: pair shown by this window (or -1); ``hit``: pair confirmed by this
    and the two previous windows (or -1); ``wstart``: absolute index of the
    window's first sample.
    """
    if s.state == ST_IDLE:
        if hit >= 0:
            s.state = ST_ON
            s.digit = hit
            s.misses = 0
            s.last_end = wstart + WIN
            _emit(s, s.digit, EV_START, wstart - 2 * HOP - 16)
        return
    # ST_ON
    if valid == s.digit:
        s.misses = 0
        s.last_end = wstart + WIN
    elif hit >= 0:
        # another digit confirmed without a pause between: end the held one
        _emit(s, s.digit, EV_END, s.last_end + 16)
        s.digit = hit
        s.misses = 0
        s.last_end = wstart + WIN
        _emit(s, s.digit, EV_START, wstart - 2 * HOP - 16)
    else:
        s.misses += 1
        if s.misses >= end_misses:
            _emit(s, s.digit, EV_END, s.last_end + 16)
            s.state = ST_IDLE
            s.digit = -1


cdef void _analyse(DState *s, const Params *p) noexcept nogil:
    """Analyse the window that the hop just completed and step the state machine."""
    cdef float out[16]
    cdef float e[2]
    cdef double pw[8]
    cdef int k, r, c, valid = -1, hit = -1
    cdef double pr, pc, pt, emin, etot, a, b, dr, dc, gr, gc, tw
    cdef double xr_re, xr_im, xc_re, xc_im, q_re, q_im, etot2, pa, pb
    cdef int64_t wstart = s.pos - WIN

    hotline_dtmf_energy2(s.buf + HOP, e)
    hotline_dtmf_dft16(s.buf, _TAB, out)
    for k in range(8):
        pw[k] = _NORM * (<double>out[2 * k] * out[2 * k] + <double>out[2 * k + 1] * out[2 * k + 1])
    r = 0
    for k in range(1, 4):
        if pw[k] > pw[r]:
            r = k
    c = 4
    for k in range(5, 8):
        if pw[k] > pw[c]:
            c = k
    pr = pw[r]
    pc = pw[c]
    pt = pr + pc
    etot = (<double>s.e_prev[0] + s.e_prev[1] + e[0] + e[1]) / WIN
    emin = s.e_prev[0]
    if s.e_prev[1] < emin:
        emin = s.e_prev[1]
    if e[0] < emin:
        emin = e[0]
    if e[1] < emin:
        emin = e[1]
    emin /= SUB
    if (pr >= p.min_power and pc >= p.min_power and pt >= p.fraction * etot
            and emin >= p.steady * pt
            and pc <= 4.0 * p.twist_max * pr and pc * 4.0 >= p.twist_min * pr):
        valid = 4 * r + (c - 4)
    if valid >= 0 and valid == s.prev_digit:
        # frequency offsets from the phase advance between the two windows
        xr_re = out[2 * r]
        xr_im = out[2 * r + 1]
        q_re = xr_re * s.prev_x[0] + xr_im * s.prev_x[1]      # X * conj(Xprev)
        q_im = xr_im * s.prev_x[0] - xr_re * s.prev_x[1]
        a = q_re * _ROT_RE[r] - q_im * _ROT_IM[r]
        b = q_re * _ROT_IM[r] + q_im * _ROT_RE[r]
        dr = atan2(b, a) * FS / (2.0 * M_PI * HOP)            # Hz
        xc_re = out[2 * c]
        xc_im = out[2 * c + 1]
        q_re = xc_re * s.prev_x[2] + xc_im * s.prev_x[3]
        q_im = xc_im * s.prev_x[2] - xc_re * s.prev_x[3]
        a = q_re * _ROT_RE[c] - q_im * _ROT_IM[c]
        b = q_re * _ROT_IM[c] + q_im * _ROT_RE[c]
        dc = atan2(b, a) * FS / (2.0 * M_PI * HOP)
        if fabs(dr) <= LOOSE_TOL * _FREQ[r] and fabs(dc) <= LOOSE_TOL * _FREQ[c]:
            # powers corrected for the Hann scalloping at the measured offsets
            gr = _hann_gain(dr * WIN / FS)
            gc = _hann_gain(dc * WIN / FS)
            a = (pr + s.prev_p[0]) / (gr * gr)
            b = (pc + s.prev_p[1]) / (gc * gc)
            dr /= _FREQ[r]
            dc /= _FREQ[c]
            etot2 = etot + s.prev_etot
            if s.hit_digit == valid:
                # a confirmed detection: judge the pair of hits (three windows) together;
                # the mean of the two phase-advance estimates is the estimate over two hops
                pa = a + s.hit_v[2]
                pb = b + s.hit_v[3]
                tw = pb / pa
                if (fabs(dr + s.hit_v[0]) <= 2.0 * p.freq_tol
                        and fabs(dc + s.hit_v[1]) <= 2.0 * p.freq_tol
                        and p.twist_min <= tw <= p.twist_max
                        and pa + pb >= p.hit_fraction * (etot2 + s.hit_v[4])
                        and fabs(dr - s.hit_v[0]) <= p.stability
                        and fabs(dc - s.hit_v[1]) <= p.stability):
                    hit = valid
            s.hit_digit = valid
            s.hit_v[0] = <float>dr
            s.hit_v[1] = <float>dc
            s.hit_v[2] = <float>a
            s.hit_v[3] = <float>b
            s.hit_v[4] = <float>etot2
        else:
            s.hit_digit = -1
    else:
        s.hit_digit = -1
    s.prev_digit = valid
    if valid >= 0:
        s.prev_x[0] = out[2 * r]
        s.prev_x[1] = out[2 * r + 1]
        s.prev_x[2] = out[2 * c]
        s.prev_x[3] = out[2 * c + 1]
        s.prev_p[0] = <float>pr
        s.prev_p[1] = <float>pc
        s.prev_etot = <float>etot
    s.e_prev[0] = e[0]
    s.e_prev[1] = e[1]
    _window_step(s, valid, hit, wstart, p.end_misses)


cdef void _feed(DState *s, const Params *p, const int16_t *x, Py_ssize_t n) noexcept nogil:
    """Push ``n`` samples through the detector (events accumulate in ``s.ev``)."""
    cdef Py_ssize_t i = 0, take, j
    cdef float *dst
    while i < n:
        take = HOP - s.fill
        if take > n - i:
            take = n - i
        dst = s.buf + HOP + s.fill
        for j in range(take):
            dst[j] = x[i + j]
        s.fill += <int>take
        s.pos += take
        i += take
        if s.fill == HOP:
            _analyse(s, p)
            memcpy(s.buf, s.buf + HOP, HOP * sizeof(float))
            s.fill = 0


cdef int _set_params(Params *p, double min_level_dbm0, double max_normal_twist_db,
                     double max_reverse_twist_db, double freq_tolerance, double fraction=0.6,
                     double hit_fraction=0.9, double stability=0.015) except -1:
    if not (0.0 < freq_tolerance < 0.05):
        raise ValueError("freq_tolerance must be in (0, 0.05)")
    if max_normal_twist_db < 0 or max_reverse_twist_db < 0:
        raise ValueError("twist limits are positive dB values")
    p.min_power = rms_for_dbm0(min_level_dbm0) ** 2
    p.fraction = fraction
    p.hit_fraction = hit_fraction
    p.stability = stability
    p.steady = 0.5
    p.freq_tol = freq_tolerance
    # tw = high/low power.  Normal twist = low group louder (what line loss does to
    # the high group), reverse twist = high group louder (Bellcore, spandsp, Asterisk).
    p.twist_max = 10.0 ** (max_reverse_twist_db / 10.0)
    p.twist_min = 10.0 ** (-max_normal_twist_db / 10.0)
    p.end_misses = 5
    return 0


cdef inline cnp.ndarray _as_array(object samples):
    """``samples`` as a C-contiguous int16 array (numpy fast path without copies)."""
    if (type(samples) is np.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>samples) == cnp.NPY_INT16
            and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>samples)):
        return <cnp.ndarray>samples
    return as_int16(samples)


_KIND = {EV_START: "start", EV_END: "end"}


cdef class DtmfDetector:
    """Streaming DTMF receiver for one channel (8 kHz int16).

    ``process(samples)`` returns the digits whose detection completed in this
    block (each key press once); ``process_events(samples)`` returns
    ``(digit, 'start'|'end', absolute_sample_index)`` tuples instead (the start
    is reported when the digit is recognised, with its estimated onset index).

    Knobs (keyword-only): ``min_level_dbm0`` per component (default -42),
    ``max_normal_twist_db`` (8.8), ``max_reverse_twist_db`` (4.8),
    ``freq_tolerance`` (0.02 = +-2.0 %).  The ``_``-prefixed ones are for
    experiments only.
    """
    cdef DState *s
    cdef Params p

    def __cinit__(self, int sample_rate=8000, *, double min_level_dbm0=-42.0,
                  double max_normal_twist_db=8.8, double max_reverse_twist_db=4.8,
                  double freq_tolerance=0.02, double _fraction=0.6, double _hit_fraction=0.9,
                  double _stability=0.015):
        if sample_rate != RATE:
            raise ValueError(f"DtmfDetector supports only {RATE} Hz audio, not {sample_rate}")
        _set_params(&self.p, min_level_dbm0, max_normal_twist_db, max_reverse_twist_db,
                    freq_tolerance, _fraction, _hit_fraction, _stability)
        self.s = <DState *>malloc(sizeof(DState))
        if self.s == NULL:
            raise MemoryError()
        _state_reset(self.s)

    def __dealloc__(self):
        free(self.s)

    def reset(self) -> None:
        """Forget all state (as a new detector; sample indices restart at 0)."""
        _state_reset(self.s)

    @property
    def current(self) -> str:
        """Digit being held now, or ''."""
        if self.s.state == ST_ON:
            return DIGITS[self.s.digit]
        return ""

    @property
    def position(self) -> int:
        """Absolute index of the next sample to be processed."""
        return self.s.pos

    def process(self, samples) -> list:
        """Feed int16 samples (numpy or bytes); return digits recognised in this block."""
        return self._run(samples, False)

    def process_events(self, samples) -> list:
        """Feed samples; return ``[(digit, 'start'|'end', sample_index), ...]`` for this block."""
        return self._run(samples, True)

    cdef list _run(self, samples, bint events):
        cdef cnp.ndarray arr = _as_array(samples)
        cdef Py_ssize_t n = cnp.PyArray_SIZE(arr), i, m
        cdef const int16_t *x = <const int16_t *>cnp.PyArray_DATA(arr)
        cdef list out = []
        cdef int k
        i = 0
        while True:
            m = n - i if n - i < CHUNK else CHUNK
            with nogil:
                self.s.nev = 0
                _feed(self.s, &self.p, x + i, m)
            for k in range(self.s.nev):
                if events:
                    out.append((DIGITS[self.s.ev[k].digit], _KIND[self.s.ev[k].kind],
                                self.s.ev[k].index))
                elif self.s.ev[k].kind == EV_START:
                    out.append(DIGITS[self.s.ev[k].digit])
            i += m
            if i >= n:
                break
        return out


cdef class DtmfDetectorBank:
    """DTMF receivers for ``channels`` channels, fed one (channels x n) int16 block per call.

    ``process(block2d)`` returns one list of digits per channel (as
    ``DtmfDetector.process``); ``process_events`` likewise per channel.
    Same knobs as :class:`DtmfDetector`.
    """
    cdef DState *s
    cdef Params p
    cdef readonly int channels

    def __cinit__(self, int channels, int sample_rate=8000, *, double min_level_dbm0=-42.0,
                  double max_normal_twist_db=8.8, double max_reverse_twist_db=4.8,
                  double freq_tolerance=0.02):
        cdef int c
        if sample_rate != RATE:
            raise ValueError(f"DtmfDetectorBank supports only {RATE} Hz audio, not {sample_rate}")
        if channels < 1:
            raise ValueError("channels must be >= 1")
        _set_params(&self.p, min_level_dbm0, max_normal_twist_db, max_reverse_twist_db,
                     freq_tolerance)
        self.channels = channels
        self.s = <DState *>malloc(sizeof(DState) * channels)
        if self.s == NULL:
            raise MemoryError()
        for c in range(channels):
            _state_reset(&self.s[c])

    def __dealloc__(self):
        free(self.s)

    def reset(self, channel: int | None = None) -> None:
        """Reset one channel, or all of them."""
        cdef int c
        if channel is None:
            for c in range(self.channels):
                _state_reset(&self.s[c])
        else:
            if not 0 <= channel < self.channels:
                raise IndexError("channel out of range")
            _state_reset(&self.s[<int>channel])

    def current(self, int channel) -> str:
        """Digit held now on ``channel``, or ''."""
        if not 0 <= channel < self.channels:
            raise IndexError("channel out of range")
        if self.s[channel].state == ST_ON:
            return DIGITS[self.s[channel].digit]
        return ""

    cdef list _run(self, object block2d, bint events):
        cdef cnp.ndarray arr
        if (type(block2d) is np.ndarray and cnp.PyArray_TYPE(block2d) == cnp.NPY_INT16
                and cnp.PyArray_IS_C_CONTIGUOUS(block2d)):
            arr = block2d
        else:
            arr = np.ascontiguousarray(block2d, dtype=np.int16)
        if arr.ndim != 2 or arr.shape[0] != self.channels:
            raise ValueError(f"expected a ({self.channels} x n) array, got shape {np.shape(block2d)}")
        cdef Py_ssize_t n = arr.shape[1], i, m
        cdef const int16_t *x = <const int16_t *>cnp.PyArray_DATA(arr)
        cdef int c, k, any_ev
        cdef list out = [[] for _ in range(self.channels)]
        cdef list lst
        i = 0
        while True:
            m = n - i if n - i < CHUNK else CHUNK
            any_ev = 0
            with nogil:
                for c in range(self.channels):
                    self.s[c].nev = 0
                    _feed(&self.s[c], &self.p, x + c * n + i, m)
                    any_ev |= self.s[c].nev
            if any_ev:
                for c in range(self.channels):
                    if self.s[c].nev:
                        lst = out[c]
                        for k in range(self.s[c].nev):
                            if events:
                                lst.append((DIGITS[self.s[c].ev[k].digit],
                                            _KIND[self.s[c].ev[k].kind], self.s[c].ev[k].index))
                            elif self.s[c].ev[k].kind == EV_START:
                                lst.append(DIGITS[self.s[c].ev[k].digit])
            i += m
            if i >= n:
                break
        return out

    def process(self, block2d) -> list:
        """Feed a (channels x n) int16 block; return a list (per channel) of digit lists."""
        return self._run(block2d, False)

    def process_events(self, block2d) -> list:
        """Like ``process`` but with ``(digit, 'start'|'end', index)`` tuples per channel."""
        return self._run(block2d, True)


# ----------------------------------------------------------------------------- generator

PAUSE_MS = 500

cdef struct Osc:
    double zr, zi             # e^{j phase} now
    double r1r, r1i           # e^{j w}
    double r8r, r8i           # e^{j 8w}


cdef void _tone_block(int16_t *o, int n, double al, double ah, Osc *lo, Osc *hi) noexcept nogil:
    """``n`` samples of al*sin(low phase) + ah*sin(high phase), saturated to int16.

    Eight phase-staggered recursive oscillators per tone (each rotated by 8 steps),
    so the loop vectorises; the oscillators advance by ``n`` samples.
    """
    cdef double zlr[8]
    cdef double zli[8]
    cdef double zhr[8]
    cdef double zhi[8]
    cdef double v[8]
    cdef double t, g
    cdef int l, j = 0, m
    # renormalise (no amplitude drift over long tones)
    g = 1.0 / sqrt(lo.zr * lo.zr + lo.zi * lo.zi)
    zlr[0] = lo.zr * g
    zli[0] = lo.zi * g
    g = 1.0 / sqrt(hi.zr * hi.zr + hi.zi * hi.zi)
    zhr[0] = hi.zr * g
    zhi[0] = hi.zi * g
    for l in range(1, 8):
        zlr[l] = zlr[l - 1] * lo.r1r - zli[l - 1] * lo.r1i
        zli[l] = zlr[l - 1] * lo.r1i + zli[l - 1] * lo.r1r
        zhr[l] = zhr[l - 1] * hi.r1r - zhi[l - 1] * hi.r1i
        zhi[l] = zhr[l - 1] * hi.r1i + zhi[l - 1] * hi.r1r
    while True:
        for l in range(8):
            t = al * zli[l] + ah * zhi[l]
            if t > 32767.0:
                t = 32767.0
            elif t < -32768.0:
                t = -32768.0
            v[l] = t
        m = n - j if n - j < 8 else 8
        for l in range(m):
            o[j + l] = <int16_t>(v[l] + 0.5 if v[l] >= 0 else v[l] - 0.5)
        if m < 8:
            # oscillator state after n samples is lane m of this group
            lo.zr, lo.zi, hi.zr, hi.zi = zlr[m], zli[m], zhr[m], zhi[m]
            return
        for l in range(8):
            t = zlr[l] * lo.r8r - zli[l] * lo.r8i
            zli[l] = zlr[l] * lo.r8i + zli[l] * lo.r8r
            zlr[l] = t
            t = zhr[l] * hi.r8r - zhi[l] * hi.r8i
            zhi[l] = zhr[l] * hi.r8i + zhi[l] * hi.r8r
            zhr[l] = t
        j += 8
        if j == n:
            lo.zr, lo.zi, hi.zr, hi.zi = zlr[0], zli[0], zhr[0], zhi[0]
            return


def _digit_freqs(digit: str) -> tuple:
    i = DIGITS.find(digit.upper()) if len(digit) == 1 else -1
    if i < 0:
        raise ValueError(f"not a DTMF digit: {digit!r}")
    return LOW_FREQS[i // 4], HIGH_FREQS[i % 4]


def dtmf_tone(digit: str, duration_ms: float, level_dbm0: float = -10.0, twist_db: float = 0.0,
              low_dev: float = 0.0, high_dev: float = 0.0, low_phase: float = 0.0,
              high_phase: float = 0.0) -> np.ndarray:
    """One DTMF tone of ``duration_ms`` ms as int16 (8 kHz), for tests.

    Low component at ``level_dbm0`` dBm0, high at ``level_dbm0 + twist_db``;
    ``low_dev``/``high_dev`` are relative frequency deviations (0.015 = +1.5 %);
    phases in radians.  Saturates to int16.
    """
    fl, fh = _digit_freqs(digit)
    n = int(round(duration_ms * RATE / 1000.0))
    t = np.arange(n, dtype=np.float64)
    al = sine_amplitude(level_dbm0)
    ah = sine_amplitude(level_dbm0 + twist_db)
    x = (al * np.sin(2 * np.pi * fl * (1 + low_dev) * t / RATE + low_phase)
         + ah * np.sin(2 * np.pi * fh * (1 + high_dev) * t / RATE + high_phase))
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


cdef void _osc_init(Osc *o, double w) noexcept nogil:
    o.zr = 1.0
    o.zi = 0.0
    o.r1r = cos(w)
    o.r1i = sin(w)
    o.r8r = cos(8 * w)
    o.r8i = sin(8 * w)


cdef class DtmfGenerator:
    """DTMF dialler: ``generate(digits)`` at once, or ``send(digits)`` + ``read(n)`` streaming.

    Each digit is ``on_ms`` of tone then ``off_ms`` of silence; ',' is a 500 ms
    pause; spaces and '-' are ignored.  Low tone at ``level_dbm0`` dBm0, high tone
    at ``level_dbm0 + twist_db`` (twist_db > 0: high group louder = reverse twist; < 0 = normal twist).
    """
    cdef double amp_low, amp_high
    cdef int on_samples, off_samples
    cdef object queue                # str of pending digits
    cdef int seg_left                # samples left in the current segment
    cdef int in_tone                 # 1 tone, 0 silence
    cdef Osc osc_low, osc_high
    cdef readonly double level_dbm0, twist_db
    cdef readonly int on_ms, off_ms

    def __init__(self, level_dbm0: float = -10.0, twist_db: float = 0.0, on_ms: int = 80,
                 off_ms: int = 80):
        if on_ms <= 0 or off_ms < 0:
            raise ValueError("on_ms must be > 0 and off_ms >= 0")
        self.level_dbm0 = level_dbm0
        self.twist_db = twist_db
        self.on_ms = on_ms
        self.off_ms = off_ms
        self.amp_low = sine_amplitude(level_dbm0)
        self.amp_high = sine_amplitude(level_dbm0 + twist_db)
        self.on_samples = on_ms * RATE // 1000
        self.off_samples = off_ms * RATE // 1000
        self.queue = ""
        self.seg_left = 0
        self.in_tone = 0

    @property
    def busy(self) -> bool:
        """True while digits (or their trailing silence) remain to be read."""
        return self.seg_left > 0 or len(self.queue) > 0

    def send(self, digits: str) -> None:
        """Queue ``digits`` (0-9 * # A-D, ',' = 500 ms pause) for ``read``."""
        clean = "".join(ch for ch in digits.upper() if ch not in " -")
        for ch in clean:
            if ch != "," and ch not in DIGITS:
                raise ValueError(f"not a DTMF digit: {ch!r}")
        self.queue += clean

    def clear(self) -> None:
        """Drop queued digits and stop the current one."""
        self.queue = ""
        self.seg_left = 0
        self.in_tone = 0

    cdef void _next_segment(self):
        cdef double wl, wh
        if self.in_tone:
            self.in_tone = 0
            self.seg_left = self.off_samples
            return
        if not self.queue:
            return
        ch = self.queue[0]
        self.queue = self.queue[1:]
        if ch == ",":
            self.in_tone = 0
            self.seg_left = PAUSE_MS * RATE // 1000
            return
        fl, fh = _digit_freqs(ch)
        wl = 2.0 * M_PI * fl / RATE
        wh = 2.0 * M_PI * fh / RATE
        _osc_init(&self.osc_low, wl)
        _osc_init(&self.osc_high, wh)
        self.in_tone = 1
        self.seg_left = self.on_samples

    def read(self, int n) -> np.ndarray:
        """The next ``n`` samples (int16); silence when idle."""
        cdef cnp.npy_intp dims = n if n > 0 else 0
        cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &dims, cnp.NPY_INT16, 0)
        cdef int16_t *o = <int16_t *>cnp.PyArray_DATA(out)
        cdef int i = 0, take
        cdef double al = self.amp_low, ah = self.amp_high
        while i < n:
            if self.seg_left == 0:
                self._next_segment()
                if self.seg_left == 0:
                    memset(o + i, 0, (n - i) * sizeof(int16_t))
                    break
            take = self.seg_left if self.seg_left < n - i else n - i
            if self.in_tone:
                with nogil:
                    _tone_block(o + i, take, al, ah, &self.osc_low, &self.osc_high)
            else:
                memset(o + i, 0, take * sizeof(int16_t))
            i += take
            self.seg_left -= take
        return out

    def generate(self, digits: str) -> np.ndarray:
        """All of ``digits`` as int16: each digit on_ms tone + off_ms silence (',' = 500 ms)."""
        cdef DtmfGenerator g = DtmfGenerator(self.level_dbm0, self.twist_db, self.on_ms,
                                             self.off_ms)
        cdef int total = 0
        g.send(digits)
        for ch in g.queue:
            total += PAUSE_MS * RATE // 1000 if ch == "," else g.on_samples + g.off_samples
        return g.read(total)
