"""Titles, document numbers, issue dates and issuers on invented documents of the genre."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import extract_text


def _meta(text, name="t.txt"):
    rec = extract_text(text, name)
    return rec.meta, {i.notation for i in rec.meta.issuers}, rec


def test_metadata_title_over_two_lines_en():
    meta, issuers, _ = _meta("Notice of the Ministry of Finance and the State Taxation Administration on\n"
                             "Implementing Tax Relief for Small and Micro Enterprises\n\nCai Shui [2019] No. 13\n\n"
                             "1. Exempt small-scale taxpayers from VAT.\n\n2. Reduce fees.\n")
    assert meta.title.endswith("Tax Relief for Small and Micro Enterprises")
    assert meta.doc_number == "Cai Shui [2019] No. 13"
    assert issuers == {"MOF", "SAT"}


def test_metadata_title_over_two_lines_zh():
    meta, issuers, rec = _meta("国务院办公厅关于\n进一步加大对中小企业纾困帮扶力度的通知\n国办发〔2021〕45号\n"
                               "一、加大纾困资金支持力度。有条件的地方设立纾困资金。\n二、进一步推进减税降费。\n", "z.txt")
    assert meta.title == "国务院办公厅关于进一步加大对中小企业纾困帮扶力度的通知"
    assert meta.doc_number == "国办发〔2021〕45号"
    assert issuers == {"STATE_COUNCIL", "STATE_COUNCIL_GENERAL_OFFICE"}
    assert len(rec.measures()) == 2


@pytest.mark.parametrize("line, number", [
    ("财税〔2019〕13号", "财税〔2019〕13号"),
    ("银发[2020]122号", "银发[2020]122号"),
    ("Announcement [2021] No. 11 of the Ministry of Finance", "Announcement [2021] No. 11"),
    ("Guo Ban Fa [2019] No. 6", "Guo Ban Fa [2019] No. 6"),
])
def test_metadata_document_numbers(line, number):
    meta, _, _ = _meta(f"Notice on supporting small and micro enterprises\n{line}\n\n1. Lend more.\n\n2. Cut fees.\n")
    assert meta.doc_number == number


def test_metadata_web_page_date_is_not_the_issue_date():
    meta, _, _ = _meta("Notice on credit support for SMEs\n2023-05-06\nSource: example.gov\n\n1. Lend more.\n\n"
                       "2. Cut fees.\n")
    assert meta.date is None
    assert meta.publisher == "example.gov"


def test_metadata_signature_block_gives_issuers_and_date_not_body_mentions():
    text = ("Opinions on improving financing services for small and micro enterprises\n\n"
            "1. The People's Bank of China will use re-lending. The Ministry of Commerce will help exporters.\n\n"
            "2. Cut fees for small and micro enterprises.\n\n"
            "China Banking and Insurance Regulatory Commission\nMinistry of Industry and Information Technology\n"
            "March 5, 2021\n")
    meta, issuers, rec = _meta(text)
    assert issuers == {"CBIRC", "MIIT"}
    assert meta.date == "2021-03-05"
    assert all("Regulatory Commission" not in rec.source.text[m.start:m.end] for m in rec.measures())


def test_metadata_garbled_run_together_signature():
    text = ("Opinions on SMEs\n\n(1) Support SMEs. Text.\n\n(2) Help SMEs. Text.\n\n"
            "General Administration of Customs of the people's Bank of China State Administration of Taxation\n"
            "July 3, 2020\n")
    _, issuers, _ = _meta(text)
    assert issuers == {"GACC", "PBC", "SAT"}


def test_metadata_general_office_issues_for_its_ministry():
    meta, issuers, _ = _meta("工业和信息化部办公厅关于做好中小企业服务工作的通知\n各有关单位：\n一、加强服务。\n二、强化保障。\n", "g.txt")
    assert "MIIT" in issuers
    assert any(i.sub_organization == "GO" for i in meta.issuers)


def test_metadata_publisher_is_not_an_issuer():
    _, issuers, _ = _meta("Opinions on SMEs\nSource: Ministry of Industry and Information Technology\n\n"
                          "(1) Support SMEs. Text.\n\n(2) Help SMEs. Text.\n\nMinistry of Finance\nMay 1, 2020\n")
    assert issuers == {"MOF"}


def test_metadata_chinese_signature_with_date():
    meta, issuers, _ = _meta("关于支持小微企业的通知\n一、加大信贷支持。\n二、降低融资成本。\n"
                             "中国人民银行　财政部\n二〇二〇年六月一日\n", "c.txt")
    assert issuers == {"PBC", "MOF"}
    assert meta.date == "2020-06-01"


def test_metadata_english_law_adoption_note_and_articles():
    text = ("Law of the People's Republic of China on Promotion of Small and Medium-sized Enterprises\n\n"
            "(Adopted at the 28th Meeting of the Standing Committee of the Ninth National People's Congress on June 29, "
            "2002, and revised at the 29th Meeting of the Standing Committee of the Twelfth National People's Congress "
            "on September 1, 2017)\n\nChapter I General Provisions\n\n"
            "Article 1 This Law is enacted to improve the business environment of small and medium-sized enterprises.\n\n"
            "Article 2 Small and medium-sized enterprises include micro enterprises.\n\n"
            "Chapter II Fiscal and Tax Support\n\n"
            "Article 8 The central government shall set up a special fund for SMEs.\n")
    meta, issuers, rec = _meta(text)
    assert meta.date == "2017-09-01"
    assert "NPC" in issuers and not issuers & {"MIIT", "MOF"}
    assert [m.number for m in rec.measures()] == ["Article 1", "Article 2", "Article 8"]


def test_metadata_state_council_english_circular():
    text = ("Guiding Opinions of the General Office of the State Council on Supporting Small and Micro Businesses\n\n"
            "Guo Ban Fa [2021] No. 45\n\nThe people's governments of all provinces, all ministries and commissions of "
            "the State Council:\n\nI. Increasing financial support\n\n1. Local governments may set up relief funds.\n\n"
            "2. Implement interest subsidies for business start-up guaranteed loans.\n\nII. Reducing costs\n\n"
            "3. Reduce fees and rents for individual industrial and commercial households.\n\n"
            "General Office of the State Council\nNovember 10, 2021\n")
    meta, issuers, rec = _meta(text)
    assert issuers == {"STATE_COUNCIL", "STATE_COUNCIL_GENERAL_OFFICE"}
    assert (meta.date, meta.doc_number) == ("2021-11-10", "Guo Ban Fa [2021] No. 45")
    assert [m.number for m in rec.measures()] == ["1.", "2.", "3."]


# ---------------------------------------------------------------- issuers from the document number's prefix

_BODY_ZH = "各有关单位：\n一、加大信贷支持。\n二、降低融资成本。\n"
_BODY_EN = "\n1. Banks shall lend more to small and micro enterprises.\n\n2. Cut fees.\n"


@pytest.mark.parametrize("number, want", [
    ("银发〔2020〕122号", {"PBC"}),
    ("财税〔2019〕13号", {"MOF", "SAT"}),
    ("金发〔2024〕39号", {"NFRA", "CBIRC"}),  # the successor body issues for the one it replaced
    ("银保监发〔2019〕19号", {"CBIRC"}),
    ("国办发〔2019〕6号", {"STATE_COUNCIL_GENERAL_OFFICE", "STATE_COUNCIL"}),
    ("国科金发〔2020〕3号", set()),  # the Natural Science Foundation's series: 金发 only counts at the start
    ("京财建〔2020〕5号", set()),  # a local finance bureau: 财建 only counts at the start
    ("发改财金规〔2025〕1753号", {"NDRC"}),  # not 金规 (NFRA)
])
def test_metadata_issuers_from_the_number_prefix_zh(number, want):
    meta, issuers, _ = _meta(f"关于支持小微企业的通知\n{number}\n{_BODY_ZH}", "p.txt")
    assert meta.doc_number == number
    assert issuers == want


@pytest.mark.parametrize("number, want", [
    ("Yin Fa [2020] No. 29", {"PBC"}),
    ("Yinfa No. 123 [2020]", {"PBC"}),
    ("Cai Shui [2019] No. 13", {"MOF", "SAT"}),
    ("Guo-Fa (2022) No. 12", {"STATE_COUNCIL"}),
    ("Shanghai Finance [2020] No. 5", set()),  # an English word is never taken for a romanised prefix
    ("Enterprise letter [2020] No. 72", set()),
])
def test_metadata_issuers_from_the_number_prefix_romanised(number, want):
    meta, issuers, _ = _meta(f"Notice on supporting small and micro enterprises\n{number}\n{_BODY_EN}")
    assert meta.doc_number == number
    assert issuers == want


def test_metadata_office_prefix_gives_the_ministry_and_its_general_office():
    meta, issuers, rec = _meta(f"关于开展中小企业服务月活动的通知\n工信厅企业函〔2020〕72号\n{_BODY_ZH}", "o.txt")
    assert issuers == {"MIIT"}
    (miit,) = meta.issuers
    assert miit.sub_organization == "GO"
    assert miit.evidence[0].rule == 'docNumberPrefix@zh "工信厅"'
    assert rec.source.text[miit.evidence[0].start:miit.evidence[0].end] == "工信厅企业函〔2020〕72号"
    meta, _, _ = _meta(f"关于开展中小企业服务月活动的通知\n工信部企业〔2022〕63号\n{_BODY_ZH}", "o.txt")
    assert meta.issuers[0].sub_organization is None


@pytest.mark.parametrize("text, number", [
    ("融资担保公司监督管理条例\n\n2017年8月2日 中华人民共和国国务院令第683号公布\n\n第一条 为了支持普惠金融发展。\n\n第二条 本条例所称融资担保。\n",
     "中华人民共和国国务院令第683号"),
    ("关于增值税小规模纳税人减免增值税政策的公告\n财政部 税务总局公告2022年第15号\n一、免征增值税。\n二、本公告执行至2022年12月31日。\n",
     "财政部 税务总局公告2022年第15号"),
    ("关于支持小微企业的通知\n黔府发 〔\n2022〕8 号\n各有关单位：\n一、加大信贷支持。\n二、降低融资成本。\n", "黔府发〔2022〕8号"),
    ("Notice on services for SMEs\nIndustry and Information Technology Department Enterprise Letter [ 2020 ] 72 Number\n\n"
     "1. Help SMEs resume work.\n\n2. Cut fees.\n", "Information Technology Department Enterprise Letter [ 2020 ] 72 Number"),
])
def test_metadata_numbers_of_orders_announcements_and_garbled_copies(text, number):
    meta, _, _ = _meta(text, "n.txt")
    assert meta.doc_number == number


def test_metadata_number_of_an_announcement_names_its_issuers():
    _, issuers, _ = _meta("关于增值税小规模纳税人减免增值税政策的公告\n财政部 税务总局公告2022年第15号\n"
                          "一、免征增值税。\n二、本公告执行至2022年12月31日。\n", "a.txt")
    assert issuers == {"MOF", "SAT"}


def test_metadata_a_plan_period_is_not_a_number():
    meta, _, _ = _meta("Action Plan (2022-2025) for Small and Micro Enterprises\n" + _BODY_EN)
    assert meta.doc_number is None


# ---------------------------------------------------------------- page metadata fields

def test_metadata_page_fields_zh():
    text = ("索 引 号：000014349/2019-00012 主题分类：财政、金融\n发文机关：中国人民银行 成文日期：2020年06月01日\n"
            "标　　题：关于进一步强化中小微企业金融服务的指导意见\n发文字号：银发〔2020〕120号 发布日期：2020年06月02日\n\n"
            "关于进一步强化中小微企业金融服务的指导意见\n" + _BODY_ZH)
    meta, issuers, _ = _meta(text, "f.txt")
    assert (meta.doc_number, meta.date) == ("银发〔2020〕120号", "2020-06-01")
    assert issuers == {"PBC"}


def test_metadata_page_date_field_is_never_the_issue_date():
    text = "关于支持小微企业的通知\n发布日期：2020年06月02日\n一、加大信贷支持。\n二、降低融资成本。\n发布时间：2020-06-03\n"
    meta, _, _ = _meta(text, "f.txt")
    assert meta.date is None
    meta, _, _ = _meta("Notice on credit support for SMEs\nUpdated: May 31, 2022 15:57\n" + _BODY_EN
                       + "\nRelease date: June 1, 2022\n")
    assert meta.date is None


def test_metadata_page_fields_en():
    text = ("Notice on Tax Relief for Small Businesses\nIssued by: Ministry of Finance; State Taxation Administration\n"
            "Date of Issuance: March 5, 2021\nDocument No.: Announcement [2021] No. 11\nUpdated: March 9, 2021\n"
            + _BODY_EN)
    meta, issuers, _ = _meta(text)
    assert issuers == {"MOF", "SAT"}
    assert (meta.date, meta.doc_number) == ("2021-03-05", "Announcement [2021] No. 11")


def test_metadata_pkulaw_month_first_issue_field_and_effective_date():
    text = ("Opinions on supporting SMEs\nIssuing Authority: State Council\nDate issued:07-03-2015\n"
            "Effective Date:08-01-2015\n" + _BODY_EN)
    meta, issuers, _ = _meta(text)
    assert meta.date == "2015-07-03"
    assert "STATE_COUNCIL" in issuers


def test_metadata_source_field_and_index_number_are_not_issuer_nor_number():
    text = "关于支持小微企业的通知\n索引号：000014349/2019-00012\n来源：财政部网站\n" + _BODY_ZH
    meta, issuers, _ = _meta(text, "s.txt")
    assert meta.doc_number is None and not issuers


# ---------------------------------------------------------------- dates in every printed form

_FORMS = [
    ("二〇二〇年二月九日", "2020-02-09"), ("二○二○年二月二十九日", "2020-02-29"), ("9 February 2020", "2020-02-09"),
    ("February 9, 2020", "2020-02-09"), ("Feb. 9, 2020", "2020-02-09"), ("2020-02-09", "2020-02-09"),
    ("2020/2/9", "2020-02-09"), ("2020.2.9", "2020-02-09"), ("2020 年 2 月 9 日", "2020-02-09"),
]


@pytest.mark.parametrize("printed, iso", _FORMS)
def test_metadata_dates_in_every_printed_form(printed, iso):
    from kg.text.dates import find_dates

    (found,) = find_dates(f"签发：{printed}。")
    assert found[2].isoformat() == iso


# a line holding only a numeric date (2020-02-09) is set aside by kg.text.clean as a page's date
@pytest.mark.parametrize("printed, iso", [f for f in _FORMS if "年" in f[0] or f[0][0].isalpha() or f[0][0] == "9"])
def test_metadata_signature_dates_in_printed_forms(printed, iso):
    meta, _, _ = _meta(f"关于支持小微企业的通知\n一、加大信贷支持。\n二、降低融资成本。\n中国人民银行\n{printed}\n", "d.txt")
    assert meta.date == iso


@pytest.mark.parametrize("printed", ["2020.2.9.1", "2020.12", "2020/2-9", "二〇二〇年", "3.5.2020"])
def test_metadata_what_is_not_a_full_date(printed):
    from kg.text.dates import find_dates

    assert find_dates(printed) == []


# ---------------------------------------------------------------- a department's news release

def test_metadata_news_release_speaker_is_the_issuer():
    text = ("On March 25, Qin Zhihui, deputy director of the SME Bureau of the Ministry of Industry and Information "
            "Technology, stated that the resumption rate of SMEs has steadily increased.\n\n"
            "The State Council's joint prevention and control mechanism held a press conference on March 25.\n")
    _, issuers, _ = _meta(text, "news.txt")
    assert issuers == {"MIIT"}
    _, issuers, _ = _meta("The Ministry of Finance said on Tuesday that it would cut fees for small firms.\n\n"
                          "Fees fall by 10 billion yuan.\n", "news.txt")
    assert issuers == {"MOF"}


def test_metadata_news_release_host_and_source_are_not_speakers():
    text = ("The State Council's joint prevention and control mechanism held a press conference on March 25.\n\n"
            "According to the monitoring of the Ministry of Industry and Information Technology, the rate reached 71.7%.\n")
    _, issuers, _ = _meta(text, "news.txt")
    assert not issuers


def test_metadata_news_release_speaker_zh():
    _, issuers, _ = _meta("工业和信息化部新闻发言人今天在发布会上表示，中小企业复工率持续回升。\n复工率达到71.7%。\n", "n.txt")
    assert issuers == {"MIIT"}
    _, issuers, _ = _meta("据工业和信息化部监测，中小企业复工率持续回升。\n复工率达到71.7%。\n", "n.txt")
    assert not issuers


def test_metadata_speaker_does_not_add_to_a_documents_stated_issuers():
    text = ("Notice of the Ministry of Finance on fee cuts\n\nThe People's Bank of China said it supports the notice.\n\n"
            "1. Cut fees.\n\n2. Lend more.\n")
    _, issuers, _ = _meta(text)
    assert issuers == {"MOF"}


# ---------------------------------------------------------------- a law's adoption lines, a cover letter's date

def test_metadata_adoption_lines_date_first_latest_wins_effective_date_ignored():
    text = ("北京市促进私营个体经济发展条例\n\n2001年8月3日 北京市第十一届人民代表大会常务委员会第二十八次会议通过\n\n"
            "2016年11月25日 北京市第十四届人民代表大会常务委员会第三十一次会议通过的《关于修改部分地方性法规的决定》修正\n\n"
            "2017年1月1日 施行\n\n第一条 为了促进本市私营个体经济健康发展，制定本条例。\n\n第二条 本条例适用于本市。\n")
    meta, _, _ = _meta(text, "law.txt")
    assert meta.date == "2016-11-25"


def test_metadata_bracketed_adoption_note_and_effective_date_only():
    meta, _, _ = _meta("山东省就业促进条例\n(2016年3月30日山东省第十二届人民代表大会常务委员会第二十次会议通过)\n"
                       "第一条 为了促进就业。\n第二条 本条例适用于本省。\n", "law.txt")
    assert meta.date == "2016-03-30"
    meta, _, _ = _meta("某某条例\n2017年10月1日 施行\n第一条 为了促进就业。\n第二条 本条例适用于本省。\n", "law.txt")
    assert meta.date is None


def test_metadata_promulgation_line_gives_issuer():
    text = ("融资担保公司监督管理条例\n\n2017年6月21日 国务院第177次常务会议通过\n\n2017年8月2日 中华人民共和国国务院令第683号公布\n\n"
            "第一条 为了支持普惠金融发展。\n\n第二条 本条例所称融资担保。\n")
    meta, issuers, _ = _meta(text, "reg.txt")
    assert meta.date == "2017-08-02" and issuers == {"STATE_COUNCIL"}


def test_metadata_cover_letter_signature_date_before_the_attachment():
    text = ("省人民政府关于印发行动方案的通知\n各市人民政府：\n现将《行动方案》印发给你们，请认真贯彻落实。\n"
            "2022 年 4 月 20 日\n(此件公开发布)\n行动方案\n一、总体要求\n二、主要任务\n到2025年底，市场主体达到500万户。\n")
    meta, _, _ = _meta(text, "cover.txt")
    assert meta.date == "2022-04-20"


def test_metadata_date_under_the_title_is_not_a_cover_letter_date():
    text = "关于支持小微企业的通知\n2023-07-31\n附件：名单\n一、加大信贷支持。\n二、降低融资成本。\n"
    meta, _, _ = _meta(text, "page.txt")
    assert meta.date is None


# ---------------------------------------------------------------- titles, successor bodies

def test_metadata_no_title_line_keeps_the_first_measure():
    text = "1. Measures to lend more to small and micro enterprises.\n\n2. Cut fees for SMEs.\n\n3. Defer taxes.\n"
    meta, _, rec = _meta(text)
    assert [m.number for m in rec.measures()] == ["1.", "2.", "3."]
    assert meta.front == set()


def test_metadata_a_title_line_before_the_items_stays_the_title():
    meta, _, rec = _meta("Measures on supporting small and micro enterprises\n" + _BODY_EN)
    assert meta.title == "Measures on supporting small and micro enterprises"
    assert len(rec.measures()) == 2


def test_metadata_nfra_is_found_by_the_department_it_succeeds():
    text = "关于支持小微企业的通知\n一、加大信贷支持。\n二、降低融资成本。\n国家金融监督管理总局\n2024年3月1日\n"
    _, issuers, _ = _meta(text, "nfra.txt")
    assert issuers == {"NFRA", "CBIRC"}
    text = "关于支持小微企业的通知\n一、加大信贷支持。\n二、降低融资成本。\n中国银保监会\n2020年3月1日\n"
    _, issuers, _ = _meta(text, "cbirc.txt")
    assert issuers == {"CBIRC"}


def test_metadata_headline_above_a_news_body_is_the_title_and_no_paragraph_is():
    text = ("China to strengthen financial support for MSMEs\n"
            "BEIJING — China will take market-oriented approaches to strengthen financial support for micro, small "
            "and medium-sized enterprises, a State Council executive meeting decided on Dec 15.\n"
            "The meeting decided that the inclusive loan repayment extension support tool will be replaced.\n"
            "Inclusive credit loans for micro and small firms will also be incorporated into the relending plan "
            "targeting agriculture and small enterprises from 2022.\n")
    rec = extract_text(text)
    assert rec.meta.title == "China to strengthen financial support for MSMEs"
    assert len(rec.measures()) == 3  # every paragraph of the body is kept as a measure


def test_metadata_a_body_sentence_is_never_taken_for_the_title():
    text = ("Support for small firms\n"
            "Financial institutions will be encouraged to issue special financial bonds for small and micro "
            "enterprises, and the measures of this notice apply to all of them.\n"
            "Notice on the implementation plan\n")
    assert extract_text(text).meta.title == "Support for small firms"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["2020", "19", "20", "年", "月", "日", "二〇二〇", "三", "五", "Feb.", "March", " ",
                                 "9", "09", "-", "/", ".", ",", "1", "2", "０", "○", "x"]), max_size=14).map("".join))
def test_metadata_find_dates_skips_only_text_that_holds_no_date(text):
    """find_dates returns at once when `text` has neither 年 nor "19" nor "20" (every full date has one):
    the same dates as the patterns themselves find, whatever the text."""
    from kg.text.dates import DATE_RX, MONTH_FIRST, find_dates, parse_date

    for month_first in (False, True):
        scanned = sorted((m.start(), m.end(), d) for rx in DATE_RX + ([MONTH_FIRST] if month_first else [])
                         for m in rx.finditer(text) if (d := parse_date(m)))
        assert find_dates(text, month_first) == scanned
