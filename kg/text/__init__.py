"""kg.text: one input file -> one DocRecord (kg.model), and what is found in a document's text.

Owns reading and decoding inputs (read), the canonical text with its offsets (normalise), cleaning and
language (clean), numbering markers (numbering) and Chinese numerals (numerals), vocabulary matching
(lexicon) and its context cues (cues), metadata (metadata), segmentation into sections and measures
(segment), links (extract), dates (dates) and document numbers (docnumbers), and what kg.rdf.corpus reads
in a document's text: quantities (quantities, quantity_cues), citations (citations), reported statistics
(observations), and the document as it sees it (docview).

It must not import kg.rdf, kg.store, kg.build, kg.sparql, kg.viz, kg.report or kg.cli (only the base
modules: kg.errors, kg.io, kg.model, kg.namespaces, kg.resources, kg.vocab, kg.patterns).
"""
