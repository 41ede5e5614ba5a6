"""Management commands of the call-centre supervisor: supervision sessions, live
statistics, historical reports and staffing advice.

* ``supervise.start {supervisor, target, mode?}`` — ring the supervisor's extension; when
  answered it listens to / whispers to / barges in on / takes over (``mode`` listen |
  whisper | barge | takeover, default listen) the agent or extension ``target``;
* ``supervise.mode {id, mode}``, ``supervise.stop {id}``, ``supervise.list``;
* ``supervise.log {limit?, supervisor?}`` — supervision_log rows, newest first;
* ``acd.stats {queue?, sl_threshold_s?}`` — live figures per queue and agent (today);
* ``acd.report {interval: 15min|hour|day, from, to, queue?, agents?: bool}`` — per interval;
* ``acd.staffing {queue?, weeks?, interval?, target_sl?, t_s?, ...}`` — Erlang C advice.
"""
from __future__ import annotations

from typing import Any

from firmware.mgmt.commands import Dispatcher


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def register_acd_supervisor(d: Dispatcher, box: Any) -> None:
    """Register the commands above on ``d`` for ``box``."""
    sup = box.ctl.supervision

    def start(a: dict) -> dict:
        if not a.get("supervisor") or not a.get("target"):
            raise ValueError("supervise.start needs 'supervisor' (an extension) and 'target' "
                             "(an agent or extension number)")
        return sup.start(_text(a["supervisor"]), _text(a["target"]), _text(a.get("mode") or "listen"))

    def need_id(a: dict) -> str:
        if not a.get("id"):
            raise ValueError("needs 'id' (a session id from supervise.list)")
        return _text(a["id"])

    d.register("supervise.start", start,
               "ring {supervisor}'s phone, then supervise {target} (agent or extension) in "
               "{mode?: listen|whisper|barge|takeover}")
    d.register("supervise.mode", lambda a: sup.set_mode(need_id(a), _text(a.get("mode"))),
               "change the mode of supervision session {id} to {mode}")
    d.register("supervise.stop", lambda a: sup.stop(need_id(a)), "end supervision session {id}")
    d.register("supervise.list", lambda a: sup.status(), "supervision sessions in progress")
    d.register("supervise.log", lambda a: box.supervision_log.rows(int(a.get("limit", 100)),
                                                                   _text(a.get("supervisor")) or None),
               "who supervised whom, when, how: supervision_log rows newest first {limit?, supervisor?}")
