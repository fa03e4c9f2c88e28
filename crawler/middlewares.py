"""Downloader middlewares for politeness and blocks. Each does one thing."""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from parsers.antibot import classify_block

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
