"""A richer graph: policies across languages, aligned measures, quantities, citations, observations and
inferred competent departments, each with evidence in the style of kg.rdf.assemble.

`corpus_sections(records, iris, …)` makes what needs the whole corpus (kg.rdf.assemble.assemble_rendered
calls it once): the policies and alignments, and per document its citations, quantities and
observations, joined with the document's own triples into one section that a later build reuses
while its inputs are unchanged. Order matters: policies first (citations resolve to them), then
citations (observations are about the policy cited), quantities and observations.
`document_inferences(assembler, record, doc)` adds what needs one document only (the competent
departments inferred from its instruments), with that document's own triples (kg.rdf.assemble.document_rows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from kg.model import DocRecord, Mention, Segment, Unit
from kg.namespaces import ELI, ID, OA, SCHEMA, SMEKG
from kg.rdf import align, competent
from kg.rdf.assemble import Assembler, evidence_iri, segment_iri
from kg.rdf.triples import Rendered, combine
from kg.text import citations, observations
from kg.text.docview import DocView, PartialDate, span_mention
from kg.text.quantities import Quantity, find_quantities
from kg.vocab import load_vocabulary

SOSA = "http://www.w3.org/ns/sosa/"
QUDT_UNIT_PROP = URIRef("http://qudt.org/schema/qudt/unit")

__all__ = ["corpus_sections", "document_inferences", "find_in_document", "Findings", "Summary"]


@dataclass
class Summary:
    """The policies and alignments corpus_sections found (for tests and reports)."""

    policies: dict[str, list[str]] = field(default_factory=dict)  # policy IRI -> document IRIs
    alignments: list[tuple[str, str, str]] = field(default_factory=list)  # document IRIs aligned, and why


class _Out:
    """The assembler's graph and its evidence writer."""

    def __init__(self, assembler):
        self.a = assembler
        self.g = assembler.g

    def evidence(self, doc: URIRef, subject: URIRef, prop: URIRef, obj: URIRef, m: Mention) -> URIRef:
        """Write one evidence node with kg.rdf.assemble's writer and return its IRI."""
        return self.a._evidence(doc, subject, prop, obj, m)

    def find(self, doc: URIRef, subject: URIRef, prop: URIRef, obj: URIRef, start: int) -> URIRef | None:
        """The evidence node of a link whose text starts at `start`, if it was written."""
        ev = evidence_iri(subject, prop, obj, start)
        return ev if (ev, OA.hasBody, obj) in self.g else None

    def target(self, ev: URIRef, doc: URIRef, text: str, start: int, end: int, tag: str) -> None:
        """A further oa:hasTarget of an evidence node (e.g. the counterpart span of an alignment)."""
        self.a.add_target(ev, doc, start, end, text[start:end], tag)


@dataclass
class Findings:
    """What kg.rdf.corpus finds in one document alone: computed where the document is extracted (a
    worker) and kept with it, so that the corpus pass only matches and writes."""

    doc: str  # the document IRI they were found with
    citations: list[citations.Citation]
    quantities: dict[tuple[int, int], list[Quantity]]  # (unit start, unit end) -> quantities in it


def find_in_document(record: DocRecord, doc: URIRef) -> Findings:
    ctx = DocView.of(record, doc)
    year = ctx.year()
    found = {}
    for u, _ in ctx.body_units():
        qs = find_quantities(ctx.text, u.start, u.end, ctx.lang, year)
        if qs:
            found[(u.start, u.end)] = qs
    return Findings(str(doc), citations.find_citations(ctx), found)


def corpus_sections(records: list[DocRecord], iris: dict[str, URIRef], own: Callable[[DocRecord, URIRef], Rendered],
                    findings: dict[str, Findings] | None = None,
                    reuse: MutableMapping[str, Rendered] | None = None,
                    decided: MutableMapping[str, tuple[bool, str]] | None = None,
                    ) -> tuple[dict[str, Rendered], Summary]:
    """The graph's sections (kg.rdf.assemble.assemble_rendered merges them) but the ontology's:

    - one per policy (a document and its translations), named "policy " and its first document's
      IRI: the policy and the alignments of its documents (the TranslationAlignment nodes);
    - one per document, named by its IRI: its own triples (`own(record, iri)`: its tree, links and
      evidence) with its citations (matched to the policies of the corpus), quantities, observations
      and its side of its alignments (its own and its measures' alignedWith links, with evidence).

    `findings`: what was already found in each document alone (by path), where it was extracted.
    `reuse`: sections of earlier builds, by a key of everything they are made from (for a document:
    its content and IRI, its policy, the documents it is aligned with, what each of its citations
    matched; for a policy: its documents and their joins); a key found there is taken as it is, and
    `own` is not called.
    `decided`: whether two documents are versions of one policy, from earlier builds (kg.rdf.align.group).
    """
    ctxs = _contexts(records, iris, findings)
    groups, joined = align.group(ctxs, decided)
    policy_of = _policy_of(groups)
    summary = Summary({policy_of[str(m[0].doc)]: [str(c.doc) for c in m] for m in groups},
                      [(str(a.doc), str(b.doc), why) for a, b, why in joined])
    sections: dict[str, Rendered] = {}
    group_of = {str(c.doc): i for i, members in enumerate(groups) for c in members}
    joins: list[list[tuple[DocView, DocView, str]]] = [[] for _ in groups]
    joins_of: dict[str, list[tuple[DocView, DocView, str]]] = {}
    for j in joined:
        joins[group_of[str(j[0].doc)]].append(j)
        for c in j[:2]:
            joins_of.setdefault(str(c.doc), []).append(j)
    memo: dict[tuple[str, str], align.Alignment] = {}

    def aligned(a: DocView, b: DocView) -> align.Alignment:
        k = (str(a.doc), str(b.doc))
        if k not in memo:
            memo[k] = align.align(a, b)
        return memo[k]

    for members, gj in zip(groups, joins, strict=True):
        key = _policy_key(members, gj)
        done = reuse.get(key) if reuse is not None else None
        if done is None:
            a = Assembler(with_ontology=False)
            _policies(_Out(a), [members], gj, policy_of, aligned)
            done = Rendered.of(a.g.rows, keep_nt=False)
            done.key = key
            if reuse is not None:
                reuse[key] = done
        sections[f"policy {members[0].doc}"] = done
    index = _index(ctxs, policy_of)
    for ctx in ctxs:
        matches = _matches(ctx, index)
        mine = joins_of.get(str(ctx.doc), [])
        key = _links_key(ctx, policy_of, matches, index, mine)
        done = reuse.get(key) if reuse is not None else None
        if done is None:
            d = Assembler(with_ontology=False)
            out = _Out(d)
            d.g.add((ctx.doc, RDF.type, ELI.LegalExpression))
            d.g.add((ctx.doc, ELI.realizes, URIRef(policy_of[str(ctx.doc)])))
            _quantities(out, ctx, _citations(out, ctx, matches, policy_of), index)
            for a_, b_, why in mine:  # its side of its alignments
                _write_alignment(out, aligned(a_, b_), why, URIRef(policy_of[str(a_.doc)]), str(ctx.doc))
            done = combine([own(ctx.record, ctx.doc), Rendered.of(d.g.rows, keep_nt=False)], key=key)
            if reuse is not None:
                reuse[key] = done
        sections[str(ctx.doc)] = done
    return sections, summary


def _contexts(records: list[DocRecord], iris: dict[str, URIRef], findings: dict[str, Findings] | None) -> list[DocView]:
    ctxs = sorted((DocView.of(r, iris[r.source.path]) for r in records), key=lambda c: str(c.doc))
    for ctx in ctxs:
        f = (findings or {}).get(ctx.record.source.path)
        ctx.found = f if f is not None and f.doc == str(ctx.doc) else find_in_document(ctx.record, ctx.doc)
    return ctxs


def _index(ctxs: list[DocView], policy_of: dict[str, str]) -> citations.CitationIndex:
    return citations.CitationIndex([
        citations.DocInfo(str(c.doc), policy_of[str(c.doc)], c.lang, c.record.meta.title,
                          citations.parse_number(c.record.meta.doc_number or ""), c.issuers(), c.issued())
        for c in ctxs])


Match = tuple[citations.Citation, list[citations.DocInfo], str]


def _matches(ctx: DocView, index: citations.CitationIndex) -> list[Match]:
    """Each citation the document makes, with the documents of the corpus it names and how."""
    date, known = align.issue_date(ctx)
    year = int(date[:4]) if date and known else None
    return [(c, *index.match(c, year)) for c in ctx.found.citations]


def _links_key(ctx: DocView, policy_of: dict[str, str], matches: list[Match], index: citations.CitationIndex,
               joins: list[tuple[DocView, DocView, str]]) -> str:
    """Everything a document's section is made from: its content and IRI, its policy, the documents
    it is aligned with, and for each citation the policies matched with their issue dates
    (observations are dated from them)."""
    issued = index.issued_of()
    src = ctx.record.source
    parts = [src.sha256, src.name, str(ctx.doc), policy_of[str(ctx.doc)]]
    parts += [f"{align.identity(a)}|{align.identity(b)}|{why}" for a, b, why in joins]
    for c, hits, how in matches:
        policies = sorted({d.policy for d in hits})
        parts.append(repr((c.start, c.end, how, [(p, str(issued.get(p))) for p in policies])))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def document_inferences(assembler, record: DocRecord, doc: URIRef) -> int:
    """The inferences that need only one document (the competent departments of its measures), added
    to the assembler that holds that document's links; the number of inference nodes."""
    return competent.write(_Out(assembler), DocView.of(record, doc))


# ---------------------------------------------------------------- policies and alignment


def _policy_of(groups: list[list[DocView]]) -> dict[str, str]:
    return {str(c.doc): str(ID[f"policy/{align.policy_key(members)}"]) for members in groups for c in members}


def _policies(out: _Out, groups: list[list[DocView]], joined: list[tuple[DocView, DocView, str]],
              policy_of: dict[str, str], aligned: Callable[[DocView, DocView], align.Alignment]) -> None:
    g = out.g
    for members in groups:
        p = URIRef(policy_of[str(members[0].doc)])
        g.add((p, RDF.type, SMEKG.Policy))
        dates = sorted({align.issue_date(c) for c in members if c.record.meta.date}, key=lambda d: (not d[1], d[0]))
        if dates and len({d for d, known in dates if known} or {dates[0][0]}) == 1:
            g.add((p, DCTERMS.issued, Literal(dates[0][0], datatype=XSD.date)))
        for c in members:  # (the documents' own `a eli:LegalExpression; eli:realizes p` are in their sections)
            meta = c.record.meta
            g.add((p, ELI.is_realized_by, c.doc))
            if meta.title:
                g.add((p, DCTERMS.title, Literal(meta.title, lang=c.lang)))
                g.add((p, RDFS.label, Literal(meta.title, lang=c.lang)))
            if meta.doc_number:
                g.add((p, DCTERMS.identifier, Literal(meta.doc_number)))
    for a, b, why in joined:
        _write_alignment(out, aligned(a, b), why, URIRef(policy_of[str(a.doc)]), "node")


def _policy_key(members: list[DocView], joined: list[tuple[DocView, DocView, str]]) -> str:
    """Everything a policy's section is made from: its documents and the joins between them."""
    parts = [align.identity(c) for c in members]
    parts += [f"{align.identity(a)}|{align.identity(b)}|{why}" for a, b, why in joined]
    return "policy-" + hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _head_span(ctx: DocView) -> tuple[int, int]:
    span = ctx.record.meta.title_span
    if span:
        return span
    u = ctx.record.units[0] if ctx.record.units else Unit(0, 0, 0)
    return u.start, u.end


def _write_alignment(out: _Out, al: align.Alignment, why: str, policy: URIRef, part: str) -> None:
    """One part of an alignment: "node" (the alignment itself, in its policy's section), or one
    document's IRI (its side: its own and its measures' alignedWith links, in its section)."""
    g = out.g
    a, b = al.a, al.b
    node = URIRef(f"{policy}/alignment/{str(a.doc).rsplit('/', 1)[-1]}/{str(b.doc).rsplit('/', 1)[-1]}")
    if part != "node":
        _write_side(out, al, why, node, part)
        return
    g.add((node, RDF.type, SMEKG.TranslationAlignment))
    g.add((node, SMEKG.alignsDocument, a.doc))
    g.add((node, SMEKG.alignsDocument, b.doc))
    g.add((node, SMEKG.alignedMeasureCount, Literal(len(al.pairs))))
    g.add((node, SMEKG.score, Literal(Decimal(f"{al.ratio:.3f}"), datatype=XSD.decimal)))
    g.add((node, SMEKG.rule, Literal(why)))
    for m in al.unaligned_a + al.unaligned_b:
        g.add((node, SMEKG.unalignedMeasure, URIRef(m.iri)))


def _write_side(out: _Out, al: align.Alignment, why: str, node: URIRef, doc: str) -> None:
    g = out.g
    a, b = al.a, al.b
    for x, y in ((a, b), (b, a)):  # the documents themselves
        if str(x.doc) != doc:
            continue
        sx, sy = _head_span(x), _head_span(y)
        mention = span_mention(str(y.doc), "DOCUMENT", "document", x.text, sx[0], sx[1], f"same policy: {why}")
        ev = out.evidence(x.doc, x.doc, SMEKG.alignedWith, y.doc, mention)
        g.add((x.doc, SMEKG.alignedWith, y.doc))
        g.add((ev, RDF.type, SMEKG.Inference))
        out.target(ev, y.doc, y.text, sy[0], sy[1], "counterpart")
    for pair in al.pairs:
        for (cx, mx), (cy, my) in (((a, pair.a), (b, pair.b)), ((b, pair.b), (a, pair.a))):
            if str(cx.doc) != doc:
                continue
            sx, sy = URIRef(mx.iri), URIRef(my.iri)
            g.add((sx, SMEKG.alignedWith, sy))
            code = f"{str(cy.doc).rsplit('/', 1)[-1]}:{my.number or my.iri.rsplit('/', 1)[-1]}"
            mention = span_mention(my.iri, code, "measure", cx.text, mx.head[0], mx.head[1],
                                   f"measure alignment: {pair.basis}")
            ev = out.evidence(cx.doc, sx, SMEKG.alignedWith, sy, mention)
            g.add((ev, RDF.type, SMEKG.Inference))
            g.add((ev, SMEKG.score, Literal(Decimal(f"{pair.score:.3f}"), datatype=XSD.decimal)))
            g.add((ev, PROV.wasDerivedFrom, node))
            out.target(ev, cy.doc, cy.text, my.head[0], my.head[1], "counterpart")


# ---------------------------------------------------------------- citations


@dataclass(frozen=True)
class _Cited:
    citation: citations.Citation
    target: URIRef
    policy: str | None  # the matched policy of the graph, if any
    evidence: URIRef


def _owner(ctx: DocView, pos: int):
    for u, seg in ctx.body_units():
        if u.start <= pos < u.end:
            return seg
    return None


def _citations(out: _Out, ctx: DocView, matches: list[Match], policy_of: dict[str, str]) -> list[_Cited]:
    g = out.g
    vocab = load_vocabulary()
    own = policy_of[str(ctx.doc)]
    cited: list[_Cited] = []
    for c, hits, how in matches:
        policies = sorted({d.policy for d in hits})
        if own in policies:
            continue  # the document cites itself (or another version of itself)
        if policies:
            target = URIRef(policies[0])
        else:
            target = ID[f"work/{c.key}"]
            g.add((target, RDF.type, SMEKG.CitedWork))
            g.add((target, RDFS.label, Literal(c.label, lang=c.lang)))
            if c.title:
                g.add((target, DCTERMS.title, Literal(c.title, lang=c.lang)))
            if c.number_text:
                g.add((target, DCTERMS.identifier, Literal(c.number_text)))
            for code in c.issuers:
                try:
                    g.add((target, DCTERMS.creator, URIRef(vocab.find(code, ("department", "actor")).iri)))
                except Exception:  # an issuer code the vocabulary does not hold any more
                    continue
            if c.date and c.date.year:
                d = c.date.resolve(None)
                if d:
                    g.add((target, DCTERMS.issued, Literal(d.isoformat(), datatype=XSD.date)))
        rule = c.rule + (f"; matched by {how}" if how else "; not in the graph")
        seg = _owner(ctx, c.start)
        subjects = [_subject(ctx, seg)] + ([ctx.doc] if seg is not None and _subject(ctx, seg) != ctx.doc else [])
        first_ev = None
        for s in subjects:
            g.add((s, SMEKG.cites, target))
            g.add((s, DCTERMS.references, target))
            mention = span_mention(str(target), "WORK", "work", ctx.text, c.start, c.end, rule)
            ev = out.evidence(ctx.doc, s, SMEKG.cites, target, mention)
            first_ev = first_ev or ev
        cited.append(_Cited(c, target, policies[0] if policies else None, first_ev))
    return cited


# ---------------------------------------------------------------- quantities and observations


def _subject(ctx: DocView, seg: Segment | None) -> URIRef:
    """The IRI of a segment of the document `ctx` (the document itself for the root)."""
    if seg is None or seg is ctx.record.root or not seg.path:
        return ctx.doc
    return segment_iri(ctx.doc, seg)


def _dec(v: Decimal) -> Literal:
    return Literal(format(v.normalize(), "f"), datatype=XSD.decimal)


def _date_literal(d: PartialDate | None, resolved: dt.date | None) -> Literal | None:
    if resolved:
        return Literal(resolved.isoformat(), datatype=XSD.date)
    if d:
        return Literal(f"--{d.month:02d}-{d.day:02d}", datatype=XSD.gMonthDay)
    return None


def _quantities(out: _Out, ctx: DocView, cited: list[_Cited], index: citations.CitationIndex) -> None:
    g = out.g
    sosa = lambda local: URIRef(SOSA + local)  # noqa: E731
    year = ctx.year()
    issued_of = index.issued_of()
    for u, seg in ctx.body_units():
        subject = _subject(ctx, seg)
        last_date: PartialDate | None = None  # "71.7% on March 24, an increase of … from February 23"
        for q in ctx.found.quantities.get((u.start, u.end), ()):
            if q.date is None and q.since is not None and last_date is not None:
                q = replace(q, date=last_date)
            last_date = q.date or last_date
            about = _nearest(cited, q.start)
            after = issued_of.get(about.policy) if about and about.policy else None
            node = URIRef(f"{subject}/q/{q.start}")
            _write_quantity(g, node, q, ctx.lang, observations.resolve(q.date, year, after))
            g.add((subject, SMEKG.quantity, node))
            mention = span_mention(str(node), q.code, "quantity", ctx.text, q.start, q.end, q.rule)
            out.evidence(ctx.doc, subject, SMEKG.quantity, node, mention)
            cue = observations.is_reported(ctx.text, (u.start, u.end), q, ctx.lang)
            if not cue or q.kind == "deadline":
                continue
            obs = URIRef(f"{subject}/obs/{q.start}")
            g.add((obs, RDF.type, SMEKG.Observation))
            g.add((obs, RDF.type, SCHEMA.Observation))
            g.add((obs, RDF.type, sosa("Observation")))
            g.add((obs, sosa("hasResult"), node))
            if q.measured:
                g.add((obs, SCHEMA.variableMeasured, Literal(q.measured, lang=ctx.lang)))
            when = observations.resolve(q.date, year, after) or (
                observations.report_date(ctx, after) if q.date is None else None)
            if when:
                g.add((obs, SCHEMA.observationDate, Literal(when.isoformat(), datatype=XSD.date)))
            since = observations.resolve(q.since, year, after)
            lit = _date_literal(q.since, since)
            if lit is not None:
                g.add((obs, SMEKG.baselineDate, lit))
            if about:
                g.add((obs, SCHEMA.observationAbout, about.target))
                g.add((obs, sosa("hasFeatureOfInterest"), about.target))
                g.add((obs, PROV.wasDerivedFrom, about.evidence))
            g.add((subject, SMEKG.reportsObservation, obs))
            mention = span_mention(str(obs), "OBSERVATION", "observation", ctx.text, q.start, q.end,
                                   f"observation: reporting cue {cue!r}; {q.rule}")
            out.evidence(ctx.doc, subject, SMEKG.reportsObservation, obs, mention)


def _nearest(cited: list[_Cited], pos: int) -> _Cited | None:
    """The citation of a policy closest before `pos` (else the first after it); matched ones first."""
    pool = [c for c in cited if c.policy] or cited
    before = [c for c in pool if c.citation.start <= pos]
    if before:
        return max(before, key=lambda c: c.citation.start)
    return min(pool, key=lambda c: c.citation.start) if pool else None


def _write_quantity(g, node: URIRef, q: Quantity, lang: str, ref: dt.date | None) -> None:
    g.add((node, RDF.type, SMEKG.Quantity))
    g.add((node, RDF.type, SCHEMA.QuantitativeValue))
    if q.kind == "amount":
        g.add((node, RDF.type, SCHEMA.MonetaryAmount))
    if q.kind == "deadline":
        g.add((node, RDF.type, SMEKG.Deadline))
    g.add((node, SMEKG.quantityKind, Literal(q.kind)))
    g.add((node, SMEKG.bound, Literal(q.bound)))
    g.add((node, RDFS.label, Literal(q.exact, lang=lang)))
    if q.value is not None:  # "more than 30%" is a minimum, not a value
        prop = {"min": SCHEMA.minValue, "max": SCHEMA.maxValue}.get(q.bound, SCHEMA.value)
        g.add((node, prop, _dec(q.value)))
    if q.unit:
        g.add((node, SCHEMA.unitText, Literal(q.unit)))
    if q.unit_code:
        g.add((node, SCHEMA.unitCode, Literal(q.unit_code)))
    if q.qudt:
        g.add((node, QUDT_UNIT_PROP, URIRef(q.qudt)))
    if q.currency:
        g.add((node, SCHEMA.currency, Literal(q.currency)))
    if q.measured:
        g.add((node, SMEKG.quantityOf, Literal(q.measured, lang=lang)))
        g.add((node, SCHEMA.description, Literal(q.measured, lang=lang)))
    if q.of:
        g.add((node, SMEKG.percentageOf, Literal(q.of, lang=lang)))
    lit = _date_literal(q.date, ref)
    if lit is not None:
        g.add((node, SMEKG.referenceDate, lit))
    if q.due:
        g.add((node, SMEKG.dueDate, Literal(q.due, datatype=XSD.date)))
