"""Dialogs (RFC 3261 §12): creation from both sides, in-dialog requests (loose and strict
routing, CSeq), CSeq ordering and target refresh."""
from __future__ import annotations

import pytest

from firmware.sip.dialog import Dialog, DialogError, DialogState
from firmware.sip.headers import Via
from firmware.sip.message import SipRequest, Target, make_response, parse

INVITE = (
    "INVITE sip:802@box.example SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK-1;rport=40000;received=198.51.100.7\r\n"
    "Record-Route: <sip:p1.example;lr>\r\n"
    "Record-Route: <sip:p2.example;lr>\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Ann\" <sip:801@box.example>;tag=ann1\r\n"
    "To: <sip:802@box.example>\r\n"
    "Call-ID: c1@10.0.0.5\r\n"
    "CSeq: 7 INVITE\r\n"
    "Contact: <sip:801@10.0.0.5:5062>\r\n"
    "Content-Length: 0\r\n\r\n").encode()


def _invite() -> SipRequest:
    req = parse(INVITE)
    req.source = Target("UDP", "198.51.100.7", 40000)
    return req


def test_uas_dialog_takes_route_set_in_order_and_sends_to_the_first_route_or_the_flow():
    d = Dialog.as_uas(_invite(), "box9")
    assert d.id == ("c1@10.0.0.5", "box9", "ann1")
    assert d.route_set == ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]
    assert str(d.remote_target) == "sip:801@10.0.0.5:5062"
    assert d.target == Target("UDP", "198.51.100.7", 40000)     # p1 is a name: the flow
    bye = d.make_request("BYE", Via("UDP", "192.0.2.1", 5060, {"branch": "z9hG4bK-x"}))
    assert str(bye.uri) == "sip:801@10.0.0.5:5062"               # loose routing
    assert bye.get_all("Route") == ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]
    assert bye.from_tag == "box9" and bye.to_tag == "ann1"
    assert bye.cseq.method == "BYE" and bye.cseq.number == d.local_seq


def test_strict_router_puts_the_target_last():
    req = _invite()
    req.remove("Record-Route")
    req.add("Record-Route", "<sip:strict.example>")
    d = Dialog.as_uas(req, "t")
    r = d.make_request("INFO", Via("UDP", "192.0.2.1", 5060, {"branch": "z9hG4bK-y"}))
    assert str(r.uri) == "sip:strict.example"
    assert r.get_all("Route")[-1] == "<sip:801@10.0.0.5:5062>"


def test_cseq_must_rise_and_target_refreshes_on_reinvite():
    d = Dialog.as_uas(_invite(), "box9")
    re = parse(INVITE.replace(b"CSeq: 7 INVITE", b"CSeq: 8 INVITE")
               .replace(b"<sip:801@10.0.0.5:5062>", b"<sip:801@10.0.0.99:5062>")
               .replace(b"To: <sip:802@box.example>", b"To: <sip:802@box.example>;tag=box9"))
    d.check_request(re)
    assert str(d.remote_target) == "sip:801@10.0.0.99:5062"
    with pytest.raises(DialogError) as e:
        d.check_request(re)                                       # same CSeq again
    assert e.value.status == 500


def test_uac_dialog_reverses_record_route_and_confirms():
    req = _invite()
    resp = make_response(req, 180, to_tag="bob1")
    resp.add("Contact", "<sip:802@10.0.0.8>")
    resp.add("Record-Route", "<sip:p1.example;lr>")
    resp.add("Record-Route", "<sip:p2.example;lr>")
    d = Dialog.as_uac(req, resp, Target("UDP", "10.0.0.8", 5060))
    assert d.state == DialogState.EARLY
    assert d.route_set == ["<sip:p2.example;lr>", "<sip:p1.example;lr>"]
    assert d.local_tag == "ann1" and d.remote_tag == "bob1"
    ack = d.make_request("ACK", Via("UDP", "10.0.0.5", 5062, {"branch": "z9hG4bK-a"}), cseq=7)
    assert ack.cseq.number == 7 and d.local_seq == 7             # ACK reuses the INVITE's CSeq
    d.confirm()
    assert d.state == DialogState.CONFIRMED


def test_request_without_contact_cannot_make_a_dialog():
    req = _invite()
    req.remove("Contact")
    with pytest.raises(DialogError):
        Dialog.as_uas(req, "x")
