"""WARC files of crawl workers: one writer per worker, its id in every file name.

A worker writes ``nianbao-WORKER-STAMP-PID-SEQ.warc.gz.open`` and holds an exclusive lock
on it; when the file is full (or the worker stops) it is renamed to ``….warc.gz`` and never
opened again. ``archive.warcstore.warc_files`` lists only finished names, so an ingest
never reads a file that a worker still appends to.

A worker killed with SIGKILL leaves its ``.open`` file behind, unlocked, perhaps with a
cut-off last record. ``seal_orphans`` (run by ``nianbao ingest``, by a worker starting and
at the end of ``nianbao crawl``) cuts such a file back to its last whole record and
finishes it; the request whose record was cut off was never acknowledged, so another
worker fetches it again.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.warcwriter import WARCWriter

from ..archive.warcstore import RotatingWarcWriter

logger = logging.getLogger(__name__)
OPEN_SUFFIX = ".open"


class WorkerWarcWriter(RotatingWarcWriter):
    """``RotatingWarcWriter`` for a crawl worker: worker id in the name, ``.open`` while
    written (under an exclusive lock), renamed when closed."""

    def __init__(self, directory: Path, worker: str, max_size: int = 100 * 2**20,
                 info: dict | None = None):
        super().__init__(directory, prefix=f"nianbao-{worker}", max_size=max_size, info=info)
        self.final: Path | None = None

    def _open(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        name = f"{self.prefix}-{stamp}-{os.getpid()}-{self.seq:05d}.warc.gz"
        self.seq += 1
        self.final = self.directory / name
        self.path = self.directory / (name + OPEN_SUFFIX)
        self._fh = open(self.path, "ab")
        fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._writer = WARCWriter(self._fh, gzip=True)
        info = {"software": "nianbao", "hostname": socket.gethostname(),
                "format": "WARC File Format 1.1", **self.info}
        self._write(self._writer.create_warcinfo_record(name, info))

    def close(self) -> None:
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        os.rename(self.path, self.final)  # still locked: no sealer can race the rename
        self._fh.close()
        self._fh = None
        self.path = self.final


def complete_length(fh: BinaryIO) -> int:
    """Bytes of ``fh`` made of whole gzip members (each record is one member)."""
    fh.seek(0)
    good = offset = 0
    buf = b""
    inflater = None
    while True:
        if len(buf) < 3:
            more = fh.read(1 << 20)
            if not more:
                return good  # a cut-off member (or nothing) at the end
            buf += more
            continue
        if inflater is None:
            if not buf.startswith(b"\x1f\x8b"):
                return good  # not a member: stop at the last whole one
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            inflater.decompress(buf, 1 << 20)
        except zlib.error:
            return good
        rest = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
        offset += len(buf) - len(rest)
        buf = rest
        if inflater.eof:
            good, inflater = offset, None
        elif not buf:
            more = fh.read(1 << 20)
            if not more:
                return good
            buf = more


def seal_orphans(directory: Path) -> list[Path]:
    """Finish the ``.open`` files no live writer holds: cut back to the last whole
    record, then renamed to their final name (removed when nothing whole is left)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    sealed = []
    for path in sorted(directory.rglob("*.warc.gz" + OPEN_SUFFIX)):
        try:
            fh = open(path, "r+b")
        except FileNotFoundError:  # finished meanwhile by its writer
            continue
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live worker is writing it
            if not path.exists():
                continue
            end = complete_length(fh)
            size = fh.seek(0, os.SEEK_END)
            if end < size:
                fh.truncate(end)
                logger.warning("%s: %d byte(s) of a cut-off last record removed", path.name,
                               size - end)
            final = path.with_name(path.name[:-len(OPEN_SUFFIX)])
            if end == 0:
                path.unlink()
                continue
            fh.flush()
            os.fsync(fh.fileno())
            os.rename(path, final)
            sealed.append(final)
            logger.warning("finished %s, left open by a stopped worker", final.name)
    return sealed
