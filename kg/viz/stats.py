"""Counts and graph analytics of a built graph."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import networkx as nx
from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF, SKOS

from kg.namespaces import SMEKG
from kg.viz.network import cooccurrence, label, policy_graph


@dataclass
class Stats:
    triples: int
    counts: dict[str, int]
    links: dict[str, int]
    documents: list[dict] = field(default_factory=list)
    top_instruments: list[tuple[str, int]] = field(default_factory=list)
    top_enterprise_types: list[tuple[str, int]] = field(default_factory=list)
    central_instruments: list[tuple[str, float]] = field(default_factory=list)
    graph: dict[str, float] = field(default_factory=dict)


def compute_stats(g: Graph) -> Stats:
    counts = {name: len(set(g.subjects(RDF.type, cls))) for name, cls in (
        ("documents", SMEKG.PolicyDocument), ("sections", SMEKG.Section), ("measures", SMEKG.Measure),
        ("preambles", SMEKG.Preamble), ("evidence", SMEKG.Evidence))}
    links = {p.split("#")[-1]: len(set(g.subject_objects(p))) for p in (
        SMEKG.issuedBy, SMEKG.targets, SMEKG.involves, SMEKG.usesInstrument, SMEKG.mentionsOrganization,
        SMEKG.mentionsRegion, SMEKG.excludesRegion, SMEKG.inferredCompetentDepartment)}
    docs = []
    for d in sorted(g.subjects(RDF.type, SMEKG.PolicyDocument)):
        measures = [m for m in g.subjects(RDF.type, SMEKG.Measure) if _under(g, m, d)]
        docs.append({
            "file": str(g.value(d, DCTERMS.source) or ""),
            "language": str(g.value(d, DCTERMS.language) or ""),
            "encoding": str(g.value(d, SMEKG.encoding) or ""),
            "issued": str(g.value(d, DCTERMS.issued) or ""),
            "issuers": ", ".join(sorted(str(g.value(o, SKOS.notation) or "") for o in g.objects(d, SMEKG.issuedBy))),
            "measures": len(measures),
            "duplicates_removed": int(g.value(d, SMEKG.duplicatesRemoved) or 0),
            "noise_removed": int(g.value(d, SMEKG.noiseRemoved) or 0),
        })
    inst = Counter(label(g, o) for _, o in set(g.subject_objects(SMEKG.usesInstrument)))
    ent = Counter(label(g, o) for p in (SMEKG.targets, SMEKG.involves) for _, o in set(g.subject_objects(p)))
    G = nx.Graph()
    for (a, b), w in cooccurrence(g).items():
        G.add_edge(label(g, a), label(g, b), weight=w)
    central = sorted(nx.degree_centrality(G).items(), key=lambda kv: (-kv[1], kv[0]))[:5] if G else []
    P = policy_graph(g).to_undirected()
    graph = {"nodes": P.number_of_nodes(), "edges": P.number_of_edges(),
             "components": nx.number_connected_components(P) if P else 0,
             "density": round(nx.density(nx.Graph(P)), 4) if P.number_of_nodes() > 1 else 0.0}
    return Stats(len(g), counts, links, docs, inst.most_common(5), ent.most_common(5), central, graph)


def _under(g: Graph, node, doc) -> bool:
    seen = set()
    while node is not None and node not in seen:
        if node == doc:
            return True
        seen.add(node)
        node = g.value(node, DCTERMS.isPartOf)
    return False
