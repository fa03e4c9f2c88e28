"""Scheduled re-crawls: conditional requests, versions only on real change, removals."""

from __future__ import annotations

import pytest
import sqlite_utils

from nianbao.demo import COLUMN, site
from nianbao.portal_server import PortalServer

pytestmark = pytest.mark.slow
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
PAGE_2023 = COLUMN + "202401/t20240129_550505.html"
PAGE_2021 = COLUMN + "202201/t20220124_530303.html"


def db_of(work):
    return sqlite_utils.Database(work / "data" / "nianbao.db")


def test_unchanged_portal_costs_little_and_makes_no_versions(run_cli, tmp_path):
    with PortalServer(site(), host="127.0.0.8") as portal:
        assert run_cli("crawl", "--start-url", portal.url + "/", *FAST).returncode == 0
        first = len(portal.requests)
        assert run_cli("crawl", "--start-url", portal.url + "/", *FAST).returncode == 0
        second = portal.requests[first:]
    conditional = {p for _, p, h in second if "If-None-Match" in h}
    reports = {p for p in site() if "/t20" in p and "570707" not in p}
    assert conditional == reports | {p for p in site() if p.endswith(".pdf")}
    lists = [h for _, p, h in second if p.endswith(("index.html", "index_1.html"))]
    assert lists and not any("If-None-Match" in h for h in lists)  # list pages re-read
    db = db_of(tmp_path)
    assert db["versions"].count == 6 and db["reports"].count == 6
    assert db["captures"].count_where("outcome = 'not_modified'") == 7
    sizes = db.execute("select sum(size) from captures where outcome != 'not_modified'").fetchone()[0]
    again = db.execute("""select sum(size) from captures c where id > (
        select max(id) from captures where fetched_at = (select min(fetched_at) from captures)
        ) and outcome != 'report'""").fetchone()[0] or 0
    assert again < sizes
    last_seen = {r["last_seen"] for r in db["reports"].rows}
    first_seen = {r["first_seen"] for r in db["reports"].rows}
    assert min(last_seen) >= max(first_seen)  # a 304 still says "seen again"


def test_versions_on_text_change_only_and_removed_reports(run_cli, tmp_path):
    files = site()
    with PortalServer(files, host="127.0.0.9") as portal:
        off = ["-s", "NIANBAO_CONDITIONAL=False"]  # full fetches: view counters change
        assert run_cli("crawl", "--start-url", portal.url + "/", *FAST, *off).returncode == 0
        assert run_cli("crawl", "--start-url", portal.url + "/", *FAST, *off).returncode == 0
        db = db_of(tmp_path)
        assert db["versions"].count == 6  # 浏览次数 changed on every fetch, no new version
        body, ctype = files[PAGE_2023]
        files[PAGE_2023] = (body.replace("政策解读形式不够丰富".encode(), "政策解读形式已经丰富".encode()), ctype)
        del files[PAGE_2021]  # and no list links to it any more
        for path in (COLUMN + "index.html", COLUMN + "index_1.html"):
            page, kind = files[path]
            files[path] = (page.replace(PAGE_2021.rsplit("/", 2)[-2].encode(), b"gone"), kind)
        assert run_cli("crawl", "--start-url", portal.url + "/", *FAST, *off).returncode == 0
    db = db_of(tmp_path)
    changed = next(db["reports"].rows_where("year = 2023"))
    assert changed["versions"] == 2 and changed["status"] == "live"
    v1, v2 = db["versions"].rows_where("report_id = ?", [changed["id"]], order_by="seq")
    assert v1["text_hash"] != v2["text_hash"] and v1["fetched_at"] < v2["fetched_at"]
    assert "-政策解读形式不够丰富" in v2["diff"] and "+政策解读形式已经丰富" in v2["diff"]
    assert v2["warc_file"] and v2["warc_offset"] is not None and v2["payload_digest"]
    removed = next(db["reports"].rows_where("year = 2021"))
    assert removed["status"] == "removed" and removed["removed_on"]
    assert db["versions"].count_where("report_id = ?", [removed["id"]]) == 1  # kept
    names = [q["rule"] for q in db["checks"].rows_where("report_id = ?", [removed["id"]])]
    assert names  # its cells and checks stay queryable
