"""Outbound registration of the box to a SIP trunk provider, with failover (RFC 3261 §10).

The box registers to its trunk provider so the provider sends inbound calls (DIDs) to
it. :class:`TrunkRegistration` is sans-IO: it builds REGISTER requests and hands them to
a ``send`` callback (normally the transaction layer's ``client_transaction``), takes
the responses and timeouts back through :meth:`TrunkRegistration.handle`, and runs its
timers on the hal :class:`~hal.clock.Clock` (the virtual clock in tests).

One state machine, one transition function (:meth:`TrunkRegistration.handle`):

``IDLE`` ─start→ ``REGISTERING`` ─200→ ``REGISTERED`` (refreshes stay in REGISTERED)
failure → ``RETRY_WAIT`` (transient: no answer, 5xx, other 4xx/6xx; retry after
``retry_ms``) or ``FAILED`` (the provider refused our account: wrong password, 403,
404; retry only after ``refused_retry_ms``, so a wrong password does not get the box's
address blocked by the provider's fraud guard) ─stop→ ``UNREGISTERING`` → ``IDLE``.

Policy (the knobs are constructor arguments):

* **Dialog of a binding.** One Call-ID, From tag and CSeq counter per provider for the
  life of the object; every REGISTER to that provider (challenge answers, 423 retries,
  refreshes, the un-REGISTER) takes the next CSeq (RFC 3261 §10.2.4). To and From are
  ``sip:username@domain``, the Request-URI ``sip:domain``; Contact is
  ``sip:username@host:port`` of the box (``contact_host()``).
* **Authentication.** A 401/407 is answered once with digest credentials
  (:class:`~firmware.sip.auth.DigestClient`); refreshes carry credentials up front for
  the last challenge (next nonce count). A challenge in answer to credentials we just
  computed from a challenge is a refusal ("wrong password") unless it says
  ``stale=true``; so is a 403 after credentials.
* **Expiry and refresh.** The granted time is the ``expires`` parameter of our Contact
  in the 200, else its Expires header, else what we asked. The refresh goes out
  ``min(granted/2, 60 s)`` before the binding runs out (600 s → after 540 s; 60 s →
  after 30 s): at least one full no-answer timeout (32 s) still fits before expiry.
  423 Interval Too Brief → ask again with the provider's Min-Expires.
* **Failover.** ``failover_after`` consecutive transient failures on the active
  provider move to the next provider (wrapping around), which is tried at once;
  attempts on the same provider are ``retry_ms`` apart (longer when a 503 carries
  Retry-After). A refusal moves to the next provider at once; when every provider
  refused since the last success the machine rests in FAILED.
* **Fail-back.** While registered on a backup, every ``failback_ms`` a probe REGISTER
  goes to the primary (providers[0]); when it is answered 200 the box moves back to
  the primary and un-REGISTERs from the backup. A failed probe changes nothing.
* **NAT.** When the 200's top Via shows a ``received``/``rport`` address different
  from the Contact we sent (RFC 3581: the provider saw us from a public address), the
  box registers again at once with a Contact of that public address, removing the
  private one in the same request (``;expires=0``); the state only becomes REGISTERED
  with the contact the provider can reach. This is common practice (pjsip's contact
  rewrite), not something RFC 3581 itself requires. Over TCP only the address is taken
  (the rport of a TCP connection is its ephemeral source port, where nobody listens).
* **A failed refresh** counts like any failure: the state leaves REGISTERED at once
  (the provider may still hold the old binding for its last seconds).

``on_state(name, status)`` is called on every state change and whenever the active
provider changes, with :meth:`TrunkRegistration.status`, whose ``last_error`` says in
plain words what went wrong ("no answer from sip.provider.cn:5060 (32 s)").

Also :func:`caller_identity_headers`: the From / P-Asserted-Identity (RFC 3325) header
values for an outbound INVITE through the trunk.
"""
from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from hal.clock import Clock, Timer
from firmware.sip.auth import AuthError, AuthParseError, DigestClient, parse_challenges
from firmware.sip.headers import Address, Via
from firmware.sip.message import (SipRequest, SipResponse, Target, new_call_id, new_tag)
from firmware.sip.uri import SipParseError, SipUri, digits_only

__all__ = ["Provider", "RegState", "RegIn", "TrunkRegistration", "caller_identity_headers", "is_cid_number",
           "providers_for", "refresh_delay_ms", "REFRESH_MARGIN_S"]

REFRESH_MARGIN_S = 60          #: refresh at most this long before expiry, s
MAX_RESENDS = 6                #: challenge/423/NAT re-sends in one attempt before giving up
MAX_RETRY_AFTER_S = 3600       #: cap on a provider's Retry-After, s
USER_AGENT = "Hotline"

SendFn = Callable[[SipRequest, Target, Callable[[SipResponse], None], Callable[[], None]], None]


@dataclass(frozen=True)
class Provider:
    """One registrar of a trunk (the primary first, then backups).

    ``username`` is the account (To/From/Contact user), ``auth_user`` the digest user
    name when the provider wants a different one (default: ``username``), ``realm``
    restricts which challenge is answered (empty: any). ``domain`` is the From/To and
    Request-URI domain (default: ``host``). ``expires_s`` is the registration interval
    asked for, s. ``transport`` is ``UDP`` or ``TCP``.
    """

    host: str
    port: int = 5060
    transport: str = "UDP"
    username: str = ""
    auth_user: str = ""
    password: str = ""
    realm: str = ""
    domain: str = ""
    expires_s: int = 600

    def __post_init__(self) -> None:
        if not self.host or any(c.isspace() for c in self.host):
            raise ValueError(f"trunk provider host {self.host!r} is empty or has spaces")
        if not isinstance(self.port, int) or not 0 < self.port <= 65535:
            raise ValueError(f"trunk provider {self.host}: port {self.port!r} is not a number 1-65535")
        if self.transport.upper() not in ("UDP", "TCP"):
            raise ValueError(f"trunk provider {self.host}: transport {self.transport!r} "
                             f"is not supported (UDP or TCP)")
        if not isinstance(self.expires_s, int) or self.expires_s < 1:
            raise ValueError(f"trunk provider {self.host}: expires_s {self.expires_s!r} "
                             f"must be a whole number of seconds, at least 1")

    @property
    def hostport(self) -> str:
        """``host:port`` as an installer wrote it (for messages)."""
        return f"{self.host}:{self.port}"

    @property
    def aor_domain(self) -> str:
        return self.domain or self.host

    @property
    def digest_user(self) -> str:
        return self.auth_user or self.username


def providers_for(trunk: Any) -> list[Provider]:
    """The providers of a configured trunk (a :class:`firmware.config.SipTrunk`, read
    by attribute): its main server, then its backup server, same account for both."""
    common = dict(transport=str(trunk.transport).upper(), username=trunk.username,
                  auth_user=trunk.auth_user, password=trunk.password, realm=trunk.realm,
                  domain=trunk.domain, expires_s=int(trunk.expires_s))
    return [Provider(host, int(port), **common) for host, port in trunk.servers()]


class RegState(enum.Enum):
    IDLE = "idle"                    #: not started, or stopped
    REGISTERING = "registering"      #: a REGISTER is on its way, no binding yet
    REGISTERED = "registered"        #: the provider holds our binding (refreshes keep this state)
    RETRY_WAIT = "retry_wait"        #: the last attempt failed; waiting retry_ms
    FAILED = "failed"                #: every provider refused our account; waiting refused_retry_ms
    UNREGISTERING = "unregistering"  #: stop(): the Expires: 0 REGISTER is on its way


class RegIn(enum.Enum):
    """Inputs of :meth:`TrunkRegistration.handle` (and the data each carries)."""

    START = "start"
    STOP = "stop"
    RESPONSE = "response"            #: response=SipResponse, sent=the request's record
    NO_ANSWER = "no_answer"          #: sent=the request's record (transaction timed out)
    RETRY_DUE = "retry_due"
    REFRESH_DUE = "refresh_due"
    FAILBACK_DUE = "failback_due"


class _Purpose(enum.Enum):
    MAIN = "main"        # register / refresh on the active provider
    PROBE = "probe"      # fail-back probe on the primary
    UNREG = "unreg"      # Expires: 0


@dataclass
class _Binding:
    """What the box keeps per provider: the REGISTER 'dialog' and the credentials."""

    call_id: str
    from_tag: str
    digest: DigestClient
    cseq: int = 0
    expires_s: int = 600                  # asked for (raised by 423)
    auth_header: str = "Authorization"    # or Proxy-Authorization after a 407
    nat_addr: Optional[tuple[str, int]] = None


@dataclass(eq=False)
class _Sent:
    """One REGISTER in flight; responses for anything but the current record are ignored."""

    idx: int
    purpose: _Purpose
    cseq: int
    sent_ms: int
    contact: SipUri
    expires_s: int
    fresh_auth: bool = False     # credentials answer a challenge of this very attempt
    had_auth: bool = False       # the request carried credentials (fresh or up front)
    resends: int = 0             # challenge / 423 / NAT re-sends so far in this attempt
    stale_answers: int = 0


class _Verdict(enum.Enum):
    PROVISIONAL = 0
    CHALLENGE = 1      # answer with credentials
    INTERVAL = 2       # 423: ask again with Min-Expires
    OK = 3
    REFUSED = 4        # account problem: wrong password, 403, 404
    FAILED = 5         # transient: 5xx, other errors


def refresh_delay_ms(granted_s: int) -> int:
    """When to refresh a binding granted for ``granted_s`` seconds, ms after the 200:
    ``min(granted/2, 60 s)`` before it expires (600 s → 540 000 ms)."""
    granted_ms = max(1, int(granted_s)) * 1000
    return granted_ms - min(granted_ms // 2, REFRESH_MARGIN_S * 1000)


class TrunkRegistration:
    """Keeps the box registered to one of a trunk's providers (see the module docstring).

    ``send(request, target, on_response, on_timeout)`` sends a REGISTER in a client
    transaction (``target.host`` is the provider's host as configured: the caller
    resolves names). ``contact_host()`` gives the box's advertised (host, port);
    ``via(transport)`` a fresh Via (new branch, ``rport``). Times: ``retry_ms`` between
    attempts on one provider, ``failback_ms`` between probes of the primary while on a
    backup, ``refused_retry_ms`` before trying again after every provider refused.
    """

    def __init__(self, clock: Clock, name: str, providers: Sequence[Provider], *,
                 send: SendFn,
                 contact_host: Callable[[], tuple[str, int]],
                 via: Callable[[str], Via],
                 on_state: Optional[Callable[[str, dict], None]] = None,
                 retry_ms: int = 30000, failover_after: int = 2,
                 failback_ms: int = 300_000, refused_retry_ms: int = 600_000) -> None:
        if not providers:
            raise ValueError(f"trunk {name!r} has no provider to register to")
        for n, p in enumerate(providers, start=1):
            if not p.username:
                raise ValueError(f"trunk {name!r} provider {n} ({p.hostport}): username is "
                                 f"empty (the account to register)")
        if retry_ms < 1000:
            raise ValueError(f"trunk {name!r}: retry_ms {retry_ms} is below 1000 ms")
        if failover_after < 1:
            raise ValueError(f"trunk {name!r}: failover_after {failover_after} must be at least 1")
        self.clock = clock
        self.name = name
        self.providers = tuple(providers)
        self.send = send
        self.contact_host = contact_host
        self.via = via
        self.on_state = on_state
        self.retry_ms = int(retry_ms)
        self.failover_after = int(failover_after)
        self.failback_ms = int(failback_ms)
        self.refused_retry_ms = int(refused_retry_ms)

        self._state = RegState.IDLE
        self._active = 0
        self._failures = 0                  # consecutive, on the active provider
        self._refused: set[int] = set()     # providers that refused since the last success
        self.failovers = 0
        self.last_error = ""
        self._expires_at_ms: Optional[int] = None
        self._contact: Optional[SipUri] = None   # registered contact
        self._bindings = [self._new_binding(p) for p in self.providers]
        self._inflight: dict[tuple[_Purpose, int], _Sent] = {}
        self._timers: dict[RegIn, Timer] = {}
        self._queue: deque[tuple[RegIn, dict]] = deque()
        self._busy = False

    # ------------------------------------------------------------------ public face
    @property
    def state(self) -> RegState:
        return self._state

    @property
    def active(self) -> Optional[Provider]:
        """The provider registered to (or being tried); None when idle."""
        return None if self._state is RegState.IDLE else self.providers[self._active]

    def start(self) -> None:
        """Begin registering to the primary provider (also while a stop() is still
        un-registering: that is then abandoned). Ignored when already running."""
        self.handle(RegIn.START)

    def stop(self) -> None:
        """Remove the binding (REGISTER with Expires: 0 on the active provider)."""
        self.handle(RegIn.STOP)

    def status(self) -> dict:
        """``state``, ``provider`` (host:port or None), ``primary`` (bool),
        ``expires_in_s`` (0 unless registered), ``contact``, ``last_error`` (plain
        words, "" when none), ``failovers`` (provider switches after failures)."""
        prov = self.active
        expires_in = 0
        if self._state is RegState.REGISTERED and self._expires_at_ms is not None:
            expires_in = max(0, (self._expires_at_ms - self.clock.now_ms()) // 1000)
        return {"name": self.name, "state": self._state.value,
                "provider": prov.hostport if prov else None,
                "primary": prov is not None and self._active == 0,
                "expires_in_s": expires_in,
                "contact": str(self._contact) if self._contact and
                self._state is RegState.REGISTERED else None,
                "last_error": self.last_error, "failovers": self.failovers}

    # ------------------------------------------------------- the transition function
    def handle(self, inp: RegIn, **data: Any) -> None:
        """Feed one input. Inputs arriving while one is being handled (a callback that
        answers synchronously, an ``on_state`` that calls ``stop()``) are queued and
        handled in order afterwards, so every input sees a settled machine."""
        self._queue.append((inp, data))
        if self._busy:
            return
        self._busy = True
        try:
            while self._queue:
                i, d = self._queue.popleft()
                before = (self._state, self._active)
                self._transition(i, d)
                if (self._state, self._active) != before and self.on_state:
                    self.on_state(self.name, self.status())
        finally:
            self._busy = False

    def _transition(self, inp: RegIn, d: dict) -> None:
        S = RegState
        st = self._state
        if inp is RegIn.START:
            if st in (S.IDLE, S.UNREGISTERING):
                self._inflight.pop((_Purpose.UNREG, self._active), None)
                self._active, self._failures, self._refused = 0, 0, set()
                self.last_error = ""
                self._send(0, _Purpose.MAIN)
                self._state = S.REGISTERING
        elif inp is RegIn.STOP:
            self._cancel_timers()
            self._inflight.pop((_Purpose.PROBE, 0), None)
            self._inflight.pop((_Purpose.MAIN, self._active), None)
            if st in (S.REGISTERING, S.REGISTERED):
                self._send(self._active, _Purpose.UNREG)
                self._state = S.UNREGISTERING
            elif st is not S.UNREGISTERING:
                self._state = S.IDLE
        elif inp in (RegIn.RETRY_DUE, RegIn.REFRESH_DUE):
            self._timers.pop(inp, None)
            if (inp is RegIn.RETRY_DUE and st in (S.RETRY_WAIT, S.FAILED)) or \
                    (inp is RegIn.REFRESH_DUE and st is S.REGISTERED):
                self._send(self._active, _Purpose.MAIN)
                if st is not S.REGISTERED:
                    self._state = S.REGISTERING
        elif inp is RegIn.FAILBACK_DUE:
            self._timers.pop(inp, None)
            if st is S.REGISTERED and self._active != 0 and \
                    (_Purpose.PROBE, 0) not in self._inflight:
                self._send(0, _Purpose.PROBE)
        elif inp in (RegIn.RESPONSE, RegIn.NO_ANSWER):
            sent: _Sent = d["sent"]
            if self._inflight.get((sent.purpose, sent.idx)) is not sent:
                return                      # an answer to something we gave up on
            resp: Optional[SipResponse] = d.get("response")
            if resp is None:
                verdict, reason = _Verdict.FAILED, self._no_answer_reason(sent)
            else:
                verdict, reason = self._judge(resp, sent)
            if verdict is _Verdict.PROVISIONAL:
                return
            del self._inflight[(sent.purpose, sent.idx)]
            if verdict is _Verdict.CHALLENGE:
                assert resp is not None
                self._answer_challenge(sent, resp)
            elif verdict is _Verdict.INTERVAL:
                assert resp is not None
                self._bindings[sent.idx].expires_s = int(resp.get("Min-Expires") or "0")
                self._send(sent.idx, sent.purpose, resends=sent.resends + 1)
            elif sent.purpose is _Purpose.UNREG:
                if st is S.UNREGISTERING and sent.idx == self._active:
                    self._state = S.IDLE
                    self._expires_at_ms = None
            elif verdict is _Verdict.OK:
                assert resp is not None
                self._registered(sent, resp)
            elif sent.purpose is _Purpose.PROBE:
                self._arm(RegIn.FAILBACK_DUE, self.failback_ms)   # stay on the backup
            else:
                self._failed(sent, reason, verdict is _Verdict.REFUSED, resp)

    # ------------------------------------------------------------- the decisions
    def _registered(self, sent: _Sent, resp: SipResponse) -> None:
        """A 200 for MAIN or PROBE: rewrite the contact behind NAT, else take the binding."""
        public = _public_addr(resp)
        b = self._bindings[sent.idx]
        if public is not None and self.providers[sent.idx].transport.upper() != "UDP":
            public = (public[0], sent.contact.port or 5060)    # TCP: rport is a source port
        if public is not None and public != (sent.contact.host, sent.contact.port) \
                and sent.resends < MAX_RESENDS:
            b.nat_addr = public
            self._send(sent.idx, sent.purpose, resends=sent.resends + 1, old_contact=sent.contact)
            return
        granted = _granted_expires(resp, sent.contact, sent.expires_s)
        if sent.purpose is _Purpose.PROBE:
            old = self._active
            self._inflight.pop((_Purpose.MAIN, old), None)
            self._send(old, _Purpose.UNREG)             # leave the backup
            self._active = 0
        self._state = RegState.REGISTERED
        self._failures = 0
        self._refused = set()
        self.last_error = ""
        self._contact = sent.contact
        self._expires_at_ms = self.clock.now_ms() + granted * 1000
        self._cancel(RegIn.RETRY_DUE)
        self._arm(RegIn.REFRESH_DUE, refresh_delay_ms(granted))
        if self._active != 0:
            if RegIn.FAILBACK_DUE not in self._timers and (_Purpose.PROBE, 0) not in self._inflight:
                self._arm(RegIn.FAILBACK_DUE, self.failback_ms)
        else:
            self._cancel(RegIn.FAILBACK_DUE)

    def _failed(self, sent: _Sent, reason: str, refused: bool,
                resp: Optional[SipResponse]) -> None:
        """A MAIN attempt failed: count it, fail over or wait."""
        self.last_error = reason
        self._cancel(RegIn.REFRESH_DUE)
        self._cancel(RegIn.FAILBACK_DUE)
        self._inflight.pop((_Purpose.PROBE, 0), None)
        self._expires_at_ms = None
        self._failures += 1
        n = len(self.providers)
        if refused:
            self._refused.add(self._active)
        nxt = (self._active + 1) % n
        move = n > 1 and ((refused and nxt not in self._refused) or
                          (not refused and self._failures >= self.failover_after))
        if move:
            self._active = nxt
            self._failures = 0
            self.failovers += 1
            self._send(nxt, _Purpose.MAIN)
            self._state = RegState.REGISTERING
        elif refused:
            self._refused = set()
            self._state = RegState.FAILED
            self._arm(RegIn.RETRY_DUE, self.refused_retry_ms)
        else:
            self._state = RegState.RETRY_WAIT
            self._arm(RegIn.RETRY_DUE, max(self.retry_ms, _retry_after_ms(resp)))

    def _answer_challenge(self, sent: _Sent, resp: SipResponse) -> None:
        """Resend with credentials for the 401/407 (judged answerable by :meth:`_judge`)."""
        b = self._bindings[sent.idx]
        p = self.providers[sent.idx]
        proxy = resp.status == 407
        values = resp.get_all("Proxy-Authenticate" if proxy else "WWW-Authenticate")
        b.auth_header = "Proxy-Authorization" if proxy else "Authorization"
        cred = b.digest.authorize("REGISTER", str(self._request_uri(p)), values)
        stale = any(c.stale for c in _challenges(values))
        self._send(sent.idx, sent.purpose, credentials=cred, resends=sent.resends + 1,
                   stale_answers=sent.stale_answers + (1 if stale else 0))

    def _judge(self, resp: SipResponse, sent: _Sent) -> tuple[_Verdict, str]:
        """What a response means for the attempt, and the reason in words on failure."""
        p = self.providers[sent.idx]
        hp = p.hostport
        code = resp.status
        said = f"{code} {resp.reason}".strip()
        if code < 200:
            return _Verdict.PROVISIONAL, ""
        if 200 <= code < 300:
            return _Verdict.OK, ""
        if resp.source is None and code == 503:        # the transaction layer's own 503
            return _Verdict.FAILED, f"could not send to {hp}: {resp.reason}"
        if sent.resends >= MAX_RESENDS:
            return _Verdict.FAILED, (f"{hp} keeps answering {said} after {sent.resends} "
                                     f"attempts: giving up for now")
        if code in (401, 407):
            header = "Proxy-Authenticate" if code == 407 else "WWW-Authenticate"
            if not p.password:
                return _Verdict.REFUSED, (f"{hp} asks for a password ({code}) but none is "
                                          f"configured for user {p.digest_user!r} (field password)")
            try:
                challenges = _challenges(resp.get_all(header))
                self._bindings[sent.idx].digest.pick(resp.get_all(header))
            except AuthError as e:
                return _Verdict.REFUSED, f"{hp} asks for an authentication this box cannot answer: {e}"
            stale = any(c.stale for c in challenges)
            if sent.fresh_auth and not (stale and sent.stale_answers < 2):
                return _Verdict.REFUSED, (f"{hp} refused the credentials for user "
                                          f"{p.digest_user!r} ({code}): check the username "
                                          f"and password")
            return _Verdict.CHALLENGE, ""
        if code == 423:
            raw = (resp.get("Min-Expires") or "").strip()
            if digits_only(raw) and int(raw) > sent.expires_s:
                return _Verdict.INTERVAL, ""
            return _Verdict.FAILED, (f"{hp} wants a longer registration interval (423) but "
                                     f"its Min-Expires {raw!r} is not above the "
                                     f"{sent.expires_s} s asked for")
        if code == 403:
            if sent.had_auth:
                return _Verdict.REFUSED, (f"{hp} refused the credentials for user "
                                          f"{p.digest_user!r} ({said}): check the username "
                                          f"and password")
            return _Verdict.REFUSED, (f"{hp} forbids this registration ({said}): check that "
                                      f"the account may register from this address")
        if code == 404:
            return _Verdict.REFUSED, (f"{hp} does not know user {p.username!r} at domain "
                                      f"{p.aor_domain!r} ({said}): check username and domain")
        return _Verdict.FAILED, f"{hp} answered {said}"

    def _no_answer_reason(self, sent: _Sent) -> str:
        secs = round((self.clock.now_ms() - sent.sent_ms) / 1000)
        return f"no answer from {self.providers[sent.idx].hostport} ({secs} s)"

    # ------------------------------------------------------------- the mechanics
    def _new_binding(self, p: Provider) -> _Binding:
        return _Binding(call_id=new_call_id(), from_tag=new_tag(),
                        digest=DigestClient(p.digest_user, p.password, realm=p.realm or None),
                        expires_s=p.expires_s)

    @staticmethod
    def _request_uri(p: Provider) -> SipUri:
        """``sip:domain`` (with the port when the domain is the host itself and the
        port is not 5060; ``;transport=tcp`` over TCP)."""
        port = p.port if not p.domain and p.port != 5060 else None
        params = {"transport": "tcp"} if p.transport.upper() == "TCP" else None
        return SipUri(host=p.aor_domain, port=port, params=params)

    def _contact_uri(self, idx: int) -> SipUri:
        p = self.providers[idx]
        b = self._bindings[idx]
        host, port = b.nat_addr or self.contact_host()
        params = {"transport": "tcp"} if p.transport.upper() == "TCP" else None
        return SipUri(host=host, user=p.username, port=port, params=params)

    def _send(self, idx: int, purpose: _Purpose, *, credentials: Optional[str] = None,
              resends: int = 0, stale_answers: int = 0,
              old_contact: Optional[SipUri] = None) -> None:
        """Build and send one REGISTER to provider ``idx`` (next CSeq of its binding)."""
        p = self.providers[idx]
        b = self._bindings[idx]
        b.cseq += 1
        fresh = credentials is not None
        if credentials is None:
            credentials = b.digest.reauthorize("REGISTER", str(self._request_uri(p)))
        expires = 0 if purpose is _Purpose.UNREG else b.expires_s
        contact = self._contact_uri(idx)
        aor = Address(SipUri(host=p.aor_domain, user=p.username))
        req = SipRequest("REGISTER", self._request_uri(p))
        req.add("Via", str(self.via(p.transport.upper())))
        req.add("Max-Forwards", "70")
        from_addr = aor.copy()
        from_addr.tag = b.from_tag
        req.add("From", str(from_addr))
        req.add("To", str(aor))
        req.add("Call-ID", b.call_id)
        req.add("CSeq", f"{b.cseq} REGISTER")
        req.add("Contact", str(Address(contact)))
        if old_contact is not None and old_contact != contact:
            req.add("Contact", str(Address(old_contact, params={"expires": "0"})))
        req.add("Expires", str(expires))
        if credentials:
            req.add(b.auth_header, credentials)
        req.add("User-Agent", USER_AGENT)
        sent = _Sent(idx=idx, purpose=purpose, cseq=b.cseq, sent_ms=self.clock.now_ms(),
                     contact=contact, expires_s=expires, fresh_auth=fresh,
                     had_auth=bool(credentials), resends=resends,
                     stale_answers=stale_answers)
        self._inflight[(purpose, idx)] = sent
        target = Target(p.transport.upper(), p.host, p.port)
        self.send(req, target,
                  lambda r, s=sent: self.handle(RegIn.RESPONSE, response=r, sent=s),
                  lambda s=sent: self.handle(RegIn.NO_ANSWER, sent=s))

    def _arm(self, what: RegIn, ms: int) -> None:
        self._cancel(what)
        self._timers[what] = self.clock.call_later(ms, lambda: self.handle(what))

    def _cancel(self, what: RegIn) -> None:
        t = self._timers.pop(what, None)
        if t is not None:
            t.cancel()

    def _cancel_timers(self) -> None:
        for what in list(self._timers):
            self._cancel(what)


# ------------------------------------------------------------------- helpers
def _challenges(values: Sequence[str]) -> list:
    try:
        return parse_challenges(list(values)) if values else []
    except AuthParseError as e:
        raise AuthError(str(e)) from None


def _public_addr(resp: SipResponse) -> Optional[tuple[str, int]]:
    """(host, port) the provider saw the request come from, per the top Via's
    ``received``/``rport`` (RFC 3581); None when it says nothing about it."""
    try:
        via = resp.top_via
    except SipParseError:
        return None
    if via.received is None and via.rport is None:
        return None
    host = (via.received or via.host).strip("[]")
    port = via.rport if via.rport is not None else (via.port or 5060)
    return host, port


def _granted_expires(resp: SipResponse, ours: SipUri, asked_s: int) -> int:
    """Seconds the registrar granted our contact (RFC 3261 §10.2.4): its Contact's
    ``expires`` parameter, else the Expires header, else what we asked for."""
    try:
        for c in resp.contacts:
            if c.uri == ours:
                v = c.params.get("expires")
                if v is not None and digits_only(v) and int(v) > 0:
                    return int(v)
    except SipParseError:
        pass
    v = (resp.get("Expires") or "").strip()
    if digits_only(v) and int(v) > 0:
        return int(v)
    return max(1, asked_s)


def _retry_after_ms(resp: Optional[SipResponse]) -> int:
    """A 5xx's Retry-After (RFC 3261 §20.33) in ms, capped at an hour; 0 when absent."""
    if resp is None:
        return 0
    v = (resp.get("Retry-After") or "").split(";")[0].split("(")[0].strip()
    return min(int(v), MAX_RETRY_AFTER_S) * 1000 if digits_only(v) else 0


# ------------------------------------------------------------------- caller ID
_NUMBER_CHARS = frozenset("0123456789+*#")


def is_cid_number(number: str) -> bool:
    """Can ``number`` be presented as caller ID on a trunk (digits, * and #, a leading +)?"""
    return bool(number) and all(c in _NUMBER_CHARS for c in number) and "+" not in number[1:]


def caller_identity_headers(provider: Provider, number: str, name: str = "",
                            mode: str = "from", *, hide: bool = False) -> list[tuple[str, str]]:
    """Header lines that present caller ID ``number``/``name`` on an outbound INVITE
    through the trunk.

    ``mode`` says where the provider reads the caller ID: ``"from"`` (the From user is
    the number), ``"pai"`` (From stays the trunk account, the number goes in a
    P-Asserted-Identity, RFC 3325 - for providers that check From against the
    account), ``"both"``. ``hide`` withholds the number from the called party (From
    anonymous, ``Privacy: id``, RFC 3323/3325; the provider still sees the PAI).
    The From value has no tag: the dialog layer adds ``;tag=``. Raises ValueError
    naming the bad value.
    """
    mode = (mode or "").strip().lower()
    if mode not in ("from", "pai", "both"):
        raise ValueError(f"caller ID mode {mode!r} is not one of: from, pai, both")
    if not is_cid_number(number):
        raise ValueError(f"caller ID number {number!r} may only hold digits, * and # "
                         f"(and a leading +)")
    domain = provider.aor_domain
    display = name or None
    caller = Address(SipUri(host=domain, user=number), display)
    account = Address(SipUri(host=domain, user=provider.username or number))
    out: list[tuple[str, str]] = []
    if hide:
        out.append(("From", str(Address(SipUri(host="anonymous.invalid", user="anonymous"),
                                        "Anonymous"))))
    elif mode == "pai":
        out.append(("From", str(account)))
    else:
        out.append(("From", str(caller)))
    if mode in ("pai", "both") or hide:
        out.append(("P-Asserted-Identity", str(caller)))
    if hide:
        out.append(("Privacy", "id"))
    return out
