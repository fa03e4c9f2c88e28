"""Which URLs a crawl may fetch: the one definition of scope, used by the one middleware
that enforces it (``middlewares.ScopeMiddleware``) for every request, redirects included.

In scope:

* a start URL's host, on the port(s) its start URLs name (80 and 443 both, when a start
  URL uses a default port: ``http://x/`` → ``https://x/`` is the same portal);
* a host that the portal's own pages send the crawl to *for its reports* (a report or
  attachment link, or the redirect of such a fetch): an attachment file server, a
  department's site listed by its province page. It is *granted* on first use.

Never: a scheme other than http(s); a start host on another port; a granted host on a
port other than 80/443; a loopback, private, link-local, reserved or multicast address
(or ``localhost``) that no start URL names, unless ``allow_nets`` holds it (tests on
127.0.0.0/8 stand distinct loopback addresses for distinct portals).

>>> scope = Scope(["http://127.0.0.5:8000/"])
>>> scope.check("http://127.0.0.5:8000/a.html") is None
True
>>> scope.check("http://127.0.0.5:22/")
'another port of a start host'
>>> scope.check("http://127.0.0.6:8000/x.pdf", grant=True)
'private or loopback address no start URL names'
>>> scope.check("http://www.example.gov.cn/x.pdf", grant=True) is None
True
>>> scope.check("http://news.example.com/")
'off-site'
>>> scope.check("ftp://127.0.0.5:8000/")
'scheme ftp'
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def host_port(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of ``url`` (host lower-cased, IPv6 without brackets)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a malformed port or address
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    return scheme, host, port or DEFAULT_PORTS.get(scheme, 0)


def special_address(host: str) -> bool:
    """Loopback, private, link-local, reserved, multicast or unspecified: never reached
    by a link unless a start URL names it. Host names are judged by name only here
    (``localhost``); the middleware also checks what a granted name resolves to."""
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


class Scope:
    def __init__(self, start_urls: Iterable[str], allow_nets: Iterable[str] = ()):
        self.start_ports: dict[str, set[int]] = {}
        for url in start_urls:
            parsed = host_port(url)
            if parsed is None:
                continue
            _, host, port = parsed
            ports = self.start_ports.setdefault(host, set())
            ports.add(port)
            if port in DEFAULT_PORTS.values():
                ports.update(DEFAULT_PORTS.values())
        self.allow_nets = [ipaddress.ip_network(n, strict=False) for n in allow_nets if n]
        self.granted: set[tuple[str, int]] = set()

    def _allowed_net(self, host: str) -> bool:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(ip in net for net in self.allow_nets)

    def check(self, url: str, grant: bool = False) -> str | None:
        """``None`` when ``url`` may be fetched (granting its host when ``grant``, i.e.
        when it is a report, an attachment or the redirect of one), else the reason."""
        parsed = host_port(url)
        if parsed is None:
            return "malformed URL"
        scheme, host, port = parsed
        if scheme not in DEFAULT_PORTS:
            return f"scheme {scheme or '(none)'}"
        if host in self.start_ports:
            return None if port in self.start_ports[host] else "another port of a start host"
        if (host, port) in self.granted:
            return None
        if not grant:
            return "off-site"
        test_net = self._allowed_net(host)
        if special_address(host) and not test_net:
            return "private or loopback address no start URL names"
        if port not in DEFAULT_PORTS.values() and not test_net:
            return "non-default port on another host"
        self.granted.add((host, port))
        return None

    def grant_checked(self, url: str) -> None:
        """Record a host as granted (after the middleware resolved its name)."""
        parsed = host_port(url)
        if parsed:
            self.granted.add(parsed[1:])

    def needs_resolution(self, url: str) -> bool:
        """A host name (not an address) that is neither a start host nor granted yet."""
        parsed = host_port(url)
        if parsed is None:
            return False
        _, host, port = parsed
        if host in self.start_ports or (host, port) in self.granted:
            return False
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return True
        return False
