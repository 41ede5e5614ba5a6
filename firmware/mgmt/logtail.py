"""``log.tail {limit?, level?, contains?}`` — the daemon's recent log records, newest
first (time, level, logger, message), from the in-memory ring of firmware.logbook; the
web UI's system-log page and ``hotline ctl log.tail`` read it."""
from __future__ import annotations

from typing import Any

from firmware.config.timezone import box_zone
from firmware.logbook import LEVELS, RING_RECORDS, ring
from firmware.mgmt.commands import Dispatcher


def register_log(d: Dispatcher, box: Any) -> None:
    buf = ring()

    def tail(a: dict) -> list:
        try:
            limit = int(a.get("limit", 100))
        except (TypeError, ValueError):
            raise ValueError(f"limit: {a.get('limit')!r} is not a whole number") from None
        if not 1 <= limit <= RING_RECORDS:
            raise ValueError(f"limit: {limit} is not between 1 and {RING_RECORDS}")
        level = str(a.get("level") or "").strip().lower()
        if level and level not in LEVELS:
            raise ValueError(f"level: {a['level']!r} is not one of {', '.join(LEVELS)}")
        return buf.tail(limit, level, str(a.get("contains") or ""), box_zone(box.config))

    d.register("log.tail", tail, "recent log records, newest first {limit? (100, max 2000), "
                                 "level? (debug|info|warning|error: at least), contains?}")
