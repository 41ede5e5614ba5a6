"""G.711 encode+decode throughput (A-law and µ-law), ours vs spandsp."""
from __future__ import annotations

import numpy as np

from dsp import g711
from dsp.bench import spandsp_ref
from dsp.bench.core import Case

_CDEF = """
void shim_alaw_roundtrip(const int16_t *src, uint8_t *codes, int16_t *dst, int n);
void shim_ulaw_roundtrip(const int16_t *src, uint8_t *codes, int16_t *dst, int n);
"""
_SRC = """
void shim_alaw_roundtrip(const int16_t *src, uint8_t *codes, int16_t *dst, int n)
{ for (int i = 0; i < n; i++) codes[i] = linear_to_alaw(src[i]);
  for (int i = 0; i < n; i++) dst[i] = alaw_to_linear(codes[i]); }
void shim_ulaw_roundtrip(const int16_t *src, uint8_t *codes, int16_t *dst, int n)
{ for (int i = 0; i < n; i++) codes[i] = linear_to_ulaw(src[i]);
  for (int i = 0; i < n; i++) dst[i] = ulaw_to_linear(codes[i]); }
"""


def cases(quick: bool) -> list[Case]:
    rng = np.random.default_rng(1)
    out = []
    lib = spandsp_ref.load("g711", _CDEF, _SRC)
    for law in ("alaw", "ulaw"):
        for channels, variant in ((1, "1 ch, 20 ms"), (64, "64 ch batch")):
            # one call = one 20 ms frame per channel, as the engine calls it: a single
            # channel goes int16 -> bytes -> int16, a batch (channels x 160) array -> array
            if channels == 1:
                enc = getattr(g711, f"{law}_encode")
                dec = getattr(g711, f"{law}_decode")
                frame = (rng.normal(0, 3000, 160)).clip(-32768, 32767).astype(np.int16)
            else:
                enc = getattr(g711, f"{law}_encode_array")
                dec = getattr(g711, f"{law}_decode_array")
                frame = (rng.normal(0, 3000, (channels, 160))).clip(-32768, 32767).astype(np.int16)
            ref = None
            if lib is not None:
                ffi = spandsp_ref.ffi_of(lib)
                codes = np.empty(frame.size, np.uint8)
                back = np.empty(frame.size, np.int16)
                fn = getattr(lib, f"shim_{law}_roundtrip")
                p_src, p_codes, p_back = (ffi.from_buffer("int16_t[]", frame),
                                          ffi.from_buffer("uint8_t[]", codes),
                                          ffi.from_buffer("int16_t[]", back))
                n = frame.size
                ref = (lambda fn=fn, a=p_src, b=p_codes, c=p_back, n=n: fn(a, b, c, n))
            out.append(Case(f"G.711 {law} encode+decode", variant, channels, 0.02,
                            ours=(lambda f=frame, e=enc, d=dec: d(e(f))), ref=ref,
                            ref_note="" if lib else (spandsp_ref.unavailable_reason or "")))
    return out
