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
from typing import Any, Callable, Optional

from dsp.profiles import get_profile
from hal.board import Board
from hal.clock import Clock
from hal.ports import PortEvent

from firmware.calls.call import Call, CallState
from firmware.channels.base import Channel
from firmware.channels.fxo import FxoChannel, FxoState
from firmware.channels.fxs import FxsChannel
from firmware.engine.media import Player
from firmware.engine.moh import MusicOnHold
from firmware.engine.switch import Switch
from firmware.routing.dialplan import DialPlan, Match, TargetKind, allowed

log = logging.getLogger("hotline.calls")

OUTBOUND_RING_MS = 90_000      #: give up an outbound call that is not answered by then


class CallControl:
    """Channels + calls for one board. ``publish(event, data)`` sends management events;
    ``cdr_writer(record_fields: dict)`` stores a finished call."""

    def __init__(self, board: Board, clock: Clock, config: Any, *,
                 publish: Optional[Callable[[str, dict], None]] = None,
                 cdr_writer: Optional[Callable[[dict], None]] = None,
                 moh_path: Optional[str] = None, ec_taps: int = 128) -> None:
        self.board = board
        self.clock = clock
        self.config = config
        self.profile = get_profile(config.country)
        self._publish = publish
        self.cdr_writer = cdr_writer
        self.moh = MusicOnHold(moh_path)
        self.switch = Switch(board, clock, ec_taps=ec_taps, sink=self)
        self.dialplan = DialPlan(config)
        self.calls: dict[str, Call] = {}
        self.ended: list[dict] = []             #: last CDRs (kept short) for status
        self.counters = {"calls": 0, "answered": 0, "failed": 0, "busy": 0, "no_answer": 0}
        self.channels: list[Channel] = []
        self._by_port: dict[str, Channel] = {}
        self._by_row: dict[int, Channel] = {}
        self._rr: dict[str, int] = {}
        for port in board.fxs:
            self._add(FxsChannel(self, port, config.extension_by_port(port.name)))
        for port in board.fxo:
            self._add(FxoChannel(self, port, config.line_by_port(port.name)))

    def _add(self, ch: Channel) -> None:
        self.channels.append(ch)
        self._by_port[ch.name] = ch
        self._by_row[ch.row] = ch

    # ------------------------------------------------------------------ services for channels
    def setting(self, key: str) -> Any:
        return self.config.settings[key]

    @property
    def cid_standard(self) -> str:
        """FSK standard used to send caller ID to phones (the country's)."""
        return self.profile.callerid_standard

    def local_time(self) -> _dt.datetime:
        return self.clock.wall_time().astimezone()

    def music_on_hold(self) -> Player:
        return self.moh.player()

    def publish(self, event: str, data: dict) -> None:
        if self._publish is not None:
            try:
                self._publish(event, data)
            except Exception:                                   # pragma: no cover
                log.exception("publishing %s failed", event)

    def publish_call(self, call: Call) -> None:
        self.publish("call.state", call.status())

    def channel(self, port: str) -> Channel:
        try:
            return self._by_port[port]
        except KeyError:
            raise KeyError(f"no port {port!r} (ports: {', '.join(self._by_port)})") from None

    def extension_channel(self, number: str) -> Optional[Channel]:
        ext = self.config.extension(number)
        if ext is None or not ext.enabled or not ext.port:
            return None
        return self._by_port.get(ext.port)

    # ------------------------------------------------------------------ configuration
    def reload(self, config: Any) -> None:
        """Apply a new configuration snapshot without dropping calls in progress."""
        self.config = config
        self.profile = get_profile(config.country)
        self.dialplan = DialPlan(config)
        for ch in self.channels:
            if isinstance(ch, FxsChannel):
                ch.extension = config.extension_by_port(ch.name)
            elif isinstance(ch, FxoChannel):
                ch.line = config.line_by_port(ch.name)
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
        if isinstance(ch, FxoChannel):
            ch.player_done(player)

    # ------------------------------------------------------------------ making calls
    def _candidates_for_group(self, group: str) -> list[Channel]:
        lines = [self._by_port.get(ln.port) for ln in self.config.lines_in_group(group)]
        chans = [c for c in lines if c is not None]
        tg = self.config.trunk_group(group)
        if tg is not None and tg.strategy == "round_robin" and chans:
            k = self._rr.get(group, 0) % len(chans)
            self._rr[group] = k + 1
            chans = chans[k:] + chans[:k]
        return chans

    def _start(self, call: Call) -> Call:
        self.calls[call.id] = call
        self.counters["calls"] += 1
        a = call.a
        if a.call is None:
            a.call = call
        call.begin()
        return call

    def place_call(self, a: FxsChannel, digits: str, *, linkedid: Optional[str] = None) -> Call:
        """``a`` dialled ``digits``: route them and start the call (failures included)."""
        look = self.dialplan.lookup(digits)
        t = look.target if look.match in (Match.COMPLETE, Match.AMBIGUOUS) else None
        common = dict(src=a.number, caller_name=a.display_name, dst=digits, linkedid=linkedid,
                      start=a.call_start())
        if t is None:
            log.info("%s dialled %r: no such number", a.name, digits)
            call = Call(self, a, direction="internal", candidates=[], **common)
        elif t.kind == TargetKind.EXTENSION:
            ch = self.extension_channel(t.number)
            call = Call(self, a, direction="internal", candidates=[ch] if ch and ch is not a else [],
                        ring_ms=self.setting("ring_timeout_ms"), **common)
        elif t.kind == TargetKind.RING_GROUP:
            g = self.config.ring_group(t.number)
            members = [self.extension_channel(m) for m in g.members]
            call = Call(self, a, direction="internal", strategy=g.strategy, ring_ms=g.ring_ms,
                        candidates=[c for c in members if c is not None and c is not a], **common)
        else:   # outbound or emergency
            ext_class = a.extension.outbound_class if a.extension else "internal"
            ok = t.kind == TargetKind.EMERGENCY or allowed(ext_class, t.call_class)
            cands = self._candidates_for_group(t.trunk_group) if (ok and t.trunk_group) else []
            if not ok:
                log.info("%s may not dial %s (%s call, class %s)", a.name, digits, t.call_class, ext_class)
            call = Call(self, a, direction="outbound", strategy="in_order", ring_ms=OUTBOUND_RING_MS,
                        candidates=cands, number_out=t.number, trunk=t.trunk_group or "", **common)
        return self._start(call)

    def inbound_call(self, line_ch: FxoChannel, number: str, name: str) -> Call:
        """An outside call rings ``line_ch``: route it by the inbound routes."""
        line_name = line_ch.line.name if line_ch.line else line_ch.name
        route = self.config.inbound_route_for(line_name, number)
        cands: list[Channel] = []
        strategy, ring_ms, dst = "ringall", self.setting("ring_timeout_ms"), ""
        if route is not None:
            dst = route.dest
            if route.dest_kind == "extension":
                ch = self.extension_channel(route.dest)
                cands = [ch] if ch else []
            else:
                g = self.config.ring_group(route.dest)
                if g is not None:
                    strategy, ring_ms = g.strategy, g.ring_ms
                    cands = [c for c in (self.extension_channel(m) for m in g.members) if c]
        if not dst and line_ch.line is not None:
            dst = line_ch.line.number
        call = Call(self, line_ch, src=number, caller_name=name, dst=dst, direction="inbound",
                    candidates=cands, strategy=strategy, ring_ms=ring_ms, start=line_ch.call_start())
        call.trunk_line = line_name
        return self._start(call)

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
        trunk_line = getattr(call, "trunk_line", "")
        if not trunk_line:
            for ch in (call.b, *(call.tried[-1:])):
                if isinstance(ch, FxoChannel) and ch.line is not None:
                    trunk_line = ch.line.name
        lastdata = "&".join(c.channel_id for c in call.tried)
        if call.number_out:
            lastdata += f"/{call.number_out}"
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
            "accountcode": "", "userfield": "",
            "trunk": trunk_line, "hangup_side": call.hangup_side or "system",
            "direction": call.direction,
        }

    # ------------------------------------------------------------------ status
    def status(self) -> dict[str, Any]:
        return {"ports": [ch.status() for ch in self.channels],
                "calls": [c.status() for c in self.calls.values() if c.state != CallState.ENDED],
                "counters": dict(self.counters)}
