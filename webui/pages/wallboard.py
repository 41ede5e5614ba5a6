"""The wallboard (``/wallboard``, supervisor + admin): a big-screen view of the queues for
a TV on the call-centre wall — no menu, sized to the screen (made for 1920×1080).

One tile per queue: callers waiting, longest wait (a running counter), service level
today, answered and abandoned today, agents ready / on a call / paused.  A tile is marked
when a caller has waited longer than the queue's service-level time.  Live over one
server-sent event stream (``/sse/wallboard``, the daemon's ``acd.`` and ``call.``
events; the daemon's ``acd.stats`` event every 10 s refreshes today's figures).
"""
from __future__ import annotations

from typing import Any

import bottle

from webui.i18n import N_, _
from webui.pages import dashboard_view as view
from webui.pages.dashboard import SUPERVISORS, fmt_pct, fmt_s, state_label
from webui.pages.home import daemon_error
from webui.render import add_nav, render
from webui.sse import live_stream
from webui.web import Web

TOPICS = ["acd.", "call."]


def wall_data(web: Web) -> dict[str, Any]:
    got, err = view.ask_all(web.ask, ["acd.queues", "acd.stats"])
    queues = view.queue_rows(got.get("acd.queues"), got.get("acd.stats"))
    sl_s = {str(q["number"]): float(q.get("service_level_s") or 15) for q in web.store.queues()}
    for q in queues:
        q["alert"] = q["waiting"] > 0 and q["longest_wait_s"] >= sl_s.get(q["number"], 15.0)
    stats = got.get("acd.stats") if isinstance(got.get("acd.stats"), dict) else {}
    by_state = stats.get("agents_by_state") if isinstance(stats.get("agents_by_state"), dict) else {}
    return dict(queues=queues, by_state={k: int(by_state.get(k) or 0) for k in view.AGENT_STATES},
                error=(daemon_error(err)[1] + " " + err.message) if err is not None else "")


def part_kw() -> dict[str, Any]:
    return dict(_=_, fmt_s=fmt_s, fmt_pct=fmt_pct, state_label=state_label)


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/wallboard", N_("Wallboard"), SUPERVISORS, N_("Live"))

    @app.get("/wallboard", roles=SUPERVISORS)
    def wallboard() -> str:
        return render("wallboard", title=_("Wallboard"), bare=True, body_class="wallboard",
                      extra_css=["dashboard.css"], **part_kw(), **wall_data(web))

    @app.get("/sse/wallboard", roles=SUPERVISORS)
    def wallboard_stream() -> Any:
        def parts() -> dict[str, str]:
            data = wall_data(web)
            return {"tiles": bottle.template("wall_tiles", **part_kw(), **data),
                    "agents": bottle.template("wall_agents", **part_kw(), **data)}
        return live_stream(web, TOPICS, parts)
