"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over the local graph, on the loopback interface,
with a query page that works offline (no CDN: the page is one HTML file with its script inlined).

- `GET /sparql?query=…` and `POST /sparql` (form `query=…`, or a body of type application/sparql-query):
  SPARQL 1.1 Query Results JSON for SELECT/ASK (CSV or TSV when the Accept header asks for them),
  N-Triples for CONSTRUCT/DESCRIBE. Every query goes through `run_query`: updates, SERVICE and FROM are
  refused, parameters of named queries are bound as RDF terms (`?name=departments&param=department=PBC`),
  and each query is time-limited. Errors are 400 with a one-line message.
- `GET /queries`: the named queries (name, title, description, parameters, text) as JSON.
- `GET /`: the query page: a text box, the named queries one click away, results as a table.

The server binds 127.0.0.1 only and never writes: there is no update endpoint.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kg.errors import KGError, first_line
from kg.sparql.formats import to_csv, to_json
from kg.sparql.named import named_queries
from kg.sparql.run import DEFAULT_TIMEOUT, Result, run_query

HOST = "127.0.0.1"
MAX_BODY = 1_000_000


def _page() -> bytes:
    return resources.files("kg.sparql").joinpath("serve.html").read_bytes()


def queries_json() -> bytes:
    out = []
    for name, nq in sorted(named_queries().items()):
        out.append({"name": name, "title": nq.title, "description": nq.description, "text": nq.text,
                    "params": [{"name": p.name, "type": p.type, "optional": p.optional, "example": p.example}
                               for p in nq.params]})
    return json.dumps(out, ensure_ascii=False, indent=1).encode("utf-8")


def _ntriples(res: Result) -> str:
    return "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in res.rows)


def answer(source: Any, query: str, params: dict[str, str], accept: str, timeout: float | None) -> tuple[str, bytes]:
    """(content type, body) of one query, as the protocol asks for it."""
    res = run_query(source, query, params, timeout=timeout)
    if res.form in ("CONSTRUCT", "DESCRIBE"):
        return "application/n-triples; charset=utf-8", _ntriples(res).encode("utf-8")
    if "text/csv" in accept and res.form == "SELECT":
        return "text/csv; charset=utf-8", to_csv(res).encode("utf-8")
    if "text/tab-separated-values" in accept and res.form == "SELECT":
        return "text/tab-separated-values; charset=utf-8", to_csv(res, "\t").encode("utf-8")
    return "application/sparql-results+json; charset=utf-8", to_json(res).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    server_version = "kg-serve"
    source: Any = None
    timeout_s: float | None = DEFAULT_TIMEOUT
    quiet = True

    def log_message(self, fmt: str, *args) -> None:  # one line per request on stderr unless quiet
        if not self.quiet:
            super().log_message(fmt, *args)

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; script-src 'unsafe-inline' 'self'; "
                                                    "style-src 'unsafe-inline' 'self'; connect-src 'self'")
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        url = urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", _page())
        elif url.path == "/queries":
            self._send(HTTPStatus.OK, "application/json; charset=utf-8", queries_json())
        elif url.path in ("/sparql", "/query"):
            self._query(parse_qs(url.query))
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no such page {url.path}; the endpoint is /sparql")

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        if url.path not in ("/sparql", "/query"):
            self._error(HTTPStatus.NOT_FOUND, "POST to /sparql (this endpoint is read-only: no updates)")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"query over {MAX_BODY} bytes")
            return
        body = self.rfile.read(length).decode("utf-8", "replace")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype == "application/sparql-query":
            self._query({**parse_qs(url.query), "query": [body]})
        elif ctype == "application/sparql-update" or "update" in parse_qs(body):
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
        else:
            self._query({**parse_qs(url.query), **parse_qs(body)})

    def _query(self, form: dict[str, list[str]]) -> None:
        query = (form.get("query") or form.get("name") or [""])[0]
        if not query.strip():
            self._error(HTTPStatus.BAD_REQUEST, "no query: give query=SPARQL text or name=NAMED_QUERY")
            return
        params = dict(p.split("=", 1) for p in form.get("param", []) if "=" in p)
        try:
            ctype, body = answer(self.source, query, params, self.headers.get("Accept") or "", self.timeout_s)
        except KGError as e:
            self._error(HTTPStatus.BAD_REQUEST, first_line(e))
            return
        self._send(HTTPStatus.OK, ctype, body)


def make_server(source: Any, port: int = 0, timeout: float | None = DEFAULT_TIMEOUT,
                quiet: bool = True) -> ThreadingHTTPServer:
    """A server over `source` (a graph or store) on 127.0.0.1:port (0: a free port); call serve_forever."""
    handler = type("Handler", (_Handler,), {"source": source, "timeout_s": timeout, "quiet": quiet})
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    return server


def serve_in_thread(source: Any, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Start a server in a daemon thread; (server, base URL). Stop it with server.shutdown()."""
    server = make_server(source, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}"


__all__ = ["answer", "first_line", "make_server", "queries_json", "serve_in_thread"]
