"""Downloader middlewares for politeness and blocks. Each does one thing."""

from __future__ import annotations

import asyncio
import logging
import socket

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.httpobj import urlparse_cached

from ..parsers.antibot import classify_block
from ..parsers.limits import (
    BLOCK_SNIFF_BYTES,
    MAX_LINK_BYTES,
    MAX_PARSE_BYTES,
    inflate,
    supported_codings,
)
from .politeness import HostGate
from .scope import Scope, host_port, special_address
from .warc import Flagged, flag

logger = logging.getLogger(__name__)


class BlockDetectionMiddleware:
    """Anti-bot challenges and soft 404s are reported per portal and never parsed.

    Nothing is done to get past a challenge: the portal is reported as blocking us.
    The exchange is already in the WARC file (the WARC middleware runs first).
    """

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response):
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1")
                   for k, v in response.headers.items()}
        # Still compressed at this depth: inflate only what detection reads (a bomb is
        # stopped at BLOCK_SNIFF_BYTES; undecodable bodies are looked at as they came).
        inflated = inflate(response.body, headers.get("Content-Encoding"), BLOCK_SNIFF_BYTES)
        body = inflated.data if inflated.data or not inflated.problem else response.body
        block = classify_block(response.status, headers, body)
        if block is None:
            return response
        portal = request.meta.get("portal") or "-"
        self.stats.inc_value(f"nianbao/blocked/{portal}")
        self.stats.inc_value(f"nianbao/blocked_kind/{block}")
        kind = "soft404" if block.startswith("soft_404") else "blocked"
        logger.warning("%s: %s (%s) — not parsed, not circumvented", kind, response.url, block)
        raise IgnoreRequest(f"{block}: {response.url}")


class RetryBackoffMiddleware:
    """Retries wait longer each time (``RETRY_BACKOFF_BASE`` × 2ⁿ seconds, capped by
    ``RETRY_BACKOFF_MAX``): a portal answering 5xx is given room, not hammered."""

    def __init__(self, base: float, cap: float):
        self.base, self.cap = base, cap

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getfloat("RETRY_BACKOFF_BASE", 2.0),
                   crawler.settings.getfloat("RETRY_BACKOFF_MAX", 60.0))

    async def process_request(self, request: Request):
        import asyncio

        tries = request.meta.get("retry_times", 0)
        if tries and self.base > 0:
            delay = min(self.cap, self.base * 2 ** (tries - 1))
            logger.info("retry %s of %s in %.1fs", tries, request.url, delay)
            await asyncio.sleep(delay)
        return None


class ConditionalRequestMiddleware:
    """Re-crawls ask report pages and attachments "changed since?" with the validators
    (ETag, Last-Modified) of their last capture, so an unchanged portal costs little.

    List pages are always fetched in full: they are where new reports appear.
    """

    def __init__(self, validators: dict[str, tuple[str | None, str | None]], stats):
        self.validators = validators
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        from pathlib import Path

        from scrapy.exceptions import NotConfigured

        from ..archive import db_path
        from ..archive.queries import validators

        if not crawler.settings.getbool("NIANBAO_CONDITIONAL", True):
            raise NotConfigured
        data = Path(crawler.settings.get("NIANBAO_DATA", "data"))
        path = db_path(data, crawler.settings.get("NIANBAO_DB") or None)
        return cls(validators(path), crawler.stats)

    def process_request(self, request: Request):
        if not request.meta.get("conditional"):
            return None
        etag, modified = self.validators.get(request.url, (None, None))
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)
        if etag or modified:
            self.stats.inc_value("nianbao/conditional_requests")
        return None

    def process_response(self, request: Request, response: Response):
        if response.status == 304:
            self.stats.inc_value("nianbao/not_modified")
        return response


class ScopeMiddleware:
    """The one place scope is enforced (``scope.Scope``): every request the spider or any
    middleware makes passes here, and so does every redirect target (a redirect is a new
    request). An out-of-scope request is counted, logged, written to WARC as a metadata
    record and never fetched. Requests for reports and attachments (``scope_grant`` in
    their meta, kept across redirects) may bring their host into scope."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.allow_nets = crawler.settings.getlist("NIANBAO_SCOPE_ALLOW_NETS")
        self.scope: Scope | None = None
        self.resolved: dict[str, bool] = {}  # host name → resolves to a special address

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _scope(self) -> Scope:
        if self.scope is None:
            spider = self.crawler.spider
            urls = getattr(spider, "scope_urls", None) or getattr(spider, "start_urls", [])
            self.scope = Scope(urls, self.allow_nets)
        return self.scope

    async def _resolves_special(self, url: str) -> bool:
        parsed = host_port(url)
        if parsed is None:
            return False
        host, port = parsed[1], parsed[2]
        if host not in self.resolved:
            try:
                infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM), 10)
                self.resolved[host] = any(special_address(i[4][0]) for i in infos)
            except (TimeoutError, OSError):
                self.resolved[host] = False  # unresolvable: the fetch itself will fail
        return self.resolved[host]

    async def process_request(self, request: Request):
        scope = self._scope()
        grant = bool(request.meta.get("scope_grant"))
        if grant and scope.needs_resolution(request.url) and await self._resolves_special(request.url):
            reason = "host name resolves to a private or loopback address"
        else:
            reason = scope.check(request.url, grant=grant)
        if reason is None:
            return None
        portal = request.meta.get("portal") or "-"
        self.crawler.stats.inc_value(f"nianbao/out_of_scope/{portal}")
        via = request.meta.get("redirect_urls")
        detail = f"out of scope ({reason})" + (f", redirected from {via[-1]}" if via else "")
        raise flag(self.crawler, request, "out_of_scope", detail)


class HostGateMiddleware:
    """At most one request in flight per host, ``max(DOWNLOAD_DELAY, Crawl-delay)`` apart.

    It sits last before the download handler (priority 990), so what it lets through is
    what goes on the wire; robots.txt fetches pass it too, and their ``Crawl-delay`` for
    our user agent is read here. Requests waiting at the gate are shown to the scheduler
    as the host's active downloads, so a downloader-aware queue serves other hosts first.
    """

    META = "_host_gate"

    def __init__(self, crawler, gate: HostGate):
        self.crawler = crawler
        self.gate = gate
        self.max_crawl_delay = crawler.settings.getfloat("NIANBAO_MAX_CRAWL_DELAY", 60.0)
        self.agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get(
            "USER_AGENT", "")
        self.too_slow: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.utils.misc import load_object

        gate_cls = load_object(crawler.settings.get("NIANBAO_HOST_GATE") or HostGate)
        if hasattr(gate_cls, "from_crawler"):  # a shared gate (Redis) reads its own settings
            gate = gate_cls.from_crawler(crawler)
        else:
            gate = gate_cls(crawler.settings.getfloat("DOWNLOAD_DELAY"))
        return cls(crawler, gate)

    def _slot(self, request: Request):
        engine = getattr(self.crawler, "engine", None)
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return None
        return downloader.slots.get(downloader.get_slot_key(request))

    async def process_request(self, request: Request):
        host = urlparse_cached(request).hostname or ""
        if host in self.too_slow:
            raise flag(self.crawler, request, "crawl_delay",
                       f"robots.txt asks {self.too_slow[host]:g} s between requests "
                       f"(more than NIANBAO_MAX_CRAWL_DELAY = {self.max_crawl_delay:g})")
        slot = self._slot(request)
        if slot is not None:
            slot.active.add(request)
        try:
            await self.gate.acquire(host)
        finally:
            if slot is not None:
                slot.active.discard(request)
        request.meta[self.META] = host
        return None

    def _release(self, request: Request) -> None:
        host = request.meta.pop(self.META, None)
        if host is not None:
            self.gate.release(host)

    def process_response(self, request: Request, response: Response):
        self._release(request)
        if urlparse_cached(request).path == "/robots.txt" and response.status == 200:
            self._crawl_delay(request, response)
        return response

    def process_exception(self, request: Request, exception: Exception):
        self._release(request)
        return None

    def _crawl_delay(self, request: Request, response: Response) -> None:
        from protego import Protego

        try:
            robots = Protego.parse(response.body.decode("utf-8", "replace")[:512 * 1024])
            delay = robots.crawl_delay(self.agent.split("/")[0] or "*")
        except Exception:  # unreadable robots.txt: Scrapy's robots middleware decides
            return
        if not delay:
            return
        host = urlparse_cached(request).hostname or ""
        if delay > self.max_crawl_delay:
            self.too_slow[host] = float(delay)
            return
        self.gate.set_delay(host, float(delay))
        self.crawler.stats.max_value("nianbao/crawl_delay_max", float(delay))
        logger.info("Crawl-delay %s s for %s (robots.txt)", delay, host)


class _LoopFlagging:
    """Redirect loops and over-long chains are flagged (counted, logged, in WARC), never
    silent: Scrapy would drop the first quietly (dupe filter) and the second at debug."""

    def _redirect(self, redirected: Request, request: Request, reason):
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            raise flag(self.crawler, request, "redirect_loop",
                       f"redirect loop back to {redirected.url} after {len(chain)} hop(s)")
        if len(chain) > self.max_redirect_times:
            raise flag(self.crawler, request, "redirect_limit",
                       f"more than {self.max_redirect_times} redirects (next: {redirected.url})")
        return super()._redirect(redirected, request, reason)


class FlaggingRedirectMiddleware(_LoopFlagging, RedirectMiddleware):
    """Scrapy's 3xx handling, with loops and over-long chains flagged."""


class FlaggingMetaRefreshMiddleware(_LoopFlagging, MetaRefreshMiddleware):
    """Scrapy's ``<meta http-equiv=refresh>`` handling, with loops and long chains flagged."""


def with_body(response: Response, body: bytes, cls: type[Response] | None = None,
              **changes) -> Response:
    """``response`` with another body. Not ``Response.replace``: that reads every
    attribute, and a TextResponse's ``encoding`` is inferred by decoding the whole body."""
    kwargs = {name: getattr(response, name) for name in Response.attributes}
    kwargs.update(changes, body=body)
    return (cls or type(response))(**kwargs)


class InflateMiddleware:
    """Content-Encoding undone by the bounded streaming inflater (``parsers.limits``),
    in place of Scrapy's HttpCompressionMiddleware, which inflates up to DOWNLOAD_MAXSIZE
    in memory and copies the result.

    The WARC record already holds the body as it came off the wire (the WARC middleware
    sits nearer the downloader). The body is inflated within the limits ingest applies
    (``NIANBAO_INFLATE_MAX_BYTES``, ``MAX_INFLATE_RATIO``), so both give one verdict, but
    only the first ``NIANBAO_MAX_LINK_BYTES`` are held: that is all the spider reads. A
    bomb or an over-large body goes no further (flagged, counted; ingest flags its
    capture); a truncated or corrupt one goes on with what came out, flagged.
    """

    def __init__(self, crawler, max_bytes: int, keep: int):
        self.crawler = crawler
        self.max_bytes, self.keep = max_bytes, keep
        self.accept = ", ".join(supported_codings()).encode()

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(crawler, settings.getint("NIANBAO_INFLATE_MAX_BYTES", MAX_PARSE_BYTES),
                   settings.getint("NIANBAO_MAX_LINK_BYTES", MAX_LINK_BYTES))

    def process_request(self, request: Request):
        request.headers.setdefault("Accept-Encoding", self.accept)
        return None

    def process_response(self, request: Request, response: Response):
        coding = b", ".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
        if request.method == "HEAD" or not coding:
            return response
        inflated = inflate(response.body, coding, self.max_bytes, keep=self.keep)
        stats = self.crawler.stats
        if inflated.outcome:
            stats.inc_value(f"nianbao/flag_kind/{inflated.outcome}")
            stats.inc_value(f"nianbao/flagged/{request.meta.get('portal') or '-'}")
            logger.warning("%s: %s — %s (archived as received, not read)",
                           inflated.outcome, response.url, inflated.problem)
            raise Flagged(inflated.outcome, inflated.problem or "")
        if inflated.problem and inflated.problem.startswith("unsupported"):
            logger.warning("%s: %s (archived as received)", inflated.problem, response.url)
            return response
        flags = list(response.flags)
        if inflated.problem:  # truncated or corrupt: what came out is read all the same
            kind = inflated.problem.split(":")[0]
            stats.inc_value(f"nianbao/flag_kind/{kind}")
            logger.warning("%s: %s — %s", kind, response.url, inflated.problem)
            flags.append(kind)
        if inflated.cut:
            flags.append("body_cut")
        headers = response.headers.copy()
        del headers["Content-Encoding"]
        cls = responsetypes.from_args(headers=headers, url=response.url,
                                      body=inflated.data[:5000])
        return with_body(response, inflated.data, cls=cls, headers=headers, flags=flags)


class BodyCapMiddleware:
    """The spider reads at most ``NIANBAO_MAX_LINK_BYTES`` of a body (the first ones):
    a 60 MiB page decoded and made a tree costs about a gigabyte, and a page's links are
    near its start. The whole body is in WARC, and ingest reads it within its own limits."""

    def __init__(self, crawler, keep: int):
        self.crawler = crawler
        self.keep = keep

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getint("NIANBAO_MAX_LINK_BYTES", MAX_LINK_BYTES))

    def process_response(self, request: Request, response: Response):
        if len(response.body) <= self.keep:
            if "body_cut" in response.flags:  # cut while inflated
                self._cut(response, None)
            return response
        cut = with_body(response, response.body[:self.keep], flags=[*response.flags, "body_cut"])
        self._cut(cut, len(response.body))
        return cut

    def _cut(self, response: Response, size: int | None) -> None:
        self.crawler.stats.inc_value("nianbao/body_cut")
        logger.info("%s: links read from its first %d bytes only (of %s)", response.url,
                    self.keep, f"{size} bytes" if size else "more, once inflated")
