"""CDR search for reports and the web UI: filters → one page of records plus the total.

:func:`parse_filters` turns the management API's arguments (JSON text) into a
:class:`CdrFilter` and says in plain words what is wrong with a bad one;
:func:`search` and :func:`export_csv` run it against a :class:`~firmware.cdr.store.CdrStore`
(SQL through the store's connection and lock, like the store's own reads).

Filters (all optional, combined with AND):

* ``since`` / ``until`` — ISO date (``2024-05-01``, midnight) or date-time
  (``2024-05-01T08:30`` or ``2024-05-01 08:30:00``); naive ones are in the box's time zone.
  ``since`` is inclusive, ``until`` exclusive, by call start. A date alone as ``until``
  means "up to the end of that day".
* ``number`` — a phone number (digits, ``*#+``) is the caller or called number (``src``
  or ``dst``, exactly: both indexed); anything else (a name) is looked for inside the
  caller ID (``clid``, any case);
* ``extension`` — calls made or taken by an extension (``src``/``dst`` or its channel);
* ``disposition`` — ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION (case-insensitive);
* ``direction`` — internal, inbound, outbound.

Rows come newest first; ``limit`` default 50, at most 1000; ``offset`` for paging.
The start-time index orders the page, src/dst indexes answer a number alone.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from firmware.cdr.record import DIRECTIONS, DISPOSITIONS, CdrRecord
from firmware.cdr.store import _iso, csv_line, to_utc
from firmware.mgmt.commands import page_args

if TYPE_CHECKING:
    from firmware.cdr.store import CdrStore

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
#: Master.csv column names, for ``header: true`` (uniqueid and userfield on, as the export writes).
CSV_HEADER = ("accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,lastdata,start,answer,end,"
              "duration,billsec,disposition,amaflags,uniqueid,userfield\n")
_DIALLED = re.compile(r"^[0-9*#+]+$")
_NUMBER = re.compile(r"^[0-9A-Za-z*#+ ._()\-\u4e00-\u9fff]{1,64}$")


@dataclass(frozen=True)
class CdrFilter:
    since: Optional[dt.datetime] = None        #: aware, inclusive
    until: Optional[dt.datetime] = None        #: aware, exclusive
    number: str = ""
    extension: str = ""
    channels: tuple[str, ...] = ()             #: the extension's channel names (FXS/fxs1, SIP/801)
    disposition: str = ""
    direction: str = ""


def parse_when(value: Any, field: str, tz: Optional[dt.tzinfo], *, end_of_day: bool = False) -> dt.datetime:
    """An aware datetime from ISO text; a date alone is midnight (the next midnight when
    ``end_of_day``). Naive times are in ``tz`` (None = the system's local time)."""
    text = str(value).strip()
    try:
        if len(text) == 10:
            d = dt.date.fromisoformat(text)
            if end_of_day:
                d += dt.timedelta(days=1)
            return to_utc(d, tz)
        return to_utc(dt.datetime.fromisoformat(text), tz)
    except ValueError:
        raise ValueError(f"{field}: {text!r} is not a date or time; write it as 2024-05-01 or "
                         "2024-05-01T08:30") from None


def parse_filters(args: dict, tz: Optional[dt.tzinfo] = None,
                  channels_of: Any = None) -> CdrFilter:
    """A :class:`CdrFilter` from command arguments (ValueError naming the bad one).
    ``channels_of(extension)`` gives the channel names of an extension (may be None)."""
    since = parse_when(args["since"], "since", tz) if args.get("since") not in (None, "") else None
    until = parse_when(args["until"], "until", tz, end_of_day=True) if args.get("until") not in (None, "") else None
    if since is not None and until is not None and until <= since:
        raise ValueError(f"until: {args['until']} is not after since {args['since']}")
    number = str(args.get("number") or "").strip()
    if number and not _NUMBER.match(number):
        raise ValueError(f"number: {number!r} is not a phone number or name to look for")
    ext = str(args.get("extension") or "").strip()
    if ext and not ext.isdigit():
        raise ValueError(f"extension: {ext!r} is not an extension number (digits only)")
    disp = str(args.get("disposition") or "").strip().upper()
    if disp and disp not in DISPOSITIONS:
        raise ValueError(f"disposition: {args['disposition']!r} is not one of {', '.join(DISPOSITIONS)}")
    direction = str(args.get("direction") or "").strip().lower()
    if direction and direction not in DIRECTIONS:
        raise ValueError(f"direction: {args['direction']!r} is not one of {', '.join(DIRECTIONS)}")
    chans = tuple(channels_of(ext)) if ext and channels_of is not None else ()
    return CdrFilter(since, until, number, ext, chans, disp, direction)


def page(args: dict) -> tuple[int, int]:
    """(limit, offset) from the arguments: limit 1..1000 (default 50), offset ≥ 0."""
    return page_args(args, DEFAULT_LIMIT, MAX_LIMIT)


def _where(f: CdrFilter) -> tuple[str, list]:
    clauses: list[str] = []
    args: list = []
    if f.since is not None:
        clauses.append("start >= ?")
        args.append(_iso(f.since))
    if f.until is not None:
        clauses.append("start < ?")
        args.append(_iso(f.until))
    if f.number and _DIALLED.match(f.number):
        clauses.append("(src = ? OR dst = ?)")              # the src and dst indexes (MULTI-INDEX OR)
        args += [f.number, f.number]
    elif f.number:
        clauses.append("clid LIKE ? ESCAPE '\\'")
        like = f.number.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        args.append(f"%{like}%")
    if f.extension:
        ors = ["src = ?", "dst = ?"]
        args += [f.extension, f.extension]
        for c in f.channels:
            ors += ["channel = ?", "dstchannel = ?"]
            args += [c, c]
        clauses.append("(" + " OR ".join(ors) + ")")
    if f.disposition:
        clauses.append("disposition = ?")
        args.append(f.disposition)
    if f.direction:
        clauses.append("direction = ?")
        args.append(f.direction)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def search(store: "CdrStore", f: CdrFilter, limit: int = DEFAULT_LIMIT, offset: int = 0,
           notes_count: Any = None) -> dict[str, Any]:
    """``{"total": N, "rows": [record dicts, newest first]}``; times are ISO text in UTC.
    ``notes_count(linkedids) -> {linkedid: n}`` adds ``notes`` to each row (0 without)."""
    store.flush()
    where, args = _where(f)
    with store._lock:
        total = int(next(store.db.query(f"SELECT COUNT(*) AS n FROM cdr{where}", args))["n"])
        rows = list(store.db.query(f"SELECT * FROM cdr{where} ORDER BY start DESC, id DESC LIMIT ? OFFSET ?",
                                   args + [int(limit), int(offset)]))
    counts = notes_count(sorted({r["linkedid"] for r in rows})) if notes_count is not None and rows else {}
    out = []
    for r in rows:
        r["sequence"] = r.pop("id")
        r["notes"] = int(counts.get(r["linkedid"], 0))
        out.append(r)
    return {"total": total, "rows": out}


def export_csv(store: "CdrStore", f: CdrFilter, tz: Optional[dt.tzinfo] = None, *,
               header: bool = False, limit: Optional[int] = None) -> tuple[str, int]:
    """(Master.csv text, rows) of the matching records, oldest first as cdr_csv writes
    them; ``header`` puts a line of column names first (not in Asterisk's file)."""
    store.flush()
    where, args = _where(f)
    sql = f"SELECT * FROM cdr{where} ORDER BY start, id"
    if limit is not None:
        sql += " LIMIT ?"
        args = args + [int(limit)]
    with store._lock:
        rows = list(store.db.query(sql, args))
    parts = [CSV_HEADER] if header else []
    for r in rows:
        rid = r["id"]
        parts.append(csv_line(store._record(r), tz, sequence=rid))
    return "".join(parts), len(rows)


def history(store: "CdrStore", number: str, limit: int = 10, *,
            exclude_linkedid: str = "") -> list[dict[str, Any]]:
    """The last calls from or to ``number`` (newest first): start (ISO UTC), direction,
    src, dst, disposition, billsec, linkedid — the screen pop's "previous calls"."""
    if not number:
        return []
    with store._lock:                        # no flush: a screen pop must not wait for the disk
        rows = list(store.db.query(
            "SELECT uniqueid, linkedid, start, src, dst, disposition, billsec, direction FROM cdr "
            "WHERE (src = ? OR dst = ?) AND linkedid != ? ORDER BY start DESC, id DESC LIMIT ?",
            [number, number, exclude_linkedid, int(limit)]))
    return rows


def record_of(store: "CdrStore", call_id: str) -> Optional[CdrRecord]:
    """The record of call ``call_id`` (its uniqueid, else the first of its linkedid);
    None when there is none."""
    store.flush()
    with store._lock:
        row = next(store.db.query("SELECT * FROM cdr WHERE uniqueid = ? LIMIT 1", [call_id]), None) or \
            next(store.db.query("SELECT * FROM cdr WHERE linkedid = ? ORDER BY id LIMIT 1", [call_id]), None)
    return store._record(row) if row is not None else None
