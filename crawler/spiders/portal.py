"""One spider for every portal family: from a column page or a homepage to the reports.

    scrapy crawl portal -a portals=pingtan
    scrapy crawl portal -a start_urls=http://127.0.0.1:8000/
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import lxml.html
import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from ...archive import db_path
from ...archive.queries import known_attachments, known_reports
from ...parsers.report import looks_like_report_title
from .. import cms
from ..links import (
    classify_links,
    column_articles,
    is_attachment,
    is_report_column,
    may_link_files,
    pagination,
)

logger = logging.getLogger(__name__)
# Report pages and attachments are asked "changed since?"; 304 reaches the callback.
CONDITIONAL = {"conditional": True, "handle_httpstatus_list": [304]}


class UnknownPortal(ValueError):
    """A portal name that the registry does not have."""


def targets(registry: dict[str, dict], names: list[str],
            start_urls: list[str]) -> list[tuple[str, str]]:
    """``[(start url, portal name)]``; a bare start URL's portal is its host."""
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise UnknownPortal(f"unknown portal(s): {', '.join(unknown)}; "
                            f"known: {', '.join(sorted(registry)) or 'none'}")
    found = [(url, name) for name in names for url in registry[name]["start_urls"]]
    return found + [(url, urlsplit(url).netloc) for url in start_urls]


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, portals: str = "", start_urls: str = "", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.portal_names = [n for n in portals.split(",") if n]
        self.start_list = [u for u in start_urls.split(",") if u]
        self.targets: list[tuple[str, str]] = []
        self.failed: list[str] = []
        self.attachments: dict[str, list[str]] = {}
        self.known: list[str] = []
        self.max_hops = 4

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.targets = targets(crawler.settings.getdict("NIANBAO_PORTALS"),
                                 spider.portal_names, spider.start_list)
        data = crawler.settings.get("NIANBAO_DATA", "data")
        path = db_path(data, crawler.settings.get("NIANBAO_DB") or None)
        spider.attachments = known_attachments(path)
        spider.known = known_reports(path)
        spider.max_hops = crawler.settings.getint("NIANBAO_COLUMN_HOPS", 4)
        return spider

    async def start(self):
        for url, portal in self.targets:
            yield scrapy.Request(url, callback=self.parse, errback=self.failure,
                                 meta={"portal": portal, "start": True})
        # Reports archived before are checked again even if no list links to them any more:
        # that is how a report removed upstream is noticed.
        hosts = {urlsplit(url).netloc: portal for url, portal in self.targets}
        for url in self.known:
            if urlsplit(url).netloc in hosts:
                yield scrapy.Request(url, self.parse_report, errback=self.failure, priority=-10,
                                     meta={"portal": hosts[urlsplit(url).netloc], **CONDITIONAL})

    def _tree(self, response):
        if not hasattr(response, "text"):
            return None
        try:
            return lxml.html.fromstring(response.text or "<html/>")
        except Exception:  # a list page we cannot read is still archived
            return None

    def parse(self, response):
        """A column, list or home page (or a CMS list API answer): follow reports,
        further list pages and sub-columns."""
        portal = response.meta.get("portal")
        hops = response.meta.get("hops", 0)  # column links followed from the start page
        meta = {"portal": portal, "hops": hops}
        self.crawler.stats.inc_value(f"nianbao/pages/{portal}")
        kind = response.meta.get("list_kind", "html")
        if kind == "gkmlpt_json":
            links, more = cms.gkmlpt_articles(response.text, response.url)
            yield from self._follow_titles(response, links, meta)
            yield from (self._list_request(r, meta) for r in more)
            return
        if kind == "hanweb_xml":
            yield from self._follow_titles(response, cms.hanweb_records(response.text, response.url), meta)
            return
        tree = self._tree(response)
        if tree is None:
            return
        for url in pagination(tree, response.text, response.url):
            # list pages first: the queue then always holds reports to fetch in parallel
            yield response.follow(url, self.parse, meta=meta, errback=self.failure, priority=1)
        for request in (*cms.hanweb_groups(response.text, response.url),
                        *cms.xxgk_pages(response.text, response.url),
                        *cms.gkmlpt_api(response.text, response.url)):
            yield self._list_request(request, meta)
        yield from self._follow_titles(response, cms.hanweb_records(response.text, response.url), meta)
        if is_report_column(tree):
            for link in column_articles(tree, response.url):
                yield response.follow(link.url, self.parse_report, errback=self.failure,
                                      meta={**meta, "title": link.text, **CONDITIONAL})
        for link in classify_links(tree, response.url):
            if link.kind == "report":
                yield response.follow(link.url, self.parse_report, errback=self.failure,
                                      meta={**meta, "title": link.text, **CONDITIONAL})
            elif link.kind == "attachment" and looks_like_report_title(link.text):
                yield response.follow(link.url, self.parse_attachment, errback=self.failure,
                                      meta={**meta, "title": link.text, **CONDITIONAL})
            elif link.kind == "column" and hops < self.max_hops:
                yield response.follow(link.url, self.parse, errback=self.failure,
                                      meta={**meta, "hops": hops + 1})

    def _follow_titles(self, response, links, meta):
        """Links given as (url, title) by a CMS list: reports (pages or files) only."""
        for url, title in links:
            if not looks_like_report_title(title):
                continue
            callback = self.parse_attachment if is_attachment(url) else self.parse_report
            yield scrapy.Request(url, callback, errback=self.failure,
                                 meta={**meta, "title": title, **CONDITIONAL},
                                 headers={"Referer": response.url})

    def _list_request(self, request: cms.ListRequest, meta):
        meta = {**meta, "list_kind": request.kind}
        if request.method == "POST":
            return scrapy.FormRequest(request.url, formdata=request.form, callback=self.parse,
                                      errback=self.failure, meta=meta, priority=1)
        return scrapy.Request(request.url, self.parse, errback=self.failure, meta=meta, priority=1)

    def parse_report(self, response):
        """A report page: its attachments are fetched too; the page itself is in WARC."""
        portal = response.meta.get("portal")
        self.crawler.stats.inc_value(f"nianbao/report_pages/{portal}")
        meta = {"portal": portal, **CONDITIONAL}
        if response.status == 304:  # unchanged: its attachments are the ones seen before
            for url in self.attachments.get(response.url, []):
                yield scrapy.Request(url, self.parse_attachment, errback=self.failure,
                                     meta=meta, headers={"Referer": response.url})
            return
        if not may_link_files(response.body):
            return  # no attachment can be linked from this page: spare the tree
        tree = self._tree(response)
        if tree is None:
            return
        for link in classify_links(tree, response.url):
            if link.kind == "attachment":
                yield response.follow(link.url, self.parse_attachment, errback=self.failure,
                                      meta={**meta, "title": link.text})

    def parse_attachment(self, response):
        portal = response.meta.get("portal")
        if response.status == 304:
            self.crawler.stats.inc_value(f"nianbao/unchanged/{portal}")
        self.crawler.stats.inc_value(f"nianbao/attachments/{portal}")
        yield {"portal": portal, "url": response.url, "title": response.meta.get("title"),
               "attachment": True}

    def failure(self, failure):
        request = failure.request
        portal = request.meta.get("portal") or "-"
        if failure.check(HttpError):
            status = failure.value.response.status
            message = f"HTTP {status}"
            if status in (404, 410):  # gone: archived, and the report marked removed
                self.crawler.stats.inc_value(f"nianbao/gone/{portal}")
                logger.warning("gone: %s (HTTP %s)", request.url, status)
                return
        else:
            message = re.sub(r"\s+", " ", failure.getErrorMessage())[:200]
        if "IgnoreRequest" in repr(failure.type) or "Ignore" in failure.type.__name__:
            return  # robots.txt or a detected block: already counted
        self.crawler.stats.inc_value(f"nianbao/errors/{portal}")
        self.failed.append(f"{request.url}: {message}")
        logger.error("fetch failed: %s — %s", request.url, message)
