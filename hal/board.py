"""A board: the ports it carries, by slot, and the per-tick exchange of audio and events.

A *board description file* (TOML, ``hal/boards/*.toml``) says which module sits in which
slot::

    name = "hotline-8"
    [[slot]]
    slot = 1
    module = "FXS-4"
    [[slot]]
    slot = 2
    module = "FXO-4"

Modules (``MODULES``): ``FXS-2``, ``FXS-4``, ``FXO-2``, ``FXO-4``, ``E1-1``. Ports are named
by kind and a running number across the board (``fxs1``..``fxs4``, ``fxo1``..), in slot
order; each gets the next row of the board's audio matrices.
"""
from __future__ import annotations

import tomllib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from hal.clock import TICK_SAMPLES
from hal.ports import E1Span, FxoPort, FxsPort, Port, PortEvent, PortKind

BOARDS_DIR = Path(__file__).with_name("boards")
DEFAULT_BOARD = "hotline-8"

#: module name -> (port kind, number of ports)
MODULES: dict[str, tuple[PortKind, int]] = {
    "FXS-2": (PortKind.FXS, 2),
    "FXS-4": (PortKind.FXS, 4),
    "FXO-2": (PortKind.FXO, 2),
    "FXO-4": (PortKind.FXO, 4),
    "E1-1": (PortKind.E1, 1),
}


class BoardError(ValueError):
    """A board description that cannot be used (the message names the problem)."""


@dataclass(frozen=True)
class PortSpec:
    """Where one port sits: its name, kind, slot and matrix row."""
    name: str
    kind: PortKind
    slot: int
    row: int


@dataclass(frozen=True)
class BoardDescription:
    name: str
    slots: tuple[tuple[int, str], ...]          #: (slot number, module name), by slot

    def ports(self) -> list[PortSpec]:
        """The ports in slot order, named and given rows (an E1 span takes 30 rows)."""
        counters = {k: 0 for k in PortKind}
        out: list[PortSpec] = []
        row = 0
        for slot, module in self.slots:
            kind, n = MODULES[module]
            for _ in range(n):
                counters[kind] += 1
                name = f"{kind.value}{counters[kind]}" if kind != PortKind.E1 else f"e1-{counters[kind]}"
                out.append(PortSpec(name, kind, slot, row))
                row += E1Span.channels if kind == PortKind.E1 else 1
        return out


def parse_description(text: str, source: str = "<board>") -> BoardDescription:
    """Parse a board description (TOML text); raise BoardError naming the bad field."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise BoardError(f"{source}: not valid TOML: {e}") from None
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise BoardError(f"{source}: 'name' must be a non-empty string")
    slots = doc.get("slot")
    if not isinstance(slots, list) or not slots:
        raise BoardError(f"{source}: needs at least one [[slot]] table")
    seen: set[int] = set()
    out = []
    for i, s in enumerate(slots):
        if not isinstance(s, dict):
            raise BoardError(f"{source}: slot entry {i + 1} must be a table")
        num, module = s.get("slot"), s.get("module")
        if not isinstance(num, int) or num < 1:
            raise BoardError(f"{source}: slot entry {i + 1}: 'slot' must be a positive integer")
        if num in seen:
            raise BoardError(f"{source}: slot {num} is listed twice")
        if module not in MODULES:
            raise BoardError(f"{source}: slot {num}: unknown module {module!r} "
                             f"(known: {', '.join(sorted(MODULES))})")
        seen.add(num)
        out.append((num, module))
    out.sort()
    return BoardDescription(name, tuple(out))


def load_description(name_or_path: str | Path = DEFAULT_BOARD) -> BoardDescription:
    """Load a description by file path or by name from ``hal/boards/<name>.toml``."""
    p = Path(name_or_path)
    if not p.suffix:
        p = BOARDS_DIR / f"{name_or_path}.toml"
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise BoardError(f"cannot read board description {p}: {e.strerror}") from None
    return parse_description(text, str(p))


class Board(ABC):
    """The ports of one box and the per-tick exchange with them.

    ``rows`` is the number of audio rows (one per analog port, 30 per E1 span).
    ``exchange(tx)`` is called once per tick by the engine with the frames to send
    (rows x 160 int16) and returns the frames received in the same tick plus the
    debounced signalling events that happened.
    """

    def __init__(self, description: BoardDescription, ports: Iterable[Port]) -> None:
        self.description = description
        self.ports: list[Port] = list(ports)
        self._by_name = {p.name: p for p in self.ports}
        last = self.ports[-1] if self.ports else None
        self.rows = 0 if last is None else last.row + (E1Span.channels if last.kind == PortKind.E1 else 1)

    @property
    def name(self) -> str:
        return self.description.name

    def port(self, name: str) -> Port:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no port {name!r} on board {self.name} "
                           f"(ports: {', '.join(self._by_name)})") from None

    def ports_of(self, kind: PortKind) -> list[Port]:
        return [p for p in self.ports if p.kind == kind]

    @property
    def fxs(self) -> list[FxsPort]:
        return [p for p in self.ports if isinstance(p, FxsPort)]

    @property
    def fxo(self) -> list[FxoPort]:
        return [p for p in self.ports if isinstance(p, FxoPort)]

    def slots(self) -> dict[int, list[Port]]:
        out: dict[int, list[Port]] = {}
        for p in self.ports:
            out.setdefault(p.slot, []).append(p)
        return out

    def new_frames(self) -> np.ndarray:
        """A zeroed (rows x 160) int16 matrix."""
        return np.zeros((self.rows, TICK_SAMPLES), np.int16)

    @abstractmethod
    def exchange(self, tx: np.ndarray) -> tuple[np.ndarray, list[PortEvent]]:
        """One tick: send ``tx`` (rows x 160 int16), return (rx rows x 160, events)."""

    def status(self) -> dict:
        return {"board": self.name, "simulated": self.simulated,
                "slots": {str(s): [p.status() for p in ps] for s, ps in self.slots().items()}}

    simulated: bool = False


def detect_board() -> Optional[str]:
    """Name of real hardware found on this machine, or None (then the simulated board
    is used). Real boards arrive with the drivers issue; nothing is probed yet."""
    return None
