"""Supervisors: listen to (silent monitor), whisper to (coach), barge in on, or take over
an agent's call — from a feature code + agent/extension number, or from the management
API (``supervise.start``: the box rings the supervisor's phone first).

A session is the B (feature code) or A (management API) side of the supervisor's own
call: a :class:`SupervisionLeg`, a channel without a port like the conference leg.  It
does not touch the agent's call: it adds *mix sets* in the switch (``Switch.mix``) on
top of the call's bridge:

===========  ==========================  ====================  =====================
mode         supervisor hears            agent hears           caller hears
===========  ==========================  ====================  =====================
listen       agent + caller              caller                agent
whisper      agent + caller              caller + supervisor   agent
barge        agent + caller              caller + supervisor   agent + supervisor
take over    caller (the agent leaves)   —                     supervisor
===========  ==========================  ====================  =====================

Keys during a session (as Asterisk ChanSpy's ``d`` option): ``4`` listen, ``5`` whisper,
``6`` barge, ``7`` take over (final: the supervisor's phone joins the call and the agent
hears busy tone).  A short beep confirms each change.  The session follows the agent:
when the agent's call ends it waits (silence) and attaches to the agent's next call, until
the supervisor hangs up (or ``supervise.stop``).

Every stretch (mode × call) is a row of ``supervision_log`` (:mod:`firmware.acd.supervision_log`).

States of a session: RINGING (API: the supervisor's phone rings) → WAITING (the agent is
not in a call) ⇄ MONITORING → DONE.  :meth:`SupervisionLeg.handle` is its one transition
function.
"""
from __future__ import annotations

import enum
import itertools
import logging
from typing import TYPE_CHECKING, Any, Optional

from firmware.acd.supervisors import Refused
from firmware.calls.call import Call, CallState
from firmware.calls.plan import Branch, Stage
from firmware.channels.app import AppLeg
from firmware.engine.media import TonePlayer

if TYPE_CHECKING:
    from firmware.acd.supervision_log import SupervisionLog
    from firmware.calls.control import CallControl
    from firmware.channels.base import Channel

log = logging.getLogger("hotline.supervise")

POLL_MS = 200                     #: how often a session checks the agent's call
MODE_BEEP = "!1400/80"            #: confirms a mode change to the supervisor
ERROR_BEEP = "!400/300"           #: key not possible now (take over with no call)
_ids = itertools.count(1)


class Mode(str, enum.Enum):
    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"
    TAKEOVER = "takeover"


KEYS = {"4": Mode.LISTEN, "5": Mode.WHISPER, "6": Mode.BARGE, "7": Mode.TAKEOVER}
FEATURES = {"supervise_listen": Mode.LISTEN, "supervise_whisper": Mode.WHISPER,
            "supervise_barge": Mode.BARGE, "supervise_takeover": Mode.TAKEOVER}


class SupState(str, enum.Enum):
    RINGING = "ringing"          #: management API: ringing the supervisor's phone
    WAITING = "waiting"          #: supervisor on the line, the agent has no call
    MONITORING = "monitoring"
    DONE = "done"


class SupIn(str, enum.Enum):
    CONNECTED = "connected"      #: the supervisor is on the line
    DIGIT = "digit"              #: data: d
    POLL = "poll"
    MODE = "mode"                #: data: mode (management API)
    STOP = "stop"                #: the supervisor's call ended / supervise.stop


def channel_number(ch: Any) -> str:
    """The extension number a channel belongs to ('' for lines and applications)."""
    ext = getattr(ch, "extension", None)
    if ext is not None:
        return getattr(ext, "number", "") or ""
    return ""


class SupervisionLeg(AppLeg):
    """One supervision session: the supervisor's call's application side."""

    tech = "Supervise"

    def __init__(self, mgr: "SupervisionManager", *, supervisor: str, agent: str, target_ext: str,
                 mode: Mode) -> None:
        sid = f"sup-{next(_ids)}"
        super().__init__(mgr.ctl, target_ext, f"supervise{sid[4:]}")
        self.mgr = mgr
        self.id = sid
        self.supervisor = supervisor       #: supervisor's extension
        self.supervisor_number = supervisor    #: who supervises: supervisor number (else the extension)
        self.agent = agent                 #: agent number as given (or the extension)
        self.target_ext = target_ext       #: the agent's extension (a number)
        self.mode = mode
        self.state = SupState.RINGING
        self.target: Optional[tuple[Any, Call, Optional[int]]] = None   #: agent chan, call, peer row
        self._applied: dict[int, tuple[int, ...]] = {}
        self._log_row: Optional[int] = None
        self.started_ms: Optional[int] = None
        self.takeover_on_attach = False    #: started as "take over": do it once attached

    @property
    def display_name(self) -> str:
        return f"Supervise {self.target_ext}"

    # -- the channel's events as inputs (the supervisor's phone rings, answers, hangs up)
    def progress(self, call: Call, kind: str) -> None:
        if kind == "answered":
            self.handle(SupIn.CONNECTED)
        elif kind in ("ended", "busy", "congestion"):
            self.handle(SupIn.STOP)

    def on_answered(self) -> None:
        self.handle(SupIn.CONNECTED)

    def on_hangup(self) -> None:
        self.handle(SupIn.STOP)

    def on_digit(self, d: str) -> None:
        self.handle(SupIn.DIGIT, d=d)

    def on_timeout(self, what: str) -> None:
        self.handle(SupIn.POLL)

    # -- helpers
    @property
    def sup_chan(self) -> Optional["Channel"]:
        return self.call.other(self) if self.call is not None else None

    @property
    def sup_row(self) -> Optional[int]:
        ch = self.sup_chan
        return ch.row if ch is not None else None

    def _beep(self, spec: str) -> None:
        if self.sup_row is not None:
            self.ctl.switch.play(self.sup_row, TonePlayer(spec, self.ctl.profile))

    def _now_ms(self) -> int:
        from firmware.acd.supervision_log import ms_of
        return ms_of(self.ctl.clock.wall_time())

    def _find_target(self) -> Optional[tuple[Any, Call, Optional[int]]]:
        """The agent's answered call: (agent channel, call, the other party's row)."""
        for call in list(self.ctl.calls.values()):
            if call is self.call or call.state != CallState.ANSWERED:
                continue
            for ch in (call.a, call.b):
                if ch is not None and ch.row is not None and channel_number(ch) == self.target_ext:
                    other = call.other(ch)
                    return ch, call, (other.row if other is not None else None)
        return None

    def _target_still_valid(self) -> bool:
        if self.target is None:
            return False
        ch, call, peer = self.target
        if call.state != CallState.ANSWERED or ch not in (call.a, call.b):
            return False
        other = call.other(ch)
        return (other.row if other is not None else None) == peer

    def _plan(self) -> dict[int, tuple[int, ...]]:
        s = self.sup_row
        if s is None or self.target is None:
            return {}
        ch, _call, c = self.target
        g = ch.row
        plan = {s: tuple(r for r in (g, c) if r is not None)}
        if self.mode in (Mode.WHISPER, Mode.BARGE):
            plan[g] = (s,)
        if self.mode == Mode.BARGE and c is not None:
            plan[c] = (s,)
        return plan

    def _unpatch(self) -> None:
        sw = self.ctl.switch
        for row, srcs in self._applied.items():
            sw.mix(row, [x for x in sw.mixes(row) if x not in srcs])
        self._applied = {}

    def _patch(self) -> None:
        self._unpatch()
        sw = self.ctl.switch
        plan = self._plan()
        for row, srcs in plan.items():
            sw.mix(row, list(sw.mixes(row)) + list(srcs))
        self._applied = plan

    def _log_start(self) -> None:
        self._log_end()
        lg = self.mgr.log
        if lg is None:
            return
        callid = self.target[1].id if self.target is not None else ""
        try:
            self._log_row = lg.start(self._now_ms(), supervisor=self.supervisor_number, agent=self.agent,
                                     extension=self.target_ext, mode=self.mode.value, callid=callid)
        except Exception:
            log.exception("could not write supervision_log")

    def _log_end(self) -> None:
        if self._log_row is not None and self.mgr.log is not None:
            try:
                self.mgr.log.end(self._log_row, self._now_ms())
            except Exception:
                log.exception("could not write supervision_log")
        self._log_row = None

    def _arm_poll(self) -> None:
        self.arm(POLL_MS, "poll")

    def _attach(self) -> bool:
        """Look for the agent's call; MONITORING if there is one (patched, logged)."""
        self.target = self._find_target()
        if self.target is None:
            self.state = SupState.WAITING
            return False
        self.state = SupState.MONITORING
        self._patch()
        self._log_start()
        self._publish("supervise.attach")
        if self.takeover_on_attach:
            self.takeover_on_attach = False
            self._take_over()
        return True

    def _detach(self) -> None:
        self._unpatch()
        self._log_end()
        self.target = None
        self.state = SupState.WAITING

    def _set_mode(self, mode: Mode) -> None:
        if mode == Mode.TAKEOVER:
            self._take_over()
            return
        if mode == self.mode:
            self._beep(MODE_BEEP)
            return
        self.mode = mode
        self._beep(MODE_BEEP)
        if self.state == SupState.MONITORING:
            self._patch()
            self._log_start()
        self._publish("supervise.mode")

    def _take_over(self) -> None:
        """The supervisor's phone replaces the agent in the agent's call; this session ends."""
        if self.state != SupState.MONITORING or not self._target_still_valid():
            self._beep(ERROR_BEEP)
            return
        agent_ch, call, _peer = self.target
        sup = self.sup_chan
        mine = self.call
        self.mode = Mode.TAKEOVER
        self._unpatch()
        self._log_start()            # the takeover itself is a logged stretch (ends at once)
        self._finish()
        if mine is not None:
            mine.end_by_transfer(self, f"takeover of {self.target_ext} by {self.supervisor}")
        call.take_over(agent_ch, sup, f"taken over by supervisor {self.supervisor}")
        acd = getattr(self.ctl, "acd", None)
        if acd is not None:             # a queue call: the agent's part ends (TRANSFER, wrap-up)
            acd.handed_on(call, self.supervisor)
        self._publish("supervise.takeover", call=call.id)

    def _finish(self) -> None:
        self.disarm()
        self._unpatch()
        self._log_end()
        self.state = SupState.DONE
        self.mgr.sessions.pop(self.id, None)
        self._publish("supervise.end")

    def _publish(self, event: str, **extra: Any) -> None:
        self.ctl.publish(event, {**self.status(), **extra})

    # -- the transition function
    def handle(self, inp: SupIn, **data: Any) -> None:
        s = self.state
        if s == SupState.DONE:
            return
        if inp == SupIn.STOP:
            self._finish()
            return
        if s == SupState.RINGING:
            if inp == SupIn.CONNECTED:
                self.started_ms = self._now_ms()
                self._beep(MODE_BEEP)
                self._publish("supervise.start")
                if not self._attach():
                    self._log_start()             # the session is logged even while waiting
                self._arm_poll()
            elif inp == SupIn.MODE:           # API: take over once attached, or the mode to start in
                self.takeover_on_attach = data["mode"] == Mode.TAKEOVER
                if not self.takeover_on_attach:
                    self.mode = data["mode"]
                self._publish("supervise.mode")
            return
        if inp == SupIn.DIGIT:
            if self.sup_row is not None:          # the supervisor's keys are commands: nobody hears them
                self.ctl.switch.swallow_dtmf(self.sup_row)
            mode = KEYS.get(data["d"])
            if mode is not None:
                if mode != Mode.TAKEOVER:
                    self.takeover_on_attach = False   # the supervisor's key wins over a pending take over
                self._set_mode(mode)
            return
        if inp == SupIn.MODE:
            if data["mode"] == Mode.TAKEOVER and s == SupState.WAITING:
                self.takeover_on_attach = True    # API: take over the agent's next call
                self._publish("supervise.mode")
                return
            self.takeover_on_attach = False
            self._set_mode(data["mode"])
            return
        if inp == SupIn.POLL:
            if s == SupState.MONITORING and not self._target_still_valid():
                self._detach()
                if not self._attach():
                    self._log_start()
            elif s == SupState.WAITING:
                self._log_end()
                if not self._attach():
                    self._log_start()
            if self.state != SupState.DONE:
                self._arm_poll()
            return

    def status(self) -> dict[str, Any]:
        t = self.target
        return {"id": self.id, "supervisor": self.supervisor, "supervisor_number": self.supervisor_number,
                "agent": self.agent,
                "extension": self.target_ext, "mode": self.mode.value, "state": self.state.value,
                "takeover_pending": self.takeover_on_attach,
                "call": t[1].id if t is not None else None,
                "supervisor_call": self.call.id if self.call is not None else None}


class SupervisionManager:
    """All supervision sessions of the box (``ctl.supervision``)."""

    def __init__(self, ctl: "CallControl", log_store: Optional["SupervisionLog"] = None) -> None:
        self.ctl = ctl
        self.log = log_store
        self.sessions: dict[str, SupervisionLeg] = {}

    def resolve(self, target: str) -> tuple[str, str]:
        """(agent, extension) for ``target``: an agent number through the ACD when it knows
        it, else an extension number. :class:`ValueError` naming the number if neither."""
        acd = getattr(self.ctl, "acd", None)
        if acd is not None:
            try:
                ext = acd.agent_extension(target)
            except Exception:               # unknown agent, logged out...
                ext = None
            if ext:
                return target, str(ext)
        if self.ctl.config.extension(target) is not None:
            return target, target
        raise ValueError(f"{target!r} is neither an agent nor an extension")

    def _authorize(self, supervisor: str, number: str, pin: str, agent: str, ext: str, mode: Mode,
                   via: str) -> str:
        """Who supervises (supervisor number, or the extension when the box has no
        supervisors); :class:`Refused` (logged, published) when not allowed."""
        acd = getattr(self.ctl, "acd", None)
        check = getattr(acd, "check_supervisor", None)
        if not callable(check):
            return supervisor
        here = acd.agent_at(ext) if hasattr(acd, "agent_at") else None
        target_agent = here.number if here is not None else (agent if agent != ext else "")
        try:
            return check(extension=supervisor, number=number, pin=pin, target_agent=target_agent,
                         target=agent).supervisor
        except Refused as e:
            log.info("supervision of %s by %s refused: %s", agent, number or supervisor, e)
            if self.log is not None and hasattr(self.log, "refused"):
                try:
                    self.log.refused(self._wall_ms(), extension=supervisor, supervisor=number, target=agent,
                                     mode=mode.value, reason=str(e), via=via)
                except Exception:
                    log.exception("could not write supervision_refusals")
            self.ctl.publish("supervise.refused", {"extension": supervisor, "supervisor": number,
                                                   "target": agent, "mode": mode.value, "reason": str(e),
                                                   "via": via})
            raise

    def _wall_ms(self) -> int:
        from firmware.acd.supervision_log import ms_of
        return ms_of(self.ctl.clock.wall_time())

    def _leg(self, supervisor: str, target: str, mode: Mode, *, number: str = "", pin: str = "",
             via: str = "phone") -> SupervisionLeg:
        agent, ext = self.resolve(target)
        if ext == supervisor:
            raise ValueError(f"extension {supervisor} cannot supervise itself")
        who = self._authorize(supervisor, number, pin, agent, ext, mode, via)
        leg = SupervisionLeg(self, supervisor=supervisor, agent=agent, target_ext=ext, mode=mode)
        leg.supervisor_number = who
        self.sessions[leg.id] = leg
        return leg

    def from_phone(self, chan: "Channel", mode: Mode, arg: str) -> str:
        """A feature code: ``chan`` (the supervisor's phone, off-hook) supervises the agent
        or extension in ``arg`` — ``<target>`` from a trusted phone (or any phone when no
        supervisors are configured), else ``<target>*<supervisor>*<PIN>``. Returns the
        feature outcome: ``picked_up`` (the phone is in the session), ``refused`` (not a
        supervisor, wrong PIN, not their queue: logged) or ``invalid``."""
        sup = channel_number(chan)
        target, _, rest = arg.partition("*")
        number, _, pin = rest.partition("*")
        if not sup or not target:
            return "invalid"
        try:
            leg = self._leg(sup, target, Mode.LISTEN if mode == Mode.TAKEOVER else mode, number=number, pin=pin)
        except Refused:
            return "refused"
        except ValueError as e:
            log.info("supervision by %s not possible: %s", sup, e)
            return "invalid"
        stage = Stage([Branch([leg], f"supervise {target}")], ring_ms=self.ctl.setting("ring_timeout_ms"),
                      notes=[f"supervise {mode.value} {target}"])
        call = Call(self.ctl, chan, dst=target, src=sup, caller_name=getattr(chan, "display_name", sup),
                    direction="internal", stage=stage, start=chan.call_start())
        leg.takeover_on_attach = mode == Mode.TAKEOVER
        self.ctl._start(call)
        return "picked_up"

    def start(self, supervisor: str, target: str, mode: str = "listen", *, pin: str = "",
              extension: str = "") -> dict[str, Any]:
        """Management API: ring the supervisor's phone; when answered it supervises
        ``target`` (agent or extension) in ``mode``. ``supervisor`` is a supervisor number
        (with ``pin``, unless ``extension`` is their trusted phone; the phone rung is
        ``extension`` or their desk extension) or, when the box has no supervisors or for a
        trusted phone, the extension to ring. :class:`Refused` when not allowed."""
        try:
            m = Mode(mode)
        except ValueError:
            raise ValueError(f"mode {mode!r} is not one of {', '.join(x.value for x in Mode)}") from None
        cfg = self.ctl.config
        number = ""
        row = cfg.supervisor(supervisor) if cfg.supervisors else None
        if row is not None:
            number, supervisor = supervisor, extension or row.extension
            if not supervisor:
                raise ValueError(f"supervisor {number} has no desk extension: say which extension to ring "
                                 "('extension')")
        if cfg.extension(supervisor) is None:
            raise ValueError(f"supervisor {supervisor!r} is neither a supervisor number nor an extension")
        self.resolve(target)
        ch = self.ctl.extension_channel(supervisor)
        if ch is None:
            raise ValueError(f"extension {supervisor} has no phone that can ring now")
        if getattr(ch, "idle", True) is False:
            raise ValueError(f"extension {supervisor} is busy")
        leg = self._leg(supervisor, target, Mode.LISTEN if m == Mode.TAKEOVER else m, number=number, pin=pin,
                        via="api")
        leg.takeover_on_attach = m == Mode.TAKEOVER
        stage = Stage([Branch([ch], supervisor)], ring_ms=self.ctl.setting("ring_timeout_ms"),
                      notes=[f"supervise {m.value} {target}"])
        call = Call(self.ctl, leg, dst=supervisor, src=leg.target_ext, caller_name=leg.display_name,
                    direction="internal", stage=stage)
        leg.call = call
        self.ctl._start(call)
        if call.state == CallState.ENDED:
            self.sessions.pop(leg.id, None)
            raise ValueError(f"extension {supervisor} could not be rung")
        return leg.status()

    def stop(self, session_id: str) -> dict[str, Any]:
        leg = self.sessions.get(session_id)
        if leg is None:
            raise KeyError(f"no supervision session {session_id!r} (see supervise.list)")
        st = leg.status()
        call = leg.call
        leg.handle(SupIn.STOP)
        if call is not None and call.state != CallState.ENDED:
            call.kill()
        return st

    def set_mode(self, session_id: str, mode: str) -> dict[str, Any]:
        leg = self.sessions.get(session_id)
        if leg is None:
            raise KeyError(f"no supervision session {session_id!r} (see supervise.list)")
        leg.handle(SupIn.MODE, mode=Mode(mode))
        return leg.status()

    def status(self) -> list[dict[str, Any]]:
        return [s.status() for s in self.sessions.values()]
