"""The rules the national forms imply within one report, beyond R1–R5: the subtotals of
（三）不予公开 / （四）无法提供 / （五）不予处理 / （六）其他处理 where a report prints them, and
table 二's own arithmetic (2019 format). Each is a named rule (``FORM_RULES``) with a
plain-language explanation; a rule touching a blank cell is ``n/a``, never ``fail``.

Rules across years (carry-over, 现行有效件数, 上一年项目数量) need the same body's other
reports and live in ``archive/series.py``.

>>> from nianbao.parsers.checks import Facts
>>> from nianbao.parsers.values import CellValue
>>> cells = [CellValue("requests", "denied", "total", 3.0, "3"),
...          CellValue("requests", "denied_state_secret", "total", 1.0, "1"),
...          CellValue("requests", "denied_third_party", "total", 1.0, "1")]
>>> [(c.rule, c.status) for c in subtotal_checks(Facts(cells, "2021"))]
[('S3:total', 'fail')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import forms

if TYPE_CHECKING:  # checks.py imports this module at its end: its names are used at run time
    from .checks import Check, Facts, Rule

# Subtotal rule → (the subtotal row's key, the group its parts are printed under).
SUBTOTAL_RULES = {
    "S3": ("denied", forms.DENIED),
    "S4": ("unavailable", forms.UNAVAILABLE),
    "S5": ("rejected", forms.REJECTED),
    "S6": ("other", forms.OTHER),  # 2021: （六）其他处理 printed as a row above its three items
}
DOC_ROWS = ("rules", "normative_docs")  # table 二, 第二十条第（一）项
ITEM_ROWS = tuple(t.key for t in forms.P19_ROWS if "prior_items" in t.cols)

EXPLANATIONS = {
    "S3": f"表三每列：印出“{forms.DENIED}”合计行时，它应等于其下 1–8 项之和。",
    "S4": f"表三每列：印出“{forms.UNAVAILABLE}”合计行时，它应等于其下 1–3 项之和。",
    "S5": f"表三每列：印出“{forms.REJECTED}”合计行时，它应等于其下 1–5 项之和。",
    "S6": f"表三每列（2021 版）：“{forms.OTHER}”印成一行且其下 1–3 项也印出时，前者应等于后者之和。",
    "P1": (f"表二（2019 版）：“{forms.label('proactive', 'col', 'total_published')}”包含本年新公开的，"
           f"不应小于“{forms.label('proactive', 'col', 'new_published')}”。"),
    "P2": (f"表二（2019 版）：“{forms.label('proactive', 'col', 'prior_items')}”加“"
           f"{forms.label('proactive', 'col', 'change')}”是本年的项目数，不能为负。"),
}


def _printed(f: Facts, row: str) -> bool:
    return any(("requests", row, c) in f.present for c in forms.APPLICANTS + ("total",))


def _subtotal(f: Facts, rule: str) -> list[Check]:
    """One of S3–S6: a printed subtotal row equals the sum of the rows under it, per column."""
    from .checks import Check, _fmt, _status
    key, group = SUBTOTAL_RULES[rule]
    parts = [r for r in forms.group_rows(group) if _printed(f, r)]
    if not _printed(f, key) or not parts:
        return []
    out = []
    for col in (c.key for c in forms.REQUEST_COLS if ("requests", key, c.key) in f.present):
        total, values = f.req(key, col), [f.req(r, col) for r in parts]
        out.append(Check(f"{rule}:{col}", _status([total, *values], values, [total]),
                         f"{group} {_fmt(total)}; 其下各项之和 {_fmt(sum(v or 0 for v in values))}"))
    return out


def subtotal_checks(f: Facts) -> list[Check]:
    """S3–S6 together."""
    return [c for rule in SUBTOTAL_RULES for c in _subtotal(f, rule)]


def _proactive(f: Facts, row: str, col: str) -> float | None:
    return f.grid.get(("proactive", row, col))


def published_checks(f: Facts) -> list[Check]:
    """P1 (2019 format): 对外公开总数量 ≥ 本年新公开数量."""
    from .checks import Check, _fmt
    out: list[Check] = []
    for row in DOC_ROWS:
        if f.fmt != "2019" or not any(("proactive", row, c) in f.present
                                      for c in ("new_published", "total_published")):
            continue
        new, total = _proactive(f, row, "new_published"), _proactive(f, row, "total_published")
        status = "n/a" if new is None or total is None else ("pass" if total >= new else "fail")
        out.append(Check(f"P1:{row}", status, f"{forms.label('proactive', 'row', row)}: "
                         f"新公开 {_fmt(new)}; 公开总数 {_fmt(total)}"))
    return out


def item_checks(f: Facts) -> list[Check]:
    """P2 (2019 format): 上一年项目数量 + 本年增/减 ≥ 0."""
    from .checks import Check, _fmt
    out: list[Check] = []
    for row in ITEM_ROWS:
        if f.fmt != "2019" or ("proactive", row, "prior_items") not in f.present:
            continue
        prior, change = _proactive(f, row, "prior_items"), _proactive(f, row, "change")
        status = ("n/a" if prior is None or change is None
                  else "pass" if prior + change >= 0 else "fail")
        out.append(Check(f"P2:{row}", status, f"{forms.label('proactive', 'row', row)}: "
                         f"上一年 {_fmt(prior)}; 增减 {_fmt(change)}"))
    return out


def form_rules() -> list[Rule]:
    """S3–S6, P1, P2 as ``checks.Rule``s (``checks.RULES`` takes them in)."""
    from .checks import Rule
    subtotals = [Rule(n, EXPLANATIONS[n], lambda f, n=n: _subtotal(f, n)) for n in SUBTOTAL_RULES]
    return [*subtotals, Rule("P1", EXPLANATIONS["P1"], published_checks),
            Rule("P2", EXPLANATIONS["P2"], item_checks)]
