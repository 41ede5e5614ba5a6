"""Serve the web UI with cheroot (a threaded WSGI server) on a background thread.

    web = WebServer("127.0.0.1", 8080, app)             # HTTP (loopback / simulated board)
    web = WebServer("0.0.0.0", 8443, app, tls=(cert, key))  # HTTPS (see webui/tls.py)
    web.start(); print(web.url); ...; web.stop()

Port 0 picks a free port (tests); ``.url`` tells which. A port that is taken is a
:class:`WebServerError` naming it: ``cannot listen on 127.0.0.1:8080: address in use``.
Live pages keep a server-sent-events connection open, one worker thread each, so the
pool is larger than a plain page server's (``threads``).
"""
from __future__ import annotations

import errno
import logging
import os
import re
import socket
import threading
from pathlib import Path
from typing import Any, Callable, Optional

from cheroot import wsgi

log = logging.getLogger("hotline.web")


class _Server(wsgi.Server):
    """cheroot's server, with SO_REUSEADDR also on port 0 (cheroot leaves it off there), so a
    stopped server's port can be bound again at once despite connections in TIME-WAIT."""

    @classmethod
    def prepare_socket(cls, bind_addr, family, type, proto, nodelay, ssl_adapter,  # noqa: A002
                       reuse_port=False):
        sock = super().prepare_socket(bind_addr, family, type, proto, nodelay, ssl_adapter, reuse_port)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        return sock


class WebServerError(Exception):
    """The web server cannot start; the message says why."""


class WebServer:
    """The WSGI ``app`` on ``host``:``port`` (port 0 = any free port), ``threads`` workers,
    HTTPS when ``tls`` = (certificate file, key file)."""

    def __init__(self, host: str, port: int, app: Callable[..., Any], *, threads: int = 24,
                 tls: Optional[tuple[Path, Path]] = None, on_stop: Optional[Callable[[], None]] = None) -> None:
        self.host = host
        self.port = port
        self.app = app
        self.threads = threads
        self.tls = tls
        self.on_stop = on_stop
        self._server: Optional[wsgi.Server] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        """``http(s)://HOST:PORT/`` with the port actually bound."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}/"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> "WebServer":
        """Bind and serve on a daemon thread; :class:`WebServerError` when it cannot listen."""
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), self.app, numthreads=self.threads,
                             server_name="Hotline", timeout=10, shutdown_timeout=2)
        if self.tls is not None:
            from cheroot.ssl.builtin import BuiltinSSLAdapter
            server.ssl_adapter = BuiltinSSLAdapter(str(self.tls[0]), str(self.tls[1]))
        try:
            server.prepare()
        except OSError as e:
            code = e.errno
            if code is None:                         # cheroot wraps the bind error in words
                m = re.search(r"\[Errno (\d+)\]", str(e))
                code = int(m.group(1)) if m else None
            if code == errno.EADDRINUSE:
                why = "address in use"
            elif code == errno.EADDRNOTAVAIL:
                why = "no such address on this machine"
            elif code == errno.EACCES:
                why = "permission denied (ports below 1024 need root)"
            else:
                why = (os.strerror(code) if code else None) or e.strerror or str(e)
            raise WebServerError(f"cannot listen on {self.host}:{self.port}: {why}") from e
        except ValueError as e:
            raise WebServerError(f"cannot listen on {self.host}:{self.port}: {e}") from e
        self.port = int(server.bind_addr[1])
        self._server = server
        self._thread = threading.Thread(target=self._run, name="hotline-web", daemon=True)
        self._thread.start()
        log.info("web UI on %s", self.url)
        return self

    def _run(self) -> None:
        try:
            assert self._server is not None
            self._server.serve()
        except Exception:                            # noqa: BLE001 - log, don't vanish silently
            log.exception("web server stopped with an error")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: end live event streams, close the socket, end the thread."""
        server, self._server = self._server, None
        if server is None:
            return
        if self.on_stop is not None:
            try:
                self.on_stop()
            except Exception:                        # noqa: BLE001
                log.exception("web UI stop hook")
        server.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> "WebServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
