"""Staffing advice from queue_log traffic: the classic 48-Erlang hour needs 55 agents for
80 % in 15 s (Tanner's published example, see test_erlang.py)."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from firmware.acd.erlang import agents_needed, traffic_intensity
from firmware.acd.staffing import staffing_advice
from firmware.acd.stats import AcdLogReader
from tests.acd.test_stats import SCHEMA, UTC

MON1 = dt.datetime(2026, 3, 2, tzinfo=UTC)          # a Monday
NOW = dt.datetime(2026, 3, 16, 8, 0, tzinfo=UTC)     # Monday two weeks later


def write_traffic(path):
    conn = sqlite3.connect(str(path))
    conn.executescript(SCHEMA)
    rows = []
    n = 0

    def call(t: dt.datetime, wait_ms: int, talk_ms: int, wrap_ms: int = 0):
        nonlocal n
        n += 1
        cid = f"k{n}"
        ms = int(t.timestamp() * 1000)
        rows.append((ms, cid, "700", "", "ENTERQUEUE", "139", "0", "1"))
        rows.append((ms + wait_ms, cid, "700", "1001", "CONNECT", str(wait_ms), "801", "1000"))
        rows.append((ms + wait_ms + talk_ms, cid, "700", "1001", "COMPLETECALLER", str(wait_ms), str(talk_ms)))
        if wrap_ms:
            rows.append((ms + wait_ms + talk_ms + wrap_ms, cid, "700", "1001", "WRAPUPEND", str(wrap_ms), ""))

    for week in range(2):
        mon = MON1 + dt.timedelta(days=7 * week)
        for i in range(720):                         # Monday 09:00-10:00: 720 calls, AHT 240 s
            call(mon + dt.timedelta(hours=9, seconds=5 * i), 3000, 240_000)
        for i in range(100 if week == 0 else 60):    # Tuesday 10:00: 80 calls on average, AHT 180 s
            call(mon + dt.timedelta(days=1, hours=10, seconds=30 * i), 2000, 150_000, 30_000)
    conn.executemany("INSERT INTO queue_log (ts_ms, time, callid, queue, agent, event, data1, data2, data3)"
                     " VALUES (?, '', ?, ?, ?, ?, ?, ?, ?)", [r + ("",) * (8 - len(r)) for r in rows])
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def reader(tmp_path):
    return AcdLogReader(write_traffic(tmp_path / "acd.db"))


def test_staffing_per_weekday_hour(reader):
    adv = staffing_advice(reader, NOW, queue="700", weeks=2, interval="hour", target_sl=0.8, t_s=15, tz=UTC)
    rows = {(r["weekday"], r["start"]): r for r in adv["rows"]}
    assert set(rows) == {("Mon", "09:00"), ("Tue", "10:00")}
    mon = rows[("Mon", "09:00")]
    assert mon["calls_avg"] == 720 and mon["aht_s"] == 240.0
    assert mon["traffic_erlangs"] == 48.0
    assert mon["agents"] == 55                                   # the published figure
    assert mon["service_level_pct"] == 84.6
    tue = rows[("Tue", "10:00")]
    assert tue["calls_avg"] == 80 and tue["aht_s"] == 180.0      # talk 150 + wrap-up 30
    a = traffic_intensity(80, 180)                               # 4 Erlangs
    assert tue["agents"] == agents_needed(a, 180, target_sl=0.8, t_s=15).agents == 7
    assert adv["from"].startswith("2026-03-02") and adv["to"].startswith("2026-03-16")


def test_staffing_needs_a_sane_period(reader):
    with pytest.raises(ValueError, match="weeks"):
        staffing_advice(reader, NOW, weeks=0)
    with pytest.raises(ValueError, match="interval"):
        staffing_advice(reader, NOW, interval="day")
    # one week back only sees the second week's traffic
    adv = staffing_advice(reader, NOW, queue="700", weeks=1, tz=UTC)
    tue = next(r for r in adv["rows"] if r["weekday"] == "Tue")
    assert tue["calls_avg"] == 60
