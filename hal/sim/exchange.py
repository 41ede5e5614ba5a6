"""The simulated exchange (central office) at the other end of the FXO ports' lines.

One :class:`SimExchange` per simulated board; each FXO port is wired to a
:class:`SimLine`. A line behaves like a subscriber line of a real exchange, with
real audio made by the ``dsp`` generators and heard by its detectors:

* inbound (``exchange.ring_in``): ring cadence of the country profile, FSK caller ID
  (Bell 202 or V.23) ``cid_delay_ms`` after the end of the first burst, or DTMF caller
  ID before the first ring; the remote hears ringback until the box answers;
* outbound (the box seizes the line): dial tone after ``dialtone_delay_ms`` (never on a
  dead line, ``dial_tone=False``), DTMF digits collected with a ``dsp`` DtmfDetector
  (dial tone stops at the first digit), routed on an exact subscriber match or
  ``digit_timeout_ms`` after the last digit: ringback then answer, busy tone, or the
  number-unobtainable tone;
* far-end hang-up, per ``disconnect``: busy tone until the box releases, a polarity
  reversal, or a loop-current drop of ``loop_drop_ms``.

Line settings (attributes, validated when set): ``number``, ``cid`` ("bell202" | "v23"
| "dtmf" | "none"), ``disconnect`` ("busy" | "polarity" | "loop"), ``answer_polarity``,
``dial_tone``, ``loop_drop_ms``, ``release_ms`` (an open loop this long is a release;
shorter is a hook flash), ``dialtone_delay_ms``, ``digit_timeout_ms``, ``cid_delay_ms``.
"""
from __future__ import annotations

import enum
import itertools
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

import numpy as np

from dsp.callerid import encode_dtmf_cid, encode_fsk
from dsp.dtmf import DtmfDetector
from dsp.profiles import get_profile
from dsp.tones import ToneGenerator
from hal.clock import TICK_MS, TICK_SAMPLES, Clock, ms_to_ticks
from hal.sim.remote import RemoteState, SimRemote

if TYPE_CHECKING:
    from hal.sim.fxo import SimFxoPort

CID_CHOICES = ("bell202", "v23", "dtmf", "none")
DISCONNECT_CHOICES = ("busy", "polarity", "loop")
BEHAVIOURS = ("answer", "busy", "no_answer", "unobtainable")

IDLE_V, OFFHOOK_V, RING_V, LOOP_MA = 48.0, 8.0, 70.0, 25.0
DTMF_CID_GAP_MS = 700     #: silence between DTMF caller ID and the first ring, ms


class LineState(str, enum.Enum):
    IDLE = "idle"
    ALERTING = "alerting"          #: ringing the box (inbound call)
    SEIZED = "seized"              #: the box took the line; dial tone comes soon
    DIALTONE = "dialtone"
    DIGITS = "digits"              #: collecting digits
    DEAD = "dead"                  #: seized, but the line gives no dial tone
    RINGBACK = "ringback"          #: the called remote rings
    BUSY = "busy"                  #: busy tone (called party busy, or far end hung up)
    UNOBTAINABLE = "unobtainable"  #: number-unobtainable tone
    TALKING = "talking"
    CLEARED = "cleared"            #: far end hung up (polarity / loop signalled), silence


def _check_bool(name: str) -> Callable[[Any], bool]:
    def check(v: Any) -> bool:
        if not isinstance(v, bool):
            raise ValueError(f"line setting {name!r} must be true or false, got {v!r}")
        return v
    return check


def _check_ms(name: str, minimum: int = 0) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise ValueError(f"line setting {name!r} must be a whole number of ms >= {minimum}, got {v!r}")
        return v
    return check


def _check_choice(name: str, choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v not in choices:
            raise ValueError(f"line setting {name!r} must be one of {', '.join(choices)}; got {v!r}")
        return v
    return check


def _check_number(v: Any) -> str:
    if not isinstance(v, str) or not v or not all(c.isdigit() or c in "*#" for c in v):
        raise ValueError(f"line setting 'number' must be a string of digits, got {v!r}")
    return v


_SETTINGS: dict[str, Callable[[Any], Any]] = {
    "number": _check_number,
    "cid": _check_choice("cid", CID_CHOICES),
    "disconnect": _check_choice("disconnect", DISCONNECT_CHOICES),
    "answer_polarity": _check_bool("answer_polarity"),
    "dial_tone": _check_bool("dial_tone"),
    "loop_drop_ms": _check_ms("loop_drop_ms", TICK_MS),
    "release_ms": _check_ms("release_ms", TICK_MS),
    "dialtone_delay_ms": _check_ms("dialtone_delay_ms"),
    "digit_timeout_ms": _check_ms("digit_timeout_ms", TICK_MS),
    "cid_delay_ms": _check_ms("cid_delay_ms"),
}


class SimLine:
    """The exchange side of the line on FXO port ``name`` (see the module docstring)."""

    def __init__(self, name: str, exchange: "SimExchange", number: str) -> None:
        profile = get_profile(exchange.country)
        self.name = name
        self.exchange = exchange
        self.country = exchange.country
        self.number = number
        self.cid = profile.callerid_standard
        self.disconnect = "busy"
        self.answer_polarity = False
        self.dial_tone = True
        self.loop_drop_ms = 600
        self.release_ms = 500
        self.dialtone_delay_ms = 200
        self.digit_timeout_ms = 3000
        self.cid_delay_ms = 500
        self.port: Optional["SimFxoPort"] = None
        self.down = False
        self.state = LineState.IDLE
        self.remote: Optional[SimRemote] = None
        self.digits = ""
        self.flashes = 0                  #: short loop breaks seen while seized
        self.voltage = -IDLE_V
        self.current = 0.0
        self._cadence = profile.ring_cadence_ms
        self._t = 0                       # ticks in the current state
        self._tick = 0
        self._seized = False
        self._open_run = 0
        self._reversed = False
        self._tone: Optional[ToneGenerator] = None
        self._dtmf = DtmfDetector()
        self._log: Optional[dict] = None
        self._answer_at: Optional[int] = None
        self._drop_ticks = 0
        self._burst = False
        self._alert_ms = 0
        self._pre_ring_ms = 0
        self._cid_at_ms: Optional[int] = None
        self._cid_samples: Optional[np.ndarray] = None
        self._onhook: Optional[np.ndarray] = None
        self._onhook_pos = 0
        self._give_up_ticks: Optional[int] = None
        self._ringback: Optional[ToneGenerator] = None

    def __setattr__(self, key: str, value: Any) -> None:
        check = _SETTINGS.get(key)
        object.__setattr__(self, key, value if check is None else check(value))

    # ------------------------------------------------------------------ settings
    def configure(self, **settings: Any) -> None:
        """Change several settings at once (ValueError naming an unknown one)."""
        for k in settings:
            if k not in _SETTINGS:
                raise ValueError(f"unknown line setting {k!r}; settings: {', '.join(_SETTINGS)}")
        for k, v in settings.items():
            setattr(self, k, v)

    def settings(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _SETTINGS}

    def set_down(self, down: bool = True) -> None:
        """Take the line down (no battery, no dial tone: a pulled cable) or bring it back."""
        down = bool(down)
        if down and not self.down:
            self._event("down")
        self.down = down

    @property
    def reversed(self) -> bool:
        """True while the exchange feeds the line with reversed polarity."""
        return self._reversed

    @property
    def ring_burst(self) -> bool:
        return self._burst

    # ------------------------------------------------------------------ one tick
    def step(self, tx: np.ndarray, loop_closed: bool, tick: int) -> tuple[np.ndarray, float, float]:
        """One tick: ``tx`` is what the box sends, ``loop_closed`` its hook state.
        Returns (audio to the box, line voltage V, loop current mA)."""
        self._tick = tick
        frame = np.zeros(TICK_SAMPLES, np.int16)
        if self.down:
            self.voltage = self.current = 0.0
            return frame, 0.0, 0.0
        if loop_closed:
            if self._seized and self._open_run:
                self.flashes += 1
            self._open_run = 0
            if not self._seized:
                self._seized = True
                self._event("seize")
        elif self._seized:
            self._open_run += 1
            if self._open_run * TICK_MS >= self.release_ms:
                self._seized = False
                self._open_run = 0
                self._event("release")
        self._event("tick")
        frame = self._audio(tx, loop_closed)
        pol = 1.0 if self._reversed else -1.0
        if self._burst:
            v, i = (RING_V if tick % 2 else -RING_V), 0.0
        elif loop_closed and self._seized:
            v, i = (0.0, 0.0) if self._drop_ticks else (OFFHOOK_V * pol, LOOP_MA)
        else:
            v, i = IDLE_V * pol, 0.0
        if self._drop_ticks:
            self._drop_ticks -= 1             # the loop-current drop lasts loop_drop_ms
        self.voltage, self.current = v, i
        return frame, v, i

    def _audio(self, tx: np.ndarray, loop_closed: bool) -> np.ndarray:
        st = self.state
        if st == LineState.ALERTING:
            if self.remote is not None and self._ringback is not None:
                self.remote.ear.hear(self._ringback.read(TICK_SAMPLES), self._tick)
            if self._onhook is not None and not self._burst:
                return self._next_onhook()
            return np.zeros(TICK_SAMPLES, np.int16)
        if not loop_closed:
            return np.zeros(TICK_SAMPLES, np.int16)
        if st in (LineState.SEIZED, LineState.DIALTONE, LineState.DIGITS):
            for d in self._dtmf.process(tx):
                self._event("digit", d)
                if self.state not in (LineState.DIALTONE, LineState.DIGITS):
                    break
        if self.state == LineState.TALKING and self.remote is not None:
            self.remote.ear.hear(tx, self._tick)
            return self.remote.mouth.read(TICK_SAMPLES)
        if self._tone is not None:
            return self._tone.read(TICK_SAMPLES)
        return np.zeros(TICK_SAMPLES, np.int16)

    def _next_onhook(self) -> np.ndarray:
        out = np.zeros(TICK_SAMPLES, np.int16)
        s = self._onhook
        take = min(TICK_SAMPLES, len(s) - self._onhook_pos)
        out[:take] = s[self._onhook_pos:self._onhook_pos + take]
        self._onhook_pos += take
        if self._onhook_pos >= len(s):
            self._onhook = None
        return out

    # ------------------------------------------------------------------ the state machine
    def _enter(self, state: LineState, tone: Optional[str] = None) -> None:
        self.state = state
        self._t = 0
        self._tone = None if tone is None else ToneGenerator(tone, self.country)

    def _event(self, ev: str, arg: Any = None) -> None:
        """The line's one transition function. Events: tick, seize, release, digit,
        ring_in, remote_answer, remote_hangup, give_up, down."""
        st = self.state
        S = LineState
        if ev == "tick":
            self._t += 1
            if st == S.ALERTING:
                self._alert_tick()
            elif st == S.SEIZED and self._t * TICK_MS >= self.dialtone_delay_ms:
                if self.dial_tone:
                    self._enter(S.DIALTONE, "dial")
                else:
                    self._enter(S.DEAD)
                    self._log["outcome"] = "no_dialtone"
            elif st == S.DIGITS and self._t * TICK_MS >= self.digit_timeout_ms:
                self._route()
            elif st == S.RINGBACK and self._answer_at is not None and self._t >= self._answer_at:
                self._event("remote_answer")
        elif ev == "seize":
            if st == S.IDLE:
                self._enter(S.SEIZED)
                self._dtmf.reset()
                self.digits = ""
                self._log = self.exchange._log_call(direction="out", line=self.name, number="",
                                                    outcome="dialling")
            elif st == S.ALERTING:          # the box answers an inbound call
                self._burst = False
                self._onhook = None
                self._enter(S.TALKING)
                self.remote._set_state(RemoteState.TALKING)
                self.remote.ear.reset()
                self._log.update(outcome="answered", answer_tick=self._tick)
        elif ev == "release":
            if st in (S.IDLE, S.ALERTING):
                return
            if self.remote is not None and self.remote.in_call:
                self.remote._set_state(RemoteState.ENDED, "far_hangup")
            if self._log is not None:
                if self._log["outcome"] == "dialling":
                    self._log["outcome"] = "abandoned"
                self._log["end_tick"] = self._tick
                self._log.setdefault("ended_by", "box")
            self._idle()
        elif ev == "digit":
            if st in (S.SEIZED, S.DIALTONE, S.DIGITS):
                self.digits += arg
                self._log["number"] = self.digits
                self._enter(S.DIGITS)
                if self.digits in self.exchange.subscribers:
                    self._route()
        elif ev == "ring_in":
            remote, cid, give_up_ms = arg
            if st != S.IDLE or self._seized:
                remote._set_state(RemoteState.ENDED, "busy")
                self.exchange._log_call(direction="in", line=self.name, number=self.number,
                                        caller=remote.number, remote=remote.id, outcome="busy",
                                        end_tick=self._tick)
                return
            self._start_alerting(remote, cid, give_up_ms)
        elif ev == "remote_answer":
            if st == S.RINGBACK:
                if self.answer_polarity:
                    self._reversed = not self._reversed
                self._enter(S.TALKING)
                self.remote._set_state(RemoteState.TALKING)
                self._log.update(outcome="answered", answer_tick=self._tick)
        elif ev in ("remote_hangup", "give_up"):
            if st == S.ALERTING:
                self.remote._set_state(RemoteState.ENDED, "hangup" if ev == "remote_hangup" else "gave_up")
                self._log.update(outcome="abandoned" if ev == "remote_hangup" else "gave_up",
                                 end_tick=self._tick, ended_by="remote")
                self._idle()
            elif st == S.RINGBACK:
                self.remote._set_state(RemoteState.ENDED, "rejected")
                self._log.update(outcome="rejected")
                self._enter(S.BUSY, "busy")
            elif st == S.TALKING:
                self.remote._set_state(RemoteState.ENDED, "hangup")
                self._log["ended_by"] = "remote"
                self._log["far_end_tick"] = self._tick
                if self.disconnect == "busy":
                    self._enter(S.BUSY, "busy")
                else:
                    self._enter(S.CLEARED)
                    if self.disconnect == "polarity":
                        self._reversed = not self._reversed
                    else:
                        self._drop_ticks = ms_to_ticks(self.loop_drop_ms)
        elif ev == "down":
            if self.remote is not None and self.remote.in_call:
                self.remote._set_state(RemoteState.ENDED, "line_down")
            if self._log is not None and "end_tick" not in self._log:
                self._log.update(end_tick=self._tick, ended_by="line_down")
            self._seized = False
            self._open_run = 0
            self._idle()

    def _idle(self) -> None:
        self._enter(LineState.IDLE)
        self._reversed = False
        self._burst = False
        self._onhook = None
        self._drop_ticks = 0
        self._answer_at = None
        self._ringback = None
        self.remote = None
        self._log = None

    def _route(self) -> None:
        ex = self.exchange
        num = self.digits
        remote = ex.subscribers.get(num)
        if remote is None:
            remote = ex._new_remote(num, behaviour=ex.default_behaviour)
        behaviour = remote.behaviour
        self._log.update(number=num, remote=remote.id)
        if behaviour == "busy" or remote.in_call:
            self._log["outcome"] = "busy"
            self._enter(LineState.BUSY, "busy")
        elif behaviour == "unobtainable":
            self._log["outcome"] = "unobtainable"
            tones = get_profile(self.country).tones
            self._enter(LineState.UNOBTAINABLE, "info" if "info" in tones else "congestion")
        else:
            self.remote = remote
            remote._set_state(RemoteState.RINGING_IN, line=self)
            self._log["outcome"] = "no_answer"
            self._enter(LineState.RINGBACK, "ringback")
            self._answer_at = None
            if behaviour == "answer" and remote.answer_after_ms is not None:
                self._answer_at = ms_to_ticks(remote.answer_after_ms)

    def _start_alerting(self, remote: SimRemote, cid: str, give_up_ms: Optional[int]) -> None:
        self.remote = remote
        remote._set_state(RemoteState.RINGING_OUT, line=self)
        self._log = self.exchange._log_call(direction="in", line=self.name, number=self.number,
                                            caller=remote.number, name=remote.name,
                                            remote=remote.id, outcome="ringing", cid=cid)
        self._enter(LineState.ALERTING)
        self._alert_ms = 0
        self._burst = False
        self._onhook = None
        self._pre_ring_ms = 0
        self._cid_at_ms = None
        self._cid_samples = None
        self._ringback = ToneGenerator("ringback", self.country)
        self._give_up_ticks = None if give_up_ms is None else ms_to_ticks(give_up_ms)
        when = self.exchange.clock.wall_time()
        if cid in ("bell202", "v23"):
            self._cid_samples = encode_fsk(remote.number, remote.name, when=when, standard=cid)
            self._cid_at_ms = self._cadence[0] + self.cid_delay_ms
        elif cid == "dtmf":
            self._cid_samples = encode_dtmf_cid(remote.number)
            self._cid_at_ms = 0
            self._pre_ring_ms = len(self._cid_samples) * 1000 // 8000 + DTMF_CID_GAP_MS

    def _alert_tick(self) -> None:
        pos = self._alert_ms
        self._alert_ms += TICK_MS
        if self._cid_at_ms is not None and pos >= self._cid_at_ms:
            self._onhook, self._onhook_pos = self._cid_samples, 0
            self._cid_at_ms = None
        burst = False
        if pos >= self._pre_ring_ms:
            r = (pos - self._pre_ring_ms) % sum(self._cadence)
            acc = 0
            for i, ms in enumerate(self._cadence):
                if r < acc + ms:
                    burst = i % 2 == 0
                    break
                acc += ms
        self._burst = burst
        if self._give_up_ticks is not None and self._t >= self._give_up_ticks:
            self._event("give_up")

    def status(self) -> dict[str, Any]:
        return {"line": self.name, "state": self.state.value, "down": self.down,
                "digits": self.digits, "reversed": self._reversed,
                "remote": self.remote.id if self.remote else None,
                "voltage": self.voltage, "current": self.current, **self.settings()}


class SimExchange:
    """The central office of a simulated board (``board.exchange``).

    Calling it runs one board tick: ``rx, events = board.exchange(tx)`` is the
    :meth:`hal.board.Board.exchange` of the simulated board.
    """

    def __init__(self, clock: Clock, country: str = "cn",
                 tick_fn: Optional[Callable[[np.ndarray], tuple]] = None) -> None:
        self.clock = clock
        self.country = get_profile(country).code
        self.lines: dict[str, SimLine] = {}
        self.subscribers: dict[str, SimRemote] = {}
        self.remotes: dict[str, SimRemote] = {}
        self.default_behaviour = "answer"
        self.calls_log: list[dict] = []
        self._ids = itertools.count(1)
        self._tick_fn = tick_fn

    def __call__(self, tx: np.ndarray) -> tuple[np.ndarray, list]:
        if self._tick_fn is None:
            raise RuntimeError("this exchange is not attached to a board")
        return self._tick_fn(tx)

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "default_behaviour" and value not in BEHAVIOURS:
            raise ValueError(f"default_behaviour must be one of {', '.join(BEHAVIOURS)}; got {value!r}")
        object.__setattr__(self, key, value)

    # ------------------------------------------------------------------ set-up
    def add_line(self, name: str, number: str) -> SimLine:
        line = SimLine(name, self, number)
        self.lines[name] = line
        return line

    def line(self, port_or_line: Union[str, "SimLine", Any]) -> SimLine:
        """The line of an FXO port (its name, the port or the line itself)."""
        if isinstance(port_or_line, SimLine):
            return port_or_line
        name = getattr(port_or_line, "name", port_or_line)
        try:
            return self.lines[name]
        except KeyError:
            raise ValueError(f"no simulated line on port {name!r} (lines: "
                             f"{', '.join(self.lines) or 'none'})") from None

    def add_subscriber(self, number: str, behaviour: str = "answer",
                       answer_after_ms: Optional[int] = 2000, name: Optional[str] = None) -> SimRemote:
        """A number the box can dial, with a fixed behaviour; returns its remote party
        (the same one for every call to that number)."""
        _check_number(number)
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"subscriber behaviour must be one of {', '.join(BEHAVIOURS)}; got {behaviour!r}")
        if answer_after_ms is not None and (not isinstance(answer_after_ms, int) or answer_after_ms < 0):
            raise ValueError(f"answer_after_ms must be a whole number of ms >= 0 (or null), got {answer_after_ms!r}")
        old = self.subscribers.get(number)
        if old is not None:
            old.behaviour, old.answer_after_ms, old.name = behaviour, answer_after_ms, name or old.name
            return old
        r = self._new_remote(number, name, behaviour, answer_after_ms)
        self.subscribers[number] = r
        return r

    def _new_remote(self, number: Optional[str], name: Optional[str] = None,
                    behaviour: str = "answer", answer_after_ms: Optional[int] = 2000) -> SimRemote:
        rid = f"r{next(self._ids)}"
        r = SimRemote(rid, number, name, self.country, behaviour, answer_after_ms)
        self.remotes[rid] = r
        return r

    def remote(self, rid: str) -> SimRemote:
        try:
            return self.remotes[rid]
        except KeyError:
            raise ValueError(f"no remote party {rid!r} (known: {', '.join(self.remotes) or 'none'})") from None

    # ------------------------------------------------------------------ calls
    def ring_in(self, port_or_line, caller: Optional[str] = "13800138000",
                name: Optional[str] = None, cid: Optional[str] = None,
                give_up_after_ms: Optional[int] = None) -> SimRemote:
        """An outside caller rings the line: returns the caller (state ``ringing_out``,
        or ``ended`` with reason "busy" when the line is in use / "line_down")."""
        line = self.line(port_or_line)
        cid = line.cid if cid is None else _check_choice("cid", CID_CHOICES)(cid)
        if caller is not None and not (isinstance(caller, str) and caller.isdigit()):
            raise ValueError(f"caller must be a string of digits (or null for no number), got {caller!r}")
        if cid == "dtmf" and caller is None:
            raise ValueError("DTMF caller ID needs a caller number")
        if give_up_after_ms is not None and give_up_after_ms <= 0:
            raise ValueError(f"give_up_after_ms must be > 0 ms, got {give_up_after_ms!r}")
        remote = self._new_remote(caller, name)
        if line.down:
            remote._set_state(RemoteState.ENDED, "line_down")
            self._log_call(direction="in", line=line.name, number=line.number, caller=caller,
                           remote=remote.id, outcome="line_down")
            return remote
        line._event("ring_in", (remote, cid, give_up_after_ms))
        return remote

    def _log_call(self, **entry: Any) -> dict:
        entry.setdefault("start_tick", self.clock.ticks)
        self.calls_log.append(entry)
        return entry

    def status(self) -> dict[str, Any]:
        return {"country": self.country, "default_behaviour": self.default_behaviour,
                "lines": {n: l.status() for n, l in self.lines.items()},
                "subscribers": {n: r.id for n, r in self.subscribers.items()},
                "remotes": {i: r.status() for i, r in self.remotes.items()},
                "calls": len(self.calls_log), "calls_log": [dict(c) for c in self.calls_log[-50:]]}
