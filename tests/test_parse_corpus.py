"""Every cell of tables 二/三/四 in every 2019+ report page of ../shared/corpus/pingtan.

The expected numbers were read from the pages (page.html tables, cross-read against the
archive's page.txt) and confirmed with R1–R4 where the page is consistent. Every
canonical cell not listed must be 0: a value in the wrong cell fails.
"""

import pytest

from nianbao.parsers.checks import REQUEST_COLS
from nianbao.parsers.pipeline import parse_capture
from nianbao.parsers.tables import (
    PROACTIVE_2019,
    PROACTIVE_2021,
    REQUESTS_2019,
    REQUESTS_2021,
    REVIEWS,
)

EXPECTED = {
    '202001': (2019, '2019', {
        'proactive.enforcement.decisions': 25, 'proactive.enforcement.prior_items': 126,
        'proactive.fees.prior_items': 35, 'proactive.licensing.decisions': 181,
        'proactive.licensing.prior_items': 396, 'proactive.normative_docs.new_made': 89,
        'proactive.normative_docs.new_published': 89,
        'proactive.normative_docs.total_published': 89,
        'proactive.other_services.decisions': 153, 'proactive.other_services.prior_items': 10,
        'proactive.procurement.amount_yuan': 75394432.52, 'proactive.procurement.items': 135,
        'proactive.punishment.decisions': 430, 'proactive.punishment.prior_items': 2648,
        'requests.granted.natural_person': 7, 'requests.granted.total': 7,
        'requests.new_received.natural_person': 23, 'requests.new_received.total': 23,
        'requests.partially_granted.natural_person': 1, 'requests.partially_granted.total': 1,
        'requests.rejected_duplicate.natural_person': 3, 'requests.rejected_duplicate.total': 3,
        'requests.total.natural_person': 23, 'requests.total.total': 23,
        'requests.unavailable_not_held.natural_person': 7,
        'requests.unavailable_not_held.total': 7,
        'requests.unavailable_unclear.natural_person': 5,
        'requests.unavailable_unclear.total': 5,
    }),
    '202103': (2020, '2019', {
        'proactive.enforcement.change': 26, 'proactive.enforcement.decisions': 29,
        'proactive.enforcement.prior_items': 126, 'proactive.fees.change': -15,
        'proactive.fees.prior_items': 35, 'proactive.licensing.change': 442,
        'proactive.licensing.decisions': 278, 'proactive.licensing.prior_items': 396,
        'proactive.normative_docs.new_made': 77, 'proactive.normative_docs.new_published': 77,
        'proactive.normative_docs.total_published': 166, 'proactive.other_services.change': 7,
        'proactive.other_services.decisions': 105, 'proactive.other_services.prior_items': 10,
        'proactive.procurement.amount_yuan': 73802895.9, 'proactive.procurement.items': 395,
        'proactive.punishment.change': -18, 'proactive.punishment.decisions': 538,
        'proactive.punishment.prior_items': 2648, 'proactive.rules.total_published': 7,
        'requests.granted.natural_person': 6, 'requests.granted.other_org': 1,
        'requests.granted.total': 7, 'requests.new_received.natural_person': 20,
        'requests.new_received.other_org': 1, 'requests.new_received.total': 21,
        'requests.other.natural_person': 4, 'requests.other.total': 4,
        'requests.partially_granted.natural_person': 6, 'requests.partially_granted.total': 6,
        'requests.rejected_duplicate.natural_person': 3, 'requests.rejected_duplicate.total': 3,
        'requests.total.natural_person': 20, 'requests.total.other_org': 1,
        'requests.total.total': 21, 'requests.unavailable_not_held.natural_person': 4,
        'requests.unavailable_not_held.total': 4,
        'requests.unavailable_unclear.natural_person': 3,
        'requests.unavailable_unclear.total': 3,
    }),
    '202202': (2021, '2021', {
        'proactive.enforcement.decisions': 42, 'proactive.fees.amount_10k_yuan': 24252.311082,
        'proactive.licensing.decisions': 2293, 'proactive.normative_docs.in_force': 665,
        'proactive.normative_docs.issued': 69, 'proactive.normative_docs.repealed': 3,
        'proactive.punishment.decisions': 1282, 'requests.carried_forward.natural_person': 1,
        'requests.carried_forward.total': 1,
        'requests.denied_enforcement_file.natural_person': 6,
        'requests.denied_enforcement_file.total': 6, 'requests.denied_inquiry.natural_person': 1,
        'requests.denied_inquiry.total': 1, 'requests.denied_internal_affairs.natural_person': 1,
        'requests.denied_internal_affairs.total': 1, 'requests.granted.natural_person': 27,
        'requests.granted.nonprofit': 2, 'requests.granted.other_org': 1,
        'requests.granted.total': 30, 'requests.new_received.natural_person': 64,
        'requests.new_received.nonprofit': 2, 'requests.new_received.other_org': 4,
        'requests.new_received.total': 70, 'requests.other_misc.natural_person': 1,
        'requests.other_misc.total': 1, 'requests.partially_granted.natural_person': 5,
        'requests.partially_granted.total': 5, 'requests.total.natural_person': 63,
        'requests.total.nonprofit': 2, 'requests.total.other_org': 4, 'requests.total.total': 69,
        'requests.unavailable_not_held.natural_person': 22,
        'requests.unavailable_not_held.other_org': 3, 'requests.unavailable_not_held.total': 25,
        'reviews.lawsuit_direct.total': 12, 'reviews.lawsuit_direct.upheld': 12,
        'reviews.review.other': 2, 'reviews.review.total': 3, 'reviews.review.upheld': 1,
    }),
    '202302': (2022, '2021', {
        'proactive.fees.amount_10k_yuan': 9116.36, 'proactive.licensing.decisions': 10690,
        'proactive.normative_docs.in_force': 698, 'proactive.normative_docs.issued': 88,
        'proactive.normative_docs.repealed': 55, 'proactive.punishment.decisions': 2113,
        'requests.carried_over.natural_person': 1, 'requests.carried_over.total': 1,
        'requests.denied_enforcement_file.natural_person': 1,
        'requests.denied_enforcement_file.total': 1,
        'requests.denied_internal_affairs.natural_person': 1,
        'requests.denied_internal_affairs.total': 1,
        'requests.denied_process_info.natural_person': 2,
        'requests.denied_process_info.total': 2, 'requests.granted.natural_person': 21,
        'requests.granted.total': 21, 'requests.new_received.commercial': 3,
        'requests.new_received.natural_person': 71, 'requests.new_received.total': 74,
        'requests.other_misc.commercial': 2, 'requests.other_misc.total': 2,
        'requests.other_no_correction.natural_person': 2,
        'requests.other_no_correction.total': 2, 'requests.partially_granted.commercial': 1,
        'requests.partially_granted.natural_person': 8, 'requests.partially_granted.total': 9,
        'requests.total.commercial': 3, 'requests.total.natural_person': 72,
        'requests.total.total': 75, 'requests.unavailable_not_held.natural_person': 37,
        'requests.unavailable_not_held.total': 37, 'reviews.lawsuit_direct.total': 1,
        'reviews.lawsuit_direct.upheld': 1, 'reviews.review.corrected': 1,
        'reviews.review.other': 1, 'reviews.review.total': 2,
    }),
    '202403': (2023, '2021', {
        'proactive.enforcement.decisions': 54, 'proactive.fees.amount_10k_yuan': 5949.088667,
        'proactive.licensing.decisions': 2629, 'proactive.normative_docs.in_force': 470,
        'proactive.normative_docs.issued': 77, 'proactive.normative_docs.repealed': 132,
        'proactive.punishment.decisions': 1330,
        'requests.denied_enforcement_file.natural_person': 1,
        'requests.denied_enforcement_file.total': 1, 'requests.denied_inquiry.natural_person': 2,
        'requests.denied_inquiry.total': 2, 'requests.denied_process_info.natural_person': 1,
        'requests.denied_process_info.total': 1, 'requests.denied_third_party.natural_person': 1,
        'requests.denied_third_party.total': 1, 'requests.granted.natural_person': 22,
        'requests.granted.total': 22, 'requests.new_received.commercial': 1,
        'requests.new_received.natural_person': 80, 'requests.new_received.total': 81,
        'requests.other_misc.natural_person': 1, 'requests.other_misc.total': 1,
        'requests.other_no_correction.natural_person': 1,
        'requests.other_no_correction.total': 1, 'requests.partially_granted.commercial': 1,
        'requests.partially_granted.natural_person': 19, 'requests.partially_granted.total': 20,
        'requests.rejected_duplicate.natural_person': 1, 'requests.rejected_duplicate.total': 1,
        'requests.total.commercial': 1, 'requests.total.natural_person': 80,
        'requests.total.total': 81, 'requests.unavailable_not_held.natural_person': 31,
        'requests.unavailable_not_held.total': 31, 'reviews.lawsuit_after_review.other': 1,
        'reviews.lawsuit_after_review.total': 2, 'reviews.lawsuit_after_review.upheld': 1,
        'reviews.lawsuit_direct.pending': 1, 'reviews.lawsuit_direct.total': 5,
        'reviews.lawsuit_direct.upheld': 4, 'reviews.review.corrected': 1,
        'reviews.review.total': 2, 'reviews.review.upheld': 1,
    }),
    '202503': (2024, '2021', {
        'proactive.enforcement.decisions': 65, 'proactive.fees.amount_10k_yuan': 18651.06,
        'proactive.licensing.decisions': 4529, 'proactive.normative_docs.in_force': 440,
        'proactive.normative_docs.issued': 62, 'proactive.normative_docs.repealed': 33,
        'proactive.punishment.decisions': 1100,
        'requests.denied_internal_affairs.natural_person': 32,
        'requests.denied_internal_affairs.total': 32,
        'requests.denied_state_secret.natural_person': 4,
        'requests.denied_state_secret.total': 4, 'requests.denied_third_party.natural_person': 3,
        'requests.denied_third_party.total': 3, 'requests.granted.natural_person': 71,
        'requests.granted.total': 71, 'requests.new_received.commercial': 1,
        'requests.new_received.natural_person': 217, 'requests.new_received.total': 218,
        'requests.other_misc.commercial': 1, 'requests.other_misc.natural_person': 1,
        'requests.other_misc.total': 2, 'requests.other_no_correction.natural_person': 1,
        'requests.other_no_correction.total': 1, 'requests.partially_granted.natural_person': 29,
        'requests.partially_granted.total': 29, 'requests.rejected_duplicate.natural_person': 1,
        'requests.rejected_duplicate.total': 1, 'requests.total.commercial': 1,
        'requests.total.natural_person': 217, 'requests.total.total': 218,
        'requests.unavailable_not_held.natural_person': 75,
        'requests.unavailable_not_held.total': 75, 'reviews.lawsuit_after_review.corrected': 2,
        'reviews.lawsuit_after_review.other': 4, 'reviews.lawsuit_after_review.total': 19,
        'reviews.lawsuit_after_review.upheld': 13, 'reviews.review.corrected': 1,
        'reviews.review.other': 3, 'reviews.review.pending': 1, 'reviews.review.total': 7,
        'reviews.review.upheld': 2,
    }),
    '202603': (2025, '2021', {
        'proactive.enforcement.decisions': 64, 'proactive.fees.amount_10k_yuan': 4166.241619,
        'proactive.licensing.decisions': 2418, 'proactive.normative_docs.in_force': 546,
        'proactive.normative_docs.issued': 58, 'proactive.normative_docs.repealed': 45,
        'proactive.punishment.decisions': 644, 'requests.carried_forward.commercial': 2,
        'requests.carried_forward.natural_person': 4, 'requests.carried_forward.total': 6,
        'requests.denied_enforcement_file.natural_person': 3,
        'requests.denied_enforcement_file.total': 3, 'requests.denied_inquiry.natural_person': 3,
        'requests.denied_inquiry.total': 3, 'requests.denied_internal_affairs.natural_person': 3,
        'requests.denied_internal_affairs.total': 3,
        'requests.denied_process_info.natural_person': 2,
        'requests.denied_process_info.total': 2, 'requests.granted.natural_person': 33,
        'requests.granted.total': 33, 'requests.new_received.commercial': 3,
        'requests.new_received.natural_person': 151, 'requests.new_received.total': 154,
        'requests.other_misc.natural_person': 1, 'requests.other_misc.total': 1,
        'requests.other_no_correction.natural_person': 8,
        'requests.other_no_correction.total': 8, 'requests.other_unpaid_fee.natural_person': 2,
        'requests.other_unpaid_fee.total': 2, 'requests.partially_granted.natural_person': 38,
        'requests.partially_granted.total': 38, 'requests.rejected_petition.natural_person': 2,
        'requests.rejected_petition.total': 2, 'requests.total.commercial': 1,
        'requests.total.natural_person': 147, 'requests.total.total': 148,
        'requests.unavailable_needs_creation.natural_person': 3,
        'requests.unavailable_needs_creation.total': 3,
        'requests.unavailable_not_held.commercial': 1,
        'requests.unavailable_not_held.natural_person': 49,
        'requests.unavailable_not_held.total': 50, 'reviews.lawsuit_after_review.total': 3,
        'reviews.lawsuit_after_review.upheld': 3, 'reviews.lawsuit_direct.corrected': 3,
        'reviews.lawsuit_direct.total': 6, 'reviews.lawsuit_direct.upheld': 3,
        'reviews.review.corrected': 3, 'reviews.review.other': 8, 'reviews.review.total': 36,
        'reviews.review.upheld': 25,
    }),
}

# Printed inconsistently by the portal itself (so the check must fail, not be "fixed").
KNOWN_FAILS = {"202103": {"R2:natural_person", "R2:total"}}


def canonical_keys(fmt: str) -> set[str]:
    proactive = PROACTIVE_2021 if fmt == "2021" else PROACTIVE_2019
    requests = REQUESTS_2021 if fmt == "2021" else REQUESTS_2019
    keys = {f"proactive.{r.key}.{c}" for r in proactive.rows for c in r.cols}
    keys |= {f"requests.{r.key}.{c}" for r in requests.rows for c in REQUEST_COLS
             if r.key != "other" or fmt == "2019"}
    keys |= {f"reviews.{r.key}.{c}" for r in REVIEWS.rows for c in r.cols}
    return keys


def parse_page(shared, folder):
    [path] = list((shared / "corpus" / "pingtan").glob(f"{folder}/*/page.html"))
    return parse_capture(path.read_bytes(), "text/html; charset=utf-8", str(path)).report


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_every_cell(shared, folder):
    year, fmt, nonzero = EXPECTED[folder]
    report = parse_page(shared, folder)
    assert report.is_report and report.year == year and report.format == fmt
    got = {f"{c.table}.{c.row_key}.{c.col_key}": c.value for c in report.cells}
    expected = {key: nonzero.get(key, 0) for key in canonical_keys(fmt)}
    wrong = {k: (v, got.get(k)) for k, v in expected.items() if got.get(k) != pytest.approx(v)}
    assert not wrong, f"{len(wrong)} cells wrong: {dict(list(wrong.items())[:8])}"
    assert set(got) == set(expected)


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_checks_as_the_arithmetic_says(shared, folder):
    report = parse_page(shared, folder)
    fails = {c.rule for c in report.checks if c.status == "fail"}
    assert fails == KNOWN_FAILS.get(folder, set())
    assert "R5" in {c.rule for c in report.checks if c.status == "pass"}


def test_metadata_of_a_corpus_page(shared):
    report = parse_page(shared, "202403")
    assert report.title == "平潭综合实验区2023年度政府信息公开工作年度报告"
    assert report.agency == "平潭综合实验区" and report.published == "2024-03-08"
    assert [s.number for s in report.sections] == [1, 2, 3, 4, 5, 6]
    assert report.doc_number is None  # 国办公开办函〔2021〕30号 is cited, not its own


def test_legacy_report_keeps_its_province_table(shared):
    [path] = list((shared / "corpus" / "pingtan").glob("201204/80716_*/page.html"))
    report = parse_capture(path.read_bytes(), "text/html", str(path)).report
    assert report.is_report and report.format == "legacy" and report.year == 2011
    cells = {(c.row_key, c.col_key): c.value for c in report.cells if c.table == "legacy"}
    assert cells[("主动公开信息数", "2011年度")] == 425
    assert cells[("主动公开信息数", "历年累计")] == 1516
    assert not report.checks


def test_a_letter_in_the_column_is_not_a_report(shared):
    [path] = list((shared / "corpus" / "pingtan").glob("201412/*/page.html"))
    report = parse_capture(path.read_bytes(), "text/html", str(path)).report
    assert not report.is_report and report.reason.startswith("title_not_report")


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_collapsed_text_of_the_same_pages(shared, folder):
    """The archive's page.txt holds the same reports with all white space collapsed
    (``数量801000081二、上年…``): digits are split where the columns and R3 allow one
    reading only; elsewhere the cell is NULL and flagged, never a wrong number."""
    year, fmt, nonzero = EXPECTED[folder]
    [path] = list((shared / "corpus" / "pingtan").glob(f"{folder}/*/page.txt"))
    report = parse_capture(path.read_bytes(), "text/plain", str(path)).report
    assert report.is_report and report.year == year and report.format == fmt
    expected = {key: nonzero.get(key, 0) for key in canonical_keys(fmt)}
    got = {f"{c.table}.{c.row_key}.{c.col_key}": c for c in report.cells}
    assert set(got) == set(expected)
    wrong = {k: (v, got[k].value) for k, v in expected.items()
             if got[k].value is not None and got[k].value != pytest.approx(v)}
    assert not wrong
    unknown = [c for c in got.values() if c.value is None]
    assert all(c.flag and c.flag.startswith("fused_digits") for c in unknown)
    assert len(unknown) <= 0.1 * len(expected)
