"""Call-centre tests: a whole box on the virtual clock (tests/firmware/conftest.py ``hx``)
with agents 1001.. (PIN 1234) and queue 700, and helpers to log agents in on the
simulated phones and bring outside callers in on the FXO lines."""
from __future__ import annotations

from typing import Any

import pytest

from tests.firmware.conftest import Harness, hx, rms, tone_power  # noqa: F401
from tests.firmware.features import dial

AGENTS = ("1001", "1002", "1003", "1004")
PORT_OF_EXT = {"801": "fxs1", "802": "fxs2", "803": "fxs3", "804": "fxs4"}


def setup_queue(hx: Harness, members: tuple = ("1001", "1002", "1003"), *, agents: tuple = AGENTS,
                **queue: Any) -> None:
    """Agents ``agents`` (PIN 1234), queue 700 with ``members`` (str or (agent, penalty)),
    all inbound calls to queue 700."""
    store = hx.box.store
    for a in agents:
        store.add_agent(number=a, name=f"Agent {a}", pin="1234")
    mem = [{"agent": m, "penalty": 0} if isinstance(m, str) else {"agent": m[0], "penalty": m[1]}
           for m in members]
    fields = {"number": "700", "name": "Service", "announce_ms": 0, "ring_ms": 8000, "retry_ms": 1000,
              "wrapup_ms": 2000, "whisper": False}
    fields.update(queue)
    store.add_queue(members=mem, **fields)
    store.update_inbound_route(1, dest_kind="queue", dest="700")
    hx.box.reload()


def login(hx: Harness, agent: str, ext: str) -> None:
    """The agent logs in with the feature code at extension ``ext``'s phone."""
    port = PORT_OF_EXT[ext]
    dial(hx, port, f"*61{agent}*1234#", settle_ms=600)
    hx.phone(port).on_hook()
    hx.run(1000)
    assert hx.box.acd.agent_extension(agent) == ext, f"agent {agent} not logged in at {ext}"


def fast_login(hx: Harness, agent: str, ext: str) -> None:
    """Log in through the service (tests that are not about logging in)."""
    assert hx.box.acd.login(agent, "1234", ext) == "ok"


def caller(hx: Harness, line: str = "fxo1", number: str = "13800138000") -> Any:
    remote = hx.board.exchange.ring_in(line, caller=number)
    return remote


def ringing_ports(hx: Harness) -> list[str]:
    return [p for p in ("fxs1", "fxs2", "fxs3", "fxs4") if hx.state(p) == "ringing"]


def events(hx: Harness, event: str = "") -> list[dict]:
    return hx.box.acd_log.queue_log(1000, event or None)


def states(hx: Harness, agent: str) -> list[str]:
    return [r["state"] for r in hx.box.acd_log.agent_events(agent)]
