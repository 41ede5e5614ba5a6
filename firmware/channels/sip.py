"""The SIP channel: one call leg to or from an IP phone or a SIP trunk, as one explicit
state machine.

Unlike an analog port, a SIP leg exists for one call: a phone's INVITE creates an A leg
(the phone calls), ringing a SIP extension creates a B leg that forks an INVITE to every
registered contact of the extension (the first to answer wins, the others are
cancelled), an outside call through a SIP trunk creates a B leg to the provider, and a
call from the provider creates an A leg. Its audio is an :class:`~firmware.sip.media.
RtpSession` on a network row of the switch (jitter buffer, PLC, RFC 4733 in and out),
so bridges, music on hold, prompts and recorders treat it like any other row.

Signalling map: ringback → 180, early media from an outside line → 183 with SDP,
answered → 200, busy → 486, no such number → 404, refused (rights, limits) → 403,
anything else → 480. From the network: 486/600/603 → busy, 404/484/410 → no such
number (congestion), 480/408 → no answer; BYE or CANCEL → hang-up. A re-INVITE that puts
the box on hold (sendonly / inactive) gives the other party music on hold; REFER
transfers (blind, or attended with Replaces) with NOTIFY sipfrag progress.
"""
from __future__ import annotations

import enum
import logging
from typing import TYPE_CHECKING, Any, Optional

from firmware.channels.base import Channel
from firmware.channels.fxs import CONFIRM_TONE
from firmware.engine.switch import NoFreeRow
from firmware.routing.dialplan import Match, TargetKind
from firmware.sip import sdp as sdpmod
from firmware.sip.media import RtpSession
from firmware.sip.session import InviteSession

if TYPE_CHECKING:
    from firmware.calls.call import Call
    from firmware.channels.sip_service import SipService

log = logging.getLogger("hotline.channels.sip")

#: how long a feature-code result plays before the box hangs up (ms)
FEATURE_PLAY_MS = 4000

BUSY_CODES = {486, 600, 603}
NOT_FOUND_CODES = {404, 484, 410, 604}
NO_ANSWER_CODES = {480, 408, 487}


class SipState(str, enum.Enum):
    IDLE = "idle"              #: just made
    INCOMING = "incoming"      #: A: the far end's INVITE is being routed (we send 180/183)
    OFFERED = "offered"        #: B: our INVITE(s) are ringing
    TALKING = "talking"        #: answered (on hold or not)
    FEATURE = "feature"        #: A: a feature code's result is playing, then we hang up
    ENDED = "ended"


class SipIn(str, enum.Enum):
    INVITE = "invite"          #: A: data: session, number (what was dialled)
    OFFER = "offer"            #: B: data: call
    CANCEL = "cancel"          #: the call no longer wants us (B ringing)
    PROGRESS = "progress"      #: A: data: call, kind
    FAR_HANGUP = "far_hangup"  #: B: the other party hung up
    CONNECTED = "connected"    #: B: answered and bridged (pickup: answer the INVITE now)
    NET_PROGRESS = "net_progress"    #: data: session, status, media
    NET_ANSWERED = "net_answered"    #: data: session, media
    NET_FAILED = "net_failed"        #: data: session, status, reason
    NET_GONE = "net_gone"            #: data: session, why (BYE, CANCEL, no ACK)
    NET_MEDIA = "net_media"          #: data: media (re-INVITE: hold / resume)
    DIGIT = "digit"                  #: data: digit, source ("rfc4733", "info", "inband")
    REFER = "refer"                  #: data: session, request, txn
    TIMEOUT = "timeout"              #: data: what


class SipLeg(Channel):
    """One SIP call leg. ``extension`` is set for legs to/from a SIP extension, ``trunk``
    for legs to/from a SIP trunk."""

    State = SipState
    tech = "SIP"

    def __init__(self, service: "SipService", name: str, *, extension: Any = None,
                 trunk: Any = None) -> None:     # noqa: D107 - no hal port behind a SIP leg
        self.ctl = service.ctl
        self.service = service
        self.port = None                           # type: ignore[assignment]
        self.name = name
        self.row: Optional[int] = None
        self.state = SipState.IDLE
        self.call: Optional["Call"] = None
        self.since_tick = self.ctl.clock.ticks
        self._timer = None
        self._timer_gen = 0
        self.start_tick: Optional[int] = self.ctl.clock.ticks
        self.extension = extension
        self.trunk = trunk
        self.rtp: Optional[RtpSession] = None
        self.session: Optional[InviteSession] = None     # the leg's dialog (A, or the B fork that answered)
        self.forks: list[InviteSession] = []
        self.fork_failures: list[int] = []
        self.dialled = ""
        self.remote_number = ""
        self.remote_name = ""
        self.on_hold = False

    # ------------------------------------------------------------------ identity
    @property
    def number(self) -> str:
        if self.extension is not None:
            return self.extension.number
        return self.remote_number

    @property
    def display_name(self) -> str:
        if self.extension is not None:
            return self.extension.name
        return self.remote_name

    def caller_identity(self) -> tuple[str, str]:
        return self.number, self.display_name

    # ------------------------------------------------------------------ media
    def _open_media(self) -> None:
        if self.rtp is not None:
            return
        svc = self.service
        rtp = RtpSession(law="alaw", on_dtmf=self._rtp_dtmf, jitter=svc.jitter_buffer())
        port = rtp.bind(svc.media_host, svc.rtp_ports)
        try:
            self.row = self.ctl.switch.attach(rtp)
        except NoFreeRow:
            rtp.close()
            raise
        self.rtp = rtp
        self.ctl.bind_row(self)
        for s in [self.session, *self.forks]:
            if s is not None:
                s.media_addr = (svc.advertise_host, port)

    def _media(self, media: Optional[sdpmod.MediaParams]) -> None:
        """Point our RTP at what the far end's SDP says (codec, address, DTMF type)."""
        if media is None or self.rtp is None:
            return
        rtp = self.rtp
        law = "ulaw" if media.codec.name == "PCMU" else "alaw"
        if law != rtp.law:
            rtp.set_law(law)
        if media.dtmf_pt is not None:
            rtp.dtmf_pt = media.dtmf_pt
        if media.remote_port and media.remote_addr not in ("0.0.0.0", "::"):
            rtp.set_remote(media.remote_addr, media.remote_port, media.rtcp_port)

    def _close_media(self) -> None:
        if self.row is not None:
            self.ctl.unbind_row(self)
            self.ctl.switch.detach(self.row)
            self.row = None
        if self.rtp is not None:
            self.rtp.close()
            self.rtp = None

    def _rtp_dtmf(self, digit: str, phase: str, duration_ms: Optional[float]) -> None:
        if phase == "start":
            self.handle(SipIn.DIGIT, digit=digit, source="rfc4733")

    # ------------------------------------------------------------------ the switch / call control
    def digit(self, d: str) -> None:
        """An in-band digit the switch's DTMF receiver heard on our row."""
        if self.rtp is not None and self.rtp.st.dtmf_events:
            return                           # the phone sends RFC 4733: the audio copy is not a digit
        self.handle(SipIn.DIGIT, digit=d, source="inband")

    def offer(self, call: "Call") -> bool:
        if self.state != SipState.IDLE:
            return False
        self.handle(SipIn.OFFER, call=call)
        return self.state == SipState.OFFERED

    def cancel(self, call: "Call") -> None:
        if call is self.call:
            self.handle(SipIn.CANCEL)

    def progress(self, call: "Call", kind: str) -> None:
        if call is self.call:
            self.handle(SipIn.PROGRESS, call=call, kind=kind)

    def far_hangup(self, call: "Call") -> None:
        if call is self.call:
            self.handle(SipIn.FAR_HANGUP)

    def connected(self, call: "Call") -> None:
        self.handle(SipIn.CONNECTED, call=call)

    def player_done(self, player: Any) -> None:
        if self.state == SipState.FEATURE:
            self._hang_up_now()
            return
        super().player_done(player)

    # ------------------------------------------------------------------ SessionOwner
    def sip_progress(self, s: InviteSession, status: int, media: Optional[sdpmod.MediaParams]) -> None:
        self.handle(SipIn.NET_PROGRESS, session=s, status=status, media=media)

    def sip_answered(self, s: InviteSession, media: Optional[sdpmod.MediaParams]) -> None:
        self.handle(SipIn.NET_ANSWERED, session=s, media=media)

    def sip_failed(self, s: InviteSession, status: int, reason: str) -> None:
        self.handle(SipIn.NET_FAILED, session=s, status=status, reason=reason)

    def sip_cancelled(self, s: InviteSession) -> None:
        self.handle(SipIn.NET_GONE, session=s, why="cancel")

    def sip_ended(self, s: InviteSession, why: str) -> None:
        self.handle(SipIn.NET_GONE, session=s, why=why)

    def sip_media(self, s: InviteSession, media: sdpmod.MediaParams) -> None:
        self.handle(SipIn.NET_MEDIA, media=media)

    def sip_dtmf(self, s: InviteSession, digit: str) -> None:
        self.handle(SipIn.DIGIT, digit=digit, source="info")

    def sip_refer(self, s: InviteSession, request: Any, txn: Any) -> None:
        self.handle(SipIn.REFER, session=s, request=request, txn=txn)

    # ------------------------------------------------------------------ the transition function
    def handle(self, inp: SipIn, **data: Any) -> None:  # noqa: C901 - one machine, one place
        st = self.state
        if st == SipState.ENDED:
            if inp in (SipIn.NET_ANSWERED,) and data.get("session") is not None:
                data["session"].hangup()           # answered after we gave up: end it
            return

        if inp == SipIn.INVITE and st == SipState.IDLE:
            self._incoming(data["session"], data.get("number", ""))
            return

        if inp == SipIn.OFFER and st == SipState.IDLE:
            self._ring(data["call"])
            return

        if inp == SipIn.DIGIT:
            self._digit(data["digit"])
            return

        if st == SipState.INCOMING:
            if inp == SipIn.PROGRESS:
                self._a_progress(data["kind"])
            elif inp == SipIn.NET_GONE:
                self._gone()
            elif inp == SipIn.CONNECTED:          # picked up a ringing call (*8): answer now
                self.call = data["call"]
                self._answer_a()
            return

        if st == SipState.OFFERED:
            s = data.get("session")
            if inp == SipIn.NET_PROGRESS:
                if data["status"] in (180, 183) and self.call is not None:
                    early = data["status"] == 183 and data.get("media") is not None
                    if early:
                        self.session = s
                        self._media(data["media"])
                    self.call.target_alerting(self, early_media=early)
            elif inp == SipIn.NET_ANSWERED:
                self.session = s
                for f in self.forks:
                    if f is not s:
                        f.hangup()
                self.forks = [s]
                self._media(data.get("media"))
                self.set_state(SipState.TALKING)
                if self.call is not None:
                    self.call.answered_by(self)
            elif inp == SipIn.NET_FAILED:
                self.fork_failures.append(data["status"])
                if all(f.ended for f in self.forks):
                    self._all_forks_failed()
            elif inp == SipIn.NET_GONE:
                if all(f.ended for f in self.forks):
                    self._all_forks_failed()
            elif inp == SipIn.CANCEL:
                self._end_sessions()
                self._finish()
            return

        if st == SipState.TALKING:
            if inp == SipIn.NET_GONE:
                self._gone()
            elif inp in (SipIn.FAR_HANGUP,):
                self._end_sessions()
                self._finish()
            elif inp == SipIn.PROGRESS:
                if data["kind"] == "ended":
                    self._end_sessions()
                    self._finish()
            elif inp == SipIn.NET_MEDIA:
                self._reinvited(data["media"])
            elif inp == SipIn.REFER:
                self.service.transfers.refer(self, data["session"], data["request"], data["txn"])
            elif inp == SipIn.CONNECTED:
                pass
            return

        if st == SipState.FEATURE:
            if inp in (SipIn.NET_GONE,):
                self._finish()
            elif inp == SipIn.TIMEOUT:
                self._hang_up_now()
            return

    # ------------------------------------------------------------------ A side
    def _incoming(self, s: InviteSession, number: str) -> None:
        self.service.leg_active(self)
        self.session = s
        s.owner = self
        s.codecs = self.service.codecs()
        self.dialled = number
        try:
            self._open_media()
        except (OSError, NoFreeRow) as e:
            log.warning("%s: refused, no media: %s", self.name, e)
            s.reject(503, "Service Unavailable (all network channels in use)"
                     if isinstance(e, NoFreeRow) else "No media port")
            self._finish()
            return
        if s.remote_sdp is not None:
            try:
                sdpmod.negotiate(s.remote_sdp, s.codecs, "127.0.0.1", 10000)
            except sdpmod.NoCommonCodec as e:
                log.info("%s: %s", self.name, e)
                s.reject(488, "Not Acceptable Here")
                self._finish()
                return
        self.set_state(SipState.INCOMING)
        if self.trunk is not None:
            self.service.inbound_from_trunk(self, number)
            return
        look = self.ctl.dialplan.lookup(number + "#")
        if look.match == Match.COMPLETE and look.target.kind == TargetKind.FEATURE:
            self._feature(look.target.number, look.target.arg)
            return
        if number[:1] in ("*", "#"):
            self._feature_result("invalid")
            return
        if self.ctl.needs_pin(self, number):
            log.info("%s dialled %s: needs the extension PIN, which SIP phones cannot enter yet", self.name, number)
            self.ctl.tollguard.refuse(self.number, number, "international call needs the PIN (not asked on SIP phones)")
            s.reject(403, "PIN required")
            self._finish()
            return
        self.ctl.place_call(self, number)

    def _a_progress(self, kind: str) -> None:
        s = self.session
        if s is None:
            return
        if kind == "ringback":
            s.ring(early_media=False)
        elif kind == "early":
            s.ring(early_media=True)
            self._media(s.media)
        elif kind == "answered":
            self._answer_a()
        elif kind in ("busy", "congestion", "ended"):
            s.reject(self._reject_code(kind))
            self._finish()

    def _answer_a(self) -> None:
        s = self.session
        if s is None:
            return
        s.answer()
        self._media(s.media)
        self.set_state(SipState.TALKING)

    def _reject_code(self, kind: str) -> int:
        if kind == "busy":
            return 486
        call = self.call
        refusal = (call.stage.refusal if call is not None else "") or ""
        if refusal.startswith("no such number") or refusal == "no inbound route":
            return 404
        return 403 if refusal else 480

    def _feature(self, name: str, arg: str) -> None:
        outcome = self.ctl.features.run(self, name, arg)
        if outcome == "picked_up":
            return                     # connected() answered the INVITE
        self._feature_result(outcome)

    def _feature_result(self, outcome: str) -> None:
        """Answer, play the confirmation / invalid prompt, then hang up."""
        if outcome in ("on", "off"):
            player = self.ctl.prompt("feature_on" if outcome == "on" else "feature_off", fallback=CONFIRM_TONE)
        else:
            player = self.ctl.prompt("not_allowed" if outcome == "refused" else "invalid_code", fallback="info",
                                     lead_tone=("info", 2400))
        self._answer_a()
        self.set_state(SipState.FEATURE)
        self.play(player)
        self.start_timer(FEATURE_PLAY_MS * 3, SipIn.TIMEOUT, what="feature")

    def _hang_up_now(self) -> None:
        self._end_sessions()
        self._finish()

    # ------------------------------------------------------------------ B side
    def _ring(self, call: "Call") -> None:
        self.call = call
        if self.trunk is not None:
            targets = [self.service.trunk_target(self.trunk, call.number_for(self))]
        else:
            targets = [self.service.binding_target(b) for b in self.service.bindings(self.extension.number)]
        targets = [t for t in targets if t is not None]
        if not targets:
            self.call = None
            return
        try:
            self._open_media()
        except (OSError, NoFreeRow) as e:
            log.warning("%s: cannot ring, no media: %s", self.name, e)
            self.call = None
            return
        self.service.leg_active(self)
        self.set_state(SipState.OFFERED)
        for target, ruri, to, headers in targets:
            s = self.service.invite(self, target, ruri, to, headers, call)
            self.forks.append(s)

    def _all_forks_failed(self) -> None:
        codes = self.fork_failures
        if any(c in BUSY_CODES for c in codes):
            reason = "busy"
        elif any(c in NO_ANSWER_CODES for c in codes):
            reason = "no_answer"
        else:
            reason = "congestion"
        call = self.call
        self._finish()
        if call is not None:
            call.target_failed(self, reason)

    # ------------------------------------------------------------------ both
    def _digit(self, d: str) -> None:
        self.ctl.publish("port.digit", {"port": self.name, "digit": d})
        if self.call is not None and self.state == SipState.TALKING:
            self.call.digit(self, d)

    def _reinvited(self, media: sdpmod.MediaParams) -> None:
        self._media(media)
        call = self.call
        if call is None:
            return
        if media.remote_hold and not self.on_hold:
            self.on_hold = True
            call.hold(self)
        elif not media.remote_hold and self.on_hold:
            self.on_hold = False
            call.unhold(self)

    def _gone(self) -> None:
        """The far end hung up (BYE, CANCEL, or never ACKed)."""
        call = self.call
        self._finish()
        if call is not None:
            call.hangup(self)

    def _end_sessions(self) -> None:
        for s in [self.session, *self.forks]:
            if s is not None and not s.ended:
                s.hangup()

    def _finish(self) -> None:
        self.cancel_timer()
        self._close_media()
        self.set_state(SipState.ENDED)
        self.service.leg_ended(self)

    def recall_channel(self) -> Optional["Channel"]:
        """Who to ring back after an unanswered blind transfer: a new leg to our extension."""
        if self.extension is None:
            return None
        return self.service.extension_leg(self.extension)

    def reject(self, action: str, player: Any = None) -> None:
        """Refuse a blocked caller (caller lists): ``hangup`` 603, ``busy`` 486, ``prompt``
        answers and plays ``player`` then hangs up, ``ignore`` lets it ring unanswered."""
        s = self.session
        if s is None:
            return
        if action == "prompt" and player is not None:
            self._answer_a()
            self.set_state(SipState.FEATURE)
            self.play(player)
            self.start_timer(FEATURE_PLAY_MS * 3, SipIn.TIMEOUT, what="feature")
        elif action == "ignore":
            s.ring(early_media=False)
        else:
            s.reject(486 if action == "busy" else 603)
            self._finish()

    def leave_quietly(self) -> None:
        """A transfer took our party away: end our dialog(s) without touching the call."""
        self.call = None
        self._end_sessions()
        self._finish()

    def status(self) -> dict[str, Any]:
        s = self.session
        d: dict[str, Any] = {"name": self.name, "tech": "SIP", "state": self.state.value,
                             "since_s": round((self.ctl.clock.ticks - self.since_tick) * 0.02, 1),
                             "call": self.call.id if self.call else None,
                             "extension": self.extension.number if self.extension else None,
                             "trunk": self.trunk.name if self.trunk else None,
                             "call_id": s.call_id if s else None, "on_hold": self.on_hold}
        if self.rtp is not None:
            st = self.rtp.statistics()
            d["media"] = {"codec": "PCMU" if self.rtp.law == "ulaw" else "PCMA",
                          "sent": st.packets_sent, "received": st.packets_received, "lost": st.lost,
                          "late": st.late, "jitter_ms": round(st.jitter_ms, 1), "concealed": st.concealed}
        return d

    def __repr__(self) -> str:
        return f"<SipLeg {self.name} {self.state.value}>"

