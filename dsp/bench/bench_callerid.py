"""FSK caller-ID modem throughput: reception (continuous demodulation in 20 ms blocks)
and generation, ours (dsp.fsk) vs spandsp fsk_rx / fsk_tx (Bell 202).

spandsp's receiver runs in FSK_FRAME_MODE_SYNC with a put_bit callback that only
counts bits (its caller-ID path, adsi_rx, does the async framing in that callback);
ours includes carrier detect, UART framing and the per-character checks, so the
comparison leans in spandsp's favour.
"""
from __future__ import annotations

import numpy as np

from dsp import fsk
from dsp.bench import spandsp_ref
from dsp.bench.core import Case

_CDEF = """
int shim_rx_make(int channels);
void shim_rx_run(const int16_t *amp, int channels, int n, int block);
void shim_tx_make(const uint8_t *bits, int nbits);
void shim_tx_run(int16_t *amp, int n);
"""
_SRC = """
static fsk_rx_state_t *rx[256];
static int nrx = 0;
static int bitcount = 0;
static void put_bit(void *user, int bit) { bitcount += bit; }
int shim_rx_make(int channels)
{ for (int c = 0; c < channels && c < 256; c++) {
      if (c >= nrx) rx[c] = fsk_rx_init(NULL, &preset_fsk_specs[FSK_BELL202], FSK_FRAME_MODE_SYNC, put_bit, NULL);
  }
  if (channels > nrx) nrx = channels;
  return nrx; }
/* amp: channels x n samples; feed each channel in blocks of `block` samples, block-major
   (as the engine does: one 20 ms frame of every channel per tick) */
void shim_rx_run(const int16_t *amp, int channels, int n, int block)
{ for (int i = 0; i < n; i += block)
      for (int c = 0; c < channels; c++)
          fsk_rx(rx[c], amp + (size_t) c * n + i, block); }
static fsk_tx_state_t *tx = NULL;
static const uint8_t *txbits; static int ntxbits; static int txpos;
static int get_bit(void *user) { int b = txbits[txpos++]; if (txpos >= ntxbits) txpos = 0; return b; }
void shim_tx_make(const uint8_t *bits, int nbits)
{ txbits = bits; ntxbits = nbits; txpos = 0;
  if (!tx) tx = fsk_tx_init(NULL, &preset_fsk_specs[FSK_BELL202], get_bit, NULL);
  fsk_tx_power(tx, -13.5f); }
void shim_tx_run(int16_t *amp, int n) { fsk_tx(tx, amp, n); }
"""

SECONDS = 1.0
BLOCK = 160


def _signal(seconds: float, seed: int) -> np.ndarray:
    """Continuous Bell 202 data (random UART bytes with mark gaps) at -13.5 dBm0."""
    rng = np.random.default_rng(seed)
    mod = fsk.FskModulator("bell202", -13.5)
    parts = [mod.mark(80)]
    n = 80 * 8000 // 1200
    while n < seconds * 8000:
        chunk = mod.modulate_bytes(rng.integers(0, 256, 20, dtype=np.uint8).tobytes())
        parts.append(chunk)
        parts.append(mod.mark(10))
        n += len(chunk) + len(parts[-1])
    return np.concatenate(parts)[:int(seconds * 8000)].astype(np.int16)


def cases(quick: bool) -> list[Case]:
    lib = spandsp_ref.load("callerid", _CDEF, _SRC)
    note = "" if lib else (spandsp_ref.unavailable_reason or "")
    out = []
    samples = int(SECONDS * 8000)
    for channels, variant in ((1, "1 ch, 20 ms"), (64, "64 ch batch")):
        audio = np.stack([_signal(SECONDS, c) for c in range(channels)])
        if channels == 1:
            demod = fsk.FskDemodulator("bell202")
            frames = [audio[0, i:i + BLOCK] for i in range(0, samples, BLOCK)]

            def ours(d=demod, frames=frames):
                for f in frames:
                    d.process(f)
        else:
            bank = fsk.FskDemodulatorBank("bell202", channels)
            frames = [np.ascontiguousarray(audio[:, i:i + BLOCK]) for i in range(0, samples, BLOCK)]

            def ours(b=bank, frames=frames):
                for f in frames:
                    b.process(f)
        ref = None
        if lib is not None:
            ffi = spandsp_ref.ffi_of(lib)
            lib.shim_rx_make(channels)
            buf = np.ascontiguousarray(audio)
            p = ffi.from_buffer("int16_t[]", buf)
            ref = (lambda p=p, c=channels, b=buf: lib.shim_rx_run(p, c, samples, BLOCK))
        out.append(Case("FSK CID receive (Bell 202)", variant, channels, SECONDS,
                        ours=ours, ref=ref, ref_note=note))
    # the whole FXO receiver as the engine runs it: 64 channels per tick, standard 'auto'
    # (Bell 202 and V.23, both polarities) plus DTMF caller ID; no spandsp equivalent.
    # The audio is continuous FSK data on every channel, the worst case for the Python
    # message assembly (a real line carries a 0.5 s burst per call).
    from dsp.callerid import CallerIdDecoderBank
    channels = 16 if quick else 64
    audio = np.stack([_signal(SECONDS, c) for c in range(channels)])
    frames = [np.ascontiguousarray(audio[:, i:i + BLOCK]) for i in range(0, samples, BLOCK)]
    dec = CallerIdDecoderBank(channels, "auto", dtmf=True)

    def full(d=dec, frames=frames):
        for f in frames:
            d.process(f)
    out.append(Case("CallerIdDecoderBank auto+DTMF", f"{channels} ch batch", channels, SECONDS,
                    ours=full, ref=None, ref_note="Bell 202 + V.23, both polarities, + DTMF; continuous data (worst case)"))
    # generation: one second of random bits per call
    bits = np.random.default_rng(9).integers(0, 2, 1200, dtype=np.uint8)
    mod = fsk.FskModulator("bell202", -13.5)
    ref = None
    if lib is not None:
        ffi = spandsp_ref.ffi_of(lib)
        lib.shim_tx_make(ffi.from_buffer("uint8_t[]", bits), len(bits))
        txbuf = np.empty(samples, np.int16)
        pt = ffi.from_buffer("int16_t[]", txbuf)
        ref = (lambda pt=pt, keep=(bits, txbuf): lib.shim_tx_run(pt, samples))
    out.append(Case("FSK CID generate (Bell 202)", "1 ch, 1 s", 1, SECONDS,
                    ours=(lambda m=mod, b=bits: m.modulate_bits(b)), ref=ref, ref_note=note))
    return out
