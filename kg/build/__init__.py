"""kg.build: the build job — input paths -> per-document extraction -> one graph -> files written atomically.

Owns the job (job: build, build_graph, BuildReport), the worker processes (workers), the incremental
build cache (cache) and the build report beside the graph (report). It calls kg.text to extract,
kg.rdf to assemble and kg.store to load the embedded store.

It must not import kg.sparql, kg.viz, kg.report or kg.cli.
"""

from kg.build.job import BuildReport, build, build_graph

__all__ = ["BuildReport", "build", "build_graph"]
