"""sim.* management commands: JSON in, JSON out, clear errors."""
import json

import numpy as np
import pytest

from dsp.callerid import encode_fsk
from dsp.dtmf import DtmfDetector
from hal.ports import Ev
from hal.sim.commands import sim_commands

from tests.hal.conftest import Box


@pytest.fixture
def cmd():
    box = Box()
    table = sim_commands(box.board)

    def call(_cmd, **args):
        fn, help_text = table[_cmd]
        assert help_text
        out = fn(args)
        json.dumps(out)                       # every result is JSON-able
        return out
    call.box = box
    return call


def test_all_commands_present(cmd):
    names = set(sim_commands(cmd.box.board))
    assert {"sim.status", "sim.phone.offhook", "sim.phone.onhook", "sim.phone.flash",
            "sim.phone.dial", "sim.phone.play", "sim.phone.status", "sim.line.ring",
            "sim.line.set", "sim.remote.answer", "sim.remote.hangup", "sim.remote.play",
            "sim.exchange.subscriber"} <= names


def test_phone_commands_drive_the_phone(cmd):
    box = cmd.box
    cmd("sim.phone.offhook", port="fxs1")
    cmd("sim.phone.dial", port=1, digits="802")
    box.run(1200)
    assert "".join(DtmfDetector().process(np.concatenate(box.rx["fxs1"]))) == "802"
    cmd("sim.phone.flash", port="fxs1", ms=300)
    box.run(600)
    assert box.kinds("fxs1") == [Ev.OFF_HOOK, Ev.FLASH]
    cmd("sim.phone.play", port="fxs1", tone="1000")
    box.run(100)
    assert np.abs(box.rx_since("fxs1", 2)).max() > 1000
    cmd("sim.phone.play", port="fxs1", stop=True)
    box.run(100)
    assert np.abs(box.rx_since("fxs1", 2)).max() == 0
    cmd("sim.phone.onhook", port="fxs1")
    box.run(1000)
    assert box.kinds("fxs1")[-1] == Ev.ON_HOOK
    # caller ID shows in the status, JSON-able
    box.board.port("fxs1").send_onhook(encode_fsk("800", "DESK"))
    box.run(1200)
    st = cmd("sim.phone.status", port="fxs1")
    assert st["caller_id"]["number"] == "800" and st["hook"] == "on"
    assert cmd("sim.status")["phones"]["fxs1"]["caller_id"]["name"] == "DESK"


def test_line_and_remote_commands(cmd):
    box = cmd.box
    rid = cmd("sim.line.ring", port="fxo1", caller="13911112222", name="WANG")["remote"]
    assert rid == "r1"
    box.run(600)
    assert box.kinds("fxo1") == [Ev.RING_START]
    box.board.port("fxo1").set_hook(True)
    box.run(200)
    st = cmd("sim.status")
    assert st["remotes"]["r1"]["state"] == "talking"
    cmd("sim.remote.play", id="r1", tone="1000")
    box.run(200)
    assert np.abs(box.rx_since("fxo1", 2)).max() > 1000
    cmd("sim.line.set", port="fxo1", disconnect="polarity")
    cmd("sim.remote.hangup", id="r1")
    box.run(200)
    assert box.kinds("fxo1")[-1] == Ev.POLARITY
    out = cmd("sim.line.set", port=2, down=True, dial_tone=False)
    assert out["down"] and out["dial_tone"] is False
    box.run(200)
    assert box.kinds("fxo2") == [Ev.LINE_DOWN]
    sub = cmd("sim.exchange.subscriber", number="95555", behaviour="no_answer")
    assert sub["behaviour"] == "no_answer"
    with pytest.raises(ValueError, match="cannot answer"):
        cmd("sim.remote.answer", id=sub["remote"])
    assert cmd("sim.status")["calls_log"][0]["caller"] == "13911112222"


@pytest.mark.parametrize("name,args,msg", [
    ("sim.phone.offhook", {}, "missing argument.*port"),
    ("sim.phone.offhook", {"port": "fxs9"}, "no port 'fxs9'"),
    ("sim.phone.dial", {"port": "fxs1", "digits": "12", "speed": 3}, "unknown argument.*speed"),
    ("sim.phone.dial", {"port": "fxs1", "digits": "1", "mode": "mf"}, "dial mode"),
    ("sim.phone.play", {"port": "fxs1"}, "exactly one of"),
    ("sim.phone.play", {"port": "fxs1", "tone": "nonsense"}, "'tone'"),
    ("sim.phone.flash", {"port": "fxo1"}, "not FXS"),
    ("sim.line.set", {"port": "fxo1", "cid": "fsk"}, "'cid' must be one of"),
    ("sim.line.set", {"port": "fxo1", "down": "yes"}, "'down' must be true or false"),
    ("sim.line.ring", {"port": "fxo1", "caller": "abc"}, "caller must be a string of digits"),
    ("sim.remote.hangup", {"id": "r99"}, "no remote party 'r99'"),
    ("sim.exchange.subscriber", {"number": "1", "behaviour": "maybe"}, "behaviour must be one of"),
])
def test_bad_arguments_say_what_is_wrong(cmd, name, args, msg):
    with pytest.raises(ValueError, match=msg):
        cmd(name, **args)
