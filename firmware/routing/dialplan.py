"""The dial plan: what a string of dialled digits means.

Built from a configuration snapshot: extension numbers, ring-group numbers, emergency
numbers (the country's, always routable) and outbound routes (prefix + dial pattern,
with digit manipulation). ``lookup(digits)`` answers the question digit collection asks
after every digit: is this a complete number, could it become one, or is it nothing?
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Optional

from firmware.config.dialpattern import Match as PMatch, parse_pattern
from firmware.config.featurecodes import BY_NAME
from firmware.config.model import class_allows


class TargetKind(str, enum.Enum):
    EXTENSION = "extension"
    RING_GROUP = "ring_group"
    OUTBOUND = "outbound"
    EMERGENCY = "emergency"
    CONFERENCE = "conference"
    QUEUE = "queue"
    IVR = "ivr"
    FEATURE = "feature"          #: number = feature name, dialled = the code; arg = what follows
    VOICEMAIL = "voicemail"      #: a voicemail number: number = the mailbox ("" = main: asks which)


@dataclass(frozen=True)
class Target:
    """Where dialled digits lead. For OUTBOUND/EMERGENCY, ``number`` is what is sent to
    the line (after strip/prepend) and ``trunk_group`` says which lines to use."""
    kind: TargetKind
    dialled: str
    number: str
    trunk_group: Optional[str] = None
    call_class: str = "internal"
    route: Optional[str] = None
    arg: str = ""               #: FEATURE: the number after a code that takes one


class Match(str, enum.Enum):
    COMPLETE = "complete"       #: a full number; no longer one can match: route now
    AMBIGUOUS = "ambiguous"     #: a full number, but more digits could match something else
    PARTIAL = "partial"         #: not yet a number; wait for more digits
    NONE = "none"               #: cannot become a number


@dataclass(frozen=True)
class Lookup:
    match: Match
    target: Optional[Target] = None


class DialPlan:
    """Digits -> Target, from a configuration snapshot (``firmware.config.model.Config``)."""

    def __init__(self, config: Any) -> None:
        self._exact: dict[str, Target] = {}
        for e in config.extensions:
            if e.enabled:
                self._exact[e.number] = Target(TargetKind.EXTENSION, e.number, e.number)
        for g in config.ring_groups:
            self._exact[g.number] = Target(TargetKind.RING_GROUP, g.number, g.number)
        for c in getattr(config, "conference_rooms", ()):
            self._exact[c.number] = Target(TargetKind.CONFERENCE, c.number, c.number)
        for q in getattr(config, "queues", ()):
            self._exact[q.number] = Target(TargetKind.QUEUE, q.number, q.number)
        vm = config.voicemail_numbers() if hasattr(config, "voicemail_numbers") else {}
        for n, box in vm.items():
            self._exact[n] = Target(TargetKind.VOICEMAIL, n, box)
        for m in getattr(config, "ivr_menus", ()):
            self._exact[m.number] = Target(TargetKind.IVR, m.number, m.number)
        self._codes = [(code, name, BY_NAME[name].takes_number)
                       for name, code in config.settings.get("feature_codes", {}).items() if code]
        groups = [tg.name for tg in config.trunk_groups]
        self.emergency_group = groups[0] if groups else None
        for n in config.emergency_numbers():
            self._exact.setdefault(n, Target(TargetKind.EMERGENCY, n, n, self.emergency_group,
                                             "internal", "emergency"))
        self._routes = sorted(config.outbound_routes, key=lambda r: (r.priority, r.id))

    def lookup(self, digits: str) -> Lookup:
        """Classify ``digits`` (a trailing ``#`` means "that's all": no waiting)."""
        if digits[:1] in ("*", "#"):
            return self._feature(digits)
        final = digits.endswith("#")
        if final:
            digits = digits[:-1]
        complete: Optional[Target] = None
        extendable = False
        t = self._exact.get(digits)
        if t is not None:
            complete = t
        for num in self._exact:
            if len(num) > len(digits) and num.startswith(digits):
                extendable = True
                break
        for r in self._routes:
            if not digits.startswith(r.prefix) and not r.prefix.startswith(digits):
                continue
            if len(digits) < len(r.prefix):
                extendable = True
                continue
            m = parse_pattern(r.pattern).match(digits[len(r.prefix):])
            full = m in (PMatch.FULL, PMatch.FULL_MORE)
            extendable = extendable or m in (PMatch.PARTIAL, PMatch.FULL_MORE)
            if full and complete is None:
                complete = Target(TargetKind.OUTBOUND, digits, r.translate(digits),
                                  r.trunk_group, r.call_class, r.name)
        if complete is not None:
            return Lookup(Match.COMPLETE if (final or not extendable) else Match.AMBIGUOUS, complete)
        if extendable and not final:
            return Lookup(Match.PARTIAL)
        return Lookup(Match.NONE)


    def _feature(self, digits: str) -> Lookup:
        """Feature codes: a code alone, or a code followed by a number (``*72803``)."""
        partial = False
        for code, name, takes in self._codes:
            if digits == code or (digits == code + "#" and not takes):
                if not takes:
                    return Lookup(Match.COMPLETE, Target(TargetKind.FEATURE, code, name))
                partial = True
            elif takes and digits.startswith(code):
                rest = digits[len(code):]
                if BY_NAME[name].until_hash:          # free digits (agent number*PIN): wait for #
                    if rest.endswith("#"):
                        return Lookup(Match.COMPLETE, Target(TargetKind.FEATURE, code, name, arg=rest[:-1]))
                    partial = True
                    continue
                if rest == "#":
                    return Lookup(Match.COMPLETE, Target(TargetKind.FEATURE, code, name))
                sub = self.lookup(rest)
                t = Target(TargetKind.FEATURE, code, name, arg=rest.rstrip("#"))
                if sub.match == Match.COMPLETE or (sub.match == Match.NONE and rest.endswith("#")):
                    return Lookup(Match.COMPLETE, t)
                if sub.match == Match.AMBIGUOUS:
                    return Lookup(Match.AMBIGUOUS, t)
                if sub.match == Match.PARTIAL:
                    partial = True
            elif code.startswith(digits.rstrip("#")) and not digits.endswith("#"):
                partial = True
        return Lookup(Match.PARTIAL) if partial else Lookup(Match.NONE)


def allowed(outbound_class: str, call_class: str) -> bool:
    """May an extension of ``outbound_class`` place a call of ``call_class``?"""
    return class_allows(outbound_class, call_class)
