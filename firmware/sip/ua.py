"""The SIP user-agent core of the box: transports + transactions + registrar + dialogs.

:class:`SipStack` listens (UDP and TCP on one port), answers what needs no call logic
itself — REGISTER (the registrar), OPTIONS, malformed requests (4xx with the reason in
a Warning), unknown methods (501), requests for dialogs it does not know (481),
unsupported ``Require`` options (420) — and hands what does to the box:

* a new INVITE, once its sender is known — an extension that passed digest
  authentication, or a SIP trunk recognised by its address — goes to ``on_invite(session,
  caller)`` with an :class:`~firmware.sip.session.InviteSession` the SIP channel takes;
* everything inside a dialog (ACK, BYE, re-INVITE, INFO, REFER, CANCEL) goes to that
  dialog's session.

It also sends: :meth:`invite` starts a UAC session (to a registered phone's flow or to a
trunk), :meth:`send_request` runs any request in a client transaction.
"""
from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

from hal.clock import Clock

from firmware.sip import sdp as sdpmod
from firmware.sip.headers import Via
from firmware.sip.message import (SipMessage, SipParseError, SipRequest, SipResponse, Target,
                                  make_error_response, make_response, new_call_id, new_tag)
from firmware.sip.session import InviteSession
from firmware.sip.transaction import Timers, TransactionLayer
from firmware.sip.transport import TransportLayer
from firmware.sip.uri import SipUri

log = logging.getLogger("hotline.sip")

USER_AGENT = "Hotline PBX"
KNOWN_METHODS = ("INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "REFER",
                 "NOTIFY", "SUBSCRIBE", "UPDATE", "PRACK", "MESSAGE", "PUBLISH")
SUPPORTED = ("replaces", "norefersub")


@dataclass(frozen=True)
class Caller:
    """Who sent a new INVITE: ``kind`` "extension" (``name`` = its number) or "trunk"
    (``name`` = the SIP trunk's name)."""
    kind: str
    name: str


class SipStack:
    """The box's SIP side on ``clock``. ``registrar`` authenticates phones and keeps
    their bindings; ``trunk_for(host)`` names the SIP trunk a source address belongs to
    and port (None: not a trunk); ``on_invite(session, caller)`` takes new calls."""

    ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REFER, NOTIFY, SUBSCRIBE, UPDATE"

    def __init__(self, clock: Clock, *, registrar: Any = None,
                 trunk_for: Optional[Callable[[str, int], Optional[str]]] = None,
                 on_invite: Optional[Callable[[InviteSession, Caller], None]] = None,
                 on_subscribe: Optional[Callable[[SipRequest, Any, str], None]] = None,
                 timers: Optional[Timers] = None, advertise: Optional[str] = None) -> None:
        self.clock = clock
        self.registrar = registrar
        self.trunk_for = trunk_for or (lambda host, port: None)
        self.on_invite = on_invite
        self.on_subscribe = on_subscribe
        self.timers = timers or Timers()
        self.transport = TransportLayer(on_message=self._on_message, on_error=self._on_error,
                                        on_transport_error=self._on_transport_error,
                                        advertise=advertise)
        self.txl = TransactionLayer(clock, self.transport.send, on_request=self._on_request,
                                    on_stray_response=self._on_stray_response, timers=self.timers)
        self.dialogs: dict[tuple[str, str, str], InviteSession] = {}
        self._pending: dict[int, InviteSession] = {}      # id(INVITE server txn) -> session
        self.counters = {"requests": 0, "malformed": 0, "rejected_auth": 0, "invites": 0}

    # ------------------------------------------------------------------ life
    async def start(self, host: str = "0.0.0.0", port: int = 5060) -> tuple[str, int]:
        addr = await self.transport.start(host, port)
        log.info("SIP listening on %s:%d (UDP and TCP), advertised as %s",
                 addr[0], addr[1], self.transport.advertise)
        return addr

    async def close(self) -> None:
        for s in list(self.dialogs.values()) + list(self._pending.values()):
            s.hangup()
        self.txl.close()
        await self.transport.close()

    @property
    def host(self) -> str:
        return self.transport.advertise or "127.0.0.1"

    @property
    def port(self) -> int:
        return self.transport.port

    # ------------------------------------------------------------------ sending
    def via(self, transport: str = "UDP") -> Via:
        return self.transport.local_via(transport.upper())

    def send(self, msg: SipMessage, target: Target) -> None:
        """Send outside any transaction (ACK for a 2xx); errors are logged, not raised."""
        try:
            self.transport.send(msg, target)
        except OSError as e:
            log.info("sip: could not send %s to %s:%s: %s", getattr(msg, "method", "response"),
                     target.host, target.port, e)

    def send_request(self, request: SipRequest, target: Target,
                     on_response: Callable[[SipResponse], None],
                     on_timeout: Optional[Callable[[], None]] = None) -> Any:
        target = self.transport.prepare_request(request, target)
        if "User-Agent" not in request:
            request.add("User-Agent", USER_AGENT)
        return self.txl.client_transaction(request, target, on_response, on_timeout)

    def contact_for(self, target: Target, user: str = "hotline") -> str:
        t = target.transport.upper()
        tp = "" if t == "UDP" else f";transport={t.lower()}"
        return f"<sip:{user}@{self._hostport()}{tp}>"

    def contact_header(self, request: SipRequest) -> str:
        src = request.source or Target("UDP", "", 0)
        return self.contact_for(src, request.uri.user or "hotline")

    def _hostport(self) -> str:
        h = self.host
        if ":" in h:
            h = f"[{h}]"
        return f"{h}:{self.port}"

    def invite(self, target: Target, ruri: SipUri, *, from_user: str, from_name: str,
               to: Optional[str] = None, owner: Any, offer: sdpmod.SessionDescription,
               headers: Iterable[tuple[str, str]] = (), from_domain: Optional[str] = None,
               call_id: Optional[str] = None) -> InviteSession:
        """Start a UAC INVITE session to ``ruri`` via ``target`` with SDP ``offer``."""
        req = SipRequest("INVITE", ruri)
        req.add("Via", str(self.via(target.transport)))
        req.add("Max-Forwards", "70")
        disp = f'"{_quote(from_name)}" ' if from_name else ""
        req.add("From", f"{disp}<sip:{from_user}@{from_domain or self.host}>;tag={new_tag()}")
        req.add("To", to or f"<{ruri}>")
        req.add("Call-ID", call_id or new_call_id(self.host))
        req.add("CSeq", "1 INVITE")
        req.add("Contact", self.contact_for(target, from_user or "hotline"))
        req.add("Allow", self.ALLOW)
        req.add("Supported", ", ".join(SUPPORTED))
        for name, value in headers:
            req.add(name, value)
        req.add("Content-Type", "application/sdp")
        req.body = offer.encode()
        s = InviteSession.outgoing(self, req, target, owner, offer)
        self.counters["invites"] += 1
        s.start()
        return s

    # ------------------------------------------------------------------ sessions
    def add_dialog(self, s: InviteSession) -> None:
        if s.dialog is not None:
            self.dialogs[s.dialog.id] = s

    def remove_session(self, s: InviteSession) -> None:
        if s.dialog is not None and self.dialogs.get(s.dialog.id) is s:
            del self.dialogs[s.dialog.id]
        if s.txn is not None:
            self._pending.pop(id(s.txn), None)

    def _dialog_of(self, msg: SipMessage) -> Optional[InviteSession]:
        ftag, ttag = msg.from_tag or "", msg.to_tag or ""
        s = self.dialogs.get((msg.call_id, ttag, ftag))
        if s is None:
            s = self.dialogs.get((msg.call_id, ftag, ttag))
        return s

    def find_dialog(self, call_id: str, local_tag: str, remote_tag: str) -> Optional[InviteSession]:
        """The session of a dialog named from our side (Replaces: to-tag is ours)."""
        return self.dialogs.get((call_id, local_tag, remote_tag))

    # ------------------------------------------------------------------ receiving
    def _on_message(self, msg: SipMessage, addr: tuple, transport: Any) -> None:
        self.txl.receive(msg)

    def _on_error(self, data: bytes, addr: tuple, error: SipParseError) -> None:
        self.counters["malformed"] += 1
        resp = make_error_response(error)
        if resp is None:
            return
        try:
            transport = error.message.top_via.transport        # type: ignore[union-attr]
        except Exception:
            transport = "UDP"
        self.send(resp, Target(transport, addr[0], addr[1]))

    def _on_transport_error(self, target: Target, exc: Exception) -> None:
        self.txl.transport_error(target, exc)

    def _on_stray_response(self, resp: SipResponse) -> None:
        s = self._dialog_of(resp)
        if s is not None and resp.cseq.method == "INVITE":
            s._late_2xx(resp)

    def _reply(self, txn: Any, req: SipRequest, status: int, reason: Optional[str] = None,
               headers: Iterable[tuple[str, str]] = ()) -> None:
        resp = make_response(req, status, reason, to_tag=new_tag() if status > 100 and not req.to_tag else None)
        for name, value in headers:
            resp.add(name, value)
        if txn is not None:
            txn.respond(resp)
        else:
            self.transport.send_response(resp, req)

    def _on_request(self, req: SipRequest, txn: Any) -> None:
        self.counters["requests"] += 1
        m = req.method
        if m == "ACK":
            s = self._dialog_of(req)
            if s is not None:
                s.ack_received(req)
            return
        if m not in KNOWN_METHODS:
            self._reply(txn, req, 501, headers=[("Allow", self.ALLOW)])
            return
        unsupported = [o for o in req.get_list("Require") if o.lower() not in SUPPORTED]
        if unsupported and m not in ("CANCEL",):
            self._reply(txn, req, 420, headers=[("Unsupported", ", ".join(unsupported))])
            return
        if m == "CANCEL":
            self._cancel(req, txn)
            return
        if req.to_tag:                           # inside a dialog
            s = self._dialog_of(req)
            if s is not None:
                s.request(req, txn)
            elif m == "NOTIFY" or m == "SUBSCRIBE":
                self._subscribe(req, txn)
            else:
                self._reply(txn, req, 481, "Call/Transaction Does Not Exist")
            return
        if m == "REGISTER":
            if self.registrar is None:
                self._reply(txn, req, 403, "Registration not accepted here")
            else:
                txn.respond(self.registrar.register(req, req.source))
            return
        if m == "OPTIONS":
            self._reply(txn, req, 200, headers=[("Allow", self.ALLOW), ("Accept", "application/sdp"),
                                                ("Supported", ", ".join(SUPPORTED))])
            return
        if m == "INVITE":
            self._new_invite(req, txn)
            return
        if m == "SUBSCRIBE":
            self._subscribe(req, txn)
            return
        self._reply(txn, req, 405 if m in ("MESSAGE", "PUBLISH", "PRACK", "UPDATE", "NOTIFY",
                                           "BYE", "INFO", "REFER") else 501,
                    headers=[("Allow", self.ALLOW)])

    def _cancel(self, req: SipRequest, txn: Any) -> None:
        target = self.txl.find_cancel_target(req)
        s = self._pending.get(id(target)) if target is not None else None
        if s is None:
            self._reply(txn, req, 481, "Call/Transaction Does Not Exist")
            return
        self._reply(txn, req, 200)
        s.cancelled()

    def _subscribe(self, req: SipRequest, txn: Any) -> None:
        if self.on_subscribe is None:
            self._reply(txn, req, 489, "Bad Event")
            return
        user = self.authenticated_user(req, txn)
        if user is not None:
            self.on_subscribe(req, txn, user)

    def authenticated_user(self, req: SipRequest, txn: Any) -> Optional[str]:
        """The extension that sent ``req`` (digest checked), or None after answering the
        challenge / refusal."""
        if self.registrar is None:
            self._reply(txn, req, 403)
            return None
        user, resp = self.registrar.authenticate(req, req.source)
        if resp is not None:
            if resp.status == 403:
                self.counters["rejected_auth"] += 1
            txn.respond(resp)
            return None
        return user

    def _new_invite(self, req: SipRequest, txn: Any) -> None:
        if not req.contacts:
            self._reply(txn, req, 400, "Missing Contact")
            return
        if req.body and (req.content_type or "application/sdp").split(";")[0].strip().lower() != "application/sdp":
            self._reply(txn, req, 415, headers=[("Accept", "application/sdp")])
            return
        trunk = self.trunk_for(req.source.host, req.source.port) if req.source else None
        if trunk is not None:
            caller = Caller("trunk", trunk)
        else:
            user = self.authenticated_user(req, txn)
            if user is None:
                return
            caller = Caller("extension", user)
        try:
            s = InviteSession.incoming(self, req, txn)
        except sdpmod.SdpError as e:
            resp = make_response(req, 400, "Bad SDP", to_tag=new_tag())
            resp.add("Warning", f'399 hotline "bad SDP: {str(e)[:150]}"')
            txn.respond(resp)
            return
        self._pending[id(txn)] = s
        txn.on_failure = lambda why: self._invite_txn_failed(s, why)
        if self.on_invite is None:
            s.reject(480)
            return
        self.on_invite(s, caller)

    def _invite_txn_failed(self, s: InviteSession, why: str) -> None:
        log.info("sip %s: INVITE transaction failed (%s)", s.call_id, why)
        self._pending.pop(id(s.txn), None)

    # ------------------------------------------------------------------ status
    def status(self) -> dict[str, Any]:
        return {"listen": f"{self.host}:{self.port}", "dialogs": len(self.dialogs),
                "pending_invites": len(self._pending),
                "transactions": {"client": self.txl.client_count, "server": self.txl.server_count},
                **self.counters}


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False

