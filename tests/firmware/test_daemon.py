"""The real daemon in its own process: `hotline run --sim --virtual-clock`, driven only
through the management socket (and `hotline ctl`), with the status page on a real port."""
from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from firmware.mgmt.client import MgmtClient


@pytest.fixture
def daemon(tmp_path):
    data = tmp_path / "d"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "daemon.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "firmware.cli", "run", "--sim", "--virtual-clock", "--sip", "127.0.0.1:0",
                             "--data", str(data), "--web", f"127.0.0.1:{port}", "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=log)
    # the daemon prints "READY <socket>" once it serves; its output ends if it dies first
    seen = []
    for line in proc.stdout:
        seen.append(line.decode(errors="replace"))
        if line.startswith(b"READY "):
            break
    else:
        proc.wait()
        pytest.fail("daemon did not start:\n" + "".join(seen) + (tmp_path / "daemon.log").read_text())
    client = MgmtClient(data_dir=str(data), timeout=10)
    client.call("ping")
    yield client, data, port
    proc.terminate()
    try:
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()


def test_daemon_call_through_the_management_api(daemon):
    c, data, port = daemon
    st = c.call("status")
    assert st["box"]["simulated"] and st["box"]["clock"] == "virtual"
    assert [p["name"] for p in st["ports"]][:2] == ["fxs1", "fxs2"]
    c.call("sim.phone.offhook", port="fxs1")
    c.call("clock.advance", ms=800)
    c.call("sim.phone.dial", port="fxs1", digits="802")
    c.call("clock.advance", ms=3000)
    ports = {p["name"]: p for p in c.call("ports")}
    assert ports["fxs2"]["state"] == "ringing" and ports["fxs1"]["state"] == "calling"
    c.call("sim.phone.offhook", port="fxs2")
    c.call("clock.advance", ms=500)
    (call,) = c.call("calls")
    assert call["state"] == "answered" and call["from"] == "801" and call["to"] == "802"
    # the web UI: the first login is admin/admin and must change; then the status page shows the call
    from tests.webui.harness import Http
    web = Http(f"http://127.0.0.1:{port}")
    assert web.get("/status").status == 303                    # login first
    assert web.login("admin", "admin").status == 303
    assert web.get("/status").location.endswith("/account/password")
    assert web.post("/account/password", {"current": "admin", "password": "First-boot-pw1",
                                          "confirm": "First-boot-pw1"}).status == 200
    html = web.get("/status").text
    assert "fxs2" in html and "talking" in html
    c.call("hangup", id=call["id"])
    c.call("clock.advance", ms=500)
    (rec,) = c.call("cdr.list")
    assert rec["disposition"] == "ANSWERED" and rec["dst"] == "802"


def test_malformed_line_gets_json_error_and_connection_stays(daemon):
    c, data, port = daemon
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(str(data / "hotline.sock"))
        f = s.makefile("rwb")
        f.write(b"this is not json\n"); f.flush()
        err = json.loads(f.readline())
        assert err["ok"] is False and err["error"]["code"] == "bad_json"
        f.write(b'{"id": 7, "cmd": "status"}\n'); f.flush()
        ok = json.loads(f.readline())
        assert ok["id"] == 7 and ok["ok"] is True


def test_ctl_status_and_errors(daemon):
    c, data, port = daemon
    r = subprocess.run([sys.executable, "-m", "firmware.cli", "ctl", "--data", str(data), "status"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "fxo4" in r.stdout
    r = subprocess.run([sys.executable, "-m", "firmware.cli", "ctl", "--data", str(data),
                        "originate", "from=809", "to=802"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "809" in r.stderr
