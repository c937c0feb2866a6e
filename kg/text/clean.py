"""Stage 2: split a source into sentence-sized units and set aside web chrome, spam and repeats.

Nothing is rewritten: a unit is a span of the decoded text, so every later offset points into the
source as read. Units set aside keep their span and a kind (chrome, spam, duplicate).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from kg.model import Unit
from kg.text.numbering import INLINE_ZH, match_marker

MAX_UNIT = 4000
_NON_WORD = re.compile(r"[\W_]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_ZH_END = re.compile(r"(?<=[。！？!?；;：])")
_EN_END = re.compile(r"(?<=[.!?])[\"”']?\s+(?=\S)")
_ABBREV = {"no", "art", "e.g", "i.e", "mr", "ms", "dr", "st", "vs", "fig", "para", "nos", "co", "ltd", "inc", "jan",
           "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "p.r.c"}


@cache
def cleanup_patterns() -> dict[str, list[re.Pattern]]:
    """The patterns of kg/patterns/cleanup.json; chrome lines are also joined into one alternation (any_chrome)."""
    data = json.loads(resources.files("kg.patterns").joinpath("cleanup.json").read_text(encoding="utf-8"))
    pats = {k: [re.compile(p, re.I) for p in v] for k, v in data.items() if not k.startswith("_")}
    pats["any_chrome"] = [re.compile("|".join(f"(?:{p})" for p in data["chrome_line"]), re.I)]
    pats["any_spam"] = [re.compile("|".join(f"(?:{p})" for p in data["spam"]), re.I)]
    return pats


def detect_language(text: str) -> str:
    """'zh' when CJK characters make up a fifth of the letters, else 'en'."""
    sample = text[:200_000]
    cjk = len(_CJK.findall(sample))
    latin = len(_LATIN.findall(sample))
    return "zh" if cjk and cjk >= 0.2 * (cjk + latin / 5) else "en"


def norm_key(text: str) -> str:
    """A comparison key: NFKC, lower case, letters, digits and CJK only."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


@dataclass
class Cleaned:
    units: list[Unit]  # every unit, in order, with its kind
    publisher: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def kept(self) -> list[Unit]:
        return [u for u in self.units if u.kind == "text"]


def lines(text: str):
    """(start, end) of each non-blank line, stripped of surrounding white space."""
    for m in re.finditer(r"[^\r\n]+", text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            yield s, e


def split_sentences(text: str, start: int, end: int, lang: str) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end] (absolute offsets)."""
    seg = text[start:end]
    cuts = {0, len(seg)}
    if lang == "zh" or _CJK.search(seg):
        cuts.update(m.start() for m in _ZH_END.finditer(seg))
        cuts.update(m.start() for m in INLINE_ZH.finditer(seg))
    if lang == "en" or _LATIN.search(seg):
        last = 0
        for m in _EN_END.finditer(seg):
            if m.start() - last <= 64 and len(seg[last:m.start()].strip()) <= 6:  # "2." or "II." opening a line
                continue  # is a marker, not a sentence
            # the word before the stop, looked for in a bounded window (the whole line made this quadratic)
            word = re.search(r"([\w.]+)[.!?][\"”']?$", seg[max(0, m.start() - 64): m.start() + 1].rstrip())
            w = word.group(1).lower() if word else ""
            if w in _ABBREV or (len(w) == 1 and w.isalpha()):
                continue
            cuts.add(m.end())
            last = m.end()
    spans = []
    ordered = sorted(cuts)
    for a, b in zip(ordered, ordered[1:], strict=False):
        while a < b and seg[a].isspace():
            a += 1
        while b > a and seg[b - 1].isspace():
            b -= 1
        spans += _chunk(seg, a, b)
    return [(start + a, start + b) for a, b in spans if b > a]


def _chunk(seg: str, a: int, b: int) -> list[tuple[int, int]]:
    """Cut an over-long span at white space or punctuation so no unit exceeds MAX_UNIT characters."""
    out = []
    while b - a > MAX_UNIT:
        cut = a + MAX_UNIT
        window = seg[a + MAX_UNIT // 2: cut]
        breaks = [m.end() for m in re.finditer(r"[\s,，、]", window)]
        if breaks:
            cut = a + MAX_UNIT // 2 + breaks[-1]
        out.append((a, cut))
        a = cut
    out.append((a, b))
    return out


def clean(text: str, lang: str) -> Cleaned:
    """Units of the text, with chrome lines, spam clauses and repeated sentences marked."""
    pats = cleanup_patterns()
    units: list[Unit] = []
    publisher = None
    for li, (ls, le) in enumerate(lines(text)):
        line = text[ls:le]
        if len(line) < 200 and pats["any_chrome"][0].search(line):
            for p in pats["publisher_line"]:
                m = p.search(line)
                if m and publisher is None:
                    publisher = m.group("publisher").strip()
            units.append(Unit(ls, le, li, "chrome"))
            continue
        for s, e in split_sentences(text, ls, le, lang):
            units.extend(_cut_spam(text, s, e, li, pats["any_spam"]))
    units = _mark_duplicates(text, units, lang)
    counts: dict[str, int] = {}
    for u in units:
        counts[u.kind] = counts.get(u.kind, 0) + 1
    return Cleaned(units=units, publisher=publisher, counts=counts)


def _cut_spam(text: str, s: int, e: int, li: int, spam: list[re.Pattern]) -> list[Unit]:
    sent = text[s:e]
    hits = [m for p in spam for m in p.finditer(sent)]
    if not hits:
        return [Unit(s, e, li)]
    out, pos = [], 0
    for m in sorted(hits, key=lambda m: m.start()):
        if m.start() < pos:
            continue
        left = max(sent.rfind(ch, pos, m.start()) for ch in ",，;；、")
        a = left + 1 if left >= pos else pos
        rights = [i for i in (sent.find(ch, m.end()) for ch in ",，;；、") if i != -1]
        b = min(rights) if rights else len(sent)
        if a > pos:
            out.append(Unit(s + pos, s + a, li))
        out.append(Unit(s + a, s + b, li, "spam"))
        pos = b
    if pos < len(sent):
        out.append(Unit(s + pos, e, li))
    return [u for u in out if text[u.start:u.end].strip(" ,，;；、")]


def _mark_duplicates(text: str, units: list[Unit], lang: str) -> list[Unit]:
    """Mark every repeat of a sentence already seen (markers excepted: segmentation merges those)."""
    seen: set[str] = set()
    out = []
    for u in units:
        if u.kind != "text":
            out.append(u)
            continue
        t = text[u.start:u.end]
        key = norm_key(t)
        long_enough = len(key) >= (10 if _CJK.search(t) else 24)
        if long_enough and match_marker(t, lang) is None:
            if key in seen:
                out.append(Unit(u.start, u.end, u.line, "duplicate"))
                continue
            seen.add(key)
        out.append(u)
    return out
