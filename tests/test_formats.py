"""HTML pages, PDF and Word files (kg.text.sources): the text read, what is refused and why, and the
same policy in four formats giving the same measures and links, with evidence found in the kept text."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from kg.errors import InputError
from kg.namespaces import OA, SCHEMA, SMEKG
from kg.text.extract import extract_source, links
from kg.text.read import read_source

_spec = importlib.util.spec_from_file_location("formats_make", Path(__file__).parent / "data" / "formats" / "make.py")
make = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make)

GENRE = Path(__file__).parent / "data" / "genre"
POLICIES = {"zh": GENRE / "zh_mof_sat_2019_13_tax_relief.txt", "en": GENRE / "en_pbc_2020_deferral_notice.txt"}
CHROME = ("首页", "当前位置", "索 引 号", "分享到", "【打印】", "主办单位", "京ICP备", "扫一扫", "相关稿件", "微博",
          "Home", "Share:", "Copyright", "Related Stories", "Scan the QR", "Updated:", "Font size", "Facebook")


def _policy(lang: str) -> str:
    return POLICIES[lang].read_text(encoding="utf-8")


def _four(folder: Path, lang: str) -> dict[str, Path]:
    text = _policy(lang)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{lang}.txt").write_text(text, encoding="utf-8")
    return {"txt": folder / f"{lang}.txt", "html": make.write_html(folder / f"{lang}.html", text, lang),
            "pdf": make.write_pdf(folder / f"{lang}.pdf", text, lang),
            "docx": make.write_docx(folder / f"{lang}.docx", text)}


def _view(record) -> list[tuple]:
    """Per measure: its number and links (property, concept); the title, number and date of the document."""
    meta = record.meta
    return [(meta.title, meta.doc_number, meta.date)] + [
        (m.number, frozenset((ln.prop, ln.mention.notation) for ln in links(record, m)))
        for m in record.measures()]


# --- the same policy in four formats -------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_formats_the_same_policy_as_txt_html_pdf_docx_gives_the_same_measures_and_links(tmp_path, lang):
    files = _four(tmp_path, lang)
    views = {kind: _view(extract_source(read_source(p))) for kind, p in files.items()}
    assert len(views["txt"]) > 3 and any(links for _, links in views["txt"][1:])
    for kind in ("html", "pdf", "docx"):
        assert views[kind] == views["txt"], kind


def test_formats_every_evidence_quote_is_found_at_its_offsets_in_the_kept_text(tmp_path):
    from kg.build import build_graph

    for lang in ("zh", "en"):
        _four(tmp_path, lang)
    g, report = build_graph([tmp_path], workers=1)
    assert len(report.built) == 8 and not report.skipped
    kinds = {}
    for doc in g.subjects(RDF.type, SMEKG.PolicyDocument):
        name = str(g.value(doc, DCTERMS.source))
        media = str(g.value(doc, DCTERMS["format"]))
        kinds[Path(name).suffix] = media
        kept = g.value(doc, SCHEMA.text)
        if media == "text/plain":
            assert kept is None  # the file itself is the text read
            text = read_source(tmp_path / name).text
        else:
            text = str(kept)
            assert text == read_source(tmp_path / name).text
        checked = 0
        for target in g.subjects(OA.hasSource, doc):
            sels = list(g.objects(target, OA.hasSelector))
            start = next(g.value(s, OA.start) for s in sels if g.value(s, OA.start) is not None)
            end = next(g.value(s, OA.end) for s in sels if g.value(s, OA.end) is not None)
            exact = next(g.value(s, OA.exact) for s in sels if g.value(s, OA.exact) is not None)
            assert text[int(start):int(end)] == str(exact), (name, start, end, exact)
            checked += 1
        assert checked > 5, name
    assert kinds == {".txt": "text/plain", ".html": "text/html", ".pdf": "application/pdf",
                     ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    # the encoding is said where there is one
    pdf = next(d for d in g.subjects(DCTERMS.source, Literal("zh.pdf")))
    assert g.value(pdf, SMEKG.encoding) is None
    html = next(d for d in g.subjects(DCTERMS.source, Literal("zh.html")))
    assert g.value(html, SMEKG.encoding) == Literal("utf-8")
    assert isinstance(pdf, URIRef)


# --- HTML ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_formats_html_main_text_keeps_paragraphs_and_leaves_the_page_chrome(tmp_path, lang):
    src = read_source(make.write_html(tmp_path / "page.html", _policy(lang), lang))
    want = [ln.strip() for ln in _policy(lang).splitlines() if ln.strip()]
    assert src.text.splitlines() == want  # one paragraph per line, the title first, nothing else
    assert not [c for c in CHROME if c in src.text]
    assert src.media_type == "text/html" and src.encoding == "utf-8"


def test_formats_html_page_metadata_are_candidates_not_text(tmp_path):
    src = read_source(make.write_html(tmp_path / "page.html", _policy("zh"), "zh"))
    meta = dict(src.page_meta)
    assert meta["pubdate"] == "2019-01-18 08:00" and meta["contentsource"] == "财政部网站"
    assert meta["issuer"] == "财政部" and meta["number"] == "财税〔2019〕13号" and meta["written"] == "2019年01月17日"
    assert "2019-01-18" not in src.text and "成文日期" not in src.text
    record = extract_source(src)
    assert record.meta.date != "2019-01-18"  # a page's date is not the issue date


def test_formats_html_follows_the_declared_charset_then_detection(tmp_path):
    text = _policy("zh")
    gbk = read_source(make.write_html(tmp_path / "gbk.shtml", text, "zh", charset="gbk"))
    assert gbk.encoding == "gb18030" and "小微企业" in gbk.text
    # declared UTF-8 but saved as GB18030: the declaration is wrong, detection decides
    page = make.gov_page(text, "zh", charset="utf-8").encode("gb18030")
    (tmp_path / "lies.htm").write_bytes(page)
    lies = read_source(tmp_path / "lies.htm")
    assert lies.encoding == "gb18030" and "小微企业" in lies.text


def test_formats_html_content_is_read_as_html_whatever_the_name(tmp_path):
    p = tmp_path / "notice.txt"
    p.write_text("<html><body><p>关于支持小微企业的通知</p><p>一、加大信贷支持。</p></body></html>", encoding="utf-8")
    src = read_source(p)
    assert src.media_type == "text/html" and src.text == "关于支持小微企业的通知\n一、加大信贷支持。\n"
    plain = tmp_path / "plain.txt"  # text that mentions a tag is still text
    plain.write_text("Notice\nUse <html> tags in reports.\n", encoding="utf-8")
    assert read_source(plain).media_type == "text/plain"


def test_formats_html_without_any_text_is_refused(tmp_path):
    p = tmp_path / "blank.html"
    p.write_text("<!DOCTYPE html><html><head><script>x()</script></head><body> </body></html>", encoding="utf-8")
    with pytest.raises(InputError, match="HTML page without text"):
        read_source(p)


# --- PDF -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_formats_pdf_text_layer_keeps_every_character(tmp_path, lang):
    src = read_source(make.write_pdf(tmp_path / "p.pdf", _policy(lang), lang))
    flat = re.sub(r"\s+", "", re.sub(r"- \d+ -", "", src.text))
    assert flat == re.sub(r"\s+", "", _policy(lang))
    assert src.media_type == "application/pdf" and src.encoding == "" and src.read_as == "PDF text layer"


def test_formats_scanned_and_encrypted_pdfs_are_skipped_with_the_reason(tmp_path):
    with pytest.raises(InputError, match="without a text layer.*OCR is not done"):
        read_source(make.write_scanned_pdf(tmp_path / "scan.pdf"))
    with pytest.raises(InputError, match="encrypted PDF: a password is needed"):
        read_source(make.write_encrypted_pdf(tmp_path / "locked.pdf", _policy("en")))
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ntrailer\n%%EOF\n")
    with pytest.raises(InputError, match="PDF"):
        read_source(tmp_path / "broken.pdf")


def test_formats_pdf_with_only_an_owner_password_is_read(tmp_path):
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    enc = pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=0, strength=128)
    c = canvas.Canvas(str(tmp_path / "owner.pdf"), encrypt=enc, invariant=1)
    c.drawString(50, 780, "Small and micro enterprises receive credit loans from banks.")
    c.showPage()
    c.save()
    assert "credit loans" in read_source(tmp_path / "owner.pdf").text


# --- Word ----------------------------------------------------------------------------------------

def test_formats_docx_reads_body_paragraphs_and_tables_not_headers(tmp_path):
    import docx

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "HEADER FURNITURE"
    d.add_paragraph("Notice on credit loans")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Instrument", "Quota"
    table.cell(1, 0).text, table.cell(1, 1).text = "Re-lending", "RMB 400 billion"
    d.add_paragraph("I. Banks shall increase credit loans.")
    d.save(tmp_path / "a.docx")
    src = read_source(tmp_path / "a.docx")
    assert src.text == ("Notice on credit loans\nInstrument\tQuota\nRe-lending\tRMB 400 billion\n"
                        "I. Banks shall increase credit loans.\n")


def test_formats_word_files_that_are_not_docx_say_so(tmp_path):
    (tmp_path / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    with pytest.raises(InputError, match="legacy Word .doc"):
        read_source(tmp_path / "old.docx")
    (tmp_path / "zip.docx").write_bytes(b"PK\x05\x06" + bytes(18))
    with pytest.raises(InputError, match="damaged or unreadable .docx"):
        read_source(tmp_path / "zip.docx")


TRADITIONAL_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>關於支持小微企業的通知_政府信息公開</title>
<meta name="PubDate" content="2021-11-22 17:00"></head><body>
<div class="nav"><a href="/">首頁</a> &gt; <a>政策</a> &gt; 正文</div>
<table><tr><td>發文機關：</td><td>國務院辦公廳</td><td>成文日期：</td><td>2021年11月10日</td></tr>
<tr><td>發文字號：</td><td>國辦發〔2021〕45號</td><td>發布日期：</td><td>2021年11月22日</td></tr></table>
<div class="article"><h1>國務院辦公廳關於支持小微企業的通知</h1>
<p>各省、自治區、直轄市人民政府：</p>
<p>　　一、加大信用貸款投放。各地要加大對小微企業信用貸款投放力度。</p>
<p>　　二、運用支小再貸款。人民銀行運用再貸款支持小微企業。</p>
<p>國務院辦公廳</p><p>2021年11月10日</p></div>
<div class="footer">版權所有 | 京ICP備05070218號</div></body></html>"""


def test_formats_html_metadata_table_in_traditional_script_gives_number_and_date_not_measures(tmp_path):
    """A traditional-script government page: its metadata table (發文字號, 成文日期) is read as candidates
    for the number and date the text does not print, and never cuts the body (its date is not the
    signature); the page's publication date (發布日期, PubDate) is never the issue date."""
    page = tmp_path / "page.html"
    page.write_text(TRADITIONAL_PAGE, encoding="utf-8")
    src = read_source(page)
    assert "發文機關" not in src.text and "國務院辦公廳關於支持小微企業的通知" in src.text
    rec = extract_source(src)
    assert rec.meta.doc_number == "国办发〔2021〕45号"
    assert rec.meta.date == "2021-11-10"
    assert [m.number for m in rec.measures()] == ["一、", "二、"]
    codes = {ln.mention.notation for m in rec.measures() for ln in links(rec, m)}
    assert {"CREDIT_LOAN", "RELENDING", "SMALL_MICRO"} <= codes
