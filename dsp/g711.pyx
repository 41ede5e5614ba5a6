# cython: language_level=3
"""G.711 A-law and µ-law companding, bit-exact with ITU-T G.711.

Bit-exact means: the same codes as the ITU-T G.191 reference implementation
(STL ``g711.c``) for all 65 536 inputs, and the same samples for all 256 codes.
Python's ``audioop`` agrees everywhere except µ-law encoding of negative inputs,
where it rounds the 14-bit magnitude up (``-1`` becomes code 0x7E, decoding to
-8, while ``+1`` becomes 0xFF, decoding to 0); G.191 and spandsp take the one's
complement and keep the law symmetric, and so do we.

The encoders take 16-bit linear samples (A-law uses the top 13 bits, µ-law the
top 14 bits, as G.711 specifies); the decoders return 16-bit linear samples.
Conversion is by table: a 65 536-entry table per law for encoding, a 256-entry
table for decoding, built once at import from the G.711 segment rules.

Python face::

    g711.alaw_encode(samples) -> bytes         g711.alaw_decode(data) -> numpy.int16
    g711.ulaw_encode(samples) -> bytes         g711.ulaw_decode(data) -> numpy.int16

``*_encode_array`` / ``*_decode_array`` keep the array shape (use them for
channel batches, channels × 160).
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int16_t, uint8_t, uint16_t

from dsp.audio import as_int16, as_uint8

cnp.import_array()

cdef uint8_t _alaw_enc[65536]
cdef uint8_t _ulaw_enc[65536]
cdef int16_t _alaw_dec[256]
cdef int16_t _ulaw_dec[256]

cdef int _ALAW_SEG_END[8]
cdef int _ULAW_SEG_END[8]
_ALAW_SEG_END[:] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]
_ULAW_SEG_END[:] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF]


cdef inline int _segment(int value, int *ends) noexcept nogil:
    cdef int i
    for i in range(8):
        if value <= ends[i]:
            return i
    return 8


cdef uint8_t _linear_to_alaw(int sample) noexcept nogil:
    """A-law code for a 16-bit linear sample (G.711 table 1a)."""
    cdef int pcm = sample >> 3          # 13-bit magnitude scale
    cdef int mask, seg, aval
    if pcm >= 0:
        mask = 0xD5                      # sign bit set, even bits inverted
    else:
        mask = 0x55
        pcm = -pcm - 1
    seg = _segment(pcm, _ALAW_SEG_END)
    if seg >= 8:
        return <uint8_t>(0x7F ^ mask)
    aval = seg << 4
    if seg < 2:
        aval |= (pcm >> 1) & 0x0F
    else:
        aval |= (pcm >> seg) & 0x0F
    return <uint8_t>(aval ^ mask)


cdef int16_t _alaw_to_linear(uint8_t code) noexcept nogil:
    cdef int a = code ^ 0x55
    cdef int t = (a & 0x0F) << 4
    cdef int seg = (a & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t += 0x108
        t <<= seg - 1
    return <int16_t>(t if (a & 0x80) else -t)


cdef uint8_t _linear_to_ulaw(int sample) noexcept nogil:
    """µ-law code for a 16-bit linear sample (G.711 table 2a, 14-bit input)."""
    cdef int pcm
    cdef int mask, seg
    if sample < 0:
        # One's complement magnitude, as the ITU-T G.191 reference does: -1..-4
        # encode like 0..3 (0x7F vs 0xFF), keeping the law symmetric.
        pcm = (~sample) >> 2
        mask = 0x7F
    else:
        pcm = sample >> 2
        mask = 0xFF
    if pcm > 8159:
        pcm = 8159
    pcm += 0x84 >> 2
    seg = _segment(pcm, _ULAW_SEG_END)
    if seg >= 8:
        return <uint8_t>(0x7F ^ mask)
    return <uint8_t>(((seg << 4) | ((pcm >> (seg + 1)) & 0x0F)) ^ mask)


cdef int16_t _ulaw_to_linear(uint8_t code) noexcept nogil:
    cdef int u = (~code) & 0xFF
    cdef int t = ((u & 0x0F) << 3) + 0x84
    t <<= (u & 0x70) >> 4
    return <int16_t>((0x84 - t) if (u & 0x80) else (t - 0x84))


cdef void _build_tables() noexcept nogil:
    cdef int i
    for i in range(65536):
        _alaw_enc[i] = _linear_to_alaw(<int16_t><uint16_t>i)
        _ulaw_enc[i] = _linear_to_ulaw(<int16_t><uint16_t>i)
    for i in range(256):
        _alaw_dec[i] = _alaw_to_linear(<uint8_t>i)
        _ulaw_dec[i] = _ulaw_to_linear(<uint8_t>i)

_build_tables()


# ---- C-level API for other Cython modules (declared in g711.pxd) -------------

cdef void alaw_encode_block(const int16_t *src, uint8_t *dst, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        dst[i] = _alaw_enc[<uint16_t>src[i]]

cdef void ulaw_encode_block(const int16_t *src, uint8_t *dst, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        dst[i] = _ulaw_enc[<uint16_t>src[i]]

cdef void alaw_decode_block(const uint8_t *src, int16_t *dst, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        dst[i] = _alaw_dec[src[i]]

cdef void ulaw_decode_block(const uint8_t *src, int16_t *dst, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        dst[i] = _ulaw_dec[src[i]]


# ---- Python face ------------------------------------------------------------
# The common cases (a contiguous int16 array or bytes) take a fast path with no
# intermediate copies: the per-call cost matters when the engine converts one
# 20 ms frame per channel per tick.

from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE


cdef inline bint _is_plain_int16(object x):
    return (type(x) is np.ndarray and cnp.PyArray_TYPE(<cnp.ndarray>x) == cnp.NPY_INT16
            and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>x))


cdef bytes _encode_bytes(object samples, bint alaw):
    cdef cnp.ndarray src
    cdef const int16_t *p
    cdef Py_ssize_t n
    if type(samples) is bytes and not (PyBytes_GET_SIZE(samples) & 1):
        p = <const int16_t *>PyBytes_AS_STRING(samples)
        n = PyBytes_GET_SIZE(samples) // 2
    else:
        src = samples if _is_plain_int16(samples) else as_int16(samples)
        p = <const int16_t *>cnp.PyArray_DATA(src)
        n = cnp.PyArray_SIZE(src)
    cdef bytes out = PyBytes_FromStringAndSize(NULL, n)
    cdef uint8_t *d = <uint8_t *>PyBytes_AS_STRING(out)
    with nogil:
        if alaw:
            alaw_encode_block(p, d, n)
        else:
            ulaw_encode_block(p, d, n)
    return out


cdef cnp.ndarray _decode_array(object data, bint alaw):
    cdef const uint8_t *p
    cdef Py_ssize_t n
    cdef cnp.ndarray src
    if type(data) is bytes:
        p = <const uint8_t *>PyBytes_AS_STRING(data)
        n = PyBytes_GET_SIZE(data)
    else:
        src = as_uint8(data)
        p = <const uint8_t *>cnp.PyArray_DATA(src)
        n = cnp.PyArray_SIZE(src)
    cdef cnp.npy_intp dims = n
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(1, &dims, cnp.NPY_INT16, 0)
    cdef int16_t *d = <int16_t *>cnp.PyArray_DATA(out)
    with nogil:
        if alaw:
            alaw_decode_block(p, d, n)
        else:
            ulaw_decode_block(p, d, n)
    return out


cdef cnp.ndarray _encode_array(object samples, bint alaw):
    cdef cnp.ndarray src = samples if _is_plain_int16(samples) else as_int16(samples)
    cdef cnp.ndarray out = np.empty(np.shape(samples), dtype=np.uint8)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(src)
    if cnp.PyArray_SIZE(out) != n:
        raise ValueError("G.711: could not keep the shape of the input")
    with nogil:
        if alaw:
            alaw_encode_block(<const int16_t *>cnp.PyArray_DATA(src), <uint8_t *>cnp.PyArray_DATA(out), n)
        else:
            ulaw_encode_block(<const int16_t *>cnp.PyArray_DATA(src), <uint8_t *>cnp.PyArray_DATA(out), n)
    return out


def alaw_encode(samples) -> bytes:
    """Encode 16-bit linear samples (numpy int16 or bytes) to A-law code bytes."""
    return _encode_bytes(samples, True)


def ulaw_encode(samples) -> bytes:
    """Encode 16-bit linear samples (numpy int16 or bytes) to µ-law code bytes."""
    return _encode_bytes(samples, False)


def alaw_decode(data) -> np.ndarray:
    """Decode A-law code bytes to 16-bit linear samples (numpy int16)."""
    return _decode_array(data, True)


def ulaw_decode(data) -> np.ndarray:
    """Decode µ-law code bytes to 16-bit linear samples (numpy int16)."""
    return _decode_array(data, False)


def alaw_encode_array(samples) -> np.ndarray:
    """A-law encode an int16 array of any shape (e.g. channels × 160) to uint8 of that shape."""
    return _encode_array(samples, True)


def ulaw_encode_array(samples) -> np.ndarray:
    """µ-law encode an int16 array of any shape to uint8 of that shape."""
    return _encode_array(samples, False)


def alaw_decode_array(data) -> np.ndarray:
    """Decode a uint8 A-law array of any shape to int16 of that shape."""
    return _decode_array(data, True).reshape(np.shape(data))


def ulaw_decode_array(data) -> np.ndarray:
    """Decode a uint8 µ-law array of any shape to int16 of that shape."""
    return _decode_array(data, False).reshape(np.shape(data))


def encode(samples, law: str = "alaw") -> bytes:
    """Encode with the named law (``'alaw'`` or ``'ulaw'``)."""
    if law not in ("alaw", "ulaw"):
        raise ValueError(f"unknown companding law {law!r}: use 'alaw' or 'ulaw'")
    return _encode_bytes(samples, law == "alaw")


def decode(data, law: str = "alaw") -> np.ndarray:
    """Decode with the named law (``'alaw'`` or ``'ulaw'``)."""
    if law not in ("alaw", "ulaw"):
        raise ValueError(f"unknown companding law {law!r}: use 'alaw' or 'ulaw'")
    return _decode_array(data, law == "alaw")
