# C-level G.711 block converters for other Cython modules: `from dsp cimport g711`.
from libc.stdint cimport int16_t, uint8_t

cdef void alaw_encode_block(const int16_t *src, uint8_t *dst, Py_ssize_t n) noexcept nogil
cdef void ulaw_encode_block(const int16_t *src, uint8_t *dst, Py_ssize_t n) noexcept nogil
cdef void alaw_decode_block(const uint8_t *src, int16_t *dst, Py_ssize_t n) noexcept nogil
cdef void ulaw_decode_block(const uint8_t *src, int16_t *dst, Py_ssize_t n) noexcept nogil
