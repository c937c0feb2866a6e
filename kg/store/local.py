"""Where a graph is read from: the embedded Oxigraph store that `kg build` writes beside the Turtle
file (build/graph.ttl -> build/graph.store/), or a graph file parsed into rdflib's memory store.

`load_graph()` (what kg query / viz / stats / validate / export call) opens the store read-only when
it mirrors the current build/graph.ttl, and falls back to parsing the Turtle otherwise; `--graph FILE`
always parses the file into rdflib (the in-memory path), `--graph DIR` opens a store folder.

The store is exposed as an rdflib Graph (`OxigraphGraph`) backed by a small read-only rdflib Store
over pyoxigraph (kg.store.oxigraph.OxigraphStore): rdflib's API works as on any graph, and SPARQL
text given to `g.query()` runs in Oxigraph.

Writing is a bulk load into a new folder, then an atomic swap: `graph.store` is a symbolic link to
the folder of the current load (`.graph.store.<token>/`), replaced with one rename, so a reader sees
the previous store or the new one, never a half-loaded one. Where symbolic links are not available
the folders are swapped by two renames.

A build publishes the Turtle file and the store as one step as far as readers can tell: the store is
loaded into its new folder while the new Turtle waits in a temporary file, then, under an exclusive
lock (`.graph.store-swap.lock`), the Turtle is renamed into place and the store link swapped. Readers
take that lock shared while they check the store against the Turtle and open it, so they see the old
pair or the new pair. The store is stamped with the SHA-256 (and size and time) of the Turtle the
same build wrote. A reader that must parse the Turtle instead (no store, or one that does not mirror
it) says so on stderr. The folder of the previous load is kept until the next one, for readers that
still have it open.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rdflib import Graph

from kg.errors import StoreError, first_line
from kg.io import durable, file_lock
from kg.namespaces import bind_prefixes
from kg.rdf.export import format_for_suffix
from kg.store.oxigraph import OxigraphStore

DEFAULT_GRAPH = Path("build/graph.ttl")
STORE_SUFFIX = ".store"
_META = "kg-store.json"
DB_FOLDER = "db"  # the Oxigraph database inside a store folder (kg.store.load copies it)


def store_path(graph_file: Path) -> Path:
    """The store that mirrors a graph file: build/graph.ttl -> build/graph.store."""
    graph_file = Path(graph_file)
    return graph_file.with_name(graph_file.stem + STORE_SUFFIX)


def swap_lock(store_dir: Path) -> Path:
    """The lock under which a store and its Turtle file are swapped (exclusive) or read (shared)."""
    store_dir = Path(store_dir)
    return store_dir.parent / f".{store_dir.name}-swap.lock"


# --- writing ------------------------------------------------------------------------------------

def _stamp(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def write_store(ntriples: bytes, target: Path, mirrors: Path | None = None,
                turtle_sha256: str | None = None, extra: dict[str, bytes] | None = None,
                turtle: bool = False, triples: int | None = None, staged: Path | None = None) -> Path:
    """Bulk-load N-Triples (Turtle with `turtle`) into a new Oxigraph store and swap it in at
    `target` atomically (replace_store). `triples`: how many there are, when known (counting the
    store reads every quad)."""
    import pyoxigraph as ox

    def fill(db: Path) -> int:
        store = ox.Store(str(db))
        pieces = 0
        for chunk in _chunks(ntriples, turtle):
            store.bulk_load(input=chunk, format=ox.RdfFormat.TURTLE if turtle else ox.RdfFormat.N_TRIPLES)
            pieces += 1
        if pieces > 1:  # one file per piece: compacted, reads are as fast as after one load (2x otherwise)
            store.optimize()
        store.flush()
        return triples if triples is not None else len(store)

    return replace_store(target, fill, mirrors, turtle_sha256, extra, staged)


def replace_store(target: Path, fill: Callable[[Path], int], mirrors: Path | None = None,
                  turtle_sha256: str | None = None, extra: dict[str, bytes] | None = None,
                  staged: Path | None = None) -> Path:
    """Make a new store in a folder beside `target` (`fill(db)` creates the database at `db`, closes
    it and returns its number of triples), stamp it, and swap it in at `target` atomically; on any
    failure the new folder is removed and the old store is left as it was.

    `mirrors`: the graph file this store is a copy of; its size, time and SHA-256 are recorded so
    that readers use the store only while the file is unchanged. `extra`: files written into the
    store's folder with it (kg.store.load's manifest). `staged`: the new graph file, written beside
    `mirrors` but not yet renamed onto it: the store is stamped with it, and it is renamed into place
    together with the store's swap (under the swap lock); on failure it is removed, so the old pair
    stays as it was.
    """
    new = NewStore(target)
    try:
        triples = fill(new.db)
    except BaseException as e:
        new.abort(staged)
        if isinstance(e, _STORE_ERRORS):
            raise store_error(e, target) from None
        raise
    return new.commit(triples, mirrors, turtle_sha256, extra, staged)


_STORE_ERRORS = (OSError, ValueError, SyntaxError)


def store_error(e: BaseException, target: Path) -> StoreError:
    return StoreError(f"cannot write the store {target}: {first_line(e, '')}")


class NewStore:
    """The folder of a store being made beside `target` (its database at `db`), until `commit` swaps
    it in or `abort` removes it (kg.store.background fills one while a build is still extracting)."""

    def __init__(self, target: Path):
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.token = f"{os.getpid()}-{time.time_ns()}"
        self.folder = self.target.parent / f".{self.target.name}.{self.token}"
        try:
            self.folder.mkdir()
        except OSError as e:
            raise store_error(e, self.target) from None
        self.db = self.folder / DB_FOLDER

    def abort(self, staged: Path | None = None) -> None:
        """Remove the new folder (and the staged graph file): the old pair stays as it was."""
        shutil.rmtree(self.folder, ignore_errors=True)
        if staged is not None:
            Path(staged).unlink(missing_ok=True)

    def commit(self, triples: int, mirrors: Path | None = None, turtle_sha256: str | None = None,
               extra: dict[str, bytes] | None = None, staged: Path | None = None) -> Path:
        """Stamp the filled (and closed) database and swap it in (see replace_store)."""
        try:
            meta = {"format": 1, "triples": triples, "created": time.time()}
            if mirrors is not None:
                source = Path(staged or mirrors)  # a rename keeps its size and time
                meta["mirrors"] = os.path.abspath(mirrors)
                meta.update(_stamp(source))
                meta["sha256"] = turtle_sha256 or hashlib.sha256(source.read_bytes()).hexdigest()
            for name, data in (extra or {}).items():
                (self.folder / name).write_bytes(data)
            (self.folder / _META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
            with file_lock(swap_lock(self.target)):
                if staged is not None and mirrors is not None:
                    durable(staged)  # on disk before it replaces the old file (kg.io.sync_later)
                    os.replace(staged, mirrors)
                    staged = None
                _swap(self.folder, self.target, self.token)
        except BaseException as e:
            self.abort(staged)
            if isinstance(e, _STORE_ERRORS):
                raise store_error(e, self.target) from None
            raise
        _cleanup(self.target, self.folder)
        return self.target


CHUNK_BYTES = 4_000_000


def _chunks(data: bytes, turtle: bool, size: int | None = None) -> Iterator[bytes]:
    """The data in pieces of about `size` bytes, cut between statements (Oxigraph's bulk loader holds
    a whole input in memory: measured on 935k triples, one load took 4.4 s and 860 MB, pieces of 4 MB
    2.8 s and 63 MB, plus 0.5 s to compact them, without which queries were 2x slower). N-Triples is cut at line ends; Turtle as kg writes it (kg.rdf.turtle: the prefixes,
    then one statement per subject, separated by blank lines; literals hold no raw line break) at
    blank lines, each piece after the prefixes."""
    size = size or CHUNK_BYTES
    if len(data) <= size:
        if data:
            yield data
        return
    head = b""
    start = 0
    if turtle:
        cut = data.find(b"\n\n")
        if cut < 0 or not data.startswith(b"@prefix"):
            yield data  # not laid out as kg writes it: in one piece
            return
        head, start = data[:cut + 2], cut + 2
    sep = b"\n\n" if turtle else b"\n"
    while start < len(data):
        end = data.find(sep, min(start + size, len(data)))
        end = len(data) if end < 0 else end + len(sep)
        yield head + data[start:end]
        start = end


def _swap(real: Path, target: Path, token: str) -> None:
    link = target.parent / f".{target.name}.link-{token}"
    try:
        os.symlink(real.name, link, target_is_directory=True)
    except (OSError, NotImplementedError):
        link = None
    if link is not None:
        if target.exists() and not target.is_symlink():  # a store written without links: move it aside
            os.replace(target, target.parent / f".{target.name}.old-{token}")
        os.replace(link, target)
        return
    old = target.parent / f".{target.name}.old-{token}"
    if target.exists():
        os.replace(target, old)
    os.replace(real, target)


def _cleanup(target: Path, keep: Path) -> None:
    """Remove the folders of earlier loads but the latest one (a reader that opened it just before the
    swap may still open its files) and leftover links."""
    current = os.path.realpath(target)
    folders = [p for p in target.parent.glob(f".{target.name}.*") if p.is_dir() and not p.is_symlink()]
    previous = sorted((p for p in folders if os.path.realpath(p) not in (current, os.path.realpath(keep))),
                      key=lambda p: p.stat().st_mtime_ns)[-1:]
    spare = {current, os.path.realpath(keep)} | {os.path.realpath(p) for p in previous}
    for p in target.parent.glob(f".{target.name}.*"):
        if os.path.realpath(p) in spare and not (p.is_symlink() and p != target):
            continue
        if p.is_symlink() or p.is_file():
            try:
                p.unlink()
            except OSError:
                pass
        else:
            shutil.rmtree(p, ignore_errors=True)


# --- reading ------------------------------------------------------------------------------------

def store_meta(store_dir: Path) -> dict | None:
    try:
        return json.loads((Path(store_dir) / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_store(path: Path) -> bool:
    return (Path(path) / _META).is_file() and (Path(path) / DB_FOLDER).is_dir()


def store_is_fresh(store_dir: Path, graph_file: Path) -> bool:
    """True if the store was loaded from the graph file as it is now (size and time, or content)."""
    meta = store_meta(store_dir)
    if meta is None or not is_store(store_dir):
        return False
    try:
        stamp = _stamp(Path(graph_file))
    except OSError:
        return False
    if stamp["size"] != meta.get("size"):
        return False
    if stamp["mtime_ns"] == meta.get("mtime_ns"):
        return True
    try:
        return hashlib.sha256(Path(graph_file).read_bytes()).hexdigest() == meta.get("sha256")
    except OSError:
        return False


def open_store(store_dir: Path):
    """The pyoxigraph Store of a kg store folder, opened read-only."""
    import pyoxigraph as ox

    store_dir = Path(store_dir)
    if not is_store(store_dir):
        raise StoreError(f"{store_dir} is not a kg store (no {_META} and {DB_FOLDER}/ inside)")
    try:
        return ox.Store.read_only(str(store_dir / DB_FOLDER))
    except OSError as e:
        raise StoreError(f"cannot open the store {store_dir}: {first_line(e)}") from None


def load_graph(path: Path | None = None, backend: str = "auto") -> Graph:
    """The graph to query, draw or export; StoreError with a one-line reason if it cannot be read.

    - no path: the store build/graph.store when it mirrors build/graph.ttl, else build/graph.ttl;
    - a folder: the kg store in it (Oxigraph);
    - a file: parsed into rdflib's in-memory store.
    `backend`: "auto", "oxigraph" (the store, or an error) or "rdflib" (never the store).
    """
    if backend not in ("auto", "oxigraph", "rdflib"):
        raise StoreError(f"unknown backend {backend!r}")
    if path is not None and Path(path).is_dir():
        if backend == "rdflib":
            raise StoreError(f"{path} is a store folder; the rdflib back-end reads graph files")
        return OxigraphGraph(Path(path))
    default = path is None
    path = Path(path or DEFAULT_GRAPH)
    if default and backend != "rdflib":
        sp = store_path(path)
        why = "no store beside it"
        with file_lock(swap_lock(sp), shared=True):  # the old pair or the new one, never a mix
            if is_store(sp) and (store_is_fresh(sp, path) or (not path.exists() and backend == "oxigraph")):
                try:
                    return OxigraphGraph(sp)
                except StoreError as e:
                    if backend == "oxigraph":
                        raise
                    why = str(e)
            elif backend == "oxigraph":
                raise StoreError(f"no store mirrors {path} (run `kg build`)")
            elif is_store(sp):
                why = f"the store {sp} does not mirror it"
        if path.exists():
            print(f"kg: parsing {path} into memory ({why}; slow on a large graph: `kg build` writes the store)",
                  file=sys.stderr)
    elif backend == "oxigraph":
        raise StoreError(f"{path} is a file; give the store folder {store_path(path)} instead")
    return parse_graph(path, hint=default)


def parse_graph(path: Path, hint: bool = False) -> Graph:
    """Parse a graph file into rdflib's memory store."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"graph file {path} not found{' (run `kg build` first)' if hint else ''}")
    g = Graph()
    bind_prefixes(g)
    try:
        g.parse(path, format=format_for_suffix(path.suffix))
    except Exception as e:  # rdflib raises many parser-specific types
        raise StoreError(f"cannot parse {path}: {first_line(e)}") from None
    return g


# --- an rdflib Graph over a read-only Oxigraph store --------------------------------------------

class OxigraphGraph(Graph):
    """An rdflib Graph whose triples live in a kg store folder, opened read-only."""

    def __init__(self, store_dir: Path):
        self.location = Path(store_dir)
        meta = store_meta(self.location) or {}
        self.ox_store = open_store(self.location)
        super().__init__(store=OxigraphStore(self.ox_store, triples=meta.get("triples")))
        bind_prefixes(self)
