"""Voicemail management commands (what `hotline ctl voicemail.*` and the web UI use)."""
from __future__ import annotations

import pytest

from firmware.mgmt.commands import CommandError
from tests.voicemail.conftest import leave_message


def test_mailbox_commands_and_messages(hx):
    run = hx.box.dispatcher.run
    hx.box.store.set_setting("ring_timeout_ms", 5000)
    got = run("voicemail.mailbox.add", {"number": 801, "pin": 2580, "email": "a@example.com"})
    assert got["number"] == "801" and got["pin_set"] and got["new"] == 0
    [row] = run("voicemail.mailbox.list", {})
    assert "pin" not in row and row["pin_set"] and row["email"] == "a@example.com"
    assert hx.box.config.voicemail_target("6801") == "801"       # applied at once
    leave_message(hx, "fxs2", "801")
    [m] = run("voicemail.list", {"mailbox": "801"})
    assert m["caller"] == "802" and m["folder"] == "new"
    assert hx.phone("fxs1").lamp
    assert run("voicemail.status", {})["mailboxes"][0]["new"] == 1
    assert run("voicemail.delete", {"id": m["id"]}) == {"deleted": m["id"]}
    assert run("voicemail.list", {"mailbox": "801"}) == []
    hx.run(500)
    assert not hx.phone("fxs1").lamp
    with pytest.raises(CommandError):
        run("voicemail.delete", {"id": m["id"]})
    run("voicemail.mailbox.update", {"number": "801", "enabled": False})
    assert hx.box.config.voicemail_target("6801") is None
    run("voicemail.mailbox.delete", {"number": "801"})
    assert run("voicemail.mailbox.list", {}) == []


def test_reload_does_not_renotify_unchanged_phones(hx):
    hx.box.store.set_setting("ring_timeout_ms", 5000)
    hx.box.store.add_mailbox(number="801", pin="1234")
    hx.box.reload()
    leave_message(hx, "fxs2", "801")
    hx.run(3000)
    phone = hx.phone("fxs1")
    n = len(phone.messages)
    hx.box.store.set_setting("box_name", "Shop")
    hx.box.reload()
    hx.run(3000)
    assert len(phone.messages) == n and phone.lamp
