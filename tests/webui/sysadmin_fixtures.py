"""Fixtures of the system pages' tests: the in-process web UI (``webapp``/``http``) on a
management server whose dispatcher has the real IVR and prompt commands (ivr.*, prompt.*,
prompt.get) over a small stand-in for the box (its config store and sounds folder), plus
``status`` and ``log.tail`` from the test dispatcher / the real log ring."""
from __future__ import annotations

import base64
import io
import wave
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from firmware.config.store import ConfigStore
from firmware.ivr.commands import register_ivr_commands
from firmware.mgmt.logtail import register_log
from firmware.paths import DataDir
from firmware.prompts.fetch import register_prompt_fetch
from firmware.prompts.library import PromptLibrary
from tests.mgmt.fixtures import ServerThread, test_dispatcher


class StandInBox:
    """What the IVR and prompt commands use of a Box."""

    def __init__(self, root: Path) -> None:
        self.data = DataDir.at(str(root)).create()
        self.store = ConfigStore(self.data.config_db)
        self.config = SimpleNamespace(settings={"language": "en"})
        self.ctl = SimpleNamespace(_prompt_library=lambda: PromptLibrary(self.data.sounds, "en"))

    def update_config(self, change) -> None:
        change(self.store)

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def standin(datadir):
    box = StandInBox(datadir)
    yield box
    box.close()


@pytest.fixture
def server(datadir, standin):
    d = test_dispatcher()
    register_ivr_commands(d, standin)
    register_prompt_fetch(d, standin)
    register_log(d, standin)
    s = ServerThread(d, datadir / "hotline.sock")
    yield s
    s.stop()


def wav(seconds: float = 0.5, rate: int = 16000, freq: float = 440.0, channels: int = 1) -> bytes:
    """A PCM WAV file: a sine tone."""
    t = np.arange(int(rate * seconds)) / rate
    x = (6000 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(x, channels).tobytes())
    return buf.getvalue()


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """A multipart/form-data body: ``files`` is {name: (filename, bytes, content type)}."""
    boundary = "----hotline-test-boundary"
    out = io.BytesIO()
    for k, v in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    for k, (fname, data, ctype) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{fname}"\r\n'
                  f'Content-Type: {ctype}\r\n\r\n'.encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def upload(http, path: str, fields: dict, files: dict):
    body, ctype = multipart({"csrf": http.csrf, **fields}, files)
    return http.request("POST", path, body=body, headers={"Content-Type": ctype})


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
