"""Live statistics from a scripted day of ACD log rows (written here in the shared
queue_log / agent_events format), against hand-computed figures.

The day (UTC, queue 700, service-level threshold 15 s; agents 1001 on 801, 1002 on 802):

09:00-10:00  c1 answered after 10 s by 1001, talk 120 s, wrap-up 30 s, survey 1
             c2 answered after 20 s by 1002, talk 180 s, wrap-up 60 s, survey 3
             c3 abandoned after 3 s (short)          c4 abandoned after 40 s
             c5 left by timeout after 120 s          c6 asked for a callback after 30 s;
             called back at 10:05 by 1001, talk 60 s
10:00-11:00  c7 answered after 5 s by 1001, transferred after 90 s
             c8 answered after 15 s (= T) by 1002, talk 240 s, wrap-up 20 s, survey 2
             c9 not answered by 1001 (15 s ring), answered after 25 s by 1002, talk 60 s
11:28        c10 enters and is still waiting at 11:30

Hand-computed (see each test): 09 h offered 6, answered 2, within T 1, abandoned 1 (+1
short), exited 1 -> SL 1/(2+1+1) = 25 %, ASA (10+20)/2 = 15 s, AHT (120+180+60 talk +
30+60 wrap)/3 = 150 s, abandonment 1/(6-1) = 20 %, surveys (1+3)/2 = 2.0.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from firmware.acd.stats import AcdLogReader, live_stats

UTC = dt.timezone.utc
DAY = dt.datetime(2026, 3, 14, tzinfo=UTC)

SCHEMA = """
CREATE TABLE IF NOT EXISTS queue_log (
  id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, time TEXT NOT NULL,
  callid TEXT NOT NULL DEFAULT '', queue TEXT NOT NULL DEFAULT '', agent TEXT NOT NULL DEFAULT '',
  event TEXT NOT NULL,
  data1 TEXT NOT NULL DEFAULT '', data2 TEXT NOT NULL DEFAULT '', data3 TEXT NOT NULL DEFAULT '',
  data4 TEXT NOT NULL DEFAULT '', data5 TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS queue_log_ts ON queue_log(ts_ms);
CREATE TABLE IF NOT EXISTS agent_events (
  id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, time TEXT NOT NULL,
  agent TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
  queue TEXT NOT NULL DEFAULT '', callid TEXT NOT NULL DEFAULT '', extension TEXT NOT NULL DEFAULT '');
"""


def at(hms: str) -> int:
    h, m, s = (int(x) for x in hms.split(":"))
    return int((DAY + dt.timedelta(hours=h, minutes=m, seconds=s)).timestamp() * 1000)


def iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


QUEUE_ROWS = [
    # time, callid, agent, event, data1..
    ("08:55:00", "", "1001", "AGENTLOGIN", "801"),
    ("09:00:00", "c1", "", "ENTERQUEUE", "13900000001", "0", "1"),
    ("09:00:10", "c1", "1001", "CONNECT", "10000", "801", "4000"),
    ("09:02:10", "c1", "1001", "COMPLETECALLER", "10000", "120000"),
    ("09:02:20", "c1", "1001", "SURVEY", "1"),
    ("09:02:40", "c1", "1001", "WRAPUPEND", "30000"),
    ("09:05:00", "", "1002", "AGENTLOGIN", "802"),
    ("09:10:00", "c2", "", "ENTERQUEUE", "13900000002", "0", "1"),
    ("09:10:20", "c2", "1002", "CONNECT", "20000", "802", "3000"),
    ("09:13:20", "c2", "1002", "COMPLETEAGENT", "20000", "180000"),
    ("09:13:30", "c2", "1002", "SURVEY", "3"),
    ("09:14:20", "c2", "1002", "WRAPUPEND", "60000"),
    ("09:20:00", "c3", "", "ENTERQUEUE", "13900000003", "0", "1"),
    ("09:20:03", "c3", "", "ABANDON", "1", "1", "3000"),
    ("09:30:00", "c4", "", "ENTERQUEUE", "13900000004", "0", "1"),
    ("09:30:00", "", "1001", "PAUSE", "lunch"),
    ("09:30:40", "c4", "", "ABANDON", "1", "1", "40000"),
    ("09:40:00", "c5", "", "ENTERQUEUE", "13900000005", "0", "1"),
    ("09:42:00", "c5", "", "EXITWITHTIMEOUT", "1", "1", "120000", "6000"),
    ("09:45:00", "", "1001", "UNPAUSE", "lunch", "900000"),
    ("09:50:00", "c6", "", "ENTERQUEUE", "13900000006", "0", "1"),
    ("09:50:30", "c6", "", "CALLBACKREQUEST", "13900000006", "1", "30000"),
    ("10:05:00", "c6", "1001", "CALLBACKCONNECT", "900000", "801", "1"),
    ("10:06:00", "c6", "1001", "COMPLETEAGENT", "900000", "60000"),
    ("10:10:00", "c7", "", "ENTERQUEUE", "13900000007", "0", "1"),
    ("10:10:05", "c7", "1001", "CONNECT", "5000", "801", "2000"),
    ("10:11:35", "c7", "1001", "TRANSFER", "803", "5000", "90000"),
    ("10:20:00", "c8", "", "ENTERQUEUE", "13900000008", "0", "1"),
    ("10:20:15", "c8", "1002", "CONNECT", "15000", "802", "2000"),
    ("10:24:15", "c8", "1002", "COMPLETECALLER", "15000", "240000"),
    ("10:24:20", "c8", "1002", "SURVEY", "2"),
    ("10:24:35", "c8", "1002", "WRAPUPEND", "20000"),
    ("10:30:00", "c9", "", "ENTERQUEUE", "13900000009", "0", "1"),
    ("10:30:15", "c9", "1001", "RINGNOANSWER", "15000"),
    ("10:30:25", "c9", "1002", "CONNECT", "25000", "802", "5000"),
    ("10:31:25", "c9", "1002", "COMPLETECALLER", "25000", "60000"),
    ("10:40:00", "", "1002", "AGENTLOGOFF", "802", "5700000"),
    ("11:00:00", "", "1001", "AGENTLOGOFF", "801", "7500000"),
    ("11:28:00", "c10", "", "ENTERQUEUE", "13900000010", "0", "1"),
]

AGENT_ROWS = [
    # time, agent, state, reason, callid, extension
    ("08:55:00", "1001", "ready", "", "", "801"),
    ("09:00:06", "1001", "ringing", "", "c1", "801"),
    ("09:00:10", "1001", "on_call", "", "c1", "801"),
    ("09:02:10", "1001", "wrap_up", "", "c1", "801"),
    ("09:02:40", "1001", "ready", "", "", "801"),
    ("09:30:00", "1001", "paused", "lunch", "", "801"),
    ("09:45:00", "1001", "ready", "", "", "801"),
    ("10:05:00", "1001", "on_call", "", "c6", "801"),
    ("10:06:00", "1001", "ready", "", "", "801"),
    ("10:10:05", "1001", "on_call", "", "c7", "801"),
    ("10:11:35", "1001", "ready", "", "", "801"),
    ("10:30:00", "1001", "ringing", "", "c9", "801"),
    ("10:30:15", "1001", "paused", "ring_no_answer", "", "801"),
    ("10:31:00", "1001", "ready", "", "", "801"),
    ("11:00:00", "1001", "logged_out", "", "", "801"),
    ("09:05:00", "1002", "ready", "", "", "802"),
    ("09:10:20", "1002", "on_call", "", "c2", "802"),
    ("09:13:20", "1002", "wrap_up", "", "c2", "802"),
    ("09:14:20", "1002", "ready", "", "", "802"),
    ("10:20:15", "1002", "on_call", "", "c8", "802"),
    ("10:24:15", "1002", "wrap_up", "", "c8", "802"),
    ("10:24:35", "1002", "ready", "", "", "802"),
    ("10:30:25", "1002", "on_call", "", "c9", "802"),
    ("10:31:25", "1002", "ready", "", "", "802"),
    ("10:40:00", "1002", "logged_out", "", "", "802"),
    ("11:00:00", "1003", "ready", "", "", "803"),
    ("11:20:00", "1003", "paused", "break", "", "803"),
]


def scripted_day(path: Path, queue: str = "700") -> Path:
    """Write the day above into the SQLite file ``path`` (the shared ACD log format)."""
    conn = sqlite3.connect(str(path))
    conn.executescript(SCHEMA)
    for t, callid, agent, event, *data in QUEUE_ROWS:
        data = list(data) + [""] * (5 - len(data))
        ms = at(t)
        conn.execute("INSERT INTO queue_log (ts_ms, time, callid, queue, agent, event, data1, data2, data3, data4,"
                     " data5) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     (ms, iso(ms), callid, queue if callid else "", agent, event, *data))
    for t, agent, state, reason, callid, ext in AGENT_ROWS:
        ms = at(t)
        conn.execute("INSERT INTO agent_events (ts_ms, time, agent, state, reason, queue, callid, extension)"
                     " VALUES (?,?,?,?,?,?,?,?)", (ms, iso(ms), agent, state, reason, "", callid, ext))
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def day_db(tmp_path) -> AcdLogReader:
    return AcdLogReader(scripted_day(tmp_path / "acd.db"))


def test_live_snapshot_at_half_past_eleven(day_db):
    now = DAY + dt.timedelta(hours=11, minutes=30)
    s = live_stats(day_db, now, tz=UTC)
    q = s["queues"]["700"]
    # the whole day so far: offered 10 (c10 still waiting), answered 5 (c1 c2 c7 c8 c9)
    assert q["offered"] == 10 and q["answered"] == 5 and q["answered_within_t"] == 3
    assert q["abandoned"] == 1 and q["short_abandoned"] == 1 and q["exited"] == 1
    assert q["waiting"] == 1 and q["longest_wait_s"] == 120.0
    assert q["service_level_pct"] == 42.9              # 3 / (5 + 1 + 1)
    assert q["asa_s"] == 15.0                          # (10+20+5+15+25)/5
    assert q["aht_s"] == 143.3                         # (750 talk + 110 wrap) / 6
    assert q["abandon_rate_pct"] == 11.1               # 1 / (10 - 1)
    assert q["avg_abandon_s"] == 40.0
    assert q["callback_requests"] == 1 and q["callbacks_connected"] == 1 and q["callbacks_pending"] == 0
    assert q["surveys"] == 3 and q["survey_avg"] == 2.0
    assert s["agents_by_state"] == {"logged_out": 2, "ready": 0, "ringing": 0, "on_call": 0,
                                    "wrap_up": 0, "paused": 1}
    a3 = next(a for a in s["agents"] if a["agent"] == "1003")
    assert a3["state"] == "paused" and a3["reason"] == "break" and a3["since_s"] == 600.0
    a1 = next(a for a in s["agents"] if a["agent"] == "1001")
    assert a1["answered"] == 3 and a1["talk_ms"] == 270_000 and a1["login_ms"] == 7_500_000
    assert a1["pause_by_reason_ms"] == {"lunch": 900_000, "ring_no_answer": 45_000}


def test_live_snapshot_mid_morning_and_thresholds(day_db):
    now = DAY + dt.timedelta(hours=9, minutes=50, seconds=20)
    s = live_stats(day_db, now, tz=UTC)
    q = s["queues"]["700"]
    assert q["offered"] == 6 and q["waiting"] == 1 and q["longest_wait_s"] == 20.0   # c6 waits
    assert q["agents"]["ready"] == 2
    # a 30 s threshold: c1 and c2 both within it
    s30 = live_stats(day_db, now, tz=UTC, threshold_s=30)
    assert s30["queues"]["700"]["service_level_pct"] == 50.0     # 2 / (2 + 1 + 1)


def test_missing_database_reads_empty(tmp_path):
    s = live_stats(AcdLogReader(tmp_path / "none.db"), DAY, tz=UTC)
    assert s["queues"] == {} and s["agents"] == [] and s["agents_by_state"]["ready"] == 0
    p = tmp_path / "empty.db"
    sqlite3.connect(str(p)).close()
    assert live_stats(AcdLogReader(p), DAY, tz=UTC)["queues"] == {}
