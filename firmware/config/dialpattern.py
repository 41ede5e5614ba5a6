"""Asterisk-style dial patterns for outbound routes.

A pattern describes the digits dialled *after* a route's prefix:

* ``X`` any digit 0-9, ``Z`` 1-9, ``N`` 2-9;
* ``[1-5]``, ``[135]``, ``[1-35-7]``: one digit out of a set (ranges and single digits);
* ``0``-``9``, ``*``, ``#``: that character literally;
* ``.`` (last only): one or more further digits; ``!`` (last only): zero or more.

A leading ``_`` (as in Asterisk's ``exten => _9X.``) is accepted and ignored.
Patterns are matched against the whole dialled string.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

DIGITS = frozenset("0123456789")
LITERALS = frozenset("0123456789*#")
_CLASSES = {"X": frozenset("0123456789"), "Z": frozenset("123456789"), "N": frozenset("23456789")}


class DialPatternError(ValueError):
    """A pattern that does not parse (the message says where)."""


class Match(Enum):
    """How far a dialled string matches a pattern."""
    NO = "no"              #: can never match, whatever is dialled next
    PARTIAL = "partial"    #: not yet; more digits could make it match
    FULL = "full"          #: matches now, no more digits can be taken
    FULL_MORE = "full_more"  #: matches now, and would still match with more digits (``.``/``!``)


@dataclass(frozen=True)
class DialPattern:
    """A parsed pattern: one digit set per position plus an optional open tail."""
    text: str
    positions: tuple[frozenset[str], ...]
    tail: str = ""          #: "" (fixed length), "." (one or more more) or "!" (zero or more)

    @property
    def min_length(self) -> int:
        return len(self.positions) + (1 if self.tail == "." else 0)

    def match(self, digits: str) -> Match:
        """Compare a dialled string (without the route prefix) with this pattern."""
        n = len(self.positions)
        for i, ch in enumerate(digits[:n]):
            if ch not in self.positions[i]:
                return Match.NO
        if len(digits) < n:
            return Match.PARTIAL
        rest = digits[n:]
        if not self.tail:
            return Match.FULL if not rest else Match.NO
        if not all(c in LITERALS for c in rest):
            return Match.NO
        if self.tail == "." and not rest:
            return Match.PARTIAL
        return Match.FULL_MORE

    def matches(self, digits: str) -> bool:
        return self.match(digits) in (Match.FULL, Match.FULL_MORE)


@lru_cache(maxsize=512)
def parse_pattern(text: str) -> DialPattern:
    """Parse a pattern; raise DialPatternError naming the bad character and position."""
    if not isinstance(text, str):
        raise DialPatternError("a dial pattern must be text")
    body = text[1:] if text.startswith("_") else text
    if not body:
        raise DialPatternError("a dial pattern must not be empty")
    positions: list[frozenset[str]] = []
    tail = ""
    i = 0
    while i < len(body):
        c = body[i]
        if tail:
            raise DialPatternError(f"{tail!r} must be the last character (found {c!r} after it)")
        if c in _CLASSES:
            positions.append(_CLASSES[c])
        elif c in LITERALS:
            positions.append(frozenset(c))
        elif c in ".!":
            tail = c
        elif c == "[":
            end = body.find("]", i + 1)
            if end < 0:
                raise DialPatternError(f"'[' at position {i + 1} is never closed with ']'")
            positions.append(_parse_set(body[i + 1:end], i + 1))
            i = end
        else:
            raise DialPatternError(f"unexpected character {c!r} at position {i + 1}")
        i += 1
    if not positions and tail != "!" and tail != ".":
        raise DialPatternError("a dial pattern must not be empty")
    return DialPattern(text, tuple(positions), tail)


def _parse_set(inner: str, where: int) -> frozenset[str]:
    if not inner:
        raise DialPatternError(f"empty digit set '[]' at position {where}")
    out: set[str] = set()
    j = 0
    while j < len(inner):
        c = inner[j]
        if c not in LITERALS:
            raise DialPatternError(f"{c!r} in the digit set at position {where} is not a digit")
        if j + 2 < len(inner) and inner[j + 1] == "-":
            hi = inner[j + 2]
            if c not in DIGITS or hi not in DIGITS or hi < c:
                raise DialPatternError(f"bad range '{c}-{hi}' in the digit set at position {where}")
            out.update(str(d) for d in range(int(c), int(hi) + 1))
            j += 3
        elif inner[j + 1:j + 2] == "-":
            raise DialPatternError(f"unfinished range in the digit set at position {where}")
        else:
            out.add(c)
            j += 1
    return frozenset(out)


def is_valid_pattern(text: str) -> bool:
    try:
        parse_pattern(text)
    except DialPatternError:
        return False
    return True
