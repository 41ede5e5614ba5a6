"""Business hours: is a time condition "day" (open) or "night" (closed) right now?

A time condition lists opening spans per weekday (``mon: ["09:00-12:00", "13:30-18:00"]``)
and by default treats holidays as closed.  Holidays are dates ``YYYY-MM-DD`` (lunar-
calendar holidays such as 春节 are entered as that year's date) or every-year dates
``MM-DD`` (国庆节 ``10-01``).  The manual override (feature code ``day_night``) forces
"day" or "night" until it is set back to "auto".  Times are the box's local time.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable

from firmware.config.validate_features import WEEKDAYS, parse_span


def is_holiday(holidays: Iterable[Any], when: _dt.datetime) -> bool:
    """``when``'s date is one of ``holidays`` (config Holiday rows)."""
    full, annual = when.strftime("%Y-%m-%d"), when.strftime("%m-%d")
    return any(h.date in (full, annual) for h in holidays)


def scheduled_mode(tc: Any, holidays: Iterable[Any], when: _dt.datetime) -> str:
    """"day" if ``when`` (local, aware or naive) is inside the opening hours, else "night"."""
    if tc.holidays and is_holiday(holidays, when):
        return "night"
    minute = when.hour * 60 + when.minute
    for span in tc.hours.get(WEEKDAYS[when.weekday()], ()):
        a, b = parse_span("hours", span)
        if a <= minute < b:
            return "day"
    return "night"


def current_mode(tc: Any, holidays: Iterable[Any], when: _dt.datetime) -> str:
    """The mode in force: the manual override if set, else the schedule."""
    if tc.override in ("day", "night"):
        return tc.override
    return scheduled_mode(tc, holidays, when)
