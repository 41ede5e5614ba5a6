"""The real daemon keeps its log: `hotline run` records go to the ring (log.tail over the
socket) and to <data>/logs/hotline.log."""
from __future__ import annotations

import subprocess
import sys

import pytest

from firmware.mgmt.client import MgmtClient


def test_daemon_log_reaches_log_tail_and_the_log_file(tmp_path):
    data = tmp_path / "d"
    err = open(tmp_path / "stderr.txt", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "firmware.cli", "run", "--sim", "--virtual-clock",
                             "--sip", "off", "--web", "off", "--data", str(data), "--log-level", "info"],
                            stdout=subprocess.PIPE, stderr=err)
    try:
        for line in proc.stdout:
            if line.startswith(b"READY "):
                break
        else:
            proc.wait()
            pytest.fail("daemon did not start:\n" + (tmp_path / "stderr.txt").read_text())
        with MgmtClient(data_dir=str(data), timeout=10) as c:
            got = c.call("log.tail", contains="Hotline running")
            assert got and got[0]["level"] == "info" and got[0]["logger"] == "hotline"
            c.call("reload")
            newest = c.call("log.tail", limit=1)[0]
            assert newest["message"].startswith("configuration version") and newest["logger"] == "hotline.box"
            assert c.call("log.tail", level="error") == []
        text = (data / "logs" / "hotline.log").read_text()
        assert "INFO hotline: Hotline running: board hotline-8 (simulated)" in text
        assert "INFO hotline.box: configuration version" in text
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
            err.close()
