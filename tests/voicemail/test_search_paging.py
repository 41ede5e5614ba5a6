"""``voicemail.search``: one page of messages newest first with the total, filters by
mailbox, folder, caller (number or name) and received time; bad arguments in words."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from firmware.mgmt.commands import Dispatcher
from firmware.voicemail.commands import register_voicemail
from firmware.voicemail.store import VoicemailStore

T0 = dt.datetime(2026, 3, 14, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def run(tmp_path):
    store = VoicemailStore(tmp_path / "voicemail.db", tmp_path / "vm")
    for i in range(230):
        wav = tmp_path / f"r{i}.wav"
        wav.write_bytes(b"RIFF")
        m = store.add("801" if i % 2 == 0 else "802", wav, caller=f"138{i:05d}", caller_name=f"Caller {i}",
                      received=T0 + dt.timedelta(minutes=i), duration_ms=1000)
        if i % 3 == 0:
            store.mark_read(m.id)
    d = Dispatcher()
    register_voicemail(d, SimpleNamespace(voicemail=SimpleNamespace(store=store)))
    yield lambda **a: d.run("voicemail.search", a)
    store.close()


def test_pages_newest_first_with_total(run):
    first = run()
    assert first["total"] == 230 and first["offset"] == 0 and first["limit"] == 50
    assert [m["caller"] for m in first["messages"][:2]] == ["13800229", "13800228"]
    second = run(offset=50, limit=50)
    assert [m["caller"] for m in second["messages"]][0] == "13800179" and len(second["messages"]) == 50
    last = run(offset=200)
    assert len(last["messages"]) == 30 and last["messages"][-1]["caller"] == "13800000"
    seen = {m["id"] for o in range(0, 230, 50) for m in run(offset=o)["messages"]}
    assert len(seen) == 230                                    # every message once over the pages


def test_filters_narrow_the_total(run):
    assert run(mailbox="801")["total"] == 115
    assert run(mailbox="801", folder="new")["total"] == sum(1 for i in range(0, 230, 2) if i % 3)
    assert run(caller="Caller 22")["total"] == 11              # 22, 220..229 by name
    assert run(caller="13800007")["messages"][0]["caller_name"] == "Caller 7"
    got = run(since=(T0 + dt.timedelta(minutes=100)).isoformat(), until="2026-03-14T09:50:00+00:00")
    assert got["total"] == 10 and got["messages"][0]["caller"] == "13800109"
    assert run(since="2026-03-14T16:00:00+08:00", until="2026-03-14T16:05:00+08:00")["total"] == 5


def test_bad_arguments_are_refused_in_words(run):
    for args, words in (({"limit": 0}, "limit: 0 is not between 1 and 500"), ({"offset": -1}, "offset"),
                        ({"limit": "x"}, "whole numbers"), ({"folder": "spam"}, "folder"),
                        ({"since": "14.3.2026"}, "since: '14.3.2026' is not a date")):
        with pytest.raises(ValueError, match=words):
            run(**args)
