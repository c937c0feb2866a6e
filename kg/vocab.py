"""The controlled vocabularies of ontology/*.ttl as small Python records.

The SKOS files are the single source of the lexicon: labels become spaCy phrase patterns
(kg.text.lexicon), proximity rules become token-gap patterns, and the extra properties
(`smekg:defaultRole`, `smekg:competentDepartment`) steer linking and inference; the document-number
prefixes of ontology/docnumber-prefixes.ttl (`smekg:docNumberPrefix`, `smekg:officeDocNumberPrefix`) name
issuers (kg.text.docnumbers), and `dcterms:replaces` links a successor body to the one it took over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from kg.errors import UnknownTerm
from kg.namespaces import SMEKG, bind_prefixes
from kg.resources import Parsed, ontology_files

KINDS = {
    SMEKG.Department: "department",
    SMEKG.Actor: "actor",
    SMEKG.EnterpriseType: "enterprise-type",
    SMEKG.Instrument: "instrument",
    SMEKG.Region: "region",
    SMEKG.SubOrganizationKind: "suborg-kind",
}
INSTRUMENT_CLASSES = (SMEKG.FinancingInstrument, SMEKG.FiscalInstrument, SMEKG.ServiceInstrument)


@dataclass(frozen=True)
class Label:
    text: str
    lang: str
    kind: str  # pref, alt or hidden


@dataclass(frozen=True)
class Concept:
    iri: str
    notation: str
    kind: str
    labels: tuple[Label, ...]
    broader: tuple[str, ...] = ()
    default_role: str = "targets"
    instrument_class: str | None = None
    competent: tuple[str, ...] = ()
    rules: tuple[Label, ...] = field(default=())
    parent_org: str | None = None
    can_issue: bool = False
    doc_prefixes: tuple[Label, ...] = ()  # kind "own" (smekg:docNumberPrefix) or "office" (its General Office's)
    replaces: tuple[str, ...] = ()  # IRIs of the bodies this one succeeds (dcterms:replaces)

    def label(self, lang: str = "en") -> str:
        """The preferred label in `lang`, falling back to the other language, then the notation."""
        for want in (lang, "en", "zh"):
            for lab in self.labels:
                if lab.kind == "pref" and lab.lang == want:
                    return lab.text
        return self.notation


@cache
def ontology_graph() -> Graph:
    """All ontology and vocabulary triples (without the SHACL shapes)."""
    g = Graph()
    bind_prefixes(g)
    for path in ontology_files():
        g.parse(path, format="turtle")
    return g


def _lang(lit) -> str:
    lang = (getattr(lit, "language", None) or "en").lower()
    return "zh" if lang.startswith("zh") else lang


@dataclass(frozen=True)
class Vocabulary:
    concepts: tuple[Concept, ...]

    @cached_property
    def by_iri(self) -> dict[str, Concept]:
        """Each concept by its IRI (made once per Vocabulary: it is looked up for every mention)."""
        return {c.iri: c for c in self.concepts}

    def __getstate__(self) -> dict:
        return {"concepts": self.concepts}  # not the index: it is made again where it is used

    def of_kind(self, kind: str) -> list[Concept]:
        return [c for c in self.concepts if c.kind == kind]

    def find(self, code_or_iri: str, kinds: tuple[str, ...] | None = None) -> Concept:
        """The concept with this notation (case-insensitive) or IRI; UnknownTerm with a suggestion if none."""
        pool = [c for c in self.concepts if kinds is None or c.kind in kinds]
        for c in pool:
            if c.iri == code_or_iri or c.notation.lower() == code_or_iri.lower():
                return c
        import difflib

        near = difflib.get_close_matches(code_or_iri.upper(), [c.notation for c in pool], n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise UnknownTerm(f"unknown code {code_or_iri!r}{hint}")


def load_vocabulary() -> Vocabulary:
    """The controlled vocabularies of ontology/ (parsed once per process, or given by `VOCABULARY.use`)."""
    return VOCABULARY.get()


def _parse_vocabulary() -> Vocabulary:
    g = ontology_graph()
    concepts = []
    for cls, kind in KINDS.items():
        for s in sorted(set(g.subjects(RDF.type, cls))):
            notation = g.value(s, SKOS.notation)
            if notation is None:
                continue
            labels = []
            for prop, lk in ((SKOS.prefLabel, "pref"), (SKOS.altLabel, "alt"), (SKOS.hiddenLabel, "hidden")):
                labels += [Label(str(o), _lang(o), lk) for o in g.objects(s, prop)]
            role = g.value(s, SMEKG.defaultRole)
            icls = next((c.split("#")[-1] for c in INSTRUMENT_CLASSES if (s, RDF.type, c) in g), None)
            concepts.append(
                Concept(
                    iri=str(s),
                    notation=str(notation),
                    kind=kind,
                    labels=tuple(sorted(labels, key=lambda x: (x.lang, x.kind, x.text))),
                    broader=tuple(sorted(str(o) for o in g.objects(s, SKOS.broader))),
                    default_role="involves" if role == SMEKG.involves else "targets",
                    instrument_class=icls,
                    competent=tuple(sorted(str(o) for o in g.objects(s, SMEKG.competentDepartment))),
                    rules=tuple(sorted((Label(str(o), _lang(o), "rule") for o in g.objects(s, SMEKG.proximityRule)),
                                       key=lambda x: (x.lang, x.text))),
                    parent_org=str(g.value(s, URIRef("http://www.w3.org/ns/org#subOrganizationOf")) or "") or None,
                    can_issue=bool(g.value(s, SMEKG.canIssue)),
                    doc_prefixes=_prefixes(g, s),
                    replaces=tuple(sorted(str(o) for o in g.objects(s, DCTERMS.replaces))),
                )
            )
    return Vocabulary(tuple(concepts))


def _prefixes(g: Graph, s) -> tuple[Label, ...]:
    out = [Label(str(o), _lang(o), kind) for prop, kind in ((SMEKG.docNumberPrefix, "own"),
                                                          (SMEKG.officeDocNumberPrefix, "office"))
           for o in g.objects(s, prop)]
    return tuple(sorted(out, key=lambda x: (x.lang, x.kind, x.text)))


# the vocabulary of this process; kg.build.cache hands in one parsed by an earlier build (VOCABULARY.use)
VOCABULARY: Parsed[Vocabulary] = Parsed(_parse_vocabulary)
