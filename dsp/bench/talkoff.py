"""DTMF talk-off: false digits per hour on speech and music, ours beside spandsp.

``hotline bench talkoff [--minutes N] [--json]`` runs :class:`dsp.dtmf.DtmfDetector`
and spandsp's ``dtmf_rx`` (default parameters, through the cffi shim of
:mod:`dsp.bench.bench_dtmf`) over the same synthesised corpus
(:mod:`dsp.bench.corpus`: espeak-ng English + Mandarin with varied voice, pitch,
speed and level; harmonic-note melodies, chords and chirps) in 20 ms frames,
and prints false digits per hour for speech and music separately.

It also prints a few cells of the Q.24 accept/reject matrix for both detectors
(frequency deviation, twist, duration), each over the 16 digits with random
phases and offsets, to show where the two differ at the edges.
"""
from __future__ import annotations

import argparse
import json
from typing import Optional

import numpy as np

from dsp import dtmf
from dsp.bench import corpus

FRAME = 160


def _chunked(make, minutes: float, seed: int) -> np.ndarray:
    """``minutes`` of ``make(seconds, seed=...)`` in chunks of up to 10 minutes (distinct seeds)."""
    parts, left, k = [], minutes, 0
    while left > 0:
        m = min(10.0, left)
        parts.append(make(m * 60.0, seed=seed + k))
        left -= m
        k += 1
    return np.concatenate(parts) if parts else np.zeros(0, np.int16)


def speech_corpus(minutes: float, seed: int = 100) -> np.ndarray:
    """``minutes`` of synthesised speech."""
    return _chunked(corpus.speech, minutes, seed)


def music_corpus(minutes: float, seed: int = 200) -> np.ndarray:
    """``minutes`` of music-like signal."""
    return _chunked(corpus.music, minutes, seed)


def ours_digits(x: np.ndarray) -> list[tuple[str, int]]:
    """Digits our detector reports on ``x``, with their sample index (results do not depend on block size)."""
    det = dtmf.DtmfDetector()
    out = []
    for i in range(0, x.size, 8000):          # 1 s per call; block size does not matter
        out.extend((d, idx) for d, kind, idx in det.process_events(x[i:i + 8000]) if kind == "start")
    return out


def spandsp_digits(lib: object, x: np.ndarray) -> str:
    """Digits spandsp's dtmf_rx reports on ``x`` fed in 20 ms frames."""
    from dsp.bench.bench_dtmf import SpandspDtmfRx
    return SpandspDtmfRx(lib).process(x, FRAME)


def _edge_cells() -> list[tuple[str, dict, Optional[bool]]]:
    """(name, dtmf_tone arguments, True = must accept / False = must reject / None = either)."""
    cells: list[tuple[str, dict, Optional[bool]]] = []
    for dev in (0.015, -0.015, 0.025, -0.025, 0.035, -0.035, 0.05, -0.05):
        want = True if abs(dev) <= 0.015 else (False if abs(dev) >= 0.035 else None)
        cells.append((f"low {dev:+.1%}", {"low_dev": dev}, want))
        cells.append((f"high {dev:+.1%}", {"high_dev": dev}, want))
    # normal twist = low group louder (generator twist_db < 0), reverse = high louder
    for tw in (-8.0, -9.0, -10.0, 4.0, 5.0, 6.0):
        want = True if tw in (-8.0, 4.0) else (False if tw in (-10.0, 6.0) else None)
        kind = "normal" if tw < 0 else "reverse"
        cells.append((f"twist {abs(tw):.0f} dB {kind}", {"twist_db": tw}, want))
    cells.append(("40 ms", {"duration_ms": 40}, True))
    cells.append(("20 ms", {"duration_ms": 20}, False))
    cells.append(("-36 dBm0", {"level_dbm0": -36.0}, True))
    return cells


def edge_matrix(lib: Optional[object], trials: int = 4, seed: int = 7) -> list[dict]:
    """Q.24 edge cells: fraction of (digit, trial) runs each detector gets right."""
    rng = np.random.default_rng(seed)
    rows = []
    for name, kw, accept in _edge_cells():
        ok_ours = ok_ref = total = 0
        for digit in dtmf.DIGITS:
            for _ in range(trials):
                args = {"duration_ms": 60, "level_dbm0": -10.0}
                args.update(kw)
                tone = dtmf.dtmf_tone(digit, args.pop("duration_ms"), low_phase=rng.uniform(0, 6.283),
                                      high_phase=rng.uniform(0, 6.283), **args)
                x = np.concatenate([np.zeros(int(rng.integers(0, 400)), np.int16), tone,
                                    np.zeros(800, np.int16)])
                # "either" cells (between the Q.24 limits) count detections
                want = "" if accept is False else digit
                ok_ours += "".join(dtmf.DtmfDetector().process(x)) == want
                if lib is not None:
                    ok_ref += spandsp_digits(lib, x) == want
                total += 1
        rows.append({"cell": name,
                     "expect": {True: "accept", False: "reject", None: "either"}[accept],
                     "ours_correct": ok_ours / total,
                     "spandsp_correct": None if lib is None else ok_ref / total})
    return rows


def run(minutes: float, with_matrix: bool = True) -> dict:
    """Talk-off over ``minutes`` of speech and ``minutes / 2`` of music; returns a report dict."""
    from dsp.bench.bench_dtmf import load_shim
    from dsp.bench import spandsp_ref
    lib = load_shim()
    report: dict = {"spandsp": lib is not None,
                    "spandsp_note": "" if lib else (spandsp_ref.unavailable_reason or "")}
    for name, x in (("speech", speech_corpus(minutes)), ("music", music_corpus(minutes / 2.0))):
        hours = x.size / corpus.RATE / 3600.0
        ours = ours_digits(x)
        ref = spandsp_digits(lib, x) if lib is not None else None
        report[name] = {
            "hours": round(hours, 3),
            "ours_false_digits": len(ours),
            "ours_false_per_hour": round(len(ours) / hours, 2) if hours else None,
            "ours_digits": "".join(d for d, _ in ours)[:200],
            "ours_first_indices": [i for _, i in ours[:10]],
            "spandsp_false_digits": None if ref is None else len(ref),
            "spandsp_false_per_hour": None if ref is None or not hours else round(len(ref) / hours, 2),
            "spandsp_digits": None if ref is None else ref[:200],
        }
    if with_matrix:
        report["q24_edges"] = edge_matrix(lib)
    return report


def format_report(rep: dict) -> str:
    lines = [f"{'corpus':<8} {'hours':>6} {'ours false':>11} {'ours /h':>8} {'spandsp false':>14} {'spandsp /h':>11}"]
    for name in ("speech", "music"):
        r = rep[name]
        sf = "-" if r["spandsp_false_digits"] is None else str(r["spandsp_false_digits"])
        sh = "-" if r["spandsp_false_per_hour"] is None else f"{r['spandsp_false_per_hour']:.2f}"
        lines.append(f"{name:<8} {r['hours']:>6.2f} {r['ours_false_digits']:>11} "
                     f"{r['ours_false_per_hour']:>8.2f} {sf:>14} {sh:>11}")
        if r["ours_digits"]:
            lines.append(f"         ours: {r['ours_digits']} at samples {r['ours_first_indices']}")
        if r["spandsp_digits"]:
            lines.append(f"         spandsp: {r['spandsp_digits']}")
    if not rep["spandsp"]:
        lines.append(f"spandsp not run: {rep['spandsp_note']}")
    if "q24_edges" in rep:
        lines.append("")
        lines.append("Q.24 edge cells (16 digits x 4 trials, random phases/offsets): share handled "
                     "correctly ('either' cells: share detected)")
        lines.append(f"{'cell':<14} {'expect':<7} {'ours':>6} {'spandsp':>8}")
        for row in rep["q24_edges"]:
            ref = "-" if row["spandsp_correct"] is None else f"{row['spandsp_correct']:.0%}"
            lines.append(f"{row['cell']:<14} {row['expect']:<7} {row['ours_correct']:>6.0%} {ref:>8}")
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of ``hotline bench talkoff [--minutes N] [--json] [--no-matrix]``."""
    ap = argparse.ArgumentParser(prog="hotline bench talkoff",
                                 description="DTMF false digits per hour on speech and music, "
                                             "ours beside spandsp's dtmf_rx.")
    ap.add_argument("--minutes", type=float, default=30.0,
                    help="minutes of speech (music: half of it); default 30")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    ap.add_argument("--no-matrix", action="store_true", help="skip the Q.24 edge cells")
    args = ap.parse_args(argv)
    if not corpus.have_espeak():
        print("espeak-ng and sox are needed (apt-get install espeak-ng sox)")
        return 2
    rep = run(args.minutes, not args.no_matrix)
    print(json.dumps(rep, indent=2) if args.json else format_report(rep))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
