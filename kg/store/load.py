"""Loading a build into the embedded Oxigraph store: in full, or by the triples that changed.

A build is merged from sections (kg.rdf.graph.assemble_rendered): the ontology, one per document (its
own triples with its citations and quantities) and one per policy (its documents' alignments), each
kept in the build cache under a key of what it is made from. Beside the store, `kg-manifest.json`
records which cache entry each section came from, and `kg-shared.pkl` holds the ontology's lines.
The next build compares:

- when few documents changed, the store is copied (`Store.backup`: hard links to its immutable
  files, milliseconds), the copy gets the old rows of the changed sections removed (unless the new
  graph still holds them: a triple may be written by several sections) and the new rows added, and
  it is swapped in atomically exactly as a bulk load would be (kg.store.local);
- otherwise (no store or no manifest beside it, another kg version, a cache entry gone, more than
  a quarter of the sections changed, no cache) it is a bulk load of the whole graph, in pieces.

Either way the store ends holding the triples of the Turtle file it is stamped with; the tests check
an incremental store against a fresh bulk load.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kg.io import read_pickle
from kg.rdf.ntriples import split_lines
from kg.rdf.turtle import Merged, Rendered
from kg.store.background import BackgroundLoad
from kg.store.local import DB_FOLDER, is_store, replace_store, write_store

# a running background load (kg.store.background), the statements it still needs, the N-Triples lines to
# remove from it, and why it is a bulk load
Background = tuple[BackgroundLoad, Iterable[str], Iterable[str], str]

MANIFEST = "kg-manifest.json"
SHARED = "kg-shared.pkl"
FORMAT = 1
MAX_CHANGED = 0.25  # above this share of documents changed (and MIN_CHANGED), a bulk load is cheaper
MIN_CHANGED = 16


@dataclass
class LoadResult:
    path: Path
    mode: str  # "bulk" or "incremental"
    removed: int = 0
    added: int = 0
    why: str = ""  # why a bulk load, when it was one


def load(merged: Merged, target: Path, version: str, doc_keys: dict[str, str | None],
         cache_dir: Path | None, mirrors: Path, turtle_sha256: str, staged: Path | None = None,
         background: Background | None = None) -> LoadResult:
    """Bring the store at `target` to the graph `merged`; `staged`, the new Turtle file not yet renamed
    onto `mirrors`, is renamed with the store's swap (kg.store.local.replace_store).

    `doc_keys`: each section's cache entry (a path under `cache_dir`/version), or None when it is not
    kept in the cache (then it cannot be diffed next time).
    `background`: a bulk load already running (kg.store.background, started when `bulk_reason` said
    so before extraction), with what it still needs: it is finished and swapped in.
    """
    target = Path(target)
    manifest = {"format": FORMAT, "version": version, "docs": doc_keys}
    shared = _shared_lines(merged)
    extra = {MANIFEST: json.dumps(manifest).encode(), SHARED: _dump(shared)}
    if background is not None:
        load_, rest, remove, why = background
        for statements in rest:
            load_.add(statements)
        load_.finish(remove)
        load_.commit(merged.triples, mirrors, turtle_sha256, extra, staged)
        return LoadResult(target, "bulk", why=f"{why}; loaded while extracting")
    plan = _plan(merged, target, version, doc_keys, cache_dir, shared)
    if isinstance(plan, str):
        write_store(merged.turtle, target, mirrors=mirrors, turtle_sha256=turtle_sha256, turtle=True,
                    triples=merged.triples, extra=extra, staged=staged)
        return LoadResult(target, "bulk", why=plan)
    removed, added = plan
    _update(target, removed, added, merged.triples, mirrors, turtle_sha256, extra, staged)
    return LoadResult(target, "incremental", len(removed), len(added))


def bulk_reason(target: Path, version: str, cache_dir: Path | None) -> str:
    """Why the next load of the store at `target` must be a bulk load whatever the build finds (no
    cache, no store, no manifest beside it, another kg version), or "" when it may be incremental."""
    if cache_dir is None:
        return "no cache"
    if not is_store(Path(target)):
        return "no store yet"
    try:
        old = json.loads((Path(target) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no manifest beside the store"
    if not isinstance(old, dict) or old.get("format") != FORMAT or old.get("version") != version:
        return "another kg version built the store"
    return ""


def _dump(lines: set[str]) -> bytes:
    return pickle.dumps("".join(sorted(lines)), protocol=pickle.HIGHEST_PROTOCOL)


def _shared_lines(merged: Merged) -> set[str]:
    """The N-Triples lines of the section no cache entry holds (the ontology's)."""
    sec = merged.sections.get("ontology")
    return set(sec.all_lines()) if sec is not None else set()


def _plan(merged: Merged, target: Path, version: str, doc_keys: dict[str, str | None],
          cache_dir: Path | None, shared: set[str]) -> tuple[list[str], list[str]] | str:
    """The N-Triples lines to remove from and add to the current store, or why it must be a bulk load."""
    why = bulk_reason(target, version, cache_dir)
    if why:
        return why
    old = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    text = read_pickle(target / SHARED, str)
    if text is None:
        return "no manifest beside the store"
    old_shared = set(split_lines(text))
    old_docs: dict[str, str | None] = old.get("docs", {})
    if None in doc_keys.values() or None in old_docs.values():
        return "a section of the graph is not kept in the cache"
    changed = sorted(d for d in set(old_docs) | set(doc_keys) if old_docs.get(d) != doc_keys.get(d))
    if len(changed) > max(MIN_CHANGED, MAX_CHANGED * len(doc_keys)):
        return f"{len(changed)} of {len(doc_keys)} sections changed"
    candidates: list[str] = [line for line in old_shared if line not in shared]
    added: list[str] = [line for line in shared if line not in old_shared]
    for doc in changed:
        key = old_docs.get(doc)
        if key is not None:
            part = read_pickle(Path(cache_dir) / version / key, Rendered)
            if part is None:
                return f"the cache entry of {doc} is gone"
            if f"sections/{part.key}.pkl" != key:
                return f"the cache entry of {doc} is not its section"
            candidates.extend(part.all_lines())
        if doc in doc_keys:
            added.extend(merged.sections[doc].all_lines())
    removed = sorted({line for line in candidates if line not in merged.lines_of(line.split(" ", 1)[0])})
    return removed, sorted(set(added))


def _ntriples(lines: list[str]) -> bytes:
    return "".join(lines).encode("utf-8")


def _update(target: Path, removed: list[str], added: list[str], triples: int, mirrors: Path, turtle_sha256: str,
            extra: dict[str, bytes], staged: Path | None = None) -> None:
    """Copy the store, apply the change to the copy, and swap it in (kg.store.local.replace_store)."""
    import pyoxigraph as ox

    def fill(db: Path) -> int:
        src = ox.Store.read_only(str(target / DB_FOLDER))
        src.backup(str(db))  # hard links to the immutable files: milliseconds
        del src
        store = ox.Store(str(db))
        if removed:
            for t in ox.parse(input=_ntriples(removed), format=ox.RdfFormat.N_TRIPLES):
                store.remove(ox.Quad(t.subject, t.predicate, t.object))
        if added:
            store.load(input=_ntriples(added), format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        return triples  # the merged graph's count (len(store) would read every quad)

    replace_store(target, fill, mirrors, turtle_sha256, extra, staged)
