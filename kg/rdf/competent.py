"""The department competent for a measure, inferred from its instruments and marked as inferred.

The mapping lives in the ontology: each instrument concept names the department(s) whose remit it
falls in with `smekg:competentDepartment` (re-lending → PBC, listing → CSRC, social insurance → MOHRSS …).
A measure that uses an instrument gets `smekg:inferredCompetentDepartment` to each of them — never
`smekg:issuedBy`, which only stated issuers get — and one `smekg:Inference` per instrument mention:
the evidence span is the instrument's, `smekg:inferredFrom` names the instrument and
`prov:wasDerivedFrom` the evidence of the instrument link.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import PROV, RDF

from kg.namespaces import SMEKG
from kg.rdf.iris import segment_iri
from kg.text.docview import DocView, span_mention
from kg.text.extract import links
from kg.vocab import load_vocabulary


@dataclass(frozen=True)
class Inferred:
    measure: URIRef
    department: str  # IRI
    instrument: str  # IRI
    start: int
    end: int
    rule: str


def infer(ctx: DocView) -> list[Inferred]:
    """The competent departments of every measure of one document, one per instrument mention."""
    vocab = load_vocabulary().by_iri
    out = []
    for seg in ctx.record.measures():
        s = segment_iri(ctx.doc, seg)
        for link in links(ctx.record, seg):
            if link.prop != "usesInstrument":
                continue
            m = link.mention
            instrument = vocab.get(m.iri)
            if instrument is None:
                continue
            for dept in instrument.competent:
                d = vocab.get(dept)
                code = d.notation if d else dept.rsplit("/", 1)[-1]
                out.append(Inferred(s, dept, m.iri, m.start, m.end,
                                    f"inferred: {m.notation} smekg:competentDepartment {code} "
                                    f"(instrument matched by {m.rule})"))
    return out


def write(out, ctx: DocView) -> int:
    """Add the inferred competent departments of one document; the number of inference nodes."""
    g = out.g
    vocab = load_vocabulary().by_iri
    n = 0
    for inf in infer(ctx):
        dept = URIRef(inf.department)
        code = vocab[inf.department].notation if inf.department in vocab else inf.department.rsplit("/", 1)[-1]
        g.add((inf.measure, SMEKG.inferredCompetentDepartment, dept))
        mention = span_mention(inf.department, code, "department", ctx.text, inf.start, inf.end, inf.rule)
        ev = out.evidence(ctx.doc, inf.measure, SMEKG.inferredCompetentDepartment, dept, mention)
        g.add((ev, RDF.type, SMEKG.Inference))
        g.add((ev, SMEKG.inferredFrom, URIRef(inf.instrument)))
        source_ev = out.find(ctx.doc, inf.measure, SMEKG.usesInstrument, URIRef(inf.instrument), inf.start)
        if source_ev is not None:
            g.add((ev, PROV.wasDerivedFrom, source_ev))
        n += 1
    return n
