"""The status page served by waitress, reading a real management server."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import pytest

from firmware.mgmt.client import MgmtClient
from webui.server import WebServer, WebServerError


def fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode("utf-8")


@pytest.fixture
def web(datadir):
    w = WebServer("127.0.0.1", 0, lambda: MgmtClient(data_dir=datadir, timeout=5)).start()
    yield w
    w.stop()


def test_page_shows_box_ports_and_calls(server, web):
    assert web.port != 0 and web.url == f"http://127.0.0.1:{web.port}/"
    code, ctype, html = fetch(web.url)
    assert code == 200 and ctype.startswith("text/html")
    assert '<meta http-equiv="refresh" content="2">' in html
    for name in ("fxs1", "fxs2", "fxo1"):
        assert f"<td class=\"name\">{name}</td>" in html
    assert "hotline-8 (simulated)" in html and "up 1h02m05s" in html
    assert '<td class="state-talk">talk</td>' in html
    assert "<td>fxs1, fxs2</td>" in html and "<td>12s</td>" in html
    assert "calls_total" in html
    assert "<script" not in html and "http://" not in html.split("<body>")[1]


def test_names_from_config_are_escaped(server, web):
    html = fetch(web.url)[2]
    assert "Front desk &lt;b&gt;&amp;" in html
    assert "Front desk <b>" not in html


def test_api_status_and_healthz(server, web):
    code, ctype, body = fetch(web.url + "api/status")
    assert code == 200 and ctype.startswith("application/json")
    assert [p["name"] for p in json.loads(body)["ports"]] == ["fxs1", "fxs2", "fxo1"]
    code, _, body = fetch(web.url + "healthz")
    assert code == 200 and json.loads(body) == {"ok": True}


def test_daemon_gone_gives_503_in_words(server, web, datadir):
    assert fetch(web.url)[0] == 200
    server.stop()
    code, ctype, html = fetch(web.url)
    assert code == 503 and ctype.startswith("text/html")
    assert "The Hotline daemon is not running." in html
    assert f"no Hotline daemon is serving {datadir}" in html
    assert "Traceback" not in html
    assert '<meta http-equiv="refresh"' in html               # comes back by itself
    code, _, body = fetch(web.url + "api/status")
    assert code == 503 and json.loads(body)["error"]["code"] == "not_running"
    code, _, body = fetch(web.url + "healthz")
    assert code == 503 and json.loads(body)["ok"] is False


def test_port_in_use_is_a_clear_error(datadir):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        with pytest.raises(WebServerError) as e:
            WebServer("127.0.0.1", port, lambda: MgmtClient(data_dir=datadir)).start()
        assert str(e.value) == f"cannot listen on 127.0.0.1:{port}: address in use"
    finally:
        holder.close()


def test_stop_frees_the_port(server, datadir):
    w = WebServer("127.0.0.1", 0, lambda: MgmtClient(data_dir=datadir)).start()
    assert fetch(w.url)[0] == 200
    port = w.port
    w.stop()
    assert not w.running
    again = WebServer("127.0.0.1", port, lambda: MgmtClient(data_dir=datadir)).start()
    try:
        assert fetch(again.url)[0] == 200
    finally:
        again.stop()
