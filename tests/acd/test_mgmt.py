"""Management API of the call centre: acd.* commands, `hotline ctl agent ...` parsing,
remote login/pause by a supervisor, live status."""
from __future__ import annotations

import pytest

from firmware.mgmt.commands import CommandError
from firmware.mgmt.ctl import UsageError, agent_call
from tests.acd.conftest import caller, ringing_ports, setup_queue


def test_supervisor_logs_agents_in_pauses_and_reads_live_state(hx):
    setup_queue(hx, members=("1001", ("1002", 2)))
    run = hx.box.dispatcher.run
    assert run("acd.agent.login", {"agent": "1001", "extension": "802", "pin": "1234"})["result"] == "ok"
    with pytest.raises(CommandError, match="wrong PIN"):
        run("acd.agent.login", {"agent": "1002", "extension": "803", "pin": "0000"})
    assert hx.ctl.acd.agent_extension("1001") == "802"
    run("acd.agent.pause", {"agent": "1001", "reason": "break"})
    agents = {a["agent"]: a for a in run("acd.agents", {})}
    assert agents["1001"]["state"] == "paused" and agents["1001"]["reason"] == "break"
    assert agents["1002"]["state"] == "logged_out" and agents["1001"]["queues"] == ["700"]
    caller(hx)
    assert hx.until(lambda: hx.box.acd.waiting("700"), 12000)
    st = run("acd.queue.status", {"queue": "700"})
    assert [w["position"] for w in st["waiting"]] == [1]
    assert [(a["agent"], a["penalty"], a["state"]) for a in st["agents"]] == [
        ("1001", 0, "paused"), ("1002", 2, "logged_out")]
    run("acd.agent.unpause", {"agent": "1001"})
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 5000)
    assert run("acd.queues", {})[0]["agents"][0]["state"] == "ringing"
    with pytest.raises(CommandError):
        run("acd.agent.unpause", {"agent": "1002"})
    with pytest.raises(CommandError, match="no queue"):
        run("acd.queue.status", {"queue": "799"})
    log = run("acd.queue_log", {"event": "AGENTLOGIN"})
    assert [r["agent"] for r in log] == ["1001"]


def test_unknown_pause_reason_is_refused_when_reasons_are_configured(hx):
    setup_queue(hx)
    hx.box.store.add_pause_reason(code="1", name="Break")
    hx.box.reload()
    hx.box.acd.login("1001", "1234", "802")
    with pytest.raises(ValueError, match="no pause reason '7'"):
        hx.box.dispatcher.run("acd.agent.pause", {"agent": "1001", "reason": "7"})


def test_ctl_agent_command_lines():
    assert agent_call("agent", ["login", "1001", "802", "1234"]) == (
        "acd.agent.login", {"agent": "1001", "extension": "802", "pin": "1234"})
    assert agent_call("agent", ["pause", "1001"]) == ("acd.agent.pause", {"agent": "1001"})
    assert agent_call("agent", ["wrapup", "1001", "60000"]) == ("acd.agent.wrapup", {"agent": "1001", "ms": 60000})
    assert agent_call("queue", ["status", "700"]) == ("acd.queue.status", {"queue": "700"})
    with pytest.raises(UsageError, match="takes AGENT"):
        agent_call("agent", ["logout"])
    with pytest.raises(UsageError, match="say what to do"):
        agent_call("agent", ["dance"])


def test_queue_config_errors_name_the_field(hx):
    from firmware.config import ConfigError
    store = hx.box.store
    store.add_agent(number="1001", pin="1234")
    with pytest.raises(ConfigError, match="^queues.strategy:"):
        store.add_queue(number="700", strategy="fastest")
    with pytest.raises(ConfigError, match="^queues.members: queue 700: no agent 1009"):
        store.add_queue(number="700", members=[{"agent": "1009"}])
    with pytest.raises(ConfigError, match="^queues.number: 600 is already ring group 600"):
        store.add_queue(number="600")
    with pytest.raises(ConfigError, match="^queues.penalty_steps:"):
        store.add_queue(number="700", penalty_steps="soon")
    with pytest.raises(ConfigError, match="^agents.pin:") as e:
        store.add_agent(number="1002", pin="12ab")
    assert "12ab" not in str(e.value)
    with pytest.raises(ConfigError, match="^inbound_routes.dest: no queue 799"):
        store.update_inbound_route(1, dest_kind="queue", dest="799")
    store.add_queue(number="700")
    store.update_inbound_route(1, dest_kind="queue", dest="700")
    with pytest.raises(ConfigError, match="inbound route 1"):
        store.delete_queue("700")
