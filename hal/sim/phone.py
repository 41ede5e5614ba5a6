"""A simulated analog phone, plugged into a simulated FXS port.

The phone has a hook switch (driven by queued actions), a bell, a keypad that makes
real DTMF tones (or hook-switch pulses), a mouth (playback) and an ear (capture,
call-progress and DTMF detection with the dsp detectors). On-hook, a caller-ID
display decodes FSK / DTMF caller ID and MWI messages from on-hook transmission.

Actions (``off_hook``, ``on_hook``, ``flash``, ``dial``, ``wait``) are queued and run
in order, one tick at a time, so ``phone.off_hook(); phone.dial("801")`` works without
stepping the clock in between: the phone waits ``settle_ms`` after lifting before it
dials, like a person waiting for dial tone.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Iterator, Optional

import numpy as np

from dsp.callerid import CallerIdDecoder
from dsp.dtmf import DtmfGenerator
from hal.clock import TICK_MS, TICK_SAMPLES, ms_to_ticks
from hal.sim.audio import Ear, Mouth, Voice

PULSE_BREAK_MS = 60       #: pulse dialling: on-hook part of a pulse, ms
PULSE_MAKE_MS = 40        #: pulse dialling: off-hook part of a pulse, ms
PULSE_INTERDIGIT_MS = 700  #: pulse dialling: off-hook pause between digits, ms
CID_TAIL_TICKS = 25       #: ticks of silence still fed to the caller-ID decoder after on-hook audio
DTMF_DIGITS = set("0123456789*#ABCD,")


def jsonable(v: Any) -> Any:
    """A JSON-able copy of a decoded caller-ID dict (datetimes as ISO text, bytes as hex)."""
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    return v


class SimPhone(Voice):
    """The phone on FXS port ``port_name`` (see the module docstring).

    Read-only state: ``is_off_hook`` (the hook switch), ``ringing`` (bell ringing now),
    ``rings`` (bursts seen since the phone was last hung up), ``hears`` /
    ``hears_history`` / ``digits_heard`` (the ear), ``caller_id`` (last decoded caller
    ID dict), ``mwi`` (True/False from the last MWI message, None if never seen),
    ``lamp`` (MWI lamp driven by line voltage), ``polarity`` ("normal"/"reversed").
    """

    def __init__(self, port_name: str, country: str = "cn") -> None:
        self.port_name = port_name
        self.country = country
        self.mouth = Mouth(country)
        self.ear = Ear(country)
        self.is_off_hook = False          # the raw hook switch
        self.ringing = False
        self.rings = 0
        self.lamp = False
        self.polarity = "normal"
        self.caller_id: Optional[dict] = None
        self.mwi: Optional[bool] = None
        self.messages: list[dict] = []    # every caller-ID / MWI message decoded
        self._actions: list[Iterator[None]] = []
        self._keypad: Optional[DtmfGenerator] = None
        self._cid = CallerIdDecoder("auto", dtmf=True)
        self._cid_tail = 0

    # ------------------------------------------------------------------ actions
    def off_hook(self, settle_ms: int = 200) -> None:
        """Lift the handset; queued actions after it wait ``settle_ms`` ms."""
        self._actions.append(self._do_off_hook(settle_ms))

    def on_hook(self) -> None:
        """Hang up."""
        self._actions.append(self._do_on_hook())

    def flash(self, ms: int = 300) -> None:
        """Press the hook switch for ``ms`` ms (a hook flash with the default window)."""
        if ms < TICK_MS:
            raise ValueError(f"flash ms must be at least {TICK_MS}, got {ms}")
        self._actions.append(self._do_break(ms))

    def dial(self, digits: str, mode: str = "dtmf", on_ms: int = 100, off_ms: int = 100,
             level_dbm0: float = -7.0) -> None:
        """Dial ``digits``: ``mode="dtmf"`` as tones (``on_ms`` tone, ``off_ms`` gap, each
        component at ``level_dbm0`` dBm0, ',' = 500 ms pause) or ``mode="pulse"`` as hook
        breaks (60 ms break, 40 ms make, 700 ms between digits; digits 0-9 only)."""
        digits = str(digits)
        if mode == "dtmf":
            bad = [c for c in digits.upper() if c not in DTMF_DIGITS and c not in " -"]
            if bad:
                raise ValueError(f"digits {digits!r}: {bad[0]!r} is not a DTMF key (0-9 * # A-D ,)")
            if on_ms < TICK_MS or off_ms < 0:
                raise ValueError(f"on_ms must be >= {TICK_MS} and off_ms >= 0 (got {on_ms}, {off_ms})")
            self._actions.append(self._do_dtmf(digits, on_ms, off_ms, level_dbm0))
        elif mode == "pulse":
            bad = [c for c in digits if not c.isdigit()]
            if bad:
                raise ValueError(f"digits {digits!r}: pulse dialling knows only 0-9, not {bad[0]!r}")
            self._actions.append(self._do_pulse(digits))
        else:
            raise ValueError(f"dial mode must be 'dtmf' or 'pulse', not {mode!r}")

    def wait(self, ms: int) -> None:
        """Queue a pause of ``ms`` ms before the next action."""
        self._actions.append(self._do_wait(ms))

    @property
    def busy(self) -> bool:
        """True while queued actions (dialling, a flash...) are still running."""
        return bool(self._actions)

    # ------------------------------------------------------------------ action bodies
    def _do_off_hook(self, settle_ms: int) -> Iterator[None]:
        if not self.is_off_hook:
            self.is_off_hook = True
            self.ear.reset()
        yield
        for _ in range(ms_to_ticks(settle_ms) - 1):
            yield

    def _do_on_hook(self) -> Iterator[None]:
        self.is_off_hook = False
        self._keypad = None
        self.rings = 0
        yield

    def _do_break(self, ms: int) -> Iterator[None]:
        self.is_off_hook = False
        for _ in range(ms_to_ticks(ms)):
            yield
        self.is_off_hook = True

    def _do_wait(self, ms: int) -> Iterator[None]:
        for _ in range(ms_to_ticks(ms)):
            yield

    def _do_dtmf(self, digits: str, on_ms: int, off_ms: int, level: float) -> Iterator[None]:
        gen = DtmfGenerator(level, 0.0, on_ms, off_ms)
        gen.send(digits)
        self._keypad = gen
        while gen.busy and self._keypad is gen:
            yield
        if self._keypad is gen:
            self._keypad = None

    def _do_pulse(self, digits: str) -> Iterator[None]:
        for i, d in enumerate(digits):
            if i:
                yield from self._do_wait(PULSE_INTERDIGIT_MS)
            for _ in range(10 if d == "0" else int(d)):
                yield from self._do_break(PULSE_BREAK_MS)
                yield from self._do_wait(PULSE_MAKE_MS)
        yield from self._do_wait(PULSE_INTERDIGIT_MS)

    # ------------------------------------------------------------------ called by the port
    def _step_actions(self) -> None:
        while self._actions:
            try:
                next(self._actions[0])
                return
            except StopIteration:
                self._actions.pop(0)

    def _set_bell(self, burst: bool) -> None:
        if burst and not self.ringing:
            self.rings += 1
        self.ringing = burst

    def _hear(self, frame: np.ndarray, tick: int) -> None:
        """Off-hook: the earpiece hears ``frame``."""
        self.ear.hear(frame, tick)

    def _speak(self) -> np.ndarray:
        """Off-hook: the frame the phone sends (keypad tones replace the voice)."""
        voice = self.mouth.read(TICK_SAMPLES)
        if self._keypad is not None and self._keypad.busy:
            return self._keypad.read(TICK_SAMPLES)
        return voice

    def _hear_onhook(self, frame: Optional[np.ndarray]) -> None:
        """On-hook: on-hook transmission (or None) reaches the caller-ID display."""
        if frame is not None:
            self._cid_tail = CID_TAIL_TICKS
        elif self._cid_tail:
            self._cid_tail -= 1
            frame = np.zeros(TICK_SAMPLES, np.int16)
        else:
            return
        for msg in self._cid.process(frame):
            self.messages.append(msg)
            if msg.get("kind") == "mwi":
                self.mwi = bool(msg.get("mwi"))
            else:
                self.caller_id = msg

    def status(self) -> dict[str, Any]:
        return {"port": self.port_name, "hook": "off" if self.is_off_hook else "on",
                "ringing": self.ringing, "rings": self.rings, "hears": self.hears,
                "hears_history": [list(h) for h in self.hears_history[-20:]],
                "digits_heard": self.digits_heard, "caller_id": jsonable(self.caller_id),
                "mwi": self.mwi, "lamp": self.lamp, "polarity": self.polarity,
                "playing": self.mouth.playing, "busy": self.busy}
