"""Stage 3b: title, document number, issue date, publisher and issuers, and the front/back zones.

Issuers come only from where a document names them as such: the issuer part of the title ("Notice
of X on ...", "X关于..."), an "issued by" byline, and the signature block at the end (organisation
names, possibly run together or garbled, followed by a date). Departments named in the body are
implementers or addressees, not issuers; a web site named as source is the publisher.
"""

from __future__ import annotations

import datetime as dt
import re

from kg.model import Issuer, Mention, Metadata, Unit
from kg.text.dates import MON, find_dates, month_number
from kg.text.docnumbers import HEAD_RX, find_doc_number
from kg.text.numbering import match_marker
from kg.vocab import load_vocabulary

_ISSUED_ON = re.compile(rf"\b(?:issued|released|promulgated|published)\b[^.]{{0,250}}?\bon\s+{MON}\s+(?P<d>\d{{1,2}})\b(?:\s*,?\s*(?P<y>(?:19|20)\d{{2}}))?", re.I)
_CHENGWEN = re.compile(r"成文日期\s*[:：]?\s*")
TITLE_EN = re.compile(r"\b(notice|circular|opinions?|measures|announcement|decision|guidelines?|provisions|regulations|rules|plan|letter|law|reply|policies|programme|program)\b", re.I)
TITLE_ZH = re.compile(r"^(?P<t>[^。：:\n]{0,80}?(?:关于|印发)[^。：:\n]{2,160}?(?:的)?(?:通知|指导意见|实施意见|若干意见|意见|办法|决定|公告|通告|规定|方案|细则|条例|函|批复|措施))")
TITLE_ZH_BARE = re.compile(r"^(?P<t>[^。：:\n]{2,60}(?:法|条例|规定|办法|通知|意见|公告|方案))$")
ISSUER_PART_EN = [
    re.compile(r"^\s*(?:the\s+)?(?P<p>.{3,300}?)\s+(?:has\s+|have\s+|jointly\s+)?(?:issued|issues|released|printed and distributed)\b", re.I),
    re.compile(r"\b(?:notice|circular|opinions?|measures|announcement|decision|guidelines?|provisions|reply|letter|plan)\s+(?:issued\s+)?(?:of|by|from)\s+(?P<p>.{3,300}?)\s+(?:on|concerning|regarding|about|for|to)\b", re.I),
    re.compile(r"\bissued\s+by\s+(?P<p>.{3,300}?)(?:[.;:]|$)", re.I),
]
ISSUER_PART_ZH = [re.compile(r"^(?P<p>[^。：:]{2,120}?)(?:关于|印发|发布)")]
# The adoption note under a law's title: "（2017年9月1日第十二届全国人民代表大会常务委员会第二十九次会议修订）",
# "(Adopted at the 28th Meeting of the Standing Committee of the Ninth National People's Congress on June 29, 2002)"
ADOPTION_NOTE = re.compile(r"^\s*[（(](?P<p>[^（()）]{6,400}?(?:通过|修订|修正|公布|adopted|amended|revised|promulgated)[^（()）]{0,200})[）)]\s*$", re.I)
ADDRESSEE = re.compile(r"(各省|各地区|各部门|各有关单位|各直属|各市|各县|provinces|departments|units|governments|bureaus|commissions|institutions)", re.I)
_STOP = {"of", "the", "and", "china", "people", "s", "republic", "prc", "state", "national", "jointly", "issued", "by"}


def can_issue(m: Mention) -> bool:
    c = load_vocabulary().by_iri.get(m.iri)
    return bool(c) and (c.kind == "department" or (c.kind == "actor" and c.can_issue))


def _orgs(mentions: list[Mention], a: int, b: int) -> list[Mention]:
    return [m for m in mentions if m.kind in ("department", "actor") and a <= m.start and m.end <= b]


def _residual(text: str, a: int, b: int, mentions: list[Mention]) -> list[str]:
    """The words of text[a:b] left once organisation names, dates and brackets are taken out."""
    chars = list(text[a:b])
    for m in _orgs(mentions, a, b):
        chars[m.start - a:m.end - a] = " " * (m.end - m.start)
    rest = "".join(chars)
    for s, e, _ in find_dates(rest):
        rest = rest[:s] + " " * (e - s) + rest[e:]
    rest = re.sub(r"[（(][^）)]{0,20}[）)]", " ", rest)
    words = re.findall(r"[A-Za-z]+|[\u4e00-\u9fff]", rest)
    return [w for w in words if w.lower() not in _STOP]


def _org_line(text: str, u: Unit, mentions: list[Mention]) -> bool:
    orgs = _orgs(mentions, u.start, u.end)
    if not orgs:
        return False
    covered = sum(m.end - m.start for m in orgs)
    rest = _residual(text, u.start, u.end, mentions)
    return len(rest) <= 2 or covered >= 0.6 * (u.end - u.start)


def find_back(text: str, units: list[Unit], mentions: list[Mention]) -> tuple[int, int | None]:
    """(index of the first signature unit, index of the dated unit or None); len(units) if none."""
    n = len(units)
    window = range(n - 1, max(-1, n - 30), -1)
    date_i = None
    for i in window:
        u = units[i]
        t = text[u.start:u.end]
        if find_dates(t) and len(_residual(text, u.start, u.end, mentions)) <= 3 and len(t) <= 160:
            date_i = i
            break
    end = date_i if date_i is not None else n
    start = end
    while start - 1 >= 0 and _org_line(text, units[start - 1], mentions) and (end - start) < 25:
        start -= 1
    if date_i is not None and _orgs(mentions, units[date_i].start, units[date_i].end):
        start = min(start, date_i)
    if date_i is None and start == end:
        return n, None
    return start, date_i


def find_title(text: str, units: list[Unit], lang: str) -> tuple[str | None, tuple[int, int] | None, int]:
    """(title, span, index of its unit or -1 when the title is only borrowed from the first sentence)."""
    for i, u in enumerate(units[:12]):
        t = text[u.start:u.end]
        if t.upper().startswith("TITLE:"):
            off = u.start + 6 + (len(t[6:]) - len(t[6:].lstrip()))
            end = u.end
            m = re.search(r"\s*[（(][^（()）]*(?:〔|\[)\d{4}(?:〕|\])[^（()）]*[）)]\s*$", text[off:end])
            if m:  # a trailing "（国办发〔2019〕6号）" is the document number, not the title
                end = off + m.start()
            return text[off:end].strip(), (off, end), i
    for i, u in enumerate(units[:12]):
        t = text[u.start:u.end]
        m = TITLE_ZH.match(t) or TITLE_ZH_BARE.match(t.strip())
        if m:
            return m.group("t").strip(), (u.start, u.start + m.end("t")), i
        nxt = units[i + 1] if i + 1 < len(units) else None
        if nxt is not None and _whole_line(text, u) and _whole_line(text, nxt) and "关于" in t and len(t) < 80:
            joined = t.strip() + text[nxt.start:nxt.end].strip()  # a Chinese title broken over two lines
            m = TITLE_ZH.match(joined)
            if m and m.end("t") > len(t.strip()):
                return m.group("t"), (u.start, nxt.end), i + 1
        words = t.split()
        line_whole = _whole_line(text, u)
        if lang == "en" and line_whole and 3 <= len(words) <= 80 and TITLE_EN.search(t) and not t.rstrip().endswith(":"):
            if nxt is not None and _continues_title(text, u, nxt):
                title = " ".join((t.strip(), text[nxt.start:nxt.end].strip()))
                return title.rstrip("."), (u.start, nxt.end), i + 1
            return t.strip().rstrip("."), (u.start, u.end), i
    if units:
        u = units[0]
        t = text[u.start:u.end].strip()
        if len(t) <= 200:
            return t, (u.start, u.end), -1
        return t[:200].rsplit(" ", 1)[0], (u.start, u.start + 200), -1
    return None, None, -1


_OPEN_END = re.compile(r"\b(on|of|for|and|the|to|in|about|concerning|regarding|with|by|a|an)$", re.I)


def _continues_title(text: str, u: Unit, nxt: Unit) -> bool:
    """An English title broken over two lines: the first ends open ("... on") or the second starts in lower case."""
    first, second = text[u.start:u.end].strip(), text[nxt.start:nxt.end].strip()
    if not _whole_line(text, nxt) or len(second.split()) > 30 or second.endswith((".", ":", "：")):
        return False
    if find_dates(second) or any(rx.search(second) for rx in HEAD_RX) or match_marker(second, "en"):
        return False
    return bool(_OPEN_END.search(first)) or second[:1].islower()


def _whole_line(text: str, u: Unit) -> bool:
    before = text[max(0, u.start - 1):u.start]
    after = text[u.end:u.end + 1]
    return (u.start == 0 or before in "\r\n") and (after in ("", "\r", "\n"))


def extract_metadata(text: str, units: list[Unit], mentions: list[Mention], lang: str,
                     publisher: str | None = None) -> Metadata:
    """Metadata of one document from its kept units and the organisation mentions in them."""
    meta = Metadata(publisher=publisher)
    title, span, ti = find_title(text, units, lang)
    meta.title, meta.title_span = title, span
    front_end = ti + 1 if ti >= 0 else 0
    for i, u in enumerate(units[:15]):
        t = text[u.start:u.end].rstrip()
        if t.endswith((":", "：")) and ADDRESSEE.search(t) and i >= front_end - 1:
            front_end = i + 1
            break
    head_end = units[front_end - 1].end if front_end else (units[0].end if units else 0)
    num = find_doc_number(text, 0, max(head_end, min(len(text), 600)))
    if num:
        meta.doc_number, meta.doc_number_span = num
        for i, u in enumerate(units[:15]):
            if u.start <= num[1][0] < u.end and text[u.start:u.end].strip() == num[0] and i >= front_end:
                front_end = i + 1
    back_start, date_i = find_back(text, units, mentions)
    back_start = max(back_start, front_end)
    meta.front = set(range(front_end))
    sig_end = date_i + 1 if date_i is not None else len(units)
    meta.back = set(range(back_start, sig_end))
    meta.closing = set(range(sig_end, len(units)))
    meta.issuers = _issuers(text, units, mentions, lang, span, back_start, date_i)
    meta.date, meta.date_evidence = _issue_date(text, units, front_end, date_i, meta.doc_number)
    return meta


def _issuers(text, units, mentions, lang, title_span, back_start, date_i) -> list[Issuer]:
    zones: list[tuple[int, int]] = []
    if title_span:
        t = text[title_span[0]:title_span[1]]
        for rx in ISSUER_PART_ZH if lang == "zh" else ISSUER_PART_EN:
            m = rx.search(t)
            if m:
                zones.append((title_span[0] + m.start("p"), title_span[0] + m.end("p")))
                break
    for u in units[:15]:
        t = text[u.start:u.end]
        m = ISSUER_PART_EN[2].search(t) if lang == "en" else None
        if m:
            zones.append((u.start + m.start("p"), u.start + m.end("p")))
    note = adoption_note(text, units)
    if note:
        zones.append(note)
    if back_start < len(units):
        last = date_i if date_i is not None else len(units) - 1
        zones.append((units[back_start].start, units[last].end))
    found: dict[str, list[Mention]] = {}
    for a, b in zones:
        for m in _orgs(mentions, a, b):
            if can_issue(m):
                found.setdefault(m.iri, []).append(m)
    vocab = load_vocabulary()
    out = []
    for iri, ms in found.items():
        sub = _sub_organization(text, ms)
        out.append(Issuer(iri=iri, notation=vocab.by_iri[iri].notation, evidence=tuple(ms), sub_organization=sub))
        parent = vocab.by_iri[iri].parent_org
        if parent and parent not in found:
            out.append(Issuer(iri=parent, notation=vocab.by_iri[parent].notation, evidence=tuple(ms)))
    return sorted(out, key=lambda i: i.notation)


def adoption_note(text: str, units: list[Unit]) -> tuple[int, int] | None:
    """The span of a law's adoption note (the bracketed line under its title), if any."""
    for u in units[:6]:
        line_start = text.rfind("\n", 0, u.start) + 1
        line_end = text.find("\n", u.start)
        line_end = len(text) if line_end == -1 else line_end
        m = ADOPTION_NOTE.match(text[line_start:line_end])
        if m:
            return line_start + m.start("p"), line_start + m.end("p")
    return None


def _sub_organization(text: str, ms: list[Mention]) -> str | None:
    """The code of a sub-organisation named with the department (its General Office, SME bureau ...)."""
    for kind in load_vocabulary().of_kind("suborg-kind"):
        for m in ms:
            before = text[max(0, m.start - 40):m.start].lower()
            after = text[m.end:m.end + 12].lower()
            for lab in kind.labels:
                low = lab.text.lower()
                if lab.lang == "zh" and after.startswith(low):
                    return kind.notation
                if lab.lang == "en" and (re.search(rf"{re.escape(low)}\s+of\s+(the\s+)?$", before)
                                         or after.lstrip().startswith(low)):
                    return kind.notation
    return None


def _issue_date(text, units, front_end, date_i, doc_number):
    if date_i is not None:
        u = units[date_i]
        ds = find_dates(text[u.start:u.end])
        if ds:
            s, e, d = ds[-1]
            return d.isoformat(), (u.start + s, u.start + e, text[u.start + s:u.start + e])
    note = adoption_note(text, units)
    if note:
        ds = find_dates(text[note[0]:note[1]])
        if ds:  # the latest adoption or revision is the version's date
            s, e, d = max(ds, key=lambda x: x[2])
            return d.isoformat(), (note[0] + s, note[0] + e, text[note[0] + s:note[0] + e])
    m = _CHENGWEN.search(text, 0, min(len(text), 3000))
    if m:
        ds = find_dates(text[m.end():m.end() + 20])
        if ds and ds[0][0] == 0:
            s, e, d = ds[0]
            return d.isoformat(), (m.end() + s, m.end() + e, text[m.end() + s:m.end() + e])
    head = text[: units[min(len(units) - 1, front_end + 3)].end] if units else ""
    m = _ISSUED_ON.search(head)
    if m:
        year = m.group("y") or _year_hint(" ".join(text[u.start:u.end] for u in units), doc_number)
        if year:
            mon = month_number(m.group("mon"))
            try:
                d = dt.date(int(year), mon, int(m.group("d")))
                return d.isoformat(), (m.start("mon"), m.end("d"), text[m.start("mon"):m.end("d")])
            except ValueError:
                pass
    return None, None


def _year_hint(text: str, doc_number: str | None) -> str | None:
    if doc_number:
        m = re.search(r"(?:19|20)\d{2}", doc_number)
        if m:
            return m.group(0)
    years = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", text)
    web = set(re.findall(r"^\s*((?:19|20)\d{2})-\d{2}-\d{2}\s*$", text, re.M))
    years = [y for y in years if y not in web]
    return max(set(years), key=years.count) if years else None
