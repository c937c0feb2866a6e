"""Finding the input files: which paths are documents to read, and why every other one is not.

Every path given either yields files to read or a reason why it cannot be used (no such path, a
broken symbolic link, a symlink loop, a named pipe, a folder without documents, no permission, a
path too long), so the build can report each input's fate. In a folder, a file is read when its
kind is supported (SUFFIX_MEDIA_TYPES); every other file is listed with its reason: a hidden file or
folder (name starting with '.'), a legacy Word or WPS file, any other kind. A file named on the
command line is read whatever its name (its content decides how: kg.text.read).

Folders are walked with an explicit stack, not by recursion, so any depth of nesting is walked;
a path the system refuses as too long is one problem line with its path.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# what kg reads in a folder, by the name's suffix, and the media type each is read as
SUFFIX_MEDIA_TYPES = {
    ".txt": "text/plain",
    ".html": "text/html", ".htm": "text/html", ".shtml": "text/html", ".xhtml": "text/html",
    ".pdf": "application/pdf",
    ".docx": DOCX_TYPE,
}
# kinds a user may expect to be read, and what to do instead
NOT_READ = {
    ".doc": "legacy Word document (.doc) is not read: save it as .docx or PDF",
    ".wps": "WPS Writer document (.wps) is not read: save it as .docx or PDF",
    ".rtf": "RTF document is not read: save it as .docx, PDF or text",
    ".odt": "OpenDocument text (.odt) is not read: save it as .docx or PDF",
    ".docm": "macro-enabled Word document (.docm) is not read: save it as .docx",
}
READ_KINDS = ".txt, .html/.htm/.shtml, .pdf, .docx"
_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def shown(name: str) -> str:
    """A file name or path as one line of printable text: control characters escaped (a newline
    in a name shows as \\n, a backslash as \\\\), bytes that are not UTF-8 as U+FFFD."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if not any(ord(ch) < 32 or ch in "\\\x7f\x85\u2028\u2029" for ch in text):
        return text
    out = []
    for ch in text:
        if ch in _CONTROL_ESCAPES:
            out.append(_CONTROL_ESCAPES[ch])
        elif ord(ch) < 32 or ch in "\x7f\x85\u2028\u2029":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def media_type_of(name: str) -> str | None:
    """The media type a file of this name is read as in a folder, or None."""
    return SUFFIX_MEDIA_TYPES.get(os.path.splitext(name)[1].lower())


def find_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The documents under `paths` (sorted, each once) and the paths not used, each with why."""
    files: dict[str, Path] = {}
    problems: list[tuple[str, str]] = []
    for p in paths:
        p = Path(p)
        why = unusable(p)
        if why:
            problems.append((str(p), why))
        elif p.is_dir():
            found, skipped = [], len(problems)
            for f in walk(p, problems):
                found.append(f)
            if not found and len(problems) == skipped:
                problems.append((str(p), f"folder holds no .txt file nor other document ({READ_KINDS})"))
            for f in found:
                files.setdefault(os.path.realpath(f), f)
        else:
            files.setdefault(os.path.realpath(p), p)
    return sorted(files.values(), key=lambda f: (f.name, str(f))), problems


def unusable(p: Path) -> str | None:
    """Why `p` (given or found) cannot be used as a file or folder of inputs, or None if it can."""
    try:
        st = os.stat(p)
    except OSError as e:
        return stat_error(p, e)
    if stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode):
        return None
    return f"not a regular file but {kind(st.st_mode)}"


def stat_error(p: Path, e: OSError) -> str:
    """The reason for an OSError met while looking at or opening `p`, as one line."""
    if e.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    if e.errno == errno.ENAMETOOLONG:
        return f"path too long for the system ({len(os.fsencode(p))} bytes, folders nested too deep)"
    if e.errno in (errno.ENOENT, errno.ENOTDIR):
        if os.path.islink(p):
            return f"broken symbolic link (target {shown(os.readlink(p))!r} does not exist)"
        return "no such file or directory"
    if e.errno == errno.EACCES:
        return "permission denied"
    return f"cannot read: {e.strerror or e}"


def kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "neither a file nor a folder"


def walk(folder: Path, problems: list[tuple[str, str]]):
    """The documents under `folder` in sorted order, following symbolic links but never around a
    loop; every entry not read goes into `problems` with its reason. Iterative: a stack of folders,
    each with the chain of its ancestors' (device, inode) to tell a loop from a second way in."""
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[str, tuple | None]] = [(str(folder), None)]
    while stack:
        dirpath, parents = stack.pop()
        try:
            st = os.stat(dirpath)
        except OSError as e:
            problems.append((dirpath, stat_error(Path(dirpath), e)))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            # a link back to a folder above it is a loop (reported); a second way into a folder
            # already read is not (its files are read once, silently)
            if _among(key, parents):
                problems.append((dirpath, "symlink loop (folder links back to itself), not followed"))
            continue
        seen.add(key)
        chain = (key, parents)
        try:
            with os.scandir(dirpath) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            problems.append((dirpath, f"cannot read folder: {stat_error(Path(dirpath), e)}"))
            continue
        subdirs = []
        for entry in entries:
            path = os.path.join(dirpath, entry.name)
            is_dir = _is_dir(entry)
            if entry.name.startswith("."):
                problems.append((path, f"hidden {'folder' if is_dir else 'file'} (name starts with '.'), not read"))
            elif is_dir:
                subdirs.append((path, chain))
            else:
                found = _file_fate(Path(path), problems)
                if found is not None:
                    yield found
        stack.extend(reversed(subdirs))  # depth first, in name order


def _among(key: tuple[int, int], chain: tuple | None) -> bool:
    while chain is not None:
        if chain[0] == key:
            return True
        chain = chain[1]
    return False


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=True)
    except OSError:
        return False


def _file_fate(f: Path, problems: list[tuple[str, str]]) -> Path | None:
    """`f` if it is a document to read; else its reason is added to `problems`."""
    why = unusable(f)
    if why:
        problems.append((str(f), why))
        return None
    if media_type_of(f.name):
        return f
    suffix = os.path.splitext(f.name)[1].lower()
    problems.append((str(f), NOT_READ.get(suffix)
                     or f"not a kind kg reads ({suffix or 'no extension'}); it reads {READ_KINDS}"))
    return None
