"""One archived capture, read back from its WARC record for ``/capture/<id>``.

The database says where the record is (file name and offset); the bytes come from the
WARC file itself, checked against the record id and payload digest, so what is shown is
what was fetched. A file that was moved, cut short or damaged is a ``Unavailable`` with
a sentence saying which and where — never a traceback.
"""

from __future__ import annotations

import inspect
import os
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..archive.warcstore import ReadError, Record, read_records
from ..parsers.decode import decode
from .sql import one

TEXT_KINDS = ("html", "text")
MAX_SERVED = 256 * 2**20  # bytes of one capture read back for a reader
MIME = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument."
        "wordprocessingml.document", "doc": "application/msword"}


class Unavailable(Exception):
    """The capture's bytes cannot be served; the message says why, for a reader."""


class SavedFile(Unavailable):
    """A capture read from a saved file (``rebuild --from-dir``): there is no WARC
    record to replay, by design, and the text extracted from it is all there is."""


@dataclass
class Capture:
    row: dict
    record: Record
    path: Path
    body: bytes = b""  # the payload with its Content-Encoding undone

    def __post_init__(self) -> None:
        self.body = content_decoded(self.record.body, self.record.header("Content-Encoding"))

    @property
    def kind(self) -> str:
        kind = self.row.get("kind") or ""
        ctype = (self.record.content_type or "").lower()
        if "pdf" in ctype or self.body[:5] == b"%PDF-":
            return "pdf"
        if "html" in ctype or kind == "html":
            return "html"
        return kind or "binary"

    @property
    def media_type(self) -> str:
        ctype = (self.record.content_type or "").split(";")[0].strip()
        return ctype or MIME.get(self.kind, "application/octet-stream")

    def decoded(self) -> tuple[str, str]:
        """(text, how it was decoded) for HTML and plain text."""
        found = decode(self.body, self.record.content_type)
        return found.text, f"{found.encoding}（依据：{found.method}）"

    def filename(self) -> str:
        name = self.row["url"].rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "capture"
        safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in name)
        return f"capture-{self.row['id']}-{safe[:80] or 'body'}"


def content_decoded(body: bytes, encoding: str | None, limit: int = MAX_SERVED) -> bytes:
    """``body`` with a gzip/deflate Content-Encoding undone (as stored in the WARC record
    it may still be compressed); anything else, or what fails to inflate, as it is.

    >>> import gzip
    >>> content_decoded(gzip.compress(b"abc"), "gzip"), content_decoded(b"abc", None)
    (b'abc', b'abc')
    """
    if not encoding or encoding.strip().lower() not in ("gzip", "x-gzip", "deflate"):
        return body
    if body[:2] != b"\x1f\x8b" and encoding.strip().lower() != "deflate":
        return body  # already inflated when it was read
    try:
        inflater = zlib.decompressobj(47 if body[:2] == b"\x1f\x8b" else -zlib.MAX_WBITS)
        out = inflater.decompress(body, limit)
        return out if not inflater.unconsumed_tail else body
    except zlib.error:
        return body


def _read_first(path: Path, name: str, offset: int):
    """The first record at ``offset`` (bodies up to ``MAX_SERVED``, where the reader
    takes a cap)."""
    extra = {"max_bytes": MAX_SERVED} if "max_bytes" in inspect.signature(read_records).parameters else {}
    items = read_records(path, name, start=offset, **extra)
    try:
        return next(items, None)
    finally:
        items.close()


def capture_row(conn: sqlite3.Connection, capture_id: int) -> dict | None:
    return one(conn, "select * from captures where id = ?", [capture_id])


def latest_capture(conn: sqlite3.Connection, url: str) -> int | None:
    row = one(conn, "select id from captures where url = ? order by fetched_at desc, id desc "
                    "limit 1", [url])
    return row["id"] if row else None


def find_warc(warc_dir: Path, name: str) -> Path | None:
    """``name`` in the WARC folder, or in a folder below it (workers' sub-folders)."""
    direct = warc_dir / name
    if direct.is_file():
        return direct
    if warc_dir.is_dir():
        for root, _, files in os.walk(warc_dir):
            if name in files:
                return Path(root, name)
    return None


def read_capture(row: dict, warc_dir: Path) -> Capture:
    """The WARC record behind a capture row, verified, or ``Unavailable``."""
    name, offset = row.get("warc_file"), row.get("warc_offset")
    if not name or offset is None:
        raise SavedFile(f"这条记录来自本地保存的文件（{row.get('url')}，由 rebuild --from-dir 读入），"
                        "不是 WARC 存档，没有可供回放的原始抓取；下面是从文件中抽取的文字。"
                        "This capture was read from a saved file, not fetched: no WARC record "
                        "to replay; the text extracted from it is below.")
    path = find_warc(warc_dir, name)
    if path is None:
        raise Unavailable(f"找不到 WARC 文件 {name}（在 {warc_dir} 下）：文件可能被移动或删除。"
                          "数据库里的记录仍在，把文件放回原处即可再次查看。")
    try:
        item = _read_first(path, name, int(offset))
    except OSError as exc:
        raise Unavailable(f"无法读取 WARC 文件 {name}：{exc.strerror or exc}") from exc
    if isinstance(item, ReadError):
        raise Unavailable(f"WARC 文件 {name} 在偏移 {item.offset} 处已损坏：{item.error}")
    if item is None or item.offset != int(offset):
        raise Unavailable(f"WARC 文件 {name} 在偏移 {offset} 处没有完整的记录（文件可能被截短或替换）。")
    if row.get("record_id") and item.record_id != row["record_id"]:
        raise Unavailable(f"WARC 文件 {name} 偏移 {offset} 处的记录不是这次抓取（记录 ID 不符：应为 "
                          f"{row['record_id']}，实为 {item.record_id}）：文件可能被替换。")
    if getattr(item, "problem", None) and str(item.problem).startswith("too_large"):
        raise Unavailable(f"这次抓取有 {item.size:,} 字节，超过可在线查看的上限；"
                          f"请直接从 WARC 文件 {name}（偏移 {offset}）读取。")
    return Capture(row, item, path)
