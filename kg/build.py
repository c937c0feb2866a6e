"""The build job: input paths -> per-document extraction (both cores) -> one graph -> files written atomically."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from kg.errors import InputError, KGError, NoInputError
from kg.extract import extract_source
from kg.graph import assemble
from kg.model import DocRecord, FileFate
from kg.read import find_inputs, read_source

PARALLEL_MIN_BYTES = 2_000_000


@dataclass
class BuildReport:
    fates: list[FileFate] = field(default_factory=list)
    records: list[DocRecord] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0
    output: str | None = None

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
        if self.skipped:
            s += f"; skipped {len(self.skipped)} file(s)"
        if self.output:
            s += f" -> {self.output}"
        return s


def _extract_path(path: str) -> tuple[str, DocRecord | None, str]:
    try:
        return path, extract_source(read_source(Path(path))), ""
    except InputError as e:
        return path, None, str(e)
    except RecursionError:
        return path, None, "document too deeply nested to segment"


def extract_paths(paths: list[Path], workers: int | None = None,
                  progress: Callable[[str], None] | None = None) -> tuple[list[DocRecord], list[FileFate]]:
    """Extract every file; results in input order whatever the number of processes."""
    names = [str(p) for p in paths]
    total = sum(_size(p) for p in paths)
    if workers is None:
        workers = min(os.cpu_count() or 1, 2) if total >= PARALLEL_MIN_BYTES and len(paths) > 1 else 1
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = []
            for r in pool.map(_extract_path, names, chunksize=max(1, len(names) // (workers * 8))):
                results.append(r)
                if progress:
                    progress(r[0])
    else:
        results = []
        for n in names:
            results.append(_extract_path(n))
            if progress:
                progress(n)
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


def build_graph(inputs: Iterable[Path], workers: int | None = None,
                progress: Callable[[str], None] | None = None,
                on_files: Callable[[int], None] | None = None) -> tuple[Graph, BuildReport]:
    """Build the graph of the .txt files under `inputs`; NoInputError if none can be built."""
    t0 = time.perf_counter()
    paths, problems = find_inputs(list(inputs))
    report = BuildReport(fates=[FileFate(p, "skipped", why) for p, why in problems])
    if on_files:
        on_files(len(paths))
    records, fates = extract_paths(paths, workers=workers, progress=progress)
    report.fates += fates
    report.records = records
    if not records:
        reasons = "; ".join(f"{Path(f.path).name}: {f.reason}" for f in report.fates) or "nothing given"
        raise NoInputError(f"no document could be built ({reasons})")
    g = assemble(records)
    report.triples = len(g)
    report.seconds = time.perf_counter() - t0
    return g, report


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def serialize(g: Graph, fmt: str = "turtle") -> bytes:
    """The graph in a deterministic serialisation."""
    formats = {"turtle": "longturtle", "ttl": "longturtle", "nt": "nt", "ntriples": "nt", "jsonld": "json-ld",
               "json-ld": "json-ld", "xml": "xml", "rdfxml": "xml"}
    if fmt not in formats:
        raise KGError(f"unknown format {fmt!r}; choose from turtle, nt, jsonld, xml")
    if formats[fmt] == "nt":
        lines = sorted(set(g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()))
        return ("\n".join(line for line in lines if line.strip()) + "\n").encode("utf-8")
    if formats[fmt] == "longturtle":
        return g.serialize(format="longturtle", canon=True, encoding="utf-8")
    return g.serialize(format=formats[fmt], encoding="utf-8")


def build(inputs: Iterable[Path], out: Path, workers: int | None = None,
          progress: Callable[[str], None] | None = None,
          on_files: Callable[[int], None] | None = None) -> BuildReport:
    """Build and write the graph to `out` (Turtle) atomically: a failed build leaves the old file intact."""
    g, report = build_graph(inputs, workers=workers, progress=progress, on_files=on_files)
    write_atomic(Path(out), serialize(g, "turtle"))
    report.output = str(out)
    return report
