"""A report's cells laid out as the official forms: every label from ``parsers.forms``,
in the form's order, with its nested headings as row and column spans.

The result is plain data (``Table`` of ``Cell``); the template only prints it.

>>> t = form_tables("2021", {("requests", "granted", "total"): {"value": 3.0, "raw": "3"}}, {})
>>> [s.title for s in t]
['二、主动公开政府信息情况', '三、收到和处理政府信息公开申请情况', '四、政府信息公开行政复议、行政诉讼情况']
>>> granted = next(r for r in t[1].tables[0].body if any(c.text == "（一）予以公开" for c in r))
>>> [c.text for c in granted if c.tag == "td"][-1]
'3'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..parsers import forms
from ..parsers.forms import Term

Key = tuple[str, str, str]


@dataclass
class Cell:
    text: str
    tag: str = "td"  # th for labels and headings
    colspan: int = 1
    rowspan: int = 1
    cls: str = ""
    title: str = ""
    href: str = ""  # a failing check's explanation


@dataclass
class Table:
    head: list[list[Cell]] = field(default_factory=list)
    body: list[list[Cell]] = field(default_factory=list)
    caption: str = ""


@dataclass
class Section:
    key: str
    title: str
    en: str
    tables: list[Table] = field(default_factory=list)


@dataclass
class Mark:
    """A cell involved in a failing check: ``role`` is 'fail' (the side that disagrees,
    e.g. the printed total) or 'part' (a summand)."""

    anchor: str
    role: str
    note: str


def value_text(value: float | None, raw: str | None) -> str:
    """A cell as a reader wants it: integers as integers, blanks blank, markers as printed.

    >>> value_text(3.0, "3"), value_text(None, ""), value_text(None, "/"), value_text(12.5, "12.50")
    ('3', '', '/', '12.5')
    >>> value_text(1036.0, "+1036"), value_text(-185.0, "-185")
    ('+1036', '-185')
    """
    if value is None:
        return (raw or "").strip()
    if value == int(value):
        text = str(int(value))
        return "+" + text if (raw or "").strip().startswith("+") and value > 0 else text
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _runs(paths: Sequence[Sequence[str]], level: int) -> list[tuple[int, int]]:
    """(start, length) of each run of consecutive items sharing ``path[:level + 1]``."""
    out: list[tuple[int, int]] = []
    for i, path in enumerate(paths):
        if len(path) <= level:
            continue
        if out and out[-1][0] + out[-1][1] == i and paths[out[-1][0]][:level + 1] == path[:level + 1]:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((i, 1))
    return out


def _row_path(table: str, term: Term) -> list[str]:
    """The headings a row sits under, outermost first (表三's 不予公开 rows sit under
    三、本年度办理结果 and （三）不予公开)."""
    if not term.group:
        return []
    if table == "requests" and term.key in forms.OUTCOMES + ("total",) and term.group != forms.RESULTS:
        return [forms.RESULTS, term.group]
    return [term.group]


class _Filler:
    def __init__(self, cells: dict[Key, dict], marks: dict[Key, list[Mark]]):
        self.cells, self.marks, self.used = cells, marks, set()

    def value(self, key: Key) -> Cell:
        self.used.add(key)
        cell = self.cells.get(key)
        if cell is None:
            return Cell("", cls="num absent", title="未识别到此单元格 not found in the report")
        text = value_text(cell.get("value"), cell.get("raw"))
        classes, title, href = ["num"], [], ""
        raw = (cell.get("raw") or "").strip()
        if cell.get("value") is None:
            classes.append("marker" if raw else "blank")
            title.append(f"原文：{raw}（未计数）" if raw else "空白：未填写（不是 0）")
        elif raw and raw != text:
            title.append(f"原文：{raw}")
        if cell.get("flag"):
            classes.append("flagged")
            title.append(f"标记：{cell['flag']}")
        for mark in self.marks.get(key, []):
            classes.append(f"check-{mark.role}")
            title.append(mark.note)
            href = href or f"#{mark.anchor}"
        return Cell(text, cls=" ".join(dict.fromkeys(classes)), title="\n".join(title), href=href)


def _proactive(fmt: str, fill: _Filler) -> list[Table]:
    """表二: one small table per 第二十条 item, as the form prints them."""
    order = [c.key for c in forms.cols("proactive", fmt)]
    tables: list[Table] = []
    terms = forms.rows("proactive", fmt)
    for start, length in _runs([[t.group or ""] for t in terms], 0):
        block = terms[start:start + length]
        keys = [k for k in order if any(k in t.cols for t in block)]
        table = Table(caption=block[0].group or "")
        table.head.append([Cell("", tag="th", cls="corner")] + [
            Cell(forms.label("proactive", "col", k), tag="th") for k in keys])
        for t in block:
            table.body.append([Cell(t.zh, tag="th", cls="label")] + [
                fill.value(("proactive", t.key, k)) if k in t.cols else Cell("", cls="none")
                for k in keys])
        tables.append(table)
    return tables


def _requests(fmt: str, fill: _Filler) -> Table:
    """表三: nested row headings (三、本年度办理结果 › （三）不予公开 › 1.属于国家秘密) and the
    applicant columns under 法人或其他组织."""
    terms = forms.rows("requests", fmt)
    cols = forms.cols("requests", fmt)
    paths = [_row_path("requests", t) for t in terms]
    depth = max(len(p) for p in paths) + 1
    table = Table()
    grouped = any(c.group for c in cols)
    top = [Cell("", tag="th", cls="corner", colspan=depth, rowspan=2 if grouped else 1)]
    second: list[Cell] = []
    col_paths = [[c.group] if c.group else [] for c in cols]
    starts = {s: n for s, n in _runs(col_paths, 0)}
    for i, c in enumerate(cols):
        if not c.group:
            top.append(Cell(c.zh, tag="th", rowspan=2 if grouped else 1))
            continue
        if i in starts:
            top.append(Cell(c.group, tag="th", colspan=starts[i], cls="group"))
        second.append(Cell(c.zh, tag="th"))
    table.head = [top, second] if grouped else [top]
    level_runs = [{s: n for s, n in _runs(paths, level)} for level in range(depth - 1)]
    for i, (t, path) in enumerate(zip(terms, paths, strict=True)):
        row: list[Cell] = []
        for level, heading in enumerate(path):
            if i in level_runs[level]:
                row.append(Cell(heading, tag="th", rowspan=level_runs[level][i], cls="group"))
        row.append(Cell(t.zh, tag="th", colspan=depth - len(path), cls="label"))
        row.extend(fill.value(("requests", t.key, c.key)) for c in cols)
        table.body.append(row)
    return table


def _reviews(fill: _Filler) -> Table:
    """表四 as printed: one row of fifteen numbers under 行政复议 and 行政诉讼's two kinds."""
    terms = forms.rows("reviews", "2021")
    cols = forms.cols("reviews")
    paths = [[t.group] if t.group else [] for t in terms]
    grouped = any(paths)
    n = len(cols)
    top: list[Cell] = []
    middle: list[Cell] = []
    starts = {s: k for s, k in _runs(paths, 0)}
    for i, t in enumerate(terms):
        if not t.group:
            top.append(Cell(t.zh, tag="th", colspan=n, rowspan=2 if grouped else 1))
            continue
        if i in starts:
            top.append(Cell(t.group, tag="th", colspan=n * starts[i], cls="group"))
        middle.append(Cell(t.zh, tag="th", colspan=n))
    bottom = [Cell(c.zh, tag="th") for _ in terms for c in cols]
    values = [fill.value(("reviews", t.key, c.key)) for t in terms for c in cols]
    return Table(head=[top, middle, bottom] if grouped else [top, bottom], body=[values])


def form_tables(fmt: str, cells: dict[Key, dict], marks: dict[Key, list[Mark]]) -> list[Section]:
    """Tables 二, 三 and 四 in the form of ``fmt`` ('2019' or '2021')."""
    fill = _Filler(cells, marks)
    out = []
    for key in forms.TABLES:
        zh, en = forms.TABLE_TITLES[key]
        section = Section(key, zh, en)
        if key == "proactive":
            section.tables = _proactive(fmt, fill)
        elif key == "requests":
            section.tables = [_requests(fmt, fill)]
        else:
            section.tables = [_reviews(fill)]
        out.append(section)
    return out


def legacy_table(cells: list[dict]) -> Table:
    """A table with the labels as printed (reports before 2019): rows and columns in the
    order they were read."""
    row_keys = list(dict.fromkeys(c["row_key"] for c in cells))
    col_keys = list(dict.fromkeys(c["col_key"] for c in cells))
    grid = {(c["row_key"], c["col_key"]): c for c in cells}
    table = Table(head=[[Cell("", tag="th", cls="corner")] + [Cell(k, tag="th") for k in col_keys]])
    for r in row_keys:
        row = [Cell(r, tag="th", cls="label")]
        for k in col_keys:
            c = grid.get((r, k))
            row.append(Cell(value_text(c["value"], c["raw"]) if c else "", cls="num"))
        table.body.append(row)
    return table


def unused(cells: dict[Key, dict], fmt: str) -> list[Key]:
    """Cells the form of ``fmt`` has no place for (kept, listed apart)."""
    placed = {(t, r.key, c) for t in forms.TABLES for r in forms.rows(t, fmt)
              for c in (r.cols or [c.key for c in forms.cols(t, fmt)])}
    return sorted(k for k in cells if k not in placed)
