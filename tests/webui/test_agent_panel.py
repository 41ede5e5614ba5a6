"""The agent panel over HTTP (no browser), on a management server whose acd / agent /
note / notice commands are fakes that record what the panel asked for."""
from __future__ import annotations

import http.client
import shutil
from typing import Any

import pytest

from firmware.mgmt.commands import CommandError, Dispatcher
from tests.mgmt.fixtures import ServerThread
from tests.webui.harness import Http, prepare_store

AGENT_PASSWORD = "Agent-pass-42"


class FakeDaemon:
    """Just enough of the daemon for the panel: one agent 1001 and its call."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict]] = []
        self.agent: dict[str, Any] = {"agent": "1001", "state": "logged_out", "name": "Li Lei"}
        self.call: Any = None
        self.notes: list[dict] = []
        self.notices = [{"id": 1, "text": "Promo ends <today>", "author": "sup", "posted": "2024-05-01T08:00:00+00:00"}]

    def dispatcher(self) -> Dispatcher:
        d = Dispatcher()

        def rec(name: str, fn: Any) -> None:
            def run(a: dict) -> Any:
                self.asked.append((name, dict(a)))
                return fn(a)
            d.register(name, run)

        def login(a: dict) -> dict:
            if a.get("pin") != "1234":
                raise CommandError("wrong PIN for agent 1001")
            self.agent.update(state="ready", extension=a["extension"], since_s=0.0, reason="")
            return {"result": "ok"}

        def pause(a: dict) -> dict:
            self.agent.update(state="paused", reason=a.get("reason", ""))
            return {"done": "pause"}

        def agent_call(a: dict) -> dict:
            if self.agent["state"] == "logged_out":
                raise CommandError("agent 1001 is not logged in (no phone to look at)")
            return {"agent": "1001", "call": self.call}

        def note_add(a: dict) -> dict:
            n = {"id": len(self.notes) + 1, "linkedid": a["call"], "author": a["author"], "text": a["text"],
                 "time": "2024-05-01T09:00:00+00:00", "followup": bool(a.get("followup")), "number": "13800138000",
                 "category": (a.get("followup") or {}).get("category", ""), "status": "open" if a.get("followup") else "",
                 "due": None}
            self.notes.append(n)
            return n

        def followup_update(a: dict) -> dict:
            n = next(n for n in self.notes if n["id"] == a["id"])
            n["status"] = a["status"]
            return n

        rec("acd.agents", lambda a: [dict(self.agent)])
        rec("acd.agent.login", login)
        rec("acd.agent.logout", lambda a: self.agent.update(state="logged_out", extension="") or {})
        rec("acd.agent.pause", pause)
        rec("acd.agent.unpause", lambda a: self.agent.update(state="ready", reason="") or {})
        rec("acd.agent.wrapup", lambda a: {"done": "extend wrap-up"})
        rec("agent.call", agent_call)
        rec("note.add", note_add)
        rec("note.list", lambda a: [n for n in self.notes if n["linkedid"] == a["call"]])
        rec("followup.list", lambda a: [n for n in self.notes if n["followup"] and n["status"] == a.get("status", "open")
                                        and n["author"] == a.get("author", n["author"])])
        rec("followup.update", followup_update)
        rec("notice.list", lambda a: self.notices)
        rec("call.transfer", lambda a: {"call": "c-9", "to": a["to"]})
        rec("originate", lambda a: {"call": "c-10"})
        rec("recording.start", lambda a: {"call": a["call"]})
        rec("recording.stop", lambda a: {"call": a["call"]})
        return d

    def last(self, name: str) -> dict:
        return [a for n, a in self.asked if n == name][-1]

    def names(self) -> list[str]:
        return [n for n, _ in self.asked]


CALL = {"id": "c-7", "linkedid": "c-7", "state": "answered", "offered": False, "caller": "13800138000",
        "caller_name": "王小明", "dialled": "700", "queue": "700", "queue_name": "Service", "wait_s": 65.2,
        "priority": 0, "contact_note": "prefers mornings", "vars": {"ivr_lang": "zh", "ivr_choice": "2"},
        "previous_calls": {"count": 2}, "notes": [], "caller_notes": [],
        "history": [{"start": "2024-04-30T10:00:00+00:00", "src": "13800138000", "dst": "700",
                     "disposition": "ANSWERED", "billsec": 95, "notes": 1, "linkedid": "c-1"}]}


def _setup(store) -> None:
    store.add_agent(number="1001", name="Li Lei", pin="1234")
    store.add_pause_reason(code="1", name="Lunch")
    store.add_pause_reason(code="2", name="Training")
    store.add_user("agent1", role="agent", password=AGENT_PASSWORD, agent="1001")
    store.add_user("sup1", role="supervisor", password=AGENT_PASSWORD)


@pytest.fixture(scope="module")
def prepared_db(tmp_path_factory):
    """A config database with the logins prepared once (argon2 hashing is slow)."""
    path = tmp_path_factory.mktemp("agentdb") / "config.db"
    prepare_store(path, _setup)
    return path


@pytest.fixture
def fake(datadir, prepared_db):
    from firmware.mgmt.client import MgmtClient
    from webui import start_web
    daemon = FakeDaemon()
    srv = ServerThread(daemon.dispatcher(), datadir / "hotline.sock")
    shutil.copy(prepared_db, datadir / "config.db")
    w = start_web("127.0.0.1", 0, data_root=datadir, socket_path=datadir / "hotline.sock",
                  config_db=datadir / "config.db",
                  client_factory=lambda: MgmtClient(socket_path=datadir / "hotline.sock", timeout=5))
    daemon.web, daemon.server = w, srv
    yield daemon
    w.stop()
    srv.stop()


@pytest.fixture
def agent_http(fake) -> Http:
    h = Http(fake.web.url)
    assert h.login("agent1", AGENT_PASSWORD).status in (302, 303)
    h.get("/agent")
    return h


def test_log_in_pause_with_reason_and_ready_again(fake, agent_http):
    h = agent_http
    page = h.get("/agent").text
    assert 'action="/agent/login"' in page and 'sse-connect="/sse/agent"' in page
    assert "Promo ends &lt;today&gt;" in page                      # notices, escaped
    r = h.post("/agent/login", {"extension": "801", "pin": "9999"})
    assert r.status == 400 and "wrong PIN for agent 1001" in r.text
    assert fake.last("acd.agent.login") == {"agent": "1001", "extension": "801", "pin": "9999"}
    r = h.post("/agent/login", {"extension": "", "pin": "1234"})
    assert r.status == 400 and "Choose the extension you sit at." in r.text
    r = h.post("/agent/login", {"extension": "801", "pin": "1234"})
    assert r.status == 200 and "Logged in at extension 801." in r.text and 'data-state="ready"' in r.text
    r = h.post("/agent/pause", {"reason": ""})
    assert r.status == 400 and "Choose a reason." in r.text and "acd.agent.pause" not in fake.names()
    r = h.post("/agent/pause", {"reason": "2"})
    assert r.status == 200 and fake.last("acd.agent.pause") == {"agent": "1001", "reason": "2"}
    assert 'data-state="paused"' in r.text and "Not ready: Training." in r.text
    r = h.post("/agent/ready")
    assert r.status == 200 and fake.last("acd.agent.unpause") == {"agent": "1001"} and 'data-state="ready"' in r.text
    r = h.post("/agent/logout")
    assert fake.last("acd.agent.logout") == {"agent": "1001"} and 'action="/agent/login"' in r.text


def test_htmx_gets_the_part_back(fake, agent_http):
    fake.agent.update(state="ready", extension="801", since_s=3.0)
    r = agent_http.post("/agent/pause", {"reason": "1"}, headers={"HX-Request": "true"})
    assert r.status == 200 and "<html" not in r.text and "Not ready: Lunch." in r.text
    assert 'data-state="paused"' in r.text


def test_wrap_up_end_and_extend(fake, agent_http):
    fake.agent.update(state="wrap_up", extension="801", since_s=4.0)
    page = agent_http.get("/agent").text
    assert "End wrap-up" in page and 'data-since="' in page and ">0:04<" in page
    agent_http.post("/agent/wrapup", {"action": "end"})
    assert fake.last("acd.agent.wrapup") == {"agent": "1001", "ms": 0}
    agent_http.post("/agent/wrapup", {"action": "extend"})
    assert fake.last("acd.agent.wrapup") == {"agent": "1001", "ms": 30000}


def test_screen_pop_notes_and_follow_ups(fake, agent_http):
    h = agent_http
    fake.agent.update(state="on_call", extension="801", since_s=10.0)
    fake.call = CALL
    page = h.get("/agent").text
    for text in ("13800138000", "王小明", "prefers mornings", "700 Service", "1:05", "ivr_choice = 2",
                 "Previous calls from this number", "1:35", 'name="call" form="note-form" value="c-7"'):
        assert text in page, text
    r = h.post("/agent/note", {"call": "c-7", "text": ""})
    assert r.status == 400 and "Write the note first." in r.text and "note.add" not in fake.names()
    r = h.post("/agent/note", {"call": "c-7", "text": "wants a refund", "followup": "1", "category": "refund",
                               "due": "2024-05-03T10:00"})
    assert r.status == 200 and "Note saved." in r.text
    assert fake.last("note.add") == {"call": "c-7", "text": "wants a refund", "author": "1001",
                                     "followup": {"category": "refund", "due": "2024-05-03T10:00"}}
    assert "wants a refund" in r.text and 'id="followup-list"' in r.text      # listed as open
    fake.call = None                                   # the call ended: the pop stays as "last call"
    page = h.get("/agent").text
    assert "Last call" in page and "13800138000" in page and "wants a refund" in page
    r = h.post("/agent/followup/99")
    assert r.status == 400 and "not one of your open ones" in r.text
    r = h.post("/agent/followup/1", headers={"HX-Request": "true"})
    assert fake.last("followup.update") == {"id": 1, "status": "closed"}
    assert "Follow-up closed." in r.text and "No open follow-ups." in r.text


def test_transfer_dial_and_record(fake, agent_http):
    h = agent_http
    fake.agent.update(state="on_call", extension="802", since_s=1.0)
    fake.call = CALL
    r = h.post("/agent/transfer", {"to": "701"}, headers={"HX-Request": "true"})
    assert "Call transferred to 701." in r.text and fake.last("call.transfer") == {"agent": "1001", "to": "701"}
    r = h.post("/agent/dial", {"to": "8008"})
    assert r.status == 200 and fake.last("originate") == {"from": "802", "to": "8008"}
    r = h.post("/agent/dial", {"to": "rm -rf"})
    assert r.status == 400 and "is not a number to dial" in r.text
    h.post("/agent/record", {"action": "start"})
    assert fake.last("recording.start") == {"call": "c-7", "who": "web:agent1"}
    r = h.post("/agent/record", {"action": "stop"}, headers={"HX-Request": "true"})
    assert fake.last("recording.stop")["call"] == "c-7" and "Recording stopped." in r.text
    fake.call = None
    fake.agent.update(state="logged_out", extension="")
    r = h.post("/agent/dial", {"to": "8008"})
    assert r.status == 400 and "Log in at an extension first" in r.text


def test_live_stream_sends_the_screen_pop(fake, agent_http):
    fake.agent.update(state="ready", extension="801", since_s=0.0)
    conn = http.client.HTTPConnection("127.0.0.1", fake.web.port, timeout=10)
    cookie = "; ".join(f"{c.name}={c.value}" for c in agent_http.jar)
    conn.request("GET", "/sse/agent", headers={"Cookie": cookie})
    resp = conn.getresponse()
    assert resp.status == 200

    def event() -> tuple[str, str]:
        name, data = "", []
        while True:
            line = resp.fp.readline().decode().rstrip("\r\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and name:
                return name, "\n".join(data)
    first = dict(event() for _ in range(4))
    assert set(first) == {"notices", "state", "pop", "followups"} and "No call right now" in first["pop"]
    fake.agent.update(state="ringing")
    fake.call = {**CALL, "offered": True, "state": "alerting"}
    fake.server.publish("acd.screen_pop", {"callid": "c-7"})
    got = dict(event() for _ in range(2))
    assert "Incoming call" in got["pop"] and "13800138000" in got["pop"] and 'data-state="ringing"' in got["state"]
    conn.close()


def test_who_may_open_the_panel(fake):
    sup = Http(fake.web.url)
    sup.login("sup1", AGENT_PASSWORD)
    r = sup.get("/agent")
    assert r.status == 403 and "not linked to an agent number" in r.text
    assert sup.get("/sse/agent").status == 403
    nobody = Http(fake.web.url)
    assert nobody.get("/agent").status in (302, 303)
    assert nobody.post("/agent/pause", {"reason": "1"}, csrf=False).status == 401
