from __future__ import annotations

from pathlib import Path

import typer

from kg.cli.app import app
from kg.cli.common import fail, say, user_errors


@app.command("export")
def export_command(
    fmt: str = typer.Option("turtle", "--format", "-f", help="turtle, nt, jsonld or xml."),
    out: Path = typer.Option(None, "-o", "--out", help="File to write (default: stdout)."),
    graph: Path = typer.Option(None, "--graph", "-g", help="Graph to export (default: build/graph.ttl)."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Export the graph as Turtle, N-Triples, JSON-LD or RDF/XML (deterministic output).

    Example: kg export --format nt -o build/graph.nt
    """
    from kg.io import write_atomic
    from kg.rdf.export import serialize
    from kg.store.local import load_graph

    if fmt not in ("turtle", "ttl", "nt", "jsonld", "json-ld", "xml"):
        fail(f"unknown format {fmt!r}; choose turtle, nt, jsonld or xml")
    with user_errors():
        g = load_graph(graph)
        data = serialize(g, fmt)
        if out:
            write_atomic(out, data)
        else:
            typer.echo(data.decode("utf-8"), nl=False)
    say(f"exported {len(g)} triples as {fmt}" + (f" -> {out}" if out else ""), quiet)
