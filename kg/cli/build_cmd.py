from __future__ import annotations

import urllib.parse
from pathlib import Path

import typer

from kg.build.job import build
from kg.cli.app import app
from kg.cli.common import fail, progress_bar, say, user_errors
from kg.errors import NoInputError
from kg.resources import default_corpus


@app.command("build")
def build_command(
    paths: list[Path] = typer.Argument(None, help="Files or folders of .txt, .html/.htm, .pdf and .docx documents "
                                                  "(default: ./corpus/ if there is one, else the sample corpus "
                                                  "shipped with kg)."),
    out: Path = typer.Option(Path("build/graph.ttl"), "-o", "--out", help="Turtle file to write."),
    store: str = typer.Option(None, "--store", help="Also push the graph to this SPARQL 1.1 server's Graph Store "
                              "Protocol URL (e.g. http://127.0.0.1:7878/store), replacing one named graph."),
    graph_iri: str = typer.Option(None, "--graph-iri", help="Named graph that --store replaces "
                                  "(default https://w3id.org/smekg/graph/build)."),
    update_url: str = typer.Option(None, "--update-url", help="The server's SPARQL Update endpoint, for an "
                                   "atomic swap with --store (guessed for Oxigraph and Fuseki)."),
    local_store: bool = typer.Option(True, "--local-store/--no-local-store", help="Also bulk-load the graph into "
                                     "the embedded Oxigraph store beside OUT (build/graph.store/), which kg "
                                     "query, viz and stats open read-only."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse the extraction of unchanged documents "
                               "(kept in a cache/ folder beside OUT)."),
    workers: int = typer.Option(None, "--workers", "-j", min=1, help="Processes for extraction (default: all cores, "
                                "up to 4, on inputs over 200 kB)."),
    no_wait: bool = typer.Option(False, "--no-wait", help="Exit 1 at once if another build of OUT is running "
                                 "(by default it waits for it: one build per output at a time)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
) -> None:
    """Build the knowledge graph from policy documents.

    Writes OUT (Turtle; default build/graph.ttl under the current folder) atomically and, beside it, the embedded Oxigraph store (OUT's name with
    .store) and the extraction cache (cache/). Every input file's fate is reported; exit code 1
    when some file was skipped, 3 when the push to --store failed (OUT is still written).

    Example: kg build corpus/ -o build/graph.ttl --store http://127.0.0.1:7878/store
    """
    from kg.store.local import store_path

    inputs = paths or [default_corpus()]
    with user_errors():
        try:
            with progress_bar("extracting", quiet) as (set_total, advance):
                report = build(inputs, out, workers=workers, progress=advance, on_files=set_total,
                               cache_dir=out.parent / "cache" if cache else None,
                               store=store_path(out) if local_store else None, wait=not no_wait, on_wait=say)
        except NoInputError as e:
            fates = e.fates
            if not fates:
                raise
            typer.echo(f"Error: no document could be built ({len(fates)} input(s) skipped, {out} left as it was):",
                       err=True)
            _report_fates(fates, out, quiet=True)
            raise typer.Exit(code=1) from None
        _report_fates(report.fates, out, quiet)
        if store:
            _push(out, store, graph_iri, update_url, report.triples, quiet)
        source = "" if paths else f" (input: {inputs[0]})"
        say(report.summary() + source, quiet)
    if report.skipped:
        raise typer.Exit(code=1)


def _push(out: Path, store: str, graph_iri: str | None, update_url: str | None, triples: int, quiet: bool) -> None:
    """Push OUT to the server; a server that fails exits 3 (OUT is written and stays)."""
    from kg.errors import ServerError
    from kg.store.remote import DEFAULT_GRAPH_IRI, guess_query_url, push_graph

    try:
        pushed = push_graph(out, store, graph_iri or DEFAULT_GRAPH_IRI, update_url=update_url)
    except ServerError as e:
        fail(f"push to {store} failed, {out} is written: {e}", code=e.exit_code)
    how = "staging graph + MOVE" if pushed.method == "move" else "one PUT"
    stale = f"; dropped {pushed.stale} staging graph(s) left by earlier failed pushes" if pushed.stale else ""
    say(f"pushed {triples} triples ({pushed.bytes} bytes) to graph <{pushed.graph}> at {store} "
        f"in {pushed.seconds:.1f}s ({how}{stale})", quiet)
    query_url = guess_query_url(store)
    if query_url:
        say(f"query it: kg query NAME --endpoint '{query_url}?default-graph-uri="
            f"{urllib.parse.quote(pushed.graph, safe='')}'", quiet)


def _report_fates(fates, out: Path, quiet: bool) -> None:
    """Every input's fate on stderr (built, or skipped and why, and the warnings of built files that look
    wrong); under --quiet only the skipped ones and the warnings."""
    from kg.build.report import fate_line, fate_lines, report_path, warning_lines

    lines = [fate_line(f) for f in fates if f.status != "built"] + warning_lines(fates) if quiet \
        else fate_lines(fates, report_path(out))
    for line in lines:
        typer.echo(line, err=True)
