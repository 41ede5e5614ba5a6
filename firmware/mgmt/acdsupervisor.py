"""Management commands of the call-centre supervisor: supervision sessions, live
statistics, historical reports and staffing advice.

* ``supervise.start {supervisor, target, mode?, pin?, extension?}`` — ring the supervisor's
  phone; when answered it listens to / whispers to / barges in on / takes over (``mode``
  listen | whisper | barge | takeover, default listen) the agent or extension ``target``.
  Once supervisors are configured ``supervisor`` is a supervisor number + ``pin`` (or a
  trusted supervisor phone), checked like the feature codes (firmware/acd/supervisors.py);
* ``supervise.refusals {limit?}`` — refused supervision requests, newest first;
* ``supervise.mode {id, mode}``, ``supervise.stop {id}``, ``supervise.list``;
* ``supervise.log {limit?, supervisor?}`` — supervision_log rows, newest first;
* ``acd.stats {queue?, sl_threshold_s?}`` — live figures per queue and agent (today);
* ``acd.report {interval: 15min|hour|day, from, to, queue?, agents?: bool}`` — per interval;
* ``acd.staffing {queue?, weeks?, interval?, target_sl?, t_s?, ...}`` — Erlang C advice.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Optional

from firmware.acd.reports import AGENT_COLUMNS, QUEUE_COLUMNS, agent_report, parse_time, queue_report, to_csv
from firmware.acd.staffing import staffing_advice
from firmware.acd.stats import AcdLogReader, live_stats, sl_target, sl_threshold_s
from firmware.acd.supervisors import Refused
from firmware.config.timezone import box_zone
from firmware.mgmt.commands import CommandError, Dispatcher

STATS_EVENT_S = 10          #: an ``acd.stats`` event this often while someone listens to events


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def _float(a: dict, key: str) -> Optional[float]:
    v = a.get(key)
    if v is None or v == "":
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, not {v!r}") from None


class AcdFigures:
    """acd.stats / acd.report / acd.staffing for one box (reads its acd.db)."""

    def __init__(self, box: Any) -> None:
        self.box = box
        self.reader = AcdLogReader(box.data.acd_db)

    def now(self) -> _dt.datetime:
        return self.box.clock.wall_time()

    def stats(self, a: dict) -> dict:
        return live_stats(self.reader, self.now(), config=self.box.config, queue=_text(a.get("queue")) or None,
                          threshold_s=_float(a, "sl_threshold_s"))

    def report(self, a: dict) -> Any:
        if not a.get("from") or not a.get("to"):
            raise ValueError("acd.report needs 'from' and 'to' (dates or times, e.g. 2026-03-14 or "
                             "2026-03-14T09:00; in the box's time zone)")
        zone = box_zone(self.box.config)
        start, end = parse_time(a["from"], zone), parse_time(a["to"], zone)
        interval = _text(a.get("interval") or "hour")
        queue = _text(a.get("queue")) or None
        if a.get("agents"):
            paid: Any = _float(a, "paid_hours")
            if paid is None:                     # each agent's own paid hours (agents.paid_hours)
                paid = {ag.number: ag.paid_hours for ag in self.box.config.agents}
            rows = agent_report(self.reader, start, end, "day" if interval == "day" else interval,
                                agent=_text(a.get("agent")) or None, paid_hours_per_day=paid)
            cols = AGENT_COLUMNS
        else:
            rows = queue_report(self.reader, start, end, interval, queue=queue, config=self.box.config,
                                threshold_s=_float(a, "sl_threshold_s"))
            cols = QUEUE_COLUMNS
        if a.get("csv"):
            return {"csv": to_csv(rows, cols), "rows": len(rows)}
        return rows

    def staffing(self, a: dict) -> dict:
        queue = _text(a.get("queue")) or None
        cfg = self.box.config
        t = _float(a, "t_s") or (sl_threshold_s(cfg, queue) if queue else 15.0)
        target = _float(a, "target_sl")
        if target is not None and target > 1:
            target /= 100.0                      # 80 -> 0.8
        if target is None:
            target = sl_target(cfg, queue) if queue else 0.8
        return staffing_advice(self.reader, self.now(), queue=queue, weeks=int(a.get("weeks", 4)),
                               interval=_text(a.get("interval") or "hour"), target_sl=target, t_s=t,
                               max_occupancy=_float(a, "max_occupancy"))

    def tick(self) -> None:
        """Publish ``acd.stats`` every STATS_EVENT_S while event listeners exist and the
        box has ACD logs."""
        box = self.box
        if box.clock.ticks % (STATS_EVENT_S * 50) or not getattr(box, "_publishers", None):
            return
        if not box.data.acd_db.exists():
            return
        try:
            box.publish("acd.stats", self.stats({}))
        except Exception:                                    # pragma: no cover
            import logging
            logging.getLogger("hotline.acd").exception("acd.stats event")


def register_acd_supervisor(d: Dispatcher, box: Any) -> None:
    """Register the commands above on ``d`` for ``box``."""
    sup = box.ctl.supervision
    fig = AcdFigures(box)
    d.register("acd.stats", fig.stats,
               "live call-centre figures (today): per queue waiting, longest wait, offered/answered/"
               "abandoned, ASA, AHT, service level, abandonment, callbacks, surveys; agents by state "
               "{queue?, sl_threshold_s?}")
    d.register("acd.report", fig.report,
               "historical report per {interval: 15min|hour|day} from {from} to {to} (local dates/times) "
               "{queue?, agents?: true for the agent report, agent?, paid_hours? (default: each agent's "
               "agents.paid_hours), sl_threshold_s?, csv?}")
    d.register("acd.staffing", fig.staffing,
               "Erlang C staffing advice per weekday and interval from the last {weeks?: 4} weeks "
               "{queue?, interval?: hour|15min, target_sl?: 80, t_s?: 15, max_occupancy?}")
    box.clock.on_tick(fig.tick)

    def start(a: dict) -> dict:
        if not a.get("supervisor") or not a.get("target"):
            raise ValueError("supervise.start needs 'supervisor' (an extension) and 'target' "
                             "(an agent or extension number)")
        try:
            return sup.start(_text(a["supervisor"]), _text(a["target"]), _text(a.get("mode") or "listen"),
                             pin=_text(a.get("pin")), extension=_text(a.get("extension")))
        except Refused as e:
            raise CommandError(str(e)) from None

    def need_id(a: dict) -> str:
        if not a.get("id"):
            raise ValueError("needs 'id' (a session id from supervise.list)")
        return _text(a["id"])

    d.register("supervise.start", start,
               "ring the supervisor's phone, then supervise {target} (agent or extension) in "
               "{mode?: listen|whisper|barge|takeover}; {supervisor}: a supervisor number with {pin} "
               "(rings {extension?} or their desk phone), or an extension (trusted supervisor phone, or "
               "any when no supervisors are configured)")
    d.register("supervise.refusals", lambda a: box.supervision_log.refusals(int(a.get("limit", 100))),
               "refused supervision requests (not a supervisor, wrong PIN, not their queue), newest first "
               "{limit?}")
    d.register("supervise.mode", lambda a: sup.set_mode(need_id(a), _text(a.get("mode"))),
               "change the mode of supervision session {id} to {mode}")
    d.register("supervise.stop", lambda a: sup.stop(need_id(a)), "end supervision session {id}")
    d.register("supervise.list", lambda a: sup.status(), "supervision sessions in progress")
    d.register("supervise.log", lambda a: box.supervision_log.rows(int(a.get("limit", 100)),
                                                                   _text(a.get("supervisor")) or None),
               "who supervised whom, when, how: supervision_log rows newest first {limit?, supervisor?}")
