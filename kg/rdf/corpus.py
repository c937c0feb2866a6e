"""What needs the whole corpus: the policies across languages and their alignments, and per document its
citations (matched to the policies of the corpus), quantities and observations, each with evidence in
the style of kg.rdf.assemble.

`corpus_sections(records, iris, …)` makes them (kg.rdf.graph.assemble_rendered calls it once): one
section per policy (kg.rdf.policies) and one per document, its own triples joined with what kg.rdf.findings
writes for it, that a later build reuses while its inputs are unchanged. Order matters: policies first
(citations resolve to them), then citations (observations are about the policy cited), quantities and
observations.
`document_inferences(assembler, record, doc)` adds what needs one document only (the competent
departments inferred from its instruments, kg.rdf.competent), with that document's own triples
(kg.rdf.graph.document_rows).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import RDF

from kg.model import DocRecord
from kg.namespaces import ELI
from kg.rdf import align, competent, policies
from kg.rdf import findings as doc_findings
from kg.rdf.assemble import Assembler, EvidenceWriter
from kg.rdf.findings import Findings, Match, find_in_document
from kg.rdf.turtle import Rendered, combine
from kg.text import citations
from kg.text.docview import DocView

__all__ = ["corpus_sections", "document_inferences", "find_in_document", "Findings", "Summary"]

Joins = list[tuple[DocView, DocView, str]]  # pairs of documents of one policy, and why


@dataclass
class Summary:
    """The policies and alignments corpus_sections found (for tests and reports)."""

    policies: dict[str, list[str]] = field(default_factory=dict)  # policy IRI -> document IRIs
    alignments: list[tuple[str, str, str]] = field(default_factory=list)  # document IRIs aligned, and why


def corpus_sections(records: list[DocRecord], iris: dict[str, URIRef], own: Callable[[DocRecord, URIRef], Rendered],
                    findings: dict[str, Findings] | None = None,
                    reuse: MutableMapping[str, Rendered] | None = None,
                    decided: MutableMapping[str, tuple[bool, str]] | None = None,
                    extras: dict[str, Rendered] | None = None) -> tuple[dict[str, Rendered], Summary]:
    """The graph's sections (kg.rdf.graph.assemble_rendered merges them) but the ontology's:

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
    `extras`: filled, for each document section made here (not reused), with what it adds to the
    document's own triples (a store loaded with the own triples early needs only these: kg.store.background).
    """
    ctxs = _contexts(records, iris, findings)
    aligned = align.Aligner()
    groups, joined = align.group(ctxs, decided, aligned)
    policy_of = policies.policy_iris(groups)
    summary = Summary({policy_of[str(m[0].doc)]: [str(c.doc) for c in m] for m in groups},
                      [(str(a.doc), str(b.doc), why) for a, b, why in joined])
    group_of = {str(c.doc): i for i, members in enumerate(groups) for c in members}
    joins: list[Joins] = [[] for _ in groups]
    joins_of: dict[str, Joins] = {}
    for j in joined:
        joins[group_of[str(j[0].doc)]].append(j)
        for c in j[:2]:
            joins_of.setdefault(str(c.doc), []).append(j)
    sections = _policy_sections(groups, joins, policy_of, aligned, reuse)
    sections.update(_document_sections(ctxs, policy_of, joins_of, aligned, own, reuse, extras))
    return sections, summary


def _policy_sections(groups: list[list[DocView]], joins: list[Joins], policy_of: dict[str, str],
                     aligned: Callable[[DocView, DocView], align.Alignment],
                     reuse: MutableMapping[str, Rendered] | None) -> dict[str, Rendered]:
    """One section per policy: the policy and the alignments of its documents."""
    sections: dict[str, Rendered] = {}
    for members, gj in zip(groups, joins, strict=True):
        key = policies.policy_key(members, gj)
        done = reuse.get(key) if reuse is not None else None
        if done is None:
            a = Assembler(with_ontology=False)
            for m in members:
                a.knows(m.doc, m.record.source)
            policies.write_policies(EvidenceWriter(a), [members], gj, policy_of, aligned)
            done = Rendered.of(a.g.rows, keep_nt=False)
            done.key = key
            if reuse is not None:
                reuse[key] = done
        sections[f"policy {members[0].doc}"] = done
    return sections


def _document_sections(ctxs: list[DocView], policy_of: dict[str, str], joins_of: dict[str, Joins],
                       aligned: Callable[[DocView, DocView], align.Alignment],
                       own: Callable[[DocRecord, URIRef], Rendered],
                       reuse: MutableMapping[str, Rendered] | None,
                       extras: dict[str, Rendered] | None = None) -> dict[str, Rendered]:
    """One section per document: its own triples, citations, quantities, observations and its side of
    its alignments."""
    sections: dict[str, Rendered] = {}
    index = _index(ctxs, policy_of)
    for ctx in ctxs:
        matches = _matches(ctx, index)
        mine = joins_of.get(str(ctx.doc), [])
        key = _links_key(ctx, policy_of, matches, index, mine)
        done = reuse.get(key) if reuse is not None else None
        if done is None:
            d = Assembler(with_ontology=False)
            for c in [ctx, *(x for pair in mine for x in pair[:2])]:
                d.knows(c.doc, c.record.source)
            out = EvidenceWriter(d)
            d.g.add((ctx.doc, RDF.type, ELI.LegalExpression))
            d.g.add((ctx.doc, ELI.realizes, URIRef(policy_of[str(ctx.doc)])))
            cited = doc_findings.write_citations(out, ctx, matches, policy_of)
            doc_findings.write_quantities(out, ctx, cited, index)
            for a_, b_, why in mine:  # its side of its alignments
                policies.write_alignment(out, aligned(a_, b_), why, URIRef(policy_of[str(a_.doc)]), str(ctx.doc))
            added = Rendered.of(d.g.rows, keep_nt=False)
            done = combine([own(ctx.record, ctx.doc), added], key=key)
            if extras is not None:
                extras[str(ctx.doc)] = added
            if reuse is not None:
                reuse[key] = done
        sections[str(ctx.doc)] = done
    return sections


def _contexts(records: list[DocRecord], iris: dict[str, URIRef], findings: dict[str, Findings] | None) -> list[DocView]:
    ctxs = sorted((DocView.of(r, iris[r.source.path]) for r in records), key=lambda c: str(c.doc))
    for ctx in ctxs:
        f = (findings or {}).get(ctx.record.source.path)
        ctx.found = f if f is not None and f.doc == str(ctx.doc) else find_in_document(ctx.record, ctx.doc)
    return ctxs


def _index(ctxs: list[DocView], policy_of: dict[str, str]) -> citations.CitationIndex:
    return citations.CitationIndex([
        citations.DocInfo(str(c.doc), policy_of[str(c.doc)], c.lang, c.record.meta.title,
                          align.own_number(c), c.issuers(), c.issued())
        for c in ctxs])



def _matches(ctx: DocView, index: citations.CitationIndex) -> list[Match]:
    """Each citation the document makes, with the documents of the corpus it names and how."""
    date, known = align.issue_date(ctx)
    year = int(date[:4]) if date and known else None
    return [(c, *index.match(c, year)) for c in ctx.found.citations]


def _links_key(ctx: DocView, policy_of: dict[str, str], matches: list[Match], index: citations.CitationIndex,
               joins: Joins) -> str:
    """Everything a document's section is made from: its content and IRI, its policy, the documents
    it is aligned with, and for each citation the policies matched with their issue dates
    (observations are dated from them)."""
    issued = index.issued_of()
    src = ctx.record.source
    parts = [src.sha256, src.name, str(ctx.doc), policy_of[str(ctx.doc)]]
    parts += [f"{align.identity(a)}|{align.identity(b)}|{why}" for a, b, why in joins]
    for c, hits, how in matches:
        matched = sorted({d.policy for d in hits})
        parts.append(repr((c.start, c.end, how, [(p, str(issued.get(p))) for p in matched])))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def document_inferences(assembler, record: DocRecord, doc: URIRef) -> int:
    """The inferences that need only one document (the competent departments of its measures), added
    to the assembler that holds that document's links; the number of inference nodes."""
    return competent.write(EvidenceWriter(assembler), DocView.of(record, doc))
