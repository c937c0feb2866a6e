"""Counts and graph analytics of a built graph."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

import networkx as nx
from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF, SKOS

from kg.namespaces import SMEKG
from kg.viz.network import LINKS, label


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
    """The figures of `kg stats`, linear in the graph: each property the figures read is scanned once
    (`_Scan`), and everything per document, measure or node is worked out from those scans in memory;
    plain counts are one aggregate query where the store runs SPARQL itself (Oxigraph)."""
    scan = _Scan(g)
    inst = Counter(scan.label(o) for _, o in set(scan.pairs(SMEKG.usesInstrument)))
    ent = Counter(scan.label(o) for p in (SMEKG.targets, SMEKG.involves) for _, o in set(scan.pairs(p)))
    G = nx.Graph()
    for insts in scan.objects(SMEKG.usesInstrument).values():  # as kg.viz.network.cooccurrence
        for a, b in combinations(sorted(insts), 2):
            G.add_edge(scan.label(a), scan.label(b))
    central = sorted(nx.degree_centrality(G).items(), key=lambda kv: (-kv[1], kv[0]))[:5] if G else []
    return Stats(len(g), _counts(scan, "?s a ?c", "COUNT(DISTINCT ?s)", _CLASSES),
                 _counts(scan, "?s ?c ?o", "COUNT(*)", _LINKS), _documents(scan), _top(inst), _top(ent),
                 central, _policy_figures(scan))


def _top(c: Counter) -> list[tuple[str, int]]:
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:5]  # ties by label


_CLASSES = {"documents": SMEKG.PolicyDocument, "sections": SMEKG.Section, "measures": SMEKG.Measure,
            "preambles": SMEKG.Preamble, "evidence": SMEKG.Evidence}
_LINKS = {p.split("#")[-1]: p for p in (
    SMEKG.issuedBy, SMEKG.targets, SMEKG.involves, SMEKG.usesInstrument, SMEKG.mentionsOrganization,
    SMEKG.mentionsRegion, SMEKG.excludesRegion, SMEKG.inferredCompetentDepartment)}


def _counts(scan: _Scan, pattern: str, agg: str, keys: dict) -> dict[str, int]:
    """{key: instances of the class keys[key]} (pattern "?s a ?c") or {key: triples of the property}:
    one aggregate query on a store that runs SPARQL itself (no triple turned into Python objects),
    a scan on rdflib's memory store (where SPARQL is the slow way)."""
    g = scan.g
    if not getattr(g.store, "native_sparql", False):
        return {k: len(scan.instances(v)) if pattern == "?s a ?c" else len(set(scan.pairs(v)))
                for k, v in keys.items()}
    values = " ".join(f"<{v}>" for v in keys.values())
    found = {row[0]: int(row[1]) for row in g.query(
        f"SELECT ?c ({agg} AS ?n) WHERE {{ VALUES ?c {{ {values} }} {pattern} }} GROUP BY ?c")}
    return {k: found.get(v, 0) for k, v in keys.items()}


class _Scan:
    """The (subject, object) pairs of each property, read once; the instances of a class; labels."""

    def __init__(self, g: Graph):
        self.g = g
        self._pairs: dict = {}
        self._objects: dict = {}
        self._instances: dict = {}
        self._labels: dict = {}

    def pairs(self, prop) -> list:
        if prop not in self._pairs:
            self._pairs[prop] = list(self.g.subject_objects(prop))
        return self._pairs[prop]

    def objects(self, prop) -> dict:
        """subject -> the set of its objects of `prop`."""
        if prop not in self._objects:
            out: dict = {}
            for s, o in self.pairs(prop):
                out.setdefault(s, set()).add(o)
            self._objects[prop] = out
        return self._objects[prop]

    def first(self, prop) -> dict:
        """subject -> one object of `prop` (the first met, as Graph.value gives one)."""
        out: dict = {}
        for s, o in self.pairs(prop):
            out.setdefault(s, o)
        return out

    def instances(self, cls) -> set:
        if cls not in self._instances:
            self._instances[cls] = set(self.g.subjects(RDF.type, cls))
        return self._instances[cls]

    def label(self, node) -> str:  # one look-up per node, however many links point at it
        if node not in self._labels:
            self._labels[node] = label(self.g, node)
        return self._labels[node]


def _policy_figures(scan: _Scan) -> dict:
    """Nodes, edges, connected components and density of kg.viz.network.policy_graph made undirected
    (documents -> measures -> what they link to; documents -> issuers), from the scans: an edge is an
    unordered pair of nodes and the link's name, as in the undirected multigraph."""
    measures, docs = scan.instances(SMEKG.Measure), scan.instances(SMEKG.PolicyDocument)
    parent = scan.first(DCTERMS.isPartOf)
    nodes = set(measures) | set(docs)
    edges: set = set()
    for m in measures:
        d = _document_of(m, parent, docs)
        if d is not None:
            edges.add((frozenset((d, m)), "has measure"))
    for prop, name in LINKS.items():
        objects = scan.objects(prop)
        for s in (docs if prop == SMEKG.issuedBy else measures):
            for o in objects.get(s, ()):
                edges.add((frozenset((s, o)), name))
    S = nx.Graph()
    S.add_nodes_from(nodes)
    S.add_edges_from(tuple(pair) * (3 - len(pair)) for pair, _ in edges)  # (n, n) for a loop
    return {"nodes": S.number_of_nodes(), "edges": len(edges),
            "components": nx.number_connected_components(S) if S else 0,
            "density": round(nx.density(S), 4) if S.number_of_nodes() > 1 else 0.0}


def _document_of(node, parent: dict, docs: set):
    """The first PolicyDocument on the dcterms:isPartOf chain from `node` (itself included), as
    kg.viz.network.document_of."""
    seen = set()
    while node is not None and node not in seen:
        if node in docs:
            return node
        seen.add(node)
        node = parent.get(node)
    return None


_DOC_FIELDS = (("file", DCTERMS.source), ("language", DCTERMS.language), ("encoding", SMEKG.encoding),
               ("issued", DCTERMS.issued), ("duplicates_removed", SMEKG.duplicatesRemoved),
               ("noise_removed", SMEKG.noiseRemoved))


def _documents(scan: _Scan) -> list[dict]:
    """One row per PolicyDocument: its fields, issuers and number of measures."""
    docs = sorted(scan.instances(SMEKG.PolicyDocument))
    fields = {key: scan.first(prop) for key, prop in _DOC_FIELDS}
    issuers = scan.objects(SMEKG.issuedBy)
    notation: dict = {}
    for d in docs:
        for o in issuers.get(d, ()):
            if o not in notation:
                notation[o] = str(scan.g.value(o, SKOS.notation) or "")
    measures = _measures_per_document(scan, set(docs))
    return [{
        "file": str(fields["file"].get(d) or ""),
        "language": str(fields["language"].get(d) or ""),
        "encoding": str(fields["encoding"].get(d) or ""),
        "issued": str(fields["issued"].get(d) or ""),
        "issuers": ", ".join(sorted(notation[o] for o in issuers.get(d, ()))),
        "measures": measures[d],
        "duplicates_removed": int(fields["duplicates_removed"].get(d) or 0),
        "noise_removed": int(fields["noise_removed"].get(d) or 0),
    } for d in docs]


def _measures_per_document(scan: _Scan, docs: set) -> Counter:
    """document -> the measures whose dcterms:isPartOf chain reaches it. Each node's documents are worked
    out once and shared by every node below it; a cycle in the chain ends the walk."""
    parent = scan.first(DCTERMS.isPartOf)
    above: dict = {}  # node -> the documents on its chain, itself included

    def chain_docs(node) -> frozenset:
        path, tail = [], frozenset()
        while node is not None:
            if node in above:
                tail = above[node]
                break
            if node in path:  # a cycle: every node on it reaches the same documents
                k = path.index(node)
                tail = frozenset(n for n in path[k:] if n in docs)
                above.update(dict.fromkeys(path[k:], tail))
                path = path[:k]
                break
            path.append(node)
            node = parent.get(node)
        for n in reversed(path):
            tail = tail | {n} if n in docs else tail
            above[n] = tail
        return tail

    counts: Counter = Counter()
    for m in scan.instances(SMEKG.Measure):
        counts.update(chain_docs(m))
    return counts
