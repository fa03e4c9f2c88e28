"""Cell values as printed → numbers, and the cell a report stores.

>>> parse_value("85个")
(85.0, None)
>>> parse_value("+1,036")
(1036.0, None)
>>> parse_value("18651.06万元", unit="yuan")
(186510600.0, 'converted_10k_yuan')
>>> parse_value("/")
(None, None)
>>> parse_value("3 0 1")
(None, 'several_values')
>>> split_values("3 0 1 0\\t4")
['3', '0', '1', '0', '4']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .normalize import label_key

BLANKS = {"", "/", "-", "--", "—", "——", "－", "无", "空", "\\"}
_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(万元|元|个|件|项|条|次|人|%)?$")
_ONE = r"[+-]?\d[\d,]*(?:\.\d+)?(?:万元|元|个|件|项|条|次|人|%)?"
_SEVERAL = re.compile(rf"^\s*{_ONE}(?:\s+{_ONE})+\s*$")


@dataclass(frozen=True)
class CellValue:
    """One stored cell: canonical keys, the value (None: not stated or unreadable), the
    text as printed and why it needs a second look, if it does."""

    table: str
    row_key: str
    col_key: str
    value: float | None
    raw: str
    flag: str | None = None


def split_values(text: str) -> list[str] | None:
    """The numbers of a cell or line holding several (``3 0 1 0 0 0 4``), else None."""
    found = _several(text)
    return list(found) if found else None


@lru_cache(maxsize=8192)
def _several(text: str) -> tuple[str, ...] | None:
    return tuple(text.split()) if _SEVERAL.match(text) else None


@lru_cache(maxsize=8192)
def is_value(raw: str) -> bool:
    """True when a cell holds one number or a blank marker, not a label."""
    if _several(raw):
        return False
    text = label_key(raw)
    return text in BLANKS or bool(_NUMBER.match(text))


@lru_cache(maxsize=8192)
def is_number(raw: str) -> bool:
    return not _several(raw) and bool(_NUMBER.match(label_key(raw)))


def parse_value(raw: str, unit: str | None = None) -> tuple[float | None, str | None]:
    """Return (value, flag). Blank and marker cells are None: "not stated", never 0.

    ``unit`` is the unit of the column: ``"yuan"`` converts 万元 to 元,
    ``"10k_yuan"`` converts 元 to 万元.
    """
    if split_values(raw):
        return None, "several_values"
    text = label_key(raw)
    match = _NUMBER.match(text)
    if not match:
        return None, (None if text in BLANKS else "unparsed_value")
    sign, digits, frac, suffix = match.groups()
    value = float(digits.replace(",", "") + (frac or ""))
    if sign == "-":
        value = -value
    flag = None
    if unit == "yuan" and suffix == "万元":
        value, flag = round(value * 10000, 2), "converted_10k_yuan"
    elif unit == "10k_yuan" and suffix == "元":
        value, flag = round(value / 10000, 6), "converted_yuan"
    return value, flag
