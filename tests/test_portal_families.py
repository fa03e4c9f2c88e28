"""Each portal family, from its homepage alone, to every report and its numbers."""

from __future__ import annotations

import pytest
import sqlite_utils

from nianbao.crawler.links import pages_from_create_page_html
from nianbao.demo import REPORTS, demo_numbers
from nianbao.portal_server import PortalServer
from tests.conftest import report_cells
from tests.portals import FAMILIES

pytestmark = pytest.mark.slow
HOSTS = {"hanweb": "127.0.0.21", "xxgk": "127.0.0.22", "gkmlpt": "127.0.0.23", "plain": "127.0.0.24"}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_from_homepage(family, run_cli, tmp_path):
    files, handler = FAMILIES[family]()
    with PortalServer(files, host=HOSTS[family], handler=handler) as portal:
        result = run_cli("crawl", "--start-url", portal.url + "/", "-s", "DOWNLOAD_DELAY=0",
                         "-s", "AUTOTHROTTLE_ENABLED=False")
        requests = list(portal.requests)
    assert result.returncode == 0, result.stderr
    assert not any(p.startswith("/admin") for _, p, _ in requests)
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    reports = {r["year"]: r for r in db["reports"].rows}
    assert sorted(reports) == [r.year for r in REPORTS]
    for rep in REPORTS:
        cells = report_cells(db, reports[rep.year]["id"])
        assert cells == pytest.approx(demo_numbers(rep.year))
        assert reports[rep.year]["url"].endswith(".pdf") == rep.pdf
    if family == "hanweb":
        posts = [p for m, p, _ in requests if m == "POST"]
        assert sorted(posts) == ["/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=4&perpage=2",
                                 "/module/web/jpage/dataproxy.jsp?startrecord=5&endrecord=6&perpage=2"]
        assert any(p.startswith("/module/download/downfile.jsp") for _, p, _ in requests)
        redirects = db["captures"].count_where("status = 302")
        assert redirects == 1  # the 302 itself is archived too
    if family == "xxgk":
        assert sorted(p for m, p, _ in requests if m == "POST") == [
            "/module/xxgk/search.jsp?currpage=2", "/module/xxgk/search.jsp?currpage=3"]
    if family == "gkmlpt":
        api = sorted(p for _, p, _ in requests if "/api/" in p)
        # only the 年报 category (found by name) is asked, page by page
        assert api == [f"/gkmlpt/api/all/2837?page={n}&sid=757001" for n in (1, 2, 3)]
        assert not any("post_999" in p for _, p, _ in requests)  # the notice: not a report


@pytest.mark.parametrize("script, pages", [
    ('createPageHTML(3, 0, "index", "html");', ["index_1.html", "index_2.html"]),
    ("createPageHTML(2, 1, 'index', 'shtml');", ["index_1.shtml"]),
    ("createPageHTML('page_div', 3, 1, 'index', 'shtml', 52);", ["index_1.shtml", "index_2.shtml"]),
    ("var x = 1;", []),
])
def test_trs_pagination_forms(script, pages):
    assert pages_from_create_page_html(script) == pages


@pytest.mark.slow
def test_moved_column_found_again_from_the_homepage(run_cli, tmp_path):
    files, handler = FAMILIES["plain"]()
    with PortalServer(files, host="127.0.0.25", handler=handler) as portal:
        settings = tmp_path / "settings"
        settings.mkdir()
        (settings / "portals.toml").write_text(
            '[[portal]]\nname = "moved"\nregion = "示范县"\n'
            f'start_urls = ["{portal.url}/old/ndbg/", "{portal.url}/"]\n', "utf-8")
        result = run_cli("crawl", "moved", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
    assert result.returncode == 0, result.stderr
    assert "found again from the homepage" in result.stderr
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    assert sorted(r["year"] for r in db["reports"].rows) == [r.year for r in REPORTS]
    listing = run_cli("portals")
    assert "moved, found again" in listing.stdout, listing.stdout
