"""One scriptable SIP handset: a pjsua2 Endpoint driven by JSON lines on stdin.

Run as ``python -m tests.interop.pjphone_agent [--name A] [--log FILE] [--log-level N]
[--tcp] [--codecs PCMA,PCMU] [--auto-answer 200] [--port N] [--rtp-port N]``.  pjsua2
allows one Endpoint per process and its threads must not live inside pytest, so every
phone is one child process; ``tests/interop/phones.py`` is the driver.

Protocol: one JSON object per line.  Commands come in on stdin as
``{"id": 7, "cmd": "call", "uri": "sip:b@127.0.0.1:5062"}``; the reply carries the
same id: ``{"id": 7, "ok": true, "call": 1}`` or ``{"id": 7, "ok": false, "error":
"..."}``.  Asynchronous events are ``{"event": "call_state", "call": 1, ...}``.
The first line written is ``{"event": "ready", "port": <SIP port>, "tcp_port": ...}``.

Commands: register {server, user, password, transport?, expires?, auth_user?, mwi?} (over
TCP the registrar also becomes the outbound proxy of later requests; mwi=true subscribes
to message-summary after registering), unregister,
call {uri, headers?}, answer {call?, code?}, hangup {call?, code?}, reject {call?, code},
dtmf {call?, digits, method: rfc2833|info|inband}, play {call?, wav, loop?},
play_tone {call?, freq_hz, ms?, level_dbm0?}, stop_play {call?}, record {call?, wav},
stop_record {call?}, hold {call?}, unhold {call?}, xfer {call?, uri, hangup_on_success?},
xfer_replaces {call, other, hangup_on_success?}, state, quit.  After a transfer's final
2xx NOTIFY the transferor hangs up (as handsets do) unless hangup_on_success is false.
``call`` defaults to the newest call that is not disconnected.

Events: ready, incoming_call {call, from, to}, call_state {call, state, code, reason},
media_state {call, status: active|local_hold|remote_hold|none|error, codec, remote_rtp},
dtmf {call, digit, method}, xfer_status {call, code, final, reason},
xfer_request {call, target}, reg_state {code, reason, expires}, replaced {call, new_call},
mwi {waiting, voice, body, source} (solicited or unsolicited NOTIFY message-summary).

Single-threaded: ``threadCnt=0`` and ``mainThreadOnly=True``; the loop polls stdin
with select and calls ``ep.libHandleEvents(10)`` (10 ms), so every pjsua2 callback
runs on this one thread.  Audio uses the null sound device at 8000 Hz; the only codecs
are PCMA/PCMU (in the order given), VAD off.  pjsip logs go to ``--log`` (stderr of
this process is also expected to be redirected there by the driver).
"""
from __future__ import annotations

import argparse
import json
import os
import select
import sys
import shutil
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pjsua2 as pj

_REPO = Path(__file__).resolve().parents[2]
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from dsp.dtmf import DtmfGenerator  # noqa: E402
from dsp.tones import ToneGenerator  # noqa: E402

RATE = 8000
"""Sample rate of the conference bridge and of every WAV written here (Hz)."""

_STATE_NAMES = {
    pj.PJSIP_INV_STATE_NULL: "NULL",
    pj.PJSIP_INV_STATE_CALLING: "CALLING",
    pj.PJSIP_INV_STATE_INCOMING: "INCOMING",
    pj.PJSIP_INV_STATE_EARLY: "EARLY",
    pj.PJSIP_INV_STATE_CONNECTING: "CONNECTING",
    pj.PJSIP_INV_STATE_CONFIRMED: "CONFIRMED",
    pj.PJSIP_INV_STATE_DISCONNECTED: "DISCONNECTED",
}
_MEDIA_NAMES = {
    pj.PJSUA_CALL_MEDIA_NONE: "none",
    pj.PJSUA_CALL_MEDIA_ACTIVE: "active",
    pj.PJSUA_CALL_MEDIA_LOCAL_HOLD: "local_hold",
    pj.PJSUA_CALL_MEDIA_REMOTE_HOLD: "remote_hold",
    pj.PJSUA_CALL_MEDIA_ERROR: "error",
}
_DTMF_METHODS = {
    pj.PJSUA_DTMF_METHOD_RFC2833: "rfc2833",
    pj.PJSUA_DTMF_METHOD_SIP_INFO: "info",
}


class CommandError(Exception):
    """A command that cannot be carried out; the text goes back to the driver."""


def write_wav16(path: str | os.PathLike, samples: np.ndarray) -> None:
    """Write mono 16-bit 8 kHz PCM ``samples`` to ``path`` (plain wave module)."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.asarray(samples, "<i2").tobytes())


class Agent:
    """The endpoint, its accounts and calls, and the JSON line protocol."""

    def __init__(self, out_fd: int, args: argparse.Namespace) -> None:
        self.out_fd = out_fd
        self.args = args
        self.next_call_id = 1
        self.calls: dict[int, "PhoneCall"] = {}
        self.summaries: dict[int, dict[str, Any]] = {}   # last known state of every call
        self.players: dict[int, list] = {}
        self.recorders: dict[int, Any] = {}          # call id -> (recorder, wav path)
        self.ended_recordings: dict[int, str] = {}   # recordings whose call ended first
        self.graveyard: list = []     # pjsua2 objects to drop outside callbacks
        self.later: list = []         # actions to run after the callback that queued them
        # generated WAVs (tones, in-band DTMF) sit beside the log, else in a temp dir
        if args.log:
            self.tmpdir = Path(args.log).parent / f"{Path(args.log).stem}-media"
            self.tmpdir.mkdir(parents=True, exist_ok=True)
            self.own_tmpdir = False
        else:
            self.tmpdir = Path(tempfile.mkdtemp(prefix="pjphone-"))
            self.own_tmpdir = True
        self.running = True
        self.reg_acc: PhoneAccount | None = None

        ep = self.ep = pj.Endpoint()
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.userAgent = f"hotline-test-pjphone/{args.name}"
        cfg.logConfig.level = args.log_level
        cfg.logConfig.consoleLevel = 0      # stdout belongs to the JSON protocol
        if args.log:
            cfg.logConfig.filename = args.log
        cfg.medConfig.clockRate = RATE
        cfg.medConfig.sndClockRate = RATE
        cfg.medConfig.channelCount = 1
        cfg.medConfig.noVad = True
        cfg.medConfig.ecTailLen = 0
        cfg.medConfig.threadCnt = 1
        ep.libInit(cfg)

        tcfg = pj.TransportConfig()
        tcfg.port = args.port
        tcfg.boundAddress = "127.0.0.1"
        tcfg.publicAddress = "127.0.0.1"
        self.udp_tid = ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
        self.port = self._port_of(self.udp_tid)
        self.tcp_tid = None
        self.tcp_port = None
        if args.tcp:
            tcfg2 = pj.TransportConfig()
            tcfg2.port = 0
            tcfg2.boundAddress = "127.0.0.1"
            tcfg2.publicAddress = "127.0.0.1"
            self.tcp_tid = ep.transportCreate(pj.PJSIP_TRANSPORT_TCP, tcfg2)
            self.tcp_port = self._port_of(self.tcp_tid)
        ep.libStart()
        ep.audDevManager().setNullDev()
        self._set_codecs(args.codecs.split(","))

        acfg = pj.AccountConfig()
        acfg.idUri = f"sip:{args.name}@127.0.0.1:{self.port}"
        self.media_on_loopback(acfg)
        self.local_acc = PhoneAccount(self)
        self.local_acc.create(acfg, True)
        self.emit({"event": "ready", "port": self.port, "tcp_port": self.tcp_port,
                   "uri": acfg.idUri, "name": args.name})

    # ---- helpers -----------------------------------------------------------------
    def _port_of(self, tid: int) -> int:
        name = self.ep.transportGetInfo(tid).localName
        return int(name.rsplit(":", 1)[1])

    def media_on_loopback(self, acfg: Any) -> None:
        """RTP/RTCP of the account's calls on 127.0.0.1 (OS-chosen ports), SDP saying so."""
        mt = acfg.mediaConfig.transportConfig
        mt.port = self.args.rtp_port
        mt.portRange = 1000 if self.args.rtp_port else 0
        mt.boundAddress = "127.0.0.1"
        mt.publicAddress = "127.0.0.1"

    def _set_codecs(self, order: list[str]) -> None:
        wanted = {f"{c.strip().upper()}/8000/1": 255 - i for i, c in enumerate(order) if c.strip()}
        known = set()
        for info in self.ep.codecEnum2():
            cid = info.codecId
            known.add(cid)
            self.ep.codecSetPriority(cid, wanted.get(cid, 0))
        missing = [c for c in wanted if c not in known]
        if missing:
            raise SystemExit(f"codecs {missing} are not available in this pjsua2 build")

    def emit(self, obj: dict[str, Any]) -> None:
        """Write one JSON line on the protocol fd (never on sys.stdout)."""
        data = (json.dumps(obj) + "\n").encode()
        while data:
            n = os.write(self.out_fd, data)
            data = data[n:]

    def new_call_id(self) -> int:
        cid = self.next_call_id
        self.next_call_id += 1
        return cid

    def account(self) -> "PhoneAccount":
        return self.reg_acc if self.reg_acc is not None else self.local_acc

    def pick_call(self, args: dict[str, Any], key: str = "call") -> "PhoneCall":
        cid = args.get(key)
        if cid is None:
            live = [c for c in self.calls.values() if not c.disconnected]
            if not live:
                raise CommandError("no active call")
            return live[-1]
        call = self.calls.get(int(cid))
        if call is None:
            raise CommandError(f"no call with id {cid} (known: {sorted(self.calls)})")
        return call

    def audio_media(self, call: "PhoneCall") -> Any:
        ci = call.getInfo()
        for i, m in enumerate(ci.media):
            if m.type == pj.PJMEDIA_TYPE_AUDIO and m.status in (
                    pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD):
                return call.getAudioMedia(i)
        raise CommandError(f"call {call.cid} has no active audio (media "
                           f"{[_MEDIA_NAMES.get(m.status, m.status) for m in ci.media]})")

    def forget_media(self, cid: int) -> None:
        """Drop the players/recorders of call ``cid`` (finishing recorded WAV files)."""
        for p in self.players.pop(cid, []):
            self.graveyard.append(p)
        rec = self.recorders.pop(cid, None)
        if rec is not None:
            self.graveyard.append(rec[0])
            self.ended_recordings[cid] = rec[1]   # stop_record still finishes and reports it

    # ---- commands ------------------------------------------------------------------
    def handle(self, msg: dict[str, Any]) -> dict[str, Any]:
        name = msg.get("cmd")
        fn = getattr(self, f"cmd_{name}", None)
        if fn is None:
            raise CommandError(f"unknown command {name!r}")
        return fn(msg) or {}

    def cmd_register(self, a: dict[str, Any]) -> dict[str, Any]:
        server, user = a["server"], a["user"]
        transport = a.get("transport", "udp").lower()
        if transport not in ("udp", "tcp"):
            raise CommandError(f"transport must be udp or tcp, not {transport!r}")
        if transport == "tcp" and self.tcp_tid is None:
            raise CommandError("start the phone with tcp=True to register over TCP")
        host = server[4:] if server.startswith("sip:") else server
        acfg = pj.AccountConfig()
        acfg.idUri = f"sip:{user}@{host.split(';')[0]}"
        reg = f"sip:{host}" + (";transport=tcp" if transport == "tcp" else "")
        acfg.regConfig.registrarUri = reg
        acfg.regConfig.timeoutSec = int(a.get("expires", 300))
        acfg.regConfig.retryIntervalSec = 0
        acfg.mwiConfig.enabled = bool(a.get("mwi", False))     # SUBSCRIBE to message-summary
        acfg.sipConfig.transportId = self.tcp_tid if transport == "tcp" else self.udp_tid
        if transport == "tcp":
            acfg.sipConfig.proxies.append(f"<{reg};lr>")
        self.media_on_loopback(acfg)
        acfg.natConfig.contactRewriteUse = 0
        acfg.natConfig.viaRewriteUse = 0
        acfg.natConfig.sdpNatRewriteUse = 0
        acfg.sipConfig.authCreds.append(
            pj.AuthCredInfo("digest", "*", a.get("auth_user", user), 0, a.get("password", "")))
        if self.reg_acc is not None:
            self.reg_acc.modify(acfg)
        else:
            self.reg_acc = PhoneAccount(self)
            self.reg_acc.create(acfg, True)
        return {"uri": acfg.idUri}

    def cmd_unregister(self, a: dict[str, Any]) -> dict[str, Any]:
        if self.reg_acc is None:
            raise CommandError("not registered")
        self.reg_acc.setRegistration(False)
        return {}

    def cmd_call(self, a: dict[str, Any]) -> dict[str, Any]:
        call = PhoneCall(self, self.account())
        prm = pj.CallOpParam(True)
        prm.opt.videoCount = 0
        for name, value in (a.get("headers") or {}).items():
            h = pj.SipHeader()
            h.hName, h.hValue = name, str(value)
            prm.txOption.headers.append(h)
        try:
            call.makeCall(a["uri"], prm)
        except pj.Error as e:
            call.disconnected = True
            raise CommandError(f"cannot call {a['uri']}: {e.info()}") from None
        self.calls[call.cid] = call
        return {"call": call.cid}

    def cmd_answer(self, a: dict[str, Any]) -> dict[str, Any]:
        call = self.pick_call(a)
        prm = pj.CallOpParam()
        prm.statusCode = int(a.get("code", 200))
        call.answer(prm)
        return {"call": call.cid}

    def cmd_hangup(self, a: dict[str, Any]) -> dict[str, Any]:
        call = self.pick_call(a)
        prm = pj.CallOpParam()
        if "code" in a:
            prm.statusCode = int(a["code"])
        call.hangup(prm)
        return {"call": call.cid}

    def cmd_reject(self, a: dict[str, Any]) -> dict[str, Any]:
        return self.cmd_hangup({**a, "code": int(a.get("code", 486))})

    def cmd_dtmf(self, a: dict[str, Any]) -> dict[str, Any]:
        call = self.pick_call(a)
        digits = str(a["digits"])
        method = a.get("method", "rfc2833")
        if method == "inband":
            gen = DtmfGenerator(level_dbm0=-10.0, on_ms=int(a.get("on_ms", 80)),
                                off_ms=int(a.get("off_ms", 80)))
            wav = self.tmpdir / f"dtmf-{call.cid}-{len(self.players.get(call.cid, []))}.wav"
            samples = np.concatenate([np.zeros(RATE // 10, np.int16), gen.generate(digits),
                                      np.zeros(RATE // 10, np.int16)])
            write_wav16(wav, samples)
            self._play(call, str(wav), loop=False)
        elif method in ("rfc2833", "info"):
            prm = pj.CallSendDtmfParam()
            prm.digits = digits
            prm.method = (pj.PJSUA_DTMF_METHOD_RFC2833 if method == "rfc2833"
                          else pj.PJSUA_DTMF_METHOD_SIP_INFO)
            prm.duration = int(a.get("duration_ms", 160))
            call.sendDtmf(prm)
        else:
            raise CommandError(f"dtmf method must be rfc2833, info or inband, not {method!r}")
        return {"call": call.cid}

    def _play(self, call: "PhoneCall", wav: str, loop: bool = True) -> None:
        aud = self.audio_media(call)
        if not Path(wav).is_file():
            raise CommandError(f"WAV file {wav} does not exist")
        player = pj.AudioMediaPlayer()
        player.createPlayer(wav, 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(aud)
        self.players.setdefault(call.cid, []).append(player)

    def cmd_play(self, a: dict[str, Any]) -> dict[str, Any]:
        call = self.pick_call(a)
        self._stop_play(call)
        self._play(call, str(a["wav"]), loop=bool(a.get("loop", True)))
        return {"call": call.cid}

    def cmd_play_tone(self, a: dict[str, Any]) -> dict[str, Any]:
        call = self.pick_call(a)
        freq = float(a["freq_hz"])
        if not 50 <= freq <= 3900:
            raise CommandError(f"freq_hz must be 50..3900 Hz for 8 kHz audio, not {freq}")
        ms = int(a.get("ms", 1000))
        gen = ToneGenerator(f"{freq:g}", level_dbm0=float(a.get("level_dbm0", -10.0)))
        wav = self.tmpdir / f"tone-{call.cid}-{freq:g}-{ms}.wav"
        write_wav16(wav, gen.read(ms * RATE // 1000))
        self._stop_play(call)
        self._play(call, str(wav), loop=bool(a.get("loop", True)))
        return {"call": call.cid, "wav": str(wav)}

    def _stop_play(self, call: "PhoneCall") -> None:
        aud = None
        for p in self.players.pop(call.cid, []):
            try:
                aud = aud or self.audio_media(call)
                p.stopTransmit(aud)
            except (pj.Error, CommandError):
                pass
            self.graveyard.append(p)

    def cmd_stop_play(self, a: dict[str, Any]) -> dict[str, Any]:
        call = self.pick_call(a)
        self._stop_play(call)
        return {"call": call.cid}

    def cmd_record(self, a: dict[str, Any]) -> dict[str, Any]:
        call = self.pick_call(a)
        if call.cid in self.recorders:
            raise CommandError(f"call {call.cid} is already being recorded; stop_record first")
        aud = self.audio_media(call)
        wav = str(a["wav"])
        Path(wav).parent.mkdir(parents=True, exist_ok=True)
        rec = pj.AudioMediaRecorder()
        rec.createRecorder(wav)
        aud.startTransmit(rec)
        self.recorders[call.cid] = (rec, wav)
        return {"call": call.cid, "wav": wav}

    def cmd_stop_record(self, a: dict[str, Any]) -> dict[str, Any]:
        """Stop the recording of ``call`` (all recordings if None), also after the call ended."""
        if a.get("call") is not None:
            cids = [int(a["call"])]
        else:
            cids = sorted(set(self.recorders) | set(self.ended_recordings))
        unknown = [c for c in cids if c not in self.recorders and c not in self.ended_recordings]
        if not cids or unknown:
            raise CommandError(f"no recording in progress for call {unknown[0] if unknown else '(any)'}")
        paths = []
        for cid in cids:
            if cid in self.ended_recordings:
                paths.append(self.ended_recordings.pop(cid))
                continue
            rec, wav = self.recorders.pop(cid)
            paths.append(wav)
            try:
                self.audio_media(self.calls[cid]).stopTransmit(rec)
            except (pj.Error, CommandError, KeyError):
                pass
            del rec     # the destructor removes the port; the bridge then closes the file
        self.graveyard.clear()
        self.settle_recordings(paths)
        return {"calls": cids, "wavs": paths}

    def settle_recordings(self, paths: list[str], max_ms: int = 1000) -> None:
        """Run the library until the recorders' WAV files are closed (header written).

        Destroying a recorder only queues the removal of its bridge port (pjmedia 2.14+);
        the file is finished by the bridge clock a frame or two later.
        """
        for _ in range(max_ms // 10):
            self.ep.libHandleEvents(10)
            done = True
            for p in paths:
                try:
                    with wave.open(p, "rb"):
                        pass
                except (OSError, EOFError, wave.Error):
                    done = False
            if done:
                self.ep.libHandleEvents(10)
                return

    def cmd_hold(self, a: dict[str, Any]) -> dict[str, Any]:
        call = self.pick_call(a)
        call.setHold(pj.CallOpParam(True))
        return {"call": call.cid}

    def cmd_unhold(self, a: dict[str, Any]) -> dict[str, Any]:
        call = self.pick_call(a)
        prm = pj.CallOpParam(True)
        prm.opt.flag = pj.PJSUA_CALL_UNHOLD
        call.reinvite(prm)
        return {"call": call.cid}

    def cmd_xfer(self, a: dict[str, Any]) -> dict[str, Any]:
        call = self.pick_call(a)
        call.hangup_after_xfer = bool(a.get("hangup_on_success", True))
        call.xfer(str(a["uri"]), pj.CallOpParam(True))
        return {"call": call.cid}

    def cmd_xfer_replaces(self, a: dict[str, Any]) -> dict[str, Any]:
        if a.get("call") is None or a.get("other") is None:
            raise CommandError("xfer_replaces needs call (the one to transfer) and other "
                               "(the consultation call that replaces it)")
        call = self.pick_call(a)
        other = self.pick_call(a, "other")
        call.hangup_after_xfer = bool(a.get("hangup_on_success", True))
        call.xferReplaces(other, pj.CallOpParam(True))
        return {"call": call.cid, "other": other.cid}

    def cmd_state(self, a: dict[str, Any]) -> dict[str, Any]:
        for call in self.calls.values():
            if not call.disconnected:
                call.snapshot()
        reg = None
        if self.reg_acc is not None:
            info = self.reg_acc.getInfo()
            reg = {"code": info.regStatus, "reason": info.regStatusText,
                   "expires": info.regExpiresSec, "active": info.regIsActive}
        return {"calls": [self.summaries[c] for c in sorted(self.summaries)],
                "port": self.port, "tcp_port": self.tcp_port, "registration": reg}

    def cmd_quit(self, a: dict[str, Any]) -> dict[str, Any]:
        self.running = False
        return {}

    # ---- main loop -------------------------------------------------------------------
    def run(self, in_fd: int) -> None:
        buf = b""
        while self.running:
            r, _, _ = select.select([in_fd], [], [], 0)
            if r:
                chunk = os.read(in_fd, 65536)
                if not chunk:
                    break           # driver went away
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.strip():
                        self.dispatch(line)
            self.ep.libHandleEvents(10)
            while self.later:
                self.later.pop(0)()
            if self.graveyard:
                self.graveyard.clear()
        # Leave quickly: BYE/CANCEL every call, let recorders finish their files, then
        # the caller exits the process without libDestroy (which waits about a second).
        try:
            self.ep.hangupAllCalls()
        except pj.Error:
            pass
        paths = [wav for _, wav in self.recorders.values()]
        self.recorders.clear()
        self.players.clear()
        for _ in range(50):
            self.ep.libHandleEvents(10)
            if not any(not c.disconnected for c in self.calls.values()):
                break
        self.settle_recordings(paths, max_ms=300)
        self.graveyard.clear()

    def dispatch(self, line: bytes) -> None:
        mid = None
        try:
            msg = json.loads(line)
            mid = msg.get("id")
            reply = self.handle(msg)
            self.emit({"id": mid, "ok": True, **reply})
        except CommandError as e:
            self.emit({"id": mid, "ok": False, "error": str(e)})
        except pj.Error as e:
            self.emit({"id": mid, "ok": False, "error": f"pjsua2: {e.info()}"})
        except (KeyError, ValueError, TypeError) as e:
            self.emit({"id": mid, "ok": False, "error": f"bad command {line[:200]!r}: "
                                                         f"{type(e).__name__} {e}"})


class PhoneAccount(pj.Account):
    """An account: registration state and incoming calls become events."""

    def __init__(self, agent: Agent) -> None:
        super().__init__()
        self.agent = agent

    def onRegState(self, prm: Any) -> None:
        self.agent.emit({"event": "reg_state", "code": prm.code, "reason": prm.reason,
                         "expires": prm.expiration})

    def onMwiInfo(self, prm: Any) -> None:
        msg = prm.rdata.wholeMsg
        body = msg.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in msg else ""
        fields = {}
        for line in body.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k.strip().lower()] = v.strip()
        self.agent.emit({"event": "mwi", "waiting": fields.get("messages-waiting", "").lower() == "yes",
                         "voice": fields.get("voice-message", ""), "body": body,
                         "source": prm.rdata.srcAddress})

    def onIncomingCall(self, prm: Any) -> None:
        call = PhoneCall(self.agent, self, prm.callId)
        self.agent.calls[call.cid] = call
        ci = call.getInfo()
        self.agent.emit({"event": "incoming_call", "call": call.cid, "from": ci.remoteUri,
                         "to": ci.localUri})
        call.snapshot()
        code = self.agent.args.auto_answer
        if code:
            def answer() -> None:
                if not call.disconnected:
                    prm = pj.CallOpParam()
                    prm.statusCode = code
                    call.answer(prm)
            self.agent.later.append(answer)


class PhoneCall(pj.Call):
    """One call; its callbacks become events."""

    def __init__(self, agent: Agent, acc: PhoneAccount, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(acc, call_id)
        self.agent = agent
        self.acc = acc
        self.cid = agent.new_call_id()
        self.disconnected = False
        self.media_status = "none"
        self.hangup_after_xfer = True
        self.codec = ""         # e.g. "PCMA/8000" once media is up
        self.remote_rtp = ""    # "host:port" the phone sends RTP to

    def snapshot(self) -> dict[str, Any]:
        ci = self.getInfo()
        s = {"call": self.cid, "state": _STATE_NAMES.get(ci.state, str(ci.state)),
             "code": ci.lastStatusCode, "reason": ci.lastReason, "remote": ci.remoteUri,
             "local": ci.localUri, "media": self.media_status, "call_id": ci.callIdString,
             "codec": self.codec, "remote_rtp": self.remote_rtp}
        self.agent.summaries[self.cid] = s
        return s

    def onCallState(self, prm: Any) -> None:
        s = self.snapshot()
        self.agent.emit({"event": "call_state", "call": self.cid, "state": s["state"],
                         "code": s["code"], "reason": s["reason"]})
        if s["state"] == "DISCONNECTED":
            self.disconnected = True
            self.agent.forget_media(self.cid)
            self.agent.calls.pop(self.cid, None)
            self.agent.graveyard.append(self)

    def onCallMediaState(self, prm: Any) -> None:
        ci = self.getInfo()
        status = "none"
        for m in ci.media:
            if m.type == pj.PJMEDIA_TYPE_AUDIO:
                status = _MEDIA_NAMES.get(m.status, str(m.status))
                break
        self.media_status = status
        for i, m in enumerate(ci.media):
            if m.type == pj.PJMEDIA_TYPE_AUDIO and m.status != pj.PJSUA_CALL_MEDIA_NONE:
                try:
                    si = self.getStreamInfo(i)
                    self.codec = f"{si.codecName}/{si.codecClockRate}"
                    self.remote_rtp = si.remoteRtpAddress
                except pj.Error:
                    pass
                break
        self.snapshot()
        self.agent.emit({"event": "media_state", "call": self.cid, "status": status,
                         "codec": self.codec, "remote_rtp": self.remote_rtp})

    def onDtmfDigit(self, prm: Any) -> None:
        self.agent.emit({"event": "dtmf", "call": self.cid, "digit": prm.digit,
                         "method": _DTMF_METHODS.get(prm.method, str(prm.method))})

    def onCallTransferRequest(self, prm: Any) -> None:
        self.agent.emit({"event": "xfer_request", "call": self.cid, "target": prm.dstUri})
        new = PhoneCall(self.agent, self.acc)
        self.agent.calls[new.cid] = new
        prm.newCall = new

    def onCallReplaced(self, prm: Any) -> None:
        new = PhoneCall(self.agent, self.acc, prm.newCallId)
        self.agent.calls[new.cid] = new
        prm.newCall = new
        self.agent.emit({"event": "replaced", "call": self.cid, "new_call": new.cid})

    def onCallTransferStatus(self, prm: Any) -> None:
        self.agent.emit({"event": "xfer_status", "call": self.cid, "code": prm.statusCode,
                         "reason": prm.reason, "final": bool(prm.finalNotify)})
        if prm.finalNotify and 200 <= prm.statusCode < 300 and self.hangup_after_xfer:
            # as handsets do: the transfer worked, so the transferor leaves the call
            prm.cont = False
            self.agent.later.append(lambda: self._hangup_quietly())

    def _hangup_quietly(self) -> None:
        if not self.disconnected:
            try:
                self.hangup(pj.CallOpParam(True))
            except pj.Error:
                pass


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="phone", help="user part of the local account URI")
    ap.add_argument("--port", type=int, default=0, help="UDP SIP port (0: ask the OS)")
    ap.add_argument("--rtp-port", type=int, default=0,
                    help="first RTP port to try (0: OS-chosen ports)")
    ap.add_argument("--tcp", action="store_true", help="also listen on TCP (OS-chosen port)")
    ap.add_argument("--codecs", default="PCMA,PCMU", help="codec order, e.g. PCMU,PCMA")
    ap.add_argument("--auto-answer", type=int, default=0,
                    help="answer every incoming call with this code (0: wait for answer)")
    ap.add_argument("--log", default="", help="pjsip log file")
    ap.add_argument("--log-level", type=int, default=3, help="pjsip log level 0..6")
    args = ap.parse_args(argv)
    # Keep the protocol on a private copy of stdout; anything else printing to fd 1
    # (SWIG warnings, C libraries) lands on stderr (the log) instead.
    out_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    agent = Agent(out_fd, args)
    try:
        agent.run(sys.stdin.fileno())
    finally:
        if agent.own_tmpdir:
            shutil.rmtree(agent.tmpdir, ignore_errors=True)
        os._exit(0)


if __name__ == "__main__":
    main()
