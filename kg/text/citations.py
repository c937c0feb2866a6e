"""Documents a policy text cites: titles (《…》, "the Law on the Promotion of …"), document numbers
(国发〔2015〕43号, "No. 13 [2019] of the Ministry of Finance", "Enterprise letter [2020] No. 72") and
references by issuer and date ("MIIT issued 20 measures on February 9").

`find_citations` reads one document; `CitationIndex.match` finds the documents of the graph a citation
names (by document number, by title similarity in the same language, or by issuer and issue date).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache

from kg.text.cues import cues, phrase_rx
from kg.text.dates import PartialDate, find_partial_dates
from kg.text.docnumbers import DOCNUM_EN, DOCNUM_ZH, norm_prefix, parse_number, zh_prefix
from kg.text.docview import DocView, slug

_BOOK = re.compile(r"《(?P<t>[^《》\n]{2,160})》(?:\s*[（(](?P<num>[^（）()]{2,30}?〔\d{4}〕[^（）()]{0,8}?号)[）)])?")
_QUOTED = re.compile(r"[“\"](?P<t>[^”\"\n]{8,240})[”\"]")
_ABBREV = {"gong xin", "guo fa", "guo ban fa", "cai shui", "yin fa", "cai ku", "cai jian", "enterprise letter"}


@dataclass(frozen=True)
class Citation:
    start: int
    end: int
    exact: str
    kind: str  # title, number, issued
    lang: str
    title: str | None = None
    number: tuple[str, int, int] | None = None  # (prefix, year, number)
    number_text: str | None = None
    issuers: tuple[str, ...] = ()
    date: PartialDate | None = None
    rule: str = ""

    @property
    def key(self) -> str:
        """The path of the cited-work node: by document number, else title, else issuer and date."""
        if self.number:
            p, y, n = self.number
            return f"number/{slug(f'{p}|{y}|{n}' if p else '|'.join(self.issuers) + f'|{y}|{n}')}"
        if self.title:
            return f"title/{self.lang}/{slug(norm_title(self.title, self.lang))}"
        d = self.date
        day = f"{d.year:04d}-{d.month:02d}-{d.day:02d}" if d and d.year else f"--{d.month:02d}-{d.day:02d}" if d else "_"
        return f"issued/{slug('+'.join(self.issuers))}/{day}"

    @property
    def label(self) -> str:
        return self.title or self.number_text or self.exact


# ---------------------------------------------------------------- normalisation


@lru_cache(maxsize=65536)
def norm_title(title: str, lang: str) -> str:
    t = unicodedata.normalize("NFKC", title).lower()
    if lang == "zh":
        return "".join(ch for ch in t if ch.isalnum())
    t = re.sub(r"[^a-z0-9]+", " ", t)
    words = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in t.split()]
    return " ".join(w for w in words if w not in ("the", "a", "an"))


def title_similarity(a: str, b: str, lang: str, floor: float = 0.0) -> float:
    """How alike two titles are (1.0 when one contains the other and is long enough to be specific).
    Below `floor`, an upper bound of it, found without the full comparison."""
    na, nb = norm_title(a, lang), norm_title(b, lang)
    if not na or not nb:
        return 0.0
    short, long_ = sorted((na, nb), key=len)
    specific = len(short) >= (10 if lang == "zh" else 30)
    if specific and short in long_:
        return 1.0
    if (bound := 2.0 * len(short) / (len(na) + len(nb))) < floor:  # difflib's real_quick_ratio, found first
        return bound
    sm = difflib.SequenceMatcher(None, na, nb, autojunk=False)
    if sm.quick_ratio() < floor:  # an upper bound too: cheap and enough to reject
        return sm.quick_ratio()
    return sm.ratio()


# ---------------------------------------------------------------- finding citations


@cache
def _en_rx() -> dict[str, re.Pattern]:
    c = cues()
    kws = sorted(c["title_keywords_en"], key=len, reverse=True)
    kw = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in kws)
    prep = "|".join(c["title_prepositions_en"])
    adj = (r"(?:interim|provisional|administrative|special|national|several|guiding|implementation|[\w]+-year"
           r"|(?-i:[A-Z][\w'-]*))")
    return {
        "start": re.compile(rf"\bthe\s+(?P<adj>(?:{adj}\s+){{0,4}}?)(?P<kw>{kw})\s+(?P<prep>{prep})\s+", re.I),
        "named_law": re.compile(r"\b(?P<t>(?:[A-Z][\w'-]*\s+){1,6}(?:Law|Act))\b"
                                r"(?P<tail>\s+of\s+the\s+People's\s+Republic\s+of\s+China)?"),
        "kw_only": re.compile(rf"^(?:(?:{adj})\s+){{0,4}}(?:{kw})(?:\s+(?:{prep})\b|$)", re.I),
        "stop": phrase_rx(c["title_stop_en"], "en"),
        "cite_verb": phrase_rx(c["cite_verbs_en"], "en", r"\s+$"),
        "narrow_verb": re.compile(r"\b(?:revise[ds]?|revising|amend(?:ed|s|ing)?|promulgat\w*|formulat\w*|issu\w*|"
                                  r"publish\w*|enact\w*|draft\w*)\s+$", re.I),
        "issue": re.compile(r"\b(?P<verb>" + "|".join(map(re.escape, c["issue_verbs_en"])) + r")\b", re.I),
        "issue_obj": phrase_rx(c["issue_objects_en"], "en"),
    }


_STRONG_LOWER = {"law", "regulations", "regulation", "provisions"}


def find_citations(ctx: DocView) -> list[Citation]:
    """Every citation in the kept text of one document, in text order, its own number and title left out."""
    lang = ctx.lang
    found: list[Citation] = []
    for u, _ in ctx.body_units():
        found += _in_unit(ctx, u.start, u.end)
    found = _merge(found, ctx.text)
    own = parse_number(ctx.record.meta.doc_number or "")
    own_span = ctx.record.meta.doc_number_span
    out = []
    for c in found:
        if own_span and c.start < own_span[1] and own_span[0] < c.end:
            continue
        if own and c.number and c.number[1:] == own[1:] and (not c.number[0] or not own[0] or c.number[0] == own[0]):
            continue
        if c.title and ctx.record.meta.title and title_similarity(c.title, ctx.record.meta.title, lang) >= 0.9:
            continue
        out.append(c)
    return out


def _in_unit(ctx: DocView, a: int, b: int) -> list[Citation]:
    t = ctx.text[a:b]
    return _zh(ctx, t, a) if ctx.lang == "zh" else _en(ctx, t, a)


def _zh(ctx: DocView, t: str, a: int) -> list[Citation]:
    out, taken = [], []
    for m in _BOOK.finditer(t):
        num = parse_number(m.group("num")) if m.group("num") else None
        out.append(Citation(a + m.start(), a + m.end(), m.group(0), "title", "zh", title=m.group("t").strip(),
                            number=num, number_text=m.group("num"), rule="citation: 《title》"
                            + (" (document number)" if num else "")))
        taken.append((m.start(), m.end()))
    for m in DOCNUM_ZH.finditer(t):
        if any(s <= m.start() < e for s, e in taken):
            continue
        prefix = zh_prefix(m.group("p"))
        if not prefix:
            continue
        s = m.end("p") - len(prefix)
        out.append(Citation(a + s, a + m.end(), t[s:m.end()], "number", "zh", number=(prefix, int(m.group("y")),
                            int(m.group("n"))), number_text=t[s:m.end()], rule="citation: document number 〔year〕N号"))
    out += _issued_zh(ctx, t, a)
    return out


def _issued_zh(ctx: DocView, t: str, a: int) -> list[Citation]:
    out = []
    for m in re.finditer("|".join(cues()["issue_verbs_zh"]), t):
        before = t[max(0, m.start() - 40):m.start()]
        dates = find_partial_dates(before)
        orgs = ctx.mentions_in(a + m.start() - 40, a + m.start(), ("department", "actor"))
        follows = re.match(r"了?(?:的)?(?:《|关于|[^。；，]{0,12}(?:通知|意见|措施|文件|政策|办法|方案))", t[m.end():])
        if dates and orgs and follows:
            s = min(a + max(0, m.start() - 40) + dates[-1].start, orgs[0].start)
            e = a + m.end()
            d = dates[-1]
            out.append(Citation(s, e, ctx.text[s:e], "issued", "zh", issuers=tuple(sorted({o.notation for o in orgs})),
                                date=d, rule="citation: issuer + date + 印发/发布"))
    return out


def _en(ctx: DocView, t: str, a: int) -> list[Citation]:
    rx = _en_rx()
    out: list[Citation] = []
    for m in rx["start"].finditer(t):
        title_end = _title_end(t, m.end())
        if title_end is None:
            continue
        title = t[m.start() + 4:title_end].strip()
        content = t[m.end():title_end]
        kw = m.group("kw")
        capital = any(w[:1].isupper() for w in (content.split() + [kw]) if w.lower() not in ("i",))
        before = t[max(0, m.start() - 40):m.start()]
        ok = (capital or (kw.lower() in _STRONG_LOWER and rx["cite_verb"].search(before))
              or m.group("adj").strip() or rx["narrow_verb"].search(before))
        if ok and len(content.split()) >= 2:
            out.append(Citation(a + m.start() + 4, a + title_end, title, "title", "en", title=title,
                                rule=f"citation: title 'the {kw} {m.group('prep')} …'"))
    for m in rx["named_law"].finditer(t):
        words = m.group("t").split()
        if words[0].lower() == "the":
            words = words[1:]
        if len(words) < 2:
            continue
        s = m.start("t") + (len(m.group("t")) - len(" ".join(words)))
        out.append(Citation(a + s, a + m.end(), t[s:m.end()], "title", "en", title=t[s:m.end()],
                            rule="citation: named law"))
    for m in _QUOTED.finditer(t):
        inner = m.group("t").strip()
        if rx["kw_only"].match(inner):
            out.append(Citation(a + m.start(), a + m.end(), m.group(0), "title", "en", title=inner,
                                rule="citation: quoted title"))
    for rxn in DOCNUM_EN:
        for m in rxn.finditer(t):
            g = m.groupdict()
            prefix = (g.get("p") or "").strip()
            if prefix.lower().split()[:1] in (["the"], ["in"], ["and"], ["of"]):
                prefix = " ".join(prefix.split()[1:])
            s = m.start() if not g.get("p") else m.start("p") + (len(g["p"]) - len(prefix))
            orgs = ctx.mentions_in(a + m.start(), a + m.end(), ("department", "actor")) if g.get("org") else []
            out.append(Citation(a + s, a + m.end(), t[s:m.end()], "number", "en",
                                number=(norm_prefix(prefix), int(m.group("y")), int(m.group("n"))),
                                number_text=t[s:m.end()], issuers=tuple(sorted({o.notation for o in orgs})),
                                rule="citation: document number [year] No. N"))
    out += _issued_en(ctx, t, a)
    return out


def _issued_en(ctx: DocView, t: str, a: int) -> list[Citation]:
    rx = _en_rx()
    out = []
    for m in rx["issue"].finditer(t):
        window = re.match(r"[^.;!?]{0,240}", t[m.end():]).group(0)
        on = next(((o, d) for o in re.finditer(r"\bon\s+", window)
                   for d in find_partial_dates(window[o.end():o.end() + 24]) if d.start == 0), None)
        if on is None:
            continue
        obj = window[:on[0].start()]
        if not (rx["issue_obj"].search(obj) or _QUOTED.search(obj) or "《" in obj):
            continue
        orgs = [o for o in ctx.mentions_in(a + max(0, m.start() - 90), a + m.start(), ("department", "actor"))]
        if not orgs:
            continue
        near = [o for o in orgs if a + m.start() - o.end <= 40] or orgs[-1:]
        d = on[1]
        s, e = near[0].start, a + m.end() + on[0].end() + d.end
        out.append(Citation(s, e, ctx.text[s:e], "issued", "en", issuers=tuple(sorted({o.notation for o in near})),
                            date=d, rule=f"citation: issuer + '{m.group('verb').lower()} … on' + date"))
    return out


def _title_end(t: str, pos: int) -> int | None:
    """Where an English title that continues at `pos` ends (after its last capitalised or title-final word)."""
    c = cues()
    rx = _en_rx()
    list_words = set(c["title_list_words_en"])
    finals = set(c["title_final_words_en"])
    words = []
    for m in re.finditer(r"[^\s]+", t[pos:pos + 320]):
        w = m.group(0)
        if words and rx["stop"].match(t, pos + m.start()):
            break
        if w[0] in "(“\"《[":
            break
        core = w.rstrip(",.;:)”\"]!?")
        if core:
            words.append((pos + m.start(), pos + m.start() + len(core), core))
        if core != w:
            if w.endswith(",") and core.lower() in list_words:
                continue
            break
    if not words:
        return None
    caps = [e for s, e, w in words if w[:1].isupper() or w.isupper()]
    fin = [e for s, e, w in words if w.lower() in finals]
    ends = caps or fin
    if not ends:
        return None if len(words) > 14 else words[-1][1]
    return max(ends) if caps else fin[-1]


def _merge(cits: list[Citation], text: str) -> list[Citation]:
    """One citation per span: a title inside an 'issued … on' phrase or a number after a title join it."""
    cits = sorted(cits, key=lambda c: (c.start, -c.end))
    out: list[Citation] = []
    for c in cits:
        host = next((o for o in out if o.start <= c.start and c.end <= o.end), None)
        if host is None:
            host_i = next((i for i, o in enumerate(out) if c.start <= o.start and o.end <= c.end), None)
            if host_i is not None:
                inner = out.pop(host_i)
                out.append(_join(c, inner))
                continue
            after = next((i for i, o in enumerate(out) if o.kind == "title" and c.kind == "number"
                          and 0 <= c.start - o.end <= 3), None)
            if after is not None:
                t = out.pop(after)
                out.append(replace(t, end=c.end, exact=text[t.start:c.end], number=c.number,
                                   number_text=c.number_text, rule=t.rule + " + document number"))
                continue
            out.append(c)
            continue
        out[out.index(host)] = _join(host, c)
    return sorted(out, key=lambda c: c.start)


def _join(outer: Citation, inner: Citation) -> Citation:
    return replace(outer, title=outer.title or inner.title, number=outer.number or inner.number,
                   number_text=outer.number_text or inner.number_text,
                   issuers=outer.issuers or inner.issuers, date=outer.date or inner.date,
                   rule=outer.rule if outer.rule == inner.rule else f"{outer.rule}; {inner.rule}")


# ---------------------------------------------------------------- matching to the documents of the graph


@dataclass
class DocInfo:
    iri: str
    policy: str
    lang: str
    title: str | None
    number: tuple[str, int, int] | None
    issuers: set[str]
    date: dt.date | None


@dataclass
class CitationIndex:
    docs: list[DocInfo] = field(default_factory=list)

    def match(self, c: Citation, citing_year: int | None = None) -> tuple[list[DocInfo], str]:
        """The documents a citation names, and how they were matched ('' when none is)."""
        if c.number:
            p, y, n = c.number
            hits = [d for d in self._by("number", lambda d: d.number[1:] if d.number else None).get((y, n), ())
                    if ((p and d.number[0] and (p == d.number[0] or p.endswith(d.number[0]) or d.number[0].endswith(p)))
                         or (c.issuers and set(c.issuers) & d.issuers))]
            if hits:
                return hits, "document number"
        if c.title:
            best, titles = self._title_match(c.title, c.lang)
            if titles:
                found = {d.iri: d for t in titles for d in self._docs_with_title(c.lang)[t]}
                return sorted(found.values(), key=lambda d: d.iri), f"title similarity {best:.2f}"
        if c.date and c.issuers:
            same_day = self._by("day", lambda d: (d.date.month, d.date.day) if d.date else None)
            hits = [d for d in same_day.get((c.date.month, c.date.day), ()) if set(c.issuers) <= d.issuers
                    and (c.date.year or citing_year or d.date.year) == d.date.year]
            if hits:
                return hits, "issuer and issue date"
        return [], ""

    def _by(self, name: str, key) -> dict:
        """The documents by a key (built once; in the order of `docs`, as a scan would find them)."""
        index = self.__dict__.setdefault("_index", {})
        if name not in index:
            by: dict = {}
            for d in self.docs:
                k = key(d)
                if k is not None:
                    by.setdefault(k, []).append(d)
            index[name] = by
        return index[name]

    def issued_of(self) -> dict[str, dt.date]:
        """Each policy's issue date (from a document of it that has one)."""
        if not hasattr(self, "_issued"):
            self._issued = {d.policy: d.date for d in self.docs if d.date}
        return self._issued

    def titles_of(self, policy: str) -> list[tuple[str, str]]:
        if not hasattr(self, "_titles"):
            by: dict[str, set[tuple[str, str]]] = {}
            for d in self.docs:
                if d.title:
                    by.setdefault(d.policy, set()).add((d.lang, d.title))
            self._titles = {p: sorted(t) for p, t in by.items()}
        return self._titles.get(policy, [])

    def _docs_with_title(self, lang: str) -> dict[str, list[DocInfo]]:
        """Each distinct title in `lang` -> the documents whose policy has that title."""
        if not hasattr(self, "_by_title"):
            self._by_title: dict[str, dict[str, list[DocInfo]]] = {}
            for d in self.docs:
                for tl, title in self.titles_of(d.policy):
                    self._by_title.setdefault(tl, {}).setdefault(title, []).append(d)
        return self._by_title.get(lang, {})

    def _title_match(self, title: str, lang: str) -> tuple[float, list[str]]:
        """The best title similarity (>= 0.85) of a cited title to the graph's titles, and the titles
        that reach it. Each distinct title is compared once per distinct cited title (a corpus cites
        the same laws again and again), not once per document."""
        memo = self.__dict__.setdefault("_title_memo", {})
        key = (title, lang)
        if key not in memo:
            scored = [(title_similarity(title, t, lang, floor=0.85), t) for t in self._docs_with_title(lang)]
            scored = [(s, t) for s, t in scored if s >= 0.85]
            best = max((s for s, _ in scored), default=0.0)
            memo[key] = (best, [t for s, t in scored if s == best])
        return memo[key]
