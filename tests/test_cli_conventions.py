"""CLI conventions (issue 16): --version, choices in help, usage errors exit 2 on every command, and the
exports other tools read (GraphML/GEXF/CSV with labels, JSON-LD compacted with kg's context)."""

from __future__ import annotations

import csv
import json

import networkx as nx
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.cli import app

COMMANDS = ["build", "query", "queries", "export", "viz", "validate", "stats"]


def test_cli_version(runner):
    import kg

    for flag in ("--version", "-V"):
        res = runner.invoke(app, [flag])
        assert res.exit_code == 0 and res.output.strip() == f"kg {kg.__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_every_command_has_help_with_an_example(runner, command):
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0
    assert "Example" in res.output


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_unknown_option_is_a_usage_error_everywhere(runner, command):
    res = runner.invoke(app, [command, "--no-such-option"])
    assert res.exit_code == 2
    assert "No such option" in res.output


@pytest.mark.parametrize("argv", [
    ["export", "--format", "pdf"],
    ["export", "--lang", "fr"],
    ["viz", "--view", "hairball"],
    ["viz", "--lang", "fr"],
    ["viz", "--depth", "99"],
    ["export", "--format", "csv"],  # two files need -o
])
def test_cli_bad_values_are_usage_errors(runner, argv):
    res = runner.invoke(app, argv)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output


def test_cli_choices_are_listed_in_help(runner):
    out = runner.invoke(app, ["viz", "--help"]).output
    assert "full|focus|document" in out and "en|zh" in out
    out = runner.invoke(app, ["export", "--help"]).output
    assert "graphml" in out and "gexf" in out and "csv" in out


def test_export_graphml_opens_in_networkx_with_labels(runner, seed_build, tmp_path):
    out = tmp_path / "g.graphml"
    res = runner.invoke(app, ["export", "-g", str(seed_build[0]), "--format", "graphml", "-o", str(out)])
    assert res.exit_code == 0, res.output
    G = nx.read_graphml(out)
    assert G.number_of_nodes() > 50 and G.number_of_edges() > 50
    pbc = G.nodes["department/PBC"]
    assert pbc["label"] == "People's Bank of China" and pbc["cls"] == "department" and pbc["code"] == "PBC"
    assert not any(d["label"].startswith("http") for _, d in G.nodes(data=True))
    assert all(d["weight"] >= 1 for _, _, d in G.edges(data=True))


def test_export_graphml_in_chinese_and_gexf(runner, seed_build, tmp_path):
    out = tmp_path / "g.graphml"
    runner.invoke(app, ["export", "-g", str(seed_build[0]), "--format", "graphml", "--lang", "zh", "-o", str(out)])
    assert nx.read_graphml(out).nodes["department/PBC"]["label"] == "中国人民银行"
    gexf = tmp_path / "g.gexf"
    res = runner.invoke(app, ["export", "-g", str(seed_build[0]), "--format", "gexf", "-o", str(gexf)])
    assert res.exit_code == 0
    assert nx.read_gexf(gexf).number_of_nodes() == nx.read_graphml(out).number_of_nodes()


def test_export_csv_nodes_and_edges(runner, seed_build, tmp_path):
    res = runner.invoke(app, ["export", "-g", str(seed_build[0]), "--format", "csv", "-o", str(tmp_path / "net")])
    assert res.exit_code == 0, res.output
    nodes = list(csv.DictReader((tmp_path / "net.nodes.csv").open(encoding="utf-8")))
    edges = list(csv.DictReader((tmp_path / "net.edges.csv").open(encoding="utf-8")))
    ids = {n["id"] for n in nodes}
    assert {"id", "label", "class", "code", "iri"} <= set(nodes[0])
    assert edges and all(e["source"] in ids and e["target"] in ids for e in edges)
    assert any(e["label"] == "uses" for e in edges)


def test_export_jsonld_is_compacted_and_round_trips(runner, seed_build, tmp_path):
    out = tmp_path / "g.jsonld"
    res = runner.invoke(app, ["export", "-g", str(seed_build[0]), "--format", "jsonld", "-o", str(out)])
    assert res.exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["@context"]["smekg"] == "https://w3id.org/smekg/ontology#"
    assert "@graph" in doc
    back = Graph().parse(out, format="json-ld")
    assert isomorphic(back, Graph().parse(seed_build[0], format="turtle"))


def test_query_piped_output_is_tsv_and_jsonl_and_dataframe(runner):
    from pathlib import Path

    fixture = str(Path(__file__).parent / "data" / "query" / "fixture.ttl")
    res = runner.invoke(app, ["query", "departments", "-g", fixture])
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0].split("\t")[:2] == ["code", "issuer"] and all(len(ln.split("\t")) == 7 for ln in lines)
    res = runner.invoke(app, ["query", "departments", "-g", fixture, "-f", "jsonl"])
    rows = [json.loads(ln) for ln in res.stdout.splitlines()]
    assert rows and isinstance(rows[0]["measures"], int)
    pd = pytest.importorskip("pandas")
    from kg.sparql import run_query
    from kg.store.local import load_graph

    df = run_query(load_graph(Path(fixture)), "instruments-by-department", {"department": "PBC"}).to_dataframe()
    assert str(df["measures"].dtype) == "Int64" and pd.api.types.is_string_dtype(df["code"])


def test_query_lang_on_a_query_without_labels_is_a_note_not_an_error(runner):
    from pathlib import Path

    fixture = str(Path(__file__).parent / "data" / "query" / "fixture.ttl")
    res = runner.invoke(app, ["query", "SELECT ?s WHERE { ?s a smekg:Measure } LIMIT 1", "--lang", "zh", "-g", fixture])
    assert res.exit_code == 0 and "--lang zh ignored" in res.stderr


def test_viz_matrix_view_writes_the_heatmap_page_and_refuses_focus(runner, seed_build, tmp_path):
    out = tmp_path / "m.html"
    res = runner.invoke(app, ["viz", "--view", "matrix", "-g", str(seed_build[0]), "-o", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "Departments × instruments" in page and "<svg" in page
    res = runner.invoke(app, ["viz", "--view", "matrix", "--focus", "PBC", "-g", str(seed_build[0]), "-o", str(out)])
    assert res.exit_code == 2 and "--focus has no meaning for --view matrix" in res.stderr
