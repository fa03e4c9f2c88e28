"""Run a crawl from Python (the CLI's ``nianbao crawl`` and ``nianbao demo`` use this).

>>> # run_crawl(Path("data"), portals=["pingtan"])
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from .extensions import per_portal


class CrawlLocked(RuntimeError):
    """Another crawl is writing to the same data directory."""


@dataclass
class CrawlResult:
    stats: dict = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    ingest: object | None = None

    @property
    def portals(self) -> dict[str, dict[str, int]]:
        return per_portal(self.stats)


@contextmanager
def crawl_lock(data: Path):
    """One crawl per data directory at a time (cron or timers may overlap)."""
    data.mkdir(parents=True, exist_ok=True)
    with open(data / ".crawl.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise CrawlLocked(f"another crawl holds {data / '.crawl.lock'}") from exc
        fh.write(str(os.getpid()))
        fh.flush()
        yield


def crawl_settings(data: Path, db: Path | None, overrides: dict[str, str],
                   project: dict | None = None) -> Settings:
    """Defaults (``crawler/settings.py``) < ``project`` (the user's crawl.toml and portal
    registry, as ``NIANBAO_PORTALS``) < ``overrides`` (``-s NAME=VALUE``)."""
    settings = Settings()
    settings.setmodule("nianbao.crawler.settings", priority="project")
    settings.update(project or {}, priority="project")
    settings.set("NIANBAO_DATA", str(data), priority="cmdline")
    if db:
        settings.set("NIANBAO_DB", str(db), priority="cmdline")
    settings.update(overrides, priority="cmdline")
    if settings.getpriority("USER_AGENT") <= settings.getpriority("NIANBAO_CONTACT"):
        settings.set("USER_AGENT", user_agent(settings.get("NIANBAO_CONTACT")),
                     priority=settings.getpriority("NIANBAO_CONTACT"))
    return settings


def user_agent(contact: str) -> str:
    """An honest User-Agent: who we are and how a portal's operator can reach us."""
    from importlib.metadata import version

    return f"nianbao/{version('nianbao')} (+{contact}; archival crawler of OGI annual reports)"


def run_crawl(data: Path, portals: list[str] | None = None, start_urls: list[str] | None = None,
              db: Path | None = None, overrides: dict[str, str] | None = None,
              project: dict | None = None) -> CrawlResult:
    """Crawl, write WARC files under ``data/warc`` and ingest them into the database.

    ``project`` holds the user's settings (crawl.toml's Scrapy settings and the portal
    registry as ``NIANBAO_PORTALS``); unknown portal names raise ``UnknownPortal`` before
    anything is fetched."""
    from .spiders.portal import PortalSpider, targets

    settings = crawl_settings(Path(data), db, overrides or {}, project)
    targets(settings.getdict("NIANBAO_PORTALS"), portals or [], start_urls or [])
    with crawl_lock(Path(data)):
        settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(PortalSpider)
        process.crawl(crawler, portals=",".join(portals or []),
                      start_urls=",".join(start_urls or []))
        process.start()
    ext = getattr(crawler, "nianbao", None)
    return CrawlResult(stats=crawler.stats.get_stats(), failed=list(crawler.spider.failed),
                       ingest=ext.result if ext else None)
