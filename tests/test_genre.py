"""Documents of the genre that are not in the seed corpus (tests/data/genre, sources in its README):
metadata, segmentation and the links an analyst would check by hand."""

from pathlib import Path

import pytest

from kg.text.extract import extract_source, links
from kg.text.read import read_source

GENRE = Path(__file__).resolve().parent / "data" / "genre"


def _doc(name):
    return extract_source(read_source(GENRE / name))


def _issuers(rec):
    return {i.notation for i in rec.meta.issuers}


def _linked(rec, measure, props=("usesInstrument",)):
    return {ln.mention.notation for ln in links(rec, measure) if ln.prop in props}




@pytest.mark.parametrize("name, issuers, date, number, measures", [
    ("en_mof_sat_2019_13_tax_relief.txt", {"MOF", "SAT"}, "2019-01-17", "Cai Shui [2019] No. 13", 5),
    ("zh_mof_sat_2019_13_tax_relief.txt", {"MOF", "SAT"}, "2019-01-17", "财税〔2019〕13号", 5),
    ("en_pbc_2020_deferral_notice.txt", {"PBC", "CBIRC", "MOF", "NDRC", "MIIT"}, "2020-06-01", "Yin Fa [2020] No. 122", 4),
    ("zh_state_council_general_office_2019_no6_financing_guarantee_funds.txt",
     {"STATE_COUNCIL", "STATE_COUNCIL_GENERAL_OFFICE"}, "2019-01-22", "国办发〔2019〕6号", 27),
    ("zh_sme_promotion_law_excerpt.txt", {"NPC", "NPC_STANDING_COMMITTEE"}, "2017-09-01", None, 8),
])
def test_genre_metadata_and_segmentation(name, issuers, date, number, measures):
    rec = _doc(name)
    assert _issuers(rec) == issuers
    assert rec.meta.date == date
    assert rec.meta.doc_number == number
    assert len(rec.measures()) == measures


def test_genre_state_council_document_has_no_ministry_issuer_and_body_departments_are_not_issuers():
    rec = _doc("zh_state_council_general_office_2019_no6_financing_guarantee_funds.txt")
    assert not any(load.kind == "department" for load in _concepts(i.iri for i in rec.meta.issuers))
    closing = rec.root.children[-1]
    assert closing.kind == "preamble" and "财政部要会同" in rec.source.text[closing.start:closing.end]


def _concepts(iris):
    from kg.vocab import load_vocabulary

    by = load_vocabulary().by_iri
    return [by[i] for i in iris]


def test_genre_tax_notice_links():
    rec = _doc("zh_mof_sat_2019_13_tax_relief.txt")
    m = rec.measures()
    assert _linked(rec, m[0]) == {"TAX_RELIEF"}
    assert "SMALL_SCALE_TAXPAYER" in _linked(rec, m[0], ("targets",))
    assert "SMALL_MICRO" in _linked(rec, m[1], ("targets",))
    financing = {c.notation for c in _all_instruments() if c.instrument_class == "FinancingInstrument"}
    assert not any(_linked(rec, x) & (financing - {"VENTURE_CAPITAL"}) for x in m)


def _all_instruments():
    from kg.vocab import load_vocabulary

    return load_vocabulary().of_kind("instrument")


def test_genre_pbc_notice_links_and_prohibition():
    rec = _doc("en_pbc_2020_deferral_notice.txt")
    m = rec.measures()
    assert "LOAN_RENEWAL" in _linked(rec, m[0])
    assert {"SMALL_MICRO", "INDIVIDUAL_BUSINESS"} <= _linked(rec, m[0], ("targets",))
    assert {"RELENDING", "REDISCOUNT"} <= _linked(rec, m[1])
    assert {"CREDIT_LOAN", "FIRST_LOAN"} <= _linked(rec, m[2])
    assert {"FINANCING_GUARANTEE", "FEE_REDUCTION"} <= _linked(rec, m[3])


def test_genre_guarantee_opinions_forbidden_equity_investment_is_not_an_instrument():
    rec = _doc("zh_state_council_general_office_2019_no6_financing_guarantee_funds.txt")
    fifth = rec.measures()[4]  # （五）回归担保主业: "不得向非融资担保机构进行股权投资"
    assert fifth.heading == "回归担保主业"
    assert "EQUITY_FINANCING" not in _linked(rec, fifth)
    assert "FINANCING_GUARANTEE" in _linked(rec, fifth)


def test_genre_law_articles_and_chapters():
    rec = _doc("zh_sme_promotion_law_excerpt.txt")
    numbers = [m.number for m in rec.measures()]
    assert numbers[:2] == ["第一条", "第二条"] and numbers[-1] == "第十四条"
    eleventh = rec.measures()[5]
    assert {"TAX_RELIEF", "TAX_DEFERRAL"} <= _linked(rec, eleventh)
