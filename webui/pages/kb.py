"""The knowledge base: articles (title, body, tags) agents search while on a call.

* ``/kb`` (every role): search by words or ``#tag`` (every word must match; Chinese
  text works without spaces), newest articles when there is no query;
  ``/kb/search?q=`` the results alone (htmx, the agent panel's search box);
  ``/kb/<id>`` one article.
* ``/config/kb`` (admin, supervisor): list, add, edit, delete.  Changes are validated
  (messages next to the field, HTTP 400) and audited as the logged-in user.

Storage: the config store's ``kb_articles`` (firmware/config/store_kb.py).
"""
from __future__ import annotations

from typing import Any

import bottle

from firmware.config.errors import ConfigError
from webui.forms import error_for, form_dict
from webui.i18n import N_, _
from webui.render import add_nav, error_page, render
from webui.web import Web

KB_READ = ("admin", "installer", "supervisor", "agent")
KB_EDIT = ("admin", "supervisor")
RESULTS = 20                 #: search results shown
SNIPPET = 140                #: characters of the body shown under a result


def snippet(body: str, query: str = "") -> str:
    """A short piece of ``body`` around the first query word found (plain text)."""
    text = " ".join((body or "").split())
    start = 0
    for w in (query or "").split():
        i = text.lower().find(w.lstrip("#").lower())
        if i > 0:
            start = max(0, i - 30)
            break
    piece = text[start:start + SNIPPET]
    return ("…" if start else "") + piece + ("…" if start + SNIPPET < len(text) else "")


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/kb", N_("Knowledge base"), KB_READ, N_("Agent"))
    add_nav("/config/kb", N_("Knowledge base articles"), KB_EDIT, N_("Setup"))

    def results(q: str) -> list[dict[str, Any]]:
        return web.store.kb_search(q, RESULTS) if q.strip() else []

    @app.get("/kb", roles=KB_READ)
    def kb_page() -> str:
        q = bottle.request.query.getunicode("q", default="").strip()
        found = results(q) if q else web.store.kb_articles(RESULTS)
        return render("kb", title=_("Knowledge base"), q=q, found=found, snippet=snippet,
                      extra_css=["agent.css"])

    @app.get("/kb/search", roles=KB_READ)
    def kb_search() -> str:
        q = bottle.request.query.getunicode("q", default="").strip()
        return render("kb_results", q=q, found=results(q), snippet=snippet,
                      new_tab=bool(bottle.request.query.get("tab")))

    @app.get("/kb/<aid>", roles=KB_READ)
    def kb_article(aid: str) -> str:
        art = web.store.kb_article(aid) if aid.isdigit() else None
        if art is None:
            return error_page(404, _("There is no article {id}.").format(id=aid))
        s = web.session()
        return render("kb_article", title=art["title"], art=art, can_edit=bool(s and s.role in KB_EDIT),
                      extra_css=["agent.css"])

    def admin_page(status: int = 200, **kw: Any) -> str:
        bottle.response.status = status
        base: dict[str, Any] = dict(title=_("Knowledge base articles"), articles=web.store.kb_articles(),
                                    editing=None, values={}, errors={}, extra_css=["agent.css"])
        base.update(kw)
        return render("kb_admin", **base)

    def values_of(art: dict[str, Any]) -> dict[str, Any]:
        return {**art, "tags": ", ".join(art.get("tags") or [])}

    @app.get("/config/kb", roles=KB_EDIT)
    def kb_admin() -> str:
        edit = bottle.request.query.getunicode("edit", default="")
        art = web.store.kb_article(edit) if edit else None
        if art is not None:
            return admin_page(editing=art["id"], values=values_of(art))
        return admin_page()

    @app.post("/config/kb", roles=KB_EDIT)
    def kb_add() -> str:
        f = form_dict()
        s = web.session()
        try:
            with web.acting() as store:
                aid = store.add_kb_article(f.get("title", ""), f.get("body", ""), f.get("tags", ""),
                                           author=s.username if s else "")
        except ConfigError as e:
            return admin_page(400, values=f, errors=error_for(e))
        return admin_page(flash=("", _("Article {id} added.").format(id=aid)))

    @app.post("/config/kb/<aid>", roles=KB_EDIT)
    def kb_edit(aid: str) -> str:
        f = form_dict()
        s = web.session()
        try:
            with web.acting() as store:
                if f.get("action") == "delete":
                    store.delete_kb_article(aid)
                    return admin_page(flash=("", _("Article {id} deleted.").format(id=aid)))
                store.update_kb_article(aid, title=f.get("title", ""), body=f.get("body", ""),
                                        tags=f.get("tags", ""), author=s.username if s else "")
        except ConfigError as e:
            if e.field == "kb_articles.id":
                return admin_page(404, flash=("error", _("There is no article {id}.").format(id=aid)))
            return admin_page(400, editing=aid, values=f, errors=error_for(e))
        return admin_page(flash=("", _("Article {id} saved.").format(id=aid)))
