"""RDF serialisations of a graph for `kg export`: deterministic Turtle and N-Triples, JSON-LD, RDF/XML."""

from __future__ import annotations

from rdflib import Graph

from kg.errors import KGError
from kg.rdf.ntriples import nt_rows, ntriples_bytes
from kg.rdf.turtle import turtle_bytes

# The one table of RDF formats: names (`kg export --format`) and file suffixes (graph files that
# kg.store reads) -> rdflib's format names.
RDF_FORMATS = {"turtle": "turtle", "ttl": "turtle", "nt": "nt", "ntriples": "nt", "jsonld": "json-ld",
               "json-ld": "json-ld", "xml": "xml", "rdfxml": "xml"}
SUFFIX_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml",
                  ".xml": "xml", ".owl": "xml", ".trig": "trig", ".nq": "nquads"}


def format_for_suffix(suffix: str, default: str = "turtle") -> str:
    """rdflib's format name for a graph file's suffix (".ttl", ".JSONLD" …); `default` if unknown."""
    return SUFFIX_FORMATS.get(suffix.lower(), default)


def serialize(g: Graph, fmt: str = "turtle") -> bytes:
    """The graph in a deterministic serialisation (Turtle and N-Triples: same bytes for the same triples)."""
    if fmt not in RDF_FORMATS:
        raise KGError(f"unknown format {fmt!r}; choose from turtle, nt, jsonld, xml")
    if RDF_FORMATS[fmt] == "turtle":
        return turtle_bytes(nt_rows(g))
    if RDF_FORMATS[fmt] == "nt":
        return ntriples_bytes(nt_rows(g))
    if RDF_FORMATS[fmt] == "json-ld":
        return jsonld_bytes(g)
    return g.serialize(format=RDF_FORMATS[fmt], encoding="utf-8")


def jsonld_context() -> dict:
    """kg's published JSON-LD context (ontology/context.jsonld): prefixes and short names of the main terms."""
    import json

    from kg.resources import data_dir

    return json.loads((data_dir("ontology") / "context.jsonld").read_text(encoding="utf-8"))


def jsonld_bytes(g: Graph) -> bytes:
    """JSON-LD compacted with kg's context (the context is embedded, so the file reads on its own)."""
    return g.serialize(format="json-ld", context=jsonld_context()["@context"], auto_compact=True,
                       encoding="utf-8")
