"""Hostile input corpus: a loopback HTTP server and a folder of files that attack a crawler.

Written from the outside (without reading the crawler, parsers or archive code) to prove
that memory and time stay bounded, that scope cannot be escaped and that nothing is lost.

HTTP
    ``HOSTILE_HTTP_CASES`` lists :class:`HostileCase` objects (name, kind, path, expect, note).
    :class:`HostileServer` serves all of them (context manager, threaded) on a primary
    loopback address (default ``127.0.9.1``) and logs every connection and request on every
    listener it has -- the primary one and the *traps*: another loopback host
    (``127.0.9.2``, same port when free), another port on the primary host, ``[::1]``,
    ``127.0.0.1`` (what ``localhost`` resolves to) and ``127.0.0.1:22`` when it is free.
    ``/`` is a 信息公开年报 list page linking every case as a report.  A correct crawler that
    starts at ``/`` never touches a trap: :meth:`HostileServer.violations` lists every
    request that broke scope or a request budget.

    Every body is generated on the fly from small cached blocks (:class:`Blob`): a 10 GiB
    gzip bomb is ~10 MiB on the wire and about 1 KiB of distinct bytes in memory.

Folder
    :func:`hostile_folder` writes a folder for ``nianbao rebuild --from-dir`` and returns
    ``{file name: expected handling}``.

Processes
    :func:`rss_of` runs a command and returns ``(returncode, peak RSS MiB of the process
    tree, seconds)``.

Expectation vocabulary (``HostileCase.expect`` and :func:`hostile_folder`'s values)
    Every case also implies *bounded*: the crawler/ingester keeps its RSS under the test's
    budget, finishes within the test's time limit and goes on with the other cases.

    ``parsed``          the report is ingested: its title (``case.title``) is in the archive.
    ``kept``            the exchange (WARC response/error record, or a row for a file) is
                        preserved and accounted for; parsing it is optional.
    ``+flag:X``         the crawler/ingester should mark it with a reason like X (``bomb``,
                        ``oversize``, ``truncated``, ``timeout``, ``empty``, ``corrupt``,
                        ``entities``, ``cpu``, ``pages``, ``redirect-loop``,
                        ``redirect-limit``, ``bad-redirect``, ``bad-response``,
                        ``mime-mismatch``); tests may check the gist, not the exact word.
    ``+safe-name``      a hostile Content-Disposition filename never becomes a path.
    ``+no-xxe``         external entities are not resolved (no trap hit, no /etc/passwd).
    ``not-followed``    the 3xx / refresh itself may be kept; its target is never requested.
    ``no-request``      a link that must never be fetched (trap listeners see nothing).
    ``skipped:X``       (folder) not read at all: ``symlink``, ``not-regular``, ``oversize``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import html
import importlib.util
import ipaddress
import itertools
import os
import random
import re
import select
import socket
import struct
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Literal
from urllib.parse import urlsplit

__all__ = [
    "ALT_HOST",
    "FOLDER_TITLES",
    "HOSTILE_HTTP_CASES",
    "OFFSCOPE_TITLE",
    "OUTSIDE_TITLE",
    "PRIMARY_HOST",
    "REPORT_TITLE",
    "STORM_UNIT",
    "YEAR_SUFFIX",
    "Blob",
    "Exchange",
    "HostileCase",
    "HostileServer",
    "LargeBodiesServer",
    "RawResponse",
    "RequestRecord",
    "adler32_repeat",
    "compressed_zeros",
    "count_lie_pdf",
    "crc32_repeat",
    "docx_bomb",
    "docx_entities",
    "form_bomb_pdf",
    "gzip_blob",
    "hostile_folder",
    "many_pages_pdf",
    "ofd_bomb",
    "operator_storm_pdf",
    "page_dag_pdf",
    "raw_get",
    "report_html",
    "report_body",
    "report_pdf",
    "rss_of",
    "xhtml_billion_laughs",
    "xhtml_xxe",
    "xml_list_billion_laughs",
    "xml_quadratic",
    "zlib_blob",
]

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30

PRIMARY_HOST = "127.0.9.1"
ALT_HOST = "127.0.9.2"
PRIVATE_HOST = "10.0.0.1"
REPORT_TITLE = "某县人民政府2023年政府信息公开工作年度报告"
#: Title of the report that trap listeners serve: it must never reach the archive.
OFFSCOPE_TITLE = "越界县人民政府2023年政府信息公开工作年度报告"
#: Title of the file outside the folder that hostile_folder's symlink points at.
OUTSIDE_TITLE = "泄露县人民政府2023年政府信息公开工作年度报告"
YEAR_SUFFIX = "人民政府2023年政府信息公开工作年度报告"

_BROTLI = importlib.util.find_spec("brotli") is not None


def _zstd_module() -> Any | None:
    for name in ("compression.zstd", "backports.zstd", "zstandard"):
        try:
            return __import__(name, fromlist=["_"])
        except ImportError:
            continue
    return None


# --------------------------------------------------------------------------- checksums


class _CrcMap:
    """``v -> zlib.crc32(data, v)`` for a fixed ``data``: an affine map over GF(2)^32."""

    __slots__ = ("cols", "const")

    def __init__(self, const: int, cols: tuple[int, ...]) -> None:
        self.const = const
        self.cols = cols

    @classmethod
    def of(cls, unit: bytes) -> _CrcMap:
        const = zlib.crc32(unit, 0)
        return cls(const, tuple(zlib.crc32(unit, 1 << i) ^ const for i in range(32)))

    def __call__(self, v: int) -> int:
        r, i = self.const, 0
        while v:
            if v & 1:
                r ^= self.cols[i]
            v >>= 1
            i += 1
        return r

    def then(self, other: _CrcMap) -> _CrcMap:
        """``other(self(v))``."""
        const = other(self.const)
        return _CrcMap(const, tuple(other(self.const ^ c) ^ const for c in self.cols))


@lru_cache(maxsize=256)
def _crc_power(unit: bytes, k: int) -> _CrcMap:
    """The map for ``unit * 2**k``."""
    if k == 0:
        return _CrcMap.of(unit)
    half = _crc_power(unit, k - 1)
    return half.then(half)


def crc32_repeat(unit: bytes, count: int, crc: int = 0) -> int:
    """``zlib.crc32(unit * count, crc)`` in O(log count) without building the bytes."""
    k = 0
    while count:
        if count & 1:
            crc = _crc_power(unit, k)(crc)
        count >>= 1
        k += 1
    return crc


def adler32_repeat(unit: bytes, count: int, adler: int = 1) -> int:
    """``zlib.adler32(unit * count, adler)`` in closed form."""
    mod = 65521
    a, b = adler & 0xFFFF, adler >> 16
    n, length, s = count, len(unit), sum(unit)
    w = sum((length - i) * u for i, u in enumerate(unit))
    a2 = (a + n * s) % mod
    b2 = (b + n * length * a + s * length * (n * (n - 1) // 2) + n * w) % mod
    return (b2 << 16) | a2


# --------------------------------------------------------------------------- blobs

Part = bytes | tuple[bytes, int]
"""A literal, or ``(unit, count)``: ``unit`` repeated ``count`` times."""


@dataclass(frozen=True)
class Blob:
    """A byte string described as ``(piece, times)`` pairs: measured for free, streamed lazily.

    ``decoded_size`` is the size after decoding (inflate) where that applies, else 0.
    """

    pieces: tuple[tuple[bytes, int], ...]
    decoded_size: int = 0

    @property
    def size(self) -> int:
        return sum(len(p) * n for p, n in self.pieces)

    def iter_chunks(self, chunk: int = 64 * KiB) -> Iterator[bytes]:
        """Yield the bytes in writes of about ``chunk`` bytes (never the whole blob)."""
        for piece, times in self.pieces:
            if not piece or times <= 0:
                continue
            if len(piece) * times <= chunk:
                yield piece * times
                continue
            per = max(1, chunk // len(piece))
            group = piece * per
            full, rest = divmod(times, per)
            for _ in range(full):
                yield group
            if rest:
                yield piece * rest

    def prefix(self, n: int) -> bytes:
        out = bytearray()
        for c in self.iter_chunks():
            out += c
            if len(out) >= n:
                break
        return bytes(out[:n])

    def to_bytes(self, limit: int = 256 * MiB) -> bytes:
        if self.size > limit:
            raise ValueError(f"blob of {self.size} bytes is over the {limit} byte limit")
        return b"".join(self.iter_chunks())

    def write_to(self, path: Path) -> int:
        with open(path, "wb") as f:
            for c in self.iter_chunks(MiB):
                f.write(c)
        return self.size

    @classmethod
    def of(cls, *parts: Part, decoded_size: int = 0) -> Blob:
        return cls(tuple(p if isinstance(p, tuple) else (p, 1) for p in parts), decoded_size)


# --------------------------------------------------------------------------- deflate plans

_BLOCK = MiB  # uncompressed bytes per cached deflate block


@lru_cache(maxsize=128)
def _run_block(unit: bytes, count: int) -> bytes:
    """Raw deflate of ``unit * count`` ending in a full flush: byte aligned, no back
    references into earlier data, not final -- so it can be repeated inside one stream."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(unit * count) + c.flush(zlib.Z_FULL_FLUSH)


def _literal_block(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)


@dataclass(frozen=True)
class _Deflated:
    pieces: tuple[tuple[bytes, int], ...]  # a complete raw deflate stream
    raw_size: int
    crc32: int
    adler32: int

    @property
    def size(self) -> int:
        return sum(len(p) * n for p, n in self.pieces)


def _deflate(parts: Sequence[Part]) -> _Deflated:
    pieces: list[tuple[bytes, int]] = []
    raw, crc, adler = 0, 0, 1
    for part in parts:
        if isinstance(part, bytes):
            if part:
                pieces.append((_literal_block(part), 1))
                crc, adler = zlib.crc32(part, crc), zlib.adler32(part, adler)
                raw += len(part)
            continue
        unit, count = part
        if not unit or count <= 0:
            continue
        per = max(1, _BLOCK // len(unit))
        full, rest = divmod(count, per)
        if full:
            pieces.append((_run_block(unit, per), full))
        if rest:
            pieces.append((_run_block(unit, rest), 1))
        crc = crc32_repeat(unit, count, crc)
        adler = adler32_repeat(unit, count, adler)
        raw += len(unit) * count
    pieces.append((b"\x03\x00", 1))  # an empty final fixed-Huffman block
    return _Deflated(tuple(pieces), raw, crc, adler)


def gzip_blob(parts: Sequence[Part]) -> Blob:
    """A single-member gzip stream (valid CRC and ISIZE) of ``parts``."""
    d = _deflate(parts)
    trailer = struct.pack("<II", d.crc32, d.raw_size & 0xFFFFFFFF)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return Blob(((header, 1), *d.pieces, (trailer, 1)), d.raw_size)


def zlib_blob(parts: Sequence[Part]) -> Blob:
    """A zlib (RFC 1950, HTTP ``deflate``) stream of ``parts``."""
    d = _deflate(parts)
    return Blob(((b"\x78\xda", 1), *d.pieces, (struct.pack(">I", d.adler32), 1)), d.raw_size)


def raw_deflate_blob(parts: Sequence[Part]) -> Blob:
    d = _deflate(parts)
    return Blob(d.pieces, d.raw_size)


_BR_BLOCK = 16 * MiB


@lru_cache(maxsize=1)
def _brotli_blocks() -> tuple[bytes, bytes, bytes]:
    import brotli  # type: ignore[import-not-found]

    c = brotli.Compressor(quality=1, lgwin=24)
    zeros = bytes(_BR_BLOCK)
    first = c.process(zeros) + c.flush()
    block = c.process(zeros) + c.flush()
    again = c.process(zeros) + c.flush()
    if block != again:  # pragma: no cover - depends on the brotli build
        raise RuntimeError("brotli flush blocks are not stable; cannot build a brotli bomb")
    return first, block, c.finish()


@lru_cache(maxsize=1)
def _zstd_blocks() -> tuple[bytes, bytes, bytes]:
    zstd = _zstd_module()
    if zstd is None:
        raise RuntimeError("no zstd module")
    zeros = bytes(_BR_BLOCK)
    if hasattr(zstd, "ZstdCompressor") and hasattr(zstd.ZstdCompressor, "FLUSH_BLOCK"):
        c = zstd.ZstdCompressor(level=3)
        mode = zstd.ZstdCompressor.FLUSH_BLOCK
        first = c.compress(zeros, mode=mode)
        block = c.compress(zeros, mode=mode)
        again = c.compress(zeros, mode=mode)
        fin = c.flush()
    else:  # pragma: no cover - the zstandard package
        c = zstd.ZstdCompressor(level=3).compressobj()
        first = c.compress(zeros) + c.flush(zstd.COMPRESSOBJ_FLUSH_BLOCK)
        block = c.compress(zeros) + c.flush(zstd.COMPRESSOBJ_FLUSH_BLOCK)
        again = c.compress(zeros) + c.flush(zstd.COMPRESSOBJ_FLUSH_BLOCK)
        fin = c.flush()
    if block != again:  # pragma: no cover
        raise RuntimeError("zstd flush blocks are not stable; cannot build a zstd bomb")
    return first, block, fin


def compressed_zeros(encoding: str, size: int = 10 * GiB) -> Blob:
    """``size`` zero bytes in ``encoding``: ``gzip``, ``deflate`` (zlib), ``deflate-raw``,
    ``br`` or ``zstd`` (those two round ``size`` up to 16 MiB; they need their module).

    About 1/1030 of ``size`` on the wire for the deflate family, 1/5500 for brotli and
    1/32000 for zstd; built in milliseconds from cached blocks.
    """
    if encoding == "gzip":
        return gzip_blob([(b"\0", size)])
    if encoding == "deflate":
        return zlib_blob([(b"\0", size)])
    if encoding == "deflate-raw":
        return raw_deflate_blob([(b"\0", size)])
    if encoding in ("br", "zstd"):
        first, block, fin = _brotli_blocks() if encoding == "br" else _zstd_blocks()
        n = max(1, -(-size // _BR_BLOCK))
        return Blob(((first, 1), (block, n - 1), (fin, 1)), n * _BR_BLOCK)
    raise ValueError(f"unknown encoding {encoding!r}")


@lru_cache(maxsize=8)
def _bomb(encoding: str, size: int = 10 * GiB) -> Blob:
    return compressed_zeros(encoding, size)


@lru_cache(maxsize=2)
def _double_gzip_bomb(size: int = 10 * GiB) -> Blob:
    """gzip(gzip(zeros)): ~10 KiB on the wire, ~10 MiB after one inflate, ``size`` after two."""
    inner = _bomb("gzip", size)
    return gzip_blob(list(inner.pieces))


# --------------------------------------------------------------------------- documents


def _org(title: str) -> str:
    return title.split("2023年")[0] if "2023年" in title else "某县人民政府"


def report_body(title: str, *, seed: int = 0, extra: str = "") -> str:
    """The well-formed (XHTML-safe) ``<div>`` of a realistic short annual report."""
    r = random.Random(f"{title}/{seed}")
    n = [r.randint(1, 900) for _ in range(12)]
    org = _org(title)
    return f"""<div class="detail">
<h1 class="title">{title}</h1>
<div class="info">发布时间：2024-01-15 来源：{org}办公室</div>
<div class="content">
<p>本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）要求编制。报告中所列数据统计期限自2023年1月1日起至2023年12月31日止。</p>
<h2>一、总体情况</h2>
<p>2023年，{org}深入贯彻落实《条例》，全年主动公开政府信息{n[0]}条，其中政策文件{n[1]}件，回应社会关切{n[2]}次。</p>
<h2>二、主动公开政府信息情况</h2>
<table border="1">
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>行政规范性文件</td><td>{n[3]}</td><td>{n[4] % 20}</td><td>{n[5]}</td></tr>
<tr><td colspan="4">第二十条第（九）项</td></tr>
<tr><td>信息内容</td><td colspan="3">采购总金额</td></tr>
<tr><td>政府集中采购</td><td colspan="3">{n[6]}.{n[7] % 100:02d}</td></tr>
</table>
<h2>三、收到和处理政府信息公开申请情况</h2>
<table border="1">
<tr><td>一、本年新收政府信息公开申请数量</td><td>{n[8] % 60}</td></tr>
<tr><td>二、上年结转政府信息公开申请数量</td><td>{n[9] % 5}</td></tr>
</table>
<h2>四、政府信息公开行政复议、行政诉讼情况</h2>
<table border="1">
<tr><td>行政复议</td><td>结果维持</td><td>{n[10] % 3}</td></tr>
<tr><td>行政诉讼</td><td>结果维持</td><td>{n[11] % 2}</td></tr>
</table>
<h2>五、存在的主要问题及改进情况</h2>
<p>政务公开工作人员业务水平有待提高，下一步将加强培训。</p>
<h2>六、其他需要报告的事项</h2>
<p>本年度未收取信息处理费。</p>
{extra}
</div>
</div>"""


def report_html(title: str = REPORT_TITLE, *, seed: int = 0, head_extra: str = "",
                body_extra: str = "", meta_charset: str | None = "utf-8") -> str:
    """A realistic short report page (well formed, so it is also valid XHTML body)."""
    meta = f'<meta charset="{meta_charset}" />\n' if meta_charset else ""
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n{meta}<title>{title}</title>\n'
            f'{head_extra}</head>\n<body>\n{report_body(title, seed=seed, extra=body_extra)}\n'
            "</body>\n</html>\n")


def _laughs_dtd(root: str, levels: int = 9) -> str:
    ents = ['<!ENTITY lol0 "lol">']
    ents += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return f"<!DOCTYPE {root} [\n" + "\n".join(ents) + "\n]>\n"


def xhtml_billion_laughs(title: str) -> bytes:
    """XHTML whose ``&lol9;`` expands to 3 GB in an entity-resolving XML parser."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + _laughs_dtd("html")
            + '<html xmlns="http://www.w3.org/1999/xhtml" lang="zh-CN"><head>'
            f"<title>{title}</title></head><body>\n<p>&lol9;</p>\n"
            + report_body(title) + "\n<p>&lol9;&lol9;&lol9;</p></body></html>\n").encode()


def xhtml_xxe(title: str, trap_base: str) -> bytes:
    """XHTML with external entities: file:///etc/passwd and two URLs on a trap listener."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html [\n'
            '<!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
            f'<!ENTITY ext SYSTEM "{trap_base}/case/xhtml_xxe/ext.xml">\n'
            f'<!ENTITY % remote SYSTEM "{trap_base}/case/xhtml_xxe/remote.dtd">\n'
            "%remote;\n]>\n"
            '<html xmlns="http://www.w3.org/1999/xhtml" lang="zh-CN"><head>'
            f"<title>{title}</title></head><body>\n<pre>&xxe;</pre><p>&ext;</p>\n"
            + report_body(title) + "</body></html>\n").encode()


def xml_list_billion_laughs(title: str, item: str) -> bytes:
    """A CMS 'dataproxy' style XML list response with an entity bomb among its records."""
    rec = (f'<li><a href="{item}" title="{title}" target="_blank">{title}</a>'
           "<span>2024-01-15</span></li>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + _laughs_dtd("datastore")
            + "<datastore>\n<totalrecord>2</totalrecord>\n<recordset>\n"
            f"<record><![CDATA[{rec}]]></record>\n<record>&lol9;</record>\n"
            "</recordset>\n</datastore>\n").encode()


def xml_quadratic(title: str, *, width: int = 50_000, refs: int = 100_000) -> bytes:
    """Quadratic blowup: one 50 kB entity referenced 100k times (5 GB expanded)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE datastore [\n'
            f'<!ENTITY a "{"A" * width}">\n]>\n'
            f"<datastore><title>{title}</title><recordset><record>"
            + "&a;" * refs + "</record></recordset></datastore>\n").encode()


# ---- PDF


def _pdf(objects: Sequence[bytes], *, info: int | None = None) -> bytes:
    """A classic-xref PDF whose object i (1-based) is ``objects[i - 1]``; object 1 is the root."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i
        out += body
        out += b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if info:
        out += b" /Info %d 0 R" % info
    out += b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _pdf_text(s: str) -> bytes:
    return b"<" + s.encode("utf-16-be").hex().upper().encode() + b">"


def _pdf_info(title: str) -> bytes:
    return (b"<< /Title <FEFF" + title.encode("utf-16-be").hex().upper().encode()
            + b"> /Producer (nianbao hostile corpus) >>")


_FONT_OBJS = (
    b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H"
    b" /DescendantFonts [%d 0 R] >>",
    b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo"
    b" << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor %d 0 R"
    b" /DW 1000 >>",
    b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]"
    b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
)


def _text_ops(lines: Sequence[str]) -> bytes:
    ops = [b"BT /F1 16 Tf 56 780 Td 20 TL"]
    for line in lines:
        ops.append(_pdf_text(line) + b" Tj T*")
    ops.append(b"ET\n")
    return b"\n".join(ops)


def _one_page_pdf(title: str, content_obj: bytes, count: int = 1) -> bytes:
    """Objects: 1 catalog, 2 pages, 3 page, 4 contents, 5-7 font, 8 info."""
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        content_obj,
        _FONT_OBJS[0] % 6,
        _FONT_OBJS[1] % 7,
        _FONT_OBJS[2],
        _pdf_info(title),
    ], info=8)


_REPORT_LINES = ("一、总体情况", "2023年，全年主动公开政府信息356条。",
                 "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况")


def report_pdf(title: str = REPORT_TITLE, *, count: int = 1) -> bytes:
    """A small valid one-page PDF whose text (STSong-Light, UniGB-UCS2-H) holds ``title``.

    ``count`` is what its Pages node claims (a lie when it is not 1)."""
    return _one_page_pdf(title, _stream(zlib.compress(_text_ops([title, *_REPORT_LINES]), 9),
                                        b" /Filter /FlateDecode"), count)


STORM_UNIT = b"0 0 m 1 1 l S\n"


@lru_cache(maxsize=4)
def operator_storm_pdf(title: str = REPORT_TITLE, repeats: int = 2_400_000) -> bytes:
    """One page whose ~67 kB FlateDecode content stream inflates to ``repeats`` copies of
    ``0 0 m 1 1 l S`` (34 MB, 2.4 M line objects): burns CPU and memory in PDF parsers.
    (A 14-byte period costs deflate ~4 bits per 258-byte match: ~500:1, not 1000:1.)"""
    data = zlib_blob([_text_ops([title, *_REPORT_LINES]), (STORM_UNIT, repeats)]).to_bytes()
    return _one_page_pdf(title, _stream(data, b" /Filter /FlateDecode"))


def form_bomb_pdf(title: str = REPORT_TITLE, fanout: int = 100, depth: int = 3) -> bytes:
    """Two pages: page 1 the report's text; page 2 draws form X0 ``fanout`` times, X0 draws
    X1 ``fanout`` times, … down to a form of ten short lines: ~2 kB of streams that
    a PDF interpreter runs as ``fanout ** (depth + 1) * 10`` (10^9) line paths."""
    font = b" /Font << /F1 6 0 R >>"
    first_form = 10
    objs: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources <<%s >>"
        b" /Contents 5 0 R >>" % font,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject"
        b" << /X0 %d 0 R >> >> /Contents 9 0 R >>" % first_form,
        _stream(_text_ops([title, *_REPORT_LINES])),
        _FONT_OBJS[0] % 7,
        _FONT_OBJS[1] % 8,
        _FONT_OBJS[2],
        _stream(b"q /X0 Do Q\n" * fanout),
    ]
    form = b" /Type /XObject /Subtype /Form /BBox [0 0 595 842]"
    for level in range(depth):
        child = b" /Resources << /XObject << /X%d %d 0 R >> >>" % (level + 1,
                                                                  first_form + level + 1)
        objs.append(_stream(b"/X%d Do\n" % (level + 1) * fanout, form + child))
    objs.append(_stream(STORM_UNIT * 10, form))
    objs.append(_pdf_info(title))
    return _pdf(objs, info=len(objs))


@lru_cache(maxsize=2)
def many_pages_pdf(title: str = REPORT_TITLE, pages: int = 200_000) -> bytes:
    """``pages`` honest empty pages (1000 per intermediate node): ~16 MB, built in ~0.2 s."""
    per = 1000
    nodes = -(-pages // per)
    first_page = 3 + nodes  # 1 catalog, 2 root, 3.. nodes, then pages, then info
    objs: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /MediaBox [0 0 595 842] /Count %d /Kids [%s] >>"
        % (pages, b" ".join(b"%d 0 R" % (3 + i) for i in range(nodes))),
    ]
    for i in range(nodes):
        lo, hi = i * per, min(pages, (i + 1) * per)
        kids = b" ".join(b"%d 0 R" % (first_page + j) for j in range(lo, hi))
        objs.append(b"<< /Type /Pages /Parent 2 0 R /Count %d /Kids [%s] >>" % (hi - lo, kids))
    objs.extend(b"<</Type/Page/Parent %d 0 R>>" % (3 + j // per) for j in range(pages))
    objs.append(_pdf_info(title))
    return _pdf(objs, info=len(objs))


@lru_cache(maxsize=2)
def page_dag_pdf(title: str = REPORT_TITLE, fanout: int = 1000, depth: int = 3) -> bytes:
    """A page *DAG*: every Pages node lists the same child ``fanout`` times, so a ~20 kB
    file declares ``fanout ** depth`` (10^9) pages to a reader that walks the tree."""
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        num = 2 + level
        kids = b" ".join([b"%d 0 R" % (num + 1)] * fanout)
        parent = b" /Parent %d 0 R" % (num - 1) if level else b" /MediaBox [0 0 595 842]"
        objs.append(b"<< /Type /Pages%s /Count %d /Kids [%s] >>"
                    % (parent, fanout ** (depth - level), kids))
    objs.append(b"<< /Type /Page /Parent %d 0 R >>" % (1 + depth))
    objs.append(_pdf_info(title))
    return _pdf(objs, info=len(objs))


def count_lie_pdf(title: str = REPORT_TITLE) -> bytes:
    """One real page under a Pages node that claims /Count 2147483647."""
    return report_pdf(title, count=2147483647)


# ---- ZIP (DOCX / OFD)

_DOS_TIME, _DOS_DATE = 10 << 11, ((2024 - 1980) << 9) | (1 << 5) | 15


@dataclass(frozen=True)
class _ZipEntry:
    name: str
    data: _Deflated
    declared_size: int | None = None  # a lie about the uncompressed size


def _zip(entries: Sequence[_ZipEntry]) -> Blob:
    pieces: list[tuple[bytes, int]] = []
    central = bytearray()
    offset = 0
    total = 0
    for e in entries:
        name = e.name.encode()
        flags = 0 if name.isascii() else 0x800
        usize = e.data.raw_size if e.declared_size is None else e.declared_size
        csize = e.data.size
        if usize >= 1 << 32 or csize >= 1 << 32:
            raise ValueError("zip64 is not supported here; keep members under 4 GiB")
        fields = (8, _DOS_TIME, _DOS_DATE, e.data.crc32, csize, usize, len(name))
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, *fields, 0) + name
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, *fields,
                               0, 0, 0, 0, 0, offset) + name
        pieces.append((local, 1))
        pieces.extend(e.data.pieces)
        offset += len(local) + csize
        total += usize
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                       len(central), offset, 0)
    return Blob((*pieces, (bytes(central), 1), (eocd, 1)), total)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx_entries(title: str, document: _Deflated, declared: int | None = None
                  ) -> list[_ZipEntry]:
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.'
          'openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
          '<Override PartName="/docProps/core.xml" ContentType="application/vnd.'
          'openxmlformats-package.core-properties+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>")
    core = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{title}</dc:title></cp:coreProperties>")
    return [
        _ZipEntry("[Content_Types].xml", _deflate([ct.encode()])),
        _ZipEntry("_rels/.rels", _deflate([rels.encode()])),
        _ZipEntry("docProps/core.xml", _deflate([core.encode()])),
        _ZipEntry("word/document.xml", document, declared),
    ]


def _w_p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


@lru_cache(maxsize=8)
def docx_bomb(kind: Literal["lie", "huge"] = "huge", title: str = REPORT_TITLE,
              size: int | None = None) -> Blob:
    """A DOCX whose ``word/document.xml`` is valid XML padded with whitespace.

    ``huge``: honestly declares its size (default 0xF000_0000 = 3.75 GiB; ~3.7 MB zipped).
    ``lie``: declares 2048 bytes but inflates to ``size`` (default 1 GiB; ~1 MB zipped);
    the CRC is that of the full inflated member.
    """
    size = size if size is not None else (0xF000_0000 if kind == "huge" else GiB)
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:document xmlns:w="{_W}"><w:body>{_w_p(title)}').encode()
    tail = (_w_p("一、总体情况") + "<w:sectPr/></w:body></w:document>").encode()
    pad = max(0, size - len(head) - len(tail))
    doc = _deflate([head, (b" ", pad), tail])
    return _zip(_docx_entries(title, doc, 2048 if kind == "lie" else None))


@lru_cache(maxsize=2)
def docx_entities(title: str = REPORT_TITLE) -> Blob:
    """A DOCX whose document.xml carries a billion-laughs DOCTYPE and uses ``&lol9;``."""
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + _laughs_dtd("w:document")
           + f'<w:document xmlns:w="{_W}"><w:body>{_w_p(title)}{_w_p("&lol9;")}'
           "<w:sectPr/></w:body></w:document>")
    return _zip(_docx_entries(title, _deflate([doc.encode()])))


@lru_cache(maxsize=2)
def ofd_bomb(title: str = REPORT_TITLE, size: int = 2 * GiB) -> Blob:
    """An OFD (zip) whose page Content.xml is valid XML padded to ``size`` (~2 MB zipped)."""
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    ofd = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<ofd:OFD {ns} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
           f"<ofd:DocID>hostile0000</ofd:DocID><ofd:Title>{title}</ofd:Title></ofd:DocInfo>"
           "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
    document = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>10</ofd:MaxUnitID>"
                "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
                '</ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/'
                'Content.xml"/></ofd:Pages></ofd:Document>')
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ofd:Page {ns}><ofd:Content><ofd:Layer ID="2"><ofd:TextObject ID="3" '
            'Boundary="10 10 190 10" Font="4" Size="5"><ofd:TextCode X="0" Y="5">'
            f"{title}</ofd:TextCode></ofd:TextObject>").encode()
    tail = b"</ofd:Layer></ofd:Content></ofd:Page>"
    content = _deflate([head, (b" ", max(0, size - len(head) - len(tail))), tail])
    return _zip([
        _ZipEntry("OFD.xml", _deflate([ofd.encode()])),
        _ZipEntry("Doc_0/Document.xml", _deflate([document.encode()])),
        _ZipEntry("Doc_0/Pages/Page_0/Content.xml", content),
    ])


# --------------------------------------------------------------------------- HTTP exchange

_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 303: "See Other",
            307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request",
            404: "Not Found"}
HTML = "text/html; charset=utf-8"


class _Stopped(Exception):
    """The server is stopping or the client stalled: abandon this exchange."""


@dataclass
class RequestRecord:
    """One accepted connection on one listener, and the request read from it (if any)."""

    listener: str  # "primary", "alt_host", "alt_port", "ipv6", "localhost", "ssh"
    local_host: str
    local_port: int
    peer: str
    start: float  # time.time() at accept
    end: float | None = None  # time.time() when the server closed it (None: still open)
    method: str = ""
    target: str = ""  # the request-target as sent
    path: str = ""  # without the query
    host_header: str = ""
    user_agent: str = ""
    status: int | None = None
    bytes_sent: int = 0
    error: str | None = None

    @property
    def offscope(self) -> bool:
        return self.listener != "primary"

    @property
    def seconds(self) -> float | None:
        return None if self.end is None else self.end - self.start


class Exchange:
    """What a case handler gets: the parsed request and raw, stop-aware output."""

    def __init__(self, server: HostileServer, sock: socket.socket, record: RequestRecord,
                 headers: dict[str, str]) -> None:
        self.server = server
        self.sock = sock
        self.record = record
        self.headers = headers
        self.method = record.method
        self.path = record.path
        self.case: HostileCase | None = None
        self.sub = ""  # for /case/NAME/SUB: SUB; for /case/NAME.ext: ""

    def fmt(self, template: str) -> str:
        """Fill ``{host}``, ``{port}``, ``{alt_host}``... (see :attr:`HostileServer.ctx`)."""
        return template.format(**self.server.ctx)

    @property
    def title(self) -> str:
        return self.case.title if self.case else REPORT_TITLE

    def sleep(self, seconds: float) -> None:
        if self.server._stop.wait(seconds):
            raise _Stopped("server stopping")

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        last = time.monotonic()
        poller = select.poll()
        poller.register(self.sock, select.POLLOUT)
        while view:
            if self.server._stop.is_set():
                raise _Stopped("server stopping")
            if not poller.poll(250):
                if time.monotonic() - last > self.server.stall_timeout:
                    raise _Stopped("client stopped reading")
                continue
            try:
                n = self.sock.send(view)
            except BlockingIOError:
                continue
            view = view[n:]
            self.record.bytes_sent += n
            last = time.monotonic()

    def head(self, status: int, headers: Iterable[tuple[str, str | bytes]],
             reason: str | None = None) -> None:
        """Write a status line and headers verbatim (bytes values go out raw: NUL, CR, LF)."""
        out = bytearray(b"HTTP/1.1 %d %s\r\n" % (status, (reason or _REASONS.get(status, "X")
                                                           ).encode()))
        for k, v in headers:
            out += k.encode("latin-1") + b": "
            out += v if isinstance(v, bytes) else v.encode("utf-8")
            out += b"\r\n"
        out += b"\r\n"
        self.record.status = status
        self.send(bytes(out))

    def respond(self, status: int, ctype: str | None, body: bytes | Blob | Iterable[bytes], *,
                headers: Iterable[tuple[str, str | bytes]] = (),
                length: int | None | Literal["auto"] = "auto", chunked: bool = False,
                reason: str | None = None) -> None:
        hdrs: list[tuple[str, str | bytes]] = [("Server", "hostile-corpus")]
        if ctype is not None:
            hdrs.append(("Content-Type", ctype))
        chunks: Iterable[bytes]
        if isinstance(body, bytes | bytearray):
            chunks, size = [bytes(body)], len(body)
        elif isinstance(body, Blob):
            chunks, size = body.iter_chunks(), body.size
        else:
            chunks, size = body, None
        if length == "auto":
            length = None if chunked else size
        if chunked:
            hdrs.append(("Transfer-Encoding", "chunked"))
        elif length is not None:
            hdrs.append(("Content-Length", str(length)))
        hdrs.extend(headers)
        hdrs.append(("Connection", "close"))
        self.head(status, hdrs, reason)
        if self.method == "HEAD":
            return
        for c in chunks:
            if c:
                self.send(b"%x\r\n%s\r\n" % (len(c), c) if chunked else c)
        if chunked:
            self.send(b"0\r\n\r\n")

    def html(self, text: str, status: int = 200, **kw: Any) -> None:
        self.respond(status, HTML, text.encode(), **kw)

    def not_found(self) -> None:
        self.html("<html><body><h1>404</h1></body></html>", 404)


Handler = Callable[[Exchange], None]


@dataclass(frozen=True)
class HostileCase:
    """One hostile resource (or link) on the portal.

    ``path`` is served on the primary listener ("" for link-only cases); ``href`` is the
    template linked from ``/`` (``{host}``, ``{port}``, ``{alt_host}``... filled by the
    server); ``expect`` uses the vocabulary in the module docstring; ``max_hits`` bounds the
    requests to ``/case/NAME*``; ``requires`` names what the case needs ("private",
    "not-localhost", "brotli", "zstd").
    """

    name: str
    kind: str
    expect: str
    note: str
    path: str = ""
    href: str = ""
    title: str = ""
    handler: Handler | None = field(default=None, repr=False, compare=False)
    requires: str = ""
    max_hits: int | None = None

    @property
    def outcome(self) -> str:
        """``parsed``, ``kept``, ``not-followed`` or ``no-request``."""
        return self.expect.split("+")[0]

    @property
    def flags(self) -> list[str]:
        return [p[5:] for p in self.expect.split("+") if p.startswith("flag:")]

    @property
    def attachment(self) -> bool:
        return bool(self.path) and not self.path.endswith((".html", ".xml"))


# --------------------------------------------------------------------------- case handlers


def _report_bytes(ex: Exchange) -> bytes:
    return report_html(ex.title).encode()


def _static(ctype: str | None, body: Callable[[Exchange], bytes | Blob], *,
            headers: Sequence[tuple[str, str | bytes]] = (), chunked: bool = False) -> Handler:
    def handle(ex: Exchange) -> None:
        if ex.sub:
            return ex.not_found()
        ex.respond(200, ctype, body(ex), headers=headers, chunked=chunked)

    return handle


def _encoded(encoding: str, blob: Callable[[], Blob], *, chunked: bool = False) -> Handler:
    return _static(HTML, lambda ex: blob(), headers=[("Content-Encoding", encoding)],
                   chunked=chunked)


@lru_cache(maxsize=4)
def _gzip_report(title: str) -> bytes:
    import gzip

    # enough incompressible-ish numbers that half the stream is many kB
    r = random.Random(title)
    table = "".join(f"<tr><td>{r.random()}</td><td>{r.random()}</td></tr>" for _ in range(400))
    return gzip.compress(report_html(title, body_extra=f"<table>{table}</table>").encode(), 9)


def _gzip_truncated(ex: Exchange) -> None:
    data = _gzip_report(ex.title)
    ex.respond(200, HTML, data[: len(data) // 2], headers=[("Content-Encoding", "gzip")])


def _gzip_bad_crc(ex: Exchange) -> None:
    data = bytearray(_gzip_report(ex.title))
    data[-8:-4] = bytes(b ^ 0x5A for b in data[-8:-4])
    ex.respond(200, HTML, bytes(data), headers=[("Content-Encoding", "gzip")])


@lru_cache(maxsize=4)
def _huge_html(title: str, size: int = 60 * MiB) -> Blob:
    head, tail = report_html(title, body_extra="\x00FILL\x00").encode().split(b"\x00FILL\x00")
    unit = "<p>附表：统计数据 0 0 0 0 0 0 0 0 0 0</p>\n".encode()
    return Blob.of(head, (unit, max(0, size - len(head) - len(tail)) // len(unit)), tail)


def _content_length_lie(ex: Exchange) -> None:
    body = _report_bytes(ex)
    ex.head(200, [("Content-Type", HTML), ("Content-Length", str(len(body) + 100_000)),
                  ("Connection", "close")])
    ex.send(body[: len(body) // 2])


def _chunked_cut(ex: Exchange) -> None:
    body = _report_bytes(ex)
    half = len(body) // 2
    ex.head(200, [("Content-Type", HTML), ("Transfer-Encoding", "chunked"),
                  ("Connection", "close")])
    ex.send(b"%x\r\n%s\r\n" % (half, body[:half]))
    ex.send(b"4000\r\n" + body[half:half + 100])  # promises 16 KiB, sends 100 bytes


def _no_length_close(ex: Exchange) -> None:
    ex.head(200, [("Content-Type", HTML), ("Connection", "close")])
    ex.send(_report_bytes(ex))


def _slow_drip(ex: Exchange) -> None:
    ex.head(200, [("Content-Type", HTML), ("Connection", "close")])
    deadline = time.monotonic() + ex.server.max_drip_seconds
    for byte in itertools.cycle(_report_bytes(ex)):
        if time.monotonic() > deadline:
            return
        ex.send(bytes((byte,)))
        ex.sleep(ex.server.drip_interval)


def _slow_header(ex: Exchange) -> None:
    ex.sleep(ex.server.slow_header_seconds)
    ex.html(report_html(ex.title))


def _slow_header_drip(ex: Exchange) -> None:
    deadline = time.monotonic() + ex.server.max_drip_seconds
    for byte in itertools.chain(b"HTTP/1.1 200 OK\r\nX-Slow: ", itertools.repeat(ord("a"))):
        if time.monotonic() > deadline:
            return
        ex.send(bytes((byte,)))
        ex.sleep(ex.server.drip_interval)


def _endless_headers(ex: Exchange) -> None:
    ex.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
    block = b"".join(b"X-Endless-%06d: %s\r\n" % (i, b"v" * 100) for i in range(512))
    sent = 0
    while sent < ex.server.endless_limit:
        ex.send(block)
        sent += len(block)


def _garbage_response(ex: Exchange) -> None:
    ex.send(b"\x00\x01\x02\x03 NOT HTTP AT ALL \xff\xfe\r\n\r\n" + _report_bytes(ex))


def _nul_html(ex: Exchange) -> bytes:
    page = report_html(ex.title)
    page = page.replace("</p>", "</p>\x00\x00").replace("政务公开", "政务\x00公开")
    return page.replace("</body>", "\x00" * 1000 + "</body>").encode()


def _encoded_page(codec: str, bom: bool) -> Callable[[Exchange], bytes]:
    def body(ex: Exchange) -> bytes:
        text = report_html(ex.title, meta_charset=None)
        return ("\ufeff" + text if bom else text).encode(codec)

    return body


def _xml_list(ex: Exchange) -> None:
    if ex.sub == "item.html":
        return ex.html(report_html(ex.title))
    if ex.sub:
        return ex.not_found()
    item = f"/case/{ex.case.name if ex.case else 'x'}/item.html"
    ex.respond(200, "application/xml; charset=utf-8", xml_list_billion_laughs(ex.title, item))


def _redirect(location: str, status: int = 302, *, extra: dict[str, str] | None = None
              ) -> Handler:
    """``location`` (a template) for the case path; ``extra`` maps sub paths to templates."""
    def handle(ex: Exchange) -> None:
        target = location if not ex.sub else (extra or {}).get(ex.sub)
        if target is None:
            return ex.not_found()
        loc = ex.fmt(target)
        ex.respond(status, HTML, f'<html><body><a href="{html.escape(loc)}">moved</a></body>'
                   "</html>".encode(), headers=[("Location", loc)])

    return handle


def _redirect_chain(hops: int) -> Handler:
    def handle(ex: Exchange) -> None:
        name = ex.case.name if ex.case else ""
        m = re.fullmatch(r"hop/(\d+)\.html", ex.sub)
        if ex.sub == "final.html":
            return ex.html(report_html(ex.title))
        k = 0 if not ex.sub else int(m.group(1)) if m else -1
        if k < 0 or k >= hops:
            return ex.not_found()
        nxt = f"/case/{name}/hop/{k + 1}.html" if k + 1 < hops else f"/case/{name}/final.html"
        ex.respond(302, HTML, b"", headers=[("Location", nxt)])

    return handle


def _no_location(ex: Exchange) -> None:
    ex.respond(302, HTML, b"<html><body>moved somewhere</body></html>")


def _meta_refresh(ex: Exchange) -> None:
    if ex.sub:
        return ex.not_found()
    url = ex.fmt("http://{alt_host}:{alt_host_port}/case/meta_refresh_offsite/target.html")
    ex.html(report_html(ex.title, head_extra=f'<meta http-equiv="refresh" content="0; url={url}" />'
                        "\n"))


def _cd(*values: str | bytes) -> Handler:
    return _static("application/pdf", lambda ex: report_pdf(ex.title),
                   headers=[("Content-Disposition", v) for v in values])


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _ctx_link(path: str) -> str:
    return "http://{alt_host}:{alt_host_port}" + path


# --------------------------------------------------------------------------- the cases


def _cn(n: int) -> str:
    d = "零一二三四五六七八九"
    if n < 10:
        return d[n]
    if n < 100:
        return (d[n // 10] if n >= 20 else "") + "十" + (d[n % 10] if n % 10 else "")
    return d[n // 100] + "百" + ("零" if 0 < n % 100 < 10 else "") + (_cn(n % 100) if n % 100
                                                                     else "")


def _build_cases() -> list[HostileCase]:
    cases: list[HostileCase] = []

    def add(name: str, kind: str, expect: str, note: str, handler: Handler | None = None, *,
            ext: str = ".html", href: str = "", requires: str = "",
            max_hits: int | None = None) -> None:
        path = f"/case/{name}{ext}" if handler else ""
        cases.append(HostileCase(name, kind, expect, note, path, href or path, "", handler,
                                 requires, max_hits))

    # -- compression bombs (every one is served whatever Accept-Encoding says)
    add("gzip_bomb", "compression", "kept+flag:bomb",
        "Content-Encoding: gzip; ~10 MiB on the wire (Content-Length set), 10 GiB of zeros "
        "inflated", _encoded("gzip", lambda: _bomb("gzip")))
    add("gzip_bomb_chunked", "compression", "kept+flag:bomb",
        "the gzip bomb with Transfer-Encoding: chunked (no length known up front)",
        _encoded("gzip", lambda: _bomb("gzip"), chunked=True))
    add("deflate_bomb", "compression", "kept+flag:bomb",
        "Content-Encoding: deflate (zlib wrapper); ~10 MiB -> 10 GiB",
        _encoded("deflate", lambda: _bomb("deflate")))
    add("deflate_raw_bomb", "compression", "kept+flag:bomb",
        "Content-Encoding: deflate but a raw (headerless) deflate stream, as some IIS send",
        _encoded("deflate", lambda: _bomb("deflate-raw")))
    add("brotli_bomb", "compression", "kept+flag:bomb",
        "Content-Encoding: br; ~2 MiB -> 10 GiB", _encoded("br", lambda: _bomb("br")),
        requires="brotli")
    add("zstd_bomb", "compression", "kept+flag:bomb",
        "Content-Encoding: zstd; one frame, ~330 KiB -> 10 GiB",
        _encoded("zstd", lambda: _bomb("zstd")), requires="zstd")
    add("gzip_gzip_bomb", "compression", "kept+flag:bomb",
        "Content-Encoding: gzip, gzip; ~12 KiB -> ~10 MiB -> 10 GiB",
        _encoded("gzip, gzip", _double_gzip_bomb))
    add("gzip_truncated", "compression", "kept+flag:truncated",
        "a real report's gzip stream cut in half (Content-Length matches what is sent)",
        _gzip_truncated)
    add("gzip_bad_crc", "compression", "kept+flag:corrupt",
        "a complete gzip report whose CRC32 trailer is wrong (text already inflated may be "
        "parsed)", _gzip_bad_crc)
    # -- size
    add("huge_html_60mb", "size", "kept+flag:oversize",
        "a 60 MiB text/html page (real report head, then filler), Content-Length set; memory "
        "must stay bounded whether it is cut at a size limit or parsed",
        _static(HTML, lambda ex: _huge_html(ex.title)))
    add("huge_html_60mb_chunked", "size", "kept+flag:oversize",
        "the 60 MiB page chunked: the size limit must trip mid-stream",
        _static(HTML, lambda ex: _huge_html(ex.title), chunked=True))
    # -- framing
    add("content_length_lie", "framing", "kept+flag:truncated",
        "Content-Length = body + 100000; half the report is sent, then the connection closes",
        _content_length_lie)
    add("chunked_cut", "framing", "kept+flag:truncated",
        "chunked: one good chunk, then a chunk promising 16 KiB cut after 100 bytes, then close",
        _chunked_cut)
    add("no_length_close", "framing", "parsed",
        "baseline: no Content-Length, body delimited by connection close (legal HTTP/1.1)",
        _no_length_close)
    add("empty_200", "framing", "kept+flag:empty", "200 with Content-Length: 0",
        _static(HTML, lambda ex: b""))
    # -- slow and malformed answers
    add("slow_drip_forever", "slow", "kept+flag:timeout",
        "headers at once, then the report one byte per second forever (until the server stops)",
        _slow_drip)
    add("slow_header_60s", "slow", "kept+flag:timeout",
        "nothing for 60 s (HostileServer.slow_header_seconds), then a normal report; the crawler "
        "must give up first and record the failure", _slow_header)
    add("slow_header_drip", "slow", "kept+flag:timeout",
        "the status line and an endless header value, one byte per second", _slow_header_drip)
    add("endless_headers", "malformed", "kept+flag:bad-response",
        "header lines at full speed, never ending (up to HostileServer.endless_limit = 1 GiB)",
        _endless_headers)
    add("huge_header", "malformed", "kept+flag:bad-response",
        "a single 1 MiB header line before a normal report (parsing it is also fine)",
        _static(HTML, _report_bytes, headers=[("X-Padding", "a" * MiB)]))
    add("garbage_response", "malformed", "kept+flag:bad-response",
        "bytes that are not HTTP at all (no status line), then close", _garbage_response)
    # -- content and encodings
    add("nul_bytes_html", "encoding", "parsed",
        "NUL bytes between elements, inside body text and a run of 1000 before </body>",
        _static(HTML, _nul_html))
    add("utf16le_bom", "encoding", "parsed", "UTF-16LE with BOM; Content-Type has no charset",
        _static("text/html", _encoded_page("utf-16-le", True)))
    add("utf16be_bom", "encoding", "parsed", "UTF-16BE with BOM; no charset",
        _static("text/html", _encoded_page("utf-16-be", True)))
    add("utf16le_header", "encoding", "parsed", "UTF-16LE without BOM; charset=UTF-16LE header",
        _static("text/html; charset=UTF-16LE", _encoded_page("utf-16-le", False)))
    add("utf16be_header", "encoding", "parsed", "UTF-16BE without BOM; charset=UTF-16BE header",
        _static("text/html; charset=UTF-16BE", _encoded_page("utf-16-be", False)))
    add("utf16le_bare", "encoding", "kept",
        "UTF-16LE without BOM and without any charset: parsed only if sniffed; never stored as "
        "mojibake under the title", _static("text/html", _encoded_page("utf-16-le", False)))
    add("utf32le_bom", "encoding", "parsed", "UTF-32LE with BOM; no charset",
        _static("text/html", _encoded_page("utf-32-le", True)))
    add("utf32be_header", "encoding", "parsed", "UTF-32BE without BOM; charset=UTF-32BE header",
        _static("text/html; charset=UTF-32BE", _encoded_page("utf-32-be", False)))
    # -- XML entities
    add("xhtml_billion_laughs", "entities", "parsed",
        "application/xhtml+xml page with a billion-laughs DOCTYPE (&lol9; = 3 GB if expanded); "
        "the report around it is real",
        _static("application/xhtml+xml; charset=utf-8", lambda ex: xhtml_billion_laughs(ex.title)))
    add("xhtml_xxe", "entities", "parsed+no-xxe",
        "external entities: file:///etc/passwd (must not appear in the archive) and two URLs on "
        "the alt_host trap (must not be requested)",
        _static("application/xhtml+xml; charset=utf-8",
                lambda ex: xhtml_xxe(ex.title, ex.fmt(_ctx_link("")))))
    add("xml_billion_laughs", "entities", "kept",
        ".xml list response (CMS dataproxy style) with an entity bomb; its one CDATA record links "
        "/case/xml_billion_laughs/item.html (a real report: following it is a bonus)",
        _xml_list, ext=".xml")
    add("xml_quadratic", "entities", "kept",
        ".xml with a 50 kB entity referenced 100,000 times (5 GB expanded)",
        _static("application/xml; charset=utf-8", lambda ex: xml_quadratic(ex.title)), ext=".xml")
    # -- MIME types that lie
    add("pdf_as_html", "mime", "kept+flag:mime-mismatch",
        "a real PDF report served as text/html from a .html URL; ideally parsed as PDF (magic "
        "%PDF-), never stored as decoded binary garbage",
        _static(HTML, lambda ex: report_pdf(ex.title)))
    add("html_as_pdf", "mime", "kept+flag:mime-mismatch",
        "a real HTML report served as application/pdf from a .pdf URL; ideally parsed as HTML",
        _static("application/pdf", _report_bytes), ext=".pdf")
    add("garbage_pdf", "mime", "kept+flag:corrupt", "256 KiB of random bytes as application/pdf",
        _static("application/pdf", lambda ex: random.Random(7).randbytes(256 * KiB)), ext=".pdf")
    # -- Content-Disposition
    add("cd_long_filename", "header", "kept+safe-name",
        "Content-Disposition filename of 10,000 characters",
        _cd('attachment; filename="' + "a" * 9996 + '.pdf"'), ext=".pdf")
    add("cd_traversal", "header", "kept+safe-name",
        "filename ../../etc/passwd (plain and RFC 5987)",
        _cd("attachment; filename=\"../../etc/passwd\"; "
            "filename*=UTF-8''..%2F..%2F..%2Fetc%2Fpasswd"), ext=".pdf")
    add("cd_absolute", "header", "kept+safe-name",
        "absolute POSIX and Windows names, and a device name",
        _cd('attachment; filename="/etc/passwd"',
            "attachment; filename*=UTF-8''C%3A%5CWindows%5Cwin.ini",
            'attachment; filename="CON.pdf"'), ext=".pdf")
    add("cd_nul", "header", "kept+safe-name",
        "raw NUL bytes in the header value (an HTTP library may reject the response: then a "
        "logged fetch error is acceptable)",
        _cd(b'attachment; filename="report\x00.pdf"; filename*=UTF-8\'\'evil%00.sh'), ext=".pdf")
    add("cd_crlf", "header", "kept+safe-name",
        "CRLF attempts: a raw CRLF that starts an injected Set-Cookie, an obs-fold continuation "
        "and %0D%0A in filename*",
        _cd(b'attachment; filename="a.pdf"\r\nSet-Cookie: injected=1',
            b'attachment; filename="b.pdf\r\n\t../../etc/passwd"',
            "attachment; filename*=UTF-8''x%0D%0AX-Injected%3A%201%0D%0A.pdf"), ext=".pdf")
    # -- redirects
    add("redirect_loop", "redirect", "kept+flag:redirect-loop",
        "A -> B -> A -> ...; at most 25 requests to /case/redirect_loop*",
        _redirect("/case/redirect_loop/b.html",
                  extra={"b.html": "/case/redirect_loop.html"}), max_hits=25)
    add("redirect_chain_50", "redirect", "kept+flag:redirect-limit",
        "50 redirects (hop/1..49, then final.html, a real report); a crawler whose redirect "
        "limit is >= 50 may parse it instead", _redirect_chain(50), max_hits=60)
    add("redirect_other_host", "redirect", "not-followed",
        "302 to http://{alt_host}:{alt_host_port}/ (another loopback host, a trap)",
        _redirect(_ctx_link("/case/redirect_other_host/target.html")))
    add("redirect_other_port", "redirect", "not-followed",
        "301 to the same IP on another port (a trap): scope is the origin",
        _redirect("http://{host}:{alt_port}/case/redirect_other_port/target.html", 301))
    add("redirect_ipv6", "redirect", "not-followed", "307 to http://[::1]:{v6_port}/ (a trap)",
        _redirect("http://[::1]:{v6_port}/case/redirect_ipv6/target.html", 307))
    add("redirect_localhost", "redirect", "not-followed",
        "302 to http://localhost:{lo_port}/ (127.0.0.1 is a trap)",
        _redirect("http://localhost:{lo_port}/case/redirect_localhost/target.html"),
        requires="not-localhost")
    add("redirect_ssh", "redirect", "not-followed", "302 to http://127.0.0.1:22/",
        _redirect("http://127.0.0.1:22/"))
    add("redirect_userinfo", "redirect", "not-followed",
        "302 to http://{host}:{port}@{alt_host}:{alt_host_port}/ (the real host is the trap)",
        _redirect("http://{host}:{port}@{alt_host}:{alt_host_port}/case/redirect_userinfo/t.html"))
    add("redirect_file", "redirect", "not-followed", "302 to file:///etc/passwd",
        _redirect("file:///etc/passwd"))
    add("redirect_ftp", "redirect", "not-followed", "308 to ftp://{host}/etc/passwd",
        _redirect("ftp://{host}/etc/passwd", 308))
    add("redirect_private", "redirect", "not-followed",
        "302 to http://10.0.0.1:{port}/ (only served when the kernel has no route to 10.0.0.1)",
        _redirect("http://" + PRIVATE_HOST + ":{port}/case/redirect_private/t.html"),
        requires="private")
    add("redirect_no_location", "redirect", "kept+flag:bad-redirect", "302 without Location",
        _no_location)
    add("meta_refresh_offsite", "redirect", "not-followed",
        "a real report page whose <meta http-equiv=refresh> points at the alt_host trap; the page "
        "itself may be parsed", _meta_refresh)
    # -- attachments
    add("docx_bomb_lie", "attachment", "kept+flag:bomb",
        "DOCX whose word/document.xml declares 2048 bytes but inflates to 1 GiB (~1 MB zipped)",
        _static(DOCX, lambda ex: docx_bomb("lie", ex.title)), ext=".docx")
    add("docx_bomb_huge", "attachment", "kept+flag:bomb",
        "DOCX whose word/document.xml honestly declares and inflates to 3.75 GiB (~3.7 MB)",
        _static(DOCX, lambda ex: docx_bomb("huge", ex.title)), ext=".docx")
    add("docx_entities", "attachment", "kept+flag:entities",
        "DOCX whose word/document.xml has a billion-laughs DOCTYPE (title paragraph is real)",
        _static(DOCX, lambda ex: docx_entities(ex.title)), ext=".docx")
    add("pdf_operator_storm", "attachment", "kept+flag:cpu",
        "one page, 67 kB content stream = 2.4 M x '0 0 m 1 1 l S' (34 MB) after inflate",
        _static("application/pdf", lambda ex: operator_storm_pdf(ex.title)), ext=".pdf")
    add("pdf_many_pages", "attachment", "kept+flag:pages",
        "200,000 honest empty pages (~16 MB)",
        _static("application/pdf", lambda ex: many_pages_pdf(ex.title)), ext=".pdf")
    add("pdf_page_dag", "attachment", "kept+flag:pages",
        "page tree whose nodes repeat one child 1000 times: 10^9 pages from ~20 kB",
        _static("application/pdf", lambda ex: page_dag_pdf(ex.title)), ext=".pdf")
    add("pdf_count_lie", "attachment", "kept+flag:pages",
        "one real page under /Count 2147483647 (parsing the real page is fine)",
        _static("application/pdf", lambda ex: count_lie_pdf(ex.title)), ext=".pdf")
    add("ofd_bomb", "attachment", "kept+flag:bomb",
        "OFD (zip) whose page Content.xml inflates to 2 GiB (~2 MB zipped)",
        _static("application/ofd", lambda ex: ofd_bomb(ex.title)), ext=".ofd")
    # -- links on the list page that must never be fetched
    link = "/case/{n}.html"
    for name, href, note, req in [
        ("link_other_host", "http://{alt_host}:{alt_host_port}" + link, "another loopback host",
         ""),
        ("link_other_port", "http://{host}:{alt_port}" + link, "same IP, another port", ""),
        ("link_ipv6", "http://[::1]:{v6_port}" + link, "IPv6 loopback", ""),
        ("link_localhost", "http://localhost:{lo_port}" + link, "localhost", "not-localhost"),
        ("link_userinfo", "http://{host}:{port}@{alt_host}:{alt_host_port}" + link,
         "userinfo that looks like the portal; the host is the trap", ""),
        ("link_decimal_ip", "http://{alt_host_int}:{alt_host_port}" + link,
         "the alt_host trap written as one decimal integer", ""),
        ("link_protocol_relative", "//{alt_host}:{alt_host_port}" + link,
         "scheme-relative link to the trap", ""),
        ("link_backslash", "/\\{alt_host}:{alt_host_port}" + link,
         "'/\\host' is scheme-relative for browsers (WHATWG); a plain urljoin keeps it on the "
         "portal (a 404 there is fine)", ""),
        ("link_private", "http://" + PRIVATE_HOST + ":{port}" + link,
         "a private address (only listed when the kernel has no route to it)", "private"),
        ("link_file", "file:///etc/passwd", "file: URL", ""),
        ("link_ftp", "ftp://{host}/pub/report.pdf", "ftp: URL", ""),
        ("link_javascript", "javascript:location.href='http://{alt_host}:{alt_host_port}"
         + link + "'", "javascript: URL", ""),
        ("link_data", "data:text/html;charset=utf-8,%3Ctitle%3E" + "data" + "%3C/title%3E",
         "data: URL", ""),
    ]:
        cases.append(HostileCase(name, "scope", "no-request", note,
                                 href=href.replace("{n}", name), requires=req))

    return [dataclasses.replace(c, title=f"测试{_cn(i)}县{YEAR_SUFFIX}")
            for i, c in enumerate(cases, 1)]


def _available(requires: str) -> bool:
    if requires == "brotli":
        return _BROTLI
    if requires == "zstd":
        return _zstd_module() is not None
    return True


#: Every case this Python can serve (brotli/zstd ones only with their module).  The server
#: further drops "private" cases unless safe and "not-localhost" ones when it binds 127.0.0.1.
HOSTILE_HTTP_CASES: list[HostileCase] = [c for c in _build_cases() if _available(c.requires)]


# --------------------------------------------------------------------------- the server


def _has_route(addr: str) -> bool:
    """Whether the kernel would route to ``addr`` (a UDP connect sends no packet)."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        try:
            s.connect((addr, 9))
        except OSError:
            return False
    return True


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((host, port))
        s.listen(128)
        s.setblocking(False)
    except OSError:
        s.close()
        raise
    return s


class LargeBodiesServer:
    """``hosts`` loopback portals on one port, each an index page linking one report PDF
    of ``size`` incompressible bytes, sent 1 MiB at a time ``pace`` seconds apart, so a
    crawler fetching them all at once holds every body in memory at the same time.

    >>> with LargeBodiesServer(hosts=2, size=2**20, pace=0) as server:
    ...     len(server.start_urls), server.start_urls[0].endswith("/index.html")
    (2, True)
    """

    def __init__(self, hosts: int = 8, size: int = 63 * 2**20, pace: float = 0.05,
                 first_host: int = 41) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        body = b"%PDF-1.4\n" + random.Random(size).randbytes(size - 9)
        index = (f'<html><head><meta charset="utf-8"><title>信息公开年报</title></head><body>'
                 f'<ul><li><a href="/report.pdf">{REPORT_TITLE}</a> 2024-01-15</li></ul>'
                 "</body></html>").encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path == "/robots.txt":
                    self.send_error(404)
                    return
                data, kind = (body, "application/pdf") if self.path == "/report.pdf" \
                    else (index, "text/html; charset=utf-8")
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for at in range(0, len(data), 2**20):
                    self.wfile.write(data[at:at + 2**20])
                    time.sleep(pace)

        self.servers = []
        port = 0
        for i in range(hosts):
            server = ThreadingHTTPServer((f"127.0.0.{first_host + i}", port), Handler)
            port = server.server_address[1]
            self.servers.append(server)
        self.start_urls = [f"http://{s.server_address[0]}:{port}/index.html"
                           for s in self.servers]
        self.size = size

    def __enter__(self) -> LargeBodiesServer:
        for server in self.servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


class HostileServer:
    """Serves :data:`HOSTILE_HTTP_CASES` on loopback and logs every connection.

    Listeners (label -> address, see :attr:`listeners`): ``primary`` (``host:port``, the
    portal), and traps that a correct crawler never contacts: ``alt_host`` (``alt_host``,
    same port when free), ``alt_port`` (``host``, another port), ``ipv6`` (``[::1]``, same
    port when free), ``localhost`` (``127.0.0.1``, unless that is ``host``) and ``ssh``
    (``127.0.0.1:22``, only when nothing listens there).  Traps answer everything with a
    report titled :data:`OFFSCOPE_TITLE`.

    ``private_links``: list the cases that point at 10.0.0.1.  ``None`` (default) enables them
    only when the kernel has no route to 10.0.0.1 (e.g. inside ``unshare -n``): a crawler bug
    must never put traffic to a private address on a real network.

    Stopping (``__exit__``/:meth:`stop`) ends every slow or endless answer within ~0.3 s.
    """

    def __init__(self, host: str = PRIMARY_HOST, port: int = 0, *, alt_host: str = ALT_HOST,
                 cases: Sequence[HostileCase] | None = None, ipv6: bool = True,
                 trap_localhost: bool = True, trap_ssh: bool = True,
                 private_links: bool | None = None, slow_header_seconds: float = 60.0,
                 drip_interval: float = 1.0, max_drip_seconds: float = 3600.0,
                 stall_timeout: float = 120.0, request_timeout: float = 30.0,
                 endless_limit: int = GiB) -> None:
        self.host, self._want_port, self.alt_host = host, port, alt_host
        self.slow_header_seconds = slow_header_seconds
        self.drip_interval = drip_interval
        self.max_drip_seconds = max_drip_seconds
        self.stall_timeout = stall_timeout
        self.request_timeout = request_timeout
        self.endless_limit = endless_limit
        self._opts = (ipv6, trap_localhost, trap_ssh)
        if private_links is None:
            private_links = not _has_route(PRIVATE_HOST)
        self.private_links = private_links
        skip = set() if private_links else {"private"}
        if host == "127.0.0.1" or host == "localhost":
            skip.add("not-localhost")
        self.cases: list[HostileCase] = [c for c in (HOSTILE_HTTP_CASES if cases is None
                                                       else cases)
                                         if c.requires not in skip and _available(c.requires)]
        self._by_name = {c.name: c for c in self.cases}
        self.listeners: dict[str, tuple[str, int]] = {}
        self._sockets: dict[str, socket.socket] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._active: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._acceptors: list[threading.Thread] = []

    # ---- lifecycle

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _bind(self, label: str, host: str, ports: Sequence[int]) -> None:
        for p in ports:
            try:
                s = _listen(host, p)
            except OSError:
                continue
            self._sockets[label] = s
            self.listeners[label] = (host, s.getsockname()[1])
            return

    def start(self) -> HostileServer:
        ipv6, trap_localhost, trap_ssh = self._opts
        self._bind("primary", self.host, [self._want_port])
        if "primary" not in self.listeners:
            raise OSError(errno.EADDRINUSE, f"cannot bind {self.host}:{self._want_port}")
        port = self.port
        self._bind("alt_host", self.alt_host, [port, 0])
        self._bind("alt_port", self.host, [0])
        if ipv6 and socket.has_ipv6:
            self._bind("ipv6", "::1", [port, 0])
        if trap_localhost and self.host != "127.0.0.1":
            self._bind("localhost", "127.0.0.1", [port, 0])
        if trap_ssh and self.host != "127.0.0.1":
            self._bind("ssh", "127.0.0.1", [22])
        for label, s in self._sockets.items():
            t = threading.Thread(target=self._accept_loop, args=(label, s), daemon=True,
                                 name=f"hostile-accept-{label}")
            t.start()
            self._acceptors.append(t)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for t in self._acceptors:
            t.join(timeout)
        for s in self._sockets.values():
            s.close()
        with self._lock:
            active = list(self._active)
        for s in active:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))

    # ---- addresses

    @property
    def port(self) -> int:
        return self.listeners["primary"][1]

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def index_url(self) -> str:
        return self.base + "/"

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def ctx(self) -> dict[str, str | int]:
        """Template values for hrefs and Locations."""
        port = self.port
        alt = self.listeners.get("alt_host", (self.alt_host, port))[1]
        return {
            "host": self.host, "port": port, "base": self.base,
            "alt_host": self.alt_host, "alt_host_port": alt,
            "alt_host_int": int(ipaddress.IPv4Address(self.alt_host)),
            "alt_port": self.listeners.get("alt_port", (self.host, port + 1))[1],
            "v6_port": self.listeners.get("ipv6", ("::1", port))[1],
            "lo_port": self.listeners.get("localhost", ("127.0.0.1", port))[1],
        }

    def case(self, name: str) -> HostileCase:
        return self._by_name[name]

    def href(self, case: HostileCase) -> str:
        return case.href.format(**self.ctx)

    def expectations(self) -> dict[str, str]:
        return {c.name: c.expect for c in self.cases}

    def index_html(self) -> str:
        items = []
        for c in self.cases:
            t = html.escape(c.title)
            items.append(f'<li><a href="{html.escape(self.href(c))}" title="{t}" '
                         f'target="_blank">{t}</a><span class="date">2024-01-15</span></li>')
            if c.attachment:
                items.append(f'<li><a href="/detail/{c.name}.html" title="{t}" '
                             f'target="_blank">{t}</a><span class="date">2024-01-15</span></li>')
        return ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8" />\n'
                "<title>政府信息公开年报_测试县人民政府</title>\n</head>\n<body>\n"
                '<div class="header">测试县人民政府 政府信息公开</div>\n'
                '<div class="position">当前位置：<a href="/">首页</a> &gt; 政府信息公开 &gt; '
                "政府信息公开年报</div>\n"
                '<div class="column"><div class="column-title">信息公开年报</div>\n'
                '<ul class="list">\n' + "\n".join(items) + "\n</ul>\n"
                f'<div class="page">共{len(items)}条 1/1页</div></div>\n</body>\n</html>\n')

    # ---- the log

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every connection so far (records of open ones have ``end=None``)."""
        with self._lock:
            return [dataclasses.replace(r) for r in self._log]

    def hits(self, prefix: str = "", listener: str | None = "primary") -> list[RequestRecord]:
        return [r for r in self.requests if r.path.startswith(prefix)
                and (listener is None or r.listener == listener)]

    def case_hits(self, name: str) -> list[RequestRecord]:
        p = f"/case/{name}"
        return [r for r in self.hits(p) if r.path[len(p):len(p) + 1] in ("", ".", "/")]

    def offscope_hits(self) -> list[RequestRecord]:
        return [r for r in self.requests if r.offscope]

    def violations(self) -> list[str]:
        """Every trap connection and every request budget exceeded (empty when correct)."""
        out = [f"trap {r.listener} {r.local_host}:{r.local_port} got {r.method or '(nothing)'} "
               f"{r.target}" for r in self.offscope_hits()]
        for c in self.cases:
            if c.max_hits is not None and len(self.case_hits(c.name)) > c.max_hits:
                out.append(f"{c.name}: {len(self.case_hits(c.name))} requests > {c.max_hits}")
        return out

    def active(self) -> int:
        with self._lock:
            return len(self._active)

    # ---- serving

    def _accept_loop(self, label: str, ls: socket.socket) -> None:
        poller = select.poll()
        poller.register(ls, select.POLLIN)
        while not self._stop.is_set():
            if not poller.poll(200):
                continue
            try:
                conn, peer = ls.accept()
            except OSError:
                continue
            t = threading.Thread(target=self._serve, args=(label, conn, peer), daemon=True,
                                 name=f"hostile-{label}")
            with self._lock:
                self._active.add(conn)
                self._threads = [x for x in self._threads if x.is_alive()]
                self._threads.append(t)
            t.start()

    def _read_request(self, sock: socket.socket) -> bytes | None:
        buf = bytearray()
        deadline = time.monotonic() + self.request_timeout
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        while b"\r\n\r\n" not in buf and len(buf) < 64 * KiB:
            if self._stop.is_set():
                raise _Stopped("server stopping")
            if time.monotonic() > deadline:
                return None
            if not poller.poll(250):
                continue
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                continue
            if not data:
                return None
            buf += data
        return bytes(buf)

    def _serve(self, label: str, sock: socket.socket, peer: Any) -> None:
        local = sock.getsockname()
        rec = RequestRecord(label, local[0], local[1], f"{peer[0]}:{peer[1]}", time.time())
        with self._lock:
            self._log.append(rec)
        try:
            sock.setblocking(False)
            raw = self._read_request(sock)
            if raw is None:
                rec.error = "no request"
                return
            lines = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            headers: dict[str, str] = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            rec.host_header = headers.get("host", "")
            rec.user_agent = headers.get("user-agent", "")
            ex = Exchange(self, sock, rec, headers)
            if len(parts) < 2:
                rec.error = "bad request line"
                ex.html("<h1>400</h1>", 400)
                return
            rec.method, rec.target = parts[0], parts[1]
            target = rec.target
            if "://" in target:  # absolute-form
                target = urlsplit(target).path or "/"
            rec.path = target.split("?", 1)[0].split("#", 1)[0]
            ex.method, ex.path = rec.method, rec.path
            self._dispatch(label, ex)
        except _Stopped as e:
            rec.error = str(e)
        except OSError as e:
            rec.error = f"{type(e).__name__}: {e}"
        except Exception as e:  # a bug in a handler: record it, keep serving the others
            rec.error = f"handler error {type(e).__name__}: {e}"
        finally:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
            sock.close()
            rec.end = time.time()
            with self._lock:
                self._active.discard(sock)

    def _dispatch(self, label: str, ex: Exchange) -> None:
        path = ex.path
        if label != "primary":
            return ex.html(report_html(OFFSCOPE_TITLE))
        if path in ("/", "/index.html", "/index.htm"):
            return ex.html(self.index_html())
        if path == "/robots.txt":
            return ex.respond(200, "text/plain", b"User-agent: *\nAllow: /\n")
        m = re.match(r"/(case|detail)/([A-Za-z0-9_]+)(.*)", path)
        case = self._by_name.get(m.group(2)) if m else None
        if m is None or case is None:
            return ex.not_found()
        rest = m.group(3)
        if m.group(1) == "detail":
            if rest != ".html" or not case.attachment:
                return ex.not_found()
            name = case.path.rsplit("/", 1)[-1]
            link = f'<p>附件：<a href="{case.path}">{html.escape(case.title)}（{name}）</a></p>'
            return ex.html(report_html(case.title, body_extra=link))
        if case.handler is None or not (rest.startswith("/") or case.path.endswith(rest)):
            return ex.not_found()
        ex.case, ex.sub = case, rest[1:] if rest.startswith("/") else ""
        case.handler(ex)


# --------------------------------------------------------------------------- a raw client


@dataclass
class RawResponse:
    status: int | None
    head: bytes  # status line and headers (b"" if no blank line arrived)
    body: bytes  # raw: neither de-chunked nor decoded; at most max_bytes
    complete: bool  # the server closed the connection before max_bytes/timeout
    error: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        out = {}
        for line in self.head.decode("latin-1").split("\r\n")[1:]:
            k, _, v = line.partition(":")
            if k:
                out[k.strip().lower()] = v.strip()
        return out


def raw_get(url: str, *, timeout: float = 5.0, max_bytes: int = MiB,
            headers: Mapping[str, str] | None = None) -> RawResponse:
    """GET ``url`` over a plain socket, reading at most ``max_bytes`` for at most ``timeout``
    seconds -- safe against every case here (no decoding, no redirects)."""
    u = urlsplit(url)
    host, port = u.hostname or "", u.port or 80
    target = (u.path or "/") + (f"?{u.query}" if u.query else "")
    hdrs = {"Host": u.netloc, "User-Agent": "hostile-raw-get", "Accept-Encoding": "gzip, deflate",
            "Connection": "close", **(headers or {})}
    req = f"GET {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
    data = bytearray()
    complete, error = False, None
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall((req + "\r\n").encode())
            while len(data) < max_bytes:
                left = deadline - time.monotonic()
                if left <= 0:
                    error = "timeout"
                    break
                s.settimeout(left)
                chunk = s.recv(min(65536, max_bytes - len(data)))
                if not chunk:
                    complete = True
                    break
                data += chunk
    except TimeoutError:
        error = "timeout"
    except OSError as e:
        error = f"{type(e).__name__}: {e}"
    head, sep, body = bytes(data).partition(b"\r\n\r\n")
    if not sep:
        head, body = b"", bytes(data)
    m = re.match(rb"HTTP/\d\.\d (\d{3})", bytes(data))
    return RawResponse(int(m.group(1)) if m else None, head, body, complete, error)


# --------------------------------------------------------------------------- the folder


def hostile_folder(path: Path) -> dict[str, str]:
    """Write a hostile folder for ``rebuild --from-dir`` at ``path``; return name -> expect.

    Also creates ``<path>.outside/`` next to it, holding a report titled
    :data:`OUTSIDE_TITLE` that two symlinks in the folder point at: that title must never
    reach the archive.  Names are ``os.fsdecode`` strings (the non-UTF-8 name is a surrogate
    escape).  Nothing here is big on disk: the 6 GiB PDF is sparse.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    outside = path.parent / f"{path.name}.outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.html").write_text(report_html(OUTSIDE_TITLE), encoding="utf-8")
    out: dict[str, str] = {}

    def put(name: str, data: bytes | Blob, expect: str) -> None:
        target = path / name
        if isinstance(data, Blob):
            data.write_to(target)
        else:
            target.write_bytes(data)
        out[name] = expect

    put("good_report.html", report_html(REPORT_TITLE).encode(), "parsed")
    with open(path / "sparse_6gb.pdf", "wb") as f:
        f.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        f.truncate(6 * GiB)
    out["sparse_6gb.pdf"] = "skipped:oversize"
    for name, target in (("outside_link.html", outside / "secret.html"),
                         ("outside_dir", outside)):
        link = path / name
        if not link.is_symlink():
            link.symlink_to(target)
        out[name] = "skipped:symlink"
    if hasattr(os, "mkfifo"):
        fifo = path / "fifo.html"
        if not fifo.exists():
            os.mkfifo(fifo)
        out["fifo.html"] = "skipped:not-regular"
    put("docx_bomb_lie.docx", docx_bomb("lie"), "kept+flag:bomb")
    put("docx_bomb_huge.docx", docx_bomb("huge"), "kept+flag:bomb")
    put("docx_entities.docx", docx_entities(), "kept+flag:entities")
    put("ofd_bomb.ofd", ofd_bomb(), "kept+flag:bomb")
    put("operator_storm.pdf", operator_storm_pdf(), "kept+flag:cpu")
    put("page_dag.pdf", page_dag_pdf(), "kept+flag:pages")
    t16 = "十六位县" + YEAR_SUFFIX
    put("utf16le_bom.html", ("\ufeff" + report_html(t16, meta_charset=None)).encode("utf-16-le"),
        "parsed")
    put("empty.html", b"", "kept+flag:empty")
    tnul = "空字符县" + YEAR_SUFFIX
    put("nul_bytes.html", report_html(tnul).replace("</p>", "</p>\x00").encode()
        + b"\x00" * 4096, "parsed")
    put("billion_laughs.html", xhtml_billion_laughs("实体县" + YEAR_SUFFIX), "parsed")
    put("gzip_bomb.txt", _bomb("gzip", GiB).to_bytes(), "kept")  # gzip bytes named .txt
    # a GBK-encoded name ("年报.html"): not valid UTF-8
    raw_name = "年报".encode("gbk") + b"_gbk.html"
    try:
        fd = os.open(os.fsencode(path) + b"/" + raw_name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    except OSError:  # a filesystem that insists on UTF-8 names
        pass
    else:
        with os.fdopen(fd, "wb") as f:
            f.write(report_html("非UTF8名县" + YEAR_SUFFIX).encode())
        out[os.fsdecode(raw_name)] = "parsed"
    return out


#: Titles hostile_folder uses, by file name (for tests that look them up in the archive).
FOLDER_TITLES = {
    "good_report.html": REPORT_TITLE,
    "utf16le_bom.html": "十六位县" + YEAR_SUFFIX,
    "nul_bytes.html": "空字符县" + YEAR_SUFFIX,
    "billion_laughs.html": "实体县" + YEAR_SUFFIX,
    os.fsdecode("年报".encode("gbk") + b"_gbk.html"): "非UTF8名县" + YEAR_SUFFIX,
}


# --------------------------------------------------------------------------- peak RSS


def _proc_table() -> dict[int, tuple[int, int, int]]:
    """pid -> (ppid, session id, rss pages) for every process visible in /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat_line = f.read()
        except OSError:
            continue
        fields = stat_line[stat_line.rindex(b")") + 2:].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[3]), int(fields[21]))
    return table


def _vm_hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_of(cmd: Sequence[str] | str, *, timeout: float | None = None,
           cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
           interval: float = 0.05, stdout: int | IO[Any] | None = subprocess.DEVNULL,
           stderr: int | IO[Any] | None = subprocess.DEVNULL) -> tuple[int, float, float]:
    """Run ``cmd``; return ``(returncode, peak RSS in MiB of its process tree, seconds)``.

    How the peak is measured (the largest of three, all Linux):

    * ``/proc`` polling every ``interval`` s: the sum of RSS over the child and every
      descendant (by parent links, and by session: the child starts a new session, so
      daemonised grandchildren still count).  Shared pages count once per process, so this
      errs high; a spike shorter than ``interval`` can be missed;
    * each polled process's ``VmHWM`` (its own lifetime peak: catches short spikes);
    * not ``os.wait4``'s ``ru_maxrss``: it counts the pages a child shares with its parent
      between fork and exec (a child of a large test process would seem as large), and
      ``getrusage(RUSAGE_CHILDREN)`` is cumulative over every child this process ever had.

    On ``timeout`` the child's process group gets SIGKILL and returncode is ``-9``; any
    process left in that session after the child exits is killed too.
    """
    page = os.sysconf("SC_PAGE_SIZE")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, shell=isinstance(cmd, str), cwd=cwd,
                            env=dict(env) if env is not None else None,
                            stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                            start_new_session=True)
    root = proc.pid
    peak_sum = 0
    hwm: dict[int, int] = {}
    status, usage = 0, None
    killed = False

    def tree() -> dict[int, tuple[int, int, int]]:
        table = _proc_table()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        todo = [root, *(pid for pid, (_, sid, _) in table.items() if sid == root)]
        seen: set[int] = set()
        while todo:
            pid = todo.pop()
            if pid not in seen:
                seen.add(pid)
                todo.extend(children.get(pid, ()))
        return {pid: table[pid] for pid in seen if pid in table}

    while True:
        pid, status, usage = os.wait4(root, os.WNOHANG)
        if pid == root:
            break
        procs = tree()
        peak_sum = max(peak_sum, sum(rss for _, _, rss in procs.values()) * page)
        for p in procs:
            hwm[p] = max(hwm.get(p, 0), _vm_hwm_kib(p) * 1024)
        if timeout is not None and time.monotonic() - t0 > timeout and not killed:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(root, 9)
            killed = True
        time.sleep(interval)
    seconds = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    leftovers = [p for p, (_, sid, _) in _proc_table().items() if sid == root]
    if leftovers:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(root, 9)
    peak = max([peak_sum, *hwm.values()])
    return proc.returncode, peak / MiB, seconds

