"""`hotline bench dsp`: throughput of each dsp function, ours beside spandsp's.

Each ``dsp/bench/bench_<name>.py`` module offers ``cases(quick: bool) -> list[Case]``
(see ``dsp.bench.core``).  Figures are channel-seconds of audio processed per
CPU-second, which is also the number of channels one core keeps in real time.
"""
from __future__ import annotations

BENCH_MODULES = ("g711", "dtmf", "tones", "callerid", "echo", "mixer", "chain")
"""Bench modules in report order; a module that does not exist yet is skipped."""
