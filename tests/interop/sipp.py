"""Run sipp (Debian ``sip-tester`` 3.6) scenarios from tests and read what happened.

``run_sipp("uac_call.xml", remote="127.0.0.1:5060", calls=1)`` runs one scenario to
the end and returns a ``SippResult`` (exit status, the statistics counters of the
final ``-trace_stat`` row, the last screen, the error log and the message trace).
``Sipp(...)`` is the same as a background process (context manager) for a UAS that
must be listening before the other side starts: ``start()``, then ``wait()``.

Every run writes its files into ``log_dir`` (a temp dir unless given):
``<tag>.screen.log``, ``<tag>.errors.log``, ``<tag>.messages.log``, ``<tag>.stat.csv``.
sipp exit codes: 0 all calls succeeded, 1 at least one call failed, 97 stopped by an
internal command, 99 normal exit without calls processed, 255 fatal error (e.g. a
scenario that does not parse).
"""
from __future__ import annotations

import csv
import io
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
"""Folder of the sipp scenario files kept with the tests."""
SIPP = shutil.which("sipp") or "/usr/bin/sipp"
AUDIO_FILE = "sipp_audio.wav"
"""File name the RTP scenarios stream (``rtp_stream``), looked up in sipp's working dir."""
_seq = itertools.count(1)


def free_port(kind: str = "udp", host: str = "127.0.0.1") -> int:
    """A port the OS says is free on ``host`` for ``kind`` (udp, tcp or both) right now.

    With ``both`` the port is free for UDP and TCP at the same time (SIP listens on
    both).  There is a small race until the caller binds it; tests accept that.
    """
    if kind not in ("udp", "tcp", "both"):
        raise ValueError(f"kind must be udp, tcp or both, not {kind!r}")
    for _ in range(50):
        first = socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM
        s = socket.socket(socket.AF_INET, first)
        try:
            s.bind((host, 0))
            port = s.getsockname()[1]
            if kind != "both":
                return port
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                u.bind((host, port))
                return port
            except OSError:
                continue
            finally:
                u.close()
        finally:
            s.close()
    raise RuntimeError(f"no free {kind} port found on {host}")


def port_is_bound(port: int, kind: str = "udp") -> bool:
    """True if some socket on this host is bound to ``port`` (TCP: listening), from /proc/net."""
    files = ("/proc/net/tcp", "/proc/net/tcp6") if kind == "tcp" else ("/proc/net/udp", "/proc/net/udp6")
    want = f":{port:04X}"
    for name in files:
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) > 3 and f[1].endswith(want) and (kind != "tcp" or f[3] == "0A"):
                return True
    return False


def scenario(name: str | os.PathLike) -> Path:
    """Path of a scenario: a name in ``tests/interop/scenarios`` or any existing path."""
    p = Path(name)
    if p.is_file():
        return p
    q = SCENARIOS / p
    if q.is_file():
        return q
    known = ", ".join(sorted(x.name for x in SCENARIOS.glob("*.xml")))
    raise FileNotFoundError(f"sipp scenario {name} not found (known: {known})")


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return ""


def parse_stats(text: str) -> dict[str, Any]:
    """The last row of a sipp ``-trace_stat`` CSV as a dict (numbers as int where they are).

    Column names are kept as sipp writes them (e.g. ``SuccessfulCall(C)`` for the
    cumulative count, ``SuccessfulCall(P)`` for the last period).
    """
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=";") if r]
    if len(rows) < 2:
        return {}
    head, last = rows[0], rows[-1]
    out: dict[str, Any] = {}
    for k, v in zip(head, last):
        if not k:
            continue
        try:
            out[k] = int(v)
        except ValueError:
            out[k] = v
    return out


def parse_screen_messages(screen: str) -> list[dict[str, Any]]:
    """Rows of the message table of the last "Scenario Screen" in a sipp screen log.

    Each row: ``{"message": "INVITE" or "200", "dir": "out"|"in", "messages": n,
    "retrans": n, "timeout": n, "unexpected": n}`` (counts sipp does not show are 0).
    Pauses and other non-message lines are left out.
    """
    block = screen.rsplit("Scenario Screen", 1)[-1]
    rows = []
    for line in block.splitlines():
        for arrow, direction in (("---------->", "out"), ("<----------", "in")):
            if arrow in line:
                name, rest = line.split(arrow, 1)
                if not name.strip():
                    # UAS layout: the peer is on the left, "----------> INVITE" was received
                    parts = rest.split(None, 1)
                    if not parts:
                        break
                    name, rest = parts[0], (parts[1] if len(parts) > 1 else "")
                    direction = "in" if direction == "out" else "out"
                nums = [int(t) for t in rest.split() if t.isdigit()]
                nums += [0] * (4 - len(nums))
                rows.append({"message": name.strip(), "dir": direction, "messages": nums[0],
                             "retrans": nums[1], "timeout": nums[2], "unexpected": nums[3]})
                break
    return rows


@dataclass
class SippResult:
    """What one sipp run did: exit status, counters, logs."""

    returncode: int
    cmd: list[str]
    stats: dict[str, Any] = field(default_factory=dict)
    screen: str = ""
    errors: str = ""
    messages: str = ""
    stderr: str = ""
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """True when sipp ended by itself with every call successful (exit status 0)."""
        return self.returncode == 0 and not self.timed_out

    def count(self, name: str) -> int:
        """Cumulative counter ``name`` (e.g. ``SuccessfulCall``, ``FailedCall``); 0 if absent."""
        v = self.stats.get(f"{name}(C)", self.stats.get(name, 0))
        return v if isinstance(v, int) else 0

    @property
    def message_counts(self) -> list[dict[str, Any]]:
        """The scenario's message table from the last screen (see parse_screen_messages)."""
        return parse_screen_messages(self.screen)

    @property
    def successful(self) -> int:
        return self.count("SuccessfulCall")

    @property
    def failed(self) -> int:
        return self.count("FailedCall")

    def describe(self) -> str:
        """A failure text with the command, exit status, counters and log tails."""
        def tail(s: str, n: int = 40) -> str:
            return "\n".join(s.strip().splitlines()[-n:]) or "(empty)"
        keys = ("TotalCallCreated", "SuccessfulCall", "FailedCall", "OutOfCallMsgs",
                "FailedUnexpectedMessage", "FailedMaxUDPRetrans", "FailedCallRejected")
        counters = {k: self.count(k) for k in keys}
        return (f"sipp exit status {self.returncode}{' (killed after timeout)' if self.timed_out else ''}\n"
                f"command: {' '.join(self.cmd)}\ncounters: {counters}\n"
                f"stderr:\n{tail(self.stderr, 15)}\nerrors log:\n{tail(self.errors)}\n"
                f"screen:\n{tail(self.screen, 60)}\nmessages:\n{tail(self.messages, 60)}")


class Sipp:
    """One sipp process (``-bg`` is not used: the process is ours to wait for and kill).

    ``Sipp(scenario, remote=None, *, port=None, calls=1, rate=None, limit=None,
    transport="u1", auth_user=None, auth_password=None, service=None, duration_ms=None,
    keys=None, timeout_s=15.0, extra=(), log_dir=None, local_ip="127.0.0.1")``

    * ``remote`` "host:port" of the peer (None for a UAS that only listens);
    * ``port`` local SIP port (``free_port()`` if None; read ``.port``);
    * ``calls`` ``-m``: stop after this many calls; ``rate`` ``-r`` calls/s; ``limit``
      ``-l`` simultaneous calls; ``duration_ms`` ``-d`` (the ``<pause/>`` length);
    * ``auth_user``/``auth_password`` ``-au``/``-ap`` for ``[authentication]``;
    * ``service`` ``-s``: user part of the request URI; ``keys`` ``-key k v`` pairs;
    * ``timeout_s`` sipp's own ``-timeout`` (+ ``-timeout_error``), and the time
      ``wait()`` allows before killing it;
    * ``audio`` an A-law WAV copied to ``<log_dir>/sipp_audio.wav`` for scenarios that
      stream RTP (``uac_call_rtp.xml``); sipp runs in ``log_dir``, so runs sharing a
      folder share that file.
    """

    def __init__(self, scenario_name: str | os.PathLike, remote: str | None = None, *,
                 port: int | None = None, calls: int | None = 1, rate: float | None = None,
                 limit: int | None = None, transport: str = "u1",
                 auth_user: str | None = None, auth_password: str | None = None,
                 service: str | None = None, duration_ms: int | None = None,
                 keys: dict[str, Any] | None = None, timeout_s: float = 15.0,
                 extra: tuple[str, ...] | list[str] = (), log_dir: str | os.PathLike | None = None,
                 local_ip: str = "127.0.0.1", audio: str | os.PathLike | None = None) -> None:
        self.scenario = scenario(scenario_name)
        self.remote = remote
        self.transport = transport
        self.port = port or free_port("tcp" if transport.startswith("t") else "udp")
        self.timeout_s = timeout_s
        self.log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="sipp-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if audio is not None:
            # rtp_stream takes a literal file name: sipp_audio.wav in sipp's working dir
            shutil.copyfile(audio, self.log_dir / AUDIO_FILE)
        self.tag = f"{self.scenario.stem}-{self.port}-{next(_seq)}"
        base = self.log_dir / self.tag
        self.files = {"screen": Path(f"{base}.screen.log"), "errors": Path(f"{base}.errors.log"),
                      "messages": Path(f"{base}.messages.log"), "stat": Path(f"{base}.stat.csv"),
                      "stderr": Path(f"{base}.stderr.log")}
        cmd = [SIPP, "-sf", str(self.scenario), "-i", local_ip, "-p", str(self.port),
               "-t", transport, "-cp", str(free_port("udp")), "-nostdin", "-skip_rlimit",
               "-trace_err", "-error_file", str(self.files["errors"]),
               "-trace_screen", "-screen_file", str(self.files["screen"]),
               "-trace_msg", "-message_file", str(self.files["messages"]),
               "-trace_stat", "-stf", str(self.files["stat"]), "-fd", "1",
               "-timeout", f"{max(1, int(timeout_s))}s", "-timeout_error"]
        if calls is not None:
            cmd += ["-m", str(calls)]
        if rate is not None:
            cmd += ["-r", f"{rate:g}"]
        if limit is not None:
            cmd += ["-l", str(limit)]
        if duration_ms is not None:
            cmd += ["-d", str(duration_ms)]
        if auth_user is not None:
            cmd += ["-au", auth_user]
        if auth_password is not None:
            cmd += ["-ap", auth_password]
        if service is not None:
            cmd += ["-s", service]
        for k, v in (keys or {}).items():
            cmd += ["-key", str(k), str(v)]
        cmd += list(extra)
        if remote:
            cmd.append(remote)
        self.cmd = cmd
        self.proc: subprocess.Popen | None = None
        self.result: SippResult | None = None

    def start(self, ready_timeout_s: float = 5.0) -> "Sipp":
        """Start sipp in the background (its stdout/screen is discarded; files keep it all).

        Without a ``remote`` (a UAS) this returns once sipp's SIP port is bound
        (listening, for TCP), so a peer started next does not race it.
        """
        self._stderr = open(self.files["stderr"], "wb")
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self._stderr, cwd=self.log_dir,
                                     env=dict(os.environ, TERM="dumb"))
        if self.remote is None:
            kind = "tcp" if self.transport.startswith("t") else "udp"
            deadline = time.monotonic() + ready_timeout_s
            while not port_is_bound(self.port, kind):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    break       # wait() will report what sipp said
                time.sleep(0.01)
        return self

    def __enter__(self) -> "Sipp":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.stop()

    def wait(self, timeout_s: float | None = None) -> SippResult:
        """Wait for sipp to end (killing it after ``timeout_s`` + 5 s); return the result."""
        assert self.proc is not None, "start() first"
        limit = (self.timeout_s if timeout_s is None else timeout_s) + 5.0
        timed_out = False
        try:
            rc = self.proc.wait(limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            rc = self._kill()
        return self._collect(rc, timed_out)

    def stop(self) -> SippResult:
        """End sipp now (SIGUSR1 asks it to stop calls gracefully, then SIGTERM/SIGKILL)."""
        assert self.proc is not None, "start() first"
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGUSR1)
            try:
                rc = self.proc.wait(3)
            except subprocess.TimeoutExpired:
                rc = self._kill()
        else:
            rc = self.proc.returncode
        return self._collect(rc, False)

    def _kill(self) -> int:
        assert self.proc is not None
        self.proc.terminate()
        try:
            return self.proc.wait(2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)

    def _collect(self, rc: int, timed_out: bool) -> SippResult:
        self._stderr.close()
        self.result = SippResult(
            returncode=rc, cmd=self.cmd, stats=parse_stats(_read(self.files["stat"])),
            screen=_read(self.files["screen"]), errors=_read(self.files["errors"]),
            messages=_read(self.files["messages"]), stderr=_read(self.files["stderr"]),
            timed_out=timed_out)
        return self.result


def run_sipp(scenario_name: str | os.PathLike, remote: str | None = None, **kw: Any) -> SippResult:
    """Run a scenario to its end (see ``Sipp`` for the keywords) and return the result."""
    s = Sipp(scenario_name, remote, **kw).start()
    return s.wait()
