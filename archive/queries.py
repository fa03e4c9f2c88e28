"""What the crawler asks of the archive before it starts: known reports, validators,
attachments. Read-only; a first crawl (no database yet) gets empty answers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .db import read_only


def _rows(path: Path, sql: str) -> list[tuple]:
    if not Path(path).exists():
        return []
    with read_only(path) as conn:
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:  # a database from before these columns
            return []


def validators(path: Path) -> dict[str, tuple[str | None, str | None]]:
    """{url: (etag, last_modified)} of each URL's latest successful capture."""
    rows = _rows(path, """select url, etag, last_modified from captures
                          where status = 200 and (etag is not null or last_modified is not null)
                          order by fetched_at, id""")
    return {url: (etag, modified) for url, etag, modified in rows}


def known_attachments(path: Path) -> dict[str, list[str]]:
    """{page url: [attachment urls]} from earlier crawls (the Referer of each capture)."""
    out: dict[str, list[str]] = {}
    for page, url in _rows(path, """select distinct referer, url from captures
                                    where referer is not null and kind in ('pdf', 'docx', 'doc',
                                    'wps', 'ofd', 'zip', 'binary') order by referer, url"""):
        out.setdefault(page, []).append(url)
    return out


def known_reports(path: Path) -> list[str]:
    """URLs of the reports archived as live, to be checked again on every crawl."""
    return [url for (url,) in _rows(
        path, "select url from reports where status = 'live' and url like 'http%' order by id")]
