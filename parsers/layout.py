"""Positioned text → reading-order lines and table grids, for pages that carry no text
structure of their own: OCR'd scans (text boxes in pixels) and OFD pages (text objects in
millimetres).

Tables are rebuilt from their ruling lines when the page has them (the national forms are
ruled): rows and columns between the rules, merged cells where a rule is missing, each
text box in the cell holding its centre, so blank rows, blank cells, wrapped labels and
row-spanning group labels land where the form has them. A page without rules gets its
tables from the text alone: rows by y, value columns by the x-extents of the numbers,
header words placed over the columns they stand above.

>>> boxes = [Box(0, 0, 40, 10, "信息内容"), Box(50, 0, 90, 10, "件数"),
...          Box(0, 20, 40, 30, "规章"), Box(60, 20, 70, 30, "12")]
>>> rules = [Rule(True, y, -5, 95) for y in (-5, 15, 35)] + [Rule(False, x, -5, 35) for x in (-5, 45, 95)]
>>> page = layout_page(boxes, rules)
>>> page.tables[0].text(), page.lines
('信息内容\\t件数\\n规章\\t12', ['信息内容\\t件数', '规章\\t12'])
"""

from __future__ import annotations

import re
import statistics
from bisect import bisect_right
from dataclasses import dataclass, field

from .grid import Cell, Grid
from .values import is_number


@dataclass
class Box:
    """A piece of text and where it sits (x grows right, y grows down)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    conf: float = 1.0
    alts: tuple[str, ...] = ()  # other readings of the same text (OCR), when they differ

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def h(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Rule:
    """A ruling line: horizontal at y=``pos`` from x=``start`` to ``end``, or vertical at
    x=``pos`` from y=``start`` to ``end``."""

    horizontal: bool
    pos: float
    start: float
    end: float


@dataclass(eq=False)
class BoxCell(Cell):
    """A grid cell rebuilt from positioned text: its reading confidence is the lowest of
    its boxes' (``None`` for an empty cell)."""

    conf: float | None = None
    bbox: tuple[float, float, float, float] | None = None  # the ruled cell's rectangle
    alts: tuple[str, ...] = ()  # other readings of its text (OCR), when they differ


def _mark(grid: Grid, floor: float | None) -> Grid:
    """Flag every read cell of an OCR grid with its confidence (``ocr:<conf>``), or
    ``ocr_low_confidence:<conf>`` under ``floor``; None: text that needs no flag."""
    if floor is None:
        return grid
    for row in grid.slots:
        for cell in row:
            if isinstance(cell, BoxCell) and cell.conf is not None and cell.text:
                name = "ocr_low_confidence" if cell.conf < floor else "ocr"
                cell.flag = f"{name}:{cell.conf:.2f}"
    return grid


@dataclass
class PageLayout:
    lines: list[str] = field(default_factory=list)
    tables: list[Grid] = field(default_factory=list)


def text_height(boxes: list[Box]) -> float:
    """The typical height of a line of text (the median box height)."""
    heights = [b.h for b in boxes if b.h > 0]
    return statistics.median(heights) if heights else 1.0


def _join(boxes: list[Box], h: float) -> str:
    """Boxes of one line, left to right: a space where the gap is wide."""
    out, last = "", None
    for b in sorted(boxes, key=lambda b: b.x0):
        if last is not None and b.x0 - last > 0.8 * h and out and not out.endswith(" "):
            out += " "
        out += b.text
        last = b.x1 if last is None else max(last, b.x1)
    return out.strip()


def rows_of(boxes: list[Box], h: float | None = None) -> list[list[Box]]:
    """Boxes grouped into lines by their vertical centres, top to bottom."""
    h = h or text_height(boxes)
    rows: list[list[Box]] = []
    centre = 0.0
    for b in sorted(boxes, key=lambda b: b.cy):
        if rows and abs(b.cy - centre) <= 0.5 * h:
            rows[-1].append(b)
            centre = statistics.fmean(x.cy for x in rows[-1])
        else:
            rows.append([b])
            centre = b.cy
    return [sorted(r, key=lambda b: b.x0) for r in rows]


def _cell_text(boxes: list[Box], h: float) -> str:
    return "".join(_join(line, h) for line in rows_of(boxes, h))


def _cluster(values: list[float], tol: float) -> list[float]:
    """Positions closer than ``tol`` merged to their mean, sorted."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [statistics.fmean(g) for g in out]


class _Union:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _coverage(rules: list[Rule], pos: float, a: float, b: float, tol: float) -> float:
    """Share of the span ``a..b`` at ``pos`` drawn by ``rules`` (all of one direction)."""
    spans = sorted((max(r.start, a), min(r.end, b)) for r in rules
                   if abs(r.pos - pos) <= tol and r.end > a and r.start < b)
    covered, reach = 0.0, a
    for s, e in spans:
        if e > reach:
            covered += e - max(s, reach)
            reach = e
    return covered / (b - a) if b > a else 1.0


def _rule_tables(rules: list[Rule], tol: float) -> list[list[Rule]]:
    """Rules grouped into tables: the connected sets of crossing rules."""
    n = len(rules)
    union = _Union(n)
    hs = [i for i, r in enumerate(rules) if r.horizontal]
    vs = [i for i, r in enumerate(rules) if not r.horizontal]
    for i in hs:
        h = rules[i]
        for j in vs:
            v = rules[j]
            if (h.start - tol <= v.pos <= h.end + tol) and (v.start - tol <= h.pos <= v.end + tol):
                union.join(i, j)
    groups: dict[int, list[Rule]] = {}
    for i in range(n):
        groups.setdefault(union.find(i), []).append(rules[i])
    out = []
    for group in groups.values():
        nh = len({round(r.pos / tol) for r in group if r.horizontal})
        nv = len({round(r.pos / tol) for r in group if not r.horizontal})
        if nh >= 2 and nv >= 2:
            out.append(group)
    return sorted(out, key=lambda g: min(r.pos for r in g if r.horizontal))


@dataclass
class _Table:
    top: float
    bottom: float
    left: float
    right: float
    grid: Grid
    row_ys: list[tuple[float, float]]  # each grid row's top and bottom


def _grid_from_rules(group: list[Rule], boxes: list[Box], h: float, tol: float
                     ) -> tuple[_Table, set[int]] | None:
    hr = [r for r in group if r.horizontal]
    vr = [r for r in group if not r.horizontal]
    ys = _cluster([r.pos for r in hr], tol)
    xs = _cluster([r.pos for r in vr], tol)
    left, right = min(r.start for r in hr), max(r.end for r in hr)
    top, bottom = min(r.start for r in vr), max(r.end for r in vr)
    if xs[0] - left > 2 * tol:  # tables drawn without outer side borders
        xs.insert(0, left)
    if right - xs[-1] > 2 * tol:
        xs.append(right)
    if ys[0] - top > 2 * tol:
        ys.insert(0, top)
    if bottom - ys[-1] > 2 * tol:
        ys.append(bottom)
    # gaps thinner than a third of a text line are double rules, not rows or columns
    ys = _drop_thin(ys, h / 3)
    xs = _drop_thin(xs, h / 3)
    nr, nc = len(ys) - 1, len(xs) - 1
    if nr < 1 or nc < 1:
        return None
    union = _Union(nr * nc)
    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and _coverage(vr, xs[c + 1], ys[r], ys[r + 1], tol) < 0.5:
                union.join(r * nc + c, r * nc + c + 1)
            if r + 1 < nr and _coverage(hr, ys[r + 1], xs[c], xs[c + 1], tol) < 0.5:
                union.join(r * nc + c, (r + 1) * nc + c)
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            members.setdefault(union.find(r * nc + c), []).append((r, c))
    texts: dict[int, list[Box]] = {}
    used: set[int] = set()
    for i, b in enumerate(boxes):
        if not (xs[0] <= b.cx <= xs[-1] and ys[0] <= b.cy <= ys[-1]):
            continue
        r = min(max(bisect_right(ys, b.cy) - 1, 0), nr - 1)
        c = min(max(bisect_right(xs, b.cx) - 1, 0), nc - 1)
        texts.setdefault(union.find(r * nc + c), []).append(b)
        used.add(i)
    slots: list[list[Cell | None]] = [[None] * nc for _ in range(nr)]
    for root, places in members.items():
        r0, c0 = min(p[0] for p in places), min(p[1] for p in places)
        r1, c1 = max(p[0] for p in places), max(p[1] for p in places)
        rect = len(places) == (r1 - r0 + 1) * (c1 - c0 + 1)
        inside = texts.get(root, [])
        conf = min((b.conf for b in inside), default=None)
        text = _cell_text(inside, h)
        if rect:
            cell = BoxCell(text, colspan=c1 - c0 + 1, rowspan=r1 - r0 + 1, col=c0, row=r0,
                           conf=conf, bbox=(xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]),
                           alts=inside[0].alts if len(inside) == 1 else ())
            for r, c in places:
                slots[r][c] = cell
        else:  # an L-shaped merge (a rule missing by accident): one cell per slot
            for k, (r, c) in enumerate(sorted(places)):
                slots[r][c] = BoxCell(text if k == 0 else "", col=c, row=r,
                                      conf=conf if k == 0 else None)
    table = _Table(ys[0], ys[-1], xs[0], xs[-1], Grid(slots),
                   [(ys[r], ys[r + 1]) for r in range(nr)])
    return table, used


def _drop_thin(positions: list[float], min_gap: float) -> list[float]:
    out: list[float] = []
    for p in positions:
        if out and p - out[-1] < min_gap:
            out[-1] = (out[-1] + p) / 2
        else:
            out.append(p)
    return out


# -- tables without rules --------------------------------------------------------------


def _is_value(text: str) -> bool:
    return is_number(text) or text.strip() in ("-", "—", "/", "——")


def _text_tables(rows: list[list[Box]], h: float) -> list[tuple[int, int, Grid]]:
    """Tables found in unruled text: (first row, last row, grid) for each run of rows
    holding numbers right of a label, with the header rows above it."""
    kinds = []
    for row in rows:
        values = [b for b in row if _is_value(b.text)]
        labels = [b for b in row if not _is_value(b.text)]
        data = len(values) >= 3 or (values and labels and min(v.x0 for v in values) >
                                     min(lb.x1 for lb in labels))
        kinds.append("data" if data else ("multi" if len(row) >= 2 else "single"))
    out = []
    i = 0
    while i < len(rows):
        if kinds[i] != "data":
            i += 1
            continue
        end = i
        j = i + 1
        while j < len(rows) and (kinds[j] == "data" or (
                kinds[j] != "data" and j + 1 < len(rows) and kinds[j + 1] == "data"
                and not re.match(r"^[一二三四五六七八九十]、", rows[j][0].text)
                and rows[j + 1][0].cy - rows[j][-1].cy < 3 * h)):
            if kinds[j] == "data":
                end = j
            j += 1
        start = i
        while start > 0 and kinds[start - 1] == "multi":
            start -= 1
        grid = _text_grid(rows[start:end + 1], h)
        if grid is not None:
            out.append((start, end, grid))
        i = end + 1
    return out


@dataclass
class _TextRow:
    y: float
    slots: list[list[Box]]  # the label column, then one list per value column
    wide: list[tuple[int, int, Box]]  # header words over several columns: (first, last, box)

    @property
    def has_values(self) -> bool:
        return any(_is_value(b.text) for col in self.slots[1:] for b in col)


def _text_grid(rows: list[list[Box]], h: float) -> Grid | None:
    """A grid from unruled rows: value columns where the numbers stand, header words
    stacked in one column read as one header cell (wrapped in a narrow column), label
    lines without values joined to the row of values they belong to (a wrapped label),
    unless they stand a row's height away (a blank row)."""
    values = [b for row in rows for b in row if _is_value(b.text)]
    if not values:
        return None
    bands: list[list[float]] = []
    for b in sorted(values, key=lambda b: b.x0):
        if bands and b.x0 <= bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], b.x1)
        else:
            bands.append([b.x0, b.x1])
    # header words standing over no number (a column left blank in this row, or a
    # number the reader missed) are columns too: the form's header positions
    for row in rows:
        if any(_is_value(b.text) for b in row):
            break
        for b in row:
            if len(b.text) >= 2 and b.x0 > bands[0][0] - 0.5 * h and not any(
                    min(z, b.x1) - max(a, b.x0) > 0 for a, z in bands):
                bands.append([b.x0, b.x1])
        bands.sort()
    first = bands[0][0]
    nc = len(bands) + 1
    centres = [(a + b) / 2 for a, b in bands]
    records: list[_TextRow] = []
    for row in rows:
        slots: list[list[Box]] = [[] for _ in range(nc)]
        wide: list[tuple[int, int, Box]] = []
        for b in row:
            if b.x1 <= first + 0.2 * h and not _is_value(b.text):
                slots[0].append(b)
                continue
            over = [k for k, (a, z) in enumerate(bands) if min(z, b.x1) - max(a, b.x0) > 0]
            if len(over) > 1 and not _is_value(b.text):
                wide.append((over[0] + 1, over[-1] + 1, b))
                continue
            k = min(range(len(centres)), key=lambda k: abs(centres[k] - b.cx))
            slots[k + 1].append(b)
        records.append(_TextRow(statistics.fmean(b.cy for b in row), slots, wide))
    head = 0
    while head < len(records) and not records[head].has_values:
        head += 1
    out = [_TextRow(r.y, [[] for _ in range(nc)], r.wide) for r in records[:head] if r.wide]
    if head:
        merged = [[b for r in records[:head] for b in r.slots[c]] for c in range(nc)]
        out.append(_TextRow(records[head - 1].y, merged, []))
    body = records[head:]
    pitch = 1.4 * h
    for i, rec in enumerate(body):
        if rec.has_values or rec.wide or not rec.slots[0]:
            out.append(rec)
            continue
        near = [j for j in (i - 1, i + 1) if 0 <= j < len(body) and body[j].has_values
                and abs(body[j].y - rec.y) < pitch]
        if near:
            j = min(near, key=lambda j: abs(body[j].y - rec.y))
            body[j].slots[0] = sorted(body[j].slots[0] + rec.slots[0], key=lambda b: (b.cy, b.x0))
        else:
            out.append(rec)
    matrix_rows: list[list[Cell]] = []
    for rec in out:
        cells: list[Cell] = []
        c = 0
        while c < nc:
            span = next((w for w in rec.wide if w[0] == c), None)
            if span:
                inside = [span[2]] + [b for k in range(span[0], span[1] + 1) for b in rec.slots[k]]
                cells.append(BoxCell(_cell_text(inside, h), colspan=span[1] - span[0] + 1,
                                     conf=min(b.conf for b in inside)))
                c = span[1] + 1
                continue
            inside = rec.slots[c]
            cells.append(BoxCell(_cell_text(inside, h),
                                 conf=min((b.conf for b in inside), default=None)))
            c += 1
        matrix_rows.append(cells)
    return Grid.from_rows(matrix_rows)


# -- a page ----------------------------------------------------------------------------


def layout_page(boxes: list[Box], rules: list[Rule] | None = None,
                tol: float | None = None, page: int | None = None,
                conf_floor: float | None = None, reread=None) -> PageLayout:
    """Lines (table rows as tab-separated cells) and table grids of one page.

    With ``conf_floor`` (OCR), each cell is flagged with its confidence (see ``_mark``);
    ``reread(grid)`` may read a ruled table's empty or weak cells again first."""
    boxes = [b for b in boxes if b.text.strip()]
    if not boxes:
        return PageLayout()
    h = text_height(boxes)
    tol = tol if tol is not None else max(h / 4, 1e-6)
    tables: list[_Table] = []
    used: set[int] = set()
    for group in _rule_tables(list(rules or []), tol):
        built = _grid_from_rules(group, boxes, h, tol)
        if built is not None and built[1]:
            tables.append(built[0])
            used |= built[1]
            if reread is not None:
                reread(built[0].grid)
    loose = [b for i, b in enumerate(boxes) if i not in used]
    rows = rows_of(loose, h)
    # (y, line) pairs merged in page order
    items: list[tuple[float, str]] = []
    grids: list[tuple[float, Grid]] = []
    for t in tables:
        grids.append((t.top, t.grid))
        for r, (y0, y1) in enumerate(t.row_ys):
            own = [c.text for c in t.grid.row_cells(r) if c.row == r]
            if any(own):
                items.append(((y0 + y1) / 2, "\t".join(own)))
    text_tables = _text_tables(rows, h) if not tables else []
    in_text_table: dict[int, Grid] = {}
    for start, end, grid in text_tables:
        grids.append((rows[start][0].cy, grid))
        for k in range(start, end + 1):
            in_text_table[k] = grid
    for k, row in enumerate(rows):
        if k in in_text_table:
            line = "\t".join(_join([b], h) for b in row)
        else:
            line = _join(row, h)
        if line:
            items.append((statistics.fmean(b.cy for b in row), line))
    items.sort(key=lambda item: item[0])
    tables_out = []
    for _, grid in sorted(grids, key=lambda item: item[0]):
        grid.page = page
        tables_out.append(_mark(grid, conf_floor))
    return PageLayout([line for _, line in items], tables_out)
