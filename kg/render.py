"""Terminal output with rich: result tables (CJK-aware column widths) and lists."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from kg.query import NamedQuery, Result, term_str
from kg.namespaces import PREFIXES


def _short(t: object) -> str:
    s = term_str(t)
    for p, ns in PREFIXES.items():
        if s.startswith(str(ns)) and len(s) > len(str(ns)):
            return f"{p}:{s[len(str(ns)):]}"
    return s


def table(res: Result, file=None) -> None:
    console = Console(file=file or sys.stdout, soft_wrap=False)
    t = Table(show_lines=False, header_style="bold")
    for v in res.vars:
        t.add_column(v, overflow="fold")
    for row in res.rows:
        t.add_row(*[_short(x) for x in row])
    console.print(t)


def query_list(queries: list[NamedQuery], file=None) -> None:
    console = Console(file=file or sys.stdout)
    t = Table(header_style="bold")
    t.add_column("name")
    t.add_column("title / description")
    t.add_column("parameters")
    for q in queries:
        params = "\n".join(
            f"{p.name} ({p.type}{', optional' if p.optional else ''})" + (f" e.g. {p.example}" if p.example else "")
            for p in q.params)
        t.add_row(q.name, f"{q.title}\n{q.description}", params or "-")
    console.print(t)


def stats_tables(st, file=None) -> None:
    console = Console(file=file or sys.stdout)
    t = Table(title="counts", header_style="bold")
    t.add_column("what")
    t.add_column("count", justify="right")
    for k, v in {**st.counts, **st.links, "triples": st.triples, **st.graph}.items():
        t.add_row(k, str(v))
    console.print(t)
    d = Table(title="documents", header_style="bold")
    for col in ("file", "language", "encoding", "issued", "issuers", "measures", "duplicates_removed", "noise_removed"):
        d.add_column(col.replace("_", " "), overflow="fold")
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
