"""Conference rooms: a number callers dial (or are routed to) to talk together.

A room has an optional PIN (participants) and an optional organiser PIN, up to
``max_parties`` (≤ 16) parties, join/leave tones, and keys while in the room:

* ``1`` mute / unmute yourself (you hear a low / high beep);
* ``2`` (organiser only) remove the party who joined last.

Each caller in a room is a :class:`ConferenceLeg`: the B side of the caller's call,
with no port of its own (``row`` None); it asks for the PIN, then puts the caller's
row into the room's mixing bridge in the switch.  State per leg: PIN → IN_ROOM → GONE.
"""
from __future__ import annotations

import enum
import logging
from typing import TYPE_CHECKING, Any, Optional

from firmware.channels.app import AppLeg
from firmware.engine.media import TonePlayer

if TYPE_CHECKING:
    from firmware.calls.control import CallControl

log = logging.getLogger("hotline.conference")

PIN_ATTEMPTS = 3
PIN_TIMEOUT_MS = 10_000
JOIN_TONE = "!800/150,!0/50,!1200/150"          #: rising: someone joined
LEAVE_TONE = "!1200/150,!0/50,!800/150"         #: falling: someone left
MUTE_TONE = "!400/200"
UNMUTE_TONE = "!1000/200"


class LegState(str, enum.Enum):
    PIN = "pin"              #: answered, collecting the PIN
    IN_ROOM = "in_room"
    GONE = "gone"


class LegIn(str, enum.Enum):
    ANSWERED = "answered"
    DIGIT = "digit"          #: data: d
    TIMEOUT = "timeout"
    HANGUP = "hangup"
    KICK = "kick"


class Room:
    """The live side of a configured room: its bridge and who is in it."""

    def __init__(self, mgr: "ConferenceManager", number: str) -> None:
        self.mgr = mgr
        self.number = number
        self.bridge: Any = None
        self.members: list["ConferenceLeg"] = []   #: in joining order

    @property
    def config(self) -> Any:
        return self.mgr.ctl.config.conference_room(self.number)

    def tone_all(self, spec: str, but: Optional["ConferenceLeg"] = None) -> None:
        cfg = self.config
        if cfg is not None and not cfg.announce:
            return
        for m in self.members:
            if m is not but and m.row_a is not None:
                self.mgr.ctl.switch.play(m.row_a, TonePlayer(spec, self.mgr.ctl.profile))

    def status(self) -> dict[str, Any]:
        return {"number": self.number, "parties": [m.status() for m in self.members]}


class ConferenceLeg(AppLeg):
    """The room's side of one caller's call (a channel without a port)."""

    tech = "Conf"

    def __init__(self, mgr: "ConferenceManager", room: Room) -> None:
        super().__init__(mgr.ctl, room.number, f"conf{room.number}")
        self.mgr = mgr
        self.room = room
        self.state = LegState.PIN
        self.pin = ""
        self.attempts = 0
        self.organiser = False
        self.muted = False

    @property
    def display_name(self) -> str:
        return f"Conference {self.room.number}"

    # -- the channel's events as inputs
    def on_answered(self) -> None:
        self.handle(LegIn.ANSWERED)

    def on_hangup(self) -> None:
        self.handle(LegIn.HANGUP)

    def on_digit(self, d: str) -> None:
        self.handle(LegIn.DIGIT, d=d)

    def on_timeout(self, what: str) -> None:
        self.handle(LegIn.TIMEOUT)

    def _ask_pin(self, again: bool = False) -> None:
        self.pin = ""
        self.play(self.ctl.prompt("wrong_pin" if again else "conference_enter_pin",
                                  fallback="!450/200,!0/100,!450/200"))
        self.arm(PIN_TIMEOUT_MS)

    def _join(self) -> None:
        self.disarm()
        room = self.room
        cfg = room.config
        if cfg is None or len(room.members) >= cfg.max_parties:
            log.info("conference %s is full (%d)", room.number, len(room.members))
            self.play(self.ctl.prompt("conference_full", fallback="congestion"))
            self._leave_call()
            return
        sw = self.ctl.switch
        if room.bridge is None:                      # (dropped when the last party left)
            room.bridge = sw.conference(f"room-{room.number}")
        self.state = LegState.IN_ROOM
        room.tone_all(JOIN_TONE)
        room.members.append(self)
        sw.stop(self.row_a)
        sw.conference_join(room.bridge, self.row_a)
        if len(room.members) == 1:
            self.play(self.ctl.prompt("conference_alone", fallback="!450/100"))
        self.ctl.publish("conference.join", {"room": room.number, "caller": self.call.src,
                                                 "parties": len(room.members)})

    def _leave_room(self) -> None:
        room = self.room
        if self in room.members:
            room.members.remove(self)
            if self.row_a is not None and room.bridge is not None:
                self.ctl.switch.conference_leave(room.bridge, self.row_a)
            room.tone_all(LEAVE_TONE)
            self.ctl.publish("conference.leave", {"room": room.number, "caller": self.call.src if self.call else "",
                                                      "parties": len(room.members)})
        if not room.members:
            room.bridge = None

    def _leave_call(self) -> None:
        """The room ends this caller's call (wrong PIN, full, kicked)."""
        call = self.call
        self.state = LegState.GONE
        self.disarm()
        self._leave_room()
        if call is not None:
            self.ctl.clock.call_later(1500, lambda: call.hangup(self))

    def set_mute(self, muted: bool) -> None:
        self.muted = muted
        if self.room.bridge is not None and self.row_a is not None:
            self.room.bridge.gains_db[self.row_a] = float("-inf") if muted else 0.0
        self.tone(MUTE_TONE if muted else UNMUTE_TONE)

    # -- the transition function
    def handle(self, inp: LegIn, **data: Any) -> None:
        s = self.state
        if s == LegState.GONE:
            return
        if inp == LegIn.HANGUP:
            self.state = LegState.GONE
            self.disarm()
            self._leave_room()
            return
        cfg = self.room.config
        if s == LegState.PIN:
            if inp == LegIn.ANSWERED:
                if cfg is not None and (cfg.pin or cfg.admin_pin):
                    self._ask_pin()
                else:
                    self._join()
            elif inp == LegIn.DIGIT:
                if data["d"] != "#":
                    self.pin += data["d"]
                    self.quiet()
                    self.arm(PIN_TIMEOUT_MS)
                    return
                if cfg is not None and cfg.admin_pin and self.pin == cfg.admin_pin:
                    self.organiser = True
                    self._join()
                elif cfg is not None and self.pin == cfg.pin:       # "" when the room has no PIN
                    self._join()
                else:
                    self.attempts += 1
                    log.info("conference %s: wrong PIN from %s (%d)", self.room.number,
                             self.call.src if self.call else "?", self.attempts)
                    if self.attempts >= PIN_ATTEMPTS:
                        self.play(self.ctl.prompt("wrong_pin", fallback="congestion"))
                        self._leave_call()
                    else:
                        self._ask_pin(again=True)
            elif inp == LegIn.TIMEOUT:
                self.attempts += 1
                if self.attempts >= PIN_ATTEMPTS:
                    self._leave_call()
                else:
                    self._ask_pin(again=True)
            return
        if s == LegState.IN_ROOM:
            if inp == LegIn.DIGIT and data["d"] == "1":
                self.set_mute(not self.muted)
            elif inp == LegIn.DIGIT and data["d"] == "2" and self.organiser:
                others = [m for m in self.room.members if m is not self]
                if others:
                    others[-1].handle(LegIn.KICK)
            elif inp == LegIn.KICK:
                log.info("conference %s: %s removed by the organiser", self.room.number,
                         self.call.src if self.call else "?")
                self._leave_call()
            return

    def status(self) -> dict[str, Any]:
        return {"caller": self.call.src if self.call else "", "state": self.state.value,
                "muted": self.muted, "organiser": self.organiser}


class ConferenceManager:
    """All rooms of the box (created when first used)."""

    def __init__(self, ctl: "CallControl") -> None:
        self.ctl = ctl
        self.rooms: dict[str, Room] = {}

    def leg(self, number: str) -> ConferenceLeg:
        room = self.rooms.get(number)
        if room is None:
            room = self.rooms[number] = Room(self, number)
        return ConferenceLeg(self, room)

    def status(self) -> list[dict[str, Any]]:
        return [r.status() for r in self.rooms.values() if r.members]
