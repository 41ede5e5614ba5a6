"""``ivr.import {path}``: documents larger than one management request (64 KiB) come as a
file on the box — the same checks as ``{doc}``, all or nothing; absurd sizes refused in
words; ``hotline ctl ivr import`` sends large files by path."""
from __future__ import annotations

import json

import pytest

from firmware.config import ConfigError
from firmware.ivr.commands import MAX_IMPORT_FILE_BYTES
from firmware.mgmt.ctl import ivr_call
from tests.ivr.bigdoc import big_ivr_doc, size_of


def run(hx, cmd, **args):
    return hx.box.dispatcher.run(cmd, args)


def test_a_200_kb_document_imports_from_a_file(hx, tmp_path):
    doc = big_ivr_doc()
    assert size_of(doc) > 190_000
    f = tmp_path / "menus.json"
    f.write_text(json.dumps(doc))
    got = run(hx, "ivr.import", path=str(f))
    assert len(got["imported"]) == 220 and got["imported"][-1] == "7219"
    assert hx.box.store.ivr_menu("7219")["nodes"]["opt3"]["target"] == "7000"
    hx.run(100)
    assert hx.box.config.destination_kind("7123") == "ivr"          # the running box has it


def test_file_import_is_checked_like_a_document(hx, tmp_path):
    doc = big_ivr_doc(30)
    doc["menus"][17]["nodes"]["opt1"]["target"] = "7999"
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match=r"menu 7017 node 'opt1': target 7999 does not exist"):
        run(hx, "ivr.import", path=str(f))
    assert run(hx, "ivr.list") == []                                  # all or nothing
    f.write_text("{not json")
    with pytest.raises(ValueError, match="bad.json is not JSON"):
        run(hx, "ivr.import", path=str(f))
    with pytest.raises(ValueError, match="no file"):
        run(hx, "ivr.import", path=str(tmp_path / "none.json"))
    with pytest.raises(ValueError, match="either 'doc'"):
        run(hx, "ivr.import", doc=doc, path=str(f))


def test_absurd_sizes_are_refused_before_reading(hx, tmp_path):
    f = tmp_path / "huge.json"
    with open(f, "wb") as out:
        out.truncate(5 * 1024 * 1024)
    assert f.stat().st_size > MAX_IMPORT_FILE_BYTES
    with pytest.raises(ValueError, match=r"the file is 5\.0 MB; an IVR import may be at most 4 MB"):
        run(hx, "ivr.import", path=str(f))


def test_ctl_sends_large_files_by_path(tmp_path):
    f = tmp_path / "big.json"
    f.write_text(json.dumps(big_ivr_doc()))
    assert ivr_call("ivr", ["import", str(f)]) == ("ivr.import", {"path": str(f.resolve())}, "")
