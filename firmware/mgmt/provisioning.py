"""Provisioning commands: extensions and SIP trunks from the management API.

Installers script these (``hotline ctl extension add 801 --sip``); the web UI and the
serial console may use them too. Every change goes through ``box.update_config(change)``:
the config store validates and writes it, and the running box applies it at once (no
restart, calls in progress continue).

Commands (arguments in braces, ``?`` = optional):

* ``extension.add {number, sip?: bool, password?, fxs?: port, name?, outbound_class?}``
  → ``{"number", "name", "kind", "port", "password"?, "password_generated"?}``.
  A SIP extension without ``password`` gets a strong generated one; the password is in
  this reply only (shown once; ``extension.list`` never shows it).
* ``extension.list`` → rows without secrets; ``extension.delete {number}``;
  ``extension.password {number, password?}`` sets or regenerates a SIP password.
* ``sip_trunk.add {name, host, ...}`` (the fields of the ``sip_trunks`` table, docs/config.md),
  ``sip_trunk.update {name, ...}``, ``sip_trunk.list`` (passwords never listed, only
  ``password_set``), ``sip_trunk.delete {name}``.

Refusals are :class:`~firmware.config.ConfigError` (a ValueError naming the field, e.g.
``extensions.port: port fxs1 is taken by extension 801 (Front desk) ...``), which the
dispatcher answers as ``bad_args``.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Protocol

from firmware.config import ConfigError, ConfigStore
from firmware.config.model import Config
from firmware.config.passwords import generate_password
from firmware.mgmt.commands import Dispatcher

#: Extension fields ``extension.list`` shows (never ``secret``).
EXTENSION_LIST_FIELDS = ("number", "name", "kind", "port", "outbound_class", "enabled")


class ProvisionedBox(Protocol):
    """What provisioning needs of a :class:`firmware.box.Box`."""
    store: ConfigStore
    config: Config
    board: Any

    def update_config(self, change: Callable[[ConfigStore], None]) -> None: ...


def _text_arg(value: Any) -> Any:
    """Numbers typed on a command line arrive as JSON numbers: 801 → "801"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class Provisioning:
    """The command handlers, bound to one box."""

    def __init__(self, box: ProvisionedBox) -> None:
        self.box = box

    def _change(self, fn: Callable[[ConfigStore], Any]) -> Any:
        """Run ``fn(store)`` through ``box.update_config`` (write + apply); returns its result."""
        out: list = []
        self.box.update_config(lambda store: out.append(fn(store)))
        return out[0] if out else None

    # ------------------------------------------------------------------ extensions
    def _check_fxs_port(self, number: str, port: Any) -> str:
        """The FXS port if it exists on the board and is free, else ConfigError saying which
        extension has it and which ports are free."""
        port = _text_arg(port)
        fxs_ports = [p.name for p in getattr(self.box.board, "fxs", [])]
        cfg = self.box.store.snapshot()
        taken = {e.port: e for e in cfg.extensions if e.port}
        free = [p for p in fxs_ports if p not in taken]
        free_txt = f"free FXS ports: {', '.join(free)}" if free else "no FXS port is free"
        if not isinstance(port, str) or port not in fxs_ports:
            raise ConfigError("extensions.port", f"board {self.box.board.name} has no FXS port {port!r} "
                                                 f"(FXS ports: {', '.join(fxs_ports) or 'none'}; {free_txt})")
        owner = taken.get(port)
        if owner is not None and owner.number != number:
            raise ConfigError("extensions.port", f"port {port} is taken by extension {owner.number} ({owner.name}); "
                                                 f"delete that extension first or pick another port ({free_txt})")
        return port

    def extension_add(self, number: Any, sip: bool = False, password: Optional[str] = None,
                      fxs: Optional[str] = None, name: Optional[str] = None,
                      outbound_class: Optional[str] = None) -> dict:
        """add an extension {number, sip?: true, password?, fxs?: PORT, name?, outbound_class?}"""
        number = _text_arg(number)
        password = _text_arg(password)
        if sip and fxs:
            raise ConfigError("extensions.kind", f"extension {number}: give either sip (an IP phone) or "
                                                 "fxs=PORT (an analog phone), not both")
        if not sip and not fxs:
            raise ConfigError("extensions.kind", f"extension {number}: say what it is: sip=true (an IP phone) "
                                                 "or fxs=PORT (an analog phone on an FXS port, e.g. fxs1)")
        fields: dict[str, Any] = {"number": number}
        if name is not None:
            fields["name"] = name
        if outbound_class is not None:
            fields["outbound_class"] = outbound_class
        generated = False
        if sip:
            fields["kind"] = "sip"
            if password in (None, ""):
                password, generated = generate_password(), True
            fields["secret"] = password
        else:
            if password not in (None, ""):
                raise ConfigError("extensions.secret", f"extension {number} is an FXS (analog) extension; "
                                                       "only SIP extensions have a password")
            fields["kind"] = "fxs"
            fields["port"] = self._check_fxs_port(str(number), fxs)

        def change(store: ConfigStore) -> dict:
            key = store.add_extension(**fields)
            return store.extension(key)
        row = self._change(change)
        out = {"number": row["number"], "name": row["name"], "kind": row["kind"], "port": row["port"]}
        if row["kind"] == "sip":
            out["password"] = row["secret"]
            out["password_generated"] = generated
        return out

    def extension_list(self) -> list[dict]:
        """every extension (no passwords)"""
        return [{k: r[k] for k in EXTENSION_LIST_FIELDS} for r in self.box.store.extensions()]

    def extension_delete(self, number: Any) -> dict:
        """delete an extension {number}"""
        number = _text_arg(number)
        self._change(lambda store: store.delete_extension(number))
        return {"number": number, "deleted": True}

    def extension_password(self, number: Any, password: Optional[str] = None) -> dict:
        """set {number, password} or regenerate {number} the SIP password of an extension"""
        number = _text_arg(number)
        password = _text_arg(password)
        generated = password in (None, "")
        if generated:
            password = generate_password()

        def change(store: ConfigStore) -> None:
            row = store.extension(number)
            if row is None:
                raise ConfigError("extensions.number", f"no extension {number}")
            if row["kind"] != "sip":
                raise ConfigError("extensions.secret", f"extension {number} is an FXS (analog) extension; "
                                                       "only SIP extensions have a password")
            store.update_extension(number, secret=password)
        self._change(change)
        return {"number": number, "password": password, "password_generated": generated}

    # ------------------------------------------------------------------ SIP trunks
    @staticmethod
    def _public_trunk(row: dict) -> dict:
        out = {k: v for k, v in row.items() if k != "password"}
        out["password_set"] = bool(row.get("password"))
        return out

    def sip_trunk_add(self, **fields: Any) -> dict:
        """add a SIP trunk {name, host, port?, transport?, username, password, trunk_group?, ...}"""
        fields = {k: _text_arg(v) if k in ("username", "auth_user", "password", "cid_number") else v
                  for k, v in fields.items()}

        def change(store: ConfigStore) -> dict:
            return store.sip_trunk(store.add_sip_trunk(**fields))
        return self._public_trunk(self._change(change))

    def sip_trunk_update(self, name: str, **fields: Any) -> dict:
        """change fields of a SIP trunk {name, field=value ...}"""
        fields = {k: _text_arg(v) if k in ("username", "auth_user", "password", "cid_number") else v
                  for k, v in fields.items()}

        def change(store: ConfigStore) -> dict:
            store.update_sip_trunk(name, **fields)
            return store.sip_trunk(name)
        return self._public_trunk(self._change(change))

    def sip_trunk_list(self) -> list[dict]:
        """every SIP trunk (passwords are never shown)"""
        return [self._public_trunk(r) for r in self.box.store.sip_trunks()]

    def sip_trunk_delete(self, name: str) -> dict:
        """delete a SIP trunk {name}"""
        self._change(lambda store: store.delete_sip_trunk(name))
        return {"name": name, "deleted": True}


def register_provisioning(dispatcher: Dispatcher, box: ProvisionedBox) -> None:
    """Register the provisioning commands of ``box`` on ``dispatcher``."""
    p = Provisioning(box)
    for name, fn, help_ in (
            ("extension.add", p.extension_add,
             "add an extension {number, sip?: true, password?, fxs?: PORT, name?, outbound_class?}; "
             "a SIP password is generated when not given and shown only in this reply"),
            ("extension.list", p.extension_list, "every extension (no passwords)"),
            ("extension.delete", p.extension_delete, "delete an extension {number}"),
            ("extension.password", p.extension_password,
             "set {number, password} or regenerate {number} the SIP password of an extension"),
            ("sip_trunk.add", p.sip_trunk_add,
             "add a SIP trunk {name, host, port?, transport?, username, password, trunk_group?, ...}"),
            ("sip_trunk.update", p.sip_trunk_update, "change a SIP trunk {name, field=value ...}"),
            ("sip_trunk.list", p.sip_trunk_list, "every SIP trunk (passwords are never shown)"),
            ("sip_trunk.delete", p.sip_trunk_delete, "delete a SIP trunk {name}")):
        dispatcher.command(name, help=help_)(fn)
