"""The database contract (``reports``, ``cells``, ``checks``) and what stands behind it.

>>> import sqlite_utils
>>> db = sqlite_utils.Database(memory=True)
>>> ensure_schema(db)
>>> sorted(t for t in db.table_names() if "_fts" not in t)[:4]
['bodies', 'captures', 'cells', 'checks']
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import sqlite_utils

from ..parsers.forms import label_rows

SCHEMA_VERSION = 3  # 2: tables and columns added since 1; 3: foreign keys, form labels


class SchemaError(RuntimeError):
    """A database this version of nianbao cannot use."""

TABLES: dict[str, dict] = {
    "captures": dict(columns={
        "id": int, "warc_file": str, "warc_offset": int, "warc_length": int, "record_id": str,
        "url": str, "method": str, "status": int, "content_type": str, "headers": str,
        "payload_digest": str, "digest_ok": int, "fetched_at": str, "size": int, "kind": str,
        "outcome": str, "detail": str, "report_id": int, "version_id": int, "portal": str,
        "referer": str, "etag": str, "last_modified": str,
    }, pk="id"),
    "reports": dict(columns={
        "id": int, "body_id": int, "agency": str, "region": str, "year": int, "title": str, "url": str,
        "published": str, "format": str, "versions": int, "first_seen": str, "last_seen": str,
        "status": str, "removed_on": str, "doc_number": str, "portal": str, "flags": str,
    }, pk="id"),
    # The text is kept apart so the reports table stays readable; its rowid is the report id.
    "report_texts": dict(columns={
        "report_id": int, "title": str, "agency": str, "text": str,
    }, pk="report_id"),
    "versions": dict(columns={
        "id": int, "report_id": int, "seq": int, "text_hash": str, "fetched_at": str,
        "capture_id": int, "warc_file": str, "warc_offset": int, "record_id": str,
        "payload_digest": str, "http_status": int, "headers": str, "encoding": str,
        "encoding_method": str, "header_charset": str, "meta_charset": str,
        "replacements": int, "repairs": str, "extractor": str, "parser": str, "format": str,
        "flags": str, "text": str, "original_text": str, "diff": str,
    }, pk="id"),
    "sections": dict(columns={
        "report_id": int, "number": int, "heading": str, "text": str,
    }, pk=("report_id", "number")),
    "cells": dict(columns={
        "report_id": int, "table": str, "row_key": str, "col_key": str,
        "value": float, "raw": str, "flag": str,
    }, pk=("report_id", "table", "row_key", "col_key")),
    "checks": dict(columns={
        "report_id": int, "rule": str, "status": str, "detail": str,
    }, pk=("report_id", "rule")),
    "report_urls": dict(columns={
        "report_id": int, "url": str, "role": str, "first_seen": str, "last_seen": str,
    }, pk=("report_id", "url")),
    "crawl_runs": dict(columns={
        "id": int, "started": str, "finished": str, "portal": str, "pages": int,
        "reports": int, "blocked": int, "errors": int, "bytes": int, "detail": str,
    }, pk="id"),
    "ingest_errors": dict(columns={
        "warc_file": str, "warc_offset": int, "error": str,
    }, pk=("warc_file", "warc_offset")),
    # Issue 15 (archive/bodies.py, archive/series.py): who published, named rules, flags.
    "bodies": dict(columns={
        "id": int, "key": str, "name": str, "agency": str, "region": str,
        "province": str, "province_code": str, "city": str, "city_code": str,
        "county": str, "county_code": str, "township": str, "township_code": str,
        "region_group": str, "region_source": str, "aliases": str, "reports": int,
    }, pk="id"),
    "rules": dict(columns={"rule": str, "kind": str, "about": str}, pk="rule"),
    "flags": dict(columns={
        "report_id": int, "rule": str, "subject": str, "other_report_id": int,
        "score": float, "detail": str, "evidence": str,
    }, pk=("report_id", "rule", "subject")),
}

# Datasette links each report_id to its report (and shows the report's title).
FOREIGN_KEYS = [
    ("cells", "report_id", "reports", "id"),
    ("checks", "report_id", "reports", "id"),
    ("sections", "report_id", "reports", "id"),
    ("versions", "report_id", "reports", "id"),
    ("versions", "capture_id", "captures", "id"),
    ("report_urls", "report_id", "reports", "id"),
    ("captures", "report_id", "reports", "id"),
    ("reports", "body_id", "bodies", "id"),
    ("flags", "report_id", "reports", "id"),
]

# The forms' row and column labels (parsers/forms.py), and the cells with them.
LABELS = "form_labels"
LABELLED_CELLS_VIEW = f"""create view if not exists cells_labelled as
select c.report_id, c."table", r.zh as row_label, k.zh as col_label, c.value, c.raw,
       r.grp as row_group, c.row_key, c.col_key, r.ord as row_ord, k.ord as col_ord, c.flag
from cells c
left join {LABELS} r on r."table" = c."table" and r.axis = 'row' and r.key = c.row_key
left join {LABELS} k on k."table" = c."table" and k.axis = 'col' and k.key = c.col_key"""

INDEXES = [
    ("captures", ["warc_file", "warc_offset"], True),
    ("captures", ["url"], False),
    ("captures", ["record_id"], False),
    ("captures", ["referer"], False),
    ("reports", ["url"], True),
    ("report_urls", ["url"], True),
    ("versions", ["text_hash"], False),
    ("reports", ["agency", "year"], False),
    ("versions", ["report_id", "seq"], True),
    ("cells", ["table", "row_key", "col_key"], False),
    ("cells", ["table", "col_key", "row_key", "report_id", "value"], False),  # per-column sums
    ("checks", ["status"], False),
    ("bodies", ["key"], True),
    ("reports", ["body_id", "year"], False),
    ("flags", ["rule"], False),
]


# What only queries read, never ingest: a rebuild (``bulk``) builds these once at its end,
# over all rows, instead of row by row (the cells indexes were 90% of its writing time).
QUERY_ONLY_INDEXES = {
    ("cells", ("table", "row_key", "col_key")),
    ("cells", ("table", "col_key", "row_key", "report_id", "value")),
    ("checks", ("status",)),
}


def ensure_schema(db: sqlite_utils.Database, bulk: bool = False) -> None:
    """Create whatever is missing, migrating an older database forward (new tables, new
    columns); refuse one written by a newer nianbao. Safe to call on every open.

    With ``bulk`` the query-only indexes and the full-text index are left for a later
    call without it, which builds them over the rows loaded meanwhile."""
    found = db.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise SchemaError(f"{db.conn.execute('PRAGMA database_list').fetchone()[2] or 'database'}"
                          f" has schema version {found}, newer than this nianbao's "
                          f"{SCHEMA_VERSION}: upgrade nianbao, or rebuild into another file")
    for name, spec in TABLES.items():
        if not db[name].exists():
            db[name].create(spec["columns"], pk=spec["pk"], not_null=None)
            continue
        have = set(db[name].columns_dict)
        for column, kind in spec["columns"].items():
            if column not in have:
                db[name].add_column(column, kind)
    _foreign_keys(db)
    for table, cols, unique in INDEXES:
        if not (bulk and (table, tuple(cols)) in QUERY_ONLY_INDEXES):
            db[table].create_index(cols, unique=unique, if_not_exists=True)
    _labels(db)
    if not bulk and not db["report_texts_fts"].exists():
        db["report_texts"].enable_fts(["title", "agency", "text"], tokenize="trigram",
                                      create_triggers=True)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _foreign_keys(db: sqlite_utils.Database) -> None:
    """Add the foreign keys an older database lacks (each table is rebuilt once)."""
    missing = [fk for fk in FOREIGN_KEYS
               if not any((f.column, f.other_table) == (fk[1], fk[2]) for f in db[fk[0]].foreign_keys)]
    if missing:
        db.add_foreign_keys(missing)


def _labels(db: sqlite_utils.Database) -> None:
    """The label table from the forms' vocabulary, kept in step with this version."""
    rows = label_rows()
    if not db[LABELS].exists():
        db[LABELS].create({"table": str, "axis": str, "key": str, "zh": str, "en": str,
                           "grp": str, "ord": int}, pk=("table", "axis", "key"))
    current = [dict(r) for r in db.query(f"select * from {LABELS} order by rowid")]
    if current != rows:
        db[LABELS].delete_where()
        db[LABELS].insert_all(rows)
    db.execute(LABELLED_CELLS_VIEW)


def read_only(path: Path) -> closing[sqlite3.Connection]:
    """A connection that cannot write to ``path`` (not even create it), closed after
    ``with``; the file URI is built from the resolved path, so any file name works.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp, read_only(Path(tmp) / "a?b#c.db") as conn:
    ...     pass
    Traceback (most recent call last):
    sqlite3.OperationalError: unable to open database file
    """
    return closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True))


def is_archive(path: Path) -> bool:
    """Whether ``path`` holds an archive (its reports or captures table), looked at
    read-only: SQLite makes an empty file a database on first write, and a reader must
    not write. A file that is not SQLite at all counts as an archive here: ``open_db``
    says what is wrong with it in its own words."""
    try:
        with read_only(path) as conn:
            names = {r[0] for r in conn.execute("select name from sqlite_master")}
    except sqlite3.DatabaseError:
        return True
    return bool(names & {"reports", "captures"})


def open_db(path, bulk: bool = False) -> sqlite_utils.Database:
    """Open (or create) an archive database, migrated to this version's schema (``bulk``:
    see ``ensure_schema``)."""
    try:
        db = sqlite_utils.Database(path)
        db.execute("PRAGMA user_version")
    except sqlite3.DatabaseError as exc:
        raise SchemaError(f"{path}: not an SQLite database ({exc})") from exc
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    ensure_schema(db, bulk)
    return db
