"""kg.text.clean: page chrome and injected spam (kg/patterns/cleanup.json) are set aside, policy text never is.

Every group of patterns has lines where it must fire and policy lines where it must not.
"""

from __future__ import annotations

import re

import pytest

from kg.text.clean import clean, cleanup_patterns, is_chrome, is_spam_line, tolerant
from kg.text.extract import extract_source
from kg.text.read import source_from_text

CHROME = [
    # breadcrumbs
    "首页 > 政务公开 > 政策文件 > 正文",
    "Home > Policies > Latest Releases",
    "Home / Metal News / Opinions of Seventeen departments",
    "当前位置：首页 > 政策 > 通知公告",
    "您现在的位置：政策法规",
    "You are here: Policies",
    "国务院 › 政策 › 政策文件库",
    "信息公开 > 正文",
    # page dates, counters, credits
    "发布时间：2024-03-18 10:21　来源：本站　浏览次数：1532",
    "发布日期：2018年12月29日",
    "更新时间：2021-05-07",
    "Updated: 2024-03-18 10:21   Source: the website   Print | Close",
    "Update:2019-01-17    Source: Ministry of Finance, State Administration of Taxation",
    "Updated: May 31, 2022 15:57",
    "Release time: 2022-05-31",
    "Date of last update Nov. 29 2018",
    "Jul 24, 2020 10:36",
    "2020年3月25日 10:36",
    "2023-07-31",
    "2023/07/31",
    "阅读量：20136",
    "Views: 1532",
    "责任编辑：张三",
    "(Web editor: Peng Yukai, Liang Jun)",
    "Data sheet: Workers work on the final assembly line. Photo by Zhang Chang",
    "来源：工业和信息化部",
    # buttons, menus, language switches
    "【字体：大 中 小】　打印本页　关闭窗口",
    "【打印】【关闭】",
    "字体：小 中 大",
    "Font size: A A A",
    "Print | Close",
    "Share:",
    "分享到：",
    "Facebook Twitter LinkedIn Email Print Copy Link",
    "Favorite   DownLoad   Print",
    "App | 中文 |",
    "English | 简体 | 繁体",
    "【我要纠错】",
    "All",
    "返回顶部",
    # QR codes
    "扫一扫在手机打开当前页",
    "微信扫一扫",
    "扫描二维码关注我们",
    "Scan the QR code",
    "Scan the QR code and join the SMM metal communication group.",
    # navigation between articles
    "上一篇：关于开展2024年度统计工作的通知",
    "下一篇：政策解读",
    "Previous: Notice on the 2024 statistical survey",
    "Next: Interpretation",
    "Related stories",
    "Latest News",
    "相关链接：",
    "延伸阅读",
    "SMM Events & Webinars",
    # footers
    "版权所有 © 2024　联系我们　网站地图",
    "Copyright © 2024. All rights reserved. Contact us | Sitemap | Privacy",
    "All rights reserved.",
    "京ICP备05070218号",
    "京公网安备11010202000001号",
    "网站标识码：bm55000001",
    "主办单位：某省人民政府办公厅　网站标识码：1100000001",
    "主办单位：国务院办公厅 运行维护单位：中国政府网运行中心",
    "主办：某市人民政府办公室　承办：某市政务服务数据管理局",
    "技术支持：某某信息技术有限公司",
    "Registration number: 05070218",
    "联系我们",
    "网站地图",
    "Contact us",
    "Service Telephone",
    "Telephone: 010-68205114",
    "+86-0434-4227005",
    "service.en@smm.cn",
    "For queries, please contact Michael Jiang at michaeljiang@smm.cn",
]

POLICY_LINES = [
    # breadcrumbs
    "首页显示的政策清单要及时更新。",
    "Home-based businesses may register with a simplified procedure.",
    "对营业收入增速>10%的企业给予奖励。",
    "Location of the industrial park shall be decided by the city government.",
    # page dates vs the policy's own dates and fields
    "成文日期：2018年12月21日",
    "发文字号：国发〔2018〕43号　发布日期：2018年12月29日",
    "Issued by: Ministry of Finance   Updated: 2024-03-18",
    "发布时间另行通知。",
    "Updated guidance on tax relief will follow.",
    "2020年2月9日",
    "浏览量和阅读量持续增长的平台予以奖励。",
    "编辑出版中小企业政策汇编。",
    "资金来源：中央财政专项资金",
    # buttons
    "关闭退出一批落后产能企业。",
    "大中小企业融通发展",
    "Print and close the application within three days.",
    "分享经济平台企业要降低服务费。",
    # QR codes
    "推广使用电子营业执照二维码，方便企业办事。",
    "Scan the QR code of the enterprise service platform to apply for the subsidy; the funds are paid within ten working "
    "days, and the application form is on the platform",
    # navigation
    "相关新闻媒体要加强政策宣传。",
    "Next, we will expand the coverage of government financing guarantees.",
    "Related departments shall strengthen coordination.",
    # footers
    "Strengthen copyright protection and intellectual property services for SMEs.",
    "主办单位：工业和信息化部中小企业局",
    "The registration number of the enterprise shall be shown on its business licence.",
    "联系我们的服务热线可咨询政策。",
    "Telephone consultation services will be provided to SMEs.",
    "Service hotline 12345 answers enterprises' questions on the policies.",
    "Use the online platform and the service hotline 12345 to answer enterprises' questions.",
    "Visit the website www.miit.gov.cn for the application guide.",
]

SPAM = [
    "澳门新葡京娱乐场官网_在线投注_真人视讯",
    "皇冠体育app下载_足球比分直播",
    "best online casino bonus 2024 free spins",
    "cheap replica watches free shipping",
    "澳门新.葡京 注册送88元",
    "葡jing娱乐城 官网",
    "bocai 官网下载",
    "ag真人视讯平台 网址：www.ag88.vip",
    "bo-nus c a s i n o www.bet-win.com",
    "b e t now and win! www.win.example",
    "buy v i a g r a online",
    "payday loans same day approval",
    "高仿名表 微信：abc123",
    "六合彩 时时彩 北京赛车 官网",
    "无视征信 当天下款 13800138000",
    "一级毛片在线观看",
    "hot singles in your area",
    "1. online casino www.x.example",
]

POLICY_SPAM_WORDS = [
    "中央集中彩票公益金支持中小企业公共服务体系建设。",
    "（三）加强彩票公益金使用管理",
    "（二）规范彩票投注站管理",
    "利用体育彩票公益金支持全民健身在线服务平台建设",
    "严厉打击网络赌博、高利贷、信用卡套现等违法犯罪活动，维护金融秩序。",
    "Lottery Public Welfare Fund",
    "The lottery public welfare fund will support public service platforms for SMEs.",
    "5. Bonus for stable employment",
    "Employers may pay a one-off bonus to workers who return to work, and apply online.",
    "对销售高仿冒牌商品、提供网络赌博服务的平台依法处理。",
    "Between 2020 and 2022 the betting on growth paid off for small firms, the survey found, and they hired more staff.",
    "各地要加强对网络借贷平台的监管，防范金融风险。",
    "Local governments should crack down on illegal gambling and usury.",
    "发展直播电商、在线教育等新业态。",
]


@pytest.mark.parametrize("line", CHROME)
def test_clean_chrome_line_is_set_aside(line):
    assert is_chrome(line), line


@pytest.mark.parametrize("line", POLICY_LINES)
def test_clean_policy_line_is_not_chrome(line):
    assert not is_chrome(line) and not is_spam_line(line), line


@pytest.mark.parametrize("line", SPAM)
def test_clean_spam_line_is_set_aside(line):
    assert is_spam_line(line, "zh" if re.search(r"[\u4e00-\u9fff]", line) else "en"), line


@pytest.mark.parametrize("line", POLICY_SPAM_WORDS)
def test_clean_policy_text_with_a_spam_topic_word_is_kept(line):
    lang = "zh" if re.search(r"[\u4e00-\u9fff]", line) else "en"
    assert not is_spam_line(line, lang) and not is_chrome(line), line
    assert [u.kind for u in clean(line, lang).units] == ["text"] * len(clean(line, lang).units)


@pytest.mark.parametrize("term, hit, miss", [
    ("bet", "b e t now", "alphabet between"),
    ("bonus(es)?", "bo-nus", "bonusing"),
    ("葡京", "澳门新.葡京", "葡萄京"),
    ("葡京", "葡jing", "葡萄京城"),
    ("葡京", "葡xpj京", "puxpj京"),  # letters inserted after the character itself, not after its pinyin
    ("娱乐(城|场)", "娱乐ab场", "娱乐ab"),
    ("博彩", "bocai", "博物馆彩色"),
    ("free spins", "freespins", "free of spinning"),
])
def test_clean_spam_terms_match_obfuscated_forms_only(term, hit, miss):
    pinyin = {"葡": "pu", "京": "jing", "博": "bo", "彩": "cai"}
    pat = re.compile(tolerant(term, pinyin), re.I)
    assert pat.search(hit)
    assert not pat.search(miss)


def test_clean_spam_clause_inside_prose_is_cut_and_the_rest_kept():
    text = "加大对中小企业的信贷支持，澳门新葡京官网www.xpj.vip，降低融资成本。"
    units = clean(text, "zh").units
    kinds = [(u.kind, text[u.start:u.end]) for u in units]
    assert ("spam", "澳门新葡京官网www.xpj.vip") in kinds
    kept = "".join(text[u.start:u.end] for u in units if u.kind == "text")
    assert "信贷支持" in kept and "降低融资成本" in kept


def test_clean_enforcement_sentence_naming_spam_topics_is_kept():
    text = "依法打击六合彩、时时彩等非法彩票活动，净化市场环境。"
    assert all(u.kind == "text" for u in clean(text, "zh").units)


def test_clean_publisher_is_read_from_the_source_line():
    text = "来源：工业和信息化部\n关于支持中小企业的通知\n一、加大信贷支持。"
    c = clean(text, "zh")
    assert c.publisher == "工业和信息化部"
    assert c.units[0].kind == "chrome"


def test_clean_page_date_is_never_the_issue_date():
    page = ("首页 > 政策 > 正文\n发布时间：2024-03-18 10:21　浏览次数：1532\n"
            "工业和信息化部关于支持中小企业发展的通知\n一、加大信贷支持，增加信用贷款。\n二、降低融资成本。\n")
    assert extract_source(source_from_text(page, "p.txt")).meta.date is None
    signed = page + "工业和信息化部\n2020年2月9日\n"
    assert extract_source(source_from_text(signed, "p.txt")).meta.date == "2020-02-09"


def test_clean_no_pattern_matches_an_empty_line():
    pats = cleanup_patterns()
    for p in (pats.chrome, pats.chrome_never, pats.phrases, pats.strong, pats.weak, pats.cue):
        assert not p.search("")


def test_clean_a_date_alone_on_its_line_is_never_a_duplicate():
    from kg.text.clean import clean

    text = "通知\n2021年11月10日\n一、加大信用贷款支持力度，推动银行增加投放。\n国务院办公厅\n2021年11月10日"
    kinds = [u.kind for u in clean(text, "zh").units]
    assert "duplicate" not in kinds
    repeated = "加大信用贷款支持力度，推动银行增加投放。\n降低融资担保费率。\n加大信用贷款支持力度，推动银行增加投放。"
    assert [u.kind for u in clean(repeated, "zh").units].count("duplicate") >= 1  # a repeated sentence still is


def test_clean_case_fold_table_is_what_re_ignorecase_does_for_ascii_letters():
    import sys

    from kg.text.clean import CASE_FOLD

    letters = set("abcdefghijklmnopqrstuvwxyz")
    under_i = {cp for cp in range(sys.maxunicode + 1) if re.fullmatch("[a-z]", chr(cp), re.I)}
    folded = {cp for cp in range(sys.maxunicode + 1) if chr(cp).translate(CASE_FOLD) in letters}
    assert under_i == folded
    assert all(chr(cp).translate(CASE_FOLD) == chr(cp) for cp in range(0x3000, 0x3100))  # one for one elsewhere


SPAM_LINES = [
    "Online CASINOS and Baccarat: www.win888.com", "BLACKJACK", "free-Spins today", "bet365 APP下载",
    "alphabet betting", "澳门新.葡京官网", "PK10开奖", "The ſlot machine", "Kasino", "roulette wheel",
    "ROULETTES", "Xbaccarat", "sportsbookie", "百家乐 baijiale", "比分直播 http://x.cc", "Click Here To BUY",
    "FREE DOWNLOAD of the app", "Hydraulic Breakers", "excavator partsX", "testing machine",
    "B·A·C·C·A·R·A·T tonight", "c•a•s•i•n•o", "roul’ette", "澳门·新葡京", "a·b•c’d of policy",
]


@pytest.mark.parametrize("name", ["topic", "strong", "weak", "phrases"])
def test_clean_caseless_patterns_match_as_re_ignorecase_would(name):
    """Searched lower-cased (CASE_FOLD), separators made ASCII (SEPARATOR_FOLD) and case-sensitive, with the
    look-behind after the first letter: the same lines as the alternation under re.I with the look-behind
    first and every separator in the gaps' classes."""
    from tests.conftest import SEEDS

    caseless = getattr(cleanup_patterns(), name)
    reference = re.sub(r"\(\?:(\w)\(\?<!\[a-z\]\.\)", r"(?<![a-z])(?:\1", caseless.pattern.pattern)
    # with the separators beyond ASCII in the gaps' classes, where Caseless folds them (SEPARATOR_FOLD)
    reference = re.compile(reference.replace("*'~", "*·'’•~"), re.I)
    assert "·" in reference.pattern or name == "phrases"
    lines = [line for p in SEEDS for line in p.read_text(encoding="utf-8").splitlines()] + SPAM_LINES
    lines += [line.upper() for line in SPAM_LINES]
    assert sum(reference.search(line) is not None for line in lines) >= 5  # not a vacuous comparison
    for line in lines:
        assert (caseless.search(line) is None) == (reference.search(line) is None), line


def test_clean_spam_patterns_must_be_written_in_lower_case():
    from kg.text.clean import Caseless

    with pytest.raises(ValueError, match="lower case"):
        Caseless([r"\bFree Download\b"])
    assert Caseless([r"\bfree\W+download\b"]).search("FREE   Download")
