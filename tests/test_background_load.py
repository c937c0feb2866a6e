"""The store loaded while the documents are extracted (kg.store.background, kg.build.job.Early)."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest

from kg.build.job import build
from kg.errors import KGError
from kg.rdf.graph import document_rows
from kg.rdf.iris import default_doc_iri
from kg.rdf.turtle import Rendered
from kg.store.background import BackgroundLoad
from kg.store.local import OxigraphGraph, is_store, parse_graph, store_is_fresh, store_path
from kg.text.extract import extract_source
from kg.text.read import read_source
from tests.conftest import SEEDS


def _same(out: Path) -> None:
    sp = store_path(out)
    assert store_is_fresh(sp, out)
    og, rg = OxigraphGraph(sp), parse_graph(out)
    assert set(og) == set(rg) and len(og) == len(rg)


@pytest.mark.parametrize("workers", [1, 2])
def test_background_first_build_loads_the_store_while_extracting(tmp_path, workers):
    out = tmp_path / "graph.ttl"
    report = build(SEEDS, out, workers=workers, cache_dir=tmp_path / "cache", store=store_path(out))
    assert report.store_load == "bulk" and "loaded while extracting" in report.store_why
    _same(out)
    # a rebuild beside the same cache and store is incremental, as before
    again = build(SEEDS, out, workers=workers, cache_dir=tmp_path / "cache", store=store_path(out))
    assert again.store_load == "incremental"
    _same(out)


def test_background_documents_whose_iri_changes_once_the_corpus_is_known(tmp_path):
    """Two files of one name: each was loaded early with the IRI of its name, and both get another one
    (with a content hash) once the corpus is known: the early statements are removed, none is left over."""
    for sub, seed in (("a", SEEDS[2]), ("b", SEEDS[4])):
        (tmp_path / sub).mkdir()
        shutil.copy(seed, tmp_path / sub / "notice.txt")
    out = tmp_path / "graph.ttl"
    report = build([tmp_path / "a", tmp_path / "b"], out, workers=1, store=store_path(out))
    assert "loaded while extracting" in report.store_why
    og = OxigraphGraph(store_path(out))
    plain = default_doc_iri("notice.txt")
    assert not list(og.triples((plain, None, None)))
    _same(out)


def test_background_load_failure_leaves_the_old_pair(tmp_path, monkeypatch):
    out = tmp_path / "graph.ttl"
    build([SEEDS[4]], out, workers=1, store=store_path(out))  # no cache: every build is a bulk load
    before, folders = out.read_bytes(), sorted(p.name for p in tmp_path.iterdir())
    import pyoxigraph as ox

    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ox.Store, "bulk_load", full)
    with pytest.raises(KGError, match="No space left on device") as e:
        build([SEEDS[2], SEEDS[4]], out, workers=1, store=store_path(out))
    assert "\n" not in str(e.value) and str(store_path(out)) in str(e.value)
    monkeypatch.undo()
    assert out.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == folders
    _same(out)


def test_background_interrupted_build_removes_the_new_folder(tmp_path):
    out = tmp_path / "graph.ttl"
    build([SEEDS[4]], out, workers=1, store=store_path(out))
    folders = sorted(p.name for p in tmp_path.iterdir())

    def stop(_name):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(SEEDS, out, workers=1, store=store_path(out), progress=stop)
    assert sorted(p.name for p in tmp_path.iterdir()) == folders
    _same(out)


def test_background_load_in_small_pieces_holds_every_statement(tmp_path):
    """Many pieces (one bulk load each), compacted at the end, and lines removed after the loads."""
    parts = []
    for seed in SEEDS:
        rec = extract_source(read_source(seed))
        parts.append(Rendered.of(document_rows(rec, default_doc_iri(rec.source.name))))
    load = BackgroundLoad(tmp_path / "s.store", piece_bytes=20_000)
    for p in parts:
        load.add(p.turtle)
    lines = sorted({line for p in parts for line in p.all_lines()})
    gone = lines[::7]
    load.finish(remove=gone)
    assert load.pieces == len(parts) > 1  # each document above the piece size: a piece each
    load.commit(len(lines) - len(gone), None, "", {}, None)
    import pyoxigraph as ox

    db = ox.Store.read_only(str(tmp_path / "s.store" / "db"))
    assert is_store(tmp_path / "s.store") and len(db) == len(lines) - len(gone)
    kept = set(lines) - set(gone)
    assert {f"{q.subject} {q.predicate} {q.object} .\n" for q in db} == kept
