from __future__ import annotations

from pathlib import Path

import typer

from kg.build import build
from kg.cli.app import app
from kg.cli.common import progress_bar, say, user_errors
from kg.resources import default_corpus


@app.command("build")
def build_command(
    paths: list[Path] = typer.Argument(None, help="Files or folders of .txt documents (default: corpus/)."),
    out: Path = typer.Option(Path("build/graph.ttl"), "-o", "--out", help="Turtle file to write."),
    store: str = typer.Option(None, "--store", help="Also push the graph to this SPARQL 1.1 server (Graph Store Protocol URL)."),
    workers: int = typer.Option(None, "--workers", "-j", min=1, help="Processes for extraction (default: both cores on large inputs)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
) -> None:
    """Build the knowledge graph from policy documents.

    Every input file's fate is reported; exit code 1 when some file was skipped.

    Example: kg build corpus/ -o build/graph.ttl
    """
    inputs = paths or [default_corpus()]
    with user_errors():
        with progress_bar("extracting", quiet) as (set_total, advance):
            report = build(inputs, out, workers=workers, progress=advance, on_files=set_total)
        for f in report.skipped:
            say(f"skipped {f.path}: {f.reason}", quiet)
        if store:
            from kg.remote import push_graph

            pushed = push_graph(out, store)
            say(f"pushed {pushed} triples to {store}", quiet)
        say(report.summary(), quiet)
    if report.skipped:
        raise typer.Exit(code=1)
