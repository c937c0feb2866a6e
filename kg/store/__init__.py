"""Where the graph is kept: the embedded Oxigraph store and remote SPARQL servers.

Owns store folders (paths, bulk load and atomic swap, opening, `load_graph`: local), the read-only
rdflib Store plugin over pyoxigraph (oxigraph), rdflib <-> pyoxigraph terms (terms), loading a build
into the store incrementally (load) and remote servers (Graph Store Protocol pushes, SELECT: remote).

It must not import kg.build, kg.sparql or anything above them: SPARQL lexing and parameter binding
belong to kg.sparql, which installs its VALUES splicer with kg.store.oxigraph.use_binder.
"""
