"""A shared frontier in Redis worked by several processes (issue 11): a real
``redis-server`` on loopback, a field of generated portals on distinct loopback IPs served
by one process that logs every request (``tests/generators/server.PortalField``).

* 3 workers archive the same reports and cells as one process; no URL fetched twice;
  at most one request in flight per host and the delay kept, across workers.
* a worker SIGKILLed mid-crawl and restarted: the same result, every WARC file valid.
* Redis lost mid-crawl: a clear error; back with its append-only file: the crawl resumes
  to the same result.
* bad input: a Redis that does not answer, another project's keys, a namespace without a
  crawl, a Redis that evicts keys, two crawls of the same portals at once.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlite_utils

from nianbao.archive.warcstore import ReadError, read_records, warc_files
from tests.generators.portals import FAMILIES, generate
from tests.generators.server import PortalField

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
DELAY = 0.1
SETTINGS = [f"DOWNLOAD_DELAY={DELAY}", "AUTOTHROTTLE_ENABLED=False", "LOG_LEVEL=WARNING",
            "NIANBAO_PROGRESS=False", "NIANBAO_SCOPE_ALLOW_NETS=127.0.0.0/8",
            "NIANBAO_LEASE_SECONDS=6", "CONCURRENT_REQUESTS=8"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A real redis-server on loopback with its own folder and append-only file."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: Redis flushes its append-only file and exits
            self.proc.wait(timeout=20)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


def small_portals(n: int = 22) -> list:
    """Two small portals per family (no robots Crawl-delay: CI-sized), on their own IPs;
    provincial ones bring department sites on further IPs (scope grants shared)."""
    chosen = []
    for f, family in enumerate(FAMILIES):
        found = []
        for seed in range(40):
            portal = generate(family, seed, f"127.0.{110 + f}.{1 + seed}", hostile=False)
            if portal.crawl_delay is None and len(portal.reports) <= 14:
                found.append(portal)
            if len(found) == 2:
                break
        chosen += found
    return chosen[:n]


@pytest.fixture(scope="module")
def field() -> Iterator[PortalField]:
    portals = small_portals()
    assert len(portals) >= 20
    with PortalField(portals) as served:
        yield served


def nianbao(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "nianbao", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def spawn(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "nianbao", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def crawl_args(field: PortalField, *extra: str) -> list[str]:
    args = ["crawl"]
    for portal in field.portals:
        args += ["--start-url", portal.homepage]
    for setting in SETTINGS:
        args += ["-s", setting]
    return [*args, *extra]


def archive(db_file: Path) -> dict[str, object]:
    """What a user would compare: reports and their cells, keyed by URL."""
    db = sqlite_utils.Database(db_file)
    reports = {r["url"]: (r["year"], r["title"], r["format"], r["agency"])
               for r in db.query("select url, year, title, format, agency from reports")}
    cells = Counter((r["url"], r["table"], r["row_key"], r["col_key"], r["value"], r["raw"])
                    for r in db.query("""select reports.url, cells."table", row_key, col_key,
                                         value, raw from cells join reports
                                         on reports.id = cells.report_id"""))
    return {"reports": reports, "cells": cells}


def fetches(field: PortalField) -> Counter:
    """Requests by (method, host, path, query), robots.txt aside (each worker reads it).
    The log has no request bodies: pages of a POSTed list count as one key, n times."""
    return Counter((e["method"], e["host"], e["port"], e["path"], e["query"])
                   for e in field.entries() if e["path"] != "/robots.txt")


def assert_polite(field: PortalField) -> None:
    assert max(field.max_in_flight_per_host().values()) == 1
    gaps = [g for g in field.min_gap_per_host().values() if g != float("inf")]
    assert min(gaps) >= DELAY - 0.01, f"requests closer than DOWNLOAD_DELAY: {min(gaps):.3f}s"


def assert_warc_valid(data: Path) -> None:
    folder = data / "warc"
    assert not list(folder.rglob("*.open")), "a WARC file was left unfinished"
    for path in warc_files(folder):
        errors = [item for item in read_records(path) if isinstance(item, ReadError)]
        assert not errors, f"{path.name}: {errors[:3]}"


@pytest.fixture(scope="module")
def baseline(field, tmp_path_factory) -> dict[str, object]:
    """One ordinary process (no Redis) crawls the field."""
    work = tmp_path_factory.mktemp("single")
    field.clear_log()
    result = nianbao(*crawl_args(field), cwd=work)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_polite(field)
    found = archive(work / "data" / "nianbao.db")
    assert len(found["reports"]) >= 40 and sum(found["cells"].values()) >= 40
    return {**found, "fetches": fetches(field)}


def test_three_workers_archive_what_one_process_does(field, baseline, redis_server, tmp_path):
    field.clear_log()
    result = nianbao(*crawl_args(field, "--redis", redis_server.url, "--namespace", "three",
                                 "--workers", "3", "--idle", "1"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    data = tmp_path / "data"
    assert archive(data / "nianbao.db") == {k: baseline[k] for k in ("reports", "cells")}
    seen = fetches(field)
    # no URL fetched twice: exactly the fetches of one process (POSTs differ by body)
    assert seen == baseline["fetches"]
    assert_polite(field)
    assert_warc_valid(data)
    names = [p.name for p in warc_files(data / "warc")]
    writers = {name.split("-20")[0] for name in names}
    assert len(writers) == 3, names  # each worker its own files, its id in their names
    # per-portal counters summed in Redis made the crawl summary
    assert "127.0.110." in result.stderr and "Crawl summary" in result.stderr
    # the files of all workers, ingested in name order: a rebuild gives the same rows
    rows = sqlite_utils.Database(data / "nianbao.db").query(
        "select id, url, year, versions from reports order by id")
    before = list(rows)
    again = nianbao("rebuild", "--data", str(data), cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    after = list(sqlite_utils.Database(data / "nianbao.db").query(
        "select id, url, year, versions from reports order by id"))
    assert before == after
    # and a worker joining a finished crawl has nothing to do
    late = nianbao("worker", "--redis", redis_server.url, "--namespace", "three", cwd=tmp_path)
    assert late.returncode == 0 and "nothing to do" in late.stderr


def test_worker_killed_and_restarted(field, baseline, redis_server, tmp_path):
    field.clear_log()
    url = redis_server.url
    seeded = nianbao(*crawl_args(field, "--redis", url, "--namespace", "kill", "--workers", "0"),
                     cwd=tmp_path)
    assert seeded.returncode == 0 and "seeded" in seeded.stderr, seeded.stderr[-2000:]
    worker = ["worker", "--redis", url, "--namespace", "kill", "--idle", "1"]
    victim = spawn(*worker, "--id", "a", cwd=tmp_path)
    other = spawn(*worker, "--id", "b", cwd=tmp_path)
    total = sum(baseline["fetches"].values())
    deadline = time.monotonic() + 120
    while len(fetches(field)) < total // 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    leased = redis_server.client().hlen("kill:proc:a")  # its requests in flight, unacknowledged
    assert sum(fetches(field).values()) < total, "the crawl finished before the kill"
    restarted = spawn(*worker, "--id", "a", cwd=tmp_path)
    for proc in (other, restarted):
        out, _ = proc.communicate(timeout=240)
        assert proc.returncode == 0, out[-3000:]
    ingest = nianbao("ingest", "--redis", url, "--namespace", "kill", cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr[-2000:]
    data = tmp_path / "data"
    assert archive(data / "nianbao.db") == {k: baseline[k] for k in ("reports", "cells")}
    assert_warc_valid(data)
    # the crawl that workers did elsewhere is in the crawl history, once however often
    # its files are ingested
    runs = sqlite_utils.Database(data / "nianbao.db")["crawl_runs"]
    assert runs.count == len(field.portals) and "recorded in the crawl history" in ingest.stderr
    assert nianbao("ingest", "--redis", url, "--namespace", "kill", cwd=tmp_path).returncode == 0
    assert runs.count == len(field.portals)
    status = nianbao("status", cwd=tmp_path)
    assert status.returncode == 0 and "No crawl recorded" not in status.stdout + status.stderr
    seen = fetches(field)
    assert set(seen) == set(baseline["fetches"])
    again = seen - baseline["fetches"]
    assert sum(again.values()) <= leased, (leased, again)  # only what it had in flight
    assert max(field.max_in_flight_per_host().values()) == 1


def test_redis_lost_is_an_error_and_a_restart_resumes(field, baseline, redis_server, tmp_path):
    field.clear_log()
    args = crawl_args(field, "--redis", redis_server.url, "--namespace", "lost", "--workers",
                      "2", "--idle", "1", "-s", "NIANBAO_REDIS_GRACE=2")
    first = spawn(*args, cwd=tmp_path)
    total = sum(baseline["fetches"].values())
    deadline = time.monotonic() + 120
    while len(fetches(field)) < total // 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    redis_server.stop()
    try:
        out, _ = first.communicate(timeout=120)
    finally:
        redis_server.start()  # same folder: the append-only file brings the crawl back
    assert first.returncode not in (0, None)
    assert "lost Redis" in out, out[-3000:]
    resumed = nianbao(*args, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming" in resumed.stderr
    assert archive(tmp_path / "data" / "nianbao.db") == {k: baseline[k]
                                                         for k in ("reports", "cells")}
    assert_warc_valid(tmp_path / "data")


def test_bad_redis_input(field, redis_server, tmp_path):
    url = redis_server.url
    dead = f"redis://127.0.0.1:{free_port()}/0"
    for args in (["worker", "--redis", dead], [*crawl_args(field), "--redis", dead]):
        result = nianbao(*args, cwd=tmp_path)
        assert result.returncode == 1 and "does not answer" in result.stderr, result.stderr
    client = redis_server.client()
    # another project's scrapy-redis queue, without nianbao's marker
    client.zadd("otherproject:requests", {b"x": 0})
    result = nianbao("worker", "--redis", url, "--namespace", "otherproject", cwd=tmp_path)
    assert result.returncode == 1 and "did not write" in result.stderr, result.stderr
    result = nianbao(*crawl_args(field, "--redis", url, "--namespace", "otherproject",
                                 "--workers", "0"), cwd=tmp_path)
    assert result.returncode == 1 and "another project" in result.stderr, result.stderr
    assert client.zcard("otherproject:requests") == 1  # untouched
    client.set("marked:project", '{"project": "somebody-else"}')
    result = nianbao("worker", "--redis", url, "--namespace", "marked", cwd=tmp_path)
    assert result.returncode == 1 and "belongs to another project" in result.stderr
    result = nianbao("worker", "--redis", url, "--namespace", "empty", cwd=tmp_path)
    assert result.returncode == 1 and "no nianbao crawl" in result.stderr
    # a Redis that may evict keys could lose the frontier silently: refused
    client.config_set("maxmemory-policy", "allkeys-lru")
    try:
        result = nianbao("worker", "--redis", url, cwd=tmp_path)
    finally:
        client.config_set("maxmemory-policy", "noeviction")
    assert result.returncode == 1 and "noeviction" in result.stderr
    # URLs redis-py would quietly read as another database or another server
    for bad, why in ((f"{url.rsplit('/', 1)[0]}/abc", "must be a number"),
                     ("redis://", "names no host"), ("", "not a Redis URL"),
                     ("http://127.0.0.1:6379/0", "not a Redis URL")):
        for args in (["worker", "--redis", bad], [*crawl_args(field), "--redis", bad]):
            result = nianbao(*args, cwd=tmp_path)
            assert result.returncode == 2 and why in result.stderr, (bad, result.stderr)
    assert not (tmp_path / "data").exists()  # nothing crawled


def test_a_crawl_is_refused_while_another_coordinator_runs(field, redis_server, tmp_path):
    """The crawl that seeded a frontier holds it until its final ingest is done: a second
    crawl started while the workers idle out, or after they stopped, must not take it over
    (it did: the first crawl then found its frontier re-seeded and ingested nothing)."""
    from nianbao.crawler.distributed import Keys
    from nianbao.crawler.workers import CoordinatorLease, check_namespace

    url, client, keys = redis_server.url, redis_server.client(), Keys("leased")
    check_namespace(client, keys, url, create=True)
    client.hset(keys.crawl, mapping={"id": "first", "state": "finished"})  # workers done
    with CoordinatorLease(client, keys, url):
        result = nianbao(*crawl_args(field, "--redis", url, "--namespace", "leased"),
                         cwd=tmp_path)
        assert result.returncode == 3 and "a crawl is running" in result.stderr, result.stderr
        assert client.hget(keys.crawl, "id") == b"first"
    assert not client.exists(keys.coordinator)  # released when the coordinator is done
    for key in client.scan_iter(match="leased:*"):
        client.delete(key)


def test_two_crawls_of_the_same_portals_are_refused(field, redis_server, tmp_path):
    url = redis_server.url
    client = redis_server.client()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    field.clear_log()
    first = spawn(*crawl_args(field, "--redis", url, "--namespace", "busy", "--workers", "1"),
                  cwd=tmp_path / "a")
    deadline = time.monotonic() + 120
    while len(field.entries()) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    crawl_id = client.hget("busy:crawl", "id")
    same_ns = nianbao(*crawl_args(field, "--redis", url, "--namespace", "busy"),
                      cwd=tmp_path / "b")
    assert same_ns.returncode == 3 and "a crawl is running" in same_ns.stderr, same_ns.stderr
    other_ns = nianbao(*crawl_args(field, "--redis", url, "--namespace", "busy2"),
                       cwd=tmp_path / "b")
    assert other_ns.returncode == 3 and "being crawled right now" in other_ns.stderr
    assert client.hget("busy:crawl", "id") == crawl_id and first.poll() is None
    # a graceful stop (SIGTERM) puts what the worker held back on the frontier
    os.killpg(first.pid, signal.SIGTERM)
    out, _ = first.communicate(timeout=120)
    assert first.returncode == 1 and "before the crawl finished" in out, out[-2000:]
    assert sum(client.hlen(k) for k in client.scan_iter(match="busy:proc:*")) == 0
    assert client.zcard("busy:hosts") > 0 and not client.exists("busy:out")
    for key in client.scan_iter(match="busy*"):
        client.delete(key)
    client.delete("nianbao-claims")


def test_worker_warc_files_sealed_after_a_kill(tmp_path):
    """A worker's file is `.open` while written; one left with a cut-off record (its
    writer killed) is cut back to its last whole record and finished, once unlocked."""
    from nianbao.crawler.workerwarc import WorkerWarcWriter, seal_orphans

    writer = WorkerWarcWriter(tmp_path, "host-1")
    for i in range(3):
        writer.write_exchange(f"http://127.0.0.9/{i}", "GET", [], 200, "OK", [], b"x" * 5000)
    open_path = writer.path
    assert open_path.name.startswith("nianbao-host-1-") and open_path.name.endswith(".open")
    assert seal_orphans(tmp_path) == [] and warc_files(tmp_path) == []  # locked: live writer
    with open(open_path, "ab") as fh:
        fh.write(b"\x1f\x8b\x08\x00" + b"cut off")  # what a kill mid-write leaves
    writer._fh.close()  # the writer dies: its lock goes with it
    sealed = seal_orphans(tmp_path)
    assert [p.name for p in sealed] == [open_path.name[:-len(".open")]]
    records = list(read_records(sealed[0]))
    assert not [r for r in records if isinstance(r, ReadError)] and len(records) == 7
