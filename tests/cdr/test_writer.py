"""Group commit of call records: the box's event loop never waits for the disk."""
import sqlite3
import threading

from firmware.cdr import CdrStore
from firmware.cdr.writer import GroupCommitWriter
from tests.cdr.test_cdr import answered


def test_submitted_records_are_seen_by_readers_and_by_another_connection(tmp_path):
    path = tmp_path / "cdr.db"
    store = CdrStore(path)
    for i in range(50):
        store.submit(answered(uniqueid=f"1.{i}"))
    assert store.count() == 50                      # readers flush first
    assert store.list(limit=1)[0].uniqueid == "1.49"
    other = sqlite3.connect(str(path))              # committed, not just in this process
    assert other.execute("SELECT COUNT(*) FROM cdr").fetchone()[0] == 50
    st = store.writer_status
    assert st["written"] == 50 and st["queued"] == 0 and st["last_error"] == ""
    store.close()


def test_records_queued_while_a_commit_runs_go_in_one_batch():
    release = threading.Event()
    started = threading.Event()
    batches = []

    def commit(batch):
        started.set()
        release.wait(5)
        batches.append(list(batch))

    w = GroupCommitWriter(commit)
    w.submit(0)
    assert started.wait(5)
    for i in range(1, 6):                            # the disk is busy with record 0
        w.submit(i)
    release.set()
    assert w.flush(5)
    assert batches == [[0], [1, 2, 3, 4, 5]] and w.batches == 2
    w.close()


def test_a_failing_disk_keeps_the_records_and_retries_until_it_works():
    fail = {"left": 2}
    done = []

    def commit(batch):
        if fail["left"]:
            fail["left"] -= 1
            raise OSError(28, "No space left on device")
        done.extend(batch)

    w = GroupCommitWriter(commit, retry_ms=10)
    w.submit("a")
    w.submit("b")
    assert w.flush(5)
    assert done == ["a", "b"] and w.failures == 2 and w.last_error == ""
    w.close()


def test_close_commits_what_is_queued(tmp_path):
    store = CdrStore(tmp_path / "cdr.db")
    store.submit(answered(uniqueid="9.1"))
    store.close()
    again = CdrStore(tmp_path / "cdr.db")
    assert [r.uniqueid for r in again.list()] == ["9.1"]
    again.close()
