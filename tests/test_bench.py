"""A tiny run of the benchmark code (benchmarks/), so that it cannot rot. Not a timing test."""

from __future__ import annotations

import json

from benchmarks import run
from benchmarks.corpus import generate, templates
from tests.conftest import CORPUS


def test_bench_synthetic_corpus_recombines_the_shipped_paragraphs(tmp_path):
    a = generate(tmp_path / "a", 0.05, seed=3)
    b = generate(tmp_path / "b", 0.05, seed=3)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]  # seeded: the same corpus
    assert 50_000 <= sum(p.stat().st_size for p in a) < 50_000 + 40_000
    paragraphs = {para for t in templates(CORPUS) for para in t.head + t.body}
    for p in a:
        blocks = [x for x in p.read_text(encoding="utf-8").replace("\n\n", "\n").split("\n") if x.strip()]
        assert blocks and all(any(x in para for para in paragraphs) for x in blocks)
    assert {p.name.rsplit("_", 1)[1] for p in a} >= {"000.txt", "001.txt"}  # English and Chinese documents


def test_bench_real_corpus_repeats_whole_documents_with_distinct_numbers(tmp_path):
    from benchmarks.corpus import generate_real

    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("关于支持小微企业的通知\n工信部〔2021〕5号\n一、加大信用贷款。\n2021年3月3日\n", encoding="utf-8")
    paths = generate_real(tmp_path / "out", 0.0003, sources=(src,))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    assert len(texts) >= 3 and texts[0] == (src / "a.txt").read_text(encoding="utf-8")
    assert "〔2021〕105号" in texts[1] and "2021年3月4日" in texts[1] and len({t for t in texts}) == len(texts)


def test_bench_smoke_run_writes_json_and_a_table(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert run.main(["--in-process", "--sizes", "0.02", "--query-triples", "3000", "--incremental-docs", "3",
                     "--real-sizes", "0.02", "--runs", "2", "--repeat", "1", "--cap", "20", "--probe-mb", "0.01", "--work", str(tmp_path / "w"), "--out", str(out)]) == 0
    res = json.loads(out.read_text(encoding="utf-8"))
    t, real = res["throughput"]
    assert real["corpus"] == "real" and real["files"] >= 1 and real["triples_per_mb"] > 0
    for r in (t, real):  # what the graph is made of, and where the time goes
        assert 0 < r["evidence_share"] < 1 and r["triples_per_link"] > 1 and 0 < r["store_share"] < 1
        assert r["turtle_only_over_tokenizer"] > 0
        assert r["triples_per_mention"] <= r["triples_per_link"]  # a link is found at one place or more
        assert r["runs"] == 2 and len(r["all_seconds"]["build"]) == 2  # the median of two builds
        assert round(r["build_s"], 2) in r["all_seconds"]["build"]
    assert t["files"] >= 1 and t["triples"] > 1000 and t["build_mb_s"] > 0 and t["tokenizer_mb_s"] > 0
    assert t["identical_1_vs_n_processes"] is True and t["store_over_turtle_only"] > 0
    (q,) = res["queries"]
    answered = [v for v in q["queries"].values() if v["oxigraph_ms"] is not None and v["rdflib_ms"] is not None]
    assert len(answered) >= 5
    inc = res["incremental"]
    assert inc["documents"] == 3 and inc["cached"] == 2 and 0 < inc["ratio"]
    assert inc["runs"] == 2 and round(inc["incremental_s"], 2) in inc["all_incremental_s"]  # each after its own change
    table = capsys.readouterr().out
    assert "| query |" in table and "Incremental rebuild" in table
