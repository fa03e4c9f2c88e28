"""One crawl frontier in Redis, worked by many processes on many machines.

Built on scrapy-redis (its scheduler, queue base class, request serialisation and
dupefilter), adapted where a shared polite archive crawl needs more than it gives:

* **Host-partitioned queues.** Each host has its own queue (``NS:q:HOST``, a sorted set:
  priority, then first in first out) and ``NS:hosts`` orders the hosts with work by the
  time they may next be served. A pop hands out one request of a host that is free and
  *checks the host out* until that request is done, so no two workers ever hold requests
  for one host at once and no worker's downloader sits waiting on a busy host.
* **Leases.** A popped request moves, in the same Lua script, into the worker's
  processing hash (``NS:proc:WORKER``). It is acknowledged (removed) only once Scrapy is
  done with it: its exchange written to WARC (each record is flushed as it is written) and
  every request its callback made pushed to Redis. A worker that stops heartbeating
  (``NS:worker:WORKER`` expires: SIGKILL, power loss) has its processing hash put back on
  the queues by any other worker, or by itself when restarted.
* **Seen and pushed at once.** The fingerprint is added to the dupefilter set in the same
  script that queues the request, so a kill between the two cannot lose a URL.
* **Politeness across workers.** ``RedisHostGate`` backs the project's ``HostGate`` with a
  lease per host (``NS:gate:HOST``, expiring, refreshed while held) and the time the host
  may next be asked (``NS:gate:next:HOST``), all on Redis's clock: at most one request in
  flight per host and the delay kept between requests, whatever the number of workers.
  robots.txt fetches pass the same gate.
* **Shared crawl state.** Scope grants, list pages read per column, start URLs that
  failed, failed fetches, the validators and attachments of reports already archived and
  the per-portal counters (``NS:stats``) live in Redis, so any worker behaves as one
  process would.

Not supported: Redis Cluster (the scripts touch keys they compute). Redis must not evict
keys (``maxmemory-policy noeviction``); with ``appendonly yes`` a Redis restart resumes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base as RedisQueueBase
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from .middlewares import ConditionalRequestMiddleware, ScopeMiddleware
from .politeness import HostGate
from .spiders.portal import PortalSpider

logger = logging.getLogger(__name__)

PROJECT_MARKER = json.dumps({"project": "nianbao", "frontier": 1})
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class RedisLost(RuntimeError):
    """Redis stopped answering during a crawl (after the grace period)."""


# -- keys and connection ---------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    """Every key of one crawl namespace (``--namespace``, default ``nianbao``)."""

    ns: str

    def __getattr__(self, name: str) -> str:  # Keys("x").hosts == "x:hosts"
        if name.startswith("_"):
            raise AttributeError(name)
        return f"{self.ns}:{name}"

    def worker(self, wid: str) -> str:
        return f"{self.ns}:worker:{wid}"

    def proc(self, wid: str) -> str:
        return f"{self.ns}:proc:{wid}"

    def queue(self, host: str) -> str:
        return f"{self.ns}:q:{host}"

    def hashed(self, what: str, name: str) -> str:
        return f"{self.ns}:{what}:{hashlib.sha1(name.encode()).hexdigest()[:20]}"


def connect(url: str, grace: float = 30.0, timeout: float = 10.0) -> redis.Redis:
    """A client that rides out a Redis restart of up to about ``grace`` seconds (calls
    block and retry meanwhile), then raises ``ConnectionError``."""
    retries = max(0, math.ceil(grace))
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=min(timeout, 5.0),
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
        retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError])


def redis_for(crawler) -> redis.Redis:
    """The crawler's one Redis client (scheduler, gate, spider and middlewares share it)."""
    client = getattr(crawler, "_nianbao_redis", None)
    if client is None:
        client = connect(crawler.settings.get("REDIS_URL"),
                         crawler.settings.getfloat("NIANBAO_REDIS_GRACE", 30.0))
        crawler._nianbao_redis = client
    return client


def keys_for(crawler) -> Keys:
    return Keys(crawler.settings.get("NIANBAO_REDIS_NAMESPACE", "nianbao"))


def host_of(url: str) -> str:
    """The politeness unit: the host name, whatever the port (as ``HostGate`` keys it)."""
    return (urlsplit(url).hostname or "").lower()


# -- the frontier: Lua scripts ---------------------------------------------------------

_NOW = "local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"

# ARGV: ns, host, member, priority, fingerprint ('' = not filtered)
_PUSH = _NOW + """
local ns, host, data, prio, fp = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
if fp ~= '' and redis.call('SADD', ns .. ':dupefilter', fp) == 0 then return 0 end
local seq = redis.call('INCR', ns .. ':seq')
redis.call('ZADD', ns .. ':q:' .. host, -prio * 1e12 + seq, string.format('%016x', seq) .. data)
if redis.call('HEXISTS', ns .. ':out', host) == 0 then
  redis.call('ZADD', ns .. ':hosts', 'NX', now, host)
end
return 1
"""

# ARGV: ns, worker. -> {'ok', field, host, member} | {'wait', ms} | {'empty'}
_POP = _NOW + """
local ns, worker = ARGV[1], ARGV[2]
for _ = 1, 20 do
  local hs = redis.call('ZRANGEBYSCORE', ns .. ':hosts', '-inf', now, 'LIMIT', 0, 1)
  if #hs == 0 then
    local first = redis.call('ZRANGE', ns .. ':hosts', 0, 0, 'WITHSCORES')
    if #first == 0 then return {'empty'} end
    return {'wait', tostring(tonumber(first[2]) - now)}
  end
  local host = hs[1]
  redis.call('ZREM', ns .. ':hosts', host)
  local item = redis.call('ZPOPMIN', ns .. ':q:' .. host)
  if #item > 0 then
    local field = tostring(redis.call('INCR', ns .. ':leases'))
    redis.call('HSET', ns .. ':out', host, worker .. ' ' .. field)
    redis.call('HSET', ns .. ':proc:' .. worker, field, item[2] .. ' ' .. host .. ' ' .. item[1])
    return {'ok', field, host, string.sub(item[1], 17)}
  end
end
return {'wait', '0'}
"""

# ARGV: ns, worker, field, host
_ACK = _NOW + """
local ns, worker, field, host = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local done = redis.call('HDEL', ns .. ':proc:' .. worker, field)
if redis.call('HGET', ns .. ':out', host) == worker .. ' ' .. field then
  redis.call('HDEL', ns .. ':out', host)
  if redis.call('EXISTS', ns .. ':q:' .. host) == 1 then
    local nxt = tonumber(redis.call('GET', ns .. ':gate:next:' .. host) or '0')
    redis.call('ZADD', ns .. ':hosts', math.max(now, nxt), host)
  end
end
return done
"""

# ARGV: ns, worker[, field ...]: put a worker's leased requests back on their queues
_REQUEUE = _NOW + """
local ns, worker = ARGV[1], ARGV[2]
local proc = ns .. ':proc:' .. worker
local fields = {}
if #ARGV > 2 then
  for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
else
  fields = redis.call('HKEYS', proc)
end
local n = 0
for _, f in ipairs(fields) do
  local v = redis.call('HGET', proc, f)
  if v then
    local a = string.find(v, ' ', 1, true)
    local b = string.find(v, ' ', a + 1, true)
    local score, host, member = string.sub(v, 1, a - 1), string.sub(v, a + 1, b - 1), string.sub(v, b + 1)
    redis.call('ZADD', ns .. ':q:' .. host, score, member)
    if redis.call('HGET', ns .. ':out', host) == worker .. ' ' .. f then
      redis.call('HDEL', ns .. ':out', host)
    end
    if redis.call('HEXISTS', ns .. ':out', host) == 0 then
      redis.call('ZADD', ns .. ':hosts', 'NX', now, host)
    end
    redis.call('HDEL', proc, f)
    n = n + 1
  end
end
return n
"""

# ARGV: ns, host, token, lease_ms -> 0 acquired | >0 ms until the delay has passed | <0 held
_GATE_ACQUIRE = _NOW + """
local ns, host, token = ARGV[1], ARGV[2], ARGV[3]
local gate = ns .. ':gate:' .. host
local holder = redis.call('GET', gate)
if holder then
  if holder == token then return 0 end
  return -math.max(redis.call('PTTL', gate), 1)
end
local nxt = tonumber(redis.call('GET', ns .. ':gate:next:' .. host) or '0')
if nxt > now then return nxt - now end
redis.call('SET', gate, token, 'PX', ARGV[4])
return 0
"""

# ARGV: ns, host, token, delay_ms (this worker's); the crawl's and the host's own count too
_GATE_RELEASE = _NOW + """
local ns, host, token = ARGV[1], ARGV[2], ARGV[3]
local gate = ns .. ':gate:' .. host
if redis.call('GET', gate) == token then redis.call('DEL', gate) end
local d = math.max(tonumber(ARGV[4]), tonumber(redis.call('HGET', ns .. ':delays', '*') or '0'),
                   tonumber(redis.call('HGET', ns .. ':delays', host) or '0'))
local nxt = now + d
local old = tonumber(redis.call('GET', ns .. ':gate:next:' .. host) or '0')
if old < nxt then redis.call('SET', ns .. ':gate:next:' .. host, nxt, 'PX', d + 60000) end
return d
"""

# ARGV: ns, token, lease_ms, host ...
_GATE_REFRESH = """
local n = 0
for i = 4, #ARGV do
  local gate = ARGV[1] .. ':gate:' .. ARGV[i]
  if redis.call('GET', gate) == ARGV[2] then redis.call('PEXPIRE', gate, ARGV[3]); n = n + 1 end
end
return n
"""


class Frontier:
    """The shared frontier of one namespace: push, pop with a lease, acknowledge, and put
    back the leases of workers that died."""

    def __init__(self, server: redis.Redis, keys: Keys):
        self.server, self.keys = server, keys
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)
        self._ack = server.register_script(_ACK)
        self._requeue = server.register_script(_REQUEUE)

    def push(self, host: str, data: bytes, priority: int = 0, fingerprint: str = "") -> bool:
        """Queue ``data`` for ``host`` unless ``fingerprint`` was seen; True if queued."""
        return bool(self._push(args=[self.keys.ns, host, data, int(priority), fingerprint]))

    def pop(self, worker: str) -> tuple[str, str, bytes] | float | None:
        """``(lease field, host, data)``; else seconds until a host is ready, or None when
        nothing is queued at all."""
        answer = self._pop(args=[self.keys.ns, worker])
        kind = answer[0].decode() if isinstance(answer[0], bytes) else answer[0]
        if kind == "ok":
            return answer[1].decode(), answer[2].decode(), answer[3]
        if kind == "empty":
            return None
        return max(0.0, float(answer[1]) / 1000)

    def ack(self, worker: str, field: str, host: str) -> bool:
        return bool(self._ack(args=[self.keys.ns, worker, field, host]))

    def requeue(self, worker: str, fields: list[str] | None = None) -> int:
        """Put ``worker``'s leased requests (all, or ``fields``) back on their queues."""
        return int(self._requeue(args=[self.keys.ns, worker, *(fields or [])]))

    def reap(self, me: str | None = None) -> dict[str, int]:
        """Re-queue the leases of every registered worker whose heartbeat has expired."""
        out: dict[str, int] = {}
        for raw in self.server.hkeys(self.keys.workers):
            wid = raw.decode()
            if wid == me or self.server.exists(self.keys.worker(wid)):
                continue
            n = self.requeue(wid)
            self.server.hdel(self.keys.workers, wid)
            if n:
                out[wid] = n
                logger.warning("worker %s stopped heartbeating: %d leased request(s) re-queued",
                               wid, n)
        return out

    # -- what is left ------------------------------------------------------------------

    def queued_hosts(self) -> int:
        return int(self.server.zcard(self.keys.hosts))

    def in_flight(self) -> int:
        """Requests leased by any worker and not yet acknowledged."""
        total = 0
        for raw in self.server.hkeys(self.keys.workers):
            total += int(self.server.hlen(self.keys.proc(raw.decode())))
        return total

    def queued(self) -> int:
        total = 0
        for host in self.server.zrange(self.keys.hosts, 0, -1):
            total += int(self.server.zcard(self.keys.queue(host.decode())))
        for host in self.server.hkeys(self.keys.out):
            total += int(self.server.zcard(self.keys.queue(host.decode())))
        return total

    def busy(self) -> bool:
        """Anything queued, checked out or leased anywhere."""
        if self.server.exists(self.keys.hosts, self.keys.out):
            return True
        return self.in_flight() > 0


# -- scrapy-redis, adapted -------------------------------------------------------------


class HostQueue(RedisQueueBase):
    """scrapy-redis's queue interface over the host-partitioned frontier (requests are
    serialised by scrapy-redis: ``request.to_dict`` + pickle)."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.frontier = Frontier(server, Keys(spider.settings.get("NIANBAO_REDIS_NAMESPACE",
                                                                  "nianbao")))
        self.worker = spider.settings.get("NIANBAO_WORKER_ID")

    def __len__(self) -> int:
        return self.frontier.queued()

    def push(self, request: Request, fingerprint: str = "") -> bool:
        return self.frontier.push(host_of(request.url), self._encode_request(request),
                                  request.priority, fingerprint)

    def pop(self, timeout: float = 0) -> tuple[str, str, Request] | float | None:
        got = self.frontier.pop(self.worker)
        if not isinstance(got, tuple):
            return got
        field, host, data = got
        return field, host, self._decode_request(data)

    def clear(self) -> None:  # the frontier is shared: one worker never clears it
        return None


class LeasedScheduler(RedisScheduler):
    """scrapy-redis's scheduler with leases and host-aware pops (see the module doc).

    Scrapy has no public "this request is finished" hook, so a leased request counts as
    done when the engine drops it from its in-progress set (``engine._slot``'s
    ``remove_request``, wrapped here; ``inprogress`` is swept as a safety net): by then its
    response (or failure) has been written to WARC and its callback's requests have been
    pushed. That slot, and its ``nextcall`` to wake the engine when a host becomes ready,
    are the Scrapy internals relied on (checked at start).
    """

    TICK = 0.2

    def __init__(self, server, crawler, **kwargs):
        super().__init__(server, **kwargs)
        self.crawler = crawler
        settings = crawler.settings
        self.keys = keys_for(crawler)
        self.worker = settings.get("NIANBAO_WORKER_ID")
        self.lease = settings.getfloat("NIANBAO_LEASE_SECONDS", 30.0)
        self.idle_seconds = settings.getfloat("NIANBAO_IDLE_SECONDS", 30.0)
        self.frontier = Frontier(server, self.keys)
        self.leased: dict[int, tuple[Request, str, str]] = {}  # id(request) → (request, field, host)
        self.lost: BaseException | None = None
        self.acked = 0
        self._token = ""
        self._idle_since: float | None = None
        self._ready_at = 0.0  # monotonic time the next host should be ready
        self._pending_cache: tuple[float, bool] = (0.0, True)
        self._last_beat = self._last_reap = 0.0
        self._loop = None
        crawler.nianbao_frontier = self

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        server = redis_for(crawler)
        server.ping()
        keys = keys_for(crawler)
        df = RFPDupeFilter(server, key=keys.dupefilter, debug=settings.getbool("DUPEFILTER_DEBUG"))
        scheduler = cls(server, crawler, persist=True, queue_key=keys.q,
                        queue_cls="nianbao.crawler.distributed.HostQueue", dupefilter=df,
                        dupefilter_key=keys.dupefilter, idle_before_close=0,
                        serializer=picklecompat)
        scheduler.stats = crawler.stats
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    # -- Scrapy's scheduler interface --------------------------------------------------

    def open(self, spider):
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if slot is None or not hasattr(slot, "inprogress") or not hasattr(slot, "nextcall"):
            raise RuntimeError("this Scrapy version hides the engine's in-progress set; "
                               "nianbao's distributed scheduler cannot acknowledge requests")
        super().open(spider)
        self._token = self.crawler.settings.get("NIANBAO_WORKER_TOKEN", "")
        remove = slot.remove_request

        def remove_request(request: Request) -> None:  # the engine is done with it: ack now
            remove(request)
            self._done(request)

        slot.remove_request = remove_request
        from twisted.internet import task

        self._loop = task.LoopingCall(self.tick)
        self._loop.start(self.TICK, now=False)

    def close(self, reason):
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self.lost is not None:
            return None  # what this worker leased stays in Redis, re-queued later
        try:
            self.sweep(final=True)
            flush_stats(self.crawler, self.server, self.keys)
        except REDIS_ERRORS as exc:
            self._lose(exc)
        return None

    def enqueue_request(self, request: Request) -> bool:
        """Seen-check and push in one script: a kill between the two cannot lose a URL."""
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        try:
            queued = self.queue.push(request, fingerprint)
        except REDIS_ERRORS as exc:
            self._lose(exc)
            raise
        if not queued:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self._pending_cache = (0.0, True)
        return True

    def next_request(self) -> Request | None:
        if self.lost is not None:
            return None
        self.sweep()
        if time.monotonic() < self._ready_at:
            return None
        try:
            got = self.queue.pop()
        except REDIS_ERRORS as exc:
            self._lose(exc)
            return None
        if not isinstance(got, tuple):
            self._ready_at = time.monotonic() + min(got if got is not None else self.TICK, 1.0)
            return None
        field, host, request = got
        self.leased[id(request)] = (request, field, host)
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        """Work anywhere in the frontier (queued, or leased by a worker that may add
        more): then this worker is not idle. Cached for one tick."""
        if self.lost is not None:
            return False
        stamp, value = self._pending_cache
        if time.monotonic() - stamp < self.TICK:
            return value
        try:
            value = bool(self.server.exists(self.keys.hosts, self.keys.out))
        except REDIS_ERRORS as exc:
            self._lose(exc)
            return False
        self._pending_cache = (time.monotonic(), value)
        return value

    # -- acknowledgement, heartbeat, idleness ------------------------------------------

    def _done(self, request: Request) -> None:
        entry = self.leased.pop(id(request), None)
        if entry is None or self.lost is not None:
            return
        try:
            self.frontier.ack(self.worker, entry[1], entry[2])
            self.acked += 1
        except REDIS_ERRORS as exc:
            self._lose(exc)

    def sweep(self, final: bool = False) -> None:
        """Acknowledge the leased requests the engine is done with; on close, put back
        those it is not (a graceful stop loses nothing and waits for no lease)."""
        if not self.leased:
            return
        inprogress = self.crawler.engine._slot.inprogress if self.crawler.engine._slot else set()
        done = [k for k, (req, _, _) in self.leased.items() if req not in inprogress]
        for key in done:
            _, field, host = self.leased.pop(key)
            self.frontier.ack(self.worker, field, host)
            self.acked += 1
        if final and self.leased:
            fields = [field for _, field, _ in self.leased.values()]
            n = self.frontier.requeue(self.worker, fields)
            logger.info("put %d unfinished request(s) back on the frontier", n)
            self.leased.clear()

    def tick(self) -> None:
        """Every 0.2 s: acknowledge, heartbeat, reap dead workers, wake the engine."""
        if self.lost is not None:
            return
        try:
            self.sweep()
            clock = time.monotonic()
            if clock - self._last_beat >= min(2.0, self.lease / 4):
                self._last_beat = clock
                self.heartbeat()
            if clock - self._last_reap >= min(5.0, self.lease / 2):
                self._last_reap = clock
                if self.frontier.reap(me=self.worker):
                    self._pending_cache = (0.0, True)
                    self._ready_at = 0.0
        except REDIS_ERRORS as exc:
            self._lose(exc)
            return
        slot = self.crawler.engine._slot
        if slot is not None and time.monotonic() >= self._ready_at:
            slot.nextcall.schedule()

    def heartbeat(self) -> None:
        ttl = int(self.lease * 1000)
        pipe = self.server.pipeline()
        pipe.set(self.keys.worker(self.worker), self._token, px=ttl, xx=True)
        pipe.set(self.keys.alive, self.worker, px=ttl)
        kept, _ = pipe.execute()
        if not kept:  # this process stalled longer than a lease: others took its requests
            logger.warning("worker %s missed its heartbeat for over %.0f s: its leased requests "
                           "were re-queued and may be fetched twice (raise "
                           "NIANBAO_LEASE_SECONDS)", self.worker, self.lease)
            self.server.set(self.keys.worker(self.worker), self._token, px=ttl)
            self.server.hset(self.keys.workers, self.worker, "{}")
        gate = getattr(self.crawler, "nianbao_gate", None)
        if gate is not None:
            gate.refresh(ttl)
        flush_stats(self.crawler, self.server, self.keys)

    def spider_idle(self, spider) -> None:
        """Close only when the whole frontier (not just this worker) has been empty for
        ``NIANBAO_IDLE_SECONDS``: another worker's page may still add requests."""
        if self.lost is not None:
            return
        try:
            busy = self.frontier.busy()
            state = self.server.hget(self.keys.crawl, "state")
        except REDIS_ERRORS as exc:
            self._lose(exc)
            return
        if busy or state == b"seeding":
            self._idle_since = None
            raise DontCloseSpider
        if self._idle_since is None:
            self._idle_since = time.monotonic()
        if time.monotonic() - self._idle_since < self.idle_seconds:
            raise DontCloseSpider
        logger.info("frontier empty for %.0f s: this worker is done", self.idle_seconds)
        self.server.hset(self.keys.crawl, mapping={"state": "finished",
                                                   "finished": time.strftime(
                                                       "%Y-%m-%dT%H:%M:%SZ", time.gmtime())})

    def _lose(self, exc: BaseException) -> None:
        if self.lost is not None:
            return
        self.lost = exc
        self.server.set_retry(Retry(ExponentialBackoff(cap=0.1, base=0.01), 0))  # fail fast now
        logger.error("lost Redis (%s): stopping this worker; its leased requests stay in "
                     "Redis and are re-queued once it answers again", exc)
        engine = self.crawler.engine
        engine.pause()
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason="redis_lost"))


# -- politeness ------------------------------------------------------------------------


class RedisHostGate(HostGate):
    """``HostGate`` backed by Redis: one request in flight per host across every worker,
    and the delay between requests kept on Redis's clock. Waiters in this process queue
    on the local gate first, so only one of them asks Redis at a time."""

    POLL = 0.05

    def __init__(self, server: redis.Redis, keys: Keys, token: str, default_delay: float,
                 lease: float):
        super().__init__(default_delay)
        self.server, self.keys, self.token, self.lease = server, keys, token, lease
        self.held: set[str] = set()
        self._acquire = server.register_script(_GATE_ACQUIRE)
        self._release = server.register_script(_GATE_RELEASE)
        self._refresh = server.register_script(_GATE_REFRESH)

    @classmethod
    def from_crawler(cls, crawler) -> RedisHostGate:
        settings = crawler.settings
        gate = cls(redis_for(crawler), keys_for(crawler),
                   settings.get("NIANBAO_WORKER_TOKEN") or settings.get("NIANBAO_WORKER_ID", ""),
                   settings.getfloat("DOWNLOAD_DELAY"),
                   settings.getfloat("NIANBAO_LEASE_SECONDS", 30.0))
        crawler.nianbao_gate = gate
        return gate

    async def acquire(self, host: str) -> None:
        await super().acquire(host)
        try:
            while True:
                wait = int(self._acquire(args=[self.keys.ns, host, self.token,
                                               int(self.lease * 1000)]))
                if wait == 0:
                    break
                await asyncio.sleep(wait / 1000 if wait > 0 else self.POLL)
        except BaseException:
            super().release(host)
            raise
        self.held.add(host)

    def release(self, host: str) -> None:
        self.held.discard(host)
        try:
            self._release(args=[self.keys.ns, host, self.token, int(self.delay(host) * 1000)])
        finally:
            super().release(host)

    def set_delay(self, host: str, seconds: float) -> None:
        super().set_delay(host, seconds)
        self.server.hset(self.keys.delays, host, int(max(0.0, seconds) * 1000))

    def refresh(self, ttl_ms: int) -> None:
        if self.held:
            self._refresh(args=[self.keys.ns, self.token, ttl_ms, *sorted(self.held)])


# -- counters --------------------------------------------------------------------------


class RedisStats(MemoryStatsCollector):
    """Scrapy's stats in memory, with every count also added to ``NS:stats`` in Redis
    (batched, each tick): per-portal counters summed over all workers."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.pending: dict[str, float] = {}
        self.assigned: dict[str, Any] = {}

    def inc_value(self, key, count=1, start=0, spider=None):
        super().inc_value(key, count, start)
        if isinstance(count, (int, float)):
            self.pending[key] = self.pending.get(key, 0) + count

    def set_value(self, key, value, spider=None):
        super().set_value(key, value)
        if key.startswith("nianbao/") and isinstance(value, (int, float)):
            self.assigned[key] = value

    def max_value(self, key, value, spider=None):
        super().max_value(key, value)
        if key.startswith("nianbao/") and isinstance(value, (int, float)):
            self.assigned[key] = self.get_value(key)

    def flush(self, server: redis.Redis, key: str) -> None:
        if not (self.pending or self.assigned):
            return
        pending, assigned = self.pending, self.assigned
        self.pending, self.assigned = {}, {}
        pipe = server.pipeline(transaction=False)
        for name, count in pending.items():
            if isinstance(count, int):
                pipe.hincrby(key, name, count)
            else:
                pipe.hincrbyfloat(key, name, count)
        if assigned:
            pipe.hset(key, mapping=assigned)
        pipe.execute()


def flush_stats(crawler, server: redis.Redis, keys: Keys) -> None:
    stats = crawler.stats
    if isinstance(stats, RedisStats):
        stats.flush(server, keys.stats)


def read_stats(server: redis.Redis, keys: Keys) -> dict[str, float | int]:
    out: dict[str, float | int] = {}
    for k, v in server.hgetall(keys.stats).items():
        text = v.decode()
        try:
            out[k.decode()] = int(text)
        except ValueError:
            out[k.decode()] = float(text)
    return out


# -- shared spider state ---------------------------------------------------------------


class RedisSet:
    """A set of strings in Redis, with what the spider and ``Scope`` ask of a set."""

    def __init__(self, server: redis.Redis, key: str, encode=str):
        self.server, self.key, self.encode = server, key, encode
        self.known: set[Any] = set()  # members seen here: never removed during a crawl

    def __contains__(self, member) -> bool:
        if member in self.known:
            return True
        if self.server.sismember(self.key, self.encode(member)):
            self.known.add(member)
            return True
        return False

    def add(self, member) -> None:
        self.known.add(member)
        self.server.sadd(self.key, self.encode(member))

    def __len__(self) -> int:
        return int(self.server.scard(self.key))

    def __iter__(self) -> Iterator[str]:
        return (m.decode() for m in self.server.smembers(self.key))


class RedisSetMap(MutableMapping):
    """``{name: set}`` in Redis (list pages read per column, failed start URLs per portal)."""

    def __init__(self, server: redis.Redis, keys: Keys, what: str):
        self.server, self.keys, self.what = server, keys, what
        self.index = f"{keys.ns}:{what}"

    def _set(self, name: str) -> RedisSet:
        return RedisSet(self.server, self.keys.hashed(self.what, name))

    def __getitem__(self, name: str) -> RedisSet:
        if not self.server.sismember(self.index, name):
            raise KeyError(name)
        return self._set(name)

    def setdefault(self, name: str, default=None) -> RedisSet:
        self.server.sadd(self.index, name)
        found = self._set(name)
        for member in default or ():
            found.add(member)
        return found

    def __setitem__(self, name: str, value) -> None:
        self.setdefault(name, value)

    def __delitem__(self, name: str) -> None:
        self.server.srem(self.index, name)
        self.server.delete(self.keys.hashed(self.what, name))

    def __iter__(self) -> Iterator[str]:
        return (m.decode() for m in sorted(self.server.smembers(self.index)))

    def __len__(self) -> int:
        return int(self.server.scard(self.index))


class RedisJsonMap:
    """Read-only ``{url: value}`` from a Redis hash of JSON (what the archive knew at
    seeding: attachments of reports, validators of captures)."""

    def __init__(self, server: redis.Redis, key: str, as_tuple: bool = False):
        self.server, self.key, self.as_tuple = server, key, as_tuple

    def get(self, url: str, default=None):
        raw = self.server.hget(self.key, url)
        if raw is None:
            return default
        value = json.loads(raw)
        return tuple(value) if self.as_tuple else value

    def __len__(self) -> int:
        return int(self.server.hlen(self.key))


class RedisList:
    """An append-only list in Redis (failed fetches of every worker)."""

    def __init__(self, server: redis.Redis, key: str):
        self.server, self.key = server, key

    def append(self, item: str) -> None:
        self.server.rpush(self.key, item)

    def __iter__(self) -> Iterator[str]:
        return (m.decode() for m in self.server.lrange(self.key, 0, -1))

    def __len__(self) -> int:
        return int(self.server.llen(self.key))


class DistributedPortalSpider(PortalSpider):
    """The portal spider as a worker runs it: start requests come from the frontier
    (seeded once by ``nianbao crawl``), and what the spider remembers is shared."""

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        server, keys = redis_for(crawler), keys_for(crawler)
        spider.attachments = RedisJsonMap(server, keys.attachments)
        spider.known = []
        spider.list_seen = RedisSetMap(server, keys, "lists")
        spider.start_failed = RedisSetMap(server, keys, "start_failed")
        spider.failed = RedisList(server, keys.failed)
        return spider

    async def start(self):
        return
        yield  # an async generator with nothing in it: the frontier holds the starts


class DistributedScopeMiddleware(ScopeMiddleware):
    """Scope with the grants (report hosts brought into scope) shared by every worker."""

    def _scope(self):
        fresh = self.scope is None
        scope = super()._scope()
        if fresh:
            crawler = self.crawler
            scope.granted = RedisSet(redis_for(crawler), keys_for(crawler).granted,
                                     encode=lambda hp: f"{hp[0]} {hp[1]}")
        return scope


class DistributedConditionalMiddleware(ConditionalRequestMiddleware):
    """Conditional requests with the validators the archive held when the crawl was
    seeded (from Redis: a worker on another machine has no database)."""

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy.exceptions import NotConfigured

        if not crawler.settings.getbool("NIANBAO_CONDITIONAL", True):
            raise NotConfigured
        return cls(RedisJsonMap(redis_for(crawler), keys_for(crawler).validators, as_tuple=True),
                   crawler.stats)


def worker_settings(url: str, ns: str, worker_id: str, token: str) -> dict[str, Any]:
    """What turns the project's crawler into a worker of a shared frontier."""
    from .settings import DOWNLOADER_MIDDLEWARES

    mws = dict(DOWNLOADER_MIDDLEWARES)
    mws.pop("nianbao.crawler.middlewares.ScopeMiddleware", None)
    mws.pop("nianbao.crawler.middlewares.ConditionalRequestMiddleware", None)
    mws["nianbao.crawler.distributed.DistributedScopeMiddleware"] = 50
    mws["nianbao.crawler.distributed.DistributedConditionalMiddleware"] = 560
    return {
        "REDIS_URL": url,
        "NIANBAO_REDIS_NAMESPACE": ns,
        "NIANBAO_WORKER_ID": worker_id,
        "NIANBAO_WORKER_TOKEN": token,
        "SCHEDULER": "nianbao.crawler.distributed.LeasedScheduler",
        "SCHEDULER_PERSIST": True,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "STATS_CLASS": "nianbao.crawler.distributed.RedisStats",
        "NIANBAO_HOST_GATE": "nianbao.crawler.distributed.RedisHostGate",
        "DOWNLOADER_MIDDLEWARES": mws,
        "NIANBAO_INGEST": False,  # one central ingest: `nianbao ingest` / the end of `crawl`
    }
