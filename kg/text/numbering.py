"""Numbering styles of policy texts in English and Chinese: recognise a marker, read its number.

Styles in one group share a level: a translator renders 一、 as "I." or as "first,".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.text.numerals import CN_DIGIT_VALUES, cn_value

CN_DIGITS = "零〇一二三四五六七八九十百两"
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
            "eleventh", "twelfth"]
_CN = f"[{CN_DIGITS}]{{1,4}}"
_ROM = r"(?:X{0,3})(?:IX|IV|V?I{0,3})|(?:x{0,3})(?:ix|iv|v?i{0,3})"

# (style, group, regex): matched at the start of a unit (after optional spaces)
STYLES: list[tuple[str, str, re.Pattern]] = [
    ("zh-chapter", "chapter", re.compile(rf"第(?P<n>{_CN}|\d{{1,3}})章\s*")),
    ("zh-section", "zh-section", re.compile(rf"第(?P<n>{_CN}|\d{{1,3}})节\s*")),
    ("zh-article", "article", re.compile(rf"第(?P<n>{_CN}|\d{{1,4}})条\s*")),
    ("zh-num", "top", re.compile(rf"(?P<n>{_CN})\s*[、，,．.]\s*")),
    ("zh-paren-num", "paren-cn", re.compile(rf"[（(]\s*(?P<n>{_CN})\s*[）)]\s*")),
    ("en-chapter", "chapter", re.compile(r"(?i:chapter)\s+(?P<n>[IVXLC]+|\d{1,3}|[A-Z][a-z]+)\b[.:：]?\s*")),
    ("en-article", "article", re.compile(r"(?i:article)\s+(?P<n>\d{1,4}|[IVXLC]+)\b[.:：]?\s*")),
    ("roman", "top", re.compile(rf"(?P<n>{_ROM})\s*[.．、]\s+")),
    ("ordinal", "top", re.compile(r"(?P<n>(?i:" + "|".join(ORDINALS) + r"))\s*[,，:：]\s*")),
    ("paren-roman", "paren-roman", re.compile(rf"[（(](?P<n>{_ROM})[）)]\s*")),
    ("paren-arabic", "paren-arabic", re.compile(r"[（(]\s*(?P<n>\d{1,3})\s*[）)]\s*")),
    ("arabic", "arabic", re.compile(r"(?P<n>\d{1,3})\s*[.．、](?!\d)\s*")),
    ("arabic-paren", "arabic-paren", re.compile(r"(?P<n>\d{1,3})[)）]\s*")),
    ("arabic-space", "arabic", re.compile(r"(?P<n>\d{1,3})\s+(?=[A-Z])")),
    ("paren-alpha", "paren-alpha", re.compile(r"[（(](?P<n>[a-h])[）)]\s*")),
]

# Styles that are a marker only when they open a line: inside a paragraph "First, … Second, …" (the
# translation of 一是…二是…) or "… in 2020. 15 Enterprises" enumerate within one measure.
LINE_START_ONLY = frozenset({"ordinal", "arabic-space"})

# The fixed levels of laws and regulations: a chapter holds sections (节), a section holds articles,
# whatever came before (a chapter after an article closes the article). Other groups rank below them.
GROUP_RANK = {"annex": -1, "chapter": 0, "zh-section": 1, "article": 2}
FREE_RANK = 3
# Groups that are measures whatever they hold (an article's items belong to the article) and groups
# that are sections whenever they hold numbered children.
MEASURE_GROUPS = frozenset({"article"})
SECTION_GROUPS = frozenset({"annex", "chapter", "zh-section"})

# A line that is only "附件" / "附件2：" / "Annex 1" / "Attachment" opens an annex: a top-level part of its
# own whose numbering starts afresh (its "一、" is not a repeat of the body's).
ANNEX_LINE = re.compile(r"(?:附件|附表|(?i:annex|attachment|appendix))\s*(?:\d{1,2}|[一二三四五六七八九十])?\s*[:：]?")

STYLE_GROUP = {style: group for style, group, _ in STYLES} | {"annex": "annex"}

# Inline markers in run-on Chinese text (a web copy that lost its line breaks): a section number
# 一、 or (一) after a sentence end, or an arabic 1. glued to the end of a heading.
INLINE_ZH = re.compile(
    rf"(?:(?<=[。；;：:！？!?\n])|(?<=^))\s*(?=(?:{_CN}、|[（(]{_CN}[）)]|第{_CN}[章条节]))"
    rf"|(?<=[\u4e00-\u9fff。；：！？”）])(?=\d{{1,2}}[.．](?=[\u4e00-\u9fff“\"《（]))"
)


@dataclass(frozen=True)
class Marker:
    style: str
    group: str
    n: int
    printed: str
    end: int  # offset just after the marker, relative to the unit text


def to_int(token: str) -> int | None:
    """The value of an arabic, Roman, Chinese or English-ordinal number (None if not a number)."""
    t = token.strip()
    if t.isdigit():
        return int(t)
    low = t.lower()
    if low in ORDINALS:
        return ORDINALS.index(low) + 1
    if low and all(ch in _ROMAN for ch in low):
        total, prev = 0, 0
        for ch in reversed(low):
            v = _ROMAN[ch]
            total = total - v if v < prev else total + v
            prev = max(prev, v)
        return total or None
    if t and all(ch in CN_DIGIT_VALUES or ch in "十百" for ch in t):
        return int(cn_value(t))
    if len(t) == 1 and "a" <= low <= "z":
        return ord(low) - ord("a") + 1
    return None


def match_marker(text: str, lang: str) -> Marker | None:
    """The numbering marker at the start of `text`, if any."""
    stripped = text.lstrip()
    lead = len(text) - len(stripped)
    if not stripped:
        return None
    for style, group, rx in STYLES:
        if lang == "zh" and style.startswith("en-"):
            continue
        m = rx.match(stripped)
        if not m:
            continue
        n = to_int(m.group("n"))
        if n is None or n < 1 or n > 500:
            continue
        rest = stripped[m.end():]
        if not rest.strip():
            continue  # a bare number is not a heading
        if style in ("roman", "arabic-space") and not re.match(r"[A-Za-z\"“'‘(]", rest):
            continue
        return Marker(style=style, group=group, n=n, printed=m.group(0).strip(), end=lead + m.end())
    return None
