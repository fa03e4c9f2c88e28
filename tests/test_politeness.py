"""Politeness as a measured promise: a server that logs when each request starts and ends
shows at most one request in flight per host, the delay kept between requests and
robots.txt's Crawl-delay honoured — with settings that would let Scrapy overlap."""

from __future__ import annotations

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nianbao.crawler.politeness import HostGate

TITLE = "示范县{}年政府信息公开工作年度报告"


class LoggingPortal:
    """A portal on a loopback IP: a column page linking ``n`` report pages (and a second
    list page), each answer held back ``latency`` seconds; logs (path, start, end)."""

    def __init__(self, host: str, n: int = 12, latency: float = 0.03, robots: str = ""):
        self.log: list[tuple[str, float, float]] = []
        self.lock = threading.Lock()
        items = "".join(f"<li><a href='/a/{i}.html'>{TITLE.format(2000 + i)}</a></li>" for i in range(n))
        pages = {
            "/": f"<html><body><ul>{items}</ul><a href='/index_1.html'>下一页</a></body></html>",
            "/index_1.html": "<html><body><a href='/a/0.html'>上一页</a></body></html>",
            "/robots.txt": robots or "User-agent: *\nDisallow: /admin/\n",
        }
        pages.update({f"/a/{i}.html": f"<html><body><h1>{TITLE.format(2000 + i)}</h1></body></html>"
                      for i in range(n)})
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                start = time.monotonic()
                time.sleep(latency)
                body = pages.get(self.path)
                status = 200 if body is not None else 404
                data = (body or "not found").encode()
                self.send_response(status)
                ctype = "text/plain" if self.path.endswith(".txt") else "text/html; charset=utf-8"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()
                with outer.lock:
                    outer.log.append((self.path, start, time.monotonic()))

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}/"

    def __enter__(self) -> LoggingPortal:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def max_in_flight(self) -> int:
        events = sorted([(s, 1) for _, s, _ in self.log] + [(e, -1) for _, _, e in self.log],
                        key=lambda x: (x[0], x[1]))
        most = now = 0
        for _, step in events:
            now += step
            most = max(most, now)
        return most

    def gaps(self) -> list[float]:
        """Time from the end of each request to the start of the next."""
        spans = sorted((s, e) for _, s, e in self.log)
        return [b[0] - a[1] for a, b in zip(spans, spans[1:], strict=False)]


def crawl(run_cli, portals: list[LoggingPortal], *settings: str):
    args = ["crawl"]
    for p in portals:
        args += ["--start-url", p.url]
    for s in ("AUTOTHROTTLE_ENABLED=False", "NIANBAO_INGEST=False", *settings):
        args += ["-s", s]
    return run_cli(*args)


@pytest.mark.slow
def test_one_request_in_flight_per_host_whatever_the_settings(run_cli):
    # Scrapy alone, with these settings, overlaps up to 8 requests to one host
    with LoggingPortal("127.0.0.61") as a, LoggingPortal("127.0.0.62") as b:
        result = crawl(run_cli, [a, b], "DOWNLOAD_DELAY=0", "CONCURRENT_REQUESTS=16",
                       "CONCURRENT_REQUESTS_PER_DOMAIN=8")
    assert result.returncode == 0, result.stderr
    for portal in (a, b):
        assert len(portal.log) >= 14  # robots.txt, two list pages, twelve reports
        assert portal.max_in_flight() == 1
    # the two hosts were crawled side by side, not one after the other
    a_span = (min(s for _, s, _ in a.log), max(e for _, _, e in a.log))
    b_span = (min(s for _, s, _ in b.log), max(e for _, _, e in b.log))
    assert a_span[0] < b_span[1] and b_span[0] < a_span[1]


@pytest.mark.slow
def test_download_delay_kept_between_requests(run_cli):
    with LoggingPortal("127.0.0.63", n=5, latency=0.005) as portal:
        result = crawl(run_cli, [portal], "DOWNLOAD_DELAY=0.25", "CONCURRENT_REQUESTS_PER_DOMAIN=4")
    assert result.returncode == 0, result.stderr
    assert len(portal.log) >= 7
    assert portal.max_in_flight() == 1
    assert min(portal.gaps()) >= 0.24


@pytest.mark.slow
def test_robots_crawl_delay_honoured(run_cli):
    robots = "User-agent: *\nCrawl-delay: 0.4\nDisallow: /admin/\n"
    with LoggingPortal("127.0.0.64", n=4, latency=0.005, robots=robots) as portal:
        result = crawl(run_cli, [portal], "DOWNLOAD_DELAY=0")
    assert result.returncode == 0, result.stderr
    after_robots = [g for g in portal.gaps()[1:]]  # robots.txt itself comes first
    assert len(after_robots) >= 4 and min(after_robots) >= 0.39


def test_gate_one_at_a_time_and_spaced():
    gate = HostGate(default_delay=0.05)
    spans: list[tuple[str, float, float]] = []

    async def fetch(host: str):
        await gate.acquire(host)
        start = time.monotonic()
        await asyncio.sleep(0.01)
        spans.append((host, start, time.monotonic()))
        gate.release(host)

    async def main():
        await asyncio.gather(*(fetch(h) for h in ["a"] * 5 + ["b"] * 5))

    asyncio.run(main())
    for host in "ab":
        mine = sorted((s, e) for h, s, e in spans if h == host)
        assert all(nxt[0] - prev[1] >= 0.045 for prev, nxt in zip(mine, mine[1:], strict=False))
    # hosts do not wait for each other: both finished in about five spaced slots, not ten
    assert max(e for _, _, e in spans) - min(s for _, s, _ in spans) < 0.5


def test_gate_crawl_delay_never_below_default():
    gate = HostGate(default_delay=1.0)
    gate.set_delay("a", 0.2)
    gate.set_delay("b", 3.0)
    assert (gate.delay("a"), gate.delay("b"), gate.delay("c")) == (1.0, 3.0, 1.0)
