"""A whole box on the simulated board and a virtual clock, for end-to-end call tests."""
from __future__ import annotations

import numpy as np
import pytest

from hal.clock import VirtualClock

from firmware.box import Box
from firmware.paths import DataDir


class Harness:
    def __init__(self, box: Box, clock: VirtualClock) -> None:
        self.box = box
        self.clock = clock
        self.board = box.board
        self.ctl = box.ctl

    def run(self, ms: float) -> None:
        self.clock.advance(ms)

    def until(self, pred, timeout_ms: float) -> bool:
        return self.clock.run_until(pred, timeout_ms)

    def phone(self, port: str):
        return self.board.phone(port)

    def state(self, port: str) -> str:
        return self.ctl.channel(port).state.value

    def cdrs(self):
        return list(reversed(self.box.cdr.list(limit=100)))     # oldest first


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if x.size else 0.0


def tone_power(x: np.ndarray, freq: float, rate: int = 8000) -> float:
    """Fraction of the signal's energy at ``freq`` (±20 Hz)."""
    if x.size < 800:
        return 0.0
    spec = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(x.size))) ** 2
    f = np.fft.rfftfreq(x.size, 1 / rate)
    band = spec[(f > freq - 20) & (f < freq + 20)].sum()
    return float(band / max(spec.sum(), 1e-9))


@pytest.fixture
def hx(tmp_path) -> Harness:
    clock = VirtualClock()
    box = Box(DataDir.at(tmp_path / "data"), clock)
    yield Harness(box, clock)
    box.close()
