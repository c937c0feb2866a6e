"""Stage 3a: compile the SKOS vocabularies into spaCy matchers and find concept mentions.

Each language gets a `spacy.blank(lang)` tokenizer, a PhraseMatcher built from the concepts'
pref/alt/hidden labels in that language, and a Matcher built from their `smekg:proximityRule`s
("left => right": a left phrase followed within a few tokens, in the same sentence, by a right
phrase). Text and patterns go through the same normalisation (NFKC, lower case, hyphens and quotes
dropped, English plurals folded), so "Medium- and long-term Loans" matches "medium and long term loan".
Matches are filtered longest-first: a label inside a longer matched label does not count.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import spacy
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from kg.model import Mention, Unit
from kg.vocab import Concept, Label, Vocabulary, load_vocabulary

GAP = {"en": 6, "zh": 10}
_DROP = set("\"'“”‘’「」『』`´-‐‑‒–—―﹣－·•")
_FOLD = str.maketrans({ch: " " for ch in "-‐‑‒–—―﹣－"} | {"’": "'", "‘": "'", "“": '"', "”": '"'})
_WORD = re.compile(r"[a-z]")


def normalise(text: str) -> str:
    """A same-length normalised copy of `text` (offsets into it are offsets into `text`)."""
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        n = n.lower() if len(n) == 1 else ch.lower()
        out.append(n if len(n) == 1 else ch)
    return "".join(out).translate(_FOLD)


def fold(word: str) -> str:
    """Fold an English plural to its singular (crudely but identically for text and patterns)."""
    if len(word) <= 3 or not _WORD.match(word):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")):
        return word[:-1]
    return word


@dataclass(frozen=True)
class Entry:
    concept: Concept
    rule: str


class Lexicon:
    """Matchers for one language, compiled from the vocabulary."""

    def __init__(self, vocab: Vocabulary, lang: str):
        self.lang = lang
        self.nlp = spacy.blank(lang)
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.rules = Matcher(self.nlp.vocab, validate=False)
        self.entries: dict[str, Entry] = {}
        for concept in vocab.concepts:
            if concept.kind == "suborg-kind":
                continue
            for label in concept.labels:
                if label.lang == lang:
                    self._add_label(concept, label)
            for rule in concept.rules:
                if rule.lang == lang:
                    self._add_rule(concept, rule)

    def words(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, normalised word) of the tokens of `text` that take part in matching."""
        out = []
        for tok in self.nlp.tokenizer(normalise(text)):
            if tok.is_space:
                continue
            w = "".join(ch for ch in tok.text if ch not in _DROP)
            if not w:
                continue
            out.append((tok.idx, tok.idx + len(tok.text), fold(w) if self.lang == "en" else w))
        return out

    def _doc(self, words: list[tuple[int, int, str]]) -> Doc:
        return Doc(self.nlp.vocab, words=[w for _, _, w in words] or [""])

    def _pattern(self, phrase: str) -> list[str]:
        return [w for _, _, w in self.words(phrase)]

    def _add_label(self, concept: Concept, label: Label) -> None:
        words = self._pattern(label.text)
        if not words:
            return
        key = f"{concept.notation}|{label.kind}Label@{label.lang} \"{label.text}\""
        self.entries[key] = Entry(concept, f'{label.kind}Label@{label.lang} "{label.text}"')
        self.phrases.add(key, [Doc(self.nlp.vocab, words=words)])

    def _add_rule(self, concept: Concept, rule: Label) -> None:
        if "=>" not in rule.text:
            raise ValueError(f"proximity rule of {concept.notation} lacks '=>': {rule.text!r}")
        left, right = (side.split("|") for side in rule.text.split("=>", 1))
        patterns = []
        for a in left:
            for b in right:
                wa, wb = self._pattern(a), self._pattern(b)
                if wa and wb:
                    patterns.append([{"ORTH": w} for w in wa] + [{"OP": f"{{0,{GAP[self.lang]}}}"}]
                                    + [{"ORTH": w} for w in wb])
        if patterns:
            key = f"{concept.notation}|proximity@{rule.lang} \"{rule.text}\""
            self.entries[key] = Entry(concept, f'proximity@{rule.lang} "{rule.text.strip()}"')
            self.rules.add(key, patterns)

    def find(self, text: str, units: list[Unit]) -> list[Mention]:
        """Mentions in the given units of `text`, longest match first, each with its evidence."""
        out: list[Mention] = []
        for u in units:
            words = self.words(text[u.start:u.end])
            if not words:
                continue
            doc = self._doc(words)
            phrase = [(s, e, self.nlp.vocab.strings[k]) for k, s, e in self.phrases(doc)]
            kept = _longest(phrase)
            found = {self.entries[k].concept.iri for _, _, k in kept}
            for k, s, e in sorted(self.rules(doc) if len(self.rules) else [], key=lambda m: (m[1], -m[2])):
                key = self.nlp.vocab.strings[k]
                if self.entries[key].concept.iri not in found:
                    found.add(self.entries[key].concept.iri)
                    kept.append((s, e, key))
            for s, e, key in sorted(kept):
                a, b = u.start + words[s][0], u.start + words[e - 1][1]
                c = self.entries[key].concept
                out.append(Mention(c.iri, c.notation, c.kind, a, b, text[a:b], self.entries[key].rule))
        return out


def _longest(matches: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep matches not overlapped by a longer one; equal spans (one label, two concepts) all stay."""
    kept: list[tuple[int, int, str]] = []
    for s, e, k in sorted(matches, key=lambda m: (-(m[1] - m[0]), m[0], m[2])):
        clash = any(s < ke and ks < e and not (s == ks and e == ke) for ks, ke, _ in kept)
        if not clash:
            kept.append((s, e, k))
    # one mention per concept and span
    seen, out = set(), []
    for s, e, k in kept:
        ident = (s, e, k.split("|", 1)[0])
        if ident not in seen:
            seen.add(ident)
            out.append((s, e, k))
    return out


@cache
def lexicon(lang: str) -> Lexicon:
    return Lexicon(load_vocabulary(), "zh" if lang == "zh" else "en")
