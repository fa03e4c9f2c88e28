"""Decoded captures → ``Document``: metadata, paragraph lines and table grids.

HTML goes through trafilatura for the main text (page chrome dropped) while tables are
read from the page tree itself, because their row and column spans carry meaning.
PDF (pdfplumber) and DOCX (python-docx) land in the same model.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import lxml.html
import trafilatura
from lxml import etree

from .grid import Cell, Grid
from .limits import MAX_PAGE_CONTENT_BYTES, MAX_PDF_PAGES, LimitExceeded, check_zip, inflate
from .normalize import is_furniture, normalize_text

EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}/nianbao-0.1"
META_NAMES = ("ArticleTitle", "PubDate", "ContentSource", "SiteName", "SiteIDCode",
              "ColumnName", "ColumnType", "Keywords", "Description", "firstpublishedtime")
_BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
               "section", "article", "td", "th"}


@dataclass
class Document:
    """What a report parser reads: the same shape whatever the source format."""

    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    tables: list[Grid] = field(default_factory=list)
    kind: str = "html"
    flags: list[str] = field(default_factory=list)
    unread_pages: list[int] = field(default_factory=list)  # over a limit: no reader opens them

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _cell_text(el) -> str:
    parts: list[str] = []
    for node in el.iter():
        if node is not el and node.tag in ("br", "p", "div") and parts:
            parts.append("\n")
        if node.text and node.tag not in ("script", "style"):
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return normalize_text("".join(parts))


def _int_attr(el, name: str) -> int:
    try:
        return max(1, min(int(str(el.get(name, "1")).strip() or 1), 200))
    except ValueError:
        return 1


def html_table(table) -> Grid:
    rows = []
    for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        rows.append([
            Cell(_cell_text(td), colspan=_int_attr(td, "colspan"), rowspan=_int_attr(td, "rowspan"))
            for td in tr.xpath("./td|./th")
        ])
    return Grid.from_rows(rows)


def _block_lines(root) -> list[str]:
    """Plain text of a tree, one line per block element (the fallback extractor)."""
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    parts: list[str] = []
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag in _BLOCK_TAGS:
            parts.append("\n")
        if node.tag in ("td", "th") and parts and parts[-1] != "\n":
            parts.append("\t")
        if node.text:
            parts.append(node.text)
        if node.tail:
            parts.append(node.tail)
    return [line for line in normalize_text("".join(parts)).splitlines() if line.strip()]


def from_html(html: str, url: str | None = None) -> Document:
    """Parse an HTML page. Never raises on malformed markup; flags what went wrong."""
    doc = Document(kind="html")
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    try:
        root = lxml.html.fromstring(html or "<html></html>")
    except (etree.ParserError, ValueError) as exc:
        doc.flags.append(f"html_unparsable:{exc}")
        doc.lines = [line for line in normalize_text(html).splitlines() if line.strip()]
        return doc
    for meta in root.xpath("//meta[@name][@content]"):
        name = meta.get("name", "")
        if name in META_NAMES:
            doc.meta[name] = normalize_text(meta.get("content", "")).strip()
    title = root.xpath("string(//title)")
    doc.title = doc.meta.get("ArticleTitle") or normalize_text(title).strip()
    # innermost tables only: outer ones are page layout
    doc.tables = [html_table(t) for t in root.xpath("//table[not(.//table)]")]
    doc.lines = uncollapse(main_lines(html, root, url, doc.flags))
    return doc


def main_lines(html: str, root, url: str | None, flags: list[str]) -> list[str]:
    """Every block line of the main content.

    trafilatura finds where the main content starts and ends; the lines between are
    taken from the page itself, because trafilatura drops short repeated paragraphs —
    exactly the cells of a table flattened one per ``<p>``.
    """
    lines = _block_lines(root)
    # Only where the main content starts and ends is needed: tables are read from the
    # tree anyway, and trafilatura's fallback comparisons add time, not anchors.
    text = trafilatura.extract(html, url=url, include_tables=False, favor_recall=True,
                               include_comments=False, deduplicate=False, fast=True)
    main = [line for line in normalize_text(text or "").splitlines() if len(line.strip()) > 4]
    index = {line.strip(): i for i, line in reversed(list(enumerate(lines)))}
    first = next((index[m.strip()] for m in main if m.strip() in index), None)
    last_index = {line.strip(): i for i, line in enumerate(lines)}
    last = next((last_index[m.strip()] for m in reversed(main) if m.strip() in last_index), None)
    if first is None or last is None or last < first:
        flags.append("extractor_fallback")
        return lines
    return lines[first:last + 1]


_COLLAPSED_HEADING = re.compile(
    r"\s*([一二三四五六]、\s*(?:总体情况|主动公开政府信息情况|收到和处理政府信息公开申请情况"
    r"|政府信息公开行政.{0,2}复议、\s*行政诉讼情况|(?:政府信息公开工作)?存在的主要问题及改进情况"
    r"|其他需要报告的事项))\s*")


_NUMBER_TOKEN = re.compile(r"(?<!\S)(?:[-+]?\d[\d,.]*|/|－|—)(?!\S)")


def uncollapse(lines: list[str]) -> list[str]:
    """Lines whose breaks were collapsed (a page's text run together with single spaces,
    as some archives and mirror sites store it) broken again: before the six section
    headings, and — where the run holds a table's values — at every space, one piece a
    line, as a table flattened one cell per ``<p>`` reads.

    >>> uncollapse(["x" * 380 + " 一、总体情况 正文 二、主动公开政府信息情况 规章 0 0 0 行政许可 5"])[1:4]
    ['一、总体情况', '正文', '二、主动公开政府信息情况']
    """
    out: list[str] = []
    for line in lines:
        if len(line) <= 400:
            out.append(line)
            continue
        for part in _COLLAPSED_HEADING.sub(r"\n\1\n", line).split("\n"):
            if len(_NUMBER_TOKEN.findall(part)) >= 4 and "\t" not in part:
                out += part.split()
            else:
                out.append(part)
    return [line for line in out if line.strip()]


def from_text(text: str) -> Document:
    """A plain-text capture or saved text: tables stay as lines (tabs kept); collapsed
    text broken again (``uncollapse``)."""
    lines = uncollapse(normalize_text(text).splitlines())
    return Document(title=lines[0] if lines else "", lines=lines, kind="text")


def from_pdf(data: bytes) -> Document:
    import pdfplumber

    doc = Document(kind="pdf")
    pages: list[list[str]] = []
    pdf = pdfplumber.open(io.BytesIO(data))
    try:
        doc.flags += page_tree_flags(pdf.doc)
    except LimitExceeded:
        pdf.stream.close()  # not pdf.close(): that reads every page, to close it
        raise
    with pdf:
        doc.meta = {k: str(v) for k, v in (pdf.metadata or {}).items() if isinstance(v, str)}
        for number, page in enumerate(pdf.pages, start=1):
            drawn = page_drawing_bytes(page.page_obj)
            if drawn > MAX_PAGE_CONTENT_BYTES:
                doc.flags.append(f"too_large:page {number} draws more than "
                                 f"{MAX_PAGE_CONTENT_BYTES} bytes of operators; not read")
                doc.unread_pages.append(number)
                page.close()
                continue
            text = page.extract_text() or ""
            pages.append([line for line in normalize_text(text).splitlines() if line.strip()])
            for table in page.extract_tables():
                matrix = [[normalize_text(c) if c is not None else None for c in row]
                          for row in table]
                grid = Grid.from_matrix(matrix)
                grid.page = number
                doc.tables.append(grid)
            page.close()  # pdfplumber keeps every page's objects otherwise: memory grows with pages
    doc.lines = without_furniture(pages)
    if not doc.lines:
        doc.flags.append("pdf_no_text")
    doc.title = doc.meta.get("Title") or (doc.lines[0] if doc.lines else "")
    return doc


def page_drawing_bytes(page, limit: int = MAX_PAGE_CONTENT_BYTES) -> int:
    """How many bytes of operators drawing a pdfminer ``PDFPage`` runs: its content
    streams, plus each form XObject's operators once per ``Do`` that may draw it, so forms
    drawing forms a thousand times each are counted as what they cost. Counting stops
    just past ``limit`` (a return above it means "too much"); nothing is interpreted.

    >>> import io, zlib, pdfplumber
    >>> ops = zlib.compress(b"0 0 m 1 1 l S " * 200_000)
    >>> pdf = (b"%PDF-1.4\\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\\n"
    ...        b"2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\\n"
    ...        b"3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 9 9]/Contents 4 0 R>> endobj\\n"
    ...        b"4 0 obj <</Length " + str(len(ops)).encode() + b"/Filter/FlateDecode>> stream\\n"
    ...        + ops + b"\\nendstream endobj\\ntrailer <</Root 1 0 R>>\\n")
    >>> page = pdfplumber.open(io.BytesIO(pdf)).pages[0].page_obj
    >>> page_drawing_bytes(page) > 1_048_576, page_drawing_bytes(page, limit=10**8)
    (True, 2800000)
    """
    from pdfminer.pdftypes import resolve1

    contents = page.contents if isinstance(page.contents, list) else [page.contents]
    memo: dict[int, int] = {}
    total = 0
    for ref in contents:
        total += _drawing_bytes(resolve1(ref), page.resources, limit - total, memo)
        if total > limit:
            break
    return total


def _drawing_bytes(stream, resources, room: int, memo: dict[int, int]) -> int:
    """Bytes ``stream`` runs, with the forms it draws (see ``page_drawing_bytes``);
    a form drawing itself counts as too much."""
    from pdfminer.pdftypes import PDFStream, resolve1

    if not isinstance(stream, PDFStream):
        return 0
    data = _stream_ops(stream, room)
    if data is None:
        return room + 1
    total = len(data)
    draws = data.count(b"Do")
    if not draws:
        return total
    forms = resolve1((resolve1(resources) or {}).get("XObject")) or {}
    widest = 0
    for ref in forms.values() if isinstance(forms, dict) else ():
        form = resolve1(ref)
        if not isinstance(form, PDFStream) or getattr(resolve1(form.get("Subtype")), "name",
                                                       "") != "Form":
            continue
        key = id(form)
        if key not in memo:
            memo[key] = room + 1  # drawn inside itself: too much
            memo[key] = _drawing_bytes(form, form.get("Resources") or resources, room, memo)
        widest = max(widest, memo[key])
    return total + draws * widest


def _stream_ops(stream, room: int) -> bytes | None:
    """A content stream's operators, or None when they pass ``room`` bytes. Flate is
    inflated bounded; other filters (rare in content streams) by pdfminer."""
    from pdfminer.pdftypes import resolve1

    filters = [getattr(resolve1(f), "name", f) for f, _ in stream.get_filters()]
    try:
        if filters in (["FlateDecode"], ["Fl"]) and stream.rawdata is not None:
            inflated = inflate(stream.rawdata, "deflate", max_bytes=max(room, 0),
                               max_ratio=float("inf"))
            data = None if inflated.outcome else inflated.data
        else:
            data = stream.get_data()
    except Exception:  # a broken stream: pdfminer reads what it can, or nothing
        return b""
    return data if data is not None and len(data) <= room else None


def page_tree_flags(document, limit: int = MAX_PDF_PAGES) -> list[str]:
    """What a PDF's page tree (pdfminer ``PDFDocument``) says that is not so: a node
    reached twice (a tree made a DAG declares billions of pages from a few kB), a
    ``/Count`` far from the pages the tree holds. Raises ``LimitExceeded`` (``too_large``)
    past ``limit`` pages, found by walking the tree without reading a page.

    >>> import io, pdfplumber
    >>> pdf = (b"%PDF-1.4\\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\\n"
    ...        b"2 0 obj <</Type/Pages/Kids[3 0 R]/Count 2147483647>> endobj\\n"
    ...        b"3 0 obj <</Type/Page/Parent 2 0 R>> endobj\\ntrailer <</Root 1 0 R>>\\n")
    >>> page_tree_flags(pdfplumber.open(io.BytesIO(pdf)).doc)
    ['pages:the page tree declares 2147483647 pages and holds 1']
    >>> page_tree_flags(pdfplumber.open(io.BytesIO(pdf.replace(b"[3 0 R]", b"[3 0 R 3 0 R]"))).doc)
    ['pages:the page tree lists a node twice (declares 2147483647 pages, holds 1)']
    """
    from pdfminer.pdftypes import resolve1

    try:
        top = document.catalog.get("Pages")
        declared = resolve1(resolve1(top).get("Count"))
    except Exception:  # no page tree to speak of: pdfminer looks for pages itself
        return []
    found, seen, repeated, todo = 0, set(), False, [top]
    while todo:
        ref = todo.pop()
        objid = getattr(ref, "objid", None)
        if objid in seen:
            repeated = True
            continue
        seen.add(objid)
        try:
            node = resolve1(ref)
            kids = resolve1(node.get("Kids")) if isinstance(node, dict) else None
        except Exception:  # a broken node: pdfminer skips it too
            continue
        if isinstance(kids, list):
            todo.extend(kids)
        elif isinstance(node, dict):
            found += 1
            if found > limit:
                raise LimitExceeded(f"too_large:PDF of over {limit} pages "
                                    f"(its page tree declares {declared})")
    flags = []
    if repeated:
        flags.append(f"pages:the page tree lists a node twice (declares {declared} pages, "
                     f"holds {found})")
    elif not isinstance(declared, int) or abs(declared - found) > max(2, found // 2):
        flags.append(f"pages:the page tree declares {declared} pages and holds {found}")
    return flags


EDGE_LINES = 2  # lines at the top and bottom of a page where furniture is printed
MIN_RUNNING = 4  # characters of a line repeated at page edges to count as a running header
_DIGITS = re.compile(r"\d+")


def without_furniture(pages: list[list[str]]) -> list[str]:
    """The lines of all pages without their furniture: page numbers (``- 3 -``,
    ``第3页 共5页``, a bare number at the foot equal to the page's), and running headers
    or footers (the same line, numbers aside, at the edge of several pages: kept once).

    >>> without_furniture([["某县人民政府", "正文", "- 1 -"], ["某县人民政府", "续", "2"]])
    ['某县人民政府', '正文', '续']
    """
    edges: dict[str, int] = {}
    for lines in pages:
        for line in {_DIGITS.sub("#", x) for x in lines[:EDGE_LINES] + lines[-EDGE_LINES:]}:
            edges[line] = edges.get(line, 0) + 1
    repeated = {line for line, n in edges.items() if n >= 2 and len(line) >= MIN_RUNNING}
    seen: set[str] = set()
    out: list[str] = []
    for number, lines in enumerate(pages, start=1):
        for i, line in enumerate(lines):
            key = _DIGITS.sub("#", line)
            edge = i < EDGE_LINES or i >= len(lines) - EDGE_LINES
            if edge and (is_furniture(line) or line.strip() == str(number)
                         or (key in repeated and key in seen)):
                continue
            seen.add(key)
            out.append(line)
    return out


def from_docx(data: bytes) -> Document:
    import docx

    if problem := check_zip(data):  # members capped by declared and actual size
        raise LimitExceeded(problem)
    doc = Document(kind="docx")
    document = docx.Document(io.BytesIO(data))
    doc.lines = [normalize_text(p.text) for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        matrix = [[cell for cell in row.cells] for row in table.rows]
        grid = Grid.from_matrix(matrix, same=lambda c: id(c._tc))
        for r in range(grid.nrows):
            for cell in grid.row_cells(r):
                cell.text = normalize_text(cell.text)
        doc.tables.append(grid)
    props = document.core_properties
    doc.meta.update({name: when.isoformat() for name in ("created", "modified")
                     if (when := getattr(props, name, None))})
    doc.title = props.title or (doc.lines[0] if doc.lines else "")
    return doc
