"""Result formats: CSV / TSV and SPARQL 1.1 Query Results JSON, and a term as plain text."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from rdflib import BNode, Literal, URIRef

from kg.sparql.run import Result


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


__all__ = ["term_str", "to_csv", "to_json"]
