"""Dates as policy texts print them: English month names ("9 February 2020", "February 9, 2020"), Chinese
年月日 in figures or numerals (2020年2月9日, 二〇二〇年二月九日, 二○二○年), ISO 2020-02-09, 2020/2/9, 2020.2.9.

Owns every date pattern of kg.text: full dates with their year (`find_dates`: a document's issue date),
dates that may lack the year (`find_partial_dates`, `PartialDate`: citations, quantities, observations),
years and months whose figures are not quantities, deadlines "…前", and `end_of` a year or month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from kg.text.numerals import cn_value

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
MON = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
       r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_ZERO = "○ＯO０"  # printed for 〇 in years (二○二○年): a white circle, a letter O, a full-width zero
_ZH_NUM = "〇零一二三四五六七八九十" + _ZERO
ISO_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)")
# a full date, its year printed: English, ISO, Chinese in figures or numerals (二〇二〇年三月五日)
DATE_RX = [
    re.compile(rf"\b{MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<y>(?:19|20)\d{{2}})\b", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{MON}\s*,?\s*(?P<y>(?:19|20)\d{{2}})\b", re.I),
    ISO_DATE,
    # 2020/2/9, 2020.2.9 (one separator throughout; not a version number 2020.2.9.1 nor a decimal)
    re.compile(r"(?<![\d./])(?P<y>(?:19|20)\d{2})(?P<sep>[./])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d|[./]\d)"),
    re.compile(rf"(?P<y>(?:19|20)\d{{2}}|[{_ZH_NUM}]{{4}})\s*年\s*(?P<m>\d{{1,2}}|[{_ZH_NUM}]{{1,3}})\s*月\s*(?P<d>\d{{1,2}}|[{_ZH_NUM}]{{1,3}})\s*日"),
]
# month first with dashes, as pkulaw's English field "Date issued:07-03-2015" prints it: read only in such fields
MONTH_FIRST = re.compile(r"(?<![\d-])(?P<m>\d{1,2})-(?P<d>\d{1,2})-(?P<y>(?:19|20)\d{2})(?![\d-])")
# month and day with an optional year, in the forms policy texts use
DATE_EN = [
    re.compile(rf"\b{MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:\s*,?\s*(?P<y>(?:19|20)\d{{2}})\b)?", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{MON}\b(?:\s*,?\s*(?P<y>(?:19|20)\d{{2}})\b)?", re.I),
    ISO_DATE,
]
DATE_ZH = re.compile(r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")
# years and months whose figures are not quantities: 2020, 2020年3月底, the 2010s; 2020年, 3月份
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?:\s*年(?:\s*\d{1,2}\s*月)?(?:[底末初中内度])?|s\b)?(?!\d)")
YEAR_OR_MONTH_ZH = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*年|(?<!\d)\d{1,2}\s*月(?:份|底|末|初|上旬|中旬|下旬)?")
# a Chinese deadline: 2020年底前, 6月30日以前, (年)底前
DUE_ZH = re.compile(r"(?:(?P<y>(?:19|20)\d{2})\s*年)?(?:(?P<m>\d{1,2})\s*月)?(?:(?P<d>\d{1,2})\s*日)?"
                    r"(?P<end>底|末)?(?:之前|以前|前)")


def month_number(name: str) -> int | None:
    """1-12 for an English month name or its abbreviation (by its first three letters)."""
    return next((i for i, n in enumerate(MONTHS, 1) if n[:3] == name.lower()[:3]), None)


@dataclass(frozen=True)
class PartialDate:
    """A date as printed: the year may be missing ("March 24", "3月24日")."""

    month: int
    day: int
    year: int | None = None
    start: int = 0
    end: int = 0

    def resolve(self, year: int | None) -> dt.date | None:
        y = self.year or year
        if y is None:
            return None
        try:
            return dt.date(y, self.month, self.day)
        except ValueError:
            return None


def _int(token: str) -> int:
    """An arabic or Chinese-numeral day, month or year digit."""
    if token in _ZERO:
        return 0
    return int(token) if token.isdigit() else int(cn_value(token))


def parse_date(m: re.Match) -> dt.date | None:
    g = m.groupdict()
    try:
        y = int(g["y"]) if g["y"].isdigit() else int("".join(str(_int(ch)) for ch in g["y"]))
        mon = month_number(g["mon"]) if g.get("mon") else _int(g["m"])
        return dt.date(y, mon, _int(g["d"]))
    except (TypeError, ValueError, StopIteration):
        return None


def find_dates(text: str, month_first: bool = False) -> list[tuple[int, int, dt.date]]:
    """The full dates printed in `text` (with their year), in order; `month_first` also reads 07-03-2015."""
    if "年" not in text and "19" not in text and "20" not in text:  # every form holds one (most lines none)
        return []
    out = []
    for rx in DATE_RX + ([MONTH_FIRST] if month_first else []):
        for m in rx.finditer(text):
            d = parse_date(m)
            if d:
                out.append((m.start(), m.end(), d))
    return sorted(out)


def find_partial_dates(text: str, offset: int = 0) -> list[PartialDate]:
    """Dates in `text`, with or without a year; offsets are text offsets plus `offset`."""
    out = []
    for rx in DATE_EN:
        for m in rx.finditer(text):
            g = m.groupdict()
            mon = g.get("mon")
            month = month_number(mon) if mon else int(g["m"])
            out.append(PartialDate(month, int(g["d"]), int(g["y"]) if g.get("y") else None,
                                   offset + m.start(), offset + m.end()))
    for m in DATE_ZH.finditer(text):
        out.append(PartialDate(int(m.group("m")), int(m.group("d")), int(m.group("y")) if m.group("y") else None,
                               offset + m.start(), offset + m.end()))
    valid = [d for d in out if 1 <= d.month <= 12 and 1 <= d.day <= 31]
    kept: list[PartialDate] = []
    for d in sorted(valid, key=lambda d: (d.start, -d.end)):
        if not any(k.start <= d.start < k.end for k in kept):
            kept.append(d)
    return kept


def dates_in(t: str, a: int, b: int) -> tuple[str, PartialDate | None, PartialDate | None]:
    """t[a:b] with its dates taken out, the date it is "on"/"as of", and the date it is "from"/"since"."""
    seg = t[a:b]
    on = since = None
    for d in reversed(find_partial_dates(seg)):
        lead = seg[:d.start]
        m = re.search(r"(?:\b(?P<en>on|as\s+of|as\s+at|by|at\s+the\s+end\s+of|from|since|compared\s+with|over)|"
                      r"(?P<zh>截至|截止|截止到|到|比|较|与))\s*$", lead, re.I)
        cut_from = m.start() if m else d.start
        word = (m.group("en") or m.group("zh") or "").lower() if m else ""
        pd = PartialDate(d.month, d.day, d.year, a + d.start, a + d.end)
        if word in ("from", "since", "compared with", "比", "较", "与"):
            since = since or pd
        else:
            on = on or pd
        seg = seg[:cut_from] + seg[d.end:]
    return seg, on, since


def end_of(year: int, month: int | None = None) -> dt.date:
    month = month or 12
    return dt.date(year, month, calendar.monthrange(year, month)[1])
