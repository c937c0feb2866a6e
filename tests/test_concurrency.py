"""Reliability under hostile queries, concurrency and faults (issue 18).

One writer per output: concurrent builds of one output queue on its lock and leave a Turtle file and a
store that agree (by hash); a failed store load leaves the old pair; readers say when they parse.

No way out to the network: every spelling of SERVICE that some parser reads as SERVICE is refused, and a
query child cannot open a network socket anyway; a real listener on 127.0.0.1 must receive nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.build.job import build
from kg.errors import OutputError, QueryError, QueryRefused, StoreError
from kg.io import file_lock
from kg.sparql import run_query
from kg.sparql.run import Result, run_isolated
from kg.sparql.safety import check_network, readings
from kg.store.local import OxigraphGraph, load_graph, store_meta, store_path, write_store
from tests.conftest import CORPUS, DATA, ROOT

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


# ---------------------------------------------------------------- one writer per output


def _kg(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, **kw)


def test_two_concurrent_builds_of_one_output_leave_a_turtle_and_store_that_agree(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for name in ("002_65cecfdfb2946326.txt", "004_fd1c064580b13356.txt"):
        shutil.copy(CORPUS / name, a / name)
    shutil.copy(CORPUS / "003_7b45b40aa43ec948.txt", b / "003_7b45b40aa43ec948.txt")
    out = tmp_path / "out" / "graph.ttl"
    procs = [_kg("build", str(d), "-o", str(out), "-j", "1") for d in (a, b)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert any("waiting for another build" in err for _, err in results)
    meta = store_meta(store_path(out))
    assert meta is not None and meta["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    store = ox.Store.read_only(str(store_path(out) / "db"))
    assert len(store) == len(Graph().parse(out, format="turtle"))
    assert not list(out.parent.glob(".graph.ttl.*.tmp"))


def test_no_wait_refuses_while_another_build_holds_the_output(tmp_path):
    out = tmp_path / "graph.ttl"
    with file_lock(tmp_path / ".graph.ttl.lock"):
        p = _kg("build", str(CORPUS / "004_fd1c064580b13356.txt"), "-o", str(out), "--no-wait", "-q")
        _, err = p.communicate(timeout=120)
    assert p.returncode == 1 and "another build of" in err and "Traceback" not in err
    assert not out.exists()


def test_leftover_temporaries_of_a_killed_build_are_removed_by_the_next(tmp_path):
    out = tmp_path / "graph.ttl"
    stale = tmp_path / ".graph.ttl.abc123.tmp"
    stale.write_bytes(b"half a graph")
    other = tmp_path / ".other.ttl.abc.tmp"
    other.write_bytes(b"not ours")
    build([CORPUS / "004_fd1c064580b13356.txt"], out, workers=1)
    assert not stale.exists() and other.exists()


def test_a_reader_says_when_it_parses_the_turtle_instead_of_the_store(tmp_path, monkeypatch, capsys):
    out = tmp_path / "build" / "graph.ttl"
    build([CORPUS / "004_fd1c064580b13356.txt"], out, workers=1, store=store_path(out))
    monkeypatch.chdir(tmp_path)
    assert isinstance(load_graph(), OxigraphGraph)
    assert "parsing" not in capsys.readouterr().err
    with open(out, "ab") as f:  # the Turtle no longer matches its store
        f.write(b"\n")
    g = load_graph()
    assert not isinstance(g, OxigraphGraph) and len(g) > 0
    assert "parsing build/graph.ttl into memory" in capsys.readouterr().err


@pytest.mark.parametrize("when", ["while extracting", "after assembly"])
def test_a_failed_store_load_leaves_the_old_pair(tmp_path, monkeypatch, when):
    """A store load that fails, whether it ran beside the extraction (a first build: kg.store.background)
    or after the assembly (beside a cache and a store with its manifest: kg.store.load._plan)."""
    out = tmp_path / "graph.ttl"
    cache = tmp_path / "cache" if when == "after assembly" else None
    build([CORPUS / "004_fd1c064580b13356.txt"], out, workers=1, store=store_path(out), cache_dir=cache)
    before = out.read_bytes(), store_meta(store_path(out))

    def full(*_a, **_k):
        raise OSError(28, "No space left on device", str(tmp_path / "x"))

    monkeypatch.setattr("kg.store.load._plan", full)
    import pyoxigraph

    monkeypatch.setattr(pyoxigraph.Store, "bulk_load", full)
    with pytest.raises((OutputError, StoreError), match="No space left"):
        build([CORPUS / "002_65cecfdfb2946326.txt"], out, workers=1, store=store_path(out), cache_dir=cache)
    assert (out.read_bytes(), store_meta(store_path(out))) == before
    assert not list(tmp_path.glob(".graph.ttl.*.tmp"))
    assert len([p for p in tmp_path.glob(".graph.store.*") if p.is_dir()]) == 1  # the current load only


# ---------------------------------------------------------------- workers die with their parent


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or not sys.platform.startswith("linux"),
                    reason="Linux /proc and PR_SET_PDEATHSIG")
def test_workers_die_when_the_parent_is_killed(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(12):
        for f in sorted(CORPUS.glob("*.txt")):
            shutil.copy(f, src / f"{i:02d}_{f.name}")
    p = subprocess.Popen([sys.executable, "-m", "kg", "build", str(src), "-o", str(tmp_path / "g.ttl"), "-j", "2",
                          "--no-cache", "-q"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    workers: list[int] = []
    while time.time() < deadline and len(workers) < 2 and p.poll() is None:
        workers = [c for c in _children(p.pid) if _alive(c)]
        time.sleep(0.1)
    assert len(workers) >= 2, "the build never started its workers"
    p.kill()  # kill -9 of the parent alone
    p.wait()
    deadline = time.time() + 5
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert left == []


@pytest.mark.parametrize("size", ["3m", "6m"])  # full while writing the Turtle; full while loading the store
def test_disk_full_on_a_real_tmpfs_keeps_the_old_pair(tmp_path, size):
    """A real full disk (a small tmpfs, mounted when the tests run as root): the build exits 1 with one line
    naming the path, and the graph and store of the previous build are intact and still answer queries."""
    import hashlib
    import os

    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=ROOT,
                                  timeout=300)

        out = disk / "graph.ttl"
        first = run("build", str(CORPUS / "004_fd1c064580b13356.txt"), "-o", str(out), "--no-cache", "-q")
        assert first.returncode == 0, first.stderr
        before = hashlib.sha256(out.read_bytes()).hexdigest()
        rest = [str(p) for p in sorted(CORPUS.glob("*.txt")) if not p.name.startswith("004")]
        second = run("build", *rest, "-o", str(out), "--no-cache", "-q")
        assert second.returncode == 1
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "No space left on device" in lines[0] and str(disk) in lines[0]
        assert hashlib.sha256(out.read_bytes()).hexdigest() == before  # the old Turtle
        q = run("query", "SELECT (COUNT(*) AS ?n) WHERE { ?m a smekg:Measure }", "-g", str(out), "-f", "csv")
        assert q.returncode == 0 and q.stdout.splitlines()[1] == "8"  # the old store answers: 004's 8 measures
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
