"""RDF -> networkx: the graphs analysts look at (documents, measures and what they link to)."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.namespaces import SMEKG

LINKS = {
    SMEKG.issuedBy: "issued by",
    SMEKG.targets: "targets",
    SMEKG.involves: "involves",
    SMEKG.usesInstrument: "uses",
    SMEKG.mentionsRegion: "region",
    SMEKG.excludesRegion: "excludes",
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
    return "other"


def label(g: Graph, n: URIRef, lang: str = "en") -> str:
    """Preferred label in `lang` (falling back to the other language), else notation, number or IRI tail."""
    for prop in (SKOS.prefLabel, DCTERMS.title, RDFS.label):
        labels = list(g.objects(n, prop))
        for want in (lang, "en", "zh", None):
            for lit in labels:
                if getattr(lit, "language", None) == want or (want is None):
                    return str(lit)
    notation = g.value(n, SKOS.notation)
    return str(notation) if notation else str(n).rsplit("/", 1)[-1]


def policy_graph(g: Graph) -> nx.MultiDiGraph:
    """Documents -> measures -> departments, enterprise types, instruments, regions."""
    G = nx.MultiDiGraph()
    for m in g.subjects(RDF.type, SMEKG.Measure):
        doc = _document_of(g, m)
        if doc is not None:
            G.add_edge(doc, m, key="has measure", label="has measure")
        for prop, name in LINKS.items():
            for o in g.objects(m, prop):
                if prop == SMEKG.issuedBy:
                    continue  # measures inherit their document's issuers: drawn once, on the document
                G.add_edge(m, o, key=name, label=name)
    for d in g.subjects(RDF.type, SMEKG.PolicyDocument):
        G.add_node(d)
        for o in g.objects(d, SMEKG.issuedBy):
            G.add_edge(d, o, key="issued by", label="issued by")
    for n in G.nodes:
        G.nodes[n]["cls"] = node_class(g, n)
    return G


def _document_of(g: Graph, seg: URIRef) -> URIRef | None:
    seen = set()
    cur = seg
    while cur is not None and cur not in seen:
        seen.add(cur)
        if (cur, RDF.type, SMEKG.PolicyDocument) in g:
            return cur
        cur = g.value(cur, DCTERMS.isPartOf)
    return None


def department_instrument(g: Graph) -> Counter:
    """(department, instrument) -> number of measures of documents the department issued that use it."""
    c: Counter = Counter()
    for m, inst in g.subject_objects(SMEKG.usesInstrument):
        for dept in set(g.objects(m, SMEKG.issuedBy)):
            if (dept, RDF.type, SMEKG.Department) in g:
                c[(dept, inst)] += 1
    return c


def cooccurrence(g: Graph) -> Counter:
    """(instrument, instrument) -> number of measures that use both."""
    c: Counter = Counter()
    for m in set(g.subjects(SMEKG.usesInstrument, None)):
        insts = sorted(set(g.objects(m, SMEKG.usesInstrument)))
        for a, b in combinations(insts, 2):
            c[(a, b)] += 1
    return c
