"""What the deposit and retrieval legs share on top of :class:`firmware.channels.app.AppLeg`
(the channel interface of an application leg, prompts that say when they are done, one
timer): the inputs both legs use (:data:`LegIn`), prompts said from the library, and
recording what the caller says.

Every event becomes an input of the subclass's one transition function ``handle(inp, **data)``.
"""
from __future__ import annotations

import enum
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from firmware.channels.app import AppLeg
from firmware.engine.media import Player, SamplesPlayer, TonePlayer, write_wav

if TYPE_CHECKING:
    from firmware.voicemail.service import VoicemailService

log = logging.getLogger("hotline.voicemail")

BEEP = "!1000/400"                 #: "record after the tone"
SILENCE_RMS = 60                   #: a 20 ms frame quieter than this (int16 RMS, about -55 dBFS) is silence


class LegIn(str, enum.Enum):
    ANSWERED = "answered"
    DIGIT = "digit"              #: data: d
    PLAYED = "played"            #: the prompt / message that was playing ended
    TIMEOUT = "timeout"          #: data: what
    SILENCE = "silence"          #: the caller said nothing for the silence limit while recording
    HANGUP = "hangup"


class Recording:
    """What the caller says (their row's echo-cancelled audio), kept in memory and written
    as a WAV at :meth:`stop` (temp name, then renamed: ``write_wav``).  A switch tap: it
    also measures the silence at the end, and tells the leg (``LegIn.SILENCE``) once the
    caller has been quiet for ``silence_ms``.  ``trim_ms`` is cut from the end at stop
    (the # key that ended it)."""

    def __init__(self, leg: "VoicemailLeg", path: Path, silence_ms: int) -> None:
        self.leg = leg
        self.path = path
        self.row = leg.row_a
        self.silence_ms = silence_ms
        self._frames: list[np.ndarray] = []
        self.quiet_frames = 0                  #: frames of silence at the end so far
        self._told = False
        leg.ctl.switch.add_tap(self)

    @property
    def frames(self) -> int:
        return len(self._frames)

    @property
    def ms(self) -> int:
        return self.frames * 20

    @property
    def voiced_ms(self) -> int:
        """Length without the silence at its end."""
        return (self.frames - self.quiet_frames) * 20

    def tap(self, clean: np.ndarray, tx: np.ndarray) -> None:
        if self.row is None:
            return
        frame = clean[self.row].copy()
        self._frames.append(frame)
        rms = float(np.sqrt(np.mean(frame.astype(np.float64) ** 2)))
        self.quiet_frames = self.quiet_frames + 1 if rms < SILENCE_RMS else 0
        if not self._told and self.quiet_frames * 20 >= self.silence_ms:
            self._told = True
            self.leg.ctl.clock.call_later(0, lambda: self.leg.handle(LegIn.SILENCE))

    def stop(self, trim_ms: int = 0) -> Path:
        """Stop and write the file; ``trim_ms`` (and trailing silence beyond 1 s) cut off."""
        self.leg.ctl.switch.remove_tap(self)
        keep = max(0, self.frames - trim_ms // 20)
        if self.quiet_frames > 50:
            keep = min(keep, self.frames - self.quiet_frames + 50)
        data = np.concatenate(self._frames[:keep]) if keep else np.zeros(0, np.int16)
        self._frames = self._frames[:keep]
        write_wav(self.path, data)
        return self.path


class VoicemailLeg(AppLeg):
    """Base of the voicemail legs (the B side of the caller's call, without a port)."""

    tech = "VM"

    def __init__(self, vm: "VoicemailService", label: str) -> None:
        super().__init__(vm.ctl, label, f"vm{label}")
        self.vm = vm
        self.recording: Optional[Recording] = None

    @property
    def display_name(self) -> str:
        return "Voicemail"

    # -- the channel's events as inputs
    def on_answered(self) -> None:
        self.handle(LegIn.ANSWERED)

    def on_hangup(self) -> None:
        self.handle(LegIn.HANGUP)

    def on_digit(self, d: str) -> None:
        self.handle(LegIn.DIGIT, d=d)

    def on_played(self) -> None:
        self.handle(LegIn.PLAYED)

    def on_timeout(self, what: str) -> None:
        self.handle(LegIn.TIMEOUT, what=what)

    def handle(self, inp: LegIn, **data: Any) -> None:     # pragma: no cover - abstract
        raise NotImplementedError

    # -- audio
    def say(self, *items: Any, fallback: str = "!450/200") -> None:
        """Play prompt names / sample arrays to the caller; PLAYED when done."""
        lib = self.ctl._prompt_library()
        player: Optional[Player] = None
        if lib is not None:
            try:
                player = lib.player(*items)
            except Exception as e:                       # a prompt is missing: say what we can
                log.warning("voicemail prompt %s: %s", items, e)
        if player is None:
            audio = [np.asarray(i, np.int16) for i in items if not isinstance(i, str)]
            player = SamplesPlayer(np.concatenate(audio), name="message") if audio else \
                TonePlayer(fallback, self.ctl.profile)
        self.play(player)

    # -- recording
    def start_recording(self, path: Path, silence_ms: int = 10_000) -> Recording:
        self.recording = Recording(self, path, silence_ms)
        return self.recording

    def stop_recording(self, trim_ms: int = 0) -> Optional[Recording]:
        rec, self.recording = self.recording, None
        if rec is not None:
            rec.stop(trim_ms)
        return rec
