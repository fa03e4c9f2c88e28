"""bytes + headers → decoded text → document → report. The one entry point ingest uses.

>>> result = parse_capture(b"<html><title>x</title><body>hello</body></html>",
...                        "text/html", "http://127.0.0.1/a.html")
>>> result.report.is_report, result.report.reason
(False, 'title_not_report:x')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import PARSER_VERSION, ocr
from .convert import ConvertError, doc_to_docx, fallback_text
from .decode import Decoded, decode
from .extract import EXTRACTOR_VERSION, Document, from_docx, from_html, from_pdf, from_text
from .limits import MAX_PARSE_BYTES
from .ofd import from_ofd
from .repair import repair_text
from .report import Report, parse_report

NOT_PARSED_KINDS = {"xls", "xlsx", "zip", "rar"}


@dataclass
class Parsed:
    kind: str
    report: Report | None = None
    decoded: Decoded | None = None
    original_text: str | None = None
    flags: list[str] = field(default_factory=list)
    extractor: str = EXTRACTOR_VERSION
    parser: str = PARSER_VERSION


def sniff_kind(body: bytes, content_type: str | None, url: str) -> str:
    """What the bytes are, trusting magic numbers over the MIME type and the URL."""
    head = body[:8]
    ext = re.sub(r"[?#].*$", "", url).rsplit(".", 1)[-1].lower() if "." in url else ""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):  # a zip container: DOCX, OFD or an archive
        if ext == "ofd" or b"OFD.xml" in body[:4000] or "ofd" in (content_type or ""):
            return "ofd"
        if ext == "docx" or "word" in (content_type or "") or b"word/" in body[:4000]:
            return "docx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "wps" if ext == "wps" else "doc"
    if ext == "ofd":
        return "ofd"
    if head.startswith((b"\x89PNG", b"\xff\xd8", b"GIF8")):
        return "image"
    ctype = (content_type or "").lower()
    if "html" in ctype or re.search(rb"<(!doctype|html|head|body|meta|div|p)\b", body[:2048], re.I):
        return "html"
    if ctype.startswith("text/") or ext in ("txt", "text"):
        return "text"
    return "binary"


def parse_capture(body: bytes, content_type: str | None, url: str) -> Parsed:
    """Parse one captured body. Never raises: failures come back as flags."""
    kind = sniff_kind(body, content_type, url)
    parsed = Parsed(kind=kind)
    if kind in NOT_PARSED_KINDS or kind == "binary":
        parsed.flags.append(f"not_parsed:{kind}")
        return parsed
    if len(body) > MAX_PARSE_BYTES:
        parsed.flags.append(f"too_large:{len(body)}")
        return parsed
    try:
        doc = _document(body, content_type, url, kind, parsed)
        parsed.report = parse_report(doc)
        ocr.settle(parsed.report, doc)  # OCR'd cells: confidence flags, weak ones NULL
    except Exception as exc:  # a bad capture must never stop ingest
        parsed.flags.append(f"parse_error:{type(exc).__name__}:{str(exc)[:200]}")
    return parsed


def _document(body: bytes, content_type: str | None, url: str, kind: str,
              parsed: Parsed) -> Document:
    if kind == "pdf":
        return ocr.with_scanned_pages(from_pdf(body), body)  # image-only pages by OCR
    if kind == "docx":
        return from_docx(body)
    if kind in ("doc", "wps"):
        return _word97(body, kind)
    if kind == "ofd":
        return from_ofd(body)
    if kind == "image":
        return ocr.from_image_bytes(body)
    decoded = decode(body, content_type)
    text, repairs = repair_text(decoded.text)
    if repairs:
        parsed.original_text = decoded.text
        decoded = Decoded(text, decoded.encoding, decoded.method, decoded.header_charset,
                          decoded.meta_charset, decoded.replacements, tuple(repairs))
    parsed.decoded = decoded
    if decoded.replacements:
        parsed.flags.append(f"undecodable_bytes:{decoded.replacements}")
    return from_html(text, url) if kind == "html" else from_text(text)


def _word97(body: bytes, kind: str) -> Document:
    """DOC/WPS through LibreOffice into the DOCX reader; what LibreOffice rejects (or
    does not finish in time) is read as plain text, flagged why."""
    try:
        doc = from_docx(doc_to_docx(body))
        doc.kind = kind
        doc.flags.append("converted:soffice")
        return doc
    except ConvertError as exc:
        problem = exc.problem
    text, how = fallback_text(body)
    doc = from_text(text)
    doc.kind = kind
    doc.flags += [problem, f"text_only:{how}"]
    return doc
