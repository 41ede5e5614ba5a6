"""``hotline demo``: a scripted scenario on the simulated board, on the virtual clock.

An outside caller (13800138000, "ZHANG SAN") rings line 1 with FSK caller ID; the
Reception ring group (600) rings every phone; 801 answers and they talk; 801 puts the
caller on hold (flash: music on hold, second dial tone) and takes them back; the caller
hangs up (the exchange plays busy tone, the box notices); then 801 calls 802, and
finally dials out over a line (9 + 63001234). Everything happens through real audio:
DTMF tones, FSK, call-progress tones. The transcript and the CDR rows are printed.
"""
from __future__ import annotations

import csv
import io
import sys
import tempfile
from typing import Optional

from hal.clock import VirtualClock

from firmware.box import Box
from firmware.paths import DataDir


def run_demo(out=None, data_dir: Optional[str] = None) -> int:
    out = out or sys.stdout
    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="hotline-demo-")
        data_dir = tmp.name
    clock = VirtualClock()
    box = Box(DataDir.at(data_dir), clock)
    board, ex = box.board, box.board.exchange

    def say(text: str) -> None:
        print(f"[{clock.now_ms() / 1000:7.2f} s] {text}", file=out)

    def on_event(event: str, data: dict) -> None:
        if event == "port.state":
            say(f"    {data['port']}: {data['from']} -> {data['state']}")
        elif event == "call.ended":
            say(f"    call {data['id']} {data['src']} -> {data['dst']} ended: {data['disposition']}")
    box.add_publisher(on_event)

    def wait(pred, ms: float, what: str) -> None:
        if not clock.run_until(pred, ms):
            say(f"!! timed out waiting for {what}")

    p801, p802 = board.phone("fxs1"), board.phone("fxs2")
    say("An outside caller 13800138000 (ZHANG SAN) rings line 1")
    caller = ex.ring_in("fxo1", caller="13800138000", name="ZHANG SAN")
    wait(lambda: (p801.caller_id or {}).get("number") == "13800138000", 12000, "caller ID on 801")
    say(f"801's display shows: {p801.caller_id.get('number')} {p801.caller_id.get('name')}")
    say("801 answers")
    p801.off_hook()
    wait(lambda: box.ctl.channel("fxo1").state.value == "talking", 3000, "the line to be answered")
    caller.play_tone("1000")
    clock.advance(2000)
    caller.stop_playing()
    say("801 presses flash: the caller hears music on hold, 801 hears a second dial tone")
    p801.flash()
    wait(lambda: p801.hears == "dialtone", 4000, "second dial tone")
    clock.advance(1000)
    say("801 flashes again and is back with the caller")
    p801.flash()
    clock.advance(2000)
    say("The caller hangs up; the exchange plays busy tone on the line")
    caller.hangup()
    wait(lambda: p801.hears == "busy", 6000, "busy tone on 801")
    say("801 hears busy tone and hangs up")
    p801.on_hook()
    clock.advance(1500)
    say("801 dials 802 (DTMF tones)")
    p801.off_hook()
    wait(lambda: p801.hears == "dialtone", 3000, "dial tone")
    p801.dial("802")
    wait(lambda: (p802.caller_id or {}).get("number") == "801", 10000, "802 to show 801")
    p802.off_hook()
    clock.advance(3000)
    say("802 hangs up; 801 hangs up")
    p802.on_hook()
    clock.advance(1500)
    p801.on_hook()
    clock.advance(1500)
    say("801 dials 9 63001234 (an outside number that answers after 3 s)")
    ex.add_subscriber("63001234", behaviour="answer", answer_after_ms=3000)
    p801.off_hook()
    wait(lambda: p801.hears == "dialtone", 3000, "dial tone")
    p801.dial("963001234")
    wait(lambda: box.ctl.channel("fxo1").state.value == "talking", 15000, "the outside call")
    clock.advance(3000)
    say("801 hangs up")
    p801.on_hook()
    clock.advance(2000)

    print("\nCDR rows (Asterisk Master.csv order):", file=out)
    buf = io.StringIO()
    box.cdr.export_csv(buf)
    out.write(buf.getvalue())
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    box.close()
    if tmp is not None:
        tmp.cleanup()
    return 0 if len(rows) == 3 else 1


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="a scripted call scenario on the simulated board",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("--data", metavar="DIR", help="keep the demo's data here (default: a temp dir)")
    p.set_defaults(func=lambda a: run_demo(data_dir=a.data))
