"""A simulated FXS port: the line card side of a :class:`~hal.sim.phone.SimPhone`.

Per tick the port reads the phone's hook switch through a :class:`~hal.hook.HookDebouncer`,
runs the ring cadence (the phone's bell sees ring voltage only during bursts), plays
queued on-hook transmission (caller ID / MWI FSK) in the silences, and moves audio:
the box's frame to the earpiece while off-hook, the mouthpiece back to the box.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Optional, Sequence

import numpy as np

from dsp.audio import as_int16
from hal.clock import TICK_MS, TICK_SAMPLES
from hal.hook import HookDebouncer
from hal.ports import FxsPort, HookTiming, Linefeed, PortEvent
from hal.sim.phone import SimPhone


class SimFxsPort(FxsPort):
    """FXS port ``name`` with ``phone`` plugged in."""

    def __init__(self, name: str, slot: int, row: int, phone: SimPhone,
                 timing: Optional[HookTiming] = None) -> None:
        super().__init__(name, slot, row)
        self.phone = phone
        self.hook = HookDebouncer(timing or HookTiming())
        self._cadence: Optional[tuple[int, ...]] = None
        self._ring_ms = 0
        self._burst = False
        self._onhook: deque[np.ndarray] = deque()
        self._onhook_pos = 0
        self._reversed = False
        self._lamp = False
        self.disabled = False             #: True: linefeed open (no feed, no ring, no audio)

    # ------------------------------------------------------------------ FxsPort
    @property
    def off_hook(self) -> bool:
        return self.hook.off_hook

    def ring(self, cadence_ms: Sequence[int]) -> None:
        cad = tuple(int(x) for x in cadence_ms)
        if not cad or len(cad) % 2 or any(x <= 0 for x in cad):
            raise ValueError(f"ring cadence_ms must be an even-length list of positive ms "
                             f"durations (on, off, ...), got {list(cadence_ms)!r}")
        if self.off_hook:
            return                        # ringing an off-hook phone would trip at once
        self._cadence = cad
        self._ring_ms = 0

    def stop_ring(self) -> None:
        self._cadence = None
        self._burst = False
        self.phone._set_bell(False)

    @property
    def ringing(self) -> bool:
        return self._cadence is not None

    def send_onhook(self, samples: np.ndarray) -> None:
        a = np.array(as_int16(samples), dtype=np.int16)
        if len(a):
            self._onhook.append(a)

    @property
    def onhook_busy(self) -> bool:
        return bool(self._onhook)

    def set_polarity(self, reversed_: bool) -> None:
        self._reversed = bool(reversed_)
        self.phone.polarity = "reversed" if self._reversed else "normal"

    def set_mwi_lamp(self, on: bool) -> None:
        self._lamp = bool(on)
        self.phone.lamp = self._lamp and not self.disabled

    def set_hook_timing(self, timing: HookTiming) -> None:
        self.hook.set_timing(timing)

    # ------------------------------------------------------------------ state
    @property
    def linefeed(self) -> Linefeed:
        if self.disabled:
            return Linefeed.OPEN
        if self._burst:
            return Linefeed.RINGING
        if self._onhook and not self.phone.is_off_hook:
            return Linefeed.ONHOOK_TX
        return Linefeed.REVERSED if self._reversed else Linefeed.ACTIVE

    def status(self) -> dict[str, Any]:
        d = super().status()
        t = self.hook.timing
        d.update(hook="off" if self.off_hook else "on", ringing=self.ringing,
                 ring_burst=self._burst, linefeed=self.linefeed.value,
                 polarity="reversed" if self._reversed else "normal", mwi_lamp=self._lamp,
                 onhook_busy=self.onhook_busy,
                 cadence_ms=list(self._cadence) if self._cadence else None,
                 flash_ms=[t.flash_min_ms, t.flash_max_ms], pulse_dialing=t.pulse_dialing)
        return d

    # ------------------------------------------------------------------ one tick
    def _next_onhook_frame(self) -> np.ndarray:
        out = np.zeros(TICK_SAMPLES, np.int16)
        at = 0
        while self._onhook and at < TICK_SAMPLES:
            cur = self._onhook[0]
            take = min(TICK_SAMPLES - at, len(cur) - self._onhook_pos)
            out[at:at + take] = cur[self._onhook_pos:self._onhook_pos + take]
            at += take
            self._onhook_pos += take
            if self._onhook_pos >= len(cur):
                self._onhook.popleft()
                self._onhook_pos = 0
        return out

    def step(self, tx: np.ndarray, tick: int) -> tuple[np.ndarray, list[PortEvent]]:
        """One tick: ``tx`` (160 int16) from the box; return (frame to the box, events)."""
        phone = self.phone
        phone._step_actions()
        raw = phone.is_off_hook and not self.disabled
        events = [PortEvent(self.name, k, tick, d)
                  for k, d in self.hook.feed(raw, tick, TICK_MS)]
        if raw and self._cadence is not None:
            self.stop_ring()              # ring trip: the phone was lifted
        # ring cadence: burst or silence this tick
        burst = False
        if self._cadence is not None and not self.disabled:
            period = sum(self._cadence)
            pos = self._ring_ms % period
            acc = 0
            for i, ms in enumerate(self._cadence):
                if pos < acc + ms:
                    burst = i % 2 == 0
                    break
                acc += ms
            self._ring_ms += TICK_MS
        self._burst = burst
        phone._set_bell(burst)
        if raw:
            self._onhook.clear()
            self._onhook_pos = 0
            phone._hear(tx, tick)
            return phone._speak(), events
        frame = None
        if self._onhook and not burst and not self.disabled:
            frame = self._next_onhook_frame()
        phone._hear_onhook(frame)
        return np.zeros(TICK_SAMPLES, np.int16), events
