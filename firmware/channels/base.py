"""What every channel (a port's call logic) shares: identity, a state-change hook, one
state timer, and the audio helpers that go through the switch.

A channel is an explicit state machine: ``State`` is an enum, ``handle(inp, **data)`` is
the one transition function; everything else (port events, digits, tones, call
requests) is turned into an input and passed to ``handle``.
"""
from __future__ import annotations

import datetime as _dt
import enum
import logging
from typing import TYPE_CHECKING, Any, Optional

from hal.clock import Timer
from hal.ports import Port

from firmware.engine.media import Player, TonePlayer

if TYPE_CHECKING:
    from firmware.calls.call import Call
    from firmware.calls.control import CallControl

log = logging.getLogger("hotline.channels")


class Channel:
    """Base class. Subclasses set ``State`` and implement ``handle``."""

    State: type[enum.Enum]
    tech = "?"

    def __init__(self, ctl: "CallControl", port: Port) -> None:
        self.ctl = ctl
        self.port = port
        self.name = port.name
        self.row = port.row
        self.state = self.State(list(self.State)[0].value)
        self.call: Optional["Call"] = None
        self.since_tick = ctl.clock.ticks
        self._timer: Optional[Timer] = None
        self._timer_gen = 0
        self.start_tick: Optional[int] = None     #: tick the current activity began

    # -- identity
    @property
    def channel_id(self) -> str:
        """Asterisk-style channel name used in CDRs: ``FXS/fxs1``."""
        return f"{self.tech}/{self.name}"

    def call_start(self):
        """Wall time the current call began on this channel (CDR ``start``): when the
        phone went off-hook / the line started ringing; now if unknown."""
        t = self.start_tick
        return self.ctl.clock.wall_time() if t is None else \
            self.ctl.clock.epoch + _dt.timedelta(milliseconds=20 * t)

    @property
    def idle(self) -> bool:
        return self.state == list(self.State)[0]

    # -- state
    def set_state(self, state: enum.Enum) -> None:
        if state != self.state:
            old = self.state
            self.state = state
            self.since_tick = self.ctl.clock.ticks
            log.debug("%s: %s -> %s", self.name, old.value, state.value)
            self.ctl.publish("port.state", {"port": self.name, "state": state.value,
                                            "from": old.value})

    def handle(self, inp: enum.Enum, **data: Any) -> None:   # pragma: no cover - abstract
        raise NotImplementedError

    # -- the state timer (one per channel; restarting it cancels the previous one)
    def start_timer(self, ms: float, inp: enum.Enum, **data: Any) -> None:
        self.cancel_timer()
        self._timer_gen += 1
        gen = self._timer_gen

        def fire() -> None:
            if gen == self._timer_gen:
                self._timer = None
                self.handle(inp, **data)
        self._timer = self.ctl.clock.call_later(ms, fire)

    def cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_gen += 1

    # -- audio (through the switch)
    def play_tone(self, name: str) -> Player:
        """Play a country tone (``dial``, ``busy``, ``ringback``, ``congestion``...)."""
        return self.ctl.switch.play(self.row, TonePlayer(name, self.ctl.profile))

    def play(self, player: Player) -> Player:
        return self.ctl.switch.play(self.row, player)

    def stop_audio(self) -> None:
        self.ctl.switch.stop(self.row)

    def status(self) -> dict[str, Any]:
        d = self.port.status()
        d.update({"state": self.state.value,
                  "since_s": round((self.ctl.clock.ticks - self.since_tick) * 0.02, 1),
                  "call": self.call.id if self.call else None})
        return d

    # -- the call side, implemented by subclasses
    def offer(self, call: "Call") -> bool:
        """Ring / seize for ``call`` as its B side. False if this channel cannot take it now."""
        raise NotImplementedError

    def cancel(self, call: "Call") -> None:
        """``call`` no longer wants this channel (answered elsewhere, caller gave up...)."""
        raise NotImplementedError

    def progress(self, call: "Call", kind: str) -> None:
        """A-side news of ``call``: 'ringback', 'early', 'busy', 'congestion', 'answered',
        'ended' (the far end hung up)."""
        raise NotImplementedError

    def answer_inbound(self, call: "Call") -> None:
        """A-side: a B channel answered ``call`` (FXO: now take the line off-hook)."""

    def far_hangup(self, call: "Call") -> None:
        """B-side: the other party of the answered ``call`` hung up."""
        raise NotImplementedError

    def connected(self, call: "Call") -> None:
        """B-side: ``call`` is now answered by this channel and bridged."""

    def party_digit(self, call: "Call", chan: "Channel", d: str) -> None:
        """The other party of ``call`` pressed ``d`` (applications react to it)."""

    def recall_channel(self) -> Optional["Channel"]:
        """Who rings back when a blind transfer by this channel is not answered."""
        return self

    def caller_identity(self) -> tuple[str, str]:
        """(number, name) this channel shows as a caller (after a transfer, say)."""
        return "", ""

    def player_done(self, player: Player) -> None:
        """A player on this channel's row finished."""
        if self.call is not None:
            self.call.player_done(self.row, player)
