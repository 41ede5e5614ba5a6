"""The registrar and location service for the box's SIP extensions (RFC 3261 §10.3),
with digest authentication of phones (RFC 8760: SHA-256 and MD5), sans-IO.

:class:`Registrar` answers REGISTER requests and keeps the :class:`Binding` list of
each extension (several phones per extension are rung together). It also checks the
credentials of other requests from phones (INVITE, REFER, SUBSCRIBE, MESSAGE) with
:meth:`Registrar.authenticate`. It never touches a socket: the stack hands it a parsed
request and the :class:`~firmware.sip.message.Target` it came from and sends the
response it gets back. Time comes from the hal Clock (``now_ms()``, virtual in tests);
expired bindings are dropped by a timer on that clock.

Choices, where the RFC leaves room or where we deviate from it on purpose:

* **No probing of extension numbers.** A REGISTER for a number that is not a SIP
  extension is challenged exactly like one for a real extension, and the answer to its
  credentials is the same ``403 Forbidden`` ("wrong user name or password") that a
  wrong password gets, after the same amount of hashing (an unknown user is checked
  against a random password). RFC 3261 §10.3 step 5 would answer 404 for an unknown
  address-of-record, which tells a scanner which numbers exist; since the credential
  user name must equal the AOR user here, a request that passed authentication always
  names a real extension, so 404 is never sent.
* **A failed authentication gets 403, not a fresh 401.** Phones then stop retrying the
  same wrong password at once (instead of looping on 401); every such failure counts
  toward the source lockout (:class:`~firmware.sip.lockout.FailedAuthGuard`). A stale
  nonce (right password, old nonce) gets a new 401 with ``stale=true`` and is not
  counted.
* **Requests go to the flow.** A binding remembers where its REGISTER came from
  (transport, address, port): requests to the phone are sent there (NAT-friendly, like
  RFC 5626 flows) with the registered Contact as Request-URI.
* **Device identity.** A contact with ``+sip.instance`` (RFC 5626/5627) replaces the
  binding of the same instance (and ``reg-id``) even when its URI changed (new IP
  address after DHCP, new NAT port), so a rebooted phone leaves no ghost binding.
* **Contacts per extension** are capped at ``max_contacts``; the binding refreshed
  least recently is dropped first. A single REGISTER carrying more contacts than the
  cap is refused with 403.

Events (``log_event(name, fields)``): ``sip.registered`` (new binding, or its contact
or source changed; plain refreshes are not logged), ``sip.unregistered`` (with a
``reason``), ``sip.expired``, ``sip.auth_failed`` and ``sip.lockout``.
"""
from __future__ import annotations

import email.utils
import logging
import secrets
from dataclasses import dataclass
from typing import Callable, Optional

from firmware.sip.auth import AuthParseError, DigestServer, Secret, parse_credentials
from firmware.sip.lockout import FailedAuthGuard
from firmware.sip.message import (Address, SipParseError, SipRequest, SipResponse, SipUri,
                                  Target, make_response, new_tag)
from firmware.sip.uri import digits_only, format_host

__all__ = ["Binding", "Registrar", "MAX_EXPIRES_VALUE", "format_target"]

log = logging.getLogger("hotline.sip.registrar")

MAX_EXPIRES_VALUE = 2 ** 32 - 1   #: largest delta-seconds RFC 3261 §20.19 allows, s

#: option tags this registrar supports in Require (RFC 3261 §10.3 step 2)
SUPPORTED_OPTIONS: frozenset[str] = frozenset()


def format_target(target: Target) -> str:
    """``Target('UDP', '10.0.0.5', 5062)`` → ``'udp:10.0.0.5:5062'`` (IPv6 in brackets)."""
    return f"{target.transport.lower()}:{format_host(target.host)}:{target.port}"


@dataclass(eq=False)
class Binding:
    """One registered contact of an extension (a phone, or one line of a phone).

    ``source`` is the flow the REGISTER came on: requests to this phone are sent there
    (so they pass the phone's NAT), with ``contact.uri`` as Request-URI.
    ``reachable``/``rtt_ms`` are set by the OPTIONS qualifier (None: not probed yet).
    """

    user: str                     #: extension number (the AOR user part)
    contact: Address              #: the Contact as registered (uri + params, no expires)
    source: Target                #: where the REGISTER came from (transport, host, port)
    expires_at_ms: int            #: clock.now_ms() at which the binding ends
    call_id: str                  #: Call-ID of the REGISTER that made or refreshed it
    cseq: int                     #: its CSeq number
    q: float = 1.0                #: preference 0..1 (RFC 3261 §20.10), higher first
    user_agent: str = ""          #: the phone's User-Agent header
    instance: str = ""            #: ``+sip.instance`` (``<urn:uuid:...>``), "" if none
    reg_id: Optional[int] = None  #: RFC 5626 ``reg-id``
    reachable: Optional[bool] = None   #: set by the qualifier; None = not known yet
    rtt_ms: Optional[float] = None     #: last OPTIONS round trip, ms
    updated_ms: int = 0           #: clock.now_ms() of the last REGISTER for it
    registered_ms: int = 0        #: clock.now_ms() when it was first registered

    def expires_in_s(self, now_ms: int) -> int:
        """Seconds left (rounded up, never negative)."""
        return max(0, -(-(self.expires_at_ms - now_ms) // 1000))

    def key(self) -> tuple:
        """What identifies the binding among the extension's others: the device
        instance (with reg-id) when the phone sends one, else the contact URI."""
        if self.instance:
            return ("instance", self.instance, self.reg_id)
        return ("uri", self.contact.uri)

    def as_dict(self, now_ms: int) -> dict:
        """One row of :meth:`Registrar.status`."""
        return {"user": self.user, "contact": str(self.contact.uri),
                "source": format_target(self.source), "expires_s": self.expires_in_s(now_ms),
                "q": self.q, "user_agent": self.user_agent, "instance": self.instance,
                "reachable": self.reachable, "rtt_ms": self.rtt_ms}


@dataclass
class _Update:
    """One contact of a REGISTER, checked, waiting to be committed."""

    contact: Address
    expires_s: int
    q: float
    instance: str
    reg_id: Optional[int]
    match: Optional[Binding] = None


class _Reject(Exception):
    """Abort a REGISTER with this response (nothing has been changed yet)."""

    def __init__(self, response: SipResponse) -> None:
        super().__init__(response.status)
        self.response = response


def _int_or_none(text: Optional[str]) -> Optional[int]:
    """Delta-seconds → int (capped at 2**32-1); None when absent or malformed
    (RFC 3261 §20.19: a malformed value counts as if it were not there)."""
    if text is None:
        return None
    text = text.strip()
    if not digits_only(text):
        return None
    return min(int(text), MAX_EXPIRES_VALUE)


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "'")


class Registrar:
    """Registrar + location service for one realm (the box).

    ``secret(user)`` returns the extension's SIP password (or an HA1 mapping, see
    :func:`firmware.sip.auth.ha1_set`), or None when ``user`` is not a SIP extension.
    ``guard`` counts failed authentications per source address and blocks noisy ones.
    Expiry times are in seconds: a phone asking for less than ``min_expires_s`` (but
    not 0) gets 423 Interval Too Brief; more than ``max_expires_s`` is shortened;
    ``default_expires_s`` applies when the REGISTER names no expiry.
    ``on_change(user, bindings)`` is called when an extension's set of bindings
    changes (added, removed, expired, or a contact/source changed; not on a plain
    refresh); ``on_store(user, bindings)`` is called after every change of them, plain
    refreshes included (to keep a copy that survives a restart: firmware.sip.locations);
    ``log_event(name, fields)`` receives the events listed in the module docstring.
    """

    def __init__(self, clock, *, realm: str, secret: Callable[[str], Secret],
                 guard: FailedAuthGuard, digest: Optional[DigestServer] = None,
                 min_expires_s: int = 60, max_expires_s: int = 3600,
                 default_expires_s: int = 3600, max_contacts: int = 5,
                 algorithms: tuple[str, ...] = ("SHA-256", "MD5"),
                 on_change: Optional[Callable[[str, list[Binding]], None]] = None,
                 on_store: Optional[Callable[[str, list[Binding]], None]] = None,
                 log_event: Optional[Callable[[str, dict], None]] = None) -> None:
        if min_expires_s < 1:
            raise ValueError(f"registrar min_expires_s must be at least 1 s "
                             f"(got {min_expires_s})")
        if max_expires_s < min_expires_s:
            raise ValueError(f"registrar max_expires_s ({max_expires_s} s) is below "
                             f"min_expires_s ({min_expires_s} s)")
        if not min_expires_s <= default_expires_s <= max_expires_s:
            raise ValueError(f"registrar default_expires_s ({default_expires_s} s) must lie "
                             f"between min_expires_s ({min_expires_s} s) and max_expires_s "
                             f"({max_expires_s} s)")
        if max_contacts < 1:
            raise ValueError(f"registrar max_contacts must be at least 1 (got {max_contacts})")
        self.clock = clock
        self.realm = realm
        self.secret = secret
        self.guard = guard
        self.digest = digest or DigestServer(realm, clock, algorithms=algorithms)
        self.min_expires_s = int(min_expires_s)
        self.max_expires_s = int(max_expires_s)
        self.default_expires_s = int(default_expires_s)
        self.max_contacts = int(max_contacts)
        self.on_change = on_change
        self.on_store = on_store
        self.log_event = log_event
        self._bindings: dict[str, list[Binding]] = {}
        self._timer = None                 # hal Timer of the next expiry check
        self._timer_due: Optional[int] = None
        self._decoy = secrets.token_hex(16)   # password unknown users are checked against

    # ------------------------------------------------------------------ queries
    def bindings(self, user: str) -> list[Binding]:
        """Live bindings of ``user``: highest q first, then most recently registered."""
        now = self.clock.now_ms()
        live = [b for b in self._bindings.get(user, ()) if b.expires_at_ms > now]
        return sorted(live, key=lambda b: (-b.q, -b.updated_ms, -b.registered_ms))

    def all_bindings(self) -> dict[str, list[Binding]]:
        """Every extension with at least one live binding → its bindings (as above)."""
        out = {}
        for user in sorted(self._bindings):
            live = self.bindings(user)
            if live:
                out[user] = live
        return out

    def status(self) -> list[dict]:
        """Rows for the ``sip.registrations`` management command: one per live binding
        (user, contact, source, expires_s, q, user_agent, instance, reachable, rtt_ms),
        by extension."""
        now = self.clock.now_ms()
        return [b.as_dict(now) for bs in self.all_bindings().values() for b in bs]

    # ------------------------------------------------------------------ changes
    def remove_user(self, user: str) -> None:
        """Forget every binding of ``user`` (extension deleted, password changed)."""
        gone = self._bindings.pop(user, [])
        for b in gone:
            self._event("sip.unregistered", b, reason="extension removed or changed")
        if gone:
            self._changed(user)
        self._schedule()

    def expire(self) -> list[Binding]:
        """Drop the bindings whose time is up; returns them. Runs by itself on the clock
        (a timer set for the earliest expiry), callable any time."""
        now = self.clock.now_ms()
        dropped: list[Binding] = []
        for user in list(self._bindings):
            keep, gone = [], []
            for b in self._bindings[user]:
                (keep if b.expires_at_ms > now else gone).append(b)
            if not gone:
                continue
            if keep:
                self._bindings[user] = keep
            else:
                del self._bindings[user]
            for b in gone:
                self._event("sip.expired", b)
            dropped += gone
            self._changed(user)
        self._schedule()
        return dropped

    def restore(self, bindings: list[Binding]) -> int:
        """Take back bindings kept from before a restart (their ``expires_at_ms`` already on
        this clock); expired ones, ones of users that are not SIP extensions any more and
        ones beyond ``max_contacts`` are left out. Returns how many were restored."""
        now = self.clock.now_ms()
        n = 0
        for b in sorted(bindings, key=lambda b: -b.updated_ms):
            if b.expires_at_ms <= now or self.secret(b.user) is None:
                continue
            current = self._bindings.setdefault(b.user, [])
            if len(current) >= self.max_contacts or any(o.key() == b.key() for o in current):
                continue
            current.append(b)
            n += 1
        for user in list(self._bindings):
            if self.on_change is not None:
                self.on_change(user, self.bindings(user))
        self._schedule()
        return n

    # ------------------------------------------------------------------ REGISTER
    def register(self, request: SipRequest, source: Target) -> SipResponse:
        """Process one REGISTER (RFC 3261 §10.3) from ``source``; return the response.

        Order: lockout check, syntax of To/Contact/Expires, Require, digest
        authentication (401 challenge), credential user = To user (403), then the
        contacts: ``*`` with Expires 0 removes all; each contact's expiry is its
        ``expires`` parameter, else the Expires header, else the default; any non-zero
        expiry below the minimum fails the whole request with 423 + Min-Expires; a
        CSeq not above the stored one for the same Call-ID fails it with 500. Changes
        are committed only when every contact was accepted. The 200 lists all current
        bindings with their ``expires`` and carries a Date header; a REGISTER without
        Contact just asks for that list.
        """
        if request.method != "REGISTER":
            raise ValueError(f"Registrar.register() got a {request.method} request")
        host = source.host
        if self.guard.blocked(host):
            return self._blocked(request, host)
        try:
            aor_user, star, updates = self._parse_register(request)
        except _Reject as r:
            return r.response

        user, challenge = self._check_credentials(request, source, proxy=False)
        if challenge is not None:
            return challenge
        if user != aor_user:
            return self._reply(request, 403, warning=(
                f"the credentials of {user} may not register extension {aor_user}"))

        self.expire()
        try:
            if star:
                self._remove_all(request, aor_user)
            elif updates:
                self._apply(request, source, aor_user, updates)
        except _Reject as r:
            return r.response
        return self._ok(request, aor_user)

    def _parse_register(self, request: SipRequest) -> tuple[str, bool, list[_Update]]:
        """Syntax checks that need no authentication (they reveal nothing)."""
        try:
            to = request.to_addr
            contact_elems = [c.strip() for c in request.get_list("Contact")]
            star = "*" in contact_elems
            contacts = [] if star else request.contacts
        except SipParseError as e:
            raise _Reject(self._reply(request, 400, warning=e.reason)) from None
        if to.uri.scheme not in ("sip", "sips") or not to.uri.user:
            raise _Reject(self._reply(request, 400, warning=(
                f"To header {request.get('To')!r} must name the extension, "
                f"like <sip:201@{self.realm}>")))
        unsupported = [t for t in request.get_list("Require")
                       if t.strip().lower() not in SUPPORTED_OPTIONS]
        if unsupported:
            resp = self._reply(request, 420)
            resp.add("Unsupported", ", ".join(t.strip() for t in unsupported))
            raise _Reject(resp)
        header_expires = _int_or_none(request.get("Expires"))
        if star:
            if len(contact_elems) != 1:
                raise _Reject(self._reply(request, 400, warning=(
                    "Contact '*' must be the only Contact of a REGISTER")))
            if header_expires != 0:
                raise _Reject(self._reply(request, 400, warning=(
                    f"Contact '*' needs 'Expires: 0' (got Expires: "
                    f"{request.get('Expires')!r})")))
            return to.uri.user, True, []
        updates: list[_Update] = []
        too_brief = False
        for c in contacts:
            if c.uri.scheme not in ("sip", "sips"):
                raise _Reject(self._reply(request, 400, warning=(
                    f"Contact {str(c)!r} must be a sip: or sips: URI")))
            exp = _int_or_none(c.params.get("expires")) if "expires" in c.params else None
            if exp is None:
                exp = header_expires
            if exp is None:
                exp = self.default_expires_s
            if 0 < exp < self.min_expires_s:
                too_brief = True
            exp = min(exp, self.max_expires_s)
            q = 1.0
            if "q" in c.params:
                try:
                    q = float(c.params.get("q") or "")
                except ValueError:
                    q = -1.0
                if not 0.0 <= q <= 1.0:
                    raise _Reject(self._reply(request, 400, warning=(
                        f"Contact {str(c)!r} has q={c.params.get('q')!r}; "
                        f"q must be a number from 0 to 1")))
            reg_id = _int_or_none(c.params.get("reg-id"))
            instance = (c.params.get("+sip.instance") or "").strip('"')
            contact = c.copy()
            contact.params.pop("expires")
            updates.append(_Update(contact, exp, q, instance, reg_id))
        if too_brief:
            resp = self._reply(request, 423)
            resp.add("Min-Expires", str(self.min_expires_s))
            raise _Reject(resp)
        adding = sum(1 for u in updates if u.expires_s > 0)
        if adding > self.max_contacts:
            raise _Reject(self._reply(request, 403, warning=(
                f"at most {self.max_contacts} contacts may be registered per extension "
                f"(this REGISTER has {adding})")))
        return to.uri.user, False, updates

    def _stale_cseq(self, request: SipRequest, b: Binding) -> SipResponse:
        return self._reply(request, 500, warning=(
            f"CSeq {request.cseq.number} is not above {b.cseq}, the last one seen for "
            f"Call-ID {b.call_id} (request out of order)"))

    def _remove_all(self, request: SipRequest, user: str) -> None:
        """Contact ``*`` (RFC 3261 §10.3 step 6): all or nothing."""
        current = self._bindings.get(user, [])
        cseq = request.cseq.number
        for b in current:
            if b.call_id == request.call_id and cseq <= b.cseq:
                raise _Reject(self._stale_cseq(request, b))
        if not current:
            return
        del self._bindings[user]
        for b in current:
            self._event("sip.unregistered", b, reason="unregistered by the phone")
        self._changed(user)
        self._schedule()

    def _apply(self, request: SipRequest, source: Target, user: str,
               updates: list[_Update]) -> None:
        current = list(self._bindings.get(user, []))
        call_id, cseq = request.call_id, request.cseq.number
        # match and check every contact before changing anything (step 7: all or none)
        for u in updates:
            key = ("instance", u.instance, u.reg_id) if u.instance else ("uri", u.contact.uri)
            u.match = next((b for b in current if b.key() == key), None)
            if u.match is not None and u.match.call_id == call_id and cseq <= u.match.cseq:
                raise _Reject(self._stale_cseq(request, u.match))
        now = self.clock.now_ms()
        ua = request.get("User-Agent") or ""
        changed = False
        touched: list[Binding] = []
        for u in updates:
            b = u.match
            if u.expires_s == 0:
                if b is not None and b in current:
                    current.remove(b)
                    self._event("sip.unregistered", b, reason="unregistered by the phone")
                    changed = True
                continue
            expires_at = now + u.expires_s * 1000
            if b is None:
                b = Binding(user=user, contact=u.contact, source=source,
                            expires_at_ms=expires_at, call_id=call_id, cseq=cseq, q=u.q,
                            user_agent=ua, instance=u.instance, reg_id=u.reg_id,
                            updated_ms=now, registered_ms=now)
                current.append(b)
                self._event("sip.registered", b, expires=u.expires_s)
                changed = True
            else:
                moved = b.source != source or b.contact.uri != u.contact.uri
                b.contact, b.expires_at_ms, b.call_id, b.cseq = u.contact, expires_at, call_id, cseq
                b.q, b.user_agent, b.instance, b.reg_id = u.q, ua, u.instance, u.reg_id
                b.updated_ms = now
                if moved:
                    b.source = source
                    b.reachable = None      # a new path: not probed yet
                    b.rtt_ms = None
                    self._event("sip.registered", b, expires=u.expires_s)
                    changed = True
            touched.append(b)
        # the cap: drop the least recently refreshed bindings not in this request
        while len(current) > self.max_contacts:
            old = min((b for b in current if b not in touched),
                      key=lambda b: (b.updated_ms, b.registered_ms))
            current.remove(old)
            self._event("sip.unregistered", old,
                        reason=f"replaced: more than {self.max_contacts} contacts")
            changed = True
        if current:
            self._bindings[user] = current
        else:
            self._bindings.pop(user, None)
        if changed:
            self._changed(user)
        else:
            self._stored(user)                 # a plain refresh: only the new expiry
        self._schedule()

    def _ok(self, request: SipRequest, user: str) -> SipResponse:
        now = self.clock.now_ms()
        resp = self._reply(request, 200)
        for b in self.bindings(user):
            c = b.contact.copy()
            c.params["expires"] = str(b.expires_in_s(now))
            resp.add("Contact", str(c))
        resp.add("Date", email.utils.format_datetime(self.clock.wall_time(), usegmt=True))
        return resp

    # ------------------------------------------------------------------ other requests
    def authenticate(self, request: SipRequest, source: Target, *, proxy: bool = True
                     ) -> tuple[Optional[str], Optional[SipResponse]]:
        """Digest check of a request from a phone (INVITE, REFER, SUBSCRIBE, MESSAGE...).

        ``proxy=True`` challenges with 407 / Proxy-Authenticate and reads
        Proxy-Authorization (what phones expect for calls); False uses 401 /
        WWW-Authenticate / Authorization. Returns ``(user, None)`` when the request
        is authenticated and its From user is the credential user, else
        ``(None, response)`` to answer with (challenge, or 403). Same lockout and
        counting as REGISTER.
        """
        if self.guard.blocked(source.host):
            return None, self._blocked(request, source.host)
        try:
            from_user = request.from_addr.uri.user
        except SipParseError as e:
            return None, self._reply(request, 400, warning=e.reason)
        user, challenge = self._check_credentials(request, source, proxy=proxy)
        if challenge is not None:
            return None, challenge
        if from_user != user:
            self._log("sip.auth_failed", {"user": user, "source": format_target(source),
                                          "method": request.method,
                                          "reason": f"From user {from_user!r} is not "
                                                    f"the authenticated user"})
            return None, self._reply(request, 403, warning=(
                f"From user {from_user} does not match the credentials of {user}"))
        return user, None

    # ------------------------------------------------------------------ internals
    def _check_credentials(self, request: SipRequest, source: Target, *, proxy: bool
                           ) -> tuple[Optional[str], Optional[SipResponse]]:
        """The digest exchange shared by REGISTER and other requests: ``(user, None)``
        when the credentials are good, else ``(None, 401/407 challenge or 403/400)``."""
        header = "Proxy-Authorization" if proxy else "Authorization"
        value = self.digest.pick_credentials(request.get_all(header))
        if value is None:
            return None, self._challenge(request, proxy, stale=False)
        try:
            cred_text: Optional[str] = parse_credentials(value).uri
        except AuthParseError:
            cred_text = None        # verify() below fails it and says why
        try:
            same_uri = cred_text is None or SipUri.parse(cred_text) == request.uri
        except SipParseError:
            same_uri = False
        if not same_uri:
            # RFC 7616 §3.4.6: the digest must be for this request's URI (400, not counted)
            return None, self._reply(request, 400, warning=(
                f"{header} uri {cred_text!r} is not the Request-URI {str(request.uri)!r}"))
        unknown = []

        def lookup(name: str) -> Secret:
            s = self.secret(name)
            if s is None:
                unknown.append(name)
                return self._decoy          # same work as for a real user
            return s

        result = self.digest.verify(request.method, value, lookup, request.body)
        if result.ok:
            self.guard.succeeded(source.host)
            return result.user, None
        if result.stale:
            return None, self._challenge(request, proxy, stale=True)
        reason = "unknown user" if unknown else result.reason
        self._log("sip.auth_failed", {"user": result.user or "", "source": format_target(source),
                                      "method": request.method, "reason": reason})
        if result.counts_as_failure:
            if self.guard.failed(source.host, result.user):
                self._lockout_event(source.host)
        shown = "wrong user name or password" if result.reason == "wrong password" \
            else result.reason
        return None, self._reply(request, 403, warning=f"authentication failed: {shown}")

    def _challenge(self, request: SipRequest, proxy: bool, stale: bool) -> SipResponse:
        resp = self._reply(request, 407 if proxy else 401)
        name = "Proxy-Authenticate" if proxy else "WWW-Authenticate"
        for value in self.digest.challenge(stale=stale):
            resp.add(name, value)
        return resp

    def _blocked(self, request: SipRequest, host: str) -> SipResponse:
        left = next((row.left_ms for row in self.guard.status() if row.source == host), 0)
        text = f"too many failed authentication attempts from {host}"
        if left:
            text += f"; blocked for {-(-left // 1000)} s more"
        return self._reply(request, 403, "Forbidden (too many failed authentication attempts)",
                           warning=text)

    def _reply(self, request: SipRequest, status: int, reason: Optional[str] = None, *,
               warning: Optional[str] = None) -> SipResponse:
        resp = make_response(request, status, reason, to_tag=new_tag())
        if warning:
            resp.add("Warning", f'399 hotline "{_quoted(warning)}"')
        return resp

    def _schedule(self) -> None:
        """Keep one clock timer at (or before) the earliest expiry."""
        due = min((b.expires_at_ms for bs in self._bindings.values() for b in bs), default=None)
        if due is None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = self._timer_due = None
            return
        if self._timer is not None and self._timer_due is not None and self._timer_due <= due:
            return        # fires early at worst, then reschedules
        if self._timer is not None:
            self._timer.cancel()
        self._timer_due = due
        self._timer = self.clock.call_later(max(1, due - self.clock.now_ms()), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = self._timer_due = None
        self.expire()

    def _changed(self, user: str) -> None:
        if self.on_change is not None:
            self.on_change(user, self.bindings(user))
        self._stored(user)

    def _stored(self, user: str) -> None:
        if self.on_store is not None:
            try:
                self.on_store(user, self.bindings(user))
            except Exception:                      # a full disk must not fail a REGISTER
                log.exception("could not keep the bindings of %s", user)

    def _event(self, name: str, b: Binding, **extra: object) -> None:
        fields = {"user": b.user, "contact": str(b.contact.uri), "source": format_target(b.source)}
        fields.update(extra)
        self._log(name, fields)

    def _lockout_event(self, host: str) -> None:
        row = next((r for r in self.guard.status() if r.source == host), None)
        fields: dict = {"source": host, "lockout_s": self.guard.lockout_ms // 1000}
        if row is not None:
            fields.update(users=list(row.users), failures=row.failures)
        self._log("sip.lockout", fields)

    def _log(self, name: str, fields: dict) -> None:
        log.info("%s %s", name, fields)
        if self.log_event is not None:
            self.log_event(name, fields)
