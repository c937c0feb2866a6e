"""A real SPARQL 1.1 server: `kg build --store` pushes with the Graph Store Protocol, `kg query --endpoint`
queries it. The server is Oxigraph's (`oxigraph serve`), started on a free loopback port and stopped after."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from kg.errors import StoreError
from kg.store.remote import (
    DEFAULT_GRAPH_IRI,
    graph_url,
    guess_query_url,
    guess_update_url,
    push_graph,
    select,
)

pytestmark = pytest.mark.server

OXIGRAPH = shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Base URL of an Oxigraph server on 127.0.0.1, with its own store folder; always stopped."""
    if OXIGRAPH is None:
        pytest.skip("the oxigraph server executable is not installed (pip install oxigraph)")
    port = _free_port()
    proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(tmp_path_factory.mktemp("oxserver")),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"oxigraph serve exited: {proc.stderr.read().decode(errors='replace')[-500:]}")
            try:
                select(f"{base}/query", "ASK { }", timeout=2)
                break
            except StoreError:
                if time.monotonic() > deadline:
                    pytest.fail("oxigraph serve did not answer within 30 s")
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _count(base: str, graph: str) -> int:
    _, rows = select(f"{base}/query", f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0][0]["value"])


def _graphs(base: str) -> set[str]:
    _, rows = select(f"{base}/query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {r[0]["value"] for r in rows}


def test_remote_endpoint_guesses():
    assert guess_update_url("http://h:7878/store") == "http://h:7878/update"
    assert guess_query_url("http://h:3030/ds/data") == "http://h:3030/ds/query"
    assert guess_update_url("http://h:7200/repositories/r/rdf-graphs/service") is None
    assert graph_url("http://h/store", "urn:a b") == "http://h/store?graph=urn%3Aa%20b"
    with pytest.raises(StoreError):
        push_graph(__file__, "file:///etc/passwd")


def test_remote_build_push_replaces_one_named_graph_and_query_endpoint(server, runner, corpus_copy, tmp_path):
    from kg.cli import app
    from kg.store.local import parse_graph

    out = tmp_path / "g.ttl"
    res = runner.invoke(app, ["build", str(corpus_copy), "-o", str(out), "--store", f"{server}/store"])
    assert res.exit_code == 0, res.output
    triples = len(parse_graph(out))
    assert f"pushed {triples} triples" in res.stderr and "staging graph + MOVE" in res.stderr
    assert _count(server, DEFAULT_GRAPH_IRI) == triples
    assert _graphs(server) == {DEFAULT_GRAPH_IRI}  # no staging graph left behind

    # kg query --endpoint on the pushed graph (protocol parameters in the URL) = kg query on the file
    endpoint = f"{server}/query?default-graph-uri={urllib.parse.quote(DEFAULT_GRAPH_IRI, safe='')}"
    remote = runner.invoke(app, ["query", "link-evidence", "--param", "concept=FINANCING_GUARANTEE",
                                 "--format", "json", "--endpoint", endpoint])
    local = runner.invoke(app, ["query", "link-evidence", "--param", "concept=FINANCING_GUARANTEE",
                                "--format", "json", "--graph", str(out)])
    assert remote.exit_code == 0 and local.exit_code == 0, remote.output + local.output
    rrows = json.loads(remote.stdout)["results"]["bindings"]
    lrows = json.loads(local.stdout)["results"]["bindings"]
    assert rrows and sorted(map(json.dumps, rrows)) == sorted(map(json.dumps, lrows))

    # a second build of fewer documents replaces the graph: nothing of the first one is left
    small = tmp_path / "small"
    small.mkdir()
    shutil.copy(corpus_copy / "004_fd1c064580b13356.txt", small)
    out2 = tmp_path / "g2.ttl"
    res = runner.invoke(app, ["build", str(small), "-o", str(out2), "--store", f"{server}/store", "-q"])
    assert res.exit_code == 0, res.output
    assert _count(server, DEFAULT_GRAPH_IRI) == len(parse_graph(out2)) < triples
    assert _graphs(server) == {DEFAULT_GRAPH_IRI}


def test_remote_push_without_update_endpoint_uses_one_put(server, tmp_path):
    ttl = tmp_path / "t.ttl"
    ttl.write_text("<urn:kg:a> <urn:kg:b> <urn:kg:c>, <urn:kg:d> .\n", encoding="utf-8")
    iri = "urn:kg:test:put"
    res = push_graph(ttl, f"{server}/store", iri, update_url=f"{server}/no-such-endpoint")
    assert res.method == "put" and _count(server, iri) == 2
    assert not any("staging" in g for g in _graphs(server))
    req = urllib.request.Request(graph_url(f"{server}/store", iri), method="DELETE")
    urllib.request.urlopen(req, timeout=10).close()


def test_remote_errors_are_one_line(server, tmp_path):
    ttl = tmp_path / "bad.ttl"
    ttl.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(StoreError, match=r"HTTP 400"):
        push_graph(ttl, f"{server}/store", "urn:kg:test:bad")
    assert not any("staging" in g for g in _graphs(server))
    with pytest.raises(StoreError, match="cannot reach"):
        select(f"http://127.0.0.1:{_free_port()}/query", "ASK {}", timeout=2)
