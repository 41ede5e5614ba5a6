# cython: language_level=3
"""Real FFT in float32 for block-based DSP (frequency-domain adaptive filters).

``rfft`` takes ``n`` real samples and gives the ``n/2 + 1`` bins 0..n/2 in
split form (separate real and imaginary arrays, so bin-wise loops vectorise);
``irfft`` is its exact inverse (scaled by 1/n, so ``irfft(rfft(x)) == x``).
Underneath: an ``n/2``-point iterative radix-2 complex FFT on the even/odd
samples packed as real/imaginary parts, plus the usual split step.  Plans hold
precomputed twiddles and the bit-reversal table; everything is ``nogil``.

Python face (tests, tools): :func:`rfft_py` / :func:`irfft_py` on numpy arrays.
"""
import numpy as np
from libc.stdlib cimport malloc, free
from libc.math cimport cos, sin, M_PI


cdef int fft_plan_init(FftPlan *p, int n) noexcept nogil:
    cdef int m = n // 2
    cdef int k, bits, r, v, b, half
    p.n = n
    p.m = m
    p.tc = <float *> malloc(m * sizeof(float))
    p.ts = <float *> malloc(m * sizeof(float))
    p.rc = <float *> malloc((m + 1) * sizeof(float))
    p.rs = <float *> malloc((m + 1) * sizeof(float))
    p.rev = <int *> malloc(m * sizeof(int))
    p.zr = <float *> malloc(m * sizeof(float))
    p.zi = <float *> malloc(m * sizeof(float))
    if p.tc == NULL or p.ts == NULL or p.rc == NULL or p.rs == NULL or p.rev == NULL \
            or p.zr == NULL or p.zi == NULL:
        return -1
    if n < 8 or (n & (n - 1)) != 0:
        return -2
    half = 1                        # stage twiddles: exp(-2 pi i j / (2 half)) at tc[half - 1 + j]
    while half < m:
        for k in range(half):
            p.tc[half - 1 + k] = <float> cos(M_PI * k / half)
            p.ts[half - 1 + k] = <float> -sin(M_PI * k / half)
        half *= 2
    for k in range(m + 1):
        p.rc[k] = <float> cos(2.0 * M_PI * k / n)
        p.rs[k] = <float> -sin(2.0 * M_PI * k / n)
    bits = 0
    while (1 << bits) < m:
        bits += 1
    for k in range(m):
        r = 0
        v = k
        for b in range(bits):
            r = (r << 1) | (v & 1)
            v >>= 1
        p.rev[k] = r
    return 0


cdef void fft_plan_free(FftPlan *p) noexcept nogil:
    free(p.tc); free(p.ts); free(p.rc); free(p.rs); free(p.rev); free(p.zr); free(p.zi)
    p.tc = p.ts = p.rc = p.rs = p.zr = p.zi = NULL
    p.rev = NULL


cdef inline void _cfft(FftPlan *p, float *ar, float *ai) noexcept nogil:
    """In-place forward complex FFT of bit-reversed input (length m).

    Radix-2 decimation in time; stage twiddles are stored contiguously per stage
    (``tc[half - 1 + j]``) so the butterfly loop over ``j`` runs on unit strides
    and vectorises.
    """
    cdef int m = p.m
    cdef int half, start, j, g
    cdef float tr, ti, ur, ui
    cdef float *xr
    cdef float *xi
    cdef float *yr
    cdef float *yi
    cdef const float *wr
    cdef const float *wi
    # first two stages together (radix 4, twiddles 1 and -i)
    cdef float s0r, s0i, d0r, d0i, s1r, s1i, d1r, d1i
    for g in range(m // 4):
        start = 4 * g
        s0r = ar[start] + ar[start + 1]
        s0i = ai[start] + ai[start + 1]
        d0r = ar[start] - ar[start + 1]
        d0i = ai[start] - ai[start + 1]
        s1r = ar[start + 2] + ar[start + 3]
        s1i = ai[start + 2] + ai[start + 3]
        d1r = ar[start + 2] - ar[start + 3]
        d1i = ai[start + 2] - ai[start + 3]
        ar[start] = s0r + s1r
        ai[start] = s0i + s1i
        ar[start + 2] = s0r - s1r
        ai[start + 2] = s0i - s1i
        # -i * d1 = (d1i, -d1r)
        ar[start + 1] = d0r + d1i
        ai[start + 1] = d0i - d1r
        ar[start + 3] = d0r - d1i
        ai[start + 3] = d0i + d1r
    half = 4
    while half < m:
        wr = p.tc + half - 1
        wi = p.ts + half - 1
        for g in range(m // (2 * half)):
            xr = ar + g * 2 * half
            xi = ai + g * 2 * half
            yr = xr + half
            yi = xi + half
            for j in range(half):
                tr = wr[j] * yr[j] - wi[j] * yi[j]
                ti = wr[j] * yi[j] + wi[j] * yr[j]
                ur = xr[j]
                ui = xi[j]
                yr[j] = ur - tr
                yi[j] = ui - ti
                xr[j] = ur + tr
                xi[j] = ui + ti
        half *= 2


cdef void rfft(FftPlan *p, const float *x, float *re, float *im) noexcept nogil:
    """Forward real FFT: ``x`` (n samples) -> bins 0..n/2 in ``re``/``im``."""
    cdef int m = p.m
    cdef int k, r
    cdef float *zr = p.zr
    cdef float *zi = p.zi
    cdef float ar, ai, br, bi, er, ei, orr, oi, wr, wi
    for k in range(m):
        r = p.rev[k]
        zr[r] = x[2 * k]
        zi[r] = x[2 * k + 1]
    _cfft(p, zr, zi)
    re[0] = zr[0] + zi[0]
    im[0] = 0.0
    re[m] = zr[0] - zi[0]
    im[m] = 0.0
    for k in range(1, m):
        ar = zr[k]
        ai = zi[k]
        br = zr[m - k]
        bi = -zi[m - k]                 # conj(Z[m-k])
        er = 0.5 * (ar + br)            # Fe = (Z_k + conj Z_{m-k}) / 2
        ei = 0.5 * (ai + bi)
        orr = 0.5 * (ai - bi)           # Fo = (Z_k - conj Z_{m-k}) / 2i
        oi = -0.5 * (ar - br)
        wr = p.rc[k]
        wi = p.rs[k]
        re[k] = er + wr * orr - wi * oi
        im[k] = ei + wr * oi + wi * orr


cdef void irfft(FftPlan *p, const float *re, const float *im, float *x) noexcept nogil:
    """Inverse real FFT: bins 0..n/2 -> ``x`` (n samples), scaled by 1/n."""
    cdef int m = p.m
    cdef int k, r
    cdef float *zr = p.zr
    cdef float *zi = p.zi
    cdef float ar, ai, br, bi, er, ei, dr, di, orr, oi, wr, wi, scale
    for k in range(m):
        ar = re[k]
        ai = im[k]
        br = re[m - k]
        bi = -im[m - k]                 # conj(X[m-k])
        er = 0.5 * (ar + br)
        ei = 0.5 * (ai + bi)
        dr = 0.5 * (ar - br)
        di = 0.5 * (ai - bi)
        wr = p.rc[k]
        wi = -p.rs[k]                   # conj(W^k) = exp(+2 pi i k / n)
        orr = dr * wr - di * wi
        oi = dr * wi + di * wr
        # Z = Fe + i Fo, conjugated for the inverse-by-forward trick
        r = p.rev[k]
        zr[r] = er - oi
        zi[r] = -(ei + orr)
    _cfft(p, zr, zi)
    scale = 1.0 / m
    for k in range(m):
        x[2 * k] = zr[k] * scale
        x[2 * k + 1] = -zi[k] * scale


def rfft_py(x) -> np.ndarray:
    """numpy face of :func:`rfft` (complex128 result, like ``numpy.fft.rfft``)."""
    cdef float[::1] xv = np.ascontiguousarray(x, dtype=np.float32)
    cdef int n = xv.shape[0]
    cdef FftPlan p
    re = np.empty(n // 2 + 1, np.float32)
    im = np.empty(n // 2 + 1, np.float32)
    cdef float[::1] rv = re
    cdef float[::1] iv = im
    if fft_plan_init(&p, n) != 0:
        fft_plan_free(&p)
        raise ValueError("size must be a power of two >= 8")
    rfft(&p, &xv[0], &rv[0], &iv[0])
    fft_plan_free(&p)
    return re + 1j * im.astype(np.float64)


def irfft_py(spec, int n) -> np.ndarray:
    """numpy face of :func:`irfft`: ``n/2 + 1`` complex bins -> ``n`` float32 samples."""
    spec = np.asarray(spec)
    cdef float[::1] rv = np.ascontiguousarray(spec.real, dtype=np.float32)
    cdef float[::1] iv = np.ascontiguousarray(spec.imag, dtype=np.float32)
    cdef FftPlan p
    out = np.empty(n, np.float32)
    cdef float[::1] ov = out
    if rv.shape[0] != n // 2 + 1:
        raise ValueError("need n/2 + 1 bins")
    if fft_plan_init(&p, n) != 0:
        fft_plan_free(&p)
        raise ValueError("size must be a power of two >= 8")
    irfft(&p, &rv[0], &iv[0], &ov[0])
    fft_plan_free(&p)
    return out
