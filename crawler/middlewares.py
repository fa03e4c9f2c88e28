"""Downloader middlewares for politeness and blocks. Each does one thing."""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from ..parsers.antibot import classify_block

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
        body = response.body
        encoding = headers.get("Content-Encoding", "").lower()
        if encoding and body[:2] == b"\x1f\x8b":  # still compressed at this depth
            import gzip

            try:
                body = gzip.decompress(body)
            except OSError:
                pass
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
