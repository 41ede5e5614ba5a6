"""One call: the A leg (who called), the branches it rings, the B leg that answered,
and the CDR it leaves behind — as one explicit state machine.

States: ROUTING (first stage being offered) → ALERTING (branches ringing / lines
dialling) → ANSWERED → ENDED.  What rings is a :class:`~firmware.calls.plan.Stage` of
branches; when a stage is not answered (``no_answer``) or every branch is busy
(``busy``), the stage's ``next`` gives the following stage — forwarding, follow-me,
ring-group overflow, transfer recall — or the call ends (NO ANSWER / BUSY / FAILED).

After answer a call can be put on hold (music on hold), get a new A party (transfer:
:meth:`replace_party`), and pass the caller's digits to an application B leg.
"""
from __future__ import annotations

import datetime as _dt
import enum
import itertools
from typing import TYPE_CHECKING, Any, Optional

from hal.clock import Timer

from firmware.calls.plan import Branch, Stage
from firmware.engine.media import TonePlayer

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
    START = "start"                #: offer the first stage
    ALERTING = "alerting"          #: data: chan, early_media
    ANSWER = "answer"              #: data: chan
    CONFIRMED = "confirmed"        #: data: chan (pressed 1 on a confirm branch)
    PICKUP = "pickup"              #: data: chan (answered from another phone)
    TARGET_FAILED = "target_failed"  #: data: chan, reason ("busy", "no_dialtone", "congestion", "declined")
    HANGUP = "hangup"              #: data: chan (a leg hung up)
    TIMEOUT = "timeout"            #: data: what ("no_answer", "hunt", "confirm"), chan
    KILL = "kill"                  #: administrative hang-up


class Call:
    """A call from ``a`` to whoever answers in ``stage`` (and the stages after it)."""

    def __init__(self, ctl: "CallControl", a: "Channel", *, dst: str, src: str,
                 caller_name: str, direction: str, stage: Stage, trunk: str = "",
                 linkedid: Optional[str] = None, start: Optional[_dt.datetime] = None) -> None:
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
        self.trunk = trunk                 #: trunk group of an outbound call
        self.trunk_line = ""               #: line an inbound call came in on
        self.stage = stage
        self.pending: list[Branch] = []    #: branches of the stage not yet offered
        self.offered: dict["Channel", Branch] = {}   #: channel ringing -> its branch
        self.confirming: dict["Channel", Timer] = {}
        self.tried: list["Channel"] = []
        self.failures: list[str] = []
        self.notes: list[str] = list(stage.notes)
        self.state = CallState.ROUTING
        self.start = start or ctl.clock.wall_time()
        self.answer: Optional[_dt.datetime] = None
        self.end: Optional[_dt.datetime] = None
        self.disposition = ""
        self.hangup_side = ""
        self.on_hold = False
        self.moh_class = ""
        self.route: Any = None                        #: the InboundRoute an inbound call came by
        self.limit_timer: Optional[Timer] = None      #: outbound minutes guard
        self._timer: Optional[Timer] = None
        self._hunt_timer: Optional[Timer] = None
        self._announcing: Any = None                  #: players (whisper, announcement) before the bridge
        self._stage_failures: list[str] = []
        self.on_end: list = []                        #: callables(call) run once when the call ends
        self.vars: dict[str, str] = {}                #: set by IVR menus; CDR userfield k=v, call events

    # -- entry points for channels
    def begin(self) -> None:
        self.handle(CallIn.START)

    def target_alerting(self, chan: "Channel", early_media: bool = False) -> None:
        self.handle(CallIn.ALERTING, chan=chan, early_media=early_media)

    def answered_by(self, chan: "Channel") -> None:
        self.handle(CallIn.ANSWER, chan=chan)

    def picked_up_by(self, chan: "Channel") -> None:
        self.handle(CallIn.PICKUP, chan=chan)

    def target_failed(self, chan: "Channel", reason: str) -> None:
        self.handle(CallIn.TARGET_FAILED, chan=chan, reason=reason)

    def hangup(self, chan: "Channel") -> None:
        self.handle(CallIn.HANGUP, chan=chan)

    def kill(self) -> None:
        self.handle(CallIn.KILL)

    def digit(self, chan: "Channel", d: str) -> None:
        """A digit from one of the call's parties (after the dial plan is done with them)."""
        if chan in self.confirming:
            if d == "1":
                self.handle(CallIn.CONFIRMED, chan=chan)
            return
        if self.state == CallState.ANSWERED:
            rec = self.ctl.recording
            if rec is not None and rec.digit(self, chan, d):
                return                                 # the record toggle code (*1)
            other = self.other(chan)
            if other is not None:
                other.party_digit(self, chan, d)

    def number_for(self, chan: "Channel") -> str:
        """What a line offered this call must dial."""
        br = self.offered.get(chan)
        return br.number_out if br is not None else ""

    @property
    def ringing(self) -> list["Channel"]:
        return [c for c in self.offered if c not in self.confirming]

    # -- after answer
    def hold(self, by: "Channel") -> None:
        """``by`` put the call on hold (flash): the other party hears music on hold."""
        other = self.other(by)
        self.on_hold = True
        sw = self.ctl.switch
        if by.row is not None:
            sw.isolate(by.row)
        if other is not None and other.row is not None:
            sw.isolate(other.row)
            sw.play(other.row, self.ctl.music_on_hold(self.moh_class))
        self.ctl.publish_call(self)

    def unhold(self, by: "Channel") -> None:
        other = self.other(by)
        self.on_hold = False
        if other is not None:
            if other.row is not None:
                self.ctl.switch.stop(other.row)
            self._bridge(by, other)
        self.ctl.publish_call(self)

    def other(self, chan: "Channel") -> Optional["Channel"]:
        if chan is self.a:
            return self.b
        if chan is self.b:
            return self.a
        return None

    def replace_party(self, old: "Channel", new: "Channel", note: str) -> None:
        """Transfer: ``new`` takes the place of ``old`` (who leaves the call quietly).

        ``new`` always becomes the A side (the party the call now belongs to); if ``old``
        was the B side, A and B swap first.  Talking calls are re-bridged; a call still
        ringing goes on ringing for ``new``, who now hears the ringback.
        """
        if old is self.b:
            self.a, self.b = self.b, self.a
        self.a = new
        new.call = self
        self.src, self.caller_name = new.caller_identity()
        self.notes.append(note)
        self.on_hold = False
        if new.row is not None:
            self.ctl.switch.stop(new.row)
        if self.state == CallState.ANSWERED and self.b is not None:
            self._bridge(new, self.b)
        elif self.state == CallState.ALERTING and new.row is not None:
            self.ctl.switch.play(new.row, TonePlayer("ringback", self.ctl.profile))
        self.ctl.publish_call(self)

    def take_over(self, old: "Channel", new: "Channel", note: str) -> None:
        """A supervisor's phone ``new`` replaces the party ``old`` of this answered call
        (supervisor take-over): ``new`` keeps ``old``'s side (A or B, the CDR's caller
        stays), ``old`` leaves the call and hears that it ended."""
        if self.state != CallState.ANSWERED or old not in (self.a, self.b):
            return
        was_b = old is self.b
        if was_b:
            self.b = new
        else:
            self.a = new
        new.call = self
        self.notes.append(note)
        sw = self.ctl.switch
        if old.row is not None:
            sw.isolate(old.row)
        if new.row is not None:
            sw.stop(new.row)
        if self.a is not None and self.b is not None:
            self._bridge(self.a, self.b)
        self.ctl.publish_call(self)
        if was_b:
            old.far_hangup(self)
        else:
            old.progress(self, "ended")

    def end_by_transfer(self, by: "Channel", note: str) -> None:
        """``by`` transferred the other party elsewhere: this call ends (ANSWERED, hung up
        by "transfer") without disturbing the party, who now belongs to another call."""
        self.notes.append(note)
        self.hangup_side = "transfer"
        if by.row is not None:
            self.ctl.switch.isolate(by.row)
        self._finish()

    def redirect(self, by: "Channel", number: str, note: str = "", rights_of: Any = None) -> bool:
        """An application B leg (IVR menu, queue, voicemail) hands the caller on to
        ``number`` — any number a forward may name (internal, or outside by the dial plan).

        ``by`` (the current B side) leaves the call quietly: its row is isolated and it is no
        longer the B side; the caller hears ringback while the new destination rings (or is
        answered at once by the next application).  The call keeps its id, CDR and answer
        time.  Returns False, changing nothing, when ``number`` cannot be rung (no such
        number, not allowed, nobody reachable): the application then says so and goes on.
        ``rights_of``: the extension whose outbound class allows an outside number (voicemail
        "call back" dials out with the mailbox owner's rights); None = internal numbers only.
        """
        if self.state != CallState.ANSWERED or by is not self.b:
            return False
        stage = self.ctl.resolver.number(number, why="redirect", rights_of=rights_of)
        if stage.refusal or not stage.branches:
            self.notes.append(stage.refusal or f"redirect to {number}: nothing to ring")
            return False
        return self.redirect_stage(by, stage, note or f"redirect {number}")

    def redirect_stage(self, by: "Channel", stage: Stage, note: str) -> bool:
        """:meth:`redirect` to a stage an application built itself (a queue offering its
        agents, with the queue again as the next stage)."""
        if self.state != CallState.ANSWERED or by is not self.b:
            return False
        sw = self.ctl.switch
        if by.row is not None:
            sw.stop(by.row)
            sw.isolate(by.row)
        if self.a.row is not None:
            sw.stop(self.a.row)
            sw.isolate(self.a.row)
        self.b = None
        self.on_hold = False
        self.notes.append(note)
        self.state = CallState.ALERTING
        if not self._start_stage(stage) and not self._next_stage(self._stage_reason()):
            self._fail()
            return True
        if not self.stage.outbound and self.a.row is not None and self.state == CallState.ALERTING:
            sw.play(self.a.row, TonePlayer("ringback", self.ctl.profile))
        self.ctl.publish_call(self)
        return True

    def recall_after(self, ms: int, recall_stage: Stage) -> None:
        """Blind transfer: if nobody answers within ``ms``, ring ``recall_stage`` instead."""
        self.stage.next = lambda reason: recall_stage
        self._arm_stage_timer(ms)

    # -- helpers
    def _set(self, state: CallState) -> None:
        self.state = state
        self.ctl.publish_call(self)

    def _bridge(self, x: "Channel", y: "Channel") -> None:
        if x.row is not None and y.row is not None:
            self.ctl.switch.connect(x.row, y.row)

    def _start_stage(self, stage: Stage, keep: bool = False) -> bool:
        """Make ``stage`` the current one and offer it; False if nothing could be offered."""
        self.stage = stage
        self.notes.extend(n for n in stage.notes if n not in self.notes)
        if not keep:
            self._cancel_offers()
        self.pending = list(stage.branches)
        self._stage_failures = []
        self._cancel_timers()
        if not self._offer_next() and not self.offered:
            return False
        if stage.strategy != "hunt":
            self._arm_stage_timer(stage.ring_ms)
        return True

    def _arm_stage_timer(self, ms: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.ctl.clock.call_later(ms, lambda: self.handle(CallIn.TIMEOUT, what="no_answer"))

    def _offer_branch(self, br: Branch) -> bool:
        """Offer ``br`` on its first channel that accepts (failover order)."""
        while br.channels:
            ch = br.channels.pop(0)
            if ch is self.a or ch in self.offered:
                continue
            self.tried.append(ch)
            self.offered[ch] = br
            if ch.offer(self):
                return True
            del self.offered[ch]
        self._failed(br.empty_reason)
        return False

    def _failed(self, reason: str) -> None:
        self.failures.append(reason)
        self._stage_failures.append(reason)

    def _stage_reason(self) -> str:
        return "busy" if "busy" in self._stage_failures else "failed"

    def _offer_next(self) -> bool:
        """Offer the next branch(es) per strategy; False when none could be offered."""
        offered = False
        while self.pending and not offered:
            take = self.pending if self.stage.strategy == "ringall" else self.pending[:1]
            self.pending = [] if self.stage.strategy == "ringall" else self.pending[1:]
            for br in take:
                offered = self._offer_branch(br) or offered
        if offered and self.stage.strategy == "hunt":
            self._arm_hunt()
        return offered

    def _arm_hunt(self) -> None:
        if self._hunt_timer:
            self._hunt_timer.cancel()
        self._hunt_timer = self.ctl.clock.call_later(self.stage.ring_ms,
                                                     lambda: self.handle(CallIn.TIMEOUT, what="hunt"))

    def _cancel_timers(self) -> None:
        for t in (self._timer, self._hunt_timer):
            if t is not None:
                t.cancel()
        self._timer = self._hunt_timer = None

    def _drop(self, ch: "Channel") -> None:
        """Stop offering to ``ch`` (ringing, dialling or confirming)."""
        t = self.confirming.pop(ch, None)
        if t is not None:
            t.cancel()
            if ch.row is not None:
                self.ctl.switch.stop(ch.row)
                self.ctl.switch.isolate(ch.row)
            ch.far_hangup(self)
        else:
            ch.cancel(self)
        self.offered.pop(ch, None)

    def _cancel_offers(self, keep: Optional["Channel"] = None) -> None:
        for ch in list(self.offered):
            if ch is not keep:
                self._drop(ch)

    def _next_stage(self, reason: str) -> bool:
        """The current stage failed for ``reason``: start the next one if there is one."""
        nxt = self.stage.next(reason) if self.stage.next else None
        while nxt is not None:
            if nxt.refusal:
                self.notes.append(nxt.refusal)
                nxt = nxt.next(reason) if nxt.next else None
                continue
            if self._start_stage(nxt, keep=nxt.keep_ringing):
                return True
            reason = self._stage_reason()
            nxt = nxt.next(reason) if nxt.next else None
        return False

    def _fail(self, reason: str = "") -> None:
        """No branch of any stage could take the call."""
        busy = reason == "busy" or "busy" in self.failures
        self.disposition = "BUSY" if busy else ("NO ANSWER" if "no_answer" in self.failures else "FAILED")
        self.hangup_side = "system"
        if self.answer is not None:            # answered by an application, then redirected
            self.notes.append(f"redirect failed: {self.disposition.lower()}")
            self.disposition = "ANSWERED"
            self._finish()
            self.a.progress(self, "ended")
            return
        self._finish()
        self.a.progress(self, "busy" if busy else "congestion")

    def _finish(self) -> None:
        self._cancel_timers()
        for t in self.confirming.values():
            t.cancel()
        if self.limit_timer is not None:
            self.limit_timer.cancel()
        self.end = self.ctl.clock.wall_time()
        self._set(CallState.ENDED)
        hooks, self.on_end = self.on_end, []
        for fn in hooks:
            fn(self)
        self.ctl.call_ended(self)

    def _connect(self, chan: "Channel") -> None:
        """``chan`` takes the call: stop everything else and bridge."""
        self._cancel_timers()
        self._cancel_offers(keep=chan)
        self.confirming.pop(chan, None)
        self.offered.clear()
        self.pending = []
        self.b = chan
        redirected = self.answer is not None
        self.answer = self.answer or self.ctl.clock.wall_time()
        self.disposition = "ANSWERED"
        if not redirected:
            self.a.answer_inbound(self)
        sw = self.ctl.switch
        for ch in (self.a, chan):
            if ch.row is not None:
                sw.stop(ch.row)
        self._set(CallState.ANSWERED)
        if self.stage.on_answer is not None:
            self.stage.on_answer(chan)
        self.ctl.call_answered(self)
        if self.state != CallState.ANSWERED:          # answered into a refusal (limits)
            return
        self.a.progress(self, "answered")          # first: an FXS caller stops its ringback here
        whisper = self.stage.whisper(chan) if self.stage.whisper is not None else None
        announcement = self.ctl.answer_announcement(self)
        playing = []                                # the bridge opens when all are done
        if whisper is not None and chan.row is not None:
            sw.play(chan.row, whisper)              # the agent hears the whisper...
            playing.append(whisper)
        if announcement is not None and self.a.row is not None:
            sw.play(self.a.row, announcement)       # ...while the caller hears the announcement
            playing.append(announcement)
        if playing:
            self._announcing = playing
        else:
            self._bridge(self.a, chan)
        chan.connected(self)

    def player_done(self, row: int, player: Any) -> None:
        """A player on one of our rows finished (whisper / answer announcement)."""
        if self._announcing and any(p is player for p in self._announcing):
            self._announcing = [p for p in self._announcing if p is not player]
            if self._announcing:
                return
            self._announcing = None
            if self.state == CallState.ANSWERED and self.b is not None and not self.on_hold:
                self._bridge(self.a, self.b)

    def _ringing_party_failed(self, chan: "Channel", reason: str) -> None:
        br = self.offered.pop(chan, None)
        self.confirming.pop(chan, None)
        if br is None:
            return
        if reason == "no_dialtone" and br.channels:         # try the next line of the group
            if self._offer_branch(br):
                return
        else:
            self._failed(reason)
        if self.offered:
            return
        if self.stage.outbound and reason in ("busy", "congestion") and not self.pending:
            # the far end is busy / unreachable: another line would not help
            self.disposition = "BUSY" if reason == "busy" else "FAILED"
            self.hangup_side = "callee"
            self._finish()
            self.a.progress(self, "busy" if reason == "busy" else "congestion")
            return
        if self._offer_next():
            return
        if self.pending or self.offered:
            return
        if not self._next_stage(self._stage_reason()):
            self._fail()

    # -- the transition function
    def handle(self, inp: CallIn, **data: Any) -> None:
        s = self.state
        if s == CallState.ENDED:
            return
        chan = data.get("chan")

        if inp == CallIn.KILL:
            self.disposition = "ANSWERED" if self.answer is not None else "NO ANSWER"
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
                if self.stage.refusal:
                    self.notes.append(self.stage.refusal)
                    self._fail("failed")
                    return
                if not self._start_stage(self.stage):
                    if not self._next_stage(self._stage_reason()):
                        self._fail()
                        return
                self._set(CallState.ALERTING)
                if not self.stage.outbound:
                    self.a.progress(self, "ringback")
            return

        if s == CallState.ALERTING:
            if inp == CallIn.ALERTING:
                if data.get("early_media") and chan is not None and len(self.offered) == 1 \
                        and self.stage.outbound and self.a.row is not None:
                    self.ctl.switch.listen(self.a.row, chan.row)
                    self.a.progress(self, "early")
            elif inp == CallIn.ANSWER and chan in self.offered:
                if self.offered[chan].confirm:
                    self._confirm(chan)
                else:
                    self._connect(chan)
            elif inp == CallIn.CONFIRMED and chan in self.confirming:
                self._connect(chan)
            elif inp == CallIn.PICKUP and chan is not None:
                self.notes.append(f"pickup by {getattr(chan, 'number', chan.name)}")
                self.tried.append(chan)
                chan.call = self
                self._connect(chan)
            elif inp == CallIn.TARGET_FAILED and chan in self.offered:
                self._ringing_party_failed(chan, data["reason"])
            elif inp == CallIn.TIMEOUT and data.get("what") == "confirm" and chan in self.confirming:
                self._drop(chan)
                self._ringing_party_failed(chan, "declined")
            elif inp == CallIn.HANGUP and chan in self.confirming:
                self.confirming.pop(chan).cancel()
                self._ringing_party_failed(chan, "declined")
            elif inp == CallIn.TIMEOUT and data.get("what") == "hunt":
                self._cancel_offers()
                if not self._offer_next() and not self.offered:
                    self.handle(CallIn.TIMEOUT, what="no_answer")
            elif inp == CallIn.TIMEOUT and data.get("what") == "no_answer":
                if self._next_stage("no_answer"):
                    return
                self._cancel_offers()
                self.disposition = "ANSWERED" if self.answer is not None else "NO ANSWER"
                self.hangup_side = "system"
                self._finish()
                self.a.progress(self, "ended" if self.answer is not None else "busy")
            elif inp == CallIn.HANGUP and chan is self.a:
                self._cancel_offers()
                self.disposition = "ANSWERED" if self.answer is not None else "NO ANSWER"
                self.hangup_side = "caller"
                self._finish()
            return

        if s == CallState.ANSWERED:
            if inp == CallIn.HANGUP and chan in (self.a, self.b):
                if chan is self.b and chan is not None and self.stage.on_b_hangup is not None \
                        and self.stage.on_b_hangup(chan):
                    return                          # the application keeps the caller (survey)
                other = self.other(chan)
                self.hangup_side = "caller" if chan is self.a else "callee"
                sw = self.ctl.switch
                if chan.row is not None:
                    sw.isolate(chan.row)
                if other is not None and other.row is not None:
                    sw.isolate(other.row)
                    sw.stop(other.row)
                self._finish()
                if other is self.a:
                    self.a.progress(self, "ended")
                elif other is not None:
                    other.far_hangup(self)
            return

    def _confirm(self, chan: "Channel") -> None:
        """A follow-me leg answered: ask it to press 1 before the caller is put through."""
        self.confirming[chan] = self.ctl.clock.call_later(
            self.ctl.setting("followme_confirm_ms"),
            lambda: self.handle(CallIn.TIMEOUT, what="confirm", chan=chan))
        if chan.row is not None:
            self.ctl.switch.play(chan.row, self.ctl.confirm_prompt(self))

    # -- reporting
    def status(self) -> dict[str, Any]:
        now = self.ctl.clock.wall_time()
        return {"id": self.id, "linkedid": self.linkedid, "from": self.src, "to": self.dst,
                "caller_name": self.caller_name, "direction": self.direction,
                "state": self.state.value, "on_hold": self.on_hold,
                "a": self.a.name, "b": self.b.name if self.b else None,
                "ringing": [c.name for c in self.ringing] if self.state == CallState.ALERTING else [],
                "trunk": self.trunk, "notes": list(self.notes),
                "duration_s": int(((self.end or now) - self.start).total_seconds()),
                "billsec": int(((self.end or now) - self.answer).total_seconds()) if self.answer else 0,
                "disposition": self.disposition, "vars": dict(self.vars)}
