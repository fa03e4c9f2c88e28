"""The Datasette site in a real headless Chromium: what a researcher clicks through."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, need

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "test-artifacts"


def chromium() -> str | None:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and (path := shutil.which(name)):
            return path
    return None


@pytest.fixture(scope="module")
def page(served):
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


def assert_one_row(tab, text: str, screenshot: str) -> None:
    """The table shows exactly one report, the expected one; the page is saved."""
    rows = tab.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 1 and text in rows.first.inner_text()
    shot(tab, screenshot)


def test_reports_table_and_year_facet(page, served):
    page.goto(served + "/nianbao/reports")
    assert "报告 Reports" in page.inner_text("h1")
    facet = page.locator(".facet-info").filter(has_text="year")
    facet.get_by_role("link", name="2023").first.click()
    page.wait_for_url("**year=2023**")
    assert_one_row(page, "2023", "reports-facet-2023")


def test_chinese_search(page, served):
    page.goto(served + "/nianbao/reports")
    page.fill("input#_search", "示范县人民政府2022")
    page.locator("form.filters input[type=submit]").first.click()
    page.wait_for_url("**_search=**")
    assert_one_row(page, "2022", "search")


def test_canned_query_with_chart(page, served):
    page.goto(served + "/nianbao/requests_per_year")
    assert "Requests received per year" in page.inner_text("h1")
    href = page.get_by_role("link", name="图表 Chart: requests received per year").get_attribute("href")
    assert href.startswith("#g.mark=bar")
    page.goto("about:blank")  # datasette-vega reads its settings from the URL when it loads
    page.goto(served + "/nianbao/requests_per_year" + href)
    chart = page.locator(".vega-embed canvas, .vega-embed svg, canvas.marks, svg.marks").first
    chart.wait_for(state="visible", timeout=20000)
    box = chart.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50
    path = shot(page, "requests-per-year-chart")
    assert path.stat().st_size > 10000
