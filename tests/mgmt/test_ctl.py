"""`hotline ctl` through firmware.cli.main against a real server: output and exit codes."""
from __future__ import annotations

import json
import threading

import pytest

from firmware import cli
from firmware.mgmt.ctl import parse_params


def ctl(datadir, *argv):
    return cli.main(["ctl", "--data", str(datadir), *argv])


def test_status_prints_port_and_call_tables(server, datadir, capsys):
    assert ctl(datadir, "status") == 0
    out = capsys.readouterr().out
    assert "Front desk <b>& — board hotline-8 (simulated), country CN" in out
    assert "up 1h02m05s" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("NAME"))
    assert header.split() == ["NAME", "KIND", "SLOT", "STATE", "EXTENSION", "HOOK"]
    assert "fxs1  fxs   1     talk   801        off" in out
    assert any(line.split()[:4] == ["c-1", "801", "802", "talk"] for line in lines)
    assert "fxs1, fxs2" in out and "calls_total: 7" in out


def test_json_flag_prints_raw_result(server, datadir, capsys):
    assert ctl(datadir, "--json", "status") == 0
    assert json.loads(capsys.readouterr().out)["ports"][2]["name"] == "fxo1"


def test_key_value_args_are_json_when_they_parse(server, datadir, capsys):
    assert ctl(datadir, "--json", "echo", "n=3", "on=true", "ports=[\"fxs1\",\"fxs2\"]",
               "name=Front desk", "dst=0801", "num=\"802\"", "empty=") == 0
    assert json.loads(capsys.readouterr().out) == {
        "n": 3, "on": True, "ports": ["fxs1", "fxs2"], "name": "Front desk", "dst": "0801",
        "num": "802", "empty": ""}


def test_generic_result_is_readable(server, datadir, capsys):
    assert ctl(datadir, "echo", "a=1", "b={\"c\":[1,2]}") == 0
    out = capsys.readouterr().out
    assert "a: 1" in out and "b:" in out and "c: 1, 2" in out


def test_help_lists_commands(server, datadir, capsys):
    assert ctl(datadir, "help") == 0
    out = capsys.readouterr().out
    assert "status" in out and "box, ports and calls" in out


def test_exit_codes(server, datadir, capsys):
    assert ctl(datadir, "fail") == 1
    assert "hotline ctl: fail: the line is busy" in capsys.readouterr().err
    assert ctl(datadir, "nosuch") == 2
    assert "unknown command 'nosuch'" in capsys.readouterr().err
    assert ctl(datadir, "add", "a=1") == 2
    assert "missing argument 'b'" in capsys.readouterr().err
    assert ctl(datadir, "echo", "oops") == 2
    assert "expected key=value, got 'oops'" in capsys.readouterr().err
    assert ctl(datadir, "boom") == 1
    assert "internal error: RuntimeError: kaput" in capsys.readouterr().err


def test_daemon_not_running_exit_3(datadir, capsys):
    assert ctl(datadir, "status") == 3
    err = capsys.readouterr().err
    assert f"no Hotline daemon is serving {datadir} (is `hotline run` running?)" in err


def test_events_streams_until_count(server, datadir, capsys):
    def publish_when_subscribed():
        # wait until ctl's subscription exists, then publish
        for _ in range(500):
            if server.run(_subscribed(server)):
                break
        server.publish("port.state", {"port": "fxs1"})
        server.publish("call.state", {"id": "c1", "state": "ringing", "caller": "Li Lei"})
        server.publish("call.state", {"id": "c1", "state": "talk"})
    t = threading.Thread(target=publish_when_subscribed)
    t.start()
    assert ctl(datadir, "--count", "2", "events", "call.") == 0
    t.join(10)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].endswith('call.state  id=c1 state=ringing caller="Li Lei"')
    assert out[1].endswith("call.state  id=c1 state=talk")


async def _subscribed(server) -> bool:
    import asyncio
    await asyncio.sleep(0.001)
    return any(c.session.subscribed for c in server.server._connections)


def test_events_json_and_not_running(server, datadir, capsys):
    t = threading.Thread(target=lambda: [server.run(_subscribed(server)) for _ in range(50)]
                         and server.publish("call.x", {"a": "中文"}))
    t.start()
    assert ctl(datadir, "--json", "--count", "1", "events") == 0
    t.join(10)
    assert json.loads(capsys.readouterr().out) == {"event": "call.x", "data": {"a": "中文"}}
    server.stop()
    assert ctl(datadir, "events") == 3


def test_parse_params_rejects_duplicates():
    with pytest.raises(Exception, match="given twice"):
        parse_params(["a=1", "a=2"])


def test_no_command_is_usage(datadir, capsys):
    assert ctl(datadir) == 2
    assert "say which command to run" in capsys.readouterr().err


def test_options_after_the_command(server, datadir, capsys):
    assert ctl(datadir, "status", "--json") == 0
    assert json.loads(capsys.readouterr().out)["box"]["country"] == "CN"


def test_status_shows_usual_columns_and_wide_shows_all(datadir, capsys):
    from tests.mgmt.fixtures import SAMPLE_STATUS, ServerThread, test_dispatcher
    status = json.loads(json.dumps(SAMPLE_STATUS))
    status["ports"][0].update(line_voltage=-48, ringing=False)
    d = test_dispatcher()
    d.register("status", lambda a: status, replace=True)
    srv = ServerThread(d, datadir / "hotline.sock")
    try:
        assert ctl(datadir, "status") == 0
        out = capsys.readouterr().out
        assert "LINE_VOLTAGE" not in out and "fxs1" in out
        assert ctl(datadir, "--wide", "status") == 0
        wide = capsys.readouterr().out
        assert "LINE_VOLTAGE" in wide and "-48" in wide
    finally:
        srv.stop()
