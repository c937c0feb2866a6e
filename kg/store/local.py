"""Where a graph is read from: the embedded Oxigraph store that `kg build` writes beside the Turtle
file (build/graph.ttl -> build/graph.store/), or a graph file parsed into rdflib's memory store.

`load_graph()` (what kg query / viz / stats / validate / export call) opens the store read-only when
it mirrors the current build/graph.ttl, and falls back to parsing the Turtle otherwise; `--graph FILE`
always parses the file into rdflib (the in-memory path), `--graph DIR` opens a store folder.

The store is exposed as an rdflib Graph backed by a small read-only rdflib Store over pyoxigraph
(`OxigraphGraph`): rdflib's API (triples, value, subjects, len …) works as on any graph, and SPARQL
text given to `g.query()` runs in Oxigraph, with initBindings bound by VALUES blocks (`bind_values`).
rdflib's pre-parsed queries are not accepted by Oxigraph: they fall back to rdflib's own engine
over the store, which is correct but slow, so kg.sparql.query sends the text (see `native_sparql`).

Writing is a bulk load into a new folder, then an atomic swap: `graph.store` is a symbolic link to
the folder of the current load (`.graph.store.<token>/`), replaced with one rename, so a reader sees
the previous store or the new one, never a half-loaded one. Where symbolic links are not available
the folders are swapped by two renames.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result
from rdflib.store import VALID_STORE, Store

from kg.errors import StoreError
from kg.namespaces import bind_prefixes

DEFAULT_GRAPH = Path("build/graph.ttl")
STORE_SUFFIX = ".store"
_META = "kg-store.json"
_DB = "db"

_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".xml": "xml",
            ".owl": "xml", ".trig": "trig", ".nq": "nquads"}


def store_path(graph_file: Path) -> Path:
    """The store that mirrors a graph file: build/graph.ttl -> build/graph.store."""
    graph_file = Path(graph_file)
    return graph_file.with_name(graph_file.stem + STORE_SUFFIX)


# --- writing ------------------------------------------------------------------------------------

def _stamp(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def write_store(ntriples: bytes, target: Path, mirrors: Path | None = None,
                turtle_sha256: str | None = None, extra: dict[str, bytes] | None = None,
                turtle: bool = False, triples: int | None = None) -> Path:
    """Bulk-load N-Triples (Turtle with `turtle`) into a new Oxigraph store and swap it in at
    `target` atomically (replace_store). `triples`: how many there are, when known (counting the
    store reads every quad)."""
    import pyoxigraph as ox

    def fill(db: Path) -> int:
        store = ox.Store(str(db))
        pieces = 0
        for chunk in _chunks(ntriples, turtle):
            store.bulk_load(input=chunk, format=ox.RdfFormat.TURTLE if turtle else ox.RdfFormat.N_TRIPLES)
            pieces += 1
        if pieces > 1:  # one file per piece: compacted, reads are as fast as after one load (2x otherwise)
            store.optimize()
        store.flush()
        return triples if triples is not None else len(store)

    return replace_store(target, fill, mirrors, turtle_sha256, extra)


def replace_store(target: Path, fill: Callable[[Path], int], mirrors: Path | None = None,
                  turtle_sha256: str | None = None, extra: dict[str, bytes] | None = None) -> Path:
    """Make a new store in a folder beside `target` (`fill(db)` creates the database at `db`, closes
    it and returns its number of triples), stamp it, and swap it in at `target` atomically; on any
    failure the new folder is removed and the old store is left as it was.

    `mirrors`: the graph file this store is a copy of; its size, time and SHA-256 are recorded so
    that readers use the store only while the file is unchanged. `extra`: files written into the
    store's folder with it (kg.store.load's manifest).
    """
    target = Path(target)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{time.time_ns()}"
    real = parent / f".{target.name}.{token}"
    try:
        real.mkdir()
        meta = {"format": 1, "triples": fill(real / _DB), "created": time.time()}
        if mirrors is not None:
            meta["mirrors"] = os.path.abspath(mirrors)
            meta.update(_stamp(Path(mirrors)))
            meta["sha256"] = turtle_sha256 or hashlib.sha256(Path(mirrors).read_bytes()).hexdigest()
        for name, data in (extra or {}).items():
            (real / name).write_bytes(data)
        (real / _META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        _swap(real, target, token)
    except BaseException as e:
        shutil.rmtree(real, ignore_errors=True)
        if isinstance(e, (OSError, ValueError, SyntaxError)):
            raise StoreError(f"cannot write the store {target}: {str(e).splitlines()[0] if str(e) else e}") from None
        raise
    _cleanup(target, real)
    return target


CHUNK_BYTES = 4_000_000


def _chunks(data: bytes, turtle: bool, size: int | None = None) -> Iterator[bytes]:
    """The data in pieces of about `size` bytes, cut between statements (Oxigraph's bulk loader holds
    a whole input in memory: measured on 935k triples, one load took 4.4 s and 860 MB, pieces of 4 MB
    2.8 s and 63 MB, plus 0.5 s to compact them, without which queries were 2x slower). N-Triples is cut at line ends; Turtle as kg writes it (kg.rdf.triples: the prefixes,
    then one statement per subject, separated by blank lines; literals hold no raw line break) at
    blank lines, each piece after the prefixes."""
    size = size or CHUNK_BYTES
    if len(data) <= size:
        if data:
            yield data
        return
    head = b""
    start = 0
    if turtle:
        cut = data.find(b"\n\n")
        if cut < 0 or not data.startswith(b"@prefix"):
            yield data  # not laid out as kg writes it: in one piece
            return
        head, start = data[:cut + 2], cut + 2
    sep = b"\n\n" if turtle else b"\n"
    while start < len(data):
        end = data.find(sep, min(start + size, len(data)))
        end = len(data) if end < 0 else end + len(sep)
        yield head + data[start:end]
        start = end


def _swap(real: Path, target: Path, token: str) -> None:
    link = target.parent / f".{target.name}.link-{token}"
    try:
        os.symlink(real.name, link, target_is_directory=True)
    except (OSError, NotImplementedError):
        link = None
    if link is not None:
        if target.exists() and not target.is_symlink():  # a store written without links: move it aside
            os.replace(target, target.parent / f".{target.name}.old-{token}")
        os.replace(link, target)
        return
    old = target.parent / f".{target.name}.old-{token}"
    if target.exists():
        os.replace(target, old)
    os.replace(real, target)


def _cleanup(target: Path, keep: Path) -> None:
    """Remove the folders of earlier loads (readers that have them open keep their files on POSIX)."""
    current = os.path.realpath(target)
    for p in target.parent.glob(f".{target.name}.*"):
        if os.path.realpath(p) in (current, os.path.realpath(keep)):
            continue
        if p.is_symlink() or p.is_file():
            try:
                p.unlink()
            except OSError:
                pass
        else:
            shutil.rmtree(p, ignore_errors=True)


# --- reading ------------------------------------------------------------------------------------

def store_meta(store_dir: Path) -> dict | None:
    try:
        return json.loads((Path(store_dir) / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_store(path: Path) -> bool:
    return (Path(path) / _META).is_file() and (Path(path) / _DB).is_dir()


def store_is_fresh(store_dir: Path, graph_file: Path) -> bool:
    """True if the store was loaded from the graph file as it is now (size and time, or content)."""
    meta = store_meta(store_dir)
    if meta is None or not is_store(store_dir):
        return False
    try:
        stamp = _stamp(Path(graph_file))
    except OSError:
        return False
    if stamp["size"] != meta.get("size"):
        return False
    if stamp["mtime_ns"] == meta.get("mtime_ns"):
        return True
    try:
        return hashlib.sha256(Path(graph_file).read_bytes()).hexdigest() == meta.get("sha256")
    except OSError:
        return False


def open_store(store_dir: Path):
    """The pyoxigraph Store of a kg store folder, opened read-only."""
    import pyoxigraph as ox

    store_dir = Path(store_dir)
    if not is_store(store_dir):
        raise StoreError(f"{store_dir} is not a kg store (no {_META} and {_DB}/ inside)")
    try:
        return ox.Store.read_only(str(store_dir / _DB))
    except OSError as e:
        raise StoreError(f"cannot open the store {store_dir}: {str(e).splitlines()[0]}") from None


def load_graph(path: Path | None = None, backend: str = "auto") -> Graph:
    """The graph to query, draw or export; StoreError with a one-line reason if it cannot be read.

    - no path: the store build/graph.store when it mirrors build/graph.ttl, else build/graph.ttl;
    - a folder: the kg store in it (Oxigraph);
    - a file: parsed into rdflib's in-memory store.
    `backend`: "auto", "oxigraph" (the store, or an error) or "rdflib" (never the store).
    """
    if backend not in ("auto", "oxigraph", "rdflib"):
        raise StoreError(f"unknown backend {backend!r}")
    if path is not None and Path(path).is_dir():
        if backend == "rdflib":
            raise StoreError(f"{path} is a store folder; the rdflib back-end reads graph files")
        return OxigraphGraph(Path(path))
    default = path is None
    path = Path(path or DEFAULT_GRAPH)
    if default and backend != "rdflib":
        sp = store_path(path)
        if is_store(sp) and (store_is_fresh(sp, path) or (not path.exists() and backend == "oxigraph")):
            try:
                return OxigraphGraph(sp)
            except StoreError:
                if backend == "oxigraph":
                    raise
        elif backend == "oxigraph":
            raise StoreError(f"no store mirrors {path} (run `kg build`)")
    elif backend == "oxigraph":
        raise StoreError(f"{path} is a file; give the store folder {store_path(path)} instead")
    return parse_graph(path, hint=default)


def parse_graph(path: Path, hint: bool = False) -> Graph:
    """Parse a graph file into rdflib's memory store."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"graph file {path} not found{' (run `kg build` first)' if hint else ''}")
    g = Graph()
    bind_prefixes(g)
    try:
        g.parse(path, format=_FORMATS.get(path.suffix.lower(), "turtle"))
    except Exception as e:  # rdflib raises many parser-specific types
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise StoreError(f"cannot parse {path}: {first}") from None
    return g


# --- an rdflib Graph over a read-only Oxigraph store --------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_ox(t):
    """The pyoxigraph term for an rdflib term; None for None and for a variable (a pattern's blank).
    The one rdflib -> pyoxigraph converter of kg (the store, kg.sparql.query's look-ups)."""
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


class _Terms:
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


_TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<comment>\#[^\n]*)
  | (?P<string>'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$]\w+) | (?P<open>\{) | (?P<close>\}) | (?P<word>[A-Za-z_][\w-]*) | (?P<other>.)
""", re.X | re.S)


def bind_values(query: str, bindings: dict[str, object]) -> str:
    """SPARQL text with `bindings` (variable name -> rdflib term) in force everywhere, as rdflib's
    initBindings are: a one-row VALUES block opens the query's WHERE group (all the bindings) and every
    nested group graph pattern that names a bound variable itself (EXISTS, UNION and MINUS branches,
    sub-queries' WHERE, OPTIONAL), so that a filter nested in such a group sees the value too; groups
    that do not name one are left alone, which keeps Oxigraph's join order. The values are RDF terms
    serialised by rdflib (escaped), never text from a user.

    One exception keeps Oxigraph fast: an OPTIONAL group that names a variable only inside its own
    FILTER(...), directly in a group that has the value, gets no block. Its filter is the left join's
    condition, which sees the value from the left (SPARQL 1.1 §18.2.2.5), while a VALUES block there
    would make Oxigraph evaluate the OPTIONAL over the whole graph (a hash join) instead of once per
    row. This is the `OPTIONAL { ?c skos:prefLabel ?l FILTER(LANGMATCHES(LANG(?l), ?lang)) }` of
    nearly every named query.
    """
    if not bindings:
        return query

    def block(names) -> str:
        names = sorted(names)
        return (" VALUES (" + " ".join(f"?{n}" for n in names) + ") { ("
                + " ".join(bindings[n].n3() for n in names) + ") } ")

    sig = [(m.lastgroup, m.group(), m.end()) for m in _TOKEN.finditer(query)
           if m.lastgroup not in ("ws", "comment")]
    bound = set(bindings)

    class _Group:
        __slots__ = ("pos", "skip", "parent", "optional", "plain", "in_filter", "depth", "filter_at", "pending")

        def __init__(self, pos, skip, parent, optional):
            self.pos, self.skip, self.parent, self.optional = pos, skip, parent, optional
            self.plain: set[str] = set()  # bound variables named directly, outside a FILTER(...)
            self.in_filter: set[str] = set()  # bound variables named directly, inside a FILTER(...)
            self.depth = 0  # parentheses open in this group
            self.filter_at: int | None = None  # the depth a FILTER(...) opened at
            self.pending = False  # FILTER seen, its "(" not yet

    groups: list[_Group] = []  # in the order they open: a parent before its children
    stack: list[_Group] = []
    for i, (kind, val, end) in enumerate(sig):
        cur = stack[-1] if stack else None
        if kind == "open":
            nxt = sig[i + 1][1].upper() if i + 1 < len(sig) else ""
            prev = sig[i - 1][1].upper() if i > 0 else ""
            skip = (any(g.skip for g in stack) or _is_data_block(sig, i) or prev == "CONSTRUCT")
            group = not skip and nxt != "SELECT"  # a sub-query's own WHERE group gets the block
            parent = next((g for g in reversed(stack) if g.pos is not None), None)
            g = _Group(end if group else None, skip, parent, prev == "OPTIONAL")
            if cur is not None:
                cur.pending = False
            stack.append(g)
            if group:
                groups.append(g)
        elif kind == "close" and stack:
            stack.pop()
        elif cur is None:
            continue
        elif kind == "var":
            name = val[1:]
            if name in bound:
                (cur.in_filter if cur.filter_at is not None else cur.plain).add(name)
        elif kind == "word" and val.upper() == "FILTER" and cur.filter_at is None:
            cur.pending = True
        elif val == "(":
            if cur.pending:
                cur.filter_at, cur.pending = cur.depth, False
            cur.depth += 1
        elif val == ")":
            cur.depth -= 1
            if cur.filter_at is not None and cur.depth <= cur.filter_at:
                cur.filter_at = None

    top = next((g for g in groups if g.parent is None), None)
    given: dict[int, set[str]] = {}
    inserts: list[tuple[int, str]] = []
    for g in groups:
        if g is top:
            names = set(bound)
        else:
            names = g.plain | g.in_filter
            if g.optional and g.parent is not None:
                left = given.get(id(g.parent), set())
                names -= {n for n in g.in_filter - g.plain if n in left}
        given[id(g)] = names
        if names:
            inserts.append((g.pos, block(names)))
    out, last = [], 0
    for pos, text in sorted(inserts):
        out.append(query[last:pos])
        out.append(text)
        last = pos
    out.append(query[last:])
    return "".join(out)


def _is_data_block(sig: list[tuple[str, str, int]], i: int) -> bool:
    """True if the brace at sig[i] opens the data of `VALUES ?x {` or `VALUES (?x ?y) {`."""
    j = i - 1
    if j >= 0 and sig[j][0] == "var":
        return j >= 1 and sig[j - 1][1].upper() == "VALUES"
    if j >= 0 and sig[j][1] == ")":
        j -= 1
        while j >= 0 and sig[j][0] == "var":
            j -= 1
        return j >= 1 and sig[j][1] == "(" and sig[j - 1][1].upper() == "VALUES"
    return False


class OxigraphStore(Store):
    """A read-only rdflib Store over the default graph of a pyoxigraph Store."""

    context_aware = True  # one graph: contexts are ignored (pyshacl asks for a context-aware store)
    formula_aware = False
    transaction_aware = False
    graph_aware = True  # refused anyway: the store is read-only
    native_sparql = True  # g.query(text) runs in Oxigraph; kg.sparql.query checks this flag

    def __init__(self, ox_store, triples: int | None = None):
        super().__init__()
        self.ox_store = ox_store
        self._terms = _Terms()
        self._len = triples
        self._ns: dict[str, URIRef] = {}
        self._prefix: dict[URIRef, str] = {}

    def open(self, configuration, create=False):
        return VALID_STORE

    def close(self, commit_pending_transaction=False):
        pass

    def _refuse(self, *args, **kwargs):
        raise StoreError("the Oxigraph store is opened read-only; rebuild it with `kg build`")

    add = addN = remove = update = add_graph = remove_graph = _refuse

    def triples(self, triple_pattern, context=None) -> Iterator:
        s, p, o = triple_pattern
        if isinstance(s, Literal) or (p is not None and not isinstance(p, (URIRef, Variable))):
            return  # no such triple can exist (rdflib resolves property paths before calling stores)
        conv = self._terms
        try:
            pattern = (conv.to_ox(s), conv.to_ox(p), conv.to_ox(o))
        except (TypeError, ValueError):
            return
        ox = conv.ox
        to = conv.to_rdflib
        for q in self.ox_store.quads_for_pattern(*pattern, ox.DefaultGraph()):
            yield (to(q.subject), to(q.predicate), to(q.object)), iter((None,))

    def __len__(self, context=None) -> int:
        if self._len is None:
            import pyoxigraph as ox

            res = self.ox_store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=ox.DefaultGraph())
            self._len = int(next(iter(res))[0].value)
        return self._len

    def contexts(self, triple=None):
        return iter(())

    def nt_rows(self) -> list[tuple[str, str, str]]:
        """Every triple as canonical N-Triples strings (formatted by Oxigraph), for kg.rdf.export.serialize."""
        ox = self._terms.ox
        return [(str(q.subject), str(q.predicate), str(q.object))
                for q in self.ox_store.quads_for_pattern(None, None, None, ox.DefaultGraph())]

    def query(self, query, initNs, initBindings, queryGraph, **kwargs) -> Result:  # noqa: N803 (rdflib's names)
        if not isinstance(query, str) or kwargs:
            raise NotImplementedError("Oxigraph runs SPARQL text only")  # rdflib then evaluates it itself
        ox = self._terms.ox
        conv = self._terms
        prefixes = {str(k): str(v) for k, v in dict(self._ns, **(initNs or {})).items()}
        bound = {str(k): v for k, v in (initBindings or {}).items() if v is not None}
        try:
            res = self.ox_store.query(bind_values(query, bound), prefixes=prefixes, default_graph=ox.DefaultGraph())
        except SyntaxError as e:
            raise StoreError(f"query syntax: {str(e).splitlines()[0]}") from None
        if isinstance(res, ox.QueryBoolean):
            out = Result("ASK")
            out.askAnswer = bool(res)
            return out
        if isinstance(res, ox.QuerySolutions):
            out = Result("SELECT")
            names = [v.value for v in res.variables]
            out.vars = [Variable(n) for n in names]
            to = conv.to_rdflib
            vars_ = out.vars
            # lazy: the solutions are computed as they are read (so a row limit stops the work early)
            out.bindings = ({var: to(val) for var, val in zip(vars_, sol, strict=True) if val is not None}
                            for sol in res)
            return out
        out = Result("CONSTRUCT")
        g = Graph()
        to = conv.to_rdflib
        for t in res:
            g.add((to(t.subject), to(t.predicate), to(t.object)))
        out.graph = g
        return out

    # namespaces live in memory only
    def bind(self, prefix, namespace, override=True, replace=False):
        if not override and (prefix in self._ns or namespace in self._prefix):
            return
        old = self._ns.pop(prefix, None)
        if old is not None:
            self._prefix.pop(old, None)
        old_p = self._prefix.pop(namespace, None)
        if old_p is not None:
            self._ns.pop(old_p, None)
        self._ns[prefix] = URIRef(namespace)
        self._prefix[URIRef(namespace)] = prefix

    def namespace(self, prefix):
        return self._ns.get(prefix)

    def prefix(self, namespace):
        return self._prefix.get(URIRef(namespace))

    def namespaces(self):
        yield from list(self._ns.items())


class OxigraphGraph(Graph):
    """An rdflib Graph whose triples live in a kg store folder, opened read-only."""

    def __init__(self, store_dir: Path):
        self.location = Path(store_dir)
        meta = store_meta(self.location) or {}
        self.ox_store = open_store(self.location)
        super().__init__(store=OxigraphStore(self.ox_store, triples=meta.get("triples")))
        bind_prefixes(self)
