"""IVR menus and prompts through the management commands (what `hotline ctl ivr/prompt` sends)."""
from __future__ import annotations

import base64
import io
import json
import wave

import numpy as np
import pytest

from firmware.config import ConfigError
from firmware.ivr.transfer import FORMAT
from firmware.mgmt.commands import CommandError
from firmware.mgmt.ctl import UsageError, ivr_call
from firmware.prompts.upload import decode_wav
from tests.firmware.features import dial
from tests.ivr.conftest import tone_power

MENUS = {"format": FORMAT, "menus": [
    {"number": "7000", "name": "Main", "nodes": {
        "main": {"type": "collect", "prompts": ["welcome"], "keys": {"1": "sub", "2": "sales"}},
        "sub": {"type": "goto", "target": "7001"},
        "sales": {"type": "goto", "target": "600"}}},
    {"number": "7001", "name": "Sub", "nodes": {
        "main": {"type": "collect", "prompts": ["please_hold"], "keys": {"9": "back"}},
        "back": {"type": "goto", "target": "7000"}}},
]}


def wav_bytes(x: np.ndarray, rate: int, channels: int = 1, width: int = 2) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        if width == 2:
            data = np.repeat(x.astype("<i2"), channels).tobytes()
        else:                                                   # 24-bit
            v = np.repeat(x.astype(np.int32) << 8, channels)
            b = v.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
            data = b.tobytes()
        w.writeframes(data)
    return buf.getvalue()


def tone(freq: float, rate: int, seconds: float = 1.0, amp: int = 8000) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def run(hx, cmd, **args):
    return hx.box.dispatcher.run(cmd, args)


def test_import_export_round_trip_with_menus_naming_each_other(hx):
    assert run(hx, "ivr.import", doc=MENUS) == {"imported": ["7000", "7001"]}
    doc = run(hx, "ivr.export")
    assert doc["format"] == FORMAT and [m["number"] for m in doc["menus"]] == ["7000", "7001"]
    assert doc["menus"][0]["nodes"]["main"]["keys"] == {"1": "sub", "2": "sales"}
    with pytest.raises(ConfigError, match="IVR menu 7000 node 'sub' sends callers to it"):
        run(hx, "ivr.delete", number="7001")
    assert run(hx, "ivr.import", doc=json.loads(json.dumps(doc)))["imported"] == ["7000", "7001"]
    assert [m["number"] for m in run(hx, "ivr.list")] == ["7000", "7001"]
    assert hx.box.config.destination_kind("7001") == "ivr"


def test_missing_prompt_or_target_is_refused_naming_the_node(hx):
    bad = {"number": "7000", "nodes": {"main": {"type": "play", "prompts": ["welcome2"], "next": "x"},
                                       "x": {"type": "hangup"}}}
    with pytest.raises(ConfigError, match=r"menu 7000 node 'main': prompt 'welcome2' does not exist"):
        run(hx, "ivr.import", doc=bad)
    bad = {"number": "7000", "nodes": {"sales": {"type": "goto", "target": "7999"}}}
    with pytest.raises(ConfigError, match=r"menu 7000 node 'sales': target 7999 does not exist"):
        run(hx, "ivr.import", doc=bad)
    bad = {"number": "7000", "nodes": {"main": {"type": "play", "prompts": ["welcome"], "next": "nowhere"}}}
    with pytest.raises(ConfigError, match=r"menu 7000 node 'main': next 'nowhere' is not a node"):
        run(hx, "ivr.import", doc=bad)
    bad = {"number": "801", "nodes": {"main": {"type": "hangup"}}}
    with pytest.raises(ConfigError, match="already extension 801"):
        run(hx, "ivr.import", doc=bad)
    assert run(hx, "ivr.list") == []


def test_inbound_route_to_a_menu(hx):
    run(hx, "ivr.import", doc=MENUS)
    hx.box.store.update_inbound_route(1, dest_kind="ivr", dest="7000", time_condition="", night_dest="")
    with pytest.raises(ConfigError, match="inbound route 1"):
        run(hx, "ivr.delete", number="7000")


def test_upload_resamples_any_wav_to_8k_mono(hx):
    data = wav_bytes(tone(1000, 44100), 44100, channels=2, width=3)
    r = run(hx, "prompt.upload", name="hello_44k", data=base64.b64encode(data).decode())
    assert r["seconds"] == pytest.approx(1.0, abs=0.01) and r["language"] == "zh"
    with wave.open(r["path"], "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
    x = decode_wav(open(r["path"], "rb").read())
    assert tone_power(x[800:], 1000) > 0.9, "the tone survives the resampling"
    names = {p["name"]: p for p in run(hx, "prompt.list")}
    assert names["hello_44k"]["source"] == "custom" and names["welcome"]["source"] == "system"


def test_broken_upload_is_refused_and_nothing_is_overwritten(hx, tmp_path):
    good = wav_bytes(tone(600, 8000), 8000)
    r = run(hx, "prompt.upload", name="greeting", data=base64.b64encode(good).decode())
    before = open(r["path"], "rb").read()
    for bad, why in ((b"hello world", "not a WAV file"), (good[:100], "cut short|no audio"),
                     (b"RIFF\x00\x00\x00\x00WAVEfmt ", "cannot be read")):
        with pytest.raises(CommandError, match=why):
            run(hx, "prompt.upload", name="greeting", data=base64.b64encode(bad).decode())
    assert open(r["path"], "rb").read() == before
    assert not list((hx.box.data.sounds / "prompts" / "zh").glob("*.part"))
    p = tmp_path / "x.wav"
    p.write_bytes(wav_bytes(tone(600, 16000), 16000))
    assert run(hx, "prompt.upload", name="from_path", path=str(p))["seconds"] == pytest.approx(1.0, abs=0.01)


def test_prompt_delete_refused_while_a_menu_plays_it(hx):
    run(hx, "prompt.upload", name="sales_intro", data=base64.b64encode(wav_bytes(tone(700, 8000), 8000)).decode())
    run(hx, "ivr.import", doc={"number": "7000", "nodes": {
        "main": {"type": "play", "prompts": ["sales_intro"], "next": "bye"}, "bye": {"type": "hangup"}}})
    with pytest.raises(CommandError, match="menu 7000 node 'main'"):
        run(hx, "prompt.delete", name="sales_intro")
    run(hx, "ivr.delete", number="7000")
    assert run(hx, "prompt.delete", name="sales_intro")["deleted"]
    with pytest.raises(CommandError, match="no uploaded prompt"):
        run(hx, "prompt.delete", name="welcome")


def test_menu_plays_an_uploaded_prompt(hx):
    run(hx, "prompt.upload", name="tone_prompt",
        data=base64.b64encode(wav_bytes(tone(1300, 11025, seconds=3), 11025)).decode())
    run(hx, "ivr.import", doc={"number": "7000", "nodes": {
        "main": {"type": "play", "prompts": ["tone_prompt"], "next": "bye"}, "bye": {"type": "hangup"}}})
    p = hx.phone("fxs1")
    p.start_capture()
    dial(hx, "fxs1", "7000", settle_ms=2500)
    x = p.captured()[-16000:]
    assert tone_power(x, 1300) > 0.5, "the caller hears the uploaded prompt"


def test_ctl_argument_shapes(tmp_path):
    f = tmp_path / "m.json"
    f.write_text(json.dumps(MENUS))
    assert ivr_call("ivr", ["import", str(f)]) == ("ivr.import", {"doc": MENUS}, "")
    assert ivr_call("ivr", ["export", "out.json", "number=7000"]) == ("ivr.export", {"number": 7000}, "out.json")
    cmd, args, _ = ivr_call("prompt", ["upload", "greet", str(f)])
    assert cmd == "prompt.upload" and base64.b64decode(args["data"]) == f.read_bytes()
    with pytest.raises(UsageError, match="No such file"):
        ivr_call("ivr", ["import", str(tmp_path / "none.json")])
