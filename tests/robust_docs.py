"""Report documents built in code for the robustness tests (issue 9).

Numbers are distinct, non-zero and satisfy R1–R4, so a value read into the wrong cell
fails. The tables are written once as matrices of printed text (``<`` marks a slot merged
into the cell on its left, ``^`` one merged into the cell above) and rendered as PDF
(tables broken over pages with or without a repeated header, page footers between),
DOCX (tables split in two), HTML (blank rows and columns) and flattened text (one cell
per line, tab rows, values on one line). Labels can be given typos.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from nianbao.parsers import forms

Key = tuple[str, str, str]
Matrix = list[list[str]]
LEFT, UP = "<", "^"
NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


# -- numbers --------------------------------------------------------------------------


def numbers(seed: int, fmt: str) -> dict[Key, float]:
    """Every cell of the form of ``fmt``: distinct non-zero counts obeying R1–R4."""
    rng = random.Random(seed)
    pool = iter(rng.sample(range(1, 900), 600))
    out: dict[Key, float] = {}
    rows = forms.rows("requests", fmt)
    outcomes = [r.key for r in rows if r.key in forms.OUTCOMES]
    for col in forms.APPLICANTS:
        for key in outcomes:
            out[("requests", key, col)] = next(pool)
        total = sum(out[("requests", k, col)] for k in outcomes)
        out[("requests", "total", col)] = total
        out[("requests", "carried_over", col)] = next(pool)
        out[("requests", "carried_forward", col)] = next(pool)
        out[("requests", "new_received", col)] = (
            total + out[("requests", "carried_forward", col)] - out[("requests", "carried_over", col)])
    for r in rows:
        out[("requests", r.key, "total")] = sum(out[("requests", r.key, c)] for c in forms.APPLICANTS)
    for r in forms.REVIEW_ROWS:
        parts = [next(pool) for _ in range(4)]
        for col, v in zip(("upheld", "corrected", "other", "pending"), parts, strict=True):
            out[("reviews", r.key, col)] = v
        out[("reviews", r.key, "total")] = sum(parts)
    for r in forms.rows("proactive", fmt):
        for col in r.cols:
            v: float = next(pool)
            if col == "change":  # a decrease never below zero items
                prior = out[("proactive", r.key, "prior_items")]
                v = -(v % prior or 1) if rng.random() < 0.5 else v
            if col.startswith("amount"):
                v = v * 100 + 0.25
            if col == "total_published":  # everything published this year is in the total
                v += out[("proactive", r.key, "new_published")]
            out[("proactive", r.key, col)] = v
    return out


def with_blanks(nums: dict[Key, float], fmt: str, rows: tuple[str, ...] = (),
                total_column: bool = False) -> dict[Key, float | None]:
    """The numbers of a report that leaves ``rows`` of table 三 blank (and with
    ``total_column`` the 总计 column of every outcome row): its sums count them as 0, as
    the real report does, and the cells are blank."""
    out: dict[Key, float | None] = dict(nums)
    outcomes = [r.key for r in forms.rows("requests", fmt) if r.key in forms.OUTCOMES]
    for key in rows:
        for col in (*forms.APPLICANTS, "total"):
            out[("requests", key, col)] = 0
    for col in (*forms.APPLICANTS, "total"):
        total = sum(out[("requests", k, col)] for k in outcomes)
        out[("requests", "total", col)] = total
        out[("requests", "new_received", col)] = (
            total + out[("requests", "carried_forward", col)] - out[("requests", "carried_over", col)])
    for key in rows:
        for col in (*forms.APPLICANTS, "total"):
            out[("requests", key, col)] = None
    if total_column:
        for key in outcomes:
            out[("requests", key, "total")] = None
    return out


def show(value: float | None) -> str:
    if value is None:
        return ""
    if value == int(value):
        return f"{int(value):+d}" if value < 0 else str(int(value))
    return f"{value:.2f}"


# -- matrices -------------------------------------------------------------------------


def same(key: str, text: str) -> str:
    return text


def request_matrix(nums: dict[Key, float | None], fmt: str, nested: bool = True,
                   label=same, joined: bool = False) -> tuple[Matrix, Matrix]:
    """(header rows, body rows) of table 三; label columns nested as Word prints them
    (section | group | item) or flat (one label column); ``label(key, text)`` prints a
    row's label (typos); ``joined`` puts a row's values in one cell (``3 0 1 0 0 0 4``)."""
    cols = [c.key for c in forms.REQUEST_COLS]

    def vals(key: str) -> list[str]:
        out = [show(nums.get(("requests", key, c))) for c in cols]
        return [" ".join(out), *[LEFT] * 6] if joined else out

    rows = [forms.Term(r.key, label(r.key, r.zh), r.en, r.group, r.cols)
            for r in forms.rows("requests", fmt)]
    if not nested:
        head = [["", "申请人情况", *[LEFT] * 6], [UP, "自然人", "法人或其他组织", *[LEFT] * 4, "总计"],
                [UP, UP, *(c.zh for c in forms.APPLICANT_COLS[1:]), UP]]
        return head, [[r.zh, *vals(r.key)] for r in rows]
    head = [[NOTE, LEFT, LEFT, "申请人情况", *[LEFT] * 6],
            [UP, UP, UP, "自然人", "法人或其他组织", *[LEFT] * 4, "总计"],
            [UP, UP, UP, UP, *(c.zh for c in forms.APPLICANT_COLS[1:]), UP]]
    body: Matrix = []
    seen: set[str] = set()
    for r in rows:
        if r.group is None:
            body.append([r.zh, LEFT, LEFT, *vals(r.key)])
            continue
        first = forms.RESULTS not in seen
        seen.add(forms.RESULTS)
        section = forms.RESULTS if first else UP
        if r.group == forms.RESULTS:
            body.append([section, r.zh, LEFT, *vals(r.key)])
        else:
            group = r.group if r.group not in seen else UP
            seen.add(r.group)
            body.append([section, group, r.zh, *vals(r.key)])
    return head, body


def proactive_matrix(nums: dict[Key, float | None], fmt: str) -> Matrix:
    out: Matrix = []
    last_group = None
    for r in forms.rows("proactive", fmt):
        if r.group != last_group or (fmt == "2019" and r.key == "fees"):
            last_group = r.group
            out.append([r.group, LEFT, LEFT, LEFT])
            heads = [forms.label("proactive", "col", c) for c in r.cols]
            out.append(["信息内容", *heads, *[LEFT] * (3 - len(heads))])
        cells = [show(nums.get(("proactive", r.key, c))) for c in r.cols]
        out.append([r.zh, *cells, *[LEFT] * (3 - len(cells))])
    return out


def review_matrix(nums: dict[Key, float | None]) -> Matrix:
    labels = [c.zh for c in forms.REVIEW_COLS]
    return [["行政复议", *[LEFT] * 4, "行政诉讼", *[LEFT] * 9],
            [*labels, "未经复议直接起诉", *[LEFT] * 4, "复议后起诉", *[LEFT] * 4],
            [*[UP] * 5, *labels, *labels],
            [show(nums.get(("reviews", r.key, c.key))) for r in forms.REVIEW_ROWS
             for c in forms.REVIEW_COLS]]


def continued(head: Matrix, rows: Matrix) -> Matrix:
    """A continuation part: its header (if any), then rows whose cells merged from the
    page before start again, empty."""
    if not rows:
        return head
    first = ["" if x == UP else x for x in rows[0]]
    return [*head, first, *rows[1:]]


def spans(matrix: Matrix) -> list[tuple[int, int, int, int, str]]:
    """(row, col, rowspan, colspan, text) of every cell that starts in ``matrix``; a
    ``^`` at the top of a part (its cell was on the page before) starts an empty cell."""
    out = []
    for r, row in enumerate(matrix):
        for c, text in enumerate(row):
            if text == LEFT or (text == UP and r > 0):
                continue
            text = "" if text == UP else text
            width = 1
            while c + width < len(row) and row[c + width] == LEFT:
                width += 1
            height = 1
            while r + height < len(matrix) and matrix[r + height][c] == UP:
                height += 1
            out.append((r, c, height, width, text))
    return out


# -- label noise ----------------------------------------------------------------------


def typo(label: str, rng: random.Random, kind: str) -> str:
    """A label as careless typing prints it: a character dropped, two swapped, one
    added, stray spaces, ASCII punctuation."""
    cjk = [i for i, ch in enumerate(label) if "\u4e00" <= ch <= "\u9fff"]
    if len(cjk) < 4:
        return label
    i = rng.choice(cjk[1:-1])
    if kind == "drop":
        return label[:i] + label[i + 1:]
    if kind == "swap":
        return label[:i] + label[i + 1] + label[i] + label[i + 2:]
    if kind == "extra":
        return label[:i] + "的" + label[i:]
    if kind == "spaces":
        return " ".join(label[:i]) + " " + label[i:]
    return label.translate(str.maketrans("（），、：“”", "(),,:\"\""))


# -- documents ------------------------------------------------------------------------


@dataclass
class Doc:
    """One built report: what to parse and what the parser must find."""

    name: str
    body: bytes
    ctype: str
    url: str
    expected: dict[Key, float | None]
    agency: str = "柳宁市太江县人民政府"
    year: int = 2023
    notes: list[str] = field(default_factory=list)


def expected_cells(nums: dict[Key, float | None], fmt: str) -> dict[Key, float | None]:
    return {k: nums.get(k) for k in forms.cell_keys(fmt)}


def title_of(agency: str, year: int) -> str:
    return f"{agency}{year}年政府信息公开工作年度报告"


def prose(nums: dict[Key, float | None], year: int) -> list[str]:
    new = show(nums.get(("requests", "new_received", "total")))
    granted = show(nums.get(("requests", "granted", "total")))
    return [f"本报告数据统计期限为{year}年1月1日至{year}年12月31日。",
            f"{year}年，本机关共收到政府信息公开申请{new}件，予以公开{granted}件。"]


# -- PDF ------------------------------------------------------------------------------


def _pdf_table(matrix: Matrix, font: str, repeat: int = 0, ruled: bool = True,
               wrap_at: float | None = None):
    """A reportlab table; with ``wrap_at`` (points) label cells wrap over several lines
    in columns that narrow, values stay on one line."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    style = [("FONT", (0, 0), (-1, -1), font, 6), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    if ruled:
        style.append(("GRID", (0, 0), (-1, -1), 0.5, "black"))
    small = ParagraphStyle("cell", fontName=font, fontSize=6, leading=7)
    data: list[list[object]] = [["" for _ in row] for row in matrix]
    for r, c, h, w, text in spans(matrix):
        data[r][c] = Paragraph(text, small) if wrap_at and not _numeric(text) else text
        if h > 1 or w > 1:
            style.append(("SPAN", (c, r), (c + w - 1, r + h - 1)))
    widths = None
    if wrap_at:
        n = len(matrix[0])
        label_cols = n - 7 if n > 7 else 1
        widths = [wrap_at / label_cols] * label_cols + [28] * (n - label_cols)
    return Table(data, colWidths=widths, style=TableStyle(style), repeatRows=repeat)


def pdf_report(nums: dict[Key, float | None], fmt: str, year: int, agency: str,
               split_at: int | None, cont: str = "repeat", footer: str = "dash",
               nested: bool = True, running: str | None = None, wrap: int = 24,
               filler: int = 0, ruled: bool = True, wrap_at: float | None = None,
               label=same, title: str | None = None, split_all: bool = False) -> bytes:
    """A report whose table 三 breaks after body row ``split_at`` onto the next page
    (``None``: where the page ends, after ``filler`` paragraphs, the header repeated
    by the typesetter when ``cont`` is ``repeat``).

    ``cont``: the continuation repeats the header (``repeat``), repeats the column
    labels only with an empty first cell (``partial``) or has none (``none``).
    ``footer``: ``dash`` (``- 2 -``) or ``of`` (``第2页 共4页``); ``running`` a header line
    printed at the top of every page; ``ruled`` False prints tables without lines (no
    table a PDF reader can see: only positioned text)."""
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    rl_config.invariant = 1
    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    style = ParagraphStyle("zh", fontName=font, fontSize=9, leading=12)
    head, body = request_matrix(nums, fmt, nested, label)
    body = [[cell[:wrap] if cell not in (LEFT, UP) else cell for cell in row] for row in body]
    if cont == "repeat":
        second = head
    elif cont == "partial":
        labels = [c.zh for c in forms.REQUEST_COLS]
        second = [["", *([LEFT] * (len(head[0]) - 8)), *labels]]
    else:
        second = []
    p = lambda text: Paragraph(text, style)  # noqa: E731
    if split_at is None:
        table = [_pdf_table(head + body, font, len(head) if cont == "repeat" else 0, ruled,
                            wrap_at)]
    else:
        table = [_pdf_table(head + body[:split_at], font, 0, ruled, wrap_at), PageBreak(),
                 _pdf_table(continued(second, body[split_at:]), font, 0, ruled, wrap_at)]
    proactive, review = proactive_matrix(nums, fmt), review_matrix(nums)
    if split_all:  # table 二 and table 四 broken over pages too
        two = [_pdf_table(proactive[:5], font, 0, ruled), PageBreak(),
               _pdf_table(proactive[5:], font, 0, ruled)]
        four = [_pdf_table(review[:3], font, 0, ruled), PageBreak(),
                _pdf_table(continued([], review[3:]), font, 0, ruled)]
    else:
        two, four = [_pdf_table(proactive, font, 0, ruled)], [_pdf_table(review, font, 0, ruled)]
    story = [p(title or title_of(agency, year)), *map(p, prose(nums, year)), p("一、总体情况"),
             *(p("全年依法做好政府信息公开工作，" * 8) for _ in range(filler)),
             p("全年依法做好政府信息公开工作。"), p("二、主动公开政府信息情况"), *two,
             p("三、收到和处理政府信息公开申请情况"), *table,
             p("四、政府信息公开行政复议、行政诉讼情况"), *four,
             p("五、存在的主要问题及改进情况"), p("公开平台建设仍需加强。"), p("六、其他需要报告的事项"),
             p("无。"), p(agency), p(f"{year + 1}年1月20日")]

    def furniture(canvas, doc):
        canvas.setFont(font, 9)
        text = f"- {doc.page} -" if footer == "dash" else f"第{doc.page}页 共3页"
        canvas.drawString(280, 30, text)
        if running:
            canvas.drawString(60, 800, running)

    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(story, onFirstPage=furniture,
                                              onLaterPages=furniture)
    return out.getvalue()


# -- DOCX -----------------------------------------------------------------------------


def _docx_table(document, matrix: Matrix) -> None:
    table = document.add_table(rows=len(matrix), cols=len(matrix[0]))
    for r, c, h, w, text in spans(matrix):
        cell = table.cell(r, c)
        if h > 1 or w > 1:
            cell = cell.merge(table.cell(r + h - 1, c + w - 1))
        cell.text = text


def docx_report(nums: dict[Key, float | None], fmt: str, year: int, agency: str,
                split_at: int, cont: str = "none", nested: bool = True, label=same,
                title: str | None = None, words=None) -> bytes:
    """Table 三 split into two Word tables after body row ``split_at``; ``words(text)``
    prints table 四's header words (typos)."""
    import docx

    d = docx.Document()
    for text in (title or title_of(agency, year), *prose(nums, year), "一、总体情况", "全年工作平稳。",
                 "二、主动公开政府信息情况"):
        d.add_paragraph(text)
    _docx_table(d, proactive_matrix(nums, fmt))
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    head, body = request_matrix(nums, fmt, nested, label)
    _docx_table(d, head + body[:split_at])
    d.add_paragraph("（续表）")
    _docx_table(d, continued(head if cont == "repeat" else [], body[split_at:]))
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    _docx_table(d, noisy(review_matrix(nums), words or (lambda text: text)))
    for text in ("五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。", agency,
                 f"{year + 1}年1月20日"):
        d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


# -- HTML and text --------------------------------------------------------------------


def html_table(matrix: Matrix) -> str:
    rows: dict[int, list[str]] = {}
    for r, _c, h, w, text in spans(matrix):
        attrs = (f' rowspan="{h}"' if h > 1 else "") + (f' colspan="{w}"' if w > 1 else "")
        rows.setdefault(r, []).append(f"<td{attrs}><p>{text}</p></td>")
    return "<table border=1>" + "".join(
        "<tr>" + "".join(rows.get(r, [])) + "</tr>" for r in range(len(matrix))) + "</table>"


def noisy(matrix: Matrix, words) -> Matrix:
    """``matrix`` with ``words(text)`` applied to every printed word cell (headers, and
    table 二's row labels): typos in the places row labels are not."""
    return [[x if x in (LEFT, UP, "") or _numeric(x) else words(x) for x in row] for row in matrix]


def html_report(nums: dict[Key, float | None], fmt: str, year: int, agency: str,
                nested: bool = True, label=same, joined: bool = False,
                title: str | None = None, tail: tuple[str, ...] = (), words=None) -> bytes:
    head, body = request_matrix(nums, fmt, nested, label, joined)
    title = title or title_of(agency, year)
    words = words or (lambda text: text)
    parts = [f"<h1>{title}</h1>", *(f"<p>{t}</p>" for t in prose(nums, year)),
             "<p>一、总体情况</p><p>全年工作平稳。</p><p>二、主动公开政府信息情况</p>",
             html_table(noisy(proactive_matrix(nums, fmt), words)),
             "<p>三、收到和处理政府信息公开申请情况</p>",
             html_table(noisy(head, words) + body), "<p>四、政府信息公开行政复议、行政诉讼情况</p>",
             html_table(noisy(review_matrix(nums), words)),
             "<p>五、存在的主要问题及改进情况</p><p>无。</p><p>六、其他需要报告的事项</p><p>无。</p>",
             f"<p>{agency}</p><p>{year + 1}年1月20日</p>", *(f"<p>{t}</p>" for t in tail)]
    html = (f"<html><head><title>{title}</title></head><body>"
            f"<div class='content'>{''.join(parts)}</div></body></html>")
    return html.encode()


def text_rows(matrix: Matrix, layout: str) -> list[str]:
    """A table as flattened text: ``lines`` (one cell per line, blanks lost), ``tabs``
    (tab rows, blanks kept as empty fields), ``oneline`` (a row's label, then its values
    on one line separated by spaces), ``inline`` (label and values on one line)."""
    out: list[str] = []
    for row in matrix:
        cells = ["" if x in (LEFT, UP) else x for x in row]
        labels = [x for x in cells if x and not _numeric(x)]
        values = [x for x in cells if _numeric(x) or (x == "" and labels)]
        if layout == "lines":
            out += [x for x in cells if x]
        elif layout == "tabs":
            out.append("\t".join(cells))
        elif layout == "oneline":
            out += labels + ([" ".join(v for v in values if v)] if any(values) else [])
        else:
            out.append(" ".join([*labels, *(v for v in values if v)]))
    return [x for x in out if x.strip()]


def _numeric(text: str) -> bool:
    return text.lstrip("+-").replace(".", "", 1).isdigit()


def text_report(nums: dict[Key, float | None], fmt: str, year: int, agency: str,
                layout: str, nested: bool = True, label=same, title: str | None = None,
                words=None) -> str:
    head, body = request_matrix(nums, fmt, nested, label)
    words = words or (lambda text: text)
    review = text_rows(noisy(review_matrix(nums), words), "lines" if layout != "tabs" else "tabs")
    lines = [title or title_of(agency, year), *prose(nums, year), "一、总体情况", "全年工作平稳。",
             "二、主动公开政府信息情况", *text_rows(noisy(proactive_matrix(nums, fmt), words), layout),
             "三、收到和处理政府信息公开申请情况", *text_rows(noisy(head, words) + body, layout),
             "四、政府信息公开行政复议、行政诉讼情况", *review,
             "五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。", agency,
             f"{year + 1}年1月20日"]
    return "\n".join(lines)
