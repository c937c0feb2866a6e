"""The graph of a set of documents, as one Turtle file: the union of sections, each rendered once
(kg.rdf.turtle.Rendered) and merged (kg.rdf.turtle.merge).

The sections: the ontology's triples; per document its own triples (`document_rows`: its tree, links,
evidence (kg.rdf.assemble) and the inferences that need only that document (kg.rdf.corpus
.document_inferences): computed where the document was extracted, in a worker) joined with its
citations and quantities; and the policies across languages with their alignments
(kg.rdf.corpus.corpus_sections). This module sits above assemble and corpus: they never import it.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

from rdflib import Graph, URIRef

from kg.model import DocRecord
from kg.rdf.assemble import Assembler, ontology_rows
from kg.rdf.corpus import corpus_sections, document_inferences
from kg.rdf.iris import doc_iris
from kg.rdf.ntriples import Row
from kg.rdf.triples import Triples
from kg.rdf.turtle import Merged, Rendered, merge
from kg.resources import Parsed


def document_rows(record: DocRecord, doc: URIRef) -> set[Row]:
    """One document's own triples, with `doc` as its IRI: what a worker computes and the cache keeps."""
    a = Assembler(with_ontology=False)
    a.add_record(record, doc)
    document_inferences(a, record, doc)
    return a.g.rows


def _render_ontology() -> Rendered:
    return Rendered.of(ontology_rows())


# the ontology's section, rendered once per process; kg.build.cache hands in one rendered by an earlier
# build from the same ontology/ files (ONTOLOGY_SECTION.use)
ONTOLOGY_SECTION: Parsed[Rendered] = Parsed(_render_ontology)


def ontology_rendered() -> Rendered:
    """The ontology's section (rendered once per process, or given by `ONTOLOGY_SECTION.use`)."""
    return ONTOLOGY_SECTION.get()


def assemble_rendered(records: list[DocRecord], with_ontology: bool = True,
                      own: Callable[[DocRecord, URIRef], Rendered] | None = None,
                      findings: dict | None = None, reuse: MutableMapping[str, Rendered] | None = None,
                      decided: MutableMapping[str, tuple[bool, str]] | None = None,
                      extras: dict[str, Rendered] | None = None) -> Merged:
    """The graph of the given documents as one Turtle file (records in any order give the same bytes).

    `own(record, iri)`: a document's own triples, rendered (default: written here by
    document_rows); `findings`: kg.rdf.corpus.Findings by path; `reuse`: the document sections of
    earlier builds (kg.rdf.corpus.corpus_sections); `decided`: earlier decisions on pairs of documents
    (kg.rdf.align.group); `extras`: see kg.rdf.corpus.corpus_sections.
    """
    iris = doc_iris(records)
    corpus, _ = corpus_sections(records, iris, own or _own, findings, reuse, decided, extras)
    sections: dict[str, Rendered] = {"ontology": ontology_rendered()} if with_ontology else {}
    sections.update(sorted(corpus.items()))  # each sorted, and the sections in order: the merge sorts runs
    return merge(sections)


def _own(record: DocRecord, doc: URIRef) -> Rendered:
    return Rendered.of(document_rows(record, doc), keep_nt=False)


def assemble_rows(records: list[DocRecord], with_ontology: bool = True) -> Triples:
    """The triples of the given documents (records in any order give the same triples)."""
    return Triples(assemble_rendered(records, with_ontology).rows())


def assemble(records: list[DocRecord], with_ontology: bool = True) -> Graph:
    """The RDF graph of the given documents, as an rdflib Graph (records in any order give the same graph)."""
    return assemble_rows(records, with_ontology).to_graph()
