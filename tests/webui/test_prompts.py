"""The prompts page (/config/prompts): list, upload (size and type checked), play (the WAV
route), delete; the player in a real browser against a daemon."""
from __future__ import annotations

import wave
import io
from html import unescape

from tests.webui.sysadmin_fixtures import server, standin, upload, wav  # noqa: F401  (fixtures)


def test_upload_play_and_delete_a_prompt(http, standin):  # noqa: F811
    http.login()
    page = http.get("/config/prompts")
    assert page.status == 200 and 'id="prompt-welcome"' in page.text and "*77" in page.text
    r = upload(http, "/config/prompts", {"name": "sales_intro"}, {"file": ("hi.wav", wav(0.5, 44100, channels=2), "audio/wav")})
    assert r.status == 200 and "Prompt sales_intro saved (0.5 s)" in unescape(r.text)
    assert (standin.data.sounds / "prompts" / "en" / "sales_intro.wav").is_file()
    assert not list((standin.data.root / "uploads").glob("*")), "the staged upload is removed"
    w = http.get("/config/prompts/sales_intro.wav")
    assert w.status == 200 and w.headers["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(w.body)) as f:
        assert (f.getframerate(), f.getnchannels()) == (8000, 1) and f.getnframes() == 4000
    assert http.get("/config/prompts/welcome.wav").body[:4] == b"RIFF"
    assert http.get("/config/prompts/nope.wav").status == 404
    assert standin.store.audit_log(target="prompts")["rows"][0]["actor"] == "web:admin"
    r = http.post("/config/prompts/sales_intro/delete")
    assert r.status == 200 and "deleted" in r.text
    assert not (standin.data.sounds / "prompts" / "en" / "sales_intro.wav").exists()
    r = http.post("/config/prompts/welcome/delete")
    assert r.status == 400 and "system prompts cannot be deleted" in r.text


def test_uploads_are_refused_in_plain_words_and_nothing_changes(http, standin):  # noqa: F811
    http.login()
    r = upload(http, "/config/prompts", {"name": "x y"}, {"file": ("a.wav", wav(), "audio/wav")})
    assert r.status == 400 and "is not a prompt name" in unescape(r.text)
    r = upload(http, "/config/prompts", {"name": "greeting"}, {"file": ("a.mp3", b"ID3\x03\x00" + b"\x00" * 100, "audio/mpeg")})
    assert r.status == 400 and "not a WAV file" in r.text and 'value="greeting"' in r.text
    r = upload(http, "/config/prompts", {"name": "greeting"}, {"file": ("a.wav", wav()[:60], "audio/wav")})
    assert r.status == 400 and "not saved" in r.text
    r = upload(http, "/config/prompts", {"name": "greeting"}, {"file": ("a.wav", b"", "audio/wav")})
    assert r.status == 400
    assert not (standin.data.sounds / "prompts" / "en" / "greeting.wav").exists()
    assert not list((standin.data.root / "uploads").glob("*"))


def test_prompts_pages_are_for_admins_and_installers(http, standin):  # noqa: F811
    standin.store.add_user("inst", role="installer", password="Inst-pass-1234")
    standin.store.add_agent(number="1001", name="A") if not standin.store.agent("1001") else None
    standin.store.add_user("ag", role="agent", password="Agent-pass-1234", agent="1001")
    http.login("ag", "Agent-pass-1234")
    assert http.get("/config/prompts").status == 403 and http.get("/config/prompts/welcome.wav").status == 403
    http.get("/logout")
    http2 = type(http)(http.base)
    http2.login("inst", "Inst-pass-1234")
    assert http2.get("/config/prompts").status == 200


def test_a_prompt_plays_in_the_browser(webbox, page, tmp_path):
    from tests.webui.harness import browser_login, shot
    f = tmp_path / "hello.wav"
    f.write_bytes(wav(1.0, 16000))
    browser_login(page, webbox.url)
    page.goto(webbox.url + "config/prompts")
    page.fill("#f-name", "hello_web")
    page.set_input_files("#f-file", str(f))
    page.click("form[action='/config/prompts'][enctype] button[type=submit]")
    page.locator('[id="prompt-hello_web"]').wait_for()
    assert any(p["name"] == "hello_web" and p["source"] == "custom" for p in webbox.ctl("prompt.list"))
    duration = page.evaluate("""async () => {
        const a = document.querySelector('[id="prompt-hello_web"] audio');
        a.preload = 'auto'; a.load();
        if (a.readyState < 1) await new Promise((ok, bad) => {
            a.addEventListener('loadedmetadata', ok, {once: true});
            a.addEventListener('error', () => bad(new Error('audio error ' + (a.error && a.error.code))), {once: true}); });
        return a.duration; }""")
    assert abs(duration - 1.0) < 0.05
    shot(page, "prompts")


def test_ring_a_phone_to_record_a_prompt(webbox):
    """The page rings an analog extension that then dials *77<number>#: answer, speak, press
    # and 1 — the recording is saved under that number."""
    from tests.webui.harness import wait_until
    h = webbox.http()
    h.login()
    r = h.post("/config/prompts/record", {"number": "12a", "extension": "801"})
    assert r.status == 400 and "is not a prompt number" in unescape(r.text)
    r = h.post("/config/prompts/record", {"number": "1001", "extension": "999"})
    assert r.status == 400 and "analog phone port" in r.text
    r = h.post("/config/prompts/record", {"number": "1001", "extension": "801"})
    assert r.status == 200 and "Extension 801 is ringing" in r.text
    r = h.post("/config/prompts/record", {"number": "1002", "extension": "801"})
    assert r.status == 409 and "Extension 801 cannot be rung now" in r.text     # it is ringing already
    webbox.advance(200)
    wait_until(lambda: webbox.ctl("sim.phone.status", port="fxs1")["ringing"], what="fxs1 ringing")
    webbox.ctl("sim.phone.offhook", port="fxs1")
    webbox.advance(500)
    calls = webbox.ctl("calls")
    assert [(c["to"], c["b"]) for c in calls] == [("*771001", "rec-1001")], calls   # the recorder answered
    webbox.advance(6000)                                                          # instructions, beep
    webbox.ctl("sim.phone.play", port="fxs1", tone="400/2000")                    # "speaking"
    webbox.advance(2500)
    webbox.ctl("sim.phone.dial", port="fxs1", digits="#")
    webbox.advance(4000)                                                          # played back, menu
    webbox.ctl("sim.phone.dial", port="fxs1", digits="1")
    webbox.advance(3000)
    assert any(p["name"] == "1001" and p["source"] == "custom" for p in webbox.ctl("prompt.list"))
