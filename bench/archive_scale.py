"""Archive at scale: canned-query latency on a 1M-cell database, rebuild memory as N grows.

    python bench/archive_scale.py queries [--reports 5000]   # 5,000 reports × 200 cells
    python bench/archive_scale.py rss [--sizes 2000 5000 10000]

``queries`` builds a database with the real schema and realistic cells (synthetic bodies,
years, values), then times every canned query in settings/metadata.yml (median of 5),
beside a baseline in the same run: ``select count(*) from cells``.
``rss`` writes N report pages to WARC files and runs ``nianbao rebuild`` on them in a
child process, printing its peak RSS for each N (target ≤ 300 MB, flat as N grows).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nianbao.archive.db import open_db  # noqa: E402
from nianbao.archive.warcstore import RotatingWarcWriter  # noqa: E402
from nianbao.demo import demo_numbers, page, report_body  # noqa: E402


def build(db_file: Path, reports: int) -> int:
    db = open_db(db_file)
    rng = random.Random(7)
    template = demo_numbers(2023)
    rows, cells, checks = [], [], []
    for i in range(reports):
        year = 2019 + i % 6
        agency = f"第{i // 6}县人民政府"
        rows.append({"id": i + 1, "agency": agency, "region": f"省{i % 31}", "year": year,
                     "title": f"{agency}{year}年政府信息公开工作年度报告",
                     "url": f"http://127.0.0.1/{i}.html", "published": f"{year + 1}-01-20",
                     "format": "2021" if year >= 2021 else "2019", "versions": 1 + (i % 50 == 0),
                     "first_seen": "2025-01-01T00:00:00Z", "last_seen": "2025-02-01T00:00:00Z",
                     "status": "removed" if i % 97 == 0 else "live"})
        for (table, row, col), value in template.items():
            cells.append({"report_id": i + 1, "table": table, "row_key": row, "col_key": col,
                          "value": value * rng.uniform(0.5, 1.5) // 1, "raw": str(value)})
        for rule in ("R1:total", "R2:total", "R3:total", "R4:review", "carry_over"):
            checks.append({"report_id": i + 1, "rule": rule,
                           "status": "fail" if rng.random() < 0.05 else "pass", "detail": ""})
    db["reports"].insert_all(rows, batch_size=5000)
    text = re.sub(r"<[^>]+>", "\n", report_body(2023))  # a real report's text, ~5 KB
    db["report_texts"].insert_all(({"report_id": r["id"], "title": r["title"], "agency": r["agency"],
                                    "text": text.replace("示范县", r["agency"])} for r in rows),
                                  batch_size=2000)
    db["cells"].insert_all(cells, batch_size=20000)
    db["checks"].insert_all(checks, batch_size=20000)
    db["versions"].insert_all(({"report_id": r["id"], "seq": s, "text_hash": str(s),
                                "fetched_at": "2025-01-01", "diff": "-a\n+b" if s > 1 else None}
                               for r in rows for s in range(1, r["versions"] + 1)), batch_size=5000)
    db.execute("analyze")
    n = db["cells"].count
    db.conn.close()
    return n


def median_ms(conn, sql: str, params: dict) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        conn.execute(sql, params).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def queries(reports: int) -> None:
    import sqlite3

    with tempfile.TemporaryDirectory() as tmp:
        db_file = Path(tmp) / "nianbao.db"
        start = time.perf_counter()
        n = build(db_file, reports)
        print(f"built {n:,} cells for {reports:,} reports in {time.perf_counter() - start:.0f}s")
        meta = yaml.safe_load((ROOT / "settings" / "metadata.yml").read_text("utf-8"))
        conn = sqlite3.connect(db_file)
        base = median_ms(conn, "select count(*) from cells", {})
        print(f"{'baseline: select count(*) from cells':48} {base:7.1f} ms")
        for name, q in meta["databases"]["nianbao"]["queries"].items():
            params = {p: "罗山" for p in re.findall(r":(\w+)", q["sql"])}
            ms = median_ms(conn, q["sql"], params)
            flag = "ok" if ms < 200 else "SLOW"
            print(f"{name:48} {ms:7.1f} ms  {ms / base:5.1f}x baseline  {flag}")


PEAK = """
import resource, subprocess, sys
subprocess.run([sys.executable, "-m", "nianbao", "rebuild"], check=True, capture_output=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def rss(sizes: list[int]) -> None:
    body = page("示范县人民政府2023年政府信息公开工作年度报告", report_body(2023), "2024-01-29").encode()
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            writer = RotatingWarcWriter(work / "data" / "warc", max_size=50 * 2**20)
            for i in range(n):
                writer.write_exchange(f"http://127.0.0.1/{i}.html", "GET", [], 200, "OK",
                                      [("Content-Type", "text/html; charset=utf-8")],
                                      body.replace("示范县".encode(), f"示范{i}县".encode()))
            writer.close()
            start = time.perf_counter()
            # a fresh parent per size, so RUSAGE_CHILDREN is this rebuild's peak alone
            peak = int(subprocess.run([sys.executable, "-c", PEAK], cwd=work, check=True,
                                      capture_output=True, text=True).stdout.split()[-1])
            took = time.perf_counter() - start
            print(f"rebuild of {n:,} reports: peak RSS {peak / 1024:.0f} MB, {took:.0f}s "
                  f"({took / n * 1000:.1f} ms per report)")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    q = sub.add_parser("queries")
    q.add_argument("--reports", type=int, default=5000)
    r = sub.add_parser("rss")
    r.add_argument("--sizes", type=int, nargs="+", default=[2000, 5000, 10000])
    args = parser.parse_args()
    if args.what == "queries":
        queries(args.reports)
    else:
        rss(args.sizes)


if __name__ == "__main__":
    main()
