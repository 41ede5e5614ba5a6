"""Installers script the call centre over the management socket: acd.queue.*, acd.agent.*,
acd.member.*, acd.supervisor.* (a Box on the virtual clock served on a real Unix socket,
driven by MgmtClient and by `hotline ctl queue|agent ...`)."""
from __future__ import annotations

import json

import pytest

from hal.clock import VirtualClock

from firmware import cli
from firmware.box import Box
from firmware.mgmt.client import MgmtClient, MgmtError
from firmware.paths import DataDir
from tests.mgmt.fixtures import ServerThread, datadir  # noqa: F401  (fixture)


@pytest.fixture
def box(datadir):
    b = Box(DataDir.at(datadir), VirtualClock())
    srv = ServerThread(b.dispatcher, DataDir.at(datadir).socket)
    yield b
    srv.stop()
    b.close()


@pytest.fixture
def client(box, datadir):
    c = MgmtClient(data_dir=str(datadir), timeout=10)
    yield c
    c.close()


def ctl(datadir, *argv) -> int:
    return cli.main(["ctl", "--data", str(datadir), *argv])


def test_queue_agent_member_commands_over_the_socket(box, client):
    a = client.call("acd.agent.add", number="1001", pin="2468", name="Li Na", paid_hours=7.5)
    assert a == {"number": "1001", "name": "Li Na", "rna_limit": 3, "paid_hours": 7.5, "pin_set": True}
    client.call("acd.agent.add", number=1002, pin=1357)                 # numbers typed as JSON numbers
    q = client.call("acd.queue.add", number="700", name="Service", strategy="ringall", wrapup_ms=5000)
    assert (q["number"], q["strategy"], q["members"]) == ("700", "ringall", [])
    assert client.call("acd.member.add", queue="700", agent="1001") == \
        {"queue": "700", "agent": "1001", "penalty": 0, "added": True}
    client.call("acd.member.add", queue="700", agent="1002", penalty=2)
    assert client.call("acd.member.add", queue="700", agent="1002", penalty=1)["added"] is False
    live = box.config.queue("700")                                       # applied at once
    assert [(m.agent, m.penalty) for m in live.members] == [("1001", 0), ("1002", 1)]
    assert box.acd.login("1001", "2468", "801") == "ok"                 # the PIN works, hashed
    client.call("acd.queue.update", number="700", strategy="linear", max_len=5)
    assert (box.config.queue("700").strategy, box.config.queue("700").max_len) == ("linear", 5)
    agents = client.call("acd.agent.list")
    assert [x["number"] for x in agents] == ["1001", "1002"]
    assert all("pin" not in x and x["pin_set"] for x in agents)
    client.call("acd.agent.update", number="1002", pin="9999")
    assert box.acd.login("1002", "9999", "802") == "ok"
    assert [x["number"] for x in client.call("acd.queue.list")] == ["700"]
    # refusals name the field
    with pytest.raises(MgmtError) as e:
        client.call("acd.member.add", queue="700", agent="1009")
    assert e.value.code == "bad_args" and "queues.members: queue 700: no agent 1009" in e.value.message
    with pytest.raises(MgmtError) as e:
        client.call("acd.agent.delete", number="1001")
    assert "queue 700 (Service) lists it as a member" in e.value.message
    with pytest.raises(MgmtError) as e:
        client.call("acd.agent.add", number="1003", pin="12x4")
    assert "agents.pin" in e.value.message and "12x4" not in e.value.message
    with pytest.raises(MgmtError) as e:
        client.call("acd.queue.add", number="801")
    assert "queues.number" in e.value.message and "extension 801" in e.value.message
    with pytest.raises(MgmtError) as e:
        client.call("acd.queue.add", number="701", colour="red")
    assert e.value.code == "bad_args"
    client.call("acd.member.remove", queue="700", agent="1001")
    client.call("acd.agent.delete", number="1001")
    client.call("acd.queue.delete", number="700")
    assert box.config.queue("700") is None and box.config.agent("1001") is None


def test_supervisor_commands_never_show_the_pin(box, client):
    s = client.call("acd.supervisor.add", number="90", pin="4321", extension="803", queues=[])
    assert s["pin_set"] and "pin" not in s and "4321" not in json.dumps(s)
    assert client.call("acd.supervisor.list")[0]["extension"] == "803"
    client.call("acd.supervisor.update", number="90", trust_extension=True)
    assert box.config.supervisor("90").trust_extension
    client.call("acd.supervisor.delete", number="90")
    assert client.call("acd.supervisor.list") == []


def test_hotline_ctl_queue_and_agent_lines(box, datadir, capsys):
    assert ctl(datadir, "agent", "add", "1001", "pin=1234", "name=Wang Wei") == 0
    assert ctl(datadir, "queue", "add", "700", "name=Service", "strategy=round_robin") == 0
    assert ctl(datadir, "queue", "member", "add", "700", "1001", "2") == 0
    capsys.readouterr()
    assert [(m.agent, m.penalty) for m in box.config.queue("700").members] == [("1001", 2)]
    assert box.config.agent("1001").name == "Wang Wei"
    assert ctl(datadir, "--json", "agent", "update", "1001", "rna_limit=5") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rna_limit"] == 5 and "1234" not in json.dumps(out)
    assert ctl(datadir, "queue", "add", "name=x") == 2                  # the number first
    assert "give the queue number first" in capsys.readouterr().err
    assert ctl(datadir, "queue", "member", "add", "700") == 2
    assert ctl(datadir, "queue", "member", "add", "700", "1009") == 2   # refused by the box: bad_args
    assert "no agent 1009" in capsys.readouterr().err
    assert ctl(datadir, "queue", "member", "remove", "700", "1001") == 0
    assert ctl(datadir, "agent", "delete", "1001") == 0
    assert box.config.agent("1001") is None
    assert ctl(datadir, "agent", "list") == 0                           # the live list still works
