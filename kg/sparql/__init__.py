"""SPARQL over the graph: named queries, safety, parameters, running, result formats.

Owns the named queries and their headers (named), refusing updates / SERVICE / FROM and syntax errors
with their location (safety), parameter validation and binding as RDF terms (params), the one SPARQL
tokenizer (tokens) and the one VALUES splicer (values), running a query with a time limit on rdflib,
Oxigraph or a remote endpoint (run), and CSV / JSON results (formats).

It reads graphs through kg.store (terms, the Oxigraph plugin, remote SELECT) and must not import
kg.viz, kg.report or kg.cli (the layers above it).
"""

from kg.sparql.formats import term_str, to_csv, to_json
from kg.sparql.named import NamedQuery, named_queries, resolve
from kg.sparql.run import Result, run_query, run_remote

__all__ = ["NamedQuery", "Result", "named_queries", "resolve", "run_query", "run_remote", "term_str", "to_csv",
           "to_json"]
