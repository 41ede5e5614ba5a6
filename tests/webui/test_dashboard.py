"""Supervisor dashboard, wallboard and notices over HTTP (no browser): the management
commands are stand-ins on the test server, so shapes, words, roles and CSRF are checked
fast.  The real daemon and browser: test_dashboard_browser.py."""
from __future__ import annotations

import http.client
import re

import pytest

from firmware.config.store import ConfigStore
from firmware.mgmt.commands import CommandError
from tests.webui.harness import Http, read_sse_event

PASSWORD = "Sup3rvisor-pass"

QUEUES = [{"number": "700", "name": "Service <b>", "strategy": "longest_idle",
           "waiting": [{"callid": "c-9", "caller": "13800138000", "position": 1, "priority": 0,
                        "state": "waiting", "wait_s": 42.0}],
           "longest_wait_s": 42.0,
           "agents": [{"agent": "1001", "state": "on_call"}, {"agent": "1002", "state": "paused"},
                      {"agent": "1003", "state": "logged_out"}], "aht_s": 120.0}]
STATS = {"agents_by_state": {"ready": 0, "on_call": 1, "paused": 1, "logged_out": 1},
         "queues": {"700": {"offered": 12, "answered": 9, "abandoned": 2, "service_level_pct": 81.8,
                            "asa_s": 7.5}}, "agents": []}
AGENTS = [{"agent": "1001", "name": "Li Lei", "state": "on_call", "extension": "801", "since_s": 65,
           "callid": "c-1", "queue": "700", "calls": 3, "queues": ["700"]},
          {"agent": "1002", "name": "Han Meimei", "state": "paused", "reason": "2", "extension": "802",
           "since_s": 30, "callid": "", "queue": "", "calls": 1, "queues": ["700"]},
          {"agent": "1003", "name": "Wang", "state": "logged_out", "queues": ["700"]}]


class FakeAcd:
    """The daemon's acd.* / supervise.* / notice.* commands, recording what they were asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict]] = []
        self.queues = [dict(q) for q in QUEUES]
        self.notices: list[dict] = []

    def install(self, d) -> None:
        d.register("acd.queues", lambda a: self.queues)
        d.register("acd.stats", lambda a: STATS)
        d.register("acd.agents", lambda a: AGENTS)
        d.register("conferences", lambda a: [{"number": "900", "parties": [
            {"caller": "801", "muted": False}, {"caller": "66550001", "muted": True}]}])
        d.register("supervise.list", lambda a: [{"id": "sup-4", "supervisor": "804", "agent": "1001",
                                                 "extension": "801", "mode": "whisper", "state": "active"}])
        for name in ("acd.agent.pause", "acd.agent.unpause", "acd.agent.logout"):
            d.register(name, self.agent_cmd(name))
        d.register("supervise.start", self.supervise)
        d.register("supervise.stop", self.stop)
        d.register("notice.post", self.post)
        d.register("notice.list", lambda a: list(reversed(self.notices)))
        d.register("notice.delete", self.delete)

    def agent_cmd(self, name):
        def run(a):
            self.asked.append((name, dict(a)))
            if a["agent"] == "1003":
                raise CommandError(f"agent 1003 cannot {name} now")
            return {"agent": a["agent"]}
        return run

    def supervise(self, a):
        self.asked.append(("supervise.start", dict(a)))
        if a["supervisor"] == "804":
            raise ValueError("extension 804 is busy")
        return {"id": "sup-7", "state": "ringing"}

    def stop(self, a):
        self.asked.append(("supervise.stop", dict(a)))
        if a["id"] != "sup-4":
            raise KeyError(f"no supervision session {a['id']!r}")
        return {"stopped": a["id"]}

    def post(self, a):
        n = {"id": len(self.notices) + 1, "posted": "2026-01-01T08:00:00+00:00", "author": a["author"],
             "text": a["text"], "expires": None}
        self.notices.append(n)
        return n

    def delete(self, a):
        before = len(self.notices)
        self.notices = [n for n in self.notices if n["id"] != int(a["id"])]
        if len(self.notices) == before:
            raise CommandError(f"no notice {a['id']}")
        return {"deleted": int(a["id"])}


@pytest.fixture
def acd(server, webapp, datadir):
    fake = FakeAcd()
    fake.install(server.server.dispatcher)
    store = ConfigStore(datadir / "config.db")
    try:
        for number, name in (("1001", "Li Lei"), ("1002", "Han Meimei"), ("1003", "Wang")):
            store.add_agent(number=number, name=name, pin="1234")
        store.add_user("sup", role="supervisor", password=PASSWORD)
    finally:
        store.close()
    return fake


@pytest.fixture
def sup(acd, webapp) -> Http:
    h = Http(webapp.url)
    assert h.login("sup", PASSWORD).status == 303
    return h


def add_pause_reasons(datadir) -> None:
    store = ConfigStore(datadir / "config.db")
    try:
        store.add_pause_reason(code="1", name="Lunch")
        store.add_pause_reason(code="2", name="Training")
    finally:
        store.close()


def test_dashboard_shows_queues_agents_lines_and_conferences(sup):
    r = sup.get("/dashboard")
    assert r.status == 200
    page = r.text
    assert 'sse-connect="/sse/dashboard"' in page and 'sse-swap="queues"' in page
    row = re.search(r'<tr data-queue="700".*?</tr>', page, re.S).group(0)
    assert "Service &lt;b&gt;" in row                                   # escaped
    assert '<td class="num waiting-count">1</td>' in row
    assert "13800138000" in row and ">0:42<" in row                     # caller and wait
    assert "82 %" in row and ">0:08<" in row                            # SL and ASA
    assert "<td class=\"num\">9</td>" in row and "<td class=\"num\">2</td>" in row
    assert "on a call 1" in row and "paused 1" in row
    agent = re.search(r'<tr data-agent="1001".*?</tr>', page, re.S).group(0)
    assert 'data-state="on_call"' in agent and "data-since=" in agent
    assert "<td>802</td>" in agent                                      # the other party of call c-1
    assert "/dashboard/agent/1001/listen" in agent and "/dashboard/agent/1001/pause" in agent
    paused = re.search(r'<tr data-agent="1002".*?</tr>', page, re.S).group(0)
    assert "(2)" in paused and "/dashboard/agent/1002/unpause" in paused
    assert "/listen" not in paused                                      # nothing to listen to
    off = re.search(r'<tr data-agent="1003".*?</tr>', page, re.S).group(0)
    assert "hx-post" not in off
    assert 'class="chip in_call" data-extension="801"' in page
    assert 'class="chip idle" data-extension="802"' in page
    assert 'data-line="fxo1"' in page
    assert "66550001 (muted)" in page                                   # conference 900
    assert 'data-session="sup-4"' in page and "/dashboard/supervise/sup-4/stop" in page


def test_roles_csrf_and_login(acd, webapp, sup, datadir):
    store = ConfigStore(datadir / "config.db")
    try:
        store.add_user("ag", role="agent", password=PASSWORD, agent="1001")
    finally:
        store.close()
    anon = Http(webapp.url)
    assert anon.get("/dashboard").status == 303
    assert anon.post("/dashboard/agent/1001/pause", csrf=False).status == 401
    assert sup.post("/dashboard/agent/1001/pause", csrf=False).status == 403
    agent = Http(webapp.url)
    agent.login("ag", PASSWORD)
    for path in ("/dashboard", "/wallboard", "/notices", "/sse/dashboard"):
        assert agent.get(path).status == 403, path
    assert agent.post("/dashboard/agent/1002/unpause").status == 403
    assert agent.post("/notices", {"text": "hi"}).status == 403
    assert acd.asked == []                                              # nothing reached the daemon
    admin = Http(webapp.url)
    admin.login()
    assert admin.get("/dashboard").status == 200


def test_pause_unpause_logout(acd, sup, datadir):
    r = sup.post("/dashboard/agent/1001/pause", {"reason": ""})
    assert r.status == 200 and "Agent 1001 is paused." in r.text and "<html" not in r.text
    assert acd.asked[-1] == ("acd.agent.pause", {"agent": "1001"})
    add_pause_reasons(datadir)
    r = sup.post("/dashboard/agent/1001/pause", {"reason": "7"})
    assert r.status == 400 and "Choose a pause reason (1, 2)." in r.text
    r = sup.post("/dashboard/agent/1001/pause", {"reason": "2"})
    assert r.status == 200 and acd.asked[-1] == ("acd.agent.pause", {"agent": "1001", "reason": "2"})
    assert 'value="2">2 Training</option>' in sup.get("/dashboard").text
    r = sup.post("/dashboard/agent/1002/unpause")
    assert r.status == 200 and "Agent 1002 is ready again." in r.text
    r = sup.post("/dashboard/agent/1001/logout")
    assert r.status == 200 and "Agent 1001 is logged out." in r.text
    r = sup.post("/dashboard/agent/1003/logout")
    assert r.status == 409 and "Agent 1003 cannot be logged out now (not logged in)." in r.text
    n = len(acd.asked)
    r = sup.post("/dashboard/agent/1009/pause")
    assert r.status == 400 and "There is no agent 1009." in r.text
    r = sup.post("/dashboard/agent/1001/explode")
    assert r.status == 400 and "Unknown action explode." in r.text
    assert len(acd.asked) == n


def test_listen_asks_for_the_extension_then_rings_it(acd, sup):
    r = sup.post("/dashboard/agent/1001/listen")
    assert r.status == 400 and "First say which extension you listen from" in r.text
    assert not acd.asked
    r = sup.post("/dashboard/extension", {"extension": "899"})
    assert r.status == 400 and "There is no extension 899." in r.text
    r = sup.post("/dashboard/extension", {"extension": "803"})
    assert r.status == 200 and "You listen from extension 803" in r.text
    assert 'id="listen-ext" name="extension" value="803"' in sup.get("/dashboard").text   # remembered
    r = sup.post("/dashboard/agent/1001/whisper")
    assert r.status == 200
    assert "Extension 803 is ringing: answer it to whisper agent 1001 (session sup-7)." in r.text
    assert acd.asked[-1] == ("supervise.start", {"supervisor": "803", "target": "1001", "mode": "whisper"})
    sup.post("/dashboard/extension", {"extension": "804"})
    r = sup.post("/dashboard/agent/1001/barge")
    assert r.status == 409 and "The box refused to barge agent 1001" in r.text and "804 is busy" in r.text
    r = sup.post("/dashboard/supervise/sup-4/stop")
    assert r.status == 200 and "Supervision session sup-4 ended." in r.text
    r = sup.post("/dashboard/supervise/sup-99/stop")
    assert r.status == 404 and "There is no supervision session sup-99." in r.text


def test_live_stream_resends_the_queue_part_after_an_acd_event(acd, sup, server, webapp):
    sid = next(c.value for c in sup.jar if c.name == "hotline_sid")
    conn = http.client.HTTPConnection("127.0.0.1", webapp.port, timeout=10)
    try:
        conn.request("GET", "/sse/dashboard", headers={"Cookie": f"hotline_sid={sid}"})
        resp = conn.getresponse()
        assert resp.status == 200
        first = {}
        while len(first) < 7:
            name, data = read_sse_event(resp)
            first[name] = data
        assert set(first) == {"queues", "agents", "sessions", "extensions", "lines", "conferences", "daemon"}
        assert '<td class="num waiting-count">1</td>' in first["queues"]
        acd.queues[0]["waiting"] = acd.queues[0]["waiting"] + [
            {"callid": "c-10", "caller": "02155550000", "state": "waiting", "wait_s": 3.0}]
        server.publish("call.state", {"id": "c-10"})              # not about queues: nothing changes
        server.publish("acd.join", {"queue": "700"})
        name, data = read_sse_event(resp)
        assert name == "queues" and '<td class="num waiting-count">2</td>' in data and "02155550000" in data
    finally:
        conn.close()


def test_wallboard_tiles(acd, sup):
    r = sup.get("/wallboard")
    assert r.status == 200
    page = r.text
    assert '<body class="wallboard">' in page and 'class="side"' not in page    # no menu
    assert 'sse-connect="/sse/wallboard"' in page
    tile = re.search(r'<div class="wall-tile alert" data-queue="700">.*?<div class="foot">', page, re.S).group(0)
    assert 'waiting-count">1<' in tile and "0:42" in tile and "82 %" in tile and "9 / 2" in tile


def test_notices_post_list_delete(acd, sup):
    r = sup.post("/notices", {"text": "  ", "expires_min": ""})
    assert r.status == 400 and "Write the message agents will see." in r.text
    r = sup.post("/notices", {"text": "Lunch <now>", "expires_min": "7"})
    assert r.status == 400 and "Choose how long the notice stays." in r.text and "Lunch &lt;now&gt;" in r.text
    r = sup.post("/notices", {"text": "System upgrade at 18:00 <b>", "expires_min": "60"})
    assert r.status == 200 and "Notice posted" in r.text
    assert acd.notices[0]["author"] == "sup"
    assert '<td class="notice-text">System upgrade at 18:00 &lt;b&gt;</td>' in r.text
    r = sup.post("/notices/1/delete")
    assert r.status == 200 and "Notice 1 deleted." in r.text and 'data-notice="1"' not in r.text
    r = sup.post("/notices/1/delete")
    assert r.status == 404 and "There is no notice 1" in r.text


def test_supervise_as_a_configured_supervisor_with_pin(acd, sup, datadir):
    store = ConfigStore(datadir / "config.db")
    try:
        store.add_supervisor(number="9001", name="Boss", pin="4321", extension="803")
    finally:
        store.close()
    page = sup.get("/dashboard").text
    assert 'id="sup-number"' in page and 'id="sup-pin"' in page
    r = sup.post("/dashboard/extension", {"extension": "", "supervisor": "9009", "pin": "1"})
    assert r.status == 400 and "There is no supervisor 9009." in r.text
    r = sup.post("/dashboard/extension", {"extension": "", "supervisor": "9001", "pin": "4321"})
    assert r.status == 200 and "You supervise as supervisor 9001; your phone is your desk phone." in r.text
    page = sup.get("/dashboard").text
    assert 'value="9001"' in page and "4321" not in page                  # the PIN is never sent back
    r = sup.post("/dashboard/agent/1001/listen")
    assert r.status == 200 and "Your desk phone is ringing: answer it to listen agent 1001" in r.text
    assert acd.asked[-1] == ("supervise.start", {"supervisor": "9001", "pin": "4321", "extension": "",
                                                 "target": "1001", "mode": "listen"})
