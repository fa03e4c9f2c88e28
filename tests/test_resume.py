"""A crawl killed with SIGKILL part-way, run again, ends as an unbroken crawl would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import sqlite_utils

from nianbao.archive.warcstore import ReadError, read_records, warc_files
from nianbao.demo import REPORTS, demo_numbers, site
from nianbao.portal_server import PortalServer
from tests.conftest import report_cells

pytestmark = pytest.mark.slow


def test_sigkill_then_rerun(tmp_path, run_cli):
    def slow(req):
        if "/t20" in req.path:
            time.sleep(0.4)  # a slow portal, so the kill lands mid-crawl
        return None

    with PortalServer(site(), host="127.0.0.10", handler=slow) as portal:
        cmd = [sys.executable, "-m", "nianbao", "crawl", "--start-url", portal.url + "/",
               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
        proc = subprocess.Popen(cmd, cwd=tmp_path, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while sum("/t20" in p for p in portal.paths()) < 3 and time.time() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at = len(portal.requests)
        assert killed_at < 13, "the crawl finished before it was killed"
        rerun = run_cli("crawl", "--start-url", portal.url + "/", "-s", "DOWNLOAD_DELAY=0",
                        "-s", "AUTOTHROTTLE_ENABLED=False")
    assert rerun.returncode == 0, rerun.stderr
    for path in warc_files(tmp_path / "data" / "warc"):
        items = list(read_records(path))
        errors = [i for i in items if isinstance(i, ReadError)]
        assert not errors or (len(errors) == 1 and items[-1] is errors[0])  # only a cut-off tail
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    assert sorted(r["year"] for r in db["reports"].rows) == [r.year for r in REPORTS]
    assert db["versions"].count == len(REPORTS)
    for row in db["reports"].rows:
        cells = report_cells(db, row["id"])
        assert cells == pytest.approx(demo_numbers(row["year"]))


def test_overlapping_crawls_are_refused(tmp_path, run_cli):
    def slow(req):
        time.sleep(0.3)
        return None

    with PortalServer(site(), host="127.0.0.11", handler=slow) as portal:
        cmd = [sys.executable, "-m", "nianbao", "crawl", "--start-url", portal.url + "/",
               "-s", "DOWNLOAD_DELAY=0"]
        first = subprocess.Popen(cmd, cwd=tmp_path, start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not portal.requests:
            time.sleep(0.05)
        second = run_cli("crawl", "--start-url", portal.url + "/")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert second.returncode == 3 and "another crawl holds" in second.stderr
