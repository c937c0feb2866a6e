from __future__ import annotations

from pathlib import Path

import typer

from kg.cli.app import app
from kg.cli.common import choice, fail, say, user_errors

RDF_CHOICES = ("turtle", "nt", "jsonld", "xml")
NETWORK_CHOICES = ("graphml", "gexf", "csv")
ExportFormat = choice("ExportFormat", RDF_CHOICES + NETWORK_CHOICES)
Lang = choice("Lang", ("en", "zh"))


@app.command("export")
def export_command(
    fmt: ExportFormat = typer.Option("turtle", "--format", "-f",
                            help="RDF (turtle, nt, jsonld compacted with ontology/context.jsonld, xml) or the "
                                 "policy network for Gephi/Cytoscape/pandas (graphml, gexf, csv: OUT.nodes.csv "
                                 "and OUT.edges.csv)."),
    out: Path = typer.Option(None, "-o", "--out", help="File to write (default: stdout; required for csv)."),
    graph: Path = typer.Option(None, "--graph", "-g", help="Graph to export (default: build/graph.ttl)."),
    lang: Lang = typer.Option("en", "--lang", help="Label language of the network formats."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary line on stderr."),
) -> None:
    """Export the graph as RDF (deterministic Turtle and N-Triples) or as a labelled network.

    Examples:

      kg export --format nt -o build/graph.nt

      kg export --format graphml --lang zh -o build/graph.graphml

      kg export --format csv -o build/network      # build/network.nodes.csv + build/network.edges.csv
    """
    from kg.io import write_atomic
    from kg.rdf.export import serialize

    fmt, lang = fmt.value, lang.value
    from kg.store.local import load_graph

    if fmt == "csv" and out is None:
        fail("--format csv writes two files: give -o OUT (OUT.nodes.csv, OUT.edges.csv)", code=2)
    with user_errors():
        g = load_graph(graph)
        if fmt in NETWORK_CHOICES:
            from kg.viz.export import network_bytes, write_network

            if out is None:
                (data,) = network_bytes(g, fmt, lang).values()
                typer.echo(data.decode("utf-8"), nl=False)
                written = []
            else:
                written = write_network(g, out, fmt, lang)
            say(f"exported the policy network as {fmt}" + (f" -> {', '.join(map(str, written))}" if written else ""),
                quiet)
            return
        data = serialize(g, fmt)
        if out:
            write_atomic(out, data)
        else:
            typer.echo(data.decode("utf-8"), nl=False)
    say(f"exported {len(g)} triples as {fmt}" + (f" -> {out}" if out else ""), quiet)

