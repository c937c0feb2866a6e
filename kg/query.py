"""Named queries (queries/*.rq) and safe, read-only SPARQL over a graph.

A named query file starts with a comment header:

    # title: Measures using an instrument
    # description: Every measure that uses the given instrument, with its document and heading.
    # param: instrument (instrument code) e.g. FINANCING_GUARANTEE
    # param: lang (language, optional, default en) e.g. zh

Parameters are bound as RDF terms with rdflib's initBindings (never pasted into the query text):
a code becomes the IRI of the vocabulary concept whose skos:notation it is, after a check that it
exists (with a "did you mean" for a near miss).
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parser import parseQuery

from kg.errors import ParameterError, QueryError, QueryNotFound, QueryRefused, QueryTimeout, UnknownTerm
from kg.namespaces import PREFIXES
from kg.resources import data_dir
from kg.vocab import load_vocabulary

PARAM_KINDS = {
    "department": ("department", "actor"),
    "instrument": ("instrument",),
    "enterprise-type": ("enterprise-type",),
    "region": ("region",),
}
_HEADER = re.compile(r"^#\s*(?P<key>title|description|param)\s*:\s*(?P<val>.*)$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][\w]*)\s*\((?P<type>[^),]+?)(?P<opt>,\s*optional(?:,\s*default\s+(?P<default>[^)]+))?)?\)\s*(?:e\.g\.\s*(?P<example>.+))?$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool = False
    default: str | None = None
    example: str | None = None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    title: str
    description: str
    params: tuple[Param, ...] = field(default=())

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def parse_header(name: str, path: Path) -> NamedQuery:
    title, desc, params = name, "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
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
                raise QueryError(f"{path.name}: bad param line {val!r}")
            params.append(Param(p.group("name"), p.group("type").strip(), bool(p.group("opt")),
                                (p.group("default") or "").strip() or None, (p.group("example") or "").strip() or None))
    return NamedQuery(name, path, title, desc, tuple(params))


def named_queries() -> dict[str, NamedQuery]:
    return {p.stem: parse_header(p.stem, p) for p in sorted(data_dir("queries").glob("*.rq"))}


def resolve(query: str) -> tuple[str, NamedQuery | None]:
    """SPARQL text for a named query, a .rq file or SPARQL text itself."""
    named = named_queries()
    if query in named:
        return named[query].text, named[query]
    if query.endswith(".rq"):
        p = Path(query)
        if not p.exists():
            raise QueryNotFound(f"query file {query} not found")
        return p.read_text(encoding="utf-8"), parse_header(p.stem, p)
    if re.match(r"^[\w-]+$", query.strip()):
        import difflib

        near = difflib.get_close_matches(query, list(named), n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else "; `kg queries` lists them"
        raise QueryNotFound(f"no named query {query!r}{hint}")
    return query, None


_UPDATE = re.compile(r"^\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I | re.M)


def _strip_comments_and_strings(q: str) -> str:
    q = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', '""', q)
    q = re.sub(r"<[^<>\s]*>", "<>", q)
    return re.sub(r"#[^\n]*", "", q)


def check_safe(q: str) -> None:
    """Refuse updates, SERVICE, and FROM/FROM NAMED (which would load files or URLs)."""
    bare = _strip_comments_and_strings(q)
    if _UPDATE.search(bare):
        raise QueryRefused("updates are refused: kg queries are read-only")
    if re.search(r"\bSERVICE\b", bare, re.I):
        raise QueryRefused("SERVICE is refused: queries cannot reach the network")
    if re.search(r"\bFROM\b", bare, re.I):
        raise QueryRefused("FROM / FROM NAMED is refused: queries run on the local graph only")


def syntax_error(q: str, err: Exception) -> QueryError:
    """A one-line error with line, column and the offending line with a caret."""
    loc = getattr(err, "loc", None)
    if isinstance(loc, int):
        line = q.count("\n", 0, loc) + 1
        col = loc - (q.rfind("\n", 0, loc) + 1) + 1
        text = q.splitlines()[line - 1] if q.splitlines() else ""
        return QueryError(f"syntax error at line {line}, column {col}: {text.strip()!r} "
                          f"(near {text[col - 1:col + 15]!r})")
    return QueryError(f"syntax error: {str(err).splitlines()[0]}")


def bind_params(nq: NamedQuery | None, given: dict[str, str]) -> dict[str, object]:
    """RDF terms for the parameters; ParameterError for a missing or unknown one."""
    if nq is None:
        if given:
            return {k: Literal(v) for k, v in given.items()}
        return {}
    known = {p.name: p for p in nq.params}
    unknown = set(given) - set(known)
    if unknown:
        raise ParameterError(f"unknown parameter {sorted(unknown)[0]!r} for {nq.name}; "
                             f"it takes {', '.join(known) or 'none'}")
    vocab = load_vocabulary()
    out: dict[str, object] = {}
    for p in nq.params:
        value = given.get(p.name, p.default)
        if value is None:
            if p.optional:
                continue
            raise ParameterError(f"missing parameter {p.name!r} ({p.type}) for {nq.name}, "
                                 f"e.g. --param {p.name}={p.example or '...'}")
        kind = p.type.split()[0]
        if kind in PARAM_KINDS:
            try:
                out[p.name] = URIRef(vocab.find(value, PARAM_KINDS[kind]).iri)
            except UnknownTerm as e:
                raise ParameterError(f"parameter {p.name}: {e}") from None
        elif kind == "iri":
            if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", value, re.I):
                raise ParameterError(f"parameter {p.name}: not an IRI: {value!r}")
            out[p.name] = URIRef(value)
        elif kind == "integer":
            if not re.match(r"^-?\d+$", value):
                raise ParameterError(f"parameter {p.name}: not an integer: {value!r}")
            out[p.name] = Literal(int(value))
        else:
            out[p.name] = Literal(value)
    return out


@dataclass
class Result:
    vars: list[str]
    rows: list[list[object]]
    truncated: bool = False


def run_query(g: Graph, query: str, params: dict[str, str] | None = None, timeout: float = 10.0,
              limit: int | None = None) -> Result:
    """Run a named query, a .rq file or SPARQL text on `g`, read-only, bound safely, time-limited."""
    text, nq = resolve(query)
    check_safe(text)
    try:
        parseQuery(text)
    except Exception as e:
        raise syntax_error(text, e) from None
    bindings = bind_params(nq, params or {})
    try:
        prepared = prepareQuery(text, initNs=PREFIXES)
    except Exception as e:
        raise syntax_error(text, e) from None
    box: dict[str, object] = {}

    def work():
        try:
            res = g.query(prepared, initBindings=bindings)
            vars_ = [str(v) for v in (res.vars or [])]
            rows = []
            if res.type == "ASK":
                box["result"] = Result(["ask"], [[Literal(bool(res.askAnswer))]])
                return
            if res.type in ("CONSTRUCT", "DESCRIBE"):
                vars_ = ["subject", "predicate", "object"]
                for t in res.graph:
                    rows.append(list(t))
                    if limit and len(rows) > limit:
                        break
            else:
                for r in res:
                    rows.append(list(r))
                    if limit and len(rows) > limit:
                        break
            truncated = bool(limit) and len(rows) > limit
            box["result"] = Result(vars_, rows[:limit] if limit else rows, truncated)
        except Exception as e:  # surfaced below as a QueryError
            box["error"] = e

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise QueryTimeout(f"query stopped after {timeout:g}s (raise --timeout to allow more)")
    if "error" in box:
        raise QueryError(f"query failed: {str(box['error']).splitlines()[0]}")
    return box["result"]


def term_str(t: object) -> str:
    if t is None:
        return ""
    if isinstance(t, BNode):
        return f"_:{t}"
    return str(t)


def to_csv(res: Result, delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(res.vars)
    for row in res.rows:
        w.writerow([term_str(t).replace("\t", " ") if delimiter == "\t" else term_str(t) for t in row])
    return buf.getvalue()


def to_json(res: Result) -> str:
    """SPARQL 1.1 Query Results JSON."""
    def term(t):
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

    bindings = [{v: term(t) for v, t in zip(res.vars, row, strict=False) if t is not None} for row in res.rows]
    return json.dumps({"head": {"vars": res.vars}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=1)


def _bind_text(text: str, bindings: dict[str, object]) -> str:
    """Add a VALUES block right inside the first WHERE { for a remote endpoint.

    Values are RDF terms serialised by rdflib (n3(): escaped, IRIs validated), never raw user text.
    """
    if not bindings:
        return text
    names = sorted(bindings)
    values = "VALUES (" + " ".join(f"?{n}" for n in names) + ") { (" + " ".join(
        bindings[n].n3() for n in names) + ") }"
    m = re.search(r"\bWHERE\s*\{", text, re.I) or re.search(r"\{", text)
    if not m:
        raise QueryError("cannot bind parameters: the query has no WHERE block")
    return text[: m.end()] + "\n  " + values + "\n" + text[m.end():]


def run_remote(endpoint: str, query: str, params: dict[str, str] | None = None, timeout: float = 30.0,
               limit: int | None = None) -> Result:
    """Run a query on a SPARQL 1.1 endpoint with the same safety checks and parameter binding."""
    from kg.namespaces import sparql_prologue
    from kg.remote import select

    text, nq = resolve(query)
    check_safe(text)
    try:
        parseQuery(text)
    except Exception as e:
        raise syntax_error(text, e) from None
    bound = _bind_text(text, bind_params(nq, params or {}))
    if not re.search(r"^\s*PREFIX\s+smekg:", bound, re.I | re.M):
        bound = sparql_prologue() + bound
    vars_, rows = select(endpoint, bound, timeout=timeout)

    def term(d):
        if d is None:
            return None
        if d["type"] == "uri":
            return URIRef(d["value"])
        if d["type"] == "bnode":
            return BNode(d["value"])
        return Literal(d["value"], lang=d.get("xml:lang"), datatype=d.get("datatype"))

    out = [[term(x) for x in r] for r in rows]
    truncated = bool(limit) and len(out) > limit
    return Result(vars_, out[:limit] if limit else out, truncated)
