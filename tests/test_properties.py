"""Property-based tests (hypothesis): whatever text or bytes come in, the whole pipeline
(read -> clean -> link -> metadata -> segment -> graph -> Turtle -> strict re-parse) raises nothing
but a clean InputError for non-text, keeps every offset true and writes a valid graph.

Example counts are moderate so the suite stays fast; raise them with HYPOTHESIS_PROFILE=thorough.
"""

from __future__ import annotations

import codecs
import os

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from kg.errors import InputError
from kg.model import Source
from kg.namespaces import OA, SMEKG
from kg.rdf.graph import assemble
from kg.rdf.ntriples import nt_rows, ntriples_bytes
from kg.rdf.turtle import turtle_bytes
from kg.text.extract import extract_source, links
from kg.text.read import decode

settings.register_profile("default", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# pieces of the genre, and of what breaks parsers, that random text alone would rarely produce
PIECES = [
    # numbering markers of both languages
    "1.", "2．", "3 ", "(1)", "（一）", "(I)", "II.", "一、", "二、", "第一条", "第十二条", "第三章", "first,",
    "Article 3", "Chapter II", "（二）", "8.", "IV.",
    # vocabulary that the lexicon links
    "中小企业", "小微企业", "信用贷款", "融资担保", "再贷款", "减税降费", "工业和信息化部", "中国人民银行", "财政部",
    "湖北", "除湖北外", "专精特新", "small and micro enterprises", "credit loans", "re-lending",
    "financing guarantee", "Ministry of Finance", "People's Bank of China", "tax relief", "Hubei",
    "excluding Hubei", "large enterprises", "state-owned enterprises", "intellectual property pledge",
    # metadata
    "2020年2月9日", "9 February 2020", "工信明电〔2020〕14号", "Gong Xin Bu [2020] No. 72", "30%", "71.7 %",
    "Notice on", "关于", "的通知", "各省、自治区、直辖市：", "To all provinces:",
    # quotes, markup, escapes
    '"', "'", "“", "”", "‘", "’", "「", "」", "</script>", "<script>alert(1)</script>", "<b>", "&amp;", "\\",
    "\\u0000", '"""', "'''", "@prefix", "<http://x/>", "_:b0", "#", "%", "{{", "}}",
    # separators and control characters (NUL included: the reader blanks it)
    "\n", "\r", "\r\n", "\n\n", "\t", " ", "\u3000", "\u00a0", "\u2028", "\u2029", "\u0085", "\x0b", "\x0c",
    "\x00", "\x01", "\x1b", "\x7f", "\ufeff", "\ufffd", "\u200b", "。", "；", "：", ".", ";", ":", "!", "?",
    "…", "——", "-", "𠮷", "㎡", "ﬁ", "Ⅳ",
]

texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=80).map("".join)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "gb18030"]


def whole_pipeline(data: bytes, name: str = "random.txt") -> None:
    """Bytes as a file's contents through every stage; asserts what must hold for any input."""
    import hashlib

    try:
        text, encoding = decode(data)
    except InputError as e:
        assert str(e) and "\n" not in str(e)  # a one-line reason
        return
    assert text.strip() and "\x00" not in text
    src = Source(name=name, path=name, text=text, encoding=encoding, sha256=hashlib.sha256(data).hexdigest(),
                 size=len(data))
    rec = extract_source(src)
    assert rec.source.raw_text == text
    text = rec.source.text  # offsets inside kg point into the canonical text (kg.text.normalise)
    n = len(text)
    for u in rec.units:
        assert 0 <= u.start < u.end <= n
        assert "\n" not in text[u.start:u.end] and "\r" not in text[u.start:u.end]  # units stay inside a line
    for m in rec.mentions:
        assert text[m.start:m.end] == m.exact
    for seg in rec.measures():
        for ln in links(rec, seg):
            assert text[ln.mention.start:ln.mention.end] == ln.mention.exact

    g = assemble([rec], with_ontology=False)
    docs = list(g.subjects(RDF.type, SMEKG.PolicyDocument))
    assert len(docs) == 1
    assert g.value(docs[0], DCTERMS.source) == Literal(name)
    assert str(g.value(docs[0], SMEKG.encoding)) == encoding
    measures = set(g.subjects(RDF.type, SMEKG.Measure))
    assert len(measures) == len(rec.measures())
    raw = rec.source.raw_text  # published offsets point into the text as read
    for sel in g.subjects(RDF.type, OA.TextPositionSelector):
        target = g.value(predicate=OA.hasSelector, object=sel)
        quote = next(q for q in g.objects(target, OA.hasSelector) if q != sel)
        a, b = int(g.value(sel, OA.start)), int(g.value(sel, OA.end))
        assert raw[a:b] == str(g.value(quote, OA.exact))
    for m in measures:
        assert isinstance(m, URIRef) and str(m).startswith(str(docs[0]) + "/")

    rows = nt_rows(g)
    for blob, fmt in ((turtle_bytes(rows), pyoxigraph.RdfFormat.TURTLE),
                      (ntriples_bytes(rows), pyoxigraph.RdfFormat.N_TRIPLES)):
        store = pyoxigraph.Store()
        store.load(blob, format=fmt)  # strict: an invalid IRI, escape or literal raises
        assert len(store) == len(g)


@pytest.fixture(scope="module", autouse=True)
def _warm():
    """Compile both lexicons once, outside the timed examples."""
    from kg.text.lexicon import lexicon

    lexicon("en")
    lexicon("zh")


@given(texts)
def test_prop_random_text_goes_through_the_whole_pipeline(text):
    whole_pipeline(text.encode("utf-8"))


@given(texts, st.sampled_from(ENCODINGS))
def test_prop_random_text_in_any_encoding_goes_through_the_whole_pipeline(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    whole_pipeline(data, name=f"{encoding}.txt")


@given(st.lists(texts, min_size=2, max_size=3))
def test_prop_several_random_documents_assemble_into_one_valid_graph(docs):
    """Cross-document stages (language versions aligned, citations) see random neighbours too."""
    import hashlib

    records = []
    for i, text in enumerate(docs):
        try:
            decoded, enc = decode(text.encode("utf-8"))
        except InputError:
            continue
        data = decoded.encode("utf-8")
        records.append(extract_source(Source(name=f"d{i}.txt", path=f"d{i}.txt", text=decoded, encoding=enc,
                                             sha256=hashlib.sha256(data).hexdigest(), size=len(data))))
    if not records:
        return
    g = assemble(records, with_ontology=False)
    assert len(set(g.subjects(RDF.type, SMEKG.PolicyDocument))) == len(records)
    store = pyoxigraph.Store()
    store.load(turtle_bytes(nt_rows(g)), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) == len(g)
    # records in another order give the same graph
    assert turtle_bytes(nt_rows(assemble(records[::-1], with_ontology=False))) == turtle_bytes(nt_rows(g))


prefixes = st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
                            b"%PDF-1.7\n", b"PK\x03\x04", b"\x00A\x00B", b"A\x00B\x00", "中小企业".encode("gb18030"),
                            "中小企業".encode("big5")])


@given(prefixes, st.binary(max_size=3000))
def test_prop_random_bytes_are_refused_in_one_line_or_go_through_the_whole_pipeline(prefix, data):
    whole_pipeline(prefix + data)


printable = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), min_size=1, max_size=200)


@given(printable, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_prop_unicode_encodings_round_trip_exactly(text, encoding):
    if not text.strip() or text.startswith("\ufeff"):
        return
    got, used = decode(text.encode(encoding))
    assert got == text
    assert used == {"utf-16": "utf-16-le", "utf-32": "utf-32-le"}.get(encoding, encoding)


chinese = st.text(st.sampled_from("关于进一步支持中小企业融资担保贷款的通知各省自治区直辖市工业和信息化部财政部湖北"
                                  "一二三四五六七八九十、，。；：“”（）〔〕号年月日"
                                  "0123456789 \n"), min_size=4, max_size=300)


@given(chinese)
def test_prop_chinese_text_in_gb18030_round_trips(text):
    if not text.strip():
        return
    data = text.encode("gb18030")
    try:  # a few GB bytes can be valid UTF-8 as well ("直" is D6 B1, Hebrew U+05B1): UTF-8 comes first
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        assert decode(data) == (text, "gb18030")
    else:
        assert decode(data) == (as_utf8, "utf-8")
