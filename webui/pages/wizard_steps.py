"""The steps of the setup wizard: what each page shows (``load``) and what its form writes
(``save``).  Every step saves straight into the config store (audited as the logged-in
user), so a half-done wizard keeps what was entered; the page module (wizard.py) only
routes and renders.

``load(web) -> dict`` gives the form's ``values`` plus whatever else the step's template
needs; ``save(web, form, files) -> None`` writes or raises :class:`StepError` /
``ConfigError`` (turned into messages next to the fields).
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

from firmware.config.errors import ConfigError
from firmware.config.validate_setup import timezones
from firmware.mgmt.client import MgmtError
from webui import i18n
from webui.i18n import N_, _
from webui.web import Web

MAX_GREETING_BYTES = 4 * 1024 * 1024      #: largest greeting WAV accepted (bytes)
MAX_PLAN = 200                            #: most extensions one numbering plan creates
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
                  N_("Saturday"), N_("Sunday"))
BUSINESS_HOURS = "business_hours"         #: the time condition the wizard writes
INCOMING_ONLY = "incoming"                #: trunk group of lines not used for outgoing calls
QUEUE_STRATEGIES = ("ringall", "longest_idle", "round_robin", "linear", "fewest_calls")


class StepError(Exception):
    """A refused form: ``field`` is the form field the message belongs next to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Step:
    key: str
    title: str                                     #: English msgid
    load: Callable[[Web], dict]
    save: Callable[[Web, dict, Mapping[str, Any]], None]


def _nat(name: str) -> tuple:
    """Sort key: fxs2 before fxs10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def daemon_ports(web: Web) -> tuple[list[dict], str]:
    """The board's ports from the daemon (``status``) and an error text ("" when it answered)."""
    try:
        st = web.ask("status")
    except MgmtError as e:
        return [], e.message
    ports = [p for p in (st or {}).get("ports") or [] if isinstance(p, dict) and p.get("name")]
    return sorted(ports, key=lambda p: _nat(p["name"])), ""


def fxs_ports(web: Web) -> list[str]:
    """FXS port names in order (the daemon's, else the ones extensions use)."""
    ports, err = daemon_ports(web)
    names = [p["name"] for p in ports if p.get("kind") == "fxs"]
    if err:
        names = sorted({e["port"] for e in web.store.extensions() if e.get("port")}, key=_nat)
    return names


# --------------------------------------------------------------------------- 1 language
def load_language(web: Web) -> dict:
    return {"values": {"language": web.box_settings().get("language", "zh")},
            "choices": list(i18n.LANGUAGES.items())}


def save_language(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    lang = f.get("language", "")
    if lang not in i18n.LANGUAGES:
        raise StepError("language", _("Choose 中文 or English."))
    s = web.session()
    with web.acting() as store:
        store.update_settings({"language": lang})
        if s is not None:
            store.update_user(s.username, lang=lang)
    i18n.set_language(lang)


# --------------------------------------------------------------------------- 2 password
def admin_logins(web: Web) -> list[dict]:
    """Admin logins with ``problem``: "default" (password admin), "must_change" or ""."""
    out = []
    for u in web.store.users():
        if u["role"] != "admin" or not u["enabled"]:
            continue
        problem = ""
        if web.store.check_login(u["username"], "admin") is not None:
            problem = "default"
        elif u["must_change"]:
            problem = "must_change"
        out.append({**u, "problem": problem})
    return out


def weak_admins(web: Web) -> list[str]:
    """Admin logins the wizard may not finish with (default password or must change)."""
    return [u["username"] for u in admin_logins(web) if u["problem"]]


def load_password(web: Web) -> dict:
    admins = admin_logins(web)
    s = web.session()
    first = next((u["username"] for u in admins if u["problem"]), s.username if s and s.role == "admin" else "")
    return {"admins": admins, "values": {"user": first},
            "user_choices": [(u["username"], u["username"]) for u in admins]}


def save_password(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    user, pw = f.get("user", ""), f.get("password", "")
    if pw or f.get("confirm"):
        admins = {u["username"] for u in admin_logins(web)}
        if user not in admins:
            raise StepError("user", _("Choose one of the admin logins."))
        if pw != f.get("confirm", ""):
            raise StepError("confirm", _("The two passwords differ."))
        if pw.lower() == "admin":
            raise StepError("password", _("The password admin is the factory default: choose another one."))
        with web.acting() as store:
            store.set_user_password(user, pw)
        s = web.session()
        web.sessions.end_user(user, keep=s.sid if s is not None else None)
    weak = weak_admins(web)
    if weak:
        raise StepError("password", _("Admin login {name} still has the default password: set a new one.")
                        .format(name=weak[0]))


# --------------------------------------------------------------------------- 3 time
def load_time(web: Web) -> dict:
    st = web.box_settings()
    return {"values": {"timezone": st.get("timezone", "Asia/Shanghai"),
                       "ntp_servers": ", ".join(st.get("ntp_servers") or [])},
            "zones": sorted(timezones())}


def save_time(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    with web.acting() as store:
        store.update_settings({"timezone": f.get("timezone", "").strip(),
                               "ntp_servers": f.get("ntp_servers", "")})


# --------------------------------------------------------------------------- 4 country
def load_country(web: Web) -> dict:
    from firmware.config.countries import country_rows
    rows = country_rows()
    return {"values": {"country": web.box_settings().get("country", "cn")}, "countries": rows,
            "choices": [(r["code"], f"{r['code']} — {r['name']}") for r in rows]}


def save_country(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    with web.acting() as store:
        store.update_settings({"country": f.get("country", "")})


# --------------------------------------------------------------------------- 5 network
def load_network(web: Web) -> dict:
    n = dict(web.box_settings().get("network") or {})
    n["dns"] = ", ".join(n.get("dns") or [])
    simulated = None
    try:
        simulated = bool(((web.ask("status") or {}).get("box") or {}).get("simulated"))
    except MgmtError:
        pass
    return {"values": n, "simulated": simulated}


def save_network(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    net = {"mode": f.get("mode", "dhcp"), "address": f.get("address", "").strip(),
           "prefix": f.get("prefix", "").strip() or 24, "gateway": f.get("gateway", "").strip(),
           "dns": f.get("dns", "")}
    with web.acting() as store:
        store.update_settings({"network": net})


# --------------------------------------------------------------------------- 6 ports
def port_check(web: Web) -> tuple[list[dict], str]:
    """``ports.check`` rows (FXO line/voltage, FXS hook) and an error text."""
    try:
        rows = web.ask("ports.check")
    except MgmtError as e:
        return [], e.message
    return sorted([r for r in rows or [] if isinstance(r, dict)], key=lambda r: _nat(str(r.get("port", "")))), ""


def load_ports(web: Web) -> dict:
    rows, err = port_check(web)
    return {"checks": rows, "check_error": err, "values": {}}


def save_ports(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    pass


# --------------------------------------------------------------------------- 7 extensions
def plan_numbers(first: str, count: str) -> list[str]:
    """The numbers ``first`` .. ``first + count - 1`` (all as long as ``first``)."""
    first, count = first.strip(), count.strip()
    if not re.fullmatch(r"\d{2,8}", first):
        raise StepError("first", _("{value} is not an extension number (2 to 8 digits).").format(value=first or "—"))
    if not re.fullmatch(r"\d{1,4}", count) or not 1 <= int(count) <= MAX_PLAN:
        raise StepError("count", _("How many extensions: a number from 1 to {max}.").format(max=MAX_PLAN))
    n = int(count)
    last = int(first) + n - 1
    if len(str(last)) > len(first) or first.startswith("0"):
        raise StepError("count", _("{first} + {count} extensions runs past {top}: start lower or create fewer.")
                        .format(first=first, count=n, top="9" * len(first)))
    return [str(int(first) + i).zfill(len(first)) for i in range(n)]


def load_extensions(web: Web) -> dict:
    exts = web.store.extensions()
    ports = fxs_ports(web)
    first = min((e["number"] for e in exts), default="801", key=lambda x: (len(x), x))
    return {"values": {"first": first, "count": str(max(len(ports), len(exts)) or 8)},
            "extensions": exts, "fxs": ports}


def save_extensions(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    numbers = plan_numbers(f.get("first", ""), f.get("count", ""))
    existing = {e["number"]: e for e in web.store.extensions()}
    taken = {e["port"] for n, e in existing.items() if e.get("port") and n not in numbers}
    free = [p for p in fxs_ports(web) if p not in taken]
    with web.acting() as store:
        for i, number in enumerate(numbers):
            port = free[i] if i < len(free) else None
            old = existing.get(number)
            try:
                if old is None:
                    store.add_extension(number=number, kind="fxs" if port else "sip", port=port)
                elif port and (old["kind"], old["port"]) != ("fxs", port):
                    store.update_extension(number, kind="fxs", port=port)
                elif not port and old["kind"] != "sip":
                    store.update_extension(number, kind="sip", port=None)
            except ConfigError as e:
                raise StepError("first", _("Extension {number}: {message}").format(number=number,
                                                                                   message=e.message)) from None


# --------------------------------------------------------------------------- 8 trunks
def _routes_group(web: Web) -> str:
    routes = web.store.outbound_routes()
    if routes and routes[0]["trunk_group"]:
        return routes[0]["trunk_group"]
    groups = web.store.trunk_groups()
    return groups[0]["name"] if groups else "pstn"


def load_trunks(web: Web) -> dict:
    group = _routes_group(web)
    routes = web.store.outbound_routes()
    values: dict[str, Any] = {"group": group, "prefix": routes[0]["prefix"] if routes else "9"}
    for ln in web.store.lines():
        values[f"line_{ln['name']}"] = "1" if ln["trunk_group"] == group else ""
    for t in web.store.sip_trunks():
        values[f"sip_{t['name']}"] = "1" if t["trunk_group"] == group else ""
    groups = [g["name"] for g in web.store.trunk_groups() if g["name"] != INCOMING_ONLY or g["name"] == group] or ["pstn"]
    return {"values": values, "lines": web.store.lines(), "sip_trunks": web.store.sip_trunks(),
            "groups": [(g, g) for g in groups], "routes": routes}


def save_trunks(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    group = f.get("group", "") or "pstn"
    prefix = f.get("prefix", "").strip()
    if not re.fullmatch(r"\d{0,4}", prefix):
        raise StepError("prefix", _("{value} is not a dialling prefix (up to 4 digits, e.g. 9).").format(value=prefix))
    if prefix:
        for table, rows in (("extension", web.store.extensions()), ("ring group", web.store.ring_groups()),
                            ("queue", web.store.queues())):
            clash = next((r["number"] for r in rows if r["number"].startswith(prefix)), None)
            if clash:
                raise StepError("prefix", _("Prefix {prefix} is also how {number} starts: choose a digit no "
                                            "internal number starts with.").format(prefix=prefix, number=clash))
    chosen = [ln for ln in web.store.lines() if f.get(f"line_{ln['name']}")]
    chosen_sip = [t for t in web.store.sip_trunks() if f.get(f"sip_{t['name']}")]
    if not chosen and not chosen_sip:
        raise StepError("group", _("Choose at least one line or SIP trunk for outgoing calls."))
    with web.acting() as store:
        if store.trunk_group(group) is None:
            store.add_trunk_group(name=group)
        for ln in store.lines():
            want = group if f.get(f"line_{ln['name']}") else (
                INCOMING_ONLY if ln["trunk_group"] == group else ln["trunk_group"])
            if want == INCOMING_ONLY and store.trunk_group(INCOMING_ONLY) is None:
                store.add_trunk_group(name=INCOMING_ONLY, description="Lines for incoming calls only (setup wizard)")
            if want != ln["trunk_group"]:
                store.update_line(ln["name"], trunk_group=want)
        for t in store.sip_trunks():
            want = group if f.get(f"sip_{t['name']}") else ("" if t["trunk_group"] == group else t["trunk_group"])
            if want != t["trunk_group"]:
                store.update_sip_trunk(t["name"], trunk_group=want)
        for r in store.outbound_routes():
            strip = len(prefix) if r["strip"] == len(r["prefix"]) else r["strip"]
            if (r["prefix"], r["strip"], r["trunk_group"]) != (prefix, strip, group):
                store.update_outbound_route(r["id"], prefix=prefix, strip=strip, trunk_group=group)


# --------------------------------------------------------------------------- 9 business hours
def load_hours(web: Web) -> dict:
    tc = web.store.time_condition(BUSINESS_HOURS)
    hours = tc["hours"] if tc else {d: (["09:00-18:00"] if d not in ("sat", "sun") else []) for d in WEEKDAYS}
    values = {d: ", ".join(hours.get(d) or []) for d in WEEKDAYS}
    values["holidays"] = "\n".join(f"{h['date']} {h['name']}".strip() for h in web.store.holidays())
    return {"values": values, "days": list(zip(WEEKDAYS, WEEKDAY_LABELS))}


def save_hours(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    """The opening hours and the holiday list: the textarea is the whole list, so a line the
    installer removed deletes that holiday (all holiday changes in one store change;
    refused, nothing changed, while something still uses a removed one)."""
    hours = {d: f.get(d, "") for d in WEEKDAYS}
    holidays = []
    for line in f.get("holidays", "").splitlines():
        if line.strip():
            date, _sep, name = line.strip().partition(" ")
            holidays.append({"date": date, "name": name.strip()})
    with web.acting() as store:
        if store.time_condition(BUSINESS_HOURS) is None:
            store.add_time_condition(name=BUSINESS_HOURS, description="Business hours (setup wizard)", hours=hours)
        else:
            store.update_time_condition(BUSINESS_HOURS, hours=hours)
        known = {h["date"]: h["name"] for h in store.holidays()}
        if known != {h["date"]: h["name"] for h in holidays} or len(holidays) != len(known):
            try:
                store.put_holidays(holidays)
            except ConfigError as e:
                raise StepError("holidays", e.message) from None


# --------------------------------------------------------------------------- 10 queue
def load_queue(web: Web) -> dict:
    queues = web.store.queues()
    q = queues[0] if queues else {"number": "500", "name": "Service", "strategy": "longest_idle", "members": []}
    agents = {a["number"]: a for a in web.store.agents()}
    lines = [f"{m['agent']} {agents[m['agent']]['name']}" for m in q["members"] if m["agent"] in agents]
    return {"values": {"number": q["number"], "name": q["name"], "strategy": q["strategy"],
                       "agents": "\n".join(lines) or "101 Agent 101 1234"},
            "strategies": [(s, s) for s in QUEUE_STRATEGIES]}


def parse_agents(text: str) -> list[tuple[str, str, str]]:
    """Lines ``NUMBER NAME... [PIN]`` → (number, name, pin); a last word of digits is the PIN."""
    out = []
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if not re.fullmatch(r"\d{1,8}", words[0]):
            raise StepError("agents", _("{line}: an agent line starts with the agent number (digits).")
                            .format(line=line.strip()))
        pin = words.pop() if len(words) > 1 and re.fullmatch(r"\d{1,8}", words[-1]) else ""
        if any(a[0] == words[0] for a in out):
            raise StepError("agents", _("Agent {number} is listed twice.").format(number=words[0]))
        out.append((words[0], " ".join(words[1:]), pin))
    if not out:
        raise StepError("agents", _("Give at least one agent (number, name, PIN)."))
    return out


def save_queue(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    agents = parse_agents(f.get("agents", ""))
    number = f.get("number", "").strip()
    members = [{"agent": a[0]} for a in agents]
    with web.acting() as store:
        for num, name, pin in agents:
            fields: dict[str, Any] = {"name": name or f"Agent {num}"}
            if pin:
                fields["pin"] = pin
            if store.agent(num) is None:
                store.add_agent(number=num, **fields)
            else:
                store.update_agent(num, **fields)
        q = {"name": f.get("name", "").strip(), "strategy": f.get("strategy", ""), "members": members}
        if store.queue(number) is None:
            store.add_queue(number=number, **q)
        else:
            store.update_queue(number, **q)


# --------------------------------------------------------------------------- 11 IVR
def prompt_names(web: Web) -> list[str]:
    try:
        rows = web.ask("prompt.list")
    except MgmtError:
        return []
    return sorted({r["name"] for r in rows or [] if isinstance(r, dict) and r.get("name")})


def load_ivr(web: Web) -> dict:
    menus = web.store.ivr_menus()
    queues = web.store.queues()
    st = web.box_settings()
    values: dict[str, Any] = {"number": "700", "name": "Main menu", "greeting": "greeting",
                              "key1": queues[0]["number"] if queues else "", "key0": st.get("operator", ""),
                              "route": "1"}
    if menus:
        m = menus[0]
        main = m["nodes"].get(m["start"], {})
        keys = main.get("keys") or {}

        def target(node: Optional[str]) -> str:
            return str((m["nodes"].get(node or "") or {}).get("target", ""))
        values.update(number=m["number"], name=m["name"], key1=target(keys.get("1")), key0=target(keys.get("0")),
                      greeting=(main.get("prompts") or ["greeting"])[0])
    codes = st.get("feature_codes") or {}
    return {"values": values, "prompts": prompt_names(web), "record_code": codes.get("record_prompt", "*77")}


def _upload_greeting(web: Web, upload: Any) -> str:
    raw = upload.file.read(MAX_GREETING_BYTES + 1)
    if len(raw) > MAX_GREETING_BYTES:
        raise StepError("greeting_file", _("The file is larger than {mb} MB: record a shorter greeting.")
                        .format(mb=MAX_GREETING_BYTES // (1024 * 1024)))
    if len(raw) < 44 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise StepError("greeting_file", _("{name} is not a WAV file (RIFF/WAVE).").format(name=upload.raw_filename))
    try:
        web.ask("prompt.upload", name="greeting", data=base64.b64encode(raw).decode())
    except MgmtError as e:
        raise StepError("greeting_file", e.message) from None
    return "greeting"


def save_ivr(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    upload = files.get("greeting_file")
    greeting = f.get("greeting", "").strip()
    if upload is not None and getattr(upload, "raw_filename", ""):
        greeting = _upload_greeting(web, upload)
    if not greeting:
        raise StepError("greeting", _("Upload a greeting or choose a recorded prompt."))
    number, key1, key0 = f.get("number", "").strip(), f.get("key1", "").strip(), f.get("key0", "").strip()
    for field, value in (("key1", key1), ("key0", key0)):
        if not re.fullmatch(r"\d{2,8}", value):
            raise StepError(field, _("{value} is not a number to send the caller to.").format(value=value or "—"))
    menu = {"number": number, "name": f.get("name", "").strip() or "Main menu", "start": "main",
            "fallback": key0,
            "nodes": {"main": {"type": "collect", "prompts": [greeting], "digits": 1, "attempts": 3,
                               "keys": {"1": "queue", "0": "operator"}, "fail": "operator"},
                      "queue": {"type": "goto", "target": key1},
                      "operator": {"type": "goto", "target": key0}}}
    try:
        web.ask("ivr.import", doc={"format": "hotline-ivr", "menus": [menu]})
    except MgmtError as e:
        raise StepError(_ivr_field(e.message), e.message) from None
    if f.get("route"):
        with web.acting() as store:
            routes = sorted(store.inbound_routes(), key=lambda r: r["priority"])
            if routes:
                store.update_inbound_route(routes[0]["id"], dest_kind="ivr", dest=number)
            else:
                store.add_inbound_route(name="All calls to the menu", dest_kind="ivr", dest=number, priority=100)


def _ivr_field(message: str) -> str:
    """Which field an ``ivr.import`` refusal is about."""
    if "number" in message.split(":")[0]:
        return "number"
    if "prompt" in message:
        return "greeting"
    return "key1"


# --------------------------------------------------------------------------- summary
def load_summary(web: Web) -> dict:
    st = web.box_settings()
    return {"values": {"extension": (web.store.extensions() or [{"number": ""}])[0]["number"]},
            "settings": st, "extensions": web.store.extensions(), "weak": weak_admins(web),
            "queues": web.store.queues(), "menus": web.store.ivr_menus(), "routes": web.store.outbound_routes(),
            "lines": web.store.lines(), "hours": web.store.time_condition(BUSINESS_HOURS)}


def save_summary(web: Web, f: dict, files: Mapping[str, Any]) -> None:
    pass


STEPS: list[Step] = [
    Step("language", N_("Language"), load_language, save_language),
    Step("password", N_("Admin password"), load_password, save_password),
    Step("time", N_("Time zone"), load_time, save_time),
    Step("country", N_("Country"), load_country, save_country),
    Step("network", N_("Network"), load_network, save_network),
    Step("ports", N_("Ports"), load_ports, save_ports),
    Step("extensions", N_("Extensions"), load_extensions, save_extensions),
    Step("trunks", N_("Trunks"), load_trunks, save_trunks),
    Step("hours", N_("Business hours"), load_hours, save_hours),
    Step("queue", N_("Queue"), load_queue, save_queue),
    Step("ivr", N_("IVR greeting"), load_ivr, save_ivr),
    Step("summary", N_("Summary"), load_summary, save_summary),
]
BY_KEY = {s.key: s for s in STEPS}
