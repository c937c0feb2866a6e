"""SPARQL 1.1 servers: push a graph with the Graph Store Protocol, query with the SPARQL protocol.

Works with any standard server (Oxigraph server, Apache Jena Fuseki, GraphDB, and QLever for
queries). Only the standard library's urllib is used.

A push replaces one named graph (one per build, `DEFAULT_GRAPH_IRI` unless told otherwise) so that
readers never see a half-loaded graph: the data is uploaded into a fresh staging graph with a GSP
PUT, then moved over the target with one SPARQL Update `MOVE` (a single transaction on the
server). Where no update endpoint is known, the target is replaced with a single GSP PUT (atomic on
Fuseki and GraphDB; Oxigraph server clears the graph and then loads it).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from kg.errors import StoreError

DEFAULT_GRAPH_IRI = "https://w3id.org/smekg/graph/build"

# GSP endpoint path -> update endpoint path, for servers whose layout is fixed
_UPDATE_PATHS = (("/store", "/update"), ("/data", "/update"))  # Oxigraph server; Fuseki datasets


def _request(req: urllib.request.Request, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - user-given server URL
            return resp.read()
    except urllib.error.HTTPError as e:
        body = e.read()[:300].decode("utf-8", "replace").strip().splitlines()
        raise StoreError(f"{req.full_url}: HTTP {e.code} {e.reason}{': ' + body[0] if body else ''}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise StoreError(f"cannot reach {req.full_url}: {reason}") from None


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


def push_graph(data_file: Path, store_url: str, graph_iri: str = DEFAULT_GRAPH_IRI, timeout: float = 600,
               update_url: str | None = None) -> PushResult:
    """Replace the named graph `graph_iri` on the server with the graph file (Turtle or N-Triples).

    `update_url`: the server's SPARQL Update endpoint; guessed for Oxigraph and Fuseki layouts.
    """
    _check_url(store_url)
    if not graph_iri or any(c in graph_iri for c in '<>"{}|^`\\ '):
        raise StoreError(f"not a graph IRI: {graph_iri!r}")
    data_file = Path(data_file)
    try:
        data = data_file.read_bytes()
    except OSError as e:
        raise StoreError(f"cannot read {data_file}: {e.strerror}") from None
    ctype = "application/n-triples" if data_file.suffix.lower() == ".nt" else "text/turtle"
    t0 = time.perf_counter()
    update_url = update_url or guess_update_url(store_url)
    if update_url:
        _check_url(update_url)
        staging = f"{graph_iri}-staging-{uuid.uuid4().hex}"
        try:
            _put(graph_url(store_url, staging), data, ctype, timeout)
        except StoreError:
            _delete_quietly(graph_url(store_url, staging), timeout)  # a server may have created it empty
            raise
        try:
            _update(update_url, f"MOVE <{staging}> TO <{graph_iri}>", timeout)
        except StoreError as e:
            _delete_quietly(graph_url(store_url, staging), timeout)  # do not leave the staging copy behind
            if " HTTP 404" in str(e) or " HTTP 405" in str(e):  # no update endpoint there: plain PUT
                _put(graph_url(store_url, graph_iri), data, ctype, timeout)
                return PushResult(store_url, graph_iri, len(data), "put", time.perf_counter() - t0)
            raise
        return PushResult(store_url, graph_iri, len(data), "move", time.perf_counter() - t0)
    _put(graph_url(store_url, graph_iri), data, ctype, timeout)
    return PushResult(store_url, graph_iri, len(data), "put", time.perf_counter() - t0)


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
