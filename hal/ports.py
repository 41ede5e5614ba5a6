"""The hardware boundary: analog FXS/FXO ports and E1 spans, and the events they report.

Every port owns one row of the board's audio matrices (``Port.row``): each 20 ms tick
the board delivers one 160-sample int16 frame of received audio per port and takes one
frame to send (see :class:`hal.board.Board.exchange`). Signalling (hook, ring, polarity,
loop current) arrives as :class:`PortEvent` objects in the same call, already
debounced: the engine above sees clean, timestamped events, never raw register bits.

The same interfaces are implemented by the simulated board (``hal.sim``) and the real
one (``hal.board`` over ``drivers``), so call control cannot tell them apart.
"""
from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np


class PortKind(str, enum.Enum):
    FXS = "fxs"      #: station port: a phone plugs in here (the box feeds the line)
    FXO = "fxo"      #: office port: a line from the exchange plugs in here
    E1 = "e1"        #: digital span (30 voice channels), built in its own issue


class Ev(str, enum.Enum):
    """Signalling events a port reports (``PortEvent.kind``)."""
    # FXS (from the phone's hook switch, debounced)
    OFF_HOOK = "off_hook"            #: phone lifted (pulse-dial breaks are not reported as hook events)
    ON_HOOK = "on_hook"              #: phone hung up (on-hook longer than the flash window)
    FLASH = "flash"                  #: on-hook within the flash window (data: {"ms": duration})
    PULSE_DIGIT = "pulse_digit"      #: a rotary/pulse digit (data: {"digit": "0".."9"})
    # FXO (from the line, debounced)
    RING_START = "ring_start"        #: ring voltage seen (start of a ring burst)
    RING_STOP = "ring_stop"          #: ring burst ended (data: {"ms": burst length})
    POLARITY = "polarity"            #: line polarity reversed (data: {"reversed": bool})
    LOOP_LOSS = "loop_loss"          #: loop current dropped while off-hook (data: {"ms"}: so far)
    LOOP_RESTORE = "loop_restore"    #: loop current back (data: {"ms": length of the drop})
    LINE_DOWN = "line_down"          #: no line voltage (cable pulled / line dead)
    LINE_UP = "line_up"              #: line voltage back
    # E1 (declared now)
    ALARM = "alarm"                  #: span alarm (data: {"alarm": "LOS"|"LOF"|"AIS"|"RAI"|None})


@dataclass(frozen=True)
class PortEvent:
    """One debounced signalling event from ``port`` (its name) at tick ``tick``."""
    port: str
    kind: Ev
    tick: int
    data: dict[str, Any] = field(default_factory=dict)


class Linefeed(str, enum.Enum):
    """What an FXS port feeds the line (the SLIC's linefeed register)."""
    OPEN = "open"                    #: no feed (port disabled)
    ACTIVE = "active"                #: normal talk/idle feed
    REVERSED = "reversed"            #: active with reversed polarity
    ONHOOK_TX = "onhook_tx"          #: on-hook transmission (caller ID, MWI FSK)
    RINGING = "ringing"              #: ring voltage (the port cycles this by cadence)


@dataclass(frozen=True)
class HookTiming:
    """Hook-switch timing on an FXS port, ms.

    An on-hook shorter than ``flash_min_ms`` is a dial pulse (if ``pulse_dialing``) or
    a glitch; ``flash_min_ms``..``flash_max_ms`` is a hook flash; longer is a hang-up.
    ``debounce_ms`` is how long a new hook state must hold before it counts.
    """
    flash_min_ms: int = 80
    flash_max_ms: int = 800
    debounce_ms: int = 20
    pulse_dialing: bool = True
    pulse_min_break_ms: int = 20
    interdigit_ms: int = 300         #: make longer than this ends a pulse digit

    def __post_init__(self) -> None:
        if not 0 < self.flash_min_ms < self.flash_max_ms:
            raise ValueError("flash window: need 0 < flash_min_ms < flash_max_ms "
                             f"(got {self.flash_min_ms}..{self.flash_max_ms} ms)")


class Port(ABC):
    """A port on the board. ``name`` is unique on the board (``fxs1``, ``fxo2``, ``e1-1``);
    ``slot`` is the module slot it sits in; ``row`` is its row in the audio matrices."""

    kind: PortKind

    def __init__(self, name: str, slot: int, row: int) -> None:
        self.name = name
        self.slot = slot
        self.row = row

    def status(self) -> dict[str, Any]:
        """A JSON-able snapshot of the port's line state (for ``hotline ctl status``)."""
        return {"name": self.name, "kind": self.kind.value, "slot": self.slot}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} slot={self.slot} row={self.row}>"


class FxsPort(Port):
    """A station port (the box is the exchange; a phone is plugged in)."""

    kind = PortKind.FXS

    @property
    @abstractmethod
    def off_hook(self) -> bool:
        """Debounced hook state now."""

    @abstractmethod
    def ring(self, cadence_ms: Sequence[int]) -> None:
        """Start ringing with a cadence: alternating on/off durations in ms, repeated
        (e.g. ``[1000, 4000]`` for CN). Ringing stops by itself when the phone goes off-hook."""

    @abstractmethod
    def stop_ring(self) -> None:
        """Stop ringing (the line returns to the idle feed)."""

    @property
    @abstractmethod
    def ringing(self) -> bool:
        """True while a ring cadence is running (bursts and the silences between)."""

    @abstractmethod
    def send_onhook(self, samples: np.ndarray) -> None:
        """Send audio while the phone is on-hook (on-hook transmission): FSK caller ID or
        an MWI message. Samples (int16, 8 kHz) are queued and played ahead of the
        engine's frames; the port returns to the idle feed afterwards. If the port is
        ringing, the audio waits for the next silence between bursts."""

    @property
    @abstractmethod
    def onhook_busy(self) -> bool:
        """True while on-hook audio is still queued or playing."""

    @abstractmethod
    def set_polarity(self, reversed_: bool) -> None:
        """Reverse (or restore) the line polarity (answer/disconnect signalling to the phone)."""

    @abstractmethod
    def set_mwi_lamp(self, on: bool) -> None:
        """Drive a message-waiting lamp by line voltage (phones with a neon/LED lamp).
        FSK MWI goes through :meth:`send_onhook`."""

    @abstractmethod
    def set_hook_timing(self, timing: HookTiming) -> None:
        """Change the flash window / debounce / pulse-dialling settings."""


class FxoPort(Port):
    """An office port (the box is a phone on a line from the exchange)."""

    kind = PortKind.FXO

    @property
    @abstractmethod
    def off_hook(self) -> bool:
        """True while the port holds the line (seized)."""

    @abstractmethod
    def set_hook(self, off_hook: bool) -> None:
        """Seize (True) or release (False) the line."""

    @abstractmethod
    def flash(self, ms: int = 300) -> None:
        """Send a hook flash of ``ms`` milliseconds (only while off-hook)."""

    @property
    @abstractmethod
    def line_voltage(self) -> float:
        """Signed tip-ring voltage now, V (about -48 idle, -6..-10 off-hook, 0 = no line)."""

    @property
    @abstractmethod
    def loop_current(self) -> float:
        """Loop current now, mA (0 on-hook or when the exchange drops the loop)."""

    @property
    @abstractmethod
    def ringing(self) -> bool:
        """True during a ring burst (debounced)."""


class E1Span(Port):
    """An E1 span: 30 voice channels + signalling; built in its own issue.

    It will own 30 consecutive rows (``row`` .. ``row + 29``) and report ALARM events;
    the D-channel (ISDN PRI) or CAS bits (MFC/R2) are read and written through it.
    """

    kind = PortKind.E1
    channels = 30

    @abstractmethod
    def alarms(self) -> list[str]:
        """Current alarms (``LOS``, ``LOF``, ``AIS``, ``RAI``); empty when the span is up."""

    @abstractmethod
    def read_dchannel(self) -> Optional[bytes]:
        """Next HDLC frame from the D-channel (TS16), or None."""

    @abstractmethod
    def write_dchannel(self, frame: bytes) -> None:
        """Send an HDLC frame on the D-channel."""
