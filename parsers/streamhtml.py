"""Large HTML pages read in a bounded way: lxml's parser drives callbacks and no tree is
built, so memory grows with the text and tables kept, not with the markup.

Pages above ``limits.STREAM_HTML_BYTES`` come here instead of the tree-and-trafilatura
path of ``extract.from_html``: there is no main-content detection (every block line is
kept, flagged ``large_html_streamed``), tables are the innermost ones as there.

>>> doc = from_large_html("<title>t</title><p>一、总体情况</p><table><tr><td colspan=2>a"
...                       "<td>b<tr><td>1<td>2<td>3</table>")
>>> doc.title, doc.lines[:2], [c.text for c in doc.tables[0].row_cells(0)]
('t', ['t', '一、总体情况'], ['a', 'b'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .extract import _BLOCK_TAGS, META_NAMES, Document
from .grid import Cell, Grid
from .limits import MAX_STREAMED_CELLS, MAX_STREAMED_CHARS
from .normalize import normalize_text

_SKIP = {"script", "style", "noscript", "template"}
_FEED_CHARS = 1 << 20


def _span(attrs, name: str) -> int:
    try:
        return max(1, min(int(str(attrs.get(name, "1")).strip() or 1), 200))
    except ValueError:
        return 1


@dataclass
class _Table:
    rows: list[list[Cell]] = field(default_factory=list)
    nested: bool = False
    cell: list[str] | None = None
    spans: tuple[int, int] = (1, 1)

    def close_cell(self) -> None:
        if self.cell is not None:
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(Cell(normalize_text("".join(self.cell)), *self.spans))
            self.cell = None


class _Collector:
    """lxml parser target: block lines, innermost tables, title and meta tags."""

    def __init__(self) -> None:
        self.doc = Document(kind="html", flags=["large_html_streamed"])
        self.parts: list[str] = []
        self.tables: list[_Table] = []
        self.skip = 0
        self.title: list[str] | None = None
        self.title_text = ""
        self.cells = 0

    def start(self, tag, attrs) -> None:
        tag = tag.lower() if isinstance(tag, str) else ""
        if tag in _SKIP:
            self.skip += 1
        elif tag == "title" and not self.title_text:
            self.title = []
        elif tag == "meta" and attrs.get("name") in META_NAMES:
            self.doc.meta[attrs["name"]] = normalize_text(attrs.get("content", "")).strip()
        self._table_start(tag, attrs)
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag in ("td", "th") and self.parts and self.parts[-1] != "\n":
            self.parts.append("\t")

    def _table_start(self, tag: str, attrs) -> None:
        if tag == "table":
            if self.tables:
                self.tables[-1].nested = True
            self.tables.append(_Table())
        elif self.tables and tag == "tr":
            self.tables[-1].close_cell()
            self.tables[-1].rows.append([])
        elif self.tables and tag in ("td", "th"):
            table = self.tables[-1]
            table.close_cell()
            table.cell, table.spans = [], (_span(attrs, "colspan"), _span(attrs, "rowspan"))
        elif self.tables and tag in ("br", "p", "div") and self.tables[-1].cell:
            self.tables[-1].cell.append("\n")

    def end(self, tag) -> None:
        tag = tag.lower() if isinstance(tag, str) else ""
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "title" and self.title is not None:
            self.title_text, self.title = normalize_text("".join(self.title)).strip(), None
        elif tag in ("td", "th") and self.tables:
            self.tables[-1].close_cell()
        elif tag == "table" and self.tables:
            table = self.tables.pop()
            table.close_cell()
            if not table.nested:
                self._keep(table)

    def _keep(self, table: _Table) -> None:
        self.cells += sum(len(r) for r in table.rows)
        if self.cells > MAX_STREAMED_CELLS:
            if "truncated:tables" not in self.doc.flags:
                self.doc.flags.append("truncated:tables")
            return
        self.doc.tables.append(Grid.from_rows([r for r in table.rows if r]))

    def data(self, text: str) -> None:
        if self.skip:
            return
        if self.title is not None:
            self.title.append(text)
        self.parts.append(text)
        if self.tables and self.tables[-1].cell is not None:
            self.tables[-1].cell.append(text)

    def comment(self, text: str) -> None:
        pass

    def close(self) -> Document:
        doc = self.doc
        text = "".join(self.parts)
        self.parts = []
        if len(text) > MAX_STREAMED_CHARS:
            text = text[:MAX_STREAMED_CHARS]
            doc.flags.append("truncated:text")
        doc.lines = [line for line in normalize_text(text).splitlines() if line.strip()]
        doc.title = doc.meta.get("ArticleTitle") or self.title_text
        return doc


def from_large_html(html: str) -> Document:
    """Block lines, innermost tables and metadata of a page, without building its tree."""
    collector = _Collector()
    parser = etree.HTMLParser(target=collector, recover=True, no_network=True,
                              remove_comments=True)
    for start in range(0, len(html), _FEED_CHARS):
        parser.feed(html[start:start + _FEED_CHARS])
    return parser.close()
