"""The management API wire format: line-delimited JSON over a Unix socket.

One message per line, UTF-8, ``ensure_ascii=False``, terminated by ``"\\n"``.

* Request:  ``{"id": <any JSON, optional>, "cmd": "status", "args": {...}}``
* Reply:    ``{"id": <same>, "ok": true, "result": ...}`` or
            ``{"id": <same>, "ok": false, "error": {"code": ..., "message": "plain words"}}``
* Event:    ``{"event": "call.state", "data": {...}}`` (only after ``subscribe``);
            clients tell events from replies by the ``"event"`` key.

Error codes (:data:`ERROR_CODES`): ``bad_json`` (the line is not JSON / not UTF-8),
``bad_request`` (not an object, no ``cmd``, ``args`` not an object, line too long),
``unknown_command``, ``bad_args`` (the handler refused its arguments), ``failed`` (the
command ran and failed, or an internal error).

This module only encodes and decodes; it does no I/O, so server and client share it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MAX_LINE_BYTES = 64 * 1024        #: longest accepted request line, bytes (without "\n")

BAD_JSON = "bad_json"
BAD_REQUEST = "bad_request"
UNKNOWN_COMMAND = "unknown_command"
BAD_ARGS = "bad_args"
FAILED = "failed"
ERROR_CODES = (BAD_JSON, BAD_REQUEST, UNKNOWN_COMMAND, BAD_ARGS, FAILED)


class ProtocolError(Exception):
    """A request line that cannot be served; ``code`` is one of :data:`ERROR_CODES`.

    ``id`` is the request id when it could be read (so the error reply echoes it).
    """

    def __init__(self, code: str, message: str, id: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.id = id


@dataclass
class Request:
    """One decoded request."""
    cmd: str
    args: dict = field(default_factory=dict)
    id: Any = None


def encode(message: dict) -> bytes:
    """One message as a UTF-8 line ending in ``"\\n"`` (no newlines inside)."""
    return (json.dumps(message, ensure_ascii=False, separators=(",", ":"), default=_default)
            + "\n").encode("utf-8")


def _default(obj: Any) -> Any:
    """Make common non-JSON values sendable: sets/tuples as lists, enums by value,
    dataclasses as dicts, anything else as its ``str()``."""
    import dataclasses
    import enum
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, enum.Enum):
        return obj.value
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if hasattr(obj, "tolist"):                      # numpy scalars/arrays
        return obj.tolist()
    return str(obj)


def decode(line: bytes | str) -> Any:
    """Parse one line (with or without its ``"\\n"``) as JSON; :class:`ProtocolError`
    (``bad_json``) when it is not UTF-8 or not JSON."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ProtocolError(BAD_JSON, f"the line is not UTF-8 text ({e.reason} at byte {e.start})")
    try:
        return json.loads(line)
    except json.JSONDecodeError as e:
        raise ProtocolError(BAD_JSON, f"the line is not JSON: {e.msg} at column {e.colno}")


def parse_request(line: bytes | str) -> Request:
    """Decode a request line; :class:`ProtocolError` says what is wrong with it."""
    if len(line) > MAX_LINE_BYTES + 1:
        raise ProtocolError(BAD_REQUEST, f"the line is {len(line)} bytes long; "
                                         f"the limit is {MAX_LINE_BYTES} bytes")
    msg = decode(line)
    if not isinstance(msg, dict):
        raise ProtocolError(BAD_REQUEST, "a request must be a JSON object like "
                                         '{"cmd": "status"}, not a ' + _json_kind(msg))
    rid = msg.get("id")
    cmd = msg.get("cmd")
    if cmd is None:
        raise ProtocolError(BAD_REQUEST, 'the request has no "cmd" (the command name)', rid)
    if not isinstance(cmd, str) or not cmd:
        raise ProtocolError(BAD_REQUEST, f'"cmd" must be a non-empty string, not {cmd!r}', rid)
    args = msg.get("args")
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ProtocolError(BAD_REQUEST, f'"args" must be a JSON object, not a {_json_kind(args)}', rid)
    return Request(cmd=cmd, args=args, id=rid)


def _json_kind(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean",
            type(None): "null", dict: "object"}.get(type(value), type(value).__name__)


def request(cmd: str, args: dict | None = None, id: Any = None) -> dict:
    """A request message (``id`` left out when None)."""
    msg: dict = {"cmd": cmd, "args": args or {}}
    if id is not None:
        msg["id"] = id
    return msg


def reply_ok(id: Any, result: Any) -> dict:
    """A success reply."""
    return {"id": id, "ok": True, "result": result}


def reply_error(id: Any, code: str, message: str) -> dict:
    """An error reply; ``message`` in plain words."""
    return {"id": id, "ok": False, "error": {"code": code, "message": message}}


def event(name: str, data: dict) -> dict:
    """An event message."""
    return {"event": name, "data": data}


def is_event(message: dict) -> bool:
    """True for event messages, False for replies."""
    return "event" in message
