"""Validation of the SIP part of the configuration: the ``sip_*`` settings, SIP trunk
rows, the SIP password of extensions, and the references between them and the rest
(trunk groups, inbound routes).  Called from validate.py; same rules: coerce form-style
text, return the clean value, or raise ConfigError naming ``table.column``."""
from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping, Optional

from firmware.config.errors import ConfigError
from firmware.config.fields import _bool, _choice, _int, _name, _text, _unknown_fields
from firmware.config.passwords import check_password, generate_password

CODECS = ("PCMA", "PCMU")
TRANSPORTS = ("udp", "tcp")
CID_MODES = ("from", "pai", "both")
SIP_DTMF = ("rfc4733", "info", "inband")
SIP_DIGESTS = ("MD5", "SHA-256")

#: Whole-number SIP settings: (low, high, unit) inclusive.
_INT_RANGES: Mapping[str, tuple[int, int, str]] = {
    "sip_register_min_expires_s": (10, 3600, " s"),
    "sip_register_max_expires_s": (60, 86400, " s"),
    "sip_max_contacts": (1, 20, ""),
    "sip_qualify_ms": (0, 3600000, " ms"),
    "sip_lockout_failures": (0, 1000, ""),
    "sip_lockout_window_ms": (1000, 86400000, " ms"),
    "sip_lockout_ms": (1000, 7 * 86400000, " ms"),
    "sip_jitter_min_ms": (0, 500, " ms"),
    "sip_jitter_max_ms": (20, 2000, " ms"),
}

_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_USER_RE = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=%-]{1,64}$")
_DID_RE = re.compile(r"^\+?\d{0,32}$")


# --------------------------------------------------------------------------- addresses
def check_host(field: str, value: Any) -> str:
    """A host name (``sip.example.com``), IPv4 or IPv6 address (brackets optional);
    returns it as written (IPv6 without brackets)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(field, "is required (a host name or IP address, e.g. sip.example.com)")
    v = value.strip()
    if v.startswith("[") and v.endswith("]"):
        v = v[1:-1]
    try:
        return str(ipaddress.ip_address(v))
    except ValueError:
        pass
    if ":" in v:
        raise ConfigError(field, f"{value!r} is not a host name or IP address (give the port in its own field)")
    name = v[:-1] if v.endswith(".") else v
    if len(name) > 253 or not all(_LABEL_RE.match(p) for p in name.split(".")) or name.replace(".", "").isdigit():
        raise ConfigError(field, f"{value!r} is not a host name or IP address")
    return v.lower()


def parse_hostport(field: str, value: Any, need_port: bool = True) -> tuple[str, Optional[int]]:
    """``"HOST:PORT"`` (IPv6 as ``[::1]:5060``) → (host, port); port None when absent
    and ``need_port`` is false."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(field, "is required (HOST:PORT, e.g. 0.0.0.0:5060)")
    v = value.strip()
    m = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?", v) or re.fullmatch(r"([^:]+)(?::(\d+))?", v)
    if not m:
        raise ConfigError(field, f"{value!r} is not HOST:PORT (IPv6 in brackets: [::1]:5060)")
    host = check_host(field, m.group(1))
    if m.group(2) is None:
        if need_port:
            raise ConfigError(field, f"{value!r} has no port (HOST:PORT, e.g. {host}:5060)")
        return host, None
    return host, _int(field, m.group(2), 1, 65535)


def _format_hostport(host: str, port: Optional[int]) -> str:
    h = f"[{host}]" if ":" in host else host
    return h if port is None else f"{h}:{port}"


def parse_port_range(field: str, value: Any) -> tuple[int, int]:
    """``"10000-20000"`` → (10000, 20000); at least 4 ports, all 1024–65535."""
    m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", value) if isinstance(value, str) else None
    if not m:
        raise ConfigError(field, f"{value!r} is not a port range like 10000-20000")
    lo, hi = int(m.group(1)), int(m.group(2))
    if not (1024 <= lo <= 65535 and 1024 <= hi <= 65535):
        raise ConfigError(field, f"{value!r}: ports must be within 1024–65535")
    if hi - lo < 3:
        raise ConfigError(field, f"{value!r}: the range needs at least 4 ports (2 per call: RTP and RTCP)")
    return lo, hi


def check_codecs(field: str, value: Any) -> str:
    """``"pcma, pcmu"`` → ``"PCMA,PCMU"``; ``""`` stays (= the country's default)."""
    if value is None or value == "":
        return ""
    if isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, str):
        items = [c for c in re.split(r"[\s,]+", value) if c]
    else:
        raise ConfigError(field, f"{value!r} is not a list of codecs ({', '.join(CODECS)})")
    out: list[str] = []
    for c in items:
        c = str(c).upper()
        if c in ("ALAW", "G711A"):
            c = "PCMA"
        elif c in ("ULAW", "G711U", "MULAW"):
            c = "PCMU"
        if c not in CODECS:
            raise ConfigError(field, f"{c!r} is not a supported codec (supported: {', '.join(CODECS)})")
        if c in out:
            raise ConfigError(field, f"{c} is listed twice")
        out.append(c)
    return ",".join(out)


def check_did(field: str, value: Any) -> str:
    """A called number as the trunk delivers it (digits, optional leading +), or ""."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _DID_RE.match(value.strip()):
        raise ConfigError(field, f"{value!r} is not a called number (digits, optionally starting with +; "
                                 "empty = any number)")
    return value.strip()


# --------------------------------------------------------------------------- settings
def sip_setting(key: str, value: Any) -> Any:
    """Check and normalise one ``sip_*`` setting."""
    f = f"settings.{key}"
    if key in _INT_RANGES:
        lo, hi, unit = _INT_RANGES[key]
        v = _int(f, value, lo, hi, unit)
        if key == "sip_qualify_ms" and 0 < v < 1000:
            raise ConfigError(f, f"{v} ms is too often; use 1000 ms or more (0 = do not qualify)")
        return v
    if key == "sip_bind":
        if isinstance(value, str) and value.strip().lower() == "off":
            return "off"
        return _format_hostport(*parse_hostport(f, value))
    if key == "sip_advertise":
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        if isinstance(value, str) and value.count(":") > 1 and not value.strip().startswith("["):
            return check_host(f, value)              # a bare IPv6 address
        host, port = parse_hostport(f, value, need_port=False)
        if port is not None:
            raise ConfigError(f, f"{value!r}: give the address only (the port is the one of sip_bind)")
        return host
    if key == "sip_realm":
        v = _text(f, value)
        if not v.strip():
            raise ConfigError(f, "must not be empty (phones show it when asking for the password)")
        if '"' in v or "\\" in v:
            raise ConfigError(f, 'must not contain " or \\')
        return v
    if key == "sip_codecs":
        return check_codecs(f, value)
    if key == "sip_rtp_ports":
        lo, hi = parse_port_range(f, value)
        return f"{lo}-{hi}"
    if key == "sip_dtmf":
        return _choice(f, value, SIP_DTMF)
    if key == "sip_auth_algorithms":
        names = [a.strip().upper() for a in _text(f, value).split(",") if a.strip()]
        bad = [a for a in names if a not in SIP_DIGESTS]
        if bad or not names or len(set(names)) != len(names):
            raise ConfigError(f, f"{value!r}: give MD5 and/or SHA-256, comma separated, "
                                 f"most preferred first (e.g. MD5,SHA-256)")
        return ",".join(names)
    raise AssertionError(key)  # pragma: no cover


def check_sip_settings(s: Mapping[str, Any]) -> None:
    """Checks between SIP settings (each one already clean)."""
    if s["sip_register_min_expires_s"] > s["sip_register_max_expires_s"]:
        raise ConfigError("settings.sip_register_min_expires_s",
                          f"{s['sip_register_min_expires_s']} s must not be longer than "
                          f"sip_register_max_expires_s ({s['sip_register_max_expires_s']} s)")
    if s["sip_jitter_min_ms"] >= s["sip_jitter_max_ms"]:
        raise ConfigError("settings.sip_jitter_min_ms",
                          f"{s['sip_jitter_min_ms']} ms must be less than sip_jitter_max_ms "
                          f"({s['sip_jitter_max_ms']} ms)")
    if s["sip_bind"] != "off":
        _, port = parse_hostport("settings.sip_bind", s["sip_bind"])
        lo, hi = parse_port_range("settings.sip_rtp_ports", s["sip_rtp_ports"])
        if lo <= port <= hi:
            raise ConfigError("settings.sip_rtp_ports",
                              f"{lo}-{hi} contains the SIP port {port} (settings.sip_bind); move one of them")


# --------------------------------------------------------------------------- rows
def extension_secret(number: str, kind: str, r: Mapping[str, Any]) -> str:
    """The clean ``secret`` of an extension row: SIP extensions get a generated one when
    none is given; FXS extensions have none."""
    f = "extensions.secret"
    secret = r.get("secret")
    if kind != "sip":
        if secret:
            raise ConfigError(f, f"extension {number} is an FXS extension and takes no SIP password")
        return ""
    if secret is None or secret == "":
        return generate_password()
    return check_password(f, secret, number)


SIP_TRUNK_FIELDS = ("name", "host", "port", "transport", "username", "auth_user", "password", "realm",
                    "domain", "register", "expires_s", "backup_host", "backup_port", "trunk_group",
                    "cid_mode", "cid_number", "codecs", "max_channels", "enabled")


def sip_trunk(r: Mapping[str, Any]) -> dict:
    """Check one row of ``sip_trunks``."""
    t = "sip_trunks"
    _unknown_fields(t, r, SIP_TRUNK_FIELDS)
    if not r.get("name"):
        raise ConfigError(f"{t}.name", "is required (a short name such as 'provider1')")
    name = _name(f"{t}.name", r.get("name"))
    username = r.get("username", "") or ""
    if isinstance(username, int) and not isinstance(username, bool):
        username = str(username)
    if username and (not isinstance(username, str) or not _USER_RE.match(username)):
        raise ConfigError(f"{t}.username", f"{username!r} is not a SIP user name (letters, digits and . _ - + "
                                           "and no spaces or @)")
    auth_user = r.get("auth_user", "") or ""
    if isinstance(auth_user, int) and not isinstance(auth_user, bool):
        auth_user = str(auth_user)
    if auth_user and (not isinstance(auth_user, str) or not _USER_RE.match(auth_user)):
        raise ConfigError(f"{t}.auth_user", f"{auth_user!r} is not a user name (no spaces or @)")
    password = r.get("password", "") or ""
    if isinstance(password, int) and not isinstance(password, bool):
        password = str(password)
    password = _text(f"{t}.password", password, 128)
    register = _bool(f"{t}.register", r.get("register", True))
    if register and not username:
        raise ConfigError(f"{t}.username", f"SIP trunk {name} registers to the provider and needs the "
                                           "user name the provider gave (or set register off for an "
                                           "IP-authenticated trunk)")
    backup_host = r.get("backup_host", "") or ""
    backup_host = check_host(f"{t}.backup_host", backup_host) if backup_host else ""
    backup_port = r.get("backup_port", 0)
    backup_port = 0 if backup_port in (None, "") else _int(f"{t}.backup_port", backup_port, 0, 65535)
    domain = r.get("domain", "") or ""
    cid_number = r.get("cid_number", "") or ""
    if isinstance(cid_number, int) and not isinstance(cid_number, bool):
        cid_number = str(cid_number)
    if cid_number and (not isinstance(cid_number, str) or not re.fullmatch(r"\+?\d{1,20}", cid_number)):
        raise ConfigError(f"{t}.cid_number", f"{cid_number!r} is not a phone number (digits, optional +; "
                                             "empty = the caller's own number)")
    realm = _text(f"{t}.realm", r.get("realm", "") or "")
    if '"' in realm or "\\" in realm:
        raise ConfigError(f"{t}.realm", 'must not contain " or \\')
    return {
        "name": name,
        "host": check_host(f"{t}.host", r.get("host")),
        "port": _int(f"{t}.port", r.get("port", 5060) if r.get("port") not in (None, "") else 5060, 1, 65535),
        "transport": _choice(f"{t}.transport", str(r.get("transport", "udp") or "udp").lower(), TRANSPORTS),
        "username": username,
        "auth_user": auth_user,
        "password": password,
        "realm": realm,
        "domain": check_host(f"{t}.domain", domain) if domain else "",
        "register": register,
        "expires_s": _int(f"{t}.expires_s", r.get("expires_s", 600), 60, 86400, " s"),
        "backup_host": backup_host,
        "backup_port": backup_port,
        "trunk_group": _text(f"{t}.trunk_group", r.get("trunk_group", "") or ""),
        "cid_mode": _choice(f"{t}.cid_mode", r.get("cid_mode", "pai") or "pai", CID_MODES),
        "cid_number": cid_number,
        "codecs": check_codecs(f"{t}.codecs", r.get("codecs", "")),
        "max_channels": _int(f"{t}.max_channels", r.get("max_channels", 0), 0, 1000),
        "enabled": _bool(f"{t}.enabled", r.get("enabled", True)),
    }


# --------------------------------------------------------------------------- references
def check_sip_references(state: Mapping[str, Any], trunk_groups: Mapping[str, Any],
                         lines: Mapping[str, Any]) -> dict:
    """SIP trunks against trunk groups and lines; returns name -> trunk row."""
    trunks: dict = {}
    for tr in state.get("sip_trunks", ()):
        n = tr["name"]
        if n in trunks:
            raise ConfigError("sip_trunks.name", f"SIP trunk {n!r} is listed twice")
        if n in lines:
            raise ConfigError("sip_trunks.name", f"{n!r} is already the name of line {n} (inbound routes name "
                                                 "lines and SIP trunks alike, so the names must differ)")
        if tr["trunk_group"] and tr["trunk_group"] not in trunk_groups:
            raise ConfigError("sip_trunks.trunk_group", f"no trunk group {tr['trunk_group']!r} "
                                                        f"(known: {', '.join(trunk_groups) or 'none'})")
        trunks[n] = tr
    return trunks


def references_to_sip_trunk(state: Mapping[str, Any], name: str) -> list[str]:
    """What still uses SIP trunk ``name``."""
    return [f"inbound route {r['id']} ({r['name']}) is for this trunk"
            for r in state["inbound_routes"] if r["line"] == name]
