"""Management commands for call notes and follow-ups (工单) — the agent panel's notes box.

* ``note.add {call, text, author, followup?: {category, due?}}`` → the note; ``call`` is a
  call id from ``calls`` / ``agent.call`` (live) or a CDR ``uniqueid`` / ``linkedid``
  (finished). Publishes ``note.added``.
* ``note.list {call? | number?}`` → notes of that call's conversation (oldest first), or
  about calls with that number (newest first).
* ``followup.list {status?: open|closed, author?, due_before?}`` → follow-ups, earliest
  due first.
* ``followup.update {id, status?, due? (null clears), category?}`` → the follow-up.

Times in (``due``, ``due_before``) are ISO dates/times in the box's time zone; times out
are UTC ISO text. Storage and the call/conversation rule: firmware.cdr.notes.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from firmware.cdr.notes import MAX_TEXT, STATUSES
from firmware.cdr.search import parse_when, record_of
from firmware.config.timezone import box_zone
from firmware.mgmt.commands import CommandError, Dispatcher


def customer_number(direction: str, src: str, dst: str) -> str:
    """The outside party's number of a call: the called number of an outbound call, the
    caller's otherwise."""
    return dst if direction == "outbound" else src


def resolve_call(box: Any, call_id: str) -> tuple[str, str, str]:
    """(call id, linkedid, customer number) of a live or finished call; CommandError
    in plain words when there is none."""
    live = box.ctl.calls.get(call_id)
    if live is None:
        live = next((c for c in box.ctl.calls.values() if c.linkedid == call_id), None)
    if live is not None:
        return live.id, live.linkedid, customer_number(live.direction, live.src, live.dst)
    rec = record_of(box.cdr, call_id)
    if rec is None:
        raise CommandError(f"no call {call_id!r}: it is neither in progress nor in the call records")
    return rec.uniqueid, rec.linkedid, customer_number(rec.direction, rec.src, rec.dst)


def _text(a: dict, name: str, what: str, limit: int = 200) -> str:
    v = a.get(name)
    if v is None or not str(v).strip():
        raise ValueError(f"{name!r} is required ({what})")
    v = str(v).strip()
    if len(v) > limit:
        raise ValueError(f"{name}: {len(v)} characters is too long (at most {limit})")
    return v


def _due(value: Any, tz: Optional[dt.tzinfo], field: str = "due") -> Optional[dt.datetime]:
    if value is None or value == "":
        return None
    return parse_when(value, field, tz)


def register_notes(d: Dispatcher, box: Any) -> None:
    notes = box.notes

    def now() -> dt.datetime:
        return box.clock.wall_time()

    def note_add(a: dict) -> dict:
        call = _text(a, "call", "the call id the note is about")
        text = _text(a, "text", "what to write", MAX_TEXT)
        author = _text(a, "author", "who writes it: agent number or user name", 64)
        fu = a.get("followup")
        category, due, is_fu = "", None, False
        if fu not in (None, False):
            if fu is True:
                fu = {}
            if not isinstance(fu, dict):
                raise ValueError("followup: give an object such as {\"category\": \"complaint\", "
                                 "\"due\": \"2024-05-02T10:00\"}")
            is_fu = True
            category = str(fu.get("category") or "").strip()[:64]
            due = _due(fu.get("due"), box_zone(box.config), "followup.due")
        call_id, linkedid, number = resolve_call(box, call)
        note = notes.add(call_id=call_id, linkedid=linkedid, number=number, author=author, text=text,
                         when=now(), followup=is_fu, category=category, due=due)
        box.publish("note.added", dict(note))
        return note

    def note_list(a: dict) -> list:
        if a.get("call"):
            return notes.for_call(resolve_call(box, str(a["call"]))[1])
        if a.get("number"):
            return notes.for_number(str(a["number"]))
        raise ValueError("note.list needs 'call' (a call id) or 'number' (a phone number)")

    def followup_list(a: dict) -> list:
        status = str(a.get("status") or "").strip().lower()
        if status and status not in STATUSES:
            raise ValueError(f"status: {a['status']!r} is not one of {', '.join(STATUSES)}")
        before = _due(a.get("due_before"), box_zone(box.config), "due_before")
        return notes.followups(status=status, author=str(a.get("author") or ""), due_before=before)

    def followup_update(a: dict) -> dict:
        try:
            nid = int(a["id"])
        except KeyError:
            raise ValueError("'id' is required (a follow-up id from followup.list)") from None
        except (TypeError, ValueError):
            raise ValueError(f"id: {a.get('id')!r} is not a follow-up id (a whole number)") from None
        kw: dict[str, Any] = {}
        if "status" in a:
            st = str(a["status"] or "").strip().lower()
            if st not in STATUSES:
                raise ValueError(f"status: {a['status']!r} is not one of {', '.join(STATUSES)}")
            kw["status"] = st
        if "due" in a:
            kw["due"] = _due(a["due"], box_zone(box.config))
        if "category" in a:
            kw["category"] = str(a["category"] or "").strip()[:64]
        got = notes.update_followup(nid, now(), **kw)
        if got is None:
            raise CommandError(f"no follow-up {nid} (followup.list shows them)")
        box.publish("followup.updated", dict(got))
        return got

    d.register("note.add", note_add,
               "write a note on a live or finished call {call, text, author, followup?: {category, due?}}")
    d.register("note.list", note_list,
               "notes of a call's conversation {call} (oldest first) or about a number {number} (newest first)")
    d.register("followup.list", followup_list,
               "follow-ups (工单), earliest due first {status?: open|closed, author?, due_before?}")
    d.register("followup.update", followup_update,
               "change a follow-up {id, status?: open|closed, due? (null clears), category?}")
