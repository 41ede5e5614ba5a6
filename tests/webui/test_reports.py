"""Report pages over HTTP (no browser): CDR search and CSV export against the real
cdr.search / cdr.export on a CDR store, queue/agent/staffing reports from the real
acd.report / acd.staffing on a scripted ACD day, SVG charts, recordings and voicemail
playback with the access log, and who may open them."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import types
import wave
import xml.etree.ElementTree as ET

import pytest

from firmware.cdr.notes import CallNotes
from firmware.cdr.record import CdrRecord
from firmware.cdr.store import CdrStore
from firmware.mgmt.commands import CommandError
from tests.acd.test_stats import DAY, scripted_day
from tests.webui.harness import Http

UTC = dt.timezone.utc
SVG = "{http://www.w3.org/2000/svg}"


def write_cdrs(store: CdrStore, n: int, start: dt.datetime) -> None:
    """``n`` calls one minute apart: 801↔802 internal answered, every 3rd an inbound
    NO ANSWER from 13800138000 (caller name 张三)."""
    for i in range(n):
        t = start + dt.timedelta(minutes=i)
        if i % 3 == 2:
            rec = CdrRecord(uniqueid=f"{int(t.timestamp())}.{i}", start=t, end=t + dt.timedelta(seconds=20),
                            src="13800138000", dst="600", caller_name="张三", channel="FXO/fxo1",
                            dcontext="from-trunk", disposition="NO ANSWER", direction="inbound", trunk="fxo1")
        else:
            rec = CdrRecord(uniqueid=f"{int(t.timestamp())}.{i}", start=t, answer=t + dt.timedelta(seconds=3),
                            end=t + dt.timedelta(seconds=63), src="801", dst="802", channel="FXS/fxs1",
                            dstchannel="FXS/fxs2", disposition="ANSWERED", direction="internal")
        store.submit(rec)
    store.flush()


def make_wav(path, seconds: float = 1.5) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x10\x00\xf0\xff" * int(4000 * seconds))


@pytest.fixture
def reports(server, datadir):
    """The report commands on the test server: real CDR search/export and ACD figures,
    small fakes of recording.* and voicemail.* with real WAV files."""
    from firmware.cdr.commands import register_cdr
    from firmware.mgmt.acdsupervisor import AcdFigures
    from firmware.mgmt.notes import register_notes
    from firmware.config.store import ConfigStore
    cfg = ConfigStore(datadir / "config.db")
    try:
        cfg.update_settings({"timezone": "UTC"})            # the web shows times in the box's zone
    finally:
        cfg.close()
    d = server.server.dispatcher
    store = CdrStore(datadir / "cdr.db")
    write_cdrs(store, 75, dt.datetime(2026, 3, 14, 9, 0, tzinfo=UTC))
    config = types.SimpleNamespace(settings={"timezone": "UTC"}, extension=lambda n: None, agents=[])
    box = types.SimpleNamespace(cdr=store, notes=CallNotes(store), config=config,
                                data=types.SimpleNamespace(acd_db=datadir / "acd.db"),
                                clock=types.SimpleNamespace(wall_time=lambda: DAY + dt.timedelta(days=7, hours=12)),
                                ctl=types.SimpleNamespace(calls={}))
    register_cdr(d, box)
    register_notes(d, box)
    scripted_day(datadir / "acd.db")
    fig = AcdFigures(box)
    d.register("acd.report", fig.report)
    d.register("acd.staffing", fig.staffing)
    log: dict[str, list] = {"recording": [], "voicemail": []}
    wav = datadir / "msg1.wav"
    make_wav(wav)
    messages = [{"id": 1, "mailbox": "801", "folder": "new", "caller": "13800138000", "caller_name": "<b>Li</b>",
                 "received": "2026-03-14T09:30:00+00:00", "duration_ms": 1500, "urgent": False, "path": str(wav)},
                {"id": 2, "mailbox": "802", "folder": "old", "caller": "803", "caller_name": "",
                 "received": "2026-03-15T10:00:00+00:00", "duration_ms": 4000, "urgent": True, "path": str(wav)}]
    recordings = [{"id": 7, "start": "2026-03-14T09:00:00+00:00", "caller": "13800138000", "callee": "700",
                   "queue": "700", "agent": "1001", "duration_s": 61.0}]

    def vm_search(a):
        def t(v):
            return dt.datetime.fromisoformat(v)
        rows = [m for m in messages if (not a.get("mailbox") or m["mailbox"] == a["mailbox"])
                and (not a.get("folder") or m["folder"] == a["folder"])
                and (not a.get("caller") or a["caller"] in m["caller"] + m["caller_name"])
                and (not a.get("since") or t(m["received"]) >= t(a["since"]))
                and (not a.get("until") or t(m["received"]) < t(a["until"]))]
        rows.sort(key=lambda m: m["received"], reverse=True)
        return {"messages": rows[a.get("offset", 0):][: a.get("limit", 50)], "total": len(rows)}

    def rec_search(a):
        rows = [r for r in recordings if not a.get("agent") or r["agent"] == a["agent"]]
        return {"recordings": rows, "total": len(rows)}

    def play(kind):
        def run(a):
            if int(a["id"]) not in (1, 2, 7):
                raise CommandError(f"no message {a['id']} (deleted or never saved)")
            log[kind].insert(0, {"time": "2026-03-16T08:00:00+00:00", "who": a.get("who"), "action": "listen",
                                 "message" if kind == "voicemail" else "recording_id": int(a["id"])})
            return {"id": int(a["id"]), "path": str(wav)}
        return run
    d.register("voicemail.search", vm_search)
    d.register("voicemail.play", play("voicemail"))
    d.register("voicemail.access", lambda a: log["voicemail"][: int(a.get("limit", 100))])
    d.register("recording.search", rec_search)
    d.register("recording.play", play("recording"))
    d.register("recording.access", lambda a: log["recording"][: int(a.get("limit", 100))])
    yield types.SimpleNamespace(store=store, log=log, dispatcher=d, box=box)
    store.close()


def add_user(datadir, name: str, role: str, password: str = "Us3r-test-pass") -> None:
    from firmware.config.store import ConfigStore
    s = ConfigStore(datadir / "config.db")
    try:
        if role == "agent":
            s.add_agent(number="2001", name="Ann", pin="4321")
        s.add_user(name, password=password, role=role, agent="2001" if role == "agent" else "")
    finally:
        s.close()


def svgs(html: str) -> list[ET.Element]:
    out = []
    start = 0
    while (i := html.find("<svg", start)) >= 0:
        j = html.index("</svg>", i) + len("</svg>")
        out.append(ET.fromstring(html[i:j]))                     # valid XML or this raises
        start = j
    return out


# ------------------------------------------------------------------------- CDR
def test_cdr_search_filters_and_pages(reports, http):
    http.login()
    r = http.get("/reports/cdr")
    assert r.status == 200
    assert "75 calls" in r.text and "page 1 of 2" in r.text
    assert r.text.count("<tr data-sequence=") == 50
    assert "2026-03-14 10:14:00" in r.text                      # newest first, box time zone (UTC)
    r = http.get("/reports/cdr?page=2")
    assert r.text.count("<tr data-sequence=") == 25 and 'rel="prev"' in r.text and 'rel="next"' not in r.text
    r = http.get("/reports/cdr?disposition=NO+ANSWER&direction=inbound")
    assert "25 calls" in r.text and "&lt;" not in r.text.split('id="cdr"')[1].split("<tr data")[0]
    assert "张三" in r.text
    r = http.get("/reports/cdr?number=13800138000&since=2026-03-14&until=2026-03-14")
    assert "25 calls" in r.text
    r = http.get("/reports/cdr?extension=801&since=2026-03-15")
    assert "0 calls" in r.text and "No calls match." in r.text
    # the export link carries the filters
    r = http.get("/reports/cdr?disposition=BUSY&number=801")
    assert 'href="/reports/cdr.csv?number=801&amp;disposition=BUSY"' in r.text


def test_cdr_bad_filter_is_shown_next_to_the_field(reports, http):
    http.login()
    r = http.get("/reports/cdr?since=yesterday&number=801")
    assert r.status == 400
    assert "is not a date or time" in r.text.split('id="f-since-err"')[1].split("</div>")[0]
    assert re.search(r'<input type="date" value="yesterday" id="f-since"', r.text)    # values kept
    assert 'value="801"' in r.text


def test_cdr_csv_export_is_a_utf8_download_matching_the_search(reports, http):
    http.login()
    r = http.get("/reports/cdr.csv?direction=inbound")
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="cdr-')
    text = r.body.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    found = reports.dispatcher.run("cdr.search", {"direction": "inbound", "limit": 1000})
    assert len(rows) == found["total"] == 25
    assert sorted(r["uniqueid"] for r in rows) == sorted(x["uniqueid"] for x in found["rows"])
    assert {r["clid"] for r in rows} == {'"张三" <13800138000>'}
    bad = http.get("/reports/cdr.csv?until=soon")
    assert bad.status == 400 and "until" in bad.text


def test_cdr_notes_count_links_to_the_notes(reports, http):
    rec = next(iter(reports.dispatcher.run("cdr.search", {"limit": 1})["rows"]))
    reports.box.notes.add(call_id=rec["uniqueid"], linkedid=rec["linkedid"], number="801", author="alice",
                          text="wants a <callback>", when=dt.datetime(2026, 3, 14, 11, 0, tzinfo=UTC))
    http.login()
    page = http.get("/reports/cdr").text
    assert f'href="/reports/cdr/notes?call={rec["linkedid"]}">1 notes</a>' in page
    notes = http.get(f"/reports/cdr/notes?call={rec['linkedid']}")
    assert notes.status == 200 and "wants a &lt;callback&gt;" in notes.text and "alice" in notes.text


# ------------------------------------------------------------------------- ACD
def test_queue_report_svg_bars_per_interval(reports, http):
    http.login()
    r = http.get("/reports/queues?from=2026-03-14&to=2026-03-14&interval=hour&queue=700")
    assert r.status == 200
    bars, lines = svgs(r.text)
    offered = [e for e in bars.iter(SVG + "rect") if e.get("class") == "bar s0"]
    assert len(offered) == 24                                 # one bar per interval of the day
    tips = [e.find(SVG + "title").text for e in offered]
    assert sum(float(t.rsplit(": ", 1)[1]) for t in tips) == 10     # the day's 10 offered calls
    assert len([e for e in lines.iter(SVG + "circle")]) >= 1
    assert 'id="queue-report"' in r.text and "700" in r.text
    r = http.get("/reports/queues?from=2026-03-14&to=2026-03-15&interval=15min")
    bars = svgs(r.text)[0]
    assert len([e for e in bars.iter(SVG + "rect") if e.get("class") == "bar s0"]) == 2 * 96
    r = http.get("/reports/queues.csv?from=2026-03-14&to=2026-03-14&interval=day")
    assert r.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert sum(int(x["offered"]) for x in rows) == 10


def test_report_bad_dates_are_refused_in_words(reports, http):
    http.login()
    r = http.get("/reports/queues?from=2026-03-15&to=2026-03-14")
    assert r.status == 400 and "The end date is before the start date." in r.text
    r = http.get("/reports/agents?from=monday")
    assert r.status == 400 and "monday is not a date" in r.text
    r = http.get("/reports/queues?from=2020-01-01&to=2026-01-01&interval=15min")
    assert r.status == 400 and "intervals: choose a longer interval" in r.text


def test_agent_report_charts_and_csv(reports, http):
    http.login()
    r = http.get("/reports/agents?from=2026-03-14&to=2026-03-14&interval=hour")
    assert r.status == 200
    answered, hours = svgs(r.text)
    assert len([e for e in answered.iter(SVG + "rect") if e.get("class") == "bar s0"]) == 24
    assert [t.text for t in hours.iter(SVG + "text") if t.get("class") == "xlabel"] == ["1001", "1002", "1003"]
    assert "1001" in r.text and 'id="agent-report"' in r.text
    c = http.get("/reports/agents.csv?from=2026-03-14&to=2026-03-14&interval=day")
    rows = list(csv.DictReader(io.StringIO(c.body.decode("utf-8-sig"))))
    assert {x["agent"] for x in rows} == {"1001", "1002", "1003"}


def test_staffing_table_and_chart(reports, http):
    http.login()
    r = http.get("/reports/staffing?queue=700&weeks=2&interval=hour")
    assert r.status == 200
    need, calls = svgs(r.text)
    assert len([e for e in need.iter(SVG + "rect") if e.get("class") == "bar s0"]) >= 1
    assert 'id="staffing"' in r.text and "Saturday" in r.text       # 2026-03-14 was a Saturday
    assert http.get("/reports/staffing?weeks=99").status == 400
    c = http.get("/reports/staffing.csv?queue=700&weeks=2")
    assert c.body.decode("utf-8-sig").startswith("weekday,start,calls_avg")


# ------------------------------------------------------------------------- media
def test_voicemail_search_player_audio_and_access_log(reports, http):
    http.login()
    r = http.get("/reports/voicemail")
    assert r.status == 200 and "&lt;b&gt;Li&lt;/b&gt;" in r.text and "<b>Li</b>" not in r.text
    assert 'hx-get="/reports/voicemail/1/player"' in r.text and "Nobody yet." in r.text
    assert "13800138000" not in http.get("/reports/voicemail?mailbox=802").text
    assert "13800138000" not in http.get("/reports/voicemail?since=2026-03-15").text
    p = http.get("/reports/voicemail/1/player", headers={"HX-Request": "true"})
    assert '<audio controls autoplay preload="auto"' in p.text and 'src="/reports/voicemail/1/audio"' in p.text
    a = http.get("/reports/voicemail/1/audio", headers={"Range": "bytes=0-"})
    assert a.status == 206 and a.headers["Content-Type"].startswith("audio/wav")
    assert a.body[:4] == b"RIFF"
    tail = http.get("/reports/voicemail/1/audio", headers={"Range": "bytes=100-199"})
    assert tail.status == 206 and len(tail.body) == 100
    assert [e["who"] for e in reports.log["voicemail"]] == ["web:admin"]   # one playback, one entry
    assert "web:admin" in http.get("/reports/voicemail").text
    assert http.get("/reports/voicemail/9/audio").status == 404


def test_recordings_search_and_play(reports, http):
    http.login()
    r = http.get("/reports/recordings?agent=1001")
    assert r.status == 200 and "1:01" in r.text and 'hx-get="/reports/recordings/7/player"' in r.text
    a = http.get("/reports/recordings/7/audio")
    assert a.status == 200 and a.body[:4] == b"RIFF"
    assert reports.log["recording"][0]["who"] == "web:admin"
    assert http.get("/reports/recordings?since=14.3.2026").status == 400


# ------------------------------------------------------------------------- roles
PAGES = ["/reports/cdr", "/reports/cdr.csv", "/reports/queues", "/reports/agents", "/reports/staffing",
         "/reports/recordings", "/reports/voicemail", "/reports/voicemail/1/audio"]


def test_agents_and_installers_may_not_open_reports(reports, http, webapp, datadir):
    add_user(datadir, "ann", "agent")
    add_user(datadir, "ian", "installer")
    add_user(datadir, "sue", "supervisor")
    for user, allowed in (("ann", False), ("ian", False), ("sue", True)):
        h = Http(webapp.url)
        h.login(user, "Us3r-test-pass")
        for path in PAGES:
            assert (h.get(path).status == 200) is allowed, (user, path)
    assert reports.log["voicemail"][0]["who"] == "web:sue"
    anon = Http(webapp.url)
    assert anon.get("/reports/cdr").status in (302, 303)
