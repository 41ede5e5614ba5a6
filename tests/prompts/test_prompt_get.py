"""prompt.get: a prompt's WAV through the management API (the web UI plays it from there)."""
from __future__ import annotations

import base64
import io
import wave

import pytest

from firmware.mgmt.commands import CommandError
from tests.firmware.conftest import hx  # noqa: F401  (fixture)
from tests.ivr.test_commands import tone, wav_bytes


def run(hx, cmd, **args):  # noqa: F811
    return hx.box.dispatcher.run(cmd, args)


def test_prompt_get_gives_the_uploaded_file_then_the_system_one(hx):  # noqa: F811
    r = run(hx, "prompt.get", name="welcome")
    assert r["source"] == "system" and r["seconds"] > 0
    system = base64.b64decode(r["wav_base64"])
    assert system[:4] == b"RIFF" and system[8:12] == b"WAVE"
    run(hx, "prompt.upload", name="welcome", data=base64.b64encode(wav_bytes(tone(600, 16000, 0.5), 16000)).decode())
    r = run(hx, "prompt.get", name="welcome")
    assert r["source"] == "custom" and r["seconds"] == pytest.approx(0.5, abs=0.01)
    with wave.open(io.BytesIO(base64.b64decode(r["wav_base64"]))) as w:
        assert (w.getframerate(), w.getnchannels()) == (8000, 1)


def test_prompt_get_refuses_unknown_names_and_languages(hx):  # noqa: F811
    with pytest.raises(CommandError, match="no prompt 'nope'"):
        run(hx, "prompt.get", name="nope")
    with pytest.raises(ValueError, match="not a prompt name"):
        run(hx, "prompt.get", name="../etc/passwd")
    with pytest.raises(ValueError, match="language"):
        run(hx, "prompt.get", name="welcome", language="fr")
