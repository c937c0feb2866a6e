"""The fate of every input of a build (built, with its encoding, measures and warnings, or skipped
and why), printed as a summary by `kg build` and kept beside the graph for `kg stats`. A built file
that looks wrong (no measure, most of its text in no measure, neither issuer nor date: computed by
kg.text.extract.document_warnings) is named on a "warning: path: …" line, so a user knows what to read.

`kg build -o build/graph.ttl` writes `build/graph.report.json` (written atomically, after the graph)
holding one entry per input path and the SHA-256 of the graph file it describes, so `kg stats` shows
the fates of the graph it reads and says so when the report belongs to another build. A failed
build writes neither file: the previous graph and its report stay together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.io import write_atomic
from kg.model import FileFate
from kg.text.inputs import shown

REPORT_SUFFIX = ".report.json"
FORMAT = 1
LIST_BUILT_UP_TO = 30  # the stderr summary names built files one by one up to this many


def report_path(graph_file: Path) -> Path:
    """The report of a graph file or store: build/graph.ttl (or build/graph.store) -> build/graph.report.json."""
    graph_file = Path(graph_file)
    return graph_file.with_name(graph_file.stem + REPORT_SUFFIX)


def _text(s: str) -> str:
    """A path as printable text: bytes of a file name that are not UTF-8 become U+FFFD."""
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def fate_dict(f: FileFate) -> dict:
    d = {"path": _text(f.path), "status": f.status}
    if f.status == "built":
        d.update(encoding=f.encoding, measures=f.measures, warnings=list(f.warnings))
    else:
        d["reason"] = f.reason
    return d


def report_json(fates: Iterable[FileFate], graph_file: Path, graph_bytes: bytes, triples: int = 0,
                sha256: str | None = None) -> bytes:
    """The report as JSON bytes (no clock time in it: the same build gives the same report).
    `sha256`: the graph's, when the caller has it already."""
    fates = list(fates)
    built = [f for f in fates if f.status == "built"]
    doc = {
        "kg_build_report": FORMAT,
        "graph": Path(graph_file).name,
        "graph_sha256": sha256 or hashlib.sha256(graph_bytes).hexdigest(),
        "files": len(fates),
        "built": len(built),
        "skipped": len(fates) - len(built),
        "warned": sum(1 for f in built if f.warnings),
        "measures": sum(f.measures for f in built),
        "triples": triples,
        "fates": [fate_dict(f) for f in fates],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def write_report(graph_file: Path, fates: Iterable[FileFate], graph_bytes: bytes, triples: int = 0,
                 sha256: str | None = None) -> Path:
    """Write the report beside `graph_file` atomically; returns its path."""
    path = report_path(graph_file)
    write_atomic(path, report_json(fates, graph_file, graph_bytes, triples, sha256))
    return path


@dataclass
class StoredReport:
    """A report read back for a graph: `state` is current, stale (another build's) or missing."""

    path: Path
    state: str
    fates: list[dict] = field(default_factory=list)
    note: str = ""


def load_report(graph_file: Path) -> StoredReport:
    """The fates recorded for `graph_file` (a Turtle file, or a store folder beside one)."""
    graph_file = Path(graph_file)
    path = report_path(graph_file)
    if not path.is_file():
        return StoredReport(path, "missing", note=f"no build report {path} (kg build writes one beside the graph)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        fates = list(doc["fates"])
        recorded = str(doc["graph_sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return StoredReport(path, "missing", note=f"build report {path} is unreadable")
    ttl = graph_file if graph_file.is_file() else graph_file.with_name(graph_file.stem + ".ttl")
    try:
        actual = _sha256_file(ttl)
    except OSError:
        actual = None
    if actual != recorded:
        return StoredReport(path, "stale", fates,
                            note=f"build report {path} describes another build than {ttl}; rebuild to refresh it")
    return StoredReport(path, "current", fates)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --- presentation -------------------------------------------------------------------------------

def fate_line(f: FileFate) -> str:
    if f.status == "built":
        return f"  built    {shown(f.path)} ({f.encoding}, {f.measures} measure{'s' if f.measures != 1 else ''})"
    return f"  {f.status:<8} {shown(f.path)}: {f.reason}"


def warning_lines(fates: Iterable[FileFate]) -> list[str]:
    """One line per built file that looks wrong, saying what to check ("warning: path: …"); every such
    file is named, however many were built."""
    return [f"warning: {_text(f.path)}: {'; '.join(f.warnings)}" for f in fates if f.status == "built" and f.warnings]


def fate_lines(fates: list[FileFate], report_file: Path | None = None,
               list_built_up_to: int = LIST_BUILT_UP_TO) -> list[str]:
    """The per-file summary of a build: a head count, then every skipped file and why, and the
    built files one by one (or counted, past `list_built_up_to`, with where to find the list), then
    a warning for each built file that looks wrong."""
    built = [f for f in fates if f.status == "built"]
    skipped = [f for f in fates if f.status != "built"]
    lines = [f"files: {len(built)} built, {len(skipped)} skipped"]
    if len(built) <= list_built_up_to:
        lines += [fate_line(f) for f in built]
    else:
        where = f" (each listed in {report_file} and by `kg stats`)" if report_file else ""
        lines.append(f"  built    {len(built)} files{where}")
    lines += [fate_line(f) for f in skipped]
    return lines + warning_lines(fates)


def print_fates(stored: StoredReport, file=None) -> None:
    """The fates table of `kg stats`."""
    import sys

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=file or sys.stdout)
    if stored.state != "current":
        console.print(Text(f"files: {stored.note}"))
        return
    warned = [d for d in stored.fates if d.get("warnings")]
    caption = f"{len(warned)} built file(s) look wrong: read them" if warned else None
    t = Table(title="files (fate of every input of the build)", caption=caption, header_style="bold")
    for col in ("file", "status", "encoding / reason", "measures", "warnings"):
        t.add_column(col, overflow="fold")
    for d in stored.fates:
        built = d.get("status") == "built"
        t.add_row(Text(str(d.get("path", ""))), Text(str(d.get("status", ""))),
                  Text(str(d.get("encoding", "")) if built else str(d.get("reason", ""))),
                  Text(str(d.get("measures", "")) if built else ""),
                  Text("; ".join(str(w) for w in d.get("warnings") or ())))
    console.print(t)
