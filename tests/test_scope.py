"""Scope: one middleware decides for every request and every redirect target; what it
refuses is counted, written to WARC as a metadata record and never fetched."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from nianbao.crawler.scope import Scope, special_address

TITLE = "示范县{}年政府信息公开工作年度报告"


@pytest.mark.parametrize("url, grant, reason", [
    ("http://127.0.0.5:8000/a.html", False, None),
    ("https://127.0.0.5:8000/a.html", False, None),  # same host and port, either scheme
    ("http://127.0.0.5:8001/a.html", True, "another port of a start host"),
    ("http://127.0.0.6:8000/a.pdf", True, "private or loopback address no start URL names"),
    ("http://10.1.2.3/a.pdf", True, "private or loopback address no start URL names"),
    ("http://169.254.169.254/latest/", True, "private or loopback address no start URL names"),
    ("http://[::1]/a.pdf", True, "private or loopback address no start URL names"),
    ("http://[::ffff:127.0.0.1]/a.pdf", True, "private or loopback address no start URL names"),
    ("http://localhost/a.pdf", True, "private or loopback address no start URL names"),
    ("http://files.example.gov.cn/a.pdf", True, None),
    ("http://files.example.gov.cn:8443/a.pdf", True, "non-default port on another host"),
    ("http://files.example.gov.cn/a.pdf", False, "off-site"),
    ("ftp://127.0.0.5:8000/a.pdf", True, "scheme ftp"),
    ("file:///etc/passwd", True, "malformed URL"),
    ("javascript:alert(1)", True, "malformed URL"),
])
def test_scope_rules(url, grant, reason):
    scope = Scope(["http://127.0.0.5:8000/", "https://www.example.gov.cn/"])
    assert scope.check(url, grant=grant) == reason


def test_default_ports_of_a_start_host_and_grants_remembered():
    scope = Scope(["http://www.example.gov.cn/"])
    assert scope.check("https://www.example.gov.cn/x") is None
    assert scope.check("http://www.example.gov.cn:8080/x") == "another port of a start host"
    assert scope.check("http://dept.example.gov.cn/r.html", grant=True) is None
    assert scope.check("http://dept.example.gov.cn/list.html") is None  # granted before


def test_allowed_test_network():
    scope = Scope(["http://127.0.0.5:8000/"], allow_nets=["127.0.0.0/8"])
    assert scope.check("http://127.0.0.6:9000/a.pdf", grant=True) is None
    assert scope.check("http://127.0.0.7:9000/a.html") == "off-site"  # still needs a grant
    assert scope.check("http://10.0.0.1/a.pdf", grant=True) is not None


@pytest.mark.parametrize("host, special", [
    ("127.0.0.1", True), ("10.0.0.8", True), ("192.168.1.1", True), ("172.16.0.1", True),
    ("169.254.1.1", True), ("::1", True), ("fe80::1", True), ("0.0.0.0", True),
    ("224.0.0.1", True), ("localhost", True), ("8.8.8.8", False), ("www.gov.cn", False),
])
def test_special_addresses(host, special):
    assert special_address(host) is special


class Site:
    """A loopback site from a dict ``path → (status, headers, body)``; logs its paths."""

    def __init__(self, host: str, routes: dict, port: int = 0):
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.paths.append(self.path)
                status, headers, body = routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for key, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                    self.send_header(key, value.format(base=outer.base) if "{" in value else value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"

    def __enter__(self) -> Site:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def page(*links: str) -> tuple[int, dict, bytes]:
    body = "".join(f"<li><a href='{href}'>{text}</a></li>" for href, text in
                   (link.split("|") for link in links))
    return 200, {}, f"<html><body><ul>{body}</ul></body></html>".encode()


def redirect(target: str) -> tuple[int, dict, bytes]:
    return 302, {"Location": target}, b""


def flags_in_warc(data: Path) -> list[str]:
    out = []
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "metadata":
                    out.append(record.content_stream().read().decode("utf-8", "replace"))
    return out


@pytest.mark.slow
def test_out_of_scope_links_and_redirects_are_flagged_never_fetched(run_cli, tmp_path):
    routes: dict = {}
    with Site("127.0.0.72", {}) as other_host, Site("127.0.0.70", {}) as other_port, \
            Site("127.0.0.70", routes) as portal:
        routes.update({
            "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"),
            "/": page(f"{other_host.base}/r/2020.html|{TITLE.format(2020)}",  # another loopback host
                      f"{other_port.base}/r/2021.html|{TITLE.format(2021)}",  # another port
                      f"/go/2022.html|{TITLE.format(2022)}",                 # redirect off-site
                      f"/loop/a.html|{TITLE.format(2023)}",                  # redirect loop
                      f"/chain/0.html|{TITLE.format(2019)}",                 # 15 hops
                      f"/ok/2024.html|{TITLE.format(2024)}",
                      f"ftp://127.0.0.70/r/2018.pdf|{TITLE.format(2018)}"),
            "/go/2022.html": redirect(f"{other_host.base}/r/2022.html"),
            "/loop/a.html": redirect("/loop/b.html"),
            "/loop/b.html": redirect("/loop/a.html"),
            "/ok/2024.html": (200, {}, f"<html><h1>{TITLE.format(2024)}</h1></html>".encode()),
            **{f"/chain/{i}.html": redirect(f"/chain/{i + 1}.html") for i in range(15)},
        })
        result = run_cli("crawl", "--start-url", portal.base + "/", "-s", "DOWNLOAD_DELAY=0",
                         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NIANBAO_INGEST=False")
    assert result.returncode == 0, result.stderr
    assert other_host.paths == [] and other_port.paths == []  # never fetched, robots.txt neither
    assert "/ok/2024.html" in portal.paths
    assert sum(p.startswith("/chain/") for p in portal.paths) == 11  # REDIRECT_MAX_TIMES = 10
    assert sorted(p for p in portal.paths if p.startswith("/loop/")) == ["/loop/a.html", "/loop/b.html"]
    flags = flags_in_warc(tmp_path / "data")
    out_of_scope = [f for f in flags if "out_of_scope" in f]
    assert len(out_of_scope) == 3  # two links, one redirect target
    assert sum("redirected from" in f for f in out_of_scope) == 1
    assert sum("redirect_loop" in f for f in flags) == 1
    assert sum("redirect_limit" in f for f in flags) == 1
    assert "out_of_scope" in result.stderr and "redirect_loop" in result.stderr
