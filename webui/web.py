"""What every page of the web UI reaches: the daemon (management API), the config store,
the sessions and the running server's state.  One :class:`Web` per web server.

Pages ask the daemon with ``web.ask("acd.stats", queue="500")`` (a fresh management
connection per call: requests run on many threads) and change configuration through
``web.store`` inside ``web.acting()`` so the audit log names the user.
"""
from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import bottle

from firmware.config.store import ConfigStore
from firmware.mgmt.client import MgmtClient
from webui.auth import LoginGuard, Session, Sessions


class Web:
    """Shared state of one web UI: ``client_factory()`` makes a management client,
    ``store`` is the config store, ``data_root`` the box's data dir (uploads staging)."""

    def __init__(self, client_factory: Callable[[], MgmtClient], store: ConfigStore,
                 data_root: Optional[Path] = None, *, secure: bool = False) -> None:
        self.client_factory = client_factory
        self.store = store
        self.data_root = Path(data_root) if data_root is not None else None
        self.secure = secure                  #: served over HTTPS (cookies get Secure)
        self.sessions = Sessions()
        self.guard = LoginGuard()
        self.stopping = threading.Event()     #: set when the server stops: live streams end
        self._settings: tuple[int, dict] = (-1, {})
        self._settings_lock = threading.Lock()

    def box_settings(self) -> dict[str, Any]:
        """The box's settings (cached until the configuration changes)."""
        v = self.store.version()
        with self._settings_lock:
            if self._settings[0] != v:
                self._settings = (v, self.store.settings())
            return self._settings[1]

    # -- the daemon ---------------------------------------------------------------------
    def ask(self, cmd: str, /, **args: Any) -> Any:
        """Run a management command (raises firmware.mgmt.client.MgmtError)."""
        client = self.client_factory()
        try:
            return client.call(cmd, **args)
        finally:
            client.close()

    def client(self) -> MgmtClient:
        """A management client of your own (close it), e.g. for an event subscription."""
        return self.client_factory()

    # -- who is asking -------------------------------------------------------------------
    @staticmethod
    def session() -> Optional[Session]:
        """The session of the request on this thread (None on public pages)."""
        return bottle.request.environ.get("hotline.session")

    @contextlib.contextmanager
    def acting(self) -> Iterator[ConfigStore]:
        """The config store, with changes audited as the logged-in user."""
        s = self.session()
        with self.store.acting(f"web:{s.username}" if s else "web") as store:
            yield store
