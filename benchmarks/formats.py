"""Benchmark section "formats": the time to read each kind of file to text, per MB, beside the time
the extractor then spends on that text (kg.text.extract.extract_source).

The same documents of the shipped corpus (one Chinese, one English) are written as .txt, a government
web page (.html), a PDF (hard-wrapped, page numbers; Chinese in a CID font) and a .docx with the
fixture writers of tests/data/formats/make.py (reportlab and python-docx: the test extra), then each
file is read `repeat` times (kg.text.read.read_text, best time) and extracted once.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = {"zh": "001_deac6e865badb210.txt", "en": "003_7b45b40aa43ec948.txt"}


def _make():
    spec = importlib.util.spec_from_file_location("formats_make", ROOT / "tests" / "data" / "formats" / "make.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_formats(work: Path) -> dict[str, list[Path]]:
    """The corpus documents of DOCS in the four formats, under `work`: {format: [files]}."""
    make = _make()
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[Path]] = {"txt": [], "html": [], "pdf": [], "docx": []}
    for lang, name in DOCS.items():
        text = (ROOT / "corpus" / name).read_text(encoding="utf-8")
        stem = work / f"{lang}_{Path(name).stem}"
        txt = stem.with_suffix(".txt")
        txt.write_text(text, encoding="utf-8")
        out["txt"].append(txt)
        out["html"].append(make.write_html(stem.with_suffix(".html"), text, lang))
        out["pdf"].append(make.write_pdf(stem.with_suffix(".pdf"), text, lang))
        out["docx"].append(make.write_docx(stem.with_suffix(".docx"), text))
    return out


def section_formats(work: Path, repeat: int = 3) -> dict:
    """Per format: file MB, text MB, reading s per MB of text and of file, extraction s per MB of text."""
    from kg.model import Source
    from kg.text.extract import extract_source
    from kg.text.read import read_source, read_text

    try:
        files = write_formats(work / "formats")
    except ImportError as e:  # the fixture writers come with the test extra
        return {"note": f"skipped: {e}"}
    for p in files["txt"]:  # warm up: the lexicon and spaCy pipelines load on the first document of a language
        extract_source(read_source(p))
    res: dict = {}
    for fmt, paths in files.items():
        file_bytes = sum(p.stat().st_size for p in paths)
        read_s, text_chars, text_bytes, sources = 0.0, 0, 0, []
        for p in paths:
            data = p.read_bytes()
            best = min(_timed(read_text, p, data) for _ in range(repeat))
            read_s += best
            src: Source = read_source(p)
            sources.append(src)
            text_chars += len(src.text)
            text_bytes += len(src.text.encode("utf-8"))
        t0 = time.perf_counter()
        for src in sources:
            extract_source(src)
        extract_s = time.perf_counter() - t0
        text_mb, file_mb = text_bytes / 1e6, file_bytes / 1e6
        res[fmt] = {"files": len(paths), "file_mb": file_mb, "text_mb": text_mb, "text_chars": text_chars,
                    "read_s_per_text_mb": read_s / text_mb, "read_s_per_file_mb": read_s / file_mb,
                    "extract_s_per_text_mb": extract_s / text_mb,
                    "read_over_extract": read_s / extract_s if extract_s else None}
    return res


def _timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def table(res: dict) -> list[str]:
    if not res or "note" in res:
        return ["", f"## Reading formats: {res.get('note', 'not run') if res else 'not run'}"]
    lines = ["", "## Reading formats (the same documents as .txt, .html, .pdf, .docx)", "",
             "| format | file MB | text MB | read s / MB of text | read s / MB of file | extract s / MB of text "
             "| read ÷ extract |", "|---|---|---|---|---|---|---|"]
    for fmt, r in res.items():
        lines.append(f"| {fmt} | {r['file_mb']:.3f} | {r['text_mb']:.3f} | {r['read_s_per_text_mb']:.3f} | "
                     f"{r['read_s_per_file_mb']:.3f} | {r['extract_s_per_text_mb']:.2f} | "
                     f"{r['read_over_extract']:.3f} |")
    return lines
