"""Parameters of a named query: the codes, labels and documents of the graph (Lookup), and the RDF term
for each value (bind_value, bind_params): codes must exist (with a "did you mean"), values are checked
against their type, and the result is RDF terms, never text pasted into a query.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from kg.errors import ParameterError, UnknownTerm
from kg.namespaces import PREFIXES, SMEKG
from kg.resources import data_dir
from kg.sparql.named import CONCEPT_TYPES, NamedQuery, Param
from kg.store.terms import from_ox, to_ox

KIND_CLASSES: dict[str, tuple[URIRef, ...]] = {
    "department": (SMEKG.Department,),
    "actor": (SMEKG.Actor,),
    "instrument": (SMEKG.Instrument, SMEKG.FinancingInstrument, SMEKG.FiscalInstrument, SMEKG.ServiceInstrument),
    "enterprise-type": (SMEKG.EnterpriseType,),
    "region": (SMEKG.Region,),
}
# Values of a `kind` parameter -> the class it stands for.
KIND_VALUES: dict[str, URIRef] = {
    "department": SMEKG.Department,
    "actor": SMEKG.Actor,
    "instrument": SMEKG.Instrument,
    "financing": SMEKG.FinancingInstrument,
    "fiscal": SMEKG.FiscalInstrument,
    "service": SMEKG.ServiceInstrument,
    "enterprise-type": SMEKG.EnterpriseType,
    "region": SMEKG.Region,
}
ROLE_VALUES = {"targets": SMEKG.targets, "involves": SMEKG.involves}
LANGUAGES = ("en", "zh")
_NAME = re.compile(r"^[A-Za-z_]\w*$")


@dataclass(frozen=True)
class _Concept:
    notation: str
    iri: str
    kinds: frozenset[str]
    labels: tuple[str, ...] | None = ()  # None: the graph's, read by Lookup.labels when needed


class Lookup:
    """Codes (skos:notation), labels and document file names of the graph being queried, plus the
    vocabulary's, to turn a parameter value into the RDF term it names."""

    def __init__(self, triples: Callable[[Any, Any, Any], Iterable[tuple]] | None = None):
        self._triples = triples
        self._concepts: list[_Concept] | None = None
        self._with_vocabulary = False
        self._documents: list[tuple[str, Any, Literal]] | None = None
        self._labels: dict[str, list[str]] | None = None

    @classmethod
    def for_source(cls, source: Any) -> Lookup:
        if isinstance(source, Graph):
            return cls(lambda s, p, o: source.triples((s, p, o)))
        if is_oxigraph(source):
            return cls(lambda s, p, o: _ox_triples(source, s, p, o))
        return cls(None)

    def concepts(self, with_vocabulary: bool = True) -> list[_Concept]:
        """The graph's concepts first (they are what the query will match), then the vocabulary's.

        A few scans (the notations, then the members of each concept class), not a look-up per
        concept: on the embedded store every look-up costs a seek. Labels are read when needed."""
        if self._concepts is None:
            out: list[_Concept] = []
            if self._triples is not None:
                kinds_of: dict[Any, set[str]] = {}
                for kind, classes in KIND_CLASSES.items():
                    for cls in classes:
                        for s, _, _ in self._triples(None, RDF.type, cls):
                            kinds_of.setdefault(s, set()).add(kind)
                for s, _, o in sorted(self._triples(None, SKOS.notation, None)):
                    kinds = frozenset(kinds_of.get(s, ()))
                    if kinds and isinstance(s, URIRef):
                        out.append(_Concept(str(o), str(s), kinds, None))
            self._concepts = out
        if with_vocabulary and not self._with_vocabulary:
            self._concepts = self._concepts + _vocabulary_concepts()
            self._with_vocabulary = True
        return self._concepts

    def labels(self, c: _Concept) -> tuple[str, ...]:
        """A concept's preferred and alternative labels (the graph's, read in two scans on first use)."""
        if c.labels is not None:
            return c.labels
        if self._labels is None:
            self._labels = {}
            if self._triples is not None:
                for p in (SKOS.prefLabel, SKOS.altLabel):
                    for s, _, lab in self._triples(None, p, None):
                        self._labels.setdefault(str(s), []).append(str(lab))
        return tuple(self._labels.get(c.iri, ()))

    def find(self, value: str, param_type: str) -> URIRef:
        """The IRI of the concept whose code, IRI or label is `value`, of a kind the type allows."""
        kinds = set(CONCEPT_TYPES[param_type])
        v = value.strip()
        for c in self.concepts(with_vocabulary=False):  # the common case: a code of the graph itself
            if (c.iri == v or c.notation.lower() == v.lower()) and c.kinds & kinds:
                return URIRef(c.iri)
        everything = self.concepts()
        for c in everything:
            if (c.iri == v or c.notation.lower() == v.lower()) and c.kinds & kinds:
                return URIRef(c.iri)
        what = "department or other actor" if param_type == "department" else param_type.replace("-", " ")
        by_label = sorted({(c.notation, c.iri) for c in everything
                           if c.kinds & kinds and v.lower() in (lab.lower() for lab in self.labels(c))})
        if len(by_label) == 1:
            return URIRef(by_label[0][1])
        if len(by_label) > 1:
            codes = ", ".join(sorted({n for n, _ in by_label}))
            raise UnknownTerm(f"{v!r} names several {what}s ({codes}); give the code")
        for c in everything:
            if c.iri == v or c.notation.lower() == v.lower():
                other = sorted(c.kinds)[0].replace("-", " ")
                raise UnknownTerm(f"{v!r} is a{'n' if other[0] in 'aeiou' else ''} {other} code, "
                                  f"not a{'n' if what[0] in 'aeiou' else ''} {what} code")
        pool = sorted({c.notation for c in everything if c.kinds & kinds})
        near = difflib.get_close_matches(v.upper(), pool, n=3, cutoff=0.6)
        kind = "enterprise-type" if param_type == "enterprise-type" else sorted(kinds)[0]
        hint = f"; did you mean {', '.join(near)}?" if near else (
            f"; `kg query vocabulary --param kind={kind}` lists them" if pool else "")
        raise UnknownTerm(f"unknown {what} code {v!r}{hint}")

    def documents(self) -> list[tuple[str, Any, Literal]]:
        """(file name, document IRI, its dcterms:source literal) of the graph's documents."""
        if self._documents is None:
            docs = []
            if self._triples is not None:
                policy_documents = {s for s, _, _ in self._triples(None, RDF.type, SMEKG.PolicyDocument)}
                for s, _, o in self._triples(None, DCTERMS.source, None):
                    if isinstance(o, Literal) and s in policy_documents:
                        docs.append((str(o), s, o))
            self._documents = sorted(docs)
        return self._documents

    def document(self, value: str) -> Literal:
        """The dcterms:source literal of the document named by its file name (or IRI)."""
        if self._triples is None:
            return Literal(value.strip())
        docs = self.documents()
        v = value.strip()
        for name, iri, lit in docs:
            if v in (name, str(iri)) or v + ".txt" == name:
                return lit
        near = difflib.get_close_matches(v, [n for n, _, _ in docs], n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(near)}?" if near else (
            "; `kg query document-summary` lists them" if docs else "; the graph has no documents")
        raise UnknownTerm(f"no document {v!r} in the graph{hint}")


def _vocabulary_concepts() -> list[_Concept]:
    try:
        from kg.vocab import load_vocabulary

        return [_Concept(c.notation, c.iri, frozenset({c.kind}), tuple(lab.text for lab in c.labels))
                for c in load_vocabulary().concepts]
    except Exception:  # a vocabulary that cannot be loaded leaves the graph's own concepts
        return []


def _expand_iri(value: str) -> URIRef:
    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        v = v[1:-1]
    m = re.match(r"^([A-Za-z][\w-]*):(.*)$", v)
    if m and m.group(1) in PREFIXES and not m.group(2).startswith("//"):
        v = str(PREFIXES[m.group(1)]) + m.group(2)
    if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", v, re.I):
        raise ParameterError(f"not an IRI: {value!r}")
    return URIRef(v)


def bind_value(p: Param, value: str, lookup: Lookup) -> Any:
    """The RDF term for one parameter value (ParameterError if it is not valid for the type)."""
    kind = p.kind
    try:
        if kind in CONCEPT_TYPES:
            return lookup.find(value, kind)
        if kind == "document":
            return lookup.document(value)
    except UnknownTerm as e:
        raise ParameterError(f"parameter {p.name}: {e}") from None
    v = value.strip()
    if kind == "language":
        lang = v.lower().split("-")[0]
        if lang not in LANGUAGES:
            raise ParameterError(f"parameter {p.name}: language must be {' or '.join(LANGUAGES)}, got {value!r}")
        return Literal(lang)
    if kind == "kind":
        if v.lower() not in KIND_VALUES:
            raise ParameterError(f"parameter {p.name}: kind must be one of {', '.join(KIND_VALUES)}, got {value!r}")
        return KIND_VALUES[v.lower()]
    if kind == "role":
        if v.lower() not in ROLE_VALUES:
            raise ParameterError(f"parameter {p.name}: role must be targets or involves, got {value!r}")
        return ROLE_VALUES[v.lower()]
    if kind == "integer":
        if not re.match(r"^[+-]?\d{1,18}$", v):
            raise ParameterError(f"parameter {p.name}: not an integer: {value!r}")
        return Literal(int(v), datatype=XSD.integer)
    if kind == "iri":
        try:
            return _expand_iri(v)
        except ParameterError as e:
            raise ParameterError(f"parameter {p.name}: {e}") from None
    return Literal(value)


def bind_params(nq: NamedQuery | None, given: dict[str, str], lookup: Lookup | None = None) -> dict[str, Any]:
    """RDF terms for the parameters; ParameterError for a missing, unknown or invalid one.

    For SPARQL text without a header, NAME=VALUE binds ?NAME to the string VALUE (or to an IRI
    when VALUE is written <IRI>).
    """
    lookup = lookup or Lookup(None)
    for k in given:
        if not _NAME.match(k):
            raise ParameterError(f"bad parameter name {k!r}: use letters, digits and _")
    shipped = nq is not None and nq.path.parent.resolve() == data_dir("queries").resolve()
    if nq is None or (not nq.params and not shipped):
        out: dict[str, Any] = {}
        for k, v in given.items():
            out[k] = _expand_iri(v) if v.strip().startswith("<") else Literal(v)
        return out
    known = {p.name: p for p in nq.params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        takes = ", ".join(known) or "no parameters"
        raise ParameterError(f"unknown parameter {unknown[0]!r} for {nq.name}; it takes {takes}")
    out = {}
    for p in nq.params:
        value = given.get(p.name)
        if value is None or value.strip() == "":
            value = p.default
        if value is None:
            if p.optional:
                continue
            raise ParameterError(f"missing parameter {p.name!r} ({p.type}) for {nq.name}, "
                                 f"e.g. --param {p.name}={p.example or '...'}")
        out[p.name] = bind_value(p, value, lookup)
    return out


def is_oxigraph(source: Any) -> bool:
    return type(source).__module__.startswith("pyoxigraph")


def _ox_triples(store: Any, s: Any, p: Any, o: Any) -> Iterator[tuple]:
    for q in store.quads_for_pattern(to_ox(s), to_ox(p), to_ox(o), None):
        yield from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)


__all__ = ["KIND_CLASSES", "KIND_VALUES", "LANGUAGES", "ROLE_VALUES", "Lookup", "bind_params", "bind_value",
           "is_oxigraph"]
