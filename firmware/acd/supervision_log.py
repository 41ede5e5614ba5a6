"""supervision_log: who listened to whom, how and when (in ``DataDir.acd_db``).

One row per stretch of a supervision session with one mode on one call: a mode change,
or the agent's next call, closes the row (``end_ts_ms``) and opens the next one.  Times
are the box clock's wall time in ms since the epoch; ``time`` the same as UTC ISO-8601.
Committed per row (WAL), like the CDR store.  The table is the shared contract of the
ACD logs (queue_log / agent_events are written by the ACD core); it is created here if
it does not exist yet.
"""
from __future__ import annotations

import datetime as _dt
import sqlite3
import threading
from pathlib import Path
from typing import Any, Optional, Union

SCHEMA = """CREATE TABLE IF NOT EXISTS supervision_log (
  id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, time TEXT NOT NULL, supervisor TEXT NOT NULL,
  agent TEXT NOT NULL, extension TEXT NOT NULL, mode TEXT NOT NULL,
  callid TEXT NOT NULL DEFAULT '', end_ts_ms INTEGER)"""
REFUSALS = """CREATE TABLE IF NOT EXISTS supervision_refusals (
  id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, time TEXT NOT NULL, extension TEXT NOT NULL,
  supervisor TEXT NOT NULL DEFAULT '', target TEXT NOT NULL DEFAULT '', mode TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL, via TEXT NOT NULL DEFAULT '')"""


def ms_of(t: _dt.datetime) -> int:
    """Milliseconds since the Unix epoch of an aware datetime."""
    return int(round(t.timestamp() * 1000))


def iso_ms(ts_ms: int) -> str:
    return _dt.datetime.fromtimestamp(ts_ms / 1000, _dt.timezone.utc).isoformat(timespec="milliseconds")


class SupervisionLog:
    """Writer/reader of supervision_log in the SQLite file ``path`` (opened on first use)."""

    def __init__(self, path: Union[str, Path]) -> None:
        self.path = Path(path)
        self._conn: Optional[sqlite3.Connection] = None
        self._lock = threading.RLock()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(str(self.path), timeout=10.0, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(SCHEMA)
            conn.execute(REFUSALS)
            conn.commit()
            self._conn = conn
        return self._conn

    def start(self, ts_ms: int, *, supervisor: str, agent: str, extension: str, mode: str,
              callid: str = "") -> int:
        """A stretch begins; returns its row id (for :meth:`end`)."""
        with self._lock:
            db = self._db()
            cur = db.execute("INSERT INTO supervision_log (ts_ms, time, supervisor, agent, extension, mode, callid)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (ts_ms, iso_ms(ts_ms), supervisor, agent, extension, mode, callid))
            db.commit()
            return int(cur.lastrowid)

    def end(self, row_id: int, ts_ms: int) -> None:
        with self._lock:
            db = self._db()
            db.execute("UPDATE supervision_log SET end_ts_ms = ? WHERE id = ? AND end_ts_ms IS NULL",
                       (ts_ms, row_id))
            db.commit()

    def refused(self, ts_ms: int, *, extension: str, supervisor: str, target: str, mode: str, reason: str,
                via: str) -> None:
        """A refused request (not a supervisor, wrong PIN, not their queue): who, from which
        extension, whom, how (``via`` phone / api), why. Never the PIN."""
        with self._lock:
            db = self._db()
            db.execute("INSERT INTO supervision_refusals (ts_ms, time, extension, supervisor, target, mode, "
                       "reason, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (ts_ms, iso_ms(ts_ms), extension, supervisor, target, mode, reason, via))
            db.commit()

    def refusals(self, limit: int = 100) -> list[dict[str, Any]]:
        """Refused supervision requests, newest first."""
        with self._lock:
            return [dict(r) for r in self._db().execute(
                "SELECT * FROM supervision_refusals ORDER BY id DESC LIMIT ?", (int(limit),))]

    def rows(self, limit: int = 100, supervisor: Optional[str] = None) -> list[dict[str, Any]]:
        """Newest first."""
        sql, args = "SELECT * FROM supervision_log", []
        if supervisor:
            sql += " WHERE supervisor = ?"
            args.append(supervisor)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(int(limit))
        with self._lock:
            return [dict(r) for r in self._db().execute(sql, args)]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
