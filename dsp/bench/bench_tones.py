"""Tone generation and call-progress detection throughput, ours vs spandsp.

Generation: ``dsp.tones.ToneGenerator`` (US busy, 480+620 Hz 500/500 ms, -13 dBm0 per
component) beside spandsp ``tone_gen`` driven by a ``tone_gen_descriptor_t`` from
``make_tone_gen_descriptor`` with the same tone, both producing 20 ms frames.

Detection: ``dsp.callprogress.CallProgressDetector('cn')`` (dial, busy, ringback,
congestion, number-unobtainable, fax CNG/CED) beside spandsp ``super_tone_rx`` with
a descriptor holding the CN dial, busy, ringback and congestion cadences (4 tones,
one Goertzel at 450 Hz: spandsp merges close frequencies); and the same for the US
profile (ours: 15 frequencies incl. SIT, fax and the busy/congestion check filters;
spandsp: the 4 dual-tone cadences).  The reference does
less work (no fax tones, no SIT, no voice/silence classification, rectangular
20 ms Goertzel only), so the ratio is conservative for us.  Both see the same
frames: CN busy tone at -20 dBm0 plus white noise at -45 dBm0.
"""
from __future__ import annotations

import numpy as np

from dsp import callprogress, tones
from dsp.bench import corpus, spandsp_ref
from dsp.bench.core import Case

_CDEF = """
void *shim_tg_new(int f1, int l1, int f2, int l2, int d1, int d2);
void shim_tg_frames(void **states, int16_t *out, int channels, int n);
void *shim_str_new_cn(void);
void *shim_str_new_us(void);
void shim_str_frames(void **states, const int16_t *frames, int channels, int n);
"""
_SRC = """
void *shim_tg_new(int f1, int l1, int f2, int l2, int d1, int d2)
{
    tone_gen_descriptor_t *d = make_tone_gen_descriptor(NULL, f1, l1, f2, l2, d1, d2, 0, 0, 1);
    return tone_gen_init(NULL, d);
}
void shim_tg_frames(void **states, int16_t *out, int channels, int n)
{
    for (int c = 0; c < channels; c++)
        tone_gen((tone_gen_state_t *) states[c], out + (size_t) c * n, n);
}
static void shim_str_report(void *user_data, int code, int level, int delay) { (void) user_data; }
static super_tone_rx_descriptor_t *shim_cn_desc = NULL;
void *shim_str_new_cn(void)
{
    if (shim_cn_desc == NULL) {
        super_tone_rx_descriptor_t *d = super_tone_rx_make_descriptor(NULL);
        int t;
        t = super_tone_rx_add_tone(d);                       /* dial */
        super_tone_rx_add_element(d, t, 450, 0, 1000, 0);
        t = super_tone_rx_add_tone(d);                       /* busy 350/350 */
        super_tone_rx_add_element(d, t, 450, 0, 260, 440);
        super_tone_rx_add_element(d, t, 0, 0, 260, 440);
        t = super_tone_rx_add_tone(d);                       /* congestion 700/700 */
        super_tone_rx_add_element(d, t, 450, 0, 560, 840);
        super_tone_rx_add_element(d, t, 0, 0, 560, 840);
        t = super_tone_rx_add_tone(d);                       /* ringback 1000/4000 */
        super_tone_rx_add_element(d, t, 450, 0, 800, 1200);
        super_tone_rx_add_element(d, t, 0, 0, 3500, 4500);
        shim_cn_desc = d;
    }
    return super_tone_rx_init(NULL, shim_cn_desc, shim_str_report, NULL);
}
static super_tone_rx_descriptor_t *shim_us_desc = NULL;
void *shim_str_new_us(void)
{
    if (shim_us_desc == NULL) {
        super_tone_rx_descriptor_t *d = super_tone_rx_make_descriptor(NULL);
        int t;
        t = super_tone_rx_add_tone(d);                       /* dial 350+440 */
        super_tone_rx_add_element(d, t, 350, 440, 1000, 0);
        t = super_tone_rx_add_tone(d);                       /* busy 480+620 500/500 */
        super_tone_rx_add_element(d, t, 480, 620, 400, 600);
        super_tone_rx_add_element(d, t, 0, 0, 400, 600);
        t = super_tone_rx_add_tone(d);                       /* congestion 250/250 */
        super_tone_rx_add_element(d, t, 480, 620, 180, 320);
        super_tone_rx_add_element(d, t, 0, 0, 180, 320);
        t = super_tone_rx_add_tone(d);                       /* ringback 440+480 2000/4000 */
        super_tone_rx_add_element(d, t, 440, 480, 1700, 2300);
        super_tone_rx_add_element(d, t, 0, 0, 3500, 4500);
        shim_us_desc = d;
    }
    return super_tone_rx_init(NULL, shim_us_desc, shim_str_report, NULL);
}
void shim_str_frames(void **states, const int16_t *frames, int channels, int n)
{
    for (int c = 0; c < channels; c++)
        super_tone_rx((super_tone_rx_state_t *) states[c], frames + (size_t) c * n, n);
}
"""


def _test_frames(channels: int, frames: int, country: str = "cn") -> np.ndarray:
    """(frames, channels, 160) int16: busy tone at -20 dBm0 + white noise at -45 dBm0."""
    n = frames * 160
    busy = tones.generate("busy", country, n // 8, level_dbm0=-20.0)
    sig = corpus.mix(busy, corpus.white_noise(n / 8000, -45.0, seed=1))
    rows = np.stack([np.roll(sig, 997 * c) for c in range(channels)])       # channels x n
    return np.ascontiguousarray(rows.reshape(channels, frames, 160).transpose(1, 0, 2))


def cases(quick: bool) -> list[Case]:
    out: list[Case] = []
    lib = spandsp_ref.load("tones", _CDEF, _SRC)
    note = "" if lib else (spandsp_ref.unavailable_reason or "")
    ffi = spandsp_ref.ffi_of(lib) if lib else None
    variants = ((1, "1 ch, 20 ms"), (64, "64 ch batch"))

    # ---- generation: one 20 ms frame per channel per call
    for channels, variant in variants:
        gens = [tones.ToneGenerator("busy", "us") for _ in range(channels)]
        if channels == 1:
            g = gens[0]
            ours = (lambda g=g: g.read(160))
        else:
            ours = (lambda gens=gens: tones.read_many(gens, 160))
        ref = None
        if lib is not None:
            states = ffi.new("void *[]", [lib.shim_tg_new(480, -13, 620, -13, 500, 500)
                                          for _ in range(channels)])
            buf = ffi.new("int16_t[]", channels * 160)
            ref = (lambda s=states, b=buf, c=channels: lib.shim_tg_frames(s, b, c, 160))
        out.append(Case("tone generation (US busy)", variant, channels, 0.02, ours=ours, ref=ref,
                        ref_note=note))

    # ---- call-progress detection: one 20 ms frame per channel per call, cycling
    nframes = 50 if quick else 250                       # 1 s / 5 s of distinct audio
    runs = [("cn", 1, "1 ch, 20 ms"), ("cn", 64, "64 ch batch"), ("us", 64, "64 ch batch")]
    for country, channels, variant in runs[:2] if quick else runs:
        frames = _test_frames(channels, nframes, country)
        dets = [callprogress.CallProgressDetector(country) for _ in range(channels)]
        pos = [0]

        def ours(frames=frames, dets=dets, pos=pos, channels=channels):
            i = pos[0]
            pos[0] = (i + 1) % frames.shape[0]
            if channels == 1:
                return dets[0].process(frames[i, 0])
            return callprogress.process_batch(dets, frames[i])
        ref = None
        if lib is not None:
            new = lib.shim_str_new_cn if country == "cn" else lib.shim_str_new_us
            states = ffi.new("void *[]", [new() for _ in range(channels)])
            ptrs = [ffi.from_buffer("int16_t[]", frames[i]) for i in range(frames.shape[0])]
            rpos = [0]

            def ref(states=states, ptrs=ptrs, rpos=rpos, channels=channels):
                i = rpos[0]
                rpos[0] = (i + 1) % len(ptrs)
                lib.shim_str_frames(states, ptrs[i], channels, 160)
        out.append(Case(f"call-progress detect ({country.upper()})", variant, channels, 0.02, ours=ours,
                        ref=ref, ref_note=note))
    return out
