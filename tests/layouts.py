"""Render the demo numbers in the layouts real portals use, for parser fixtures."""

from __future__ import annotations

import io

from nianbao.demo import (
    APPLICANT_LABELS,
    OTHER_2019,
    OTHER_2021,
    OUTCOMES_2019,
    REVIEW_COLS,
    REVIEW_GROUPS,
    _n,
    demo_numbers,
)
from nianbao.parsers.forms import APPLICANTS

COLS = [*APPLICANTS, "total"]
HEAD_2021 = ["第二十条第(一)项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]


def request_rows(year: int, fmt: str) -> list[tuple[str, str]]:
    rows = [("new_received", "一、本年新收政府信息公开申请数量"),
            ("carried_over", "二、上年结转政府信息公开申请数量")]
    rows += OUTCOMES_2019 + (OTHER_2019 if fmt == "2019" else OTHER_2021)
    return rows + [("total", "(七)总计"), ("carried_forward", "四、结转下年度继续办理")]


def proactive_lines(year: int, sep: str) -> list[str]:
    c = demo_numbers(year)
    v = lambda k, col: _n(c[("proactive", k, col)])  # noqa: E731
    three = ("issued", "repealed", "in_force")
    return [sep.join(HEAD_2021),
            sep.join(["规章", *(v("rules", x) for x in three)]),
            sep.join(["行政规范性文件", *(v("normative_docs", x) for x in three)]),
            sep.join(["第二十条第(五)项", "信息内容", "本年处理决定数量"]),
            sep.join(["行政许可", v("licensing", "decisions")]),
            sep.join(["第二十条第(六)项", "信息内容", "本年处理决定数量"]),
            sep.join(["行政处罚", v("punishment", "decisions")]),
            sep.join(["行政强制", v("enforcement", "decisions")]),
            sep.join(["第二十条第(八)项", "信息内容", "本年收费金额(单位:万元)"]),
            sep.join(["行政事业性收费", v("fees", "amount_10k_yuan")])]


def report_text(year: int, layout: str) -> str:
    """A whole 2021-format report as text: ``lines`` (one cell per line, as seeds 000–002)
    or ``tabs`` (tab rows with labels broken by spaces, as seeds 003–004)."""
    c = demo_numbers(year)
    sep = "\n\n" if layout == "lines" else "\t"
    out = [f"示范县人民政府{year}年政府信息公开工作年度报告", "一、总体情况", "全年工作平稳。",
           "二、主动公开政府信息情况", *proactive_lines(year, sep), "三、收到和处理政府信息公开申请情况",
           sep.join(["申请人情况", "自然人", "法人或其他组织", "总计", *APPLICANT_LABELS[1:6]])]
    for key, label in request_rows(year, "2021"):
        if layout == "tabs":
            label = " ".join(label)  # 三、本 年度 办理 结果 style
        out.append(sep.join([label, *(_n(c[("requests", key, col)]) for col in COLS)]))
    out += ["四、政府信息公开行政复议、行政诉讼情况",
            sep.join(["行政复议", "行政诉讼", *(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3)]),
            sep.join(_n(c[("reviews", g, k)]) for g in REVIEW_GROUPS for k in REVIEW_COLS),
            "五、存在的主要问题及改进情况", "培训不足。", "六、其他需要报告的事项", "无。",
            "示范县人民政府", "2025年1月20日"]
    return "\n".join(out)


def word_export_html(year: int) -> str:
    """Table 三 as Word exports it: extra colspans, an empty header cell, values spanning
    two grid columns (the 2021 page of the pingtan corpus does this)."""
    c = demo_numbers(year)

    def td(text, **span):
        attrs = "".join(f' {k}="{v}"' for k, v in span.items())
        return f"<td{attrs}><p><span>{text}</span></p></td>"

    rows = ["<tr>" + td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", colspan=3, rowspan=3)
            + td("申请人情况", colspan=8) + "</tr>",
            "<tr>" + td("自然人", colspan=2) + td("法人或其他组织", colspan=5) + td("总计", rowspan=2) + "</tr>",
            "<tr>" + td("") + td("商业<br/>企业", colspan=2) + "".join(td(x) for x in APPLICANT_LABELS[2:6]) + "</tr>"]
    for key, label in request_rows(year, "2021"):
        vals = [_n(c[("requests", key, col)]) for col in COLS]
        rows.append("<tr>" + td(label, colspan=3) + td(vals[0]) + td(vals[1], colspan=2)
                    + "".join(td(v) for v in vals[2:]) + "</tr>")
    body = "".join(rows)
    return (f"<html><head><title>示范县人民政府{year}年政府信息公开工作年度报告</title></head><body>"
            f"<p>一、总体情况</p><p>正文。</p><p>三、收到和处理政府信息公开申请情况</p>"
            f"<table>{body}</table><p>五、存在的主要问题及改进情况</p><p>无。</p></body></html>")


def report_docx(year: int) -> bytes:
    """A 2021-format report as DOCX with real Word tables (merged header cells)."""
    import docx

    c = demo_numbers(year)
    d = docx.Document()
    d.add_paragraph(f"示范县人民政府{year}年政府信息公开工作年度报告")
    for text in ("一、总体情况", "全年工作平稳。", "二、主动公开政府信息情况"):
        d.add_paragraph(text)
    lines = [line.split("\t") for line in proactive_lines(year, "\t")]
    lines[0:1] = [lines[0][:1], lines[0][1:]]  # 第二十条第(一)项 heads its own row
    for r in range(len(lines)):
        if lines[r][0].startswith("第二十条") and len(lines[r]) > 1:
            lines[r:r + 1] = [lines[r][:1], lines[r][1:]]
    t = d.add_table(rows=len(lines), cols=4)
    for r, cells in enumerate(lines):
        if len(cells) == 1:
            t.cell(r, 0).merge(t.cell(r, 3)).text = cells[0]
            continue
        if len(cells) == 2:
            t.cell(r, 1).merge(t.cell(r, 3))
        for k, text in enumerate(cells):
            t.cell(r, k).text = text
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    rows = request_rows(year, "2021")
    t = d.add_table(rows=2 + len(rows), cols=8)
    t.cell(0, 1).text = "自然人"
    t.cell(0, 2).merge(t.cell(0, 6)).text = "法人或其他组织"
    t.cell(0, 7).text = "总计"
    for k, label in enumerate(APPLICANT_LABELS[1:6], start=2):
        t.cell(1, k).text = label
    t.cell(0, 1).merge(t.cell(1, 1))
    t.cell(0, 7).merge(t.cell(1, 7))
    for r, (key, label) in enumerate(rows, start=2):
        t.cell(r, 0).text = label
        for k, col in enumerate(COLS, start=1):
            t.cell(r, k).text = _n(c[("requests", key, col)])
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    t = d.add_table(rows=3, cols=15)
    t.cell(0, 0).merge(t.cell(0, 4)).text = "行政复议"
    t.cell(0, 5).merge(t.cell(0, 9)).text = "未经复议直接起诉"
    t.cell(0, 10).merge(t.cell(0, 14)).text = "复议后起诉"
    for k, label in enumerate(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3):
        t.cell(1, k).text = label
    for k, (g, col) in enumerate((g, col) for g in REVIEW_GROUPS for col in REVIEW_COLS):
        t.cell(2, k).text = _n(c[("reviews", g, col)])
    for text in ("五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"):
        d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
