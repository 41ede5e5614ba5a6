"""``sim.*`` commands of the management API: drive simulated phones, lines and remotes.

``sim_commands(board)`` returns ``{name: (function, help)}``; each function takes the
JSON arguments dict of a request and returns a JSON-able result, or raises ValueError
with a message that names the bad argument. Ports may be given by name (``"fxs1"``)
or by number (``1`` = fxs1 for phone commands, fxo1 for line commands).
"""
from __future__ import annotations

from typing import Any, Callable

from hal.sim.board import SimBoard, sim_status
from hal.sim.phone import SimPhone
from hal.sim.remote import SimRemote

Command = Callable[[dict], Any]


def _args(args: Any, allowed: set[str], required: set[str] = frozenset()) -> dict:
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ValueError(f"arguments must be a JSON object, got {type(args).__name__}")
    unknown = set(args) - allowed
    if unknown:
        raise ValueError(f"unknown argument(s) {', '.join(sorted(unknown))}; "
                         f"allowed: {', '.join(sorted(allowed)) or 'none'}")
    missing = [k for k in sorted(required) if args.get(k) is None]
    if missing:
        raise ValueError(f"missing argument(s): {', '.join(missing)}")
    return args


def _port_name(value: Any, kind: str) -> str:
    if isinstance(value, bool):
        raise ValueError(f"'port' must be a port name like '{kind}1' or a number, got {value!r}")
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return f"{kind}{int(value)}"
    if isinstance(value, str) and value:
        return value
    raise ValueError(f"'port' must be a port name like '{kind}1' or a number, got {value!r}")


def _opt_int(args: dict, key: str, default: Any) -> Any:
    v = args.get(key, default)
    if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
        raise ValueError(f"{key!r} must be a whole number (ms), got {v!r}")
    return v


def _play(target: SimPhone | SimRemote, args: dict) -> dict:
    chosen = [k for k in ("tone", "wav", "stop") if args.get(k) not in (None, False)]
    if len(chosen) != 1:
        raise ValueError("give exactly one of 'tone' (a tone name or spec), 'wav' (a file path) "
                         "or 'stop': true")
    what = chosen[0]
    if what == "stop":
        target.stop_playing()
    elif what == "tone":
        ms = _opt_int(args, "ms", None)
        try:
            target.play_tone(str(args["tone"]), ms)
        except ValueError as e:
            raise ValueError(f"'tone': {e}") from None
    else:
        target.play_wav(str(args["wav"]))
    return {"playing": target.mouth.playing}


def sim_commands(board: SimBoard) -> dict[str, tuple[Command, str]]:
    """The ``sim.*`` commands for ``board`` (see the module docstring)."""
    ex = board.exchange

    def phone(args: dict) -> SimPhone:
        return board.phone(_port_name(args.get("port"), "fxs"))

    def line_name(args: dict) -> str:
        return _port_name(args.get("port"), "fxo")

    def status(args: dict) -> dict:
        _args(args, set())
        return sim_status(board)

    def offhook(args: dict) -> dict:
        a = _args(args, {"port", "settle_ms"}, {"port"})
        p = phone(a)
        p.off_hook(_opt_int(a, "settle_ms", 200))
        return {"port": p.port_name, "queued": "offhook"}

    def onhook(args: dict) -> dict:
        a = _args(args, {"port"}, {"port"})
        p = phone(a)
        p.on_hook()
        return {"port": p.port_name, "queued": "onhook"}

    def flash(args: dict) -> dict:
        a = _args(args, {"port", "ms"}, {"port"})
        p = phone(a)
        p.flash(_opt_int(a, "ms", 300))
        return {"port": p.port_name, "queued": "flash"}

    def dial(args: dict) -> dict:
        a = _args(args, {"port", "digits", "mode", "on_ms", "off_ms"}, {"port", "digits"})
        p = phone(a)
        p.dial(str(a["digits"]), a.get("mode", "dtmf"), _opt_int(a, "on_ms", 100),
               _opt_int(a, "off_ms", 100))
        return {"port": p.port_name, "queued": "dial", "digits": str(a["digits"])}

    def phone_play(args: dict) -> dict:
        a = _args(args, {"port", "tone", "wav", "stop", "ms"}, {"port"})
        p = phone(a)
        return {"port": p.port_name, **_play(p, a)}

    def phone_status(args: dict) -> dict:
        a = _args(args, {"port"}, {"port"})
        return phone(a).status()

    def ring(args: dict) -> dict:
        a = _args(args, {"port", "caller", "name", "cid", "give_up_after_ms"}, {"port"})
        caller = a.get("caller", "13800138000")
        if isinstance(caller, int) and not isinstance(caller, bool):
            caller = str(caller)
        r = ex.ring_in(line_name(a), caller=caller, name=a.get("name"), cid=a.get("cid"),
                       give_up_after_ms=_opt_int(a, "give_up_after_ms", None))
        return {"remote": r.id, "state": r.state.value, "reason": r.reason}

    def line_set(args: dict) -> dict:
        keys = {"number", "cid", "disconnect", "answer_polarity", "dial_tone", "loop_drop_ms"}
        a = _args(args, {"port", "down"} | keys, {"port"})
        line = ex.line(line_name(a))
        line.configure(**{k: v for k, v in a.items() if k in keys})
        if "down" in a:
            if not isinstance(a["down"], bool):
                raise ValueError(f"'down' must be true or false, got {a['down']!r}")
            line.set_down(a["down"])
        return line.status()

    def remote(args: dict) -> SimRemote:
        rid = args.get("id")
        if not isinstance(rid, str):
            raise ValueError(f"'id' must be a remote id like 'r1', got {rid!r}")
        return ex.remote(rid)

    def remote_answer(args: dict) -> dict:
        r = remote(_args(args, {"id"}, {"id"}))
        r.answer()
        return {"remote": r.id, "queued": "answer"}

    def remote_hangup(args: dict) -> dict:
        r = remote(_args(args, {"id"}, {"id"}))
        r.hangup()
        return r.status()

    def remote_play(args: dict) -> dict:
        a = _args(args, {"id", "tone", "wav", "stop", "ms"}, {"id"})
        r = remote(a)
        return {"remote": r.id, **_play(r, a)}

    def subscriber(args: dict) -> dict:
        a = _args(args, {"number", "behaviour", "answer_after_ms", "name"}, {"number"})
        num = a["number"]
        if isinstance(num, int) and not isinstance(num, bool):
            num = str(num)
        r = ex.add_subscriber(num, a.get("behaviour", "answer"),
                              _opt_int(a, "answer_after_ms", 2000), a.get("name"))
        return {"remote": r.id, "number": r.number, "behaviour": r.behaviour}

    return {
        "sim.status": (status, "all simulated phones, lines and remote parties"),
        "sim.phone.offhook": (offhook, "lift the phone {port, settle_ms?}"),
        "sim.phone.onhook": (onhook, "hang up the phone {port}"),
        "sim.phone.flash": (flash, "hook flash {port, ms?=300}"),
        "sim.phone.dial": (dial, "dial {port, digits, mode?=dtmf|pulse, on_ms?, off_ms?}"),
        "sim.phone.play": (phone_play, "speak into the phone {port, tone? | wav? | stop?, ms?}"),
        "sim.phone.status": (phone_status, "what the phone hears, rings, caller ID {port}"),
        "sim.line.ring": (ring, "an outside caller rings an FXO line {port, caller?, name?, cid?, "
                                "give_up_after_ms?}; returns the remote id"),
        "sim.line.set": (line_set, "change a line {port, number?, cid?, disconnect?, "
                                   "answer_polarity?, dial_tone?, loop_drop_ms?, down?}"),
        "sim.remote.answer": (remote_answer, "the remote party answers {id}"),
        "sim.remote.hangup": (remote_hangup, "the remote party hangs up {id}"),
        "sim.remote.play": (remote_play, "the remote party speaks {id, tone? | wav? | stop?, ms?}"),
        "sim.exchange.subscriber": (subscriber, "a number the box can dial {number, behaviour?="
                                                "answer|busy|no_answer|unobtainable, "
                                                "answer_after_ms?, name?}"),
    }
