"""The vocabularies hold every code of SPEC §4, each with an English and a Chinese preferred label."""

import pytest
from rdflib.namespace import RDF, SKOS

from kg.namespaces import SMEKG
from kg.vocab import load_vocabulary, ontology_graph

DEPARTMENTS = ["MIIT", "NDRC", "MOST", "MOF", "MOHRSS", "MEE", "MARA", "MOFCOM", "MCT", "PBC", "GACC", "SAT",
               "SAMR", "NBS", "CBIRC", "CSRC", "CNIPA"]
ENTERPRISE_TYPES = ["SME", "MSME", "SMALL_MICRO", "SRDI_SME", "LITTLE_GIANT", "SINGLE_CHAMPION",
                    "KEY_EPIDEMIC_ENTERPRISE", "LARGE_ENTERPRISE", "SOE", "LEADING_ENTERPRISE",
                    "SMALL_SCALE_TAXPAYER", "INDIVIDUAL_BUSINESS"]
FINANCING = ["CREDIT_LOAN", "MEDIUM_LONG_TERM_LOAN", "FIRST_LOAN", "LOAN_RENEWAL", "LOAN_INTEREST_RATE_CUT",
             "INTEREST_SUBSIDY", "EMERGENCY_BRIDGE_LOAN_FUND", "LOAN_RISK_COMPENSATION_FUND", "FINANCING_GUARANTEE",
             "RE_GUARANTEE", "SUPPLY_CHAIN_FINANCE", "FACTORING", "RECEIVABLES_FINANCING", "IP_PLEDGE_FINANCING",
             "MOVABLE_ASSET_PLEDGE", "INSURANCE", "INTERNET_FINANCE", "EQUITY_FINANCING", "VENTURE_CAPITAL",
             "SME_DEVELOPMENT_FUND", "CAPITAL_MARKET_LISTING", "BOND_FINANCING", "RELENDING", "REDISCOUNT",
             "DIFFERENTIATED_RESERVE_RATIO", "CREDIT_INFORMATION"]
FISCAL = ["TAX_RELIEF", "TAX_DEFERRAL", "FEE_REDUCTION", "SOCIAL_INSURANCE_RELIEF", "RENT_REDUCTION",
          "UTILITY_DEFERRAL", "SPECIAL_FUND", "EMPLOYMENT_SUBSIDY", "GOVERNMENT_PROCUREMENT", "ARREARS_CLEARANCE"]


def _codes(kind):
    return {c.notation: c for c in load_vocabulary().of_kind(kind)}


@pytest.mark.parametrize("kind, codes", [("department", DEPARTMENTS), ("enterprise-type", ENTERPRISE_TYPES),
                                         ("instrument", FINANCING + FISCAL)])
def test_vocab_has_every_spec_code_with_both_labels(kind, codes):
    found = _codes(kind)
    for code in codes:
        assert code in found, f"{code} missing from the {kind} vocabulary"
        langs = {lab.lang for lab in found[code].labels if lab.kind == "pref"}
        assert {"en", "zh"} <= langs, f"{code} lacks an en or zh prefLabel"


def test_vocab_instrument_classes_follow_the_spec():
    found = _codes("instrument")
    assert all(found[c].instrument_class == "FinancingInstrument" for c in FINANCING)
    assert all(found[c].instrument_class == "FiscalInstrument" for c in FISCAL)


def test_vocab_every_concept_has_one_notation_and_a_scheme():
    g = ontology_graph()
    for cls in (SMEKG.Department, SMEKG.EnterpriseType, SMEKG.Instrument, SMEKG.Region):
        for s in g.subjects(RDF.type, cls):
            assert len(list(g.objects(s, SKOS.notation))) == 1, s
            assert list(g.objects(s, SKOS.inScheme)), s


def test_vocab_broader_points_at_known_concepts():
    by_iri = load_vocabulary().by_iri
    for c in load_vocabulary().concepts:
        for b in c.broader:
            assert b in by_iri, f"{c.notation} broader {b} is not a concept"


def test_vocab_competent_departments_are_departments():
    by_iri = load_vocabulary().by_iri
    for c in load_vocabulary().of_kind("instrument"):
        for d in c.competent:
            assert by_iri[d].kind == "department", (c.notation, d)


def test_vocab_namespace_terms_are_declared_in_the_ontology():
    from kg.namespaces import SMEKG as NS

    g = ontology_graph()
    declared = {str(s) for s in g.subjects()}
    for name in NS.__annotations__:
        assert str(NS[name]) in declared, f"smekg:{name} is used in code but not declared in ontology/"


def test_vocab_find_suggests_near_misses():
    from kg.errors import UnknownTerm

    with pytest.raises(UnknownTerm, match="did you mean FINANCING_GUARANTEE"):
        load_vocabulary().find("FINANCING_GUARANTE")
