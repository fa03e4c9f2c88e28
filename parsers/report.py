"""A ``Document`` → a ``Report``: metadata, six sections, format, table cells, checks.

>>> from nianbao.parsers.extract import from_text
>>> parse_report(from_text("某县2023年政府信息公开工作年度报告\\n一、总体情况\\n正文")).reason
'no_tables_or_sections'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .align import approx
from .checks import Check, chinese_number, run_checks
from .extract import Document
from .grid import Grid, stitch
from .normalize import is_furniture, label_key, stable_text
from .repair import _t2s, traditional_share
from .tables import (
    PROACTIVE_2019,
    PROACTIVE_2021,
    REQUESTS_2019,
    REQUESTS_2021,
    REVIEWS,
    Spec,
    grid_cells,
    match_row,
    review_cells,
    stream_cells,
)
from .values import CellValue, is_number, is_value, parse_value

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

_FILE_NOISE = re.compile(r"^\s*Microsoft\s*Word\s*-\s*|\.(?:docx?|wps|pdf|ofd)\s*$", re.I)
_CHROME = re.compile(r"版权所有|网站首页|当前位置|您现在的位置|主办单位|承办单位|网站标识码|ICP|备案"
                     r"|联系我们|技术支持|首页|浏览|访问量|打印|关闭|分享|字号|来源[:：]|发布(?:时间|日期)")
_AGENCY_END = re.compile(r"(?:政府|办事处|街道|管委会|委员会|局|委|办公室|办|厅|中心|院|所|队|站|署|部|处"
                         r"|镇|乡|区|县|市|旗|公司|馆|社|会|集团)$")
_YEAR_WORD = re.compile(r"((?:19|20)\d{2})\s*年度?")
_SUBJECT = re.compile(r"(?:政府信息公开|政务公开|信息公开|政府信息|政务信息)")
MAX_AGENCY = 40  # characters; a longer "agency" is a sentence
HEAD_LINES = 15  # lines at the top holding the title and the publication line
SIGNATURE_LINES = 8  # lines at the end holding the signature and its date
MAX_DATE_LINE = 20  # characters of a line that is a date, not a sentence citing one
STATEMENT_LINES = 40  # lines in which a report says who compiled it
FIRST_LINES = 5  # lines before the title that may name the body
MAX_TITLE = 80
TRADITIONAL_SHARE = 0.1  # a title with more changed characters is read after 繁→简


def _simplified(text: str) -> str:
    return _t2s().convert(text) if text and traditional_share(text) > TRADITIONAL_SHARE else text


def _title_parts(text: str) -> list[str]:
    text = _FILE_NOISE.sub("", text or "")
    return [p.strip() for p in re.split(r"\s*[_|]\s*|\s+-\s+", text) if p.strip()]


def _is_title(part: str) -> bool:
    """A report title, not a sentence citing one."""
    return (bool(_TITLE_REPORT.search(label_key(part))) and len(part) <= MAX_TITLE
            and not re.search(r"[，。；,;]|根据|按照|依据", part))


def report_title(doc: Document) -> str:
    """The report's own title: the page title cut of its site suffix, or its headline
    (a headline broken over two lines is joined; a title in Traditional characters is
    read after 繁→简). A title naming the body beats one that does not (a PDF's
    properties often hold a file name such as ``Microsoft Word - 2023年年报``)."""
    heads = [doc.title or "", *(line.strip() for line in doc.lines[:HEAD_LINES])]
    found = list(_titles(heads)) or list(_titles([_simplified(h) for h in heads]))
    named = next((t for t in found if agency_from_title(t)), None)
    return named or (found[0] if found else
                     (doc.title or (doc.lines[0] if doc.lines else "")).strip()[:120])


def _titles(heads: list[str]) -> Iterator[str]:
    """Every title among the page title (``heads[0]``) and the first lines, in order."""
    title, lines = heads[0], heads[1:]
    yield from (part for part in _title_parts(title) if _is_title(part))
    for i, line in enumerate(lines):
        part = next((p for p in _title_parts(line) if _is_title(p)), None)
        if part:
            before = lines[i - 1] if i else ""
            if _YEAR_WORD.match(part) and _agency_like(before) and not _YEAR_WORD.search(before):
                yield before + part
            yield part
    for a, b in zip(lines, lines[1:], strict=False):
        if _is_title(a + b) and not _CHROME.search(a):
            yield a + b


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


_PDF_DATE = re.compile(r"^D?:?((?:19|20)\d{2})(\d{2})(\d{2})")
_PROPERTY_DATES = ("CreationDate", "ModDate", "created", "modified")


def published_date(doc: Document) -> str | None:
    """From the page's own metadata, a dated line at the top, the signature's date, or
    the file's properties (PDF CreationDate, DOCX created), in that order."""
    for key in ("PubDate", "firstpublishedtime"):
        if m := _DATE.search(doc.meta.get(key, "")):
            return _iso(m)
    for line in doc.lines[:HEAD_LINES]:
        if re.search(r"(发布|发表|时间|日期)", line) and (m := _DATE.search(line)):
            return _iso(m)
    for line in reversed(_body_lines(doc)[-SIGNATURE_LINES:]):
        if len(line) <= MAX_DATE_LINE and (m := _DATE.search(line)):
            return _iso(m)
        if len(line) <= MAX_DATE_LINE and (date := chinese_date(line)):
            return date
    for key in _PROPERTY_DATES:
        value = doc.meta.get(key, "")
        if m := (_PDF_DATE.match(value) or _DATE.search(value)):
            return _iso(m)
    return None


_CN_DATE = re.compile(r"([〇零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
                      r"\s*([一二三四五六七八九十]{1,3})\s*日")
_CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}


def chinese_date(text: str) -> str | None:
    """A date written in Chinese numerals, as signatures print them.

    >>> chinese_date("二〇二四年一月二十日")
    '2024-01-20'
    """
    m = _CN_DATE.search(text)
    if not m:
        return None
    year = int("".join(_CN_DIGIT[c] for c in m.group(1)))
    month, day = chinese_number(m.group(2)), chinese_number(m.group(3))
    if not (month and day and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _body_lines(doc: Document) -> list[str]:
    return [line for line in doc.lines if not is_furniture(line) and not _CHROME.search(line)]


def report_year(title: str, text: str) -> int | None:
    if m := _YEAR.search(title):
        return int(m.group(1))
    if m := re.search(r"统计期限.{0,6}?((?:19|20)\d{2})年", text):
        return int(m.group(1))
    if m := re.search(r"((?:19|20)\d{2})\s*年度?(政府信息公开|政务公开)", text[:2000]):
        return int(m.group(1))
    return None


def _agency_like(text: str) -> bool:
    text = text.strip()
    return (2 <= len(text) <= MAX_AGENCY and bool(_AGENCY_END.search(text))
            and not _CHROME.search(text) and not re.search(r"[，。：:；;!！?？\d]", text)
            and not _TITLE_REPORT.search(text))


def _trim(name: str) -> str:
    name = re.sub(r"^(?:关于|印发|公布)+", "", name)
    return re.sub(r"(?:关于|的|发布|公布|编制)+$", "", name)


def agency_from_title(title: str) -> str | None:
    """The body named by the title, prefixes kept as printed, 关于 and 年度 stripped:

    >>> agency_from_title("柳宁市太江县应急管理局2022年度政府信息公开工作年度报告")
    '柳宁市太江县应急管理局'
    >>> agency_from_title("太江县人民政府关于2023年政府信息公开工作年度报告")
    '太江县人民政府'
    >>> agency_from_title("2023年太江县石门镇政府信息公开工作年度报告")
    '太江县石门镇'
    """
    text = re.sub(r"[《》“”\"\s]|[(（][^)）]{0,8}[)）]$", "", _simplified(title))
    m = _YEAR_WORD.search(text)
    if not m:
        return None
    head = _trim(text[:m.start()])
    if len(head) >= 2 and not _CHROME.search(head):
        return head
    subject = _SUBJECT.search(text, m.end())
    head = _trim(text[m.end():subject.start()]) if subject else ""
    return head if len(head) >= 2 and not _CHROME.search(head) else None


_SEAL = re.compile(r"[(（]\s*(?:盖章|印章|章)\s*[)）]$")
_STATEMENT = re.compile(r"(?:本(?:年度)?报告|本年报)?(?:是|系)?由([\u4e00-\u9fff()（）]{2,40}?)"
                        r"(?:负责)?(?:编制|编写|制作|起草)")


def agency_from_body(doc: Document) -> str | None:
    """The body's own statement (``本报告由XX编制``), else its signature (the name above
    the closing date), else a name heading the document; never page chrome."""
    lines = _body_lines(doc)
    for line in lines[:STATEMENT_LINES]:
        if (m := _STATEMENT.search(line)) and _agency_like(_trim(m.group(1))):
            return _trim(m.group(1))
    tail = [_SEAL.sub("", line).strip() for line in lines[-SIGNATURE_LINES:]]
    for i in range(len(tail) - 1, -1, -1):
        dated = _DATE.search(tail[i]) or chinese_date(tail[i])
        if dated and i and _agency_like(tail[i - 1]):
            return tail[i - 1]
    if doc.meta.get("ContentSource"):
        return doc.meta["ContentSource"]
    for line in reversed(tail):
        if _agency_like(line):
            return line.strip()
    return next((line.strip() for line in lines[:FIRST_LINES] if _agency_like(line)), None)


def agency_name(title: str, doc: Document) -> str | None:
    return agency_from_title(title) or agency_from_body(doc)


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
    """Which table a grid is, from its header words, or for a part continuing a table
    on a later page (no header of its own), from the form rows its labels name."""
    key = label_key(grid.text())
    if "本年新收" in key or ("自然人" in key and "予以公开" in key):
        return "requests"
    # 行政复议 and 行政诉讼 head table 四 alone: either, even with a typo (政复议,
    # 行复政议), beside the 维持 of its columns
    if "维持" in key and any(w in key or approx(w, key) >= 0 for w in ("行政复议", "行政诉讼")):
        return "reviews"
    if "第二十条" in key or "信息内容" in key or "行政许可" in key:
        return "proactive"
    if "指标名称" in key or "计量单位" in key:
        return "legacy"
    hits = {kind: len(_rows_named(grid, spec)) for kind, spec in
            (("requests", REQUESTS_2021), ("proactive", PROACTIVE_2019))}
    kind = max(hits, key=lambda k: hits[k])
    return kind if hits[kind] >= MIN_CONTINUATION_ROWS else None


MIN_CONTINUATION_ROWS = 2  # form rows a headerless part must name to be read as a table


def _rows_named(grid: Grid, spec: Spec) -> list[int]:
    """Indexes (in form order) of the rows of ``spec`` the grid's rows holding numbers name."""
    out = []
    for r in range(grid.nrows):
        cells = grid.row_cells(r)
        if not any(is_number(c.text) for c in cells):
            continue
        label = "".join(label_key(c.text) for c in cells if not is_value(c.text))
        row = match_row(label, spec.layout)
        if row is not None:
            out.append(spec.layout.index(row))
    return out


def _has_values(grid: Grid) -> bool:
    return any(is_number(c.text) for r in range(grid.nrows) for c in grid.row_cells(r))


def table_runs(grids: list[Grid], specs: dict[str, Spec]) -> list[tuple[str, list[Grid]]]:
    """Grids grouped into tables: a part printed after a page break (or a table the
    author split in two) joins the table before it when it carries on the same form
    where that one stopped, or holds only values."""
    runs: list[tuple[str, list[Grid]]] = []
    last: Grid | None = None
    for grid in grids:
        kind = _classify(grid)
        prev = runs[-1] if runs and runs[-1][1][-1] is last else None
        if prev and kind is None and _has_values(grid):
            prev[1].append(grid)
        elif prev and kind == prev[0] and kind in specs and _continues(prev[1], grid, specs[kind]):
            prev[1].append(grid)
        elif kind is not None:
            runs.append((kind, [grid]))
        last = grid
    return runs


def _continues(parts: list[Grid], grid: Grid, spec: Spec) -> bool:
    if spec.groups:
        return not _leaf_groups(grid)
    before = [i for part in parts for i in _rows_named(part, spec)]
    after = _rows_named(grid, spec)
    return not before or not after or min(after) > max(before)


def _leaf_groups(grid: Grid) -> bool:
    key = label_key(grid.text())
    return "行政复议" in key and "总计" in key and "未经复议" in key


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


def specs_for(fmt: str) -> dict[str, Spec]:
    return {"proactive": PROACTIVE_2021 if fmt == "2021" else PROACTIVE_2019,
            "requests": REQUESTS_2021 if fmt == "2021" else REQUESTS_2019,
            "reviews": REVIEWS}


def table_cells(doc: Document, sections: list[Section], fmt: str) -> list[CellValue]:
    specs = specs_for(fmt)
    found: dict[str, list[CellValue]] = {}
    grids: dict[str, Grid] = {}
    for kind, parts in table_runs(doc.tables, specs):
        if kind == "legacy":
            found.setdefault("legacy", []).extend(c for g in parts for c in legacy_cells(g))
        elif kind in specs and fmt != "legacy" and kind not in found:
            grid = stitch(parts)
            cells = grid_cells(grid, specs[kind])
            if cells:
                found[kind], grids[kind] = cells, grid
    if fmt != "legacy":
        by_number = {s.number: s.text.splitlines() for s in sections}
        for kind, number in (("proactive", 2), ("requests", 3), ("reviews", 4)):
            # the grid's own text read as tab rows, then the section's text
            for lines in ((grids[kind].text().splitlines() if kind in grids else []),
                          by_number.get(number) or []):
                if not _complete(found.get(kind, []), specs[kind]):
                    found[kind] = _complement(found.get(kind, []), lines, specs[kind])
    return [c for kind in ("proactive", "requests", "reviews", "legacy")
            for c in found.get(kind, [])]


def _complete(cells: list[CellValue], spec: Spec) -> bool:
    rows = {c.row_key for c in cells}
    return bool(cells) and all(r.key in rows for r in spec.rows if not r.optional)


def _complement(cells: list[CellValue], lines: list[str], spec: Spec) -> list[CellValue]:
    """Rows a grid lacks, read from the section's text when the text agrees with the
    grid on every cell both hold (a table part the PDF extractor did not see as a table)."""
    if not lines:
        return cells
    stream = review_cells(lines) if spec.groups else stream_cells(lines, spec)
    if not cells:
        return stream
    have = {(c.row_key, c.col_key): c.value for c in cells}
    both = [c for c in stream if (c.row_key, c.col_key) in have and c.value is not None
            and have[(c.row_key, c.col_key)] is not None]
    if any(have[(c.row_key, c.col_key)] != c.value for c in both):
        return cells
    rows = {c.row_key for c in cells}
    return cells + [c for c in stream if c.row_key not in rows]


# -- the whole report ------------------------------------------------------------------


def version_text(doc: Document) -> str:
    """The normalised report text a version is keyed on (table cells included)."""
    tables = [] if doc.kind == "html" else [g.text() for g in doc.tables]
    return stable_text("\n".join([*doc.lines, *tables]))


def prose_text(doc: Document) -> str:
    """The report's running text, where it restates figures of its tables."""
    return "\n".join(line for line in doc.lines if not is_furniture(line))


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
        report.checks = run_checks(report.cells, report.format, prose_text(doc))
    report.flags.extend(sorted({f"cell_{c.flag}" for c in report.cells if c.flag}))
    return report
