"""Terminal output with rich: result tables (CJK-aware column widths) and lists."""

from __future__ import annotations

import io
import re
import sys

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kg.namespaces import PREFIXES
from kg.sparql import NamedQuery, Result, term_str

_NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long, XSD.nonNegativeInteger,
            XSD.positiveInteger}
_NS = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))


_PN_LOCAL = re.compile(r"[A-Za-z0-9_\u00c0-\U000effff](?:[A-Za-z0-9_.\-\u00b7\u00c0-\U000effff]*"
                       r"[A-Za-z0-9_\-\u00b7\u00c0-\U000effff])?")


def _short(t: object) -> str:
    """A cell that can be pasted back into a query as it is: an IRI as a prefixed name (smekg:targets,
    id:department/PBC is not one, so) where its local part is a valid SPARQL name, else in <…>;
    literals as their text."""
    s = term_str(t)
    if isinstance(t, Literal) or not isinstance(t, URIRef):
        return s
    for ns, p in _NS:
        if s.startswith(ns) and len(s) > len(ns) and _PN_LOCAL.fullmatch(s[len(ns):]):
            return f"{p}:{s[len(ns):]}"
    return f"<{s}>"


def _print(renderable, file=None, width: int | None = None) -> None:
    """Print to a terminal with rich (folded to the window, bold headers); to a pipe or a file as
    plain text, at the renderable's natural width (no folding), without trailing spaces."""
    out = file or sys.stdout
    if hasattr(out, "isatty") and out.isatty():
        Console(file=out, highlight=False, emoji=False, markup=False).print(renderable)
        return
    console = Console(file=io.StringIO(), width=100_000, no_color=True, highlight=False, emoji=False,
                      markup=False, color_system=None)
    console = Console(file=io.StringIO(), width=width or console.measure(renderable).maximum + 1, no_color=True,
                      highlight=False, emoji=False, markup=False, color_system=None)
    with console.capture() as cap:
        console.print(renderable)
    out.write("\n".join(line.rstrip() for line in cap.get().splitlines()) + "\n")


def result_table(res: Result) -> Table:
    t = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    cells = [[_short(x) for x in row] for row in res.rows]
    for i, v in enumerate(res.vars):
        column = [row[i] for row in res.rows if i < len(row) and row[i] is not None]
        numeric = bool(column) and all(isinstance(x, Literal) and x.datatype in _NUMERIC for x in column)
        t.add_column(Text(v), justify="right" if numeric else "left", overflow="fold")
    for row in cells:
        t.add_row(*[Text(c) for c in row])
    return t


def table(res: Result, file=None) -> None:
    """The result as a table; wide (CJK) characters count two columns, so columns stay aligned."""
    if res.form == "ASK":
        _print(Text("yes" if res.boolean else "no"), file)
        return
    _print(result_table(res), file)


def query_list(queries: list[NamedQuery], file=None) -> None:
    """The named queries: name, title and description, parameters with their types and examples."""
    t = Table(box=box.SIMPLE_HEAD, header_style="bold", show_lines=True, pad_edge=False, show_edge=False)
    t.add_column("name", no_wrap=True)
    t.add_column("title / description", ratio=3)
    t.add_column("parameters", ratio=2)
    for q in queries:
        params = "\n".join(p.describe() for p in q.params) or "-"
        title = Text(q.title, style="bold")
        title.append("\n" + q.description if q.description else "", style="")
        t.add_row(Text(q.name), title, Text(params))
    _print(t, file)


def stats_tables(st, file=None) -> None:
    console = Console(file=file or sys.stdout)
    t = Table(title="counts", header_style="bold")
    t.add_column("what")
    t.add_column("count", justify="right")
    for k, v in {**st.counts, **st.links, "triples": st.triples, **st.graph}.items():
        t.add_row(k, str(v))
    console.print(t)
    d = Table(title="documents", header_style="bold")
    longest = max((len(str(doc["file"])) for doc in st.documents), default=4)
    for col in ("file", "language", "encoding", "issued", "issuers", "measures", "duplicates_removed", "noise_removed"):
        # file names are never split mid-name: the other columns wrap first
        d.add_column(col.replace("_", " "), overflow="fold", min_width=min(longest, 60) if col == "file" else None,
                     no_wrap=col == "file" and longest <= 60)
    for doc in st.documents:
        d.add_row(*[str(doc[c]) for c in ("file", "language", "encoding", "issued", "issuers", "measures",
                                          "duplicates_removed", "noise_removed")])
    console.print(d)
    for title, rows in (("most used instruments", st.top_instruments),
                        ("most named enterprise types", st.top_enterprise_types),
                        ("most central instruments (co-occurrence degree)", st.central_instruments)):
        t = Table(title=title, header_style="bold")
        t.add_column("name")
        t.add_column("value", justify="right")
        for name, v in rows:
            t.add_row(name, f"{v:.3f}" if isinstance(v, float) else str(v))
        console.print(t)
