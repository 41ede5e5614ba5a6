"""Setup-wizard commands: check the ports, make a test call.

* ``ports.check {port?}`` → one entry per port (or the one named), in plain words:
  FXO ``line: present|absent`` with the tip-ring ``voltage_v`` the port measures (the
  FXO chip's line-voltage register on the real board, the simulated exchange's feed on
  the simulated one), FXS ``hook: on|off`` (is a phone lifted), E1 ``alarms``; plus
  ``ok`` and a ``text`` sentence for the wizard page.
* ``test_call {extension}`` → ``{"ringing": true, "call": id}`` while the extension's
  phone rings from "Hotline" (number 0); when answered it hears a short greeting reading
  its number, then the box hangs up. ``{"ringing": false, "reason": ...}`` says why
  not (no such extension, phone busy or off the hook, SIP phone not registered...).
"""
from __future__ import annotations

from typing import Any

from hal.ports import PortKind

from firmware.features.testcall import start_test_call
from firmware.mgmt.commands import CommandError, Dispatcher

LINE_PRESENT_V = 3.0      #: |tip-ring voltage| above this: an exchange feeds the line


def check_port(port: Any, channel: Any, extension: str = "", line_name: str = "") -> dict[str, Any]:
    """The wizard's view of one hal port (see the module docstring)."""
    out: dict[str, Any] = {"port": port.name, "kind": port.kind.value, "slot": port.slot}
    state = channel.state.value if channel is not None else ""
    if port.kind == PortKind.FXO:
        v = float(port.line_voltage)
        present = abs(v) >= LINE_PRESENT_V
        out.update(line="present" if present else "absent", voltage_v=round(v, 1), state=state,
                   seized=bool(port.off_hook), ok=present, name=line_name)
        if not present:
            out["text"] = (f"{port.name}: no line — no voltage from the exchange ({abs(v):.1f} V); "
                           "check the cable from the phone company's socket")
        elif port.off_hook:
            out["text"] = f"{port.name}: line present, in use ({abs(v):.1f} V while seized)"
        else:
            out["text"] = f"{port.name}: line present, {abs(v):.1f} V"
    elif port.kind == PortKind.FXS:
        off = bool(port.off_hook)
        out.update(hook="off" if off else "on", state=state, extension=extension, ok=True)
        who = f" (extension {extension})" if extension else " (no extension assigned)"
        out["text"] = f"{port.name}{who}: " + ("phone lifted (off-hook)" if off else "phone on-hook")
    elif port.kind == PortKind.E1:
        alarms = list(port.alarms())
        out.update(alarms=alarms, ok=not alarms)
        out["text"] = f"{port.name}: " + (f"alarms {', '.join(alarms)}" if alarms else "span up, no alarms")
    return out


def register_wizard(d: Dispatcher, box: Any) -> None:
    def ports_check(a: dict) -> list:
        ports = list(box.board.ports)
        name = a.get("port")
        if name not in (None, ""):
            ports = [p for p in ports if p.name == str(name)]
            if not ports:
                raise CommandError(f"no port {name!r} (ports: {', '.join(p.name for p in box.board.ports)})")
        out = []
        for p in ports:
            ch = box.ctl.port_channel(p.name)
            ext = box.config.extension_by_port(p.name) if p.kind == PortKind.FXS else None
            line = box.config.line_by_port(p.name) if p.kind == PortKind.FXO else None
            out.append(check_port(p, ch, ext.number if ext is not None else "",
                                  line.name if line is not None else ""))
        return out

    def test_call(a: dict) -> dict:
        ext = a.get("extension")
        if ext in (None, ""):
            raise ValueError("'extension' is required (the extension whose phone should ring)")
        return start_test_call(box.ctl, str(ext))

    d.register("ports.check", ports_check,
               "line check for the setup wizard {port?}: FXO line present/absent and voltage, "
               "FXS hook on/off, E1 alarms")
    d.register("test_call", test_call,
               "ring {extension} from Hotline (0); answered: a short greeting, then hang-up "
               "-> {ringing, call} or {ringing: false, reason}")
