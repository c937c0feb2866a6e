"""Policies across languages and their alignments, as triples: a policy is a document and its
translations or versions (grouped by kg.rdf.align); its section holds the policy and the
TranslationAlignment nodes, and each document's section its side of its alignments (its own and its
measures' alignedWith links, with evidence). kg.rdf.corpus.corpus_sections calls these writers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from kg.model import Unit
from kg.namespaces import ELI, ID, SMEKG
from kg.rdf import align
from kg.rdf.assemble import EvidenceWriter
from kg.text.docview import DocView, span_mention


def policy_iris(groups: list[list[DocView]]) -> dict[str, str]:
    return {str(c.doc): str(ID[f"policy/{align.policy_key(members)}"]) for members in groups for c in members}


def write_policies(out: EvidenceWriter, groups: list[list[DocView]], joined: list[tuple[DocView, DocView, str]],
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
            if align.own_doc_number(c):  # (a number its text cites is not the policy's)
                g.add((p, DCTERMS.identifier, Literal(meta.doc_number)))
    for a, b, why in joined:
        write_alignment(out, aligned(a, b), why, URIRef(policy_of[str(a.doc)]), "node")


def policy_key(members: list[DocView], joined: list[tuple[DocView, DocView, str]]) -> str:
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


def write_alignment(out: EvidenceWriter, al: align.Alignment, why: str, policy: URIRef, part: str) -> None:
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


def _write_side(out: EvidenceWriter, al: align.Alignment, why: str, node: URIRef, doc: str) -> None:
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
