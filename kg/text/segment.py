"""Stage 4: build the document tree (sections -> measures) from the body units.

A numbering style met for the first time opens a level below the current one; a style already on
the stack closes the levels below it (so "II." after "(4)" goes back to the top), and the fixed levels
of laws rank above every other style (a chapter after an article closes the article). A marker is
accepted when its number is plausible (new under its parent and not far past the last number of its
style); a repeated marker with the same heading (a web copy that repeats paragraphs) sends the text
to the node already made, so each measure exists once. Ordinal words ("First, … Second, …") are
markers only where they open a line: inside a paragraph they enumerate within it.

The outermost numbered level that says something is the measure level: a node whose line is a bare
heading ("一、总体要求", "I. General requirements") and that holds numbered children is a section; a
node with its own text (an article, "1. Lend more. Banks shall: (1) … (2) …") is a measure and its
numbered items stay inside it. Articles are always measures, chapters always sections; for other
styles the nodes of one style decide together, so one level is not half sections, half measures.
Text before the first marker is a preamble. A document with fewer than two measures yields one
measure per paragraph.
"""

from __future__ import annotations

import re

from kg.model import Segment, Unit
from kg.text.clean import norm_key
from kg.text.cues import context_patterns
from kg.text.numbering import (
    ANNEX_LINE,
    FREE_RANK,
    GROUP_RANK,
    LINE_START_ONLY,
    MEASURE_GROUPS,
    SECTION_GROUPS,
    STYLE_GROUP,
    Marker,
    match_marker,
)

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
        if ANNEX_LINE.fullmatch(t.strip()) and is_line(self.text, unit):
            self._annex(unit, t.strip())
            return
        marker = match_marker(t, self.lang)
        if marker and marker.style in LINE_START_ONLY and not opens_line(self.text, unit):
            marker = None
        if marker and self._open(marker, unit, t):
            return
        self.stack[-1][1].units.append(unit)

    def _annex(self, unit: Unit, line: str) -> None:
        """Open an annex at the top: the numbering of the body is closed and starts afresh."""
        node = Segment(kind="section", style="annex", heading=line.rstrip(":："), units=[unit])
        self.root.children.append(node)
        self.stack = [(None, self.root), ("annex", node)]
        self.last_n = {}

    def _level(self, group: str) -> int:
        """The stack depth a marker of `group` opens at (the levels from there on are closed)."""
        groups = [g for g, _ in self.stack]
        if group in groups:
            return groups.index(group)
        rank = GROUP_RANK.get(group)
        if rank is not None:
            for i in range(1, len(groups)):
                if GROUP_RANK.get(groups[i] or "", FREE_RANK) > rank:
                    return i
        return len(self.stack)

    def _open(self, marker: Marker, unit: Unit, t: str) -> bool:
        level = self._level(marker.group)
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
    _classify(root, _section_styles(text, root, lang))
    if sum(1 for s in root.walk() if s.kind == "measure") < 2:
        root = _paragraphs(text, body)
    else:
        if root.units:
            root.children.insert(0, Segment(kind="preamble", units=root.units))
            root.units = []
        _split_section_text(root)
    closing = _closing_paragraphs(text, root) + list(closing or [])
    if closing:
        root.children.append(Segment(kind="preamble", heading="closing", units=list(closing)))
    _number_paths(root, ())
    return root


def opens_line(text: str, unit: Unit) -> bool:
    """Whether `unit` starts its line (nothing but white space before it on the line; looked at over
    that white space only, so a long run-on line costs nothing)."""
    i = unit.start
    while i > 0 and text[i - 1] in " \t\u3000":
        i -= 1
    return i == 0 or text[i - 1] in "\n\r"


def is_line(text: str, unit: Unit) -> bool:
    """Whether `unit` is a whole line of its own."""
    j = unit.end
    while j < len(text) and text[j] in " \t\u3000":
        j += 1
    return opens_line(text, unit) and (j == len(text) or text[j] in "\n\r")


def _bare_heading(text: str, node: Segment, lang: str) -> bool:
    """Whether the node's marker line is a heading and nothing more (no lead-in "…：", no body after it)."""
    first = node.units[0]
    t = text[first.start:first.end]
    marker = match_marker(t, lang)
    if marker is None:
        return False
    rest = t[marker.end:].strip()
    if rest.endswith((":", "：")) or norm_key(rest) != norm_key(node.heading or ""):
        return False
    return not any(u.line == first.line for u in node.units[1:])


def _section_styles(text: str, root: Segment, lang: str) -> set[str]:
    """The groups whose nodes with numbered children are sections: always the chapters; never the
    articles; for the others, when at least half of such nodes have a bare heading line."""
    votes: dict[str, list[int]] = {}
    for s in root.walk():
        if s is root or not s.children:
            continue
        group = STYLE_GROUP.get(s.style or "", "")
        votes.setdefault(group, [0, 0])[0 if _bare_heading(text, s, lang) else 1] += 1
    free = {g for g, (bare, body) in votes.items() if g not in MEASURE_GROUPS and bare >= body}
    return free | SECTION_GROUPS


def _classify(node: Segment, section_groups: set[str]) -> None:
    """Mark sections and measures below `node`; a measure takes in the units of its numbered items."""
    for child in node.children:
        if child.children and STYLE_GROUP.get(child.style or "") in section_groups:
            child.kind = "section"
            _classify(child, section_groups)
            continue
        child.kind = "measure"
        if child.children:
            child.units = sorted(u for s in child.walk() for u in s.units)
            child.children = []


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
