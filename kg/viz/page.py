"""Stage 7: one self-contained, offline HTML page of the graph (vis-network inlined).

The views are computed as networkx graphs (`kg.viz.network`), turned into vis-network node and edge
lists in bulk (pyvis's data model: `Network.nodes` / `Network.edges` assigned at once, never an
`add_edge` loop), laid out in Python (networkx-style force layout, seeded) when the graph is too big
for the browser's physics, and written into kg's own template:

* the data travels as JSON inside `<script type="application/json">` with `<`, `>`, `&`, U+2028 and
  U+2029 escaped, so no text from a document can end the element or open a comment;
* the page builds labels, tooltips, the legend and the details panel as DOM text nodes only
  (`textContent`), never `innerHTML`, and vis-network draws labels on a canvas;
* a Content-Security-Policy allows only the two inline scripts of the page (by SHA-256 hash): no
  other script, no event-handler attribute, no network request (`default-src 'none'`).

The same graph gives a byte-identical page: every list is sorted, JSON keys are sorted and Python
positions are rounded to whole pixels.

This module writes the page; the views are built in `kg.viz.views`, laid out in `kg.viz.layout`, worded
in `kg.viz.labels` and styled in `kg.viz.elements`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from importlib import resources
from pathlib import Path

from rdflib import Graph

from kg.io import write_atomic
from kg.viz.elements import CLASS_ORDER, EDGE_STYLE, STYLE
from kg.viz.labels import UI_KEYS, message
from kg.viz.layout import LAYOUT_SEED
from kg.viz.views import NODE_CAP, WEIGHTED_VIEWS, VizResult, build_view


def to_pyvis(result: VizResult):
    """The view as a pyvis Network, node and edge lists assigned in bulk (no add_node/add_edge loop).

    kg renders it with its own template (`render_html`); never call `show()` on it for kg's pages:
    pyvis's template loads Bootstrap from a CDN and does not escape titles.
    """
    from pyvis.network import Network

    net = Network(directed=result.view not in WEIGHTED_VIEWS, heading=result.title)
    net.nodes = result.nodes
    net.edges = result.edges
    net.node_ids = [n["id"] for n in result.nodes]
    net.node_map = {n["id"]: n for n in result.nodes}
    return net


def _script_json(obj) -> str:
    """JSON safe to embed in an HTML <script> element (no </script>, no HTML comment, no entity)."""
    s = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _vis_js() -> str:
    base = resources.files("pyvis") / "templates" / "lib" / "vis-9.1.2"
    js = (base / "vis-network.min.js").read_text(encoding="utf-8")
    return js.replace("</script", "<\\/script").replace("<!--", "<\\!--")


def render_html(result: VizResult) -> str:
    """The page: kg's template with vis-network, the app script and the data inlined."""
    lang = result.lang
    net = to_pyvis(result)
    nodes, edges, *_ = net.get_network_data()
    classes = [c for c in CLASS_ORDER if any(n["group"] == c for n in nodes)]
    kinds = [k for k in EDGE_STYLE if any(e["kind"] == k for e in edges)]
    data = {
        "nodes": nodes, "edges": edges, "view": result.view, "physics": result.physics,
        "notice": result.notice, "directed": net.directed, "weighted": result.view in WEIGHTED_VIEWS,
        "legend": [{"key": c, "name": message(lang, c), "color": STYLE[c][0], "shape": STYLE[c][1]} for c in classes],
        "kinds": [{"key": k, "name": message(lang, k), "color": EDGE_STYLE[k][0], "dashes": EDGE_STYLE[k][1]}
                  for k in kinds],
        "ui": {k: message(lang, k) for k in UI_KEYS}, "seed": LAYOUT_SEED,
    }
    page = resources.files("kg.viz.templates").joinpath("graph.html").read_text(encoding="utf-8")
    head, app_js, tail = _split_app(page)
    vis_js = _vis_js()
    csp = (f"default-src 'none'; script-src {_csp_hash(vis_js)} {_csp_hash(app_js)}; style-src 'unsafe-inline'; "
           "img-src data:; font-src 'none'; connect-src 'none'; frame-src 'none'; worker-src 'none'; "
           "base-uri 'none'; form-action 'none'")
    values = {"CSP": html.escape(csp), "TITLE": html.escape(result.title), "LANG": html.escape(lang),
              "DATA": _script_json(data), "VISJS": vis_js}
    # one pass: a value that contains "{{...}}" (a document can) is never substituted again
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: values[m.group(1)], head) + app_js + tail


def _split_app(page: str) -> tuple[str, str, str]:
    start = page.index("<script id=\"kg-app\">") + len("<script id=\"kg-app\">")
    end = page.index("</script>", start)
    return page[:start], page[start:end], page[end:]


def write_viz(g: Graph, out: Path, view: str = "full", focus: str | None = None, depth: int = 2,
              lang: str = "en", cap: int = NODE_CAP) -> VizResult:
    """Build one view and write its page atomically; the notes are also printed by the CLI."""

    result = build_view(g, view, focus=focus, depth=depth, lang=lang, cap=cap)
    write_atomic(Path(out), render_html(result).encode("utf-8"))
    return result
