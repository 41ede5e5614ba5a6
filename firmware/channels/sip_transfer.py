"""Transfers asked for by SIP phones with REFER (RFC 3515): blind, and attended with
Replaces (RFC 3891), reported back by NOTIFY message/sipfrag.

* **Blind** — the phone talking to X sends ``REFER Refer-To: <sip:802@box>``: the box
  answers 202, calls 802 on behalf of the phone (its dial rights), and X takes the
  phone's place in that new call, hearing ringback; the phone gets ``NOTIFY 200`` and
  its dialog ends. If nobody answers within ``transfer_recall_ms`` the phone's
  extension is rung back (like an analog blind transfer).
* **Attended** — the phone has X on hold and a consultation call with Y, then sends
  ``REFER Refer-To: <sip:Y@box?Replaces=<consult dialog>>`` on X's dialog: X takes the
  phone's place in the consultation call (talking to Y at once), both of the phone's
  dialogs end, and the CDRs say "attended transfer by 801".
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from firmware.calls.call import CallState
from firmware.sip.message import make_response, new_tag
from firmware.sip.refer import ReferError, parse_refer

if TYPE_CHECKING:
    from firmware.channels.sip import SipLeg
    from firmware.channels.sip_service import SipService
    from firmware.sip.session import InviteSession

log = logging.getLogger("hotline.sip.transfer")


class SipTransfers:
    def __init__(self, service: "SipService") -> None:
        self.service = service
        self.ctl = service.ctl

    def refer(self, leg: "SipLeg", s: "InviteSession", request: Any, txn: Any) -> None:
        """A REFER arrived in ``leg``'s dialog ``s``: answer it and run the transfer."""
        try:
            refer = parse_refer(request)
        except ReferError as e:
            resp = make_response(request, e.status, to_tag=s.local_tag)
            resp.add("Warning", f'399 hotline "{e.reason[:150]}"')
            txn.respond(resp)
            return
        call = leg.call
        party = call.other(leg) if call is not None else None
        if call is None or party is None or call.state != CallState.ANSWERED:
            txn.respond(make_response(request, 603, "Nothing to transfer", to_tag=s.local_tag))
            return
        txn.respond(make_response(request, 202, to_tag=s.local_tag or new_tag()))
        s.refer_subscription = request.cseq.number
        s.notify_refer(100, "Trying", final=False)
        if refer.replaces is not None:
            self._attended(leg, s, refer)
        else:
            self._blind(leg, s, refer.target.user or "")

    # ------------------------------------------------------------------ blind
    def _blind(self, leg: "SipLeg", s: "InviteSession", number: str) -> None:
        held = leg.call
        if not number:
            s.notify_refer(404, "Not Found", final=True)
            return
        consult = self.ctl.place_call(leg, number, linkedid=held.linkedid, pin_ok=True)
        if consult is None or consult.state == CallState.ENDED:
            s.notify_refer(404 if consult is not None and consult.disposition == "FAILED" else 486,
                           "Not Found" if consult is not None and consult.disposition == "FAILED" else "Busy Here",
                           final=True)
            return
        self.ctl.transfer(leg, held, consult)
        s.notify_refer(200, "OK", final=True)
        leg.leave_quietly()

    # ------------------------------------------------------------------ attended
    def _attended(self, leg: "SipLeg", s: "InviteSession", refer: Any) -> None:
        r = refer.replaces
        stack = self.service.stack
        other = stack.find_dialog(r.call_id, r.to_tag, r.from_tag) or \
            stack.find_dialog(r.call_id, r.from_tag, r.to_tag)
        other_leg = getattr(other, "owner", None)
        consult = getattr(other_leg, "call", None)
        held = leg.call
        if other_leg is None or consult is None or consult is held or consult.state == CallState.ENDED:
            log.info("%s: REFER with Replaces names no call of ours (%s)", leg.name, r.call_id)
            s.notify_refer(481, "Call Does Not Exist", final=True)
            return
        party = held.other(leg)
        who = leg.number
        kind = "attended" if consult.state == CallState.ANSWERED else "blind"
        note = f"{kind} transfer by {who}"
        held.end_by_transfer(leg, note)
        consult.replace_party(other_leg, party, note)
        self.ctl.publish("call.transfer", {"by": who, "kind": kind, "call": consult.id,
                                           "linkedid": consult.linkedid})
        s.notify_refer(200, "OK", final=True)
        other_leg.leave_quietly()
        leg.leave_quietly()
