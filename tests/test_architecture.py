"""The shape of the package (issue 12): packages by stage, dependencies one way, small modules.

Layers, bottom to top. A module may import from its own layer or below, never from above:

    0  kg.errors, kg.io, kg.resources, kg.namespaces, kg.model, kg.vocab   (what every stage needs)
    1  kg.text     read, normalise, clean, match, metadata, segment, link  -> DocRecord
    2  kg.rdf      DocRecord -> triples; what needs the corpus; Turtle; export; SHACL
    3  kg.store    the embedded Oxigraph store, incremental load, remote SPARQL servers
    4  kg.build    the build job: workers, cache, build report
    5  kg.sparql   named queries, safety, parameters, result formats
    6  kg.viz      network model, views, layout, HTML page, stats
    7  kg.report   the analyst's report page
    8  kg.cli      one thin module per command
    9  kg         (the public API in kg/__init__.py) and kg.__main__
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "kg"
LAYERS = {
    "kg.errors": 0, "kg.io": 0, "kg.resources": 0, "kg.namespaces": 0, "kg.model": 0, "kg.vocab": 0,
    "kg.patterns": 0,
    "kg.text": 1, "kg.rdf": 2, "kg.store": 3, "kg.build": 4, "kg.sparql": 5, "kg.viz": 6, "kg.report": 7,
    "kg.cli": 8, "kg.__main__": 9, "kg": 9,
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        parts = list(p.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _layer(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYERS:
            return LAYERS[key]
    raise AssertionError(f"{module} belongs to no layer: add its package to LAYERS and to this docstring")


def _imports(path: Path, module: str) -> set[str]:
    """Every kg module `path` imports, at module level or inside functions."""
    found = set()
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "kg"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = module.split(".") if is_pkg else module.split(".")[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            if base.split(".")[0] != "kg":
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.add(sub if sub in MODULES else base)
    return found


@pytest.mark.parametrize("module", sorted(MODULES))
def test_architecture_no_upward_import(module):
    mine = _layer(module)
    upward = sorted(m for m in _imports(MODULES[module], module) if _layer(m) > mine)
    assert not upward, f"{module} (layer {mine}) imports from a higher layer: {upward}"


def test_architecture_no_import_cycle():
    graph = {m: {i for i in _imports(p, m) if i in MODULES and i != m} for m, p in MODULES.items()}
    # a package's __init__ re-exporting its own modules is not a cycle of the code that uses it
    for m in graph:
        graph[m] = {i for i in graph[m] if not (m.startswith(i + ".") and MODULES[i].name == "__init__.py")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycle = stack[stack.index(n):] + [n]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_architecture_every_module_imports_in_a_fresh_interpreter():
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    names = [m for m in sorted(MODULES) if m != "kg.__main__"]
    done = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def _docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


@pytest.mark.parametrize("module", sorted(MODULES))
def test_architecture_module_size(module):
    path = MODULES[module]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if lines > MAX_MODULE_LINES:
        assert "Over 400 lines:" in _docstring(path), (
            f"{module} has {lines} lines (> {MAX_MODULE_LINES}): split it, or give the reason in its "
            "docstring on a line starting 'Over 400 lines:'")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_architecture_function_size(module):
    path = MODULES[module]
    doc = _docstring(path)
    long = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = node.end_lineno - node.lineno + 1
            if n > MAX_FUNCTION_LINES and f"Long function {node.name}:" not in doc:
                long.append(f"{node.name} ({n} lines)")
    assert not long, (f"{module}: functions over {MAX_FUNCTION_LINES} lines: {long}; split them, or give "
                      "the reason in the module docstring on a line 'Long function NAME: …'")


def test_architecture_every_package_says_what_it_owns():
    for init in sorted(PKG.glob("*/__init__.py")):
        if init.parent.name in ("patterns",) or init.parent.parent.name == "viz" and init.parent.name == "templates":
            continue
        doc = _docstring(init)
        assert "Owns" in doc and "must not import" in doc, (
            f"{init.relative_to(PKG.parent)}: its docstring should say what the package owns and what it must "
            "not import")
