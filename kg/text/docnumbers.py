"""Document numbers (文号): 国发〔2015〕43号, "Enterprise letter [2020] No. 72", "No. 13 [2019] of the Ministry of
Finance": the patterns kg.text finds them with, and `parse_number` that reads one as (prefix, year, number).

Three uses, three strictnesses: `HEAD_RX` finds a document's own number in its head (kg.text.metadata) —
with its printed forms: bracketed year (国发〔2015〕43号, "Cai Shui [2019] No. 13", "Yinfa No. 123 [2020]",
"Guo-Fa (2022) No. 12"), orders (中华人民共和国国务院令第683号), announcements (国家税务总局公告2022年第6号), and
garbled copies ("Enterprise Letter [ 2020 ] 72 Number", a number broken over two lines) —,
`DOCNUM_ZH` / `DOCNUM_EN` find the numbers a text cites, with their parts (kg.text.citations), and `MASK_RX`
finds any number-shaped span so that its figures are not read as quantities (kg.text.quantities).
"""

from __future__ import annotations

import re
import unicodedata

from kg.text.cues import cues
from kg.vocab import Concept, Label, load_vocabulary

# 〔2020〕14号, [2020]第14号, （2020）14号: the year in brackets, then the number
BRACKET_ZH = r"[〔\[［【(（]\s*(?P<y>(?:19|20)\d{2})\s*[〕\]］】)）]\s*第?\s*(?P<n>\d{1,4})\s*号"
# a Chinese number starts after a non-Chinese character or after the 日 of a date ("2017年8月2日国务院令第683号公布")
_ZH_START = r"(?:(?<![\u4e00-\u9fff\d])|(?<=日))"
_Y_EN = r"(?:19|20)\d{2}"
HEAD_RX = [
    re.compile(rf"[\u4e00-\u9fff]{{1,12}}\s*{BRACKET_ZH}"),
    # an order or an announcement of a series: 国务院令第683号, 财政部 税务总局公告2022年第15号
    re.compile(rf"{_ZH_START}(?:中华人民共和国)?[\u4e00-\u9fff]{{1,12}}?令\s*第\s*\d{{1,5}}\s*号"),
    re.compile(rf"{_ZH_START}[\u4e00-\u9fff](?:[\u4e00-\u9fff]| (?=[\u4e00-\u9fff])){{1,20}}?公告\s*{_Y_EN}\s*年\s*第\s*\d{{1,4}}\s*号"),
    # "Cai Shui [2019] No. 13", "Guo-Fa (2022) No. 12", garbled "... Letter [ 2020 ] 72 Number"
    re.compile(rf"(?:[A-Z][A-Za-z.-]*[ \t]+){{0,2}}(?:[A-Za-z.-]+[ \t]+){{0,3}}(?:\[[ \t]*{_Y_EN}[ \t]*\][ \t]*(?:No\.?[ \t]*)?"
               rf"|\([ \t]*{_Y_EN}[ \t]*\)[ \t]*No\.?[ \t]*)\d{{1,4}}(?:[ \t]+Number\b)?"),
    # "Yinfa No. 123 [2020]", "No. 6 [2019] of the General Office of the State Council"
    re.compile(rf"(?:\b[A-Z][A-Za-z-]*[ \t]+){{0,3}}\bNo\.[ \t]*\d{{1,4}}[ \t]*[\[(][ \t]*{_Y_EN}[ \t]*[\])]"
               r"(?:[ \t]+of[ \t]+the[ \t]+[A-Z][A-Za-z ]{3,60})?"),
]
DOCNUM_ZH = re.compile(rf"(?P<p>[\u4e00-\u9fff]{{1,10}}?)\s*{BRACKET_ZH}")
DOCNUM_EN = [
    re.compile(r"\bNo\.?\s*(?P<n>\d{1,4})\s*[\[(]\s*(?P<y>(?:19|20)\d{2})\s*[\])]"
               r"(?:\s+of\s+(?:the\s+)?(?P<org>(?:[A-Z][\w'-]*|of|and|the|for)(?:\s+(?:[A-Z][\w'-]*|of|and|the|for)){0,8}))?"),
    re.compile(r"(?:\b(?P<p>[A-Z][A-Za-z]*(?:\s+[A-Za-z][a-z]*){0,2})\s+)?[\[(]\s*(?P<y>(?:19|20)\d{2})\s*[\])]\s*"
               r"No\.?\s*(?P<n>\d{1,4})\b"),
]
MASK_RX = [
    re.compile(BRACKET_ZH),
    re.compile(r"\[\s*(?:19|20)\d{2}\s*\]\s*No\.?\s*\d{1,4}|No\.\s*\d{1,4}\s*\[\s*(?:19|20)\d{2}\s*\]", re.I),
]


def find_doc_number(text: str, a: int, b: int) -> tuple[str, tuple[int, int]] | None:
    best = None
    for rx in HEAD_RX:
        m = rx.search(text, a, b)
        if m and (best is None or m.start() < best.start()):
            best = m
    if best is None:
        return None
    s = best.start() + (len(best.group(0)) - len(best.group(0).lstrip()))
    return as_printed(text[s:best.end()]), (s, best.end())


def as_printed(number: str) -> str:
    """A number as printed, with the line breaks and spacing of a copy taken out: a Chinese number has no
    spaces but between two names (黔府发 〔\n2022〕8 号 -> 黔府发〔2022〕8号; 财政部 税务总局公告…), an English one
    single spaces."""
    if re.search(r"[\u4e00-\u9fff]", number):
        number = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", " ", number.strip())
        return re.sub(r"(?<![\u4e00-\u9fff])\s+|\s+(?![\u4e00-\u9fff])", "", number)
    return re.sub(r"\s+", " ", number).strip()


_NOT_PREFIX_EN = re.compile(r"[\[(]|\bNo\b", re.I)


def _romanised(s: str) -> str:
    """Letters only, lower case, accents dropped: "Yin Fa" and "Yinfa" -> "yinfa", "Wen Lü" -> "wenlu"."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", s).lower() if "a" <= ch <= "z")


def prefix_issuers(number: str) -> tuple[Label, list[Concept]] | None:
    """The issuers a number's prefix names (ontology/docnumber-prefixes.ttl): the longest prefix the number
    STARTS with (金发 fits 金发〔2024〕39号, not 国科金发〔…〕), and every concept that carries it. A romanised
    prefix is matched on the words before the bracket or "No." ("Yin Fa [2020] No. 29", "Yinfa No. 123 [2020]")."""
    zh = bool(re.search(r"[\u4e00-\u9fff]", number))
    if zh:
        head = re.sub(r"\s+", "", number)
        head = head[len("中华人民共和国"):] if head.startswith("中华人民共和国") else head
    else:
        cut = _NOT_PREFIX_EN.search(number)
        head = _romanised(number[:cut.start()] if cut else number)
    best: tuple[int, Label, list[Concept]] | None = None
    for c in load_vocabulary().concepts:
        for lab in c.doc_prefixes:
            if (lab.lang == "zh") != zh:
                continue
            key = lab.text if zh else _romanised(lab.text)
            if not key or not head.startswith(key):
                continue
            if best is None or len(key) > best[0]:
                best = (len(key), lab, [c])
            elif len(key) == best[0] and c not in best[2]:
                best[2].append(c)
    return (best[1], best[2]) if best else None


def norm_prefix(prefix: str) -> str:
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", unicodedata.normalize("NFKC", prefix).lower())


def parse_number(text: str) -> tuple[str, int, int] | None:
    """(prefix, year, number) of a document number as printed, in either language."""
    m = DOCNUM_ZH.search(text)
    if m:
        return zh_prefix(m.group("p")), int(m.group("y")), int(m.group("n"))
    for rx in DOCNUM_EN:
        m = rx.search(text)
        if m:
            p = (m.groupdict().get("p") or "").strip()
            return norm_prefix(p), int(m.group("y")), int(m.group("n"))
    return None


def zh_prefix(p: str) -> str:
    """The prefix of a Chinese number (国发 in "根据国发〔2015〕43号"): the characters after the last stop
    character of kg/patterns/cues.json, at most eight."""
    stops = cues()["zh_docnum_stop_chars"]
    keep = ""
    for ch in reversed(p):
        if ch in stops:
            break
        keep = ch + keep
    return keep[-8:]
