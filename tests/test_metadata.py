"""Titles, document numbers, issue dates and issuers on invented documents of the genre."""

import pytest

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
