"""The one SPARQL tokenizer of kg: enough lexing to skip comments, strings and IRIs reliably.

Used to find the query form (`first_keyword`), to point at an unknown prefix (kg.sparql.safety) and to
find the groups a VALUES block goes into (kg.sparql.values).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

TOKEN = re.compile(
    r'(?P<ws>\s+)'
    r'|(?P<comment>#[^\n\r]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><(?:[^<>"{}|^`\\\s]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)'
    r'|(?P<var>[?$]\w+)'
    r'|(?P<word>[^\W\d][\w.-]*(?::[\w.%:-]*)?|:[\w.%:-]*)'
    r'|(?P<open>\{)|(?P<close>\})'
    r'|(?P<other>.)',
    re.S,
)


def tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(kind, text, offset) of SPARQL tokens, enough to skip comments, strings and IRIs reliably."""
    for m in TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind not in ("ws", "comment"):
            yield kind, m.group(), m.start()


def first_keyword(text: str) -> str:
    """The query form keyword (SELECT, INSERT …) after the prologue (BASE / PREFIX declarations)."""
    toks = list(tokens(text))
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


__all__ = ["TOKEN", "first_keyword", "tokens"]
