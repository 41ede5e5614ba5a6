"""Hook-switch debouncer for FXS ports: raw hook samples in, clean hook events out.

Shared by the simulated board and the real SLIC drivers: both sample the raw hook
state once per tick and feed it to :class:`HookDebouncer`, which reports

* ``OFF_HOOK`` when the phone is lifted (after ``debounce_ms``);
* ``PULSE_DIGIT {"digit"}`` for dial pulses: on-hook breaks shorter than
  ``flash_min_ms`` (and at least ``pulse_min_break_ms``) are counted; a make longer
  than ``interdigit_ms`` ends the digit ("1".."9", 10 pulses = "0");
* ``FLASH {"ms"}`` for an on-hook of ``flash_min_ms``..``flash_max_ms``;
* ``ON_HOOK`` as soon as an on-hook has lasted longer than ``flash_max_ms``.

Durations are measured between the (debounced, back-dated) edges of the raw signal at
tick resolution: a break sampled on 3 consecutive 20 ms ticks lasted 60 ms.
"""
from __future__ import annotations

import enum
from typing import Any

from hal.ports import Ev, HookTiming

HookEvent = tuple[Ev, dict[str, Any]]


class HookState(str, enum.Enum):
    ON = "on"          #: on-hook (idle)
    OFF = "off"        #: off-hook (talking or collecting pulses)
    BREAK = "break"    #: was off-hook, now on-hook: a pulse, a flash or a hang-up


class HookDebouncer:
    """Debounce a raw hook signal sampled once per tick (see the module docstring).

    ``feed(raw_off_hook, tick, tick_ms=20)`` returns the events of that tick.
    ``off_hook`` is the debounced state: True from OFF_HOOK until ON_HOOK (pulse
    breaks and flashes do not clear it).
    """

    def __init__(self, timing: HookTiming | None = None) -> None:
        self.timing = timing or HookTiming()
        self.state = HookState.ON
        self._level = False          # debounced raw level (True = off-hook)
        self._run = 0                # ticks the raw signal has differed from _level
        self._break_at = 0           # tick of the on-hook edge (BREAK)
        self._make_at = 0            # tick of the last off-hook edge (pulse counting)
        self._pulses = 0

    def set_timing(self, timing: HookTiming) -> None:
        """Use new timing from the next tick on (a running break keeps its start)."""
        self.timing = timing

    @property
    def off_hook(self) -> bool:
        return self.state != HookState.ON

    @property
    def pulses(self) -> int:
        """Pulses counted so far for the digit being dialled."""
        return self._pulses

    def feed(self, raw_off_hook: bool, tick: int, tick_ms: int = 20) -> list[HookEvent]:
        """Sample the raw hook state of tick ``tick``; return the events it completes."""
        raw = bool(raw_off_hook)
        edge = None
        if raw != self._level:
            self._run += 1
            if self._run * tick_ms >= self.timing.debounce_ms:
                self._level = raw
                edge = tick - self._run + 1      # back-date to the first tick of the change
                self._run = 0
        else:
            self._run = 0
        return self._transition(edge, tick, tick_ms)

    def _transition(self, edge: int | None, tick: int, tick_ms: int) -> list[HookEvent]:
        """The one state-transition function: a debounced edge at tick ``edge`` (or
        None), evaluated at tick ``tick``."""
        t = self.timing
        out: list[HookEvent] = []
        st = self.state
        if st == HookState.ON:
            if edge is not None and self._level:
                self.state = HookState.OFF
                self._pulses = 0
                self._make_at = edge
                out.append((Ev.OFF_HOOK, {}))
        elif st == HookState.OFF:
            if edge is not None and not self._level:
                self.state = HookState.BREAK
                self._break_at = edge
                # a hang-up may already be due with a long debounce
                out += self._transition(None, tick, tick_ms)
            elif self._pulses and (tick - self._make_at + 1) * tick_ms > t.interdigit_ms:
                out += self._digit()
        elif st == HookState.BREAK:
            if edge is not None and self._level:
                ms = (edge - self._break_at) * tick_ms
                self.state = HookState.OFF
                if ms < t.flash_min_ms:
                    if t.pulse_dialing and ms >= t.pulse_min_break_ms:
                        self._pulses += 1
                        self._make_at = edge
                    elif self._pulses:
                        self._make_at = edge      # a glitch inside a digit: keep counting
                else:
                    out += self._digit()
                    out.append((Ev.FLASH, {"ms": ms}))
                    self._make_at = edge
            elif (tick - self._break_at + 1) * tick_ms > t.flash_max_ms:
                self.state = HookState.ON
                self._pulses = 0                  # a digit cut short by hanging up is lost
                out.append((Ev.ON_HOOK, {}))
        return out

    def _digit(self) -> list[HookEvent]:
        """The pending pulse digit as an event (none pending, or > 10 pulses: dropped)."""
        n, self._pulses = self._pulses, 0
        if not 1 <= n <= 10:
            return []
        return [(Ev.PULSE_DIGIT, {"digit": "0" if n == 10 else str(n), "pulses": n})]
