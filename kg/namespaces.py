"""RDF namespaces used by kg, and the IRI scheme of instance data."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace, URIRef

SMEKG_URI = "https://w3id.org/smekg/ontology#"
ID_URI = "https://w3id.org/smekg/id/"


class SMEKG(DefinedNamespace):
    """Terms of ontology/smekg.ttl; a misspelled term raises AttributeError."""

    _fail = True
    _NS = Namespace(SMEKG_URI)

    PolicyDocument: URIRef
    Policy: URIRef
    Section: URIRef
    Preamble: URIRef
    Measure: URIRef
    Department: URIRef
    Actor: URIRef
    EnterpriseType: URIRef
    Instrument: URIRef
    FinancingInstrument: URIRef
    FiscalInstrument: URIRef
    ServiceInstrument: URIRef
    Region: URIRef
    SubOrganizationKind: URIRef
    canIssue: URIRef
    docNumberPrefix: URIRef  # ontology/docnumber-prefixes.ttl
    officeDocNumberPrefix: URIRef
    Evidence: URIRef
    ExtractionRun: URIRef
    issuedBy: URIRef
    targets: URIRef
    involves: URIRef
    usesInstrument: URIRef
    mentionsOrganization: URIRef
    mentionsRegion: URIRef
    excludesRegion: URIRef
    competentDepartment: URIRef
    inferredCompetentDepartment: URIRef
    defaultRole: URIRef
    publishedBy: URIRef
    alignedWith: URIRef
    hasEvidence: URIRef
    evidenceFor: URIRef
    linkProperty: URIRef
    text: URIRef
    number: URIRef
    ordinal: URIRef
    encoding: URIRef
    sha256: URIRef
    duplicatesRemoved: URIRef
    noiseRemoved: URIRef
    rule: URIRef
    proximityRule: URIRef
    inferredFrom: URIRef
    # kg.rdf.corpus (ontology/enrichment.ttl)
    Quantity: URIRef
    Deadline: URIRef
    Observation: URIRef
    CitedWork: URIRef
    Inference: URIRef
    TranslationAlignment: URIRef
    quantity: URIRef
    quantityKind: URIRef
    quantityOf: URIRef
    percentageOf: URIRef
    referenceDate: URIRef
    baselineDate: URIRef
    dueDate: URIRef
    bound: URIRef
    cites: URIRef
    reportsObservation: URIRef
    score: URIRef
    alignsDocument: URIRef
    alignedMeasureCount: URIRef
    unalignedMeasure: URIRef


ID = Namespace(ID_URI)
OA = Namespace("http://www.w3.org/ns/oa#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")

PREFIXES = {
    "smekg": Namespace(SMEKG_URI),
    "id": ID,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "prov": PROV,
    "oa": OA,
    "eli": ELI,
    "org": ORG,
    "schema": SCHEMA,
}


def bind_prefixes(graph) -> None:
    """Bind kg's prefixes on an rdflib graph (replacing rdflib's defaults for the same names)."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)


def sparql_prologue() -> str:
    """PREFIX declarations for every kg prefix, for SPARQL text."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
