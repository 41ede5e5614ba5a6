"""The call-centre's application legs (channels without a port, like ConferenceLeg):

* :class:`QueueLeg` — the queue's side of a waiting caller's call: answers at once,
  and hands digits / hang-ups to the service (music on hold and announcements play
  to the caller's row);
* :class:`SurveyLeg` — after the agent hung up: "press 1 very satisfied ... 3
  dissatisfied"; the score goes to queue_log (SURVEY).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from firmware.acd.service import AcdService, Entry
    from firmware.calls.call import Call

SURVEY_TIMEOUT_MS = 10_000


class _AppLeg:
    tech = "Queue"
    row = None

    def __init__(self, svc: "AcdService", number: str) -> None:
        self.svc = svc
        self.queue = number
        self.name = f"queue{number}"
        self.call: Optional["Call"] = None

    @property
    def channel_id(self) -> str:
        return f"{self.tech}/{self.queue}"

    @property
    def number(self) -> str:
        return self.queue

    def caller_identity(self) -> tuple[str, str]:
        return self.queue, f"Queue {self.queue}"

    def answer_inbound(self, call: "Call") -> None:
        pass

    def player_done(self, player: Any) -> None:
        pass


class QueueLeg(_AppLeg):
    """One caller's place in a queue (``entry`` is None until the service has joined it)."""

    def __init__(self, svc: "AcdService", number: str, entry: Optional["Entry"] = None) -> None:
        super().__init__(svc, number)
        self.entry = entry
        self.gone = False

    def offer(self, call: "Call") -> bool:
        self.call = call
        self.svc.ctl.clock.call_later(0, lambda: call.answered_by(self) if not self.gone else None)
        return True

    def connected(self, call: "Call") -> None:
        self.svc.leg_connected(self)

    def cancel(self, call: "Call") -> None:
        self._gone()

    def far_hangup(self, call: "Call") -> None:
        self._gone()

    def progress(self, call: "Call", kind: str) -> None:
        if kind == "ended":
            self._gone()

    def _gone(self) -> None:
        if not self.gone:
            self.gone = True
            self.svc.leg_gone(self)

    def party_digit(self, call: "Call", chan: Any, d: str) -> None:
        if self.entry is not None and not self.gone:
            self.svc.caller_digit(self.entry, d)


class SurveyLeg(_AppLeg):
    """Asks the caller to rate the call; one key 1-3, or nothing within 10 s."""
    tech = "Survey"

    def __init__(self, svc: "AcdService", entry: "Entry") -> None:
        super().__init__(svc, entry.queue)
        self.entry = entry
        self.call = entry.call
        self.score = 0
        self.done = False
        self._timer: Any = None

    def start(self) -> None:
        ctl = self.svc.ctl
        self.svc.play_to_caller(self.entry, ctl.prompt("survey_intro", fallback="!450/200,!0/100,!450/200"))
        self._timer = ctl.clock.call_later(SURVEY_TIMEOUT_MS, self._finish)

    def party_digit(self, call: "Call", chan: Any, d: str) -> None:
        if self.done or d not in "123":
            return
        self.score = int(d)
        self.svc.survey_score(self.entry, self.score)
        if self._timer is not None:
            self._timer.cancel()
        self.done = True
        ctl = self.svc.ctl
        self.svc.play_to_caller(self.entry, ctl.prompt("survey_thanks", fallback="!450/200"))
        ctl.clock.call_later(2500, self._hang_up)

    def _finish(self) -> None:
        self.done = True
        self._hang_up()

    def _hang_up(self) -> None:
        call = self.call
        if call is not None and call.b is self and call.state.value == "answered":
            call.hangup(self)

    def offer(self, call: "Call") -> bool:
        return False

    def connected(self, call: "Call") -> None:
        pass

    def cancel(self, call: "Call") -> None:
        self.done = True

    def far_hangup(self, call: "Call") -> None:
        self.done = True
        if self._timer is not None:
            self._timer.cancel()

    def progress(self, call: "Call", kind: str) -> None:
        pass
