# cython: language_level=3
"""Real FFT (float32, power-of-two sizes) for block DSP: cimport these from other modules."""

cdef struct FftPlan:
    int n              # real transform size (power of two, >= 8)
    int m              # n / 2: size of the complex FFT underneath
    float *tc          # complex-FFT stage twiddles: cos(pi j / half) at [half - 1 + j]
    float *ts          # -sin(pi j / half)
    float *rc          # real split twiddles cos(2 pi k / n), k <= m
    float *rs          # -sin(2 pi k / n)
    int *rev           # bit reversal permutation of m
    float *zr          # work (m)
    float *zi

cdef int fft_plan_init(FftPlan *p, int n) noexcept nogil
cdef void fft_plan_free(FftPlan *p) noexcept nogil
cdef void rfft(FftPlan *p, const float *x, float *re, float *im) noexcept nogil
cdef void irfft(FftPlan *p, const float *re, const float *im, float *x) noexcept nogil
