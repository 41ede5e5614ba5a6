"""Leaving a message: the leg that answers for a mailbox, greets, beeps and records.

States (one transition function, :meth:`DepositLeg.handle`)::

    GREETING --played / #--> BEEP --played--> RECORDING --# / max length / silence--> GOODBYE --> GONE
        \\--0--> operator          \\--0--> operator      \\--hang-up: message saved--> GONE
    (mailbox full / disabled: "mailbox full", then GOODBYE)

The greeting is the mailbox's temporary greeting if recorded, else its busy or unavailable
greeting (by why the call came: busy / no answer), else the system prompt "extension
8 0 1 is busy / is not available, please leave a message after the tone".  ``0`` (during
the greeting, the beep or the message) hands the caller to ``settings.operator`` with
:meth:`Call.redirect`, keeping what was already recorded.  Messages shorter than
``MIN_MESSAGE_MS`` of sound are not kept (Asterisk's ``minsecs``); recording stops after
``SILENCE_MS`` of silence (``maxsilence``) and at the mailbox's ``max_message_s``.
"""
from __future__ import annotations

import enum
import logging
from typing import TYPE_CHECKING, Any

from firmware.voicemail.leg import BEEP, VoicemailLeg, LegIn

if TYPE_CHECKING:
    from firmware.voicemail.service import VoicemailService

log = logging.getLogger("hotline.voicemail")

MIN_MESSAGE_MS = 1000
SILENCE_MS = 10_000
KEY_TRIM_MS = 300            #: cut from the end of a message ended by a key (its DTMF tone)


class DepositState(str, enum.Enum):
    GREETING = "greeting"
    BEEP = "beep"
    RECORDING = "recording"
    GOODBYE = "goodbye"
    GONE = "gone"


class DepositLeg(VoicemailLeg):
    """Leaves one message in ``mailbox``; ``greeting`` is "busy" or "unavailable"."""

    def __init__(self, vm: "VoicemailService", mailbox: str, greeting: str = "unavailable") -> None:
        super().__init__(vm, mailbox)
        self.mailbox = mailbox
        self.greeting = greeting
        self.state = DepositState.GREETING
        self.saved: Any = None                 #: the Message once stored

    # -- helpers
    def _greet(self) -> None:
        vm = self.vm
        mb = vm.ctl.config.mailbox(self.mailbox)
        if mb is None or not mb.enabled or vm.is_full(self.mailbox):
            log.info("voicemail %s: %s, no message taken", self.mailbox,
                     "full" if mb is not None and mb.enabled else "no such mailbox")
            self.state = DepositState.GOODBYE
            self.say("mailbox_full", "goodbye", fallback="congestion")
            return
        path = vm.store.greeting(self.mailbox, "temp") or vm.store.greeting(self.mailbox, self.greeting)
        items: list[Any]
        if path is not None:
            items = [vm.read_audio(path)]
        elif mb.kind == "extension":
            lib = vm.ctl._prompt_library()
            digits = lib.digits(self.mailbox) if lib is not None else []
            items = ["extension", *digits, "is_busy" if self.greeting == "busy" else "is_not_available",
                     "please_leave_message"]
        else:
            items = ["please_leave_message"]
        if vm.ctl.config.settings.get("operator"):
            items.append("vm_press_0_operator")
        self.say(*items)

    def _start_recording(self) -> None:
        mb = self.ctl.config.mailbox(self.mailbox)
        self.state = DepositState.RECORDING
        tag = self.call.id if self.call is not None else "msg"
        self.start_recording(self.vm.store.temp_path(self.mailbox, tag), SILENCE_MS)
        self.arm((mb.max_message_s if mb is not None else 180) * 1000, "max_length")

    def _save(self, trim_ms: int = 0) -> None:
        """Stop recording and keep the message if it has enough sound (``trim_ms`` cut
        from the end: the key that ended it)."""
        self.disarm()
        rec = self.stop_recording(trim_ms)
        if rec is None:
            return
        if rec.voiced_ms < MIN_MESSAGE_MS:
            log.info("voicemail %s: message of %d ms too short, not kept", self.mailbox, rec.voiced_ms)
            try:
                rec.path.unlink()
            except FileNotFoundError:
                pass
            return
        call = self.call
        self.saved = self.vm.save_message(self.mailbox, rec.path, duration_ms=rec.ms,
                                          caller=call.src if call else "",
                                          caller_name=call.caller_name if call else "",
                                          call_id=call.id if call else "")

    def _operator(self) -> bool:
        op = self.ctl.config.settings.get("operator", "")
        call = self.call
        if not op or call is None:
            return False
        if self.state == DepositState.RECORDING:
            self._save(trim_ms=KEY_TRIM_MS)
        self.quiet()
        if call.redirect(self, op, note=f"voicemail {self.mailbox}: 0 for the operator"):
            self.state = DepositState.GONE
            self.disarm()
            return True
        return False

    def _goodbye(self) -> None:
        self.state = DepositState.GOODBYE
        self.say("goodbye", fallback="!450/300")

    # -- the transition function
    def handle(self, inp: LegIn, **data: Any) -> None:
        s = self.state
        if s == DepositState.GONE:
            return
        if inp == LegIn.HANGUP:
            self.state = DepositState.GONE
            if s == DepositState.RECORDING:
                self._save()
            self.disarm()
            self.stop_recording()
            return
        d = data.get("d")
        if s == DepositState.GREETING:
            if inp == LegIn.ANSWERED:
                self._greet()
            elif inp == LegIn.PLAYED or (inp == LegIn.DIGIT and d == "#"):
                self.state = DepositState.BEEP
                self.tone(BEEP)
            elif inp == LegIn.DIGIT and d == "0":
                self._operator()
            return
        if s == DepositState.BEEP:
            if inp == LegIn.PLAYED:
                self._start_recording()
            elif inp == LegIn.DIGIT and d == "0":
                self._operator()
            return
        if s == DepositState.RECORDING:
            if inp == LegIn.DIGIT and d == "#":
                self._save(trim_ms=KEY_TRIM_MS)
                self._goodbye()
            elif inp == LegIn.DIGIT and d == "0":
                if not self._operator():
                    self._goodbye()
            elif (inp == LegIn.TIMEOUT and data.get("what") == "max_length") or inp == LegIn.SILENCE:
                log.info("voicemail %s: recording ended (%s)", self.mailbox,
                         "silence" if inp == LegIn.SILENCE else "max length")
                self._save()
                self._goodbye()
            return
        if s == DepositState.GOODBYE:
            if inp == LegIn.PLAYED:
                self.state = DepositState.GONE
                self.hang_up()
            return

    def status(self) -> dict[str, Any]:
        return {"mailbox": self.mailbox, "state": self.state.value,
                "caller": self.call.src if self.call else "",
                "recorded_ms": self.recording.ms if self.recording else 0}
