"""The incremental build cache: what an earlier build of the same kg version made, kept on disk.

Owns the cache folder's layout and the version key: an unchanged document is not extracted again
(its DocPart is kept under the cache folder, keyed by the SHA-256 of its bytes, its file name and a
version key that changes whenever kg's code, the ontology/ files or the spaCy/rdflib versions
change); its whole section (own triples, citations, quantities) and the policies' sections are kept
too, under keys of what they are made from (SectionCache), with kg.rdf.align's decisions on pairs of
documents (PairCache) and the parsed ontology (warm_start). Writes are atomic and failures to read
or write the cache are never fatal.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import MutableMapping
from dataclasses import replace
from functools import cache
from pathlib import Path

from kg.build.workers import DocPart, LazyRecord
from kg.io import read_pickle, write_pickle
from kg.model import Source
from kg.rdf.turtle import Rendered
from kg.text.read import MAX_BYTES

CACHE_FORMAT = 1


@cache
def version_key() -> str:
    """Changes whenever the code of kg, the ontology/ files or the libraries that extract change."""
    import rdflib
    import spacy

    from kg.resources import data_dir

    h = hashlib.sha256(f"cache{CACHE_FORMAT}|py{sys.version_info[:2]}|spacy{spacy.__version__}|"
                       f"rdflib{rdflib.__version__}".encode())
    pkg = Path(__file__).resolve().parent.parent  # kg/
    files = [p for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts
             and p.suffix not in (".pyc", ".pyo") and "_data" not in p.relative_to(pkg).parts]
    try:
        files += list(data_dir("ontology").rglob("*.ttl"))
    except FileNotFoundError:
        pass
    for p in sorted(files, key=lambda p: str(p)):
        h.update(str(p.name).encode() + b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:20]


class RecordCache:
    """DocParts of documents already extracted, by (content hash, file name): three pickles, the part
    with its record's metadata and units, the whole record, and the document's own triples; the last
    two are read only when needed (LazyRecord, DocPart.own).

    The folder holds one sub-folder per version key; a build removes the sub-folders of other
    versions. Writes are atomic and failures to read or write the cache are never fatal.
    The cache is local build state: do not point it at a folder others can write to.
    """

    def __init__(self, folder: Path):
        self.root = Path(folder)
        self.dir = self.root / version_key()

    def key(self, data_sha256: str, name: str) -> Path:
        tag = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        return self.dir / f"{data_sha256}-{tag}.pkl"

    def get(self, path: Path) -> DocPart | None:
        found = self.find(path)
        return self.load(path, *found) if found is not None else None

    def find(self, path: Path) -> tuple[Path, int] | None:
        """Where the entry of this file's bytes would be, and its size, when that entry exists (a cheap
        first look: `load` reads it, and may still find it unusable)."""
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        entry = self.key(hashlib.sha256(data).hexdigest(), path.name)
        return (entry, size) if entry.is_file() else None

    def load(self, path: Path, entry: Path, size: int) -> DocPart | None:
        full = entry.with_suffix(".rec.pkl")
        part = read_pickle(entry, DocPart)
        light = part.record if part is not None else None
        if not isinstance(light, dict) or not isinstance(light.get("source"), Source) \
                or light["source"].size != size or not full.is_file():
            return None
        light = {**light, "source": replace(light["source"], path=str(path), name=path.name)}
        return replace(part, record=LazyRecord(light, full), rendered=None, own_file=str(entry.with_suffix(".own.pkl")))

    def put(self, part: DocPart) -> None:
        """The whole record and the triples first, the part last (a part is only found with both)."""
        rec = part.record
        if isinstance(rec, LazyRecord):
            return
        path = self.key(rec.source.sha256, rec.source.name)
        write_pickle(path.with_suffix(".rec.pkl"), rec)
        write_pickle(path.with_suffix(".own.pkl"), part.rendered)
        write_pickle(path, replace(part, record=LazyRecord.light(rec), rendered=None, own_file=None))

    def prune(self) -> None:
        """Remove the entries of other versions of kg."""
        import shutil

        try:
            for d in self.root.iterdir():
                if d.is_dir() and d.name != self.dir.name and re.fullmatch(r"[0-9a-f]{20}", d.name):
                    shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


class SectionCache(MutableMapping):
    """The document sections of earlier builds (kg.rdf.corpus.corpus_sections), one pickle per key, in
    the extraction cache's folder for this kg version. Failures to read or write are never fatal."""

    def __init__(self, rc: RecordCache):
        self.dir = rc.dir / "sections"

    def path(self, key: str) -> Path:
        return self.dir / f"{key}.pkl"

    def __getitem__(self, key: str) -> Rendered:
        r = read_pickle(self.path(key), Rendered)
        if r is None or r.key != key:
            raise KeyError(key)
        return r

    def __setitem__(self, key: str, value: Rendered) -> None:
        write_pickle(self.path(key), value)

    def __delitem__(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def __iter__(self):
        return (p.stem for p in self.dir.glob("*.pkl"))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class PairCache(dict):
    """kg.rdf.align.group's decisions on pairs of documents, kept in one file of the cache."""

    def __init__(self, rc: RecordCache):
        super().__init__()
        self.path = rc.dir / "pairs.pkl"
        self.update(read_pickle(self.path, dict) or {})
        self.loaded = len(self)

    def save(self) -> None:
        if len(self) != self.loaded:
            write_pickle(self.path, dict(self))


def warm_start(rc: RecordCache) -> None:
    """The parsed vocabulary and the ontology's section, from the cache of this kg version (parsing
    ontology/ with rdflib takes most of a second: a rebuild of a few documents should not pay it)."""
    from kg.rdf.graph import ONTOLOGY_SECTION
    from kg.vocab import VOCABULARY, Vocabulary

    path = rc.dir / "ontology.pkl"
    got = read_pickle(path, tuple)
    if got and len(got) == 2 and isinstance(got[0], Vocabulary) and isinstance(got[1], Rendered):
        VOCABULARY.use(got[0])
        ONTOLOGY_SECTION.use(got[1])
    else:
        write_pickle(path, (VOCABULARY.get(), ONTOLOGY_SECTION.get()))
