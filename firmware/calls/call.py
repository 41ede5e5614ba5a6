"""One call: the A leg (who called), the B candidates it rings, the B leg that answered,
and the CDR it leaves behind — as one explicit state machine.

States: ROUTING (looking for a B) → ALERTING (B candidates ringing / a line dialling) →
ANSWERED → ENDED. Candidates are offered by strategy: ``ringall`` (all at once),
``hunt`` (one after the other, ``ring_ms`` each) and ``in_order`` (lines of a trunk group:
the next one only when a line *fails*, e.g. gives no dial tone). The CDR row is
written when the call ends, with the disposition ANSWERED / NO ANSWER / BUSY / FAILED.
"""
from __future__ import annotations

import datetime as _dt
import enum
import itertools
from typing import TYPE_CHECKING, Any, Optional

from hal.clock import Timer

if TYPE_CHECKING:
    from firmware.calls.control import CallControl
    from firmware.channels.base import Channel

_seq = itertools.count(1)


class CallState(str, enum.Enum):
    ROUTING = "routing"
    ALERTING = "alerting"
    ANSWERED = "answered"
    ENDED = "ended"


class CallIn(str, enum.Enum):
    START = "start"                #: offer to the candidates
    ALERTING = "alerting"          #: data: chan, early_media
    ANSWER = "answer"              #: data: chan
    TARGET_FAILED = "target_failed"  #: data: chan, reason ("busy", "no_dialtone", "congestion")
    HANGUP = "hangup"              #: data: chan (a leg hung up)
    TIMEOUT = "timeout"            #: data: what ("no_answer", "hunt")
    KILL = "kill"                  #: administrative hang-up


class Call:
    """A call between ``a`` and whoever answers among ``candidates``."""

    def __init__(self, ctl: "CallControl", a: "Channel", *, dst: str, src: str,
                 caller_name: str, direction: str, candidates: list["Channel"],
                 strategy: str = "ringall", ring_ms: int = 30_000, number_out: str = "",
                 trunk: str = "", linkedid: Optional[str] = None,
                 start: Optional[_dt.datetime] = None) -> None:
        self.ctl = ctl
        n = next(_seq)
        self.id = f"{int(ctl.clock.epoch.timestamp()) + ctl.clock.ticks // 50}.{n}"
        self.linkedid = linkedid or self.id
        self.a = a
        self.b: Optional["Channel"] = None
        self.dst = dst
        self.src = src
        self.caller_name = caller_name
        self.direction = direction
        self.number_out = number_out       #: digits a trunk line must dial
        self.trunk = trunk
        self.strategy = strategy
        self.ring_ms = ring_ms
        self.pending = list(candidates)    #: not yet offered
        self.offered: list["Channel"] = []
        self.tried: list["Channel"] = []
        self.failures: list[str] = []
        self.state = CallState.ROUTING
        self.start = start or ctl.clock.wall_time()
        self.answer: Optional[_dt.datetime] = None
        self.end: Optional[_dt.datetime] = None
        self.disposition = ""
        self.hangup_side = ""
        self.on_hold = False
        self._timer: Optional[Timer] = None
        self._hunt_timer: Optional[Timer] = None

    # -- entry points for channels
    def begin(self) -> None:
        self.handle(CallIn.START)

    def target_alerting(self, chan: "Channel", early_media: bool = False) -> None:
        self.handle(CallIn.ALERTING, chan=chan, early_media=early_media)

    def answered_by(self, chan: "Channel") -> None:
        self.handle(CallIn.ANSWER, chan=chan)

    def target_failed(self, chan: "Channel", reason: str) -> None:
        self.handle(CallIn.TARGET_FAILED, chan=chan, reason=reason)

    def hangup(self, chan: "Channel") -> None:
        self.handle(CallIn.HANGUP, chan=chan)

    def kill(self) -> None:
        self.handle(CallIn.KILL)

    def hold(self, by: "Channel") -> None:
        """``by`` put the call on hold (flash): the other party hears music on hold."""
        other = self.other(by)
        self.on_hold = True
        self.ctl.switch.isolate(by.row)
        if other is not None:
            self.ctl.switch.isolate(other.row)
            self.ctl.switch.play(other.row, self.ctl.music_on_hold())
        self.ctl.publish_call(self)

    def unhold(self, by: "Channel") -> None:
        other = self.other(by)
        self.on_hold = False
        if other is not None:
            self.ctl.switch.stop(other.row)
            self.ctl.switch.connect(by.row, other.row)
        self.ctl.publish_call(self)

    def other(self, chan: "Channel") -> Optional["Channel"]:
        if chan is self.a:
            return self.b
        if chan is self.b:
            return self.a
        return None

    # -- helpers
    def _set(self, state: CallState) -> None:
        self.state = state
        self.ctl.publish_call(self)

    def _offer_next(self) -> bool:
        """Offer to the next candidate(s) per strategy; False when none is left."""
        while self.pending:
            take = self.pending if self.strategy == "ringall" else self.pending[:1]
            self.pending = [] if self.strategy == "ringall" else self.pending[1:]
            for ch in take:
                self.tried.append(ch)
                if ch.offer(self):
                    self.offered.append(ch)
                else:
                    self.failures.append("no_line" if self.trunk else "busy")
            if self.offered:
                if self.strategy == "hunt":
                    self._arm_hunt()
                return True
        return False

    def _arm_hunt(self) -> None:
        if self._hunt_timer:
            self._hunt_timer.cancel()
        self._hunt_timer = self.ctl.clock.call_later(self.ring_ms, lambda: self.handle(CallIn.TIMEOUT, what="hunt"))

    def _cancel_timers(self) -> None:
        for t in (self._timer, self._hunt_timer):
            if t is not None:
                t.cancel()
        self._timer = self._hunt_timer = None

    def _cancel_offers(self, keep: Optional["Channel"] = None) -> None:
        for ch in self.offered:
            if ch is not keep:
                ch.cancel(self)
        self.offered = [keep] if keep is not None else []

    def _fail(self) -> None:
        """No candidate could take the call."""
        busy = "busy" in self.failures
        self.disposition = "BUSY" if busy else "FAILED"
        self.hangup_side = "system"
        self._finish()
        self.a.progress(self, "busy" if busy else "congestion")

    def _finish(self) -> None:
        self._cancel_timers()
        self.end = self.ctl.clock.wall_time()
        self._set(CallState.ENDED)
        self.ctl.call_ended(self)

    # -- the transition function
    def handle(self, inp: CallIn, **data: Any) -> None:
        s = self.state
        if s == CallState.ENDED:
            return
        chan = data.get("chan")

        if inp == CallIn.KILL:
            self.disposition = "ANSWERED" if s == CallState.ANSWERED else "NO ANSWER"
            self.hangup_side = "system"
            self._cancel_offers()
            b = self.b
            self._finish()
            if b is not None:
                b.far_hangup(self)
            self.a.progress(self, "ended")
            return

        if s == CallState.ROUTING:
            if inp == CallIn.START:
                if not self._offer_next():
                    self._fail()
                    return
                self._set(CallState.ALERTING)
                if self.strategy != "hunt":         # hunt: each member has its own timer
                    self._timer = self.ctl.clock.call_later(
                        self.ring_ms, lambda: self.handle(CallIn.TIMEOUT, what="no_answer"))
                if not self.trunk:
                    self.a.progress(self, "ringback")
            return

        if s == CallState.ALERTING:
            if inp == CallIn.ALERTING:
                if data.get("early_media") and chan is not None:
                    self.ctl.switch.listen(self.a.row, chan.row)
                    self.a.progress(self, "early")
            elif inp == CallIn.ANSWER and chan in self.offered:
                self._cancel_timers()
                self._cancel_offers(keep=chan)
                self.b = chan
                self.answer = self.ctl.clock.wall_time()
                self.disposition = "ANSWERED"
                self.a.answer_inbound(self)
                self.ctl.switch.stop(self.a.row)
                self.ctl.switch.connect(self.a.row, chan.row)
                self._set(CallState.ANSWERED)
                self.a.progress(self, "answered")
            elif inp == CallIn.TARGET_FAILED and chan in self.offered:
                self.offered.remove(chan)
                self.failures.append(data["reason"])
                if self.offered:
                    return
                if data["reason"] in ("busy", "congestion") and self.trunk:
                    # the far end is busy / unreachable: trying another line would not help
                    self.disposition = "BUSY" if data["reason"] == "busy" else "FAILED"
                    self.hangup_side = "callee"
                    self._finish()
                    self.a.progress(self, "busy" if data["reason"] == "busy" else "congestion")
                    return
                if not self._offer_next():
                    self._fail()
            elif inp == CallIn.TIMEOUT and data.get("what") == "hunt":
                self._cancel_offers()
                if not self._offer_next():
                    self.handle(CallIn.TIMEOUT, what="no_answer")
            elif inp == CallIn.TIMEOUT and data.get("what") == "no_answer":
                self._cancel_offers()
                self.disposition = "NO ANSWER"
                self.hangup_side = "system"
                self._finish()
                self.a.progress(self, "busy")
            elif inp == CallIn.HANGUP and chan is self.a:
                self._cancel_offers()
                self.disposition = "NO ANSWER"
                self.hangup_side = "caller"
                self._finish()
            return

        if s == CallState.ANSWERED:
            if inp == CallIn.HANGUP and chan in (self.a, self.b):
                other = self.other(chan)
                self.hangup_side = "caller" if chan is self.a else "callee"
                self.ctl.switch.isolate(chan.row)
                if other is not None:
                    self.ctl.switch.isolate(other.row)
                    self.ctl.switch.stop(other.row)
                self._finish()
                if other is self.a:
                    self.a.progress(self, "ended")
                elif other is not None:
                    other.far_hangup(self)
            return

    # -- reporting
    def status(self) -> dict[str, Any]:
        now = self.ctl.clock.wall_time()
        return {"id": self.id, "linkedid": self.linkedid, "from": self.src, "to": self.dst,
                "caller_name": self.caller_name, "direction": self.direction,
                "state": self.state.value, "on_hold": self.on_hold,
                "a": self.a.name, "b": self.b.name if self.b else None,
                "ringing": [c.name for c in self.offered] if self.state == CallState.ALERTING else [],
                "trunk": self.trunk,
                "duration_s": int(((self.end or now) - self.start).total_seconds()),
                "billsec": int(((self.end or now) - self.answer).total_seconds()) if self.answer else 0,
                "disposition": self.disposition}
