"""The simulated board: phones on the FXS ports, an exchange behind the FXO ports.

``SimBoard(description, clock, country="cn", echo=True)`` is a :class:`hal.board.Board`.
The engine calls ``rx, events = board.exchange(tx)`` once per 20 ms tick; each port's
tx row goes to its device (phone or exchange line), every device steps one tick, and
the rows each port receives come back with the debounced events (``tick`` =
``clock.ticks``). ``board.exchange`` is also the :class:`SimExchange` object
(``board.exchange.ring_in(...)``, ``board.exchange.add_subscriber(...)``).

With ``echo=True`` every off-hook port's rx also carries a 2-wire hybrid echo of its
own tx: a short fixed FIR (``HYBRID_TAPS``: up to 5 ms, ERL about 20 dB).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from dsp.profiles import get_profile
from hal.board import Board, BoardDescription, BoardError, load_description
from hal.clock import TICK_SAMPLES, Clock, VirtualClock
from hal.ports import PortEvent, PortKind
from hal.sim.exchange import SimExchange, SimLine
from hal.sim.fxo import SimFxoPort
from hal.sim.fxs import SimFxsPort
from hal.sim.phone import SimPhone

#: hybrid echo path: (delay in samples, gain); sum of squared gains ~ 0.01 (ERL ~20 dB)
HYBRID_TAPS: tuple[tuple[int, float], ...] = ((8, 0.07), (12, -0.05), (20, 0.035),
                                              (28, -0.025), (40, 0.015))
_HIST = max(d for d, _ in HYBRID_TAPS)


def hybrid_erl_db() -> float:
    """Echo return loss of :data:`HYBRID_TAPS` for white noise, dB."""
    return -10.0 * float(np.log10(sum(g * g for _, g in HYBRID_TAPS)))


class SimBoard(Board):
    """A board of simulated ports (see the module docstring)."""

    simulated = True

    def __init__(self, description: Union[BoardDescription, str, Path, None] = None,
                 clock: Optional[Clock] = None, country: str = "cn", echo: bool = True) -> None:
        if description is None or isinstance(description, (str, Path)):
            description = load_description(description or "hotline-8")
        self.clock = clock if clock is not None else VirtualClock()
        self.country = get_profile(country).code
        self.echo = echo
        self._exchange = SimExchange(self.clock, self.country, tick_fn=self._tick)
        ports = []
        for spec in description.ports():
            if spec.kind == PortKind.FXS:
                ports.append(SimFxsPort(spec.name, spec.slot, spec.row,
                                        SimPhone(spec.name, self.country)))
            elif spec.kind == PortKind.FXO:
                n = spec.name[3:]
                line = self._exchange.add_line(spec.name, f"6655000{n}")
                ports.append(SimFxoPort(spec.name, spec.slot, spec.row, line))
            else:
                raise BoardError(f"board {description.name}: slot {spec.slot} holds an E1 module; "
                                 f"the simulated board has no E1 span yet")
        super().__init__(description, ports)
        self._hist = np.zeros((self.rows, _HIST), np.int16)

    # ------------------------------------------------------------------ devices
    @property
    def exchange(self) -> SimExchange:       # type: ignore[override]
        """The simulated exchange; calling it runs one tick (Board.exchange)."""
        return self._exchange

    co = exchange

    def phone(self, port: str) -> SimPhone:
        """The phone on FXS port ``port`` (e.g. "fxs1")."""
        p = self._sim_port(port, PortKind.FXS)
        return p.phone

    def line(self, port: str) -> SimLine:
        """The exchange line on FXO port ``port`` (e.g. "fxo1")."""
        p = self._sim_port(port, PortKind.FXO)
        return p.line

    def _sim_port(self, name: str, kind: PortKind) -> Any:
        try:
            p = self.port(name)
        except KeyError as e:
            raise ValueError(e.args[0]) from None
        if p.kind != kind:
            raise ValueError(f"port {name!r} is an {p.kind.value.upper()} port, not {kind.value.upper()}")
        return p

    @property
    def phones(self) -> list[SimPhone]:
        return [p.phone for p in self.ports if isinstance(p, SimFxsPort)]

    # ------------------------------------------------------------------ one tick
    def _tick(self, tx: Optional[np.ndarray] = None) -> tuple[np.ndarray, list[PortEvent]]:
        if tx is None:
            tx = self.new_frames()
        tx = np.asarray(tx)
        if tx.shape != (self.rows, TICK_SAMPLES):
            raise ValueError(f"tx must be {self.rows} x {TICK_SAMPLES} samples (rows x tick), "
                             f"got shape {tx.shape}")
        if tx.dtype != np.int16:
            tx = np.clip(tx, -32768, 32767).astype(np.int16)
        tick = self.clock.ticks
        rx = self.new_frames()
        events: list[PortEvent] = []
        for p in self.ports:
            row = p.row
            frame, evs = p.step(tx[row], tick)
            events += evs
            if self.echo:
                closed = p.phone.is_off_hook if isinstance(p, SimFxsPort) else p.loop_closed
                x = np.concatenate((self._hist[row], tx[row]))
                if closed and (x.any()):
                    acc = frame.astype(np.int32)
                    for d, g in HYBRID_TAPS:
                        acc += np.rint(g * x[_HIST - d:_HIST - d + TICK_SAMPLES]).astype(np.int32)
                    frame = np.clip(acc, -32768, 32767).astype(np.int16)
                self._hist[row] = tx[row][-_HIST:]
            rx[row] = frame
        return rx, events

    def step(self, tx: Optional[np.ndarray] = None) -> tuple[np.ndarray, list[PortEvent]]:
        """Same as ``exchange(tx)``; ``tx=None`` sends silence on every port."""
        return self._tick(tx)

    def status(self) -> dict:
        d = super().status()
        d["sim"] = sim_status(self)
        return d


def sim_status(board: SimBoard) -> dict[str, Any]:
    """Phones, lines and remote parties of a simulated board (JSON-able)."""
    return {"country": board.country, "echo": board.echo,
            "phones": {p.port_name: p.status() for p in board.phones},
            **board.exchange.status()}
