"""The voicemail service of a box: legs for calls, the message store, message-waiting
indication (analog lamp/FSK/stutter and SIP NOTIFY), email, and the follow-up list.

``Box`` makes one and sets ``ctl.voicemail``; the resolver asks it for legs
(:meth:`deposit_leg`, :meth:`retrieval_leg`), the FXS channel asks :meth:`waiting` for
the stutter dial tone, the SIP service asks :meth:`counts_for` for RFC 3842 NOTIFY
bodies and is told by :meth:`changed` (``messages_changed(ext)``) on every change.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from dsp.audio import read_wav

from firmware.calls.call import Call
from firmware.calls.plan import Branch, Stage
from firmware.voicemail.deposit import DepositLeg
from firmware.voicemail.email import MAX_ATTEMPTS, POLL_MS, RETRY_MS, EmailJob, Mailer, SmtpAccount
from firmware.voicemail.leg import VoicemailLeg
from firmware.voicemail.mwi import AnalogMwi
from firmware.voicemail.store import Message, VoicemailStore

if TYPE_CHECKING:
    from firmware.calls.control import CallControl
    from firmware.channels.base import Channel
    from firmware.paths import DataDir

log = logging.getLogger("hotline.voicemail")

FOLLOWUP_ATTEMPTS = 3        #: a reply plus at least two more tries (12333 norm)


class VoicemailService:
    """Voicemail for ``ctl``'s box, files and index under ``data``. ``cdr``: the CDR
    store (outbound calls to a caller count as call-back attempts)."""

    def __init__(self, ctl: "CallControl", data: "DataDir", cdr: Any = None) -> None:
        self.ctl = ctl
        self.cdr = cdr
        self.store = VoicemailStore(data.voicemail_db, data.voicemail)
        self.analog = AnalogMwi(ctl)
        self.mailer = Mailer(self._smtp_account, self._email_result)
        self.smtp_cafile: Optional[str] = None      #: extra CA to trust (tests: self-signed server)
        self.email_log: list[dict] = []              #: last email outcomes (for status)
        self._poll_timer: Any = None
        self.legs: list[VoicemailLeg] = []
        self._shown: dict[str, bool] = {}           #: extension -> messages waiting, as last told
        ctl.voicemail = self
        self.refresh_all(force=True)

    def close(self) -> None:
        self.mailer.close()
        self.store.close()

    # ------------------------------------------------------------------ legs
    def deposit_leg(self, mailbox: str, greeting: str = "unavailable") -> DepositLeg:
        leg = DepositLeg(self, mailbox, greeting)
        self._track(leg)
        return leg

    def retrieval_leg(self, mailbox: Optional[str], own_phone: bool = False) -> VoicemailLeg:
        from firmware.voicemail.retrieval import RetrievalLeg
        leg = RetrievalLeg(self, mailbox, own_phone=own_phone)
        self._track(leg)
        return leg

    def _track(self, leg: VoicemailLeg) -> None:
        self.legs = [x for x in self.legs if getattr(x, "state", None) is None or x.state.value != "gone"]
        self.legs.append(leg)

    def start_retrieval(self, chan: "Channel", dialled: str, own: bool) -> str:
        """A phone dialled the voicemail feature code: a call to a retrieval leg (its own
        mailbox when ``own``). Returns the feature outcome ("picked_up" = in a call)."""
        mailbox = None
        if own:
            mine = [m for m in self.ctl.config.mailboxes_of(chan.number) if m.kind == "extension"]
            if not mine:
                return "invalid"
            mailbox = mine[0].number
        leg = self.retrieval_leg(mailbox, own_phone=own)
        call = Call(self.ctl, chan, dst=dialled, src=chan.number, caller_name=chan.display_name,
                    direction="internal", stage=Stage([Branch([leg], f"vm {mailbox or 'main'}")],
                                                      notes=[f"voicemail {'own ' + mailbox if own else 'main'}"]),
                    start=chan.call_start())
        self.ctl.start_call(call)
        return "picked_up"

    def read_audio(self, path: Path) -> np.ndarray:
        return read_wav(path)

    # ------------------------------------------------------------------ messages
    def is_full(self, mailbox: str) -> bool:
        mb = self.ctl.config.mailbox(mailbox)
        new, old = self.store.counts(mailbox)
        return mb is not None and new + old >= mb.max_messages

    def save_message(self, mailbox: str, recorded: Path, *, duration_ms: int, caller: str,
                     caller_name: str, call_id: str = "", urgent: bool = False) -> Message:
        m = self.store.add(mailbox, recorded, caller=caller, caller_name=caller_name,
                           received=self.ctl.clock.wall_time(), duration_ms=duration_ms,
                           call_id=call_id, urgent=urgent)
        log.info("voicemail %s: new message %d from %s (%d ms)", mailbox, m.id, caller or "unknown", duration_ms)
        self.ctl.publish("voicemail.message", m.to_dict())
        self.changed(mailbox)
        self.email(m)
        return m

    def mark_read(self, m: Message) -> None:
        if m.folder == "new":
            self.store.mark_read(m.id)
            self.changed(m.mailbox)

    def delete(self, mid: int) -> Optional[Message]:
        m = self.store.delete(mid)
        if m is not None:
            self.ctl.publish("voicemail.deleted", {"id": mid, "mailbox": m.mailbox})
            self.changed(m.mailbox)
        return m

    def forward(self, m: Message, to: str) -> Optional[Message]:
        """A copy of ``m`` as a new message in mailbox ``to``; None if ``to`` takes none."""
        mb = self.ctl.config.mailbox(to)
        if mb is None or not mb.enabled or to == m.mailbox or self.is_full(to) or not m.path.exists():
            return None
        new = self.store.add(to, m.path, caller=m.caller, caller_name=m.caller_name,
                             received=self.ctl.clock.wall_time(), duration_ms=m.duration_ms,
                             call_id=m.call_id, urgent=m.urgent, forwarded_from=m.id)
        self.ctl.publish("voicemail.message", {**new.to_dict(), "forwarded_from": m.id})
        self.changed(to)
        self.email(new)
        return new

    # ------------------------------------------------------------------ message waiting
    def counts_for(self, extension: str) -> tuple[int, int]:
        """(new, old) over the mailboxes whose light shows on ``extension``."""
        new = old = 0
        for mb in self.ctl.config.mailboxes_of(extension):
            n, o = self.store.counts(mb.number)
            new, old = new + n, old + o
        return new, old

    def waiting(self, extension: str) -> bool:
        return self.counts_for(extension)[0] > 0

    def changed(self, mailbox: str) -> None:
        """Tell every owner's phone (analog lamp/FSK, SIP NOTIFY) what changed."""
        mb = self.ctl.config.mailbox(mailbox)
        if mb is None:
            return
        new, old = self.store.counts(mailbox)
        self.ctl.publish("voicemail.mwi", {"mailbox": mailbox, "new": new, "old": old})
        for ext in mb.owners:
            self._notify(ext)

    def _notify(self, ext: str, force: bool = False) -> None:
        waiting = self.waiting(ext)
        self._shown[ext] = waiting
        self.analog.update(ext, waiting, force=force)
        sip = self.ctl.sip
        if sip is not None:
            try:
                sip.messages_changed(ext)
            except Exception:                               # pragma: no cover
                log.exception("SIP MWI for %s", ext)

    def refresh_all(self, force: bool = False) -> None:
        """Bring every phone's indicator in line after start-up (``force``: lamps that
        should be on are set again) or a configuration reload (a new or removed mailbox,
        a new member): only phones whose state changed are told."""
        owners = {e for mb in self.ctl.config.mailboxes if mb.enabled for e in mb.owners}
        for ext in sorted(owners | set(self._shown)):
            waiting = self.waiting(ext)
            if force and not waiting:
                self.analog.assume(ext, False)        # lamps start dark: nothing to send
                self._shown[ext] = False
            elif force or self._shown.get(ext, False) != waiting:
                self._notify(ext, force=force)

    # ------------------------------------------------------------------ email
    def _smtp_account(self) -> Optional[SmtpAccount]:
        s = dict(self.ctl.config.settings)
        acc = SmtpAccount.from_settings(s, s.get("box_name", "hotline"))
        if acc is not None and self.smtp_cafile:
            from dataclasses import replace
            acc = replace(acc, cafile=self.smtp_cafile)
        return acc

    def email(self, m: Message) -> bool:
        """Queue the email of message ``m`` if its mailbox has an address (never blocks)."""
        mb = self.ctl.config.mailbox(m.mailbox)
        if mb is None or not mb.email:
            return False
        when = m.received.astimezone(self.ctl.local_time().tzinfo)
        who = f"{m.caller_name} <{m.caller}>" if m.caller_name and m.caller_name != m.caller else (m.caller or "unknown caller")
        body = (f"You have a new voicemail in mailbox {m.mailbox} ({mb.name}).\n\n"
                f"From: {who}\nReceived: {when:%Y-%m-%d %H:%M:%S}\n"
                f"Length: {m.duration_ms / 1000:.0f} s\nMessage: {m.id}\n")
        job = EmailJob(m.id, mb.email, f"New voicemail from {m.caller or 'unknown caller'} (mailbox {m.mailbox})",
                       body, attachment=m.path if mb.attach else None)
        return self._submit(job)

    def _submit(self, job: EmailJob) -> bool:
        if not self.mailer.submit(job):
            log.warning("voicemail message %d: no SMTP server set (settings.smtp_host), email not sent",
                        job.message_id)
            return False
        if self._poll_timer is None:
            self._poll_timer = self.ctl.clock.call_later(POLL_MS, self._poll)
        return True

    def _poll(self) -> None:
        self._poll_timer = None
        self.mailer.poll()
        if self.mailer.in_flight and self._poll_timer is None:
            self._poll_timer = self.ctl.clock.call_later(POLL_MS, self._poll)

    def _email_result(self, job: EmailJob, err: Optional[str]) -> None:
        entry = {"message": job.message_id, "to": job.to, "attempt": job.attempts, "error": err or ""}
        self.email_log.append(entry)
        del self.email_log[:-50]
        if err is None:
            log.info("voicemail message %d emailed to %s", job.message_id, job.to)
            self.store.mark_emailed(job.message_id, self.ctl.clock.wall_time())
            self.ctl.publish("voicemail.emailed", entry)
            m = self.store.get(job.message_id)
            mb = self.ctl.config.mailbox(m.mailbox) if m is not None else None
            if m is not None and mb is not None and mb.delete_after_email and job.attachment is not None:
                self.delete(m.id)
            return
        if job.attempts >= MAX_ATTEMPTS:
            log.error("voicemail message %d: email to %s failed %d times, giving up: %s",
                      job.message_id, job.to, job.attempts, err)
            self.ctl.publish("voicemail.email_failed", entry)
            return
        wait = RETRY_MS * 2 ** (job.attempts - 1)
        log.warning("voicemail message %d: email to %s failed (%s); retrying in %d s",
                    job.message_id, job.to, err, wait // 1000)
        self.ctl.clock.call_later(wait, lambda: self._submit(job))

    # ------------------------------------------------------------------ follow-up
    def record_callback(self, m: Message, how: str, answered: bool = False, call_id: str = "") -> Optional[int]:
        return self.store.add_callback(m.id, self.ctl.clock.wall_time(), how, answered, call_id)

    def _scan_cdrs(self, msgs: list[Message]) -> None:
        """Outbound/internal calls to a caller's number after the message count as attempts."""
        if self.cdr is None or not msgs:
            return
        since = min(m.received for m in msgs)
        try:
            recs = self.cdr.list(limit=None, since=since)
        except Exception:                                       # pragma: no cover
            log.exception("reading CDRs for the voicemail follow-up list")
            return
        for r in recs:
            if r.direction not in ("outbound", "internal") or not r.dst:
                continue
            for m in msgs:
                if len(m.caller) >= 3 and r.start >= m.received and r.dst.endswith(m.caller) \
                        and r.uniqueid != m.call_id:
                    self.store.add_callback(m.id, r.start, "cdr", r.disposition == "ANSWERED" and r.billsec > 0,
                                            r.uniqueid)

    def followups(self, include_done: bool = False) -> list[dict[str, Any]]:
        """Messages not yet called back: overdue after ``voicemail_followup_hours`` (24 h),
        each with its attempts; a message leaves the list once a call-back was answered
        or ``FOLLOWUP_ATTEMPTS`` tries were made (then it shows as "unreachable")."""
        hours = int(self.ctl.config.settings.get("voicemail_followup_hours", 24))
        now = self.ctl.clock.wall_time()
        msgs = [m for m in self.store.all_messages(since=now - dt.timedelta(days=30)) if m.caller]
        self._scan_cdrs(msgs)
        out = []
        for m in msgs:
            cbs = self.store.callbacks(m.id)
            answered = any(c["answered"] for c in cbs)
            age_h = (now - m.received).total_seconds() / 3600
            first = min((dt.datetime.fromisoformat(c["time"]) for c in cbs), default=None)
            if answered:
                status = "done"
            elif len(cbs) >= FOLLOWUP_ATTEMPTS:
                status = "unreachable"
            elif age_h >= hours:
                status = "overdue"
            else:
                status = "open"
            if status in ("done", "unreachable") and not include_done:
                continue
            out.append({"id": m.id, "mailbox": m.mailbox, "caller": m.caller, "caller_name": m.caller_name,
                        "received": m.received.isoformat(), "age_h": round(age_h, 1), "folder": m.folder,
                        "attempts": len(cbs), "answered": answered, "status": status,
                        "first_attempt": first.isoformat() if first else None,
                        "replied_in_time": first is not None and (first - m.received).total_seconds() <= hours * 3600,
                        "attempts_left": max(0, FOLLOWUP_ATTEMPTS - len(cbs)) if not answered else 0})
        out.sort(key=lambda r: (r["status"] != "overdue", r["received"]))
        return out

    # ------------------------------------------------------------------ status
    def mailbox_status(self, number: str) -> dict[str, Any]:
        mb = self.ctl.config.mailbox(number)
        if mb is None:
            raise KeyError(f"no mailbox {number!r}")
        new, old = self.store.counts(number)
        return {"number": number, "name": mb.name, "kind": mb.kind, "owners": list(mb.owners),
                "enabled": mb.enabled, "new": new, "old": old, "email": mb.email,
                "pin_set": bool(mb.pin),
                "greetings": [k for k in ("unavailable", "busy", "temp") if self.store.greeting(number, k)]}

    def status(self) -> dict[str, Any]:
        return {"mailboxes": [self.mailbox_status(m.number) for m in self.ctl.config.mailboxes],
                "active": [leg.status() for leg in self.legs if leg.state.value != "gone"],
                "email": list(self.email_log[-10:]), "email_in_flight": self.mailer.in_flight}
