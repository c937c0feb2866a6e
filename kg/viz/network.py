"""RDF -> networkx: the graphs analysts look at (documents, measures and what they link to).

`policy_graph` is the document -> measure -> concept graph; `department_instrument_measures` and
`cooccurrence_measures` are the two aggregated overviews (with the measures behind every count), and
`evidence_index` gathers the Web Annotation evidence of every extracted link so a drawing can show
why a link is there (matched text, character offsets, rule).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.namespaces import OA, ORG, SMEKG

LINKS = {
    SMEKG.issuedBy: "issued by",
    SMEKG.targets: "targets",
    SMEKG.involves: "involves",
    SMEKG.usesInstrument: "uses",
    SMEKG.mentionsRegion: "region",
    SMEKG.excludesRegion: "excludes",
}
# what a drawing shows on top of LINKS: actors a measure names, and the department inferred competent
DRAWN_LINKS = {
    **LINKS,
    SMEKG.mentionsOrganization: "mentions",
    SMEKG.inferredCompetentDepartment: "competent (inferred)",
}
CLASS_OF = [
    (SMEKG.PolicyDocument, "document"),
    (SMEKG.Measure, "measure"),
    (SMEKG.Department, "department"),
    (SMEKG.FinancingInstrument, "financing instrument"),
    (SMEKG.FiscalInstrument, "fiscal instrument"),
    (SMEKG.ServiceInstrument, "service instrument"),
    (SMEKG.EnterpriseType, "enterprise type"),
    (SMEKG.Region, "region"),
    (SMEKG.Actor, "actor"),
]


def node_class(g: Graph, n: URIRef) -> str:
    types = set(g.objects(n, RDF.type))
    for cls, name in CLASS_OF:
        if cls in types:
            return name
    if SMEKG.Instrument in types:
        return "service instrument"
    return "other"


def label(g: Graph, n: URIRef, lang: str = "en") -> str:
    """Preferred label in `lang` (falling back to the other language), else notation, number or IRI tail."""
    for prop in (SKOS.prefLabel, DCTERMS.title, RDFS.label):
        labels = sorted(g.objects(n, prop))
        for want in (lang, "en", "zh", None):
            for lit in labels:
                if want is None or (getattr(lit, "language", None) or "").lower().startswith(want):
                    return str(lit)
    notation = g.value(n, SKOS.notation)
    return str(notation) if notation else str(n).rsplit("/", 1)[-1]


def policy_graph(g: Graph, links: dict | None = None) -> nx.MultiDiGraph:
    """Documents -> measures -> departments, enterprise types, instruments, regions.

    Edges are keyed by the link's short name (`LINKS`, or `links` when given, e.g. `DRAWN_LINKS`).
    Measures inherit their document's issuers: `issued by` is drawn once, on the document.
    Every node carries `cls` (see `CLASS_OF`).
    """
    links = LINKS if links is None else links
    G = nx.MultiDiGraph()
    for m in g.subjects(RDF.type, SMEKG.Measure):
        G.add_node(m)
        doc = document_of(g, m)
        if doc is not None:
            G.add_edge(doc, m, key="has measure", label="has measure")
        for prop, name in links.items():
            if prop == SMEKG.issuedBy:
                continue
            for o in g.objects(m, prop):
                G.add_edge(m, o, key=name, label=name)
    for d in g.subjects(RDF.type, SMEKG.PolicyDocument):
        G.add_node(d)
        for o in g.objects(d, SMEKG.issuedBy):
            G.add_edge(d, o, key="issued by", label="issued by")
    for n in G.nodes:
        G.nodes[n]["cls"] = node_class(g, n)
    return G


def document_of(g: Graph, seg: URIRef) -> URIRef | None:
    """The PolicyDocument a segment is part of (following dcterms:isPartOf), or None."""
    seen = set()
    cur = seg
    while cur is not None and cur not in seen:
        seen.add(cur)
        if (cur, RDF.type, SMEKG.PolicyDocument) in g:
            return cur
        cur = g.value(cur, DCTERMS.isPartOf)
    return None


def overview_issuers(g: Graph, m: URIRef) -> set[URIRef]:
    """The issuers of a measure drawn in the overview: departments, and top-level actors (the State
    Council …) but not sub-organisations, which would repeat their department's counts."""
    out = set()
    for o in g.objects(m, SMEKG.issuedBy):
        if (o, RDF.type, SMEKG.Department) in g:
            out.add(o)
        elif (o, RDF.type, SMEKG.Actor) in g and g.value(o, ORG.subOrganizationOf) is None:
            out.add(o)
    return out


def department_instrument_measures(g: Graph) -> dict[tuple[URIRef, URIRef], set[URIRef]]:
    """(issuer, instrument) -> the measures of documents the issuer issued that use the instrument."""
    out: dict[tuple[URIRef, URIRef], set[URIRef]] = defaultdict(set)
    for m, inst in g.subject_objects(SMEKG.usesInstrument):
        for dept in overview_issuers(g, m):
            out[(dept, inst)].add(m)
    return dict(out)


def competent_instrument_measures(g: Graph) -> dict[tuple[URIRef, URIRef], set[URIRef]]:
    """(department, instrument) -> the measures using the instrument for which the department is inferred
    competent (`smekg:inferredCompetentDepartment`, because the vocabulary puts the instrument in its
    remit: `smekg:competentDepartment`)."""
    out: dict[tuple[URIRef, URIRef], set[URIRef]] = defaultdict(set)
    for m, dept in g.subject_objects(SMEKG.inferredCompetentDepartment):
        for inst in g.objects(m, SMEKG.usesInstrument):
            if (inst, SMEKG.competentDepartment, dept) in g:
                out[(dept, inst)].add(m)
    return dict(out)


def cooccurrence_measures(g: Graph) -> dict[tuple[URIRef, URIRef], set[URIRef]]:
    """(instrument a, instrument b), a < b -> the measures that use both."""
    out: dict[tuple[URIRef, URIRef], set[URIRef]] = defaultdict(set)
    for m in set(g.subjects(SMEKG.usesInstrument, None)):
        insts = sorted(set(g.objects(m, SMEKG.usesInstrument)))
        for a, b in combinations(insts, 2):
            out[(a, b)].add(m)
    return dict(out)


def cooccurrence(g: Graph) -> Counter:
    """(instrument, instrument) -> number of measures that use both."""
    return Counter({k: len(v) for k, v in cooccurrence_measures(g).items()})


@dataclass(frozen=True, order=True)
class Evidence:
    """Why one link is in the graph: the text matched in the source file and the rule that matched."""

    start: int | None
    end: int | None
    exact: str
    rule: str
    source: str


def evidence_index(g: Graph) -> dict[tuple[URIRef, URIRef, URIRef], list[Evidence]]:
    """(subject, link property, object) -> its evidence, sorted by position in the source file."""
    out: dict[tuple[URIRef, URIRef, URIRef], list[Evidence]] = defaultdict(list)
    for ev in g.subjects(RDF.type, SMEKG.Evidence):
        subject, prop, body = g.value(ev, SMEKG.evidenceFor), g.value(ev, SMEKG.linkProperty), g.value(ev, OA.hasBody)
        if subject is None or prop is None or body is None:
            continue
        rule = str(g.value(ev, SMEKG.rule) or "")
        for target in g.objects(ev, OA.hasTarget):  # one per place the link was found (by this rule)
            start = end = None
            exact, source = "", ""
            src = g.value(target, OA.hasSource)
            if src is not None:
                source = str(g.value(src, DCTERMS.source) or src)
            for sel in g.objects(target, OA.hasSelector):
                s, e, x = g.value(sel, OA.start), g.value(sel, OA.end), g.value(sel, OA.exact)
                if s is not None:
                    start = int(s)
                if e is not None:
                    end = int(e)
                if x is not None:
                    exact = str(x)
            out[(subject, prop, body)].append(Evidence(start, end, exact, rule, source))
    return {k: sorted(v, key=lambda e: (e.start if e.start is not None else -1, e.end or -1, e.exact, e.rule))
            for k, v in out.items()}
