"""The web UI (bottle on cheroot): a client of the management API and the config store.

* :func:`start_web` — what ``hotline run`` calls: the app on HOST:PORT, HTTPS with a
  self-signed certificate (made on first start in ``<data>/tls``) unless the address is
  loopback (the simulated board on a laptop) or TLS is turned off.
* :mod:`webui.app` (the app and its login guard), :mod:`webui.pages` (one module per
  area), :mod:`webui.auth` (sessions, CSRF, lockout), :mod:`webui.i18n` (中文 / English),
  :mod:`webui.server` (cheroot on a thread), :mod:`webui.tls` (the certificate).
"""
from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Callable, Optional


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def start_web(host: str, port: int, *, data_root: Path, socket_path: Path, config_db: Path,
              tls: Optional[bool] = None, client_factory: Optional[Callable] = None):
    """Start the web UI; ``tls`` None = HTTPS unless ``host`` is loopback.  Returns the
    running :class:`webui.server.WebServer` (``.url``; ``.stop()`` also closes the store)."""
    from firmware.config.store import ConfigStore
    from firmware.mgmt.client import MgmtClient
    from webui.app import make_app
    from webui.server import WebServer
    from webui.tls import ensure_certificate
    from webui.web import Web

    use_tls = (not is_loopback(host)) if tls is None else tls
    store = ConfigStore(config_db)
    web = Web(client_factory or (lambda: MgmtClient(socket_path)), store, data_root, secure=use_tls)
    cert = ensure_certificate(Path(data_root) / "tls") if use_tls else None

    def on_stop() -> None:
        web.stopping.set()

    server = WebServer(host, port, make_app(web), tls=cert, on_stop=on_stop)
    try:
        server.start()
    except Exception:
        store.close()
        raise
    server.web = web                      # type: ignore[attr-defined]  (tests reach the sessions)
    _stop = server.stop

    def stop(timeout: float = 5.0) -> None:
        _stop(timeout)
        store.close()
    server.stop = stop                    # type: ignore[method-assign]
    return server
