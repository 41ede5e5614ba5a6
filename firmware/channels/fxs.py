"""The FXS channel: an analog phone on a station port, as one explicit state machine.

Caller side: off-hook → dial tone → digits (DTMF tones or pulses; first-digit and
inter-digit timeouts; the dial plan decides when a number is complete) → the call is
placed; the phone hears ringback / busy / congestion → talk → hang-up. A flash while
talking holds the other party and gives a second dial tone; flash again returns to
them; hanging up with a party on hold rings the phone back (recall).

Called side: ringing with the country cadence and FSK caller ID between the first and
second ring → off-hook answers → talk. When the other party hangs up the phone hears
busy tone until it is hung up (after ``LOCKOUT_MS`` it goes quiet).
"""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Optional

from dsp.callerid import encode_fsk
from hal.ports import Ev, FxsPort, PortEvent

from firmware.channels.base import Channel
from firmware.routing.dialplan import Match, TargetKind

if TYPE_CHECKING:
    from firmware.calls.call import Call

LOCKOUT_MS = 60_000        #: busy/congestion tone this long, then silence until on-hook
PIN_ATTEMPTS = 3
#: Tone after a feature code (when no spoken prompt is installed): three short beeps.
CONFIRM_TONE = "!450/100,!0/100,!450/100,!0/100,!450/100,!0/600,450/500,0/4500"


class FxsState(str, enum.Enum):
    IDLE = "idle"                  #: on-hook, nothing going on
    DIALTONE = "dialtone"          #: off-hook, dial tone, no digit yet
    DIALING = "dialing"            #: collecting digits
    CALLING = "calling"            #: our call is being routed/alerting (ringback or early media)
    RINGING = "ringing"            #: a call is offered to this phone (bell ringing)
    TALKING = "talking"            #: in a call
    BUSY = "busy"                  #: hearing busy tone (callee busy / far end hung up)
    CONGESTION = "congestion"      #: hearing congestion (no such number, no line, not allowed)
    LOCKOUT = "lockout"            #: off-hook too long after a call: silence until on-hook
    RECALL = "recall"              #: hung up with a party on hold: ringing the phone back
    PIN = "pin"                    #: asked for the PIN (international call), collecting it
    FEATURE = "feature"            #: a feature code was dialled: hearing confirmation / invalid tone
    THREEWAY = "threeway"          #: three-way call: the held party, the consulted party and us


class FxsIn(str, enum.Enum):
    OFF_HOOK = "off_hook"
    ON_HOOK = "on_hook"
    FLASH = "flash"
    DIGIT = "digit"               #: data: digit
    TIMEOUT = "timeout"           #: data: what ("first_digit", "interdigit", "lockout")
    OFFER = "offer"               #: data: call (B side)
    CANCEL = "cancel"             #: data: call
    PROGRESS = "progress"         #: data: call, kind (A side)
    FAR_HANGUP = "far_hangup"     #: data: call (B side of an answered call)
    ORIGINATE = "originate"       #: data: number (ring this phone, then dial number)


class FxsChannel(Channel):
    State = FxsState
    tech = "FXS"
    port: FxsPort

    def __init__(self, ctl, port: FxsPort, extension: Optional[Any]) -> None:
        super().__init__(ctl, port)
        self.extension = extension          #: config Extension on this port (or None)
        self.digits = ""
        self.held: Optional["Call"] = None  #: a call put on hold by flash
        self._originate: Optional[str] = None
        self._pin = ""
        self._pin_attempts = 0
        self._threeway: Any = None          #: the switch conference of a three-way call

    # -- identity
    @property
    def number(self) -> str:
        return self.extension.number if self.extension else ""

    @property
    def display_name(self) -> str:
        return (self.extension.name if self.extension else "") or self.number

    def caller_identity(self) -> tuple[str, str]:
        return self.number, self.display_name

    # -- inputs from the switch
    def port_event(self, ev: PortEvent) -> None:
        if ev.kind == Ev.OFF_HOOK:
            self.handle(FxsIn.OFF_HOOK)
        elif ev.kind == Ev.ON_HOOK:
            self.handle(FxsIn.ON_HOOK)
        elif ev.kind == Ev.FLASH:
            self.handle(FxsIn.FLASH)
        elif ev.kind == Ev.PULSE_DIGIT:
            self.handle(FxsIn.DIGIT, digit=ev.data["digit"])

    def digit(self, d: str) -> None:
        self.handle(FxsIn.DIGIT, digit=d)

    # -- the call side
    def offer(self, call: "Call") -> bool:
        if self.state != FxsState.IDLE or self.extension is None:
            return False
        self.handle(FxsIn.OFFER, call=call)
        return True

    def cancel(self, call: "Call") -> None:
        self.handle(FxsIn.CANCEL, call=call)

    def progress(self, call: "Call", kind: str) -> None:
        self.handle(FxsIn.PROGRESS, call=call, kind=kind)

    def far_hangup(self, call: "Call") -> None:
        self.handle(FxsIn.FAR_HANGUP, call=call)

    def originate(self, number: str) -> None:
        """Ring this phone; when answered, call ``number`` from it."""
        self.handle(FxsIn.ORIGINATE, number=number)

    # -- helpers
    def _dialtone(self) -> None:
        self.digits = ""
        ext = self.extension
        vm = self.ctl.voicemail
        waiting = ext is not None and vm is not None and vm.waiting(ext.number)     # messages: stutter
        self.play_tone("stutter" if ext is not None and (ext.dnd or ext.cfu or waiting) else "dial")
        self.set_state(FxsState.DIALTONE)
        self.start_timer(self.ctl.setting("first_digit_timeout_ms"), FxsIn.TIMEOUT, what="first_digit")

    def _tone_state(self, tone: str, state: FxsState) -> None:
        self.play_tone(tone)
        self.set_state(state)
        self.start_timer(LOCKOUT_MS, FxsIn.TIMEOUT, what="lockout")

    def _place(self, pin_ok: bool = False) -> None:
        """The digits are a number (or never will be): place the call."""
        self.cancel_timer()
        self.stop_audio()
        number = self.digits.rstrip("#")
        look = self.ctl.dialplan.lookup(number + "#")
        if look.match == Match.COMPLETE and look.target.kind == TargetKind.FEATURE:
            self._feature(look.target.number, look.target.arg)
            return
        if number[:1] in ("*", "#"):
            self._feature_result("invalid")             # no such feature code
            return
        if not pin_ok and self.ctl.needs_pin(self, number):
            self._ask_pin()
            return
        self.set_state(FxsState.CALLING)
        linkedid = self.held.linkedid if self.held is not None else None
        self.ctl.place_call(self, number, linkedid=linkedid, pin_ok=pin_ok)

    def _check_digits(self) -> None:
        look = self.ctl.dialplan.lookup(self.digits)
        if look.match == Match.COMPLETE or look.match == Match.NONE:
            self._place()
        else:       # PARTIAL or AMBIGUOUS: wait for more
            self.start_timer(self.ctl.setting("interdigit_timeout_ms"), FxsIn.TIMEOUT, what="interdigit")

    # -- feature codes
    def _feature(self, name: str, arg: str) -> None:
        outcome = self.ctl.features.run(self, name, arg)
        if outcome == "picked_up":
            self.stop_audio()
            self.set_state(FxsState.TALKING)
            return
        self._feature_result(outcome)

    def _feature_result(self, outcome: str) -> None:
        """Confirmation (on/off) or the invalid / refused tone; then hang up."""
        if outcome in ("on", "off"):
            self.play(self.ctl.prompt("feature_on" if outcome == "on" else "feature_off", fallback=CONFIRM_TONE))
        else:
            self.play(self.ctl.prompt("not_allowed" if outcome == "refused" else "invalid_code", fallback="info",
                                      lead_tone=("info", 2400)))
        self.set_state(FxsState.FEATURE)
        self.start_timer(LOCKOUT_MS, FxsIn.TIMEOUT, what="lockout")

    # -- the PIN for international calls
    def _ask_pin(self, again: bool = False) -> None:
        self._pin = ""
        self.play(self.ctl.prompt("wrong_pin" if again else "enter_pin", fallback="!450/200,!0/200,!450/200"))
        self.set_state(FxsState.PIN)
        self.start_timer(self.ctl.setting("first_digit_timeout_ms"), FxsIn.TIMEOUT, what="pin")

    def _pin_digit(self, d: str) -> None:
        if d != "#":
            self._pin += d
            self.stop_audio()
            self.start_timer(self.ctl.setting("interdigit_timeout_ms"), FxsIn.TIMEOUT, what="pin")
            return
        ext = self.extension
        if ext is not None and ext.pin and self._pin == ext.pin:
            self._pin_attempts = 0
            self._place(pin_ok=True)
            return
        self._pin_attempts += 1
        self.ctl.tollguard.refuse(self.number, self.digits.rstrip("#"),
                                  f"wrong PIN for an international call (attempt {self._pin_attempts})")
        if self._pin_attempts >= PIN_ATTEMPTS:
            self._pin_attempts = 0
            self._tone_state("congestion", FxsState.CONGESTION)
        else:
            self._ask_pin(again=True)

    # -- transfer and three-way calling
    def _start_threeway(self) -> None:
        held, consult = self.held, self.call
        sw = self.ctl.switch
        conf = sw.conference(f"3way-{self.name}")
        for ch in (self, held.other(self), consult.other(self)):
            if ch is not None and ch.row is not None:
                sw.stop(ch.row)
                sw.conference_join(conf, ch.row)
        held.on_hold = False
        self._threeway = conf
        self.set_state(FxsState.THREEWAY)
        self.ctl.publish("call.threeway", {"by": self.number, "calls": [held.id, consult.id]})

    def _end_threeway(self) -> None:
        conf, self._threeway = self._threeway, None
        if conf is not None:
            for r in list(conf.members):
                self.ctl.switch.conference_leave(conf, r)

    def _release_line(self) -> None:
        """Phone hung up: end what it was part of and go idle."""
        self.cancel_timer()
        self.stop_audio()
        self.ctl.switch.isolate(self.row)
        call, self.call = self.call, None
        self._end_threeway()
        if self.held is not None and call is not None and call.state.value in ("alerting", "answered"):
            held, self.held = self.held, None
            self.ctl.transfer(self, held, call)
            self.digits = ""
            self.set_state(FxsState.IDLE)
            return
        if call is not None:
            call.hangup(self)
        if self.held is not None:
            self.port.ring(self.ctl.profile.ring_cadence_ms)      # recall: the held party waits
            self.set_state(FxsState.RECALL)
            return
        self.digits = ""
        self.set_state(FxsState.IDLE)

    def _resume_held(self) -> None:
        held, self.held = self.held, None
        self.cancel_timer()
        self.stop_audio()
        if self.call is not None:            # a consultation call in progress: drop it
            c, self.call = self.call, None
            c.hangup(self)
        self.call = held
        held.unhold(self)
        self.set_state(FxsState.TALKING)

    # -- the transition function
    def handle(self, inp: FxsIn, **data: Any) -> None:
        s = self.state
        if self.held is not None and data.get("call") is self.held and \
                (inp == FxsIn.FAR_HANGUP or (inp == FxsIn.PROGRESS and data["kind"] == "ended")):
            self.held = None                        # the party on hold left
            if s == FxsState.RECALL:
                self.port.stop_ring()
                self.set_state(FxsState.IDLE)
            elif s == FxsState.THREEWAY and self.call is not None:
                self._end_threeway()                # two of us left: a plain call again
                other = self.call.other(self)
                if other is not None:
                    self.call._bridge(self, other)
                self.set_state(FxsState.TALKING)
            return
        if inp == FxsIn.ON_HOOK:
            if s in (FxsState.IDLE, FxsState.RINGING, FxsState.RECALL):
                return
            self._release_line()
            return

        if s == FxsState.IDLE:
            if inp == FxsIn.OFF_HOOK:
                self.start_tick = self.ctl.clock.ticks
                self.ctl.switch.reset_dsp(self.row)
                self._dialtone()
            elif inp == FxsIn.ORIGINATE:
                self._originate = data["number"]
                self.set_state(FxsState.RINGING)
                self.port.ring(self.ctl.profile.ring_cadence_ms)
            elif inp == FxsIn.OFFER:
                call = data["call"]
                self.call = call
                self.set_state(FxsState.RINGING)
                self.port.ring(self.ctl.profile.ring_cadence_ms)
                self._send_caller_id(call)
            return

        if s == FxsState.RINGING:
            if inp == FxsIn.OFF_HOOK and self._originate is not None:
                # click-to-call: the phone answered, now it "dials" the number
                self.port.stop_ring()
                self.start_tick = self.ctl.clock.ticks
                self.ctl.switch.reset_dsp(self.row)
                self.digits, self._originate = self._originate, None
                self._place()
            elif inp == FxsIn.CANCEL and self._originate is not None:
                self.port.stop_ring()
                self._originate = None
                self.set_state(FxsState.IDLE)
            elif inp == FxsIn.OFF_HOOK:
                self.port.stop_ring()
                self.ctl.switch.reset_dsp(self.row)
                self.set_state(FxsState.TALKING)
                self.call.answered_by(self)
            elif inp == FxsIn.CANCEL and data["call"] is self.call:
                self.port.stop_ring()
                self.call = None
                self.set_state(FxsState.IDLE)
            return

        if s == FxsState.RECALL:
            if inp == FxsIn.OFF_HOOK:
                self.port.stop_ring()
                self._resume_held()
            return

        if s in (FxsState.DIALTONE, FxsState.DIALING):
            if inp == FxsIn.DIGIT:
                self.digits += data["digit"]
                if s == FxsState.DIALTONE:
                    self.stop_audio()
                    self.set_state(FxsState.DIALING)
                self._check_digits()
            elif inp == FxsIn.TIMEOUT:
                if data.get("what") == "interdigit" and self.digits:
                    self._place()
                else:
                    self._tone_state("congestion", FxsState.CONGESTION)
            elif inp == FxsIn.FLASH and self.held is not None:
                self._resume_held()
            return

        if s == FxsState.PIN:
            if inp == FxsIn.DIGIT:
                self._pin_digit(data["digit"])
            elif inp == FxsIn.TIMEOUT and data.get("what") == "pin":
                self._pin_digit("#")
            elif inp == FxsIn.FLASH and self.held is not None:
                self._resume_held()
            return

        if s == FxsState.THREEWAY:
            call = data.get("call")
            if inp in (FxsIn.FAR_HANGUP, FxsIn.PROGRESS) and call is self.call and \
                    (inp == FxsIn.FAR_HANGUP or data.get("kind") in ("ended", "busy", "congestion")):
                self.call = None                    # the consulted party left
                self._end_threeway()
                self._resume_held()
            elif inp == FxsIn.FLASH:                # drop the party added last
                self._end_threeway()
                self._resume_held()
            return

        if s == FxsState.CALLING:
            call = data.get("call")
            if inp == FxsIn.PROGRESS and call is self.call:
                kind = data["kind"]
                if kind == "ringback":
                    self.play_tone("ringback")
                elif kind == "early":
                    self.stop_audio()
                elif kind == "answered":
                    self.stop_audio()
                    self.set_state(FxsState.TALKING)
                elif kind == "busy":
                    self.call = None
                    self._tone_state("busy", FxsState.BUSY)
                elif kind in ("congestion", "ended"):
                    self.call = None
                    self._tone_state("congestion" if kind == "congestion" else "busy",
                                     FxsState.CONGESTION if kind == "congestion" else FxsState.BUSY)
            elif inp == FxsIn.FLASH and self.held is not None:
                self._resume_held()
            return

        if s == FxsState.TALKING:
            call = data.get("call")
            if inp == FxsIn.DIGIT and self.call is not None:
                self.call.digit(self, data["digit"])
            elif inp == FxsIn.FLASH and self.call is not None and self.held is not None:
                if self.ctl.setting("consult_flash") == "conference":
                    self._start_threeway()
                else:
                    self._resume_held()
            elif inp in (FxsIn.FAR_HANGUP, FxsIn.PROGRESS) and call is self.call and \
                    (inp == FxsIn.FAR_HANGUP or data.get("kind") in ("ended", "busy", "congestion")):
                self.call = None
                if self.held is not None:
                    # the consultation partner left: back to second dial tone, flash returns
                    self._dialtone()
                    return
                self._tone_state("busy", FxsState.BUSY)
            elif inp == FxsIn.FLASH and self.call is not None and self.held is None:
                self.held, self.call = self.call, None
                self.held.hold(self)
                self._dialtone()
            return

        if s in (FxsState.BUSY, FxsState.CONGESTION, FxsState.FEATURE):
            if inp == FxsIn.TIMEOUT and data.get("what") == "lockout":
                self.stop_audio()
                self.set_state(FxsState.LOCKOUT)
            elif inp == FxsIn.FLASH and self.held is not None:
                self._resume_held()
            return

        if s == FxsState.LOCKOUT:
            if inp == FxsIn.FLASH and self.held is not None:
                self._resume_held()
            return

    def _send_caller_id(self, call: "Call") -> None:
        """FSK caller ID on-hook, between the first and second ring (the port waits for
        the silence after the first burst)."""
        std = self.ctl.cid_standard
        if std in ("none", "dtmf"):
            return
        number = call.src or None
        name = call.caller_name or None
        samples = encode_fsk(number, name, when=self.ctl.local_time(), standard=std,
                             number_reason=None if number else "unavailable")
        self.port.send_onhook(samples)

    def status(self) -> dict[str, Any]:
        d = super().status()
        d.update({"extension": self.number, "digits": self.digits,
                  "held": self.held.id if self.held else None})
        return d
