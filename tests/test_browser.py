"""The Datasette site in a real headless Chromium: what a researcher clicks through.

Each page is saved as a screenshot in test-artifacts/ (look at them)."""

from __future__ import annotations

import os
import shutil
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, need, nianbao, serving

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "test-artifacts"
BODY = "示范县人民政府｜示范县"


def chromium() -> str | None:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (path := shutil.which(name)):
            return path
    return None


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("browse")
    assert nianbao("demo", cwd=work).returncode == 0
    return work


@pytest.fixture(scope="module")
def site(work) -> Iterator[str]:
    with serving(work) as base:
        yield base


@pytest.fixture(scope="module")
def page(site):
    binary = chromium()
    need(binary is not None, "no Chromium binary (Debian package `chromium`); set CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright is not installed (pip install -e '.[test]')")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=binary, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield tab
        browser.close()


def shot(tab, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def report_id(site: str, year: int) -> int:
    import json

    with urllib.request.urlopen(f"{site}/nianbao/reports.json?_shape=array&year={year}") as r:
        return json.loads(r.read())[0]["id"]


def test_reports_table_and_year_facet(page, site):
    page.goto(site + "/nianbao/reports")
    assert "报告 Reports" in page.inner_text("h1")
    facet = page.locator(".facet-info").filter(has_text="year")
    facet.get_by_role("link", name="2023").first.click()
    page.wait_for_url("**year=2023**")
    rows = page.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 1 and "2023" in rows.first.inner_text()
    shot(page, "reports-facet-2023")
    rows.first.locator("td.col-title a").click()  # the title opens the reading room
    page.wait_for_url("**/report/**")
    assert "2023年政府信息公开工作年度报告" in page.inner_text("h1")


def test_home_page_lists_reports_first(page, site):
    page.goto(site + "/")
    first = page.locator("section.content p a").filter(has_text="reports").first
    assert first.is_visible()
    links = page.locator("section.content h2 + p + p a").all_inner_texts()
    assert links[0] == "reports"
    shot(page, "home")


def test_report_page_with_failing_check(page, site):
    page.goto(f"{site}/report/{report_id(site, 2022)}")
    assert "2022年政府信息公开工作年度报告" in page.inner_text("h1")
    failing = page.locator("ol.nb-failing li")
    assert failing.count() == 2
    assert "相加为 2986 件，相差 1 件" in failing.first.inner_text()
    highlighted = page.locator("table.nb-form td.check-fail")
    assert highlighted.count() >= 2 and highlighted.first.is_visible()
    label = page.locator("table.nb-form th", has_text="1.属于国家秘密")
    assert label.is_visible()
    assert page.locator("table.nb-form th[rowspan]", has_text="（三）不予公开").count() == 1
    page.locator("#table-requests").scroll_into_view_if_needed()
    shot(page, "report-2022-failing-check")


def test_capture_of_an_html_page(page, site):
    page.goto(f"{site}/report/{report_id(site, 2021)}")
    page.get_by_role("link", name="查看存档 archived copy").first.click()
    page.wait_for_url("**/capture/**")
    banner = page.locator(".nb-banner").inner_text()
    assert "存档副本" in banner and "已重新校验" in banner and ".warc.gz" in banner
    frame = page.frame_locator("iframe.nb-frame")
    frame.locator("table").first.wait_for(timeout=10000)
    assert "2021年政府信息公开工作年度报告" in frame.locator("body").inner_text()
    shot(page, "capture-html")


def test_capture_of_a_pdf(page, site):
    page.goto(f"{site}/report/{report_id(site, 2024)}")
    page.get_by_role("link", name="查看存档 archived copy").first.click()
    page.wait_for_url("**/capture/**")
    banner = page.locator(".nb-banner").inner_text()
    assert "application/pdf" in banner
    assert "2024年政府信息公开工作年度报告" in page.locator("pre.nb-extracted").inner_text()
    href = page.get_by_role("link", name="打开 PDF Open the PDF").get_attribute("href")
    raw = page.request.get(site + href)
    assert raw.headers["content-type"] == "application/pdf" and raw.body().startswith(b"%PDF-")
    shot(page, "capture-pdf")


@pytest.mark.parametrize("term,name,hits", [
    ("县", "search-1-char", True),
    ("示范", "search-2-chars", True),
    ('"2023-01-30\' OR 1=1; --', "search-punctuation", False),
    ("2023-01-30", "search-date", True),
])
def test_search(page, site, term, name, hits):
    page.goto(site + "/search")
    page.fill("input[name=q]", term)
    page.locator("form.nb-searchform input[type=submit]").click()
    page.wait_for_url("**/search?q=**")
    assert page.locator("h1").inner_text().startswith("检索")
    count = page.locator(".nb-count").inner_text()
    if hits:
        assert "找到" in count
        assert page.locator("ol.nb-hits mark").first.inner_text() == term
    else:
        assert "没有找到" in count
    shot(page, name)


def test_search_skips_form_labels_and_filters(page, site):
    page.goto(site + "/search?q=" + urllib.parse.quote("国家秘密"))
    assert "只在表格栏目名称中出现" in page.locator(".nb-count").inner_text()
    page.goto(site + "/search?q=" + urllib.parse.quote("人民政府"))
    page.select_option("select[name=year]", "2022")
    page.locator("form.nb-searchform input[type=submit]").click()
    page.wait_for_url("**year=2022**")
    assert page.locator("ol.nb-hits > li").count() == 1
    shot(page, "search-filter-year")


def test_chart_on_first_load(page, site):
    page.goto(site + "/-/dashboards/series?body=" + urllib.parse.quote(BODY))
    chart = page.locator("#chart-per-body canvas, #chart-per-body svg").first
    chart.wait_for(state="visible", timeout=20000)
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150
    bars = page.locator("#chart-refusal-reasons canvas, #chart-refusal-reasons svg").first
    bars.wait_for(state="visible", timeout=20000)
    page.wait_for_timeout(500)
    path = shot(page, "chart-series")
    assert path.stat().st_size > 20000


def test_coverage(page, site):
    page.goto(site + "/coverage")
    assert "覆盖情况" in page.inner_text("h1")
    assert page.locator("table.nb-cov tbody tr").count() == 1
    assert page.locator("table.nb-cov td.found").count() == 6
    shot(page, "coverage")


def test_bad_input_gives_clear_pages(page, site):
    page.goto(site + "/report/999999")
    assert "没有这份报告" in page.inner_text("h1")
    shot(page, "report-unknown")
    # 10,000 characters (Chinese ones, 90 kB of URL, are tested in process: uvicorn's h11
    # may refuse a request line that long on a kept-alive connection before Datasette runs)
    page.goto(site + "/search?q=" + "a" * 10000)
    assert "检索词太长（10,000 个字符）" in page.locator(".nb-problem").inner_text()
    shot(page, "search-too-long")
    page.goto(f"{site}/report/{report_id(site, 2023)}")  # still serving
    assert "2023" in page.inner_text("h1")


def test_moved_warc_file(page, work, tmp_path):
    moved = tmp_path / "copy"
    shutil.copytree(work / "data", moved / "data")
    for f in (moved / "data" / "warc").iterdir():
        f.rename(moved / f.name)
    with serving(moved) as base:
        page.goto(base + "/capture/7")
        assert "找不到 WARC 文件" in page.locator(".nb-problem").inner_text()
        shot(page, "capture-warc-moved")
        page.goto(base + "/report/1")
        assert page.locator("h1").inner_text().endswith("年度报告")
