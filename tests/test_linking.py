"""One report reached at two URLs — a page and its attachment, or a mirror — is one report."""

from __future__ import annotations

import pytest
import sqlite_utils

from nianbao.demo import COLUMN, demo_numbers, report_pdf, site
from nianbao.portal_server import PortalServer
from tests.conftest import report_cells

pytestmark = pytest.mark.slow
PAGE_2023 = COLUMN + "202401/t20240129_550505.html"
PAGE_2021 = COLUMN + "202201/t20220124_530303.html"


def test_page_and_attachment_are_one_report(run_cli, tmp_path):
    files = site()
    body, ctype = files[PAGE_2023]
    link = '<p>附件：<a href="./P020240129.pdf">2023年年度报告.pdf</a></p></div>'.encode()
    files[PAGE_2023] = (body.replace(b"</div>", link, 1), ctype)
    files[COLUMN + "202401/P020240129.pdf"] = (report_pdf(2023), "application/pdf")
    body, ctype = files[PAGE_2021]  # a page with the text but not the tables
    cut = body[: body.index(b"<table")] + "<p>统计表详见附件。</p>".encode() + \
        '<p><a href="./P020220124.pdf">附件</a></p></div></body></html>'.encode()
    files[PAGE_2021] = (cut, ctype)
    files[COLUMN + "202201/P020220124.pdf"] = (report_pdf(2021), "application/pdf")
    with PortalServer(files, host="127.0.0.12") as portal:
        result = run_cli("crawl", "--start-url", portal.url + "/", "-s", "DOWNLOAD_DELAY=0")
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    assert sorted(r["year"] for r in db["reports"].rows) == [2019, 2020, 2021, 2022, 2023, 2024]
    r2023 = next(db["reports"].rows_where("year = 2023"))
    assert r2023["url"].endswith(PAGE_2023)  # as rich as its PDF: the page stays the content
    urls = {u["url"].rsplit("/", 1)[-1]: u["role"] for u in
            db["report_urls"].rows_where("report_id = ?", [r2023["id"]])}
    assert urls == {"P020240129.pdf": "attachment"}
    r2021 = next(db["reports"].rows_where("year = 2021"))
    assert r2021["url"].endswith("P020220124.pdf")  # the tables are in the attachment
    roles = {u["role"] for u in db["report_urls"].rows_where("report_id = ?", [r2021["id"]])}
    assert roles == {"page"}
    cells = report_cells(db, r2021["id"])
    assert cells == pytest.approx(demo_numbers(2021))
    assert r2021["versions"] == 2  # the page's text, then the attachment's


def test_mirror_with_the_same_text_is_linked(run_cli, tmp_path):
    files = site()
    files["/mirror/2023.html"] = files[PAGE_2023]
    files["/"] = (files["/"][0].replace(b"</body>", b'<a href="/mirror/2023.html">'
                  + "示范县人民政府2023年政府信息公开工作年度报告".encode() + b"</a></body>"), files["/"][1])
    with PortalServer(files, host="127.0.0.13") as portal:
        assert run_cli("crawl", "--start-url", portal.url + "/", "-s", "DOWNLOAD_DELAY=0").returncode == 0
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    assert db["reports"].count == 6
    [link] = list(db["report_urls"].rows)
    assert link["role"] == "copy"
    assert {link["url"].rsplit("/", 2)[-2], next(db["reports"].rows_where(
        "id = ?", [link["report_id"]]))["year"]} >= {2023}
