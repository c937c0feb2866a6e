"""The embedded Oxigraph store, the fast serialiser and the incremental cache (kg.store.local, kg.build.job)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg.build.job import build
from kg.errors import StoreError
from kg.rdf.export import serialize
from kg.rdf.ntriples import nt_rows
from kg.rdf.turtle import turtle_bytes
from kg.sparql.values import bind_values
from kg.store.local import OxigraphGraph, load_graph, parse_graph, store_is_fresh, store_path
from tests.conftest import CORPUS, SEEDS


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The seed corpus built with the store and the cache: (folder, BuildReport)."""
    d = tmp_path_factory.mktemp("store")
    out = d / "graph.ttl"
    report = build(SEEDS, out, workers=1, cache_dir=d / "cache", store=store_path(out))
    return d, report


def _rows(res) -> list[tuple]:
    """Rows as comparable tuples. GROUP_CONCAT's order is not defined by SPARQL, so the words of a
    plain literal are compared as a sorted list; IRIs, numbers, dates and tagged text compare exactly."""
    out = []
    for row in res.rows:
        cells = []
        for t in row:
            if isinstance(t, Literal) and t.datatype is None and not t.language:
                cells.append(("plain", tuple(sorted(re.split(r"[\s|,;]+", str(t))))))
            else:
                cells.append((type(t).__name__, repr(t)))
        out.append(tuple(cells))
    return sorted(out)


def test_store_build_writes_a_store_that_mirrors_the_turtle(built):
    d, report = built
    out, sp = d / "graph.ttl", d / "graph.store"
    assert report.store == str(sp) and sp.is_symlink()
    assert store_is_fresh(sp, out)
    og, rg = OxigraphGraph(sp), parse_graph(out)
    assert len(og) == len(rg) == report.triples
    assert set(og) == set(rg)
    # the rdflib API works on the store
    doc = URIRef("https://w3id.org/smekg/id/doc/001_deac6e865badb210")
    assert og.value(doc, URIRef("http://purl.org/dc/terms/issued")) == rg.value(doc, URIRef("http://purl.org/dc/terms/issued"))
    assert sorted(og.predicates(doc, None)) == sorted(rg.predicates(doc, None))
    # the same triples give the same bytes from either back-end
    assert serialize(og, "turtle") == serialize(rg, "turtle") == out.read_bytes()
    assert serialize(og, "nt") == serialize(rg, "nt")


def test_store_named_queries_give_the_same_rows_on_oxigraph_and_rdflib(built):
    from kg.sparql import named_queries, run_query

    d, _ = built
    og, rg = OxigraphGraph(d / "graph.store"), parse_graph(d / "graph.ttl")
    checked = nonempty = 0
    for name, nq in named_queries().items():
        if name == "gap-analysis":  # minutes under rdflib's engine on every graph: see the benchmark
            continue
        params = {p.name: p.example for p in nq.params if p.example}
        a = run_query(og, name, params, timeout=None)
        b = run_query(rg, name, params, timeout=None)
        assert a.vars == b.vars, name
        assert _rows(a) == _rows(b), name
        checked += 1
        nonempty += bool(b.rows)
    assert checked >= 4 and nonempty >= 3


def test_store_bindings_hold_inside_nested_groups(built):
    """initBindings semantics: a parameter used only in a filter nested in an OPTIONAL is bound there too."""
    d, _ = built
    og, rg = OxigraphGraph(d / "graph.store"), parse_graph(d / "graph.ttl")
    q = """SELECT ?c ?label WHERE { ?c a skos:Concept ; skos:notation "PBC" .
             OPTIONAL { ?c skos:prefLabel ?label FILTER(LANG(?label) = ?lang) } }"""
    from kg.namespaces import PREFIXES

    for lang in ("en", "zh"):
        a = list(og.query(q, initNs=PREFIXES, initBindings={"lang": Literal(lang)}))
        b = list(rg.query(q, initNs=PREFIXES, initBindings={"lang": Literal(lang)}))
        assert a == b and len(a) == 1 and a[0][1].language == lang


def test_store_bind_values_skips_data_blocks_strings_and_templates():
    q = ('CONSTRUCT { ?s ?p "{" } WHERE { VALUES ?x { 1 } ?s ?p ?x # { ?lang\n'
         ' OPTIONAL { ?s ?q "}" FILTER(LANG(?q) = ?lang) } OPTIONAL { ?s ?q2 "?lang" }'
         ' { SELECT ?s WHERE { ?s ?r ?lang } } }')
    out = bind_values(q, {"lang": Literal("en")})
    block = ' VALUES (?lang) { ("en") } '
    # the WHERE group and the sub-query's WHERE that names ?lang; not the template, the data block, the
    # OPTIONAL that does not name it (a string and a comment do not count), nor the OPTIONAL that names
    # it only in its own FILTER (the left join's condition sees the WHERE group's value)
    assert out.count(block) == 2
    assert out.startswith('CONSTRUCT { ?s ?p "{" } WHERE {' + block)
    assert 'OPTIONAL { ?s ?q "}" FILTER(LANG(?q) = ?lang) }' in out
    assert 'OPTIONAL { ?s ?q2 "?lang" }' in out
    Graph().query(out)  # still valid SPARQL


def test_store_bind_values_gives_a_block_where_the_value_would_not_be_seen_otherwise():
    q = ("SELECT * WHERE { ?x ?y ?z"
         " OPTIONAL { ?x ?q ?l FILTER(LANG(?l) = ?lang) OPTIONAL { ?l ?a ?b FILTER(?b = ?lang) } }"
         " OPTIONAL { ?x ?w ?lang } OPTIONAL { ?x ?w ?v BIND(?lang AS ?c) }"
         " OPTIONAL { ?x ?w ?u FILTER NOT EXISTS { ?u ?k ?lang } }"
         " { SELECT ?x WHERE { ?x ?p ?o OPTIONAL { ?x ?q ?m FILTER regex(?m, ?lang) } } } }")
    out = bind_values(q, {"lang": Literal("en")})
    b = ' VALUES (?lang) { ("en") } '
    assert out.startswith("SELECT * WHERE {" + b)
    assert f"OPTIONAL {{ ?x ?q ?l FILTER(LANG(?l) = ?lang) OPTIONAL {{{b} ?l ?a ?b" in out  # nested: a block
    assert f"OPTIONAL {{{b} ?x ?w ?lang }}" in out  # in a triple pattern: a block
    assert f"OPTIONAL {{{b} ?x ?w ?v BIND(?lang AS ?c) }}" in out  # in a BIND: a block
    assert f"FILTER NOT EXISTS {{{b} ?u ?k ?lang }}" in out
    assert "{ SELECT ?x WHERE { ?x ?p ?o OPTIONAL" in out  # the sub-query does not name ?lang itself...
    assert f"OPTIONAL {{{b} ?x ?q ?m FILTER regex(?m, ?lang) }}" in out  # ...so its OPTIONAL gets one
    Graph().query(out)
    # and every form gives rdflib's initBindings rows, on Oxigraph too
    g = Graph()
    g.parse(data='<http://e/x> <http://e/p> "a"@en, "b"@zh ; <http://e/r> <http://e/y> .', format="turtle")
    import pyoxigraph as ox

    store = ox.Store()
    store.load(g.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    q2 = ("SELECT ?x ?l ?c WHERE { ?x <http://e/r> ?y OPTIONAL { ?x <http://e/p> ?l FILTER(LANG(?l) = ?lang) }"
          " OPTIONAL { ?x <http://e/r> ?y BIND(?lang AS ?c) } }")
    for lang in ("en", "zh"):
        want = [tuple(r) for r in g.query(q2, initBindings={"lang": Literal(lang)})]
        got = [tuple(Literal(t.value, lang=t.language) if isinstance(t, ox.Literal) else URIRef(t.value) for t in s)
               for s in store.query(bind_values(q2, {"lang": Literal(lang)}))]
        assert got == want and len(want) == 1 and want[0][1].language == lang and str(want[0][2]) == lang


def test_store_default_load_graph_prefers_a_fresh_store(built, tmp_path, monkeypatch):
    d, _ = built
    work = tmp_path / "w"
    (work / "build").mkdir(parents=True)
    shutil.copy2(d / "graph.ttl", work / "build" / "graph.ttl")
    monkeypatch.chdir(work)
    assert not isinstance(load_graph(), OxigraphGraph)  # no store yet: the Turtle
    report = build([CORPUS / "004_fd1c064580b13356.txt"], Path("build/graph.ttl"), workers=1,
                   store=Path("build/graph.store"))
    g = load_graph()
    assert isinstance(g, OxigraphGraph) and len(g) == report.triples
    assert not isinstance(load_graph(Path("build/graph.ttl")), OxigraphGraph)  # --graph FILE: rdflib
    assert isinstance(load_graph(Path("build/graph.store")), OxigraphGraph)  # --graph DIR: the store
    # the Turtle changed after the store was written: the store is stale and not used
    ttl = Path("build/graph.ttl")
    ttl.write_bytes(ttl.read_bytes() + b"\n<urn:x:a> <urn:x:b> <urn:x:c> .\n")
    g = load_graph()
    assert not isinstance(g, OxigraphGraph) and len(g) == report.triples + 1
    with pytest.raises(StoreError):
        load_graph(backend="oxigraph")
    with pytest.raises(StoreError):
        g = OxigraphGraph(Path("build/graph.store"))
        g.add((URIRef("urn:x:a"), URIRef("urn:x:b"), URIRef("urn:x:c")))


def test_store_rebuild_swaps_atomically_and_keeps_only_the_previous_load(built, tmp_path):
    out = tmp_path / "graph.ttl"
    sp = store_path(out)
    build([CORPUS / "004_fd1c064580b13356.txt"], out, workers=1, store=sp)
    first = os.readlink(sp)
    reader = OxigraphGraph(sp)  # a reader holding the old store open
    n_old = len(reader)
    build(SEEDS, out, workers=1, store=sp)
    assert os.readlink(sp) != first
    assert len(OxigraphGraph(sp)) > n_old
    assert len(list(reader.triples((None, None, None)))) == n_old  # the old reader still reads its snapshot
    second = os.readlink(sp)
    build([CORPUS / "002_65cecfdfb2946326.txt"], out, workers=1, store=sp)
    # the load before the current one stays (a reader may have just opened it), older ones go
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".graph.store") and p.is_dir())
    assert leftovers == sorted([os.readlink(sp), second]) and first not in leftovers


def test_store_incremental_rebuild_reextracts_only_changed_documents(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("002_65cecfdfb2946326.txt", "004_fd1c064580b13356.txt"):
        shutil.copy(CORPUS / name, corpus)
    cache = tmp_path / "cache"
    full = build([corpus], tmp_path / "a.ttl", workers=1, cache_dir=cache)
    assert full.cached == 0
    again = build([corpus], tmp_path / "b.ttl", workers=1, cache_dir=cache)
    assert again.cached == 2 and (tmp_path / "a.ttl").read_bytes() == (tmp_path / "b.ttl").read_bytes()
    changed = corpus / "004_fd1c064580b13356.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nThe State Council will cut fees for small and micro "
                       "enterprises.\n", encoding="utf-8")
    inc = build([corpus], tmp_path / "c.ttl", workers=2, cache_dir=cache)
    assert inc.cached == 1
    build([corpus], tmp_path / "d.ttl", workers=1)
    assert (tmp_path / "c.ttl").read_bytes() == (tmp_path / "d.ttl").read_bytes()
    # a cached record carries the path it has now
    assert {r.source.path for r in inc.records} == {str(p) for p in sorted(corpus.glob("*.txt"))}


def test_store_turtle_writer_is_valid_and_deterministic():
    import pyoxigraph

    g = Graph()
    s = URIRef("https://w3id.org/smekg/id/doc/x%2Fy/1")
    tricky = 'quote " backslash \\ newline \n tab \t cr \r nul \x00 bell \x07 中文 """ end'
    g.add((s, URIRef("https://w3id.org/smekg/ontology#text"), Literal(tricky, lang="zh-CN")))
    g.add((s, URIRef("https://w3id.org/smekg/ontology#ordinal"), Literal(3)))
    g.add((s, URIRef("https://w3id.org/smekg/ontology#flag"), Literal(True)))
    g.add((s, URIRef("http://purl.org/dc/terms/issued"), Literal("2020-02-09", datatype=XSD.date)))
    g.add((s, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef("https://w3id.org/smekg/ontology#Measure")))
    g.add((s, URIRef("https://w3id.org/smekg/ontology#odd"), URIRef("https://w3id.org/smekg/ontology#9starts-with-digit")))
    data = serialize(g, "turtle")
    assert data == turtle_bytes(nt_rows(g))
    back = Graph().parse(data=data, format="turtle")
    assert set(back) == {(a, b, Literal(str(c), lang="zh-cn") if isinstance(c, Literal) and c.language else c)
                         for a, b, c in g}
    st = pyoxigraph.Store()
    st.load(input=data, format=pyoxigraph.RdfFormat.TURTLE)  # a strict parser accepts it
    assert len(st) == len(g)
    assert b"\n    a smekg:Measure ;" in data and b"smekg:ordinal 3" in data and b"smekg:flag true" in data


def test_store_blank_nodes_get_stable_labels():
    from rdflib import BNode

    def graph(order):
        g = Graph()
        for i in order:
            b = BNode()
            g.add((URIRef("urn:x:s"), URIRef("urn:x:p"), b))
            g.add((b, URIRef("urn:x:v"), Literal(i)))
        return g

    assert serialize(graph([1, 2, 3]), "turtle") == serialize(graph([3, 1, 2]), "turtle")


def test_store_cli_query_uses_the_store(runner, tmp_path, monkeypatch):
    from kg.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus").mkdir()
    for name in ("000_5c6d6f51adc04f3c.txt", "004_fd1c064580b13356.txt"):
        shutil.copy(CORPUS / name, tmp_path / "corpus")
    res = runner.invoke(app, ["build", "-q"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "build" / "graph.store").is_symlink() and (tmp_path / "build" / "cache").is_dir()
    a = runner.invoke(app, ["query", "link-evidence", "--param", "concept=FINANCING_GUARANTEE", "--format", "csv"])
    b = runner.invoke(app, ["query", "link-evidence", "--param", "concept=FINANCING_GUARANTEE", "--format", "csv",
                            "--graph", "build/graph.ttl"])
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    assert len(a.stdout.splitlines()) > 1
    assert sorted(a.stdout.splitlines()) == sorted(b.stdout.splitlines())
    res = runner.invoke(app, ["stats", "--json"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["validate"])  # pyshacl reads the store through the rdflib API
    assert res.exit_code == 0 and "conforms" in res.stderr, res.output
