"""Historical reports per interval from the scripted day of tests/acd/test_stats.py
(hand-computed expected values in the comments)."""
from __future__ import annotations

import datetime as dt

import pytest

from firmware.acd.reports import (AGENT_COLUMNS, QUEUE_COLUMNS, agent_report, intervals, parse_time,
                                  queue_report, to_csv)
from firmware.acd.stats import AcdLogReader
from tests.acd.test_stats import DAY, UTC, scripted_day


@pytest.fixture
def reader(tmp_path) -> AcdLogReader:
    return AcdLogReader(scripted_day(tmp_path / "acd.db"))


def test_hourly_queue_report(reader):
    rows = queue_report(reader, DAY, DAY + dt.timedelta(days=1), "hour")
    by_hour = {r["interval_start"][11:16]: r for r in rows}
    assert sorted(by_hour) == ["09:00", "10:00", "11:00"]
    h9, h10, h11 = by_hour["09:00"], by_hour["10:00"], by_hour["11:00"]
    # 09h: c1..c6
    assert (h9["offered"], h9["answered"], h9["answered_within_t"]) == (6, 2, 1)
    assert (h9["abandoned"], h9["short_abandoned"], h9["exited"]) == (1, 1, 1)
    assert h9["service_level_pct"] == 25.0           # 1 / (2 + 1 + 1)
    assert h9["asa_s"] == 15.0                       # (10 + 20) / 2
    assert h9["aht_s"] == 150.0                      # (120+180+60 + 30+60) / 3 completed
    assert h9["abandon_rate_pct"] == 20.0            # 1 / (6 - 1)
    assert h9["avg_abandon_s"] == 40.0
    assert h9["survey_avg"] == 2.0 and h9["surveys"] == 2
    assert (h9["callback_requests"], h9["callbacks_connected"]) == (1, 1)   # by entry hour
    # 10h: c7 c8 c9
    assert (h10["offered"], h10["answered"], h10["answered_within_t"]) == (3, 3, 2)   # 15 s = T counts
    assert h10["service_level_pct"] == 66.7          # 2 / 3
    assert h10["asa_s"] == 15.0                      # (5 + 15 + 25) / 3
    assert h10["aht_s"] == 136.7                     # (90 + 240 + 60 + 20) / 3
    assert h10["abandon_rate_pct"] == 0.0 and h10["survey_avg"] == 2.0
    # 11h: c10 still waiting: offered, nothing else
    assert h11["offered"] == 1 and h11["answered"] == 0 and h11["service_level_pct"] is None


def test_daily_and_quarter_hour_reports(reader):
    (day,) = queue_report(reader, DAY, DAY + dt.timedelta(days=1), "day")
    assert day["offered"] == 10 and day["answered"] == 5
    assert day["service_level_pct"] == 42.9          # 3 / (5 + 1 + 1)
    assert day["aht_s"] == 143.3                     # (750 talk + 110 wrap-up) / 6
    assert day["abandon_rate_pct"] == 11.1           # 1 / (10 - 1)
    q = queue_report(reader, DAY + dt.timedelta(hours=9), DAY + dt.timedelta(hours=10), "15min")
    assert [r["interval_start"][11:16] for r in q] == ["09:00", "09:15", "09:30", "09:45"]
    assert [r["offered"] for r in q] == [2, 1, 2, 1]
    # a 30 s threshold from the caller: all five answers (10 20 5 15 25 s) within it
    (d30,) = queue_report(reader, DAY, DAY + dt.timedelta(days=1), "day", threshold_s=30)
    assert d30["answered_within_t"] == 5 and d30["service_level_pct"] == 71.4   # 5 / 7
    # another queue: nothing
    assert queue_report(reader, DAY, DAY + dt.timedelta(days=1), "day", queue="701") == []
    (e,) = queue_report(reader, DAY, DAY + dt.timedelta(days=1), "day", queue="701", skip_empty=False)
    assert e["offered"] == 0 and e["queue"] == "701"


def test_agent_report_from_agent_events(reader):
    rows = agent_report(reader, DAY, DAY + dt.timedelta(days=1), "day", paid_hours_per_day=8)
    a = {r["agent"]: r for r in rows}
    a1, a2 = a["1001"], a["1002"]
    # 1001: logged in 08:55-11:00
    assert a1["login_s"] == 7500.0
    assert a1["talk_s"] == 270.0                     # 120 + 60 + 90
    assert a1["wrapup_s"] == 30.0 and a1["ringing_s"] == 19.0
    assert a1["pause_s"] == 945.0 and a1["pause_by_reason_s"] == {"lunch": 900.0, "ring_no_answer": 45.0}
    assert a1["idle_s"] == 6236.0                    # 7500 - 270 - 30 - 19 - 945
    assert (a1["answered"], a1["completed"], a1["ring_no_answer"]) == (3, 3, 1)
    assert a1["aht_s"] == 100.0                      # (270 + 30) / 3
    assert a1["survey_avg"] == 1.0
    assert a1["lp_pct"] == 26.0                      # 7500 / 28800
    # 1002: 09:05-10:40
    assert a2["login_s"] == 5700.0 and a2["talk_s"] == 480.0 and a2["wrapup_s"] == 80.0
    assert a2["idle_s"] == 5140.0 and a2["aht_s"] == 186.7 and a2["survey_avg"] == 2.5
    assert a2["lp_pct"] == 19.8
    # 1003 logged in at 11:00, paused for a break at 11:20 (12 h 40 min until midnight)
    assert a["1003"]["pause_by_reason_s"] == {"break": 45600.0}


def test_agent_report_hour_clips_states(reader):
    rows = agent_report(reader, DAY + dt.timedelta(hours=9), DAY + dt.timedelta(hours=10), "hour", agent="1001")
    (r,) = rows
    assert r["login_s"] == 3600.0                    # logged in before 09:00: whole hour
    assert r["idle_s"] == 2546.0 and r["talk_s"] == 120.0 and r["wrapup_s"] == 30.0
    assert r["ringing_s"] == 4.0 and r["pause_by_reason_s"] == {"lunch": 900.0}
    assert r["lp_pct"] is None


def test_csv_and_bad_input(reader):
    rows = queue_report(reader, DAY, DAY + dt.timedelta(days=1), "hour")
    text = to_csv(rows, QUEUE_COLUMNS)
    lines = text.splitlines()
    assert lines[0].split(",")[:3] == ["interval_start", "queue", "offered"]
    assert lines[1].startswith("2026-03-14T09:00+00:00,700,6,2,1,1,1,1,")
    arows = agent_report(reader, DAY, DAY + dt.timedelta(days=1), "day")
    assert "lunch=900;ring_no_answer=45" in to_csv(arows, AGENT_COLUMNS)
    with pytest.raises(ValueError, match="interval 'week'"):
        intervals(DAY, DAY + dt.timedelta(days=1), "week")
    with pytest.raises(ValueError, match="must be after"):
        intervals(DAY, DAY, "hour")
    with pytest.raises(ValueError, match="not a date"):
        parse_time("yesterday")
    assert parse_time("2026-03-14", UTC) == DAY
