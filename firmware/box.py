"""One box: configuration store + board + switch + call control + CDR + management commands.

``Box`` is what ``hotline run`` starts and what end-to-end tests build directly on a
:class:`~hal.clock.VirtualClock`. Its management commands are plain functions registered
on a :class:`~firmware.mgmt.commands.Dispatcher`; the daemon serves them on the Unix
socket, tests may call them through the same dispatcher.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Optional

from hal.board import Board, load_description
from hal.clock import Clock, VirtualClock

from firmware.acd.log import AcdLog
from firmware.acd.service import AcdService
from firmware.acd.supervision_log import SupervisionLog
from firmware.calls.control import CallControl
from firmware.cdr.commands import register_cdr
from firmware.cdr.notes import CallNotes
from firmware.cdr.record import CdrRecord
from firmware.cdr.store import CdrStore
from firmware.config.store import ConfigStore
from firmware.features.supervise import SupervisionManager
from firmware.ivr.commands import register_ivr_commands
from firmware.prompts.fetch import register_prompt_fetch
from firmware.mgmt.commands import CommandError, Dispatcher
from firmware.mgmt.acdsupervisor import register_acd_supervisor
from firmware.mgmt.agentpanel import register_agent_panel
from firmware.mgmt.logtail import register_log
from firmware.mgmt.notes import register_notes
from firmware.mgmt.notices import NoticeBoard, register_notices
from firmware.mgmt.provisioning import register_provisioning
from firmware.mgmt.wizard import register_wizard
from firmware.paths import DataDir

log = logging.getLogger("hotline.box")

VERSION = "0.1.0"
RELOAD_CHECK_TICKS = 50       #: look for configuration changes once a second
NET_ROWS = 256                #: SIP call legs that can have audio at once


class Box:
    """Everything of one running box, on ``clock``. ``board=None`` builds the simulated
    board described by the configuration's ``board`` setting."""

    def __init__(self, data_dir: DataDir, clock: Clock, *, board: Optional[Board] = None,
                 ec_taps: int = 128) -> None:
        self.data = data_dir.create()
        self.clock = clock
        self.store = ConfigStore(self.data.config_db)
        self.config = self.store.snapshot()
        self._config_version = self.config.version
        if board is None:
            from hal.sim.board import SimBoard
            board = SimBoard(load_description(self.config.settings.get("board", "hotline-8")),
                             clock, country=self.config.country)
            self._configure_sim_lines(board)
        self.board = board
        self.cdr = CdrStore(self.data.cdr_db)
        self.notes = CallNotes(self.cdr)                       #: call notes and follow-ups (cdr.db)
        self.notices = NoticeBoard(self.data.notices_db)       #: supervisor notices for agents
        self._publishers: list[Callable[[str, dict], None]] = []
        self._enrichers: dict[str, list[Callable[[dict], None]]] = {}
        self.ctl = CallControl(board, clock, self.config, publish=self.publish,
                               cdr_writer=self._write_cdr, ec_taps=ec_taps,
                               moh_path=str(self.data.sounds / "moh.wav"), sounds_dir=self.data.sounds,
                               update_config=self.update_config, usage=self.cdr.outbound_seconds,
                               record_refusal=self._record_refusal, count_hit=self._count_hit,
                               net_rows=NET_ROWS)
        from firmware.recording.manager import RecordingManager
        self.recording = RecordingManager(self.ctl, self.data.recordings, self.data.recordings_db,
                                          publish=self.publish)
        self.ctl.recording = self.recording
        self.add_publisher(self.recording.on_event)          # acd.connect: queue and agent of a call
        self.acd_log = AcdLog(self.data.acd_db, clock.wall_time)
        self.acd = AcdService(self.ctl, self.acd_log)
        self.ctl.acd = self.acd
        from firmware.voicemail.service import VoicemailService
        self.voicemail = VoicemailService(self.ctl, self.data, cdr=self.cdr)
        self.supervision_log = SupervisionLog(self.data.acd_db)
        self.ctl.supervision = SupervisionManager(self.ctl, self.supervision_log)
        self.sip: Any = None            #: SipService once :meth:`start_sip` ran
        self.agent_panel: Any = None    #: firmware.mgmt.agentpanel.AgentPanel (screen pops of live calls)
        self.started_tick = clock.ticks
        self.started_wall = time.time()
        self.dispatcher = Dispatcher()
        self._register_commands()
        clock.on_tick(self._watch_config)

    # ------------------------------------------------------------------ plumbing
    def add_publisher(self, fn: Callable[[str, dict], None]) -> None:
        self._publishers.append(fn)

    def add_enricher(self, event: str, fn: Callable[[dict], None]) -> None:
        """``fn(data)`` adds to every ``event`` before any publisher sees it (the agent
        panel puts notes and call history into ``acd.screen_pop``)."""
        self._enrichers.setdefault(event, []).append(fn)

    def publish(self, event: str, data: dict) -> None:
        for enrich in self._enrichers.get(event, ()):
            try:
                enrich(data)
            except Exception:                        # an event is never lost for its extras
                log.exception("adding to event %s failed", event)
        for fn in self._publishers:
            fn(event, data)

    def _write_cdr(self, fields: dict) -> None:
        self.cdr.submit(CdrRecord(**fields))

    def _record_refusal(self, kind: str, who: str, number: str, reason: str) -> None:
        self.cdr.log_refusal(self.clock.wall_time(), kind, who, number, reason)

    def _count_hit(self, entry: int) -> int:
        return self.cdr.count_hit(entry, self.clock.wall_time())

    def update_config(self, change: Callable[[ConfigStore], None]) -> None:
        """Apply ``change(store)`` (e.g. a feature code setting DND) and reload at once."""
        change(self.store)
        self.reload()

    def _configure_sim_lines(self, board: Board) -> None:
        """The simulated exchange's lines get the numbers the configuration gives them."""
        for ln in self.config.lines:
            if ln.number:
                try:
                    board.line(ln.port).number = ln.number
                except KeyError:
                    pass

    def _watch_config(self) -> None:
        if self.clock.ticks % RELOAD_CHECK_TICKS == 0:
            self.reload_if_changed()

    def reload_if_changed(self) -> bool:
        v = self.store.version()
        if v == self._config_version:
            return False
        self.reload()
        return True

    def reload(self) -> dict:
        self.config = self.store.snapshot()
        self._config_version = self.config.version
        self.ctl.reload(self.config)
        self.voicemail.refresh_all()
        log.info("configuration version %d applied", self.config.version)
        return {"version": self.config.version}

    async def start_sip(self, host: str, port: int) -> tuple[str, int]:
        """Start SIP (registrar, phones, trunks) on ``host``:``port`` (UDP and TCP; 0 = any
        free port). Returns the bound address."""
        from firmware.channels.sip_service import SipService
        self.sip = SipService(self.ctl, locations=self.data.sip_db)
        self.sip.mailbox_counts = self.voicemail.counts_for
        self.ctl.sip = self.sip
        try:
            return await self.sip.start(host, port)
        except OSError:
            self.ctl.sip = self.sip = None
            raise

    async def stop_sip(self) -> None:
        if self.sip is not None:
            await self.sip.close()
            self.ctl.sip = self.sip = None

    def close(self) -> None:
        self.recording.close()
        self.voicemail.close()
        self.notices.close()
        self.store.close()
        self.cdr.close()
        self.acd_log.close()
        self.supervision_log.close()

    # ------------------------------------------------------------------ status
    def status(self) -> dict[str, Any]:
        s = self.ctl.status()
        ports = s["ports"]
        for p in ports:
            p.setdefault("extension", None)
        return {
            "box": {"name": self.config.settings.get("box_name", "Hotline"),
                    "country": self.config.country, "board": self.board.name,
                    "simulated": bool(getattr(self.board, "simulated", False)),
                    "uptime_s": round((self.clock.ticks - self.started_tick) * 0.02, 1),
                    "ticks": self.clock.ticks,
                    "clock": "virtual" if isinstance(self.clock, VirtualClock) else "realtime",
                    "time": self.ctl.local_time().isoformat(timespec="seconds"),
                    "version": VERSION, "config_version": self.config.version},
            "ports": ports, "calls": s["calls"], "counters": s["counters"],
            "engine": self.ctl.switch.stats.as_dict(),
            "cdr": self.cdr.writer_status,
        }

    # ------------------------------------------------------------------ commands
    def _register_commands(self) -> None:
        d = self.dispatcher
        d.register("status", lambda a: self.status(), "box, ports and calls")
        d.register("ports", lambda a: self.ctl.status()["ports"], "every port with its state")
        d.register("calls", lambda a: self.ctl.status()["calls"], "calls in progress")
        d.register("conferences", lambda a: self.ctl.conferences.status(),
                   "conference rooms in use, with their parties (muted, organiser)")
        d.register("refusals", lambda a: self.cdr.refusals(int(a.get("limit", 50))),
                   "refused calls, newest first: toll-fraud guard, rights, blocked callers {limit?}")
        d.register("caller_list.hits", lambda a: {str(k): v for k, v in self.cdr.caller_list_hits().items()},
                   "how many calls each caller-list entry blocked {entry id: count}")
        d.register("originate", self._cmd_originate,
                   "ring extension {from}; when answered it calls {to} (click-to-call)")
        d.register("hangup", self._cmd_hangup, "end call {id}")
        d.register("reload", lambda a: self.reload(), "apply the configuration store now")
        d.register("cdr.list", self._cmd_cdr, "the last call records {limit?}")
        d.register("sip.status", self._cmd_sip_status,
                   "SIP: listening address, registrations, blocked sources, trunks, call legs")
        d.register("sip.registrations", lambda a: self._sip().registrar.status(),
                   "registered SIP phones with their contacts, source address and expiry")
        d.register("sip.unblock", self._cmd_sip_unblock,
                   "let a source locked out after failed SIP logins in again {source: ip}")
        register_provisioning(d, self)
        from firmware.recording.commands import register_recording
        register_recording(d, self)
        from firmware.acd.commands import register_acd
        register_acd(d, self)
        from firmware.voicemail.commands import register_voicemail
        register_voicemail(d, self)
        register_acd_supervisor(d, self)
        register_ivr_commands(d, self)
        register_prompt_fetch(d, self)               # prompt.get (the web UI plays prompts)
        register_cdr(d, self)                        # cdr.search, cdr.export
        register_notes(d, self)                      # note.*, followup.*
        register_notices(d, self)                    # notice.*
        register_log(d, self)                        # log.tail
        register_agent_panel(d, self)                # agent.call, call.transfer
        register_wizard(d, self)                     # test_call, ports.check
        from firmware.diskuse import register_disk
        register_disk(d, self)                       # disk.usage (the firmware page)
        if isinstance(self.clock, VirtualClock):
            d.register("clock.advance", self._cmd_advance,
                       "virtual clock only: run {ms} milliseconds of ticks now")
        if getattr(self.board, "simulated", False):
            from hal.sim.commands import sim_commands
            for name, (fn, help_) in sim_commands(self.board).items():
                d.register(name, fn, help_)

    def _cmd_originate(self, args: dict) -> dict:
        src, dst = args.get("from"), args.get("to")
        if not src or not dst:
            raise ValueError("originate needs 'from' (an extension) and 'to' (a number)")
        try:
            return self.ctl.originate(str(src), str(dst))
        except ValueError as e:
            raise CommandError(str(e)) from None

    def _cmd_hangup(self, args: dict) -> dict:
        cid = args.get("id") or args.get("call")
        if not cid:
            raise ValueError("hangup needs 'id' (a call id from `status`)")
        try:
            self.ctl.hangup(str(cid))
        except KeyError as e:
            raise CommandError(e.args[0]) from None
        return {"hung_up": cid}

    def _sip(self) -> Any:
        if self.sip is None:
            raise CommandError("SIP is off on this box (hotline run --sip HOST:PORT, or settings.sip_bind)")
        return self.sip

    def _cmd_sip_status(self, args: dict) -> dict:
        return self._sip().status()

    def _cmd_sip_unblock(self, args: dict) -> dict:
        src = args.get("source")
        if not src:
            raise ValueError("sip.unblock needs 'source' (an IP address from sip.status)")
        return {"source": src, "unblocked": self._sip().guard.unblock(str(src))}

    def _cmd_cdr(self, args: dict) -> list[dict]:
        limit = int(args.get("limit", 20))
        return [r.to_dict() for r in self.cdr.list(limit=limit)]

    def _cmd_advance(self, args: dict) -> dict:
        ms = float(args.get("ms", 1000))
        if not 0 <= ms <= 24 * 3600 * 1000:
            raise ValueError("ms must be between 0 and 86400000")
        self.clock.advance(ms)
        return {"ticks": self.clock.ticks, "time": self.clock.wall_time().isoformat()}
