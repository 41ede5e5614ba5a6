"""SIP requests and responses: parsing, serialising, building (RFC 3261 §7, §8, §18.3).

* :func:`parse` turns one datagram / framed message into a :class:`SipRequest` or
  :class:`SipResponse`, or raises :class:`SipParseError` saying what is wrong (and with
  which status a request should be refused). :class:`StreamParser` frames a TCP byte
  stream by Content-Length and answers RFC 5626 CRLF keep-alives.
* ``bytes(msg)`` / ``msg.encode()`` give the wire form with a correct Content-Length.
* :func:`make_response`, :func:`make_ack`, :func:`make_cancel`, :func:`make_error_response`
  build the messages the RFC derives from a request; :func:`new_branch`, :func:`new_tag`,
  :func:`new_call_id` make the random identifiers.

Headers are kept in order, as ``(name, value)`` pairs with the full conventional name
(compact forms expanded, lookups case-insensitive); unknown headers are kept as they
came. Structured views (:attr:`SipMessage.vias`, ``cseq``, ``from_addr``...) parse the
text on access, so editing the text (``set``/``add``) is always the truth.
"""
from __future__ import annotations

import functools
import re
import secrets
from typing import Any, Callable, Iterable, NamedTuple, Optional, Union

from firmware.sip.headers import (MAGIC_COOKIE, Address, CSeq, Via, canonical_name,
                                  split_list)
from firmware.sip.uri import Params, SipParseError, SipUri, digits_only

__all__ = ["SipMessage", "SipRequest", "SipResponse", "SipParseError", "SipFramingError",
           "Target", "parse", "StreamParser", "make_response", "make_ack", "make_cancel",
           "make_error_response", "response_target", "new_branch", "new_tag", "new_call_id",
           "REASONS", "MAX_MESSAGE", "Via", "Address", "CSeq", "SipUri", "Params"]

MAX_MESSAGE = 65536        #: largest message accepted or sent, bytes (64 KiB)

REASONS: dict[int, str] = {
    100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued",
    183: "Session Progress", 199: "Early Dialog Terminated",
    200: "OK", 202: "Accepted", 204: "No Notification",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Moved Temporarily",
    305: "Use Proxy", 380: "Alternative Service",
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Timeout", 410: "Gone",
    412: "Conditional Request Failed", 413: "Request Entity Too Large",
    414: "Request-URI Too Long", 415: "Unsupported Media Type",
    416: "Unsupported URI Scheme", 420: "Bad Extension", 421: "Extension Required",
    422: "Session Interval Too Small", 423: "Interval Too Brief",
    428: "Use Identity Header", 429: "Provide Referrer Identity", 439: "First Hop Lacks Outbound Support",
    480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist",
    482: "Loop Detected", 483: "Too Many Hops", 484: "Address Incomplete", 485: "Ambiguous",
    486: "Busy Here", 487: "Request Terminated", 488: "Not Acceptable Here",
    489: "Bad Event", 491: "Request Pending", 493: "Undecipherable",
    494: "Security Agreement Required",
    500: "Server Internal Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Server Time-out", 505: "Version Not Supported",
    513: "Message Too Large", 580: "Precondition Failure",
    600: "Busy Everywhere", 603: "Decline", 604: "Does Not Exist Anywhere",
    606: "Not Acceptable",
}

Addr = tuple[str, int]


class Target(NamedTuple):
    """Where a message goes or came from: transport name (``UDP``, ``TCP``, ``TLS``)
    and the peer's IP address and port."""

    transport: str
    host: str
    port: int

    @property
    def addr(self) -> Addr:
        return (self.host, self.port)

    @property
    def reliable(self) -> bool:
        """True for stream transports: no retransmissions, zero wait timers."""
        return self.transport.upper() != "UDP"


class SipFramingError(SipParseError):
    """A byte stream that can no longer be split into messages: the connection must
    be closed (no empty line within 64 KiB, unreadable or too large Content-Length)."""


# headers that may appear only once
_SINGLE = ("To", "From", "Call-ID", "CSeq", "Max-Forwards", "Content-Length")
_MANDATORY_REQUEST = ("To", "From", "Call-ID", "CSeq", "Via", "Max-Forwards")
_MANDATORY_RESPONSE = ("To", "From", "Call-ID", "CSeq", "Via")
_TOKEN = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+")
_NONE: list[str] = []


@functools.lru_cache(maxsize=512)
def _key(name: str) -> str:
    return canonical_name(name).lower()


class SipMessage:
    """What requests and responses share: ordered headers, a body, and ``source``
    (the :class:`Target` a received message came from; None for locally built ones).
    """

    __slots__ = ("_headers", "body", "source", "_index", "_views")

    def __init__(self, headers: Optional[Iterable[tuple[str, str]]] = None,
                 body: bytes = b"") -> None:
        self._headers: list[tuple[str, str]] = []
        self.body = bytes(body)
        self.source: Optional[Target] = None
        self._index: Optional[dict[str, list[str]]] = None   #: lower-case name -> values
        self._views: dict[str, Any] = {}                      #: parsed header views
        for name, value in headers or ():
            self.add(name, value)

    def _changed(self) -> None:
        """Headers were edited: forget the index and the parsed views."""
        self._index = None
        if self._views:
            self._views = {}

    def _values(self, k: str) -> list[str]:
        idx = self._index
        if idx is None:
            idx = {}
            for n, v in self._headers:
                idx.setdefault(n.lower(), []).append(v)
            self._index = idx
        return idx.get(k, _NONE)

    def _view(self, key: str, make: Callable[[], Any]) -> Any:
        """A parsed header view, parsed once per version of the headers (parse errors
        are not cached: they are raised again on every access)."""
        v = self._views.get(key)
        if v is None:
            v = self._views[key] = make()
        return v

    # -- raw header access
    @property
    def headers(self) -> list[tuple[str, str]]:
        """A copy of all headers, in order, as ``(name, value)`` (Content-Length
        included only if it was received; ``encode()`` writes the right one)."""
        return list(self._headers)

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of header ``name`` (any case or compact form) or ``default``."""
        vals = self._values(_key(name))
        return vals[0] if vals else default

    def get_all(self, name: str) -> list[str]:
        """Every header line's value of ``name``, in order (not split at commas)."""
        return list(self._values(_key(name)))

    def get_list(self, name: str) -> list[str]:
        """Every element of a list header (Via, Route, Supported...), split at commas
        across all its lines. Not for headers whose values hold commas (Date, auth)."""
        out: list[str] = []
        for v in self.get_all(name):
            out += split_list(v)
        return out

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def add(self, name: str, value: str) -> None:
        """Append a header line (after any others)."""
        self._headers.append((canonical_name(name), str(value).strip()))
        self._changed()

    def prepend(self, name: str, value: str) -> None:
        """Insert a header line before the first line of the same name (or at the top)."""
        k = _key(name)
        for i, (n, _) in enumerate(self._headers):
            if n.lower() == k:
                break
        else:
            i = 0
        self._headers.insert(i, (canonical_name(name), str(value).strip()))
        self._changed()

    def set(self, name: str, value: str) -> None:
        """Replace every line of ``name`` by one line (where the first one was)."""
        k = _key(name)
        idx = [i for i, (n, _) in enumerate(self._headers) if n.lower() == k]
        if not idx:
            self.add(name, value)
            return
        self._headers[idx[0]] = (canonical_name(name), str(value).strip())
        for i in reversed(idx[1:]):
            del self._headers[i]
        self._changed()

    def remove(self, name: str) -> int:
        """Remove every line of ``name``; returns how many there were."""
        k = _key(name)
        before = len(self._headers)
        self._headers = [(n, v) for n, v in self._headers if n.lower() != k]
        self._changed()
        return before - len(self._headers)

    # -- structured views (parsed on access)
    @property
    def call_id(self) -> str:
        return self.get("Call-ID") or ""

    # Views are parsed once per version of the headers; Address and Via are mutable, so
    # callers get a copy (cheaper than parsing again) and may change it freely.
    @property
    def cseq(self) -> CSeq:
        c = self._view("cseq", lambda: CSeq.parse(self.get("CSeq") or ""))
        return CSeq(c.number, c.method)

    @property
    def from_addr(self) -> Address:
        return self._view("from", lambda: Address.parse(self.get("From") or "", "From")).copy()

    @property
    def to_addr(self) -> Address:
        return self._view("to", lambda: Address.parse(self.get("To") or "", "To")).copy()

    @property
    def from_tag(self) -> Optional[str]:
        return self._view("from", lambda: Address.parse(self.get("From") or "", "From")).tag

    @property
    def to_tag(self) -> Optional[str]:
        return self._view("to", lambda: Address.parse(self.get("To") or "", "To")).tag

    @property
    def vias(self) -> list[Via]:
        """Every Via element, top first."""
        return [v.copy() for v in self._view("vias", lambda: [Via.parse(v) for v in self.get_list("Via")])]

    @property
    def top_via(self) -> Via:
        """The first Via element; SipParseError when there is none."""
        def top() -> Via:
            first = self.get("Via")
            if first is None:
                raise SipParseError("message has no Via header")
            vias = split_list(first)
            if not vias:
                raise SipParseError("the Via header is empty")
            return Via.parse(vias[0])
        return self._view("top_via", top).copy()

    def set_top_via(self, via: Via) -> None:
        """Replace the first Via element (other elements on the same line are kept)."""
        self._edit_first_via(lambda rest: [str(via)] + rest[1:])

    def push_via(self, via: Via) -> None:
        """Add ``via`` above all others (what a request gets when sent)."""
        self.prepend("Via", str(via))

    def pop_via(self) -> Via:
        """Remove and return the top Via element."""
        top = self.top_via
        self._edit_first_via(lambda rest: rest[1:])
        return top

    def _edit_first_via(self, edit: Callable[[list[str]], list[str]]) -> None:
        for i, (n, v) in enumerate(self._headers):
            if n == "Via":
                elems = edit(split_list(v))
                if elems:
                    self._headers[i] = ("Via", ", ".join(elems))
                else:
                    del self._headers[i]
                self._changed()
                return
        raise SipParseError("message has no Via header")

    @property
    def max_forwards(self) -> Optional[int]:
        v = self.get("Max-Forwards")
        return int(v) if v is not None and digits_only(v) else None

    @property
    def contacts(self) -> list[Address]:
        """Contact addresses ([] when absent or ``*``)."""
        out: list[Address] = []
        for v in self.get_all("Contact"):
            if v.strip() != "*":
                out += Address.parse_list(v, "Contact")
        return out

    @property
    def content_type(self) -> Optional[str]:
        """Media type of the body, lower-case, without parameters."""
        v = self.get("Content-Type")
        return v.split(";")[0].strip().lower() if v else None

    # -- serialising
    def start_line(self) -> str:
        raise NotImplementedError

    def encode(self) -> bytes:
        """The wire form: start line, headers, a Content-Length equal to the body."""
        lines = [self.start_line()]
        lines += [f"{n}: {v}" for n, v in self._headers if n != "Content-Length"]
        lines.append(f"Content-Length: {len(self.body)}")
        head = "\r\n".join(lines) + "\r\n\r\n"
        return head.encode("utf-8", "surrogateescape") + self.body

    def __bytes__(self) -> bytes:
        return self.encode()

    def copy(self) -> "SipMessage":
        raise NotImplementedError


class SipRequest(SipMessage):
    """A request: ``method`` (upper-case token), ``uri`` (:class:`SipUri`)."""

    __slots__ = ("method", "uri")

    def __init__(self, method: str, uri: Union[SipUri, str],
                 headers: Optional[Iterable[tuple[str, str]]] = None, body: bytes = b"") -> None:
        super().__init__(headers, body)
        self.method = method
        self.uri = uri if isinstance(uri, SipUri) else SipUri.parse(uri)

    def start_line(self) -> str:
        return f"{self.method} {self.uri} SIP/2.0"

    def copy(self) -> "SipRequest":
        r = SipRequest(self.method, self.uri.copy(), self._headers, self.body)
        r.source = self.source
        return r

    def __repr__(self) -> str:
        return f"<SipRequest {self.method} {self.uri} call-id={self.call_id!r}>"


class SipResponse(SipMessage):
    """A response: ``status`` (100-699) and ``reason`` phrase."""

    __slots__ = ("status", "reason")

    def __init__(self, status: int, reason: Optional[str] = None,
                 headers: Optional[Iterable[tuple[str, str]]] = None, body: bytes = b"") -> None:
        super().__init__(headers, body)
        self.status = status
        self.reason = REASONS.get(status, "Unknown") if reason is None else reason

    def start_line(self) -> str:
        return f"SIP/2.0 {self.status} {self.reason}"

    def copy(self) -> "SipResponse":
        r = SipResponse(self.status, self.reason, self._headers, self.body)
        r.source = self.source
        return r

    def __repr__(self) -> str:
        return f"<SipResponse {self.status} {self.reason} call-id={self.call_id!r}>"


# ----------------------------------------------------------------------- parsing
_CONTROL = re.compile(r"[\r\n]|(?<!\\)\x00")


def parse(data: bytes) -> SipMessage:
    """Parse one complete message (a UDP datagram, or one framed by StreamParser).

    Raises :class:`SipParseError` with a reason in words and the status to answer
    with; when the start line and headers were readable, ``error.message`` holds the
    partly parsed message. Leading CRLFs are skipped; bytes after Content-Length are
    discarded (RFC 3261 §18.3), a body shorter than Content-Length is an error.
    """
    data = bytes(data)
    if len(data) > MAX_MESSAGE:
        raise SipParseError(f"message of {len(data)} bytes is larger than the 64 KiB limit", 513)
    i = 0
    while data.startswith(b"\r\n", i):
        i += 2
    end = data.find(b"\r\n\r\n", i)
    sep = 4
    if end < 0:
        end, sep = data.find(b"\n\n", i), 2
    if end < 0:
        if not data[i:].strip():
            raise SipParseError("empty message")
        raise SipParseError("no empty line ends the header section (message cut short?)")
    head = data[i:end].decode("utf-8", "surrogateescape")
    body = data[end + sep:]
    lines = head.replace("\r\n", "\n").split("\n")
    start_error: Optional[SipParseError] = None
    try:
        msg = _parse_start_line(lines[0])
    except SipParseError as e:
        # a bad request line (URI scheme, version, spacing): still read the headers, so the
        # request can be answered 416/505/400 instead of dropped (the placeholder URI is
        # never used: parse raises below)
        method = lines[0].split(" ", 1)[0]
        if lines[0].upper().startswith("SIP/") or not _TOKEN.fullmatch(method):
            raise
        msg, start_error = SipRequest(method, SipUri.parse("sip:invalid.invalid")), e
    # unfold continuation lines (RFC 3261 §7.3.1: LWS at the start of a line)
    logical: list[str] = []
    for n, line in enumerate(lines[1:], start=2):
        if line[:1] in (" ", "\t"):
            if not logical:
                raise SipParseError("first header line starts with whitespace", message=msg)
            logical[-1] += " " + line.strip()
        elif line:
            logical.append(line)
    bad = ""
    for line in logical:
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon:
            raise SipParseError(f"header line {line[:40]!r} has no ':'", message=msg)
        if not _TOKEN.fullmatch(name):
            raise SipParseError(f"header name {name!r} is not a token", message=msg)
        if _CONTROL.search(value):
            # never copied into an answer: the error response is built from clean headers only
            bad = bad or f"header {name} contains a control character (CR, LF or NUL injection?)"
            continue
        msg.add(name, value)
    if start_error is not None:
        raise SipParseError(start_error.reason, start_error.status, message=msg)
    if bad:
        raise SipParseError(bad, message=msg)
    _validate(msg)
    cl = msg.get("Content-Length")
    if cl is not None:
        n = int(cl)
        if len(body) < n:
            raise SipParseError(f"Content-Length says {n} bytes but the body has only {len(body)}",
                                message=msg)
        body = body[:n]
    msg.body = body
    return msg


def _parse_start_line(line: str) -> SipMessage:
    if line.upper().startswith("SIP/"):
        parts = line.split(" ", 2)
        if len(parts) < 2:
            raise SipParseError(f"bad status line {line[:80]!r}")
        version, code = parts[0], parts[1]
        if version.upper() != "SIP/2.0":
            raise SipParseError(f"SIP version {version!r} is not supported (only SIP/2.0)", 505)
        if len(code) != 3 or not digits_only(code) or not 100 <= int(code) <= 699:
            raise SipParseError(f"status code {code!r} in status line is not 100-699")
        return SipResponse(int(code), parts[2] if len(parts) > 2 else "")
    parts = line.split(" ")
    if len(parts) != 3 or not all(parts):
        raise SipParseError(f"bad request line {line[:80]!r} (expected 'METHOD uri SIP/2.0')")
    method, uri, version = parts
    if not _TOKEN.fullmatch(method):
        raise SipParseError(f"method {method!r} is not a token")
    if not version.upper().startswith("SIP/"):
        raise SipParseError(f"bad request line {line[:80]!r}: {version!r} is not SIP/2.0")
    if version.upper() != "SIP/2.0":
        raise SipParseError(f"SIP version {version!r} is not supported (only SIP/2.0)", 505)
    if uri.startswith("<"):
        raise SipParseError(f"Request-URI {uri[:80]!r} must not be in angle brackets (RFC 3261 §25.1)")
    try:
        return SipRequest(method, SipUri.parse(uri))
    except SipParseError as e:
        raise SipParseError(f"Request-URI {uri!r}: {e.reason}", e.status) from None


def _validate(msg: SipMessage) -> None:
    is_req = isinstance(msg, SipRequest)
    for name in (_MANDATORY_REQUEST if is_req else _MANDATORY_RESPONSE):
        if name not in msg:
            raise SipParseError(f"mandatory header {name} is missing", message=msg)
    for name in _SINGLE:
        if len(msg.get_all(name)) > 1:
            raise SipParseError(f"header {name} appears more than once", message=msg)
    try:
        cseq = msg.cseq
        if is_req and cseq.method != msg.method:  # type: ignore[attr-defined]
            raise SipParseError(f"CSeq method {cseq.method} does not match the request "
                                f"method {msg.method}")  # type: ignore[attr-defined]
        if not msg.call_id or any(c.isspace() for c in msg.call_id):
            raise SipParseError(f"Call-ID {msg.call_id!r} is empty or has spaces")
        msg.from_addr
        msg.to_addr
        vias = msg.vias
        if not vias:
            raise SipParseError("Via header is empty")
        for via in vias:
            if via.protocol != "SIP/2.0":
                raise SipParseError(f"Via protocol {via.protocol} is not SIP/2.0")
            branch = via.params.get("branch")
            if branch is not None and (not branch or not _TOKEN.fullmatch(branch)):
                raise SipParseError(f"Via branch {branch!r} is not a token")
        mf = msg.get("Max-Forwards")
        if mf is not None and (not digits_only(mf) or int(mf) > 255):
            raise SipParseError(f"Max-Forwards {mf!r} is not a number 0-255")
        cl = msg.get("Content-Length")
        if cl is not None and not digits_only(cl):
            raise SipParseError(f"Content-Length {cl!r} is not a number")
    except SipParseError as e:
        e.message = msg
        raise


class StreamParser:
    """Frames a byte stream (TCP) into messages using Content-Length.

    ``feed(data)`` returns every message completed by ``data``. Between messages a
    double CRLF is an RFC 5626 keep-alive ping: ``on_ping()`` is called (the transport
    answers with a single CRLF pong); single CRLFs are skipped. A message that is
    framed but malformed goes to ``on_error(raw_bytes, error)`` and the stream goes on;
    when framing is lost :class:`SipFramingError` is raised and the connection should
    be closed. A missing Content-Length counts as 0 (RFC 3261 requires it on streams).
    """

    _CL = re.compile(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$")

    def __init__(self, on_ping: Optional[Callable[[], None]] = None,
                 on_error: Optional[Callable[[bytes, SipParseError], None]] = None,
                 max_size: int = MAX_MESSAGE) -> None:
        self.on_ping = on_ping
        self.on_error = on_error
        self.max_size = max_size
        self._buf = bytearray()

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete message."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[SipMessage]:
        buf = self._buf
        buf += data
        out: list[SipMessage] = []
        while buf:
            if buf.startswith(b"\r\n\r\n"):
                del buf[:4]
                if self.on_ping:
                    self.on_ping()
                continue
            if buf.startswith(b"\r\n"):
                if len(buf) < 4 and b"\r\n\r\n".startswith(bytes(buf)):
                    break           # maybe the start of a ping: wait for more
                del buf[:2]
                continue
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > self.max_size:
                    raise SipFramingError(f"no end of headers within {self.max_size} bytes")
                break
            m = self._CL.search(buf, 0, end + 2)
            length = 0
            if m:
                text = m.group(1)
                if not text.isdigit():
                    raise SipFramingError(f"Content-Length {text.decode(errors='replace')!r} "
                                          "is not a number: cannot find the next message")
                length = int(text)
            total = end + 4 + length
            if total > self.max_size:
                raise SipFramingError(f"message of {total} bytes is larger than the 64 KiB limit", 513)
            if len(buf) < total:
                break
            raw = bytes(buf[:total])
            del buf[:total]
            try:
                out.append(parse(raw))
            except SipParseError as e:
                if self.on_error:
                    self.on_error(raw, e)
        return out


# ---------------------------------------------------------------------- building
def new_branch() -> str:
    """A fresh RFC 3261 branch: the ``z9hG4bK`` magic cookie + 64 random bits."""
    return MAGIC_COOKIE + secrets.token_hex(8)


def new_tag() -> str:
    """A fresh From/To tag (48 random bits, hex)."""
    return secrets.token_hex(6)


def new_call_id(host: Optional[str] = None) -> str:
    """A fresh Call-ID (96 random bits, hex), ``...@host`` when a host is given."""
    cid = secrets.token_hex(12)
    return f"{cid}@{host}" if host else cid


def make_response(request: SipRequest, status: int, reason: Optional[str] = None,
                  to_tag: Optional[str] = None) -> SipResponse:
    """A response to ``request`` per RFC 3261 §8.2.6: Via (all, in order), From,
    Call-ID, CSeq copied; To copied with ``to_tag`` added if it has no tag yet;
    Timestamp copied into a 100. Record-Route / Contact / body are the caller's."""
    resp = SipResponse(status, reason)
    for name, value in request._headers:
        if name in ("Via", "From", "Call-ID", "CSeq"):
            resp._headers.append((name, value))
        elif name == "To":
            if to_tag and request.to_tag is None:
                value = f"{value};tag={to_tag}"
            resp._headers.append((name, value))
        elif name == "Timestamp" and status == 100:
            resp._headers.append((name, value))
    resp._changed()
    return resp


def make_ack(request: SipRequest, response: SipResponse) -> SipRequest:
    """The ACK a client INVITE transaction sends for a 300-699 response (RFC 3261
    §17.1.1.3): same Request-URI, Call-ID, From and CSeq number, To of the response,
    one Via equal to the request's top Via, the request's Route headers."""
    ack = SipRequest("ACK", request.uri.copy())
    ack.add("Via", str(request.top_via))
    ack.add("Max-Forwards", "70")
    for name in ("From",):
        ack.add(name, request.get(name) or "")
    ack.add("To", response.get("To") or request.get("To") or "")
    ack.add("Call-ID", request.call_id)
    ack.add("CSeq", f"{request.cseq.number} ACK")
    for route in request.get_all("Route"):
        ack.add("Route", route)
    return ack


def make_cancel(request: SipRequest) -> SipRequest:
    """A CANCEL for ``request`` (RFC 3261 §9.1): same Request-URI, Call-ID, From, To,
    CSeq number, one Via equal to the request's top Via (same branch), its Routes.
    Send it only after a provisional response arrived."""
    c = SipRequest("CANCEL", request.uri.copy())
    c.add("Via", str(request.top_via))
    c.add("Max-Forwards", "70")
    c.add("From", request.get("From") or "")
    c.add("To", request.get("To") or "")
    c.add("Call-ID", request.call_id)
    c.add("CSeq", f"{request.cseq.number} CANCEL")
    for route in request.get_all("Route"):
        c.add("Route", route)
    return c


def make_error_response(error: SipParseError) -> Optional[SipResponse]:
    """The 4xx/5xx answer to a malformed request, or None when none can be sent
    (a response, an ACK, or a request whose Via/From/To/Call-ID/CSeq are missing or
    whose top Via is unreadable). The reason goes into a Warning header (399)."""
    msg = error.message
    if not isinstance(msg, SipRequest) or msg.method == "ACK":
        return None
    for name in ("Via", "From", "To", "Call-ID", "CSeq"):
        if name not in msg:
            return None
    try:
        msg.top_via
    except SipParseError:
        return None
    resp = make_response(msg, error.status)
    text = error.reason.replace("\\", "\\\\").replace('"', "'")
    resp.add("Warning", f'399 hotline "{text}"')
    return resp


def response_target(request: SipRequest) -> Target:
    """Where responses to a received ``request`` go (RFC 3261 §18.2.2, RFC 3581).

    Stream transports answer on the connection the request came on (its ``source``);
    datagrams go to the top Via's ``maddr``, else to ``received`` (or the sent-by host)
    at ``rport`` (or the sent-by port, default 5060).
    """
    via = request.top_via
    src = request.source
    if via.transport != "UDP" and src is not None:
        return src
    default = 5061 if via.transport == "TLS" else 5060
    if via.maddr:
        return Target(via.transport, via.maddr.strip("[]"), via.port or default)
    host = (via.received or via.host).strip("[]")
    port = via.rport if via.rport is not None else (via.port or default)
    return Target(via.transport, host, port)
