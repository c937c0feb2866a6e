"""Stage 3a: compile the SKOS vocabularies into spaCy matchers and find concept mentions.

Each language gets a `spacy.blank(lang)` tokenizer, a PhraseMatcher built from the concepts'
pref/alt/hidden labels in that language, and a cue PhraseMatcher for the two sides of their `smekg:proximityRule`s
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
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.model import Mention, Unit
from kg.vocab import Concept, Label, Vocabulary, load_vocabulary

GAP = {"en": 6, "zh": 10}
_DROP = set("\"'“”‘’「」『』`´-‐‑‒–—―﹣－·•")
_FOLD = str.maketrans({ch: " " for ch in "-‐‑‒–—―﹣－"} | {"’": "'", "‘": "'", "“": '"', "”": '"'})
_WORD = re.compile(r"[a-z]")


def normalise(text: str) -> str:
    """A same-length normalised copy of `text` (offsets into it are offsets into `text`)."""
    if text.isascii():
        return text.lower().translate(_FOLD)
    whole = unicodedata.normalize("NFKC", text).lower()
    if len(whole) == len(text):  # the usual case: full-width forms map one to one
        return whole.translate(_FOLD)
    out = []
    for ch in text:  # a character that NFKC expands (…, ㎡): keep it as it is
        n = unicodedata.normalize("NFKC", ch).lower()
        out.append(n if len(n) == 1 else ch.lower() if len(ch.lower()) == 1 else ch)
    return "".join(out).translate(_FOLD)


_TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u9fff\uf900-\ufaff]|[^\sa-z0-9\u3400-\u9fff\uf900-\ufaff"
                    + re.escape("".join(sorted(_DROP))) + "]")


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


_fold = cache(fold)


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
        self.cues = PhraseMatcher(self.nlp.vocab, attr="ORTH")  # the two sides of the proximity rules
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
        """(start, end, normalised word) of the tokens of `text` that take part in matching.

        Tokens are runs of Latin letters or digits, single CJK characters and single other symbols
        (quotes and hyphens are dropped): the same split spacy.blank's tokenizers make for these
        texts, done with one regular expression because the per-token Python work of going through
        spaCy's Doc cost three times as much (measured on the seed corpus).
        """
        norm = normalise(text)
        en = self.lang == "en"
        return [(m.start(), m.end(), _fold(m.group()) if en else m.group()) for m in _TOKEN.finditer(norm)]

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
        """Compile "left1|left2 => right1|right2": each side into the cue PhraseMatcher; pairs are made in find()."""
        if "=>" not in rule.text:
            raise ValueError(f"proximity rule of {concept.notation} lacks '=>': {rule.text!r}")
        key = f"{concept.notation}|proximity@{rule.lang} \"{rule.text}\""
        for side, phrases in zip("LR", rule.text.split("=>", 1), strict=True):
            docs = [Doc(self.nlp.vocab, words=w) for w in (self._pattern(p) for p in phrases.split("|")) if w]
            if not docs:
                return
            self.cues.add(f"{side}{key}", docs)
        self.entries[key] = Entry(concept, f'proximity@{rule.lang} "{rule.text.strip()}"')

    def _proximity(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(rule key, start, end) where a left cue is followed within GAP tokens by a right cue of the same rule."""
        sides: dict[str, dict[str, list[tuple[int, int]]]] = {}
        for k, s, e in self.cues(doc):
            name = self.nlp.vocab.strings[k]
            sides.setdefault(name[1:], {"L": [], "R": []})[name[0]].append((s, e))
        out = []
        gap = GAP[self.lang]
        for key, found in sides.items():
            pairs = [(ls, re_) for ls, le in found["L"] for rs, re_ in found["R"] if 0 <= rs - le <= gap]
            if pairs:
                s, e = min(pairs, key=lambda p: (p[1] - p[0], p[0]))
                out.append((key, s, e))
        return sorted(out, key=lambda m: (m[1], -m[2], m[0]))

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
            for key, s, e in self._proximity(doc):
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
