"""Knowledge-base pages over HTTP: admins and supervisors edit (validated, audited),
everyone logged in searches and reads (Chinese words included), agents cannot edit."""
from __future__ import annotations

import re
import shutil
from urllib.parse import quote

import pytest

from tests.webui.harness import ADMIN_PASSWORD, Http, prepare_store

PASSWORD = "Other-pass-42"


def _setup(store) -> None:
    store.add_agent(number="1001", name="Li Lei", pin="1234")
    store.add_user("agent1", role="agent", password=PASSWORD, agent="1001")
    store.add_user("sup1", role="supervisor", password=PASSWORD)


@pytest.fixture(scope="module")
def prepared_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("kbdb") / "config.db"
    prepare_store(path, _setup)
    return path


@pytest.fixture
def kbweb(server, datadir, prepared_db):  # noqa: F811 - server from conftest
    from firmware.mgmt.client import MgmtClient
    from webui import start_web
    shutil.copy(prepared_db, datadir / "config.db")
    w = start_web("127.0.0.1", 0, data_root=datadir, socket_path=datadir / "hotline.sock",
                  config_db=datadir / "config.db",
                  client_factory=lambda: MgmtClient(socket_path=datadir / "hotline.sock", timeout=5))
    yield w
    w.stop()


def _as(url: str, user: str, password: str = PASSWORD) -> Http:
    h = Http(url)
    assert h.login(user, password).status in (302, 303)
    return h


def test_admin_adds_edits_and_deletes_articles(kbweb):
    h = _as(kbweb.url, "admin", ADMIN_PASSWORD)
    assert h.get("/config/kb").status == 200
    r = h.post("/config/kb", {"title": "", "body": "核对订单号", "tags": "退款"})
    assert r.status == 400 and 'class="field invalid"' in r.text and "is required" in r.text
    assert "核对订单号" in r.text                                       # values kept
    r = h.post("/config/kb", {"title": "如何办理退款", "body": "核对订单号，七天内全额退款。", "tags": "退款, <b>"})
    assert r.status == 400 and "may not contain" in r.text and "&lt;b&gt;" in r.text
    r = h.post("/config/kb", {"title": "如何办理退款", "body": "核对订单号，七天内全额退款。\n第二行", "tags": "退款, 售后"})
    assert r.status == 200 and "Article 1 added." in r.text
    h.post("/config/kb", {"title": "Opening hours <script>", "body": "Mon–Fri 9–18", "tags": "hours"})
    r = h.get("/kb/1")
    assert r.status == 200 and "<h1>如何办理退款</h1>" in r.text and "第二行" in r.text and "#售后" in r.text
    assert "Opening hours &lt;script&gt;" in h.get("/kb").text          # escaped in the list
    r = h.post("/config/kb/1", {"action": "save", "title": "退款流程", "body": "新的说明", "tags": "退款"})
    assert r.status == 200 and "Article 1 saved." in r.text
    assert "新的说明" in h.get("/kb/1").text
    r = h.post("/config/kb/1", {"action": "save", "title": "退款流程", "body": ""})
    assert r.status == 400 and "is required (the answer agents will read)" in r.text
    r = h.post("/config/kb/2", {"action": "delete"})
    assert "Article 2 deleted." in r.text and h.get("/kb/2").status == 404
    assert h.post("/config/kb/77", {"action": "delete"}).status == 404
    audit = h.get("/admin/audit").text
    assert "kb_articles" in audit and "web:admin" in audit


def test_search_in_chinese_and_by_tag_for_agents(kbweb):
    admin = _as(kbweb.url, "admin", ADMIN_PASSWORD)
    admin.post("/config/kb", {"title": "如何办理退款", "body": "核对订单号，七天内全额退款。", "tags": "退款"})
    admin.post("/config/kb", {"title": "发票问题", "body": "退款后发票作废。", "tags": "发票"})
    admin.post("/config/kb", {"title": "Voicemail PIN", "body": "Dial *98.", "tags": "voicemail"})
    agent = _as(kbweb.url, "agent1")
    r = agent.get("/kb/search?q=" + quote("退款"))
    assert r.status == 200 and "<html" not in r.text
    assert re.findall(r'<a href="/kb/\d+"[^>]*>([^<]+)</a>', r.text) == ["如何办理退款", "发票问题"]
    r = agent.get("/kb/search?q=" + quote("#发票"))
    assert re.findall(r'<a href="/kb/\d+"[^>]*>([^<]+)</a>', r.text) == ["发票问题"]
    r = agent.get("/kb/search?q=nothing-like-this")
    assert "No article matches" in r.text
    r = agent.get("/kb/search?q=PIN&tab=1")
    assert 'target="_blank"' in r.text and "Voicemail PIN" in r.text
    r = agent.get("/kb?q=" + quote("发票"))
    assert r.status == 200 and "发票问题" in r.text and "如何办理退款" not in r.text
    assert agent.get("/kb/1").status == 200


def test_agents_cannot_edit_supervisors_can(kbweb):
    agent = _as(kbweb.url, "agent1")
    r = agent.get("/config/kb")
    assert r.status == 403 and "may not open this page" in r.text
    agent.get("/kb")
    assert agent.post("/config/kb", {"title": "x", "body": "y"}).status == 403
    assert "Knowledge base articles" not in agent.get("/kb").text       # not in the agent's menu
    sup = _as(kbweb.url, "sup1")
    r = sup.post("/config/kb", {"title": "Escalation", "body": "Call the duty manager.", "tags": "escalation"})
    assert r.status == 200 and "Article 1 added." in r.text
    assert agent.get("/kb/1").status == 200 and "Call the duty manager." in agent.get("/kb/1").text
