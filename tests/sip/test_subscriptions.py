"""Event subscriptions served by the box (RFC 6665 basics) on the virtual clock."""
from __future__ import annotations

from typing import Optional

import pytest

from hal.clock import VirtualClock
from firmware.sip.headers import Via
from firmware.sip.message import SipRequest, parse
from firmware.sip.subscriptions import (EventPackage, SubState, Subscription, Subscriptions,
                                        make_notify, make_unsolicited_notify)

CT = "application/x-test"


class Phone:
    """A subscriber: builds SUBSCRIBEs, records the NOTIFYs the table asks for."""

    def __init__(self, **kw) -> None:
        self.clock = VirtualClock()
        self.sent: list[tuple[Subscription, dict, bytes]] = []
        self.subs = Subscriptions(self.clock, lambda s, h, b: self.sent.append((s, dict(h), b)),
                                  **kw)
        self.state = {"801": b"state-1"}
        self.subs.register(EventPackage("x-test", CT, lambda user: self.state[user], 600))
        self.cseq = 1

    def subscribe(self, event: Optional[str] = "x-test", expires: Optional[str] = "300",
                  to_tag: Optional[str] = None, call_id: str = "sub-1", contact: str = "<sip:801@192.0.2.5:5070>",
                  extra: tuple[str, ...] = ()) -> SipRequest:
        lines = [
            "SUBSCRIBE sip:801@box SIP/2.0",
            f"Via: SIP/2.0/UDP 192.0.2.5:5070;branch=z9hG4bKs{self.cseq}",
            "Max-Forwards: 70",
            "From: <sip:801@box>;tag=phone1",
            "To: <sip:801@box>" + (f";tag={to_tag}" if to_tag else ""),
            f"Call-ID: {call_id}",
            f"CSeq: {self.cseq} SUBSCRIBE",
        ]
        self.cseq += 1
        if contact:
            lines.append(f"Contact: {contact}")
        if event is not None:
            lines.append(f"Event: {event}")
        if expires is not None:
            lines.append(f"Expires: {expires}")
        lines += extra
        msg = parse(("\r\n".join(lines) + "\r\n\r\n").encode())
        assert isinstance(msg, SipRequest)
        return msg


def test_new_subscription_200_with_tag_expires_and_first_notify_after_the_200():
    p = Phone()
    resp = p.subs.subscribe(p.subscribe(extra=("Record-Route: <sip:proxy.example;lr>",)), "801",
                            contact="<sip:box@192.0.2.1>")
    assert resp.status == 200 and resp.to_tag and resp.get("Expires") == "300"
    assert resp.get("Contact") == "<sip:box@192.0.2.1>"
    assert p.sent == []                     # the NOTIFY waits one tick
    p.clock.advance(20)
    [(sub, headers, body)] = p.sent
    assert headers["Event"] == "x-test" and headers["Subscription-State"] == "active;expires=300"
    assert headers["Content-Type"] == CT and body == b"state-1"
    assert sub.local_tag == resp.to_tag and sub.remote_tag == "phone1" and sub.user == "801"
    assert str(sub.remote_target) == "sip:801@192.0.2.5:5070"
    assert sub.route_set == ["<sip:proxy.example;lr>"]
    assert sub.state is SubState.ACTIVE and len(p.subs) == 1


@pytest.mark.parametrize("kw, status, header", [
    (dict(event="presence"), 489, "Allow-Events"),
    (dict(event=None), 400, None),
    (dict(expires="10"), 423, "Min-Expires"),
    (dict(expires="soon"), 400, None),
    (dict(contact=""), 400, None),
    (dict(contact="<sip:801@192.0.2.5"), 400, None),
    (dict(extra=("Record-Route: <http://x>",)), 400, None),
    (dict(extra=("Accept: application/pidf+xml",)), 406, "Accept"),
    (dict(to_tag="nosuch"), 481, None),
])
def test_refusals(kw, status, header):
    p = Phone()
    resp = p.subs.subscribe(p.subscribe(**kw), "801")
    assert resp.status == status
    assert resp.get("Warning", "").startswith("399 ")
    if header:
        assert resp.get(header)
    if status == 489:
        assert "x-test" in resp.get("Allow-Events")
    if status == 423:
        assert resp.get("Min-Expires") == "60"
    p.clock.advance(100)
    assert p.sent == [] and len(p.subs) == 0


def test_expires_capped_and_default_from_package():
    p = Phone(max_expires_s=1000)
    assert p.subs.subscribe(p.subscribe(expires="99999"), "801").get("Expires") == "1000"
    assert p.subs.subscribe(p.subscribe(expires=None, call_id="sub-2"), "801").get("Expires") == "600"


def test_refresh_keeps_same_subscription_and_renotifies():
    p = Phone()
    tag = p.subs.subscribe(p.subscribe(), "801").to_tag
    p.clock.advance(200 * 1000)
    first = p.subs.active()[0]
    resp = p.subs.subscribe(p.subscribe(to_tag=tag, contact="<sip:801@192.0.2.6>"), "801")
    assert resp.status == 200 and resp.to_tag == tag
    p.clock.advance(20)
    assert [s for s in p.subs.active()] == [first] and len(p.subs) == 1
    assert str(first.remote_target) == "sip:801@192.0.2.6"
    assert p.sent[-1][1]["Subscription-State"] == "active;expires=300"
    # the old expiry (300 s after the first SUBSCRIBE) no longer applies
    p.clock.advance(150 * 1000)
    assert first.state is SubState.ACTIVE


def test_refresh_with_old_cseq_is_500():
    p = Phone()
    tag = p.subs.subscribe(p.subscribe(), "801").to_tag
    p.cseq = 1
    assert p.subs.subscribe(p.subscribe(to_tag=tag), "801").status == 500


def test_expiry_sends_terminated_timeout_and_forgets():
    p = Phone()
    p.subs.subscribe(p.subscribe(expires="60"), "801")
    p.clock.advance(59 * 1000)
    assert len(p.subs) == 1
    p.clock.advance(1020)
    assert len(p.subs) == 0
    assert p.sent[-1][1]["Subscription-State"] == "terminated;reason=timeout"
    assert p.sent[-1][0].state is SubState.TERMINATED
    n = len(p.sent)
    assert p.subs.notify_all("x-test", "801") == 0 and len(p.sent) == n


def test_expires_zero_new_is_fetch_existing_is_unsubscribe():
    p = Phone()
    resp = p.subs.subscribe(p.subscribe(expires="0"), "801")
    assert resp.status == 200 and resp.get("Expires") == "0" and len(p.subs) == 0
    p.clock.advance(20)
    assert p.sent[-1][1]["Subscription-State"] == "terminated;reason=timeout"
    assert p.sent[-1][2] == b"state-1"
    tag = p.subs.subscribe(p.subscribe(call_id="sub-9"), "801").to_tag
    assert len(p.subs) == 1
    p.subs.subscribe(p.subscribe(call_id="sub-9", to_tag=tag, expires="0"), "801")
    assert len(p.subs) == 0
    p.clock.advance(20)
    assert p.sent[-1][1]["Subscription-State"] == "terminated;reason=timeout"


def test_notify_all_only_that_user_and_package():
    p = Phone()
    p.state["802"] = b"other"
    p.subs.subscribe(p.subscribe(call_id="a"), "801")
    p.subs.subscribe(p.subscribe(call_id="b"), "801")
    p.subs.subscribe(p.subscribe(call_id="c"), "802")
    p.clock.advance(20)
    p.sent.clear()
    p.state["801"] = b"state-2"
    assert p.subs.notify_all("x-test", "801") == 2
    assert sorted(s.call_id for s, _, _ in p.sent) == ["a", "b"]
    assert all(b == b"state-2" for _, _, b in p.sent)
    assert p.subs.notify_all("x-test", "801", b"given") == 2 and p.sent[-1][2] == b"given"
    assert p.subs.notify_all("other-package", "801") == 0


def test_notify_481_or_timeout_removes_200_keeps():
    p = Phone()
    p.subs.subscribe(p.subscribe(call_id="a"), "801")
    p.subs.subscribe(p.subscribe(call_id="b"), "801")
    p.clock.advance(20)
    a, b = sorted(p.subs.active(), key=lambda s: s.call_id)
    p.subs.notify_answered(a, 200)
    p.subs.notify_answered(b, 481)
    assert p.subs.active() == [a] and b.state is SubState.TERMINATED
    p.subs.notify_answered(a, 408)
    assert len(p.subs) == 0
    n = len(p.sent)
    p.clock.advance(400 * 1000)        # no final NOTIFY for removed subscriptions
    assert len(p.sent) == n


def test_deactivate_user_sends_noresource():
    p = Phone()
    p.subs.subscribe(p.subscribe(), "801")
    p.clock.advance(20)
    assert p.subs.deactivate("801") == 1 and len(p.subs) == 0
    assert p.sent[-1][1]["Subscription-State"] == "terminated;reason=noresource"


def test_table_limit_503():
    p = Phone(max_subscriptions=1)
    assert p.subs.subscribe(p.subscribe(call_id="a"), "801").status == 200
    resp = p.subs.subscribe(p.subscribe(call_id="b"), "801")
    assert resp.status == 503 and resp.get("Retry-After")


def test_event_id_is_part_of_identity_and_echoed():
    p = Phone()
    tag = p.subs.subscribe(p.subscribe(event="x-test;id=7"), "801").to_tag
    p.clock.advance(20)
    assert p.sent[-1][1]["Event"] == "x-test;id=7"
    # same dialog, other id: not this subscription
    assert p.subs.subscribe(p.subscribe(event="x-test;id=8", to_tag=tag), "801").status == 481


def test_make_notify_builds_in_dialog_request():
    p = Phone()
    p.subs.subscribe(p.subscribe(extra=("Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>",)),
                     "801", contact="<sip:box@192.0.2.1>")
    p.clock.advance(20)
    sub, headers, body = p.sent[-1]
    via = Via("UDP", "192.0.2.1", 5060)
    n1 = make_notify(sub, via, body, headers.get("Content-Type"), headers["Subscription-State"])
    n2 = make_notify(sub, via, body, headers.get("Content-Type"), headers["Subscription-State"])
    again = parse(bytes(n1))             # survives the wire
    assert again.method == "NOTIFY" and str(again.uri) == "sip:801@192.0.2.5:5070"
    assert again.get_list("Route") == ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]
    assert again.from_tag == sub.local_tag and again.to_tag == "phone1"
    assert again.call_id == "sub-1" and again.get("Event") == "x-test"
    assert again.get("Subscription-State") == "active;expires=300"
    assert again.get("Contact") == "<sip:box@192.0.2.1>" and again.max_forwards == 70
    assert again.content_type == CT and again.body == b"state-1"
    assert n2.cseq.number == n1.cseq.number + 1
    assert n1.top_via.branch != n2.top_via.branch and n1.top_via.is_rfc3261


def test_make_notify_strict_router_and_contact_from_via():
    p = Phone()
    p.subs.subscribe(p.subscribe(extra=("Record-Route: <sip:strict.example>",)), "801")
    sub = p.subs.active()[0]
    n = make_notify(sub, "SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKn1")
    assert str(n.uri) == "sip:strict.example"
    assert n.get_list("Route") == ["<sip:801@192.0.2.5:5070>"]
    assert n.get("Contact") == "<sip:192.0.2.1:5060;transport=tcp>"
    assert n.get("Subscription-State") == "active" and n.body == b""


def test_unsolicited_notify():
    n = make_unsolicited_notify("sip:801@192.0.2.5:5070", "sip:801@box",
                                Via("UDP", "192.0.2.1", 5060), "message-summary", b"x\r\n",
                                "application/simple-message-summary")
    again = parse(bytes(n))
    assert str(again.uri) == "sip:801@192.0.2.5:5070" and again.from_tag and again.to_tag is None
    assert again.cseq.number == 1 and again.get("Event") == "message-summary"
    assert again.body == b"x\r\n"
