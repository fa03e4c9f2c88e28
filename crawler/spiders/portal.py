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
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from ...archive import db_path
from ...archive.queries import known_attachments, known_reports
from ...parsers.report import looks_like_report_title
from .. import cms
from ..links import (
    classify_links,
    column_articles,
    cut_short_report,
    department_columns,
    frames,
    is_attachment,
    is_disclosure_page,
    is_report_column,
    is_year_column,
    may_link_files,
    names_other_document,
    page_count,
    pagination,
    unnamed_columns,
)
from ..warc import Flagged

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


_REPORT_COLUMN = re.compile(r"年报|年度报告")
# cheap look at a report page's bytes: could it be a list of reports after all?
_WORDS = b"|".join(w.encode(enc) for w in ("年报", "年度报告", "年度報告") for enc in ("utf-8", "gbk"))
_LIST_HINT = re.compile(b"(" + _WORDS + b").{0,400}?(" + _WORDS + b")", re.S)


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
        self.max_list_pages = 100
        self.max_other_pages = 30
        self.list_seen: dict[str, set[str]] = {}  # column → list requests made for it
        self.capped: set[str] = set()
        self.start_failed: dict[str, set[str]] = {}

    @property
    def scope_urls(self) -> list[str]:
        """What ``ScopeMiddleware`` takes as the crawl's own hosts."""
        return [url for url, _ in self.targets]

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
        spider.max_list_pages = crawler.settings.getint("NIANBAO_MAX_LIST_PAGES", 100)
        spider.max_other_pages = crawler.settings.getint("NIANBAO_MAX_OTHER_LIST_PAGES", 30)
        return spider

    async def start(self):
        for url, portal in self.targets:
            yield scrapy.Request(url, callback=self.parse, errback=self.failure,
                                 meta={"portal": portal, "start": True, "column": url,
                                       "scope_grant": True})
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

    # -- list pages ----------------------------------------------------------------

    def parse(self, response):
        """A column, list or home page (or a CMS list API answer): follow reports,
        further list pages and sub-columns."""
        portal = response.meta.get("portal")
        hops = response.meta.get("hops", 0)  # column links followed from the start page
        meta = {"portal": portal, "hops": hops,
                "column": response.meta.get("column") or response.url,
                "report_list": response.meta.get("report_list", False)}
        self.crawler.stats.inc_value(f"nianbao/pages/{portal}")
        kind = response.meta.get("list_kind", "html")
        # links in an API answer are relative to the page whose script asked for it
        meta["page_url"] = (response.meta.get("page_url") if kind != "html" else None) or response.url
        if kind == "json":
            yield from self._parse_json(response, meta)
            return
        if kind == "api":
            yield from self._parse_api(response, meta)
            return
        if kind == "hanweb_xml":
            yield from self._parse_hanweb(response, meta)
            return
        if not hasattr(response, "text"):
            return
        tree = self._tree(response)
        if tree is None:
            return
        text, url = response.text, response.url
        links = classify_links(tree, url, everything=True)
        if is_report_column(tree) or any(link.kind == "report" for link in links):
            meta["report_list"] = True
        if "<script" in text.lower() and (detail := cms.detail_template(text)):
            meta["detail_template"] = detail  # id-only items of its JSON lists (in meta: any worker may read them)
        for request in (*cms.hanweb_groups(text, url), *cms.xxgk_pages(text, url),
                        *cms.gkmlpt_api(text, url), *cms.annual_report_module(text, url),
                        *cms.script_endpoints(text, url)):
            yield from self._list_request(request, meta, response)
        yield from self._follow_titles(response, cms.hanweb_records(text, url, dated=True), meta)
        if not meta["report_list"] and response.meta.get("disclosure"):
            # a list of everything (公开目录, 文件资料): cut-short report titles, and its pages
            others = [link for link in links if link.kind == "other"]
            named = [link for link in others
                     if cut_short_report(link.text, strict=True, date=link.date, guess=False)]
            # a list that visibly carries reports: its body-and-year cuts in season too
            for link in others if named else ():
                if link not in named and cut_short_report(link.text, strict=True, date=link.date):
                    named.append(link)
            for link in named:
                yield self._report(response, link.url, link.text, meta)
            for page in pagination(tree, text, url):
                yield from self._list_request(cms.ListRequest(page), {**meta, "disclosure": True},
                                              response, limit=self.max_other_pages)
        if meta["report_list"]:
            articles = column_articles(tree, url)
            # a further page that lists nothing ends its list's walk (a claimed 10,000 pages)
            if not response.meta.get("paged") or articles or any(
                    link.kind == "report" for link in links):
                for page in pagination(tree, text, url):
                    yield from self._list_request(cms.ListRequest(page), {**meta, "paged": True},
                                                  response)
            for link in articles:
                yield self._report(response, link.url, link.text, meta)
            if hops < self.max_hops:  # a province page listing its departments' 年报 columns
                for target in department_columns(tree, url):
                    yield response.follow(target, self.parse, errback=self.failure, meta={
                        **meta, "hops": hops + 1, "column": target, "scope_grant": True,
                        "disclosure": True})
        for link in links:
            if link.kind == "report":
                yield self._report(response, link.url, link.text, meta)
            elif link.kind == "attachment" and looks_like_report_title(link.text):
                yield self._report(response, link.url, link.text, meta)
            elif link.kind == "column" and hops < self.max_hops:
                yield response.follow(link.url, self.parse, errback=self.failure, meta={
                    **meta, "hops": hops + 1, "column": link.url, "disclosure": True,
                    "report_list": bool(_REPORT_COLUMN.search(link.text))
                    or (meta["report_list"] and is_year_column(link))})
        if hops < self.max_hops:
            # frames of a frameset homepage; on disclosure pages, columns linked without a
            # name (an image, 更多, more+) — the column page's own meta tags will tell
            explore = frames(tree, url)
            disclosure = bool(response.meta.get("disclosure")) or is_disclosure_page(tree)
            explore += unnamed_columns(tree, url, short_names=disclosure and hops > 0)
            for target in explore:
                yield response.follow(target, self.parse, errback=self.failure, priority=-1,
                                      meta={**meta, "hops": hops + 1, "column": target,
                                            "report_list": False, "disclosure": disclosure})

    def _parse_json(self, response, meta):
        try:
            data = cms.load_json(response.text)
        except (cms.BadList, AttributeError) as exc:
            self._bad_list(response, str(exc) or "not text")
            if not response.meta.get("bad_retry"):  # a passing fault: asked once more
                yield response.request.replace(dont_filter=True,
                                               meta={**response.meta, "bad_retry": True})
            return
        # id-only items: the page named in the list's script how their pages are built
        detail = (response.meta.get("paging") or {}).get("detail")
        detail = detail or response.meta.get("detail_template")
        links = cms.json_links(data, meta["page_url"], detail)
        yield from self._follow_titles(response, links, meta)
        yield from self._more_api_pages(response, meta, cms.json_page_total(data, len(links)))

    def _parse_api(self, response, meta):
        """A list endpoint named by a script: JSON, a Hanweb datastore or an HTML fragment."""
        text = getattr(response, "text", None)
        if text is None:
            self._bad_list(response, "not text")
            return
        head = text.lstrip()[:1]
        if head in ("{", "[") or re.match(r"^\s*[\w$.]+\s*\(\s*[{\[]", text):
            yield from self._parse_json(response, meta)
            return
        if "<record" in text.lower():
            yield from self._follow_titles(
                response, cms.hanweb_records(text, response.url, dated=True), meta)
        tree = self._tree(response)
        if tree is not None:
            links = classify_links(tree, meta["page_url"], everything=True)
            for link in links:
                if link.kind in ("report", "attachment") and looks_like_report_title(link.text):
                    yield self._report(response, link.url, link.text, meta)
                elif link.kind == "other" and meta.get("report_list") and cut_short_report(
                        link.text, date=link.date):
                    yield self._report(response, link.url, link.text, meta)
            # a script pager (onclick="searchsubmit(6)") names the pages to ask
            paging = response.meta.get("paging") or {}
            for request in cms.api_pages(response.url, response.request.method,
                                         response.meta.get("form") or {}, paging,
                                         cms.onclick_pages(tree)):
                yield from self._list_request(request, meta, response)
        yield from self._more_api_pages(response, meta, page_count(text))

    def _more_api_pages(self, response, meta, total: int | None):
        """From the first page of an API list, its other pages (capped per column)."""
        paging = response.meta.get("paging") or {}
        form = response.meta.get("form") or {}
        if total and total > 1 and cms.is_first_page(response.url, form, paging):
            for request in cms.next_json_pages(response.url, response.request.method, form,
                                               paging, total):
                yield from self._list_request(request, meta, response)

    def _parse_hanweb(self, response, meta):
        text = getattr(response, "text", "")
        records = cms.hanweb_records(text, response.url, dated=True)
        problem = cms.xml_problem(text)
        if problem:
            self._bad_list(response, problem)
            fallback = response.meta.get("get_fallback")
            if not records and fallback:  # a proxy that wants GET: ask once more
                yield from self._list_request(cms.ListRequest(**fallback), meta, response)
        yield from self._follow_titles(response, records, meta)
        for request in cms.more_groups(text, response.url, response.meta.get("paging") or {}):
            yield from self._list_request(request, meta, response)

    def _bad_list(self, response, problem: str) -> None:
        portal = response.meta.get("portal") or "-"
        self.crawler.stats.inc_value(f"nianbao/bad_list/{portal}")
        logger.warning("bad list answer: %s — %s (archived, not read)", response.url, problem)

    def _list_request(self, request: cms.ListRequest, meta, response, limit: int | None = None):
        """One more page of a column's list, unless the column has had its share
        (``NIANBAO_MAX_LIST_PAGES``): a list claiming 10,000 pages stops there, flagged."""
        column = meta["column"]
        key = f"{request.method} {request.url} {sorted(request.form.items())}"
        seen = self.list_seen.setdefault(column, set())
        # A list request already made is made again, for the dupefilter to drop: a worker
        # killed after noting it, before queueing it, must not lose it (the page is re-read).
        if key not in seen and len(seen) >= (limit or self.max_list_pages):
            if column not in self.capped:
                self.capped.add(column)
                portal = meta.get("portal") or "-"
                self.crawler.stats.inc_value(f"nianbao/list_capped/{portal}")
                logger.warning("list pages capped: %s has more than %s pages "
                               "(NIANBAO_MAX_LIST_PAGES); the rest not read", column,
                               self.max_list_pages)
            return
        seen.add(key)
        meta = {**meta, "list_kind": request.kind, "report_list": True,
                "paging": request.paging, "form": request.form,
                "page_url": meta.get("page_url") or response.url}
        fallback = cms.hanweb_get_fallback(request)
        if fallback:
            meta["get_fallback"] = {"url": fallback.url, "method": "GET", "kind": fallback.kind,
                                    "paging": fallback.paging}
        headers = {"Referer": response.url}
        if request.method == "POST":
            # fields in one order, so one list page has one fingerprint however it was found
            yield scrapy.FormRequest(request.url, formdata=dict(sorted(request.form.items())),
                                     callback=self.parse,
                                     errback=self.failure, meta=meta, priority=1, headers=headers)
        else:
            # list pages first: the queue then always holds reports to fetch in parallel
            yield scrapy.Request(request.url, self.parse, errback=self.failure, meta=meta,
                                 priority=1, headers=headers)

    def _report(self, response, url: str, title: str, meta):
        """A report page or attachment; its host may enter scope (``scope_grant``)."""
        callback = self.parse_attachment if is_attachment(url) else self.parse_report
        return scrapy.Request(url, callback, errback=self.failure, headers={"Referer": response.url},
                              meta={"portal": meta["portal"], "title": title, "scope_grant": True,
                                    **CONDITIONAL})

    def _follow_titles(self, response, links, meta):
        """Links given as (url, title) or (url, title, listed date) by a CMS list: reports
        (pages or files) only."""
        for url, title, *date in links:
            if looks_like_report_title(title) or (meta.get("report_list") and cut_short_report(
                    title, date=date[0] if date else None)):
                yield self._report(response, url, title, meta)

    # -- reports -------------------------------------------------------------------

    def parse_report(self, response):
        """A report page: its attachments are fetched too; the page itself is in WARC."""
        portal = response.meta.get("portal")
        self.crawler.stats.inc_value(f"nianbao/report_pages/{portal}")
        meta = {"portal": portal, "scope_grant": True, **CONDITIONAL}
        if response.status == 304:  # unchanged: its attachments are the ones seen before
            for url in self.attachments.get(response.url, []):
                yield scrapy.Request(url, self.parse_attachment, errback=self.failure,
                                     meta=meta, headers={"Referer": response.url})
            return
        if _LIST_HINT.search(response.body[:400_000]) and (tree := self._tree(response)) is not None:
            titled = [link for link in classify_links(tree, response.url) if link.kind == "report"]
            if len(titled) >= 2:  # "2015年度政府信息公开年报" may be a year's list: read it so
                response.meta.update({"report_list": True, "hops": self.max_hops - 1,
                                      "column": response.url})
                yield from self.parse(response)
        if not may_link_files(response.body):
            return  # no attachment can be linked from this page: spare the tree
        tree = self._tree(response)
        if tree is None:
            return
        # a page reached by a cut-short title that names another document (绩效自评报告):
        # only attachments that are titled as reports
        guessed = not looks_like_report_title(response.meta.get("title") or "")
        other = guessed and names_other_document(tree)
        for link in classify_links(tree, response.url):
            if link.kind == "attachment" and (not other or looks_like_report_title(link.text)):
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
        if request.meta.get("get_fallback"):  # a Hanweb proxy refusing POST: ask by GET
            meta = {k: v for k, v in request.meta.items() if k in (
                "portal", "hops", "column", "report_list")}
            yield from self._list_request(cms.ListRequest(**request.meta["get_fallback"]),
                                          meta, request)
        if request.meta.get("start") and not failure.check(Flagged):
            self.start_failed.setdefault(portal, set()).add(request.url)
        if failure.check(HttpError):
            status = failure.value.response.status
            message = f"HTTP {status}"
            if status in (404, 410):  # gone: archived, and the report marked removed
                self.crawler.stats.inc_value(f"nianbao/gone/{portal}")
                logger.warning("gone: %s (HTTP %s)", request.url, status)
                return
        else:
            message = re.sub(r"\s+", " ", failure.getErrorMessage())[:200]
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return  # robots.txt, a detected block, a flagged request: already counted
        self.crawler.stats.inc_value(f"nianbao/errors/{portal}")
        self.failed.append(f"{request.url}: {message}")
        logger.error("fetch failed: %s — %s", request.url, message)

    def closed(self, reason):
        """A portal whose start URLs all failed is ``dead``; one whose column failed while
        another start URL (its homepage) answered has ``moved`` (found again from there
        when reports were reached)."""
        starts: dict[str, int] = {}
        for _, portal in self.targets:
            starts[portal] = starts.get(portal, 0) + 1
        for portal, failed in self.start_failed.items():
            if len(failed) >= starts.get(portal, 1):
                self.crawler.stats.set_value(f"nianbao/dead/{portal}", 1)
                logger.warning("portal %s: no start URL answered (dead?)", portal)
            else:
                self.crawler.stats.set_value(f"nianbao/moved/{portal}", 1)
                found = self.crawler.stats.get_value(f"nianbao/report_pages/{portal}", 0)
                logger.warning("portal %s: column %s did not answer; %s", portal,
                               ", ".join(sorted(failed)),
                               f"{found} report page(s) found again from the homepage"
                               if found else "nothing found from the other start URLs")
