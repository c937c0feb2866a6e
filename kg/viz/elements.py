"""A networkx view as vis-network node and edge dicts (`vis_lists`), in the styles of `STYLE` and
`EDGE_STYLE`: colour and shape (or dashes) per node class and edge kind."""

from __future__ import annotations

import networkx as nx
from rdflib import Graph
from rdflib.namespace import SKOS

from kg.viz.labels import Describer
from kg.viz.network import label

# class -> (colour, vis shape); colour and shape both differ, for colour-blind readers
STYLE = {
    "document": ("#1f4e79", "box"),
    "measure": ("#9ecae1", "dot"),
    "department": ("#d62728", "diamond"),
    "actor": ("#f4a3a8", "diamond"),
    "enterprise type": ("#2ca02c", "triangle"),
    "financing instrument": ("#ff7f0e", "hexagon"),
    "fiscal instrument": ("#9467bd", "hexagon"),
    "service instrument": ("#8c564b", "hexagon"),
    "region": ("#17becf", "square"),
    "other": ("#7f7f7f", "dot"),
}
CLASS_ORDER = list(STYLE)
# edge kind -> (colour, dashes)
EDGE_STYLE = {
    "has measure": ("#9aa5b1", False),
    "issued by": ("#d62728", False),
    "targets": ("#2ca02c", False),
    "involves": ("#2ca02c", True),
    "uses": ("#ff7f0e", False),
    "region": ("#17becf", False),
    "excludes": ("#17becf", True),
    "mentions": ("#f4a3a8", True),
    "competent (inferred)": ("#d62728", True),
    "measures": ("#e08a3c", False),
    "co-occurs": ("#8064a2", False),
}


def vis_lists(D: nx.MultiDiGraph, g: Graph, lang: str, weighted: bool) -> tuple[list[dict], list[dict]]:
    """Nodes and edges of `D` as vis-network dicts, sorted by IRI (ids in that order); `weighted` views
    draw no arrows."""
    desc = Describer(g, lang)
    order = sorted(D.nodes, key=str)
    ids = {n: i for i, n in enumerate(order)}
    degree = {n: 0 for n in order}
    for u, v, k, data in D.edges(keys=True, data=True):
        if k == "has measure":
            continue
        c = len(data["measures"]) if data.get("measures") is not None else 1
        for n in (u, v):
            if D.nodes[n]["cls"] not in ("measure", "document"):
                degree[n] += c
    nodes = []
    for n in order:
        cls = D.nodes[n]["cls"]
        color, shape = STYLE.get(cls, STYLE["other"])
        notation = g.value(n, SKOS.notation)
        full = desc.name(n)
        node = {"id": ids[n], "iri": str(n), "label": desc.short(n, cls), "group": cls, "color": color,
                "shape": shape, "tip": desc.node_tip(n, cls, degree[n], D.nodes[n].get("folded", 0)),
                "search": " ".join(x for x in (full, str(notation or ""), label(g, n, "zh" if lang == "en" else "en"))
                                   if x).lower()}
        if cls == "document":
            node["font"] = {"color": "#ffffff"}
        elif cls != "measure":
            node["value"] = max(1, degree[n])
        nodes.append(node)
    edges = []
    for u, v, k, data in sorted(D.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), e[2])):
        color, dashes = EDGE_STYLE.get(k, ("#999999", False))
        ms = data.get("measures")
        e = {"from": ids[u], "to": ids[v], "kind": k, "color": color, "tip": desc.edge_tip(u, v, k, ms)}
        if dashes:
            e["dashes"] = True
        if not weighted:
            e["arrows"] = "to"
        if ms is not None:
            e["value"] = len(ms)
            if len(ms) > 1:
                e["label"] = str(len(ms))
        edges.append(e)
    for i, e in enumerate(edges):
        e["id"] = i
    return nodes, edges

