"""Loading the embedded store while the build is still extracting (issue 17).

A bulk load used to start after everything else: the whole Turtle file, in pieces, on one core,
28-33 % of a build's wall time. Most of a graph (each document's own triples: its tree, links and
evidence) is known as soon as the worker that extracted the document returns it, and pyoxigraph's
bulk loader releases the GIL. So a build that will bulk-load starts a `BackgroundLoad` beside its
output: a thread loads each document's own statements into a new store folder (kg.store.local
.NewStore) while the other documents are extracted and the corpus is assembled; after assembly
only the rest is loaded (the ontology, the policies, what each document gained from the corpus),
and the store is swapped in with the Turtle file exactly as a bulk load after the fact would be
(kg.store.load.load). The caller says what was loaded early and what to remove, if anything
(a document whose IRI changed once the whole corpus was known: two files of one name).

A failure in the thread (a full disk) is raised by `finish`, as a StoreError with the path; an
interrupted build calls `abort`, which leaves the old store and Turtle file as they were.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from pathlib import Path

from kg.namespaces import PREFIXES
from kg.store.local import CHUNK_BYTES, NewStore, store_error

_DONE = None  # the end of the queue


class BackgroundLoad:
    """A new store filled by a thread from Turtle statements handed to `add` (kg's statements: one
    subject each, written with the prefixes of kg.namespaces.PREFIXES)."""

    def __init__(self, target: Path, piece_bytes: int = CHUNK_BYTES):
        import pyoxigraph as ox

        self._ox = ox
        self.new = NewStore(target)
        self.target = Path(target)
        self.store = ox.Store(str(self.new.db))
        self.piece_bytes = piece_bytes
        self.pieces = 0  # bulk loads made (each a file of the database until `optimize`)
        self.early = 0  # statements' bytes loaded before `finish` was called
        self._head = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()).encode("utf-8")
        self._buf: list[bytes] = []
        self._size = 0
        self._error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=4)  # at most ~4 pieces wait: memory stays flat
        self._thread = threading.Thread(target=self._run, name="kg-store-load", daemon=True)
        self._thread.start()

    # --- the loading thread ---------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            piece = self._queue.get()
            if piece is _DONE:
                return
            if self._error is not None:
                continue  # drain the queue: the producer must never block on a dead loader
            try:
                self.store.bulk_load(input=piece, format=self._ox.RdfFormat.TURTLE)
                self.pieces += 1
            except BaseException as e:  # raised in the caller's thread by finish()
                self._error = e

    # --- the producer (the build) ---------------------------------------------------------------

    def add(self, statements: bytes) -> None:
        """Turtle statements (UTF-8, no prefixes), loaded in a piece of about `piece_bytes` with others."""
        if not statements:
            return
        self._buf.append(statements)
        self._size += len(statements)
        if self._size >= self.piece_bytes:
            self._send()

    def _send(self) -> None:
        if self._buf:
            self._queue.put(self._head + b"".join(self._buf))
            self._buf, self._size = [], 0

    def mark_early(self) -> None:
        """What was added so far came while the documents were extracted (for the build report)."""
        self.early = self.pieces + (1 if self._buf else 0)

    def finish(self, remove: Iterable[str] = ()) -> None:
        """Load what is left, wait for the thread, remove the N-Triples lines `remove`, compact the
        pieces and close the database; StoreError (with the path) when any of it failed."""
        self._send()
        self._queue.put(_DONE)
        self._thread.join()
        try:
            if self._error is not None:
                raise self._error
            lines = "".join(remove)
            if lines:
                for t in self._ox.parse(input=lines.encode("utf-8"), format=self._ox.RdfFormat.N_TRIPLES):
                    self.store.remove(self._ox.Quad(t.subject, t.predicate, t.object))
            if self.pieces > 1:  # one file per piece: compacted, reads are as fast as after one load
                self.store.optimize()
            self.store.flush()
        except (OSError, ValueError, SyntaxError) as e:
            raise store_error(e, self.target) from None
        finally:
            del self.store

    def commit(self, triples: int, mirrors: Path, turtle_sha256: str, extra: dict[str, bytes],
               staged: Path | None) -> Path:
        """Swap the finished store in with the Turtle file `staged` (kg.store.local.NewStore.commit)."""
        return self.new.commit(triples, mirrors, turtle_sha256, extra, staged)

    def abort(self) -> None:
        """Stop the thread and remove the new folder: the old store stays as it was."""
        if self._thread.is_alive():
            self._error = self._error or RuntimeError("aborted")
            self._buf = []
            self._queue.put(_DONE)
            self._thread.join()
        self.__dict__.pop("store", None)
        self.new.abort()
