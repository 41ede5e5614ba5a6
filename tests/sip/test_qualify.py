"""OPTIONS qualify of registered bindings, on the virtual clock (no network: the
test plays the phones by answering the OPTIONS the qualifier hands to ``send``)."""
from __future__ import annotations

import pytest

from firmware.sip.lockout import FailedAuthGuard
from firmware.sip.message import SipRequest, Target, make_response, new_branch, new_call_id
from firmware.sip.qualify import ProbeState, Qualifier
from firmware.sip.registrar import Binding, Registrar
from hal.clock import VirtualClock
from tests.sip.test_registrar import OTHER, PASSWORDS, REALM, SRC, Phone


def make_options(b: Binding) -> SipRequest:
    r = SipRequest("OPTIONS", b.contact.uri.copy())
    r.add("Via", f"SIP/2.0/UDP 10.0.0.1:5060;branch={new_branch()};rport")
    r.add("Max-Forwards", "70")
    r.add("From", f"<sip:hotline@{REALM}>;tag=q1")
    r.add("To", f"<{b.contact.uri}>")
    r.add("Call-ID", new_call_id())
    r.add("CSeq", "1 OPTIONS")
    return r


class Net:
    """Records what the qualifier sends; the test answers (or not)."""

    def __init__(self) -> None:
        self.sent: list[tuple[SipRequest, Target, object]] = []
        self.fail = False

    def send(self, request, target, done) -> None:
        if self.fail:
            raise OSError("network is unreachable")
        self.sent.append((request, target, done))

    def answer(self, i: int, status: int = 200, *, remote: bool = True) -> None:
        request, target, done = self.sent[i]
        resp = make_response(request, status)
        if remote:
            resp.source = target          # received from the phone
        done(resp)


@pytest.fixture
def setup():
    clock = VirtualClock()
    guard = FailedAuthGuard(clock)
    reg = Registrar(clock, realm=REALM, secret=PASSWORDS.get, guard=guard)
    net = Net()
    calls = {"down": [], "up": [], "events": []}
    q = Qualifier(clock, reg, net.send, make_options, interval_ms=30_000, timeout_ms=5_000,
                  on_unreachable=calls["down"].append, on_reachable=calls["up"].append,
                  log_event=lambda n, f: calls["events"].append((n, f)))
    assert Phone(reg, "201").register(contacts=("<sip:201@192.168.1.20:5062;ob>",)).status == 200
    [b] = reg.bindings("201")
    return clock, reg, net, q, b, calls


def test_answer_marks_reachable_with_rtt(setup):
    clock, reg, net, q, b, calls = setup
    q.start()
    clock.advance(29_980)
    assert net.sent == []
    clock.advance(20)
    [(req, target, _)] = net.sent
    assert req.method == "OPTIONS" and str(req.uri) == "sip:201@192.168.1.20:5062;ob"
    assert target == SRC                     # to the flow, not to the private contact
    assert b.reachable is None and q.state(b) is ProbeState.UNKNOWN
    clock.advance(60)
    net.answer(0)
    assert b.reachable is True and b.rtt_ms == 60
    assert q.state(b) is ProbeState.REACHABLE
    assert reg.status()[0]["reachable"] is True and reg.status()[0]["rtt_ms"] == 60
    assert calls["down"] == calls["up"] == []     # no change of reachability to report


def test_any_response_even_405_means_alive(setup):
    clock, reg, net, q, b, calls = setup
    q.qualify(b)
    net.answer(0, 405)
    assert b.reachable is True
    q.qualify(b)
    net.answer(1, 503)                       # a real 503 from the phone: still alive
    assert b.reachable is True


def test_unreachable_after_two_misses_then_reachable_again(setup):
    clock, reg, net, q, b, calls = setup
    q.start()
    clock.advance(30_000 + 5_000)            # round 1, no answer within 5 s
    assert q.state(b) is ProbeState.LAGGING and q.missed(b) == 1
    assert b.reachable is None and calls["down"] == []
    clock.advance(30_000)                    # round 2 missed too
    assert q.state(b) is ProbeState.UNREACHABLE and b.reachable is False
    assert calls["down"] == [b]
    assert calls["events"][-1] == ("sip.unreachable", {
        "user": "201", "contact": "sip:201@192.168.1.20:5062;ob",
        "source": "udp:10.0.0.5:5062", "missed": 2})
    clock.advance(30_000)                    # still silent: reported once only
    assert calls["down"] == [b] and q.missed(b) == 3
    assert len(net.sent) == 3
    clock.advance(30_000 - 5_000)            # round 4 goes out ...
    assert len(net.sent) == 4
    clock.advance(100)
    net.answer(3)                            # ... and is answered
    assert b.reachable is True and b.rtt_ms == 100 and q.missed(b) == 0
    assert calls["up"] == [b] and calls["events"][-1][0] == "sip.reachable"


def test_failures_reported_by_the_stack_are_misses(setup):
    clock, reg, net, q, b, calls = setup
    q.qualify(b)
    net.sent[0][2](None)                     # transaction timeout
    assert q.missed(b) == 1
    q.qualify(b)
    net.answer(1, 503, remote=False)         # transport error made into a local 503
    assert q.missed(b) == 2 and b.reachable is False and calls["down"] == [b]
    net.fail = True
    q.qualify(b)                             # send() raising
    assert q.missed(b) == 3


def test_late_answer_after_timeout_is_ignored(setup):
    clock, reg, net, q, b, calls = setup
    q.qualify(b)
    assert q.qualify(b) is False             # one probe in flight per binding
    clock.advance(5_000)
    assert q.missed(b) == 1
    net.answer(0)                            # 5 s too late
    assert b.reachable is None and q.state(b) is ProbeState.LAGGING


def test_only_live_bindings_are_probed(setup):
    clock, reg, net, q, b, calls = setup
    Phone(reg, "202", source=OTHER).register(contacts=("<sip:202@10.0.0.9>",), expires=60)
    assert q.run_round() == 2
    assert {t for _, t, _ in net.sent} == {SRC, OTHER}
    clock.advance(60_000)                    # 202 expired; both probes unanswered
    assert reg.bindings("202") == []
    assert q.run_round() == 1
    assert net.sent[-1][1] == SRC
    clock.advance(5_000)
    assert [x.user for x in calls["down"]] == ["201"]   # never for the expired one


def test_re_register_from_new_address_starts_afresh(setup):
    clock, reg, net, q, b, calls = setup
    for i in range(2):
        q.qualify(b)
        net.sent[i][2](None)
    assert b.reachable is False
    phone = Phone(reg, "201", source=Target("UDP", "10.0.0.5", 40000))
    phone.register(contacts=("<sip:201@192.168.1.20:5062;ob>",))
    assert reg.bindings("201") == [b] and b.reachable is None
    q.qualify(b)
    assert net.sent[-1][1].port == 40000 and q.state(b) is ProbeState.UNKNOWN
    net.answer(2)
    assert b.reachable is True


def test_stop_abandons_probes_and_rounds(setup):
    clock, reg, net, q, b, calls = setup
    q.start()
    clock.advance(30_000)
    q.stop()
    assert not q.running
    clock.advance(120_000)
    assert len(net.sent) == 1 and q.missed(b) == 0


def test_bad_settings_are_named(setup):
    clock, reg, net, q, b, calls = setup
    with pytest.raises(ValueError, match="timeout_ms"):
        Qualifier(clock, reg, net.send, make_options, interval_ms=5_000, timeout_ms=5_000)
    with pytest.raises(ValueError, match="max_missed"):
        Qualifier(clock, reg, net.send, make_options, max_missed=0)
