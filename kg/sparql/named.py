"""Named queries (queries/*.rq): the comment header, the parameter types, finding a query by name.

A named query file starts with a comment header:

    # title: Measures using an instrument
    # description: Every measure that uses the given instrument, with its document and heading.
    # param: instrument (instrument code) e.g. FINANCING_GUARANTEE
    # param: lang (language, optional, default en) e.g. zh

Parameter types (the first word of the type): department, instrument, enterprise-type, region,
concept (a vocabulary code of that kind, or the concept's IRI), document (a source file name),
language (en or zh), kind (a kind of concept), role (targets or involves), integer, string, iri.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import QueryError, QueryNotFound
from kg.resources import data_dir

# Concept parameter types -> the vocabulary kinds (kg.vocab.KINDS) a code may belong to.
CONCEPT_TYPES: dict[str, tuple[str, ...]] = {
    "department": ("department", "actor"),
    "instrument": ("instrument",),
    "enterprise-type": ("enterprise-type",),
    "region": ("region",),
    "concept": ("department", "actor", "instrument", "enterprise-type", "region"),
}
VALUE_TYPES = ("document", "language", "kind", "role", "integer", "string", "iri")
PARAM_TYPES = tuple(CONCEPT_TYPES) + VALUE_TYPES

_HEADER = re.compile(r"^#\s*(?P<key>title|description|param)\s*:\s*(?P<val>.*)$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*\((?P<type>[^),]+?)"
                    r"(?P<opt>,\s*optional(?:,\s*default\s+(?P<default>[^)]+))?)?\)\s*"
                    r"(?:e\.g\.\s*(?P<example>.+))?$")


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


__all__ = ["CONCEPT_TYPES", "PARAM_TYPES", "VALUE_TYPES", "NamedQuery", "Param", "named_queries", "parse_header",
           "resolve"]
