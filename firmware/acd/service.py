"""AcdService: queues hand waiting callers to ready agents.

A caller routed to a queue number is answered by a :class:`~firmware.acd.legs.QueueLeg`
and becomes an :class:`Entry` (music on hold, periodic position / expected-wait
announcements, exit key, callback offer, max wait).  ``dispatch()`` runs whenever an
agent becomes ready, a caller joins, or a timer fires: for each waiting entry (highest
priority first, then longest waiting) it picks agents by the queue's strategy
(firmware.acd.strategies) and rings them through ``Call.redirect_stage`` — the
caller's call itself rings the agent's phone, with the queue again as the next stage,
so a ring-no-answer puts the caller back in the same place.  When an agent answers,
the queue name is whispered to the agent, then the bridge opens; a ``acd.screen_pop``
event goes out at offer time.  Everything is logged to queue_log / agent_events.

Times: ``*_ms`` are the clock's monotonic milliseconds (ticks × 20).
"""
from __future__ import annotations

import itertools
import logging
import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from firmware.acd.agents import AgentBook, AgentIn, AgentState, LiveAgent
from firmware.acd.legs import QueueLeg, SurveyLeg
from firmware.acd.log import AcdLog, epoch_ms
from firmware.acd.strategies import Candidate, Context, order
from firmware.acd.supervisors import Decision, SupervisorGate
from firmware.calls.call import CallIn, CallState
from firmware.calls.plan import Branch, Stage
from firmware.config.validate_acd import check_pin
from firmware.engine.media import Player, TonePlayer

if TYPE_CHECKING:
    from firmware.calls.call import Call
    from firmware.calls.control import CallControl

log = logging.getLogger("hotline.acd")

PIN_ATTEMPTS = 3                 #: wrong PINs in a row before an agent number is locked
LOCKOUT_MS = 300_000             #: how long it stays locked
DEFAULT_AHT_MS = 120_000         #: handle time assumed before a queue has any history
AHT_SAMPLES = 20                 #: recent calls the expected wait is computed from
REDISPATCH_MS = 1000             #: waiting callers are looked at again this often (penalty widening)
CALLBACK_POLL_MS = 500
CALLBACK_MENU_MS = 10_000        #: the callback menu waits this long for the next key, then music again
CALLBACK_NUMBER_TRIES = 3        #: refused numbers before the menu gives up
CALLBACK_NUMBER_LEN = (5, 20)    #: digits of a number entered for the callback


class CallbackMenu:
    """Where a caller is in "press 1 for this number, 2 to enter another number then #"."""
    OFF = ""
    CHOOSE = "choose"            #: heard "we will call you back at <number>; 1 confirm, 2 another"
    ENTER = "enter"              #: typing another number, ended by #


class EntryState:
    WAITING = "waiting"
    OFFERING = "offering"
    CONNECTED = "connected"
    SURVEY = "survey"
    CALLBACK = "callback"        #: the caller hung up and waits for a call back
    CALLING_BACK = "calling_back"
    EXITING = "exiting"          #: leaving while an agent rang: the offer is withdrawn first
    GONE = "gone"


@dataclass
class Entry:
    """One caller in a queue."""
    queue: str
    caller: str
    call: Optional["Call"]
    callid: str
    priority: int
    seq: int
    entered_ms: int
    entry_position: int
    leg: Optional[QueueLeg] = None
    state: str = EntryState.WAITING
    not_before_ms: int = 0
    offered: list[str] = field(default_factory=list)
    tried: set = field(default_factory=set)   #: agents offered this round (each gets a turn first)
    ring_start_ms: int = 0
    connect_ms: int = 0
    agent: str = ""
    timers: list[Any] = field(default_factory=list)
    announcements: list[list[str]] = field(default_factory=list)   #: prompt names said (tests, status)
    callback_offered: bool = False
    callback_number: str = ""
    callback_attempts: int = 0
    owner: str = ""              #: VIP owning agent
    cb_menu: str = CallbackMenu.OFF
    cb_digits: str = ""          #: the number being entered
    cb_refused: int = 0          #: numbers refused in this menu
    cb_timer: Any = None
    exit_to: tuple = ()          #: (destination, prompt) once the entry leaves during an offer

    def sort_key(self) -> tuple:
        return (-self.priority, self.entered_ms, self.seq)


class AcdService:
    """The call centre of one box (``ctl.acd``)."""

    def __init__(self, ctl: "CallControl", acdlog: AcdLog, *, rng: Optional[random.Random] = None) -> None:
        self.ctl = ctl
        self.log = acdlog
        self.book = AgentBook(ctl.clock, acdlog, rna_limit=self._rna_limit, changed=self._agent_changed,
                              publish=ctl.publish)
        self.entries: dict[str, list[Entry]] = {}       #: queue -> entries (waiting, offering, callback)
        self.connected: dict[str, Entry] = {}           #: callid -> entry talking to an agent
        self.rr_last: dict[str, int] = {}
        self.rng = rng or random.Random()
        self.aht: dict[str, deque] = {}
        self.failed_pins: dict[str, tuple[int, int]] = {}   #: agent -> (wrong PINs in a row, locked until ms)
        self.decision_ns: list[int] = []                   #: time spent choosing agents, per offer
        self._seq = itertools.count(1)
        self._dispatching = False
        self._again = False
        self._tick_timer: Any = None
        self.supervisors = SupervisorGate(lambda: self.ctl.config, self.now_ms)

    # ------------------------------------------------------------------ helpers
    @property
    def config(self) -> Any:
        return self.ctl.config

    def now_ms(self) -> int:
        return self.ctl.clock.ticks * 20

    def _rna_limit(self, agent: str) -> int:
        a = self.config.agent(agent)
        return a.rna_limit if a is not None else 3

    def agent_extension(self, agent: str) -> Optional[str]:
        """The extension agent ``agent`` is logged in at (None when logged out)."""
        a = self.book.agents.get(agent)
        return a.extension if a is not None and a.state != AgentState.LOGGED_OUT else None

    def agent_at(self, extension: str) -> Optional[LiveAgent]:
        return self.book.by_extension.get(extension)

    def check_supervisor(self, *, extension: str, number: str = "", pin: str = "", target_agent: str = "",
                         target: str = "") -> Decision:
        """May the person at ``extension`` (supervisor ``number`` + ``pin``, or a trusted
        phone) supervise agent ``target_agent`` ("" when the target is no agent)?
        :class:`firmware.acd.supervisors.Refused` says why not."""
        queues = None
        if target_agent and self.config.agent(target_agent) is not None:
            queues = tuple(q.number for q in self.config.queues_of(target_agent))
        return self.supervisors.check(extension=extension, number=number, pin=pin, agent_queues=queues,
                                      target=target or target_agent)

    def _phone_free(self, extension: str) -> bool:
        """True when the agent's phone can take a queue call (not on a direct call)."""
        ext = self.config.extension(extension)
        if ext is None or not ext.enabled:
            return False
        if ext.kind == "fxs":
            ch = self.ctl.port_channel(ext.port) if ext.port else None
            return ch is not None and ch.idle and getattr(ch, "held", None) is None
        for call in self.ctl.calls.values():           # SIP: any call it is part of
            for ch in (call.a, call.b, *call.offered):
                if getattr(getattr(ch, "extension", None), "number", None) == extension:
                    return False
        return True

    def play_to_caller(self, entry: Entry, player: Player) -> None:
        call = entry.call
        if call is not None and call.a.row is not None:
            self.ctl.switch.play(call.a.row, player)

    def _moh(self, entry: Entry) -> Player:
        q = self.config.queue(entry.queue)
        return self.ctl.music_on_hold(q.moh if q is not None and q.moh else
                                      (entry.call.moh_class if entry.call is not None else ""))

    def _lib(self) -> Any:
        return self.ctl._prompt_library()

    def _say_then_moh(self, entry: Entry, names: list[str], fallback: str = "!450/200") -> None:
        """Play prompts ``names`` to the caller, then music on hold."""
        lib = self._lib()
        moh = self._moh(entry)
        if lib is not None:
            try:
                self.play_to_caller(entry, lib.player(*names, then=moh))
                return
            except Exception as e:                      # a prompt is missing
                log.warning("queue prompt %s: %s", names, e)
        self.play_to_caller(entry, moh)

    def _cancel_timers(self, entry: Entry) -> None:
        for t in entry.timers:
            t.cancel()
        entry.timers = []

    def _later(self, entry: Entry, ms: int, fn: Callable[[], None]) -> None:
        entry.timers.append(self.ctl.clock.call_later(ms, fn))

    def waiting(self, queue: str) -> list[Entry]:
        """Callers still waiting their turn (callbacks included), in serving order."""
        return sorted((e for e in self.entries.get(queue, ()) if e.state != EntryState.GONE),
                      key=Entry.sort_key)

    def position(self, entry: Entry) -> int:
        w = self.waiting(entry.queue)
        return w.index(entry) + 1 if entry in w else 0

    def members_logged_in(self, queue: str) -> list[LiveAgent]:
        q = self.config.queue(queue)
        if q is None:
            return []
        out = []
        for m in q.members:
            a = self.book.agents.get(m.agent)
            if a is not None and a.state != AgentState.LOGGED_OUT:
                out.append(a)
        return out

    def aht_ms(self, queue: str) -> int:
        d = self.aht.get(queue)
        return int(sum(d) / len(d)) if d else DEFAULT_AHT_MS

    def expected_wait_ms(self, entry: Entry) -> int:
        """Position × recent average handle time / agents logged in."""
        n = max(1, len(self.members_logged_in(entry.queue)))
        return self.position(entry) * self.aht_ms(entry.queue) // n

    # ------------------------------------------------------------------ routing into a queue
    def stage(self, number: str) -> Stage:
        """What the resolver rings for queue ``number``: the queue answers itself."""
        return Stage([Branch([QueueLeg(self, number)], f"queue {number}")],
                     ring_ms=self.ctl.setting("ring_timeout_ms"))

    def leg_connected(self, leg: QueueLeg) -> None:
        """A QueueLeg was answered: a new caller joins, or a caller comes back after an offer."""
        if leg.entry is not None:
            self._back_in_queue(leg.entry, leg)
            return
        call = leg.call
        q = self.config.queue(leg.queue)
        if call is None or q is None:
            return
        region = self.config.region(call.src) if call.src else None
        if q.strategy == "region" and region is not None and region.queue and region.queue != q.number:
            target = self.config.queue(region.queue)
            if target is not None:
                call.notes.append(f"region {region.prefix} ({region.area}) > queue {target.number}")
                q = target
                leg.queue = q.number
        vip = self.config.vip(call.src) if call.src else None
        now = self.now_ms()
        waiting = self.waiting(q.number)
        entry = Entry(queue=q.number, caller=call.src, call=call, callid=call.id,
                      priority=vip.priority if vip is not None else 0, seq=next(self._seq),
                      entered_ms=now, entry_position=0, leg=leg, owner=vip.agent if vip is not None else "")
        leg.entry = entry
        if q.max_len and len(waiting) >= q.max_len:
            entry.state = EntryState.GONE
            call.notes.append(f"queue {q.number} full ({len(waiting)})")
            self.log.queue_event("FULL", callid=entry.callid, queue=q.number,
                                 data=(entry.caller, len(waiting), q.exit_dest))
            self._exit(entry, q.exit_dest, "queue_full")
            return
        if not self.members_logged_in(q.number) and not q.join_empty:
            entry.state = EntryState.GONE
            self.log.queue_event("EXITEMPTY", callid=entry.callid, queue=q.number,
                                 data=(1, 1, 0, q.exit_dest))
            self._exit(entry, q.exit_dest, "queue_closed")
            return
        self.entries.setdefault(q.number, []).append(entry)
        entry.entry_position = self.position(entry)
        self.log.queue_event("ENTERQUEUE", callid=entry.callid, queue=q.number,
                             data=(entry.caller, entry.priority, entry.entry_position))
        call.notes.append(f"queue {q.number}")
        call.on_end.append(lambda c, e=entry: self._call_ended(e, c))
        self.ctl.publish("acd.join", {"queue": q.number, "callid": entry.callid, "caller": entry.caller,
                                      "position": entry.entry_position, "priority": entry.priority})
        self._say_then_moh(entry, ["queue_all_busy"])
        self._arm_entry_timers(entry, q, first=True)
        self.dispatch()

    def _arm_entry_timers(self, entry: Entry, q: Any, first: bool = False) -> None:
        now = self.now_ms()
        waited = now - entry.entered_ms
        if q.max_wait_ms:
            self._later(entry, max(0, q.max_wait_ms - waited), lambda: self._timeout(entry))
        if q.announce_ms:
            self._later(entry, q.announce_ms, lambda: self._announce(entry))
        if q.callback_after_ms and not entry.callback_offered:
            self._later(entry, max(0, q.callback_after_ms - waited), lambda: self._offer_callback(entry))
        if entry.not_before_ms > now:
            self._later(entry, entry.not_before_ms - now, self.dispatch)

    def _back_in_queue(self, entry: Entry, leg: QueueLeg) -> None:
        """The offer was not answered: the caller is back at the same place."""
        entry.leg = leg
        if entry.state == EntryState.GONE:
            return
        if entry.state == EntryState.EXITING:
            self._leave(entry)
            self._exit(entry, *entry.exit_to)
            return
        entry.state = EntryState.WAITING
        q = self.config.queue(entry.queue)
        self.play_to_caller(entry, self._moh(entry))
        if q is not None:
            self._cancel_timers(entry)
            self._arm_entry_timers(entry, q)
        self.dispatch()

    def announcement(self, entry: Entry) -> list[str]:
        """Prompt names of the periodic announcement for ``entry`` (position, expected wait)."""
        lib = self._lib()
        q = self.config.queue(entry.queue)
        names = ["queue_thank_you_for_waiting"]
        if lib is None or q is None or not q.announce_position:
            return names
        pos = self.position(entry)
        names += ["you_are_number", *lib.number(pos), "in_queue"]
        ewt_min = max(1, math.ceil(self.expected_wait_ms(entry) / 60000))
        names += ["expected_wait", *lib.duration(ewt_min * 60)]
        return names

    def _announce(self, entry: Entry) -> None:
        if entry.state != EntryState.WAITING:
            return
        q = self.config.queue(entry.queue)
        if entry.cb_menu:                              # not over the callback menu: next time
            if q is not None and q.announce_ms:
                self._later(entry, q.announce_ms, lambda: self._announce(entry))
            return
        names = self.announcement(entry)
        entry.announcements.append(names)
        self.ctl.publish("acd.announce", {"queue": entry.queue, "callid": entry.callid, "prompts": names})
        self._say_then_moh(entry, names)
        if q is not None and q.announce_ms:
            self._later(entry, q.announce_ms, lambda: self._announce(entry))

    def _timeout(self, entry: Entry) -> None:
        if entry.state not in (EntryState.WAITING, EntryState.OFFERING):
            return
        q = self.config.queue(entry.queue)
        dest = q.exit_dest if q is not None else ""
        pos = self.position(entry)
        self.log.queue_event("EXITWITHTIMEOUT", callid=entry.callid, queue=entry.queue,
                             data=(pos, entry.entry_position, self.now_ms() - entry.entered_ms, dest))
        call = entry.call
        if entry.state == EntryState.OFFERING and call is not None and call.state == CallState.ALERTING:
            self._cancel_timers(entry)                 # stop the agents' phones, come back, then leave
            entry.state = EntryState.EXITING
            entry.exit_to = (dest, "queue_full")
            call.handle(CallIn.TIMEOUT, what="no_answer")
            return
        self._leave(entry)
        self._exit(entry, dest, "queue_full")

    def _leave(self, entry: Entry) -> None:
        """Take ``entry`` out of its queue (no log)."""
        self._cancel_timers(entry)
        self._menu_off(entry)
        if entry.state == EntryState.OFFERING:
            self._withdraw_offer(entry)
        entry.state = EntryState.GONE
        lst = self.entries.get(entry.queue, [])
        if entry in lst:
            lst.remove(entry)

    def _withdraw_offer(self, entry: Entry) -> None:
        for n in entry.offered:
            a = self.book.agents.get(n)
            if a is not None and a.state == AgentState.RINGING and a.callid == entry.callid:
                self.book.handle(a, AgentIn.CANCEL)
        entry.offered = []

    def _exit(self, entry: Entry, dest: str, prompt: str) -> None:
        """The caller leaves the queue to ``dest`` (or hears ``prompt`` and is hung up)."""
        call, leg = entry.call, entry.leg
        if call is None or leg is None:
            return
        if call.state == CallState.ALERTING:              # an agent was ringing: back to the queue leg first
            call.kill()
            return
        if dest and call.b is leg and call.redirect(leg, dest, note=f"queue {entry.queue} > {dest}"):
            leg.gone = True
            return
        lib = self._lib()

        def hang_up() -> None:
            if call.state == CallState.ANSWERED and call.b is leg:
                leg.gone = True
                call.hangup(leg)
        if lib is not None:
            try:
                self.play_to_caller(entry, lib.player(prompt, then=lambda: self.ctl.clock.call_later(0, hang_up)))
                return
            except Exception as e:
                log.warning("queue prompt %s: %s", prompt, e)
        self.ctl.clock.call_later(0, hang_up)

    def caller_digit(self, entry: Entry, d: str) -> None:
        q = self.config.queue(entry.queue)
        if q is None or entry.state != EntryState.WAITING:
            return
        if q.exit_key and d == q.exit_key:
            pos = self.position(entry)
            self._leave(entry)
            self.log.queue_event("EXITWITHKEY", callid=entry.callid, queue=entry.queue,
                                 data=(d, pos, self.now_ms() - entry.entered_ms, q.exit_key_dest))
            self._exit(entry, q.exit_key_dest, "queue_closed")
        elif entry.cb_menu:
            self._callback_menu_digit(entry, q, d)
        elif d == "1" and entry.callback_offered:
            self._callback_menu_start(entry)

    # ------------------------------------------------------------------ the callback menu
    def _say(self, entry: Entry, names: list[str], moh: bool) -> None:
        """Prompts to the caller, then music (``moh``) or silence."""
        lib = self._lib()
        if lib is None:
            if moh:
                self.play_to_caller(entry, self._moh(entry))
            return
        try:
            self.play_to_caller(entry, lib.player(*names, then=self._moh(entry) if moh else None))
        except Exception as e:                      # a prompt is missing
            log.warning("queue prompt %s: %s", names, e)

    def _menu_timer(self, entry: Entry) -> None:
        if entry.cb_timer is not None:
            entry.cb_timer.cancel()
        entry.cb_timer = self.ctl.clock.call_later(CALLBACK_MENU_MS, lambda: self._menu_timeout(entry))

    def _menu_off(self, entry: Entry) -> None:
        if entry.cb_timer is not None:
            entry.cb_timer.cancel()
        entry.cb_timer = None
        entry.cb_menu, entry.cb_digits = CallbackMenu.OFF, ""

    def _menu_timeout(self, entry: Entry) -> None:
        entry.cb_timer = None
        if entry.cb_menu and entry.state == EntryState.WAITING:
            self._menu_off(entry)
            self.play_to_caller(entry, self._moh(entry))     # still waiting, same place

    def _callback_menu_start(self, entry: Entry) -> None:
        """The caller pressed 1 for a callback: confirm the number they call from (1) or
        enter another (2, digits, #); a caller without a number enters one at once."""
        entry.cb_refused = 0
        if not entry.caller:
            self._callback_enter(entry)
            return
        entry.cb_menu = CallbackMenu.CHOOSE
        lib = self._lib()
        digits = lib.digits(entry.caller) if lib is not None else []
        entry.announcements.append(["queue_callback_confirm_number", *digits, "queue_callback_accept"])
        self._say(entry, entry.announcements[-1], moh=True)
        self._menu_timer(entry)

    def _callback_enter(self, entry: Entry, names: tuple = ()) -> None:
        entry.cb_menu, entry.cb_digits = CallbackMenu.ENTER, ""
        entry.announcements.append([*names, "queue_callback_enter_number"])
        self._say(entry, entry.announcements[-1], moh=False)
        self._menu_timer(entry)

    def _callback_menu_digit(self, entry: Entry, q: Any, d: str) -> None:
        if entry.cb_menu == CallbackMenu.CHOOSE:
            if d == "1":
                self._request_callback(entry, entry.caller)
            elif d == "2":
                self._callback_enter(entry)
            return
        self._menu_timer(entry)
        if d == "*":                                 # start the number again
            self._callback_enter(entry)
        elif d != "#":
            if not entry.cb_digits and entry.call is not None and entry.call.a.row is not None:
                self.ctl.switch.stop(entry.call.a.row)          # typing: the prompt stops
            entry.cb_digits += d
        else:
            number, problem = entry.cb_digits, self.callback_number_problem(q, entry.cb_digits)
            if not problem:
                self._request_callback(entry, number, entered=True)
                return
            entry.cb_refused += 1
            log.info("queue %s: callback number refused for %s: %s", entry.queue, entry.callid, problem)
            self.ctl.publish("acd.callback_refused", {"queue": entry.queue, "callid": entry.callid,
                                                      "number": number, "reason": problem})
            if entry.cb_refused >= CALLBACK_NUMBER_TRIES:
                self._menu_off(entry)
                entry.announcements.append(["not_allowed"])
                self._say(entry, ["not_allowed"], moh=True)          # back to waiting, same place
            else:
                self._callback_enter(entry, ("not_allowed",))

    def leg_gone(self, leg: QueueLeg) -> None:
        """The caller hung up while waiting (handled in _call_ended)."""

    # ------------------------------------------------------------------ the call ends
    def _call_ended(self, entry: Entry, call: "Call") -> None:
        now = self.now_ms()
        if entry.state in (EntryState.WAITING, EntryState.OFFERING):
            pos = self.position(entry)
            self._leave(entry)
            self.log.queue_event("ABANDON", callid=entry.callid, queue=entry.queue,
                                 data=(pos, entry.entry_position, now - entry.entered_ms))
            self.ctl.publish("acd.abandon", {"queue": entry.queue, "callid": entry.callid})
            self.dispatch()
        elif entry.state == EntryState.CONNECTED:
            self.connected.pop(entry.callid, None)
            talk = now - entry.connect_ms
            wait = entry.connect_ms - entry.entered_ms
            if call.hangup_side == "transfer":
                onward = [c for c in list(self.ctl.calls.values())   # the agent's consult call, which
                          if c is not call and c.a is call.b]       # the caller is about to take over
                to = onward[0].dst if onward else ""
                self.log.queue_event("TRANSFER", callid=entry.callid, queue=entry.queue, agent=entry.agent,
                                     data=(to, wait, talk))
            else:
                ev = "COMPLETECALLER" if call.hangup_side == "caller" else "COMPLETEAGENT"
                self.log.queue_event(ev, callid=entry.callid, queue=entry.queue, agent=entry.agent,
                                     data=(wait, talk))
            self._agent_done(entry, talk)
            entry.state = EntryState.GONE

    def _agent_done(self, entry: Entry, talk_ms: int) -> None:
        q = self.config.queue(entry.queue)
        wrap = q.wrapup_ms if q is not None else 0
        self.aht.setdefault(entry.queue, deque(maxlen=AHT_SAMPLES)).append(talk_ms + wrap)
        a = self.book.agents.get(entry.agent)
        if a is not None and a.callid == entry.callid:
            self.book.handle(a, AgentIn.HANGUP, talk_ms=talk_ms, wrapup_ms=wrap)

    # ------------------------------------------------------------------ distribution
    def dispatch(self) -> None:
        """Offer waiting callers to ready agents (re-entrant calls are folded into one)."""
        if self._dispatching:
            self._again = True
            return
        self._dispatching = True
        try:
            self._again = True
            while self._again:
                self._again = False
                for qn in list(self.entries):
                    self._dispatch_queue(qn)
        finally:
            self._dispatching = False
        self._arm_redispatch()

    def _arm_redispatch(self) -> None:
        busy = any(e.state in (EntryState.WAITING, EntryState.CALLBACK) for lst in self.entries.values() for e in lst)
        if busy and self._tick_timer is None:
            def tick() -> None:
                self._tick_timer = None
                self.dispatch()
            self._tick_timer = self.ctl.clock.call_later(REDISPATCH_MS, tick)

    def candidates(self, q: Any, entry: Entry) -> list[Candidate]:
        """Ready members of ``q`` allowed at ``entry``'s wait, phone free."""
        limit = q.penalty_limit(self.now_ms() - entry.entered_ms)
        out = []
        for i, m in enumerate(q.members):
            if m.penalty > limit and m.agent != entry.owner:
                continue
            a = self.book.agents.get(m.agent)
            if a is None or a.state != AgentState.READY or not self._phone_free(a.extension):
                continue
            out.append(Candidate(a, m.penalty, i))
        fresh = [c for c in out if c.agent.number not in entry.tried]
        if out and not fresh:                           # everybody had a turn: a new round
            entry.tried.clear()
            fresh = out
        return fresh

    def _preferred(self, q: Any, entry: Entry) -> list[str]:
        if q.strategy == "vip_owner":
            return [entry.owner] if entry.owner else []
        if q.strategy == "sticky" and entry.caller:
            since = epoch_ms(self.ctl.clock.wall_time()) - q.sticky_days * 86_400_000
            a = self.log.last_agent_for(entry.caller, since)
            return [a] if a else []
        if q.strategy == "region" and entry.caller:
            r = self.config.region(entry.caller)
            return list(r.agents) if r is not None else []
        return []

    def choose(self, q: Any, entry: Entry) -> list[LiveAgent]:
        """The agents to ring for ``entry`` now (all of them for ringall, else the best one)."""
        t0 = time.perf_counter_ns()
        cands = self.candidates(q, entry)
        if not cands:
            return []
        ctx = Context(queue=q.number, rr_last=self.rr_last, rng=self.rng, preferred=self._preferred(q, entry))
        ranked = order(q.strategy, cands, ctx)
        chosen = ranked if q.strategy == "ringall" else ranked[:1]
        self.decision_ns.append(time.perf_counter_ns() - t0)
        if q.strategy == "round_robin":
            self.rr_last[q.number] = chosen[0].index
        return [c.agent for c in chosen]

    def _dispatch_queue(self, qn: str) -> None:
        q = self.config.queue(qn)
        lst = self.entries.get(qn, [])
        if q is None:
            return
        if not lst:
            return
        if q.leave_empty and not self.members_logged_in(qn):
            for e in [e for e in lst if e.state == EntryState.WAITING]:
                pos = self.position(e)
                self._leave(e)
                self.log.queue_event("EXITEMPTY", callid=e.callid, queue=qn,
                                     data=(pos, e.entry_position, self.now_ms() - e.entered_ms, q.exit_dest))
                self._exit(e, q.exit_dest, "queue_closed")
            return
        now = self.now_ms()
        for entry in sorted(lst, key=Entry.sort_key):
            if entry.state not in (EntryState.WAITING, EntryState.CALLBACK) or entry.not_before_ms > now:
                continue
            agents = self.choose(q, entry)
            if not agents:
                continue
            if entry.state == EntryState.CALLBACK:
                self._call_back(entry, q, agents[0])
            else:
                self._offer(entry, q, agents)

    def _offer(self, entry: Entry, q: Any, agents: list[LiveAgent]) -> None:
        call, leg = entry.call, entry.leg
        if call is None or leg is None or call.b is not leg:
            return
        branches, offered = [], []
        for a in agents:
            ch = self.ctl.extension_channel(a.extension)
            if ch is None:
                continue
            branches.append(Branch([ch], a.number))
            offered.append(a.number)
        if not branches:
            return
        self._menu_off(entry)                          # an agent is free: no more need for the menu
        entry.state = EntryState.OFFERING
        entry.offered = offered
        entry.tried.update(offered)
        entry.ring_start_ms = self.now_ms()
        self._cancel_timers(entry)
        if q.max_wait_ms:
            self._later(entry, max(0, q.max_wait_ms - (self.now_ms() - entry.entered_ms)),
                        lambda: self._timeout(entry))
        for n in offered:
            self.book.handle(self.book.agents[n], AgentIn.OFFER, queue=q.number, callid=entry.callid)
        self._screen_pop(entry, q, offered)
        stage = Stage(branches, strategy="ringall", ring_ms=q.ring_ms,
                      next=lambda reason: self._offer_failed(entry, reason),
                      on_answer=lambda ch: self._agent_answered(entry, ch),
                      notes=[f"queue {q.number} offer {','.join(offered)}"])
        if q.whisper:
            stage.whisper = lambda ch: self._whisper(q)
        stage.on_b_hangup = lambda ch: self._agent_hung_up(entry, ch)
        call.redirect_stage(leg, stage, f"queue {q.number} > agents {','.join(offered)}")
        if call.state == CallState.ALERTING and entry.state == EntryState.OFFERING:
            self.play_to_caller(entry, self._moh(entry))       # music, not ringback, while agents ring

    def _whisper(self, q: Any) -> Optional[Player]:
        lib = self._lib()
        if lib is None:
            return TonePlayer("!1400/150", self.ctl.profile)
        try:
            return lib.player("queue_whisper_call_from", *lib.digits(q.number))
        except Exception as e:
            log.warning("queue whisper: %s", e)
            return None

    def _screen_pop(self, entry: Entry, q: Any, agents: list[str]) -> None:
        call = entry.call
        contact = self.config.contact(entry.caller) if entry.caller else None
        data = {"queue": q.number, "queue_name": q.name, "callid": entry.callid, "caller": entry.caller,
                "caller_name": (contact.name if contact is not None else "") or (call.caller_name if call else ""),
                "contact_note": contact.note if contact is not None else "",
                "wait_s": round((self.now_ms() - entry.entered_ms) / 1000, 1),
                "priority": entry.priority, "vars": dict(getattr(call, "vars", {}) or {}),
                "previous_calls": self.log.previous_calls(entry.caller) if entry.caller else {"count": 0},
                "agents": agents,
                "extensions": [self.book.agents[a].extension for a in agents]}
        self.ctl.publish("acd.screen_pop", data)

    def _offer_failed(self, entry: Entry, reason: str) -> Optional[Stage]:
        """The agents did not answer (or could not ring): back to the queue, same place."""
        exiting = entry.state == EntryState.EXITING
        for n in entry.offered:
            a = self.book.agents.get(n)
            if a is not None and a.state == AgentState.RINGING and a.callid == entry.callid:
                self.book.handle(a, AgentIn.NO_ANSWER if reason == "no_answer" and not exiting else AgentIn.CANCEL)
        entry.offered = []
        if entry.state == EntryState.GONE:
            return None
        if exiting:
            return Stage([Branch([QueueLeg(self, entry.queue, entry)], f"queue {entry.queue}")],
                         ring_ms=self.ctl.setting("ring_timeout_ms"), notes=[f"queue {entry.queue} exit"])
        q = self.config.queue(entry.queue)
        entry.not_before_ms = self.now_ms() + (q.retry_ms if q is not None else 0)
        entry.state = EntryState.WAITING
        leg = QueueLeg(self, entry.queue, entry)
        return Stage([Branch([leg], f"queue {entry.queue}")], ring_ms=self.ctl.setting("ring_timeout_ms"),
                     notes=[f"queue {entry.queue} ring no answer"])

    def _agent_of_channel(self, ch: Any) -> Optional[LiveAgent]:
        ext = getattr(ch, "extension", None)
        number = getattr(ext, "number", None) or getattr(ch, "number", "")
        return self.book.by_extension.get(number)

    def _agent_answered(self, entry: Entry, ch: Any) -> None:
        a = self._agent_of_channel(ch)
        now = self.now_ms()
        for n in entry.offered:
            other = self.book.agents.get(n)
            if other is not None and other is not a and other.state == AgentState.RINGING \
                    and other.callid == entry.callid:
                self.book.handle(other, AgentIn.CANCEL)
        entry.offered = []
        self._cancel_timers(entry)
        lst = self.entries.get(entry.queue, [])
        if entry in lst:
            lst.remove(entry)
        entry.state = EntryState.CONNECTED
        self.connected[entry.callid] = entry
        entry.connect_ms = now
        entry.agent = a.number if a is not None else ""
        if a is not None:
            self.book.handle(a, AgentIn.ANSWER)
        self.log.queue_event("CONNECT", callid=entry.callid, queue=entry.queue, agent=entry.agent,
                             data=(now - entry.entered_ms, a.extension if a else "", now - entry.ring_start_ms))
        self.ctl.publish("acd.connect", {"queue": entry.queue, "callid": entry.callid, "agent": entry.agent,
                                         "wait_s": round((now - entry.entered_ms) / 1000, 1)})
        self.dispatch()

    def _agent_hung_up(self, entry: Entry, ch: Any) -> bool:
        """The agent hung up first: with a survey, the caller stays to rate the call."""
        q = self.config.queue(entry.queue)
        call = entry.call
        if q is None or not q.survey or entry.state != EntryState.CONNECTED or call is None:
            return False
        self._start_survey(entry, ch, transfer_code="")
        return True

    def _start_survey(self, entry: Entry, agent_ch: Any, transfer_code: str) -> None:
        """The agent leaves ``entry``'s call and the caller hears the survey (after the
        agent hung up: COMPLETEAGENT; transferred with a code: TRANSFER to that code)."""
        call = entry.call
        assert call is not None
        now = self.now_ms()
        talk = now - entry.connect_ms
        wait = entry.connect_ms - entry.entered_ms
        if transfer_code:
            self.log.queue_event("TRANSFER", callid=entry.callid, queue=entry.queue, agent=entry.agent,
                                 data=(transfer_code, wait, talk))
        else:
            self.log.queue_event("COMPLETEAGENT", callid=entry.callid, queue=entry.queue, agent=entry.agent,
                                 data=(wait, talk))
        self._agent_done(entry, talk)
        entry.state = EntryState.SURVEY
        self.connected.pop(entry.callid, None)
        sw = self.ctl.switch
        for row in (agent_ch.row, call.a.row):
            if row is not None:
                sw.stop(row)
                sw.isolate(row)
        call.on_hold = False
        survey = SurveyLeg(self, entry)
        call.b = survey
        call.notes.append(f"survey (transferred by agent {entry.agent})" if transfer_code else "survey")
        survey.start()
        self.ctl.publish_call(call)

    def transfer_to_survey(self, chan: Any) -> str:
        """Feature code ``agent_survey`` (flash, ``*60``): the queue caller ``chan`` holds
        goes to the satisfaction survey; the agent's phone is free (hears the confirmation
        and hangs up). Returns the feature outcome ("on", or "invalid" when ``chan`` holds
        no queue call it answered)."""
        call = getattr(chan, "held", None)
        entry = self.connected.get(call.id) if call is not None else None
        if entry is None or entry.call is not call or entry.state != EntryState.CONNECTED \
                or call.state != CallState.ANSWERED or call.b is not chan:
            return "invalid"
        chan.held = None
        code = self.config.feature_code("agent_survey") or "survey"
        self._start_survey(entry, chan, transfer_code=code)
        return "on"

    def handed_on(self, call: "Call", to: str) -> bool:
        """The agent talking to queue caller ``call`` handed the caller on to ``to`` (blind
        transfer from the agent panel, ``call.transfer``): the agent's part ends here —
        TRANSFER in queue_log, wrap-up — while the call goes on. False when ``call`` is
        not a queue call connected to an agent."""
        entry = self.connected.get(call.id)
        if entry is None or entry.state != EntryState.CONNECTED or entry.call is not call:
            return False
        del self.connected[call.id]
        talk = self.now_ms() - entry.connect_ms
        self.log.queue_event("TRANSFER", callid=entry.callid, queue=entry.queue, agent=entry.agent,
                             data=(to, entry.connect_ms - entry.entered_ms, talk))
        self._agent_done(entry, talk)
        entry.state = EntryState.GONE
        return True

    def survey_score(self, entry: Entry, score: int) -> None:
        self.log.queue_event("SURVEY", callid=entry.callid, queue=entry.queue, agent=entry.agent, data=(score,))
        self.ctl.publish("acd.survey", {"queue": entry.queue, "callid": entry.callid, "agent": entry.agent,
                                        "score": score})

    # ------------------------------------------------------------------ callback
    def _offer_callback(self, entry: Entry) -> None:
        if entry.state != EntryState.WAITING:
            return
        entry.callback_offered = True
        entry.announcements.append(["queue_callback_offer"])
        self._say_then_moh(entry, ["queue_callback_offer"])

    def _request_callback(self, entry: Entry, number: str, entered: bool = False) -> None:
        self._menu_off(entry)
        pos = self.position(entry)
        entry.callback_number = number
        self.log.queue_event("CALLBACKREQUEST", callid=entry.callid, queue=entry.queue,
                             data=(entry.callback_number, pos, self.now_ms() - entry.entered_ms,
                                   "entered" if entered else "caller"))
        self._cancel_timers(entry)
        entry.state = EntryState.CALLBACK           # keeps its place (same entered_ms / priority)
        call, leg = entry.call, entry.leg
        entry.call = None
        self.ctl.publish("acd.callback", {"queue": entry.queue, "callid": entry.callid,
                                          "number": entry.callback_number, "position": pos})
        lib = self._lib()

        def hang_up() -> None:
            if call is not None and leg is not None and call.state == CallState.ANSWERED and call.b is leg:
                leg.gone = True
                call.hangup(leg)
        if lib is not None and call is not None and call.a.row is not None:
            try:
                self.ctl.switch.play(call.a.row, lib.player("queue_callback_confirmed",
                                                             then=lambda: self.ctl.clock.call_later(0, hang_up)))
                return
            except Exception as e:
                log.warning("callback prompt: %s", e)
        self.ctl.clock.call_later(0, hang_up)

    def _outside_target(self, number: str) -> Optional[tuple[str, Any]]:
        """(what an agent's phone dials, the dial-plan target) for outside ``number``: as is
        when the dial plan takes it out a route, else behind the prefix of the first
        outbound route that takes it; None when no route does."""
        from firmware.routing.dialplan import Match, TargetKind
        look = self.ctl.dialplan.lookup(number + "#")
        if look.match == Match.COMPLETE and look.target.kind == TargetKind.OUTBOUND:
            return number, look.target
        for r in self.config.outbound_routes:
            look = self.ctl.dialplan.lookup(r.prefix + number + "#")
            if look.match == Match.COMPLETE and look.target.kind == TargetKind.OUTBOUND:
                return r.prefix + number, look.target
        return None

    def dial_string(self, number: str) -> str:
        """What an agent's phone dials to reach outside ``number`` (see _outside_target)."""
        found = self._outside_target(number)
        return found[0] if found is not None else number

    def callback_number_problem(self, q: Any, number: str) -> str:
        """Why ``number`` (typed by a caller of queue ``q``) cannot be called back, in plain
        words; "" when it can: digits only, 5-20 of them, not an emergency number, out
        through an outbound route whose call class the queue's ``callback_class`` allows."""
        from firmware.config.model import builtin_emergency_numbers, class_allows
        lo, hi = CALLBACK_NUMBER_LEN
        if not number.isdigit():
            return f"{number!r} is not a phone number (digits only)"
        if not lo <= len(number) <= hi:
            return f"{number} has {len(number)} digits; a callback number has {lo} to {hi}"
        s = self.config.settings
        if number in set(builtin_emergency_numbers(s["country"])) | set(s["emergency_numbers"]):
            return f"{number} is an emergency number"
        found = self._outside_target(number)
        if found is None:
            return f"{number} cannot be dialled out through any outbound route"
        cls = found[1].call_class
        if not class_allows(q.callback_class, cls):
            return (f"{number} is a {cls} number; queue {q.number} calls back "
                    f"{q.callback_class} numbers at most (queues.callback_class)")
        return ""

    def _call_back(self, entry: Entry, q: Any, a: LiveAgent) -> None:
        """Ring the agent first; when the agent answers, the phone dials the customer."""
        ch = self.ctl.extension_channel(a.extension)
        if ch is None or not hasattr(ch, "originate"):
            return
        entry.state = EntryState.CALLING_BACK
        entry.callback_attempts += 1
        entry.agent = a.number
        entry.ring_start_ms = self.now_ms()
        self.book.handle(a, AgentIn.OFFER, queue=q.number, callid=entry.callid)
        self._screen_pop(entry, q, [a.number])
        ch.originate(self.dial_string(entry.callback_number))
        deadline = self.now_ms() + q.ring_ms
        self._later(entry, CALLBACK_POLL_MS, lambda: self._watch_callback(entry, q, a, ch, deadline))

    def _watch_callback(self, entry: Entry, q: Any, a: LiveAgent, ch: Any, deadline: int) -> None:
        call = ch.call
        if call is not None and a.state == AgentState.RINGING:          # the agent answered: dialling out
            self.book.handle(a, AgentIn.ANSWER)
            entry.call = call                      # queue_log rows keep the queue call's callid
            call.vars["queue_callid"] = entry.callid
            call.notes.append(f"queue {q.number} callback")
            call.on_end.append(lambda c: self._callback_ended(entry, q, a, c))
            lib = self._lib()
            if lib is not None and ch.row is not None:            # "callback for queue 700" while the line dials
                try:
                    self.ctl.switch.play(ch.row, lib.player("queue_callback_whisper", *lib.digits(q.number)))
                except Exception as e:
                    log.warning("callback whisper: %s", e)
            self._later(entry, self.ctl.setting("ring_timeout_ms"), lambda: self._customer_no_answer(entry, call))
            return
        if self.now_ms() >= deadline and a.state == AgentState.RINGING:
            ch.cancel(None)
            self.book.handle(a, AgentIn.NO_ANSWER)
            self._callback_retry(entry, q, "agent_no_answer")
            return
        if a.state == AgentState.RINGING:
            self._later(entry, CALLBACK_POLL_MS, lambda: self._watch_callback(entry, q, a, ch, deadline))

    def _callback_ended(self, entry: Entry, q: Any, a: LiveAgent, call: "Call") -> None:
        now = self.now_ms()
        if call.answer is not None:
            talk = int((call.end - call.answer).total_seconds() * 1000)
            self.log.queue_event("CALLBACKCONNECT", callid=entry.callid, queue=q.number, agent=a.number,
                                 data=(now - talk - entry.entered_ms, a.extension, entry.callback_attempts))
            self.log.queue_event("COMPLETEAGENT" if call.hangup_side == "caller" else "COMPLETECALLER",
                                 callid=entry.callid, queue=q.number, agent=a.number,
                                 data=(now - talk - entry.entered_ms, talk))
            self._leave(entry)
            self._agent_done_cb(a, q, talk)
            return
        self._agent_done_cb(a, q, 0)
        self._callback_retry(entry, q, {"BUSY": "busy", "NO ANSWER": "no_answer"}.get(call.disposition, "failed"))

    def _customer_no_answer(self, entry: Entry, call: "Call") -> None:
        """The customer's phone rang ``ring_timeout_ms`` unanswered: give up this attempt."""
        if call.answer is None and call.state != CallState.ENDED and entry.call is call:
            call.notes.append("callback: the customer did not answer")
            call.kill()

    def _agent_done_cb(self, a: LiveAgent, q: Any, talk: int) -> None:
        if a.state == AgentState.ON_CALL:
            self.book.handle(a, AgentIn.HANGUP, talk_ms=talk, wrapup_ms=q.wrapup_ms)

    def _callback_retry(self, entry: Entry, q: Any, reason: str) -> None:
        """An attempt failed (``reason``: agent_no_answer, no_answer, busy, failed): again
        after ``callback_retry_ms`` (CALLBACKRETRY), or CALLBACKFAILED after
        ``callback_retries`` retries."""
        if entry.callback_attempts > q.callback_retries:
            self._leave(entry)
            self.log.queue_event("CALLBACKFAILED", callid=entry.callid, queue=q.number,
                                 data=(entry.callback_attempts, reason, entry.callback_number))
            self.ctl.publish("acd.callback_failed", {"queue": q.number, "callid": entry.callid,
                                                     "number": entry.callback_number,
                                                     "attempts": entry.callback_attempts})
            return
        entry.state = EntryState.CALLBACK
        entry.not_before_ms = self.now_ms() + q.callback_retry_ms
        self.log.queue_event("CALLBACKRETRY", callid=entry.callid, queue=q.number,
                             data=(entry.callback_attempts, reason, q.callback_retry_ms, entry.callback_number))
        self.dispatch()

    # ------------------------------------------------------------------ agents
    def _agent_changed(self, a: LiveAgent) -> None:
        if a.state == AgentState.READY:
            self.dispatch()
        elif a.state == AgentState.LOGGED_OUT:
            self.dispatch()          # leave-when-empty

    def login(self, agent: str, pin: str, extension: str) -> str:
        """Log ``agent`` in at ``extension`` with ``pin``. Returns "ok", "locked",
        "wrong_pin", "no_agent" or "no_extension"."""
        cfg = self.config.agent(agent)
        now = self.now_ms()
        fails, until = self.failed_pins.get(agent, (0, 0))
        if until > now:
            return "locked"
        if cfg is None:
            return "no_agent"
        if self.config.extension(extension) is None:
            return "no_extension"
        if not check_pin(cfg.pin, pin):
            fails += 1
            self.failed_pins[agent] = (0, now + LOCKOUT_MS) if fails >= PIN_ATTEMPTS else (fails, 0)
            log.info("agent %s: wrong PIN at %s (%d)", agent, extension, fails)
            self.ctl.publish("acd.login_failed", {"agent": agent, "extension": extension,
                                                  "locked": fails >= PIN_ATTEMPTS})
            return "locked" if fails >= PIN_ATTEMPTS else "wrong_pin"
        self.failed_pins.pop(agent, None)
        self.book.handle(self.book.get(agent), AgentIn.LOGIN, extension=extension)
        return "ok"

    def logout(self, agent: str) -> bool:
        a = self.book.agents.get(agent)
        return a is not None and self.book.handle(a, AgentIn.LOGOUT)

    def pause(self, agent: str, reason: str = "") -> bool:
        a = self.book.agents.get(agent)
        if reason and self.config.pause_reasons and reason not in {r.code for r in self.config.pause_reasons}:
            raise ValueError(f"no pause reason {reason!r} (known: "
                             f"{', '.join(r.code + ' ' + r.name for r in self.config.pause_reasons)})")
        return a is not None and self.book.handle(a, AgentIn.PAUSE, reason=reason)

    def unpause(self, agent: str) -> bool:
        a = self.book.agents.get(agent)
        return a is not None and self.book.handle(a, AgentIn.UNPAUSE)

    def extend_wrapup(self, agent: str, ms: int = 30000) -> bool:
        a = self.book.agents.get(agent)
        return a is not None and self.book.handle(a, AgentIn.EXTEND, ms=ms)

    def feature(self, chan: Any, name: str, arg: str) -> str:
        """A feature code dialled at an extension (firmware.features.codes): on / off / invalid / refused."""
        ext = getattr(chan, "extension", None)
        if ext is None:
            return "invalid"
        here = self.agent_at(ext.number)
        if name == "agent_login":
            agent, _, pin = arg.partition("*")
            if not agent:
                return "invalid"
            r = self.login(agent, pin, ext.number)
            return "on" if r == "ok" else ("refused" if r == "locked" else "invalid")
        if here is None:
            return "invalid"
        if name == "agent_logout":
            return "off" if self.logout(here.number) else "invalid"
        if name == "agent_pause":
            try:
                return "off" if self.pause(here.number, arg) else "invalid"
            except ValueError:
                return "invalid"
        if name == "agent_unpause":
            return "on" if self.unpause(here.number) else "invalid"
        if name == "agent_wrapup":
            return "on" if self.extend_wrapup(here.number) else "invalid"
        if name == "agent_survey":
            return self.transfer_to_survey(chan)
        return "invalid"

    # ------------------------------------------------------------------ status
    def queue_status(self, number: str) -> dict[str, Any]:
        q = self.config.queue(number)
        if q is None:
            raise KeyError(f"no queue {number!r}")
        now = self.now_ms()
        entries = self.waiting(number)
        agents = []
        for m in q.members:
            a = self.book.agents.get(m.agent)
            st = a.status(now) if a is not None else {"agent": m.agent, "state": AgentState.LOGGED_OUT.value}
            agents.append({**st, "penalty": m.penalty})
        return {"number": q.number, "name": q.name, "strategy": q.strategy,
                "waiting": [{"callid": e.callid, "caller": e.caller, "position": i + 1, "priority": e.priority,
                             "state": e.state, "wait_s": round((now - e.entered_ms) / 1000, 1)}
                            for i, e in enumerate(entries)],
                "longest_wait_s": round(max((now - e.entered_ms for e in entries), default=0) / 1000, 1),
                "agents": agents, "aht_s": round(self.aht_ms(number) / 1000, 1)}

    def agents_status(self) -> list[dict[str, Any]]:
        now = self.now_ms()
        out = []
        for cfg in self.config.agents:
            a = self.book.agents.get(cfg.number)
            st = a.status(now) if a is not None else {"agent": cfg.number, "state": "logged_out"}
            st["name"] = cfg.name
            st["queues"] = [q.number for q in self.config.queues_of(cfg.number)]
            out.append(st)
        return out

    def status(self) -> list[dict[str, Any]]:
        return [self.queue_status(q.number) for q in self.config.queues]
