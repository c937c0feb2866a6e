from __future__ import annotations

from pathlib import Path

import typer

from kg.cli.app import app
from kg.cli.common import fail, say, user_errors

VIEWS = ("full", "departments-instruments", "document")


@app.command("viz")
def viz_command(
    out: Path = typer.Option(Path("build/graph.html"), "-o", "--out", help="HTML file to write."),
    graph: Path = typer.Option(None, "--graph", "-g", help="Graph to draw (default: build/graph.ttl)."),
    view: str = typer.Option("full", "--view", help=f"One of: {', '.join(VIEWS)}."),
    focus: str = typer.Option(None, "--focus", help="Centre on a code (PBC, FINANCING_GUARANTEE), an IRI, or a file (--view document)."),
    depth: int = typer.Option(2, "--depth", min=1, max=6, help="Hops around --focus."),
    lang: str = typer.Option("en", "--lang", help="Label language: en or zh."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Draw the graph as one self-contained, offline HTML page.

    Example: kg viz --focus PBC --depth 2 -o build/pbc.html
    """
    from kg.store import load_graph
    from kg.viz import write_viz

    if view not in VIEWS:
        fail(f"unknown view {view!r}; choose {', '.join(VIEWS)}")
    if lang not in ("en", "zh"):
        fail("--lang must be en or zh")
    with user_errors():
        g = load_graph(graph)
        res = write_viz(g, out, view=view, focus=focus, depth=depth, lang=lang)
    if res.notice:
        say(res.notice)
    say(f"drew {len(res.nodes)} nodes and {len(res.edges)} edges ({res.view}) -> {out}", quiet)
