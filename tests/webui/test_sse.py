"""Live views: HTML parts over server-sent events, re-rendered after daemon events."""
from __future__ import annotations

import http.client
import threading

import bottle

from firmware.config.store import ConfigStore
from firmware.mgmt.client import MgmtClient
from webui.server import WebServer
from webui.sse import live_stream, sse_message
from webui.web import Web
from tests.webui.harness import read_sse_event


def test_sse_message_format():
    assert sse_message("queues", "<b>1</b>\n<i>2</i>") == "event: queues\ndata: <b>1</b>\ndata: <i>2</i>\n\n"


def test_live_view_sends_parts_then_changes_after_events(server, datadir):
    store = ConfigStore(datadir / "config.db")
    web = Web(lambda: MgmtClient(socket_path=datadir / "hotline.sock", timeout=5), store, datadir)
    state = {"n": 0, "fixed": "same"}
    app = bottle.Bottle()

    @app.get("/sse/test")
    def stream():
        return live_stream(web, ["queue."], lambda: {"count": f"<b>{state['n']}</b>", "fixed": state["fixed"]})

    w = WebServer("127.0.0.1", 0, app, on_stop=web.stopping.set).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", w.port, timeout=10)
        conn.request("GET", "/sse/test")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.getheader("Content-Type").startswith("text/event-stream")
        first = dict(read_sse_event(resp) for _ in range(2))
        assert first == {"count": "<b>0</b>", "fixed": "same"}
        state["n"] = 1
        server.publish("other.thing", {})                  # not subscribed: nothing sent
        server.publish("queue.changed", {"queue": "500"})
        assert read_sse_event(resp) == ("count", "<b>1</b>")  # only the part that changed
        state["n"] = 2
        server.publish("queue.changed", {"queue": "500"})
        assert read_sse_event(resp) == ("count", "<b>2</b>")
        conn.close()
    finally:
        done = threading.Event()
        threading.Thread(target=lambda: (w.stop(), done.set()), daemon=True).start()
        assert done.wait(10), "the server did not stop with a live stream open"
        store.close()
