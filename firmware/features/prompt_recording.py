"""Recording a prompt from a handset — how installers usually make greetings.

The installer dials the feature code ``record_prompt`` (default ``*77``) followed by the
prompt's number and ``#`` (``*77 1001 #``); the prompt is saved under that number as its
name (``1001``, in the box's language) and menus play it like any other prompt:

1. "record the prompt after the tone, then press the hash key", a beep;
2. recording until ``#`` (or ``MAX_RECORD_MS``; hanging up cancels);
3. the recording is played back, then "press one to save, two to record again, three to
   cancel" (asked up to ``MENU_TRIES`` times);
4. 1: saved (temp name, then renamed into place) — "prompt saved"; 2: again from 1; 3: not saved.

The recorder is an application B leg (:class:`PromptRecordLeg`, no port, like a
conference leg) of a call from the phone; one explicit state machine:
INTRO → RECORDING → PLAYBACK → MENU → (SAVED | INTRO | GONE).
"""
from __future__ import annotations

import enum
import logging
import re
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from firmware.calls.call import Call
from firmware.calls.plan import Branch, Stage
from firmware.channels.app import AppLeg
from firmware.engine.media import Player, SamplesPlayer, TonePlayer
from firmware.prompts import upload

if TYPE_CHECKING:
    from firmware.calls.control import CallControl
    from firmware.channels.base import Channel

log = logging.getLogger("hotline.prompts")

MAX_RECORD_MS = 120_000        #: longest prompt recorded from a handset
MENU_TIMEOUT_MS = 6000         #: wait for 1/2/3 after the menu prompt
MENU_TRIES = 3
BEEP = "!1000/300"
TRIM_MS = 200                  #: cut from the end: the # key's tone
MIN_MS = 300                   #: shorter recordings are not worth saving


class RecState(str, enum.Enum):
    INTRO = "intro"            #: the instruction and the beep
    RECORDING = "recording"
    PLAYBACK = "playback"      #: the recording played back
    MENU = "menu"              #: 1 save / 2 again / 3 cancel
    SAVED = "saved"            #: "prompt saved", then hang up
    GONE = "gone"


class RecIn(str, enum.Enum):
    ANSWERED = "answered"
    DIGIT = "digit"            #: data: d
    PLAYED = "played"          #: what was playing ended
    TIMEOUT = "timeout"
    HANGUP = "hangup"


class _Tap:
    """A switch tap keeping what one row says (its echo-cancelled audio), in memory."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.frames: list[np.ndarray] = []

    def tap(self, clean: np.ndarray, tx: np.ndarray) -> None:
        self.frames.append(clean[self.row].copy())

    def samples(self, trim_ms: int = 0) -> np.ndarray:
        keep = max(0, len(self.frames) - trim_ms // 20)
        return np.concatenate(self.frames[:keep]) if keep else np.zeros(0, np.int16)


class PromptRecordLeg(AppLeg):
    """Records prompt ``name`` from the calling phone."""

    tech = "PromptRec"

    def __init__(self, ctl: "CallControl", name: str) -> None:
        super().__init__(ctl, name, f"rec-{name}")
        self.prompt_name = name
        self.state = RecState.INTRO
        self.recorded: Optional[np.ndarray] = None
        self.saved_path: Optional[str] = None
        self.tries = 0
        self._tap: Optional[_Tap] = None

    @property
    def display_name(self) -> str:
        return "Prompt recording"

    # -- the channel's events as inputs
    def on_answered(self) -> None:
        self.handle(RecIn.ANSWERED)

    def on_hangup(self) -> None:
        self.handle(RecIn.HANGUP)

    def on_digit(self, d: str) -> None:
        self.handle(RecIn.DIGIT, d=d)

    def on_played(self) -> None:
        self.handle(RecIn.PLAYED)

    def on_timeout(self, what: str) -> None:
        self.handle(RecIn.TIMEOUT)

    # -- helpers
    def _say(self, *names: str, then_beep: bool = False) -> None:
        lib = self.ctl._prompt_library()
        try:
            if lib is None:
                raise LookupError("no prompt library")
            items: list[Any] = list(names)
            if then_beep:
                items.append(np.zeros(1, np.int16))
            player: Player = lib.player(*items, then=TonePlayer(BEEP, self.ctl.profile) if then_beep else None)
        except Exception as e:
            log.debug("prompt %s: %s", names, e)
            player = TonePlayer(BEEP if then_beep else "!450/200,!0/100,!450/200", self.ctl.profile)
        self.play(player)

    def _stop_tap(self) -> np.ndarray:
        tap, self._tap = self._tap, None
        if tap is None:
            return np.zeros(0, np.int16)
        self.ctl.switch.remove_tap(tap)
        return tap.samples(TRIM_MS)

    def _intro(self) -> None:
        self.state = RecState.INTRO
        self.tries = 0
        self._say("prompt_record", then_beep=True)

    def _menu(self) -> None:
        self.state = RecState.MENU
        self._say("prompt_save_menu")

    def _end(self) -> None:
        call = self.call
        self.state = RecState.GONE
        self.disarm()
        self._stop_tap()
        if call is not None:
            self.ctl.clock.call_later(0, lambda: call.hangup(self))

    # -- the transition function
    def handle(self, inp: RecIn, **data: Any) -> None:
        s = self.state
        if s == RecState.GONE:
            return
        if inp == RecIn.HANGUP:
            self.state = RecState.GONE
            self.disarm()
            self._stop_tap()                                  # hanging up never saves
            return
        if s == RecState.INTRO:
            if inp == RecIn.ANSWERED:
                self._intro()
            elif inp == RecIn.PLAYED and self.row_a is not None:
                self.state = RecState.RECORDING
                self._tap = _Tap(self.row_a)
                self.ctl.switch.add_tap(self._tap)
                self.arm(MAX_RECORD_MS)
            return
        if s == RecState.RECORDING:
            if (inp == RecIn.DIGIT and data["d"] == "#") or inp == RecIn.TIMEOUT:
                self.disarm()
                x = self._stop_tap()
                if x.size < MIN_MS * 8:
                    self._intro()                             # nothing recorded: again
                    return
                self.recorded = x
                self.state = RecState.PLAYBACK
                self.play(SamplesPlayer(x, name=f"recorded {self.prompt_name}"))
            return
        if s == RecState.PLAYBACK:
            if inp == RecIn.PLAYED or inp == RecIn.DIGIT:
                if inp == RecIn.DIGIT:
                    self.quiet()
                self._menu()
                if inp == RecIn.DIGIT:
                    self.handle(inp, **data)
            return
        if s == RecState.MENU:
            if inp == RecIn.PLAYED:
                self.arm(MENU_TIMEOUT_MS)
            elif inp == RecIn.TIMEOUT:
                self.tries += 1
                if self.tries >= MENU_TRIES:
                    self._end()
                else:
                    self._menu()
            elif inp == RecIn.DIGIT:
                self.disarm()
                self.quiet()
                d = data["d"]
                if d == "1":
                    lang = self.ctl.config.settings.get("language", "zh")
                    path = upload.save_samples(self.ctl.sounds_dir, lang, self.prompt_name, self.recorded)
                    self.saved_path = str(path)
                    log.info("prompt %s recorded from %s (%.1f s)", self.prompt_name,
                             self.call.src if self.call else "?", self.recorded.size / 8000)
                    self.ctl.publish("prompt.recorded", {"name": self.prompt_name, "language": lang,
                                                         "seconds": round(self.recorded.size / 8000, 2)})
                    self.state = RecState.SAVED
                    self._say("prompt_saved")
                elif d == "2":
                    self.recorded = None
                    self._intro()
                elif d == "3":
                    self._end()
                else:
                    self._menu()
            return
        if s == RecState.SAVED:
            if inp == RecIn.PLAYED:
                self._end()
            return

    def status(self) -> dict[str, Any]:
        return {"prompt": self.prompt_name, "state": self.state.value}


def start(ctl: "CallControl", chan: "Channel", arg: str) -> str:
    """The phone ``chan`` dialled the ``record_prompt`` code followed by ``arg`` (the
    prompt's number): a call to a :class:`PromptRecordLeg`.  Returns the feature outcome."""
    name = arg.rstrip("#")
    if not re.fullmatch(r"\d{1,16}", name or "") or ctl.sounds_dir is None:
        return "invalid"
    leg = PromptRecordLeg(ctl, name)
    call = Call(ctl, chan, dst=ctl.config.feature_code("record_prompt") + name, src=chan.number,
                caller_name=chan.display_name, direction="internal",
                stage=Stage([Branch([leg], f"record prompt {name}")], notes=[f"record prompt {name}"]),
                start=chan.call_start())
    ctl.start_call(call)
    return "picked_up"
