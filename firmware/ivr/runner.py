"""The IVR runner: walks one caller through a menu (firmware/ivr/menu.py says what a menu is).

Each caller in a menu is an :class:`IvrLeg`: the B side of the caller's call with no port
of its own (``row`` None), like a conference leg.  It answers at once, plays prompts to the
caller's row and reads the caller's keys — DTMF tones from an analog phone or an outside
line (detected in-band by the DSP) and RFC 4733 events from SIP phones both arrive as
``party_digit``.  A key stops the prompt playing (barge-in).  It leaves by handing the call
on (:meth:`firmware.calls.call.Call.redirect`) or by hanging up.

One explicit state machine per leg::

    STARTING --answered--> PLAYING (play node) / COLLECTING (collect node) / ...
    COLLECTING --digit--> (barge-in) COLLECTING --complete--> next node / redirect
    COLLECTING --timeout|invalid--> NOTICE (invalid/timeout prompt) --played--> COLLECTING
    any --goto outside the menu--> GONE;  HANGUP (hang-up node) --played--> GONE

Timers are hal Clock timers (virtual in tests).  Loops: entering a node already entered
since the caller last pressed a key counts one pass; after ``loop_limit`` passes the caller
goes to the menu's ``fallback``.
"""
from __future__ import annotations

import enum
import logging
from typing import TYPE_CHECKING, Any

from firmware.channels.app import AppLeg
from firmware.engine.media import Player, TonePlayer
from firmware.routing.timeconditions import current_mode

if TYPE_CHECKING:
    from firmware.calls.call import Call
    from firmware.calls.control import CallControl

log = logging.getLogger("hotline.ivr")

#: What the caller hears for a prompt that cannot be played (no file): a short beep.
MISSING_PROMPT_TONE = "!450/150"


class IvrState(str, enum.Enum):
    STARTING = "starting"      #: offered, answering
    PLAYING = "playing"        #: a play node's prompts
    COLLECTING = "collecting"  #: a collect node: prompt (barge-in) and keys
    NOTICE = "notice"          #: the invalid / timeout prompt, then the collect node again
    HANGUP = "hangup"          #: goodbye prompts, then the call ends
    GONE = "gone"              #: handed on or hung up


class IvrIn(str, enum.Enum):
    ANSWERED = "answered"
    DIGIT = "digit"            #: data: d
    TIMEOUT = "timeout"        #: data: what ("first" | "interdigit")
    PLAYED = "played"          #: the prompt that was playing ended (not one cut short)
    HANGUP = "hangup"          #: the caller hung up / the call ended


class IvrLeg(AppLeg):
    """One caller's walk through IVR menu ``number`` (a channel without a port)."""

    tech = "IVR"

    def __init__(self, mgr: "IvrManager", number: str) -> None:
        super().__init__(mgr.ctl, number, f"ivr{number}")
        self.mgr = mgr
        self.entry = number
        self.menu = self.ctl.config.ivr_menu(number)
        self.state = IvrState.STARTING
        self.node_id = ""
        self.buf = ""
        self.attempts = 0
        self.loops = 0
        self.visited: set[tuple[str, str]] = set()
        self.path: list[str] = []           #: nodes entered, for status and tests
        self._after_notice = ""             #: NOTICE: "again" (re-prompt) or "fail"

    @property
    def display_name(self) -> str:
        return self.menu.name if self.menu is not None else f"IVR {self.entry}"

    def offer(self, call: "Call") -> bool:
        if self.menu is None:
            return False
        self.mgr.active.append(self)
        return super().offer(call)

    # -- the channel's events as inputs
    def on_answered(self) -> None:
        self.handle(IvrIn.ANSWERED)

    def on_hangup(self) -> None:
        self.handle(IvrIn.HANGUP)

    def on_digit(self, d: str) -> None:
        self.handle(IvrIn.DIGIT, d=d)

    def on_played(self) -> None:
        self.handle(IvrIn.PLAYED)

    def on_timeout(self, what: str) -> None:
        self.handle(IvrIn.TIMEOUT, what=what)

    # -- helpers: audio
    def _items(self, items: list[str]) -> list[Any]:
        """Prompt names (read-outs expanded) for the library."""
        lib = self.ctl._prompt_library()
        out: list[Any] = []
        for it in items:
            if not it.startswith("say:"):
                out.append(it)
                continue
            kind, _, arg = it[4:].partition(":")
            if arg.startswith("$"):
                arg = self.call.vars.get(arg[1:], "") if self.call is not None else ""
            if lib is None:
                continue
            if kind == "digits" and arg:
                out += lib.digits(arg)
            elif kind == "number" and arg.isdigit():
                out += lib.number(int(arg))
            elif kind == "time":
                out += lib.time_of_day(self.ctl.local_time())
        return out

    def _play(self, items: list[str]) -> None:
        """Play ``items`` to the caller; PLAYED when it ends (at once when there is nothing)."""
        names = self._items(items)
        if not names or self.row_a is None:
            self.nothing_to_play()
            return
        player: Player
        lib = self.ctl._prompt_library()
        try:
            if lib is None:
                raise LookupError("no prompt library")
            player = lib.player(*names)
        except Exception as e:                                    # a prompt file went missing
            log.warning("ivr %s node %s: %s", self.menu.number, self.node_id, e)
            player = TonePlayer(MISSING_PROMPT_TONE, self.ctl.profile)
        self.play(player)

    @property
    def node(self) -> dict:
        return self.menu.nodes[self.node_id]

    # -- helpers: moving through the menu
    def _enter(self, node_id: str) -> None:
        """Go to ``node_id`` of the current menu (counting loops without input)."""
        key = (self.menu.number, node_id)
        if key in self.visited:
            self.loops += 1
            if self.loops >= self.menu.loop_limit:
                log.info("ivr %s: caller %s looped %d times without input: fallback", self.menu.number,
                         self.call.src if self.call else "?", self.loops)
                self.call.notes.append(f"ivr {self.menu.number} loop limit")
                self._fallback()
                return
            self.visited = set()
        self.visited.add(key)
        self.node_id = node_id
        self.path.append(f"{self.menu.number}:{node_id}")
        self.ctl.publish("ivr.node", {"call": self.call.id, "menu": self.menu.number, "node": node_id,
                                      "caller": self.call.src})
        node = self.node
        t = node["type"]
        if t == "play":
            self.state = IvrState.PLAYING
            self._play(node["prompts"])
        elif t == "collect":
            self.attempts = 0
            self._collect()
        elif t == "time":
            tc = self.ctl.config.time_condition(node["condition"])
            mode = current_mode(tc, self.ctl.config.holidays, self.ctl.local_time()) if tc else "day"
            self._enter(node[mode])
        elif t == "set":
            self.call.vars.update(node["vars"])
            self.ctl.publish_call(self.call)
            self._enter(node["next"])
        elif t == "goto":
            self._goto(node["target"])
        elif t == "hangup":
            self.state = IvrState.HANGUP
            self._play(node["prompts"])

    def _collect(self) -> None:
        """(Re)start the collect node: its prompt, then wait for the first key."""
        self.state = IvrState.COLLECTING
        self.buf = ""
        self.disarm()
        self._play(self.node["prompts"])

    def _goto(self, number: str, why: str = "") -> None:
        """Send the caller to ``number``: another menu continues here; anything else is a
        redirect of the call.  A number that cannot take the call sends to the fallback."""
        other = self.ctl.config.ivr_menu(number)
        if other is not None:
            self.menu = other
            self.call.notes.append(f"ivr>{number}")
            self._enter(other.start)
            return
        self._leave()
        note = f"ivr {self.menu.number} {why or self.node_id}>{number}"
        if self.call.redirect(self, number, note=note):
            log.info("ivr %s: caller %s to %s", self.menu.number, self.call.src, number)
            return
        log.info("ivr %s: %s cannot take the call", self.menu.number, number)
        self.state = IvrState.STARTING                    # back in the menu
        if why == "fallback":
            self._hang_up()
        else:
            self._fallback()

    def _fallback(self) -> None:
        fb = self.menu.fallback
        if fb and fb != self.menu.number:
            self._goto(fb, why="fallback")
        else:
            self._hang_up()

    def _hang_up(self) -> None:
        self.state = IvrState.HANGUP
        self._play(["goodbye"])

    def _leave(self) -> None:
        self.state = IvrState.GONE
        self.disarm()
        self.quiet()
        if self in self.mgr.active:
            self.mgr.active.remove(self)

    def _operator(self) -> str:
        return self.menu.operator or self.ctl.config.settings.get("operator", "")

    def _direct_numbers(self) -> list[str]:
        if not self.menu.direct_dial or not self.node["direct_dial"]:
            return []
        return [e.number for e in self.ctl.config.extensions if e.enabled and self.menu.allows_direct(e.number)]

    def _more_possible(self, buf: str) -> bool:
        """Could more keys still make a choice of this node?"""
        node = self.node
        if any(len(k) > len(buf) and k.startswith(buf) for k in node["keys"]):
            return True
        if any(len(n) > len(buf) and n.startswith(buf) for n in self._direct_numbers()):
            return True
        return bool(node["next"]) and len(buf) < node["digits"] and not node["keys"].get(buf)

    def _choose(self, buf: str) -> None:
        """The caller's complete input ``buf`` at a collect node."""
        node = self.node
        self.disarm()
        if buf in node["keys"]:
            self._enter(node["keys"][buf])
            return
        if buf == "0" and node["operator"] and self._operator():
            self.call.vars.setdefault("ivr_operator", "1")
            self._goto(self._operator(), why="operator")
            return
        if buf in self._direct_numbers():
            self._goto(buf, why="direct")
            return
        if node["next"] and buf and len(buf) <= node["digits"]:
            if node["var"]:
                self.call.vars[node["var"]] = buf
                self.ctl.publish_call(self.call)
            self._enter(node["next"])
            return
        self._failed("invalid")

    def _failed(self, why: str) -> None:
        """Invalid input or no input: the notice and again, or after ``attempts`` the
        node's ``fail`` node / the menu's fallback."""
        node = self.node
        self.attempts += 1
        log.info("ivr %s node %s: %s (%d of %d)", self.menu.number, self.node_id, why,
                 self.attempts, node["attempts"])
        self.state = IvrState.NOTICE
        last = self.attempts >= node["attempts"]
        self._after_notice = "fail" if last else "again"
        self._play(node["invalid_prompt" if why == "invalid" else "timeout_prompt"])

    def _after_failures(self) -> None:
        node = self.node
        if node["fail"]:
            self._enter(node["fail"])
        else:
            self.call.notes.append(f"ivr {self.menu.number} node {self.node_id}: attempts used up")
            self._fallback()

    # -- the transition function
    def handle(self, inp: IvrIn, **data: Any) -> None:
        s = self.state
        if s == IvrState.GONE:
            return
        if inp == IvrIn.HANGUP:
            self._leave()
            return
        if s == IvrState.STARTING:
            if inp == IvrIn.ANSWERED:
                if self.menu is None:
                    self._hang_up()
                else:
                    self._enter(self.menu.start)
            return
        if s == IvrState.PLAYING:
            if inp == IvrIn.PLAYED:
                self._enter(self.node["next"])
            return                                          # keys during a play node: ignored
        if s == IvrState.COLLECTING:
            node = self.node
            if inp == IvrIn.PLAYED:                         # prompt over: wait for the first key
                self.arm(node["timeout_ms"], "first")
            elif inp == IvrIn.DIGIT:
                d = data["d"]
                self.quiet()                             # barge-in
                self.visited = {(self.menu.number, self.node_id)}
                self.loops = 0
                if d == node["terminator"] and node["terminator"]:
                    self._choose(self.buf)
                    return
                self.buf += d
                if self.buf in node["keys"] and not self._more_possible(self.buf):
                    self._choose(self.buf)
                elif len(self.buf) >= node["digits"] and not self._more_possible(self.buf):
                    self._choose(self.buf)
                elif not self._more_possible(self.buf):
                    self._choose(self.buf)
                else:
                    self.arm(node["interdigit_ms"], "interdigit")
            elif inp == IvrIn.TIMEOUT:
                if data.get("what") == "interdigit" and self.buf:
                    self._choose(self.buf)
                else:
                    self._failed("timeout")
            return
        if s == IvrState.NOTICE:
            if inp == IvrIn.PLAYED:
                if self._after_notice == "fail":
                    self._after_failures()
                else:
                    self._collect()
            elif inp == IvrIn.DIGIT and self._after_notice == "again":
                self._collect()                             # barge-in: the key counts at once
                self.handle(IvrIn.DIGIT, **data)
            return
        if s == IvrState.HANGUP:
            if inp == IvrIn.PLAYED:
                call = self.call
                self._leave()
                call.hangup(self)
            return

    def status(self) -> dict[str, Any]:
        return {"menu": self.menu.number if self.menu else self.entry, "node": self.node_id,
                "state": self.state.value, "caller": self.call.src if self.call else "",
                "vars": dict(self.call.vars) if self.call else {}}


class IvrManager:
    """The legs of every caller in a menu now."""

    def __init__(self, ctl: "CallControl") -> None:
        self.ctl = ctl
        self.active: list[IvrLeg] = []

    def leg(self, number: str) -> IvrLeg:
        return IvrLeg(self, number)

    def status(self) -> list[dict[str, Any]]:
        return [leg.status() for leg in self.active]
