"""Message waiting indication: RFC 3842 bodies and the notifier on a Subscriptions table."""
from __future__ import annotations

import pytest

from hal.clock import VirtualClock
from firmware.sip.message import SipRequest, parse
from firmware.sip.mwi import CONTENT_TYPE, MwiNotifier, message_summary, parse_message_summary
from firmware.sip.subscriptions import Subscriptions


def test_message_summary_body():
    assert message_summary(2, 8, 0, 2, account="sip:801@box") == (
        b"Messages-Waiting: yes\r\nMessage-Account: sip:801@box\r\nVoice-Message: 2/8 (0/2)\r\n")
    assert message_summary(0, 3) == b"Messages-Waiting: no\r\nVoice-Message: 0/3 (0/0)\r\n"


@pytest.mark.parametrize("bad", [dict(new=-1, old=0), dict(new=1, old="2"),
                                 dict(new=0, old=0, account="sip:a\r\nX: y")])
def test_message_summary_refuses_bad_values(bad):
    with pytest.raises(ValueError):
        message_summary(**bad)


def test_parse_round_trip_and_other_classes():
    d = parse_message_summary(message_summary(3, 1, 1, 0, account="sip:7@h"))
    assert d == {"messages_waiting": True, "account": "sip:7@h",
                 "counts": {"voice-message": (3, 1, 1, 0)}}
    d = parse_message_summary(b"messages-waiting: NO\nFax-Message: 0/4\n\nTo: x\nVoice-Message: 9/9\n")
    assert d["messages_waiting"] is False and d["counts"] == {"fax-message": (0, 4, 0, 0)}


@pytest.mark.parametrize("body, words", [
    (b"Voice-Message: 1/2\r\n", "no Messages-Waiting"),
    (b"Messages-Waiting: perhaps\r\n", "neither yes nor no"),
    (b"Messages-Waiting: yes\r\nVoice-Message: lots\r\n", "Voice-Message"),
    (b"Messages-Waiting yes\r\n", "no ':'"),
])
def test_parse_errors_name_the_line(body, words):
    with pytest.raises(ValueError, match=words):
        parse_message_summary(body)


def subscribe(call_id: str, user: str = "801", expires: int = 600) -> SipRequest:
    lines = [
        f"SUBSCRIBE sip:{user}@box SIP/2.0",
        f"Via: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bK{call_id}",
        "Max-Forwards: 70",
        f"From: <sip:{user}@box>;tag=p-{call_id}",
        f"To: <sip:{user}@box>",
        f"Call-ID: {call_id}",
        "CSeq: 1 SUBSCRIBE",
        f"Contact: <sip:{user}@192.0.2.5>",
        "Event: message-summary",
        "Accept: application/simple-message-summary",
        f"Expires: {expires}",
    ]
    return parse(("\r\n".join(lines) + "\r\n\r\n").encode())


def make_box():
    clock = VirtualClock()
    sent = []
    unsolicited = []
    subs = Subscriptions(clock, lambda s, h, b: sent.append((s, dict(h), b)))
    boxes = {"801": (1, 4), "802": (0, 0, 0, 0)}
    mwi = MwiNotifier(subs, lambda user: boxes[user], domain="box",
                      unsolicited=lambda user, h, b: unsolicited.append((user, dict(h), b)))
    return clock, subs, boxes, mwi, sent, unsolicited


def test_subscribe_gets_current_summary_then_changes():
    clock, subs, boxes, mwi, sent, unsolicited = make_box()
    assert subs.subscribe(subscribe("m1"), "801").status == 200
    clock.advance(20)
    sub, headers, body = sent[-1]
    assert headers["Event"] == "message-summary" and headers["Content-Type"] == CONTENT_TYPE
    assert parse_message_summary(body) == {"messages_waiting": True, "account": "sip:801@box",
                                           "counts": {"voice-message": (1, 4, 0, 0)}}
    boxes["801"] = (0, 5)                     # the message was listened to
    assert mwi.changed("801") == 1
    assert parse_message_summary(sent[-1][2])["messages_waiting"] is False
    assert unsolicited == []


def test_unknown_package_is_489_but_message_summary_is_served():
    clock, subs, *_ = make_box()
    req = subscribe("m2")
    req.set("Event", "presence")
    resp = subs.subscribe(req, "801")
    assert resp.status == 489 and resp.get("Allow-Events") == "message-summary"


def test_unsolicited_when_nobody_subscribed():
    clock, subs, boxes, mwi, sent, unsolicited = make_box()
    boxes["802"] = (2, 0, 1, 0)
    assert mwi.changed("802") == 0
    [(user, headers, body)] = unsolicited
    assert user == "802" and headers["Event"] == "message-summary"
    assert body == message_summary(2, 0, 1, 0, account="sip:802@box")
    assert sent == []


def test_bad_counts_callback_is_reported():
    clock, subs, boxes, mwi, *_ = make_box()
    boxes["801"] = (1, 2, 3)
    with pytest.raises(ValueError, match="counts"):
        mwi.changed("801")
