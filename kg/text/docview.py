"""One document as kg.rdf.corpus sees it (`DocView`), the evidence of a link found in its text
(`span_mention`) and path segments made from free text (`slug`).

Everything here is deterministic: IRIs come from document IRIs, tree positions and character offsets,
never from blank nodes or counters over sets.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from rdflib import URIRef

from kg.model import DocRecord, Mention, Segment, Unit


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
    """A path segment from free text, shortened with a stable hash when long: letters and digits of any
    script are kept as they are (an IRI may hold them, and a reader can read them), everything else is
    percent-encoded."""
    import hashlib

    t = re.sub(r"\s+", " ", text.strip())
    if len(t) > limit:
        t = t[:limit] + "~" + hashlib.sha1(t.encode("utf-8")).hexdigest()[:10]
    return "".join(ch if ch.isalnum() or ch in "-._~" else quote(ch, safe="") for ch in t) or "_"
