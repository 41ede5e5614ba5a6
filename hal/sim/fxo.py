"""A simulated FXO port: the box's end of a :class:`~hal.sim.exchange.SimLine`.

The port only sees what a real FXO chip sees: the line voltage, the loop current and
the audio. Its detectors debounce them like the hardware does: ring voltage
(|V| > ``RING_DETECT_V``) on at least ``RING_ON_TICKS`` ticks is a ring, a ring ends
after ``RING_OFF_MS`` without it; a sign change of the DC voltage held for
``POLARITY_TICKS`` ticks is a polarity reversal; |V| < ``LINE_PRESENT_V`` for
``LINE_DEBOUNCE_MS`` on-hook is a line down; loop current under ``LOOP_MIN_MA`` for
``LOOP_TICKS`` ticks while off-hook is a loop-current loss.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from hal.clock import TICK_MS, ms_to_ticks
from hal.ports import Ev, FxoPort, PortEvent
from hal.sim.exchange import SimLine

RING_DETECT_V = 60.0
RING_ON_TICKS = 2
RING_OFF_MS = 200
POLARITY_TICKS = 2
LINE_PRESENT_V = 3.0
LINE_DEBOUNCE_MS = 64
LOOP_MIN_MA = 5.0
LOOP_TICKS = 2


class SimFxoPort(FxoPort):
    """FXO port ``name`` wired to ``line`` of the simulated exchange."""

    def __init__(self, name: str, slot: int, row: int, line: SimLine) -> None:
        super().__init__(name, slot, row)
        self.line = line
        line.port = self
        self._hook = False
        self._flash_left = 0
        self._v = -48.0
        self._i = 0.0
        # detector state
        self._ring_run = 0
        self._no_ring = 0
        self._ringing = False
        self._ring_start = 0
        self._pol: bool | None = None      # True = reversed (positive tip-ring voltage)
        self._pol_run = 0
        self._down = False
        self._down_run = 0
        self._lost = False
        self._loss_run = 0
        self._loss_start = 0

    # ------------------------------------------------------------------ FxoPort
    @property
    def off_hook(self) -> bool:
        return self._hook

    def set_hook(self, off_hook: bool) -> None:
        self._hook = bool(off_hook)
        self._flash_left = 0

    def flash(self, ms: int = 300) -> None:
        if not self._hook:
            raise ValueError(f"{self.name}: a hook flash needs the line seized (off-hook)")
        if ms < TICK_MS:
            raise ValueError(f"flash ms must be at least {TICK_MS}, got {ms}")
        self._flash_left = ms_to_ticks(ms)

    @property
    def line_voltage(self) -> float:
        return self._v

    @property
    def loop_current(self) -> float:
        return self._i

    @property
    def ringing(self) -> bool:
        return self._ringing

    def status(self) -> dict[str, Any]:
        d = super().status()
        d.update(hook="off" if self._hook else "on", line_voltage=self._v,
                 loop_current=self._i, ringing=self._ringing,
                 polarity="reversed" if self._pol else "normal",
                 line="down" if self._down else "up", loop="lost" if self._lost else "ok",
                 number=self.line.number)
        return d

    # ------------------------------------------------------------------ one tick
    @property
    def loop_closed(self) -> bool:
        """The loop the exchange sees (open during a hook flash)."""
        return self._hook and self._flash_left == 0

    def step(self, tx: np.ndarray, tick: int) -> tuple[np.ndarray, list[PortEvent]]:
        """One tick: ``tx`` (160 int16) from the box; return (audio from the line, events)."""
        closed = self.loop_closed
        if self._flash_left:
            self._flash_left -= 1
        frame, v, i = self.line.step(tx, closed, tick)
        self._v, self._i = v, i
        out: list[PortEvent] = []

        def ev(kind: Ev, **data: Any) -> None:
            out.append(PortEvent(self.name, kind, tick, data))

        # ring detection
        ring_now = abs(v) > RING_DETECT_V
        if ring_now:
            self._ring_run += 1
            self._no_ring = 0
            if not self._ringing and self._ring_run >= RING_ON_TICKS:
                self._ringing = True
                self._ring_start = tick - self._ring_run + 1
                ev(Ev.RING_START)
        else:
            self._ring_run = 0
            if self._ringing:
                self._no_ring += 1
                if self._no_ring * TICK_MS >= RING_OFF_MS:
                    self._ringing = False
                    last = tick - self._no_ring
                    ev(Ev.RING_STOP, ms=(last - self._ring_start + 1) * TICK_MS)
        # polarity (DC sign), not while ringing
        if not ring_now and not self._ringing and abs(v) >= LINE_PRESENT_V:
            rev = v > 0
            if self._pol is None:
                self._pol = rev
            elif rev != self._pol:
                self._pol_run += 1
                if self._pol_run >= POLARITY_TICKS:
                    self._pol = rev
                    self._pol_run = 0
                    ev(Ev.POLARITY, reversed=rev)
            else:
                self._pol_run = 0
        # line presence (on-hook) and loop current (off-hook)
        if not closed:
            self._lost = False
            self._loss_run = 0
            if abs(v) < LINE_PRESENT_V:
                self._down_run = self._down_run + 1 if not self._down else 0
                if not self._down and self._down_run * TICK_MS >= LINE_DEBOUNCE_MS:
                    self._down, self._down_run = True, 0
                    ev(Ev.LINE_DOWN)
            else:
                self._down_run = self._down_run + 1 if self._down else 0
                if self._down and self._down_run * TICK_MS >= LINE_DEBOUNCE_MS:
                    self._down, self._down_run = False, 0
                    ev(Ev.LINE_UP)
        else:
            if i < LOOP_MIN_MA:
                self._loss_run = self._loss_run + 1 if not self._lost else 0
                if not self._lost and self._loss_run >= LOOP_TICKS:
                    self._lost = True
                    self._loss_start = tick - self._loss_run + 1
                    self._loss_run = 0
                    ev(Ev.LOOP_LOSS, ms=LOOP_TICKS * TICK_MS)
            else:
                self._loss_run = self._loss_run + 1 if self._lost else 0
                if self._lost and self._loss_run >= LOOP_TICKS:
                    self._lost = False
                    ev(Ev.LOOP_RESTORE, ms=(tick - self._loss_run + 1 - self._loss_start) * TICK_MS)
                    self._loss_run = 0
        return frame, out
