"""The `hotline` command: the DSP benchmark runs and reports figures and ratios."""
import json
import shutil
import subprocess
import sys

import pytest

from firmware import cli


def test_bench_dsp_json_reports_throughput_and_spandsp_ratio(capsys):
    assert cli.main(["bench", "dsp", "g711", "mixer", "--quick", "--json", "--repeats", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {(r["function"], r["variant"]): r for r in report["results"]}
    g711_rows = [r for (f, _), r in rows.items() if f.startswith("G.711")]
    assert len(g711_rows) == 4
    for r in g711_rows:
        assert r["ours_channels_realtime"] > 1000
        if shutil.which("cc") and r["spandsp_channels_realtime"] is not None:
            assert r["ratio_ours_over_spandsp"] > 0
    assert any(f.startswith("conference mix") for f, _ in rows)


def test_bench_table_output(capsys):
    assert cli.main(["bench", "dsp", "mixer", "--quick", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "ours ch-RT" in out and "level meter" in out


def test_unknown_benchmark_is_a_clear_error(capsys):
    with pytest.raises(SystemExit):
        cli.main(["bench", "dsp", "nosuch"])
    assert "unknown benchmark nosuch" in capsys.readouterr().err


def test_console_entry_point_is_installed():
    exe = shutil.which("hotline") or (sys.prefix + "/bin/hotline")
    res = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "bench" in res.stdout


def test_every_dsp_function_has_a_benchmark_case():
    from dsp.bench import BENCH_MODULES
    from dsp.bench.core import collect_cases
    cases, notes = collect_cases(quick=True)
    assert notes == []
    functions = " ".join(c.function.lower() for c in cases)
    for word in ("g.711", "dtmf", "tone", "call-progress", "fsk", "echo", "conference", "chain"):
        assert word in functions, word
    assert {c.function for c in cases} and len(BENCH_MODULES) == 7
