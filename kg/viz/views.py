"""The views of the graph, as networkx graphs turned into vis-network data (`build_view` -> `VizResult`):
the view names (`VIEWS`, the one list the CLI offers), focus resolution, folding above the node cap, the
aggregated overviews. Nodes carry `cls`; edges are keyed by kind and may carry `measures`."""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from kg.errors import UnknownTerm
from kg.viz.elements import vis_lists
from kg.viz.labels import MESSAGES, Describer, message
from kg.viz.layout import bipartite_positions, layout_positions
from kg.viz.network import (
    DRAWN_LINKS,
    competent_instrument_measures,
    cooccurrence_measures,
    department_instrument_measures,
    document_of,
    node_class,
    overview_issuers,
    policy_graph,
)

VIEWS = ("full", "focus", "document", "departments-instruments", "cooccurrence")
WEIGHTED_VIEWS = ("departments-instruments", "cooccurrence")  # edges count measures: no arrows

# Measured in headless Chromium 156 (--disable-gpu, software canvas, 1400x900; synthetic policy graphs
# of ~3.3 edges per node; `python tests/test_browser.py measure`):
#   physics, time to ready: 245 nodes 8.1 s, 469 nodes 19 s, 1060 nodes 34 s, 2043 nodes 64 s (seed: 177, 2.5 s)
#   positions given, ready / full frame / click-highlight: 245: 0.5 s / 38 ms / 22 ms; 1060: 1.1 s / 106 ms /
#   68 ms; 2043: 1.4 s / 188 ms / 231 ms; 3013: 1.5 s / 353 ms / 406 ms; 4971: 4.6 s / 1.5 s / 1.4 s.
# So: browser physics up to PHYSICS_MAX nodes (ready in a few seconds), Python positions beyond; above
# NODE_CAP a frame and a click pass ~200 ms and the page stops feeling responsive: measures are folded.
NODE_CAP = 2000
PHYSICS_MAX = 200


@dataclass
class VizResult:
    """One view, ready to draw: vis-network node and edge dicts (data, not HTML)."""

    nodes: list[dict]
    edges: list[dict]
    notice: str | None
    view: str
    title: str = "SME policy graph"
    lang: str = "en"
    physics: bool = True
    notes: list[str] = field(default_factory=list)  # for stderr, in English: aggregation and layout

    def node(self, iri: str) -> dict | None:
        return next((n for n in self.nodes if n["iri"] == iri), None)

    def edge_pairs(self, kind: str | None = None) -> set[tuple[str, str]]:
        """(from IRI, to IRI) of the edges (of one kind)."""
        iri = {n["id"]: n["iri"] for n in self.nodes}
        return {(iri[e["from"]], iri[e["to"]]) for e in self.edges if kind is None or e["kind"] == kind}


def resolve_focus(g: Graph, P: nx.MultiDiGraph, focus: str) -> URIRef:
    """The node of `P` that `focus` names: an IRI, a code (skos:notation), a file name, an IRI's last
    segment or a label; UnknownTerm with suggestions otherwise."""
    want = focus.strip()
    low = want.lower()
    cands: list[URIRef] = []
    if URIRef(want) in P:
        cands.append(URIRef(want))
    if not cands:
        cands = sorted(s for s, o in g.subject_objects(SKOS.notation) if str(o).lower() == low)
    if not cands:
        cands = sorted(s for s, o in g.subject_objects(DCTERMS.source)
                       if str(o).lower() == low or str(o).lower() == low + ".txt")
    if not cands:
        cands = sorted(n for n in P if str(n).rstrip("/").rsplit("/", 1)[-1].lower() == low)
    if not cands:
        cands = sorted({s for p in (SKOS.prefLabel, SKOS.altLabel, RDFS.label, DCTERMS.title)
                        for s, o in g.subject_objects(p) if str(o).lower() == low})
    in_graph = [c for c in cands if c in P]
    if in_graph:
        return in_graph[0]
    if cands:
        raise UnknownTerm(f"--focus {focus!r} is known but no document or measure of the graph links to it")
    names = sorted({str(o) for o in g.objects(None, SKOS.notation)} | {str(o) for o in g.objects(None, DCTERMS.source)})
    close = difflib.get_close_matches(want, names, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else " (give a code such as PBC, a file name or an IRI)"
    raise UnknownTerm(f"--focus {focus!r} is not in the graph{hint}")


def _select(P: nx.MultiDiGraph, keep) -> nx.MultiDiGraph:
    return P.subgraph(keep).copy()


def fold_measures(D: nx.MultiDiGraph, P: nx.MultiDiGraph, g: Graph) -> nx.MultiDiGraph:
    """Measures replaced by their documents: document -kind-> object, with the measures behind it."""
    H = nx.MultiDiGraph()
    for n, d in D.nodes(data=True):
        if d["cls"] != "measure":
            H.add_node(n, **d)
    acc: dict[tuple, set] = defaultdict(set)
    for u, v, k, data in D.edges(keys=True, data=True):
        cu, cv = D.nodes[u]["cls"], D.nodes[v]["cls"]
        if cu == "measure" or cv == "measure":
            if cu == "measure" and cv != "measure":
                doc = document_of(g, u)
                if doc is not None and k != "has measure":
                    acc[(doc, v, k)].add(u)
                    if doc not in H:
                        H.add_node(doc, **P.nodes[doc])
            continue
        H.add_edge(u, v, key=k, **data)
    for (doc, v, k), ms in acc.items():
        H.add_edge(doc, v, key=k, measures=frozenset(ms))
    folded: dict = defaultdict(int)
    for m, d in D.nodes(data=True):
        if d["cls"] == "measure":
            folded[document_of(g, m)] += 1
    for n in H.nodes:
        H.nodes[n]["folded"] = folded.get(n, 0) if H.nodes[n]["cls"] == "document" else 0
    return H


def fold_documents(D: nx.MultiDiGraph, g: Graph) -> nx.MultiDiGraph:
    """Documents replaced by their issuers (departments, top-level actors): issuer -kind-> object."""
    H = nx.MultiDiGraph()
    issuers = {}
    for n, d in D.nodes(data=True):
        if d["cls"] == "document":
            issuers[n] = sorted(overview_issuers(g, n))
            if not issuers[n]:
                H.add_node(n, **d)
        else:
            H.add_node(n, **d)
    acc: dict[tuple, set] = defaultdict(set)
    for u, v, k, data in D.edges(keys=True, data=True):
        if u in issuers and issuers[u]:
            if k == "issued by":
                continue
            for dept in issuers[u]:
                if dept not in H:
                    H.add_node(dept, cls=node_class(g, dept), folded=0)
                acc[(dept, v, k)] |= set(data.get("measures") or ())
        elif v in issuers and issuers[v]:
            continue
        else:
            H.add_edge(u, v, key=k, **data)
    for (dept, v, k), ms in acc.items():
        if dept != v:
            H.add_edge(dept, v, key=k, measures=frozenset(ms))
    return H


def departments_instruments_graph(g: Graph, inferred: bool = True) -> nx.MultiDiGraph:
    """Bipartite: issuer -> instrument, weighted by the measures of the issuer's documents that use it;
    with `inferred`, also department -> instrument for the measures whose instrument is in the
    department's remit (dashed: who is competent, not who signed)."""
    D = nx.MultiDiGraph()
    kinds = [("measures", department_instrument_measures(g))]
    if inferred:
        kinds.append(("competent (inferred)", competent_instrument_measures(g)))
    for kind, pairs in kinds:
        for (dept, inst), ms in pairs.items():
            for n in (dept, inst):
                if n not in D:
                    D.add_node(n, cls=node_class(g, n))
            D.add_edge(dept, inst, key=kind, measures=frozenset(ms))
    return D


def cooccurrence_graph(g: Graph) -> nx.MultiDiGraph:
    """Instruments linked by the measures that combine them; isolated instruments are left out."""
    D = nx.MultiDiGraph()
    for (a, b), ms in cooccurrence_measures(g).items():
        for n in (a, b):
            if n not in D:
                D.add_node(n, cls=node_class(g, n))
        D.add_edge(a, b, key="co-occurs", measures=frozenset(ms))
    return D


def build_view(g: Graph, view: str = "full", focus: str | None = None, depth: int = 2, lang: str = "en",
               cap: int = NODE_CAP, physics_max: int = PHYSICS_MAX) -> VizResult:
    """The nodes and edges of one view (data only: assert on this, not on the HTML)."""
    if view not in VIEWS:
        raise UnknownTerm(f"unknown view {view!r}; choose {', '.join(VIEWS)}")
    if lang not in MESSAGES:
        raise UnknownTerm(f"unknown language {lang!r}; choose en or zh")
    if view == "full" and focus:
        view = "focus"
    said: list[tuple[str, dict]] = []  # (message key, values): on the page in `lang`, on stderr in English
    weighted = view in WEIGHTED_VIEWS
    target = None
    if view == "departments-instruments":
        D = departments_instruments_graph(g)
        title = message(lang, "title_departments-instruments")
    elif view == "cooccurrence":
        D = cooccurrence_graph(g)
        title = message(lang, "title_cooccurrence")
    if weighted and focus:  # the aggregate views honour --focus: that node, its edges and neighbours
        target = resolve_focus(g, D, focus)
        D = nx.compose(D.subgraph([target]), D.edge_subgraph(
            [(u, v, k) for u, v, k in D.edges(keys=True) if target in (u, v)])).copy()
    elif not weighted:
        D, title, target = _policy_view(g, view, focus, depth, lang, cap, said)
    notice = " ".join(message(lang, k, **kw) for k, kw in said) or None
    nodes, edges = vis_lists(D, g, lang, weighted)
    physics = _place(D, nodes, view, physics_max, said)
    if target is not None and target in D:
        node = next(n for n in nodes if n["iri"] == str(target))
        node["focus"] = True
        node["borderWidth"] = 4
        node["font"] = {**node.get("font", {}), "size": 18}
    notes = [message("en", k, **kw) for k, kw in said]
    return VizResult(nodes, edges, notice, view, title=title, lang=lang, physics=physics, notes=notes)


def _policy_view(g: Graph, view: str, focus: str | None, depth: int, lang: str, cap: int,
                 said: list) -> tuple[nx.MultiDiGraph, str, URIRef | None]:
    """The full, focus or document view of the policy graph, folded to `cap` nodes: (graph, title,
    the focus node or None)."""
    target = None
    P = policy_graph(g, DRAWN_LINKS)
    if view in ("document", "focus"):
        if not focus:
            need = "FILE (a document's file name)" if view == "document" else "CODE_OR_IRI (e.g. PBC)"
            raise UnknownTerm(f"--view {view} needs --focus {need}")
        target = resolve_focus(g, P, focus)
    if view == "document":
        if P.nodes[target]["cls"] != "document":
            raise UnknownTerm(f"--view document needs a document's file name; {focus!r} is a "
                              f"{P.nodes[target]['cls']} (use --focus without --view document)")
        D = _select(P, nx.single_source_shortest_path_length(P, target, cutoff=depth))
        title = message(lang, "title_document", x=Describer(g, lang).name(target))
    elif view == "focus":
        D = _select(P, nx.single_source_shortest_path_length(P.to_undirected(as_view=True), target, cutoff=depth))
        title = message(lang, "title_focus", x=Describer(g, lang).name(target), d=depth)
    else:
        D = P
        title = message(lang, "title_full")
    for n in D.nodes:
        D.nodes[n].setdefault("folded", 0)
    return _fold_to_cap(D, P, g, cap, target, said), title, target


def _fold_to_cap(D: nx.MultiDiGraph, P: nx.MultiDiGraph, g: Graph, cap: int, target: URIRef | None,
                 said: list) -> nx.MultiDiGraph:
    """Above `cap` nodes: measures folded into documents, then documents into issuers, then only the
    most connected nodes kept (the focus node always); each step is said."""
    if D.number_of_nodes() > cap:
        measures = sum(1 for _, d in D.nodes(data=True) if d["cls"] == "measure")
        said.append(("fold_measures", {"n": D.number_of_nodes(), "cap": cap, "m": measures}))
        D = fold_measures(D, P, g)
    if D.number_of_nodes() > cap:
        docs = sum(1 for _, d in D.nodes(data=True) if d["cls"] == "document")
        said.append(("fold_documents", {"n": D.number_of_nodes(), "m": docs}))
        D = fold_documents(D, g)
    if D.number_of_nodes() > cap:
        said.append(("truncate", {"n": D.number_of_nodes(), "cap": cap}))
        deg = D.degree()
        keep = sorted(D.nodes, key=lambda n: (-deg[n], str(n)))[:cap]
        if target is not None and target in D and target not in keep:
            keep[-1] = target
        D = D.subgraph(keep).copy()
    return D


def _place(D: nx.MultiDiGraph, nodes: list[dict], view: str, physics_max: int, said: list) -> bool:
    """Python positions on `nodes` for the overview and for views too big for the browser's physics;
    True when the browser lays the view out."""
    pos = None
    if view == "departments-instruments":
        pos = bipartite_positions(D)
    elif len(nodes) > physics_max:
        pos = layout_positions(D)
        said.append(("python_layout", {"n": len(nodes)}))
    if pos is not None:
        iri_pos = {str(n): p for n, p in pos.items()}
        for node in nodes:
            node["x"], node["y"] = iri_pos[node["iri"]]
    return pos is None
