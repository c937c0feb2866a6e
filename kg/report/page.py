"""The report page: charts drawn to SVG (kg.report.charts) and tables, every text from the graph
HTML-escaped, the data for hover and click as JSON in a `<script type="application/json">` element (with
`<`, `>`, `&` escaped), and one inline script of kg's own, allowed by its hash under a
Content-Security-Policy that forbids every other script and every network request. No file besides the
page is needed: it works offline.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from kg.io import write_atomic
from kg.report import charts
from kg.report.data import BASES, UNITS, ReportData, gather

UI = {
    "en": {"title": "SME policy report", "heatmap": "Departments × instruments", "issued": "issued by",
           "competent": "competent (inferred)", "document": "documents", "policy": "policies",
           "measures": "measures", "department": "department", "instrument": "instrument", "year": "year",
           "timeline": "Instruments by year (policies)", "et": "Enterprise types × instrument classes (measures)",
           "coissue": "Co-issuing departments (policies)", "documents": "Documents", "list": "Measures and the sentences that link them",
           "totals": "Totals", "show_all": "show all measures", "undated": "undated", "enterprise_type": "enterprise type",
           "class": "instrument class", "hint": "Hover a cell for its measures; click it to list them below.",
           "none": "nothing to draw", "capped": "The list shows the first {n} of {total} measures; the charts count them all."},
    "zh": {"title": "中小企业政策报告", "heatmap": "部门 × 政策工具", "issued": "发文部门", "competent": "主管部门（推断）",
           "document": "文件", "policy": "政策", "measures": "措施", "department": "部门", "instrument": "政策工具",
           "year": "年份", "timeline": "各年份的政策工具（政策数）", "et": "企业类型 × 工具类别（措施数）",
           "coissue": "联合发文部门（政策数）", "documents": "文件", "list": "措施及其关联所依据的句子", "totals": "合计",
           "show_all": "显示全部措施", "undated": "无日期", "enterprise_type": "企业类型", "class": "工具类别",
           "hint": "悬停单元格查看措施，点击在下方列出。", "none": "无数据",
           "capped": "列表显示 {total} 条措施中的前 {n} 条；图表统计全部措施。"},
}
CHART_NAMES = ("heatmap", "timeline", "enterprise-types", "co-issuing")


@dataclass
class ReportResult:
    out: Path
    charts: dict[str, dict] = field(default_factory=dict)  # name -> Vega-Lite spec
    files: list[Path] = field(default_factory=list)
    data: ReportData | None = None
    seconds: float = 0.0


def _script_json(obj: Any) -> str:
    s = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def heatmap_spec(d: ReportData, key: str) -> dict:
    ui = UI[d.lang]
    basis, per = key.split("-")
    cells = d.matrix[key]
    if not cells:
        return charts.empty(ui["heatmap"], ui["none"])
    values = [{**{k: c[k] for k in ("dept", "department", "inst", "instrument", "class", "n", "measures")},
               "label": f"{c['n']}·{c['measures']}", "href": f"#cell-{key}-{i}"} for i, c in enumerate(cells)]
    x_sort = [c["instrument"] for c in sorted(cells, key=lambda c: (c["class"], c["inst"]))]
    title = f"{ui['heatmap']} — {ui[basis]}, {ui[per]} · {ui['measures']}"
    return charts.heatmap(values, "instrument", "department", "n", title, ui["instrument"], ui["department"],
                          "label", ["department", "instrument", "n", "measures"],
                          x_sort=list(dict.fromkeys(x_sort)), href=True, legend=ui[per])


def chart_specs(d: ReportData) -> dict[str, dict]:
    """Every chart of the report by name (the heatmap once per basis and unit)."""
    ui = UI[d.lang]
    specs = {f"heatmap-{b}-{p}": heatmap_spec(d, f"{b}-{p}") for b in BASES for p in UNITS}
    years = [{"year": ui["undated"] if r["year_issued"] == "undated" else r["year_issued"],
              "instrument": r["instrument"], "n": int(r["documents"]), "measures": int(r["measures"])}
             for r in d.years]
    order = sorted({v["year"] for v in years}, key=lambda y: (y == ui["undated"], y))
    specs["timeline"] = (charts.heatmap(years, "year", "instrument", "n", ui["timeline"], ui["year"],
                                        ui["instrument"], "n", ["year", "instrument", "n", "measures"], x_sort=order,
                                        legend=ui["policy"])
                         if years else charts.empty(ui["timeline"], ui["none"]))
    et = [{"enterprise type": r["enterprise_type"], "class": r["class"], "n": int(r["measures"]),
           "policies": int(r["documents"])} for r in d.enterprise_classes]
    specs["enterprise-types"] = (charts.heatmap(et, "class", "enterprise type", "n", ui["et"], ui["class"],
                                                ui["enterprise_type"], "n", ["enterprise type", "class", "n", "policies"],
                                                legend=ui["measures"])
                                 if et else charts.empty(ui["et"], ui["none"]))
    co = []
    for r in d.coissuing:
        for a, b in ((r["code_a"], r["code_b"]), (r["code_b"], r["code_a"])):
            co.append({"a": a, "b": b, "n": int(r["documents"])})
    specs["co-issuing"] = (charts.heatmap(co, "a", "b", "n", ui["coissue"], ui["department"], ui["department"],
                                          "n", ["a", "b", "n"], legend=ui["policy"]) if co else charts.empty(ui["coissue"], ui["none"]))
    return specs


def _e(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _table(rows: list[dict], cols: list[str]) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_e(r.get(c, ''))}</td>" for c in cols) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _documents_table(d: ReportData) -> str:
    rows = [{"document": r["document"], "title": r["title"], "number": r["identifier"],
             "date": r["issued"] or UI[d.lang]["undated"], "issuers": r["issuers"], "measures": r["measures"],
             "links": r["evidence"], "warnings": "; ".join(r["warnings"])} for r in d.documents]
    return _table(rows, ["document", "title", "number", "date", "issuers", "measures", "links", "warnings"])


def _measure_list(d: ReportData) -> str:
    out = []
    for m in d.measures:
        links = []
        for ln in m.links:
            where = f"{ln.start}–{ln.end}" if ln.start is not None else ""
            if ln.sentence:
                before, match, after = ln.sentence
                said = f"{_e(before)}<mark>{_e(match)}</mark>{_e(after)}"
            else:
                said = f"<mark>{_e(ln.exact)}</mark>"
            links.append(f'<li><span class="link">{_e(ln.link)} <b>{_e(ln.concept)}</b> ({_e(ln.code)})</span> '
                         f'<q>{said}</q> <span class="where">{_e(m.document)} {_e(where)}</span></li>')
        out.append(f'<li class="measure" id="{_e(m.anchor)}"><div class="mhead"><span class="place">{_e(m.document)} '
                   f'§ {_e(m.place)}</span> {_e(m.heading)}</div><ul>{"".join(links)}</ul></li>')
    return f'<ol id="measures">{"".join(out)}</ol>'


STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:0 24px 40px;color:#222}h1{font-size:22px}
h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}section{margin-bottom:16px}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}.chart{overflow:auto;max-width:100%}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
#tip{position:absolute;display:none;background:#fff;border:1px solid #888;padding:6px 8px;font-size:12px;max-width:420px;
box-shadow:0 2px 6px rgba(0,0,0,.2);pointer-events:none;z-index:10}.tip-head{font-weight:bold}
#measures{padding-left:22px}#measures ul{padding-left:16px;margin:2px 0 8px}.place{color:#666}.where{color:#888;font-size:11px}
mark{background:#ffe066}.heatmap .mark-text{pointer-events:none}.heatmap a{cursor:pointer}.controls label{margin-right:12px}.note{color:#666}q{quotes:none}"""


def _heatmaps(svgs: dict[str, str]) -> str:
    return "".join(f'<div class="chart heatmap" data-key="{_e(b)}-{_e(p)}">{svgs[f"heatmap-{b}-{p}"]}</div>'
                   for b in BASES for p in UNITS)


def render_html(d: ReportData, svgs: dict[str, str], stats: str) -> str:
    ui = UI[d.lang]
    app_js = resources.files("kg.report").joinpath("report.js").read_text(encoding="utf-8")
    csp = (f"default-src 'none'; script-src {_csp_hash(app_js)}; style-src 'unsafe-inline'; img-src data:; "
           "font-src 'none'; connect-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'")
    payload = {"cells": d.matrix, "headings": {m.anchor: f"{m.document} § {m.place} {m.heading}".strip()
                                               for m in d.measures},
               "ui": {k: ui[k] for k in ("document", "policy", "measures")}}
    radios = "".join(f'<label><input type="radio" name="basis" value="{b}"{" checked" if b == "issued" else ""}> '
                     f"{_e(ui[b])}</label>" for b in BASES)
    radios += " | " + "".join(f'<label><input type="radio" name="per" value="{p}"{" checked" if p == "document" else ""}> '
                              f"{_e(ui[p])}</label>" for p in UNITS)
    capped = (f'<p class="note">{_e(ui["capped"].format(n=len(d.measures), total=d.measures_total))}</p>'
              if d.measures_total > len(d.measures) else "")
    note = f'<p class="note">{_e(d.build_note)}</p>' if d.build_note else ""
    totals = "".join(f"<div><h3>{_e(ui[k])}</h3>{_table(d.totals[k], list(d.totals[k][0]) if d.totals[k] else [])}</div>"
                     for k in ("department", "instrument", "year"))
    body = f"""<h1>{_e(ui["title"])}</h1><p class="note">{_e(stats)}</p>
<section id="matrix"><h2>{_e(ui["heatmap"])}</h2><div class="controls">{radios}</div>
<p class="note">{_e(ui["hint"])}</p>{_heatmaps(svgs)}</section>
<section class="row"><div class="chart" id="timeline">{svgs["timeline"]}</div>
<div class="chart" id="enterprise-types">{svgs["enterprise-types"]}</div>
<div class="chart" id="co-issuing">{svgs["co-issuing"]}</div></section>
<section><h2>{_e(ui["totals"])}</h2><div class="row">{totals}</div></section>
<section><h2>{_e(ui["documents"])}</h2>{note}{_documents_table(d)}</section>
<section><h2>{_e(ui["list"])}</h2><p><span id="cell-info"></span> <button id="show-all" hidden>{_e(ui["show_all"])}</button></p>
{capped}{_measure_list(d)}</section><div id="tip"></div>"""
    return (f'<!DOCTYPE html><html lang="{_e(d.lang)}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">'
            f'<title>{_e(ui["title"])}</title><style>{STYLE}</style></head><body>{body}'
            f'<script type="application/json" id="kg-data">{_script_json(payload)}</script>'
            f"<script>{app_js}</script></body></html>")


def write_report(source: Any, out: Path, fmt: str = "html", lang: str = "en", graph_file: Path | None = None,
                 cap: int | None = None) -> ReportResult:
    """Gather the report from `source` and write it: the page (html), or one file per chart (svg, png)
    named after `out` (report-heatmap-issued-document.svg …)."""
    from kg.errors import KGError

    if fmt not in ("html", "svg", "png"):
        raise KGError(f"unknown report format {fmt!r}; choose html, svg or png")
    if lang not in UI:
        raise KGError(f"unknown language {lang!r}; choose en or zh")
    t0 = time.perf_counter()
    out = Path(out)
    d = gather(source, lang, graph_file, **({"cap": cap} if cap is not None else {}))
    specs = chart_specs(d)
    res = ReportResult(out, specs, data=d)
    if fmt == "html":
        svgs = {name: charts.scoped(charts.to_svg(spec), name) for name, spec in specs.items()}
        stats = (f"{len(d.documents)} documents, {d.measures_total} measures, "
                 f"{sum(len(m.links) for m in d.measures)} links")
        write_atomic(out, render_html(d, svgs, stats).encode("utf-8"))
        res.files.append(out)
    else:
        for name, spec in specs.items():
            path = out.with_name(f"{out.stem}-{name}.{fmt}")
            data = charts.to_svg(spec).encode("utf-8") if fmt == "svg" else charts.to_png(spec)
            write_atomic(path, data)
            res.files.append(path)
    res.seconds = time.perf_counter() - t0
    return res
