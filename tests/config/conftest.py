import pytest

from firmware.config import ConfigStore


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "config.db"


@pytest.fixture
def store(db_path):
    with ConfigStore(db_path) as s:
        yield s
