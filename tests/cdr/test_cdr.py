"""Call records: the record, the store (durable writes), Master.csv export, the CLI."""
import datetime as dt
import io
import sqlite3

import pytest

from firmware import cli
from firmware.cdr import CdrRecord, CdrStore, call_seconds, format_clid, new_uniqueid
from firmware.paths import DataDir

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def answered(**kw):
    base = dict(uniqueid="1714557600.1", start=T0, answer=T0 + dt.timedelta(seconds=4.5),
                end=T0 + dt.timedelta(seconds=65.9), src="801", dst="802", caller_name="Alice",
                channel="FXS/fxs1", dstchannel="FXS/fxs2", lastdata="FXS/fxs2,30")
    base.update(kw)
    return CdrRecord(**base)


def unanswered(**kw):
    base = dict(uniqueid="1714557900.2", start=T0 + dt.timedelta(minutes=5),
                end=T0 + dt.timedelta(minutes=5, seconds=31), src="13800138000", dst="600",
                channel="FXO/fxo1", dstchannel="", dcontext="from-trunk", trunk="line1",
                direction="inbound", hangup_side="caller")
    base.update(kw)
    return CdrRecord(**base)


def test_record_computes_times_clid_and_disposition():
    r = answered()
    assert (r.duration, r.billsec) == (65, 61)           # whole seconds, rounded down
    assert r.clid == '"Alice" <801>' and r.linkedid == r.uniqueid and r.disposition == "ANSWERED"
    u = unanswered()
    assert (u.duration, u.billsec, u.disposition, u.clid) == (31, 0, "NO ANSWER", "13800138000")
    assert call_seconds(T0, None, T0 + dt.timedelta(seconds=2.999)) == (2, 0)
    assert format_clid("", "") == "" and format_clid("Bob", "") == "Bob"
    assert new_uniqueid(T0, 7) == "1714557600.7"
    beijing = dt.timezone(dt.timedelta(hours=8))
    r = answered(start=T0.astimezone(beijing))
    assert r.start.tzinfo is UTC and r.start == T0


@pytest.mark.parametrize("kw,words", [
    (dict(start=dt.datetime(2024, 5, 1, 10)), "has no time zone"),
    (dict(end=T0 - dt.timedelta(seconds=1)), "before start"),
    (dict(answer=None, disposition="ANSWERED"), "needs an answer time"),
    (dict(disposition="HUNG"), "not one of"),
    (dict(direction="sideways"), "CdrRecord.direction"),
])
def test_record_refuses_nonsense(kw, words):
    with pytest.raises(ValueError, match=words):
        answered(**kw)


def test_write_read_round_trip(tmp_path):
    with CdrStore(tmp_path / "cdr.db") as s:
        a, u = answered(), unanswered(hangup_side="system", disposition="BUSY")
        s.write(a)
        s.write(u)
        assert s.count() == 2
        got = s.list()
        assert got == [u, a]                                 # newest first, every field back
        assert s.list(src="801") == [a] and s.list(dst="600") == [u]
        assert s.list(since=T0 + dt.timedelta(minutes=1)) == [u]
        assert s.list(limit=1) == [u]


def test_write_is_committed_at_once(tmp_path):
    path = tmp_path / "cdr.db"
    s = CdrStore(path)
    s.write(answered())
    # a second, independent connection sees the row while the writer is still open
    other = sqlite3.connect(path)
    assert other.execute("SELECT src, dst, disposition FROM cdr").fetchall() == [("801", "802", "ANSWERED")]
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()
    s.close()


# Asterisk cdr_csv.c build_csv_record: text quoted with "" doubling, ints bare, an unanswered
# call's answer time an empty unquoted field, no header, then uniqueid and userfield.
GOLDEN = (
    '"acct1","801","802","from-internal","""Alice ""Al"""" <801>","FXS/fxs1","FXS/fxs2","Dial",'
    '"FXS/fxs2,30","2024-05-01 10:00:00","2024-05-01 10:00:04","2024-05-01 10:01:05",65,61,'
    '"ANSWERED","DOCUMENTATION","1714557600.1","vip"\n'
    '"","13800138000","600","from-trunk","13800138000","FXO/fxo1","","Dial","",'
    '"2024-05-01 10:05:00",,"2024-05-01 10:05:31",31,0,"NO ANSWER","DOCUMENTATION","1714557900.2",""\n'
)


def test_master_csv_golden_lines(tmp_path):
    with CdrStore(tmp_path / "cdr.db") as s:
        s.write(unanswered())
        s.write(answered(caller_name='Alice "Al"', accountcode="acct1", userfield="vip"))
        out = io.StringIO()
        assert s.export_csv(out, tz=UTC) == 2
        assert out.getvalue() == GOLDEN                      # oldest first, as Master.csv grows
        out = io.StringIO()
        s.export_csv(out, tz=dt.timezone(dt.timedelta(hours=8)), since=T0 + dt.timedelta(minutes=1))
        assert out.getvalue().startswith('"","13800138000","600","from-trunk","13800138000","FXO/fxo1","","Dial","",'
                                         '"2024-05-01 18:05:00",,')
        out = io.StringIO()
        s.export_csv(out, tz=UTC, new_columns=True)
        first = out.getvalue().splitlines()[0]
        assert first.endswith('"1714557600.1","vip","","1714557600.1",2')   # peeraccount, linkedid, sequence


def test_cli_export_and_list(tmp_path, capsys):
    d = DataDir.at(tmp_path / "box").create()
    with CdrStore(d.cdr_db) as s:
        s.write(unanswered())
        s.write(answered(caller_name='Alice "Al"', accountcode="acct1", userfield="vip"))
    assert cli.main(["cdr", "export", "--csv", "--data", str(d.root), "--tz", "UTC"]) == 0
    assert capsys.readouterr().out == GOLDEN
    out_file = tmp_path / "Master.csv"
    assert cli.main(["cdr", "export", "--csv", "--data", str(d.root), "--tz", "UTC",
                     "--since", "2024-05-02", "--output", str(out_file)]) == 0
    assert out_file.read_text() == ""
    assert "0 call records written" in capsys.readouterr().err
    assert cli.main(["cdr", "list", "--data", str(d.root), "--limit", "5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["start", "from", "to"]
    assert "13800138000" in out[1] and "NO ANSWER" in out[1] and "line1" in out[1]
    assert "801" in out[2] and "ANSWERED" in out[2] and out[-1] == "(2 of 2 calls, newest first)"


def test_cli_without_records(tmp_path, capsys):
    d = DataDir.at(tmp_path / "fresh").create()
    assert cli.main(["cdr", "list", "--data", str(d.root)]) == 0
    assert f"no call records yet in {d.root}" in capsys.readouterr().out
    assert cli.main(["cdr", "export", "--csv", "--data", str(d.root)]) == 0
    cap = capsys.readouterr()
    assert cap.out == "" and "no call records yet" in cap.err
    assert not d.cdr_db.exists()                              # reading never creates the database
    assert cli.main(["cdr", "list", "--data", str(tmp_path / "typo")]) == 1
    assert "no data directory" in capsys.readouterr().err
    assert cli.main(["cdr", "export", "--data", str(d.root), "--since", "May 1st"]) == 1
    assert "--since" in capsys.readouterr().err


def test_cli_times_are_in_the_box_time_zone(tmp_path, capsys):
    """Without --tz the CLI uses settings.timezone of the box, not the machine's zone."""
    from firmware.config.store import ConfigStore
    d = DataDir.at(tmp_path / "box").create()
    with ConfigStore(d.config_db) as cs:
        cs.set_setting("timezone", "Asia/Shanghai")
    with CdrStore(d.cdr_db) as s:
        s.write(answered())
    start_utc = T0.astimezone(UTC)
    shanghai = (start_utc + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    assert cli.main(["cdr", "list", "--data", str(d.root)]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith(shanghai)
    assert cli.main(["cdr", "export", "--csv", "--data", str(d.root)]) == 0
    assert f'"{shanghai}"' in capsys.readouterr().out
    assert cli.main(["cdr", "export", "--csv", "--data", str(d.root), "--tz", "Mars/Olympus"]) == 1
    assert "unknown time zone 'Mars/Olympus'" in capsys.readouterr().err
