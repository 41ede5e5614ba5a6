"""Trunk registration on the virtual clock: a fake provider answers the REGISTERs sent."""
from __future__ import annotations

from typing import Callable, Optional

import pytest

from firmware.sip.auth import DigestServer, parse_credentials
from firmware.sip.headers import Address, Via
from firmware.sip.message import SipRequest, SipResponse, Target, make_response, new_branch
from firmware.sip.transport import stamp_via
from firmware.sip.trunk_registration import (Provider, RegState, TrunkRegistration,
                                             caller_identity_headers, refresh_delay_ms)
from hal.clock import VirtualClock

LOCAL = ("192.168.1.10", 5060)
TIMEOUT_MS = 32000


class FakeProvider:
    """A registrar: digest-checks REGISTERs, keeps bindings, answers after ``delay_ms``.

    Knobs: ``silent`` (never answers: the transaction times out after 32 s),
    ``fail`` (answer this status), ``min_expires`` (423 below it), ``nat`` (the public
    (host, port) it sees us from), ``wrong_pw_403`` (403 instead of a new challenge).
    """

    def __init__(self, clock: VirtualClock, host: str, password: str = "secret",
                 realm: str = "voip.example.cn", nonce_ttl_ms: int = 300_000) -> None:
        self.clock = clock
        self.host = host
        self.password = password
        self.server = DigestServer(realm, clock, nonce_ttl_ms)
        self.silent = False
        self.fail: Optional[int] = None
        self.fail_headers: list[tuple[str, str]] = []
        self.min_expires: Optional[int] = None
        self.nat: Optional[tuple[str, int]] = None
        self.wrong_pw_403 = False
        self.max_expires: Optional[int] = None
        self.delay_ms = 40
        self.requests: list[SipRequest] = []
        self.bindings: dict[str, int] = {}       # contact URI -> expiry, ms

    def receive(self, req: SipRequest, on_response: Callable, on_timeout: Callable) -> None:
        self.requests.append(req)
        if self.silent:
            self.clock.call_later(TIMEOUT_MS, on_timeout)
            return
        resp = self.answer(req.copy())
        resp.source = Target("UDP", self.host, 5060)
        self.clock.call_later(self.delay_ms, lambda: on_response(resp))

    def answer(self, req: SipRequest) -> SipResponse:
        stamp_via(req, *(self.nat or (req.top_via.host, req.top_via.port)))
        if self.fail is not None:
            resp = make_response(req, self.fail)
            for name, value in self.fail_headers:
                resp.add(name, value)
            return resp
        auth = req.get("Authorization")
        if auth is None:
            return self._challenge(req)
        result = self.server.verify("REGISTER", auth, lambda user: self.password
                                    if user == "8610" else None, request_uri=str(req.uri))
        if not result:
            if self.wrong_pw_403 and not result.stale:
                return make_response(req, 403)
            return self._challenge(req, stale=result.stale)
        expires = int(req.get("Expires") or "3600")
        if self.min_expires and 0 < expires < self.min_expires:
            resp = make_response(req, 423)
            resp.add("Min-Expires", str(self.min_expires))
            return resp
        now = self.clock.now_ms()
        for c in req.contacts:
            e = int(c.params.get("expires") or expires)
            e = min(e, self.max_expires or e)
            if e == 0:
                self.bindings.pop(str(c.uri), None)
            else:
                self.bindings[str(c.uri)] = now + e * 1000
        resp = make_response(req, 200, to_tag="reg1")
        for uri, until in self.bindings.items():
            resp.add("Contact", f"<{uri}>;expires={(until - now) // 1000}")
        return resp

    def _challenge(self, req: SipRequest, stale: bool = False) -> SipResponse:
        resp = make_response(req, 401, to_tag="reg1")
        for value in self.server.challenge(stale=stale):
            resp.add("WWW-Authenticate", value)
        return resp


class Net:
    """The send callback: hands each REGISTER to the fake provider named by the target."""

    def __init__(self, *providers: FakeProvider) -> None:
        self.providers = {p.host: p for p in providers}
        self.sent: list[tuple[SipRequest, Target]] = []

    def __call__(self, req, target, on_response, on_timeout) -> None:
        assert isinstance(req, SipRequest) and req.method == "REGISTER"
        self.sent.append((req, target))
        self.providers[target.host].receive(req, on_response, on_timeout)

    def to(self, host: str) -> list[SipRequest]:
        return [r for r, t in self.sent if t.host == host]


def provider(host: str, **kw) -> Provider:
    kw.setdefault("username", "8610")
    kw.setdefault("password", "secret")
    return Provider(host, **kw)


def make(clock, net, providers, **kw):
    states: list[dict] = []
    reg = TrunkRegistration(
        clock, "cn-trunk", providers, send=net, contact_host=lambda: LOCAL,
        via=lambda t: Via(t, LOCAL[0], LOCAL[1], {"branch": new_branch(), "rport": None}),
        on_state=lambda name, st: states.append(dict(st)), **kw)
    return reg, states


@pytest.fixture
def clock():
    return VirtualClock()


def registered(reg) -> bool:
    return reg.state is RegState.REGISTERED


# ----------------------------------------------------------------------------- basics
def test_register_with_digest(clock):
    fp = FakeProvider(clock, "sip1.example.cn")
    net = Net(fp)
    reg, states = make(clock, net, [provider("sip1.example.cn")])
    reg.start()
    assert reg.state is RegState.REGISTERING
    assert clock.run_until(lambda: registered(reg), 1000)
    first, second = net.to("sip1.example.cn")
    assert first.get("Authorization") is None
    assert str(first.uri) == "sip:sip1.example.cn"
    assert first.to_addr.uri == first.from_addr.uri
    assert str(first.to_addr.uri) == "sip:8610@sip1.example.cn"
    assert first.from_tag and first.to_tag is None
    assert str(first.contacts[0].uri) == "sip:8610@192.168.1.10:5060"
    assert first.get("Expires") == "600"
    cred = parse_credentials(second.get("Authorization"))
    assert cred.username == "8610" and cred.algorithm == "SHA-256"
    assert (second.call_id, second.from_tag) == (first.call_id, first.from_tag)
    assert second.cseq.number == first.cseq.number + 1
    st = reg.status()
    assert st["state"] == "registered" and st["provider"] == "sip1.example.cn:5060"
    assert st["primary"] and 599 <= st["expires_in_s"] <= 600
    assert st["contact"] == "sip:8610@192.168.1.10:5060"
    assert [s["state"] for s in states] == ["registering", "registered"]
    assert "sip:8610@192.168.1.10:5060" in fp.bindings


def test_refresh_before_expiry_same_call_id_next_cseq(clock):
    fp = FakeProvider(clock, "sip1.example.cn", nonce_ttl_ms=3_600_000)
    net = Net(fp)
    reg, states = make(clock, net, [provider("sip1.example.cn")])
    reg.start()
    clock.run_until(lambda: registered(reg), 1000)
    first, second = net.to("sip1.example.cn")
    clock.advance(refresh_delay_ms(600) - 1000)
    assert len(net.sent) == 2                               # not yet
    clock.advance(1500)
    assert len(net.sent) == 3
    refresh = net.sent[-1][0]
    assert refresh.call_id == first.call_id and refresh.from_tag == first.from_tag
    assert refresh.cseq.number == second.cseq.number + 1
    cred = parse_credentials(refresh.get("Authorization"))  # credentials up front
    assert cred.nc == "00000002"
    clock.advance(1000)
    assert registered(reg) and len(net.sent) == 3          # accepted without a challenge
    assert 598 <= reg.status()["expires_in_s"] <= 600
    # two refreshes later the Call-ID is still the same and CSeq keeps counting
    clock.advance(2 * 540_000)
    cseqs = [r.cseq.number for r, _ in net.sent]
    assert cseqs == list(range(cseqs[0], cseqs[0] + len(cseqs)))
    assert {r.call_id for r, _ in net.sent} == {first.call_id}
    assert [s["state"] for s in states] == ["registering", "registered"]


def test_refresh_with_expired_nonce_is_answered_not_a_failure(clock):
    fp = FakeProvider(clock, "sip1.example.cn", nonce_ttl_ms=300_000)
    net = Net(fp)
    reg, states = make(clock, net, [provider("sip1.example.cn")])
    reg.start()
    clock.advance(refresh_delay_ms(600) + 1000)
    reqs = net.to("sip1.example.cn")
    assert len(reqs) == 4                                   # refresh, stale 401, answer
    assert registered(reg) and reg.status()["expires_in_s"] >= 598
    assert [s["state"] for s in states] == ["registering", "registered"]


def test_wrong_password_fails_with_plain_reason_and_stops_hammering(clock):
    fp = FakeProvider(clock, "sip1.example.cn", password="other")
    net = Net(fp)
    reg, states = make(clock, net, [provider("sip1.example.cn")], retry_ms=30000)
    reg.start()
    clock.advance(1000)
    assert reg.state is RegState.FAILED
    assert len(net.sent) == 2                               # one answer to the challenge only
    err = reg.status()["last_error"]
    assert "sip1.example.cn:5060 refused the credentials for user '8610'" in err
    assert "(401)" in err and "password" in err
    assert states[-1]["state"] == "failed" and states[-1]["last_error"] == err
    clock.advance(5 * 30000)
    assert len(net.sent) == 2                               # no retry every 30 s
    clock.advance(600_000)
    assert len(net.sent) > 2                                # but after refused_retry_ms


def test_wrong_password_answered_403(clock):
    fp = FakeProvider(clock, "sip1.example.cn", password="other")
    fp.wrong_pw_403 = True
    net = Net(fp)
    reg, _ = make(clock, net, [provider("sip1.example.cn")])
    reg.start()
    clock.advance(1000)
    assert reg.state is RegState.FAILED
    assert "refused the credentials" in reg.status()["last_error"]
    assert "403" in reg.status()["last_error"]


def test_no_password_configured_says_which_field(clock):
    fp = FakeProvider(clock, "sip1.example.cn")
    net = Net(fp)
    reg, _ = make(clock, net, [provider("sip1.example.cn", password="")])
    reg.start()
    clock.advance(1000)
    assert reg.state is RegState.FAILED
    assert "none is configured" in reg.status()["last_error"]
    assert "field password" in reg.status()["last_error"]


# ----------------------------------------------------------------- failover / back
def test_primary_silent_fails_over_to_backup(clock):
    p1, p2 = FakeProvider(clock, "sip1.example.cn"), FakeProvider(clock, "sip2.example.cn")
    p1.silent = True
    net = Net(p1, p2)
    reg, states = make(clock, net, [provider("sip1.example.cn"), provider("sip2.example.cn")],
                       retry_ms=30000, failover_after=2)
    reg.start()
    clock.advance(TIMEOUT_MS + 100)
    assert reg.state is RegState.RETRY_WAIT
    assert reg.status()["last_error"] == "no answer from sip1.example.cn:5060 (32 s)"
    assert net.to("sip2.example.cn") == []
    clock.advance(30000)                                    # second try on the primary
    assert len(net.to("sip1.example.cn")) == 2 and reg.state is RegState.REGISTERING
    clock.advance(TIMEOUT_MS + 1000)                        # 2nd failure: backup at once
    assert registered(reg)
    assert reg.active.host == "sip2.example.cn"
    st = reg.status()
    assert st["provider"] == "sip2.example.cn:5060" and not st["primary"]
    assert st["failovers"] == 1 and st["last_error"] == ""
    assert "sip:8610@192.168.1.10:5060" in p2.bindings
    assert [s["state"] for s in states] == ["registering", "retry_wait", "registering",
                                            "registering", "registered"]
    assert states[3]["provider"] == "sip2.example.cn:5060"
    assert net.to("sip2.example.cn")[0].call_id != net.to("sip1.example.cn")[0].call_id


def test_single_provider_keeps_retrying_every_retry_ms(clock):
    p1 = FakeProvider(clock, "sip1.example.cn")
    p1.silent = True
    net = Net(p1)
    reg, _ = make(clock, net, [provider("sip1.example.cn")], retry_ms=10000)
    reg.start()
    clock.advance(3 * (TIMEOUT_MS + 10000) + 100)
    assert len(net.sent) == 4 and reg.state is RegState.REGISTERING
    p1.silent = False
    clock.advance(TIMEOUT_MS + 10000 + 1000)
    assert registered(reg) and reg.status()["failovers"] == 0


def test_fail_back_to_primary(clock):
    p1, p2 = FakeProvider(clock, "sip1.example.cn"), FakeProvider(clock, "sip2.example.cn")
    p1.silent = True
    net = Net(p1, p2)
    reg, states = make(clock, net, [provider("sip1.example.cn"), provider("sip2.example.cn")],
                       retry_ms=30000, failover_after=1, failback_ms=120_000)
    reg.start()
    clock.advance(TIMEOUT_MS + 1000)
    assert registered(reg) and reg.active.host == "sip2.example.cn"
    # the primary still dead at the first probe: stay on the backup
    clock.advance(120_000 + TIMEOUT_MS)
    assert len(net.to("sip1.example.cn")) == 2
    assert registered(reg) and reg.active.host == "sip2.example.cn"
    # the primary comes back: the next probe moves us home and leaves the backup
    p1.silent = False
    clock.advance(120_000 + 1000)
    assert registered(reg) and reg.active.host == "sip1.example.cn"
    assert reg.status()["primary"]
    assert "sip:8610@192.168.1.10:5060" in p1.bindings
    assert p2.bindings == {}                                # un-REGISTERed from the backup
    assert net.to("sip2.example.cn")[-1].get("Expires") == "0"
    assert states[-1]["provider"] == "sip1.example.cn:5060"
    # no more probes once home
    n = len(net.sent)
    clock.advance(300_000)
    assert all(t.host == "sip1.example.cn" for _, t in net.sent[n:])


def test_every_provider_refusing_rests_in_failed(clock):
    p1 = FakeProvider(clock, "sip1.example.cn", password="x")
    p2 = FakeProvider(clock, "sip2.example.cn", password="y")
    net = Net(p1, p2)
    reg, _ = make(clock, net, [provider("sip1.example.cn"), provider("sip2.example.cn")])
    reg.start()
    clock.advance(2000)
    assert reg.state is RegState.FAILED
    assert len(net.to("sip1.example.cn")) == 2 and len(net.to("sip2.example.cn")) == 2
    assert "sip2.example.cn:5060 refused the credentials" in reg.status()["last_error"]


def test_refused_primary_moves_to_good_backup_at_once(clock):
    p1 = FakeProvider(clock, "sip1.example.cn", password="x")
    p2 = FakeProvider(clock, "sip2.example.cn")
    net = Net(p1, p2)
    reg, _ = make(clock, net, [provider("sip1.example.cn"), provider("sip2.example.cn")])
    reg.start()
    clock.advance(2000)
    assert registered(reg) and reg.active.host == "sip2.example.cn"


# ----------------------------------------------------------------- other answers
def test_423_asks_again_with_min_expires(clock):
    fp = FakeProvider(clock, "sip1.example.cn")
    fp.min_expires = 1800
    net = Net(fp)
    reg, _ = make(clock, net, [provider("sip1.example.cn", expires_s=600)])
    reg.start()
    clock.advance(1000)
    assert registered(reg)
    expires = [r.get("Expires") for r, _ in net.sent]
    assert expires == ["600", "600", "1800"]
    assert 1799 <= reg.status()["expires_in_s"] <= 1800
    # the refresh asks for the raised interval too, 60 s before expiry
    clock.advance(refresh_delay_ms(1800) + 1000)
    assert net.sent[-1][0].get("Expires") == "1800"


def test_423_without_min_expires_is_a_failure(clock):
    fp = FakeProvider(clock, "sip1.example.cn")
    fp.fail = 423
    net = Net(fp)
    reg, _ = make(clock, net, [provider("sip1.example.cn")])
    reg.start()
    clock.advance(1000)
    assert reg.state is RegState.RETRY_WAIT
    assert "423" in reg.status()["last_error"] and "Min-Expires" in reg.status()["last_error"]


def test_503_retry_after_is_honoured(clock):
    fp = FakeProvider(clock, "sip1.example.cn")
    fp.fail, fp.fail_headers = 503, [("Retry-After", "120")]
    net = Net(fp)
    reg, _ = make(clock, net, [provider("sip1.example.cn")], retry_ms=30000)
    reg.start()
    clock.advance(1000)
    assert reg.state is RegState.RETRY_WAIT
    assert reg.status()["last_error"] == "sip1.example.cn:5060 answered 503 Service Unavailable"
    clock.advance(100_000)
    assert len(net.sent) == 1
    fp.fail = None
    clock.advance(21_000)
    assert registered(reg)


def test_transport_error_answered_at_once_is_handled_in_order(clock):
    """The transaction layer reports a send failure as a local 503 from inside send()."""
    sent = []

    def send(req, target, on_response, on_timeout):
        sent.append(req)
        on_response(make_response(req, 503, "Service Unavailable (transport error: "
                                            "network unreachable)"))

    reg = TrunkRegistration(clock, "t", [provider("10.9.9.9")], send=send,
                            contact_host=lambda: LOCAL,
                            via=lambda t: Via(t, *LOCAL, {"branch": new_branch()}))
    reg.start()
    assert reg.state is RegState.RETRY_WAIT and len(sent) == 1
    assert reg.status()["last_error"] == ("could not send to 10.9.9.9:5060: Service "
                                          "Unavailable (transport error: network unreachable)")


def test_stop_sends_expires_zero(clock):
    fp = FakeProvider(clock, "sip1.example.cn")
    net = Net(fp)
    reg, states = make(clock, net, [provider("sip1.example.cn")])
    reg.start()
    clock.advance(1000)
    assert fp.bindings
    reg.stop()
    assert reg.state is RegState.UNREGISTERING
    unreg = net.sent[-1][0]
    assert unreg.get("Expires") == "0"
    assert str(unreg.contacts[0].uri) == "sip:8610@192.168.1.10:5060"
    assert unreg.get("Authorization") is not None          # credentials up front
    clock.advance(1000)
    assert reg.state is RegState.IDLE and reg.active is None
    assert fp.bindings == {}
    assert states[-1]["state"] == "idle"
    n = len(net.sent)
    clock.advance(700_000)
    assert len(net.sent) == n                               # no refresh after stop


def test_start_again_while_unregistering(clock):
    fp = FakeProvider(clock, "sip1.example.cn")
    net = Net(fp)
    reg, _ = make(clock, net, [provider("sip1.example.cn")])
    reg.start()
    clock.advance(1000)
    reg.stop()
    reg.start()
    assert reg.state is RegState.REGISTERING
    clock.advance(1000)
    assert registered(reg) and fp.bindings


def test_stop_while_waiting_to_retry_sends_nothing(clock):
    fp = FakeProvider(clock, "sip1.example.cn")
    fp.fail = 500
    net = Net(fp)
    reg, _ = make(clock, net, [provider("sip1.example.cn")])
    reg.start()
    clock.advance(1000)
    reg.stop()
    assert reg.state is RegState.IDLE and len(net.sent) == 1
    clock.advance(100_000)
    assert len(net.sent) == 1


def test_nat_rport_rewrites_contact(clock):
    fp = FakeProvider(clock, "sip1.example.cn")
    fp.nat = ("203.0.113.5", 40000)
    net = Net(fp)
    reg, states = make(clock, net, [provider("sip1.example.cn")])
    reg.start()
    clock.advance(1000)
    assert registered(reg)
    rewrite = net.sent[-1][0]
    contacts = rewrite.contacts
    assert str(contacts[0].uri) == "sip:8610@203.0.113.5:40000"
    assert str(contacts[1].uri) == "sip:8610@192.168.1.10:5060"
    assert contacts[1].params.get("expires") == "0"        # the private one removed
    assert list(fp.bindings) == ["sip:8610@203.0.113.5:40000"]
    assert reg.status()["contact"] == "sip:8610@203.0.113.5:40000"
    assert [s["state"] for s in states] == ["registering", "registered"]
    clock.advance(refresh_delay_ms(600) + 1000)             # refreshes keep the public one
    assert [str(a.uri) for a in net.sent[-1][0].contacts] == ["sip:8610@203.0.113.5:40000"]
    assert list(fp.bindings) == ["sip:8610@203.0.113.5:40000"]


def test_nat_over_tcp_takes_the_address_not_the_source_port(clock):
    fp = FakeProvider(clock, "sip1.example.cn")
    fp.nat = ("203.0.113.5", 40000)
    net = Net(fp)
    reg, _ = make(clock, net, [provider("sip1.example.cn", transport="TCP")])
    reg.start()
    clock.advance(1000)
    assert registered(reg)
    assert reg.status()["contact"] == "sip:8610@203.0.113.5:5060;transport=tcp"


def test_granted_shorter_than_asked_refreshes_sooner(clock):
    fp = FakeProvider(clock, "sip1.example.cn", nonce_ttl_ms=3_600_000)
    fp.max_expires = 120
    net = Net(fp)
    reg, _ = make(clock, net, [provider("sip1.example.cn", expires_s=3600)])
    reg.start()
    clock.advance(1000)
    assert registered(reg) and reg.status()["expires_in_s"] <= 120
    clock.advance(refresh_delay_ms(120) - 2000)
    assert len(net.sent) == 2
    clock.advance(2000)
    assert len(net.sent) == 3 and net.sent[-1][0].get("Expires") == "3600"


def test_no_nat_no_rewrite(clock):
    fp = FakeProvider(clock, "sip1.example.cn")
    net = Net(fp)
    reg, _ = make(clock, net, [provider("sip1.example.cn")])
    reg.start()
    clock.advance(1000)
    assert len(net.sent) == 2 and registered(reg)


def test_tcp_provider_and_separate_domain(clock):
    fp = FakeProvider(clock, "10.0.0.1")
    net = Net(fp)
    reg, _ = make(clock, net, [provider("10.0.0.1", port=5080, transport="tcp",
                                       domain="voip.example.cn")])
    reg.start()
    clock.advance(1000)
    assert registered(reg)
    req, target = net.sent[0]
    assert target == Target("TCP", "10.0.0.1", 5080)
    assert str(req.uri) == "sip:voip.example.cn;transport=tcp"
    assert str(req.to_addr.uri) == "sip:8610@voip.example.cn"
    assert req.top_via.transport == "TCP"
    assert req.contacts[0].uri.params.get("transport") == "tcp"


# ----------------------------------------------------------------- configuration
def test_configuration_errors_name_the_field(clock):
    with pytest.raises(ValueError, match="port 0 is not a number 1-65535"):
        Provider("sip1.example.cn", port=0)
    with pytest.raises(ValueError, match="transport 'TLS'"):
        Provider("sip1.example.cn", transport="TLS")
    with pytest.raises(ValueError, match="username is empty"):
        TrunkRegistration(clock, "t", [Provider("sip1.example.cn")], send=Net(),
                          contact_host=lambda: LOCAL, via=lambda t: None)
    with pytest.raises(ValueError, match="no provider"):
        TrunkRegistration(clock, "t", [], send=Net(), contact_host=lambda: LOCAL,
                          via=lambda t: None)


def test_providers_from_the_configured_trunk():
    from firmware.config import SipTrunk
    from firmware.sip.trunk_registration import providers_for
    trunk = SipTrunk(name="cn", host="sip1.example.cn", port=5062, transport="udp",
                     username="8610", password="pw", domain="voip.example.cn", expires_s=300,
                     backup_host="sip2.example.cn")
    main, backup = providers_for(trunk)
    assert (main.host, main.port, backup.host, backup.port) == \
        ("sip1.example.cn", 5062, "sip2.example.cn", 5062)
    assert backup.username == "8610" and backup.password == "pw"
    assert main.transport == "UDP" and main.expires_s == 300
    assert main.aor_domain == "voip.example.cn"


def test_refresh_delay():
    assert refresh_delay_ms(600) == 540_000
    assert refresh_delay_ms(3600) == 3_540_000
    assert refresh_delay_ms(60) == 30_000


# ----------------------------------------------------------------- caller identity
def test_caller_identity_headers_per_mode():
    p = provider("sip1.example.cn", domain="voip.example.cn")
    assert caller_identity_headers(p, "+861088887777", "Sales", "from") == [
        ("From", '"Sales" <sip:+861088887777@voip.example.cn>')]
    pai = caller_identity_headers(p, "+861088887777", "Sales", "pai")
    assert pai == [("From", "<sip:8610@voip.example.cn>"),
                   ("P-Asserted-Identity", '"Sales" <sip:+861088887777@voip.example.cn>')]
    both = dict(caller_identity_headers(p, "88887777", "", "both"))
    assert both == {"From": "<sip:88887777@voip.example.cn>",
                    "P-Asserted-Identity": "<sip:88887777@voip.example.cn>"}
    hidden = dict(caller_identity_headers(p, "88887777", "Sales", "from", hide=True))
    assert "anonymous" in hidden["From"] and "88887777" not in hidden["From"]
    assert hidden["Privacy"] == "id" and "88887777" in hidden["P-Asserted-Identity"]
    # the values parse as addresses (a dialog adds the From tag)
    assert Address.parse(pai[1][1]).uri.user == "+861088887777"


def test_caller_identity_bad_input_is_explained():
    p = provider("sip1.example.cn")
    with pytest.raises(ValueError, match="caller ID mode 'rpid' is not one of"):
        caller_identity_headers(p, "123", "", "rpid")
    with pytest.raises(ValueError, match="caller ID number '12a'"):
        caller_identity_headers(p, "12a", "", "from")


# ----------------------------------------------------------------- with the real stack
def test_through_the_transaction_layer_and_the_wire(clock):
    """REGISTERs go through real client transactions, as bytes; the provider's answers
    come back parsed, retransmissions are absorbed, and Timer F reports no answer."""
    from firmware.sip.message import parse
    from firmware.sip.transaction import TransactionLayer

    fp = FakeProvider(clock, "198.51.100.7")
    wire: list[SipRequest] = []

    def to_wire(msg, target):
        req = parse(bytes(msg))
        wire.append(req)
        if fp.silent:
            return
        resp = fp.answer(req)
        clock.call_later(40, lambda: txl.receive(_received(resp, target)))

    def _received(resp, target):
        r = parse(bytes(resp))
        r.source = target
        return r

    txl = TransactionLayer(clock, to_wire)
    reg, _ = make(clock, lambda req, t, on_r, on_t: txl.client_transaction(req, t, on_r, on_t),
                  [provider("198.51.100.7")], retry_ms=5000)
    reg.start()
    clock.advance(1000)
    assert registered(reg) and len(wire) == 2
    assert "sip:8610@192.168.1.10:5060" in fp.bindings
    fp.silent = True
    clock.advance(refresh_delay_ms(600))
    assert clock.run_until(lambda: reg.state is RegState.RETRY_WAIT, 40_000)
    assert reg.status()["last_error"] == "no answer from 198.51.100.7:5060 (32 s)"
    assert len(wire) > 3                                    # Timer E retransmitted the refresh
    assert len({r.cseq.number for r in wire[2:]}) == 1
