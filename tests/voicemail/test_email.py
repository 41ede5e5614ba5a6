"""Voicemail to email against a real local SMTP server (aiosmtpd on 127.0.0.1) with
STARTTLS (a self-signed certificate made with openssl) and AUTH; the attachment must be
a playable WAV with the caller's audio.  A server that is down at first gets the email
on a later retry, and the engine never waits for SMTP."""
from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from dsp.audio import read_wav
from tests.firmware.conftest import tone_power
from tests.voicemail.conftest import leave_message, setup_mailboxes

USER, PASSWORD = "vmbox", "s3cret-pw"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
        if ok:
            self.logins.append(mechanism)
        return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    key, crt = d / "key.pem", d / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(crt), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return key, crt


def _server(cert, port: int) -> tuple[Controller, Inbox]:
    key, crt = cert
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(crt), str(key))
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=True,
                     authenticator=inbox.authenticate, auth_require_tls=True)
    ctl.start()
    return ctl, inbox


def _configure(hx, cert, port: int, **mailbox) -> None:
    hx.box.store.update_settings({"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_user": USER,
                                  "smtp_password": PASSWORD, "smtp_from": "pbx@example.com",
                                  "smtp_starttls": True})
    hx.box.voicemail.smtp_cafile = str(cert[1])
    setup_mailboxes(hx, email="owner@example.com", **mailbox)


def _wait(hx, pred, seconds: float = 15.0) -> bool:
    """Run the engine (virtual clock) until ``pred``; between steps block until the SMTP
    worker has an answer from the real server, at most 0.1 s each (``seconds`` in all)."""
    mailer = hx.box.voicemail.mailer
    for _ in range(int(seconds * 10)):
        if pred():
            return True
        mailer.wait_result(0.1)
        hx.run(100)                      # the engine collects the result on its timer
    return pred()


def _wav_of(raw: bytes, tmp_path):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [p for p in msg.iter_attachments() if p.get_content_type() == "audio/wav"]
    assert len(parts) == 1, "no WAV attachment"
    path = tmp_path / "att.wav"
    path.write_bytes(parts[0].get_content())
    return msg, path


def test_email_with_wav_over_starttls_and_auth(hx, cert, tmp_path):
    port = _free_port()
    server, inbox = _server(cert, port)
    try:
        _configure(hx, cert, port)
        leave_message(hx, "fxs2", "801", freq=700)
        assert _wait(hx, lambda: inbox.messages), f"no email arrived: {hx.box.voicemail.email_log}"
        assert inbox.logins, "the box did not authenticate"
        msg, wav = _wav_of(inbox.messages[0], tmp_path)
        assert msg["To"] == "owner@example.com" and msg["From"] == "pbx@example.com"
        assert "802" in msg["Subject"]
        x = read_wav(wav)                                     # playable: 8 kHz mono 16-bit
        assert x.size > 8000 * 2
        assert tone_power(x[1600:-1600], 700) > 0.5
        assert _wait(hx, lambda: hx.box.voicemail.store.messages("801")[0].emailed != "", 5)
        assert hx.box.voicemail.store.counts("801") == (1, 0)     # kept: no delete_after_email
    finally:
        server.stop()


def test_delete_after_email_turns_the_lamp_off(hx, cert, tmp_path):
    port = _free_port()
    server, inbox = _server(cert, port)
    try:
        _configure(hx, cert, port, delete_after_email=True)
        leave_message(hx, "fxs2", "801", freq=700)
        assert _wait(hx, lambda: inbox.messages)
        assert _wait(hx, lambda: hx.box.voicemail.store.counts("801") == (0, 0), 5)
        hx.run(2000)
        assert not hx.phone("fxs1").lamp
    finally:
        server.stop()


def test_server_down_then_retried(hx, cert, tmp_path):
    port = _free_port()
    _configure(hx, cert, port)
    leave_message(hx, "fxs2", "801", freq=700)
    vm = hx.box.voicemail
    assert _wait(hx, lambda: any(e["error"] for e in vm.email_log)), "the failure was not reported"
    assert vm.store.messages("801")[0].emailed == ""
    server, inbox = _server(cert, port)
    try:
        hx.run(61_000)                                        # the retry timer (hal clock)
        assert _wait(hx, lambda: inbox.messages), f"not retried: {vm.email_log}"
        _msg, wav = _wav_of(inbox.messages[0], tmp_path)
        assert tone_power(read_wav(wav)[1600:-1600], 700) > 0.5
    finally:
        server.stop()
