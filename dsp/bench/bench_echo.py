"""Line echo canceller throughput, ours vs spandsp ``echo_can``, 128..1024 taps.

One call = one 20 ms frame (160 samples) per channel, as the engine calls it;
successive calls walk through 2 s of far-end speech (or shaped noise when
espeak-ng is missing) and its synthetic hybrid echo plus near-end noise, so
both cancellers adapt as they would on a call.  The walk loops, so these rows
show the converged canceller; the "call start" rows measure the first 2 s of a
call from ``reset()`` (our background filter works 3-5 passes per block during
its ~1 s fast start), frame by frame, against spandsp over the same 2 s (its
cost does not depend on convergence).

spandsp: ``echo_can_init(taps, ADAPTION|NLP|CNG|CLIP|TX_HPF|RX_HPF)`` and
``echo_can_update(ec, tx, rx)`` per sample in a C loop inside the cffi shim.
Debian's libspandsp 0.0.6 is built with a debug ``printf("echo is %d\\n")`` for
every sample in its echo canceller.  To compare with a fair (non-debug) build,
the shim points ``stdout`` at a *read-only* stream around the loop: glibc's
printf then returns at its first check (EBADF) without formatting or writing,
so the debug lines cost one call each (a few ns of ~1 µs per sample).
Nothing of spandsp is rebuilt.
"""
from __future__ import annotations

import numpy as np

from dsp.bench import spandsp_ref
from dsp.bench.core import Case
from dsp.echo import EchoCanceller, EchoCancellerBank

_CDEF = """
void *shim_ec_new(int taps);
void shim_ec_block(void **ecs, int channels, const int16_t *tx, const int16_t *rx,
                   int16_t *out, int n);
"""
_SRC = """
#include <stdio.h>
static FILE *mute = NULL;
void *shim_ec_new(int taps)
{ return echo_can_init(taps, ECHO_CAN_USE_ADAPTION | ECHO_CAN_USE_NLP | ECHO_CAN_USE_CNG
                             | ECHO_CAN_USE_CLIP | ECHO_CAN_USE_TX_HPF | ECHO_CAN_USE_RX_HPF); }
void shim_ec_block(void **ecs, int channels, const int16_t *tx, const int16_t *rx,
                   int16_t *out, int n)
{ if (!mute) mute = fopen("/dev/null", "r");
  FILE *saved = stdout; fflush(saved); stdout = mute;   /* silence the debug printf */
  for (int c = 0; c < channels; c++) {
    echo_can_state_t *s = (echo_can_state_t *) ecs[c];
    const int16_t *t = tx + (size_t) c * n, *r = rx + (size_t) c * n;
    int16_t *o = out + (size_t) c * n;
    for (int i = 0; i < n; i++) o[i] = echo_can_update(s, t[i], r[i]);
  }
  stdout = saved; }
"""

FRAME = 160
SECONDS = 2.0


def _signals(channels: int, taps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(far, near) arrays of shape (channels, SECONDS*8000): speech and its hybrid echo."""
    rng = np.random.default_rng(seed)
    n = int(SECONDS * 8000)
    try:
        from dsp.bench import corpus
        base = corpus.speech(SECONDS * 4, seed=seed).astype(np.float64)
    except Exception:  # no espeak-ng: shaped noise
        base = np.convolve(rng.normal(0, 2000, 4 * n), [1.0, 0.7])[:4 * n]
    far = np.empty((channels, n), np.int16)
    near = np.empty((channels, n), np.int16)
    for c in range(channels):
        start = int(rng.integers(0, base.size - n))
        x = base[start:start + n]
        length = min(taps - 48, 256)
        h = rng.normal(0, 1, length) * np.exp(-np.arange(length) / (length / 5.0))
        h = np.concatenate([np.zeros(int(rng.integers(8, 40))), h])
        echo = np.convolve(x, h)[:n]
        echo *= np.sqrt(np.mean(x ** 2) / (np.mean(echo ** 2) + 1e-9)) * 10 ** (-9 / 20)
        far[c] = np.clip(np.rint(x), -32768, 32767)
        near[c] = np.clip(np.rint(echo + rng.normal(0, 5, n)), -32768, 32767)
    return far, near


class _Walker:
    """Feeds successive 20 ms frames (all channels) to a process function."""

    def __init__(self, far: np.ndarray, near: np.ndarray):
        self.frames = far.shape[1] // FRAME
        self.far = [np.ascontiguousarray(far[:, i * FRAME:(i + 1) * FRAME]) for i in range(self.frames)]
        self.near = [np.ascontiguousarray(near[:, i * FRAME:(i + 1) * FRAME]) for i in range(self.frames)]
        self.i = 0

    def next(self) -> tuple[np.ndarray, np.ndarray]:
        i = self.i
        self.i = (i + 1) % self.frames
        return self.far[i], self.near[i]


def _ours_single(taps: int, far: np.ndarray, near: np.ndarray):
    ec = EchoCanceller(taps)
    w = _Walker(far, near)

    def run():
        f, n = w.next()
        return ec.process(n[0], f[0])
    return run


def _ours_bank(taps: int, far: np.ndarray, near: np.ndarray):
    bank = EchoCancellerBank(far.shape[0], taps)
    w = _Walker(far, near)

    def run():
        f, n = w.next()
        return bank.process(n, f)
    return run


def _ours_start(taps: int, far: np.ndarray, near: np.ndarray):
    """The first SECONDS of a call: reset, then every 20 ms frame in turn."""
    ec = EchoCanceller(taps)
    w = _Walker(far, near)
    frames = [(w.far[i][0], w.near[i][0]) for i in range(w.frames)]

    def run():
        ec.reset()
        for f, n in frames:
            ec.process(n, f)
    return run


def _ref_whole(lib, taps: int, far: np.ndarray, near: np.ndarray):
    """spandsp over the same SECONDS of audio (one C loop, no reset: cost is flat)."""
    ffi = spandsp_ref.ffi_of(lib)
    states = ffi.new("void *[]", [lib.shim_ec_new(taps)])
    f = np.ascontiguousarray(far[0])
    n = np.ascontiguousarray(near[0])
    out = np.empty(f.size, np.int16)
    bufs = (ffi.from_buffer("int16_t[]", f), ffi.from_buffer("int16_t[]", n),
            ffi.from_buffer("int16_t[]", out))

    def run():
        lib.shim_ec_block(states, 1, bufs[0], bufs[1], bufs[2], f.size)
    run.keep = (states, bufs, f, n, out)
    return run


def _ref(lib, taps: int, far: np.ndarray, near: np.ndarray):
    ffi = spandsp_ref.ffi_of(lib)
    channels = far.shape[0]
    states = ffi.new("void *[]", [lib.shim_ec_new(taps) for _ in range(channels)])
    w = _Walker(far, near)
    out = np.empty((channels, FRAME), np.int16)
    p_out = ffi.from_buffer("int16_t[]", out)
    bufs = [(ffi.from_buffer("int16_t[]", f), ffi.from_buffer("int16_t[]", n))
            for f, n in zip(w.far, w.near)]
    state = {"i": 0}

    def run():
        i = state["i"]
        state["i"] = (i + 1) % len(bufs)
        tx, rx = bufs[i]
        lib.shim_ec_block(states, channels, tx, rx, p_out, FRAME)
    run.keep = (states, bufs, out)   # keep the cffi buffers alive
    return run


def cases(quick: bool) -> list[Case]:
    lib = spandsp_ref.load("echo", _CDEF, _SRC)
    note = "" if lib else (spandsp_ref.unavailable_reason or "")
    out = []
    tap_list = (256, 1024) if quick else (128, 256, 512, 1024)
    batch = 8 if quick else 32
    for taps in tap_list:
        far1, near1 = _signals(1, taps, seed=taps)
        out.append(Case(f"echo canceller {taps} taps", "1 ch, 20 ms", 1, FRAME / 8000,
                        ours=_ours_single(taps, far1, near1),
                        ref=_ref(lib, taps, far1, near1) if lib else None, ref_note=note))
        if not quick or taps == 256:
            out.append(Case(f"echo canceller {taps} taps", "1 ch, first 2 s", 1, SECONDS,
                            ours=_ours_start(taps, far1, near1),
                            ref=_ref_whole(lib, taps, far1, near1) if lib else None, ref_note=note))
        farb, nearb = _signals(batch, taps, seed=taps + 1)
        out.append(Case(f"echo canceller {taps} taps", f"{batch} ch batch", batch, FRAME / 8000,
                        ours=_ours_bank(taps, farb, nearb),
                        ref=_ref(lib, taps, farb, nearb) if lib else None, ref_note=note))
    return out
