"""Configuration pages over HTTP (test dispatcher, real config store): for every table,
create a valid row → listed; an invalid one → 400 with the store's message next to the
right field and the values kept; edit; delete; delete of a row still used → refused with
the store's words; the audit log names the web user."""
from __future__ import annotations

import html
import re
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable, Optional

import pytest

from firmware.config.store import ConfigStore


# --------------------------------------------------------------------------- a form like a browser sends it
class _Form(HTMLParser):
    """The fields of the form with ``id`` as a browser would submit them untouched."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.pairs = form_id, False, []
        self._select: Optional[str] = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: Optional[str] = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and "readonly" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif kind != "file":
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            chosen = [v for v, sel in self._options if sel] or [v for v, _ in self._options[:1]]
            self.pairs += [(self._select, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.pairs.append((self._textarea, self._text))
            self._textarea = None


def form_of(page: str, form_id: str = "config-form") -> list[tuple[str, str]]:
    p = _Form(form_id)
    p.feed(page)
    return p.pairs


def fill(pairs: list[tuple[str, str]], changes: dict[str, Any]) -> list[tuple[str, str]]:
    """``pairs`` with ``changes`` applied (a list value replaces every pair of that name;
    None removes the field, like an unticked checkbox)."""
    out = [(k, v) for k, v in pairs if k not in changes]
    for k, v in changes.items():
        if v is None:
            continue
        out += [(k, x) for x in v] if isinstance(v, list) else [(k, str(v))]
    return out


def post_pairs(http, path: str, pairs: list[tuple[str, str]]):
    body = urllib.parse.urlencode([*pairs, ("csrf", http.csrf)]).encode()
    return http.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})


def submit(http, path: str, form_page: str, changes: dict[str, Any], form_id: str = "config-form"):
    page = http.get(form_page)
    assert page.status == 200, (form_page, page.status)
    return post_pairs(http, path, fill(form_of(page.text, form_id), changes))


def error_next_to(page: str, name: str) -> str:
    """The error message shown in the field block of ``name`` ('' if none)."""
    i = page.find(f'id="f-{name}"')
    assert i >= 0, f"no field {name} on the page"
    start = page.rfind('<div class="field', 0, i)
    end = page.find('<div class="field', i)
    block = page[start:end if end > 0 else len(page)]
    m = re.search(r'<div class="error"[^>]*role="alert">([^<]*)</div>', block)
    return html.unescape(m.group(1)) if m else ""


# --------------------------------------------------------------------------- one case per table
@dataclass
class Case:
    table: str
    key: str                                   #: key of the valid row ("" = given by the store)
    valid: dict
    invalid: dict
    field: str                                 #: where the invalid row's message must show
    message: str                               #: part of that message
    edit: tuple[str, str]                      #: (column, new value)
    used: str = ""                             #: a row still referenced (delete refused)
    setup: Optional[Callable[[ConfigStore], None]] = None
    kept: str = ""                             #: a value of the invalid form shown again


def _agent(s: ConfigStore) -> None:
    s.add_agent(number="2001", name="Ann", pin="1234")


def _queue_with_region(s: ConfigStore) -> None:
    _agent(s)
    s.add_queue(number="500", name="Sales", members=[{"agent": "2001", "penalty": 0}])
    s.add_region(prefix="020", area="Guangzhou", queue="500")


def _free_fxo(s: ConfigStore) -> None:
    s.delete_line("line4")
    s.add_inbound_route(name="Line 1 calls", line="line1", dest_kind="extension", dest="801")


def _trunk_used(s: ConfigStore) -> None:
    s.add_sip_trunk(name="prov0", host="sip.example.net", username="u0", trunk_group="pstn")
    s.add_inbound_route(name="From provider", line="prov0", dest_kind="extension", dest="801")


def _tc_used(s: ConfigStore) -> None:
    s.add_time_condition(name="hours0", hours={"mon": ["09:00-18:00"]})
    s.add_inbound_route(name="Day", time_condition="hours0", dest_kind="extension", dest="801",
                        night_dest_kind="extension", night_dest="802")


def _room_used(s: ConfigStore) -> None:
    s.add_conference_room(number="760", name="Board")
    s.add_inbound_route(name="Meet", dest_kind="conference", dest="760")


def _supervisor_setup(s: ConfigStore) -> None:
    s.add_queue(number="500", name="Sales")


CASES = [
    Case("extensions", "850", {"number": "850", "name": "Bob", "kind": "sip", "port": ""},
         {"number": "851", "kind": "fxs", "port": ""}, "port", "needs a port", ("name", "Bob Smith"), used="801",
         kept="851"),
    Case("ring_groups", "610", {"number": "610", "name": "Sales", "members": ["801", "802"]},
         {"number": "611", "members": []}, "members", "needs at least one extension", ("name", "Sales team"),
         used="600", kept="611"),
    Case("trunk_groups", "gsm", {"name": "gsm", "description": "GSM gateway"},
         {"name": "bad name!"}, "name", "not a valid name", ("description", "Mobile lines"), used="pstn",
         kept="bad name!"),
    Case("lines", "trunk4", {"name": "trunk4", "port": "fxo4", "trunk_group": "pstn"},
         {"name": "trunk5", "port": "fxo1"}, "port", "already used", ("number", "88886666"), used="line1",
         setup=_free_fxo, kept="trunk5"),
    Case("sip_trunks", "prov", {"name": "prov", "host": "sip.example.com", "username": "u1", "password": "pw-1",
                                "trunk_group": "pstn"},
         {"name": "prov2", "host": "", "username": "u2"}, "host", "", ("realm", "example"), used="prov0",
         setup=_trunk_used, kept="prov2"),
    Case("inbound_routes", "", {"name": "Sales line", "dest_kind": "extension", "dest": "802", "priority": "50"},
         {"name": "Nowhere", "dest_kind": "extension", "dest": "899"}, "dest", "no extension 899",
         ("name", "Sales (day)"), kept="Nowhere"),
    Case("outbound_routes", "", {"name": "Service numbers", "prefix": "", "pattern": "95XXX",
                                 "trunk_group": "pstn", "call_class": "local"},
         {"name": "Broken", "pattern": "9(5"}, "pattern", "not a valid dial pattern", ("prepend", "0"),
         kept="Broken"),
    Case("time_conditions", "office", {"name": "office", "hours.mon": "09:00-12:00, 13:00-18:00"},
         {"name": "late", "hours.tue": "18:00-09:00"}, "hours.tue", "ends before it starts",
         ("description", "Office hours"), used="hours0", setup=_tc_used, kept="18:00-09:00"),
    Case("holidays", "2025-10-01", {"date": "2025-10-01", "name": "National day"},
         {"date": "2025-13-01", "name": "Nope"}, "date", "not a date", ("name", "国庆节"), kept="2025-13-01"),
    Case("caller_lists", "", {"list": "block", "number": "95555", "match": "prefix"},
         {"number": "9x5"}, "number", "not a caller number", ("note", "spam"), kept="9x5"),
    Case("conference_rooms", "700", {"number": "700", "name": "Daily", "pin": "4455"},
         {"number": "701", "pin": "1234", "admin_pin": "1234"}, "admin_pin", "must differ",
         ("name", "Weekly"), used="760", setup=_room_used, kept="701"),
    Case("queues", "510", {"number": "510", "name": "Support", "members.agent.0": "2001",
                           "members.penalty.0": "2"},
         {"number": "511", "members.agent.0": "2001", "members.penalty.0": "12"}, "members", "out of range",
         ("name", "Support desk"), used="500", setup=_queue_with_region, kept="511"),
    Case("agents", "2002", {"number": "2002", "name": "Bo", "pin": "8642"},
         {"number": "20x2"}, "number", "not an agent number", ("name", "Bo Li"), used="2001",
         setup=_queue_with_region, kept="20x2"),
    Case("supervisors", "3001", {"number": "3001", "name": "Sue", "pin": "9999", "queues": ["500"]},
         {"number": "3002", "pin": ""}, "pin", "needs a PIN", ("name", "Sue W"), setup=_supervisor_setup,
         kept="3002"),
    Case("pause_reasons", "1", {"code": "1", "name": "Lunch"}, {"code": "123"}, "code", "not a reason code",
         ("name", "Lunch break")),
    Case("vip_callers", "13800138000", {"number": "13800138000", "priority": "50", "agent": "2001"},
         {"number": "13900139000", "priority": "500"}, "priority", "out of range", ("note", "big client"),
         setup=_agent, kept="13900139000"),
    Case("regions", "010", {"prefix": "010", "area": "Beijing", "agents": ["2001"]},
         {"prefix": "021", "queue": ""}, "prefix", "", ("area", "北京"), setup=_agent),
    Case("contacts", "13700000000", {"number": "13700000000", "name": "Mr Wang"},
         {"number": "137-000", "name": "Dash"}, "number", "not a phone number", ("note", "prefers mornings"),
         kept="Dash"),
    Case("mailboxes", "801", {"number": "801", "kind": "extension", "email": "a@example.com"},
         {"number": "888", "kind": "extension"}, "number", "no extension 888", ("name", "Front desk")),
]
CASES[16].invalid = {"prefix": "02a"}
CASES[16].message = "not a number prefix"


def _keys(store: ConfigStore, table: str) -> list[str]:
    from firmware.config.validate import KEYS
    return [str(r[KEYS[table]]) for r in getattr(store, table)()]


@pytest.mark.parametrize("case", CASES, ids=[c.table for c in CASES])
def test_table_pages(case: Case, webapp, http, datadir):
    store = ConfigStore(datadir / "config.db")
    try:
        if case.setup:
            case.setup(store)
        before = set(_keys(store, case.table))
        http.login()
        base = f"/config/{case.table}"

        # a valid row: created, listed, audited as the web user
        r = submit(http, base, f"{base}/_new", case.valid)
        assert r.status in (200, 303), r.text[r.text.find("<main>"):][:3000]
        new = set(_keys(store, case.table)) - before
        assert len(new) == 1, new
        key = new.pop()
        if case.key:
            assert key == case.key
        listing = http.get(base).text
        assert f'data-key="{html.escape(key)}"' in listing

        # an invalid row: refused, message next to the field, values kept, nothing stored
        r = submit(http, base, f"{base}/_new", case.invalid)
        assert r.status == 400
        msg = error_next_to(r.text, case.field)
        assert msg and case.message in msg, (case.field, msg, re.findall(r'role="alert">([^<]*)', r.text))
        if case.kept:
            assert html.escape(case.kept, quote=True) in r.text
        assert set(_keys(store, case.table)) - before == {key}

        # edit one column
        col, value = case.edit
        qkey = urllib.parse.quote(key, safe="")
        r = submit(http, f"{base}/{qkey}", f"{base}/{qkey}", {col: value})
        assert r.status == 303, r.text[:2000]
        row = next(x for x in getattr(store, case.table)() if str(x[_key_col(case.table)]) == key)
        assert str(row[col]) == value

        # a row still used elsewhere: the store's refusal, shown; nothing deleted
        if case.used:
            r = http.post(f"{base}/{urllib.parse.quote(case.used, safe='')}/delete", {})
            assert r.status == 400
            assert "cannot delete" in html.unescape(r.text)
            assert case.used in _keys(store, case.table)

        # delete the new row
        r = http.post(f"{base}/{qkey}/delete", {})
        assert r.status == 303 and "deleted=" in r.location
        assert key not in _keys(store, case.table)

        log = store.audit_log(actor="web:admin", target=case.table)["rows"]
        assert [x["action"] for x in log][:3] == ["delete", "update", "add"]
        assert {x["key"] for x in log[:3]} == {key}
    finally:
        store.close()


def _key_col(table: str) -> str:
    from firmware.config.validate import KEYS
    return KEYS[table]
