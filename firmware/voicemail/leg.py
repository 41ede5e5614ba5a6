"""What the deposit and retrieval legs share: the channel interface a call offers to an
application B leg (template: firmware.features.conference.ConferenceLeg), prompts that
say when they are done, timers, and recording what the caller says.

A leg has no port (``row`` None): it plays to and records from the caller's row
(``call.a.row``).  Every event becomes an input of the subclass's one transition
function ``handle(inp, **data)``; :data:`LegIn` lists the inputs both legs use.
"""
from __future__ import annotations

import enum
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

import numpy as np

from firmware.engine.media import Player, SamplesPlayer, TonePlayer, write_wav

if TYPE_CHECKING:
    from firmware.calls.call import Call
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


class _Watched(Player):
    """Plays ``inner`` and calls ``fn`` (at the next tick) when it ends."""

    def __init__(self, inner: Player, fn: Callable[[], None], clock: Any) -> None:
        self.inner = inner
        self.fn = fn
        self.clock = clock

    def read_into(self, out: np.ndarray) -> None:
        self.inner.read_into(out)
        if self.inner.done and not self.done:
            self.done = True
            self.clock.call_later(0, self.fn)

    def describe(self) -> str:
        return self.inner.describe()


class Recording:
    """What the caller says (their row's echo-cancelled audio), kept in memory and written
    as a WAV at :meth:`stop` (temp name, then renamed: ``write_wav``).  A switch tap: it
    also measures the silence at the end, and tells the leg (``LegIn.SILENCE``) once the
    caller has been quiet for ``silence_ms``.  ``trim_ms`` is cut from the end at stop
    (the # key that ended it)."""

    def __init__(self, leg: "AppLeg", path: Path, silence_ms: int) -> None:
        self.leg = leg
        self.path = path
        self.row = leg.row_a
        self.silence_ms = silence_ms
        self._frames: list[np.ndarray] = []
        self.quiet_frames = 0                  #: frames of silence at the end so far
        self._told = False
        leg.vm.ctl.switch.add_tap(self)

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
            self.leg.vm.ctl.clock.call_later(0, lambda: self.leg.handle(LegIn.SILENCE))

    def stop(self, trim_ms: int = 0) -> Path:
        """Stop and write the file; ``trim_ms`` (and trailing silence beyond 1 s) cut off."""
        self.leg.vm.ctl.switch.remove_tap(self)
        keep = max(0, self.frames - trim_ms // 20)
        if self.quiet_frames > 50:
            keep = min(keep, self.frames - self.quiet_frames + 50)
        data = np.concatenate(self._frames[:keep]) if keep else np.zeros(0, np.int16)
        self._frames = self._frames[:keep]
        write_wav(self.path, data)
        return self.path


class AppLeg:
    """Base of the voicemail legs (the B side of the caller's call, without a port)."""

    tech = "VM"
    row = None

    def __init__(self, vm: "VoicemailService", label: str) -> None:
        self.vm = vm
        self.name = f"vm{label}"
        self.label = label
        self.call: Optional["Call"] = None
        self.recording: Optional[Recording] = None
        self._timer: Any = None
        self._gen = 0                      #: which prompt's "done" still counts

    # -- channel interface used by Call
    @property
    def channel_id(self) -> str:
        return f"VM/{self.label}"

    @property
    def number(self) -> str:
        return self.label

    def caller_identity(self) -> tuple[str, str]:
        return self.label, "Voicemail"

    @property
    def row_a(self) -> Optional[int]:
        return self.call.a.row if self.call is not None else None

    def offer(self, call: "Call") -> bool:
        self.call = call
        self.vm.ctl.clock.call_later(0, lambda: call.answered_by(self))
        return True

    def cancel(self, call: "Call") -> None:
        self.handle(LegIn.HANGUP)

    def far_hangup(self, call: "Call") -> None:
        self.handle(LegIn.HANGUP)

    def progress(self, call: "Call", kind: str) -> None:
        if kind == "ended":
            self.handle(LegIn.HANGUP)

    def answer_inbound(self, call: "Call") -> None:
        pass

    def party_digit(self, call: "Call", chan: Any, d: str) -> None:
        self.handle(LegIn.DIGIT, d=d)

    def connected(self, call: "Call") -> None:
        self.handle(LegIn.ANSWERED)

    def player_done(self, player: Any) -> None:
        pass

    def handle(self, inp: LegIn, **data: Any) -> None:     # pragma: no cover - abstract
        raise NotImplementedError

    # -- audio
    def say(self, *items: Any, fallback: str = "!450/200") -> None:
        """Play prompt names / sample arrays to the caller; PLAYED when done."""
        lib = self.vm.ctl._prompt_library()
        player: Optional[Player] = None
        if lib is not None:
            try:
                player = lib.player(*items)
            except Exception as e:                       # a prompt is missing: say what we can
                log.warning("voicemail prompt %s: %s", items, e)
        if player is None:
            audio = [np.asarray(i, np.int16) for i in items if not isinstance(i, str)]
            player = SamplesPlayer(np.concatenate(audio), name="message") if audio else \
                TonePlayer(fallback, self.vm.ctl.profile)
        self.play(player)

    def tone(self, spec: str) -> None:
        self.play(TonePlayer(spec, self.vm.ctl.profile))

    def play(self, player: Player) -> None:
        self._gen += 1
        gen = self._gen
        row = self.row_a
        if row is None:
            return
        self.vm.ctl.switch.play(row, _Watched(player, lambda: self._played(gen), self.vm.ctl.clock))

    def _played(self, gen: int) -> None:
        if gen == self._gen:
            self.handle(LegIn.PLAYED)

    def quiet(self) -> None:
        """Stop what is playing (a key was pressed)."""
        self._gen += 1
        if self.row_a is not None:
            self.vm.ctl.switch.stop(self.row_a)

    # -- timers
    def arm(self, ms: int, what: str = "") -> None:
        self.disarm()
        self._timer = self.vm.ctl.clock.call_later(ms, lambda: self.handle(LegIn.TIMEOUT, what=what))

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- recording
    def start_recording(self, path: Path, silence_ms: int = 10_000) -> Recording:
        self.recording = Recording(self, path, silence_ms)
        return self.recording

    def stop_recording(self, trim_ms: int = 0) -> Optional[Recording]:
        rec, self.recording = self.recording, None
        if rec is not None:
            rec.stop(trim_ms)
        return rec

    def hang_up(self) -> None:
        """End the caller's call from our side."""
        call = self.call
        if call is not None:
            call.hangup(self)
