"""The rdflib Store plugin over a pyoxigraph Store (read-only): rdflib's API (triples, value, subjects,
len …) works as on any graph, and SPARQL text given to `g.query()` runs in Oxigraph.

initBindings are bound by VALUES blocks in the query text. Writing them is SPARQL lexing, which belongs
to kg.sparql (a higher layer): kg.sparql.values installs its splicer here with `use_binder` when it is
imported. Without a binder, a query with initBindings is left to rdflib's own engine over the store.
rdflib's pre-parsed queries are not accepted by Oxigraph either: they fall back to rdflib's engine,
which is correct but slow, so kg.sparql sends the text (see `native_sparql`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rdflib import Graph, Literal, URIRef, Variable
from rdflib.query import Result
from rdflib.store import VALID_STORE, Store

from kg.errors import StoreError, first_line
from kg.store.terms import Terms

# (SPARQL text, {variable name: rdflib term}) -> the text with those bindings in force everywhere
Binder = Callable[[str, dict], str]
_binder: Binder | None = None
# (SPARQL text) -> None, or raise: refuses what must not run (kg.sparql.safety installs its network check)
_guard: Callable[[str], None] | None = None


def use_binder(binder: Binder | None) -> None:
    """Set how OxigraphStore.query binds initBindings into the query text (kg.sparql.values.bind_values)."""
    global _binder
    _binder = binder


def use_guard(guard: Callable[[str], None] | None) -> None:
    """Set the check every SPARQL text passes right before Oxigraph parses it (kg.sparql.safety)."""
    global _guard
    _guard = guard


class OxigraphStore(Store):
    """A read-only rdflib Store over the default graph of a pyoxigraph Store."""

    context_aware = True  # one graph: contexts are ignored (pyshacl asks for a context-aware store)
    formula_aware = False
    transaction_aware = False
    graph_aware = True  # refused anyway: the store is read-only
    native_sparql = True  # g.query(text) runs in Oxigraph; kg.sparql.run checks this flag

    def __init__(self, ox_store, triples: int | None = None):
        super().__init__()
        self.ox_store = ox_store
        self._terms = Terms()
        self._len = triples
        self._ns: dict[str, URIRef] = {}
        self._prefix: dict[URIRef, str] = {}

    def open(self, configuration, create=False):
        return VALID_STORE

    def close(self, commit_pending_transaction=False):
        pass

    def _refuse(self, *args, **kwargs):
        raise StoreError("the Oxigraph store is opened read-only; rebuild it with `kg build`")

    add = addN = remove = update = add_graph = remove_graph = _refuse

    def triples(self, triple_pattern, context=None) -> Iterator:
        s, p, o = triple_pattern
        if isinstance(s, Literal) or (p is not None and not isinstance(p, (URIRef, Variable))):
            return  # no such triple can exist (rdflib resolves property paths before calling stores)
        conv = self._terms
        try:
            pattern = (conv.to_ox(s), conv.to_ox(p), conv.to_ox(o))
        except (TypeError, ValueError):
            return
        ox = conv.ox
        to = conv.to_rdflib
        for q in self.ox_store.quads_for_pattern(*pattern, ox.DefaultGraph()):
            yield (to(q.subject), to(q.predicate), to(q.object)), iter((None,))

    def __len__(self, context=None) -> int:
        if self._len is None:
            import pyoxigraph as ox

            res = self.ox_store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=ox.DefaultGraph())
            self._len = int(next(iter(res))[0].value)
        return self._len

    def contexts(self, triple=None):
        return iter(())

    def nt_rows(self) -> list[tuple[str, str, str]]:
        """Every triple as canonical N-Triples strings (formatted by Oxigraph), for kg.rdf.export.serialize."""
        ox = self._terms.ox
        return [(str(q.subject), str(q.predicate), str(q.object))
                for q in self.ox_store.quads_for_pattern(None, None, None, ox.DefaultGraph())]

    def query(self, query, initNs, initBindings, queryGraph, **kwargs) -> Result:  # noqa: N803 (rdflib's names)
        if not isinstance(query, str) or kwargs:
            raise NotImplementedError("Oxigraph runs SPARQL text only")  # rdflib then evaluates it itself
        ox = self._terms.ox
        conv = self._terms
        prefixes = {str(k): str(v) for k, v in dict(self._ns, **(initNs or {})).items()}
        bound = {str(k): v for k, v in (initBindings or {}).items() if v is not None}
        if bound:
            if _binder is None:  # rdflib then evaluates it itself (correct, slower)
                raise NotImplementedError("no binder for initBindings: import kg.sparql")
            query = _binder(query, bound)
        if _guard is not None:
            _guard(query)
        try:
            res = self.ox_store.query(query, prefixes=prefixes, default_graph=ox.DefaultGraph())
        except SyntaxError as e:
            raise StoreError(f"query syntax: {first_line(e)}") from None
        if isinstance(res, ox.QueryBoolean):
            out = Result("ASK")
            out.askAnswer = bool(res)
            return out
        if isinstance(res, ox.QuerySolutions):
            out = Result("SELECT")
            names = [v.value for v in res.variables]
            out.vars = [Variable(n) for n in names]
            to = conv.to_rdflib
            vars_ = out.vars
            # lazy: the solutions are computed as they are read (so a row limit stops the work early)
            out.bindings = ({var: to(val) for var, val in zip(vars_, sol, strict=True) if val is not None}
                            for sol in res)
            return out
        out = Result("CONSTRUCT")
        g = Graph()
        to = conv.to_rdflib
        for t in res:
            g.add((to(t.subject), to(t.predicate), to(t.object)))
        out.graph = g
        return out

    # namespaces live in memory only
    def bind(self, prefix, namespace, override=True, replace=False):
        if not override and (prefix in self._ns or namespace in self._prefix):
            return
        old = self._ns.pop(prefix, None)
        if old is not None:
            self._prefix.pop(old, None)
        old_p = self._prefix.pop(namespace, None)
        if old_p is not None:
            self._ns.pop(old_p, None)
        self._ns[prefix] = URIRef(namespace)
        self._prefix[URIRef(namespace)] = prefix

    def namespace(self, prefix):
        return self._ns.get(prefix)

    def prefix(self, namespace):
        return self._prefix.get(URIRef(namespace))

    def namespaces(self):
        yield from list(self._ns.items())


__all__ = ["Binder", "OxigraphStore", "use_binder", "use_guard"]
