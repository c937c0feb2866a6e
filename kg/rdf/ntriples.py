"""Triples as canonical N-Triples strings: the term formatter, rows from an rdflib Graph, and
N-Triples lines (kg.rdf.turtle writes the Turtle file from the same rows; kg.rdf.triples is the sink
kg's assembly writes them into).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from rdflib import BNode, Graph, Literal, URIRef

from kg.errors import KGError

Row = tuple[str, str, str]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
# canonical N-Triples string escapes (the same as Oxigraph's, so both back-ends give the same bytes)
_ESCAPES = {0x22: '\\"', 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x08: "\\b", 0x0C: "\\f"}
_ESCAPES.update({c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F] if c not in _ESCAPES})


def nt_string(text: str) -> str:
    """A plain string literal as N-Triples (as nt_term writes Literal(text))."""
    return '"' + text.translate(_ESCAPES) + '"'


def nt_integer(n: int) -> str:
    """An xsd:integer literal as N-Triples (as nt_term writes Literal(n))."""
    return f'"{n}"^^<{_XSD}integer>'


def nt_term(t) -> str:
    """One rdflib term as canonical N-Triples."""
    if isinstance(t, URIRef):
        return f"<{t}>"
    if isinstance(t, Literal):
        lex = '"' + str(t).translate(_ESCAPES) + '"'
        if t.language:
            return f"{lex}@{t.language.lower()}"
        dt = t.datatype
        if dt is None or str(dt) in (_XSD_STRING, _LANG_STRING):
            return lex
        if str(dt).startswith(_XSD):
            lex = '"' + canonical_lexical(str(t), str(dt)).translate(_ESCAPES) + '"'
        return f"{lex}^^<{dt}>"
    if isinstance(t, BNode):
        return f"_:{t}"
    raise KGError(f"cannot serialise the term {t!r}")


@cache
def _scratch():
    import pyoxigraph as ox

    return ox, ox.Store(), ox.NamedNode("urn:kg:s"), ox.NamedNode("urn:kg:p")


@lru_cache(maxsize=200_000)
def canonical_lexical(lex: str, datatype: str) -> str:
    """The lexical form Oxigraph keeps for a typed XSD literal (0.590 -> 0.59, 007 -> 7, 1.0E0 -> 1 …),
    so that the Turtle file and the store hold the very same terms. Invalid values are kept as given."""
    fast = _CANONICAL.get(datatype)
    if fast is not None and fast.fullmatch(lex):
        return lex
    ox, st, s, p = _scratch()
    q = ox.Quad(s, p, ox.Literal(lex, datatype=ox.NamedNode(datatype)))
    st.add(q)
    try:
        return next(iter(st.quads_for_pattern(s, p, None))).object.value
    finally:
        st.remove(q)


# lexical forms that are canonical already (no need to ask Oxigraph)
_CANONICAL = {_XSD + "integer": re.compile(r"-?[1-9][0-9]*|0"),
              _XSD + "decimal": re.compile(r"(?:-?[1-9][0-9]*|0)(?:\.[0-9]*[1-9])?"),
              _XSD + "boolean": re.compile(r"true|false"),
              _XSD + "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
              _XSD + "language": re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]+)*")}


def _spo(g: Graph):
    """(subject, {predicate: list of objects}) for every subject of the graph (each subject and
    predicate is then formatted once, not once per triple)."""
    by_s: dict = {}
    for s, p, o in g:
        by_s.setdefault(s, {}).setdefault(p, []).append(o)
    yield from by_s.items()


class _BlankNodes(Exception):
    pass


def nt_rows(g: Graph) -> list[tuple[str, str, str]]:
    """Every triple of `g` as a (subject, predicate, object) tuple of N-Triples strings, sorted."""
    native = getattr(g.store, "nt_rows", None)
    if native is not None:  # an Oxigraph-backed graph formats its own terms, in Rust
        return sorted(native())
    try:
        rows = _rows(g)
    except _BlankNodes:
        from rdflib.compare import to_canonical_graph

        rows = _rows(to_canonical_graph(g), bnodes=True)  # stable labels, whatever their order of creation
    rows.sort()
    return rows


def _rows(g: Graph, bnodes: bool = False) -> list[tuple[str, str, str]]:
    memo: dict = {}
    rows = []
    append = rows.append
    for s, pd in _spo(g):
        if not bnodes and isinstance(s, BNode):
            raise _BlankNodes
        a = nt_term(s)
        for p, objects in pd.items():
            b = memo.get(p)
            if b is None:
                b = memo[p] = nt_term(p)
            for o in objects:
                c = memo.get(o)
                if c is None:
                    if not bnodes and isinstance(o, BNode):
                        raise _BlankNodes
                    c = memo[o] = nt_term(o)
                append((a, b, c))
    return rows


def ntriples_bytes(rows: list[tuple[str, str, str]], sort: bool = True) -> bytes:
    """Canonical N-Triples, one line per triple, sorted (unless `sort` is False: for a bulk load)."""
    lines = [f"{s} {p} {o} ." for s, p, o in rows]
    if sort:
        lines.sort()
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def nt_line(s: str, p: str, o: str) -> str:
    return f"{s} {p} {o} .\n"


def split_lines(text: str) -> list[str]:
    """N-Triples text into its lines, each with its "\n" (not str.splitlines: a literal may hold
    U+0085 or U+2028, which N-Triples leaves as they are)."""
    return [line + "\n" for line in text.split("\n")[:-1]]


def parse_line(line: str) -> Row:
    """A canonical N-Triples line (as nt_line writes it) back to its row: IRIs hold no spaces."""
    s, p, o = line.rstrip("\n")[:-2].split(" ", 2)
    return s, p, o
