"""Live pages: server-sent events carrying server-rendered HTML (htmx's SSE extension).

A live view is a function ``render() -> {name: html}`` (one entry per part of the page)
and the daemon event prefixes that may change it.  :func:`live_stream` sends every part
at once, then again (debounced) after each matching daemon event, and a comment line
every :data:`HEARTBEAT_S` so proxies and the browser keep the connection.  In a page::

    <div hx-ext="sse" sse-connect="/sse/dashboard">
      <div id="queues" sse-swap="queues">...first render...</div>
    </div>

A route returns ``live_stream(web, ["acd.", "call."], render)``; the stream ends when the
browser goes away, the daemon goes away (the page's htmx reconnects by itself) or the
web server stops.  Parts whose HTML did not change are not sent again.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Callable, Iterator, Mapping, Optional

import bottle

from firmware.mgmt.client import MgmtError, MgmtTimeout
from webui import i18n
from webui.web import Web

log = logging.getLogger("hotline.web")
HEARTBEAT_S = 15.0          #: a comment line at least this often (s)
MIN_INTERVAL_S = 0.25       #: at most one re-render per this many seconds (s)
POLL_S = 1.0                #: how often the stream checks that the server is still running (s)


def sse_message(event: str, data: str) -> str:
    """One SSE message: ``event: NAME`` and the data, one ``data:`` line per line."""
    lines = data.split("\n") if data else [""]
    return f"event: {event}\n" + "".join(f"data: {ln}\n" for ln in lines) + "\n"


def live_stream(web: Web, topics: list[str], render: Callable[[], Mapping[str, str]],
                every_s: Optional[float] = None) -> Iterator[str]:
    """The response body of a live view (sets the SSE headers); ``every_s`` also re-renders
    on a timer (e.g. for counters that grow without events)."""
    bottle.response.content_type = "text/event-stream; charset=utf-8"
    bottle.response.set_header("Cache-Control", "no-cache")
    bottle.response.set_header("X-Accel-Buffering", "no")
    lang = i18n.current_language()
    session = bottle.request.environ.get("hotline.session")
    environ = bottle.request.environ

    def parts() -> Mapping[str, str]:
        i18n.set_language(lang)             # the thread may have served others in between
        bottle.request.environ["hotline.session"] = session
        return render()

    def gen() -> Iterator[str]:
        sent: dict[str, str] = {}
        client = web.client()
        stream = None

        def changed() -> Iterator[str]:
            bottle.request.bind(environ)
            for name, html in parts().items():
                if sent.get(name) != html:
                    sent[name] = html
                    yield sse_message(name, html)
        try:
            try:
                stream = client.subscribe(topics)
            except MgmtError as e:
                yield sse_message("error", json.dumps({"message": e.message}))
                return
            yield "retry: 2000\n\n"
            yield from changed()
            last_beat = last_render = time.monotonic()
            dirty = False
            while not web.stopping.is_set():
                try:
                    ev = stream.next_event(MIN_INTERVAL_S if dirty else POLL_S)
                except MgmtTimeout:
                    ev = {}
                if ev is None:                      # the daemon went away: let the browser retry
                    return
                now = time.monotonic()
                if ev:
                    dirty = True
                if every_s is not None and now - last_render >= every_s:
                    dirty = True
                if dirty and now - last_render >= MIN_INTERVAL_S:
                    dirty = False
                    last_render = now
                    for msg in changed():
                        last_beat = now
                        yield msg
                if now - last_beat >= HEARTBEAT_S:
                    last_beat = now
                    yield ": keep-alive\n\n"
        except (BrokenPipeError, ConnectionError, OSError):
            return
        except Exception:                            # noqa: BLE001 - a broken view must not kill the thread
            log.exception("live view %s failed", bottle.request.path)
        finally:
            if stream is not None:
                stream.close()
            client.close()
    return gen()
