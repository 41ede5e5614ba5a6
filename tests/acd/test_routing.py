"""Who gets the call: VIP priority and owner, sticky agent, caller region."""
from __future__ import annotations

from tests.acd.conftest import caller, events, fast_login, ringing_ports, setup_queue

VIP = "13911112222"


def _answer_and_finish(hx, port):
    hx.phone(port).off_hook()
    hx.run(1500)
    hx.phone(port).on_hook()
    hx.run(1500)


def _ringing_call_src(hx, port):
    return hx.ctl.channel(port).call.src


def test_vip_caller_jumps_ahead_of_earlier_callers(hx):
    setup_queue(hx, members=("1001",))
    hx.box.store.add_vip_caller(number=VIP, priority=10)
    hx.box.reload()
    fast_login(hx, "1001", "802")
    hx.box.acd.pause("1001")
    caller(hx, "fxo1", "13800000001")
    assert hx.until(lambda: len(hx.box.acd.waiting("700")) == 1, 12000)
    caller(hx, "fxo2", VIP)
    assert hx.until(lambda: len(hx.box.acd.waiting("700")) == 2, 12000)
    assert [e.caller for e in hx.box.acd.waiting("700")] == [VIP, "13800000001"]
    enter = events(hx, "ENTERQUEUE")
    assert [(e["data1"], e["data2"], e["data3"]) for e in enter] == [("13800000001", "0", "1"), (VIP, "10", "1")]
    hx.box.acd.unpause("1001")
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 5000)
    assert _ringing_call_src(hx, "fxs2") == VIP


def test_vip_owner_gets_the_call_of_its_customer(hx):
    setup_queue(hx, members=("1001", "1002"), strategy="vip_owner")
    hx.box.store.add_vip_caller(number=VIP, priority=0, agent="1002")
    hx.box.reload()
    fast_login(hx, "1001", "802")
    hx.run(3000)
    fast_login(hx, "1002", "803")                  # 1001 idle longer, but 1002 owns the caller
    caller(hx, "fxo1", VIP)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs3"], 12000)
    hx.run(9000)
    caller(hx, "fxo2", "13800000009")              # not a VIP: longest idle
    assert hx.until(lambda: "fxs2" in ringing_ports(hx), 12000)


def test_sticky_agent_serves_the_returning_caller(hx):
    setup_queue(hx, members=("1001", "1002"), strategy="sticky", wrapup_ms=0)
    fast_login(hx, "1001", "802")
    fast_login(hx, "1002", "803")
    hx.box.acd.pause("1001")
    caller(hx, "fxo1", "13812345678")
    assert hx.until(lambda: ringing_ports(hx) == ["fxs3"], 12000)
    _answer_and_finish(hx, "fxs3")
    hx.box.acd.unpause("1001")
    hx.run(5000)                                   # 1002 has been idle for less time than 1001... or not:
    hx.box.acd.book.agents["1001"].idle_since_ms = 0   # make 1001 clearly the longest idle
    caller(hx, "fxo2", "13812345678")
    assert hx.until(lambda: len(ringing_ports(hx)) == 1, 12000)
    assert ringing_ports(hx) == ["fxs3"]           # the agent who served this caller before
    hx.run(9000)
    caller(hx, "fxo3", "13899999999")              # a new caller: longest idle (1001)
    assert hx.until(lambda: "fxs2" in ringing_ports(hx), 12000)


def test_sticky_memory_expires_after_the_configured_days(hx):
    setup_queue(hx, members=("1001", "1002"), strategy="sticky", wrapup_ms=0, sticky_days=1)
    fast_login(hx, "1001", "802")
    fast_login(hx, "1002", "803")
    hx.box.acd.pause("1001")
    caller(hx, "fxo1", "13812345678")
    assert hx.until(lambda: ringing_ports(hx) == ["fxs3"], 12000)
    _answer_and_finish(hx, "fxs3")
    hx.box.acd.unpause("1001")
    hx.box.acd_log.db.execute("UPDATE queue_log SET ts_ms = ts_ms - 2 * 86400000")
    hx.box.acd.book.agents["1001"].idle_since_ms = 0
    caller(hx, "fxo2", "13812345678")
    assert hx.until(lambda: len(ringing_ports(hx)) == 1, 12000)
    assert ringing_ports(hx) == ["fxs2"]


def test_region_prefers_the_area_agents_and_can_send_to_another_queue(hx):
    setup_queue(hx, members=("1001", "1002"), strategy="region")
    store = hx.box.store
    store.add_queue(number="701", name="Shanghai", members=[{"agent": "1003"}], announce_ms=0, whisper=False)
    hx.box.dispatcher.run("acd.regions.import", {"csv": "prefix,area,queue,agents\n"
                                                        "1380010,Beijing mobile,,1002\n"
                                                        "021,Shanghai,701,\n"})
    assert hx.ctl.config.region("13800101234").area == "Beijing mobile"
    fast_login(hx, "1001", "802")
    hx.run(3000)
    fast_login(hx, "1002", "803")
    fast_login(hx, "1003", "804")
    caller(hx, "fxo1", "13800101234")
    assert hx.until(lambda: ringing_ports(hx) == ["fxs3"], 12000)   # Beijing: agent 1002
    caller(hx, "fxo2", "02155556666")
    assert hx.until(lambda: "fxs4" in ringing_ports(hx), 12000)     # Shanghai: queue 701
    assert [e["queue"] for e in events(hx, "ENTERQUEUE")] == ["700", "701"]


def test_penalty_tiers_widen_with_the_wait(hx):
    setup_queue(hx, members=("1001", ("1002", 1)), strategy="linear", penalty_steps="10000:1")
    fast_login(hx, "1001", "802")
    fast_login(hx, "1002", "803")
    hx.box.acd.pause("1001")
    caller(hx)
    hx.run(8000)
    assert ringing_ports(hx) == []                 # only penalty 0 at first: nobody ready
    assert hx.until(lambda: ringing_ports(hx) == ["fxs3"], 6000)
