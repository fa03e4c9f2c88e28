"""Captures → database rows. Crawl-time ingest and ``rebuild`` both come through here.

Ingest is incremental and idempotent: a WARC record already stored (same file and
offset) is skipped, so running it twice, or again after it was killed, changes nothing.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import mimetypes
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from ..parsers.antibot import is_gone
from ..parsers.limits import LIMIT_OUTCOMES, MAX_PARSE_BYTES
from ..parsers.pipeline import Parsed
from .bodies import BodyStore
from .parsework import Analysis, ParsePool, PoolStats, Rows, report_rows
from .warcstore import ROBOTS_FORBIDDEN, ReadError, Record, read_records, warc_files

# Accepted by ``rebuild --from-dir``, richest form first: when one document was saved in
# several forms (same folder, same name), the first form listed here is the one read.
logger = logging.getLogger(__name__)

COMMIT_SECONDS = 0.5  # records stored in this much time are committed together

SAVED_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".pdf", ".docx", ".doc", ".wps", ".ofd",
                  ".txt")


def saved_files(directory: Path) -> tuple[list[Path], dict[str, list[str]]]:
    """The files ``rebuild --from-dir`` reads, and the others grouped by why not.

    >>> saved_files(Path("/nonexistent"))
    ([], {})
    """
    skipped: dict[str, list[str]] = {}
    forms: dict[tuple[str, str], list[Path]] = {}
    for root, dirs, names in os.walk(directory, followlinks=False):
        dirs.sort()
        for name in sorted(names + [d for d in dirs if os.path.islink(os.path.join(root, d))]):
            path = Path(root, name)
            rel = str(path.relative_to(directory))
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                skipped.setdefault("symlink (not followed)", []).append(rel)
            elif not stat.S_ISREG(st.st_mode):
                skipped.setdefault("not a regular file", []).append(rel)
            elif path.suffix.lower() not in SAVED_SUFFIXES:
                skipped.setdefault("not a saved page or document", []).append(rel)
            else:
                forms.setdefault((root, path.stem), []).append(path)
    chosen = []
    for paths in forms.values():
        paths.sort(key=lambda p: SAVED_SUFFIXES.index(p.suffix.lower()))
        chosen.append(paths[0])
        for other in paths[1:]:
            skipped.setdefault("same document saved in a richer form", []).append(
                str(other.relative_to(directory)))
    return sorted(chosen), skipped


def _saved_record(path: Path, max_bytes: int = MAX_PARSE_BYTES) -> Record:
    """A saved file as a capture, its body read only up to ``max_bytes``.

    Opened without following a link and without blocking, then checked to be a regular
    file: a file swapped for a link or a FIFO after the folder was listed is refused
    (``OSError``), never read or waited on."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"not a regular file: {path.name}")
        body = fh.read(max_bytes + 1) if st.st_size <= max_bytes else b""
    problem = None
    if len(body) > max_bytes or st.st_size > max_bytes:
        body, problem = b"", f"too_large:{st.st_size} bytes, not read"
    digest = None if problem else "sha1:" + hashlib.sha1(body).hexdigest()
    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(st.st_mtime))
    return Record(warc_file=None, offset=None, length=st.st_size, type="response",
                  url=path.as_uri(), record_id="", date=stamp, status=200,
                  headers=[("Content-Type", ctype)], content_type=ctype, body=body,
                  payload_digest=digest, digest_ok=True,
                  size=max(st.st_size, len(body)) if problem else len(body), problem=problem)


@dataclass
class IngestStats:
    records: int = 0
    captures: int = 0
    skipped: int = 0
    reports: int = 0
    new_versions: int = 0
    not_reports: int = 0
    blocked: int = 0
    limits: dict[str, int] = field(default_factory=dict)  # too_large/bomb/timeout/memory: how many
    errors: list[str] = field(default_factory=list)
    files_skipped: dict[str, list[str]] = field(default_factory=dict)  # --from-dir: why
    pool: PoolStats | None = None

    def add(self, outcome: str) -> None:
        self.captures += 1
        if outcome in LIMIT_OUTCOMES:
            self.limits[outcome] = self.limits.get(outcome, 0) + 1
        if outcome == "report_new":
            self.reports += 1
            self.new_versions += 1
        elif outcome == "report_version":
            self.new_versions += 1
        elif outcome == "not_report":
            self.not_reports += 1
        elif outcome == "blocked":
            self.blocked += 1


ROW_COLUMNS = {  # the order of ``parsework.Rows``' tuples
    "cells": ("table", "row_key", "col_key", "value", "raw", "flag"),
    "checks": ("rule", "status", "detail"),
    "sections": ("number", "heading", "text"),
}


def _needs_parse(entry: tuple[Record | ReadError, bool]) -> Record | None:
    """The record a worker must analyse: a response not yet in the database."""
    item, done = entry
    if isinstance(item, Record) and item.type == "response" and not done:
        return item
    return None


def _join(*parts: str | None) -> str | None:
    return "; ".join(dict.fromkeys(p for p in parts if p)) or None


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Ingestor:
    """Stores captures and the reports parsed from them into one database.

    Parsing happens in ``jobs`` worker processes (``parsework.ParsePool``), each capture
    under the limits of ``parsers/limits.py``; this process reads the sources and writes
    every row, in input order, so the result does not depend on ``jobs``."""

    def __init__(self, db: sqlite_utils.Database, portals: dict[str, dict] | None = None,
                 jobs: int = 1, timeout: float | None = None):
        self.db = db
        self.portals = portals or {}
        self.jobs, self.timeout = jobs, timeout
        self.memory: int | None = None  # per capture; default limits.CAPTURE_MEMORY_BYTES
        self.stats = IngestStats()
        self._requests: dict[str, tuple[str | None, str]] = {}  # response id → (referer, method)
        self._regions = {name: (p or {}).get("region") for name, p in self.portals.items()}
        self._bodies = BodyStore(db)

    # -- sources -----------------------------------------------------------------------

    def ingest_warcs(self, directory: Path,
                     progress: Callable[[str, int], None] | None = None) -> IngestStats:
        self._run(self._warc_items(warc_files(directory)), progress)
        self.refresh_cross_year()
        return self.stats

    def ingest_warc(self, path: Path, progress=None) -> None:
        self._run(self._warc_items([Path(path)]), progress)

    def ingest_dir(self, directory: Path) -> IngestStats:
        """Saved files (see ``SAVED_SUFFIXES``) under ``directory``, recursively.

        Symlinks and special files are skipped (a folder's link must not pull in files
        from elsewhere); one document saved in several forms (``a.html`` and ``a.txt``) is
        read once, in its richest form; a file over the parse limit is recorded as a
        ``too_large`` capture without being read; a file that cannot be read is skipped
        and named, and the rest goes on."""
        chosen, self.stats.files_skipped = saved_files(Path(directory).resolve())
        self._run(self._saved_items(chosen, Path(directory).resolve()))
        self.refresh_cross_year()
        return self.stats

    def _warc_items(self, paths: list[Path]) -> Iterator[tuple[Record | ReadError, bool]]:
        """Every record of every file, with whether it is already in the database."""
        for path in paths:
            done = self._ingested_offsets(path.name)
            logger.info("reading %s (%d records already ingested)", path.name, len(done))
            for item in read_records(path, path.name):
                yield item, not isinstance(item, ReadError) and item.offset in done

    def _saved_items(self, paths: list[Path], root: Path) -> Iterator[tuple[Record, bool]]:
        """Each file as a capture; a file already in the database (an interrupted
        rebuild resumed) is counted, not read again."""
        done = {r["url"] for r in self.db.query(
            "select url from captures where warc_file is null")}
        for path in paths:
            if path.as_uri() in done:
                self.stats.skipped += 1
                continue
            try:
                yield _saved_record(path), False
            except OSError as exc:
                why = f"unreadable ({exc.strerror or exc})"
                self.stats.files_skipped.setdefault(why, []).append(str(path.relative_to(root)))

    def _run(self, items: Iterable[tuple[Record | ReadError, bool]], progress=None) -> None:
        """Parse in the pool, store here, in order: each record in a savepoint of its own,
        committed together every ``COMMIT_SECONDS`` (a killed ingest loses at most that
        much, which the next run ingests again), and whatever is done when it stops."""
        conn = self.db.conn
        self._bodies = BodyStore(self.db)  # bodies may have changed since the last run
        with ParsePool(self.jobs, self.timeout, self.memory, self._regions) as pool:
            committed = time.monotonic()
            try:
                for (item, done), analysis in pool.ordered(items, _needs_parse):
                    if not conn.in_transaction:
                        conn.execute("BEGIN")
                    self._handle(item, done, analysis)
                    if progress and isinstance(item, Record) and item.type == "response":
                        progress(item.url, self.stats.captures)
                    if time.monotonic() - committed >= COMMIT_SECONDS:
                        conn.commit()
                        committed = time.monotonic()
            finally:
                conn.commit()
        self.stats.pool = pool.stats

    def _handle(self, item: Record | ReadError, done: bool, analysis: Analysis | None) -> None:
        if isinstance(item, ReadError):
            self._read_error(item)
            return
        if item.warc_file is not None:
            self.stats.records += 1
        if item.type == "request":
            self._pair_request(item)
        elif item.type in ("response", "metadata"):
            if done:
                self.stats.skipped += 1
            else:
                self.stats.add(self.ingest_record(item, analysis))

    # -- one record --------------------------------------------------------------------

    def ingest_record(self, record: Record, analysis: Analysis | None = None) -> str:
        """Store one capture and whatever it tells about a report, in one transaction:
        an ingest killed part-way leaves each record either fully stored or not at all.
        Never raises: a record that fails is stored as an ``error`` capture."""
        analysis = analysis or Analysis(record.payload_size)
        try:
            with self.db.atomic():
                return self._ingest(record, analysis)
        except Exception as exc:  # keep the capture, say why
            with self.db.atomic():
                self._capture(record, "error", f"{type(exc).__name__}: {exc}", None)
            self.stats.errors.append(f"{record.warc_file}@{record.offset}: {exc}")
            return "error"

    def _ingest(self, record: Record, a: Analysis) -> str:
        if record.type == "metadata":
            text = record.body[:4000].decode("utf-8", "replace").strip()
            outcome = "robots" if ROBOTS_FORBIDDEN in text else "fetch_error"
            self._capture(record, outcome, text)
            return outcome
        status = record.status
        if a.limit and status is not None and 200 <= status < 300:
            return self._over_limit(record, a)
        if is_gone(status, a.block):
            self._capture(record, "gone", _join(a.block or f"http_{status}", a.notes), size=a.size)
            self._mark_removed(record)
            return "gone"
        if a.block:
            self._capture(record, "blocked", _join(a.block, a.notes), size=a.size)
            return "blocked"
        if status == 304:
            self._capture(record, "not_modified", "conditional request: unchanged", size=a.size)
            self._seen_again(record)
            return "not_modified"
        if status is None or status >= 300 or a.parsed is None:
            outcome = "redirect" if status and status < 400 else "http_error"
            self._capture(record, outcome, _join(f"http_{status} {record.reason}".strip(),
                                                 a.notes), size=a.size)
            return outcome
        parsed = a.parsed
        report = parsed.report
        if report is None or not report.is_report:
            # the flags follow in the detail anyway (``_capture``): said once
            reason = (report.reason if report else None) or (None if parsed.flags else "unparsed")
            self._capture(record, "not_report" if report else "not_parsed", reason, parsed, a.size)
            return "not_report"
        capture_id = self._capture(record, "report", None, parsed, a.size)
        rows = a.rows or report_rows(record, parsed, self._regions)
        return self._store_report(record, parsed, rows, capture_id)

    def _over_limit(self, record: Record, a: Analysis) -> str:
        """Kept, not parsed: the capture says which limit; so does the report it would
        have updated, if there is one (until a capture within the limits comes)."""
        capture_id = self._capture(record, a.limit, a.notes, a.parsed, a.size)
        for row in self._report_at(record.url):
            flags = set(json.loads(row["flags"] or "[]")) | {f"{a.limit}:latest capture"}
            self._update("reports", row["id"], {"flags": _json(sorted(flags)),
                                                "last_seen": record.date})
            self._update("captures", capture_id, {"report_id": row["id"]})
        return a.limit

    def _pair_request(self, record: Record) -> None:
        """The request record tells the method and the page that linked to the capture.

        nianbao writes it just before its response; other tools may write it after."""
        response_id = record.warc_headers.get("WARC-Concurrent-To")
        if not response_id:
            return
        referer, method = record.header("Referer"), record.reason or "GET"
        self._requests[response_id] = (referer, method)
        with self.db.atomic():
            self.db.execute("update captures set referer = ?, method = ? where record_id = ?",
                            [referer, method, response_id])

    def _capture(self, record: Record, outcome: str, detail: str | None,
                 parsed: Parsed | None = None, size: int | None = None) -> int:
        referer, method = self._requests.pop(record.record_id, (None, None))
        row = {
            "warc_file": record.warc_file, "warc_offset": record.offset,
            "warc_length": record.length, "record_id": record.record_id, "url": record.url,
            "method": method, "referer": referer, "status": record.status, "content_type": record.content_type,
            "headers": _json(record.headers), "payload_digest": record.payload_digest,
            "digest_ok": record.digest_ok, "fetched_at": record.date,
            "size": record.payload_size if size is None else size,
            "kind": parsed.kind if parsed else None, "outcome": outcome,
            "detail": "; ".join(dict.fromkeys(
                x for x in [detail, *(parsed.flags if parsed else [])] if x)) or None,
            "portal": record.warc_headers.get("Nianbao-Portal"),
            "etag": record.header("ETag"), "last_modified": record.header("Last-Modified"),
        }
        return self._insert("captures", [row])

    # -- reports and versions ----------------------------------------------------------

    def _store_report(self, record: Record, parsed: Parsed, rows: Rows, capture_id: int) -> str:
        report = parsed.report
        text_hash = _hash(report.text)
        portal = record.warc_headers.get("Nianbao-Portal")
        existing = self._report_at(record.url)
        if not existing and (same := self._same_report(record, parsed, text_hash)):
            return self._link(same, record, parsed, rows, capture_id)
        fields = {
            "agency": report.agency, "region": rows.region, "year": report.year,
            "title": report.title, "url": record.url, "published": report.published,
            "format": report.format, "status": "live", "removed_on": None,
            "doc_number": report.doc_number, "portal": portal,
            "flags": _json(sorted(set(report.flags + parsed.flags))) if (report.flags or parsed.flags) else None,
            "last_seen": record.date,
            "body_id": self._bodies.assign(rows.body, report.agency),
        }
        if existing:
            row = existing[0]
            last = next(self.db.query("select * from versions where report_id = ? "
                                      "order by seq desc limit 1", [row["id"]]))
            if last["text_hash"] == text_hash:
                self._update("reports", row["id"], {"last_seen": record.date, "status": "live",
                                                    "removed_on": None,
                                                    "flags": fields["flags"]})
                self._update("captures", capture_id, {"report_id": row["id"],
                                                      "version_id": last["id"]})
                return "report_same"
            report_id, seq, previous = row["id"], last["seq"] + 1, last["text"]
            self._update("reports", report_id, {**fields, "versions": seq})
            outcome = "report_version"
        else:
            report_id = self._insert("reports", [
                {**fields, "versions": 1, "first_seen": record.date}])
            seq, previous, outcome = 1, None, "report_new"
        version_id = self._version(record, parsed, report_id, seq, text_hash, capture_id, previous)
        self._update("captures", capture_id, {"report_id": report_id, "version_id": version_id})
        self._replace_rows(report_id, report, rows)
        return outcome

    def _report_at(self, url: str) -> list[dict]:
        """The report whose content was captured at ``url``, or that ``url`` is a copy of."""
        rows = list(self.db.query("select * from reports where url = ?", [url]))
        if rows:
            return rows
        return list(self.db.query("""select r.* from report_urls u join reports r on r.id = u.report_id
                                     where u.url = ?""", [url]))

    def _same_report(self, record: Record, parsed: Parsed, text_hash: str) -> dict | None:
        """A report already archived that this capture is another copy of: the page that
        links to this attachment (same year), or a mirror with the very same text."""
        report = parsed.report
        referer = self.db.execute("select referer from captures where record_id = ?",
                                  [record.record_id]).fetchone() if record.record_id else None
        if referer and referer[0]:
            for row in self._report_at(referer[0]):
                if row["year"] == report.year:
                    return row
        mirror = self.db.execute("select report_id from versions where text_hash = ? limit 1",
                                 [text_hash]).fetchone()
        return next(self.db.query("select * from reports where id = ?", [mirror[0]])) \
            if mirror else None

    def _link(self, row: dict, record: Record, parsed: Parsed, rows: Rows,
              capture_id: int) -> str:
        """Record ``record.url`` as another copy of report ``row``. When this copy carries
        more table cells (a page saying "see the attachment"), it becomes the content."""
        role = "attachment" if parsed.kind in ("pdf", "docx") else "copy"
        self.db["report_urls"].insert(
            {"report_id": row["id"], "url": record.url, "role": role,
             "first_seen": record.date, "last_seen": record.date},
            pk=("report_id", "url"), replace=True)
        current = self.db["cells"].count_where("report_id = ? and value is not null", [row["id"]])
        richer = rows.values > current
        if not richer:
            self._update("reports", row["id"], {"last_seen": record.date})
            self._update("captures", capture_id, {"report_id": row["id"]})
            return "report_linked"
        self.db["report_urls"].insert(
            {"report_id": row["id"], "url": row["url"], "role": "page",
             "first_seen": row["first_seen"], "last_seen": row["last_seen"]},
            pk=("report_id", "url"), replace=True)
        self.db["report_urls"].delete_where("report_id = ? and url = ?", [row["id"], record.url])
        self._update("reports", row["id"], {"url": record.url})
        return self._store_report(record, parsed, rows, capture_id)

    def _version(self, record, parsed, report_id, seq, text_hash, capture_id, previous) -> int:
        report, decoded = parsed.report, parsed.decoded
        diff = None
        if previous is not None:
            diff = "\n".join(difflib.unified_diff(
                previous.splitlines(), report.text.splitlines(),
                f"version {seq - 1}", f"version {seq}", lineterm="", n=1))
        return self._insert("versions", [{
            "report_id": report_id, "seq": seq, "text_hash": text_hash,
            "fetched_at": record.date, "capture_id": capture_id,
            "warc_file": record.warc_file, "warc_offset": record.offset,
            "record_id": record.record_id, "payload_digest": record.payload_digest,
            "http_status": record.status, "headers": _json(record.headers),
            "encoding": decoded.encoding if decoded else None,
            "encoding_method": decoded.method if decoded else None,
            "header_charset": decoded.header_charset if decoded else None,
            "meta_charset": decoded.meta_charset if decoded else None,
            "replacements": decoded.replacements if decoded else 0,
            "repairs": _json(list(decoded.repairs)) if decoded and decoded.repairs else None,
            "extractor": parsed.extractor, "parser": parsed.parser, "format": report.format,
            "flags": _json(report.flags) if report.flags else None, "text": report.text,
            "original_text": parsed.original_text, "diff": diff,
        }])

    def _replace_rows(self, report_id: int, report, rows: Rows) -> None:
        self.db.execute("""insert into report_texts (report_id, title, agency, text)
                           values (?, ?, ?, ?) on conflict (report_id) do update set
                           title = excluded.title, agency = excluded.agency,
                           text = excluded.text""",
                        [report_id, report.title, report.agency, report.text])
        for table, columns in ROW_COLUMNS.items():
            self.db.execute(f"delete from [{table}] where report_id = ?", [report_id])
            self.db.conn.executemany(
                f"insert or replace into [{table}] ([report_id], {', '.join(f'[{c}]' for c in columns)})"
                f" values (?{', ?' * len(columns)})",
                ((report_id, *r) for r in getattr(rows, table)))

    def _update(self, table: str, row_id: int, values: dict) -> None:
        """``values`` into row ``row_id`` of ``table`` (sqlite-utils' ``update`` reads the
        table's columns and the row first: a third of the writer's statements)."""
        self.db.conn.execute(f"update [{table}] set {', '.join(f'[{c}] = ?' for c in values)}"
                             " where id = ?", [*values.values(), row_id])

    def _insert(self, table: str, rows: list[dict], replace: bool = False) -> int | None:
        """Rows of one shape into ``table`` in one statement (sqlite-utils' per-row work is
        most of ingest's writing time); the last row id."""
        if not rows:
            return None
        columns = list(rows[0])
        sql = (f"insert {'or replace ' if replace else ''}into [{table}] "
               f"({', '.join(f'[{c}]' for c in columns)}) values ({', '.join('?' * len(columns))})")
        if len(rows) == 1:
            return self.db.conn.execute(sql, [rows[0][c] for c in columns]).lastrowid
        self.db.conn.executemany(sql, ([r[c] for c in columns] for r in rows))
        return None

    def _seen_again(self, record: Record) -> None:
        for row in self._report_at(record.url):
            self._update("reports", row["id"], {"last_seen": record.date, "status": "live",
                                                "removed_on": None})

    def _mark_removed(self, record: Record) -> None:
        for row in self.db["reports"].rows_where("url = ? and status = 'live'", [record.url]):
            self._update("reports", row["id"], {"status": "removed",
                                                "removed_on": record.date[:10]})

    def _read_error(self, err: ReadError) -> None:
        self.stats.errors.append(f"{err.warc_file} at offset {err.offset}: {err.error}")
        self.db["ingest_errors"].insert(
            {"warc_file": err.warc_file, "warc_offset": err.offset, "error": err.error},
            replace=True)

    def _ingested_offsets(self, name: str) -> set[int]:
        return {r["warc_offset"] for r in self.db.query(
            "select warc_offset from captures where warc_file = ?", [name])}

    # -- across reports ----------------------------------------------------------------

    def refresh_cross_year(self) -> None:
        """Bodies, cross-year rules, copies and anomalies (``series.refresh``)."""
        from .series import refresh  # numpy: never loaded in parse workers

        refresh(self.db)
