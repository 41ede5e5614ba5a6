"""DTMF detection (and generation) throughput, ours vs spandsp ``dtmf_rx``/``dtmf_tx``.

The spandsp side runs through a small cffi shim (:data:`SHIM_CDEF`/:data:`SHIM_SRC`,
shared with :mod:`dsp.bench.talkoff`) whose C loop calls ``dtmf_rx`` on the same
frames and drains the digit buffer with ``dtmf_rx_get`` after each frame, as an
engine would.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from dsp.bench import spandsp_ref
from dsp.bench.core import Case

SHIM_CDEF = """
void *shim_dtmf_rx_new(void);
void shim_dtmf_rx_free(void *s);
void shim_dtmf_rx_parms(void *s, int twist, int reverse_twist, int threshold);
int shim_dtmf_rx_run(void *s, const int16_t *x, int n, int block, char *digits, int max);
void shim_dtmf_rx_frames(void **states, const int16_t *frames, int channels, int n);
void *shim_dtmf_tx_new(int level, int twist, int on_ms, int off_ms);
void shim_dtmf_tx_free(void *s);
int shim_dtmf_tx_put(void *s, const char *digits);
int shim_dtmf_tx(void *s, int16_t *amp, int n);
"""

SHIM_SRC = """
void *shim_dtmf_rx_new(void) { return dtmf_rx_init(NULL, NULL, NULL); }
void shim_dtmf_rx_free(void *s) { dtmf_rx_free((dtmf_rx_state_t *) s); }
void shim_dtmf_rx_parms(void *s, int twist, int reverse_twist, int threshold)
{ dtmf_rx_parms((dtmf_rx_state_t *) s, -1, twist, reverse_twist, threshold); }
int shim_dtmf_rx_run(void *s, const int16_t *x, int n, int block, char *digits, int max)
{
    int got = 0;
    for (int i = 0; i < n; i += block) {
        int len = (n - i < block) ? n - i : block;
        dtmf_rx((dtmf_rx_state_t *) s, x + i, len);
        if (got < max)
            got += dtmf_rx_get((dtmf_rx_state_t *) s, digits + got, max - got);
    }
    return got;
}
void shim_dtmf_rx_frames(void **states, const int16_t *frames, int channels, int n)
{
    char buf[64];
    for (int c = 0; c < channels; c++) {
        dtmf_rx((dtmf_rx_state_t *) states[c], frames + (size_t) c * n, n);
        dtmf_rx_get((dtmf_rx_state_t *) states[c], buf, 64);
    }
}
void *shim_dtmf_tx_new(int level, int twist, int on_ms, int off_ms)
{
    dtmf_tx_state_t *s = dtmf_tx_init(NULL);
    dtmf_tx_set_level(s, level, twist);
    dtmf_tx_set_timing(s, on_ms, off_ms);
    return s;
}
void shim_dtmf_tx_free(void *s) { dtmf_tx_free((dtmf_tx_state_t *) s); }
int shim_dtmf_tx_put(void *s, const char *digits) { return dtmf_tx_put((dtmf_tx_state_t *) s, digits, -1); }
int shim_dtmf_tx(void *s, int16_t *amp, int n) { return dtmf_tx((dtmf_tx_state_t *) s, amp, n); }
"""


def load_shim() -> Optional[object]:
    """The compiled spandsp DTMF shim's ``lib``, or ``None`` (see ``spandsp_ref.unavailable_reason``)."""
    return spandsp_ref.load("dtmf", SHIM_CDEF, SHIM_SRC)


class SpandspDtmfRx:
    """One spandsp ``dtmf_rx`` instance with default parameters (for comparisons)."""

    def __init__(self, lib: object) -> None:
        self.lib = lib
        self.ffi = spandsp_ref.ffi_of(lib)
        self.state = self.ffi.gc(lib.shim_dtmf_rx_new(), lib.shim_dtmf_rx_free)

    def process(self, samples: np.ndarray, block: int = 160) -> str:
        """Feed int16 ``samples`` in blocks of ``block``; return the digits reported."""
        x = np.ascontiguousarray(samples, dtype=np.int16)
        cap = x.size // 200 + 64
        buf = self.ffi.new("char[]", cap)
        got = self.lib.shim_dtmf_rx_run(self.state, self.ffi.from_buffer("int16_t[]", x),
                                        x.size, block, buf, cap)
        return self.ffi.string(buf, got).decode() if got else ""
