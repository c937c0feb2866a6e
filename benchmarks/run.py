"""kg's benchmark: throughput, memory, store and query latency as the corpus grows (not a test).

    python -m benchmarks.run                       # 1, 5 and 20 MB corpora, queries at ~100k and ~1M triples
    python -m benchmarks.run --sizes 1,5 --incremental-docs 200 --query-triples 100000,1000000

It generates synthetic corpora by recombining the shipped corpus's paragraphs (benchmarks/corpus.py)
under build/bench/, and reports, as ratios where the issue asks for them:

- build MB/s and triples/s against a bare spaCy tokenizer pass over the same files (one process), with
  and without the store, on synthetic corpora and on a real-text one (corpus/ and ../shared/extra/,
  whole documents repeated with distinct dates and numbers);
- what the graph is made of: triples per MB and per link, the evidence share, the store's share of
  the build's wall time;
- peak memory (resident set of the build process plus its workers);
- the build with the embedded Oxigraph store against the rdflib/Turtle-only build;
- one process against two (and that their outputs are byte-identical);
- each named query's median latency on graphs of ~100k and ~1M triples: Oxigraph (kg's read-only
  store), the oxrdflib store plugin over the same store, and rdflib's memory store;
- an incremental rebuild (one document of N changed) against a full build;
- reading each format (.txt, .html, .pdf, .docx) to text, per MB, beside the extraction (benchmarks/formats.py).

Every measured build runs in a fresh subprocess, so peak memory and warm caches do not leak from one
measurement into the next. Results go to build/bench.json (rewritten after each section) and a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench.json"


# --- subprocess measurements --------------------------------------------------------------------

def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + kids) / 1024  # ru_maxrss is in kB on Linux


def _child_build(args: list[str]) -> dict:
    """In a fresh process: one build; its timings, triples and peak memory as JSON."""
    src, out, workers, store, cache = args
    from kg.build.job import build
    from kg.store.local import store_path

    t0 = time.perf_counter()
    r = build([Path(src)], Path(out), workers=int(workers),
              cache_dir=Path(cache) if cache != "-" else None,
              store=store_path(Path(out)) if store == "1" else None)
    res = {"seconds": time.perf_counter() - t0, "triples": r.triples, "files": len(r.built),
           "cached": r.cached, "timings": r.timings, "workers": r.workers, "peak_mb": _peak_mb(),
           "store_load": r.store_load}
    if store == "1":
        res.update(_graph_shape(store_path(Path(out)), r.triples))
    return res


EVIDENCE_SHAPE = """PREFIX smekg: <https://w3id.org/smekg/ontology#>
SELECT (COUNT(DISTINCT ?e) AS ?links) WHERE { ?e smekg:linkProperty ?p }"""
# the links explained by evidence: distinct (subject, property, object)
LINKS = """PREFIX smekg: <https://w3id.org/smekg/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE {
  ?e smekg:evidenceFor ?s ; smekg:linkProperty ?p ; oa:hasBody ?o } }"""
# the places links were found: (evidence node, target) pairs (before issue 17, one evidence node each)
MENTIONS = """PREFIX smekg: <https://w3id.org/smekg/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT (COUNT(*) AS ?n) WHERE { ?e smekg:linkProperty ?p ; oa:hasTarget ?t }"""


# the triples about evidence: an evidence node's (…/ev/…), its targets' and their selectors' (…/span/…, and
# an alignment's counterpart under its evidence node), and the hasEvidence link to each node
EVIDENCE_TRIPLES = """SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o
  FILTER(CONTAINS(STR(?s), "/ev/") || CONTAINS(STR(?s), "/span/")
         || ?p = <https://w3id.org/smekg/ontology#hasEvidence>) }"""


def _graph_shape(store: Path, triples: int) -> dict:
    """What the graph is made of, read from the store after the build (not timed): the evidence nodes
    (one per link and rule), and the share of triples about evidence (EVIDENCE_TRIPLES)."""
    import pyoxigraph as ox

    from kg.store.local import DB_FOLDER

    db = ox.Store.read_only(str(store / DB_FOLDER))
    nodes = int(next(iter(db.query(EVIDENCE_SHAPE)))["links"].value)
    ev = int(next(iter(db.query(EVIDENCE_TRIPLES)))["n"].value)
    links = int(next(iter(db.query(LINKS)))["n"].value)
    mentions = int(next(iter(db.query(MENTIONS)))["n"].value)
    return {"evidence_nodes": nodes, "evidence_links": links, "evidence_mentions": mentions, "evidence_triples": ev,
            "evidence_share": ev / triples if triples else 0.0,
            "triples_per_link": triples / links if links else None,
            "triples_per_mention": triples / mentions if mentions else None}


def _child_tokenize(args: list[str]) -> dict:
    """In a fresh process: spaCy's blank tokenizer over every file (the bare pass the build is held to)."""
    import spacy

    from kg.text.clean import detect_language
    from kg.text.read import find_inputs, read_source

    paths, _ = find_inputs([Path(args[0])])
    nlp = {"en": spacy.blank("en"), "zh": spacy.blank("zh")}
    nlp["en"]("warm up")
    nlp["zh"]("预热")
    texts = [read_source(p).text for p in paths]
    langs = ["zh" if detect_language(t) == "zh" else "en" for t in texts]
    t0 = time.perf_counter()  # the tokenizer alone: reading and decoding are not counted
    tokens = 0
    for text, lang in zip(texts, langs, strict=True):
        tokens += len(nlp[lang].tokenizer(text))
    return {"seconds": time.perf_counter() - t0, "tokens": tokens, "peak_mb": _peak_mb()}


def _child_queries(args: list[str]) -> dict:
    """In a fresh process: every named query's latency on one back-end (oxigraph store or rdflib)."""
    backend, location, repeat, cap = args[0], Path(args[1]), int(args[2]), float(args[3])
    from rdflib.namespace import DCTERMS

    from kg.namespaces import PREFIXES
    from kg.sparql import named_queries, resolve, run_query
    from kg.sparql.params import Lookup, bind_params
    from kg.sparql.safety import prepare
    from kg.store.local import OxigraphGraph, parse_graph

    t0 = time.perf_counter()
    if backend == "oxrdflib":  # the oxrdflib store plugin: rdflib's Graph API over the same Oxigraph store
        import pyoxigraph as ox
        from oxrdflib import OxigraphStore
        from rdflib import Graph
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        g = Graph(store=OxigraphStore(store=ox.Store.read_only(str(location / "db"))), identifier=DATASET_DEFAULT_GRAPH_ID)
    else:
        g = OxigraphGraph(location) if backend == "oxigraph" else parse_graph(location)
    load = time.perf_counter() - t0
    out = {"load_seconds": load, "triples": len(g), "queries": {}}
    docs = sorted(str(o) for o in g.objects(None, DCTERMS.source))
    t = time.perf_counter()
    run_query(g, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", timeout=None)  # load the vocabulary etc. once, here
    out["warm_up_s"] = time.perf_counter() - t
    for name, nq in sorted(named_queries().items()):
        params = _params(nq, docs)
        times, rows, note = [], None, ""
        text, nq = resolve(name)
        try:
            prepared = prepare(text)
            bindings = bind_params(nq, params, Lookup.for_source(g))
        except Exception as e:
            out["queries"][name] = {"median_s": None, "note": str(e).splitlines()[0][:100], "params": params}
            continue
        if backend == "oxrdflib":  # the plugin's query path: SPARQL text to Oxigraph, rows back as rdflib terms
            from kg.sparql.values import bind_values

            ns = {p: str(v) for p, v in PREFIXES.items()}
            bound = bind_values(text, bindings)
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                try:
                    rows = len(list(g.query(bound, initNs=ns)))
                except Exception as e:
                    note = str(e).splitlines()[0][:100]
                    break
                times.append(time.perf_counter() - t)
            out["queries"][name] = {"median_s": statistics.median(times) if times else None, "runs": len(times),
                                    "rows": rows, "note": note, "params": params}
            continue
        t = time.perf_counter()
        try:  # first as `kg query` runs it: in a forked child, stopped at the cap
            res = run_query(g, name, params, timeout=cap)
            isolated = time.perf_counter() - t
            rows = len(res.rows)
        except Exception as e:  # a timeout or a failing query is a figure too
            note = str(e).splitlines()[0][:100]
            isolated = None
        kg_query = None
        if isolated is not None and isolated < cap / 4:
            t = time.perf_counter()
            run_query(g, name, params, timeout=None)  # kg's path in this process: checks, binding, engine
            kg_query = time.perf_counter() - t
            for _ in range(repeat):  # the engine alone, rows materialised
                t = time.perf_counter()
                if backend == "oxigraph":
                    list(g.query(text, initNs=PREFIXES, initBindings=bindings))
                else:
                    list(g.query(prepared, initBindings=bindings))
                times.append(time.perf_counter() - t)
        elif isolated is not None:
            times.append(isolated)
            note = "one run (slow)"
        out["queries"][name] = {"median_s": statistics.median(times) if times else None, "runs": len(times),
                                "isolated_s": isolated, "kg_query_s": kg_query, "rows": rows, "note": note,
                                "params": params}
    out["peak_mb"] = _peak_mb()
    return out


def _params(nq, docs: list[str]) -> dict[str, str]:
    """The example parameters of a query's header, for the synthetic graph: required ones only, and a
    document parameter names a synthetic document made from the example's source document."""
    out = {}
    for p in nq.params:
        if p.optional or not p.example:
            continue
        value = p.example
        if p.type.split()[0] == "document":
            stem = value[:3]
            value = next((d for d in docs if d.endswith(f"_{stem}.txt")), docs[0] if docs else value)
        out[p.name] = value
    return out


CHILDREN = {"build": _child_build, "tokenize": _child_tokenize, "queries": _child_queries}


IN_PROCESS = False  # tests: run the measurements in this process (no fresh interpreter per build)


def run_child(kind: str, *args: str, timeout: float | None = None) -> dict:
    if IN_PROCESS:
        return json.loads(json.dumps(CHILDREN[kind](list(args))))
    cmd = [sys.executable, "-m", "benchmarks.run", "--child", kind, *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} {' '.join(args)} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the sections -------------------------------------------------------------------------------

def _mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.glob("*.txt")) / 1e6


def median_run(kind: str, *args: str, runs: int = 1) -> dict:
    """`runs` measurements of one kind (each in a fresh process), the one of median time, with every
    time it took (a shared virtual machine varies by 10-20 % from one run to the next)."""
    got = sorted((run_child(kind, *args) for _ in range(max(1, runs))), key=lambda r: r["seconds"])
    res = dict(got[len(got) // 2])
    res["all_seconds"] = [round(r["seconds"], 2) for r in got]
    return res


def section_throughput(work: Path, size: float, workers: int, compare_workers: bool,
                       turtle_only_max_mb: float = 5, kind: str = "synthetic", runs: int = 1) -> dict:
    """One corpus: `kind` "synthetic" (recombined paragraphs, benchmarks.corpus.generate) or "real"
    (whole documents of corpus/ and ../shared/extra/ repeated with distinct numbers, generate_real).
    Each figure is the median of `runs` runs."""
    from benchmarks.corpus import generate, generate_real

    corpus = work / (f"corpus-{size:g}mb" if kind == "synthetic" else f"corpus-real-{size:g}mb")
    if not corpus.is_dir():
        (generate if kind == "synthetic" else generate_real)(corpus, size)
    mb = _mb(corpus)
    tok = median_run("tokenize", str(corpus), runs=runs)
    full = median_run("build", str(corpus), str(work / f"g{size:g}.ttl"), str(workers), "1", "-", runs=runs)
    bare = median_run("build", str(corpus), str(work / f"g{size:g}-nostore.ttl"), str(workers), "0", "-",
                      runs=runs) if size <= turtle_only_max_mb or compare_workers else None
    store_s = full["timings"].get("store", 0.0)
    res = {
        "corpus": kind, "mb": mb, "files": full["files"], "triples": full["triples"],
        "triples_per_mb": full["triples"] / mb, "triples_per_link": full.get("triples_per_link"),
        "triples_per_mention": full.get("triples_per_mention"),
        "evidence_share": full.get("evidence_share"), "store_s": store_s, "store_share": store_s / full["seconds"],
        "turtle_only_over_tokenizer": bare and bare["seconds"] / tok["seconds"],
        "tokenizer_s": tok["seconds"], "tokenizer_mb_s": mb / tok["seconds"],
        "build_s": full["seconds"], "build_mb_s": mb / full["seconds"], "triples_s": full["triples"] / full["seconds"],
        "build_over_tokenizer": full["seconds"] / tok["seconds"], "stages": full["timings"],
        "peak_mb": full["peak_mb"], "workers": full["workers"],
        "turtle_only_s": bare and bare["seconds"], "runs": runs,
        "all_seconds": {"tokenizer": tok["all_seconds"], "build": full["all_seconds"],
                        "turtle_only": bare and bare["all_seconds"]},
        "store_over_turtle_only": bare and full["seconds"] / bare["seconds"],
    }
    if compare_workers:
        one = median_run("build", str(corpus), str(work / f"g{size:g}-1.ttl"), "1", "0", "-", runs=runs)
        res["one_process_s"] = one["seconds"]
        res["speedup_two_processes"] = one["seconds"] / bare["seconds"]
        res["identical_1_vs_n_processes"] = (work / f"g{size:g}-1.ttl").read_bytes() == \
            (work / f"g{size:g}-nostore.ttl").read_bytes()
    return res


def section_queries(work: Path, target: int, repeat: int, cap: float, probe_mb: float = 0.2,
                    corpus_mb: float | None = None) -> dict:
    """Named queries on a graph of about `target` triples: a corpus sized for it, built with the store.

    The triples per MB grow with the corpus (cross-document links: aligned versions, citations), so a
    density measured on a small probe underestimates large graphs; `corpus_mb` sets the size instead."""
    from benchmarks.corpus import generate

    density = float(os.environ.get("KG_BENCH_TRIPLES_PER_MB", "0") or 0)
    if corpus_mb:
        density = target / corpus_mb
    if not density:  # measure it on a small corpus
        probe = work / "corpus-probe"
        if not probe.is_dir():
            generate(probe, probe_mb, seed=11)
        b = run_child("build", str(probe), str(work / "probe.ttl"), "2", "0", "-")
        density = b["triples"] / _mb(probe)
    size = target / density
    corpus = work / f"corpus-q{target}-{size:.2f}mb"
    if not corpus.is_dir():
        generate(corpus, size, seed=12)
    out = work / f"q{target}.ttl"
    b = run_child("build", str(corpus), str(out), "2", "1", "-")
    ox = run_child("queries", "oxigraph", str(work / f"q{target}.store"), str(repeat), str(cap))
    try:
        oxr = run_child("queries", "oxrdflib", str(work / f"q{target}.store"), str(repeat), str(cap))
    except Exception as e:  # the plugin is optional (pip install oxrdflib)
        oxr = {"queries": {}, "note": str(e)[:200]}
    rd = run_child("queries", "rdflib", str(out), str(max(1, repeat // 2)), str(cap))
    per = {}
    for name in sorted(set(ox["queries"]) | set(rd["queries"])):
        a, r = ox["queries"].get(name, {}), rd["queries"].get(name, {})
        x = oxr["queries"].get(name, {})
        per[name] = {"oxigraph_ms": None if a.get("median_s") is None else a["median_s"] * 1000,
                     "oxrdflib_ms": None if x.get("median_s") is None else x["median_s"] * 1000,
                     "rdflib_ms": None if r.get("median_s") is None else r["median_s"] * 1000,
                     "kg_query_ms": None if a.get("kg_query_s") is None else a["kg_query_s"] * 1000,
                     "rows": a.get("rows"), "note": "; ".join(filter(None, [
                         a.get("note") and f"Oxigraph: {a['note']}", r.get("note") and f"rdflib: {r['note']}"]))}
        if per[name]["oxigraph_ms"] and per[name]["rdflib_ms"]:
            per[name]["speedup"] = per[name]["rdflib_ms"] / per[name]["oxigraph_ms"]
    return {"triples": b["triples"], "build_s": b["seconds"], "build_peak_mb": b["peak_mb"],
            "oxigraph_open_s": ox["load_seconds"], "rdflib_parse_s": rd["load_seconds"],
            "oxigraph_peak_mb": ox["peak_mb"], "rdflib_peak_mb": rd["peak_mb"], "cap_s": cap, "queries": per}


def section_incremental(work: Path, docs: int, runs: int = 1) -> dict:
    """Change one document of `docs`: rebuilds with the cache against a full build. `runs` rebuilds,
    each after another document changed (a line added), give the median and every time."""
    from benchmarks.corpus import generate

    corpus = work / f"corpus-{docs}docs"
    if not corpus.is_dir():
        generate(corpus, docs * 0.0145, seed=13)  # ~14.5 kB per document
        files = sorted(corpus.glob("*.txt"))
        for extra in files[docs:]:
            extra.unlink()
    files = sorted(corpus.glob("*.txt"))
    cache = work / f"cache-{docs}"
    import shutil

    shutil.rmtree(cache, ignore_errors=True)
    full = run_child("build", str(corpus), str(work / f"inc{docs}.ttl"), "2", "1", str(cache))
    got = []
    for r in range(max(1, runs)):
        victim = files[(len(files) // 2 + r) % len(files)]
        victim.write_text(victim.read_text(encoding="utf-8") + "\nSmall and micro enterprises may defer tax payments.\n",
                          encoding="utf-8")
        got.append(run_child("build", str(corpus), str(work / f"inc{docs}.ttl"), "2", "1", str(cache)))
    inc = sorted(got, key=lambda x: x["seconds"])[len(got) // 2]
    return {"documents": len(files), "triples": inc["triples"], "full_s": full["seconds"],
            "incremental_s": inc["seconds"], "cached": inc["cached"], "ratio": inc["seconds"] / full["seconds"],
            "runs": len(got), "all_incremental_s": sorted(round(x["seconds"], 2) for x in got),
            "store_load": inc["store_load"], "incremental_stages": inc["timings"], "full_stages": full["timings"],
            "full_peak_mb": full["peak_mb"], "incremental_peak_mb": inc["peak_mb"]}


# --- the table ----------------------------------------------------------------------------------

def _fmt(v, nd=2):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def table(res: dict) -> str:
    runs = max((r.get("runs", 1) for r in res.get("throughput", [])), default=1)
    lines = ["## Build throughput (synthetic: recombined corpus/ paragraphs; real: whole documents repeated; "
             f"median of {runs} run(s))", "",
             "| corpus | files | triples | triples/MB | triples/link (/mention) | evidence share | tokenizer MB/s (1 proc) "
             "| build MB/s | triples/s | build ÷ tokenizer | without store ÷ tokenizer | store share of wall "
             "| peak MB | store ÷ Turtle-only | 2 proc speed-up | identical |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in res.get("throughput", []):
        lines.append(f"| {r['mb']:.1f} MB {r.get('corpus', 'synthetic')} | {r['files']} | {r['triples']} | "
                     f"{_fmt(r.get('triples_per_mb'), 0)} | {_fmt(r.get('triples_per_link'), 1)} "
                     f"({_fmt(r.get('triples_per_mention'), 1)}) | "
                     f"{_fmt(r.get('evidence_share'))} | {_fmt(r['tokenizer_mb_s'])} | "
                     f"{_fmt(r['build_mb_s'], 3)} | {_fmt(r['triples_s'], 0)} | {_fmt(r['build_over_tokenizer'], 1)} | "
                     f"{_fmt(r.get('turtle_only_over_tokenizer'), 1)} | {_fmt(r.get('store_share'))} | "
                     f"{_fmt(r['peak_mb'], 0)} | {_fmt(r['store_over_turtle_only'])} | "
                     f"{_fmt(r.get('speedup_two_processes'))} | {_fmt(r.get('identical_1_vs_n_processes'))} |")
        st = r.get("stages", {})
        lines.append("|  stages (s) | | | | | | | " + ", ".join(f"{k} {v:.1f}" for k, v in st.items())
                     + " | | | | | | | | |")
    for q in res.get("queries", []):
        lines += ["", f"## Named queries on {q['triples']} triples (median ms; cap {q['cap_s']:g} s; "
                  f"Oxigraph open {q['oxigraph_open_s']:.2f} s / rdflib parse {q['rdflib_parse_s']:.1f} s; "
                  f"peak MB {q['oxigraph_peak_mb']:.0f} / {q['rdflib_peak_mb']:.0f})", "",
                  "| query | rows | Oxigraph ms | oxrdflib ms | rdflib ms | rdflib ÷ Oxigraph | `kg query` on the store ms "
                  "| note |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, v in q["queries"].items():
            lines.append(f"| {name} | {_fmt(v['rows'])} | {_fmt(v['oxigraph_ms'], 0)} | {_fmt(v.get('oxrdflib_ms'), 0)} | "
                         f"{_fmt(v['rdflib_ms'], 0)} | {_fmt(v.get('speedup'), 1)} | {_fmt(v.get('kg_query_ms'), 0)} | "
                         f"{v['note']} |")
    inc = res.get("incremental")
    if inc:
        lines += ["", "## Incremental rebuild", "",
                  f"1 document of {inc['documents']} changed: {inc['incremental_s']:.1f} s (median of "
                  f"{inc.get('runs', 1)}: {inc.get('all_incremental_s', [])}) against a full build "
                  f"of {inc['full_s']:.1f} s = {inc['ratio'] * 100:.0f} % ({inc['cached']} documents from the cache, "
                  f"store {inc.get('store_load') or '—'}; stages: "
                  + ", ".join(f"{k} {v:.1f} s" for k, v in inc["incremental_stages"].items()) + ")"]
    from benchmarks.formats import table as formats_table

    lines += formats_table(res["formats"]) if "formats" in res else []
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="1,5,20", help="corpus sizes in MB (default 1,5,20)")
    ap.add_argument("--query-triples", default="100000,1000000", help="graph sizes for the query latencies")
    ap.add_argument("--incremental-docs", type=int, default=1000, help="corpus size for the incremental rebuild")
    ap.add_argument("--repeat", type=int, default=5, help="runs per query (median)")
    ap.add_argument("--cap", type=float, default=60.0, help="seconds after which one query is stopped")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3, help="builds and tokenizer passes per throughput figure, rebuilds for the incremental one (median)")
    ap.add_argument("--real-sizes", default="5", help="sizes in MB of the real-text corpus (corpus/ and "
                    "../shared/extra/ repeated with distinct numbers; default 5, '' for none)")
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "bench", help="folder for corpora and graphs")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--query-mb", default="", help="corpus sizes in MB for the query graphs (default: from a probe)")
    ap.add_argument("--turtle-only-max-mb", type=float, default=5,
                    help="largest corpus also built without the store (the rdflib/Turtle-only path)")
    ap.add_argument("--probe-mb", type=float, default=0.2, help="corpus size that measures triples per MB")
    ap.add_argument("--in-process", action="store_true", help="no subprocess per measurement (for the smoke test)")
    ap.add_argument("--skip", default="", help="comma-separated sections to skip: throughput,queries,incremental,formats")
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(CHILDREN[a.child[0]](a.child[1:])))
        return 0
    global IN_PROCESS
    IN_PROCESS = a.in_process
    a.work.mkdir(parents=True, exist_ok=True)
    skip = set(filter(None, a.skip.split(",")))
    res: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                             "platform": platform.platform()}, "started": time.strftime("%Y-%m-%d %H:%M:%S")}

    def save():
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")

    if "throughput" not in skip:
        res["throughput"] = []
        for i, size in enumerate(float(s) for s in a.sizes.split(",") if s):
            print(f"throughput: {size:g} MB …", file=sys.stderr, flush=True)
            res["throughput"].append(section_throughput(a.work, size, a.workers, compare_workers=i == 0,
                                                        turtle_only_max_mb=a.turtle_only_max_mb, runs=a.runs))
            save()
        for size in (float(s) for s in a.real_sizes.split(",") if s):
            print(f"throughput: {size:g} MB of real text …", file=sys.stderr, flush=True)
            res["throughput"].append(section_throughput(a.work, size, a.workers, compare_workers=False,
                                                        turtle_only_max_mb=a.turtle_only_max_mb, kind="real",
                                                        runs=a.runs))
            save()
    if "queries" not in skip:
        sizes = [float(x) for x in a.query_mb.split(",") if x] if a.query_mb else []
        query_mb = dict(zip((int(t) for t in a.query_triples.split(",") if t), sizes, strict=False))
        res["queries"] = []
        for target in (int(t) for t in a.query_triples.split(",") if t):
            print(f"queries: ~{target} triples …", file=sys.stderr, flush=True)
            res["queries"].append(section_queries(a.work, target, a.repeat, a.cap, a.probe_mb,
                                                  query_mb.get(target)))
            save()
    if "incremental" not in skip:
        print(f"incremental: 1 of {a.incremental_docs} documents …", file=sys.stderr, flush=True)
        res["incremental"] = section_incremental(a.work, a.incremental_docs, runs=a.runs)
        save()
    if "formats" not in skip:
        from benchmarks.formats import section_formats

        print("formats: .txt, .html, .pdf, .docx …", file=sys.stderr, flush=True)
        res["formats"] = section_formats(a.work, repeat=min(a.repeat, 3))
        save()
    res["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    save()
    print(table(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
