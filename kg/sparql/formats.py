"""Result formats: CSV / TSV and SPARQL 1.1 Query Results JSON, and a term as plain text."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Protocol

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD


class Result(Protocol):
    """What the formats read of a kg.sparql.run.Result (kept as a protocol so run may use the formats)."""

    vars: list[str]
    rows: list[list[Any]]
    form: str
    boolean: bool | None


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


def to_jsonl(res: Result) -> str:
    """One JSON object per row (variable -> plain value: numbers as numbers, everything else as text)."""
    lines = []
    for row in res.rows:
        lines.append(json.dumps({v: _plain(t) for v, t in zip(res.vars, row, strict=False) if t is not None},
                                ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def _plain(t: Any) -> Any:
    if isinstance(t, Literal) and t.datatype in _INTEGER_TYPES:
        return int(t)
    if isinstance(t, Literal) and t.datatype in _FLOAT_TYPES:
        return float(t)
    if isinstance(t, Literal) and t.datatype == XSD.boolean:
        return bool(t.toPython())
    return term_str(t)


_INTEGER_TYPES = {XSD.integer, XSD.int, XSD.long, XSD.short, XSD.nonNegativeInteger, XSD.positiveInteger,
                  XSD.negativeInteger, XSD.nonPositiveInteger, XSD.unsignedInt, XSD.unsignedLong}
_FLOAT_TYPES = {XSD.decimal, XSD.double, XSD.float}


def to_dataframe(res: Result):
    """The rows as a pandas DataFrame with typed columns: integer counts as Int64, decimals as float64,
    dates as datetime64, everything else (IRIs, labels) as strings. Needs pandas (`pip install kg[pandas]`)."""
    try:
        import pandas as pd
    except ImportError as e:  # pandas is an optional extra
        raise ImportError("Result.to_dataframe needs pandas: pip install 'kg[pandas]'") from e
    columns = {}
    for i, v in enumerate(res.vars):
        cells = [row[i] if i < len(row) else None for row in res.rows]
        columns[v] = _column(pd, cells)
    return pd.DataFrame(columns, columns=list(res.vars))


def _column(pd, cells: list[Any]):
    lits = [c for c in cells if c is not None]
    types = {c.datatype for c in lits if isinstance(c, Literal)}
    if lits and all(isinstance(c, Literal) for c in lits) and types <= _INTEGER_TYPES:
        return pd.array([None if c is None else int(c) for c in cells], dtype="Int64")
    if lits and all(isinstance(c, Literal) for c in lits) and types <= _INTEGER_TYPES | _FLOAT_TYPES:
        return pd.array([None if c is None else float(c) for c in cells], dtype="Float64")
    if lits and all(isinstance(c, Literal) for c in lits) and types == {XSD.date}:
        return pd.to_datetime([None if c is None else str(c) for c in cells])
    return pd.array([None if c is None else term_str(c) for c in cells], dtype="string")


__all__ = ["term_str", "to_csv", "to_dataframe", "to_json", "to_jsonl"]
