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
from .decode import Decoded, bom, decode, wide_encoding
from .extract import EXTRACTOR_VERSION, Document, from_docx, from_html, from_pdf, from_text
from .limits import MAX_PARSE_BYTES, STREAM_HTML_BYTES, LimitExceeded, ZipLimitError
from .ofd import from_ofd
from .repair import repair_text
from .report import Report, parse_report
from .streamhtml import from_large_html

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
    head = _head(body)
    if "html" in ctype or (_textlike(head) and re.search(
            rb"<(!doctype|html|head|body|meta|div|p)\b", head, re.I)):
        return "html"
    if ctype.startswith("text/") or ext in ("txt", "text"):
        return "text"
    return "binary"


_DECLARED = (("pdf", "pdf"), ("wordprocessingml", "docx"), ("msword", "doc"), ("ofd", "ofd"),
             ("html", "html"), ("text/plain", "text"))


def mime_flags(kind: str, content_type: str | None) -> list[str]:
    """A declared type the bytes contradict (``mime_mismatch``), and a document type
    declared over bytes that are no document at all (``corrupt``).

    >>> mime_flags("binary", "application/pdf")
    ['mime_mismatch:declared pdf, is binary', 'corrupt:declared pdf, no pdf signature']
    >>> mime_flags("html", "text/html; charset=utf-8"), mime_flags("pdf", None)
    ([], [])
    """
    ctype = (content_type or "").lower()
    declared = next((k for word, k in _DECLARED if word in ctype), None)
    if declared is None or declared == kind or (declared, kind) == ("text", "html"):
        return []
    flags = [f"mime_mismatch:declared {declared}, is {kind}"]
    if kind == "binary" and declared in ("pdf", "docx", "doc", "ofd"):
        flags.append(f"corrupt:declared {declared}, no {declared} signature")
    return flags


MAX_CONTROL_SHARE = 0.05  # control bytes (NUL…, not tab/newline) in text: random bytes hold ~10%
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")


def _textlike(head: bytes) -> bool:
    """Whether bytes read as text: random bytes contain ``<p `` or ``<div`` one time in
    twenty, so a tag alone does not make HTML.

    >>> _textlike(b"<html><p>2023</p>"), _textlike(bytes(range(256)) * 8)
    (True, False)
    """
    return len(_CONTROL.findall(head)) <= MAX_CONTROL_SHARE * max(len(head), 1)


def _head(body: bytes) -> bytes:
    """The first bytes as ASCII-compatible text, UTF-16/UTF-32 included."""
    wide = bom(body[:4]) or (wide_encoding(body[:2048]), 0)
    if not wide[0] or wide[0] == "utf-8":
        return body[:2048]
    return body[wide[1]:8192].decode(wide[0], "replace").encode("utf-8", "replace")


def _out_of_memory(exc: BaseException | None, depth: int = 0) -> bool:
    """A MemoryError, or an exception that carries one (pdfminer wraps them)."""
    if exc is None or depth > 5:
        return False
    if isinstance(exc, MemoryError):
        return True
    inner = [exc.__cause__, exc.__context__, *(a for a in exc.args if isinstance(a, BaseException))]
    return any(_out_of_memory(e, depth + 1) for e in inner)


def parse_capture(body: bytes, content_type: str | None, url: str) -> Parsed:
    """Parse one captured body. Never raises: failures come back as flags."""
    kind = sniff_kind(body, content_type, url)
    parsed = Parsed(kind=kind, flags=mime_flags(kind, content_type))
    if kind in NOT_PARSED_KINDS or kind == "binary":
        parsed.flags.append(f"not_parsed:{kind}")
        return parsed
    if len(body) > MAX_PARSE_BYTES:
        parsed.flags.append(f"too_large:{len(body)}")
        return parsed
    try:
        doc = _document(body, content_type, url, kind, parsed)
        # the bytes lie (a PDF's page tree) or a page was over a limit and not read: the
        # capture says so, whether a report or not
        parsed.flags += [f for f in doc.flags if f.startswith(("pages:", "too_large:"))]
        parsed.report = parse_report(doc)
        ocr.settle(parsed.report, doc)  # OCR'd cells: confidence flags, weak ones NULL
    except (LimitExceeded, ZipLimitError) as exc:  # kept, flagged bomb/too_large, not parsed
        parsed.flags.append(exc.problem)
    except MemoryError:  # a parsing worker's address space is limited (limits.py)
        parsed.report = None
        parsed.flags.append("memory:parse ran out of memory")
    except Exception as exc:  # a bad capture must never stop ingest
        if _out_of_memory(exc):  # wrapped by the library it happened in
            parsed.report = None
            parsed.flags.append("memory:parse ran out of memory")
            return parsed
        if "entit" in str(exc).lower():  # libxml2 refusing an entity expansion
            parsed.flags.append("entities:entity expansion refused")
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
    if nuls := text.count("\x00"):
        text = text.replace("\x00", "")
        parsed.flags.append(f"nul_bytes:{nuls}")
    if kind != "html":
        return from_text(text)
    return from_large_html(text) if len(body) > STREAM_HTML_BYTES else from_html(text, url)


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
