"""The build job: input paths -> per-document extraction (both cores, cached) -> one graph -> files
written atomically (Turtle, and optionally the embedded Oxigraph store).

Throughput choices, measured by `python -m benchmarks.run`:

- extraction runs in worker processes over documents (fork start method where available, with the
  lexicons loaded once in the parent and inherited); each worker sends back one DocRecord; results
  are merged by input position, so the output does not depend on the number of processes;
- an unchanged document is not extracted again: its DocRecord is kept under the cache folder, keyed
  by the SHA-256 of its bytes, its file name and a version key that changes whenever kg's code, the
  ontology/ files or the spaCy/rdflib versions change;
- serialisation does not go through rdflib's Turtle serializer (which canonicalises and sorts in
  Python, ~4k triples/s here): every term is formatted once as canonical N-Triples, the triples are
  sorted as strings and grouped by subject and predicate. The same rows give sorted N-Triples for
  the store's bulk loader. The output is deterministic and valid Turtle (checked by a strict parser
  in the tests); graphs with blank nodes are canonicalised first so their labels are stable.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import re
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

from kg.errors import InputError, KGError, NoInputError
from kg.extract import extract_source
from kg.graph import assemble
from kg.model import DocRecord, FileFate
from kg.namespaces import PREFIXES
from kg.read import MAX_BYTES, find_inputs, read_source
from kg.report import write_report

PARALLEL_MIN_BYTES = 200_000  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 4  # each worker holds its own lexicons
CACHE_FORMAT = 1


@dataclass
class BuildReport:
    fates: list[FileFate] = field(default_factory=list)
    records: list[DocRecord] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0
    output: str | None = None
    cached: int = 0  # documents whose DocRecord came from the cache
    workers: int = 1
    store: str | None = None  # the embedded Oxigraph store written, if any
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    @property
    def built(self) -> list[FileFate]:
        return [f for f in self.fates if f.status == "built"]

    @property
    def skipped(self) -> list[FileFate]:
        return [f for f in self.fates if f.status != "built"]

    @property
    def measures(self) -> int:
        return sum(f.measures for f in self.built)

    def summary(self) -> str:
        s = (f"built {len(self.built)} file(s), {self.measures} measures, {self.triples} triples"
             f" in {self.seconds:.1f}s")
        if self.cached:
            s += f" ({self.cached} unchanged, from cache)"
        if self.skipped:
            s += f"; skipped {len(self.skipped)} file(s)"
        if self.output:
            s += f" -> {self.output}"
        if self.store:
            s += f" + store {self.store}"
        return s


# --- extraction ---------------------------------------------------------------------------------

def _extract_path(path: str) -> tuple[str, DocRecord | None, str]:
    try:
        return path, extract_source(read_source(Path(path))), ""
    except InputError as e:
        return path, None, str(e)
    except RecursionError:
        return path, None, "document too deeply nested to segment"
    except Exception as e:  # a bug met on this file: it is skipped with the reason, the others are built
        if os.environ.get("KG_DEBUG"):
            raise
        return path, None, f"internal error while extracting: {type(e).__name__}: {e}"


def _pool_context():
    """fork where it is safe (Linux): the workers inherit the lexicons already loaded in the parent."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _preload() -> None:
    """Load what every worker needs (vocabulary, both lexicons) once, before the workers fork."""
    from kg.lexicon import lexicon

    for lang in ("en", "zh"):
        lexicon(lang)


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent: a worker interrupted inside the task queue's lock
    deadlocked the whole pool (parent and workers waiting on each other for ever)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel the documents not started yet, so an interrupted build ends after the ones being
    extracted (one per worker) instead of after all of them. The workers are not killed: one killed
    while sending its result leaves the pool's result pipe half-written and the exit hangs."""
    pool.shutdown(wait=False, cancel_futures=True)


def _extract_isolated(name: str) -> tuple[str, DocRecord | None, str]:
    """Extract one file in a worker of its own, after a worker died: its fate, whatever happens."""
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_pool_context(), initializer=_ignore_sigint) as pool:
            return pool.submit(_extract_path, name).result()
    except BrokenProcessPool:
        return name, None, "the process extracting it died (killed, or out of memory)"


def default_workers(paths: list[Path]) -> int:
    total = sum(_size(p) for p in paths)
    if total < PARALLEL_MIN_BYTES or len(paths) < 2:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def extract_paths(paths: list[Path], workers: int | None = None,
                  progress: Callable[[str], None] | None = None) -> tuple[list[DocRecord], list[FileFate]]:
    """Extract every file; results in input order whatever the number of processes."""
    results = _extract_many([str(p) for p in paths], workers, progress)
    return _records_and_fates(results)


def _extract_many(names: list[str], workers: int | None,
                  progress: Callable[[str], None] | None) -> list[tuple[str, DocRecord | None, str]]:
    if workers is None:
        workers = default_workers([Path(n) for n in names])
    workers = max(1, min(workers, len(names) or 1))
    out: list[tuple[str, DocRecord | None, str] | None] = [None] * len(names)
    if workers > 1:
        _preload()
        # the largest documents first, so that no worker is left with a big one at the end
        order = sorted(range(len(names)), key=lambda i: (-_size(Path(names[i])), i))
        with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(),
                                 initializer=_ignore_sigint) as pool:
            broken: list[int] = []
            try:
                futures = {pool.submit(_extract_path, names[i]): i for i in order}
                for fut in as_completed(futures):
                    try:
                        out[futures[fut]] = fut.result()
                    except BrokenProcessPool:  # a worker died (killed, out of memory, a crash in C)
                        broken.append(futures[fut])
                        continue
                    if progress:
                        progress(names[futures[fut]])
            except BaseException:  # Ctrl-C (or a failure): stop now, not after every queued document
                _stop_pool(pool)
                raise
        for i in sorted(broken):  # each again, alone: only the one that kills its worker is lost
            out[i] = _extract_isolated(names[i])
            if progress:
                progress(names[i])
    else:
        for i, n in enumerate(names):
            out[i] = _extract_path(n)
            if progress:
                progress(n)
    return [r for r in out if r is not None]


def _records_and_fates(results) -> tuple[list[DocRecord], list[FileFate]]:
    records, fates = [], []
    for path, rec, why in results:
        if rec is None:
            fates.append(FileFate(path, "skipped", why))
        else:
            records.append(rec)
            fates.append(FileFate(path, "built", measures=len(rec.measures()), encoding=rec.source.encoding))
    return records, fates


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


# --- the incremental cache ----------------------------------------------------------------------

@cache
def version_key() -> str:
    """Changes whenever the code of kg, the ontology/ files or the libraries that extract change."""
    import rdflib
    import spacy

    from kg.resources import data_dir

    h = hashlib.sha256(f"cache{CACHE_FORMAT}|py{sys.version_info[:2]}|spacy{spacy.__version__}|"
                       f"rdflib{rdflib.__version__}".encode())
    pkg = Path(__file__).resolve().parent
    files = [p for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts
             and p.suffix not in (".pyc", ".pyo") and "_data" not in p.relative_to(pkg).parts]
    try:
        files += list(data_dir("ontology").rglob("*.ttl"))
    except FileNotFoundError:
        pass
    for p in sorted(files, key=lambda p: str(p)):
        h.update(str(p.name).encode() + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:20]


class RecordCache:
    """DocRecords of documents already extracted, one pickle per (content hash, file name).

    The folder holds one sub-folder per version key; a build removes the sub-folders of other
    versions. Writes are atomic and failures to read or write the cache are never fatal.
    The cache is local build state: do not point it at a folder others can write to.
    """

    def __init__(self, folder: Path):
        self.root = Path(folder)
        self.dir = self.root / version_key()

    def key(self, data_sha256: str, name: str) -> Path:
        tag = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        return self.dir / f"{data_sha256}-{tag}.pkl"

    def get(self, path: Path) -> DocRecord | None:
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        entry = self.key(hashlib.sha256(data).hexdigest(), path.name)
        try:
            with open(entry, "rb") as f:
                rec = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
            return None
        if not isinstance(rec, DocRecord) or rec.source.size != size:
            return None
        return replace(rec, source=replace(rec.source, path=str(path), name=path.name))

    def put(self, rec: DocRecord) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            write_atomic(self.key(rec.source.sha256, rec.source.name),
                         pickle.dumps(rec, protocol=pickle.HIGHEST_PROTOCOL), sync=False)
        except (OSError, pickle.PicklingError, RecursionError):
            pass

    def prune(self) -> None:
        """Remove the entries of other versions of kg."""
        import shutil

        try:
            for d in self.root.iterdir():
                if d.is_dir() and d.name != self.dir.name and re.fullmatch(r"[0-9a-f]{20}", d.name):
                    shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


def build_graph(inputs: Iterable[Path], workers: int | None = None,
                progress: Callable[[str], None] | None = None,
                on_files: Callable[[int], None] | None = None,
                cache_dir: Path | None = None) -> tuple[Graph, BuildReport]:
    """Build the graph of the .txt files under `inputs`; NoInputError if none can be built.

    With `cache_dir`, documents extracted by an earlier build (same bytes, same name, same kg
    version) are taken from the cache instead of being extracted again.
    """
    t0 = time.perf_counter()
    paths, problems = find_inputs(list(inputs))
    report = BuildReport(fates=[FileFate(p, "skipped", why) for p, why in problems])
    if on_files:
        on_files(len(paths))
    rc = RecordCache(cache_dir) if cache_dir is not None else None
    results: list[tuple[str, DocRecord | None, str] | None] = [None] * len(paths)
    todo: list[int] = []
    for i, p in enumerate(paths):
        rec = rc.get(p) if rc else None
        if rec is not None:
            results[i] = (str(p), rec, "")
            report.cached += 1
            if progress:
                progress(str(p))
        else:
            todo.append(i)
    report.workers = workers if workers is not None else default_workers([paths[i] for i in todo])
    fresh = _extract_many([str(paths[i]) for i in todo], report.workers, progress)
    for i, r in zip(todo, fresh, strict=True):
        results[i] = r
        if rc and r[1] is not None:
            rc.put(r[1])
    if rc:
        rc.prune()
    report.timings["extract"] = time.perf_counter() - t0
    records, fates = _records_and_fates([r for r in results if r is not None])
    report.fates += fates
    report.records = records
    if not records:
        reasons = "; ".join(f"{Path(f.path).name}: {f.reason}" for f in report.fates) or "nothing given"
        err = NoInputError(f"no document could be built ({reasons})")
        err.fates = report.fates  # for the per-file summary (kg.report.fate_lines)
        raise err
    t1 = time.perf_counter()
    g = assemble(records)
    report.timings["assemble"] = time.perf_counter() - t1
    report.triples = len(g)
    report.seconds = time.perf_counter() - t0
    return g, report


# --- output -------------------------------------------------------------------------------------

def _keep_mode(fd: int, path: Path) -> None:
    """Give the temporary file the mode of the file it replaces, or the umask's default for a new one."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        mode = 0o666 & ~umask
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)


def write_atomic(path: Path, data: bytes, sync: bool = True) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        _keep_mode(fd, path)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if sync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
# canonical N-Triples string escapes (the same as Oxigraph's, so both back-ends give the same bytes)
_ESCAPES = {0x22: '\\"', 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x08: "\\b", 0x0C: "\\f"}
_ESCAPES.update({c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F] if c not in _ESCAPES})
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INTEGER = re.compile(r"[+-]?[0-9]+")


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


def turtle_bytes(rows: list[tuple[str, str, str]], prefixes: dict | None = None) -> bytes:
    """Deterministic Turtle from sorted rows: one block per subject, rdf:type first, objects sorted."""
    prefixes = {p: str(ns) for p, ns in (prefixes or PREFIXES).items()}
    c = _Compactor(prefixes)
    ordered = sorted(rows, key=lambda r: (r[0], r[1] != _RDF_TYPE, r[1], r[2]))
    body: list[str] = []
    prev_s = prev_p = None
    for s, p, o in ordered:
        if s != prev_s:
            if prev_s is not None:
                body.append(" .\n\n")
            body.append(c(s))
            body.append("\n    ")
            body.append("a" if p == _RDF_TYPE else c(p))
            body.append(" ")
        elif p != prev_p:
            body.append(" ;\n    ")
            body.append("a" if p == _RDF_TYPE else c(p))
            body.append(" ")
        else:
            body.append(",\n        ")
        body.append(c(o))
        prev_s, prev_p = s, p
    if prev_s is not None:
        body.append(" .\n")
    head = "".join(f"@prefix {p}: <{prefixes[p]}> .\n" for p in sorted(c.used))
    return (head + ("\n" if head and body else "") + "".join(body)).encode("utf-8")


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


def build(inputs: Iterable[Path], out: Path, workers: int | None = None,
          progress: Callable[[str], None] | None = None,
          on_files: Callable[[int], None] | None = None,
          cache_dir: Path | None = None, store: Path | None = None) -> BuildReport:
    """Build and write the graph to `out` (Turtle) atomically: a failed build leaves the old file intact.

    `cache_dir`: reuse the extraction of unchanged documents (see RecordCache).
    `store`: also bulk-load the graph into an embedded Oxigraph store at this path (kg.store),
    loaded into a new folder and swapped in atomically, stamped with the Turtle file it mirrors.
    """
    g, report = build_graph(inputs, workers=workers, progress=progress, on_files=on_files, cache_dir=cache_dir)
    t0 = time.perf_counter()
    rows = nt_rows(g)
    data = turtle_bytes(rows)
    report.timings["serialize"] = time.perf_counter() - t0
    out = Path(out)
    write_atomic(out, data)
    report.output = str(out)
    write_report(out, report.fates, data, report.triples)
    if store is not None:
        from kg.store import write_store

        t1 = time.perf_counter()
        write_store(ntriples_bytes(rows, sort=False), Path(store), mirrors=out, turtle_sha256=hashlib.sha256(data).hexdigest())
        report.timings["store"] = time.perf_counter() - t1
        report.store = str(store)
    report.seconds += time.perf_counter() - t0
    return report
