"""Attachments as portals serve them: odd MIME types, lying extensions, broken files of
every kind kept."""

from __future__ import annotations

import pytest
import sqlite_utils

from nianbao.demo import COLUMN, report_pdf, site
from nianbao.portal_server import PortalServer
from tests.layouts import report_docx

pytestmark = pytest.mark.slow
PAGE = COLUMN + "202401/t20240129_550505.html"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # a legacy .doc/.wps header


def test_attachment_kinds(run_cli, tmp_path):
    files = site()
    links = {
        "a.pdf": (report_pdf(2023), "application/octet-stream"),  # PDF served as octet-stream
        "b.docx": (report_docx(2021), "application/octet-stream"),
        "c.pdf": ("<html><body>文件已迁移</body></html>".encode(), "text/html"),  # .pdf → HTML
        "d.doc": (OLE, "application/msword"),
        "e.wps": (OLE, "application/octet-stream"),
        "f.ofd": (b"PK\x03\x04" + b"\x00" * 100 + b"OFD.xml", "application/ofd"),
    }
    anchors = "".join(f'<a href="./{name}">附件{i}</a>' for i, name in enumerate(links))
    body, ctype = files[PAGE]
    files[PAGE] = (body.replace(b"</body>", anchors.encode() + b"</body>"), ctype)
    for name, answer in links.items():
        files[COLUMN + "202401/" + name] = answer
    with PortalServer(files, host="127.0.0.14") as portal:
        result = run_cli("crawl", "--start-url", portal.url + "/", "-s", "DOWNLOAD_DELAY=0")
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    got = {r["url"].rsplit("/", 1)[-1]: r for r in db["captures"].rows if "202401/" in r["url"]}
    assert set(links) <= set(got)  # every attachment archived
    assert got["a.pdf"]["kind"] == "pdf" and got["b.docx"]["kind"] == "docx"
    assert got["c.pdf"]["kind"] == "html" and got["c.pdf"]["outcome"] == "not_report"
    for name, kind in (("d.doc", "doc"), ("e.wps", "wps"), ("f.ofd", "ofd")):
        # read (DOC/WPS through LibreOffice, OFD as its XML), but these hold no report
        assert got[name]["kind"] == kind and got[name]["outcome"] == "not_report", got[name]
    # a.pdf is the 2023 report again: linked to the page, not counted twice
    assert db["reports"].count_where("year = 2023") == 1
    roles = {u["url"].rsplit("/", 1)[-1] for u in db["report_urls"].rows}
    assert "a.pdf" in roles
