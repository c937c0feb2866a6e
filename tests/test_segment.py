"""Segmentation into sections and measures for the numbering styles of both languages (invented texts)."""

import pytest

from tests.conftest import extract_text


def _tree(rec):
    return [(s.kind, s.number, s.heading) for s in rec.root.walk() if s is not rec.root]


def test_segment_roman_sections_with_parenthesised_measures():
    text = ("Opinions on supporting small businesses\n\nI. General requirements\n\n"
            "(1) Guiding ideology. We will support firms.\n\n(2) Basic principles. Keep it simple.\n\n"
            "II. Key tasks\n\n(3) Increase lending. Banks shall lend more.\n")
    rec = extract_text(text)
    measures = rec.measures()
    assert [m.heading for m in measures] == ["Guiding ideology", "Basic principles", "Increase lending"]
    assert [m.path[:1] for m in measures] == [(1,), (1,), (2,)]


def test_segment_numbers_restarting_in_each_section_do_not_collide():
    text = ("Notice on tax relief\n\n1. Scope\n\n(1) Small firms. They qualify.\n\n(2) Micro firms. They qualify.\n\n"
            "2. Procedures\n\n(1) Apply online. Forms are online.\n\n(2) Review. Offices review.\n")
    rec = extract_text(text)
    assert len(rec.measures()) == 4
    assert len({m.path for m in rec.measures()}) == 4


def test_segment_chinese_chapters_and_articles():
    text = ("中小企业促进条例\n第一章 总则\n第一条 为了促进中小企业发展，制定本条例。\n第二条 本条例所称中小企业，是指依法设立的企业。\n"
            "第二章 财税支持\n第三条 国家实行有利于小型微型企业发展的税收政策。\n")
    rec = extract_text(text, "law.txt")
    assert rec.lang == "zh"
    assert [m.number for m in rec.measures()] == ["第一条", "第二条", "第三条"]
    assert [s.number for s in rec.root.children if s.kind == "section"] == ["第一章", "第二章"]


def test_segment_run_on_chinese_with_inline_markers():
    text = "关于做好融资工作的通知各有关单位：现通知如下：一、加大支持1.扩大信贷。银行要增加信用贷款。2.降低费用。减免担保费。二、强化保障3.加强领导。各地要落实。"
    rec = extract_text(text, "runon.txt")
    assert [m.heading for m in rec.measures()] == ["扩大信贷", "降低费用", "加强领导"]


@pytest.mark.parametrize("marker", ["first,", "First:"])
def test_segment_ordinal_words_open_sections(marker):
    text = (f"Measures to help enterprises\n\n{marker} keep production going\n\n1 Guide firms. Text one.\n\n"
            "2. Help firms. Text two.\n\nII. Finance\n\n3. Lend more. Text three.\n")
    rec = extract_text(text)
    assert [m.number for m in rec.measures()] == ["1", "2.", "3."]


def test_segment_repeated_measure_in_a_web_copy_is_kept_once():
    text = ("Notice on support\n\n1. Lend more. Banks will lend to small and micro enterprises.\n\n"
            "2. Cut fees. Reduce administrative fees.\n\n1. Lend more. Banks will lend to small and micro enterprises.\n")
    rec = extract_text(text)
    assert [m.number for m in rec.measures()] == ["1.", "2."]
    assert rec.duplicates_removed == 1


def test_segment_document_without_numbering_yields_its_paragraphs():
    text = ("The ministry held a press conference on Monday.\n\nIt said small firms had resumed work.\n\n"
            "Officials promised more credit support for micro enterprises.\n")
    rec = extract_text(text)
    assert len(rec.measures()) == 3


def test_segment_cross_reference_is_not_a_marker():
    text = ("Notice\n\n1. Scope. Applies to small firms.\n\n2. Rules. See the annex.\n\n"
            "1. Scope is defined in another way here, which is not a repeat.\n\n3. Timing. From May.\n")
    rec = extract_text(text)
    assert [m.number for m in rec.measures()] == ["1.", "2.", "3."]
