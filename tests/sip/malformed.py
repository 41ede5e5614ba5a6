"""A corpus of malformed (and tortuous but valid) SIP messages for robustness tests.

``corpus(host, port, client_host, client_port)`` returns :class:`Case` objects built
systematically: every mandatory header missing for each method, Content-Length
lies, garbage and binary noise, cut-short messages, unknown methods and URI schemes,
wrong SIP versions, oversized messages, bad SDP, header injection (bare CR, NUL),
Via floods, Max-Forwards and CSeq faults, bad Via branches, stray responses, and
messages in the spirit of RFC 4475 (written here, not copied from it).

``host``/``port`` are the box (Request-URI, To); ``client_host``/``client_port`` the
sender (Via sent-by, Contact), so the lead can fire the corpus at a running daemon.
Every case whose Via can be read has a unique ``branch`` and (unless the case is about
a missing Call-ID) a unique ``call_id``, so answers can be matched to cases.

``expect`` is the set of acceptable outcomes: a status code the box may answer with,
``"drop"`` (no answer at all), or ``"ok"`` (a well-formed request the UA processes
normally; whatever it answers is fine, as long as it is not a parse error). ``transport``
is ``"tcp"`` for messages too large for one UDP datagram (> 65507 bytes).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Iterable, Optional, Union

__all__ = ["Case", "corpus", "OK", "DROP", "METHODS", "UDP_MAX"]

OK = "ok"
DROP = "drop"
UDP_MAX = 65507           #: largest UDP payload over IPv4, bytes
Outcome = Union[int, str]

#: methods the corpus builds complete requests for
METHODS = ("INVITE", "REGISTER", "OPTIONS", "BYE", "CANCEL", "ACK", "SUBSCRIBE", "NOTIFY",
           "REFER", "MESSAGE", "INFO", "UPDATE", "PRACK", "PUBLISH")
MANDATORY = ("To", "From", "Call-ID", "CSeq", "Via", "Max-Forwards")


@dataclass(frozen=True)
class Case:
    """One message: ``name`` (unique, ``category/detail``), the bytes to send, the set
    of acceptable outcomes, the transport to use, and the identifiers to match answers."""

    name: str
    data: bytes
    expect: frozenset
    transport: str = "udp"
    call_id: Optional[str] = None
    branch: Optional[str] = None
    note: str = ""


@dataclass
class _Msg:
    """A request or response under construction: a start line and header lines."""

    start: str
    lines: list[tuple[str, str]]
    body: bytes = b""
    content_length: Optional[str] = "auto"   # "auto", a literal value, or None (omitted)
    raw_extra: list[bytes] = field(default_factory=list)  # raw header lines, added last

    def without(self, name: str) -> "_Msg":
        self.lines = [(n, v) for n, v in self.lines if n.lower() != name.lower()]
        return self

    def replace(self, name: str, value: str) -> "_Msg":
        self.lines = [(n, value if n.lower() == name.lower() else v) for n, v in self.lines]
        return self

    def add(self, name: str, value: str) -> "_Msg":
        self.lines.append((name, value))
        return self

    def encode(self) -> bytes:
        out = [self.start.encode("utf-8", "surrogateescape")]
        out += [f"{n}: {v}".encode("utf-8", "surrogateescape") for n, v in self.lines]
        out += self.raw_extra
        if self.content_length == "auto":
            out.append(f"Content-Length: {len(self.body)}".encode())
        elif self.content_length is not None:
            out.append(f"Content-Length: {self.content_length}".encode())
        return b"\r\n".join(out) + b"\r\n\r\n" + self.body


def _sdp(host: str, port: int = 40000, codecs: str = "0 8 101", extra: str = "") -> bytes:
    text = ("v=0\r\n"
            f"o=- 1 1 IN IP4 {host}\r\n"
            "s=-\r\n"
            f"c=IN IP4 {host}\r\n"
            "t=0 0\r\n"
            f"m=audio {port} RTP/AVP {codecs}\r\n"
            "a=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:8 PCMA/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\n"
            "a=fmtp:101 0-15\r\n" + extra)
    return text.encode()


class _Builder:
    """Makes numbered, uniquely identified requests and responses."""

    def __init__(self, host: str, port: int, client_host: str, client_port: int) -> None:
        self.host, self.port = host, port
        self.chost, self.cport = client_host, client_port
        self.n = 0
        self.cases: list[Case] = []

    def ids(self) -> tuple[str, str]:
        self.n += 1
        return f"z9hG4bK-mf{self.n:04d}", f"mf{self.n:04d}@{self.chost}"

    @property
    def box(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def client(self) -> str:
        return f"{self.chost}:{self.cport}"

    def request(self, method: str, uri: Optional[str] = None, cseq_method: Optional[str] = None,
                to_tag: Optional[str] = None, body: bytes = b"",
                content_type: Optional[str] = None) -> tuple[_Msg, str, str]:
        branch, call_id = self.ids()
        if to_tag is None and method in ("BYE", "NOTIFY", "INFO", "UPDATE", "PRACK"):
            to_tag = "nodialog"            # in-dialog methods carry a To tag
        if method == "INVITE" and not body and content_type is None:
            body, content_type = _sdp(self.chost), "application/sdp"
        lines = [
            ("Via", f"SIP/2.0/UDP {self.client};branch={branch};rport"),
            ("Max-Forwards", "70"),
            ("From", f"\"Corpus\" <sip:corpus@{self.chost}>;tag=t{self.n:04d}"),
            ("To", f"<sip:mf-test@{self.box}>" + (f";tag={to_tag}" if to_tag else "")),
            ("Call-ID", call_id),
            ("CSeq", f"{self.n} {cseq_method or method}"),
        ]
        if method in ("INVITE", "REGISTER", "SUBSCRIBE", "NOTIFY", "REFER", "UPDATE", "OPTIONS"):
            lines.append(("Contact", f"<sip:corpus@{self.client}>"))
        if method == "REGISTER":
            lines.append(("Expires", "60"))
        if method in ("SUBSCRIBE", "NOTIFY", "PUBLISH"):
            lines.append(("Event", "message-summary"))
        if method == "NOTIFY":
            lines.append(("Subscription-State", "active;expires=60"))
        if method == "REFER":
            lines.append(("Refer-To", f"<sip:mf-other@{self.box}>"))
        if method == "PRACK":
            lines.append(("RAck", "1 1 INVITE"))
        if method in ("MESSAGE", "PUBLISH") and not body:
            body, content_type = b"corpus", "text/plain"
        if content_type:
            lines.append(("Content-Type", content_type))
        if uri is None:
            uri = f"sip:mf-test@{self.box}" if method != "REGISTER" else f"sip:{self.box}"
        return _Msg(f"{method} {uri} SIP/2.0", lines, body), branch, call_id

    def response(self, status: int, reason: str, method: str = "INVITE") -> tuple[_Msg, str, str]:
        branch, call_id = self.ids()
        lines = [
            ("Via", f"SIP/2.0/UDP {self.box};branch={branch}"),
            ("From", f"<sip:mf-test@{self.box}>;tag=b{self.n:04d}"),
            ("To", f"<sip:corpus@{self.chost}>;tag=c{self.n:04d}"),
            ("Call-ID", call_id),
            ("CSeq", f"{self.n} {method}"),
        ]
        return _Msg(f"SIP/2.0 {status} {reason}", lines), branch, call_id

    def case(self, name: str, msg: Union[_Msg, bytes], expect: Iterable[Outcome],
             branch: Optional[str] = None, call_id: Optional[str] = None, note: str = "") -> None:
        data = msg.encode() if isinstance(msg, _Msg) else msg
        transport = "tcp" if len(data) > UDP_MAX else "udp"
        if call_id and f"Call-ID: {call_id}\r\n".encode() not in data:
            call_id = None          # the case rewrote its Call-ID
        if branch and f"branch={branch}".encode() not in data:
            branch = None
        self.cases.append(Case(name, data, frozenset(expect), transport, call_id, branch, note))


# --------------------------------------------------------------------------- groups
def _missing_headers(b: _Builder) -> None:
    """Every mandatory header missing, for every method. A request without Via, From,
    To, Call-ID or CSeq cannot be answered (dropped); without Max-Forwards it gets 400.
    ACK is never answered."""
    for method in METHODS:
        for name in MANDATORY:
            m, branch, cid = b.request(method)
            m.without(name)
            if method == "ACK":
                expect = {DROP}
            elif name == "Max-Forwards":
                expect = {400}
            else:
                expect = {400, DROP}
            b.case(f"missing/{method}-{name}", m, expect,
                   None if name == "Via" else branch, None if name == "Call-ID" else cid)


def _content_length(b: _Builder) -> None:
    """Content-Length lies and nonsense on requests with bodies."""
    variants = [
        ("too-big-by-1", lambda n: str(n + 1), {400}),
        ("too-big-by-1000", lambda n: str(n + 1000), {400}),
        ("too-big-2e31", lambda n: str(2 ** 31), {400}),
        ("too-big-30-digits", lambda n: "9" * 30, {400}),
        ("negative", lambda n: "-5", {400}),
        ("minus-zero", lambda n: "-0", {400}),
        ("non-numeric", lambda n: "abc", {400}),
        ("hex", lambda n: "0x10", {400}),
        ("two-numbers", lambda n: f"{n} {n}", {400}),
        ("empty", lambda n: "", {400}),
        ("decimal", lambda n: f"{n}.0", {400}),
        ("plus-sign", lambda n: f"+{n}", {400}),
    ]
    for method in ("INVITE", "MESSAGE", "OPTIONS"):
        for label, value, expect in variants:
            m, branch, cid = b.request(method, body=b"hello" if method == "OPTIONS" else b"",
                                       content_type="text/plain" if method == "OPTIONS" else None)
            m.content_length = value(len(m.body))
            b.case(f"content-length/{method}-{label}", m, expect, branch, cid)
        # too small: the rest of the body is cut off (RFC 3261 18.3: extra bytes ignored)
        m, branch, cid = b.request(method, body=b"hello" if method == "OPTIONS" else b"",
                                   content_type="text/plain" if method == "OPTIONS" else None)
        m.content_length = str(len(m.body) // 2)
        b.case(f"content-length/{method}-too-small", m,
               {400, 488} if method == "INVITE" else {OK}, branch, cid)
        m, branch, cid = b.request(method)
        m.content_length = "auto"
        m.add("Content-Length", str(len(m.body)))
        b.case(f"content-length/{method}-twice", m, {400}, branch, cid)
    # zero length but a body sent: the body is ignored, the INVITE has no offer
    m, branch, cid = b.request("INVITE")
    m.content_length = "0"
    m.without("Content-Type")
    b.case("content-length/INVITE-zero-with-body", m, {OK}, branch, cid)
    # compact form, lying
    m, branch, cid = b.request("MESSAGE")
    m.content_length = None
    m.raw_extra.append(b"l: 500")
    b.case("content-length/compact-too-big", m, {400}, branch, cid)
    # no Content-Length over UDP: the body is the rest of the datagram (RFC 3261 18.3)
    m, branch, cid = b.request("MESSAGE")
    m.content_length = None
    b.case("content-length/absent-udp", m, {OK}, branch, cid)


def _garbage(b: _Builder) -> None:
    """Noise with no readable message: dropped."""
    rnd = random.Random(4475)
    for i, size in enumerate((1, 2, 3, 7, 16, 64, 100, 200, 512, 1000, 1400, 4000, 9000,
                              20000, 60000)):
        b.case(f"garbage/binary-{i:02d}-{size}B", bytes(rnd.getrandbits(8) for _ in range(size)),
               {DROP, 400})
    for i, size in enumerate((10, 50, 300, 1200)):
        text = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz :;<>@=\"") for _ in range(size))
        b.case(f"garbage/text-{i:02d}-{size}B", text.encode(), {DROP})
    for i in range(8):
        noise = bytes(rnd.getrandbits(8) for _ in range(50 + 37 * i))
        b.case(f"garbage/noise-with-crlfcrlf-{i}", noise + b"\r\n\r\n" + noise, {DROP, 400})
    fixed = {
        "nul-bytes": b"\x00" * 200,
        "ff-bytes": b"\xff" * 300,
        "only-crlf": b"\r\n" * 10,
        "keepalive-ping": b"\r\n\r\n",
        "single-space": b" ",
        "tls-client-hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32)),
        "http-get": b"GET / HTTP/1.1\r\nHost: box\r\n\r\n",
        "stun-binding": b"\x00\x01\x00\x00\x21\x12\xa4\x42" + bytes(12),
        "rtp-packet": b"\x80\x00\x00\x01\x00\x00\x00\xa0\x12\x34\x56\x78" + b"\xff" * 160,
        "lf-only-lines-no-end": b"INVITE sip:a@b SIP/2.0\nVia: x\n",
        "utf16-text": "INVITE sip:a@b SIP/2.0\r\n\r\n".encode("utf-16"),
        "json": b'{"method": "INVITE", "uri": "sip:a@b"}\r\n\r\n',
    }
    for label, data in fixed.items():
        b.case(f"garbage/{label}", data, {DROP, 400})


def _truncated(b: _Builder) -> None:
    """Cut-short and mangled start lines, and a valid INVITE cut at many points."""
    def invite() -> tuple[bytes, int, str, str]:
        m, branch, cid = b.request("INVITE")
        whole = m.encode()
        return whole, whole.index(b"\r\n\r\n"), branch, cid

    whole, head_end, _, _ = invite()
    for cut in (1, 5, 10, 20, 40, 80, 120, 200, 300):
        b.case(f"truncated/invite-cut-at-{cut}", whole[:cut], {DROP})
    for label, delta in (("end-of-headers-minus-1", -1), ("end-of-headers-plus-1", 1)):
        whole, head_end, _, _ = invite()
        b.case(f"truncated/invite-cut-at-{label}", whole[:head_end + delta], {DROP})
    for label, keep in (("1-byte", 1), ("50-bytes", 50), ("all-but-1", -1)):
        # headers complete, body shorter than Content-Length
        whole, head_end, branch, cid = invite()
        end = head_end + 4 + keep if keep > 0 else len(whole) + keep
        b.case(f"truncated/invite-body-cut-{label}", whole[:end], {400}, branch, cid)
    starts = {
        "method-only": "INVITE",
        "no-version": f"INVITE sip:mf-test@{b.box}",
        "no-uri": "INVITE SIP/2.0",
        "extra-token": f"INVITE sip:mf-test@{b.box} SIP/2.0 extra",
        "two-spaces": f"INVITE  sip:mf-test@{b.box} SIP/2.0",
        "leading-space": f" INVITE sip:mf-test@{b.box} SIP/2.0",
        "trailing-space": f"INVITE sip:mf-test@{b.box} SIP/2.0 ",
        "tabs": f"INVITE\tsip:mf-test@{b.box}\tSIP/2.0",
        "empty-start-line": "",
        "version-first": f"SIP/2.0 INVITE sip:mf-test@{b.box}",
        "status-line-no-code": "SIP/2.0",
        "status-code-2-digits": "SIP/2.0 20 OK",
        "status-code-700": "SIP/2.0 700 Weird",
        "status-code-099": "SIP/2.0 099 Low",
        "status-code-letters": "SIP/2.0 2OO OK",
        "method-not-token": f"INV(ITE sip:mf-test@{b.box} SIP/2.0",
        "uri-with-space": f"INVITE sip:mf test@{b.box} SIP/2.0",
    }
    for label, start in starts.items():
        m, branch, cid = b.request("INVITE")
        m.start = start
        is_response = start.startswith("SIP/2.0") and label.startswith("status")
        b.case(f"start-line/{label}", m, {DROP} if is_response else {400, DROP}, branch, cid)


def _unknown_methods(b: _Builder) -> None:
    """Well-formed requests with methods the box does not know: 501 (or 405)."""
    for method in ("FOO", "HELLO", "X-CUSTOM", "NOTIFYY", "invite", "Register", "SERVICE",
                   "DO", "M" * 200, "PING", "GET", "POST", "RINGING-X", "INVITE.", "A!B"):
        m, branch, cid = b.request("OPTIONS", cseq_method=method)
        m.start = f"{method} sip:mf-test@{b.box} SIP/2.0"
        b.case(f"unknown-method/{method[:20]}", m, {501, 405}, branch, cid)


def _uri_schemes(b: _Builder) -> None:
    """Request-URIs with schemes other than sip/sips/tel: 416. In From/To the message is
    refused 400 or processed (RFC 4475 3.1.2.x accepts other schemes there)."""
    for scheme_uri in ("http://box/", "https://box/x", "mailto:mf@box", "im:mf@box",
                       "pres:mf@box", "urn:service:sos", "data:,hello", "sipx:mf@box",
                       "xmpp:mf@box", "h323:mf@box"):
        scheme = scheme_uri.split(":")[0]
        for method in ("INVITE", "OPTIONS"):
            m, branch, cid = b.request(method, uri=scheme_uri)
            b.case(f"scheme/request-uri-{scheme}-{method}", m, {416}, branch, cid)
    for header in ("To", "From"):
        for scheme_uri in ("http://box/", "mailto:mf@box", "urn:x:y"):
            m, branch, cid = b.request("OPTIONS")
            tag = f";tag=t{b.n:04d}" if header == "From" else ""
            m.replace(header, f"<{scheme_uri}>{tag}")
            b.case(f"scheme/{header.lower()}-{scheme_uri.split(':')[0]}", m, {400, 416, OK},
                   branch, cid)
    for label, uri in (("SIP-upper", f"SIP:mf-test@{b.box}"), ("sips", f"sips:mf-test@{b.box}"),
                       ("tel", "tel:+15551234567")):
        m, branch, cid = b.request("OPTIONS", uri=uri)
        b.case(f"scheme/valid-request-uri-{label}", m, {OK}, branch, cid)


def _versions(b: _Builder) -> None:
    """Other protocol versions: 505 for SIP/x.y, 400 for anything else."""
    for version, expect in (("SIP/3.0", {505}), ("SIP/1.0", {505}), ("SIP/2.1", {505}),
                            ("SIP/20", {505, 400}), ("SIP/2", {505, 400}), ("sip/2.0", {OK}),
                            ("HTTP/1.1", {400}), ("SIPS/2.0", {400, 505}), ("SIP/2.0/UDP", {400, 505})):
        for method in ("INVITE", "REGISTER"):
            m, branch, cid = b.request(method)
            m.start = m.start.rsplit(" ", 1)[0] + " " + version
            v = version.replace("/", "_")
            name = f"version/valid-{method}-{v}" if expect == {OK} else f"version/{method}-{v}"
            b.case(name, m, expect, branch, cid)
    for version in ("SIP/3.0", "SIP/1.0"):
        m, branch, cid = b.response(200, "OK")
        m.start = f"{version} 200 OK"
        b.case(f"version/response-{version.replace('/', '_')}", m, {DROP}, branch, cid)
    m, branch, cid = b.request("OPTIONS")
    m.replace("Via", f"SIP/3.0/UDP {b.client};branch={branch}")
    b.case("version/via-sip-3.0", m, {400, 505, DROP}, branch, cid,
           note="RFC 4475 3.1.2.?: a Via of another SIP version is not SIP/2.0")


def _oversized(b: _Builder) -> None:
    """Around the 64 KiB limit (513 or dropped beyond it)."""
    for total, expect in ((60000, {OK}), (65507, {OK}), (65536, {OK}), (65537, {513, DROP}),
                          (70000, {513, DROP}), (100000, {513, DROP}), (300000, {513, DROP})):
        m, branch, cid = b.request("MESSAGE", body=b"x", content_type="text/plain")
        size = len(m.encode())
        m.body = b"x" * (total - size + 1)
        # the Content-Length field may grow by a few digits: trim to the exact size
        while len(m.encode()) > total:
            m.body = m.body[:-1]
        b.case(f"oversized/message-{total}B", m, expect, branch, cid)
    m, branch, cid = b.request("OPTIONS")
    m.add("X-Filler", "y" * 70000)
    b.case("oversized/one-70k-header", m, {513, DROP}, branch, cid)
    m, branch, cid = b.request("OPTIONS")
    for i in range(3000):
        m.add(f"X-H{i}", "z" * 20)
    b.case("oversized/3000-headers", m, {513, DROP}, branch, cid)


def _bad_sdp(b: _Builder) -> None:
    """INVITE offers that cannot be read (400) or used (488)."""
    h = b.chost
    good = _sdp(h).decode()
    bodies = {
        "no-version": good.replace("v=0\r\n", ""),
        "version-1": good.replace("v=0", "v=1"),
        "no-origin": good.replace(f"o=- 1 1 IN IP4 {h}\r\n", ""),
        "no-media": good.split("m=audio")[0],
        "media-port-word": good.replace("m=audio 40000", "m=audio port"),
        "media-port-huge": good.replace("m=audio 40000", "m=audio 99999"),
        "media-no-formats": good.replace("RTP/AVP 0 8 101", "RTP/AVP"),
        "connection-bad-address": good.replace(f"c=IN IP4 {h}", "c=IN IP4 not an address"),
        "connection-missing": good.replace(f"c=IN IP4 {h}\r\n", ""),
        "line-without-equals": good + "garbage line\r\n",
        "rtpmap-broken": good.replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:zero PCMU"),
        "only-video": good.replace("m=audio 40000 RTP/AVP 0 8 101", "m=video 40000 RTP/AVP 96"),
        "no-common-codec": good.replace("RTP/AVP 0 8 101", "RTP/AVP 18 9"),
        "binary": "v=0\r\n\x00\x01\x02\xff\r\n",
        "empty-lines": "\r\n\r\n\r\n",
        "html": "<html><body>not sdp</body></html>",
        "json": '{"sdp": true}',
        "truncated-mid-line": good[:len(good) // 2],
        "negative-port": good.replace("m=audio 40000", "m=audio -1"),
        "unknown-proto": good.replace("RTP/AVP", "FOO/BAR"),
        "attr-before-version": "a=sendrecv\r\n" + good,
        "two-versions": good + "v=0\r\n",
    }
    for label, body in bodies.items():
        m, branch, cid = b.request("INVITE", body=body.encode("latin-1"),
                                   content_type="application/sdp")
        b.case(f"sdp/{label}", m, {400, 488}, branch, cid)
    for label, ctype in (("content-type-html", "text/html"), ("content-type-garbage", "foo"),
                         ("content-type-missing", None)):
        m, branch, cid = b.request("INVITE", body=_sdp(h), content_type="application/sdp")
        if ctype is None:
            m.without("Content-Type")
        else:
            m.replace("Content-Type", ctype)
        b.case(f"sdp/{label}", m, {415, 400}, branch, cid)


def _injection(b: _Builder) -> None:
    """Bare CR and NUL in header values: never echoed into an answer as a line break.
    A CR in a header the answer copies (Via, From, To, Call-ID, CSeq) must be refused."""
    for header in ("Via", "From", "To", "Call-ID", "CSeq"):
        for label, bad in (("cr", "\rX-Injected: 1"), ("nul", "\x00X-Injected: 1"),
                           ("cr-crlf-like", "\r\rX-Injected: 1")):
            m, branch, cid = b.request("OPTIONS")
            value = dict(m.lines)[header]
            m.replace(header, value + bad)
            b.case(f"injection/{header}-{label}", m, {400, DROP}, branch, cid)
    for header in ("Subject", "User-Agent", "Contact", "X-Custom"):
        m, branch, cid = b.request("OPTIONS")
        if header == "Contact":
            m.replace("Contact", f"<sip:corpus@{b.client}>\rX-Injected: 1")
        else:
            m.add(header, "hello\rX-Injected: 1")
        b.case(f"injection/{header}-cr", m, {400, OK}, branch, cid)
    m, branch, cid = b.request("OPTIONS")
    m.start += "\rX-Injected: 1"
    b.case("injection/request-line-cr", m, {400, DROP}, branch, cid)
    m, branch, cid = b.request("MESSAGE", body=b"a\rb\x00c", content_type="text/plain")
    b.case("injection/body-cr-nul", m, {OK}, branch, cid)


def _via_flood(b: _Builder) -> None:
    """Many Via headers (a long proxy chain or an amplification attempt)."""
    for count, style in ((70, "lines"), (200, "lines"), (500, "lines"), (200, "one-line"),
                         (800, "one-line")):
        m, branch, cid = b.request("OPTIONS")
        vias = [f"SIP/2.0/UDP 192.0.2.{i % 250 + 1}:5060;branch=z9hG4bK-flood{i}"
                for i in range(count)]
        if style == "lines":
            for v in vias:
                m.add("Via", v)
        else:
            m.add("Via", ", ".join(vias))
        b.case(f"via-flood/{count}-{style}", m, {OK, 400, 483, 513}, branch, cid)


def _max_forwards(b: _Builder) -> None:
    for method in ("INVITE", "MESSAGE", "REFER", "SUBSCRIBE", "REGISTER", "INFO"):
        m, branch, cid = b.request(method)
        m.replace("Max-Forwards", "0")
        expect = {483} if method in ("INVITE", "MESSAGE", "REFER") else {483, OK}
        b.case(f"max-forwards/{method}-zero", m, expect, branch, cid)
    m, branch, cid = b.request("OPTIONS")
    m.replace("Max-Forwards", "0")
    b.case("max-forwards/OPTIONS-zero", m, {483, OK}, branch, cid)
    for label, value in (("negative", "-1"), ("256", "256"), ("huge", "4294967296"),
                         ("word", "seventy"), ("empty", ""), ("two", "70 70"), ("float", "7.0")):
        m, branch, cid = b.request("INVITE")
        m.replace("Max-Forwards", value)
        b.case(f"max-forwards/{label}", m, {400}, branch, cid)
    m, branch, cid = b.request("INVITE")
    m.add("Max-Forwards", "70")
    b.case("max-forwards/twice", m, {400}, branch, cid)


def _cseq(b: _Builder) -> None:
    for method, other in (("INVITE", "BYE"), ("REGISTER", "INVITE"), ("OPTIONS", "REGISTER"),
                          ("BYE", "CANCEL"), ("MESSAGE", "OPTIONS"), ("SUBSCRIBE", "NOTIFY"),
                          ("INVITE", "invite"), ("CANCEL", "INVITE"), ("ACK", "INVITE")):
        m, branch, cid = b.request(method, cseq_method=other)
        b.case(f"cseq/{method}-says-{other}", m, {DROP} if method == "ACK" else {400}, branch, cid)
    for label, value in (("no-method", "1"), ("no-number", "INVITE"), ("negative", "-1 INVITE"),
                         ("2e31", f"{2 ** 31} INVITE"), ("word", "one INVITE"),
                         ("three-parts", "1 INVITE x"), ("empty", ""), ("float", "1.5 INVITE")):
        m, branch, cid = b.request("INVITE")
        m.replace("CSeq", value)
        b.case(f"cseq/{label}", m, {400, DROP}, branch, cid)
    m, branch, cid = b.request("INVITE")
    m.replace("CSeq", "0 INVITE")
    b.case("cseq/zero", m, {OK}, branch, cid)
    m, branch, cid = b.request("INVITE")
    m.replace("CSeq", f"{2 ** 31 - 1} INVITE")
    b.case("cseq/largest", m, {OK}, branch, cid)
    m, branch, cid = b.request("INVITE")
    m.add("CSeq", "2 INVITE")
    b.case("cseq/twice", m, {400}, branch, cid)


def _via_branch(b: _Builder) -> None:
    """Odd Via headers. RFC 2543 style (no branch / no magic cookie) is still legal."""
    ok = {"no-branch": "SIP/2.0/UDP {c}", "no-cookie": "SIP/2.0/UDP {c};branch=abc{n}",
          "received-rport": "SIP/2.0/UDP {c};branch={b};received=192.0.2.9;rport=5099",
          "ipv6": "SIP/2.0/UDP [2001:db8::9]:5070;branch={b}",
          "tcp-transport": "SIP/2.0/TCP {c};branch={b}",
          "unknown-transport": "SIP/2.0/XYZ {c};branch={b}",
          "spaces-around-slash": "SIP / 2.0 / UDP {c};branch={b}",
          "no-port": "SIP/2.0/UDP {h};branch={b}"}
    for label, tmpl in ok.items():
        m, branch, cid = b.request("OPTIONS")
        m.replace("Via", tmpl.format(c=b.client, h=b.chost, b=branch, n=b.n))
        b.case(f"via/{label}", m, {OK}, None if "branch" not in tmpl or "{b}" not in tmpl
               else branch, cid)
    bad = {"empty-branch": "SIP/2.0/UDP {c};branch=",
           "branch-with-space": "SIP/2.0/UDP {c};branch=z9hG4bK a b",
           "no-sent-by": "SIP/2.0/UDP ;branch={b}",
           "port-zero": "SIP/2.0/UDP {h}:0;branch={b}",
           "port-too-big": "SIP/2.0/UDP {h}:99999;branch={b}",
           "ipv6-unclosed": "SIP/2.0/UDP [2001:db8::9;branch={b}",
           "no-transport": "SIP/2.0 {c};branch={b}",
           "empty": "",
           "bad-param-name": "SIP/2.0/UDP {c};branch={b};=x",
           "double-semicolon": "SIP/2.0/UDP {c};;branch={b}",
           "host-with-underscore-at": "SIP/2.0/UDP bad@host;branch={b}"}
    for label, tmpl in bad.items():
        m, branch, cid = b.request("OPTIONS")
        m.replace("Via", tmpl.format(c=b.client, h=b.chost, b=branch))
        b.case(f"via/{label}", m, {400, DROP}, None, cid)


def _stray_responses(b: _Builder) -> None:
    """Responses to nothing the box sent: dropped (a UA never answers a response)."""
    for status, reason, method in ((100, "Trying", "INVITE"), (180, "Ringing", "INVITE"),
                                   (183, "Session Progress", "INVITE"), (200, "OK", "INVITE"),
                                   (200, "OK", "BYE"), (200, "OK", "REGISTER"),
                                   (202, "Accepted", "REFER"), (299, "Odd", "OPTIONS"),
                                   (302, "Moved", "INVITE"), (401, "Unauthorized", "REGISTER"),
                                   (407, "Proxy Auth", "INVITE"), (486, "Busy Here", "INVITE"),
                                   (500, "Oops", "MESSAGE"), (603, "Decline", "INVITE"),
                                   (699, "Whatever", "NOTIFY")):
        m, branch, cid = b.response(status, reason, method)
        if status == 183:
            m.body = _sdp(b.chost)
            m.add("Content-Type", "application/sdp")
        b.case(f"stray-response/{status}-{method}", m, {DROP}, branch, cid)
    for label, drop in (("no-via", "Via"), ("no-call-id", "Call-ID"), ("no-cseq", "CSeq"),
                        ("no-from", "From")):
        m, branch, cid = b.response(200, "OK")
        m.without(drop)
        b.case(f"stray-response/{label}", m, {DROP})
    m, branch, cid = b.response(200, "OK")
    m.start = "SIP/2.0 200"
    b.case("stray-response/no-reason-phrase", m, {DROP}, branch, cid)
    m, branch, cid = b.response(200, "OK")
    m.content_length = "50"
    b.case("stray-response/content-length-too-big", m, {DROP}, branch, cid)


def _rfc4475_spirit(b: _Builder) -> None:
    """Tortuous valid messages and subtle invalid ones, written after the categories of
    RFC 4475 (whitespace and folding, escaping, odd but legal characters, quoting,
    angle brackets, duplicate singletons, dialog-less requests, extensions)."""
    c, box = b.client, b.box

    def mod(name: str, expect: set, method: str = "OPTIONS", fn=None, **kw) -> None:
        m, branch, cid = b.request(method, **kw)
        if fn:
            fn(m)
        b.case(f"rfc4475/{name}", m, expect, branch, cid)

    # -- valid but tortuous
    mod("folded-subject", {OK}, fn=lambda m: m.add("Subject", "line one\r\n  line two\r\n\tline three"))
    mod("compact-forms", {OK}, fn=lambda m: (m.add("s", "compact"), m.add("k", "replaces"),
                                             m.add("m", f"<sip:x@{c}>")))
    mod("lower-case-names", {OK}, fn=lambda m: m.add("subject", "x").add("user-agent", "y"))
    mod("space-before-colon", {OK}, fn=lambda m: m.add("Subject   ", "spaced"))
    mod("escaped-user", {OK}, uri=f"sip:%6Df-test@{box}")
    mod("escaped-nul-user", {OK}, uri=f"sip:mf%00test@{box}")
    mod("semicolon-in-user", {OK}, uri=f"sip:mf;x=y@{box};lr")
    mod("unknown-uri-param", {OK}, uri=f"sip:mf-test@{box};unknownparam;foo=bar")
    mod("uri-headers", {OK}, uri=f"sip:mf-test@{box}?Subject=hi")
    mod("display-name-escapes", {OK}, fn=lambda m: m.replace(
        "From", f'"J \\"Rock\\" \\\\ H" <sip:corpus@{b.chost}>;tag=q{b.n}'))
    mod("display-name-unquoted", {OK}, fn=lambda m: m.replace(
        "From", f"Joe   Bloggs <sip:corpus@{b.chost}>;tag=q{b.n}"))
    mod("utf8-display-name", {OK}, fn=lambda m: m.replace(
        "From", f'"Åsa Öberg 電話" <sip:corpus@{b.chost}>;tag=q{b.n}'))
    mod("long-header-value", {OK}, fn=lambda m: m.add("X-Long", "v" * 4000))
    mod("many-unknown-headers", {OK}, fn=lambda m: [m.add(f"X-U{i}", str(i)) for i in range(100)])
    mod("header-param-quoted-comma", {OK}, fn=lambda m: m.replace(
        "Contact", f'<sip:corpus@{c}>;x="a,b;c"'))
    mod("unknown-require-absent-supported", {OK}, fn=lambda m: m.add("Supported", "foo, bar"))
    # leading empty lines before the start line are skipped (RFC 3261 7.5)
    m, branch, cid = b.request("OPTIONS")
    b.case("rfc4475/leading-crlfs", b"\r\n\r\n" + m.encode(), {OK}, branch, cid)
    m, branch, cid = b.request("OPTIONS")
    b.case("rfc4475/lf-only-line-ends", m.encode().replace(b"\r\n", b"\n"), {OK}, branch, cid)
    m, branch, cid = b.request("INVITE")
    b.case("rfc4475/extra-bytes-after-body", m.encode() + b"trailing junk", {OK}, branch, cid)
    # -- invalid
    mod("from-unclosed-quote", {400}, fn=lambda m: m.replace(
        "From", f'"Unclosed <sip:corpus@{b.chost}>;tag=x'))
    mod("from-unclosed-angle", {400}, fn=lambda m: m.replace(
        "From", f"<sip:corpus@{b.chost};tag=x"))
    mod("to-display-without-angles", {400}, fn=lambda m: m.replace("To", f"Bob sip:mf-test@{box}"))
    mod("to-twice", {400}, fn=lambda m: m.add("To", f"<sip:other@{box}>"))
    mod("from-twice", {400}, fn=lambda m: m.add("From", f"<sip:other@{box}>;tag=z"))
    mod("call-id-twice", {400}, fn=lambda m: m.add("Call-ID", "second@x"))
    mod("call-id-with-space", {400}, fn=lambda m: m.replace("Call-ID", "a b@c"))
    mod("request-uri-lws", {400}, uri=f"sip:mf-test@{box}; lr")
    mod("request-uri-in-angles", {400}, uri=f"<sip:mf-test@{box}>")
    mod("request-uri-no-host", {400}, uri="sip:mf-test@")
    mod("request-uri-bad-ipv6", {400}, uri="sip:mf@[2001:db8::1")
    mod("request-uri-bad-port", {400}, uri=f"sip:mf@{b.host}:70000")
    mod("header-without-colon", {400}, fn=lambda m: m.raw_extra.append(b"Subject no colon"))
    mod("header-name-with-space", {400}, fn=lambda m: m.add("Max Forwards2", "1"))
    mod("empty-header-name", {400}, fn=lambda m: m.add("", "value"))
    mod("first-line-folded", {400, DROP}, fn=lambda m: m.lines.insert(0, (" Subject", "x")))
    mod("to-tag-unknown-dialog-invite", {481}, method="INVITE", to_tag="nosuch")
    mod("bye-unknown-dialog", {481}, method="BYE")
    mod("cancel-nothing", {481}, method="CANCEL")
    mod("ack-unknown", {DROP}, method="ACK")
    mod("require-unknown", {420}, method="INVITE", fn=lambda m: m.add("Require", "nosuchext"))
    mod("require-unknown-options", {420}, fn=lambda m: m.add("Require", "foo, bar"))
    mod("proxy-require-unknown", {420, OK}, fn=lambda m: m.add("Proxy-Require", "nosuchext"))
    mod("content-encoding-unknown", {415, 400}, method="INVITE",
        fn=lambda m: m.add("Content-Encoding", "x-unknown"))
    mod("register-expires-word", {400, OK}, method="REGISTER",
        fn=lambda m: m.replace("Expires", "soon"))
    mod("register-star-with-expires", {400}, method="REGISTER",
        fn=lambda m: m.replace("Contact", "*"))
    mod("register-contact-unclosed", {400}, method="REGISTER",
        fn=lambda m: m.replace("Contact", f"<sip:corpus@{c}"))
    mod("subscribe-no-event", {400, 489}, method="SUBSCRIBE", fn=lambda m: m.without("Event"))
    mod("subscribe-unknown-event", {489}, method="SUBSCRIBE",
        fn=lambda m: m.replace("Event", "no-such-package"))
    mod("refer-no-refer-to", {400}, method="REFER", fn=lambda m: m.without("Refer-To"))
    mod("refer-two-refer-to", {400}, method="REFER",
        fn=lambda m: m.add("Refer-To", f"<sip:x@{box}>"))
    mod("multipart-no-boundary", {400, 415}, method="INVITE",
        fn=lambda m: m.replace("Content-Type", "multipart/mixed"))


def corpus(host: str = "127.0.0.1", port: int = 5060, client_host: str = "127.0.0.1",
           client_port: int = 5099) -> list[Case]:
    """Every case, built for a box at ``host:port`` and a sender at
    ``client_host:client_port``. Deterministic (fixed random seeds)."""
    b = _Builder(host, port, client_host, client_port)
    for group in (_missing_headers, _content_length, _garbage, _truncated, _unknown_methods,
                  _uri_schemes, _versions, _oversized, _bad_sdp, _injection, _via_flood,
                  _max_forwards, _cseq, _via_branch, _stray_responses, _rfc4475_spirit):
        group(b)
    return b.cases
