"""Serve many generated portals on loopback IPs and log every request.

``PortalField(portals)`` starts one ``ThreadingHTTPServer`` per loopback IP (the portal
hosts, their in-scope extra hosts, their out-of-scope trap hosts), by default all on one
port, plus a listener on an alternative port of every portal host and on ``[::1]`` when
available, so that requests to out-of-scope URLs are seen too.  Requests are never
serialised: every connection gets its own thread and every response is delayed by a small
random latency (5–30 ms) so that overlapping requests show up in :attr:`PortalField.log`.

    with PortalField([generate("trs", 1, "127.0.3.1")]) as field:
        crawl(field.portals[0].homepage)
        assert not field.robots_violations()
"""

from __future__ import annotations

import random
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .portals import Portal, Request, Response

__all__ = ["PortalField"]

_ROLES_OUT = ("trap", "alt", "v6")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, field: PortalField, ip: str, port: int, role: str) -> None:
        self.address_family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        self.field = field
        self.ip = ip
        self.role = role
        super().__init__((ip, port), _Handler)
        self.port = self.server_address[1]

    def server_bind(self) -> None:
        # HTTPServer.server_bind would call socket.getfqdn(): a reverse DNS lookup per IP.
        socketserver.TCPServer.server_bind(self)
        self.server_name = self.ip
        self.server_port = self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        start = time.monotonic()
        srv = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        target = self.path
        if "://" in target.split("?", 1)[0]:  # absolute-form request target
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        path, _, query = target.partition("?")
        path = path.split("#", 1)[0] or "/"
        req = Request(method, path, query, dict(self.headers.items()), body, srv.ip, srv.port)
        try:
            resp = srv.field.dispatch(srv, req)
        except Exception as exc:  # a generator bug must not kill the server
            resp = Response(500, {"Content-Type": "text/plain; charset=utf-8"},
                            f"generator error: {exc!r}".encode())
        time.sleep(srv.field.latency())
        try:
            self.send_response(resp.status)
            headers = dict(resp.headers)
            headers.setdefault("Content-Type", "text/html")
            if "Content-Length" not in headers:
                headers["Content-Length"] = str(len(resp.body))
            headers.setdefault("Server", "nginx")
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if method != "HEAD" and resp.body:
                self.wfile.write(resp.body)
            self.wfile.flush()
        finally:
            srv.field.record({
                "host": srv.ip, "port": srv.port, "role": srv.role, "method": method,
                "path": path, "query": query, "start": start, "end": time.monotonic(),
                "status": resp.status, "portal": srv.field.owner_name(srv, req),
                "user_agent": self.headers.get("User-Agent", ""),
            })


class PortalField:
    """Serve ``portals`` on their loopback IPs; log, and judge, every request."""

    def __init__(self, portals: list[Portal], *, same_port: bool = True,
                 latency: tuple[float, float] = (0.005, 0.03), seed: int = 0) -> None:
        self.portals = list(portals)
        self.same_port = same_port
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._latency = latency
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._owner: dict[str, Portal] = {}
        self._check_hosts()

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> PortalField:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _check_hosts(self) -> None:
        seen: dict[str, str] = {}
        for p in self.portals:
            name = f"{p.family}:{p.seed}"
            for ip in [p.host, *p.extra_hosts, *p.trap_hosts]:
                if ip in seen and seen[ip] != name:
                    raise ValueError(f"{ip} is used by both {seen[ip]} and {name}; give portals "
                                     "hosts that differ in their last two octets")
                seen[ip] = name
                self._owner[ip] = p

    def _ips(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for p in self.portals:
            out.append((p.host, "main"))
            out += [(ip, "extra") for ip in p.extra_hosts]
            out += [(ip, "trap") for ip in p.trap_hosts]
        return out

    def start(self) -> None:
        if self._servers:
            return
        ips = self._ips()
        servers: list[_Server] = []
        for _attempt in range(8):
            servers = []
            port = 0
            try:
                for ip, role in ips:
                    srv = _Server(self, ip, port if self.same_port else 0, role)
                    servers.append(srv)
                    port = port or srv.port
                break
            except OSError:
                for srv in servers:
                    srv.server_close()
                servers = []
        if not servers:  # fall back to distinct ports
            servers = [_Server(self, ip, 0, role) for ip, role in ips]
        ports = {srv.ip: srv.port for srv in servers}
        for p in self.portals:
            alt = _Server(self, p.host, 0, "alt")
            servers.append(alt)
            p.bind({ip: ports[ip] for ip in [p.host, *p.extra_hosts, *p.trap_hosts]}, alt.port)
        for port in sorted({ports[p.host] for p in self.portals}):
            try:
                servers.append(_Server(self, "::1", port, "v6"))
            except OSError:
                pass
        self._servers = servers
        for srv in servers:
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                                 name=f"portal-{srv.ip}:{srv.port}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        stoppers = [threading.Thread(target=srv.shutdown, daemon=True) for srv in self._servers]
        for t in stoppers:
            t.start()
        for t in stoppers + self._threads:
            t.join(timeout=5)
        for srv in self._servers:
            srv.server_close()
        self._servers, self._threads = [], []

    # ------------------------------------------------------------------ serving
    def latency(self) -> float:
        with self._lock:
            return self._rng.uniform(*self._latency)

    def dispatch(self, srv: _Server, req: Request) -> Response:
        if srv.role == "v6":
            portal = next((p for p in self.portals if p.ports.get(p.host) == srv.port), None)
        else:
            portal = self._owner.get(srv.ip)
        if portal is None:
            return Response(404, {"Content-Type": "text/plain"}, b"no portal here")
        return portal.handler(req)

    def owner_name(self, srv: _Server, req: Request) -> str:
        portal = self._owner.get(srv.ip)
        return f"{portal.family}:{portal.seed}" if portal else ""

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.log.append(entry)

    @property
    def endpoints(self) -> list[tuple[str, int, str]]:
        """Every (ip, port, role) listened on."""
        return [(s.ip, s.port, s.role) for s in self._servers]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def entries(self, portal: Portal | None = None) -> list[dict[str, Any]]:
        with self._lock:
            log = list(self.log)
        if portal is None:
            return log
        name = f"{portal.family}:{portal.seed}"
        return [e for e in log if e["portal"] == name]

    # ------------------------------------------------------------------ judging
    def max_in_flight_per_host(self) -> dict[str, int]:
        """Largest number of requests being served at once, per IP."""
        events: dict[str, list[tuple[float, int]]] = {}
        for e in self.entries():
            ev = events.setdefault(e["host"], [])
            ev += [(e["start"], 1), (e["end"], -1)]
        out = {}
        for host, ev in events.items():
            ev.sort(key=lambda x: (x[0], x[1]))
            cur = best = 0
            for _, d in ev:
                cur += d
                best = max(best, cur)
            out[host] = best
        return out

    def min_gap_per_host(self) -> dict[str, float]:
        """Smallest time from the end of one request to the start of the next, per IP.

        Negative when requests overlap; ``inf`` for an IP that saw a single request.
        """
        by_host: dict[str, list[dict[str, Any]]] = {}
        for e in self.entries():
            by_host.setdefault(e["host"], []).append(e)
        out = {}
        for host, es in by_host.items():
            es.sort(key=lambda e: e["start"])
            gap = float("inf")
            last_end = None
            for e in es:
                if last_end is not None:
                    gap = min(gap, e["start"] - last_end)
                last_end = e["end"] if last_end is None else max(last_end, e["end"])
            out[host] = gap
        return out

    def robots_violations(self) -> list[dict[str, Any]]:
        """Requests to in-scope hosts under a ``Disallow`` prefix of their portal."""
        out = []
        for e in self.entries():
            portal = self._owner.get(e["host"])
            if portal is None or e["role"] not in ("main", "extra") or e["path"] == "/robots.txt":
                continue
            target = e["path"] + ("?" + e["query"] if e["query"] else "")
            if any(target.startswith(prefix) for prefix in portal.disallowed):
                out.append(e)
        return out

    def out_of_scope_requests(self) -> list[dict[str, Any]]:
        """Requests to another county's host, to another port, or to ``[::1]``."""
        return [e for e in self.entries() if e["role"] in _ROLES_OUT]
