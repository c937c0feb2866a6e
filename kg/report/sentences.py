"""The sentence around a link's match, found in the measure's text from the match and its offsets.

Evidence offsets count in the document's text, a measure's text is a slice of it (canonical text), so
the measure's own offset is not stored: it is the shift most of its unambiguous matches agree on, and
an ambiguous match takes the occurrence nearest to where the shift puts it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# a sentence ends at . ! ? ; before a space or the end, at 。！？； or at a line end
_END = re.compile(r"[.!?;](?=\s|$)|[。！？；\n]")


def occurrences(text: str, exact: str) -> list[int]:
    out, i = [], text.find(exact) if exact else -1
    while i >= 0:
        out.append(i)
        i = text.find(exact, i + 1)
    return out


def measure_shift(text: str, spans: Iterable[tuple[int | None, str | None]]) -> int | None:
    """Document offset minus measure offset, as most unambiguous matches (start, exact) say."""
    votes: Counter[int] = Counter()
    for start, exact in spans:
        if start is None or not exact:
            continue
        found = occurrences(text, exact)
        if len(found) == 1:
            votes[start - found[0]] += 1
    return votes.most_common(1)[0][0] if votes else None


def locate(text: str, exact: str, start: int | None, shift: int | None) -> int | None:
    """Where in `text` this match is: the occurrence nearest to start - shift (else the first)."""
    found = occurrences(text, exact)
    if not found:
        return None
    if start is None or shift is None:
        return found[0]
    return min(found, key=lambda i: (abs(i - (start - shift)), i))


def sentence(text: str, at: int, length: int) -> tuple[str, str, str]:
    """(before, match, after): the sentence of text[at:at+length], split around the match."""
    begin = 0
    for m in _END.finditer(text, 0, at):
        begin = m.end()
    end = len(text)
    m = _END.search(text, at + length)
    if m:
        end = m.end()
    return text[begin:at].lstrip(), text[at:at + length], text[at + length:end].rstrip()


def sentence_of(text: str | None, exact: str | None, start: int | None, shift: int | None) -> tuple[str, str, str] | None:
    if not text or not exact:
        return None
    at = locate(text, exact, start, shift)
    return None if at is None else sentence(text, at, len(exact))


__all__ = ["locate", "measure_shift", "occurrences", "sentence", "sentence_of"]
