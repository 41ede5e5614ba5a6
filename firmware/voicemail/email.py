"""Voicemail to email: SMTP (STARTTLS, AUTH) on a worker thread, retried by the engine.

The engine never waits on SMTP: :meth:`Mailer.submit` puts a job on a queue and returns;
one daemon thread sends (``smtplib``, a ``timeout_s`` on every socket operation) and puts
the outcome on a result queue; :meth:`Mailer.poll` (called by the engine's clock every
``POLL_MS``) hands outcomes to ``on_result(job, error)``.  The service retries failed
jobs with the hal clock (``RETRY_MS``, doubling, ``MAX_ATTEMPTS``).
"""
from __future__ import annotations

import logging
import queue
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Callable, Optional

log = logging.getLogger("hotline.voicemail")

POLL_MS = 200
RETRY_MS = 60_000            #: first retry after a failure; doubles each time
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class SmtpAccount:
    host: str
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    starttls: bool = True
    timeout_s: float = 20.0
    cafile: Optional[str] = None        #: trust this CA (tests: the self-signed cert); None = system CAs

    @classmethod
    def from_settings(cls, s: dict, box_name: str = "hotline") -> Optional["SmtpAccount"]:
        if not s.get("smtp_host"):
            return None
        sender = s.get("smtp_from") or f"voicemail@{''.join(c for c in box_name.lower() if c.isalnum()) or 'hotline'}.local"
        return cls(host=s["smtp_host"], port=int(s.get("smtp_port", 587)), user=s.get("smtp_user", ""),
                   password=s.get("smtp_password", ""), sender=sender, starttls=bool(s.get("smtp_starttls", True)))


@dataclass
class EmailJob:
    message_id: int
    to: str
    subject: str
    body: str
    attachment: Optional[Path] = None   #: the WAV (None: no attachment)
    attempts: int = 0


def build_email(job: EmailJob, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = job.to
    msg["Subject"] = job.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(job.body)
    if job.attachment is not None:
        msg.add_attachment(job.attachment.read_bytes(), maintype="audio", subtype="wav",
                           filename=f"voicemail-{job.message_id}.wav")
    return msg


def send(account: SmtpAccount, job: EmailJob) -> None:
    """Send one email now (blocking: worker thread only). Raises on any failure."""
    msg = build_email(job, account.sender)
    with smtplib.SMTP(account.host, account.port, timeout=account.timeout_s) as smtp:
        smtp.ehlo()
        if account.starttls:
            ctx = ssl.create_default_context(cafile=account.cafile)
            smtp.starttls(context=ctx)
            smtp.ehlo()
        if account.user:
            smtp.login(account.user, account.password)
        smtp.send_message(msg)


class Mailer:
    """One worker thread sending jobs; results come back through :meth:`poll`."""

    def __init__(self, account_of: Callable[[], Optional[SmtpAccount]],
                 on_result: Callable[[EmailJob, Optional[str]], None]) -> None:
        self.account_of = account_of
        self.on_result = on_result
        self._jobs: "queue.Queue[Optional[tuple[SmtpAccount, EmailJob]]]" = queue.Queue()
        self._results: "queue.Queue[tuple[EmailJob, Optional[str]]]" = queue.Queue()
        self._thread: Optional[threading.Thread] = None
        self._answered = threading.Condition()         #: notified when a result is queued
        self.in_flight = 0

    def submit(self, job: EmailJob) -> bool:
        """Queue ``job``; False when no SMTP server is configured."""
        account = self.account_of()
        if account is None:
            return False
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="voicemail-smtp", daemon=True)
            self._thread.start()
        job.attempts += 1
        self.in_flight += 1
        self._jobs.put((account, job))
        return True

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            account, job = item
            try:
                send(account, job)
                err = None
            except Exception as e:                    # noqa: BLE001 - any failure is retried
                err = f"{type(e).__name__}: {e}"
            self._results.put((job, err))
            with self._answered:
                self._answered.notify_all()

    def wait_result(self, timeout_s: float) -> bool:
        """Block until a finished job waits for :meth:`poll` (True) or ``timeout_s``
        passes (False). For tools and tests that drive the engine on a virtual clock
        while a real SMTP server answers in real time; the engine itself never waits."""
        with self._answered:
            return self._answered.wait_for(lambda: not self._results.empty(), timeout_s)

    def poll(self) -> int:
        """Hand finished jobs to ``on_result`` (engine thread); returns how many."""
        n = 0
        while True:
            try:
                job, err = self._results.get_nowait()
            except queue.Empty:
                return n
            self.in_flight -= 1
            n += 1
            self.on_result(job, err)

    def close(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=5)
            self._thread = None
