"""SPARQL 1.1 servers: push a graph with the Graph Store Protocol, query with the SPARQL protocol.

Works with any standard server (Oxigraph server, Apache Jena Fuseki, GraphDB, and QLever for
queries). Only the standard library's urllib is used.

A push replaces one named graph (one per build, `DEFAULT_GRAPH_IRI` unless told otherwise) so that
readers never see a half-loaded graph: the data is uploaded into a fresh staging graph with a GSP
PUT, then moved over the target with one SPARQL Update `MOVE` (a single transaction on the
server). Where no update endpoint is known, the target is replaced with a single GSP PUT (atomic on
Fuseki and GraphDB; Oxigraph server clears the graph and then loads it).

Each push stages into its own graph, `<TARGET>-staging-<uuid>`, and deletes it on every failure path
it can still reach the server on. A server that dies mid-push cannot be told, so the next push lists
the graphs named `<TARGET>-staging-…` (on the query endpoint beside the store, when one is known) and
drops them in the same update as its MOVE. A push whose own staging graph was dropped by a concurrent
push fails (MOVE of a graph that does not exist is an error), it never empties the target.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from kg.errors import ServerError, StoreError, first_line

DEFAULT_GRAPH_IRI = "https://w3id.org/smekg/graph/build"
STAGING_INFIX = "-staging-"  # a staging graph is <target><STAGING_INFIX><uuid hex>

# GSP endpoint path -> update endpoint path, for servers whose layout is fixed
_UPDATE_PATHS = (("/store", "/update"), ("/data", "/update"))  # Oxigraph server; Fuseki datasets


def _request(req: urllib.request.Request, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - user-given server URL
            return resp.read()
    except urllib.error.HTTPError as e:
        body = e.read()[:300].decode("utf-8", "replace").strip().splitlines()
        raise ServerError(f"{req.full_url}: HTTP {e.code} {e.reason}{': ' + body[0] if body else ''}",
                          status=e.code, url=req.full_url) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        reason = getattr(e, "reason", None) or first_line(e)
        raise ServerError(f"cannot reach {req.full_url}: {reason}", url=req.full_url) from None


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StoreError(f"not an http(s) URL: {url!r}")


def graph_url(store_url: str, graph_iri: str) -> str:
    """The GSP URL of a named graph (indirect identification: ?graph=IRI)."""
    sep = "&" if "?" in store_url else "?"
    return f"{store_url}{sep}graph={urllib.parse.quote(graph_iri, safe='')}"


def guess_update_url(store_url: str) -> str | None:
    """The SPARQL Update endpoint beside a GSP endpoint, for Oxigraph (/store) and Fuseki (/ds/data)."""
    parts = urllib.parse.urlsplit(store_url)
    for gsp, update in _UPDATE_PATHS:
        if parts.path.rstrip("/").endswith(gsp):
            path = parts.path.rstrip("/")[: -len(gsp)] + update
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return None


def guess_query_url(store_url: str) -> str | None:
    """The SPARQL query endpoint beside a GSP endpoint, for Oxigraph (/query) and Fuseki (/ds/query)."""
    update = guess_update_url(store_url)
    return update[: -len("/update")] + "/query" if update else None


@dataclass
class PushResult:
    url: str
    graph: str
    bytes: int
    method: str  # "move" (staging graph + SPARQL MOVE) or "put" (one GSP PUT)
    seconds: float
    stale: int = 0  # staging graphs that earlier pushes left on the server, dropped by this one


def _put(url: str, data: bytes, content_type: str, timeout: float) -> None:
    req = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": content_type})
    _request(req, timeout)


def _update(update_url: str, text: str, timeout: float) -> None:
    req = urllib.request.Request(update_url, data=urllib.parse.urlencode({"update": text}).encode("utf-8"),
                                 method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"})
    _request(req, timeout)


def _delete_quietly(url: str, timeout: float) -> None:
    try:
        _request(urllib.request.Request(url, method="DELETE"), timeout)
    except StoreError:
        pass


def stale_staging_graphs(query_url: str | None, graph_iri: str, timeout: float) -> list[str]:
    """The staging graphs that earlier pushes to `graph_iri` left on the server (named
    `<graph_iri>-staging-<hex>`); [] when no query endpoint is known or it cannot list them."""
    if not query_url:
        return []
    prefix = graph_iri + STAGING_INFIX
    query = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'
    try:
        _, rows = select(query_url, query, timeout=timeout)
    except StoreError:
        return []
    names = (r[0].get("value", "") for r in rows if r and r[0] and r[0].get("type") == "uri")
    return sorted(g for g in names if _is_staging_name(g, prefix))


def _is_staging_name(name: str, prefix: str) -> bool:
    tail = name[len(prefix):]
    return name.startswith(prefix) and len(tail) == 32 and all(c in "0123456789abcdef" for c in tail)


def push_graph(data_file: Path, store_url: str, graph_iri: str = DEFAULT_GRAPH_IRI, timeout: float = 600,
               update_url: str | None = None, query_url: str | None = None) -> PushResult:
    """Replace the named graph `graph_iri` on the server with the graph file (Turtle or N-Triples).

    `update_url`: the server's SPARQL Update endpoint, `query_url` its query endpoint (to find the
    staging graphs of earlier pushes that died); both guessed for Oxigraph and Fuseki layouts.
    ServerError when the server fails or cannot be reached.
    """
    _check_url(store_url)
    if not graph_iri or any(c.isspace() or c in '<>"{}|^`\\' for c in graph_iri):
        raise StoreError(f"not a graph IRI: {graph_iri!r}")
    data_file = Path(data_file)
    try:
        data = data_file.read_bytes()
    except OSError as e:
        raise StoreError(f"cannot read {data_file}: {e.strerror}") from None
    ctype = "application/n-triples" if data_file.suffix.lower() == ".nt" else "text/turtle"
    t0 = time.perf_counter()
    update_url = update_url or guess_update_url(store_url)
    if not update_url:
        _put(graph_url(store_url, graph_iri), data, ctype, timeout)
        return PushResult(store_url, graph_iri, len(data), "put", time.perf_counter() - t0)
    _check_url(update_url)
    stale = stale_staging_graphs(query_url or guess_query_url(store_url), graph_iri, timeout)
    staging = f"{graph_iri}{STAGING_INFIX}{uuid.uuid4().hex}"
    try:
        _put(graph_url(store_url, staging), data, ctype, timeout)
        moves = [f"MOVE <{staging}> TO <{graph_iri}>", *(f"DROP SILENT GRAPH <{g}>" for g in stale)]
        _update(update_url, " ;\n".join(moves), timeout)
    except ServerError as e:
        _delete_quietly(graph_url(store_url, staging), min(timeout, 30))  # whatever the server kept of it
        if not (e.status in (404, 405) and e.url == update_url):
            raise
        # no update endpoint there: one plain PUT, and the stale staging graphs deleted one by one
        _put(graph_url(store_url, graph_iri), data, ctype, timeout)
        for g in stale:
            _delete_quietly(graph_url(store_url, g), timeout)
        return PushResult(store_url, graph_iri, len(data), "put", time.perf_counter() - t0, len(stale))
    except BaseException:  # Ctrl-C: do not leave the staging graph for the next push to find
        _delete_quietly(graph_url(store_url, staging), 5)
        raise
    return PushResult(store_url, graph_iri, len(data), "move", time.perf_counter() - t0, len(stale))


def select(endpoint: str, query: str, timeout: float = 30) -> tuple[list[str], list[list[dict]]]:
    """Run a SELECT/ASK query on a SPARQL endpoint; (vars, rows of SPARQL JSON terms).

    Protocol parameters in the endpoint URL (e.g. ?default-graph-uri=IRI to query the graph a
    build pushed) are kept and sent with the query.
    """
    _check_url(endpoint)
    parts = urllib.parse.urlsplit(endpoint)
    extra = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    body = urllib.parse.urlencode([*extra, ("query", query)]).encode("utf-8")
    req = urllib.request.Request(
        base, data=body, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/sparql-results+json"})
    try:
        doc = json.loads(_request(req, timeout))
    except json.JSONDecodeError:
        raise StoreError(f"{endpoint} did not answer with SPARQL JSON results") from None
    if "boolean" in doc:
        return ["ask"], [[{"type": "literal", "value": str(doc["boolean"]).lower()}]]
    vars_ = doc["head"].get("vars", [])
    return vars_, [[b.get(v) for v in vars_] for b in doc["results"]["bindings"]]
