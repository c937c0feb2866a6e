"""Document numbers (文号): 国发〔2015〕43号, "Enterprise letter [2020] No. 72", "No. 13 [2019] of the Ministry of
Finance": the patterns kg.text finds them with, and `parse_number` that reads one as (prefix, year, number).

Three uses, three strictnesses: `HEAD_RX` finds a document's own number in its head (kg.text.metadata),
`DOCNUM_ZH` / `DOCNUM_EN` find the numbers a text cites, with their parts (kg.text.citations), and `MASK_RX`
finds any number-shaped span so that its figures are not read as quantities (kg.text.quantities).
"""

from __future__ import annotations

import re
import unicodedata

from kg.text.cues import cues

# 〔2020〕14号, [2020]第14号, （2020）14号: the year in brackets, then the number
BRACKET_ZH = r"[〔\[［【(（]\s*(?P<y>(?:19|20)\d{2})\s*[〕\]］】)）]\s*第?\s*(?P<n>\d{1,4})\s*号"
HEAD_RX = [
    re.compile(rf"[\u4e00-\u9fff]{{1,12}}\s*{BRACKET_ZH}"),
    re.compile(r"(?:[A-Z][A-Za-z.]*[ \t]+){0,2}(?:[A-Za-z.]+[ \t]+){0,3}\[[ \t]*(?:19|20)\d{2}[ \t]*\][ \t]*No\.?[ \t]*\d{1,4}"),
    re.compile(r"\bNo\.[ \t]*\d{1,4}[ \t]*\[[ \t]*(?:19|20)\d{2}[ \t]*\](?:[ \t]+of[ \t]+the[ \t]+[A-Z][A-Za-z ]{3,60})?"),
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
    return text[s:best.end()].strip(), (s, best.end())


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
