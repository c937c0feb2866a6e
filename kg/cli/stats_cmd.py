from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer

from kg.cli.app import app
from kg.cli.common import say, user_errors


@app.command("stats")
def stats_command(
    graph: Path = typer.Option(None, "--graph", "-g", help="Graph to describe (default: build/graph.ttl)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Counts and graph analytics: documents, measures, links, per-file fates, central instruments.

    Example: kg stats --json
    """
    from kg.build.report import load_report, print_fates
    from kg.store.local import DEFAULT_GRAPH, load_graph
    from kg.viz.stats import compute_stats

    with user_errors():
        g = load_graph(graph)
        st = compute_stats(g)
    fates = load_report(graph or DEFAULT_GRAPH)  # the per-file fates kg build kept beside the graph
    if as_json:
        figures = asdict(st)
        figures["files"] = {"report": str(fates.path), "state": fates.state, "fates": fates.fates
                            if fates.state == "current" else [], "note": fates.note}
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=1))
    else:
        from kg.cli.render import stats_tables

        stats_tables(st)
        print_fates(fates)
    say(f"{st.counts['documents']} documents, {st.counts['measures']} measures, {st.triples} triples")
