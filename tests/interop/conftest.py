"""Fixtures for tests with real SIP user agents (pjsua2 phones, sipp).

* ``interop_logs``: the folder this test's phones and sipp runs write their logs to:
  ``$HOTLINE_INTEROP_LOGS/<test name>/`` when that variable is set, else a ``logs``
  folder in the test's pytest tmp_path (pytest keeps the last three runs under
  ``/tmp/pytest-of-<user>/``).  A failed test's report names the folder.
* ``phones``: a factory ``phones("a", tcp=False, codecs=(...))`` -> started ``PjPhone``;
  every phone it made is closed (its child process ended) after the test.
* ``require_pjsua2`` / ``require_sipp`` / ``require_baresip``: fail (never skip) with the reason when the
  tool is missing, so a machine without them shows red, not a quiet skip.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.interop.phones import PjPhone


@pytest.fixture
def interop_logs(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    base = os.environ.get("HOTLINE_INTEROP_LOGS")
    if base:
        d = Path(base) / re.sub(r"[^\w.-]+", "_", request.node.name)
    else:
        d = tmp_path / "logs"
    d.mkdir(parents=True, exist_ok=True)
    request.node._interop_logs = d
    return d


@pytest.fixture(scope="session")
def require_pjsua2() -> None:
    if importlib.util.find_spec("pjsua2") is None:
        pytest.fail("the pjsua2 module is not installed in this Python "
                    "(pip package pjsua2-python; `make` installs it) — the SIP interop "
                    "tests need it", pytrace=False)


@pytest.fixture(scope="session")
def require_sipp() -> None:
    if shutil.which("sipp") is None:
        pytest.fail("sipp is not installed (Debian package sip-tester; `make` installs it) "
                    "— the SIP interop tests need it", pytrace=False)


@pytest.fixture(scope="session")
def require_baresip() -> None:
    from tests.interop.baresip_phone import missing_modules
    if shutil.which("baresip") is None:
        pytest.fail("baresip is not installed (Debian package baresip; `make` installs it)",
                    pytrace=False)
    missing = missing_modules()
    if missing:
        pytest.fail(f"baresip modules missing: {', '.join(missing)}", pytrace=False)


@pytest.fixture
def phones(require_pjsua2: None, interop_logs: Path) -> Iterator[Callable[..., PjPhone]]:
    made: list[PjPhone] = []

    def make(name: str, **kw: Any) -> PjPhone:
        phone = PjPhone(name, log_dir=interop_logs, **kw)
        made.append(phone)
        return phone.start()

    yield make
    for phone in made:
        phone.request_quit()
    for phone in made:
        phone.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()
    logs = getattr(item, "_interop_logs", None)
    if logs is not None and rep.failed:
        rep.sections.append(("interop logs", f"phone and sipp logs of this test: {logs}"))
