"""Row validator, settings and cross-references for voicemail: the ``mailboxes`` table
(a mailbox per extension that has one, and shared group mailboxes), the voicemail
numbers (``settings.voicemail_prefix`` + mailbox, ``settings.voicemail_main``) and the
SMTP account used to email messages (``settings.smtp_*``).  docs/voicemail.md says what
each field means."""
from __future__ import annotations

import re
from typing import Any, Mapping

from firmware.config.errors import ConfigError
from firmware.config.fields import _bool, _choice, _digits, _int, _text, _unknown_fields

MAILBOX_KINDS = ("extension", "group")
MAILBOX_FIELDS = ("number", "name", "kind", "members", "enabled", "pin", "email", "attach",
                  "delete_after_email", "max_message_s", "max_messages", "own_phone_pin")
_EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")

#: Settings of this module and their defaults (merged into SETTINGS_DEFAULTS).
VOICEMAIL_SETTINGS: Mapping[str, Any] = {
    "voicemail_prefix": "6",          # deposit number = prefix + mailbox ("6801" leaves a message for 801)
    "voicemail_main": "6000",         # number that asks for a mailbox and PIN (IVR option, inbound route)
    "voicemail_followup_hours": 24,   # a message not called back by then is overdue (12333: 24 h)
    "smtp_host": "",                  # "" = no email
    "smtp_port": 587,
    "smtp_user": "",                  # "" = no AUTH
    "smtp_password": "",
    "smtp_from": "",                  # "" = hotline@<box_name>
    "smtp_starttls": True,
}


def voicemail_setting(key: str, value: Any) -> Any:
    f = f"settings.{key}"
    if key == "voicemail_prefix":
        return _digits(f, value, 0, 4, "a dialling prefix")
    if key == "voicemail_main":
        return _digits(f, value or "", 0, 8, "a voicemail number")
    if key == "voicemail_followup_hours":
        return _int(f, value, 1, 24 * 30, " h")
    if key == "smtp_host":
        v = _text(f, value, 253)
        if v and not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", v):
            raise ConfigError(f, f"{v!r} is not a host name or IP address")
        return v
    if key == "smtp_port":
        return _int(f, value, 1, 65535)
    if key in ("smtp_user", "smtp_password"):
        return _text(f, value, 128)
    if key == "smtp_from":
        v = _text(f, value, 128)
        if v and not _EMAIL_RE.match(v):
            raise ConfigError(f, f"{v!r} is not an email address")
        return v
    if key == "smtp_starttls":
        return _bool(f, value)
    raise AssertionError(key)  # pragma: no cover


def _members(field: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [m for m in re.split(r"[\s,]+", value) if m]
    if not isinstance(value, (list, tuple)):
        raise ConfigError(field, f"{value!r} is not a list of extension numbers")
    out: list[str] = []
    for m in value:
        m = _digits(field, m, 2, 8, "an extension number")
        if m in out:
            raise ConfigError(field, f"extension {m} is listed twice")
        out.append(m)
    return out


def mailbox(r: Mapping[str, Any]) -> dict:
    t = "mailboxes"
    _unknown_fields(t, r, MAILBOX_FIELDS)
    if "number" not in r:
        raise ConfigError(f"{t}.number", "is required")
    number = _digits(f"{t}.number", r["number"], 2, 8, "a mailbox number")
    kind = _choice(f"{t}.kind", r.get("kind", "extension"), MAILBOX_KINDS)
    members = _members(f"{t}.members", r.get("members", []))
    if kind == "extension" and members:
        raise ConfigError(f"{t}.members", f"mailbox {number} belongs to extension {number}; only group "
                                          "mailboxes have members")
    pin = _digits(f"{t}.pin", r.get("pin", "") or "", 0, 8, "a PIN")
    if pin and len(pin) < 4:
        raise ConfigError(f"{t}.pin", "must be 4–8 digits (or empty: the mailbox number until the owner sets one)")
    email = _text(f"{t}.email", r.get("email", "") or "", 254)
    if email and not _EMAIL_RE.match(email):
        raise ConfigError(f"{t}.email", f"{email!r} is not an email address")
    delete_after = _bool(f"{t}.delete_after_email", r.get("delete_after_email", False))
    attach = _bool(f"{t}.attach", r.get("attach", True))
    if delete_after and not (email and attach):
        raise ConfigError(f"{t}.delete_after_email", "needs an email address and attach on, "
                                                     "else the message would be lost")
    return {
        "number": number,
        "name": _text(f"{t}.name", r.get("name", "") or f"Mailbox {number}"),
        "kind": kind,
        "members": members,
        "enabled": _bool(f"{t}.enabled", r.get("enabled", True)),
        "pin": pin,
        "email": email,
        "attach": attach,
        "delete_after_email": delete_after,
        "max_message_s": _int(f"{t}.max_message_s", r.get("max_message_s", 180), 10, 3600, " s"),
        "max_messages": _int(f"{t}.max_messages", r.get("max_messages", 100), 1, 9999),
        "own_phone_pin": _bool(f"{t}.own_phone_pin", r.get("own_phone_pin", True)),
    }


def check_voicemail_references(state: Mapping[str, Any], numbers_in_use: Mapping[str, str]) -> None:
    """Mailboxes of extensions need the extension; group members must exist; the voicemail
    numbers (prefix + mailbox, voicemail_main) may not be any other internal number."""
    s = state["settings"]
    exts = {e["number"] for e in state["extensions"]}
    boxes = state.get("mailboxes", [])
    for mb in boxes:
        if mb["kind"] == "extension" and mb["number"] not in exts:
            raise ConfigError("mailboxes.number", f"no extension {mb['number']} (a group mailbox needs "
                                                  "kind 'group')")
        if mb["kind"] == "group":
            if mb["number"] in exts:
                raise ConfigError("mailboxes.number", f"{mb['number']} is extension {mb['number']}: "
                                                      "use kind 'extension' or another number")
            for m in mb["members"]:
                if m not in exts:
                    raise ConfigError("mailboxes.members", f"extension {m} does not exist")
    if not boxes:
        return
    prefix, main = s.get("voicemail_prefix", ""), s.get("voicemail_main", "")
    taken = dict(numbers_in_use)
    if main:
        if main in taken:
            raise ConfigError("settings.voicemail_main", f"{main} is already {taken[main]}")
        taken[main] = "the voicemail main number"
    if prefix:
        for mb in boxes:
            n = prefix + mb["number"]
            if n in taken:
                raise ConfigError("settings.voicemail_prefix",
                                  f"the voicemail number of mailbox {mb['number']} ({n}) is already {taken[n]}")
            taken[n] = f"the voicemail number of mailbox {mb['number']}"


def voicemail_numbers(state: Mapping[str, Any]) -> dict[str, dict]:
    """The numbers that reach voicemail (deposit numbers and the main number) -> mailbox
    row (the main number maps to an empty dict)."""
    boxes = [mb for mb in state.get("mailboxes", []) if mb["enabled"]]
    if not boxes:
        return {}
    s = state["settings"]
    out: dict[str, dict] = {}
    if s.get("voicemail_prefix"):
        out.update({s["voicemail_prefix"] + mb["number"]: mb for mb in boxes})
    if s.get("voicemail_main"):
        out[s["voicemail_main"]] = {}
    return out


def references_to_mailbox(state: Mapping[str, Any], table: str, key: Any) -> list[str]:
    """What still uses a mailbox (or the extension that owns one / is a group member)."""
    out: list[str] = []
    boxes = state.get("mailboxes", [])
    if table == "extensions":
        for mb in boxes:
            if mb["number"] == key and mb["kind"] == "extension":
                out.append(f"it has mailbox {key} (delete the mailbox first)")
            elif key in mb["members"]:
                out.append(f"group mailbox {mb['number']} ({mb['name']}) lists it as a member")
        return out
    prefix = state["settings"].get("voicemail_prefix", "")
    number = prefix + str(key) if prefix else None
    for r in state["inbound_routes"]:
        if number and number in (r["dest"], r["night_dest"]):
            out.append(f"inbound route {r['id']} ({r['name']}) sends calls to it")
    for e in state["extensions"]:
        for col in ("cfu", "cfb", "cfna"):
            if number and e.get(col) == number:
                out.append(f"extension {e['number']} forwards to it ({col})")
    for rg in state["ring_groups"]:
        if number and rg["no_answer_dest"] == number:
            out.append(f"ring group {rg['number']} ({rg['name']}) sends unanswered calls to it")
    return out
