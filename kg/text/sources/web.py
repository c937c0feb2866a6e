"""Web pages: the main text of an HTML page, one paragraph per line, and the page's metadata.

The main text is found by trafilatura (navigation, breadcrumbs, share buttons, related links and
footers are left out; measured against readability-lxml, jusText and hand rules in README "Formats").
The page's visible heading (<h1>) starts the text when the extractor left it out (it takes it as
metadata), because a policy's title is part of the document. What the page says about
itself (<title>, <meta name="ArticleTitle" | "PubDate" | "ContentSource" | …>, the label/value rows of a
metadata table such as 发文机关 / 成文日期 / 发文字号) is returned as candidates only: the document's
own text decides; a page's date is never an issue date by itself.

Encoding: the page's declaration (BOM, <meta charset>, http-equiv, XML declaration), read strictly;
if it is missing or wrong, the text decoder's order (UTF-8, GB18030, detection: kg.text.read.decode).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable

from kg.errors import InputError
from kg.text.fold import to_simplified

# <meta name=...> fields of government pages worth offering (lower-cased names)
META_FIELDS = ("articletitle", "pubdate", "contentsource", "firstimagetitle", "keywords", "description",
               "author", "source", "publishdate", "og:title", "dc.title", "dc.date", "dc.publisher")
# labels of a page's metadata table (Chinese government sites) and the field each offers
TABLE_LABELS = {"发文机关": "issuer", "发文单位": "issuer", "成文日期": "written", "发文字号": "number",
                "文号": "number", "发布日期": "published", "标题": "title", "索引号": "index", "主题分类": "topic"}
_HEAD = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*|<\?xml[^>]*>\s*)*(?:<!doctype\s+html|<html[\s>])",
                   re.I | re.S)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""\A<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_SPACES = re.compile(r"[ \t\u3000\xa0]+")


def looks_like_html(data: bytes) -> bool:
    """Whether the bytes are an HTML page (a doctype or <html> tag first), whatever the file's name."""
    return bool(_HEAD.match(data[:4096]))


def declared_charset(data: bytes) -> str | None:
    """The codec the page declares (BOM, XML declaration, <meta charset> or http-equiv), if Python knows it."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    m = _XML_ENCODING.match(data) or _CHARSET.search(data[:8192])
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    if name in ("gb2312", "gbk", "x-gbk", "gb_2312-80"):
        name = "gb18030"  # supersets: pages declared GB2312 routinely use GBK characters
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_page(data: bytes, decode: Callable[[bytes], tuple[str, str]]) -> tuple[str, str]:
    """The page as text and the codec used: the declared one if the bytes decode strictly under it,
    else `decode` (the text decoder's order)."""
    declared = declared_charset(data)
    if declared:
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            pass
    return decode(data)


def html_text(data: bytes, decode: Callable[[bytes], tuple[str, str]]) -> tuple[str, str, tuple]:
    """(main text, encoding, page-metadata candidates) of an HTML page; InputError if it has no text."""
    import lxml.html
    import trafilatura

    page, encoding = decode_page(data, decode)
    page = page.replace("\x00", " ")
    try:
        tree = lxml.html.document_fromstring(page)
    except Exception as e:  # lxml raises ParserError or ValueError on pages without any element
        raise InputError(f"HTML page without content ({e})") from None
    meta = page_metadata(tree)
    for table in _metadata_tables(tree):  # what the page says about itself is a candidate, not text
        table.drop_tree()
    body = trafilatura.extract(tree, include_comments=False, include_tables=True, favor_precision=True,
                               deduplicate=False, with_metadata=False) or _all_text(tree)
    lines = [_SPACES.sub(" ", ln).strip() for ln in body.splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise InputError("HTML page without text (no paragraph in its body)")
    title = _heading(tree)
    if title and not any(title in ln for ln in lines[:3]):
        lines.insert(0, title)
    return "\n".join(lines) + "\n", encoding, meta


def page_metadata(tree) -> tuple[tuple[str, str], ...]:
    """What the page says about itself, as (field, value) pairs in page order: <title>, the <meta>
    fields of META_FIELDS, and the label/value cells of a metadata table (TABLE_LABELS)."""
    out: list[tuple[str, str]] = []
    title = tree.findtext(".//title")
    if title and title.strip():
        out.append(("title", _SPACES.sub(" ", title).strip()))
    for m in tree.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        value = _SPACES.sub(" ", m.get("content") or "").strip()
        if name in META_FIELDS and value:
            out.append((name, value))
    for cell in tree.iter("td", "th"):
        field = TABLE_LABELS.get(_label(cell.text_content()))
        nxt = cell.getnext()
        if field and nxt is not None:
            value = _SPACES.sub(" ", nxt.text_content()).strip()
            if value:
                out.append((field, value))
    return tuple(dict.fromkeys(out))


def _label(text: str) -> str:
    """A table cell as a metadata label: no spaces or colons, in simplified characters (發文機關 is 发文机关)."""
    return to_simplified(re.sub(r"[\s\u3000:：]+", "", text))


def _metadata_tables(tree) -> list:
    """The tables of the page's metadata (two or more label cells of TABLE_LABELS), outermost first."""
    out = []
    for table in tree.iter("table"):
        labels = sum(1 for cell in table.iter("td", "th")
                     if _label(cell.text_content()) in TABLE_LABELS)
        if labels >= 2 and not any(t in table.iterancestors("table") for t in out):
            out.append(table)
    return out


def _heading(tree) -> str | None:
    for h in tree.iter("h1"):
        text = _SPACES.sub(" ", h.text_content()).strip()
        if text:
            return text
    return None


def _all_text(tree) -> str:
    """Every block of the body as a line: the fallback when the extractor finds no main text (a tiny page)."""
    from lxml.etree import strip_elements

    strip_elements(tree, "script", "style", "noscript", "template", with_tail=False)
    body = tree.find("body")
    if body is None:
        return ""
    blocks = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "br", "tr", "section", "article")
    for el in body.iter(*blocks):
        el.tail = "\n" + (el.tail or "")
    return body.text_content()
