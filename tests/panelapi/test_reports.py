"""Reports over the real management socket: cdr.search / cdr.export, call notes and
follow-ups on finished calls, notices, log.tail."""
from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

import pytest

from firmware import logbook
from firmware.cdr.record import CdrRecord
from firmware.cdr.search import _where, parse_filters
from firmware.cdr.store import csv_line
from firmware.config.validate import SETTINGS_DEFAULTS
from firmware.mgmt.client import MgmtError
from firmware.mgmt.notices import NoticeBoard

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
N = 10_000


def record(i: int) -> CdrRecord:
    """Call i: every 7 minutes from T0; inbound from 500 customers to queue 700, every
    10th an outbound call by 801, every 3rd unanswered."""
    start = T0 + dt.timedelta(minutes=7 * i)
    answered = i % 3 != 0
    if i % 10 == 0:
        kw = dict(src="801", dst=f"0108888{i % 500:04d}", direction="outbound", channel="FXS/fxs1")
    else:
        kw = dict(src=f"1380013{i % 500:04d}", dst="700", caller_name=f"Cust {i % 500}", direction="inbound",
                  dcontext="from-trunk", channel="FXO/fxo1", dstchannel="FXS/fxs2")
    return CdrRecord(uniqueid=f"{int(start.timestamp())}.{i}", start=start, end=start + dt.timedelta(seconds=90),
                     answer=start + dt.timedelta(seconds=6) if answered else None, **kw)


@pytest.fixture
def filled(served):
    for i in range(N):
        served.box.cdr.submit(record(i))
    assert served.box.cdr.flush()
    return served


BOX_TZ = zoneinfo.ZoneInfo(SETTINGS_DEFAULTS["timezone"])     #: the box's zone (settings.timezone)


def local(text: str) -> dt.datetime:
    """A naive ISO time in the box's time zone (settings.timezone), as UTC."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BOX_TZ).astimezone(UTC)


def test_search_filters_pages_newest_first(filled):
    call = filled.call
    got = call("cdr.search")
    assert got["total"] == N and len(got["rows"]) == 50
    starts = [r["start"] for r in got["rows"]]
    assert starts == sorted(starts, reverse=True) and got["rows"][0]["uniqueid"].endswith(f".{N - 1}")
    assert got["rows"][0]["notes"] == 0 and got["rows"][0]["sequence"] == N
    page2 = call("cdr.search", limit=50, offset=50)["rows"]
    assert page2[0]["start"] < starts[-1]

    cust = call("cdr.search", number="13800130042", limit=1000)
    want = [i for i in range(N) if i % 10 and i % 500 == 42]
    assert cust["total"] == len(want) and {r["src"] for r in cust["rows"]} == {"13800130042"}
    assert call("cdr.search", number="Cust 42")["total"] == len(
        [i for i in range(N) if i % 10 and "Cust 42" in f"Cust {i % 500}"])

    no_answer_out = call("cdr.search", disposition="no answer", direction="outbound", limit=1000)
    assert no_answer_out["total"] == len([i for i in range(N) if i % 30 == 0])
    assert {(r["disposition"], r["direction"]) for r in no_answer_out["rows"]} == {("NO ANSWER", "outbound")}
    assert call("cdr.search", extension="801")["total"] == N // 10

    since, until = "2024-05-10T08:00", "2024-05-10T12:00"       # box time zone
    lo, hi = local(since), local(until)
    window = [i for i in range(N) if lo <= T0 + dt.timedelta(minutes=7 * i) < hi]
    got = call("cdr.search", since=since, until=until, limit=1000)
    assert got["total"] == len(window) > 0
    assert {r["uniqueid"] for r in got["rows"]} == {record(i).uniqueid for i in window}
    day = call("cdr.search", since="2024-05-10", until="2024-05-10", limit=1000)   # until a date: that whole day
    assert day["total"] == len([i for i in range(N) if local("2024-05-10T00:00") <= T0 + dt.timedelta(minutes=7 * i)
                                < local("2024-05-11T00:00")])


def test_search_uses_indexes_for_time_number_and_extension(filled):
    store = filled.box.cdr
    for args, index in (({"since": "2024-05-10", "until": "2024-05-11"}, "cdr_start"),
                        ({"number": "13800130042"}, "cdr_src"),
                        ({"extension": "801"}, "cdr_src"),
                        ({}, "cdr_start")):
        where, a = _where(parse_filters(args))
        plan = " / ".join(r["detail"] for r in store.db.query(
            f"EXPLAIN QUERY PLAN SELECT * FROM cdr{where} ORDER BY start DESC, id DESC LIMIT 50", a))
        assert index in plan, (args, plan)


@pytest.mark.parametrize("args,words", [
    ({"limit": 5000}, "limit: 5000 is not between 1 and 1000"),
    ({"since": "yesterday"}, "since: 'yesterday' is not a date or time"),
    ({"since": "2024-05-02", "until": "2024-05-01T10:00"}, "until: 2024-05-01T10:00 is not after since"),
    ({"disposition": "HUNG"}, "disposition: 'HUNG' is not one of ANSWERED"),
    ({"direction": "up"}, "direction: 'up' is not one of internal, inbound, outbound"),
    ({"extension": "80x"}, "extension: '80x' is not an extension number"),
])
def test_search_refuses_bad_filters_in_words(served, args, words):
    with pytest.raises(MgmtError) as e:
        served.call("cdr.search", **args)
    assert e.value.code == "bad_args" and words in e.value.message


def test_export_is_master_csv_with_optional_header(filled):
    got = filled.call("cdr.export", number="13800130042", since="2024-05-01", until="2024-05-20")
    lines = got["csv"].splitlines(keepends=True)
    want = [i for i in range(N) if i % 10 and i % 500 == 42
            and local("2024-05-01T00:00") <= T0 + dt.timedelta(minutes=7 * i) < local("2024-05-21T00:00")]
    assert got["rows"] == len(lines) == len(want) > 0
    assert lines == [csv_line(record(i), BOX_TZ, sequence=i + 1) for i in want]          # oldest first, local time
    head = filled.call("cdr.export", header=True, number="13800130042", limit=2)
    first, *rest = head["csv"].splitlines()
    assert first.startswith("accountcode,src,dst,dcontext,clid,") and first.endswith(",uniqueid,userfield")
    assert head["rows"] == len(rest) == 2


def test_notes_and_followups_on_finished_calls(filled):
    call = filled.call
    rec = record(N - 2)                                         # an inbound call from 13800130498
    n1 = call("note.add", call=rec.uniqueid, text="asked about the invoice", author="1001")
    assert (n1["call_id"], n1["linkedid"], n1["number"], n1["followup"]) == (rec.uniqueid, rec.linkedid,
                                                                               rec.src, False)
    n2 = call("note.add", call=rec.uniqueid, text="call back with the credit note", author="1001",
              followup={"category": "billing", "due": "2024-06-01T10:00"})
    assert n2["followup"] and n2["status"] == "open" and n2["category"] == "billing"
    assert n2["due"] == local("2024-06-01T10:00").isoformat(timespec="seconds")
    other = record(N - 3)
    call("note.add", call=other.uniqueid, text="wants a brochure", author="1002",
         followup={"category": "sales"})
    rows = {r["uniqueid"]: r["notes"] for r in call("cdr.search", limit=5)["rows"]}
    assert rows[rec.uniqueid] == 2 and rows[other.uniqueid] == 1 and rows[record(N - 1).uniqueid] == 0
    assert [n["text"] for n in call("note.list", call=rec.uniqueid)] == [
        "asked about the invoice", "call back with the credit note"]
    assert [n["id"] for n in call("note.list", number=rec.src)] == [n2["id"], n1["id"]]

    fu = call("followup.list", status="open")
    assert [f["id"] for f in fu][0] == n2["id"] and len(fu) == 2           # due first, undated last
    assert [f["author"] for f in call("followup.list", author="1002")] == ["1002"]
    assert [f["id"] for f in call("followup.list", due_before="2024-06-02")] == [n2["id"]]
    done = call("followup.update", id=n2["id"], status="closed", due=None)
    assert done["status"] == "closed" and done["due"] is None
    assert [f["id"] for f in call("followup.list", status="open")] != [n2["id"]]
    assert [f["id"] for f in call("followup.list", status="closed")] == [n2["id"]]
    with pytest.raises(MgmtError, match="no follow-up"):
        call("followup.update", id=n1["id"], status="closed")              # a plain note
    with pytest.raises(MgmtError, match="neither in progress nor in the call records"):
        call("note.add", call="123.456", text="x", author="1001")
    with pytest.raises(MgmtError, match="status: 'done' is not one of open, closed"):
        call("followup.update", id=n2["id"], status="done")
    with pytest.raises(MgmtError, match="'text' is required"):
        call("note.add", call=rec.uniqueid, text=" ", author="1001")


def test_notices_post_expire_delete_and_survive_a_restart(served, tmp_path):
    call = served.call
    events = served.client.subscribe(["notice."])
    a = call("notice.post", text="Team meeting at 3 pm", author="sup1")
    b = call("notice.post", text="Lines down at the north office", author="sup1", expires_min=0.5)
    ev = events.wait_for(lambda e: e["event"] == "notice.posted")
    assert ev["data"]["text"] == "Team meeting at 3 pm"
    assert [n["id"] for n in call("notice.list")] == [b["id"], a["id"]]          # newest first
    served.run(31_000)
    assert [n["id"] for n in call("notice.list")] == [a["id"]]                    # b expired
    with pytest.raises(MgmtError, match="expires_min: -1 must be more than 0"):
        call("notice.post", text="x", author="s", expires_min=-1)
    board = NoticeBoard(served.box.data.notices_db)                               # what a restarted box reads
    assert [n["text"] for n in board.current(served.box.clock.wall_time())] == ["Team meeting at 3 pm"]
    board.close()
    assert call("notice.delete", id=a["id"]) == {"deleted": a["id"]}
    assert call("notice.list") == []
    with pytest.raises(MgmtError, match=f"no notice {a['id']}"):
        call("notice.delete", id=a["id"])


def test_log_tail_newest_first_with_level_and_text_filters(served):
    lg = logging.getLogger("hotline.test.panel")
    lg.warning("first trouble on %s", "fxo1")
    lg.error("second trouble on fxo2")
    lg.warning("unrelated")
    got = served.call("log.tail", contains="TROUBLE")
    assert [r["message"] for r in got[:2]] == ["second trouble on fxo2", "first trouble on fxo1"]
    assert got[0]["level"] == "error" and got[0]["logger"] == "hotline.test.panel" and "T" in got[0]["time"]
    assert [r["message"] for r in served.call("log.tail", level="error", contains="trouble")][:1] == [
        "second trouble on fxo2"]
    assert all(r["level"] in ("error", "critical") for r in served.call("log.tail", level="error"))
    assert len(served.call("log.tail", limit=1)) == 1
    with pytest.raises(MgmtError, match="level: 'loud' is not one of debug"):
        served.call("log.tail", level="loud")


def test_log_file_rotates_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(logbook, "FILE_BYTES", 2000)
    logger = logging.getLogger("hotline")
    before = logger.level
    fh = logbook.install(tmp_path / "logs", logging.INFO)
    try:
        for i in range(300):
            logging.getLogger("hotline.test").info("line %03d of the soak", i)
    finally:
        logger.removeHandler(fh)
        fh.close()
        logger.setLevel(before)
    files = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert files == ["hotline.log", "hotline.log.1", "hotline.log.2", "hotline.log.3", "hotline.log.4"]
    assert "line 299 of the soak" in (tmp_path / "logs" / "hotline.log").read_text()
    assert any(r["message"] == "line 299 of the soak" for r in logbook.ring().tail(5, "info"))
