"""What a call rings, as data: stages of branches.

A **branch** is one destination: an extension's phone, an outside number over the
lines of a trunk group (tried in order when a line fails: no dial tone), or a box
application such as a conference room.  A **stage** rings its branches by a strategy
(``ringall`` all at once; ``hunt`` one after the other, ``ring_ms`` each) for
``ring_ms`` and knows what comes next (``next(reason)`` with reason ``no_answer`` or
``busy``): call forwarding, follow-me, ring-group overflow and transfer recall are
all "the next stage".  The resolver (firmware.calls.destinations) builds them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from firmware.channels.base import Channel


@dataclass
class Branch:
    """One destination. ``channels`` are tried in order (failover) until one accepts."""
    channels: list["Channel"]
    label: str                       #: for CDRs and status: "801", "9138...", "conf 700"
    number_out: str = ""             #: digits a line dials (outside branches)
    confirm: bool = False            #: the answering party must press 1 (follow-me mobile)
    empty_reason: str = "busy"       #: why it fails when no channel can take it


@dataclass
class Stage:
    """Branches rung together or in turn, then what comes next."""
    branches: list[Branch]
    strategy: str = "ringall"        #: ringall | hunt
    ring_ms: int = 30_000            #: ringall: the whole stage; hunt: each branch
    next: Optional[Callable[[str], Optional["Stage"]]] = None   #: reason -> next stage or None
    keep_ringing: bool = False       #: when this stage starts, what rang before keeps ringing
    notes: list[str] = field(default_factory=list)   #: what the resolver did ("cfu 801>803")
    outbound: bool = False           #: the caller dials out: early media from the line, no own ringback
    refusal: str = ""                #: set when the caller may not make this call (reason, in words)
    on_answer: Optional[Callable[["Channel"], None]] = None   #: e.g. round-robin memory
    whisper: Optional[Callable[["Channel"], Any]] = None     #: a Player the answering party hears
    #: before the bridge opens (queue name to the agent), or None
    on_b_hangup: Optional[Callable[["Channel"], bool]] = None  #: the answering party hung up:
    #: True = handled (e.g. the caller is kept for a survey), the call goes on
