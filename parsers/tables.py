"""Table cells with canonical keys, from grids (HTML/PDF/DOCX) or from flattened text.

Two mappers share one vocabulary of row and column labels:

* ``grid_cells`` assigns each value cell to the header leaf it overlaps most, so
  columns follow the header text, not physical position;
* ``stream_cells`` walks flattened text (one cell per line, tab rows, PDF text lines),
  resolving each run of labels to the template row matched nearest the numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .grid import Cell, Grid
from .normalize import label_key
from .values import is_number, is_value, parse_value


@dataclass(frozen=True)
class Col:
    key: str
    pattern: str
    unit: str | None = None


@dataclass(frozen=True)
class Row:
    key: str
    pattern: str
    cols: tuple[str, ...] = ()


@dataclass(frozen=True)
class Spec:
    table: str
    rows: tuple[Row, ...]
    cols: tuple[Col, ...]
    groups: bool = False  # table 四: row keys come from header groups

    def col(self, key: str) -> Col:
        return next(c for c in self.cols if c.key == key)


@dataclass(frozen=True)
class CellValue:
    table: str
    row_key: str
    col_key: str
    value: float | None
    raw: str
    flag: str | None = None


def _rows(cols: tuple[str, ...], *pairs: tuple[str, str]) -> tuple[Row, ...]:
    return tuple(Row(key, pattern, cols) for key, pattern in pairs)


_P21_COLS = (
    Col("issued", "制发"), Col("repealed", "废止"), Col("in_force", "现行有效"),
    Col("decisions", "处理决定"), Col("amount_10k_yuan", "收费金额", "10k_yuan"),
)
PROACTIVE_2021 = Spec("proactive", (
    *_rows(("issued", "repealed", "in_force"), ("rules", "规章"), ("normative_docs", "规范性文件")),
    *_rows(("decisions",), ("licensing", "行政许可"), ("punishment", "行政处罚"),
           ("enforcement", "行政强制")),
    Row("fees", "行政事业性收费", ("amount_10k_yuan",)),
), _P21_COLS)

_P19_COLS = (
    Col("new_made", "新制作"), Col("new_published", "新公开"), Col("total_published", "公开总"),
    Col("prior_items", "上一?年.?项目"), Col("change", "增/?减"), Col("decisions", "处理决定"),
    Col("items", "采购项目"), Col("amount_yuan", "采购总?金额", "yuan"),
)
_ITEMS = ("prior_items", "change", "decisions")
PROACTIVE_2019 = Spec("proactive", (
    *_rows(("new_made", "new_published", "total_published"),
           ("rules", "规章"), ("normative_docs", "规范性文件")),
    *_rows(_ITEMS, ("licensing", "行政许可"), ("other_services", "其他对外管理服务"),
           ("punishment", "行政处罚"), ("enforcement", "行政强制")),
    Row("fees", "行政事业性收费", ("prior_items", "change")),
    Row("procurement", "政府集中采购", ("items", "amount_yuan")),
), _P19_COLS)

REQUEST_COLS = (
    Col("natural_person", "自然人"), Col("commercial", "商业企业"), Col("research", "科研机构"),
    Col("nonprofit", "社会公益|社会组织|公益组织"), Col("legal_service", "法律服务"),
    Col("other_org", "^其他$"), Col("total", "^(总计|合计)$"),
)
_RC = tuple(c.key for c in REQUEST_COLS)
_REQUEST_HEAD = (("new_received", "本年(度)?新收"), ("carried_over", "上年(度)?结转"),
                 ("granted", "(?<!不)予以公开"), ("partially_granted", "部分公开"),
                 ("denied_state_secret", "国家秘密"), ("denied_prohibited_by_law", "法律.?行政法规禁止"),
                 ("denied_security_stability", "三安全一稳定|危及"), ("denied_third_party", "第三方"),
                 ("denied_internal_affairs", "内部事务"), ("denied_process_info", "过程性"),
                 ("denied_enforcement_file", "执法案卷"), ("denied_inquiry", "行政查询"),
                 ("unavailable_not_held", "不掌握"), ("unavailable_needs_creation", "另行制作"),
                 ("unavailable_unclear", "仍不明确|补正后"), ("rejected_petition", "信访|举报投诉"),
                 ("rejected_duplicate", "重复申请"), ("rejected_publication", "出版物"),
                 ("rejected_excessive", "大量反复"), ("rejected_confirmation", "确认或重新出具|重新出具"))
_REQUEST_TAIL = (("total", "总计$"), ("carried_forward", "结转下年"))
REQUESTS_2019 = Spec("requests", _rows(
    _RC, *_REQUEST_HEAD, ("other", "其他处理$"), *_REQUEST_TAIL), REQUEST_COLS)
# Some 2021-format reports still print （六）其他处理 as one row: kept as ``other``.
REQUESTS_2021 = Spec("requests", _rows(
    _RC, *_REQUEST_HEAD, ("other", "其他处理$"), ("other_no_correction", "不补正"), ("other_unpaid_fee", "缴纳费用|收费通知"),
    ("other_misc", "其他$"), *_REQUEST_TAIL), REQUEST_COLS)

REVIEW_COLS = (Col("upheld", "结果维持|维持"), Col("corrected", "结果纠正|纠正"),
               Col("other", "其他结果"), Col("pending", "尚未审结|未审结"), Col("total", "总计|合计"))
REVIEWS = Spec("reviews", _rows(
    tuple(c.key for c in REVIEW_COLS),
    ("review", "^行政复议$"), ("lawsuit_direct", "未经复议"), ("lawsuit_after_review", "复议后起诉"),
), REVIEW_COLS, groups=True)


def _search(pattern: str, text: str) -> re.Match | None:
    return re.search(pattern, text)


def match_row(label: str, rows: tuple[Row, ...]) -> Row | None:
    """The row whose pattern matches nearest the end of ``label`` (earlier rows win ties)."""
    best, best_end = None, -1
    for row in rows:
        for m in re.finditer(row.pattern, label):
            if m.end() > best_end:
                best, best_end = row, m.end()
    return best


def garbled_row(label: str, rows: list[Row]) -> Row | None:
    """For a label with lost characters: the next row in template order sharing most
    of its pattern's characters with what is left of the label."""
    tail = label[label.rfind(")") + 1:] if ")" in label else label
    best, best_score = None, 0.0
    for row in rows:
        chars = set(re.sub(r"[^\u4e00-\u9fff]", "", row.pattern))
        score = len(chars & set(tail)) / len(chars) if chars else 0.0
        if score > best_score:
            best, best_score = row, score
    return best


def match_col(text: str, cols: tuple[Col, ...]) -> Col | None:
    key = label_key(text)
    for col in cols:
        if key and _search(col.pattern, key):
            return col
    return None


def _value(spec: Spec, row_key: str, col_key: str, raw: str, flag: str | None = None) -> CellValue:
    value, vflag = parse_value(raw, spec.col(col_key).unit)
    return CellValue(spec.table, row_key, col_key, value, raw.strip(), flag or vflag)


# -- grids -----------------------------------------------------------------------------


def _leaves(header: list[list[Cell]], spec: Spec) -> list[tuple[Col, Cell, str | None]]:
    """Header cells naming a column, with the group (table 四) above each."""
    leaves: list[tuple[Col, Cell, str | None]] = []
    seen: set[int] = set()
    for cells in header:
        for cell in cells:
            col = match_col(cell.text, spec.cols)
            if col is None or id(cell) in seen:
                continue
            seen.add(id(cell))
            group = None
            if spec.groups:
                for upper in (c for cs in header for c in cs):
                    if upper.col <= cell.col and upper.last_col >= cell.last_col and upper is not cell:
                        row = match_row(label_key(upper.text), spec.rows)
                        if row is not None:
                            group = row.key
            if not spec.groups or group:
                leaves.append((col, cell, group))
    return leaves


def _overlap(a: Cell, b: Cell) -> int:
    return max(0, min(a.last_col, b.last_col) - max(a.col, b.col) + 1)


def _assign(values: list[Cell], leaves) -> list[tuple[Cell, tuple[Col, Cell, str | None]]]:
    out, used = [], set()
    for cell in values:
        scored = [(_overlap(cell, leaf[1]), -i, i) for i, leaf in enumerate(leaves) if i not in used]
        scored = [s for s in scored if s[0] > 0]
        if scored:
            _, _, i = max(scored)
            used.add(i)
            out.append((cell, leaves[i]))
    return out


def grid_cells(grid: Grid, spec: Spec) -> list[CellValue]:
    """Cells of ``spec`` found in ``grid``, columns assigned by header text."""
    out: list[CellValue] = []
    header: list[list[Cell]] = []
    leaves: list = []
    done: set[str] = set()
    in_header = False
    for r in range(grid.nrows):
        cells = grid.row_cells(r)
        own = [c for c in cells if c.row == r]
        if not own:
            continue
        if not any(is_number(c.text) for c in cells):
            if not in_header:
                header = []
            header.append(cells)
            in_header = True
            leaves = _leaves(header, spec)
            continue
        in_header = False
        if not leaves:
            continue
        first = min(leaf[1].col for leaf in leaves)
        values = [c for c in cells if c.last_col >= first and c.row == r and is_value(c.text)]
        if spec.groups:
            for cell, (col, _, group) in _assign(values, leaves):
                if (group, col.key) not in done:
                    done.add((group, col.key))
                    out.append(_value(spec, group, col.key, cell.text))
            continue
        label = "".join(label_key(c.text) for c in cells if c.last_col < first)
        row = match_row(label, tuple(x for x in spec.rows if x.key not in done))
        if row is None:
            continue
        done.add(row.key)
        for cell, (col, _, _) in _assign(values, [lf for lf in leaves if lf[0].key in row.cols]):
            out.append(_value(spec, row.key, col.key, cell.text))
    return out


# -- flattened text --------------------------------------------------------------------


def tokens(lines: list[str]) -> list[tuple[str, bool]]:
    """(text, is_value) tokens; label pieces split by spaces are joined again.

    In a tab-separated row the empty fields after its label are kept as ``""`` value
    tokens: they may be blank cells (the stream walker decides by counting).
    """
    out: list[tuple[str, bool]] = []
    for line in lines:
        label: list[str] = []
        seen_label = False
        for field in line.rstrip().split("\t"):
            if not field.strip():
                if seen_label and "\t" in line:
                    if label:
                        out.append(("".join(label), False))
                        label = []
                    out.append(("", True))
                continue
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


def stream_cells(lines: list[str], spec: Spec) -> list[CellValue]:
    """Cells of a row-labelled table (二, 三) from flattened text."""
    toks = tokens(lines)
    out: list[CellValue] = []
    remaining = list(spec.rows)
    buffer: list[str] = []
    i = 0
    while i < len(toks):
        text, value = toks[i]
        if not value:
            buffer.append(label_key(text))
            i += 1
            continue
        label = "".join(buffer[-6:])
        row = match_row(label, tuple(remaining))
        buffer = []
        flag = None
        if row is None and "\ufffd" in label:
            row, flag = garbled_row(label, remaining), "label_aligned_by_order"
        if row is None:
            i += 1
            continue
        remaining = remaining[remaining.index(row) + 1:]
        run = []
        while i < len(toks) and toks[i][1]:
            run.append(toks[i][0])
            i += 1
        values = _row_values(run, len(row.cols))
        if len(values) < len(row.cols) and values and all(
                re.fullmatch(r"[+-]?\d+", v) for v in values):
            out.extend(_fused_row(spec, row, values))
            continue
        if len(values) < len(row.cols) and any(re.match(r"\d{7}", v) for v in values):
            out.extend(CellValue(spec.table, row.key, col, None, " ".join(values),
                                 "fused_digits_unsplit") for col in row.cols)
            continue
        for col, raw in zip(row.cols, values, strict=False):
            out.append(_value(spec, row.key, col, raw, flag))
    return out


def _pieces(token: str, k: int) -> list[list[str]]:
    """Ways to cut a digit run into ``k`` numbers (no leading zeros, at most 6 digits)."""
    if k == 1:
        ok = len(token) <= 6 and (token == "0" or not token.startswith("0"))
        return [[token]] if ok else []
    out = []
    for n in range(1, min(6, len(token) - k + 1) + 1):
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
        solutions = grown[:5000]
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


def _row_values(run: list[str], n: int) -> list[str]:
    """The ``n`` values of a row from a run of value tokens: empty fields count as blank
    cells only when the row has exactly ``n`` fields; otherwise they are layout gaps."""
    while run and run[-1] == "":
        run = run[:-1]
    filled = [v for v in run if v != ""]
    if len(filled) >= n or len(run) != n:
        return filled[:n]
    return run


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


def review_cells(lines: list[str]) -> list[CellValue]:
    """Table 四 from flattened text: 15 numbers in order, or a fused digit run split by R4.

    A tab-separated row of 15 fields keeps its empty fields as blanks.
    """
    for line in lines:
        fields = [f.strip() for f in line.rstrip().split("\t")]
        if len(fields) == 15 and sum(is_number(f) for f in fields) >= 5:
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
