"""Every identifier the CLI prints can be pasted back into `kg query` as it is (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.cli import app
from kg.sparql import named_queries

FIXTURE = Path(__file__).parent / "data" / "query" / "fixture.ttl"  # small: every named query has rows on it

_PRINTED_IRI = re.compile(r"<https?://[^>\s]+>|\b(?:id|smekg):[^\s,]+")


def _example_params(nq) -> list[str]:
    args = []
    for p in nq.params:
        if not p.optional and p.example:
            args += ["-p", f"{p.name}={p.example}"]
    return args


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_identifiers_printed_by_every_named_query_paste_back(name, runner):
    graph = str(FIXTURE)
    nq = named_queries()[name]
    res = runner.invoke(app, ["query", name, *_example_params(nq), "--graph", graph, "--limit", "8", "-f", "table"])
    assert res.exit_code == 0, res.output
    printed = sorted(set(_PRINTED_IRI.findall(res.stdout)))
    if not printed:
        return
    # every printed identifier pasted into one query: each must parse and name something in the graph
    groups = " ".join(f"{{ {{ {x} ?p{k} ?o{k} }} UNION {{ ?s{k} ?p{k} {x} }} }}" for k, x in enumerate(printed))
    back = runner.invoke(app, ["query", f"ASK {{ {groups} }}", "--graph", graph, "-f", "json"])
    assert back.exit_code == 0, f"identifiers printed by {name} do not parse: {printed}: {back.output}"
    assert '"boolean": true' in back.stdout, f"some of {printed} (printed by {name}) name nothing in the graph"


def test_identifiers_are_readable_not_percent_encoded(runner, seed_build):
    res = runner.invoke(app, ["query", "policy-versions", "--graph", str(seed_build[0]), "-f", "table"])
    assert res.exit_code == 0
    assert "工信明电" in res.stdout and "%E5" not in res.stdout


def test_identifiers_a_measure_iri_is_printed_in_full_and_pastes_back(runner):
    res = runner.invoke(app, ["query", "measures-by-instrument", "-p", "instrument=FINANCING_GUARANTEE",
                              "--graph", str(FIXTURE), "-f", "table"])
    assert "<https://w3id.org/smekg/id/doc/a_en/1/1>" in res.stdout
    back = runner.invoke(app, ["query", "SELECT ?t WHERE { <https://w3id.org/smekg/id/doc/a_en/1/1> "
                                        "smekg:usesInstrument ?t }", "--graph", str(FIXTURE), "-f", "csv"])
    assert back.exit_code == 0 and "FINANCING_GUARANTEE" in back.stdout
