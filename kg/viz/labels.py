"""The words of a drawing, in English or Chinese: messages and UI strings (`MESSAGES`, `message`), and
the labels and tooltips of nodes and edges (`Describer`, all text, never markup)."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.namespaces import SMEKG
from kg.viz.network import DRAWN_LINKS, document_of, evidence_index, label

KIND_PROP = {name: prop for prop, name in DRAWN_LINKS.items()}

MESSAGES = {
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


def message(lang: str, key: str, **kw) -> str:
    """The text of `key` in `lang` (English when missing there), formatted with `kw`."""
    text = MESSAGES.get(lang, MESSAGES["en"]).get(key, MESSAGES["en"].get(key, key))
    return text.format(**kw) if kw else text


def trim(text: str, limit: int) -> str:
    """`text` on one line, cut at a word before `limit` characters (with an ellipsis)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut + "…"


class Describer:
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
                text = str(head) if head else trim(str(g.value(n, SMEKG.text) or ""), 40)
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
            pos = f"{message(self.lang, 'chars')} {ev.start}–{ev.end}" if ev.start is not None else ""
            parts = [f"“{ev.exact}”", pos, ev.source, f"{message(self.lang, 'rule')}: {ev.rule}" if ev.rule else ""]
            out.append(["q", " · ".join(p for p in parts if p)])
        return out

    def node_tip(self, n: URIRef, cls: str, degree: int, folded: int = 0) -> list[list[str]]:
        g, lang = self.g, self.lang
        tip: list[list[str]] = []
        if cls == "measure":
            num = g.value(n, SMEKG.number)
            head = str(g.value(n, RDFS.label) or "")
            tip.append(["h", f"{message(lang, 'Measure')} {num or ''}{': ' if head else ''}{head}".strip()])
            doc = document_of(g, n)
            if doc is not None:
                tip.append(["m", f"{self.name(doc)} · {g.value(doc, DCTERMS.source) or ''}"])
            text = str(g.value(n, SMEKG.text) or "")
            if text:
                tip.append(["p", trim(text, TEXT_TRIM)])
            links = []
            for prop, kind in DRAWN_LINKS.items():
                if prop == SMEKG.issuedBy:
                    continue
                for o in sorted(g.objects(n, prop)):
                    evs = self.evidence.get((n, prop, o), [])
                    ev = evs[0] if evs else None
                    line = f"{message(lang, kind)} → {self.name(o)}"
                    if ev is not None:
                        line += f": “{ev.exact}” ({message(lang, 'chars')} {ev.start}–{ev.end}, {ev.rule})"
                    links.append(["li", line])
            if links:
                tip.append(["s", message(lang, "links")])
                tip += links[:12]
                if len(links) > 12:
                    tip.append(["li", message(lang, "more", n=len(links) - 12)])
        elif cls == "document":
            tip.append(["h", self.name(n)])
            tip.append(["m", f"{message(lang, 'file')}: {g.value(n, DCTERMS.source) or ''}"])
            for key, prop in (("issued", DCTERMS.issued), ("number", DCTERMS.identifier),
                              ("language", DCTERMS.language)):
                v = g.value(n, prop)
                if v is not None:
                    tip.append(["li", f"{message(lang, key)}: {v}"])
            issuers = sorted(self.name(o) for o in g.objects(n, SMEKG.issuedBy))
            if issuers:
                tip.append(["li", f"{message(lang, 'issuers')}: " + "; ".join(issuers)])
            for key, prop in (("dupes", SMEKG.duplicatesRemoved), ("noise", SMEKG.noiseRemoved)):
                v = g.value(n, prop)
                if v is not None and int(v):
                    tip.append(["m", message(lang, key, n=int(v))])
        else:
            tip.append(["h", self.name(n)])
            notation = g.value(n, SKOS.notation)
            tip.append(["m", message(lang, cls) + (f" · {message(lang, 'notation')} {notation}" if notation else "")])
            other = label(g, n, "zh" if lang == "en" else "en")
            if other != self.name(n):
                tip.append(["p", other])
            if degree:
                tip.append(["li", message(lang, "in_view", n=degree)])
        if folded:
            tip.append(["m", message(lang, "folded", n=folded)])
        tip.append(["i", str(n)])
        return tip

    def edge_tip(self, u: URIRef, v: URIRef, kind: str, measures: frozenset | None) -> list[list[str]]:
        lang = self.lang
        tip = [["h", f"{self.name(u)} — {message(lang, kind)} → {self.name(v)}"]]
        if measures is not None:
            tip.append(["m", message(lang, "n_measures", n=len(measures))])
            refs = sorted(self.measure_ref(m) for m in measures)
            tip += [["li", r] for r in refs[:MAX_LIST]]
            if len(refs) > MAX_LIST:
                tip.append(["li", message(lang, "more", n=len(refs) - MAX_LIST)])
            return tip
        if kind == "competent (inferred)":
            insts = sorted(self.name(i) for i in self.g.objects(u, SMEKG.usesInstrument)
                           if (i, SMEKG.competentDepartment, v) in self.g)
            if insts:
                tip.append(["m", message(lang, "inferred_from", x="; ".join(insts))])
            return tip
        tip += self.evidence_lines(u, kind, v)
        return tip

