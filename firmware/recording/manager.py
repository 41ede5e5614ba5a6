"""RecordingManager: which calls are recorded, start/stop, the disk guard, retention and
start-up recovery. One per box (``Box.recording``; call control reaches it as
``ctl.recording``).

Call control tells it when a call is answered by a person (:meth:`call_answered`, from
``CallControl.call_answered``, after the stage's on_answer): the policy is decided
(:mod:`firmware.recording.policy`) and ``always`` starts a recording — not while an
application (IVR, queue, voicemail) holds the call. Every other change comes through
:meth:`call_changed` (from ``CallControl.publish_call``): parties moving (transfer,
redirect) re-point the tap, a new B party whose policy is never stops it, the end of the
call closes the file. ``on_demand``
calls are started/stopped by the feature key (``record_toggle``, default ``*1``) pressed
by an extension during the call (:meth:`digit`), or by the management API
(``recording.start`` / ``recording.stop``). ACD tells it a call went through a queue
with its ``acd.connect`` event, or any application calls :meth:`hint`.

Disk safety (:meth:`guard`): before each start and after each 1-s flush, free space on
the recordings' filesystem below ``min_free_mb`` or the recordings' total above
``quota_mb`` refuses new recordings and stops running ones, with an ``alarm`` event
(once per condition until it clears); calls are never touched. Write errors stop only
the recording concerned.
"""
from __future__ import annotations

import datetime as _dt
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from hal.clock import Timer

from firmware.calls.call import CallState
from firmware.engine.media import DtmfPlayer, TonePlayer
from firmware.recording.index import RecordingIndex
from firmware.recording.policy import Decision, decide, validate_recording_setting
from firmware.recording.wavfile import WavFormat, repair
from firmware.recording.writer import RecordingBank, RecordingWriter

if TYPE_CHECKING:
    from firmware.calls.call import Call
    from firmware.calls.control import CallControl

log = logging.getLogger("hotline.recording")

CODE_DIGIT_TIMEOUT_MS = 2000      #: between the keys of the in-call code (then they go through)
RETENTION_SWEEP_MS = 3600_000     #: expired recordings are deleted hourly (and at start-up)
START_BEEP = "!1400/200"          #: the presser hears: recording on
STOP_BEEP = "!1400/120,!0/100,!1400/120"   #: recording off
MB = 1024 * 1024
RESERVE_BYTES = 512 * 1024        #: kept on the recordings' disk, given up when a write fails (room for the DBs)
RESERVE_NAME = ".reserve"


class RecordingRefused(Exception):
    """A recording could not start: the message says why in plain words."""


@dataclass
class Active:
    """A recording in progress."""
    rec_id: int
    writer: RecordingWriter
    call: "Call"
    started_by: str


@dataclass
class _CodeBuf:
    keys: str = ""
    timer: Optional[Timer] = None


@dataclass
class _CallInfo:
    decision: Optional[Decision] = None
    decided_for: Any = None              #: the B party the decision was made with
    queue: str = ""
    agent: str = ""
    codes: dict[Any, _CodeBuf] = field(default_factory=dict)


class RecordingManager:
    def __init__(self, ctl: "CallControl", recordings_dir: Path, index_path: Path, *,
                 publish: Optional[Callable[[str, dict], None]] = None) -> None:
        self.ctl = ctl
        self.dir = Path(recordings_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.index = RecordingIndex(index_path)
        self._publish = publish or ctl.publish
        self.active: dict[str, Active] = {}             #: call id -> recording
        self._calls: dict[str, _CallInfo] = {}
        self._alarms: set[str] = set()
        self._setting_of: Any = None
        self._setting: dict[str, Any] = {}
        self.bank = RecordingBank(on_flush=self._after_flush)
        ctl.switch.add_tap(self.bank)
        self._reserve()
        self.recovered = self.recover()
        self.purge_expired()
        self._sweep = ctl.clock.call_later(RETENTION_SWEEP_MS, self._hourly)

    # ------------------------------------------------------------------ settings
    @property
    def setting(self) -> dict[str, Any]:
        cfg = self.ctl.config
        if cfg is not self._setting_of:
            self._setting = validate_recording_setting(cfg.settings.get("recording") or {})
            self._setting_of = cfg
        return self._setting

    def _code(self) -> str:
        return (self.ctl.config.settings.get("feature_codes") or {}).get("record_toggle", "")

    # ------------------------------------------------------------------ policy
    def decision(self, call: "Call") -> Decision:
        info = self._calls.setdefault(call.id, _CallInfo())
        if info.decision is None or info.decided_for is not call.b:      # a new B party: decide again
            info.decision = self._decide(call, info)
            info.decided_for = call.b
        return info.decision

    def _decide(self, call: "Call", info: _CallInfo) -> Decision:
        exts = [e.number for e in (getattr(c, "extension", None) for c in (call.a, call.b)) if e is not None]
        queue = info.queue
        if not queue and self.ctl.config.destination_kind(call.dst) == "queue":
            queue = call.dst                         # dialled / routed straight to a queue
        route = getattr(call, "route", None)
        keys = [route.name, str(route.id)] if route is not None else []
        return decide(self.setting, queue=queue, extensions=exts, trunk=self._trunk(call), route=keys)

    @staticmethod
    def _trunk(call: "Call") -> str:
        if call.trunk_line:
            return call.trunk_line
        for ch in (call.b, call.a):
            line = getattr(ch, "line", None)
            if line is not None:
                return line.name
            trunk = getattr(ch, "trunk", None)
            if trunk is not None:
                return trunk.name
        return ""

    def announcement(self, call: "Call") -> list[str]:
        """Prompt names the caller hears before the talk path opens ("this call may be
        recorded") when the call's policy records and announces."""
        d = self.decision(call)
        return ["call_may_be_recorded"] if d.announce and d.mode != "never" else []

    def hint(self, call: "Call", queue: str = "", agent: str = "") -> None:
        """ACD: ``call`` went through ``queue`` and is served by extension ``agent``;
        the policy is decided again (a queue entry outranks the others)."""
        info = self._calls.setdefault(call.id, _CallInfo())
        info.queue = queue or info.queue
        info.agent = agent or info.agent
        info.decision = None
        act = self.active.get(call.id)
        if act is not None:
            try:
                self.index.update(act.rec_id, queue=info.queue, agent=info.agent)
            except Exception as e:
                log.warning("recording %d: queue/agent not indexed (%s)", act.rec_id, e)
        if call.state == CallState.ANSWERED:
            self._apply_policy(call)

    def on_event(self, event: str, data: dict) -> None:
        """Box events: ``acd.connect`` {queue, callid, agent} gives the queue and agent of
        a queue call (see :meth:`hint`)."""
        if event == "acd.connect":
            call = self.ctl.calls.get(str(data.get("callid", "")))
            if call is not None:
                self.hint(call, queue=str(data.get("queue") or ""), agent=str(data.get("agent") or ""))

    # ------------------------------------------------------------------ call events
    def call_changed(self, call: "Call") -> None:
        if call.state == CallState.ENDED:
            self._stop(call, "call ended")
            info = self._calls.pop(call.id, None)
            if info is not None:
                for buf in info.codes.values():
                    if buf.timer is not None:
                        buf.timer.cancel()
            return
        if call.state != CallState.ANSWERED:
            return
        act = self.active.get(call.id)
        if act is not None:
            if self.decision(call).mode == "never":     # the new B party's policy says never
                self._stop(call, "policy never")
                return
            rows = self._rows(call)
            if rows != act.writer.rows:
                act.writer.rows = rows
                self.bank.rows_changed()

    def call_answered(self, call: "Call") -> None:
        """``call`` was answered (again, after a redirect): an ``always`` policy starts
        recording now — after the stage's on_answer, so ACD's queue/agent are known."""
        self._apply_policy(call)

    def _apply_policy(self, call: "Call") -> None:
        d = self.decision(call)
        act = self.active.get(call.id)
        if call.b is None or call.b.row is None:
            return               # answered by an application (IVR, queue, voicemail): wait for a person
        if d.mode == "always" and act is None:
            try:
                self.start(call, by="policy " + d.source)
            except RecordingRefused as e:
                log.warning("call %s not recorded: %s", call.id, e)
        elif d.mode == "never" and act is not None:
            self._stop(call, "policy never")

    @staticmethod
    def _rows(call: "Call") -> tuple[Optional[int], Optional[int]]:
        return (call.a.row if call.a is not None else None, call.b.row if call.b is not None else None)

    # ------------------------------------------------------------------ start / stop
    def start(self, call: "Call", by: str) -> dict[str, Any]:
        """Start recording ``call`` (answered). :class:`RecordingRefused` if the policy is
        never, it is already recorded, or the disk guard says no."""
        if call.state != CallState.ANSWERED:
            raise RecordingRefused(f"call {call.id} is not answered ({call.state.value})")
        if call.id in self.active:
            raise RecordingRefused(f"call {call.id} is already being recorded")
        d = self.decision(call)
        if d.mode == "never":
            raise RecordingRefused(f"recording is off for call {call.id} by policy ({d.source}: never)")
        problem = self.guard()
        if problem:
            raise RecordingRefused(problem)
        s = self.setting
        fmt = WavFormat(s["format"], 2 if s["channels"] == "stereo" else 1)
        now = self.ctl.clock.wall_time()
        day = self.ctl.local_time().strftime("%Y-%m-%d")
        n = sum(1 for _ in self.index.search(uniqueid=call.id, limit=None, states=("recording", "done",
                                                                                 "recovered", "failed", "deleted")))
        rel = Path(day) / f"{call.id}{'-' + str(n + 1) if n else ''}.wav"
        path = self.dir / rel
        info = self._calls.setdefault(call.id, _CallInfo())
        agent = info.agent or (getattr(getattr(call.b, "extension", None), "number", "") if call.direction == "inbound" else "")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = RecordingWriter(path, fmt, self._rows(call), on_error=self._write_failed)
        except OSError as e:
            self._alarm("write_error", f"cannot create recording file {path}: {e}")
            raise RecordingRefused(f"cannot create the recording file: {e}") from None
        expires = now + _dt.timedelta(days=d.retention_days) if d.retention_days else None
        try:
            rec_id = self.index.add(uniqueid=call.id, linkedid=call.linkedid, path=str(rel), queue=info.queue,
                                    agent=agent, caller=call.src, callee=self._callee(call),
                                    direction=call.direction, trunk=self._trunk(call), start=now,
                                    format=fmt.law, channels=fmt.channels, bytes=fmt.header_bytes,
                                    expires=expires, state="recording", started_by=by)
        except Exception as e:                        # the index is on a full disk too
            writer.close()
            self._alarm("write_error", f"cannot index recording {path}: {e}")
            raise RecordingRefused(f"cannot write the recording index: {e}") from None
        self.active[call.id] = Active(rec_id, writer, call, by)
        self.bank.add(writer)
        self._publish("recording.started", {"call": call.id, "id": rec_id, "path": str(path), "by": by})
        log.info("recording call %s to %s (%s)", call.id, path, by)
        return {"call": call.id, "id": rec_id, "path": str(path)}

    @staticmethod
    def _callee(call: "Call") -> str:
        b = call.b
        ext = getattr(b, "extension", None)
        return ext.number if ext is not None else call.dst

    def stop(self, call: "Call", by: str) -> dict[str, Any]:
        if call.id not in self.active:
            raise RecordingRefused(f"call {call.id} is not being recorded")
        return self._stop(call, by) or {}

    def _stop(self, call: "Call", why: str, state: str = "done") -> Optional[dict[str, Any]]:
        act = self.active.pop(call.id, None)
        if act is None:
            return None
        self.bank.remove(act.writer)
        act.writer.close()
        return self._closed(act, "failed" if act.writer.failed else state, act.writer.failed or why)

    def _closed(self, act: Active, state: str, note: str) -> dict[str, Any]:
        w = act.writer
        now = self.ctl.clock.wall_time()
        fields = dict(end=now, duration_s=round(w.seconds, 2), bytes=w.fmt.header_bytes + w.data_bytes,
                      state=state, note=note[:200])
        try:
            self.index.update(act.rec_id, **fields)
        except Exception as e:
            log.warning("recording %d: index not updated (%s); start-up recovery will", act.rec_id, e)
        self._publish("recording.stopped", {"call": act.call.id, "id": act.rec_id, "state": state,
                                            "duration_s": fields["duration_s"], "note": note})
        return {"call": act.call.id, "id": act.rec_id, "state": state, "duration_s": fields["duration_s"]}

    def _reserve(self) -> None:
        """Hold :data:`RESERVE_BYTES` on the recordings' disk (a file of zeros) while there
        is room, so that when a recording fills the disk anyway, deleting it leaves room
        for the index, the CDR and the config DB to commit."""
        path = self.dir / RESERVE_NAME
        try:
            if path.exists() and path.stat().st_size >= RESERVE_BYTES:
                return
            if shutil.disk_usage(self.dir).free < 4 * RESERVE_BYTES:
                return
            with open(path, "wb") as f:
                f.write(bytes(RESERVE_BYTES))
        except OSError as e:
            log.warning("recording: cannot keep the reserve file %s: %s", path, e)
            path.unlink(missing_ok=True)

    def _give_up_reserve(self) -> None:
        try:
            (self.dir / RESERVE_NAME).unlink(missing_ok=True)
        except OSError:
            pass

    def _write_failed(self, writer: RecordingWriter, err: OSError) -> None:
        self._give_up_reserve()
        for cid, act in list(self.active.items()):
            if act.writer is writer:
                del self.active[cid]
                self.bank.remove(writer)
                self._closed(act, "failed", f"write error: {err}")
                self._alarm("write_error", f"recording of call {cid} stopped: {err} (the call goes on)")

    def stop_all(self, why: str, state: str = "done") -> None:
        for act in list(self.active.values()):
            self._stop(act.call, why, state)

    # ------------------------------------------------------------------ in-call feature key
    def digit(self, call: "Call", chan: Any, d: str) -> bool:
        """A key pressed during answered ``call`` by ``chan``: True if it belongs to the
        record toggle code (it is then not passed on). Only extensions of a
        person-to-person call (both parties with audio) on an ``on_demand`` call use it.
        In-band keys of the code are muted toward the other party (Switch.swallow_dtmf);
        keys that turn out not to be the code are replayed to it as DTMF."""
        code = self._code()
        if not code or getattr(chan, "extension", None) is None or chan.row is None:
            return False
        other = call.other(chan)
        if other is None or other.row is None:
            return False
        if self.decision(call).mode != "on_demand":
            return False
        info = self._calls.setdefault(call.id, _CallInfo())
        buf = info.codes.setdefault(chan, _CodeBuf())
        keys = buf.keys + d
        if not code.startswith(keys):
            if keys == d:
                return False
            if code.startswith(d):                  # "**1": the second * may start the code
                self._give_back(call, chan, buf)
                return self.digit(call, chan, d)
            buf.keys = keys                         # the held-back keys and this one, in order
            self.ctl.switch.swallow_dtmf(chan.row)
            self._give_back(call, chan, buf)
            return True
        self.ctl.switch.swallow_dtmf(chan.row)
        if buf.timer is not None:
            buf.timer.cancel()
            buf.timer = None
        if keys != code:
            buf.keys = keys
            buf.timer = self.ctl.clock.call_later(CODE_DIGIT_TIMEOUT_MS, lambda: self._give_back(call, chan, buf))
            return True
        buf.keys = ""
        who = f"feature code by {chan.extension.number}"
        try:
            if call.id in self.active:
                self.stop(call, who)
                beep = STOP_BEEP
            else:
                self.start(call, who)
                beep = START_BEEP
        except RecordingRefused as e:
            log.warning("%s: %s", who, e)
            beep = "congestion"
        self.ctl.switch.play(chan.row, TonePlayer(beep, self.ctl.profile))
        return True

    def _give_back(self, call: "Call", chan: Any, buf: _CodeBuf) -> None:
        """Keys held back were not the code: the other party gets them after all."""
        keys, buf.keys = buf.keys, ""
        if buf.timer is not None:
            buf.timer.cancel()
            buf.timer = None
        other = call.other(chan)
        if not keys or other is None or other.row is None or call.state != CallState.ANSWERED:
            return
        if chan.row is not None and chan.row < self.ctl.switch.board_rows:      # in-band: it was muted
            self.ctl.switch.play(other.row, DtmfPlayer(keys))
        for k in keys:
            other.party_digit(call, chan, k)           # an application on the other side (none today)

    # ------------------------------------------------------------------ disk safety
    def usage(self) -> dict[str, Any]:
        s = self.setting
        try:
            free = shutil.disk_usage(self.dir).free
        except OSError:
            free = 0
        used = self.index.total_bytes() + sum(a.writer.data_bytes for a in self.active.values())
        return {"free_mb": round(free / MB, 2), "used_mb": round(used / MB, 3),
                "quota_mb": s["quota_mb"], "min_free_mb": s["min_free_mb"],
                "active": len(self.active), "alarms": sorted(self._alarms)}

    def guard(self) -> str:
        """"" when recordings may be written; else why not (and the alarm is raised)."""
        s = self.setting
        try:
            free = shutil.disk_usage(self.dir).free
        except OSError:
            free = 0
        if free < s["min_free_mb"] * MB:
            msg = (f"low disk: {free / MB:.1f} MB free on the recordings' disk ({self.dir}), "
                   f"below recording.min_free_mb = {s['min_free_mb']} MB; new recordings are refused")
            self._alarm("low_disk", msg)
            return msg
        self._clear("low_disk")
        if s["quota_mb"]:
            used = self.index.total_bytes()
            if used >= s["quota_mb"] * MB:
                msg = (f"recording quota reached: {used / MB:.1f} MB of recording.quota_mb = "
                       f"{s['quota_mb']} MB; new recordings are refused")
                self._alarm("quota", msg)
                return msg
        self._clear("quota")
        self._reserve()
        return ""

    def _after_flush(self) -> None:
        if not self.active:
            return
        if self.setting["quota_mb"]:
            self._update_sizes()
        problem = self.guard()
        if problem:
            self.stop_all("disk guard: " + problem, "failed")

    def _update_sizes(self) -> None:
        for act in self.active.values():
            try:
                self.index.update(act.rec_id, bytes=act.writer.fmt.header_bytes + act.writer.data_bytes)
            except Exception:
                pass

    def _alarm(self, kind: str, message: str) -> None:
        if kind in self._alarms and kind != "write_error":
            return
        self._alarms.add(kind)
        log.error("recording alarm (%s): %s", kind, message)
        self._publish("alarm", {"source": "recording", "kind": kind, "message": message,
                                "time": self.ctl.clock.wall_time().isoformat(timespec="seconds")})

    def _clear(self, kind: str) -> None:
        if kind in self._alarms:
            self._alarms.discard(kind)
            self._publish("alarm.cleared", {"source": "recording", "kind": kind})

    # ------------------------------------------------------------------ recovery / retention
    def recover(self) -> list[int]:
        """Files left ``recording`` by a crash: header fixed from the file length, state
        ``recovered`` (``lost`` when the file is gone). Returns their ids."""
        done = []
        for row in self.index.in_state("recording"):
            path = self.dir / row["path"]
            try:
                fmt, data = repair(path)
            except (OSError, ValueError) as e:
                log.warning("recording %d (%s) cannot be recovered: %s", row["id"], path, e)
                self.index.update(row["id"], state="lost", note=f"recovery: {e}"[:200])
                continue
            secs = data / fmt.block_align / 8000
            start = _dt.datetime.fromisoformat(row["start"])
            self.index.update(row["id"], state="recovered", duration_s=round(secs, 2),
                              bytes=fmt.header_bytes + data, end=start + _dt.timedelta(seconds=secs),
                              note="closed by start-up recovery after a crash")
            log.info("recording %d (%s) recovered: %.1f s", row["id"], path, secs)
            done.append(row["id"])
        return done

    def purge_expired(self, now: Optional[_dt.datetime] = None) -> list[int]:
        """Delete the files whose retention ran out by ``now`` (default: the clock's
        time); their rows stay (state ``deleted``)."""
        now = now or self.ctl.clock.wall_time()
        gone = []
        for row in self.index.expired(now):
            try:
                (self.dir / row["path"]).unlink(missing_ok=True)
            except OSError as e:
                log.warning("retention: cannot delete %s: %s", row["path"], e)
                continue
            self.index.update(row["id"], state="deleted")
            self.index.log_access(now, "retention", "delete", row["id"], f"expired {row['expires']}")
            gone.append(row["id"])
        return gone

    def _hourly(self) -> None:
        self.purge_expired()
        self._sweep = self.ctl.clock.call_later(RETENTION_SWEEP_MS, self._hourly)

    def close(self) -> None:
        self.stop_all("shutdown")
        if self._sweep is not None:
            self._sweep.cancel()
        self.ctl.switch.remove_tap(self.bank)
        self.index.close()
