"""A real SPARQL 1.1 server: `kg build --store` pushes with the Graph Store Protocol, `kg query --endpoint`
queries it. The server is Oxigraph's (`oxigraph serve`), started on a free loopback port and stopped after."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
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


def _start(location, port: int, *options: str) -> subprocess.Popen:
    """`oxigraph serve` on 127.0.0.1:port with its store in `location`, once it answers queries."""
    proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                             *options], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            pytest.fail(f"oxigraph serve exited: {proc.stderr.read().decode(errors='replace')[-500:]}")
        try:
            select(f"http://127.0.0.1:{port}/query", "ASK { }", timeout=2)
            return proc
        except StoreError:
            if time.monotonic() > deadline:
                _stop(proc)
                pytest.fail("oxigraph serve did not answer within 30 s")
            time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Base URL of an Oxigraph server on 127.0.0.1, with its own store folder; always stopped."""
    if OXIGRAPH is None:
        pytest.skip("the oxigraph server executable is not installed (pip install oxigraph)")
    port = _free_port()
    proc = _start(tmp_path_factory.mktemp("oxserver"), port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


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


class _KillingProxy:
    """A loopback TCP proxy in front of a server process: it forwards every connection, except that once
    it has passed `after` bytes of a request starting with `method_path` (b"POST /update": the MOVE) it
    kills the server (SIGKILL) and drops the connection — a server dying in the middle of a push."""

    def __init__(self, upstream: int, proc: subprocess.Popen, method_path: bytes, after: int = 0):
        self.upstream, self.proc, self.trigger, self.after = upstream, proc, method_path, after
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            data = client.recv(65536)
            self.requests.append(data.split(b"\r\n", 1)[0])
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream), timeout=30)
            except OSError:
                return
            with upstream:
                if data.startswith(self.trigger):
                    self._forward_then_kill(client, upstream, data)
                    return
                upstream.sendall(data)
                back = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
                back.start()
                self._pump(client, upstream)
                back.join(30)

    def _forward_then_kill(self, client: socket.socket, upstream: socket.socket, data: bytes) -> None:
        sent = 0
        while data and sent + len(data) <= self.after:
            upstream.sendall(data)
            sent += len(data)
            data = client.recv(65536)
        upstream.sendall(data[: self.after - sent])
        self.proc.kill()
        self.proc.wait()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("when", ["before the MOVE", "during the upload"])
def test_remote_server_killed_mid_push_exits_3_and_next_push_drops_the_staging_graph(when, runner, corpus_copy,
                                                                                      tmp_path):
    """The server dies mid-push: the build exits 3 with the local graph written. The next push (to the
    restarted server, serving the union of its graphs as default graph as README suggests) leaves only
    the target graph, and the union counts every triple once."""
    from kg.cli import app
    from kg.store.local import parse_graph

    if OXIGRAPH is None:
        pytest.skip("the oxigraph server executable is not installed (pip install oxigraph)")
    location, port = tmp_path / "oxserver", _free_port()
    out = tmp_path / "g.ttl"
    proc = _start(location, port, "--union-default-graph")
    trigger = (b"POST /update", 0) if when == "before the MOVE" else (b"PUT ", 200_000)
    proxy = _KillingProxy(port, proc, *trigger)
    try:
        res = runner.invoke(app, ["build", str(corpus_copy), "-o", str(out), "--store",
                                  f"http://127.0.0.1:{proxy.port}/store"])
    finally:
        proxy.close()
        _stop(proc)
    assert proc.returncode == -9, "the proxy did not kill the server"
    assert out.stat().st_size > 200_000
    assert res.exit_code == 3, res.output
    last = res.stderr.splitlines()[-1]
    assert last.startswith(f"Error: push to http://127.0.0.1:{proxy.port}/store failed, {out} is written: ")
    assert "cannot reach" in last and "Traceback" not in res.stderr
    triples = len(parse_graph(out))

    proc = _start(location, port, "--union-default-graph")
    try:
        base = f"http://127.0.0.1:{port}"
        left = [g for g in _graphs(base) if "-staging-" in g]
        if when == "before the MOVE":  # the upload was complete: its staging graph outlived the server
            assert len(left) == 1 and _count(base, left[0]) == triples
        res = runner.invoke(app, ["build", str(corpus_copy), "-o", str(out), "--store", f"{base}/store"])
        assert res.exit_code == 0, res.output
        if left:
            assert f"dropped {len(left)} staging graph(s)" in res.stderr
        assert _graphs(base) == {DEFAULT_GRAPH_IRI}
        _, rows = select(f"{base}/query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert int(rows[0][0]["value"]) == _count(base, DEFAULT_GRAPH_IRI) == triples
    finally:
        _stop(proc)


def test_remote_staging_graphs_are_named_per_push_and_only_those_are_dropped(server, tmp_path):
    """Each push stages into a graph of its own; a graph that merely starts like a staging name, or the
    staging graph of another target, is not touched."""
    ttl = tmp_path / "t.ttl"
    ttl.write_text("<urn:kg:a> <urn:kg:b> <urn:kg:c> .\n", encoding="utf-8")
    target = "urn:kg:test:target"
    keep = [f"{target}-staging-notahexname", f"urn:kg:test:other-staging-{'0' * 32}"]
    stale = f"{target}-staging-{'ab' * 16}"
    for g in [*keep, stale]:
        push_graph(ttl, f"{server}/store", g, update_url=f"{server}/no-such-endpoint")
    res = push_graph(ttl, f"{server}/store", target)
    assert res.method == "move" and res.stale == 1
    graphs = _graphs(server)
    assert stale not in graphs and set(keep) | {target} <= graphs
    for g in [*keep, target]:
        urllib.request.urlopen(urllib.request.Request(graph_url(f"{server}/store", g), method="DELETE"),
                               timeout=10).close()
