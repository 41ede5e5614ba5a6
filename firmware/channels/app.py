"""Application legs: channels without a port (IVR, voicemail, queue, conference, survey,
prompt recording, supervision, test call).

An application leg is one side of a call whose other side is a real channel (a phone or a
line). It has no row of its own (``row`` None): it plays to and listens on the caller's row
(``call.a.row``, :attr:`AppLeg.row_a`). :class:`AppLeg` answers what a call asks of any
channel, once, and turns it into a few hooks the subclass maps onto its own state machine's
inputs (each subclass keeps one ``handle(inp, **data)`` transition function):

* :meth:`AppLeg.on_answered` — the call is connected to us;
* :meth:`AppLeg.on_hangup` — the caller hung up, the call was cancelled or ended;
* :meth:`AppLeg.on_digit` — the caller pressed a key;
* :meth:`AppLeg.on_played` — what :meth:`AppLeg.play` started has ended (not when it was
  replaced or stopped);
* :meth:`AppLeg.on_timeout` — the timer set with :meth:`AppLeg.arm` ran out.
"""
from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, Optional

from hal.clock import Timer

from firmware.engine.media import Player, TonePlayer

if TYPE_CHECKING:
    from firmware.calls.call import Call
    from firmware.calls.control import CallControl


class AppLeg:
    """Base of the application legs: the channel interface, prompts that say when they are
    done, one timer, and hanging up from our side."""

    tech = "App"
    row = None

    def __init__(self, ctl: "CallControl", label: str, name: str) -> None:
        self.ctl = ctl
        self.label = label                 #: the number the caller reached (channel ``tech/label``)
        self.name = name
        self.call: Optional["Call"] = None
        self._timer: Optional[Timer] = None
        self._gen = 0                      #: which :meth:`play` still counts when it ends

    # -- identity
    @property
    def channel_id(self) -> str:
        """Asterisk-style channel name in CDRs: ``IVR/500``."""
        return f"{self.tech}/{self.label}"

    @property
    def number(self) -> str:
        return self.label

    @property
    def display_name(self) -> str:
        return self.label

    def caller_identity(self) -> tuple[str, str]:
        return self.number, self.display_name

    @property
    def row_a(self) -> Optional[int]:
        """The caller's row (what we play to and hear), None without a call."""
        return self.call.a.row if self.call is not None else None

    def call_start(self) -> _dt.datetime:
        return self.ctl.clock.wall_time()

    # -- what a call asks of a channel
    def offer(self, call: "Call") -> bool:
        """A call for us: answered at the next tick."""
        self.call = call
        self.ctl.clock.call_later(0, lambda: call.answered_by(self))
        return True

    def cancel(self, call: "Call") -> None:
        self.on_hangup()

    def far_hangup(self, call: "Call") -> None:
        self.on_hangup()

    def progress(self, call: "Call", kind: str) -> None:
        if kind == "ended":
            self.on_hangup()

    def answer_inbound(self, call: "Call") -> None:
        pass

    def party_digit(self, call: "Call", chan: Any, d: str) -> None:
        self.on_digit(d)

    def connected(self, call: "Call") -> None:
        self.on_answered()

    def player_done(self, player: Any) -> None:
        pass

    def recall_channel(self) -> None:
        return None

    # -- hooks (the subclass turns them into inputs of its state machine)
    def on_answered(self) -> None:
        pass

    def on_hangup(self) -> None:
        pass

    def on_digit(self, d: str) -> None:
        pass

    def on_played(self) -> None:
        pass

    def on_timeout(self, what: str) -> None:
        pass

    # -- audio to the caller
    def play(self, player: Player) -> Optional[Player]:
        """Play ``player`` to the caller (replacing what plays); :meth:`on_played` at the
        tick after it ends, unless something else was played or :meth:`quiet` came first."""
        self._gen += 1
        gen = self._gen
        row = self.row_a
        if row is None:
            return None
        player.on_done = lambda: self.ctl.clock.call_later(0, lambda: self._played(gen))
        return self.ctl.switch.play(row, player)

    def nothing_to_play(self) -> None:
        """As :meth:`play` with nothing to say: :meth:`on_played` at the next tick."""
        self._gen += 1
        gen = self._gen
        self.ctl.clock.call_later(0, lambda: self._played(gen))

    def tone(self, spec: str) -> None:
        """Play a tone spec (``!1000/400``, or a country tone name) to the caller."""
        self.play(TonePlayer(spec, self.ctl.profile))

    def quiet(self) -> None:
        """Stop what plays to the caller (a key was pressed); no :meth:`on_played`."""
        self._gen += 1
        if self.row_a is not None:
            self.ctl.switch.stop(self.row_a)

    def _played(self, gen: int) -> None:
        if gen == self._gen:
            self.on_played()

    # -- one timer
    def arm(self, ms: int, what: str = "") -> None:
        """(Re)start the timer: :meth:`on_timeout` with ``what`` after ``ms`` milliseconds."""
        self.disarm()
        self._timer = self.ctl.clock.call_later(ms, lambda: self.on_timeout(what))

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- ending
    def hang_up(self) -> None:
        """End the caller's call from our side."""
        if self.call is not None:
            self.call.hangup(self)
