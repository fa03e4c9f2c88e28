"""Crawl speed and re-crawl cost on loopback portals, against baselines in the same run.

    python bench/crawl.py [--pages 5000] [--reports 200]

1. A portal of N pages (list pages with 下一页 links, report pages) is crawled with
   politeness off by nianbao's spider (WARC writing, block detection, conditional requests,
   link classification; ingest switched off and timed separately) and by a bare Scrapy
   spider following the same links. Prints both times and the ratio (target ≤ 1.3).
2. A smaller portal is crawled twice by nianbao; prints the bytes the second crawl
   transferred as a share of the first (target ≤ 5%) and the versions it created.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nianbao.demo import page, report_body  # noqa: E402
from nianbao.portal_server import PortalServer  # noqa: E402

FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "ROBOTSTXT_OBEY": "False",
        "CONCURRENT_REQUESTS": "16", "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "LOG_LEVEL": "ERROR", "NIANBAO_PROGRESS": "False"}

BARE = '''
import sys, scrapy
from scrapy.crawler import CrawlerProcess

class Bare(scrapy.Spider):
    name = "bare"
    start_urls = [sys.argv[1]]
    def parse(self, response):
        # the links nianbao follows: list pages and report pages, from every page
        for href in response.css("a::attr(href)").getall():
            if "/art/" in href or "/list" in href:
                yield response.follow(href, self.parse)

settings = {k: v for k, v in (a.split("=", 1) for a in sys.argv[2:])}
settings["TELNETCONSOLE_ENABLED"] = False
process = CrawlerProcess(settings)
crawler = process.create_crawler(Bare)
process.crawl(crawler)
process.start()
print(crawler.stats.get_value("response_received_count"))
'''


def portal(pages: int, per_list: int = 20) -> dict:
    body = page("示范县人民政府2023年政府信息公开工作年度报告", report_body(2023), "2024-01-29").encode()
    html = "text/html; charset=utf-8"
    reports = pages - pages // (per_list + 1)
    lists = -(-reports // per_list)
    files = {}
    for n in range(lists):
        items = "".join(
            f'<li><a href="/art/{i}.html">示范县人民政府{2000 + i % 25}年政府信息公开工作年度报告</a></li>'
            for i in range(n * per_list, min(reports, (n + 1) * per_list)))
        nxt = f'<a href="/list{n + 1}.html">下一页</a>' if n + 1 < lists else ""
        files["/" if n == 0 else f"/list{n}.html"] = (
            page("信息公开年报", f"<ul>{items}</ul>{nxt}", column=True).encode(), html)
    for i in range(reports):
        files[f"/art/{i}.html"] = (body.replace(b"\xe7\xa4\xba\xe8\x8c\x83\xe5\x8e\xbf",  # 示范县
                                                f"示范{i}县".encode()), html)
    return files


def run(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def nianbao_crawl(url: str, work: Path, extra: dict | None = None) -> float:
    settings = [f"-s{k}={v}" for k, v in {**FAST, **(extra or {})}.items()]
    return run([sys.executable, "-m", "nianbao", "crawl", "--start-url", url, *settings], work)


def speed(pages: int, ingest_too: bool = True, repeat: int = 3) -> None:
    """Each crawl gets a fresh server (a long-lived one slows down as its request log grows,
    which would favour whichever crawler goes first); the order alternates; medians."""
    files = portal(pages)
    times: dict[str, list[float]] = {"bare": [], "nianbao": []}
    fetched: dict[str, int] = {}
    ingest = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        bare_script = Path(tmp) / "bare.py"
        bare_script.write_text(BARE)
        for i in range(repeat):
            for who in (("bare", "nianbao") if i % 2 == 0 else ("nianbao", "bare")):
                work = Path(tmp) / f"{who}{i}"
                work.mkdir()
                with PortalServer(files, host="127.0.0.31") as server:
                    if who == "bare":
                        took = run([sys.executable, str(bare_script), server.url + "/",
                                    *(f"{k}={v}" for k, v in FAST.items())], work)
                    else:
                        took = nianbao_crawl(server.url + "/", work, {"NIANBAO_INGEST": "False"})
                    fetched[who] = len(server.requests)
                times[who].append(took)
                if who == "nianbao" and ingest_too and i == 0:
                    ingest = run([sys.executable, "-m", "nianbao", "ingest"], work)
    bare, ours = statistics.median(times["bare"]), statistics.median(times["nianbao"])
    runs = ", ".join(f"{o / b:.2f}" for b, o in zip(times["bare"], times["nianbao"], strict=True))
    print(f"portal of {len(files)} pages: bare Scrapy {bare:.1f}s ({fetched['bare']} fetches), "
          f"nianbao {ours:.1f}s ({fetched['nianbao']} fetches, WARC written) → ratio of medians "
          f"{ours / bare:.2f} (runs: {runs})", flush=True)
    if ingest_too:
        print(f"  ingest of those captures afterwards: {ingest:.1f}s "
              f"({ingest / max(fetched['nianbao'], 1) * 1000:.1f} ms per capture)", flush=True)


def recrawl(reports: int) -> None:
    files = portal(reports + reports // 20)
    with PortalServer(files, host="127.0.0.32") as server, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        nianbao_crawl(server.url + "/", work)
        first = sum(len(files[p.split("?")[0]][0]) for _, p, _ in server.requests if p.split("?")[0] in files)
        n = len(server.requests)
        nianbao_crawl(server.url + "/", work)
        import sqlite_utils

        db = sqlite_utils.Database(work / "data" / "nianbao.db")
        second_bytes = db.execute("select sum(size) from captures where id > ?",
                                  [db.execute("select max(id) from captures where fetched_at <= "
                                              "(select min(finished) from crawl_runs)").fetchone()[0]]
                                  ).fetchone()[0] or 0
        versions = db["versions"].count
        reports_n = db["reports"].count
        conditional = sum("If-None-Match" in h for _, _, h in server.requests[n:])
    print(f"re-crawl of an unchanged portal ({reports_n} reports): {len(server.requests) - n} "
          f"fetches, {conditional} conditional; {second_bytes} bytes vs {first} the first time "
          f"→ {second_bytes / first:.1%}; versions {versions} (no new ones: {versions == reports_n})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--only", choices=["speed", "recrawl"])
    parser.add_argument("--no-ingest", action="store_true", help="skip timing the ingest")
    args = parser.parse_args()
    if args.only != "recrawl":
        speed(args.pages, not args.no_ingest)
    if args.only != "speed":
        recrawl(args.reports)


if __name__ == "__main__":
    main()
