"""A real HTTP server on a loopback address serving a portal from a dict of files.

The demo runs on it, and tests use it as their mock portals. It logs every request
(so tests can prove robots.txt was obeyed), answers conditional requests with 304,
and bumps a view counter in report pages as real CMSs do.

>>> with PortalServer({"/": (b"hi", "text/plain")}) as server:
...     server.url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

Files = dict[str, tuple[bytes, str]]
LAST_MODIFIED = email.utils.formatdate(1700000000, usegmt=True)


@dataclass(frozen=True)
class HttpRequest:
    """What a handler hook sees of a request."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = b""

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}

    def args(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.query).items()}


class PortalServer:
    def __init__(self, files: Files, host: str = "127.0.0.1", port: int = 0,
                 handler: Callable | None = None):
        self.files = files
        self.requests: list[tuple[str, str, dict]] = []
        self.times: list[float] = []  # when each request arrived (time.monotonic)
        self.views = 0
        self.handler = handler  # optional hook: HttpRequest -> (status, headers, body) | None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet; requests are kept in outer.requests
                pass

            def do_GET(self):
                outer.requests.append(("GET", self.path, dict(self.headers)))
                outer.times.append(time.monotonic())
                outer._serve(self)

            def do_HEAD(self):
                outer.requests.append(("HEAD", self.path, dict(self.headers)))
                outer.times.append(time.monotonic())
                outer._serve(self, head=True)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.requests.append(("POST", self.path, dict(self.headers)))
                outer.times.append(time.monotonic())
                outer._serve(self, body=body)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def paths(self) -> list[str]:
        return [path for _, path, _ in self.requests]

    def _serve(self, h: BaseHTTPRequestHandler, head: bool = False, body: bytes = b"") -> None:
        path, _, query = h.path.partition("?")
        if self.handler:
            request = HttpRequest(h.command, path, query, dict(h.headers), body)
            answer = self.handler(request)
            if answer is not None:
                status, headers, body = answer
                return self._send(h, status, headers, body, head)
        if path not in self.files and h.path in self.files:
            path = h.path  # files keyed with their query string
        if path not in self.files:
            body = "<html><body>404 您访问的页面不存在</body></html>".encode()
            return self._send(h, 404, {"Content-Type": "text/html; charset=utf-8"}, body, head)
        body, ctype = self.files[path]
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = {"Content-Type": ctype, "ETag": etag, "Last-Modified": LAST_MODIFIED}
        if h.headers.get("If-None-Match") == etag or (
                h.headers.get("If-Modified-Since") == LAST_MODIFIED and "If-None-Match" not in h.headers):
            return self._send(h, 304, {"ETag": etag}, b"", head)
        if "浏览次数：0".encode() in body:
            self.views += 1
            body = body.replace("浏览次数：0".encode(), f"浏览次数：{self.views}".encode())
        self._send(h, 200, headers, body, head)

    @staticmethod
    def _send(h, status: int, headers: dict, body: bytes, head: bool) -> None:
        h.send_response(status)
        for key, value in headers.items():
            h.send_header(key, value)
        if "Content-Length" not in headers:
            h.send_header("Content-Length", str(len(body)))
        elif int(headers["Content-Length"]) != len(body):
            h.close_connection = True  # a truncated download: promise more, then hang up
        h.end_headers()
        if not head:
            h.wfile.write(body)

    def start(self) -> PortalServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
