"""Parallel rebuild (issue 11.5): ``rebuild --jobs 2`` ÷ ``--jobs 1`` wall time, and peak RSS.

    python bench/rebuild_parallel.py [--reports 1500] [--rounds 3] [--corpus demo|mixed]

Writes N distinct reports to WARC files — ``demo``: the demo portal's six yearly pages, one
county each (HTML, the cheapest documents to parse, so the writer's share is largest);
``mixed``: the test generator's HTML, PDF (one page and split tables), DOCX and OFD
reports in equal shares, as portals publish them — then runs ``nianbao rebuild --jobs 1`` and ``--jobs 2`` in child processes,
alternating, and prints each run's wall time and the peak RSS of its process tree (the
writer and its workers, summed), the ratio of the median times and of the best times
(target ≤ 0.55 on 2 cores), the same against one core (the CPU time of the ``--jobs 1``
runs: they already parse beside the writer), the load average around the runs (other
processes on the machine skew every time) and whether both databases hold the same rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nianbao.archive.warcstore import RotatingWarcWriter  # noqa: E402
from nianbao.demo import site  # noqa: E402
from tests.generators.documents import generate  # noqa: E402
from tests.generators.hostile import rss_of  # noqa: E402

TABLES = ("captures", "reports", "versions", "cells", "checks", "sections", "report_urls",
          "report_texts", "bodies", "flags")


MIXED = ("html_grid", "html_word", "html_p_cells", "pdf_single", "pdf_split", "docx", "ofd")


def demo_documents(reports: int) -> Iterator[tuple[str, str, bytes]]:
    pages = [b for p, (b, _) in sorted(site().items()) if "/t20" in p and p.endswith(".html")]
    for i in range(reports):
        body = pages[i % len(pages)].replace("示范县".encode(), f"示范{i // len(pages)}县".encode())
        yield f"c{i}.html", "text/html; charset=utf-8", body


def mixed_documents(reports: int) -> Iterator[tuple[str, str, bytes]]:
    for i in range(reports):
        report = generate(MIXED[i % len(MIXED)], i // len(MIXED))
        yield f"c{i}/{quote(report.filename)}", report.content_type, report.data


def write_corpus(warc: Path, reports: int, corpus: str = "demo") -> int:
    documents = mixed_documents(reports) if corpus == "mixed" else demo_documents(reports)
    writer = RotatingWarcWriter(warc, max_size=64 * 2**20)
    for path, content_type, body in documents:
        writer.write_exchange(f"http://127.0.0.1/{path}", "GET", [], 200, "OK",
                              [("Content-Type", content_type)], body)
    writer.close()
    return reports


def rebuild(work: Path, jobs: int) -> tuple[float, float, float]:
    """(seconds, peak RSS MiB of the process tree, CPU seconds of the tree) of one rebuild."""
    db = work / f"jobs{jobs}.db"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    code, rss, seconds = rss_of([sys.executable, "-m", "nianbao", "rebuild", "--jobs", str(jobs),
                                 "--db", str(db)], cwd=work, timeout=3600)
    if code != 0:
        raise SystemExit(f"rebuild --jobs {jobs} failed with exit code {code}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return seconds, rss, cpu


def same_rows(work: Path) -> bool:
    dumps = []
    for jobs in (1, 2):
        with sqlite3.connect(work / f"jobs{jobs}.db") as conn:
            dumps.append([conn.execute(f"select * from [{t}] order by rowid").fetchall()
                          for t in TABLES])
    return dumps[0] == dumps[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", choices=("demo", "mixed"), default="demo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        n = write_corpus(work / "data" / "warc", args.reports, args.corpus)
        load = os.getloadavg()[0]
        times: dict[int, list[float]] = {1: [], 2: []}
        cpus: dict[int, list[float]] = {1: [], 2: []}
        peak: dict[int, float] = {1: 0.0, 2: 0.0}
        for round_ in range(args.rounds):
            for jobs in ((1, 2) if round_ % 2 == 0 else (2, 1)):
                seconds, rss, cpu = rebuild(work, jobs)
                print(f"round {round_ + 1}: --jobs {jobs}: {seconds:6.1f} s "
                      f"({seconds / n * 1000:.1f} ms per report), CPU {cpu:5.1f} s, "
                      f"peak RSS {rss:.0f} MiB")
                times[jobs].append(seconds)
                cpus[jobs].append(cpu)
                peak[jobs] = max(peak[jobs], rss)
        median = {j: statistics.median(t) for j, t in times.items()}
        print(f"{n:,} reports: --jobs 2 ÷ --jobs 1 = {median[2] / median[1]:.2f} median "
              f"({median[1]:.1f} / {median[2]:.1f} s), {min(times[2]) / min(times[1]):.2f} best "
              f"(target ≤ 0.55 on 2 cores); peak RSS {peak[1]:.0f} / {peak[2]:.0f} MiB; "
              f"load average {load:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
              f"same rows: {'yes' if same_rows(work) else 'NO'}")
        # --jobs 1 already parses in a worker beside the writer (the worker is what bounds
        # a capture's time and memory), so it is not one core: this is the one-core time.
        one_core = statistics.median(cpus[1])
        print(f"--jobs 2 ÷ one core (the CPU seconds of the --jobs 1 runs, {one_core:.1f} s) = "
              f"{median[2] / one_core:.2f}")


if __name__ == "__main__":
    main()
