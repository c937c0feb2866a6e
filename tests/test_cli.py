"""The CLI as a user drives it: exit codes, one-line errors, summaries, help with examples."""

import json
import re

import pytest

from kg.cli import app

COMMANDS = ["build", "query", "queries", "export", "viz", "validate", "stats"]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_cli_help_shows_an_example(runner, cmd):
    res = runner.invoke(app, [cmd, "--help"])
    assert res.exit_code == 0
    assert re.search(rf"Examples?:\s+kg {cmd}\b", res.output), res.output


def test_cli_build_then_query_export_stats_validate_viz(runner, corpus_copy, tmp_path):
    out = tmp_path / "g.ttl"
    res = runner.invoke(app, ["build", str(corpus_copy), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert re.search(r"built 5 file\(s\), \d+ measures, \d+ triples", res.stderr)
    res = runner.invoke(app, ["query", "measures-by-instrument", "--param", "instrument=RELENDING",
                              "--graph", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["results"]["bindings"]
    assert rows and all(r["document"]["value"] == "003_7b45b40aa43ec948.txt" for r in rows)
    nt = tmp_path / "g.nt"
    assert runner.invoke(app, ["export", "--graph", str(out), "--format", "nt", "-o", str(nt)]).exit_code == 0
    assert nt.read_text(encoding="utf-8").count("\n") > 1000
    res = runner.invoke(app, ["stats", "--graph", str(out), "--json"])
    assert json.loads(res.stdout)["counts"]["documents"] == 5
    res = runner.invoke(app, ["validate", "--graph", str(out)])
    assert res.exit_code == 0, res.output
    html = tmp_path / "g.html"
    res = runner.invoke(app, ["viz", "--graph", str(out), "-o", str(html)])
    assert res.exit_code == 0, res.output
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_build_missing_path_is_a_one_line_error(runner, tmp_path):
    res = runner.invoke(app, ["build", str(tmp_path / "nope"), "-o", str(tmp_path / "g.ttl")])
    assert res.exit_code == 1
    assert res.stderr.strip().startswith("Error: no document could be built")
    assert "Traceback" not in res.output


def test_cli_build_reports_skipped_files_and_exits_1(runner, tmp_path):
    (tmp_path / "good.txt").write_text("Notice on credit loans for small and micro enterprises.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    out = tmp_path / "g.ttl"
    res = runner.invoke(app, ["build", str(tmp_path), "-o", str(out)])
    assert res.exit_code == 1
    assert "skipped" in res.stderr and "empty.txt: empty file" in res.stderr
    assert out.exists()


def test_cli_query_errors(runner, seed_build):
    graph = str(seed_build[0])
    res = runner.invoke(app, ["query", "no-such-query", "--graph", graph])
    assert res.exit_code == 1 and "no named query" in res.stderr
    res = runner.invoke(app, ["query", "measures-by-instrument", "--graph", graph])
    assert res.exit_code == 1 and "missing parameter 'instrument'" in res.stderr
    res = runner.invoke(app, ["query", "measures-by-instrument", "-p", "instrument=FINANCING_GUARANTE", "--graph", graph])
    assert res.exit_code == 1 and "did you mean FINANCING_GUARANTEE" in res.stderr
    res = runner.invoke(app, ["query", "SELECT ?s WHERE { ?s ?p }", "--graph", graph])
    assert res.exit_code == 1 and "syntax error at line 1" in res.stderr
    res = runner.invoke(app, ["query", "DELETE WHERE { ?s ?p ?o }", "--graph", graph])
    assert res.exit_code == 1 and "read-only" in res.stderr


def test_cli_usage_error_is_exit_2(runner):
    assert runner.invoke(app, ["build", "--no-such-option"]).exit_code == 2


def test_cli_every_command_is_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for cmd in COMMANDS:
        assert f"kg {cmd}" in readme, f"`kg {cmd}` is not documented in README.md"
