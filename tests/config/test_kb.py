"""Knowledge-base articles in the config store (migration 11): validation, search
(Chinese included), audit, and kept out of the engine's configuration."""
import json

import pytest

from firmware.config import ConfigError


def _seed(store):
    a = store.add_kb_article("如何办理退款", "客户要求退款时：核对订单号，七天内全额退款。", tags="退款, 售后")
    b = store.add_kb_article("Reset a voicemail PIN", "Dial *98, then ... the PIN is 4-8 digits.",
                             tags=["voicemail", "pin"])
    c = store.add_kb_article("发票问题", "开具发票需提供税号；退款后发票作废。", tags=["发票"])
    return a, b, c


def test_add_read_update_delete(store):
    a, b, c = _seed(store)
    art = store.kb_article(a)
    assert art["title"] == "如何办理退款" and art["tags"] == ["退款", "售后"] and art["updated"]
    assert [x["id"] for x in store.kb_articles()][0] in (a, b, c) and len(store.kb_articles()) == 3
    store.update_kb_article(b, title="Reset a mailbox PIN", tags="voicemail pin 语音信箱")
    assert store.kb_article(b)["title"] == "Reset a mailbox PIN"
    assert store.kb_article(b)["tags"] == ["voicemail", "pin", "语音信箱"]
    assert store.kb_article(b)["body"].startswith("Dial *98")          # untouched fields kept
    store.delete_kb_article(c)
    assert store.kb_article(c) is None and len(store.kb_articles()) == 2
    with pytest.raises(ConfigError) as e:
        store.delete_kb_article(c)
    assert e.value.field == "kb_articles.id"
    assert store.kb_article("x") is None


def test_search_words_tags_and_chinese(store):
    a, b, c = _seed(store)
    assert [x["id"] for x in store.kb_search("退款")] == [a, c]              # title hit first
    assert [x["id"] for x in store.kb_search("退款 发票")] == [c]            # every word must match
    assert [x["id"] for x in store.kb_search("#售后")] == [a]
    assert [x["id"] for x in store.kb_search("#PIN")] == [b]                 # tags: any case
    assert [x["id"] for x in store.kb_search("voicemail")] == [b]
    assert store.kb_search("") == [] and store.kb_search("   ") == []
    assert store.kb_search("不存在的词") == []
    store.add_kb_article("100% refund", "full_refund policy", tags="")
    assert [x["title"] for x in store.kb_search("%")] == ["100% refund"]     # LIKE wildcards are literal
    assert [x["title"] for x in store.kb_search("_")] == ["100% refund"]


def test_validation_names_the_field(store):
    cases = [({"title": "", "body": "x"}, "kb_articles.title"),
             ({"title": "t" * 201, "body": "x"}, "kb_articles.title"),
             ({"title": "a\nb", "body": "x"}, "kb_articles.title"),
             ({"title": "t", "body": "  "}, "kb_articles.body"),
             ({"title": "t", "body": "x" * 20001}, "kb_articles.body"),
             ({"title": "t", "body": "x", "tags": "a" * 33}, "kb_articles.tags"),
             ({"title": "t", "body": "x", "tags": "<script>"}, "kb_articles.tags"),
             ({"title": "t", "body": "x", "tags": " ".join(f"t{i}" for i in range(13))}, "kb_articles.tags")]
    for kw, fld in cases:
        with pytest.raises(ConfigError) as e:
            store.add_kb_article(**kw)
        assert e.value.field == fld, kw
    assert store.kb_articles() == []
    aid = store.add_kb_article(" Title ", "line 1\r\nline 2\n", tags="x, X,  y")
    art = store.kb_article(aid)
    assert art["title"] == "Title" and art["body"] == "line 1\nline 2" and art["tags"] == ["x", "y"]


def test_audited_and_not_engine_config(store):
    v = store.version()
    with store.acting("web:alice"):
        aid = store.add_kb_article("Opening hours", "Mon–Fri 9–18", tags="hours")
        store.update_kb_article(aid, body="Mon–Sat 9–18")
        store.delete_kb_article(aid)
    assert store.version() == v                           # no reload for the daemon
    rows = [r for r in store.audit_log(target="kb_articles")["rows"]]
    assert [(r["actor"], r["action"], r["key"]) for r in rows] == [
        ("web:alice", "delete", str(aid)), ("web:alice", "update", str(aid)), ("web:alice", "add", str(aid))]
    assert json.loads(rows[2]["detail"])["title"] == "Opening hours"
    assert store.export_json()["kb_articles"] == []        # in backups (see below), not engine config
    assert not hasattr(store.snapshot(), "kb_articles")


def test_articles_travel_with_the_exported_configuration(tmp_path):
    from firmware.config import ConfigError
    from firmware.config.store import ConfigStore
    a = ConfigStore(tmp_path / "a.db")
    b = ConfigStore(tmp_path / "b.db")
    try:
        a.add_kb_article("如何办理退款", "核对订单号，七天内全额退款。", tags=["退款"])
        a.add_kb_article("Opening hours", "8:30 to 17:30", tags=["hours"])
        doc = a.export_json()
        assert [x["title"] for x in doc["kb_articles"]] == ["如何办理退款", "Opening hours"]
        b.add_kb_article("old", "to be replaced")
        b.import_json(doc)
        assert sorted(x["title"] for x in b.kb_articles()) == ["Opening hours", "如何办理退款"]
        assert b.kb_search("退款")[0]["tags"] == ["退款"]
        older = {k: v for k, v in doc.items() if k != "kb_articles"}     # a backup from before articles
        b.import_json(older)
        assert len(b.kb_articles()) == 2                                 # kept
        bad = dict(doc, kb_articles=[{"title": "", "body": "x"}])
        with pytest.raises(ConfigError) as e:
            b.import_json(bad)
        assert e.value.field == "kb_articles.title" and len(b.kb_articles()) == 2
    finally:
        a.close()
        b.close()
