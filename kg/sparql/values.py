"""The one VALUES splicer of kg: parameters bound into SPARQL text as VALUES blocks of RDF terms.

Oxigraph (the embedded store, through kg.sparql.run or rdflib's `g.query` on kg.store's OxigraphGraph)
and remote endpoints get their parameters this way; rdflib's own engine gets them as initBindings.
The values are RDF terms serialised by rdflib (n3(): escaped, IRIs validated), never raw user text;
the groups are found with kg.sparql.tokens, which skips comments, strings and IRIs. This module also
installs `bind_values` as the store's binder (kg.store.oxigraph.use_binder): kg.store does not parse
SPARQL itself.
"""

from __future__ import annotations

from typing import Any

from kg.errors import QueryError
from kg.sparql.tokens import first_keyword, tokens
from kg.store.oxigraph import use_binder

Sig = list[tuple[str, str, int]]  # (kind, text, end offset) of the tokens that are not blanks or comments


class _Group:
    """A group graph pattern `{ … }` of the query, as the scan found it."""

    __slots__ = ("pos", "skip", "parent", "optional", "plain", "in_filter", "depth", "filter_at", "pending")

    def __init__(self, pos, skip, parent, optional):
        self.pos, self.skip, self.parent, self.optional = pos, skip, parent, optional
        self.plain: set[str] = set()  # bound variables named directly, outside a FILTER(...)
        self.in_filter: set[str] = set()  # bound variables named directly, inside a FILTER(...)
        self.depth = 0  # parentheses open in this group
        self.filter_at: int | None = None  # the depth a FILTER(...) opened at
        self.pending = False  # FILTER seen, its "(" not yet


def _block(names, bindings: dict[str, Any]) -> str:
    names = sorted(names)
    return (" VALUES (" + " ".join(f"?{n}" for n in names) + ") { ("
            + " ".join(bindings[n].n3() for n in names) + ") } ")


def _groups(sig: Sig, bound: set[str]) -> list[_Group]:
    """The groups a block may open, in the order they open (a parent before its children), with the
    bound variables each names directly."""
    groups: list[_Group] = []
    stack: list[_Group] = []
    for i, (kind, val, end) in enumerate(sig):
        cur = stack[-1] if stack else None
        if kind == "open":
            nxt = sig[i + 1][1].upper() if i + 1 < len(sig) else ""
            prev = sig[i - 1][1].upper() if i > 0 else ""
            skip = (any(g.skip for g in stack) or _is_data_block(sig, i) or prev == "CONSTRUCT")
            group = not skip and nxt != "SELECT"  # a sub-query's own WHERE group gets the block
            parent = next((g for g in reversed(stack) if g.pos is not None), None)
            g = _Group(end if group else None, skip, parent, prev == "OPTIONAL")
            if cur is not None:
                cur.pending = False
            stack.append(g)
            if group:
                groups.append(g)
        elif kind == "close" and stack:
            stack.pop()
        elif cur is None:
            continue
        elif kind == "var":
            name = val[1:]
            if name in bound:
                (cur.in_filter if cur.filter_at is not None else cur.plain).add(name)
        elif kind == "word" and val.upper() == "FILTER" and cur.filter_at is None:
            cur.pending = True
        elif val == "(":
            if cur.pending:
                cur.filter_at, cur.pending = cur.depth, False
            cur.depth += 1
        elif val == ")":
            cur.depth -= 1
            if cur.filter_at is not None and cur.depth <= cur.filter_at:
                cur.filter_at = None
    return groups


def _is_data_block(sig: Sig, i: int) -> bool:
    """True if the brace at sig[i] opens the data of `VALUES ?x {` or `VALUES (?x ?y) {`."""
    j = i - 1
    if j >= 0 and sig[j][0] == "var":
        return j >= 1 and sig[j - 1][1].upper() == "VALUES"
    if j >= 0 and sig[j][1] == ")":
        j -= 1
        while j >= 0 and sig[j][0] == "var":
            j -= 1
        return j >= 1 and sig[j][1] == "(" and sig[j - 1][1].upper() == "VALUES"
    return False


def _placed(groups: list[_Group], bound: set[str], nested: bool) -> list[tuple[int, set[str]]]:
    """(offset, variables) of the blocks: all of them in the WHERE group; with `nested`, in every group
    that names one too, but for an OPTIONAL that names it only in its own FILTER (see bind_values)."""
    top = next((g for g in groups if g.parent is None), None)
    given: dict[int, set[str]] = {}
    out: list[tuple[int, set[str]]] = []
    for g in groups:
        if g is top:
            names = set(bound)
        elif not nested:
            continue
        else:
            names = g.plain | g.in_filter
            if g.optional and g.parent is not None:
                left = given.get(id(g.parent), set())
                names -= {n for n in g.in_filter - g.plain if n in left}
        given[id(g)] = names
        if names:
            out.append((g.pos, names))
    return out


def _splice(query: str, bindings: dict[str, Any], nested: bool) -> tuple[str, int]:
    """The query with its blocks, and how many there are."""
    sig = [(kind, val, off + len(val)) for kind, val, off in tokens(query)]
    bound = set(bindings)
    inserts = sorted((pos, _block(names, bindings)) for pos, names in _placed(_groups(sig, bound), bound, nested))
    out, last = [], 0
    for pos, text in inserts:
        out.append(query[last:pos])
        out.append(text)
        last = pos
    out.append(query[last:])
    return "".join(out), len(inserts)


def bind_values(query: str, bindings: dict[str, object]) -> str:
    """SPARQL text with `bindings` (variable name -> rdflib term) in force everywhere, as rdflib's
    initBindings are: a one-row VALUES block opens the query's WHERE group (all the bindings) and every
    nested group graph pattern that names a bound variable itself (EXISTS, UNION and MINUS branches,
    sub-queries' WHERE, OPTIONAL), so that a filter nested in such a group sees the value too; groups
    that do not name one are left alone, which keeps Oxigraph's join order. The values are RDF terms
    serialised by rdflib (escaped), never text from a user.

    One exception keeps Oxigraph fast: an OPTIONAL group that names a variable only inside its own
    FILTER(...), directly in a group that has the value, gets no block. Its filter is the left join's
    condition, which sees the value from the left (SPARQL 1.1 §18.2.2.5), while a VALUES block there
    would make Oxigraph evaluate the OPTIONAL over the whole graph (a hash join) instead of once per
    row. This is the `OPTIONAL { ?c skos:prefLabel ?l FILTER(LANGMATCHES(LANG(?l), ?lang)) }` of
    nearly every named query.
    """
    if not bindings:
        return query
    return _splice(query, bindings, nested=True)[0]


def bind_text(text: str, bindings: dict[str, Any]) -> str:
    """The query with its parameters bound, for Oxigraph and remote endpoints: SELECT and ASK as
    bind_values does; CONSTRUCT and DESCRIBE with one block at the start of the WHERE group.
    QueryError if there is no WHERE group to put the block in."""
    if not bindings:
        return text
    if first_keyword(text) in ("SELECT", "ASK"):
        # in every group that names a bound variable too (a filter nested in an OPTIONAL must see it,
        # as with rdflib's initBindings)
        return bind_values(text, bindings)
    out, blocks = _splice(text, bindings, nested=False)
    if not blocks:
        raise QueryError("cannot bind parameters: the query has no WHERE block")
    return out


use_binder(bind_values)

__all__ = ["bind_text", "bind_values"]
