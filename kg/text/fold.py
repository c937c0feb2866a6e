"""The canonical form of single characters and lines (kg.text.normalise builds the canonical text with it).

Owns the character folding: every kind of space to " ", full-width ASCII to ASCII (the Chinese comma,
semicolon, colon and marks kept), Roman numeral characters to letters, format characters (zero-width,
bidi marks, BOM) and soft hyphens deleted; and traditional characters to simplified ones (OpenCC t2s)
where that keeps the length. `fold_char` is the rule; `tables` holds the same mapping as str.translate
tables, which fold a whole line at C speed (a Python call per character was a fifth of extraction).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Full-width forms kept as they are: the Chinese clause and sentence patterns are written with them.
_KEEP_FULLWIDTH = set("，；：！？")
_SPACES = set("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\v\f")
TRADITIONAL_SHARE = 0.01  # a text is read as traditional when t2s changes this share of its CJK characters


def fold_char(ch: str) -> str:
    """The canonical form of one character ("" for a character that carries nothing). Whole lines are
    folded by the tables below (`tables`), which hold the same mapping."""
    o = ord(ch)
    if ch in _SPACES:
        return " "
    if 0xFF01 <= o <= 0xFF5E and ch not in _KEEP_FULLWIDTH:
        return chr(o - 0xFEE0)
    if 0x2160 <= o <= 0x217F:  # Roman numeral characters (Ⅱ, Ⅻ) as the letters numbering is written with
        return unicodedata.normalize("NFKC", ch)
    if ch == "\u00ad" or unicodedata.category(ch) == "Cf":  # soft hyphen, zero-width and bidi marks, BOM
        return ""
    return ch


@dataclass(frozen=True)
class _Tables:
    """`fold_char` as str.translate tables (C speed instead of a Python call per character):
    `fold` maps every character `fold_char` changes; `drop` deletes the ones it deletes (what is left is
    the visible characters); `solid` deletes those and every space; `irregular` deletes each character
    whose canonical form is not one character (deleted or expanded): a line that it shortens is folded
    one character at a time so that offsets follow (a translate finds them 12 x faster than a regex
    class of them: 14 against 177 us for a 500-character line)."""

    fold: dict[int, str | None]
    drop: dict[int, None]
    solid: dict[int, None]
    irregular: dict[int, None]


# The planes that hold format characters (Cf): the Basic and Supplementary Multilingual Planes and
# the Supplementary Special-purpose Plane (tags). The others hold ideographs (2, 3), nothing yet
# (4-13) or private use (15, 16); scanning only these is 8 x faster (0.54 -> 0.07 s a process), and
# tests.test_normalise checks the result against a scan of every code point.
CF_PLANES = (range(0x0000, 0x20000), range(0xE0000, 0xF0000))


def format_characters(planes=CF_PLANES) -> set[str]:
    """Every format character (Unicode category Cf) in `planes`."""
    return {chr(o) for plane in planes for o in plane if unicodedata.category(chr(o)) == "Cf"}


@cache
def tables() -> _Tables:
    candidates = set(_SPACES) | {chr(o) for o in range(0xFF01, 0xFF5F)} | {chr(o) for o in range(0x2160, 0x2180)}
    candidates |= format_characters()
    candidates.add("\u00ad")
    fold: dict[int, str | None] = {}
    for ch in candidates:
        out = fold_char(ch)
        if out != ch:
            fold[ord(ch)] = out or None
    drop = {o: None for o, out in fold.items() if out is None}
    solid = {**drop, **{o: None for o, out in fold.items() if out == " "}, ord(" "): None}
    irregular = {o: None for o, out in fold.items() if out is None or len(out) != 1}
    return _Tables(fold, drop, solid, irregular)


def fold_line(line: str) -> str | None:
    """`line` with every character folded (`fold_char`), when each folds to exactly one character; None
    when some character is deleted or expanded (fold it character by character then)."""
    t = tables()
    if len(line.translate(t.irregular)) != len(line):
        return None
    return line.translate(t.fold)


@cache
def _t2s():
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a dependency; without it traditional text stays as is
        return None
    return opencc.OpenCC("t2s")


def to_simplified(line: str) -> str:
    """`line` in simplified characters, with the same length (a conversion that would change the length
    is made character by character, and a character whose conversion is not one character is kept)."""
    conv = _t2s()
    if conv is None or not _CJK.search(line):
        return line
    out = conv.convert(line)
    if len(out) == len(line):
        return out
    chars = []
    for ch in line:
        c = conv.convert(ch)
        chars.append(c if len(c) == 1 else ch)
    return "".join(chars)


def is_traditional(text: str) -> bool:
    """True when converting to simplified changes a noticeable share of the CJK characters."""
    sample = text[:100_000]
    cjk = len(_CJK.findall(sample))
    if cjk < 4:
        return False
    simplified = to_simplified(sample)
    changed = sum(1 for a, b in zip(sample, simplified, strict=False) if a != b)
    return changed >= max(3, TRADITIONAL_SHARE * cjk)
