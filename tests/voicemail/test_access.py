"""voicemail.play / voicemail.access: the web UI's player gets the WAV and every
listen is logged (who, when, which message)."""
from __future__ import annotations

import pytest

from dsp.audio import read_wav
from firmware.mgmt.commands import CommandError
from tests.voicemail.conftest import leave_message, setup_mailboxes


def test_play_gives_the_wav_and_logs_who_listened(hx):
    run = hx.box.dispatcher.run
    setup_mailboxes(hx)
    leave_message(hx, "fxs2", "801")
    [m] = run("voicemail.list", {"mailbox": "801"})
    assert run("voicemail.access", {}) == []
    got = run("voicemail.play", {"id": m["id"], "who": "web:alice"})
    assert got["path"] == m["path"] and got["mailbox"] == "801" and got["duration_ms"] > 1000
    assert read_wav(got["path"]).size > 8000                    # a real 8 kHz recording of > 1 s
    [entry] = run("voicemail.access", {"id": m["id"]})
    assert entry["who"] == "web:alice" and entry["action"] == "listen" and entry["message"] == m["id"]
    assert entry["mailbox"] == "801" and entry["time"].startswith(str(hx.box.clock.wall_time().year))
    run("voicemail.play", {"id": m["id"]})
    assert [e["who"] for e in run("voicemail.access", {"limit": 5})] == ["mgmt", "web:alice"]
    assert run("voicemail.list", {"mailbox": "801"})[0]["folder"] == "new"     # listening here is not the menu


def test_play_of_a_deleted_or_unknown_message_says_so(hx):
    run = hx.box.dispatcher.run
    with pytest.raises(ValueError, match="needs 'id'"):
        run("voicemail.play", {})
    with pytest.raises(CommandError, match="no message 99"):
        run("voicemail.play", {"id": 99})
    assert run("voicemail.access", {}) == []
