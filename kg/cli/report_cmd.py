from __future__ import annotations

from pathlib import Path

import typer

from kg.cli.app import app
from kg.cli.common import choice, say, user_errors

Format = choice("ReportFormat", ("html", "svg", "png"))
Lang = choice("ReportLang", ("en", "zh"))


@app.command("report")
def report_command(
    out: Path = typer.Option(Path("build/report.html"), "-o", "--out",
                             help="The page (html), or the name the chart files are named after (svg, png)."),
    fmt: Format = typer.Option("html", "--format", help="html: one offline page; svg or png: one file per chart."),
    graph: Path = typer.Option(None, "--graph", "-g", help="Graph to report on (default: build/graph.ttl or its store)."),
    lang: Lang = typer.Option("en", "--lang", help="Label language."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary line on stderr."),
) -> None:
    """The analyst's report: department x instrument heatmap (issued by or competent; documents or
    policies; hover and click for the measures), instruments by year (undated in their own column),
    enterprise types x instrument classes, co-issuing departments, totals, a table of documents with
    the build's warnings, and every measure with the sentence behind each link.

    Examples:

      kg report                                   # build/report.html, self-contained, works offline

      kg report --format svg -o build/slides/report   # build/slides/report-heatmap-issued-document.svg …

      kg report --lang zh -o build/report-zh.html
    """
    from kg.report import write_report
    from kg.store.local import DEFAULT_GRAPH, load_graph

    with user_errors():
        g = load_graph(graph)
        res = write_report(g, out, fmt=fmt.value, lang=lang.value, graph_file=Path(graph or DEFAULT_GRAPH))
    d = res.data
    size = sum(p.stat().st_size for p in res.files)
    where = res.files[0] if len(res.files) == 1 else f"{len(res.files)} files {out.stem}-*.{fmt.value} in {out.parent}"
    say(f"reported {len(d.documents)} documents, {d.measures_total} measures in {res.seconds:.1f}s -> "
        f"{where} ({size / 1024:.0f} KiB)", quiet)
