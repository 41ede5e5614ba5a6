"""Provisioning from the command line: `hotline ctl extension ...` / `sip-trunk ...` through
firmware.cli.main against a Box served on a real management socket (and against the real
daemon once it registers the provisioning commands)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hal.clock import VirtualClock

from firmware import cli
from firmware.box import Box
from firmware.config import ConfigStore
from firmware.mgmt.provisioning import register_provisioning
from firmware.paths import DataDir
from tests.firmware.test_daemon import daemon  # noqa: F401  (fixture: `hotline run` in a subprocess)
from tests.mgmt.fixtures import ServerThread

PW = "Kx9-desk-phone"


@pytest.fixture
def box(datadir):
    """A Box on the virtual clock with the provisioning commands, served on datadir's socket."""
    b = Box(DataDir.at(datadir), VirtualClock())
    if "extension.add" not in b.dispatcher:          # until the box registers them itself
        register_provisioning(b.dispatcher, b)
    srv = ServerThread(b.dispatcher, DataDir.at(datadir).socket)
    yield b
    srv.stop()
    b.close()


def ctl(datadir, *argv) -> int:
    return cli.main(["ctl", "--data", str(datadir), *argv])


def test_extension_add_sip_with_password_is_live_without_restart(box, datadir, capsys):
    assert box.config.extension("805") is None
    assert ctl(datadir, "extension", "add", "805", "--sip", "--password", PW, "--name", "Sales desk") == 0
    out = capsys.readouterr().out
    assert "extension 805 (Sales desk) added: SIP" in out and "password: set as given" in out
    assert PW not in out                                    # a given password is not echoed
    ext = box.config.extension("805")                       # the running box's config, no reload asked
    assert (ext.kind, ext.port, ext.secret, ext.name) == ("sip", None, PW, "Sales desk")
    with ConfigStore(DataDir.at(datadir).config_db) as other:   # and the store on disk
        assert other.extension("805")["secret"] == PW
    assert ctl(datadir, "extension", "list") == 0
    out = capsys.readouterr().out
    assert any(line.split()[:3] == ["805", "Sales", "desk"] for line in out.splitlines())
    assert PW not in out
    assert ctl(datadir, "--json", "extension.list") == 0    # generic form: no secrets either
    rows = json.loads(capsys.readouterr().out)
    assert {"number": "805", "name": "Sales desk", "kind": "sip", "port": None,
            "outbound_class": "national", "enabled": True} in rows
    assert all("secret" not in r and "password" not in r for r in rows)


def test_generated_password_is_printed_once_and_can_be_regenerated(box, datadir, capsys):
    assert ctl(datadir, "extension", "add", "806", "--sip") == 0
    out = capsys.readouterr().out
    first = box.config.extension("806").secret
    assert len(first) >= 16 and f"password: {first}" in out
    assert "`hotline ctl extension password 806` makes a new one" in out
    assert ctl(datadir, "extension", "password", "806") == 0
    second = box.config.extension("806").secret
    assert second != first and f"password: {second}" in capsys.readouterr().out
    assert ctl(datadir, "extension", "password", "806", "--password", "12345678") == 2
    err = capsys.readouterr().err
    assert "extensions.secret:" in err and "attackers try" in err
    assert box.config.extension("806").secret == second          # unchanged after the refusal
    assert ctl(datadir, "extension", "delete", "806") == 0
    assert "extension 806 deleted" in capsys.readouterr().out
    assert box.config.extension("806") is None


def test_fxs_port_taken_or_missing_is_a_clear_error(box, datadir, capsys):
    assert ctl(datadir, "extension", "add", "807", "--fxs", "fxs2") == 2
    err = capsys.readouterr().err
    assert "extensions.port: port fxs2 is taken by extension 802 (Extension 802)" in err
    assert ctl(datadir, "extension", "add", "807", "--fxs", "fxs9") == 2
    assert "has no FXS port 'fxs9' (FXS ports: fxs1, fxs2, fxs3, fxs4" in capsys.readouterr().err
    assert box.config.extension("807") is None
    # free a port: then the analog extension is added on it
    box.store.update_ring_group("600", members=["801", "802", "803"])
    assert ctl(datadir, "extension", "delete", "804") == 0
    assert ctl(datadir, "extension", "add", "807", "--fxs", "fxs4") == 0
    assert "added: FXS port fxs4" in capsys.readouterr().out
    assert box.config.extension_by_port("fxs4").number == "807"
    assert box.config.extension("807").secret == ""


def test_usage_errors_exit_2_and_change_nothing(box, datadir, capsys):
    before = box.store.version()
    for argv, expect in (
            (["extension", "add", "808"], "say what it is"),                 # refused by the command
            (["extension", "add", "808", "--sip", "--fxs", "fxs1"], "not both"),
            (["extension", "add", "808", "--fxs", "fxs1", "--password", PW], "only SIP extensions"),
            (["extension"], "say what to do"),
            (["extension", "rename", "808"], "'rename' is not known"),
            (["extension", "add"], "needs the number"),
            (["extension", "add", "808", "--sip", "--host", "x"], "--host does not apply"),
            (["status", "--sip"], "--sip is for `hotline ctl extension ...`"),
            (["sip-trunk", "delete"], "needs the name")):
        assert ctl(datadir, *argv) == 2, argv
        assert expect in capsys.readouterr().err, argv
    assert box.store.version() == before


def test_sip_trunk_add_list_delete(box, datadir, capsys):
    assert ctl(datadir, "sip-trunk", "add", "prov1", "--host", "sip.example.com", "--port", "5080",
               "--username", "0105550100", "--password", "tr-pass-1", "--trunk-group", "pstn",
               "--transport", "tcp", "--backup-host", "10.0.0.9") == 0
    out = capsys.readouterr().out
    assert "SIP trunk prov1 added" in out and "tr-pass-1" not in out
    t = box.config.sip_trunk("prov1")
    assert (t.host, t.port, t.transport, t.password, t.trunk_group) == \
        ("sip.example.com", 5080, "tcp", "tr-pass-1", "pstn")
    assert box.config.sip_trunks_in_group("pstn") == (t,)
    assert ctl(datadir, "sip-trunk", "list") == 0
    out = capsys.readouterr().out
    assert "tr-pass-1" not in out
    assert any(line.split()[:4] == ["prov1", "sip.example.com", "5080", "tcp"] for line in out.splitlines())
    assert ctl(datadir, "sip-trunk", "update", "prov1", "--no-register", "--expires", "1200") == 0
    capsys.readouterr()
    assert (box.config.sip_trunk("prov1").register, box.config.sip_trunk("prov1").expires_s) == (False, 1200)
    assert ctl(datadir, "sip-trunk", "add", "prov2", "--host", "sip.example.com", "--username", "u",
               "--password", "p", "--trunk-group", "nosuch") == 2
    assert "sip_trunks.trunk_group: no trunk group 'nosuch'" in capsys.readouterr().err
    assert ctl(datadir, "sip-trunk", "add", "prov2", "--host", "sip.example.com", "--username", "u",
               "--port", "0") == 2
    assert "sip_trunks.port: 0 is out of range" in capsys.readouterr().err
    assert ctl(datadir, "sip-trunk", "delete", "prov1") == 0
    assert box.config.sip_trunks == ()


def test_generic_form_still_works_for_provisioning(box, datadir, capsys):
    assert ctl(datadir, "extension.add", "number=809", "sip=true", f"password={PW}") == 0
    assert box.config.extension("809").secret == PW
    assert "extension 809 (Extension 809) added: SIP" in capsys.readouterr().out
    assert ctl(datadir, "--json", "extension.add", "number=810", "sip=true") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["password_generated"] and result["password"] == box.config.extension("810").secret


def test_real_daemon_provisioning_via_the_cli(daemon):  # noqa: F811
    client, data, _ = daemon
    if "extension.add" not in {c["name"] for c in client.call("help")["commands"]}:
        pytest.skip("the daemon does not register the provisioning commands yet (firmware/box.py)")
    r = subprocess.run([sys.executable, "-m", "firmware.cli", "ctl", "--data", str(data),
                        "extension", "add", "811", "--sip", "--password", PW],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert {"number": "811", "kind": "sip"}.items() <= \
        next(e for e in client.call("extension.list") if e["number"] == "811").items()
    r = subprocess.run([sys.executable, "-m", "firmware.cli", "ctl", "--data", str(data),
                        "extension", "add", "812", "--fxs", "fxs1"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "taken by extension 801" in r.stderr
