"""The report's charts as Vega-Lite specifications, drawn server-side by vl-convert (the Vega engine in
Rust/Deno, no browser, no network) to SVG for the page and to SVG or PNG files for slides.

Measured (headless Chromium, a 20 × 40 heatmap; tests/test_report.py's page): vl-convert's SVG inlined
in the page, 230 KB per chart, drawn 0.26–0.42 s after opening a page of four of them (910 KB), with no
script library at all; Plotly with plotly.js inlined, 4.7 MB for one chart, drawn in 2.3–4.0 s. The page
carries only a small script of its own for hover and click (kg.report.page).
"""

from __future__ import annotations

import re

CELL = 18  # px per heatmap row/column
_BASE = re.compile(r'(xlink:href|href)="https?://[^"#]*#')


def heatmap(values: list[dict], x: str, y: str, color: str, title: str, x_title: str, y_title: str,
            label: str, tooltip: list[str], x_sort: list[str] | None = None,
            y_sort: list[str] | None = None, href: bool = False, legend: str | None = None) -> dict:
    """A heatmap: one rect per row of `values`, coloured by `color`, with `label` printed in it; with
    `href`, each cell links to its `href` field, a "#fragment" (the page's script catches the click)."""
    enc = {
        "x": {"field": x, "type": "nominal", "title": x_title, "sort": x_sort or "ascending",
              "axis": {"labelAngle": -50, "labelLimit": 220}},
        "y": {"field": y, "type": "nominal", "title": None, "sort": y_sort or "ascending",
              "axis": {"labelLimit": 260}},  # (y_title is the chart's title's business: it overlapped labels)
    }
    rect = {"mark": {"type": "rect", "stroke": "white", "strokeWidth": 1},
            "encoding": {"color": {"field": color, "type": "quantitative", "title": legend or color,
                                   "scale": {"scheme": "blues"}, "legend": {"format": "d", "tickMinStep": 1}},
                         "tooltip": [{"field": t} for t in tooltip]}}
    if href:
        rect["encoding"]["href"] = {"field": "href"}
    text = {"mark": {"type": "text", "fontSize": 9},
            "encoding": {"text": {"field": label},
                         "color": {"condition": {"test": f"datum['{color}'] > {_threshold(values, color)}",
                                                 "value": "white"}, "value": "#222"}}}
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": title,
            "data": {"values": values}, "encoding": enc, "layer": [rect, text],
            "width": {"step": CELL}, "height": {"step": CELL}, "config": {"font": "sans-serif"}}


def _threshold(values: list[dict], field: str) -> float:
    top = max((v.get(field) or 0 for v in values), default=0)
    return top * 0.6


def empty(title: str, message: str) -> dict:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": title,
            "data": {"values": [{"t": message}]}, "mark": {"type": "text", "align": "left"},
            "encoding": {"text": {"field": "t"}}, "width": 300, "height": 30}


def to_svg(spec: dict) -> str:
    """The chart as SVG text; links point into the page (vl-convert resolves them against a base URL of
    its own: that prefix is taken off, so no link leaves the page)."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec)
    svg = _BASE.sub(lambda m: f'{m.group(1)}="#', svg)
    return svg


def to_png(spec: dict, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(spec, scale=scale)


def scoped(svg: str, prefix: str) -> str:
    """The SVG with its element ids (clip paths, gradients) prefixed, so several charts share a page."""
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    return re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", svg)


__all__ = ["empty", "heatmap", "scoped", "to_png", "to_svg"]
