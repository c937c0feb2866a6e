from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path

import typer

from kg.cli.app import app
from kg.cli.common import fail, say, user_errors


class Format(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"


class Lang(StrEnum):
    en = "en"
    zh = "zh"


def _params(items: list[str] | None, lang: Lang | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--param")
        k, v = item.split("=", 1)
        if k.strip() in out:
            raise typer.BadParameter(f"{k.strip()!r} given twice", param_hint="--param")
        out[k.strip()] = v
    if lang is not None:
        if "lang" in out and out["lang"] != lang.value:
            raise typer.BadParameter("--lang and --param lang=… disagree", param_hint="--lang")
        out["lang"] = lang.value
    return out


def _format_in_time(res, fmt: Format, start: float, timeout: float) -> str | None:
    """The formatted result, or QueryTimeout when formatting took the query past its time limit."""
    out = _format(res, fmt)
    if timeout and time.perf_counter() - start > timeout:
        from kg.errors import QueryTimeout

        raise QueryTimeout(f"query stopped after {timeout:g}s: writing its {len(res.rows)} rows took the "
                           "rest of the time (raise --timeout, add a LIMIT or use --format tsv)")
    return out


def _format(res, fmt: Format) -> str | None:
    """The result as text in the chosen format (None for the table, which is drawn to the terminal)."""
    from kg.sparql import to_csv, to_json
    from kg.sparql.formats import to_jsonl

    if fmt is Format.csv:
        return to_csv(res)
    if fmt is Format.tsv:
        return to_csv(res, "\t")
    if fmt is Format.json:
        return to_json(res) + "\n"
    if fmt is Format.jsonl:
        return to_jsonl(res)
    return None


def _lang_for(query: str, lang: Lang | None, quiet: bool) -> Lang | None:
    """--lang for a query that has no lang parameter (ad-hoc SPARQL, a named query without labels) is said
    and ignored, not an error about a parameter the user never gave."""
    if lang is None:
        return None
    from kg.sparql import resolve

    try:
        _, nq = resolve(query)
    except Exception:  # the query itself is checked (and its error reported) when it runs
        return lang
    if nq is None or not any(p.name == "lang" for p in nq.params):
        what = f"named query {nq.name!r}" if nq is not None else "this query"
        say(f"note: {what} has no lang parameter; --lang {lang.value} ignored", quiet)
        return None
    return lang


def _named_graph_hint(endpoint: str, quiet: bool) -> None:
    """No rows from an endpoint: say so when the data sits in named graphs the default graph does not show."""
    from kg.sparql import run_remote

    try:
        found = run_remote(endpoint, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3", {}, timeout=10)
    except Exception:  # the hint is a courtesy: never fail the query over it
        return
    graphs = [str(r[0]) for r in found.rows if r and r[0] is not None]
    if graphs:
        say(f"note: no rows in the endpoint's default graph, but it holds named graphs ({', '.join(graphs)}): "
            "query a dataset whose default graph is their union (e.g. oxigraph serve --union-default-graph), or "
            f"add ?default-graph-uri={graphs[0]} to the endpoint URL", quiet)


@app.command("query")
def query_command(
    query: str = typer.Argument(..., metavar="QUERY", help="A named query (see `kg queries`), a .rq file, or SPARQL text."),
    param: list[str] = typer.Option(None, "--param", "-p", metavar="NAME=VALUE",
                                    help="A parameter of the named query (repeatable); codes such as "
                                         "PBC or FINANCING_GUARANTEE are checked against the vocabulary."),
    lang: Lang = typer.Option(None, "--lang", "-l", help="Language of the labels (the query's lang parameter); "
                                                         "a label missing in it falls back to the other."),
    fmt: Format = typer.Option(None, "--format", "-f",
                               help="table (for reading; the default on a terminal), tsv (the default when "
                                    "piped), csv, json (SPARQL 1.1 results) or jsonl (one object per row)."),
    graph: Path = typer.Option(None, "--graph", "-g", help="Graph file or store to query (default: build/graph.ttl)."),
    endpoint: str = typer.Option(None, "--endpoint", help="Query this SPARQL 1.1 endpoint instead of a local graph."),
    limit: int = typer.Option(None, "--limit", "-n", min=1, help="Return at most this many rows (says so when capped)."),
    timeout: float = typer.Option(5.0, "--timeout", "-t", min=0,
                                  help="Stop the query after this many seconds (0: no limit)."),
    max_memory: int = typer.Option(2048, "--max-memory", min=0, metavar="MB",
                                   help="Memory the query may use on top of the loaded graph, in MB (0: no cap)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No row count on stderr."),
) -> None:
    """Run a read-only SPARQL query: a named query, a .rq file or SPARQL text.

    Updates, SERVICE, LOAD and FROM are refused; parameters are bound as RDF terms, never pasted
    into the query text.

    \b
    Example: kg query measures-by-instrument --param instrument=FINANCING_GUARANTEE
    Example: kg query instruments-by-department -p department=PBC --lang zh --format csv
    Example: kg query 'SELECT ?d WHERE { ?d a smekg:PolicyDocument }' --format json
    """
    import sys

    from kg.sparql import run_query, run_remote

    if graph is not None and endpoint:
        raise typer.BadParameter("give --graph or --endpoint, not both", param_hint="--endpoint")
    if fmt is None:
        fmt = Format.table if sys.stdout.isatty() else Format.tsv
    lang = _lang_for(query, lang, quiet)
    params = _params(param, lang)
    start = time.perf_counter()
    with user_errors():
        if endpoint:
            res = run_remote(endpoint, query, params, timeout=timeout or None, limit=limit)
        else:
            from kg.store.local import load_graph

            res = run_query(load_graph(graph), query, params, timeout=timeout or None, limit=limit,
                            max_memory=max_memory * 1024 ** 2 or None)
        out = _format_in_time(res, fmt, start, timeout)
    if out is None:
        from kg.cli.render import table

        table(res)
    else:
        typer.echo(out, nl=False)
    if endpoint and not res.rows and res.form == "SELECT":
        _named_graph_hint(endpoint, quiet)
    _summary(res, limit, start, quiet)


def _summary(res, limit: int | None, start: float, quiet: bool) -> None:
    """The one-line summary on stderr: rows (and whether --limit capped them), or ASK's answer, and the time."""
    if res.form == "ASK":
        say(f"ASK: {'yes' if res.boolean else 'no'} in {time.perf_counter() - start:.2f}s", quiet)
        return
    capped = f" (capped by --limit {limit}; there are more)" if res.truncated else ""
    say(f"{len(res.rows)} row(s){capped} in {time.perf_counter() - start:.2f}s", quiet)


@app.command("queries")
def queries_command(
    name: str = typer.Argument(None, metavar="NAME", help="Show this named query's SPARQL text."),
) -> None:
    """List the named queries with their descriptions and parameters (or show one query's text).

    \b
    Example: kg queries
    Example: kg queries measures-by-instrument
    """
    from kg.cli.render import query_list
    from kg.sparql import named_queries, resolve

    with user_errors():
        if name:
            text, nq = resolve(name)
            if nq is None:
                fail(f"no named query {name!r}")
            typer.echo(text, nl=not text.endswith("\n"))
            return
        queries = list(named_queries().values())
        query_list(queries)
    say(f"{len(queries)} named queries in {queries[0].path.parent if queries else 'queries/'}")
