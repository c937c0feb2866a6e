"""Where a graph is read from: a Turtle file (rdflib, in memory) for now; the Oxigraph store and
remote SPARQL endpoints plug in here."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from kg.errors import StoreError
from kg.namespaces import bind_prefixes

DEFAULT_GRAPH = Path("build/graph.ttl")

_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".xml": "xml",
            ".owl": "xml", ".trig": "trig", ".nq": "nquads"}


def load_graph(path: Path | None = None) -> Graph:
    """Parse a graph file (default build/graph.ttl); StoreError with a one-line reason if it cannot be read."""
    path = Path(path or DEFAULT_GRAPH)
    if not path.exists():
        hint = " (run `kg build` first)" if path == DEFAULT_GRAPH else ""
        raise StoreError(f"graph file {path} not found{hint}")
    g = Graph()
    bind_prefixes(g)
    try:
        g.parse(path, format=_FORMATS.get(path.suffix.lower(), "turtle"))
    except Exception as e:  # rdflib raises many parser-specific types
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise StoreError(f"cannot parse {path}: {first}") from None
    return g
