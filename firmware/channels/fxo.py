"""The FXO channel: a line from the exchange, as one explicit state machine.

Inbound: ring detected → wait for caller ID (FSK between the first and second ring, or
DTMF before the first ring) → route (the line keeps ringing at the exchange while
extensions ring) → an extension answers → the line goes off-hook → talk. If the rings
stop for longer than the cadence's silence plus a margin, the caller gave up.

Outbound: seize → wait for dial tone (``dialtone_timeout_ms``; none → the line fails and
the call tries the next line of the group) → dial the number as DTMF → answer
supervision by timer or by polarity reversal; the caller hears the line's own call
progress (ringback/busy) meanwhile.

Disconnect supervision while off-hook (per line setting ``disconnect``: any / busy /
polarity / loop): busy or congestion tone on the line, a polarity reversal (not the one
that signalled answer), or a loop-current drop.
"""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Optional

from dsp.callerid import CallerIdDecoder
from dsp.callprogress import CallProgressDetector
from hal.ports import Ev, FxoPort, PortEvent

from firmware.channels.base import Channel
from firmware.engine.media import DtmfPlayer, Player

if TYPE_CHECKING:
    from firmware.calls.call import Call

GUARD_MS = 1000          #: after releasing a line, wait this long before seizing it again
CID_WAIT_MS = 6000       #: longest wait for caller ID after the first ring
DIAL_DELAY_MS = 300      #: pause after dial tone before dialling
PENDING_CID_MS = 10_000  #: caller ID heard before a ring stays valid this long
REFUSE_HANGUP_MS = 500   #: blocked caller, action hangup: off-hook this long
REFUSE_BUSY_MS = 5000    #: blocked caller, action busy: busy tone this long
REFUSE_PROMPT_MAX_MS = 20_000


class FxoState(str, enum.Enum):
    IDLE = "idle"
    RING_CID = "ring_cid"          #: inbound: ringing, waiting for caller ID
    RINGING_IN = "ringing_in"      #: inbound: routed, extensions ringing, line still ringing
    REJECTED = "rejected"          #: inbound: nobody can take it; wait for the rings to stop
    SEIZING = "seizing"            #: outbound: off-hook, waiting for dial tone
    DIALING = "dialing"            #: outbound: sending DTMF
    ALERTING = "alerting"          #: outbound: dialled, waiting for answer
    TALKING = "talking"
    REFUSING = "refusing"          #: inbound: a blocked caller: off-hook for a tone/prompt, then release
    GUARD = "guard"                #: just released; not usable for a moment
    DOWN = "down"                  #: no line voltage


class FxoIn(str, enum.Enum):
    RING_START = "ring_start"
    RING_STOP = "ring_stop"
    CALLER_ID = "caller_id"        #: data: message
    TONE = "tone"                  #: data: name (call progress on the line)
    POLARITY = "polarity"
    LOOP_LOSS = "loop_loss"
    LINE_DOWN = "line_down"
    LINE_UP = "line_up"
    TIMEOUT = "timeout"            #: data: what
    OFFER = "offer"                #: outbound call wants this line; data: call
    CANCEL = "cancel"              #: data: call
    ANSWER = "answer"              #: inbound call answered by an extension; data: call
    PROGRESS = "progress"          #: A-side progress of an inbound call; data: call, kind
    FAR_HANGUP = "far_hangup"      #: the box-side party hung up; data: call
    DIALLED = "dialled"            #: DTMF dialling finished


class FxoChannel(Channel):
    State = FxoState
    tech = "FXO"
    port: FxoPort

    def __init__(self, ctl, port: FxoPort, line: Optional[Any]) -> None:
        super().__init__(ctl, port)
        self.line = line                    #: config Line on this port (or None: unused port)
        self.cid: Optional[dict] = None
        self._pending_cid: Optional[tuple[int, dict]] = None
        self._answered_by_polarity = False
        self._cpd: Optional[CallProgressDetector] = None
        self.failures = 0                   #: seizures that got no dial tone
        self.dialled = ""                   #: the number this line dialled (outbound)
        self._decoder = CallerIdDecoder(self._cid_standard())
        self._listen_cid(True)

    # -- configuration
    def _cid_standard(self) -> str:
        std = (self.line.cid if self.line else "auto") or "auto"
        return "auto" if std in ("auto", "none") else std

    def setting(self, name: str, default: Any) -> Any:
        v = getattr(self.line, name, None) if self.line else None
        return default if v is None else v

    @property
    def usable(self) -> bool:
        return self.line is not None and bool(getattr(self.line, "enabled", True))

    # -- detectors
    def _listen_cid(self, on: bool) -> None:
        if on and self.setting("cid", "auto") != "none":
            self._decoder.reset()
            self.ctl.switch.detect_caller_id(self.row, self._decoder)
        else:
            self.ctl.switch.detect_caller_id(self.row, None)

    def _progress_detector(self, on: bool) -> None:
        if on:
            self._cpd = CallProgressDetector(self.ctl.profile)
            self.ctl.switch.detect_progress(self.row, self._cpd)
        else:
            self._cpd = None
            self.ctl.switch.detect_progress(self.row, None)

    # -- inputs from the switch
    _EV = {Ev.RING_START: FxoIn.RING_START, Ev.RING_STOP: FxoIn.RING_STOP,
           Ev.POLARITY: FxoIn.POLARITY, Ev.LOOP_LOSS: FxoIn.LOOP_LOSS,
           Ev.LINE_DOWN: FxoIn.LINE_DOWN, Ev.LINE_UP: FxoIn.LINE_UP}

    def port_event(self, ev: PortEvent) -> None:
        inp = self._EV.get(ev.kind)
        if inp is not None:
            self.handle(inp, **ev.data)

    def digit(self, d: str) -> None:
        if self.call is not None and self.state == FxoState.TALKING:
            self.call.digit(self, d)            # the outside party pressed a key

    def tone(self, name: str) -> None:
        self.handle(FxoIn.TONE, name=name)

    def caller_id(self, message: dict) -> None:
        self.handle(FxoIn.CALLER_ID, message=message)

    def player_done(self, player: Player) -> None:
        if isinstance(player, DtmfPlayer):
            self.handle(FxoIn.DIALLED)
        elif self.state == FxoState.REFUSING:
            self.handle(FxoIn.TIMEOUT, what="refused")
        else:
            super().player_done(player)

    def caller_identity(self) -> tuple[str, str]:
        if self.dialled:
            return self.dialled, ""
        cid = self.cid or {}
        return cid.get("number") or "", cid.get("name") or ""

    def reject(self, action: str, player: Optional[Player] = None) -> None:
        """Refuse the ringing inbound call: ``ignore`` (let it ring out), ``hangup``
        (answer and drop at once), ``busy`` (answer, busy tone) or ``prompt`` (answer,
        play ``player``)."""
        self.call = None
        if action == "ignore":
            self.set_state(FxoState.REJECTED)
            self._ring_off_timer()
            return
        self.cancel_timer()
        self.ctl.switch.reset_dsp(self.row)
        self.port.set_hook(True)
        self.set_state(FxoState.REFUSING)
        if action == "busy":
            self.play_tone("busy")
            self.start_timer(REFUSE_BUSY_MS, FxoIn.TIMEOUT, what="refused")
        elif action == "prompt" and player is not None:
            self.play(player)
            self.start_timer(REFUSE_PROMPT_MAX_MS, FxoIn.TIMEOUT, what="refused")
        else:
            self.start_timer(REFUSE_HANGUP_MS, FxoIn.TIMEOUT, what="refused")

    # -- the call side
    def offer(self, call: "Call") -> bool:
        if self.state != FxoState.IDLE or not self.usable:
            return False
        self.handle(FxoIn.OFFER, call=call)
        return True

    def cancel(self, call: "Call") -> None:
        self.handle(FxoIn.CANCEL, call=call)

    def answer_inbound(self, call: "Call") -> None:
        self.handle(FxoIn.ANSWER, call=call)

    def progress(self, call: "Call", kind: str) -> None:
        self.handle(FxoIn.PROGRESS, call=call, kind=kind)

    def far_hangup(self, call: "Call") -> None:
        self.handle(FxoIn.FAR_HANGUP, call=call)

    # -- helpers
    def _release(self) -> None:
        """Go on-hook and rest for the guard time."""
        self.cancel_timer()
        self.dialled = ""
        self.port.set_hook(False)
        self.ctl.switch.release(self.row)
        self._progress_detector(False)
        self.call = None
        self.cid = None
        self.set_state(FxoState.GUARD)
        self.start_timer(GUARD_MS, FxoIn.TIMEOUT, what="guard")

    def _far_end_gone(self) -> None:
        """The exchange says the far end hung up (busy tone, polarity or loop drop)."""
        call = self.call
        self._release()
        if call is not None:
            call.hangup(self)

    def _target_failed(self, reason: str) -> None:
        """An outbound attempt on this line failed: release it, then tell the call
        (which may try the next line)."""
        call = self.call
        self._release()
        if call is not None:
            call.target_failed(self, reason)

    def _disconnect_on(self, method: str) -> bool:
        d = self.setting("disconnect", "any")
        return d == "any" or d == method

    def _route_inbound(self) -> None:
        self.cancel_timer()
        self._listen_cid(False)
        msg = self.cid or {}
        self.set_state(FxoState.RINGING_IN)
        self._ring_off_timer()
        self.ctl.inbound_call(self, msg.get("number") or "", msg.get("name") or "")

    def _ring_off_timer(self) -> None:
        cad = self.ctl.profile.ring_cadence_ms
        gap = max(cad[1::2]) if len(cad) > 1 else 4000
        self.start_timer(gap + 2000, FxoIn.TIMEOUT, what="ring_off")

    # -- the transition function
    def handle(self, inp: FxoIn, **data: Any) -> None:
        s = self.state
        if inp == FxoIn.LINE_DOWN:
            if self.call is not None:
                self._far_end_gone()
            self.cancel_timer()
            self.set_state(FxoState.DOWN)
            return
        if s == FxoState.DOWN:
            if inp == FxoIn.LINE_UP:
                self._listen_cid(True)
                self.set_state(FxoState.IDLE)
            return

        if s == FxoState.IDLE:
            if inp == FxoIn.CALLER_ID:              # DTMF caller ID comes before the first ring
                self._pending_cid = (self.ctl.clock.ticks, data["message"])
            elif inp == FxoIn.RING_START and self.usable:
                self.cid = None
                if self._pending_cid and self.ctl.clock.ticks - self._pending_cid[0] < PENDING_CID_MS // 20:
                    self.cid = self._pending_cid[1]
                self._pending_cid = None
                self.start_tick = self.ctl.clock.ticks
                self.set_state(FxoState.RING_CID)
                if self.cid or self.setting("cid", "auto") == "none":
                    self._route_inbound()
                else:
                    self.start_timer(CID_WAIT_MS, FxoIn.TIMEOUT, what="cid")
            elif inp == FxoIn.OFFER:
                self.call = data["call"]
                self.dialled = self.call.number_for(self)
                self._listen_cid(False)
                self.ctl.switch.reset_dsp(self.row)
                self.port.set_hook(True)
                self._answered_by_polarity = False
                self._progress_detector(True)
                self.set_state(FxoState.SEIZING)
                self.start_timer(self.setting("dialtone_timeout_ms", 3000), FxoIn.TIMEOUT, what="dialtone")
            return

        if s == FxoState.RING_CID:
            if inp == FxoIn.CALLER_ID:
                self.cid = data["message"]
                self._route_inbound()
            elif inp == FxoIn.RING_START or (inp == FxoIn.TIMEOUT and data.get("what") == "cid"):
                self._route_inbound()                # second ring: no caller ID this time
            return

        if s in (FxoState.RINGING_IN, FxoState.REJECTED):
            if inp in (FxoIn.RING_START, FxoIn.RING_STOP):
                self._ring_off_timer()
            elif inp == FxoIn.TIMEOUT and data.get("what") == "ring_off":
                call, self.call = self.call, None
                self._listen_cid(True)
                self.set_state(FxoState.IDLE)
                if call is not None:
                    call.hangup(self)               # the outside caller gave up
            elif inp == FxoIn.ANSWER and data["call"] is self.call:
                self.cancel_timer()
                self.ctl.switch.reset_dsp(self.row)
                self.port.set_hook(True)
                self._progress_detector(True)
                self.set_state(FxoState.TALKING)
            elif inp == FxoIn.PROGRESS and data["call"] is self.call and \
                    data["kind"] in ("busy", "congestion", "ended"):
                self.call = None                     # nobody takes it: let it ring out unanswered
                self.set_state(FxoState.REJECTED)
            return

        if s == FxoState.SEIZING:
            if inp == FxoIn.TONE and data["name"] == "dialtone":
                self.set_state(FxoState.DIALING)
                self.start_timer(DIAL_DELAY_MS, FxoIn.TIMEOUT, what="dial")
            elif inp == FxoIn.TIMEOUT and data.get("what") == "dialtone":
                self.failures += 1
                self._target_failed("no_dialtone")
            elif inp in (FxoIn.CANCEL, FxoIn.FAR_HANGUP):
                self._release()
            elif inp == FxoIn.LOOP_LOSS:
                self._target_failed("no_dialtone")
            return

        if s == FxoState.DIALING:
            if inp == FxoIn.TIMEOUT and data.get("what") == "dial":
                self.play(DtmfPlayer(self.dialled))
            elif inp == FxoIn.DIALLED:
                self.set_state(FxoState.ALERTING)
                self.call.target_alerting(self, early_media=True)
                if self.setting("answer", "timer") == "timer":
                    self.start_timer(self.setting("answer_timer_ms", 0), FxoIn.TIMEOUT, what="answer")
            elif inp in (FxoIn.CANCEL, FxoIn.FAR_HANGUP):
                self._release()
            elif inp == FxoIn.TONE and data["name"] in ("busy", "congestion", "sit"):
                self._target_failed("congestion")
            return

        if s == FxoState.ALERTING:
            if (inp == FxoIn.TIMEOUT and data.get("what") == "answer") or \
                    (inp == FxoIn.POLARITY and self.setting("answer", "timer") == "polarity"):
                self._answered_by_polarity = inp == FxoIn.POLARITY
                self.cancel_timer()
                self.set_state(FxoState.TALKING)
                self.call.answered_by(self)
            elif inp == FxoIn.TONE and data["name"] in ("busy", "congestion", "sit"):
                self._target_failed("busy" if data["name"] == "busy" else "congestion")
            elif inp in (FxoIn.CANCEL, FxoIn.FAR_HANGUP):
                self._release()
            elif inp == FxoIn.LOOP_LOSS and self._disconnect_on("loop"):
                self._target_failed("congestion")
            return

        if s == FxoState.TALKING:
            if inp == FxoIn.FAR_HANGUP or (inp == FxoIn.PROGRESS and data["kind"] == "ended"):
                self._release()
            elif inp == FxoIn.TONE and data["name"] in ("busy", "congestion") and self._disconnect_on("busy"):
                self._far_end_gone()
            elif inp == FxoIn.POLARITY and self._disconnect_on("polarity"):
                self._far_end_gone()
            elif inp == FxoIn.LOOP_LOSS and self._disconnect_on("loop"):
                self._far_end_gone()
            return

        if s == FxoState.REFUSING:
            if inp == FxoIn.TIMEOUT and data.get("what") == "refused":
                self.stop_audio()
                self._release()
            return

        if s == FxoState.GUARD:
            if inp == FxoIn.TIMEOUT and data.get("what") == "guard":
                self._listen_cid(True)
                self.set_state(FxoState.IDLE)
            return

    def status(self) -> dict[str, Any]:
        d = super().status()
        d.update({"line": self.line.name if self.line else None,
                  "line_number": getattr(self.line, "number", "") if self.line else "",
                  "caller_id": self.cid, "failures": self.failures})
        return d
