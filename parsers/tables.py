"""Table cells with canonical keys, from grids (HTML/PDF/DOCX) or from flattened text.

The templates are the national forms (``forms``: rows, columns, their order and labels);
only the patterns that recognise printed labels live here, keyed by the forms' keys.
Both readers turn a table into segments (a printed row's label pieces and values) and
``align`` places them on the form's rows:

* ``grid_cells`` assigns each value cell to the header leaf it overlaps most, so columns
  follow the header text, not physical position; a header repeated by a continuation
  part is read again; a blank row is a row of NULLs, never the end of the table;
* ``stream_cells`` walks flattened text (one cell per line, tab rows, PDF text lines);
  a row's values are split into its cells by count, fused digits and blank cells that
  the flattening lost are resolved by the table's arithmetic, or left NULL and flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import combinations

from . import forms
from .align import (
    Match,
    Segment,
    Slot,
    align,
    alternatives,
    approx,
    core,
    likeness,
    one_edit,
    trimmed,
)
from .checks import consistency, residual
from .grid import Cell, Grid
from .normalize import is_furniture, label_key
from .values import CellValue, is_number, is_value, parse_value, split_values

__all__ = ["CellValue", "Col", "Row", "Spec", "grid_cells", "stream_cells", "review_cells",
           "build_spec", "PROACTIVE_2019", "PROACTIVE_2021", "REQUESTS_2019", "REQUESTS_2021",
           "REVIEWS"]

MAX_FUSED_SOLUTIONS = 5000
MAX_DIGITS = 6  # a count printed in a table has at most this many digits
MAX_PATTERNS = 64  # blank-column layouts tried against the checks
COL_LIKENESS = 0.8  # least likeness of a header cell to a column's label, typos allowed
MAX_LOST_BLANKS = 2  # blank cells a flattened row of 三 may lose; fewer values are fused digits


@dataclass(frozen=True)
class Col:
    key: str
    pattern: str
    unit: str | None = None
    label: str = ""  # as the form prints it


@dataclass(frozen=True)
class Row:
    key: str
    pattern: str
    cols: tuple[str, ...] = ()
    label: str = ""  # as the form prints it
    optional: bool = False  # a variant some reports print; never read as a blank row
    excludes: tuple[str, ...] = ()  # rows a report printing this one does not print


@dataclass(frozen=True)
class Spec:
    table: str
    rows: tuple[Row, ...]  # the form's rows (with ``other``, which 2021 reports may print)
    cols: tuple[Col, ...]
    groups: bool = False  # table 四: row keys come from header groups
    printed: tuple[Row, ...] = ()  # every row a report may print, in order (with subtotals)

    @property
    def layout(self) -> tuple[Row, ...]:
        return self.printed or self.rows

    def col(self, key: str) -> Col:
        return self._cols[key]

    @cached_property
    def _cols(self) -> dict[str, Col]:
        return {c.key: c for c in self.cols}


# How printed labels are recognised, keyed by the forms' keys.
ROW_PATTERNS: dict[str, dict[str, str]] = {
    "proactive": {
        "rules": "规章", "normative_docs": "规范性文件", "licensing": "行政许可",
        "other_services": "其他对外管理服务", "punishment": "行政处罚", "enforcement": "行政强制",
        "fees": "行政事业性收费", "procurement": "政府集中采购",
    },
    "requests": {
        "new_received": "本年(度)?新收", "carried_over": "上年(度)?结转",
        "granted": "(?<!不)予以公开", "partially_granted": "部分公开",
        "denied_state_secret": "国家秘密", "denied_prohibited_by_law": "法律.?行政法规禁止",
        "denied_security_stability": "三安全一稳定|危及", "denied_third_party": "第三方",
        "denied_internal_affairs": "内部事务", "denied_process_info": "过程性",
        "denied_enforcement_file": "执法案卷", "denied_inquiry": "行政查询",
        "unavailable_not_held": "不掌握", "unavailable_needs_creation": "另行制作",
        "unavailable_unclear": "仍不明确|补正后", "rejected_petition": "信访|举报投诉",
        "rejected_duplicate": "重复申请", "rejected_publication": "出版物",
        "rejected_excessive": "大量反复", "rejected_confirmation": "确认或重新出具|重新出具",
        "denied": "不予公开$", "unavailable": "无法提供$", "rejected": "不予处理$",
        "other": "其他处理$", "other_no_correction": "不补正",
        "other_unpaid_fee": "缴纳费用|收费通知", "other_misc": "其他$", "total": "总计$",
        "carried_forward": "结转下年",
    },
    "reviews": {"review": "^行政复议$", "lawsuit_direct": "未经复议",
                "lawsuit_after_review": "复议后起诉"},
}
COL_PATTERNS: dict[str, dict[str, str]] = {
    "proactive": {
        "issued": "制发", "repealed": "废止", "in_force": "现行有效", "decisions": "处理决定",
        "amount_10k_yuan": "收费金额", "new_made": "新制作", "new_published": "新公开",
        "total_published": "公开总", "prior_items": "上一?年.?项目", "change": "增/?减",
        "items": "采购项目", "amount_yuan": "采购总?金额",
    },
    "requests": {
        "natural_person": "自然人", "commercial": "商业企业", "research": "科研机构",
        "nonprofit": "社会公益|社会组织|公益组织", "legal_service": "法律服务", "other_org": "^其他$",
        "total": "^(总计|合计)$",
    },
    "reviews": {"upheld": "结果维持|维持", "corrected": "结果纠正|纠正", "other": "其他结果",
                "pending": "尚未审结|未审结", "total": "总计|合计"},
}
UNITS = {"amount_10k_yuan": "10k_yuan", "amount_yuan": "yuan"}
# Header words naming no column of their own: column groups and the rows' heading cells.
HEADER_WORDS = re.compile(r"^(申请人情况|法人或其他组织|信息内容|行政诉讼)$")


def build_spec(table: str, fmt: str) -> Spec:
    """The template of ``table`` in the form of ``fmt``, from the forms' vocabulary, with
    the variants reports print beside the form's own rows: a group's subtotal on a row
    of its own (（三）不予公开 5 0 …), and in the 2021 format （六）其他处理 as one row."""
    terms = [(t, False) for t in forms.rows(table, fmt)]
    if table == "requests":
        extra = [*forms.SUBTOTALS, *(forms.OTHER_2019 if fmt == "2021" else ())]
        for term in extra:
            at = next(i for i, (t, _) in enumerate(terms) if t.group == term.zh
                      or (term.key == "other" and t.group == forms.OTHER))
            terms.insert(at, (term, True))
    other = {t.key for t, optional in terms if optional and t.key == "other"}
    replaced = {t.key for t, _ in terms if t.group == forms.OTHER} if other else set()
    rows = tuple(Row(t.key, ROW_PATTERNS[table][t.key], t.cols, t.zh, optional,
                     tuple(sorted(replaced if t.key in other else other if t.key in replaced
                                  else ())))
                 for t, optional in terms)
    cols = tuple(Col(t.key, COL_PATTERNS[table][t.key], UNITS.get(t.key), t.zh)
                 for t in forms.cols(table, fmt))
    subtotals = {t.key for t in forms.SUBTOTALS}
    return Spec(table, tuple(r for r in rows if r.key not in subtotals), cols,
                table == "reviews", rows)


PROACTIVE_2021 = build_spec("proactive", "2021")
PROACTIVE_2019 = build_spec("proactive", "2019")
REQUESTS_2021 = build_spec("requests", "2021")
REQUESTS_2019 = build_spec("requests", "2019")
REVIEWS = build_spec("reviews", "2021")
REVIEW_COLS = REVIEWS.cols


def match_row(label: str, rows: Iterable[Row]) -> Row | None:
    """The row whose pattern matches nearest the end of ``label`` (earlier rows win ties)."""
    best, best_end = None, -1
    for row in rows:
        for m in re.finditer(row.pattern, label):
            if m.end() > best_end:
                best, best_end = row, m.end()
    return best


@lru_cache(maxsize=4096)
def match_col(text: str, cols: tuple[Col, ...]) -> Col | None:
    """The column a header cell names: by pattern, else by its likeness to the form's
    own label (a character dropped, added or swapped)."""
    key = label_key(text)
    if not key:
        return None
    for col in cols:
        if re.search(col.pattern, key):
            return col
    words = core(key)
    scored = [(1.0 if one_edit(words, core(col.label)) else likeness(words, core(col.label)), -i)
              for i, col in enumerate(cols) if col.label]
    best = max(scored, default=(0.0, 0))
    return cols[-best[1]] if best[0] >= COL_LIKENESS else None


def _value(spec: Spec, row_key: str, col_key: str, raw: str, flag: str | None = None) -> CellValue:
    value, vflag = parse_value(raw, spec.col(col_key).unit)
    return CellValue(spec.table, row_key, col_key, value, raw.strip(), flag or vflag)


# -- grids -----------------------------------------------------------------------------

Leaf = tuple[Col, Cell, "str | None"]


def _leaves(header: list[list[Cell]], spec: Spec) -> list[Leaf]:
    """Header cells naming a column, with the group (table 四) above each."""
    leaves: list[Leaf] = []
    seen: set[int] = set()
    for cells in header:
        for cell in cells:
            col = match_col(cell.text, spec.cols)
            if col is None or id(cell) in seen:
                continue
            seen.add(id(cell))
            group = _group(cell, header, spec) if spec.groups else None
            if not spec.groups or group:
                leaves.append((col, cell, group))
    return leaves if spec.groups else _eliminated(header, leaves, spec)


def _eliminated(header: list[list[Cell]], leaves: list[Leaf], spec: Spec) -> list[Leaf]:
    """A header cell too garbled to name its column (``社会织``) read as the one column
    left unnamed, when it stands between the columns that come before and after it in
    the form, in the row of its neighbours' cells."""
    named = {leaf[0].key: leaf[1] for leaf in leaves}
    missing = [i for i, col in enumerate(spec.cols) if col.key not in named]
    if len(missing) != 1 or not 0 < missing[0] < len(spec.cols) - 1:
        return leaves
    i = missing[0]
    left, right = named[spec.cols[i - 1].key], named[spec.cols[i + 1].key]
    row = next((cells for cells in header if any(c is left for c in cells)), [])
    if not any(c is right for c in row):
        return leaves
    used = {id(leaf[1]) for leaf in leaves}
    between = [c for c in row if left.last_col < c.col and c.last_col < right.col]
    if len(between) != 1 or id(between[0]) in used or not label_key(between[0].text):
        return leaves
    return sorted([*leaves, (spec.cols[i], between[0], None)], key=lambda leaf: leaf[1].col)


def _group(cell: Cell, header: list[list[Cell]], spec: Spec) -> str | None:
    group = None
    for upper in (c for cs in header for c in cs):
        if upper is not cell and upper.col <= cell.col and upper.last_col >= cell.last_col:
            row = _group_row(label_key(upper.text), spec)
            if row is not None:
                group = row.key
    return group


def _group_row(label: str, spec: Spec) -> Row | None:
    """The row a table 四 group heading names, by pattern or with one edit."""
    return match_row(label, spec.rows) or next(
        (r for r in spec.rows if approx(r.pattern, core(label)) >= 0), None)


def _assign(values: list[Cell], leaves: list[Leaf]) -> list[tuple[Cell, Leaf]]:
    """Each value cell with the unused header leaf it overlaps most (the first on ties)."""
    spans = [(leaf[1].col, leaf[1].col + leaf[1].colspan - 1) for leaf in leaves]
    out, used = [], set()
    for cell in values:
        first, last = cell.col, cell.col + cell.colspan - 1
        best, pick = 0, -1
        for i, (a, b) in enumerate(spans):
            overlap = min(last, b) - max(first, a) + 1
            if overlap > best and i not in used:
                best, pick = overlap, i
        if pick >= 0:
            used.add(pick)
            out.append((cell, leaves[pick]))
    return out


MIN_MARKER_CELLS = 2  # blank markers ("/", "—", "无") that make a row data, not a header


def _is_header(cells: list[Cell], spec: Spec) -> bool:
    """A row naming columns and holding no numbers (a blank data row is no header, nor
    is a row of markers: ``3.其他 / / /`` names 其他, a column's word, but prints "/"s)."""
    if any(is_number(c.text) or split_values(c.text) for c in cells):
        return False
    if sum(bool(c.text.strip()) and is_value(c.text) for c in cells) >= MIN_MARKER_CELLS:
        return False
    label = "".join(label_key(c.text) for c in cells)
    if spec.groups:  # table 四: every row above the values names groups or columns
        return bool(label) and not all(is_value(c.text) for c in cells)
    named = sum(match_col(c.text, spec.cols) is not None or HEADER_WORDS.search(label_key(c.text))
                is not None for c in cells)
    return named >= 2 or (named == 1 and match_row(label, spec.layout) is None)


def _header_rows(grid: Grid, spec: Spec) -> Iterable[tuple[int, list[Cell], list[Leaf]]]:
    """Each row that is not a header, with the header leaves in force over it; a header
    printed again (a continuation after a page break) replaces the leaves."""
    header: list[list[Cell]] = []
    leaves: list[Leaf] = []
    in_header = False
    for r in range(grid.nrows):
        cells = grid.row_cells(r)
        if not any(c.row == r for c in cells):
            continue
        if _is_header(cells, spec):
            header = header if in_header and not _restarts(header, cells) else []
            header.append(cells)
            in_header = True
            leaves = _leaves(header, spec) or leaves
            continue
        in_header = False
        yield r, cells, leaves


def _restarts(header: list[list[Cell]], cells: list[Cell]) -> bool:
    """Whether a header row begins a new header rather than continuing ``header``: it
    starts with the label an earlier row of it starts with (a repeated header page's
    ``信息内容 | 本年制发件数 …`` followed by the section's own ``信息内容 | 采购项目数量 …``)."""
    first = label_key(cells[0].text) if cells else ""
    return bool(first) and any(row and row[0].row != cells[0].row
                               and label_key(row[0].text) == first for row in header)


def _row_segment(r: int, cells: list[Cell], leaves: list[Leaf]) -> Segment:
    if leaves:
        first = min(leaf[1].col for leaf in leaves)
        label_cells = [c for c in cells if c.last_col < first]
        area = [c for c in cells if c.last_col >= first and c.row == r]
    else:  # no header seen: labels on the left, values after them, placed by count
        k = max((i + 1 for i, c in enumerate(cells) if not _valueish(c.text)), default=0)
        label_cells, area = cells[:k], [c for c in cells[k:] if c.row == r]
    labels = [label_key(c.text) for c in label_cells if c.text.strip()]
    labels += [label_key(c.text) for c in area if not _valueish(c.text)]
    values = [c for c in area if _valueish(c.text)]
    if not any(c.text.strip() for c in values) and cells and (tail := _trailing(cells[-1])):
        labels[-1:], values = [label_key(tail[0])], [Cell(tail[1], flag=cells[-1].flag)]
    if not leaves or any(split_values(c.text) for c in values):
        slots = [Slot(raw, None, c.flag) for c in values for raw in _raws(c.text)]
    else:
        slots = [Slot(c.text, leaf[0].key, c.flag) for c, leaf in _assign(values, leaves)]
    return Segment(labels, slots)


_LABEL_THEN_VALUES = re.compile(r"^(.*?[^\d\s.+-])\s+((?:[+-]?\d[\d,.]*\s*)+)$")


def _trailing(cell: Cell) -> tuple[str, str] | None:
    """A cell printing a row's label and then its values (``（一）予以公开 3 0 1``)."""
    m = _LABEL_THEN_VALUES.match(cell.text.strip())
    return (m.group(1), m.group(2).strip()) if m else None


def _valueish(text: str) -> bool:
    return is_value(text) or bool(split_values(text))


def _raws(text: str) -> list[str]:
    return split_values(text) or [text]


def grid_segments(grid: Grid, spec: Spec) -> list[Segment]:
    return [_row_segment(r, cells, leaves) for r, cells, leaves in _header_rows(grid, spec)]


def grid_cells(grid: Grid, spec: Spec) -> list[CellValue]:
    """Cells of ``spec`` found in ``grid``, columns assigned by header text."""
    if spec.groups:
        return _group_cells(grid, spec)
    return read_segments(grid_segments(grid, spec), spec)


def _group_cells(grid: Grid, spec: Spec) -> list[CellValue]:
    """Table 四: one row of 15 values under a header naming group and column."""
    out: list[CellValue] = []
    done: set[tuple[str, str]] = set()
    for r, cells, leaves in _header_rows(grid, spec):
        own = [c for c in cells if c.row == r]
        if not leaves or not any(_valueish(c.text) and c.text.strip() for c in own):
            continue
        raws = [x for c in own for x in _raws(c.text)]
        if any(split_values(c.text) for c in own) and len(raws) == len(leaves):
            ordered = sorted(leaves, key=lambda leaf: leaf[1].col)
            pairs = [(Cell(raw), leaf) for raw, leaf in zip(raws, ordered, strict=True)]
        else:
            pairs = _assign([c for c in own if is_value(c.text)], leaves)
        for cell, (col, _, group) in pairs:
            if (group, col.key) not in done:
                done.add((group, col.key))
                out.append(_value(spec, group, col.key, cell.text, cell.flag))
    return out


# -- flattened text --------------------------------------------------------------------


def tokens(lines: list[str]) -> list[tuple[str, bool]]:
    """(text, is_value) tokens; label pieces split by spaces are joined again; page
    furniture (``- 3 -``, ``第3页 共5页``) is dropped.

    In a tab-separated row the empty fields after its label are kept as ``""`` value
    tokens: they may be blank cells (the reader decides by counting).
    """
    out: list[tuple[str, bool]] = []
    for line in lines:
        if is_furniture(line):
            continue
        label: list[str] = []
        seen_label = False
        for field in line.rstrip(" \r\n").split("\t"):
            if not field.strip():
                if seen_label and "\t" in line:
                    if label:
                        out.append(("".join(label), False))
                        label = []
                    out.append(("", True))
                continue
            if label:  # a label in a field of its own (a tab row's group cell)
                out.append(("".join(label), False))
                label = []
            seen_label = True
            label = _split_field(_unfuse(field), label, out)
        if label:
            out.append(("".join(label), False))
    return out


_NUMBERING = re.compile(r"(?:^|(?<=\s))(\d{1,2})\s*([.、])\s*(?=\D)")
_CJK_THEN_DIGIT = re.compile(r"(?<=[\u4e00-\u9fff)）”’\"])(?=\d)")
# …but never a unit (85个, 933989元, 18651.06万元) or a date (2023年) from its number
_DIGIT_THEN_CJK = re.compile(r"(?<=\d)(?![个件项条元万次人年月日号])(?=[\u4e00-\u9fff(（])")
_RUN_THEN_ITEM = re.compile(r"(\d)(\d)\.(?=[\u4e00-\u9fff])")


def _unfuse(field: str) -> str:
    """Text whose white space was collapsed (``数量801000081二、上年…``): labels and digit
    runs are parted again, and an item number stuck to the digits before it
    (``00000002.其他…``) goes back to its label."""
    if not re.search(r"[\u4e00-\u9fff]\d|\d[\u4e00-\u9fff]", field):
        return field
    field = _RUN_THEN_ITEM.sub(r"\1 \2.", field)
    field = re.sub(r"(?<=\d)(?=[+-]\d)", " ", field)  # 2648-18538: a signed value follows
    field = _CJK_THEN_DIGIT.sub(" ", field)
    return _DIGIT_THEN_CJK.sub(" ", field)


def _split_field(field: str, label: list[str], out: list[tuple[str, bool]]) -> list[str]:
    """Tokens of one field (parts split by spaces); returns the open label pieces.

    Item numbers (``2 . 其他法律…``) stay with their label, never read as values.
    """
    for part in _NUMBERING.sub(r"\1\2", field).split(" "):
        if not part:
            continue
        if is_value(part) and part != "无":  # 无 in running text is a word, not a cell
            if label:
                out.append(("".join(label), False))
                label = []
            out.append((part, True))
        else:
            label.append(part)
    return label


def stream_segments(lines: list[str]) -> list[Segment]:
    """One segment per label token, with the run of values that follows it."""
    segs: list[Segment] = []
    for text, value in tokens(lines):
        if not value:
            segs.append(Segment([label_key(text)]))
        elif segs:
            segs[-1].values.append(Slot(text))
        else:
            segs.append(Segment([], [Slot(text)]))
    return segs


def stream_cells(lines: list[str], spec: Spec) -> list[CellValue]:
    """Cells of a row-labelled table (二, 三) from flattened text."""
    return read_segments(stream_segments(lines), spec)


# -- segments → cells ------------------------------------------------------------------


def read_segments(segs: list[Segment], spec: Spec) -> list[CellValue]:
    """Cells of the best placement of ``segs``; where several placements are possible,
    the one the checks like best, its cells flagged (NULL when the checks cannot tell)."""
    rows = spec.layout
    matches = align(segs, rows)
    options = alternatives(matches, segs, rows)
    readings = [_resolve_short(spec, _cells(spec, segs, option)) for option in options]
    if len(readings) == 1:
        return readings[0]
    best = _best(readings)
    flag = "row_aligned_by_checks" if len(best) == 1 else "row_ambiguous"
    return _agree(best, flag, {rows[m.row].key for o in options for m in o
                               if m.how in ("position", "blank_position")})


def _best(readings: list[list[CellValue]]) -> list[list[CellValue]]:
    """The readings the checks like best: fewest fails, most passes; blank cells counted
    as 0 only to break a tie, and then the smallest residual."""
    scores = []
    for r in readings:
        (f, p), (lf, lp) = consistency(r), consistency(r, lenient=True)
        scores.append((f, -p, lf, -lp, residual(r)))
    top = min(scores)
    return [r for r, s in zip(readings, scores, strict=True) if s == top]


def _agree(readings: list[list[CellValue]], flag: str, rows: set[str],
           ambiguous: str = "row_ambiguous") -> list[CellValue]:
    """One reading from several: a cell of the uncertain ``rows`` keeps its value where
    every reading agrees on it (flagged ``flag``), else it is NULL, flagged ``ambiguous``."""
    keyed = [{(c.row_key, c.col_key): c for c in r} for r in readings]
    out = []
    for key in dict.fromkeys(k for r in keyed for k in r):
        cells = [r.get(key) for r in keyed]
        first = next(c for c in cells if c is not None)
        if key[0] not in rows:
            out.append(first)
        elif all(c is not None and c.value == first.value for c in cells):
            out.append(CellValue(first.table, *key, first.value, first.raw, flag))
        else:
            out.append(CellValue(first.table, *key, None, first.raw, ambiguous))
    return out


_SHORT = "cells_fewer_than_columns"


def _cells(spec: Spec, segs: list[Segment], matches: list[Match]) -> list[CellValue]:
    out: list[CellValue] = []
    for m in matches:
        row, seg = spec.layout[m.row], segs[m.values]
        flag = _label_flag(m, segs)
        if m.how in ("blank", "blank_position"):
            why = "blank_row" if m.how == "blank" else "blank_row_by_order"
            out += [CellValue(spec.table, row.key, c, None, "", why) for c in row.cols]
        elif all(s.col is not None for s in seg.values):
            out += _grid_row(spec, row, seg, flag)
        else:
            n, run = len(row.cols), [s.raw for s in seg.values]
            filled = [x for x in run if x != ""]
            if len(filled) > n and len(filled) % n == 0:  # values of several rows
                run = filled[m.part * n:(m.part + 1) * n]
            out += _run_cells(spec, row, run, flag)
    return out


def _grid_row(spec: Spec, row: Row, seg: Segment, flag: str | None) -> list[CellValue]:
    """A grid row's cells by header column; a column the row prints no cell under is
    NULL (all of them ``blank_row`` when the row holds no value at all)."""
    cells = {s.col: s for s in seg.values if s.col in row.cols}
    if not any(label_key(s.raw) for s in seg.values):
        return [CellValue(spec.table, row.key, c, None, "", "blank_row") for c in row.cols]
    printed = [s for s in seg.values if label_key(s.raw)]
    in_order = seg.values if len(seg.values) == len(row.cols) else printed
    if not cells and len(in_order) == len(row.cols):
        # The header over it names other columns: Word's repeated header rows print a
        # table's first header on every page, over table 二's other sections too.
        return [_value(spec, row.key, c, s.raw, s.flag or "cols_by_order")
                for c, s in zip(row.cols, in_order, strict=True)]
    return [_value(spec, row.key, c, cells[c].raw, cells[c].flag or flag) if c in cells
            else CellValue(spec.table, row.key, c, None, "", "cell_missing") for c in row.cols]


def _label_flag(m: Match, segs: list[Segment]) -> str | None:
    label = "".join(s.label for s in segs[m.first:m.last + 1])
    if m.how == "position" or "\ufffd" in label:
        return "label_aligned_by_order"
    return "label_fuzzy_match" if m.how == "fuzzy" else None


def _run_cells(spec: Spec, row: Row, run: list[str], flag: str | None) -> list[CellValue]:
    """A row's cells from its values in printed order: as many values as columns are
    read in order; fewer are fused digits (split by R3 where it can tell) or, in table
    三, blank cells the flattening dropped (placed by the checks, see ``_resolve_short``)."""
    values = _row_values(run, len(row.cols))
    n = len(row.cols)
    if len(values) >= n or not values:
        return [_value(spec, row.key, col, raw, flag)
                for col, raw in zip(row.cols, values, strict=False)]
    digits = all(re.fullmatch(r"[+-]?\d+", v) for v in values)
    if digits and (spec.table != "requests" or any(map(_fused, values))
                   or len(values) < n - MAX_LOST_BLANKS):
        fused = _fused_row(spec, row, values)
        if spec.table != "requests" or fused[0].flag != "fused_digits_unsplit":
            return fused
    if spec.table == "requests" and not any(len(v) > MAX_DIGITS for v in values):
        return [CellValue(spec.table, row.key, col, None, "\t".join(values), _SHORT)
                for col in row.cols]
    return [CellValue(spec.table, row.key, col, None, " ".join(values), "fused_digits_unsplit")
            for col in row.cols]


def _fused(value: str) -> bool:
    """Digits that cannot be one count: too many, or a leading zero (``000023``)."""
    digits = value.lstrip("+-")
    return len(digits) > MAX_DIGITS or (len(digits) > 1 and digits.startswith("0"))


def _row_values(run: list[str], n: int) -> list[str]:
    """The ``n`` values of a row from a run of value tokens. Empty fields of a tab row
    are layout gaps (merged label cells) before its first value and after its last, blank
    cells between; they are dropped from the ends until the row has ``n`` fields."""
    run = trimmed(run, n)
    if len(run) == n:
        return run
    return [v for v in run if v != ""][:n]


# -- blank cells lost in flattening -----------------------------------------------------


def _resolve_short(spec: Spec, cells: list[CellValue]) -> list[CellValue]:
    """Rows of table 三 printed with fewer values than columns (blank cells dropped by
    the flattening): every layout of blank columns is tried, shared by rows of the same
    length; the one under which the checks hold best places the values, flagged. Where
    the checks cannot tell, the cells stay NULL."""
    short = {c.row_key: c.raw.split("\t") for c in cells if c.flag == _SHORT}
    if not short:
        return cells
    cols = [c.key for c in spec.cols]
    lengths = sorted({len(v) for v in short.values()})
    layouts = [list(combinations(range(len(cols)), k)) for k in lengths]
    candidates: list[list[CellValue]] = []
    for combo in _layouts(layouts):
        places = dict(zip(lengths, combo, strict=True))
        placed = [_place(spec, key, raws, places[len(raws)], cols) for key, raws in short.items()]
        candidates.append([c for c in cells if c.flag != _SHORT] + [x for p in placed for x in p])
    best = _best(candidates)
    flag = "blank_cells_by_checks" if len(best) == 1 else "blank_cells_ambiguous"
    return _agree(best, flag, set(short), "blank_cells_ambiguous")


def _layouts(options: list[list[tuple[int, ...]]]) -> list[list[tuple[int, ...]]]:
    out: list[list[tuple[int, ...]]] = [[]]
    for ways in options:
        out = [acc + [w] for acc in out for w in ways][:MAX_PATTERNS]
    return out


def _place(spec: Spec, row_key: str, raws: list[str], columns: tuple[int, ...],
           cols: list[str]) -> list[CellValue]:
    out = [CellValue(spec.table, row_key, c, None, "", _SHORT) for c in cols]
    for i, raw in zip(columns, raws, strict=True):
        out[i] = _value(spec, row_key, cols[i], raw, _SHORT)
    return out


# -- fused digits ----------------------------------------------------------------------


def _pieces(token: str, k: int) -> list[list[str]]:
    """Ways to cut a digit run into ``k`` numbers (no leading zeros, at most 6 digits)."""
    if k == 1:
        ok = len(token) <= MAX_DIGITS and (token == "0" or not token.startswith("0"))
        return [[token]] if ok else []
    out = []
    for n in range(1, min(MAX_DIGITS, len(token) - k + 1) + 1):
        head = token[:n]
        if len(head) > 1 and head.startswith("0"):
            break
        out += [[head, *rest] for rest in _pieces(token[n:], k - 1)]
    return out


def _fused_row(spec: Spec, row: Row, run: list[str]) -> list[CellValue]:
    """A row whose numbers were printed without separators (``801000081``): every split
    into the row's columns — consistent with R3 in table 三 — is tried; a cell where all
    of them agree gets its value, the others stay NULL with the digits in ``raw``."""
    n = len(row.cols)
    solutions: list[list[str]] = [[]]
    for i, token in enumerate(run):
        left = len(run) - i - 1
        sign, digits = (token[0], token[1:]) if token[0] in "+-" else ("", token)
        grown = []
        for sol in solutions:
            room = n - len(sol) - left
            for k in range(1, room + 1):
                grown += [sol + [sign + cut[0], *cut[1:]] for cut in _pieces(digits, k)]
        solutions = grown[:MAX_FUSED_SOLUTIONS]
    solutions = [s for s in solutions if len(s) == n]
    if spec.table == "requests" and row.cols[-1] == "total":
        solutions = [s for s in solutions if sum(map(int, s[:-1])) == int(s[-1])]
    raw = " ".join(run)
    if not solutions:
        return [CellValue(spec.table, row.key, col, None, raw, "fused_digits_unsplit")
                for col in row.cols]
    return _agreed(spec.table, [(row.key, col) for col in row.cols], solutions, raw)


def _agreed(table: str, keys: list[tuple[str, str]], solutions: list[list], raw: str
            ) -> list[CellValue]:
    """Cells from every consistent reading of fused digits (each a list aligned with
    ``keys``): a value where all readings agree, NULL flagged ambiguous where they do not;
    the digits as printed stay in ``raw``."""
    out = []
    for k, (row_key, col_key) in enumerate(keys):
        seen = {float(sol[k]) for sol in solutions}
        if len(seen) == 1:
            out.append(CellValue(table, row_key, col_key, seen.pop(), raw, "fused_digits_split"))
        else:
            out.append(CellValue(table, row_key, col_key, None, raw, "fused_digits_ambiguous"))
    return out


def split_fused(digits: str, groups: int = 3) -> list[list[list[int]]]:
    """Every split of a run of fused digits into ``groups`` rows of (4 counts + total)
    that satisfies R4.

    >>> split_fused("21317000001324019")
    [[[2, 1, 3, 1, 7], [0, 0, 0, 0, 0], [13, 2, 4, 0, 19]]]
    """
    solutions: list[list[list[int]]] = []

    def numbers(s: str, k: int) -> list[tuple[list[int], str]]:
        if k == 0:
            return [([], s)]
        res = []
        for n in range(1, min(5, len(s)) + 1):
            head = s[:n]
            if len(head) > 1 and head[0] == "0":
                break
            for rest, tail in numbers(s[n:], k - 1):
                res.append(([int(head), *rest], tail))
        return res

    def walk(s: str, acc: list[list[int]]):
        if len(acc) == groups:
            if not s:
                solutions.append(acc)
            return
        for row, tail in numbers(s, 5):
            if sum(row[:4]) == row[4]:
                walk(tail, [*acc, row])

    walk(digits, [])
    return solutions


# -- table 四 from text ----------------------------------------------------------------


def review_cells(lines: list[str]) -> list[CellValue]:
    """Table 四 from flattened text: 15 numbers in order, or a fused digit run split by R4.

    A tab-separated row of 15 fields keeps its empty fields as blanks.
    """
    for line in lines:
        # trailing tabs are trailing blank fields: rstrip() would drop a blank group
        fields = [f.strip() for f in line.rstrip(" \r\n").split("\t")]
        if len(fields) == 15 and sum(bool(f) and is_value(f) for f in fields) >= 5:
            return _review_values(fields, None)
    values = [t for t, v in tokens(lines) if v]
    cols = [c.key for c in REVIEW_COLS]
    if len(values) < 15 and values and re.fullmatch(r"\d{15,}", "".join(values)):
        return _fused_reviews("".join(values))
    if len(values) < 15:
        if len(values) == 12:  # no 总计 columns printed
            cols = cols[:4]
        else:
            return []
    return _review_values(values, None, cols)


def _fused_reviews(digits: str) -> list[CellValue]:
    """Cells from fused digits, split by R4 (see ``_agreed``)."""
    solutions = split_fused(digits)
    if not solutions:
        return []
    keys = [(g.key, c.key) for g in REVIEWS.rows for c in REVIEW_COLS]
    return _agreed("reviews", keys, [[n for row in sol for n in row] for sol in solutions],
                   digits)


def _review_values(values: list[str], flag: str | None,
                   cols: list[str] | None = None) -> list[CellValue]:
    groups = [r.key for r in REVIEWS.rows]
    cols = cols or [c.key for c in REVIEW_COLS]
    n = len(cols)
    return [_value(REVIEWS, groups[i // n], cols[i % n], values[i], flag) for i in range(3 * n)]
