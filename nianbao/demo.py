"""The bundled demo portal: a county portal's 信息公开年报 column in the style of TRS WCM.

Two list pages (``createPageHTML`` pagination), six reports 2019–2024 in both national
formats with distinct non-zero numbers that satisfy the 勾稽关系 (one deliberate slip),
the 2024 report as a PDF attachment, and a notice that is not a report. The numbers come
from ``demo_numbers`` so tests can compare what was parsed with what was published.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

from .parsers import forms
from .parsers.forms import APPLICANTS

AGENCY = "示范县人民政府"
REGION = "示范省示范市示范县"
COLUMN = "/zwgk/zfxxgk/zfxxgknb/"
OUTCOMES_2019 = [(t.key, t.zh) for t in forms.REQUEST_ROWS_2019[2:-3]]
OTHER_2019 = [(t.key, t.zh) for t in forms.OTHER_2019]
OTHER_2021 = [(t.key, t.zh) for t in forms.OTHER_2021]
GROUPS = {(0, 2): "（三）不予公开", (10, 13): "（四）无法提供", (13, 18): "（五）不予处理"}
REVIEW_COLS = [c.key for c in forms.REVIEW_COLS]
REVIEW_GROUPS = [r.key for r in forms.REVIEW_ROWS]
APPLICANT_LABELS = [c.zh for c in forms.REQUEST_COLS]


@dataclass(frozen=True)
class DemoReport:
    year: int
    format: str
    published: str
    article: str  # t2024xxxx_N.html
    pdf: bool = False
    slip: bool = False  # R3 printed wrong, as real reports sometimes are


REPORTS = [
    DemoReport(2019, "2019", "2020-01-20", "202001/t20200120_510101.html"),
    DemoReport(2020, "2019", "2021-01-25", "202101/t20210125_520202.html"),
    DemoReport(2021, "2021", "2022-01-24", "202201/t20220124_530303.html"),
    DemoReport(2022, "2021", "2023-01-30", "202301/t20230130_540404.html", slip=True),
    DemoReport(2023, "2021", "2024-01-29", "202401/t20240129_550505.html"),
    DemoReport(2024, "2021", "2025-01-27", "202501/t20250127_560606.html", pdf=True),
]
NOTICE = ("202412/t20241205_570707.html",
          "关于做好2024年政府信息公开工作年度报告编制发布工作的通知", "2024-12-05")


def _v(year: int, row: int, col: int) -> int:
    """Distinct, non-zero, deterministic."""
    return (row * 13 + col * 7 + year * 5) % 41 + 1 + col


@cache
def demo_numbers(year: int) -> dict[tuple[str, str, str], float]:
    """Every cell of the demo report for ``year``: {(table, row_key, col_key): value}."""
    rep = next(r for r in REPORTS if r.year == year)
    cells: dict[tuple[str, str, str], float] = {}
    outcomes = OUTCOMES_2019 + (OTHER_2019 if rep.format == "2019" else OTHER_2021)
    prev = demo_numbers(year - 1) if year > REPORTS[0].year else None
    for c, col in enumerate(APPLICANTS):
        for r, (key, _) in enumerate(outcomes):
            cells[("requests", key, col)] = _v(year, r, c)
        total = sum(cells[("requests", key, col)] for key, _ in outcomes)
        forward = _v(year, 40, c) % 9 + 1
        carried = prev[("requests", "carried_forward", col)] if prev else _v(year, 41, c) % 5 + 1
        cells[("requests", "total", col)] = total
        cells[("requests", "carried_forward", col)] = forward
        cells[("requests", "carried_over", col)] = carried
        cells[("requests", "new_received", col)] = total + forward - carried
    for key in ["new_received", "carried_over", *(k for k, _ in outcomes), "total", "carried_forward"]:
        cells[("requests", key, "total")] = sum(cells[("requests", key, c)] for c in APPLICANTS)
    if rep.slip:
        cells[("requests", "granted", "total")] += 1
    for g, group in enumerate(REVIEW_GROUPS):
        parts = [_v(year, 50 + g, k) % 11 + 1 for k in range(4)]
        for k, col in enumerate(REVIEW_COLS[:4]):
            cells[("reviews", group, col)] = parts[k]
        cells[("reviews", group, "total")] = sum(parts)
    y = year % 100
    if rep.format == "2021":
        cells.update({
            ("proactive", "rules", "issued"): 2 + y % 3, ("proactive", "rules", "repealed"): 1 + y % 2,
            ("proactive", "rules", "in_force"): 30 + y,
            ("proactive", "normative_docs", "issued"): 40 + y, ("proactive", "normative_docs", "repealed"): 10 + y,
            ("proactive", "normative_docs", "in_force"): 400 + 3 * y,
            ("proactive", "licensing", "decisions"): 2000 + 37 * y,
            ("proactive", "punishment", "decisions"): 900 + 11 * y,
            ("proactive", "enforcement", "decisions"): 50 + y,
            ("proactive", "fees", "amount_10k_yuan"): 9000 + y + 0.36,
        })
    else:
        cells.update({
            ("proactive", "rules", "new_made"): 3 + y % 4, ("proactive", "rules", "new_published"): 2 + y % 4,
            ("proactive", "rules", "total_published"): 20 + y,
            ("proactive", "normative_docs", "new_made"): 70 + y, ("proactive", "normative_docs", "new_published"): 69 + y,
            ("proactive", "normative_docs", "total_published"): 160 + y,
            ("proactive", "licensing", "prior_items"): 390 + y, ("proactive", "licensing", "change"): 40 + y,
            ("proactive", "licensing", "decisions"): 1800 + y,
            ("proactive", "other_services", "prior_items"): 10 + y, ("proactive", "other_services", "change"): -(y % 5 + 1),
            ("proactive", "other_services", "decisions"): 300 + y,
            ("proactive", "punishment", "prior_items"): 500 + y, ("proactive", "punishment", "change"): 12 + y,
            ("proactive", "punishment", "decisions"): 1200 + y,
            ("proactive", "enforcement", "prior_items"): 60 + y, ("proactive", "enforcement", "change"): -(y % 3 + 2),
            ("proactive", "enforcement", "decisions"): 40 + y,
            ("proactive", "fees", "prior_items"): 25 + y, ("proactive", "fees", "change"): -(y % 4 + 1),
            ("proactive", "procurement", "items"): 80 + y, ("proactive", "procurement", "amount_yuan"): 930000 + 1001 * y,
        })
    if prev and (prev_fmt := next(r for r in REPORTS if r.year == year - 1).format) == rep.format:
        _follow_last_year(cells, prev, prev_fmt)
    return cells


def _follow_last_year(cells: dict, prev: dict, fmt: str) -> None:
    """Table 二 continues last year's (the cross-year rules Y1/Y2): 现行有效件数 = last
    year's + 制发 − 废止; 上一年项目数量 = last year's + its 本年增/减."""
    for key in {k[1] for k in cells if k[0] == "proactive"}:
        if fmt == "2021" and ("proactive", key, "in_force") in cells:
            cells[("proactive", key, "in_force")] = (prev[("proactive", key, "in_force")]
                                                     + cells[("proactive", key, "issued")]
                                                     - cells[("proactive", key, "repealed")])
        if fmt == "2019" and ("proactive", key, "prior_items") in cells:
            cells[("proactive", key, "prior_items")] = (prev[("proactive", key, "prior_items")]
                                                        + prev[("proactive", key, "change")])


def _n(value: float) -> str:
    if value == int(value):
        return f"{int(value):+d}" if value < 0 else str(int(value))
    return f"{value:.2f}"


def _td(text, cls="", **span) -> str:
    attrs = "".join(f' {k}="{v}"' for k, v in span.items())
    return f"<td{attrs}{' class=' + cls if cls else ''}><p>{text}</p></td>"


def proactive_table(year: int) -> str:
    fmt = next(r for r in REPORTS if r.year == year).format
    cells = demo_numbers(year)
    rows: list[str] = []

    def block(article, headers, items):
        rows.append("<tr>" + _td(f"第二十条第（{article}）项", colspan=4) + "</tr>")
        span = {"colspan": 4 - len(headers)} if len(headers) < 3 else {}
        rows.append("<tr>" + _td("信息内容") + "".join(_td(h, **span) for h in headers) + "</tr>")
        for key, label, cols in items:
            rows.append("<tr>" + _td(label) + "".join(
                _td(_n(cells[("proactive", key, c)]), **span) for c in cols) + "</tr>")

    if fmt == "2021":
        c3 = ["issued", "repealed", "in_force"]
        block("一", ["本年制发件数", "本年废止件数", "现行有效件数"],
              [("rules", "规章", c3), ("normative_docs", "行政规范性文件", c3)])
        block("五", ["本年处理决定数量"], [("licensing", "行政许可", ["decisions"])])
        block("六", ["本年处理决定数量"], [("punishment", "行政处罚", ["decisions"]),
                                         ("enforcement", "行政强制", ["decisions"])])
        block("八", ["本年收费金额（单位：万元）"], [("fees", "行政事业性收费", ["amount_10k_yuan"])])
    else:
        c3 = ["new_made", "new_published", "total_published"]
        ci = ["prior_items", "change", "decisions"]
        block("一", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
              [("rules", "规章", c3), ("normative_docs", "规范性文件", c3)])
        block("五", ["上一年项目数量", "本年增/减", "处理决定数量"],
              [("licensing", "行政许可", ci), ("other_services", "其他对外管理服务事项", ci)])
        block("六", ["上一年项目数量", "本年增/减", "处理决定数量"],
              [("punishment", "行政处罚", ci), ("enforcement", "行政强制", ci)])
        block("八", ["上一年项目数量", "本年增/减"], [("fees", "行政事业性收费", ["prior_items", "change"])])
        rows.append("<tr>" + _td("第二十条第（九）项", colspan=4) + "</tr>")
        rows.append("<tr>" + _td("信息内容") + _td("采购项目数量") + _td("采购总金额", colspan=2) + "</tr>")
        rows.append("<tr>" + _td("政府集中采购") + _td(f"{_n(cells[('proactive', 'procurement', 'items')])}个")
                    + _td(f"{_n(cells[('proactive', 'procurement', 'amount_yuan')])}元", colspan=2) + "</tr>")
    return '<table border="1" class="MsoNormalTable">' + "".join(rows) + "</table>"


def requests_table(year: int) -> str:
    fmt = next(r for r in REPORTS if r.year == year).format
    cells = demo_numbers(year)
    cols = [*APPLICANTS, "total"]

    def values(key):
        return "".join(_td(_n(cells[("requests", key, c)])) for c in cols)

    rows = [
        "<tr>" + _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", colspan=3, rowspan=3)
        + _td("申请人情况", colspan=7) + "</tr>",
        "<tr>" + _td("自然人", rowspan=2) + _td("法人或其他组织", colspan=5) + _td("总计", rowspan=2) + "</tr>",
        "<tr>" + "".join(_td(x) for x in APPLICANT_LABELS[1:6]) + "</tr>",
        "<tr>" + _td("一、本年新收政府信息公开申请数量", colspan=3) + values("new_received") + "</tr>",
        "<tr>" + _td("二、上年结转政府信息公开申请数量", colspan=3) + values("carried_over") + "</tr>",
    ]
    outcomes = OUTCOMES_2019 + (OTHER_2019 if fmt == "2019" else OTHER_2021)
    body_rows = len(outcomes) + 1  # the outcome rows and （七）总计
    for i, (key, label) in enumerate(outcomes):
        head = _td("三、本年度办理结果", rowspan=body_rows) if i == 0 else ""
        for (start, end), group in GROUPS.items():
            if i == start + 2 and start == 0:
                head += _td(group, rowspan=8)
            elif i == start and start:
                head += _td(group, rowspan=end - start)
        if key in ("granted", "partially_granted", "other"):
            rows.append("<tr>" + head + _td(label, colspan=2) + values(key) + "</tr>")
        elif key == "other_no_correction":
            rows.append("<tr>" + head + _td("（六）其他处理", rowspan=3) + _td(label) + values(key) + "</tr>")
        else:
            rows.append("<tr>" + head + _td(label) + values(key) + "</tr>")
    rows.append("<tr>" + _td("（七）总计", colspan=2) + values("total") + "</tr>")
    rows.append("<tr>" + _td("四、结转下年度继续办理", colspan=3) + values("carried_forward") + "</tr>")
    return '<table border="1" class="MsoNormalTable">' + "".join(rows) + "</table>"


def reviews_table(year: int) -> str:
    cells = demo_numbers(year)
    labels = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    rows = [
        "<tr>" + _td("行政复议", colspan=5) + _td("行政诉讼", colspan=10) + "</tr>",
        "<tr>" + "".join(_td(x, rowspan=2) for x in labels) + _td("未经复议直接起诉", colspan=5)
        + _td("复议后起诉", colspan=5) + "</tr>",
        "<tr>" + "".join(_td(x) for x in labels * 2) + "</tr>",
        "<tr>" + "".join(_td(_n(cells[("reviews", g, c)])) for g in REVIEW_GROUPS for c in REVIEW_COLS) + "</tr>",
    ]
    return '<table border="1" class="MsoNormalTable">' + "".join(rows) + "</table>"


def _title(year: int) -> str:
    return f"{AGENCY}{year}年政府信息公开工作年度报告"


def report_body(year: int) -> str:
    req = demo_numbers(year)
    return f"""
<p style="text-align:center"><strong>{_title(year)}</strong></p>
<p>本报告根据《中华人民共和国政府信息公开条例》编制，数据统计期限为{year}年1月1日至{year}年12月31日。</p>
<p><strong>一、总体情况</strong></p>
<p>{year}年，示范县人民政府坚持以公开为常态、不公开为例外，全年收到政府信息公开申请{_n(req[("requests", "new_received", "total")])}件。</p>
<p><strong>二、主动公开政府信息情况</strong></p>
{proactive_table(year)}
<p><strong>三、收到和处理政府信息公开申请情况</strong></p>
{requests_table(year)}
<p><strong>四、政府信息公开行政复议、行政诉讼情况</strong></p>
{reviews_table(year)}
<p><strong>五、存在的主要问题及改进情况</strong></p>
<p>政策解读形式不够丰富。下一步将加强培训，提升公开质量。</p>
<p><strong>六、其他需要报告的事项</strong></p>
<p>本年度未收取信息处理费。</p>
<p style="text-align:right">{AGENCY}</p>
<p style="text-align:right">{_date_cn(next(r for r in REPORTS if r.year == year).published)}</p>
"""


def _date_cn(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def page(title: str, body: str, published: str | None = None, column: bool = False,
         views: int = 0) -> str:
    metas = [
        '<meta name="SiteName" content="示范县人民政府"/>', '<meta name="SiteDomain" content="127.0.0.1"/>',
        '<meta name="SiteIDCode" content="9999000001"/>', '<meta name="ColumnName" content="信息公开年报"/>',
        '<meta name="ColumnType" content="信息公开年报"/>',
    ]
    if not column:
        metas += [f'<meta name="ArticleTitle" content="{title}"/>',
                  f'<meta name="PubDate" content="{published} 09:30"/>',
                  f'<meta name="ContentSource" content="{AGENCY}办公室"/>']
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"/>{"".join(metas)}
<title>{title}_信息公开年报_示范县人民政府</title></head>
<body>
<div class="header"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/zwgk/zfxxgk/">政府信息公开</a>
<a href="{COLUMN}index.html">信息公开年报</a> <a href="/admin/">后台管理</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; 政务公开 &gt; 信息公开年报</div>
<div class="article">
{"" if column else f'<div class="info">发布时间：{published} 浏览次数：{views}</div>'}
<div class="TRS_Editor">{body}</div>
</div>
<div class="footer">主办：示范县人民政府办公室 网站标识码9999000001</div>
</body></html>"""


def _list_item(href: str, title: str, date: str) -> str:
    short = title if len(title) <= 16 else title[:16] + "…"
    return f'<li><a href="{href}" title="{title}" target="_blank">{short}</a><span>{date}</span></li>'


def list_pages() -> dict[str, str]:
    items = [(f"./{r.article}", _title(r.year), r.published) for r in reversed(REPORTS)]
    items.insert(1, (f"./{NOTICE[0]}", NOTICE[1], NOTICE[2]))
    first, second = items[:4], items[4:]
    script = '<script>createPageHTML(2, {cur}, "index", "html");</script>'
    return {
        f"{COLUMN}index.html": page("信息公开年报", "<ul class='list'>" + "".join(
            _list_item(*i) for i in first) + "</ul>" + script.format(cur=0), column=True),
        f"{COLUMN}index_1.html": page("信息公开年报", "<ul class='list'>" + "".join(
            _list_item(*i) for i in second) + "</ul>" + script.format(cur=1), column=True),
    }


def report_pdf(year: int) -> bytes:
    """The report as a PDF attachment, with real tables (reportlab, deterministic)."""
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    rl_config.invariant = 1
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=9, leading=12)
    cells = demo_numbers(year)
    grid = [("GRID", (0, 0), (-1, -1), 0.5, "black"), ("FONT", (0, 0), (-1, -1), "STSong-Light", 7)]
    story = [Paragraph(_title(year), style),
             Paragraph(f"本报告数据统计期限为{year}年1月1日至{year}年12月31日。", style),
             Paragraph("一、总体情况", style), Paragraph("全年依法做好政府信息公开工作。", style),
             Paragraph("二、主动公开政府信息情况", style)]
    p = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]]
    for key, label in (("rules", "规章"), ("normative_docs", "行政规范性文件")):
        p.append([label] + [_n(cells[("proactive", key, c)]) for c in ("issued", "repealed", "in_force")])
    p += [["信息内容", "本年处理决定数量", "", ""]]
    for key, label in (("licensing", "行政许可"), ("punishment", "行政处罚"), ("enforcement", "行政强制")):
        p.append([label, _n(cells[("proactive", key, "decisions")]), "", ""])
    p += [["信息内容", "本年收费金额（单位：万元）", "", ""],
          ["行政事业性收费", _n(cells[("proactive", "fees", "amount_10k_yuan")]), "", ""]]
    story.append(Table(p, style=TableStyle(grid)))
    story.append(Paragraph("三、收到和处理政府信息公开申请情况", style))
    r = [["", *APPLICANT_LABELS]]
    for key, label in ([("new_received", "一、本年新收政府信息公开申请数量"), ("carried_over", "二、上年结转政府信息公开申请数量")]
                       + OUTCOMES_2019 + OTHER_2021 + [("total", "（七）总计"), ("carried_forward", "四、结转下年度继续办理")]):
        r.append([label[:18], *(_n(cells[("requests", key, c)]) for c in [*APPLICANTS, "total"])])
    story.append(Table(r, style=TableStyle(grid)))
    story.append(Paragraph("四、政府信息公开行政复议、行政诉讼情况", style))
    v = [["行政复议", "", "", "", "", "未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
         ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3,
         [_n(cells[("reviews", g, c)]) for g in REVIEW_GROUPS for c in REVIEW_COLS]]
    story.append(Table(v, style=TableStyle(grid + [("SPAN", (0, 0), (4, 0)), ("SPAN", (5, 0), (9, 0)),
                                                   ("SPAN", (10, 0), (14, 0))])))
    for text in ("五、存在的主要问题及改进情况", "公开平台建设仍需加强。", "六、其他需要报告的事项", "无。",
                 AGENCY, _date_cn(next(x for x in REPORTS if x.year == year).published)):
        story.append(Paragraph(text, style))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=_title(year), author=AGENCY).build(story)
    return out.getvalue()


def site() -> dict[str, tuple[bytes, str]]:
    """Every file of the demo portal: {path: (bytes, content type)}."""
    html = "text/html; charset=utf-8"
    files: dict[str, tuple[bytes, str]] = {}
    home = page("示范县人民政府", '<p><a href="/zwgk/">政务公开</a></p>', column=True)
    files["/"] = files["/index.html"] = (home.encode(), html)
    files["/zwgk/"] = (page("政务公开", '<p><a href="/zwgk/zfxxgk/">政府信息公开</a></p>',
                            column=True).encode(), html)
    files["/zwgk/zfxxgk/"] = (page("政府信息公开", f'<p><a href="{COLUMN}index.html">信息公开年报</a></p>',
                                   column=True).encode(), html)
    files["/robots.txt"] = (b"User-agent: *\nDisallow: /admin/\n", "text/plain")
    files["/admin/"] = (b"<html><body>admin</body></html>", html)
    for path, text in list_pages().items():
        files[path] = (text.encode(), html)
    for rep in REPORTS:
        path = COLUMN + rep.article
        if rep.pdf:
            pdf_name = f"P0{rep.published.replace('-', '')}512345678901.pdf"
            body = (f"<p>{_title(rep.year)}全文见附件。</p>"
                    f'<p>附件：<a href="./{pdf_name}">{_title(rep.year)}.pdf</a></p>')
            files[path.rsplit("/", 1)[0] + "/" + pdf_name] = (report_pdf(rep.year), "application/pdf")
        else:
            body = report_body(rep.year)
        files[path] = (page(_title(rep.year), body, rep.published).encode(), html)
    notice = page(NOTICE[1], "<p>各乡镇、各部门：请于1月31日前完成年度报告的编制和发布工作。</p>", NOTICE[2])
    files[COLUMN + NOTICE[0]] = (notice.encode(), html)
    return files
