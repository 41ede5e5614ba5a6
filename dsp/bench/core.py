"""Measuring and reporting for the dsp benchmarks.

A :class:`Case` is one function in one variant (single channel, or a batch of
channels per call).  ``ours`` and ``ref`` each process the same amount of audio
per call; :func:`run_cases` times both on CPU time (``time.process_time``),
interleaved, keeping the best of several repeats, and reports channel-seconds
per CPU-second and the ratio ours/spandsp.
"""
from __future__ import annotations

import importlib
import json
import platform
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from dsp.bench import BENCH_MODULES


@dataclass
class Case:
    """One benchmarked function/variant.

    ``channels × audio_seconds`` channel-seconds are processed by one call of
    ``ours`` (and of ``ref``, the spandsp equivalent, when there is one).
    """
    function: str
    variant: str
    channels: int
    audio_seconds: float
    ours: Callable[[], object]
    ref: Optional[Callable[[], object]] = None
    ref_note: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Result:
    function: str
    variant: str
    ours: float                 # channel-seconds per CPU-second
    ref: Optional[float]        # same for spandsp, None when not available
    note: str = ""

    @property
    def ratio(self) -> Optional[float]:
        return None if not self.ref else self.ours / self.ref

    def as_dict(self) -> dict:
        return {"function": self.function, "variant": self.variant,
                "ours_channels_realtime": round(self.ours, 1),
                "spandsp_channels_realtime": None if self.ref is None else round(self.ref, 1),
                "ratio_ours_over_spandsp": None if self.ratio is None else round(self.ratio, 3),
                "note": self.note}


def cpu_seconds_per_call(fn: Callable[[], object], min_cpu: float = 0.2) -> float:
    """CPU seconds one call of ``fn`` takes: calls repeated for at least ``min_cpu`` s."""
    fn()  # warm up (tables, caches, lazy builds)
    # Calls go in rounds so that reading the clock does not weigh on short calls.
    calls = 0
    per_round = 1
    start = time.process_time()
    elapsed = 0.0
    while elapsed < min_cpu or calls < 3:
        for _ in range(per_round):
            fn()
        calls += per_round
        elapsed = time.process_time() - start
        if elapsed < min_cpu / 20:
            per_round *= 2
    return elapsed / calls


def measure_case(case: Case, repeats: int = 3, min_cpu: float = 0.2) -> Result:
    """Time ``case`` (ours and ref interleaved, best of ``repeats``)."""
    work = case.channels * case.audio_seconds
    best_ours = best_ref = float("inf")
    for _ in range(repeats):
        best_ours = min(best_ours, cpu_seconds_per_call(case.ours, min_cpu))
        if case.ref is not None:
            best_ref = min(best_ref, cpu_seconds_per_call(case.ref, min_cpu))
    ref = None if case.ref is None else work / best_ref
    return Result(case.function, case.variant, work / best_ours, ref, case.ref_note)


def collect_cases(names: Optional[list[str]] = None, quick: bool = False) -> tuple[list[Case], list[str]]:
    """Cases of the named bench modules (all by default) and notes on skipped ones."""
    cases: list[Case] = []
    notes: list[str] = []
    for name in names or BENCH_MODULES:
        try:
            mod = importlib.import_module(f"dsp.bench.bench_{name}")
        except ImportError as exc:
            notes.append(f"{name}: not benchmarked ({exc})")
            continue
        cases.extend(mod.cases(quick))
    return cases, notes


def format_table(results: list[Result]) -> str:
    """A fixed-width table of results for the terminal."""
    head = f"{'function':<34} {'variant':<16} {'ours ch-RT':>12} {'spandsp ch-RT':>14} {'ratio':>7}"
    lines = [head, "-" * len(head)]
    for r in results:
        ref = "-" if r.ref is None else f"{r.ref:,.0f}"
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        lines.append(f"{r.function:<34} {r.variant:<16} {r.ours:>12,.0f} {ref:>14} {ratio:>7}"
                     + (f"  {r.note}" if r.note else ""))
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of `hotline bench dsp [--json] [--quick] [names...]`."""
    import argparse
    ap = argparse.ArgumentParser(prog="hotline bench dsp",
                                 description="Channels kept in real time per CPU core, "
                                             "ours beside spandsp (C) in the same run.")
    ap.add_argument("names", nargs="*", help=f"subset of: {', '.join(BENCH_MODULES)}")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--quick", action="store_true", help="fewer variants, shorter runs")
    ap.add_argument("--repeats", type=int, default=3, help="best of N timings (default 3)")
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCH_MODULES]
    if unknown:
        ap.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCH_MODULES)}")
    cases, notes = collect_cases(args.names or None, args.quick)
    min_cpu = 0.05 if args.quick else 0.2
    results = []
    for case in cases:
        results.append(measure_case(case, args.repeats, min_cpu))
        if not args.json:
            print(format_table([results[-1]]).splitlines()[-1] if len(results) > 1
                  else format_table(results), flush=True)
    if args.json:
        print(json.dumps({"machine": platform.machine(), "python": platform.python_version(),
                          "unit": "channels kept in real time per CPU core "
                                  "(channel-seconds of 8 kHz audio per CPU-second)",
                          "results": [r.as_dict() for r in results], "notes": notes}, indent=2))
    else:
        for n in notes:
            print("note:", n)
    return 0
