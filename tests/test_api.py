"""The public API in kg/__init__.py: every name it promises is there, and `import kg` stays light."""

import subprocess
import sys

import kg


def test_api_every_public_name_resolves():
    for name in kg.__all__:
        assert getattr(kg, name) is not None, name


def test_api_import_is_light():
    code = "import sys, kg; print(sorted(m for m in ('spacy', 'rdflib', 'pyvis') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_api_builds_and_queries_the_sample_corpus(tmp_path):
    from kg.resources import data_dir

    graph, report = kg.build_graph([data_dir("corpus") / "002_65cecfdfb2946326.txt"], workers=1)
    assert report.summary()
    rows = kg.run_query(graph, "departments").rows
    assert any("MIIT" in str(r) for r in rows)
