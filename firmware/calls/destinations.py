"""From a number to what rings: the resolver that builds a call's stages.

* an **extension** rings its phone — unless it forwards all calls (CFU), is in do-not-
  disturb (callers get busy, or its busy forward), and with follow-me its outside number
  rings together with the desk or after ``followme_delay_ms``; when not answered within
  ``cfna_ring_ms`` the no-answer forward (CFNA) follows, when busy the busy forward (CFB);
* a **ring group** rings its members by strategy (ring all, hunt in order, round-robin
  that remembers who answered last) and overflows to ``no_answer_dest`` when nobody
  answers within ``ring_ms`` or everybody is busy;
* a **conference room** is joined (PIN asked first when it has one);
* a **voicemail number** answers with the mailbox's greeting and records a message (the
  voicemail main number asks which mailbox and its PIN); an extension with a mailbox
  sends callers there when not answered / busy, unless it has its own CFNA / CFB;
* an **IVR menu** answers and walks the caller through its nodes (firmware/ivr);
* an **outside number** (a forward target) is dialled on the lines of the route's trunk
  group, if the forwarding extension may dial it.

Forward chains remember the extensions they passed: a forward back to one of them (A→B→A)
stops at the first repeat, and the extension whose forward would loop rings itself.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from firmware.calls.plan import Branch, Stage
from firmware.routing.dialplan import Match, TargetKind, allowed

if TYPE_CHECKING:
    from firmware.calls.control import CallControl
    from firmware.channels.base import Channel

log = logging.getLogger("hotline.calls")

OUTBOUND_RING_MS = 90_000      #: give up an outbound call that is not answered by then


class Resolver:
    """Builds stages from the current configuration of ``ctl``."""

    def __init__(self, ctl: "CallControl") -> None:
        self.ctl = ctl
        self.rr_memory: dict[str, int] = {}      #: ring group -> index of the member who answered last
        self._tg_rr: dict[str, int] = {}

    @property
    def config(self) -> Any:
        return self.ctl.config

    # ------------------------------------------------------------------ any number
    def internal(self, number: str, visited: frozenset = frozenset()) -> Optional[Stage]:
        """The stage for an internal number (extension, ring group, conference), or None."""
        kind = self.config.destination_kind(number)
        if kind == "extension":
            return self.extension(number, visited)
        if kind == "ring_group":
            return self.ring_group(number, visited)
        if kind == "conference":
            return self.conference(number)
        if kind == "queue" and getattr(self.ctl, "acd", None) is not None:
            return self.ctl.acd.stage(number)
        if kind == "voicemail":
            return self.voicemail(number)
        if kind == "ivr":
            return self.ivr(number)
        return None

    def number(self, number: str, visited: frozenset = frozenset(), *, rights_of: Any = None,
               why: str = "") -> Stage:
        """Any number a forward or overflow may name: internal, or outside by the dial plan
        (subject to the outbound class of ``rights_of``, the forwarding extension)."""
        st = self.internal(number, visited)
        if st is not None:
            return st
        look = self.ctl.dialplan.lookup(number + "#")
        t = look.target if look.match == Match.COMPLETE else None
        if t is None or t.kind not in (TargetKind.OUTBOUND, TargetKind.EMERGENCY):
            return Stage([], refusal=f"{why or 'forward'} to {number}: no such number")
        ext_class = rights_of.outbound_class if rights_of is not None else "internal"
        if t.kind == TargetKind.OUTBOUND and not allowed(ext_class, t.call_class):
            return Stage([], refusal=f"{why or 'forward'} to {number} refused: extension "
                                     f"{getattr(rights_of, 'number', '?')} may not make {t.call_class} calls")
        return Stage([self.outside_branch(t.trunk_group, t.number, label=number)],
                     ring_ms=self.ctl.setting("ring_timeout_ms"))

    def outside_branch(self, trunk_group: Optional[str], number_out: str, *, label: str,
                       confirm: bool = False, emergency: bool = False) -> Branch:
        """Dial ``number_out`` on the first free line of ``trunk_group`` (the box's limit on
        outside calls applies, except to emergency calls)."""
        lines = self.lines(trunk_group) if trunk_group else []
        refusal = self.ctl.tollguard.line_refusal() if lines and not emergency else ""
        if refusal:
            lines = []
        return Branch(lines, label, number_out=number_out, confirm=confirm,
                      empty_reason="congestion" if refusal else "no_line")

    def lines(self, group: str) -> list["Channel"]:
        chans = [c for c in (self.ctl.port_channel(ln.port) for ln in self.config.lines_in_group(group))
                 if c is not None]
        if self.ctl.sip is not None:
            chans += self.ctl.sip.trunk_legs(group)
        tg = self.config.trunk_group(group)
        if tg is not None and tg.strategy == "round_robin" and chans:
            k = self._tg_rr.get(group, 0) % len(chans)
            self._tg_rr[group] = k + 1
            chans = chans[k:] + chans[:k]
        return chans

    # ------------------------------------------------------------------ extensions
    def extension(self, number: str, visited: frozenset = frozenset()) -> Stage:
        ext = self.config.extension(number)
        visited = visited | {number}
        notes: list[str] = []
        if ext.cfu:
            if ext.cfu in visited:
                notes.append(f"forward loop {number}>{ext.cfu} stopped at {number}")
                log.info("forward loop: %s forwards to %s, already in the chain %s", number, ext.cfu, sorted(visited))
            else:
                st = self.number(ext.cfu, visited, rights_of=ext, why="cfu")
                st.notes.insert(0, f"cfu {number}>{ext.cfu}")
                if not st.refusal:
                    return st
                notes.append(st.refusal)
        ch = self.ctl.extension_channel(number)
        desk = Branch([] if (ext.dnd or ch is None) else [ch], number, empty_reason="busy")
        if ext.dnd:
            notes.append(f"dnd {number}")
        ring_ms = ext.cfna_ring_ms if ext.cfna else self.ctl.setting("ring_timeout_ms")
        mobile: Optional[Branch] = None
        if ext.followme_mode != "off" and ext.followme:
            mst = self.number(ext.followme, visited, rights_of=ext, why="follow-me")
            if mst.refusal:
                notes.append(mst.refusal)
            elif mst.branches:
                mobile = mst.branches[0]
                mobile.confirm = ext.followme_confirm and bool(mobile.number_out)
                mobile.label = f"followme {ext.followme}"

        def after_desk(reason: str) -> Optional[Stage]:
            if reason == "no_answer" and ext.cfna and ext.cfna not in visited:
                st = self.number(ext.cfna, visited, rights_of=ext, why="cfna")
                st.notes.insert(0, f"cfna {number}>{ext.cfna}")
                return st
            if reason != "no_answer" and ext.cfb and ext.cfb not in visited:
                st = self.number(ext.cfb, visited, rights_of=ext, why="cfb")
                st.notes.insert(0, f"cfb {number}>{ext.cfb}")
                return st
            unreachable = ch is None and not ext.dnd          # unregistered / no phone: "not available"
            return self.own_mailbox(number, "unavailable" if reason == "no_answer" or unreachable else "busy")

        if mobile is not None and ext.followme_mode == "together":
            return Stage([desk, mobile], ring_ms=max(ring_ms, self.ctl.setting("ring_timeout_ms")),
                         next=after_desk, notes=notes + [f"followme {number}+{ext.followme}"])
        if mobile is not None and ext.followme_mode == "after":
            rest = Stage([mobile], ring_ms=self.ctl.setting("ring_timeout_ms"), keep_ringing=True,
                         next=after_desk, notes=[f"followme {number}>{ext.followme}"])
            return Stage([desk], ring_ms=ext.followme_delay_ms, next=lambda reason: rest, notes=notes)
        return Stage([desk], ring_ms=ring_ms, next=after_desk, notes=notes)

    # ------------------------------------------------------------------ ring groups
    def ring_group(self, number: str, visited: frozenset = frozenset()) -> Stage:
        g = self.config.ring_group(number)
        visited = visited | {number}
        members: list[tuple[int, "Channel", str]] = []
        for i, m in enumerate(g.members):
            ext = self.config.extension(m)
            ch = self.ctl.extension_channel(m)
            if ch is not None and ext is not None and not ext.dnd:
                members.append((i, ch, m))
        strategy = "ringall" if g.strategy == "ringall" else "hunt"
        index_of: dict[int, int] = {}
        if g.strategy == "round_robin" and members:
            last = self.rr_memory.get(number, -1)
            k = next((j for j, (i, _c, _m) in enumerate(members) if i > last), 0)
            members = members[k:] + members[:k]
            index_of = {id(ch): i for i, ch, _m in members}

        def remember(chan: "Channel") -> None:          # round-robin memory: who answered
            if id(chan) in index_of:
                self.rr_memory[number] = index_of[id(chan)]
        on_answer = remember if index_of else None
        branches = [Branch([ch], m) for _i, ch, m in members]
        if not branches:
            branches = [Branch([], number, empty_reason="busy")]

        def overflow(reason: str) -> Optional[Stage]:
            d = g.no_answer_dest
            if not d or d in visited:
                return None
            st = self.number(d, visited, why="overflow")
            st.notes.insert(0, f"overflow {number}>{d}")
            return st
        return Stage(branches, strategy=strategy, ring_ms=g.ring_ms, next=overflow, on_answer=on_answer)

    # ------------------------------------------------------------------ voicemail
    def voicemail(self, number: str, greeting: str = "unavailable") -> Stage:
        """A voicemail number: leave a message in its mailbox (``greeting`` busy /
        unavailable), or the main number: retrieval after mailbox + PIN."""
        vm = getattr(self.ctl, "voicemail", None)
        box = self.config.voicemail_target(number)
        if vm is None or box is None:
            return Stage([], refusal=f"voicemail {number}: voicemail is not running on this box")
        leg = vm.deposit_leg(box, greeting) if box else vm.retrieval_leg(None)
        return Stage([Branch([leg], f"vm {box or 'main'}")], ring_ms=self.ctl.setting("ring_timeout_ms"),
                     notes=[f"voicemail {box}" if box else "voicemail main"])

    def own_mailbox(self, extension: str, greeting: str) -> Optional[Stage]:
        """The extension's own mailbox after no answer / busy, if it has an enabled one."""
        mb = self.config.mailbox(extension) if hasattr(self.config, "mailbox") else None
        vm = getattr(self.ctl, "voicemail", None)
        if mb is None or not mb.enabled or mb.kind != "extension" or vm is None:
            return None
        leg = vm.deposit_leg(extension, greeting)
        return Stage([Branch([leg], f"vm {extension}")], ring_ms=self.ctl.setting("ring_timeout_ms"),
                     notes=[f"voicemail {extension} ({greeting})"])

    # ------------------------------------------------------------------ conference rooms
    def ivr(self, number: str) -> Stage:
        """An IVR menu answers at once and walks the caller through its nodes."""
        leg = self.ctl.ivr.leg(number)
        return Stage([Branch([leg], f"ivr {number}")], ring_ms=self.ctl.setting("ring_timeout_ms"))

    def conference(self, number: str) -> Stage:
        leg = self.ctl.conferences.leg(number)
        return Stage([Branch([leg], f"conf {number}")], ring_ms=self.ctl.setting("ring_timeout_ms"))
