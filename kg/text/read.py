"""Stage 1: read the input files (found by kg.text.inputs) to text without losing or inventing a character.

What a file is read as: its suffix in SUFFIX_MEDIA_TYPES (.html/.htm/.shtml, .pdf, .docx; .txt), and
a page whose content is HTML is read as HTML whatever its name (kg.text.sources: web, pdf, word).
The text returned is the text the extractor reads: evidence offsets point into it, and for a format
other than plain text the graph keeps it (kg.rdf.assemble). Reading opens the file without blocking
(a FIFO that slipped through never hangs the build), refuses anything that is not a regular file,
and refuses a file that changed while it was read (its size or mtime before and after differ).

Decoding, in order: strict UTF-8 (with or without BOM), a UTF-32/UTF-16 byte-order mark, BOM-less
UTF-16 (by its NUL pattern), strict GB18030 (GBK and GB2312 are subsets; Big5 is told apart by
charset-normalizer, and Western text that happens to decode as GB18030 is sent to the detector),
then charset-normalizer's best guess. Never errors="ignore" or "replace": a byte that does not
decode under a candidate rejects that candidate. NUL bytes are blanked (same length, so offsets stay
true); text that is mostly control characters is binary. The encoding used (a Python codec name)
goes into the Source and from there into the graph's provenance (smekg:encoding).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from pathlib import Path

from kg.errors import InputError
from kg.model import Source
from kg.text.inputs import DOCX_TYPE, find_inputs, kind, media_type_of, shown, stat_error

__all__ = ["decode", "display_name", "find_inputs", "read_bytes", "read_source", "shown", "source_from_text"]

MAX_BYTES = 512 * 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# binary formats often saved under a .txt name, by their first bytes
_MAGIC = (
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 / legacy Office document"),
    (b"{\\rtf", "RTF document"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\x7fELF", "ELF executable"),
)
_CONTROLS = re.compile(r"[\x01-\x08\x0e-\x1f\x7f]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


# --- decoding -----------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes to text and name the encoding used; InputError if they are not text.

    Order: strict UTF-8 (with or without BOM), a UTF-32/16 BOM, BOM-less UTF-16, strict GB18030,
    then charset-normalizer's best guess. Never errors="ignore": a byte that does not decode
    under a candidate rejects that candidate.
    """
    if not data.strip():
        raise InputError("empty file")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"binary file ({what}), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        # ASCII-range UTF-16 without a BOM is valid UTF-8 too, but one byte in two is a NUL
        utf16 = _bomless_utf16(data) if "\x00" in text[:4096] else None
        return utf16 or _checked(text, "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom):].decode(enc), enc)
            except UnicodeDecodeError as e:
                raise InputError(f"starts with a {enc.upper()} byte-order mark but is not {enc.upper()} "
                                 f"({e.reason} at byte {e.start + len(bom)})") from None
    utf16 = _bomless_utf16(data)
    if utf16:
        return utf16
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        gb = None
    if gb is not None:
        chinese = _chinese_encoding(data, gb)
        if chinese:
            return chinese
    return _detected(data, fallback=(gb, "gb18030") if gb is not None else None)


def _chinese_encoding(data: bytes, gb: str) -> tuple[str, str] | None:
    """GB18030 or Big5 for bytes that decode strictly as GB18030; None if they look like Western text.

    What a GB18030 reading is made of tells the three apart (a sample of the text is enough):
    - simplified Chinese really in GB18030/GBK/GB2312: its non-ASCII characters are GB2312 ones
      (both bytes 0xA1-0xFE), or four-byte sequences for the rare ones;
    - Big5: about half of its characters have a second byte in 0x40-0x7E, read as GBK's rare
      two-byte characters -- decided by charset-normalizer between the two Chinese encodings;
    - a Western 8-bit text (cp1252 "SME’s" reads "SME抯"): Latin letters dominate and most
      non-ASCII characters are such rare pairs (a high byte and the ASCII letter after it).
    """
    from charset_normalizer import from_bytes

    sample = gb[:200_000]
    wide = [ch for ch in sample if ord(ch) > 127]
    common = rare_pairs = 0
    for ch in wide:
        b = ch.encode("gb18030")
        if len(b) == 2:
            if b[1] >= 0xA1 and b[0] >= 0xA1:
                common += 1
            elif 0x40 <= b[1] <= 0x7E:
                rare_pairs += 1
    if wide and rare_pairs > 0.5 * len(wide) and len(_ASCII_LETTER.findall(sample)) > 2 * len(wide):
        return None  # Western text in disguise: let the detector name it
    if not wide or common >= 0.99 * len(wide):
        return _checked(gb, "gb18030")
    try:
        data.decode("big5")
    except UnicodeDecodeError:
        return _checked(gb, "gb18030")
    # both decode strictly: let the detector choose between the two Chinese encodings
    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    if best is not None and _codec_name(best.encoding) == "big5":
        return _checked(data.decode("big5"), "big5")
    return _checked(gb, "gb18030")


def _detected(data: bytes, fallback: tuple[str, str] | None) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        if fallback is not None:
            return _checked(*fallback)
        raise InputError("binary or undecodable file, not text")
    enc = _codec_name(best.encoding)
    try:
        text = data.decode(enc)  # strict, like every other candidate
    except (UnicodeDecodeError, LookupError):
        if fallback is not None:
            return _checked(*fallback)
        raise InputError("binary or undecodable file, not text") from None
    return _checked(text, enc)


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


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
    controls = len(_CONTROLS.findall(sample)) + sample.count("\x00")
    if sample and controls > 0.1 * len(sample):
        raise InputError("binary file, not text")
    if "\x00" in text:
        text = text.replace("\x00", " ")  # same length: offsets stay true
    if not text.strip():
        raise InputError("empty file")
    return text, encoding


# --- reading ------------------------------------------------------------------------------------

def display_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 in the name (surrogate escapes) become U+FFFD."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file; InputError (with the reason) for anything else.

    The file is opened without blocking and checked on the open descriptor, so a FIFO or a device
    named *.txt is refused instead of hanging the build, whatever happened since it was listed. A
    file whose size or modification time differs after the read from before it (rewritten while
    read: a torn copy) is refused with both.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise InputError("is a folder, not a file") from None
    except OSError as e:
        raise InputError(stat_error(Path(path), e)) from None
    with os.fdopen(fd, "rb", buffering=0) as f:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError("is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"not a regular file but {kind(st.st_mode)}")
        if st.st_size > MAX_BYTES:
            raise InputError(f"file too large ({st.st_size} bytes, limit {MAX_BYTES})")
        try:
            data = f.read()  # sized from fstat: one buffer as large as the file, not as the limit
        except OSError as e:
            raise InputError(f"cannot read file: {e.strerror or e}") from None
        _unchanged(st, os.fstat(fd), len(data))
    if len(data) > MAX_BYTES:
        raise InputError(f"file too large (over {MAX_BYTES} bytes)")
    return data


def _unchanged(before: os.stat_result, after: os.stat_result, read: int) -> None:
    """InputError when the file changed while it was read (size or mtime moved, or fewer bytes came)."""
    if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) == (read, before.st_mtime_ns):
        return
    raise InputError(
        f"file changed while it was read (size {before.st_size} -> {after.st_size} bytes, {read} read; "
        f"mtime {_when(before.st_mtime_ns)} -> {_when(after.st_mtime_ns)}): not built from a torn copy")


def _when(ns: int) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(ns / 1e9, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def read_text(path: Path, data: bytes) -> tuple[str, str, str, tuple]:
    """(text, encoding, media type, page-metadata candidates) of a file's bytes, by its kind: the
    suffix of its name, or an HTML page whatever its name. InputError if it cannot be read."""
    media_type = media_type_of(Path(path).name) or "text/plain"
    if media_type == "application/pdf":
        from kg.text.sources.pdf import pdf_text

        return pdf_text(data), "", media_type, ()
    if media_type == DOCX_TYPE:
        from kg.text.sources.word import docx_text

        return docx_text(data), "", media_type, ()
    from kg.text.sources.web import html_text, looks_like_html

    if media_type == "text/html" or looks_like_html(data):
        text, encoding, meta = html_text(data, decode)
        return text, encoding, "text/html", meta
    text, encoding = decode(data)
    return text, encoding, "text/plain", ()


def read_source(path: Path) -> Source:
    """Read one file to text; InputError (with the reason) if it cannot be used."""
    path = Path(path)
    data = read_bytes(path)
    text, encoding, media_type, meta = read_text(path, data)
    return Source(name=display_name(path.name), path=str(path), text=text, encoding=encoding,
                  sha256=hashlib.sha256(data).hexdigest(), size=len(data), media_type=media_type,
                  page_meta=meta)


def source_from_text(text: str, name: str = "text.txt") -> Source:
    """A Source for text given in memory (tests, the library API)."""
    data = text.encode("utf-8")
    return Source(name=name, path=name, text=text, encoding="utf-8",
                  sha256=hashlib.sha256(data).hexdigest(), size=len(data))
