"""Per-document extraction: read -> clean -> match -> metadata -> segment -> links.

`extract_source` is the whole per-document pipeline; it returns a DocRecord of plain records that
kg.rdf.assemble turns into RDF. It is a pure function of the source text, so documents can be extracted in
parallel processes and merged in any order.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace

from kg.model import DocRecord, Mention, Segment, Source
from kg.text.clean import clean, detect_language
from kg.text.cues import excluded, negated
from kg.text.dates import find_dates
from kg.text.lexicon import lexicon
from kg.text.metadata import extract_metadata
from kg.text.normalise import normalise
from kg.text.segment import segment
from kg.vocab import load_vocabulary


@dataclass(frozen=True)
class Link:
    """One extracted link of a segment: property -> concept, explained by a mention."""

    prop: str  # targets, involves, usesInstrument, mentionsOrganization, mentionsRegion, excludesRegion
    mention: Mention


def extract_source(source: Source) -> DocRecord:
    """The DocRecord of one decoded source: every stage reads its canonical text (kg.text.normalise)."""
    canon = normalise(source.text)
    if canon.text != source.text:
        source = replace(source, text=canon.text, offsets=canon)
    text = source.text
    lang = detect_language(text)
    cleaned = clean(text, lang)
    kept = cleaned.kept
    mentions = lexicon(lang).find(text, kept)
    meta = extract_metadata(text, kept, mentions, lang, cleaned.publisher)
    _page_candidates(meta, source.page_meta)
    skip = meta.front | meta.back | meta.closing
    body = [u for i, u in enumerate(kept) if i not in skip]
    closing = [kept[i] for i in sorted(meta.closing)]
    root = segment(text, body, lang, closing=closing)
    counts = cleaned.counts
    record = DocRecord(source=source, lang=lang, units=kept, mentions=mentions, meta=meta, root=root,
                       noise_removed=counts.get("chrome", 0) + counts.get("spam", 0),
                       duplicates_removed=counts.get("duplicate", 0))
    record.warnings = document_warnings(record)
    return record


def _page_candidates(meta, page_meta: tuple[tuple[str, str], ...]) -> None:
    """Fill what the document's own text did not give from its page's metadata (an HTML page's metadata
    table: 发文字号, 成文日期): the number and the date the page says the document was written. The
    text always wins, and a page's publication date (发布日期, PubDate) is never taken."""
    fields: dict[str, str] = {}
    for name, value in page_meta or ():
        fields.setdefault(name, value)
    if not meta.doc_number and fields.get("number"):
        meta.doc_number = re.sub(r"\s+", "", normalise(fields["number"]).text)
    if not meta.date and fields.get("written"):
        found = find_dates(normalise(fields["written"]).text)
        if found:
            meta.date = found[0][2].isoformat()


MIN_MEASURED_SHARE = 0.5  # below this share of its text in measures, a document's segmentation is suspect


def document_warnings(record: DocRecord) -> tuple[str, ...]:
    """Why a reader should check what was extracted from a document: it yields no measure, most of
    its body (the text between the title block and the signature) is in no measure but in a preamble
    or headings, or it has neither issuer nor issue date."""
    out = []
    measures = record.measures()
    meta = record.meta
    outside = meta.front | meta.back | meta.closing
    total = sum(u.end - u.start for i, u in enumerate(record.units) if i not in outside)
    if not measures:
        out.append("no measure found")
    elif total:
        inside = sum(u.end - u.start for m in measures for s in m.walk() for u in s.units)
        if inside < MIN_MEASURED_SHARE * total:
            out.append(f"only {100 * inside // total}% of its body is in a measure")
    if not meta.issuers and not meta.date:
        out.append("neither an issuer nor an issue date found")
    return tuple(out)


def segment_text(record: DocRecord, seg: Segment) -> str:
    """The text of a segment (its own units, then its children's), joined as the language writes."""
    units = sorted(u for s in seg.walk() for u in s.units)
    sep = "" if record.lang == "zh" else " "
    return sep.join(record.source.text[u.start:u.end] for u in units)


def links(record: DocRecord, seg: Segment) -> list[Link]:
    """The links of one measure (or preamble/section): enterprise types by role, instruments, organisations, regions.

    A pure function of the record and the segment's units; assembly, the competent-department
    inference and the alignment each ask for the same segments, so the answers for the record asked
    about last are kept (`_LinksMemo`), checked against the record's identity and its mentions."""
    spans = tuple(sorted((u.start, u.end) for s in seg.walk() for u in s.units))
    memo = _LinksMemo.of(record)
    got = memo.links.get(spans)
    if got is None:
        got = memo.links[spans] = _links(record, spans, memo)
    return list(got)


class _LinksMemo:
    """The mentions of one record ordered by start, and the links of its segments by their units.

    One record at a time (a build asks about one document's segments, then the next one's): it holds
    the record itself, so an identity check cannot match another record, and it is dropped as soon as
    the record, its mention list or its length is not the one it was made from."""

    last: _LinksMemo | None = None

    def __init__(self, record: DocRecord):
        self.record, self.mentions, self.n = record, record.mentions, len(record.mentions)
        self.text = record.source.text
        self.order = sorted(range(self.n), key=lambda i: record.mentions[i].start)
        self.starts = [record.mentions[i].start for i in self.order]
        self.links: dict[tuple[tuple[int, int], ...], tuple[Link, ...]] = {}

    @classmethod
    def of(cls, record: DocRecord) -> _LinksMemo:
        m = cls.last
        if m is None or m.record is not record or m.mentions is not record.mentions or m.n != len(record.mentions) \
                or m.text is not record.source.text:
            m = cls.last = cls(record)
        return m


def _links(record: DocRecord, spans: tuple[tuple[int, int], ...], memo: _LinksMemo) -> tuple[Link, ...]:
    if not spans:
        return ()
    starts = [a for a, _ in spans]
    vocab = load_vocabulary().by_iri
    out = []
    text = record.source.text
    lo, hi = bisect_left(memo.starts, spans[0][0]), bisect_right(memo.starts, spans[-1][1])
    for k in sorted(memo.order[lo:hi]):  # the mentions that start inside the segment's range, in record order
        m = record.mentions[k]
        # the unit that starts last at or before the mention (units do not overlap): a bisection,
        # not a scan of every unit of the segment for every mention of the document (quadratic)
        i = bisect_right(starts, m.start) - 1
        if i < 0 or m.end > spans[i][1]:
            continue
        if m.kind == "enterprise-type":
            out.append(Link(vocab[m.iri].default_role, m))
        elif m.kind == "instrument":
            if not negated(text, m):
                out.append(Link("usesInstrument", m))
        elif m.kind in ("department", "actor"):
            out.append(Link("mentionsOrganization", m))
        elif m.kind == "region":
            out.append(Link("excludesRegion" if excluded(text, m) else "mentionsRegion", m))
    return tuple(out)
