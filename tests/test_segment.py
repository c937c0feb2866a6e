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


def _text_of(rec, seg):
    from kg.text.extract import segment_text

    return segment_text(rec, seg)


def test_segment_items_of_an_article_stay_in_the_article():
    text = ("中小企业促进条例\n第一章 总则\n第一条 为了促进中小企业发展，制定本条例。\n"
            "第二条 县级以上人民政府应当采取下列措施：\n（一）设立中小企业发展基金；\n（二）提供融资担保；\n"
            "（三）减免有关费用。\n第三条 本条例自公布之日起施行。\n")
    rec = extract_text(text, "law.txt")
    assert [m.number for m in rec.measures()] == ["第一条", "第二条", "第三条"]
    second = rec.measures()[1]
    assert "提供融资担保" in _text_of(rec, second) and not second.children


def test_segment_chapter_after_an_article_closes_the_article():
    # the first chapter line is missing (as in copies whose front matter swallowed it)
    text = ("促进条例\n第一条 为了促进发展，制定本条例。\n第二条 本条例适用于本省。\n第二章 财税支持\n"
            "第三条 国家实行税收优惠政策。\n第四条 设立专项资金。\n")
    rec = extract_text(text, "law.txt")
    assert [m.number for m in rec.measures()] == ["第一条", "第二条", "第三条", "第四条"]
    chapter = next(s for s in rec.root.children if s.kind == "section")
    assert chapter.number == "第二章" and [c.number for c in chapter.children] == ["第三条", "第四条"]


def test_segment_items_of_a_numbered_measure_with_a_body_stay_inside_it():
    text = ("Notice on support for small firms\n\n1. Lend more. Banks shall take the following steps:\n\n"
            "(1) extend credit loans to small firms;\n\n(2) cut interest rates for micro firms.\n\n"
            "2. Cut fees. Reduce administrative fees for small firms.\n\n3. Pay on time. Clear arrears owed to firms.\n")
    rec = extract_text(text)
    assert [m.number for m in rec.measures()] == ["1.", "2.", "3."]
    assert "cut interest rates" in _text_of(rec, rec.measures()[0])


def test_segment_bare_headings_are_sections_in_chinese_opinions():
    text = ("关于支持小微企业发展的意见\n一、总体要求\n（一）指导思想。坚持稳中求进。\n（二）基本原则。坚持市场主导。\n"
            "二、重点任务\n（三）加大信贷支持。银行要增加信用贷款。\n（四）降低融资成本。减免担保费。\n")
    rec = extract_text(text, "opinions.txt")
    assert [m.number for m in rec.measures()] == ["(一)", "(二)", "(三)", "(四)"]
    assert [s.number for s in rec.root.children if s.kind == "section"] == ["一、", "二、"]


def test_segment_top_level_measures_with_bodies_keep_their_numbered_paragraphs():
    text = ("关于支持小微企业发展的通知\n一、加大信贷支持。各地要落实以下要求：\n1.扩大信用贷款投放。\n2.延长贷款期限。\n"
            "二、降低融资成本。各地要减免担保费。\n三、加强组织领导。各地要抓好落实。\n")
    rec = extract_text(text, "notice.txt")
    assert [m.number for m in rec.measures()] == ["一、", "二、", "三、"]
    assert "延长贷款期限" in _text_of(rec, rec.measures()[0])


@pytest.mark.parametrize("paragraph", [
    "1. Lend more. First, banks will extend credit loans. Second, insurers will offer credit insurance.",
    "1. Lend more. Banks will lend more in 2020. 2 Enterprises in each county will get loans.",
])
def test_segment_enumeration_inside_a_paragraph_stays_in_its_measure(paragraph):
    text = f"Notice on support\n\n{paragraph}\n\n2. Cut fees. Reduce administrative fees.\n"
    rec = extract_text(text)
    assert [m.number for m in rec.measures()] == ["1.", "2."]


def test_segment_yi_shi_er_shi_inside_a_paragraph_stays_in_its_measure():
    text = ("关于支持企业的通知\n1.加大信贷支持。一是扩大信用贷款，二是降低贷款利率。\n2.减免费用。减免担保费。\n")
    rec = extract_text(text, "notice.txt")
    assert [m.number for m in rec.measures()] == ["1.", "2."]
    assert "降低贷款利率" in _text_of(rec, rec.measures()[0])


def test_segment_annex_restarts_the_numbering():
    text = ("关于推广改革举措的通知\n一、推广的改革举措。各地要推广以下举措。\n二、抓好组织实施。各地要加强领导。\n"
            "附件：改革举措推广清单\n附件\n一、知识产权保护方面。推行审判三合一。\n二、科技金融创新方面。设置科技创新专板。\n")
    rec = extract_text(text, "notice.txt")
    assert [m.number for m in rec.measures()] == ["一、", "二、", "一、", "二、"]
    annex = rec.root.children[-1]
    assert annex.kind == "section" and annex.heading == "附件"
    assert "附件：改革举措推广清单" in _text_of(rec, rec.measures()[1])  # a mention of the annex opens none
