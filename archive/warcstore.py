"""The WARC store: rotating gzip WARC files written with warcio, and reading them back.

Every record is its own gzip member and is flushed at once, so a crawl killed part-way
leaves at most one truncated record at the end of one file; readers skip it and say so.
"""

from __future__ import annotations

import io
import os
import socket
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ..parsers.limits import MAX_PARSE_BYTES

GZIP_MAGIC = b"\x1f\x8b\x08"
NIANBAO_PORTAL = "Nianbao-Portal"


def warc_files(directory: Path) -> list[Path]:
    """WARC files in name order, which is the order they were written."""
    directory = Path(directory)
    if not directory.exists():
        return []
    return sorted(p for p in directory.rglob("*") if p.name.endswith((".warc.gz", ".warc")))


# The metadata record of a request robots.txt forbids (``fetch-error: `` + this).
ROBOTS_FORBIDDEN = "robots: forbidden by robots.txt, not fetched"


class _GzipMember:
    """A write-only stream that gzips what it is given into ``fh`` as one member."""

    def __init__(self, fh, level: int = 6):
        self.fh, self.size = fh, 0
        self._packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, data: bytes) -> int:
        self._put(self._packer.compress(data))
        return len(data)

    def flush(self) -> None:  # warcio flushes after each record: the member ends in close()
        pass

    def close(self) -> None:
        self._put(self._packer.flush())

    def _put(self, data: bytes) -> None:
        if data:
            self.fh.write(data)
            self.size += len(data)


class RotatingWarcWriter:
    """Appends records to ``PREFIX-TIMESTAMP-PID-SEQ.warc.gz``, starting a new file past
    ``max_size`` bytes. Each file opens with a warcinfo record."""

    def __init__(self, directory: Path, prefix: str = "nianbao", max_size: int = 100 * 2**20,
                 info: dict | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix, self.max_size, self.info = prefix, max_size, info or {}
        self.seq = 0
        self.path: Path | None = None
        self._fh = None
        self._writer: WARCWriter | None = None
        self.bytes_written = 0

    def _open(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        name = f"{self.prefix}-{stamp}-{os.getpid()}-{self.seq:05d}.warc.gz"
        self.seq += 1
        self.path = self.directory / name
        self._fh = open(self.path, "ab")
        self._writer = WARCWriter(self._fh, gzip=True)
        info = {"software": "nianbao", "hostname": socket.gethostname(),
                "format": "WARC File Format 1.1", **self.info}
        self._write(self._writer.create_warcinfo_record(name, info))

    def _write(self, record) -> int:
        """One record as its own gzip member (level 6: warcio's own level 9 costs the
        crawl several percent for a few percent of disk), deflated as warcio streams it
        out, so a 64 MiB body is never copied whole. A failed write is cut off again:
        the file never holds half a member."""
        offset = self._fh.tell()
        member = _GzipMember(self._fh)
        try:
            WARCWriter(member, gzip=False).write_record(record)
            member.close()
            self._fh.flush()
        except BaseException:
            self._fh.truncate(offset)
            self._fh.seek(offset)
            raise
        self.bytes_written += member.size
        return offset

    def write(self, record_factory) -> tuple[Path, int]:
        """Write the record made by ``record_factory(writer)``; return (file, offset)."""
        if self._fh is None or self._fh.tell() >= self.max_size:
            self.close()
            self._open()
        return self.path, self._write(record_factory(self._writer))

    def write_exchange(self, url: str, method: str, request_headers: list[tuple[str, str]],
                       status: int, reason: str, response_headers: list[tuple[str, str]],
                       body: bytes, extra: dict[str, str] | None = None,
                       truncated: str | None = None,
                       request_body: bytes = b"") -> tuple[Path, int]:
        """A request record, then its response record, linked by WARC-Concurrent-To.

        Returns where the response record starts."""
        from urllib.parse import urlsplit

        extra = dict(extra or {})
        if truncated:
            extra["WARC-Truncated"] = truncated
        headers = [(k, v) for k, v in response_headers
                   if k.lower() not in ("transfer-encoding",)]
        http = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol="HTTP/1.1")
        response_id = f"<urn:uuid:{uuid.uuid4()}>"

        def response(writer):
            return writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
                warc_headers_dict={"WARC-Record-ID": response_id, **extra})

        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req = StatusAndHeaders(f"{method} {target} HTTP/1.1", request_headers,
                               protocol="HTTP/1.1", is_http_request=True)

        def request(writer):
            return writer.create_warc_record(
                url, "request", payload=io.BytesIO(request_body), length=len(request_body),
                http_headers=req, warc_headers_dict={"WARC-Concurrent-To": response_id, **extra})

        self.write(request)
        return self.write(response)

    def write_error(self, url: str, message: str, extra: dict[str, str] | None = None):
        """A metadata record for a fetch that produced no response (refused, timed out)."""
        body = f"fetch-error: {message}\n".encode()

        def meta(writer):
            return writer.create_warc_record(
                url, "metadata", payload=io.BytesIO(body), length=len(body),
                warc_content_type="application/warc-fields", warc_headers_dict=dict(extra or {}))

        return self.write(meta)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@dataclass
class Record:
    """One WARC record as ingest needs it."""

    warc_file: str
    offset: int
    length: int
    type: str
    url: str
    record_id: str
    date: str
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = None
    body: bytes = b""
    payload_digest: str | None = None
    digest_ok: bool | None = None
    warc_headers: dict[str, str] = field(default_factory=dict)
    size: int | None = None  # payload bytes (de-chunked); more than ``body`` when over the cap
    problem: str | None = None  # ``too_large:…`` (body not read), ``truncated:chunked``, …

    @property
    def payload_size(self) -> int:
        return len(self.body) if self.size is None else self.size

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


@dataclass
class ReadError:
    warc_file: str
    offset: int
    error: str


def _not_blank(fh, start: int) -> bool:
    fh.seek(start)
    return bool(fh.read(64).strip())


def _next_member(fh, start: int) -> int | None:
    """Offset of the next gzip member at or after ``start``."""
    fh.seek(start)
    pos, tail = start, b""
    while chunk := fh.read(1 << 16):
        data = tail + chunk
        idx = data.find(GZIP_MAGIC)
        if idx >= 0:
            return pos - len(tail) + idx
        tail = data[-2:]
        pos += len(chunk)
    return None


def read_records(path: Path, name: str | None = None, start: int = 0,
                 max_bytes: int = MAX_PARSE_BYTES) -> Iterator[Record | ReadError]:
    """Records of one WARC file from byte ``start``; a damaged record yields a
    ``ReadError`` naming file and offset, and reading resumes at the next gzip member.

    Bodies are read as stored (Content-Encoding kept, chunking undone) and only up to
    ``max_bytes``: a larger record comes with an empty body and ``problem`` saying so,
    its rest streamed through (digests still checked), never held."""
    name = name or Path(path).name
    with open(path, "rb") as fh:
        base: int | None = start
        while base is not None:
            fh.seek(base)
            it = ArchiveIterator(fh, check_digests=True)  # offsets are absolute (fh.tell)
            expected = base  # where the next record should start
            try:
                for rec in it:
                    body, size, problem = read_payload(rec, max_bytes)
                    # asking for the offset first would skip the record's content
                    offset, length = it.get_record_offset(), it.get_record_length()
                    expected = offset + length
                    if not rec.rec_type or not rec.rec_headers.get_header("WARC-Record-ID"):
                        yield ReadError(name, offset, f"incomplete record ({length} bytes)")
                        continue
                    missing = getattr(rec.raw_stream, "limit", 0) or 0
                    if missing > 0:  # the file ends inside this record
                        yield ReadError(name, offset, f"truncated record: {missing} bytes missing")
                        continue
                    checker = getattr(rec, "digest_checker", None)
                    if checker is not None and checker.passed is False:
                        yield ReadError(name, offset, f"digest mismatch: {checker.problems}"[:300])
                        continue
                    record = _record(rec, name, offset, body, length)
                    record.size, record.problem = size, problem
                    yield record
                size = fh.seek(0, os.SEEK_END)
                if expected < size and _not_blank(fh, expected):  # warcio stops quietly
                    # at a cut-off last record (uncompressed files may end in blank lines)
                    yield ReadError(name, expected, f"truncated record: {size - expected} "
                                                    "bytes at the end do not form a record")
                return
            except Exception as exc:  # truncated gzip, bad headers, short body
                yield ReadError(name, expected, f"{type(exc).__name__}: {exc}"[:300])
                base = _next_member(fh, expected + 1)


_CHUNK = 1 << 16


def read_payload(rec, max_bytes: int) -> tuple[bytes, int, str | None]:
    """A record's payload up to ``max_bytes``, its full size, and what went wrong.

    HTTP chunking is undone here (streaming, whatever a chunk header claims); the
    Content-Encoding is left for ``parsers.limits.inflate``."""
    stream = rec.raw_stream
    http = rec.http_headers
    chunked = http is not None and "chunked" in (http.get_header("Transfer-Encoding") or "").lower()
    out, size, problem = bytearray(), 0, None
    pieces = _dechunked(stream) if chunked else iter(lambda: stream.read(_CHUNK), b"")
    for piece in pieces:
        if isinstance(piece, str):
            problem = piece
            continue
        size += len(piece)
        if size > max_bytes:
            out = bytearray()  # over the cap: the rest is only counted (digests still checked)
            size += sum(len(p) for p in pieces if not isinstance(p, str))
            return b"", size, f"too_large:{size} bytes, not read"
        out += piece
    return bytes(out), size, problem


def _dechunked(stream) -> Iterator[bytes | str]:
    """HTTP/1.1 chunked data as its pieces; a problem is yielded as a string. A body that
    does not start like chunked data is passed through as it is (some servers say
    chunked and are not)."""
    first = True
    while True:
        line = stream.readline(1024)
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            if not line:
                yield "truncated:chunked"
                return
            if not first:
                yield "corrupt:chunked"
            yield line
            yield from iter(lambda: stream.read(_CHUNK), b"")
            return
        first = False
        if size == 0:
            while stream.readline(1024).strip():  # trailer headers
                pass
            return
        while size > 0:
            piece = stream.read(min(size, _CHUNK))
            if not piece:
                yield "truncated:chunked"
                return
            size -= len(piece)
            yield piece
        stream.readline(8)  # the CRLF after the chunk


def _record(rec, name: str, offset: int, body: bytes, length: int) -> Record:
    wh = rec.rec_headers
    status, reason, headers = None, "", []
    if rec.http_headers is not None and rec.rec_type in ("response", "request"):
        headers = list(rec.http_headers.headers)
        if rec.rec_type == "response":
            code = rec.http_headers.get_statuscode()
            status = int(code) if code and code.isdigit() else None
            reason = rec.http_headers.statusline.partition(" ")[2]
        else:  # the request line: the method stands where a response has its status
            reason = rec.http_headers.protocol or ""
    checker = getattr(rec, "digest_checker", None)
    ok = None
    if checker is not None and wh.get_header("WARC-Payload-Digest"):
        ok = bool(checker.passed) if checker.passed is not None else None
    record = Record(
        warc_file=name, offset=offset, length=length, type=rec.rec_type,
        url=wh.get_header("WARC-Target-URI") or "", record_id=wh.get_header("WARC-Record-ID") or "",
        date=wh.get_header("WARC-Date") or "", status=status, reason=reason, headers=headers,
        body=body, payload_digest=wh.get_header("WARC-Payload-Digest"), digest_ok=ok,
        warc_headers=dict(wh.headers),
    )
    record.content_type = record.header("Content-Type")
    return record


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
