"""Triples as canonical N-Triples strings: the term formatter, a light triple sink, and the fast
deterministic Turtle and N-Triples writers.

rdflib's Graph.add costs ~20 us a triple (events, three indexes, contexts) and its Turtle serializer
~250 us; kg's assembly only ever adds triples and asks whether one is there, so it writes into a
`Triples` sink instead: every term is formatted once (memoised) and a triple is a tuple of three
strings in a set. The same rows give the Turtle file, sorted N-Triples for bulk loaders, and an
rdflib Graph when a caller wants one.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate

from rdflib import BNode, Graph, Literal, URIRef

from kg.errors import KGError
from kg.namespaces import PREFIXES

Row = tuple[str, str, str]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
# canonical N-Triples string escapes (the same as Oxigraph's, so both back-ends give the same bytes)
_ESCAPES = {0x22: '\\"', 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x08: "\\b", 0x0C: "\\f"}
_ESCAPES.update({c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F] if c not in _ESCAPES})
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INTEGER = re.compile(r"[+-]?[0-9]+")


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


def _memory_index(g: Graph):
    """rdflib's Memory store keeps an s -> p -> o index; reading it directly formats each subject and
    predicate once instead of once per triple (3-5 x faster than iterating the graph). Only used when
    the index holds exactly this graph's triples (a plain Graph on its own store)."""
    from rdflib.plugins.stores.memory import Memory

    if type(g.store) is not Memory:
        return None
    spo = getattr(g.store, "_Memory__spo", None)
    if not isinstance(spo, dict):
        return None
    n = sum(len(od) for pd in spo.values() for od in pd.values())
    return spo if n == len(g) else None


def _spo(g: Graph):
    """(subject, {predicate: iterable of objects}) for every subject of the graph."""
    spo = _memory_index(g)
    if spo is not None:
        yield from spo.items()
        return
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


class _Compactor:
    """N-Triples terms to Turtle: prefixed names where the local part is plainly safe, bare integers."""

    def __init__(self, prefixes: dict[str, str]):
        self.ns = {ns: p for p, ns in prefixes.items()}
        self.used: set[str] = set()
        self.memo: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        cut = max(iri.rfind("#"), iri.rfind("/")) + 1
        prefix = self.ns.get(iri[:cut]) if cut else None
        if prefix is not None and _LOCAL.fullmatch(iri, cut):
            self.used.add(prefix)
            return f"{prefix}:{iri[cut:]}"
        return f"<{iri}>"

    def __call__(self, term: str) -> str:
        out = self.memo.get(term)
        if out is not None:
            return out
        if term.startswith("<"):
            out = self.iri(term[1:-1])
        elif term.startswith('"'):
            end = term.rfind('"')
            lex, suffix = term[: end + 1], term[end + 1:]
            if suffix.startswith("^^<"):
                dt = suffix[3:-1]
                if dt == _XSD + "integer" and _INTEGER.fullmatch(lex, 1, len(lex) - 1):
                    out = lex[1:-1]
                elif dt == _XSD + "boolean" and lex in ('"true"', '"false"'):
                    out = lex[1:-1]
                else:
                    out = f"{lex}^^{self.iri(dt)}"
            else:
                out = term
        else:
            out = term
        self.memo[term] = out
        return out


class _Expander:
    """The inverse of _Compactor: a Turtle term as _block writes it back to N-Triples."""

    def __init__(self, prefixes: dict | None = None):
        self.ns = {p: str(ns) for p, ns in (prefixes or PREFIXES).items()}
        self.memo: dict[str, str] = {"a": _RDF_TYPE}

    def __call__(self, term: str) -> str:
        out = self.memo.get(term)
        if out is not None:
            return out
        if term.startswith(("<", "_:")):
            out = term
        elif term.startswith('"'):
            end = term.rfind('"')
            suffix = term[end + 1:]
            out = term if not suffix.startswith("^^") or suffix.startswith("^^<") else \
                f"{term[: end + 1]}^^{self(suffix[2:])}"
        elif term in ("true", "false"):
            out = f'"{term}"^^<{_XSD}boolean>'
        elif _INTEGER.fullmatch(term):
            out = f'"{term}"^^<{_XSD}integer>'
        else:
            prefix, _, local = term.partition(":")
            out = f"<{self.ns[prefix]}{local}>"
        self.memo[term] = out
        return out


@cache
def _expander() -> _Expander:
    return _Expander()


def block_lines(block: str) -> list[str]:
    """One subject's Turtle statement (as _block writes it) back to its N-Triples lines. Literals are
    written with their line breaks escaped, so every line of a statement holds one term or two."""
    x = _expander()
    lines = block.split("\n")
    s = x(lines[0])
    out, p = [], ""
    for line in lines[1:]:
        if not line:
            continue
        body = line[:-1] if line.endswith(",") else line[:-2]
        if line.startswith("        "):
            o = body[8:]
        else:
            pt, _, o = body[4:].partition(" ")
            p = x(pt)
        out.append(f"{s} {p} {x(o)} .\n")
    return out


def _block(c: _Compactor, s: str, pos: list[tuple[str, str]]) -> str:
    """One subject's Turtle statement: rdf:type first, then predicates and objects in code-point order."""
    pos.sort(key=lambda po: (po[0] != _RDF_TYPE, po[0], po[1]))
    out = [c(s)]
    prev_p = None
    for p, o in pos:
        if p != prev_p:
            out.append("\n    " if prev_p is None else " ;\n    ")
            out.append("a" if p == _RDF_TYPE else c(p))
            out.append(" ")
        else:
            out.append(",\n        ")
        out.append(c(o))
        prev_p = p
    out.append(" .\n")
    return "".join(out)


def turtle_blocks(rows: Iterable[Row], c: _Compactor) -> dict[str, str]:
    """Each subject's Turtle statement, keyed by the subject's N-Triples form (rows must be unique)."""
    return {s: _block(c, s, pos) for s, pos in group_rows(rows).items()}


def compactor(prefixes: dict | None = None) -> _Compactor:
    return _Compactor({p: str(ns) for p, ns in (prefixes or PREFIXES).items()})


def turtle_document(blocks: Iterable[tuple[str, str]], used: Iterable[str], prefixes: dict | None = None,
                    presorted: bool = False) -> bytes:
    """The Turtle file from (subject, statement) pairs: prefixes used, then the statements by subject."""
    prefixes = {p: str(ns) for p, ns in (prefixes or PREFIXES).items()}
    body = "\n".join(text for _, text in (blocks if presorted else sorted(blocks, key=lambda b: b[0])))
    head = "".join(f"@prefix {p}: <{prefixes[p]}> .\n" for p in sorted(set(used)))
    return (head + ("\n" if head and body else "") + body).encode("utf-8")


def turtle_bytes(rows: Iterable[Row], prefixes: dict | None = None) -> bytes:
    """Deterministic Turtle from unique rows: one statement per subject in code-point order of the
    subjects' N-Triples forms, rdf:type first, then predicates and objects in the same order."""
    c = compactor(prefixes)
    blocks = turtle_blocks(rows, c)
    return turtle_document(blocks.items(), c.used, prefixes)


def group_rows(rows: Iterable[Row]) -> dict[str, list[tuple[str, str]]]:
    """Unique rows grouped by subject: {subject: [(predicate, object), ...]}."""
    by_s: dict[str, list[tuple[str, str]]] = {}
    for s, p, o in rows:
        pos = by_s.get(s)
        if pos is None:
            by_s[s] = [(p, o)]
        else:
            pos.append((p, o))
    return by_s


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


@dataclass
class Rendered:
    """A set of triples grouped by subject, each subject's Turtle statement already written: one
    document's own triples, rendered where the document was extracted (a worker) and cached with
    it, or the ontology's or the corpus-level ones. Kept as two strings and offsets (the Turtle
    statements and the N-Triples lines, both in subject order) so that it pickles and loads fast;
    `merge` joins several into one Turtle file without formatting them again."""

    subjects: list[str]  # sorted (code-point order of the N-Triples forms)
    turtle: str
    turtle_at: list[int]  # statement i is turtle[turtle_at[i]:turtle_at[i + 1]]
    prefixes: frozenset[str]
    count: int
    nt: str | None = None  # the N-Triples lines, grouped by subject in the same order (if kept)
    nt_at: list[int] | None = None  # subject i's lines are nt[nt_at[i]:nt_at[i + 1]]
    key: str = ""  # what it was made from, when it is kept in a cache under that name

    @classmethod
    def of(cls, rows: Iterable[Row], keep_nt: bool = True) -> Rendered:
        """`keep_nt`: keep the N-Triples lines too (faster to read back than parsing the statements,
        twice the size: worth it for the sections made in the parent, not for the cached ones)."""
        c = compactor()
        by_s = group_rows(rows)
        subjects = sorted(by_s)
        turtle, nt, t_at, n_at = [], [], [0], [0]
        tn = nn = 0
        for s in subjects:
            pos = by_s[s]
            block = _block(c, s, pos)
            turtle.append(block)
            tn += len(block)
            t_at.append(tn)
            if keep_nt:
                lines = "".join(f"{s} {p} {o} .\n" for p, o in pos)
                nt.append(lines)
                nn += len(lines)
                n_at.append(nn)
        count = sum(len(pos) for pos in by_s.values())
        if keep_nt:
            return cls(subjects, "".join(turtle), t_at, frozenset(c.used), count, "".join(nt), n_at)
        return cls(subjects, "".join(turtle), t_at, frozenset(c.used), count)

    def block(self, i: int) -> str:
        return self.turtle[self.turtle_at[i]:self.turtle_at[i + 1]]

    def lines(self, i: int) -> list[str]:
        if self.nt is None or self.nt_at is None:
            return block_lines(self.block(i))
        return split_lines(self.nt[self.nt_at[i]:self.nt_at[i + 1]])

    def all_lines(self) -> list[str]:
        if self.nt is None:
            return [line for i in range(len(self.subjects)) for line in self.lines(i)]
        return split_lines(self.nt)

    def rows(self) -> Iterator[Row]:
        for line in self.all_lines():
            yield parse_line(line)

    def __len__(self) -> int:
        return self.count


def _union(sections: list[Rendered]) -> tuple[list[str], list[str], dict[str, set[str]], set[str], int]:
    """The union of rendered sets, by subject in order: (subjects, statements, the N-Triples lines of
    the subjects several sets hold, prefixes used, number of triples). A subject found in one set
    keeps its statement; one found in several is written again from the union of its triples."""
    counts = Counter(s for sec in sections for s in sec.subjects)  # C speed; duplicates are few
    dups = {s for s, k in counts.items() if k > 1}
    used: set[str] = set()
    n = 0
    shared: dict[str, set[str]] = {}
    items: list[tuple[str, str]] = []
    for sec in sections:
        used |= sec.prefixes
        n += sec.count
        subjects, turtle, at = sec.subjects, sec.turtle, sec.turtle_at
        cut = [] if dups.isdisjoint(subjects) else [i for i, s in enumerate(subjects) if s in dups]
        prev = 0
        for i in [*cut, len(subjects)]:  # the runs between duplicated subjects go in as they are
            items.extend(zip(subjects[prev:i], [turtle[at[k]:at[k + 1]] for k in range(prev, i)], strict=True))
            if i < len(subjects):
                got = sec.lines(i)
                n -= len(got)
                shared.setdefault(subjects[i], set()).update(got)
            prev = i + 1
    c = compactor()
    for s, lines in shared.items():
        n += len(lines)
        items.append((s, _block(c, s, [parse_line(line)[1:] for line in lines])))
    used |= c.used
    items.sort()  # runs already sorted (each set is): close to linear time
    return [s for s, _ in items], [b for _, b in items], shared, used, n


def combine(sections: list[Rendered], key: str = "") -> Rendered:
    """Several rendered sets as one (a document's own triples and its links)."""
    if len(sections) == 1 and not key:
        return sections[0]
    subjects, blocks, _, used, n = _union(sections)
    return Rendered(subjects, "".join(blocks), [0, *accumulate(map(len, blocks))], frozenset(used), n, key=key)


@dataclass
class Merged:
    """The union of several Rendered sets: its Turtle file, its size, and what it was made from."""

    turtle: bytes
    triples: int
    sections: dict[str, Rendered]
    subjects: list[str]  # every subject, sorted
    blocks: list[str]  # their statements
    shared: dict[str, set[str]]  # subject -> its N-Triples lines, for a subject several sections hold

    def lines_of(self, s: str) -> set[str]:
        """The N-Triples lines of one subject."""
        if s in self.shared:
            return self.shared[s]
        i = bisect_left(self.subjects, s)
        if i < len(self.subjects) and self.subjects[i] == s:
            return set(block_lines(self.blocks[i]))
        return set()

    def __contains__(self, row: Row) -> bool:
        return nt_line(*row) in self.lines_of(row[0])

    def rows(self) -> Iterator[Row]:
        for block in self.blocks:
            for line in block_lines(block):
                yield parse_line(line)


def merge(sections: dict[str, Rendered]) -> Merged:
    """The Turtle file of the union of several rendered sets: the same bytes as turtle_bytes over the
    union of their rows."""
    subjects, blocks, shared, used, n = _union(list(sections.values()))
    return Merged(turtle_document(zip(subjects, blocks, strict=True), used, presorted=True), n, sections,
                  subjects, blocks, shared)


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
