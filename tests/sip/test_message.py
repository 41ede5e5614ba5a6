"""SIP message parsing and serialising: RFC 3261 grammar, RFC 4475 torture-test ideas."""
from __future__ import annotations

import pytest

from firmware.sip.headers import Address, CSeq, Via, canonical_name
from firmware.sip.message import (MAX_MESSAGE, SipFramingError, SipParseError, SipRequest,
                                  SipResponse, StreamParser, Target, make_ack, make_cancel,
                                  make_error_response, make_response, new_branch, new_call_id,
                                  new_tag, parse, response_target)
from firmware.sip.uri import SipUri


def msg(*lines: str, body: bytes = b"") -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


BASIC = (
    "INVITE sip:bob@biloxi.example.com SIP/2.0",
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
    "Max-Forwards: 70",
    "To: Bob <sip:bob@biloxi.example.com>",
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
    "CSeq: 314159 INVITE",
    "Contact: <sip:alice@pc33.atlanta.example.com>",
)


def without(name: str) -> bytes:
    return msg(*[l for l in BASIC if not l.startswith(name + ":")])


# -------------------------------------------------------------------- good messages
def test_tortuous_invite_compact_forms_folding_whitespace_unknown_headers():
    # after RFC 4475 3.1.1.1 "wsinv": odd spacing, folding, compact names, case
    data = msg(
        "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0",
        "TO :",
        " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n",
        "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>",
        "  ;",
        "  tag = 98asjd8",
        "MaX-fOrWaRdS: 0068",
        "Call-ID: wsinv.ndaksdj@192.0.2.1",
        "Content-Length   : 150",
        "cseq: 0009",
        "  INVITE",
        "Via  : SIP  /   2.0",
        " /UDP",
        "    192.0.2.2;rport;branch=390skdjuw",
        "s :",
        "NewFangledHeader:   newfangled value",
        " continued newfangled value",
        "UnknownHeaderWithUnusualValue: ;;,,;;,;",
        "Content-Type: application/sdp",
        "Route:",
        " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>",
        "v:  SIP  / 2.0  / TCP     spindle.example.com   ;",
        "  branch  =   z9hG4bK9ikj8  ,",
        " SIP  /    2.0   / UDP  192.168.255.111   ; branch=",
        " z9hG4bK30239",
        "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =",
        "      newvalue ;",
        "  secondparam ; q = 0.33",
        body=b"v=0\r\n" + b"x" * 145)
    m = parse(data)
    assert isinstance(m, SipRequest) and m.method == "INVITE"
    assert m.uri.params.get("unknownparam", "x") is None
    assert m.to_tag == "1918181833n"
    assert m.from_addr.display == 'J Rosenberg \\"' and m.from_tag == "98asjd8"
    assert m.max_forwards == 68
    assert m.cseq == CSeq(9, "INVITE")
    vias = m.vias
    assert [v.transport for v in vias] == ["UDP", "TCP", "UDP"]
    assert [v.branch for v in vias] == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"]
    assert vias[0].rport_requested and vias[0].rport is None
    assert m.get("NEWFANGLEDHEADER") == "newvalue continued newfangled value".replace(
        "newvalue", "newfangled value")
    assert m.get("UnknownHeaderWithUnusualValue") == ";;,,;;,;"
    assert m.get("Subject") == "" and m.content_type == "application/sdp"
    contact, = m.contacts
    assert contact.display == 'Quoted string ""' and contact.params["q"] == "0.33"
    assert contact.params.get("newparam") == "newvalue" and "secondparam" in contact.params
    assert len(m.body) == 150
    # serialise and parse again: same structure, and the second round is byte-stable
    again = parse(m.encode())
    def no_cl(h):
        return [(n, v) for n, v in h if n != "Content-Length"]
    assert no_cl(again.headers) == no_cl(m.headers) and again.body == m.body
    assert parse(again.encode()).encode() == again.encode()


def test_unusual_method_and_escaped_uris():
    # RFC 4475 3.1.1.3 "intmeth" and 3.1.1.2 "esc01"-style escaping
    method = "!interesting-Method0123456789_*+`.%indeed'~"
    data = msg(f"{method} sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0",
               "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~",
               "To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>",
               "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\";tag=_token~1'+`*%!-.",
               "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
               f"CSeq: 139122385 {method}",
               "Max-Forwards: 255",
               "extensionHeader-!.%*+_`'~: \xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb")
    m = parse(data)
    assert m.method == method and m.cseq.method == method
    assert m.uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
    assert m.uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
    assert m.from_tag == "_token~1'+`*%!-." and m.from_addr.display == "token1~` token2'+_ token3*%!.-"
    assert m.call_id == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"
    assert parse(m.encode()).uri == m.uri


def test_escaped_user_round_trip():
    u = SipUri.parse("sip:sips%3Auser%40example.com@example.net")
    assert u.user == "sips:user@example.com" and u.host == "example.net"
    assert str(u) == "sip:sips%3Auser%40example.com@example.net"
    assert SipUri.parse("sip:%61lice@atlanta.com") == SipUri.parse("sip:alice@atlanta.com")


@pytest.mark.parametrize("text", [
    "sip:alice@atlanta.com",
    "sip:alice:secretword@atlanta.com;transport=tcp",
    "sips:alice@atlanta.com?subject=project%20x&priority=urgent",
    "sip:+1-212-555-1212:1234@gateway.com;user=phone",
    "sips:1212@gateway.com",
    "sip:alice@192.0.2.4",
    "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com",
    "sip:alice;day=tuesday@atlanta.com",
    "sip:[2001:db8::10]",
    "sip:user@[2001:db8::10]:5070;lr;maddr=[2001:db8::1]",
    "sip:proxy.example.com:5061;transport=tls",
    "tel:+86-10-1234-5678;phone-context=example.com",
])
def test_uri_round_trips(text):
    u = SipUri.parse(text)
    assert str(u) == text
    assert SipUri.parse(str(u)) == u


def test_uri_fields_and_equivalence():
    u = SipUri.parse("SIP:Alice@[2001:DB8::10]:5070;Transport=TCP;lr")
    assert (u.scheme, u.user, u.host, u.port) == ("sip", "Alice", "2001:DB8::10", 5070)
    assert u.transport == "TCP" and "LR" in u.params and u.hostport == "[2001:DB8::10]:5070"
    assert SipUri.parse("sip:alice@AtLanTa.CoM;Transport=UDP") == SipUri.parse("sip:alice@atlanta.com;transport=udp")
    assert SipUri.parse("sip:alice@atlanta.com") != SipUri.parse("sip:ALICE@atlanta.com")
    assert SipUri.parse("sip:bob@biloxi.com") != SipUri.parse("sip:bob@biloxi.com;transport=udp")
    assert SipUri.parse("sip:bob@biloxi.com:5060") != SipUri.parse("sip:bob@biloxi.com")
    built = SipUri("10.0.0.1", user="a b", port=5062, params={"transport": "tcp"})
    assert str(built) == "sip:a%20b@10.0.0.1:5062;transport=tcp"


def test_ipv6_message():
    data = msg("REGISTER sip:[2001:db8::10] SIP/2.0",
               "To: sip:user@example.com",
               "From: sip:user@example.com;tag=81x2",
               "Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111;received=[2001:db8::9:255];rport=5070",
               "Call-ID: SSG9559905523997077@hlau_4100",
               "Max-Forwards: 70",
               "Contact: \"Caller\" <sip:caller@[2001:db8::9:1]>",
               "CSeq: 98176 REGISTER")
    m = parse(data)
    assert m.uri.host == "2001:db8::10"
    via = m.top_via
    assert via.host == "2001:db8::9:1" and via.port is None
    assert via.received == "[2001:db8::9:255]" and via.rport == 5070
    assert m.to_addr.uri.user == "user" and m.to_tag is None and m.from_tag == "81x2"
    assert m.contacts[0].uri.host == "2001:db8::9:1"
    assert str(via) == "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111;received=[2001:db8::9:255];rport=5070"


def test_response_and_via_lines_kept_in_order():
    data = msg("SIP/2.0 183 Session Progress Now",
               "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2",
               "Via: SIP/2.0/TCP c.example.com:5070;branch=z9hG4bK3;received=10.0.0.3",
               "To: <sip:bob@b.example.com>;tag=t",
               "From: <sip:alice@a.example.com>;tag=f",
               "Call-ID: x@y",
               "CSeq: 1 INVITE",
               "Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>",
               "Content-Type: application/sdp",
               "Content-Length: 3",
               body=b"v=0")
    m = parse(data)
    assert isinstance(m, SipResponse) and (m.status, m.reason) == (183, "Session Progress Now")
    assert [v.host for v in m.vias] == ["a.example.com", "b.example.com", "c.example.com"]
    assert m.get_list("Record-Route") == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
    top = m.pop_via()
    assert top.branch == "z9hG4bK1" and [v.host for v in m.vias] == ["b.example.com", "c.example.com"]
    m.push_via(Via("UDP", "d.example.com", 5062, {"branch": "z9hG4bKd"}))
    assert m.top_via.host == "d.example.com"
    assert m.encode().endswith(b"Content-Length: 3\r\n\r\nv=0")


def test_extra_bytes_after_content_length_are_discarded():
    m = parse(msg(*BASIC, "Content-Length: 4", body=b"abcdEXTRA"))
    assert m.body == b"abcd"
    m = parse(msg(*BASIC, body=b"no length"))       # UDP: the datagram holds the body
    assert m.body == b"no length"
    assert parse(b"\r\n\r\n" + msg(*BASIC)).method == "INVITE"   # leading CRLFs skipped


def test_encode_writes_true_content_length():
    m = parse(msg(*BASIC, "Content-Length: 0"))
    m.body = b"v=0\r\n"
    data = m.encode()
    assert data.count(b"Content-Length") == 1 and b"Content-Length: 5\r\n\r\nv=0\r\n" in data
    assert bytes(m) == data


def test_header_access_case_insensitive_and_compact():
    m = parse(msg(*BASIC, "k: replaces, 100rel", "k: timer"))
    assert m.get("supported") == "replaces, 100rel" and m.get("K") == "replaces, 100rel"
    assert m.get_list("Supported") == ["replaces", "100rel", "timer"]
    assert "call-id" in m and "i" in m and "X-None" not in m
    m.set("Supported", "path")
    assert m.get_all("Supported") == ["path"]
    assert m.remove("CONTACT") == 1 and m.contacts == []
    assert canonical_name("www-authenticate") == "WWW-Authenticate"
    assert canonical_name("X-Custom-thing") == "X-Custom-thing"


def test_address_forms():
    a = Address.parse('"Zhang San" <sip:801@box.local>;tag=abc;expires=60')
    assert (a.display, a.uri.user, a.tag, a.params["expires"]) == ("Zhang San", "801", "abc", "60")
    b = Address.parse("sip:801@box.local;tag=x")        # addr-spec: params are the header's
    assert b.tag == "x" and "tag" not in b.uri.params
    c = Address.parse("Bob Smith <sip:bob@x.org;transport=tcp>;tag=1")
    assert c.display == "Bob Smith" and c.uri.transport == "TCP"
    assert str(c) == '"Bob Smith" <sip:bob@x.org;transport=tcp>;tag=1'
    assert Address.parse(str(a)).tag == "abc"
    c.tag = "2"
    assert str(c).endswith(";tag=2")


def test_via_forms():
    v = Via.parse("SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKabc;rport;received=1.2.3.4;maddr=224.2.0.1;ttl=16")
    assert v.sent_by == ("10.0.0.1", 5062) and v.is_rfc3261
    assert v.rport_requested and v.rport is None and v.received == "1.2.3.4" and v.maddr == "224.2.0.1"
    v.rport = 40000
    assert ";rport=40000" in str(v)
    assert Via.parse("SIP/2.0/TLS h.example").sent_by == ("h.example", 5061)
    assert len(Via.parse_list("SIP/2.0/UDP a;branch=1 , SIP/2.0/UDP b;branch=2")) == 2


def test_make_response_copies_per_8_2_6():
    req = parse(msg(*BASIC[:2], "Via: SIP/2.0/UDP second.example;branch=z9hG4bK2", *BASIC[2:],
                    "Timestamp: 54"))
    r = make_response(req, 180, to_tag="xyz")
    assert r.status == 180 and r.reason == "Ringing"
    assert r.get_all("Via") == req.get_all("Via")
    assert r.to_tag == "xyz" and r.from_tag == "1928301774"
    assert (r.call_id, str(r.cseq)) == (req.call_id, "314159 INVITE")
    assert "Contact" not in r and "Timestamp" not in r
    assert make_response(req, 100).get("Timestamp") == "54"
    assert make_response(req, 299).reason == "Unknown" and make_response(req, 200, "Fine").reason == "Fine"
    tagged = make_response(parse(make_response(req, 200, to_tag="a").encode()), 200, to_tag="b")
    assert tagged.to_tag == "a"       # an existing tag is never replaced


def test_make_ack_and_cancel():
    req = parse(msg(*BASIC, "Route: <sip:p.example;lr>"))
    resp = make_response(req, 486, to_tag="tt")
    ack = make_ack(req, resp)
    assert ack.method == "ACK" and str(ack.cseq) == "314159 ACK" and ack.to_tag == "tt"
    assert ack.get("Route") == "<sip:p.example;lr>" and ack.top_via.branch == "z9hG4bK776asdhds"
    cancel = make_cancel(req)
    assert str(cancel.cseq) == "314159 CANCEL" and cancel.to_tag is None
    assert cancel.top_via.branch == req.top_via.branch and str(cancel.uri) == str(req.uri)
    assert parse(ack.encode()).method == "ACK" and parse(cancel.encode()).method == "CANCEL"


def test_response_target_rules():
    req = parse(msg(*BASIC))
    req.source = Target("UDP", "203.0.113.5", 6000)
    assert response_target(req) == Target("UDP", "pc33.atlanta.example.com", 5060)
    via = req.top_via
    via.received = "203.0.113.5"
    req.set_top_via(via)
    assert response_target(req) == Target("UDP", "203.0.113.5", 5060)
    via.rport = 6000
    req.set_top_via(via)
    assert response_target(req) == Target("UDP", "203.0.113.5", 6000)
    v6 = parse(msg(BASIC[0], "Via: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1;received=[2001:db8::2];rport=7000", *BASIC[2:]))
    assert response_target(v6) == Target("UDP", "2001:db8::2", 7000)
    tcp = parse(msg(BASIC[0], "Via: SIP/2.0/TCP c.example:5070;branch=z9hG4bK1", *BASIC[2:]))
    tcp.source = Target("TCP", "203.0.113.9", 41000)
    assert response_target(tcp) == tcp.source
    tcp.source = None
    assert response_target(tcp) == Target("TCP", "c.example", 5070)


def test_identifiers():
    assert new_branch().startswith("z9hG4bK") and new_branch() != new_branch()
    assert new_tag() != new_tag() and new_call_id("box").endswith("@box")


# -------------------------------------------------------------------- bad messages
@pytest.mark.parametrize("data, status, words", [
    (without("To"), 400, "mandatory header To is missing"),
    (without("From"), 400, "mandatory header From is missing"),
    (without("Call-ID"), 400, "mandatory header Call-ID is missing"),
    (without("CSeq"), 400, "mandatory header CSeq is missing"),
    (without("Via"), 400, "mandatory header Via is missing"),
    (without("Max-Forwards"), 400, "mandatory header Max-Forwards is missing"),
    (msg(*BASIC, "Content-Length: 10", body=b"short"), 400, "Content-Length says 10 bytes but the body has only 5"),
    (msg(*BASIC, "Content-Length: ten"), 400, "Content-Length 'ten' is not a number"),
    (msg(*[l.replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE") for l in BASIC]), 400, "does not match"),
    (msg(*[l.replace("CSeq: 314159 INVITE", "CSeq: -1 INVITE") for l in BASIC]), 400, "CSeq number"),
    (msg(*[l.replace("CSeq: 314159 INVITE", "CSeq: 36893488147419103232 INVITE") for l in BASIC]), 400, "below 2**31"),
    (msg(*[l.replace("CSeq: 314159 INVITE", "CSeq: INVITE") for l in BASIC]), 400, "CSeq"),
    (msg(*[l.replace("Max-Forwards: 70", "Max-Forwards: many") for l in BASIC]), 400, "Max-Forwards"),
    (msg(*[l.replace("Max-Forwards: 70", "Max-Forwards: 7\u00b2") for l in BASIC]), 400, "Max-Forwards"),
    (msg(*BASIC, "Content-Length: \u0661"), 400, "Content-Length"),
    (msg(*BASIC, "To: <sip:other@x>"), 400, "header To appears more than once"),
    (msg(*[l.replace("Alice <sip:alice", '"Alice <sip:alice') for l in BASIC]), 400, "closing quote"),
    (msg(*[l.replace("To: Bob <sip:bob@biloxi.example.com>", "To: Bob <sip:bob@biloxi.example.com") for l in BASIC]), 400, "no closing '>'"),
    (msg(*[l.replace("Via: SIP/2.0/UDP pc33", "Via: pc33") for l in BASIC]), 400, "Via"),
    (msg(*[l.replace("Call-ID: a84b", "Call-ID: a8 4b") for l in BASIC]), 400, "Call-ID"),
    (msg("INVITE sip:bob@biloxi.example.com SIP/7.0", *BASIC[1:]), 505, "version"),
    (msg("INVITE http://www.example.com SIP/2.0", *BASIC[1:]), 416, "scheme"),
    (msg("INVITE sip:bob@biloxi.example.com SIP/2.0 extra", *BASIC[1:]), 400, "bad request line"),
    (msg("INVITE  sip:bob@biloxi.example.com SIP/2.0", *BASIC[1:]), 400, "bad request line"),
    (msg("INVITE sip:@biloxi.example.com SIP/2.0", *BASIC[1:]), 400, "empty user"),
    (msg("INVITE sip:bob@bi loxi SIP/2.0", *BASIC[1:]), 400, "bad request line"),
    (msg("INVITE sip:bob@host:99999 SIP/2.0", *BASIC[1:]), 400, "port"),
    (msg("INVITE sip:bob@[2001:db8::1 SIP/2.0", *BASIC[1:]), 400, "IPv6"),
    (msg(*BASIC, "This line has no colon"), 400, "has no ':'"),
    (msg("SIP/2.0 99 Too Small", *BASIC[1:]), 400, "status code"),
    (msg("SIP/2.0 2000 OK", *BASIC[1:]), 400, "status code"),
    (("\r\n".join(BASIC) + "\r\n").encode(), 400, "no empty line"),
    (b"", 400, "empty message"),
    (b"\xff\xfe\x00garbage", 400, "no empty line"),
    (msg(*BASIC, body=b"x" * (MAX_MESSAGE + 1)), 513, "64 KiB"),
])
def test_malformed_messages_say_what_is_wrong(data, status, words):
    with pytest.raises(SipParseError) as info:
        parse(data)
    assert words in info.value.reason and info.value.status == status


def test_response_without_max_forwards_is_fine_but_needs_the_others():
    m = parse(msg("SIP/2.0 200 OK", *[l for l in BASIC[1:] if not l.startswith("Max-")]))
    assert m.status == 200
    with pytest.raises(SipParseError, match="Via is missing"):
        parse(msg("SIP/2.0 200 OK", *[l for l in BASIC[1:] if not l.startswith("Via")]))


def test_error_response_for_identifiable_bad_request():
    with pytest.raises(SipParseError) as info:
        parse(without("Max-Forwards"))
    resp = make_error_response(info.value)
    assert resp.status == 400 and resp.call_id == "a84b4c76e66710@pc33.atlanta.example.com"
    assert "Max-Forwards" in resp.get("Warning") and resp.get("Warning").startswith("399 hotline")
    with pytest.raises(SipParseError) as info:
        parse(without("Via"))
    assert make_error_response(info.value) is None            # nowhere to send it
    with pytest.raises(SipParseError) as info:
        parse(msg("SIP/2.0 200 OK", *[l for l in BASIC[1:] if not l.startswith("To")]))
    assert make_error_response(info.value) is None            # never answer a response


# -------------------------------------------------------------------- stream framing
def test_stream_parser_split_joined_and_keepalive():
    pings = []
    errors = []
    p = StreamParser(on_ping=lambda: pings.append(1), on_error=lambda raw, e: errors.append(e))
    one = parse(msg(*BASIC, "Content-Length: 5", body=b"hello")).encode()
    two = parse(msg(*BASIC)).encode()
    out = p.feed(one + two)
    assert [m.body for m in out] == [b"hello", b""]
    out = []
    for i in range(0, len(one), 7):
        out += p.feed(one[i:i + 7])
    assert len(out) == 1 and out[0].body == b"hello" and p.buffered == 0
    assert p.feed(b"\r\n") == [] and pings == []       # half a ping: wait
    assert p.feed(b"\r\n") == [] and pings == [1]
    assert p.feed(b"\r\n" + two) and pings == [1]      # a lone CRLF (pong) is skipped
    bad = msg(*[l for l in BASIC if not l.startswith("CSeq")])
    assert len(p.feed(bad + two)) == 1 and "CSeq" in errors[0].reason


def test_stream_parser_loses_framing_clearly():
    p = StreamParser()
    with pytest.raises(SipFramingError, match="not a number"):
        p.feed(msg(*BASIC, "l: abc"))
    p = StreamParser()
    with pytest.raises(SipFramingError, match="64 KiB"):
        p.feed(msg(*BASIC, f"Content-Length: {MAX_MESSAGE}"))
    p = StreamParser(max_size=1000)
    with pytest.raises(SipFramingError, match="no end of headers"):
        p.feed(b"INVITE sip:a@b SIP/2.0\r\n" + b"X: y\r\n" * 200)
