"""The arithmetic a report's own tables must satisfy (勾稽关系).

A check touching a blank cell is ``n/a``, never ``fail``.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import forms
from .forms import APPLICANTS, OUTCOMES
from .tables import CellValue

REQUEST_COLS = tuple(c.key for c in forms.REQUEST_COLS)


@dataclass(frozen=True)
class Check:
    rule: str
    status: str  # pass | fail | n/a
    detail: str


def _status(values: list[float | None], left: list[float | None],
            right: list[float | None]) -> str:
    """n/a when any value involved is blank; else whether sum(left) == sum(right)."""
    if any(v is None for v in values):
        return "n/a"
    return "pass" if abs(sum(left) - sum(right)) < 1e-9 else "fail"


def _fmt(v: float | None) -> str:
    return "空" if v is None else f"{v:g}"


def run_checks(cells: list[CellValue], fmt: str) -> list[Check]:
    """R1–R5 over one report's cells."""
    grid = {(c.table, c.row_key, c.col_key): c.value for c in cells}
    present = {(c.table, c.row_key, c.col_key) for c in cells}
    out: list[Check] = []

    def req(row: str, col: str) -> float | None:
        return grid.get(("requests", row, col))

    if any(t == "requests" for t, _, _ in present):
        outcome_rows = [r for r in OUTCOMES if any(("requests", r, c) in present for c in REQUEST_COLS)]
        for col in REQUEST_COLS:
            a, b, t, f = (req(r, col) for r in ("new_received", "carried_over", "total", "carried_forward"))
            out.append(Check(f"R1:{col}", _status([a, b, t, f], [a, b], [t, f]),
                             f"新收 {_fmt(a)} + 结转 {_fmt(b)} = {_fmt((a or 0) + (b or 0))};"
                             f" 总计 {_fmt(t)} + 结转下年 {_fmt(f)} = {_fmt((t or 0) + (f or 0))}"))
            parts = [req(r, col) for r in outcome_rows]
            out.append(Check(f"R2:{col}", _status([t, *parts], parts, [t]),
                             f"总计 {_fmt(t)}; 各办理结果之和 {_fmt(sum(p or 0 for p in parts))}"))
        for row in ("new_received", "carried_over", *outcome_rows, "total", "carried_forward"):
            parts = [req(row, c) for c in APPLICANTS]
            t = req(row, "total")
            if ("requests", row, "total") not in present:
                continue
            out.append(Check(f"R3:{row}", _status([t, *parts], parts, [t]),
                             f"总计 {_fmt(t)}; 六类申请人之和 {_fmt(sum(p or 0 for p in parts))}"))
    for row in ("review", "lawsuit_direct", "lawsuit_after_review"):
        keys = [("reviews", row, c) for c in ("upheld", "corrected", "other", "pending", "total")]
        if not all(k in present for k in keys):
            continue
        *parts, t = (grid[k] for k in keys)
        out.append(Check(f"R4:{row}", _status([t, *parts], parts, [t]),
                         f"总计 {_fmt(t)}; 维持+纠正+其他+未审结 {_fmt(sum(p or 0 for p in parts))}"))
    bad = [c for c in cells if c.value is not None and _violates_r5(c, fmt)]
    out.append(Check("R5", "fail" if bad else "pass",
                     "; ".join(f"{c.table}.{c.row_key}.{c.col_key}={c.raw}" for c in bad)
                     or f"{sum(c.value is not None for c in cells)} values are non-negative integers"))
    return out


def _violates_r5(cell: CellValue, fmt: str) -> bool:
    if cell.col_key == "change" or cell.col_key.startswith("amount"):
        return False  # 2019 本年增/减 is signed; money is decimal
    return cell.value < 0 or cell.value != int(cell.value)


def carry_over_check(carried_over: float | None, previous_forward: float | None,
                     previous_year: int) -> Check:
    """This year's 上年结转 must equal last year's 结转下年度继续办理 (总计 column)."""
    status = _status([carried_over, previous_forward], [carried_over], [previous_forward])
    return Check("carry_over", status,
                 f"上年结转 {_fmt(carried_over)}; {previous_year}年报告结转下年 {_fmt(previous_forward)}")
