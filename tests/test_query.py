"""Named queries and `kg query`: expected rows on a hand-made fixture graph, the same rows on rdflib
and Oxigraph, parameter validation and safe binding, refusals, time limits, output formats and the
CLI's golden output (tests/data/query/; regenerate with KG_UPDATE_GOLDEN=1 and review the diff)."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import time
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from kg.cli import app
from kg.errors import ParameterError, QueryError, QueryNotFound, QueryTimeout
from kg.sparql import named_queries, resolve, run_query, to_csv, to_json
from kg.sparql.named import PARAM_TYPES
from kg.sparql.params import Lookup, bind_params
from kg.sparql.safety import prepare
from kg.sparql.values import bind_text

DATA = Path(__file__).resolve().parent / "data" / "query"
FIXTURE = DATA / "fixture.ttl"
ID = "https://w3id.org/smekg/id/"
NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float}


@pytest.fixture(scope="module")
def fx() -> Graph:
    g = Graph()
    g.parse(FIXTURE, format="turtle")
    return g


@pytest.fixture(scope="module")
def ox_store():
    import pyoxigraph as ox

    store = ox.Store()
    store.load(FIXTURE.read_bytes(), ox.RdfFormat.TURTLE)
    return store


def cell(t) -> str | None:
    """A cell as text; numbers by value (rdflib keeps "1.0", Oxigraph writes "1")."""
    if t is None:
        return None
    if isinstance(t, Literal) and t.datatype in NUMERIC:
        return format(Decimal(str(t)).normalize(), "f")
    return str(t)


def rows(res, unordered: tuple[str, ...] = ()) -> list[tuple]:
    """Rows as tuples of text; GROUP_CONCAT columns (order unspecified by SPARQL) as sorted word lists."""
    out = []
    for row in res.rows:
        r = []
        for v, t in zip(res.vars, row, strict=True):
            c = cell(t)
            if v in unordered and c is not None:
                c = " ".join(sorted(c.replace(" | ", " ").split()))
            r.append(c)
        out.append(tuple(r))
    return out


def q(g, name, unordered=(), **params):
    return rows(run_query(g, name, params, timeout=None), unordered)


# ---------------------------------------------------------------- the named queries themselves

OURS = ["departments", "measures-by-instrument", "instruments-by-department", "measures-by-enterprise-type",
        "instrument-co-occurrence", "co-issuing-departments", "document-summary", "instrument-timeline",
        "financing-fiscal-mix", "link-evidence", "aligned-translations", "regions", "quantitative-targets",
        "cited-documents", "gap-analysis", "search-measures", "vocabulary", "inferred-competent-departments"]


def test_the_competency_queries_of_the_spec_exist():
    assert set(OURS) <= set(named_queries())


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_has_a_header_and_parses(name):
    nq = named_queries()[name]
    assert nq.title and nq.title != name and nq.description
    for p in nq.params:
        assert p.kind in PARAM_TYPES
        assert p.example, f"{name}: parameter {p.name} has no example"
        assert re.search(rf"\?{p.name}\b", nq.text), f"{name}: parameter {p.name} is not used"
    prepare(nq.text)  # parses, no update / SERVICE / FROM


def test_named_query_header_parsing(tmp_path):
    from kg.sparql.named import parse_header

    f = tmp_path / "x.rq"
    f.write_text("# title: T\n# description: D\n# param: region (region code, optional, default CN-HB) e.g. CN-BJ\n"
                 "# param: n (integer)\n\n# not header\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    nq = parse_header("x", f)
    assert (nq.title, nq.description) == ("T", "D")
    assert [(p.name, p.kind, p.optional, p.default, p.example) for p in nq.params] == [
        ("region", "region", True, "CN-HB", "CN-BJ"), ("n", "integer", False, None, None)]
    f.write_text("# param: x (colour)\nSELECT * WHERE { ?s ?p ?o }", encoding="utf-8")
    with pytest.raises(QueryError, match="unknown type 'colour'"):
        parse_header("x", f)


A11, A12, A2 = f"{ID}doc/a_en/1/1", f"{ID}doc/a_en/1/2", f"{ID}doc/a_en/2"
B1, B2, C1, C2, D1 = f"{ID}doc/b_zh/1", f"{ID}doc/b_zh/2", f"{ID}doc/c_en/1", f"{ID}doc/c_en/2", f"{ID}doc/d_en/1"
TITLE_A, TITLE_C = "Notice on helping SMEs resume work", "Opinions of three departments on supporting SMEs"
TITLE_B = "关于帮助中小企业复工复产的通知"
MIIT_EN, PBC_EN, MOF_EN = "Ministry of Industry and Information Technology", "People's Bank of China", "Ministry of Finance"


def test_departments(fx):
    assert q(fx, "departments") == [
        ("MIIT", MIIT_EN, "a_en.txt", "2020-02-09", "MIIT [2020] No. 14", TITLE_A, "3"),
        ("MIIT", MIIT_EN, "b_zh.txt", "2020-02-09", "工信明电〔2020〕14号", TITLE_B, "2"),
        ("MIIT", MIIT_EN, "c_en.txt", "2020-07-03", None, TITLE_C, "3"),
        ("MIIT_GO", "General Office of the Ministry of Industry and Information Technology", "a_en.txt",
         "2020-02-09", "MIIT [2020] No. 14", TITLE_A, "3"),
        ("MOF", MOF_EN, "c_en.txt", "2020-07-03", None, TITLE_C, "3"),
        ("PBC", PBC_EN, "c_en.txt", "2020-07-03", None, TITLE_C, "3"),
    ]
    assert [r[:3] for r in q(fx, "departments", department="PBC", lang="zh")] == [("PBC", "中国人民银行", "c_en.txt")]


def test_measures_by_instrument_follows_narrower_instruments_and_labels_in_the_language_asked(fx):
    assert q(fx, "measures-by-instrument", instrument="FINANCING_GUARANTEE") == [
        ("a_en.txt", "1.", "Guarantees for small and micro enterprises", "FINANCING_GUARANTEE", "financing guarantee",
         "financing guarantee", A11),
        ("a_en.txt", "1.", "Guarantees for small and micro enterprises", "RE_GUARANTEE", "re-guarantee",
         "re-guarantees", A11),
        ("b_zh.txt", "一、", "融资担保", "FINANCING_GUARANTEE", "financing guarantee", "融资担保", B1),
    ]
    zh = q(fx, "measures-by-instrument", instrument="FINANCING_GUARANTEE", lang="zh")
    assert [r[4] for r in zh] == ["融资担保", "再担保", "融资担保"]
    assert q(fx, "measures-by-instrument", unordered=("matched",), instrument="RELENDING") == [
        ("a_en.txt", "2.", "Re-lending", "RELENDING", "re-lending", "Re-lending re-lending special", A12),
        ("b_zh.txt", "二、", None, "RELENDING", "re-lending", "", B2),
    ]
    assert q(fx, "measures-by-instrument", instrument="RE_GUARANTEE") == [
        ("a_en.txt", "1.", "Guarantees for small and micro enterprises", "RE_GUARANTEE", "re-guarantee",
         "re-guarantees", A11)]


def test_instruments_by_department(fx):
    assert q(fx, "instruments-by-department", department="PBC") == [
        ("CREDIT_LOAN", "credit loan", "financing instrument", "1", "1", "yes"),
        ("GOVERNMENT_PROCUREMENT", "government procurement", "fiscal instrument", "1", "1", ""),
        ("TRAINING_SERVICE", "training service", "service instrument", "1", "1", ""),
    ]
    # Chinese labels, falling back to English where the vocabulary has none
    assert q(fx, "instruments-by-department", department="PBC", lang="zh") == [
        ("CREDIT_LOAN", "信用贷款", "金融工具", "1", "1", "yes"),
        ("GOVERNMENT_PROCUREMENT", "政府采购", "财税工具", "1", "1", ""),
        ("TRAINING_SERVICE", "training service", "service instrument", "1", "1", ""),
    ]
    assert [(r[0], r[3], r[4]) for r in q(fx, "instruments-by-department", department="MIIT")] == [
        ("CREDIT_LOAN", "2", "2"), ("FINANCING_GUARANTEE", "2", "2"), ("RELENDING", "2", "2"),
        ("GOVERNMENT_PROCUREMENT", "1", "1"), ("RE_GUARANTEE", "1", "1"), ("TAX_RELIEF", "1", "1"),
        ("TRAINING_SERVICE", "1", "1")]
    assert q(fx, "instruments-by-department", department="MIIT_GO")[0][0] == "CREDIT_LOAN"  # a sub-organisation


def test_measures_by_enterprise_type_with_narrower_types_and_roles(fx):
    got = q(fx, "measures-by-enterprise-type", enterprise_type="SME")
    assert [(r[0], r[1], r[3], r[5], r[7]) for r in got] == [
        ("a_en.txt", "1.", "SMALL_MICRO", "targets", A11), ("a_en.txt", "2.", "SME", "targets", A12),
        ("a_en.txt", "II.", "SME", "targets", A2), ("b_zh.txt", "一、", "SMALL_MICRO", "targets", B1),
        ("b_zh.txt", "二、", "SME", "targets", B2), ("c_en.txt", "(1)", "SRDI_SME", "targets", C1)]
    assert got[0][6] == "small and micro enterprises"  # the evidence text
    inv = q(fx, "measures-by-enterprise-type", enterprise_type="LARGE_ENTERPRISE", role="involves", lang="zh")
    assert [(r[3], r[4], r[5], r[7]) for r in inv] == [("LARGE_ENTERPRISE", "大企业", "涉及", A12),
                                                        ("LARGE_ENTERPRISE", "大企业", "涉及", C2)]
    assert q(fx, "measures-by-enterprise-type", enterprise_type="LARGE_ENTERPRISE", role="targets") == []


def test_instrument_co_occurrence(fx):
    assert [r[::2] for r in q(fx, "instrument-co-occurrence")] == [
        ("CREDIT_LOAN", "GOVERNMENT_PROCUREMENT", "1"), ("CREDIT_LOAN", "RELENDING", "1"),
        ("FINANCING_GUARANTEE", "RE_GUARANTEE", "1")]
    assert q(fx, "instrument-co-occurrence", instrument="RELENDING", lang="zh") == [
        ("RELENDING", "再贷款", "CREDIT_LOAN", "信用贷款", "1", "1")]


def test_co_issuing_departments_leave_out_a_sub_organisation_and_its_parent(fx):
    assert q(fx, "co-issuing-departments") == [
        ("MIIT", MIIT_EN, "MOF", MOF_EN, "1", "c_en.txt"), ("MIIT", MIIT_EN, "PBC", PBC_EN, "1", "c_en.txt"),
        ("MOF", MOF_EN, "PBC", PBC_EN, "1", "c_en.txt")]
    assert [(r[0], r[2], r[5]) for r in q(fx, "co-issuing-departments", department="PBC")] == [
        ("PBC", "MIIT", "c_en.txt"), ("PBC", "MOF", "c_en.txt")]


def test_document_summary(fx):
    assert q(fx, "document-summary", unordered=("issuers",)) == [
        ("a_en.txt", "en", "2020-02-09", "MIIT [2020] No. 14", "MIIT MIIT_GO", "3", "5", "3", "1", "6", TITLE_A),
        ("b_zh.txt", "zh", "2020-02-09", "工信明电〔2020〕14号", "MIIT", "2", "2", "2", "1", "1", TITLE_B),
        ("c_en.txt", "en", "2020-07-03", None, "MIIT MOF PBC", "3", "3", "3", "0", "1", TITLE_C),
        ("d_en.txt", "en", None, None, None, "1", "0", "0", "0", "0", "Press conference on SME resumption"),
    ]
    assert [r[0] for r in q(fx, "document-summary", document="c_en")] == ["c_en.txt"]


def test_instrument_timeline(fx):
    assert [r[:3] for r in q(fx, "instrument-timeline")] == [
        ("2020-02-09", "a_en.txt", "CREDIT_LOAN"), ("2020-02-09", "a_en.txt", "FINANCING_GUARANTEE"),
        ("2020-02-09", "a_en.txt", "RELENDING"), ("2020-02-09", "a_en.txt", "RE_GUARANTEE"),
        ("2020-02-09", "a_en.txt", "TAX_RELIEF"), ("2020-02-09", "b_zh.txt", "FINANCING_GUARANTEE"),
        ("2020-02-09", "b_zh.txt", "RELENDING"), ("2020-07-03", "c_en.txt", "CREDIT_LOAN"),
        ("2020-07-03", "c_en.txt", "GOVERNMENT_PROCUREMENT"), ("2020-07-03", "c_en.txt", "TRAINING_SERVICE")]
    assert q(fx, "instrument-timeline", instrument="FINANCING_GUARANTEE", lang="zh") == [
        ("2020-02-09", "a_en.txt", "FINANCING_GUARANTEE", "融资担保", "金融工具", "1"),
        ("2020-02-09", "a_en.txt", "RE_GUARANTEE", "再担保", "金融工具", "1"),
        ("2020-02-09", "b_zh.txt", "FINANCING_GUARANTEE", "融资担保", "金融工具", "1")]


def test_financing_fiscal_mix(fx):
    assert q(fx, "financing-fiscal-mix") == [
        ("d_en.txt", None, "1", "0", "0", "0", "1"),
        ("a_en.txt", "2020-02-09", "3", "2", "1", "0", "0"),
        ("b_zh.txt", "2020-02-09", "2", "2", "0", "0", "0"),
        ("c_en.txt", "2020-07-03", "3", "1", "1", "1", "1")]
    assert q(fx, "financing-fiscal-mix", department="PBC") == [("c_en.txt", "2020-07-03", "3", "1", "1", "1", "1")]


def test_link_evidence(fx):
    assert q(fx, "link-evidence", concept="RELENDING") == [
        ("a_en.txt", "280", "290", "Re-lending", "uses instrument", "heading: re-lending", A12, "I. 2.",
         "«Re-lending»"),
        ("a_en.txt", "300", "318", "special re-lending", "uses instrument", "label: re-lending", A12, "I. 2.",
         "Use «special re-lending» and credit loans to support SMEs, with large enterprises as partners, as the "
         "SME Promotion Law requires.")]
    assert q(fx, "link-evidence", concept="MIIT", lang="zh") == [
        ("a_en.txt", "0", "47", MIIT_EN, "发文单位", "signature: department label", f"{ID}doc/a_en", None, None)]
    assert q(fx, "link-evidence", concept="FINANCING_GUARANTEE", subject=B1) == [
        ("b_zh.txt", "45", "49", "融资担保", "uses instrument", "label: 融资担保", B1, "一、", "政府性«融资担保»机构为湖北小微企业提供融资担保。")]
    assert q(fx, "link-evidence", concept="SMALL_MICRO", property="smekg:usesInstrument") == []
    assert len(q(fx, "link-evidence", concept="SMALL_MICRO", property="smekg:targets")) == 1


def test_aligned_translations_either_direction_and_none_when_absent(fx):
    got = q(fx, "aligned-translations")
    assert [r[:7] for r in got] == [
        ("policy document", "a_en.txt", None, TITLE_A, "b_zh.txt", None, TITLE_B),
        ("measure", "a_en.txt", "1.", "Guarantees for small and micro enterprises", "b_zh.txt", "一、", "融资担保"),
        ("measure", "a_en.txt", "2.", "Re-lending", "b_zh.txt", "二、", "加大再贷款支持力度。")]
    assert [r[0] for r in q(fx, "aligned-translations", lang="zh")] == ["政策文件", "措施", "措施"]
    assert len(q(fx, "aligned-translations", document="b_zh.txt")) == 3
    assert q(fx, "aligned-translations", document="c_en.txt") == []
    bare = Graph()
    bare += fx.triples((None, None, None))
    bare.remove((None, URIRef("https://w3id.org/smekg/ontology#alignedWith"), None))
    assert q(bare, "aligned-translations") == []


def test_regions(fx):
    assert q(fx, "regions", unordered=("files",)) == [
        ("CN-BJ", "Beijing", "excludes region", "1", "1", "a_en.txt"),
        ("CN-HB", "Hubei", "mentions region", "2", "2", "a_en.txt b_zh.txt")]
    # a region by its code, its English or its Chinese name
    for name in ("CN-HB", "Hubei", "湖北"):
        assert [r[:3] for r in q(fx, "regions", region=name, lang="zh")] == [("CN-HB", "湖北", "涉及地区")]


def test_quantitative_targets_and_none_when_absent(fx):
    assert q(fx, "quantitative-targets", lang="zh") == [
        ("a_en.txt", "1.", "1", "max", "%", "guarantee fee rate", None, "no more than 1%", A11),
        ("c_en.txt", "(1)", "30", "exact", "%", "share of procurement budgets reserved for SMEs", None, "30%", C1),
        ("d_en.txt", None, "71.7", "exact", "%", "中小企业复工率", "2020-03-24", "71.7%", D1)]
    assert [r[0] for r in q(fx, "quantitative-targets", document="d_en.txt")] == ["d_en.txt"]
    bare = Graph()
    bare += fx.triples((None, None, None))
    bare.remove((None, URIRef("https://w3id.org/smekg/ontology#quantity"), None))
    assert q(bare, "quantitative-targets") == []


def test_cited_documents(fx):
    assert q(fx, "cited-documents", unordered=("files",)) == [
        ("SME Promotion Law", None, "2", "2", "a_en.txt c_en.txt", f"{ID}work/sme-promotion-law")]
    assert q(fx, "cited-documents", document="a_en.txt", lang="zh") == [
        ("中小企业促进法", None, "1", "1", "a_en.txt", f"{ID}work/sme-promotion-law")]


def test_gap_analysis(fx):
    assert q(fx, "gap-analysis") == [
        ("INDIVIDUAL_BUSINESS", "individual industrial and commercial households", "1", "0"),
        ("LARGE_ENTERPRISE", "large enterprises", "0", "0"),
        ("LITTLE_GIANT", "little giant enterprises", "0", "3")]
    assert q(fx, "gap-analysis", lang="zh")[2][1] == "专精特新“小巨人”企业"


def test_search_vocabulary_and_inferred_competence(fx):
    got = q(fx, "search-measures", phrase="GUARANTEE")
    assert [r[0::4] for r in got] == [("a_en.txt", A11)] and "guarantee" in got[0][3]
    assert [r[4] for r in q(fx, "search-measures", phrase="再贷款")] == [B2]
    assert [(r[0], r[2], r[3], r[4]) for r in q(fx, "vocabulary", kind="department")] == [
        ("MIIT", "government department", None, "8"), ("MOF", "government department", None, "4"),
        ("PBC", "government department", None, "5")]
    assert ("RE_GUARANTEE", "再担保", "金融工具", "FINANCING_GUARANTEE", "1") in q(fx, "vocabulary", kind="instrument",
                                                                                lang="zh")
    assert q(fx, "inferred-competent-departments", unordered=("via",)) == [
        ("MOF", MOF_EN, "a_en.txt", "II.", "Tax relief", "TAX_RELIEF", A2),
        ("PBC", PBC_EN, "a_en.txt", "2.", "Re-lending", "CREDIT_LOAN RELENDING", A12),
        ("PBC", PBC_EN, "b_zh.txt", "二、", None, "RELENDING", B2)]


def _variants(nq):
    """The parameter sets to try: the examples, plus each optional one, plus Chinese labels."""
    required = {p.name: p.example for p in nq.params if not p.optional}
    out = [required]
    for p in nq.params:
        if p.optional and p.example:
            out.append({**required, p.name: p.example})
    if any(p.name == "lang" for p in nq.params):
        out.append({**required, "lang": "zh"})
    return out


FIXTURE_EXAMPLES = {  # examples of the fixture where a named query's example names a seed-corpus document or IRI
    "document": "a_en.txt", "subject": A11,
}


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_gives_the_same_rows_on_rdflib_and_oxigraph(name, fx, ox_store):
    nq = named_queries()[name]
    for params in _variants(nq):
        params = {k: FIXTURE_EXAMPLES.get(k, v) for k, v in params.items()}
        a = run_query(fx, name, params, timeout=None)
        b = run_query(ox_store, name, params, timeout=None)
        concat = tuple(a.vars)  # GROUP_CONCAT order is unspecified: compare cells as word multisets
        assert a.vars == b.vars
        assert rows(a, concat) == rows(b, concat), (name, params)


def test_the_same_rows_on_kg_stores_oxigraph_graph(fx, tmp_path):
    store = pytest.importorskip("kg.store.local")
    if not (hasattr(store, "write_store") and hasattr(store, "OxigraphGraph")):
        pytest.skip("kg.store.local has no Oxigraph store")
    target = store.write_store(fx.serialize(format="nt", encoding="utf-8"), tmp_path / "fx.store")
    og = store.OxigraphGraph(target)
    for name, params in (("measures-by-instrument", {"instrument": "FINANCING_GUARANTEE", "lang": "zh"}),
                         ("instruments-by-department", {"department": "PBC", "lang": "zh"}),
                         ("gap-analysis", {}), ("co-issuing-departments", {"department": "PBC"})):
        assert rows(run_query(og, name, params)) == rows(run_query(fx, name, params, timeout=None)), name


# ---------------------------------------------------------------- parameters


def test_parameter_errors_name_the_parameter(fx):
    with pytest.raises(ParameterError, match="missing parameter 'instrument' .*--param instrument=FINANCING_GUARANTEE"):
        run_query(fx, "measures-by-instrument", {})
    with pytest.raises(ParameterError, match="unknown parameter 'colour' for measures-by-instrument"):
        run_query(fx, "measures-by-instrument", {"instrument": "RELENDING", "colour": "red"})
    with pytest.raises(ParameterError, match="did you mean FINANCING_GUARANTEE"):
        run_query(fx, "measures-by-instrument", {"instrument": "FINANCING_GUARANTE"})
    with pytest.raises(ParameterError, match="'PBC' is a department code, not an instrument code"):
        run_query(fx, "measures-by-instrument", {"instrument": "PBC"})
    with pytest.raises(ParameterError, match="language must be en or zh"):
        run_query(fx, "departments", {"lang": "fr"})
    with pytest.raises(ParameterError, match="kind must be one of"):
        run_query(fx, "vocabulary", {"kind": "planet"})
    with pytest.raises(ParameterError, match="role must be targets or involves"):
        run_query(fx, "measures-by-enterprise-type", {"enterprise_type": "SME", "role": "owns"})
    with pytest.raises(ParameterError, match="no document 'a_en.tx' in the graph; did you mean a_en.txt"):
        run_query(fx, "document-summary", {"document": "a_en.tx"})
    with pytest.raises(ParameterError, match="not an IRI"):
        run_query(fx, "link-evidence", {"concept": "RELENDING", "subject": "not an iri"})
    with pytest.raises(QueryNotFound, match="did you mean departments"):
        run_query(fx, "departmnts")


def test_codes_are_case_insensitive_and_labels_resolve(fx):
    lookup = Lookup.for_source(fx)
    assert lookup.find("relending", "instrument") == URIRef(f"{ID}instrument/RELENDING")
    assert lookup.find("PBOC", "department") == URIRef(f"{ID}department/PBC")  # an altLabel
    assert lookup.find("中国人民银行", "department") == URIRef(f"{ID}department/PBC")
    assert lookup.find("MIIT_GO", "department") == URIRef(f"{ID}department/MIIT/GO")  # minted in the graph
    assert lookup.find(f"{ID}region/HB", "region") == URIRef(f"{ID}region/HB")


def test_params_are_rdf_terms():
    nq = named_queries()["link-evidence"]
    b = bind_params(nq, {"concept": "RELENDING", "property": "smekg:usesInstrument"}, Lookup(None))
    assert b["property"] == URIRef("https://w3id.org/smekg/ontology#usesInstrument")
    assert b["lang"] == Literal("en")
    assert bind_params(None, {"x": "it's", "y": "<http://e.org/a>"}) == {"x": Literal("it's"),
                                                                         "y": URIRef("http://e.org/a")}


NASTY = ['x" } UNION { ?measure ?p ?o } #', "x' } UNION { ?measure ?p ?o } #", 'guarantee") || true || ("',
         "guarantee\n} ; DROP ALL ; SELECT * WHERE { ?s ?p ?o", "x\\\" } . ?measure ?p ?o . FILTER(true) #",
         "<http://x> } UNION { ?s ?p ?o }", '"""']


@pytest.mark.parametrize("value", NASTY)
def test_injection_attempts_return_no_extra_rows_and_change_nothing(value, fx, ox_store):
    before = Graph()
    before += fx.triples((None, None, None))
    for source in (fx, ox_store):
        assert run_query(source, "search-measures", {"phrase": value}, timeout=None).rows == []
        for name, params in (("measures-by-instrument", {"instrument": value}),
                             ("document-summary", {"document": value}),
                             ("link-evidence", {"concept": "RELENDING", "subject": value}),
                             ("departments", {"lang": value})):
            with pytest.raises(ParameterError):
                run_query(source, name, params, timeout=None)
    assert isomorphic(before, fx) and len(ox_store) == len(fx)
    # the same value bound to an ad-hoc query: one literal compared as a whole (or refused as a bad <IRI>)
    adhoc = "SELECT ?m WHERE { ?m smekg:text ?t FILTER(CONTAINS(STR(?t), STR(?x))) }"
    for source in (fx, ox_store):
        if value.startswith("<"):
            with pytest.raises(ParameterError, match="not an IRI"):
                run_query(source, adhoc, {"x": value}, timeout=None)
        else:
            assert run_query(source, adhoc, {"x": value}, timeout=None).rows == []


def test_a_quote_in_a_value_is_matched_literally(fx, ox_store):
    g = Graph()
    g += fx.triples((None, None, None))
    g.add((URIRef(B2), URIRef("https://w3id.org/smekg/ontology#text"), Literal('say "hi" } \\ <b> \n done')))
    import pyoxigraph as ox

    store = ox.Store()
    store.load(g.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    for source in (g, store):
        got = run_query(source, "search-measures", {"phrase": 'say "hi" } \\ <b> \n'}, timeout=None)
        assert [r[-1] for r in got.rows] == [URIRef(B2)]
        assert run_query(source, "search-measures", {"phrase": "re-lending\r\n"}, timeout=None).rows == []
    # surrounding blanks around a code are forgiven; inside a phrase they count
    assert run_query(fx, "measures-by-instrument", {"instrument": " RELENDING\n"}, timeout=None).rows


def test_values_binding_for_remote_endpoints_is_rdf_terms_in_the_where_group(fx):
    text = "# WHERE { in a comment\nSELECT ?m WHERE { ?m smekg:text ?t FILTER(CONTAINS(STR(?t), ?x)) }"
    bound = bind_text(text, {"x": Literal('a" } ?s ?p ?o {')})
    assert bound.count("VALUES") == 1 and bound.index("VALUES") > bound.index("SELECT")
    prepare(bound)
    assert run_query(fx, bound, timeout=None).rows == []
    construct = "CONSTRUCT { ?m a smekg:Measure } WHERE { ?m smekg:number ?n }"
    bound = bind_text(construct, {"n": Literal("1.")})
    assert bound.index("VALUES") > bound.index("WHERE")
    assert [r[0] for r in run_query(fx, bound, timeout=None).rows] == [URIRef(A11)]


@pytest.fixture()
def endpoint(ox_store):
    """A minimal SPARQL 1.1 protocol endpoint on 127.0.0.1 over the fixture (Oxigraph), recording queries."""
    import threading
    import urllib.parse
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import pyoxigraph as ox

    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
            query = urllib.parse.parse_qs(body)["query"][0]
            seen.append(query)
            try:
                out = ox_store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
                self.send_response(200)
            except SyntaxError as e:
                out = str(e).encode()
                self.send_response(400)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/query", seen
    server.shutdown()
    server.server_close()


def test_a_remote_endpoint_gets_the_same_checks_and_safe_values(endpoint, fx):
    from kg.sparql import run_remote

    url, seen = endpoint
    for name, params in (("measures-by-instrument", {"instrument": "FINANCING_GUARANTEE", "lang": "zh"}),
                         ("gap-analysis", {}), ("co-issuing-departments", {"department": "PBC"}),
                         ("instrument-timeline", {"instrument": "CREDIT_LOAN"})):
        assert rows(run_remote(url, name, params)) == rows(run_query(fx, name, params, timeout=None)), name
    assert run_remote(url, "search-measures", {"phrase": 'x" } UNION { ?measure ?p ?o } #'}).rows == []
    assert 'VALUES (?phrase) { ("x\\" } UNION { ?measure ?p ?o } #") }' in seen[-1]
    assert run_remote(url, "ASK { ?m smekg:usesInstrument ?i }").boolean is True
    n = len(seen)
    with pytest.raises(QueryError, match="SERVICE is refused"):
        run_remote(url, "SELECT * WHERE { SERVICE <http://e.org/s> { ?s ?p ?o } }")
    with pytest.raises(QueryError, match="DELETE is refused"):
        run_remote(url, "DELETE WHERE { ?s ?p ?o }")
    assert len(seen) == n  # refused before anything is sent


# ---------------------------------------------------------------- refusals and errors

REFUSED = {
    "INSERT DATA { <http://e.org/a> <http://e.org/b> <http://e.org/c> }": "INSERT is refused",
    "PREFIX e: <http://e.org/>\ninsert data { e:a e:b e:c }": "INSERT is refused",
    "DELETE WHERE { ?s ?p ?o }": "DELETE is refused",
    "WITH <http://e.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }": "WITH is refused",
    "LOAD <file:///etc/passwd>": "LOAD is refused",
    "CLEAR ALL": "CLEAR is refused",
    "DROP GRAPH <http://e.org/g>": "DROP is refused",
    "SELECT * WHERE { ?s ?p ?o } ; DROP ALL": "syntax error",
    "SELECT * WHERE { SERVICE <http://e.org/sparql> { ?s ?p ?o } }": "SERVICE is refused",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://e.org/s> { ?s ?q ?r } } }": "SERVICE is refused",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://e.org/s> { ?s ?p ?o } } } }": "SERVICE is refused",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }": "FROM / FROM NAMED is refused",
    "SELECT * FROM NAMED <http://e.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }": "FROM / FROM NAMED is refused",
    "ASK { ?s ?p ?o FILTER EXISTS { SERVICE <http://e.org/s> { ?s ?p ?o } } }": "SERVICE is refused",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE ?endpoint { ?s ?p ?o } }": "SERVICE is refused",
}


@pytest.mark.parametrize("text", REFUSED)
def test_updates_service_and_from_are_refused(text, fx):
    n = len(fx)
    with pytest.raises(QueryError, match=re.escape(REFUSED[text])):
        run_query(fx, text, timeout=None)
    assert len(fx) == n


def test_rdflib_never_loads_graphs_named_in_a_query():
    import rdflib.plugins.sparql

    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False


def test_words_in_comments_strings_and_names_are_not_refused(fx):
    text = ('PREFIX ex: <http://e.org/>\nSELECT ?from WHERE { # DELETE, SERVICE, FROM <x>\n'
            '  ?from smekg:text ?t FILTER(?t != "SERVICE <x> { } FROM <y> INSERT DATA") OPTIONAL { ?from ex:from ?x } }')
    assert len(run_query(fx, text, timeout=None).rows) == 9


def test_syntax_errors_say_where_with_a_caret(fx):
    with pytest.raises(QueryError) as e:
        run_query(fx, "SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?s = )\n}", timeout=None)
    first, line, caret = str(e.value).splitlines()
    assert first.startswith("syntax error at line 3, column 3")
    assert line.strip() == "FILTER(?s = )" and caret.index("^") == line.index("F")
    with pytest.raises(QueryError) as e:
        run_query(fx, "SELECT ?s WHERE { ?s 中文:p ?o }", timeout=None)
    assert "line 1, column 22" in str(e.value)
    with pytest.raises(QueryError) as e:
        run_query(fx, "SELECT ?s WHERE { ?s foo:bar ?o }", timeout=None)
    msg = str(e.value).splitlines()
    assert msg[0].startswith("unknown prefix 'foo:' at line 1, column 22") and msg[2].index("^") == msg[1].index("f")


# ---------------------------------------------------------------- time limit and limit


CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CATASTROPHIC = ('SELECT ?m WHERE { ?m smekg:text ?t '
                'FILTER(REGEX(CONCAT(?t, ?t, ?t, ?t, ?t, ?t), "^(a|aa|.)*(.)*(.)*!$")) }')


@pytest.mark.parametrize("text", [CROSS_JOIN, CATASTROPHIC])
def test_a_runaway_query_is_stopped_at_the_time_limit(text, fx):
    start = time.perf_counter()
    with pytest.raises(QueryTimeout, match="stopped after 0.5s"):
        run_query(fx, text, timeout=0.5)
    assert time.perf_counter() - start < 3
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]  # the worker is gone
    assert len(run_query(fx, "departments", timeout=5).rows) == 6  # and the next query runs


def test_without_fork_the_time_limit_abandons_a_daemon_thread(monkeypatch):
    from kg.sparql.run import Result, run_isolated

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    start = time.perf_counter()
    with pytest.raises(QueryTimeout):
        run_isolated(lambda: time.sleep(1.5) or Result(["x"], []), 0.3)
    assert time.perf_counter() - start < 1
    assert run_isolated(lambda: Result(["x"], [[Literal(1)]]), 2).rows == [[Literal(1)]]
    with pytest.raises(QueryError, match="query failed: ZeroDivisionError"):
        run_isolated(lambda: 1 / 0, 2)


def test_limit_caps_and_says_so(fx):
    res = run_query(fx, "instrument-timeline", limit=3, timeout=None)
    assert len(res.rows) == 3 and res.truncated
    res = run_query(fx, "instrument-timeline", limit=10, timeout=None)
    assert len(res.rows) == 10 and not res.truncated


# ---------------------------------------------------------------- output formats


def test_csv_tsv_json_and_ask(fx):
    res = run_query(fx, "link-evidence", {"concept": "MIIT"}, timeout=None)
    assert to_csv(res).splitlines()[1].startswith("a_en.txt,0,47,Ministry of Industry")
    doc = json.loads(to_json(res))
    assert doc["head"]["vars"] == res.vars
    b = doc["results"]["bindings"][0]
    assert b["subject"] == {"type": "uri", "value": f"{ID}doc/a_en"}
    assert b["start"] == {"type": "literal", "value": "0", "datatype": str(XSD.integer)}
    res = run_query(fx, "aligned-translations", {"lang": "zh"}, timeout=None)
    b = json.loads(to_json(res))["results"]["bindings"]
    assert b[0]["kind"] == {"type": "literal", "value": "政策文件", "xml:lang": "zh"} and "number_a" not in b[0]
    res = run_query(fx, f"SELECT ?t WHERE {{ <{A11}> smekg:text ?t }}", timeout=None)
    res.rows[0][0] = Literal("a\tb\nc")
    assert to_csv(res, "\t") == "t\na b c\n"
    ask = run_query(fx, "ASK { ?m smekg:usesInstrument ?i }", timeout=None)
    assert ask.boolean is True and json.loads(to_json(ask)) == {"head": {}, "boolean": True}


# ---------------------------------------------------------------- the command line


def _golden(name: str, text: str) -> None:
    path = DATA / name
    if os.environ.get("KG_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs (KG_UPDATE_GOLDEN=1 rewrites it)"


GOLDEN = {
    "measures-by-instrument.txt": ["measures-by-instrument", "-p", "instrument=FINANCING_GUARANTEE", "-f", "table"],
    "measures-by-instrument-piped.tsv": ["measures-by-instrument", "-p", "instrument=FINANCING_GUARANTEE"],
    "instruments-by-department-zh.txt": ["instruments-by-department", "-p", "department=PBC", "--lang", "zh", "-f",
                                         "table"],
    "instruments-by-department.csv": ["instruments-by-department", "-p", "department=PBC", "--format", "csv"],
    "gap-analysis.tsv": ["gap-analysis", "--format", "tsv", "--lang", "zh"],
    "departments.json": ["departments", "--format", "json"],
    "quantitative-targets.txt": ["quantitative-targets", "--lang", "zh", "-f", "table"],
}


@pytest.mark.parametrize("name", GOLDEN)
def test_cli_output_matches_the_golden_files(name, runner):
    res = runner.invoke(app, ["query", *GOLDEN[name], "--graph", str(FIXTURE)])
    assert res.exit_code == 0, res.output
    _golden(name, res.stdout)
    assert re.fullmatch(r"\d+ row\(s\) in \d+\.\d\ds\n", res.stderr)


def test_cli_table_aligns_chinese_columns(runner):
    from rich.cells import cell_len

    res = runner.invoke(app, ["query", *GOLDEN["instruments-by-department-zh.txt"], "--graph", str(FIXTURE)])
    lines = [ln for ln in res.stdout.splitlines() if ln.strip() and not set(ln) <= {"─", " "}]
    assert len(lines) == 4 and "信用贷款" in res.stdout
    # the class column starts at the same display column on every line, after 2-column-wide characters
    starts = {cell_len(ln[: ln.index(word)]) for ln, word in zip(lines, ["class", "金融工具", "财税工具", "service instrument"],
                                                                  strict=True)}
    assert len(starts) == 1


def test_cli_limit_and_quiet(runner):
    res = runner.invoke(app, ["query", "instrument-timeline", "--graph", str(FIXTURE), "--limit", "2", "-f", "csv"])
    assert res.exit_code == 0 and res.stdout.count("\n") == 3
    assert res.stderr.startswith("2 row(s) (capped by --limit 2; there are more)")
    res = runner.invoke(app, ["query", "departments", "--graph", str(FIXTURE), "-q", "-f", "csv"])
    assert res.exit_code == 0 and res.stderr == ""


def test_cli_errors_are_one_line_and_exit_1(runner):
    g = ["--graph", str(FIXTURE)]
    for args, expected in ((["measures-by-instrument"], "missing parameter 'instrument'"),
                           (["measures-by-instrument", "-p", "instrument=FINANCING_GUARANTE"], "did you mean"),
                           (["DELETE WHERE { ?s ?p ?o }"], "read-only"),
                           (["SELECT * WHERE { SERVICE <http://e.org/s> { ?s ?p ?o } }"], "SERVICE is refused"),
                           ([CROSS_JOIN, "--timeout", "0.5"], "stopped after 0.5s"),
                           (["nope.rq"], "query file nope.rq not found")):
        res = runner.invoke(app, ["query", *args, *g])
        assert res.exit_code == 1, (args, res.output)
        assert res.stderr.startswith("Error: ") and expected in res.stderr.splitlines()[0]
        assert len(res.stderr.splitlines()) == 1 and "Traceback" not in res.output
    res = runner.invoke(app, ["query", "SELECT ?s WHERE {\n ?s ?p }", *g])
    assert res.exit_code == 1 and res.stderr.splitlines()[0].startswith("Error: syntax error at line 2, column 2")
    assert res.stderr.splitlines()[2].strip() == "^"


def test_cli_usage_errors_exit_2(runner):
    g = ["--graph", str(FIXTURE)]
    assert runner.invoke(app, ["query", "departments", "--format", "xml", *g]).exit_code == 2
    assert runner.invoke(app, ["query", "departments", "-p", "lang", *g]).exit_code == 2
    assert runner.invoke(app, ["query", "departments", "--lang", "fr", *g]).exit_code == 2


def test_cli_queries_lists_every_named_query_and_shows_one(runner, tmp_path):
    res = runner.invoke(app, ["queries"])
    assert res.exit_code == 0
    for name, nq in named_queries().items():
        assert name in res.stdout and nq.title in res.stdout
    assert "instrument (instrument code) e.g. FINANCING_GUARANTEE" in res.stdout
    res = runner.invoke(app, ["queries", "gap-analysis"])
    assert res.exit_code == 0 and res.stdout == resolve("gap-analysis")[0]
    f = tmp_path / "mine.rq"
    f.write_text("# title: Mine\n# param: code (instrument code) e.g. RELENDING\n"
                 "SELECT ?m WHERE { ?m smekg:usesInstrument ?code }", encoding="utf-8")
    res = runner.invoke(app, ["query", str(f), "-p", "code=RELENDING", "--graph", str(FIXTURE), "-f", "csv"])
    assert res.exit_code == 0 and sorted(res.stdout.splitlines()[1:]) == [A12, B2]
