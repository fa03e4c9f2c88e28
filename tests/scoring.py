"""Score the parser against the independent report generator (tests/generators/documents.py).

Per family: cell accuracy over every cell of the form (a blank printed cell must come back
NULL, a number as that number), wrong cells that carry no flag (the ones a user would
trust), agency / year / format accuracy. Used by tests/test_generated_reports.py (small, in
CI) and bench/parse_generated.py (hundreds of documents).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from nianbao.parsers.pipeline import parse_capture
from tests.generators.documents import GeneratedReport


@dataclass
class FamilyScore:
    documents: int = 0
    cells: int = 0
    right: int = 0
    wrong_unflagged: int = 0
    agency_right: int = 0
    year_right: int = 0
    format_right: int = 0
    not_reports: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.cells if self.cells else 0.0

    def line(self, family: str) -> str:
        return (f"{family:20} docs {self.documents:4}  cells {self.right:6}/{self.cells:<6} "
                f"{100 * self.accuracy:6.2f}%  wrong-unflagged {self.wrong_unflagged:4}  "
                f"agency {self.agency_right}/{self.documents}  year {self.year_right}/"
                f"{self.documents}  format {self.format_right}/{self.documents}")


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 1e-6


def score(case: GeneratedReport, into: FamilyScore) -> None:
    parsed = parse_capture(case.data, case.content_type, f"http://127.0.0.1/doc/{case.filename}")
    into.documents += 1
    report = parsed.report
    if report is None or not report.is_report:
        into.not_reports += 1
        into.cells += len(case.cells)
        into.examples.append(f"{case.family}: not a report ({parsed.flags or report.reason})")
        return
    got = {(c.table, c.row_key, c.col_key): c for c in report.cells}
    for key, truth in case.cells.items():
        into.cells += 1
        cell = got.get(key)
        value = cell.value if cell else None
        if _same(value, truth):
            into.right += 1
            continue
        if value is not None and not (cell and cell.flag):
            into.wrong_unflagged += 1
        if len(into.examples) < 30:
            into.examples.append(f"{case.family} seed-note {case.notes[:2]} {key}: "
                                 f"truth {truth} got {value} raw {cell.raw if cell else None!r}")
    into.agency_right += (report.agency or "").replace(" ", "") == case.agency
    into.year_right += report.year == case.year
    into.format_right += report.format == case.format


def score_all(cases: Iterable[GeneratedReport]) -> dict[str, FamilyScore]:
    scores: dict[str, FamilyScore] = defaultdict(FamilyScore)
    for case in cases:
        score(case, scores[case.family])
    return dict(scores)


def summary(scores: dict[str, FamilyScore]) -> str:
    total = FamilyScore()
    lines = []
    for family, s in sorted(scores.items()):
        lines.append(s.line(family))
        for name in ("documents", "cells", "right", "wrong_unflagged", "agency_right",
                     "year_right", "format_right"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
    lines.append(total.line("ALL"))
    return "\n".join(lines)
