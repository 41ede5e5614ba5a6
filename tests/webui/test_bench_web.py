"""`hotline bench web` runs (small numbers) and prints its fields; no timing asserted."""
from __future__ import annotations

import json

from firmware.bench.web import main, percentile


def test_bench_web_json_smoke(capsys):
    assert main(["--extensions", "10", "--cdrs", "120", "--repeat", "2", "--warmup", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["extensions"] == 10 and out["cdrs"] == 120 and out["target_ms"] == 200
    pages = {p["page"]: p for p in out["pages"]}
    assert {"status", "cdr search p1", "queue report"} <= set(pages)
    for p in pages.values():
        assert p["status"] == 200 and p["bytes"] > 1000
        assert 0 < p["min_ms"] <= p["median_ms"] <= p["p95_ms"]
    assert percentile([5, 1, 3, 2, 4], 0.95) == 5 and percentile([1, 2, 3, 4], 0.5) == 2


def test_bench_web_table(capsys):
    assert main(["--extensions", "5", "--cdrs", "10", "--repeat", "1", "--warmup", "0"]) == 0
    text = capsys.readouterr().out
    assert "target 200 ms" in text and "cdr search p1" in text and "median" in text and "p95" in text
