"""kg.rdf.corpus: quantities, citations, policies across languages with measure alignment, observations and
inferred competent departments — on invented clauses and on the seed corpus."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from kg.namespaces import ELI, ID, OA, SCHEMA, SMEKG
from kg.rdf.assemble import Assembler
from kg.rdf.corpus import align, citations
from kg.rdf.graph import assemble
from kg.rdf.iris import doc_iris
from kg.text.docview import DocView
from kg.text.quantities import find_quantities
from tests.conftest import extract_text

SOSA = "http://www.w3.org/ns/sosa/"
DOC = "https://w3id.org/smekg/id/doc/"


def _q(text: str, lang: str = "en", year: int | None = 2021):
    return find_quantities(text, 0, len(text), lang, year)


# ---------------------------------------------------------------- quantities on invented clauses


@pytest.mark.parametrize("text, lang, kind, value, bound, unit, measured", [
    ("The share of loans to micro enterprises shall not be lower than 25% of new loans.", "en",
     "percentage", "25", "min", "%", "share of loans to micro enterprises"),
    ("Each enterprise may receive a subsidy of up to RMB 200,000.", "en", "amount", "200000", "max", "CNY", "subsidy"),
    ("The central government will arrange 1.5 billion yuan for the fund.", "en", "amount", "1500000000", "exact",
     "CNY", None),
    ("The guarantee fee rate shall be no more than 1.5 percent.", "en", "percentage", "1.5", "max", "%",
     "guarantee fee rate"),
    ("Repayment may be deferred for up to six months.", "en", "duration", "6", "max", "month", None),
    ("担保费率原则上不超过1.5%。", "zh", "percentage", "1.5", "max", "%", "担保费率"),
    ("对单户授信1000万元及以下的小微企业贷款给予贴息。", "zh", "amount", "10000000", "max", "CNY", "单户授信"),
    ("中央财政安排3,000亿元专项再贷款。", "zh", "amount", "300000000000", "exact", "CNY", "专项再贷款"),
    ("首贷户比例达到30%以上。", "zh", "percentage", "30", "min", "%", "首贷户比例"),
    ("延期还本付息期限最长不超过6个月。", "zh", "duration", "6", "max", "month", None),
    ("全年新增培育专精特新企业2000家以上。", "zh", "count", "2000", "min", "家", None),
])
def test_enrich_quantities_value_unit_bound_and_what_they_measure(text, lang, kind, value, bound, unit, measured):
    qs = [q for q in _q(text, lang) if q.kind == kind]
    assert len(qs) == 1, _q(text, lang)
    q = qs[0]
    assert q.value == Decimal(value) and q.bound == bound and q.unit == unit
    assert text[q.start:q.end] == q.exact
    if measured:
        assert q.measured == measured


@pytest.mark.parametrize("text, lang", [
    ("help enterprises overcome difficulties with 2.4 lubricating oil analysis method", "en"),
    ("8 Increase credit support. The notice (Enterprise letter [2020] No. 72) was issued on 9 February 2020.", "en"),
    ("In accordance with Article 12 of No. 13 [2019] of the Ministry of Finance, since 2019, 5G networks.", "en"),
    ("根据国发〔2015〕43号文件第五条，2020年2月9日印发，3月24日起施行。", "zh"),
    ("（三）加强信用信息共享。", "zh"),
])
def test_enrich_quantities_skip_numbering_dates_document_and_article_numbers(text, lang):
    assert _q(text, lang) == []


@pytest.mark.parametrize("text, lang, masks", [
    ("Banks shall increase credit loans to small and micro enterprises.", "en", 0),
    ("根据国发〔2015〕43号文件第五条，2020年2月9日印发，3月24日起施行。", "zh", 0),
    ("In accordance with Article 12 of No. 13 [2019] of the Ministry of Finance, 25% of new loans.", "en", 1),
    ("对单户授信1000万元及以下的小微企业贷款给予贴息。", "zh", 1),
])
def test_enrich_quantities_masks_are_worked_out_only_for_a_candidate(monkeypatch, text, lang, masks):
    from kg.text import quantity_cues

    calls = []
    real = quantity_cues.masked_spans
    monkeypatch.setattr(quantity_cues, "masked_spans", lambda t, lg: calls.append(t) or real(t, lg))
    _q(text, lang)
    assert len(calls) == masks


def test_enrich_quantities_deadlines_resolve_against_the_document_year():
    en = [q for q in _q("Submit the summary to the Ministry before the end of the year.") if q.kind == "deadline"]
    assert [q.due for q in en] == ["2021-12-31"]
    zh = [q for q in _q("各地于2022年6月底前报送工作进展。", "zh") if q.kind == "deadline"]
    assert [q.due for q in zh] == ["2022-06-30"]


def test_enrich_quantities_change_and_reference_date():
    text = "The utilisation rate reached 64.5% on April 30, an increase of 3.2 percentage points from March 31."
    rate, change = _q(text)
    assert (rate.value, rate.measured, (rate.date.month, rate.date.day)) == (Decimal("64.5"), "utilisation rate",
                                                                          (4, 30))
    assert change.kind == "percentage-point" and change.measured == "increase in utilisation rate"
    assert (change.since.month, change.since.day) == (3, 31)


# ---------------------------------------------------------------- citations on invented documents

EN_DOC = """Notice of the Ministry of Finance on tax policies for inclusive finance

No. 13 [2019] of the Ministry of Finance

1. Scope. On the basis of the Law on the Promotion of Small and Medium-sized Enterprises, banks shall apply \
the Interim Measures for the Administration of Loans to Small Businesses. The rules follow the Circular on \
Further Supporting Micro Enterprises (Caishui [2018] No. 77).

2. Duration. The policy applies for three years.
"""

ZH_DOC = """财政部关于支持小微企业融资有关税收政策的通知
财税〔2019〕13号
一、根据《中华人民共和国中小企业促进法》和《国务院关于促进融资担保行业加快发展的意见》（国发〔2015〕43号），制定本通知。
二、按照财税〔2018〕77号的规定执行。
财政部
2019年1月17日
"""


def test_enrich_citations_english_titles_and_document_numbers():
    r = extract_text(EN_DOC, "en_mof.txt")
    cits = citations.find_citations(DocView.of(r, URIRef(DOC + "en_mof")))
    titles = {c.title for c in cits if c.title}
    assert "Law on the Promotion of Small and Medium-sized Enterprises" in titles
    assert "Interim Measures for the Administration of Loans to Small Businesses" in titles
    numbers = {c.number[1:] for c in cits if c.number}
    assert (2018, 77) in numbers
    assert (2019, 13) not in numbers, "the document's own number is not a citation"


def test_enrich_citations_chinese_book_titles_with_their_number():
    r = extract_text(ZH_DOC, "zh_mof.txt")
    cits = citations.find_citations(DocView.of(r, URIRef(DOC + "zh_mof")))
    by_title = {c.title: c for c in cits if c.title}
    assert set(by_title) == {"中华人民共和国中小企业促进法", "国务院关于促进融资担保行业加快发展的意见"}
    assert by_title["国务院关于促进融资担保行业加快发展的意见"].number == ("国发", 2015, 43)
    assert [c.number for c in cits if c.kind == "number"] == [("财税", 2018, 77)]


def test_enrich_citation_matching_by_number_title_and_issuer_date():
    import datetime as dt

    index = citations.CitationIndex([
        citations.DocInfo("d1", "p1", "zh", "国务院关于促进融资担保行业加快发展的意见", ("国发", 2015, 43), {"SC"}, None),
        citations.DocInfo("d2", "p2", "en", "Notice on Helping SMEs Resume Work", None, {"MIIT"}, dt.date(2020, 2, 9)),
    ])
    by_number = citations.Citation(0, 9, "国发〔2015〕43号", "number", "zh", number=("国发", 2015, 43))
    assert [d.iri for d in index.match(by_number)[0]] == ["d1"]
    other = citations.Citation(0, 9, "国发〔2015〕44号", "number", "zh", number=("国发", 2015, 44))
    assert index.match(other)[0] == []
    by_title = citations.Citation(0, 9, "x", "title", "en", title="the notice on helping SMEs resume work")
    assert [d.iri for d in index.match(by_title)[0]] == ["d2"]
    from kg.text.dates import PartialDate

    by_date = citations.Citation(0, 9, "x", "issued", "en", issuers=("MIIT",), date=PartialDate(2, 9))
    assert [d.iri for d in index.match(by_date, 2020)[0]] == ["d2"]
    assert index.match(by_date, 2021)[0] == [], "a year printed in the citing document must agree"



@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefgh SME-", max_size=60), st.text(alphabet="abcdefgh SME-", max_size=60),
       st.sampled_from([0.5, 0.85, 0.95]))
def test_enrich_title_similarity_floor_gives_the_same_verdict_as_the_full_comparison(a, b, floor):
    """The floor lets title similarity stop early (a length bound, then difflib's quick ratios): a title is
    at or above the floor exactly when its full similarity is, and the full value is given then."""
    full = citations.title_similarity(a, b, "en")
    quick = citations.title_similarity(a, b, "en", floor=floor)
    assert (quick >= floor) == (full >= floor)
    if full >= floor:
        assert quick == full


def test_enrich_title_similarity_rejects_a_title_of_very_different_length_below_the_floor():
    short, long_ = "Law on Promoting SMEs", "Law on Promoting SMEs and Their Development in Every Region of the Country"
    assert citations.title_similarity(short, long_, "en", floor=0.85) < 0.85
    assert citations.title_similarity(short, short + " Act", "en", floor=0.85) >= 0.85


# ---------------------------------------------------------------- one policy in two languages

EN_POLICY = """Notice of the Ministry of Industry and Information Technology on supporting small and micro enterprises
Gong Xin [2021] No. 5

1. Increase credit loans. Banks shall increase credit loans and first loans for small and micro enterprises.
2. Reduce fees. Local governments shall reduce administrative fees and rents for small and micro enterprises.
3. Support listing. Support small and medium-sized enterprises to list on the capital market and issue bonds.
4. Train workers. Give training subsidies to small and micro enterprises.

Ministry of Industry and Information Technology
March 3, 2021
"""

ZH_POLICY = """工业和信息化部关于支持小微企业的通知
工信部〔2021〕5号
1.支持上市融资。支持中小企业在资本市场上市，发行债券。
2.加大信用贷款。银行要增加对小微企业的信用贷款和首贷。
3.降低收费。地方政府要减免小微企业行政事业性收费和租金。
工业和信息化部
2021年3月3日
"""


def _pair():
    en = extract_text(EN_POLICY, "en_policy.txt")
    zh = extract_text(ZH_POLICY, "zh_policy.txt")
    return DocView.of(en, URIRef(DOC + "en_policy")), DocView.of(zh, URIRef(DOC + "zh_policy"))


def test_enrich_align_shuffled_versions_by_content_and_reports_the_rest():
    en, zh = _pair()
    ok, al, why = align.same_policy(en, zh)
    assert ok, why
    pairs = {(p.a.number, p.b.number) for p in al.pairs}
    assert {("1.", "2."), ("2.", "3."), ("3.", "1.")} <= pairs, al.pairs
    assert [m.number for m in al.unaligned_a] == ["4."]
    assert al.unaligned_b == []


def test_enrich_versions_with_different_numbers_are_different_policies():
    en, zh = _pair()
    other = extract_text(ZH_POLICY.replace("〔2021〕5号", "〔2021〕6号"), "zh_other.txt")
    ok, _, why = align.same_policy(en, DocView.of(other, URIRef(DOC + "zh_other")))
    assert not ok and "document number" in why


def test_enrich_graph_of_two_versions_is_one_policy_with_aligned_measures():
    records = [extract_text(EN_POLICY, "en_policy.txt"), extract_text(ZH_POLICY, "zh_policy.txt")]
    g = assemble(records, with_ontology=False)
    docs = [URIRef(DOC + "en_policy"), URIRef(DOC + "zh_policy")]
    policies = {g.value(d, ELI.realizes) for d in docs}
    assert len(policies) == 1 and None not in policies
    policy = policies.pop()
    assert set(g.objects(policy, ELI.is_realized_by)) == set(docs)
    assert (docs[0], SMEKG.alignedWith, docs[1]) in g
    aligned = [(a, b) for a, b in g.subject_objects(SMEKG.alignedWith) if str(a).startswith(str(docs[0]) + "/")]
    assert len(aligned) == 3 and all((b, SMEKG.alignedWith, a) in g for a, b in aligned)
    ev = [e for e in g.subjects(SMEKG.linkProperty, SMEKG.alignedWith) if (e, RDF.type, SMEKG.Inference) in g]
    assert ev and all(len(set(g.objects(e, OA.hasTarget))) == 2 for e in ev), "one target in each version"


def test_enrich_is_deterministic():
    records = [extract_text(EN_POLICY, "en_policy.txt"), extract_text(ZH_POLICY, "zh_policy.txt")]
    g1 = set(assemble(records, with_ontology=False))
    g2 = set(assemble(list(reversed(records)), with_ontology=False))
    assert g1 == g2
    assert not any(t for triple in g1 for t in triple if t.__class__.__name__ == "BNode")


# ---------------------------------------------------------------- the seed corpus


def test_enrich_seed_notice_in_two_languages_is_one_policy(seed_graph):
    en, zh = URIRef(DOC + "000_5c6d6f51adc04f3c"), URIRef(DOC + "001_deac6e865badb210")
    assert seed_graph.value(en, ELI.realizes) == seed_graph.value(zh, ELI.realizes) is not None
    al = next(seed_graph.subjects(SMEKG.alignsDocument, en))
    aligned = int(seed_graph.value(al, SMEKG.alignedMeasureCount))
    unaligned = set(seed_graph.objects(al, SMEKG.unalignedMeasure))
    measures_en = {m for m in seed_graph.subjects(RDF.type, SMEKG.Measure) if str(m).startswith(str(en) + "/")}
    matched_en = {m for m in measures_en if any(str(o).startswith(str(zh)) for o in
                                                seed_graph.objects(m, SMEKG.alignedWith))}
    assert aligned >= 12 and matched_en | (unaligned & measures_en) == measures_en
    credit = next(m for m in measures_en if str(seed_graph.value(m, SMEKG.number)).startswith("8"))
    counterpart = seed_graph.value(credit, SMEKG.alignedWith)
    assert "信贷" in str(seed_graph.value(counterpart, SMEKG.text))


def test_enrich_seed_procurement_share_is_a_minimum_of_thirty_percent(seed_graph):
    rows = list(seed_graph.query("""SELECT ?m ?what WHERE { ?m smekg:quantity ?q ; smekg:number "(8)" .
        ?q schema:minValue ?v ; schema:unitText "%" ; smekg:quantityOf ?what . FILTER(?v = 30) }""",
                                 initNs={"smekg": SMEKG, "schema": SCHEMA}))
    assert len(rows) == 1 and "procurement" in str(rows[0][1])
    assert str(rows[0][0]).startswith(DOC + "003_7b45b40aa43ec948/")


def test_enrich_seed_news_item_reports_the_resumption_rate_of_the_notice(seed_graph):
    news = DOC + "004_fd1c064580b13356"
    policy = seed_graph.value(URIRef(DOC + "000_5c6d6f51adc04f3c"), ELI.realizes)
    obs = [o for s, o in seed_graph.subject_objects(SMEKG.reportsObservation) if str(s).startswith(news)]
    rates = [o for o in obs if seed_graph.value(seed_graph.value(o, URIRef(SOSA + "hasResult")), SCHEMA.value)
             == Literal(Decimal("71.7"), datatype=XSD.decimal)]
    assert rates
    for o in rates:
        assert seed_graph.value(o, SCHEMA.observationDate) == Literal("2020-03-24", datatype=XSD.date)
        assert seed_graph.value(o, SCHEMA.observationAbout) == policy
    assert (URIRef(news), SMEKG.cites, policy) in seed_graph


def test_enrich_seed_competent_departments_are_inferred_not_issued(seed_graph):
    pbc = ID["department/PBC"]
    relending = ID["instrument/RELENDING"]
    measures = set(seed_graph.subjects(SMEKG.usesInstrument, relending))
    assert measures and all((m, SMEKG.inferredCompetentDepartment, pbc) in seed_graph for m in measures)
    for inf in seed_graph.subjects(RDF.type, SMEKG.Inference):
        if seed_graph.value(inf, SMEKG.linkProperty) != SMEKG.inferredCompetentDepartment:
            continue
        measure, dept = seed_graph.value(inf, SMEKG.evidenceFor), seed_graph.value(inf, OA.hasBody)
        instrument = seed_graph.value(inf, SMEKG.inferredFrom)
        assert (instrument, SMEKG.competentDepartment, dept) in seed_graph
        assert (measure, SMEKG.usesInstrument, instrument) in seed_graph
        source = seed_graph.value(inf, PROV.wasDerivedFrom)
        assert source is not None and seed_graph.value(source, SMEKG.linkProperty) == SMEKG.usesInstrument
    assert not set(seed_graph.subjects(SMEKG.issuedBy, None)) & {
        inf for inf in seed_graph.subjects(RDF.type, SMEKG.Inference)}


@pytest.mark.parametrize("name", ["effect-statistics", "unaligned-measures", "citation-network",
                                  "competent-departments", "policy-versions"])
def test_enrich_named_queries_answer_on_the_seed(seed_graph, name):
    from kg.sparql import run_query

    res = run_query(seed_graph, name, {})
    assert res.rows, f"{name} gave no rows"


def test_enrich_named_query_effect_statistics_answers(seed_graph):
    from kg.sparql import run_query

    res = run_query(seed_graph, "effect-statistics", {"document": "004_fd1c064580b13356.txt"})
    rows = [dict(zip(res.vars, r, strict=True)) for r in res.rows]
    assert any(str(r["what"]) == "resumption rate of SMEs" and str(r["date"]) == "2020-03-24" for r in rows)


def test_enrich_seed_assembly_without_enrich_has_no_inferences(seed_records):
    a = Assembler(with_ontology=False)
    records = list(seed_records.values())
    iris = doc_iris(records)
    for r in records:
        a.add_record(r, iris[r.source.path])
    assert not list(a.g.to_graph().subject_objects(SMEKG.inferredCompetentDepartment)), \
        "inferred departments come from kg.rdf.corpus only, never from the stated links"
