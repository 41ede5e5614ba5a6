"""Management commands: a registry of handlers and the rules that turn their outcome
into a reply.

A handler is ``fn(args: dict) -> result`` (``result`` JSON-able), or a coroutine
function of the same shape. Handlers run on the daemon's event-loop thread (the same
thread as the engine's tick), one request at a time per connection, so they need no
locks but must not block: a handler that waits for something should be ``async``.

How an outcome becomes a reply:

* a return value                                      → ``ok: true``, ``result``
* :class:`CommandError` ``(message)``                 → ``failed`` with the message
* ``ValueError`` / ``TypeError`` / ``KeyError``        → ``bad_args`` with the message
* anything else                                       → ``failed`` with
  ``"internal error: <type>: <msg>"``, logged with its traceback (the server lives on)

Built-in commands: ``help`` (``{"command": name}`` optional), ``ping``, ``subscribe``
(``{"events": ["call.", "port."]}`` — prefix filters, ``[]`` or missing = all events)
and ``unsubscribe``.
"""
from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional, Union

from firmware.mgmt import protocol
from firmware.mgmt.protocol import Request

log = logging.getLogger("hotline.mgmt")

Handler = Callable[[dict], Union[Any, Awaitable[Any]]]


class CommandError(Exception):
    """A command ran and failed; ``message`` (plain words) goes to the caller as ``failed``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Session:
    """Per-connection state the built-ins change: the event subscription.

    ``filters`` is None while not subscribed, else a list of event-name prefixes
    (empty = every event).
    """

    def __init__(self) -> None:
        self.filters: Optional[list[str]] = None

    @property
    def subscribed(self) -> bool:
        return self.filters is not None

    def wants(self, event: str) -> bool:
        """True when this connection should receive ``event``."""
        if self.filters is None:
            return False
        return not self.filters or any(event.startswith(p) for p in self.filters)


@dataclass
class Command:
    name: str
    fn: Handler
    help: str = ""


class Dispatcher:
    """Command name → handler, plus the built-ins."""

    BUILTINS = ("help", "ping", "subscribe", "unsubscribe")

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self.register("help", self._help, help="list the commands (args: command=NAME for one)")
        self.register("ping", lambda args: {"pong": True}, help="check that the daemon answers")
        self.register("subscribe", _placeholder,
                      help='stream events on this connection (args: events=["call.", "port."] '
                           "prefix filters; none = all)")
        self.register("unsubscribe", _placeholder, help="stop streaming events on this connection")

    # -- registry
    def register(self, name: str, fn: Handler, help: str = "", replace: bool = False) -> None:
        """Add command ``name``. A second registration of the same name is a ValueError
        unless ``replace`` is true (built-ins cannot be replaced)."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"a command name must be a non-empty string, not {name!r}")
        if name in self.BUILTINS and name in self._commands:
            raise ValueError(f"command {name!r} is built in and cannot be replaced")
        if name in self._commands and not replace:
            raise ValueError(f"command {name!r} is already registered")
        self._commands[name] = Command(name, fn, help)

    def command(self, name: str, help: str = "", replace: bool = False) -> Callable[[Callable], Callable]:
        """Decorator: register ``fn(**args)`` (keyword parameters, or a coroutine function)
        as command ``name``. Unknown or missing arguments become ``bad_args`` naming them::

            @dispatcher.command("sim.offhook", help="lift the handset of a simulated phone")
            def offhook(port: str) -> dict: ...
        """
        def deco(fn: Callable) -> Callable:
            self.register(name, keyword_handler(fn), help=help or _first_line(fn.__doc__),
                          replace=replace)
            return fn
        return deco

    def run(self, name: str, args: Optional[dict] = None) -> Any:
        """Run command ``name`` in this thread and return its result (no session, no
        JSON framing: for in-process callers such as the demo and tests)."""
        try:
            cmd = self._commands[name]
        except KeyError:
            raise KeyError(f"no command {name!r}") from None
        return cmd.fn(args or {})

    def unregister(self, name: str) -> None:
        """Remove command ``name`` (no error when absent)."""
        if name not in self.BUILTINS:
            self._commands.pop(name, None)

    def names(self) -> list[str]:
        """The registered command names, sorted."""
        return sorted(self._commands)

    def __contains__(self, name: str) -> bool:
        return name in self._commands

    # -- running
    async def dispatch(self, req: Request, session: Optional[Session] = None) -> dict:
        """Run one request and return its reply message (never raises)."""
        session = session if session is not None else Session()
        cmd = self._commands.get(req.cmd)
        if cmd is None:
            return protocol.reply_error(
                req.id, protocol.UNKNOWN_COMMAND,
                f"unknown command {req.cmd!r}; `help` lists the commands")
        try:
            if req.cmd == "subscribe":
                result = self._subscribe(req.args, session)
            elif req.cmd == "unsubscribe":
                session.filters = None
                result = {"subscribed": False}
            else:
                result = cmd.fn(req.args)
                if inspect.isawaitable(result):
                    result = await result
        except CommandError as e:
            return protocol.reply_error(req.id, protocol.FAILED, e.message)
        except (ValueError, TypeError, KeyError) as e:
            return protocol.reply_error(req.id, protocol.BAD_ARGS, _bad_args_message(req.cmd, e))
        except Exception as e:          # noqa: BLE001 - the server never dies of a handler
            log.exception("management command %r failed", req.cmd)
            return protocol.reply_error(req.id, protocol.FAILED,
                                        f"internal error: {type(e).__name__}: {e}")
        return protocol.reply_ok(req.id, result)

    # -- built-ins
    def _help(self, args: dict) -> dict:
        name = args.get("command")
        if name is not None:
            if name not in self._commands:
                raise KeyError(f"there is no command {name!r}")
            c = self._commands[name]
            return {"commands": [{"name": c.name, "help": c.help}]}
        return {"commands": [{"name": c.name, "help": c.help}
                             for c in sorted(self._commands.values(), key=lambda c: c.name)]}

    @staticmethod
    def _subscribe(args: dict, session: Session) -> dict:
        events = args.get("events")
        if events is None:
            events = []
        if isinstance(events, str):
            events = [events]
        if not isinstance(events, list) or not all(isinstance(p, str) for p in events):
            raise ValueError('"events" must be a list of event-name prefixes such as ["call.", "port."]')
        session.filters = list(events)
        return {"subscribed": True, "events": session.filters}


def page_args(args: dict, default: int = 50, maximum: int = 500) -> tuple[int, int]:
    """``(limit, offset)`` of a paged listing command: ``limit`` rows (1..``maximum``,
    ``default`` when absent) from row ``offset`` (0 or more). ValueError in words."""
    try:
        limit, offset = int(args.get("limit", default)), int(args.get("offset", 0))
    except (TypeError, ValueError):
        raise ValueError("limit and offset must be whole numbers") from None
    if not 1 <= limit <= maximum:
        raise ValueError(f"limit: {limit} is not between 1 and {maximum}")
    if offset < 0:
        raise ValueError(f"offset: {offset} must be 0 or more")
    return limit, offset


def keyword_handler(fn: Callable) -> Handler:
    """Wrap ``fn(**kwargs)`` as a handler ``h(args)``; argument mismatches are TypeErrors
    in plain words: ``unexpected argument 'x' (takes: port, digits)``, ``missing argument 'port'``."""
    sig = inspect.signature(fn)
    takes = ", ".join(p.name for p in sig.parameters.values()
                      if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)) or "no arguments"
    open_kw = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())

    def handler(args: dict) -> Any:
        if not open_kw:
            for k in args:
                if k not in sig.parameters:
                    raise TypeError(f"unexpected argument {k!r} (takes: {takes})")
        try:
            sig.bind(**args)
        except TypeError:
            missing = [p.name for p in sig.parameters.values()
                       if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                       and p.name not in args]
            if missing:
                raise TypeError("missing argument " + ", ".join(repr(m) for m in missing)) from None
            raise
        return fn(**args)
    handler.__name__ = getattr(fn, "__name__", "handler")
    handler.__doc__ = fn.__doc__
    return handler


def _first_line(doc: Optional[str]) -> str:
    return (doc or "").strip().split("\n")[0].strip()


def _placeholder(args: dict) -> None:      # subscribe/unsubscribe are handled in dispatch()
    return None


def _bad_args_message(cmd: str, e: BaseException) -> str:
    if isinstance(e, KeyError):
        key = e.args[0] if e.args else ""
        if isinstance(key, str) and " " in key:
            return key                                    # already a sentence
        return f"missing argument {key!r}"
    return str(e) or type(e).__name__
