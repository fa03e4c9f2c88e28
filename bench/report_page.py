"""Render time of the reading room's report page (/report/<id>) on an archive of 10,000
generated reports, against Datasette's own pages for the same report measured in the
same run: the row page (/nianbao/reports/<id>) and the table page of its cells
(/nianbao/cells?report_id=<id>). Target: report page median < 200 ms.

    .venv/bin/python bench/report_page.py [--reports 10000] [--samples 60] [--db PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from nianbao.archive.db import open_db
from nianbao.parsers import forms

ROOT = Path(__file__).resolve().parent.parent
YEARS = (2019, 2020, 2021, 2022, 2023)


def build(path: Path, n: int) -> None:
    """An archive of ``n`` reports (n / 5 bodies × 5 years), every form cell filled,
    checks, sections, a version and a capture each; some R2 failures."""
    db = open_db(path)
    conn = db.conn
    rnd = random.Random(12)
    text = "\n".join(["一、总体情况", "本机关坚持以公开为常态、不公开为例外。" * 20,
                      *(t.zh for t in forms.REQUEST_ROWS_2021), "五、存在的主要问题及改进情况",
                      "公开平台建设仍需加强。" * 30])
    with conn:
        for i in range(n):
            rid = i + 1
            body, year = divmod(i, len(YEARS))
            year = YEARS[year]
            fmt = "2019" if year < 2021 else "2021"
            agency = f"第{body}县人民政府" if body % 3 else f"第{body}县财政局"
            url = f"http://www.county{body}.gov.cn/zwgk/nb/{year}/t{rid}.html"
            stamp = f"{year + 1}-01-20T08:00:00Z"
            conn.execute("""insert into reports (id, agency, region, year, title, url, published,
                format, versions, first_seen, last_seen, status) values (?,?,?,?,?,?,?,?,?,?,?,?)""",
                         [rid, agency, f"示范省第{body % 40}市", year, f"{agency}{year}年政府信息公开工作年度报告",
                          url, f"{year + 1}-01-15", fmt, 1, stamp, stamp, "live"])
            conn.execute("""insert into captures (id, warc_file, warc_offset, record_id, url, status,
                content_type, fetched_at, size, kind, outcome, report_id, version_id)
                values (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                         [rid, "bench.warc.gz", rid * 1000, f"<urn:uuid:{rid}>", url, 200,
                          "text/html", stamp, 9000, "html", "report", rid, rid])
            conn.execute("""insert into versions (id, report_id, seq, text_hash, fetched_at,
                capture_id, warc_file, warc_offset, http_status, encoding, extractor, parser,
                format, text) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                         [rid, rid, 1, f"{rid:040x}", stamp, rid, "bench.warc.gz", rid * 1000, 200,
                          "utf-8", "bench", "bench", fmt, text])
            conn.execute("insert into report_texts (report_id, title, agency, text) values (?,?,?,?)",
                         [rid, f"{agency}{year}年", agency, text])
            cells = [(rid, t, r, c, float(rnd.randint(0, 500)), None, None)
                     for t, r, c in forms.cell_keys(fmt)]
            conn.executemany('insert into cells (report_id, "table", row_key, col_key, value, raw, '
                             "flag) values (?,?,?,?,?,?,?)",
                             [(*c[:5], str(int(c[4])), None) for c in cells])
            checks = [(rid, f"R3:{r.key}", "pass", "总计; 六类申请人之和")
                      for r in forms.rows("requests", fmt)]
            checks.append((rid, "R2:total", "fail" if rid % 7 == 0 else "pass", "总计; 各办理结果之和"))
            conn.executemany("insert into checks (report_id, rule, status, detail) values (?,?,?,?)",
                             checks)
            conn.executemany("insert into sections (report_id, number, heading, text) "
                             "values (?,?,?,?)",
                             [(rid, num, head, "正文" * 80) for num, head, _ in forms.SECTIONS])
    conn.execute("analyze")
    conn.close()


async def measure(db: Path, samples: int) -> dict[str, list[float]]:
    from datasette.app import Datasette

    meta = yaml.safe_load((ROOT / "settings" / "metadata.yml").read_text("utf-8"))
    ds = Datasette(immutables=[str(db)], metadata=meta,
                   settings={"sql_time_limit_ms": 3000})
    await ds.invoke_startup()
    name = db.stem  # the database's name in Datasette's URLs
    total = (await ds.get_database(name).execute("select count(*) from reports")).single_value()
    rnd = random.Random(7)
    ids = [rnd.randint(1, total) for _ in range(samples)]
    pages = {
        "report page /report/<id>": "/report/{}",
        "Datasette row page /nianbao/reports/<id>": f"/{name}/reports/{{}}",
        "Datasette cells table ?report_id=<id>": f"/{name}/cells?report_id={{}}",
    }
    times: dict[str, list[float]] = {label: [] for label in pages}
    for label, path in pages.items():  # the first request compiles templates: shown apart
        start = time.perf_counter()
        assert (await ds.client.get(path.format(ids[0]))).status_code == 200
        print(f"first request, {label}: {(time.perf_counter() - start) * 1000:.0f} ms")
    for rid in ids:  # interleaved, so each page sees the same cache state
        for label, path in pages.items():
            start = time.perf_counter()
            response = await ds.client.get(path.format(rid))
            times[label].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--db", type=Path, help="reuse (or build once into) this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "nianbao.db"
        if not db.exists():
            start = time.perf_counter()
            build(db, args.reports)
            print(f"built {args.reports:,} reports in {time.perf_counter() - start:.1f}s → {db} "
                  f"({db.stat().st_size / 2**20:.0f} MiB)")
        times = asyncio.run(measure(db, args.samples))
    base = statistics.median(times["Datasette row page /nianbao/reports/<id>"])
    print(f"{'page':45} {'median ms':>10} {'p95 ms':>8} {'× row page':>11}")
    for name, values in times.items():
        values.sort()
        med, p95 = statistics.median(values), values[int(len(values) * 0.95) - 1]
        print(f"{name:45} {med:10.1f} {p95:8.1f} {med / base:11.2f}")
    report = statistics.median(times["report page /report/<id>"])
    print(f"report page median {report:.1f} ms: {'within' if report < 200 else 'OVER'} the 200 ms target")


if __name__ == "__main__":
    main()
