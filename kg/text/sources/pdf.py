"""PDF files: the text layer, page by page, with pypdf (no OCR).

pypdf was measured against pypdfium2 and pdfminer.six on generated Chinese (CID font, as many
government PDFs are made) and English policies (README "Formats"): it kept every character of both,
where pypdfium2 lost a full stop standing alone on a line, and it is 5-8x faster than pdfminer.six;
it is pure Python. Lines come as the PDF lays them out: hard wraps and page numbers are left to
kg.text.normalise, and pages are joined by a newline.

Refused with a reason: an encrypted PDF that needs a password (one with only an owner password, an
empty user password, is read), a PDF without a text layer (a scan: too few characters per page),
a damaged file.
"""

from __future__ import annotations

import io
import logging

from kg.errors import InputError

MIN_CHARS_PER_PAGE = 20  # fewer visible characters than this per page on average: no text layer


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, one line per line of print; InputError when it cannot be read."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about malformed objects are noise here
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        _unlock(reader)
        pages = [(page.extract_text() or "") for page in reader.pages]
    except InputError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
        raise InputError(f"damaged or unreadable PDF ({type(e).__name__}: {_first_line(e)})") from None
    text = "\n".join(p.strip("\n") for p in pages).replace("\x00", " ")
    visible = sum(1 for ch in text if not ch.isspace())
    if not pages or visible < MIN_CHARS_PER_PAGE * len(pages):
        raise InputError(f"PDF without a text layer ({visible} characters on {len(pages)} page(s): "
                         "a scan? OCR is not done)")
    return text.strip("\n") + "\n"


def _unlock(reader) -> None:
    """Open an encrypted PDF with the empty user password, or refuse it."""
    if not reader.is_encrypted:
        return
    from pypdf.errors import DependencyError

    try:
        ok = reader.decrypt("")
    except DependencyError as e:
        raise InputError(f"encrypted PDF that cannot be decrypted here ({_first_line(e)})") from None
    except Exception as e:  # pypdf raises several kinds on broken encryption dictionaries
        raise InputError(f"encrypted PDF ({_first_line(e)})") from None
    if not ok:
        raise InputError("encrypted PDF: a password is needed to open it")


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]
