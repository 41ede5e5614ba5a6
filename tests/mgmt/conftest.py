"""Fixtures shared with tests/mgmt and tests/webui (defined in tests/mgmt/fixtures.py)."""
from tests.mgmt.fixtures import datadir, server  # noqa: F401
