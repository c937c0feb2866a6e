"""One canonical text for every copy of a document, with every offset kept.

Real copies of one policy differ in ways that carry no meaning: CRLF line ends, paragraphs indented
with spaces, tabs or ideographic spaces, no-break and zero-width spaces, soft hyphens, full-width
digits and letters, lines hard-wrapped by a PDF with page numbers between pages, traditional
characters. `normalise` turns the decoded text into one canonical text that every later stage reads
(cleaning, matching, metadata, segmentation), and keeps, piece by piece, which span of the decoded
text each canonical character came from, so that every offset the graph publishes still points into
the text as read (`Normalised.to_raw`).

What changes, and how offsets follow:
- deleted (offsets skip them): carriage returns, zero-width and other format characters, soft
  hyphens, blank lines, a line's leading and trailing white space; in a hard-wrapped text, page-number
  lines and the spam or page-chrome lines a mirror put between two lines of a paragraph; the
  letter-spacing a PDF puts between Chinese characters;
- replaced one for one (offsets unchanged): every kind of space by " ", full-width ASCII by ASCII
  (the Chinese comma, semicolon, colon and marks are kept: the patterns are written with them),
  traditional characters by simplified ones (OpenCC t2s, used only where it keeps the length);
- expanded: a Roman numeral character (Ⅱ) by its letters (II), mapped back as a whole;
- joined: a hard-wrapped line break inside a paragraph becomes nothing in Chinese, a space in English.
  A fixed-width wrap is recognised by most lines filling one band under the longest usual line; a
  Chinese PDF text laid out in short justified lines by a softer rule (a line that fills most of the
  width and ends inside a sentence goes on).

Owns: the canonical text and the offset map (the folding of single characters is kg.text.fold's). No other
stage re-normalises text on its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from kg.text.fold import fold_char, fold_line, is_traditional, tables, to_simplified

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}"
    r"|page\s+\d{1,4}(?:\s+of\s+\d{1,4})?)$", re.I)
_BARE_NUMBER = re.compile(r"^\d{1,4}$")
_FIELD = re.compile(r"^(?:[A-Z][A-Za-z .]{1,24}|标题|题目|发文机关|发布机关|发文字号|文号|成文日期|发文日期|发布日期|"
                    r"公布日期|施行日期|来源|索引号|主题分类|时效性)\s*[:：]")
# what ends a clause before a numbered item on the next line; a closing bracket too: Chinese plans close an item
# with its lead department, "(牵头单位：省税务局)"
_CLAUSE_END = set(".;:!?。；：！？”\")）】")
_SENTENCE_END_ZH = set("。！？；：")
_SPACED_CJK = re.compile(r"[\u3400-\u9fff\uff10-\uff19] (?=[\u3400-\u9fff\uff10-\uff19])")


@dataclass(frozen=True)
class Normalised:
    """The canonical text and how to find each of its spans in the raw (decoded) text.

    `_runs` are (canon_start, canon_len, raw_start, raw_len), sorted; within a run of equal lengths a
    canonical offset maps one for one; a run of unequal lengths (an expansion) maps as a whole.
    """

    text: str
    raw: str
    _runs: tuple[tuple[int, int, int, int], ...]
    traditional: bool = False
    hard_wrapped: bool = False

    def _raw_start(self, pos: int) -> int:
        if not self._runs:
            return pos
        i = max(0, bisect_right(self._starts, pos) - 1)
        cs, cl, rs, rl = self._runs[i]
        if pos >= cs + cl:
            return rs + rl
        return rs + (pos - cs) if cl == rl else rs

    def _raw_end(self, pos: int) -> int:
        """The raw offset just after canonical character pos - 1."""
        if pos <= 0 or not self._runs:
            return pos
        i = max(0, bisect_right(self._starts, pos - 1) - 1)
        cs, cl, rs, rl = self._runs[i]
        if pos - 1 >= cs + cl:
            return rs + rl
        return rs + (pos - cs) if cl == rl else rs + rl

    @property
    def _starts(self) -> list[int]:
        starts = self.__dict__.get("_starts_cache")
        if starts is None:
            starts = [r[0] for r in self._runs]
            object.__setattr__(self, "_starts_cache", starts)
        return starts

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """The raw span of the canonical span [start, end)."""
        if end <= start:
            r = self._raw_start(start)
            return r, r
        return self._raw_start(start), self._raw_end(end)

    def raw_text(self, start: int, end: int) -> str:
        a, b = self.to_raw(start, end)
        return self.raw[a:b]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_starts_cache", None)
        return state

    def __setstate__(self, state):
        for k, v in state.items():
            object.__setattr__(self, k, v)


class _Builder:
    """Collects canonical pieces with the raw span each came from, merging one-for-one runs."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.runs: list[list[int]] = []
        self.pos = 0

    def add(self, canon: str, raw_start: int, raw_len: int) -> None:
        if not canon:
            return
        n = len(canon)
        last = self.runs[-1] if self.runs else None
        if (n == raw_len and last is not None and last[1] == last[3]
                and last[0] + last[1] == self.pos and last[2] + last[3] == raw_start):
            last[1] += n
            last[3] += n
        else:
            self.runs.append([self.pos, n, raw_start, raw_len])
        self.parts.append(canon)
        self.pos += n


def _lines(raw: str) -> list[tuple[int, int, int]]:
    """(start, end of content, end with the line break) of each line."""
    out = []
    for m in _LINE.finditer(raw):
        if m.start() == m.end():
            break
        body = m.group(0).rstrip("\r\n")
        out.append((m.start(), m.start() + len(body), m.end()))
    return out


def _content(raw: str, s: int, e: int) -> tuple[int, int]:
    """The line's span without leading and trailing white space or invisible characters."""
    while s < e and (raw[s].isspace() or fold_char(raw[s]) in ("", " ")):
        s += 1
    while e > s and (raw[e - 1].isspace() or fold_char(raw[e - 1]) in ("", " ")):
        e -= 1
    return s, e


def _visible_len(raw: str, s: int, e: int) -> int:
    """Characters of raw[s:e] that `_fold` keeps."""
    return len(raw[s:e].translate(tables().drop))


def _line_width(raw: str, s: int, e: int) -> int:
    """The width of the line whose content is raw[s:e], its indentation included (a wrapper counts it)."""
    return _visible_len(raw, max(raw.rfind("\n", 0, s), raw.rfind("\r", 0, s)) + 1, e)


def _wrap_width(lengths: list[int]) -> int | None:
    """The width a PDF wrapped the text at, or None when the text is not hard-wrapped: most lines of some
    length fill the same band just under the longest usual line."""
    longish = sorted(n for n in lengths if n >= 12)
    if len(longish) < 8:
        return None
    width = longish[int(0.9 * (len(longish) - 1))]
    if width > 200:
        return None
    band = sum(1 for n in longish if 0.8 * width <= n <= width)
    over = sum(1 for n in longish if n > width * 1.1)
    return width if band >= 0.45 * len(longish) and over <= 0.02 * len(longish) else None


def normalise(raw: str) -> Normalised:
    """The canonical text of `raw` (see the module docstring) with its offset map."""
    traditional = is_traditional(raw)
    zh = len(_CJK.findall(raw[:20_000])) > 0.2 * len(raw[:20_000].strip() or "x")
    spans = [_content(raw, s, e) for s, e, _ in _lines(raw)]
    widths = [_line_width(raw, s, e) for s, e in spans if e > s]
    width = _wrap_width(widths)
    soft = _soft_width_zh(raw, spans) if zh and width is None else None
    keep = _lines_kept(raw, spans, width or soft, zh)
    b = _Builder()
    prev: tuple[int, int] | None = None  # the last non-blank line written
    page_break = False  # a page-number line was dropped since prev
    for (s, e), kept in zip(spans, keep, strict=True):
        if e <= s:
            continue
        if not kept:
            page_break = True
            continue
        if prev is not None:
            blank = _blank_between(raw, prev[1], s)
            if width is not None and (page_break or not blank) and _continues(raw, prev, (s, e), width, zh):
                b.add("" if zh else " ", prev[1], 0)
            elif soft is not None and _continues_soft(raw, prev, (s, e), soft):
                b.add("", prev[1], 0)
            else:
                b.add("\n", prev[1], 0)
        line = to_simplified(raw[s:e]) if traditional else raw[s:e]
        spaced = zh and _letter_spaced(line)  # by a PDF's justification, not words set apart
        folded = None if spaced else fold_line(line)
        if folded is not None:  # one character for one: the line is one run of the offset map
            b.add(folded, s, len(line))
            prev, page_break = (s, e), False
            continue
        for i, ch in enumerate(line):
            if spaced and ch == " " and _SPACED_CJK.match(line, i - 1 if i else 0) and i:
                continue
            b.add(fold_char(ch), s + i, 1)
        prev, page_break = (s, e), False
    return Normalised("".join(b.parts), raw, tuple(tuple(r) for r in b.runs), traditional,
                      width is not None or soft is not None)


def _letter_spaced(line: str) -> bool:
    """Chinese characters set apart one by one ("龙 头 企 业"), not names separated by a space
    ("财政部 税务总局"): three or more such gaps, between at least a third of the line's characters."""
    gaps = len(_SPACED_CJK.findall(line))
    return gaps >= 3 and gaps >= 0.3 * len(_CJK.findall(line))


def _solid_len(raw: str, s: int, e: int) -> int:
    """Characters of a line that are not spaces (a PDF's justification spaces do not fill a line)."""
    return len(raw[s:e].translate(tables().solid))


def _soft_width_zh(raw: str, spans: list[tuple[int, int]]) -> int | None:
    """The line width of a Chinese text laid out by a PDF (short lines of about one width, justified with
    spaces, some over it), or None for a text whose lines are paragraphs."""
    longish = sorted(n for n in (_solid_len(raw, s, e) for s, e in spans if e > s) if n >= 12)
    if len(longish) < 8:
        return None
    width = longish[int(0.9 * (len(longish) - 1))]
    band = sum(1 for n in longish if 0.7 * width <= n <= 1.3 * width)
    return width if width <= 60 and band >= 0.5 * len(longish) else None


def _continues_soft(raw: str, prev: tuple[int, int], nxt: tuple[int, int], width: int) -> bool:
    """In a Chinese text laid out in short lines: a line that fills most of the width and ends inside a
    sentence goes on in the next line, unless that line opens a numbered item or a field."""
    from kg.text.numbering import match_marker

    if _solid_len(raw, prev[0], prev[1]) < 0.7 * width or raw[prev[1] - 1] in _SENTENCE_END_ZH:
        return False
    line = raw[nxt[0]:nxt[1]]
    return not (_FIELD.match(line) or match_marker(line, "zh") is not None or _set_aside(line, "zh")
                or _set_aside(raw[prev[0]:prev[1]], "zh"))


def _spam(line: str, zh: bool) -> bool:
    from kg.text.clean import is_spam_line

    return is_spam_line(line, "zh" if zh else "en")


def _set_aside(line: str, lang: str) -> bool:
    """A line the cleaning stage sets aside (page chrome, injected spam): never joined to a paragraph."""
    from kg.text.clean import is_chrome, is_spam_line

    return is_chrome(line) or is_spam_line(line, lang)


def _lines_kept(raw: str, spans: list[tuple[int, int]], width: int | None, zh: bool) -> list[bool]:
    """Which lines to keep: in a hard-wrapped text, page-number lines ("- 3 -", "第3页", "Page 3 of 9"),
    page chrome and injected spam go (the cleaning stage would set them aside, but between two lines of a
    paragraph they would also cut it), and so does a bare number after a full line (a page break)."""
    keep = [True] * len(spans)
    if width is None:
        return keep
    prev = None
    for i, (s, e) in enumerate(spans):
        if e <= s:
            continue
        line = raw[s:e].strip()
        own_line = _line_width(raw, s, e) < 0.7 * width  # not a piece of a longer line the wrapper cut
        if (_PAGE_NUMBER.match(line) or _spam(line, zh) or (own_line and _set_aside(line, "zh" if zh else "en"))
                or (_BARE_NUMBER.match(line) and prev is not None and _full(raw, prev, (s, e), width, zh))):
            keep[i] = False  # a page break, or chrome / spam a mirror put between two lines of one paragraph
            continue
        prev = (s, e)
    return keep


def _full(raw: str, prev: tuple[int, int], nxt: tuple[int, int], width: int, zh: bool) -> bool:
    """Is the line `prev` filled up to the wrap width (so that a break after it is the wrapper's)?"""
    n = _line_width(raw, prev[0], prev[1])
    if zh:
        return n >= width - 3
    return n + 1 + len(raw[nxt[0]:nxt[1]].split(" ", 1)[0]) > width


def _blank_between(raw: str, a: int, b: int) -> bool:
    """True when a blank line (or a removed page-number line) separates two lines."""
    return raw.count("\n", a, b) + (raw.count("\r", a, b) if "\n" not in raw[a:b] else 0) >= 2


def _continues(raw: str, prev: tuple[int, int], nxt: tuple[int, int], width: int, zh: bool) -> bool:
    """In a hard-wrapped text: does the line `nxt` continue the paragraph of line `prev`? Yes when `prev`
    is full, unless `nxt` opens a field ("TITLE:", "发文机关：") or a numbered item after a finished clause."""
    from kg.text.numbering import match_marker

    if not _full(raw, prev, nxt, width, zh):
        return False
    line = raw[nxt[0]:nxt[1]]
    if _FIELD.match(line) or _set_aside(line, "zh" if zh else "en"):
        return False
    ended = raw[prev[1] - 1] in _CLAUSE_END
    return not (ended and match_marker(line, "zh" if zh else "en") is not None)
