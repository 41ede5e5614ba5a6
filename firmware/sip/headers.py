"""Structured SIP header values: header names (compact forms), Via, name-addr /
addr-spec (From, To, Contact, Route...), CSeq (RFC 3261 §7.3, §20, §25.1).

Every ``parse`` raises :class:`~firmware.sip.uri.SipParseError` naming the header and
what is wrong; every ``str()`` gives the wire form.
"""
from __future__ import annotations

import re
from typing import Optional

from firmware.sip.uri import (Params, SipParseError, SipUri, digits_only, format_host, parse_hostport,
                              split_quoted)

__all__ = ["COMPACT_FORMS", "canonical_name", "Via", "Address", "CSeq", "split_list",
           "MAGIC_COOKIE"]

MAGIC_COOKIE = "z9hG4bK"   #: RFC 3261 branch prefix (§8.1.1.7)

#: compact header names (RFC 3261 §7.3.3 and the extensions that define one)
COMPACT_FORMS: dict[str, str] = {
    "a": "Accept-Contact", "b": "Referred-By", "c": "Content-Type", "d": "Request-Disposition",
    "e": "Content-Encoding", "f": "From", "i": "Call-ID", "j": "Reject-Contact",
    "k": "Supported", "l": "Content-Length", "m": "Contact", "n": "Identity-Info",
    "o": "Event", "r": "Refer-To", "s": "Subject", "t": "To", "u": "Allow-Events",
    "v": "Via", "x": "Session-Expires", "y": "Identity",
}

# spelling of names that str.title() would get wrong or that are common enough to list
_CANONICAL = {n.lower(): n for n in (
    "Call-ID", "CSeq", "WWW-Authenticate", "Proxy-Authenticate", "Proxy-Authorization",
    "Authorization", "Authentication-Info", "Max-Forwards", "Record-Route", "Route",
    "Content-Length", "Content-Type", "Content-Encoding", "Content-Disposition",
    "Content-Language", "MIME-Version", "Min-Expires", "Min-SE", "Session-Expires",
    "User-Agent", "Allow-Events", "Subscription-State", "Refer-To", "Referred-By",
    "Replaces", "P-Asserted-Identity", "P-Preferred-Identity", "Remote-Party-ID",
    "RAck", "RSeq", "Accept-Encoding", "Accept-Language", "Alert-Info", "Call-Info",
    "Error-Info", "In-Reply-To", "Reply-To", "Retry-After", "SIP-ETag", "SIP-If-Match",
    "Identity-Info", "Request-Disposition", "Accept-Contact", "Reject-Contact",
    "Proxy-Require", "Path", "Service-Route", "Security-Client", "Security-Server",
)}

_TOKEN = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+")


def canonical_name(name: str) -> str:
    """The full, conventionally spelled header name: ``v`` -> ``Via``,
    ``call-id`` -> ``Call-ID``; unknown names are kept as written."""
    if len(name) == 1:
        full = COMPACT_FORMS.get(name.lower())
        if full:
            return full
    low = name.lower()
    known = _CANONICAL.get(low)
    if known:
        return known
    if low in _SIMPLE:
        return _SIMPLE[low]
    return name


_SIMPLE = {n.lower(): n for n in (
    "Via", "From", "To", "Contact", "Expires", "Allow", "Supported", "Require",
    "Unsupported", "Accept", "Event", "Subject", "Priority", "Organization", "Server",
    "Timestamp", "Warning", "Date", "Reason", "Privacy", "Diversion",
)}


def split_list(value: str) -> list[str]:
    """Split a comma-separated header value into its elements (commas inside quotes or
    ``<...>`` do not split); blank elements are dropped."""
    return [p.strip() for p in split_quoted(value, ",") if p.strip()]


class Via:
    """One Via header element (RFC 3261 §20.42, RFC 3581 rport).

    ``transport`` is upper-case (UDP, TCP, TLS...); ``host`` has no IPv6 brackets;
    ``port`` is None when the sent-by has none. ``params`` holds the rest; the common
    ones have properties. ``rport`` is None when absent or present without value
    (``rport_requested`` tells them apart), else the port number.
    """

    __slots__ = ("protocol", "transport", "host", "port", "params")

    def __init__(self, transport: str, host: str, port: Optional[int] = None,
                 params: Optional[Params | dict[str, Optional[str]]] = None,
                 protocol: str = "SIP/2.0") -> None:
        self.protocol = protocol
        self.transport = transport.upper()
        self.host = host
        self.port = port
        self.params = params.copy() if isinstance(params, Params) else Params(params)

    @classmethod
    def parse(cls, value: str) -> "Via":
        """Parse one Via element (use :meth:`parse_list` for a whole header value)."""
        m = _VIA.match(value)
        if not m:
            raise SipParseError(f"Via {value.strip()!r} is not 'SIP/2.0/<transport> host[:port]'")
        name, version, transport, rest = m.groups()
        rest = rest.strip()
        # sent-by ends at the first ';' (params) - IPv6 brackets hold no ';'
        semi = rest.find(";")
        sent_by, ptext = (rest, "") if semi < 0 else (rest[:semi], rest[semi:])
        # RFC 3261 allows a comment after the params; we do not (nobody sends them)
        host, port = parse_hostport(sent_by.strip(), "Via sent-by")
        try:
            params = Params.parse(ptext)
        except SipParseError as e:
            raise SipParseError(f"Via {value.strip()!r}: {e.reason}") from None
        return cls(transport, host, port, params, protocol=f"{name.upper()}/{version}")

    @classmethod
    def parse_list(cls, value: str) -> list["Via"]:
        """All Via elements of one header value (``Via: a, b``)."""
        return [cls.parse(v) for v in split_list(value)]

    def __str__(self) -> str:
        sent_by = format_host(self.host)
        if self.port is not None:
            sent_by += f":{self.port}"
        return f"{self.protocol}/{self.transport} {sent_by}{self.params}"

    def __repr__(self) -> str:
        return f"Via({str(self)!r})"

    def copy(self) -> "Via":
        return Via(self.transport, self.host, self.port, self.params, self.protocol)

    # -- common parameters
    @property
    def branch(self) -> Optional[str]:
        return self.params.get("branch")

    @branch.setter
    def branch(self, value: str) -> None:
        self.params["branch"] = value

    @property
    def received(self) -> Optional[str]:
        return self.params.get("received")

    @received.setter
    def received(self, value: Optional[str]) -> None:
        if value is None:
            self.params.pop("received")
        else:
            self.params["received"] = value

    @property
    def maddr(self) -> Optional[str]:
        return self.params.get("maddr")

    @property
    def rport_requested(self) -> bool:
        """True when the rport parameter is present (with or without a value)."""
        return "rport" in self.params

    @property
    def rport(self) -> Optional[int]:
        v = self.params.get("rport")
        return int(v) if v and digits_only(v) else None

    @rport.setter
    def rport(self, value: Optional[int]) -> None:
        """Set ``rport=value``; None leaves a bare ``;rport`` (the client's request)."""
        self.params["rport"] = None if value is None else str(int(value))

    @property
    def sent_by(self) -> tuple[str, int]:
        """(host, port) of the sent-by, port defaulted (5061 for TLS, else 5060)."""
        return self.host.lower(), self.port or (5061 if self.transport == "TLS" else 5060)

    @property
    def is_rfc3261(self) -> bool:
        """True when the branch carries the RFC 3261 magic cookie."""
        b = self.branch
        return bool(b) and b.startswith(MAGIC_COOKIE)


_VIA = re.compile(r"\s*([A-Za-z]+)\s*/\s*([0-9.]+)\s*/\s*([A-Za-z0-9\-]+)\s+(\S.*)$", re.S)


class Address:
    """A name-addr or addr-spec with header parameters: From, To, Contact, Route,
    Record-Route, Refer-To... (RFC 3261 §20.10, §25.1).

    ``display`` is the display name without quotes (None when absent); ``uri`` the
    :class:`SipUri`; ``params`` the header parameters after the address (``tag``,
    ``expires``, ``q``...). ``str()`` always writes the ``<uri>`` form.
    """

    __slots__ = ("display", "uri", "params")

    def __init__(self, uri: SipUri, display: Optional[str] = None,
                 params: Optional[Params | dict[str, Optional[str]]] = None) -> None:
        self.uri = uri
        self.display = display
        self.params = params.copy() if isinstance(params, Params) else Params(params)

    @classmethod
    def parse(cls, value: str, header: str = "address") -> "Address":
        """Parse one address; ``header`` names the field in error messages."""
        s = value.strip()
        if not s:
            raise SipParseError(f"{header} is empty")
        display: Optional[str] = None
        try:
            if s.startswith('"'):
                i, out = 1, []
                while True:
                    if i >= len(s):
                        raise SipParseError(f"{header} {value.strip()!r}: display name has no closing quote")
                    ch = s[i]
                    if ch == "\\" and i + 1 < len(s):
                        out.append(s[i + 1])
                        i += 2
                        continue
                    if ch == '"':
                        break
                    out.append(ch)
                    i += 1
                display = "".join(out)
                s = s[i + 1:].lstrip()
                if not s.startswith("<"):
                    raise SipParseError(f"{header} {value.strip()!r}: '<uri>' expected after the display name")
            lt = s.find("<")
            if lt >= 0:
                if lt > 0:
                    display = " ".join(s[:lt].split()) or None
                gt = s.find(">", lt)
                if gt < 0:
                    raise SipParseError(f"{header} {value.strip()!r}: '<' has no closing '>'")
                uri = SipUri.parse(s[lt + 1:gt])
                ptext = s[gt + 1:].strip()
                if ptext and not ptext.startswith(";"):
                    raise SipParseError(f"{header} {value.strip()!r}: unexpected {ptext!r} after '>'")
                params = Params.parse(ptext)
            else:
                # addr-spec: parameters after ';' belong to the header, not the URI
                utext, _, ptext = s.partition(";")
                if " " in utext.strip():
                    raise SipParseError(f"{header} {value.strip()!r}: a display name needs <uri>")
                uri = SipUri.parse(utext)
                params = Params.parse(ptext)
        except SipParseError as e:
            if e.reason.startswith(header):
                raise
            raise SipParseError(f"{header} {value.strip()!r}: {e.reason}") from None
        return cls(uri, display, params)

    @classmethod
    def parse_list(cls, value: str, header: str = "address") -> list["Address"]:
        """Every address of a comma-separated header value (Contact, Route...).
        A ``Contact: *`` is not an address: check for it before calling."""
        return [cls.parse(v, header) for v in split_list(value)]

    def __str__(self) -> str:
        out = ""
        if self.display is not None:
            esc = self.display.replace("\\", "\\\\").replace('"', '\\"')
            out = f'"{esc}" '
        return f"{out}<{self.uri}>{self.params}"

    def __repr__(self) -> str:
        return f"Address({str(self)!r})"

    def copy(self) -> "Address":
        return Address(self.uri.copy(), self.display, self.params)

    @property
    def tag(self) -> Optional[str]:
        return self.params.get("tag")

    @tag.setter
    def tag(self, value: Optional[str]) -> None:
        if value is None:
            self.params.pop("tag")
        else:
            self.params["tag"] = value


class CSeq:
    """The CSeq header: sequence ``number`` (0 .. 2**31-1) and ``method``."""

    __slots__ = ("number", "method")

    def __init__(self, number: int, method: str) -> None:
        self.number = number
        self.method = method

    @classmethod
    def parse(cls, value: str) -> "CSeq":
        parts = value.split()
        if len(parts) != 2:
            raise SipParseError(f"CSeq {value.strip()!r} is not '<number> <method>'")
        num, method = parts
        if not digits_only(num) or int(num) >= 2 ** 31:
            raise SipParseError(f"CSeq number {num!r} is not a whole number below 2**31")
        if not _TOKEN.fullmatch(method):
            raise SipParseError(f"CSeq method {method!r} is not a token")
        return cls(int(num), method)

    def __str__(self) -> str:
        return f"{self.number} {self.method}"

    def __repr__(self) -> str:
        return f"CSeq({self.number}, {self.method!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CSeq):
            return NotImplemented
        return (self.number, self.method) == (other.number, other.method)
