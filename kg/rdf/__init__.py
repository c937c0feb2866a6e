"""kg.rdf: DocRecords (kg.text) -> triples -> one deterministic Turtle file; export; SHACL.

Owns the IRIs of instance data (iris), one document's triples and evidence (assemble), what needs the
whole corpus — policies, alignments, citations, quantities, observations, inferred competent
departments (corpus, policies, findings, align, competent) —, the N-Triples terms (ntriples), the
triple sink (triples), the Turtle writer and section merge (turtle), the graph of a set of documents
(graph), the serialisations of `kg export` (export) and SHACL validation (validate).
Inside it, dependencies run one way: iris < assemble < policies, findings < corpus < graph.

It must not import kg.store, kg.build, kg.sparql, kg.viz, kg.report or kg.cli (only kg.text and the
base modules: kg.errors, kg.io, kg.model, kg.namespaces, kg.resources, kg.vocab).
"""
