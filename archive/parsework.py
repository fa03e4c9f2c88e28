"""Parsing in worker processes, storing in one: every capture is inflated, classified and
parsed in a worker under a memory limit (``RLIMIT_AS``) and a wall-time limit, and the
results come back to the writing process in input order, so ``--jobs N`` writes exactly
what ``--jobs 1`` writes.

A worker that runs out of memory, crashes or overruns its time is replaced; its capture
comes back flagged ``memory`` or ``timeout``. A worker first tries to stop itself (an
alarm raised inside the parse, so converters it started are cleaned up); one that does
not answer a few seconds later is killed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from typing import Any

from ..parsers.antibot import classify_block
from ..parsers.limits import (
    CAPTURE_MEMORY_BYTES,
    MAX_INFLIGHT_BYTES,
    MAX_PARSE_BYTES,
    PARSE_TIMEOUT_SECONDS,
    WORKER_RECYCLE_BYTES,
    inflate,
    limit_outcome,
    parse_timeout,
)
from ..parsers.pipeline import Parsed, parse_capture
from .bodies import Body, body_of, warm_up
from .warcstore import Record

logger = logging.getLogger(__name__)

KILL_GRACE_SECONDS = 5.0  # after its own alarm, a worker has this long to answer before it is killed
WATCH_SECONDS = 0.02  # how often a worker samples its own size while parsing
WATCH_MARGIN = 64 * 1024 * 1024  # RLIMIT_AS this far above a capture's room stops fast spikes
STUCK_CHECK_SECONDS = 0.5  # how often the writer looks at its busy workers' sizes
WALL_BYTES = 16 * 1024 * 1024  # a worker this close to its RLIMIT_AS is at the wall …
STUCK_SECONDS = 3.0  # … and stopped when it sits there this long without answering


@dataclass
class Rows:
    """A report's rows as the writer stores them, shaped where the report was parsed:
    plain tuples (cheap to send back and to ``executemany``), the report id left out."""

    region: str | None  # the portal registry's region, else the report's own
    body: Body | None
    cells: list[tuple]  # (table, row_key, col_key, value, raw, flag)
    checks: list[tuple]  # (rule, status, detail)
    sections: list[tuple]  # (number, heading, text)

    @property
    def values(self) -> int:
        """How many cells hold a value."""
        return sum(c[3] is not None for c in self.cells)


def report_rows(record: Record, parsed: Parsed, regions: dict[str, str | None]) -> Rows:
    """The rows of ``parsed.report`` (a report), and its body. Pure."""
    report = parsed.report
    portal = record.warc_headers.get("Nianbao-Portal")
    region = regions.get(portal) or report.region
    body = body_of(agency=report.agency, title=report.title, text=report.text,
                   year=report.year, portal_region=region, portal=portal, url=record.url)
    return Rows(region, body,
                [(c.table, c.row_key, c.col_key, c.value, c.raw, c.flag) for c in report.cells],
                [(c.rule, c.status, c.detail) for c in report.checks],
                [(s.number, s.heading, s.text) for s in report.sections])


@dataclass
class Analysis:
    """What the workers found out about one captured response."""

    size: int = 0  # body bytes once inflated (or as stored, when not inflated)
    block: str | None = None  # anti-bot or soft-404 kind
    parsed: Parsed | None = None
    limit: str | None = None  # too_large | bomb | timeout | memory
    losses: list[str] = field(default_factory=list)  # truncation, undecodable coding, …
    detail: str | None = None  # what the limit was, in words
    rows: Rows | None = None  # a report's rows and body, when ``parsed`` is a report

    @property
    def notes(self) -> str | None:
        return "; ".join(dict.fromkeys(x for x in [self.detail, *self.losses] if x)) or None


def _losses(record: Record) -> list[str]:
    """Every sign that the stored body is less than what was sent."""
    found = []
    if record.warc_headers.get("WARC-Truncated"):
        found.append(f"truncated:{record.warc_headers['WARC-Truncated']}")
    if record.problem and not record.problem.startswith("too_large"):
        found.append(record.problem)
    declared = (record.header("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > record.payload_size:
        found.append(f"truncated:content_length {record.payload_size} of {declared} bytes")
    return found


def analyse(record: Record, regions: dict[str, str | None] | None = None) -> Analysis:
    """Inflate, classify and parse one response, and shape a report's rows (``regions``:
    each portal's region from the registry). Pure: no I/O, no database."""
    losses = _losses(record)
    if record.problem and record.problem.startswith("too_large"):
        return Analysis(record.payload_size, limit="too_large", losses=losses,
                        detail=record.problem)
    inflated = inflate(record.body, record.header("Content-Encoding"))
    if inflated.outcome:
        return Analysis(len(inflated.data), limit=inflated.outcome, losses=losses,
                        detail=inflated.problem)
    if inflated.problem:
        losses.append(inflated.problem)
    if (inflated.problem or "").startswith("unsupported"):  # still encoded: nothing to read
        return Analysis(len(record.body), losses=losses, parsed=Parsed(
            kind="encoded", flags=[*losses, f"not_parsed:{inflated.problem}"]))
    body = inflated.data
    block = classify_block(record.status, dict(record.headers), body)
    if block or record.status is None or not 200 <= record.status < 300:
        return Analysis(len(body), block=block, losses=losses)
    parsed = parse_capture(body, record.content_type, record.url)
    parsed.flags[:0] = [x for x in losses if x not in parsed.flags]
    report = parsed.report
    found = [f for f in (report.flags if report else []) if limit_outcome([f])]
    parsed.flags += [f for f in found if f not in parsed.flags]
    # A limit met on the way is the capture's outcome unless a report came out all the
    # same (then the report row carries the flag).
    limit = None if report is not None and report.is_report else limit_outcome(parsed.flags)
    detail = next((f for f in parsed.flags if limit and f.startswith(limit)), None)
    rows = report_rows(record, parsed, regions or {}) if report is not None and report.is_report \
        else None
    return Analysis(len(body), parsed=parsed, limit=limit, losses=losses, detail=detail, rows=rows)


def slim(analysis: Analysis) -> Analysis:
    """``analysis`` without what ``rows`` already holds, to send back: the report's cells,
    checks and sections as objects cost more to pickle than everything else."""
    report = analysis.parsed.report if analysis.parsed else None
    if analysis.rows is None or report is None:
        return analysis
    thin = replace(report, cells=[], checks=[], sections=[])
    return replace(analysis, parsed=replace(analysis.parsed, report=thin))


# -- the worker process ------------------------------------------------------------------


class _Alarm(BaseException):
    """Raised inside a parse when its time is up (BaseException: no parser swallows it)."""


def _on_alarm(signum, frame) -> None:
    raise _Alarm


class _OverMemory(BaseException):
    """Raised inside a parse that has grown past its room (seen by ``_Watch``): libraries
    that swallow a MemoryError and go on (pdfminer does) cannot swallow this."""


class _Watch(threading.Thread):
    """Samples the worker's address space while a capture is parsed; past ``limit`` it
    interrupts the parse (SIGUSR1 → ``_OverMemory`` in the main thread). RLIMIT_AS, set a
    margin above, stops what grows faster than the samples."""

    def __init__(self) -> None:
        super().__init__(daemon=True, name="nianbao-memory-watch")
        self.limit = 0
        self.active = False  # a parse is running: the signal may interrupt it
        self.main = threading.main_thread().ident

    def run(self) -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            if self.limit and _vm_size() > self.limit:
                self.limit = 0
                signal.pthread_kill(self.main, signal.SIGUSR1)


_WATCH: _Watch | None = None


def _on_over_memory(signum, frame) -> None:
    if _WATCH is not None and _WATCH.active:
        raise _OverMemory


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the writing process dies (even by SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker(conn: Connection, memory: int, parent: int, regions: dict[str, str | None]) -> None:
    _die_with_parent()
    if os.getppid() != parent:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writer's to handle
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGUSR1, _on_over_memory)
    global _WATCH
    _WATCH = _Watch()
    _WATCH.start()
    warm_up()  # the divisions table: read once per worker, never inside a parse's time
    idle = _vm_size()
    if memory:
        ceiling = idle + WORKER_RECYCLE_BYTES + memory + WATCH_MARGIN + 4 * MAX_PARSE_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        seconds, record = task
        if memory:  # this capture's room: ``memory`` above what the worker holds now
            now = _vm_size()
            resource.setrlimit(resource.RLIMIT_AS, (min(ceiling, now + memory + WATCH_MARGIN),
                                                    ceiling))
            _WATCH.limit = now + memory
        result = slim(_run_one(record, seconds, memory, regions))
        _WATCH.limit = 0
        task_record = replace(record, body=b"")
        del record, task
        if memory:  # sending the result back is not the parse's to pay for
            resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        if _vm_size() > idle + WORKER_RECYCLE_BYTES // 2:
            release_memory()  # only when it grew: a full collection costs milliseconds
        retire = result.limit in _FATAL or _vm_size() > idle + WORKER_RECYCLE_BYTES
        try:
            conn.send((result, _peak_rss(), retire))
        except MemoryError:  # the result itself is too big to send back
            conn.send((over_limit("memory", task_record, seconds, memory), _peak_rss(), True))
            return
        if retire:
            return  # a worker that ran out of memory or time, or grew, starts afresh


def _vm_size() -> int:
    """This process's address space now (what RLIMIT_AS limits), in bytes."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def over_limit(limit: str, record: Record, seconds: float, memory: int) -> Analysis:
    """The one way a capture that ran out of time or memory is recorded, however that was
    noticed (its own alarm, its worker's watch, a MemoryError, the writer killing it): the
    row must not depend on which came first."""
    detail = (f"timeout:parse took over {seconds:g} s" if limit == "timeout"
              else f"memory:parse needed more than {_mib(memory)}")
    return Analysis(record.payload_size, limit=limit, losses=_losses(record), detail=detail)


_FATAL = ("timeout", "memory")


def _run_one(record: Record, seconds: float, memory: int,
             regions: dict[str, str | None]) -> Analysis:
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _WATCH.active = True
    try:
        result = analyse(record, regions)
    except _Alarm:
        return over_limit("timeout", record, seconds, memory)
    except (MemoryError, _OverMemory):
        return over_limit("memory", record, seconds, memory)
    finally:
        _WATCH.active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
    if result.limit in _FATAL:  # met inside the parse (a library's own MemoryError)
        return over_limit(result.limit, record, seconds, memory)
    return result


def release_memory() -> None:
    """Hand freed heap back to the system (glibc keeps it otherwise): a crawl that ends
    with ingest would carry its download buffers' high-water mark into the ingest."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _mib(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB"


# -- the pool, seen from the writing process -----------------------------------------------


@dataclass
class _Task:
    item: Any
    record: Record | None  # None: nothing to parse, just keep the item's place
    analysis: Analysis | None = None
    done: bool = False
    deadline: float = 0.0
    seconds: float = 0.0

    @property
    def weight(self) -> int:
        return len(self.record.body) if self.record is not None else 0


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    task: _Task | None = None
    walled: float | None = None  # since when it has sat at its address-space limit


def _stuck_at_limit(worker: _Worker) -> bool:
    """A worker at its RLIMIT_AS without answering for STUCK_SECONDS: native code (pdfium,
    libxml2) that cannot be interrupted is failing to allocate; its Python-level alarms
    cannot run, so it is stopped from here."""
    try:
        with open(f"/proc/{worker.proc.pid}/statm") as fh:
            size = int(fh.read().split()[0]) * resource.getpagesize()
        with open(f"/proc/{worker.proc.pid}/limits") as fh:
            line = next(x for x in fh if x.startswith("Max address space"))
        soft = line.split()[3]
    except (OSError, StopIteration, IndexError, ValueError):
        return False
    if not soft.isdigit() or size < int(soft) - WALL_BYTES:
        worker.walled = None
        return False
    worker.walled = worker.walled or time.monotonic()
    return time.monotonic() - worker.walled >= STUCK_SECONDS


@dataclass
class PoolStats:
    parsed: int = 0
    timeouts: int = 0
    memory: int = 0
    restarts: int = 0
    worker_peak_rss: int = 0  # bytes, the largest any worker reported


class ParsePool:
    """``jobs`` worker processes; ``ordered()`` gives results back in input order."""

    def __init__(self, jobs: int = 1, timeout: float | None = None, memory: int | None = None,
                 regions: dict[str, str | None] | None = None):
        self.jobs = max(1, jobs)
        self.regions = regions or {}  # each portal's region, for the bodies of its reports
        env = os.environ.get("NIANBAO_PARSE_TIMEOUT")
        self.timeout = timeout or (float(env) if env else PARSE_TIMEOUT_SECONDS)
        self.memory = CAPTURE_MEMORY_BYTES if memory is None else memory
        self.stats = PoolStats()
        self._ctx = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._queue: deque[_Task] = deque()

    def __enter__(self) -> ParsePool:
        release_memory()
        self._workers = [self._start() for _ in range(self.jobs)]
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self._workers:
            worker.proc.join(2)
            if worker.proc.is_alive():
                worker.proc.kill()
                worker.proc.join()
            worker.conn.close()
        self._workers = []

    def _start(self) -> _Worker:
        ours, theirs = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker, args=(theirs, self.memory, os.getpid(), self.regions),
                                 daemon=True, name="nianbao-parse")
        proc.start()
        theirs.close()
        return _Worker(proc, ours)

    # -- ordering ------------------------------------------------------------------------

    def ordered(self, items: Iterable[Any], needs: Callable[[Any], Record | None]
                ) -> Iterator[tuple[Any, Analysis | None]]:
        """Each item with the analysis of ``needs(item)`` (None when that is None), in
        the order given. At most ``2 × jobs`` parses and ``MAX_INFLIGHT_BYTES`` of
        bodies are in flight at once."""
        window: deque[_Task] = deque()
        source, exhausted = iter(items), False
        while True:
            while not exhausted and self._room(window):
                item = next(source, _END)
                if item is _END:
                    exhausted = True
                    break
                window.append(self._task(item, needs(item)))
            self._dispatch()
            while window and window[0].done:
                task = window.popleft()
                yield task.item, task.analysis
            if not window:
                if exhausted:
                    return
                continue
            self._collect()

    def _room(self, window: deque[_Task]) -> bool:
        working = [t for t in window if not t.done]
        return len(window) < 1000 and len(working) < 2 * self.jobs and (
            not working or sum(t.weight for t in working) < MAX_INFLIGHT_BYTES)

    def _task(self, item: Any, record: Record | None) -> _Task:
        task = _Task(item, record, done=record is None)
        if record is not None:
            task.seconds = parse_timeout(len(record.body), self.timeout)
            self._queue.append(task)
        return task

    def _dispatch(self) -> None:
        for worker in self._workers:
            if worker.task is None and self._queue:
                self._send(worker, self._queue.popleft())

    def _send(self, worker: _Worker, task: _Task) -> None:
        try:
            worker.conn.send((task.seconds, task.record))
        except OSError:  # the worker died between tasks: start another, try once more
            self._replace(worker)
            worker.conn.send((task.seconds, task.record))
        worker.task, worker.walled = task, None
        task.deadline = time.monotonic() + task.seconds + KILL_GRACE_SECONDS

    def _collect(self) -> None:
        """Wait for a result, a dead worker or an overrun deadline; settle what happened."""
        busy = [w for w in self._workers if w.task is not None]
        if not busy:
            return
        timeout = max(0.0, min(w.task.deadline for w in busy) - time.monotonic())
        ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy],
                     min(timeout, STUCK_CHECK_SECONDS))
        for worker in busy:
            if worker.conn in ready:
                self._receive(worker)
            elif worker.proc.sentinel in ready and not worker.proc.is_alive():
                self._lost(worker, "memory", "died")
            elif time.monotonic() >= worker.task.deadline:
                self._lost(worker, "timeout", "killed, not answering after its alarm")
            elif _stuck_at_limit(worker):
                self._lost(worker, "memory", "killed, stuck at its address-space limit")

    def _receive(self, worker: _Worker) -> None:
        try:
            analysis, rss, retire = worker.conn.recv()
        except (EOFError, OSError):
            worker.proc.join(1)
            self._lost(worker, "memory", "died")
            return
        self.stats.worker_peak_rss = max(self.stats.worker_peak_rss, rss)
        self._settle(worker.task, analysis)
        worker.task = None
        if retire:
            self._replace(worker)

    def _lost(self, worker: _Worker, limit: str, how: str) -> None:
        task = worker.task
        logger.warning("%s: parsing worker %s (exit code %s)", task.record.url, how,
                       worker.proc.exitcode)
        self._settle(task, over_limit(limit, task.record, task.seconds, self.memory))
        worker.task = None
        self._replace(worker)

    def _settle(self, task: _Task, analysis: Analysis) -> None:
        self.stats.parsed += 1
        if analysis.limit == "timeout":
            self.stats.timeouts += 1
        elif analysis.limit == "memory":
            self.stats.memory += 1
        if analysis.limit in ("timeout", "memory"):
            logger.warning("%s: %s", task.record.url, analysis.detail)
        task.analysis, task.done, task.record = analysis, True, None

    def _replace(self, worker: _Worker) -> None:
        if worker.proc.is_alive():
            worker.proc.kill()
        worker.proc.join()
        worker.conn.close()
        fresh = self._start()
        worker.proc, worker.conn = fresh.proc, fresh.conn
        self.stats.restarts += 1


_END = object()
