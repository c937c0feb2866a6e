"""kg stats is linear (issue 18): its figures, worked out from one scan per property, are those of the
direct definitions (a measure counts for every document on its dcterms:isPartOf chain; the policy graph
of kg.viz.network made undirected), on the seed corpus's Turtle and on its Oxigraph store."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from kg.namespaces import SMEKG
from kg.viz.network import label, policy_graph
from kg.viz.stats import compute_stats


def _under(g, node, doc) -> bool:
    seen = set()
    while node is not None and node not in seen:
        if node == doc:
            return True
        seen.add(node)
        node = g.value(node, DCTERMS.isPartOf)
    return False


def _expected(g: Graph) -> dict:
    docs = sorted(g.subjects(RDF.type, SMEKG.PolicyDocument))
    measures = set(g.subjects(RDF.type, SMEKG.Measure))
    P = policy_graph(g).to_undirected()
    inst = Counter(label(g, o) for _, o in set(g.subject_objects(SMEKG.usesInstrument)))
    return {"measures": [sum(_under(g, m, d) for m in measures) for d in docs],
            "graph": {"nodes": P.number_of_nodes(), "edges": P.number_of_edges(),
                      "components": nx.number_connected_components(P),
                      "density": round(nx.density(nx.Graph(P)), 4)},
            "instruments": sorted(inst.items(), key=lambda kv: (-kv[1], kv[0]))[:5],
            "measure_count": len(measures)}


@pytest.fixture(scope="module")
def seed_with_store(tmp_path_factory):
    from kg.build.job import build
    from kg.resources import default_corpus
    from kg.store.local import store_path

    out = tmp_path_factory.mktemp("stats") / "graph.ttl"
    build([default_corpus()], out, workers=1, store=store_path(out))
    return out


@pytest.mark.parametrize("backend", ["rdflib", "oxigraph"])
def test_stats_figures_are_the_direct_definitions(seed_with_store, backend):
    from kg.store.local import load_graph, store_path

    out = seed_with_store
    g = load_graph(store_path(out) if backend == "oxigraph" else out)
    st = compute_stats(g)
    want = _expected(g)
    assert [d["measures"] for d in st.documents] == want["measures"] and sum(want["measures"]) > 20
    assert st.graph == want["graph"]
    assert st.top_instruments == want["instruments"]
    assert st.counts["measures"] == want["measure_count"]
    assert st.links["usesInstrument"] == len(set(g.subject_objects(SMEKG.usesInstrument)))


def test_stats_measures_per_document_follow_chains_and_stop_at_cycles():
    g = Graph()
    d1, d2, s, m1, m2, m3, c1, c2 = (URIRef(f"urn:kg:{n}") for n in ("d1", "d2", "s", "m1", "m2", "m3", "c1", "c2"))
    for d in (d1, d2):
        g.add((d, RDF.type, SMEKG.PolicyDocument))
        g.add((d, DCTERMS.source, Literal(f"{d}.txt")))
    for m in (m1, m2, m3):
        g.add((m, RDF.type, SMEKG.Measure))
    g.add((s, DCTERMS.isPartOf, d1))
    g.add((m1, DCTERMS.isPartOf, s))  # measure -> section -> d1
    g.add((m2, DCTERMS.isPartOf, d1))
    g.add((m3, DCTERMS.isPartOf, c1))  # a cycle that reaches no document
    g.add((c1, DCTERMS.isPartOf, c2))
    g.add((c2, DCTERMS.isPartOf, c1))
    st = compute_stats(g)
    assert {d["file"]: d["measures"] for d in st.documents} == {"urn:kg:d1.txt": 2, "urn:kg:d2.txt": 0}
    assert st.graph == _expected(g)["graph"]
