"""A crawl on a shared Redis frontier: started (seeded) by ``nianbao crawl --redis``, worked
by ``nianbao worker`` processes on any machine, ingested centrally.

Redis keys of a namespace ``NS`` (``--namespace``, default ``nianbao``):

=====================  ==============================================================
``NS:project``         the marker: this namespace belongs to a nianbao crawl
``NS:crawl``           the crawl: id, state (seeding/running/finished), targets, settings
``NS:coordinator``     lease of the ``nianbao crawl`` process that seeded it, until its ingest
``NS:alive``           set by every live worker (expires): a crawl is being worked
``NS:workers``         registered workers; ``NS:worker:ID`` their heartbeats (expire)
``NS:hosts``           hosts with queued requests, by when each may next be served
``NS:q:HOST``          a host's queue; ``NS:out`` hosts checked out by a worker
``NS:proc:ID``         requests leased by worker ID, not yet acknowledged
``NS:dupefilter``      fingerprints of every request queued in this crawl
``NS:gate:HOST``       per-host politeness lease; ``NS:gate:next:HOST``; ``NS:delays``
``NS:stats``           counters summed over all workers (per portal: ``nianbao/…/PORTAL``)
``NS:granted`` …       shared spider state (scope grants, list pages, failures)
``NS:validators``      validators and known attachments from the archive, at seeding
=====================  ==============================================================

``nianbao-claims`` (outside any namespace) maps each start host to the namespace crawling
it, so two crawls of the same portals are refused even in different namespaces (of one
Redis database: databases do not see each other).
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from ..archive import db_path, warc_dir
from .distributed import (
    PROJECT_MARKER,
    REDIS_ERRORS,
    Frontier,
    Keys,
    RedisLost,
    connect,
    host_of,
    read_stats,
    worker_settings,
)
from .run import CrawlResult, crawl_lock, crawl_settings
from .workerwarc import seal_orphans

logger = logging.getLogger(__name__)
CLAIMS = "nianbao-claims"
RENEWED_MS = 100  # a heartbeat's time to live that grew by more than this was renewed
NOT_SHARED = {"NIANBAO_PORTALS", "NIANBAO_PROGRESS", "NIANBAO_DATA", "NIANBAO_DB"}


class DistributedError(RuntimeError):
    """A clear, one-line reason a distributed crawl or worker cannot go on (exit 1)."""

    exit_code = 1


class CrawlBusy(DistributedError):
    """Another crawl (or worker) already holds what was asked for (exit 3)."""

    exit_code = 3


@dataclass
class WorkerResult:
    worker: str
    reason: str = ""
    stats: dict = field(default_factory=dict)
    already_finished: bool = False


def namespace_ok(ns: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", ns):
        raise DistributedError(f"namespace {ns!r}: use letters, digits, '_', '.', '-'")
    return ns


def clean_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:64] or "worker"


def default_worker_id() -> str:
    return clean_id(f"{socket.gethostname().split('.')[0]}-{os.getpid()}")


def reach(url: str, grace: float = 30.0) -> redis.Redis:
    """A client for ``url``, after checking that Redis answers (at once: no retries) and
    is set up so that nothing is lost silently."""
    try:
        probe = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)
        probe.ping()
    except ValueError as exc:
        raise DistributedError(f"bad Redis URL {url!r}: {exc}") from exc
    except redis.exceptions.AuthenticationError as exc:
        raise DistributedError(f"Redis at {url} refused our credentials: {exc}") from exc
    except redis.exceptions.RedisError as exc:
        raise DistributedError(f"Redis at {url} does not answer: {exc}") from exc
    try:
        policy = probe.config_get("maxmemory-policy").get("maxmemory-policy", "noeviction")
        aof = probe.config_get("appendonly").get("appendonly", "no")
    except redis.exceptions.ResponseError:  # CONFIG disabled (managed Redis): cannot check
        policy, aof = "noeviction", "unknown"
    if policy != "noeviction":
        raise DistributedError(
            f"Redis at {url} evicts keys under memory pressure (maxmemory-policy {policy}): "
            "the frontier could vanish silently; set maxmemory-policy noeviction")
    if aof == "no":
        logger.warning("Redis at %s runs without appendonly: a Redis restart would lose the "
                       "crawl's frontier (set appendonly yes)", url)
    probe.close()
    return connect(url, grace)


def check_namespace(server: redis.Redis, keys: Keys, url: str, create: bool) -> None:
    """This namespace is nianbao's (its marker key), or empty and then claimed."""
    marker = server.get(keys.project)
    if marker is None:
        foreign = next(iter(server.scan_iter(match=f"{keys.ns}:*", count=1000)), None)
        if foreign is not None:
            raise DistributedError(
                f"namespace {keys.ns!r} in {url} holds keys nianbao did not write "
                f"(e.g. {foreign.decode(errors='replace')}) and no nianbao marker: another "
                "project's queue? Use another --namespace or Redis database")
        if not create:
            raise DistributedError(
                f"no nianbao crawl in {url} (namespace {keys.ns!r}): start one with "
                f"`nianbao crawl --redis {url} PORTAL…`")
        server.set(keys.project, PROJECT_MARKER)
        return
    try:
        ours = json.loads(marker).get("project") == "nianbao"
    except (ValueError, AttributeError):
        ours = False
    if not ours:
        raise DistributedError(
            f"namespace {keys.ns!r} in {url} belongs to another project "
            f"(marker {marker[:80]!r}); use another --namespace or Redis database")


def crawl_record(server: redis.Redis, keys: Keys) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in server.hgetall(keys.crawl).items()}


def _targets_key(portals: list[str], start_urls: list[str]) -> str:
    return json.dumps({"portals": sorted(portals), "start_urls": sorted(start_urls)})


def shared_settings(project: dict | None, overrides: dict[str, Any]) -> dict[str, Any]:
    """The crawl's own settings (crawl.toml, then ``-s``) that every worker uses, whatever
    machine it runs on: the same delays, limits and contact."""
    out = {}
    for name, value in {**(project or {}), **overrides}.items():
        if name in NOT_SHARED:
            continue
        try:
            json.dumps(value)
        except TypeError:
            continue
        out[name] = value
    return out


def _clear(server: redis.Redis, keys: Keys) -> None:
    """Remove a finished crawl's keys (the marker and the coordinator's lease stay)."""
    batch, keep = [], {keys.project, keys.coordinator}
    for key in server.scan_iter(match=f"{keys.ns}:*", count=1000):
        if key.decode() not in keep:
            batch.append(key)
        if len(batch) >= 500:
            server.delete(*batch)
            batch = []
    if batch:
        server.delete(*batch)


def _claim(server: redis.Redis, keys: Keys, hosts: list[str]) -> None:
    """Refuse hosts another live crawl (any namespace) is crawling; claim them."""
    if not hosts:
        return
    for host, other in zip(hosts, server.hmget(CLAIMS, hosts), strict=True):
        if other is None or other.decode() == keys.ns:
            continue
        finished = server.hget(f"{other.decode()}:crawl", "state") == b"finished"
        if not finished and server.exists(f"{other.decode()}:alive"):
            raise CrawlBusy(f"{host} is being crawled right now by the crawl in namespace "
                            f"{other.decode()!r}: two crawls of one portal at once would "
                            "double the load on it")
    server.hset(CLAIMS, mapping=dict.fromkeys(hosts, keys.ns))


def _outlived(server: redis.Redis, key: str, what: str) -> bool:
    """Whether ``key``, a heartbeat that expires, belongs to a live process: it is renewed
    while we watch (a live worker renews within two seconds). A process stopped without
    notice leaves it to expire, which is waited out (one lease at most): False once gone."""
    last, deadline = None, None
    while True:
        ttl = server.pttl(key)
        if ttl == -2:
            return False
        if ttl == -1 or (last is not None and ttl > last + RENEWED_MS):
            return True
        if deadline is None:
            deadline = time.monotonic() + ttl / 1000 + 1.0
            logger.warning("waiting for %s to be renewed or to expire (up to %.0f s)", what,
                           deadline - time.monotonic())
        if time.monotonic() > deadline:
            return True
        last = ttl
        time.sleep(0.25)


def _still_alive(server: redis.Redis, keys: Keys) -> bool:
    """Whether a worker still heartbeats for this crawl."""
    return _outlived(server, keys.alive, "the heartbeat of the crawl's workers")


class CoordinatorLease:
    """Held by the ``nianbao crawl --redis`` process that seeds a crawl, for as long as it
    runs (through the final ingest): a second crawl started meanwhile is refused, even
    while the workers idle out or after they stopped. Renewed by a thread; a coordinator
    killed without notice lets it expire within ``seconds``."""

    def __init__(self, server: redis.Redis, keys: Keys, url: str, seconds: float = 30.0):
        self.server, self.key, self.url = server, keys.coordinator, url
        self.ttl = int(seconds * 1000)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, daemon=True,
                                        name="nianbao-coordinator")

    def __enter__(self) -> CoordinatorLease:
        try:
            while not self.server.set(self.key, self.holder, nx=True, px=self.ttl):
                if _outlived(self.server, self.key, "the lease of another crawl's coordinator"):
                    holder = (self.server.get(self.key) or b"?").decode(errors="replace")
                    raise CrawlBusy(
                        f"a crawl is running in {self.url}, started by "
                        f"{holder.rsplit(':', 1)[0]} (host:pid): add workers to it with "
                        f"`nianbao worker --redis {self.url}`, or wait for it to finish")
        except REDIS_ERRORS as exc:
            raise DistributedError(f"lost Redis at {self.url} while starting: {exc}") from exc
        self._thread.start()
        return self

    def _renew(self) -> None:
        while not self._stop.wait(min(2.0, self.ttl / 3000)):  # renewals are how it is told live
            try:
                kept = self.server.eval(_RENEW, 1, self.key, self.holder, self.ttl)
            except REDIS_ERRORS:
                continue  # Redis is away: the crawl says so where it reads Redis
            if not kept:  # this process stalled past its lease and another crawl took it
                logger.error("this crawl's lease in %s was taken by another crawl after this "
                             "process stalled for over %.0f s", self.url, self.ttl / 1000)
                return

    def __exit__(self, exc_type, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(1.0)  # a renewal stuck retrying a lost Redis must not hold us
        if exc_type is not None and issubclass(exc_type, (RedisLost, *REDIS_ERRORS)):
            return  # Redis is away: the lease expires by itself, no need to wait on it
        try:
            self.server.eval(_RELEASE, 1, self.key, self.holder)
        except REDIS_ERRORS:
            pass


# Renew only our own lease (or take it back after a Redis restart lost it); never another's.
_RENEW = """local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if not holder then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0"""
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


def open_crawl(server: redis.Redis, keys: Keys, url: str, portals: list[str],
               start_urls: list[str], targets: list[tuple[str, str]], registry: dict,
               settings, shared: dict[str, Any], db: Path) -> dict[str, Any]:
    """Start (or resume) the crawl of this namespace and seed its frontier."""
    check_namespace(server, keys, url, create=True)
    record = crawl_record(server, keys)
    wanted = _targets_key(portals, start_urls)
    resumed = False
    if record.get("state") in ("seeding", "running"):
        if _still_alive(server, keys):
            raise CrawlBusy(
                f"a crawl is running in {url} (namespace {keys.ns!r}, id {record.get('id')}, "
                f"started {record.get('started')}): add workers to it with "
                f"`nianbao worker --redis {url}`, or wait for it to finish")
        record = crawl_record(server, keys)  # it may have finished while we waited
    if record.get("state") in ("seeding", "running"):
        if record.get("targets") != wanted:
            raise CrawlBusy(
                f"an unfinished crawl of other portals is in {url} (namespace {keys.ns!r}: "
                f"{record.get('targets')}); finish it with `nianbao worker --redis {url}`, "
                "or start this one in another --namespace")
        resumed = True
        logger.warning("resuming crawl %s of %s", record.get("id"), record.get("started"))
    else:
        _clear(server, keys)
    hosts = sorted({host_of(u) for u, _ in targets})
    _claim(server, keys, hosts)
    server.set(keys.alive, "coordinator", px=60_000)
    if not resumed:
        delay = int(max(0.0, settings.getfloat("DOWNLOAD_DELAY")) * 1000)
        server.hset(keys.delays, "*", delay)
        record = {
            "id": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{os.getpid()}",
            "state": "seeding", "targets": wanted,
            "portals": json.dumps(portals), "start_urls": json.dumps(start_urls),
            "registry": json.dumps({n: registry[n] for n in portals}, ensure_ascii=False),
            "settings": json.dumps(shared, ensure_ascii=False),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "coordinator": f"{socket.gethostname()}:{os.getpid()}",
        }
        server.hset(keys.crawl, mapping=record)
    else:
        server.hset(keys.crawl, "state", "seeding")
    record["seeded"] = str(seed(server, keys, portals, start_urls, targets, registry, db))
    server.hset(keys.crawl, mapping={"state": "running", "seeded": record["seeded"]})
    record["state"] = "running"
    record["resumed"] = "1" if resumed else ""
    return record


def seed(server: redis.Redis, keys: Keys, portals: list[str], start_urls: list[str],
         targets: list[tuple[str, str]], registry: dict, db: Path) -> int:
    """Push the spider's start requests (start URLs and re-checks of archived reports)
    and what the archive knows (validators, attachments) into Redis. Idempotent."""
    from scrapy_redis import picklecompat
    from scrapy_redis.dupefilter import RFPDupeFilter

    from ..archive.queries import known_attachments, known_reports, validators
    from .spiders.portal import PortalSpider

    spider = PortalSpider(portals=",".join(portals), start_urls=",".join(start_urls))
    spider.targets = targets
    spider.known = known_reports(db)

    async def collect():
        return [request async for request in spider.start()]

    requests = asyncio.run(collect())
    frontier = Frontier(server, keys)
    df = RFPDupeFilter(server, key=keys.dupefilter)
    pushed = 0
    for request in requests:
        data = picklecompat.dumps(request.to_dict(spider=spider))
        fingerprint = "" if request.dont_filter else df.request_fingerprint(request)
        pushed += frontier.push(host_of(request.url), data, request.priority, fingerprint)
    for key, mapping in ((keys.validators, validators(db)),
                         (keys.attachments, known_attachments(db))):
        items = list(mapping.items())
        for i in range(0, len(items), 1000):
            server.hset(key, mapping={k: json.dumps(v) for k, v in items[i:i + 1000]})
    logger.info("seeded %d request(s) (%d already seen)", pushed, len(requests) - pushed)
    return pushed


# -- a worker --------------------------------------------------------------------------


@contextmanager
def worker_lock(data: Path, worker: str):
    """One process per worker id and data folder."""
    data.mkdir(parents=True, exist_ok=True)
    with open(data / f".worker-{worker}.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise CrawlBusy(f"worker {worker} already runs on {data}") from exc
        yield


def register(server: redis.Redis, keys: Keys, worker: str, token: str, lease: float) -> None:
    """Take the worker id: wait (up to one lease) for a previous process with this id,
    killed without notice, to be declared dead; refuse an id that a live worker uses."""
    ttl = int(lease * 1000)
    while not server.set(keys.worker(worker), token, nx=True, px=ttl):
        if _outlived(server, keys.worker(worker), f"the heartbeat of an earlier worker {worker}"):
            raise CrawlBusy(f"worker id {worker} is in use by a live worker; pick another --id")
    server.hset(keys.workers, worker, json.dumps({"host": socket.gethostname(),
                                                  "pid": os.getpid(), "since": time.time()}))
    server.set(keys.alive, worker, px=ttl)


def run_worker(url: str, ns: str, data: Path, db: Path | None = None, worker: str | None = None,
               overrides: dict[str, str] | None = None, project: dict | None = None,
               wait_seed: float = 120.0) -> WorkerResult:
    """Work on the crawl in ``url``/``ns`` until its frontier has been empty for
    ``NIANBAO_IDLE_SECONDS``. Raises ``DistributedError`` (bad URL, foreign namespace, no
    crawl, id in use) and ``RedisLost``."""
    from scrapy.crawler import CrawlerProcess

    from .distributed import DistributedPortalSpider

    keys = Keys(namespace_ok(ns))
    worker = clean_id(worker or default_worker_id())
    overrides = dict(overrides or {})
    grace = float(overrides.get("NIANBAO_REDIS_GRACE", 30))
    server = reach(url, grace)
    check_namespace(server, keys, url, create=False)
    deadline = time.monotonic() + wait_seed
    record = crawl_record(server, keys)
    while record.get("state") == "seeding" and time.monotonic() < deadline:
        time.sleep(0.5)
        record = crawl_record(server, keys)
    if record.get("state") == "finished":
        logger.info("the crawl in %s (namespace %s) finished at %s: nothing to do", url, ns,
                    record.get("finished"))
        return WorkerResult(worker, "finished", already_finished=True)
    if record.get("state") != "running":
        raise DistributedError(f"the crawl in {url} (namespace {ns!r}) is not ready "
                               f"(state {record.get('state') or 'missing'})")
    shared = json.loads(record.get("settings") or "{}")
    registry = json.loads(record.get("registry") or "{}")
    settings = crawl_settings(Path(data), db, {**shared, **overrides},
                              {**(project or {}), "NIANBAO_PORTALS": registry})
    lease = settings.getfloat("NIANBAO_LEASE_SECONDS", 30.0)
    token = f"{worker}:{uuid.uuid4().hex[:12]}"
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    settings.setdict(worker_settings(url, ns, worker, token), priority="cmdline")
    mws = settings.getdict("DOWNLOADER_MIDDLEWARES")
    for old, new in (("ScopeMiddleware", "DistributedScopeMiddleware"),
                     ("ConditionalRequestMiddleware", "DistributedConditionalMiddleware")):
        if f"nianbao.crawler.middlewares.{old}" in mws:
            mws[f"nianbao.crawler.distributed.{new}"] = mws.pop(f"nianbao.crawler.middlewares.{old}")
    settings.set("DOWNLOADER_MIDDLEWARES", mws, priority="cmdline")
    crawler = None
    with worker_lock(Path(data), worker):
        register(server, keys, worker, token, lease)
        try:
            seal_orphans(warc_dir(Path(data)))
            back = Frontier(server, keys).requeue(worker)
            if back:
                logger.warning("%d request(s) leased by an earlier run of %s re-queued", back,
                               worker)
            process = CrawlerProcess(settings)
            crawler = process.create_crawler(DistributedPortalSpider)
            process.crawl(crawler, portals=",".join(json.loads(record["portals"])),
                          start_urls=",".join(json.loads(record["start_urls"])))
            process.start()
        finally:
            frontier = getattr(crawler, "nianbao_frontier", None)
            if frontier is None or frontier.lost is None:
                try:
                    pipe = server.pipeline()
                    pipe.hset(keys.rss, worker, peak_rss_kb())
                    if server.get(keys.worker(worker)) == token.encode():
                        pipe.delete(keys.worker(worker))
                    pipe.hdel(keys.workers, worker)
                    pipe.execute()
                    if server.hget(keys.crawl, "state") == b"finished":
                        server.delete(keys.alive)
                except REDIS_ERRORS:
                    pass
    frontier = getattr(crawler, "nianbao_frontier", None)
    if frontier is not None and frontier.lost is not None:
        raise RedisLost(f"lost Redis at {url} during the crawl ({frontier.lost}); nothing "
                        "acknowledged is lost: the requests this worker held are re-queued "
                        "when Redis is back (run the worker again)")
    reason = crawler.stats.get_value("finish_reason") or ""
    return WorkerResult(worker, reason, crawler.stats.get_stats())


def peak_rss_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# -- the coordinator -------------------------------------------------------------------


def run_distributed(data: Path, url: str, portals: list[str] | None = None,
                    start_urls: list[str] | None = None, db: Path | None = None,
                    overrides: dict[str, str] | None = None, project: dict | None = None,
                    workers: int = 1, ns: str = "nianbao", settings_dir: Path | None = None,
                    ) -> CrawlResult:
    """Seed the crawl into Redis, run ``workers`` local worker processes until the
    frontier is done, then ingest every finished WARC file of every worker."""
    from .spiders.portal import targets as resolve_targets

    portals, start_urls = list(portals or []), list(start_urls or [])
    keys = Keys(namespace_ok(ns))
    overrides = dict(overrides or {})
    settings = crawl_settings(Path(data), db, overrides, project)
    registry = settings.getdict("NIANBAO_PORTALS")
    found = resolve_targets(registry, portals, start_urls)  # UnknownPortal before anything
    server = reach(url, settings.getfloat("NIANBAO_REDIS_GRACE", 30.0))
    database = db_path(Path(data), db)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    clock = time.monotonic()
    try:
        check_namespace(server, keys, url, create=True)  # before the lease: a key in it
    except REDIS_ERRORS as exc:
        raise DistributedError(f"lost Redis at {url} while starting: {exc}") from exc
    with crawl_lock(Path(data)), CoordinatorLease(server, keys, url):
        seal_orphans(warc_dir(Path(data)))
        try:
            record = open_crawl(server, keys, url, portals, start_urls, found, registry,
                                settings, shared_settings(project, overrides), database)
        except REDIS_ERRORS as exc:
            raise DistributedError(f"lost Redis at {url} while seeding: {exc}") from exc
        logger.info("crawl %s: %s request(s) seeded", record["id"], record["seeded"])
        if workers <= 0:
            return CrawlResult(stats={"nianbao/seeded": int(record["seeded"])})
        codes = _run_local_workers(url, ns, Path(data), db, workers, overrides, settings_dir)
        try:
            state = server.hget(keys.crawl, "state")
        except REDIS_ERRORS as exc:
            raise RedisLost(f"lost Redis at {url}: the crawl's state is kept there (with "
                            "appendonly); run the same command again once it is back") from exc
        if state != b"finished":
            frontier = Frontier(server, keys)
            raise DistributedError(
                f"the workers stopped (exit codes {codes}) before the crawl finished: "
                f"{frontier.queued()} request(s) queued, {frontier.in_flight()} leased; run "
                f"`nianbao worker --redis {url}` (or this command again) to finish it")
        bad = [c for c in codes if c != 0]
        if bad:
            logger.warning("%d worker(s) ended abnormally (exit codes %s); their requests were "
                           "re-queued and the crawl finished", len(bad), bad)
        server.delete(keys.alive)
        stats = read_stats(server, keys)
        stats["elapsed_time_seconds"] = time.monotonic() - clock
        failed = [m.decode() for m in server.lrange(keys.failed, 0, -1)]
        seal_orphans(warc_dir(Path(data)))
        ingest = None
        if settings.getbool("NIANBAO_INGEST", True):
            ingest = ingest_finished(Path(data), database, registry, stats, started,
                                     crawl=record["id"])
    return CrawlResult(stats=stats, failed=failed, ingest=ingest)


def _run_local_workers(url: str, ns: str, data: Path, db: Path | None, n: int,
                       overrides: dict[str, str], settings_dir: Path | None) -> list[int]:
    """Start ``n`` ``nianbao worker`` processes and wait for them; Ctrl-C or SIGTERM is
    passed on (each puts its unfinished requests back before it stops)."""
    base = [sys.executable, "-m", "nianbao"]
    if settings_dir:
        base += ["--settings", str(settings_dir)]
    host = clean_id(socket.gethostname().split(".")[0])
    procs = []
    for i in range(1, n + 1):
        cmd = [*base, "worker", "--redis", url, "--namespace", ns, "--data", str(data),
               "--id", f"{host}-{i}"]
        if db:
            cmd += ["--db", str(db)]
        for name in ("NIANBAO_IDLE_SECONDS", "NIANBAO_LEASE_SECONDS", "NIANBAO_REDIS_GRACE",
                     "LOG_LEVEL"):
            if name in overrides:
                cmd += ["-s", f"{name}={overrides[name]}"]
        procs.append(subprocess.Popen(cmd, start_new_session=True))  # signals: forwarded once

    def forward(signum, _frame):
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return [proc.wait() for proc in procs]
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def ingest_finished(data: Path, database: Path, registry: dict, stats: dict,
                    started: str, reason: str = "finished", crawl: str | None = None):
    """Every finished WARC file of every worker into the one database (file-name order,
    so a rebuild gives the same rows), and a ``crawl_runs`` row per portal."""
    from ..archive.db import open_db
    from ..archive.ingest import Ingestor
    from .extensions import record_runs

    db = open_db(database)
    result = Ingestor(db, registry).ingest_warcs(warc_dir(data))
    record_runs(db, stats, started, reason, crawl)
    db.conn.close()
    return result


def record_crawl(url: str, ns: str, database: Path) -> str:
    """After ``nianbao ingest`` of a crawl worked by workers elsewhere (seeded with
    ``--workers 0``): its per-portal counts from Redis into the crawl history. Returns
    what was done, in words."""
    from ..archive.db import open_db
    from .extensions import record_runs

    keys = Keys(namespace_ok(ns))
    server = reach(url)
    check_namespace(server, keys, url, create=False)
    record = crawl_record(server, keys)
    if record.get("state") != "finished":
        return (f"the crawl in {url} (namespace {ns!r}) has not finished: its history is "
                "recorded by the next `nianbao ingest --redis` after it has")
    if server.exists(keys.coordinator):
        return (f"crawl {record.get('id')} is still being closed by the `nianbao crawl` that "
                "started it, which records it in its own crawl history")
    db = open_db(database)
    try:
        rows = record_runs(db, read_stats(server, keys), record.get("started", ""),
                           crawl=record.get("id") or None)
    finally:
        db.conn.close()
    if rows is None:
        return f"crawl {record.get('id')} was already in the crawl history"
    return f"crawl {record.get('id')}: {rows} portal(s) recorded in the crawl history"
