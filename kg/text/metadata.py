"""Stage 3b: title, document number, issue date, publisher and issuers, and the front/back zones.

Issuers come only from where a document names them as such: the issuer part of the title ("Notice
of X on ...", "X关于..."), an "issued by" byline, the signature block at the end (organisation
names, possibly run together or garbled, followed by a date), the prefix of the document number (银发 ->
PBC, ontology/docnumber-prefixes.ttl), the page's metadata fields (发文机关, "Issued by:"), a law's adoption
lines, and, in a news release that names no issuer otherwise, the department that speaks
(kg.text.metafields). A body that succeeds another (NFRA, dcterms:replaces CBIRC) issues for both.
Departments named in the body are implementers or addressees, not issuers; a web site named as source is
the publisher. The issue date is the signature date, an issue-date field (成文日期) or a law's latest
adoption, revision or promulgation date; a page's publication or update date never is.
"""

from __future__ import annotations

import datetime as dt
import re

from kg.model import Issuer, Mention, Metadata, Unit
from kg.text.dates import MON, find_dates, month_number
from kg.text.docnumbers import HEAD_RX, as_printed, find_doc_number, prefix_issuers
from kg.text.lexicon import lexicon
from kg.text.metafields import (
    Field,
    adoption_lines,
    after_signature_rx,
    effective_rx,
    find_fields,
    speakers,
    starts_with_field,
)
from kg.text.numbering import match_marker
from kg.vocab import load_vocabulary

_ISSUED_ON = re.compile(rf"\b(?:issued|released|promulgated|published)\b[^.]{{0,250}}?\bon\s+{MON}\s+(?P<d>\d{{1,2}})\b(?:\s*,?\s*(?P<y>(?:19|20)\d{{2}}))?", re.I)
_NOT_SIGNATURE = ("page_date", "effective_date", "source", "other")
TITLE_EN = re.compile(r"\b(notice|circular|opinions?|measures|announcement|decision|guidelines?|provisions|regulations|rules|plan|letter|law|reply|policies|programme|program)\b", re.I)
TITLE_ZH = re.compile(r"^(?P<t>[^。：:\n]{0,80}?(?:关于|印发)[^。：:\n]{2,160}?(?:的)?(?:通知|指导意见|实施意见|若干意见|意见|办法|决定|公告|通告|规定|方案|细则|条例|函|批复|措施))")
TITLE_ZH_BARE = re.compile(r"^(?P<t>[^。：:\n]{2,60}(?:法|条例|规定|办法|通知|意见|公告|方案))$")
ISSUER_PART_EN = [
    re.compile(r"^\s*(?:the\s+)?(?P<p>.{3,300}?)\s+(?:has\s+|have\s+|jointly\s+)?(?:issued|issues|released|printed and distributed)\b", re.I),
    re.compile(r"\b(?:notice|circular|opinions?|measures|announcement|decision|guidelines?|provisions|reply|letter|plan)\s+(?:issued\s+)?(?:of|by|from)\s+(?P<p>.{3,300}?)\s+(?:on|concerning|regarding|about|for|to)\b", re.I),
    re.compile(r"\bissued\s+by\s+(?P<p>.{3,300}?)(?:[.;:]|$)", re.I),
]
ISSUER_PART_ZH = [re.compile(r"^(?P<p>[^。：:]{2,120}?)(?:关于|印发|发布)")]
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
        if starts_with_field(t, _NOT_SIGNATURE) or effective_rx().search(t):
            continue  # "发布时间：2020-03-01", "Updated: …", "…施行": the page's or the effective date, not the signature's
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
        if _first_item(text, units, i, lang):
            break  # no title line: the first numbered item is a measure, not the title
        if i > 0 and _body_like(t, lang):
            break  # the body has begun: a title comes before it, never after
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
        if len(units) > 1 and _headline(text, u, lang) and not _first_item(text, units, 0, lang):
            return t, (u.start, u.end), 0  # a headline line above the body (a news release, a web page)
        if len(t) <= 200:
            return t, (u.start, u.end), -1
        return t[:200].rsplit(" ", 1)[0], (u.start, u.start + 200), -1
    return None, None, -1


def _body_like(t: str, lang: str) -> bool:
    """A unit that reads as body text, not a title: a long sentence ended by a full stop."""
    t = t.strip()
    if lang == "zh":
        return len(t) > 60 and t.endswith(("。", "；"))
    return len(t.split()) > 25 and t.endswith((".", ";"))


def _headline(text: str, u: Unit, lang: str) -> bool:
    """A line of its own, short, not a sentence: what a page or a news release puts above its body."""
    t = text[u.start:u.end].strip()
    if not _whole_line(text, u) or t.endswith((".", "。", ":", "：", ";", "；")):
        return False
    return len(t) <= 60 if lang == "zh" else 3 <= len(t.split()) <= 25


def _first_item(text: str, units: list[Unit], i: int, lang: str) -> bool:
    """Whether units[i] opens a numbered list: it starts with item 1 of a style whose item 2 follows."""
    mk = match_marker(text[units[i].start:units[i].end], lang)
    if mk is None or mk.n != 1:
        return False
    for u in units[i + 1:i + 60]:
        nxt = match_marker(text[u.start:u.end], lang)
        if nxt is not None and nxt.style == mk.style and nxt.n == 2:
            return True
    return False


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
    fields = find_fields(text)
    head_end = units[front_end - 1].end if front_end else (units[0].end if units else 0)
    num = _field_number(text, fields) or find_doc_number(text, 0, max(head_end, min(len(text), 600)))
    if num:
        meta.doc_number, meta.doc_number_span = num
        a, b = num[1]
        for i, u in enumerate(units[:15]):
            if a <= u.start and u.end <= b or (u.start <= a < u.end and as_printed(text[u.start:u.end]) == num[0]):
                front_end = max(front_end, i + 1)
    back_start, date_i = find_back(text, units, mentions)
    back_start = max(back_start, front_end)
    meta.front = set(range(front_end))
    sig_end = date_i + 1 if date_i is not None else len(units)
    meta.back = set(range(back_start, sig_end))
    meta.closing = set(range(sig_end, len(units)))
    notes = adoption_lines(text, units)
    meta.issuers = _issuers(text, units, mentions, lang, span, back_start, date_i, notes)
    meta.issuers = _more_issuers(text, units, mentions, lang, meta, fields)
    meta.date, meta.date_evidence = _issue_date(text, units, front_end, date_i, meta.doc_number, fields, notes)
    return meta


def _field_number(text: str, fields: list[Field]) -> tuple[str, tuple[int, int]] | None:
    """The document number of a 发文字号 / "Document No.:" field."""
    for f in fields:
        if f.kind == "number" and re.search(r"\d", text[f.value[0]:f.value[1]]):
            found = find_doc_number(text, *f.value)
            return found or (as_printed(text[f.value[0]:f.value[1]]), f.value)
    return None


def _issuers(text, units, mentions, lang, title_span, back_start, date_i, notes) -> list[Issuer]:
    zones: list[tuple[int, int]] = list(notes)
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
    if back_start < len(units):
        last = date_i if date_i is not None else len(units) - 1
        zones.append((units[back_start].start, units[last].end))
    found: dict[str, list[Mention]] = {}
    for a, b in zones:
        for m in _orgs(mentions, a, b):
            if can_issue(m):
                found.setdefault(m.iri, []).append(m)
    return _as_issuers(text, found)


def _as_issuers(text: str, found: dict[str, list[Mention]], office: frozenset[str] = frozenset()) -> list[Issuer]:
    """Issuers from the mentions that name them: each with its parent organisation and the bodies it succeeds."""
    vocab = load_vocabulary()
    out: dict[str, Issuer] = {}
    for iri, ms in found.items():
        sub = "GO" if iri in office else _sub_organization(text, ms)
        out[iri] = Issuer(iri=iri, notation=vocab.by_iri[iri].notation, evidence=tuple(ms), sub_organization=sub)
    for iri, ms in found.items():
        for more in (vocab.by_iri[iri].parent_org, *vocab.by_iri[iri].replaces):
            if more and more not in out:
                out[more] = Issuer(iri=more, notation=vocab.by_iri[more].notation, evidence=tuple(ms))
    return sorted(out.values(), key=lambda i: i.notation)


def _more_issuers(text, units, mentions, lang, meta: Metadata, fields: list[Field]) -> list[Issuer]:
    """The issuers named by the number's prefix, by the number itself ("No. 13 [2019] of the Ministry of
    Finance", 财政部 税务总局公告…), by the page's issuer fields and, when none is named anywhere, the
    department that speaks in a news release."""
    found: dict[str, list[Mention]] = {i.iri: list(i.evidence) for i in meta.issuers}
    office: set[str] = {i.iri for i in meta.issuers if i.sub_organization == "GO"}
    if meta.doc_number_span:
        a, b = meta.doc_number_span
        hit = prefix_issuers(meta.doc_number)
        if hit:
            label, concepts = hit
            for c in concepts:
                rule = f'docNumberPrefix@{label.lang} "{label.text}"'
                found.setdefault(c.iri, []).append(Mention(c.iri, c.notation, c.kind, a, b, text[a:b], rule))
                if label.kind == "office":
                    office.add(c.iri)
        for m in _orgs(mentions, a, b):
            if can_issue(m):
                found.setdefault(m.iri, []).append(m)
    for f in fields:
        if f.kind == "issuer" and f.value[1] > f.value[0]:
            value = text[f.value[0]:f.value[1]]
            lang_v = "zh" if re.search(r"[\u4e00-\u9fff]", value) else "en"
            for m in lexicon(lang_v).find(text, [Unit(f.value[0], f.value[1], 0)]):
                if can_issue(m):
                    found.setdefault(m.iri, []).append(m)
    if not found:
        for m in speakers(text, units, [m for m in mentions if can_issue(m)], lang):
            found.setdefault(m.iri, []).append(m)
    return _as_issuers(text, found, frozenset(office))


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


def _issue_date(text, units, front_end, date_i, doc_number, fields, notes):
    for f in fields:  # 成文日期：…, "Date of Issuance: …" (a page's 发布日期 / "Updated:" never)
        if f.kind == "issue_date":
            ds = find_dates(text[f.value[0]:f.value[1]], month_first=True)
            if ds:
                return _dated(text, f.value[0], ds[0])
    if date_i is None:
        date_i = _cover_signature(text, units, front_end)
    if date_i is not None:
        u = units[date_i]
        ds = find_dates(text[u.start:u.end])
        if ds:
            return _dated(text, u.start, ds[-1])
    dated = [(a, d) for a, b in notes for d in find_dates(text[a:b])]
    if dated:  # the latest adoption, revision, approval or promulgation is the version's date
        a, d = max(dated, key=lambda x: x[1][2])
        return _dated(text, a, d)
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


def _dated(text: str, offset: int, found) -> tuple[str, tuple[int, int, str]]:
    s, e, d = found
    return d.isoformat(), (offset + s, offset + e, text[offset + s:offset + e])


def _cover_signature(text: str, units: list[Unit], front_end: int) -> int | None:
    """The date line of a signature that is not at the end: a cover letter's or a notice's, followed by its
    attachment or a note (附件, (此件公开发布), Annex …). A date line before the body (a page's date) is not."""
    after = after_signature_rx("zh"), after_signature_rx("en")
    for i in range(max(front_end, 1), len(units) - 1):
        u = units[i]
        t = text[u.start:u.end].strip()
        if len(t) > 40 or not _whole_line(text, u) or starts_with_field(t, _NOT_SIGNATURE) or effective_rx().search(t):
            continue
        ds = find_dates(t)
        if not ds or len(re.sub(r"[\s,.，。]", "", t[:ds[0][0]] + t[ds[-1][1]:])) > 2:
            continue
        nxt = text[units[i + 1].start:units[i + 1].end]
        if any(rx.match(nxt) for rx in after):
            return i
    return None


def _year_hint(text: str, doc_number: str | None) -> str | None:
    if doc_number:
        m = re.search(r"(?:19|20)\d{2}", doc_number)
        if m:
            return m.group(0)
    years = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", text)
    web = set(re.findall(r"^\s*((?:19|20)\d{2})-\d{2}-\d{2}\s*$", text, re.M))
    years = [y for y in years if y not in web]
    return max(set(years), key=years.count) if years else None
