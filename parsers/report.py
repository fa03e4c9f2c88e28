"""A ``Document`` → a ``Report``: metadata, six sections, format, table cells, checks.

>>> from nianbao.parsers.extract import from_text
>>> parse_report(from_text("某县2023年政府信息公开工作年度报告\\n一、总体情况\\n正文")).reason
'no_tables_or_sections'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .checks import Check, run_checks
from .extract import Document
from .grid import Grid
from .normalize import label_key, stable_text
from .tables import (
    PROACTIVE_2019,
    PROACTIVE_2021,
    REQUESTS_2019,
    REQUESTS_2021,
    REVIEWS,
    CellValue,
    Spec,
    grid_cells,
    review_cells,
    stream_cells,
)
from .values import parse_value

SECTION_KEYWORDS = {
    1: "总体情况|概述|基本情况|总体",
    2: "主动公开",
    3: "收到和处理|依申请|申请情况",
    4: "复议|诉讼",
    5: "问题|改进",
    6: "其他需要|其他事项|其他",
}
_NUMERALS = "一二三四五六"
_HEADING = re.compile(r"^([一二三四五六])\s*[、.,，．]\s*(.{1,44})$")
_TITLE_REPORT = re.compile(r"(政府)?(信息|政务)公开.{0,12}(年度报告|年报|工作报告)|年度报告|年报")
_NOT_REPORT = re.compile(
    r"通知|要点|工作报表|政府工作报告|法治政府|指南|目录|函$|的函|意见|方案|年度报表|考核|统计表$"
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,15}[〔\[【(]\s*(?:19|20)\d{2}\s*[〕\]】)]\s*\d{1,4}\s*号")
_REGION = re.compile(r"^((?:.{2,8}?(?:省|自治区))?(?:.{1,8}?(?:市|自治州|州|盟))?(?:.{1,10}?(?:区|县|旗|市))?)")
_FORMAT_MARKERS = {
    "2021": ("制发件数", "废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额", "不补正",
             "缴纳费用"),
    "2019": ("新制作数量", "新公开数量", "上一年项目数量", "政府集中采购", "第二十条第(九)项",
             "其他对外管理服务", "增/减"),
}


@dataclass
class Section:
    number: int
    heading: str
    text: str


@dataclass
class Report:
    title: str = ""
    agency: str | None = None
    region: str | None = None
    year: int | None = None
    published: str | None = None
    doc_number: str | None = None
    format: str = "legacy"
    sections: list[Section] = field(default_factory=list)
    cells: list[CellValue] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    text: str = ""
    is_report: bool = True
    reason: str | None = None


# -- metadata --------------------------------------------------------------------------


def report_title(doc: Document) -> str:
    """The report's own title: the page title cut of its site suffix, or its headline."""
    candidates = [doc.title, *doc.lines[:12]]
    for cand in candidates:
        for part in re.split(r"\s*[_|]\s*|\s+-\s+", cand or ""):
            if _TITLE_REPORT.search(part) and len(part) <= 80:
                return part.strip()
    return (doc.title or (doc.lines[0] if doc.lines else "")).strip()[:120]


def looks_like_report_title(title: str) -> bool:
    """Report titles, not the notices, work plans and guides published beside them.

    >>> looks_like_report_title("某县2023年度政府信息公开工作年度报告（图片版）")
    True
    >>> looks_like_report_title("关于做好2023年政府信息公开工作年度报告编制发布工作的通知")
    False
    """
    key = label_key(title)
    return bool(_TITLE_REPORT.search(key)) and not _NOT_REPORT.search(key)


def _iso(match: re.Match) -> str:
    y, m, d = (int(g) for g in match.groups())
    return f"{y:04d}-{m:02d}-{d:02d}"


def published_date(doc: Document) -> str | None:
    for key in ("PubDate", "firstpublishedtime"):
        if m := _DATE.search(doc.meta.get(key, "")):
            return _iso(m)
    for line in doc.lines[:15]:
        if re.search(r"(发布|发表|时间|日期)", line) and (m := _DATE.search(line)):
            return _iso(m)
    for line in reversed(doc.lines[-8:]):
        if len(line) <= 20 and (m := _DATE.search(line)):
            return _iso(m)
    return None


def report_year(title: str, text: str) -> int | None:
    if m := _YEAR.search(title):
        return int(m.group(1))
    if m := re.search(r"统计期限.{0,6}?((?:19|20)\d{2})年", text):
        return int(m.group(1))
    if m := re.search(r"((?:19|20)\d{2})\s*年度?(政府信息公开|政务公开)", text[:2000]):
        return int(m.group(1))
    return None


def agency_name(title: str, doc: Document) -> str | None:
    head = re.split(r"(?:19|20)\d{2}\s*年", title)[0] if _YEAR.search(title) else ""
    head = re.sub(r"^关于|[《》“”\"\s]", "", head)
    if len(head) >= 2:
        return head
    if doc.meta.get("ContentSource"):
        return doc.meta["ContentSource"]
    for line in reversed(doc.lines[-6:]):
        if 2 <= len(line) <= 30 and re.search(r"(政府|办事处|局|委员会|街道|乡|镇|办公室)$", line):
            return line
    return None


def document_number(lines: list[str]) -> str | None:
    """The report's own 文号, printed on a line of its own (cited ones are inside prose)."""
    for line in lines:
        m = _DOC_NO.search(line)
        if m and len(line.strip()) <= len(m.group(0)) + 4:
            return re.sub(r"\s+", "", m.group(0))
    return None


def region_of(agency: str | None) -> str | None:
    if not agency:
        return None
    region = _REGION.match(agency).group(1)
    return region or None


# -- sections and tables ---------------------------------------------------------------


def split_sections(lines: list[str]) -> tuple[list[str], list[Section]]:
    """(preamble lines, sections) under the six headings, found in order."""
    starts: list[tuple[int, int, str]] = []
    wanted = 1
    for i, line in enumerate(lines):
        m = _HEADING.match(line.strip())
        if not m:
            continue
        number = _NUMERALS.index(m.group(1)) + 1
        if number >= wanted and re.search(SECTION_KEYWORDS[number], m.group(2)):
            starts.append((i, number, line.strip()))
            wanted = number + 1
    sections = []
    for k, (i, number, heading) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        sections.append(Section(number, heading, "\n".join(lines[i + 1:end])))
    preamble = lines[: starts[0][0]] if starts else lines
    return preamble, sections


def detect_format(text: str, year: int | None) -> tuple[str, dict[str, int]]:
    """2021 vs 2019 from the tables' own labels; the year only breaks ties."""
    key = label_key(text)
    score = {fmt: sum(marker in key for marker in markers)
             for fmt, markers in _FORMAT_MARKERS.items()}
    if score["2021"] > score["2019"]:
        return "2021", score
    if score["2019"] > score["2021"]:
        return "2019", score
    if year and year >= 2019:  # no table labels to go by: the format in force that year
        return ("2021" if year >= 2021 else "2019"), score
    return "legacy", score


def _classify(grid: Grid) -> str | None:
    key = label_key(grid.text())
    if "本年新收" in key or ("自然人" in key and "予以公开" in key):
        return "requests"
    if "行政复议" in key and ("结果维持" in key or "维持" in key):
        return "reviews"
    if "第二十条" in key or "信息内容" in key or "行政许可" in key:
        return "proactive"
    if "指标名称" in key or "计量单位" in key:
        return "legacy"
    return None


def legacy_cells(grid: Grid) -> list[CellValue]:
    """A province-style statistics table, keyed by its printed labels."""
    out: list[CellValue] = []
    header = [label_key(c.text) for c in grid.row_cells(0)] if grid.nrows else []
    for r in range(1, grid.nrows):
        cells = grid.row_cells(r)
        if len(cells) < 2:
            continue
        row_key = label_key(cells[0].text)
        for i, cell in enumerate(cells[1:], start=1):
            col_key = header[i] if i < len(header) else f"col{i}"
            if col_key in ("计量单位", "单位"):
                continue
            value, flag = parse_value(cell.text)
            out.append(CellValue("legacy", row_key, col_key, value, cell.text.strip(), flag))
    return out


def table_cells(doc: Document, sections: list[Section], fmt: str) -> list[CellValue]:
    specs: dict[str, Spec] = {
        "proactive": PROACTIVE_2021 if fmt == "2021" else PROACTIVE_2019,
        "requests": REQUESTS_2021 if fmt == "2021" else REQUESTS_2019,
        "reviews": REVIEWS,
    }
    by_number = {s.number: s.text.splitlines() for s in sections}
    found: dict[str, list[CellValue]] = {}
    for grid in doc.tables:
        kind = _classify(grid)
        if kind == "legacy":
            found.setdefault("legacy", []).extend(legacy_cells(grid))
        elif kind in specs and fmt != "legacy" and kind not in found:
            cells = grid_cells(grid, specs[kind])
            if cells:
                found[kind] = cells
    if fmt != "legacy":
        for kind, number in (("proactive", 2), ("requests", 3), ("reviews", 4)):
            if kind in found:
                continue
            lines = by_number.get(number) or []
            cells = (review_cells(lines) if kind == "reviews"
                     else stream_cells(lines, specs[kind]))
            if cells:
                found[kind] = cells
    return [c for kind in ("proactive", "requests", "reviews", "legacy") for c in found.get(kind, [])]


# -- the whole report ------------------------------------------------------------------


def version_text(doc: Document) -> str:
    """The normalised report text a version is keyed on (table cells included)."""
    tables = [] if doc.kind == "html" else [g.text() for g in doc.tables]
    return stable_text("\n".join([*doc.lines, *tables]))


def parse_report(doc: Document) -> Report:
    """Parse a document; ``is_report`` False (with ``reason``) for pages that are not reports."""
    title = report_title(doc)
    report = Report(title=title, flags=list(doc.flags), text=version_text(doc))
    if not looks_like_report_title(title):
        report.is_report, report.reason = False, f"title_not_report:{title[:60]}"
        return report
    preamble, report.sections = split_sections(doc.lines)
    full = "\n".join([*doc.lines, *(g.text() for g in doc.tables)])
    report.published = published_date(doc)
    report.year = report_year(title, full)
    if report.year is None and report.published:
        report.year = int(report.published[:4]) - 1
        report.flags.append("year_from_published")
    report.agency = agency_name(title, doc)
    report.region = region_of(report.agency)
    report.doc_number = document_number(preamble[:12] or doc.lines[:8])
    report.format, score = detect_format(full, report.year)
    if report.format != "legacy" and not any(score.values()):
        report.flags.append("format_from_year")
    report.cells = table_cells(doc, report.sections, report.format)
    if len(report.sections) < 2 and not report.cells:
        report.is_report, report.reason = False, "no_tables_or_sections"
        return report
    if report.format != "legacy":
        missing = {"proactive", "requests", "reviews"} - {c.table for c in report.cells}
        if missing:
            report.flags.append("tables_missing:" + ",".join(sorted(missing)))
        report.checks = run_checks(report.cells, report.format)
    report.flags.extend(sorted({f"cell_{c.flag}" for c in report.cells if c.flag}))
    return report
