"""The whole hostile corpus (issue 14), one case per run: what a user would see.

    python bench/hostile.py [--only http|folder|warc] [--case NAME ...] [--timeout 5]

Each case runs in a fresh ``nianbao`` subprocess whose process tree is measured
(``tests/generators/hostile.rss_of``):

* http   — a ``HostileServer`` serving that case alone, crawled from its index page
           (``nianbao crawl``, which ingests at its end);
* folder — the case's file alone in a folder, ``nianbao rebuild --from-dir``;
* warc   — the case as one WARC response record, ``nianbao rebuild``.

Per case: kept (the capture is in the archive, or skipped/refused as it should be),
flagged (its flag in the corpus's vocabulary, by gist), peak RSS (MiB, the process tree
summed), seconds. Totals: crashes (a traceback or an unexpected exit code), hangs (a run
that had to be killed), lost (an expected capture missing), out-of-scope requests (trap
listeners and request budgets of the server), max RSS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nianbao.archive.warcstore import RotatingWarcWriter  # noqa: E402
from tests.generators.hostile import (  # noqa: E402
    HOSTILE_HTTP_CASES,
    HostileServer,
    hostile_folder,
    rss_of,
)
from tests.test_hostile import (  # noqa: E402
    _url,
    captures,
    flagged,
    hostile_captures,
)

RUN_LIMIT = 300.0  # seconds before a run counts as hung and is killed
CRAWL = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0",
         "-s", "DOWNLOAD_TIMEOUT=10"]
OK_EXITS = (0, 4)  # 4: some fetches failed, and were named


@dataclass
class Row:
    part: str
    case: str
    expect: str
    kept: bool
    flagged: bool | None  # None: no flag expected
    rss: float
    seconds: float
    crashed: bool = False
    hung: bool = False
    offscope: int = 0

    def line(self) -> str:
        flag = "-" if self.flagged is None else ("yes" if self.flagged else "NO")
        notes = " CRASH" * self.crashed + " HANG" * self.hung + (
            f" {self.offscope} out-of-scope" if self.offscope else "")
        return (f"{self.part:6} {self.case:26} {self.expect:26} {'yes' if self.kept else 'NO':4} "
                f"{flag:7} {self.rss:7.0f} {self.seconds:7.1f}{notes}")


def run(cwd: Path, *args: str) -> tuple[int, float, float, str]:
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    log = cwd / "run.log"
    with open(log, "w") as out:
        code, rss, seconds = rss_of([sys.executable, "-m", "nianbao", *args], cwd=cwd, env=env,
                                    timeout=RUN_LIMIT, stdout=out, stderr=out)
    return code, rss, seconds, log.read_text("utf-8", "replace")


def judge(part: str, case: str, expect: str, rows: list[dict], result, offscope: int = 0) -> Row:
    code, rss, seconds, output = result
    wanted = [p.removeprefix("flag:") for p in expect.split("+") if p.startswith("flag:")]
    if expect.startswith(("no-request", "not-followed", "skipped:")):
        kept = True  # nothing to keep, or refused as it should be (offscope counts the rest)
    else:
        kept = bool(rows)
    return Row(part, case, expect, kept, all(flagged(rows, f) for f in wanted) if wanted else None,
               rss, seconds, crashed=code not in OK_EXITS and code != -9 or "Traceback" in output,
               hung=code == -9, offscope=offscope)


def http_cases(names: set[str] | None) -> list[Row]:
    rows = []
    for case in HOSTILE_HTTP_CASES:
        if names and case.name not in names:
            continue
        with tempfile.TemporaryDirectory() as tmp, HostileServer(
                cases=[case], slow_header_seconds=15, request_timeout=20) as server:
            result = run(Path(tmp), "crawl", "--start-url", server.index_url, *CRAWL)
            db = Path(tmp) / "data" / "nianbao.db"
            found = [r for r in captures(db) if f"/case/{case.name}" in r["url"]] \
                if db.exists() else []
            rows.append(judge("http", case.name, case.expect, found, result,
                              len(server.violations())))
        print(rows[-1].line(), flush=True)
    return rows


def folder_cases(names: set[str] | None) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "all"
        expect = hostile_folder(source)
        for name, expectation in expect.items():
            if names and name not in names:
                continue
            work = Path(tmp) / "one"
            shutil.rmtree(work, ignore_errors=True)
            _copy_entry(source / name, work / "saved" / name)
            result = run(work, "rebuild", "--from-dir", str(work / "saved"))
            db = work / "data" / "nianbao.db"
            found = captures(db) if db.exists() else []
            if expectation == "skipped:oversize":  # kept as a too_large capture, never read
                expectation = "kept+flag:oversize"
            rows.append(judge("folder", name.encode("utf-8", "replace").decode()[:26],
                              expectation, found, result))
            print(rows[-1].line(), flush=True)
    return rows


def _copy_entry(src: Path, dst: Path) -> None:
    """The entry itself: a link stays a link, a FIFO a FIFO, a sparse file sparse."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    mode = src.lstat().st_mode
    if stat.S_ISLNK(mode):
        os.symlink(os.readlink(src), dst)
    elif stat.S_ISFIFO(mode):
        os.mkfifo(dst)
    else:
        os.link(src, dst)


def warc_cases(names: set[str] | None) -> list[Row]:
    rows = []
    for name, headers, body, expectation in hostile_captures():
        if names and name not in names:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            writer = RotatingWarcWriter(Path(tmp) / "data" / "warc")
            writer.write_exchange(_url(name), "GET", [], 200, "OK", headers, body)
            writer.close()
            result = run(Path(tmp), "rebuild")
            db = Path(tmp) / "data" / "nianbao.db"
            rows.append(judge("warc", name, expectation, captures(db) if db.exists() else [],
                              result))
        print(rows[-1].line(), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["http", "folder", "warc"], action="append")
    parser.add_argument("--case", action="append", help="run only these cases")
    parser.add_argument("--timeout", default="60",
                        help="seconds a capture may take to parse (NIANBAO_PARSE_TIMEOUT)")
    args = parser.parse_args()
    os.environ["NIANBAO_PARSE_TIMEOUT"] = args.timeout
    parts, names = args.only or ["warc", "folder", "http"], set(args.case or []) or None
    print(f"{'part':6} {'case':26} {'expect':26} {'kept':4} {'flagged':7} {'RSS MiB':>7} "
          f"{'seconds':>7}")
    rows = []
    for part, cases in (("warc", warc_cases), ("folder", folder_cases), ("http", http_cases)):
        if part in parts:
            rows += cases(names)
    flagged_ok = sum(r.flagged is True for r in rows)
    expected = sum(r.flagged is not None for r in rows)
    print(f"\n{len(rows)} cases: {sum(r.crashed for r in rows)} crashes, "
          f"{sum(r.hung for r in rows)} hangs, {sum(not r.kept for r in rows)} lost, "
          f"{sum(r.offscope for r in rows)} out-of-scope requests, "
          f"flagged {flagged_ok}/{expected}, max RSS {max((r.rss for r in rows), default=0):.0f} MiB, "
          f"longest {max((r.seconds for r in rows), default=0):.0f} s")


if __name__ == "__main__":
    main()
