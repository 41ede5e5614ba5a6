"""RFC 3261 §17 transactions on the virtual clock, with a list standing in for the network."""
from __future__ import annotations

from typing import Optional

import pytest

from firmware.sip.message import (SipRequest, SipResponse, Target, make_cancel, make_response,
                                  new_branch, new_call_id, new_tag, parse)
from firmware.sip.transaction import (IctState, InviteServerTransaction, IstState, NictState,
                                      NistState, Timers, TransactionLayer)
from hal.clock import VirtualClock

UDP = Target("UDP", "192.0.2.10", 5060)
TCP = Target("TCP", "192.0.2.10", 5060)


class Net:
    """The fake transport: every send lands in ``sent`` with the clock time."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.sent: list[tuple[int, object, Target]] = []
        self.fail = False

    def __call__(self, msg, target: Target) -> None:
        if self.fail:
            raise ConnectionRefusedError("connection refused")
        self.sent.append((self.clock.now_ms(), msg, target))

    def times(self, what: str) -> list[int]:
        return [t for t, m, _ in self.sent if _kind(m) == what]

    def of(self, what: str) -> list:
        return [m for _, m, _ in self.sent if _kind(m) == what]


def _kind(m) -> str:
    return m.method if isinstance(m, SipRequest) else str(m.status)


def request(method: str = "INVITE", transport: str = "UDP", branch: Optional[str] = None,
            to_tag: Optional[str] = None, from_tag: str = "ft1", call_id: str = "cid-1",
            cseq: int = 1, source: Optional[Target] = None) -> SipRequest:
    r = SipRequest(method, "sip:bob@192.0.2.10")
    r.add("Via", f"SIP/2.0/{transport} 192.0.2.99:5060;branch={branch or new_branch()};rport")
    r.add("Max-Forwards", "70")
    r.add("From", f"<sip:alice@192.0.2.99>;tag={from_tag}")
    r.add("To", "<sip:bob@192.0.2.10>" + (f";tag={to_tag}" if to_tag else ""))
    r.add("Call-ID", call_id)
    r.add("CSeq", f"{cseq} {method}")
    r.source = source
    return r


def received(msg):
    """What the peer would parse: a wire round trip (and a source)."""
    m = parse(msg.encode())
    m.source = UDP
    return m


@pytest.fixture
def env():
    clock = VirtualClock()
    net = Net(clock)
    got: list = []
    layer = TransactionLayer(clock, net, on_request=lambda r, t: got.append((r, t)),
                             on_stray_response=lambda r: got.append(("stray", r)))
    return clock, net, layer, got


# ---------------------------------------------------------------- INVITE client
def test_invite_client_retransmits_doubling_and_times_out_at_64_t1(env):
    clock, net, layer, _ = env
    timeouts = []
    txn = layer.client_transaction(request(), UDP, lambda r: None, lambda: timeouts.append(clock.now_ms()))
    clock.advance(40000)
    # sent at 0, then after 500, 1000, 2000, 4000, 8000, 16000 ms
    assert net.times("INVITE") == [0, 500, 1500, 3500, 7500, 15500, 31500]
    assert timeouts == [32000]
    assert txn.state is IctState.TERMINATED and layer.client_count == 0


def test_invite_client_stops_retransmitting_after_1xx(env):
    clock, net, layer, _ = env
    responses = []
    req = request()
    txn = layer.client_transaction(req, UDP, responses.append)
    clock.advance(600)
    layer.receive(received(make_response(req, 180, to_tag="tt")))
    clock.advance(40000)
    assert net.times("INVITE") == [0, 500]
    assert [r.status for r in responses] == [180]
    assert txn.state is IctState.PROCEEDING       # no Timer B after a provisional


def test_invite_client_acks_486_and_absorbs_retransmissions(env):
    clock, net, layer, _ = env
    responses = []
    req = request()
    req.add("Route", "<sip:proxy.example;lr>")
    txn = layer.client_transaction(req, UDP, responses.append)
    busy = make_response(req, 486, to_tag="tt")
    layer.receive(received(busy))
    layer.receive(received(busy))                 # retransmitted 486
    acks = net.of("ACK")
    assert len(acks) == 2 and [r.status for r in responses] == [486]
    ack = acks[0]
    assert ack.top_via.branch == req.top_via.branch and len(ack.vias) == 1
    assert ack.cseq.number == 1 and ack.cseq.method == "ACK"
    assert ack.to_tag == "tt" and ack.from_tag == "ft1" and str(ack.uri) == str(req.uri)
    assert ack.get("Route") == "<sip:proxy.example;lr>"
    assert txn.state is IctState.COMPLETED
    clock.advance(31980)
    assert txn.state is IctState.COMPLETED
    clock.advance(40)
    assert txn.state is IctState.TERMINATED      # Timer D (32 s)


def test_invite_client_2xx_goes_to_tu_and_accepted_passes_retransmissions(env):
    clock, net, layer, got = env
    responses = []
    req = request()
    txn = layer.client_transaction(req, UDP, responses.append)
    ok = make_response(req, 200, to_tag="tt")
    layer.receive(received(ok))
    layer.receive(received(ok))
    assert [r.status for r in responses] == [200, 200]
    assert net.of("ACK") == []                   # the TU ACKs a 2xx, not the transaction
    assert txn.state is IctState.ACCEPTED
    clock.advance(64 * 500)
    assert txn.state is IctState.TERMINATED      # Timer M
    layer.receive(received(ok))
    assert got[-1][0] == "stray"


def test_invite_client_over_tcp_never_retransmits_and_timer_d_is_zero(env):
    clock, net, layer, _ = env
    timeouts = []
    req = request(transport="TCP")
    layer.client_transaction(req, TCP, lambda r: None, lambda: timeouts.append(clock.now_ms()))
    clock.advance(40000)
    assert net.times("INVITE") == [0] and timeouts == [32000]
    txn = layer.client_transaction(request(transport="TCP"), TCP, lambda r: None)
    layer.receive(received(make_response(txn.request, 404, to_tag="x")))
    assert txn.state is IctState.TERMINATED and layer.client_count == 0


def test_client_transport_error_reports_503(env):
    clock, net, layer, _ = env
    net.fail = True
    responses = []
    txn = layer.client_transaction(request(method="OPTIONS"), UDP, responses.append)
    assert [r.status for r in responses] == [503] and responses[0].source is None
    assert "transport error" in responses[0].reason
    assert txn.state is NictState.TERMINATED
    net.fail = False
    txn = layer.client_transaction(request(), TCP, responses.append)
    layer.transport_error(TCP, ConnectionResetError("reset"))
    assert responses[-1].status == 503 and txn.state is IctState.TERMINATED


def test_client_needs_magic_cookie_branch(env):
    _, _, layer, _ = env
    with pytest.raises(ValueError, match="z9hG4bK"):
        layer.client_transaction(request(branch="old1234"), UDP, lambda r: None)
    with pytest.raises(ValueError, match="ACK"):
        layer.client_transaction(request(method="ACK"), UDP, lambda r: None)


# ---------------------------------------------------------------- non-INVITE client
def test_non_invite_client_timer_e_caps_at_t2_then_f(env):
    clock, net, layer, _ = env
    timeouts = []
    layer.client_transaction(request(method="OPTIONS"), UDP, lambda r: None,
                             lambda: timeouts.append(clock.now_ms()))
    clock.advance(40000)
    gaps = [b - a for a, b in zip(net.times("OPTIONS"), net.times("OPTIONS")[1:])]
    assert gaps[:4] == [500, 1000, 2000, 4000] and set(gaps[4:]) == {4000}
    assert timeouts == [32000]


def test_non_invite_client_proceeding_retransmits_every_t2_then_k(env):
    clock, net, layer, _ = env
    responses = []
    req = request(method="REGISTER")
    txn = layer.client_transaction(req, UDP, responses.append)
    clock.advance(100)
    layer.receive(received(make_response(req, 100)))
    clock.advance(10000)
    assert net.times("REGISTER") == [0, 500, 4500, 8500]    # E: T1, then T2 in Proceeding
    layer.receive(received(make_response(req, 200, to_tag="t")))
    layer.receive(received(make_response(req, 200, to_tag="t")))
    assert [r.status for r in responses] == [100, 200]       # the copy is absorbed
    assert txn.state is NictState.COMPLETED
    clock.advance(5000)                                      # Timer K = T4
    assert txn.state is NictState.TERMINATED


def test_response_matching_needs_branch_and_method(env):
    clock, net, layer, got = env
    responses = []
    req = request()
    layer.client_transaction(req, UDP, responses.append)
    cancel = make_cancel(req)
    cancel_responses = []
    layer.client_transaction(cancel, UDP, cancel_responses.append)   # same branch, CANCEL
    layer.receive(received(make_response(cancel, 200, to_tag="t")))
    layer.receive(received(make_response(req, 487, to_tag="t")))
    assert [r.status for r in cancel_responses] == [200]
    assert [r.status for r in responses] == [487]
    other = make_response(request(), 200)                   # another branch
    layer.receive(received(other))
    assert got[-1][0] == "stray"


# ---------------------------------------------------------------- INVITE server
def test_invite_server_sends_100_after_200ms_and_resends_last_response(env):
    clock, net, layer, got = env
    req = request(source=UDP)
    layer.receive(req)
    (r, txn), = got
    assert isinstance(txn, InviteServerTransaction) and r is req
    clock.advance(180)
    assert net.of("100") == []
    clock.advance(40)
    assert len(net.of("100")) == 1 and "tag=" not in net.of("100")[0].get("To")
    layer.receive(received(req))                  # retransmission: not for the TU
    assert len(got) == 1 and len(net.of("100")) == 2
    txn.respond(make_response(req, 180, to_tag="tt"))
    layer.receive(received(req))
    assert len(net.of("180")) == 2


def test_invite_server_no_100_when_tu_answers_quickly(env):
    clock, net, layer, got = env
    layer.receive(request(source=UDP))
    got[0][1].respond(make_response(got[0][0], 180, to_tag="a"))
    clock.advance(1000)
    assert net.of("100") == [] and len(net.of("180")) == 1


def test_invite_server_timer_g_until_ack_then_i(env):
    clock, net, layer, got = env
    req = request(source=UDP)
    layer.receive(req)
    txn = got[0][1]
    txn.respond(make_response(req, 486, to_tag="tt"))
    clock.advance(4000)
    assert net.times("486") == [0, 500, 1500, 3500]          # G: T1, 2T1, 4T1 ...
    layer.receive(request(method="ACK", branch=req.top_via.branch, to_tag="tt", source=UDP))
    assert txn.state is IstState.CONFIRMED and len(got) == 1  # the ACK is absorbed
    clock.advance(10000)
    assert net.times("486") == [0, 500, 1500, 3500]
    assert txn.state is IstState.TERMINATED                    # Timer I = T4
    assert layer.server_count == 0


def test_invite_server_timer_g_caps_at_t2_and_h_gives_up(env):
    clock, net, layer, got = env
    req = request(source=UDP)
    layer.receive(req)
    txn = got[0][1]
    failures = []
    txn.on_failure = failures.append
    txn.respond(make_response(req, 603, to_tag="tt"))
    clock.advance(40000)
    t = net.times("603")
    gaps = [b - a for a, b in zip(t, t[1:])]
    assert gaps[:3] == [500, 1000, 2000] and set(gaps[3:]) == {4000}
    assert failures == ["timeout"] and txn.state is IstState.TERMINATED
    assert t[-1] < 32000


def test_invite_server_2xx_accepted_then_timer_l(env):
    clock, net, layer, got = env
    req = request(source=UDP)
    layer.receive(req)
    txn = got[0][1]
    ok = make_response(req, 200, to_tag="tt")
    txn.respond(ok)
    assert txn.state is IstState.ACCEPTED
    layer.receive(received(req))                  # retransmitted INVITE: absorbed, no resend
    txn.respond(ok)                               # the TU retransmits its 2xx itself
    assert len(net.of("200")) == 2 and len(got) == 1
    ack = request(method="ACK", branch=new_branch(), to_tag="tt", source=UDP)
    layer.receive(ack)                            # ACK for a 2xx: its own branch, to the TU
    assert got[-1] == (ack, None)
    clock.advance(32000)
    assert txn.state is IstState.TERMINATED


def test_invite_server_over_tcp_no_timer_g_and_i_zero(env):
    clock, net, layer, got = env
    req = request(transport="TCP", source=Target("TCP", "192.0.2.99", 40000))
    layer.receive(req)
    txn = got[0][1]
    txn.respond(make_response(req, 486, to_tag="tt"))
    clock.advance(10000)
    assert net.times("486") == [0]
    assert net.sent[0][2] == Target("TCP", "192.0.2.99", 40000)   # back on the connection
    layer.receive(request(method="ACK", transport="TCP", branch=req.top_via.branch,
                          to_tag="tt", source=req.source))
    assert txn.state is IstState.TERMINATED


# ---------------------------------------------------------------- non-INVITE server
def test_non_invite_server_resends_final_and_timer_j(env):
    clock, net, layer, got = env
    req = request(method="OPTIONS", source=UDP)
    layer.receive(req)
    txn = got[0][1]
    layer.receive(received(req))                   # in Trying: absorbed, nothing to send
    assert net.sent == [] and len(got) == 1
    txn.respond(make_response(req, 200, to_tag="x"))
    layer.receive(received(req))
    assert len(net.of("200")) == 2 and txn.state is NistState.COMPLETED
    clock.advance(64 * 500)
    assert txn.state is NistState.TERMINATED and layer.server_count == 0
    layer.receive(received(req))                   # after J: a new transaction
    assert len(got) == 2


def test_responses_go_to_via_received_and_rport(env):
    clock, net, layer, got = env
    req = request(method="OPTIONS")
    via = req.top_via
    via.received = "203.0.113.7"
    via.rport = 40123
    req.set_top_via(via)
    req.source = Target("UDP", "203.0.113.7", 40123)
    layer.receive(req)
    got[0][1].respond(make_response(req, 200))
    assert net.sent[0][2] == Target("UDP", "203.0.113.7", 40123)


# ---------------------------------------------------------------- matching
def test_cancel_matches_its_invite_and_not_others(env):
    clock, net, layer, got = env
    inv = request(source=UDP)
    layer.receive(inv)
    cancel = make_cancel(inv)
    cancel.source = UDP
    layer.receive(cancel)
    cancel_req, cancel_txn = got[-1]
    assert cancel_req.method == "CANCEL" and cancel_txn is not got[0][1]
    assert layer.find_cancel_target(cancel) is got[0][1]
    stranger = make_cancel(request(call_id="other"))
    assert layer.find_cancel_target(stranger) is None


def test_rfc2543_fallback_matching(env):
    clock, net, layer, got = env
    req = request(branch="1234", source=UDP)       # no magic cookie: RFC 2543 client
    layer.receive(req)
    txn = got[0][1]
    layer.receive(received(req))
    assert len(got) == 1                           # retransmission matched without branch
    txn.respond(make_response(req, 486, to_tag="tt"))
    ack = request(method="ACK", branch="1234", to_tag="tt", source=UDP)
    layer.receive(ack)
    assert txn.state is IstState.CONFIRMED
    cancel = make_cancel(req)
    assert layer.find_cancel_target(cancel) is txn
    other = request(branch="1234", call_id="cid-2", source=UDP)
    layer.receive(other)
    assert len(got) == 2                           # a different call: a new transaction


def test_merged_request_gets_482(env):
    clock, net, layer, got = env
    first = request(method="INVITE", source=UDP)
    layer.receive(first)
    forked = request(method="INVITE", source=UDP)  # same From tag/Call-ID/CSeq, other branch
    layer.receive(forked)
    assert len(got) == 1
    assert [m.status for m in net.of("482")] == [482]
    layer.receive(received(forked))                # its retransmission: 482 again, not TU
    assert len(net.of("482")) == 2 and len(got) == 1
    layer_off = TransactionLayer(clock, net, on_request=lambda r, t: got.append((r, t)),
                                 reject_merged=False)
    layer_off.receive(request(source=UDP))
    layer_off.receive(request(source=UDP))
    assert len(got) == 3


def test_configurable_timers():
    clock = VirtualClock()
    net = Net(clock)
    layer = TransactionLayer(clock, net, timers=Timers(t1=100, t2=400))
    timeouts = []
    layer.client_transaction(request(), UDP, lambda r: None, lambda: timeouts.append(clock.now_ms()))
    clock.advance(10000)
    assert net.times("INVITE")[:3] == [0, 100, 300] and timeouts == [6400]


def test_tu_exception_does_not_break_the_machine(env):
    clock, net, layer, _ = env

    def boom(resp):
        raise RuntimeError("TU bug")
    req = request()
    txn = layer.client_transaction(req, UDP, boom)
    layer.receive(received(make_response(req, 486, to_tag="t")))
    assert txn.state is IctState.COMPLETED and len(net.of("ACK")) == 1


def test_many_transactions_all_forgotten(env):
    clock, net, layer, got = env
    for i in range(200):
        req = request(method="OPTIONS", call_id=new_call_id(), from_tag=new_tag(), source=UDP)
        layer.receive(req)
        layer.client_transaction(request(method="MESSAGE", call_id=f"c{i}"), UDP, lambda r: None)
    for req, txn in got:
        txn.respond(make_response(req, 200))
    clock.advance(40000)
    assert layer.server_count == 0 and layer.client_count == 0
