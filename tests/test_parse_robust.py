"""Issue 9: reports as portals publish them — tables broken over PDF pages or split in
two, blank rows and columns, labels with typos or garbled, values on one line, every
title form, and the prose's own figures against the tables.

Fixtures are built in code (``tests/robust_docs.py``) with distinct non-zero numbers
that satisfy R1–R4, so a value read into the wrong cell fails. A cell may be NULL only
when it was printed blank or when the parser flags why it could not read it.
"""

from __future__ import annotations

import io
import random
from datetime import datetime

import docx as python_docx
import pytest

from nianbao.parsers import forms
from nianbao.parsers.checks import run_checks
from nianbao.parsers.extract import Document, from_docx, from_html, from_pdf, from_text
from nianbao.parsers.grid import Cell, Grid, stitch
from nianbao.parsers.report import parse_report, published_date
from nianbao.parsers.tables import REQUESTS_2021, grid_cells, stream_cells
from nianbao.parsers.values import CellValue
from tests import robust_docs as rd
from tests.robust_field import FAMILIES, field_doc, score

AGENCY = "柳宁市太江县人民政府"
BLANK_ROWS = ("denied_inquiry", "unavailable_unclear", "rejected_publication")


def parse(body: bytes | str, kind: str):
    if kind == "pdf":
        doc = from_pdf(body)
    elif kind == "docx":
        doc = from_docx(body)
    elif kind == "html":
        doc = from_html(body.decode() if isinstance(body, bytes) else body)
    else:
        doc = from_text(body if isinstance(body, str) else body.decode())
    return parse_report(doc)


def assert_cells(report, expected, flagged_null_ok: bool = False) -> None:
    """Every expected cell present with its value; blanks NULL. With ``flagged_null_ok``
    a cell the parser could not place may be NULL if it says why."""
    got = {(c.table, c.row_key, c.col_key): c for c in report.cells}
    missing = [k for k in expected if k not in got]
    wrong = {k: (v, got[k].value, got[k].flag) for k, v in expected.items() if k in got
             and got[k].value != (pytest.approx(v) if v is not None else None)
             and not (flagged_null_ok and got[k].value is None and got[k].flag)}
    assert not missing, f"{len(missing)} cells missing, e.g. {missing[:4]}"
    assert not wrong, f"{len(wrong)} cells wrong, e.g. {dict(list(wrong.items())[:4])}"


def typo_labels(fmt: str, kind: str, seed: int, count: int = 8):
    keys = [r.key for r in forms.rows("requests", fmt)]
    victims = set(random.Random(seed).sample(keys, count))
    return lambda key, text: rd.typo(text, random.Random(key), kind) if key in victims else text


# -- 1. tables across pages -----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["2021", "2019"])
@pytest.mark.parametrize("cont", ["repeat", "partial", "none"])
@pytest.mark.parametrize("nested, split_at", [(True, 4), (False, 13), (True, 19)])
def test_pdf_table_broken_over_pages_is_stitched(fmt, cont, nested, split_at):
    nums = rd.numbers(split_at * 7 + len(cont), fmt)
    footer = "dash" if split_at % 2 else "of"
    pdf = rd.pdf_report(nums, fmt, 2023, AGENCY, split_at, cont, footer, nested,
                        running="太江县人民政府信息公开")
    report = parse(pdf, "pdf")
    assert report.format == fmt and report.agency == AGENCY
    assert_cells(report, rd.expected_cells(nums, fmt))
    assert not [c for c in report.checks if c.status == "fail" and c.rule[0] in "RT"]


@pytest.mark.parametrize("filler", [6, 14])
def test_pdf_table_broken_where_the_page_ends(filler):
    nums = rd.numbers(filler, "2021")
    pdf = rd.pdf_report(nums, "2021", 2023, AGENCY, None, "repeat", filler=filler)
    assert len(from_pdf(pdf).tables) >= 4  # table 三 really is in two parts
    assert_cells(parse(pdf, "pdf"), rd.expected_cells(nums, "2021"))


@pytest.mark.parametrize("ruled", [True, False])
@pytest.mark.parametrize("fmt", ["2021", "2019"])
def test_pdf_labels_wrapped_in_narrow_cells(ruled, fmt):
    """Word wraps long labels in their cells; without ruling lines the PDF is only
    positioned text, label pieces above and below each row's values."""
    nums = rd.numbers(83, fmt)
    pdf = rd.pdf_report(nums, fmt, 2023, AGENCY, 8, "repeat", ruled=ruled, wrap=200,
                        wrap_at=110)
    assert_cells(parse(pdf, "pdf"), rd.expected_cells(nums, fmt))


@pytest.mark.parametrize("ruled", [True, False])
def test_tables_two_and_four_broken_over_pages_too(ruled):
    nums = rd.numbers(101, "2019")
    pdf = rd.pdf_report(nums, "2019", 2020, AGENCY, 9, "none", split_all=True, ruled=ruled)
    assert_cells(parse(pdf, "pdf"), rd.expected_cells(nums, "2019"))


def test_page_furniture_is_not_report_text():
    nums = rd.numbers(3, "2021")
    pdf = rd.pdf_report(nums, "2021", 2023, AGENCY, 9, "none", "of", running="太江县人民政府公开")
    doc = from_pdf(pdf)
    assert not [x for x in doc.lines if "页 共" in x or x.strip() == "- 2 -"]
    assert sum(x == "太江县人民政府公开" for x in doc.lines) == 1  # running header kept once


@pytest.mark.parametrize("fmt", ["2021", "2019"])
@pytest.mark.parametrize("cont", ["repeat", "none"])
def test_docx_table_split_in_two_is_stitched(fmt, cont):
    nums = rd.numbers(41, fmt)
    report = parse(rd.docx_report(nums, fmt, 2023, AGENCY, 9, cont), "docx")
    assert_cells(report, rd.expected_cells(nums, fmt))


def test_stitch_aligns_parts_on_their_value_columns():
    head = Grid.from_rows([[Cell(""), Cell(""), Cell("自然人"), Cell("总计")],
                           [Cell("（一）予以公开", colspan=2), Cell("3"), Cell("3")]])
    tail = Grid.from_rows([[Cell("（二）部分公开"), Cell("4"), Cell("4")]])
    grid = stitch([head, tail])
    assert grid.ncols == 4 and [c.text for c in grid.row_cells(2)] == ["（二）部分公开", "4", "4"]
    assert grid.row_cells(2)[1].col == 2


# -- 2. blank rows and columns ---------------------------------------------------------


@pytest.mark.parametrize("layout", ["html", "html-flat", "pdf", "tabs"])
def test_blank_rows_and_blank_total_column_keep_their_places(layout):
    """The real 2019 report: whole rows of table 三 blank, 总计 blank on outcome rows."""
    nums = rd.with_blanks(rd.numbers(17, "2019"), "2019", BLANK_ROWS, total_column=True)
    if layout.startswith("html"):
        body, kind = rd.html_report(nums, "2019", 2019, AGENCY, nested=layout == "html"), "html"
    elif layout == "pdf":
        body, kind = rd.pdf_report(nums, "2019", 2019, AGENCY, 11, "none"), "pdf"
    else:
        body, kind = rd.text_report(nums, "2019", 2019, AGENCY, "tabs"), "text"
    report = parse(body, kind)
    assert_cells(report, rd.expected_cells(nums, "2019"))
    status = {c.rule: c.status for c in report.checks}
    assert status["R3:granted"] == "n/a" and status["R3:new_received"] == "pass"


@pytest.mark.parametrize("layout", ["lines", "oneline", "inline"])
def test_blank_cells_dropped_by_flattening_are_placed_by_the_checks(layout):
    """One cell per line loses blank cells: which column is blank is decided by R1–R3,
    and the cells say so."""
    nums = rd.with_blanks(rd.numbers(23, "2021"), "2021", BLANK_ROWS, total_column=True)
    report = parse(rd.text_report(nums, "2021", 2023, AGENCY, layout), "text")
    assert_cells(report, rd.expected_cells(nums, "2021"))
    granted = [c for c in report.cells if c.row_key == "granted"]
    assert {c.flag for c in granted} == {"blank_cells_by_checks"}
    assert {c.flag for c in report.cells if c.row_key == BLANK_ROWS[0]} == {"blank_row"}


def test_blank_cells_the_checks_cannot_place_stay_null_and_flagged():
    zeros = {k: 0 for k in rd.numbers(1, "2021")}
    nums = rd.with_blanks(zeros, "2021", (), total_column=True)
    report = parse(rd.text_report(nums, "2021", 2023, AGENCY, "lines"), "text")
    granted = [c for c in report.cells if c.row_key == "granted"]
    assert all(c.value is None and c.flag == "blank_cells_ambiguous" for c in granted)


# -- 3. labels: typos, garbled, by position -------------------------------------------


@pytest.mark.parametrize("kind", ["drop", "swap", "extra", "spaces", "ascii"])
@pytest.mark.parametrize("layout", ["html", "lines", "tabs"])
def test_labels_with_typos(kind, layout):
    fmt = "2021" if kind in ("drop", "extra", "ascii") else "2019"
    nums = rd.numbers(len(kind) * 5 + len(layout), fmt)
    label = typo_labels(fmt, kind, len(layout))
    if layout == "html":
        report = parse(rd.html_report(nums, fmt, 2023, AGENCY, label=label), "html")
    else:
        report = parse(rd.text_report(nums, fmt, 2023, AGENCY, layout, label=label), "text")
    assert_cells(report, rd.expected_cells(nums, fmt))


def test_a_dropped_character_is_matched_and_flagged():
    label = lambda key, text: "4.保护第方合法权益" if key == "denied_third_party" else text  # noqa: E731
    nums = rd.numbers(2, "2021")
    report = parse(rd.html_report(nums, "2021", 2023, AGENCY, label=label), "html")
    cells = [c for c in report.cells if c.row_key == "denied_third_party"]
    assert [c.value for c in cells] == [nums[("requests", "denied_third_party", c.col_key)]
                                        for c in cells]
    assert {c.flag for c in cells} == {"label_fuzzy_match"}


@pytest.mark.parametrize("layout", ["html", "lines", "tabs"])
def test_garbled_labels_are_placed_by_position(layout):
    garbled = {"denied_third_party", "rejected_duplicate", "total"}
    label = lambda key, text: "□□□" if key in garbled else text  # noqa: E731
    nums = rd.numbers(29, "2019")
    if layout == "html":
        report = parse(rd.html_report(nums, "2019", 2019, AGENCY, label=label), "html")
    else:
        report = parse(rd.text_report(nums, "2019", 2019, AGENCY, layout, label=label), "text")
    assert_cells(report, rd.expected_cells(nums, "2019"))
    assert {c.flag for c in report.cells if c.row_key in garbled} == {"label_aligned_by_order"}


def test_where_two_rows_could_hold_a_garbled_row_the_checks_decide():
    """Rows 上年结转 and 结转下年 both unlabelled, and 结转下年 left out: which row the
    one garbled row is can only be told by R1."""
    spec = REQUESTS_2021
    nums = rd.numbers(31, "2021")
    cols = [c.key for c in spec.cols]
    lines = []
    for row in spec.rows:
        if row.optional or row.key == "carried_forward":
            continue
        label = "□□" if row.key == "carried_over" else row.label
        lines += [label, *(rd.show(nums[("requests", row.key, c)]) for c in cols)]
    cells = {(c.row_key, c.col_key): c for c in stream_cells(lines, spec)}
    assert cells[("carried_over", "total")].value == nums[("requests", "carried_over", "total")]
    assert cells[("carried_over", "total")].flag in ("label_aligned_by_order",
                                                     "row_aligned_by_checks")


def test_where_the_checks_cannot_tell_the_row_stays_null():
    spec = REQUESTS_2021
    nums = rd.numbers(37, "2021")
    cols = [c.key for c in spec.cols]
    lines = []
    for row in spec.rows:
        if row.optional or row.key in ("denied_inquiry",):
            continue
        label = "□□" if row.key == "denied_enforcement_file" else row.label
        lines += [label, *(rd.show(nums[("requests", row.key, c)]) for c in cols)]
    cells = [c for c in stream_cells(lines, spec) if c.flag == "row_ambiguous"]
    assert cells and all(c.value is None for c in cells)


@pytest.mark.parametrize("kind", ["drop", "swap", "extra"])
def test_header_words_with_typos(kind):
    """Column headers (自然人, 本年制发件数, 结果纠正 …) and table 二's labels misprinted:
    columns are found by their likeness to the form's own labels."""
    def words(text: str) -> str:
        return rd.typo(text, random.Random(text), kind) if len(text) % 2 else text

    for fmt in ("2021", "2019"):
        nums = rd.numbers(89, fmt)
        report = parse(rd.html_report(nums, fmt, 2023, AGENCY, words=words), "html")
        assert_cells(report, rd.expected_cells(nums, fmt))


def test_a_garbled_line_without_values_is_a_blank_row_where_nothing_else_fits():
    nums = rd.with_blanks(rd.numbers(97, "2021"), "2021", ("denied_prohibited_by_law",))
    label = lambda key, text: "□□□" if key == "denied_prohibited_by_law" else text  # noqa: E731
    report = parse(rd.text_report(nums, "2021", 2023, AGENCY, "oneline", label=label), "text")
    assert_cells(report, rd.expected_cells(nums, "2021"))
    cells = [c for c in report.cells if c.row_key == "denied_prohibited_by_law"]
    assert {c.flag for c in cells} == {"blank_row_by_order"}


@pytest.mark.parametrize("seed", range(0, 2 * len(FAMILIES)))
def test_field_of_mixed_noise(seed):
    """Every layout family with blank rows and columns, typos, a garbled label and every
    title form at once (``python -m tests.robust_field`` measures a larger field)."""
    doc = field_doc(seed)
    report = doc.parse()
    right, wrong, cells = score(doc, report)
    assert (right, wrong) == (cells, 0) and report.agency == doc.agency


# -- 4. values on one line ---------------------------------------------------------------


@pytest.mark.parametrize("nested", [True, False])
def test_values_in_one_grid_cell_are_split_by_column_count(nested):
    nums = rd.numbers(43, "2021")
    report = parse(rd.html_report(nums, "2021", 2023, AGENCY, nested, joined=True), "html")
    assert_cells(report, rd.expected_cells(nums, "2021"))


@pytest.mark.parametrize("layout", ["oneline", "inline", "tabs"])
def test_values_on_one_line_in_flattened_text(layout):
    nums = rd.numbers(47, "2019")
    assert_cells(parse(rd.text_report(nums, "2019", 2020, AGENCY, layout), "text"),
                 rd.expected_cells(nums, "2019"))


def test_values_in_paragraphs_one_line_each():
    nums = rd.numbers(53, "2021")
    text = rd.text_report(nums, "2021", 2023, AGENCY, "oneline")
    html = "<html><body>" + "".join(f"<p>{x}</p>" for x in text.splitlines()) + "</body></html>"
    assert_cells(parse(html, "html"), rd.expected_cells(nums, "2021"))


def test_several_numbers_in_a_cell_are_never_one_number():
    grid = Grid.from_rows([[Cell(""), Cell("自然人"), Cell("商业企业"), Cell("总计")],
                           [Cell("（一）予以公开"), Cell("3 0 1"), Cell(""), Cell("")]])
    cells = {c.col_key: c.value for c in grid_cells(grid, REQUESTS_2021)}
    assert 301 not in cells.values() and 3010 not in cells.values()


# -- 7. metadata ---------------------------------------------------------------------------


@pytest.mark.parametrize("title, agency", [
    ("柳宁市太江县应急管理局2022年度政府信息公开工作年度报告", "柳宁市太江县应急管理局"),
    ("太江县人民政府关于2023年政府信息公开工作年度报告", "太江县人民政府"),
    ("关于太江县石门镇人民政府的2023年度政府信息公开工作年度报告", "太江县石门镇人民政府"),
    ("2023年太江县石门镇人民政府政府信息公开工作年度报告", "太江县石门镇人民政府"),
    ("2023年度太江县交通运输局政务公开工作年度报告", "太江县交通运输局"),
    ("太江縣人民政府2023年政府信息公開工作年度報告", "太江县人民政府"),
    ("《柳宁市太江县发展和改革局2023年政府信息公开工作年度报告》", "柳宁市太江县发展和改革局"),
])
def test_agency_from_every_title_form(title, agency):
    nums = rd.numbers(59, "2021")
    report = parse(rd.html_report(nums, "2021", 2023, "某单位", title=title), "html")
    assert report.agency == agency and report.year == int(title.split("年")[0][-4:])


def test_agency_from_the_body_never_from_footers():
    nums = rd.numbers(61, "2021")
    html = rd.html_report(nums, "2021", 2023, "太江县交通运输局", title="2023年政府信息公开工作年度报告",
                          tail=("版权所有:太江县人民政府办公室", "网站首页 当前位置:信息公开"))
    assert parse(html, "html").agency == "太江县交通运输局"
    stated = html.decode().replace("<p>一、总体情况</p>",
                                   "<p>本报告由太江县交通运输局办公室编制。</p><p>一、总体情况</p>")
    stated = stated.replace("<p>太江县交通运输局</p>", "")
    assert parse(stated, "html").agency == "太江县交通运输局办公室"


def test_a_title_naming_the_body_beats_a_file_name_in_the_properties():
    doc = Document(title="Microsoft Word - 2023年年报.docx",
                   lines=["柳宁市太江县人民政府2023年政府信息公开工作年度报告", "一、总体情况", "正文",
                          "二、主动公开政府信息情况", "无"], kind="pdf")
    report = parse_report(doc)
    assert report.agency == AGENCY and report.year == 2023


def test_title_broken_over_two_lines_in_a_pdf():
    doc = from_text("柳宁市太江县人民政府\n2023年政府信息公开工作年度报告\n一、总体情况\n正文\n"
                    "二、主动公开政府信息情况\n无")
    report = parse_report(doc)
    assert report.title == "柳宁市太江县人民政府2023年政府信息公开工作年度报告"
    assert report.agency == AGENCY


def test_signature_with_seal_and_a_date_in_chinese_numerals():
    doc = Document(lines=["2023年政府信息公开工作年度报告", "一、总体情况", "正文",
                          "二、主动公开政府信息情况", "无", "太江县教育局（盖章）", "二〇二四年一月二十日",
                          "版权所有:太江县人民政府办公室"])
    report = parse_report(doc)
    assert report.agency == "太江县教育局" and report.published == "2024-01-20"


def test_published_date_from_signature_or_file_properties():
    nums = rd.numbers(67, "2021")
    assert parse(rd.docx_report(nums, "2021", 2023, AGENCY, 9), "docx").published == "2024-01-20"
    doc = Document(lines=["某县2023年政府信息公开工作年度报告", "正文"],
                   meta={"CreationDate": "D:20240131093000+08'00'"})
    assert published_date(doc) == "2024-01-31"
    d = python_docx.Document()
    d.add_paragraph("某县2023年政府信息公开工作年度报告")
    d.core_properties.created = datetime(2024, 2, 3, 9, 0)
    out = io.BytesIO()
    d.save(out)
    assert published_date(from_docx(out.getvalue())) == "2024-02-03"


# -- 8. text against tables ------------------------------------------------------------------


def test_prose_figures_agree_with_the_tables():
    nums = rd.numbers(71, "2021")
    report = parse(rd.html_report(nums, "2021", 2023, AGENCY), "html")
    status = {c.rule: c.status for c in report.checks}
    assert status["T1"] == "pass" and status["T2"] == "pass" and status["T3"] == "n/a"


def test_a_prose_figure_that_disagrees_is_a_failed_check_with_both_numbers():
    nums = rd.numbers(73, "2021")
    granted = int(nums[("requests", "granted", "total")])
    html = rd.html_report(nums, "2021", 2023, AGENCY).decode()
    html = html.replace(f"予以公开{granted}件", f"予以公开{granted + 5}件")
    check = next(c for c in parse(html, "html").checks if c.rule == "T2")
    assert check.status == "fail"
    assert str(granted + 5) in check.detail and str(granted) in check.detail


@pytest.mark.parametrize("text, status", [
    ("全年共收到政府信息公开申请12件，其中予以公开及部分公开7件。", {"T1": "pass", "T4": "pass"}),
    ("本年度未收到政府信息公开申请。", {"T1": "fail"}),
    ("全年予以公开五件。", {"T2": "pass"}),
    ("未发生政府信息公开行政复议、行政诉讼案件。", {"T12": "pass", "T13": "n/a"}),
])
def test_text_rules(text, status):
    cells = [CellValue("requests", "new_received", "total", 12.0, "12"),
             CellValue("requests", "granted", "total", 5.0, "5"),
             CellValue("requests", "partially_granted", "total", 2.0, "2"),
             CellValue("reviews", "review", "total", 0.0, "0")]
    got = {c.rule: c.status for c in run_checks(cells, "2021", text)}
    assert {k: got[k] for k in status} == status


def test_parsing_is_deterministic():
    nums = rd.numbers(79, "2021")
    pdf = rd.pdf_report(nums, "2021", 2023, AGENCY, 7, "partial")
    a, b = parse(pdf, "pdf"), parse(pdf, "pdf")
    assert a.cells == b.cells and a.checks == b.checks


def test_run_together_mirror_page_is_broken_into_cells() -> None:
    """A mirror copy whose text was run together with single spaces still yields tables."""
    body = ("本报告根据《条例》编制。" * 40 + " 一、总体情况 正文。 二、主动公开政府信息情况"
            " 第二十条第(一)项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章 0 0 0"
            " 行政规范性文件 24 0 49 三、收到和处理政府信息公开申请情况")
    doc = from_html(f"<html><body><div>{body}</div></body></html>")
    assert "二、主动公开政府信息情况" in doc.lines and "行政规范性文件" in doc.lines
    assert doc.lines[doc.lines.index("行政规范性文件") + 1:][:3] == ["24", "0", "49"]


def test_every_shifted_gbk_piece_of_a_run_together_line_is_mended() -> None:
    from nianbao.parsers.repair import repair_text

    text = "规章 0 ?。ㄒ唬┲鲃庸\ue0a6_方面 5 ?。ㄒ唬┲鲃庸\ue0a6_方面 6"
    assert repair_text(text)[0] == "规章 0 （一）主动公开方面 5 （一）主动公开方面 6"


def test_garbled_column_header_read_by_elimination() -> None:
    from nianbao.parsers.tables import build_spec, grid_cells

    header = ["", "自然人", "商业企业", "科研机构", "社会织", "法律服务机构", "其他", "总计"]
    values = ["一、本年新收政府信息公开申请数量", "1", "2", "3", "4", "5", "6", "21"]
    grid = Grid.from_rows([[Cell(t) for t in header], [Cell(t) for t in values]])
    got = {c.col_key: c.value for c in grid_cells(grid, build_spec("requests", "2021"))}
    assert got["nonprofit"] == 4 and got["legal_service"] == 5


def test_a_row_of_markers_is_data_even_when_its_label_names_a_column():
    """``3.其他 | / | / …``: 其他 is also table 三's column word, but a row printing "/"
    under the columns is a data row; the 总计 and 结转 rows after it keep their values."""
    nums = {**rd.numbers(37, "2021"),
            **{("requests", "other_misc", c.key): None for c in forms.REQUEST_COLS}}
    html = rd.html_report(nums, "2021", 2023, AGENCY).decode()
    row = html.index("3.其他")
    end = html.index("</tr>", row)
    marked = html[row:end].replace("<p></p>", "<p>/</p>")
    assert marked.count("<p>/</p>") == len(forms.REQUEST_COLS)
    html = html[:row] + marked + html[end:]
    assert_cells(parse(html, "html"), rd.expected_cells(nums, "2021"))


def test_table_four_named_with_typos_is_still_table_four():
    """行复政议, 政复议: the words naming table 四 with a typo (two letters swapped, one
    dropped) still name it, beside its 结果维持 columns."""
    nums = rd.numbers(43, "2021")
    typos = {"行政复议": "行复政议", "结果纠正": "果纠正", "尚未审结": "尚审未结"}
    report = parse(rd.docx_report(nums, "2021", 2023, AGENCY, 9,
                                  words=lambda text: typos.get(text, text)), "docx")
    assert_cells(report, rd.expected_cells(nums, "2021"))
    assert "tables_missing:reviews" not in report.flags


@pytest.mark.parametrize("fmt", ["2021", "2019"])
def test_table_two_under_a_repeated_first_header_keeps_its_sections_columns(fmt):
    """Word's 重复标题行 prints table 二's first header (第二十条第（一）项 | 信息内容 |
    本年制发件数 …) at the top of every page, over sections with other columns; a
    section's own header right after it is that section's header."""
    nums = rd.numbers(47, fmt)
    matrix = rd.proactive_matrix(nums, fmt)
    labels = [row[0] for row in matrix]
    enforcement = labels.index("行政强制")
    fees_group = next(i for i, x in enumerate(labels) if "（八）" in x)
    repeated = (matrix[:enforcement] + matrix[:2] + matrix[enforcement:fees_group + 1]
                + matrix[:2] + matrix[fees_group + 1:])
    html = rd.html_report(nums, fmt, 2023, AGENCY).decode()
    html = html.replace(rd.html_table(matrix), rd.html_table(repeated))
    assert html.count("第二十条第（一）项") == 3
    assert_cells(parse(html, "html"), rd.expected_cells(nums, fmt))


def test_table_four_tab_row_ending_in_blank_fields_keeps_its_groups():
    """``— — — — — 0 0 0 0 0 ⇥⇥⇥⇥``: 行政复议 printed as markers, 直接起诉 as zeros and
    复议后起诉 left blank — the trailing tabs are that group's blank fields, not nothing."""
    from nianbao.parsers.tables import review_cells

    header = "行政复议\t\t\t\t\t行政诉讼" + "\t" * 9
    row = "\t".join(["—"] * 5 + ["0", "0", "3", "1", "4"] + [""] * 5)
    got = {(c.row_key, c.col_key): c.value for c in review_cells([header, row])}
    assert [got[("lawsuit_direct", c.key)] for c in forms.REVIEW_COLS] == [0, 0, 3, 1, 4]
    assert {got[("review", c.key)] for c in forms.REVIEW_COLS} == {None}
    assert {got[("lawsuit_after_review", c.key)] for c in forms.REVIEW_COLS} == {None}
