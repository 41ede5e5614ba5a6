"""The malformed-SIP corpus (tests/sip/malformed.py) through the parser, offline.

Each case goes through ``firmware.sip.message.parse`` (+ ``make_error_response``): a
parse error must carry an expected status (or be unanswerable when "drop" is
expected); a message that parses is judged by the rules the UA applies next
(:func:`tu_outcome`: 501 unknown method, 483 Max-Forwards 0, 420 unknown Require, 481
no dialog / nothing to cancel, 415/400/488 for the INVITE body, REFER and SUBSCRIBE by
their own modules) and stray responses must be dropped by the transaction layer.
Nothing may raise anything but SipParseError. The lead fires the same corpus at the
running daemon over UDP/TCP.
"""
from __future__ import annotations

from typing import Union

import pytest

from hal.clock import VirtualClock
from firmware.sip.message import (MAX_MESSAGE, SipFramingError, SipParseError, SipRequest,
                                  SipResponse, StreamParser, Target, make_error_response, parse)
from firmware.sip.mwi import MwiNotifier
from firmware.sip.refer import ReferError, parse_refer
from firmware.sip.sdp import NoCommonCodec, SdpError, negotiate
from firmware.sip.subscriptions import Subscriptions
from firmware.sip.transaction import TransactionLayer
from tests.sip.malformed import DROP, METHODS, OK, UDP_MAX, Case, corpus

CASES = corpus()
SUPPORTED = {"replaces", "norefersub", "path", "outbound", "timer"}

#: what message.py gets wrong today (case-name prefix -> what is wrong); each matching case
#: is an xfail(strict), so the test turns red once it is fixed and the entry must go.
#: Empty: bad request lines are answered 416/505/400 since the headers are read anyway.
KNOWN_GAPS: dict[tuple[str, ...], str] = {}


def known_gap(name: str) -> str:
    for prefixes, reason in KNOWN_GAPS.items():
        # a key ending in "-" is a prefix; any other key names one case
        if any(name.startswith(p) if p.endswith("-") else name == p for p in prefixes):
            return reason
    return ""


def tu_outcome(req: SipRequest) -> Union[int, str]:
    """What the UA core answers to a request the parser accepted, in a box with no
    dialogs and no transactions (the corpus never matches a real one)."""
    if req.method not in METHODS:
        return 501
    if req.method == "ACK":
        return DROP
    try:
        if req.max_forwards == 0:
            return 483
        if req.method != "CANCEL":
            for option in req.get_list("Require"):
                if option.lower() not in SUPPORTED:
                    return 420
        if req.method == "CANCEL" or req.to_tag is not None:
            return 481
        req.contacts                       # Contact is read by every method that has one
        if req.get("Content-Encoding"):
            return 415
        if req.method == "INVITE" and req.body:
            if req.content_type != "application/sdp":
                return 415
            try:
                negotiate(req.body, ["PCMA", "PCMU"], "192.0.2.1", 20000)
            except NoCommonCodec:
                return 488
            except SdpError:
                return 400
        if req.method == "REFER":
            try:
                parse_refer(req)
            except ReferError as e:
                return e.status
        if req.method == "SUBSCRIBE":
            subs = Subscriptions(VirtualClock(), lambda *a: None)
            MwiNotifier(subs, lambda user: (0, 0))
            status = subs.subscribe(req, "mf-test").status
            return OK if status == 200 else status
        if req.method == "REGISTER":
            expires = req.get("Expires")
            if expires is not None and not expires.strip().isdigit():
                return 400
            if req.get("Contact", "").strip() == "*" and (expires or "").strip() != "0":
                return 400
    except SipParseError as e:
        return e.status
    return OK


def outcome(data: bytes) -> tuple[Union[int, str], object]:
    """(outcome, the error response or the parsed message)."""
    try:
        msg = parse(data)
    except SipParseError as e:
        resp = make_error_response(e)
        return (DROP if resp is None else resp.status), resp
    if isinstance(msg, SipResponse):
        return DROP, msg
    assert isinstance(msg, SipRequest)
    return tu_outcome(msg), msg


def test_corpus_size_names_and_identifiers():
    assert len(CASES) >= 300
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names)
    branches = [c.branch for c in CASES if c.branch]
    call_ids = [c.call_id for c in CASES if c.call_id]
    assert len(set(branches)) == len(branches) and len(branches) > 250
    assert len(set(call_ids)) == len(call_ids) and len(call_ids) > 250
    for c in CASES:
        assert c.expect and all(isinstance(e, int) or e in (OK, DROP) for e in c.expect), c.name
        assert (c.transport == "tcp") == (len(c.data) > UDP_MAX), c.name
        if c.branch:
            assert c.branch.encode() in c.data, c.name
    # every method misses every mandatory header once
    assert sum(c.name.startswith("missing/") for c in CASES) == len(METHODS) * 6


def test_corpus_is_deterministic_and_parametrised():
    other = corpus("198.51.100.7", 5080, "203.0.113.9", 6000)
    assert [c.name for c in other] == [c.name for c in CASES]
    assert [c.data for c in corpus()] == [c.data for c in CASES]
    bye = next(c for c in other if c.name == "rfc4475/bye-unknown-dialog")
    assert b"BYE sip:mf-test@198.51.100.7:5080 SIP/2.0" in bye.data
    assert b"Via: SIP/2.0/UDP 203.0.113.9:6000;" in bye.data


@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.name, marks=[pytest.mark.xfail(reason=known_gap(c.name), strict=True)]
                 if known_gap(c.name) else []) for c in CASES])
def test_case_outcome_is_expected(case: Case):
    got, answer = outcome(case.data)
    assert got in case.expect, f"{case.name}: got {got}, expected one of {sorted(map(str, case.expect))}"
    if isinstance(answer, SipResponse) and answer.source is None and isinstance(got, int):
        # an error answer we built: well formed, no injected line, matches the case
        wire = bytes(answer)
        assert b"\r" not in wire.replace(b"\r\n", b"") and b"\x00" not in wire, case.name
        # (it copies the request's headers, so it need not parse when they were bad)
        assert wire.startswith(f"SIP/2.0 {got} ".encode()) and b"\r\nWarning: 399 " in wire
        if case.call_id:
            assert f"\r\nCall-ID: {case.call_id}".encode() in wire, case.name
        if case.branch:
            assert f"branch={case.branch}".encode() in wire, case.name


def test_stray_responses_are_dropped_by_the_transaction_layer():
    sent, stray = [], []
    layer = TransactionLayer(VirtualClock(), lambda m, t: sent.append(m),
                             on_request=lambda r, t: None, on_stray_response=stray.append)
    n = 0
    for case in CASES:
        try:
            msg = parse(case.data)
        except SipParseError:
            continue
        if isinstance(msg, SipResponse):
            msg.source = Target("UDP", "127.0.0.1", 5099)
            layer.receive(msg)
            n += 1
    assert n >= 15 and len(stray) == n and sent == []


def test_large_cases_over_tcp_close_the_connection_or_parse():
    for case in CASES:
        if case.transport != "tcp":
            continue
        errors = []
        parser = StreamParser(on_error=lambda raw, e: errors.append(e))
        if len(case.data) > MAX_MESSAGE:
            with pytest.raises(SipFramingError) as e:
                parser.feed(case.data)
            assert e.value.status == 513, case.name
        else:
            msgs = parser.feed(case.data)
            assert len(msgs) + len(errors) == 1 and OK in case.expect, case.name
