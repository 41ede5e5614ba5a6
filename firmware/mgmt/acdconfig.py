"""Management commands that configure the call centre (installers script the box; the
web UI writes the config store directly).

Every change goes through ``box.update_config(change)`` like firmware/mgmt/provisioning.py:
the store validates and writes it, and the running box applies it at once.  Refusals are
:class:`~firmware.config.ConfigError` (a ValueError naming the field, e.g.
``queues.members: queue 700: no agent 1009``), answered as ``bad_args``.

* ``acd.queue.add {number, name?, strategy?, ...}`` (any field of the ``queues`` table,
  docs/acd.md), ``acd.queue.update {number, field: value ...}``, ``acd.queue.delete {number}``,
  ``acd.queue.list``;
* ``acd.agent.add {number, pin, name?, rna_limit?, paid_hours?}``, ``acd.agent.update
  {number, ...}`` (``pin`` sets a new PIN), ``acd.agent.delete {number}``, ``acd.agent.list`` —
  a PIN is never listed or echoed, only ``pin_set``;
* ``acd.member.add {queue, agent, penalty?}`` (adds, or changes the penalty of a member),
  ``acd.member.remove {queue, agent}``;
* ``acd.supervisor.add {number, pin?, name?, extension?, trust_extension?, queues?}``,
  ``acd.supervisor.update``, ``acd.supervisor.delete``, ``acd.supervisor.list`` (no PINs).
"""
from __future__ import annotations

from typing import Any, Callable

from firmware.config import ConfigError, ConfigStore
from firmware.mgmt.commands import Dispatcher


def _text(value: Any) -> Any:
    """Numbers typed on a command line arrive as JSON numbers: 700 → "700"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _texts(fields: dict, *names: str) -> dict:
    return {k: _text(v) if k in names else v for k, v in fields.items()}


def _public(row: dict) -> dict:
    """A row without its PIN hash (``pin_set`` says whether there is one)."""
    out = {k: v for k, v in row.items() if k != "pin"}
    out["pin_set"] = bool(row.get("pin"))
    return out


class AcdConfigCommands:
    """The handlers, bound to one box (``box.update_config``, ``box.store``)."""

    def __init__(self, box: Any) -> None:
        self.box = box

    def _change(self, fn: Callable[[ConfigStore], Any]) -> Any:
        out: list = []
        self.box.update_config(lambda store: out.append(fn(store)))
        return out[0] if out else None

    # ------------------------------------------------------------------ queues
    def queue_add(self, number: Any, **fields: Any) -> dict:
        """add a queue {number, name?, strategy?, ring_ms?, ..., members?}"""
        number = _text(number)
        return self._change(lambda s: s.queue(s.add_queue(number=number, **_texts(fields, "exit_dest",
                                                                                     "exit_key_dest"))))

    def queue_update(self, number: Any, **fields: Any) -> dict:
        """change fields of a queue {number, field: value ...}"""
        number = _text(number)
        if not fields:
            raise ConfigError("queues", f"queue {number}: say what to change (e.g. strategy=ringall)")

        def change(s: ConfigStore) -> dict:
            s.update_queue(number, **_texts(fields, "exit_dest", "exit_key_dest"))
            return s.queue(number)
        return self._change(change)

    def queue_delete(self, number: Any) -> dict:
        """delete a queue {number}"""
        number = _text(number)
        self._change(lambda s: s.delete_queue(number))
        return {"number": number, "deleted": True}

    def queue_list(self) -> list[dict]:
        """every configured queue with its members"""
        return self.box.store.queues()

    # ------------------------------------------------------------------ agents
    def agent_add(self, number: Any, pin: Any = None, **fields: Any) -> dict:
        """add an agent {number, pin, name?, rna_limit?, paid_hours?}"""
        number = _text(number)
        if pin in (None, ""):
            raise ConfigError("agents.pin", f"agent {number} needs a PIN (up to 8 digits) to log in with")
        return _public(self._change(lambda s: s.agent(s.add_agent(number=number, pin=_text(pin), **fields))))

    def agent_update(self, number: Any, **fields: Any) -> dict:
        """change an agent {number, pin?, name?, rna_limit?, paid_hours?}"""
        number = _text(number)
        if not fields:
            raise ConfigError("agents", f"agent {number}: say what to change (e.g. name=..., pin=...)")

        def change(s: ConfigStore) -> dict:
            s.update_agent(number, **_texts(fields, "pin"))
            return s.agent(number)
        return _public(self._change(change))

    def agent_delete(self, number: Any) -> dict:
        """delete an agent {number} (not while a queue lists it)"""
        number = _text(number)
        self._change(lambda s: s.delete_agent(number))
        return {"number": number, "deleted": True}

    def agent_list(self) -> list[dict]:
        """every configured agent (PINs never shown)"""
        return [_public(r) for r in self.box.store.agents()]

    # ------------------------------------------------------------------ members
    def member_add(self, queue: Any, agent: Any, penalty: Any = 0) -> dict:
        """put agent {agent} in queue {queue} with {penalty?: 0-9}, or change its penalty"""
        queue, agent = _text(queue), _text(agent)

        def change(s: ConfigStore) -> dict:
            q = s.queue(queue)
            if q is None:
                raise ConfigError("queues.number", f"no queue {queue}")
            members = [dict(m) for m in q["members"]]
            mine = next((m for m in members if m["agent"] == agent), None)
            if mine is None:
                members.append({"agent": agent, "penalty": penalty})
            else:
                mine["penalty"] = penalty
            s.update_queue(queue, members=members)
            return {"queue": queue, "agent": agent, "penalty": next(m["penalty"] for m in s.queue(queue)["members"]
                                                                    if m["agent"] == agent),
                    "added": mine is None}
        return self._change(change)

    def member_remove(self, queue: Any, agent: Any) -> dict:
        """take agent {agent} out of queue {queue}"""
        queue, agent = _text(queue), _text(agent)

        def change(s: ConfigStore) -> dict:
            q = s.queue(queue)
            if q is None:
                raise ConfigError("queues.number", f"no queue {queue}")
            members = [m for m in q["members"] if m["agent"] != agent]
            if len(members) == len(q["members"]):
                raise ConfigError("queues.members", f"agent {agent} is not a member of queue {queue}")
            s.update_queue(queue, members=members)
            return {"queue": queue, "agent": agent, "removed": True}
        return self._change(change)

    # ------------------------------------------------------------------ supervisors
    def supervisor_add(self, number: Any, **fields: Any) -> dict:
        """add a supervisor {number, pin?, name?, extension?, trust_extension?, queues?}"""
        number = _text(number)
        return _public(self._change(lambda s: s.supervisor(s.add_supervisor(
            number=number, **_texts(fields, "pin", "extension")))))

    def supervisor_update(self, number: Any, **fields: Any) -> dict:
        """change a supervisor {number, ...}"""
        number = _text(number)

        def change(s: ConfigStore) -> dict:
            s.update_supervisor(number, **_texts(fields, "pin", "extension"))
            return s.supervisor(number)
        return _public(self._change(change))

    def supervisor_delete(self, number: Any) -> dict:
        """delete a supervisor {number}"""
        number = _text(number)
        self._change(lambda s: s.delete_supervisor(number))
        return {"number": number, "deleted": True}

    def supervisor_list(self) -> list[dict]:
        """every supervisor (PINs never shown)"""
        return [_public(r) for r in self.box.store.supervisors()]


def register_acd_config(d: Dispatcher, box: Any) -> None:
    """Register the commands above on ``d`` for ``box``."""
    c = AcdConfigCommands(box)
    for name, fn, help_ in (
            ("acd.queue.add", c.queue_add, "add a queue {number, name?, strategy?, ring_ms?, wrapup_ms?, ... "
                                           "(fields of the queues table), members?}"),
            ("acd.queue.update", c.queue_update, "change a queue {number, field: value ...}"),
            ("acd.queue.delete", c.queue_delete, "delete a queue {number}"),
            ("acd.queue.list", c.queue_list, "every configured queue with its members"),
            ("acd.agent.add", c.agent_add, "add an agent {number, pin, name?, rna_limit?, paid_hours?}"),
            ("acd.agent.update", c.agent_update, "change an agent {number, pin?, name?, rna_limit?, paid_hours?}"),
            ("acd.agent.delete", c.agent_delete, "delete an agent {number}"),
            ("acd.agent.list", c.agent_list, "every configured agent (PINs are never shown)"),
            ("acd.member.add", c.member_add, "put {agent} in {queue} with {penalty?: 0-9} (or change it)"),
            ("acd.member.remove", c.member_remove, "take {agent} out of {queue}"),
            ("acd.supervisor.add", c.supervisor_add,
             "add a supervisor {number, pin?, name?, extension?, trust_extension?, queues?}"),
            ("acd.supervisor.update", c.supervisor_update, "change a supervisor {number, field: value ...}"),
            ("acd.supervisor.delete", c.supervisor_delete, "delete a supervisor {number}"),
            ("acd.supervisor.list", c.supervisor_list, "every supervisor (PINs are never shown)")):
        d.command(name, help=help_)(fn)
