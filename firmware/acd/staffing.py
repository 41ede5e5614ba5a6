"""Staffing advice: agents needed per interval of the week, by Erlang C, from the last
weeks' traffic in queue_log.

For each weekday and interval of the day (15 min / hour) over the last ``weeks`` weeks:
the average number of calls offered (ENTERQUEUE) per occurrence of that slot, and the
average handle time (talk + wrap-up) of the slot's calls (the whole period's AHT when the
slot had no completed call).  Then ``A = calls × AHT / interval`` Erlangs and
:func:`firmware.acd.erlang.agents_needed` for the queue's service-level target (share
answered within T seconds).  Agents needed are agents *on the phones*; add shrinkage
(breaks, training) on top when rostering.
"""
from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from typing import Any, Optional

from firmware.acd.erlang import agents_needed, traffic_intensity
from firmware.acd.reports import INTERVALS_MIN
from firmware.acd.stats import AcdLogReader, group_calls, queue_figures

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def staffing_advice(reader: AcdLogReader, now: _dt.datetime, *, queue: Optional[str] = None, weeks: int = 4,
                    interval: str = "hour", target_sl: float = 0.8, t_s: float = 15.0,
                    tz: Optional[_dt.tzinfo] = None, max_occupancy: Optional[float] = None) -> dict[str, Any]:
    """The advice for the ``weeks`` whole weeks before the day of ``now`` (local ``tz``):
    one row per (weekday, interval start) that had calls."""
    if interval not in ("15min", "hour"):
        raise ValueError(f"interval {interval!r}: staffing is per 15min or hour")
    if not 1 <= int(weeks) <= 52:
        raise ValueError(f"weeks must be 1..52, not {weeks}")
    weeks = int(weeks)
    local_now = now.astimezone(tz)
    end = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - _dt.timedelta(days=7 * weeks)
    minutes = INTERVALS_MIN[interval]
    calls = group_calls(reader.calls_entered(int(start.timestamp() * 1000), int(end.timestamp() * 1000), queue))
    if queue:
        calls = [c for c in calls if c.queue == queue]
    slots: dict[tuple[int, int], list] = defaultdict(list)
    for c in calls:
        t = _dt.datetime.fromtimestamp(c.enter_ms / 1000, _dt.timezone.utc).astimezone(tz)
        slot = (t.hour * 60 + t.minute) // minutes
        slots[(t.weekday(), slot)].append(c)
    overall = queue_figures(calls, t_s)
    rows = []
    for (wd, slot), cs in sorted(slots.items()):
        fig = queue_figures(cs, t_s)
        aht = fig["aht_s"] or overall["aht_s"]
        per_slot = len(cs) / weeks
        row: dict[str, Any] = {"weekday": WEEKDAYS[wd],
                               "start": f"{slot * minutes // 60:02d}:{slot * minutes % 60:02d}",
                               "calls_avg": round(per_slot, 2), "aht_s": aht}
        if not aht:
            row.update({"traffic_erlangs": None, "agents": None, "note": "no completed calls to take the AHT from"})
        else:
            a = traffic_intensity(per_slot, aht, minutes * 60)
            need = agents_needed(a, aht, target_sl=target_sl, t_s=t_s, max_occupancy=max_occupancy)
            row.update(need.as_dict())
            row["service_level_pct"] = round(100 * need.service_level, 1)
        row["observed_sl_pct"] = fig["service_level_pct"]
        rows.append(row)
    return {"queue": queue or "", "from": start.isoformat(timespec="minutes"),
            "to": end.isoformat(timespec="minutes"), "weeks": weeks, "interval": interval,
            "target_sl_pct": round(100 * target_sl, 1), "t_s": t_s, "overall_aht_s": overall["aht_s"],
            "rows": rows}
