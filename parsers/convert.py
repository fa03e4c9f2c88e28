"""Word 97 binaries (DOC, and WPS, Kingsoft's OLE2 twin of it) → DOCX bytes through
LibreOffice headless, so they are read by the DOCX path with their tables' spans.

Each conversion runs in a temporary folder of its own with its own LibreOffice profile
(``-env:UserInstallation``), so parallel parsing workers never share a profile lock, and
in a process group of its own, killed whole once ``CONVERT_TIMEOUT_SECONDS`` have passed.
What LibreOffice rejects is read as plain text instead (catdoc when installed, else the
UTF-16 runs of the file), so a report row still has what could be read.

Measured on the demo report saved as Word 97 by LibreOffice (200 distinct figures):
LibreOffice → DOCX reads all 200 (the DOCX path, merged cells kept; 1–3 s a file);
catdoc's text (one tab-separated line per table row) reads 200 through the text path in
10–30 ms, but flattens merged cells; antiword reads 0 (it draws tables with ``|`` and wraps
cells across lines). Both read the Chinese text. LibreOffice (MPL) is the converter,
catdoc (GPL-2, run as a program) the fallback; there is no AGPL dependency.

>>> utf16_text(("标题" * 3).encode("utf-16-le") + bytes(8) + "正文内容".encode("utf-16-le"))
'标题标题标题\\n正文内容'
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from . import limits

SOFFICE = os.environ.get("NIANBAO_SOFFICE") or shutil.which("soffice") or "soffice"
CATDOC = shutil.which("catdoc")


class ConvertError(Exception):
    """Why a conversion gave nothing: ``convert_failed:…`` or ``timeout:…``."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def _run(cmd: list[str], timeout: float, cwd: str, name: str) -> subprocess.CompletedProcess:
    """Run ``cmd`` in a new process group; the whole group is killed on timeout and
    after the run (LibreOffice leaves helpers behind when it fails)."""
    env = {**os.environ, "HOME": cwd, "TMPDIR": cwd, "LANG": "C.UTF-8"}
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except OSError as exc:
        raise ConvertError(f"convert_failed:{name}:{type(exc).__name__}") from exc
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise ConvertError(f"timeout:{name}>{timeout:g}s") from None
    finally:
        _kill_group(proc)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def doc_to_docx(data: bytes, timeout: float | None = None) -> bytes:
    """DOCX bytes of a Word 97 / WPS document; ``ConvertError`` when there are none."""
    timeout = limits.CONVERT_TIMEOUT_SECONDS if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="nianbao-convert-") as tmp:
        # always .doc: LibreOffice sniffs the content, and .wps would ask for MS Works
        src = Path(tmp, "in.doc")
        src.write_bytes(data)
        profile = Path(tmp, "profile").as_uri()
        cmd = [SOFFICE, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
               "--nolockcheck", f"-env:UserInstallation={profile}",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(Path(tmp, "out")),
               str(src)]
        done = _run(cmd, timeout, tmp, "soffice")
        result = Path(tmp, "out", "in.docx")
        if not result.is_file() or result.stat().st_size == 0:
            why = (done.stderr or done.stdout or b"").decode("utf-8", "replace")
            why = re.sub(r"\s+", " ", why.replace("javaldx", "")).strip()
            raise ConvertError(f"convert_failed:soffice:rc={done.returncode}:{why[-120:]}")
        if result.stat().st_size > limits.MAX_PARSE_BYTES:
            raise ConvertError(f"convert_failed:soffice:too_large:{result.stat().st_size}")
        return drop_sliver_columns(result.read_bytes())


def fallback_text(data: bytes, timeout: float | None = None) -> tuple[str, str]:
    """(text, how) of a Word 97 file LibreOffice could not convert: catdoc's text when
    catdoc is installed and reads it, else the file's UTF-16 runs."""
    timeout = limits.CONVERT_TIMEOUT_SECONDS if timeout is None else timeout
    if CATDOC:
        with tempfile.TemporaryDirectory(prefix="nianbao-catdoc-") as tmp:
            Path(tmp, "in.doc").write_bytes(data)
            try:
                done = _run([CATDOC, "-d", "utf-8", "-w", "in.doc"], timeout, tmp, "catdoc")
                text = done.stdout.decode("utf-8", "replace")
                if done.returncode == 0 and re.search(r"[\u4e00-\u9fff]", text):
                    return text, "catdoc"
            except ConvertError:
                pass
    return utf16_text(data), "utf16"


_UTF16_RUN = re.compile(rb"(?:[\x20-\x7e\r\n\t]\x00|[\x00-\xff][\x4e-\x9f]|[\x00-\xff]\x30"
                        rb"|[\x00-\xef]\xff){4,}")


def utf16_text(data: bytes) -> str:
    """Runs of UTF-16LE text holding Chinese, one per line: what Word 97 stores its
    Unicode text as (a last resort; no structure, no formatting)."""
    lines = []
    for m in _UTF16_RUN.finditer(data):
        start = m.start() + (m.start() % 2)  # text is stored at even offsets
        text = data[start:m.end() - (m.end() - start) % 2].decode("utf-16-le", "replace")
        for line in re.split(r"[\r\n\x07\x0b\x0c]+", text):
            line = line.strip()
            if len(line) >= 2 and _common_share(line) >= 0.7:
                lines.append(line)
    return "\n".join(lines)


def _common_share(line: str) -> float:
    """Share of a line's Chinese characters among the 3,755 commonest (GB2312 level 1):
    real text scores high, bytes read at the wrong alignment low."""
    cjk = [c for c in line if "\u4e00" <= c <= "\u9fff"]
    if not cjk:
        return 0.0
    common = 0
    for c in cjk:
        try:
            common += 0xB0 <= c.encode("gb2312")[0] <= 0xD7
        except UnicodeEncodeError:
            pass
    return common / len(cjk)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SLIVER_TWIPS = 30  # a table grid column narrower than this (1/48 inch) is an artefact


def drop_sliver_columns(docx: bytes) -> bytes:
    """A DOCX whose tables lost the hairline grid columns LibreOffice (like WPS) adds
    where two rows' borders almost meet: the cells spanning one span one column less,
    so a value stays under its header instead of straddling two grid columns. Tables
    where a sliver holds a cell of its own are left alone; so is anything unreadable."""
    import io
    import zipfile

    from lxml import etree

    try:
        box = limits.SafeZip(docx)
        name = box.find("word/document.xml")
        if name is None:
            return docx
        root = etree.fromstring(box.read(name))
    except Exception:  # the DOCX reader will say what is wrong with it
        return docx
    w = f"{{{_W}}}"
    changed = False
    for tbl in root.iter(f"{w}tbl"):
        grid = tbl.find(f"{w}tblGrid")
        if grid is None:
            continue
        cols = grid.findall(f"{w}gridCol")
        widths = []
        for col in cols:
            try:
                widths.append(int(col.get(f"{w}w", "1000")))
            except ValueError:
                widths.append(1000)
        slivers = {i for i, width in enumerate(widths) if width < SLIVER_TWIPS}
        if not slivers or len(slivers) == len(cols):
            continue
        plan = []  # (span element or cell properties, new span)
        ok = True
        for tr in tbl.findall(f"{w}tr"):
            at = 0
            before = tr.find(f"{w}trPr/{w}gridBefore")
            if before is not None:
                at += int(before.get(f"{w}val", "0") or 0)
            for tc in tr.findall(f"{w}tc"):
                span_el = tc.find(f"{w}tcPr/{w}gridSpan")
                span = int(span_el.get(f"{w}val", "1") or 1) if span_el is not None else 1
                covered = set(range(at, at + span))
                lose = len(covered & slivers)
                if lose == span:  # a cell standing in a sliver alone
                    ok = False
                elif lose:
                    plan.append((span_el, span - lose))
                at += span
        if not ok or any(before is not None for before in tbl.iter(f"{w}gridBefore", f"{w}gridAfter")):
            continue
        for span_el, span in plan:
            span_el.set(f"{w}val", str(span))
        for i in sorted(slivers, reverse=True):
            grid.remove(cols[i])
        changed = True
    if not changed:
        return docx
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.is_dir():
                data = b""
            elif info.filename == name:
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            else:
                data = box.read(info.filename)
            dst.writestr(info, data)
    return out.getvalue()
