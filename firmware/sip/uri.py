"""SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966) and the ``;name=value`` parameter
lists they share with header fields; :class:`SipParseError`, the one error of the
parsing modules.

A :class:`SipUri` keeps the user part *unescaped* (``sip:%61lice@h`` has user
``alice``) and escapes again on ``str()``, so the text round-trips to an equivalent
URI; parameters and URI headers keep their text as received.
"""
from __future__ import annotations

import re
from typing import Iterator, Optional
from urllib.parse import quote, unquote

__all__ = ["SipParseError", "Params", "SipUri", "split_quoted", "format_host", "parse_hostport",
           "digits_only"]


class SipParseError(ValueError):
    """A SIP message or header value that cannot be understood.

    ``reason`` says in words what is wrong; ``status`` is the response a server should
    answer a request with (400 Bad Request unless something more precise applies:
    416 unsupported URI scheme, 505 version, 513 too large). ``message`` is the
    partly parsed :class:`~firmware.sip.message.SipMessage` when the start line and
    header lines could be read (so a UA can still build a 4xx response), else None.
    """

    def __init__(self, reason: str, status: int = 400, message: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.message = message


def split_quoted(text: str, sep: str) -> list[str]:
    """Split ``text`` at ``sep`` characters outside double quotes and ``<...>``.

    Backslash escapes inside quotes are honoured. Used for header lists (``,``) and
    parameter lists (``;``).
    """
    if '"' not in text and "<" not in text:
        return text.split(sep)               # nothing to protect: the common case
    parts: list[str] = []
    start = 0
    in_quote = False
    angle = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if in_quote:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_quote = False
        elif ch == '"':
            in_quote = True
        elif ch == "<":
            angle += 1
        elif ch == ">":
            angle = max(0, angle - 1)
        elif ch == sep and angle == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


class Params:
    """An ordered list of ``name[=value]`` parameters with case-insensitive names.

    ``value`` is None for a flag parameter (``;lr``, ``;rport``). Names keep the
    spelling they were given; ``str()`` gives ``;a=1;lr`` (empty string when empty).
    """

    __slots__ = ("_items",)

    def __init__(self, items: Optional[dict[str, Optional[str]] | "Params"] = None) -> None:
        self._items: dict[str, tuple[str, Optional[str]]] = {}
        if items:
            for k, v in items.items():
                self[k] = v

    @classmethod
    def parse(cls, text: str) -> "Params":
        """Parse ``;a=1;b`` (the leading ``;`` optional; spaces around ``;``/``=`` allowed)."""
        p = cls()
        text = text.strip()
        if text.startswith(";"):
            text = text[1:]
        if not text.strip():
            return p
        for part in split_quoted(text, ";"):
            part = part.strip()
            if not part:
                raise SipParseError(f"empty parameter in {text!r}")
            name, eq, value = part.partition("=")
            name = name.strip()
            if not name or not _TOKEN.fullmatch(name):
                raise SipParseError(f"bad parameter name {name!r} in {text!r}")
            p[name] = value.strip() if eq else None
        return p

    def __getitem__(self, name: str) -> Optional[str]:
        return self._items[name.lower()][1]

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        item = self._items.get(name.lower())
        return default if item is None else item[1]

    def __setitem__(self, name: str, value: Optional[str]) -> None:
        key = name.lower()
        old = self._items.get(key)
        self._items[key] = (old[0] if old else name, None if value is None else str(value))

    def __delitem__(self, name: str) -> None:
        del self._items[name.lower()]

    def pop(self, name: str, default: Optional[str] = None) -> Optional[str]:
        item = self._items.pop(name.lower(), None)
        return default if item is None else item[1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (n for n, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, Optional[str]]]:
        return list(self._items.values())

    def copy(self) -> "Params":
        p = Params()
        p._items = dict(self._items)
        return p

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Params):
            return NotImplemented
        return ({k: v for k, (_, v) in self._items.items()}
                == {k: v for k, (_, v) in other._items.items()})

    def __str__(self) -> str:
        return "".join(f";{n}" if v is None else f";{n}={v}" for n, v in self._items.values())

    def __repr__(self) -> str:
        return f"Params({str(self)!r})"


_TOKEN = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+")
_HOST = re.compile(r"[A-Za-z0-9\-._]+")
_IPV6 = re.compile(r"[0-9A-Fa-f:.]+")
# characters that may stand unescaped in the user / password part (RFC 3261 §25.1)
_USER_SAFE = "-_.!~*'()&=+$,;?/"
_PASSWORD_SAFE = "-_.!~*'()&=+$,"


def digits_only(text: str) -> bool:
    """True for a non-empty run of ASCII digits (str.isdigit() also accepts '²')."""
    return text.isascii() and text.isdigit()


def format_host(host: str) -> str:
    """``host`` as it appears in a URI or Via: IPv6 addresses get brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def parse_hostport(text: str, what: str = "host") -> tuple[str, Optional[int]]:
    """``host[:port]`` or ``[v6][:port]`` -> (host without brackets, port or None)."""
    text = text.strip()
    port_text = ""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise SipParseError(f"{what} {text!r}: IPv6 address has no closing ']'")
        host = text[1:end]
        rest = text[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise SipParseError(f"{what} {text!r}: unexpected {rest!r} after the IPv6 address")
            port_text = rest[1:]
        if not host or not _IPV6.fullmatch(host) or ":" not in host:
            raise SipParseError(f"{what} {text!r}: {host!r} is not an IPv6 address")
    else:
        host, colon, port_text = text.partition(":")
        if colon and not port_text:
            raise SipParseError(f"{what} {text!r}: empty port after ':'")
        if not host or not _HOST.fullmatch(host):
            raise SipParseError(f"{what} {text!r}: {host!r} is not a host name or address")
    port: Optional[int] = None
    if port_text:
        if not digits_only(port_text) or not 0 < int(port_text) <= 65535:
            raise SipParseError(f"{what} {text!r}: port {port_text!r} is not a number 1-65535")
        port = int(port_text)
    return host, port


class SipUri:
    """A ``sip:``, ``sips:`` or ``tel:`` URI.

    ``user`` and ``password`` are unescaped text; ``host`` has no IPv6 brackets;
    ``port`` is None when absent; ``params`` are the ``;`` URI parameters
    (``transport``, ``lr``, ``maddr``, ``user``...); ``headers`` the ``?a=b&c=d`` part
    (values as written, still escaped). For ``tel:`` the number is ``user`` and
    ``host`` is empty.
    """

    __slots__ = ("scheme", "user", "password", "host", "port", "params", "headers")

    def __init__(self, host: str = "", user: Optional[str] = None, port: Optional[int] = None,
                 scheme: str = "sip", password: Optional[str] = None,
                 params: Optional[Params | dict[str, Optional[str]]] = None,
                 headers: Optional[dict[str, str]] = None) -> None:
        self.scheme = scheme.lower()
        self.user = user
        self.password = password
        self.host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        self.port = port
        self.params = params.copy() if isinstance(params, Params) else Params(params)
        self.headers: dict[str, str] = dict(headers or {})

    # -- parsing / formatting
    @classmethod
    def parse(cls, text: str) -> "SipUri":
        """Parse a URI; raises :class:`SipParseError` naming the fault (416 for a
        scheme other than sip/sips/tel)."""
        text = text.strip()
        scheme, colon, rest = text.partition(":")
        if not colon or not scheme:
            raise SipParseError(f"URI {text!r} has no scheme (expected sip:, sips: or tel:)")
        scheme = scheme.lower()
        if scheme not in ("sip", "sips", "tel"):
            raise SipParseError(f"URI scheme {scheme!r} is not supported (only sip, sips, tel)", 416)
        if scheme == "tel":
            number, _, ptext = rest.partition(";")
            if not number:
                raise SipParseError(f"tel URI {text!r} has no number")
            return cls(scheme="tel", user=unquote(number), params=Params.parse(ptext))
        user = password = None
        at = rest.find("@")
        if at >= 0:
            userinfo, rest = rest[:at], rest[at + 1:]
            u, c, pw = userinfo.partition(":")
            if not u:
                raise SipParseError(f"URI {text!r} has an empty user part before '@'")
            user = unquote(u)
            password = unquote(pw) if c else None
        rest, q, htext = rest.partition("?")
        hostport, _, ptext = rest.partition(";")
        host, port = parse_hostport(hostport, f"URI {text!r}:")
        headers: dict[str, str] = {}
        if q:
            for pair in htext.split("&"):
                name, eq, value = pair.partition("=")
                if not name or not eq:
                    raise SipParseError(f"URI {text!r}: header {pair!r} is not name=value")
                headers[name] = value
        return cls(host=host, user=user, port=port, scheme=scheme, password=password,
                   params=Params.parse(ptext), headers=headers)

    def __str__(self) -> str:
        if self.scheme == "tel":
            return f"tel:{self.user or ''}{self.params}"
        out = [self.scheme, ":"]
        if self.user is not None:
            out.append(quote(self.user, safe=_USER_SAFE))
            if self.password is not None:
                out += [":", quote(self.password, safe=_PASSWORD_SAFE)]
            out.append("@")
        out.append(self.hostport)
        out.append(str(self.params))
        if self.headers:
            out.append("?" + "&".join(f"{k}={v}" for k, v in self.headers.items()))
        return "".join(out)

    def __repr__(self) -> str:
        return f"SipUri({str(self)!r})"

    # -- convenience
    @property
    def hostport(self) -> str:
        """``host[:port]`` with IPv6 brackets."""
        h = format_host(self.host)
        return h if self.port is None else f"{h}:{self.port}"

    @property
    def transport(self) -> str:
        """The ``transport`` parameter upper-cased; default UDP (TLS for sips)."""
        t = self.params.get("transport")
        if t:
            return t.upper()
        return "TLS" if self.scheme == "sips" else "UDP"

    def copy(self) -> "SipUri":
        return SipUri(host=self.host, user=self.user, port=self.port, scheme=self.scheme,
                      password=self.password, params=self.params, headers=self.headers)

    def __eq__(self, other: object) -> bool:
        """URI equivalence per RFC 3261 §19.1.4 (case-insensitive host/scheme/param
        names, user and password case-sensitive, parameters present in both compared;
        user/ttl/method/maddr/transport must match if present in either)."""
        if not isinstance(other, SipUri):
            return NotImplemented
        if (self.scheme, self.user, self.password, self.host.lower(), self.port) != \
                (other.scheme, other.user, other.password, other.host.lower(), other.port):
            return False
        for name in set(self.params) | set(other.params):
            a, b = name in self.params, name in other.params
            if a and b:
                va, vb = self.params[name], other.params[name]
                if (va or "").lower() != (vb or "").lower():
                    return False
            elif name.lower() in ("user", "ttl", "method", "maddr", "transport"):
                return False
        return {k.lower(): v for k, v in self.headers.items()} == \
            {k.lower(): v for k, v in other.headers.items()}

    def __hash__(self) -> int:
        return hash((self.scheme, self.user, self.host.lower(), self.port))
