"""Lexicon breadth (issue 13, item 5): every label added to the SKOS vocabularies for the genre's real
wording (official English of gov.cn, PBC, MOF/SAT; Xinhua; local regulations) links its code in a
sentence of the genre and does not link it in a near miss.

The rows are data (tests/data/lexicon/labels.tsv): code, lang, label, kind (alt, hidden, or rule for a
proximity rule given as "left => right"), a positive sentence, a negative sentence, and the codes that
must not be linked in the positive sentence (guards such as 省发展改革委, which is not the NDRC).
Each sentence goes through the whole per-document pipeline (normalise, clean, match, segment, link,
negation included) as the one numbered measure of a small document.
"""

import csv
from pathlib import Path

import pytest

from tests.conftest import extract_text

DATA = Path(__file__).parent / "data" / "lexicon" / "labels.tsv"
PROPS = {"enterprise-type": ("targets", "involves"), "instrument": ("usesInstrument",),
         "department": ("mentionsOrganization",), "actor": ("mentionsOrganization",)}


def _rows() -> list[dict]:
    lines = [ln for ln in DATA.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


ROWS = _rows()


def _document(sentence: str, lang: str) -> str:
    """A title, the sentence as measure 1 and a plain measure 2 (so that a sentence naming departments is
    not read as the signature block)."""
    if lang == "zh":
        return f"关于支持中小企业发展的通知\n\n一、{sentence}\n\n二、加强工作调度，及时总结经验。\n"
    return (f"Notice on Supporting Small and Medium-sized Enterprises\n\n1. {sentence}\n\n"
            "2. Work progress shall be reviewed every quarter.\n")


def _linked(sentence: str, lang: str) -> dict[str, set[str]]:
    """Notation -> the properties that link it, over the measures of the small document."""
    from kg.text.extract import links

    rec = extract_text(_document(sentence, lang))
    assert rec.lang == lang, f"read as {rec.lang}: {sentence}"
    out: dict[str, set[str]] = {}
    for m in rec.measures():
        for ln in links(rec, m):
            out.setdefault(ln.mention.notation, set()).add(ln.prop)
    return out


def _ids(rows):
    return [f"{r['code']}:{r['label']}" for r in rows]


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_lexicon_label_links_its_code_in_the_positive_sentence(row):
    from kg.vocab import load_vocabulary

    concept = load_vocabulary().find(row["code"])
    found = _linked(row["positive"], row["lang"])
    assert row["code"] in found, f"{row['code']} not linked in: {row['positive']} (linked: {sorted(found)})"
    assert found[row["code"]] & set(PROPS[concept.kind]), found[row["code"]]
    spurious = {c for c in row["absent_in_positive"].split(",") if c} & set(found)
    assert not spurious, f"{sorted(spurious)} linked in: {row['positive']}"


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_lexicon_label_does_not_link_its_code_in_the_negative_sentence(row):
    found = _linked(row["negative"], row["lang"])
    assert row["code"] not in found, f"{row['code']} linked in: {row['negative']}"


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_lexicon_label_is_in_the_vocabulary(row):
    """The table and ontology/*.ttl agree: the label (or both sides of the rule) belongs to the concept."""
    from kg.vocab import load_vocabulary

    concept = load_vocabulary().find(row["code"])
    if row["kind"] == "rule":
        left, right = (s.strip() for s in row["label"].split("=>"))
        sides = [[p.strip().split("|") for p in r.text.split("=>")] for r in concept.rules if r.lang == row["lang"]]
        assert any(left in lhs and right in rhs for lhs, rhs in sides), f"no rule {row['label']} on {row['code']}"
    else:
        labels = {(lab.text, lab.lang, lab.kind) for lab in concept.labels}
        assert (row["label"], row["lang"], row["kind"]) in labels, f"{row['label']} is not a {row['kind']}Label"


def test_lexicon_table_is_well_formed():
    assert len(ROWS) >= 150
    assert all(r["lang"] in ("en", "zh") and r["kind"] in ("alt", "hidden", "rule") for r in ROWS)
    assert all(r["positive"] and r["negative"] and r["positive"] != r["negative"] for r in ROWS)
    keys = [(r["code"], r["lang"], r["label"]) for r in ROWS]
    assert len(keys) == len(set(keys)), "a label is listed twice"
