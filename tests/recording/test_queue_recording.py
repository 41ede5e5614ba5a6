"""A queue call through the real ACD: the queue's policy records it from the moment the
agent answers (not while the caller waits), indexed with queue and agent (the
``acd.connect`` event), caller in the left channel."""
from __future__ import annotations

from tests.acd.conftest import caller, fast_login, setup_queue
from tests.recording.helpers import power, read_recording, set_recording


def test_queue_policy_records_agent_calls(hx):
    setup_queue(hx, members=("1001",))
    fast_login(hx, "1001", "802")
    set_recording(hx, queues={"700": "always"}, min_free_mb=0)
    rec = hx.box.recording
    remote = caller(hx)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 15000)
    assert not rec.active                              # waiting in the queue is not recorded
    hx.phone("fxs2").off_hook()
    assert hx.until(lambda: bool(rec.active), 3000)
    remote.play_tone("1000")
    hx.run(2000)
    remote.stop_playing()
    hx.phone("fxs2").on_hook()
    hx.run(1500)
    (row,) = rec.index.search(queue="700")
    assert (row["agent"], row["caller"], row["direction"], row["state"]) == ("1001", "13800138000", "inbound", "done")
    assert row["started_by"] == "policy queue 700"
    x, _ = read_recording(rec.dir / row["path"])
    assert power(x[:, 0], 1000) > 0.6


def test_queue_never_outranks_extension_always(hx):
    setup_queue(hx, members=("1001",))
    fast_login(hx, "1001", "802")
    set_recording(hx, queues={"700": "never"}, extensions={"802": "always"}, min_free_mb=0)
    caller(hx)
    assert hx.until(lambda: hx.state("fxs2") == "ringing", 15000)
    hx.phone("fxs2").off_hook()
    hx.run(2000)
    hx.phone("fxs2").on_hook()
    hx.run(1500)
    assert hx.box.recording.index.search() == []       # not even a moment before the queue was known
