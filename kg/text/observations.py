"""Statistics a text reports about a policy's effect, as observations (SOSA / schema.org).

A quantity is reported, not committed to, when its sentence carries a reporting cue ("according to
statistics", "has reached", "截至", "累计") and its clause no normative one ("shall", "不得低于").
The observation is about the policy the document cites closest to it (the news item reports on the
notice of 9 February), on the date its sentence gives ("on March 24", the year taken from the
document or from that policy), with the quantity as its result.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from kg.text.cues import cues, phrase_rx
from kg.text.dates import PartialDate, find_partial_dates
from kg.text.docview import DocView
from kg.text.quantities import Quantity


@cache
def _rx(lang: str):
    """The reporting and normative cue patterns of one language (built once: asked for every quantity)."""
    c = cues()
    if lang == "zh":
        return phrase_rx(c["reporting_zh"], "zh"), phrase_rx(c["normative_zh"], "zh")
    return phrase_rx(c["reporting_en"], "en"), phrase_rx(c["normative_en"], "en")


def is_reported(text: str, unit: tuple[int, int], q: Quantity, lang: str) -> str | None:
    """The reporting cue that makes `q` a reported statistic, or None."""
    report, norm = _rx(lang)
    a, b = unit
    sentence = text[a:b]
    cue = report.search(sentence)
    if not cue:
        return None
    delims = "，,；;。" if lang == "zh" else ",;"
    cs = max((text.rfind(ch, a, q.start) for ch in delims), default=-1)
    cs = a if cs < a else cs + 1
    if norm.search(text[cs:q.end]):
        return None
    return cue.group(0)


def resolve(d: PartialDate | None, year: int | None, after: dt.date | None) -> dt.date | None:
    """A date without a year takes the document's year, else the first year not before `after`."""
    if d is None:
        return None
    if d.year or year:
        return d.resolve(year)
    if after is None:
        return None
    r = d.resolve(after.year)
    if r and r < after:
        r = d.resolve(after.year + 1)
    return r


def report_date(ctx: DocView, after: dt.date | None) -> dt.date | None:
    """The date of a report: its issue date, else the first date in its opening sentence."""
    if ctx.issued():
        return ctx.issued()
    for u in ctx.record.units[:2]:
        found = find_partial_dates(ctx.text[u.start:u.end], u.start)
        if found:
            return resolve(found[0], None, after)
    return None
