"""REFER / Replaces / Referred-By / Refer-Sub / sipfrag helpers (RFC 3515, 3891, 3892, 4488)."""
from __future__ import annotations

import pytest

from firmware.sip.message import SipRequest, parse
from firmware.sip.refer import (SIPFRAG_TYPE, ReferError, Replaces, make_refer_to, parse_refer,
                                parse_replaces, parse_sipfrag, refer_notify_fields, sipfrag)
from firmware.sip.uri import SipUri


def refer(*extra: str) -> SipRequest:
    lines = [
        "REFER sip:box@192.0.2.1 SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bKref1",
        "Max-Forwards: 70",
        "From: <sip:801@box>;tag=a1",
        "To: <sip:box@box>;tag=b2",
        "Call-ID: refer-call-1",
        "CSeq: 5 REFER",
        "Contact: <sip:801@192.0.2.20>",
        *extra,
    ]
    msg = parse(("\r\n".join(lines) + "\r\n\r\n").encode())
    assert isinstance(msg, SipRequest)
    return msg


def test_blind_transfer_target_and_no_replaces():
    r = parse_refer(refer("Refer-To: <sip:802@box>"))
    assert r.target == SipUri.parse("sip:802@box")
    assert r.replaces is None and r.referred_by is None
    assert r.method == "INVITE" and r.subscribe is True


def test_attended_transfer_replaces_decoded_and_removed_from_target():
    value = make_refer_to("sip:803@192.0.2.30:5062",
                          Replaces("abc@192.0.2.30", to_tag="t-803", from_tag="f-801"))
    assert "%40" in value and "%3B" in value and ";to-tag" not in value   # escaped in the URI
    r = parse_refer(refer(f"Refer-To: {value}", "Referred-By: <sip:801@box>"))
    assert r.replaces == Replaces("abc@192.0.2.30", "t-803", "f-801", False)
    assert r.target.headers == {} and "?" not in str(r.target)
    assert r.target.port == 5062 and r.target.user == "803"
    assert str(r.referred_by.uri) == "sip:801@box"


def test_replaces_round_trip_early_only_and_compact_refer_to():
    rep = Replaces("x.y@h", "to1", "from1", early_only=True)
    assert parse_replaces(str(rep)) == rep
    r = parse_refer(refer(f"r: {make_refer_to(SipUri.parse('sip:9@h'), rep)}", "b: <sip:1@h>"))
    assert r.replaces.early_only and r.referred_by is not None


def test_lower_case_replaces_header_name_and_other_uri_headers_kept():
    r = parse_refer(refer("Refer-To: <sip:5@h?replaces=cid%3Bto-tag%3D1%3Bfrom-tag%3D2&Subject=hi%20there>"))
    assert r.replaces == Replaces("cid", "1", "2")
    assert r.headers == (("Subject", "hi there"),)


def test_method_parameter_and_refer_sub_false():
    r = parse_refer(refer("Refer-To: <sip:5@h;method=BYE>", "Refer-Sub: false"))
    assert r.method == "BYE" and "method" not in r.target.params
    assert r.subscribe is False


@pytest.mark.parametrize("extra, words", [
    ((), "no Refer-To"),
    (("Refer-To: <sip:1@h>", "Refer-To: <sip:2@h>"), "exactly one"),
    (("Refer-To: <sip:1@h>, <sip:2@h>",), "exactly one"),
    (("Refer-To: <http://example.com/>",), "http"),
    (("Refer-To: <sip:1@h?Replaces=cid%3Bto-tag%3D1>",), "from-tag"),
    (("Refer-To: <sip:1@h?Replaces=%3Bto-tag%3D1%3Bfrom-tag%3D2>",), "Call-ID"),
    (("Refer-To: <sip:1@h;method=BYE?Replaces=c%3Bto-tag%3D1%3Bfrom-tag%3D2>",), "only INVITE"),
    (("Refer-To: <sip:1@h>", "Referred-By: <sip:1@h"), "Referred-By"),
    (("Refer-To: <sip:1@h>", "Refer-Sub: maybe"), "Refer-Sub"),
])
def test_bad_refer_is_400_with_plain_reason(extra, words):
    with pytest.raises(ReferError) as e:
        parse_refer(refer(*extra))
    assert e.value.status == 400
    assert words in e.value.reason


def test_parse_replaces_header_of_an_invite():
    assert parse_replaces(" 98732@sip.example.com ;from-tag=r33th4x0r;to-tag=ff87ff ") == \
        Replaces("98732@sip.example.com", "ff87ff", "r33th4x0r")
    with pytest.raises(ReferError, match="to-tag"):
        parse_replaces("98732@sip.example.com;from-tag=r33th4x0r")


def test_sipfrag_and_parse_back():
    assert sipfrag(180, "Ringing") == b"SIP/2.0 180 Ringing\r\n"
    assert sipfrag(200) == b"SIP/2.0 200 OK\r\n"
    assert parse_sipfrag(sipfrag(486)) == (486, "Busy Here")
    with pytest.raises(ValueError):
        sipfrag(99, "x")
    with pytest.raises(ReferError):
        parse_sipfrag(b"hello")


def test_refer_notify_fields_active_then_terminated():
    headers, body = refer_notify_fields(100, final=False, expires_s=60)
    h = dict(headers)
    assert h["Event"] == "refer" and h["Subscription-State"] == "active;expires=60"
    assert h["Content-Type"] == SIPFRAG_TYPE and body == b"SIP/2.0 100 Trying\r\n"
    headers, body = refer_notify_fields(200, final=True, refer_id=7)
    h = dict(headers)
    assert h["Subscription-State"] == "terminated;reason=noresource"
    assert h["Event"] == "refer;id=7" and body == b"SIP/2.0 200 OK\r\n"
