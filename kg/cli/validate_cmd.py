from __future__ import annotations

from pathlib import Path

import typer

from kg.cli.app import app
from kg.cli.common import say, user_errors


@app.command("validate")
def validate_command(
    graph: Path = typer.Option(None, "--graph", "-g", help="Graph to validate (default: build/graph.ttl)."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Validate the graph against the SHACL shapes in ontology/shapes.ttl; exit 1 on violations.

    Example: kg validate --graph build/graph.ttl
    """
    from kg.rdf.validate import validate_graph
    from kg.store.local import load_graph

    with user_errors():
        g = load_graph(graph)
        report = validate_graph(g)
    if not report.conforms:
        typer.echo(report.text, err=True)
        say(f"validation failed: {report.violations} violation(s) in {len(g)} triples")
        raise typer.Exit(code=1)
    say(f"graph conforms to the SHACL shapes ({len(g)} triples)", quiet)
