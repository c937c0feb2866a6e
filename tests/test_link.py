"""Linking on invented clauses: what is an instrument and what only looks like one (SPEC §4), roles,
negation, regions, and both languages."""

import pytest

from tests.conftest import extract_text


def _links(text, name="t.txt"):
    from kg.text.extract import links

    rec = extract_text(text, name)
    out = set()
    for m in rec.measures():
        out |= {(ln.prop, ln.mention.notation) for ln in links(rec, m)}
    return out


def _codes(text, prop=None):
    return {c for p, c in _links(text) if prop is None or p == prop}


@pytest.mark.parametrize("text, present, absent", [
    ("We will strengthen intellectual property protection for small and medium-sized enterprises.",
     {"SME"}, {"IP_PLEDGE_FINANCING"}),
    ("Promote the financing and development of large and small enterprises.", set(), {"CREDIT_LOAN", "EQUITY_FINANCING"}),
    ("Support intellectual property pledge financing for technology-based SMEs.", {"IP_PLEDGE_FINANCING"}, set()),
    ("Banks shall increase credit loans and medium- and long-term loans to micro and small enterprises.",
     {"CREDIT_LOAN", "MEDIUM_LONG_TERM_LOAN", "SMALL_MICRO"}, set()),
    ("Exempt small and micro enterprises from social insurance premiums for five months.",
     {"SOCIAL_INSURANCE_RELIEF", "SMALL_MICRO"}, {"INSURANCE"}),
    ("We will improve the credit system and credit supervision.", set(), {"CREDIT_LOAN"}),
    ("The decision-making guarantee mechanism shall be improved; the labour guarantee for key guarantee enterprises is ensured.",
     set(), {"FINANCING_GUARANTEE"}),
    ("Make full use of re-lending and rediscount quotas to support small businesses.", {"RELENDING", "REDISCOUNT"}, set()),
    ("加大对小微企业的信用贷款投放，降低贷款利率。", {"CREDIT_LOAN", "SMALL_MICRO"}, set()),
    ("对月销售额10万元以下的增值税小规模纳税人，免征增值税。", {"TAX_RELIEF", "SMALL_SCALE_TAXPAYER"}, set()),
    ("加强知识产权保护，维护中小企业合法权益。", {"SME"}, {"IP_PLEDGE_FINANCING"}),
    ("政府性融资担保机构不得为政府融资平台提供担保，不得进行股权投资。", set(), {"EQUITY_FINANCING"}),
])
def test_link_precision_and_recall(text, present, absent):
    found = _codes(text)
    assert present <= found, f"missing {present - found}"
    assert not (absent & found), f"spurious {absent & found}"


def test_link_bank_of_china_is_not_the_central_bank():
    found = _codes("The Bank of China will open a green channel for small and micro enterprises.")
    assert "PBC" not in found
    assert "PBC" in _codes("The People's Bank of China will lower the reserve requirement ratio.")


def test_link_roles_targets_and_involves():
    links = _links("Clear the accounts owed by state-owned enterprises and large enterprises to small and "
                   "medium-sized enterprises.")
    assert ("targets", "SME") in links
    assert ("involves", "SOE") in links and ("involves", "LARGE_ENTERPRISE") in links


def test_link_negated_instrument_in_english():
    found = _codes("Guarantee institutions shall not make equity investments; they provide financing guarantees.")
    assert "EQUITY_FINANCING" not in found and "FINANCING_GUARANTEE" in found


def test_link_regions_and_exclusions():
    links = _links("Support enterprises in Hubei Province and in other regions excluding Beijing.")
    assert ("mentionsRegion", "CN-HB") in links
    assert ("excludesRegion", "CN-BJ") in links
    zh = _links("除湖北省外，各地要减免小微企业房租。")
    assert ("excludesRegion", "CN-HB") in zh


def test_link_evidence_offsets_point_at_the_matched_text():
    from kg.text.extract import links

    text = "Notice\n\n  1. Lend more. Increase first lo\u200bans to micro and small enterprises.\n"
    rec = extract_text(text)
    assert rec.source.raw_text == text
    for m in rec.measures():
        for ln in links(rec, m):
            m = ln.mention
            assert rec.source.text[m.start:m.end] == m.exact  # offsets inside kg: the canonical text
            a, b = rec.source.to_raw(m.start, m.end)  # published offsets: the text as read
            assert text[a:b].replace("\u200b", "") == m.exact
            assert m.rule
