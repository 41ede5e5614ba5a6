"""Agent-panel / reports / wizard management API tests: a Box on the virtual clock served on
a real management socket (``served``), plus the ``hx`` harness of tests/firmware."""
from __future__ import annotations

import pytest

from hal.clock import VirtualClock

from firmware.box import Box
from firmware.mgmt.client import MgmtClient
from firmware.paths import DataDir
from tests.firmware.conftest import hx  # noqa: F401  (fixture)
from tests.mgmt.fixtures import ServerThread, datadir  # noqa: F401


class Served:
    """A Box whose commands are answered on a real Unix socket; ``call`` goes through a
    MgmtClient. Drive the clock with ``call("clock.advance", ms=...)`` so every change
    runs on the server's loop thread."""

    def __init__(self, box: Box, server: ServerThread, client: MgmtClient) -> None:
        self.box = box
        self.server = server
        self.client = client

    def call(self, cmd: str, **args):
        return self.client.call(cmd, **args)

    def run(self, ms: float) -> None:
        self.call("clock.advance", ms=ms)


@pytest.fixture
def served(datadir):  # noqa: F811
    data = DataDir.at(datadir)
    box = Box(data, VirtualClock())
    srv = ServerThread(box.dispatcher, data.socket)
    box.add_publisher(srv.server.publish)
    client = MgmtClient(data.socket).connect()
    yield Served(box, srv, client)
    client.close()
    srv.stop()
    box.close()
