from __future__ import annotations

from pathlib import Path

import typer

from kg.cli.app import app
from kg.cli.common import fail, say, user_errors


def _params(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or []:
        if "=" not in item:
            fail(f"--param expects NAME=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


@app.command("query")
def query_command(
    query: str = typer.Argument(..., help="A named query (see `kg queries`), a .rq file, or SPARQL text."),
    param: list[str] = typer.Option(None, "--param", "-p", help="NAME=VALUE for a named query's parameter (repeatable)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, tsv or json (SPARQL 1.1 results)."),
    graph: Path = typer.Option(None, "--graph", "-g", help="Graph file to query (default: build/graph.ttl)."),
    endpoint: str = typer.Option(None, "--endpoint", help="Query this SPARQL 1.1 endpoint instead of a local graph."),
    limit: int = typer.Option(None, "--limit", min=1, help="Return at most this many rows."),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1, help="Stop the query after this many seconds."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No row count on stderr."),
) -> None:
    """Run a read-only SPARQL query: a named query, a .rq file or SPARQL text.

    Example: kg query measures-by-instrument --param instrument=FINANCING_GUARANTEE
    """
    from kg.query import run_query, to_csv, to_json
    from kg.render import table

    if fmt not in ("table", "csv", "tsv", "json"):
        fail(f"unknown format {fmt!r}; choose table, csv, tsv or json")
    with user_errors():
        if endpoint:
            from kg.query import run_remote

            res = run_remote(endpoint, query, _params(param), timeout=timeout, limit=limit)
        else:
            from kg.store import load_graph

            res = run_query(load_graph(graph), query, _params(param), timeout=timeout, limit=limit)
    if fmt == "csv":
        typer.echo(to_csv(res), nl=False)
    elif fmt == "tsv":
        typer.echo(to_csv(res, "\t"), nl=False)
    elif fmt == "json":
        typer.echo(to_json(res))
    else:
        table(res)
    more = f" (capped by --limit {limit})" if res.truncated else ""
    say(f"{len(res.rows)} row(s){more}", quiet)


@app.command("queries")
def queries_command() -> None:
    """List the named queries with their descriptions and parameters.

    Example: kg queries
    """
    from kg.query import named_queries
    from kg.render import query_list

    with user_errors():
        query_list(list(named_queries().values()))
