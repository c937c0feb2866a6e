"""Shared fixtures: the seed corpus built once per session, small invented texts, a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEEDS = sorted(CORPUS.glob("*.txt"))  # the five seed documents (corpus/extra/ holds more)
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory) -> tuple[Path, object]:
    """The seed corpus built once: (path of graph.ttl, BuildReport)."""
    from kg.build.job import build

    out = tmp_path_factory.mktemp("seed") / "graph.ttl"
    report = build(SEEDS, out, workers=1)
    return out, report


@pytest.fixture(scope="session")
def seed_graph(seed_build) -> Graph:
    g = Graph()
    g.parse(seed_build[0], format="turtle")
    return g


@pytest.fixture(scope="session")
def seed_records(seed_build):
    return {Path(r.source.path).name: r for r in seed_build[1].records}


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    dst = tmp_path / "corpus"
    dst.mkdir()
    for p in sorted(CORPUS.glob("*.txt")):  # the five seed documents (not corpus/extra/)
        shutil.copy(p, dst)
    return dst


def extract_text(text: str, name: str = "t.txt"):
    """Run the whole per-document pipeline on in-memory text."""
    from kg.text.extract import extract_source
    from kg.text.read import source_from_text

    return extract_source(source_from_text(text, name))


def measure_links(record, prop_prefix: str | None = None) -> list[set[str]]:
    """Per measure, the set of linked notations (optionally only links whose property starts with a prefix)."""
    from kg.text.extract import links

    out = []
    for m in record.measures():
        out.append({ln.mention.notation for ln in links(record, m)
                    if prop_prefix is None or ln.prop.startswith(prop_prefix)})
    return out


def wrap_words(words: list[str], width: int) -> list[str]:
    """Words filled greedily into lines of at most `width` characters, as a PDF or a mail client wraps text."""
    lines, cur = [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    return lines + [cur]
