"""SIP dialogs (RFC 3261 §12): the peer-to-peer relationship an INVITE (or SUBSCRIBE /
REFER) sets up, and the in-dialog requests sent within it. Sans-IO.

A :class:`Dialog` holds what §12.1 says a dialog holds — Call-ID, local and remote tag,
local and remote URI, the remote target (the peer's Contact), the route set (from
Record-Route), the local and remote CSeq numbers — plus ``target``, the next hop we send
in-dialog requests to. For phones that is the flow their request came on (the
address and port after NAT, RFC 3581 / RFC 5626 style), not the private address in
their Contact; for a dialog with a Record-Route the first route's host and port.

States: EARLY (a provisional with a To tag), CONFIRMED (a 2xx), TERMINATED.
"""
from __future__ import annotations

import enum
import ipaddress
import random
from typing import Iterable, Optional

from firmware.sip.headers import Address, Via
from firmware.sip.message import SipRequest, SipResponse, Target
from firmware.sip.uri import SipUri

#: requests that refresh the remote target (§12.2.2 + RFC 3515/6665/3311)
TARGET_REFRESH = frozenset({"INVITE", "UPDATE", "SUBSCRIBE", "NOTIFY", "REFER"})


class DialogState(str, enum.Enum):
    EARLY = "early"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


class DialogError(ValueError):
    """A message cannot create or continue a dialog; ``status`` is the answer (400, 500)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _first_contact(msg: SipRequest | SipResponse) -> Optional[SipUri]:
    cs = msg.contacts
    return cs[0].uri.copy() if cs else None


def _next_hop(route_set: list[str], fallback: Target) -> Target:
    """Where requests go: the first route when it names an IP address, else ``fallback``."""
    if route_set:
        try:
            uri = Address.parse(route_set[0], "Route").uri
            ipaddress.ip_address(uri.params.get("maddr") or uri.host)
            return Target(uri.transport, uri.params.get("maddr") or uri.host, uri.port or 5060)
        except (ValueError, AttributeError):
            pass
    return fallback


class Dialog:
    """One dialog. Build it with :meth:`as_uas` (we answered a request) or :meth:`as_uac`
    (a response to our request)."""

    def __init__(self, *, call_id: str, local_tag: str, remote_tag: str, local_uri: Address,
                 remote_uri: Address, remote_target: SipUri, route_set: list[str],
                 local_seq: int, remote_seq: Optional[int], target: Target,
                 state: DialogState = DialogState.EARLY) -> None:
        self.call_id = call_id
        self.local_tag = local_tag
        self.remote_tag = remote_tag
        self.local_uri = local_uri
        self.remote_uri = remote_uri
        self.remote_target = remote_target
        self.route_set = route_set
        self.local_seq = local_seq
        self.remote_seq = remote_seq
        self.target = target
        self.state = state

    # -- creation
    @classmethod
    def as_uas(cls, request: SipRequest, local_tag: str, *, confirmed: bool = False) -> "Dialog":
        """The dialog a request we answer with a To tag creates (§12.1.1)."""
        contact = _first_contact(request)
        if contact is None:
            raise DialogError(f"{request.method} without a Contact cannot set up a dialog")
        if not request.from_tag:
            raise DialogError("the From header has no tag")
        route_set = list(request.get_list("Record-Route"))
        src = request.source or Target("UDP", "127.0.0.1", 5060)
        local = request.to_addr.copy()
        local.tag = None
        remote = request.from_addr.copy()
        remote.tag = None
        return cls(call_id=request.call_id, local_tag=local_tag, remote_tag=request.from_tag,
                   local_uri=local, remote_uri=remote, remote_target=contact,
                   route_set=route_set, local_seq=random.randint(1, 2 ** 30),
                   remote_seq=request.cseq.number, target=_next_hop(route_set, src),
                   state=DialogState.CONFIRMED if confirmed else DialogState.EARLY)

    @classmethod
    def as_uac(cls, request: SipRequest, response: SipResponse, target: Target) -> "Dialog":
        """The dialog a response with a To tag to our ``request`` creates (§12.1.2);
        ``target`` is where the request was sent."""
        if not response.to_tag:
            raise DialogError("the response has no To tag")
        contact = _first_contact(response) or request.uri.copy()
        route_set = list(reversed(response.get_list("Record-Route")))
        local = request.from_addr.copy()
        local.tag = None
        remote = request.to_addr.copy()
        remote.tag = None
        state = DialogState.CONFIRMED if 200 <= response.status < 300 else DialogState.EARLY
        return cls(call_id=request.call_id, local_tag=request.from_tag or "",
                   remote_tag=response.to_tag, local_uri=local, remote_uri=remote,
                   remote_target=contact, route_set=route_set, local_seq=request.cseq.number,
                   remote_seq=None, target=_next_hop(route_set, target), state=state)

    @property
    def id(self) -> tuple[str, str, str]:
        """(Call-ID, local tag, remote tag)."""
        return (self.call_id, self.local_tag, self.remote_tag)

    # -- updates
    def confirm(self, response: Optional[SipResponse] = None) -> None:
        """A 2xx arrived (UAC: the route set and target are recomputed from it)."""
        self.state = DialogState.CONFIRMED
        if response is not None:
            self.route_set = list(reversed(response.get_list("Record-Route")))
            c = _first_contact(response)
            if c is not None:
                self.remote_target = c

    def terminate(self) -> None:
        self.state = DialogState.TERMINATED

    def check_request(self, request: SipRequest) -> None:
        """An in-dialog request arrived: check its CSeq order and refresh the target.
        Raises :class:`DialogError` (500) for a CSeq lower than the last one (§12.2.2)."""
        if request.method in ("ACK", "CANCEL"):
            return
        n = request.cseq.number
        if self.remote_seq is not None and n <= self.remote_seq:
            raise DialogError(f"CSeq {n} is not above the last one ({self.remote_seq})", 500)
        self.remote_seq = n
        if request.method in TARGET_REFRESH:
            c = _first_contact(request)
            if c is not None:
                self.remote_target = c

    # -- requests within the dialog
    def make_request(self, method: str, via: Via, contact: Optional[str] = None,
                     body: bytes = b"", content_type: Optional[str] = None,
                     headers: Iterable[tuple[str, str]] = (), cseq: Optional[int] = None) -> SipRequest:
        """A request inside the dialog (§12.2.1.1): Request-URI and Route by loose or
        strict routing, From/To with the tags, CSeq one above the last (``cseq`` for an
        ACK, which reuses its INVITE's number)."""
        routes = list(self.route_set)
        uri = self.remote_target.copy()
        if routes:
            first = Address.parse(routes[0], "Route").uri
            if "lr" not in first.params:                # strict routing: §12.2.1.1
                uri = first
                routes = routes[1:] + [f"<{self.remote_target}>"]
        if cseq is None:
            self.local_seq += 1
            cseq = self.local_seq
        req = SipRequest(method, uri)
        req.add("Via", str(via))
        req.add("Max-Forwards", "70")
        local = self.local_uri.copy()
        local.tag = self.local_tag
        remote = self.remote_uri.copy()
        remote.tag = self.remote_tag
        req.add("From", str(local))
        req.add("To", str(remote))
        req.add("Call-ID", self.call_id)
        req.add("CSeq", f"{cseq} {method}")
        for r in routes:
            req.add("Route", r)
        if contact:
            req.add("Contact", contact)
        for name, value in headers:
            req.add(name, value)
        if body:
            req.add("Content-Type", content_type or "application/sdp")
        req.body = body
        return req

    def __repr__(self) -> str:
        return f"<Dialog {self.call_id} {self.local_tag}/{self.remote_tag} {self.state.value}>"
