"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint on 127.0.0.1 with an offline query page (issue 16).

Tested with a real HTTP client against the running server, and the page in headless Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.sparql.serve import serve_in_thread
from kg.store.local import load_graph

FIXTURE = Path(__file__).parent / "data" / "query" / "fixture.ttl"


@pytest.fixture(scope="module")
def server():
    srv, url = serve_in_thread(load_graph(FIXTURE))
    yield url
    srv.shutdown()
    srv.server_close()


def _get(url: str, accept: str = "") -> tuple[int, str, str]:
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode("utf-8")


def _post(url: str, data: bytes, ctype: str, accept: str = "") -> tuple[int, str]:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": ctype, "Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def test_serve_binds_loopback_only(server):
    assert server.startswith("http://127.0.0.1:")


def test_serve_sparql_get_returns_sparql_json(server):
    q = urllib.parse.urlencode({"query": "SELECT ?code WHERE { ?d a smekg:Department ; skos:notation ?code } "
                                         "ORDER BY ?code"})
    status, ctype, body = _get(f"{server}/sparql?{q}")
    assert status == 200 and "sparql-results+json" in ctype
    codes = [b["code"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert "MIIT" in codes and codes == sorted(codes)


def test_serve_named_query_with_parameter_as_csv(server):
    form = urllib.parse.urlencode([("name", "instruments-by-department"), ("param", "department=PBC")]).encode()
    status, body = _post(f"{server}/sparql", form, "application/x-www-form-urlencoded", accept="text/csv")
    assert status == 200
    assert body.splitlines()[0].startswith("code,instrument")
    assert "CREDIT_LOAN" in body


def test_serve_post_sparql_query_body_and_ask(server):
    status, body = _post(f"{server}/sparql", b"ASK { ?s a smekg:Measure }", "application/sparql-query")
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize("data, ctype", [
    (b"INSERT DATA { <urn:a> <urn:b> <urn:c> }", "application/sparql-update"),
    (b"update=DROP+ALL", "application/x-www-form-urlencoded"),
    (urllib.parse.urlencode({"query": "DELETE WHERE { ?s ?p ?o }"}).encode(), "application/x-www-form-urlencoded"),
])
def test_serve_refuses_updates(server, data, ctype):
    status, body = _post(f"{server}/sparql", data, ctype)
    assert status in (400, 403) and ("read-only" in body or "refused" in body)
    status, _, body = _get(f"{server}/sparql?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) "
                                                                                   "WHERE { ?s ?p ?o }"}))
    assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 0


def test_serve_refuses_service_and_reports_bad_queries(server):
    q = urllib.parse.urlencode({"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    status, _, body = _get(f"{server}/sparql?{q}")
    assert status == 400 and "SERVICE" in body
    status, _, body = _get(f"{server}/sparql?" + urllib.parse.urlencode({"query": "SELEC nothing"}))
    assert status == 400 and body.count("\n") == 1
    status, _, body = _get(f"{server}/sparql")
    assert status == 400 and "no query" in body


def test_serve_lists_named_queries(server):
    status, ctype, body = _get(f"{server}/queries")
    names = {q["name"] for q in json.loads(body)}
    assert status == 200 and {"departments", "measures-by-instrument"} <= names


def test_serve_cli_starts_and_stops_on_interrupt(tmp_path):
    import signal

    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", "0", "-g", str(FIXTURE)],
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert "serving" in line and "http://127.0.0.1:" in line
        url = line.split("at ", 1)[1].split("/ ", 1)[0]
        assert _get(f"{url}/queries")[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        rest = proc.communicate(timeout=30)[1]
    assert proc.returncode == 0 and "stopped" in rest


@pytest.mark.browser
def test_serve_query_page_works_offline_in_chromium(server, tmp_path):
    import shutil

    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed")
    from test_browser import Browser

    b = Browser()
    try:
        b.open(f"{server}/?name=departments")
        rows = b.wait_for("document.querySelectorAll('#out tr').length", timeout=60)
        assert rows > 2
        assert "MIIT" in b.eval("document.getElementById('out').textContent")
        # a named query one click away
        b.eval("[...document.querySelectorAll('nav button')].find(x => x.firstChild.textContent === "
               "'measures-by-instrument').click()")
        b.wait_for("document.getElementById('title').textContent.length > 0 && "
                   "document.getElementById('status').textContent.includes('row(s)')", timeout=60)
        time.sleep(0.2)
        assert "FINANCING_GUARANTEE" in b.eval("document.getElementById('out').textContent")
        b.screenshot(Path("build") / "serve.png" if Path("build").is_dir() else tmp_path / "serve.png")
        assert all(u.startswith(server) for u in b.requests()), b.requests()
        assert not b.problems()
    finally:
        b.close()
