"""Shared pieces of kg.rdf.corpus: the cue data, the document context of one record, evidence and dates.

Everything here is deterministic: IRIs come from document IRIs, tree positions and character offsets,
never from blank nodes or counters over sets.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from rdflib import URIRef

from kg.model import DocRecord, Mention, Segment, Unit

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
_MON = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
        r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
# month and day with an optional year, in the forms policy texts use
DATE_EN = [
    re.compile(rf"\b{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:\s*,?\s*(?P<y>(?:19|20)\d{{2}})\b)?", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON}\b(?:\s*,?\s*(?P<y>(?:19|20)\d{{2}})\b)?", re.I),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
]
DATE_ZH = re.compile(r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")
YEAR_MONTH_ZH = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年(?:\s*(?P<m>\d{1,2})\s*月)?")


@cache
def cues() -> dict:
    return json.loads(resources.files("kg.patterns").joinpath("cues.json").read_text(encoding="utf-8"))


def phrase_rx(phrases, lang: str = "en", tail: str = "") -> re.Pattern:
    """One regex for a list of cue phrases, longest first (word-bounded in English)."""
    alts = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(set(phrases), key=lambda p: (-len(p), p)))
    if lang == "en":
        return re.compile(rf"(?<![\w-])(?:{alts})(?![\w-]){tail}", re.I)
    return re.compile(rf"(?:{alts}){tail}")


@dataclass(frozen=True)
class PartialDate:
    """A date as printed: the year may be missing ("March 24", "3月24日")."""

    month: int
    day: int
    year: int | None = None
    start: int = 0
    end: int = 0

    def resolve(self, year: int | None) -> dt.date | None:
        y = self.year or year
        if y is None:
            return None
        try:
            return dt.date(y, self.month, self.day)
        except ValueError:
            return None


def find_partial_dates(text: str, offset: int = 0) -> list[PartialDate]:
    """Dates in `text`, with or without a year; offsets are text offsets plus `offset`."""
    out = []
    for rx in DATE_EN:
        for m in rx.finditer(text):
            g = m.groupdict()
            mon = g.get("mon")
            month = (next(i for i, n in enumerate(MONTHS, 1) if n.startswith(mon.lower()[:3])) if mon
                     else int(g["m"]))
            out.append(PartialDate(month, int(g["d"]), int(g["y"]) if g.get("y") else None,
                                   offset + m.start(), offset + m.end()))
    for m in DATE_ZH.finditer(text):
        out.append(PartialDate(int(m.group("m")), int(m.group("d")), int(m.group("y")) if m.group("y") else None,
                               offset + m.start(), offset + m.end()))
    valid = [d for d in out if 1 <= d.month <= 12 and 1 <= d.day <= 31]
    kept: list[PartialDate] = []
    for d in sorted(valid, key=lambda d: (d.start, -d.end)):
        if not any(k.start <= d.start < k.end for k in kept):
            kept.append(d)
    return kept


def end_of(year: int, month: int | None = None) -> dt.date:
    month = month or 12
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class DocView:
    """One document as kg.rdf.corpus sees it: its IRI, its record and where each kept unit sits in the tree."""

    record: DocRecord
    doc: URIRef
    found: Any = None  # kg.rdf.corpus.Findings of this document, set by kg.rdf.corpus.corpus_sections
    _owner: dict[Unit, Segment] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, record: DocRecord, doc: URIRef) -> DocView:
        return cls(record, doc)

    @property
    def owner(self) -> dict[Unit, Segment]:
        """Each kept unit's segment (worked out when first asked: a document whose sections are
        reused from the cache never needs its tree)."""
        if self._owner is None:
            self._owner = {u: seg for seg in self.record.root.walk() for u in seg.units}
        return self._owner

    @property
    def text(self) -> str:
        return self.record.source.text

    @property
    def lang(self) -> str:
        return self.record.lang

    def body_units(self) -> list[tuple[Unit, Segment]]:
        """The kept units inside the document tree (not title, addressee or signature), in text order."""
        return sorted(self.owner.items(), key=lambda us: us[0])

    def year(self) -> int | None:
        d = self.record.meta.date
        return int(d[:4]) if d else None

    def issued(self) -> dt.date | None:
        d = self.record.meta.date
        return dt.date.fromisoformat(d) if d else None

    def issuers(self) -> set[str]:
        return {i.notation for i in self.record.meta.issuers}

    def mentions_in(self, a: int, b: int, kinds: tuple[str, ...] | None = None) -> list[Mention]:
        return [m for m in self.record.mentions if a <= m.start and m.end <= b and (kinds is None or m.kind in kinds)]


def span_mention(iri: str, code: str, kind: str, text: str, start: int, end: int, rule: str) -> Mention:
    """A Mention for kg.rdf.assemble's evidence writer: the span text[start:end] explains a link to `iri`."""
    return Mention(iri=str(iri), notation=code, kind=kind, start=start, end=end, exact=text[start:end], rule=rule)


def slug(text: str, limit: int = 80) -> str:
    """A path segment from free text (percent-encoded, shortened with a stable hash when long)."""
    import hashlib

    t = re.sub(r"\s+", " ", text.strip())
    if len(t) > limit:
        t = t[:limit] + "~" + hashlib.sha1(t.encode("utf-8")).hexdigest()[:10]
    return quote(t, safe="") or "_"
