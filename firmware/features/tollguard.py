"""Outbound rights and the toll-fraud guard.

Every outside call an extension dials is checked, in this order (emergency numbers are
always allowed and skip all of it):

1. the extension's class of service (internal < local < national < international) must
   reach the route's call class;
2. international calls need the extension's PIN when ``settings.pin_for_international``
   (an extension without a PIN cannot call abroad then);
3. concurrent outside calls: per extension (``max_outbound_calls``) and for the box
   (``settings.max_outbound_calls``), 0 = no limit;
4. outside-call minutes today: per extension (``max_outbound_minutes``) and for the box
   (``settings.max_outbound_minutes``); a call that reaches the limit while talking is
   cut off with a warning tone.

Each refusal is logged with its reason (log, management event ``security.refusal`` and the
``refusals`` table next to the CDRs).
"""
from __future__ import annotations

import datetime as _dt
import logging
from typing import TYPE_CHECKING, Any, Callable, Optional

from firmware.calls.call import CallState
from firmware.config.model import class_allows

if TYPE_CHECKING:
    from firmware.calls.control import CallControl

log = logging.getLogger("hotline.security")


class TollGuard:
    """``usage(since, src)`` -> billed outbound seconds of finished calls (CDR store);
    ``record(kind, who, number, reason)`` persists a refusal."""

    def __init__(self, ctl: "CallControl", *,
                 usage: Optional[Callable[[_dt.datetime, Optional[str]], int]] = None,
                 record: Optional[Callable[[str, str, str, str], None]] = None) -> None:
        self.ctl = ctl
        self.usage = usage
        self.record = record

    # -- what is in progress
    def _outbound_calls(self, src: Optional[str] = None) -> list[Any]:
        return [c for c in self.ctl.calls.values()
                if c.direction == "outbound" and c.state != CallState.ENDED and (src is None or c.src == src)]

    def _today(self) -> _dt.datetime:
        now = self.ctl.local_time()
        return now.replace(hour=0, minute=0, second=0, microsecond=0)

    def seconds_used(self, src: Optional[str] = None) -> int:
        """Outbound seconds today: finished calls plus the ones talking now."""
        done = self.usage(self._today(), src) if self.usage else 0
        now = self.ctl.clock.wall_time()
        live = sum(int((now - c.answer).total_seconds()) for c in self._outbound_calls(src) if c.answer)
        return done + live

    # -- checks
    def check(self, ext: Any, call_class: str, *, pin_ok: bool = False) -> tuple[str, str]:
        """("", "") if ``ext`` may place an outside call of ``call_class`` now, else
        (code, reason in words). code "pin" means: ask for the PIN and check again."""
        cls = ext.outbound_class if ext is not None else "internal"
        if not class_allows(cls, call_class):
            return "class", f"class of service {cls} does not allow {call_class} calls"
        if call_class == "international" and self.ctl.setting("pin_for_international") and not pin_ok:
            if ext is None or not ext.pin:
                return "class", "international calls need a PIN and this extension has none"
            return "pin", "international call: PIN required"
        n = ext.number if ext is not None else None
        if ext is not None and ext.max_outbound_calls and len(self._outbound_calls(n)) >= ext.max_outbound_calls:
            return "limit", f"extension {n} already has {ext.max_outbound_calls} outside call(s) (its limit)"
        box = self.ctl.setting("max_outbound_calls")
        if box and len(self._outbound_calls()) >= box:
            return "limit", f"the box already has {box} outside calls (the limit)"
        left = self.seconds_left(ext)
        if left is not None and left <= 0:
            return "limit", "today's outside-call minutes are used up"
        return "", ""

    def line_refusal(self) -> str:
        """Reason a forward/follow-me may not take another line now ("" = it may)."""
        box = self.ctl.setting("max_outbound_calls")
        if box and len(self._outbound_calls()) >= box:
            return f"the box already has {box} outside calls (the limit)"
        return ""

    def seconds_left(self, ext: Any) -> Optional[int]:
        """Outside-call seconds left today for ``ext`` (the smaller of its and the box's
        allowance), None if unlimited."""
        lefts = []
        if ext is not None and ext.max_outbound_minutes:
            lefts.append(ext.max_outbound_minutes * 60 - self.seconds_used(ext.number))
        box = self.ctl.setting("max_outbound_minutes")
        if box:
            lefts.append(box * 60 - self.seconds_used())
        return min(lefts) if lefts else None

    def refuse(self, who: str, number: str, reason: str, kind: str = "outbound") -> None:
        """Log a refusal everywhere it must appear."""
        log.warning("refused %s call %s -> %s: %s", kind, who, number, reason)
        self.ctl.publish("security.refusal", {"kind": kind, "who": who, "number": number, "reason": reason})
        if self.record is not None:
            try:
                self.record(kind, who, number, reason)
            except Exception:                                   # pragma: no cover
                log.exception("could not store the refusal")
