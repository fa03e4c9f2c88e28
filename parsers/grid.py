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

    Value columns sit at the right of every part, so parts of different widths are
    aligned on their right edges; a header a part repeats stays in place and is read
    again by the table reader."""
    if len(parts) == 1:
        return parts[0]
    width = max(p.ncols for p in parts)
    slots: list[list[Cell | None]] = []
    for part in parts:
        offset, base = width - part.ncols, len(slots)
        copies: dict[int, Cell] = {}
        for line in part.slots:
            row: list[Cell | None] = [None] * offset
            for cell in line:
                if cell is not None and id(cell) not in copies:
                    copies[id(cell)] = Cell(cell.text, cell.colspan, cell.rowspan,
                                            cell.col + offset, cell.row + base, cell.flag)
                row.append(copies[id(cell)] if cell is not None else None)
            slots.append(row)
    return Grid(slots, parts[0].page)
