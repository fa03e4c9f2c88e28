"""The arithmetic a report's own tables must satisfy (勾稽关系), and the figures its prose
restates, as one list of named rules (``RULES``). Each rule turns a report's cells (and
its text) into checks; a check touching a blank cell or a figure the prose does not
state is ``n/a``, never ``fail``.

>>> from nianbao.parsers.values import CellValue
>>> cells = [CellValue("requests", "granted", "total", 7.0, "7")]
>>> [(c.rule, c.status) for c in text_checks(cells, "2021", "全年予以公开7件。")][:3]
[('T1', 'n/a'), ('T2', 'pass'), ('T3', 'n/a')]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import forms
from .forms import APPLICANTS, OUTCOMES
from .values import CellValue

REQUEST_COLS = tuple(c.key for c in forms.REQUEST_COLS)
REVIEW_COLS = tuple(c.key for c in forms.REVIEW_COLS)
TABLE_RULES = ("R1", "R2", "R3", "R4")  # what ``consistency`` counts


@dataclass(frozen=True)
class Check:
    rule: str
    status: str  # pass | fail | n/a
    detail: str


@dataclass
class Facts:
    """What rules look at: one report's cells, its format and its prose."""

    cells: list[CellValue]
    fmt: str = "2021"
    text: str = ""
    grid: dict[tuple[str, str, str], float | None] = field(init=False)
    present: set[tuple[str, str, str]] = field(init=False)

    def __post_init__(self) -> None:
        self.grid = {(c.table, c.row_key, c.col_key): c.value for c in self.cells}
        self.present = set(self.grid)

    def req(self, row: str, col: str) -> float | None:
        return self.grid.get(("requests", row, col))

    def has(self, table: str) -> bool:
        return any(t == table for t, _, _ in self.present)


@dataclass(frozen=True)
class Rule:
    name: str
    about: str
    run: Callable[[Facts], list[Check]]


def _status(values: list[float | None], left: list[float | None],
            right: list[float | None]) -> str:
    """n/a when any value involved is blank; else whether sum(left) == sum(right)."""
    if any(v is None for v in values):
        return "n/a"
    return "pass" if abs(sum(left) - sum(right)) < 1e-9 else "fail"


def _fmt(v: float | None) -> str:
    return "空" if v is None else f"{v:g}"


def _sum(values: list[float | None]) -> float:
    return sum(v or 0 for v in values)


def _outcome_rows(f: Facts) -> list[str]:
    return [r for r in OUTCOMES if any(("requests", r, c) in f.present for c in REQUEST_COLS)]


def _r1(f: Facts) -> list[Check]:
    out = []
    for col in REQUEST_COLS:
        a, b, t, w = (f.req(r, col) for r in ("new_received", "carried_over", "total",
                                               "carried_forward"))
        out.append(Check(f"R1:{col}", _status([a, b, t, w], [a, b], [t, w]),
                         f"新收 {_fmt(a)} + 结转 {_fmt(b)} = {_fmt(_sum([a, b]))};"
                         f" 总计 {_fmt(t)} + 结转下年 {_fmt(w)} = {_fmt(_sum([t, w]))}"))
    return out


def _r2(f: Facts) -> list[Check]:
    rows, out = _outcome_rows(f), []
    for col in REQUEST_COLS:
        t, parts = f.req("total", col), [f.req(r, col) for r in rows]
        out.append(Check(f"R2:{col}", _status([t, *parts], parts, [t]),
                         f"总计 {_fmt(t)}; 各办理结果之和 {_fmt(_sum(parts))}"))
    return out


def _r3(f: Facts) -> list[Check]:
    out = []
    for row in ("new_received", "carried_over", *_outcome_rows(f), "total", "carried_forward"):
        if ("requests", row, "total") not in f.present:
            continue
        parts, t = [f.req(row, c) for c in APPLICANTS], f.req(row, "total")
        out.append(Check(f"R3:{row}", _status([t, *parts], parts, [t]),
                         f"总计 {_fmt(t)}; 六类申请人之和 {_fmt(_sum(parts))}"))
    return out


def _r4(f: Facts) -> list[Check]:
    out = []
    for row in (r.key for r in forms.REVIEW_ROWS):
        keys = [("reviews", row, c) for c in REVIEW_COLS]
        if not all(k in f.present for k in keys):
            continue
        *parts, t = (f.grid[k] for k in keys)
        out.append(Check(f"R4:{row}", _status([t, *parts], parts, [t]),
                         f"总计 {_fmt(t)}; 维持+纠正+其他+未审结 {_fmt(_sum(parts))}"))
    return out


def _r5(f: Facts) -> list[Check]:
    bad = [c for c in f.cells if c.value is not None and _violates_r5(c)]
    return [Check("R5", "fail" if bad else "pass",
                  "; ".join(f"{c.table}.{c.row_key}.{c.col_key}={c.raw}" for c in bad)
                  or f"{sum(c.value is not None for c in f.cells)} values are non-negative integers")]


def _violates_r5(cell: CellValue) -> bool:
    if cell.col_key == "change" or cell.col_key.startswith("amount"):
        return False  # 2019 本年增/减 is signed; money is decimal
    return cell.value < 0 or cell.value != int(cell.value)


def _requests(rule: Callable[[Facts], list[Check]]) -> Callable[[Facts], list[Check]]:
    return lambda f: rule(f) if f.has("requests") else []


# -- the prose against the tables ----------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
def chinese_number(text: str) -> int | None:
    """``"21"``, ``"二十一"`` or ``"一百零五"`` → an integer."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        else:
            return None
    return total + digit


Key = tuple[str, str, str]
_NUMBER = r"(\d+|[零〇一二两三四五六七八九十百千]+)"
# words between a phrase and its figure; never the subject of another count
_GAP = r"(?:(?!公开|处理|提供|复议|诉讼|结转)[^\d，。；、,.;:：\n]){0,8}?"


@dataclass(frozen=True)
class TextRule:
    """A figure the prose restates: the phrase that introduces it and, per format, the
    cells (summed) it must equal — several readings when the prose is commonly meant
    either way (收到 with or without the requests carried over)."""

    name: str
    about: str
    phrase: str
    cells: dict[str, tuple[tuple[Key, ...], ...]]
    nothing: str | None = None  # a phrase stating the figure is zero (未收到…申请)

    def stated(self, text: str) -> int | None:
        m = re.search(f"(?:{self.phrase}){_GAP}{_NUMBER}\\s*(?:件|个|条|份|项)", text)
        if m:
            return chinese_number(m.group(m.lastindex))
        return 0 if self.nothing and re.search(self.nothing, text) else None

    def check(self, f: Facts) -> Check:
        said = self.stated(f.text)
        readings = [[f.grid.get(k) for k in keys] for keys in self.cells.get(f.fmt, ())]
        readings = [r for r in readings if r and all(v is not None for v in r)]
        if said is None or not readings:
            why = "正文未提及" if said is None else "表格未填"
            return Check(self.name, "n/a", f"{self.about}: {why}")
        sums = [_sum(r) for r in readings]
        status = "pass" if any(abs(t - said) < 1e-9 for t in sums) else "fail"
        table = " 或 ".join(_fmt(t) for t in dict.fromkeys(sums))
        return Check(self.name, status, f"{self.about}: 正文 {said}; 表格 {table}")


def _both(*readings: tuple[Key, ...]) -> dict[str, tuple[tuple[Key, ...], ...]]:
    return {"2019": readings, "2021": readings}


def _totals(*rows: str) -> tuple[Key, ...]:
    return tuple(("requests", r, "total") for r in rows)


def _group_totals(group: str) -> tuple[Key, ...]:
    return _totals(*(t.key for t in forms.REQUEST_ROWS_2021 if t.group == group))


def _other_totals() -> dict[str, tuple[tuple[Key, ...], ...]]:
    return {"2019": (_totals("other"),), "2021": (_group_totals(forms.OTHER), _totals("other"))}


TEXT_RULES = [
    TextRule("T1", "收到申请",
             r"(?:收到|新收|受理)(?:各类|了)?(?:政府信息公开|信息公开|依申请公开)?(?:申请|申请件)",
             _both(_totals("new_received"), _totals("new_received", "carried_over")),
             r"(?:未|没有)(?:收到|受理|接到)(?:任何)?(?:政府信息公开|信息公开|依申请公开)?(?:的)?申请"),
    TextRule("T2", "予以公开", r"(?<!不)予以公开(?![及和与、])", _both(_totals("granted"))),
    TextRule("T3", "部分公开", r"(?<![及和与、])部分公开", _both(_totals("partially_granted"))),
    TextRule("T4", "予以公开及部分公开", r"(?:予以|全部)公开[及和与、]部分公开",
             _both(_totals("granted", "partially_granted"))),
    TextRule("T5", "不予公开", r"不予公开", _both(_group_totals(forms.DENIED))),
    TextRule("T6", "无法提供", r"无法提供", _both(_group_totals(forms.UNAVAILABLE))),
    TextRule("T7", "不予处理", r"不予处理", _both(_group_totals(forms.REJECTED))),
    TextRule("T8", "其他处理", r"其他处理", _other_totals()),
    TextRule("T9", "上年结转", r"上年(?:度)?结转", _both(_totals("carried_over"))),
    TextRule("T10", "结转下年", r"结转(?:至|到)?下(?:一)?年", _both(_totals("carried_forward"))),
    TextRule("T11", "主动公开规范性文件", r"(?:主动公开|制发|印发|出台)(?:行政)?规范性文件",
             {"2021": ((("proactive", "normative_docs", "issued"),),),
              "2019": ((("proactive", "normative_docs", "new_published"),),)}),
    TextRule("T12", "行政复议", r"行政复议(?:案件|申请)?",
             _both((("reviews", "review", "total"),)),
             r"(?:未|没有)(?:发生|收到|出现|涉及)[^。，,]{0,12}行政复议"),
    TextRule("T13", "行政诉讼", r"行政诉讼(?:案件)?",
             _both((("reviews", "lawsuit_direct", "total"),
                    ("reviews", "lawsuit_after_review", "total"))),
             r"(?:未|没有)(?:发生|收到|出现|涉及)[^。，,]{0,16}行政诉讼"),
]


def text_checks(cells: list[CellValue], fmt: str, text: str) -> list[Check]:
    """The T rules alone (see ``TEXT_RULES``)."""
    facts = Facts(cells, fmt, text)
    return [rule.check(facts) for rule in TEXT_RULES]


RULES: list[Rule] = [
    Rule("R1", "新收 + 上年结转 = 总计 + 结转下年 (每列)", _requests(_r1)),
    Rule("R2", "总计 = 各办理结果之和 (每列)", _requests(_r2)),
    Rule("R3", "总计列 = 六类申请人之和 (每行)", _requests(_r3)),
    Rule("R4", "行政复议、诉讼: 总计 = 维持 + 纠正 + 其他 + 未审结", _r4),
    Rule("R5", "计数为非负整数", _r5),
    *(Rule(t.name, t.about, lambda f, t=t: [t.check(f)]) for t in TEXT_RULES),
]


def run_checks(cells: list[CellValue], fmt: str, text: str = "") -> list[Check]:
    """Every rule of ``RULES`` over one report's cells (and its text, for the T rules)."""
    facts = Facts(cells, fmt, text)
    return [check for rule in RULES for check in rule.run(facts)]


def consistency(cells: list[CellValue], lenient: bool = False) -> tuple[int, int]:
    """(fails, passes) of the table rules R1–R4 over ``cells``: how well a reading of a
    table agrees with its own arithmetic, to choose between readings. ``lenient`` counts
    blank cells as 0 (to tell readings apart when blank rows leave every sum n/a; the
    stored cells stay NULL)."""
    if lenient:
        cells = [c if c.value is not None else CellValue(c.table, c.row_key, c.col_key, 0.0, "")
                 for c in cells]
    facts = Facts(cells)
    checks = [c for rule in RULES if rule.name in TABLE_RULES for c in rule.run(facts)]
    return (sum(c.status == "fail" for c in checks), sum(c.status == "pass" for c in checks))


def residual(cells: list[CellValue]) -> float:
    """How far a reading of table 三 is from its own arithmetic: the sum over R1–R3 of
    |total − parts|, a blank part counted as 0 and a check whose total is blank left
    out (to rank readings the rules cannot tell apart, e.g. when a row is unreadable)."""
    f = Facts(cells)
    part = lambda row, col: f.req(row, col) or 0.0  # noqa: E731
    rows = _outcome_rows(f)
    gap = 0.0
    for col in REQUEST_COLS:
        total = f.req("total", col)
        if total is not None:
            gap += abs(total - sum(part(r, col) for r in rows))
            gap += abs(part("new_received", col) + part("carried_over", col) - total
                       - part("carried_forward", col))
    for row in ("new_received", "carried_over", *rows, "total", "carried_forward"):
        if (total := f.req(row, "total")) is not None:
            gap += abs(total - sum(part(row, c) for c in APPLICANTS))
    return gap


def carry_over_check(carried_over: float | None, previous_forward: float | None,
                     previous_year: int) -> Check:
    """This year's 上年结转 must equal last year's 结转下年度继续办理 (总计 column)."""
    status = _status([carried_over, previous_forward], [carried_over], [previous_forward])
    return Check("carry_over", status,
                 f"上年结转 {_fmt(carried_over)}; {previous_year}年报告结转下年 {_fmt(previous_forward)}")


# The forms' other rules (subtotals, table 二), written on top of ``Facts`` and ``Rule``.
from .rules import form_rules  # noqa: E402

RULES.extend(form_rules())
