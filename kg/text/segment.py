"""Stage 4: build the document tree (sections -> measures) from the body units.

A numbering style met for the first time opens a level below the current one; a style already on
the stack closes the levels below it (so "II." after "(4)" goes back to the top). A marker is
accepted when its number is plausible (new under its parent and not far past the last number of its
style); a repeated marker with the same heading (a web copy that repeats paragraphs) sends the text
to the node already made, so each measure exists once. Nodes with children are sections, leaves are
measures; text before the first marker is a preamble. A document with no numbering at all yields one
measure per paragraph.
"""

from __future__ import annotations

import re

from kg.model import Segment, Unit
from kg.text.clean import norm_key
from kg.text.cues import context_patterns
from kg.text.numbering import Marker, match_marker

MAX_JUMP = 5
# Explicit "第N条"/"Article N" markers are reliable: an excerpt may skip articles.
GROUP_JUMP = {"article": 200, "chapter": 20}
_HEAD_END = re.compile(r"[。！？!?]|[.](?=\s|$)|[;；:：]")


def heading_of(text: str, marker: Marker, lang: str) -> str:
    """The heading after a marker: up to the first sentence end if that is short, else the first words."""
    rest = text[marker.end:].strip()
    m = _HEAD_END.search(rest)
    head = rest[: m.start()] if m else rest
    limit = 60 if lang == "zh" else 200
    if len(head) > limit:
        head = head[:limit].rsplit(" ", 1)[0] if lang != "zh" else head[:limit]
    return head.strip(" \"“”")


class _Builder:
    def __init__(self, text: str, lang: str):
        self.text, self.lang = text, lang
        self.root = Segment(kind="root")
        self.stack: list[tuple[str | None, Segment]] = [(None, self.root)]
        self.last_n: dict[str, int] = {}
        self.children_n: dict[int, dict[tuple[str, int], Segment]] = {}

    def feed(self, unit: Unit) -> None:
        t = self.text[unit.start:unit.end]
        marker = match_marker(t, self.lang)
        if marker and self._open(marker, unit, t):
            return
        self.stack[-1][1].units.append(unit)

    def _open(self, marker: Marker, unit: Unit, t: str) -> bool:
        groups = [g for g, _ in self.stack]
        level = groups.index(marker.group) if marker.group in groups else len(self.stack)
        parent = self.stack[level - 1][1]
        known = self.children_n.setdefault(id(parent), {})
        heading = heading_of(t, marker, self.lang)
        prior = known.get((marker.group, marker.n))
        if prior is not None:
            if norm_key(prior.heading or "") != norm_key(heading):
                return False  # same number, other heading: not a marker (a cross-reference, a list)
            del self.stack[level:]
            self.stack.append((marker.group, prior))
            rest = t[marker.end:].strip()
            if norm_key(rest) != norm_key(heading):  # more than the repeated heading: keep the text
                prior.units.append(unit)
            return True
        ceiling = max([n for (g, n) in known if g == marker.group] + [self.last_n.get(marker.group, 0)])
        if marker.n > ceiling + GROUP_JUMP.get(marker.group, MAX_JUMP):
            return False
        node = Segment(kind="section", style=marker.style, number=marker.printed, n=marker.n, heading=heading,
                       units=[unit])
        known[(marker.group, marker.n)] = node
        self.last_n[marker.group] = max(self.last_n.get(marker.group, 0), marker.n)
        parent.children.append(node)
        del self.stack[level:]
        self.stack.append((marker.group, node))
        return True


def segment(text: str, body: list[Unit], lang: str, closing: list[Unit] | None = None) -> Segment:
    """The document tree of the body units: root -> [preamble] sections/measures [closing]."""
    b = _Builder(text, lang)
    for u in body:
        b.feed(u)
    root = b.root
    leaves = [s for s in root.walk() if s is not root and not s.children]
    if len(leaves) < 2:
        root = _paragraphs(text, body)
    else:
        for s in root.walk():
            if s is not root and not s.children:
                s.kind = "measure"
        if root.units:
            root.children.insert(0, Segment(kind="preamble", units=root.units))
            root.units = []
        _split_section_text(root)
    closing = _closing_paragraphs(text, root) + list(closing or [])
    if closing:
        root.children.append(Segment(kind="preamble", heading="closing", units=list(closing)))
    _number_paths(root, ())
    return root


def _closing_paragraphs(text: str, root: Segment) -> list[Unit]:
    """Paragraphs after the last measure that address the implementers ("各地区、各部门要…",
    "All localities shall …", "This notice shall come into force …"): the closing text, not the measure."""
    leaves = [s for s in root.walk() if s.kind == "measure" and s.units]
    if not leaves or leaves[-1].number is None:
        return []
    last = leaves[-1]
    first_line = last.units[0].line
    cue = context_patterns()["closing"]
    for i, u in enumerate(last.units):
        line_start = text.rfind("\n", 0, u.start) + 1
        if u.line != first_line and not text[line_start:u.start].strip() and cue.search(text[u.start:u.end]):
            tail = last.units[i:]
            del last.units[i:]
            return tail
    return []


def _split_section_text(node: Segment) -> None:
    """A section keeps its heading unit; the rest of its own text becomes its preamble."""
    for child in node.children:
        if child.kind == "section" and len(child.units) > 1:
            child.children.insert(0, Segment(kind="preamble", units=child.units[1:]))
            child.units = child.units[:1]
        _split_section_text(child)


def _paragraphs(text: str, body: list[Unit]) -> Segment:
    """No usable numbering: each paragraph (line) is a measure, with its first sentence as heading."""
    root = Segment(kind="root")
    by_line: dict[int, list[Unit]] = {}
    for u in body:
        by_line.setdefault(u.line, []).append(u)
    for units in by_line.values():
        first = text[units[0].start:units[0].end].strip()
        head = first if len(first) <= 200 else first[:200].rsplit(" ", 1)[0]
        root.children.append(Segment(kind="measure", heading=head, units=units))
    return root


def _number_paths(node: Segment, path: tuple[int, ...]) -> None:
    node.path = path
    for i, child in enumerate(node.children, start=1):
        _number_paths(child, path + (i,))
