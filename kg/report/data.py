"""The report's numbers, read from the graph through the named queries (queries/*.rq) only: the
department × instrument matrix on both bases and both counting units, instruments by year, enterprise
types × instrument classes, co-issuing departments, totals, the per-document summary (with the build's
warnings) and every measure with its links and the sentence of each match."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.report.sentences import measure_shift, sentence_of
from kg.sparql import run_query, term_str

BASES = ("issued", "competent")
UNITS = ("document", "policy")
MEASURE_CAP = 3000  # measures listed on the page; the charts count them all


@dataclass
class Link:
    link: str
    code: str
    concept: str
    start: int | None
    end: int | None
    exact: str
    sentence: tuple[str, str, str] | None  # (before, match, after), None when the match is not in the text


@dataclass
class Measure:
    iri: str
    anchor: str
    document: str
    place: str
    heading: str
    links: list[Link] = field(default_factory=list)


@dataclass
class ReportData:
    lang: str
    matrix: dict[str, list[dict]]  # "issued-document", "competent-policy" … -> cells
    years: list[dict]
    enterprise_classes: list[dict]
    coissuing: list[dict]
    totals: dict[str, list[dict]]  # "department", "instrument", "year" -> rows
    documents: list[dict]
    measures: list[Measure]
    measures_total: int
    build_note: str | None = None


def rows(source: Any, name: str, **params: str) -> list[dict]:
    """A named query's rows as dicts of text ("" for unbound), with no row limit and no time limit."""
    res = run_query(source, name, {k: v for k, v in params.items() if v is not None}, timeout=None)
    return [{v: term_str(t) for v, t in zip(res.vars, row, strict=True)} for row in res.rows]


def _int(s: str) -> int:
    try:
        return int(float(s))
    except ValueError:
        return 0


def matrix_cells(source: Any, lang: str, anchors: dict[str, str]) -> dict[str, list[dict]]:
    out = {}
    for basis in BASES:
        for per in UNITS:
            cells = []
            for r in rows(source, "department-instrument-matrix", basis=basis, per=per, lang=lang):
                ms = sorted(r["measure_list"].split())
                cells.append({"dept": r["dept_code"], "department": r["department"], "inst": r["inst_code"],
                              "instrument": r["instrument"], "class": r["class"], "n": _int(r["documents"]),
                              "measures": _int(r["measures"]),
                              "anchors": [anchors[m] for m in ms if m in anchors]})
            out[f"{basis}-{per}"] = cells
    return out


def measures(source: Any, lang: str, cap: int = MEASURE_CAP) -> tuple[list[Measure], int]:
    """Every measure (at most `cap`) with its links and their sentences; and the number of measures."""
    by_iri: dict[str, Measure] = {}
    texts: dict[str, str] = {}
    raw: dict[str, list[dict]] = defaultdict(list)
    for r in rows(source, "measure-links", lang=lang):
        iri = r["measure"]
        if iri not in by_iri:
            place = " ".join(x for x in (r["section_number"], r["number"]) if x)
            by_iri[iri] = Measure(iri, f"m{len(by_iri) + 1}", r["document"], place, r["heading"])
            texts[iri] = r["text"]
        if r["code"]:
            raw[iri].append(r)
    total = len(by_iri)
    kept = list(by_iri.values())[:cap]
    for m in kept:
        text = texts[m.iri]
        spans = [(_opt_int(r["start"]), r["exact"]) for r in raw[m.iri]]
        shift = measure_shift(text, spans)
        for r in raw[m.iri]:
            start = _opt_int(r["start"])
            m.links.append(Link(r["link"], r["code"], r["concept"], start, _opt_int(r["end"]), r["exact"],
                                sentence_of(text, r["exact"], start, shift)))
    return kept, total


def _opt_int(s: str) -> int | None:
    return int(s) if s.strip().lstrip("-").isdigit() else None


def documents(source: Any, graph_file: Path | None) -> tuple[list[dict], str | None]:
    """The per-document summary with the warnings the build recorded for each file."""
    from kg.build.report import load_report

    warnings: dict[str, list[str]] = {}
    note = None
    if graph_file is not None:
        stored = load_report(graph_file)
        note = stored.note
        for fate in stored.fates or ():
            warnings[Path(str(fate.get("path", ""))).name] = [str(w) for w in fate.get("warnings") or ()]
    out = []
    for r in rows(source, "document-summary"):
        out.append({**r, "warnings": warnings.get(r["document"], [])})
    return out, note


def oxigraph(source: Any) -> Any:
    """An rdflib in-memory graph copied into an in-memory Oxigraph store: the report's dozen whole-graph
    aggregations took 179 s on rdflib's engine against 9 s on Oxigraph for the seed corpus; kg's own
    Oxigraph-backed graph and a pyoxigraph Store are used as they are."""
    from rdflib import Graph

    if not isinstance(source, Graph) or getattr(getattr(source, "store", None), "native_sparql", False):
        return source
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(source.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    return store


def gather(source: Any, lang: str = "en", graph_file: Path | None = None, cap: int = MEASURE_CAP) -> ReportData:
    """All the report's numbers and texts from `source` (an rdflib Graph, kg's Oxigraph graph or a
    pyoxigraph Store)."""
    source = oxigraph(source)
    ms, total = measures(source, lang, cap)
    anchors = {m.iri: m.anchor for m in ms}
    docs, note = documents(source, graph_file)
    totals = {what: rows(source, f"totals-by-{what}", per="policy", **({} if what == "year" else {"lang": lang}))
              for what in ("department", "instrument", "year")}
    return ReportData(
        lang=lang,
        matrix=matrix_cells(source, lang, anchors),
        years=rows(source, "instruments-by-year", per="policy", lang=lang),
        enterprise_classes=rows(source, "enterprise-types-by-instrument-class", per="policy", lang=lang),
        coissuing=rows(source, "co-issuing-departments", per="policy", lang=lang),
        totals=totals, documents=docs, measures=ms, measures_total=total, build_note=note)


__all__ = ["BASES", "MEASURE_CAP", "UNITS", "Link", "Measure", "ReportData", "gather", "rows"]
