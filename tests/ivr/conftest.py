"""IVR tests: a whole box (tests/firmware/conftest.py) with menus installed."""
from __future__ import annotations

from typing import Any

import pytest

from tests.firmware.conftest import Harness, hx, rms, tone_power  # noqa: F401  (fixtures)


def install(hx: Harness, **menu: Any) -> None:
    """Add (or replace) an IVR menu and apply it."""
    store = hx.box.store
    if store.ivr_menu(str(menu["number"])) is not None:
        store.delete_ivr_menu(str(menu["number"]))
    store.add_ivr_menu(**menu)
    hx.box.reload()


def ivr_leg(hx: Harness, port: str = "fxs1") -> Any:
    call = hx.ctl.channel(port).call
    return call.b if call is not None else None


def press(hx: Harness, port: str, keys: str, settle_ms: int = 600) -> None:
    hx.phone(port).dial(keys)
    hx.run(200 * len(keys) + settle_ms)


@pytest.fixture
def box(hx):
    return hx
