"""The IRIs of instance data: documents, their segments, and the evidence of their links.

IRIs are minted from file names and tree positions only, so they are stable across runs.
"""

from __future__ import annotations

from urllib.parse import quote

from rdflib import URIRef

from kg.model import DocRecord, Segment
from kg.namespaces import ID


def doc_slug(name: str) -> str:
    stem = name[:-4] if name.lower().endswith(".txt") else name
    return quote(stem, safe="") or "_"


def default_doc_iri(name: str) -> URIRef:
    """A document's IRI when no other input file has the same name."""
    return ID[f"doc/{doc_slug(name)}"]


def doc_iris(records: list[DocRecord]) -> dict[str, URIRef]:
    """One IRI per document, from its file name (plus a content hash when two files share a name)."""
    seen: dict[str, int] = {}
    for r in records:
        seen[doc_slug(r.source.name)] = seen.get(doc_slug(r.source.name), 0) + 1
    out = {}
    for r in records:
        slug = doc_slug(r.source.name)
        if seen[slug] > 1:
            slug = f"{slug}_{r.source.sha256[:10]}"
        out[r.source.path] = ID[f"doc/{slug}"]
    return out


def evidence_iri(subject: URIRef, prop: URIRef, obj: URIRef, start: int) -> URIRef:
    """The IRI of the evidence of one link, from the link and the offset of its text (stable across runs)."""
    local = prop.split("#")[-1]
    code = str(obj).rsplit("/id/", 1)[-1].replace("/", "-")
    return URIRef(f"{subject}/ev/{local}/{quote(code, safe='-_.')}/{start}")


def segment_iri(doc: URIRef, seg: Segment) -> URIRef:
    return URIRef(f"{doc}/{'/'.join(str(p) for p in seg.path)}")
