"""Registrar / location service (RFC 3261 §10.3) with digest auth and lockout, on the
virtual clock: REGISTER requests are built here and signed with DigestClient."""
from __future__ import annotations

from typing import Optional

import pytest

from firmware.sip.auth import DigestClient, parse_challenges
from firmware.sip.lockout import FailedAuthGuard
from firmware.sip.message import SipRequest, Target, new_branch, new_call_id, parse
from firmware.sip.registrar import Registrar
from hal.clock import VirtualClock

REALM = "pbx.test"
PASSWORDS = {"201": "s3cret-201", "202": "s3cret-202"}
SRC = Target("UDP", "10.0.0.5", 5062)
OTHER = Target("UDP", "10.0.0.9", 5060)


def build(method: str, user: str, *, contacts=(), expires: Optional[int] = None,
          call_id: str = "cid-1", cseq: int = 1, from_user: Optional[str] = None,
          uri: Optional[str] = None, headers=()) -> SipRequest:
    """A request as a phone at SRC would send it (To = the AOR for REGISTER)."""
    r = SipRequest(method, uri or (f"sip:{REALM}" if method == "REGISTER" else f"sip:300@{REALM}"))
    r.add("Via", f"SIP/2.0/UDP 10.0.0.5:5062;branch={new_branch()};rport")
    r.add("Max-Forwards", "70")
    r.add("From", f"<sip:{from_user or user}@{REALM}>;tag=ft1")
    r.add("To", f"<sip:{user}@{REALM}>" if method == "REGISTER" else f"<sip:300@{REALM}>")
    r.add("Call-ID", call_id)
    r.add("CSeq", f"{cseq} {method}")
    for c in contacts:
        r.add("Contact", c)
    if expires is not None:
        r.add("Expires", str(expires))
    for name, value in headers:
        r.add(name, value)
    return parse(bytes(r))          # the wire round trip a real request takes


class Phone:
    """A phone registering one AOR: answers 401s with its DigestClient."""

    def __init__(self, reg: Registrar, user: str, password: Optional[str] = None, *,
                 auth_user: Optional[str] = None, source: Target = SRC,
                 algorithm: Optional[str] = None) -> None:
        self.reg, self.user, self.source = reg, user, source
        self.client = DigestClient(auth_user or user,
                                   password if password is not None else PASSWORDS[user])
        self.algorithm = algorithm
        self.call_id = new_call_id("10.0.0.5")
        self.cseq = 0
        self.challenge_seen = None

    def send(self, **kw):
        self.cseq += 1
        return self.reg.register(build("REGISTER", self.user, call_id=self.call_id,
                                       cseq=self.cseq, **kw), self.source)

    def register(self, contacts=("<sip:201@10.0.0.5:5062>",), **kw):
        first = self.send(contacts=contacts, **kw)
        if first.status != 401:
            return first
        self.challenge_seen = first
        values = first.get_all("WWW-Authenticate")
        if self.algorithm:
            values = [v for v in values if parse_challenges(v)[0].algorithm == self.algorithm]
        auth = self.client.authorize("REGISTER", f"sip:{REALM}", values)
        headers = list(kw.pop("headers", ())) + [("Authorization", auth)]
        return self.send(contacts=contacts, headers=headers, **kw)


@pytest.fixture
def clock():
    return VirtualClock()


@pytest.fixture
def events():
    return []


@pytest.fixture
def changes():
    return []


@pytest.fixture
def guard(clock):
    return FailedAuthGuard(clock, max_failures=3, window_ms=60_000, lockout_ms=300_000)


@pytest.fixture
def reg(clock, guard, events, changes):
    return Registrar(clock, realm=REALM, secret=PASSWORDS.get, guard=guard,
                     log_event=lambda name, fields: events.append((name, fields)),
                     on_change=lambda user, bs: changes.append((user, [str(b.contact.uri) for b in bs])))


def contact_expires(resp) -> dict[str, int]:
    out = {}
    for v in resp.get_all("Contact"):
        uri, _, params = v.partition(">")
        out[uri.lstrip("<")] = int(params.split("expires=")[1].split(";")[0])
    return out


# -- authentication -------------------------------------------------------------------

@pytest.mark.parametrize("algorithm", ["SHA-256", "MD5"])
def test_challenge_then_200(reg, algorithm, events, changes):
    phone = Phone(reg, "201", algorithm=algorithm)
    resp = phone.register()
    ch = phone.challenge_seen
    assert ch.status == 401 and ch.to_tag
    offered = [parse_challenges(v)[0].algorithm for v in ch.get_all("WWW-Authenticate")]
    assert offered == ["SHA-256", "MD5"]              # RFC 8760: preferred first
    assert resp.status == 200, resp.get("Warning")
    assert contact_expires(resp) == {"sip:201@10.0.0.5:5062": 3600}
    assert resp.get("Date") == "Thu, 01 Jan 2026 08:00:00 GMT"
    [b] = reg.bindings("201")
    assert b.source == SRC and b.call_id == phone.call_id and b.cseq == 2
    assert str(b.contact.uri) == "sip:201@10.0.0.5:5062"
    assert changes == [("201", ["sip:201@10.0.0.5:5062"])]
    assert events == [("sip.registered", {"user": "201", "contact": "sip:201@10.0.0.5:5062",
                                          "source": "udp:10.0.0.5:5062", "expires": 3600})]


def test_wrong_password_403_and_counted(reg, guard, events):
    resp = Phone(reg, "201", "guess").register()
    assert resp.status == 403
    assert "wrong user name or password" in resp.get("Warning")
    assert reg.bindings("201") == []
    assert guard.failures("10.0.0.5") == 1 and guard.user_failures("201") == 1
    assert events[-1][0] == "sip.auth_failed" and events[-1][1]["reason"] == "wrong password"


def test_unknown_user_is_challenged_then_gets_the_same_403(reg, guard, events):
    probe = Phone(reg, "999", "whatever")
    resp = probe.register(contacts=("<sip:999@10.0.0.5>",))
    assert probe.challenge_seen.status == 401          # not 404: numbers cannot be probed
    wrong = Phone(reg, "201", "whatever").register()
    assert resp.status == wrong.status == 403
    assert resp.reason == wrong.reason and resp.get("Warning") == wrong.get("Warning")
    assert guard.failures("10.0.0.5") == 2
    assert [f["reason"] for n, f in events if n == "sip.auth_failed"] == \
        ["unknown user", "wrong password"]


def test_lockout_then_unblocked_after_lockout_time(reg, clock, guard, events):
    for _ in range(3):
        assert Phone(reg, "201", "guess").register().status == 403
    assert ("sip.lockout", {"source": "10.0.0.5", "lockout_s": 300, "users": ["201"],
                            "failures": 3}) in events
    resp = Phone(reg, "201").register()               # right password, still refused
    assert resp.status == 403
    assert "too many failed authentication attempts from 10.0.0.5" in resp.get("Warning")
    assert "too many failed" in resp.reason
    assert reg.bindings("201") == []
    assert Phone(reg, "202", source=OTHER).register(
        contacts=("<sip:202@10.0.0.9>",)).status == 200    # other sources unaffected
    # INVITEs from the blocked source are refused too, without a challenge
    user, r = reg.authenticate(build("INVITE", "201"), SRC)
    assert user is None and r.status == 403
    clock.advance(300_000)
    assert Phone(reg, "201").register().status == 200
    assert guard.failures("10.0.0.5") == 0


def test_credentials_of_another_user_cannot_register_the_aor(reg, guard):
    resp = Phone(reg, "202", PASSWORDS["201"], auth_user="201").register(
        contacts=("<sip:202@10.0.0.5>",))
    assert resp.status == 403
    assert "credentials of 201 may not register extension 202" in resp.get("Warning")
    assert reg.bindings("202") == [] and reg.bindings("201") == []


def test_stale_nonce_rechallenges_without_counting(reg, clock, guard):
    phone = Phone(reg, "201")
    assert phone.register().status == 200
    clock.advance(reg.digest.nonce_ttl_ms + 1000)
    auth = phone.client.reauthorize("REGISTER", f"sip:{REALM}")
    resp = phone.send(contacts=("<sip:201@10.0.0.5:5062>",), headers=[("Authorization", auth)])
    assert resp.status == 401
    assert all(parse_challenges(v)[0].stale for v in resp.get_all("WWW-Authenticate"))
    assert guard.failures("10.0.0.5") == 0


def test_digest_for_another_uri_is_refused(reg, guard):
    phone = Phone(reg, "201")
    first = phone.send(contacts=("<sip:201@10.0.0.5>",))
    auth = phone.client.authorize("REGISTER", "sip:elsewhere.test", first.get_all("WWW-Authenticate"))
    resp = phone.send(contacts=("<sip:201@10.0.0.5>",), headers=[("Authorization", auth)])
    assert resp.status == 400 and "is not the Request-URI" in resp.get("Warning")
    assert reg.bindings("201") == [] and guard.failures("10.0.0.5") == 0


# -- bindings ---------------------------------------------------------------------------

def test_expiry_drops_binding_by_itself(reg, clock, events, changes):
    assert Phone(reg, "201").register(expires=60).status == 200
    clock.advance(59_000)
    assert len(reg.bindings("201")) == 1
    assert reg.bindings("201")[0].expires_in_s(clock.now_ms()) == 1
    clock.advance(1_000)
    assert reg.bindings("201") == []
    assert changes[-1] == ("201", [])                 # the timer ran expire() itself
    assert events[-1] == ("sip.expired", {"user": "201", "contact": "sip:201@10.0.0.5:5062",
                                          "source": "udp:10.0.0.5:5062"})
    assert reg.all_bindings() == {}


def test_contact_expires_param_beats_header_and_max_clamps(reg):
    resp = Phone(reg, "201").register(
        contacts=("<sip:201@10.0.0.5:5062>;expires=120", "<sip:201@10.0.0.6>"), expires=7200)
    assert resp.status == 200
    assert contact_expires(resp) == {"sip:201@10.0.0.5:5062": 120, "sip:201@10.0.0.6": 3600}


def test_too_brief_gets_423_with_min_expires(reg):
    resp = Phone(reg, "201").register(expires=30)
    assert resp.status == 423 and resp.get("Min-Expires") == "60"
    assert reg.bindings("201") == []


def test_expires_zero_removes_one_contact(reg, events, changes):
    phone = Phone(reg, "201")
    phone.register(contacts=("<sip:201@10.0.0.5:5062>", "<sip:201@10.0.0.5:5064>"))
    resp = phone.register(contacts=("<sip:201@10.0.0.5:5064>;expires=0",))
    assert resp.status == 200
    assert contact_expires(resp) == {"sip:201@10.0.0.5:5062": 3600}
    assert changes[-1] == ("201", ["sip:201@10.0.0.5:5062"])
    assert events[-1][0] == "sip.unregistered"
    assert events[-1][1]["contact"] == "sip:201@10.0.0.5:5064"


def test_star_with_expires_zero_removes_all(reg, changes):
    phone = Phone(reg, "201")
    phone.register(contacts=("<sip:201@10.0.0.5:5062>", "<sip:201@10.0.0.5:5064>"))
    other = Phone(reg, "201", source=OTHER)
    other.register(contacts=("<sip:201@10.0.0.9>",))
    assert len(reg.bindings("201")) == 3
    bad = phone.register(contacts=("*",))             # no Expires: 0
    assert bad.status == 400 and "Expires: 0" in bad.get("Warning")
    assert len(reg.bindings("201")) == 3
    resp = phone.register(contacts=("*",), expires=0)
    assert resp.status == 200 and resp.get("Contact") is None
    assert reg.bindings("201") == [] and changes[-1] == ("201", [])


def test_two_contacts_both_listed_highest_q_first(reg):
    desk = Phone(reg, "201")
    desk.register(contacts=("<sip:201@10.0.0.5:5062>;q=0.5",))
    soft = Phone(reg, "201", source=OTHER)
    resp = soft.register(contacts=("<sip:201@10.0.0.9>;q=0.9",))
    assert set(contact_expires(resp)) == {"sip:201@10.0.0.5:5062", "sip:201@10.0.0.9"}
    assert [str(b.contact.uri) for b in reg.bindings("201")] == \
        ["sip:201@10.0.0.9", "sip:201@10.0.0.5:5062"]
    assert [b.source for b in reg.bindings("201")] == [OTHER, SRC]


def test_refresh_updates_without_duplicating(reg, clock, changes, events):
    phone = Phone(reg, "201")
    phone.register(expires=300)
    clock.advance(200_000)
    resp = phone.register(expires=300)
    assert resp.status == 200
    [b] = reg.bindings("201")
    assert b.expires_in_s(clock.now_ms()) == 300 and b.cseq == 4
    assert len(changes) == 1                          # a plain refresh is no change
    assert [n for n, _ in events] == ["sip.registered"]
    clock.advance(250_000)
    assert len(reg.bindings("201")) == 1              # alive past the first expiry


def test_refresh_from_a_new_nat_port_moves_the_flow(reg, changes):
    phone = Phone(reg, "201")
    phone.register()
    reg.bindings("201")[0].reachable = True
    phone.source = Target("UDP", "10.0.0.5", 40000)
    phone.register()
    [b] = reg.bindings("201")
    assert b.source.port == 40000 and b.reachable is None
    assert len(changes) == 2


def test_stale_cseq_same_call_id_gets_500(reg):
    phone = Phone(reg, "201")
    phone.register(contacts=("<sip:201@10.0.0.5:5062>",))
    auth = phone.client.reauthorize("REGISTER", f"sip:{REALM}")
    old = build("REGISTER", "201", contacts=("<sip:201@10.0.0.5:5062>;expires=0",),
                call_id=phone.call_id, cseq=2, headers=[("Authorization", auth)])
    resp = reg.register(old, SRC)
    assert resp.status == 500 and "CSeq 2 is not above 2" in resp.get("Warning")
    assert len(reg.bindings("201")) == 1             # nothing changed


def test_query_without_contact_lists_bindings(reg, changes):
    phone = Phone(reg, "201")
    phone.register(contacts=("<sip:201@10.0.0.5:5062>", "<sip:201@10.0.0.5:5064>"))
    resp = phone.register(contacts=())
    assert resp.status == 200
    assert set(contact_expires(resp)) == {"sip:201@10.0.0.5:5062", "sip:201@10.0.0.5:5064"}
    assert len(changes) == 1


def test_max_contacts_drops_the_oldest(clock, guard, events):
    reg = Registrar(clock, realm=REALM, secret=PASSWORDS.get, guard=guard, max_contacts=2,
                    log_event=lambda n, f: events.append((n, f)))
    for port in (5001, 5002, 5003):
        Phone(reg, "201").register(contacts=(f"<sip:201@10.0.0.5:{port}>",))
        clock.advance(1000)
    assert [b.contact.uri.port for b in reg.bindings("201")] == [5003, 5002]
    assert events[-1][0] == "sip.unregistered" and "5001" in events[-1][1]["contact"]
    too_many = Phone(reg, "201").register(contacts=tuple(
        f"<sip:201@10.0.0.5:{p}>" for p in (6001, 6002, 6003)))
    assert too_many.status == 403 and "at most 2 contacts" in too_many.get("Warning")


def test_same_instance_replaces_binding_with_new_uri(reg):
    inst = '+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"'
    Phone(reg, "201").register(contacts=(f"<sip:201@10.0.0.5:5062>;{inst}",))
    Phone(reg, "201", source=OTHER).register(contacts=(f"<sip:201@10.0.0.9:5062>;{inst}",))
    [b] = reg.bindings("201")
    assert str(b.contact.uri) == "sip:201@10.0.0.9:5062" and b.source == OTHER
    assert b.instance == "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"


def test_bad_contact_and_to_are_400(reg):
    resp = Phone(reg, "201").register(contacts=("<tel:+4930123>",))
    assert resp.status == 400 and "sip: or sips:" in resp.get("Warning")
    resp = Phone(reg, "201").register(contacts=("<sip:201@10.0.0.5>;q=7",))
    assert resp.status == 400 and "q must be a number from 0 to 1" in resp.get("Warning")


def test_require_unknown_extension_gets_420(reg):
    resp = Phone(reg, "201").register(headers=[("Require", "gruu")])
    assert resp.status == 420 and resp.get("Unsupported") == "gruu"


def test_remove_user_status_and_user_agent(reg, clock, changes, events):
    Phone(reg, "201").register(headers=[("User-Agent", "Yealink T54W")])
    Phone(reg, "202", source=OTHER).register(contacts=("<sip:202@10.0.0.9>",))
    clock.advance(10_000)
    rows = reg.status()
    assert [(r["user"], r["source"], r["expires_s"], r["user_agent"]) for r in rows] == [
        ("201", "udp:10.0.0.5:5062", 3590, "Yealink T54W"),
        ("202", "udp:10.0.0.9:5060", 3590, "")]
    reg.remove_user("201")
    assert reg.bindings("201") == [] and changes[-1] == ("201", [])
    assert events[-1][1]["reason"] == "extension removed or changed"
    assert list(reg.all_bindings()) == ["202"]


# -- authenticate() for other requests ----------------------------------------------------

def test_authenticate_invite_407_then_ok(reg, guard):
    client = DigestClient("201", PASSWORDS["201"])
    user, resp = reg.authenticate(build("INVITE", "201"), SRC)
    assert user is None and resp.status == 407
    values = resp.get_all("Proxy-Authenticate")
    assert len(values) == 2 and not resp.get("WWW-Authenticate")
    auth = client.authorize("INVITE", f"sip:300@{REALM}", values)
    user, resp = reg.authenticate(build("INVITE", "201", cseq=2,
                                        headers=[("Proxy-Authorization", auth)]), SRC)
    assert (user, resp) == ("201", None)
    # an Authorization header does not answer a proxy challenge
    user, resp = reg.authenticate(build("INVITE", "201", cseq=3,
                                        headers=[("Authorization", auth)]), SRC)
    assert user is None and resp.status == 407


def test_authenticate_refuses_from_spoofing(reg, guard, events):
    client = DigestClient("201", PASSWORDS["201"])
    _, ch = reg.authenticate(build("INVITE", "202"), SRC)
    auth = client.authorize("INVITE", f"sip:300@{REALM}", ch.get_all("Proxy-Authenticate"))
    user, resp = reg.authenticate(build("INVITE", "202", cseq=2,
                                        headers=[("Proxy-Authorization", auth)]), SRC)
    assert user is None and resp.status == 403
    assert "From user 202 does not match the credentials of 201" in resp.get("Warning")
    assert events[-1][0] == "sip.auth_failed"


def test_authenticate_www_and_wrong_password_counted(reg, guard):
    client = DigestClient("201", "nope")
    _, ch = reg.authenticate(build("MESSAGE", "201"), SRC, proxy=False)
    assert ch.status == 401
    auth = client.authorize("MESSAGE", f"sip:300@{REALM}", ch.get_all("WWW-Authenticate"))
    user, resp = reg.authenticate(build("MESSAGE", "201", cseq=2,
                                        headers=[("Authorization", auth)]), SRC, proxy=False)
    assert user is None and resp.status == 403 and guard.failures("10.0.0.5") == 1


def test_bad_settings_are_named():
    clock = VirtualClock()
    guard = FailedAuthGuard(clock)
    with pytest.raises(ValueError, match="default_expires_s"):
        Registrar(clock, realm=REALM, secret=PASSWORDS.get, guard=guard, default_expires_s=10)
    with pytest.raises(ValueError, match="max_contacts"):
        Registrar(clock, realm=REALM, secret=PASSWORDS.get, guard=guard, max_contacts=0)
