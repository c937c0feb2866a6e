"""Reliability under hostile queries, concurrency and faults (issue 18).

No way out to the network: every spelling of SERVICE that some parser reads as SERVICE is refused, and a
query child cannot open a network socket anyway; a real listener on 127.0.0.1 must receive nothing.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from rdflib import Graph

from kg.errors import QueryError, QueryRefused
from kg.sparql import run_query
from kg.sparql.run import Result, run_isolated
from kg.sparql.safety import check_network, readings
from kg.store.local import OxigraphGraph, write_store
from tests.conftest import DATA

FIXTURE = DATA / "query" / "fixture.ttl"


@pytest.fixture()
def listener():
    """A TCP listener on loopback that records every connection it accepts: (url, hits)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(0.2)
    hits: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    hits.append(conn.recv(200) or b"<connected>")
                except OSError:
                    hits.append(b"<connected>")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/sparql", hits
    stop.set()
    t.join(2)
    srv.close()


@pytest.fixture(scope="module")
def ox_graph():
    import pyoxigraph as ox

    store = ox.Store()
    store.load(FIXTURE.read_bytes(), ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="module")
def rdf_graph():
    return Graph().parse(FIXTURE, format="turtle")


def hex4(s: str) -> str:
    return "".join(f"\\u{ord(c):04X}" for c in s)


def hostile(url: str) -> list[str]:
    """SERVICE spelled every way some parser reads it, each with data to join (the fixture is not empty)."""
    host = url.split("/sparql")[0]
    return [
        # the reported bypass: rdflib decodes \u first and sees one long string, Oxigraph runs SERVICE
        f'SELECT * WHERE {{ BIND("\\u0022" AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} BIND("\\u0022" AS ?y) }}',
        f'SELECT * WHERE {{ BIND("\\U00000022" AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} BIND("\\U00000022" AS ?y) }}',
        f"SELECT * WHERE {{ BIND('\\u0027' AS ?x) SERVICE SILENT <{url}> {{ ?s ?p ?o }} BIND('\\u0027' AS ?y) }}",
        f'SELECT * WHERE {{ ?s ?p ?o . {hex4("SERVICE")} <{url}> {{ ?s ?p ?o }} }}',
        f'SELECT * WHERE {{ ?s ?p ?o . SERVICE <{hex4(url)}> {{ ?s ?p ?o }} }}',
        f'PREFIX e: <{hex4(host)}/> SELECT * WHERE {{ ?s ?p ?o . SERVICE e:sparql {{ ?s ?p ?o }} }}',
        f'PREFIX e: <{host}/> SELECT * WHERE {{ ?s ?p ?o . SERVICEe:sparql {{ ?s ?p ?o }} }}',
        f'PREFIX : <{host}/> SELECT * WHERE {{ ?s ?p ?o . SERVICE:sparql {{ ?s ?p ?o }} }}',
        f'SELECT * WHERE {{ ?s ?p <http://e.org/\\u0041#> . SERVICE <{url}> {{ ?s ?p ?o }} }}',
        f'SELECT * WHERE {{ ?s ?p ?o # a comment\rSERVICE SILENT <{url}> {{ ?s ?p ?o }} }}',
        f'SELECT * WHERE {{ ?s ?p ?o . sErViCe\tsilent<{url}>{{?s ?p ?o}} }}',
        f'SELECT * WHERE {{ ?s ?p ?o . \\u005Cu0053ERVICE <{url}> {{ ?s ?p ?o }} }}',
        f'SELECT * WHERE {{ ?s ?p ?o . SERVICE ?u {{ ?s ?p ?o }} VALUES ?u {{ <{url}> }} }}',
    ]


def test_every_spelling_of_service_is_refused_and_nothing_reaches_the_listener(listener, ox_graph, rdf_graph,
                                                                              tmp_path):
    url, hits = listener
    write_store(rdf_graph.serialize(format="nt", encoding="utf-8"), tmp_path / "graph.store")
    on_store = OxigraphGraph(tmp_path / "graph.store")
    for text in hostile(url):
        for source in (ox_graph, rdf_graph, on_store):
            with pytest.raises(QueryError):  # refused, or a syntax error: never run
                run_query(source, text, timeout=10)
        with pytest.raises(QueryRefused):
            check_network(text)
    time.sleep(0.3)
    assert hits == []


def test_the_check_reads_only_words_not_strings_iris_variables_or_comments():
    for ok in ('SELECT ?service WHERE { ?service <http://e.org/service> "SERVICE <x> {}" } # SERVICE',
               'PREFIX e: <http://e.org/> SELECT * WHERE { ?s e:serviceOf ?o ; e:LOAD ?x }',
               'SELECT * WHERE { ?s ?p smekg:ServiceInstrument }', 'SELECT ?loaded WHERE { ?loaded ?p ?o }'):
        check_network(ok)
    assert readings("a\\u005Cu0041") == ["a\\u005Cu0041", "a\\u0041", "aA"]


def test_a_query_child_cannot_open_a_network_socket(listener):
    """The second line of defence: whatever got past the text check could not connect."""
    url, hits = listener
    port = int(url.split(":")[2].split("/")[0])

    def connect() -> Result:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        return Result(["x"], [])

    with pytest.raises(QueryError, match="PermissionError|Permission denied"):
        run_isolated(connect, timeout=10)
    with pytest.raises(QueryError, match="PermissionError|Permission denied"):
        run_isolated(connect, timeout=None)  # no time limit: still a sandboxed child
    time.sleep(0.3)
    assert hits == []
