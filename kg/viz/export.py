"""The policy network for the tools analysts already have: GraphML and GEXF (Gephi, Cytoscape, yEd)
and node/edge CSV files (pandas, spreadsheets), from the same graph model the viz draws
(`kg.viz.network.policy_graph`), with labels in a chosen language instead of IRIs.

Nodes carry `label`, `cls` (document, measure, department, instrument class, enterprise type, region,
actor), `code` (skos:notation, where there is one) and `iri`; edges carry `label` (the link: targets,
uses, issued by …) and `weight` (how many links of that kind join the two nodes: 1 in the policy
graph, the number of measures in the aggregated view).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from kg.io import write_atomic
from kg.viz.network import DRAWN_LINKS, label, policy_graph

NETWORK_FORMATS = ("graphml", "gexf", "csv")


def network(g: Graph, lang: str = "en") -> nx.DiGraph:
    """The policy network as a simple directed graph with string ids, labels and weights."""
    P = policy_graph(g, DRAWN_LINKS)
    N = nx.DiGraph()
    ids = {n: _node_id(n) for n in P.nodes}
    for n, data in sorted(P.nodes(data=True), key=lambda nd: ids[nd[0]]):
        code = g.value(n, SKOS.notation) if isinstance(n, URIRef) else None
        N.add_node(ids[n], label=label(g, n, lang), cls=data.get("cls", "other"), code=str(code or ""),
                   iri=str(n))
    for u, v, k in sorted(P.edges(keys=True), key=lambda e: (ids[e[0]], ids[e[1]], str(e[2]))):
        a, b = ids[u], ids[v]
        if N.has_edge(a, b):
            N[a][b]["weight"] += 1
            if str(k) not in N[a][b]["label"].split("; "):
                N[a][b]["label"] += f"; {k}"
        else:
            N.add_edge(a, b, label=str(k), weight=1)
    return N


def _node_id(n) -> str:
    """A short, stable node id: the IRI's path under the instance or ontology namespace."""
    s = str(n)
    for base in ("https://w3id.org/smekg/id/", "https://w3id.org/smekg/ontology#"):
        if s.startswith(base):
            return s[len(base):]
    return s


def network_bytes(g: Graph, fmt: str, lang: str = "en") -> dict[str, bytes]:
    """The network in `fmt` as {file suffix: bytes}: one file for GraphML and GEXF, two (nodes, edges) for CSV."""
    N = network(g, lang)
    if fmt == "graphml":
        return {".graphml": "\n".join(nx.generate_graphml(N, prettyprint=True)).encode("utf-8") + b"\n"}
    if fmt == "gexf":
        return {".gexf": "\n".join(nx.generate_gexf(N, prettyprint=True)).encode("utf-8") + b"\n"}
    if fmt == "csv":
        return {".nodes.csv": _csv(["id", "label", "class", "code", "iri"],
                                   ([n, d["label"], d["cls"], d["code"], d["iri"]] for n, d in N.nodes(data=True))),
                ".edges.csv": _csv(["source", "target", "label", "weight"],
                                   ([u, v, d["label"], d["weight"]] for u, v, d in N.edges(data=True)))}
    raise ValueError(f"unknown network format {fmt!r}; choose {', '.join(NETWORK_FORMATS)}")


def _csv(header: list[str], rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_network(g: Graph, out: Path, fmt: str, lang: str = "en") -> list[Path]:
    """Write the network next to `out` (`out` itself for GraphML/GEXF; OUT.nodes.csv and OUT.edges.csv for
    CSV, `out` without its suffix); the paths written."""
    out = Path(out)
    files = network_bytes(g, fmt, lang)
    if len(files) == 1:
        (data,) = files.values()
        write_atomic(out, data)
        return [out]
    stem = out.with_suffix("") if out.suffix.lower() == ".csv" else out
    written = []
    for suffix, data in files.items():
        path = stem.parent / f"{stem.name}{suffix}"
        write_atomic(path, data)
        written.append(path)
    return written
