"""The seed corpus builds into a graph that meets the contract (SPEC §4), deterministically."""

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from kg.build.job import build
from kg.namespaces import SMEKG
from tests.conftest import CORPUS, SEEDS
from tests.test_vocab import DEPARTMENTS


def test_build_seed_has_five_documents_and_sixty_measures(seed_graph):
    docs = set(seed_graph.subjects(RDF.type, SMEKG.PolicyDocument))
    assert len(docs) == 5
    assert {str(seed_graph.value(d, DCTERMS.source)) for d in docs} == {p.name for p in CORPUS.glob("*.txt")}
    assert len(set(seed_graph.subjects(RDF.type, SMEKG.Measure))) >= 60


def test_build_seed_seventeen_departments_issue_the_opinions(seed_graph):
    doc = URIRef("https://w3id.org/smekg/id/doc/003_7b45b40aa43ec948")
    codes = {str(seed_graph.value(o, SKOS.notation)) for o in seed_graph.objects(doc, SMEKG.issuedBy)}
    assert set(DEPARTMENTS) <= codes
    assert codes - set(DEPARTMENTS) == set(), f"non-department issuers: {codes - set(DEPARTMENTS)}"


def test_build_seed_metadata(seed_graph):
    doc = URIRef("https://w3id.org/smekg/id/doc/001_deac6e865badb210")
    assert seed_graph.value(doc, DCTERMS.identifier) == Literal("工信明电〔2020〕14号")
    assert seed_graph.value(doc, DCTERMS.issued) == Literal("2020-02-09", datatype=XSD.date)
    for stem, issued in (("000_5c6d6f51adc04f3c", "2020-02-09"), ("003_7b45b40aa43ec948", "2020-07-03")):
        d = URIRef(f"https://w3id.org/smekg/id/doc/{stem}")
        assert seed_graph.value(d, DCTERMS.issued) == Literal(issued, datatype=XSD.date)
    no_date = URIRef("https://w3id.org/smekg/id/doc/002_65cecfdfb2946326")  # only the web page's date is given
    assert seed_graph.value(no_date, DCTERMS.issued) is None
    general_office = URIRef("https://w3id.org/smekg/id/department/MIIT/GO")
    doc002 = URIRef("https://w3id.org/smekg/id/doc/002_65cecfdfb2946326")
    assert {URIRef("https://w3id.org/smekg/id/department/MIIT"), general_office} <= set(
        seed_graph.objects(doc002, SMEKG.issuedBy))


def test_build_every_link_has_evidence_with_true_offsets(seed_graph):
    texts = {p.name: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    q = """SELECT ?file ?s ?e ?exact WHERE { ?ev a smekg:Evidence ; oa:hasTarget ?t . ?t oa:hasSource ?d ;
           oa:hasSelector ?p, ?x . ?p oa:start ?s ; oa:end ?e . ?x oa:exact ?exact . ?d dcterms:source ?file }"""
    rows = list(seed_graph.query(q, initNs={"smekg": SMEKG, "oa": "http://www.w3.org/ns/oa#", "dcterms": DCTERMS}))
    assert len(rows) > 300
    for file, s, e, exact in rows:
        assert texts[str(file)][int(s):int(e)] == str(exact)
    linked = set(seed_graph.subjects(SMEKG.usesInstrument, None))
    explained = set(seed_graph.objects(None, SMEKG.evidenceFor))
    assert linked <= explained


def test_build_evidence_is_one_node_per_link_and_rule_with_shared_targets(seed_graph):
    """A link found by one rule at several places has one evidence node with a target per place; a
    span explaining several links is one target shared by their nodes."""
    oa = "http://www.w3.org/ns/oa#"
    rows = list(seed_graph.query(
        """SELECT ?ev ?s ?p ?o ?rule (COUNT(DISTINCT ?t) AS ?n) WHERE {
             ?ev a smekg:Evidence ; smekg:evidenceFor ?s ; smekg:linkProperty ?p ; oa:hasBody ?o ;
                 smekg:rule ?rule ; oa:hasTarget ?t } GROUP BY ?ev ?s ?p ?o ?rule""",
        initNs={"smekg": SMEKG, "oa": oa}))
    keys = [(r[1], r[2], r[3], r[4]) for r in rows]
    assert len(keys) == len(set(keys)), "two evidence nodes for one link and rule"
    assert len({r[0] for r in rows}) == len(rows), "an evidence node with two rules or two links"
    assert any(int(r[5]) > 1 for r in rows), "no link found at several places"
    shared = seed_graph.query(
        "SELECT ?t WHERE { ?a oa:hasTarget ?t . ?b oa:hasTarget ?t FILTER(?a != ?b) } LIMIT 1",
        initNs={"oa": oa})
    assert len(list(shared)) == 1, "no span shared by two links"


def test_build_seed_graph_conforms_to_shacl(seed_graph):
    from kg.rdf.validate import validate_graph

    report = validate_graph(seed_graph)
    assert report.conforms, report.text[:2000]


def test_build_is_byte_identical_across_runs_and_process_counts(tmp_path, seed_build):
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    build(SEEDS, a, workers=1)
    build(SEEDS, b, workers=2)
    assert a.read_bytes() == b.read_bytes() == seed_build[0].read_bytes()


def test_build_output_reparses_with_a_strict_parser(seed_build):
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(path=str(seed_build[0]), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) > 1000


def test_build_failed_build_leaves_previous_graph_intact(tmp_path):
    import pytest

    from kg.errors import NoInputError

    out = tmp_path / "g.ttl"
    out.write_text("previous", encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.txt").write_bytes(b"%PDF-1.4 binary")
    with pytest.raises(NoInputError):
        build([tmp_path / "in"], out)
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
