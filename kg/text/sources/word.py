"""Word files: the paragraphs and tables of a .docx body, in document order, with python-docx.

One paragraph per line; a table row is one line with its cells separated by tabs (a merged cell is
written once). Headers, footers, comments and text boxes are left out: they are page furniture, not
the policy. Legacy .doc and WPS files are not read (kg.text.inputs says so).
"""

from __future__ import annotations

import io
import zipfile

from kg.errors import InputError


def docx_text(data: bytes) -> str:
    """The text of a .docx; InputError if it is not one or holds no text."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not data.startswith(b"PK"):
        raise InputError("not a .docx (Word 2007+) file: not a ZIP package"
                         + (" but a legacy Word .doc" if data.startswith(b"\xd0\xcf\x11\xe0") else ""))
    try:
        doc = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise InputError(f"damaged or unreadable .docx ({type(e).__name__}: {e})") from None
    lines = [ln for ln in _blocks(doc) if ln.strip()]
    if not lines:
        raise InputError("empty .docx (no text in its body)")
    return "\n".join(ln.strip() for ln in lines) + "\n"


def _blocks(doc):
    """The body's paragraphs and table rows as lines, in order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            yield from block.text.replace("\r", "\n").split("\n")
        elif isinstance(block, Table):
            yield from _table_lines(block)


def _table_lines(table):
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell appears once per grid column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        yield "\t".join(cells)
