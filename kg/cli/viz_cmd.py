from __future__ import annotations

from pathlib import Path

import typer

from kg.cli.app import app
from kg.cli.common import choice, fail, say, user_errors
from kg.viz.views import VIEWS

View = choice("View", (*VIEWS, "matrix"))
Lang = choice("Lang", ("en", "zh"))


@app.command("viz")
def viz_command(
    out: Path = typer.Option(Path("build/graph.html"), "-o", "--out", help="HTML file to write."),
    graph: Path = typer.Option(None, "--graph", "-g", help="Graph to draw (default: build/graph.ttl)."),
    view: View = typer.Option("full", "--view", help="What to draw."),
    focus: str = typer.Option(None, "--focus", metavar="CODE|IRI|FILE", help="Centre on a code (PBC, FINANCING_GUARANTEE), an IRI, "
                                                    "or a file name (with --view document)."),
    depth: int = typer.Option(2, "--depth", min=1, max=6, help="Hops around --focus."),
    lang: Lang = typer.Option("en", "--lang", help="Label language."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary line on stderr."),
) -> None:
    """Draw the graph as one self-contained HTML page that works offline.

    Views: full (documents, measures and what they link to; measures are folded into their documents
    above a node cap), focus (--focus CODE_OR_IRI --depth N), document (--focus FILE),
    departments-instruments (issuers x instruments, edges counting measures) and cooccurrence
    (instruments linked by the measures that combine them); with --focus, those two keep the node and
    its neighbours; matrix: the same overview as a department x instrument heatmap (the page of
    `kg report`, whose cells list their measures); --focus is refused there (it has no meaning).

    Examples:

      kg viz                                            # build/graph.html, the full graph

      kg viz --focus PBC --depth 2 -o build/pbc.html

      kg viz --view departments-instruments --lang zh -o build/overview.html

      kg viz --view document --focus 003_7b45b40aa43ec948.txt -o build/003.html

      kg viz --view matrix -o build/matrix.html
    """
    import time

    from kg.store.local import load_graph
    from kg.viz.page import write_viz

    view, lang = view.value, lang.value
    if focus and view == "matrix":
        fail("--focus has no meaning for --view matrix (it shows every department and instrument); use --view "
             "focus, document, departments-instruments or cooccurrence", code=2)
    t0 = time.perf_counter()
    if view == "matrix":
        _matrix(graph, out, lang, quiet, t0)
        return
    with user_errors():
        g = load_graph(graph)
        res = write_viz(g, out, view=view, focus=focus, depth=depth, lang=lang)
    for note in res.notes:
        say(f"note: {note}")  # aggregation is said even with --quiet: the page is not the whole graph
    size = out.stat().st_size
    say(f"drew {len(res.nodes)} nodes and {len(res.edges)} edges ({res.view}, {lang}) in "
        f"{time.perf_counter() - t0:.1f}s -> {out} ({size / 1024:.0f} KiB)", quiet)


def _matrix(graph: Path | None, out: Path, lang: str, quiet: bool, t0: float) -> None:
    """The department x instrument matrix: the report page, which opens on its heatmap."""
    import time

    from kg.report import write_report
    from kg.store.local import DEFAULT_GRAPH, load_graph

    with user_errors():
        write_report(load_graph(graph), out, "html", lang, graph_file=graph or DEFAULT_GRAPH)
    say(f"drew the department x instrument matrix ({lang}) with the report's other charts in "
        f"{time.perf_counter() - t0:.1f}s -> {out} ({out.stat().st_size / 1024:.0f} KiB)"
, quiet)
