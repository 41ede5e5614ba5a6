from tests.acd.conftest import caller, events, login, ringing_ports, setup_queue, states


def test_caller_reaches_an_agent_who_logged_in_with_the_feature_code(hx):
    setup_queue(hx, members=("1001",))
    login(hx, "1001", "802")
    remote = caller(hx)
    assert hx.until(lambda: ringing_ports(hx) == ["fxs2"], 15000)
    hx.phone("fxs2").off_hook()
    assert hx.until(lambda: hx.state("fxs2") == "talking", 2000)
    assert [e["event"] for e in events(hx)][-2:] == ["ENTERQUEUE", "CONNECT"]
    assert states(hx, "1001")[-3:] == ["ready", "ringing", "on_call"]
    hx.phone("fxs2").on_hook()
    hx.run(1000)
    assert events(hx)[-1]["event"] == "COMPLETEAGENT"
    assert states(hx, "1001")[-1] == "wrap_up"
    hx.run(3000)
    assert states(hx, "1001")[-1] == "ready"
    assert remote.state.value == "ended"
