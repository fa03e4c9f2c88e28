"""Distinct non-zero numbers in every layout land in the same canonical cells."""

import pytest

from nianbao.demo import demo_numbers, site
from nianbao.parsers.pipeline import parse_capture
from nianbao.parsers.report import detect_format
from nianbao.parsers.values import parse_value
from tests.layouts import report_docx, report_text, word_export_html


def cells_of(report, tables=("proactive", "requests", "reviews")):
    return {(c.table, c.row_key, c.col_key): c.value for c in report.cells if c.table in tables}


def expected(year, tables=("proactive", "requests", "reviews")):
    return {k: v for k, v in demo_numbers(year).items() if k[0] in tables}


def assert_same(got, want):
    wrong = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != pytest.approx(v)}
    assert not wrong, f"{len(wrong)} wrong, e.g. {dict(list(wrong.items())[:5])}"
    assert set(got) == set(want)


def test_numbers_are_distinct_enough_to_catch_misplacement():
    values = [v for k, v in expected(2023).items() if k[0] == "requests" and k[2] != "total"]
    assert 0 not in values and len(set(values)) > 30


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2022, 2023])
def test_html_grid_tables(year):
    path = next(p for p in site() if p.endswith(".html") and f"t{year + 1}" in p)
    body, ctype = site()[path]
    report = parse_capture(body, ctype, "http://127.0.0.1" + path).report
    assert report.year == year and report.format == ("2019" if year < 2021 else "2021")
    assert_same(cells_of(report), expected(year))


def test_pdf_attachment_tables():
    path = next(p for p in site() if p.endswith(".pdf"))
    report = parse_capture(site()[path][0], "application/octet-stream", path).report
    assert report.year == 2024 and report.format == "2021"
    assert_same(cells_of(report), expected(2024))


def test_word_export_colspans_follow_header_text():
    report = parse_capture(word_export_html(2023).encode(), "text/html", "http://x/a.html").report
    assert_same(cells_of(report, ("requests",)), expected(2023, ("requests",)))


@pytest.mark.parametrize("layout", ["lines", "tabs"])
def test_flattened_text(layout):
    text = report_text(2023, layout)
    report = parse_capture(text.encode("gb18030"), "text/plain", "file:///r.txt").report
    assert report.format == "2021"
    assert_same(cells_of(report), expected(2023))


def test_cells_one_per_paragraph_in_html():
    paragraphs = "".join(f"<p>{line}</p>" for line in report_text(2022, "lines").splitlines() if line)
    html = f"<html><head><title>x</title></head><body>{paragraphs}</body></html>"
    report = parse_capture(html.encode(), "text/html", "http://x/b.html").report
    assert report.title == "示范县人民政府2022年政府信息公开工作年度报告"
    assert_same(cells_of(report), expected(2022))


def test_docx_tables():
    report = parse_capture(report_docx(2021), None, "http://x/r.docx").report
    assert report.format == "2021" and report.year == 2021
    assert_same(cells_of(report), expected(2021))


def test_fused_review_digits_split_by_r4_and_flagged():
    text = report_text(2023, "lines").replace("\n\n", "\n")
    lines = text.splitlines()
    start = lines.index("四、政府信息公开行政复议、行政诉讼情况")
    end = lines.index("五、存在的主要问题及改进情况")
    values = [x for x in lines[start + 1:end] if x.isdigit()]
    lines[start + 1:end] = ["行政复议", "".join(values)]
    report = parse_capture("\n".join(lines).encode(), "text/plain", "file:///f.txt").report
    reviews = {(c.table, c.row_key, c.col_key): c for c in report.cells if c.table == "reviews"}
    want = expected(2023, ("reviews",))
    assert set(reviews) == set(want)
    for key, cell in reviews.items():  # "3 11 8 8 30" could be "3 1 18 8 30": left NULL
        assert (cell.flag, cell.value) in {("fused_digits_split", want[key]),
                                           ("fused_digits_ambiguous", None)}
    assert all(reviews[("reviews", g, "total")].value == want[("reviews", g, "total")]
               for g in ("review", "lawsuit_direct", "lawsuit_after_review"))
    assert sum(c.flag == "fused_digits_split" for c in reviews.values()) >= 10


def test_blanks_are_null_and_markers_kept_raw():
    text = report_text(2023, "tabs").splitlines()
    i = next(k for k, line in enumerate(text) if line.startswith("1 . 属 于 国 家 秘 密"))
    fields = text[i].split("\t")
    fields[1], fields[2] = "", "/"
    text[i] = "\t".join(fields)
    report = parse_capture("\n".join(text).encode(), "text/plain", "file:///b.txt").report
    got = {(c.row_key, c.col_key): c for c in report.cells if c.table == "requests"}
    assert got[("denied_state_secret", "natural_person")].value is None
    assert got[("denied_state_secret", "commercial")].value is None
    assert got[("denied_state_secret", "commercial")].raw == "/"
    assert {c.status for c in report.checks if c.rule in ("R3:denied_state_secret",)} == {"n/a"}
    assert "fail" not in {c.status for c in report.checks if c.rule == "R3:denied_state_secret"}


@pytest.mark.parametrize("raw, unit, value", [
    ("+1036", None, 1036), ("-185", None, -185), ("1,234", None, 1234), ("１２３", None, 123),
    ("85个", None, 85), ("251000元", "yuan", 251000), ("18651.06万元", "yuan", 186510600),
    ("251000元", "10k_yuan", 25.1), ("—", None, None), ("无", None, None), ("", None, None),
])
def test_values(raw, unit, value):
    assert parse_value(raw, unit)[0] == (pytest.approx(value) if value is not None else None)


def test_format_from_tables_not_year():
    assert detect_format("本年新制作数量 上一年项目数量 第二十条第(九)项", 2022)[0] == "2019"
    assert detect_format("本年制发件数 本年处理决定数量 本年收费金额", 2019)[0] == "2021"
    assert detect_format("总体情况", 2016)[0] == "legacy"


def test_report_without_tables_is_flagged_not_zeroed():
    text = "示范县人民政府2023年政府信息公开工作年度报告\n一、总体情况\n好。\n二、主动公开政府信息情况\n详见网站。\n" \
           "三、收到和处理政府信息公开申请情况\n本年度收到申请。\n五、存在的主要问题及改进情况\n无。"
    report = parse_capture(text.encode(), "text/plain", "file:///t.txt").report
    assert report.is_report and not report.cells
    assert "tables_missing:proactive,requests,reviews" in report.flags
