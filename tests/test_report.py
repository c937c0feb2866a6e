"""`kg report` (issue 15): the page opens offline in headless Chromium with every chart drawn, a heatmap
cell lists its measures; per=policy counts the two language versions of one notice once; link-evidence
prints the sentence of the match (golden file); sentences are found in the measure's text."""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import pytest

from kg.cli import app
from kg.report.sentences import locate, measure_shift, sentence, sentence_of

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "query"
CHROMIUM = shutil.which("chromium")


# ---------------------------------------------------------------- sentences


def test_sentence_around_a_match_in_english_and_chinese():
    t = "Support SMEs. Banks shall use re-lending and loans; in No. 72 too. Next."
    at = t.index("re-lending")
    assert sentence(t, at, 10) == ("Banks shall use ", "re-lending", " and loans;")
    z = "加大支持。政府性融资担保机构提供融资担保。其他。"
    assert sentence(z, z.index("融资担保"), 4) == ("政府性", "融资担保", "机构提供融资担保。")
    # a full stop inside a number or an abbreviation followed by a digit does not end the sentence
    assert sentence("Rate 71.7 percent for SMEs. Done.", 0, 4)[2] == " 71.7 percent for SMEs."


def test_an_ambiguous_match_is_placed_by_the_shift_of_the_unambiguous_ones():
    t = "Guarantee first. Then credit loans. Guarantee again."
    shift = measure_shift(t, [(1000 + t.index("credit loans"), "credit loans"), (None, "x")])
    assert shift == 1000
    assert locate(t, "Guarantee", 1000 + t.rindex("Guarantee"), shift) == t.rindex("Guarantee")
    assert locate(t, "Guarantee", None, None) == 0
    assert sentence_of(t, "missing", 3, shift) is None  # not in the text: no sentence, not a wrong one


# ---------------------------------------------------------------- link-evidence golden output


def test_link_evidence_prints_the_sentence_golden(runner):
    res = runner.invoke(app, ["query", "link-evidence", "-p", "concept=FINANCING_GUARANTEE", "--graph",
                              str(DATA / "fixture.ttl")])
    assert res.exit_code == 0, res.output
    path = DATA / "link-evidence.txt"
    if os.environ.get("KG_UPDATE_GOLDEN"):
        path.write_text(res.stdout, encoding="utf-8")
    assert res.stdout == path.read_text(encoding="utf-8"), "link-evidence.txt differs (KG_UPDATE_GOLDEN=1 rewrites it)"
    assert "«financing guarantee»" in res.stdout and "«融资担保»" in res.stdout


# ---------------------------------------------------------------- per=policy, dates


@pytest.fixture(scope="module")
def seed_ox(seed_graph):
    from kg.report.data import oxigraph

    return oxigraph(seed_graph)


def _rows(source, name, **params):
    from kg.report.data import rows

    return rows(source, name, **params)


def test_the_english_and_chinese_notice_count_once_per_policy(seed_ox):
    versions = {r["document"]: r["policy"] for r in _rows(seed_ox, "policy-versions")}
    assert versions["000_5c6d6f51adc04f3c.txt"] == versions["001_deac6e865badb210.txt"]
    miit = next(r for r in _rows(seed_ox, "totals-by-department") if r["code"] == "MIIT")
    assert int(miit["documents"]) - int(miit["policies"]) == 1
    # an instrument only the notice uses: two documents, one policy
    per_doc = {(r["dept_code"], r["inst_code"]): r for r in _rows(seed_ox, "department-instrument-matrix")}
    per_pol = {(r["dept_code"], r["inst_code"]): r for r in _rows(seed_ox, "department-instrument-matrix", per="policy")}
    notice = {"000_5c6d6f51adc04f3c", "001_deac6e865badb210"}
    both = [k for k, r in per_doc.items()
            if k[0] == "MIIT" and set(re.findall(r"/doc/([^/]+)/", r["measure_list"])) == notice]
    assert both
    for k in both:
        assert per_doc[k]["documents"] == "2" and per_pol[k]["documents"] == "1", k
        assert int(per_pol[k]["measures"]) <= int(per_doc[k]["measures"])
    # a measure and its aligned translation count once too
    assert any(int(per_pol[k]["measures"]) < int(per_doc[k]["measures"]) for k in both)
    codes = {(r["code_a"], r["code_b"]): r["documents"] for r in _rows(seed_ox, "co-issuing-departments", per="policy")}
    assert codes and set(codes.values()) == {"1"}


def test_dates_filter_and_undated_documents_are_reported(seed_ox):
    years = {r["year_issued"]: r for r in _rows(seed_ox, "totals-by-year")}
    undated = [r["document"] for r in _rows(seed_ox, "document-summary") if not r["issued"]]
    assert "2020" in years
    if undated:
        assert int(years["undated"]["documents"]) == len(undated)
    assert _rows(seed_ox, "totals-by-year", year="2021") == []
    after = _rows(seed_ox, "instrument-timeline", **{"from": "2020-03-01"})
    assert after and all(r["issued"] >= "2020-03-01" for r in after)
    everything = _rows(seed_ox, "instrument-timeline")
    assert {r["document"] for r in everything} >= {r["document"] for r in _rows(seed_ox, "document-summary")
                                                   if r["instruments"] != "0"}


# ---------------------------------------------------------------- the page in headless Chromium


@pytest.fixture(scope="module")
def seed_report(seed_build, tmp_path_factory):
    from kg.report import write_report
    from kg.store.local import load_graph

    out = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(load_graph(seed_build[0]), out, graph_file=seed_build[0])


def test_the_page_is_self_contained_and_escapes_document_text(seed_report):
    page = seed_report.out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # no CDN, no remote link
    assert "default-src 'none'" in html.unescape(page) and page.count("<script") == 2
    sentences = sum(1 for m in seed_report.data.measures for ln in m.links if ln.sentence)
    links = sum(len(m.links) for m in seed_report.data.measures)
    assert links and sentences / links > 0.9  # the sentence of (nearly) every link is found
    assert page.count("<mark>") == links


def test_document_text_enters_the_page_only_as_escaped_text():
    from kg.report.data import Link, Measure
    from kg.report.page import _measure_list, _script_json

    evil = "<img src=x onerror=alert(1)></script><!--"
    m = Measure("https://w3id.org/smekg/id/doc/x/1", "m1", "q'\"&<b>.txt", "1.", evil,
                [Link("uses instrument", "RELENDING", "re-lending", 5, 9, "<i>", (evil, "<i>", "&amp;"))])
    out = _measure_list(type("D", (), {"measures": [m]})())
    assert "<img" not in out and "<i>" not in out and "<b>.txt" not in out and "</script>" not in out
    assert "q&#x27;&quot;&amp;&lt;b&gt;.txt" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out and "<mark>&lt;i&gt;</mark>&amp;amp;" in out
    js = _script_json({"h": evil})
    assert "<" not in js and ">" not in js and "&" not in js


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_page_in_chromium_every_chart_drawn_and_a_cell_lists_its_measures(seed_report):
    from test_browser import Browser

    b = Browser()
    try:
        b.open()
        b.send("Emulation.setDeviceMetricsOverride", {"width": 1600, "height": 1000, "deviceScaleFactor": 1,
                                                      "mobile": False})
        page = seed_report.out.resolve()
        b.send("Page.navigate", {"url": page.as_uri()})
        b.wait_for("document.body && document.body.dataset.ready === '1'", timeout=60)
        (ROOT / "build").mkdir(exist_ok=True)
        b.screenshot(ROOT / "build" / "report-1600x1000.png")
        assert b.problems() == []
        assert all(u == page.as_uri() for u in b.requests()), b.requests()  # offline: nothing else fetched
        charts = b.eval("Array.from(document.querySelectorAll('.chart')).map(c => { var s = c.querySelector('svg');"
                        " return s ? s.querySelectorAll('path, rect').length : 0; })")
        assert len(charts) == 7 and all(n > 1 for n in charts), charts
        # a real click on the first cell of the visible heatmap
        x, y = b.eval("(function(){var a = document.querySelector('.heatmap:not([hidden]) a');"
                      "var r = a.getBoundingClientRect(); a.scrollIntoView({block: 'center'});"
                      "r = a.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];})()")
        b.mouse("mouseMoved", x, y)
        tip = b.wait_for("document.getElementById('tip').style.display === 'block' && "
                         "document.getElementById('tip').textContent", timeout=10)
        cell = b.eval("window.kgReport.cellOf(document.querySelector('.heatmap:not([hidden]) a'))")
        assert cell["department"] in tip and cell["anchors"]
        b.mouse("mousePressed", x, y)
        b.mouse("mouseReleased", x, y)
        shown = b.wait_for("(function(){var v = Array.from(document.querySelectorAll('#measures li.measure'))"
                           ".filter(li => !li.hidden).map(li => li.id); return v.length ? v : null;})()", timeout=10)
        assert sorted(shown) == sorted(cell["anchors"])
        assert cell["instrument"] in b.eval("document.getElementById('cell-info').textContent")
        # the switch shows another heatmap: competent departments, counted per policy
        b.eval("document.querySelector('input[name=basis][value=competent]').click();"
               "document.querySelector('input[name=per][value=policy]').click()")
        assert b.eval("document.querySelector('.heatmap:not([hidden])').dataset.key") == "competent-policy"
        assert b.eval("document.querySelectorAll('.heatmap:not([hidden])').length") == 1
    finally:
        b.close()


def test_cli_report_svg_png_and_bad_format(runner, seed_build, tmp_path):
    res = runner.invoke(app, ["report", "--graph", str(seed_build[0]), "--format", "svg", "-o", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    svgs = sorted(p.name for p in tmp_path.glob("r-*.svg"))
    assert len(svgs) == 7 and "r-heatmap-issued-document.svg" in svgs and "r-timeline.svg" in svgs
    assert re.search(r"reported \d+ documents, \d+ measures in .* -> 7 files", res.stderr)
    assert runner.invoke(app, ["report", "--format", "pdf"]).exit_code == 2
    res = runner.invoke(app, ["report", "--graph", str(tmp_path / "none.ttl")])
    assert res.exit_code == 1 and res.stderr.startswith("Error:")


def test_viz_focus_is_honoured_by_the_aggregate_views(seed_graph):
    from kg.errors import UnknownTerm
    from kg.viz.views import build_view

    ID = "https://w3id.org/smekg/id/"
    whole = build_view(seed_graph, "departments-instruments")
    pbc = build_view(seed_graph, "departments-instruments", focus="PBC")
    assert len(pbc.nodes) < len(whole.nodes) and pbc.node(f"{ID}department/PBC")["focus"]
    assert all(f"{ID}department/PBC" in pair for pair in pbc.edge_pairs())
    co = build_view(seed_graph, "cooccurrence", focus="CREDIT_LOAN")
    assert co.edges and all(f"{ID}instrument/CREDIT_LOAN" in pair for pair in co.edge_pairs())
    with pytest.raises(UnknownTerm, match="not in the graph"):
        build_view(seed_graph, "cooccurrence", focus="NO_SUCH_CODE")
