from tests.firmware.conftest import hx  # noqa: F401  (the whole-box fixture)
