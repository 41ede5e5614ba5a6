"""The call-centre's application legs (channels without a port, like ConferenceLeg):

* :class:`QueueLeg` — the queue's side of a waiting caller's call: answers at once,
  and hands digits / hang-ups to the service (music on hold and announcements play
  to the caller's row);
* :class:`SurveyLeg` — after the agent hung up: "press 1 very satisfied ... 3
  dissatisfied"; the score goes to queue_log (SURVEY).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from firmware.channels.app import AppLeg

if TYPE_CHECKING:
    from firmware.acd.service import AcdService, Entry
    from firmware.calls.call import Call

SURVEY_TIMEOUT_MS = 10_000


class _AcdLeg(AppLeg):
    tech = "Queue"

    def __init__(self, svc: "AcdService", number: str) -> None:
        super().__init__(svc.ctl, number, f"queue{number}")
        self.svc = svc
        self.queue = number

    @property
    def display_name(self) -> str:
        return f"Queue {self.queue}"


class QueueLeg(_AcdLeg):
    """One caller's place in a queue (``entry`` is None until the service has joined it)."""

    def __init__(self, svc: "AcdService", number: str, entry: Optional["Entry"] = None) -> None:
        super().__init__(svc, number)
        self.entry = entry
        self.gone = False

    def offer(self, call: "Call") -> bool:
        self.call = call
        self.ctl.clock.call_later(0, lambda: call.answered_by(self) if not self.gone else None)
        return True

    def on_answered(self) -> None:
        self.svc.leg_connected(self)

    def on_hangup(self) -> None:
        if not self.gone:
            self.gone = True
            self.svc.leg_gone(self)

    def on_digit(self, d: str) -> None:
        if self.entry is not None and not self.gone:
            self.svc.caller_digit(self.entry, d)


class SurveyLeg(_AcdLeg):
    """Asks the caller to rate the call; one key 1-3, or nothing within 10 s."""
    tech = "Survey"

    def __init__(self, svc: "AcdService", entry: "Entry") -> None:
        super().__init__(svc, entry.queue)
        self.entry = entry
        self.call = entry.call
        self.score = 0
        self.done = False

    def start(self) -> None:
        self.svc.play_to_caller(self.entry, self.ctl.prompt("survey_intro", fallback="!450/200,!0/100,!450/200"))
        self.arm(SURVEY_TIMEOUT_MS)

    def offer(self, call: "Call") -> bool:
        return False                     # the survey takes over a call that exists

    def on_digit(self, d: str) -> None:
        if self.done or d not in "123":
            return
        self.score = int(d)
        self.svc.survey_score(self.entry, self.score)
        self.disarm()
        self.done = True
        self.svc.play_to_caller(self.entry, self.ctl.prompt("survey_thanks", fallback="!450/200"))
        self.ctl.clock.call_later(2500, self._hang_up)

    def on_timeout(self, what: str) -> None:
        self.done = True
        self._hang_up()

    def on_hangup(self) -> None:
        self.done = True
        self.disarm()

    def _hang_up(self) -> None:
        call = self.call
        if call is not None and call.b is self and call.state.value == "answered":
            call.hangup(self)
