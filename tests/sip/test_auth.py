"""Digest authentication: RFC test vectors, header parsing, server/client round trips."""
from __future__ import annotations

import pytest

from firmware.sip.auth import (
    AuthError, AuthParseError, Challenge, Credentials, DigestClient, DigestServer,
    digest_response, ha1, ha1_set, parse_challenges, parse_credentials,
)
from hal.clock import VirtualClock

# -- RFC test vectors ------------------------------------------------------------------

RFC7616 = dict(method="GET", uri="/dir/index.html", username="Mufasa",
               realm="http-auth@example.org", password="Circle of Life",
               nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
               cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
               qop="auth", nc="00000001")


def test_rfc2617_md5_example():
    assert digest_response(method="GET", uri="/dir/index.html", username="Mufasa",
                           realm="testrealm@host.com", password="Circle Of Life",
                           nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", qop="auth",
                           nc="00000001", cnonce="0a4f113b") == \
        "6629fae49393a05397450978507c4ef1"


@pytest.mark.parametrize("alg,expected", [
    ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
])
def test_rfc7616_examples(alg, expected):
    assert digest_response(algorithm=alg, **RFC7616) == expected


def test_rfc7616_example_from_stored_ha1():
    stored = ha1_set("Mufasa", "http-auth@example.org", "Circle of Life")
    args = {k: v for k, v in RFC7616.items() if k not in ("password",)}
    assert digest_response(algorithm="SHA-256", ha1_hex=stored["SHA-256"], **args) == \
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    assert stored["MD5"] == ha1("Mufasa", "http-auth@example.org", "Circle of Life", "md5")


def test_rfc7616_client_header_reproduces_example():
    ch = ('Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, '
          'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
          'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", '
          'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, '
          'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
          'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"')
    client = DigestClient("Mufasa", "Circle of Life",
                          cnonce_factory=lambda: RFC7616["cnonce"])
    value = client.authorize("GET", "/dir/index.html", ch)
    cred = parse_credentials(value)
    assert cred.algorithm == "SHA-256"            # strongest offered
    assert cred.response == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    assert cred.opaque == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
    assert cred.nc == "00000001" and cred.qop == "auth"
    assert "qop=auth," in value and "nc=00000001" in value and 'uri="/dir/index.html"' in value


def test_sess_and_auth_int_differ_and_need_cnonce():
    base = dict(method="INVITE", uri="sip:bob@x", nonce="n", username="a", realm="r",
                password="p", qop="auth", nc="00000001", cnonce="c")
    plain = digest_response(algorithm="MD5", **base)
    sess = digest_response(algorithm="MD5-sess", **base)
    assert plain != sess
    h1 = ha1("a", "r", "p")
    a1 = digest_response(algorithm="MD5", **base)
    assert a1 == plain
    int1 = digest_response(algorithm="SHA-256", **{**base, "qop": "auth-int"}, body=b"v=0\r\n")
    int2 = digest_response(algorithm="SHA-256", **{**base, "qop": "auth-int"}, body=b"v=1\r\n")
    assert int1 != int2 and len(int1) == 64
    assert len(h1) == 32


# -- parsing ---------------------------------------------------------------------------

def test_parse_several_challenges_in_one_value_with_escapes():
    cs = parse_challenges('Digest realm="hot\\"line", nonce="abc", algorithm=SHA-256, '
                          'qop="auth,auth-int", stale=TRUE, Digest realm="x", nonce="y",'
                          ' Basic realm="old"')
    assert [c.scheme for c in cs] == ["Digest", "Digest", "Basic"]
    assert cs[0].realm == 'hot"line' and cs[0].stale and cs[0].qop_options == ["auth", "auth-int"]
    assert cs[1].algorithm == "MD5" and not cs[1].stale
    # formatting quotes what must be quoted, not algorithm/stale
    assert str(cs[0]) == ('Digest realm="hot\\"line", nonce="abc", algorithm=SHA-256, '
                          'qop="auth,auth-int", stale=TRUE')
    assert parse_challenges(str(cs[0]))[0].params == cs[0].params


def test_parse_list_of_header_lines_and_token68():
    cs = parse_challenges(['Digest realm="a", nonce="1"', 'Digest realm="a", nonce="2"'])
    assert [c.nonce for c in cs] == ["1", "2"]
    basic = parse_credentials("Basic dXNlcjpwdw==")
    assert basic.token68 == "dXNlcjpwdw==" and str(basic) == "Basic dXNlcjpwdw=="


def test_credentials_roundtrip_and_case_insensitive_names():
    c = parse_credentials('digest USERNAME="801", Realm="hotline", nonce="n", '
                          'uri="sip:hotline", response="ab", qop="auth", nc=00000002, '
                          'cnonce="x,y"')
    assert isinstance(c, Credentials)
    assert c.username == "801" and c.qop == "auth" and c.nc == "00000002"
    assert c.cnonce == "x,y"             # comma inside quotes is not a separator
    again = parse_credentials(str(c))
    assert again.params == c.params
    assert "qop=auth" in str(c) and 'cnonce="x,y"' in str(c)


@pytest.mark.parametrize("garbage", [
    "", "   ,  ", "@@@", 'Digest realm="unterminated', 'Digest realm="a" nonce="b"',
    "realm=\"a\"", 'Digest realm="a", realm="b"', "Digest realm=", "Digest notparams",
    'Digest realm="a", =x',
])
def test_garbage_raises_clear_error(garbage):
    with pytest.raises(AuthParseError) as e:
        parse_challenges(garbage)
    assert "malformed" in str(e.value)


def test_two_credentials_in_one_value_rejected():
    with pytest.raises(AuthParseError, match="2 credentials"):
        parse_credentials('Digest username="a", Digest username="b"')


# -- server / client round trips ---------------------------------------------------------

USERS = {"801": "s3cret-801", "802": "pw802"}


def lookup(user):
    return USERS.get(user)


@pytest.fixture
def clock():
    return VirtualClock()


@pytest.fixture
def server(clock):
    return DigestServer("hotline", clock, nonce_ttl_ms=60_000)


def _challenge(server, **kw):
    return server.challenge(**kw)


def test_challenge_offers_sha256_first_with_one_nonce(server):
    values = server.challenge()
    cs = [parse_challenges(v)[0] for v in values]
    assert [c.algorithm for c in cs] == ["SHA-256", "MD5"]
    assert cs[0].nonce == cs[1].nonce and cs[0].realm == "hotline"
    assert cs[0].qop_options == ["auth"] and not cs[0].stale
    assert parse_challenges(server.challenge(stale=True)[0])[0].stale
    assert server.challenge()[0] != values[0]     # nonces are fresh every time


@pytest.mark.parametrize("offered", [("SHA-256", "MD5"), ("MD5",), ("SHA-256",),
                                     ("MD5-sess",), ("SHA-256-sess",)])
def test_client_server_roundtrip(clock, offered):
    server = DigestServer("hotline", clock, algorithms=offered)
    client = DigestClient("801", USERS["801"])
    value = client.authorize("REGISTER", "sip:hotline", server.challenge())
    assert parse_credentials(value).algorithm == offered[0]
    r = server.verify("REGISTER", value, lookup, request_uri="sip:hotline")
    assert r.ok and r.user == "801" and r.algorithm == offered[0] and bool(r)


def test_server_accepts_stored_ha1(server):
    store = {"801": ha1_set("801", "hotline", USERS["801"])}
    client = DigestClient("801", USERS["801"])
    for alg in ("SHA-256", "MD5"):
        value = client.authorize("REGISTER", "sip:hotline", server.challenge(algorithms=(alg,)))
        r = server.verify("REGISTER", value, store.get)
        assert r.ok, r.reason


def test_wrong_password_and_unknown_user(server):
    bad = DigestClient("801", "guess").authorize("REGISTER", "sip:hotline", server.challenge())
    r = server.verify("REGISTER", bad, lookup)
    assert not r.ok and r.reason == "wrong password" and r.user == "801"
    assert r.counts_as_failure and not r.stale
    nobody = DigestClient("999", "x").authorize("REGISTER", "sip:hotline", server.challenge())
    r = server.verify("REGISTER", nobody, lookup)
    assert not r.ok and r.reason == "unknown user" and r.counts_as_failure


def test_expired_nonce_is_stale_not_failure(clock, server):
    client = DigestClient("801", USERS["801"])
    ch = server.challenge()
    clock.advance(59_000)
    assert server.verify("REGISTER", client.authorize("REGISTER", "sip:hotline", ch), lookup).ok
    clock.advance(2_000)
    r = server.verify("REGISTER", client.reauthorize("REGISTER", "sip:hotline"), lookup)
    assert not r.ok and r.stale and r.reason == "nonce expired" and not r.counts_as_failure
    # a stale nonce with a wrong password is still a wrong password
    bad = DigestClient("801", "nope").authorize("REGISTER", "sip:hotline", ch)
    r = server.verify("REGISTER", bad, lookup)
    assert r.reason == "wrong password" and not r.stale


def test_replayed_nonce_count_rejected_and_next_count_accepted(server):
    client = DigestClient("801", USERS["801"])
    first = client.authorize("REGISTER", "sip:hotline", server.challenge())
    assert server.verify("REGISTER", first, lookup).ok
    r = server.verify("REGISTER", first, lookup)           # the same message again
    assert not r.ok and r.reason.startswith("replayed nonce count")
    assert r.stale        # refused, re-challenged; a phone reusing its nc recovers
    second = client.reauthorize("REGISTER", "sip:hotline")
    assert parse_credentials(second).nc == "00000002"
    assert server.verify("REGISTER", second, lookup).ok


@pytest.mark.parametrize("field,value,reason", [
    ("uri", "sip:evil", "wrong password"),
    ("username", "802", "wrong password"),
    ("response", "0" * 64, "wrong password"),
    ("cnonce", "other", "wrong password"),
    ("realm", "elsewhere", "realm mismatch"),
    ("algorithm", "SHA-512-256", "was not offered"),
    ("algorithm", "ROT13", "unsupported digest algorithm"),
    ("nc", "1", "bad nonce count"),
    ("qop", "auth-conf", "unsupported qop"),
])
def test_tampered_fields_rejected(server, field, value, reason):
    cred = parse_credentials(DigestClient("801", USERS["801"]).authorize(
        "REGISTER", "sip:hotline", server.challenge()))
    cred.params[field] = value
    r = server.verify("REGISTER", str(cred), lookup)
    assert not r.ok and reason in r.reason


def test_tampered_or_foreign_nonce(clock, server):
    client = DigestClient("801", USERS["801"])
    ch = parse_challenges(server.challenge()[0])[0]
    n = ch.nonce
    ch.params["nonce"] = n[:-2] + ("AA" if n[-2:] != "AA" else "BB")
    r = server.verify("REGISTER", client.authorize("REGISTER", "sip:hotline", str(ch)), lookup)
    # right password but a nonce we did not make (e.g. before a reboot): re-challenge
    assert not r.ok and r.stale and "restart" in r.reason
    other_boot = DigestServer("hotline", clock)
    value = client.authorize("REGISTER", "sip:hotline", other_boot.challenge())
    assert server.verify("REGISTER", value, lookup).stale
    bad = DigestClient("801", "x").authorize("REGISTER", "sip:hotline", str(ch))
    r = server.verify("REGISTER", bad, lookup)
    assert not r.ok and not r.stale and "not issued by this box" in r.reason


def test_auth_int_covers_body(clock):
    server = DigestServer("hotline", clock)
    ch = parse_challenges(server.challenge()[0])[0]
    ch.params["qop"] = "auth-int"     # a challenge offering only auth-int
    client = DigestClient("801", USERS["801"])
    value = client.authorize("INVITE", "sip:802@hotline", str(ch), body=b"v=0\r\n")
    assert parse_credentials(value).qop == "auth-int"
    assert server.verify("INVITE", value, lookup, body=b"v=0\r\n").ok
    value = client.reauthorize("INVITE", "sip:802@hotline", body=b"v=0\r\n")
    r = server.verify("INVITE", value, lookup, body=b"v=0\r\nX")
    assert not r.ok and r.reason == "wrong password"


def test_missing_fields_and_non_digest(server):
    r = server.verify("REGISTER", 'Digest username="801", realm="hotline"', lookup)
    assert not r.ok and "'nonce'" in r.reason
    r = server.verify("REGISTER", "Basic dXNlcjpwdw==", lookup)
    assert not r.ok and "not Digest" in r.reason
    r = server.verify("REGISTER", "@@@", lookup)
    assert not r.ok and "malformed" in r.reason
    cred = parse_credentials(DigestClient("801", USERS["801"]).authorize(
        "REGISTER", "sip:hotline", server.challenge()))
    for name in ("qop", "nc", "cnonce"):
        cred.params.pop(name)
    r = server.verify("REGISTER", str(cred), lookup)
    assert not r.ok and "qop" in r.reason


def test_rfc2069_style_only_when_allowed(clock):
    server = DigestServer("hotline", clock, allow_rfc2069=True)
    ch = parse_challenges(server.challenge()[0])[0]
    del ch.params["qop"]
    value = DigestClient("801", USERS["801"]).authorize("REGISTER", "sip:hotline", str(ch))
    assert "qop" not in parse_credentials(value).params
    assert server.verify("REGISTER", value, lookup).ok


def test_nonce_table_is_bounded(clock):
    server = DigestServer("hotline", clock, max_nonces=8)
    client = DigestClient("801", USERS["801"])
    early = client.authorize("REGISTER", "sip:hotline", server.challenge())
    assert server.verify("REGISTER", early, lookup).ok
    for _ in range(50):
        clock.advance(20)
        v = client.authorize("REGISTER", "sip:hotline", server.challenge())
        assert server.verify("REGISTER", v, lookup).ok
    assert server.tracked_nonces <= 8
    # a forgotten nonce can not be replayed: it verifies as stale, so the phone
    # re-authenticates with a fresh nonce
    r = server.verify("REGISTER", early, lookup)
    assert not r.ok and r.stale


def test_client_picks_strongest_and_explains_unusable():
    client = DigestClient("801", "pw")
    ch = ['Digest realm="r", nonce="1", algorithm=MD5, qop="auth"',
          'Digest realm="r", nonce="2", algorithm=SHA-256, qop="auth"']
    assert parse_credentials(client.authorize("REGISTER", "sip:r", ch)).nonce == "2"
    with pytest.raises(AuthError, match="no usable challenge.*Basic"):
        client.authorize("REGISTER", "sip:r", 'Basic realm="r"')
    with pytest.raises(AuthError, match="no usable challenge"):
        client.authorize("REGISTER", "sip:r", 'Digest realm="r", nonce="1", algorithm=ROT13')
    only_realm = DigestClient("801", "pw", realm="other")
    with pytest.raises(AuthError, match="'other'"):
        only_realm.authorize("REGISTER", "sip:r", ch)
    assert DigestClient("a", "b").reauthorize("REGISTER", "sip:r") is None


def test_client_counts_per_nonce():
    client = DigestClient("801", "pw")
    ch = 'Digest realm="r", nonce="N1", qop="auth"'
    ncs = [parse_credentials(client.authorize("REGISTER", "sip:r", ch)).nc for _ in range(3)]
    assert ncs == ["00000001", "00000002", "00000003"]
    other = parse_credentials(client.authorize("REGISTER", "sip:r", ch.replace("N1", "N2")))
    assert other.nc == "00000001"
    assert isinstance(client.challenge, Challenge)


def test_pick_credentials_for_our_realm(server):
    ours = DigestClient("801", USERS["801"]).authorize("REGISTER", "sip:hotline",
                                                        server.challenge())
    theirs = 'Digest username="x", realm="provider", nonce="n", uri="sip:p", response="0"'
    assert server.pick_credentials([theirs, ours]) == ours
    assert server.pick_credentials(["garbage @@", theirs]) == theirs
    assert server.pick_credentials([]) is None
