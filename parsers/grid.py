"""One table model for HTML, PDF and DOCX tables: a grid of cells with their spans.

Each grid slot points at the cell that covers it, so a cell spread over several
columns (Word exports add colspans freely) is still one cell. A table printed in parts
(continued on the next page, or split in two by the author) is stitched back into one
grid with ``stitch`` before its cells are read.

>>> g = Grid.from_rows([[Cell("a", colspan=2), Cell("b")], [Cell("1"), Cell("2"), Cell("3")]])
>>> [c.text for c in g.row_cells(0)], g.ncols
(['a', 'b'], 3)
>>> tail = Grid.from_rows([[Cell("4"), Cell("5")]])
>>> [[c.text if c else None for c in row] for row in stitch([g, tail]).slots]
[['a', 'a', 'b'], ['1', '2', '3'], [None, '4', '5']]
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    col: int = 0  # first grid column, set when placed
    row: int = 0  # first grid row, set when placed
    flag: str | None = None  # why the text needs a second look (e.g. a low OCR confidence)

    @property
    def last_col(self) -> int:
        return self.col + self.colspan - 1


@dataclass
class Grid:
    slots: list[list[Cell | None]] = field(default_factory=list)
    page: int | None = None  # the page the table (or its first part) is printed on

    @property
    def nrows(self) -> int:
        return len(self.slots)

    @property
    def ncols(self) -> int:
        return max((len(r) for r in self.slots), default=0)

    @classmethod
    def from_rows(cls, rows: list[list[Cell]]) -> Grid:
        """Place cells row by row, skipping slots taken by rowspans from above."""
        slots: list[list[Cell | None]] = []
        for r, cells in enumerate(rows):
            while len(slots) <= r:
                slots.append([])
            col = 0
            for cell in cells:
                while col < len(slots[r]) and slots[r][col] is not None:
                    col += 1
                cell.col, cell.row = col, r
                for dr in range(max(cell.rowspan, 1)):
                    while len(slots) <= r + dr:
                        slots.append([])
                    line = slots[r + dr]
                    while len(line) < col + cell.colspan:
                        line.append(None)
                    for dc in range(max(cell.colspan, 1)):
                        line[col + dc] = cell
                col += cell.colspan
        slots = slots[: max(len(rows), 0)]
        return cls(slots)

    @classmethod
    def from_matrix(cls, matrix: list[list[object]], same=None) -> Grid:
        """A grid from a matrix whose merged slots repeat one object (python-docx)
        or hold None after the first (pdfplumber)."""
        slots: list[list[Cell | None]] = []
        seen: dict[int, Cell] = {}
        for r, row in enumerate(matrix):
            line: list[Cell | None] = []
            for c, item in enumerate(row):
                key = id(item) if same is None else same(item)
                if item is None and line:
                    cell = line[-1]
                    cell.colspan = c - cell.col + 1
                elif item is None and r and c < len(slots[r - 1]) and slots[r - 1][c]:
                    cell = slots[r - 1][c]
                    cell.rowspan = r - cell.row + 1
                elif key in seen and same is not None:
                    cell = seen[key]
                    cell.colspan = max(cell.colspan, c - cell.col + 1)
                    cell.rowspan = max(cell.rowspan, r - cell.row + 1)
                else:
                    text = item if isinstance(item, str) else getattr(item, "text", "") or ""
                    cell = Cell(text, col=c, row=r)
                    if same is not None:
                        seen[key] = cell
                line.append(cell)
            slots.append(line)
        return cls(slots)

    def row_cells(self, r: int) -> list[Cell]:
        """Distinct cells covering row ``r``, left to right (rowspans from above included)."""
        out: list[Cell] = []
        for cell in self.slots[r]:
            if cell is not None and (not out or out[-1] is not cell) and cell not in out:
                out.append(cell)
        return out

    def text(self) -> str:
        lines = []
        for r in range(self.nrows):
            lines.append("\t".join(c.text for c in self.row_cells(r) if c.row == r))
        return "\n".join(lines)


def stitch(parts: list[Grid]) -> Grid:
    """One grid from the parts of a table printed in pieces, rows in order.

    A narrower part whose width is the number of cells in the last row before it (a
    section's own header at a page's foot: ``信息内容 | 上一年项目数量 | 本年增/减``) takes
    that row's columns, cell by cell; any other narrower part is aligned on its right
    edge, where value columns sit (a continuation without the merged section column). A
    header a part repeats stays in place and is read again by the table reader.

    >>> head = Grid.from_rows([[Cell("信息内容"), Cell("件数"), Cell("增减", colspan=2)]])
    >>> head.slots[0].append(None)
    >>> grid = stitch([Grid.from_rows([[Cell("a"), Cell("1"), Cell("2"), Cell("3")]]), head,
    ...                Grid.from_rows([[Cell("收费"), Cell("7"), Cell("0")]])])
    >>> [(c.text, c.col, c.last_col) for c in grid.row_cells(2)]
    [('收费', 0, 0), ('7', 1, 1), ('0', 2, 3)]
    """
    if len(parts) == 1:
        return parts[0]
    width = max(p.ncols for p in parts)
    slots: list[list[Cell | None]] = []
    for part in parts:
        last = Grid(slots).row_cells(len(slots) - 1) if slots else []
        if part.ncols < width and part.ncols == len(last):
            columns = [(c.col, c.last_col) for c in last]
        else:
            offset = width - part.ncols
            columns = [(j + offset, j + offset) for j in range(part.ncols)]
        slots += _placed(part, columns, width, len(slots))
    return Grid(slots, parts[0].page)


def _placed(part: Grid, columns: list[tuple[int, int]], width: int,
            base: int) -> list[list[Cell | None]]:
    """``part``'s rows with its column j spread over ``columns[j]`` (first, last)."""
    copies: dict[int, Cell] = {}
    rows: list[list[Cell | None]] = []
    for line in part.slots:
        row: list[Cell | None] = [None] * width
        for cell in line:
            if cell is None:
                continue
            if id(cell) not in copies:
                first, last = columns[cell.col][0], columns[min(cell.last_col, len(columns) - 1)][1]
                copies[id(cell)] = Cell(cell.text, last - first + 1, cell.rowspan, first,
                                        cell.row + base, cell.flag)
            copy = copies[id(cell)]
            for c in range(copy.col, copy.last_col + 1):
                row[c] = copy
        rows.append(row)
    return rows
