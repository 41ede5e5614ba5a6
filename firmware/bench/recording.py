"""``hotline bench recording``: how many simultaneous call recordings one core and the
disk sustain, and what recording costs over the same calls unrecorded.

The real :class:`~firmware.engine.switch.Switch` runs N two-party bridges on the bench
board of ``hotline bench engine`` (echo canceller + DTMF receiver on every leg), once
without recording and once with every call recorded by the real
:class:`~firmware.recording.writer.RecordingBank` (the tap copying both parties' frames
each tick, the 1-s flush encoding and writing one WAV per call to ``--dir``, by default a
temporary directory on the disk of the current directory). Both runs are timed in
process CPU time over the same ticks (so the flush's encoding and ``write`` calls count);
the disk is timed separately (wall time of the flushes: it must stay well under the
second of audio it writes).

Reported: per N, CPU ms per tick unrecorded / recorded, the overhead ratio, the disk
time per second of audio; ``simultaneous_recordings`` = the largest N measured whose
recorded run keeps real time on one core (< 20 ms CPU per 20-ms tick) with the disk
busy < 50 % and the overhead within the target.
Target (issue 7): ≥ 60 simultaneous recordings with ≤ 5 % CPU overhead.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Optional

from hal.clock import VirtualClock

from firmware.bench.engine import BenchBoard
from firmware.engine.switch import Switch
from firmware.recording.wavfile import WavFormat
from firmware.recording.writer import RecordingBank, RecordingWriter

TARGET_RECORDINGS = 60
TARGET_OVERHEAD = 0.05
TICK_MS = 20.0


class _TimedBank(RecordingBank):
    """The bank, timing its flushes in wall time (the disk's share)."""

    def __init__(self) -> None:
        super().__init__()
        self.flush_wall_s = 0.0

    def flush(self) -> None:
        t0 = time.perf_counter()
        super().flush()
        self.flush_wall_s += time.perf_counter() - t0


def _run(calls: int, ticks: int, taps: int, record: bool, where: Path, fmt: WavFormat) -> dict:
    clock = VirtualClock()
    sw = Switch(BenchBoard(max(2 * calls, 1)), clock, ec_taps=taps)
    for i in range(calls):
        sw.connect(2 * i, 2 * i + 1)
    bank = None
    writers = []
    if record:
        bank = _TimedBank()
        sw.add_tap(bank)
        for i in range(calls):
            w = RecordingWriter(where / f"bench-{i}.wav", fmt, (2 * i, 2 * i + 1))
            writers.append(w)
            bank.add(w)
    clock.run_ticks(50)                                  # warm up (one flush)
    if bank is not None:
        bank.flush()
        bank.flush_wall_s = 0.0
    before = sum(w.data_bytes for w in writers)
    t0 = time.process_time()
    clock.run_ticks(ticks)
    cpu = time.process_time() - t0
    out = {"calls": calls, "recorded": record, "ticks": ticks, "cpu_ms_per_tick": cpu / ticks * 1e3}
    if bank is not None:
        bank.flush()
        out["disk_s_per_audio_s"] = bank.flush_wall_s / (ticks * TICK_MS / 1000)
        out["bytes_written"] = sum(w.data_bytes for w in writers) - before
        for w in writers:
            w.close()
            w.path.unlink(missing_ok=True)
    return out


def measure(calls: int, ticks: int, taps: int, where: Path, fmt: WavFormat, repeat: int = 3) -> dict:
    """Unrecorded vs recorded, interleaved ``repeat`` times; the best (least disturbed)
    CPU figure of each is kept."""
    plain, rec = [], []
    for _ in range(repeat):
        plain.append(_run(calls, ticks, taps, False, where, fmt))
        rec.append(_run(calls, ticks, taps, True, where, fmt))
    p = min(plain, key=lambda r: r["cpu_ms_per_tick"])
    r = min(rec, key=lambda r: r["cpu_ms_per_tick"])
    over = (r["cpu_ms_per_tick"] - p["cpu_ms_per_tick"]) / p["cpu_ms_per_tick"]
    return {"calls": calls, "plain_cpu_ms_per_tick": round(p["cpu_ms_per_tick"], 3),
            "recorded_cpu_ms_per_tick": round(r["cpu_ms_per_tick"], 3),
            "overhead_ratio": round(over, 4),
            "recording_us_per_call_tick": round((r["cpu_ms_per_tick"] - p["cpu_ms_per_tick"]) * 1e3 / calls, 2),
            "disk_s_per_audio_s": round(max(x["disk_s_per_audio_s"] for x in rec), 4),
            "mb_per_s": round(r["bytes_written"] / (r["ticks"] * TICK_MS / 1000) / 1e6, 3),
            "real_time": r["cpu_ms_per_tick"] < TICK_MS}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="hotline bench recording", description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--quick", action="store_true", help="fewer ticks (a smoke run)")
    ap.add_argument("--taps", type=int, default=128, help="echo canceller taps per leg (128 = 16 ms)")
    ap.add_argument("--calls", type=int, nargs="*", default=[60, 120], help="recorded call counts to measure")
    ap.add_argument("--format", choices=["alaw", "pcm16"], default="alaw")
    ap.add_argument("--channels", choices=["stereo", "mono"], default="stereo")
    ap.add_argument("--dir", help="where the bench writes its files (default: a temporary directory here)")
    a = ap.parse_args(argv)
    ticks = 150 if a.quick else 500
    fmt = WavFormat(a.format, 2 if a.channels == "stereo" else 1)
    where = Path(tempfile.mkdtemp(prefix="hotline-bench-rec-", dir=a.dir or "."))
    try:
        loads = [measure(c, ticks, a.taps, where, fmt, repeat=2 if a.quick else 3) for c in a.calls]
    finally:
        shutil.rmtree(where, ignore_errors=True)
    ok = [r for r in loads if r["real_time"] and r["disk_s_per_audio_s"] < 0.5
          and r["overhead_ratio"] <= TARGET_OVERHEAD]
    at60 = next((r for r in loads if r["calls"] == TARGET_RECORDINGS), loads[0])
    out = {
        "simultaneous_recordings": max((r["calls"] for r in ok), default=0),
        "overhead_ratio_at_60": at60["overhead_ratio"] if at60["calls"] == TARGET_RECORDINGS else None,
        "format": f"{a.format} {a.channels}", "ec_taps": a.taps, "loads": loads,
        "targets": {"simultaneous_recordings": TARGET_RECORDINGS, "overhead_ratio": TARGET_OVERHEAD},
    }
    if a.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"Recording benchmark ({out['format']}; EC {a.taps} taps + DTMF on every leg; CPU time, one core)")
    print(f"{'calls':>6} {'plain ms':>9} {'rec ms':>8} {'overhead':>9} {'µs/call':>8} {'disk s/s':>9} {'MB/s':>6}")
    for r in loads:
        print(f"{r['calls']:>6} {r['plain_cpu_ms_per_tick']:>9.3f} {r['recorded_cpu_ms_per_tick']:>8.3f} "
              f"{r['overhead_ratio']:>9.1%} {r['recording_us_per_call_tick']:>8.2f} "
              f"{r['disk_s_per_audio_s']:>9.4f} {r['mb_per_s']:>6.2f}")
    print(f"simultaneous recordings sustained: {out['simultaneous_recordings']} "
          f"(target ≥ {TARGET_RECORDINGS} with ≤ {TARGET_OVERHEAD:.0%} CPU overhead)")
    return 0
