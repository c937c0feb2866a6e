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
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import html
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.errors import UnknownTerm
from kg.io import write_atomic
from kg.namespaces import SMEKG
from kg.viz.network import (
    DRAWN_LINKS,
    competent_instrument_measures,
    cooccurrence_measures,
    department_instrument_measures,
    document_of,
    evidence_index,
    label,
    node_class,
    policy_graph,
)

VIEWS = ("full", "focus", "document", "departments-instruments", "cooccurrence")

# Measured in headless Chromium 156 (--disable-gpu, software canvas, 1400x900; synthetic policy graphs
# of ~3.3 edges per node; `python tests/test_browser.py measure`):
#   physics, time to ready: 245 nodes 8.1 s, 469 nodes 19 s, 1060 nodes 34 s, 2043 nodes 64 s (seed: 177, 2.5 s)
#   positions given, ready / full frame / click-highlight: 245: 0.5 s / 38 ms / 22 ms; 1060: 1.1 s / 106 ms /
#   68 ms; 2043: 1.4 s / 188 ms / 231 ms; 3013: 1.5 s / 353 ms / 406 ms; 4971: 4.6 s / 1.5 s / 1.4 s.
# So: browser physics up to PHYSICS_MAX nodes (ready in a few seconds), Python positions beyond; above
# NODE_CAP a frame and a click pass ~200 ms and the page stops feeling responsive: measures are folded.
NODE_CAP = 2000
PHYSICS_MAX = 200
LAYOUT_SEED = 7

# class -> (colour, vis shape); colour and shape both differ, for colour-blind readers
STYLE = {
    "document": ("#1f4e79", "box"),
    "measure": ("#9ecae1", "dot"),
    "department": ("#d62728", "diamond"),
    "actor": ("#f4a3a8", "diamond"),
    "enterprise type": ("#2ca02c", "triangle"),
    "financing instrument": ("#ff7f0e", "hexagon"),
    "fiscal instrument": ("#9467bd", "hexagon"),
    "service instrument": ("#8c564b", "hexagon"),
    "region": ("#17becf", "square"),
    "other": ("#7f7f7f", "dot"),
}
CLASS_ORDER = list(STYLE)
# edge kind -> (colour, dashes)
EDGE_STYLE = {
    "has measure": ("#9aa5b1", False),
    "issued by": ("#d62728", False),
    "targets": ("#2ca02c", False),
    "involves": ("#2ca02c", True),
    "uses": ("#ff7f0e", False),
    "region": ("#17becf", False),
    "excludes": ("#17becf", True),
    "mentions": ("#f4a3a8", True),
    "competent (inferred)": ("#d62728", True),
    "measures": ("#e08a3c", False),
    "co-occurs": ("#8064a2", False),
}
KIND_PROP = {name: prop for prop, name in DRAWN_LINKS.items()}

T = {
    "en": {
        "document": "document", "measure": "measure", "department": "department", "actor": "other actor",
        "enterprise type": "enterprise type", "financing instrument": "financing instrument",
        "fiscal instrument": "fiscal instrument", "service instrument": "service instrument",
        "region": "region", "other": "other",
        "has measure": "has measure", "issued by": "issued by", "targets": "targets", "involves": "involves",
        "uses": "uses", "excludes": "excludes", "mentions": "mentions",
        "competent (inferred)": "competent (inferred)", "measures": "measures (count)",
        "co-occurs": "combined in measures",
        "Measure": "Measure", "links": "Links", "chars": "chars", "rule": "rule", "file": "file",
        "issued": "issued", "number": "document number", "language": "language", "issuers": "issued by",
        "n_measures": "{n} measure(s)", "n_docs": "{n} document(s)", "more": "… and {n} more",
        "in_view": "{n} measure(s) in this view link here", "folded": "{n} measure(s) folded into this node",
        "inferred_from": "inferred from the instrument(s): {x}", "dupes": "{n} repeated paragraph(s) removed",
        "noise": "{n} web-noise line(s) removed", "doc_links": "{n} measure(s) of this document",
        "search": "search labels and codes…", "nodes": "nodes", "edges": "edges", "layout": "laying out…",
        "matches": "{n} match(es) — Enter for the next", "nomatch": "no match", "fit": "Fit",
        "clear": "Clear", "close": "Close", "show_nodes": "Nodes", "show_edges": "Links",
        "empty": "Nothing to draw: the graph has no measures.", "notation": "code",
        "title_full": "SME policy graph", "title_focus": "Around {x} (depth {d})",
        "title_document": "Document {x}", "title_departments-instruments": "Departments × instruments",
        "title_cooccurrence": "Instrument co-occurrence",
        "fold_measures": "The graph has {n} nodes, more than the {cap} a browser draws responsively: the {m} "
                         "measures are folded into their documents (link counts on the edges). Use --focus or "
                         "--view document for measure-level detail.",
        "fold_documents": "Still {n} nodes after folding measures: the {m} documents are folded into their "
                          "issuing departments. Use --focus or --view departments-instruments for detail.",
        "truncate": "Still {n} nodes after folding: only the {cap} most connected are drawn.",
        "python_layout": "{n} nodes: laid out in advance (physics off) so the page opens at once.",
    },
    "zh": {
        "document": "文件", "measure": "措施", "department": "部门", "actor": "其他主体",
        "enterprise type": "企业类型", "financing instrument": "融资工具", "fiscal instrument": "财税工具",
        "service instrument": "服务工具", "region": "地区", "other": "其他",
        "has measure": "包含措施", "issued by": "发布机关", "targets": "惠及", "involves": "涉及",
        "uses": "运用工具", "excludes": "排除地区", "mentions": "提及",
        "competent (inferred)": "主管部门（推断）", "measures": "措施数", "co-occurs": "同一措施共用",
        "Measure": "措施", "links": "关联", "chars": "字符", "rule": "规则", "file": "文件名",
        "issued": "发布日期", "number": "文号", "language": "语言", "issuers": "发布机关",
        "n_measures": "{n} 项措施", "n_docs": "{n} 份文件", "more": "……另有 {n} 项",
        "in_view": "本视图中有 {n} 项措施与之关联", "folded": "已并入 {n} 项措施",
        "inferred_from": "据政策工具推断：{x}", "dupes": "已删除 {n} 个重复段落", "noise": "已删除 {n} 行网页杂项",
        "doc_links": "本文件中的 {n} 项措施",
        "search": "搜索名称或代码……", "nodes": "节点", "edges": "连线", "layout": "正在布局……",
        "matches": "{n} 个结果（回车跳到下一个）", "nomatch": "无结果", "fit": "全图", "clear": "清除",
        "close": "关闭", "show_nodes": "节点", "show_edges": "连线", "empty": "无可绘制内容：图中没有措施。",
        "notation": "代码",
        "title_full": "中小企业政策图谱", "title_focus": "{x} 周边（{d} 层）", "title_document": "文件 {x}",
        "title_departments-instruments": "部门 × 政策工具", "title_cooccurrence": "政策工具共现",
        "fold_measures": "图中有 {n} 个节点，超过浏览器流畅显示的上限 {cap}：{m} 项措施已并入所属文件（连线上为计数）。"
                         "如需措施级细节，请用 --focus 或 --view document。",
        "fold_documents": "并入措施后仍有 {n} 个节点：{m} 份文件已并入其发布部门。如需细节，请用 --focus 或 "
                          "--view departments-instruments。",
        "truncate": "合并后仍有 {n} 个节点：只显示关联最多的 {cap} 个。",
        "python_layout": "{n} 个节点：已预先布局（关闭物理模拟），页面可立即打开。",
    },
}
UI_KEYS = ("search", "nodes", "edges", "layout", "matches", "nomatch", "fit", "clear", "close", "show_nodes",
           "show_edges", "empty")
TEXT_TRIM = 600
MAX_LIST = 8


@dataclass
class VizResult:
    """One view, ready to draw: vis-network node and edge dicts (data, not HTML)."""

    nodes: list[dict]
    edges: list[dict]
    notice: str | None
    view: str
    title: str = "SME policy graph"
    lang: str = "en"
    physics: bool = True
    notes: list[str] = field(default_factory=list)  # for stderr, in English: aggregation and layout

    def node(self, iri: str) -> dict | None:
        return next((n for n in self.nodes if n["iri"] == iri), None)

    def edge_pairs(self, kind: str | None = None) -> set[tuple[str, str]]:
        """(from IRI, to IRI) of the edges (of one kind)."""
        iri = {n["id"]: n["iri"] for n in self.nodes}
        return {(iri[e["from"]], iri[e["to"]]) for e in self.edges if kind is None or e["kind"] == kind}


def _t(lang: str, key: str, **kw) -> str:
    text = T.get(lang, T["en"]).get(key, T["en"].get(key, key))
    return text.format(**kw) if kw else text


def _trim(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut + "…"


class _Describer:
    """Labels and tooltips of the nodes and edges of one view (all text, never markup)."""

    def __init__(self, g: Graph, lang: str):
        self.g, self.lang = g, lang
        self._label: dict = {}
        self._evidence = None

    @property
    def evidence(self):
        if self._evidence is None:
            self._evidence = evidence_index(self.g)
        return self._evidence

    def name(self, n: URIRef) -> str:
        if n not in self._label:
            g = self.g
            if (n, RDF.type, SMEKG.Measure) in g:
                num, head = g.value(n, SMEKG.number), g.value(n, RDFS.label)
                text = str(head) if head else _trim(str(g.value(n, SMEKG.text) or ""), 40)
                num = str(num or "")
                sep = ". " if num[-1:].isalnum() else " "
                self._label[n] = f"{num}{sep}{text}" if num else text or str(n).rsplit("/", 1)[-1]
            elif (n, RDF.type, SMEKG.PolicyDocument) in g:
                self._label[n] = label(self.g, n, self.lang)
                if self._label[n] == str(n).rsplit("/", 1)[-1]:
                    self._label[n] = str(g.value(n, DCTERMS.source) or self._label[n])
            else:
                self._label[n] = label(self.g, n, self.lang)
        return self._label[n]

    def short(self, n: URIRef, cls: str) -> str:
        limit = {"measure": 34, "document": 46}.get(cls, 40)
        text = self.name(n)
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    def measure_ref(self, m: URIRef) -> str:
        doc = document_of(self.g, m)
        where = ""
        if doc is not None:
            where = str(self.g.value(doc, DCTERMS.identifier) or self.g.value(doc, DCTERMS.source) or "")
        return f"{where} · {self.name(m)}" if where else self.name(m)

    def evidence_lines(self, subject: URIRef, kind: str, obj: URIRef) -> list[list[str]]:
        prop = KIND_PROP.get(kind)
        if prop is None:
            return []
        out = []
        for ev in self.evidence.get((subject, prop, obj), []):
            pos = f"{_t(self.lang, 'chars')} {ev.start}–{ev.end}" if ev.start is not None else ""
            parts = [f"“{ev.exact}”", pos, ev.source, f"{_t(self.lang, 'rule')}: {ev.rule}" if ev.rule else ""]
            out.append(["q", " · ".join(p for p in parts if p)])
        return out

    def node_tip(self, n: URIRef, cls: str, degree: int, folded: int = 0) -> list[list[str]]:
        g, lang = self.g, self.lang
        tip: list[list[str]] = []
        if cls == "measure":
            num = g.value(n, SMEKG.number)
            head = str(g.value(n, RDFS.label) or "")
            tip.append(["h", f"{_t(lang, 'Measure')} {num or ''}{': ' if head else ''}{head}".strip()])
            doc = document_of(g, n)
            if doc is not None:
                tip.append(["m", f"{self.name(doc)} · {g.value(doc, DCTERMS.source) or ''}"])
            text = str(g.value(n, SMEKG.text) or "")
            if text:
                tip.append(["p", _trim(text, TEXT_TRIM)])
            links = []
            for prop, kind in DRAWN_LINKS.items():
                if prop == SMEKG.issuedBy:
                    continue
                for o in sorted(g.objects(n, prop)):
                    evs = self.evidence.get((n, prop, o), [])
                    ev = evs[0] if evs else None
                    line = f"{_t(lang, kind)} → {self.name(o)}"
                    if ev is not None:
                        line += f": “{ev.exact}” ({_t(lang, 'chars')} {ev.start}–{ev.end}, {ev.rule})"
                    links.append(["li", line])
            if links:
                tip.append(["s", _t(lang, "links")])
                tip += links[:12]
                if len(links) > 12:
                    tip.append(["li", _t(lang, "more", n=len(links) - 12)])
        elif cls == "document":
            tip.append(["h", self.name(n)])
            tip.append(["m", f"{_t(lang, 'file')}: {g.value(n, DCTERMS.source) or ''}"])
            for key, prop in (("issued", DCTERMS.issued), ("number", DCTERMS.identifier),
                              ("language", DCTERMS.language)):
                v = g.value(n, prop)
                if v is not None:
                    tip.append(["li", f"{_t(lang, key)}: {v}"])
            issuers = sorted(self.name(o) for o in g.objects(n, SMEKG.issuedBy))
            if issuers:
                tip.append(["li", f"{_t(lang, 'issuers')}: " + "; ".join(issuers)])
            for key, prop in (("dupes", SMEKG.duplicatesRemoved), ("noise", SMEKG.noiseRemoved)):
                v = g.value(n, prop)
                if v is not None and int(v):
                    tip.append(["m", _t(lang, key, n=int(v))])
        else:
            tip.append(["h", self.name(n)])
            notation = g.value(n, SKOS.notation)
            tip.append(["m", _t(lang, cls) + (f" · {_t(lang, 'notation')} {notation}" if notation else "")])
            other = label(g, n, "zh" if lang == "en" else "en")
            if other != self.name(n):
                tip.append(["p", other])
            if degree:
                tip.append(["li", _t(lang, "in_view", n=degree)])
        if folded:
            tip.append(["m", _t(lang, "folded", n=folded)])
        tip.append(["i", str(n)])
        return tip

    def edge_tip(self, u: URIRef, v: URIRef, kind: str, measures: frozenset | None) -> list[list[str]]:
        lang = self.lang
        tip = [["h", f"{self.name(u)} — {_t(lang, kind)} → {self.name(v)}"]]
        if measures is not None:
            tip.append(["m", _t(lang, "n_measures", n=len(measures))])
            refs = sorted(self.measure_ref(m) for m in measures)
            tip += [["li", r] for r in refs[:MAX_LIST]]
            if len(refs) > MAX_LIST:
                tip.append(["li", _t(lang, "more", n=len(refs) - MAX_LIST)])
            return tip
        if kind == "competent (inferred)":
            insts = sorted(self.name(i) for i in self.g.objects(u, SMEKG.usesInstrument)
                           if (i, SMEKG.competentDepartment, v) in self.g)
            if insts:
                tip.append(["m", _t(lang, "inferred_from", x="; ".join(insts))])
            return tip
        tip += self.evidence_lines(u, kind, v)
        return tip


# ---------------------------------------------------------------------------------------------------
# views as networkx graphs: nodes carry `cls`; edges are keyed by kind and may carry `measures`


def resolve_focus(g: Graph, P: nx.MultiDiGraph, focus: str) -> URIRef:
    """The node of `P` that `focus` names: an IRI, a code (skos:notation), a file name, an IRI's last
    segment or a label; UnknownTerm with suggestions otherwise."""
    want = focus.strip()
    low = want.lower()
    cands: list[URIRef] = []
    if URIRef(want) in P:
        cands.append(URIRef(want))
    if not cands:
        cands = sorted(s for s, o in g.subject_objects(SKOS.notation) if str(o).lower() == low)
    if not cands:
        cands = sorted(s for s, o in g.subject_objects(DCTERMS.source)
                       if str(o).lower() == low or str(o).lower() == low + ".txt")
    if not cands:
        cands = sorted(n for n in P if str(n).rstrip("/").rsplit("/", 1)[-1].lower() == low)
    if not cands:
        cands = sorted({s for p in (SKOS.prefLabel, SKOS.altLabel, RDFS.label, DCTERMS.title)
                        for s, o in g.subject_objects(p) if str(o).lower() == low})
    in_graph = [c for c in cands if c in P]
    if in_graph:
        return in_graph[0]
    if cands:
        raise UnknownTerm(f"--focus {focus!r} is known but no document or measure of the graph links to it")
    names = sorted({str(o) for o in g.objects(None, SKOS.notation)} | {str(o) for o in g.objects(None, DCTERMS.source)})
    close = difflib.get_close_matches(want, names, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else " (give a code such as PBC, a file name or an IRI)"
    raise UnknownTerm(f"--focus {focus!r} is not in the graph{hint}")


def _select(P: nx.MultiDiGraph, keep) -> nx.MultiDiGraph:
    return P.subgraph(keep).copy()


def fold_measures(D: nx.MultiDiGraph, P: nx.MultiDiGraph, g: Graph) -> nx.MultiDiGraph:
    """Measures replaced by their documents: document -kind-> object, with the measures behind it."""
    H = nx.MultiDiGraph()
    for n, d in D.nodes(data=True):
        if d["cls"] != "measure":
            H.add_node(n, **d)
    acc: dict[tuple, set] = defaultdict(set)
    for u, v, k, data in D.edges(keys=True, data=True):
        cu, cv = D.nodes[u]["cls"], D.nodes[v]["cls"]
        if cu == "measure" or cv == "measure":
            if cu == "measure" and cv != "measure":
                doc = document_of(g, u)
                if doc is not None and k != "has measure":
                    acc[(doc, v, k)].add(u)
                    if doc not in H:
                        H.add_node(doc, **P.nodes[doc])
            continue
        H.add_edge(u, v, key=k, **data)
    for (doc, v, k), ms in acc.items():
        H.add_edge(doc, v, key=k, measures=frozenset(ms))
    folded: dict = defaultdict(int)
    for m, d in D.nodes(data=True):
        if d["cls"] == "measure":
            folded[document_of(g, m)] += 1
    for n in H.nodes:
        H.nodes[n]["folded"] = folded.get(n, 0) if H.nodes[n]["cls"] == "document" else 0
    return H


def fold_documents(D: nx.MultiDiGraph, g: Graph) -> nx.MultiDiGraph:
    """Documents replaced by their issuers (departments, top-level actors): issuer -kind-> object."""
    from kg.viz.network import overview_issuers

    H = nx.MultiDiGraph()
    issuers = {}
    for n, d in D.nodes(data=True):
        if d["cls"] == "document":
            issuers[n] = sorted(overview_issuers(g, n))
            if not issuers[n]:
                H.add_node(n, **d)
        else:
            H.add_node(n, **d)
    acc: dict[tuple, set] = defaultdict(set)
    for u, v, k, data in D.edges(keys=True, data=True):
        if u in issuers and issuers[u]:
            if k == "issued by":
                continue
            for dept in issuers[u]:
                if dept not in H:
                    H.add_node(dept, cls=node_class(g, dept), folded=0)
                acc[(dept, v, k)] |= set(data.get("measures") or ())
        elif v in issuers and issuers[v]:
            continue
        else:
            H.add_edge(u, v, key=k, **data)
    for (dept, v, k), ms in acc.items():
        if dept != v:
            H.add_edge(dept, v, key=k, measures=frozenset(ms))
    return H


def departments_instruments_graph(g: Graph, inferred: bool = True) -> nx.MultiDiGraph:
    """Bipartite: issuer -> instrument, weighted by the measures of the issuer's documents that use it;
    with `inferred`, also department -> instrument for the measures whose instrument is in the
    department's remit (dashed: who is competent, not who signed)."""
    D = nx.MultiDiGraph()
    kinds = [("measures", department_instrument_measures(g))]
    if inferred:
        kinds.append(("competent (inferred)", competent_instrument_measures(g)))
    for kind, pairs in kinds:
        for (dept, inst), ms in pairs.items():
            for n in (dept, inst):
                if n not in D:
                    D.add_node(n, cls=node_class(g, n))
            D.add_edge(dept, inst, key=kind, measures=frozenset(ms))
    return D


def bipartite_positions(D: nx.MultiDiGraph) -> dict:
    """Three columns: financing instruments | departments | fiscal and service instruments, each sorted
    to cut crossings (barycentres, a few sweeps); ties broken by IRI, so it is deterministic."""
    left = [n for n in D if D.nodes[n]["cls"] == "financing instrument"]
    right = [n for n in D if D.nodes[n]["cls"] in ("fiscal instrument", "service instrument", "other")]
    centre = [n for n in D if n not in set(left) | set(right)]
    if not left or not right:  # one kind of instrument only: two columns
        insts = sorted(left + right, key=str)
        left, right = insts[: (len(insts) + 1) // 2], insts[(len(insts) + 1) // 2:]
    w: dict = defaultdict(float)
    for u, v, data in D.edges(data=True):
        w[(u, v)] += len(data.get("measures") or ()) or 1
        w[(v, u)] += len(data.get("measures") or ()) or 1
    nbrs: dict = defaultdict(list)
    for (u, v), x in w.items():
        nbrs[u].append((v, x))
    total = {n: sum(x for _, x in nbrs[n]) for n in D}
    rank = {n: i for i, n in enumerate(sorted(centre, key=lambda n: (-total[n], str(n))))}

    def norm(col):
        return {n: i / max(1, len(col) - 1) for i, n in enumerate(col)}

    y = norm(sorted(centre, key=rank.get))
    cols = {}
    for _ in range(4):
        for side in (left, right):
            bary = {n: sum(y[m] * x for m, x in nbrs[n] if m in y) / max(1e-9, sum(x for m, x in nbrs[n] if m in y))
                    for n in side}
            cols[id(side)] = sorted(side, key=lambda n: (bary[n], -total[n], str(n)))
        yl, yr = norm(cols[id(left)]), norm(cols[id(right)])
        ys = {**yl, **yr}
        bary = {n: sum(ys[m] * x for m, x in nbrs[n] if m in ys) / max(1e-9, sum(x for m, x in nbrs[n] if m in ys))
                for n in centre}
        y = {**norm(sorted(centre, key=lambda n: (bary[n], -total[n], str(n)))), **ys}
    step = 40.0
    height = step * max(len(left), len(right), len(centre), 2)
    out = {}
    for x, col in ((-460.0, cols[id(left)]), (0.0, sorted(centre, key=y.get)), (460.0, cols[id(right)])):
        gap = height / max(1, len(col))
        for i, n in enumerate(col):
            out[n] = (round(x + (30 if i % 2 and x else 0)), round(i * gap - (len(col) - 1) * gap / 2))
    return out


def cooccurrence_graph(g: Graph) -> nx.MultiDiGraph:
    """Instruments linked by the measures that combine them; isolated instruments are left out."""
    D = nx.MultiDiGraph()
    for (a, b), ms in cooccurrence_measures(g).items():
        for n in (a, b):
            if n not in D:
                D.add_node(n, cls=node_class(g, n))
        D.add_edge(a, b, key="co-occurs", measures=frozenset(ms))
    return D


# ---------------------------------------------------------------------------------------------------
# layout (Python, seeded) for graphs too big for the browser's physics


def _force_layout(n: int, src, dst, weight, mass, seed: int = LAYOUT_SEED, iterations: int = 160):
    """ForceAtlas2-style layout in numpy: repulsion between masses (mass = degree + 1, so leaves stay by
    their hub), linear attraction along edges, gravity towards the centre, cooling steps. Repulsion is
    computed in blocks, so memory stays O(block x n). Arbitrary units."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pos = (rng.random((n, 2)) - 0.5) * math.sqrt(n) * 20
    if n == 1:
        return pos
    src, dst = np.asarray(src, dtype=int), np.asarray(dst, dtype=int)
    weight, mass = np.asarray(weight, dtype=float), np.asarray(mass, dtype=float)
    kr, kg = 20.0, 1.0
    block = max(1, 2_000_000 // n)
    temp = math.sqrt(n) * 4
    for it in range(iterations):
        disp = np.zeros((n, 2))
        for lo in range(0, n, block):
            hi = min(n, lo + block)
            delta = pos[lo:hi, None, :] - pos[None, :, :]
            d2 = np.maximum((delta ** 2).sum(-1), 0.01)
            disp[lo:hi] += (delta * (kr * mass[lo:hi, None] * mass[None, :] / d2)[:, :, None]).sum(1)
        if len(src):
            f = (pos[src] - pos[dst]) * weight[:, None]
            np.add.at(disp, src, -f)
            np.add.at(disp, dst, f)
        r = np.sqrt(np.maximum((pos ** 2).sum(-1), 1.0))
        disp -= kg * (mass / r)[:, None] * pos
        step = disp / mass[:, None]
        length = np.sqrt(np.maximum((step ** 2).sum(-1), 1e-12))
        limit = temp * (1 - it / iterations) + 0.05
        pos += step * (np.minimum(length, limit) / length)[:, None]
    return pos


def layout_positions(D: nx.MultiDiGraph, seed: int = LAYOUT_SEED) -> dict:
    """Seeded positions in pixels: documents and concepts by a force layout, each document's measures
    on a sunflower around it, turned towards what they link to."""
    order = sorted(D.nodes, key=str)
    parent = {}
    for m in order:
        if D.nodes[m]["cls"] == "measure":
            docs = sorted((u for u in D.predecessors(m) if D.nodes[u]["cls"] == "document"), key=str)
            if docs:
                parent[m] = docs[0]
    core = [n for n in order if n not in parent]
    index = {n: i for i, n in enumerate(core)}
    w: dict[tuple[int, int], float] = defaultdict(float)
    for u, v in D.edges():
        a, b = parent.get(u, u), parent.get(v, v)
        if a != b:
            w[(min(index[a], index[b]), max(index[a], index[b]))] += 1.0
    pairs = sorted(w)
    weights = [1.0 + math.log(w[p]) for p in pairs]
    children: dict = defaultdict(list)
    for m, d in parent.items():
        children[d].append(m)
    deg = [0.0] * len(core)
    for (a, b) in pairs:
        deg[a] += 1
        deg[b] += 1
    mass = [1.0 + deg[i] + len(children.get(n, ())) for n, i in index.items()]
    pos = _force_layout(len(core), [p[0] for p in pairs], [p[1] for p in pairs], weights, mass, seed=seed)
    petal = 24.0  # px between neighbouring measures on a sunflower
    # scale: skeleton edges about 240 px long, and room around each document for its measures
    lengths = sorted(math.dist(pos[a], pos[b]) for a, b in pairs) or [1.0]
    scale = 240.0 / max(lengths[len(lengths) // 2], 1e-6)
    if children and len(core) > 1:
        import numpy as np

        arr = np.asarray(pos)
        need = []
        for doc, ms in children.items():
            d = np.sqrt(((arr - arr[index[doc]]) ** 2).sum(-1))
            d[index[doc]] = np.inf
            need.append((petal * math.sqrt(len(ms) + 1.5) + 40) / max(float(d.min()), 1e-6))
        need.sort()
        scale = max(scale, need[int(0.8 * (len(need) - 1))])
    out = {n: (float(pos[i][0]) * scale, float(pos[i][1]) * scale) for n, i in index.items()}
    golden = math.pi * (3 - math.sqrt(5))
    for doc in sorted(children, key=str):
        ms = sorted(children[doc], key=str)
        dx, dy = out[doc]
        slots = []
        for i in range(len(ms)):
            r = petal * math.sqrt(i + 1.5)
            a = i * golden
            slots.append((math.atan2(math.sin(a), math.cos(a)), r * math.cos(a), r * math.sin(a)))
        pref = []
        for m in ms:
            targets = [out[o] for o in D.successors(m) if o in out and o != doc]
            if targets:
                tx = sum(p[0] for p in targets) / len(targets) - dx
                ty = sum(p[1] for p in targets) / len(targets) - dy
                pref.append((math.atan2(ty, tx), str(m), m))
            else:
                pref.append((math.pi * 2, str(m), m))
        slots.sort()
        pref.sort()
        for (_, sx, sy), (_, _, m) in zip(slots, pref, strict=True):
            out[m] = (dx + sx, dy + sy)
    return {n: (round(x), round(y)) for n, (x, y) in out.items()}


# ---------------------------------------------------------------------------------------------------
# networkx view -> vis-network lists


def _lists(D: nx.MultiDiGraph, g: Graph, lang: str, weighted: bool) -> tuple[list[dict], list[dict]]:
    desc = _Describer(g, lang)
    order = sorted(D.nodes, key=str)
    ids = {n: i for i, n in enumerate(order)}
    degree = {n: 0 for n in order}
    for u, v, k, data in D.edges(keys=True, data=True):
        if k == "has measure":
            continue
        c = len(data["measures"]) if data.get("measures") is not None else 1
        for n in (u, v):
            if D.nodes[n]["cls"] not in ("measure", "document"):
                degree[n] += c
    nodes = []
    for n in order:
        cls = D.nodes[n]["cls"]
        color, shape = STYLE.get(cls, STYLE["other"])
        notation = g.value(n, SKOS.notation)
        full = desc.name(n)
        node = {"id": ids[n], "iri": str(n), "label": desc.short(n, cls), "group": cls, "color": color,
                "shape": shape, "tip": desc.node_tip(n, cls, degree[n], D.nodes[n].get("folded", 0)),
                "search": " ".join(x for x in (full, str(notation or ""), label(g, n, "zh" if lang == "en" else "en"))
                                   if x).lower()}
        if cls == "document":
            node["font"] = {"color": "#ffffff"}
        elif cls != "measure":
            node["value"] = max(1, degree[n])
        nodes.append(node)
    edges = []
    for u, v, k, data in sorted(D.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), e[2])):
        color, dashes = EDGE_STYLE.get(k, ("#999999", False))
        ms = data.get("measures")
        e = {"from": ids[u], "to": ids[v], "kind": k, "color": color, "tip": desc.edge_tip(u, v, k, ms)}
        if dashes:
            e["dashes"] = True
        if not weighted:
            e["arrows"] = "to"
        if ms is not None:
            e["value"] = len(ms)
            if len(ms) > 1:
                e["label"] = str(len(ms))
        edges.append(e)
    for i, e in enumerate(edges):
        e["id"] = i
    return nodes, edges


def build_view(g: Graph, view: str = "full", focus: str | None = None, depth: int = 2, lang: str = "en",
               cap: int = NODE_CAP, physics_max: int = PHYSICS_MAX) -> VizResult:
    """The nodes and edges of one view (data only: assert on this, not on the HTML)."""
    if view not in VIEWS:
        raise UnknownTerm(f"unknown view {view!r}; choose {', '.join(VIEWS)}")
    if lang not in T:
        raise UnknownTerm(f"unknown language {lang!r}; choose en or zh")
    if view == "full" and focus:
        view = "focus"
    said: list[tuple[str, dict]] = []  # (message key, values): on the page in `lang`, on stderr in English
    weighted = view in ("departments-instruments", "cooccurrence")
    target = None
    if view == "departments-instruments":
        D = departments_instruments_graph(g)
        title = _t(lang, "title_departments-instruments")
    elif view == "cooccurrence":
        D = cooccurrence_graph(g)
        title = _t(lang, "title_cooccurrence")
    else:
        P = policy_graph(g, DRAWN_LINKS)
        if view in ("document", "focus"):
            if not focus:
                need = "FILE (a document's file name)" if view == "document" else "CODE_OR_IRI (e.g. PBC)"
                raise UnknownTerm(f"--view {view} needs --focus {need}")
            target = resolve_focus(g, P, focus)
        if view == "document":
            if P.nodes[target]["cls"] != "document":
                raise UnknownTerm(f"--view document needs a document's file name; {focus!r} is a "
                                  f"{P.nodes[target]['cls']} (use --focus without --view document)")
            D = _select(P, nx.single_source_shortest_path_length(P, target, cutoff=depth))
            title = _t(lang, "title_document", x=_Describer(g, lang).name(target))
        elif view == "focus":
            D = _select(P, nx.single_source_shortest_path_length(P.to_undirected(as_view=True), target, cutoff=depth))
            title = _t(lang, "title_focus", x=_Describer(g, lang).name(target), d=depth)
        else:
            D = P
            title = _t(lang, "title_full")
        for n in D.nodes:
            D.nodes[n].setdefault("folded", 0)
        if D.number_of_nodes() > cap:
            measures = sum(1 for _, d in D.nodes(data=True) if d["cls"] == "measure")
            said.append(("fold_measures", {"n": D.number_of_nodes(), "cap": cap, "m": measures}))
            D = fold_measures(D, P, g)
        if D.number_of_nodes() > cap:
            docs = sum(1 for _, d in D.nodes(data=True) if d["cls"] == "document")
            said.append(("fold_documents", {"n": D.number_of_nodes(), "m": docs}))
            D = fold_documents(D, g)
        if D.number_of_nodes() > cap:
            said.append(("truncate", {"n": D.number_of_nodes(), "cap": cap}))
            deg = D.degree()
            keep = sorted(D.nodes, key=lambda n: (-deg[n], str(n)))[:cap]
            if target is not None and target in D and target not in keep:
                keep[-1] = target
            D = D.subgraph(keep).copy()
    notice = " ".join(_t(lang, k, **kw) for k, kw in said) or None
    nodes, edges = _lists(D, g, lang, weighted)
    pos = None
    if view == "departments-instruments":
        pos = bipartite_positions(D)
    elif len(nodes) > physics_max:
        pos = layout_positions(D)
        said.append(("python_layout", {"n": len(nodes)}))
    if pos is not None:
        iri_pos = {str(n): p for n, p in pos.items()}
        for node in nodes:
            node["x"], node["y"] = iri_pos[node["iri"]]
    if target is not None and target in D:
        node = next(n for n in nodes if n["iri"] == str(target))
        node["focus"] = True
        node["borderWidth"] = 4
        node["font"] = {**node.get("font", {}), "size": 18}
    notes = [_t("en", k, **kw) for k, kw in said]
    return VizResult(nodes, edges, notice, view, title=title, lang=lang, physics=pos is None, notes=notes)


# ---------------------------------------------------------------------------------------------------
# HTML


def to_pyvis(result: VizResult):
    """The view as a pyvis Network, node and edge lists assigned in bulk (no add_node/add_edge loop).

    kg renders it with its own template (`render_html`); never call `show()` on it for kg's pages:
    pyvis's template loads Bootstrap from a CDN and does not escape titles.
    """
    from pyvis.network import Network

    net = Network(directed=result.view not in ("departments-instruments", "cooccurrence"), heading=result.title)
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
        "notice": result.notice, "directed": net.directed, "weighted": result.view in ("departments-instruments",
                                                                                     "cooccurrence"),
        "legend": [{"key": c, "name": _t(lang, c), "color": STYLE[c][0], "shape": STYLE[c][1]} for c in classes],
        "kinds": [{"key": k, "name": _t(lang, k), "color": EDGE_STYLE[k][0], "dashes": EDGE_STYLE[k][1]}
                  for k in kinds],
        "ui": {k: _t(lang, k) for k in UI_KEYS}, "seed": LAYOUT_SEED,
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
