"""The whole per-channel DSP chain of an analog/E1 leg, as the engine runs it each tick.

Per 20 ms tick and channel: G.711 decode of what the line sent, echo cancellation
against what we sent (32 ms tail; 128 ms reported too), DTMF detection and
call-progress detection on the cleaned audio, G.711 encode of what we send.
Target: >= 500 channels in real time per core.  spandsp's column is the same chain
built from spandsp parts (G.711, echo_can, dtmf_rx; spandsp has no call-progress
detector of the same kind, so its chain does less work than ours).
"""
from __future__ import annotations

import numpy as np

from dsp import g711
from dsp.bench import spandsp_ref
from dsp.bench.core import Case
from dsp.dtmf import DtmfDetector, DtmfDetectorBank
from dsp.echo import EchoCanceller, EchoCancellerBank
from dsp.tones import CallProgressDetector

try:  # a batched call-progress detector, when dsp.tones offers one
    from dsp.tones import CallProgressDetectorBank
except ImportError:  # pragma: no cover - depends on the module's version
    CallProgressDetectorBank = None

_CDEF = """
void *shim_chain_new(int taps);
void shim_chain_tick(void *c, const uint8_t *rx, const int16_t *tx, uint8_t *tx_codes, int n);
"""
_SRC = """
#include <stdio.h>
/* Debian's spandsp 0.0.6 echo canceller printf()s a debug line per sample; stdout points
   at a read-only /dev/null stream around the loop so those calls return at once
   (the same fair-comparison trick as bench_echo). */
static FILE *mute = NULL;
typedef struct { echo_can_state_t *ec; dtmf_rx_state_t *dtmf; int16_t buf[160]; } chain_t;
void *shim_chain_new(int taps)
{ chain_t *c = calloc(1, sizeof(*c));
  c->ec = echo_can_init(taps, ECHO_CAN_USE_ADAPTION | ECHO_CAN_USE_NLP | ECHO_CAN_USE_CNG
                              | ECHO_CAN_USE_CLIP | ECHO_CAN_USE_TX_HPF | ECHO_CAN_USE_RX_HPF);
  c->dtmf = dtmf_rx_init(NULL, NULL, NULL); return c; }
void shim_chain_tick(void *p, const uint8_t *rx, const int16_t *tx, uint8_t *tx_codes, int n)
{ chain_t *c = (chain_t *) p;
  if (!mute) mute = fopen("/dev/null", "r");
  FILE *saved = stdout; fflush(saved); stdout = mute;
  for (int i = 0; i < n; i++) c->buf[i] = echo_can_update(c->ec, tx[i], alaw_to_linear(rx[i]));
  stdout = saved;
  dtmf_rx(c->dtmf, c->buf, n);
  for (int i = 0; i < n; i++) tx_codes[i] = linear_to_alaw(tx[i]); }
"""


def _signals(channels: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    far = rng.normal(0, 2000, (channels, 160)).clip(-32768, 32767).astype(np.int16)
    near = (far.astype(np.int32) // 3 + rng.normal(0, 300, (channels, 160)).astype(np.int32))
    rx_codes = g711.alaw_encode_array(near.clip(-32768, 32767).astype(np.int16))
    return rx_codes, far


def _single(taps: int, rng: np.random.Generator):
    rx_codes, far = _signals(1, rng)
    rx_bytes, far1 = rx_codes.reshape(-1).tobytes(), far.reshape(-1)
    ec, det, cpd = EchoCanceller(taps), DtmfDetector(), CallProgressDetector("cn")

    def tick():
        near = g711.alaw_decode(rx_bytes)
        clean = ec.process(near, far1)
        det.process(clean)
        cpd.process(clean)
        return g711.alaw_encode(far1)
    return tick


def _batch(channels: int, taps: int, rng: np.random.Generator):
    rx_codes, far = _signals(channels, rng)
    ecs = EchoCancellerBank(channels, taps)
    dets = DtmfDetectorBank(channels)
    if CallProgressDetectorBank is not None:
        cpds = CallProgressDetectorBank(channels, "cn")
        run_cpd = cpds.process
    else:
        each = [CallProgressDetector("cn") for _ in range(channels)]

        def run_cpd(block):
            for i, d in enumerate(each):
                d.process(block[i])

    def tick():
        near = g711.alaw_decode_array(rx_codes)
        clean = ecs.process(near, far)
        dets.process(clean)
        run_cpd(clean)
        return g711.alaw_encode_array(far)
    return tick


def _ref(channels: int, taps: int, rng: np.random.Generator):
    lib = spandsp_ref.load("chain", _CDEF, _SRC)
    if lib is None:
        return None
    ffi = spandsp_ref.ffi_of(lib)
    rx_codes, far = _signals(channels, rng)
    out = np.empty_like(rx_codes)
    states = [lib.shim_chain_new(taps) for _ in range(channels)]
    rows = [(ffi.from_buffer("uint8_t[]", rx_codes[i]), ffi.from_buffer("int16_t[]", far[i]),
             ffi.from_buffer("uint8_t[]", out[i])) for i in range(channels)]
    tick_fn = lib.shim_chain_tick

    def tick():
        for st, (a, b, c) in zip(states, rows):
            tick_fn(st, a, b, c, 160)
    return tick


def cases(quick: bool) -> list[Case]:
    rng = np.random.default_rng(7)
    out = []
    note = "spandsp chain: G.711 + echo_can + dtmf_rx (no call-progress)"
    for taps, tail in ((256, "32 ms"), (1024, "128 ms")):
        out.append(Case(f"chain, EC {tail}", "1 ch, 20 ms", 1, 0.02,
                        ours=_single(taps, rng), ref=_ref(1, taps, rng), ref_note=note))
        channels = 32
        out.append(Case(f"chain, EC {tail}", f"{channels} ch batch", channels, 0.02,
                        ours=_batch(channels, taps, rng), ref=_ref(channels, taps, rng),
                        ref_note=note))
    return out
