"""``prompt.get {name, language?}`` — one prompt's WAV file (base64) from the prompt
library, the installer's recording first, else the built-in one; the web UI plays it in
the browser and puts uploaded prompts into a backup archive without reading the box's
folders itself.  Files are 8 kHz 16-bit mono WAV, at most 600 s (about 9.6 MB).
"""
from __future__ import annotations

import base64
import wave
from typing import Any

from firmware.mgmt.commands import CommandError, Dispatcher
from firmware.prompts.catalogue import LANGUAGES


def prompt_file(box: Any, name: Any, language: Any = None) -> dict[str, Any]:
    """``{name, language, source: custom|system, seconds, wav_base64}`` of prompt ``name``."""
    from firmware.prompts.library import PromptLibrary, PromptMissing
    lang = str(language or box.config.settings.get("language", "zh"))
    if lang not in LANGUAGES:
        raise ValueError(f"language: {lang!r} has no prompts (choose {', '.join(LANGUAGES)})")
    lib = PromptLibrary(box.data.sounds, lang)
    try:
        path = lib.path(str(name))
    except ValueError as e:
        raise ValueError(f"name: {e}") from None
    except PromptMissing:
        raise CommandError(f"there is no prompt {name!r} ({lang})") from None
    raw = path.read_bytes()
    try:
        with wave.open(str(path), "rb") as w:
            seconds = round(w.getnframes() / float(w.getframerate()), 2)
    except (wave.Error, EOFError, ZeroDivisionError):
        seconds = 0.0
    return {"name": str(name), "language": lang, "source": "custom" if lib.is_custom(str(name)) else "system",
            "seconds": seconds, "wav_base64": base64.b64encode(raw).decode("ascii")}


def register_prompt_fetch(d: Dispatcher, box: Any) -> None:
    d.register("prompt.get", lambda a: prompt_file(box, a.get("name", ""), a.get("language")),
               "one prompt's WAV file {name, language?} → {source, seconds, wav_base64}")
