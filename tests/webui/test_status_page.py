"""The status page (behind the login) reading a real management server."""
from __future__ import annotations

import json
import socket

import pytest

from webui.server import WebServer, WebServerError


def test_page_shows_box_ports_and_calls(server, webapp, http):
    assert webapp.port != 0 and webapp.url == f"http://127.0.0.1:{webapp.port}/"
    http.login()
    r = http.get("/status")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
    html = r.text
    assert 'hx-get="/status/fragment" hx-trigger="every 2s"' in html
    for name in ("fxs1", "fxs2", "fxo1"):
        assert f"<td class=\"name\">{name}</td>" in html
    assert "hotline-8 (simulated)" in html and "up 1h02m05s" in html
    assert '<td class="state-talk">talk</td>' in html
    assert "<td>fxs1, fxs2</td>" in html and "<td>12s</td>" in html
    assert "calls_total" in html
    frag = http.get("/status/fragment").text
    assert "<html" not in frag and '<td class="state-talk">talk</td>' in frag


def test_names_from_config_are_escaped(server, webapp, http):
    http.login()
    html = http.get("/status").text
    assert "Front desk &lt;b&gt;&amp;" in html
    assert "Front desk <b>" not in html


def test_api_status_and_healthz(server, webapp, http):
    http.login()
    r = http.get("/api/status")
    assert r.status == 200 and r.headers["Content-Type"].startswith("application/json")
    assert [p["name"] for p in r.json()["ports"]] == ["fxs1", "fxs2", "fxo1"]
    r = http.get("/healthz")
    assert r.status == 200 and r.json() == {"ok": True}


def test_daemon_gone_gives_503_in_words(server, webapp, http, datadir):
    http.login()
    assert http.get("/status").status == 200
    server.stop()
    r = http.get("/status")
    assert r.status == 503 and r.headers["Content-Type"].startswith("text/html")
    assert "The Hotline daemon is not running." in r.text
    assert f"no Hotline daemon is serving {datadir}" in r.text
    assert "Traceback" not in r.text
    assert 'hx-trigger="every 2s"' in r.text                  # comes back by itself
    r = http.get("/api/status")
    assert r.status == 503 and json.loads(r.body)["error"]["code"] == "not_running"
    r = http.get("/healthz")
    assert r.status == 503 and r.json()["ok"] is False


def _app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def test_port_in_use_is_a_clear_error():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        with pytest.raises(WebServerError) as e:
            WebServer("127.0.0.1", port, _app).start()
        assert str(e.value) == f"cannot listen on 127.0.0.1:{port}: address in use"
    finally:
        holder.close()


def test_stop_frees_the_port():
    import urllib.request
    w = WebServer("127.0.0.1", 0, _app).start()
    assert urllib.request.urlopen(w.url, timeout=5).read() == b"ok"
    port = w.port
    w.stop()
    assert not w.running
    again = WebServer("127.0.0.1", port, _app).start()
    try:
        assert urllib.request.urlopen(again.url, timeout=5).read() == b"ok"
    finally:
        again.stop()
