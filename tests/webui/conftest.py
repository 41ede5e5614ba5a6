import pytest

from tests.mgmt.fixtures import ServerThread, remove, short_tmpdir, test_dispatcher


@pytest.fixture
def datadir():
    d = short_tmpdir()
    yield d
    remove(d)


@pytest.fixture
def server(datadir):
    s = ServerThread(test_dispatcher(), datadir / "hotline.sock")
    yield s
    s.stop()
