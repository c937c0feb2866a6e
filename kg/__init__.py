"""kg: a knowledge graph of SME policy documents (English and Chinese).

The public API, for use from Python (the `kg` command line is a thin shell over the same calls)::

    from pathlib import Path
    import kg

    graph, report = kg.build_graph([Path("corpus")])   # extract and assemble, in memory
    kg.build([Path("corpus")], Path("build/graph.ttl"))  # the same, written atomically (+ store)
    g = kg.open_graph(Path("build/graph.ttl"))           # the built graph (its Oxigraph store when fresh)
    rows = kg.run_query(g, "measures-by-instrument", {"instrument": "RELENDING"}).rows
    kg.write_viz(g, Path("build/graph.html"))

Stages, bottom to top (each package imports only from the ones before it; tests/test_architecture.py
checks it): kg.text (text -> DocRecord) · kg.rdf (records -> triples) · kg.store (embedded and
remote stores) · kg.build (the build job) · kg.sparql (queries) · kg.viz (network, page, stats) ·
kg.cli. Names are imported on first use, so `import kg` stays cheap for worker processes.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from kg.errors import InputError, KGError, NoInputError, QueryError, StoreError, UnknownTerm, ValidationFailed

try:
    __version__ = version("kg")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without an install
    __version__ = "0.0.0"

_LAZY = {
    "build": "kg.build.job",
    "build_graph": "kg.build.job",
    "BuildReport": "kg.build.job",
    "open_graph": ("kg.store.local", "load_graph"),
    "run_query": "kg.sparql.run",
    "run_remote": "kg.sparql.run",
    "named_queries": "kg.sparql.named",
    "Result": "kg.sparql.run",
    "serialize": "kg.rdf.export",
    "validate_graph": "kg.rdf.validate",
    "write_viz": "kg.viz.page",
    "compute_stats": "kg.viz.stats",
}

__all__ = ["BuildReport", "InputError", "KGError", "NoInputError", "QueryError", "Result", "StoreError",
           "UnknownTerm", "ValidationFailed", "__version__", "build", "build_graph", "compute_stats",
           "named_queries", "open_graph", "run_query", "run_remote", "serialize", "validate_graph",
           "write_viz"]


def __getattr__(name: str):
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    module, attr = target if isinstance(target, tuple) else (target, name)
    value = getattr(import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
