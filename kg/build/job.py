"""The build job: input paths -> per-document extraction (both cores, cached) -> one graph -> files
written atomically (Turtle, and optionally the embedded Oxigraph store).

Throughput choices, measured by `python -m benchmarks.run`:

- extraction runs in worker processes over documents (fork start method where available, with the
  lexicons loaded once in the parent and inherited); each worker sends back one DocPart: the
  document's record, what kg.rdf.corpus finds in it alone, and its own triples already written as Turtle
  statements (kg.rdf.assemble.document_rows, kg.rdf.triples.Rendered), so the parent only adds what needs the
  whole corpus (kg.rdf.corpus.corpus_sections) and merges; results are merged by input position and
  sorted, so the output does not depend on the number of processes;
- nothing goes through rdflib's store or serializer on the way (~20 us a triple to add, ~250 us to
  serialise): triples are canonical N-Triples strings, each subject's statement is written once,
  and the merge re-writes only the subjects several sections share (kg.rdf.triples.merge);
- an unchanged document is not extracted again: its DocPart is kept under the cache folder, keyed
  by the SHA-256 of its bytes, its file name and a version key that changes whenever kg's code, the
  ontology/ files or the spaCy/rdflib versions change; its whole section (own triples, citations,
  quantities) and the policies' section are kept too, under keys of what they are made from, and
  the store is updated by the sections that changed (kg.store.load).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, MutableMapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from rdflib import Graph, URIRef

from kg.build.report import write_report
from kg.errors import InputError, KGError, NoInputError
from kg.io import read_pickle, write_atomic, write_pickle
from kg.model import DocRecord, FileFate, Source
from kg.rdf.assemble import assemble_rendered, default_doc_iri, document_rows
from kg.rdf.corpus import Findings, find_in_document
from kg.rdf.triples import Merged, Rendered, Triples
from kg.text.extract import extract_source
from kg.text.read import MAX_BYTES, find_inputs, read_source

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
    cached: int = 0  # documents whose DocPart came from the cache
    workers: int = 1
    store: str | None = None  # the embedded Oxigraph store written, if any
    store_load: str = ""  # how: "bulk" or "incremental"
    store_why: str = ""  # why a bulk load
    doc_keys: dict[str, str | None] = field(default_factory=dict)  # section -> its cache entry (kg.store.load)
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
            how = f"bulk load: {self.store_why}" if self.store_load == "bulk" and self.store_why else self.store_load
            s += f" + store {self.store}" + (f" ({how})" if how else "")
        return s


# --- extraction ---------------------------------------------------------------------------------

@dataclass
class DocPart:
    """What extracting one document gives: its record, what kg.rdf.corpus finds in it alone, and its own
    triples written with IRI `doc` (grouped by subject, each subject's Turtle statement written).
    From the cache, the triples stay on disk until asked for (`own`): a build that reuses the
    document's whole section (kg.rdf.corpus.corpus_sections) never reads them."""

    record: DocRecord  # (a LazyRecord when it comes from the cache)
    doc: str
    findings: Findings
    rendered: Rendered | None = None
    own_file: str | None = None

    @property
    def measures(self) -> int:
        rec = self.record
        return rec.n_measures if isinstance(rec, LazyRecord) else len(rec.measures())

    def own(self, doc: URIRef) -> Rendered:
        """Its own triples with IRI `doc` (written again if that is not the IRI they were written with)."""
        if self.rendered is None and self.own_file and self.doc == str(doc):
            self.rendered = read_pickle(self.own_file, Rendered)
        if self.rendered is not None and self.doc == str(doc):
            return self.rendered
        return Rendered.of(document_rows(self.record, doc), keep_nt=False)

    def take(self, doc: URIRef) -> Rendered:
        """`own`, letting go of it (once joined into the document's section it is not needed)."""
        got = self.own(doc)
        self.rendered = None
        return got


def extract_part(path: Path) -> DocPart:
    """Read, extract and assemble one document (InputError when it cannot be read)."""
    rec = extract_source(read_source(path))
    doc = default_doc_iri(rec.source.name)
    return DocPart(rec, str(doc), find_in_document(rec, doc), Rendered.of(document_rows(rec, doc), keep_nt=False))


class LazyRecord:
    """A DocRecord from the cache whose tree and mentions are read only when something uses them:
    a rebuild that reuses a document's sections needs its metadata and units (the policy grouping,
    the citation index), not its tree. Any other attribute reads the whole record, once."""

    _LIGHT = ("source", "lang", "units", "meta", "noise_removed", "duplicates_removed")

    def __init__(self, light: dict, full_file: Path):
        for k in self._LIGHT:
            setattr(self, k, light[k])
        self.n_measures: int = light["n_measures"]
        self._file = full_file
        self._full: DocRecord | None = None

    @classmethod
    def light(cls, rec: DocRecord) -> dict:
        return {**{k: getattr(rec, k) for k in cls._LIGHT}, "n_measures": len(rec.measures())}

    def _load(self) -> DocRecord:
        if self._full is None:
            full = read_pickle(self._file, DocRecord)
            if full is None:
                raise KGError(f"the build cache lost {self._file.name} while building; build again (or --no-cache)")
            self._full = replace(full, source=self.source)
        return self._full

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._load(), name)


Result = tuple[str, DocPart | None, str]  # path, its part (None when skipped), why skipped


def _extract_path(path: str) -> Result:
    try:
        return path, extract_part(Path(path)), ""
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
    from kg.text.lexicon import lexicon

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


def _extract_isolated(name: str) -> Result:
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


def _extract_many(names: list[str], workers: int | None,
                  progress: Callable[[str], None] | None) -> list[Result]:
    if workers is None:
        workers = default_workers([Path(n) for n in names])
    workers = max(1, min(workers, len(names) or 1))
    out: list[Result | None] = [None] * len(names)
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


def _parts_and_fates(results: list[Result]) -> tuple[list[DocPart], list[FileFate]]:
    parts, fates = [], []
    for path, part, why in results:
        if part is None:
            fates.append(FileFate(path, "skipped", why))
        else:
            parts.append(part)
            fates.append(FileFate(path, "built", measures=part.measures, encoding=part.record.source.encoding))
    return parts, fates


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
    """DocParts of documents already extracted, by (content hash, file name): three pickles, the part
    with its record's metadata and units, the whole record, and the document's own triples; the last
    two are read only when needed (LazyRecord, DocPart.own).

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

    def get(self, path: Path) -> DocPart | None:
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        entry = self.key(hashlib.sha256(data).hexdigest(), path.name)
        full = entry.with_suffix(".rec.pkl")
        part = read_pickle(entry, DocPart)
        light = part.record if part is not None else None
        if not isinstance(light, dict) or not isinstance(light.get("source"), Source) \
                or light["source"].size != size or not full.is_file():
            return None
        light = {**light, "source": replace(light["source"], path=str(path), name=path.name)}
        return replace(part, record=LazyRecord(light, full), rendered=None, own_file=str(entry.with_suffix(".own.pkl")))

    def put(self, part: DocPart) -> None:
        """The whole record and the triples first, the part last (a part is only found with both)."""
        rec = part.record
        if isinstance(rec, LazyRecord):
            return
        path = self.key(rec.source.sha256, rec.source.name)
        write_pickle(path.with_suffix(".rec.pkl"), rec)
        write_pickle(path.with_suffix(".own.pkl"), part.rendered)
        write_pickle(path, replace(part, record=LazyRecord.light(rec), rendered=None, own_file=None))

    def prune(self) -> None:
        """Remove the entries of other versions of kg."""
        import shutil

        try:
            for d in self.root.iterdir():
                if d.is_dir() and d.name != self.dir.name and re.fullmatch(r"[0-9a-f]{20}", d.name):
                    shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


class SectionCache(MutableMapping):
    """The document sections of earlier builds (kg.rdf.corpus.corpus_sections), one pickle per key, in
    the extraction cache's folder for this kg version. Failures to read or write are never fatal."""

    def __init__(self, rc: RecordCache):
        self.dir = rc.dir / "sections"

    def path(self, key: str) -> Path:
        return self.dir / f"{key}.pkl"

    def __getitem__(self, key: str) -> Rendered:
        r = read_pickle(self.path(key), Rendered)
        if r is None or r.key != key:
            raise KeyError(key)
        return r

    def __setitem__(self, key: str, value: Rendered) -> None:
        write_pickle(self.path(key), value)

    def __delitem__(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def __iter__(self):
        return (p.stem for p in self.dir.glob("*.pkl"))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class PairCache(dict):
    """kg.rdf.align.group's decisions on pairs of documents, kept in one file of the cache."""

    def __init__(self, rc: RecordCache):
        super().__init__()
        self.path = rc.dir / "pairs.pkl"
        self.update(read_pickle(self.path, dict) or {})
        self.loaded = len(self)

    def save(self) -> None:
        if len(self) != self.loaded:
            write_pickle(self.path, dict(self))


def _warm_start(rc: RecordCache) -> None:
    """The parsed vocabulary and the ontology's section, from the cache of this kg version (parsing
    ontology/ with rdflib takes most of a second: a rebuild of a few documents should not pay it)."""
    from kg.rdf.assemble import ontology_rendered, use_ontology_rendered
    from kg.vocab import Vocabulary, load_vocabulary, use_vocabulary

    path = rc.dir / "ontology.pkl"
    got = read_pickle(path, tuple)
    if got and len(got) == 2 and isinstance(got[0], Vocabulary) and isinstance(got[1], Rendered):
        use_vocabulary(got[0])
        use_ontology_rendered(got[1])
    else:
        write_pickle(path, (load_vocabulary(), ontology_rendered()))


def build_merged(inputs: Iterable[Path], workers: int | None = None,
                 progress: Callable[[str], None] | None = None,
                 on_files: Callable[[int], None] | None = None,
                 cache_dir: Path | None = None) -> tuple[Merged, BuildReport]:
    """The graph of the .txt files under `inputs`, as Turtle and rows; NoInputError if none can be built.

    With `cache_dir`, documents extracted by an earlier build (same bytes, same name, same kg
    version) are taken from the cache instead of being extracted again.
    """
    t0 = time.perf_counter()
    paths, problems = find_inputs(list(inputs))
    report = BuildReport(fates=[FileFate(p, "skipped", why) for p, why in problems])
    if on_files:
        on_files(len(paths))
    rc = RecordCache(cache_dir) if cache_dir is not None else None
    if rc is not None:
        _warm_start(rc)
    results: list[Result | None] = [None] * len(paths)
    todo: list[int] = []
    for i, p in enumerate(paths):
        part = rc.get(p) if rc else None
        if part is not None:
            results[i] = (str(p), part, "")
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
    parts, fates = _parts_and_fates([r for r in results if r is not None])
    report.fates += fates
    report.records = [p.record for p in parts]
    if not parts:
        reasons = "; ".join(f"{Path(f.path).name}: {f.reason}" for f in report.fates) or "nothing given"
        err = NoInputError(f"no document could be built ({reasons})")
        err.fates = report.fates  # for the per-file summary (kg.build.report.fate_lines)
        raise err
    t1 = time.perf_counter()
    by_path = {p.record.source.path: p for p in parts}
    pairs = PairCache(rc) if rc is not None else None
    merged = assemble_rendered(report.records, own=lambda r, doc: by_path[r.source.path].take(doc),
                               findings={path: p.findings for path, p in by_path.items()},
                               reuse=SectionCache(rc) if rc is not None else None, decided=pairs)
    if pairs is not None:
        pairs.save()
    report.timings["assemble"] = time.perf_counter() - t1
    report.triples = merged.triples
    for name, sec in merged.sections.items():  # where each document's section is kept (kg.store.load diffs by them)
        if name != "ontology":
            report.doc_keys[name] = f"sections/{sec.key}.pkl" if rc is not None and sec.key else None
    report.seconds = time.perf_counter() - t0
    return merged, report


def build_graph(inputs: Iterable[Path], workers: int | None = None,
                progress: Callable[[str], None] | None = None,
                on_files: Callable[[int], None] | None = None,
                cache_dir: Path | None = None) -> tuple[Graph, BuildReport]:
    """build_merged, as an rdflib Graph (for callers that want rdflib's API on a small corpus)."""
    merged, report = build_merged(inputs, workers, progress, on_files, cache_dir)
    return Triples(merged.rows()).to_graph(), report


# --- output -------------------------------------------------------------------------------------

def build(inputs: Iterable[Path], out: Path, workers: int | None = None,
          progress: Callable[[str], None] | None = None,
          on_files: Callable[[int], None] | None = None,
          cache_dir: Path | None = None, store: Path | None = None) -> BuildReport:
    """Build and write the graph to `out` (Turtle) atomically: a failed build leaves the old file intact.

    `cache_dir`: reuse the extraction of unchanged documents (see RecordCache).
    `store`: also load the graph into an embedded Oxigraph store at this path (kg.store.load: in bulk, or
    by the triples that changed), swapped in atomically, stamped with the Turtle file it mirrors.
    """
    merged, report = build_merged(inputs, workers=workers, progress=progress, on_files=on_files, cache_dir=cache_dir)
    t0 = time.perf_counter()
    data = merged.turtle
    out = Path(out)
    write_atomic(out, data)
    report.output = str(out)
    sha = hashlib.sha256(data).hexdigest()
    write_report(out, report.fates, data, report.triples, sha)
    report.timings["write"] = time.perf_counter() - t0
    if store is not None:
        from kg.store.load import load

        t1 = time.perf_counter()
        res = load(merged, Path(store), version_key(), report.doc_keys, cache_dir, out, sha)
        report.timings["store"] = time.perf_counter() - t1
        report.store = str(store)
        report.store_load, report.store_why = res.mode, res.why
    report.seconds += time.perf_counter() - t0
    return report
