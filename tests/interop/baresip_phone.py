"""A second real handset for tests: Debian's baresip 1.0, driven over its ctrl_tcp socket.

``BaresipPhone(name, log_dir, source_wav=None)`` writes a temporary config dir
(``config`` + ``accounts``), starts ``baresip -f <dir> -n 127.0.0.1`` bound to 127.0.0.1 and
talks to the ``ctrl_tcp`` module: netstring-framed JSON commands (``{"command":
"dial", "params": "...", "token": "7"}``) with replies carrying the token, and
events (``{"event": true, "class": "call", "type": "CALL_INCOMING", ...}``).

Audio: the source is the ``aufile`` module playing ``source_wav`` (8 kHz mono 16-bit
PCM, e.g. from ``audio.tone_wav``; silence when None); Debian's baresip has no file
*player*, so what the phone hears is dumped by the ``sndfile`` filter into
``<log_dir>/<name>-snd/dump-*-dec.wav`` (``heard_wav()`` finds it; the file is complete
after the call ended).  DTMF goes out as RFC 4733 events (``send_dtmf``).

Commands are the ``menu`` module's: dial, accept, hangup, sndcode, hold/resume,
transfer, listcalls, reginfo.  Baresip's stdout/stderr go to ``<log_dir>/<name>.log``.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable

from tests.interop.phones import PhoneError, PhoneTimeout, _tail
from tests.interop.sipp import free_port

BARESIP = shutil.which("baresip") or "/usr/bin/baresip"
MODULE_PATH = "/usr/lib/baresip/modules"
REQUIRED_MODULES = ("g711.so", "aufile.so", "sndfile.so", "account.so", "menu.so", "ctrl_tcp.so")
"""Modules the handset needs from Debian's baresip package."""


def missing_modules(module_path: str = MODULE_PATH) -> list[str]:
    """Names of REQUIRED_MODULES not installed under ``module_path``."""
    return [m for m in REQUIRED_MODULES if not (Path(module_path) / m).is_file()]


class BaresipPhone:
    """baresip as a scriptable handset on 127.0.0.1 (context manager).

    After ``start()``: ``port`` (SIP, UDP and TCP), ``uri`` (``sip:<name>@127.0.0.1:<port>``),
    ``ctrl_port``.  ``command(name, params="", timeout=5.0)`` returns the reply's data
    string; ``wait_event(type, timeout=5.0, **match)`` returns the oldest unconsumed
    event with that ``type`` (e.g. CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED,
    CALL_RINGING, REGISTER_OK, REGISTER_FAIL) whose fields equal ``match``.
    """

    def __init__(self, name: str = "baresip", log_dir: str | os.PathLike | None = None, *,
                 source_wav: str | os.PathLike | None = None, account: str | None = None,
                 password: str | None = None) -> None:
        self.name = name
        self.log_dir = Path(log_dir) if log_dir else Path(os.environ.get("TMPDIR", "/tmp")) / f"baresip-{name}"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.conf_dir = self.log_dir / f"{name}-conf"
        self.snd_dir = self.log_dir / f"{name}-snd"
        self.log_path = self.log_dir / f"{name}.log"
        self.source_wav = Path(source_wav) if source_wav else None
        self.account = account
        self.password = password
        self.port = 0
        self.ctrl_port = 0
        self.uri = ""
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._cond = threading.Condition()
        self._events: list[dict[str, Any]] = []
        self._consumed: list[bool] = []
        self._replies: dict[str, dict[str, Any]] = {}
        self._token = 0
        self._eof = False

    # ---- life cycle -------------------------------------------------------------------
    def _write_config(self) -> None:
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        self.snd_dir.mkdir(parents=True, exist_ok=True)
        source = f"aufile,{self.source_wav}" if self.source_wav else ""
        lines = {
            "poll_method": "epoll",
            "sip_listen": f"127.0.0.1:{self.port}",
            "call_local_timeout": "120",
            "call_max_calls": "4",
            "audio_player": "",
            "audio_source": source,
            "audio_alert": "",
            "audio_srate": "8000",
            "audio_channels": "1",
            "module_path": MODULE_PATH,
            "ctrl_tcp_listen": f"127.0.0.1:{self.ctrl_port}",
            "snd_path": str(self.snd_dir),
            "rtp_ports": "20000-40000",
            "answermode": "manual",
        }
        text = "".join(f"{k}\t\t{v}\n" for k, v in lines.items())
        text += "".join(f"module\t\t{m}\n" for m in ("g711.so", "aufile.so", "sndfile.so"))
        text += "".join(f"module_app\t\t{m}\n" for m in ("account.so", "menu.so", "ctrl_tcp.so"))
        (self.conf_dir / "config").write_text(text)
        if self.account:
            acc = f"<{self.account}>;auth_pass={self.password or ''};regint=300"
        else:
            acc = f"<sip:{self.name}@127.0.0.1:{self.port}>;regint=0"
        (self.conf_dir / "accounts").write_text(acc + "\n")

    def start(self, timeout: float = 10.0) -> "BaresipPhone":
        """Write the config, start baresip and connect to its control socket."""
        missing = missing_modules()
        if missing:
            raise PhoneError(f"baresip modules missing from {MODULE_PATH}: {', '.join(missing)} "
                             f"(Debian package baresip-core / baresip provides them)")
        self.port = free_port("both")
        self.ctrl_port = free_port("tcp")
        self.uri = f"sip:{self.name}@127.0.0.1:{self.port}"
        self._write_config()
        self._log = open(self.log_path, "ab")
        self._proc = subprocess.Popen([BARESIP, "-f", str(self.conf_dir), "-n", "127.0.0.1"],
                                      stdin=subprocess.DEVNULL, stdout=self._log,
                                      stderr=subprocess.STDOUT, cwd=self.log_dir)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=1)
                break
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    err = PhoneError(self.describe("baresip did not open its control socket"))
                    self.close()
                    raise err from None
                time.sleep(0.05)
        self._sock.settimeout(None)
        threading.Thread(target=self._read_loop, name=f"baresip-{self.name}", daemon=True).start()
        try:
            self.command("reginfo", timeout=timeout)    # the UA is ready when it answers
        except PhoneError:
            self.close()
            raise
        return self

    def __enter__(self) -> "BaresipPhone":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop baresip (``quit`` command, then SIGTERM/SIGKILL)."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            if self._sock is not None:
                try:
                    self._send({"command": "quit", "token": "quit"})
                except OSError:
                    pass
            try:
                self._proc.wait(2 if self._sock is not None else 0.1)
            except subprocess.TimeoutExpired:
                self._proc.terminate()
                try:
                    self._proc.wait(2)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(5)
        if self._sock is not None:
            self._sock.close()
        self._log.close()
        self._proc = None

    # ---- netstring JSON protocol ---------------------------------------------------------
    def _send(self, obj: dict[str, Any]) -> None:
        assert self._sock is not None
        data = json.dumps(obj).encode()
        self._sock.sendall(str(len(data)).encode() + b":" + data + b",")

    def _read_loop(self) -> None:
        assert self._sock is not None
        buf = b""
        while True:
            try:
                chunk = self._sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
            while b":" in buf:
                head, rest = buf.split(b":", 1)
                if not head.isdigit():
                    buf = b""       # lost framing; drop what we have
                    break
                n = int(head)
                if len(rest) < n + 1:
                    break
                payload, buf = rest[:n], rest[n + 1:]
                try:
                    msg = json.loads(payload)
                except ValueError:
                    continue
                with self._cond:
                    if msg.get("event"):
                        self._events.append(msg)
                        self._consumed.append(False)
                    elif msg.get("response"):
                        self._replies[str(msg.get("token"))] = msg
                    self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def describe(self, what: str) -> str:
        with self._cond:
            last = self._events[-15:]
        ev = "\n".join("  " + json.dumps(e) for e in last)
        return (f"baresip {self.name!r} (port {self.port}): {what}\nlast events:\n"
                f"{ev or '  (none)'}\ntail of {self.log_path}:\n{_tail(self.log_path)}")

    def _wait(self, pred: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = pred()
                if got is not None:
                    return got
                if self._eof:
                    raise PhoneError(self.describe(f"baresip went away while waiting for {what}"))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PhoneTimeout(self.describe(f"no {what} within {timeout:g} s"))
                self._cond.wait(left)

    def command(self, name: str, params: str = "", timeout: float = 5.0) -> str:
        """Run menu command ``name`` with ``params``; return the reply's text (PhoneError if not ok)."""
        with self._cond:
            self._token += 1
            token = str(self._token)
        self._send({"command": name, "params": params, "token": token})
        reply = self._wait(lambda: self._replies.pop(token, None), timeout, f"reply to {name} {params}")
        if not reply.get("ok", False):
            raise PhoneError(self.describe(f"command {name} {params!r} failed: {reply.get('data')}"))
        return str(reply.get("data", ""))

    def wait_event(self, type: str, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        """Oldest unconsumed event of this ``type`` whose fields equal ``match`` (marked consumed)."""
        def find() -> dict[str, Any] | None:
            for i, e in enumerate(self._events):
                if not self._consumed[i] and e.get("type") == type and all(
                        e.get(k) == v for k, v in match.items()):
                    self._consumed[i] = True
                    return e
            return None
        return self._wait(find, timeout, f"event {type} {match or ''}".strip())

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        with self._cond:
            return [e for e in self._events if type is None or e.get("type") == type]

    # ---- conveniences -------------------------------------------------------------------
    def dial(self, uri: str) -> str:
        return self.command("dial", uri)

    def answer(self) -> str:
        return self.command("accept")

    def hangup(self) -> str:
        return self.command("hangup")

    def send_dtmf(self, digits: str, gap_s: float = 0.25) -> None:
        """Send ``digits`` as RFC 4733 events, one ``sndcode`` per digit ``gap_s`` apart."""
        for i, d in enumerate(digits):
            if i:
                time.sleep(gap_s)
            self.command("sndcode", d)

    def heard_wav(self) -> Path:
        """The sndfile dump of the audio this phone received (decoder side) in its last call."""
        dumps = sorted(self.snd_dir.glob("dump-*-dec.wav"), key=lambda p: p.stat().st_mtime)
        if not dumps:
            raise PhoneError(self.describe(f"no received-audio dump in {self.snd_dir}"))
        return dumps[-1]
