"""The agent panel's call commands: what the agent's call is, and handing it on.

* ``agent.call {agent | extension}`` → ``{"agent", "state", "extension", "call"}`` where
  ``call`` is None or the offered / active call with the same screen-pop data the ACD
  publishes in ``acd.screen_pop`` (queue, queue_name, wait_s, priority, contact_note,
  vars, ``previous_calls`` {count, last} of queue visits) plus ``history`` (the last calls
  with this number from the CDRs: start, direction, src, dst, disposition, billsec, notes),
  ``notes`` (this conversation's) and ``caller_notes`` (earlier notes about the number) —
  so a page opened mid-call shows it all.
* ``call.transfer {call | agent, to}`` → blind transfer of the far party of the agent's
  answered call to an extension, ring group, queue or menu (``Call.redirect``): the call
  keeps its id, so its variables and notes go with it and the next agent's screen pop
  carries them; the agent's phone is released and a queue call's agent goes to wrap-up
  (queue_log TRANSFER).

``acd.screen_pop`` events are enriched here before they go out (``history``, ``notes``,
``caller_notes`` as above) and the last pop of each live call is kept for ``agent.call``.
"""
from __future__ import annotations

from typing import Any, Optional

from firmware.calls.call import CallState
from firmware.cdr.search import history
from firmware.mgmt.commands import CommandError, Dispatcher
from firmware.mgmt.notes import customer_number

HISTORY_CALLS = 10      #: previous calls shown in a screen pop
CALLER_NOTES = 10       #: earlier notes about the caller shown in a screen pop


def _ext_of(ch: Any) -> str:
    ext = getattr(ch, "extension", None)
    return str(getattr(ext, "number", "") or "")


class AgentPanel:
    """Screen pops of live calls and the two commands, for one box."""

    def __init__(self, box: Any) -> None:
        self.box = box
        self.pops: dict[str, dict[str, Any]] = {}      #: call id -> its last acd.screen_pop

    # ------------------------------------------------------------------ events
    def on_event(self, event: str, data: dict) -> None:
        if event == "acd.screen_pop":
            self.pops[str(data.get("callid", ""))] = data
        elif event == "call.ended":
            self.pops.pop(str(data.get("id", "")), None)

    def enrich_screen_pop(self, data: dict) -> None:
        """Add notes and call history to an ``acd.screen_pop`` before it goes out."""
        call = self.box.ctl.calls.get(str(data.get("callid", "")))
        linkedid = call.linkedid if call is not None else str(data.get("callid", ""))
        data.update(self._about(linkedid, str(data.get("caller") or "")))

    def _about(self, linkedid: str, number: str) -> dict[str, Any]:
        notes = self.box.notes
        past = history(self.box.cdr, number, HISTORY_CALLS, exclude_linkedid=linkedid)
        counts = notes.counts(sorted({r["linkedid"] for r in past}))
        for r in past:
            r["notes"] = counts.get(r["linkedid"], 0)
        earlier = [n for n in notes.for_number(number, CALLER_NOTES + 20) if n["linkedid"] != linkedid] \
            if number else []
        return {"history": past, "notes": notes.for_call(linkedid),
                "caller_notes": earlier[:CALLER_NOTES]}

    # ------------------------------------------------------------------ finding calls
    def agent_of(self, args: dict) -> tuple[str, Optional[Any], str]:
        """(agent number or "", LiveAgent or None, extension) named by ``agent`` or ``extension``."""
        acd = self.box.ctl.acd
        if args.get("agent") not in (None, ""):
            agent = str(args["agent"])
            live = acd.book.agents.get(agent) if acd is not None else None
            ext = acd.agent_extension(agent) if acd is not None else None
            if self.box.config.agent(agent) is None:
                raise CommandError(f"no agent {agent}")
            if not ext:
                raise CommandError(f"agent {agent} is not logged in (no phone to look at)")
            return agent, live, ext
        if args.get("extension") not in (None, ""):
            ext = str(args["extension"])
            if self.box.config.extension(ext) is None:
                raise CommandError(f"no extension {ext}")
            live = acd.agent_at(ext) if acd is not None else None
            return (live.number if live is not None else ""), live, ext
        raise ValueError("say whose call: 'agent' (an agent number) or 'extension'")

    def call_of(self, extension: str, callid: str = "") -> Optional[Any]:
        """The live call extension ``extension`` rings for or talks in (``callid`` first)."""
        calls = self.box.ctl.calls
        c = calls.get(callid) if callid else None
        if c is not None and c.state != CallState.ENDED:
            return c
        for c in list(calls.values()):
            if c.state != CallState.ENDED and any(_ext_of(ch) == extension for ch in (c.a, c.b, *c.offered)):
                return c
        return None

    # ------------------------------------------------------------------ commands
    def agent_call(self, args: dict) -> dict[str, Any]:
        agent, live, ext = self.agent_of(args)
        now = self.box.ctl.clock.ticks * 20
        out: dict[str, Any] = {"agent": agent, "extension": ext,
                               "state": live.state.value if live is not None else "",
                               "since_s": round((now - live.since_ms) / 1000, 1) if live is not None else None,
                               "call": None}
        call = self.call_of(ext, live.callid if live is not None else "")
        if call is None:
            return out
        pop = self.pops.get(call.id, {})
        caller = customer_number(call.direction, call.src, call.dst)
        wall = self.box.clock.wall_time()
        info: dict[str, Any] = {
            "id": call.id, "linkedid": call.linkedid, "state": call.state.value, "direction": call.direction,
            "offered": any(_ext_of(ch) == ext for ch in call.ringing) and call.state == CallState.ALERTING,
            "caller": caller, "caller_name": pop.get("caller_name") or call.caller_name, "dialled": call.dst,
            "queue": pop.get("queue", ""), "queue_name": pop.get("queue_name", ""),
            "wait_s": pop.get("wait_s"), "priority": pop.get("priority", 0),
            "contact_note": pop.get("contact_note", ""), "vars": dict(call.vars),
            "previous_calls": pop.get("previous_calls", {"count": 0}),
            "start": call.start.isoformat(timespec="seconds"),
            "answer": call.answer.isoformat(timespec="seconds") if call.answer else None,
            "duration_s": int((wall - call.start).total_seconds()),
        }
        info.update(self._about(call.linkedid, caller))
        out["call"] = info
        return out

    def transfer(self, args: dict) -> dict[str, Any]:
        to = str(args.get("to") or "").strip()
        if not to or not all(ch.isdigit() or ch in "*#" for ch in to):
            raise ValueError("'to' is required: the extension, ring group or queue number to hand the caller to")
        ctl = self.box.ctl
        agent_ext = ""
        if args.get("call") not in (None, ""):
            cid = str(args["call"])
            call = ctl.calls.get(cid) or next((c for c in ctl.calls.values() if c.linkedid == cid), None)
            if call is None:
                raise CommandError(f"no call {cid} in progress")
        else:
            agent, live, agent_ext = self.agent_of(args)
            call = self.call_of(agent_ext, live.callid if live is not None else "")
            if call is None:
                raise CommandError(f"{'agent ' + agent if agent else 'extension ' + agent_ext} has no call to transfer")
        if call.state != CallState.ANSWERED:
            raise CommandError(f"call {call.id} is {call.state.value}, not answered: only a call being talked "
                               "can be transferred")
        by = call.b
        if by is None or (agent_ext and _ext_of(by) != agent_ext):
            raise CommandError(f"call {call.id}: the agent's phone is not the side that answered; transfer it "
                               "from the phone (flash, then the number)")
        who = _ext_of(by) or by.name
        if to == who:
            raise CommandError(f"the call is already with {to}")
        if not call.redirect(by, to, note=f"blind transfer by {who} to {to} (agent panel)"):
            reason = call.notes[-1] if call.notes else "nothing to ring"
            raise CommandError(f"cannot transfer to {to}: {reason}")
        if ctl.acd is not None:
            ctl.acd.handed_on(call, to)
        by.far_hangup(call)                               # the agent's phone is free again
        ctl.publish("call.transfer", {"by": who, "kind": "blind", "call": call.id, "linkedid": call.linkedid,
                                      "to": to, "via": "agent_panel"})
        return {"call": call.id, "to": to, "by": who, "state": call.state.value}


def register_agent_panel(d: Dispatcher, box: Any) -> None:
    panel = AgentPanel(box)
    box.agent_panel = panel
    box.add_publisher(panel.on_event)
    box.add_enricher("acd.screen_pop", panel.enrich_screen_pop)
    d.register("agent.call", panel.agent_call,
               "the agent's offered or active call with its screen pop (caller, queue, wait, IVR vars, "
               "previous calls, notes) {agent | extension}")
    d.register("call.transfer", panel.transfer,
               "blind-transfer the far party of an agent's answered call {call | agent, to: extension/queue}")
