"""SPARQL 1.1 servers: push a graph with the Graph Store Protocol, query with the SPARQL protocol.

Works with any standard server (Oxigraph server, Apache Jena Fuseki, GraphDB, QLever's GSP-less
endpoints for queries). Only the standard library's urllib is used.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from kg.errors import StoreError

DEFAULT_GRAPH_IRI = "https://w3id.org/smekg/graph/build"


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


def push_graph(turtle: Path, store_url: str, graph_iri: str = DEFAULT_GRAPH_IRI, timeout: float = 300) -> int:
    """Replace the named graph `graph_iri` on the server with the Turtle file (one HTTP PUT: atomic on the server)."""
    data = Path(turtle).read_bytes()
    sep = "&" if "?" in store_url else "?"
    url = f"{store_url}{sep}graph={urllib.parse.quote(graph_iri, safe='')}"
    req = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": "text/turtle"})
    _request(req, timeout)
    return sum(1 for line in data.splitlines() if line.strip().endswith((b" .", b";", b",")))


def select(endpoint: str, query: str, timeout: float = 30) -> tuple[list[str], list[list[dict]]]:
    """Run a SELECT/ASK query on a SPARQL endpoint; (vars, rows of SPARQL JSON terms)."""
    req = urllib.request.Request(
        endpoint, data=urllib.parse.urlencode({"query": query}).encode("utf-8"), method="POST",
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
