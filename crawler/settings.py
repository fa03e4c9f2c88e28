"""Scrapy settings: polite by default. Override per run with ``-s NAME=VALUE`` or in
``settings/crawl.toml``."""

from ..parsers import limits as _limits

BOT_NAME = "nianbao"
SPIDER_MODULES = ["nianbao.crawler.spiders"]
NEWSPIDER_MODULE = "nianbao.crawler.spiders"

NIANBAO_CONTACT = "https://github.com/nianbao/nianbao (archive@nianbao.example)"
USER_AGENT = f"nianbao/0.1 (+{NIANBAO_CONTACT}; archival crawler of OGI annual reports)"
NIANBAO_DATA = "data"
NIANBAO_DB = ""  # default: NIANBAO_DATA/nianbao.db

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1  # kept, but not relied on: HostGateMiddleware is the promise
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry, doubling after
RETRY_BACKOFF_MAX = 60.0
DOWNLOAD_FAIL_ON_DATALOSS = False  # keep truncated downloads, flagged in WARC
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
DEPTH_LIMIT = 0  # list pagination can run long; discovery is bounded by NIANBAO_COLUMN_HOPS
NIANBAO_COLUMN_HOPS = 4  # 首页 → 政务公开 → 政府信息公开 → 信息公开年报 (→ a year sub-column)
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# Scrapy re-reads each callback's source on every call to warn about `return value` in
# generators; our callbacks never return values, and the check was 7% of crawl time.
WARN_ON_GENERATOR_RETURN_VALUE = False

WARC_MAX_SIZE = 100 * 1024 * 1024
# A body is inflated within these limits (a bomb or an over-large body is archived as
# received and flagged), and the spider reads links from its first NIANBAO_MAX_LINK_BYTES;
# the defaults are parsers/limits.py's MAX_PARSE_BYTES and MAX_LINK_BYTES.
NIANBAO_INFLATE_MAX_BYTES = _limits.MAX_PARSE_BYTES
NIANBAO_MAX_LINK_BYTES = _limits.MAX_LINK_BYTES

REDIRECT_MAX_TIMES = 10  # a longer chain is flagged, not followed
# Scope (crawler/scope.py): networks whose addresses count as ordinary hosts (tests stand
# distinct 127.x addresses for distinct portals); empty on a real crawl.
NIANBAO_SCOPE_ALLOW_NETS: list[str] = []
# robots.txt Crawl-delay is honoured up to this; a host asking more is not crawled (flagged).
NIANBAO_MAX_CRAWL_DELAY = 60.0
# The per-host gate (one request in flight, delays): HostGate in this process; a class with
# the same acquire/release/set_delay (and from_crawler) shares it across workers.
NIANBAO_HOST_GATE = "nianbao.crawler.politeness.HostGate"
# List pages read per column (pagination links, page counts, API pages): a list
# announcing 10,000 pages or paging in a loop stops here, flagged.
NIANBAO_MAX_LIST_PAGES = 100
# … and of the disclosure lists of everything (公开目录, 文件资料) a report may hide in.
NIANBAO_MAX_OTHER_LIST_PAGES = 30
# The scheduler hands out requests of the hosts with the fewest downloads under way, so
# one portal waiting at its one-request gate never holds up the others.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"

DOWNLOADER_MIDDLEWARES = {
    "nianbao.crawler.middlewares.ScopeMiddleware": 50,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "nianbao.crawler.middlewares.FlaggingMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "nianbao.crawler.middlewares.FlaggingRedirectMiddleware": 600,
    "nianbao.crawler.middlewares.RetryBackoffMiddleware": 545,
    "nianbao.crawler.middlewares.ConditionalRequestMiddleware": 560,
    # Scrapy's inflates whole bodies up to DOWNLOAD_MAXSIZE in memory: ours is bounded
    # (ratio and size caps, parsers/limits.py) and holds only what the spider reads.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "nianbao.crawler.middlewares.InflateMiddleware": 590,
    "nianbao.crawler.middlewares.BodyCapMiddleware": 585,
    "nianbao.crawler.middlewares.BlockDetectionMiddleware": 945,
    "nianbao.crawler.warc.WarcWriterMiddleware": 950,
    "nianbao.crawler.middlewares.HostGateMiddleware": 990,
}
EXTENSIONS = {
    "nianbao.crawler.extensions.IngestOnClose": 500,
    "nianbao.crawler.extensions.LiveProgress": 510,
}
