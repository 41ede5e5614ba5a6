"""RecordingIndex: the recordings of one box and who listened to them, in SQLite
(``<data>/recordings.db``, WAL, ``synchronous=FULL``, one commit per event — the CDR
store's habits).

Table ``recordings``: one row per file — the call's CDR unique id (and linked id),
queue, agent, caller, callee, direction, trunk, start/end (ISO-8601 UTC text), duration
(s), format, channels, bytes, when it may be deleted (``expires``, NULL = keep), and its
``state``: ``recording`` (being written; a crash leaves it so and start-up repairs it),
``done``, ``recovered`` (closed by the start-up repair), ``failed`` (a write error or the
disk guard stopped it; the audio up to then is kept), ``deleted`` (retention; the row
stays for the access history), ``lost`` (file gone).

Table ``access_log``: who listened to / exported / deleted which recording, when.
"""
from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any, Iterable, Optional, Union


from firmware.config.migrations import Migration, open_database

UTC = dt.timezone.utc

_V1 = """
CREATE TABLE recordings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uniqueid TEXT NOT NULL, linkedid TEXT NOT NULL, path TEXT NOT NULL,
    queue TEXT NOT NULL DEFAULT '', agent TEXT NOT NULL DEFAULT '',
    caller TEXT NOT NULL DEFAULT '', callee TEXT NOT NULL DEFAULT '',
    direction TEXT NOT NULL DEFAULT '', trunk TEXT NOT NULL DEFAULT '',
    start TEXT NOT NULL, [end] TEXT, duration_s REAL NOT NULL DEFAULT 0,
    format TEXT NOT NULL, channels INTEGER NOT NULL, bytes INTEGER NOT NULL DEFAULT 0,
    expires TEXT, state TEXT NOT NULL, started_by TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '');
CREATE INDEX recordings_start ON recordings (start);
CREATE INDEX recordings_uniqueid ON recordings (uniqueid);
CREATE INDEX recordings_state ON recordings (state);
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, who TEXT NOT NULL,
    action TEXT NOT NULL, recording_id INTEGER, detail TEXT NOT NULL DEFAULT '');
CREATE INDEX access_log_time ON access_log (time)
"""

RECORDING_MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "recordings index and access log", _V1),
)

LIVE_STATES = ("recording", "done", "recovered", "failed")    #: rows whose file exists


def iso(t: Optional[dt.datetime]) -> Optional[str]:
    return None if t is None else t.astimezone(UTC).isoformat(timespec="microseconds")


def _when(v: Any) -> Optional[str]:
    """A filter bound: datetime, date or ISO text → ISO UTC text (naive = local time)."""
    if v in (None, ""):
        return None
    if isinstance(v, str):
        v = dt.datetime.fromisoformat(v)
    if not isinstance(v, dt.datetime):
        v = dt.datetime(v.year, v.month, v.day)
    if v.tzinfo is None:
        v = v.astimezone()
    return iso(v)


class RecordingIndex:
    """The index database at ``path`` (created on open)."""

    def __init__(self, path: Union[str, Path]) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self.db, _before = open_database(self.path, RECORDING_MIGRATIONS, "recording index")

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # ------------------------------------------------------------------ writing
    def add(self, **row: Any) -> int:
        """A new recording (state ``recording``); returns its id."""
        for k in ("start", "end", "expires"):
            if isinstance(row.get(k), dt.datetime):
                row[k] = iso(row[k])
        cols = list(row)
        with self._lock, self.db.atomic():
            cur = self.db.execute(f"INSERT INTO recordings ({', '.join(f'[{c}]' for c in cols)}) "
                                  f"VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols])
            return int(cur.lastrowid)

    def update(self, rec_id: int, **fields: Any) -> None:
        for k in ("start", "end", "expires"):
            if isinstance(fields.get(k), dt.datetime):
                fields[k] = iso(fields[k])
        sets = ", ".join(f"[{k}] = ?" for k in fields)
        with self._lock, self.db.atomic():
            self.db.execute(f"UPDATE recordings SET {sets} WHERE id = ?", [*fields.values(), rec_id])

    def log_access(self, when: dt.datetime, who: str, action: str, rec_id: Optional[int], detail: str = "") -> None:
        with self._lock, self.db.atomic():
            self.db.execute("INSERT INTO access_log (time, who, action, recording_id, detail) VALUES (?, ?, ?, ?, ?)",
                            [iso(when), who, action, rec_id, detail])

    # ------------------------------------------------------------------ reading
    def get(self, rec_id: int) -> Optional[dict[str, Any]]:
        with self._lock:
            return next(self.db.query("SELECT * FROM recordings WHERE id = ?", [rec_id]), None)

    def in_state(self, *states: str) -> list[dict[str, Any]]:
        marks = ", ".join("?" for _ in states)
        with self._lock:
            return list(self.db.query(f"SELECT * FROM recordings WHERE state IN ({marks}) ORDER BY id", list(states)))

    def search(self, *, since: Any = None, until: Any = None, agent: str = "", number: str = "",
               queue: str = "", uniqueid: str = "", min_duration: Optional[float] = None,
               max_duration: Optional[float] = None, limit: Optional[int] = 100, offset: int = 0,
               states: Iterable[str] = LIVE_STATES) -> list[dict[str, Any]]:
        """Recordings newest first: started in [since, until), by agent, with ``number``
        as caller or callee, through queue, by duration (s); ``offset`` rows skipped."""
        where, args = self._where(since=since, until=until, agent=agent, number=number, queue=queue,
                                  uniqueid=uniqueid, min_duration=min_duration, max_duration=max_duration,
                                  states=states)
        sql = f"SELECT * FROM recordings WHERE {where} ORDER BY start DESC, id DESC"
        if limit or offset:
            sql += f" LIMIT {int(limit) if limit else -1} OFFSET {int(offset)}"
        with self._lock:
            return list(self.db.query(sql, args))

    def count(self, *, since: Any = None, until: Any = None, agent: str = "", number: str = "",
              queue: str = "", uniqueid: str = "", min_duration: Optional[float] = None,
              max_duration: Optional[float] = None, states: Iterable[str] = LIVE_STATES) -> int:
        """How many recordings :meth:`search` finds with these filters (without a limit)."""
        where, args = self._where(since=since, until=until, agent=agent, number=number, queue=queue,
                                  uniqueid=uniqueid, min_duration=min_duration, max_duration=max_duration,
                                  states=states)
        with self._lock:
            return int(next(self.db.query(f"SELECT COUNT(*) AS n FROM recordings WHERE {where}", args))["n"])

    @staticmethod
    def _where(*, since: Any, until: Any, agent: str, number: str, queue: str, uniqueid: str,
               min_duration: Optional[float], max_duration: Optional[float],
               states: Iterable[str]) -> tuple[str, list]:
        where, args = [], []
        states = list(states)
        where.append(f"state IN ({', '.join('?' for _ in states)})")
        args += states
        for col, op, v in (("start", ">=", _when(since)), ("start", "<", _when(until)),
                           ("agent", "=", agent or None), ("queue", "=", queue or None),
                           ("uniqueid", "=", uniqueid or None),
                           ("duration_s", ">=", min_duration), ("duration_s", "<=", max_duration)):
            if v is not None:
                where.append(f"[{col}] {op} ?")
                args.append(v)
        if number:
            where.append("(caller = ? OR callee = ?)")
            args += [number, number]
        return " AND ".join(where), args

    def total_bytes(self) -> int:
        with self._lock:
            row = next(self.db.query("SELECT COALESCE(SUM(bytes), 0) AS b FROM recordings WHERE state IN "
                                     "('recording', 'done', 'recovered', 'failed')"))
        return int(row["b"])

    def expired(self, now: dt.datetime) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query("SELECT * FROM recordings WHERE expires IS NOT NULL AND expires < ? "
                                      "AND state IN ('done', 'recovered', 'failed') ORDER BY id", [iso(now)]))

    def access(self, limit: int = 100, rec_id: Optional[int] = None) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM access_log", []
        if rec_id is not None:
            sql += " WHERE recording_id = ?"
            args.append(rec_id)
        sql += f" ORDER BY id DESC LIMIT {int(limit)}"
        with self._lock:
            return list(self.db.query(sql, args))
