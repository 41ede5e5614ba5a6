"""The configuration as frozen dataclasses: what the engine and routing read.

``ConfigStore.snapshot()`` returns a :class:`Config`, read in one transaction, so the
engine sees one consistent version while the web UI keeps editing.  Times are in ms.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Optional

from dsp.profiles import get_profile

from firmware.config.model_acd import (Agent, Contact, PauseReason, Queue, QueueMember,  # noqa: F401
                                       Region, Supervisor, VipCaller, region_for)

#: Emergency numbers built in per country (always routable, whatever the routes say);
#: ``112`` is added for every country.  ``settings.emergency_numbers`` adds more.
EMERGENCY_NUMBERS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "cn": ("110", "119", "120", "122"),
    "us": ("911",),
    "uk": ("999", "112"),
    "de": ("110", "112"),
})
EMERGENCY_EVERYWHERE = ("112",)

#: Outbound call classes, lowest first: an extension may use a route whose
#: ``call_class`` ranks at most its own ``outbound_class``.
CALL_CLASSES = ("internal", "local", "national", "international")


def class_allows(outbound_class: str, call_class: str) -> bool:
    """True if an extension of ``outbound_class`` may place a ``call_class`` call."""
    return CALL_CLASSES.index(outbound_class) >= CALL_CLASSES.index(call_class)


def builtin_emergency_numbers(country: str) -> tuple[str, ...]:
    """The emergency numbers of a country (plus 112), in a stable order."""
    out = list(EMERGENCY_NUMBERS.get(country, ()))
    out += [n for n in EMERGENCY_EVERYWHERE if n not in out]
    return tuple(out)


@dataclass(frozen=True)
class Extension:
    number: str                 #: 2-8 digits
    name: str
    kind: str                   #: "fxs" | "sip"
    port: Optional[str]         #: e.g. "fxs1" (kind fxs), None for sip
    outbound_class: str = "national"
    enabled: bool = True
    dnd: bool = False           #: do not disturb: callers get busy (or the busy forward)
    cfu: str = ""               #: forward all calls to this number ("" = off)
    cfb: str = ""               #: forward when busy / DND
    cfna: str = ""              #: forward when not answered within cfna_ring_ms
    cfna_ring_ms: int = 20000
    followme: str = ""          #: follow-me number, as dialled (e.g. "913800138000")
    followme_mode: str = "off"  #: off | after (desk first, followme_delay_ms) | together
    followme_delay_ms: int = 15000
    followme_confirm: bool = True  #: the outside leg must press 1 to take the call
    pickup_group: str = "default"
    pin: str = ""               #: for international calls / own settings ("" = none)
    max_outbound_calls: int = 0     #: concurrent outside calls (0 = no limit)
    max_outbound_minutes: int = 0   #: outside call minutes per day (0 = no limit)
    announce: bool = False      #: outside callers hear "agent number NNN is serving you" on answer
    secret: str = field(default="", repr=False)  #: SIP digest password ("" for FXS); never logged


@dataclass(frozen=True)
class TrunkGroup:
    name: str
    strategy: str = "in_order"  #: "in_order" | "round_robin"
    description: str = ""


@dataclass(frozen=True)
class Line:
    name: str                   #: e.g. "line1"
    port: str                   #: e.g. "fxo1"
    number: str = ""            #: the line's own number ("" = unknown)
    trunk_group: str = ""
    disconnect: str = "any"     #: far-end hang-up signals watched: any|busy|polarity|loop
    answer: str = "timer"       #: outbound answer supervision: polarity|timer
    answer_timer_ms: int = 0    #: ms after dialling ends until "answered" (0 = at once)
    dialtone_timeout_ms: int = 3000  #: ms to wait for dial tone before the next line is tried
    cid: str = "auto"           #: caller-ID decoding: auto|bell202|v23|dtmf|none
    enabled: bool = True


@dataclass(frozen=True)
class RingGroup:
    number: str
    name: str
    strategy: str = "ringall"   #: "ringall" | "hunt"
    ring_ms: int = 20000        #: ringall: total ring time; hunt: per member (ms)
    members: tuple[str, ...] = ()  #: extension numbers, in order
    no_answer_dest: str = ""    #: extension/ring group number, "" = give up (busy)


@dataclass(frozen=True)
class InboundRoute:
    id: int
    name: str
    line: str = ""              #: line name, "" = any line
    cid_prefix: str = ""        #: caller number prefix, "" = any caller
    dest_kind: str = "ring_group"  #: "extension" | "ring_group"
    dest: str = ""
    priority: int = 100         #: lower is tried first
    time_condition: str = ""    #: name of a TimeCondition ("" = always dest)
    night_dest_kind: str = ""   #: where calls go outside the time condition's hours
    night_dest: str = ""
    moh: str = ""               #: music-on-hold class for these callers ("" = default)
    did: str = ""               #: called number delivered by the line/trunk ("" = any number)

    def matches(self, line: str, caller: str, did: str = "") -> bool:
        """True for a call on ``line`` (line or SIP trunk name) from ``caller`` to ``did``
        (the called number the trunk delivered; "" when unknown, e.g. analog lines).
        A route with a ``did`` matches only that number; one without matches any."""
        return ((self.line in ("", line)) and (caller or "").startswith(self.cid_prefix)
                and self.did in ("", did or ""))


@dataclass(frozen=True)
class OutboundRoute:
    id: int
    name: str
    prefix: str                 #: digits dialled first (e.g. "9"), part of what is stripped
    pattern: str                #: dial pattern for the digits after the prefix
    strip: int                  #: digits removed from the front of the dialled string
    prepend: str = ""           #: digits put in front after stripping
    trunk_group: str = ""
    call_class: str = "national"
    priority: int = 100

    def translate(self, dialled: str) -> str:
        """The digits sent to the trunk for ``dialled`` (the whole string the user dialled)."""
        return self.prepend + dialled[self.strip:]


@dataclass(frozen=True)
class TimeCondition:
    name: str
    description: str = ""
    hours: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  #: weekday -> "HH:MM-HH:MM" spans
    holidays: bool = True       #: holidays count as closed
    override: str = "auto"      #: auto | day | night (manual override, feature code day_night)


@dataclass(frozen=True)
class Holiday:
    date: str                   #: "YYYY-MM-DD" or every year "MM-DD"
    name: str = ""


@dataclass(frozen=True)
class CallerListEntry:
    id: int
    list: str                   #: block | allow
    number: str
    match: str = "exact"        #: exact | prefix
    action: str = "hangup"      #: hangup | busy | prompt | ignore (block list only)
    note: str = ""


@dataclass(frozen=True)
class ConferenceRoom:
    number: str
    name: str = ""
    pin: str = ""
    admin_pin: str = ""         #: the organiser's PIN (may kick the last joiner)
    max_parties: int = 16
    announce: bool = True       #: join/leave tones


@dataclass(frozen=True)
class IvrMenu:
    """One menu as the engine reads it (nodes are clean dicts, see the module doc)."""
    number: str
    name: str = ""
    start: str = "main"
    nodes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    fallback: str = ""              #: number callers go to after loop_limit loops / failures ("" = hang up)
    loop_limit: int = 3             #: passes round a loop without input before the fallback
    direct_dial: tuple[str, ...] = ()  #: extension ranges callers may dial ("801-899", "600")
    operator: str = ""              #: key 0 goes here ("" = settings.operator)

    def allows_direct(self, number: str) -> bool:
        """``number`` is inside one of the ``direct_dial`` ranges."""
        for r in self.direct_dial:
            lo, _, hi = r.partition("-")
            hi = hi or lo
            if len(number) == len(lo) and lo <= number <= hi:
                return True
        return False



@dataclass(frozen=True)
class SipTrunk:
    """A SIP provider account (or another PBX) the box registers to and places/receives
    calls through.  Outbound routes reach it through its ``trunk_group``, like lines."""
    name: str
    host: str                   #: provider's proxy/registrar (name or IP)
    port: int = 5060
    transport: str = "udp"      #: udp | tcp
    username: str = ""          #: user in From / To of REGISTER
    auth_user: str = ""         #: digest user name ("" = username)
    password: str = field(default="", repr=False)
    realm: str = ""             #: only answer challenges of this realm ("" = any)
    domain: str = ""            #: SIP domain of our AOR ("" = host)
    register: bool = True       #: keep a registration up (off: IP-authenticated trunk)
    expires_s: int = 600        #: registration lifetime asked for (s)
    backup_host: str = ""       #: second provider server used when the first fails ("" = none)
    backup_port: int = 0        #: 0 = the same port as ``port``
    trunk_group: str = ""       #: "" = inbound only (no outbound route reaches it)
    cid_mode: str = "pai"       #: caller ID sent in: from | pai (P-Asserted-Identity) | both
    cid_number: str = ""        #: caller number sent ("" = the caller's own number)
    codecs: str = ""            #: "PCMA,PCMU" ("" = settings.sip_codecs / country default)
    max_channels: int = 0       #: concurrent calls (0 = no limit)
    enabled: bool = True

    @property
    def auth_username(self) -> str:
        """The user name for digest authentication."""
        return self.auth_user or self.username

    @property
    def sip_domain(self) -> str:
        """The domain of our address-of-record at the provider."""
        return self.domain or self.host

    def servers(self) -> tuple[tuple[str, int], ...]:
        """(host, port) to try in order: the main server, then the backup if any."""
        out = [(self.host, self.port)]
        if self.backup_host:
            out.append((self.backup_host, self.backup_port or self.port))
        return tuple(out)


@dataclass(frozen=True)
class Mailbox:
    """A voicemail box: an extension's own (``kind`` "extension", ``number`` = the
    extension) or a shared group mailbox whose ``members`` see its message-waiting light
    and may retrieve it.  ``pin`` "" = not set yet: the mailbox number is the PIN until
    the owner sets one at the first login (the menu insists)."""
    number: str
    name: str = ""
    kind: str = "extension"     #: extension | group
    members: tuple[str, ...] = ()
    enabled: bool = True
    pin: str = field(default="", repr=False)
    email: str = ""             #: new messages are emailed here ("" = no email)
    attach: bool = True         #: attach the WAV to the email
    delete_after_email: bool = False   #: delete the message once the email went out
    max_message_s: int = 180    #: longest message, s
    max_messages: int = 100     #: a full mailbox takes no more messages
    own_phone_pin: bool = True  #: ask the PIN also when retrieving from the own phone (*98)

    @property
    def owners(self) -> tuple[str, ...]:
        """Extensions whose phones show this mailbox's message-waiting indicator."""
        return (self.number,) if self.kind == "extension" else self.members


#: RTP payload names by companding law, the preferred first.
_LAW_CODECS = {"alaw": ("PCMA", "PCMU"), "ulaw": ("PCMU", "PCMA")}


def sip_codecs(config: "Config", trunk: Optional[SipTrunk] = None) -> list[str]:
    """The codecs offered/accepted, preferred first: the trunk's own list, else
    ``settings.sip_codecs``, else the country's law first (PCMA,PCMU for A-law countries
    such as cn/eu, PCMU,PCMA for the US)."""
    if trunk is not None and trunk.codecs:
        return trunk.codecs.split(",")
    configured = config.settings.get("sip_codecs", "")
    if configured:
        return configured.split(",")
    try:
        law = get_profile(config.country).companding
    except Exception:       # noqa: BLE001 - an unknown country still gets a usable order
        law = "alaw"
    return list(_LAW_CODECS.get(law, _LAW_CODECS["alaw"]))


def sip_bind(config: "Config") -> Optional[tuple[str, int]]:
    """``settings.sip_bind`` as (host, port); None when SIP is "off"."""
    v = config.settings.get("sip_bind", "0.0.0.0:5060")
    if v == "off":
        return None
    host, _, port = v.rpartition(":")
    return host.strip("[]"), int(port)


def sip_rtp_ports(config: "Config") -> tuple[int, int]:
    """``settings.sip_rtp_ports`` as (first, last) inclusive."""
    lo, _, hi = config.settings.get("sip_rtp_ports", "10000-20000").partition("-")
    return int(lo), int(hi)


def _natural_key(name: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


@dataclass(frozen=True)
class Config:
    """Everything in the config store at one ``version``.

    Tuples are ordered: extensions/ring groups by number, lines and trunk groups by
    name (natural order: line2 before line10), SIP trunks by name, routes by (priority, id).
    """
    version: int
    settings: Mapping[str, Any]
    extensions: tuple[Extension, ...] = ()
    trunk_groups: tuple[TrunkGroup, ...] = ()
    lines: tuple[Line, ...] = ()
    ring_groups: tuple[RingGroup, ...] = ()
    inbound_routes: tuple[InboundRoute, ...] = ()
    outbound_routes: tuple[OutboundRoute, ...] = ()
    time_conditions: tuple[TimeCondition, ...] = ()
    holidays: tuple[Holiday, ...] = ()
    caller_lists: tuple[CallerListEntry, ...] = ()
    conference_rooms: tuple[ConferenceRoom, ...] = ()
    sip_trunks: tuple[SipTrunk, ...] = ()
    queues: tuple[Queue, ...] = ()
    agents: tuple[Agent, ...] = ()
    pause_reasons: tuple[PauseReason, ...] = ()
    vip_callers: tuple[VipCaller, ...] = ()
    regions: tuple[Region, ...] = ()
    contacts: tuple[Contact, ...] = ()
    supervisors: tuple[Supervisor, ...] = ()
    mailboxes: tuple[Mailbox, ...] = ()
    ivr_menus: tuple[IvrMenu, ...] = ()
    _index: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        idx = self._index
        idx["ext"] = {e.number: e for e in self.extensions}
        idx["ext_port"] = {e.port: e for e in self.extensions if e.port}
        idx["line"] = {ln.name: ln for ln in self.lines}
        idx["line_port"] = {ln.port: ln for ln in self.lines}
        idx["tg"] = {t.name: t for t in self.trunk_groups}
        idx["rg"] = {r.number: r for r in self.ring_groups}
        idx["tc"] = {t.name: t for t in self.time_conditions}
        idx["room"] = {c.number: c for c in self.conference_rooms}
        idx["sip_trunk"] = {t.name: t for t in self.sip_trunks}
        idx["queue"] = {q.number: q for q in self.queues}
        idx["agent"] = {a.number: a for a in self.agents}
        idx["vip"] = {v.number: v for v in self.vip_callers}
        idx["contact"] = {c.number: c for c in self.contacts}
        idx["supervisor"] = {s.number: s for s in self.supervisors}
        idx["mbox"] = {m.number: m for m in self.mailboxes}
        vm: dict[str, str] = {}
        live = [m for m in self.mailboxes if m.enabled]
        if live:
            prefix, main = self.settings.get("voicemail_prefix", ""), self.settings.get("voicemail_main", "")
            if prefix:
                vm.update({prefix + m.number: m.number for m in live})
            if main:
                vm[main] = ""
        idx["vm"] = vm
        idx["ivr"] = {m.number: m for m in self.ivr_menus}

    # -- settings -------------------------------------------------------------
    def setting(self, key: str) -> Any:
        return self.settings[key]

    @property
    def country(self) -> str:
        return self.settings["country"]

    def emergency_numbers(self) -> tuple[str, ...]:
        """Built-in numbers of the country (and 112) plus ``settings.emergency_numbers``."""
        out = list(builtin_emergency_numbers(self.country))
        out += [n for n in self.settings.get("emergency_numbers", ()) if n not in out]
        return tuple(out)

    def is_emergency(self, number: str) -> bool:
        return number in self.emergency_numbers()

    # -- lookups --------------------------------------------------------------
    def extension(self, number: str) -> Optional[Extension]:
        return self._index["ext"].get(number)

    def extension_by_port(self, port: str) -> Optional[Extension]:
        return self._index["ext_port"].get(port)

    def line(self, name: str) -> Optional[Line]:
        return self._index["line"].get(name)

    def line_by_port(self, port: str) -> Optional[Line]:
        return self._index["line_port"].get(port)

    def trunk_group(self, name: str) -> Optional[TrunkGroup]:
        return self._index["tg"].get(name)

    def lines_in_group(self, trunk_group: str, enabled_only: bool = True) -> tuple[Line, ...]:
        """The lines of a trunk group in natural name order (line1, line2, ... line10)."""
        return tuple(ln for ln in self.lines
                     if ln.trunk_group == trunk_group and (ln.enabled or not enabled_only))

    def sip_trunk(self, name: str) -> Optional[SipTrunk]:
        return self._index["sip_trunk"].get(name)

    def sip_trunks_in_group(self, trunk_group: str, enabled_only: bool = True) -> tuple[SipTrunk, ...]:
        """The SIP trunks of a trunk group in natural name order."""
        return tuple(t for t in self.sip_trunks
                     if t.trunk_group == trunk_group and (t.enabled or not enabled_only))

    def sip_extensions(self) -> tuple[Extension, ...]:
        """The extensions of kind "sip" (enabled or not)."""
        return tuple(e for e in self.extensions if e.kind == "sip")

    def ring_group(self, number: str) -> Optional[RingGroup]:
        return self._index["rg"].get(number)

    def time_condition(self, name: str) -> Optional[TimeCondition]:
        return self._index["tc"].get(name)

    def conference_room(self, number: str) -> Optional[ConferenceRoom]:
        return self._index["room"].get(number)

    def mailbox(self, number: str) -> Optional[Mailbox]:
        """The mailbox ``number`` (enabled or not), or None."""
        return self._index["mbox"].get(number)

    def mailboxes_of(self, extension: str) -> tuple[Mailbox, ...]:
        """Enabled mailboxes whose message-waiting light shows on ``extension``'s phone."""
        return tuple(m for m in self.mailboxes if m.enabled and extension in m.owners)

    def voicemail_target(self, number: str) -> Optional[str]:
        """For a voicemail number: the mailbox it leaves messages in, "" for the voicemail
        main number (asks which mailbox); None for any other number."""
        return self._index["vm"].get(number)

    def voicemail_numbers(self) -> Mapping[str, str]:
        """Every voicemail number -> mailbox ("" = the main number)."""
        return MappingProxyType(self._index["vm"])
    def ivr_menu(self, number: str) -> Optional[IvrMenu]:
        return self._index["ivr"].get(number)

    def feature_code(self, name: str) -> str:
        return self.settings["feature_codes"].get(name, "")

    def destination_kind(self, number: str) -> Optional[str]:
        """"extension", "ring_group", "conference", "queue", "voicemail", "ivr" or None for an internal number."""
        if number in self._index["ext"]:
            return "extension"
        if number in self._index["rg"]:
            return "ring_group"
        if number in self._index["room"]:
            return "conference"
        if number in self._index["queue"]:
            return "queue"
        if number in self._index["vm"]:
            return "voicemail"
        if number in self._index["ivr"]:
            return "ivr"
        return None

    # -- call centre ------------------------------------------------------------
    def queue(self, number: str) -> Optional[Queue]:
        return self._index["queue"].get(number)

    def agent(self, number: str) -> Optional[Agent]:
        return self._index["agent"].get(number)

    def vip(self, caller: str) -> Optional[VipCaller]:
        return self._index["vip"].get(caller)

    def contact(self, number: str) -> Optional[Contact]:
        return self._index["contact"].get(number)

    def region(self, caller: str) -> Optional[Region]:
        """The caller's region by the longest matching prefix (None when none)."""
        return region_for(self.regions, caller)

    def supervisor(self, number: str) -> Optional[Supervisor]:
        return self._index["supervisor"].get(number)

    def queues_of(self, agent: str) -> tuple[Queue, ...]:
        """The queues ``agent`` is a member of."""
        return tuple(q for q in self.queues if any(m.agent == agent for m in q.members))

    def inbound_route_for(self, line: str, caller: str, did: str = "") -> Optional[InboundRoute]:
        """The first inbound route (by priority, id) matching a line or SIP trunk name, the
        caller number and the called number (``did``, "" when the line delivers none).
        Routes for that very called number are tried before routes for any number."""
        if did:
            for r in self.inbound_routes:
                if r.did and r.matches(line, caller, did):
                    return r
        for r in self.inbound_routes:
            if not r.did and r.matches(line, caller, did):
                return r
        return None
