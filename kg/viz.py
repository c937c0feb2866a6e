"""Stage 7: one self-contained, offline HTML page of the graph (vis-network inlined).

Node and edge lists are built in bulk with pyvis's data model, then written into kg's own template:
the data travels as JSON inside a <script type="application/json"> element with <, >, & escaped, and
the page puts labels and tooltips into the DOM as text only, so nothing from a document can run.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from kg.errors import UnknownTerm
from kg.namespaces import SMEKG
from kg.network import department_instrument, label, policy_graph

STYLE = {
    "document": ("#1f77b4", "box"),
    "measure": ("#aec7e8", "dot"),
    "department": ("#d62728", "diamond"),
    "actor": ("#ff9896", "diamond"),
    "enterprise type": ("#2ca02c", "triangle"),
    "financing instrument": ("#ff7f0e", "star"),
    "fiscal instrument": ("#9467bd", "star"),
    "service instrument": ("#8c564b", "star"),
    "region": ("#17becf", "square"),
    "other": ("#7f7f7f", "dot"),
}
NODE_CAP = 1500  # beyond this the measures are folded into their documents (see README for the measurement)
PHYSICS_MAX = 300  # beyond this positions are computed in Python and physics is off


@dataclass
class VizResult:
    nodes: list[dict]
    edges: list[dict]
    notice: str | None
    view: str


def _tooltip(g: Graph, n: URIRef, cls: str, lang: str) -> str:
    if cls == "measure":
        num = g.value(n, SMEKG.number)
        text = str(g.value(n, SMEKG.text) or "")
        trimmed = text if len(text) <= 400 else text[:400] + "…"
        return f"{cls} {num or ''}\n{label(g, n, lang)}\n\n{trimmed}".strip()
    notation = g.value(n, SKOS.notation)
    return f"{cls}: {label(g, n, lang)}" + (f" [{notation}]" if notation else "")


def _focus_nodes(G: nx.MultiDiGraph, g: Graph, focus: str, depth: int) -> set:
    target = None
    for n in G.nodes:
        if str(n) == focus or str(g.value(n, SKOS.notation) or "") .lower() == focus.lower() or \
                str(n).rstrip("/").endswith("/" + focus):
            target = n
            break
    if target is None:
        raise UnknownTerm(f"--focus {focus!r} is not a node of the graph (give a code such as PBC or an IRI)")
    return set(nx.ego_graph(G.to_undirected(as_view=True), target, radius=depth).nodes)


def build_view(g: Graph, view: str = "full", focus: str | None = None, depth: int = 2, lang: str = "en",
               cap: int = NODE_CAP) -> VizResult:
    notice = None
    if view == "departments-instruments":
        return _bipartite(g, lang)
    G = policy_graph(g)
    if focus:
        keep = _focus_nodes(G, g, focus, depth)
        G = G.subgraph(keep).copy()
    if G.number_of_nodes() > cap:
        measures = [n for n, d in G.nodes(data=True) if d["cls"] == "measure"]
        H = nx.MultiDiGraph()
        for n, d in G.nodes(data=True):
            if d["cls"] != "measure":
                H.add_node(n, **d)
        for u, v, k in G.edges(keys=True):
            if G.nodes[u]["cls"] == "measure" or G.nodes[v]["cls"] == "measure":
                continue
            H.add_edge(u, v, key=k, label=k)
        for m in measures:
            docs = [u for u in G.predecessors(m) if G.nodes[u]["cls"] == "document"]
            for doc in docs:
                for _, o, k in G.out_edges(m, keys=True):
                    H.add_edge(doc, o, key=k, label=k)
        notice = (f"{G.number_of_nodes()} nodes exceed the cap of {cap}: {len(measures)} measures are folded "
                  "into their documents. Use --focus or --view departments-instruments for detail.")
        G = H
    nodes, edges = [], []
    for n, d in sorted(G.nodes(data=True), key=lambda x: str(x[0])):
        color, shape = STYLE.get(d["cls"], STYLE["other"])
        nodes.append({"id": str(n), "label": _short(label(g, n, lang), d["cls"]), "title": _tooltip(g, n, d["cls"], lang),
                      "group": d["cls"], "color": color, "shape": shape})
    seen = set()
    for u, v, k in sorted(G.edges(keys=True), key=lambda e: (str(e[0]), str(e[1]), e[2])):
        if (u, v, k) in seen:
            continue
        seen.add((u, v, k))
        edges.append({"from": str(u), "to": str(v), "label": k, "title": k, "arrows": "to"})
    _layout(nodes, edges)
    return VizResult(nodes, edges, notice, view)


def _short(text: str, cls: str) -> str:
    limit = 40 if cls == "measure" else 60
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bipartite(g: Graph, lang: str) -> VizResult:
    counts = department_instrument(g)
    nodes, edges, seen = [], [], set()
    from kg.network import node_class

    for (dept, inst), w in sorted(counts.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        for n in (dept, inst):
            if n not in seen:
                seen.add(n)
                cls = node_class(g, n)
                color, shape = STYLE.get(cls, STYLE["other"])
                nodes.append({"id": str(n), "label": label(g, n, lang), "title": _tooltip(g, n, cls, lang),
                              "group": cls, "color": color, "shape": shape})
        edges.append({"from": str(dept), "to": str(inst), "value": w, "label": str(w),
                      "title": f"{w} measure(s)"})
    nodes.sort(key=lambda x: x["id"])
    _layout(nodes, edges)
    return VizResult(nodes, edges, None, "departments-instruments")


def _layout(nodes: list[dict], edges: list[dict]) -> None:
    """Fixed, seeded positions for large graphs (vis physics does not settle there)."""
    if len(nodes) <= PHYSICS_MAX:
        return
    G = nx.Graph()
    G.add_nodes_from(n["id"] for n in nodes)
    G.add_edges_from((e["from"], e["to"]) for e in edges)
    pos = nx.spring_layout(G, seed=7, iterations=30, scale=max(1000, 12 * len(nodes) ** 0.5 * 10))
    for n in nodes:
        x, y = pos[n["id"]]
        n["x"], n["y"], n["physics"] = float(x), float(y), False


def _script_json(obj) -> str:
    """JSON safe to embed in an HTML <script> element (no </script>, no HTML comment, no entity)."""
    s = json.dumps(obj, ensure_ascii=False, sort_keys=True)
    return s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").replace(
        "\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_html(result: VizResult, title: str = "SME policy knowledge graph", lang: str = "en") -> str:
    base = resources.files("pyvis") / "templates" / "lib" / "vis-9.1.2"
    js = (base / "vis-network.min.js").read_text(encoding="utf-8")
    css = (base / "vis-network.css").read_text(encoding="utf-8")
    page = resources.files("kg.templates").joinpath("graph.html").read_text(encoding="utf-8")
    legend = sorted({n["group"] for n in result.nodes})
    data = {"nodes": result.nodes, "edges": result.edges, "legend": {k: STYLE.get(k, STYLE["other"]) for k in legend},
            "notice": result.notice, "physics": len(result.nodes) <= PHYSICS_MAX, "view": result.view}
    js_safe = js.replace("</script", "<\\/script")
    return (page.replace("{{TITLE}}", html.escape(title)).replace("{{LANG}}", html.escape(lang))
            .replace("{{CSS}}", css.replace("</style", "<\\/style")).replace("{{DATA}}", _script_json(data))
            .replace("{{VISJS}}", js_safe))


def write_viz(g: Graph, out: Path, view: str = "full", focus: str | None = None, depth: int = 2,
              lang: str = "en") -> VizResult:
    from rdflib.namespace import DCTERMS

    from kg.build import write_atomic

    if view == "document" and not focus:
        raise UnknownTerm("--view document needs --focus FILE (a document's file name)")
    if view == "document":
        docs = []
        for d in g.subjects(DCTERMS.source, None):
            if str(g.value(d, DCTERMS.source)) == focus or str(g.value(d, DCTERMS.source)).endswith(focus):
                docs.append(str(d))
        if not docs:
            raise UnknownTerm(f"no document with file name {focus!r} in the graph")
        focus = docs[0]
    result = build_view(g, "full" if view in ("document",) else view, focus=focus, depth=depth, lang=lang)
    write_atomic(out, render_html(result, lang=lang).encode("utf-8"))
    return result
