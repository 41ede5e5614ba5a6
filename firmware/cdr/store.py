"""CdrStore: call detail records in SQLite (via sqlite-utils), WAL, committed per call.

All SQL of the CDR store lives here.  ``write()`` commits before it returns (journal in
WAL mode with ``synchronous=FULL``), so a crash right after a call ends loses nothing.
``submit()`` (what the running box uses) hands the record to a group-commit thread
(firmware.cdr.writer): the event loop never waits for the disk, the record is on disk
a few ms later, and every reader here sees all submitted records.
Times are stored as ISO-8601 UTC text with microseconds (sortable as text).

CSV export follows Asterisk's cdr_csv (``cdr/cdr_csv.c``, ``build_csv_record``), the
file billing tools read as ``Master.csv``.  Column order::

    accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata,
    start, answer, end, duration, billsec, disposition, amaflags,
    uniqueid, userfield                      (cdr.conf loguniqueid / loguserfield)
    [peeraccount, linkedid, sequence]        (cdr.conf newcdrcolumns, opt-in)

Quoting, exactly as cdr_csv writes it: text fields in double quotes with embedded
``"`` doubled; duration, billsec and sequence bare integers; a missing answer time
an empty, *unquoted* field; times ``YYYY-MM-DD HH:MM:SS`` in local time; no header
line; each line ends with ``\\n``.  Asterisk's own defaults for loguniqueid and
loguserfield are "no", but its sample cdr.conf (what most boxes run) turns both on,
so they are on here by default.
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path
from typing import IO, Any, Iterator, Optional, Union


from firmware.cdr.notes import NOTES_SCHEMA
from firmware.cdr.record import FIELD_NAMES, UTC, CdrRecord
from firmware.cdr.writer import GroupCommitWriter
from firmware.config.migrations import Migration, open_database

_TIME_FIELDS = ("start", "answer", "end")

_V1 = """
CREATE TABLE cdr (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uniqueid TEXT NOT NULL, linkedid TEXT NOT NULL,
    start TEXT NOT NULL, answer TEXT, [end] TEXT NOT NULL,
    duration INTEGER NOT NULL, billsec INTEGER NOT NULL,
    src TEXT NOT NULL, dst TEXT NOT NULL, clid TEXT NOT NULL, caller_name TEXT NOT NULL,
    channel TEXT NOT NULL, dstchannel TEXT NOT NULL, dcontext TEXT NOT NULL,
    lastapp TEXT NOT NULL, lastdata TEXT NOT NULL, disposition TEXT NOT NULL,
    amaflags TEXT NOT NULL, accountcode TEXT NOT NULL, userfield TEXT NOT NULL,
    trunk TEXT NOT NULL, hangup_side TEXT NOT NULL, direction TEXT NOT NULL);
CREATE INDEX cdr_start ON cdr (start);
CREATE INDEX cdr_src ON cdr (src);
CREATE INDEX cdr_dst ON cdr (dst);
CREATE INDEX cdr_linkedid ON cdr (linkedid)
"""

_V2 = """
CREATE TABLE refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, kind TEXT NOT NULL,
    who TEXT NOT NULL, number TEXT NOT NULL, reason TEXT NOT NULL);
CREATE INDEX refusals_time ON refusals (time);
CREATE TABLE caller_list_hits (entry INTEGER PRIMARY KEY, hits INTEGER NOT NULL, last TEXT NOT NULL)
"""

CDR_MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "cdr table", _V1),
    Migration(2, "refused calls (toll-fraud guard, blocked callers) and caller-list hit counters", _V2),
    Migration(3, "call notes and follow-ups (firmware.cdr.notes); index on uniqueid", NOTES_SCHEMA),
)

#: Master.csv columns (see module docstring): (name, kind) with kind "text", "int", "time".
MASTER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("accountcode", "text"), ("src", "text"), ("dst", "text"), ("dcontext", "text"),
    ("clid", "text"), ("channel", "text"), ("dstchannel", "text"), ("lastapp", "text"),
    ("lastdata", "text"), ("start", "time"), ("answer", "time"), ("end", "time"),
    ("duration", "int"), ("billsec", "int"), ("disposition", "text"), ("amaflags", "text"),
)
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def _iso(t: Optional[dt.datetime]) -> Optional[str]:
    return None if t is None else t.astimezone(UTC).isoformat(timespec="microseconds")


def to_utc(when: Union[dt.date, dt.datetime], tz: Optional[dt.tzinfo] = None) -> dt.datetime:
    """An aware UTC datetime from a date (midnight) or datetime; naive ones are in ``tz``
    (default: the system's local time zone)."""
    if not isinstance(when, dt.datetime):
        when = dt.datetime(when.year, when.month, when.day)
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz) if tz is not None else when.astimezone()
    return when.astimezone(UTC)


def csv_field(value: str) -> str:
    """A text field as cdr_csv's append_string writes it: quoted, inner quotes doubled."""
    return '"' + value.replace('"', '""') + '"'


def csv_line(rec: CdrRecord, tz: Optional[dt.tzinfo] = None, *, uniqueid: bool = True,
             userfield: bool = True, new_columns: bool = False, sequence: int = 0) -> str:
    """One Master.csv line (with its ``\\n``) for a record; times shown in ``tz`` (None = local)."""
    out: list[str] = []
    for name, kind in MASTER_COLUMNS:
        v = getattr(rec, name)
        if kind == "int":
            out.append(str(int(v)))
        elif kind == "time":
            out.append("" if v is None else csv_field(v.astimezone(tz).strftime(DATE_FORMAT)))
        else:
            out.append(csv_field(v))
    if uniqueid:
        out.append(csv_field(rec.uniqueid))
    if userfield:
        out.append(csv_field(rec.userfield))
    if new_columns:
        out += [csv_field(""), csv_field(rec.linkedid), str(int(sequence))]
    return ",".join(out) + "\n"


_INSERT = (f"INSERT INTO cdr ({', '.join(f'[{k}]' for k in FIELD_NAMES)}) "
           f"VALUES ({', '.join('?' for _ in FIELD_NAMES)})")


class CdrStore:
    """The call records of one box, in the SQLite file ``path`` (created on open)."""

    def __init__(self, path: Union[str, os.PathLike]) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._writer: Optional[GroupCommitWriter] = None
        self.db, _before = open_database(self.path, CDR_MIGRATIONS, "call record")

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        with self._lock:
            self.db.close()

    def submit(self, rec: CdrRecord) -> None:
        """Store one record without waiting for the disk (group commit, see the module
        docstring); readers of this store see it at once."""
        if self._writer is None:
            self._writer = GroupCommitWriter(self._insert_many, name="cdr-writer")
        self._writer.submit(self._row(rec))

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until submitted records are committed (False: the disk is failing)."""
        return self._writer.flush(timeout_s) if self._writer is not None else True

    @property
    def writer_status(self) -> dict[str, Any]:
        """Queued / committed records and the last write error ("" when writing works)."""
        w = self._writer
        if w is None:
            return {"queued": 0, "batches": 0, "written": 0, "failures": 0, "last_error": ""}
        return {"queued": w.queued, "batches": w.batches, "written": w.items,
                "failures": w.failures, "last_error": w.last_error}

    @staticmethod
    def _row(rec: CdrRecord) -> list[Any]:
        row = {k: getattr(rec, k) for k in FIELD_NAMES}
        for k in _TIME_FIELDS:
            row[k] = _iso(row[k])
        return [row[k] for k in FIELD_NAMES]

    def _insert_many(self, rows: list[list[Any]]) -> None:
        with self._lock:
            with self.db.atomic():
                self.db.conn.executemany(_INSERT, rows)

    def __enter__(self) -> "CdrStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def write(self, rec: CdrRecord) -> int:
        """Store one record and commit at once; returns its row id (the export's sequence)."""
        self.flush()
        with self._lock:
            with self.db.atomic():
                cur = self.db.execute(_INSERT, self._row(rec))
            return int(cur.lastrowid)

    @staticmethod
    def _record(row: dict[str, Any]) -> CdrRecord:
        row.pop("id", None)
        for k in _TIME_FIELDS:
            row[k] = None if row[k] is None else dt.datetime.fromisoformat(row[k])
        return CdrRecord(**row)

    def _where(self, since: Any, until: Any, src: Optional[str], dst: Optional[str],
               tz: Optional[dt.tzinfo]) -> tuple[str, list]:
        clauses, args = [], []
        if since is not None:
            clauses.append("start >= ?")
            args.append(_iso(to_utc(since, tz)))
        if until is not None:
            clauses.append("start < ?")
            args.append(_iso(to_utc(until, tz)))
        if src is not None:
            clauses.append("src = ?")
            args.append(src)
        if dst is not None:
            clauses.append("dst = ?")
            args.append(dst)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def list(self, limit: Optional[int] = 100, since: Any = None, src: Optional[str] = None,
             dst: Optional[str] = None, *, until: Any = None, tz: Optional[dt.tzinfo] = None) -> list[CdrRecord]:
        """Records newest first.  ``since``/``until``: a date (midnight) or datetime (naive =
        in ``tz``, default local time), by call start; ``limit`` None = all."""
        self.flush()
        where, args = self._where(since, until, src, dst, tz)
        sql = f"SELECT * FROM cdr{where} ORDER BY start DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        with self._lock:
            return [self._record(r) for r in self.db.query(sql, args)]

    def count(self) -> int:
        self.flush()
        with self._lock:
            return int(next(self.db.query("SELECT COUNT(*) AS n FROM cdr"))["n"])

    def _rows_oldest_first(self, since: Any, tz: Optional[dt.tzinfo]) -> Iterator[tuple[int, CdrRecord]]:
        self.flush()
        where, args = self._where(since, None, None, None, tz)
        with self._lock:
            rows = list(self.db.query(f"SELECT * FROM cdr{where} ORDER BY start, id", args))
        for r in rows:
            rid = r["id"]
            yield rid, self._record(r)

    def export_csv(self, fileobj: IO[str], since: Any = None, tz: Optional[dt.tzinfo] = None, *,
                   uniqueid: bool = True, userfield: bool = True, new_columns: bool = False) -> int:
        """Write records (oldest first) as Asterisk Master.csv lines; returns how many.

        ``tz``: time zone of the written times and of a naive/date ``since`` (None = local).
        """
        n = 0
        for rid, rec in self._rows_oldest_first(since, tz):
            fileobj.write(csv_line(rec, tz, uniqueid=uniqueid, userfield=userfield,
                                   new_columns=new_columns, sequence=rid))
            n += 1
        return n

    # -- outbound usage, refusals, caller-list counters ------------------------------
    def outbound_seconds(self, since: dt.datetime, src: Optional[str] = None) -> int:
        """Billed seconds of outbound calls that started at/after ``since`` (of ``src``)."""
        self.flush()
        sql = "SELECT COALESCE(SUM(billsec), 0) AS s FROM cdr WHERE direction = 'outbound' AND start >= ?"
        args: list = [_iso(to_utc(since))]
        if src is not None:
            sql += " AND src = ?"
            args.append(src)
        with self._lock:
            return int(next(self.db.query(sql, args))["s"])

    def log_refusal(self, when: dt.datetime, kind: str, who: str, number: str, reason: str) -> None:
        """Record a refused call: ``kind`` "outbound" (toll-fraud guard, rights) or
        "inbound" (blocked caller); committed at once."""
        with self._lock:
            with self.db.atomic():
                self.db.execute("INSERT INTO refusals (time, kind, who, number, reason) VALUES (?, ?, ?, ?, ?)",
                                [_iso(to_utc(when)), kind, who, number, reason])

    def refusals(self, limit: int = 100) -> list[dict[str, Any]]:
        """Refused calls, newest first."""
        with self._lock:
            return list(self.db.query("SELECT time, kind, who, number, reason FROM refusals "
                                      "ORDER BY id DESC LIMIT ?", [int(limit)]))

    def count_hit(self, entry: int, when: dt.datetime) -> int:
        """One more call matched caller-list entry ``entry``; returns its count."""
        with self._lock:
            with self.db.atomic():
                self.db.execute("INSERT INTO caller_list_hits (entry, hits, last) VALUES (?, 1, ?) "
                                "ON CONFLICT(entry) DO UPDATE SET hits = hits + 1, last = excluded.last",
                                [int(entry), _iso(to_utc(when))])
            return int(next(self.db.query("SELECT hits FROM caller_list_hits WHERE entry = ?", [int(entry)]))["hits"])

    def caller_list_hits(self) -> dict[int, int]:
        with self._lock:
            return {int(r["entry"]): int(r["hits"]) for r in self.db.query("SELECT entry, hits FROM caller_list_hits")}
