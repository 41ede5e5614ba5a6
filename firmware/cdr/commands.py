"""Management commands of the call records (reports page, ``hotline ctl cdr.search ...``).

* ``cdr.search {since?, until?, number?, extension?, disposition?, direction?, limit?, offset?}``
  → ``{"total": N, "rows": [...]}`` newest first; each row has the CDR fields (times as
  UTC ISO text), ``sequence`` (the row id, as in the export) and ``notes`` (how many call
  notes its conversation has, see ``note.list``);
* ``cdr.export {same filters, header?, limit?}`` → ``{"csv": "<Master.csv text>", "rows": n}``,
  oldest first, times in the box's time zone; ``header: true`` adds a line of column names.
  It runs in a worker thread (the store's lock keeps SQLite safe), not on the event loop.

Filters and their words: firmware.cdr.search. The existing ``cdr.list {limit?}`` stays.
"""
from __future__ import annotations

import asyncio
from typing import Any

from firmware.cdr.search import export_csv, page, parse_filters, search
from firmware.config.timezone import box_zone
from firmware.mgmt.commands import Dispatcher

EXPORT_MAX_ROWS = 100_000        #: one reply at most this many records (about 20 MB of CSV)


def register_cdr(d: Dispatcher, box: Any) -> None:
    def channels_of(number: str) -> list[str]:
        ext = box.config.extension(number)
        return [f"FXS/{ext.port}"] if ext is not None and ext.kind == "fxs" and ext.port else []

    def notes_count(linkedids: list[str]) -> dict[str, int]:
        return box.notes.counts(linkedids)

    def cdr_search(a: dict) -> dict:
        f = parse_filters(a, box_zone(box.config), channels_of)
        limit, offset = page(a)
        return search(box.cdr, f, limit, offset, notes_count=notes_count)

    async def cdr_export(a: dict) -> dict:
        tz = box_zone(box.config)
        f = parse_filters(a, tz, channels_of)
        try:
            limit = int(a["limit"]) if a.get("limit") not in (None, "") else EXPORT_MAX_ROWS
        except (TypeError, ValueError):
            raise ValueError(f"limit: {a.get('limit')!r} is not a whole number") from None
        if not 1 <= limit <= EXPORT_MAX_ROWS:
            raise ValueError(f"limit: {limit} is not between 1 and {EXPORT_MAX_ROWS}")
        # 10,000 records take about 0.3 s: in a thread, so the engine's 20 ms tick goes on
        text, n = await asyncio.to_thread(export_csv, box.cdr, f, tz, header=bool(a.get("header")), limit=limit)
        return {"csv": text, "rows": n}

    d.register("cdr.search", cdr_search,
               "call records newest first {since?, until? (ISO date/time, box time zone), number?, "
               "extension?, disposition?, direction?, limit? (50, max 1000), offset?} -> {total, rows}")
    d.register("cdr.export", cdr_export,
               "call records as Asterisk Master.csv text, oldest first {same filters as cdr.search, "
               "header?: true for a line of column names} -> {csv, rows}")
