"""Every resource limit of parsing, named once. A capture over a limit is kept and flagged
(``too_large``, ``bomb``, ``timeout``), never parsed without bounds and never dropped."""

from __future__ import annotations

MAX_PARSE_BYTES = 30 * 1024 * 1024  # a body larger than this is kept, flagged, not parsed
KiB, MiB = 1024, 1024 * 1024
MAX_INFLATE_RATIO = 200  # inflated ÷ compressed above this is a bomb (deflate tops out near 1000)
INFLATE_RATIO_FLOOR = 1 * MiB  # below this much output no ratio makes a bomb
MAX_ZIP_MEMBERS = 5000  # members of one DOCX/OFD container
MAX_ZIP_MEMBER_BYTES = 64 * MiB  # one member, by its declared and by its actual size
MAX_ZIP_TOTAL_BYTES = 128 * MiB  # all members read from one container
_CHUNK = 64 * KiB


class LimitExceeded(Exception):
    """Raised by an extractor that will not go on: ``problem`` starts with one of
    ``LIMIT_OUTCOMES`` (``bomb:…``, ``too_large:…``)."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


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
OCR_THREADS = 2  # onnxruntime threads of the OCR engine in one process
OCR_TEXT_PAGE_CHARS = 20  # a PDF page with fewer text characters and an image is OCR'd
OCR_CELL_MIN_CONF = 0.80  # an OCR'd cell read with less confidence is NULL and flagged
OCR_PAGE_MIN_CONF = 0.75  # a page whose mean OCR confidence is lower is flagged
OCR_SURE_CONF = 0.995  # a number read more surely than this is not read a second time
