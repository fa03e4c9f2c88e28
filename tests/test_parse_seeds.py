"""The five seed reports: robustness on real layouts (they are mostly zeros)."""

import pytest

from nianbao.parsers.pipeline import parse_capture


def parse_seed(shared, prefix):
    [path] = list((shared / "seeds").glob(f"{prefix}_*.txt"))
    return parse_capture(path.read_bytes(), "text/plain; charset=utf-8", str(path))


def nonzero(report):
    return {(c.table, c.row_key, c.col_key): c.value for c in report.cells if c.value}


def test_000_mirror_page_repaired_into_a_2021_report(shared):
    parsed = parse_seed(shared, "000")
    report = parsed.report
    assert {"traditional_to_simplified"} <= set(parsed.decoded.repairs)
    assert any(r.startswith("gbk_byte_shift_repaired") for r in parsed.decoded.repairs)
    assert any(r.startswith("pinyin_annotations_removed") for r in parsed.decoded.repairs)
    assert "根据(jù)" not in parsed.decoded.text and "（一）主动公开方面" in parsed.decoded.text
    assert parsed.original_text.startswith("晉江市羅山街道")
    assert report.is_report and report.format == "2021" and report.year == 2023
    assert report.agency == "晋江市罗山街道" and report.published == "2024-01-31"
    assert nonzero(report) == {("proactive", "normative_docs", "issued"): 3,
                               ("proactive", "normative_docs", "in_force"): 3}
    rows = {c.row_key for c in report.cells if c.table == "requests"}
    assert {"new_received", "carried_over", "granted", "partially_granted", "denied_inquiry",
            "unavailable_unclear", "rejected_confirmation", "other", "total",
            "carried_forward"} <= rows
    total = [c for c in report.cells if c.row_key == "total" and c.table == "requests"]
    assert {c.flag for c in total} == {"label_aligned_by_order"}  # （七）总� lost a byte
    assert len([c for c in report.cells if c.table == "reviews"]) == 15
    assert not [c for c in report.checks if c.status == "fail"]


def test_001_2019_format_with_procurement(shared):
    report = parse_seed(shared, "001").report
    assert report.format == "2019" and report.year == 2020
    assert report.agency == "新城区胡家庙街道办事处" and report.published == "2021-01-19"
    assert nonzero(report) == {("proactive", "procurement", "items"): 85,
                               ("proactive", "procurement", "amount_yuan"): 933989}
    raw = {(c.row_key, c.col_key): c.raw for c in report.cells}
    assert raw[("procurement", "amount_yuan")] == "933989元"
    assert len([c for c in report.cells if c.table == "reviews"]) == 15  # no 总计 labels printed
    assert all(c.status == "pass" for c in report.checks if c.rule[0] != "T")
    assert "fail" not in {c.status for c in report.checks}  # T rules: n/a where not stated


def test_002_chrome_and_mixed_headings(shared):
    report = parse_seed(shared, "002").report
    assert report.format == "2021" and report.year == 2023
    assert [s.number for s in report.sections] == [1, 2, 3, 4, 5, 6]
    assert "阅读次数" not in report.text and "4025" not in report.text  # view counter
    assert "星期天" not in report.text  # today's date in the page chrome
    assert len(report.cells) == 200 and not nonzero(report)
    assert all(c.status == "pass" for c in report.checks if c.rule[0] != "T")
    assert "fail" not in {c.status for c in report.checks}  # T rules: n/a where not stated


def test_003_tab_rows_and_blank_review_cells(shared):
    report = parse_seed(shared, "003").report
    assert report.format == "2021" and report.doc_number == "泉鲤政开办文〔2024〕1号"
    assert nonzero(report) == {("proactive", "licensing", "decisions"): 86}
    reviews = {(c.row_key, c.col_key): c.value for c in report.cells if c.table == "reviews"}
    assert reviews[("review", "upheld")] is None  # blank: not stated, never 0
    assert reviews[("lawsuit_direct", "total")] == 0
    status = {c.rule: c.status for c in report.checks}
    assert status["R4:review"] == "n/a" and status["R4:lawsuit_direct"] == "pass"
    rows = {c.row_key for c in report.cells if c.table == "requests"}
    assert {"other_unpaid_fee", "other_misc", "denied_security_stability"} <= rows


def test_004_spaced_year_and_nonzero_counts(shared):
    report = parse_seed(shared, "004").report
    assert report.year == 2023 and report.agency == "武陟县木栾街道办事处"
    assert nonzero(report) == {("proactive", "licensing", "decisions"): 242,
                               ("proactive", "punishment", "decisions"): 17}


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_parsing_is_deterministic(shared, prefix):
    a, b = parse_seed(shared, prefix).report, parse_seed(shared, prefix).report
    assert a.cells == b.cells and a.checks == b.checks and a.text == b.text
