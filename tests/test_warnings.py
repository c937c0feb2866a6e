"""Warnings for documents that look wrong (issue 13 item 8): computed per document in the text stage
(kg.text.extract.document_warnings), shown by `kg build` (stderr), kept in the build report and shown by
`kg stats`. Invented texts: one of each kind of problem, and documents where no warning may fire."""

from __future__ import annotations

import json

import pytest

from kg.build.report import load_report, report_path
from tests.conftest import extract_text

GOOD = ("Notice of the Ministry of Industry and Information Technology on supporting SMEs\n\n"
        "The Ministry of Industry and Information Technology issues the following measures.\n\n"
        "1. Lend more. Banks shall extend credit loans to small and micro enterprises.\n\n"
        "2. Cut fees. Reduce administrative fees for small firms.\n\n"
        "Ministry of Industry and Information Technology\n9 February 2020\n")
GOOD_ZH = "关于支持中小企业的通知\n一、加大信贷支持。银行要增加信用贷款。\n二、减免费用。减免担保费。\n工业和信息化部\n2020年2月9日\n"
TITLE_ONLY = "Notice on support for small firms\n"
MOSTLY_PREAMBLE = ("Notice on support for small firms\n\n"
                   + "The economy has grown steadily in past years and many firms have resumed work after the holiday. " * 12
                   + "\n\n1. Lend. Banks lend.\n\n2. Cut. Fees fall.\n\nMinistry of Finance\n9 February 2020\n")
NO_METADATA = ("Notice on support for small firms\n\n1. Lend more. Banks shall extend credit loans.\n\n"
               "2. Cut fees. Reduce administrative fees.\n")


@pytest.mark.parametrize("text", [GOOD, GOOD_ZH])
def test_warnings_none_for_a_document_with_measures_and_metadata(text):
    assert extract_text(text).warnings == ()


def test_warnings_no_measure():
    assert "no measure found" in extract_text(TITLE_ONLY).warnings


def test_warnings_most_of_the_body_outside_measures():
    rec = extract_text(MOSTLY_PREAMBLE)
    assert len(rec.measures()) == 2
    share = [w for w in rec.warnings if "of its body is in a measure" in w]
    assert share and share[0].startswith("only ") and "neither" not in " ".join(rec.warnings)


def test_warnings_a_long_title_block_and_signature_do_not_count_as_text_outside_measures():
    # GOOD's title and signature are longer than its measures: only the body is weighed
    assert not any("in a measure" in w for w in extract_text(GOOD).warnings)


def test_warnings_neither_issuer_nor_date():
    assert extract_text(NO_METADATA).warnings == ("neither an issuer nor an issue date found",)


@pytest.mark.parametrize("tail", ["\n9 February 2020\n", "\nMinistry of Finance\n"])
def test_warnings_issuer_or_date_alone_is_enough(tail):
    assert extract_text(NO_METADATA + tail).warnings == ()


@pytest.fixture()
def folder(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    for name, text in (("good.txt", GOOD), ("title-only.txt", TITLE_ONLY), ("preamble.txt", MOSTLY_PREAMBLE),
                       ("no-metadata.txt", NO_METADATA)):
        (d / name).write_text(text, encoding="utf-8")
    return d


WARNED = {"title-only.txt": "no measure found", "preamble.txt": "of its body is in a measure",
          "no-metadata.txt": "neither an issuer nor an issue date found"}


def test_warnings_cli_build_report_and_stats(folder, tmp_path, runner, monkeypatch):
    from kg.cli import app

    out = tmp_path / "out" / "graph.ttl"
    r = runner.invoke(app, ["build", str(folder), "-o", str(out), "--no-cache", "--no-local-store"])
    assert r.exit_code == 0, r.stderr
    lines = r.stderr.splitlines()
    warned = [ln for ln in lines if ln.startswith("warning: ")]
    assert len(warned) == len(WARNED), lines
    for name, what in WARNED.items():
        assert any(ln.startswith(f"warning: {folder / name}: ") and what in ln for ln in warned), (name, lines)
    assert "files: 4 built, 0 skipped" in lines  # the fate lines are as before, the warnings come after them

    doc = json.loads(report_path(out).read_text(encoding="utf-8"))
    assert doc["warned"] == len(WARNED)
    by_name = {f["path"].rsplit("/", 1)[-1]: f for f in doc["fates"]}
    assert by_name["good.txt"]["warnings"] == []
    for name, what in WARNED.items():
        assert any(what in w for w in by_name[name]["warnings"]), by_name[name]

    s = runner.invoke(app, ["stats", "--graph", str(out), "--json"])
    assert s.exit_code == 0, s.stderr
    fates = {f["path"].rsplit("/", 1)[-1]: f for f in json.loads(s.stdout)["files"]["fates"]}
    assert fates["title-only.txt"]["warnings"] == ["no measure found", "neither an issuer nor an issue date found"]

    monkeypatch.setenv("COLUMNS", "300")
    t = runner.invoke(app, ["stats", "--graph", str(out)])
    assert t.exit_code == 0, t.stderr
    assert "3 built file(s) look wrong" in t.stdout and "no measure found" in t.stdout
    assert load_report(out).state == "current"


def test_warnings_cli_quiet_still_names_the_files_to_read(folder, tmp_path, runner):
    from kg.cli import app

    out = tmp_path / "q" / "graph.ttl"
    r = runner.invoke(app, ["build", str(folder), "-o", str(out), "--no-cache", "--no-local-store", "--quiet"])
    assert r.exit_code == 0, r.stderr
    warned = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: ")]
    assert sorted(ln.split(": ")[1].rsplit("/", 1)[-1] for ln in warned) == sorted(WARNED)
    assert not any(ln.startswith("  built") for ln in r.stderr.splitlines())


def test_warnings_none_on_a_clean_build(tmp_path, runner):
    from kg.cli import app

    d = tmp_path / "docs"
    d.mkdir()
    (d / "good.txt").write_text(GOOD, encoding="utf-8")
    (d / "good-zh.txt").write_text(GOOD_ZH, encoding="utf-8")
    out = tmp_path / "out" / "graph.ttl"
    r = runner.invoke(app, ["build", str(d), "-o", str(out), "--no-cache", "--no-local-store"])
    assert r.exit_code == 0, r.stderr
    assert "warning:" not in r.stderr
    assert json.loads(report_path(out).read_text(encoding="utf-8"))["warned"] == 0
