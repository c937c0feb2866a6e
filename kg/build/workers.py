"""Extraction of the input documents, in worker processes over documents (both cores).

Owns the process pool and what one worker sends back: a DocPart, the document's record, what
kg.rdf.corpus finds in it alone, and its own triples already written as Turtle statements
(kg.rdf.graph.document_rows, kg.rdf.turtle.Rendered), so that the parent only adds what needs the
whole corpus. The fork start method is used where available, with the lexicons loaded once in the
parent and inherited; results are kept by input position, so the output does not depend on the number
of processes. A document that cannot be extracted is skipped with its reason (its fate), never fatal.

Seams (tests patch them): `extract_source` (what extracts one document), `extract_path` (what a
worker runs for one path) and `extract_many` (the pool over many).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import URIRef

from kg.errors import InputError, KGError
from kg.io import read_pickle
from kg.model import DocRecord, FileFate
from kg.rdf.findings import Findings, find_in_document
from kg.rdf.graph import document_rows
from kg.rdf.iris import default_doc_iri
from kg.rdf.turtle import Rendered
from kg.text.extract import extract_source
from kg.text.read import read_source

PARALLEL_MIN_BYTES = 200_000  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 4  # each worker holds its own lexicons


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

    _LIGHT = ("source", "lang", "units", "meta", "noise_removed", "duplicates_removed", "warnings")

    def __init__(self, light: dict, full_file: Path):
        for k in self._LIGHT:
            setattr(self, k, light[k])
        self.n_measures: int = light["n_measures"]
        self._file = full_file
        self._full: DocRecord | None = None

    @classmethod
    def light(cls, rec: DocRecord) -> dict:
        return {**{k: getattr(rec, k) for k in cls._LIGHT}, "n_measures": len(rec.measures())}

    def load(self) -> DocRecord:
        """The whole record (read from the cache once)."""
        if self._full is None:
            full = read_pickle(self._file, DocRecord)
            if full is None:
                raise KGError(f"the build cache lost {self._file.name} while building; build again (or --no-cache)")
            self._full = replace(full, source=self.source)
        return self._full

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.load(), name)


Result = tuple[str, DocPart | None, str]  # path, its part (None when skipped), why skipped


def extract_path(path: str) -> Result:
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
    """Load what every worker needs (vocabulary, both lexicons, the clean-up patterns, the folding
    tables) once, before the workers fork: compiled in each worker they cost ~1 s of its time."""
    from kg.text.clean import cleanup_patterns
    from kg.text.fold import fold_line
    from kg.text.lexicon import lexicon

    for lang in ("en", "zh"):
        lexicon(lang)
    cleanup_patterns()
    fold_line("")


def _ignore_sigint(parent: int | None = None) -> None:
    """Workers leave Ctrl-C to the parent: a worker interrupted inside the task queue's lock
    deadlocked the whole pool (parent and workers waiting on each other for ever). And they die with
    it: on Linux the kernel sends SIGKILL to a worker whose parent dies (PR_SET_PDEATHSIG), even by
    kill -9, which left both workers hung for good, holding the caller's stdout and stderr."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
        if parent is not None and os.getppid() != parent:  # the parent died before the call
            os._exit(1)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel the documents not started yet, so an interrupted build ends after the ones being
    extracted (one per worker) instead of after all of them. The workers are not killed: one killed
    while sending its result leaves the pool's result pipe half-written and the exit hangs."""
    pool.shutdown(wait=False, cancel_futures=True)


def _extract_isolated(name: str) -> Result:
    """Extract one file in a worker of its own, after a worker died: its fate, whatever happens."""
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_pool_context(), initializer=_ignore_sigint,
                                 initargs=(os.getpid(),)) as pool:
            return pool.submit(extract_path, name).result()
    except BrokenProcessPool:
        return name, None, "the process extracting it died (killed, or out of memory)"


def default_workers(paths: list[Path]) -> int:
    total = sum(_size(p) for p in paths)
    if total < PARALLEL_MIN_BYTES or len(paths) < 2:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def extract_many(names: list[str], workers: int | None,
                  progress: Callable[[str], None] | None,
                  on_result: Callable[[Result], None] | None = None) -> list[Result]:
    """Extract every file (in input order in the list returned); `on_result` is told of each result as
    it arrives (in the order they finish), before `progress`."""
    if workers is None:
        workers = default_workers([Path(n) for n in names])
    workers = max(1, min(workers, len(names) or 1))
    out: list[Result | None] = [None] * len(names)

    def done(i: int, result: Result) -> None:
        out[i] = result
        if on_result:
            on_result(result)
        if progress:
            progress(names[i])

    if workers > 1:
        _extract_pool(names, workers, done)
    else:
        for i, n in enumerate(names):
            done(i, extract_path(n))
    return [r for r in out if r is not None]


def _extract_pool(names: list[str], workers: int, done: Callable[[int, Result], None]) -> None:
    _preload()
    # the largest documents first, so that no worker is left with a big one at the end
    order = sorted(range(len(names)), key=lambda i: (-_size(Path(names[i])), i))
    with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(),
                             initializer=_ignore_sigint, initargs=(os.getpid(),)) as pool:
        broken: list[int] = []
        try:
            futures = {pool.submit(extract_path, names[i]): i for i in order}
            for fut in as_completed(futures):
                try:
                    result = fut.result()
                except BrokenProcessPool:  # a worker died (killed, out of memory, a crash in C)
                    broken.append(futures[fut])
                    continue
                done(futures[fut], result)
        except BaseException:  # Ctrl-C (or a failure): stop now, not after every queued document
            _stop_pool(pool)
            raise
    for i in sorted(broken):  # each again, alone: only the one that kills its worker is lost
        done(i, _extract_isolated(names[i]))


class Ahead:
    """A few documents extracted in one forked worker while the parent does something else (an
    incremental build loads the cached documents meanwhile): the worker loads the lexicons itself,
    so that the two costs overlap instead of adding up. `collect` gives their results in order."""

    def __init__(self, names: list[str]):
        self.names = names
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=_pool_context(), initializer=_ignore_sigint,
                                        initargs=(os.getpid(),))
        self.futures = [self.pool.submit(extract_path, n) for n in names]

    def collect(self, progress: Callable[[str], None] | None = None,
                on_result: Callable[[Result], None] | None = None) -> list[Result]:
        out: list[Result] = []
        try:
            for name, fut in zip(self.names, self.futures, strict=True):
                try:
                    result = fut.result()
                except BrokenProcessPool:  # the worker died: this one again, alone, and the rest too
                    result = _extract_isolated(name)
                out.append(result)
                if on_result:
                    on_result(result)
                if progress:
                    progress(name)
        except BaseException:
            self.stop()
            raise
        self.pool.shutdown(wait=True)
        return out

    def stop(self) -> None:
        _stop_pool(self.pool)


def parts_and_fates(results: list[Result]) -> tuple[list[DocPart], list[FileFate]]:
    parts, fates = [], []
    for path, part, why in results:
        if part is None:
            fates.append(FileFate(path, "skipped", why))
        else:
            parts.append(part)
            fates.append(FileFate(path, "built", measures=part.measures, encoding=part.record.source.read_as,
                                  warnings=tuple(part.record.warnings)))
    return parts, fates


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0
