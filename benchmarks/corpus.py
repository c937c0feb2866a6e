"""Synthetic corpora made by recombining the paragraphs of the shipped corpus (corpus/*.txt).

Each synthetic document keeps the head (title, byline, date) of one real document, then a shuffled
selection of body paragraphs of documents in the same language, so that every stage of the pipeline
(clean-up, metadata, segmentation, linking) has realistic work to do. Generation is seeded: the same
size and seed give the same files.
"""

from __future__ import annotations

import random
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
    target = int(megabytes * 1_000_000)
    total, paths, i = 0, [], 0
    while total < target:
        tpl = tpls[i % len(tpls)]
        data = make_document(rng, tpl, pools[tpl.lang]).encode("utf-8")
        path = folder / f"syn_{i:05d}_{tpl.name[:3]}.txt"
        path.write_bytes(data)
        paths.append(path)
        total += len(data)
        i += 1
    return paths
