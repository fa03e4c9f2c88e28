"""Ingest at the end of a crawl, through the same code path as ``nianbao rebuild``,
and keep a row per portal in ``crawl_runs`` so Datasette shows crawl history."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path

from scrapy import signals

from ..archive import db_path, warc_dir
from ..archive.db import open_db
from ..archive.ingest import Ingestor
from ..archive.warcstore import now_iso

logger = logging.getLogger(__name__)


def per_portal(stats: dict) -> dict[str, dict[str, int]]:
    """``nianbao/<what>/<portal>`` counters regrouped by portal."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, value in stats.items():
        parts = key.split("/", 2)
        if len(parts) == 3 and parts[0] == "nianbao" and parts[1] in (
                "pages", "report_pages", "attachments", "blocked", "errors", "moved", "dead",
                "out_of_scope", "flagged", "bad_list", "list_capped"):
            table[parts[2]][parts[1]] += value
    return table


class IngestOnClose:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.data = Path(settings.get("NIANBAO_DATA", "data"))
        self.db = db_path(self.data, settings.get("NIANBAO_DB") or None)
        self.started = now_iso()
        self.result = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.nianbao = ext
        return ext

    def spider_closed(self, spider, reason):
        if not self.crawler.settings.getbool("NIANBAO_INGEST", True):
            return  # WARC only (benchmarks, or ingest left to a central `nianbao ingest`)
        db = open_db(self.db)
        ingestor = Ingestor(db, self.crawler.settings.getdict("NIANBAO_PORTALS"))
        self.result = ingestor.ingest_warcs(warc_dir(self.data))
        record_runs(db, self.crawler.stats.get_stats(), self.started, reason)
        db.conn.close()
        logger.info("ingested %s new captures", self.result.captures)


def record_runs(db, stats: dict, started: str, reason: str = "finished",
                crawl: str | None = None) -> int | None:
    """A ``crawl_runs`` row per portal from a crawl's stats; a distributed crawl (``crawl``
    its id) is recorded once however often its files are ingested. Returns the rows added
    (None: that crawl was recorded already)."""
    if crawl and db["crawl_runs"].exists() and db["crawl_runs"].count_where(
            "json_extract(detail, '$.crawl') = ?", [crawl]):
        return None
    finished, rows = now_iso(), 0
    extra = {"distributed": True, "crawl": crawl} if crawl else {}
    for portal, counts in sorted(per_portal(stats).items()):
        reports = db["reports"].count_where("portal = ?", [portal]) if portal else 0
        db["crawl_runs"].insert({
            "started": started, "finished": finished, "portal": portal,
            "pages": counts["pages"] + counts["report_pages"] + counts["attachments"],
            "reports": reports, "blocked": counts["blocked"], "errors": counts["errors"],
            "bytes": stats.get("nianbao/bytes", 0),
            "detail": json.dumps({"reason": reason, **extra, **counts}, ensure_ascii=False),
        })
        rows += 1
    return rows


class LiveProgress:
    """Live counts per portal on the terminal while a crawl runs (``NIANBAO_PROGRESS``)."""

    def __init__(self, crawler):
        from rich.console import Console
        from rich.live import Live

        self.crawler = crawler
        self.console = Console(stderr=True)
        self.live = Live(self._table(), console=self.console, refresh_per_second=4, transient=True)

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.getbool("NIANBAO_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.update, signal=signals.response_received)
        crawler.signals.connect(ext.update, signal=signals.item_scraped)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def _table(self):
        from rich.table import Table

        table = Table(title="crawling", expand=False)
        for col in ("portal", "pages", "report pages", "attachments", "blocked", "errors"):
            table.add_column(col, justify="right" if col != "portal" else "left")
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        for portal, c in sorted(per_portal(stats).items()):
            table.add_row(portal, *(str(c[k]) for k in
                                    ("pages", "report_pages", "attachments", "blocked", "errors")))
        return table

    def opened(self, spider):
        self.live.start()

    def update(self, *args, **kwargs):
        self.live.update(self._table())

    def closed(self, spider, reason):
        self.live.stop()
