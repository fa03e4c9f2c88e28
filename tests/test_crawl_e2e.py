"""The whole pipeline on a loopback portal: crawl → WARC → ingest → SQLite, and rebuild."""

from __future__ import annotations

import shutil

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from nianbao.archive.warcstore import warc_files
from nianbao.demo import REPORTS, demo_numbers, site
from nianbao.portal_server import PortalServer
from tests.conftest import report_cells

pytestmark = pytest.mark.slow
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
TABLES = ["captures", "reports", "report_texts", "report_urls", "versions", "sections", "cells",
          "checks"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One crawl of the demo portal on 127.0.0.2, shared by the tests of this module."""
    from tests.conftest import nianbao

    work = tmp_path_factory.mktemp("crawl")
    with PortalServer(site(), host="127.0.0.2") as portal:
        result = nianbao("crawl", "--start-url", portal.url + "/", *FAST, cwd=work)
        requests = list(portal.requests)
    return work, result, requests


def dump(db_file) -> dict[str, list[dict]]:
    db = sqlite_utils.Database(db_file)
    return {t: list(db.query(f"select * from [{t}] order by rowid")) for t in TABLES}


def test_crawl_succeeds_and_reports_its_work(crawled):
    work, result, _ = crawled
    assert result.returncode == 0, result.stderr
    assert "ingested" in result.stderr and "6 new reports" in result.stderr


def test_every_warc_record_reads_back_with_matching_digests(crawled):
    work, _, requests = crawled
    files = warc_files(work / "data" / "warc")
    assert files and all(f.name.endswith(".warc.gz") for f in files)
    responses, request_records = {}, {}
    for path in files:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh, check_digests=True):
                body = record.content_stream().read()
                kind = record.rec_type
                if kind == "response":
                    assert record.rec_headers.get_header("WARC-Payload-Digest")
                    responses[record.rec_headers.get_header("WARC-Record-ID")] = (
                        record.rec_headers.get_header("WARC-Target-URI"), body)
                elif kind == "request":
                    request_records[record.rec_headers.get_header("WARC-Concurrent-To")] = True
                if kind in ("response", "request"):
                    assert record.digest_checker.passed is not False, record.digest_checker.problems
    assert set(responses) == set(request_records)  # each response has its request
    fetched = {p for _, p, _ in requests}
    assert len(responses) == len(requests) and len(fetched) == len(requests)
    pdf = [b for url, b in responses.values() if url.endswith(".pdf")]
    assert len(pdf) == 1 and pdf[0].startswith(b"%PDF")


def test_polite_robots_and_user_agent(crawled):
    work, _, requests = crawled
    paths = [p for _, p, _ in requests]
    assert paths[0] == "/robots.txt"
    assert not any(p.startswith("/admin") for p in paths)  # Disallow: /admin/
    # the link robots.txt forbids is on record as such, not as a failed fetch
    db = sqlite_utils.Database(work / "data" / "nianbao.db")
    kept = {r["url"].split("/", 3)[3]: r["outcome"] for r in db["captures"].rows
            if "/admin" in r["url"]}
    assert kept and set(kept.values()) == {"robots"}, kept
    agents = {headers.get("User-Agent") for _, _, headers in requests}
    assert len(agents) == 1 and agents.pop().startswith("nianbao/")


def test_database_rows_hold_the_published_numbers(crawled):
    work, _, _ = crawled
    db = sqlite_utils.Database(work / "data" / "nianbao.db")
    reports = {r["year"]: r for r in db["reports"].rows}
    assert sorted(reports) == [r.year for r in REPORTS]
    for rep in REPORTS:
        row = reports[rep.year]
        assert row["format"] == rep.format and row["published"] == rep.published
        assert row["agency"] == "示范县人民政府" and row["status"] == "live"
        assert row["versions"] == 1 and row["first_seen"] and row["last_seen"]
        assert row["url"].endswith(".pdf") == rep.pdf
        cells = report_cells(db, row["id"])
        assert cells == pytest.approx(demo_numbers(rep.year))
    outcomes = {r["url"].rsplit("/", 1)[-1]: r["outcome"] for r in db["captures"].rows}
    assert outcomes["t20250127_560606.html"] == "not_report"  # the page pointing to the PDF
    assert outcomes["index_1.html"] == "not_report"  # list pages are archived too
    assert not any("通知" in r["title"] for r in db["reports"].rows)


def test_notices_are_recognised_by_title_and_not_followed(crawled):
    _, _, requests = crawled
    assert not any("t20241205_570707" in p for _, p, _ in requests)


def test_checks_in_the_database(crawled):
    work, _, _ = crawled
    db = sqlite_utils.Database(work / "data" / "nianbao.db")
    fails = list(db.query("""select r.year, k.rule from checks k join reports r on r.id = k.report_id
                             where k.status = 'fail' order by 1, 2"""))
    assert fails == [{"year": 2022, "rule": "R2:total"}, {"year": 2022, "rule": "R3:granted"}]
    carry = list(db.query("select status from checks where rule = 'carry_over'"))
    assert [c["status"] for c in carry] == ["pass"] * 5


def test_crawl_history_is_recorded(crawled):
    work, _, _ = crawled
    runs = list(sqlite_utils.Database(work / "data" / "nianbao.db")["crawl_runs"].rows)
    assert len(runs) == 1
    assert runs[0]["reports"] == 6 and runs[0]["pages"] >= 12
    assert runs[0]["errors"] == 0 and runs[0]["blocked"] == 0


def test_rebuild_reproduces_crawl_time_ingest(crawled, tmp_path):
    from tests.conftest import nianbao

    work, _, _ = crawled
    shutil.copytree(work / "data", tmp_path / "data")
    before = dump(tmp_path / "data" / "nianbao.db")
    result = nianbao("rebuild", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    after = dump(tmp_path / "data" / "nianbao.db")
    for table in TABLES:
        assert after[table] == before[table], table
    again = nianbao("rebuild", cwd=tmp_path)
    assert again.returncode == 0 and dump(tmp_path / "data" / "nianbao.db") == after
    runs = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")["crawl_runs"].count
    assert runs == 1  # crawl history is not derived from WARC: kept


def test_ingest_twice_changes_nothing(crawled, tmp_path):
    from tests.conftest import nianbao

    work, _, _ = crawled
    shutil.copytree(work / "data", tmp_path / "data")
    before = dump(tmp_path / "data" / "nianbao.db")
    result = nianbao("ingest", cwd=tmp_path)
    assert result.returncode == 0 and "already ingested" in result.stderr
    assert dump(tmp_path / "data" / "nianbao.db") == before
