"""``hotline bench sip``: call setups per second and concurrent RTP calls, side by side
with the sippy B2BUA.

Three measurements on 127.0.0.1, one run:

1. **Reference** — sippy's ``b2bua_simple`` (PyPI ``sippy``) relays calls to a sipp UAS;
   a sipp UAC (``firmware/bench/sipp/uac.xml``: INVITE/100/180/200/ACK/hold/BYE/200)
   offers calls at a rising rate. A rate step *holds* when fewer than 1 % of its calls
   fail **and** the target keeps up: the mean INVITE → 200 time stays within
   ``MAX_RESPONSE_MS`` and the last call ends at most ``KEEP_UP_SLACK_MS`` after its
   planned end (a target that queues work answers later and later). The sustained
   rate is the highest offered rate that holds (ramp ×1.5, then two bisections).
2. **Hotline** — the same UAC scenario against a ``hotline run --sim`` daemon whose
   config sends number 2000 out through a SIP trunk (register off) to the same kind of
   sipp UAS. The caller is a SIP extension, so each INVITE is digest-challenged once
   (401/407): Hotline does that work, sippy does not.
3. **Concurrent media calls** — N calls held up through the target with RTP both ways:
   our own generator (:class:`MediaUac`) sends a 20 ms A-law tone per call; the sipp
   UAS echoes it (``-rtp_echo``), so it comes back through the target twice. Counted
   per frame received: lost (sequence gaps or a stream that stopped), late (arrival more
   than ``LATE_MS`` after its due time, due = the stream's best arrival offset + seq ×
   20 ms) and drop-outs (a frame more than 20 dB below the stream's median level: an
   underrun the target concealed). ``concurrent_media_calls`` is the largest N (25, 50,
   100, 150 ...) with at most 0.1 % of frames late, lost or dropped. sippy does not relay
   media (its SDP passes end to end), so only Hotline gets this figure.

Timing uses the asyncio loop and :func:`hal.clock.monotonic_ms` (wall time, measurement
only); the RTP generator ticks on :class:`hal.clock.RealtimeClock`.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import enum
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np

from dsp import g711
from hal.clock import TICK_MS, TICK_SAMPLES, RealtimeClock, monotonic_ms

from firmware.sip import rtp
from firmware.sip.auth import AuthError, DigestClient
from firmware.sip.message import (SipParseError, SipRequest, SipResponse, Target, make_ack,
                                  make_response, new_branch, new_call_id, new_tag, parse)
from firmware.sip.sdp import SdpError, make_offer, read_answer

SIPP_DIR = Path(__file__).with_name("sipp")
UAC_SCENARIO = SIPP_DIR / "uac.xml"
UAS_SCENARIO = SIPP_DIR / "uas.xml"
REPO_ROOT = Path(__file__).resolve().parents[2]

HOST = "127.0.0.1"
BENCH_NUMBER = "2000"             #: the number the UAC calls (routed to the sipp UAS)
BENCH_EXTENSION = "7001"          #: the SIP extension the bench calls from on Hotline
BENCH_RELAY = "7002"              #: trunk caller's DID lands here and is forwarded out (CFU)
MAX_FAILED_PCT = 1.0              #: a rate step holds with fewer failed calls than this (%)
KEEP_UP_SLACK_MS = 2000           #: ... and when its last call ends at most this late (ms)
MAX_RESPONSE_MS = 100             #: ... and INVITE → 200 takes at most this long on average (ms)
RECV_TIMEOUT_MS = 4000            #: sipp fails a call when an answer is this late (ms)
LATE_MS = 60                      #: an RTP frame this much after its due time is late (ms)
MAX_LATE_OR_LOST_PCT = 0.1        #: media step holds at or under this (%)
MEDIA_WARMUP_MS = 1000            #: after the last call is up, not counted (jitter buffers settle)
DEFAULT_MEDIA_STEPS = (25, 50, 100, 150)
ISSUE_SIPPY_RATE = 130            #: what the issue measured for sippy on the 2-core box


class BenchError(RuntimeError):
    """The bench cannot run (a tool missing, a process died): the message says what."""


class TargetUnavailable(BenchError):
    """The target cannot be started (yet): the message is the reason."""


# --------------------------------------------------------------------------- ports
def free_udp_port(host: str = HOST) -> int:
    """A UDP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_media_port(host: str = HOST) -> int:
    """An even UDP port P with P+2 also free (sipp binds audio P and video P+2)."""
    for _ in range(200):
        p = free_udp_port(host) & ~1
        if p < 1024 or p + 2 > 65535:
            continue
        if not udp_port_taken(p, host) and not udp_port_taken(p + 2, host):
            return p
    raise BenchError("found no free even UDP port pair for the sipp UAS media echo")


def udp_port_taken(port: int, host: str = HOST) -> bool:
    """True when some process has bound ``host:port`` (UDP): how we see a server is up."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def wait_bound(proc: subprocess.Popen, port: int, what: str, timeout_ms: int = 15000,
               host: str = HOST) -> None:
    """Block until ``proc`` has bound UDP ``port``; :class:`BenchError` if it exits or
    takes longer than ``timeout_ms``. Polls every 50 ms (``proc.wait`` is the pause)."""
    for _ in range(max(1, timeout_ms // 50)):
        if udp_port_taken(port, host):
            return
        try:
            rc = proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            continue
        raise BenchError(f"{what} exited with status {rc} before listening on {host}:{port}"
                         f"{_tail(proc)}")
    raise BenchError(f"{what} did not listen on UDP {host}:{port} within {timeout_ms} ms")


def _tail(proc: subprocess.Popen, n: int = 600) -> str:
    path = getattr(proc, "log_path", None)
    if not path or not Path(path).exists():
        return ""
    text = Path(path).read_text(errors="replace").strip()
    return f": …{text[-n:]}" if text else ""


def stop(proc: Optional[subprocess.Popen]) -> None:
    """Terminate a process this bench started (SIGTERM, then SIGKILL after 3 s)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=3)


def _spawn(cmd: Sequence[str], log_path: Path, env: Optional[dict] = None,
           cwd: Optional[Path] = None) -> subprocess.Popen:
    log = open(log_path, "wb")
    try:
        proc = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, env=env, cwd=cwd)
    finally:
        log.close()
    proc.log_path = str(log_path)                       # type: ignore[attr-defined]
    return proc


# --------------------------------------------------------------------------- tools
def sipp_path() -> str:
    """The sipp binary; :class:`BenchError` saying how to get it when it is missing."""
    path = shutil.which("sipp")
    if not path:
        raise BenchError("sipp is not installed (Debian package sip-tester; `make` installs it)")
    return path


def sipp_version() -> str:
    """sipp's version string, e.g. ``v3.6.1-SCTP-PCAP-RTPSTREAM`` ("" if unknown)."""
    try:
        out = subprocess.run([sipp_path(), "-v"], capture_output=True, text=True, timeout=10)
    except (BenchError, OSError, subprocess.TimeoutExpired):
        return ""
    m = re.search(r"SIPp\s+(\S+)", out.stdout + out.stderr)
    return m.group(1).rstrip(".,") if m else ""


def start_uas(workdir: Path, port: Optional[int] = None,
              media_port: Optional[int] = None) -> tuple[subprocess.Popen, int, int]:
    """A sipp UAS (``uas.xml``: 180, 200, waits for BYE) on ``HOST:port`` echoing RTP on
    ``media_port``; returns (process, port, media_port) once it listens."""
    port = port or free_udp_port()
    media_port = media_port or free_media_port()
    cmd = [sipp_path(), "-sf", str(UAS_SCENARIO), "-i", HOST, "-p", str(port),
           "-mi", HOST, "-mp", str(media_port), "-rtp_echo", "-nostdin",
           "-max_recv_loops", "10000", "-trace_err", "-error_file", str(workdir / "uas_errors.log")]
    proc = _spawn(cmd, workdir / "uas.out", cwd=workdir)
    wait_bound(proc, port, "the sipp UAS")
    return proc, port, media_port


def start_sippy(workdir: Path, uas_port: int, port: Optional[int] = None
                ) -> tuple[subprocess.Popen, int]:
    """sippy's ``b2bua_simple`` on ``HOST:port`` relaying every INVITE to the UAS;
    logging off (``SIPLOG_BEND=none``) so the reference is not slowed by its log.
    Returns (process, port) once it listens."""
    port = port or free_udp_port()
    env = dict(os.environ, SIPLOG_BEND="none")
    cmd = [sys.executable, "-c", "import sys; from sippy.b2bua_simple import main_func; main_func()",
           "-f", "-l", HOST, "-p", str(port), "-n", f"{HOST}:{uas_port}"]
    proc = _spawn(cmd, workdir / "sippy.out", env=env)
    wait_bound(proc, port, "the sippy B2BUA")
    return proc, port


# --------------------------------------------------------------------------- Hotline
def _hotline_missing() -> Optional[str]:
    """Why a Hotline bench target cannot be configured yet, or None when it can."""
    from firmware.config.store import ConfigStore
    from firmware.config import validate
    if not hasattr(ConfigStore, "add_sip_trunk"):
        return "the config store has no SIP trunks yet (ConfigStore.add_sip_trunk)"
    if "sip_bind" not in getattr(validate, "SETTINGS_DEFAULTS", {}):
        return "the config has no sip_bind setting yet"
    try:
        helptext = subprocess.run([sys.executable, "-m", "firmware.cli", "run", "--help"],
                                  capture_output=True, text=True, timeout=60, cwd=REPO_ROOT).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"cannot read `hotline run --help` ({e})"
    if "--sip" not in helptext:
        return "`hotline run` has no --sip option yet"
    return None


def write_hotline_config(data_dir: Path, uas_port: int, sip_port: int,
                         password: str, uac_port: Optional[int] = None) -> None:
    """Config for the bench: SIP extension 7001 (``password``) may call 2000, which an
    outbound route sends through trunk group ``bench`` to SIP trunk ``bench-uas``
    (``HOST:uas_port``, no registration); SIP bound to ``HOST:sip_port``.

    With ``uac_port`` the sipp UAC on ``HOST:uac_port`` is also a SIP trunk
    (``bench-uac``, trusted by address like a carrier, so no digest challenge — the
    work sippy does): its calls to DID 2000 reach extension 7002, which forwards them
    unconditionally to 2000 out of trunk ``bench-uas``: trunk in, trunk out."""
    from firmware.config.store import ConfigStore
    with ConfigStore.at(str(data_dir)) as store:
        store.update_settings({"sip_bind": f"{HOST}:{sip_port}"})
        store.add_extension(number=BENCH_EXTENSION, name="Bench caller", kind="sip",
                            port=None, secret=password, outbound_class="international")
        store.add_trunk_group(name="bench", description="hotline bench sip: the sipp UAS")
        store.add_sip_trunk(name="bench-uas", host=HOST, port=uas_port, transport="udp",
                            trunk_group="bench", register=False)
        store.add_outbound_route(name="Bench number", prefix="", pattern=BENCH_NUMBER, strip=0,
                                 trunk_group="bench", call_class="local", priority=1)
        if uac_port:
            store.add_extension(number=BENCH_RELAY, name="Bench relay", kind="sip", port=None,
                                secret=password, outbound_class="international", cfu=BENCH_NUMBER)
            store.add_trunk_group(name="bench-in", description="hotline bench sip: the sipp UAC")
            store.add_sip_trunk(name="bench-uac", host=HOST, port=uac_port, transport="udp",
                                trunk_group="bench-in", register=False)
            store.add_inbound_route(name="Bench DID", line="bench-uac", did=BENCH_NUMBER,
                                    dest_kind="extension", dest=BENCH_RELAY, priority=1)


def start_hotline(tmpdir: Path, uas_port: int, password: str = "bench-Pw-7001-xyz",
                  uac_port: Optional[int] = None) -> tuple[subprocess.Popen, int]:
    """Configure and start ``hotline run --sim --data <tmpdir>/data --web off --sip
    127.0.0.1:<port>`` relaying number 2000 to the UAS on ``uas_port``; returns
    (process, sip_port) once it listens. :class:`TargetUnavailable` with the reason
    when this firmware cannot do that yet."""
    reason = _hotline_missing()
    if reason:
        raise TargetUnavailable(reason)
    tmpdir = Path(tmpdir)
    data = tmpdir / "data"
    sip_port = free_udp_port()
    try:
        write_hotline_config(data, uas_port, sip_port, password, uac_port)
    except Exception as e:
        raise TargetUnavailable(f"cannot write the bench config ({e})") from None
    cmd = [sys.executable, "-m", "firmware.cli", "run", "--sim", "--data", str(data),
           "--web", "off", "--sip", f"{HOST}:{sip_port}", "--log-level", "warning"]
    proc = _spawn(cmd, tmpdir / "hotline.out", cwd=REPO_ROOT)
    try:
        wait_bound(proc, sip_port, "hotline run", timeout_ms=30000)
    except BenchError as e:
        stop(proc)
        raise TargetUnavailable(str(e)) from None
    return proc, sip_port


# --------------------------------------------------------------------------- sipp UAC
@dataclass
class RateStep:
    """One sipp UAC run at a fixed offered rate."""

    rate: float                  #: offered call setups per second
    calls: int                   #: calls offered
    ok: int = 0                  #: calls that completed the whole scenario
    failed: int = 0
    wall_ms: float = 0.0         #: sipp start to exit
    planned_ms: float = 0.0      #: calls / rate + hold: when the last call should end
    response_ms: float = 0.0     #: mean INVITE → 200 (includes the auth round trip)
    exit_status: int = 0
    first_error: str = ""        #: sipp's first error line of the step ("" = none)

    @property
    def failed_pct(self) -> float:
        return 100.0 * self.failed / max(1, self.calls)

    max_response_ms: float = MAX_RESPONSE_MS

    @property
    def kept_up(self) -> bool:
        """The target did not queue work: the step ended on time and answered INVITEs
        within ``max_response_ms`` on average (a queue makes both grow)."""
        return (self.wall_ms <= self.planned_ms + KEEP_UP_SLACK_MS
                and self.response_ms <= self.max_response_ms)

    @property
    def held(self) -> bool:
        return self.failed_pct < MAX_FAILED_PCT and self.kept_up

    @property
    def setups_per_s(self) -> float:
        """Completed calls per second of offering time."""
        return self.ok * self.rate / max(1, self.calls)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(failed_pct=round(self.failed_pct, 3), held=self.held, kept_up=self.kept_up,
                 setups_per_s=round(self.setups_per_s, 1), wall_ms=round(self.wall_ms),
                 planned_ms=round(self.planned_ms), response_ms=round(self.response_ms, 2))
        return d


def _sipp_ms(text: str) -> float:
    """sipp's ``HH:MM:SS:uuuuuu`` → ms."""
    parts = (text or "").split(":")
    if len(parts) != 4:
        return 0.0
    h, m, s, us = (int(p or 0) for p in parts)
    return ((h * 60 + m) * 60 + s) * 1000 + us / 1000


def read_sipp_stats(path: Path) -> dict[str, str]:
    """The last row of a sipp ``-trace_stat`` CSV (the final totals) as a dict."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    if not rows:
        raise BenchError(f"sipp wrote no statistics to {path}")
    return rows[-1]


async def run_uac(host: str, port: int, rate: float, calls: int, workdir: Path, *,
                  hold_ms: int = 200, auth: Optional[tuple[str, str]] = None,
                  number: str = BENCH_NUMBER, max_response_ms: float = MAX_RESPONSE_MS,
                  local_port: Optional[int] = None) -> RateStep:
    """Offer ``calls`` calls at ``rate`` per second with the sipp UAC scenario to
    ``host:port``; ``auth`` = (user, password) answers digest challenges; the UAC sends
    from ``HOST:local_port`` (default: any free port)."""
    step = RateStep(rate=rate, calls=calls, planned_ms=calls / rate * 1000 + hold_ms,
                    max_response_ms=max_response_ms)
    stat = workdir / f"uac_{int(rate * 10)}_{calls}.csv"
    stat.unlink(missing_ok=True)
    cmd = [sipp_path(), "-sf", str(UAC_SCENARIO), "-i", HOST, "-p", str(local_port or free_udp_port()),
           "-s", number, "-r", f"{rate:g}", "-m", str(calls), "-d", str(hold_ms),
           "-l", str(max(50, int(rate * 6))), "-nostdin", "-recv_timeout", str(RECV_TIMEOUT_MS),
           "-max_recv_loops", "10000", "-trace_stat", "-stf", str(stat), "-fd", "1",
           "-timeout", f"{int(step.planned_ms / 1000 + 30)}s",
           "-trace_err", "-error_file", str(stat.with_suffix(".errors.log"))]
    if auth:
        # digest uri = our Request-URI (sipp's default is only remote_ip:remote_port)
        cmd += ["-au", auth[0], "-ap", auth[1], "-auth_uri", f"{number}@{host}:{port}"]
    cmd += ["-key", "caller", auth[0] if auth else "bench"]     # From user = the digest user
    cmd.append(f"{host}:{port}")
    t0 = monotonic_ms()
    proc = await asyncio.create_subprocess_exec(*cmd, stdin=subprocess.DEVNULL,
                                                stdout=subprocess.DEVNULL,
                                                stderr=subprocess.PIPE, cwd=workdir)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), step.planned_ms / 1000 + 40)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise BenchError(f"sipp UAC at {rate:g} calls/s did not finish") from None
    step.wall_ms = monotonic_ms() - t0
    step.exit_status = proc.returncode
    if not stat.exists():
        raise BenchError(f"sipp UAC failed (status {proc.returncode}): "
                         f"{err.decode(errors='replace').strip()[-400:]}")
    row = read_sipp_stats(stat)
    step.ok = int(row.get("SuccessfulCall(C)") or 0)
    step.failed = int(row.get("FailedCall(C)") or 0)
    step.failed += max(0, calls - step.ok - step.failed)     # never started or cut off
    step.response_ms = _sipp_ms(row.get("ResponseTime1(C)", ""))
    step.first_error = first_sipp_error(stat.with_suffix(".errors.log"))
    return step


def first_sipp_error(path: Path) -> str:
    """The first event of a sipp error log, shortened to one line ("" when none)."""
    if not path.exists():
        return ""
    for line in path.read_text(errors="replace").splitlines():
        m = re.match(r"^\S+\s+\S+\s+[\d.]+: (.*)", line)
        if m and "Dead call" not in m.group(1):
            return re.sub(r"\s+", " ", m.group(1))[:160]
    return ""


async def find_sustained_rate(step_fn: Callable[[float], Any], *, start: float = 25,
                              factor: float = 1.5, max_rate: float = 2000,
                              refine: int = 2, cooldown_s: float = 1.0
                              ) -> tuple[Optional[RateStep], list[RateStep]]:
    """Ramp the offered rate ×``factor`` from ``start`` until a step does not hold, then
    bisect ``refine`` times between the best held and the first failed rate. Returns
    (best held step or None, all steps in order)."""
    steps: list[RateStep] = []
    good: Optional[RateStep] = None
    bad: Optional[RateStep] = None
    rate = float(start)

    async def run(r: float) -> RateStep:
        s = await step_fn(round(r))
        steps.append(s)
        await asyncio.sleep(cooldown_s)              # let the target drain timers/retransmits
        return s

    while rate <= max_rate:
        s = await run(rate)
        if s.held:
            good = s
            rate *= factor
        else:
            bad = s
            break
    if good is None and bad is not None:             # even the start rate failed: go down
        rate = bad.rate / 2
        while rate >= 2 and good is None:
            s = await run(rate)
            if s.held:
                good = s
            else:
                bad = s
                rate /= 2
    for _ in range(refine):
        if good is None or bad is None or bad.rate / good.rate < 1.08:
            break
        s = await run((good.rate + bad.rate) / 2)
        if s.held:
            good = s
        else:
            bad = s
    return good, steps


async def run_target(name: str, host: str, port: int, uas_port: int, workdir: Path, *,
                     duration_s: float = 5.0, rate: Optional[float] = None,
                     calls: Optional[int] = None, hold_ms: int = 200,
                     auth: Optional[tuple[str, str]] = None, start_rate: float = 25,
                     max_rate: float = 2000, max_response_ms: float = MAX_RESPONSE_MS,
                     local_port: Optional[int] = None) -> dict:
    """Call setups per second of a target at ``host:port`` that relays calls to the sipp
    UAS on ``uas_port``. With ``rate`` one step at that rate, else the ramp of
    :func:`find_sustained_rate`. Each step offers ``calls`` calls (default rate ×
    ``duration_s``). Returns a dict: ``setups_per_s`` (0.0 when no step held), the
    best step and all steps."""
    if not udp_port_taken(uas_port, host):
        raise BenchError(f"no sipp UAS listens on {host}:{uas_port}")
    workdir = Path(workdir)

    async def step(r: float) -> RateStep:
        n = calls or max(5, int(round(r * duration_s)))
        return await run_uac(host, port, r, n, workdir, hold_ms=hold_ms, auth=auth,
                             max_response_ms=max_response_ms, local_port=local_port)

    if rate:
        s = await step(rate)
        best, steps = (s if s.held else None), [s]
    else:
        best, steps = await find_sustained_rate(step, start=start_rate, max_rate=max_rate)
    return {"name": name, "host": host, "port": port, "uas_port": uas_port,
            "setups_per_s": round(best.setups_per_s, 1) if best else 0.0,
            "failed_pct": round(best.failed_pct, 3) if best else None,
            "response_ms": round(best.response_ms, 2) if best else None,
            "steps": [s.as_dict() for s in steps]}


# --------------------------------------------------------------------------- RTP analysis
@dataclass
class StreamStats:
    """What came back on one RTP stream inside the measuring window (frames)."""

    expected: int = 0
    received: int = 0
    lost: int = 0
    late: int = 0
    dropouts: int = 0
    max_delay_ms: float = 0.0    #: worst arrival after the stream's best offset

    def __iadd__(self, other: "StreamStats") -> "StreamStats":
        self.expected += other.expected
        self.received += other.received
        self.lost += other.lost
        self.late += other.late
        self.dropouts += other.dropouts
        self.max_delay_ms = max(self.max_delay_ms, other.max_delay_ms)
        return self

    @property
    def bad(self) -> int:
        return self.lost + self.late + self.dropouts

    @property
    def late_or_lost_pct(self) -> float:
        return 100.0 * self.bad / self.expected if self.expected else 100.0


def analyse_stream(arrivals: Sequence[tuple[float, bytes]], start_ms: float, end_ms: float,
                   late_ms: float = LATE_MS, dropout_db: float = 20.0) -> StreamStats:
    """Count frames of one received RTP stream arriving in [start_ms, end_ms).

    ``arrivals`` = (arrival ms, datagram). Expected frames = the window / packet time
    (G.711: payload bytes / 8 ms). Lost = expected − distinct sequence numbers seen.
    Late = arrival more than ``late_ms`` after due, due = seq × ptime + the stream's
    smallest offset. Drop-out = a G.711 frame more than ``dropout_db`` below the
    stream's median level (all frames when the median is near silence)."""
    st = StreamStats()
    pkts = []
    for t, data in arrivals:
        if not start_ms <= t < end_ms:
            continue
        try:
            p = rtp.parse(data)
        except rtp.RtpError:
            continue
        if p.pt in (rtp.PT_PCMA, rtp.PT_PCMU) and p.payload:
            pkts.append((t, p))
    ptime = len(pkts[0][1].payload) / 8 if pkts else float(TICK_MS)
    st.expected = int(round((end_ms - start_ms) / ptime))
    if not pkts:
        st.lost = st.expected
        return st
    seen: dict[int, tuple[float, rtp.RtpPacket]] = {}
    highest: Optional[int] = None
    ssrc = pkts[0][1].ssrc
    base = 0
    for t, p in pkts:
        if p.ssrc != ssrc:                               # new source: continue numbering after
            ssrc, highest = p.ssrc, None
            base = max(seen) + 1 if seen else 0
        ext = rtp.extend_seq(p.seq, highest)
        highest = ext if highest is None else max(highest, ext)
        key = base + ext - (pkts[0][1].seq if base == 0 else 0)
        seen.setdefault(key, (t, p))
    keys = sorted(seen)
    st.received = min(len(keys), st.expected)
    st.lost = max(0, st.expected - len(keys))
    offsets = np.array([seen[k][0] - (k - keys[0]) * ptime for k in keys])
    delay = offsets - offsets.min()
    st.late = int((delay > late_ms).sum())
    st.max_delay_ms = float(delay.max())
    levels = []
    for k in keys:
        p = seen[k][1]
        pcm = g711.alaw_decode(p.payload) if p.pt == rtp.PT_PCMA else g711.ulaw_decode(p.payload)
        levels.append(float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))))
    lv = np.array(levels)
    median = float(np.median(lv))
    if median < 30.0:                                     # silence came back: no audio path
        st.dropouts = len(keys)
    else:
        st.dropouts = int((lv < median * 10 ** (-dropout_db / 20)).sum())
    return st


def tone_frames(freq_hz: float = 1004.0, level: float = 8000.0, n: int = 50) -> list[bytes]:
    """``n`` consecutive 20 ms A-law frames of a sine (``level`` = peak, linear)."""
    t = np.arange(n * TICK_SAMPLES) / 8000.0
    pcm = (level * np.sin(2 * np.pi * freq_hz * t)).astype(np.int16)
    return [g711.alaw_encode(pcm[i * TICK_SAMPLES:(i + 1) * TICK_SAMPLES]) for i in range(n)]


class RtpEndpoint(asyncio.DatagramProtocol):
    """One call's RTP socket: sends the tone frames to ``remote`` and keeps every
    datagram that comes back with its arrival time (ms, :func:`monotonic_ms`)."""

    def __init__(self) -> None:
        self.transport: Optional[asyncio.DatagramTransport] = None
        self.remote: Optional[tuple[str, int]] = None
        self.arrivals: list[tuple[float, bytes]] = []
        self.ssrc = rtp.random32()
        self.seq = rtp.random32() & 0xFFFF
        self.ts = rtp.random32()
        self.sent = 0

    @property
    def port(self) -> int:
        assert self.transport is not None
        return self.transport.get_extra_info("sockname")[1]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport                      # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        self.arrivals.append((monotonic_ms(), data))

    def error_received(self, exc: Exception) -> None:      # ICMP port unreachable etc.
        pass

    def send_frame(self, payload: bytes) -> None:
        if self.remote is None or self.transport is None:
            return
        self.transport.sendto(rtp.build(rtp.PT_PCMA, self.seq, self.ts, self.ssrc, payload),
                              self.remote)
        self.seq = (self.seq + 1) & 0xFFFF
        self.ts = (self.ts + TICK_SAMPLES) & 0xFFFFFFFF
        self.sent += 1

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def open_rtp(host: str = HOST) -> RtpEndpoint:
    loop = asyncio.get_running_loop()
    _, ep = await loop.create_datagram_endpoint(RtpEndpoint, local_addr=(host, 0))
    return ep


class ToneSender:
    """Sends one tone frame per 20 ms tick to every endpoint in ``endpoints``, paced by a
    :class:`RealtimeClock` (its ``overruns`` count when this process fell behind)."""

    def __init__(self) -> None:
        self.clock = RealtimeClock()
        self.endpoints: list[RtpEndpoint] = []
        self.frames = tone_frames()
        self._k = 0
        self._stop = asyncio.Event()
        self._task: Optional[asyncio.Task] = None
        self.clock.on_tick(self._tick)

    def _tick(self) -> None:
        frame = self.frames[self._k % len(self.frames)]
        self._k += 1
        for ep in self.endpoints:
            ep.send_frame(frame)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.clock.run(self._stop))

    async def stop(self) -> None:
        self._stop.set()
        if self._task:
            await self._task


# --------------------------------------------------------------------------- media UAC
class CallState(enum.Enum):
    INVITING = "inviting"
    UP = "up"
    ENDING = "ending"
    ENDED = "ended"
    FAILED = "failed"


class MediaCall:
    """One call of the media UAC: INVITE (answering one digest challenge), ACK, RTP,
    BYE. The machine moves only in :meth:`transition`."""

    def __init__(self, uac: "MediaUac", rtp_ep: RtpEndpoint) -> None:
        self.uac = uac
        self.rtp = rtp_ep
        self.state = CallState.INVITING
        self.call_id = new_call_id(HOST)
        self.from_tag = new_tag()
        self.cseq = 1
        self.challenged = False
        self.reason = ""
        self.invite = self._invite()
        self.ack: Optional[SipRequest] = None
        self.bye: Optional[SipRequest] = None
        self.remote_to = ""
        self.remote_target: Any = None
        self.route_set: list[str] = []
        self._tries = 0
        self._timer: Optional[asyncio.TimerHandle] = None
        self.done = asyncio.get_running_loop().create_future()

    def _invite(self, authorization: Optional[tuple[str, str]] = None) -> SipRequest:
        u = self.uac
        offer = make_offer(HOST, self.rtp.port, ["PCMA"], dtmf=True, username="bench")
        req = SipRequest("INVITE", f"sip:{u.number}@{u.host}:{u.port}")
        req.add("Via", f"SIP/2.0/UDP {HOST}:{u.local_port};branch={new_branch()};rport")
        req.add("Max-Forwards", "70")
        req.add("From", f"<sip:{u.user}@{u.host}>;tag={self.from_tag}")
        req.add("To", f"<sip:{u.number}@{u.host}>")
        req.add("Call-ID", self.call_id)
        req.add("CSeq", f"{self.cseq} INVITE")
        req.add("Contact", f"<sip:{u.user}@{HOST}:{u.local_port}>")
        if authorization:
            req.add(*authorization)
        req.add("Content-Type", "application/sdp")
        req.body = offer.encode()
        return req

    def _in_dialog(self, method: str) -> SipRequest:
        req = SipRequest(method, self.remote_target)
        req.add("Via", f"SIP/2.0/UDP {HOST}:{self.uac.local_port};branch={new_branch()};rport")
        req.add("Max-Forwards", "70")
        for r in self.route_set:
            req.add("Route", r)
        req.add("From", self.invite.get("From") or "")
        req.add("To", self.remote_to)
        req.add("Call-ID", self.call_id)
        req.add("CSeq", f"{self.cseq if method == 'ACK' else self.cseq + 1} {method}")
        return req

    def _send(self, msg: SipRequest) -> None:
        self.uac.send(msg)

    def _arm(self, ms: float) -> None:
        if self._timer:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(ms / 1000, self.transition, "timer", None)

    def _finish(self, state: CallState, reason: str = "") -> None:
        if self._timer:
            self._timer.cancel()
            self._timer = None
        self.state = state
        self.reason = self.reason or reason
        if state in (CallState.ENDED, CallState.FAILED) and self.rtp in self.uac.sender.endpoints:
            self.uac.sender.endpoints.remove(self.rtp)
        if not self.done.done():
            self.done.set_result(state)

    def transition(self, event: str, msg: Any) -> None:
        """The one transition function: ``event`` is ``start``, ``response``,
        ``request`` (from the target), ``hangup`` or ``timer``."""
        s = self.state
        if event == "request":
            self._answer_request(msg)
            return
        if s is CallState.INVITING:
            if event in ("start", "timer"):
                if self._tries >= 6:                       # ~ Timer B at T1 = 500 ms
                    self._finish(CallState.FAILED, "no answer to INVITE")
                    return
                self._tries += 1
                self._send(self.invite)
                self._arm(500 * 2 ** (self._tries - 1))
            elif event == "response":
                self._invite_response(msg)
            elif event == "hangup":
                self._finish(CallState.FAILED, "hung up before answer")
        elif s is CallState.UP:
            if event == "response" and msg.cseq.method == "INVITE" and msg.status == 200:
                if self.ack is not None:
                    self._send(self.ack)                   # 200 retransmitted: ACK again
            elif event == "hangup":
                self.bye = self._in_dialog("BYE")
                self.state = CallState.ENDING
                self._tries = 0
                self.transition("timer", None)
        elif s is CallState.ENDING:
            if event == "timer":
                if self._tries >= 4:
                    self._finish(CallState.ENDED, "no answer to BYE")
                    return
                self._tries += 1
                assert self.bye is not None
                self._send(self.bye)
                self._arm(500 * 2 ** (self._tries - 1))
            elif event == "response" and msg.cseq.method == "BYE" and msg.status >= 200:
                self._finish(CallState.ENDED)

    def _invite_response(self, resp: SipResponse) -> None:
        if resp.cseq.method != "INVITE" or resp.cseq.number != self.cseq:
            return
        if resp.status < 200:
            if self._timer:                                # provisional: stop retransmitting
                self._timer.cancel()
                self._timer = None
            return
        if resp.status in (401, 407) and not self.challenged and self.uac.auth:
            self._send(make_ack(self.invite, resp))
            hdr = "WWW-Authenticate" if resp.status == 401 else "Proxy-Authenticate"
            out = "Authorization" if resp.status == 401 else "Proxy-Authorization"
            try:
                value = self.uac.auth.authorize("INVITE", str(self.invite.uri), resp.get_all(hdr))
            except AuthError as e:
                self._finish(CallState.FAILED, f"cannot answer the challenge: {e}")
                return
            self.challenged = True
            self.cseq += 1
            self.invite = self._invite((out, value))
            self._tries = 0
            self.transition("timer", None)
            return
        if resp.status >= 300:
            self._send(make_ack(self.invite, resp))
            self._finish(CallState.FAILED, f"{resp.status} {resp.reason}")
            return
        contacts = resp.contacts
        self.remote_target = contacts[0].uri if contacts else self.invite.uri
        self.route_set = list(reversed(resp.get_list("Record-Route")))
        self.remote_to = resp.get("To") or ""
        self.ack = self._in_dialog("ACK")
        self._send(self.ack)
        if self._timer:
            self._timer.cancel()
            self._timer = None
        try:
            media = read_answer(self.invite.body, resp.body)
        except SdpError as e:
            self._finish(CallState.FAILED, f"bad SDP answer: {e}")
            return
        self.rtp.remote = (media.remote_addr, media.remote_port)
        self.state = CallState.UP
        self.uac.sender.endpoints.append(self.rtp)
        if not self.done.done():
            self.done.set_result(CallState.UP)

    def _answer_request(self, req: SipRequest) -> None:
        if req.method == "ACK":
            return
        resp = make_response(req, 200, "OK", to_tag=self.from_tag)
        resp.add("Contact", f"<sip:{self.uac.user}@{HOST}:{self.uac.local_port}>")
        if req.method == "INVITE":                         # re-INVITE: same media as before
            resp.add("Content-Type", "application/sdp")
            resp.body = self.invite.body
        self.uac.send(resp, req.source.addr if req.source else None)
        if req.method == "BYE":
            self._finish(CallState.ENDED, "the target hung up")


class MediaUac(asyncio.DatagramProtocol):
    """A small SIP UAC (UDP, one socket) that makes calls to ``number`` at
    ``host:port`` with RTP from :class:`RtpEndpoint`s. Only what a load test needs:
    INVITE retransmission, one digest challenge, ACK, BYE, and 200 to anything the
    target sends inside a call (re-INVITE answered with the same SDP)."""

    def __init__(self, host: str, port: int, number: str, *,
                 auth: Optional[tuple[str, str]] = None) -> None:
        self.host, self.port, self.number = host, port, number
        self.user = auth[0] if auth else "bench"
        self.auth = DigestClient(auth[0], auth[1]) if auth else None
        self.calls: dict[str, MediaCall] = {}
        self.transport: Optional[asyncio.DatagramTransport] = None
        self.local_port = 0
        self.sender = ToneSender()
        self.parse_errors = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport                        # type: ignore[assignment]
        self.local_port = transport.get_extra_info("sockname")[1]

    def error_received(self, exc: Exception) -> None:
        pass

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        if not data.strip():
            return                                        # keep-alive CRLF
        try:
            msg = parse(data)
        except SipParseError:
            self.parse_errors += 1
            return
        call = self.calls.get(msg.call_id)
        if isinstance(msg, SipRequest):
            if msg.source is None:
                msg.source = Target("UDP", addr[0], addr[1])
            if call is not None:
                call.transition("request", msg)
            elif msg.method != "ACK":
                resp = make_response(msg, 481, "Call/Transaction Does Not Exist", to_tag=new_tag())
                self.send(resp, addr)
        elif call is not None:
            call.transition("response", msg)

    def send(self, msg: Any, addr: Optional[tuple] = None) -> None:
        if self.transport is not None:
            self.transport.sendto(bytes(msg), addr or (self.host, self.port))

    async def call(self) -> MediaCall:
        ep = await open_rtp()
        c = MediaCall(self, ep)
        self.calls[c.call_id] = c
        c.transition("start", None)
        return c


@dataclass
class MediaStep:
    """N calls held with RTP both ways through the target."""

    calls: int
    up: int = 0
    failed_reasons: list = field(default_factory=list)
    frames: StreamStats = field(default_factory=StreamStats)
    measured_ms: float = 0.0
    sent_frames: int = 0
    generator_overruns: int = 0

    @property
    def late_or_lost_pct(self) -> float:
        return self.frames.late_or_lost_pct

    @property
    def held(self) -> bool:
        return self.up == self.calls and self.late_or_lost_pct <= MAX_LATE_OR_LOST_PCT

    def as_dict(self) -> dict:
        f = self.frames
        return {"calls": self.calls, "up": self.up, "held": self.held,
                "late_or_lost_pct": round(self.late_or_lost_pct, 4),
                "expected_frames": f.expected, "lost": f.lost, "late": f.late,
                "dropouts": f.dropouts, "max_delay_ms": round(f.max_delay_ms, 1),
                "measured_ms": round(self.measured_ms), "sent_frames": self.sent_frames,
                "generator_overruns": self.generator_overruns,
                "failed_reasons": sorted(set(self.failed_reasons))[:5]}


async def run_media_step(host: str, port: int, calls: int, *, hold_s: float = 5.0,
                         auth: Optional[tuple[str, str]] = None, number: str = BENCH_NUMBER,
                         setup_rate: float = 50.0) -> MediaStep:
    """Set up ``calls`` calls to ``number`` at ``host:port`` (``setup_rate`` per s), send
    RTP on all of them, measure ``hold_s`` seconds after a warm-up, hang up."""
    loop = asyncio.get_running_loop()
    uac = MediaUac(host, port, number, auth=auth)
    await loop.create_datagram_endpoint(lambda: uac, local_addr=(HOST, 0))
    step = MediaStep(calls=calls)
    uac.sender.start()
    made: list[MediaCall] = []
    try:
        for _ in range(calls):
            made.append(await uac.call())
            await asyncio.sleep(1.0 / setup_rate)
        await asyncio.wait([c.done for c in made], timeout=15)
        step.up = sum(1 for c in made if c.state is CallState.UP)
        step.failed_reasons = [c.reason or c.state.value for c in made if c.state is not CallState.UP]
        start = monotonic_ms() + MEDIA_WARMUP_MS
        await asyncio.sleep(MEDIA_WARMUP_MS / 1000 + hold_s)
        end = monotonic_ms()
        step.measured_ms = end - start
        for c in made:
            if c.state is CallState.UP:
                step.frames += analyse_stream(c.rtp.arrivals, start, end)
            else:
                step.frames.expected += int(step.measured_ms / TICK_MS)
                step.frames.lost += int(step.measured_ms / TICK_MS)
        step.sent_frames = sum(c.rtp.sent for c in made)
        step.generator_overruns = uac.sender.clock.overruns
        for c in made:
            c.done = loop.create_future()
            c.transition("hangup", None)
        pending = [c.done for c in made if c.state is CallState.ENDING]
        if pending:
            await asyncio.wait(pending, timeout=5)
    finally:
        await uac.sender.stop()
        for c in made:
            c.rtp.close()
        if uac.transport:
            uac.transport.close()
    return step


async def measure_media(host: str, port: int, *, steps: Sequence[int] = DEFAULT_MEDIA_STEPS,
                        hold_s: float = 5.0, auth: Optional[tuple[str, str]] = None,
                        number: str = BENCH_NUMBER) -> dict:
    """Step through ``steps`` call counts until one does not hold; returns
    ``concurrent_media_calls`` (largest N held, 0 if none), its ``late_or_lost_pct``
    and all steps."""
    done: list[MediaStep] = []
    best: Optional[MediaStep] = None
    for n in steps:
        s = await run_media_step(host, port, n, hold_s=hold_s, auth=auth, number=number)
        done.append(s)
        await asyncio.sleep(1.0)
        if not s.held:
            break
        best = s
    last = best or (done[-1] if done else None)
    return {"concurrent_media_calls": best.calls if best else 0,
            "late_or_lost_pct": round(last.late_or_lost_pct, 4) if last else None,
            "steps": [s.as_dict() for s in done]}


# --------------------------------------------------------------------------- the bench
async def bench(a: argparse.Namespace, workdir: Path, say: Callable[[str], None]) -> dict:
    """Run the parts asked for in ``a`` (parsed CLI options); returns the JSON object."""
    out: dict[str, Any] = {"sipp_version": sipp_version(), "duration_s": a.duration,
                           "hold_ms": a.hold_ms, "max_response_ms": a.max_response_ms, "setups_per_s": None,
                           "reference_setups_per_s": None, "ratio_vs_sippy": None,
                           "concurrent_media_calls": None, "late_or_lost_pct": None,
                           "reference": None, "hotline": None, "media": None, "caller": None,
                           "hotline_unavailable": None}
    rate = None if a.max_rate else a.rate
    uas, uas_port, media_port = start_uas(workdir)
    try:
        if a.reference:
            say("reference: sippy b2bua_simple → sipp UAS …")
            sp, sp_port = start_sippy(workdir, uas_port)
            try:
                ref = await run_target("sippy", HOST, sp_port, uas_port, workdir,
                                       duration_s=a.duration, rate=rate, calls=a.calls,
                                       hold_ms=a.hold_ms, start_rate=a.start_rate,
                                       max_response_ms=a.max_response_ms)
            finally:
                stop(sp)
            out["reference"] = ref
            out["reference_setups_per_s"] = ref["setups_per_s"]
        if a.hotline:
            say("hotline: starting the daemon …")
            password = "bench-Pw-7001-xyz"
            trunk_in = a.caller == "trunk"
            uac_port = free_udp_port() if trunk_in else None
            out["caller"] = a.caller
            try:
                hp, h_port = start_hotline(workdir, uas_port, password, uac_port)
            except TargetUnavailable as e:
                out["hotline_unavailable"] = str(e)
            else:
                try:
                    auth = (BENCH_EXTENSION, password)
                    hot = await run_target("hotline", HOST, h_port, uas_port, workdir,
                                           duration_s=a.duration, rate=rate, calls=a.calls,
                                           hold_ms=a.hold_ms, auth=None if trunk_in else auth,
                                           start_rate=a.start_rate,
                                           max_response_ms=a.max_response_ms, local_port=uac_port)
                    out["hotline"] = hot
                    out["setups_per_s"] = hot["setups_per_s"]
                    if a.media:
                        say("hotline: concurrent media calls …")
                        steps = [a.media_calls] if a.media_calls else list(DEFAULT_MEDIA_STEPS)
                        med = await measure_media(HOST, h_port, steps=steps, hold_s=a.duration,
                                                  auth=auth)
                        out["media"] = med
                        out["concurrent_media_calls"] = med["concurrent_media_calls"]
                        out["late_or_lost_pct"] = med["late_or_lost_pct"]
                finally:
                    stop(hp)
        if out["setups_per_s"] and out["reference_setups_per_s"]:
            out["ratio_vs_sippy"] = round(out["setups_per_s"] / out["reference_setups_per_s"], 2)
    finally:
        stop(uas)
    return out


def _fmt(v: Any, unit: str = "") -> str:
    if v is None:
        return "—"
    return f"{v:g}{unit}" if isinstance(v, (int, float)) else str(v)


def print_table(out: dict) -> None:
    """The side-by-side table: reference | hotline | ratio."""
    ref, hot = out.get("reference") or {}, out.get("hotline") or {}
    print(f"SIP bench on 127.0.0.1 (sipp {out['sipp_version'] or '?'}, "
          f"{out['duration_s']:g} s per step, hold {out['hold_ms']} ms)")
    print(f"{'':28} {'sippy (ref)':>12} {'hotline':>12} {'ratio':>7}")
    print(f"{'call setups/s (<1% failed)':28} {_fmt(ref.get('setups_per_s')):>12} "
          f"{_fmt(hot.get('setups_per_s')):>12} {_fmt(out.get('ratio_vs_sippy')):>7}")
    print(f"{'INVITE→200 at that rate, ms':28} {_fmt(ref.get('response_ms')):>12} "
          f"{_fmt(hot.get('response_ms')):>12}")
    print(f"{'concurrent RTP calls':28} {'n/a':>12} {_fmt(out.get('concurrent_media_calls')):>12}")
    print(f"{'  late or lost frames':28} {'':>12} {_fmt(out.get('late_or_lost_pct'), ' %'):>12}")
    for name, res in (("sippy", ref), ("hotline", hot)):
        for s in res.get("steps", []):
            print(f"  {name:8} offered {s['rate']:>6g}/s  calls {s['calls']:>5}  ok {s['ok']:>5}  "
                  f"failed {s['failed_pct']:>6.2f} %  {'kept up' if s['kept_up'] else 'fell behind'}"
                  f"  INVITE→200 {s['response_ms']:.1f} ms"
                  + (f"\n      first error: {s['first_error']}" if s.get("first_error") else ""))
    for s in (out.get("media") or {}).get("steps", []):
        print(f"  media    {s['calls']:>4} calls ({s['up']} up): late {s['late']}, lost {s['lost']}, "
              f"drop-outs {s['dropouts']} of {s['expected_frames']} frames = "
              f"{s['late_or_lost_pct']:.3f} %  {'held' if s['held'] else 'NOT held'}"
              + (f"\n      failed calls: {'; '.join(s['failed_reasons'])}" if s['failed_reasons'] else ""))
    print("sippy does not relay media (SDP passes end to end), so only Hotline has an RTP figure.")
    if out.get("caller") == "trunk":
        print("Hotline's caller is a SIP trunk trusted by address (no digest), as sippy is driven; "
              "--caller extension adds a digest challenge (407 + ACK) to every call.")
    elif out.get("caller") == "extension":
        print("Hotline's caller is SIP extension 7001: every call is digest-challenged (407 + ACK), "
              "work sippy's b2bua_simple does not do.")
    if out.get("hotline_unavailable"):
        print(f"hotline: not available yet ({out['hotline_unavailable']})")
    print(f"targets: setups/s ≥ 1.0× sippy (issue measured sippy near {ISSUE_SIPPY_RATE}/s); "
          f"≥ 100 concurrent RTP calls with ≤ {MAX_LATE_OR_LOST_PCT} % late or lost frames")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="hotline bench sip", description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--duration", type=float, default=5.0, metavar="S",
                    help="seconds of offered calls per rate step, and of measured RTP per media step")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--rate", type=float, metavar="R", help="one step at R call setups/s (no ramp)")
    g.add_argument("--max-rate", action="store_true", help="ramp to the sustained rate (default)")
    ap.add_argument("--start-rate", type=float, default=25, metavar="R", help="first rate of the ramp")
    ap.add_argument("--calls", type=int, metavar="N", help="calls per rate step (default rate × duration)")
    ap.add_argument("--max-response-ms", type=float, default=MAX_RESPONSE_MS, metavar="MS",
                    help="a rate step holds only if INVITE→200 averages at most this")
    ap.add_argument("--hold-ms", type=int, default=200, metavar="MS", help="pause between ACK and BYE")
    ap.add_argument("--caller", choices=("trunk", "extension"), default="trunk",
                    help="who calls Hotline: a SIP trunk trusted by address, as sippy is driven "
                         "(default), or SIP extension 7001 with a digest challenge per call")
    ap.add_argument("--media-calls", type=int, metavar="N",
                    help="measure N concurrent RTP calls only (default: steps 25, 50, 100, 150)")
    ap.add_argument("--reference", action=argparse.BooleanOptionalAction, default=True,
                    help="run the sippy B2BUA reference")
    ap.add_argument("--hotline", action=argparse.BooleanOptionalAction, default=True,
                    help="run the Hotline daemon")
    ap.add_argument("--media", action=argparse.BooleanOptionalAction, default=True,
                    help="measure concurrent RTP calls through Hotline")
    return ap


def main(argv: Optional[list[str]] = None) -> int:
    a = build_parser().parse_args(argv)
    if a.duration <= 0 or (a.rate is not None and a.rate <= 0) or (a.calls is not None and a.calls <= 0):
        print("hotline bench sip: --duration, --rate and --calls must be positive", file=sys.stderr)
        return 2
    say = (lambda s: None) if a.json else (lambda s: print(s, file=sys.stderr, flush=True))
    try:
        sipp_path()
        with tempfile.TemporaryDirectory(prefix="hotline-bench-sip-") as tmp:
            out = asyncio.run(bench(a, Path(tmp), say))
    except BenchError as e:
        print(f"hotline bench sip: {e}", file=sys.stderr)
        return 1
    if a.json:
        print(json.dumps(out, indent=2))
    else:
        print_table(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
