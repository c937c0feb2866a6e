"""What kg.rdf.corpus finds in one document and writes as triples: its citations (matched to the
policies of the corpus), its quantities and the observations they report, each with evidence.

`find_in_document` runs on one document alone (where it is extracted, in a worker); the writers run in
the corpus pass, once the policies are known (kg.rdf.corpus.corpus_sections). Citations first:
observations are about the policy cited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from kg.model import DocRecord, Segment
from kg.namespaces import ID, SCHEMA, SMEKG
from kg.rdf.align import edge_dates
from kg.rdf.assemble import EvidenceWriter
from kg.rdf.iris import segment_iri
from kg.text import citations, observations
from kg.text.dates import PartialDate
from kg.text.docview import DocView, span_mention
from kg.text.quantities import Quantity, find_quantities
from kg.vocab import load_vocabulary

SOSA = "http://www.w3.org/ns/sosa/"
QUDT_UNIT_PROP = URIRef("http://qudt.org/schema/qudt/unit")


@dataclass
class Findings:
    """What kg.rdf.corpus finds in one document alone: computed where the document is extracted (a
    worker) and kept with it, so that the corpus pass only matches and writes."""

    doc: str  # the document IRI they were found with
    citations: list[citations.Citation]
    quantities: dict[tuple[int, int], list[Quantity]]  # (unit start, unit end) -> quantities in it
    edge_dates: frozenset[str] | None = None  # kg.rdf.align.edge_dates (policy grouping's blocking keys)


def find_in_document(record: DocRecord, doc: URIRef) -> Findings:
    ctx = DocView.of(record, doc)
    year = ctx.year()
    found = {}
    for u, _ in ctx.body_units():
        qs = find_quantities(ctx.text, u.start, u.end, ctx.lang, year)
        if qs:
            found[(u.start, u.end)] = qs
    return Findings(str(doc), citations.find_citations(ctx), found, edge_dates(ctx))


Match = tuple[citations.Citation, list[citations.DocInfo], str]  # a citation, the documents it names, and how


# ---------------------------------------------------------------- citations


@dataclass(frozen=True)
class Cited:
    citation: citations.Citation
    target: URIRef
    policy: str | None  # the matched policy of the graph, if any
    evidence: URIRef


def _owner(ctx: DocView, pos: int):
    for u, seg in ctx.body_units():
        if u.start <= pos < u.end:
            return seg
    return None


def write_citations(out: EvidenceWriter, ctx: DocView, matches: list[Match], policy_of: dict[str, str]) -> list[Cited]:
    g = out.g
    vocab = load_vocabulary()
    own = policy_of[str(ctx.doc)]
    cited: list[Cited] = []
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
        cited.append(Cited(c, target, policies[0] if policies else None, first_ev))
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


def write_quantities(out: EvidenceWriter, ctx: DocView, cited: list[Cited], index: citations.CitationIndex) -> None:
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


def _nearest(cited: list[Cited], pos: int) -> Cited | None:
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
