"""Query resources and messages (issue 18): a memory cap in the query child, a timeout that counts from
parsing to output, a clear line for a query nested too deeply, no doubled prefixes, exit 3 for a server."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from kg.cli import app
from kg.errors import QueryError, QueryTimeout
from kg.sparql import run_query
from kg.store.local import load_graph

FIXTURE = Path(__file__).parent / "data" / "query" / "fixture.ttl"
CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?c ?f ?i"


@pytest.fixture(scope="module")
def graph():
    return load_graph(FIXTURE)


def test_query_memory_cap_stops_a_query_that_would_blow_memory(graph):
    with pytest.raises(QueryError, match=r"needed more than 32 MB of memory \(raise --max-memory"):
        run_query(graph, CROSS, timeout=120, max_memory=32 * 1024 ** 2)


def test_query_memory_cap_leaves_ordinary_queries_alone(graph):
    res = run_query(graph, "departments", max_memory=256 * 1024 ** 2)
    assert res.rows


def test_query_cli_max_memory(runner):
    res = runner.invoke(app, ["query", CROSS, "-g", str(FIXTURE), "--max-memory", "32", "-t", "120", "-f", "csv"])
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [
        "Error: query stopped: it needed more than 32 MB of memory (raise --max-memory, add a LIMIT or narrow it)"]


def test_query_nested_too_deeply_is_one_clear_line(runner):
    deep = "SELECT * WHERE " + "{" * 3000 + "?s ?p ?o" + "}" * 3000
    res = runner.invoke(app, ["query", deep, "-g", str(FIXTURE)])
    assert res.exit_code == 1
    assert res.stderr.strip() == ("Error: query nested too deeply to parse (3000 levels of brackets): flatten the "
                                  "groups or split the query")


def test_query_failure_message_is_not_doubled(graph, monkeypatch):
    from kg.sparql import run as run_mod

    def boom(*a, **k):
        raise ValueError("broken engine")

    monkeypatch.setattr(run_mod, "_evaluate", boom)
    with pytest.raises(QueryError) as e:
        run_query(graph, "departments", timeout=10)
    assert str(e.value) == "query failed: ValueError: broken engine"


def test_query_timeout_counts_the_rows_coming_back(graph, monkeypatch):
    import time

    from kg.sparql import run as run_mod

    def late(fn, timeout, max_memory=None):  # the engine answered in time, the rows arrived after the deadline
        res = fn()
        time.sleep(1.3)
        return res

    monkeypatch.setattr(run_mod, "run_isolated", late)
    with pytest.raises(QueryTimeout, match=r"rows took \d+\.\ds to come back"):
        run_query(graph, "departments", timeout=1)


def test_query_endpoint_that_cannot_be_reached_exits_3(runner):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    res = runner.invoke(app, ["query", "departments", "--endpoint", f"http://127.0.0.1:{port}/query"])
    assert res.exit_code == 3, res.output
    assert re.match(r"Error: .*127\.0\.0\.1", res.stderr)
