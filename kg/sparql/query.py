"""Named queries (queries/*.rq) and safe, read-only SPARQL over a graph.

A named query file starts with a comment header:

    # title: Measures using an instrument
    # description: Every measure that uses the given instrument, with its document and heading.
    # param: instrument (instrument code) e.g. FINANCING_GUARANTEE
    # param: lang (language, optional, default en) e.g. zh

Parameter types (the first word of the type): department, instrument, enterprise-type, region,
concept (a vocabulary code of that kind, or the concept's IRI), document (a source file name),
language (en or zh), kind (a kind of concept), role (targets or involves), integer, string, iri.

Safety, in order:

- the text is parsed with rdflib's SPARQL parser; text that is SPARQL Update (INSERT, DELETE, LOAD,
  CLEAR, DROP …) is refused, and so is any query whose algebra holds a SERVICE pattern or a dataset
  clause (FROM / FROM NAMED): a query reads the local graph and nothing else. rdflib's
  SPARQL_LOAD_GRAPHS is switched off as a second line of defence;
- parameters are validated (codes must exist, with a "did you mean") and bound as RDF terms with
  rdflib's initBindings, never pasted into the query text; Oxigraph and remote endpoints get a VALUES
  block of terms serialised by rdflib (escaped, IRIs validated) at the start of the WHERE group;
- the query runs in a forked child process that is killed when the time limit is reached, so a
  runaway query (a cross join, a catastrophic regular expression) stops for real and the caller
  stays responsive.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import multiprocessing
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import rdflib.plugins.sparql as rdflib_sparql
from pyparsing import ParseBaseException
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from kg.errors import ParameterError, QueryError, QueryNotFound, QueryRefused, QueryTimeout, UnknownTerm
from kg.namespaces import PREFIXES, SMEKG
from kg.resources import data_dir
from kg.store.local import from_ox, to_ox

# FROM <file:///…> or FROM <http://…> would make rdflib fetch and parse the resource. Queries with a
# dataset clause are refused below anyway; this makes sure nothing is ever loaded.
rdflib_sparql.SPARQL_LOAD_GRAPHS = False

DEFAULT_TIMEOUT = 5.0

# Concept parameter types -> the vocabulary kinds (kg.vocab.KINDS) a code may belong to.
CONCEPT_TYPES: dict[str, tuple[str, ...]] = {
    "department": ("department", "actor"),
    "instrument": ("instrument",),
    "enterprise-type": ("enterprise-type",),
    "region": ("region",),
    "concept": ("department", "actor", "instrument", "enterprise-type", "region"),
}
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
VALUE_TYPES = ("document", "language", "kind", "role", "integer", "string", "iri")
PARAM_TYPES = tuple(CONCEPT_TYPES) + VALUE_TYPES

_HEADER = re.compile(r"^#\s*(?P<key>title|description|param)\s*:\s*(?P<val>.*)$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*\((?P<type>[^),]+?)"
                    r"(?P<opt>,\s*optional(?:,\s*default\s+(?P<default>[^)]+))?)?\)\s*"
                    r"(?:e\.g\.\s*(?P<example>.+))?$")
_NAME = re.compile(r"^[A-Za-z_]\w*$")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")


# ---------------------------------------------------------------- named queries


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool = False
    default: str | None = None
    example: str | None = None

    @property
    def kind(self) -> str:
        """The parameter type proper: the first word of the declared type ("instrument code" -> instrument)."""
        return self.type.split()[0]

    def describe(self) -> str:
        opt = ""
        if self.optional:
            opt = f", optional, default {self.default}" if self.default else ", optional"
        eg = f" e.g. {self.example}" if self.example else ""
        return f"{self.name} ({self.type}{opt}){eg}"


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    title: str
    description: str
    params: tuple[Param, ...] = field(default=())
    text: str = ""


def parse_header(name: str, path: Path, text: str | None = None) -> NamedQuery:
    """The header of a .rq file: leading comment lines `# title:`, `# description:`, `# param:`."""
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise QueryError(f"cannot read query file {path}: {e}") from None
    title, desc, params = name, "", []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        m = _HEADER.match(stripped)
        if not m:
            continue
        key, val = m.group("key"), m.group("val").strip()
        if key == "title":
            title = val
        elif key == "description":
            desc = val
        else:
            p = _PARAM.match(val)
            if not p:
                raise QueryError(f"{Path(path).name}: bad param line {val!r}; "
                                 "expected `# param: NAME (TYPE[, optional[, default X]]) e.g. VALUE`")
            param = Param(p.group("name"), p.group("type").strip(), bool(p.group("opt")),
                          (p.group("default") or "").strip() or None, (p.group("example") or "").strip() or None)
            if param.kind not in PARAM_TYPES:
                raise QueryError(f"{Path(path).name}: parameter {param.name!r} has unknown type {param.kind!r}; "
                                 f"types are {', '.join(PARAM_TYPES)}")
            params.append(param)
    return NamedQuery(name, Path(path), title, desc, tuple(params), text)


def named_queries() -> dict[str, NamedQuery]:
    """The named queries shipped in queries/, by name (the file's stem)."""
    return {p.stem: parse_header(p.stem, p) for p in sorted(data_dir("queries").glob("*.rq"))}


def resolve(query: str) -> tuple[str, NamedQuery | None]:
    """SPARQL text (and its header, if any) for a named query, a .rq file or SPARQL text itself."""
    named = named_queries()
    if query in named:
        return named[query].text, named[query]
    if query.strip().endswith(".rq") and "\n" not in query:
        p = Path(query.strip())
        if not p.is_file():
            raise QueryNotFound(f"query file {query} not found")
        nq = parse_header(p.stem, p)
        return nq.text, nq
    if re.match(r"^[\w-]+$", query.strip()):
        near = difflib.get_close_matches(query.strip(), list(named), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(near)}?" if near else "; `kg queries` lists them"
        raise QueryNotFound(f"no named query {query.strip()!r}{hint}")
    return query, None


# ---------------------------------------------------------------- lexing, parsing, refusing

_TOKEN = re.compile(
    r'(?P<ws>\s+)'
    r'|(?P<comment>#[^\n]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\s]*>)'
    r'|(?P<var>[?$]\w+)'
    r'|(?P<word>[^\W\d][\w.-]*(?::[\w.%:-]*)?|:[\w.%:-]*)'
    r'|(?P<open>\{)|(?P<close>\})'
    r'|(?P<other>.)',
    re.S,
)


def _tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of SPARQL tokens, enough to skip comments, strings and IRIs reliably."""
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            yield kind, m.group(), m.start()


def _first_keyword(text: str) -> str:
    """The query form keyword (SELECT, INSERT …) after the prologue (BASE / PREFIX declarations)."""
    toks = list(_tokens(text))
    i = 0
    while i < len(toks):
        kind, val, _ = toks[i]
        up = val.upper()
        if kind == "word" and up == "BASE":
            i += 2
        elif kind == "word" and up == "PREFIX":
            i += 3
        else:
            return up if kind == "word" else ""
    return ""


def _location(text: str, offset: int) -> tuple[int, int, str]:
    """1-based line and column of a character offset, and that line's text."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return line, offset - start + 1, text[start: end if end >= 0 else len(text)]


def _caret(line_text: str, col: int) -> str:
    """The line and a caret under column `col` (wide CJK characters count double)."""
    from rich.cells import cell_len

    shown = line_text.replace("\t", " ").rstrip("\r")
    return f"\n  {shown}\n  {' ' * cell_len(shown[: col - 1])}^"


def syntax_error(text: str, err: Exception) -> QueryError:
    """A syntax error with its line, column and the offending line with a caret under the spot."""
    loc = getattr(err, "loc", None)
    if not isinstance(loc, int):
        return QueryError(f"syntax error: {str(err).strip().splitlines()[0] if str(err).strip() else err!r}")
    loc = min(loc, len(text))
    line, col, line_text = _location(text, loc)
    rest = text[loc:].strip()
    near = f"cannot parse from {rest.splitlines()[0][:30]!r}" if rest else "unexpected end of query"
    return QueryError(f"syntax error at line {line}, column {col}: {near}{_caret(line_text, col)}")


def _prefix_error(text: str, err: Exception) -> QueryError:
    m = re.search(r"Unknown namespace prefix\s*:\s*(\S*)", str(err))
    prefix = m.group(1) if m else ""
    known = ", ".join(sorted(PREFIXES))
    for kind, val, off in _tokens(text):
        if kind == "word" and val.split(":", 1)[0] == prefix and ":" in val:
            line, col, line_text = _location(text, off)
            return QueryError(f"unknown prefix {prefix + ':'!r} at line {line}, column {col} "
                              f"(declare it with PREFIX; kg knows {known}){_caret(line_text, col)}")
    return QueryError(f"unknown prefix {prefix + ':'!r} (declare it with PREFIX; kg knows {known})")


def _walk(node: Any) -> Iterator[CompValue]:
    if isinstance(node, CompValue):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _walk(v)


def _refuse_update(text: str) -> None:
    keyword = _first_keyword(text)
    is_update = keyword in UPDATE_KEYWORDS
    if not is_update:
        try:
            parseUpdate(text)
            is_update = True
        except Exception:  # not an update either: the caller reports the query syntax error
            is_update = False
    if is_update:
        what = keyword if keyword in UPDATE_KEYWORDS else "SPARQL Update"
        raise QueryRefused(f"{what} is refused: kg queries are read-only (no SPARQL Update, no LOAD)")


@lru_cache(maxsize=256)
def prepare(text: str):
    """Parse and translate a query; refuse updates, SERVICE and FROM. Returns an rdflib prepared Query
    (cached: rdflib's parser takes a few tenths of a second on a named query)."""
    try:
        parsed = parseQuery(text)
    except ParseBaseException as e:
        _refuse_update(text)
        raise syntax_error(text, e) from None
    except Exception as e:  # rdflib wraps some parse failures in other types
        _refuse_update(text)
        raise syntax_error(text, e) from None
    try:
        prepared = translateQuery(parsed, initNs=PREFIXES)
    except Exception as e:
        if "Unknown namespace prefix" in str(e):
            raise _prefix_error(text, e) from None
        raise QueryError(f"invalid query: {str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}") from None
    check_algebra(prepared)
    return prepared


def check_algebra(prepared) -> None:
    """Refuse a query that would reach outside the local graph: SERVICE anywhere, FROM / FROM NAMED."""
    algebra = prepared.algebra
    if algebra.get("datasetClause"):
        raise QueryRefused("FROM / FROM NAMED is refused: queries run on the local graph only")
    for node in _walk(algebra):
        if node.name == "ServiceGraphPattern":
            raise QueryRefused("SERVICE is refused: queries cannot reach the network")
        if node.name in ("Load", "DatasetClause"):
            raise QueryRefused(f"{node.name} is refused: queries run on the local graph only")


def check_safe(text: str) -> None:
    """Raise QueryRefused (or QueryError for bad syntax) unless `text` is a read-only, local query."""
    prepare(text)


# ---------------------------------------------------------------- looking up codes and documents


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
        if _is_oxigraph(source):
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


# ---------------------------------------------------------------- results


@dataclass
class Result:
    vars: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    form: str = "SELECT"  # SELECT, ASK, CONSTRUCT or DESCRIBE
    elapsed: float = 0.0

    @property
    def boolean(self) -> bool | None:
        return bool(self.rows[0][0]) if self.form == "ASK" and self.rows else None


def _is_oxigraph(source: Any) -> bool:
    return type(source).__module__.startswith("pyoxigraph")


def _ox_triples(store: Any, s: Any, p: Any, o: Any) -> Iterator[tuple]:
    for q in store.quads_for_pattern(to_ox(s), to_ox(p), to_ox(o), None):
        yield from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)


def _evaluate(source: Any, text: str, prepared, bindings: dict[str, Any], limit: int | None) -> Result:
    """Run the query in this process and collect at most limit + 1 rows."""
    cap = None if limit is None else limit + 1
    rows: list[list[Any]] = []
    if _is_oxigraph(source):
        import pyoxigraph as ox

        # Oxigraph's substitutions only reach projected variables, so the terms go in a VALUES block
        # at the start of the WHERE group (serialised by rdflib, like for a remote endpoint).
        res = source.query(_bind_text(text, bindings), prefixes={k: str(v) for k, v in PREFIXES.items()},
                           use_default_graph_as_union=True)
        if isinstance(res, bool):
            return Result(["ask"], [[Literal(res)]], form="ASK")
        if isinstance(res, ox.QuerySolutions):
            vars_ = [v.value for v in res.variables]
            for sol in res:
                rows.append([from_ox(sol[v]) for v in vars_])
                if cap and len(rows) >= cap:
                    break
            form = "SELECT"
        else:
            vars_, form = ["subject", "predicate", "object"], "CONSTRUCT"
            for t in res:
                rows.append([from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)])
                if cap and len(rows) >= cap:
                    break
    else:
        # kg.store.local.OxigraphGraph runs SPARQL text in Oxigraph (rdflib's parsed queries would fall back
        # to rdflib's engine over the store); its bindings hold everywhere, as initBindings do here
        native = getattr(getattr(source, "store", None), "native_sparql", False)
        res = (source.query(text, initNs=PREFIXES, initBindings=bindings) if native
               else source.query(prepared, initBindings=bindings))
        if res.type == "ASK":
            return Result(["ask"], [[Literal(bool(res.askAnswer))]], form="ASK")
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            vars_, form = ["subject", "predicate", "object"], res.type
            for t in res.graph:
                rows.append(list(t))
                if cap and len(rows) >= cap:
                    break
        else:
            vars_, form = [str(v) for v in (res.vars or [])], "SELECT"
            for r in res:
                rows.append(list(r))
                if cap and len(rows) >= cap:
                    break
    truncated = limit is not None and len(rows) > limit
    return Result(vars_, rows[:limit] if truncated else rows, truncated, form)


def _child(conn, fn: Callable[[], Result]) -> None:  # pragma: no cover - runs in the forked child
    try:
        result = fn()
        conn.send(("ok", result))
    except BaseException as e:  # noqa: BLE001 - everything is reported to the parent
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        try:
            conn.send(("error", f"{type(e).__name__}: {msg}" if not isinstance(e, QueryError) else msg))
        except Exception:
            pass
    finally:
        conn.close()


def run_isolated(fn: Callable[[], Result], timeout: float | None) -> Result:
    """Run `fn` with a time limit that really stops it.

    With fork (Linux, macOS) `fn` runs in a child process that shares the loaded graph copy-on-write
    and is killed at the deadline; elsewhere it runs in a daemon thread that is abandoned at the
    deadline (the process still exits promptly). No time limit: `fn` runs here.
    """
    if not timeout:
        return fn()
    message = f"query stopped after {timeout:g}s (raise --timeout to allow more)"
    if "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(send, fn), daemon=True)
        proc.start()
        send.close()
        try:
            if not recv.poll(timeout):
                raise QueryTimeout(message)
            try:
                status, payload = recv.recv()
            except EOFError:
                raise QueryError(f"the query process died (exit code {proc.exitcode}); "
                                 "out of memory? add a LIMIT or narrow the query") from None
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
            recv.close()
        if status == "error":
            raise QueryError(f"query failed: {payload}")
        return payload
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: BLE001 - surfaced below
            box["error"] = e

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise QueryTimeout(message)
    if "error" in box:
        err = box["error"]
        if isinstance(err, QueryError):
            raise err
        raise QueryError(f"query failed: {type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}")
    return box["result"]


def run_query(source: Any, query: str, params: dict[str, str] | None = None,
              timeout: float | None = DEFAULT_TIMEOUT, limit: int | None = None) -> Result:
    """Run a named query, a .rq file or SPARQL text on `source` (an rdflib Graph or a pyoxigraph
    Store): read-only, parameters bound as RDF terms, time-limited (None or 0: no limit)."""
    text, nq = resolve(query)
    prepared = prepare(text)
    bindings = bind_params(nq, params or {}, Lookup.for_source(source))
    start = time.perf_counter()

    def fn() -> Result:
        try:
            return _evaluate(source, text, prepared, bindings, limit)
        except QueryError:
            raise
        except Exception as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else ""
            raise QueryError(f"query failed: {type(e).__name__}: {first}") from None

    res = run_isolated(fn, timeout)
    res.elapsed = time.perf_counter() - start
    return res


# ---------------------------------------------------------------- remote endpoints


def _bind_text(text: str, bindings: dict[str, Any]) -> str:
    """Add a VALUES block at the start of the query's WHERE group, for a remote endpoint.

    Values are RDF terms serialised by rdflib (n3(): escaped, IRIs validated), never raw user text;
    the group is found with a tokenizer that skips comments, strings and IRIs.
    """
    if not bindings:
        return text
    form = _first_keyword(text)
    if form in ("SELECT", "ASK"):
        # in every group that names a bound variable too (a filter nested in an OPTIONAL must see it,
        # as with rdflib's initBindings); kg.store.local does this for the embedded Oxigraph store
        from kg.store.local import bind_values

        return bind_values(text, bindings)
    names = sorted(bindings)
    values = "VALUES (" + " ".join(f"?{n}" for n in names) + ") { (" + " ".join(
        bindings[n].n3() for n in names) + ") }"
    toks = list(_tokens(text))
    i = next((k for k, (_, v, _) in enumerate(toks) if v.upper() == form), 0)
    if form == "CONSTRUCT" and i + 1 < len(toks) and toks[i + 1][0] == "open":
        depth, i = 0, i + 1
        while i < len(toks):
            depth += {"open": 1, "close": -1}.get(toks[i][0], 0)
            i += 1
            if depth == 0:
                break
    pos = next((off for kind, _, off in toks[i:] if kind == "open"), None)
    if pos is None:
        raise QueryError("cannot bind parameters: the query has no WHERE block")
    return text[: pos + 1] + "\n  " + values + "\n" + text[pos + 1:]


def run_remote(endpoint: str, query: str, params: dict[str, str] | None = None,
               timeout: float | None = 30.0, limit: int | None = None) -> Result:
    """Run a query on a SPARQL 1.1 endpoint with the same safety checks and parameter validation."""
    from kg.namespaces import sparql_prologue
    from kg.store.remote import select

    text, nq = resolve(query)
    prepare(text)
    bound = _bind_text(text, bind_params(nq, params or {}, Lookup(None)))
    start = time.perf_counter()
    vars_, rows = select(endpoint, sparql_prologue() + bound, timeout=timeout or 300)

    def term(d):
        if d is None:
            return None
        if d["type"] == "uri":
            return URIRef(d["value"])
        if d["type"] == "bnode":
            return BNode(d["value"])
        return Literal(d["value"], lang=d.get("xml:lang"), datatype=d.get("datatype"))

    out = [[term(x) for x in r] for r in rows]
    form = "ASK" if vars_ == ["ask"] else "SELECT"
    if form == "ASK":
        out = [[Literal(out[0][0] == Literal("true"))]] if out else [[Literal(False)]]
    truncated = limit is not None and len(out) > limit
    return Result(vars_, out[:limit] if truncated else out, truncated, form, time.perf_counter() - start)


# ---------------------------------------------------------------- output formats


def term_str(t: Any) -> str:
    if t is None:
        return ""
    if isinstance(t, BNode):
        return f"_:{t}"
    return str(t)


def to_csv(res: Result, delimiter: str = ",") -> str:
    """CSV (or TSV) with a header row; TSV cells have tabs and line breaks replaced by spaces."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(res.vars)
    for row in res.rows:
        cells = [term_str(t) for t in row]
        if delimiter == "\t":
            cells = [re.sub(r"[\t\r\n]+", " ", c) for c in cells]
        w.writerow(cells)
    return buf.getvalue()


def _json_term(t: Any) -> dict[str, str]:
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    if isinstance(t, Literal):
        d = {"type": "literal", "value": str(t)}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype:
            d["datatype"] = str(t.datatype)
        return d
    return {"type": "literal", "value": str(t)}


def to_json(res: Result) -> str:
    """SPARQL 1.1 Query Results JSON (a boolean for ASK)."""
    if res.form == "ASK":
        return json.dumps({"head": {}, "boolean": bool(res.boolean)}, ensure_ascii=False, indent=1)
    bindings = [{v: _json_term(t) for v, t in zip(res.vars, row, strict=False) if t is not None} for row in res.rows]
    return json.dumps({"head": {"vars": res.vars}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=1)


__all__ = [
    "DEFAULT_TIMEOUT", "Lookup", "NamedQuery", "Param", "Result", "bind_params", "check_safe", "named_queries",
    "prepare", "resolve", "run_isolated", "run_query", "run_remote", "syntax_error", "to_csv", "to_json",
]
