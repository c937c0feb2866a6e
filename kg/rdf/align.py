"""One policy, several documents: language versions (and copies) of a policy, aligned measure by measure.

Two documents are versions of one policy when nothing contradicts it (same document number if both
have one; a common issuer if both name issuers; the issue date of one printed in the other) and their
structure matches: enough of their measures pair up by number and by content. Content is language
independent: the concepts linked in each measure (instruments, enterprise types, organisations,
regions, by notation), the digits in its text, and its share of the document's length.

A pair is a candidate when its numbers agree and its content does not contradict them, or when its
content agrees (whatever the numbers). Pairs are chosen greedily by score (content weighs more than
the number), so a measure whose text was shuffled under another number in a
web copy is aligned with the measure its content matches, and a number whose content contradicts it
stays unaligned (and is reported as such).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field

from kg.model import Segment
from kg.rdf.iris import segment_iri
from kg.text.dates import find_dates
from kg.text.docnumbers import parse_number
from kg.text.docview import DocView, slug
from kg.text.extract import links, segment_text

MIN_RATIO = 0.5  # share of the smaller document's measures that must align for two documents to be one policy
CONTENT = 0.5  # weighted Jaccard of linked concepts that aligns two measures whatever their numbers


@dataclass
class MeasureInfo:
    iri: str
    seg: Segment
    n: int | None
    number: str | None
    concepts: frozenset[str]
    digits: frozenset[str]
    length: int
    head: tuple[int, int]  # span of its first sentence


@dataclass(frozen=True)
class Pair:
    a: MeasureInfo
    b: MeasureInfo
    score: float
    basis: str


@dataclass
class Alignment:
    a: DocView
    b: DocView
    pairs: list[Pair] = field(default_factory=list)
    unaligned_a: list[MeasureInfo] = field(default_factory=list)
    unaligned_b: list[MeasureInfo] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        smaller = min(len(self.pairs) + len(self.unaligned_a), len(self.pairs) + len(self.unaligned_b))
        return len(self.pairs) / smaller if smaller else 0.0


def measure_infos(ctx: DocView) -> list[MeasureInfo]:
    rec, out = ctx.record, []
    for seg in rec.measures():
        text = segment_text(rec, seg)
        concepts = frozenset(link.mention.notation for link in links(rec, seg))
        body = re.sub(r"^\s*[(（]?\s*\d{1,3}\s*[)）.．、]?", "", text)
        digits = frozenset(re.findall(r"\d+(?:\.\d+)?", body))
        first = min(seg.units) if seg.units else None
        head = (first.start, first.end) if first else (seg.start, seg.start)
        out.append(MeasureInfo(str(segment_iri(ctx.doc, seg)), seg, seg.n, seg.number, concepts, digits,
                               len(re.sub(r"\s+", "", text)), head))
    return out


def _jaccard(a: frozenset[str], b: frozenset[str], weight) -> float | None:
    if not a and not b:
        return None
    inter = sum(weight(x) for x in a & b)
    union = sum(weight(x) for x in a | b)
    return inter / union if union else 0.0


def align(a: DocView, b: DocView, infos: Callable[[DocView], list[MeasureInfo]] = measure_infos) -> Alignment:
    """Measure-by-measure alignment of two documents (`infos`: measure_infos, or an Aligner's memo of it)."""
    ma, mb = infos(a), infos(b)
    total = len(ma) + len(mb)
    df: dict[str, int] = {}
    for m in ma + mb:
        for c in m.concepts:
            df[c] = df.get(c, 0) + 1

    def weight(c: str) -> float:
        return math.log(1 + total / df.get(c, 1))

    la, lb = sum(m.length for m in ma) or 1, sum(m.length for m in mb) or 1
    candidates = []
    for i, x in enumerate(ma):
        for j, y in enumerate(mb):
            same_n = x.n is not None and x.n == y.n
            content = _jaccard(x.concepts, y.concepts, weight)
            digits = _jaccard(x.digits, y.digits, lambda _: 1.0)
            r = ((x.length / la) / (y.length / lb)) if x.length and y.length else 0.0
            length = min(r, 1 / r) if r else 0.0
            contradicted = same_n and content == 0.0 and len(x.concepts) >= 2 and len(y.concepts) >= 2
            score = 0.3 * same_n + 0.5 * (content or 0.0) + 0.1 * (digits or 0.0) + 0.1 * length
            if not ((same_n and not contradicted) or (content or 0.0) >= CONTENT):
                continue
            shared = sorted(x.concepts & y.concepts)
            basis = "; ".join(p for p in (
                f"number {x.number} = {y.number}" if same_n else f"numbers differ ({x.number} / {y.number})",
                f"shared concepts {', '.join(shared)} (weighted Jaccard {content:.2f})" if content else
                ("no linked concepts" if content is None else "no shared concepts"),
                f"shared numbers {', '.join(sorted(x.digits & y.digits))}" if digits else "",
                f"length share ratio {length:.2f}") if p)
            candidates.append((-round(score, 6), i, j, Pair(x, y, round(score, 3), basis)))
    used_a, used_b, pairs = set(), set(), []
    for _, i, j, pair in sorted(candidates, key=lambda c: c[:3]):
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append(pair)
    index = {id(m): i for i, m in enumerate(ma)}
    pairs.sort(key=lambda p: index[id(p.a)])
    return Alignment(a, b, pairs, [m for i, m in enumerate(ma) if i not in used_a],
                     [m for j, m in enumerate(mb) if j not in used_b])


class Aligner:
    """align() and measure_infos() for one corpus, each worked out once per document and per pair
    (the grouping, a policy's section and each of its documents' sections ask for the same ones).
    Keyed by the views' identities, with the views held, so a key cannot come to name another one."""

    def __init__(self) -> None:
        self._infos: dict[int, tuple[DocView, list[MeasureInfo]]] = {}
        self._pairs: dict[tuple[int, int], tuple[DocView, DocView, Alignment]] = {}

    def infos(self, ctx: DocView) -> list[MeasureInfo]:
        got = self._infos.get(id(ctx))
        if got is None:
            got = self._infos[id(ctx)] = (ctx, measure_infos(ctx))
        return got[1]

    def __call__(self, a: DocView, b: DocView) -> Alignment:
        got = self._pairs.get((id(a), id(b)))
        if got is None:
            got = self._pairs[(id(a), id(b))] = (a, b, align(a, b, self.infos))
        return got[2]


# ---------------------------------------------------------------- which documents are one policy

OWN_LINE_EXTRA = 20  # characters beside a document number on a line that prints it as the document's own
_CLAUSE = re.compile(r"[。；;，,]")  # a sentence's clause punctuation


def own_number(ctx: DocView) -> tuple | None:
    """The document's own number, parsed (kg.text.docnumbers.parse_number), or None (own_doc_number)."""
    return parse_number(own_doc_number(ctx) or "")


def own_doc_number(ctx: DocView) -> str | None:
    """The document number metadata found, where it is printed as a document's own is: in the front
    matter (the title block, a 发文字号 field), on a line of its own ("国发〔2018〕39号", an order's
    "2017年8月2日 国务院令第683号公布"), or outside the kept text; else None. One cited inside a sentence
    of the text ("根据《…意见》(国办发〔2019〕6号)，…") is the number of another document."""
    meta = ctx.record.meta
    if not meta.doc_number or not meta.doc_number_span:
        return meta.doc_number
    a, b = meta.doc_number_span
    for i, u in enumerate(ctx.record.units):
        if u.start <= a < u.end:
            if i in meta.front:
                return meta.doc_number
            rest = ctx.text[u.start:a] + " " + ctx.text[b:u.end]
            short = len(rest.strip()) <= OWN_LINE_EXTRA and not _CLAUSE.search(rest)
            return meta.doc_number if short else None
    return meta.doc_number


def issue_date(ctx: DocView) -> tuple[str | None, bool]:
    """The issue date (ISO) and whether its year is printed (a year guessed for "on February 9" is not)."""
    meta = ctx.record.meta
    if not meta.date:
        return None, False
    printed = meta.date_evidence[2] if meta.date_evidence else ""
    year = meta.date[:4]
    known = not printed or year in printed or bool(re.search(r"[〇零一二三四五六七八九]{4}\s*年", printed))
    return meta.date, known


def edge_dates(ctx: DocView) -> frozenset[str]:
    """The month and day ("MM-DD") of each date printed in the document's edge zones (its first and last
    four units): found where the document is extracted (kg.rdf.findings.Findings) and kept with it."""
    units = ctx.record.units
    edge = units[:4] + units[-4:]
    return frozenset(d.isoformat()[5:] for u in edge for _, _, d in find_dates(ctx.text[u.start:u.end]))


def _date_keys(ctx: DocView) -> set[str]:
    """Blocking keys: the issue date's month and day, or with none those of the dates in the edge zones."""
    date, _ = issue_date(ctx)
    if date:
        return {date[5:]}
    found = getattr(ctx.found, "edge_dates", None)
    return set(found if found is not None else edge_dates(ctx))


def _printed_dates(ctx: DocView) -> set[str]:
    return {d.isoformat() for _, _, d in find_dates(ctx.text)}


def _same_day(da: str, known_a: bool, db: str, known_b: bool) -> bool:
    return da == db or ((not known_a or not known_b) and da[5:] == db[5:])


def dates_agree(a: DocView, b: DocView) -> bool | None:
    """True when the issue dates agree (or one is printed in the other document), False when they clash,
    None when neither document has one."""
    (da, ka), (db, kb) = issue_date(a), issue_date(b)
    if da and db:
        return _same_day(da, ka, db, kb)
    if da:
        return any(_same_day(da, ka, d, True) for d in _printed_dates(b))
    if db:
        return any(_same_day(db, kb, d, True) for d in _printed_dates(a))
    return None


def same_policy(a: DocView, b: DocView, aligned: Callable[[DocView, DocView], Alignment] = align,
                ) -> tuple[bool, Alignment | None, str]:
    """Whether two documents are versions of one policy, their alignment, and why. A number cited in
    a document's text is not its own (own_number): it neither joins nor separates two documents."""
    na, nb = own_number(a), own_number(b)
    if na and nb and na[1:] != nb[1:]:
        return False, None, "different document numbers"
    ia, ib = a.issuers(), b.issuers()
    if ia and ib and not ia & ib:
        return False, None, "no common issuer"
    agree = dates_agree(a, b)
    if agree is False:
        return False, None, "different issue dates"
    same_number = bool(na and nb and na[1:] == nb[1:] and (na[0] == nb[0] or a.lang != b.lang))
    if not same_number and (a.lang == b.lang or not agree):
        return False, None, "no common document number or issue date"
    al = aligned(a, b)
    smaller = min(len(al.pairs) + len(al.unaligned_a), len(al.pairs) + len(al.unaligned_b))
    if same_number:
        return True, al, "same document number"
    if smaller >= 2 and al.ratio >= MIN_RATIO:
        common = ", ".join(sorted(ia & ib)) or "issuer not printed in one"
        return True, al, f"common issuer ({common}), same issue date, {len(al.pairs)} of {smaller} measures aligned"
    return False, None, f"structure differs ({len(al.pairs)} of {smaller} measures aligned)"


def identity(ctx: DocView) -> str:
    """What a document's part in the grouping depends on: its content, name and IRI."""
    src = ctx.record.source
    return f"{src.sha256}|{src.name}|{ctx.doc}"


def group(ctxs: list[DocView], decided: MutableMapping[str, tuple[bool, str]] | None = None,
          aligned: Callable[[DocView, DocView], Alignment] | None = None,
          ) -> tuple[list[list[DocView]], list[tuple[DocView, DocView, str]]]:
    """Documents grouped into policies (each group sorted by IRI), and the pairs that joined them
    (sorted, each with why). `decided`: the decisions of earlier builds on pairs of documents, by
    the pair's identities; a pair found there is not aligned again. `aligned`: align (an Aligner).

    Linear in the size of a policy: the documents are taken in IRI order, and each is compared with
    the representative (first document) of each policy found so far that shares a blocking key with
    it (an issue date's month and day, its own document number), not with every version. A policy's
    versions are so aligned with one document each; the joins form a tree, not every pair."""
    aligned = aligned or Aligner()
    order = sorted(range(len(ctxs)), key=lambda n: str(ctxs[n].doc))
    parent = list(range(len(ctxs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ids = [identity(c) for c in ctxs] if decided is not None else []
    rank = {n: r for r, n in enumerate(order)}
    block: dict[str, set[int]] = {}  # blocking key -> the representatives of the policies whose documents have it
    joined = []
    for i in order:
        ks = _block_keys(ctxs[i])
        reps = sorted({find(r) for k in ks for r in block.get(k, ())}, key=rank.__getitem__)
        for r in reps:  # each a policy's representative: its root is its first document (IRI order)
            pair = f"{ids[r]}\x1f{ids[i]}" if decided is not None else ""
            known = decided.get(pair) if decided is not None else None
            if known is None:
                ok, al, why = same_policy(ctxs[r], ctxs[i], aligned)
                known = (bool(ok and al is not None), why)
                if decided is not None:
                    decided[pair] = known
            if known[0]:
                joined.append((ctxs[r], ctxs[i], known[1]))
                a, b = find(r), find(i)
                parent[max(a, b, key=rank.__getitem__)] = min(a, b, key=rank.__getitem__)
        root = find(i)
        for k in ks:
            block.setdefault(k, set()).add(root)
    groups: dict[int, list[DocView]] = {}
    for i, c in enumerate(ctxs):
        groups.setdefault(find(i), []).append(c)
    out = sorted((sorted(g, key=lambda c: str(c.doc)) for g in groups.values()), key=lambda g: str(g[0].doc))
    return out, sorted(joined, key=lambda j: (str(j[0].doc), str(j[1].doc)))


def _block_keys(ctx: DocView) -> set[str]:
    num = own_number(ctx)
    return {f"date:{d}" for d in _date_keys(ctx)} | ({f"num:{num[1]}/{num[2]}"} if num else set())


def policy_key(members: list[DocView]) -> str:
    """The path of a policy's IRI: its own document number when one is printed (own_number), else its first
    document."""
    own = [(c, own_doc_number(c)) for c in members]
    numbers = sorted(n for c, n in own if n and c.lang == "zh") or sorted(n for _, n in own if n)
    if numbers:
        return slug(re.sub(r"\s+", "", numbers[0]))
    return str(members[0].doc).rsplit("/", 1)[-1]
