"""The small records passed between pipeline stages (read -> clean -> link -> metadata -> segment -> graph)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    """One decoded input file.

    Before extraction `text` is the decoded text. kg.text.extract replaces it with the canonical text
    (kg.text.normalise) that every stage reads, and keeps the map back in `offsets`: offsets inside kg
    are offsets into `text`; what the graph publishes (evidence) is mapped back into `raw_text`.
    """

    name: str
    path: str
    text: str
    encoding: str
    sha256: str
    size: int
    offsets: Any = None  # a kg.text.normalise.Normalised when the canonical text differs from the raw
    media_type: str = "text/plain"  # what the file was read as: text/html, application/pdf, … (dcterms:format)
    # what a web page says about itself ((field, value) pairs: title, articletitle, pubdate, issuer …):
    # candidates for the metadata stage, never trusted over the document's own text
    page_meta: tuple[tuple[str, str], ...] = ()

    @property
    def read_as(self) -> str:
        """How the file was read, for its fate line: its encoding, or its format for PDF and Word."""
        kind = {"text/html": "HTML", "application/pdf": "PDF text layer"}.get(self.media_type, "DOCX")
        if self.media_type == "text/plain":
            return self.encoding
        return f"{kind}, {self.encoding}" if self.encoding else kind

    @property
    def raw_text(self) -> str:
        """The decoded text, as read."""
        return self.offsets.raw if self.offsets is not None else self.text

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """The span of `raw_text` that the span [start, end) of `text` came from."""
        return self.offsets.to_raw(start, end) if self.offsets is not None else (start, end)


@dataclass(frozen=True, order=True)
class Unit:
    """A sentence-sized piece of the source: text[start:end]. kind is 'text' for kept units."""

    start: int
    end: int
    line: int
    kind: str = "text"


@dataclass(frozen=True)
class Mention:
    """A vocabulary concept found in the text, with the evidence that found it."""

    iri: str
    notation: str
    kind: str  # department, actor, enterprise-type, instrument, region
    start: int
    end: int
    exact: str
    rule: str  # e.g. 'altLabel@en "credit loan"' or 'proximity@en "defer => tax"'


@dataclass
class Segment:
    """A node of the document tree: section, measure or preamble."""

    kind: str  # section, measure, preamble
    style: str | None = None
    number: str | None = None  # as printed, e.g. "(I)" or "1."
    n: int | None = None  # its value
    heading: str | None = None
    units: list[Unit] = field(default_factory=list)
    children: list[Segment] = field(default_factory=list)
    path: tuple[int, ...] = ()

    @property
    def start(self) -> int:
        starts = [u.start for u in self.units] + [c.start for c in self.children]
        return min(starts) if starts else 0

    @property
    def end(self) -> int:
        ends = [u.end for u in self.units] + [c.end for c in self.children]
        return max(ends) if ends else 0

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass(frozen=True)
class Issuer:
    iri: str
    notation: str
    evidence: tuple[Mention, ...]
    sub_organization: str | None = None  # e.g. GO for a General Office


@dataclass
class Metadata:
    title: str | None = None
    title_span: tuple[int, int] | None = None
    date: str | None = None  # ISO date
    date_evidence: tuple[int, int, str] | None = None
    doc_number: str | None = None
    doc_number_span: tuple[int, int] | None = None
    issuers: list[Issuer] = field(default_factory=list)
    publisher: str | None = None
    front: set[int] = field(default_factory=set)  # unit indices of title/addressee block
    back: set[int] = field(default_factory=set)  # unit indices of the signature block
    closing: set[int] = field(default_factory=set)  # unit indices after the signature date


@dataclass
class DocRecord:
    """Everything extracted from one document: what kg.rdf.assemble turns into RDF."""

    source: Source
    lang: str
    units: list[Unit]
    mentions: list[Mention]
    meta: Metadata
    root: Segment
    noise_removed: int = 0
    duplicates_removed: int = 0
    warnings: tuple[str, ...] = ()  # why a reader should check the document (kg.text.extract.document_warnings)

    def measures(self) -> list[Segment]:
        return [s for s in self.root.walk() if s.kind == "measure"]


@dataclass(frozen=True)
class FileFate:
    """What happened to one input file."""

    path: str
    status: str  # built, skipped
    reason: str = ""
    measures: int = 0
    encoding: str = ""
    warnings: tuple[str, ...] = ()  # a built document that looks wrong: what to check
