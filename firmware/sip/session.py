"""One INVITE session (a SIP call leg) as an explicit state machine, both roles. Sans-IO
apart from the stack it sends through.

UAS (a phone or trunk called us): INCOMING → EARLY (180/183 sent) → ANSWERING (2xx sent,
retransmitted T1, 2T1 ... T2 until the ACK, §13.3.1.4; no ACK within 64*T1 ends the call
with a BYE) → CONFIRMED → TERMINATED. A CANCEL before the answer ends it with 487.

UAC (we call a phone or a trunk): CALLING (INVITE sent) → EARLY (1xx) → CONFIRMED (2xx,
ACKed by us, re-ACKed on every retransmitted 2xx; a 2xx from a second fork is ACKed and
sent a BYE) → TERMINATED; :meth:`cancel` before the answer sends CANCEL once a
provisional has arrived (§9.1) and ends with 487.

In a confirmed dialog: BYE either way; re-INVITE / UPDATE from the far end (hold and
resume: the answer mirrors sendonly ↔ recvonly, inactive ↔ inactive); INFO with DTMF
(application/dtmf-relay, application/dtmf); REFER handed to the owner (202 + NOTIFY
sipfrag progress with :meth:`notify_refer`); OPTIONS answered.

The *owner* (the SIP channel) gets every event through :class:`SessionOwner` methods
and provides the local media address (its RTP port) before an offer or answer is made.
"""
from __future__ import annotations

import enum
import logging
from typing import TYPE_CHECKING, Any, Optional, Protocol

from hal.clock import Timer

from firmware.sip import sdp as sdpmod
from firmware.sip.dialog import Dialog, DialogError, DialogState
from firmware.sip.message import (SipRequest, SipResponse, Target, make_cancel,
                                  make_response, new_tag)
from firmware.sip.refer import refer_notify_fields

if TYPE_CHECKING:
    from firmware.sip.transaction import ServerTransaction
    from firmware.sip.ua import SipStack

log = logging.getLogger("hotline.sip.session")

#: DTMF digits an INFO may carry
_DTMF = set("0123456789*#ABCD")


class SessionState(str, enum.Enum):
    INCOMING = "incoming"          #: UAS: INVITE received, nothing sent yet
    CALLING = "calling"            #: UAC: INVITE sent, no provisional yet
    EARLY = "early"                #: 1xx sent (UAS) / received (UAC)
    ANSWERING = "answering"        #: UAS: 2xx sent, waiting for the ACK
    CONFIRMED = "confirmed"        #: talking
    TERMINATED = "terminated"


class SessionIn(str, enum.Enum):
    # from the owner
    RING = "ring"                  #: data: early_media (bool)
    ANSWER = "answer"
    REJECT = "reject"              #: data: status, reason
    HANGUP = "hangup"              #: BYE / CANCEL / reject, whatever the state needs
    # from the network
    RESPONSE = "response"          #: data: response (UAC INVITE)
    TIMEOUT = "timeout"            #: UAC INVITE got no final answer (Timer B) / transport failed
    CANCELLED = "cancelled"        #: UAS: CANCEL received
    ACK = "ack"                    #: data: request
    REQUEST = "request"            #: data: request, txn (in-dialog)
    RETRANSMIT = "retransmit"      #: UAS 2xx retransmission timer


class SessionOwner(Protocol):
    """What the SIP channel implements to hear from its session."""

    def sip_progress(self, s: "InviteSession", status: int, media: Optional[sdpmod.MediaParams]) -> None: ...
    def sip_answered(self, s: "InviteSession", media: Optional[sdpmod.MediaParams]) -> None: ...
    def sip_failed(self, s: "InviteSession", status: int, reason: str) -> None: ...
    def sip_cancelled(self, s: "InviteSession") -> None: ...
    def sip_ended(self, s: "InviteSession", why: str) -> None: ...
    def sip_media(self, s: "InviteSession", media: sdpmod.MediaParams) -> None: ...
    def sip_dtmf(self, s: "InviteSession", digit: str) -> None: ...
    def sip_refer(self, s: "InviteSession", request: SipRequest, txn: "ServerTransaction") -> None: ...


class InviteSession:
    """A call leg. Create UAS sessions with :meth:`incoming`, UAC ones with :meth:`outgoing`."""

    def __init__(self, stack: "SipStack", owner: Optional[SessionOwner], *, uas: bool) -> None:
        self.stack = stack
        self.owner = owner
        self.uas = uas
        self.state = SessionState.INCOMING if uas else SessionState.CALLING
        self.dialog: Optional[Dialog] = None
        self.invite: Optional[SipRequest] = None        # the dialog-creating INVITE
        self.txn: Optional[Any] = None                  # its transaction
        self.target: Optional[Target] = None            # UAC: where the INVITE went
        self.local_tag = new_tag()
        self.local_sdp: Optional[sdpmod.SessionDescription] = None
        self.remote_sdp: Optional[sdpmod.SessionDescription] = None
        self.media: Optional[sdpmod.MediaParams] = None
        self.media_addr: tuple[str, int] = ("127.0.0.1", 0)   # our RTP address (owner sets)
        self.codecs: list[str] = ["PCMA", "PCMU"]
        self.final_status = 0
        self.end_reason = ""
        self._ok: Optional[SipResponse] = None          # UAS: the 2xx we retransmit
        self._ok_txn: Optional[Any] = None
        self._ok_interval = 0
        self._ok_timer: Optional[Timer] = None
        self._ok_started = 0
        self._ack: Optional[SipRequest] = None          # UAC: the ACK of our 2xx
        self._cancel_wanted = False
        self._provisional = False
        self._reinvite: Optional[SipRequest] = None     # UAS re-INVITE answered, waiting for ACK
        self.refer_subscription: Optional[int] = None   # CSeq of the REFER we serve NOTIFYs for

    # ------------------------------------------------------------------ creation
    @classmethod
    def incoming(cls, stack: "SipStack", request: SipRequest, txn: "ServerTransaction",
                 owner: Optional[SessionOwner] = None) -> "InviteSession":
        s = cls(stack, owner, uas=True)
        s.invite = request
        s.txn = txn
        if request.body:
            s.remote_sdp = sdpmod.SessionDescription.parse(request.body)
        return s

    @classmethod
    def outgoing(cls, stack: "SipStack", request: SipRequest, target: Target,
                 owner: SessionOwner, offer: sdpmod.SessionDescription) -> "InviteSession":
        s = cls(stack, owner, uas=False)
        s.invite = request
        s.target = target
        s.local_tag = request.from_tag or s.local_tag
        s.local_sdp = offer
        return s

    def start(self) -> None:
        """UAC: send the INVITE."""
        assert self.invite is not None and self.target is not None
        self.txn = self.stack.send_request(
            self.invite, self.target,
            lambda r: self.handle(SessionIn.RESPONSE, response=r),
            lambda: self.handle(SessionIn.TIMEOUT))

    # ------------------------------------------------------------------ owner API
    def ring(self, early_media: bool = False) -> None:
        self.handle(SessionIn.RING, early_media=early_media)

    def answer(self) -> None:
        self.handle(SessionIn.ANSWER)

    def reject(self, status: int, reason: Optional[str] = None) -> None:
        self.handle(SessionIn.REJECT, status=status, reason=reason)

    def hangup(self) -> None:
        self.handle(SessionIn.HANGUP)

    @property
    def ended(self) -> bool:
        return self.state == SessionState.TERMINATED

    @property
    def call_id(self) -> str:
        return self.invite.call_id if self.invite is not None else ""

    @property
    def remote_identity(self) -> tuple[str, str]:
        """(user, display name) of the far end as its INVITE / our INVITE's To said."""
        if self.invite is None:
            return "", ""
        a = self.invite.from_addr if self.uas else self.invite.to_addr
        return a.uri.user or "", (a.display or "")

    # ------------------------------------------------------------------ transitions
    def handle(self, inp: SessionIn, **data: Any) -> None:
        st = self.state
        if st == SessionState.TERMINATED:
            if inp == SessionIn.REQUEST:
                self._respond(data["txn"], data["request"], 481)
            elif inp == SessionIn.RESPONSE:
                self._late_2xx(data["response"])
            return

        # ---------------- UAS before the answer
        if self.uas and st in (SessionState.INCOMING, SessionState.EARLY):
            if inp == SessionIn.RING:
                self._provisional_response(183 if data.get("early_media") else 180,
                                           with_sdp=bool(data.get("early_media")))
            elif inp == SessionIn.ANSWER:
                self._send_ok()
            elif inp in (SessionIn.REJECT, SessionIn.HANGUP):
                status = data.get("status") or 480
                self._respond(self.txn, self.invite, status, data.get("reason"))
                self._terminate(f"rejected {status}")
            elif inp == SessionIn.CANCELLED:
                self._respond(self.txn, self.invite, 487)
                self._terminate("cancelled")
                self._tell("sip_cancelled")
            elif inp == SessionIn.REQUEST:
                self._in_dialog(data["request"], data["txn"])
            return

        if self.uas and st == SessionState.ANSWERING:
            if inp == SessionIn.ACK:
                self._ack_received(data["request"])
            elif inp == SessionIn.RETRANSMIT:
                self._retransmit_ok()
            elif inp == SessionIn.HANGUP:
                self._stop_ok()
                self._send_bye()
            elif inp == SessionIn.REQUEST:
                req = data["request"]
                if req.method == "BYE":        # BYE before ACK (§15): fine
                    self._stop_ok()
                self._in_dialog(req, data["txn"])
            return

        # ---------------- UAC before the answer
        if not self.uas and st in (SessionState.CALLING, SessionState.EARLY):
            if inp == SessionIn.RESPONSE:
                self._uac_response(data["response"])
            elif inp == SessionIn.TIMEOUT:
                self.final_status = 408
                self._terminate("no answer (timeout)")
                self._tell("sip_failed", 408, "no answer from the phone")
            elif inp == SessionIn.HANGUP:
                self._cancel_wanted = True
                if self._provisional:
                    self._send_cancel()
            elif inp == SessionIn.REQUEST:
                self._in_dialog(data["request"], data["txn"])
            return

        # ---------------- confirmed
        if st == SessionState.CONFIRMED:
            if inp == SessionIn.HANGUP:
                self._send_bye()
            elif inp == SessionIn.REQUEST:
                self._in_dialog(data["request"], data["txn"])
            elif inp == SessionIn.RESPONSE:
                self._late_2xx(data["response"])
            elif inp == SessionIn.ACK:
                self._reinvite = None
            elif inp == SessionIn.RETRANSMIT:
                self._retransmit_ok()

    # ------------------------------------------------------------------ UAS helpers
    def _ensure_dialog(self) -> Dialog:
        if self.dialog is None:
            assert self.invite is not None
            self.dialog = Dialog.as_uas(self.invite, self.local_tag)
            self.stack.add_dialog(self)
        return self.dialog

    def _local_answer(self, offer: sdpmod.SessionDescription, previous=None) -> sdpmod.SessionDescription:
        ans = sdpmod.negotiate(offer, self.codecs, self.media_addr[0], self.media_addr[1],
                               previous=previous)
        self.media = ans
        return ans.sdp

    def _provisional_response(self, status: int, with_sdp: bool) -> None:
        assert self.invite is not None
        self._ensure_dialog()
        resp = self._response(self.invite, status)
        if with_sdp and self.remote_sdp is not None:
            try:
                self.local_sdp = self._local_answer(self.remote_sdp)
                self._set_body(resp, self.local_sdp.encode())
            except sdpmod.SdpError:
                pass
        self.state = SessionState.EARLY
        self.txn.respond(resp)

    def _send_ok(self) -> None:
        assert self.invite is not None
        self._ensure_dialog()
        resp = self._response(self.invite, 200)
        try:
            if self.remote_sdp is not None:
                if self.local_sdp is None or self.media is None:
                    self.local_sdp = self._local_answer(self.remote_sdp)
            else:               # late offer: we offer in the 2xx, the answer comes in the ACK
                self.local_sdp = sdpmod.make_offer(self.media_addr[0], self.media_addr[1], self.codecs)
        except sdpmod.NoCommonCodec as e:
            self._respond(self.txn, self.invite, 488, None, warning=str(e))
            self._terminate("no common codec")
            self._tell("sip_failed", 488, str(e))
            return
        self._set_body(resp, self.local_sdp.encode())
        self.dialog.state = DialogState.CONFIRMED
        self.state = SessionState.ANSWERING
        self._start_ok(resp, self.txn)
        if self.media is not None:
            self._tell("sip_answered", self.media)

    def _start_ok(self, resp: SipResponse, txn: Any) -> None:
        self._ok = resp
        self._ok_txn = txn
        txn.respond(resp)
        t = self.stack.timers
        self._ok_interval = t.t1
        self._ok_started = self.stack.clock.now_ms()
        if not (txn.target and txn.target.reliable):
            self._ok_timer = self.stack.clock.call_later(self._ok_interval,
                                                         lambda: self.handle(SessionIn.RETRANSMIT))
        else:
            self._ok_timer = self.stack.clock.call_later(64 * t.t1, lambda: self.handle(SessionIn.RETRANSMIT))

    def _retransmit_ok(self) -> None:
        if self._ok is None:
            return
        t = self.stack.timers
        if self.stack.clock.now_ms() - self._ok_started >= 64 * t.t1:
            self._ok = None
            log.info("sip %s: no ACK for our 200 within %d s: hanging up", self.call_id, 64 * t.t1 // 1000)
            if self._reinvite is None:
                self._send_bye()
                self._tell("sip_ended", "no ACK")
            return
        self._ok_txn.respond(self._ok)
        self._ok_interval = min(2 * self._ok_interval, t.t2)
        self._ok_timer = self.stack.clock.call_later(self._ok_interval, lambda: self.handle(SessionIn.RETRANSMIT))

    def _stop_ok(self) -> None:
        self._ok = None
        if self._ok_timer is not None:
            self._ok_timer.cancel()
            self._ok_timer = None

    def _ack_received(self, ack: SipRequest) -> None:
        self._stop_ok()
        self.state = SessionState.CONFIRMED
        if self.remote_sdp is None and ack.body:        # late offer: the answer
            try:
                self.remote_sdp = sdpmod.SessionDescription.parse(ack.body)
                self.media = sdpmod.read_answer(self.local_sdp, self.remote_sdp)
            except sdpmod.SdpError as e:
                log.info("sip %s: bad SDP answer in ACK (%s): hanging up", self.call_id, e)
                self._send_bye()
                self._tell("sip_ended", "bad SDP in ACK")
                return
            self._tell("sip_answered", self.media)

    # ------------------------------------------------------------------ UAC helpers
    def _uac_response(self, resp: SipResponse) -> None:
        status = resp.status
        if status < 200:
            self._provisional = True             # any provisional, 100 too, allows CANCEL (§9.1)
            if self._cancel_wanted:
                self._send_cancel()
                return
            if status == 100:
                return
            self.state = SessionState.EARLY
            media = None
            if resp.body and resp.to_tag:
                media = self._read_answer(resp)
            self._tell("sip_progress", status, media)
            return
        if 200 <= status < 300:
            self._stop_ok()
            if self.dialog is not None and resp.to_tag != self.dialog.remote_tag \
                    and self.dialog.state == DialogState.CONFIRMED:
                self._late_2xx(resp)
                return
            self.dialog = Dialog.as_uac(self.invite, resp, self.target)
            self.stack.add_dialog(self)
            self._send_ack(resp)
            if self._cancel_wanted:        # answered while we were cancelling: end it
                self.state = SessionState.CONFIRMED
                self._send_bye()
                return
            self.state = SessionState.CONFIRMED
            media = self._read_answer(resp) if resp.body else self.media
            if media is None:
                self._send_bye()
                self._tell("sip_failed", 488, "the answer has no usable SDP")
                return
            self._tell("sip_answered", media)
            return
        self.final_status = status
        self._terminate(f"{status} {resp.reason}")
        self._tell("sip_failed", status, resp.reason or "")

    def _read_answer(self, resp: SipResponse) -> Optional[sdpmod.MediaParams]:
        try:
            self.remote_sdp = sdpmod.SessionDescription.parse(resp.body)
            self.media = sdpmod.read_answer(self.local_sdp, self.remote_sdp)
            return self.media
        except sdpmod.SdpError as e:
            log.info("sip %s: unusable SDP answer: %s", self.call_id, e)
            return None

    def _send_ack(self, resp: SipResponse) -> None:
        d = self.dialog
        assert d is not None and self.invite is not None
        ack = d.make_request("ACK", self.stack.via(d.target.transport), cseq=self.invite.cseq.number)
        self._ack = ack
        self.stack.send(ack, d.target)

    def _late_2xx(self, resp: SipResponse) -> None:
        """A retransmitted 2xx (ACK it again) or one from another fork (ACK and BYE it)."""
        if resp.status < 200 or resp.status >= 300 or resp.cseq.method != "INVITE":
            return
        if self.dialog is not None and resp.to_tag == self.dialog.remote_tag and self._ack is not None:
            self.stack.send(self._ack, self.dialog.target)
            return
        if self.invite is None or self.target is None:
            return
        other = Dialog.as_uac(self.invite, resp, self.target)
        self.stack.send(other.make_request("ACK", self.stack.via(other.target.transport),
                                           cseq=self.invite.cseq.number), other.target)
        bye = other.make_request("BYE", self.stack.via(other.target.transport))
        self.stack.send_request(bye, other.target, lambda r: None, lambda: None)

    def _send_cancel(self) -> None:
        if self.invite is None or self.target is None:
            return
        c = make_cancel(self.invite)
        self.stack.send_request(c, self.target, lambda r: None, lambda: None)
        self._cancel_wanted = False
        self._provisional = False          # do not send it twice

    # ------------------------------------------------------------------ both
    def _send_bye(self) -> None:
        d = self.dialog
        if d is None:
            self._terminate("hung up")
            return
        bye = d.make_request("BYE", self.stack.via(d.target.transport))
        self.stack.send_request(bye, d.target, lambda r: None, lambda: None)
        self._terminate("hung up")

    def _terminate(self, why: str) -> None:
        if self.state == SessionState.TERMINATED:
            return
        self._stop_ok()
        self.state = SessionState.TERMINATED
        self.end_reason = why
        if self.dialog is not None:
            self.dialog.terminate()
        self.stack.remove_session(self)

    def _tell(self, method: str, *args: Any) -> None:
        if self.owner is not None:
            try:
                getattr(self.owner, method)(self, *args)
            except Exception:
                log.exception("sip %s: %s failed", self.call_id, method)

    def _response(self, request: SipRequest, status: int, reason: Optional[str] = None) -> SipResponse:
        resp = make_response(request, status, reason, to_tag=self.local_tag if status > 100 else None)
        if 100 < status < 300 and request.method in ("INVITE", "UPDATE", "SUBSCRIBE", "REFER"):
            resp.add("Contact", self.stack.contact_header(request))
            for rr in request.get_all("Record-Route"):
                resp.add("Record-Route", rr)
        resp.add("Allow", self.stack.ALLOW)
        return resp

    def _respond(self, txn: Any, request: Optional[SipRequest], status: int,
                 reason: Optional[str] = None, warning: Optional[str] = None) -> None:
        if txn is None or request is None:
            return
        resp = self._response(request, status, reason)
        if warning:
            resp.add("Warning", f'399 hotline "{warning[:200]}"'.replace("\r", " ").replace("\n", " "))
        txn.respond(resp)

    @staticmethod
    def _set_body(resp: SipResponse, body: bytes, content_type: str = "application/sdp") -> None:
        resp.add("Content-Type", content_type)
        resp.body = body

    # ------------------------------------------------------------------ in-dialog requests
    def _in_dialog(self, req: SipRequest, txn: "ServerTransaction") -> None:
        d = self.dialog
        if d is None:
            self._respond(txn, req, 481)
            return
        try:
            d.check_request(req)
        except DialogError as e:
            self._respond(txn, req, e.status, warning=e.reason)
            return
        m = req.method
        if m == "BYE":
            self._respond(txn, req, 200)
            self._terminate("far end hung up")
            self._tell("sip_ended", "bye")
        elif m in ("INVITE", "UPDATE"):
            self._reoffer(req, txn)
        elif m == "INFO":
            self._info(req, txn)
        elif m == "REFER":
            if self.owner is None:
                self._respond(txn, req, 603)
            else:
                self._tell("sip_refer", req, txn)
        elif m in ("OPTIONS", "NOTIFY"):
            self._respond(txn, req, 200)
        elif m == "PRACK":
            self._respond(txn, req, 481)
        else:
            self._respond(txn, req, 501)

    def _reoffer(self, req: SipRequest, txn: "ServerTransaction") -> None:
        """re-INVITE / UPDATE: hold, resume, a new address. Answer with our SDP."""
        if req.method == "INVITE" and self.state != SessionState.CONFIRMED:
            self._respond(txn, req, 491)          # a re-INVITE while one is pending
            return
        resp = self._response(req, 200)
        if req.body:
            try:
                offer = sdpmod.SessionDescription.parse(req.body)
                self.local_sdp = self._local_answer(offer, previous=self.local_sdp)
                self.remote_sdp = offer
            except sdpmod.NoCommonCodec as e:
                self._respond(txn, req, 488, warning=str(e))
                return
            except sdpmod.SdpError as e:
                self._respond(txn, req, 400, warning=f"bad SDP: {e}")
                return
            self._set_body(resp, self.local_sdp.encode())
        elif self.local_sdp is not None:
            self._set_body(resp, self.local_sdp.encode())
        if req.method == "INVITE":
            self._reinvite = req
            self._start_ok(resp, txn)
        else:
            txn.respond(resp)
        if req.body and self.media is not None:
            self._tell("sip_media", self.media)

    def _info(self, req: SipRequest, txn: "ServerTransaction") -> None:
        ctype = (req.content_type or "").lower()
        digit = ""
        body = req.body.decode("utf-8", "replace").strip()
        if ctype.startswith("application/dtmf-relay"):
            for line in body.splitlines():
                k, _, v = line.partition("=")
                if k.strip().lower() == "signal":
                    digit = v.strip()[:1].upper()
        elif ctype.startswith("application/dtmf"):
            digit = body[:1].upper()
        if digit and digit not in _DTMF:
            self._respond(txn, req, 400, warning=f"unknown DTMF signal {digit!r}")
            return
        self._respond(txn, req, 200)
        if digit:
            self._tell("sip_dtmf", digit)

    def ack_received(self, ack: SipRequest) -> None:
        """An ACK within our dialog (for our 2xx to the INVITE or a re-INVITE)."""
        self.handle(SessionIn.ACK, request=ack)

    def cancelled(self) -> None:
        self.handle(SessionIn.CANCELLED)

    def request(self, req: SipRequest, txn: "ServerTransaction") -> None:
        self.handle(SessionIn.REQUEST, request=req, txn=txn)

    # ------------------------------------------------------------------ REFER progress
    def notify_refer(self, status: int, reason: str, final: bool) -> None:
        """NOTIFY the referrer of the transfer's progress (message/sipfrag, RFC 3515)."""
        d = self.dialog
        if d is None or self.state == SessionState.TERMINATED:
            return
        headers, body = refer_notify_fields(status, final, reason=reason,
                                            refer_id=self.refer_subscription)
        ctype = dict(headers).pop("Content-Type")
        req = d.make_request("NOTIFY", self.stack.via(d.target.transport),
                             contact=self.stack.contact_for(d.target), body=body,
                             content_type=ctype,
                             headers=[h for h in headers if h[0] != "Content-Type"])
        self.stack.send_request(req, d.target, lambda r: None, lambda: None)

    def __repr__(self) -> str:
        return f"<InviteSession {'UAS' if self.uas else 'UAC'} {self.call_id} {self.state.value}>"
