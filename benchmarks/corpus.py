"""Synthetic corpora made by recombining the paragraphs of the shipped corpus (corpus/*.txt).

Each synthetic document keeps the head (title, byline, date) of one real document, then a shuffled
selection of body paragraphs of documents in the same language, so that every stage of the pipeline
(clean-up, metadata, segmentation, linking) has realistic work to do. Generation is seeded: the same
size and seed give the same files.

The documents are made in rounds, one document per shipped document in each round; round k shifts
every date by k days and every document number by 100 k, so that each round is a set of distinct
policies (as in a real corpus, where two documents rarely share a number and an issue date) while
the English and Chinese versions of one notice made in the same round still pair up as translations.
Without it every synthetic copy of a notice would be a version of the same policy, and the cross-
document alignment (kg.rdf.corpus) would grow with the square of the corpus.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
HEAD_PARAGRAPHS = 6


@dataclass(frozen=True)
class Template:
    name: str
    lang: str
    head: list[str]
    body: list[str]


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks, or lines where a file uses no blank lines."""
    text = text.replace("\r\n", "\n")
    blocks = [b.strip("\n") for b in text.split("\n\n")] if "\n\n" in text else text.split("\n")
    return [b for b in blocks if b.strip()]


def templates(corpus: Path = CORPUS) -> list[Template]:
    out = []
    for p in sorted(corpus.glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        paras = _paragraphs(text)
        zh = sum(1 for c in text if "\u4e00" <= c <= "\u9fff") > len(text) * 0.2
        out.append(Template(p.stem, "zh" if zh else "en", paras[:HEAD_PARAGRAPHS], paras[HEAD_PARAGRAPHS:]))
    return out


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_EN = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2})\b(?:,\s*(\d{4})\b)?")
_ZH = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
_NUM_ZH = re.compile(r"〔(\d{4})〕(\d+)号")
_NUM_EN = re.compile(r"\[(\d{4})\]\s*No\.\s*(\d+)")


def _shift(y: int, m: int, d: int, k: int) -> dt.date | None:
    try:
        return dt.date(y, m, d) + dt.timedelta(days=k)
    except ValueError:
        return None


def vary(text: str, k: int) -> str:
    """Round k's copy of a text: dates k days later, document numbers 100 k higher (k = 0: unchanged)."""
    if not k:
        return text

    def iso(m):
        d = _shift(int(m[1]), int(m[2]), int(m[3]), k)
        return d.isoformat() if d else m[0]

    def en(m):
        d = _shift(int(m[3] or 2020), _MONTHS.index(m[1]) + 1, int(m[2]), k)
        return m[0] if d is None else f"{_MONTHS[d.month - 1]} {d.day}" + (f", {d.year}" if m[3] else "")

    def zh(m):
        d = _shift(int(m[1] or 2020), int(m[2]), int(m[3]), k)
        return m[0] if d is None else (f"{d.year}年" if m[1] else "") + f"{d.month}月{d.day}日"

    text = _ISO.sub(iso, text)
    text = _EN.sub(en, text)
    text = _ZH.sub(zh, text)
    text = _NUM_ZH.sub(lambda m: f"〔{m[1]}〕{int(m[2]) + 100 * k}号", text)
    return _NUM_EN.sub(lambda m: f"[{m[1]}] No. {int(m[2]) + 100 * k}", text)


def make_document(rng: random.Random, tpl: Template, pool: list[str]) -> str:
    """One document: a real head, then about as many body paragraphs as its template, recombined."""
    n = max(3, len(tpl.body) + rng.randint(-len(tpl.body) // 3, len(tpl.body) // 3))
    own = rng.sample(tpl.body, k=min(len(tpl.body), max(1, n * 2 // 3)))
    rest = [rng.choice(pool) for _ in range(n - len(own))]
    body = own + rest
    rng.shuffle(body)
    sep = "\n" if tpl.lang == "zh" else "\n\n"
    return sep.join(tpl.head + body) + "\n"


def generate(folder: Path, megabytes: float, seed: int = 8, corpus: Path = CORPUS) -> list[Path]:
    """Write synthetic documents into `folder` until they total `megabytes` MB (10^6 bytes)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    tpls = templates(corpus)
    pools = {lang: [p for t in tpls if t.lang == lang for p in t.body] for lang in {t.lang for t in tpls}}

    def nth(i: int) -> tuple[str, bytes]:
        tpl = tpls[i % len(tpls)]
        data = vary(make_document(rng, tpl, pools[tpl.lang]), i // len(tpls)).encode("utf-8")
        return f"syn_{i:05d}_{tpl.name[:3]}.txt", data

    return _fill(folder, megabytes, nth)


def _fill(folder: Path, megabytes: float, nth) -> list[Path]:
    """Write files nth(0), nth(1) … ((name, bytes) pairs) into `folder` until they total `megabytes` MB."""
    target = int(megabytes * 1_000_000)
    total, paths, i = 0, [], 0
    while total < target:
        name, data = nth(i)
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
        total += len(data)
        i += 1
    return paths


EXTRA = ROOT.parent / "shared" / "extra"


def generate_real(folder: Path, megabytes: float, sources: tuple[Path, ...] = (CORPUS, EXTRA)) -> list[Path]:
    """Real text: every .txt of `sources` (the shipped corpus and ../shared/extra/), whole and unchanged
    but for `vary`, repeated in rounds (round k: dates k days later, document numbers 100 k higher)
    until the files total `megabytes` MB. No paragraph is recombined: the text is the documents' own."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    docs = [(p.stem, p.read_text(encoding="utf-8")) for src in sources if Path(src).is_dir()
            for p in sorted(Path(src).glob("*.txt"))]
    if not docs:
        raise FileNotFoundError(f"no .txt under {', '.join(map(str, sources))}")

    def nth(i: int) -> tuple[str, bytes]:
        stem, text = docs[i % len(docs)]
        return f"real_{i // len(docs):03d}_{stem[:40]}.txt", vary(text, i // len(docs)).encode("utf-8")

    return _fill(folder, megabytes, nth)
