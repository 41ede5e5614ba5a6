"""The management server on a real Unix socket: replies, errors, events, overflow."""
from __future__ import annotations

import asyncio
import json
import os
import socket
import stat

import pytest

from firmware.mgmt.commands import Dispatcher
from firmware.mgmt.protocol import MAX_LINE_BYTES
from firmware.mgmt.server import MgmtServer, MgmtServerError
from tests.mgmt.fixtures import ServerThread, test_dispatcher


class Raw:
    """A bare socket speaking lines, to send what a well-behaved client would not."""

    def __init__(self, path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(str(path))
        self.buf = b""

    def send(self, data: bytes | str | dict) -> None:
        if isinstance(data, dict):
            data = json.dumps(data) + "\n"
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self) -> dict:
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            assert chunk, "server closed the connection"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def ask(self, data) -> dict:
        self.send(data)
        return self.line()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw(server):
    r = Raw(server.server.socket_path)
    yield r
    r.close()


def test_reply_echoes_id_and_result(raw):
    assert raw.ask({"id": 7, "cmd": "add", "args": {"a": 2, "b": 3}}) == {"id": 7, "ok": True, "result": 5}
    assert raw.ask({"id": {"any": ["json"]}, "cmd": "ping"}) == \
        {"id": {"any": ["json"]}, "ok": True, "result": {"pong": True}}
    # no id: null id back; args may be missing
    assert raw.ask({"cmd": "ping"})["id"] is None


def test_utf8_sent_as_is(raw):
    raw.send('{"id": 1, "cmd": "echo", "args": {"name": "前台 Zoë"}}\n')
    data = raw.sock.recv(65536)
    assert "前台 Zoë".encode() in data                 # ensure_ascii=False
    assert data.endswith(b"\n") and data.count(b"\n") == 1


@pytest.mark.parametrize("line, code, words", [
    (b"this is not json\n", "bad_json", "not JSON"),
    (b"\xff\xfe\n", "bad_json", "not UTF-8"),
    (b'[1, 2, 3]\n', "bad_request", "list"),
    (b'{"id": 4, "args": {}}\n', "bad_request", '"cmd"'),
    (b'{"id": 4, "cmd": 12}\n', "bad_request", '"cmd"'),
    (b'{"id": 4, "cmd": "echo", "args": [1]}\n', "bad_request", '"args"'),
])
def test_malformed_line_gets_error_and_connection_stays_up(raw, line, code, words):
    reply = raw.ask(line)
    assert reply["ok"] is False and reply["error"]["code"] == code
    assert words in reply["error"]["message"]
    if b'"id": 4' in line:
        assert reply["id"] == 4
    assert raw.ask({"id": 2, "cmd": "ping"})["result"] == {"pong": True}


def test_huge_line_is_refused_and_connection_keeps_working(raw):
    big = b'{"cmd": "echo", "args": {"x": "' + b"a" * (3 * MAX_LINE_BYTES) + b'"}}\n'
    raw.send(big)
    reply = raw.line()
    assert reply["error"]["code"] == "bad_request"
    assert "limit is 65536 bytes" in reply["error"]["message"]
    assert raw.ask({"id": 3, "cmd": "add", "args": {"a": 1, "b": 1}})["result"] == 2
    # a line just under the limit is fine
    ok = json.dumps({"id": 9, "cmd": "echo", "args": {"x": "b" * (MAX_LINE_BYTES - 100)}}) + "\n"
    assert raw.ask(ok)["ok"] is True


def test_unknown_command(raw):
    reply = raw.ask({"id": 1, "cmd": "nosuch"})
    assert reply["error"]["code"] == "unknown_command"
    assert "nosuch" in reply["error"]["message"] and "help" in reply["error"]["message"]


def test_bad_args_and_failed_and_internal_error(raw):
    missing = raw.ask({"id": 1, "cmd": "add", "args": {"a": 1}})
    assert missing["error"] == {"code": "bad_args", "message": "missing argument 'b'"}
    wrong = raw.ask({"id": 2, "cmd": "add", "args": {"a": 1, "b": "two"}})
    assert wrong["error"]["code"] == "bad_args" and "two" in wrong["error"]["message"]
    failed = raw.ask({"id": 3, "cmd": "fail"})
    assert failed["error"] == {"code": "failed", "message": "the line is busy"}
    boom = raw.ask({"id": 4, "cmd": "boom"})
    assert boom["error"]["code"] == "failed"
    assert boom["error"]["message"] == "internal error: RuntimeError: kaput"
    # the server lives on
    assert raw.ask({"id": 5, "cmd": "ping"})["ok"] is True


def test_pipelined_requests_are_answered_in_order(raw):
    lines = "".join(json.dumps({"id": i, "cmd": "slow" if i % 2 else "echo",
                                "args": {"n": i, "yields": 5}}) + "\n" for i in range(20))
    raw.send(lines)
    assert [raw.line()["id"] for _ in range(20)] == list(range(20))


def test_help_lists_commands_with_their_help(raw):
    cmds = {c["name"]: c["help"] for c in raw.ask({"cmd": "help"})["result"]["commands"]}
    assert {"help", "ping", "subscribe", "unsubscribe", "echo", "add", "status"} <= set(cmds)
    assert cmds["add"] == "a + b"
    one = raw.ask({"cmd": "help", "args": {"command": "add"}})["result"]["commands"]
    assert one == [{"name": "add", "help": "a + b"}]
    assert raw.ask({"cmd": "help", "args": {"command": "zzz"}})["error"]["code"] == "bad_args"


def test_subscribe_with_prefix_filter(server, raw):
    assert raw.ask({"id": 1, "cmd": "subscribe", "args": {"events": ["call."]}})["result"] == \
        {"subscribed": True, "events": ["call."]}
    other = Raw(server.server.socket_path)          # not subscribed: gets nothing
    try:
        server.publish("port.state", {"port": "fxs1"})
        server.publish("call.state", {"id": "c1", "state": "ringing"})
        assert raw.line() == {"event": "call.state", "data": {"id": "c1", "state": "ringing"}}
        # replies and events interleave on one connection; the event key tells them apart
        assert raw.ask({"id": 2, "cmd": "ping"}) == {"id": 2, "ok": True, "result": {"pong": True}}
        assert other.ask({"id": 1, "cmd": "ping"})["id"] == 1   # no event queued before it
        assert raw.ask({"id": 3, "cmd": "unsubscribe"})["result"] == {"subscribed": False}
        server.publish("call.state", {"id": "c1", "state": "talk"})
        assert raw.ask({"id": 4, "cmd": "ping"})["id"] == 4      # the event did not come
    finally:
        other.close()


def test_subscribe_all_and_bad_filter(server, raw):
    assert raw.ask({"cmd": "subscribe"})["result"]["events"] == []
    server.publish("port.state", {"port": "fxo1"})
    assert raw.line()["event"] == "port.state"
    bad = raw.ask({"cmd": "subscribe", "args": {"events": [1]}})
    assert bad["error"]["code"] == "bad_args" and "prefixes" in bad["error"]["message"]


@pytest.mark.parametrize("yield_every", [0, 5])
def test_slow_client_gets_overflow_notice(datadir, yield_every):
    srv = ServerThread(test_dispatcher(), datadir / "hotline.sock", max_queued_events=50)
    raw = Raw(srv.server.socket_path)
    try:
        raw.ask({"cmd": "subscribe", "args": {"events": ["call."]}})
        raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        payload = {"pad": "x" * 2000}
        srv.publish("call.flood", payload, times=3000, yield_every=yield_every)   # ~6 MB: far more than socket buffers
        srv.publish("call.last", {"n": 1})
        got, dropped = [], 0
        while True:
            msg = raw.line()
            if msg["event"] == "mgmt.overflow":
                dropped += msg["data"]["dropped"]
            else:
                got.append(msg["event"])
            if msg["event"] == "call.last":
                break
        assert dropped > 0
        assert len(got) + dropped == 3001                # every event either came or was counted
        assert got[-1] == "call.last"                     # the newest are kept, the oldest dropped
        assert raw.ask({"id": 1, "cmd": "ping"})["id"] == 1
    finally:
        raw.close()
        srv.stop()


def test_two_clients_at_once(server):
    a, b = Raw(server.server.socket_path), Raw(server.server.socket_path)
    try:
        a.send({"id": "a", "cmd": "add", "args": {"a": 1, "b": 1}})
        b.send({"id": "b", "cmd": "add", "args": {"a": 2, "b": 2}})
        assert b.line() == {"id": "b", "ok": True, "result": 4}
        assert a.line() == {"id": "a", "ok": True, "result": 2}
        assert server.server.clients == 2
    finally:
        a.close()
        b.close()


def test_socket_file_mode_and_removed_at_stop(datadir):
    path = datadir / "hotline.sock"
    srv = ServerThread(test_dispatcher(), path)
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660
    srv.stop()
    assert not path.exists()


def test_stale_socket_file_is_replaced(datadir):
    path = datadir / "hotline.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))                  # a socket file nobody listens on (a crashed daemon)
    dead.close()
    assert path.exists()
    srv = ServerThread(test_dispatcher(), path)
    try:
        r = Raw(path)
        assert r.ask({"cmd": "ping"})["ok"] is True
        r.close()
    finally:
        srv.stop()


def test_refuses_to_start_when_a_live_daemon_answers(server):
    other = MgmtServer(Dispatcher(), server.server.socket_path)
    with pytest.raises(MgmtServerError, match="another Hotline daemon is already serving"):
        asyncio.run(other.start())
    r = Raw(server.server.socket_path)          # the first one is untouched
    assert r.ask({"cmd": "ping"})["ok"] is True
    r.close()


def test_refuses_a_regular_file_and_a_too_long_path(datadir, tmp_path):
    path = datadir / "hotline.sock"
    path.write_text("not a socket")
    with pytest.raises(MgmtServerError, match="is not a socket"):
        asyncio.run(MgmtServer(Dispatcher(), path).start())
    assert path.read_text() == "not a socket"
    long = datadir / ("d" * 120) / "hotline.sock"
    with pytest.raises(MgmtServerError, match="at most 107 bytes"):
        asyncio.run(MgmtServer(Dispatcher(), long).start())


def test_register_refuses_duplicates_and_builtins():
    d = Dispatcher()
    d.register("x", lambda a: 1)
    with pytest.raises(ValueError, match="already registered"):
        d.register("x", lambda a: 2)
    d.register("x", lambda a: 3, replace=True)
    with pytest.raises(ValueError, match="built in"):
        d.register("subscribe", lambda a: 0, replace=True)
    assert asyncio.run(_dispatch(d, "x"))["result"] == 3


async def _dispatch(d, cmd, **args):
    from firmware.mgmt.protocol import Request
    return await d.dispatch(Request(cmd=cmd, args=args))


def test_keyword_commands_name_wrong_arguments():
    d = Dispatcher()

    @d.command("dial")
    def dial(port: str, digits: str, pause_ms: int = 0) -> dict:
        """dial digits on a simulated phone"""
        return {"port": port, "digits": digits, "pause_ms": pause_ms}

    @d.command("later")
    async def later(n: int) -> int:
        return n + 1

    ok = asyncio.run(_dispatch(d, "dial", port="fxs1", digits="802"))
    assert ok["result"] == {"port": "fxs1", "digits": "802", "pause_ms": 0}
    assert asyncio.run(_dispatch(d, "later", n=1))["result"] == 2
    extra = asyncio.run(_dispatch(d, "dial", port="fxs1", digits="1", colour="red"))
    assert extra["error"] == {"code": "bad_args",
                              "message": "unexpected argument 'colour' (takes: port, digits, pause_ms)"}
    missing = asyncio.run(_dispatch(d, "dial", port="fxs1"))
    assert missing["error"] == {"code": "bad_args", "message": "missing argument 'digits'"}
    helps = asyncio.run(_dispatch(d, "help"))["result"]["commands"]
    assert {"name": "dial", "help": "dial digits on a simulated phone"} in helps
