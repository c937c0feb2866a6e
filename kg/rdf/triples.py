"""A light triple sink: what kg's assembly (kg.rdf.assemble) writes into.

rdflib's Graph.add costs ~20 us a triple (events, three indexes, contexts); kg's assembly only ever
adds triples and asks whether one is there, so it writes into a `Triples` sink instead: every term
is formatted once (memoised, kg.rdf.ntriples) and a triple is a tuple of three strings in a set.
The same rows give the Turtle file (kg.rdf.turtle), sorted N-Triples for bulk loaders, and an rdflib
Graph when a caller wants one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib import Graph

from kg.rdf.ntriples import Row, nt_term, ntriples_bytes


class Triples:
    """A set of triples kept as canonical N-Triples rows: what kg's assembly writes into.

    `add` and `in` take rdflib terms (as rdflib's Graph does); every distinct term is formatted once.
    """

    def __init__(self, rows: Iterable[Row] = ()):
        self.rows: set[Row] = set(rows)
        self._memo: dict = {}

    def nt(self, t) -> str:
        """One rdflib term as N-Triples (memoised)."""
        s = self._memo.get(t)
        if s is None:
            s = self._memo[t] = nt_term(t)
        return s

    def add(self, triple) -> None:
        s, p, o = triple
        m = self._memo
        self.rows.add((m.get(s) or self.nt(s), m.get(p) or self.nt(p), m.get(o) or self.nt(o)))

    def __contains__(self, triple) -> bool:
        s, p, o = triple
        return (self.nt(s), self.nt(p), self.nt(o)) in self.rows

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def update(self, rows: Iterable[Row]) -> None:
        self.rows.update(rows)

    def sorted(self) -> list[Row]:
        return sorted(self.rows)

    def to_graph(self) -> Graph:
        """The same triples in an rdflib Graph (for callers that want rdflib's API)."""
        from kg.namespaces import bind_prefixes

        g = Graph()
        bind_prefixes(g)
        if self.rows:
            g.parse(data=ntriples_bytes(list(self.rows)).decode("utf-8"), format="nt")
        return g
