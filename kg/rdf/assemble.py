"""Stage 5: one document's DocRecord as triples (its tree, links and the evidence of each link).

IRIs are minted from file names and tree positions only (kg.rdf.iris), so they are stable across
runs; there are no blank nodes, so the serialised graph is deterministic.

`Assembler` writes into a `kg.rdf.triples.Triples` sink (N-Triples rows, no rdflib store); its
`evidence` and `add_target` are the evidence writer kg.rdf.corpus uses too. What needs more than one
document, and the merge of all sections into one Turtle file, is kg.rdf.corpus's and kg.rdf.graph's.
"""

from __future__ import annotations

from functools import cache

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from kg.model import DocRecord, Mention, Segment, Source
from kg.namespaces import OA, ORG, SCHEMA, SMEKG
from kg.rdf.iris import evidence_iri, segment_iri
from kg.rdf.ntriples import Row, nt_integer, nt_rows, nt_string
from kg.rdf.triples import Triples
from kg.text.extract import Link, links, segment_text
from kg.vocab import load_vocabulary, ontology_graph

KIND_CLASS = {"section": SMEKG.Section, "measure": SMEKG.Measure, "preamble": SMEKG.Preamble}
# the terms of the evidence nodes, as N-Triples (kg.rdf.ntriples), written without rdflib terms
_TYPE, _HAS_EVIDENCE, _EVIDENCE, _EVIDENCE_FOR, _LINK_PROPERTY, _RULE = (
    f"<{t}>" for t in (RDF.type, SMEKG.hasEvidence, SMEKG.Evidence, SMEKG.evidenceFor, SMEKG.linkProperty, SMEKG.rule))
_HAS_BODY, _HAS_TARGET, _SPECIFIC_RESOURCE, _HAS_SOURCE, _HAS_SELECTOR = (
    f"<{t}>" for t in (OA.hasBody, OA.hasTarget, OA.SpecificResource, OA.hasSource, OA.hasSelector))
_POSITION_SELECTOR, _START, _END, _QUOTE_SELECTOR, _EXACT = (
    f"<{t}>" for t in (OA.TextPositionSelector, OA.start, OA.end, OA.TextQuoteSelector, OA.exact))


@cache
def ontology_rows() -> frozenset[Row]:
    """The ontology's and vocabularies' triples as N-Triples rows (parsed once per process)."""
    return frozenset(nt_rows(ontology_graph()))


class Assembler:
    def __init__(self, with_ontology: bool = True):
        self.g = Triples(ontology_rows() if with_ontology else ())
        self.vocab = load_vocabulary().by_iri
        self.sources: dict[str, Source] = {}  # document IRI -> its source, to publish raw offsets
        self._nodes: dict[tuple[str, str, str, str], str] = {}  # (subject, property, object, rule) -> its node
        self._named: set[str] = set()  # the evidence nodes written
        self._at: dict[tuple[str, str, str, int], str] = {}  # (subject, property, object, start) -> its node
        self._spans: dict[tuple[str, int, int], str] = {}  # (document, start, end) -> its shared target, written

    def knows(self, doc: URIRef, source: Source) -> None:
        """Evidence in `doc` is written with offsets into `source.raw_text` (the text as read)."""
        self.sources[str(doc)] = source

    def add_record(self, record: DocRecord, doc: URIRef) -> None:
        g, src, meta = self.g, record.source, record.meta
        self.knows(doc, src)
        lang = record.lang
        g.add((doc, RDF.type, SMEKG.PolicyDocument))
        g.add((doc, DCTERMS.source, Literal(src.name)))
        g.add((doc, DCTERMS.language, Literal(lang, datatype=XSD.language)))
        if src.encoding:  # PDF and Word files have no character encoding of their own
            g.add((doc, SMEKG.encoding, Literal(src.encoding)))
        g.add((doc, DCTERMS["format"], Literal(src.media_type)))
        if src.media_type != "text/plain":  # the text read from the file: evidence offsets point into it
            g.add((doc, SCHEMA.text, Literal(src.raw_text)))
        g.add((doc, SMEKG.sha256, Literal(src.sha256)))
        g.add((doc, SMEKG.duplicatesRemoved, Literal(record.duplicates_removed)))
        g.add((doc, SMEKG.noiseRemoved, Literal(record.noise_removed)))
        if meta.title:
            g.add((doc, DCTERMS.title, Literal(meta.title, lang=lang)))
            g.add((doc, RDFS.label, Literal(meta.title, lang=lang)))
        if meta.date:
            g.add((doc, DCTERMS.issued, Literal(meta.date, datatype=XSD.date)))
        if meta.doc_number:
            g.add((doc, DCTERMS.identifier, Literal(meta.doc_number)))
        if meta.publisher:
            g.add((doc, DCTERMS.publisher, Literal(meta.publisher)))
        issuers = []
        for issuer in meta.issuers:
            org = URIRef(issuer.iri)
            issuers.append((org, issuer))
            if issuer.sub_organization:
                sub = self._sub_org(org, issuer.sub_organization)
                issuers.append((sub, issuer))
        for org, issuer in issuers:
            g.add((doc, SMEKG.issuedBy, org))
            for m in issuer.evidence:
                self.evidence(doc, doc, SMEKG.issuedBy, org, m)
        for seg in record.root.walk():
            if seg is record.root:
                continue
            self._segment(record, doc, seg, [o for o, _ in issuers])

    def _segment(self, record: DocRecord, doc: URIRef, seg: Segment, issuers: list[URIRef]) -> None:
        g, lang = self.g, record.lang
        s = segment_iri(doc, seg)
        parent = doc if len(seg.path) == 1 else URIRef(s.rsplit("/", 1)[0])
        g.add((s, RDF.type, KIND_CLASS[seg.kind]))
        g.add((s, DCTERMS.isPartOf, parent))
        g.add((s, SMEKG.ordinal, Literal(seg.path[-1])))
        own = Segment(kind=seg.kind, units=seg.units) if seg.kind == "section" else seg
        text = segment_text(record, own)
        if text:
            g.add((s, SMEKG.text, Literal(text, lang=lang)))
        if seg.number:
            g.add((s, SMEKG.number, Literal(seg.number)))
        if seg.heading:
            g.add((s, RDFS.label, Literal(seg.heading, lang=lang)))
        if seg.kind != "measure":
            return
        for org in issuers:
            g.add((s, SMEKG.issuedBy, org))
        for link in links(record, seg):
            self._link(doc, s, link)

    def _link(self, doc: URIRef, s: URIRef, link: Link) -> None:
        prop = SMEKG[link.prop]
        obj = URIRef(link.mention.iri)
        self.g.add((s, prop, obj))
        self.evidence(doc, s, prop, obj, link.mention)

    def evidence(self, doc: URIRef, subject: URIRef, prop: URIRef, obj: URIRef, m: Mention) -> URIRef:
        """Write the evidence of one link (subject prop obj) found as mention m, and return the IRI of
        its evidence node. One node per link and rule: a link found by the same rule at several places
        (a concept named three times in a measure) has one node with a target per place, each target
        shared with the other links of its span (Assembler._target). The node is named after the
        first such mention. (The most frequent triples of the graph: written as N-Triples strings.)"""
        g = self.g
        s, p, o = g.nt(subject), g.nt(prop), g.nt(obj)
        e = self._nodes.get((s, p, o, m.rule))
        if e is None:
            ev = str(evidence_iri(subject, prop, obj, m.start))
            while f"<{ev}>" in self._named:  # the same place found by another rule (kept apart: one rule a node)
                ev += "_"
            e = f"<{ev}>"
            self._nodes[(s, p, o, m.rule)] = e
            self._named.add(e)
            add = g.rows.add
            add((s, _HAS_EVIDENCE, e))
            add((e, _TYPE, _EVIDENCE))
            add((e, _EVIDENCE_FOR, s))
            add((e, _LINK_PROPERTY, p))
            add((e, _HAS_BODY, o))
            add((e, _RULE, nt_string(m.rule)))
        self._at[(s, p, o, m.start)] = e
        self._target(e, e[1:-1], g.nt(doc), m.start, m.end, m.exact)
        return URIRef(e[1:-1])

    def evidence_at(self, subject: URIRef, prop: URIRef, obj: URIRef, start: int) -> URIRef | None:
        """The evidence node of the link whose text starts at `start`, if this assembler wrote it."""
        g = self.g
        e = self._at.get((g.nt(subject), g.nt(prop), g.nt(obj), start))
        return URIRef(e[1:-1]) if e is not None else None

    def add_target(self, ev: URIRef, doc: URIRef, start: int, end: int, exact: str, tag: str = "") -> URIRef:
        """An oa:hasTarget of an evidence node: the span start..end of `doc` (position and quote selectors)."""
        return URIRef(self._target(f"<{ev}>", str(ev), self.g.nt(doc), start, end, exact, tag))

    def _target(self, e: str, ev: str, d: str, start: int, end: int, exact: str, tag: str = "") -> str:
        known = self._spans.get((d, start, end)) if not tag else None
        if known is not None:  # a span already written: only the link to it
            self.g.rows.add((e, _HAS_TARGET, f"<{known}>"))
            return known
        span = (d, start, end)
        src = self.sources.get(d[1:-1])
        if src is not None and src.offsets is not None:  # offsets published into the text as read
            start, end = src.to_raw(start, end)
            exact = src.raw_text[start:end]
        # one target per span of a document, shared by every link that span explains (most spans explain
        # two or more: a mention is a link of its measure, its document, an inference …); a counterpart
        # target of an alignment (`tag`) is the evidence node's own
        base = f"{ev}/{tag}/{start}-{end}" if tag else f"{d[1:-1]}/span/{start}-{end}"
        target = base
        t, pos, quote_sel = f"<{target}>", f"<{base}/pos>", f"<{base}/quote>"
        add = self.g.rows.add
        add((e, _HAS_TARGET, t))
        add((t, _TYPE, _SPECIFIC_RESOURCE))
        add((t, _HAS_SOURCE, d))
        add((t, _HAS_SELECTOR, pos))
        add((t, _HAS_SELECTOR, quote_sel))
        add((pos, _TYPE, _POSITION_SELECTOR))
        add((pos, _START, nt_integer(start)))
        add((pos, _END, nt_integer(end)))
        add((quote_sel, _TYPE, _QUOTE_SELECTOR))
        add((quote_sel, _EXACT, nt_string(exact)))
        if not tag:
            self._spans[span] = target
        return target

    def _sub_org(self, org: URIRef, kind_code: str) -> URIRef:
        g = self.g
        dept = self.vocab[str(org)]
        kind = next(c for c in load_vocabulary().of_kind("suborg-kind") if c.notation == kind_code)
        sub = URIRef(f"{org}/{kind_code}")
        g.add((sub, RDF.type, SMEKG.Actor))
        g.add((sub, RDF.type, ORG.OrganizationalUnit))
        g.add((sub, ORG.subOrganizationOf, org))
        g.add((sub, SKOS.notation, Literal(f"{dept.notation}_{kind_code}")))
        g.add((sub, SKOS.prefLabel, Literal(f"{kind.label('en')} of the {dept.label('en')}", lang="en")))
        g.add((sub, SKOS.prefLabel, Literal(f"{dept.label('zh')}{kind.label('zh')}", lang="zh")))
        return sub


class EvidenceWriter:
    """An assembler's graph and its evidence writer, as kg.rdf.corpus's writers (policies, findings,
    competent) take them."""

    def __init__(self, assembler):
        self.a = assembler
        self.g = assembler.g

    def evidence(self, doc: URIRef, subject: URIRef, prop: URIRef, obj: URIRef, m: Mention) -> URIRef:
        """Write one evidence node with the assembler's writer and return its IRI."""
        return self.a.evidence(doc, subject, prop, obj, m)

    def find(self, doc: URIRef, subject: URIRef, prop: URIRef, obj: URIRef, start: int) -> URIRef | None:
        """The evidence node of a link whose text starts at `start`, if it was written."""
        return self.a.evidence_at(subject, prop, obj, start)

    def target(self, ev: URIRef, doc: URIRef, text: str, start: int, end: int, tag: str) -> None:
        """A further oa:hasTarget of an evidence node (e.g. the counterpart span of an alignment)."""
        self.a.add_target(ev, doc, start, end, text[start:end], tag)
