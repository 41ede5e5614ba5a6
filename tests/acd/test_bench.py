from firmware.bench.acd import main, run


def test_bench_reports_decision_latency_and_speed(capsys):
    r = run(agents=10, calls=100, hour_s=600)
    assert r["offers"] >= r["answered"] > 50 and r["answered"] + r["abandoned"] == 100
    assert 0 < r["p50_ms"] <= r["p99_ms"] and r["sim_hour_per_cpu_s"] > 0
    assert main(["--json", "--agents", "5", "--calls", "20"]) == 0
    assert '"p99_ms"' in capsys.readouterr().out
