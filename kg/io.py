"""File helpers every stage needs: atomic writes and the build cache's pickles.

Owns: how kg writes a file so that a reader never sees half of it, advisory locks (one writer per
output, readers that see the old pair of files or the new pair), and how a cache entry is read and
written. Imports nothing from kg (it is the bottom layer beside errors, model and resources).
"""

from __future__ import annotations

import os
import pickle
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no advisory locks
    fcntl = None  # type: ignore[assignment]


class Locked(OSError):
    """The lock is held by another process and the caller would not wait."""


@contextmanager
def file_lock(path: Path, shared: bool = False, wait: bool = True,
              on_wait: Callable[[], None] | None = None, remove: bool = False) -> Iterator[bool]:
    """Hold an advisory lock (fcntl.flock) on `path`, created if missing, for the `with` block; yields
    whether it is held (False where locks or the file are unavailable, e.g. a read-only folder for a
    reader). Another holder: call `on_wait` and wait, or raise Locked when not `wait`. The lock goes
    with the process: a killed holder releases it. `remove`: delete the lock file when done (a waiter
    that then holds a deleted file sees it and locks the new one)."""
    if fcntl is None:
        yield False
        return
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    told = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            if not shared:
                raise
            yield False
            return
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                os.close(fd)
                raise Locked(f"{path} is locked by another process") from None
            if on_wait is not None and not told:
                on_wait()
                told = True
            fcntl.flock(fd, mode)
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except OSError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file we waited on: lock the current one
    try:
        yield True
    finally:
        if remove:
            try:
                os.unlink(path)
            except OSError:
                pass
        os.close(fd)  # releases the lock


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporary files write_atomic left beside `path` when a process was killed mid-write
    (call it while holding the output's writer lock: no live writer owns them then)."""
    gone = []
    for p in Path(path).parent.glob(f".{Path(path).name}.*.tmp"):
        try:
            p.unlink()
            gone.append(p)
        except OSError:
            pass
    return gone


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
    tmp = write_staged(path, data, sync)
    try:
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise


def write_staged(path: Path, data: bytes, sync: bool = True) -> Path:
    """Write `data` to a temporary file beside `path` (`.NAME.*.tmp`, with the mode `path` has) and
    return it, for the caller to rename onto `path` when it is time."""
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
    except BaseException:
        _discard(tmp)
        raise
    return Path(tmp)


_syncing: dict[str, tuple[threading.Thread, list[OSError]]] = {}  # staged file -> its fsync, running


def sync_later(path: Path) -> None:
    """Start flushing a staged file to disk in a thread (os.fsync releases the GIL), so that the caller
    goes on meanwhile (a build updates its store); `durable(path)` waits for it before the rename."""
    errors: list[OSError] = []

    def run():
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            errors.append(e)

    t = threading.Thread(target=run, name="kg-fsync", daemon=True)
    _syncing[os.path.abspath(path)] = (t, errors)
    t.start()


def durable(path: Path) -> None:
    """Wait for the flush `sync_later` started on `path`, if any (raises its OSError)."""
    got = _syncing.pop(os.path.abspath(path), None)
    if got is not None:
        got[0].join()
        if got[1]:
            raise got[1][0]


def _discard(tmp: str | Path) -> None:
    """Remove a temporary file that will not be renamed into place (gone already: nothing to do)."""
    try:
        os.unlink(tmp)
    except OSError:
        pass


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
