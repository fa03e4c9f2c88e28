"""Downloader middleware writing every HTTP exchange (and every failed fetch) to WARC.

It sits next to the downloader (priority 950), so it sees each response as it came off
the wire: before decompression, before redirects are followed, every retry included.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

from scrapy import signals
from scrapy.http import Request, Response

from ..archive.warcstore import NIANBAO_PORTAL, RotatingWarcWriter


def _headers(headers) -> list[tuple[str, str]]:
    out = []
    for key, values in headers.items():
        for value in values:
            out.append((key.decode("latin-1"), value.decode("latin-1")))
    return out


class WarcWriterMiddleware:
    def __init__(self, directory: Path, max_size: int, crawler):
        self.writer = RotatingWarcWriter(
            directory, max_size=max_size,
            info={"operator": crawler.settings.get("NIANBAO_CONTACT", ""),
                  "http-header-user-agent": crawler.settings.get("USER_AGENT", "")})
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        data = Path(crawler.settings.get("NIANBAO_DATA", "data"))
        mw = cls(data / "warc", crawler.settings.getint("WARC_MAX_SIZE", 100 * 2**20), crawler)
        crawler.signals.connect(mw.close, signal=signals.spider_closed)
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

    def process_exception(self, request: Request, exception: Exception):
        self.writer.write_error(request.url, f"{type(exception).__name__}: {exception}",
                                self._extra(request))
        self.stats.inc_value("nianbao/warc_records")
        return None

    def close(self, spider=None) -> None:
        self.writer.close()
