"""kg.text.normalise: one canonical text for every copy of a document, offsets kept into the raw text."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.text.fold import is_traditional, to_simplified
from kg.text.normalise import normalise
from tests.conftest import wrap_words


def _fold_ok(raw: str, canon: str) -> bool:
    """A canonical character may differ from its raw span only by the folds normalise makes."""
    if raw == canon:
        return True
    k = unicodedata.normalize("NFKC", raw)
    return k == canon or to_simplified(raw) == canon or (canon == " " and (raw.isspace() or k == " "))


@pytest.mark.parametrize("raw, canon", [
    ("  1. Support SMEs\r\n  2. Cut fees\r\n", "1. Support SMEs\n2. Cut fees"),
    ("\u3000\u3000一、总体要求\n\u3000\u3000（一）加大信贷支持。", "一、总体要求\n(一)加大信贷支持。"),
    ("１．加大支持力度，２０２０年", "1.加大支持力度，2020年"),
    ("small\u00a0and mi\u200bcro en\u00adterprises", "small and micro enterprises"),
    ("關於進一步加大對中小企業紓困幫扶力度的通知", "关于进一步加大对中小企业纾困帮扶力度的通知"),
])
def test_normalise_canonical_text(raw, canon):
    assert normalise(raw).text == canon


def test_normalise_keeps_chinese_clause_punctuation():
    assert normalise("一是加大支持；二是降低成本：如下，请执行！").text == "一是加大支持；二是降低成本：如下，请执行！"


def test_normalise_offsets_point_into_the_raw_text():
    raw = "\ufeff\u3000\u3000關於支持小微企業的通知\r\n\r\n\u3000\u3000１．加大信用貸款投放。\r\n"
    n = normalise(raw)
    i = n.text.index("信用贷款")
    a, b = n.to_raw(i, i + 4)
    assert raw[a:b] == "信用貸款"
    j = n.text.index("1.")
    assert n.raw_text(j, j + 2) == "１．"


def test_normalise_joins_hard_wrapped_english_and_drops_page_numbers():
    rnd = random.Random(3)
    vocab = ["support", "small", "and", "medium-sized", "enterprises", "with", "credit", "loans", "guarantees"]
    paras = [f"{n}. " + " ".join(rnd.choice(vocab) for _ in range(60)) + "." for n in range(1, 7)]
    wrapped = []
    for p in paras:
        wrapped += wrap_words(p.split(" "), 72)
    wrapped.insert(20, "")
    wrapped.insert(21, "- 2 -")
    wrapped.insert(22, "")
    n = normalise("\n".join(wrapped))
    assert n.hard_wrapped
    assert n.text.split("\n") == paras


def test_normalise_joins_hard_wrapped_chinese():
    para = "各地要主动加强与金融机构的对接，推动金融机构对有发展前景但受疫情影响暂遇困难的中小微企业，适当下调贷款利率，增加信用贷款和中长期贷款。" * 3
    paras = [f"{i}.{para}" for i in range(1, 6)]
    lines = [p[i:i + 30] for p in paras for i in range(0, len(p), 30)]
    n = normalise("\n".join(lines))
    assert n.hard_wrapped
    assert n.text.split("\n") == paras


def test_normalise_counts_indentation_in_the_wrap_width():
    """A PDF wraps an indented line (a right-set date) at the same width as the others, its indentation included:
    the break inside the date is the wrapper's."""
    para = "各地要主动加强与金融机构的对接，推动金融机构对有发展前景但受疫情影响暂遇困难的中小微企业，适当下调贷款利率。" * 2
    paras = [f"{i}.{para}" for i in range(1, 6)] + [" " * 24 + "2022年4月20日"]
    lines = [p[i:i + 30] for p in paras for i in range(0, len(p), 30)]
    n = normalise("\n".join(lines))
    assert n.hard_wrapped
    assert n.text.split("\n")[-1] == "2022年4月20日"


def test_normalise_starts_a_numbered_item_after_a_closing_bracket():
    """An item closed by its lead department in brackets ends there: the next line's marker opens a new item;
    a marker-like line after an unfinished clause still continues it."""
    body = "支持企业上市，因改制办理土地、房屋等固定资产划转时，符合条件的按照国家有关税收优惠政策执行"
    item = body + "。(牵头单位：省税务局)"
    item = "支" * (-len(item) % 28) + item  # its last line full: a wrapper's break is possible after it
    lines = [item[i:i + 28] for i in range(0, len(item), 28)]
    lines = ["(一)加大支持力度" + "力" * 20] + lines * 4 + ["(二)实施规上企业培育壮大行动"]
    n = normalise("\n".join(lines))
    assert n.hard_wrapped
    assert n.text.split("\n")[-1] == "(二)实施规上企业培育壮大行动"
    unfinished = normalise("\n".join(lines[:-1] + [body[:28], "(二)" + body[:24]]))
    assert body[:28] + "(二)" in unfinished.text


def test_normalise_leaves_unwrapped_text_and_short_lines_alone():
    raw = "Notice\nOn supporting SMEs\n1. First measure.\n2. Second measure.\n2020-02-09\n3\n"
    n = normalise(raw)
    assert not n.hard_wrapped
    assert n.text == raw.strip()


@pytest.mark.parametrize("text, expected", [
    ("關於進一步加大對中小企業紓困幫扶力度的通知，各省、自治區、直轄市工業和信息化主管部門", True),
    ("关于进一步加大对中小企业纾困帮扶力度的通知，各省、自治区、直辖市工业和信息化主管部门", False),
    ("Support for small and medium-sized enterprises", False),
])
def test_normalise_recognises_traditional_script(text, expected):
    assert is_traditional(text) is expected


_ALPHABET = st.sampled_from(list("ab 中小企业關於１２．（）\u3000\u00a0\u200b\u00ad\r\n\t-3") + ["貸款", "第2页", "- 4 -"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join))
def test_normalise_every_canonical_character_comes_from_its_raw_span(raw):
    n = normalise(raw)
    last = 0
    for i, ch in enumerate(n.text):
        a, b = n.to_raw(i, i + 1)
        assert 0 <= a <= b <= len(raw)
        assert a >= last or ch == "\n"  # offsets never go back
        if ch != "\n" and b - a == 1:
            assert _fold_ok(raw[a:b], ch), (raw[a:b], ch)
        last = a
    a, b = n.to_raw(0, len(n.text))
    assert raw[a:b].strip(" \t\r\n\u3000\u00a0\u200b\u00ad") == raw[a:b].strip(" \t\r\n\u3000\u00a0\u200b\u00ad")


def test_normalise_joins_chinese_pdf_lines_justified_with_spaces():
    lines = ["为深入贯彻落实党中央决策部署，支持中小企业和个体工", "商户发展，推动各类银行机构进一步加大信用贷款和续",
             "贷支持力度，提 高 融 资 担 保 服 务 水 平。", "一、总体要求", "(一)坚持问题导向，",
             "加大对小微企业的支持力度，落实减税降费政策措施，做好", "稳岗就业工作。"] * 3
    n = normalise("\n".join(lines))
    assert n.hard_wrapped
    assert "个体工商户" in n.text and "信用贷款和续贷" in n.text and "提高融资担保服务水平" in n.text
    assert "\n一、总体要求\n" in n.text  # a heading is not run into the next line
    assert "服务水平。\n" in n.text  # a sentence end at a line end ends the paragraph


def test_normalise_does_not_join_chinese_paragraph_lines():
    para = ("各地要主动加强与金融机构的对接，推动金融机构对有发展前景但受疫情影响暂遇困难的中小微企业，"
            "适当下调贷款利率，增加信用贷款和中长期贷款，不得盲目抽贷、断贷、压贷，对到期还款困难的，可予以展期或续贷。")
    text = "\n".join((para * 2)[: 40 + 13 * i] + "。" for i in range(10))  # paragraphs of many lengths
    n = normalise(text)
    assert not n.hard_wrapped and n.text == text


def test_normalise_drops_spam_between_two_lines_of_a_wrapped_paragraph():
    body = ["为深入贯彻落实党中央决策部署，支持中小企业和个体工", "商户发展，推动各类银行机构进一步加大信用贷款和续",
            "贷支持力度，提高融资担保服务水平，制定本方案。"] * 4
    spammed = body[:1] + ["澳门新葡京娱乐场官网_在线投注_真人视讯"] + body[1:]
    assert normalise("\n".join(spammed)).text == normalise("\n".join(body)).text


def test_normalise_folds_roman_numeral_characters_keeping_offsets():
    n = normalise("Ⅱ. Key measures\nⅫ. Annex")
    assert n.text == "II. Key measures\nXII. Annex"
    assert n.raw_text(0, 3) == "Ⅱ." and n.raw_text(n.text.index("XII"), n.text.index("XII") + 3) == "Ⅻ"
    assert normalise("①加大支持").text == "①加大支持"  # circled numbers are left alone


def test_normalise_keeps_spaces_between_names_and_drops_letter_spacing():
    title = "中国人民银行 银保监会 发展改革委 工业和信息化部 财政部关于进一步强化中小微企业金融服务的指导意见"
    assert normalise(title).text == title
    assert normalise("省 级 以 上 农 业 龙 头 企 业 达 到 1200 户").text == "省级以上农业龙头企业达到 1200 户"


_ODD = "ab \u3000\u00a0\u200b\u00ad\ufeff\u202e\u2060ＡＢ１，；：Ⅱⅻ中文測試\t\u2028"


@given(st.text(alphabet=st.sampled_from(_ODD) | st.characters(), max_size=40))
def test_normalise_line_tables_fold_as_one_character_at_a_time(line):
    """The str.translate tables (the fast path) give what `fold_char` gives character by character."""
    from kg.text import normalise as n
    from kg.text.fold import fold_char, fold_line

    ref = "".join(fold_char(ch) for ch in line)
    folded = fold_line(line)
    if folded is not None:
        assert folded == ref
    else:
        assert len(ref) != len(line) or any(len(fold_char(ch)) != 1 for ch in line)
    assert n._visible_len(line, 0, len(line)) == sum(1 for ch in line if fold_char(ch))
    assert n._solid_len(line, 0, len(line)) == sum(1 for ch in line if fold_char(ch) not in ("", " "))
    out = n.normalise(line.replace("\u2028", ""))
    for i in range(len(out.text) + 1):  # every offset still maps into the raw text
        a, b = out.to_raw(0, i)
        assert 0 <= a <= b <= len(out.raw)


def test_format_characters_of_the_scanned_planes_are_every_format_character():
    """The folding tables scan only the planes that hold format characters (fold.CF_PLANES): that
    finds every one of them, in this Python's Unicode version, and a plane it skips would be missed."""
    import sys

    from kg.text.fold import format_characters

    everything = format_characters((range(sys.maxunicode + 1),))
    assert format_characters() == everything
    assert "\u200b" in everything and "\U000e0001" in everything  # zero-width space; language tag
    assert "\U000e0001" not in format_characters((range(0x0000, 0x20000),))
