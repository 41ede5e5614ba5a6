"""The knowledge base in the config store: articles agents search while on a call.

A mixin of :class:`firmware.config.store.ConfigStore` (it uses the store's ``db``,
``_lock`` and ``_transaction``).  Articles are not configuration the engine needs: like
the web logins they stay out of ``snapshot()`` and ``export_json()`` and do not bump the
change counter (the daemon does not reload for them), but every change is audited
(target ``kb_articles``, key = article id).

Search: every word of the query must appear in the title, body or tags (SQL ``LIKE``,
so Chinese text without spaces works: "退款" finds "如何办理退款"); ``#tag`` words
match a tag exactly.  Title hits come first, then the newest.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Optional

from firmware.config.errors import ConfigError
from firmware.config.validate_kb import validate_kb_article

MAX_QUERY_WORDS = 8


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _like(word: str) -> str:
    """``%word%`` with LIKE's wildcards escaped (ESCAPE '\\')."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _article(row: dict) -> dict[str, Any]:
    out = dict(row)
    try:
        out["tags"] = json.loads(row.get("tags") or "[]")
    except ValueError:
        out["tags"] = []
    return out


class KnowledgeBaseStore:
    """``kb_articles`` accessors: kb_article, kb_articles, kb_search, add/update/delete_kb_article."""

    db: Any
    _lock: Any

    def _transaction(self, change: Any, audit: Any = None, bump: bool = True) -> Any:  # pragma: no cover
        raise NotImplementedError

    # -- reading
    def kb_article(self, article_id: Any) -> Optional[dict[str, Any]]:
        """The article (``tags`` as a list) or None."""
        try:
            aid = int(article_id)
        except (TypeError, ValueError):
            return None
        with self._lock:
            rows = list(self.db.query("SELECT * FROM kb_articles WHERE id = ?", [aid]))
        return _article(rows[0]) if rows else None

    def kb_articles(self, limit: int = 500) -> list[dict[str, Any]]:
        """All articles, newest change first."""
        with self._lock:
            rows = list(self.db.query("SELECT * FROM kb_articles ORDER BY updated DESC, id DESC LIMIT ?",
                                      [int(limit)]))
        return [_article(r) for r in rows]

    def kb_search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Articles matching every word of ``query`` (``#tag`` = that tag); empty query: none."""
        words = [w for w in (query or "").split() if w][:MAX_QUERY_WORDS]
        if not words:
            return []
        where, args = [], []
        for w in words:
            if w.startswith("#") and len(w) > 1:
                where.append("lower(tags) LIKE ? ESCAPE '\\'")
                args.append(_like(json.dumps(w[1:].lower(), ensure_ascii=False)))
            else:
                where.append("(title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\' OR tags LIKE ? ESCAPE '\\')")
                args += [_like(w)] * 3
        plain = [w for w in words if not w.startswith("#")]
        rank = " + ".join(["(title LIKE ? ESCAPE '\\')"] * len(plain)) or "0"
        sql = (f"SELECT *, ({rank}) AS title_hits FROM kb_articles WHERE {' AND '.join(where)} "
               "ORDER BY title_hits DESC, updated DESC, id DESC LIMIT ?")
        with self._lock:
            rows = list(self.db.query(sql, [*[_like(w) for w in plain], *args, int(limit)]))
        out = []
        for r in rows:
            r.pop("title_hits", None)
            out.append(_article(r))
        return out

    # -- writing (audited, no reload)
    def add_kb_article(self, title: str, body: str, tags: Any = (), author: str = "") -> int:
        """A new article; returns its id.  ConfigError("kb_articles.<field>", ...) when refused."""
        row = validate_kb_article({"title": title, "body": body, "tags": list(tags) if not isinstance(tags, str)
                                   else tags, "author": author})

        def change(state: dict[str, Any]) -> int:
            cur = self.db.execute("INSERT INTO kb_articles (title, body, tags, updated, author) VALUES (?, ?, ?, ?, ?)",
                                  [row["title"], row["body"], json.dumps(row["tags"], ensure_ascii=False),
                                   _now_iso(), row["author"]])
            return int(cur.lastrowid)
        return self._transaction(change, bump=False, audit=lambda aid: (
            "add", "kb_articles", aid, {"title": row["title"], "tags": row["tags"], "body_chars": len(row["body"])}))

    def update_kb_article(self, article_id: Any, **fields: Any) -> None:
        """Change an article's title, body, tags (or author)."""
        old = self.kb_article(article_id)
        if old is None:
            raise ConfigError("kb_articles.id", f"no article {article_id!r}")
        merged = {k: old[k] for k in ("title", "body", "tags", "author")}
        merged.update(fields)
        row = validate_kb_article(merged)
        diff = {k: v for k, v in row.items() if old.get(k) != v}
        if "body" in diff:
            diff["body"] = f"{len(row['body'])} characters"

        def change(state: dict[str, Any]) -> None:
            cur = self.db.execute("UPDATE kb_articles SET title = ?, body = ?, tags = ?, author = ?, updated = ? "
                                  "WHERE id = ?", [row["title"], row["body"], json.dumps(row["tags"], ensure_ascii=False),
                                                   row["author"], _now_iso(), old["id"]])
            if cur.rowcount != 1:
                raise ConfigError("kb_articles.id", f"no article {article_id!r}")
        self._transaction(change, bump=False, audit=lambda _: ("update", "kb_articles", old["id"], diff))

    def delete_kb_article(self, article_id: Any) -> None:
        old = self.kb_article(article_id)
        if old is None:
            raise ConfigError("kb_articles.id", f"no article {article_id!r}")

        def change(state: dict[str, Any]) -> None:
            self.db.execute("DELETE FROM kb_articles WHERE id = ?", [old["id"]])
        self._transaction(change, bump=False, audit=lambda _: ("delete", "kb_articles", old["id"],
                                                                {"title": old["title"]}))
