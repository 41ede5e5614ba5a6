"""Caller black/white lists on inbound caller ID.

An entry matches a caller number exactly or as a prefix.  The allow list wins over the
block list (block the prefix ``1700`` but allow ``17001234567``); among block entries the
most specific (exact, then the longest prefix) decides the action: ``hangup`` (answer
and drop the line at once), ``busy`` (answer and play busy tone), ``prompt`` (answer and
play the "cannot take your call" prompt) or ``ignore`` (let it ring unanswered).
"""
from __future__ import annotations

from typing import Any, Iterable, Optional


def _matches(entry: Any, number: str) -> bool:
    return number == entry.number if entry.match == "exact" else number.startswith(entry.number)


def _specificity(entry: Any) -> tuple[int, int]:
    return (1 if entry.match == "exact" else 0, len(entry.number))


def blocking_entry(entries: Iterable[Any], number: str) -> Optional[Any]:
    """The block-list entry that stops a call from ``number``, or None if it may pass.
    Calls without caller ID are never matched here."""
    if not number:
        return None
    entries = list(entries)
    if any(e.list == "allow" and _matches(e, number) for e in entries):
        return None
    hits = [e for e in entries if e.list == "block" and _matches(e, number)]
    return max(hits, key=_specificity) if hits else None
