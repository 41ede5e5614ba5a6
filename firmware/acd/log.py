"""AcdLog: the call-centre logs in SQLite (``DataDir.acd_db``), WAL, one commit per event.

Tables (the shared contract, /docs/acd.md "Logs"): ``queue_log`` (Asterisk queue_log
style, durations in ms), ``agent_events`` (every agent state change) and
``supervision_log`` (written by supervision).  ``ts_ms`` is milliseconds since the Unix
epoch from the box clock; ``time`` the same as UTC ISO-8601 with milliseconds.
All SQL of these logs lives here.
"""
from __future__ import annotations

import datetime as _dt
import os
import sqlite3
import threading
from typing import Any, Optional, Union

import sqlite_utils

from firmware.config.migrations import Migration, apply_migrations

_V1 = """
CREATE TABLE IF NOT EXISTS queue_log (
  id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, time TEXT NOT NULL,
  callid TEXT NOT NULL DEFAULT '', queue TEXT NOT NULL DEFAULT '', agent TEXT NOT NULL DEFAULT '',
  event TEXT NOT NULL,
  data1 TEXT NOT NULL DEFAULT '', data2 TEXT NOT NULL DEFAULT '', data3 TEXT NOT NULL DEFAULT '',
  data4 TEXT NOT NULL DEFAULT '', data5 TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS queue_log_ts ON queue_log(ts_ms);
CREATE INDEX IF NOT EXISTS queue_log_callid ON queue_log(callid);
CREATE INDEX IF NOT EXISTS queue_log_data1 ON queue_log(event, data1);
CREATE TABLE IF NOT EXISTS agent_events (
  id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, time TEXT NOT NULL,
  agent TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
  queue TEXT NOT NULL DEFAULT '', callid TEXT NOT NULL DEFAULT '', extension TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS agent_events_ts ON agent_events(ts_ms);
CREATE TABLE IF NOT EXISTS supervision_log (
  id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, time TEXT NOT NULL, supervisor TEXT NOT NULL,
  agent TEXT NOT NULL, extension TEXT NOT NULL, mode TEXT NOT NULL,
  callid TEXT NOT NULL DEFAULT '', end_ts_ms INTEGER)
"""

ACD_MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "queue_log, agent_events, supervision_log", _V1),
)


def iso_ms(t: _dt.datetime) -> str:
    """UTC ISO-8601 with milliseconds: ``2024-05-01T08:00:00.000+00:00``."""
    return t.astimezone(_dt.timezone.utc).isoformat(timespec="milliseconds")


def epoch_ms(t: _dt.datetime) -> int:
    return int(round(t.timestamp() * 1000))


class AcdLog:
    """The logs at ``path`` (":memory:" for benchmarks). ``wall`` gives the box time."""

    def __init__(self, path: Union[str, os.PathLike], wall: Any) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        conn = sqlite3.connect(str(path), check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        if str(path) != ":memory:":
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous=NORMAL")
        apply_migrations(self.db, ACD_MIGRATIONS, "call-centre log")
        self.rows = 0                      #: events written since start

    def close(self) -> None:
        self.db.close()

    def _now(self) -> tuple[int, str]:
        t = self._wall()
        return epoch_ms(t), iso_ms(t)

    def queue_event(self, event: str, *, callid: str = "", queue: str = "", agent: str = "",
                    data: tuple = ()) -> None:
        """One queue_log row (data1..data5 as text), committed at once."""
        ts, tm = self._now()
        d = [str(x) for x in data] + [""] * (5 - len(data))
        with self._lock:
            self.db.conn.execute(
                "INSERT INTO queue_log (ts_ms, time, callid, queue, agent, event, data1, data2, data3, data4, "
                "data5) VALUES (?,?,?,?,?,?,?,?,?,?,?)", [ts, tm, callid, queue, agent, event, *d[:5]])
            self.db.conn.commit()
        self.rows += 1

    def agent_event(self, agent: str, state: str, *, reason: str = "", queue: str = "", callid: str = "",
                    extension: str = "") -> None:
        ts, tm = self._now()
        with self._lock:
            self.db.conn.execute(
                "INSERT INTO agent_events (ts_ms, time, agent, state, reason, queue, callid, extension) "
                "VALUES (?,?,?,?,?,?,?,?)", [ts, tm, agent, state, reason, queue, callid, extension])
            self.db.conn.commit()
        self.rows += 1

    # -- reads
    def queue_log(self, limit: int = 1000, event: Optional[str] = None) -> list[dict]:
        """Rows oldest first (the last ``limit``), optionally of one event."""
        where, args = ("WHERE event = ?", [event]) if event else ("", [])
        rows = list(self.db.query(f"SELECT * FROM queue_log {where} ORDER BY id DESC LIMIT ?", args + [limit]))
        return rows[::-1]

    def agent_events(self, agent: Optional[str] = None, limit: int = 1000) -> list[dict]:
        where, args = ("WHERE agent = ?", [agent]) if agent else ("", [])
        rows = list(self.db.query(f"SELECT * FROM agent_events {where} ORDER BY id DESC LIMIT ?", args + [limit]))
        return rows[::-1]

    def last_agent_for(self, caller: str, since_ms: int) -> Optional[str]:
        """The agent who last answered a queue call from ``caller`` since ``since_ms``."""
        row = next(self.db.query(
            "SELECT c.agent FROM queue_log e JOIN queue_log c ON c.callid = e.callid AND c.event = 'CONNECT' "
            "WHERE e.event = 'ENTERQUEUE' AND e.data1 = ? AND c.ts_ms >= ? ORDER BY c.ts_ms DESC LIMIT 1",
            [caller, since_ms]), None)
        return row["agent"] if row else None

    def previous_calls(self, caller: str) -> dict[str, Any]:
        """How often ``caller`` was in a queue before, and when last (screen pop)."""
        row = next(self.db.query("SELECT COUNT(*) AS n, MAX(time) AS last FROM queue_log "
                                 "WHERE event = 'ENTERQUEUE' AND data1 = ?", [caller]))
        return {"count": int(row["n"] or 0), "last": row["last"] or ""}
