"""Incremental builds (kg.build.job, kg.store.load) and the section merge they rest on (kg.rdf.turtle).

The invariant: whatever was cached, a build writes the same bytes as a fresh build of the same
files, and the embedded store holds exactly the triples of the Turtle file it is stamped with.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kg.build.job import build
from kg.rdf.ntriples import nt_term
from kg.rdf.turtle import Rendered, block_lines, combine, merge, turtle_bytes
from kg.store.load import MANIFEST
from kg.store.local import store_path

ROOT = Path(__file__).resolve().parent.parent
GENRE = ROOT / "tests" / "data" / "genre"
CORPUS = ROOT / "corpus"


def _quads(store_dir: Path) -> set[str]:
    st_ = ox.Store.read_only(str(store_dir / "db"))
    return {str(q) for q in st_.quads_for_pattern(None, None, None)}


def _turtle_quads(path: Path) -> set[str]:
    mem = ox.Store()
    mem.bulk_load(input=path.read_bytes(), format=ox.RdfFormat.TURTLE)
    return {str(q) for q in mem.quads_for_pattern(None, None, None)}


@pytest.fixture()
def small_corpus(tmp_path) -> Path:
    """Four short documents, two of them the English and Chinese versions of one notice (aligned)."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("en_mof_sat_2019_13_tax_relief.txt", "zh_mof_sat_2019_13_tax_relief.txt",
                 "en_pbc_2020_deferral_notice.txt", "zh_sme_promotion_law_excerpt.txt"):
        shutil.copy(GENRE / name, src)
    return src


def _build(src: Path, out: Path, cache: Path | None = None, store: bool = True, workers: int = 1):
    return build([src], out, workers=workers, cache_dir=cache, store=store_path(out) if store else None)


def _check_against_fresh(src: Path, out: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh" / "g.ttl"
    _build(src, fresh, store=False)
    assert out.read_bytes() == fresh.read_bytes(), "an incremental build differs from a fresh one"
    assert _quads(store_path(out)) == _turtle_quads(out), "the store is not the Turtle file"


def test_incremental_builds_equal_fresh_builds_and_keep_the_store_exact(small_corpus, tmp_path):
    out, cache = tmp_path / "b" / "graph.ttl", tmp_path / "b" / "cache"
    first = _build(small_corpus, out, cache)
    assert first.store_load == "bulk" and first.cached == 0

    same = _build(small_corpus, out, cache)
    assert same.store_load == "incremental" and same.cached == 4
    _check_against_fresh(small_corpus, out, tmp_path)

    # a document that is half of an aligned pair changes: its section and the policies' change
    zh = small_corpus / "zh_mof_sat_2019_13_tax_relief.txt"
    zh.write_text(zh.read_text(encoding="utf-8") + "\n小微企业可以申请信用贷款。\n", encoding="utf-8")
    changed = _build(small_corpus, out, cache)
    assert changed.store_load == "incremental" and changed.cached == 3
    _check_against_fresh(small_corpus, out, tmp_path)

    (small_corpus / "en_pbc_2020_deferral_notice.txt").unlink()  # one removed
    removed = _build(small_corpus, out, cache)
    assert removed.store_load == "incremental"
    _check_against_fresh(small_corpus, out, tmp_path)

    shutil.copy(CORPUS / "004_fd1c064580b13356.txt", small_corpus)  # one added
    added = _build(small_corpus, out, cache, workers=2)
    assert added.store_load == "incremental" and added.cached == 3
    _check_against_fresh(small_corpus, out, tmp_path)


def test_incremental_store_falls_back_to_a_bulk_load_when_what_it_diffs_against_is_gone(small_corpus, tmp_path):
    out, cache = tmp_path / "b" / "graph.ttl", tmp_path / "b" / "cache"
    _build(small_corpus, out, cache)
    doc = small_corpus / "en_pbc_2020_deferral_notice.txt"

    for spoil, why in (("sections", "the cache entry of"), ("manifest", "another kg version")):
        doc.write_text(doc.read_text(encoding="utf-8") + f"\nSmall and micro enterprises ({spoil}).\n",
                       encoding="utf-8")
        if spoil == "sections":  # the cached sections of the previous build are gone
            for d in cache.glob("*/sections"):
                shutil.rmtree(d)
        else:  # a manifest from elsewhere
            (store_path(out) / MANIFEST).write_text(json.dumps({"format": 0}), encoding="utf-8")
        r = _build(small_corpus, out, cache)
        assert r.store_load == "bulk" and r.store_why.startswith(why) and why in r.summary()
        _check_against_fresh(small_corpus, out, tmp_path)


def test_incremental_build_without_cache_is_a_bulk_load(small_corpus, tmp_path):
    out = tmp_path / "graph.ttl"
    _build(small_corpus, out)
    r = _build(small_corpus, out)
    assert r.store_load == "bulk" and r.store_why.startswith("no cache") and r.cached == 0
    assert _quads(store_path(out)) == _turtle_quads(out)


# --- the section merge, on random triples ------------------------------------------------------

NS = "https://w3id.org/smekg/id/"
_subjects = st.sampled_from([f"{NS}doc/a", f"{NS}doc/a/1", f"{NS}doc/a_b", f"{NS}doc/a1", f"{NS}doc/a/1/ev/x/2",
                             f"{NS}policy/p", "https://w3id.org/smekg/ontology#Measure", "urn:x:1",
                             f"{NS}doc/%E4%B8%AD"])
_predicates = st.sampled_from(["http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
                               "https://w3id.org/smekg/ontology#text", "http://purl.org/dc/terms/title",
                               "http://www.w3.org/ns/oa#start", "https://w3id.org/smekg/ontology#9odd",
                               "http://example.org/p q"])
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12) | \
    st.sampled_from(['a " quote', "line\nbreak ;", "tab\t,", "end .", "中文 ;\n", "\\", "", "1", "true"])
_objects = st.one_of(
    _subjects.map(URIRef),
    _text.map(Literal),
    st.tuples(_text, st.sampled_from(["en", "zh", "zh-CN"])).map(lambda t: Literal(t[0], lang=t[1])),
    st.integers(-10**6, 10**6).map(Literal),
    st.booleans().map(Literal),
    st.sampled_from([Literal("2020-02-09", datatype=XSD.date), Literal("0.5", datatype=XSD.decimal),
                     Literal("x", datatype=URIRef("http://example.org/dt"))]),
)
_rows = st.lists(st.tuples(_subjects, _predicates, _objects), max_size=40).map(
    lambda ts: {(nt_term(URIRef(s)), nt_term(URIRef(p.replace(" ", "%20"))), nt_term(o)) for s, p, o in ts})


@given(st.lists(_rows, min_size=1, max_size=4))
def test_incremental_merge_of_sections_is_the_turtle_of_their_union(sections):
    union = set().union(*sections)
    merged = merge({f"s{i}": Rendered.of(rows, keep_nt=i % 2 == 0) for i, rows in enumerate(sections)})
    assert merged.turtle == turtle_bytes(union)
    assert merged.triples == len(union)
    assert set(merged.rows()) == union
    for row in union:
        assert row in merged
    for s, p_, _o in list(union)[:5]:  # a triple no section holds is not found, whatever subject it has
        assert (s, p_, '"not a value of the graph"') not in merged
    one = combine([Rendered.of(rows, keep_nt=False) for rows in sections], key="k")
    assert set(one.rows()) == union and one.count == len(union) and one.key == "k"


def test_incremental_merge_takes_each_sections_statements_in_runs_not_one_by_one():
    """The merge takes from one section until another's next subject comes first: sections that do not
    interleave are one run each, whatever their size; a subject two sections hold is written once."""
    from kg.rdf.turtle import _runs

    def rows(doc, n):
        return [(f"<{NS}doc/{doc}/{i:03d}>", "<https://w3id.org/smekg/ontology#text>", f'"{doc} {i}"') for i in range(n)]

    a, b = Rendered.of(rows("a", 200)), Rendered.of(rows("b", 300))
    runs, shared, _, n = _runs([b, a])
    assert [r[0] for r in runs] == [1, 0] and not shared and n == 500
    both = Rendered.of(rows("a", 3) + [(f"<{NS}doc/a/001>", "<http://purl.org/dc/terms/title>", '"t"')])
    runs, shared, _, n = _runs([a, both])
    assert list(shared) == [f"<{NS}doc/a/000>", f"<{NS}doc/a/001>", f"<{NS}doc/a/002>"] and n == 201
    assert len(runs) == 4, runs  # three shared subjects, then the rest of `a` in one run


@given(_rows)
def test_incremental_statements_read_back_to_their_triples(rows):
    r = Rendered.of(rows, keep_nt=False)
    assert sorted(r.all_lines()) == sorted(f"{s} {p} {o} .\n" for s, p, o in rows)
    for i in range(len(r.subjects)):
        assert block_lines(r.block(i)) == Rendered.of(rows).lines(i)


def test_incremental_unchanged_sections_are_taken_from_the_cache_not_written_again(small_corpus, tmp_path, monkeypatch):
    import kg.build.workers
    import kg.rdf.align
    import kg.rdf.findings
    import kg.rdf.policies

    out, cache = tmp_path / "b" / "graph.ttl", tmp_path / "b" / "cache"
    _build(small_corpus, out, cache)
    first = out.read_bytes()

    def boom(*a, **k):
        raise AssertionError("recomputed although nothing it depends on changed")

    monkeypatch.setattr(kg.rdf.findings, "write_citations", boom)  # a document's links
    monkeypatch.setattr(kg.rdf.policies, "write_policies", boom)  # a policy's section
    monkeypatch.setattr(kg.rdf.align, "same_policy", boom)  # a pair's decision
    monkeypatch.setattr(kg.build.workers.LazyRecord, "load", boom)  # a document's tree and mentions
    again = _build(small_corpus, out, cache)
    assert again.cached == 4 and out.read_bytes() == first

    monkeypatch.undo()
    calls: list[str] = []
    real = kg.rdf.findings.write_citations
    monkeypatch.setattr(kg.rdf.findings, "write_citations", lambda out_, ctx, *a: calls.append(str(ctx.doc)) or real(out_, ctx, *a))
    doc = small_corpus / "en_pbc_2020_deferral_notice.txt"
    doc.write_text(doc.read_text(encoding="utf-8") + "\nThe fees of micro enterprises are waived.\n", encoding="utf-8")
    _build(small_corpus, out, cache)
    assert calls == ["https://w3id.org/smekg/id/doc/en_pbc_2020_deferral_notice"], "only the changed document's links"



def test_incremental_changed_documents_are_extracted_while_the_cache_loads(small_corpus, tmp_path, monkeypatch):
    """A rebuild with a few changed documents extracts them in one forked worker (workers.Ahead) while
    this process loads the cached ones; the graph is the one a build without the cache writes. With one
    process asked for, or nothing cached, there is no such worker."""
    import kg.build.job

    started: list[list[str]] = []

    class Seen(kg.build.job.Ahead):
        def __init__(self, names):
            started.append([Path(n).name for n in names])
            super().__init__(names)

    monkeypatch.setattr(kg.build.job, "Ahead", Seen)
    out, cache = tmp_path / "b" / "graph.ttl", tmp_path / "b" / "cache"
    _build(small_corpus, out, cache, store=False, workers=None)
    assert started == [], "nothing cached yet: the usual extraction"
    doc = small_corpus / "en_pbc_2020_deferral_notice.txt"
    doc.write_text(doc.read_text(encoding="utf-8") + "\nThe fees of micro enterprises are waived.\n", encoding="utf-8")
    again = _build(small_corpus, out, cache, store=False, workers=None)
    assert started == [["en_pbc_2020_deferral_notice.txt"]] and again.cached == 3
    fresh = tmp_path / "fresh" / "graph.ttl"
    _build(small_corpus, fresh, None, store=False)
    assert out.read_bytes() == fresh.read_bytes()
    doc.write_text(doc.read_text(encoding="utf-8") + "\nRents are reduced.\n", encoding="utf-8")
    _build(small_corpus, out, cache, store=False, workers=1)
    assert len(started) == 1, "one process asked for: extracted here"

def test_incremental_store_bulk_load_in_pieces_holds_every_triple(small_corpus, tmp_path, monkeypatch):
    import kg.store.local

    out = tmp_path / "whole" / "graph.ttl"
    _build(small_corpus, out)
    monkeypatch.setattr(kg.store.local, "CHUNK_BYTES", 3000)  # many pieces, cut between statements
    pieces = list(kg.store.local._chunks(out.read_bytes(), turtle=True))
    assert len(pieces) > 5 and all(p.startswith(b"@prefix") for p in pieces)
    cut = tmp_path / "cut" / "graph.ttl"
    _build(small_corpus, cut)
    assert _quads(store_path(cut)) == _quads(store_path(out)) == _turtle_quads(out)
    nt = b"".join(f"{q.subject} {q.predicate} {q.object} .\n".encode() for q in
                  ox.Store.read_only(str(store_path(out) / "db")).quads_for_pattern(None, None, None))
    assert b"".join(kg.store.local._chunks(nt, turtle=False)) == nt
