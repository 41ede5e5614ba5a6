"""Policy precedence (queue > extension > trunk > inbound route > default), the
"this call may be recorded" announcement, the ACD hook ``RecordingManager.hint`` and the
policy document's validation."""
from __future__ import annotations

import pytest

from firmware.config.errors import ConfigError
from firmware.recording.policy import decide, validate_recording_setting

from tests.firmware.conftest import rms, tone_power
from tests.firmware.features import hang_up, talk
from tests.recording.helpers import power, read_recording, set_recording
from tests.firmware.test_line_calls import answer_inbound


def test_precedence():
    s = validate_recording_setting({
        "default": "always", "queues": {"700": "never"}, "extensions": {"801": "on_demand", "802": "always"},
        "trunks": {"line1": {"mode": "always", "retention_days": 7}}, "routes": {"hotline": "never"}})
    assert decide(s, queue="700", extensions=["802"]).mode == "never"
    d = decide(s, extensions=["801", "802"], trunk="line1")
    assert (d.mode, d.source) == ("always", "extension 802")          # the stronger extension
    assert decide(s, extensions=["801"], trunk="line1").mode == "on_demand"
    d = decide(s, extensions=["803"], trunk="line1", route=["hotline"])
    assert (d.mode, d.retention_days, d.source) == ("always", 7, "trunk line1")
    assert decide(s, extensions=["803"], trunk="line2", route=["All calls", "hotline"]).mode == "never"  # name or id
    assert decide(s, extensions=["803"], trunk="line2", route=["other", "1"]).mode == "always"          # default
    assert decide(s).source == "default"


@pytest.mark.parametrize("doc, field", [
    ({"default": "maybe"}, "settings.recording.default"),
    ({"format": "mp3"}, "settings.recording.format"),
    ({"queues": {"700": {"mode": "always", "keep": 3}}}, "settings.recording.queues.700.keep"),
    ({"trunks": {"line1": {"retention_days": -1}}}, "settings.recording.trunks.line1.retention_days"),
    ({"quota": 5}, "settings.recording.quota"),
])
def test_validation_names_the_field(doc, field):
    with pytest.raises(ConfigError) as e:
        validate_recording_setting(doc)
    assert e.value.field == field


def test_inbound_trunk_policy_records_the_outside_caller(hx):
    set_recording(hx, trunks={"line1": "always"}, min_free_mb=0)
    remote, p = answer_inbound(hx)
    remote.play_tone("1000")
    hx.run(2000)
    remote.stop_playing()
    p.on_hook()
    hx.run(1500)
    (row,) = hx.box.recording.index.search()
    assert (row["direction"], row["trunk"], row["caller"], row["agent"]) == ("inbound", "line1", "13800138000", "802")
    x, _ = read_recording(hx.box.recording.dir / row["path"])
    assert power(x[:, 0], 1000) > 0.6               # the caller is the left channel


def test_announcement_before_the_talk_path(hx):
    set_recording(hx, extensions={"802": {"mode": "always", "announce": True}}, min_free_mb=0)
    a = hx.phone("fxs1")
    a.start_capture()
    talk(hx, "fxs1", "fxs2")
    hx.phone("fxs2").play_tone("1600")
    hx.run(1000)
    heard = a.captured()[-8000:]
    assert rms(heard) > 300 and tone_power(heard, 1600) < 0.2      # the prompt, not the callee
    hx.run(4000)
    a.start_capture()
    hx.run(1000)
    assert tone_power(a.captured(), 1600) > 0.6                    # then the talk path
    hx.phone("fxs2").stop_playing()
    hang_up(hx, "fxs1")


def test_no_announcement_without_the_setting(hx):
    set_recording(hx, extensions={"802": "always"}, min_free_mb=0)
    talk(hx, "fxs1", "fxs2")
    a = hx.phone("fxs1")
    hx.phone("fxs2").play_tone("1600")
    a.start_capture()
    hx.run(1000)
    assert tone_power(a.captured(), 1600) > 0.6


def test_recording_hint_from_acd(hx):
    set_recording(hx, queues={"700": "always", "701": "never"}, extensions={"802": "always"}, min_free_mb=0)
    talk(hx, "fxs1", "fxs2")
    rec = hx.box.recording
    (call,) = hx.ctl.calls.values()
    assert call.id in rec.active                                   # extension 802: always
    rec.hint(call, queue="701", agent="802")                  # the queue says never
    assert call.id not in rec.active
    rec.hint(call, queue="700", agent="802")
    assert call.id in rec.active
    hx.run(1200)
    hang_up(hx, "fxs1")
    rows = rec.index.search(queue="700")
    assert len(rows) == 1 and rows[0]["agent"] == "802" and rows[0]["started_by"] == "policy queue 700"
