"""Quantities in policy text: percentages, percentage points, money, counts, durations and deadlines.

Each quantity keeps its span in the source, its value as a decimal (multipliers applied: 4,000亿元 is
400000000000 CNY), its unit, a bound (exact, min for "more than"/"不低于"/"以上", max for "up to"/"不超过"/
"以下", approx) and, where the sentence says so, what it measures ("share of procurement reserved for
small and medium-sized enterprises", "resumption rate of SMEs", "单户担保金额") and the date it refers to.

Numbers that are not quantities are masked first: dates, years, document numbers, article and item
numbers, the numbering marker of a measure, telephone numbers. A number with no unit, multiplier or
counted noun (a stray "2.4" in injected spam) is never a quantity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

from kg.text.cues import cues, phrase_rx
from kg.text.dates import DUE_ZH, PartialDate, dates_in, end_of, find_partial_dates, month_number
from kg.text.numerals import CN_NUMERAL_CHARS, cn_value
from kg.text.quantity_cues import Masks, masked, quantity_rx

QUDT_UNIT = "http://qudt.org/vocab/unit/"
UNITS = {  # kind or duration code -> (unitText, UN/CEFACT unitCode, QUDT unit)
    "percentage": ("%", "P1", QUDT_UNIT + "PERCENT"),
    "percentage-point": ("percentage point", None, None),
    "DAY": ("day", "DAY", QUDT_UNIT + "DAY"),
    "WEE": ("week", "WEE", QUDT_UNIT + "WK"),
    "MON": ("month", "MON", QUDT_UNIT + "MO"),
    "ANN": ("year", "ANN", QUDT_UNIT + "YR"),
    "count": (None, "C62", QUDT_UNIT + "NUM"),
}

_NUM = re.compile(r"(?<![A-Za-z0-9_.,/-])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])")
_CN_NUM = re.compile(rf"(?P<cn>[{CN_NUMERAL_CHARS}]+(?:点[{CN_NUMERAL_CHARS}]+)?)")
_CN_PERCENT = re.compile(rf"百分之(?P<cn>[{CN_NUMERAL_CHARS}]+(?:点[{CN_NUMERAL_CHARS}]+)?)")
_AUX_END = re.compile(r"(?<![\w-])(?:shall|should|must|will|would|can|may|has|have|had)(?:\s+not)?\s*$", re.I)
_CLAUSE_EN = re.compile(r"\b(?:and|but|while|whereas|with)\s+(?=(?:the|a|an|its|their|this|these|those)\b)", re.I)


@dataclass(frozen=True)
class Quantity:
    start: int  # offsets in the source text of the whole expression ("more than 30%")
    end: int
    exact: str
    kind: str  # percentage, percentage-point, amount, count, duration, deadline
    value: Decimal | None
    unit: str | None  # unitText
    unit_code: str | None = None
    qudt: str | None = None
    currency: str | None = None
    bound: str = "exact"  # exact, min, max, approx
    measured: str | None = None  # what it measures, as the sentence says
    of: str | None = None  # the whole a percentage is taken of
    date: PartialDate | None = None  # the date the figure refers to ("on March 24")
    since: PartialDate | None = None  # the baseline of a change ("from February 23")
    due: str | None = None  # a deadline: ISO date (or year) when it can be resolved
    rule: str = ""

    @property
    def code(self) -> str:
        return {"percentage": "PERCENT", "percentage-point": "PERCENTAGE_POINT", "amount": self.currency or "MONEY",
                "duration": self.unit_code or "DURATION", "count": "COUNT", "deadline": "DEADLINE"}[self.kind]


# ---------------------------------------------------------------- extraction


def find_quantities(text: str, start: int, end: int, lang: str, year: int | None = None) -> list[Quantity]:
    """The quantities in text[start:end] (one sentence-sized unit); `year` resolves "before the end of the year"."""
    t = text[start:end]
    masks = Masks(t, lang)  # only a candidate that reads as a quantity is checked against them
    found: list[Quantity] = []
    for m in _NUM.finditer(t):
        q = _arabic(t, m, lang)
        if q and not masked(masks, m.start(), m.end()):
            found.append(q)
    found += _spelled(t, lang, masks)
    found += _deadlines(t, lang, year)
    out: list[Quantity] = []
    for q in sorted(found, key=lambda q: (q.start, -q.end)):
        if any(o.start < q.end and q.start < o.end for o in out):
            continue
        out.append(q)
    described: list[Quantity] = []
    for q in out:
        described.append(_describe(t, q, lang, described))
    return [replace(q, start=q.start + start, end=q.end + start) for q in described]


def _arabic(t: str, m: re.Match, lang: str) -> Quantity | None:
    rx = quantity_rx()
    value = Decimal(m.group("num").replace(",", ""))
    pos = m.end()
    mult = (rx["mult_zh"] if lang == "zh" else rx["mult_en"]).match(t[pos:]) or rx["mult_en"].match(t[pos:]) \
        or rx["mult_zh"].match(t[pos:])
    power = 0
    if mult:
        word = mult.group("m")
        table = {**cues()["multipliers"]["en"], **cues()["multipliers"]["zh"]}
        power = table.get(word.lower(), table.get(word, 0))
        pos += mult.end()
    value = value.scaleb(power).normalize() if power else value
    rest = t[pos:]
    s = m.start()
    if (u := rx["percent"].match(rest)) or (u := rx["pp"].match(rest)):
        kind = "percentage" if u.re is rx["percent"] else "percentage-point"
        text_, code, qudt = UNITS[kind]
        return _bounded(t, Quantity(s, pos + u.end(), "", kind, value, text_, code, qudt,
                                    rule=f"{kind}: number + {u.group(0).strip()!r}"), lang)
    if (u := rx["cur_after"].match(rest)) or (cb := rx["cur_before"].search(t[max(0, s - 12):s])):
        cur = _currency(u.group("c") if u else cb.group(0).strip())
        if u:
            e = pos + u.end()
        else:
            s, e = s - (len(t[max(0, m.start() - 12):m.start()]) - cb.start()), pos
        return _bounded(t, Quantity(s, e, "", "amount", value, cur, None, QUDT_UNIT + f"CCY_{cur}", cur,
                                    rule=f"amount: number + currency {cur}"), lang)
    if power == 0 and value == value.to_integral_value() and value < 1000:
        dur = (rx["dur_zh"] if lang == "zh" else rx["dur_en"]).match(rest)
        if dur and _duration_context(t, s, pos + dur.end(), lang):
            return _duration(t, s, pos + dur.end(), value, dur.group("u"), lang)
    if lang == "zh":
        u = rx["count_zh"].match(rest)
        if u and u.group("u") not in ("年", "月", "日"):
            q = Quantity(s, pos + u.end(), "", "count", value, u.group("u"), "C62", QUDT_UNIT + "NUM",
                         bound="min" if u.group("x") else "exact", rule=f"count: number + measure word {u.group('u')}")
            return _bounded(t, q, lang)
    else:
        u = rx["noun_en"].match(rest)
        if u and (value == value.to_integral_value() or power):
            noun = u.group("np").strip()
            head = noun.split()[-1].lower()
            if head not in cues()["count_skip_nouns"] and not rx["dur_en"].match(" " + head):
                q = Quantity(s, pos + u.end(), "", "count", value, noun, "C62", QUDT_UNIT + "NUM",
                             rule="count: number + plural noun")
                return _bounded(t, q, lang)
    if power:  # "8.3 million", "370万" with no noun: a count all the same
        return _bounded(t, Quantity(s, pos, "", "count", value, None, "C62", QUDT_UNIT + "NUM",
                                    rule="count: number + multiplier"), lang)
    return None


def _currency(word: str) -> str:
    for code, forms in cues()["currencies"].items():
        if word in forms["before"] or word in forms["after"] or word.lower() in (f.lower() for f in forms["after"]):
            return code
    return "CNY"


def _duration_context(t: str, s: int, e: int, lang: str) -> bool:
    rx = quantity_rx()
    if lang == "zh":
        return bool(rx["dur_ctx_zh_b"].search(t[max(0, s - 8):s]) or rx["dur_ctx_zh_a"].match(t[e:e + 3]))
    return bool(rx["dur_ctx_en"].search(t[max(0, s - 30):s]))


def _duration(t: str, s: int, e: int, value: Decimal, word: str, lang: str) -> Quantity:
    table = cues()["durations"]["zh" if lang == "zh" else "en"]
    key = re.sub(r"\s+", " ", word.lower()).rstrip("s") if lang != "zh" else word
    code = next((v for k, v in table.items() if key == k or key.startswith(k)), "DAY")
    text_, unit_code, qudt = UNITS[code]
    if "working" in key or "business" in key or "工作日" in key:
        text_ = "working day"
    q = Quantity(s, e, "", "duration", value, text_, unit_code, qudt, rule=f"duration: number + {word!r}")
    return _bounded(t, q, lang)


def _spelled(t: str, lang: str, masks: Masks) -> list[Quantity]:
    """Percentages and durations written in words: 百分之三十, 三年内, six months."""
    rx, out = quantity_rx(), []
    if lang == "zh":
        for m in _CN_PERCENT.finditer(t):
            v = cn_value(m.group("cn"))
            if v is not None:
                text_, code, qudt = UNITS["percentage"]
                out.append(_bounded(t, Quantity(m.start(), m.end(), "", "percentage", v, text_, code, qudt,
                                                rule="percentage: 百分之 + numeral"), lang))
        for m in _CN_NUM.finditer(t):
            dur = rx["dur_zh"].match(t[m.end():])
            v = cn_value(m.group("cn"))
            if (dur and v and not masked(masks, m.start(), m.end()) and t[max(0, m.start() - 3):m.start()] != "百分之"
                    and _duration_context(t, m.start(), m.end() + dur.end(), lang)):
                out.append(_duration(t, m.start(), m.end() + dur.end(), v, dur.group("u"), lang))
    else:
        for m in rx["word_num"].finditer(t):
            dur = rx["dur_en"].match(t[m.end() - 1:])
            v = Decimal(cues()["word_numbers"][m.group("w").lower()])
            e = m.end() - 1 + dur.end() if dur else m.end()
            if dur and _duration_context(t, m.start(), e, lang):
                out.append(_duration(t, m.start(), e, v, dur.group("u"), lang))
    return out


def _bounded(t: str, q: Quantity, lang: str) -> Quantity:
    """Widen the span over a bound cue ("more than", "不低于", "以上") and set the bound."""
    rx = quantity_rx()
    s, e, bound = q.start, q.end, q.bound
    before = t[max(0, s - 24):s]
    keys = (("min_zh_b", "min"), ("max_zh_b", "max"), ("approx_zh_b", "approx")) if lang == "zh" else \
        (("min_en", "min"), ("max_en", "max"), ("approx_en", "approx"))
    hits = [(m.start(), name) for key, name in keys if (m := rx[key].search(before))]
    base = None
    if lang == "zh" and not hits:  # 不高于承担风险责任的0.5%: a bound, then the whole the share is taken of
        wide = t[max(0, s - 30):s]
        found = [(m.start(), name, m.group("base")) for key, name in keys
                 if (m := re.search(rx[key].pattern.replace(r"\s*$", "") + r"(?P<base>[^，,；;。：:]{1,24}?)的\s*$", wide))]
        if found:
            first, name, base = min(found)
            hits = [(first + len(before) - len(wide), name)]
    if hits:  # the longest cue wins: "not more than" over "more than", "不超过" over "超过"
        first, bound = min(hits)
        s -= len(before) - first
    if lang == "zh":
        for key, name in (("min_zh_a", "min"), ("max_zh_a", "max"), ("approx_zh_a", "approx")):
            m = rx[key].match(t[e:])
            if m:
                e, bound = e + m.end(), name
                break
    return replace(q, start=s, end=e, bound=bound, exact=t[s:e], of=base or q.of)


@cache
def _deadline_rx() -> tuple[re.Pattern, re.Pattern]:
    """English deadlines: a cue and "the end of" a year or month, or a cue and a date (built once)."""
    cue = phrase_rx(cues()["deadline_en"], "en").pattern
    end_rx = re.compile(rf"(?P<cue>{cue})\s+(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?"
                        rf"(?P<what>year|month|(?:19|20)\d{{2}}|[A-Z][a-z]+(?:\s+(?:19|20)\d{{2}})?)\b", re.I)
    return end_rx, re.compile(rf"(?P<cue>{cue})\s+(?=[A-Z0-9])", re.I)


def _deadlines(t: str, lang: str, year: int | None) -> list[Quantity]:
    out = []
    if lang == "zh":
        for m in DUE_ZH.finditer(t):
            y, mo, d = m.group("y"), m.group("m"), m.group("d")
            if not (y or mo) and not t[max(0, m.start() - 1):m.start()] == "年":
                continue
            if not (y or mo):  # 年底前 / 年末前: the end of the current year
                s = m.start() - 1
                due = end_of(year).isoformat() if year else None
            else:
                s = m.start()
                yy = int(y) if y else year
                due = None
                if yy:
                    if d and mo:
                        try:
                            due = f"{yy:04d}-{int(mo):02d}-{int(d):02d}"
                        except ValueError:
                            due = None
                    else:
                        due = end_of(yy, int(mo) if mo else None).isoformat() if (m.group("end") or mo or y) else None
            out.append(Quantity(s, m.end(), t[s:m.end()], "deadline", None, "deadline", due=due,
                                bound="max", rule="deadline: …前"))
        return out
    end_rx, date_rx = _deadline_rx()
    for m in end_rx.finditer(t):
        what = m.group("what").lower()
        due = None
        if what == "year" and year:
            due = end_of(year).isoformat()
        elif what.isdigit():
            due = end_of(int(what)).isoformat()
        else:
            mon = month_number(what)
            yy = re.search(r"\d{4}", what)
            if mon and (yy or year):
                due = end_of(int(yy.group(0)) if yy else year, mon).isoformat()
            elif what != "month" and not mon:
                continue
        out.append(Quantity(m.start(), m.end(), m.group(0), "deadline", None, "deadline", due=due, bound="max",
                            rule=f"deadline: {m.group('cue').lower()} the end of …"))
    for m in date_rx.finditer(t):
        dates = [d for d in find_partial_dates(t[m.end():m.end() + 24]) if d.start == 0]
        if dates:
            d = dates[0]
            r = d.resolve(year)
            out.append(Quantity(m.start(), m.end() + d.end, t[m.start():m.end() + d.end], "deadline", None,
                                "deadline", due=r.isoformat() if r else None, bound="max",
                                rule=f"deadline: {m.group('cue').lower()} + date"))
        elif ym := re.match(r"(?:19|20)\d{2}\b", t[m.end():]):
            out.append(Quantity(m.start(), m.end() + ym.end(), t[m.start():m.end() + ym.end()], "deadline", None,
                                "deadline", due=end_of(int(ym.group(0))).isoformat(), bound="max",
                                rule=f"deadline: {m.group('cue').lower()} + year"))
    return out


# ---------------------------------------------------------------- what a quantity measures


def _describe(t: str, q: Quantity, lang: str, prev: list[Quantity]) -> Quantity:
    if q.kind == "deadline":
        return q
    return _describe_zh(t, q) if lang == "zh" else _describe_en(t, q, prev)


def _clause_start(t: str, pos: int, delims: str) -> int:
    return max((t.rfind(ch, 0, pos) for ch in delims), default=-1) + 1


def _clean_en(phrase: str) -> str | None:
    p = re.sub(r"\s+", " ", phrase).strip(" ,;:\"“”'")
    p = quantity_rx()["openers_en"].sub("", p, count=1).strip() if quantity_rx()["openers_en"].match(p) else p
    p = re.sub(r"^(?:we|it|they)\s+(?:will|shall|should|must|need to|have to)\s+", "", p, flags=re.I)
    p = re.sub(r"^(?:the|a|an|its|their|our)\s+", "", p, flags=re.I)
    words = p.split()
    if not words or len(words) > 25 or not re.search(r"[A-Za-z]{3}", p):
        return None
    return p


def _describe_en(t: str, q: Quantity, prev: list[Quantity]) -> Quantity:
    rx = quantity_rx()
    cs = max(_clause_start(t, q.start, ",;:()"), max((p.end for p in prev if p.end <= q.start), default=0))
    ce = min((i for i in (t.find(ch, q.end) for ch in ",;:()") if i >= 0), default=len(t))
    pre, on, since = dates_in(t, cs, q.start)
    _, on_after, since_after = dates_in(t, q.end, ce)
    on, since = on or on_after, since or since_after
    pre = _CLAUSE_EN.split(pre)[-1]
    measured = None
    verb = rx["verb_en"].search(pre) or _AUX_END.search(pre) if q.bound != "exact" else rx["verb_en"].search(pre)
    if verb and verb.start() > 0:
        measured = _clean_en(pre[:verb.start()])
    if measured is None:
        of = re.search(r"(?P<np>(?:[\w-]+\s+){0,5}?[\w-]+)\s+of\s*$", pre)
        if of:
            words = of.group("np").split()
            head = words[-1].lower()
            if head in cues()["change_heads_en"]:
                last = next((p for p in reversed(prev) if p.measured and p.kind != "deadline"), None)
                measured = f"{head} in {last.measured}" if last else head
            elif head not in cues()["weak_heads_en"]:
                kept = []
                for w in reversed(words):
                    if w.lower() in ("a", "an", "the", "to", "with", "and", "give", "provide", "grant", "of", "by"):
                        break
                    kept.insert(0, w)
                measured = " ".join(kept) or None
    if measured is None and q.kind == "count" and q.unit:
        after = re.match(r"\s+(?:have\s+been|were|are)\s+(?P<v>\w+ed)\b", t[q.end:])
        measured = q.unit + (f" {after.group('v')}" if after else "")
    if measured is None:
        tail = re.search(r"\b(?:increase|raise|reduce|lower|cut|bring|keep|control|extend|expand|limit)\w*\s+"
                         r"(?P<np>.{3,120}?)\s+(?:to|at|by|within|for)\s*$", pre, re.I)
        if tail:
            measured = _clean_en(tail.group(0).rsplit(" ", 1)[0])
    base = None
    if q.kind == "percentage":
        m = re.match(r"\s+of\s+(?P<np>[^,;.()]{3,160})", t[q.end:])
        if m:
            base = _clean_en(m.group("np"))
    return replace(q, measured=measured, of=base, date=on, since=since)


def _describe_zh(t: str, q: Quantity) -> Quantity:
    rx = quantity_rx()
    cs = _clause_start(t, q.start, "，,；;。：:（(")
    pre, on, since = dates_in(t, cs, q.start)
    _, on_after, since_after = dates_in(t, q.end, q.end + 12)
    on, since = on or on_after, since or since_after
    pre = re.sub(r"^(?:其中|同时|并|且|使|以|将|对|从而)", "", pre.strip())
    verb = rx["verb_zh"].search(pre)
    subject = pre[:verb.start()] if verb else pre
    leads = list(rx["lead_zh"].finditer(subject))
    if leads:
        subject = subject[leads[-1].end():]
    subject = re.sub(r"(?:原则上|一般|均|应当|应|要|须|必须|不|也|都)+$", "", subject.strip("的 ")).strip("的 ")
    measured = subject if len(subject) >= 2 else None
    if measured is None and q.kind != "duration" and cs > 1 and not subject:
        prev_clause = t[_clause_start(t, cs - 1, "，,；;。：:（("):cs - 1]  # the subject sits in the clause before
        if not rx["verb_zh"].search(prev_clause) and 2 <= len(prev_clause) <= 40:
            measured = prev_clause.strip("的 ")
    if measured is None and q.kind in ("count", "amount"):
        noun = re.match(r"(?:的)?(?P<n>[\u4e00-\u9fff“”\"]{2,16}?)(?=[，,；;。、和及与]|$)", t[q.end:])
        measured = noun.group("n") if noun else None
    if measured and len(measured) > 40:
        measured = measured[-40:]
    return replace(q, measured=measured, date=on, since=since)
