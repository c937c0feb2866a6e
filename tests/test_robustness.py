"""Bad files, odd encodings, huge inputs, interrupted and repeated builds (SPEC §9, issue 5).

Every case is a real file or a real command: the odd files of tests/data/encodings/ (made by its
make.py, expectations in its manifest.json), plus FIFOs, broken and looping symbolic links, an
unreadable file, a 50 MB file and one over spaCy's max_length made in tmp_path.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from kg.build.job import build, build_graph
from kg.build.report import load_report, report_path
from kg.errors import InputError, NoInputError
from kg.io import write_atomic
from kg.namespaces import SMEKG
from kg.text.extract import extract_source, links, segment_text
from kg.text.read import decode, find_inputs, read_source
from tests.conftest import CORPUS, ROOT

ENC = Path(__file__).resolve().parent / "data" / "encodings"
MANIFEST = json.loads((ENC / "manifest.json").read_text(encoding="utf-8"))
SEED_ZH = CORPUS / "001_deac6e865badb210.txt"
OA = "http://www.w3.org/ns/oa#"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# --- helpers ------------------------------------------------------------------------------------

def strict_parse(ttl: Path) -> Graph:
    """Re-read a written graph with Oxigraph's strict Turtle parser (invalid IRIs or escapes raise),
    then into rdflib for the checks."""
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(path=str(ttl), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) > 0
    g = Graph()
    g.parse(ttl, format="turtle")
    assert len(g) == len(store)
    return g


def docs_by_file(g: Graph) -> dict[str, URIRef]:
    return {str(g.value(d, DCTERMS.source)): d for d in g.subjects(DCTERMS.source, None)
            if (d, None, SMEKG.PolicyDocument) in g}


def measure_count(g: Graph, doc: URIRef) -> int:
    q = "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a smekg:Measure ; dcterms:isPartOf+ ?d }"
    return int(next(iter(g.query(q, initNs={"smekg": SMEKG, "dcterms": DCTERMS}, initBindings={"d": doc})))[0])


def measure_view(record) -> list[tuple[str | None, str, frozenset]]:
    """Per measure, in order: its number, its text, and its links (property, concept, matched text)."""
    return [(m.number, segment_text(record, m),
             frozenset((ln.prop, ln.mention.notation, ln.mention.exact) for ln in links(record, m)))
            for m in record.measures()]


def graph_measures(g: Graph, doc: URIRef) -> dict[str, tuple[str, frozenset]]:
    """Per measure IRI (relative to its document): its text and the set of (property, object) links."""
    out = {}
    for m in g.subjects(None, SMEKG.Measure):
        node, seen = m, set()
        while node is not None and node != doc and node not in seen:
            seen.add(node)
            node = g.value(node, DCTERMS.isPartOf)
        if node != doc:
            continue
        linked = frozenset((str(p), str(o)) for p in (SMEKG.targets, SMEKG.involves, SMEKG.usesInstrument,
                                                       SMEKG.issuedBy, SMEKG.mentionsOrganization,
                                                       SMEKG.mentionsRegion) for o in g.objects(m, p))
        out[str(m)[len(str(doc)):]] = (str(g.value(m, SMEKG.text)), linked)
    return out


def odd_folder(tmp_path: Path) -> Path:
    """The committed odd files plus the cases that cannot live in git: FIFO, broken and looping links."""
    d = tmp_path / "odd"
    shutil.copytree(ENC, d, ignore=shutil.ignore_patterns("*.py", "*.json", "__pycache__"))
    os.mkfifo(d / "named-pipe.txt")
    os.symlink("does-not-exist.txt", d / "broken-link.txt")
    os.symlink("self-loop.txt", d / "self-loop.txt")
    (d / "sub").mkdir()
    os.symlink("..", d / "sub" / "back-to-parent")
    shutil.copy(ENC / "zh-utf8.txt", d / "sub" / "zh-utf8-again.txt")
    (d / "folder.txt").mkdir()  # a folder named like a document: walked, holds nothing
    return d


@pytest.fixture(scope="module")
def odd_build(tmp_path_factory):
    """The folder of every case built once: (folder, graph file, BuildReport, graph re-read strictly)."""
    d = odd_folder(tmp_path_factory.mktemp("odd"))
    out = d.parent / "out" / "graph.ttl"
    report = build([d], out, workers=1)
    return d, out, report, strict_parse(out)


EXTRA_FATES = {  # file -> (status, reason) for the cases made by odd_folder
    "named-pipe.txt": ("skipped", "named pipe"),
    "broken-link.txt": ("skipped", "broken symbolic link"),
    "self-loop.txt": ("skipped", "symlink loop"),
    "back-to-parent": ("skipped", "symlink loop"),
    "zh-utf8-again.txt": ("built", ""),
}


# --- decoding -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_robust_each_odd_file_decodes_or_is_refused_as_the_manifest_says(name):
    expect = MANIFEST[name]
    if expect["status"] == "skipped":
        with pytest.raises(InputError, match=expect["reason"].replace("(", r"\(").replace(")", r"\)")):
            read_source(ENC / name)
        return
    src = read_source(ENC / name)
    if "encoding" in expect:
        assert src.encoding == expect["encoding"]
    assert src.encoding not in expect.get("encoding_not", [])
    if "text" in expect:
        assert src.text == expect["text"]
    if "same_as" in expect:
        ref = (ENC / expect["same_as"]).read_text(encoding="utf-8")
        assert src.text.replace("\r\n", "\n").replace("\r", "\n").rstrip(" ") == ref  # a NUL at the end: " "
    assert "\x00" not in src.text


def test_robust_nul_bytes_are_blanked_in_place():
    raw = (ENC / "en-nul-bytes.txt").read_bytes()
    src = read_source(ENC / "en-nul-bytes.txt")
    assert raw.count(b"\x00") == 3
    assert len(src.text.encode("utf-8")) == len(raw)  # one character for one NUL: offsets stay true
    assert [i for i, b in enumerate(src.text.encode("utf-8")) if b == 0x20] == \
           [i for i, b in enumerate(raw) if b in (0x00, 0x20)]


def test_robust_a_bom_that_lies_is_a_one_line_error_not_a_crash():
    for data in (codecs.BOM_UTF16_LE + b"\x00\xd8a\x00", codecs.BOM_UTF16_BE + b"\x00a\x00",
                 codecs.BOM_UTF32_LE + b"abc"):
        with pytest.raises(InputError, match="byte-order mark"):
            decode(data)


def test_robust_binary_formats_named_txt_are_refused_by_name():
    for data, what in ((b"PK\x03\x04\x14\x00\x06\x00", "ZIP"), (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
                       (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "OLE2"), (b"{\\rtf1\\ansi hello}", "RTF"),
                       ((ENC / "pdf-named-txt.txt").read_bytes(), "PDF")):
        with pytest.raises(InputError, match=what):
            decode(data)


def test_robust_random_bytes_are_binary_whatever_the_seed():
    import random

    for seed in range(40):
        data = random.Random(seed).randbytes(2048)
        with pytest.raises(InputError, match="binary"):
            decode(data)


def test_robust_western_8bit_text_is_not_taken_for_gb18030():
    data = (ENC / "en-cp1252-apostrophes.txt").read_bytes()
    assert data.decode("gb18030")  # the trap: strict GB18030 accepts these bytes ("SME抯")
    text, enc = decode(data)
    assert "SME\u2019s" in text and "抯" not in text and enc != "gb18030"
    # while a Chinese text with rare characters and Latin words stays GB18030
    zh = "Hubei 湖北 and the 𠮷 family firm, Wuhan 武汉: credit loans 信用贷款.\n"
    assert decode(zh.encode("gb18030")) == (zh, "gb18030")


# --- the same document in every encoding ----------------------------------------------------------

def test_robust_same_notice_gives_same_measures_and_links_in_every_encoding():
    groups: dict[str, list[str]] = {}
    for name, expect in MANIFEST.items():
        if "same_as" in expect:
            groups.setdefault(expect["same_as"], []).append(name)
    assert set(groups) == {"zh-utf8.txt", "en-utf8.txt"}
    for ref, names in groups.items():
        want = measure_view(extract_source(read_source(ENC / ref)))
        assert len(want) == 4 and all(links for _, _, links in want), want
        for name in names:
            assert measure_view(extract_source(read_source(ENC / name))) == want, name


def test_robust_seed_document_in_utf8_gb18030_utf16_builds_the_same_measures_and_links(tmp_path):
    text = SEED_ZH.read_text(encoding="utf-8")
    variants = {"utf-8": text.encode("utf-8"), "gb18030": text.encode("gb18030"),
                "utf-16-le": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
                "utf-16-be": text.encode("utf-16-be")}  # no BOM: found by the detector
    seen = {}
    for enc, data in variants.items():
        folder = tmp_path / enc
        folder.mkdir()
        (folder / SEED_ZH.name).write_bytes(data)  # same name: same IRIs
        out = folder / "graph.ttl"
        report = build([folder], out, workers=1)
        assert [f.status for f in report.fates] == ["built"]
        g = strict_parse(out)
        doc = docs_by_file(g)[SEED_ZH.name]
        assert str(g.value(doc, SMEKG.encoding)) == enc  # the encoding is in the provenance
        measures = graph_measures(g, doc)
        meta = {p: str(g.value(doc, p)) for p in (DCTERMS.title, DCTERMS.issued, DCTERMS.identifier)}
        issuers = set(g.objects(doc, SMEKG.issuedBy))
        seen[enc] = (measures, meta, issuers)
    ref = seen["utf-8"]
    assert len(ref[0]) >= 10 and sum(len(links) for _, links in ref[0].values()) >= 20
    assert ref[1][DCTERMS.identifier] == "工信明电〔2020〕14号"
    for enc, got in seen.items():
        assert got[0] == ref[0], f"{enc}: measures or links differ"
        assert got[1:] == ref[1:], f"{enc}: metadata differs"


# --- line ends ------------------------------------------------------------------------------------

def test_robust_cr_only_and_crlf_lines_split_and_offsets_stay_true():
    from kg.text.clean import lines

    ref = read_source(ENC / "en-utf8.txt").text
    want = [ref[s:e] for s, e in lines(ref)]
    for name in ("en-cr.txt", "en-crlf.txt"):
        src = read_source(ENC / name)
        assert "\n" not in src.text if name == "en-cr.txt" else "\r\n" in src.text
        assert [src.text[s:e] for s, e in lines(src.text)] == want  # a lone CR ends a line
        rec = extract_source(src)
        canon = rec.source.text  # offsets inside kg: the canonical text, with "\n" line ends
        for u in rec.units:
            assert "\r" not in canon[u.start:u.end] and "\n" not in canon[u.start:u.end]
        assert rec.mentions
        for m in rec.mentions:
            assert canon[m.start:m.end] == m.exact
            a, b = rec.source.to_raw(m.start, m.end)  # and back into the text as read
            assert src.text[a:b] == m.exact


def test_robust_evidence_offsets_point_into_the_decoded_odd_files(odd_build):
    folder, _, report, g = odd_build
    texts = {Path(f.path).name: read_source(Path(f.path)).text for f in report.built}
    oa = {k: URIRef(OA + k) for k in ("hasSource", "hasSelector", "start", "end", "exact")}
    checked: dict[str, int] = {}
    for target, doc in g.subject_objects(oa["hasSource"]):
        file = str(g.value(doc, DCTERMS.source))
        sels = list(g.objects(target, oa["hasSelector"]))
        pos = next(x for x in sels if g.value(x, oa["start"]) is not None)
        exact = next(g.value(x, oa["exact"]) for x in sels if g.value(x, oa["exact"]) is not None)
        s, e = int(g.value(pos, oa["start"])), int(g.value(pos, oa["end"]))
        assert texts[file][s:e] == str(exact), (file, s, e, str(exact))
        checked[file] = checked.get(file, 0) + 1
    assert {"en-cr.txt", "en-crlf.txt", "en-nul-bytes.txt", "zh-utf16be-bom.txt", "zh-hant-big5.txt",
            "zh-gb18030-4byte.txt", "en-cp1252-apostrophes.txt"} <= set(checked)
    assert sum(checked.values()) > 100


# --- finding inputs -------------------------------------------------------------------------------

def test_robust_walk_survives_fifos_broken_links_and_symlink_loops(tmp_path):
    d = odd_folder(tmp_path)
    t0 = time.perf_counter()
    files, problems = find_inputs([d])
    assert time.perf_counter() - t0 < 5
    names = [f.name for f in files]
    assert len(names) == len(set(names))  # files under the loop are listed once, not once per trip round it
    assert "named-pipe.txt" not in names and "broken-link.txt" not in names and "self-loop.txt" not in names
    assert "zh-utf8-again.txt" in names
    reasons = {Path(p).name: why for p, why in problems}
    for name, (status, why) in EXTRA_FATES.items():
        if status == "skipped":
            assert why in reasons[name], (name, reasons)


@pytest.mark.parametrize("given, why", [
    ("missing.txt", "no such file or directory"),
    ("missing-folder/", "no such file or directory"),
    ("empty-folder", "folder holds no .txt file"),
    ("only-md", "not a kind kg reads (.md)"),
    ("pipe.txt", "named pipe"),
    ("dangling.txt", "broken symbolic link"),
])
def test_robust_unusable_paths_each_get_a_reason(tmp_path, given, why):
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "only-md").mkdir()
    (tmp_path / "only-md" / "notes.md").write_text("x", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    os.symlink(tmp_path / "gone.txt", tmp_path / "dangling.txt")
    files, problems = find_inputs([tmp_path / given])
    assert files == []
    assert len(problems) == 1 and why in problems[0][1]


def test_robust_fifo_given_to_the_reader_never_blocks(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="named pipe"):
        read_source(fifo)
    assert time.perf_counter() - t0 < 2


def test_robust_unreadable_file_is_skipped_with_the_reason(tmp_path, monkeypatch):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(ENC / "en-utf8.txt", d / "good.txt")
    locked = d / "locked.txt"
    shutil.copy(ENC / "en-utf8.txt", locked)
    locked.chmod(0)
    if IS_ROOT:
        # root reads a mode-000 file anyway: make the open fail the way it fails for a user
        real_open = os.open

        def deny(path, flags, *args, **kw):
            if Path(path).name == "locked.txt":
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args, **kw)

        monkeypatch.setattr(os, "open", deny)
    try:
        report = build([d], tmp_path / "g.ttl", workers=1)
    finally:
        locked.chmod(0o644)
    fates = {Path(f.path).name: f for f in report.fates}
    assert fates["good.txt"].status == "built"
    assert fates["locked.txt"].status == "skipped" and "permission denied" in fates["locked.txt"].reason


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_robust_file_that_fails_on_read_is_skipped(tmp_path):
    """A real read error, even as root: /proc/self/mem is a regular file whose first page is not mapped."""
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(ENC / "en-utf8.txt", d / "good.txt")
    os.symlink("/proc/self/mem", d / "mem.txt")
    report = build([d], tmp_path / "g.ttl", workers=1)
    fates = {Path(f.path).name: f for f in report.fates}
    assert fates["good.txt"].status == "built"
    assert fates["mem.txt"].status == "skipped" and "cannot read" in fates["mem.txt"].reason


# --- the whole folder: every fate, every good file's measures --------------------------------------

def test_robust_folder_of_every_case_builds_and_reports_each_fate(odd_build):
    d, out, report, g = odd_build
    fates = {Path(f.path).name: f for f in report.fates}
    expected = {**{n: (e["status"], e.get("reason", "")) for n, e in MANIFEST.items()}, **EXTRA_FATES}
    assert set(fates) == set(expected)
    for name, (status, why) in expected.items():
        assert fates[name].status == status, (name, fates[name])
        assert why in fates[name].reason, (name, fates[name])
        if status == "built":
            enc = MANIFEST.get(name, {}).get("encoding")
            assert not enc or fates[name].encoding == enc
    docs = docs_by_file(g)
    built = [f for f in report.fates if f.status == "built"]
    assert set(docs) == {Path(f.path).name for f in built}
    for f in built:
        doc = docs[Path(f.path).name]
        assert str(g.value(doc, SMEKG.encoding)) == f.encoding
        assert measure_count(g, doc) == f.measures
        # the graph holds what the file gives when built alone
        alone = extract_source(read_source(Path(f.path)))
        assert len(alone.measures()) == f.measures
    assert all(f.measures == 4 for f in built if Path(f.path).name.startswith(("zh-", "en-utf8", "en-cr")))
    # and the fates are kept beside the graph, for kg stats
    stored = load_report(out)
    assert stored.state == "current" and stored.path == report_path(out)
    assert [(x["path"], x["status"]) for x in stored.fates] == [(f.path, f.status) for f in report.fates]


def test_robust_one_file_that_crashes_the_extractor_does_not_stop_the_others(tmp_path, monkeypatch):
    import kg.build.workers

    real = kg.build.workers.extract_source

    def flaky(src):
        if src.name == "en-crlf.txt":
            raise IndexError("list index out of range")
        return real(src)

    monkeypatch.setattr(kg.build.workers, "extract_source", flaky)
    monkeypatch.delenv("KG_DEBUG", raising=False)
    report = build([ENC / "en-crlf.txt", ENC / "en-utf8.txt"], tmp_path / "g.ttl", workers=1)
    fates = {Path(f.path).name: f for f in report.fates}
    assert fates["en-utf8.txt"].status == "built"
    assert fates["en-crlf.txt"].status == "skipped"
    assert "internal error" in fates["en-crlf.txt"].reason and "IndexError" in fates["en-crlf.txt"].reason


# --- the command line -------------------------------------------------------------------------------

def fate_name(line: str) -> str:
    """The file name of one line of the fate summary ("  built    path (enc, n measures)", "  skipped  path: why")."""
    status, rest = line.strip().split(None, 1)
    path = rest.rsplit(" (", 1)[0] if status == "built" else rest.split(": ", 1)[0]
    return Path(path).name


def test_robust_cli_reports_every_fate_and_exits_1_without_traceback(tmp_path, runner, monkeypatch):
    from kg.cli import app

    d = odd_folder(tmp_path)
    out = tmp_path / "out" / "graph.ttl"
    r = runner.invoke(app, ["build", str(d), "-o", str(out), "--no-cache", "--no-local-store"])
    assert r.exit_code == 1, r.stderr
    assert isinstance(r.exception, SystemExit)
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    lines = r.stderr.splitlines()
    n_built = sum(1 for e in MANIFEST.values() if e["status"] == "built") + 1
    n_skipped = len(MANIFEST) + len(EXTRA_FATES) - n_built
    assert f"files: {n_built} built, {n_skipped} skipped" in lines
    fate_lines = [ln for ln in lines if ln.startswith("  ")]
    assert len(fate_lines) == len(MANIFEST) + len(EXTRA_FATES)
    for name in [*MANIFEST, *EXTRA_FATES]:
        assert len([ln for ln in fate_lines if fate_name(ln) == name]) == 1, (name, lines)
    assert "  skipped  " + str(d / "named-pipe.txt") + ": not a regular file but a named pipe (FIFO)" in lines
    assert any(ln.startswith("built ") and f"skipped {n_skipped} file(s)" in ln for ln in lines)
    assert out.is_file() and report_path(out).is_file()

    # kg stats shows the same fates, read back from the report beside the graph
    s = runner.invoke(app, ["stats", "--graph", str(out), "--json"])
    assert s.exit_code == 0, s.stderr
    files = json.loads(s.stdout)["files"]
    assert files["state"] == "current"
    assert sorted(Path(f["path"]).name for f in files["fates"]) == sorted([*MANIFEST, *EXTRA_FATES])
    # and as a table (what `kg stats` prints after its other tables)
    import io

    from kg.build.report import print_fates

    buf = io.StringIO()
    monkeypatch.setenv("COLUMNS", "300")  # long temporary paths on one line each
    print_fates(load_report(out), file=buf)
    table = buf.getvalue()
    assert "named-pipe.txt" in table and "broken symbolic" in table and "gb18030" in table


def test_robust_cli_exit_0_when_all_built_and_1_when_nothing_could_be(tmp_path, runner, monkeypatch):
    from kg.cli import app

    monkeypatch.chdir(tmp_path)
    good = tmp_path / "good"
    good.mkdir()
    for name in ("zh-gb18030.txt", "zh-utf16le-bom.txt", "en-crlf.txt"):
        shutil.copy(ENC / name, good / name)
    opts = ["-o", "out/graph.ttl", "--no-cache", "--no-local-store"]
    r = runner.invoke(app, ["build", "good", *opts])
    assert r.exit_code == 0, r.stderr
    assert "files: 3 built, 0 skipped" in r.stderr
    assert "  built    good/zh-gb18030.txt (gb18030, 4 measures)" in r.stderr.splitlines()
    before = (tmp_path / "out" / "graph.ttl").read_bytes()
    report_before = (tmp_path / "out" / "graph.report.json").read_bytes()

    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "empty.txt").write_bytes(b"")
    (tmp_path / "no-text").mkdir()
    for args in (["bad"], ["does-not-exist"], ["no-text"], ["bad", "does-not-exist", "no-text"]):
        r = runner.invoke(app, ["build", *args, *opts])
        assert r.exit_code == 1, (args, r.stderr)
        assert isinstance(r.exception, SystemExit) and "Traceback" not in r.stderr
        lines = r.stderr.splitlines()
        assert lines[0].startswith(f"Error: no document could be built ({len(args)} input(s) skipped")
        assert len(lines) == 1 + len(args) and all(ln.startswith("  skipped  ") for ln in lines[1:])
        # nothing was built: the previous graph and its report are left as they were
        assert (tmp_path / "out" / "graph.ttl").read_bytes() == before
        assert (tmp_path / "out" / "graph.report.json").read_bytes() == report_before

    q = runner.invoke(app, ["build", "bad", "good", "-o", "out/q.ttl", "--no-cache", "--no-local-store", "--quiet"])
    assert q.exit_code == 1
    assert q.stderr.splitlines() == ["  skipped  bad/empty.txt: empty file"]  # quiet: only what went wrong


def test_robust_stats_says_when_the_report_belongs_to_another_build(tmp_path):
    out = tmp_path / "g.ttl"
    build([ENC / "en-utf8.txt"], out, workers=1)
    assert load_report(out).state == "current"
    write_atomic(out, out.read_bytes() + b"\n")  # the graph replaced by something else
    stale = load_report(out)
    assert stale.state == "stale" and "another build" in stale.note
    report_path(out).unlink()
    assert load_report(out).state == "missing"


# --- atomic output --------------------------------------------------------------------------------

def _previous_build(tmp_path: Path) -> tuple[Path, bytes, bytes]:
    out = tmp_path / "out" / "graph.ttl"
    build([ENC / "zh-utf8.txt"], out, workers=1)
    return out, out.read_bytes(), report_path(out).read_bytes()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp")


@pytest.mark.parametrize("where", ["serialisation", "write", "rename"])
def test_robust_interrupted_build_leaves_previous_graph_and_no_temp_file(tmp_path, monkeypatch, where):
    out, graph, report = _previous_build(tmp_path)

    def boom(*a, **k):
        raise KeyboardInterrupt if where == "rename" else RuntimeError(f"failed during {where}")

    if where == "serialisation":
        import kg.rdf.graph

        monkeypatch.setattr(kg.rdf.graph, "merge", boom)  # where the Turtle is written (kg.rdf.turtle.merge)
    elif where == "write":
        monkeypatch.setattr(os, "fsync", boom)  # kg.io.write_atomic
    else:
        monkeypatch.setattr(os, "replace", boom)
    with pytest.raises((RuntimeError, KeyboardInterrupt)):
        build([ENC / "en-utf8.txt", ENC / "zh-gbk.txt"], out, workers=1)
    monkeypatch.undo()
    assert out.read_bytes() == graph
    assert report_path(out).read_bytes() == report
    assert _leftovers(out.parent) == []
    assert load_report(out).state == "current"



def test_robust_graph_file_is_flushed_while_the_store_updates_and_before_it_replaces_the_old(tmp_path, monkeypatch):
    """With a store, the new Turtle file is flushed to disk in a thread while the store is brought up to
    date (kg.io.sync_later), and renamed onto the old one only once the flush is done (kg.io.durable)."""
    out, store = tmp_path / "out" / "graph.ttl", tmp_path / "out" / "graph.store"
    build([ENC / "zh-utf8.txt"], out, workers=1, store=store)
    events: list[tuple[str, ...]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(a, b):
        events.append(("replace", os.path.abspath(a), os.path.abspath(b)))
        return real_replace(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    build([ENC / "en-utf8.txt", ENC / "zh-utf8.txt"], out, workers=1, store=store)
    monkeypatch.undo()
    renamed = [e for e in events if e[0] == "replace" and e[2] == str(out.resolve())]
    assert len(renamed) == 1
    flushed = [i for i, e in enumerate(events) if e == ("fsync", renamed[0][1])]
    assert flushed and flushed[0] < events.index(renamed[0])


def test_robust_a_failed_flush_of_the_graph_file_leaves_the_previous_graph_and_store(tmp_path, monkeypatch):
    from kg.errors import KGError
    from kg.store.local import OxigraphGraph

    out, store = tmp_path / "out" / "graph.ttl", tmp_path / "out" / "graph.store"
    build([ENC / "zh-utf8.txt"], out, workers=1, store=store)
    graph, triples, files = out.read_bytes(), len(OxigraphGraph(store)), sorted(out.parent.iterdir())
    real_fsync = os.fsync

    def fsync(fd):
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp") and ".graph.ttl." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(KGError, match="No space left"):
        build([ENC / "en-utf8.txt", ENC / "zh-utf8.txt"], out, workers=1, store=store)
    monkeypatch.undo()
    assert out.read_bytes() == graph and len(OxigraphGraph(store)) == triples
    assert sorted(out.parent.iterdir()) == files, "no staged file or new store folder is left behind"

def test_robust_ctrl_c_during_a_real_build_leaves_previous_graph(tmp_path):
    many = tmp_path / "many"
    many.mkdir()
    for i in range(8):
        for f in sorted(CORPUS.glob("*.txt")):
            (many / f"{i}_{f.name}").write_bytes(f.read_bytes() + f"\n{i}\n".encode())
    out, graph, _ = _previous_build(tmp_path)
    args = [sys.executable, "-c", "from kg.cli import main; main()", "build", str(many), "-o", str(out),
            "--no-cache", "--no-local-store", "-j", "2"]
    for delay in (0.3,):  # the mechanism is tested in-process below; this is the user's view
        p = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            # wait until it is extracting (its worker processes exist), then Ctrl-C the process group
            children = Path(f"/proc/{p.pid}/task/{p.pid}/children")
            t0 = time.time()
            while p.poll() is None and time.time() - t0 < 60:
                if children.exists() and children.read_text().split():
                    break
                if not children.exists() and time.time() - t0 > 5:
                    break  # no /proc: five seconds is long past the imports
                time.sleep(0.05)
            time.sleep(delay)
            assert p.poll() is None, "the build finished before it could be interrupted"
            os.killpg(p.pid, signal.SIGINT)
            t1 = time.time()
            _, err = p.communicate(timeout=60)  # a deadlocked pool never returned here
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.communicate()
        assert p.returncode == 130, err
        assert "Traceback" not in err and err.strip().splitlines()[-1] == "Error: interrupted"
        assert time.time() - t1 < 20  # the documents being extracted, not all of them
        assert out.read_bytes() == graph
        assert _leftovers(out.parent) == []


def _report_sigint_handler(path: str):
    """Stands in for kg.build.workers.extract_path in forked workers: says how the worker treats Ctrl-C."""
    return path, None, str(signal.getsignal(signal.SIGINT))


def _slow_extract(path: str):
    time.sleep(0.4)
    return path, None, "slow"


def _die_on_crlf(src):
    """Stands in for kg.build.workers.extract_source in forked workers: the process dies on one file."""
    if src.name == "en-crlf.txt":
        os._exit(9)
    from kg.text.extract import extract_source as real

    return real(src)


@pytest.mark.skipif(sys.platform != "linux", reason="workers inherit the patched function only when forked")
def test_robust_a_worker_that_dies_loses_only_its_own_file(monkeypatch, tmp_path):
    """An out-of-memory kill or a crash in C takes its worker down: the other files are still built."""
    import kg.build.workers

    monkeypatch.setattr(kg.build.workers, "extract_source", _die_on_crlf)
    names = ["en-crlf.txt", "en-utf8.txt", "zh-gb18030.txt", "zh-utf16le-bom.txt", "en-cr.txt"]
    report = build([ENC / n for n in names], tmp_path / "g.ttl", workers=2)
    fates = {Path(f.path).name: f for f in report.fates}
    assert fates["en-crlf.txt"].status == "skipped" and "died" in fates["en-crlf.txt"].reason
    assert all(fates[n].status == "built" and fates[n].measures == 4 for n in names if n != "en-crlf.txt")


@pytest.mark.skipif(sys.platform != "linux", reason="workers inherit the patched function only when forked")
def test_robust_workers_leave_ctrl_c_to_the_parent(monkeypatch):
    """A worker interrupted inside the task queue's lock deadlocked the whole pool."""
    import kg.build.workers

    monkeypatch.setattr(kg.build.workers, "extract_path", _report_sigint_handler)
    results = kg.build.workers.extract_many([f"f{i}.txt" for i in range(4)], 2, None)
    assert [r[2] for r in results] == [str(signal.SIG_IGN)] * 4


@pytest.mark.skipif(sys.platform != "linux", reason="workers inherit the patched function only when forked")
def test_robust_interrupted_pool_stops_without_extracting_the_rest(monkeypatch):
    import threading

    import kg.build.workers

    monkeypatch.setattr(kg.build.workers, "extract_path", _slow_extract)
    main = threading.main_thread().ident
    assert threading.get_ident() == main
    timer = threading.Timer(1.0, lambda: signal.pthread_kill(main, signal.SIGINT))
    timer.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            kg.build.workers.extract_many([f"f{i}.txt" for i in range(40)], 2, None)  # 8 s of work
    finally:
        timer.cancel()
    assert time.perf_counter() - t0 < 4


def test_robust_rebuild_keeps_the_graph_file_permissions(tmp_path):
    out = tmp_path / "g.ttl"
    old = os.umask(0o022)
    try:
        build([ENC / "en-utf8.txt"], out, workers=1)
        assert stat.S_IMODE(out.stat().st_mode) == 0o644  # not mkstemp's 0600
        out.chmod(0o640)
        build([ENC / "en-utf8.txt"], out, workers=1)
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
    finally:
        os.umask(old)


# --- determinism and valid IRIs -------------------------------------------------------------------

def test_robust_builds_are_byte_identical_across_processes_hash_seeds_and_locations(odd_build, tmp_path):
    """The module's build (this process, one worker) against `kg build` in a child process with
    another hash seed, two workers and the files in another folder: the same bytes."""
    folder, out_a, _, _ = odd_build
    b = tmp_path / "elsewhere"
    shutil.copytree(folder, b, symlinks=True, ignore=lambda d, names: [n for n in names if n == "named-pipe.txt"])
    os.mkfifo(b / "named-pipe.txt")
    out_b = tmp_path / "out" / "graph.ttl"
    r = subprocess.run([sys.executable, "-c", "from kg.cli import main; main()", "build", str(b), "-o", str(out_b),
                        "--no-cache", "--no-local-store", "-j", "2"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT),
                                         "PYTHONHASHSEED": "4242" if os.environ.get("PYTHONHASHSEED") != "4242" else "7"})
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr  # 1: the odd files are skipped
    assert out_a.read_bytes() == out_b.read_bytes()
    # the report differs only by the folder the files were found in
    ra, rb = (json.loads(report_path(o).read_text(encoding="utf-8")) for o in (out_a, out_b))
    for x in (ra, rb):
        for f in x["fates"]:
            f["path"] = Path(f["path"]).name
    assert ra == rb


def test_robust_odd_file_names_give_valid_iris_and_distinct_documents(tmp_path):
    d = tmp_path / "names"
    d.mkdir()
    names = ["a b#c%20?.txt", "测试 文件（一）.txt", 'quote"and<angle>.txt', "new\nline.txt", "tab\there.txt",
             "emoji-🙂.txt", "back\\slash.txt", "%E4%B8%AD.txt"]
    text = (ENC / "en-utf8.txt").read_bytes()
    for i, n in enumerate(names):
        (d / n).write_bytes(text + f"\n{i}\n".encode())
    bad = os.fsencode(str(d)) + b"/latin1-\xe9\xff.txt"  # a name that is not UTF-8
    with open(bad, "wb") as f:
        f.write(text)
    out = tmp_path / "g.ttl"
    report = build([d], out, workers=1)
    assert len(report.built) == len(names) + 1 and not report.skipped
    g = strict_parse(out)
    docs = docs_by_file(g)
    assert set(names) <= set(docs)
    assert any("\ufffd" in n for n in docs)  # the undecodable bytes shown as U+FFFD, the file still built
    assert len(set(docs.values())) == len(names) + 1
    for doc in docs.values():
        assert measure_count(g, doc) == 4
    assert load_report(out).state == "current"


# --- huge inputs --------------------------------------------------------------------------------------

def test_robust_one_line_over_spacy_max_length_is_chunked_not_raised():
    """Over a million characters without a line break (and half of them without any punctuation)."""
    import random

    import spacy

    from kg.text.clean import MAX_UNIT
    from kg.text.read import source_from_text

    limit = spacy.blank("en").max_length
    en = (ENC / "en-utf8.txt").read_text(encoding="utf-8").replace("\n", " ")
    rng = random.Random(1)
    vocab = "small and micro enterprises credit loans financing guarantee tax relief the of banks".split()
    words = " ".join(rng.choice(vocab) for _ in range(limit // 10))  # no punctuation at all
    text = (en * (limit // (2 * len(en)) + 1))[: limit // 2] + " " + words
    text = text[: int(limit * 1.05)]
    assert "\n" not in text and len(text) > limit
    t0 = time.perf_counter()
    rec = extract_source(source_from_text(text, "huge.txt"))
    assert time.perf_counter() - t0 < 60
    assert rec.units and max(u.end - u.start for u in rec.units) <= MAX_UNIT
    assert any(m.notation == "CREDIT_LOAN" for m in rec.mentions)
    zh = (SEED_ZH.read_text(encoding="utf-8").replace("\n", "").replace("。", "") * 200)[: int(limit * 1.02)]
    rec = extract_source(source_from_text(zh, "huge-zh.txt"))
    assert max(u.end - u.start for u in rec.units) <= MAX_UNIT


def test_robust_long_english_line_splits_in_linear_time():
    """A web copy with no line breaks: sentence splitting must not rescan the line for every stop."""
    from kg.text.clean import clean

    base = (CORPUS / "003_7b45b40aa43ec948.txt").read_text(encoding="utf-8").replace("\n", " ")
    one = (base * 12)[:300_000]
    t0 = time.perf_counter()
    c = clean(one, "en")
    assert time.perf_counter() - t0 < 5  # 35 s when the abbreviation check searched the whole line
    assert c.counts["text"] > 300


def test_robust_links_of_a_huge_measure_are_found_without_rescanning_every_unit(tmp_path):
    """A measure of thousands of sentences: each mention is placed by bisection among the units."""
    import random

    from kg.model import Segment

    big = tmp_path / "big.txt"
    _fifty_megabytes(big, "utf-8", target=1_500_000)
    rec = extract_source(read_source(big))
    units = sorted(u for m in rec.measures() for s in m.walk() for u in s.units)
    assert len(units) > 2000 and len(rec.mentions) > 3000
    t0 = time.perf_counter()
    got = [links(rec, m) for m in rec.measures()]
    assert time.perf_counter() - t0 < 0.6  # 2.6 s when every mention was tested against every unit
    # the same links as the definition (a mention belongs to a segment when one of its units holds
    # it), checked on a sample of the mentions
    sample = random.Random(3).sample(rec.mentions, 300)
    for m, found in zip(rec.measures(), got, strict=True):
        spans = [(u.start, u.end) for s in m.walk() for u in s.units]
        linked = {ln.mention for ln in found}
        for x in sample:
            inside = any(a <= x.start and x.end <= b for a, b in spans)
            if x in linked:
                assert inside
            elif x.kind in ("enterprise-type", "department", "actor"):  # never dropped by context
                assert not inside
    whole = Segment(kind="measure", units=units)
    assert len(links(rec, whole)) >= sum(len(x) for x in got)


def _fifty_megabytes(path: Path, encoding: str, target: int = 50 * 1024 * 1024) -> int:
    """A 50 MB document of distinct sentences (repeats would be set aside as duplicates)."""
    import random

    rng = random.Random(50)
    src = SEED_ZH if encoding == "gb18030" else CORPUS / "003_7b45b40aa43ec948.txt"
    lines = [ln for ln in src.read_text(encoding="utf-8").splitlines() if len(ln) > 20]
    with open(path, "wb") as f:
        size = 0
        while size < target:
            chunk = []
            for _ in range(200):
                ln = rng.choice(lines)
                cut = rng.randrange(len(ln))
                chunk.append(ln[cut:] + ln[:cut] + f" {rng.random():.6f}")
            data = ("\n".join(chunk) + "\n").encode(encoding)
            f.write(data)
            size += len(data)
    return size


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_robust_fifty_megabyte_file_is_read_and_cleaned_in_bounded_time_and_memory(tmp_path, encoding):
    from kg.text.clean import MAX_UNIT, clean, detect_language

    p = tmp_path / "big.txt"
    size = _fifty_megabytes(p, encoding)
    tracemalloc.start()
    t0 = time.perf_counter()
    src = read_source(p)
    t_read = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert src.encoding == encoding and src.size == size
    assert t_read < 20, f"reading {size} bytes took {t_read:.1f}s"
    # the bytes, the text and nothing much more (no copy per candidate encoding kept alive)
    assert peak < 3 * size + len(src.text) * 4, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"
    # the first stage after reading, on a tenth of it (the whole pipeline: see the slow test below)
    part = src.text[: len(src.text) // 10]
    t0 = time.perf_counter()
    c = clean(part, detect_language(part))
    assert time.perf_counter() - t0 < 20
    assert c.units and max(u.end - u.start for u in c.units) <= MAX_UNIT
    del src, part, c


@pytest.mark.skipif(not os.environ.get("KG_SLOW_TESTS"), reason="builds a 50 MB file end to end (minutes); "
                    "run with KG_SLOW_TESTS=1")
def test_robust_fifty_megabyte_file_builds_end_to_end(tmp_path):
    """The budget a user can live with: ten minutes and 4 GB for 50 MB of text.

    Measured on two cores: over an hour before kg.text.extract.links and kg.rdf.corpus's evidence look-up
    were made linear; then 13 min 17 s and 3.0 GB peak (1.58 million triples), the time going to
    kg.rdf.findings._owner, which recomputes kg.text.docview.body_units for every citation."""
    import resource

    d = tmp_path / "in"
    d.mkdir()
    _fifty_megabytes(d / "big.txt", "utf-8")
    out = tmp_path / "g.ttl"
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", "from kg.cli import main; main()", "build", str(d), "-o", str(out),
                        "--no-cache", "--no-local-store"], capture_output=True, text=True, timeout=600,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    assert r.returncode == 0, r.stderr[-2000:]
    assert seconds < 600 and rss < 4 * 1024 ** 3, (seconds, rss)
    strict_parse(out)


# --- the library API --------------------------------------------------------------------------------

def test_robust_build_graph_with_nothing_usable_names_every_reason(tmp_path):
    (tmp_path / "e.txt").write_bytes(b"")
    with pytest.raises(NoInputError) as err:
        build_graph([tmp_path / "e.txt", tmp_path / "missing"], workers=1)
    assert [f.reason for f in err.value.fates] == ["no such file or directory", "empty file"]
    assert "empty file" in str(err.value) and "no such file" in str(err.value)


def test_robust_report_is_deterministic_and_holds_no_clock_time(odd_build, tmp_path):
    d, out, report, _ = odd_build
    first = report_path(out).read_bytes()
    again = tmp_path / "graph.ttl"
    build([d], again, workers=1)
    assert again.read_bytes() == out.read_bytes()
    assert report_path(again).read_bytes() == first
    doc = json.loads(first)
    assert doc["graph_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert doc["files"] == len(MANIFEST) + len(EXTRA_FATES) and doc["built"] + doc["skipped"] == doc["files"]
    assert doc["measures"] == report.measures and doc["triples"] == report.triples
