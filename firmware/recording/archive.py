"""Export of recordings: a zip with the WAV files and an ``index.csv`` of their rows.

CSV columns (:data:`CSV_COLUMNS`), one line per recording, times in the box's time zone
``YYYY-MM-DD HH:MM:SS``; the ``file`` column is the name inside the zip.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import zipfile
from pathlib import Path
from typing import Any, Iterable, Optional

from firmware.config.timezone import local

CSV_COLUMNS = ("id", "uniqueid", "linkedid", "file", "start", "end", "duration_s", "caller", "callee",
               "agent", "queue", "direction", "trunk", "format", "channels", "state")


def _local(ts: Any, zone: Optional[_dt.tzinfo]) -> str:
    if not ts:
        return ""
    return local(_dt.datetime.fromisoformat(ts), zone).strftime("%Y-%m-%d %H:%M:%S")


def write_zip(dest: Path, rows: Iterable[dict[str, Any]], recordings_dir: Path,
              zone: Optional[_dt.tzinfo] = None) -> dict[str, Any]:
    """Write ``dest`` (a zip) with the files of ``rows`` and ``index.csv`` (times in
    ``zone``, None: the system's); files that are missing on disk are listed with an empty ``file``. Returns {path, files, missing}."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    files = missing = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for r in rows:
            src = recordings_dir / r["path"]
            name = f"{r['id']}-{Path(r['path']).name}"
            if src.exists():
                z.write(src, name)
                files += 1
            else:
                name = ""
                missing += 1
            vals = {**r, "file": name, "start": _local(r["start"], zone), "end": _local(r.get("end"), zone)}
            w.writerow([vals.get(c, "") for c in CSV_COLUMNS])
        z.writestr("index.csv", buf.getvalue())
    tmp.replace(dest)
    return {"path": str(dest), "files": files, "missing": missing}
