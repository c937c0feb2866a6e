"""RDF serialisations of a graph for `kg export`: deterministic Turtle and N-Triples, JSON-LD, RDF/XML."""

from __future__ import annotations

from rdflib import Graph

from kg.errors import KGError
from kg.rdf.triples import nt_rows, ntriples_bytes, turtle_bytes

_FORMATS = {"turtle": "turtle", "ttl": "turtle", "nt": "nt", "ntriples": "nt", "jsonld": "json-ld",
            "json-ld": "json-ld", "xml": "xml", "rdfxml": "xml"}


def serialize(g: Graph, fmt: str = "turtle") -> bytes:
    """The graph in a deterministic serialisation (Turtle and N-Triples: same bytes for the same triples)."""
    if fmt not in _FORMATS:
        raise KGError(f"unknown format {fmt!r}; choose from turtle, nt, jsonld, xml")
    if _FORMATS[fmt] == "turtle":
        return turtle_bytes(nt_rows(g))
    if _FORMATS[fmt] == "nt":
        return ntriples_bytes(nt_rows(g))
    return g.serialize(format=_FORMATS[fmt], encoding="utf-8")
