"""kg.rdf.align's grouping of documents into policies: a document number joins two documents only when
it is each one's own (printed in its head), never one its text cites; a policy's versions are aligned
with one representative each, not pairwise."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import RDF

from kg.namespaces import SMEKG
from kg.rdf import align
from kg.rdf.corpus import corpus_sections
from kg.rdf.graph import assemble
from kg.rdf.iris import doc_iris
from kg.rdf.turtle import Rendered
from kg.text.docview import DocView
from tests.conftest import extract_text

DOC = "https://w3id.org/smekg/id/doc/"

TOPICS = ["融资担保", "创业孵化", "技术改造", "人才培训", "出口信贷", "数字化转型", "绿色制造"]

CITING_ZH = """关于做好{t}工作的通知
根据《国务院办公厅关于有效发挥政府性融资担保基金作用切实支持小微企业和“三农”发展的指导意见》(国办发〔2019〕6号)，现就做好{t}工作通知如下：
一、加大对小微企业{t}的支持力度，各地要安排专项资金。
二、简化{t}办理流程，提高服务效率。
三、加强{t}工作的监督检查。
"""

CITING_EN = """Notice on Doing a Good Job in {t}
In accordance with the Guiding Opinions (Guo Ban Fa [2019] No. 6), the work on {t} is hereby notified as follows:
1. Increase support for small and micro enterprises in {t}, and arrange special funds.
2. Simplify the procedures of {t} and improve the efficiency of services.
3. Strengthen the supervision of the work on {t}.
"""

OWN_ZH = """国务院办公厅关于支持小微企业融资的通知
国办发〔2019〕6号
一、加大信用贷款。银行要增加对小微企业的信用贷款和首贷。
二、降低收费。地方政府要减免小微企业行政事业性收费和租金。
三、支持上市融资。支持中小企业在资本市场上市，发行债券。
"""

EN_TOPICS = ["guarantees", "incubation", "technical upgrading", "training", "export credit", "digital change",
             "green manufacturing"]


def _views(texts: list[tuple[str, str]]) -> list[DocView]:
    records = [extract_text(t, name) for name, t in texts]
    iris = doc_iris(records)
    return [DocView.of(r, iris[r.source.path]) for r in records]


def _citing_corpus() -> list[tuple[str, str]]:
    docs = [(f"zh_cite_{i}.txt", CITING_ZH.format(t=t)) for i, t in enumerate(TOPICS)]
    docs += [(f"en_cite_{i}.txt", CITING_EN.format(t=t)) for i, t in enumerate(EN_TOPICS)]
    return docs


def test_a_number_cited_in_the_text_is_not_the_documents_own():
    views = _views(_citing_corpus()[:1] + [("zh_own.txt", OWN_ZH)])
    citing, own = views
    assert citing.record.meta.doc_number == "国办发〔2019〕6号", "metadata takes the cited number (the case at hand)"
    assert align.own_number(citing) is None and align.own_doc_number(citing) is None
    assert align.own_number(own)[1:] == (2019, 6)
    assert align.own_doc_number(own) == "国办发〔2019〕6号"


def test_many_documents_citing_one_number_stay_distinct_policies():
    texts = _citing_corpus() + [("zh_own.txt", OWN_ZH)]
    records = [extract_text(t, name) for name, t in texts]
    iris = doc_iris(records)
    _, summary = corpus_sections(records, iris, own=lambda r, d: Rendered.of([]))
    sizes = sorted(len(docs) for docs in summary.policies.values())
    assert sizes == [1] * len(texts), summary.policies
    assert summary.alignments == []
    # the document that is 国办发〔2019〕6号 names its policy; no citing one takes that IRI
    named = [p for p in summary.policies if p.endswith("2019%E3%80%956号")]
    assert [summary.policies[p] for p in named] == [[str(iris[r.source.path]) for r in records
                                                     if r.source.name == "zh_own.txt"]]


def test_versions_are_aligned_with_one_representative_not_pairwise():
    zh = OWN_ZH
    zh_copy = OWN_ZH.replace("一、加大信用贷款。", "一、加大信用贷款力度。")
    en = """Notice of the General Office of the State Council on Supporting Financing of Small and Micro Enterprises
Guo Ban Fa [2019] No. 6
1. Increase credit loans. Banks shall increase credit loans and first loans for small and micro enterprises.
2. Reduce fees. Local governments shall reduce administrative fees and rents for small and micro enterprises.
3. Support listing. Support small and medium-sized enterprises to list on the capital market and issue bonds.
"""
    views = _views([("a_en.txt", en), ("b_zh.txt", zh), ("c_zh.txt", zh_copy), ("d_zh.txt", zh)])
    seen: list[tuple[str, str]] = []

    def aligned(a, b):
        seen.append((str(a.doc), str(b.doc)))
        return align.align(a, b)

    groups, joined = align.group(views, aligned=aligned)
    assert [len(g) for g in groups] == [4]
    first = str(views[0].doc)
    assert [(str(a.doc), str(b.doc)) for a, b, _ in joined] == [(first, str(v.doc)) for v in views[1:]]
    assert all(a == first for a, _ in seen) and len(seen) == 3, seen
    g = assemble([v.record for v in views], with_ontology=False)
    assert len(set(g.subjects(RDF.type, SMEKG.TranslationAlignment))) == 3
    assert set(g.objects(URIRef(first), SMEKG.alignedWith)) == {v.doc for v in views[1:]}


UNDATED_ZH = """关于支持小微企业融资的通知
各有关单位：
一、加大信用贷款。银行要增加对小微企业的信用贷款和首贷。
二、降低收费。地方政府要减免小微企业行政事业性收费和租金。
{date}
"""


def test_edge_dates_are_found_with_the_document_and_the_grouping_reads_them(monkeypatch):
    """A document without an issue date is blocked by the dates of its first and last units: found once
    where it is extracted (Findings.edge_dates, kept in the cache), not scanned again at every build."""
    from kg.rdf.findings import find_in_document

    views = _views([("a.txt", UNDATED_ZH.format(date="本通知自2021年3月3日起施行。")),
                    ("b.txt", UNDATED_ZH.format(date="请于2021年3月3日前报送。")),
                    ("c.txt", UNDATED_ZH.format(date="本通知自发布之日起施行。"))])
    for v in views:
        v.found = find_in_document(v.record, v.doc)
    assert [v.found.edge_dates for v in views[:2]] == [frozenset({"03-03"})] * 2
    assert views[2].found.edge_dates == frozenset()
    assert all(align.issue_date(v)[0] is None for v in views), "the case at hand: no issue date"
    assert [align._date_keys(v) for v in views] == [align.edge_dates(v) for v in views]

    def no_scan(*_a, **_k):
        raise AssertionError("the edge dates were scanned again")

    monkeypatch.setattr(align, "find_dates", no_scan)
    keys = [align._block_keys(v) for v in views]
    assert keys[0] == keys[1] == {"date:03-03"} and keys[2] == set()
