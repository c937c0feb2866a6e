"""Text cues: the cue data of kg/patterns/cues.json (`cues`, `phrase_rx` for its phrase lists) and the
context cues around a mention (kg/patterns/context.json): negation, region exclusion, closing text."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from kg.model import Mention

_CLAUSE_END = re.compile(r"[，,；;。.!?！？\n\r:：]")


@cache
def cues() -> dict:
    return json.loads(resources.files("kg.patterns").joinpath("cues.json").read_text(encoding="utf-8"))


def phrase_rx(phrases, lang: str = "en", tail: str = "") -> re.Pattern:
    """One regex for a list of cue phrases, longest first (word-bounded in English)."""
    alts = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(set(phrases), key=lambda p: (-len(p), p)))
    if lang == "en":
        return re.compile(rf"(?<![\w-])(?:{alts})(?![\w-]){tail}", re.I)
    return re.compile(rf"(?:{alts}){tail}")


@cache
def context_patterns() -> dict[str, re.Pattern]:
    """The context cues of kg/patterns/context.json, one alternation per kind."""
    data = json.loads(resources.files("kg.patterns").joinpath("context.json").read_text(encoding="utf-8"))
    return {k: re.compile("|".join(f"(?:{p})" for p in v), re.I) for k, v in data.items() if not k.startswith("_")}


def clause_before(text: str, pos: int, limit: int = 200) -> str:
    """The text from the start of the clause holding `pos` up to `pos`."""
    window = text[max(0, pos - limit):pos]
    cuts = [m.end() for m in _CLAUSE_END.finditer(window)]
    return window[cuts[-1]:] if cuts else window


def negated(text: str, m: Mention) -> bool:
    """True when the clause forbids what the mention names ("不得…进行股权投资", "shall not provide guarantees")."""
    return bool(context_patterns()["negation"].search(clause_before(text, m.start)))


def excluded(text: str, m: Mention) -> bool:
    pats = context_patterns()
    before, after = text[max(0, m.start - 30):m.start], text[m.end:m.end + 20]
    return bool(pats["exclusion_before"].search(before)) or (
        "除" in clause_before(text, m.start, 40) and bool(pats["exclusion_after"].search(after)))
