"""Bad input gets a clear error, and nothing fetched is lost."""

from __future__ import annotations

import gzip
import socket

import pytest
import sqlite_utils

from nianbao.archive.warcstore import RotatingWarcWriter, read_records, warc_files
from nianbao.demo import COLUMN, site
from nianbao.parsers.pipeline import parse_capture
from nianbao.portal_server import PortalServer

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=1",
        "-s", "RETRY_BACKOFF_BASE=0.5"]


def captures(work):
    return list(sqlite_utils.Database(work / "data" / "nianbao.db")["captures"].rows)


def free_port(host="127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def test_refused_connection_names_the_url_and_exits_non_zero(run_cli, tmp_path):
    url = f"http://127.0.0.3:{free_port('127.0.0.3')}/zwgk/"
    result = run_cli("crawl", "--start-url", url, *FAST)
    assert result.returncode != 0
    assert url in result.stderr and "refused" in result.stderr.lower()
    rows = captures(tmp_path)
    assert {r["outcome"] for r in rows} == {"fetch_error"}  # kept, as WARC metadata records
    assert {r["url"] for r in rows} == {url, url.replace("/zwgk/", "/robots.txt")}
    assert all("refused" in r["detail"].lower() for r in rows)


def test_portal_answering_500_is_archived_and_reported(run_cli, tmp_path):
    def broken(req):
        if req.path.startswith(COLUMN):
            return 500, {"Content-Type": "text/html"}, b"<html>Internal Server Error</html>"
        return None

    with PortalServer(site(), host="127.0.0.4", handler=broken) as portal:
        result = run_cli("crawl", "--start-url", portal.url + "/", *FAST)
        tries = [t for (_, p, _), t in zip(portal.requests, portal.times, strict=True)
                 if p == COLUMN + "index.html"]
    assert len(tries) == 2 and tries[1] - tries[0] >= 0.5  # backed off before retrying
    assert result.returncode != 0
    assert f"{portal.url}{COLUMN}index.html: HTTP 500" in result.stderr
    rows = captures(tmp_path)
    errors = [r for r in rows if r["status"] == 500]
    assert len(errors) == 2  # the first try and one retry, both archived
    first, retry = sorted(errors, key=lambda r: r["id"])
    assert first["url"] == retry["url"]
    assert {r["outcome"] for r in errors} == {"http_error"}
    assert any(r["outcome"] == "not_report" and r["url"].endswith("/zwgk/") for r in rows)


def test_anti_bot_challenge_is_reported_not_stored_as_a_report(run_cli, tmp_path):
    challenge = (b"<html><head><script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};"
                 b"$_ts.nsd=12345;</script></head><body></body></html>")
    blocked_path = COLUMN + "202301/t20230130_540404.html"

    def waf(req):
        if req.path == blocked_path:
            return 412, {"Content-Type": "text/html", "Set-Cookie": "FSSBBIl1UgzbN7NS=abc; path=/"}, challenge
        return None

    with PortalServer(site(), host="127.0.0.5", handler=waf) as portal:
        result = run_cli("crawl", "--start-url", portal.url + "/", *FAST)
        hits = [p for p in portal.paths() if p == blocked_path]
    assert len(hits) == 1  # asked once, never retried or worked around
    rows = captures(tmp_path)
    blocked = [r for r in rows if r["outcome"] == "blocked"]
    assert len(blocked) == 1 and blocked[0]["detail"] == "ruishu_412"
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    assert sorted(r["year"] for r in db["reports"].rows) == [2019, 2020, 2021, 2023, 2024]
    run = next(db["crawl_runs"].rows)
    assert run["blocked"] == 1
    assert "blocked" in result.stderr.lower()


def test_truncated_download_is_kept_and_flagged(run_cli, tmp_path):
    path = COLUMN + "202401/t20240129_550505.html"
    body, ctype = site()[path]

    def cut(req):
        if req.path == path:
            return 200, {"Content-Type": ctype, "Content-Length": str(len(body))}, body[: len(body) // 2]
        return None

    with PortalServer(site(), host="127.0.0.6", handler=cut) as portal:
        run_cli("crawl", "--start-url", portal.url + "/", *FAST, "-s", "DOWNLOAD_TIMEOUT=5")
    rows = [r for r in captures(tmp_path) if r["url"].endswith(path)]
    assert rows and all(r["size"] < len(body) for r in rows)
    assert any("truncated" in (r["detail"] or "") for r in rows)


def test_corrupt_and_truncated_warc_files_are_named_and_skipped(run_cli, tmp_path):
    warc = tmp_path / "data" / "warc"
    pages = [(p, b) for p, (b, _) in site().items() if "t202" in p and p.endswith(".html")][:3]
    for name in ("a", "b"):
        writer = RotatingWarcWriter(warc, prefix=name)
        for path, body in pages:
            writer.write_exchange(f"http://127.0.0.1{path}", "GET", [], 200, "OK",
                                  [("Content-Type", "text/html; charset=utf-8")], body)
        writer.close()
    damaged, truncated = warc_files(warc)
    data = bytearray(damaged.read_bytes())
    members = [i for i in range(len(data)) if data[i:i + 3] == b"\x1f\x8b\x08"]
    second, after = members[4], members[5]  # warcinfo, request, response, request, *response*
    data[second:after] = b"\x00garbage" * ((after - second) // 8) + b"\x00" * ((after - second) % 8)
    damaged.write_bytes(bytes(data))
    truncated.write_bytes(truncated.read_bytes()[:-300])  # killed mid-write
    result = run_cli("rebuild")
    assert result.returncode == 0, result.stderr
    assert f"{damaged.name} at offset {second}" in result.stderr
    assert truncated.name in result.stderr
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    assert db["reports"].count == 3  # every intact record of both files still ingested
    assert db["ingest_errors"].count == 2


def test_read_records_resumes_after_garbage(tmp_path):
    writer = RotatingWarcWriter(tmp_path, prefix="g")
    for i in range(3):
        writer.write_exchange(f"http://127.0.0.1/{i}", "GET", [], 200, "OK", [], b"x" * 10)
    writer.close()
    [path] = warc_files(tmp_path)
    raw = path.read_bytes()
    at = [r.offset for r in read_records(path)][3]  # between two records
    path.write_bytes(raw[:at] + gzip.compress(b"not a warc record") + raw[at:])
    items = list(read_records(path))
    errors = [i for i in items if type(i).__name__ == "ReadError"]
    assert [e.offset for e in errors] == [at]
    assert len([i for i in items if getattr(i, "type", "") == "response"]) == 3


def test_hostile_filenames_in_a_saved_folder(run_cli, tmp_path, shared):
    folder = tmp_path / "saved"
    (folder / "sub dir" / "..." ).mkdir(parents=True)
    seed = next((shared / "seeds").glob("004_*.txt")).read_text("utf-8")
    html = f"<html><head><title>x</title></head><body><pre>{seed}</pre></body></html>".encode()
    names = ["-rf.html", "a b;rm -rf ~.html", "报告$(whoami).htm", "sub dir/.../CON.html",
             "x" * 200 + ".html", "new\nline.html", "%2e%2e.html"]
    for name in names:
        (folder / name).write_bytes(html)
    result = run_cli("rebuild", "--from-dir", str(folder))
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    captured = list(db["captures"].rows)
    assert len(captured) == len(names) and {c["outcome"] for c in captured} == {"report"}
    assert all(c["url"].startswith("file:///") and "\n" not in c["url"] for c in captured)
    assert db["reports"].count == 1  # the same text seven times: one report, six copies
    assert db["report_urls"].count == len(names) - 1


def test_huge_and_malformed_inputs_never_raise():
    huge = b"<html><body>" + b"<p>\xe5\xb9\xb4</p>" * (4 * 1024 * 1024) + b"</body></html>"
    parsed = parse_capture(huge, "text/html", "http://127.0.0.1/huge.html")
    assert parsed.report is None and parsed.flags[0].startswith("too_large")
    for body in (b"", b"<html><table><tr><td rowspan=999999 colspan=-3>1", b"\x00\x01\x02" * 100,
                 b"<?xml version='1.0' encoding='gbk'?><html><p>\xc4\xea</p></html>",
                 b"%PDF-1.4 truncated", b"PK\x03\x04 broken docx"):
        parsed = parse_capture(body, "text/html", "http://127.0.0.1/bad.docx")
        assert parsed.report is None or not parsed.report.is_report


@pytest.mark.parametrize("status, headers, body, kind", [
    (521, {"Set-Cookie": "__jsluid_h=abc"}, b"<script>document.cookie=...</script>", "jiasule_521"),
    (403, {"X-Via-JSL": "abc"}, b"blocked", "jsl_403"),
    (200, {}, b"   ", "empty_200"),
    (200, {}, "<html><body>您访问的页面不存在</body></html>".encode(), "soft_404"),
    (200, {}, b"<html><script>window.location.href='/';</script></html>", "soft_404_js_redirect"),
])
def test_block_kinds(status, headers, body, kind):
    from nianbao.parsers.antibot import classify_block

    assert classify_block(status, headers, body) == kind


def test_warc_files_rotate_and_each_opens_with_warcinfo(tmp_path):
    writer = RotatingWarcWriter(tmp_path, prefix="r", max_size=4000)
    for i in range(12):
        writer.write_exchange(f"http://127.0.0.1/{i}", "GET", [], 200, "OK", [],
                              bytes(range(256)) * 4)
    writer.close()
    files = warc_files(tmp_path)
    assert len(files) > 2
    for path in files:
        records = list(read_records(path))
        assert records[0].type == "warcinfo"
        assert all(r.digest_ok is not False for r in records)
    urls = [r.url for p in files for r in read_records(p) if r.type == "response"]
    assert urls == [f"http://127.0.0.1/{i}" for i in range(12)]


# -- losses flagged, reads bounded (issue 14) ------------------------------------------------

REPORT_PAGE = ("<html><head><title>某县人民政府2023年政府信息公开工作年度报告</title></head>"
               "<body><p>一、总体情况</p><p>本年新收政府信息公开申请数量</p></body></html>")


@pytest.mark.parametrize("encoding, content_type", [
    ("utf-16", "text/html"), ("utf-16-le", None), ("utf-16-be", None),
    ("utf-16-le", "text/html; charset=UTF-16LE"), ("utf-32", None), ("utf-32-be", None),
    ("utf-32-be", "text/html; charset=UTF-32BE"),
])
def test_utf16_and_utf32_are_told_by_bom_declaration_or_shape(encoding, content_type):
    parsed = parse_capture(REPORT_PAGE.encode(encoding), content_type, "http://127.0.0.1/r")
    assert parsed.kind == "html" and parsed.decoded.encoding.startswith(encoding[:6])
    assert parsed.report.title == "某县人民政府2023年政府信息公开工作年度报告"
    assert not any(f.startswith("undecodable") for f in parsed.flags)


def test_nul_bytes_are_removed_and_counted():
    parsed = parse_capture(REPORT_PAGE.replace("总体", "总\x00体").encode(), "text/html",
                           "http://127.0.0.1/r.html")
    assert "nul_bytes:1" in parsed.flags and "一、总体情况" in parsed.report.text


def test_a_type_the_bytes_contradict_is_flagged():
    pdf_as_html = parse_capture(b"%PDF-1.4\n%broken", "text/html", "http://127.0.0.1/a.html")
    assert "mime_mismatch:declared html, is pdf" in pdf_as_html.flags
    garbage = parse_capture(bytes(range(256)) * 8, "application/pdf", "http://127.0.0.1/a.pdf")
    assert any(f.startswith("corrupt:declared pdf") for f in garbage.flags)


def test_a_chunked_record_is_dechunked_streaming_and_its_cut_flagged(tmp_path):
    """A WARC from another tool may keep the chunked framing; one cut mid-chunk is a loss."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "chunked.warc.gz"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, payload in [("http://127.0.0.1/whole", b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
                             ("http://127.0.0.1/cut", b"5\r\nhello\r\n4000\r\n wor")]:
            http = StatusAndHeaders("200 OK", [("Transfer-Encoding", "chunked")],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(payload), length=len(payload),
                http_headers=http))
    records = {r.url: r for r in read_records(path)}
    assert records["http://127.0.0.1/whole"].body == b"hello world"
    assert records["http://127.0.0.1/whole"].problem is None
    cut = records["http://127.0.0.1/cut"]
    assert cut.body == b"hello wor" and cut.problem == "truncated:chunked"


def test_a_record_over_the_cap_is_counted_not_held(tmp_path):
    writer = RotatingWarcWriter(tmp_path, prefix="cap")
    writer.write_exchange("http://127.0.0.1/big", "GET", [], 200, "OK", [], b"x" * 5000)
    writer.write_exchange("http://127.0.0.1/small", "GET", [], 200, "OK", [], b"y" * 10)
    writer.close()
    [path] = warc_files(tmp_path)
    records = {r.url: r for r in read_records(path, max_bytes=4000) if r.type == "response"}
    big = records["http://127.0.0.1/big"]
    assert big.body == b"" and big.size == 5000 and big.problem.startswith("too_large")
    assert big.digest_ok is True  # the rest was streamed through the digest, not kept
    assert records["http://127.0.0.1/small"].body == b"y" * 10


def test_a_file_swapped_for_a_fifo_or_a_link_is_refused_not_waited_on(tmp_path):
    import os

    from nianbao.archive.ingest import _saved_record

    fifo, link = tmp_path / "a.html", tmp_path / "b.html"
    os.mkfifo(fifo)  # nobody ever writes to it: a plain open() would block for ever
    link.symlink_to("/etc/passwd")
    for path in (fifo, link):
        with pytest.raises(OSError):
            _saved_record(path)


def test_anti_bot_detection_inflates_a_bomb_no_further_than_it_reads():
    import resource

    from scrapy.http import HtmlResponse, Request

    from nianbao.crawler.middlewares import BlockDetectionMiddleware
    from tests.generators.hostile import compressed_zeros

    bomb = compressed_zeros("gzip", 2 * 2**30).to_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = HtmlResponse("http://127.0.0.1/bomb.html", status=200, body=bomb,
                            headers={"Content-Encoding": "gzip"})
    middleware = BlockDetectionMiddleware(stats=None)
    assert middleware.process_response(Request(response.url), response) is response
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024  # KiB
