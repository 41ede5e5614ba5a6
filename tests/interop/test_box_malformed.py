"""Hundreds of malformed SIP messages (tests/sip/malformed.py) fired at a running box over
UDP and TCP: every answer is a 4xx/5xx (never a 2xx for garbage), the box keeps
running, leaks no dialog or pending INVITE, and a normal call works afterwards."""
from __future__ import annotations

import socket
import time

import pytest

from firmware.sip.message import SipParseError, SipResponse, parse
from tests.interop.boxd import BoxDaemon
from tests.interop.phones import PjPhone
from tests.sip.malformed import corpus

PW = {"921": "Pw-921-malformed", "922": "Pw-922-malformed"}


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with BoxDaemon(tmp_path_factory.mktemp("box"), log_level="warning") as b:
        for n, pw in PW.items():
            b.ctl("extension.add", number=n, sip=True, password=pw)
        yield b


def _answers(sock: socket.socket, until: float) -> list[SipResponse]:
    out = []
    while time.monotonic() < until:
        try:
            data, _ = sock.recvfrom(70000)
        except socket.timeout:
            continue
        try:
            msg = parse(data)
        except SipParseError:
            continue
        if isinstance(msg, SipResponse):
            out.append(msg)
    return out


def _send_tcp(host: str, port: int, data: bytes) -> bytes:
    with socket.create_connection((host, port), timeout=2) as s:
        try:
            s.sendall(data)
            s.settimeout(1.0)
            return s.recv(70000)
        except OSError:
            return b""


def test_malformed_flood_then_a_normal_call(box, tmp_path):
    host, port = box.sip.split(":")
    port = int(port)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.2)
    cport = udp.getsockname()[1]
    cases = corpus(host=host, port=port, client_host="127.0.0.1", client_port=cport)
    assert len(cases) >= 300
    by_call: dict[str, object] = {c.call_id: c for c in cases if c.call_id}
    tcp_answers = []
    for c in cases:
        if c.transport == "tcp":
            tcp_answers.append((c, _send_tcp(host, port, c.data)))
        else:
            try:
                udp.sendto(c.data, (host, port))
            except OSError:
                pass                      # too big for a datagram: nothing reached the box
    answers = _answers(udp, time.monotonic() + 3.0)
    udp.close()
    assert box.ctl("ping") is not None                       # still running
    assert answers, "the box answered none of the malformed requests"
    for r in answers:
        case = by_call.get(r.call_id)
        if case is None or "ok" in case.expect:
            continue
        assert r.status >= 400 or r.status == 100, (case.name, r.status, r.reason)
    for c, raw in tcp_answers:
        if raw.startswith(b"SIP/2.0 2"):
            pytest.fail(f"{c.name}: a malformed request over TCP got {raw[:40]!r}")
    st = box.wait(lambda: (s := box.ctl("sip.status")["stack"]) and s["pending_invites"] == 0 and s, 40,
                  "pending INVITEs to go")
    assert st["dialogs"] == 0, st
    assert st["malformed"] > 100, st
    # a normal call still works
    with PjPhone("921", log_dir=tmp_path) as a, PjPhone("922", log_dir=tmp_path) as b:
        assert a.register(box.sip, "921", PW["921"])["code"] == 200
        assert b.register(box.sip, "922", PW["922"])["code"] == 200
        a.call(f"sip:922@{box.sip}")
        b.wait_event("incoming_call", timeout=5)
        b.answer()
        a.wait_media("active", timeout=5)
        a.hangup()
        b.wait_call_state("DISCONNECTED", timeout=5)
