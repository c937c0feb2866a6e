"""Stage 1: find the input files and decode them without ever losing or inventing a character."""

from __future__ import annotations

import codecs
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from kg.errors import InputError, NoInputError
from kg.model import Source

MAX_BYTES = 512 * 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def find_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The .txt files under `paths` (sorted, each once) and the paths that could not be used, with why."""
    files: dict[str, Path] = {}
    problems: list[tuple[str, str]] = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            problems.append((str(p), "no such file or directory"))
        elif p.is_dir():
            found = list(_walk_txt(p, problems))
            if not found:
                problems.append((str(p), "folder holds no .txt file"))
            for f in found:
                files.setdefault(os.path.realpath(f), f)
        elif p.is_file():
            files.setdefault(os.path.realpath(p), p)
        else:
            problems.append((str(p), "not a regular file or folder"))
    return sorted(files.values(), key=lambda f: (f.name, str(f))), problems


def _walk_txt(folder: Path, problems: list[tuple[str, str]]):
    seen_dirs: set[str] = set()

    def onerror(err: OSError) -> None:
        problems.append((str(err.filename), f"cannot read folder: {err.strerror}"))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=onerror, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen_dirs:  # a symlink loop
            problems.append((dirpath, "symlink loop skipped"))
            dirnames.clear()
            continue
        seen_dirs.add(real)
        dirnames.sort()
        for name in sorted(filenames):
            if name.lower().endswith(".txt") and not name.startswith("."):
                yield Path(dirpath) / name


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes to text and name the encoding used; InputError if they are not text.

    Order: strict UTF-8 (with or without BOM), a UTF-16/32 BOM, BOM-less UTF-16, strict GB18030,
    then charset-normalizer's best guess. Never errors="ignore": a byte that does not decode
    under a candidate rejects that candidate.
    """
    if not data.strip():
        raise InputError("empty file")
    if data.startswith(b"%PDF"):
        raise InputError("binary file (PDF), not text")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom):].decode(enc), enc)
    try:
        return _checked(data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8")
    except UnicodeDecodeError:
        pass
    utf16 = _bomless_utf16(data)
    if utf16:
        return utf16
    from charset_normalizer import from_bytes

    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        gb = None
    if gb is not None:
        try:
            data.decode("big5")
        except UnicodeDecodeError:
            return _checked(gb, "gb18030")
        # both decode strictly: let the detector choose between the two Chinese encodings
        best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
        if best is not None and best.encoding == "big5":
            return _checked(data.decode("big5"), "big5")
        return _checked(gb, "gb18030")

    best = from_bytes(data).best()
    if best is None:
        raise InputError("binary or undecodable file, not text")
    return _checked(str(best), best.encoding)


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    for zeros, enc in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros > 0.3 * half:
            try:
                return _checked(data.decode(enc), enc)
            except (UnicodeDecodeError, InputError):
                return None
    return None


def _checked(text: str, encoding: str) -> tuple[str, str]:
    """Reject decoded text that is mostly control characters (a binary file); blank out NUL bytes."""
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if sample and controls > 0.1 * len(sample):
        raise InputError("binary file, not text")
    if "\x00" in text:
        text = text.replace("\x00", " ")  # same length: offsets stay true
    if not text.strip():
        raise InputError("empty file")
    return text, encoding


def read_source(path: Path) -> Source:
    """Read and decode one file; InputError (with the reason) if it cannot be used."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"file too large ({size} bytes, limit {MAX_BYTES})")
        data = path.read_bytes()
    except PermissionError as e:
        raise InputError(f"cannot read file: {e.strerror}") from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file") from None
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror}") from None
    text, encoding = decode(data)
    return Source(name=path.name, path=str(path), text=text, encoding=encoding,
                  sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def source_from_text(text: str, name: str = "text.txt") -> Source:
    """A Source for text given in memory (tests, the library API)."""
    data = text.encode("utf-8")
    return Source(name=name, path=name, text=text, encoding="utf-8",
                  sha256=hashlib.sha256(data).hexdigest(), size=len(data))
