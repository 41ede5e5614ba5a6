"""Management commands of the call centre (``hotline ctl agent ...``, web UI, supervisors).

* ``acd.queues`` → every queue with its waiting callers and member agents (live);
* ``acd.queue.status {queue}`` → one queue;
* ``acd.agents`` → every configured agent with its live state;
* ``acd.agent.login {agent, pin, extension}`` → ``{"result": "ok" | "wrong_pin" | "locked" | ...}``;
* ``acd.agent.logout {agent}``, ``acd.agent.pause {agent, reason?}``, ``acd.agent.unpause {agent}``,
  ``acd.agent.wrapup {agent, ms?}`` (supervisors act remotely);
* ``acd.queue_log {limit?, event?}``, ``acd.agent_events {agent?, limit?}`` → log rows, oldest first;
* ``acd.regions.import {csv, replace?}`` → loads a region table (docs/acd.md, "Regions");
* configuration (queues, agents, members, supervisors): firmware/mgmt/acdconfig.py, registered here.
"""
from __future__ import annotations

from typing import Any

from firmware.acd.regions import parse_regions
from firmware.mgmt.commands import CommandError, Dispatcher


def _arg(args: dict, name: str, what: str) -> str:
    v = args.get(name)
    if v is None or v == "":
        raise ValueError(f"{name!r} is required ({what})")
    return str(v)


def register_acd(d: Dispatcher, box: Any) -> None:
    svc = box.ctl.acd

    def queue_status(a: dict) -> dict:
        try:
            return svc.queue_status(_arg(a, "queue", "a queue number"))
        except KeyError as e:
            raise CommandError(e.args[0]) from None

    def login(a: dict) -> dict:
        agent = _arg(a, "agent", "an agent number")
        r = svc.login(agent, str(a.get("pin", "")), _arg(a, "extension", "the extension to log in at"))
        if r != "ok":
            raise CommandError({"wrong_pin": f"wrong PIN for agent {agent}",
                                "locked": f"agent {agent} is locked after too many wrong PINs; try later",
                                "no_agent": f"no agent {agent}",
                                "no_extension": f"no extension {a.get('extension')}"}[r])
        return {"agent": agent, "result": r, "extension": str(a["extension"])}

    def simple(fn: Any, what: str) -> Any:
        def run(a: dict) -> dict:
            agent = _arg(a, "agent", "an agent number")
            extra = {k: a[k] for k in ("reason", "ms") if k in a}
            if "ms" in extra:
                extra["ms"] = int(extra["ms"])
            if "reason" in extra:
                extra["reason"] = str(extra["reason"])
            if not fn(agent, **extra):
                raise CommandError(f"agent {agent} cannot {what} now (logged out, or not in a state for it)")
            return {"agent": agent, "done": what}
        return run

    def import_regions(a: dict) -> dict:
        rows = parse_regions(_arg(a, "csv", "the region table as CSV text"))

        def change(store: Any) -> None:
            if a.get("replace"):
                for r in store.regions():
                    store.delete_region(r["prefix"])
            existing = {r["prefix"] for r in store.regions()}
            for r in rows:
                if r["prefix"] in existing:
                    store.update_region(r["prefix"], **{k: v for k, v in r.items() if k != "prefix"})
                else:
                    store.add_region(**r)
        box.update_config(change)
        return {"imported": len(rows)}

    d.register("acd.queues", lambda a: svc.status(), "queues with waiting callers and member agents (live)")
    d.register("acd.queue.status", queue_status, "one queue {queue}: waiting callers, agents, AHT")
    d.register("acd.agents", lambda a: svc.agents_status(), "agents with their live state")
    d.register("acd.agent.login", login, "log agent {agent} in at {extension} with {pin}")
    d.register("acd.agent.logout", simple(svc.logout, "log out"), "log agent {agent} out")
    d.register("acd.agent.pause", simple(svc.pause, "pause"), "pause agent {agent} {reason?}")
    d.register("acd.agent.unpause", simple(svc.unpause, "unpause"), "agent {agent} ready again")
    d.register("acd.agent.wrapup", simple(svc.extend_wrapup, "extend wrap-up"),
               "more wrap-up time for agent {agent} {ms?}")
    d.register("acd.queue_log", lambda a: svc.log.queue_log(int(a.get("limit", 100)), a.get("event")),
               "queue_log rows, oldest first {limit?, event?}")
    d.register("acd.agent_events", lambda a: svc.log.agent_events(a.get("agent"), int(a.get("limit", 100))),
               "agent state changes, oldest first {agent?, limit?}")
    d.register("acd.regions.import", import_regions, "load caller regions from CSV text {csv, replace?}")
    from firmware.mgmt.acdconfig import register_acd_config
    register_acd_config(d, box)
