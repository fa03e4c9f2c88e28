"""Incremental ingest: safe to kill and re-run; and Chinese full-text search."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import zlib

import pytest
import sqlite_utils

from nianbao.archive.warcstore import RotatingWarcWriter
from nianbao.demo import site
from tests.test_crawl_e2e import TABLES, dump

pytestmark = pytest.mark.slow


def write_warcs(directory, copies: int) -> int:
    """Demo report pages as ``copies`` distinct bodies (one per county), in WARC files."""
    pages = [(p, b) for p, (b, _) in site().items() if "/t20" in p and p.endswith(".html")]
    writer = RotatingWarcWriter(directory, max_size=256 * 1024)
    n = 0
    for i in range(copies):
        for path, body in pages:
            county = f"示范{i:03d}县".encode()
            writer.write_exchange(f"http://127.0.0.1/c{i}{path}", "GET", [], 200, "OK",
                                  [("Content-Type", "text/html; charset=utf-8")],
                                  body.replace("示范县".encode(), county))
            n += 1
    writer.close()
    return n


def count(db_file) -> int:
    try:
        with sqlite3.connect(db_file) as conn:
            return conn.execute("select count(*) from captures").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_ingest_killed_part_way_then_rerun_matches_a_clean_rebuild(tmp_path, run_cli):
    n = write_warcs(tmp_path / "data" / "warc", 40)
    db_file = tmp_path / "data" / "nianbao.db"
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "ingest"], cwd=tmp_path,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while count(db_file) < n // 4 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = count(db_file)
    assert 0 < partial < n, "the ingest was not killed part-way"
    result = run_cli("ingest")
    assert result.returncode == 0, result.stderr
    assert f"{partial} already ingested" in result.stderr
    clean = tmp_path / "clean"
    shutil.copytree(tmp_path / "data" / "warc", clean / "data" / "warc")
    from tests.conftest import nianbao

    assert nianbao("rebuild", cwd=clean).returncode == 0
    resumed, rebuilt = dump(db_file), dump(clean / "data" / "nianbao.db")
    for table in TABLES:
        assert resumed[table] == rebuilt[table], table
    assert len(resumed["reports"]) == 40 * 5  # the PDF stub page and the notice are no reports


def test_chinese_full_text_search(run_cli, tmp_path, shared):
    folder = tmp_path / "saved"
    folder.mkdir()
    for seed in (shared / "seeds").glob("0*.txt"):
        shutil.copy(seed, folder / seed.name)
    assert run_cli("rebuild", "--from-dir", str(folder)).returncode == 0
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    secret = [r["agency"] for r in db["report_texts"].search("国家秘密")]
    assert len(secret) == 5  # every report's table 三 has the row 1.属于国家秘密
    luoshan = [r["agency"] for r in db["report_texts"].search("罗山街道")]
    assert luoshan == ["晋江市罗山街道"]  # found in the repaired (simplified) text
    short = db.execute("""select agency from report_texts where text like '%' || ? || '%'""",
                       ["罗山"]).fetchall()  # 2 characters: the canned LIKE query
    assert short == [("晋江市罗山街道",)]
    assert not list(db["report_texts"].search("羅山街道"))  # traditional form was normalised


def closing_count(db_file) -> int:
    try:
        conn = sqlite3.connect(db_file)
    except sqlite3.Error:
        return 0
    try:
        return conn.execute("select count(*) from captures").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def test_rebuild_killed_part_way_resumes_where_it_stopped(tmp_path, run_cli):
    n = write_warcs(tmp_path / "data" / "warc", 40)
    partial_db = tmp_path / "data" / "nianbao.db.rebuild"
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "rebuild"], cwd=tmp_path,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while closing_count(partial_db) < n // 4 and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = closing_count(partial_db)
    assert 0 < partial < n, "the rebuild was not killed part-way"
    result = run_cli("rebuild")
    assert result.returncode == 0, result.stderr
    assert "resuming the interrupted rebuild" in result.stderr
    assert f"{partial} already ingested" in result.stderr
    clean = tmp_path / "clean"
    shutil.copytree(tmp_path / "data" / "warc", clean / "data" / "warc")
    from tests.conftest import nianbao

    assert nianbao("rebuild", cwd=clean).returncode == 0
    resumed, rebuilt = dump(tmp_path / "data" / "nianbao.db"), dump(clean / "data" / "nianbao.db")
    for table in TABLES:
        assert resumed[table] == rebuilt[table], table


def blank_png(side: int) -> bytes:
    """A white square PNG, ``side`` pixels a side: a few hundred kB that decode to side² bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    pack = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * side
    idat = b"".join(pack.compress(row) for _ in range(side)) + pack.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def test_a_capture_over_time_or_memory_is_flagged_and_its_worker_replaced(tmp_path):
    """The parse runs in a worker: one that overruns its time or its memory is replaced
    and the captures after it are parsed as usual, in order."""
    from nianbao.archive.db import open_db
    from nianbao.archive.ingest import Ingestor
    from tests.generators.hostile import operator_storm_pdf

    pages = [(p, b) for p, (b, _) in site().items() if "/t20" in p and p.endswith(".html")][:2]
    writer = RotatingWarcWriter(tmp_path / "warc")
    order = []
    # 40,000 paths: ~3 s and ~200 MB in pdfplumber (under the page limit and the memory one)
    slow = operator_storm_pdf(repeats=40_000)
    for name, ctype, body in [("storm.pdf", "application/pdf", slow),
                              ("a.html", "text/html", pages[0][1]),
                              ("huge.png", "image/png", blank_png(12_000)),
                              ("b.html", "text/html", pages[1][1])]:
        order.append(f"http://127.0.0.1/{name}")
        writer.write_exchange(order[-1], "GET", [], 200, "OK", [("Content-Type", ctype)], body)
    writer.close()
    ingestor = Ingestor(open_db(tmp_path / "n.db"), jobs=2, timeout=1)
    stats = ingestor.ingest_warcs(tmp_path / "warc")
    rows = list(ingestor.db.query("select url, outcome, detail from captures order by id"))
    assert [r["url"] for r in rows] == order
    outcome = {r["url"].rsplit("/", 1)[1]: r["outcome"] for r in rows}
    assert outcome == {"storm.pdf": "timeout", "a.html": "report", "huge.png": "memory",
                       "b.html": "report"}
    assert stats.limits == {"timeout": 1, "memory": 1} and stats.pool.restarts >= 2


def test_jobs_write_the_same_database_twice(tmp_path):
    """Bodies and rows are shaped in the parse workers (the portal registry's regions sent
    to them): --jobs 2 writes the database --jobs 1 writes, and so does a second run."""
    from nianbao.archive.db import open_db
    from nianbao.archive.ingest import Ingestor

    pages = [(p, b) for p, (b, _) in site().items() if "/t20" in p and p.endswith(".html")]
    writer = RotatingWarcWriter(tmp_path / "warc", max_size=128 * 1024)
    for i in range(3):
        for path, body in pages:
            portal = {"Nianbao-Portal": "fz"} if i == 1 else None
            writer.write_exchange(f"http://127.0.0.1/c{i}{path}", "GET", [], 200, "OK",
                                  [("Content-Type", "text/html; charset=utf-8")],
                                  body.replace("示范县".encode(), f"示范{i}县".encode()), extra=portal)
    writer.close()
    portals = {"fz": {"name": "fz", "region": "福建省福州市"}}
    tables = [*TABLES, "bodies", "flags"]
    dumps = []
    for name, jobs in (("one", 1), ("two", 2), ("again", 2)):
        db = open_db(tmp_path / f"{name}.db", bulk=True)
        Ingestor(db, portals, jobs=jobs).ingest_warcs(tmp_path / "warc")
        dumps.append({t: list(db.query(f"select * from [{t}] order by rowid")) for t in tables})
    assert dumps[0] == dumps[1] == dumps[2]
    assert dumps[0]["bodies"] and any(b["region_source"] == "portal" for b in dumps[0]["bodies"])
