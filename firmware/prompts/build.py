"""Generate the built-in prompts from the catalogue with espeak-ng (and sox).

    python -m firmware.prompts.build [--out DIR] [--lang zh,en] [--force] [NAME ...]

For each language: espeak-ng speaks the prompt's text (voice from :data:`VOICES`), sox
converts it to 8 kHz mono 16-bit, then leading/trailing silence is trimmed and the level
set to about -16 dBm0 (active speech RMS), lowered where needed so that no peak exceeds
:data:`PEAK_CEILING` (G.711-safe). Each file is written to a temp name and renamed into
``<out>/<lang>/<name>.wav``.

Incremental: ``<out>/<lang>/manifest.json`` keeps a hash of (text, voice, espeak-ng
version, processing settings) per prompt; a prompt whose hash is unchanged and whose file
exists is skipped. ``--force`` rebuilds everything. A missing espeak-ng, sox or voice is an
error that says what to install: the build never silently produces nothing.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np

from dsp.levels import dbm0_of_rms
from firmware.engine.media import write_wav
from firmware.prompts.catalogue import LANGUAGES, PROMPTS, Prompt
from firmware.prompts.library import BUILTIN_DIR

RATE = 8000                  #: output sample rate, Hz
TARGET_DBM0 = -16.0          #: active speech level, dBm0
PEAK_CEILING = 29204         #: highest sample after normalising (-1 dBFS, below G.711 clipping)
TRIM_THRESHOLD_DB = -40.0    #: a 5 ms block this far below the loudest block counts as silence
TRIM_PAD_MS = 30             #: silence kept before the first and after the last sound, ms
FADE_MS = 5                  #: fade-in/out at the ends (no click when speech starts at once), ms
ACTIVE_THRESHOLD_DB = -35.0  #: 20 ms blocks above this (re loudest) count as active speech
#: Bump when the processing changes so that every prompt is rebuilt.
PIPELINE_VERSION = 1


@dataclass(frozen=True)
class Voice:
    """espeak-ng settings of one language: voice name, speed (words/min), pitch (0-99)."""
    name: str
    speed: int = 150
    pitch: int = 50


#: The voice per language. ``cmn-latn-pinyin`` reads Han characters through pinyin, which
#: covers characters (两, 秒, 幺...) that the plain ``cmn`` voice spells out in English.
VOICES: dict[str, Voice] = {
    "zh": Voice("cmn-latn-pinyin", speed=170),
    "en": Voice("en-us", speed=160),
}


class BuildError(RuntimeError):
    """The prompts cannot be built (a tool or voice is missing, a synthesis failed)."""


@dataclass
class LanguageReport:
    """What one language's build did (prompt names)."""
    language: str
    out_dir: Path
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- tools
def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BuildError(f"{name} is not installed: the built-in prompts need it "
                         f"(Debian: apt-get install {name}; `make run` installs it)")
    return path


def espeak_version() -> str:
    """The espeak-ng version line (part of each prompt's hash)."""
    r = subprocess.run([_tool("espeak-ng"), "--version"], capture_output=True, text=True)
    return r.stdout.strip()


def available_voices() -> set[str]:
    """Lower-case voice identifiers espeak-ng knows (language column and voice file)."""
    r = subprocess.run([_tool("espeak-ng"), "--voices"], capture_output=True, text=True)
    if r.returncode != 0:
        raise BuildError(f"espeak-ng --voices failed: {r.stderr.strip()}")
    names: set[str] = set()
    for line in r.stdout.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 5:
            names.add(cols[1].lower())
            names.add(cols[4].lower().rsplit("/", 1)[-1])
    return names


def check_voice(language: str, voice: Voice, known: Optional[set[str]] = None) -> None:
    """Raise :class:`BuildError` when espeak-ng has no ``voice`` for ``language``."""
    known = available_voices() if known is None else known
    if voice.name.lower() not in known:
        raise BuildError(
            f"espeak-ng has no voice {voice.name!r} for language {language!r}, so its prompts "
            f"cannot be built; install the espeak-ng-data package or change VOICES[{language!r}] "
            f"in firmware/prompts/build.py (see `espeak-ng --voices`)")


# --------------------------------------------------------------------------- audio
def synthesise(text: str, voice: Voice) -> np.ndarray:
    """Raw speech of ``text``: int16 samples at 8 kHz (espeak-ng, resampled by sox)."""
    espeak = [_tool("espeak-ng"), "-b", "1", "-v", voice.name, "-s", str(voice.speed),
              "-p", str(voice.pitch), "--stdout", "--", text]
    sox = [_tool("sox"), "-q", "-t", "wav", "-", "-t", "raw", "-e", "signed-integer", "-b", "16",
           "-L", "-c", "1", "-r", str(RATE), "-"]
    sp = subprocess.run(espeak, capture_output=True)
    if sp.returncode != 0 or not sp.stdout:
        raise BuildError(f"espeak-ng could not say {text!r} with voice {voice.name!r}: "
                         f"{sp.stderr.decode(errors='replace').strip() or 'no audio'}")
    rs = subprocess.run(sox, input=sp.stdout, capture_output=True)
    if rs.returncode != 0:
        raise BuildError(f"sox could not convert the speech of {text!r}: "
                         f"{rs.stderr.decode(errors='replace').strip()}")
    return np.frombuffer(rs.stdout, dtype="<i2").astype(np.int16)


def _block_db(x: np.ndarray, block: int) -> np.ndarray:
    n = x.size // block
    if n == 0:
        return np.zeros(0)
    e = (x[:n * block].astype(np.float64).reshape(n, block) ** 2).mean(axis=1)
    return 10.0 * np.log10(np.maximum(e, 1e-12))


def trim_silence(x: np.ndarray, threshold_db: float = TRIM_THRESHOLD_DB,
                 pad_ms: int = TRIM_PAD_MS) -> np.ndarray:
    """``x`` without leading/trailing blocks (5 ms) quieter than ``threshold_db`` below the
    loudest block, keeping ``pad_ms`` of margin each side. All-silent input gives empty."""
    block = RATE * 5 // 1000
    db = _block_db(x, block)
    if db.size == 0 or db.max() <= -100.0:
        return x[:0]
    loud = np.nonzero(db >= db.max() + threshold_db)[0]
    pad = RATE * pad_ms // 1000
    start = max(0, loud[0] * block - pad)
    end = min(x.size, (loud[-1] + 1) * block + pad)
    return x[start:end]


def fade_edges(x: np.ndarray, fade_ms: int = FADE_MS) -> np.ndarray:
    """``x`` with a raised-cosine fade-in and fade-out of ``fade_ms`` each (float64)."""
    y = x.astype(np.float64)
    n = min(RATE * fade_ms // 1000, y.size // 2)
    if n:
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)
        y[:n] *= ramp
        y[-n:] *= ramp[::-1]
    return y


def active_level_dbm0(x: np.ndarray) -> float:
    """Speech level in dBm0: RMS over the 20 ms blocks within ACTIVE_THRESHOLD_DB of the
    loudest (pauses between words do not lower it)."""
    block = RATE * 20 // 1000
    n = x.size // block
    if n == 0:
        return dbm0_of_rms(float(np.sqrt((x.astype(np.float64) ** 2).mean()))) if x.size else float("-inf")
    blocks = x[:n * block].astype(np.float64).reshape(n, block)
    e = (blocks ** 2).mean(axis=1)
    active = e[10.0 * np.log10(np.maximum(e, 1e-12)) >= 10.0 * np.log10(max(e.max(), 1e-12)) + ACTIVE_THRESHOLD_DB]
    return dbm0_of_rms(float(np.sqrt(active.mean())))


def normalise(x: np.ndarray, target_dbm0: float = TARGET_DBM0, ceiling: int = PEAK_CEILING) -> np.ndarray:
    """``x`` scaled to ``target_dbm0`` active level, or less if a peak would pass ``ceiling``;
    int16 samples."""
    level = active_level_dbm0(x)
    peak = float(np.abs(x.astype(np.float64)).max()) if x.size else 0.0
    if peak == 0 or level == float("-inf"):
        return np.zeros(x.size, np.int16)
    gain = 10.0 ** ((target_dbm0 - level) / 20.0)
    gain = min(gain, ceiling / peak)
    return np.clip(np.rint(x.astype(np.float64) * gain), -ceiling, ceiling).astype(np.int16)


def render(prompt: Prompt, language: str, voice: Voice) -> np.ndarray:
    """The finished samples of one prompt (synthesised, trimmed, normalised)."""
    x = trim_silence(synthesise(prompt.spoken(language), voice))
    if x.size == 0:
        raise BuildError(f"espeak-ng produced only silence for prompt {prompt.name!r} ({language}): "
                         f"{prompt.spoken(language)!r}")
    return normalise(fade_edges(x))


# --------------------------------------------------------------------------- manifest
def prompt_hash(prompt: Prompt, language: str, voice: Voice, engine: str) -> str:
    """What a built file depends on: text, voice, synthesiser version, processing."""
    key = json.dumps([PIPELINE_VERSION, prompt.spoken(language), voice.name, voice.speed, voice.pitch,
                      engine, RATE, TARGET_DBM0, PEAK_CEILING, TRIM_THRESHOLD_DB, TRIM_PAD_MS, FADE_MS],
                     ensure_ascii=False)
    return hashlib.sha256(key.encode()).hexdigest()


def _read_manifest(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data.get("prompts"), dict) else {"prompts": {}}
    except (OSError, ValueError, AttributeError):
        return {"prompts": {}}


def _write_manifest(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".manifest.", suffix=".part", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- build
def build_language(language: str, out_dir: Path, names: Optional[Sequence[str]] = None,
                   force: bool = False, prompts: Mapping[str, Prompt] = PROMPTS,
                   voice: Optional[Voice] = None, jobs: Optional[int] = None) -> LanguageReport:
    """Build ``<out_dir>/<language>/*.wav`` for ``names`` (default: every prompt).

    When every prompt is built, WAVs of prompts gone from the catalogue (and only those
    the manifest lists) are removed.
    """
    if language not in LANGUAGES:
        raise BuildError(f"language {language!r} has no prompts (have: {', '.join(LANGUAGES)})")
    voice = voice or VOICES[language]
    check_voice(language, voice)
    unknown = [n for n in (names or []) if n not in prompts]
    if unknown:
        raise BuildError(f"no prompt named {', '.join(map(repr, unknown))} in the catalogue")
    wanted = list(names) if names else list(prompts)
    engine = espeak_version()
    dest = Path(out_dir) / language
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / "manifest.json"
    manifest = _read_manifest(manifest_path)
    entries: dict = manifest["prompts"]
    report = LanguageReport(language, dest)

    todo = []
    for name in wanted:
        h = prompt_hash(prompts[name], language, voice, engine)
        if not force and entries.get(name, {}).get("hash") == h and (dest / f"{name}.wav").is_file():
            report.skipped.append(name)
        else:
            todo.append((name, h))

    def one(item: tuple[str, str]) -> tuple[str, str]:
        name, h = item
        write_wav(dest / f"{name}.wav", render(prompts[name], language, voice), RATE)
        return name, h

    workers = jobs or min(8, (os.cpu_count() or 1) + 1)
    errors: list[str] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one, item) for item in todo]
        for fut in futures:
            try:
                name, h = fut.result()
            except BuildError as e:
                errors.append(str(e))
                continue
            entries[name] = {"hash": h, "text": prompts[name].text(language)}
            report.built.append(name)
    if not names:
        for name in [n for n in entries if n not in prompts]:
            (dest / f"{name}.wav").unlink(missing_ok=True)
            del entries[name]
            report.removed.append(name)
    manifest.update(language=language, voice=voice.name, engine=engine)
    _write_manifest(manifest_path, manifest)
    if errors:
        raise BuildError(f"{len(errors)} prompt(s) failed in {language}: " + "; ".join(errors))
    return report


def build(out_dir: Optional[Path] = None, languages: Sequence[str] = LANGUAGES,
          names: Optional[Sequence[str]] = None, force: bool = False,
          prompts: Mapping[str, Prompt] = PROMPTS) -> list[LanguageReport]:
    """Build the prompts of every language in ``languages`` under ``out_dir``
    (default :data:`firmware.prompts.library.BUILTIN_DIR`)."""
    out = Path(out_dir) if out_dir is not None else BUILTIN_DIR
    return [build_language(lang, out, names=names, force=force, prompts=prompts) for lang in languages]


def parse_languages(text: str) -> list[str]:
    """``"zh,en"`` -> ``["zh", "en"]``, refusing unknown languages in plain words."""
    langs = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in langs if s not in LANGUAGES]
    if bad or not langs:
        raise ValueError(f"--lang {text!r}: languages are {', '.join(LANGUAGES)} (comma-separated)")
    return langs


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The build options (shared by ``python -m`` and ``hotline prompts build``)."""
    ap.add_argument("--out", type=Path, default=None,
                    help=f"output folder; files go to OUT/<lang>/ (default {BUILTIN_DIR})")
    ap.add_argument("--lang", default=",".join(LANGUAGES), help="languages, comma-separated (default zh,en)")
    ap.add_argument("--force", action="store_true", help="rebuild prompts even when unchanged")
    ap.add_argument("names", nargs="*", help="only these prompts (default: all)")


def run(args: argparse.Namespace) -> int:
    """Build as the parsed options say; print one line per language; exit status."""
    try:
        langs = parse_languages(args.lang)
        reports = build(args.out, langs, names=args.names or None, force=args.force)
    except (BuildError, ValueError) as e:
        print(f"prompts: {e}", file=sys.stderr)
        return 1
    for r in reports:
        extra = f", {len(r.removed)} removed" if r.removed else ""
        print(f"{r.language}: {len(r.built)} built, {len(r.skipped)} unchanged{extra} -> {r.out_dir}")
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m firmware.prompts.build",
                                 description="Generate the built-in voice prompts with espeak-ng.")
    add_arguments(ap)
    return run(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
