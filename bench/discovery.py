"""Discovery on generated portals: recall and precision per family, politeness as measured
by the portals' own logging servers, and pages/s against a bare Scrapy spider.

    python bench/discovery.py [--seeds 20] [--first 1] [--families trs,hanweb,...] [--no-bare]
                              [--detail]

Each family's portals (``tests/generators/portals.py``, written apart from the crawler)
are served on their own loopback IPs by ``PortalField``, which logs every request with
its start and end. nianbao crawls them all at once from their homepages
(``nianbao crawl --start-url …``, no delay: politeness must hold without one); then a
bare Scrapy spider (``CONCURRENT_REQUESTS_PER_DOMAIN=1``, robots.txt obeyed, following
every same-host link) crawls the same portals on a fresh field. Prints per family:
reports expected/found, recall, precision; then robots violations, out-of-scope requests,
the largest number of requests in flight to one host, and pages/s of both crawlers.
``--detail`` lists every report missed and every distractor fetched, per portal, with
its title and the portal's generated features (what to look at when a family falls short).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.generators.portals import FAMILIES, generate  # noqa: E402
from tests.generators.server import PortalField  # noqa: E402

FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "WARNING",
        "NIANBAO_INGEST": "False", "NIANBAO_PROGRESS": "False", "CONCURRENT_REQUESTS": "32",
        # generated portals stand distinct 127.x addresses for distinct public hosts
        "NIANBAO_SCOPE_ALLOW_NETS": "127.0.0.0/8"}

BARE = '''
import sys, scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor

class Bare(scrapy.Spider):
    name = "bare"
    start_urls = sys.argv[1:]
    links = LinkExtractor(deny_extensions=[])
    def parse(self, response):
        if not hasattr(response, "text"):
            return
        host = response.url.split("/")[2]
        for link in self.links.extract_links(response):
            if link.url.split("/")[2] == host:
                yield response.follow(link.url, self.parse)

process = CrawlerProcess({"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": True,
                          "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
                          "DOWNLOAD_DELAY": 0, "DEPTH_LIMIT": 8, "TELNETCONSOLE_ENABLED": False})
process.crawl(Bare)
process.start()
'''


def portals_for(families: list[str], seeds: range) -> list:
    """Each family on its own 127.0.x.0/24 (the same whichever families are asked for, so a
    portal of ``--families generic --first 7 --seeds 1`` is the one of the full run)."""
    out = []
    for family in families:
        f = FAMILIES.index(family)
        for seed in seeds:
            out.append(generate(family, seed, f"127.0.{40 + f}.{1 + seed % 250}"))
    return out


def requested_urls(field: PortalField, portal) -> set[str]:
    urls = set()
    for e in field.entries(portal):
        if e.get("status") and e["status"] < 400:
            query = f"?{e['query']}" if e.get("query") else ""
            urls.add(f"http://{e['host']}:{e['port']}{e['path']}{query}")
    return urls


def crawl_nianbao(field: PortalField, workdir: Path, extra: dict[str, str] | None = None,
                  timeout: float = 900) -> tuple[float, subprocess.CompletedProcess]:
    cmd = [sys.executable, "-m", "nianbao", "crawl", "--data", str(workdir / "data")]
    for portal in field.portals:
        cmd += ["--start-url", portal.homepage]
    for key, value in {**FAST, **(extra or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    started = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=workdir)
    return time.monotonic() - started, result


def crawl_bare(field: PortalField, workdir: Path, timeout: float = 900) -> float:
    script = workdir / "bare.py"
    script.write_text(BARE)
    started = time.monotonic()
    subprocess.run([sys.executable, str(script), *(p.homepage for p in field.portals)],
                   capture_output=True, timeout=timeout, cwd=workdir)
    return time.monotonic() - started


def _local(url: str) -> str:
    """``/path?query`` of a URL: the generator keys its own host's reports so."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def misses(field: PortalField) -> list[dict]:
    """Every report missed and every distractor fetched: family, seed, url, title, features."""
    out = []
    for portal in field.portals:
        result = portal.match(requested_urls(field, portal))
        titles = getattr(portal, "report_titles", {}) or {}
        for kind in ("missing", "distractors"):
            for url in sorted(result[kind]):
                out.append({"family": portal.family, "seed": portal.seed, "kind": kind,
                            "homepage": portal.homepage, "url": url,
                            "title": titles.get(url) or titles.get(_local(url), ""),
                            "features": sorted(getattr(portal, "features", ()) or ())})
    return out


def score(field: PortalField) -> dict[str, dict[str, int]]:
    """Per family: reports expected, found, distractors fetched."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for portal in field.portals:
        result = portal.match(requested_urls(field, portal))
        row = table[portal.family]
        row["portals"] += 1
        row["expected"] += len(portal.expected())
        row["found"] += len(result["found"])
        row["distractors"] += len(result["distractors"])
        row["missing"] += len(result["missing"])
    return table


def politeness(field: PortalField) -> dict[str, object]:
    in_flight = field.max_in_flight_per_host()
    gaps = [g for g in field.min_gap_per_host().values() if g != float("inf")]
    return {"robots_violations": len(field.robots_violations()),
            "out_of_scope": len(field.out_of_scope_requests()),
            "max_in_flight_per_host": max(in_flight.values(), default=0),
            "min_gap_s": min(gaps, default=float("inf")),
            "requests": len(field.log)}


def measure(families: list[str], seeds: range, workdir: Path,
            extra: dict[str, str] | None = None) -> dict:
    """Crawl a field of generated portals with nianbao; scores, politeness, timings."""
    with PortalField(portals_for(families, seeds)) as field:
        seconds, result = crawl_nianbao(field, workdir, extra)
        return {"score": score(field), "politeness": politeness(field), "seconds": seconds,
                "pages": len(field.log), "returncode": result.returncode,
                "stderr": result.stderr[-4000:],
                "out_of_scope_detail": field.out_of_scope_requests()[:10],
                "misses": misses(field),
                "robots_detail": field.robots_violations()[:10]}


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def print_scores(table: dict[str, dict[str, int]]) -> None:
    print(f"{'family':20} {'portals':>7} {'expected':>8} {'found':>6} {'distr.':>6} "
          f"{'recall':>7} {'precision':>9}")
    for family, row in sorted(table.items()):
        recall = ratio(row["found"], row["expected"])
        precision = ratio(row["found"], row["found"] + row["distractors"])
        print(f"{family:20} {row['portals']:7} {row['expected']:8} {row['found']:6} "
              f"{row['distractors']:6} {recall:7.3f} {precision:9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="portals per family (default 20)")
    parser.add_argument("--first", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--detail", action="store_true",
                        help="list every missed report and every distractor fetched")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare Scrapy baseline")
    args = parser.parse_args()
    families = [f for f in args.families.split(",") if f]
    seeds = range(args.first, args.first + args.seeds)
    with tempfile.TemporaryDirectory() as tmp:
        run = measure(families, seeds, Path(tmp))
        print_scores(run["score"])
        if args.detail:
            for m in run["misses"]:
                print(f"{m['kind']:11} {m['family']:18} seed {m['seed']:<4} {m['url']}  "
                      f"{m['title']!r}  [{m['homepage']}] {','.join(m['features'])}")
        print("politeness:", run["politeness"])
        if run["out_of_scope_detail"]:
            print("out of scope:", run["out_of_scope_detail"])
        nianbao_rate = run["pages"] / run["seconds"]
        print(f"nianbao: {run['pages']} requests in {run['seconds']:.1f} s = {nianbao_rate:.1f} pages/s"
              f" (exit {run['returncode']})")
        if not args.no_bare:
            with PortalField(portals_for(families, seeds)) as field:
                seconds = crawl_bare(field, Path(tmp))
                bare_rate = len(field.log) / seconds
                print(f"bare Scrapy: {len(field.log)} requests in {seconds:.1f} s = "
                      f"{bare_rate:.1f} pages/s; its max in flight per host: "
                      f"{max(field.max_in_flight_per_host().values(), default=0)}")
                print(f"pages/s nianbao ÷ bare Scrapy: {ratio(nianbao_rate, bare_rate):.2f}")


if __name__ == "__main__":
    main()
