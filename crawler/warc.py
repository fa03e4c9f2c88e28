"""Downloader middleware writing every HTTP exchange (and every failed fetch) to WARC.

It sits next to the downloader (priority 950), so it sees each response as it came off
the wire: before decompression, before redirects are followed, every retry included.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from ..archive.warcstore import NIANBAO_PORTAL, ROBOTS_FORBIDDEN, RotatingWarcWriter

logger = logging.getLogger(__name__)
# Signal: a request not fetched on purpose (out of scope, redirect loop, …); the WARC
# writer keeps a metadata record of it, so the archive says what was left out and why.
FLAGGED = object()


class Flagged(IgnoreRequest):
    """A request dropped on purpose, already counted, logged and written to WARC."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


def flag(crawler, request: Request, kind: str, detail: str) -> Flagged:
    """Count, log and archive why ``request`` is not fetched; returns the exception to raise."""
    portal = request.meta.get("portal") or "-"
    crawler.stats.inc_value(f"nianbao/flagged/{portal}")
    crawler.stats.inc_value(f"nianbao/flag_kind/{kind}")
    logger.warning("%s: %s — %s (not fetched)", kind, request.url, detail)
    crawler.signals.send_catch_log(FLAGGED, request=request, kind=kind, detail=detail)
    return Flagged(kind, detail)


def _headers(headers) -> list[tuple[str, str]]:
    out = []
    for key, values in headers.items():
        for value in values:
            out.append((key.decode("latin-1"), value.decode("latin-1")))
    return out


class WarcWriterMiddleware:
    def __init__(self, directory: Path, max_size: int, crawler):
        info = {"operator": crawler.settings.get("NIANBAO_CONTACT", ""),
                "http-header-user-agent": crawler.settings.get("USER_AGENT", "")}
        worker = crawler.settings.get("NIANBAO_WORKER_ID")
        if worker:  # a worker of a shared crawl: its id in the names, `.open` while written
            from .workerwarc import WorkerWarcWriter

            self.writer = WorkerWarcWriter(directory, worker, max_size=max_size, info=info)
        else:
            self.writer = RotatingWarcWriter(directory, max_size=max_size, info=info)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        data = Path(crawler.settings.get("NIANBAO_DATA", "data"))
        mw = cls(data / "warc", crawler.settings.getint("WARC_MAX_SIZE", 100 * 2**20), crawler)
        crawler.signals.connect(mw.close, signal=signals.spider_closed)
        crawler.signals.connect(mw.flagged, signal=FLAGGED)
        return mw

    def _extra(self, request: Request) -> dict[str, str]:
        portal = request.meta.get("portal")
        return {NIANBAO_PORTAL: portal} if portal else {}

    def process_response(self, request: Request, response: Response):
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        truncated = "length" if "dataloss" in response.flags else None
        self.writer.write_exchange(
            response.url, request.method, _headers(request.headers), response.status, reason,
            _headers(response.headers), response.body, self._extra(request), truncated,
            request_body=request.body or b"")
        self.stats.inc_value("nianbao/warc_records", 2)
        self.stats.inc_value("nianbao/bytes", len(response.body))
        return response

    def flagged(self, request: Request, kind: str, detail: str) -> None:
        self.writer.write_error(request.url, f"{kind}: {detail}", self._extra(request))
        self.stats.inc_value("nianbao/warc_records")

    def process_exception(self, request: Request, exception: Exception):
        if isinstance(exception, Flagged):
            return None  # its record is written already
        message = f"{type(exception).__name__}: {exception}"
        if isinstance(exception, IgnoreRequest) and "robots.txt" in str(exception):
            message = ROBOTS_FORBIDDEN  # a decision, not a failure: its own outcome
        self.writer.write_error(request.url, message, self._extra(request))
        self.stats.inc_value("nianbao/warc_records")
        return None

    def close(self, spider=None) -> None:
        self.writer.close()
