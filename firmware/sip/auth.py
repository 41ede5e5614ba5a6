"""SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760), sans-IO.

Three parts, all working on header *values* (``str``) and bodies (``bytes``):

* parsing/formatting of ``WWW-Authenticate`` / ``Proxy-Authenticate`` challenges and
  ``Authorization`` / ``Proxy-Authorization`` credentials (:func:`parse_challenges`,
  :func:`parse_credentials`, ``str(challenge)``);
* the digest arithmetic (:func:`ha1`, :func:`digest_response`) for MD5, MD5-sess,
  SHA-256, SHA-256-sess and SHA-512-256(-sess), qop ``auth`` and ``auth-int``;
* the two roles: :class:`DigestServer` (the registrar challenges and verifies phones) and
  :class:`DigestClient` (the box registers to a SIP trunk provider).

Nonces are self-validating: ``base64(timestamp_ms ‖ random ‖ HMAC(secret, …))`` with a
secret drawn at boot, so the server keeps no table of issued nonces; it only remembers
the last nonce-count of nonces in use (bounded) to refuse replays. Time comes from the
hal :class:`~hal.clock.Clock` (ms since boot), never from wall time.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import struct
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, ClassVar, Iterable, Mapping, Optional, Sequence, Union

__all__ = [
    "ALGORITHMS", "AuthError", "AuthParseError", "AuthParams", "Challenge", "Credentials",
    "parse_challenges", "parse_credentials", "ha1", "ha1_set", "session_ha1",
    "digest_response", "AuthResult", "DigestServer", "DigestClient", "Secret",
]


class AuthError(Exception):
    """Digest authentication cannot proceed (e.g. no usable challenge)."""


class AuthParseError(AuthError, ValueError):
    """An authentication header value is not well formed; the message says where."""


# -------------------------------------------------------------------------------------
# algorithms

_HASHES: dict[str, str] = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}

#: algorithm names this module computes, strongest first
ALGORITHMS: tuple[str, ...] = ("SHA-512-256", "SHA-512-256-sess", "SHA-256", "SHA-256-sess",
                               "MD5", "MD5-sess")
_STRENGTH = {name: len(ALGORITHMS) - i for i, name in enumerate(ALGORITHMS)}


def _canonical_algorithm(algorithm: Optional[str]) -> str:
    """``'sha-256'`` → ``'SHA-256'``; None/empty → ``'MD5'`` (the RFC 2617 default)."""
    if not algorithm:
        return "MD5"
    up = algorithm.strip().upper()
    for name in ALGORITHMS:
        if name.upper() == up:
            return name
    raise AuthError(f"unsupported digest algorithm {algorithm!r} "
                    f"(supported: {', '.join(ALGORITHMS)})")


def _base(algorithm: str) -> str:
    return algorithm[:-5] if algorithm.endswith("-sess") else algorithm


def _h(algorithm: str, data: Union[str, bytes]) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.new(_HASHES[_base(algorithm)], data).hexdigest()


def ha1(username: str, realm: str, password: str, algorithm: str = "MD5") -> str:
    """``H(username:realm:password)`` in hex: what a store may keep instead of the password.

    For the ``-sess`` algorithms this is the base value; the session HA1 is derived
    per nonce by :func:`session_ha1`. The value differs per hash (MD5 vs SHA-256).
    """
    algorithm = _canonical_algorithm(algorithm)
    return _h(algorithm, f"{username}:{realm}:{password}")


def ha1_set(username: str, realm: str, password: str,
            algorithms: Iterable[str] = ("MD5", "SHA-256")) -> dict[str, str]:
    """HA1 for each hash a server offers, ``{"MD5": hex, "SHA-256": hex}``: a store keeps
    this mapping and hands it to :meth:`DigestServer.verify` as the user's secret."""
    return {_base(_canonical_algorithm(a)): ha1(username, realm, password, a)
            for a in algorithms}


def session_ha1(base_ha1: str, nonce: str, cnonce: str, algorithm: str) -> str:
    """``H(HA1:nonce:cnonce)`` for the ``-sess`` algorithms; ``base_ha1`` unchanged otherwise."""
    algorithm = _canonical_algorithm(algorithm)
    if algorithm.endswith("-sess"):
        return _h(algorithm, f"{base_ha1}:{nonce}:{cnonce}")
    return base_ha1


def digest_response(*, method: str, uri: str, nonce: str, algorithm: str = "MD5",
                    username: str = "", realm: str = "", password: Optional[str] = None,
                    ha1_hex: Optional[str] = None, qop: Optional[str] = None,
                    nc: str = "", cnonce: str = "", body: bytes = b"") -> str:
    """The ``response`` value (hex) of RFC 7616 §3.4.1 / RFC 2617 §3.2.2.1.

    Give either ``password`` (with ``username`` and ``realm``) or the base ``ha1_hex``.
    ``qop`` is ``"auth"``, ``"auth-int"`` (hashes ``body``) or None (RFC 2069 style);
    ``nc`` is the 8-hex-digit nonce count as sent.
    """
    algorithm = _canonical_algorithm(algorithm)
    if ha1_hex is None:
        if password is None:
            raise ValueError("digest_response needs a password or an HA1")
        ha1_hex = ha1(username, realm, password, algorithm)
    a1 = session_ha1(ha1_hex, nonce, cnonce, algorithm)
    if qop == "auth-int":
        a2 = f"{method}:{uri}:{_h(algorithm, body)}"
    elif qop in (None, "", "auth"):
        a2 = f"{method}:{uri}"
    else:
        raise AuthError(f"unsupported qop {qop!r} (supported: auth, auth-int)")
    ha2 = _h(algorithm, a2)
    if qop:
        return _h(algorithm, f"{a1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _h(algorithm, f"{a1}:{nonce}:{ha2}")


# -------------------------------------------------------------------------------------
# header values: parsing and formatting

_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                         "-.!%*_+`'~")
_TOKEN68_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                           "-._~+/")
_WS = " \t\r\n"


@dataclass
class AuthParams:
    """One challenge or one set of credentials: ``scheme`` plus ``name=value`` parameters
    (names lower-case, values unquoted/unescaped) or a ``token68`` (``Basic abc==``)."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: Optional[str] = None

    #: parameter names written without quotes (the rest are quoted strings)
    _UNQUOTED: ClassVar[frozenset] = frozenset()

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.params.get(name.lower(), default)

    @property
    def is_digest(self) -> bool:
        return self.scheme.lower() == "digest"

    @property
    def realm(self) -> Optional[str]:
        return self.params.get("realm")

    @property
    def nonce(self) -> Optional[str]:
        return self.params.get("nonce")

    @property
    def opaque(self) -> Optional[str]:
        return self.params.get("opaque")

    @property
    def algorithm(self) -> str:
        """As written (``MD5`` when absent, the RFC 2617 default)."""
        return self.params.get("algorithm") or "MD5"

    def __str__(self) -> str:
        if self.token68 is not None:
            return f"{self.scheme} {self.token68}"
        parts = []
        for name, value in self.params.items():
            if name in self._UNQUOTED and value and all(c in _TOKEN_CHARS for c in value):
                parts.append(f"{name}={value}")
            else:
                parts.append(f"{name}={_quote(value)}")
        return f"{self.scheme} {', '.join(parts)}" if parts else self.scheme


class Challenge(AuthParams):
    """A ``WWW-Authenticate`` / ``Proxy-Authenticate`` challenge."""

    _UNQUOTED = frozenset({"stale", "algorithm", "charset", "userhash"})

    @property
    def qop_options(self) -> list[str]:
        """``qop="auth,auth-int"`` → ``["auth", "auth-int"]`` (empty when absent)."""
        raw = self.params.get("qop") or ""
        return [q.strip().lower() for q in raw.split(",") if q.strip()]

    @property
    def stale(self) -> bool:
        return (self.params.get("stale") or "").lower() == "true"


class Credentials(AuthParams):
    """An ``Authorization`` / ``Proxy-Authorization`` value."""

    _UNQUOTED = frozenset({"algorithm", "qop", "nc", "userhash"})

    @property
    def username(self) -> Optional[str]:
        return self.params.get("username")

    @property
    def uri(self) -> Optional[str]:
        return self.params.get("uri")

    @property
    def response(self) -> Optional[str]:
        return self.params.get("response")

    @property
    def qop(self) -> Optional[str]:
        q = self.params.get("qop")
        return q.strip().lower() if q else None

    @property
    def nc(self) -> Optional[str]:
        return self.params.get("nc")

    @property
    def cnonce(self) -> Optional[str]:
        return self.params.get("cnonce")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Lexer:
    """Cursor over one header value; errors name the position and what was expected."""

    def __init__(self, text: str, what: str) -> None:
        self.s = text
        self.i = 0
        self.what = what

    def error(self, msg: str) -> AuthParseError:
        snippet = self.s if len(self.s) <= 80 else self.s[:77] + "..."
        return AuthParseError(f"malformed {self.what} header {snippet!r}: {msg} "
                              f"at character {self.i + 1}")

    def skip_ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in _WS:
            self.i += 1

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def at_end(self) -> bool:
        return self.i >= len(self.s)

    def token(self) -> str:
        start = self.i
        while self.i < len(self.s) and self.s[self.i] in _TOKEN_CHARS:
            self.i += 1
        return self.s[start:self.i]

    def quoted(self) -> str:
        assert self.peek() == '"'
        self.i += 1
        out = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "\\":
                if self.i + 1 >= len(self.s):
                    break
                out.append(self.s[self.i + 1])
                self.i += 2
                continue
            if c == '"':
                self.i += 1
                return "".join(out)
            out.append(c)
            self.i += 1
        raise self.error("unterminated quoted string")


def _parse(value: str, cls: type, what: str) -> list:
    lx = _Lexer(value, what)
    items: list[AuthParams] = []
    cur: Optional[AuthParams] = None
    while True:
        lx.skip_ws()
        while lx.peek() == ",":
            lx.i += 1
            lx.skip_ws()
        if lx.at_end():
            break
        start = lx.i
        name = lx.token()
        if not name:
            raise lx.error(f"expected a scheme or parameter name, found {lx.peek()!r}")
        lx.skip_ws()
        if lx.peek() == "=" and cur is not None:
            # name=value parameter of the current challenge
            lx.i += 1
            lx.skip_ws()
            if lx.peek() == '"':
                val = lx.quoted()
            else:
                val = lx.token()
                if not val:
                    raise lx.error(f"parameter {name!r} has no value")
            key = name.lower()
            if key in cur.params:
                raise lx.error(f"parameter {name!r} given twice")
            cur.params[key] = val
            lx.skip_ws()
            if not lx.at_end() and lx.peek() != ",":
                raise lx.error(f"expected ',' after parameter {name!r}")
            continue
        if lx.peek() == "=":
            raise lx.error(f"parameter {name!r} before any auth scheme")
        if lx.i == start + len(name) and not lx.at_end() and lx.peek() not in ",":
            raise lx.error(f"expected a space after scheme {name!r}")
        # a new scheme
        cur = cls(scheme=name, params={})
        items.append(cur)
        t68 = _token68(lx)
        if t68 is not None:
            if cur.is_digest:
                raise lx.error(f"Digest takes name=value parameters, not {t68!r}")
            cur.token68 = t68
    if not items:
        raise lx.error("empty value")
    return items


def _token68(lx: _Lexer) -> Optional[str]:
    """After a scheme: a token68 credential (``Basic dXNlcjpwdw==``) or None."""
    s, i = lx.s, lx.i
    j = i
    while j < len(s) and s[j] in _TOKEN68_CHARS:
        j += 1
    if j == i:
        return None
    k = j
    while k < len(s) and s[k] == "=":
        k += 1
    m = k
    while m < len(s) and s[m] in _WS:
        m += 1
    at_boundary = m >= len(s) or s[m] == ","
    if not at_boundary:
        return None               # "realm=..." : a parameter follows, not a token68
    lx.i = m
    return s[i:k]


def parse_challenges(value: Union[str, Sequence[str]]) -> list[Challenge]:
    """All challenges in one ``WWW-Authenticate``/``Proxy-Authenticate`` value (or in a
    list of such values, one per header line), in order. Raises :class:`AuthParseError`."""
    if not isinstance(value, str):
        out: list[Challenge] = []
        for v in value:
            out.extend(parse_challenges(v))
        return out
    return _parse(value, Challenge, "WWW-Authenticate")


def parse_credentials(value: str) -> Credentials:
    """The credentials in one ``Authorization``/``Proxy-Authorization`` value.
    Raises :class:`AuthParseError` on garbage or when the value holds more than one."""
    items = _parse(value, Credentials, "Authorization")
    if len(items) != 1:
        raise AuthParseError(f"malformed Authorization header: {len(items)} credentials "
                             f"in one value (send one per header)")
    return items[0]


# -------------------------------------------------------------------------------------
# server side

#: what a password lookup returns: the plain password, a mapping hash name → HA1 hex
#: (see :func:`ha1_set`), or None for an unknown user
Secret = Union[str, Mapping[str, str], None]


@dataclass(frozen=True)
class AuthResult:
    """Outcome of :meth:`DigestServer.verify`.

    ``reason`` says in plain words why it failed (for logs: "wrong password",
    "unknown user", "nonce expired"...). ``stale`` means the password was right but
    the nonce is too old, from before a restart, or its count was used already:
    challenge again with ``stale=true`` and do not count it as a failed attempt.
    """

    ok: bool
    user: Optional[str] = None
    reason: str = ""
    stale: bool = False
    algorithm: Optional[str] = None

    def __bool__(self) -> bool:
        return self.ok

    @property
    def counts_as_failure(self) -> bool:
        """True when this attempt should count toward a lockout (not ok, not stale)."""
        return not self.ok and not self.stale


_NONCE_TS = struct.Struct(">Q")
_NONCE_RAND = 8
_NONCE_MAC = 16


class DigestServer:
    """Challenges and verifies digest credentials for one realm.

    ``clock`` is a hal Clock (``now_ms()``); nonces live ``nonce_ttl_ms`` (default
    5 min) and then verify as ``stale``. ``algorithms`` are the ones offered, strongest
    first (RFC 8760: SHA-256 before MD5). The nonce-count of at most ``max_nonces``
    nonces in use is remembered to refuse replays; older ones are forgotten and any
    nonce issued before the newest forgotten one verifies as stale (the client then
    simply retries with a fresh nonce), so memory stays bounded under any load.
    ``allow_rfc2069`` accepts credentials without qop (very old phones; no replay
    protection within the nonce lifetime).
    """

    def __init__(self, realm: str, clock, nonce_ttl_ms: int = 300_000, *,
                 algorithms: Sequence[str] = ("SHA-256", "MD5"),
                 max_nonces: int = 4096, allow_rfc2069: bool = False,
                 secret: Optional[bytes] = None) -> None:
        if not realm:
            raise ValueError("digest realm must not be empty")
        self.realm = realm
        self.clock = clock
        self.nonce_ttl_ms = int(nonce_ttl_ms)
        self.algorithms = tuple(_canonical_algorithm(a) for a in algorithms)
        if not self.algorithms:
            raise ValueError("DigestServer needs at least one algorithm")
        self.max_nonces = max(1, int(max_nonces))
        self.allow_rfc2069 = allow_rfc2069
        self._secret = secret if secret is not None else os.urandom(32)
        self._nc: OrderedDict[str, int] = OrderedDict()
        self._forgotten_before_ms = -1

    # -- nonces
    def new_nonce(self) -> str:
        """A fresh self-validating nonce (URL-safe base64, no padding)."""
        body = _NONCE_TS.pack(self.clock.now_ms()) + os.urandom(_NONCE_RAND)
        mac = hmac.new(self._secret, body + self.realm.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(body + mac[:_NONCE_MAC]).rstrip(b"=").decode("ascii")

    def _nonce_time(self, nonce: str) -> Optional[int]:
        """Issue time (ms) of a nonce this box made, None if forged or foreign."""
        try:
            raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))
        except (ValueError, TypeError):
            return None
        if len(raw) != _NONCE_TS.size + _NONCE_RAND + _NONCE_MAC:
            return None
        body, mac = raw[:-_NONCE_MAC], raw[-_NONCE_MAC:]
        want = hmac.new(self._secret, body + self.realm.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(mac, want[:_NONCE_MAC]):
            return None
        return _NONCE_TS.unpack(body[:_NONCE_TS.size])[0]

    # -- challenge
    def challenge(self, algorithms: Optional[Sequence[str]] = None,
                  stale: bool = False) -> list[str]:
        """Header values for a 401/407: one per algorithm, in the order given (RFC 8760:
        the preferred, SHA-256, first). All share one nonce."""
        algs = self.algorithms if algorithms is None else tuple(
            _canonical_algorithm(a) for a in algorithms)
        nonce = self.new_nonce()
        out = []
        for alg in algs:
            c = Challenge("Digest", {"realm": self.realm, "nonce": nonce,
                                     "algorithm": alg, "qop": "auth"})
            if stale:
                c.params["stale"] = "true"
            out.append(str(c))
        return out

    # -- verify
    def verify(self, method: str, credentials_header: str,
               lookup: Callable[[str], Secret], body: bytes = b"", *,
               request_uri: Optional[str] = None) -> AuthResult:
        """Check one ``Authorization`` value of a request.

        ``lookup(username)`` returns the user's :data:`Secret` (password, HA1 mapping)
        or None when there is no such user. ``body`` is needed for qop=auth-int.
        ``request_uri``, when given, must equal the credentials' ``uri``.
        """
        try:
            cred = parse_credentials(credentials_header)
        except AuthParseError as e:
            return AuthResult(False, reason=str(e))
        user = cred.username
        if not cred.is_digest:
            return AuthResult(False, user, f"scheme {cred.scheme!r} is not Digest")
        for name in ("username", "realm", "nonce", "uri", "response"):
            if cred.get(name) is None:
                return AuthResult(False, user, f"credentials lack the {name!r} field")
        try:
            alg = _canonical_algorithm(cred.get("algorithm"))
        except AuthError as e:
            return AuthResult(False, user, str(e))
        if alg not in self.algorithms:
            return AuthResult(False, user, f"algorithm {alg} was not offered "
                              f"(offered: {', '.join(self.algorithms)})")
        if cred.realm != self.realm:
            return AuthResult(False, user, f"realm mismatch: got {cred.realm!r}, "
                              f"expected {self.realm!r}")
        if request_uri is not None and cred.uri != request_uri:
            return AuthResult(False, user, f"uri mismatch: credentials are for "
                              f"{cred.uri!r}, request is for {request_uri!r}")
        qop = cred.qop
        if qop is None:
            if not self.allow_rfc2069:
                return AuthResult(False, user, "credentials lack qop (the challenge "
                                  "asked for qop=auth)")
        elif qop not in ("auth", "auth-int"):
            return AuthResult(False, user, f"unsupported qop {qop!r}")
        nc_value = 0
        if qop is not None:
            if not cred.cnonce:
                return AuthResult(False, user, "credentials lack the 'cnonce' field")
            nc_text = cred.nc or ""
            if len(nc_text) != 8 or any(c not in "0123456789abcdefABCDEF" for c in nc_text):
                return AuthResult(False, user, f"bad nonce count {nc_text!r} "
                                  f"(expected 8 hex digits)")
            nc_value = int(nc_text, 16)
        elif alg.endswith("-sess") and not cred.cnonce:
            return AuthResult(False, user, "credentials lack the 'cnonce' field")

        nonce = cred.nonce or ""
        secret = lookup(user or "")
        if secret is None:
            return AuthResult(False, user, "unknown user", algorithm=alg)
        if isinstance(secret, str):
            base = ha1(user or "", self.realm, secret, alg)
        else:
            base = secret.get(_base(alg))
            if base is None:
                return AuthResult(False, user, f"no stored HA1 for algorithm {_base(alg)}",
                                  algorithm=alg)
        want = digest_response(method=method, uri=cred.uri or "", nonce=nonce,
                               algorithm=alg, ha1_hex=base, qop=qop, nc=cred.nc or "",
                               cnonce=cred.cnonce or "", body=body)
        matches = hmac.compare_digest(want.encode(), (cred.response or "").lower().encode())
        now = self.clock.now_ms()
        issued = self._nonce_time(nonce)
        if issued is not None and issued > now:
            issued = None
        if issued is None:
            if matches:   # right password, nonce of an earlier boot: just re-challenge
                return AuthResult(False, user, "nonce is from before a restart",
                                  stale=True, algorithm=alg)
            return AuthResult(False, user, "nonce was not issued by this box "
                              "(forged or tampered)", algorithm=alg)
        if not matches:
            return AuthResult(False, user, "wrong password", algorithm=alg)

        # right password: now freshness and replay
        if now - issued > self.nonce_ttl_ms:
            return AuthResult(False, user, "nonce expired", stale=True, algorithm=alg)
        if qop is not None:
            last = self._nc.get(nonce)
            if last is None and issued <= self._forgotten_before_ms:
                return AuthResult(False, user, "nonce expired (forgotten under load)",
                                  stale=True, algorithm=alg)
            if last is not None and nc_value <= last:
                # refused; stale so that a phone that wrongly reuses its count just
                # gets a fresh nonce (a replayer learns nothing either way)
                return AuthResult(False, user, f"replayed nonce count {nc_value:08x} "
                                  f"(last seen {last:08x})", stale=True, algorithm=alg)
            if nc_value < 1:
                return AuthResult(False, user, "bad nonce count 00000000", algorithm=alg)
            self._remember(nonce, nc_value, issued, now)
        return AuthResult(True, user, "ok", algorithm=alg)

    def pick_credentials(self, values: Sequence[str]) -> Optional[str]:
        """Of several ``Authorization`` values in one request (one per realm), the one
        for this realm (or the only Digest one); None when there is none."""
        digest = []
        for v in values:
            try:
                c = parse_credentials(v)
            except AuthParseError:
                continue
            if c.is_digest:
                if c.realm == self.realm:
                    return v
                digest.append(v)
        return digest[0] if len(digest) == 1 else None

    def _remember(self, nonce: str, nc: int, issued: int, now: int) -> None:
        self._nc[nonce] = nc
        self._nc.move_to_end(nonce)
        # drop expired nonces from the front (least recently used first): any later use
        # of them verifies as stale anyway
        while self._nc:
            first = next(iter(self._nc))
            t = self._nonce_time(first)
            if t is not None and now - t <= self.nonce_ttl_ms:
                break
            del self._nc[first]
        # and bound the size
        while len(self._nc) > self.max_nonces:
            old, _ = self._nc.popitem(last=False)
            t = self._nonce_time(old)
            if t is not None:
                self._forgotten_before_ms = max(self._forgotten_before_ms, t)

    @property
    def tracked_nonces(self) -> int:
        """How many nonces' counts are remembered (bounded by ``max_nonces``)."""
        return len(self._nc)


# -------------------------------------------------------------------------------------
# client side

class DigestClient:
    """Answers digest challenges for one account (the box registering to a trunk).

    ``realm`` restricts which challenges are answered (None: any). The client keeps the
    last challenge so a refresh can be authorized up front (:meth:`reauthorize`), and a
    nonce count per nonce.
    """

    def __init__(self, username: str, password: str, *, realm: Optional[str] = None,
                 cnonce_factory: Optional[Callable[[], str]] = None,
                 max_nonces: int = 16) -> None:
        self.username = username
        self.password = password
        self.realm = realm
        self._cnonce = cnonce_factory or (lambda: secrets.token_hex(8))
        self._nc: OrderedDict[str, int] = OrderedDict()
        self._max_nonces = max(1, max_nonces)
        self.challenge: Optional[Challenge] = None

    def pick(self, challenge_header: Union[str, Sequence[str]]) -> Challenge:
        """The strongest Digest challenge we can answer; :class:`AuthError` if none."""
        offered = parse_challenges(challenge_header)
        usable: list[tuple[int, int, Challenge]] = []
        seen = []
        for i, c in enumerate(offered):
            if not c.is_digest:
                seen.append(c.scheme)
                continue
            seen.append(f"Digest {c.algorithm}")
            if self.realm is not None and c.realm != self.realm:
                continue
            if not c.nonce or c.realm is None:
                continue
            try:
                alg = _canonical_algorithm(c.algorithm)
            except AuthError:
                continue
            qops = c.qop_options
            if qops and "auth" not in qops and "auth-int" not in qops:
                continue
            usable.append((-_STRENGTH[alg], i, c))
        if not usable:
            raise AuthError(f"no usable challenge: the server offers {', '.join(seen) or 'nothing'}"
                            + (f" for realm {self.realm!r}" if self.realm else "")
                            + f"; this box supports Digest {', '.join(ALGORITHMS)}")
        usable.sort(key=lambda t: (t[0], t[1]))
        return usable[0][2]

    def authorize(self, method: str, uri: str, challenge_header: Union[str, Sequence[str]],
                  body: bytes = b"") -> str:
        """An ``Authorization`` (or ``Proxy-Authorization``) value answering the
        challenge(s) of a 401/407 for a request ``method`` to ``uri``."""
        self.challenge = self.pick(challenge_header)
        return self._answer(self.challenge, method, uri, body)

    def reauthorize(self, method: str, uri: str, body: bytes = b"") -> Optional[str]:
        """Credentials for the last challenge with the next nonce count (a REGISTER
        refresh), or None before any challenge was seen."""
        if self.challenge is None:
            return None
        return self._answer(self.challenge, method, uri, body)

    def _answer(self, ch: Challenge, method: str, uri: str, body: bytes) -> str:
        alg = _canonical_algorithm(ch.algorithm)
        qops = ch.qop_options
        qop = "auth" if "auth" in qops else ("auth-int" if "auth-int" in qops else None)
        nonce = ch.nonce or ""
        realm = ch.realm or ""
        params: dict[str, str] = {"username": self.username, "realm": realm,
                                  "nonce": nonce, "uri": uri}
        cnonce = ""
        nc = ""
        if qop or alg.endswith("-sess"):
            cnonce = self._cnonce()
        if qop:
            n = self._nc.get(nonce, 0) + 1
            self._nc[nonce] = n
            self._nc.move_to_end(nonce)
            while len(self._nc) > self._max_nonces:
                self._nc.popitem(last=False)
            nc = f"{n:08x}"
        params["response"] = digest_response(
            method=method, uri=uri, nonce=nonce, algorithm=alg, username=self.username,
            realm=realm, password=self.password, qop=qop, nc=nc, cnonce=cnonce, body=body)
        params["algorithm"] = alg
        if cnonce:
            params["cnonce"] = cnonce
        if ch.opaque is not None:
            params["opaque"] = ch.opaque
        if qop:
            params["qop"] = qop
            params["nc"] = nc
        return str(Credentials("Digest", params))
