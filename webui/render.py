"""Rendering pages: bottle SimpleTemplate files in webui/templates with the layout
(``% rebase("base.tpl", title=...)``) and what every template may use:

``_`` (translate), ``user`` (the Session or None), ``csrf`` (token for forms; write
``{{!csrf_field}}`` inside a form), ``lang``, ``nav`` (the menu for this role), ``path``,
``errors`` (field → message for forms), ``values`` (the form's values), ``flash``.
Everything written with ``{{ }}`` is HTML-escaped; ``{{! }}`` only for HTML we built.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Optional

import bottle

from webui import i18n
from webui.i18n import _

TEMPLATES = Path(__file__).parent / "templates"
bottle.TEMPLATE_PATH[:] = [str(TEMPLATES)]

#: the menu: (path, label, roles that see it, group); pages add theirs with add_nav()
NAV: list[tuple[str, str, tuple[str, ...], str]] = []
GROUPS = [i18n.N_("Live"), i18n.N_("Agent"), i18n.N_("Reports"), i18n.N_("Setup"), i18n.N_("System")]


def add_nav(path: str, label: str, roles: tuple[str, ...], group: str) -> None:
    """Show ``label`` (an English msgid) linking to ``path`` to ``roles``, under ``group``."""
    if not any(n[0] == path for n in NAV):
        NAV.append((path, label, tuple(roles), group))


def nav_for(role: Optional[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(group label, [(path, label), ...]), ...]`` translated, for ``role``."""
    out = []
    for g in GROUPS:
        items = [(p, _(label)) for p, label, roles, group in NAV if group == g and role in roles]
        if items:
            out.append((_(g), items))
    return out


def csrf_field(token: str) -> str:
    return f'<input type="hidden" name="csrf" value="{html.escape(token)}">'


def render(name: str, **kw: Any) -> str:
    """The template ``name`` (without .tpl) with the layout variables filled in."""
    s = bottle.request.environ.get("hotline.session")
    token = s.csrf if s is not None else ""
    base: dict[str, Any] = dict(
        _=_, user=s, csrf=token, csrf_field=csrf_field(token), lang=i18n.current_language(),
        languages=list(i18n.languages()), nav=nav_for(s.role if s else None),
        path=bottle.request.path, errors={}, values={}, flash=None, title="Hotline",
        box_name=bottle.request.environ.get("hotline.box_name", "Hotline"))
    base.update(kw)
    return bottle.template(name, **base)


def error_page(status: int, message: str, title: Optional[str] = None) -> str:
    """A page in the layout saying ``message`` with HTTP ``status``."""
    bottle.response.status = status
    return render("error", title=title or _("Error"), message=message, status=status)
