"""What around a number tells whether it is a quantity, and of what kind.

`quantity_rx` compiles the cues of kg/patterns/cues.json that kg.text.quantities reads figures with
(multipliers, currencies, percent, durations, counted nouns, bounds, measuring verbs); `masked_spans` gives the
spans whose numbers are not quantities: the numbering marker of a measure, dates, years, document numbers,
article and item numbers, telephone numbers, technical sizes.
"""

from __future__ import annotations

import re
from functools import cache

from kg.text.cues import cues, phrase_rx
from kg.text.dates import YEAR, YEAR_OR_MONTH_ZH, find_partial_dates
from kg.text.docnumbers import MASK_RX
from kg.text.numbering import match_marker
from kg.text.numerals import CN_NUMERAL_CHARS

_REF_EN = re.compile(r"\b(?:articles?|items?|paragraphs?|chapters?|sections?|clauses?|annex(?:es)?|no|nos|number|"
                     r"phase|level|grade|class|tier|page|line|room|version|covid|top)\.?\s*-?\s*\d+(?:\.\d+)*",
                     re.I)
_REF_ZH = re.compile(rf"第\s*[\d{CN_NUMERAL_CHARS}]+\s*[条款项章节号批次届个年期轮]")
_PHONE = re.compile(r"\+?\d[\d ()-]{7,}\d")
_TECH = re.compile(r"\b\d+(?:\.\d+)?\s*(?:G|GB|MB|KB|nm|mm|cm|km|kg|kWh|MW|GW|Hz)\b|\b\d+(?:\.\d+)?[A-Za-z]+\d*\b")


@cache
def quantity_rx() -> dict[str, re.Pattern]:
    """The cue regexes quantities are read with, compiled once."""
    c = cues()
    b = c["bounds"]
    cur_before = sorted({p for v in c["currencies"].values() for p in v["before"]}, key=len, reverse=True)
    cur_after = sorted({p for v in c["currencies"].values() for p in v["after"]}, key=len, reverse=True)
    mult_en = "|".join(sorted(c["multipliers"]["en"], key=len, reverse=True))
    mult_zh = "|".join(sorted(c["multipliers"]["zh"], key=len, reverse=True))
    return {
        "mult_en": re.compile(rf"^\s*(?P<m>{mult_en})\b", re.I),
        "mult_zh": re.compile(rf"^\s*(?P<m>{mult_zh})"),
        "cur_before": re.compile("(?:" + "|".join(re.escape(p) for p in cur_before) + r")\s*$"),
        "cur_after": re.compile(r"^\s*(?P<c>" + "|".join(re.escape(p) for p in cur_after) + r")(?![A-Za-z])"),
        "percent": re.compile(r"^\s*(?:%|％|percent\b|per\s*cent\b)", re.I),
        "pp": re.compile(r"^\s*(?:percentage\s+points?\b|个?百分点)", re.I),
        "dur_en": re.compile(r"^\s*(?P<u>working\s+days?|business\s+days?|days?|weeks?|months?|years?)\b(?!-|\s+old)",
                             re.I),
        "dur_zh": re.compile(r"^\s*(?P<u>个工作日|个月|天|周|年)(?![底末初度代级份龄前])"),
        "count_zh": re.compile("^(?P<x>[余多])?\\s*(?P<u>" + "|".join(
            re.escape(w) for w in sorted(c["count_words_zh"], key=len, reverse=True)) + r")"),
        "noun_en": re.compile(r"^\s*(?P<np>(?:[a-z][a-z-]*\s+){0,3}?(?:[a-z][a-z-]*s|SMEs|MSMEs)|SMEs|MSMEs)\b"),
        "min_en": phrase_rx(b["min_en"], "en", r"\s*$"),
        "max_en": phrase_rx(b["max_en"], "en", r"\s*$"),
        "approx_en": phrase_rx(b["approx_en"], "en", r"\s*$"),
        "min_zh_b": phrase_rx(b["min_zh_before"], "zh", r"\s*$"),
        "max_zh_b": phrase_rx(b["max_zh_before"], "zh", r"\s*$"),
        "approx_zh_b": phrase_rx(b["approx_zh_before"], "zh", r"\s*$"),
        "min_zh_a": re.compile("^(?:" + "|".join(map(re.escape, b["min_zh_after"])) + ")"),
        "max_zh_a": re.compile("^(?:" + "|".join(map(re.escape, b["max_zh_after"])) + ")"),
        "approx_zh_a": re.compile("^(?:" + "|".join(map(re.escape, b["approx_zh_after"])) + ")"),
        "dur_ctx_en": phrase_rx(c["duration_context"]["en_before"], "en", r"\s*(?:the\s+|a\s+)?$"),
        "dur_ctx_zh_b": phrase_rx(c["duration_context"]["zh_before"], "zh", r"\s*$"),
        "dur_ctx_zh_a": re.compile("^(?:" + "|".join(map(re.escape, c["duration_context"]["zh_after"])) + ")"),
        "verb_en": re.compile(r"(?<![\w-])(?:(?:shall|should|must|will|would|can|may|could|has|have|had|not|be|"
                              r"been|also|still|already|generally|basically|in\s+principle)\s+)*"
                              + phrase_rx(c["measure_verbs_en"], "en").pattern + r"\s*$", re.I),
        "verb_zh": phrase_rx(c["measure_verbs_zh"], "zh", r"\s*$"),
        "lead_zh": phrase_rx(c["lead_verbs_zh"], "zh"),
        "openers_en": phrase_rx(c["clause_openers_en"], "en"),
        "word_num": re.compile(r"(?<![\w-])(?P<w>" + "|".join(sorted(c["word_numbers"], key=len, reverse=True))
                               + r")\s+(?=(?:working\s+|business\s+)?(?:days?|weeks?|months?|years?)\b(?!-))", re.I),
    }


def masked_spans(t: str, lang: str) -> list[tuple[int, int]]:
    """Spans of `t` whose numbers are not quantities."""
    spans = []
    marker = match_marker(t, lang)
    if marker:
        spans.append((0, marker.end))
    for d in find_partial_dates(t):
        spans.append((d.start, d.end))
    for rx in (*MASK_RX, _REF_EN, _REF_ZH, _PHONE, _TECH):
        spans += [(m.start(), m.end()) for m in rx.finditer(t)]
    rx = quantity_rx()
    for m in YEAR.finditer(t):  # a year, unless a unit follows it ("2000家", "more than 2000 enterprises")
        after, before = t[m.end():m.end() + 12], t[max(0, m.start() - 24):m.start()]
        unit = (rx["percent"].match(after) or rx["cur_after"].match(after) or rx["mult_en"].match(after)
                or rx["mult_zh"].match(after) or (lang == "zh" and rx["count_zh"].match(after))
                or (lang != "zh" and rx["noun_en"].match(after)
                    and (rx["min_en"].search(before) or rx["max_en"].search(before) or rx["approx_en"].search(before))))
        if not unit:
            spans.append((m.start(), m.end()))
    if lang == "zh":
        spans += [(m.start(), m.end()) for m in YEAR_OR_MONTH_ZH.finditer(t)]
    return spans


class Masks:
    """masked_spans(t, lang), worked out when first asked: most units hold no quantity candidate, and
    the masks (dates, references, years…) are the dearest part of looking at one."""

    def __init__(self, t: str, lang: str):
        self.t, self.lang = t, lang
        self._spans: list[tuple[int, int]] | None = None

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = masked_spans(self.t, self.lang)
        return self._spans


def masked(spans: list[tuple[int, int]] | Masks, a: int, b: int) -> bool:
    if isinstance(spans, Masks):
        spans = spans.spans
    return any(s < b and a < e for s, e in spans)
