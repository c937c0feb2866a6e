"""`kg stats` against `kg query departments` on the same graph of many small documents (not a test).

    python -m benchmarks.stats --docs 5000          # or as a section of python -m benchmarks.run

Each small document is the head (title, byline, date) of a shipped document and two of its body
paragraphs, varied per round like benchmarks/corpus.py, so that the graph has many documents with few
measures each: the shape on which a per document × measure computation shows. Both commands run as
fresh processes on the built store (wall time, median of `repeat` runs).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.corpus import ROOT, templates, vary


def small_corpus(folder: Path, docs: int, seed: int = 14, paragraphs: int = 2) -> list[Path]:
    """`docs` small documents in `folder` (kept when it already holds that many)."""
    folder.mkdir(parents=True, exist_ok=True)
    have = sorted(folder.glob("*.txt"))
    if len(have) == docs:
        return have
    for p in have:
        p.unlink()
    rng = random.Random(seed)
    tpls = templates()
    paths = []
    for i in range(docs):
        tpl = tpls[i % len(tpls)]
        body = rng.sample(tpl.body, k=min(paragraphs, len(tpl.body)))
        sep = "\n" if tpl.lang == "zh" else "\n\n"
        path = folder / f"small_{i:05d}_{tpl.name[:3]}.txt"
        path.write_text(vary(sep.join(tpl.head + body) + "\n", i // len(tpls)), encoding="utf-8")
        paths.append(path)
    return paths


def _timed(args: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kg", *args], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"kg {' '.join(args)} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return seconds


def section_stats(work: Path, docs: int = 5000, repeat: int = 3) -> dict:
    """Build `docs` small documents with the store, then time `kg stats --json` and `kg query departments`."""
    corpus = work / f"corpus-small-{docs}"
    small_corpus(corpus, docs)
    out = work / f"small{docs}.ttl"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out), "--no-cache", "-q"],
                   cwd=ROOT, check=False, capture_output=True)
    build_s = time.perf_counter() - t0
    store = out.with_suffix(".store")
    stats_s = statistics.median(_timed(["stats", "--json", "--graph", str(store)]) for _ in range(repeat))
    query_s = statistics.median(_timed(["query", "departments", "--graph", str(store), "--format", "csv"])
                                for _ in range(repeat))
    return {"documents": docs, "build_s": build_s, "stats_s": stats_s, "query_s": query_s,
            "ratio": stats_s / query_s}


def table(res: dict) -> list[str]:
    return ["", "## `kg stats` on many small documents", "",
            f"{res['documents']} documents (built in {res['build_s']:.0f} s): `kg stats --json` {res['stats_s']:.2f} s, "
            f"`kg query departments` {res['query_s']:.2f} s = {res['ratio']:.2f} × (target ≤ 2 ×), wall time of "
            f"a fresh process on the store, median"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.stats", description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "bench")
    a = ap.parse_args(argv)
    res = section_stats(a.work, a.docs, a.repeat)
    print(json.dumps(res))
    print("\n".join(table(res)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
