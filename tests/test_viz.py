"""kg viz: the content of each view asserted on the data (nodes and edges), plus the page's HTML checked
for external resources, escaping and determinism. The browser side is in test_browser.py."""

from __future__ import annotations

import json
import re

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF

from kg.errors import UnknownTerm
from kg.namespaces import ID, SMEKG
from kg.viz import build_view, render_html
from kg.viz.network import cooccurrence_measures, department_instrument_measures, evidence_index

DEPT = "https://w3id.org/smekg/id/department/"
INST = "https://w3id.org/smekg/id/instrument/"
DOC003 = str(ID["doc/003_7b45b40aa43ec948"])


@pytest.fixture(scope="module")
def full(seed_graph):
    return build_view(seed_graph)


def test_full_view_has_every_document_and_measure(seed_graph, full):
    iris = {n["iri"] for n in full.nodes}
    docs = {str(d) for d in seed_graph.subjects(RDF.type, SMEKG.PolicyDocument)}
    measures = {str(m) for m in seed_graph.subjects(RDF.type, SMEKG.Measure)}
    assert docs <= iris and measures <= iris
    groups = {n["iri"]: n["group"] for n in full.nodes}
    assert {groups[d] for d in docs} == {"document"} and {groups[m] for m in measures} == {"measure"}
    # every measure hangs from its document, every usesInstrument link is an edge
    has = full.edge_pairs("has measure")
    assert all(any(m == b for _, b in has) for m in measures)
    uses = {(str(m), str(i)) for m, i in seed_graph.subject_objects(SMEKG.usesInstrument)}
    assert uses and uses == full.edge_pairs("uses")
    assert (DOC003, DEPT + "PBC") in full.edge_pairs("issued by")
    assert full.physics and full.notice is None  # the seed corpus is small: no folding, browser physics


def test_measure_tooltip_has_number_heading_text_and_evidence(seed_graph, full):
    m, inst = sorted(seed_graph.subject_objects(SMEKG.usesInstrument))[0]
    node = full.node(str(m))
    tip = [t for _, t in node["tip"]]
    number = str(seed_graph.value(m, SMEKG.number))
    assert number in tip[0]
    text = str(seed_graph.value(m, SMEKG.text))
    body = next(t for k, t in node["tip"] if k == "p")
    assert body.rstrip("…") and " ".join(text.split()).startswith(body.rstrip("…").rstrip())
    assert len(body) <= 600
    ev = evidence_index(seed_graph)[(m, SMEKG.usesInstrument, inst)][0]
    assert any(f"“{ev.exact}”" in t and f"{ev.start}–{ev.end}" in t for t in tip)
    # the edge carries the same evidence: matched text, offsets, source file and rule
    ids = {n["iri"]: n["id"] for n in full.nodes}
    edge = next(e for e in full.edges if e["from"] == ids[str(m)] and e["to"] == ids[str(inst)] and e["kind"] == "uses")
    quotes = [t for k, t in edge["tip"] if k == "q"]
    assert any(ev.exact in q and str(ev.start) in q and ev.rule in q and ev.source in q for q in quotes)


def test_departments_instruments_counts_measures(seed_graph):
    res = build_view(seed_graph, view="departments-instruments")
    truth = department_instrument_measures(seed_graph)
    ids = {n["iri"]: n["id"] for n in res.nodes}
    issued = {(e["from"], e["to"]): e["value"] for e in res.edges if e["kind"] == "measures"}
    assert issued == {(ids[str(d)], ids[str(i)]): len(ms) for (d, i), ms in truth.items()}
    # count by hand for one pair: measures of documents PBC issued that use re-lending
    pbc, rel = URIRef(DEPT + "PBC"), URIRef(INST + "RELENDING")
    hand = {m for m in seed_graph.subjects(SMEKG.usesInstrument, rel) if (m, SMEKG.issuedBy, pbc) in seed_graph}
    if hand:
        assert issued[(ids[str(pbc)], ids[str(rel)])] == len(hand)
    assert {n["group"] for n in res.nodes} <= {"department", "actor", "financing instrument", "fiscal instrument",
                                               "service instrument"}
    assert all("x" in n and "y" in n for n in res.nodes) and not res.physics  # three-column layout
    assert any(e["kind"] == "competent (inferred)" for e in res.edges)


def test_cooccurrence_links_instruments_combined_in_measures(seed_graph):
    res = build_view(seed_graph, view="cooccurrence")
    truth = cooccurrence_measures(seed_graph)
    assert truth
    iri = {n["id"]: n["iri"] for n in res.nodes}
    got = {tuple(sorted((iri[e["from"]], iri[e["to"]]))): e["value"] for e in res.edges}
    assert got == {tuple(sorted((str(a), str(b)))): len(ms) for (a, b), ms in truth.items()}
    assert all(n["group"].endswith("instrument") for n in res.nodes)


def test_focus_view_is_the_neighbourhood(seed_graph, full):
    res = build_view(seed_graph, focus="PBC", depth=1)
    pbc = DEPT + "PBC"
    assert res.view == "focus" and res.node(pbc)["focus"] is True
    iri = {n["id"]: n["iri"] for n in res.nodes}
    for n in res.nodes:  # depth 1: every other node is linked to PBC
        if n["iri"] != pbc:
            assert any({iri[e["from"]], iri[e["to"]]} == {pbc, n["iri"]} for e in res.edges), n["iri"]
    docs_by_pbc = {str(d) for d in seed_graph.subjects(SMEKG.issuedBy, URIRef(pbc))
                   if (d, RDF.type, SMEKG.PolicyDocument) in seed_graph}
    assert docs_by_pbc <= {n["iri"] for n in res.nodes}
    deeper = build_view(seed_graph, focus="pbc", depth=2)  # codes are case-insensitive
    assert {n["iri"] for n in res.nodes} < {n["iri"] for n in deeper.nodes} <= {n["iri"] for n in full.nodes}
    inst = build_view(seed_graph, focus="FINANCING_GUARANTEE", depth=1)
    users = {str(m) for m in seed_graph.subjects(SMEKG.usesInstrument, URIRef(INST + "FINANCING_GUARANTEE"))}
    assert users and users <= {n["iri"] for n in inst.nodes}


def test_document_view(seed_graph):
    res = build_view(seed_graph, view="document", focus="003_7b45b40aa43ec948.txt")
    doc = URIRef(DOC003)
    measures = {str(m) for m in seed_graph.subjects(RDF.type, SMEKG.Measure)
                if str(m).startswith(DOC003 + "/")}
    iris = {n["iri"] for n in res.nodes}
    assert measures <= iris
    other_docs = {n["iri"] for n in res.nodes if n["group"] == "document"} - {DOC003}
    assert other_docs == set()  # only this document's measures, not its issuers' other documents
    assert str(seed_graph.value(doc, DCTERMS.title))[:20] in res.title
    with pytest.raises(UnknownTerm, match="document"):
        build_view(seed_graph, view="document", focus="PBC")


def test_unknown_focus_suggests(seed_graph):
    with pytest.raises(UnknownTerm, match="did you mean PBC"):
        build_view(seed_graph, focus="PCB")
    with pytest.raises(UnknownTerm):
        build_view(seed_graph, view="document")


def test_labels_follow_lang(seed_graph):
    en = build_view(seed_graph, view="departments-instruments", lang="en")
    zh = build_view(seed_graph, view="departments-instruments", lang="zh")
    assert en.node(DEPT + "PBC")["label"] == "People's Bank of China"
    assert zh.node(DEPT + "PBC")["label"] == "中国人民银行"
    assert re.search(r"[\u4e00-\u9fff]", zh.title)
    assert "中国人民银行" in en.node(DEPT + "PBC")["search"]  # searchable in both languages


def test_node_cap_folds_measures_into_documents(seed_graph, full):
    res = build_view(seed_graph, cap=100)
    assert len(res.nodes) <= 100 < len(full.nodes)
    assert not [n for n in res.nodes if n["group"] == "measure"]
    assert res.notice and "folded" in res.notice and any("folded" in n for n in res.notes)
    # a document -> instrument edge counts the document's measures that use the instrument
    iri = {n["id"]: n["iri"] for n in res.nodes}
    m_uses = {(str(m), str(i)) for m, i in seed_graph.subject_objects(SMEKG.usesInstrument)}
    for e in res.edges:
        if e["kind"] == "uses":
            d, i = iri[e["from"]], iri[e["to"]]
            assert e["value"] == sum(1 for m, j in m_uses if j == i and m.startswith(d + "/"))
    tiny = build_view(seed_graph, cap=30)  # still too big: documents folded into their issuers
    assert len(tiny.nodes) <= 30 and len(tiny.notes) >= 2


def test_big_graphs_are_laid_out_in_python(seed_graph):
    res = build_view(seed_graph, physics_max=10)
    assert not res.physics and all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in res.nodes)
    assert len({(n["x"], n["y"]) for n in res.nodes}) == len(res.nodes)  # no two nodes on one spot
    assert any("laid out" in n for n in res.notes)


def test_html_is_self_contained_escaped_and_deterministic(seed_graph, full):
    page = render_html(full)
    assert page == render_html(build_view(seed_graph))  # same graph, same bytes
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<link" not in page and "cdn" not in page.lower().replace("cdnjs", "")
    assert len(re.findall(r"^<script", page, re.M)) == 3  # (vis-network's code holds a "<script>" string)
    import html

    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp and "unsafe-inline" not in csp.split(
        "style-src")[0]
    data = page.split('<script type="application/json" id="kg-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data and "&" not in data
    assert json.loads(data)["nodes"] == json.loads(json.dumps(full.nodes))


def test_hostile_text_stays_data(tmp_path):
    """The real pipeline on hostile text: the payload reaches the data and the page only as escaped JSON."""
    from kg.build.job import build_graph

    src = tmp_path / "in"
    src.mkdir()
    (src / "evil.txt").write_text(
        "Notice on credit loans </script><script>alert(1)</script> for small and micro enterprises\n\n"
        "Ministry of Industry and Information Technology\n\n"
        "1. Increase credit loans <img src=x onerror=alert(2)> {{VISJS}} \u2028 & \"q\" to small and micro "
        "enterprises.\n\n2. Strengthen financing guarantee <svg onload=alert(3)> for SMEs.\n", encoding="utf-8")
    g, _ = build_graph([src], workers=1)
    res = build_view(g)
    blob = json.dumps([n["tip"] for n in res.nodes], ensure_ascii=False)
    assert "<img src=x onerror=alert(2)>" in blob and "{{VISJS}}" in blob
    page = render_html(res)
    assert "<img src=x" not in page and "<svg onload" not in page and "alert(1)</script>" not in page
    assert len(re.findall(r"^<script", page, re.M)) == 3 and page.count("</script>") == 3
    data = page.split('id="kg-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["nodes"] == json.loads(json.dumps(res.nodes))  # {{VISJS}} not substituted
    assert "\u2028" not in page.split("<script>", 1)[0]
