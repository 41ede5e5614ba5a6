"""Message waiting indication for SIP phones (RFC 3842 ``message-summary``).

* :func:`message_summary` writes the ``application/simple-message-summary`` body
  (``Messages-Waiting: yes``, ``Message-Account``, ``Voice-Message: new/old
  (urgent_new/urgent_old)``); :func:`parse_message_summary` reads one back.
* :class:`MwiNotifier` serves the ``message-summary`` package of a
  :class:`~firmware.sip.subscriptions.Subscriptions` table and, on
  :meth:`MwiNotifier.changed`, NOTIFYs the user's subscribed phones. Phones that never
  subscribe (many expect unsolicited MWI) are reached through the optional
  ``unsolicited(user, headers, body)`` callback, which the UA turns into an
  out-of-dialog NOTIFY to each registered contact
  (:func:`~firmware.sip.subscriptions.make_unsolicited_notify`).

Voicemail supplies the counts through ``counts(user) -> (new, old)`` (or
``(new, old, urgent_new, urgent_old)``).
"""
from __future__ import annotations

import logging
import re
from typing import Callable, Optional, Union

from firmware.sip.subscriptions import EventPackage, Subscriptions

__all__ = ["PACKAGE", "CONTENT_TYPE", "message_summary", "parse_message_summary",
           "MwiNotifier"]

log = logging.getLogger("hotline.sip.mwi")

PACKAGE = "message-summary"
CONTENT_TYPE = "application/simple-message-summary"
DEFAULT_EXPIRES_S = 3600      #: RFC 3842 §4.1: one hour when a SUBSCRIBE has no Expires

Counts = Union[tuple[int, int], tuple[int, int, int, int]]
_COUNTS = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*(?:\(\s*(\d+)\s*/\s*(\d+)\s*\))?\s*$")
_MAX_COUNT = 2 ** 31 - 1


def _count(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_COUNT:
        raise ValueError(f"message count {name}={value!r} is not a whole number 0..2**31-1")
    return value


def message_summary(new: int, old: int, urgent_new: int = 0, urgent_old: int = 0,
                    account: str = "") -> bytes:
    """The RFC 3842 body for a voice mailbox: ``Messages-Waiting`` is yes when there
    are new messages; ``Message-Account`` is written only when ``account`` is given
    (``sip:801@box``); counts are messages (urgent ones are also counted in new/old)."""
    new, old = _count("new", new), _count("old", old)
    urgent_new, urgent_old = _count("urgent_new", urgent_new), _count("urgent_old", urgent_old)
    if any(c in account for c in "\r\n"):
        raise ValueError(f"Message-Account {account!r} contains a line break")
    lines = [f"Messages-Waiting: {'yes' if new else 'no'}"]
    if account:
        lines.append(f"Message-Account: {account}")
    lines.append(f"Voice-Message: {new}/{old} ({urgent_new}/{urgent_old})")
    return ("\r\n".join(lines) + "\r\n").encode("ascii", "strict")


def parse_message_summary(body: bytes) -> dict:
    """Read a message-summary body.

    Returns ``{"messages_waiting": bool, "account": str | None, "counts": {class:
    (new, old, urgent_new, urgent_old)}}`` with message-context classes lower-case
    (``voice-message``, ``fax-message``...). Lines after an empty line (optional
    message headers) are ignored. Raises ValueError naming the bad line.
    """
    text = bytes(body).decode("utf-8", "replace")
    waiting: Optional[bool] = None
    account: Optional[str] = None
    counts: dict[str, tuple[int, int, int, int]] = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if waiting is not None:
                break
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"message-summary line {line[:60]!r} has no ':'")
        key, value = name.strip().lower(), value.strip()
        if key == "messages-waiting":
            if value.lower() not in ("yes", "no"):
                raise ValueError(f"Messages-Waiting {value!r} is neither yes nor no")
            waiting = value.lower() == "yes"
        elif key == "message-account":
            account = value
        else:
            m = _COUNTS.match(value)
            if not m:
                raise ValueError(f"message-summary {name.strip()} {value!r} is not "
                                 "'new/old' or 'new/old (urgent_new/urgent_old)'")
            n, o, un, uo = (int(g) if g else 0 for g in m.groups())
            counts[key] = (n, o, un, uo)
    if waiting is None:
        raise ValueError("message-summary body has no Messages-Waiting line")
    return {"messages_waiting": waiting, "account": account, "counts": counts}


class MwiNotifier:
    """Keeps phones' message lamps in step with the mailboxes.

    Registers the ``message-summary`` package on ``subscriptions``; ``counts(user)``
    gives ``(new, old[, urgent_new, urgent_old])``; ``domain`` (e.g. ``box``) makes the
    ``Message-Account: sip:<user>@<domain>`` line (none when empty);
    ``unsolicited(user, headers, body)`` is called by :meth:`changed` for a user with
    no subscription (None: such users get nothing).
    """

    def __init__(self, subscriptions: Subscriptions, counts: Callable[[str], Counts],
                 domain: str = "",
                 unsolicited: Optional[Callable[[str, list[tuple[str, str]], bytes], None]] = None
                 ) -> None:
        self.subscriptions = subscriptions
        self.counts = counts
        self.domain = domain
        self.unsolicited = unsolicited
        subscriptions.register(EventPackage(PACKAGE, CONTENT_TYPE, self.body,
                                            DEFAULT_EXPIRES_S))

    def body(self, user: str) -> bytes:
        """The current message-summary body of ``user``'s mailbox."""
        c = tuple(self.counts(user))
        if len(c) not in (2, 4):
            raise ValueError(f"counts({user!r}) gave {c!r}: expected (new, old) or "
                             "(new, old, urgent_new, urgent_old)")
        account = f"sip:{user}@{self.domain}" if self.domain else ""
        return message_summary(*c, account=account)  # type: ignore[arg-type]

    def changed(self, user: str) -> int:
        """``user``'s mailbox changed: NOTIFY every message-summary subscription of
        that user (or the unsolicited callback if there is none). Returns the number
        of subscriptions notified."""
        body = self.body(user)
        n = self.subscriptions.notify_all(PACKAGE, user, body)
        if n == 0 and self.unsolicited is not None:
            self.unsolicited(user, [("Event", PACKAGE), ("Subscription-State", "active"),
                                    ("Content-Type", CONTENT_TYPE)], body)
        log.debug("MWI for %s: %d subscription(s) notified", user, n)
        return n
