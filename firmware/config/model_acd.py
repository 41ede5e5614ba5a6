"""The call-centre (ACD) part of the configuration as frozen dataclasses: queues,
agents, pause reasons, VIP callers, caller regions and contacts (docs/acd.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class QueueMember:
    agent: str                  #: agent number
    penalty: int = 0            #: lower is preferred (0..9)


@dataclass(frozen=True)
class Queue:
    """A call queue (a dialable number, destination kind "queue"). Times in ms."""
    number: str
    name: str = ""
    strategy: str = "longest_idle"   #: see firmware.acd.strategies.STRATEGIES
    ring_ms: int = 15000        #: how long one offer rings an agent
    retry_ms: int = 5000        #: pause before a caller is offered again after a ring-no-answer
    wrapup_ms: int = 10000      #: after-call work of an agent before the next offer
    max_len: int = 0            #: callers waiting at most (0 = no limit); more go to exit_dest
    max_wait_ms: int = 0        #: longest wait (0 = no limit), then exit_dest
    exit_dest: str = ""         #: where callers go on timeout / full / empty ("" = hang up politely)
    join_empty: bool = True     #: callers may join when no agent is logged in
    leave_empty: bool = False   #: callers leave (to exit_dest) when the last agent logs out
    exit_key: str = ""          #: a key that leaves the queue ("" = none)
    exit_key_dest: str = ""     #: ... to this number
    moh: str = ""               #: music-on-hold class ("" = default)
    announce_ms: int = 60000    #: periodic announcement interval (0 = off)
    announce_position: bool = True   #: position + expected wait in the periodic announcement
    callback_after_ms: int = 0  #: offer "press 1 for a callback" after this wait (0 = off)
    callback_retries: int = 3
    callback_retry_ms: int = 60000   #: wait before calling a customer back again (no answer / busy)
    callback_class: str = "national"  #: highest call class of a number the caller enters for the callback
    whisper: bool = True        #: the agent hears the queue name before the bridge opens
    survey: bool = False        #: caller rates the call after the agent hangs up
    service_level_s: int = 15   #: service-level target T (answered within T s)
    penalty_steps: str = ""     #: "30000:1,60000:2": after a wait of N ms, penalties up to P ring too
    sticky_days: int = 7        #: sticky strategy: the last agent within N days
    members: tuple[QueueMember, ...] = ()

    def penalty_limit(self, waited_ms: int) -> int:
        """Highest member penalty offered after ``waited_ms`` of waiting (0 at first)."""
        limit = 0
        for after, pen in parse_penalty_steps(self.penalty_steps):
            if waited_ms >= after:
                limit = max(limit, pen)
        return limit


def parse_penalty_steps(text: str) -> list[tuple[int, int]]:
    """``"30000:1,60000:2"`` -> [(30000, 1), (60000, 2)] (ValueError when malformed)."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        after, _, pen = part.partition(":")
        out.append((int(after), int(pen)))
    return out


@dataclass(frozen=True)
class Agent:
    """A person who logs in at any extension with ``number`` + PIN."""
    number: str
    name: str = ""
    pin: str = field(default="", repr=False)   #: salted hash ("pbkdf2$salt$hex"), never the PIN
    rna_limit: int = 3          #: unanswered offers in a row before auto-pause (0 = never)
    paid_hours: float = 8.0     #: paid hours per day (L/P in agent reports; 0 = not reported)


@dataclass(frozen=True)
class Supervisor:
    """Who may listen / whisper / barge / take over (feature codes *66..*69, supervise.start).
    With no supervisors configured every extension may supervise."""
    number: str                 #: supervisor number, dialled after the agent: *66 1001 * 90 * PIN #
    name: str = ""
    pin: str = field(default="", repr=False)   #: salted hash, never the PIN
    extension: str = ""         #: the supervisor's desk phone (rung by supervise.start)
    trust_extension: bool = False   #: dialling from ``extension`` needs no number / PIN
    queues: tuple[str, ...] = ()    #: queues whose agents they may supervise (empty = all)

    def covers(self, queues: "tuple[str, ...] | list[str]") -> bool:
        """May this supervisor supervise an agent of ``queues`` (any one of them)?"""
        return not self.queues or any(q in self.queues for q in queues)


@dataclass(frozen=True)
class PauseReason:
    code: str                   #: 1-2 digits dialled after the pause code
    name: str = ""


@dataclass(frozen=True)
class VipCaller:
    number: str                 #: caller number (exact)
    priority: int = 10          #: higher is answered first (normal callers: 0)
    agent: str = ""             #: owning agent (account manager), "" = none
    note: str = ""


@dataclass(frozen=True)
class Region:
    prefix: str                 #: caller number prefix (longest match wins)
    area: str = ""              #: e.g. "Beijing"
    queue: str = ""             #: a queue with strategy "region" sends these callers to this queue
    agents: tuple[str, ...] = ()    #: agents who serve this area first


@dataclass(frozen=True)
class Contact:
    number: str
    name: str = ""
    note: str = ""


def region_for(regions: tuple[Region, ...], caller: str) -> Optional[Region]:
    """The region with the longest prefix of ``caller`` (None when none matches)."""
    best: Optional[Region] = None
    for r in regions:
        if caller.startswith(r.prefix) and (best is None or len(r.prefix) > len(best.prefix)):
            best = r
    return best
