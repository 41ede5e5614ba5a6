"""What each configuration table looks like in the web UI: the columns its list shows and
the fields of its form (kinds, choices and help follow firmware/config/validate*.py).
The pages themselves come from the generic engine in :mod:`webui.pages.tables`.
"""
from __future__ import annotations

from typing import Any

from firmware.config.store import ConfigStore
from firmware.config.validate import board_ports
from webui.i18n import N_, _
from webui.pages.tables import Field as F, Kinds, Table

YES_NO = (("1", N_("yes")), ("0", N_("no")))
CALL_CLASS = (("internal", N_("internal only")), ("local", N_("local")), ("national", N_("national")),
              ("international", N_("international")))
ROUTE_CLASS = CALL_CLASS[1:]
DEST_KIND = (("extension", N_("extension")), ("ring_group", N_("ring group")), ("queue", N_("queue")),
             ("conference", N_("conference room")), ("voicemail", N_("voicemail")), ("ivr", N_("IVR menu")))
RG_STRATEGY = (("ringall", N_("ring all at once")), ("hunt", N_("one after another")),
               ("round_robin", N_("round robin")))
Q_STRATEGY = (("longest_idle", N_("longest idle agent")), ("ringall", N_("ring all")),
              ("round_robin", N_("round robin")), ("linear", N_("in member order")),
              ("fewest_calls", N_("fewest calls")), ("least_talk", N_("least talk time")),
              ("random", N_("random")), ("weighted_random", N_("random, weighted by penalty")),
              ("sticky", N_("the agent who spoke to the caller last")), ("vip_owner", N_("VIP owner first")),
              ("region", N_("by caller region")))


# --------------------------------------------------------------------------- choices from the store
def _ports(kind: str) -> Any:
    def choices(store: ConfigStore) -> list[tuple[str, str]]:
        ports = board_ports(store.settings()["board"]) or {}
        out = [(p, p) for p, k in ports.items() if k == kind]
        return ([("", "— (SIP)")] if kind == "fxs" else []) + out
    return choices


def _rows(table: str, key: str, name: str = "name", blank: str = "") -> Any:
    def choices(store: ConfigStore) -> list[tuple[str, str]]:
        rows = getattr(store, table)()
        out = [(r[key], f"{r[key]} {r.get(name, '') or ''}".strip()) for r in rows]
        return ([("", blank)] if blank else []) + out
    return choices


def _line_choices(store: ConfigStore) -> list[tuple[str, str]]:
    return ([("", "— (any)")] + [(r["name"], f"{r['name']} ({r['port']})") for r in store.lines()]
            + [(r["name"], f"{r['name']} (SIP)") for r in store.sip_trunks()])


#: destination kinds as the pickers group them: (kind as in inbound_routes.dest_kind, group label)
DEST_GROUPS = (("extension", N_("Extensions")), ("ring_group", N_("Ring groups")), ("queue", N_("Queues")),
               ("ivr", N_("IVR menus")), ("voicemail", N_("Voicemail")), ("conference", N_("Conference rooms")))
ALL_DESTS = tuple(k for k, _label in DEST_GROUPS)


def _target_rows(store: ConfigStore, kind: str) -> list[tuple[str, str]]:
    """The numbers of one kind of destination with their labels ("801 Alice")."""
    def named(rows: list[dict]) -> list[tuple[str, str]]:
        return [(r["number"], f"{r['number']} {r.get('name', '') or ''}".strip()) for r in rows]
    if kind == "extension":
        return named(store.extensions())
    if kind == "ring_group":
        return named(store.ring_groups())
    if kind == "queue":
        return named(store.queues())
    if kind == "ivr":
        return named(store.ivr_menus())
    if kind == "conference":
        return named(store.conference_rooms())
    if kind == "voicemail":
        boxes = [b for b in store.mailboxes() if b["enabled"]]
        if not boxes:
            return []
        s = store.settings()
        out = [(s["voicemail_prefix"] + b["number"], f"{s['voicemail_prefix']}{b['number']} {b['name']}".strip())
               for b in boxes] if s.get("voicemail_prefix") else []
        if s.get("voicemail_main"):
            out.append((s["voicemail_main"], _("{number} any mailbox (asks for it)").format(number=s["voicemail_main"])))
        return out
    raise ValueError(kind)


def targets(*kinds: str) -> Any:
    """Destination targets of these kinds for a ``dest`` field, grouped as DEST_GROUPS."""
    def fn(store: ConfigStore) -> list[tuple[str, str, list[tuple[str, str]]]]:
        return [(k, label, _target_rows(store, k)) for k, label in DEST_GROUPS if k in kinds]
    return fn


def _ext_port(row: dict) -> str:
    """The list's port cell: the FXS port, or for a SIP phone the user it registers as."""
    return (row["port"] or "") if row["kind"] == "fxs" else _("SIP user {number}").format(number=row["number"])


_exts = _rows("extensions", "number")
_agents = _rows("agents", "number")
_queues = _rows("queues", "number")


# --------------------------------------------------------------------------- the tables
TABLES: list[Table] = [
    Table("extensions", N_("Extensions"), "extension", "number",
          columns=(("number", N_("Number")), ("name", N_("Name")), ("kind", N_("Kind")),
                   ("port", N_("Port or SIP user")),
                   ("outbound_class", N_("May call")), ("enabled", N_("Enabled")), ("dnd", N_("DND")),
                   ("cfu", N_("Forward all"))),
          sample={'number': '99', 'kind': 'sip'},
          kinds=(Kinds("kind", {"fxs": ("port",), "sip": ("secret",)}, clear=("port",)),
                 Kinds("followme_mode", {"after": ("followme", "followme_delay_ms", "followme_confirm"),
                                         "together": ("followme", "followme_confirm")}),
                 Kinds("cfna", {"*": ("cfna_ring_ms",)})),
          cells={"port": _ext_port},
          add_label=N_("Add an extension"),
          intro=N_("Phones of the box: analog phones on FXS ports and SIP phones. A SIP extension gets a "
                   "generated password when none is given."),
          fields=(
              F("number", N_("Number"), required=True, help=N_("2–8 digits, not used by a ring group, queue or room")),
              F("name", N_("Name")),
              F("kind", N_("Kind"), "select", (("fxs", N_("analog phone (FXS port)")), ("sip", N_("SIP phone")))),
              F("port", N_("FXS port"), "select", _ports("fxs"), help=N_("Only for analog phones")),
              F("secret", N_("SIP password"), "secret", generate=True,
                help=N_("Only for SIP phones; empty on a new SIP extension: one is generated.")),
              F("outbound_class", N_("May call"), "select", CALL_CLASS),
              F("enabled", N_("Enabled"), "checkbox"),
              F("dnd", N_("Do not disturb"), "checkbox"),
              F("cfu", N_("Forward all calls to"), "dest", targets=targets(*ALL_DESTS), free=True,
                help=N_("A number as dialled; empty = off")),
              F("cfb", N_("Forward when busy to"), "dest", targets=targets(*ALL_DESTS), free=True),
              F("cfna", N_("Forward when not answered to"), "dest", targets=targets(*ALL_DESTS), free=True),
              F("cfna_ring_ms", N_("Ring before forwarding (ms)"), "number", help=N_("5000–120000 ms")),
              F("followme", N_("Follow-me number"), help=N_("e.g. a mobile, as dialled (913800138000)")),
              F("followme_mode", N_("Follow-me"), "select", (("off", N_("off")), ("after", N_("after a delay")),
                                                            ("together", N_("together with the phone")))),
              F("followme_delay_ms", N_("Follow-me delay (ms)"), "number"),
              F("followme_confirm", N_("Follow-me asks to press a key"), "checkbox"),
              F("pickup_group", N_("Pickup group")),
              F("pin", N_("Call PIN"), help=N_("4–8 digits asked for international calls; empty = none")),
              F("max_outbound_calls", N_("Outside calls at once (0 = no limit)"), "number"),
              F("max_outbound_minutes", N_("Outside minutes per month (0 = no limit)"), "number"),
              F("announce", N_("Announce the caller"), "checkbox"),
          )),
    Table("ring_groups", N_("Ring groups"), "ring_group", "number",
          columns=(("number", N_("Number")), ("name", N_("Name")), ("strategy", N_("Strategy")),
                   ("members", N_("Members")), ("ring_ms", N_("Ring (ms)")), ("no_answer_dest", N_("No answer"))),
          sample={'number': '99', 'members': ['99']},
          add_label=N_("Add a ring group"),
          fields=(
              F("number", N_("Number"), required=True),
              F("name", N_("Name")),
              F("strategy", N_("Strategy"), "select", RG_STRATEGY),
              F("members", N_("Members"), "multi", _exts, help=N_("At least one extension")),
              F("ring_ms", N_("Ring time (ms)"), "number", help=N_("2000–600000 ms")),
              F("no_answer_dest", N_("When nobody answers"), "dest",
                targets=targets("extension", "ring_group", "voicemail"), blank=N_("— hang up")),
          )),
    Table("trunk_groups", N_("Trunk groups"), "trunk_group", "name",
          columns=(("name", N_("Name")), ("strategy", N_("Strategy")), ("description", N_("Description"))),
          sample={'name': 'x'},
          add_label=N_("Add a trunk group"), related=("lines", "sip_trunks"),
          intro=N_("Outbound routes use a trunk group; its analog lines and SIP trunks carry the calls."),
          fields=(
              F("name", N_("Name"), required=True, help=N_("Letters, digits, '_', '-', '.'")),
              F("strategy", N_("Line choice"), "select", (("in_order", N_("first free in order")),
                                                         ("round_robin", N_("round robin")))),
              F("description", N_("Description")),
          )),
    Table("lines", N_("Analog lines"), "line", "name",
          columns=(("name", N_("Name")), ("port", N_("Port")), ("number", N_("Number")),
                   ("trunk_group", N_("Trunk group")), ("cid", N_("Caller ID")), ("enabled", N_("Enabled"))),
          sample={'name': 'x', 'port': 'fxo1'},
          kinds=(Kinds("answer", {"timer": ("answer_timer_ms",)}),),
          add_label=N_("Add a line"), related=("trunk_groups",), nav=False,
          fields=(
              F("name", N_("Name"), required=True),
              F("port", N_("FXO port"), "select", _ports("fxo")),
              F("number", N_("Phone number of the line")),
              F("trunk_group", N_("Trunk group"), "select", _rows("trunk_groups", "name", "description")),
              F("disconnect", N_("Hang-up detection"), "select", (("any", N_("any")), ("busy", N_("busy tone")),
                                                                  ("polarity", N_("polarity reversal")),
                                                                  ("loop", N_("loop break")))),
              F("answer", N_("Answer detection"), "select", (("timer", N_("timer")),
                                                             ("polarity", N_("polarity reversal")))),
              F("answer_timer_ms", N_("Answer timer (ms)"), "number"),
              F("dialtone_timeout_ms", N_("Wait for dial tone (ms)"), "number"),
              F("cid", N_("Caller ID"), "select", (("auto", N_("automatic")), ("bell202", "Bell 202"),
                                                   ("v23", "V.23"), ("dtmf", "DTMF"), ("none", N_("none")))),
              F("enabled", N_("Enabled"), "checkbox"),
          )),
    Table("sip_trunks", N_("SIP trunks"), "sip_trunk", "name",
          columns=(("name", N_("Name")), ("host", N_("Host")), ("username", N_("User name")),
                   ("register", N_("Registers")), ("trunk_group", N_("Trunk group")), ("enabled", N_("Enabled"))),
          sample={'name': 'x', 'host': 'example.com', 'username': 'u'},
          kinds=(Kinds("register", {"1": ("expires_s",)}), Kinds("backup_host", {"*": ("backup_port",)})),
          add_label=N_("Add a SIP trunk"), related=("trunk_groups",),
          fields=(
              F("name", N_("Name"), required=True),
              F("host", N_("Provider host"), required=True),
              F("port", N_("Port"), "number"),
              F("transport", N_("Transport"), "select", (("udp", "UDP"), ("tcp", "TCP"))),
              F("username", N_("User name")),
              F("auth_user", N_("Authentication user"), help=N_("Empty = the user name")),
              F("password", N_("Password"), "secret"),
              F("realm", N_("Realm")),
              F("domain", N_("Domain")),
              F("register", N_("Register to the provider"), "checkbox"),
              F("expires_s", N_("Registration expires (s)"), "number"),
              F("backup_host", N_("Backup host")),
              F("backup_port", N_("Backup port"), "number"),
              F("trunk_group", N_("Trunk group"), "select", _rows("trunk_groups", "name", "description", blank="—")),
              F("cid_mode", N_("Caller ID sent in"), "select", (("pai", "P-Asserted-Identity"), ("from", "From"),
                                                                 ("both", N_("both")))),
              F("cid_number", N_("Caller ID number"), help=N_("Empty = the caller's own number")),
              F("codecs", N_("Codecs"), help=N_("e.g. PCMA,PCMU; empty = the country's default")),
              F("max_channels", N_("Calls at once (0 = no limit)"), "number"),
              F("enabled", N_("Enabled"), "checkbox"),
          )),
    Table("inbound_routes", N_("Inbound routes"), "inbound_route", "id", int_key=True,
          columns=(("id", "#"), ("priority", N_("Priority")), ("name", N_("Name")), ("line", N_("Line")),
                   ("did", N_("DID")), ("cid_prefix", N_("Caller prefix")), ("dest_kind", N_("To")),
                   ("dest", N_("Destination")), ("time_condition", N_("Time condition")),
                   ("night_dest", N_("Outside hours"))),
          sample={'dest': '99'},
          kinds=(Kinds("time_condition", {"*": ("night_dest_kind", "night_dest")},
                       clear=("night_dest_kind", "night_dest")),),
          add_label=N_("Add an inbound route"),
          intro=N_("Where outside calls go. The first matching route (lowest priority number) wins."),
          fields=(
              F("name", N_("Name")),
              F("priority", N_("Priority"), "number", help=N_("0–9999; lower is tried first")),
              F("line", N_("Line or SIP trunk"), "select", _line_choices),
              F("did", N_("Dialled number (DID)"), help=N_("Empty = any")),
              F("cid_prefix", N_("Caller number starts with"), help=N_("Empty = any caller")),
              F("dest_kind", N_("Send to"), "select", DEST_KIND),
              F("dest", N_("Destination"), "dest", targets=targets(*ALL_DESTS), kind_col="dest_kind",
                required=True),
              F("time_condition", N_("Time condition"), "select", _rows("time_conditions", "name", "description",
                                                                        blank="—")),
              F("night_dest_kind", N_("Outside business hours send to"), "select", (("", "—"),) + DEST_KIND),
              F("night_dest", N_("Destination outside business hours"), "dest", targets=targets(*ALL_DESTS),
                kind_col="night_dest_kind"),
              F("moh", N_("Music on hold")),
          )),
    Table("outbound_routes", N_("Outbound routes"), "outbound_route", "id", int_key=True,
          columns=(("id", "#"), ("priority", N_("Priority")), ("name", N_("Name")), ("prefix", N_("Prefix")),
                   ("pattern", N_("Pattern")), ("strip", N_("Strip")), ("prepend", N_("Prepend")),
                   ("trunk_group", N_("Trunk group")), ("call_class", N_("Class"))),
          sample={'pattern': 'X.', 'strip': ''},
          add_label=N_("Add an outbound route"),
          fields=(
              F("name", N_("Name")),
              F("priority", N_("Priority"), "number"),
              F("prefix", N_("Prefix"), help=N_("Dialled first to reach an outside line (e.g. 9); up to 4 digits")),
              F("pattern", N_("Dial pattern"), required=True,
                help=N_("After the prefix: X any digit, N 2-9, [1-5] a range, . more digits, ! end")),
              F("strip", N_("Digits to strip"), help=N_("Empty = the prefix's length")),
              F("prepend", N_("Digits to prepend")),
              F("trunk_group", N_("Trunk group"), "select", _rows("trunk_groups", "name", "description")),
              F("call_class", N_("Call class"), "select", ROUTE_CLASS,
                help=N_("Extensions may call up to their own class")),
          )),
    Table("time_conditions", N_("Time conditions"), "time_condition", "name",
          columns=(("name", N_("Name")), ("description", N_("Description")), ("hours", N_("Business hours")),
                   ("holidays", N_("Closed on holidays")), ("override", N_("Override"))),
          sample={'name': 'x'},
          add_label=N_("Add a time condition"), related=("holidays",),
          fields=(
              F("name", N_("Name"), required=True),
              F("description", N_("Description")),
              F("hours", N_("Business hours"), "weekhours",
                help=N_("Per day, spans like 09:00-12:00, 13:00-18:00; empty = closed")),
              F("holidays", N_("Closed on holidays"), "checkbox"),
              F("override", N_("Override"), "select", (("auto", N_("by the schedule")), ("day", N_("always open")),
                                                       ("night", N_("always closed")))),
          )),
    Table("holidays", N_("Holidays"), "holiday", "date",
          columns=(("date", N_("Date")), ("name", N_("Name"))),
          sample={'date': '01-01'},
          add_label=N_("Add a holiday"), related=("time_conditions",), nav=False,
          fields=(
              F("date", N_("Date"), required=True, placeholder="2025-10-01",
                help=N_("YYYY-MM-DD, or MM-DD for every year")),
              F("name", N_("Name")),
          )),
    Table("caller_lists", N_("Blacklist and whitelist"), "caller_list_entry", "id", int_key=True,
          columns=(("id", "#"), ("list", N_("List")), ("number", N_("Number")), ("match", N_("Match")),
                   ("action", N_("Action")), ("note", N_("Note"))),
          sample={'number': '1'},
          kinds=(Kinds("list", {"block": ("action",)}),),
          add_label=N_("Add a number"),
          fields=(
              F("list", N_("List"), "select", (("block", N_("blacklist (block)")), ("allow", N_("whitelist (allow)")))),
              F("number", N_("Caller number"), required=True),
              F("match", N_("Match"), "select", (("exact", N_("exactly this number")),
                                                 ("prefix", N_("numbers starting with it")))),
              F("action", N_("Blocked callers"), "select", (("hangup", N_("hang up")), ("busy", N_("hear busy")),
                                                            ("prompt", N_("hear a message")),
                                                            ("ignore", N_("ring forever")))),
              F("note", N_("Note")),
          )),
    Table("conference_rooms", N_("Conference rooms"), "conference_room", "number",
          columns=(("number", N_("Number")), ("name", N_("Name")), ("max_parties", N_("Parties")),
                   ("pin", N_("PIN")), ("announce", N_("Announce"))),
          sample={'number': '99'},
          add_label=N_("Add a conference room"),
          fields=(
              F("number", N_("Number"), required=True),
              F("name", N_("Name")),
              F("pin", N_("PIN"), help=N_("Empty = no PIN")),
              F("admin_pin", N_("Organiser PIN")),
              F("max_parties", N_("Parties at most"), "number", help=N_("2–16")),
              F("announce", N_("Announce who joins and leaves"), "checkbox"),
          )),
    Table("queues", N_("Queues"), "queue", "number",
          columns=(("number", N_("Number")), ("name", N_("Name")), ("strategy", N_("Strategy")),
                   ("members", N_("Agents (penalty)")), ("max_len", N_("Max callers")),
                   ("service_level_s", N_("Service level (s)"))),
          sample={'number': '99'},
          kinds=(Kinds("exit_key", {"*": ("exit_key_dest",)}, clear=("exit_key_dest",)),
                 Kinds("callback_after_ms", {"0": (), "*": ("callback_retries", "callback_retry_ms",
                                                            "callback_class")}),
                 Kinds("announce_ms", {"0": (), "*": ("announce_position",)})),
          add_label=N_("Add a queue"),
          fields=(
              F("number", N_("Number"), required=True),
              F("name", N_("Name")),
              F("strategy", N_("Strategy"), "select", Q_STRATEGY),
              F("members", N_("Agents"), "members", _agents,
                help=N_("Penalty 0 is asked first; higher penalties only when nobody better is free")),
              F("ring_ms", N_("Ring an agent for (ms)"), "number"),
              F("retry_ms", N_("Pause before the next try (ms)"), "number"),
              F("wrapup_ms", N_("Wrap-up time after a call (ms)"), "number"),
              F("max_len", N_("Callers waiting at most (0 = no limit)"), "number"),
              F("max_wait_ms", N_("Longest wait (ms, 0 = no limit)"), "number"),
              F("exit_dest", N_("After the longest wait go to"), "dest", targets=targets(*ALL_DESTS), free=True,
                help=N_("Also when the queue is full or empty; a number as dialled; empty = hang up")),
              F("join_empty", N_("Callers may join with no agent logged in"), "checkbox"),
              F("leave_empty", N_("Callers leave when the last agent logs out"), "checkbox"),
              F("exit_key", N_("Key to leave the queue"), help=N_("One key 0-9, * or #; empty = none")),
              F("exit_key_dest", N_("The key goes to"), "dest", targets=targets(*ALL_DESTS), free=True),
              F("moh", N_("Music on hold")),
              F("announce_ms", N_("Announce every (ms, 0 = never)"), "number"),
              F("announce_position", N_("Tell callers their position"), "checkbox"),
              F("callback_after_ms", N_("Offer a call-back after (ms, 0 = never)"), "number"),
              F("callback_retries", N_("Call-back tries"), "number"),
              F("callback_retry_ms", N_("Between call-back tries (ms)"), "number"),
              F("callback_class", N_("Call-back numbers up to"), "select", ROUTE_CLASS),
              F("whisper", N_("Agents hear the queue name first"), "checkbox"),
              F("survey", N_("Satisfaction survey after the call"), "checkbox"),
              F("service_level_s", N_("Service level target (s)"), "number"),
              F("penalty_steps", N_("Widen to higher penalties"),
                help=N_("WAIT_MS:PENALTY pairs, e.g. 30000:1,60000:2")),
              F("sticky_days", N_("Remember the last agent for (days)"), "number"),
          )),
    Table("agents", N_("Agents"), "agent", "number",
          columns=(("number", N_("Number")), ("name", N_("Name")), ("pin", N_("PIN")),
                   ("rna_limit", N_("Missed calls before pause")), ("paid_hours", N_("Paid hours"))),
          sample={'number': '1'},
          add_label=N_("Add an agent"),
          fields=(
              F("number", N_("Agent number"), required=True),
              F("name", N_("Name")),
              F("pin", N_("PIN"), "secret", help=N_("Up to 8 digits, stored hashed: it is never shown")),
              F("rna_limit", N_("Unanswered calls before pause (0 = never)"), "number"),
              F("paid_hours", N_("Paid hours per day"), "number", help=N_("e.g. 8 or 7.5")),
          )),
    Table("supervisors", N_("Supervisors"), "supervisor", "number",
          columns=(("number", N_("Number")), ("name", N_("Name")), ("extension", N_("Desk phone")),
                   ("trust_extension", N_("No PIN at the desk")), ("queues", N_("Queues"))),
          sample={'number': '1', 'pin': '1234'},
          kinds=(Kinds("extension", {"*": ("trust_extension",)}, clear=("trust_extension",)),),
          add_label=N_("Add a supervisor"),
          fields=(
              F("number", N_("Supervisor number"), required=True),
              F("name", N_("Name")),
              F("pin", N_("PIN"), "secret", help=N_("Up to 8 digits, stored hashed: it is never shown")),
              F("extension", N_("Desk extension"), "select", _rows("extensions", "number", blank="—")),
              F("trust_extension", N_("No PIN needed from the desk extension"), "checkbox"),
              F("queues", N_("Queues supervised"), "multi", _queues, help=N_("None ticked = all queues")),
          )),
    Table("pause_reasons", N_("Pause reasons"), "pause_reason", "code",
          columns=(("code", N_("Code")), ("name", N_("Name"))),
          sample={'code': '1'},
          add_label=N_("Add a pause reason"),
          fields=(F("code", N_("Code"), required=True, help=N_("1–2 digits, dialled after *63")),
                  F("name", N_("Name")))),
    Table("vip_callers", N_("VIP callers"), "vip_caller", "number",
          columns=(("number", N_("Number")), ("priority", N_("Priority")), ("agent", N_("Owner agent")),
                   ("note", N_("Note"))),
          sample={'number': '1'},
          add_label=N_("Add a VIP caller"),
          fields=(
              F("number", N_("Caller number"), required=True),
              F("priority", N_("Priority"), "number", help=N_("0–100; higher waits less")),
              F("agent", N_("Owner agent"), "select", _rows("agents", "number", blank="—")),
              F("note", N_("Note")),
          )),
    Table("regions", N_("Caller regions"), "region", "prefix",
          columns=(("prefix", N_("Prefix")), ("area", N_("Area")), ("queue", N_("Queue")), ("agents", N_("Agents"))),
          sample={'prefix': '1'},
          add_label=N_("Add a region"),
          intro=N_("Callers whose number starts with a prefix go to the region's queue or agents "
                   "(queue strategy 'by caller region')."),
          fields=(
              F("prefix", N_("Number prefix"), required=True),
              F("area", N_("Area")),
              F("queue", N_("Queue"), "select", _rows("queues", "number", blank="—")),
              F("agents", N_("Agents"), "multi", _agents),
          )),
    Table("contacts", N_("Contacts"), "contact", "number",
          columns=(("number", N_("Number")), ("name", N_("Name")), ("note", N_("Note"))),
          sample={'number': '1'},
          add_label=N_("Add a contact"),
          fields=(F("number", N_("Number"), required=True), F("name", N_("Name")), F("note", N_("Note")))),
    Table("mailboxes", N_("Voicemail boxes"), "mailbox", "number",
          columns=(("number", N_("Number")), ("name", N_("Name")), ("kind", N_("Kind")), ("members", N_("Members")),
                   ("email", N_("Email")), ("enabled", N_("Enabled"))),
          sample={'number': '99'},
          kinds=(Kinds("kind", {"group": ("members",), "extension": ("own_phone_pin",)}, clear=("members",)),),
          add_label=N_("Add a voicemail box"),
          fields=(
              F("number", N_("Mailbox number"), required=True,
                help=N_("An extension's mailbox has the extension's number")),
              F("name", N_("Name")),
              F("kind", N_("Kind"), "select", (("extension", N_("an extension's")), ("group", N_("shared (group)")))),
              F("members", N_("Members"), "multi", _exts, help=N_("Only for shared mailboxes")),
              F("enabled", N_("Enabled"), "checkbox"),
              F("pin", N_("PIN"), help=N_("4–8 digits; empty = the mailbox number until the owner sets one")),
              F("email", N_("Email messages to"), "email"),
              F("attach", N_("Attach the recording"), "checkbox"),
              F("delete_after_email", N_("Delete after emailing"), "checkbox"),
              F("max_message_s", N_("Longest message (s)"), "number"),
              F("max_messages", N_("Messages kept at most"), "number"),
              F("own_phone_pin", N_("Ask the PIN on the owner's phone too"), "checkbox"),
          )),
]

BY_NAME = {t.name: t for t in TABLES}


# --------------------------------------------------------------------------- pages
REGION_CSV_MAX = 1_000_000           #: bytes of a region CSV upload at most
REGION_CSV_TYPES = (".csv", ".txt")


def install(app: Any, web: Any) -> None:
    """Pages of every table above, and the CSV import of caller regions."""
    import bottle

    from firmware.mgmt.client import MgmtError
    from webui.i18n import _
    from webui.pages.tables import CONFIG_ROLES, install_table
    from webui.render import render

    for t in TABLES:
        install_table(app, web, t, BY_NAME)

    def import_page(error: str = "", flash: Any = None, text: str = "") -> str:
        return render("config_regions_import", title=_("Import caller regions"), error=error, flash=flash,
                      text=text, max_kb=REGION_CSV_MAX // 1000)

    @app.get("/config/regions/_import", roles=CONFIG_ROLES)
    def regions_import_form() -> str:
        return import_page()

    @app.post("/config/regions/_import", roles=CONFIG_ROLES)
    def regions_import() -> str:
        up = bottle.request.files.get("file")
        text = bottle.request.forms.getunicode("csv", default="")
        if up is not None and up.raw_filename:
            if not up.raw_filename.lower().endswith(REGION_CSV_TYPES):
                bottle.response.status = 400
                return import_page(_("{name} is not a CSV file (.csv or .txt).").format(name=up.raw_filename))
            data = up.file.read(REGION_CSV_MAX + 1)
            if len(data) > REGION_CSV_MAX:
                bottle.response.status = 400
                return import_page(_("The file is larger than {kb} kB.").format(kb=REGION_CSV_MAX // 1000))
            text = ""
            for enc in ("utf-8-sig", "gb18030"):
                try:
                    text = data.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
            if not text or "\x00" in text:
                bottle.response.status = 400
                return import_page(_("The file is not CSV text (UTF-8 or GB18030)."))
        if not text.strip():
            bottle.response.status = 400
            return import_page(_("Choose a CSV file or paste the table."))
        if len(text.encode()) > REGION_CSV_MAX:
            bottle.response.status = 400
            return import_page(_("The table is larger than {kb} kB.").format(kb=REGION_CSV_MAX // 1000), text=text)
        replace = bool(bottle.request.forms.get("replace"))
        try:
            result = web.ask("acd.regions.import", csv=text, replace=replace)
        except MgmtError as e:
            bottle.response.status = 400
            return import_page(e.message, text=text)
        n = int(result.get("imported", 0)) if isinstance(result, dict) else 0
        with web.acting() as store:
            store.note_audit("import", "regions", "", f"{n} regions from CSV" + (" (replacing all)" if replace else ""))
        return import_page(flash=("", _("{n} regions imported.").format(n=n)))
