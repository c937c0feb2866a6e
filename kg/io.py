"""File helpers every stage needs: atomic writes and the build cache's pickles.

Owns: how kg writes a file so that a reader never sees half of it, and how a cache entry is read
and written. Imports nothing from kg (it is the bottom layer beside errors, model and resources).
"""

from __future__ import annotations

import os
import pickle
import stat
import tempfile
from pathlib import Path


def _keep_mode(fd: int, path: Path) -> None:
    """Give the temporary file the mode of the file it replaces, or the umask's default for a new one."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        mode = 0o666 & ~umask
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def write_atomic(path: Path, data: bytes, sync: bool = True) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        _keep_mode(fd, path)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if sync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_pickle(path: Path | str, kind: type | tuple[type, ...]):
    """The object pickled at `path` if it is a `kind`, else None: a missing, broken or outdated cache
    entry is a miss, never an error. (The cache is local build state: pickles are trusted.)"""
    try:
        with open(path, "rb") as f:
            got = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return got if isinstance(got, kind) else None


def write_pickle(path: Path, obj) -> None:
    """Pickle `obj` to `path` atomically; a cache that cannot be written is not fatal."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), sync=False)
    except (OSError, pickle.PicklingError, RecursionError):
        pass
