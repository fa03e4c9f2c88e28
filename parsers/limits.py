"""Every resource limit of parsing, named once. A capture over a limit is kept and flagged
(``too_large``, ``bomb``, ``timeout``, ``memory``), never parsed without bounds and never
dropped.

Bytes are inflated here, and only here, in a bounded streaming way:

>>> import gzip
>>> inflate(gzip.compress(b"x" * 1000), "gzip").data == b"x" * 1000
True
>>> bomb = inflate(gzip.compress(bytes(50 * MiB)), "gzip")
>>> bomb.problem.split(":")[0], len(bomb.data) <= MAX_PARSE_BYTES
('bomb', True)
>>> inflate(gzip.compress(b"x" * 1000)[:-20], "gzip").problem
'truncated:gzip'
>>> inflate(zstd_compress(bytes(50 * MiB)), "zstd").outcome
'bomb'
"""

from __future__ import annotations

import importlib
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

KiB, MiB = 1024, 1024 * 1024

# -- sizes -------------------------------------------------------------------------------
MAX_PARSE_BYTES = 30 * MiB  # a body (as stored, and once inflated) larger than this is kept, flagged, not parsed
MAX_INFLATE_RATIO = 200  # inflated ÷ compressed above this is a bomb (deflate tops out near 1000)
INFLATE_RATIO_FLOOR = 1 * MiB  # below this much output no ratio makes a bomb
BLOCK_SNIFF_BYTES = 64 * KiB  # how much of a body anti-bot detection inflates and reads
# zstd frames may ask for a window of up to 2 GiB, held while inflating; HTTP's zstd
# coding promises at most 8 MiB (RFC 9659), so a larger one is refused as corrupt.
ZSTD_WINDOW_LOG_MAX = 23
# The crawl reads links from a body this large at most (the first this many bytes of a
# larger one): a page's links are near its start, and a 60 MiB page's tree costs ~1 GB.
MAX_LINK_BYTES = 4 * MiB
# A PDF with more pages than this (by its page tree, read before any page) is kept and
# flagged too_large, not parsed: a report has tens of pages, and each page costs time.
MAX_PDF_PAGES = 2000
# A PDF page whose drawing operators (content streams and the forms they draw) inflate
# past this is skipped and flagged too_large: pdfplumber holds ~5 kB per drawn object, so
# 1 MiB of "0 0 m 1 1 l S" (75,000 paths) costs ~400 MB and ~5 s; a dense text or table
# page is tens of kB, text drawn as outlines a few hundred. Counted, so a storm page has
# the same outcome on every machine, not a timeout here and a memory error there.
MAX_PAGE_CONTENT_BYTES = 1 * MiB
STREAM_HTML_BYTES = 2 * MiB  # HTML above this is read by a streaming parser (no tree, no trafilatura)
MAX_STREAMED_CELLS = 200_000  # table cells kept from one streamed page (a report has < 1000)
MAX_STREAMED_CHARS = 2_000_000  # text kept from one streamed page (a report has < 100,000)
MAX_ZIP_MEMBERS = 5000  # members of one DOCX/OFD container
MAX_ZIP_MEMBER_BYTES = 64 * MiB  # one member, by its declared and by its actual size
MAX_ZIP_TOTAL_BYTES = 128 * MiB  # all members read from one container

# -- per capture, in a parsing worker ------------------------------------------------------
# Address space (RLIMIT_AS) one capture's parse may add to its worker's idle size. A
# worker whose idle size has grown by WORKER_RECYCLE_BYTES is replaced, so every capture
# gets the same room whatever ran before it and whatever --jobs: outcomes do not depend
# on scheduling. A worker peaks near 100 MiB + these two; a rebuild at the writer's
# ~200 MiB plus N workers: under 1 GB for N ≤ 2.
CAPTURE_MEMORY_BYTES = 256 * MiB
WORKER_RECYCLE_BYTES = 48 * MiB
PARSE_TIMEOUT_SECONDS = 60.0  # wall time for one capture, plus …
PARSE_TIMEOUT_PER_MIB = 10.0  # … this much per MiB of body, up to …
PARSE_TIMEOUT_MAX_SECONDS = 300.0  # … this
MAX_INFLIGHT_BYTES = 96 * MiB  # bodies handed to workers and not yet stored (the writer's memory)

_CHUNK = 64 * KiB
GZIP_MAGIC = b"\x1f\x8b"


def parse_timeout(size: int, base: float = PARSE_TIMEOUT_SECONDS) -> float:
    """Wall seconds one capture of ``size`` bytes may take to parse.

    >>> parse_timeout(0), parse_timeout(3 * MiB), parse_timeout(10**9)
    (60.0, 90.0, 300.0)
    """
    return min(PARSE_TIMEOUT_MAX_SECONDS, base + PARSE_TIMEOUT_PER_MIB * size / MiB)


@dataclass(frozen=True)
class Inflated:
    """A body with its Content-Encoding undone, as far as the limits allow.

    ``problem`` is None when all of it was inflated, else what stopped it:
    ``bomb:…``, ``too_large:…``, ``truncated:<coding>``, ``corrupt:<coding>``,
    ``unsupported:<coding>`` (then ``data`` is the body as it came).
    ``cut`` when only the first ``keep`` bytes of the output were kept."""

    data: bytes
    problem: str | None = None
    cut: bool = False  # more came out than ``inflate(keep=…)`` returned

    @property
    def outcome(self) -> str | None:
        """``bomb`` or ``too_large`` when a limit stopped the inflation."""
        kind = (self.problem or "").split(":")[0]
        return kind if kind in ("bomb", "too_large") else None


LIMIT_OUTCOMES = ("too_large", "bomb", "timeout", "memory")


class LimitExceeded(Exception):
    """Raised by an extractor that will not go on: ``problem`` starts with one of
    ``LIMIT_OUTCOMES`` (``bomb:…``, ``too_large:…``)."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


_Limit = LimitExceeded


def limit_outcome(flags: list[str]) -> str | None:
    """The limit a capture ran into, from its flags.

    >>> limit_outcome(["undecodable_bytes:3", "bomb:zip member x"])
    'bomb'
    """
    return next((f.split(":")[0] for f in flags if f.split(":")[0] in LIMIT_OUTCOMES), None)


@dataclass
class _Budget:
    max_bytes: int
    max_ratio: float
    produced: int = 0

    def check(self, produced: int, consumed: int, coding: str) -> None:
        ratio_bomb = produced > self.max_ratio * max(consumed, 1)
        if produced > self.max_bytes:
            kind = "bomb" if ratio_bomb else "too_large"
            raise _Limit(f"{kind}:{coding} inflates past {self.max_bytes} bytes "
                         f"from {consumed} bytes")
        if ratio_bomb and produced > INFLATE_RATIO_FLOOR:
            raise _Limit(f"bomb:{coding} inflates {consumed} bytes to over {produced} "
                         f"(ratio over {self.max_ratio:g})")


def codings(content_encoding: str | None) -> list[str]:
    """The codings applied to a body, first applied first; identity dropped.

    >>> codings("gzip, br"), codings("identity"), codings(None)
    (['gzip', 'br'], [], [])
    """
    names = [c.strip().lower() for c in (content_encoding or "").split(",")]
    return [{"x-gzip": "gzip"}.get(c, c) for c in names if c and c != "identity"]


def inflate(body: bytes, content_encoding: str | None, max_bytes: int = MAX_PARSE_BYTES,
            max_ratio: float = MAX_INFLATE_RATIO, keep: int | None = None) -> Inflated:
    """Undo ``content_encoding`` (gzip, deflate, br, zstd, several in a row), streaming:
    never more than ``max_bytes`` (+ one chunk) of output is held, and an output growing
    past ``max_ratio`` × the input consumed so far stops as a bomb. With ``keep``, the
    whole body is inflated within the same limits (the same verdict) but only its first
    ``keep`` bytes are held and returned.

    >>> import zlib
    >>> cut = inflate(zlib.compress(b"x" * 1000), "deflate", keep=10)
    >>> cut.data, cut.problem, cut.cut
    (b'xxxxxxxxxx', None, True)
    """
    data = body
    layers = list(reversed(codings(content_encoding) if body else []))
    for n, coding in enumerate(layers, 1):
        layer = _DECODERS.get(coding)
        if layer is None:
            return Inflated(body, f"unsupported:{coding}")
        if coding == "gzip" and not data.startswith(GZIP_MAGIC):
            return Inflated(data, None if data is body else f"corrupt:{coding}")
        out, budget = bytearray(), _Budget(max_bytes, max_ratio)
        last_keep = keep if n == len(layers) else None  # inner layers need all of it
        try:
            complete = _pump(layer(data), out, budget, coding, last_keep)
        except _Limit as stop:
            del out[max_bytes:]
            return Inflated(bytes(out), stop.problem, budget.produced > len(out))
        except Exception as exc:  # zlib.error, brotli.error, a bad trailer: keep what came out
            return Inflated(bytes(out), f"corrupt:{coding}:{str(exc)[:80]}",
                            budget.produced > len(out))
        if not complete:
            return Inflated(bytes(out), f"truncated:{coding}", budget.produced > len(out))
        del data  # an inner layer's output is not held twice
        data = bytes(out)
        del out
        if n == len(layers):
            return Inflated(data, None, budget.produced > len(data))
    if keep is not None and len(data) > keep:
        return Inflated(data[:keep], None, True)
    return Inflated(data)


# A decoder yields (output piece, input bytes consumed so far) and returns True when the
# stream ended properly. It asks for at most ``room`` bytes of output per piece.
Decoder = Callable[[bytes], Iterator[tuple[bytes, int]]]


def _pump(pieces: Iterator[tuple[bytes, int]], out: bytearray | None, budget: _Budget,
          coding: str, keep: int | None = None) -> bool:
    """Drain a decoder into ``out`` (its first ``keep`` bytes; or only count, when None)
    within ``budget`` (``budget.produced`` counts what came out): whether the stream
    ended properly."""
    room = -1 if out is None else (keep if keep is not None else 1 << 62)
    try:
        while True:
            piece, consumed = next(pieces)
            if room > 0:
                out += piece if len(piece) <= room else piece[:room]
                room -= len(piece)
            budget.produced += len(piece)
            budget.check(budget.produced, consumed, coding)
    except StopIteration as end:
        return bool(end.value)


def _zlib_pieces(body: bytes | memoryview, wbits: int, start: int = 0):
    """Inflate one zlib/deflate stream from ``start``; returns (ended properly, where the
    stream's compressed bytes end)."""
    view, pos = memoryview(body), start
    d = zlib.decompressobj(wbits)
    while not d.eof:
        if d.unconsumed_tail:
            chunk = d.unconsumed_tail
        elif pos < len(view):
            chunk, pos = view[pos:pos + _CHUNK], min(pos + _CHUNK, len(view))
        else:
            return False, pos  # input ended inside the stream
        piece = d.decompress(chunk, _CHUNK)
        yield piece, pos - len(d.unconsumed_tail)
    return True, pos - len(d.unused_data)


def _gzip_header_end(body: bytes, pos: int) -> int | None:
    """Where the compressed data of the gzip member at ``pos`` starts (RFC 1952), or None
    when the body ends inside the header."""
    head = body[pos:pos + 10]
    if len(head) < 10:
        return None
    if head[:2] != GZIP_MAGIC or head[2] != 8:
        raise ValueError("bad gzip header")
    flags, at = head[3], pos + 10
    if flags & 4:  # FEXTRA
        at += 2 + int.from_bytes(body[at:at + 2], "little")
    for bit in (8, 16):  # FNAME, FCOMMENT: zero-terminated
        if flags & bit:
            at = body.find(b"\0", at) + 1
            if at == 0:
                return None
    at += 2 if flags & 2 else 0  # FHCRC
    return at if at <= len(body) else None


def _gzip(body: bytes):
    """gzip members one after another, inflated raw so that a member whose CRC or length
    trailer is wrong still gives its data (then flagged ``corrupt``)."""
    pos = 0
    while True:
        begin = _gzip_header_end(body, pos)
        if begin is None:
            return False
        crc = size = 0
        pieces = _zlib_pieces(body, -zlib.MAX_WBITS, begin)
        try:
            while True:
                piece, consumed = next(pieces)
                crc, size = zlib.crc32(piece, crc), size + len(piece)
                yield piece, consumed
        except StopIteration as stop:
            ended, pos = stop.value
        trailer = body[pos:pos + 8]
        if not ended or len(trailer) < 8:
            return False
        if trailer != (crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")):
            raise ValueError("gzip trailer: CRC or length mismatch")
        pos += 8
        if body[pos:pos + 2] != GZIP_MAGIC:
            return True  # trailing bytes that are no gzip member are ignored


def _deflate(body: bytes):
    """``deflate`` is meant to be zlib-wrapped; many servers send it raw."""
    wrapped = len(body) >= 2 and (body[0] & 0x0F) == 8 and (body[0] << 8 | body[1]) % 31 == 0
    ended, _ = yield from _zlib_pieces(body, zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
    return ended


def _brotli(body: bytes):
    import brotli

    d, view, pos = brotli.Decompressor(), memoryview(body), 0
    while not d.is_finished():
        chunk = b""
        if d.can_accept_more_data() and pos < len(view):
            chunk, pos = bytes(view[pos:pos + _CHUNK]), min(pos + _CHUNK, len(view))
        piece = d.process(chunk, output_buffer_limit=_CHUNK)
        if not piece and not chunk and not d.is_finished():
            return False  # input ended inside the stream
        yield piece, pos
    return True


def _zstd_module():
    """The standard library's zstd (3.14), else its backport (which Scrapy requires)."""
    for name in ("compression.zstd", "backports.zstd"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def _zstd(body: bytes):
    """zstd frames one after another (skippable frames are passed over by the decoder),
    each within ``ZSTD_WINDOW_LOG_MAX``."""
    zstd = _zstd_module()
    options = {zstd.DecompressionParameter.window_log_max: ZSTD_WINDOW_LOG_MAX}
    view, pos = memoryview(body), 0
    d, pending = zstd.ZstdDecompressor(options=options), b""
    while True:
        if d.eof:
            rest = d.unused_data + bytes(view[pos:pos + _CHUNK])
            pos = min(pos + _CHUNK, len(view))
            if not rest.startswith(_ZSTD_MAGIC) and not _skippable(rest):
                return True  # trailing bytes that are no frame are ignored
            d, pending = zstd.ZstdDecompressor(options=options), rest
        if pending:
            chunk, pending = pending, b""
        elif not d.needs_input:
            chunk = b""
        elif pos < len(view):
            chunk, pos = view[pos:pos + _CHUNK], min(pos + _CHUNK, len(view))
        else:
            return False  # input ended inside a frame
        yield d.decompress(chunk, _CHUNK), pos


def _skippable(data: bytes) -> bool:
    return len(data) >= 4 and data[1:4] == b"\x2a\x4d\x18" and data[0] & 0xF0 == 0x50


def zstd_compress(data: bytes) -> bytes:
    """``data`` as one zstd frame (tests and doctests)."""
    return _zstd_module().compress(data)


_DECODERS: dict[str, Decoder] = {"gzip": _gzip, "deflate": _deflate}
try:  # brotli is optional: without it a br body is kept and flagged unsupported
    import brotli as _brotli_module  # noqa: F401

    _DECODERS["br"] = _brotli
except ImportError:  # pragma: no cover
    pass
if _zstd_module() is not None:
    _DECODERS["zstd"] = _zstd


def supported_codings() -> list[str]:
    """The Content-Encodings ``inflate`` undoes, for Accept-Encoding."""
    return list(_DECODERS)


# -- zip containers (DOCX, OFD): members read by declared and by actual size -------------


class ZipLimitError(LimitExceeded):
    """A container over a limit: ``problem`` is ``bomb:…`` or ``too_large:…``."""


class SafeZip:
    """A zip container whose members are read within ``MAX_ZIP_*``: a member declaring
    more than the limit is refused before any inflation, and one inflating past its limit
    (whatever it declared) is stopped at the limit.

    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("a.xml", "<a/>"); z.writestr("big", bytes(3 * MiB))
    >>> box = SafeZip(buf.getvalue())
    >>> box.read("a.xml"), box.find("A.XML")
    (b'<a/>', 'a.xml')
    >>> try:
    ...     SafeZip(buf.getvalue(), member_bytes=MiB).read("big")
    ... except ZipLimitError as stop:
    ...     print(stop.problem)
    too_large:big declares 3145728 bytes (limit 1048576)
    """

    def __init__(self, data: bytes, member_bytes: int | None = None,
                 total_bytes: int | None = None, max_members: int | None = None):
        import io
        import zipfile

        self._zip = zipfile.ZipFile(io.BytesIO(data))  # BadZipFile for what is no zip
        self.member_bytes = member_bytes or MAX_ZIP_MEMBER_BYTES
        self.total_bytes = total_bytes or MAX_ZIP_TOTAL_BYTES
        self.read_bytes = 0
        infos = self._zip.infolist()
        if len(infos) > (max_members or MAX_ZIP_MEMBERS):
            raise ZipLimitError(f"too_large:{len(infos)} members")
        self._names = {i.filename: i for i in infos if not i.is_dir()}
        self._folded = {n.lower().lstrip("/"): n for n in self._names}

    def names(self) -> list[str]:
        return list(self._names)

    def find(self, name: str) -> str | None:
        """A member's stored name, matched without case or a leading slash."""
        name = name.replace("\\", "/")
        return name if name in self._names else self._folded.get(name.lower().lstrip("/"))

    def read(self, name: str) -> bytes:
        """A member's bytes; ``KeyError`` when absent, ``ZipLimitError`` over a limit."""
        stored = self.find(name)
        if stored is None:
            raise KeyError(name)
        info = self._names[stored]
        limit = min(self.member_bytes, self.total_bytes - self.read_bytes)
        if info.file_size > limit:
            raise ZipLimitError(f"too_large:{stored} declares {info.file_size} bytes "
                                f"(limit {limit})")
        if (info.file_size > INFLATE_RATIO_FLOOR
                and info.file_size > MAX_INFLATE_RATIO * max(info.compress_size, 1)):
            raise ZipLimitError(f"bomb:{stored} declares {info.file_size} bytes "
                                f"from {info.compress_size}")
        out = bytearray()
        with self._zip.open(info) as member:
            while piece := member.read(_CHUNK):
                out += piece
                if len(out) > limit:
                    raise ZipLimitError(f"bomb:{stored} inflates past {limit} bytes")
        self.read_bytes += len(out)
        return bytes(out)


# -- converters, OCR, OFD ----------------------------------------------------------------
CONVERT_TIMEOUT_SECONDS = 60.0  # one DOC/WPS → DOCX conversion; the converter is killed after
MAX_OCR_PAGES = 40  # pages of one scanned document read by OCR; the rest flagged
OCR_DPI = 170  # scanned PDF pages are rasterised at this resolution
MAX_OCR_PIXELS = 40_000_000  # a page or image larger than this is scaled down before OCR
MAX_OFD_PAGES = 500  # pages of one OFD document
MAX_OFD_TEXT_OBJECTS = 200_000  # text objects of one OFD document


def check_zip(data: bytes) -> str | None:
    """Why a ZIP container (DOCX) must not be opened, or None when it may: too many
    members, a member too large by its declared size or by what it really inflates to
    (a member inflating past its declared size is a bomb), too much in all. Nothing is
    kept: members are inflated only to be counted.

    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("word/document.xml", bytes(200 * MiB))
    >>> check_zip(buf.getvalue()).split(":")[0]
    'bomb'
    """
    import zipfile

    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None  # not a readable container: the parser says so
    if len(infos) > MAX_ZIP_MEMBERS:
        return f"too_large:{len(infos)} zip members"
    total = 0
    for info in infos:
        try:
            total += _member_size(data, info)
        except _Limit as stop:
            return stop.problem
        if total > MAX_ZIP_TOTAL_BYTES:
            return f"too_large:zip members inflate past {MAX_ZIP_TOTAL_BYTES} bytes"
    return None


def _member_size(data: bytes, info) -> int:
    """What one member really inflates to, stopping at its declared size and the limits."""
    import zipfile

    name = info.filename[:80]
    budget = _Budget(min(info.file_size, MAX_ZIP_MEMBER_BYTES), MAX_INFLATE_RATIO)
    budget.check(info.file_size, info.compress_size, f"zip member {name} (declared)")
    head = data[info.header_offset:info.header_offset + 30]
    if info.compress_type != zipfile.ZIP_DEFLATED or len(head) < 30 or head[:4] != b"PK\x03\x04":
        return info.file_size  # zipfile itself never reads past the declared size
    begin = info.header_offset + 30 + int.from_bytes(head[26:28], "little") \
        + int.from_bytes(head[28:30], "little")
    member = memoryview(data)[begin:begin + info.compress_size]
    try:
        _pump(_zlib_pieces(member, -zlib.MAX_WBITS), None, budget, f"zip member {name}")
        size = budget.produced
    except zlib.error:
        return info.file_size  # corrupt: python-docx will say so
    except _Limit:
        if info.file_size <= MAX_ZIP_MEMBER_BYTES:
            raise _Limit(f"bomb:zip member {name} inflates past its declared "
                         f"{info.file_size} bytes") from None
        raise
    return size
OCR_THREADS = 2  # onnxruntime threads of the OCR engine in one process
OCR_TEXT_PAGE_CHARS = 20  # a PDF page with fewer text characters and an image is OCR'd
OCR_CELL_MIN_CONF = 0.80  # an OCR'd cell read with less confidence is NULL and flagged
OCR_PAGE_MIN_CONF = 0.75  # a page whose mean OCR confidence is lower is flagged
OCR_SURE_CONF = 0.995  # a number read more surely than this is not read a second time
