"""rdflib terms <-> pyoxigraph terms: the one converter of kg (the store, kg.sparql's look-ups and rows)."""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef, Variable

from kg.errors import StoreError

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_ox(t):
    """The pyoxigraph term for an rdflib term; None for None and for a variable (a pattern's blank).
    The one rdflib -> pyoxigraph converter of kg (the store, kg.sparql's look-ups)."""
    import pyoxigraph as ox

    if t is None or isinstance(t, Variable):
        return None
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))
    raise TypeError(f"not an RDF term: {t!r}")


def from_ox(t):
    """The rdflib term for a pyoxigraph term (None for None); xsd:string literals become plain ones."""
    import pyoxigraph as ox

    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        if t.datatype.value in (_XSD_STRING, _LANG_STRING):
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(t.datatype.value))
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    raise StoreError(f"unsupported term in the store: {t!r}")


class Terms:
    """to_ox and from_ox, the latter memoised (vocabularies and documents repeat in results)."""

    def __init__(self):
        import pyoxigraph as ox

        self.ox = ox
        self.memo: dict = {}
        self.to_ox = to_ox

    def to_rdflib(self, t):
        if t is None:
            return None
        r = self.memo.get(t)
        if r is not None:
            return r
        r = from_ox(t)
        if len(self.memo) > 200_000:
            self.memo.clear()
        self.memo[t] = r
        return r


__all__ = ["Terms", "from_ox", "to_ox"]
