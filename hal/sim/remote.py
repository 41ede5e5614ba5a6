"""A party on the far side of the simulated exchange (someone calling in, or called).

States (``RemoteState``): ``idle`` (no call), ``ringing_out`` (the remote called the
box and hears ringback while the FXO line rings), ``ringing_in`` (the box dialled the
remote and its phone rings), ``talking``, ``ended`` (``reason`` says why: "hangup"
(the remote hung up), "far_hangup" (the box released), "busy", "rejected",
"line_down", "gave_up").
"""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Optional

from hal.sim.audio import Ear, Mouth, Voice

if TYPE_CHECKING:
    from hal.sim.exchange import SimLine


class RemoteState(str, enum.Enum):
    IDLE = "idle"
    RINGING_OUT = "ringing_out"
    RINGING_IN = "ringing_in"
    TALKING = "talking"
    ENDED = "ended"


ACTIVE_STATES = (RemoteState.RINGING_OUT, RemoteState.RINGING_IN, RemoteState.TALKING)


class SimRemote(Voice):
    """The far party ``id`` (``r1``, ``r2``...) with telephone ``number``.

    ``behaviour`` (for subscribers the box dials): "answer" (after ``answer_after_ms``;
    None = only when :meth:`answer` is called), "no_answer", "busy", "unobtainable".
    """

    def __init__(self, rid: str, number: str, name: Optional[str] = None,
                 country: str = "cn", behaviour: str = "answer",
                 answer_after_ms: Optional[int] = 2000) -> None:
        self.id = rid
        self.number = number
        self.name = name
        self.behaviour = behaviour
        self.answer_after_ms = answer_after_ms
        self.state = RemoteState.IDLE
        self.reason: Optional[str] = None
        self.line: Optional["SimLine"] = None
        self.mouth = Mouth(country)
        self.ear = Ear(country)
        self.calls = 0

    # ------------------------------------------------------------------ actions
    def answer(self) -> None:
        """Pick up: only while the remote's phone rings (``ringing_in``)."""
        if self.state != RemoteState.RINGING_IN or self.line is None:
            raise ValueError(f"remote {self.id} cannot answer: it is {self.state.value}, "
                             f"not ringing_in")
        self.line._event("remote_answer")

    def hangup(self) -> None:
        """Hang up (or give up calling, or decline). No effect without an active call."""
        if self.state in ACTIVE_STATES and self.line is not None:
            self.line._event("remote_hangup")

    @property
    def in_call(self) -> bool:
        return self.state in ACTIVE_STATES

    # ------------------------------------------------------------------ driven by the line
    def _set_state(self, state: RemoteState, reason: Optional[str] = None,
                   line: Optional["SimLine"] = None) -> None:
        if state in (RemoteState.RINGING_OUT, RemoteState.RINGING_IN):
            self.ear.reset()
            self.calls += 1
            self.reason = None
            self.line = line
        if state == RemoteState.ENDED:
            self.reason = reason
            self.line = None
        self.state = state

    def status(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "name": self.name,
                "state": self.state.value, "reason": self.reason,
                "line": self.line.name if self.line else None,
                "behaviour": self.behaviour, "answer_after_ms": self.answer_after_ms,
                "hears": self.hears, "digits_heard": self.digits_heard,
                "playing": self.mouth.playing}
