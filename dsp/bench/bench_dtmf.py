"""DTMF detection (and generation) throughput, ours vs spandsp ``dtmf_rx``/``dtmf_tx``.

The spandsp side runs through a small cffi shim (:data:`SHIM_CDEF`/:data:`SHIM_SRC`,
shared with :mod:`dsp.bench.talkoff`) whose C loop calls ``dtmf_rx`` on the same
frames and drains the digit buffer with ``dtmf_rx_get`` after each frame, as an
engine would.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from dsp import dtmf
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
int shim_dtmf_tx_keep(void *s, int16_t *amp, int n);
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
int shim_dtmf_tx_keep(void *s, int16_t *amp, int n)
{
    int k = dtmf_tx((dtmf_tx_state_t *) s, amp, n);
    if (k < n) {
        dtmf_tx_put((dtmf_tx_state_t *) s, "5", 1);
        k += dtmf_tx((dtmf_tx_state_t *) s, amp + k, n - k);
    }
    return k;
}
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


def _frames(channels: int, seed: int) -> np.ndarray:
    """One 20 ms frame per channel: DTMF digits in white noise (-35 dBm0), varied per channel."""
    from dsp.bench.corpus import white_noise
    rng = np.random.default_rng(seed)
    out = np.empty((channels, 160), np.int16)
    for c in range(channels):
        t = dtmf.dtmf_tone(dtmf.DIGITS[c % 16], 20, -12.0, 0.0,
                           low_phase=rng.uniform(0, 6.3), high_phase=rng.uniform(0, 6.3))
        out[c] = np.clip(t.astype(np.int32) + white_noise(0.02, -35.0, seed + c), -32768, 32767)
    return out


def cases(quick: bool) -> list[Case]:
    """Detection: 1 channel per call and a 64-channel bank, one 20 ms frame per channel
    per call (as the engine calls it); generation: 20 ms per call while a digit plays."""
    lib = load_shim()
    note = "" if lib else (spandsp_ref.unavailable_reason or "")
    ffi = spandsp_ref.ffi_of(lib) if lib is not None else None
    out: list[Case] = []
    for channels, variant in ((1, "1 ch, 20 ms"), (64, "64 ch batch")):
        frames = _frames(channels, 11)
        if channels == 1:
            det = dtmf.DtmfDetector()
            frame = np.ascontiguousarray(frames[0])
            ours = (lambda d=det, f=frame: d.process(f))
        else:
            bank = dtmf.DtmfDetectorBank(channels)
            ours = (lambda b=bank, f=frames: b.process(f))
        ref = None
        if lib is not None:
            states = [ffi.gc(lib.shim_dtmf_rx_new(), lib.shim_dtmf_rx_free) for _ in range(channels)]
            p_states = ffi.new("void *[]", states)
            p_frames = ffi.from_buffer("int16_t[]", frames)
            ref = (lambda fn=lib.shim_dtmf_rx_frames, s=p_states, f=p_frames, c=channels, keep=states:
                   fn(s, f, c, 160))
        out.append(Case("DTMF detect", variant, channels, 0.02, ours=ours, ref=ref, ref_note=note))
    if not quick:
        gen = dtmf.DtmfGenerator(-10.0, 0.0, on_ms=3_600_000, off_ms=0)
        gen.send("5")

        def ours_gen(g=gen):
            if not g.busy:
                g.send("5")
            return g.read(160)
        ref = None
        if lib is not None:
            tx = ffi.gc(lib.shim_dtmf_tx_new(-10, 0, 3_600_000, 0), lib.shim_dtmf_tx_free)
            lib.shim_dtmf_tx_put(tx, b"5")
            buf = np.empty(160, np.int16)
            p_buf = ffi.from_buffer("int16_t[]", buf)
            ref = (lambda fn=lib.shim_dtmf_tx_keep, s=tx, b=p_buf: fn(s, b, 160))
        out.append(Case("DTMF generate", "1 ch, 20 ms", 1, 0.02, ours=ours_gen, ref=ref,
                        ref_note=note))
    return out
