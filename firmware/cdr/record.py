"""One call detail record (CDR): who called whom, when, for how long, and how it ended.

Fields follow Asterisk's CDR (``src``, ``dst``, ``clid``, ``dcontext``, ``channel``,
``disposition``...) so billing tools that read Asterisk's Master.csv read ours, plus
Hotline's own (``caller_name``, ``trunk``, ``hangup_side``, ``direction``).

Times are timezone-aware datetimes, kept in UTC inside (converted on construction);
exports show local time.  ``duration`` = end - start and ``billsec`` = end - answer
(0 if never answered), in whole seconds rounded down, as Asterisk does.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any, Optional

UTC = dt.timezone.utc
DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")
AMAFLAGS = ("DOCUMENTATION", "BILLING", "OMIT")
HANGUP_SIDES = ("caller", "callee", "system", "transfer")
DIRECTIONS = ("internal", "inbound", "outbound")
CONTEXTS = ("from-internal", "from-trunk")


def call_seconds(start: dt.datetime, answer: Optional[dt.datetime], end: dt.datetime) -> tuple[int, int]:
    """(duration, billsec) in whole seconds: end - start, and end - answer or 0."""
    duration = int((end - start).total_seconds() // 1)
    billsec = 0 if answer is None else int((end - answer).total_seconds() // 1)
    return max(duration, 0), max(billsec, 0)


def format_clid(name: str, number: str) -> str:
    """Asterisk-style caller ID: ``"Name" <number>``, or just the name or number."""
    if name and number:
        return f'"{name}" <{number}>'
    return name or number or ""


def new_uniqueid(when: dt.datetime, sequence: int) -> str:
    """An Asterisk-style unique id: ``<epoch seconds>.<sequence>`` (e.g. "1700000000.12")."""
    return f"{int(when.timestamp())}.{sequence}"


def _utc(name: str, value: Any, required: bool) -> Optional[dt.datetime]:
    if value is None:
        if required:
            raise ValueError(f"CdrRecord.{name}: a time is required")
        return None
    if not isinstance(value, dt.datetime):
        raise ValueError(f"CdrRecord.{name}: {value!r} is not a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"CdrRecord.{name}: {value.isoformat()} has no time zone (use an aware datetime)")
    return value.astimezone(UTC)


@dataclass(kw_only=True)
class CdrRecord:
    """One record per call (caller leg + the leg it reached).  Keyword arguments only."""
    uniqueid: str                       #: this call's unique id
    start: dt.datetime                  #: call began (caller off-hook / line rang)
    end: dt.datetime                    #: call over
    answer: Optional[dt.datetime] = None  #: answered, None if never
    linkedid: str = ""                  #: shared by legs of one conversation (transfers); default uniqueid
    duration: Optional[int] = None      #: s, end - start (computed if None)
    billsec: Optional[int] = None       #: s, end - answer or 0 (computed if None)
    src: str = ""                       #: caller number
    dst: str = ""                       #: dialled / destination number
    caller_name: str = ""
    clid: str = ""                      #: '"Name" <number>' (computed if empty)
    channel: str = ""                   #: caller's channel, e.g. "FXS/fxs1", "FXO/fxo1"
    dstchannel: str = ""                #: callee's channel
    dcontext: str = "from-internal"     #: "from-internal" | "from-trunk"
    lastapp: str = "Dial"
    lastdata: str = ""                  #: e.g. "FXS/fxs2,30"
    disposition: str = ""               #: ANSWERED|NO ANSWER|BUSY|FAILED|CONGESTION ("" = from answer)
    amaflags: str = "DOCUMENTATION"
    accountcode: str = ""
    userfield: str = ""
    trunk: str = ""                     #: line name for calls over a line, else ""
    hangup_side: str = "caller"         #: caller | callee | system | transfer (the call was handed on)
    direction: str = "internal"         #: internal | inbound | outbound

    def __post_init__(self) -> None:
        self.start = _utc("start", self.start, True)
        self.end = _utc("end", self.end, True)
        self.answer = _utc("answer", self.answer, False)
        if not self.uniqueid:
            raise ValueError("CdrRecord.uniqueid: must not be empty")
        if self.end < self.start:
            raise ValueError(f"CdrRecord.end: {self.end.isoformat()} is before start {self.start.isoformat()}")
        if self.answer is not None and not self.start <= self.answer <= self.end:
            raise ValueError(f"CdrRecord.answer: {self.answer.isoformat()} is not between start and end")
        if not self.disposition:
            self.disposition = "ANSWERED" if self.answer is not None else "NO ANSWER"
        for name, allowed in (("disposition", DISPOSITIONS), ("amaflags", AMAFLAGS),
                              ("hangup_side", HANGUP_SIDES), ("direction", DIRECTIONS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"CdrRecord.{name}: {getattr(self, name)!r} is not one of {', '.join(allowed)}")
        if self.disposition == "ANSWERED" and self.answer is None:
            raise ValueError("CdrRecord.disposition: ANSWERED needs an answer time (answer=None)")
        d, b = call_seconds(self.start, self.answer, self.end)
        self.duration = d if self.duration is None else int(self.duration)
        self.billsec = b if self.billsec is None else int(self.billsec)
        self.linkedid = self.linkedid or self.uniqueid
        self.clid = self.clid or format_clid(self.caller_name, self.src)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


FIELD_NAMES = tuple(f.name for f in fields(CdrRecord))
