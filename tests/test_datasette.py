"""`nianbao serve`: Datasette over the archive, with the settings/ metadata."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


def get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_reports_and_cells_are_served(served):
    data = get(served + "/nianbao/reports.json?_shape=array&_sort=year")
    assert [r["year"] for r in data] == [2019, 2020, 2021, 2022, 2023, 2024]
    cells = get(served + "/nianbao/cells.json?_shape=array&row_key=licensing&col_key=decisions"
                "&_sort=report_id")
    assert sorted(c["value"] for c in cells) == [1819, 1820, 2777, 2814, 2851, 2888]


def test_metadata_titles_and_facets(served):
    meta = get(served + "/-/metadata.json")
    tables = meta["databases"]["nianbao"]["tables"]
    assert tables["reports"]["title"].startswith("报告")
    page = get(served + "/nianbao/reports.json?_facet=year")
    assert "year" in page["facet_results"]


def test_chinese_full_text_search_and_short_terms(served):
    hits = get(served + "/nianbao/reports.json?_shape=array&_search="
               + urllib.parse.quote("示范县人民政府2022"))
    assert [h["year"] for h in hits] == [2022]
    short = get(served + "/nianbao/search_short.json?_shape=array&q=" + urllib.parse.quote("示范"))
    assert len(short) == 6


def test_canned_queries_answer(served):
    fails = get(served + "/nianbao/failed_checks.json?_shape=array")
    assert {(f["year"], f["rule"]) for f in fails} == {(2022, "R2:total"), (2022, "R3:granted")}
    assert all(isinstance(f["report"], int) for f in fails)
    per_year = get(served + "/nianbao/requests_per_year.json?_shape=array")
    assert [r["year"] for r in per_year] == [2019, 2020, 2021, 2022, 2023, 2024]
    assert all(r["received"] > 0 for r in per_year)


def test_serve_has_the_reading_room_and_charts(served):
    """`nianbao serve` loads the project's plugin (entry point) and datasette-dashboards."""
    names = {p["name"] for p in get(served + "/-/plugins.json")}
    assert {"nianbao", "datasette-dashboards"} <= names
    report = get(served + "/nianbao/reports.json?_shape=array&year=2022")[0]
    with urllib.request.urlopen(f"{served}/report/{report['id']}", timeout=10) as response:
        assert "（七）总计" in response.read().decode("utf-8")
    with urllib.request.urlopen(f"{served}/coverage", timeout=10) as response:
        assert response.status == 200


def test_a_running_server_shows_what_a_later_crawl_added(tmp_path):
    """`nianbao serve` beside scheduled crawls: rows a crawl adds after the server started
    are served without a restart (an immutable database hid them), and the server still
    writes nothing."""
    from tests.conftest import nianbao, serving

    assert nianbao("demo", cwd=tmp_path).returncode == 0
    count = "/nianbao.json?sql=select+count(*)+as+n+from+captures&_shape=array"
    with serving(tmp_path) as base:
        before = get(base + count)[0]["n"]
        assert nianbao("demo", cwd=tmp_path).returncode == 0
        after = get(base + count)[0]["n"]
        assert after > before
        assert get(base + f"/nianbao/captures/{after}.json?_shape=array")[0]["id"] == after
        try:
            urllib.request.urlopen(urllib.request.Request(
                base + "/nianbao.json?sql=delete+from+captures", method="GET"), timeout=10)
            deleted = True
        except urllib.error.HTTPError:
            deleted = False
        assert not deleted and get(base + count)[0]["n"] == after
