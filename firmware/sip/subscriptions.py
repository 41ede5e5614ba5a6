"""Event subscriptions the box serves as notifier (RFC 6665 basics), sans-IO.

A phone SUBSCRIBEs to an event package (``message-summary`` for MWI, RFC 3842); the
box answers 200, keeps a :class:`Subscription` (the dialog identifiers it needs to send
in-dialog NOTIFYs) and sends a NOTIFY at once, on every state change, and a last one
when the subscription ends. :class:`Subscriptions` is the table; it never touches a
socket: each NOTIFY is handed to ``send_notify(sub, headers, body)`` and the caller (the
UA core) builds the request with :func:`make_notify`, sends it in a client transaction
and reports the final status back with :meth:`Subscriptions.notify_answered`.

Rules applied (RFC 6665 §4.2.1, §4.2.2):

* unknown Event package -> 489 Bad Event with ``Allow-Events``; missing Event -> 400;
  an Accept that excludes the package's body type -> 406;
* Expires shorter than ``min_expires_s`` (and not 0) -> 423 with ``Min-Expires``; longer
  than ``max_expires_s`` is cut down; the granted value is in the 200's Expires;
* Expires 0 on a new subscription is a *fetch*: 200, one NOTIFY
  ``terminated;reason=timeout`` with the current state, nothing kept; on an existing
  one it unsubscribes the same way;
* a SUBSCRIBE inside an existing subscription dialog (To tag) refreshes it: same
  :class:`Subscription`, new expiry, remote target updated, a fresh NOTIFY; an unknown
  dialog -> 481; a CSeq not above the last one -> 500;
* the first NOTIFY goes one clock tick (20 ms) after ``subscribe()`` returns, so the
  200 leaves first; expiry sends ``terminated;reason=timeout``; a NOTIFY answered with
  481, a timeout or any other final failure (>= 300) removes the subscription.

Each subscription is a small state machine (:class:`SubState`, one transition
function :meth:`Subscriptions._transition`). There is no ``pending`` state: every
accepted subscription is active at once (the registrar already authenticated the user).
"""
from __future__ import annotations

import enum
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional, Union

from hal.clock import Clock, Timer
from firmware.sip.headers import Address, Via
from firmware.sip.message import (SipRequest, SipResponse, make_response, new_branch, new_call_id,
                                  new_tag)
from firmware.sip.uri import Params, SipParseError, SipUri, digits_only, format_host

__all__ = ["SubState", "SubEvent", "EventPackage", "Subscription", "Subscriptions",
           "make_notify", "make_unsolicited_notify"]

log = logging.getLogger("hotline.sip.subscriptions")

Headers = list[tuple[str, str]]
SendNotify = Callable[["Subscription", Headers, bytes], None]


class SubState(enum.Enum):
    ACTIVE = "active"
    TERMINATED = "terminated"


class SubEvent(enum.Enum):
    """What can happen to a subscription (inputs of the one transition function)."""

    REFRESH = "refresh"                 # arg: granted expiry, s
    UNSUBSCRIBE = "unsubscribe"         # SUBSCRIBE with Expires: 0
    EXPIRED = "expired"                 # the expiry timer fired
    STATE_CHANGED = "state changed"     # arg: body (None = ask the package)
    NOTIFY_FAILED = "notify failed"     # arg: final status >= 300 of a NOTIFY
    DEACTIVATE = "deactivate"           # arg: reason (the box ends it: user removed, shutdown)


@dataclass
class EventPackage:
    """An event package the box can notify: its ``name`` (``message-summary``), the
    body ``content_type``, ``body(user) -> bytes`` giving the current state of ``user``,
    and the expiry used when a SUBSCRIBE has no Expires (s)."""

    name: str
    content_type: str
    body: Callable[[str], bytes]
    default_expires_s: int = 3600


@dataclass(eq=False)
class Subscription:
    """One subscription dialog, seen from the box (the notifier).

    ``local_tag`` is ours (in the 200's To and every NOTIFY's From), ``remote_tag`` the
    subscriber's From tag; ``local_uri`` / ``remote_uri`` the URIs of the SUBSCRIBE's To /
    From; ``remote_target`` the subscriber's Contact (Request-URI of NOTIFYs);
    ``route_set`` the Record-Route values in received order; ``local_cseq`` the CSeq of
    the last NOTIFY sent; ``remote_cseq`` of the last SUBSCRIBE; ``expires_at_ms`` on the
    clock; ``local_contact`` our Contact (None: derived from the NOTIFY's Via).
    """

    id: int
    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: SipUri
    remote_uri: SipUri
    remote_target: SipUri
    route_set: list[str]
    package: str
    event_id: Optional[str]
    user: str
    expires_at_ms: int
    remote_cseq: int
    local_cseq: int = 0
    local_contact: Optional[str] = None
    state: SubState = SubState.ACTIVE
    reason: Optional[str] = None        #: why it ended (timeout, noresource, rejected...)
    timer: Optional[Timer] = field(default=None, repr=False)

    @property
    def key(self) -> tuple[str, str, str, str, Optional[str]]:
        return (self.call_id, self.local_tag, self.remote_tag, self.package, self.event_id)

    @property
    def event_header(self) -> str:
        """The Event value for NOTIFYs: the package, with ``;id=`` when the SUBSCRIBE had one."""
        return self.package if self.event_id is None else f"{self.package};id={self.event_id}"

    def expires_in_s(self, now_ms: int) -> int:
        """Whole seconds left (rounded up), 0 when due."""
        return max(0, -(-(self.expires_at_ms - now_ms) // 1000))


def _parse_event(value: str) -> tuple[str, Optional[str]]:
    name, _, ptext = value.strip().partition(";")
    params = Params.parse(ptext)
    return name.strip().lower(), params.get("id")


class Subscriptions:
    """The table of subscriptions the box serves (see the module docstring for rules).

    ``send_notify(sub, headers, body)`` is called for every NOTIFY to send; ``headers``
    holds Event, Subscription-State and (with a body) Content-Type. Packages are added
    with :meth:`register` (the MWI notifier registers ``message-summary``).
    ``max_subscriptions`` bounds the table (503 beyond it).
    """

    def __init__(self, clock: Clock, send_notify: SendNotify, max_expires_s: int = 3600,
                 min_expires_s: int = 60, max_subscriptions: int = 2000) -> None:
        if not 0 < min_expires_s <= max_expires_s:
            raise ValueError(f"min_expires_s {min_expires_s} must be above 0 and not above "
                             f"max_expires_s {max_expires_s}")
        self.clock = clock
        self.send_notify = send_notify
        self.max_expires_s = max_expires_s
        self.min_expires_s = min_expires_s
        self.max_subscriptions = max_subscriptions
        self.packages: dict[str, EventPackage] = {}
        self._subs: dict[tuple, Subscription] = {}
        self._ids = itertools.count(1)

    # -- packages and lookups
    def register(self, package: EventPackage) -> None:
        """Serve ``package`` (replaces an earlier registration of the same name)."""
        self.packages[package.name.lower()] = package

    def __len__(self) -> int:
        return len(self._subs)

    def active(self, package: Optional[str] = None, user: Optional[str] = None) -> list[Subscription]:
        """Active subscriptions, optionally only of ``package`` and/or ``user``."""
        return [s for s in self._subs.values()
                if (package is None or s.package == package.lower())
                and (user is None or s.user == user)]

    # -- SUBSCRIBE
    def subscribe(self, request: SipRequest, user: str,
                  contact: Optional[str] = None) -> SipResponse:
        """Handle a SUBSCRIBE from (authenticated) ``user``; returns the response to
        send. ``contact`` is our Contact for the 200 and the NOTIFYs."""
        if request.method != "SUBSCRIBE":
            raise ValueError(f"subscribe() needs a SUBSCRIBE, not {request.method}")
        event = request.get("Event")
        if event is None:
            return self._refuse(request, 400, "SUBSCRIBE has no Event header")
        try:
            name, event_id = _parse_event(event)
        except SipParseError as e:
            return self._refuse(request, 400, f"Event {event!r}: {e.reason}")
        package = self.packages.get(name)
        if package is None:
            resp = self._refuse(request, 489, f"event package {name!r} is not served here")
            resp.add("Allow-Events", ", ".join(sorted(self.packages)) or "refer")
            return resp
        accept = request.get_list("Accept")
        if accept and not any(a.split(";")[0].strip().lower() in (package.content_type, "*/*")
                              for a in accept):
            resp = self._refuse(request, 406, f"Accept does not allow {package.content_type}")
            resp.add("Accept", package.content_type)
            return resp
        expires_text = request.get("Expires")
        if expires_text is None:
            expires = package.default_expires_s
        elif digits_only(expires_text.strip()):
            expires = int(expires_text.strip())
        else:
            return self._refuse(request, 400, f"Expires {expires_text!r} is not a number of seconds")
        if 0 < expires < self.min_expires_s:
            resp = self._refuse(request, 423, f"Expires {expires} s is below the minimum "
                                f"{self.min_expires_s} s")
            resp.add("Min-Expires", str(self.min_expires_s))
            return resp
        expires = min(expires, self.max_expires_s)
        if request.to_tag is not None:
            return self._resubscribe(request, name, event_id, expires, contact)
        return self._new(request, package, event_id, user, expires, contact)

    def _new(self, request: SipRequest, package: EventPackage, event_id: Optional[str], user: str,
             expires: int, contact: Optional[str]) -> SipResponse:
        remote_tag = request.from_tag
        if not remote_tag:
            return self._refuse(request, 400, "SUBSCRIBE has no From tag")
        try:
            contacts = request.contacts
            routes = [r for v in request.get_all("Record-Route") for r in _split_routes(v)]
        except SipParseError as e:
            return self._refuse(request, 400, e.reason)
        if len(contacts) != 1:
            return self._refuse(request, 400, "SUBSCRIBE needs exactly one Contact "
                                f"(has {len(contacts)})")
        if expires and len(self._subs) >= self.max_subscriptions:
            resp = self._refuse(request, 503, f"subscription table full ({self.max_subscriptions})")
            resp.add("Retry-After", "60")
            return resp
        sub = Subscription(
            id=next(self._ids), call_id=request.call_id, local_tag=new_tag(),
            remote_tag=remote_tag, local_uri=request.to_addr.uri.copy(),
            remote_uri=request.from_addr.uri.copy(), remote_target=contacts[0].uri.copy(),
            route_set=routes, package=package.name.lower(), event_id=event_id, user=user,
            expires_at_ms=self.clock.now_ms() + expires * 1000,
            remote_cseq=request.cseq.number, local_contact=contact)
        if expires == 0:
            # a fetch: one NOTIFY with the state, no subscription kept
            sub.state, sub.reason = SubState.TERMINATED, "timeout"
            self.clock.call_later(0, lambda: self._notify(sub, None))
            log.info("fetch of %s by %s (subscription %d)", sub.package, user, sub.id)
        else:
            self._subs[sub.key] = sub
            sub.timer = self.clock.call_later(expires * 1000,
                                              lambda: self._transition(sub, SubEvent.EXPIRED))
            self.clock.call_later(0, lambda: self._notify(sub, None))
            log.info("subscription %d: %s for %s, %d s", sub.id, sub.package, user, expires)
        return self._accept(request, sub, expires, contact)

    def _resubscribe(self, request: SipRequest, package: str, event_id: Optional[str],
                     expires: int, contact: Optional[str]) -> SipResponse:
        key = (request.call_id, request.to_tag, request.from_tag, package, event_id)
        sub = self._subs.get(key)
        if sub is None:
            return self._refuse(request, 481, "no such subscription (it may have expired)")
        if request.cseq.number <= sub.remote_cseq:
            return self._refuse(request, 500, f"CSeq {request.cseq.number} is not above "
                                f"the last one ({sub.remote_cseq})")
        try:
            contacts = request.contacts
        except SipParseError as e:
            return self._refuse(request, 400, e.reason)
        sub.remote_cseq = request.cseq.number
        if contacts:
            sub.remote_target = contacts[0].uri.copy()
        if contact:
            sub.local_contact = contact
        self._transition(sub, SubEvent.REFRESH if expires else SubEvent.UNSUBSCRIBE, expires)
        return self._accept(request, sub, expires, contact)

    def _accept(self, request: SipRequest, sub: Subscription, expires: int,
                contact: Optional[str]) -> SipResponse:
        resp = make_response(request, 200, to_tag=sub.local_tag)
        resp.add("Expires", str(expires))
        if contact or sub.local_contact:
            resp.add("Contact", contact or sub.local_contact or "")
        return resp

    @staticmethod
    def _refuse(request: SipRequest, status: int, reason: str) -> SipResponse:
        resp = make_response(request, status)
        text = reason.replace("\\", "\\\\").replace('"', "'")
        resp.add("Warning", f'399 hotline "{text}"')
        log.info("SUBSCRIBE %s refused %d: %s", request.call_id, status, reason)
        return resp

    # -- state changes, NOTIFY results, removal
    def notify_all(self, package: str, user: str, body: Optional[bytes] = None) -> int:
        """Send a NOTIFY with ``body`` (None: the package's current state) to every
        active subscription of ``user`` to ``package``; returns how many were sent."""
        subs = self.active(package, user)
        for sub in subs:
            self._transition(sub, SubEvent.STATE_CHANGED, body)
        return len(subs)

    def notify_answered(self, sub: Subscription, status: int) -> None:
        """Report the final status of a NOTIFY (a local 408/503 for a timeout or a
        transport failure): 481 and every other failure >= 300 remove the subscription."""
        if status >= 300:
            self._transition(sub, SubEvent.NOTIFY_FAILED, status)

    def deactivate(self, user: Optional[str] = None, reason: str = "noresource") -> int:
        """End the subscriptions of ``user`` (all when None) with a final NOTIFY
        ``terminated;reason=<reason>`` (user removed: noresource; shutdown:
        deactivated). Returns how many ended."""
        subs = self.active(user=user)
        for sub in subs:
            self._transition(sub, SubEvent.DEACTIVATE, reason)
        return len(subs)

    def _transition(self, sub: Subscription, event: SubEvent, arg: Any = None) -> None:
        """The one transition function of the subscription machine."""
        if sub.state is SubState.TERMINATED:
            return
        if event is SubEvent.REFRESH:
            if sub.timer:
                sub.timer.cancel()
            sub.expires_at_ms = self.clock.now_ms() + int(arg) * 1000
            sub.timer = self.clock.call_later(int(arg) * 1000,
                                              lambda: self._transition(sub, SubEvent.EXPIRED))
            self.clock.call_later(0, lambda: self._notify(sub, None))
        elif event is SubEvent.STATE_CHANGED:
            self._notify(sub, arg)
        elif event in (SubEvent.UNSUBSCRIBE, SubEvent.EXPIRED, SubEvent.DEACTIVATE):
            reason = arg if event is SubEvent.DEACTIVATE else "timeout"
            self._end(sub, reason)
            if event is SubEvent.UNSUBSCRIBE:
                self.clock.call_later(0, lambda: self._notify(sub, None))
            else:
                self._notify(sub, None)
        elif event is SubEvent.NOTIFY_FAILED:
            self._end(sub, "rejected")
            log.info("subscription %d removed: NOTIFY answered %s", sub.id, arg)

    def _end(self, sub: Subscription, reason: str) -> None:
        sub.state, sub.reason = SubState.TERMINATED, reason
        if sub.timer:
            sub.timer.cancel()
            sub.timer = None
        self._subs.pop(sub.key, None)

    def _notify(self, sub: Subscription, body: Optional[bytes]) -> None:
        package = self.packages.get(sub.package)
        if body is None and package is not None:
            body = package.body(sub.user)
        if sub.state is SubState.ACTIVE:
            state = f"active;expires={sub.expires_in_s(self.clock.now_ms())}"
        else:
            state = f"terminated;reason={sub.reason or 'noresource'}"
        headers: Headers = [("Event", sub.event_header), ("Subscription-State", state)]
        if body and package is not None:
            headers.append(("Content-Type", package.content_type))
        self.send_notify(sub, headers, body or b"")


def _split_routes(value: str) -> list[str]:
    return [str(a) for a in Address.parse_list(value, "Record-Route")]


def _contact_from_via(via: Via) -> str:
    host = format_host(via.host)
    port = f":{via.port}" if via.port else ""
    transport = "" if via.transport == "UDP" else f";transport={via.transport.lower()}"
    return f"<sip:{host}{port}{transport}>"


def make_notify(sub: Subscription, via: Union[Via, str], body: bytes = b"",
                content_type: Optional[str] = None, state: Optional[str] = None,
                contact: Optional[str] = None,
                extra: Iterable[tuple[str, str]] = ()) -> SipRequest:
    """An in-dialog NOTIFY for ``sub`` (RFC 3261 §12.2.1.1, RFC 6665 §4.2.2).

    Request-URI = the remote target (or the first route, if it is a strict router);
    Route = the route set; From = our URI with our tag, To = theirs with their tag;
    Call-ID; CSeq = one more than the last NOTIFY (``sub.local_cseq`` is advanced);
    ``via`` is our Via (given a fresh branch if it has none); Event; Subscription-State
    ``state`` (default: from ``sub``); Max-Forwards 70; Contact ``contact`` (default
    ``sub.local_contact``, else the Via's sent-by); ``extra`` headers last.
    """
    top = Via.parse(via) if isinstance(via, str) else via.copy()
    if not top.branch:
        top.branch = new_branch()
    routes = list(sub.route_set)
    uri = sub.remote_target.copy()
    if routes:
        first = Address.parse(routes[0], "Route")
        if "lr" not in first.uri.params:          # strict router (RFC 3261 §12.2.1.1)
            uri = first.uri.copy()
            routes = routes[1:] + [f"<{sub.remote_target}>"]
    sub.local_cseq += 1
    if state is None:
        state = ("terminated;reason=" + (sub.reason or "noresource")
                 if sub.state is SubState.TERMINATED else "active")
    req = SipRequest("NOTIFY", uri)
    req.add("Via", str(top))
    req.add("Max-Forwards", "70")
    for r in routes:
        req.add("Route", r)
    req.add("From", str(Address(sub.local_uri.copy(), params={"tag": sub.local_tag})))
    req.add("To", str(Address(sub.remote_uri.copy(), params={"tag": sub.remote_tag})))
    req.add("Call-ID", sub.call_id)
    req.add("CSeq", f"{sub.local_cseq} NOTIFY")
    req.add("Contact", contact or sub.local_contact or _contact_from_via(top))
    req.add("Event", sub.event_header)
    req.add("Subscription-State", state)
    if body:
        if not content_type:
            raise ValueError("a NOTIFY with a body needs a content_type")
        req.add("Content-Type", content_type)
    for name, value in extra:
        req.add(name, value)
    req.body = bytes(body)
    return req


def make_unsolicited_notify(target: Union[SipUri, str], aor: Union[SipUri, str],
                            via: Union[Via, str], event: str, body: bytes, content_type: str,
                            contact: Optional[str] = None) -> SipRequest:
    """An out-of-dialog NOTIFY (no SUBSCRIBE; what many phones expect for MWI): sent
    to ``target`` (a registered Contact), From and To the user's ``aor`` (From with a
    new tag), a new Call-ID, CSeq 1, ``Subscription-State: active``."""
    uri = target.copy() if isinstance(target, SipUri) else SipUri.parse(target)
    user = aor.copy() if isinstance(aor, SipUri) else SipUri.parse(aor)
    top = Via.parse(via) if isinstance(via, str) else via.copy()
    if not top.branch:
        top.branch = new_branch()
    req = SipRequest("NOTIFY", uri)
    req.add("Via", str(top))
    req.add("Max-Forwards", "70")
    req.add("From", str(Address(user.copy(), params={"tag": new_tag()})))
    req.add("To", str(Address(user.copy())))
    req.add("Call-ID", new_call_id(top.host))
    req.add("CSeq", "1 NOTIFY")
    req.add("Contact", contact or _contact_from_via(top))
    req.add("Event", event)
    req.add("Subscription-State", "active")
    req.add("Content-Type", content_type)
    req.body = bytes(body)
    return req
