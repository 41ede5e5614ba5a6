"""Serve the web UI with waitress on a background thread.

    web = WebServer("127.0.0.1", 8080, lambda: MgmtClient(data_dir=d))
    web.start(); print(web.url); ...; web.stop()

Port 0 picks a free port (tests); ``.url`` tells which. A port that is taken is a
:class:`WebServerError` naming it: ``cannot listen on 127.0.0.1:8080: address in use``.
"""
from __future__ import annotations

import errno
import logging
import threading
from typing import Callable, Optional

from waitress.server import create_server

from firmware.mgmt.client import MgmtClient
from webui.status import make_app

log = logging.getLogger("hotline.web")


class WebServerError(Exception):
    """The web server cannot start; the message says why."""


class WebServer:
    """The web UI on ``host``:``port`` (port 0 = any free port), ``threads`` waitress workers."""

    def __init__(self, host: str, port: int, client_factory: Callable[[], MgmtClient],
                 threads: int = 4) -> None:
        self.host = host
        self.port = port
        self.client_factory = client_factory
        self.threads = threads
        self._server = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        """``http://HOST:PORT/`` with the port actually bound."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> "WebServer":
        """Bind and serve on a daemon thread; :class:`WebServerError` when it cannot listen."""
        if self._server is not None:
            return self
        app = make_app(self.client_factory)
        try:
            server = create_server(app, host=self.host, port=self.port, threads=self.threads,
                                   ident="Hotline", clear_untrusted_proxy_headers=True)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                why = "address in use"
            elif e.errno == errno.EADDRNOTAVAIL:
                why = "no such address on this machine"
            elif e.errno == errno.EACCES:
                why = "permission denied (ports below 1024 need root)"
            else:
                why = e.strerror or str(e)
            raise WebServerError(f"cannot listen on {self.host}:{self.port}: {why}") from e
        except ValueError as e:
            raise WebServerError(f"cannot listen on {self.host}:{self.port}: {e}") from e
        if hasattr(server, "effective_port"):
            self.port = int(server.effective_port)
        else:                                        # several sockets (e.g. "localhost")
            self.port = int(server.effective_listen[0][1])
        self._server = server
        self._thread = threading.Thread(target=self._run, name="hotline-web", daemon=True)
        self._thread.start()
        log.info("web UI on %s", self.url)
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except Exception:                            # noqa: BLE001 - log, don't vanish silently
            log.exception("web server stopped with an error")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: close the listening socket and open connections, end the thread."""
        server, self._server = self._server, None
        if server is None:
            return
        smap = getattr(server, "_map", None)
        if smap is None:
            smap = getattr(server, "map", {})     # MultiSocketServer

        def close_all() -> None:                   # runs on the server's own thread
            for disp in list(smap.values()):
                try:
                    disp.close()
                except Exception:                    # noqa: BLE001
                    pass
            smap.clear()
        trigger = getattr(server, "trigger", None)
        if trigger is None:
            trigger = next((d.trigger for d in list(smap.values()) if hasattr(d, "trigger")), None)
        if trigger is not None and self._thread is not None and self._thread.is_alive():
            trigger.pull_trigger(close_all)
            self._thread.join(timeout)
        if self._thread is not None and self._thread.is_alive():
            close_all()                              # last resort from this thread
            self._thread.join(timeout)
        try:
            server.task_dispatcher.shutdown(timeout=timeout)
        except Exception:                            # noqa: BLE001
            pass
        self._thread = None

    def __enter__(self) -> "WebServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
