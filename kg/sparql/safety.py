"""Refusing what is not a read-only query of the local graph, and syntax errors with their location.

Safety, in order:

- the exact text an engine is given is checked token by token, as written and with its \\u / \\U escapes
  decoded (SPARQL decodes them before parsing, rdflib does, Oxigraph only inside strings and IRIs): a
  bare word that starts with SERVICE or is LOAD is refused in any reading (Oxigraph's parser reads
  `SERVICEex:x {…}` as SERVICE ex:x) — see `check_network`;
- the text is parsed with rdflib's SPARQL parser; text that is SPARQL Update (INSERT, DELETE, LOAD,
  CLEAR, DROP …) is refused, and so is any query whose algebra holds a SERVICE pattern or a dataset
  clause (FROM / FROM NAMED): a query reads the local graph and nothing else. rdflib's
  SPARQL_LOAD_GRAPHS is switched off as a second line of defence;
- parameters are validated and bound as RDF terms, never pasted into the query text
  (kg.sparql.params, kg.sparql.values);
- the query runs in a forked child process that is killed when the time limit is reached and that
  cannot open a network socket (kg.sparql.run, kg.sparql.sandbox).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import rdflib.plugins.sparql as rdflib_sparql
from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from kg.errors import QueryError, QueryRefused, first_line
from kg.namespaces import PREFIXES
from kg.sparql.tokens import first_keyword, tokens
from kg.store.oxigraph import use_guard

# FROM <file:///…> or FROM <http://…> would make rdflib fetch and parse the resource. Queries with a
# dataset clause are refused below anyway; this makes sure nothing is ever loaded.
rdflib_sparql.SPARQL_LOAD_GRAPHS = False
NETWORK_WORDS = re.compile(r"(?:SERVICE|LOAD\b)", re.I)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")


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
        return QueryError(f"syntax error: {first_line(err, repr(err))}")
    loc = min(loc, len(text))
    line, col, line_text = _location(text, loc)
    rest = text[loc:].strip()
    near = f"cannot parse from {rest.splitlines()[0][:30]!r}" if rest else "unexpected end of query"
    return QueryError(f"syntax error at line {line}, column {col}: {near}{_caret(line_text, col)}")


def _prefix_error(text: str, err: Exception) -> QueryError:
    m = re.search(r"Unknown namespace prefix\s*:\s*(\S*)", str(err))
    prefix = m.group(1) if m else ""
    known = ", ".join(sorted(PREFIXES))
    for kind, val, off in tokens(text):
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
    keyword = first_keyword(text)
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
    except RecursionError:
        raise QueryError(f"query nested too deeply to parse ({_depth(text)} levels of brackets): "
                         "flatten the groups or split the query") from None
    except ParseBaseException as e:
        _refuse_update(text)
        raise syntax_error(text, e) from None
    except Exception as e:  # rdflib wraps some parse failures in other types
        _refuse_update(text)
        raise syntax_error(text, e) from None
    try:
        prepared = translateQuery(parsed, initNs=PREFIXES)
    except RecursionError:
        raise QueryError(f"query nested too deeply to run ({_depth(text)} levels of brackets): "
                         "flatten the groups or split the query") from None
    except Exception as e:
        if "Unknown namespace prefix" in str(e):
            raise _prefix_error(text, e) from None
        raise QueryError(f"invalid query: {first_line(e)}") from None
    check_algebra(prepared)
    check_network(text)
    return prepared


def _depth(text: str) -> int:
    """The deepest nesting of (), {} and [] in the query text (brackets in strings counted too: an estimate)."""
    depth = deepest = 0
    for ch in text:
        if ch in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")}]":
            depth = max(0, depth - 1)
    return deepest


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


def _decode_escapes(text: str) -> str:
    def char(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    return _UCHAR.sub(char, text)


def readings(text: str) -> list[str]:
    """The query as written and with its codepoint escapes decoded, once and repeatedly (a decoded
    backslash may start another escape): every way a parser may read it."""
    out = [text]
    for _ in range(4):
        nxt = _decode_escapes(out[-1])
        if nxt == out[-1]:
            break
        out.append(nxt)
    return out


def check_network(text: str) -> None:
    """Refuse SERVICE and LOAD in any reading of the exact text an engine will run (outside strings,
    IRIs and comments: a variable, a literal or an IRI may say "service")."""
    for reading in readings(text):
        for kind, val, _ in tokens(reading):
            if kind == "word" and NETWORK_WORDS.match(val):
                word = "LOAD" if val.upper() == "LOAD" else "SERVICE"
                raise QueryRefused(f"{word} is refused: queries cannot reach the network")


def check_safe(text: str) -> None:
    """Raise QueryRefused (or QueryError for bad syntax) unless `text` is a read-only, local query."""
    prepare(text)


use_guard(check_network)  # every text the Oxigraph rdflib plugin runs, after its bindings are spliced in

__all__ = ["UPDATE_KEYWORDS", "check_algebra", "check_network", "check_safe", "readings", "prepare", "syntax_error"]
