"""``hotline bench engine``: how many bridged analog calls one core switches in real time.

The real :class:`~firmware.engine.switch.Switch` runs on a virtual clock with N two-party
bridges (2N analog legs), each leg with its echo canceller (``--taps``, default 128 =
16 ms) and DTMF receiver, fed speech-like audio by a bench board (a hal Board whose
ports replay prepared frames, so the board costs next to nothing). Per tick it measures
CPU time of the DSP chain and of the engine's own work (event dispatch, patching,
mixing) separately (process CPU time over many ticks, not wall time).

Reported: ``bridged_calls_per_core`` = N × 20 ms / (CPU time per tick) at the largest N
measured; the engine overhead (excluding DSP) per tick at 0 and 60 channels and as a
percentage of the DSP time; and, side by side, the same per-leg DSP chain built from
spandsp (C, echo_can + dtmf_rx per leg, no engine at all) as a reference.
Targets (issue): ≥ 120 bridged calls per core; engine overhead ≤ 20 % of DSP at 60 channels.
"""
from __future__ import annotations

import argparse
import json
import time
from typing import Optional

import numpy as np

from hal.board import Board, BoardDescription
from hal.clock import TICK_SAMPLES, VirtualClock
from hal.ports import FxsPort, PortEvent

from firmware.engine.switch import Switch, SwitchStats

TARGET_CALLS = 120
TARGET_OVERHEAD = 0.20


class _BenchPort(FxsPort):
    """A port that never signals (the bench only moves audio)."""
    off_hook = True
    ringing = False
    onhook_busy = False

    def ring(self, cadence_ms): pass
    def stop_ring(self): pass
    def send_onhook(self, samples): pass
    def set_polarity(self, reversed_): pass
    def set_mwi_lamp(self, on): pass
    def set_hook_timing(self, timing): pass


class BenchBoard(Board):
    """``rows`` ports replaying prepared speech-like frames (with a little hybrid echo)."""

    def __init__(self, rows: int, seconds: float = 4.0, seed: int = 1) -> None:
        desc = BoardDescription("bench", ((1, "FXS-4"),))
        super().__init__(desc, [_BenchPort(f"b{i}", 1, i) for i in range(rows)])
        rng = np.random.default_rng(seed)
        n = int(seconds * 8000) // TICK_SAMPLES
        # speech-like: noise shaped by a syllable envelope, about -20 dBm0
        env = (0.5 + 0.5 * np.sin(np.arange(n * TICK_SAMPLES) * 2 * np.pi * 4 / 8000)) ** 2
        base = rng.normal(0, 1500, n * TICK_SAMPLES) * env
        self._frames = base.astype(np.int16).reshape(n, TICK_SAMPLES)
        self._k = 0
        self._offsets = rng.integers(0, n, rows)
        self._rx = np.zeros((rows, TICK_SAMPLES), np.int16)

    def exchange(self, tx: np.ndarray) -> tuple[np.ndarray, list[PortEvent]]:
        n = self._frames.shape[0]
        idx = (self._offsets + self._k) % n
        self._k += 1
        rx = self._rx
        np.take(self._frames, idx, axis=0, out=rx)
        rx += tx >> 4                       # -24 dB echo of what we sent
        return rx, []


def run(calls: int, ticks: int, taps: int) -> dict:
    """Switch ``calls`` bridged calls for ``ticks`` ticks; CPU time per tick by part."""
    rows = 2 * calls
    clock = VirtualClock()
    board = BenchBoard(max(rows, 1))
    sw = Switch(board, clock, ec_taps=taps)
    for i in range(calls):
        sw.connect(2 * i, 2 * i + 1)
    clock.run_ticks(50)                     # warm up
    sw.stats = SwitchStats()                # count only the measured ticks
    t0 = time.process_time()
    clock.run_ticks(ticks)
    cpu = time.process_time() - t0
    st = sw.stats
    per_tick = cpu / ticks
    board_s = st.board_ns / 1e9 / ticks
    switch_s = max(1e-9, per_tick - board_s)
    dsp_s = st.dsp_ns / 1e9 / ticks
    eng_s = st.engine_ns / 1e9 / ticks
    return {"calls": calls, "legs": rows if calls else 0, "ticks": ticks,
            "cpu_ms_per_tick": switch_s * 1e3, "dsp_ms_per_tick": dsp_s * 1e3,
            "engine_ms_per_tick": eng_s * 1e3,
            "engine_over_dsp": eng_s / dsp_s if dsp_s > 0 else None,
            "calls_per_core": calls * 0.020 / switch_s if calls else None}


def spandsp_reference(legs: int, taps: int, ticks: int) -> Optional[dict]:
    """The same per-leg chain from spandsp (C): echo_can + dtmf_rx (+ G.711), no engine."""
    try:
        from dsp.bench import bench_chain
        tick = bench_chain._ref(legs, taps, np.random.default_rng(3))
    except Exception:                                   # pragma: no cover - no spandsp
        return None
    if tick is None:
        return None
    tick()
    t0 = time.process_time()
    for _ in range(ticks):
        tick()
    per = (time.process_time() - t0) / ticks
    return {"legs": legs, "cpu_ms_per_tick": per * 1e3, "calls_per_core": legs / 2 * 0.020 / per}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="hotline bench engine", description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--quick", action="store_true", help="fewer ticks (a smoke run)")
    ap.add_argument("--taps", type=int, default=128, help="echo canceller taps per leg (128 = 16 ms)")
    ap.add_argument("--calls", type=int, nargs="*", default=[30, 120, 240],
                    help="bridged call counts to measure")
    a = ap.parse_args(argv)
    ticks = 100 if a.quick else 500
    idle = run(0, ticks, a.taps)
    sixty = run(30, ticks, a.taps)                       # 60 channels
    loads = [run(c, ticks, a.taps) for c in a.calls]
    best = max(loads, key=lambda r: r["calls"])
    ref = spandsp_reference(2 * best["calls"], a.taps, max(50, ticks // 5))
    out = {
        "bridged_calls_per_core": round(best["calls_per_core"], 1),
        "measured_at_calls": best["calls"],
        "ec_taps": a.taps,
        "engine_overhead_us_per_tick_0ch": round(idle["engine_ms_per_tick"] * 1e3, 1),
        "engine_overhead_us_per_tick_60ch": round(sixty["engine_ms_per_tick"] * 1e3, 1),
        "dsp_us_per_tick_60ch": round(sixty["dsp_ms_per_tick"] * 1e3, 1),
        "engine_over_dsp_60ch": round(sixty["engine_over_dsp"], 3),
        "loads": loads,
        "spandsp_chain_calls_per_core": round(ref["calls_per_core"], 1) if ref else None,
        "ratio_vs_spandsp_chain": round(best["calls_per_core"] / ref["calls_per_core"], 2) if ref else None,
        "targets": {"bridged_calls_per_core": TARGET_CALLS, "engine_over_dsp_60ch": TARGET_OVERHEAD},
    }
    if a.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"Engine benchmark (EC {a.taps} taps = {a.taps // 8} ms + DTMF on every leg; CPU time, one core)")
    print(f"{'calls':>6} {'legs':>5} {'ms/tick':>8} {'DSP ms':>8} {'engine ms':>10} {'engine/DSP':>10} {'calls/core':>11}")
    for r in [sixty] + loads:
        print(f"{r['calls']:>6} {r['legs']:>5} {r['cpu_ms_per_tick']:>8.3f} {r['dsp_ms_per_tick']:>8.3f} "
              f"{r['engine_ms_per_tick']:>10.3f} {r['engine_over_dsp'] or 0:>10.1%} {r['calls_per_core']:>11.0f}")
    print(f"engine overhead per tick: {out['engine_overhead_us_per_tick_0ch']} µs at 0 channels, "
          f"{out['engine_overhead_us_per_tick_60ch']} µs at 60 channels "
          f"({out['engine_over_dsp_60ch']:.1%} of DSP; target ≤ {TARGET_OVERHEAD:.0%})")
    print(f"bridged calls per core: {out['bridged_calls_per_core']} (target ≥ {TARGET_CALLS})")
    if ref:
        print(f"reference, spandsp chain per leg (C, no engine): {ref['calls_per_core']:.0f} calls/core; "
              f"ours/spandsp = {out['ratio_vs_spandsp_chain']}")
    return 0
