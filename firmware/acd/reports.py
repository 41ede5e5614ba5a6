"""Historical call-centre reports per interval (15 min / hour / day) from the ACD logs.

``queue_report`` gives, for each interval of [from, to) and each queue, the figures of
:func:`firmware.acd.stats.queue_figures` for the calls that *entered* the queue in that
interval.  ``agent_report`` gives per interval and agent: login time, talk, wrap-up,
idle (ready), ringing and pause time (per reason) from agent_events, calls answered,
ring-no-answers and AHT from queue_log, and L/P (logged-in time / paid time) when a paid
time per day is given.  Intervals start at ``from`` (local time when naive) and are
15 / 60 / 1440 minutes long.  ``to_csv`` writes either report as CSV (times local ISO).
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
from typing import Any, Iterable, Mapping, Optional, Union

from firmware.acd.stats import AcdLogReader, agent_call_figures, agent_state_times, by_queue, group_calls

INTERVALS_MIN = {"15min": 15, "hour": 60, "day": 1440}

QUEUE_COLUMNS = ("interval_start", "queue", "offered", "answered", "answered_within_t", "abandoned",
                 "short_abandoned", "exited", "callback_requests", "callbacks_connected", "callbacks_failed",
                 "asa_s", "aht_s", "talk_s", "wrapup_s", "avg_abandon_s", "sl_threshold_s",
                 "service_level_pct", "abandon_rate_pct", "surveys", "survey_avg", "full")
AGENT_COLUMNS = ("interval_start", "agent", "login_s", "talk_s", "wrapup_s", "idle_s", "ringing_s", "pause_s",
                 "pause_by_reason_s", "answered", "completed", "ring_no_answer", "aht_s", "surveys", "survey_avg",
                 "lp_pct")


def parse_time(value: Any, tz: Optional[_dt.tzinfo] = None) -> _dt.datetime:
    """An aware datetime from an ISO date / datetime string or object; naive = in ``tz``
    (default: the system's local time). A :class:`ValueError` names what is wrong."""
    if isinstance(value, _dt.datetime):
        t = value
    elif isinstance(value, _dt.date):
        t = _dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            t = _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date or time (use 2026-03-14 or 2026-03-14T09:00)") from None
    else:
        raise ValueError(f"{value!r} is not a date or time (use 2026-03-14 or 2026-03-14T09:00)")
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz) if tz is not None else t.astimezone()
    return t


def intervals(start: _dt.datetime, end: _dt.datetime, interval: str) -> list[tuple[_dt.datetime, _dt.datetime]]:
    """[start, end) cut into intervals of ``interval`` (15min | hour | day)."""
    if interval not in INTERVALS_MIN:
        raise ValueError(f"interval {interval!r} is not one of {', '.join(INTERVALS_MIN)}")
    if end <= start:
        raise ValueError(f"'to' ({end.isoformat()}) must be after 'from' ({start.isoformat()})")
    step = _dt.timedelta(minutes=INTERVALS_MIN[interval])
    if (end - start) / step > 50_000:
        raise ValueError("that is more than 50,000 intervals: choose a longer interval or a shorter period")
    out, t = [], start
    while t < end:
        out.append((t, min(t + step, end)))
        t += step
    return out


def _ms(t: _dt.datetime) -> int:
    return int(t.timestamp() * 1000)


def queue_report(reader: AcdLogReader, start: _dt.datetime, end: _dt.datetime, interval: str = "hour", *,
                 queue: Optional[str] = None, config: Any = None, threshold_s: Optional[float] = None,
                 skip_empty: bool = True) -> list[dict[str, Any]]:
    """One row per (interval, queue) with calls (every interval when not ``skip_empty``
    and ``queue`` is given)."""
    cuts = intervals(start, end, interval)
    calls = group_calls(reader.calls_entered(_ms(start), _ms(end), queue))
    if queue:
        calls = [c for c in calls if c.queue == queue]
    rows: list[dict[str, Any]] = []
    i = 0
    calls.sort(key=lambda c: c.enter_ms)
    for t0, t1 in cuts:
        a, b = _ms(t0), _ms(t1)
        chunk = []
        while i < len(calls) and calls[i].enter_ms < b:
            if calls[i].enter_ms >= a:
                chunk.append(calls[i])
            i += 1
        figs = by_queue(chunk, config, threshold_s)
        if not figs and queue and not skip_empty:
            figs = {queue: _empty(queue, config, threshold_s)}
        for q, f in figs.items():
            rows.append({"interval_start": t0.isoformat(timespec="minutes"), "queue": q, **f})
    return rows


def _empty(queue: str, config: Any, threshold_s: Optional[float]) -> dict[str, Any]:
    from firmware.acd.stats import queue_figures, sl_threshold_s
    return queue_figures([], threshold_s if threshold_s is not None else sl_threshold_s(config, queue))


def agent_report(reader: AcdLogReader, start: _dt.datetime, end: _dt.datetime, interval: str = "day", *,
                 agent: Optional[str] = None,
                 paid_hours_per_day: Union[float, Mapping[str, float], None] = None) -> list[dict[str, Any]]:
    """One row per (interval, agent) that was logged in or handled calls in it. ``lp_pct``
    (logged-in / paid) needs ``paid_hours_per_day``: hours for every agent, or per agent
    (``{"1001": 7.5}``; agents missing or at 0 get no L/P). Paid time of an interval is its
    share of the day."""
    rows: list[dict[str, Any]] = []
    for t0, t1 in intervals(start, end, interval):
        a, b = _ms(t0), _ms(t1)
        times = agent_state_times(reader.agent_events(a, b), a, b)
        calls = agent_call_figures(reader.agent_queue_rows(a, b))
        for ag in sorted(set(times) | set(calls)):
            if agent and ag != agent:
                continue
            t = times.get(ag, {})
            c = calls.get(ag, {})
            if not t.get("login_ms") and not c:
                continue
            hours = paid_hours_per_day.get(ag, 0) if isinstance(paid_hours_per_day, Mapping) \
                else paid_hours_per_day
            paid_ms = hours * 3600_000 * (b - a) / 86_400_000 if hours else 0
            rows.append({
                "interval_start": t0.isoformat(timespec="minutes"), "agent": ag,
                "login_s": t.get("login_ms", 0) / 1000, "talk_s": t.get("talk_ms", 0) / 1000,
                "wrapup_s": t.get("wrapup_ms", 0) / 1000, "idle_s": t.get("idle_ms", 0) / 1000,
                "ringing_s": t.get("ringing_ms", 0) / 1000, "pause_s": t.get("pause_ms", 0) / 1000,
                "pause_by_reason_s": {k: v / 1000 for k, v in t.get("pause_by_reason_ms", {}).items()},
                "answered": c.get("answered", 0), "completed": c.get("completed", 0),
                "ring_no_answer": c.get("ring_no_answer", 0), "aht_s": c.get("aht_s"),
                "surveys": c.get("surveys", 0), "survey_avg": c.get("survey_avg"),
                "lp_pct": round(100.0 * t.get("login_ms", 0) / paid_ms, 1) if paid_ms else None,
            })
    return rows


def to_csv(rows: Iterable[dict[str, Any]], columns: Iterable[str]) -> str:
    """CSV text with a header line; dict cells (pause per reason) as ``reason=s;...``."""
    cols = list(columns)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        out = []
        for c in cols:
            v = r.get(c)
            if isinstance(v, dict):
                v = ";".join(f"{k}={x:g}" for k, x in v.items())
            out.append("" if v is None else v)
        w.writerow(out)
    return buf.getvalue()
