# cython: language_level=3
"""Line echo canceller for analog (FXS/FXO hybrid) and E1 legs.

Structure (all per sample, zero added latency, float32 inner loops):

* **Two-path NLMS** (Ochiai): a *background* FIR adapts every sample with a
  pre-whitened NLMS update (far end and error pass through the fixed
  pre-emphasis ``1 - 0.7 z^-1`` before the gradient, which makes NLMS converge
  on coloured speech much faster; the whitened error is computed exactly, with
  a running w.x cross-energy); a *foreground* FIR,
  which produces the output, is loaded from the background only when, for two
  16 ms windows running, the background's error is 3 dB below the
  foreground's AND at least 12 dB (rising to 30 dB once a good ERLE has been
  seen, then decaying 0.1 dB per window) below the near-end input.
  When the background diverges (double talk it did not see) it is reloaded from
  the foreground.  So an undetected double talk can only spoil the background.
  Both filters run in one fused, vectorised pass over the tap arrays.
* **Geigel double-talk detector** with 30 ms hangover: ``|near| > max|far|``
  over the tail, scaled by the assumed minimum echo return loss (``erl_db``),
  freezes the background adaptation.
* **NLP** (non-linear processor): when the foreground echo estimate is
  significant, no double talk is seen and the residual is at least 12 dB below
  the echo estimate, the output fades (2 ms) to **comfort noise** at the
  tracked background level of the near end (or to silence with ``cng=False``).

Units: samples at 8 kHz, int16 linear; levels dBm0; tails in taps (1 tap =
0.125 ms).  Every result is sample-exact whatever the block sizes of the calls.
Not done: the G.164/G.165 2100 Hz (phase reversal) tone disabler.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int16_t, uint32_t, int32_t, uint64_t
from libc.stdlib cimport free, calloc
from libc.string cimport memset, memcpy, memmove
from libc.math cimport sqrt, log10, fabs

from dsp.audio import as_int16

cnp.import_array()

cdef extern from "stdlib.h" nogil:
    int posix_memalign(void **memptr, size_t alignment, size_t size)

MIN_TAPS = 32
MAX_TAPS = 1024

DEF WIN = 128            # decision window (samples): two-path compare, ERLE, CNG level
DEF GBLK = 32            # Geigel far-end peak: block size (samples)
DEF HANGOVER = 240       # double-talk hangover (samples, 30 ms)
DEF NLP_HOLD = 240       # NLP release hold after near-end activity (samples, 30 ms)

cdef float WHITEN = 0.7          # pre-emphasis of the adaptation signals
cdef double FAR_FLOOR = 8.2e3    # far-end power (linear^2) below which we do not adapt (~ -45 dBm0)


cdef struct EcState:
    int taps
    int span              # B: buffer slack (samples between memmoves)
    int size              # taps + 1 + span
    float *hb             # background taps
    float *hf             # foreground taps
    float *xbuf           # far end history (reverse time from pos)
    float *wbuf           # pre-whitened far end history
    int pos
    double wenergy        # |w|^2 over the taps
    double wx             # w . x over the taps (to re-whiten the error exactly)
    float prev_x
    float prev_eb
    float g               # pending background update gain (applied at next sample)
    float mu
    float geigel          # Geigel threshold (linear): 10^(-erl_db/20)
    # Geigel far peak tracking
    float *gmax           # ring of block maxima
    int nblk
    int gidx
    float cur_max
    float prev_max
    int hang
    # window sums
    double sx, sd, seb, sef
    int better_count
    int loaded            # foreground has been loaded at least once
    int loads             # number of background -> foreground transfers
    # diagnostics
    double erle_db
    double erle_best      # best foreground ERLE, decaying 0.1 dB per far-active window
    # NLP / CNG
    float pyf, pef, pslow, noise
    float gain            # 1 = pass canceller output, 0 = comfort noise
    int hold
    float cng_amp
    uint32_t seed
    uint64_t n            # samples processed
    int adapt
    int nlp
    int cng


cdef float *_falloc(Py_ssize_t n) noexcept nogil:
    cdef void *p = NULL
    if posix_memalign(&p, 64, n * sizeof(float) + 64) != 0:
        return NULL
    memset(p, 0, n * sizeof(float) + 64)
    return <float *> p


cdef int ec_init(EcState *s, int taps, float mu, float erl_db, int adapt, int nlp, int cng) noexcept nogil:
    memset(s, 0, sizeof(EcState))
    s.taps = taps
    s.span = taps if taps > 256 else 256
    s.size = taps + 1 + s.span
    s.nblk = (taps + GBLK - 1) // GBLK
    s.hb = _falloc(taps)
    s.hf = _falloc(taps)
    s.xbuf = _falloc(s.size)
    s.wbuf = _falloc(s.size)
    s.gmax = _falloc(s.nblk)
    if s.hb == NULL or s.hf == NULL or s.xbuf == NULL or s.wbuf == NULL or s.gmax == NULL:
        return -1
    s.mu = mu
    s.geigel = <float> (10.0 ** (-erl_db / 20.0))
    s.adapt = adapt
    s.nlp = nlp
    s.cng = cng
    ec_reset(s)
    return 0


cdef void ec_free(EcState *s) noexcept nogil:
    free(s.hb); free(s.hf); free(s.xbuf); free(s.wbuf); free(s.gmax)
    s.hb = s.hf = s.xbuf = s.wbuf = s.gmax = NULL


cdef void ec_reset(EcState *s) noexcept nogil:
    memset(s.hb, 0, s.taps * sizeof(float))
    memset(s.hf, 0, s.taps * sizeof(float))
    memset(s.xbuf, 0, s.size * sizeof(float))
    memset(s.wbuf, 0, s.size * sizeof(float))
    memset(s.gmax, 0, s.nblk * sizeof(float))
    s.pos = s.size - s.taps - 1
    s.wenergy = 0.0
    s.wx = 0.0
    s.prev_x = 0.0
    s.prev_eb = 0.0
    s.g = 0.0
    s.gidx = 0
    s.cur_max = 0.0
    s.prev_max = 0.0
    s.hang = 0
    s.sx = s.sd = s.seb = s.sef = 0.0
    s.better_count = 0
    s.loaded = 0
    s.loads = 0
    s.erle_db = 0.0
    s.erle_best = 0.0
    s.pyf = s.pef = 0.0
    s.pslow = 2.6e4        # power (linear^2) of -40 dBm0: the floor tracker falls from here
    s.noise = 2.6e4
    s.gain = 1.0
    s.hold = 0
    s.cng_amp = 0.0
    s.seed = 0x1234567
    s.n = 0


cdef inline void _fir2_adapt(float *hb, const float *hf, const float *xv, const float *wv,
                             float g, int taps, float *yb, float *yf) noexcept nogil:
    """hb += g * wv (pending update); yb = hb . xv; yf = hf . xv -- one pass."""
    cdef float sb = 0.0
    cdef float sf = 0.0
    cdef float h
    cdef int k
    for k in range(taps):
        h = hb[k] + g * wv[k]
        hb[k] = h
        sb = sb + h * xv[k]
        sf = sf + hf[k] * xv[k]
    yb[0] = sb
    yf[0] = sf


cdef inline void _fir2(const float *hb, const float *hf, const float *xv,
                       int taps, float *yb, float *yf) noexcept nogil:
    cdef float sb = 0.0
    cdef float sf = 0.0
    cdef int k
    for k in range(taps):
        sb = sb + hb[k] * xv[k]
        sf = sf + hf[k] * xv[k]
    yb[0] = sb
    yf[0] = sf


cdef inline void _window_end(EcState *s) noexcept nogil:
    """Every WIN samples: two-path transfer, ERLE estimate, CNG level."""
    cdef int taps = s.taps
    cdef bint far_active = s.sx > FAR_FLOOR * WIN
    cdef double r, need
    if s.adapt and far_active:
        # background clearly better than the foreground AND cancelling at least 12 dB
        # of the near-end input: during double talk a fast-adapting filter can shave a
        # few dB off near-end speech (tracking its harmonics), never 12 dB of it
        # The bar rises with the best ERLE seen (up to 30 dB) and falls slowly, so
        # that a double talk the Geigel test missed cannot load a filter that has
        # learnt the near-end speech, while an echo path change is re-learnt.
        need = s.erle_best - 10.0
        if need > 30.0:
            need = 30.0
        if need < 12.0:
            need = 12.0
        if s.erle_best > 0.0:
            s.erle_best -= 0.1
        if s.seb < 0.5 * s.sef and s.seb * 10.0 ** (need / 10.0) < s.sd:
            s.better_count += 1
            if s.better_count >= 2:
                memcpy(s.hf, s.hb, taps * sizeof(float))
                s.loaded = 1
                s.loads += 1
                s.better_count = 0
        else:
            s.better_count = 0
            if s.seb > 8.0 * s.sef + 1.0:
                # background diverged (double talk it did not see): restart from foreground
                memcpy(s.hb, s.hf, taps * sizeof(float))
                s.g = 0.0
    else:
        s.better_count = 0
    if far_active and s.hang == 0 and s.loaded:
        r = 10.0 * log10((s.sd + 1.0) / (s.sef + 1.0))
        if r < 0.0:
            r = 0.0
        s.erle_db += 0.25 * (r - s.erle_db)
        if s.erle_db > s.erle_best:
            s.erle_best = s.erle_db
    s.cng_amp = <float> sqrt(3.0 * s.noise)
    s.sx = s.sd = s.seb = s.sef = 0.0


cdef void ec_process(EcState *s, const int16_t *near, const int16_t *far, int16_t *out,
                     Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef int taps = s.taps
    cdef int pos, j
    cdef float x, w, d, yb, yf, eb, ef, ew, old, oldx, ax, m, o, cn, target, g_applied
    cdef double en, ex, wx_prev
    cdef bint dt, echo_present, near_speech
    cdef float *xbuf = s.xbuf
    cdef float *wbuf = s.wbuf
    for i in range(n):
        x = far[i]
        d = near[i]
        w = x - WHITEN * s.prev_x
        s.prev_x = x
        # -- far-end history: reverse-time vectors xbuf[pos .. pos+taps]
        pos = s.pos
        if pos == 0:
            memmove(xbuf + s.size - taps - 1, xbuf, (taps + 1) * sizeof(float))
            memmove(wbuf + s.size - taps - 1, wbuf, (taps + 1) * sizeof(float))
            pos = s.size - taps - 1
            en = 0.0          # exact energies again, drift-free
            ex = 0.0
            for j in range(taps):
                en += <double> wbuf[pos + j] * wbuf[pos + j]
                ex += <double> wbuf[pos + j] * xbuf[pos + j]
            s.wenergy = en
            s.wx = ex
        pos -= 1
        xbuf[pos] = x
        wbuf[pos] = w
        s.pos = pos
        old = wbuf[pos + taps]
        oldx = xbuf[pos + taps]
        wx_prev = s.wx
        s.wenergy += <double> w * w - <double> old * old
        if s.wenergy < 0.0:
            s.wenergy = 0.0
        s.wx += <double> w * x - <double> old * oldx
        g_applied = s.g
        # -- filters (pending background update fused with both dot products)
        if s.g != 0.0:
            _fir2_adapt(s.hb, s.hf, xbuf + pos, wbuf + pos + 1, s.g, taps, &yb, &yf)
            s.g = 0.0
        else:
            _fir2(s.hb, s.hf, xbuf + pos, taps, &yb, &yf)
        eb = d - yb
        ef = d - yf
        # -- Geigel double-talk detector on the far-end peak over the tail
        ax = fabs(x)
        if ax > s.cur_max:
            s.cur_max = ax
        if (s.n + 1) % GBLK == 0:
            s.gmax[s.gidx] = s.cur_max
            s.gidx += 1
            if s.gidx == s.nblk:
                s.gidx = 0
            s.cur_max = 0.0
            m = 0.0
            for j in range(s.nblk):
                if s.gmax[j] > m:
                    m = s.gmax[j]
            s.prev_max = m
        m = s.prev_max if s.prev_max > s.cur_max else s.cur_max
        if fabs(d) > s.geigel * m and m > 0.0:
            s.hang = HANGOVER
        elif s.hang > 0:
            s.hang -= 1
        dt = s.hang > 0
        # -- background NLMS gain for the next sample (pre-whitened error)
        # d_w[n] - h_n . w_n exactly: the previous error re-evaluated with the updated taps
        ew = eb - WHITEN * (s.prev_eb - <float> (g_applied * wx_prev))
        s.prev_eb = eb
        if s.adapt and not dt and s.wenergy > FAR_FLOOR * taps:
            s.g = <float> (s.mu * ew / (s.wenergy + 1.0))
        # -- window statistics
        s.sx += x * x
        s.sd += d * d
        s.seb += eb * eb
        s.sef += ef * ef
        # -- NLP + CNG
        s.pyf += 0.03125 * (yf * yf - s.pyf)
        s.pef += 0.03125 * (ef * ef - s.pef)
        s.pslow += 0.00390625 * (ef * ef - s.pslow)
        if s.pslow < s.noise:
            s.noise = s.pslow
        else:
            s.noise *= 1.00006
        o = ef
        if s.nlp:
            echo_present = s.pyf > 4.0 * s.noise + 64.0
            near_speech = dt or s.pef > 0.063 * s.pyf
            if near_speech:
                s.hold = NLP_HOLD
            elif s.hold > 0:
                s.hold -= 1
            if echo_present and s.hold == 0:
                s.gain -= 0.0625
                if s.gain < 0.0:
                    s.gain = 0.0
            else:
                s.gain += 0.0625
                if s.gain > 1.0:
                    s.gain = 1.0
            if s.gain < 1.0:
                cn = 0.0
                if s.cng:
                    s.seed = s.seed * 1664525u + 1013904223u
                    cn = s.cng_amp * (<float> (<int32_t> s.seed) * <float> 4.656612873e-10)
                o = s.gain * ef + (1.0 - s.gain) * cn
        if o > 32767.0:
            out[i] = 32767
        elif o < -32768.0:
            out[i] = -32768
        else:
            out[i] = <int16_t> (o + 0.5 if o >= 0.0 else o - 0.5)
        s.n += 1
        if s.n % WIN == 0:
            _window_end(s)


def _check_taps(int taps) -> None:
    if taps < MIN_TAPS or taps > MAX_TAPS:
        raise ValueError(f"taps must be {MIN_TAPS}..{MAX_TAPS} (4..128 ms at 8 kHz), got {taps}")


cdef class EchoCanceller:
    """One line echo canceller.

    ``EchoCanceller(taps=256, *, nlp=True, cng=True, adapt=True, mu=0.8, erl_db=3.0)``

    * ``taps``: tail length in samples, 32..1024 (4..128 ms); 256 covers a 32 ms
      hybrid dispersion, 512 or 1024 a 64 ms one.
    * ``nlp``: non-linear processor (suppress residual echo in far-end single talk).
    * ``cng``: comfort noise at the near end's background level while the NLP
      suppresses (else silence).
    * ``adapt``: adapt the filter (False freezes it).
    * ``mu``: NLMS step size of the background filter, 0 < mu <= 1.
    * ``erl_db``: Geigel double-talk threshold as an echo return loss (dB):
      near > far peak - erl_db means double talk.  The default 3 dB is looser
      than the 6 dB worst-case hybrid on purpose: the two-path structure
      already protects the output filter, and false alarms slow convergence.

    ``process(near_end, far_end) -> numpy.int16``: ``far_end`` is what we sent
    toward the line (the reference), ``near_end`` what came back (echo + the
    remote talker); returns ``near_end`` with the echo removed, same length,
    no latency.
    """
    cdef EcState st
    cdef bint ok

    def __cinit__(self, int taps=256, *, bint nlp=True, bint cng=True, bint adapt=True,
                  float mu=0.8, float erl_db=3.0):
        self.ok = False
        _check_taps(taps)
        if not (0.0 < mu <= 1.0):
            raise ValueError(f"mu must be in (0, 1], got {mu}")
        if ec_init(&self.st, taps, mu, erl_db, adapt, nlp, cng) != 0:
            ec_free(&self.st)
            raise MemoryError()
        self.ok = True

    def __dealloc__(self):
        if self.ok:
            ec_free(&self.st)

    def process(self, near_end, far_end) -> np.ndarray:
        """Cancel the echo of ``far_end`` in ``near_end`` (int16 arrays or bytes, same length)."""
        cdef const int16_t[::1] nv = as_int16(near_end)
        cdef const int16_t[::1] fv = as_int16(far_end)
        if nv.shape[0] != fv.shape[0]:
            raise ValueError(f"near_end and far_end differ in length ({nv.shape[0]} vs {fv.shape[0]})")
        out = np.empty(nv.shape[0], np.int16)
        cdef int16_t[::1] ov = out
        if nv.shape[0]:
            with nogil:
                ec_process(&self.st, &nv[0], &fv[0], &ov[0], nv.shape[0])
        return out

    def reset(self) -> None:
        """Forget the echo path and all statistics (new call)."""
        ec_reset(&self.st)

    @property
    def taps(self) -> int:
        return self.st.taps

    @property
    def erle_db(self) -> float:
        """Running estimate of the linear canceller's echo return loss enhancement (dB)."""
        return float(self.st.erle_db)

    @property
    def double_talk(self) -> bool:
        """True while the double-talk detector (with its 30 ms hangover) holds."""
        return self.st.hang > 0

    @property
    def converged(self) -> bool:
        """True once the output filter is loaded and its ERLE estimate is >= 18 dB."""
        return bool(self.st.loaded and self.st.erle_db >= 18.0)

    @property
    def foreground_loads(self) -> int:
        """How many times the adapted background filter was copied to the output filter."""
        return self.st.loads

    @property
    def nlp_active(self) -> bool:
        """True while the NLP replaces (part of) the output with comfort noise."""
        return self.st.gain < 1.0

    @property
    def noise_dbm0(self) -> float:
        """Tracked near-end background level (dBm0) that the comfort noise matches."""
        from dsp.levels import dbm0_of_rms
        return dbm0_of_rms(sqrt(self.st.noise))

    property nlp:
        def __get__(self): return bool(self.st.nlp)
        def __set__(self, bint v): self.st.nlp = v

    property cng:
        def __get__(self): return bool(self.st.cng)
        def __set__(self, bint v): self.st.cng = v

    property adapt:
        def __get__(self): return bool(self.st.adapt)
        def __set__(self, bint v): self.st.adapt = v


cdef class EchoCancellerBank:
    """``channels`` independent echo cancellers, processed in one call.

    ``EchoCancellerBank(channels, taps=256, *, nlp=True, cng=True, adapt=True, mu=0.8, erl_db=3.0)``;
    ``process(near, far)`` takes (channels x n) int16 arrays and returns one;
    each row gives exactly what an :class:`EchoCanceller` would.
    """
    cdef EcState *st
    cdef int channels

    def __cinit__(self, int channels, int taps=256, *, bint nlp=True, bint cng=True,
                  bint adapt=True, float mu=0.8, float erl_db=3.0):
        cdef int c
        self.st = NULL
        self.channels = 0
        if channels < 1:
            raise ValueError(f"channels must be >= 1, got {channels}")
        _check_taps(taps)
        if not (0.0 < mu <= 1.0):
            raise ValueError(f"mu must be in (0, 1], got {mu}")
        self.st = <EcState *> calloc(channels, sizeof(EcState))
        if self.st == NULL:
            raise MemoryError()
        for c in range(channels):
            self.channels = c + 1
            if ec_init(&self.st[c], taps, mu, erl_db, adapt, nlp, cng) != 0:
                raise MemoryError()

    def __dealloc__(self):
        cdef int c
        if self.st != NULL:
            for c in range(self.channels):
                ec_free(&self.st[c])
            free(self.st)

    def __len__(self) -> int:
        return self.channels

    def process(self, near, far) -> np.ndarray:
        """Cancel echo on every channel: ``near``, ``far`` are (channels x n) int16."""
        cdef cnp.ndarray na = np.ascontiguousarray(near, dtype=np.int16)
        cdef cnp.ndarray fa = np.ascontiguousarray(far, dtype=np.int16)
        if na.ndim != 2 or na.shape[0] != self.channels or fa.ndim != 2 \
                or fa.shape[0] != na.shape[0] or fa.shape[1] != na.shape[1]:
            raise ValueError(f"near and far must both be ({self.channels} x n) arrays")
        cdef const int16_t[:, ::1] nv = na
        cdef const int16_t[:, ::1] fv = fa
        out = np.empty((self.channels, na.shape[1]), np.int16)
        cdef int16_t[:, ::1] ov = out
        cdef Py_ssize_t n = na.shape[1]
        cdef int c
        if n:
            with nogil:
                for c in range(self.channels):
                    ec_process(&self.st[c], &nv[c, 0], &fv[c, 0], &ov[c, 0], n)
        return out

    def reset(self, channel=None) -> None:
        """Reset one channel (index) or all of them (new call on that channel)."""
        cdef int c
        if channel is None:
            for c in range(self.channels):
                ec_reset(&self.st[c])
        else:
            c = channel
            if not 0 <= c < self.channels:
                raise IndexError(channel)
            ec_reset(&self.st[c])

    @property
    def erle_db(self) -> np.ndarray:
        return np.array([self.st[c].erle_db for c in range(self.channels)])

    @property
    def double_talk(self) -> np.ndarray:
        return np.array([self.st[c].hang > 0 for c in range(self.channels)])

    @property
    def converged(self) -> np.ndarray:
        return np.array([bool(self.st[c].loaded and self.st[c].erle_db >= 18.0)
                         for c in range(self.channels)])
