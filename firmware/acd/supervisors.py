"""Who may supervise whom: the ``supervisors`` table (docs/acd-supervision.md, "Who may
supervise").

:class:`SupervisorGate` decides one request — a feature code ``*66``..``*69`` from a phone
or ``supervise.start`` — from the configuration:

* no supervisors configured: every extension may supervise (a small office; the box's
  behaviour before the table existed);
* otherwise the request names a supervisor number and its PIN (``*66 1001 * 90 * 4321 #``),
  or comes from the desk extension of a supervisor with ``trust_extension`` on (no number,
  no PIN);
* a supervisor with ``queues`` may only supervise agents of those queues;
* three wrong PINs in a row lock the supervisor number for 5 minutes (the right PIN too).

A refusal raises :class:`Refused` with the reason in plain words (never the PIN).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from firmware.config.validate_acd import check_pin

PIN_ATTEMPTS = 3                 #: wrong PINs in a row before a supervisor number is locked
LOCKOUT_MS = 300_000             #: how long it stays locked (ms)


class Refused(ValueError):
    """A supervision request that is not allowed (the message says why)."""


@dataclass(frozen=True)
class Decision:
    supervisor: str              #: supervisor number, or the extension when none are configured
    name: str = ""


class SupervisorGate:
    """``config()`` gives the live configuration, ``now_ms()`` the clock (ms)."""

    def __init__(self, config: Callable[[], Any], now_ms: Callable[[], int]) -> None:
        self._config = config
        self._now_ms = now_ms
        self.failed: dict[str, tuple[int, int]] = {}    #: number -> (wrong PINs in a row, locked until ms)

    def configured(self) -> bool:
        """Are supervisors configured (else every extension may supervise)?"""
        return bool(self._config().supervisors)

    def trusted_at(self, extension: str) -> Optional[Any]:
        """The supervisor whose trusted desk phone ``extension`` is (None if none)."""
        for s in self._config().supervisors:
            if s.trust_extension and s.extension == extension:
                return s
        return None

    def check(self, *, extension: str, number: str = "", pin: str = "",
              agent_queues: Optional[tuple[str, ...]] = None, target: str = "") -> Decision:
        """May the person at ``extension`` (naming supervisor ``number`` with ``pin``, or
        nobody) supervise ``target``, an agent of ``agent_queues`` (None: not an agent)?"""
        cfg = self._config()
        if not cfg.supervisors:
            return Decision(extension)
        if number:
            sup = cfg.supervisor(number)
            if sup is None:
                raise Refused(f"{number} is not a supervisor number")
            if not (sup.trust_extension and sup.extension == extension):
                self._check_pin(sup, pin)
        else:
            sup = self.trusted_at(extension)
            if sup is None:
                raise Refused(f"extension {extension} is not a trusted supervisor phone: give the supervisor "
                              "number and PIN (*66 <agent> * <supervisor> * <PIN> #)")
        if sup.queues:
            if agent_queues is None:
                raise Refused(f"supervisor {sup.number} may supervise agents of queue(s) "
                              f"{', '.join(sup.queues)} only; {target or 'the target'} is not a logged-in agent")
            if not sup.covers(agent_queues):
                raise Refused(f"supervisor {sup.number} may supervise agents of queue(s) "
                              f"{', '.join(sup.queues)} only; agent {target} is in "
                              f"{', '.join(agent_queues) or 'no queue'}")
        return Decision(sup.number, sup.name)

    def _check_pin(self, sup: Any, pin: str) -> None:
        now = self._now_ms()
        fails, until = self.failed.get(sup.number, (0, 0))
        if until > now:
            raise Refused(f"supervisor {sup.number} is locked after {PIN_ATTEMPTS} wrong PINs; try again later")
        if not pin:
            raise Refused(f"supervisor {sup.number}: the PIN is missing")
        if not sup.pin or not check_pin(sup.pin, pin):
            fails += 1
            self.failed[sup.number] = (0, now + LOCKOUT_MS) if fails >= PIN_ATTEMPTS else (fails, 0)
            if fails >= PIN_ATTEMPTS:
                raise Refused(f"wrong PIN for supervisor {sup.number}; locked for {LOCKOUT_MS // 60000} minutes")
            raise Refused(f"wrong PIN for supervisor {sup.number}")
        self.failed.pop(sup.number, None)
