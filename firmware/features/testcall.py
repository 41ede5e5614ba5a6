"""Test call (setup wizard): ring one extension from "Hotline" (number 0); when answered,
play a short greeting that reads the extension's number, then hang up.

The box's side of the call is :class:`TestCallLeg`, an application A leg without audio of
its own (like the queue's legs): the phone is the B side, rung directly (no forwarding, no
do-not-disturb: the installer wants to hear *this* phone ring). The call leaves a CDR like
any other (src 0, direction internal, note "test call").
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from firmware.calls.call import Call, CallState
from firmware.calls.plan import Branch, Stage
from firmware.channels.app import AppLeg
from firmware.engine.media import Player, TonePlayer

if TYPE_CHECKING:
    from firmware.calls.control import CallControl

CALLER_NUMBER = "0"
CALLER_NAME = "Hotline"
#: three short beeps when no prompts are installed
FALLBACK_TONES = "!1000/400,!0/200,!1000/400,!0/200,!1000/400,!0/300"
POLL_MS = 200             #: how often the leg looks whether the greeting ended
MAX_PLAY_MS = 20_000      #: hang up after this even if the greeting did not end


class TestCallLeg(AppLeg):
    """The box's end of a test call (the calling side: it rings the extension)."""
    tech = "Test"
    number = CALLER_NUMBER
    display_name = CALLER_NAME

    def __init__(self, ctl: "CallControl", extension: str) -> None:
        super().__init__(ctl, extension, f"test{extension}")
        self.extension_number = extension
        self.start_tick: Optional[int] = None
        self.player: Optional[Player] = None
        self.outcome = ""             #: "", "answered", "no_answer", "busy", "failed"

    # -- what a call asks of its A side
    def progress(self, call: Call, kind: str) -> None:
        if kind == "answered":
            self.outcome = "answered"
            self.ctl.clock.call_later(0, lambda: self._greet(call))
        elif kind in ("busy", "congestion", "ended") and not self.outcome:
            self.outcome = "no_answer" if call.disposition == "NO ANSWER" else \
                ("busy" if call.disposition == "BUSY" else "failed")

    # -- the greeting
    def greeting(self) -> Player:
        lib = self.ctl._prompt_library()
        if lib is not None:
            try:
                return lib.player("welcome", "extension", *lib.digits(self.extension_number), "thank_you")
            except Exception:                       # prompts not installed: beeps
                pass
        return TonePlayer(FALLBACK_TONES, self.ctl.profile)

    def _greet(self, call: Call) -> None:
        b = call.b
        if call.state != CallState.ANSWERED or b is None or b.row is None:
            return
        self.player = self.ctl.switch.play(b.row, self.greeting())
        call.notes.append("test call: greeting played")
        self._watch(call, MAX_PLAY_MS)

    def _watch(self, call: Call, left_ms: int) -> None:
        if call.state != CallState.ANSWERED:
            return
        if (self.player is not None and self.player.done) or left_ms <= 0:
            call.hangup(self)                        # the box hangs up: the phone hears it ended
            return
        self.ctl.clock.call_later(POLL_MS, lambda: self._watch(call, left_ms - POLL_MS))


def start_test_call(ctl: "CallControl", extension: str) -> dict[str, Any]:
    """Ring ``extension`` now. Returns ``{"ringing": True, "call": id, ...}``, or
    ``{"ringing": False, "reason": "<plain words>"}`` when its phone cannot ring."""
    ext = ctl.config.extension(extension)
    if ext is None:
        return {"ringing": False, "reason": f"there is no extension {extension}"}
    if not ext.enabled:
        return {"ringing": False, "reason": f"extension {extension} is disabled"}
    if ext.kind == "fxs":
        ch = ctl.port_channel(ext.port) if ext.port else None
        if ch is None:
            return {"ringing": False, "reason": f"extension {extension} has no phone port"}
        if not ch.idle:
            port = getattr(ch, "port", None)
            hook = "off the hook" if getattr(port, "off_hook", False) else "in use"
            return {"ringing": False, "reason": f"the phone of extension {extension} ({ext.port}) is busy: "
                                                f"{hook} ({ch.state.value})"}
    else:
        if ctl.sip is None:
            return {"ringing": False, "reason": f"extension {extension} is a SIP phone and SIP is off on this box"}
        ch = ctl.extension_channel(extension)
        if ch is None:
            registered = bool(ctl.sip.bindings(extension)) if hasattr(ctl.sip, "bindings") else False
            return {"ringing": False, "reason": f"the SIP phone of extension {extension} is "
                                                + ("busy" if registered else "not registered")}
    leg = TestCallLeg(ctl, extension)
    stage = Stage([Branch([ch], extension)], ring_ms=ctl.setting("ring_timeout_ms"), notes=["test call"])
    call = Call(ctl, leg, dst=extension, src=CALLER_NUMBER, caller_name=CALLER_NAME, direction="internal",
                stage=stage)
    leg.call = call
    ctl.start_call(call)
    if call.state == CallState.ENDED or ch not in call.offered:
        return {"ringing": False, "call": call.id,
                "reason": f"the phone of extension {extension} did not take the call ({call.disposition or 'busy'})"}
    return {"ringing": True, "call": call.id, "extension": extension, "port": getattr(ch, "name", "")}
