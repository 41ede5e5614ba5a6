"""Agents as people: who is logged in where, and in what state.

One explicit state machine per agent, :meth:`AgentBook.handle` its one transition
function; every change of state is written to ``agent_events`` (and the matching
queue_log row: AGENTLOGIN, AGENTLOGOFF, PAUSE, UNPAUSE, RINGNOANSWER, WRAPUPEND)::

    logged_out --LOGIN--> ready --OFFER--> ringing --ANSWER--> on_call --HANGUP--> wrap_up
    ringing --NO_ANSWER / CANCEL--> ready  (N unanswered offers in a row -> paused "ring_no_answer")
    wrap_up --WRAPUP_END--> ready          (EXTEND restarts the wrap-up time)
    ready / wrap_up --PAUSE--> paused --UNPAUSE--> ready;  any --LOGOUT--> logged_out

A pause or logout asked for while ringing or on a call takes effect when the call's
wrap-up ends.  Times (``*_ms``) are the box clock's monotonic milliseconds.
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import Any, Callable, Optional

from hal.clock import Clock, Timer

from firmware.acd.log import AcdLog

log = logging.getLogger("hotline.acd")


class AgentState(str, enum.Enum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


class AgentIn(str, enum.Enum):
    LOGIN = "login"              #: data: extension
    LOGOUT = "logout"
    PAUSE = "pause"              #: data: reason
    UNPAUSE = "unpause"
    OFFER = "offer"              #: data: queue, callid
    ANSWER = "answer"
    NO_ANSWER = "no_answer"      #: data: ring_ms
    CANCEL = "cancel"            #: the offer was withdrawn (caller left, another agent answered)
    HANGUP = "hangup"            #: data: wrapup_ms, talk_ms
    WRAPUP_END = "wrapup_end"
    EXTEND = "extend"            #: data: ms


@dataclass
class LiveAgent:
    number: str
    state: AgentState = AgentState.LOGGED_OUT
    extension: str = ""
    since_ms: int = 0            #: when the current state began
    login_ms: int = 0
    idle_since_ms: int = 0       #: end of the last call (longest-idle strategy)
    calls: int = 0               #: queue calls answered since login
    talk_ms: int = 0             #: talk time since login
    rna: int = 0                 #: unanswered offers in a row
    reason: str = ""             #: pause reason
    queue: str = ""              #: queue of the call being offered / talked
    callid: str = ""
    ring_start_ms: int = 0
    pending: str = ""            #: "pause:<reason>" or "logout" after the call
    wrap_started_ms: int = 0
    timer: Optional[Timer] = None

    def status(self, now_ms: int) -> dict[str, Any]:
        return {"agent": self.number, "state": self.state.value, "extension": self.extension,
                "since_s": round((now_ms - self.since_ms) / 1000, 1), "reason": self.reason,
                "queue": self.queue, "callid": self.callid, "calls": self.calls,
                "talk_s": round(self.talk_ms / 1000, 1), "ring_no_answer": self.rna}


class AgentBook:
    """All agents of the box (created when first seen) and their transition function.

    ``rna_limit(agent)`` gives the ring-no-answer limit from the configuration;
    ``changed(agent)`` is called after every change (the service dispatches waiting
    callers when someone becomes ready).
    """

    def __init__(self, clock: Clock, acdlog: AcdLog, *, rna_limit: Callable[[str], int],
                 changed: Callable[[LiveAgent], None], publish: Callable[[str, dict], None]) -> None:
        self.clock = clock
        self.log = acdlog
        self.rna_limit = rna_limit
        self.changed = changed
        self.publish = publish
        self.agents: dict[str, LiveAgent] = {}
        self.by_extension: dict[str, LiveAgent] = {}

    def now_ms(self) -> int:
        return self.clock.ticks * 20

    def get(self, number: str) -> LiveAgent:
        a = self.agents.get(number)
        if a is None:
            a = self.agents[number] = LiveAgent(number)
        return a

    def logged_in(self) -> list[LiveAgent]:
        return [a for a in self.agents.values() if a.state != AgentState.LOGGED_OUT]

    # -- helpers
    def _set(self, a: LiveAgent, state: AgentState, reason: str = "") -> None:
        now = self.now_ms()
        old = a.state
        a.state = state
        a.since_ms = now
        self.log.agent_event(a.number, state.value, reason=reason, queue=a.queue, callid=a.callid,
                             extension=a.extension)
        log.debug("agent %s: %s -> %s %s", a.number, old.value, state.value, reason)
        self.publish("acd.agent", {"agent": a.number, "state": state.value, "from": old.value,
                                   "reason": reason, "extension": a.extension, "queue": a.queue})

    def _cancel_timer(self, a: LiveAgent) -> None:
        if a.timer is not None:
            a.timer.cancel()
            a.timer = None

    def _pause(self, a: LiveAgent, reason: str) -> None:
        a.reason = reason
        a.queue = a.callid = ""
        self._set(a, AgentState.PAUSED, reason)
        self.log.queue_event("PAUSE", agent=a.number, data=(reason,))

    def _after_call(self, a: LiveAgent) -> None:
        """Wrap-up over (or none): ready, or the pause / logout asked for during the call."""
        self._cancel_timer(a)
        a.idle_since_ms = self.now_ms()
        a.queue = a.callid = ""
        pending, a.pending = a.pending, ""
        if pending == "logout":
            self._logout(a)
        elif pending.startswith("pause:"):
            self._pause(a, pending[6:])
        else:
            self._set(a, AgentState.READY)

    def _logout(self, a: LiveAgent) -> None:
        self._cancel_timer(a)
        ms = self.now_ms() - a.login_ms
        ext = a.extension
        a.queue = a.callid = a.reason = a.pending = ""
        self._set(a, AgentState.LOGGED_OUT)
        self.log.queue_event("AGENTLOGOFF", agent=a.number, data=(ext, ms))
        if self.by_extension.get(ext) is a:
            del self.by_extension[ext]
        a.extension = ""

    # -- the transition function
    def handle(self, a: LiveAgent, inp: AgentIn, **data: Any) -> bool:
        """Apply ``inp`` to agent ``a``; False when it does not apply in the current state."""
        s = a.state
        ok = self._transition(a, s, inp, data)
        if ok:
            self.changed(a)
        return ok

    def _transition(self, a: LiveAgent, s: AgentState, inp: AgentIn, data: dict) -> bool:
        now = self.now_ms()
        if inp == AgentIn.LOGIN:
            ext = data["extension"]
            if s != AgentState.LOGGED_OUT:
                if a.extension == ext:
                    return True
                self._logout(a)                  # logging in elsewhere moves the agent
            other = self.by_extension.get(ext)
            if other is not None and other is not a:
                self._logout(other)              # one agent per phone
            a.extension = ext
            a.login_ms = a.idle_since_ms = now
            a.calls = a.talk_ms = a.rna = 0
            self.by_extension[ext] = a
            self._set(a, AgentState.READY)
            self.log.queue_event("AGENTLOGIN", agent=a.number, data=(ext,))
            return True
        if s == AgentState.LOGGED_OUT:
            return False
        if inp == AgentIn.LOGOUT:
            if s in (AgentState.RINGING, AgentState.ON_CALL):
                a.pending = "logout"
                return True
            self._logout(a)
            return True
        if inp == AgentIn.PAUSE:
            reason = data.get("reason", "")
            if s in (AgentState.RINGING, AgentState.ON_CALL):
                a.pending = f"pause:{reason}"
                return True
            self._cancel_timer(a)
            self._pause(a, reason)
            return True
        if inp == AgentIn.UNPAUSE:
            if s != AgentState.PAUSED:
                if a.pending.startswith("pause:"):
                    a.pending = ""
                    return True
                return False
            paused_ms = now - a.since_ms
            reason, a.reason, a.rna = a.reason, "", 0
            a.idle_since_ms = now
            self._set(a, AgentState.READY)
            self.log.queue_event("UNPAUSE", agent=a.number, data=(reason, paused_ms))
            return True
        if inp == AgentIn.OFFER:
            if s != AgentState.READY:
                return False
            a.queue, a.callid = data.get("queue", ""), data.get("callid", "")
            a.ring_start_ms = now
            self._set(a, AgentState.RINGING)
            return True
        if inp == AgentIn.ANSWER:
            if s != AgentState.RINGING:
                return False
            a.rna = 0
            a.calls += 1
            self._set(a, AgentState.ON_CALL)
            return True
        if inp in (AgentIn.NO_ANSWER, AgentIn.CANCEL):
            if s != AgentState.RINGING:
                return False
            if inp == AgentIn.NO_ANSWER:
                a.rna += 1
                self.log.queue_event("RINGNOANSWER", callid=a.callid, queue=a.queue, agent=a.number,
                                     data=(now - a.ring_start_ms,))
                limit = self.rna_limit(a.number)
                if limit and a.rna >= limit and not a.pending:
                    a.pending = "pause:ring_no_answer"
            self._after_call(a)
            return True
        if inp == AgentIn.HANGUP:
            if s != AgentState.ON_CALL:
                return False
            a.talk_ms += int(data.get("talk_ms", 0))
            wrap = int(data.get("wrapup_ms", 0))
            if wrap <= 0:
                self._after_call(a)
                return True
            a.wrap_started_ms = now
            self._set(a, AgentState.WRAP_UP)
            a.timer = self.clock.call_later(wrap, lambda: self.handle(a, AgentIn.WRAPUP_END))
            return True
        if inp == AgentIn.WRAPUP_END:
            if s != AgentState.WRAP_UP:
                return False
            a.timer = None
            self.log.queue_event("WRAPUPEND", queue=a.queue, callid=a.callid, agent=a.number,
                                 data=(now - a.wrap_started_ms,))
            self._after_call(a)
            return True
        if inp == AgentIn.EXTEND:
            if s != AgentState.WRAP_UP:
                return False
            self._cancel_timer(a)
            a.timer = self.clock.call_later(int(data.get("ms", 30000)), lambda: self.handle(a, AgentIn.WRAPUP_END))
            return True
        return False
