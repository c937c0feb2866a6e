"""SHACL validation of a graph against ontology/shapes.ttl (pyshacl)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from kg.resources import shapes_file


@dataclass
class ValidationReport:
    conforms: bool
    violations: int
    text: str


def validate_graph(g: Graph) -> ValidationReport:
    import pyshacl

    shapes = Graph().parse(shapes_file(), format="turtle")
    conforms, results_graph, text = pyshacl.validate(g, shacl_graph=shapes, inference="none",
                                                     advanced=True, allow_warnings=True)
    from rdflib.namespace import SH

    violations = sum(1 for _ in results_graph.subjects(SH.resultSeverity, SH.Violation))
    return ValidationReport(bool(conforms), violations, text)
