"""Setup-wizard commands over the real management socket: ports.check and test_call."""
from __future__ import annotations

import numpy as np
import pytest

from firmware.mgmt.client import MgmtError


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if x.size else 0.0


def test_line_check_reports_lines_phones_and_voltage_in_words(served):
    board = served.box.board
    board.line("fxo2").set_down()                       # the cable to the exchange is pulled
    board.phone("fxs3").off_hook()
    served.run(500)
    got = {p["port"]: p for p in served.call("ports.check")}
    assert set(got) == {"fxs1", "fxs2", "fxs3", "fxs4", "fxo1", "fxo2", "fxo3", "fxo4"}
    assert (got["fxo1"]["line"], got["fxo1"]["ok"]) == ("present", True)
    assert abs(got["fxo1"]["voltage_v"]) == pytest.approx(48, abs=3)
    assert got["fxo1"]["text"].startswith("fxo1: line present, 4")
    assert (got["fxo2"]["line"], got["fxo2"]["voltage_v"], got["fxo2"]["ok"]) == ("absent", 0.0, False)
    assert "no line" in got["fxo2"]["text"] and "check the cable" in got["fxo2"]["text"]
    assert (got["fxs3"]["hook"], got["fxs1"]["hook"]) == ("off", "on")
    assert got["fxs3"]["text"] == "fxs3 (extension 803): phone lifted (off-hook)"
    assert [p["port"] for p in served.call("ports.check", port="fxo2")] == ["fxo2"]
    with pytest.raises(MgmtError, match="no port 'fxo9'"):
        served.call("ports.check", port="fxo9")


def test_test_call_rings_greets_and_hangs_up(served):
    phone = served.box.board.phone("fxs2")
    got = served.call("test_call", extension="802")
    assert got["ringing"] is True and got["port"] == "fxs2"
    served.run(6000)                                     # first ring, caller ID, second ring
    assert phone.rings >= 1
    assert phone.caller_id is not None and phone.caller_id.get("number") == "0"
    assert phone.caller_id.get("name") == "Hotline"
    phone.off_hook()
    phone.start_capture()
    served.run(1500)
    assert rms(phone.captured()) > 300, "the phone hears the greeting"
    served.run(8000)
    assert served.call("calls") == [], "the box hung up after the greeting"
    rows = served.call("cdr.search", number="0")["rows"]
    assert rows[0]["uniqueid"] == got["call"] and rows[0]["disposition"] == "ANSWERED"
    assert rows[0]["channel"] == "Test/802" and "test call" in rows[0]["userfield"]
    phone.on_hook()
    served.run(500)


def test_test_call_says_why_a_phone_cannot_ring(served):
    assert served.call("test_call", extension="899") == {"ringing": False, "reason": "there is no extension 899"}
    served.box.board.phone("fxs3").off_hook()
    served.run(500)
    busy = served.call("test_call", extension="803")
    assert busy["ringing"] is False and "busy: off the hook" in busy["reason"]
    served.box.store.add_extension(number="850", name="Desk SIP", kind="sip", secret="Kx9-desk-phone-1")
    served.call("reload")
    sip = served.call("test_call", extension="850")
    assert sip["ringing"] is False and "SIP" in sip["reason"]
    with pytest.raises(MgmtError, match="'extension' is required"):
        served.call("test_call")
    phone = served.box.board.phone("fxs1")
    got = served.call("test_call", extension="801")
    assert got["ringing"]
    served.run(35000)
    assert served.call("calls") == [] and not phone.ringing
    assert served.call("cdr.search", number="0")["rows"][0]["disposition"] == "NO ANSWER"


def test_ctl_prints_csv_checks_and_log_lines(served, capsys):
    from firmware import cli
    data = str(served.box.data.root)
    served.box.board.line("fxo3").set_down()
    served.run(500)
    assert cli.main(["ctl", "--data", data, "ports.check"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "CHECK fxo3: no line — no voltage from the exchange (0.0 V); check the cable from the phone " \
           "company's socket" in out and "ok    fxs1 (extension 801): phone on-hook" in out
    assert cli.main(["ctl", "--data", data, "cdr.export", "header=true"]) == 0
    assert capsys.readouterr().out.startswith("accountcode,src,dst,")
    assert cli.main(["ctl", "--data", data, "cdr.search", "limit=5000"]) == 2
    assert "limit: 5000 is not between 1 and 1000" in capsys.readouterr().err
