# cython: language_level=3
"""Call-progress detection: dial, ringback, busy, congestion, SIT, fax tones, silence, voice.

``CallProgressDetector(profile)`` (a CountryProfile or a country code) analyses
8 kHz int16 audio in fixed 20 ms blocks (160 samples) whatever the size of the
blocks it is fed, so results never depend on how the audio is cut.

Per block it measures, with Goertzel filters, the power at every frequency of
the profile's call-progress tones (dial, busy, ringback, congestion, info/SIT)
plus 1100 Hz (fax CNG) and 2100 Hz (fax CED), and the total power.  A block is
"on" for a frequency set when the set holds at least ``on_ratio`` of the total
power (dual tones: each component at least ``twist_fraction`` of the set) and the
total is above ``min_level_dbm0``: a *clean* block; the best such set wins the
block.  Powers come from 40 ms Hann windows every 20 ms.  When no set dominates
(speech on top of the tone), a block still counts as "on" while the set's
narrowband power is within ``off_drop_db`` of the level learnt from its clean
blocks (for 10 s).  Runs change after 2 disagreeing blocks; an on run whose clean
blocks vary by more than ``stability_db`` fits no cadence.
On/off run lengths are matched against each tone's cadence from the profile
table with a tolerance of ``tol_ms + tol_fraction * nominal``; a tone is
established when the last K runs match (K = ``fast_runs`` = 4 for two-run cadences
faster than 2 s — CN busy: on, off, on, off = about 1.3 s — 3 runs (two bursts)
for slower two-run cadences such as ringback, one cycle for longer cadences), or —
busy and congestion only — when the *fold test* passes: over the last two periods,
at some phase of the cadence, at most ``fold_slack`` (1) block lies well inside an
on run while clearly tone-free (set power ``clear_off_db`` = 12 dB under its level)
or well inside an off run while clean, and both kinds of evidence occur in each
period.  The fold test finds busy tone under speech 10-15 dB louder, where runs
are chopped up by masking.  Steady tones (dial, CED) are established after
``dial_ms`` / ``ced_ms`` of continuous, mostly clean tone.

Silence: ``silence_ms`` of blocks below ``silence_dbm0``.  Voice: about
``voice_ms`` (net) of blocks above it that no tone set dominates.  A tone state
holds while its cadence still fits, so speech over a busy tone does not end it.

``process(samples)`` returns the :class:`ToneEvent` s ``(name, sample)``
established in that call: ``sample`` is the absolute index (since start or
reset) of the end of the 20 ms block at which the state was established.
Each state is reported once when it is entered; ``state`` is the current name.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int16_t, int64_t, uint64_t
from libc.math cimport cos, sin, M_PI
from libc.stdlib cimport malloc, free, realloc
from typing import NamedTuple

from dsp.audio import as_int16
from dsp.levels import rms_for_dbm0
from dsp.profiles import get_profile

cnp.import_array()

DEF N = 160            # block (hop), samples (20 ms)
DEF WLEN = 320         # analysis window (Hann, 40 ms), two windows overlap by half
DEF BLOCK_MS = 20
DEF MAXF = 24          # frequencies per detector (tone frequencies + noise-floor neighbours)
DEF MAXS = 12          # frequency sets
DEF MAXT = 12          # tone matchers
DEF MAXP = 16          # runs in one cadence
DEF HIST = 16          # completed runs remembered per set
DEF BIG = 1000000000
DEF DEBOUNCE = 2       # blocks of the opposite kind that end a run
DEF FORGET = 500       # blocks (10 s) without a clean tone block before a set's level is forgotten

# states (index into EVENT_NAMES); 0 = nothing established yet / a tone just ended
DEF S_UNKNOWN = 0
DEF S_SILENCE = 1
DEF S_VOICE = 2
DEF S_DIAL = 3
DEF S_RINGBACK = 4
DEF S_BUSY = 5
DEF S_CONGESTION = 6
DEF S_SIT = 7
DEF S_FAX_CNG = 8
DEF S_FAX_CED = 9

cdef float _WIN[WLEN]
cdef double _WSUM = 0.0, _W2SUM = 0.0
cdef int _i
for _i in range(WLEN):
    _WIN[_i] = <float>(0.5 - 0.5 * cos(2.0 * M_PI * (_i + 0.5) / WLEN))
    _WSUM += _WIN[_i]
    _W2SUM += _WIN[_i] * _WIN[_i]
cdef float _PNORM = <float>(2.0 / (_WSUM * _WSUM))   # |X|^2 -> sine power
cdef float _ENORM = <float>(1.0 / _W2SUM)            # windowed energy -> power

EVENT_NAMES = ("unknown", "silence", "voice", "dialtone", "ringback", "busy", "congestion",
               "sit", "fax_cng", "fax_ced")
"""State names by code; every name but ``unknown`` is also an event name."""

TONE_EVENTS = frozenset(EVENT_NAMES[3:])
"""Event names that mean a tone was recognised (everything except silence/voice)."""

_PROFILE_TONES = (("busy", S_BUSY), ("congestion", S_CONGESTION), ("ringback", S_RINGBACK),
                  ("info", S_SIT), ("dial", S_DIAL))
FAX_CNG_SPEC = "1100/500,0/3000"
FAX_CED_HZ = 2100.0


cdef extern from *:
    """
    /* Goertzel filters of both overlapping Hann windows over m <= 160 samples.
       Written in C so each lane count K gets its own copy (always_inline + constant K):
       the filter states then live in SIMD registers instead of memory. */
    #include <stdint.h>
    #include <string.h>
    typedef float hl_v4 __attribute__((vector_size(16)));   /* GCC/Clang vectors: SSE, NEON */
    static inline __attribute__((always_inline)) void
    hl_goertzel_pair_k(float *sa1, float *sa2, float *sb1, float *sb2, const float *coef,
                       const int16_t *x, const float *wa, const float *wb, int m,
                       float *ea_out, float *eb_out, const int K)
    {
        const int NV = K / 4;
        hl_v4 c[6], a1[6], a2[6], b1[6], b2[6];
        float XA[160], XB[160];
        float ea = *ea_out, eb = *eb_out;
        int j, v;
        memcpy(c, coef, NV * sizeof(hl_v4));
        memcpy(a1, sa1, NV * sizeof(hl_v4)); memcpy(a2, sa2, NV * sizeof(hl_v4));
        memcpy(b1, sb1, NV * sizeof(hl_v4)); memcpy(b2, sb2, NV * sizeof(hl_v4));
        for (j = 0; j < m; j++) { float f = (float) x[j]; XA[j] = f * wa[j]; XB[j] = f * wb[j]; }
        for (j = 0; j < m; j++) { ea += XA[j] * XA[j]; eb += XB[j] * XB[j]; }
        /* Two samples per step: s[n] and s[n+1] both follow from (s[n-1], s[n-2]),
           halving the recurrence's dependency chain (the loop is latency-bound):
             s[n]   = x[n] + c s[n-1] - s[n-2]
             s[n+1] = x[n+1] + c x[n] + (c^2 - 1) s[n-1] - c s[n-2]            */
        hl_v4 d[6];
        for (v = 0; v < NV; v++) d[v] = c[v] * c[v] - 1.0f;
        for (j = 0; j + 1 < m; j += 2) {
            hl_v4 xa0 = {XA[j], XA[j], XA[j], XA[j]}, xb0 = {XB[j], XB[j], XB[j], XB[j]};
            hl_v4 xa1 = {XA[j + 1], XA[j + 1], XA[j + 1], XA[j + 1]};
            hl_v4 xb1 = {XB[j + 1], XB[j + 1], XB[j + 1], XB[j + 1]};
            for (v = 0; v < NV; v++) {
                hl_v4 na = (xa0 - a2[v]) + c[v] * a1[v];
                hl_v4 ta = (xa1 + c[v] * xa0) + (d[v] * a1[v] - c[v] * a2[v]);
                hl_v4 nb = (xb0 - b2[v]) + c[v] * b1[v];
                hl_v4 tb = (xb1 + c[v] * xb0) + (d[v] * b1[v] - c[v] * b2[v]);
                a2[v] = na; a1[v] = ta; b2[v] = nb; b1[v] = tb;
            }
        }
        for (; j < m; j++) {
            hl_v4 va = {XA[j], XA[j], XA[j], XA[j]}, vb = {XB[j], XB[j], XB[j], XB[j]};
            for (v = 0; v < NV; v++) {
                hl_v4 t = va + c[v] * a1[v] - a2[v]; a2[v] = a1[v]; a1[v] = t;
                hl_v4 u = vb + c[v] * b1[v] - b2[v]; b2[v] = b1[v]; b1[v] = u;
            }
        }
        memcpy(sa1, a1, NV * sizeof(hl_v4)); memcpy(sa2, a2, NV * sizeof(hl_v4));
        memcpy(sb1, b1, NV * sizeof(hl_v4)); memcpy(sb2, b2, NV * sizeof(hl_v4));
        *ea_out = ea; *eb_out = eb;
    }
    /* AVX2 copy of the same arithmetic, 8 lanes per vector (no FMA: identical rounding);
       picked at run time when the CPU has AVX2 and the lane count is a multiple of 8. */
    typedef float hl_v8 __attribute__((vector_size(32)));
    static inline __attribute__((always_inline, target("avx2"))) void
    hl_goertzel_pair_k8(float *sa1, float *sa2, float *sb1, float *sb2, const float *coef,
                       const int16_t *x, const float *wa, const float *wb, int m,
                       float *ea_out, float *eb_out, const int K)
    {
        const int NV = K / 8;
        hl_v8 c[3], a1[3], a2[3], b1[3], b2[3];
        float XA[160], XB[160];
        float ea = *ea_out, eb = *eb_out;
        int j, v;
        memcpy(c, coef, NV * sizeof(hl_v8));
        memcpy(a1, sa1, NV * sizeof(hl_v8)); memcpy(a2, sa2, NV * sizeof(hl_v8));
        memcpy(b1, sb1, NV * sizeof(hl_v8)); memcpy(b2, sb2, NV * sizeof(hl_v8));
        for (j = 0; j < m; j++) { float f = (float) x[j]; XA[j] = f * wa[j]; XB[j] = f * wb[j]; }
        for (j = 0; j < m; j++) { ea += XA[j] * XA[j]; eb += XB[j] * XB[j]; }
        /* Two samples per step: s[n] and s[n+1] both follow from (s[n-1], s[n-2]),
           halving the recurrence's dependency chain (the loop is latency-bound):
             s[n]   = x[n] + c s[n-1] - s[n-2]
             s[n+1] = x[n+1] + c x[n] + (c^2 - 1) s[n-1] - c s[n-2]            */
        hl_v8 d[3];
        for (v = 0; v < NV; v++) d[v] = c[v] * c[v] - 1.0f;
        for (j = 0; j + 1 < m; j += 2) {
            hl_v8 xa0 = {XA[j], XA[j], XA[j], XA[j], XA[j], XA[j], XA[j], XA[j]}, xb0 = {XB[j], XB[j], XB[j], XB[j], XB[j], XB[j], XB[j], XB[j]};
            hl_v8 xa1 = {XA[j + 1], XA[j + 1], XA[j + 1], XA[j + 1], XA[j + 1], XA[j + 1], XA[j + 1], XA[j + 1]};
            hl_v8 xb1 = {XB[j + 1], XB[j + 1], XB[j + 1], XB[j + 1], XB[j + 1], XB[j + 1], XB[j + 1], XB[j + 1]};
            for (v = 0; v < NV; v++) {
                hl_v8 na = (xa0 - a2[v]) + c[v] * a1[v];
                hl_v8 ta = (xa1 + c[v] * xa0) + (d[v] * a1[v] - c[v] * a2[v]);
                hl_v8 nb = (xb0 - b2[v]) + c[v] * b1[v];
                hl_v8 tb = (xb1 + c[v] * xb0) + (d[v] * b1[v] - c[v] * b2[v]);
                a2[v] = na; a1[v] = ta; b2[v] = nb; b1[v] = tb;
            }
        }
        for (; j < m; j++) {
            hl_v8 va = {XA[j], XA[j], XA[j], XA[j], XA[j], XA[j], XA[j], XA[j]}, vb = {XB[j], XB[j], XB[j], XB[j], XB[j], XB[j], XB[j], XB[j]};
            for (v = 0; v < NV; v++) {
                hl_v8 t = va + c[v] * a1[v] - a2[v]; a2[v] = a1[v]; a1[v] = t;
                hl_v8 u = vb + c[v] * b1[v] - b2[v]; b2[v] = b1[v]; b1[v] = u;
            }
        }
        memcpy(sa1, a1, NV * sizeof(hl_v8)); memcpy(sa2, a2, NV * sizeof(hl_v8));
        memcpy(sb1, b1, NV * sizeof(hl_v8)); memcpy(sb2, b2, NV * sizeof(hl_v8));
        *ea_out = ea; *eb_out = eb;
    }
    static __attribute__((noinline, target("avx2"))) void
    hl_goertzel_pair_avx2(float *sa1, float *sa2, float *sb1, float *sb2, const float *coef,
                          const int16_t *x, const float *wa, const float *wb, int m,
                          float *ea_out, float *eb_out, int K)
    {
        if (K == 8) hl_goertzel_pair_k8(sa1, sa2, sb1, sb2, coef, x, wa, wb, m, ea_out, eb_out, 8);
        else if (K == 16) hl_goertzel_pair_k8(sa1, sa2, sb1, sb2, coef, x, wa, wb, m, ea_out, eb_out, 16);
        else hl_goertzel_pair_k8(sa1, sa2, sb1, sb2, coef, x, wa, wb, m, ea_out, eb_out, 24);
    }
    static int hl_have_avx2 = -1;
    static void hl_goertzel_pair(float *sa1, float *sa2, float *sb1, float *sb2, const float *coef,
                                 const int16_t *x, const float *wa, const float *wb, int m,
                                 float *ea_out, float *eb_out, int K)
    {
        if (hl_have_avx2 < 0)
            hl_have_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
        if ((K & 7) == 0 && hl_have_avx2) {
            hl_goertzel_pair_avx2(sa1, sa2, sb1, sb2, coef, x, wa, wb, m, ea_out, eb_out, K);
            return;
        }
        switch (K) {
        case 4:  hl_goertzel_pair_k(sa1, sa2, sb1, sb2, coef, x, wa, wb, m, ea_out, eb_out, 4); break;
        case 8:  hl_goertzel_pair_k(sa1, sa2, sb1, sb2, coef, x, wa, wb, m, ea_out, eb_out, 8); break;
        case 12: hl_goertzel_pair_k(sa1, sa2, sb1, sb2, coef, x, wa, wb, m, ea_out, eb_out, 12); break;
        case 16: hl_goertzel_pair_k(sa1, sa2, sb1, sb2, coef, x, wa, wb, m, ea_out, eb_out, 16); break;
        case 20: hl_goertzel_pair_k(sa1, sa2, sb1, sb2, coef, x, wa, wb, m, ea_out, eb_out, 20); break;
        default: hl_goertzel_pair_k(sa1, sa2, sb1, sb2, coef, x, wa, wb, m, ea_out, eb_out, 24); break;
        }
    }
    """
    void hl_goertzel_pair(float *sa1, float *sa2, float *sb1, float *sb2, const float *coef,
                          const int16_t *x, const float *wa, const float *wb, int m,
                          float *ea_out, float *eb_out, int K) noexcept nogil


cdef extern from *:
    """
    static inline int hl_popcount64(unsigned long long x) { return __builtin_popcountll(x); }
    """
    int hl_popcount64(unsigned long long x) noexcept nogil


DEF FW = 4             # 64-bit words of block evidence kept per set (256 blocks = 5.12 s)
DEF FOLD_GUARD_MS = 50 # blocks this close to a cadence edge are not judged by the fold test

_FOLD_CACHE = {}


def _fold_templates(cad: tuple) -> np.ndarray:
    """Zone masks of a cadence for the fold test, one row per phase (20 ms steps).

    Row ``phi`` holds two 256-bit masks (4 x uint64 each) over the last W = 2 periods
    of blocks (bit i = the block i blocks ago): blocks well inside an on run of the
    cadence, and blocks well inside an off run, when the newest block sits at
    ``phi * 20`` ms into the cycle.  Shared by all detectors (cached).
    """
    key = tuple(cad)
    if key in _FOLD_CACHE:
        return _FOLD_CACHE[key]
    period = sum(ms for _, ms in cad)
    w = int(round(2 * period / BLOCK_MS))
    nph = -(-period // BLOCK_MS)
    starts = np.cumsum([0] + [ms for _, ms in cad])
    tpl = np.zeros((nph, 2, FW), np.uint64)
    for phi in range(nph):
        for i in range(min(w, 64 * FW)):
            tau = (phi * BLOCK_MS - i * BLOCK_MS) % period
            r = int(np.searchsorted(starts, tau, side="right") - 1)
            on, ms = cad[r]
            pos = tau - starts[r]
            if pos >= FOLD_GUARD_MS and ms - pos >= FOLD_GUARD_MS:
                tpl[phi, 0 if on else 1, i // 64] |= np.uint64(1) << np.uint64(i % 64)
    _FOLD_CACHE[key] = tpl
    return tpl


class ToneEvent(NamedTuple):
    """A call-progress state established at absolute sample index ``sample``."""
    name: str
    sample: int


cdef class CallProgressDetector:
    """Streaming call-progress detector for one channel (see the module docstring).

    Knobs (keyword arguments): ``min_level_dbm0`` (-43: quietest tone accepted,
    dBm0), ``silence_dbm0`` (-50: below this a block is silent), ``silence_ms``
    (5000), ``voice_ms`` (200: net ms of non-tone energy before ``voice``),
    ``on_ratio`` (0.65), ``twist_fraction`` (0.12), ``off_drop_db`` (4.0),
    ``tol_ms`` (50), ``tol_fraction`` (0.12), ``stability_db`` (5.0), ``fast_runs`` (4),
    ``dial_ms`` (None: 1500 ms or longer than any on-run of the same frequencies),
    ``ced_ms`` (2000), ``fax`` (True: detect CNG/CED).
    """
    # --- configuration
    cdef int nf, np4, ns, nt
    cdef float coef[MAXF]
    cdef float sn[MAXF]              # sin(w): complex Goertzel output
    cdef float rot_re[MAXF]          # exp(-j w 160): a steady tone's phase advance per block
    cdef float rot_im[MAXF]
    cdef float pr_re[MAXF]           # previous block's complex output
    cdef float pr_im[MAXF]
    cdef int nb_n[MAXS]              # noise-floor neighbour bins of a set (0: none)
    cdef int nb_mem[MAXS][8]
    cdef float nb_snr, phase_cos2
    cdef int steady_run[MAXF]        # consecutive blocks of steady phase advance
    cdef int steady_need
    cdef float bg_hist[MAXS][8]          # broadband power outside the busy set, recent blocks (ring)
    cdef float bg_ratio
    cdef int set_n[MAXS]
    cdef int set_mem[MAXS][MAXF]
    cdef int set_simul[MAXS]
    cdef int t_state[MAXT]
    cdef int t_set[MAXT]
    cdef int t_len[MAXT]             # runs in the cadence; 0 = continuous tone
    cdef int t_on[MAXT][MAXP]
    cdef int t_lo[MAXT][MAXP]        # blocks
    cdef int t_hi[MAXT][MAXP]
    cdef int t_k[MAXT]               # runs that must match
    cdef int t_strict[MAXT]          # every on run of the match must hold a clean block
    cdef int t_cont_blocks[MAXT]
    cdef int t_maxon[MAXT]
    cdef int t_maxoff[MAXT]
    cdef float on_ratio, twist_frac, off_drop, min_pow, sil_pow, stab
    cdef int silence_blocks, voice_need
    # --- streaming state
    cdef float s1[2][MAXF]           # Goertzel states of the two overlapping windows
    cdef float s2[2][MAXF]
    cdef float energy[2]
    cdef int late                    # the window in its second half (ends at the next block)
    cdef int fill
    cdef int64_t blocks
    cdef int cur_on[MAXS]
    cdef int cur_len[MAXS]
    cdef float psh[MAXS][32]         # recent narrowband set powers (ring, by block number)
    cdef int pend[MAXS]              # consecutive blocks disagreeing with the ongoing run
    cdef int clean_age[MAXS]         # blocks since the last clean (tone-dominated) block
    cdef int hist[MAXS][HIST]        # completed run lengths, newest at (hpos-1)
    cdef int hq[MAXS][HIST]          # 1 when that (on) run held at least one clean block
    cdef int hcount[MAXS]
    cdef int hpos[MAXS]
    cdef float on_level[MAXS]
    cdef int on_cnt[MAXS]            # clean (tone-dominated) blocks in the ongoing on run
    cdef float on_min[MAXS]
    cdef float on_max[MAXS]
    cdef float on_last[MAXS]
    cdef float on_sum[MAXS]          # sum of the clean blocks' set power in the ongoing on run
    cdef float hlev[MAXS][HIST]      # mean clean set power of that (on) run, 0 if none
    cdef float burst_ratio
    cdef int st
    cdef int cur_tone                # matcher index of the current tone state, -1
    cdef int sil_run, voice_cnt
    cdef int *ev_code
    cdef int64_t *ev_sample
    cdef int ev_n, ev_cap
    cdef readonly object profile
    cdef readonly tuple frequencies
    cdef readonly dict settings
    cdef list _tpl_refs
    cdef const uint64_t *f_tpl[MAXT]  # fold templates (None: tone not fold-tested)
    cdef int f_nph[MAXT]
    cdef int f_w[MAXT]
    cdef uint64_t f_half[MAXT][2][FW] # newer / older period of the fold window
    cdef float clear_off
    cdef int fold_slack
    cdef uint64_t clean_bits[MAXS][FW]
    cdef uint64_t coff_bits[MAXS][FW]
    cdef int64_t fold_until[MAXT]     # a fold match keeps the tone alive until this block
    cdef int prev_tone                # the last tone state left, and when (block)
    cdef int64_t prev_tone_end
    cdef public float last_ratio     # best set ratio of the last block (diagnostics)

    def __cinit__(self):
        self.ev_cap = 64
        self.ev_code = <int *>malloc(self.ev_cap * sizeof(int))
        self.ev_sample = <int64_t *>malloc(self.ev_cap * sizeof(int64_t))
        if self.ev_code == NULL or self.ev_sample == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self.ev_code)
        free(self.ev_sample)

    def __init__(self, profile="cn", *, float min_level_dbm0=-43.0, float silence_dbm0=-50.0,
                 int silence_ms=5000, int voice_ms=200, float on_ratio=0.65,
                 float twist_fraction=0.12, float off_drop_db=4.0,
                 int tol_ms=50, float tol_fraction=0.12, dial_ms=None, int ced_ms=2000,
                 float stability_db=5.0, int fast_runs=4, bint fold=True, float clear_off_db=12.0, int fold_slack=1,
                 float burst_db=4.0, float nb_snr_db=10.0, float bg_steady_db=3.0, float nb_offset_hz=150.0, float phase_tol_deg=25.0, int steady_blocks=2,
                 bint fax=True):
        prof = get_profile(profile)
        self.profile = prof
        self.settings = dict(min_level_dbm0=min_level_dbm0, silence_dbm0=silence_dbm0,
                             silence_ms=silence_ms, voice_ms=voice_ms, on_ratio=on_ratio,
                             twist_fraction=twist_fraction, off_drop_db=off_drop_db,
                             tol_ms=tol_ms, tol_fraction=tol_fraction,
                             dial_ms=dial_ms, ced_ms=ced_ms, stability_db=stability_db, fast_runs=fast_runs, fold=fold,
                             clear_off_db=clear_off_db, fold_slack=fold_slack, burst_db=burst_db, nb_snr_db=nb_snr_db, bg_steady_db=bg_steady_db,
                             nb_offset_hz=nb_offset_hz, phase_tol_deg=phase_tol_deg,
                             steady_blocks=steady_blocks, fax=fax)
        self.nb_snr = 10.0 ** (nb_snr_db / 10.0)
        self.burst_ratio = 10.0 ** (burst_db / 10.0)
        self.bg_ratio = 10.0 ** (bg_steady_db / 10.0)
        self.steady_need = max(1, steady_blocks)
        self.phase_cos2 = cos(phase_tol_deg * M_PI / 180.0) ** 2
        self.on_ratio = on_ratio
        self.twist_frac = twist_fraction
        self.off_drop = 10.0 ** (-off_drop_db / 10.0)
        self.stab = 10.0 ** (stability_db / 10.0)
        self.min_pow = rms_for_dbm0(min_level_dbm0) ** 2
        self.sil_pow = rms_for_dbm0(silence_dbm0) ** 2
        self.silence_blocks = max(1, silence_ms // BLOCK_MS)
        self.voice_need = 2 * max(1, voice_ms // BLOCK_MS)

        # tones to recognise: (state, ToneSpec-like cadence, freqs, simultaneous?)
        tones = []
        for name, code in _PROFILE_TONES:
            if name in prof.tones:
                spec = prof.tones[name]
                simul = any(len(s.freqs) > 1 for s in spec.segments)
                tones.append((code, spec.cadence(), spec.frequencies, simul))
        if fax:
            from dsp.profiles import parse_tone_spec
            cng = parse_tone_spec(FAX_CNG_SPEC)
            tones.append((S_FAX_CNG, cng.cadence(), cng.frequencies, False))
            tones.append((S_FAX_CED, ((True, None),), (FAX_CED_HZ,), False))
        freqs, sets = [], []
        for code, cad, fr, simul in tones:
            for f in fr:
                if f not in freqs:
                    freqs.append(f)
            key = (tuple(sorted(fr)), simul)
            if key not in sets:
                sets.append(key)
        # noise-floor neighbours (+-nb_offset_hz) of the busy/congestion frequencies: a block
        # whose set stands nb_snr_db above them with a steady phase advance counts as tone
        # even when broadband noise holds most of the power
        nbs = {}
        for code, cad, fr, simul in tones:
            if not fold or nb_offset_hz <= 0 or code not in (S_BUSY, S_CONGESTION):
                continue
            key = (tuple(sorted(fr)), simul)
            if key in nbs:
                continue
            nb = []
            for f in fr:
                for g in (f - nb_offset_hz, f + nb_offset_hz, 0.5 * f, 1.5 * f):
                    if 100.0 <= g <= 3800.0 and all(abs(g - h) >= 75.0 for h in fr) and g not in nb:
                        nb.append(g)
            nbs[key] = nb[:8]
            for g in nbs[key]:
                if g not in freqs:
                    freqs.append(g)
        if len(freqs) > MAXF or len(sets) > MAXS or len(tones) > MAXT:
            raise ValueError("profile has too many distinct call-progress tones to detect")
        self.frequencies = tuple(freqs)
        self.nf = len(freqs)
        self.np4 = (self.nf + 3) & ~3          # filters padded to whole SIMD vectors
        for k in range(MAXF):
            self.coef[k] = 0.0
            self.sn[k] = 0.0
            self.rot_re[k] = 1.0
            self.rot_im[k] = 0.0
        for k, f in enumerate(freqs):
            self.coef[k] = 2.0 * cos(2.0 * M_PI * f / 8000.0)
            self.sn[k] = sin(2.0 * M_PI * f / 8000.0)
            self.rot_re[k] = cos(2.0 * M_PI * f * N / 8000.0)
            self.rot_im[k] = -sin(2.0 * M_PI * f * N / 8000.0)
        self.ns = len(sets)
        for si, (fr, simul) in enumerate(sets):
            self.set_n[si] = len(fr)
            self.set_simul[si] = simul
            for j, f in enumerate(fr):
                self.set_mem[si][j] = freqs.index(f)
            nb = nbs.get((fr, simul), [])
            self.nb_n[si] = len(nb)
            for j, g in enumerate(nb):
                self.nb_mem[si][j] = freqs.index(g)
        self.nt = len(tones)
        self._tpl_refs = []
        for ti in range(MAXT):
            self.f_tpl[ti] = NULL
            self.f_nph[ti] = 0
            for j in range(FW):
                self.f_half[ti][0][j] = 0
                self.f_half[ti][1][j] = 0
        self.clear_off = 10.0 ** (-clear_off_db / 10.0)
        self.fold_slack = fold_slack
        # longest on-run per set (to keep dial tone apart from long cadence bursts)
        longest_on = {}
        for code, cad, fr, simul in tones:
            si = sets.index((tuple(sorted(fr)), simul))
            for on, ms in cad:
                if on and ms is not None:
                    hi = ms + tol_ms + tol_fraction * ms
                    longest_on[si] = max(longest_on.get(si, 0), hi)
        for ti, (code, cad, fr, simul) in enumerate(tones):
            si = sets.index((tuple(sorted(fr)), simul))
            self.t_state[ti] = code
            self.t_set[ti] = si
            self.t_maxon[ti] = 0
            self.t_maxoff[ti] = 0
            if len(cad) == 1:
                self.t_len[ti] = 0
                self.t_strict[ti] = 0
                if code == S_FAX_CED:
                    ms = ced_ms
                elif dial_ms is not None:
                    ms = int(dial_ms)
                else:
                    ms = max(1500, int(longest_on.get(si, 0)) + 200)
                self.t_cont_blocks[ti] = max(1, ms // BLOCK_MS)
                self.t_k[ti] = 1
                continue
            if len(cad) > MAXP:
                raise ValueError("tone cadence too long to detect")
            self.t_len[ti] = len(cad)
            self.t_strict[ti] = code == S_SIT or code == S_FAX_CNG
            period = 0
            for j, (on, ms) in enumerate(cad):
                tol = tol_ms + tol_fraction * ms
                self.t_on[ti][j] = on
                self.t_lo[ti][j] = max(1, int((ms - tol) / BLOCK_MS + 0.5))
                self.t_hi[ti][j] = int((ms + tol) / BLOCK_MS + 0.5)
                period += ms
                if on:
                    self.t_maxon[ti] = max(self.t_maxon[ti], self.t_hi[ti][j])
                else:
                    self.t_maxoff[ti] = max(self.t_maxoff[ti], self.t_hi[ti][j])
            if code == S_FAX_CNG:
                self.t_k[ti] = 3
            elif len(cad) == 2 and period <= 2000:
                self.t_k[ti] = fast_runs
            elif len(cad) == 2:
                self.t_k[ti] = 3          # long cadences (ringback): two bursts
            else:
                self.t_k[ti] = max(2, len(cad))
            if self.t_k[ti] > HIST:
                self.t_k[ti] = HIST
            # the fold test (cadence under masking speech) for short cadences
            if fold and code in (S_BUSY, S_CONGESTION) and 2 * period <= 64 * FW * BLOCK_MS:
                tpl = _fold_templates(tuple(cad))
                self._tpl_refs.append(tpl)
                self.f_tpl[ti] = <const uint64_t *>cnp.PyArray_DATA(tpl)
                self.f_nph[ti] = tpl.shape[0]
                self.f_w[ti] = int(round(2 * period / BLOCK_MS))
                for j in range(64 * FW):
                    if j < self.f_w[ti]:
                        self.f_half[ti][0 if j < self.f_w[ti] // 2 else 1][j // 64] |= (<uint64_t>1) << (j % 64)
        self.reset()

    def reset(self) -> None:
        """Forget everything: back to state ``unknown`` at sample 0."""
        cdef int i, k
        for i in range(MAXF):
            self.s1[0][i] = self.s1[1][i] = 0.0
            self.s2[0][i] = self.s2[1][i] = 0.0
        self.energy[0] = self.energy[1] = 0.0
        for i in range(MAXF):
            self.pr_re[i] = self.pr_im[i] = 0.0
            self.steady_run[i] = 0
        for i in range(MAXS):
            for k in range(8):
                self.bg_hist[i][k] = 0.0
        self.late = 0
        self.fill = 0
        self.blocks = 0
        for i in range(MAXS):
            self.cur_on[i] = 0
            self.cur_len[i] = 0
            self.pend[i] = 0
            self.clean_age[i] = BIG
            self.hcount[i] = 0
            self.hpos[i] = 0
            self.on_level[i] = 0.0
            self._start_on(i)
            for k in range(FW):
                self.clean_bits[i][k] = 0
                self.coff_bits[i][k] = 0
        for i in range(MAXT):
            self.fold_until[i] = -1
        self.st = S_UNKNOWN
        self.cur_tone = -1
        self.prev_tone = -1
        self.prev_tone_end = -1
        self.sil_run = 0
        self.voice_cnt = 0
        self.ev_n = 0
        self.last_ratio = 0.0

    @property
    def state(self) -> str:
        """Name of the current state (``unknown`` until something is established)."""
        return EVENT_NAMES[self.st]

    @property
    def samples(self) -> int:
        """Samples consumed since the start (or the last reset)."""
        return self.blocks * N + self.fill

    # ---------------------------------------------------------------- per block
    cdef inline void _start_on(self, int s) noexcept nogil:
        self.on_cnt[s] = 0
        self.on_min[s] = 3.0e38
        self.on_max[s] = 0.0
        self.on_last[s] = 0.0
        self.on_sum[s] = 0.0

    cdef inline void _track_on(self, int s, float p) noexcept nogil:
        # level spread of the on run, leaving out its first and (so far) last block
        self.on_cnt[s] += 1
        if self.on_cnt[s] >= 3:
            if self.on_last[s] < self.on_min[s]:
                self.on_min[s] = self.on_last[s]
            if self.on_last[s] > self.on_max[s]:
                self.on_max[s] = self.on_last[s]
        self.on_last[s] = p
        self.on_sum[s] += p

    cdef inline int _stable(self, int s) noexcept nogil:
        return self.on_max[s] == 0.0 or self.on_max[s] <= self.stab * self.on_min[s]

    cdef inline void _push_run(self, int s, int length) noexcept nogil:
        if self.hcount[s] == 0 and not self.cur_on[s]:
            length = 0          # the quiet before a first tone burst is not part of a cadence
        self.hq[s][self.hpos[s]] = self.cur_on[s] and self.on_cnt[s] > 0
        self.hlev[s][self.hpos[s]] = self.on_sum[s] / self.on_cnt[s] if self.hq[s][self.hpos[s]] else 0.0
        self.hist[s][self.hpos[s]] = length
        self.hpos[s] = (self.hpos[s] + 1) % HIST
        if self.hcount[s] < HIST:
            self.hcount[s] += 1

    cdef inline int _run_back(self, int s, int back) noexcept nogil:
        """Length of the completed run ``back`` runs ago (1 = newest)."""
        return self.hist[s][(self.hpos[s] - back + HIST * 4) % HIST]

    cdef int _match(self, int t) noexcept nogil:
        """1 when the recent runs of tone ``t``'s set fit its cadence."""
        cdef int s = self.t_set[t]
        cdef int L = self.t_len[t], K = self.t_k[t]
        cdef int r, j, idx, need, ok, back, onflag, hp
        cdef float lo, hi, lv
        if self.cur_on[s] and not self._stable(s):
            return 0
        if L == 0:
            # a steady tone must be mostly clean (music chords can mimic it under masking)
            return (self.cur_on[s] and self.cur_len[s] >= self.t_cont_blocks[t]
                    and 2 * self.on_cnt[s] >= self.cur_len[s])
        for r in range(L):
            if self.t_on[t][r] != self.cur_on[s]:
                continue
            if self.cur_len[s] > self.t_hi[t][r]:
                continue
            # the ongoing run counts once it is long enough
            if self.cur_len[s] >= self.t_lo[t][r]:
                need = K - 1
            else:
                need = K
            if need > self.hcount[s]:
                continue
            ok = 1
            lo = 3.0e38
            hi = 0.0
            if self.cur_on[s] and self.on_cnt[s] > 0:
                lo = hi = self.on_sum[s] / self.on_cnt[s]
            for back in range(1, need + 1):
                idx = (r - back) % L
                if idx < 0:
                    idx += L
                j = self._run_back(s, back)
                if j < self.t_lo[t][idx] or j > self.t_hi[t][idx]:
                    ok = 0
                    break
                hp = (self.hpos[s] - back + HIST * 4) % HIST
                if self.t_strict[t] and self.t_on[t][idx] and not self.hq[s][hp]:
                    ok = 0
                    break
                if self.t_on[t][idx] and self.hq[s][hp]:
                    # every burst of a tone comes at the same level (speech does not)
                    lv = self.hlev[s][hp]
                    if lv < lo:
                        lo = lv
                    if lv > hi:
                        hi = lv
                    if hi > self.burst_ratio * lo:
                        ok = 0
                        break
            if ok:
                return 1
        return 0

    cdef int _fold(self, int t) noexcept nogil:
        """1 when the last two periods of block evidence fit tone ``t``'s cadence at some phase.

        Robust to masking: speech on top of the tone may hide where a run starts or
        ends, but a block that is clearly tone-free never lands well inside an on run,
        a clean tone block never lands well inside an off run, and both kinds of
        evidence must occur in each of the two periods.
        """
        cdef int s = self.t_set[t], phi, k, cnn, cno, ofn, ofo, nbad
        cdef const uint64_t *on
        cdef const uint64_t *off
        cdef const uint64_t *C = self.clean_bits[s]
        cdef const uint64_t *O = self.coff_bits[s]
        if self.f_tpl[t] == NULL or self.blocks < self.f_w[t]:
            return 0
        for phi in range(self.f_nph[t]):
            on = self.f_tpl[t] + phi * 2 * FW
            off = on + FW
            nbad = 0
            for k in range(FW):
                nbad += hl_popcount64((O[k] & on[k]) | (C[k] & off[k]))
            if nbad > self.fold_slack:
                continue
            cnn = cno = ofn = ofo = 0
            for k in range(FW):
                cnn += hl_popcount64(C[k] & on[k] & self.f_half[t][0][k])
                cno += hl_popcount64(C[k] & on[k] & self.f_half[t][1][k])
                ofn += hl_popcount64(O[k] & off[k] & self.f_half[t][0][k])
                ofo += hl_popcount64(O[k] & off[k] & self.f_half[t][1][k])
            if cnn >= 1 and cno >= 1 and cnn + cno >= 3 and ofn >= 1 and ofo >= 1:
                return 1
        return 0

    cdef inline int _fold_allowed(self, int t) noexcept nogil:
        """The fold test may not turn a tone into another of the same frequencies.

        Heavy masking can make busy look like congestion (its period is a multiple):
        right after a tone of the same set, only clean runs can establish another.
        """
        cdef int p = self.prev_tone, c = self.cur_tone
        if c >= 0 and c != t and self.t_set[c] == self.t_set[t]:
            return 0
        return not (p >= 0 and p != t and self.t_set[p] == self.t_set[t]
                    and self.blocks - self.prev_tone_end < 2 * self.f_w[t])

    cdef int _alive(self, int t) noexcept nogil:
        """1 while the set's runs still conform to tone ``t`` (once established)."""
        cdef int s = self.t_set[t]
        cdef int L = self.t_len[t], r, j, fits
        if L == 0:
            return self.cur_on[s]
        if self.cur_on[s] and self.cur_len[s] > self.t_maxon[t]:
            return 0
        if not self.cur_on[s] and self.cur_len[s] > self.t_maxoff[t]:
            return 0
        if self.hcount[s] == 0:
            return 0
        j = self._run_back(s, 1)
        fits = 0
        for r in range(L):
            if self.t_on[t][r] != self.cur_on[s] and self.t_lo[t][r] <= j <= self.t_hi[t][r]:
                fits = 1
        return fits

    cdef void _emit(self, int code) noexcept nogil:
        if self.ev_n < self.ev_cap:
            self.ev_code[self.ev_n] = code
            self.ev_sample[self.ev_n] = self.blocks * N
            self.ev_n += 1

    cdef void _transition(self, int new_state, int tone) noexcept nogil:
        """The one place the state changes; reports every newly established state."""
        if self.cur_tone >= 0 and tone != self.cur_tone:
            self.prev_tone = self.cur_tone
            self.prev_tone_end = self.blocks
        self.cur_tone = tone
        if new_state == self.st:
            return
        self.st = new_state
        if new_state != S_UNKNOWN:
            self._emit(new_state)

    cdef void _block(self) noexcept nogil:
        cdef int k, s, j, t, best = -1, m, silent, voiceish, raw, back, coff, w = self.late
        cdef float pf[MAXF]
        cdef int steady[MAXF]
        cdef int nbc[MAXS]
        cdef float pset, ptot, ratio, best_ratio = 0.0, mag2, a, b, xr, xi, zr, zi, floor, bgmin, bgmax
        ptot = self.energy[w] * _ENORM
        for k in range(self.nf):
            a = self.s1[w][k]
            b = self.s2[w][k]
            mag2 = a * a + b * b - self.coef[k] * a * b
            pf[k] = mag2 * _PNORM
            # phase advance since the previous block, less a steady tone's: near 0
            xr = a - 0.5 * self.coef[k] * b
            xi = b * self.sn[k]
            zr = xr * self.pr_re[k] + xi * self.pr_im[k]
            zi = xi * self.pr_re[k] - xr * self.pr_im[k]
            a = zr * self.rot_re[k] - zi * self.rot_im[k]
            b = zr * self.rot_im[k] + zi * self.rot_re[k]
            if a > 0.0 and a * a >= self.phase_cos2 * (a * a + b * b):
                self.steady_run[k] += 1
            else:
                self.steady_run[k] = 0
            steady[k] = self.steady_run[k] >= self.steady_need
            self.pr_re[k] = xr
            self.pr_im[k] = xi
        for k in range(self.np4):
            self.s1[w][k] = 0.0
            self.s2[w][k] = 0.0
        self.energy[w] = 0.0
        self.late = 1 - w
        self.blocks += 1
        # which frequency set (if any) clearly dominates this block
        if ptot >= self.min_pow:
            for s in range(self.ns):
                pset = 0.0
                for j in range(self.set_n[s]):
                    pset += pf[self.set_mem[s][j]]
                ratio = pset / ptot
                if ratio < self.on_ratio or ratio <= best_ratio:
                    continue
                if self.set_simul[s]:
                    m = 1
                    for j in range(self.set_n[s]):
                        if pf[self.set_mem[s][j]] < self.twist_frac * pset:
                            m = 0
                    if not m:
                        continue
                best = s
                best_ratio = ratio
        self.last_ratio = best_ratio
        # narrowband evidence (noise): the set stands well above its neighbour bins and
        # every member's phase advances like a steady tone's
        for s in range(self.ns):
            nbc[s] = 0
            if self.nb_n[s] == 0:
                continue
            pset = 0.0
            for j in range(self.set_n[s]):
                pset += pf[self.set_mem[s][j]]
            # the background (all but the set) must be steady like noise, not like speech
            self.bg_hist[s][self.blocks & 7] = ptot - pset
            bgmin = 3.0e38
            bgmax = 0.0
            for j in range(6):
                a = self.bg_hist[s][(self.blocks - j) & 7]
                if a < bgmin:
                    bgmin = a
                if a > bgmax:
                    bgmax = a
            if best == s or ptot < self.min_pow or bgmax > self.bg_ratio * bgmin:
                continue
            pset = 0.0
            m = 1
            for j in range(self.set_n[s]):
                pset += pf[self.set_mem[s][j]]
                m = m and steady[self.set_mem[s][j]]
            if not m or pset < self.min_pow:
                continue
            floor = 0.0
            for j in range(self.nb_n[s]):
                floor += pf[self.nb_mem[s][j]]
            floor = floor * self.set_n[s] / self.nb_n[s]
            if pset < self.nb_snr * floor:
                continue
            if self.set_simul[s]:
                for j in range(self.set_n[s]):
                    if pf[self.set_mem[s][j]] < self.twist_frac * pset:
                        m = 0
                if not m:
                    continue
            nbc[s] = 1
        # on/off runs per set.  A block is "on" when the set dominates it (clean), or -
        # when nothing dominates (speech on top of the tone) - when the set's narrowband
        # power is still within off_drop of the level learnt from its clean blocks.
        for s in range(self.ns):
            pset = 0.0
            for j in range(self.set_n[s]):
                pset += pf[self.set_mem[s][j]]
            if best == s or nbc[s]:
                raw = 1
                self.on_level[s] = pset if self.clean_age[s] >= FORGET else 0.7 * self.on_level[s] + 0.3 * pset
                self.clean_age[s] = 0
            else:
                if self.clean_age[s] < BIG:
                    self.clean_age[s] += 1
                raw = (best < 0 and self.clean_age[s] < FORGET and pset >= self.min_pow
                       and pset >= self.off_drop * self.on_level[s])
            if raw == self.cur_on[s]:
                self.pend[s] = 0
                if self.cur_len[s] < BIG:
                    self.cur_len[s] += 1
            else:
                self.pend[s] += 1
                self.cur_len[s] += 1
                if self.pend[s] >= DEBOUNCE:
                    # the run ends where the disagreeing blocks began; a tone that began
                    # under speech (before a clean block gave its level) is dated back to
                    # the first block whose narrowband power already matched that level
                    back = 0
                    if raw:
                        while (back < 24 and back < self.cur_len[s] - DEBOUNCE - 1
                               and self.psh[s][(self.blocks - 1 - DEBOUNCE - back) & 31]
                                   >= self.off_drop * self.on_level[s]):
                            back += 1
                    if self.cur_on[s] and not self._stable(s):
                        self._push_run(s, 0)     # level wandered (music, speech): fits no cadence
                    else:
                        self._push_run(s, self.cur_len[s] - DEBOUNCE - back)
                    self.cur_on[s] = raw
                    self.cur_len[s] = DEBOUNCE + back
                    self.pend[s] = 0
                    if raw:
                        self._start_on(s)
            if best == s or nbc[s]:
                self._track_on(s, pset)
            # evidence for the fold test: clean tone block / clearly tone-free block
            coff = (best >= 0 and best != s) or pset < self.min_pow or (
                self.clean_age[s] < FORGET and pset < self.clear_off * self.on_level[s])
            for k in range(FW - 1, 0, -1):
                self.clean_bits[s][k] = (self.clean_bits[s][k] << 1) | (self.clean_bits[s][k - 1] >> 63)
                self.coff_bits[s][k] = (self.coff_bits[s][k] << 1) | (self.coff_bits[s][k - 1] >> 63)
            self.clean_bits[s][0] = (self.clean_bits[s][0] << 1) | <uint64_t>(best == s or nbc[s] != 0)
            self.coff_bits[s][0] = (self.coff_bits[s][0] << 1) | coff
            self.psh[s][self.blocks & 31] = pset if ptot >= self.min_pow else 0.0
        # silence / voice evidence
        silent = ptot < self.sil_pow
        voiceish = (not silent) and best < 0
        if silent:
            self.sil_run += 1
        else:
            self.sil_run = 0
        if voiceish:
            self.voice_cnt += 2
            if self.voice_cnt > 3 * self.voice_need:
                self.voice_cnt = 3 * self.voice_need
        elif self.voice_cnt > 0:
            self.voice_cnt -= 1
        # state machine: a tone state holds while its cadence still fits
        t = self.cur_tone
        if t >= 0:
            if self._alive(t):
                return
            # runs no longer fit (masking, or the cadence changed): keep the tone while
            # the fold test still sees it, so a masked tone is not reported twice
            if self.blocks > self.fold_until[t] and self.f_tpl[t] != NULL and self._fold(t):
                self.fold_until[t] = self.blocks + self.f_w[t] // 2 + 2
            if self.blocks <= self.fold_until[t]:
                return
        for t in range(self.nt):
            if self._match(t) or (self.f_tpl[t] != NULL and (self.clean_bits[self.t_set[t]][0] & 1)
                                  and self._fold_allowed(t) and self._fold(t)):
                self.fold_until[t] = self.blocks + self.f_w[t] // 2 + 2
                self._transition(self.t_state[t], t)
                return
        if self.sil_run >= self.silence_blocks:
            self._transition(S_SILENCE, -1)
        elif self.voice_cnt >= self.voice_need:
            self._transition(S_VOICE, -1)
        elif self.cur_tone >= 0:
            self._transition(S_UNKNOWN, -1)

    cdef void _feed(self, const int16_t *x, Py_ssize_t n) noexcept nogil:
        cdef Py_ssize_t i = 0
        cdef int m, w, np4 = self.np4
        while i < n:
            m = N - self.fill
            if m > n - i:
                m = <int>(n - i)
            w = self.late
            hl_goertzel_pair(&self.s1[w][0], &self.s2[w][0], &self.s1[1 - w][0], &self.s2[1 - w][0],
                             self.coef, x + i, &_WIN[N + self.fill], &_WIN[self.fill], m,
                             &self.energy[w], &self.energy[1 - w], np4)
            self.fill += m
            i += m
            if self.fill == N:
                self.fill = 0
                self._block()

    cdef list _take_events(self):
        cdef int i
        out = [ToneEvent(EVENT_NAMES[self.ev_code[i]], self.ev_sample[i]) for i in range(self.ev_n)]
        self.ev_n = 0
        return out

    cdef void _reserve(self, Py_ssize_t n) except *:
        cdef int need = <int>(n // N + 2)
        if need > self.ev_cap:
            self.ev_code = <int *>realloc(self.ev_code, need * sizeof(int))
            self.ev_sample = <int64_t *>realloc(self.ev_sample, need * sizeof(int64_t))
            if self.ev_code == NULL or self.ev_sample == NULL:
                raise MemoryError()
            self.ev_cap = need

    def process(self, samples) -> list:
        """Feed audio (int16 array or bytes); return the ToneEvents established in it."""
        cdef cnp.ndarray arr
        if type(samples) is np.ndarray and cnp.PyArray_TYPE(samples) == cnp.NPY_INT16 \
                and cnp.PyArray_IS_C_CONTIGUOUS(samples):
            arr = samples                      # fast path: no conversion, no buffer object
        else:
            arr = as_int16(samples)
        cdef Py_ssize_t n = cnp.PyArray_SIZE(arr)
        cdef const int16_t *p = <const int16_t *>cnp.PyArray_DATA(arr)
        if n // N + 2 > self.ev_cap:
            self._reserve(n)
        if n > 4 * N:
            with nogil:
                self._feed(p, n)
        elif n:
            self._feed(p, n)                   # one tick: releasing the GIL costs more than it saves
        if self.ev_n == 0:
            return []
        return self._take_events()


def process_batch(detectors, frames) -> list:
    """Feed row ``c`` of ``frames`` (channels x samples, int16) to ``detectors[c]``.

    Returns one list of ToneEvents per channel: the batched form the engine calls
    once per 20 ms tick for all channels.
    """
    cdef list dets = list(detectors)
    arr = np.ascontiguousarray(frames, dtype=np.int16)
    if arr.ndim != 2 or arr.shape[0] != len(dets):
        raise ValueError(f"frames must be (channels x samples) with one row per detector; "
                         f"got shape {arr.shape} for {len(dets)} detectors")
    cdef const int16_t[:, ::1] f = arr
    cdef Py_ssize_t c, nch = f.shape[0], n = f.shape[1]
    cdef CallProgressDetector d
    for c in range(nch):
        d = <CallProgressDetector?>dets[c]
        d._reserve(n)
    if n:
        for c in range(nch):
            d = <CallProgressDetector>dets[c]
            d._feed(&f[c, 0], n)
    return [(<CallProgressDetector>dets[c])._take_events() for c in range(nch)]
