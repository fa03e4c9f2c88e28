"""Exports for outside tools: reports and tidy cells as CSV or JSON Lines."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import sqlite_utils

QUERIES = {
    "reports": """select id, agency, region, year, title, url, published, format, versions,
                  first_seen, last_seen, status from reports order by id""",
    "cells": """select r.id as report_id, r.agency, r.region, r.year, r.format, c."table",
                c.row_key, c.col_key, c.value, c.raw from cells c
                join reports r on r.id = c.report_id
                order by r.id, c."table", c.row_key, c.col_key""",
}


def export_tables(db: sqlite_utils.Database, out: Path, fmt: str = "csv",
                  bom: bool = False) -> list[Path]:
    """``reports`` and ``cells`` as ``out/NAME.csv`` (or ``.jsonl``); ``bom`` writes a
    UTF-8 byte-order mark first, which Excel needs to show Chinese. A CSV has its header
    row even when no row follows; a whole number is written as one (72, not 72.0)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, sql in QUERIES.items():
        cursor = db.execute(sql)
        names = [d[0] for d in cursor.description]
        path = out / f"{name}.{fmt}"
        encoding = "utf-8-sig" if bom and fmt == "csv" else "utf-8"
        with open(path, "w", encoding=encoding, newline="") as fh:
            writer = None
            if fmt == "csv":
                writer = csv.writer(fh)
                writer.writerow(names)
            for values in cursor:
                values = [_plain(v) for v in values]
                if writer is None:
                    fh.write(json.dumps(dict(zip(names, values, strict=True)),
                                        ensure_ascii=False) + "\n")
                else:
                    writer.writerow(values)
        paths.append(path)
    return paths


def _plain(value):
    """A cell value as people write it: 72 for 72.0 (cells are REAL: 58.3 万元 exists)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def export_wacz(db: sqlite_utils.Database, warc_files: list[Path], out: Path,
                title: str = "nianbao archive") -> Path:
    """A WACZ package of the WARC captures (ReplayWeb.page, pywb), listing every report
    as a page with its title and capture time."""
    from wacz.main import main as wacz_main

    out.mkdir(parents=True, exist_ok=True)
    pages = out / "pages.jsonl"
    with open(pages, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"format": "json-pages-1.0", "id": "pages",
                             "title": "Reports"}) + "\n")
        for row in db.query("""select r.url, r.title, v.fetched_at from reports r
                               join versions v on v.report_id = r.id and v.seq = r.versions
                               where r.url like 'http%' order by r.id"""):
            fh.write(json.dumps({"url": row["url"], "title": row["title"],
                                 "ts": row["fetched_at"]}, ensure_ascii=False) + "\n")
    target = out / "nianbao.wacz"
    code = wacz_main(["create", "-o", str(target), "-p", str(pages), "--title", title,
                      *map(str, warc_files)])
    pages.unlink()
    if code not in (0, None):
        raise RuntimeError(f"wacz create failed with exit code {code}")
    return target
