"""Call control: the glue between the switch's events, the channels, the dial plan and
the CDR.

It owns one channel per board port (FXS → extension, FXO → line, from the
configuration), receives the switch's per-tick events (:class:`EventSink`) and hands
them to the right channel, turns dialled digits into calls (``place_call``) and rings
into inbound calls (``inbound_call``), and writes a CDR row when a call ends.
"""
from __future__ import annotations

import datetime as _dt
import logging
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from dsp.profiles import get_profile
from dsp.tones import generate
from hal.board import Board
from hal.clock import Clock
from hal.ports import PortEvent

from firmware.calls.call import Call, CallState
from firmware.calls.destinations import OUTBOUND_RING_MS, Resolver
from firmware.calls.plan import Branch, Stage
from firmware.channels.base import Channel
from firmware.channels.fxo import FxoChannel
from firmware.channels.fxs import FxsChannel
from firmware.config.timezone import box_zone
from firmware.engine.media import Player, SamplesPlayer, TonePlayer
from firmware.engine.moh import MusicOnHold
from firmware.engine.switch import Switch
from firmware.features.codes import FeatureCodes
from firmware.features.conference import ConferenceManager
from firmware.features.tollguard import TollGuard
from firmware.ivr.runner import IvrManager
from firmware.routing.callerlists import blocking_entry
from firmware.routing.dialplan import DialPlan, Match, TargetKind
from firmware.routing.timeconditions import current_mode

log = logging.getLogger("hotline.calls")

#: "press 1 to accept" when no prompt is installed: two short high beeps, then a pause.
CONFIRM_FALLBACK = "!1400/150,!0/100,!1400/150,!0/1600"


class CallControl:
    """Channels + calls for one board. ``publish(event, data)`` sends management events;
    ``cdr_writer(record_fields: dict)`` stores a finished call."""

    def __init__(self, board: Board, clock: Clock, config: Any, *,
                 publish: Optional[Callable[[str, dict], None]] = None,
                 cdr_writer: Optional[Callable[[dict], None]] = None,
                 moh_path: Optional[str] = None, ec_taps: int = 128,
                 sounds_dir: Optional[Any] = None,
                 update_config: Optional[Callable[[Callable[[Any], None]], None]] = None,
                 usage: Optional[Callable[[_dt.datetime, Optional[str]], int]] = None,
                 record_refusal: Optional[Callable[[str, str, str, str], None]] = None,
                 count_hit: Optional[Callable[[int], int]] = None, net_rows: int = 0) -> None:
        self.board = board
        self.clock = clock
        self.config = config
        self.profile = get_profile(config.country)
        self._publish = publish
        self.cdr_writer = cdr_writer
        self.moh = MusicOnHold(moh_path)
        self.sounds_dir = sounds_dir
        self._update_config = update_config
        self.count_hit = count_hit
        self._prompts: Any = None
        self.switch = Switch(board, clock, ec_taps=ec_taps, sink=self, net_rows=net_rows)
        self.sip: Any = None                    #: the SIP service when SIP runs (channels.sip_service)
        self.acd: Any = None                    #: the call centre (firmware.acd.service.AcdService)
        self.voicemail: Any = None              #: the voicemail service (firmware.voicemail), set by the Box
        self.dialplan = DialPlan(config)
        self.resolver = Resolver(self)
        self.features = FeatureCodes(self)
        self.conferences = ConferenceManager(self)
        self.ivr = IvrManager(self)
        self.tollguard = TollGuard(self, usage=usage, record=record_refusal)
        self.recording: Any = None              #: RecordingManager (firmware.recording) when the box has one
        self.calls: dict[str, Call] = {}
        self.ended: list[dict] = []             #: last CDRs (kept short) for status
        self.counters = {"calls": 0, "answered": 0, "failed": 0, "busy": 0, "no_answer": 0}
        self.channels: list[Channel] = []
        self._by_port: dict[str, Channel] = {}
        self._by_row: dict[int, Channel] = {}
        for port in board.fxs:
            self._add(FxsChannel(self, port, config.extension_by_port(port.name)))
        for port in board.fxo:
            self._add(FxoChannel(self, port, config.line_by_port(port.name)))

    def _add(self, ch: Channel) -> None:
        self.channels.append(ch)
        self._by_port[ch.name] = ch
        self._by_row[ch.row] = ch

    def bind_row(self, ch: Channel) -> None:
        """A network leg (SIP) got a switch row: its digits and players reach it."""
        if ch.row is not None:
            self._by_row[ch.row] = ch

    def unbind_row(self, ch: Channel) -> None:
        if ch.row is not None and self._by_row.get(ch.row) is ch:
            del self._by_row[ch.row]

    # ------------------------------------------------------------------ services for channels
    def setting(self, key: str) -> Any:
        return self.config.settings[key]

    @property
    def cid_standard(self) -> str:
        """FSK standard used to send caller ID to phones (the country's)."""
        return self.profile.callerid_standard

    def local_time(self) -> _dt.datetime:
        """Now, in the box's time zone (``settings.timezone``; see firmware.config.timezone)."""
        return self.clock.wall_time().astimezone(box_zone(self.config))

    def music_on_hold(self, moh_class: str = "") -> Player:
        """Music for a held party: the class's WAV (``sounds/moh/<class>.wav``) if there is
        one, else the box's default music."""
        if moh_class and self.sounds_dir is not None:
            path = Path(self.sounds_dir) / "moh" / f"{moh_class}.wav"
            if path.exists():
                try:
                    return MusicOnHold(str(path)).player()
                except ValueError as e:
                    log.warning("music-on-hold class %s: %s; playing the default", moh_class, e)
        return self.moh.player()

    def prompt(self, *names: str, fallback: str = "info", lead_tone: Optional[tuple[str, int]] = None) -> Player:
        """A player for system prompts ``names`` in the box's language; the tone
        ``fallback`` (a tone name or spec) when the prompts are not installed.
        ``lead_tone`` = (tone name, ms) plays first (the information tone before
        "the code you dialled is not valid")."""
        lib = self._prompt_library()
        if lib is not None:
            try:
                if lead_tone is not None:
                    return lib.player(generate(lead_tone[0], self.config.country, lead_tone[1]), *names)
                return lib.player(*names)
            except Exception as e:                               # missing prompt file
                log.warning("prompt %s: %s", "+".join(names), e)
        return TonePlayer(fallback, self.profile)

    def _prompt_library(self) -> Any:
        lang = self.config.settings.get("language", "zh")
        if self._prompts is None or getattr(self._prompts, "language", lang) != lang:
            try:
                from firmware.prompts.library import PromptLibrary
                self._prompts = PromptLibrary(self.sounds_dir, lang)
            except Exception as e:
                log.debug("no prompt library: %s", e)
                self._prompts = None
        return self._prompts

    def confirm_prompt(self, call: Call) -> Player:
        """What a follow-me leg hears until it presses 1: the prompt, a second of
        silence, again (a beep pattern when no prompts are installed)."""
        lib = self._prompt_library()
        if lib is not None:
            try:
                return SamplesPlayer(lib.sequence("press_1_to_accept", np.zeros(8000, np.int16), gap_ms=0),
                                     loop=True, name="press_1_to_accept")
            except Exception as e:
                log.warning("prompt press_1_to_accept: %s", e)
        return TonePlayer(CONFIRM_FALLBACK, self.profile)

    def answer_announcement(self, call: Call) -> Optional[Player]:
        """What the caller hears before the talk path opens: "this call may be recorded"
        when the recording policy says so (firmware.recording), then 报工号: an outside
        caller hears "agent number 801 is serving you" when an extension with
        ``announce`` answers."""
        names = self.recording.announcement(call) if self.recording is not None else []
        b = call.b
        ext = getattr(b, "extension", None)
        lib = self._prompt_library()
        if lib is None:
            return TonePlayer("!1400/300,!0/200", self.profile) if names else None
        if call.direction == "inbound" and ext is not None and ext.announce:
            try:
                names = [*names, "agent_number", *lib.digits(ext.number), "is_serving_you"]
            except Exception as e:
                log.warning("agent number announcement: %s", e)
        if not names:
            return None
        try:
            return lib.player(*names)
        except Exception as e:
            log.warning("answer announcement %s: %s", "+".join(names), e)
            return None

    def call_answered(self, call: Call) -> None:
        """Start call recording when its policy says always; start the minutes guard of
        an answered outside call."""
        if self.recording is not None:
            try:
                self.recording.call_answered(call)
            except Exception:                                   # recording never stops a call
                log.exception("recording: call %s", call.id)
        if call.direction != "outbound":
            return
        ext = getattr(call.a, "extension", None)
        left = self.tollguard.seconds_left(ext)
        if left is not None:
            def cut() -> None:
                self.tollguard.refuse(call.src, call.dst, "today's outside-call minutes ran out during the call")
                call.notes.append("cut: minutes limit")
                call.kill()
            call.limit_timer = self.clock.call_later(max(0, left) * 1000, cut)

    def update_config(self, change: Callable[[Any], None]) -> None:
        """Write a change to the configuration store and apply it at once (feature codes)."""
        if self._update_config is None:
            raise RuntimeError("this box has no configuration store to write to")
        self._update_config(change)

    def publish(self, event: str, data: dict) -> None:
        if self._publish is not None:
            try:
                self._publish(event, data)
            except Exception:                                   # pragma: no cover
                log.exception("publishing %s failed", event)

    def publish_call(self, call: Call) -> None:
        if self.recording is not None:
            try:
                self.recording.call_changed(call)
            except Exception:                                   # recording never stops a call
                log.exception("recording: call %s", call.id)
        self.publish("call.state", call.status())

    def channel(self, port: str) -> Channel:
        try:
            return self._by_port[port]
        except KeyError:
            raise KeyError(f"no port {port!r} (ports: {', '.join(self._by_port)})") from None

    def extension_channel(self, number: str) -> Optional[Channel]:
        """The channel that rings extension ``number``: its FXS port, or a new SIP leg to
        its registered phones; None when it has no phone that can ring now."""
        ext = self.config.extension(number)
        if ext is None or not ext.enabled:
            return None
        if ext.kind == "sip":
            return self.sip.extension_leg(ext) if self.sip is not None else None
        if not ext.port:
            return None
        return self._by_port.get(ext.port)

    # ------------------------------------------------------------------ configuration
    def reload(self, config: Any) -> None:
        """Apply a new configuration snapshot without dropping calls in progress."""
        self.config = config
        self.profile = get_profile(config.country)
        self.dialplan = DialPlan(config)
        self._prompts = None
        for ch in self.channels:
            if isinstance(ch, FxsChannel):
                ch.extension = config.extension_by_port(ch.name)
            elif isinstance(ch, FxoChannel):
                ch.line = config.line_by_port(ch.name)
        if self.sip is not None:
            self.sip.reload()
        self.publish("config.reloaded", {"version": config.version})

    # ------------------------------------------------------------------ the switch's events
    def port_event(self, ev: PortEvent) -> None:
        ch = self._by_port.get(ev.port)
        if ch is not None:
            self.publish("port.event", {"port": ev.port, "event": ev.kind.value, **ev.data})
            ch.port_event(ev)

    def digit(self, row: int, digit: str) -> None:
        ch = self._by_row.get(row)
        if ch is not None:
            self.publish("port.digit", {"port": ch.name, "digit": digit})
            ch.digit(digit)

    def tone(self, row: int, name: str) -> None:
        ch = self._by_row.get(row)
        if isinstance(ch, FxoChannel):
            ch.tone(name)

    def caller_id(self, row: int, message: dict) -> None:
        ch = self._by_row.get(row)
        if isinstance(ch, FxoChannel):
            ch.caller_id(message)

    def player_done(self, row: int, player: Player) -> None:
        ch = self._by_row.get(row)
        if ch is not None:
            ch.player_done(player)

    # ------------------------------------------------------------------ making calls
    def port_channel(self, port: str) -> Optional[Channel]:
        return self._by_port.get(port)

    def _start(self, call: Call) -> Call:
        self.calls[call.id] = call
        self.counters["calls"] += 1
        a = call.a
        if a.call is None:
            a.call = call
        call.begin()
        return call

    def start_call(self, call: Call) -> Call:
        """Start a call an application built itself (voicemail retrieval from a feature code)."""
        return self._start(call)

    def place_call(self, a: Channel, digits: str, *, linkedid: Optional[str] = None,
                   pin_ok: bool = False) -> Optional[Call]:
        """``a`` dialled ``digits``: route them and start the call (failures included).

        Returns None when the call needs the extension's PIN first (international calls):
        the phone asks for it and calls again with ``pin_ok``.
        """
        look = self.dialplan.lookup(digits)
        t = look.target if look.match in (Match.COMPLETE, Match.AMBIGUOUS) else None
        common = dict(src=a.number, caller_name=a.display_name, dst=digits, linkedid=linkedid,
                      start=a.call_start())
        direction, trunk = "internal", ""
        if t is None:
            log.info("%s dialled %r: no such number", a.name, digits)
            stage = Stage([], refusal=f"no such number {digits}")
        elif t.kind in (TargetKind.EXTENSION, TargetKind.RING_GROUP, TargetKind.CONFERENCE, TargetKind.QUEUE,
                        TargetKind.IVR):
            stage = self.resolver.internal(t.number) or Stage([], refusal=f"no such number {digits}")
        elif t.kind == TargetKind.VOICEMAIL:
            stage = self.resolver.internal(t.dialled) or Stage([], refusal=f"no such number {digits}")
        else:   # outbound or emergency
            direction, trunk = "outbound", t.trunk_group or ""
            code, reason = ("", "") if t.kind == TargetKind.EMERGENCY else \
                self.tollguard.check(a.extension, t.call_class, pin_ok=pin_ok)
            if code == "pin":
                return None
            if code:
                self.tollguard.refuse(a.number, digits, reason)
                stage = Stage([], refusal=reason, outbound=True)
            else:
                stage = Stage([self.resolver.outside_branch(t.trunk_group, t.number, label=digits,
                                                            emergency=t.kind == TargetKind.EMERGENCY)],
                              ring_ms=OUTBOUND_RING_MS, outbound=True)
        call = Call(self, a, direction=direction, stage=stage, trunk=trunk, **common)
        return self._start(call)

    def needs_pin(self, a: Channel, digits: str) -> bool:
        """Would ``digits`` from ``a`` ask for the PIN (see :meth:`place_call`)?"""
        look = self.dialplan.lookup(digits)
        t = look.target if look.match in (Match.COMPLETE, Match.AMBIGUOUS) else None
        return t is not None and t.kind == TargetKind.OUTBOUND and \
            self.tollguard.check(a.extension, t.call_class)[0] == "pin"

    def inbound_call(self, line_ch: Channel, number: str, name: str, *, line_name: str = "",
                     did: str = "") -> Optional[Call]:
        """An outside call rings ``line_ch`` (an FXO line, or a SIP trunk leg with the
        called number ``did``): screen the caller, then route it by the inbound routes
        (by time of day where a route has a time condition)."""
        line = getattr(line_ch, "line", None)
        line_name = line_name or (line.name if line else line_ch.name)
        entry = blocking_entry(self.config.caller_lists, number)
        if entry is not None:
            self.block_caller(line_ch, entry, number, line_name)
            return None
        route = self.config.inbound_route_for(line_name, number, did)
        stage: Optional[Stage] = None
        dst = ""
        if route is not None:
            dst = route.dest                     # numbers are unique across kinds: the number decides
            if route.time_condition:
                tc = self.config.time_condition(route.time_condition)
                if tc is not None and current_mode(tc, self.config.holidays, self.local_time()) == "night":
                    dst = route.night_dest
            stage = self.resolver.internal(dst)
        if not dst:
            dst = did or (line.number if line is not None else "")
        call = Call(self, line_ch, src=number, caller_name=name, dst=dst, direction="inbound",
                    stage=stage or Stage([], refusal="no inbound route"), start=line_ch.call_start())
        call.trunk_line = line_name
        call.route = route
        call.moh_class = route.moh if route is not None else ""
        return self._start(call)

    def block_caller(self, line_ch: Any, entry: Any, number: str, line_name: str = "") -> None:
        """A caller on the block list: count it, log it, and do the entry's action."""
        hits = self.count_hit(entry.id) if self.count_hit else 0
        self.tollguard.refuse(number, line_name or line_ch.name,
                              f"caller on the block list (entry {entry.id}, {entry.match} {entry.number}; "
                              f"{entry.action}; {hits} so far)", kind="inbound")
        line_ch.reject(entry.action, self.prompt("blacklisted", fallback="info")
                       if entry.action == "prompt" else None)

    def transfer(self, by: Channel, held: Call, consult: Call) -> None:
        """``by`` hung up with ``held`` on hold and a consultation call ``consult``: the
        held party takes ``by``'s place in ``consult`` — attended when the consulted party
        answered, blind while it rings (then ``by`` is rung back after
        ``transfer_recall_ms`` if nobody answers)."""
        party = held.other(by)
        if party is None:
            return
        kind = "attended" if consult.state == CallState.ANSWERED else "blind"
        who = by.caller_identity()[0]
        note = f"{kind} transfer by {who}"
        held.end_by_transfer(by, note)
        consult.replace_party(by, party, note)
        self.publish("call.transfer", {"by": who, "kind": kind, "call": consult.id, "linkedid": consult.linkedid})
        if kind == "blind":
            back = by.recall_channel()
            if back is not None:
                recall = Stage([Branch([back], who)], ring_ms=self.setting("ring_timeout_ms"),
                               notes=[f"transfer recall {who}"])
                consult.recall_after(self.setting("transfer_recall_ms"), recall)

    def originate(self, extension: str, number: str) -> dict:
        """Ring ``extension``; when it answers, it dials ``number`` (click-to-call)."""
        ch = self.extension_channel(extension)
        if ch is None or not isinstance(ch, FxsChannel):
            raise ValueError(f"extension {extension!r} does not exist or has no phone port")
        if not ch.idle:
            raise ValueError(f"extension {extension} is busy ({ch.state.value})")
        look = self.dialplan.lookup(number + "#")
        if look.match != Match.COMPLETE:
            raise ValueError(f"{number!r} is not a number the dial plan knows")
        ch.originate(number)
        return {"ringing": ch.name, "extension": extension, "number": number}

    def hangup(self, call_id: str) -> None:
        call = self.calls.get(call_id)
        if call is None:
            raise KeyError(f"no call {call_id!r} in progress")
        call.kill()

    # ------------------------------------------------------------------ ending calls
    def call_ended(self, call: Call) -> None:
        self.calls.pop(call.id, None)
        d = call.disposition
        key = {"ANSWERED": "answered", "BUSY": "busy", "NO ANSWER": "no_answer"}.get(d, "failed")
        self.counters[key] += 1
        rec = self.cdr_fields(call)
        self.ended.append(rec)
        del self.ended[:-20]
        log.info("call %s %s -> %s: %s (%s hung up)", call.id, call.src, call.dst, d, call.hangup_side)
        if self.cdr_writer is not None:
            try:
                self.cdr_writer(rec)
            except Exception:
                log.exception("could not write the CDR of call %s", call.id)
        self.publish("call.ended", {"id": call.id, "disposition": d, "src": call.src, "dst": call.dst})

    def cdr_fields(self, call: Call) -> dict[str, Any]:
        end = call.end or self.clock.wall_time()
        dstchan = call.b or (call.tried[-1] if call.tried else None)
        name = call.caller_name or ""
        trunk_line = call.trunk_line
        if not trunk_line:
            for ch in (call.b, *(call.tried[-1:])):
                if isinstance(ch, FxoChannel) and ch.line is not None:
                    trunk_line = ch.line.name
                elif getattr(ch, "trunk", None) is not None:
                    trunk_line = ch.trunk.name
        lastdata = "&".join(c.channel_id for c in call.tried)
        dialled = [getattr(c, "dialled", "") for c in call.tried if isinstance(c, FxoChannel)]
        if dialled and dialled[-1]:
            lastdata += f"/{dialled[-1]}"
        return {
            "uniqueid": call.id, "linkedid": call.linkedid,
            "start": call.start, "answer": call.answer, "end": end,
            "duration": int((end - call.start).total_seconds()),
            "billsec": int((end - call.answer).total_seconds()) if call.answer else 0,
            "src": call.src, "dst": call.dst,
            "clid": f'"{name}" <{call.src}>' if name else (f"<{call.src}>" if call.src else ""),
            "caller_name": name,
            "channel": call.a.channel_id, "dstchannel": dstchan.channel_id if dstchan else "",
            "dcontext": "from-trunk" if call.direction == "inbound" else "from-internal",
            "lastapp": "Dial", "lastdata": lastdata,
            "disposition": call.disposition or "FAILED", "amaflags": "DOCUMENTATION",
            "accountcode": "", "userfield": "; ".join([*(f"{k}={v}" for k, v in call.vars.items()),
                                                      *call.notes])[:255],
            "trunk": trunk_line, "hangup_side": call.hangup_side or "system",
            "direction": call.direction,
        }

    # ------------------------------------------------------------------ status
    def status(self) -> dict[str, Any]:
        return {"ports": [ch.status() for ch in self.channels],
                "sip_legs": [leg.status() for leg in self.sip.legs] if self.sip is not None else [],
                "calls": [c.status() for c in self.calls.values() if c.state != CallState.ENDED],
                "conferences": self.conferences.status(),
                "counters": dict(self.counters)}
