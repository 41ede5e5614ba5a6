"""MgmtClient against a real server: calls, errors, subscriptions, daemon absent."""
from __future__ import annotations

import threading

import pytest

from firmware.mgmt.client import DaemonNotRunning, MgmtClient, MgmtError, MgmtTimeout


def test_call_returns_result_and_raises_mgmt_error(server, datadir):
    with MgmtClient(data_dir=datadir) as c:
        assert c.call("add", a=20, b=22) == 42
        assert c.call("echo", cmd="x", id=3) == {"cmd": "x", "id": 3}   # any argument name
        with pytest.raises(MgmtError) as e:
            c.call("fail")
        assert e.value.code == "failed" and str(e.value) == "the line is busy"
        with pytest.raises(MgmtError) as e:
            c.call("nosuch")
        assert e.value.code == "unknown_command"
        assert c.call("ping") == {"pong": True}           # same connection still fine


def test_socket_path_instead_of_data_dir(server):
    with MgmtClient(socket_path=server.server.socket_path) as c:
        assert c.call("status")["box"]["board"] == "hotline-8"


def test_default_data_dir_comes_from_environment(server, datadir, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA", str(datadir))
    with MgmtClient() as c:
        assert c.call("ping") == {"pong": True}


def test_daemon_not_running_message(datadir):
    with pytest.raises(DaemonNotRunning) as e:
        MgmtClient(data_dir=datadir).call("status")
    assert str(e.value) == f"no Hotline daemon is serving {datadir} (is `hotline run` running?)"


def test_daemon_gone_after_stop(server, datadir):
    c = MgmtClient(data_dir=datadir)
    assert c.call("ping")
    server.stop()
    with pytest.raises(DaemonNotRunning):     # the open connection is closed; a new one finds nobody
        c.call("ping")
    with pytest.raises(DaemonNotRunning):
        c.call("ping")
    c.close()


def test_subscribe_stream_and_wait_for_event(server, datadir):
    with MgmtClient(data_dir=datadir) as c:
        stream = c.subscribe(["call."], timeout=5)
        server.publish("port.state", {"port": "fxs1", "state": "offhook"})
        server.publish("call.state", {"id": "c1", "state": "ringing"})
        server.publish("call.state", {"id": "c1", "state": "talk"})
        assert next(stream) == {"event": "call.state", "data": {"id": "c1", "state": "ringing"}}
        ev = c.wait_for_event(lambda e: e["data"]["state"] == "talk", timeout=5)
        assert ev["data"] == {"id": "c1", "state": "talk"}
        # the command connection is separate from the event stream
        assert c.call("add", a=1, b=2) == 3


def test_wait_for_event_times_out(server, datadir):
    with MgmtClient(data_dir=datadir) as c:
        c.subscribe()
        server.publish("call.state", {"state": "ringing"})
        with pytest.raises(MgmtTimeout):
            c.wait_for_event(lambda e: e["data"]["state"] == "never", timeout=0.2)


def test_stream_ends_when_daemon_stops(server, datadir):
    c = MgmtClient(data_dir=datadir)
    stream = c.subscribe()
    server.stop()
    assert list(stream) == []
    c.close()


def test_two_clients_in_threads(server, datadir):
    results = {}

    def work(n):
        with MgmtClient(data_dir=datadir) as c:
            results[n] = [c.call("add", a=n, b=i) for i in range(50)]
    threads = [threading.Thread(target=work, args=(n,)) for n in (100, 200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == {n: [n + i for i in range(50)] for n in (100, 200)}
