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
from kg.text.dates import find_dates
from kg.text.numbering import INLINE_ZH, match_marker

MAX_UNIT = 4000
_NON_WORD = re.compile(r"[\W_]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_ZH_END = re.compile(r"(?<=[。！？!?；;：])")
_EN_END = re.compile(r"(?<=[.!?])[\"”']?\s+(?=\S)")
_ABBREV = {"no", "art", "e.g", "i.e", "mr", "ms", "dr", "st", "vs", "fig", "para", "nos", "co", "ltd", "inc", "jan",
           "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "p.r.c"}


# The separators are ASCII: Caseless searches a line with "·", "’" and "•" folded to ".", "'" and "*"
# (SEPARATOR_FOLD), as it folds the case; a class with characters beyond ASCII costs the compiler a
# charset map at each of the 200 gaps (0.25 s at every process start).
_LATIN_GAP = r"[\s.\-_*'~]?"  # one separator between two letters of a word: "b e t", "bo-nus"
_WORD_GAP = r"[\W_]{0,3}"  # between two words of a term: "free spins", "freespins", "free-spins"
# between two Chinese characters: a few separators ("澳门新.葡京"), or a short run of letters or digits inserted
# (letters only after the Chinese character itself, not its pinyin, and before the next one: the look-arounds
# name those two characters, not the CJK range, which the compiler expands character by character, 1 s of
# compiling for the 200 gaps of the terms)
_CJK_GAP = r"(?:[\s.\-_*'~/\\|+#@]{0,3}|(?<=%s)[a-z0-9]{1,6}(?=%s))"
_CJK_CLASS = r"[\u3400-\u9fff]"


@dataclass(frozen=True)
class Patterns:
    """The compiled patterns of kg/patterns/cleanup.json (see its _about)."""

    chrome: re.Pattern  # any chrome line
    chrome_never: re.Pattern  # a line with a field of the document's own metadata
    publisher: tuple[re.Pattern, ...]
    phrases: Caseless  # spam phrases cut out wherever they occur
    strong: Caseless  # spam topic words that policy text never uses
    weak: Caseless  # spam topic words that policy text uses too
    cue: re.Pattern  # links, contact handles, advertising words
    topic: Caseless  # phrases or strong: one search where either will do


# Under re.I an ASCII letter of a pattern matches its upper case and these four characters besides (found by
# trying every code point against [a-z] with re.I); tests/test_clean.py checks the table against re.I.
CASE_FOLD = str.maketrans({**{chr(o): chr(o + 32) for o in range(ord("A"), ord("Z") + 1)},
                           "\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
SEPARATOR_FOLD = {"\u00b7": ".", "\u2019": "'", "\u2022": "*"}  # the separators of the gaps beyond ASCII
_SPAM_FOLD = str.maketrans({**{chr(k): v for k, v in CASE_FOLD.items()}, **SEPARATOR_FOLD})
_ESCAPE = re.compile(r"\\.")


class Caseless:
    """A pattern of lower-case letters that matches as under re.I, but searched in the line lower-cased
    one for one (CASE_FOLD, and the separators of SEPARATOR_FOLD made ASCII: the patterns name only
    those) by a case-sensitive pattern: re.I case-folds at every position of every
    alternative, and the spam terms are 120 alternatives searched in every line (measured on 1 MB of
    the benchmark's text: 1.04 s with re.I, 0.34 s so, with the lookbehinds after the first letter)."""

    def __init__(self, patterns: list[str]):
        patterns = [p for p in patterns if not p.startswith("_")]
        for p in patterns:
            if re.search(r"[A-Z]", _ESCAPE.sub("", p)):
                raise ValueError(f"a spam pattern is written in lower case (it matches any case): {p!r}")
        self.pattern = re.compile("|".join(f"(?:{p})" for p in patterns))

    def search(self, text: str) -> re.Match | None:
        return self.pattern.search(text.translate(_SPAM_FOLD))


def tolerant(term: str, pinyin: dict[str, str]) -> str:
    """The regex of a spam term that also matches it obfuscated: separators or letters inserted between its
    letters, a Chinese character written as its pinyin. `term` may hold groups and ? (a regex of letters)."""
    out = []
    for i, ch in enumerate(term):
        nxt = term[i + 1] if i + 1 < len(term) else ""
        if ch == " ":
            out.append(_WORD_GAP)
            continue
        out.append(f"(?:{ch}|{pinyin[ch]})" if ch in pinyin else re.escape(ch) if ch in ".+*" else ch)
        if _CJK.match(ch) and (_CJK.match(nxt) or nxt in "("):
            out.append(_CJK_GAP % (ch, nxt if _CJK.match(nxt) else _CJK_CLASS))
        elif ch.isascii() and ch.isalnum() and nxt.isascii() and nxt.isalnum():
            out.append(_LATIN_GAP)
    # a Latin word is a whole word ("bet" is not in "alphabet"); a Chinese term may touch letters ("ag真人视讯")
    after = r"(?![a-z])" if term.rstrip("?)").isascii() and term.rstrip("?)")[-1:].isalnum() else ""
    if not (term[0].isascii() and term[0].isalnum()):
        return f"(?:{''.join(out)}){after}"
    if term[1:2] not in ("?", "*", "+", "{"):  # the look-behind after the first letter: the engine then skips
        return f"(?:{out[0]}(?<![a-z].){''.join(out[1:])}){after}"  # every position where no term can start
    return f"(?<![a-z])(?:{''.join(out)}){after}"


def _alternation(patterns: list[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns if not p.startswith("_")), re.I)


@cache
def cleanup_patterns() -> Patterns:
    """The patterns of kg/patterns/cleanup.json, compiled; entries starting with "_" name groups of entries."""
    data = json.loads(resources.files("kg.patterns").joinpath("cleanup.json").read_text(encoding="utf-8"))
    pinyin, terms = data["pinyin"], data["spam_terms"]
    strong = [tolerant(t, pinyin) for t in terms["strong"] if not t.startswith("_")]
    return Patterns(
        chrome=_alternation(data["chrome_line"]),
        chrome_never=_alternation(data["chrome_never"]),
        publisher=tuple(re.compile(p, re.I) for p in data["publisher_line"]),
        phrases=Caseless(data["spam"]),
        strong=Caseless(strong),
        weak=Caseless([tolerant(t, pinyin) for t in terms["weak"] if not t.startswith("_")]),
        cue=_alternation(data["spam_cues"]),
        topic=Caseless([*data["spam"], *strong]),
    )


def is_chrome(line: str) -> bool:
    """Is this line page chrome (breadcrumbs, page dates, buttons, footers …)? Never a line of metadata fields."""
    pats = cleanup_patterns()
    return len(line) < 200 and pats.chrome.search(line) is not None and pats.chrome_never.search(line) is None


def _prose(line: str) -> bool:
    """A sentence of running text (ends like a sentence and is long enough), not a title-like string of keywords."""
    if not line or line[-1] not in "。.；;:：":
        return False
    return len(_CJK.findall(line)) >= 20 or len(line.split()) >= 10


def is_spam_line(line: str, lang: str = "en") -> bool:
    """Is this line injected spam? A line that is not prose naming a spam topic: by a word policy text never uses
    in such a line, or by one it may use (lottery, betting) together with a link, contact or advertising cue. A
    numbered line is a heading of the policy unless it has a cue too."""
    pats = cleanup_patterns()
    if len(line) >= 200 or _prose(line):
        return False
    topic = pats.topic.search(line)
    if topic and match_marker(line, lang) is None:
        return True
    return (topic is not None or pats.weak.search(line) is not None) and pats.cue.search(line) is not None


def _spam_clause(clause: str) -> bool:
    """Inside prose: a clause with a spam phrase, or with a strong spam word and a cue, is spam (an enforcement
    sentence that names gambling or counterfeits has no link or advertising cue)."""
    pats = cleanup_patterns()
    if pats.phrases.search(clause):
        return True
    return pats.strong.search(clause) is not None and pats.cue.search(clause) is not None


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
    """Units of the text, with chrome lines, spam lines and clauses, and repeated sentences marked."""
    pats = cleanup_patterns()
    units: list[Unit] = []
    publisher = None
    for li, (ls, le) in enumerate(lines(text)):
        line = text[ls:le]
        if is_chrome(line):
            for p in pats.publisher:
                m = p.search(line)
                if m and publisher is None:
                    publisher = m.group("publisher").strip()
            units.append(Unit(ls, le, li, "chrome"))
        elif is_spam_line(line, lang):
            units.append(Unit(ls, le, li, "spam"))
        else:
            # a clause can be spam only where the line holds a spam phrase or strong word (the patterns
            # match no separator at their edges, so a match in a clause is one in its line): most lines
            # are searched once, not clause by clause
            suspect = pats.topic.search(line) is not None
            for s, e in split_sentences(text, ls, le, lang):
                if suspect:
                    units.extend(_cut_spam(text, s, e, li))
                elif text[s:e].strip(" ,，;；、"):
                    units.append(Unit(s, e, li))
    units = _mark_duplicates(text, units, lang)
    counts: dict[str, int] = {}
    for u in units:
        counts[u.kind] = counts.get(u.kind, 0) + 1
    return Cleaned(units=units, publisher=publisher, counts=counts)


def _cut_spam(text: str, s: int, e: int, li: int) -> list[Unit]:
    """The sentence text[s:e] as units, each spam clause (between , ; 、) set aside."""
    out: list[Unit] = []
    pos = s
    for m in re.finditer(r"[^,，;；、]+", text[s:e]):
        a, b = s + m.start(), s + m.end()
        if _spam_clause(text[a:b]):
            if a > pos:
                out.append(Unit(pos, a, li))
            out.append(Unit(a, b, li, "spam"))
            pos = b
    if pos < e:
        out.append(Unit(pos, e, li))
    return [u for u in out if text[u.start:u.end].strip(" ,，;；、")]


def _date_only(t: str) -> bool:
    """A line that says nothing but a date (a signature date, a page's date)."""
    found = find_dates(t)
    return len(found) == 1 and not t[:found[0][0]].strip() and not t[found[0][1]:].strip(" 。.")


def _mark_duplicates(text: str, units: list[Unit], lang: str) -> list[Unit]:
    """Mark every repeat of a sentence already seen (markers excepted: segmentation merges those, and so
    is a line that is only a date: a page header and a signature print the same date)."""
    seen: set[str] = set()
    out = []
    for u in units:
        if u.kind != "text":
            out.append(u)
            continue
        t = text[u.start:u.end]
        key = norm_key(t)
        long_enough = len(key) >= (10 if _CJK.search(t) else 24)
        if long_enough and match_marker(t, lang) is None and not _date_only(t):
            if key in seen:
                out.append(Unit(u.start, u.end, u.line, "duplicate"))
                continue
            seen.add(key)
        out.append(u)
    return out
