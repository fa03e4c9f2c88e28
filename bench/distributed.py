"""A shared Redis frontier: 1 worker against 3, same politeness; Redis memory; worker RSS.

    python bench/distributed.py [--portals 200] [--workers 3] [--delay 0.5]
                                [--latency 0.1,0.2] [--concurrency 4] [--urls 100000]

1. ``--portals`` generated portals (``tests/generators/portals.py``: every family, no
   hostile extras, no robots Crawl-delay, so one slow portal does not set the pace), each
   on its own loopback IP, served by one ``PortalField`` that logs every request and holds
   each answer back ``--latency`` seconds (real county portals answer in 0.1–2 s).
2. ``nianbao crawl --redis … --workers 1``, then ``--workers 3``, on a fresh namespace
   each, with the same settings: ``DOWNLOAD_DELAY``, one request in flight per host,
   ``CONCURRENT_REQUESTS`` per worker. WARC only (``NIANBAO_INGEST=False``): ingest is
   measured by ``bench/archive_scale.py``.
3. Prints requests/s of each run (first to last request in the server log, and wall time
   with start-up), the ratio (target ≥ 2.5), the politeness the server saw (largest
   in-flight count per host, smallest gap), Redis memory per 100,000 queued and per
   100,000 seen URLs (``--urls`` real encoded requests pushed through the frontier's own
   script), and each worker's peak RSS (reported by the worker into Redis at exit).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from nianbao.crawler.distributed import Frontier, Keys, host_of  # noqa: E402
from tests.generators.portals import FAMILIES, generate  # noqa: E402
from tests.generators.server import PortalField  # noqa: E402


def portals(n: int, max_reports: int = 20) -> list:
    out, seed = [], 0
    while len(out) < n:
        for family in FAMILIES:
            if len(out) >= n:
                break
            i = len(out)
            portal = generate(family, seed, f"127.0.{130 + i // 100}.{1 + i % 100}",
                              hostile=False)
            if portal.crawl_delay is None and len(portal.reports) <= max_reports:
                out.append(portal)
        seed += 1
    return out


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port),
                             "--bind", "127.0.0.1", "--dir", str(folder), "--appendonly", "yes",
                             "--save", ""], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def crawl(field: PortalField, url: str, ns: str, workers: int, work: Path,
          settings: dict[str, str]) -> dict:
    field.clear_log()
    cmd = [sys.executable, "-m", "nianbao", "crawl", "--data", str(work / ns), "--redis", url,
           "--namespace", ns, "--workers", str(workers), "--idle", "1"]
    for portal in field.portals:
        cmd += ["--start-url", portal.homepage]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    started = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
    wall = time.monotonic() - started
    log = field.entries()
    span = max(e["end"] for e in log) - min(e["start"] for e in log)
    client = redis.Redis.from_url(url)
    rss = {k.decode(): int(v) for k, v in client.hgetall(f"{ns}:rss").items()}
    gaps = [g for g in field.min_gap_per_host().values() if g != float("inf")]
    return {"returncode": result.returncode, "stderr": result.stderr[-2000:],
            "requests": len(log), "span": span, "wall": wall,
            "in_flight": max(field.max_in_flight_per_host().values()),
            "min_gap": min(gaps), "rss_kb": rss}


def redis_memory(url: str, n: int) -> tuple[float, float]:
    """Bytes of Redis memory per queued URL (queue + fingerprint) and per seen URL."""
    import scrapy
    from scrapy_redis import picklecompat
    from scrapy_redis.dupefilter import RFPDupeFilter

    from nianbao.crawler.spiders.portal import CONDITIONAL, PortalSpider

    client = redis.Redis.from_url(url)
    keys = Keys("memory")
    frontier = Frontier(client, keys)
    spider = PortalSpider()
    df = RFPDupeFilter(client, key=keys.dupefilter)
    client.memory_purge() if hasattr(client, "memory_purge") else None
    before = int(client.info("memory")["used_memory"])
    pipe = client.pipeline(transaction=False)
    for i in range(n):
        host = f"www.county{i % 15000}.gov.cn"
        request = scrapy.Request(
            f"http://{host}/zwgk/xxgk/ndbg/202402/t20240206_{i:07d}.html", spider.parse_report,
            errback=spider.failure, headers={"Referer": f"http://{host}/zwgk/xxgk/ndbg/"},
            meta={"portal": f"county{i % 15000}", "title": "示范县2023年政府信息公开工作年度报告",
                  "scope_grant": True, **CONDITIONAL})
        frontier._push(args=[keys.ns, host_of(request.url),
                             picklecompat.dumps(request.to_dict(spider=spider)), 0,
                             df.request_fingerprint(request)], client=pipe)
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    queued = int(client.info("memory")["used_memory"])
    for key in client.scan_iter(match=f"{keys.ns}:q:*", count=1000):
        client.delete(key)
    client.delete(keys.hosts)
    seen = int(client.info("memory")["used_memory"])
    for key in client.scan_iter(match=f"{keys.ns}:*", count=1000):
        client.delete(key)
    return (queued - before) / n, (seen - before) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--portals", type=int, default=200)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--latency", default="0.1,0.2")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--urls", type=int, default=100_000)
    args = parser.parse_args()
    low, high = (float(x) for x in args.latency.split(","))
    settings = {"DOWNLOAD_DELAY": str(args.delay), "AUTOTHROTTLE_ENABLED": "False",
                "RANDOMIZE_DOWNLOAD_DELAY": "False", "CONCURRENT_REQUESTS": str(args.concurrency),
                "NIANBAO_INGEST": "False", "NIANBAO_PROGRESS": "False", "LOG_LEVEL": "ERROR",
                "NIANBAO_SCOPE_ALLOW_NETS": "127.0.0.0/8"}
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    proc, url = start_redis(work)
    try:
        field_portals = portals(args.portals)
        print(f"{len(field_portals)} portals, latency {low}-{high}s, DOWNLOAD_DELAY {args.delay}s, "
              f"CONCURRENT_REQUESTS {args.concurrency} per worker, {os.cpu_count()} cores, "
              f"load {os.getloadavg()[0]:.1f}")
        runs = {}
        with PortalField(field_portals, latency=(low, high)) as field:
            for n in (1, args.workers):
                run = crawl(field, url, f"bench{n}", n, work, settings)
                runs[n] = run
                if run["returncode"] != 0:
                    print(run["stderr"])
                    raise SystemExit(f"crawl with {n} worker(s) failed")
                rate = run["requests"] / run["span"]
                rss = ", ".join(f"{w} {kb / 1024:.0f} MB" for w, kb in sorted(run["rss_kb"].items()))
                print(f"{n} worker(s): {run['requests']} requests in {run['span']:.1f}s "
                      f"({rate:.1f}/s; wall {run['wall']:.1f}s with start-up), "
                      f"max in flight per host {run['in_flight']}, min gap {run['min_gap']:.3f}s; "
                      f"peak RSS {rss}")
        one, many = runs[1], runs[args.workers]
        ratio = (many["requests"] / many["span"]) / (one["requests"] / one["span"])
        print(f"throughput ratio {args.workers} workers / 1: {ratio:.2f} (target ≥ 2.5); "
              f"wall-time ratio {one['wall'] / many['wall']:.2f}")
        queued, seen = redis_memory(url, args.urls)
        print(f"Redis memory: {queued * 100_000 / 2**20:.1f} MB per 100k queued URLs "
              f"(queue + fingerprint), {seen * 100_000 / 2**20:.1f} MB per 100k seen URLs")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
