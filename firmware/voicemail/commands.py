"""Management commands of voicemail (``hotline ctl voicemail.list mailbox=801``...).

* ``voicemail.status`` — mailboxes with new/old counts, legs in use, recent email outcomes;
* ``voicemail.mailbox.add {number, kind?, members?, pin?, email?, ...}`` /
  ``voicemail.mailbox.update {number, ...}`` / ``voicemail.mailbox.delete {number}`` /
  ``voicemail.mailbox.list`` (PINs never listed, only ``pin_set``);
* ``voicemail.list {mailbox?, folder?}`` — messages (newest last);
* ``voicemail.search {mailbox?, folder?, caller?, since?, until?, offset?, limit? (50, 1..500)}``
  — one page of messages, newest first: ``{"messages": [...], "total": N, "offset", "limit"}``;
  ``caller`` is found in the caller's number or name, ``since``/``until`` are ISO times
  (received in [since, until); without a zone: UTC) — the web UI's voicemail pages;
* ``voicemail.delete {id}`` — delete a message (lamps follow);
* ``voicemail.play {id, who?}`` — the message's WAV file (path, duration) for a player
  outside the phone menu (the web UI); logged in the access log as ``listen`` by ``who``;
  the message stays new/old as it was;
* ``voicemail.access {limit?, id?}`` — that access log, newest first;
* ``voicemail.followups {all?}`` — messages not called back (overdue after 24 h), with
  their call-back attempts; ``all`` also lists the done / unreachable ones.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from firmware.mgmt.commands import CommandError, Dispatcher, page_args

_MAILBOX_LIST_FIELDS = ("number", "name", "kind", "members", "enabled", "email", "attach",
                        "delete_after_email", "max_message_s", "max_messages", "own_phone_pin")
PAGE_DEFAULT, PAGE_MAX = 50, 500          #: voicemail.search page size: default, largest


def _text(v: Any) -> Any:
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


def _time(a: dict, key: str) -> Optional[dt.datetime]:
    v = a.get(key)
    if v in (None, ""):
        return None
    try:
        t = dt.datetime.fromisoformat(str(v))
    except ValueError:
        raise ValueError(f"{key}: {v!r} is not a date or ISO time (2026-03-14 or 2026-03-14T08:00:00+08:00)") \
            from None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone.utc)


def register_voicemail(d: Dispatcher, box: Any) -> None:
    vm = box.voicemail

    def mailbox_add(a: dict) -> dict:
        fields = {k: _text(v) for k, v in a.items()}
        box.update_config(lambda store: store.add_mailbox(**fields))
        return vm.mailbox_status(str(fields.get("number")))

    def mailbox_update(a: dict) -> dict:
        fields = {k: _text(v) for k, v in a.items()}
        number = fields.pop("number", None)
        if not number:
            raise ValueError("voicemail.mailbox.update needs 'number'")
        box.update_config(lambda store: store.update_mailbox(number, **fields))
        return vm.mailbox_status(number)

    def mailbox_delete(a: dict) -> dict:
        number = _text(a.get("number"))
        if not number:
            raise ValueError("voicemail.mailbox.delete needs 'number'")
        box.update_config(lambda store: store.delete_mailbox(number))
        return {"deleted": number}

    def mailbox_list(a: dict) -> list[dict]:
        out = []
        for mb in box.config.mailboxes:
            row = {k: getattr(mb, k) for k in _MAILBOX_LIST_FIELDS}
            row["members"] = list(mb.members)
            row["pin_set"] = bool(mb.pin)
            new, old = vm.store.counts(mb.number)
            row.update(new=new, old=old)
            out.append(row)
        return out

    def messages(a: dict) -> list[dict]:
        mailbox = _text(a.get("mailbox")) or None
        return [m.to_dict() for m in vm.store.messages(mailbox, a.get("folder") or None)]

    def search(a: dict) -> dict:
        folder = a.get("folder") or None
        if folder not in (None, "new", "old"):
            raise ValueError(f"folder: {folder!r} is not new or old")
        limit, offset = page_args(a, PAGE_DEFAULT, PAGE_MAX)
        rows, total = vm.store.search(mailbox=_text(a.get("mailbox")) or None, folder=folder,
                                      caller=str(a.get("caller") or ""), since=_time(a, "since"),
                                      until=_time(a, "until"), offset=offset, limit=limit)
        return {"messages": [m.to_dict() for m in rows], "total": total, "offset": offset, "limit": limit}

    def delete(a: dict) -> dict:
        try:
            mid = int(a.get("id"))
        except (TypeError, ValueError):
            raise ValueError("voicemail.delete needs 'id' (a message id from voicemail.list)") from None
        if vm.delete(mid) is None:
            raise CommandError(f"no message {mid} (or it was already deleted)")
        return {"deleted": mid}

    def message_id(a: dict, cmd: str) -> int:
        try:
            return int(a.get("id"))
        except (TypeError, ValueError):
            raise ValueError(f"{cmd} needs 'id' (a message id from voicemail.list)") from None

    def play(a: dict) -> dict:
        mid = message_id(a, "voicemail.play")
        m = vm.store.get(mid)
        if m is None or m.folder == "deleted" or not m.path.exists():
            raise CommandError(f"no message {mid} (deleted or never saved)")
        who = str(a.get("who") or "mgmt")[:64]
        vm.store.log_access(box.clock.wall_time(), who, "listen", mid, m.mailbox)
        return {"id": mid, "mailbox": m.mailbox, "path": str(m.path), "duration_ms": m.duration_ms,
                "format": "pcm16", "rate": 8000, "channels": 1}

    def access(a: dict) -> list[dict]:
        mid = message_id(a, "voicemail.access") if a.get("id") not in (None, "") else None
        try:
            limit = int(a.get("limit", 100))
        except (TypeError, ValueError):
            raise ValueError("limit must be a whole number") from None
        return vm.store.access(max(1, min(limit, 10_000)), mid)

    d.register("voicemail.status", lambda a: vm.status(), "voicemail: mailboxes, counts, legs in use, email")
    d.register("voicemail.mailbox.add", mailbox_add,
               "add a mailbox {number, kind?: extension|group, members?, pin?, email?, attach?, "
               "delete_after_email?, max_message_s?, max_messages?, own_phone_pin?}")
    d.register("voicemail.mailbox.update", mailbox_update, "change a mailbox {number, fields...}")
    d.register("voicemail.mailbox.delete", mailbox_delete, "delete a mailbox {number}")
    d.register("voicemail.mailbox.list", mailbox_list, "mailboxes with counts (PINs never shown)")
    d.register("voicemail.list", messages, "voicemail messages {mailbox?, folder?: new|old}")
    d.register("voicemail.search", search, "one page of messages, newest first {mailbox?, folder?, caller?, "
                                           "since?, until?, offset?, limit? (50, max 500)} -> {messages, total}")
    d.register("voicemail.delete", delete, "delete voicemail message {id}")
    d.register("voicemail.play", play,
               "a message's WAV file for a player {id, who?} -> {path, duration_ms, ...} (access is logged)")
    d.register("voicemail.access", access, "who listened to voicemail messages {limit?, id?} (newest first)")
    d.register("voicemail.followups", lambda a: vm.followups(include_done=bool(a.get("all"))),
               "messages not called back within 24 h, with attempts {all?}")
