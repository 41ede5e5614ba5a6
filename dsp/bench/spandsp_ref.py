"""The spandsp reference for the benchmarks: a small cffi shim, built on first use.

Only the benchmarks use this.  Each bench module passes C declarations and a few
lines of C that loop over a buffer calling spandsp (so that cffi call overhead
is paid once per block, as our own functions pay it), and gets back the compiled
``lib`` — or ``None`` with a reason when libspandsp-dev is not installed.

Debian's libspandsp 0.0.6 is the reference; the shim includes ``<spandsp.h>``
and links ``-lspandsp``.  Builds are cached under ``$XDG_CACHE_HOME/hotline``
keyed by a hash of the source.
"""
from __future__ import annotations

import glob
import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from typing import Optional

_loaded: dict[str, object] = {}
unavailable_reason: Optional[str] = None


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "hotline", "spandsp-shim")
    os.makedirs(path, exist_ok=True)
    return path


def load(name: str, cdef: str, source: str) -> Optional[object]:
    """Compile (once) and import a shim module; return its ``lib`` or ``None``.

    ``cdef`` declares the shim's own functions (cffi syntax); ``source`` is the
    C code defining them (``#include <spandsp.h>`` is prepended).
    """
    global unavailable_reason
    if not (glob.glob("/usr/include/spandsp.h") or glob.glob("/usr/include/*/spandsp.h")):
        unavailable_reason = "libspandsp-dev not installed"
        return None
    digest = hashlib.sha1((cdef + source).encode()).hexdigest()[:12]
    modname = f"_hotline_spandsp_{name}_{digest}"
    if modname in _loaded:
        return _loaded[modname]
    out = cache_dir()
    so = [f for f in os.listdir(out) if f.startswith(modname) and f.endswith(".so")]
    if not so:
        try:
            import cffi
        except ImportError:
            unavailable_reason = "cffi not installed"
            return None
        ffi = cffi.FFI()
        ffi.cdef(cdef)
        ffi.set_source(modname,
                       "#include <stdint.h>\n#include <stdlib.h>\n#include <string.h>\n"
                       "#include <spandsp.h>\n" + source,
                       libraries=["spandsp"], extra_compile_args=["-O2", "-w"])
        # Build in a private folder and rename into the cache: several test workers
        # may ask for the same shim at once.
        work = tempfile.mkdtemp(prefix=modname + ".", dir=out)
        try:
            built = ffi.compile(tmpdir=work, verbose=False)
            final = os.path.join(out, os.path.basename(built))
            os.replace(built, final)
        except Exception as exc:  # compiler missing, header mismatch
            unavailable_reason = f"spandsp shim did not build: {exc}"
            return None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        so = [os.path.basename(final)]
    spec = importlib.util.spec_from_file_location(modname, os.path.join(out, so[0]))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    spec.loader.exec_module(mod)
    _loaded[modname] = mod.lib
    return mod.lib


def ffi_of(lib: object):
    """The ``ffi`` object of a loaded shim (for buffers: ``ffi.from_buffer``)."""
    return sys.modules[[k for k, v in _loaded.items() if v is lib][0]].ffi
