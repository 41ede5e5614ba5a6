"""Call notes and follow-ups (工单): what agents write about a call, kept in cdr.db.

A note belongs to a *conversation*: it is stored with the call id it was written on
(``call_id`` = the CDR's ``uniqueid``) and the conversation's ``linkedid`` (shared by
every call of one conversation: a call handed on to another agent or queue keeps its id,
a consultation transfer keeps the linkedid). So a note written while the call is live
shows up with its CDR afterwards and follows the caller to the next agent.
``number`` is the customer's number (the caller of an inbound call, the called number
of an outbound one): "notes about this caller" across calls.

A note may be a follow-up: ``category`` (free text, e.g. "complaint"), ``status``
open/closed, ``due`` (UTC ISO text or NULL). Times are UTC ISO-8601 text (sortable).
The table comes with CDR migration 3 (firmware.cdr.store); all SQL of notes lives here.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Optional

from firmware.cdr.record import UTC

if TYPE_CHECKING:
    from firmware.cdr.store import CdrStore

#: CDR migration 3 (listed in firmware.cdr.store.CDR_MIGRATIONS).
NOTES_SCHEMA = """
CREATE TABLE call_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id TEXT NOT NULL, linkedid TEXT NOT NULL, number TEXT NOT NULL DEFAULT '',
    time TEXT NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL,
    followup INTEGER NOT NULL DEFAULT 0, category TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '', due TEXT, updated TEXT NOT NULL);
CREATE INDEX call_notes_linkedid ON call_notes (linkedid);
CREATE INDEX call_notes_number ON call_notes (number);
CREATE INDEX call_notes_followup ON call_notes (followup, status, due);
CREATE INDEX cdr_uniqueid ON cdr (uniqueid)
"""

STATUSES = ("open", "closed")
MAX_TEXT = 4000
_COLS = "id, call_id, linkedid, number, time, author, text, followup, category, status, due, updated"


def iso(t: Optional[dt.datetime]) -> Optional[str]:
    return None if t is None else t.astimezone(UTC).isoformat(timespec="seconds")


def _row(r: dict[str, Any]) -> dict[str, Any]:
    r["followup"] = bool(r["followup"])
    return r


class CallNotes:
    """Notes in the CDR store's database (its connection and lock)."""

    def __init__(self, store: "CdrStore") -> None:
        self.store = store

    def add(self, *, call_id: str, linkedid: str, number: str, author: str, text: str,
            when: dt.datetime, followup: bool = False, category: str = "",
            due: Optional[dt.datetime] = None) -> dict[str, Any]:
        """Store a note (committed at once); returns it as :meth:`get` would."""
        s = self.store
        with s._lock:
            with s.db.atomic():
                cur = s.db.execute(
                    "INSERT INTO call_notes (call_id, linkedid, number, time, author, text, followup, category, "
                    "status, due, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [call_id, linkedid, number, iso(when), author, text, int(followup), category,
                     "open" if followup else "", iso(due), iso(when)])
            nid = int(cur.lastrowid)
        got = self.get(nid)
        assert got is not None
        return got

    def get(self, note_id: int) -> Optional[dict[str, Any]]:
        s = self.store
        with s._lock:
            r = next(s.db.query(f"SELECT {_COLS} FROM call_notes WHERE id = ?", [int(note_id)]), None)
        return _row(r) if r is not None else None

    def for_call(self, linkedid: str) -> list[dict[str, Any]]:
        """Notes of one conversation, oldest first."""
        return self._list("linkedid = ?", [linkedid], "id")

    def for_number(self, number: str, limit: int = 100) -> list[dict[str, Any]]:
        """Notes about calls with ``number``, newest first."""
        return self._list("number = ?", [number], "id DESC", limit)

    def counts(self, linkedids: list[str]) -> dict[str, int]:
        """How many notes each conversation has (absent = none)."""
        if not linkedids:
            return {}
        s = self.store
        marks = ",".join("?" for _ in linkedids)
        with s._lock:
            return {r["linkedid"]: int(r["n"]) for r in s.db.query(
                f"SELECT linkedid, COUNT(*) AS n FROM call_notes WHERE linkedid IN ({marks}) GROUP BY linkedid",
                list(linkedids))}

    def followups(self, *, status: str = "", author: str = "", due_before: Optional[dt.datetime] = None,
                  limit: int = 500) -> list[dict[str, Any]]:
        """Follow-ups, earliest due first (those without a due time last), then oldest."""
        where, args = ["followup = 1"], []
        if status:
            where.append("status = ?")
            args.append(status)
        if author:
            where.append("author = ?")
            args.append(author)
        if due_before is not None:
            where.append("due IS NOT NULL AND due < ?")
            args.append(iso(due_before))
        return self._list(" AND ".join(where), args, "due IS NULL, due, id", limit)

    def update_followup(self, note_id: int, when: dt.datetime, *, status: Optional[str] = None,
                        due: Any = ..., category: Optional[str] = None) -> Optional[dict[str, Any]]:
        """Change a follow-up's status / due time (None clears it) / category; returns the
        note, or None when there is no follow-up ``note_id``."""
        sets, args = ["updated = ?"], [iso(when)]
        if status is not None:
            sets.append("status = ?")
            args.append(status)
        if due is not ...:
            sets.append("due = ?")
            args.append(iso(due))
        if category is not None:
            sets.append("category = ?")
            args.append(category)
        s = self.store
        with s._lock:
            with s.db.atomic():
                cur = s.db.execute(f"UPDATE call_notes SET {', '.join(sets)} WHERE id = ? AND followup = 1",
                                   args + [int(note_id)])
        return self.get(note_id) if cur.rowcount else None

    def _list(self, where: str, args: list, order: str, limit: Optional[int] = None) -> list[dict[str, Any]]:
        sql = f"SELECT {_COLS} FROM call_notes WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ?"
            args = args + [int(limit)]
        s = self.store
        with s._lock:
            return [_row(r) for r in s.db.query(sql, args)]
