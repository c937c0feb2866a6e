"""The build job: input paths -> per-document extraction (both cores, cached) -> one graph -> files
written atomically (Turtle, and optionally the embedded Oxigraph store).

The stages have their own modules: extraction in worker processes (kg.build.workers), the
incremental cache (kg.build.cache), the build report beside the graph (kg.build.report). Throughput
choices, measured by `python -m benchmarks.run`:

- each worker sends back one DocPart (kg.build.workers), so the parent only adds what needs the
  whole corpus (kg.rdf.corpus.corpus_sections) and merges (kg.rdf.graph.assemble_rendered);
- nothing goes through rdflib's store or serializer on the way (~20 us a triple to add, ~250 us to
  serialise): triples are canonical N-Triples strings, each subject's statement is written once,
  and the merge takes each section's statements (UTF-8) in runs, re-writing only the subjects several
  sections share (kg.rdf.turtle.merge);
- an unchanged document is not extracted again, and its sections are not written again
  (kg.build.cache); a few changed ones are extracted in a worker while the cache loads
  (kg.build.workers.Ahead); the store is updated by the sections that changed (kg.store.load), while
  the new Turtle file is flushed to disk (kg.io.sync_later);
- a build that must bulk-load the store loads each document's own statements in a thread while the
  other documents are extracted (kg.store.background; pyoxigraph's loader releases the GIL), so
  only the corpus sections are loaded after assembly (`Early`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from kg.build.cache import PairCache, RecordCache, SectionCache, version_key, warm_start
from kg.build.report import write_report
from kg.build.workers import Ahead, Result, default_workers, extract_many, parts_and_fates
from kg.errors import BuildLocked, NoInputError, OutputError, first_line
from kg.io import Locked, durable, file_lock, remove_stale_temporaries, sync_later, write_atomic, write_staged
from kg.model import DocRecord, FileFate
from kg.rdf.graph import assemble_rendered, document_rows
from kg.rdf.iris import doc_iris
from kg.rdf.triples import Triples
from kg.rdf.turtle import Merged, Rendered
from kg.store.background import BackgroundLoad
from kg.text.read import find_inputs


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



def build_merged(inputs: Iterable[Path], workers: int | None = None,
                 progress: Callable[[str], None] | None = None,
                 on_files: Callable[[int], None] | None = None,
                 cache_dir: Path | None = None, early: Early | None = None) -> tuple[Merged, BuildReport]:
    """The graph of the .txt files under `inputs`, as Turtle and rows; NoInputError if none can be built.

    With `cache_dir`, documents extracted by an earlier build (same bytes, same name, same kg
    version) are taken from the cache instead of being extracted again. `early`: a store being loaded
    while the documents are extracted (each document's own statements go to it as they come).
    """
    t0 = time.perf_counter()
    paths, problems = find_inputs(list(inputs))
    report = BuildReport(fates=[FileFate(p, "skipped", why) for p, why in problems])
    if on_files:
        on_files(len(paths))
    rc = RecordCache(cache_dir) if cache_dir is not None else None
    results = _results(paths, rc, workers, report, progress, early.part if early is not None else None)
    report.timings["extract"] = time.perf_counter() - t0
    parts, fates = parts_and_fates(results)
    report.fates += fates
    report.records = [p.record for p in parts]
    if not parts:
        reasons = "; ".join(f"{Path(f.path).name}: {f.reason}" for f in report.fates) or "nothing given"
        # with the fates, for the per-file summary (kg.build.report.fate_lines)
        raise NoInputError(f"no document could be built ({reasons})", report.fates)
    t1 = time.perf_counter()
    by_path = {p.record.source.path: p for p in parts}
    pairs = PairCache(rc) if rc is not None else None
    merged = assemble_rendered(report.records, own=lambda r, doc: by_path[r.source.path].take(doc),
                               findings={path: p.findings for path, p in by_path.items()},
                               reuse=SectionCache(rc) if rc is not None else None, decided=pairs,
                               extras=early.extras if early is not None else None)
    if pairs is not None:
        pairs.save()
    report.timings["assemble"] = time.perf_counter() - t1
    report.triples = merged.triples
    for name, sec in merged.sections.items():  # where each document's section is kept (kg.store.load diffs by them)
        if name != "ontology":
            report.doc_keys[name] = f"sections/{sec.key}.pkl" if rc is not None and sec.key else None
    report.seconds = time.perf_counter() - t0
    return merged, report


def _results(paths: list[Path], rc: RecordCache | None, workers: int | None, report: BuildReport,
             progress: Callable[[str], None] | None, on_result: Callable[[Result], None] | None) -> list[Result]:
    """Each input's result: from the cache where it has the input, extracted otherwise (and cached)."""
    if rc is not None:
        warm_start(rc)
    found = [rc.find(p) if rc is not None else None for p in paths]
    todo = [i for i, f in enumerate(found) if f is None]
    report.workers = workers if workers is not None else default_workers([paths[i] for i in todo])
    # a few changed documents among cached ones: one worker extracts them while this process loads the
    # cache (they would be extracted here, after it, otherwise)
    ahead = Ahead([str(paths[i]) for i in todo]) if (
        todo and len(todo) < len(paths) and (workers is None or workers > 1)
        and min(report.workers, len(todo)) == 1) else None
    try:
        results, missed = _from_cache(paths, found, rc, report, progress)
    except BaseException:
        if ahead is not None:
            ahead.stop()
        raise
    fresh = ahead.collect(progress, on_result) if ahead is not None else \
        extract_many([str(paths[i]) for i in todo], report.workers, progress, on_result=on_result)
    fresh += extract_many([str(paths[i]) for i in missed], report.workers, progress, on_result=on_result)
    for i, r in zip(todo + missed, fresh, strict=True):
        results[i] = r
        if rc and r[1] is not None:
            rc.put(r[1])
    if rc:
        rc.prune()
    return [r for r in results if r is not None]


def _from_cache(paths: list[Path], found: list[tuple[Path, int] | None], rc: RecordCache | None,
                report: BuildReport, progress: Callable[[str], None] | None) -> tuple[list[Result | None], list[int]]:
    """Each input's result where the cache has it (`found`: RecordCache.find of each), and the positions
    of those whose entry turned out unusable (to extract)."""
    results: list[Result | None] = [None] * len(paths)
    missed: list[int] = []
    for i, p in enumerate(paths):
        if found[i] is None or rc is None:
            continue
        part = rc.load(p, *found[i])
        if part is None:
            missed.append(i)
            continue
        results[i] = (str(p), part, "")
        report.cached += 1
        if progress:
            progress(str(p))
    return results, missed


def build_graph(inputs: Iterable[Path], workers: int | None = None,
                progress: Callable[[str], None] | None = None,
                on_files: Callable[[int], None] | None = None,
                cache_dir: Path | None = None) -> tuple[Graph, BuildReport]:
    """build_merged, as an rdflib Graph (for callers that want rdflib's API on a small corpus)."""
    merged, report = build_merged(inputs, workers, progress, on_files, cache_dir)
    return Triples(merged.rows()).to_graph(), report


class Early:
    """A bulk load of the store that runs while the documents are extracted (kg.store.background):
    started when the build will bulk-load whatever it finds (kg.store.load.bulk_reason). Each
    document's own statements are loaded as its worker returns them; after assembly, the rest."""

    def __init__(self, load: BackgroundLoad, why: str):
        self.load, self.why = load, why
        self.docs: dict[str, str] = {}  # path -> the document IRI its statements were loaded with
        self.extras: dict[str, Rendered] = {}  # filled by the assembly (kg.rdf.corpus.corpus_sections)

    @classmethod
    def start(cls, store: Path | None, cache_dir: Path | None) -> Early | None:
        if store is None:
            return None
        from kg.store.load import bulk_reason

        why = bulk_reason(Path(store), version_key(), cache_dir)
        return cls(BackgroundLoad(Path(store)), why) if why else None

    def part(self, result: Result) -> None:
        _, part, _ = result
        if part is not None and part.rendered is not None:
            self.load.add(part.rendered.turtle)
            self.docs[part.record.source.path] = part.doc

    def finish(self, merged: Merged, records: list[DocRecord]) -> tuple:
        """What kg.store.load.load needs to finish the load: the statements still to load (every section
        but the document statements already loaded) and the lines to remove (those of a document whose IRI
        changed once the corpus was known, unless the graph still has them)."""
        self.load.mark_early()
        iris = {path: str(iri) for path, iri in doc_iris(records).items()}
        same = {d for path, d in self.docs.items() if iris.get(path) == d}
        rest = [(self.extras[name] if name in same and name in self.extras else sec).turtle
                for name, sec in merged.sections.items()]
        remove = []
        for rec in records:
            d = self.docs.get(rec.source.path)
            if d is not None and d != iris[rec.source.path]:
                remove += [line for line in Rendered.of(document_rows(rec, URIRef(d))).all_lines()
                           if line not in merged.lines_of(line.split(" ", 1)[0])]
        return self.load, rest, remove, self.why


# --- output -------------------------------------------------------------------------------------

def build(inputs: Iterable[Path], out: Path, workers: int | None = None,
          progress: Callable[[str], None] | None = None,
          on_files: Callable[[int], None] | None = None,
          cache_dir: Path | None = None, store: Path | None = None, wait: bool = True,
          on_wait: Callable[[str], None] | None = None) -> BuildReport:
    """Build and write the graph to `out` (Turtle) atomically: a failed build leaves the old file intact.

    `cache_dir`: reuse the extraction of unchanged documents (see RecordCache).
    `store`: also load the graph into an embedded Oxigraph store at this path (kg.store.load: in bulk, or
    by the triples that changed), stamped with the SHA-256 of the Turtle this build wrote; the Turtle
    and the store are swapped in together (kg.store.local.replace_store), or neither is.
    One build per output at a time: a lock beside `out` (`.NAME.lock`) is held for the whole build;
    another build of `out` waits for it (`on_wait` is told why), or raises BuildLocked when not `wait`.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = out.parent / f".{out.name}.lock"
    try:
        with file_lock(lock, wait=wait, on_wait=(lambda: on_wait(f"waiting for another build of {out} to finish"))
                       if on_wait else None, remove=True):
            remove_stale_temporaries(out)
            return _build_locked(inputs, out, workers, progress, on_files, cache_dir, store)
    except Locked:
        raise BuildLocked(f"another build of {out} is running (lock {lock}); wait for it, or drop --no-wait") from None


def _write(write: Callable, out: Path, data: bytes, kept: str = " (the previous graph is left as it was)"):
    """A write of the output; a full disk or a refused permission is one line with the path."""
    try:
        return write(out, data)
    except OSError as e:
        raise OutputError(f"cannot write {e.filename or out}: {e.strerror or first_line(e)}{kept}") from None


def _build_locked(inputs: Iterable[Path], out: Path, workers: int | None, progress, on_files,
                  cache_dir: Path | None, store: Path | None) -> BuildReport:
    early = Early.start(store, cache_dir)
    try:
        return _build_with(inputs, out, workers, progress, on_files, cache_dir, store, early)
    except BaseException:
        if early is not None:
            early.load.abort()  # the old store and Turtle file stay as they were
        raise


def _build_with(inputs: Iterable[Path], out: Path, workers: int | None, progress, on_files,
                cache_dir: Path | None, store: Path | None, early: Early | None) -> BuildReport:
    merged, report = build_merged(inputs, workers=workers, progress=progress, on_files=on_files, cache_dir=cache_dir,
                                  early=early)
    lock = os.path.abspath(out.parent / f".{out.name}.lock")
    report.fates = [f for f in report.fates if os.path.abspath(f.path) != lock]  # our own lock, in an input folder
    t0 = time.perf_counter()
    data = merged.turtle
    sha = hashlib.sha256(data).hexdigest()
    if store is None:
        _write(write_atomic, out, data)
    else:
        from kg.store.load import load

        # flushed to disk while the store is brought up to date, renamed into place once it is (0.7 s for
        # a 177 MB file here, as long as an incremental store update)
        staged = _write(lambda o, d: write_staged(o, d, sync=False), out, data)
        sync_later(staged)
        background = early.finish(merged, report.records) if early is not None else None
        try:
            res = _write(lambda *_: load(merged, Path(store), version_key(), report.doc_keys, cache_dir, out, sha,
                                         staged, background), Path(store), data)
        finally:
            with contextlib.suppress(OSError):
                durable(staged)  # its flush, if the store failed before waiting for it
            staged.unlink(missing_ok=True)  # renamed onto `out` with the store's swap, or the build failed
        report.timings["store"] = time.perf_counter() - t0
        report.store = str(store)
        report.store_load, report.store_why = res.mode, res.why
    report.output = str(out)
    _write(lambda *_: write_report(out, report.fates, data, report.triples, sha), out, data, kept="")
    report.timings["write"] = time.perf_counter() - t0 - report.timings.get("store", 0.0)
    report.seconds += time.perf_counter() - t0
    return report
