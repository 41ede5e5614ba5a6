"""A tiny "box" for driving the simulated board tick by tick in tests."""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import pytest

from hal.clock import VirtualClock
from hal.sim import SimBoard


class Box:
    """Plays the engine: ticks the clock, sends tx, keeps rx per port and all events."""

    def __init__(self, country: str = "cn", echo: bool = False) -> None:
        self.clock = VirtualClock()
        self.board = SimBoard(None, self.clock, country=country, echo=echo)
        self.events: list = []
        self.rx: dict[str, list[np.ndarray]] = {p.name: [] for p in self.board.ports}
        self.sources: dict[str, Callable[[], np.ndarray]] = {}

    def send(self, port: str, source: Optional[Callable[[], np.ndarray]]) -> None:
        """Per tick, ``source()`` gives the 160 samples sent to ``port`` (None: silence)."""
        if source is None:
            self.sources.pop(port, None)
        else:
            self.sources[port] = source

    def tick(self) -> list:
        self.clock.tick()
        tx = self.board.new_frames()
        for name, src in self.sources.items():
            tx[self.board.port(name).row] = src()
        rx, ev = self.board.exchange(tx)
        for p in self.board.ports:
            self.rx[p.name].append(rx[p.row])
        self.events += ev
        return ev

    def run(self, ms: int) -> list:
        out = []
        for _ in range(ms // 20):
            out += self.tick()
        return out

    def run_until(self, pred, ms: int) -> bool:
        for _ in range(ms // 20):
            if pred():
                return True
            self.tick()
        return pred()

    def rx_since(self, port: str, ticks: int) -> np.ndarray:
        frames = self.rx[port][-ticks:] if ticks else []
        return np.concatenate(frames) if frames else np.zeros(0, np.int16)

    def kinds(self, port: str) -> list:
        return [e.kind for e in self.events if e.port == port]


@pytest.fixture
def box() -> Box:
    return Box()
