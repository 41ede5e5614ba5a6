"""The dashboard against a real daemon (simulated board, virtual clock, SIP on 127.0.0.1):
a real SIP phone (pjsua2, digest REGISTER over UDP) shows as registered — in the page
and in the live stream — with its source address, user agent and expiry, then ringing
and in a call; SIP trunks show registered / failing with the reason / no registration
needed next to the FXO lines; take over from an agent's row; switching the mode of a
running supervision session (and the refusals: same mode 409, unknown mode 400,
unknown session 404).  Stand-in shapes (unreachable, a trunk in use) are checked on
the pure view functions at the end."""
from __future__ import annotations

import html
import http.client
import re

import pytest

from firmware.mgmt.client import MgmtClient
from firmware.paths import DataDir
from tests.interop.conftest import require_pjsua2  # noqa: F401  (fixture)
from tests.interop.phones import PjPhone
from tests.mgmt.fixtures import remove, short_tmpdir
from tests.webui.harness import Http, WebBox, prepare_store, read_sse_event, wait_until
from tests.webui.test_dashboard_browser import SUP_PASSWORD, queue_setup
from webui.pages import dashboard_view as view

PW_901 = "Pw-901-sip-desk"
PW_902 = "Pw-902-sip-two"


class SipWebBox(WebBox):
    """A :class:`WebBox` with SIP on 127.0.0.1 at a free port (``sip``: "127.0.0.1:PORT")."""

    def start(self) -> "SipWebBox":
        self.tmp.mkdir(parents=True, exist_ok=True)
        prepare_store(DataDir.at(str(self.data)).create().config_db, self.setup)
        said = self.spawn(["--virtual-clock", "--web", "127.0.0.1:0", "--sip", "127.0.0.1:0",
                           "--log-level", "info"])
        self.url, self.sip = said.get("WEB", ""), said.get("SIP", "")
        assert self.sip, "daemon started without SIP:\n" + self.log_tail()
        self.client = MgmtClient(data_dir=str(self.data), timeout=10)
        return self


def setup(store) -> None:
    """SIP extensions 901/902, agents 1001/1002 in queue 700 (every inbound call goes
    there), a supervisor login."""
    store.add_extension(number="901", name="SIP desk", kind="sip", secret=PW_901)
    store.add_extension(number="902", name="SIP two", kind="sip", secret=PW_902)
    queue_setup(store)


@pytest.fixture
def sipbox():
    tmp = short_tmpdir()
    try:
        with SipWebBox(tmp, setup=setup) as box:
            yield box
    finally:
        remove(tmp)


@pytest.fixture
def sup(sipbox) -> Http:
    h = sipbox.http()
    assert h.login("sup", SUP_PASSWORD).status == 303
    return h


def row(page: str, attr: str, key: str) -> str:
    m = re.search(rf'<tr {attr}="{re.escape(key)}".*?</tr>', page, re.S)
    assert m, f"no row {attr}={key}"
    return m.group(0)


def open_stream(box, h: Http):
    sid = next(c.value for c in h.jar if c.name == "hotline_sid")
    port = int(box.url.rstrip("/").rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/sse/dashboard", headers={"Cookie": f"hotline_sid={sid}"})
    resp = conn.getresponse()
    assert resp.status == 200
    return conn, resp


def next_part(resp, name: str, pred) -> str:
    """Read the stream until part ``name`` satisfies ``pred`` (the stream times out)."""
    while True:
        event, data = read_sse_event(resp)
        if event == name and pred(data):
            return data


# ---------------------------------------------------------------------- SIP extensions
def test_sip_phone_registers_rings_and_talks_on_the_dashboard(sipbox, sup, tmp_path, require_pjsua2):  # noqa: F811
    box = sipbox
    page = sup.get("/dashboard").text
    assert 'data-reg="unregistered"' in row(page, "data-extension", "901")
    assert "SIP desk" in row(page, "data-extension", "901")
    analog = row(page, "data-extension", "801")
    assert "analog fxs1" in analog and 'class="chip idle"' in analog and "data-reg" not in analog

    conn, resp = open_stream(box, sup)
    try:
        next_part(resp, "extensions", lambda d: 'data-extension="901"' in d)
        with PjPhone("901", log_dir=tmp_path) as phone:
            assert phone.register(box.sip, "901", PW_901)["code"] == 200
            # the registration reaches the open page by itself (sip.registered event)
            part = next_part(resp, "extensions", lambda d: 'data-reg="registered"' in d)
            r901 = row(part, "data-extension", "901")
            assert 'data-reg="registered"' in r901
            assert f"from 127.0.0.1:{phone.port} (UDP)" in r901
            assert "hotline-test-pjphone/901" in r901                 # the phone's User-Agent
            assert re.search(r'expires in <span data-until="\d+">5:00</span>', r901)   # 300 s, virtual clock
            assert 'class="chip idle"' in r901
            assert 'data-reg="unregistered"' in row(part, "data-extension", "902")

            # analog phone 802 calls the SIP phone: it rings, then it talks
            box.ctl("sim.phone.offhook", port="fxs2")
            box.advance(400)
            box.ctl("sim.phone.dial", port="fxs2", digits="901")
            box.advance(6000)                                     # digits, then the end-of-dialling timeout
            phone.wait_event("incoming_call", timeout=10)
            part = next_part(resp, "extensions", lambda d: 'class="chip ringing" data-extension="901"' in d)
            phone.answer()
            box.advance(200)
            part = next_part(resp, "extensions", lambda d: 'class="chip in_call" data-extension="901"' in d)
            assert "in call" in row(part, "data-extension", "901")
            phone.hangup()
            box.advance(500)
            next_part(resp, "extensions", lambda d: 'class="chip idle" data-extension="901"' in d)

            phone.unregister()
            part = next_part(resp, "extensions", lambda d: 'data-reg="unregistered"' in row(d, "data-extension",
                                                                                             "901"))
            assert 'class="chip offline"' in row(part, "data-extension", "901")
    finally:
        conn.close()


# ---------------------------------------------------------------------- SIP trunks
def test_sip_trunks_registered_failing_and_ip_authenticated(sipbox, sup):
    box = sipbox
    host, port = box.sip.split(":")
    store = box.store()
    try:       # the box's own registrar plays the provider: 902's account, right and wrong password
        store.add_sip_trunk(name="carrier", host=host, port=int(port), username="902", password=PW_902)
        store.add_sip_trunk(name="badpass", host=host, port=int(port), username="902", password="wrong")
        store.add_sip_trunk(name="ipauth", host="10.1.2.3", register=False)
    finally:
        store.close()
    box.advance(1000)                                             # the box applies the new config
    wait_until(lambda: {t["state"] for t in box.ctl("sip.status")["trunks"].values()} == {"registered", "failed"},
               what="both trunk registrations settled")
    page = sup.get("/dashboard").text
    carrier = row(page, "data-line", "carrier")
    assert "SIP trunk" in carrier and 'data-reg="registered"' in carrier
    assert f"at {host}:{port}" in carrier and re.search(r'expires in <span data-until="\d+">(9:59|10:00)<', carrier)
    assert 'class="chip idle"' in carrier
    bad = row(page, "data-line", "badpass")
    assert 'class="line idle alarm"' in bad and 'data-reg="failing"' in bad
    assert "refused the credentials for user &#039;902&#039;" in bad      # the reason, in words
    ip = row(page, "data-line", "ipauth")
    assert 'data-reg="not_needed"' in ip and "no registration needed" in ip and "10.1.2.3:5060" in ip
    fxo = row(page, "data-line", "fxo1")
    assert "analog line" in fxo and 'data-kind="fxo"' in fxo

    box.ctl("sim.line.ring", port="fxo1", caller="13800138000")   # FXO keeps its live state
    box.advance(3000)
    assert 'class="chip in_use"' in row(sup.get("/dashboard").text, "data-line", "fxo1")


# ---------------------------------------------------------------------- take over, mode switch
def agent_on_call(box) -> None:
    """Agent 1001 on extension 801 answers an outside caller from the queue."""
    box.ctl("acd.agent.login", agent="1001", extension="801", pin="1234")
    box.ctl("sim.line.ring", port="fxo1", caller="13800138000")
    box.advance(6000)
    box.ctl("sim.phone.offhook", port="fxs1")
    box.advance(600)
    assert agent(box)["state"] == "on_call"


def agent(box, number: str = "1001") -> dict:
    return next(a for a in box.ctl("acd.agents") if a["agent"] == number)


def port_state(box, name: str) -> str:
    return next(p["state"] for p in box.ctl("status")["ports"] if p["name"] == name)


def test_take_over_from_the_agent_row(sipbox, sup):
    box = sipbox
    agent_on_call(box)
    assert sup.post("/dashboard/extension", {"extension": "803"}).status == 200
    page = sup.get("/dashboard").text
    assert "/dashboard/agent/1001/takeover" in row(page, "data-agent", "1001")
    r = sup.post("/dashboard/agent/1001/takeover")
    assert r.status == 200, r.text
    assert "Extension 803 is ringing" in r.text
    assert "agent 1001's caller is moved to you and the agent is released" in html.unescape(r.text)
    (s,) = box.ctl("supervise.list")
    assert s["takeover_pending"] is True and s["state"] == "ringing" and s["agent"] == "1001"
    sessions = row(sup.get("/dashboard").text, "data-session", s["id"])
    assert 'data-mode="takeover"' in sessions and "take over (on the agent&#039;s call)" in sessions
    assert re.search(r'<button class="small current" disabled aria-pressed="true">take over</button>', sessions)

    box.advance(200)
    assert port_state(box, "fxs3") == "ringing"
    box.ctl("sim.phone.offhook", port="fxs3")                     # the supervisor answers
    box.advance(1000)
    assert box.ctl("supervise.list") == []                         # taken over: the session is over
    assert port_state(box, "fxs3") == "talking"
    assert port_state(box, "fxs1") == "busy"                       # the agent is released (busy tone)
    assert agent(box)["state"] == "wrap_up"                        # ... and out of the call for the ACD
    transfer = box.ctl("acd.queue_log", event="TRANSFER")[-1]
    assert (transfer["agent"], transfer["data1"]) == ("1001", "803")
    assert 'data-session=' not in sup.get("/dashboard").text


def test_switch_the_mode_of_a_running_session(sipbox, sup):
    box = sipbox
    agent_on_call(box)
    sup.post("/dashboard/extension", {"extension": "803"})
    r = sup.post("/dashboard/agent/1001/listen")
    assert r.status == 200 and "Extension 803 is ringing" in r.text
    box.advance(200)
    box.ctl("sim.phone.offhook", port="fxs3")
    box.advance(1000)
    (s,) = box.ctl("supervise.list")
    sid = s["id"]
    assert (s["state"], s["mode"]) == ("monitoring", "listen")
    sessions = row(sup.get("/dashboard").text, "data-session", sid)
    assert 'data-mode="listen"' in sessions and "on the call" in sessions
    assert '<button class="small current" disabled aria-pressed="true">listen</button>' in sessions
    for m in ("whisper", "barge", "takeover"):
        assert f"/dashboard/supervise/{sid}/mode/{m}" in sessions
    assert f"/dashboard/supervise/{sid}/mode/listen" not in sessions     # the current mode: no button

    r = sup.post(f"/dashboard/supervise/{sid}/mode/whisper")
    assert r.status == 200 and f"Session {sid}: you now whisper to agent 1001 (only the agent hears you)." in r.text
    assert box.ctl("supervise.list")[0]["mode"] == "whisper"
    assert 'data-mode="whisper"' in row(sup.get("/dashboard").text, "data-session", sid)
    r = sup.post(f"/dashboard/supervise/{sid}/mode/whisper")
    assert r.status == 409 and f"Session {sid} is already in whisper mode." in r.text
    r = sup.post(f"/dashboard/supervise/{sid}/mode/shout")
    assert r.status == 400 and "Unknown mode shout" in r.text
    r = sup.post("/dashboard/supervise/sup-999/mode/barge")
    assert r.status == 404 and "There is no supervision session sup-999." in r.text
    r = sup.post(f"/dashboard/supervise/{sid}/mode/barge")
    assert r.status == 200 and box.ctl("supervise.list")[0]["mode"] == "barge"

    r = sup.post(f"/dashboard/supervise/{sid}/mode/takeover")
    assert r.status == 200 and "you took over agent 1001's call" in html.unescape(r.text)
    assert "the agent is released" in r.text
    box.advance(500)
    assert box.ctl("supervise.list") == []
    assert port_state(box, "fxs3") == "talking" and port_state(box, "fxs1") == "busy"
    r = sup.post(f"/dashboard/supervise/{sid}/mode/listen")       # the session ended with the take over
    assert r.status == 404


# ---------------------------------------------------------------------- shapes (no daemon)
def test_view_rows_for_unreachable_phones_and_busy_trunks():
    exts = [{"number": "901", "name": "A", "kind": "sip"}, {"number": "801", "name": "B", "kind": "fxs"},
            {"number": "903", "name": "C", "kind": "sip", "enabled": False}]
    sip = {"registrations": [{"user": "901", "source": "tcp:10.0.0.9:5070", "user_agent": "Yealink T46",
                              "expires_s": 61, "reachable": False}],
           "trunks": {"p": {"state": "retry_wait", "last_error": "no answer from p.cn:5060 (32 s)",
                            "provider": "p.cn:5060", "expires_in_s": 0}},
           "legs": [{"name": "sip-1", "state": "talking", "extension": None, "trunk": "p", "call": "c-1"},
                    {"name": "sip-2", "state": "offered", "extension": None, "trunk": "p", "call": "c-2"},
                    {"name": "sip-3", "state": "ended", "extension": "901", "trunk": None}]}
    ports = [{"kind": "fxs", "name": "fxs1", "extension": "801", "state": "talking", "since_s": 3}]
    rows = {r["extension"]: r for r in view.extension_rows(ports, exts, sip)}
    assert rows["801"]["kind"] == "fxs" and rows["801"]["status"] == "in_call" and rows["801"]["name"] == "B"
    assert rows["901"]["registration"]["state"] == "unreachable" and rows["901"]["status"] == "idle"
    assert rows["901"]["registration"]["contacts"][0]["source"] == "10.0.0.9:5070 (TCP)"
    assert rows["903"]["status"] == "offline" and rows["903"]["enabled"] is False
    assert view.extension_rows(ports, exts, None)[1]["registration"]["state"] == "sip_off"
    (t,) = view.line_rows([], [{"name": "p", "host": "p.cn", "port": 5060}], sip)
    assert (t["status"], t["calls"]) == ("in_use", 2)
    assert t["registration"] == {"state": "failing", "reason": "no answer from p.cn:5060 (32 s)", "expires_s": None}
    (off,) = view.line_rows([], [{"name": "p", "host": "p.cn", "enabled": False}], sip)
    assert off["registration"]["state"] == "disabled"
