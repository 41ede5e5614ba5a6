# cython: language_level=3
"""Line echo canceller for analog (FXS/FXO hybrid) and E1 legs.

Structure (zero added latency, float32 inner loops):

* **Two paths** (Ochiai).  The *foreground* is a time-domain FIR run every
  sample; it alone produces the output, so the canceller adds no delay.  The
  *background* is a partitioned-block frequency-domain adaptive filter (MDF /
  PBFDAF): blocks of 64 samples (8 ms; 128 = 16 ms for tails of 768 taps and
  more), real FFTs of twice the block (``dsp.fft``), ``ceil(taps / block)``
  partitions, a per-bin step normalised by the far-end
  power of that bin over the partitions (this decorrelates speech, which is
  what makes it converge in about a second), regularised by 0.2 x the mean bin
  power, partitions weighted half uniformly / half by their weight norm
  (IPNLMS rule), and the AUMDF gradient constraint (partition 0 plus one more
  per pass).  *Fast start*: for the first 1-1.8 s of adaptation (0.8 s + 1 ms
  per 8 taps) every block is used for 5 passes (3 up to 128 taps) at the full step
  ``mu``; after that one pass at ``0.3 mu`` (a deeper ERLE over line noise).
  An ERLE 12 dB below the best seen for 20 windows (~0.3 s, an echo path
  change) restarts the fast mode.
* **Transfer**: the foreground taps are loaded from the background weights
  (inverse FFT of each partition) when, over a 16 ms window, the background's
  error is 1.5 dB below the foreground's AND at least 12 dB (rising to 30 dB
  once a good ERLE has been seen, then decaying 0.1 dB per window) below the
  near-end input, and its response stays below +12 dB at every bin (a line
  echo path does not amplify: such a filter has learnt something else).  When
  the background diverges (double talk it did not see) it is reloaded from the
  foreground.  So an undetected double talk can only spoil the background.
* **Divergence guard**: when the output is 3 dB louder than the input for
  64 ms (4 windows) while the far end is active, no echo estimate explains it:
  the foreground goes back to the last one verified to cancel (>= 12 dB ERLE
  without double talk), or, if that one is the culprit (the echo path
  changed, e.g. flipped), to none, with a new fast start.
* **Geigel double-talk detector** with 30 ms hangover: ``|near| > max|far|``
  over the tail, scaled by the assumed minimum echo return loss (``erl_db``),
  freezes the background adaptation once an ERLE of 20 dB has been seen
  (before that its false alarms on 6 dB hybrids would only slow convergence,
  and the transfer rule protects the output).
* **Spectral double-talk detector** (every other block, 30 ms hangover,
  active from the start of a call): when a quarter of the near-end energy of
  the last two blocks lies above +1.5 dB x the loudest far-end power of the
  same bin over the tail, it is not echo and the background freezes.  Peaks
  (Geigel) miss a near-end *tone* whose level is close to the far end's; and
  in a line-to-phone call the two cancellers form a loop (each one's residual
  is the other's reference), so each end's tone reaches the other canceller's
  reference, weaker by the hybrid's ERL, where a canceller adapting through
  the double talk learns to "cancel" it with a gain above 0 dB, and the loop
  then grows until the audio clips.  A tone at the same frequency from both
  ends at once remains ambiguous (the canceller may take a few dB off it).
* **NLP** (non-linear processor): when the foreground echo estimate is
  significant, no double talk is seen and the residual is at least 12 dB below
  the echo estimate, the output fades (2 ms) to **comfort noise** at the
  tracked background level of the near end (or to silence with ``cng=False``).

Units: samples at 8 kHz, int16 linear; levels dBm0; tails in taps (1 tap =
0.125 ms).  Every result is sample-exact whatever the block sizes of the calls
(the background runs on its own 64-sample grid, counted from the start).
Not done: the G.164/G.165 2100 Hz (phase reversal) tone disabler.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int16_t, uint32_t, int32_t, uint64_t
from libc.stdlib cimport free, calloc
from libc.string cimport memset, memcpy, memmove
from libc.math cimport sqrt, log10, fabs

from dsp.fft cimport FftPlan, fft_plan_init, fft_plan_free, rfft, irfft
from dsp.audio import as_int16

cnp.import_array()

cdef extern from "stdlib.h" nogil:
    int posix_memalign(void **memptr, size_t alignment, size_t size)

MIN_TAPS = 32
MAX_TAPS = 1024

cdef enum:
    WIN = 128            # decision window (samples): two-path compare, ERLE, CNG level
    GBLK = 32            # Geigel far-end peak: block size (samples)
    HANGOVER = 240       # double-talk hangover (samples, 30 ms)
    NLP_HOLD = 240       # NLP release hold after near-end activity (samples, 30 ms)
    BLOCK = 64           # MDF block (samples, 8 ms); FFT size 2 * BLOCK
    LONG_BLOCK = 128     # MDF block for tails of LONG_TAPS and more (16 ms)
    LONG_TAPS = 768

cdef double FAR_FLOOR = 8.2e3    # far-end power (linear^2) below which we do not adapt (~ -45 dBm0)
cdef float PROP_ALPHA = 0.0      # proportionate partitions: -1 = uniform (MDF), 0 = half/half
cdef int REUSE = 5               # adaptation passes per block during the fast start (data reuse)
cdef int REUSE_SHORT = 3         # ... for tails of 128 taps or less
cdef double DT_TRUST = 20.0      # the Geigel test freezes adaptation once this ERLE (dB) was seen
cdef double XFER_RATIO = 0.7     # background error / foreground error below which we copy
cdef int XFER_COUNT = 1          # ... for this many windows running
cdef int FAST_BLOCKS = 100        # fast start: this many 8 ms blocks of adaptation, plus one per 8 taps
cdef int PATH_WINDOWS = 20        # windows running far below the best ERLE that restart the fast mode
cdef float SLOW_MU = 0.3          # step after the fast start, relative to mu
cdef float REG_FRAC = 0.2        # regularisation: this fraction of the mean bin power
cdef float MAX_GAIN2 = 1.41      # echo power gain bound per bin (+1.5 dB) over the tail: more is not echo
cdef float EXCESS_FRAC = 0.25    # spectral double talk: this share of the near energy is not echo
cdef float DIVERGE_RATIO = 2.0   # foreground output / input energy (3 dB) that means it diverged
cdef int DIVERGE_WINDOWS = 4     # ... for this many windows running (64 ms)
cdef float MAX_PATH_GAIN2 = 16.0 # a filter with a power gain above this (+12 dB) in a bin is not loaded
cdef double GOOD_DB = 12.0       # a foreground cancelling this much (no double talk) is kept as good


cdef struct EcState:
    int taps
    int span              # buffer slack (samples between memmoves)
    int size              # taps + 1 + span
    float *hf             # foreground taps (time domain, produce the output)
    float *xbuf           # far end history (reverse time from pos)
    int pos
    # MDF background (partitioned-block frequency-domain adaptive filter)
    int L                 # block (samples)
    int K                 # bins: L + 1
    int P                 # partitions: ceil(taps / L)
    FftPlan plan
    float *xr             # far-end spectra, P slots of K bins (ring, newest at xhead)
    float *xi
    float *xp             # their power spectra |X|^2 (same ring)
    int xhead
    float *wr             # background weights, P partitions of K bins
    float *wi
    double bx             # far-end energy of the current block
    int fast              # adapted blocks left in the fast-start mode
    int low_count         # windows running with ERLE far below the best seen (path change)
    float mu_now
    float *q              # proportionate step of each partition (mean 1)
    float *xblk           # 2L far samples: previous block, current block
    float *dblk           # 2L near samples: previous block, current block
    float *tmp            # 2L scratch
    float *yr             # K scratch (output spectrum, then error spectrum)
    float *yi
    int bn                # samples in the current block
    int bdt               # double talk seen in the current block
    int sdt               # spectral double talk: samples of hangover left (freezes adaptation)
    int sdt_blocks        # diagnostics: blocks flagged by the spectral test
    int cidx              # partition constrained this block (besides partition 0)
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
    float *hgood          # last foreground verified to cancel (ERLE >= GOOD_DB, no double talk)
    int good              # hgood holds a verified filter
    int good_current      # ... and it equals the foreground now
    int resets            # foreground divergences undone
    int diverge_count     # windows running with the output louder than the input
    int refused           # transfers refused (background response above the gain bound)
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
    cdef int blk = LONG_BLOCK if taps >= LONG_TAPS else BLOCK
    s.L = blk
    s.K = blk + 1
    s.P = (taps + blk - 1) // blk
    if fft_plan_init(&s.plan, 2 * blk) != 0:
        return -1
    s.hf = _falloc(s.P * blk)
    s.xbuf = _falloc(s.size)
    s.gmax = _falloc(s.nblk)
    s.xr = _falloc(s.P * s.K)
    s.xi = _falloc(s.P * s.K)
    s.xp = _falloc(s.P * s.K)
    s.wr = _falloc(s.P * s.K)
    s.wi = _falloc(s.P * s.K)
    s.q = _falloc(s.P)
    s.xblk = _falloc(2 * blk)
    s.dblk = _falloc(2 * blk)
    s.hgood = _falloc(s.P * blk)
    s.tmp = _falloc(2 * blk)
    s.yr = _falloc(s.K)
    s.yi = _falloc(s.K)
    if s.hf == NULL or s.xbuf == NULL or s.gmax == NULL or s.xr == NULL or s.xi == NULL \
            or s.wr == NULL or s.wi == NULL or s.xblk == NULL \
            or s.dblk == NULL or s.tmp == NULL or s.yr == NULL or s.yi == NULL \
            or s.hgood == NULL or s.xp == NULL:
        return -1
    s.mu = mu
    s.geigel = <float> (10.0 ** (-erl_db / 20.0))
    s.adapt = adapt
    s.nlp = nlp
    s.cng = cng
    ec_reset(s)
    return 0


cdef void ec_free(EcState *s) noexcept nogil:
    fft_plan_free(&s.plan)
    free(s.hf); free(s.xbuf); free(s.gmax); free(s.xr); free(s.xi); free(s.wr); free(s.wi)
    free(s.q); free(s.xblk); free(s.dblk); free(s.tmp); free(s.yr); free(s.yi); free(s.hgood); free(s.xp)
    s.hf = s.xbuf = s.gmax = s.xr = s.xi = s.wr = s.wi = NULL
    s.q = s.xblk = s.dblk = s.tmp = s.yr = s.yi = s.hgood = s.xp = NULL


cdef inline int _fast_blocks(EcState *s) noexcept nogil:
    """Length of the fast start in blocks: (FAST_BLOCKS + 1 per 8 taps) x 8 ms."""
    return (FAST_BLOCKS + s.taps // 8) * BLOCK // s.L


cdef void ec_reset(EcState *s) noexcept nogil:
    memset(s.hf, 0, s.P * s.L * sizeof(float))
    memset(s.xbuf, 0, s.size * sizeof(float))
    memset(s.gmax, 0, s.nblk * sizeof(float))
    memset(s.xr, 0, s.P * s.K * sizeof(float))
    memset(s.xi, 0, s.P * s.K * sizeof(float))
    memset(s.xp, 0, s.P * s.K * sizeof(float))
    memset(s.wr, 0, s.P * s.K * sizeof(float))
    memset(s.wi, 0, s.P * s.K * sizeof(float))
    memset(s.xblk, 0, 2 * s.L * sizeof(float))
    memset(s.dblk, 0, 2 * s.L * sizeof(float))
    memset(s.hgood, 0, s.P * s.L * sizeof(float))
    s.good = 0
    s.good_current = 0
    s.resets = 0
    s.diverge_count = 0
    s.refused = 0
    s.sdt = 0
    s.sdt_blocks = 0
    s.xhead = 0
    s.fast = _fast_blocks(s)
    s.low_count = 0
    s.mu_now = s.mu
    s.bx = 0.0
    s.bn = 0
    s.bdt = 0
    s.cidx = 1
    s.pos = s.size - s.taps - 1
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


cdef inline float _fir(const float *h, const float *xv, int taps) noexcept nogil:
    """Dot product h . xv over ``taps``, as four interleaved quarters (four independent
    vector accumulators: the additions do not all wait on one register)."""
    cdef float a = 0.0
    cdef float b = 0.0
    cdef float c = 0.0
    cdef float d = 0.0
    cdef int k
    cdef int q = taps >> 2
    for k in range(q):
        a = a + h[k] * xv[k]
        b = b + h[q + k] * xv[q + k]
        c = c + h[2 * q + k] * xv[2 * q + k]
        d = d + h[3 * q + k] * xv[3 * q + k]
    for k in range(4 * q, taps):
        a = a + h[k] * xv[k]
    return (a + b) + (c + d)


cdef void _constrain(EcState *s, int p) noexcept nogil:
    """Zero the wrapped (second) half of partition ``p``'s impulse response."""
    cdef int K = s.K
    irfft(&s.plan, s.wr + p * K, s.wi + p * K, s.tmp)
    memset(s.tmp + s.L, 0, s.L * sizeof(float))
    rfft(&s.plan, s.tmp, s.wr + p * K, s.wi + p * K)


cdef void _load_foreground(EcState *s) noexcept nogil:
    """Foreground taps <- impulse response of the background weights."""
    cdef int p
    cdef int K = s.K
    cdef int L = s.L
    for p in range(s.P):
        irfft(&s.plan, s.wr + p * K, s.wi + p * K, s.tmp)
        memcpy(s.hf + p * L, s.tmp, L * sizeof(float))
    if s.P * L > s.taps:
        memset(s.hf + s.taps, 0, (s.P * L - s.taps) * sizeof(float))


cdef void _load_background(EcState *s) noexcept nogil:
    """Background weights <- spectra of the foreground taps (after a divergence)."""
    cdef int p
    cdef int K = s.K
    cdef int L = s.L
    for p in range(s.P):
        memcpy(s.tmp, s.hf + p * L, L * sizeof(float))
        memset(s.tmp + L, 0, L * sizeof(float))
        rfft(&s.plan, s.tmp, s.wr + p * K, s.wi + p * K)


cdef double _mdf_error(EcState *s) noexcept nogil:
    """Background output for the current block; error into tmp[L:2L]; returns its energy."""
    cdef int L = s.L
    cdef int K = s.K
    cdef int P = s.P
    cdef int p, q, k, j
    cdef float *xr
    cdef float *xi
    cdef float *wr
    cdef float *wi
    cdef float *yr = s.yr
    cdef float *yi = s.yi
    cdef float e
    cdef double be = 0.0
    # background output Y = sum_p W_p X_p
    memset(yr, 0, K * sizeof(float))
    memset(yi, 0, K * sizeof(float))
    for p in range(P):
        q = s.xhead + p
        if q >= P:
            q -= P
        xr = s.xr + q * K
        xi = s.xi + q * K
        wr = s.wr + p * K
        wi = s.wi + p * K
        for k in range(K):
            yr[k] = yr[k] + wr[k] * xr[k] - wi[k] * xi[k]
            yi[k] = yi[k] + wr[k] * xi[k] + wi[k] * xr[k]
    irfft(&s.plan, yr, yi, s.tmp)
    for j in range(L):
        e = s.dblk[L + j] - s.tmp[L + j]
        s.tmp[L + j] = e
        be += <double> e * e
    return be


cdef inline void _error_spectrum(EcState *s) noexcept nogil:
    """yr/yi <- FFT([0 .. 0, e]) of the error in tmp[L:2L]."""
    memset(s.tmp, 0, s.L * sizeof(float))
    rfft(&s.plan, s.tmp, s.yr, s.yi)


cdef void _mdf_update(EcState *s) noexcept nogil:
    """Adapt the background weights from the error spectrum in yr/yi (see _error_spectrum)."""
    cdef int L = s.L
    cdef int K = s.K
    cdef int P = s.P
    cdef int p, q, k
    cdef float *xr
    cdef float *xi
    cdef float *wr
    cdef float *wi
    cdef float *yr = s.yr
    cdef float *yi = s.yi
    cdef float a, b, g, norm, delta, reg
    cdef double tot
    # the error spectrum gets scaled by the per-bin step
    delta = <float> (2.0 * L * FAR_FLOOR * P)
    # proportionate partition gains (IPNLMS rule on the partitions' weight norms):
    # q_p = (1 - alpha) / 2 + (1 + alpha) P |w_p| / (2 sum |w|), mean 1
    tot = 0.0
    for p in range(P):
        wr = s.wr + p * K
        wi = s.wi + p * K
        a = 0.0
        for k in range(K):
            a = a + wr[k] * wr[k] + wi[k] * wi[k]
        s.q[p] = sqrt(a)
        tot += s.q[p]
    for p in range(P):
        s.q[p] = <float> ((1.0 - PROP_ALPHA) * 0.5
                          + (1.0 + PROP_ALPHA) * 0.5 * P * s.q[p] / (tot + 1e-6)) if tot > 0.0 else 1.0
    # per-bin normaliser: proportionate far-end power over the partitions
    memset(s.tmp, 0, K * sizeof(float))
    for p in range(P):
        q = s.xhead + p
        if q >= P:
            q -= P
        xr = s.xp + q * K
        g = s.q[p]
        for k in range(K):
            s.tmp[k] += g * xr[k]
    tot = 0.0
    for k in range(K):
        tot += s.tmp[k]
    reg = REG_FRAC * tot / K + delta
    for k in range(K):
        norm = s.tmp[k]
        g = s.mu_now * 2.0 / (norm + reg)
        yr[k] *= g
        yi[k] *= g
    # W_p += q_p conj(X_p) E
    for p in range(P):
        q = s.xhead + p
        if q >= P:
            q -= P
        xr = s.xr + q * K
        xi = s.xi + q * K
        wr = s.wr + p * K
        wi = s.wi + p * K
        g = s.q[p]
        for k in range(K):
            a = xr[k] * yr[k] + xi[k] * yi[k]
            b = xr[k] * yi[k] - xi[k] * yr[k]
            wr[k] += g * a
            wi[k] += g * b
    # gradient constraint (alternating, as in AUMDF): partition 0 and one more per block
    _constrain(s, 0)
    if P > 1:
        _constrain(s, s.cidx)
        s.cidx += 1
        if s.cidx >= P:
            s.cidx = 1


cdef bint _spectral_double_talk(EcState *s) noexcept nogil:
    """True when a quarter of the near-end energy of the last 2L samples cannot be echo.

    In each bin, echo is at most ``MAX_GAIN2`` times the loudest far-end power of
    that bin over the tail (the P far spectra in the ring, windows of 2L samples
    like this one): what the near end holds beyond that is the near talker.  Unlike
    the Geigel test (peaks), this sees a near-end *tone* at a frequency the far end
    does not carry (or carries only weaker, through the loop of a line-to-phone
    call), whatever the levels; and a loud echo (a 0 dB hybrid) passes, so it may
    freeze the adaptation from the very start of a call.  Uses yr/yi and tmp[0:K].
    """
    cdef int K = s.K
    cdef int P = s.P
    cdef int L = s.L
    cdef int p, k, j
    cdef float *xr
    cdef float *xi
    cdef float v
    cdef double near = 0.0
    cdef double tot = 0.0
    cdef double excess = 0.0
    cdef double sd
    for j in range(2 * L):
        near += <double> s.dblk[j] * s.dblk[j]
    if near < 0.2 * FAR_FLOOR * L:           # near end below ~ -55 dBm0
        return False
    rfft(&s.plan, s.dblk, s.yr, s.yi)
    for k in range(K):
        s.tmp[k] = 0.0
    for p in range(P):
        xr = s.xp + p * K
        for k in range(K):
            v = xr[k]
            if v > s.tmp[k]:
                s.tmp[k] = v
    for k in range(K):
        sd = <double> s.yr[k] * s.yr[k] + <double> s.yi[k] * s.yi[k]
        tot += sd
        sd -= MAX_GAIN2 * <double> s.tmp[k]
        if sd > 0.0:
            excess += sd
    return excess > EXCESS_FRAC * tot


cdef void _mdf_block(EcState *s) noexcept nogil:
    """One block of the background MDF filter: output, error, (double talk, adaptation)."""
    cdef int L = s.L
    cdef int K = s.K
    cdef int P = s.P
    cdef double bx
    cdef int r, k, passes
    cdef float *xr
    cdef float *xi
    cdef float *xp
    bx = s.bx
    s.bx = 0.0
    # newest far-end spectrum into the ring
    s.xhead = s.xhead - 1 if s.xhead > 0 else P - 1
    xr = s.xr + s.xhead * K
    xi = s.xi + s.xhead * K
    xp = s.xp + s.xhead * K
    rfft(&s.plan, s.xblk, xr, xi)
    for k in range(K):
        xp[k] = xr[k] * xr[k] + xi[k] * xi[k]
    memcpy(s.xblk, s.xblk + L, L * sizeof(float))
    s.sdt = s.sdt - L if s.sdt > L else 0
    # (every other block: the 30 ms hangover bridges the gap; half the cost)
    if bx >= FAR_FLOOR * L and (s.n // L) % 2 == 0 and _spectral_double_talk(s):
        s.sdt = HANGOVER + L
        s.sdt_blocks += 1
        if s.hang < HANGOVER:
            s.hang = HANGOVER
    memcpy(s.dblk, s.dblk + L, L * sizeof(float))   # (dblk[L:] still holds this block)
    s.seb += _mdf_error(s)
    if bx < FAR_FLOOR * L or not s.adapt or s.sdt > 0 or (s.bdt and s.erle_best >= DT_TRUST):
        return
    # fast start: data reuse (extra passes on the same block) and the full step for the
    # first FAST_BLOCKS adapted blocks (and again after an echo path change); then one
    # pass with a smaller step, which reaches a deeper ERLE over line noise
    if s.fast > 0:
        s.fast -= 1
        passes = REUSE if P > 2 else REUSE_SHORT
        s.mu_now = s.mu
    else:
        passes = 1
        s.mu_now = s.mu * SLOW_MU
    for r in range(passes):
        if r > 0:
            _mdf_error(s)
        _error_spectrum(s)
        _mdf_update(s)


cdef bint _background_gain_ok(EcState *s) noexcept nogil:
    """True when the background's response stays within ``MAX_PATH_GAIN2`` in every bin.

    At the bins of the 2L-point grid the response of the partitioned filter is
    ``H_k = sum_p (-1)^(k p) W_p(k)`` (partition p is delayed by p L samples).  A
    line echo path does not amplify; a filter that does has learnt something else
    (a near-end signal that also reaches the far end, through the other side's
    hybrid, as in a line-to-phone call with tones both ways).
    """
    cdef int K = s.K
    cdef int P = s.P
    cdef int p, k
    cdef float hr, hi
    for k in range(K):
        hr = 0.0
        hi = 0.0
        for p in range(P):
            if (k * p) & 1:
                hr = hr - s.wr[p * K + k]
                hi = hi - s.wi[p * K + k]
            else:
                hr = hr + s.wr[p * K + k]
                hi = hi + s.wi[p * K + k]
        if hr * hr + hi * hi > MAX_PATH_GAIN2:
            return False
    return True


cdef void _undo_divergence(EcState *s) noexcept nogil:
    """The foreground made the signal louder: back to the last good one (or to none)."""
    cdef int n = s.P * s.L
    if s.good and not s.good_current:
        memcpy(s.hf, s.hgood, n * sizeof(float))
        s.good_current = 1
    else:
        # it was verified and still diverges (the echo path changed): start afresh
        memset(s.hf, 0, n * sizeof(float))
        s.good = 0
        s.good_current = 0
        s.loaded = 0
        s.fast = _fast_blocks(s)
    _load_background(s)
    s.resets += 1


cdef inline void _window_end(EcState *s) noexcept nogil:
    """Every WIN samples: two-path transfer, ERLE estimate, CNG level."""
    cdef bint far_active = s.sx > FAR_FLOOR * WIN
    cdef double r, need
    if s.loaded and far_active and s.sef > DIVERGE_RATIO * s.sd + 0.01 * FAR_FLOOR * WIN:
        s.diverge_count += 1
    else:
        s.diverge_count = 0
    if s.diverge_count >= DIVERGE_WINDOWS:
        # the output is 3 dB louder than the input for 64 ms: no echo estimate does that
        _undo_divergence(s)
        s.diverge_count = 0
        s.better_count = 0
    elif s.adapt and far_active:
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
        if s.seb < XFER_RATIO * s.sef and s.seb * 10.0 ** (need / 10.0) < s.sd:
            s.better_count += 1
            if s.better_count >= XFER_COUNT:
                s.better_count = 0
                if _background_gain_ok(s):
                    _load_foreground(s)
                    s.loaded = 1
                    s.loads += 1
                    s.good_current = 0
                else:
                    # it amplifies somewhere: not (yet) an echo path; keep the foreground
                    s.refused += 1
        else:
            s.better_count = 0
            if s.seb > 8.0 * s.sef + 1.0:
                # background diverged (double talk it did not see): restart from foreground
                _load_background(s)
    else:
        s.better_count = 0
    if far_active and s.hang == 0 and s.loaded:
        r = 10.0 * log10((s.sd + 1.0) / (s.sef + 1.0))
        if r < 0.0:
            r = 0.0
        s.erle_db += 0.25 * (r - s.erle_db)
        if s.erle_db > s.erle_best:
            s.erle_best = s.erle_db
        if r >= GOOD_DB and not s.good_current:
            memcpy(s.hgood, s.hf, s.P * s.L * sizeof(float))
            s.good = 1
            s.good_current = 1
        # echo path change: well below the best ERLE seen for a while -> fast mode again
        if r < s.erle_best - 12.0 and s.erle_best > 20.0:
            s.low_count += 1
            if s.low_count >= PATH_WINDOWS and s.fast == 0:
                s.fast = _fast_blocks(s)
        else:
            s.low_count = 0
    s.cng_amp = <float> sqrt(3.0 * s.noise)
    s.sx = s.sd = s.seb = s.sef = 0.0


cdef void ec_process(EcState *s, const int16_t *near, const int16_t *far, int16_t *out,
                     Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef int taps = s.taps
    cdef int pos, j
    cdef float x, d, yf, ef, ax, m, o, cn
    cdef bint dt, echo_present, near_speech
    cdef float *xbuf = s.xbuf
    for i in range(n):
        x = far[i]
        d = near[i]
        # -- far-end history: reverse-time vectors xbuf[pos .. pos+taps]
        pos = s.pos
        if pos == 0:
            memmove(xbuf + s.size - taps - 1, xbuf, (taps + 1) * sizeof(float))
            pos = s.size - taps - 1
        pos -= 1
        xbuf[pos] = x
        s.pos = pos
        # -- foreground (output) filter: zero latency
        yf = _fir(s.hf, xbuf + pos, taps)
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
        # -- window statistics
        s.sx += x * x
        s.sd += d * d
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
        # -- background: collect the block, run the MDF at its end
        s.xblk[s.L + s.bn] = x
        s.dblk[s.L + s.bn] = d
        s.bx += x * x
        if dt:
            s.bdt = 1
        s.bn += 1
        if s.bn == s.L:
            _mdf_block(s)
            s.bn = 0
            s.bdt = 0
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
    * ``mu``: step size of the background filter during the fast start,
      0 < mu <= 1 (0.3 mu afterwards).
    * ``erl_db``: Geigel double-talk threshold as an echo return loss (dB):
      near > far peak - erl_db means double talk.  The default 3 dB is looser
      than the 6 dB worst-case hybrid on purpose: the two-path structure
      already protects the output filter, and false alarms slow convergence.
      The detector freezes adaptation only once 20 dB ERLE has been seen.
      (A spectral detector, always on, freezes it whenever the near end holds
      energy that the far end cannot have caused: see the module docstring.)

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
        """True while a double-talk detector (Geigel or spectral, 30 ms hangover) holds."""
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
    def foreground_resets(self) -> int:
        """How many times a diverged output filter (output 3 dB above input) was undone."""
        return self.st.resets

    @property
    def refused_loads(self) -> int:
        """How many background filters were not loaded because they amplify (+6 dB) somewhere."""
        return self.st.refused

    @property
    def spectral_double_talk_blocks(self) -> int:
        """How many background blocks the spectral double-talk test froze."""
        return self.st.sdt_blocks

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
