"""Self-test of the hostile corpus generator: the bombs are valid and cheap, the server serves
and logs every case and stops at once, the folder is what it claims, rss_of measures."""

from __future__ import annotations

import io
import os
import socket
import stat
import sys
import time
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.generators import hostile as h

ENCODINGS = ["gzip", "deflate", "deflate-raw", "br", "zstd"]


def _need(encoding: str) -> None:
    if encoding == "br" and not h._BROTLI:
        pytest.skip("brotli not installed")
    if encoding == "zstd" and h._zstd_module() is None:
        pytest.skip("no zstd module")


def _decode_all(encoding: str, data: bytes) -> bytes:
    if encoding == "gzip":
        import gzip

        return gzip.decompress(data)  # checks CRC32 and ISIZE
    if encoding == "deflate":
        return zlib.decompress(data)  # checks Adler-32
    if encoding == "deflate-raw":
        return zlib.decompress(data, -15)
    if encoding == "br":
        import brotli

        return brotli.decompress(data)
    zstd = h._zstd_module()
    assert zstd is not None
    return zstd.decompress(data)


# ---- checksums and blobs


@pytest.mark.parametrize("unit", [b"\0", b" ", h.STORM_UNIT, b"abc" * 101])
@pytest.mark.parametrize("count", [0, 1, 2, 3, 1000, 65537])
def test_repeat_checksums_match_zlib(unit: bytes, count: int) -> None:
    data = unit * count
    for start in (0, 1, 0xDEADBEEF):
        assert h.crc32_repeat(unit, count, start) == zlib.crc32(data, start)
    for start in (1, 0x12345678):
        assert h.adler32_repeat(unit, count, start) == zlib.adler32(data, start)


def test_blob_streams_in_bounded_chunks() -> None:
    b = h.Blob.of(b"head", (b"xy", 100_000), b"tail")
    chunks = list(b.iter_chunks(1000))
    assert max(map(len, chunks)) <= 1000
    assert b"".join(chunks) == b"head" + b"xy" * 100_000 + b"tail" == b.to_bytes()
    assert b.size == 200_008 and b.prefix(6) == b"headxy"


# ---- compression bombs


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_small_bomb_is_a_valid_stream(encoding: str) -> None:
    _need(encoding)
    size = 5 * h.MiB + 123 if encoding not in ("br", "zstd") else 32 * h.MiB
    blob = h.compressed_zeros(encoding, size)
    out = _decode_all(encoding, blob.to_bytes())
    assert len(out) == size == blob.decoded_size
    assert out.count(0) == size


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_full_bomb_is_cheap_and_huge(encoding: str) -> None:
    _need(encoding)
    t = time.monotonic()
    blob = h.compressed_zeros(encoding)
    assert time.monotonic() - t < 1.0
    assert blob.decoded_size >= 10 * h.GiB
    assert 100 * h.KiB < blob.size < 12 * h.MiB
    assert sum(len(p) for p, _ in blob.pieces) < 4 * h.MiB  # distinct bytes held in memory


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_full_bomb_inflates_at_over_500_to_1(encoding: str) -> None:
    d = zlib.decompressobj(31 if encoding == "gzip" else 15)
    produced, consumed = 0, 0
    for chunk in h.compressed_zeros(encoding).iter_chunks(4096):
        consumed += len(chunk)
        data = chunk
        while data and produced < 64 * h.MiB:
            produced += len(d.decompress(data, h.MiB))
            data = d.unconsumed_tail
        if produced >= 64 * h.MiB:
            break
    assert produced >= 64 * h.MiB
    assert produced / consumed > 500


def test_double_gzip_bomb() -> None:
    import gzip

    outer = h._double_gzip_bomb()
    assert outer.size < 64 * h.KiB
    inner = gzip.decompress(outer.to_bytes())
    assert inner == h._bomb("gzip").to_bytes()


# ---- documents


def test_report_pdf_has_extractable_title() -> None:
    from pdfminer.high_level import extract_text

    assert h.REPORT_TITLE in extract_text(io.BytesIO(h.report_pdf()))
    assert h.REPORT_TITLE in extract_text(io.BytesIO(h.count_lie_pdf()))
    assert b"/Count 2147483647" in h.count_lie_pdf()


def test_operator_storm_pdf() -> None:
    t = time.monotonic()
    pdf = h.operator_storm_pdf("x" + h.YEAR_SUFFIX)
    assert time.monotonic() - t < 1.0
    start = pdf.index(b"stream\n", pdf.index(b"4 0 obj")) + 7
    length = int(pdf[pdf.index(b"/Length ", pdf.index(b"4 0 obj")) + 8:].split()[0])
    assert 20 * h.KiB < length < 100 * h.KiB and len(pdf) < 110 * h.KiB
    content = zlib.decompress(pdf[start:start + length])
    assert content.count(h.STORM_UNIT) == 2_400_000


def test_many_pages_pdf_is_valid() -> None:
    pdfium = pytest.importorskip("pypdfium2")
    assert len(pdfium.PdfDocument(h.many_pages_pdf(pages=2500))) == 2500
    t = time.monotonic()
    big = h.many_pages_pdf()
    assert time.monotonic() - t < 1.0 and big.count(b"/Type/Page/") == 200_000
    dag = h.page_dag_pdf()
    assert len(dag) < 64 * h.KiB and b"/Count 1000000000 " in dag


def test_docx_bombs() -> None:
    import docx

    small = h.docx_bomb("huge", size=3 * h.MiB)
    z = zipfile.ZipFile(io.BytesIO(small.to_bytes()))
    assert z.testzip() is None
    assert docx.Document(io.BytesIO(small.to_bytes())).paragraphs[0].text == h.REPORT_TITLE

    huge = h.docx_bomb("huge")
    assert huge.size < 5 * h.MiB
    info = {i.filename: i for i in zipfile.ZipFile(io.BytesIO(huge.to_bytes())).infolist()}
    assert info["word/document.xml"].file_size == 0xF000_0000
    with zipfile.ZipFile(io.BytesIO(huge.to_bytes())).open("word/document.xml") as f:
        head = f.read(8 * h.MiB)
    assert head.startswith(b"<?xml") and head.rstrip().endswith(b"</w:t></w:r></w:p>")

    lie = zipfile.ZipFile(io.BytesIO(h.docx_bomb("lie").to_bytes()))
    member = lie.getinfo("word/document.xml")
    assert member.file_size == 2048 and member.compress_size > 500 * h.KiB
    # ignoring the declared size, the member inflates to 1 GiB
    d = zlib.decompressobj(-15)
    raw = h.docx_bomb("lie").to_bytes()
    data = raw[member.header_offset + 30 + len(member.filename):][:member.compress_size]
    produced = 0
    while data:
        produced += len(d.decompress(data, 16 * h.MiB))
        data = d.unconsumed_tail
    assert produced == h.GiB

    ent = zipfile.ZipFile(io.BytesIO(h.docx_entities().to_bytes()))
    assert b"&lol9;" in ent.read("word/document.xml")


def test_ofd_bomb() -> None:
    z = zipfile.ZipFile(io.BytesIO(h.ofd_bomb().to_bytes()))
    info = {i.filename: i.file_size for i in z.infolist()}
    assert info["Doc_0/Pages/Page_0/Content.xml"] == 2 * h.GiB
    assert h.REPORT_TITLE.encode() in z.read("OFD.xml")


# ---- the server


@pytest.fixture(scope="module")
def server() -> Iterator[h.HostileServer]:
    with h.HostileServer(slow_header_seconds=0.3, drip_interval=0.02, max_drip_seconds=3,
                         endless_limit=4 * h.MiB) as s:
        yield s


def test_index_links_every_case(server: h.HostileServer) -> None:
    r = h.raw_get(server.index_url)
    assert r.status == 200 and r.complete
    page = r.body.decode()
    assert "信息公开年报" in page
    for c in server.cases:
        href = server.href(c).replace("&", "&amp;").replace("'", "&#x27;")
        assert f'href="{href}"' in page, c.name
        assert f'title="{c.title}"' in page
        assert c.title.endswith("2023年政府信息公开工作年度报告")
    assert len({c.title for c in server.cases}) == len(server.cases)
    if not server.private_links:
        assert h.PRIVATE_HOST not in page


def _get(server: h.HostileServer, path: str, **kw: object) -> h.RawResponse:
    return h.raw_get(server.url(path), **kw)  # type: ignore[arg-type]


def test_every_served_case_answers_fast(server: h.HostileServer) -> None:
    slow = {"slow_drip_forever", "slow_header_drip", "endless_headers"}
    for c in server.cases:
        if not c.path:
            continue
        t = time.monotonic()
        r = _get(server, c.path, timeout=1.5, max_bytes=64 * h.KiB)
        took = time.monotonic() - t
        if c.name in slow:
            assert r.error == "timeout" or not r.complete, c.name
            continue
        assert took < 1.5, (c.name, took)
        if c.name == "garbage_response":
            assert r.status is None and b"NOT HTTP" in r.head + r.body
        else:
            assert r.status is not None, c.name
    assert not server.violations()


def test_response_details(server: h.HostileServer) -> None:
    gz = _get(server, "/case/gzip_bomb.html", max_bytes=4096)
    assert gz.headers["content-encoding"] == "gzip"
    assert gz.headers["content-length"] == str(h._bomb("gzip").size)
    assert gz.body.startswith(b"\x1f\x8b")
    ch = _get(server, "/case/gzip_bomb_chunked.html", max_bytes=4096)
    assert ch.headers["transfer-encoding"] == "chunked" and "content-length" not in ch.headers

    lie = _get(server, "/case/content_length_lie.html")
    assert lie.complete and int(lie.headers["content-length"]) > len(lie.body) + 100_000
    cut = _get(server, "/case/chunked_cut.html")
    assert cut.complete and b"\r\n4000\r\n" in cut.body and not cut.body.endswith(b"0\r\n\r\n")
    assert _get(server, "/case/empty_200.html").body == b""

    title = server.case("utf16le_bom").title
    u16 = _get(server, "/case/utf16le_bom.html")
    assert u16.body.startswith(b"\xff\xfe") and title in u16.body.decode("utf-16")
    u32 = _get(server, "/case/utf32be_header.html")
    assert "UTF-32BE" in u32.headers["content-type"]
    assert server.case("utf32be_header").title in u32.body.decode("utf-32-be")
    nul = _get(server, "/case/nul_bytes_html.html")
    assert b"\x00" * 1000 in nul.body

    xxe = _get(server, "/case/xhtml_xxe.html").body.decode()
    ctx = server.ctx
    assert f"http://{ctx['alt_host']}:{ctx['alt_host_port']}/case/xhtml_xxe/ext.xml" in xxe
    item = _get(server, "/case/xml_billion_laughs/item.html")
    assert item.status == 200 and server.case("xml_billion_laughs").title in item.body.decode()

    cd = _get(server, "/case/cd_crlf.pdf")
    assert b"Set-Cookie: injected=1" in cd.head and cd.body.startswith(b"%PDF-")
    assert b'filename="report\x00.pdf"' in _get(server, "/case/cd_nul.pdf").head
    assert len(_get(server, "/case/cd_long_filename.pdf").headers["content-disposition"]) > 10_000
    assert _get(server, "/case/pdf_as_html.html").body.startswith(b"%PDF-")

    det = _get(server, "/detail/docx_bomb_lie.html")
    assert det.status == 200 and 'href="/case/docx_bomb_lie.docx"' in det.body.decode()
    assert _get(server, "/case/nope.html").status == 404
    assert _get(server, "/case/gzip_bomb/x.html").status == 404


def test_redirects(server: h.HostileServer) -> None:
    ctx = server.ctx
    loc = {c.name: _get(server, c.path).headers.get("location") for c in server.cases
           if c.kind == "redirect" and c.name != "meta_refresh_offsite"}
    assert loc["redirect_other_host"] == (f"http://{ctx['alt_host']}:{ctx['alt_host_port']}"
                                          "/case/redirect_other_host/target.html")
    assert loc["redirect_other_port"].startswith(f"http://{server.host}:{ctx['alt_port']}/")
    assert loc["redirect_ipv6"].startswith(f"http://[::1]:{ctx['v6_port']}/")
    assert loc["redirect_ssh"] == "http://127.0.0.1:22/"
    assert loc["redirect_file"] == "file:///etc/passwd"
    assert loc["redirect_ftp"].startswith("ftp://")
    assert loc["redirect_no_location"] is None
    assert loc["redirect_loop"] == "/case/redirect_loop/b.html"
    assert _get(server, loc["redirect_loop"]).headers["location"] == "/case/redirect_loop.html"

    path, hops = "/case/redirect_chain_50.html", 0
    while True:
        r = _get(server, path)
        if r.status != 302:
            break
        path, hops = r.headers["location"], hops + 1
    assert hops == 50 and r.status == 200
    assert server.case("redirect_chain_50").title in r.body.decode()
    assert len(server.case_hits("redirect_chain_50")) >= 51
    assert not server.violations()


def test_log_records(server: h.HostileServer) -> None:
    _get(server, "/case/no_length_close.html")
    deadline = time.monotonic() + 5  # the server stamps the end just after the client has it
    while True:  # `requests` is a snapshot: read it again until the end is stamped
        rec = [r for r in server.requests if r.path == "/case/no_length_close.html"][-1]
        if rec.end is not None or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert rec.listener == "primary" and rec.local_host == server.host
    assert rec.local_port == server.port and rec.method == "GET" and rec.status == 200
    assert rec.host_header == f"{server.host}:{server.port}"
    assert rec.end is not None and rec.end >= rec.start and rec.bytes_sent > 1000


def test_traps_log_offscope_requests() -> None:
    with h.HostileServer(private_links=False) as s:
        assert {"primary", "alt_host", "alt_port"} <= set(s.listeners)
        assert s.listeners["alt_host"][1] == s.port  # same port, other host
        for label, (host, port) in s.listeners.items():
            if label in ("primary", "ssh"):
                continue
            hostpart = f"[{host}]" if ":" in host else host
            r = h.raw_get(f"http://{hostpart}:{port}/case/link_other_host.html")
            assert r.status == 200 and h.OFFSCOPE_TITLE in r.body.decode(), label
        # the decimal form of alt_host reaches the same trap
        r = h.raw_get(f"http://{s.ctx['alt_host_int']}:{s.ctx['alt_host_port']}/x")
        assert r.status == 200
        bad = s.violations()
        assert len(bad) == len([x for x in s.listeners if x not in ("primary", "ssh")]) + 1
        assert all(v.startswith("trap ") for v in bad)
        # a loop past its budget is a violation too
        for _ in range(26):
            h.raw_get(s.url("/case/redirect_loop.html"))
        assert any(v.startswith("redirect_loop:") for v in s.violations())


def test_private_links_only_without_a_route() -> None:
    s = h.HostileServer(private_links=False)
    assert all(c.requires != "private" for c in s.cases)
    s = h.HostileServer(private_links=True)
    assert any(c.requires == "private" for c in s.cases)


def test_stop_ends_slow_answers_at_once() -> None:
    s = h.HostileServer(slow_header_seconds=60).start()
    socks = []
    for path in ("/case/slow_drip_forever.html", "/case/slow_header_60s.html",
                 "/case/slow_header_drip.html", "/case/gzip_bomb.html"):
        c = socket.create_connection((s.host, s.port), timeout=5)
        c.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        socks.append(c)
    socks[0].recv(100)
    time.sleep(0.3)
    assert s.active() == 4
    t = time.monotonic()
    s.stop()
    assert time.monotonic() - t < 2.0
    assert s.active() == 0
    assert all(r.end is not None for r in s.requests)
    for c in socks:
        c.close()


def test_slow_header_delays(server: h.HostileServer) -> None:
    t = time.monotonic()
    r = _get(server, "/case/slow_header_60s.html")
    assert r.status == 200 and time.monotonic() - t >= 0.3


# ---- the folder


def test_hostile_folder(tmp_path: Path) -> None:
    t = time.monotonic()
    folder = tmp_path / "in"
    expect = h.hostile_folder(folder)
    assert time.monotonic() - t < 10
    for name in expect:
        assert os.path.lexists(folder / name), name
    sparse = os.stat(folder / "sparse_6gb.pdf")
    assert sparse.st_size == 6 * h.GiB and sparse.st_blocks * 512 < h.MiB
    link = folder / "outside_link.html"
    assert link.is_symlink() and h.OUTSIDE_TITLE in link.read_text(encoding="utf-8")
    assert not link.resolve().is_relative_to(folder.resolve())
    assert (folder / "outside_dir").is_symlink()
    if "fifo.html" in expect:
        assert stat.S_ISFIFO(os.lstat(folder / "fifo.html").st_mode)
    assert (folder / "empty.html").stat().st_size == 0
    assert b"\x00" in (folder / "nul_bytes.html").read_bytes()
    assert (folder / "utf16le_bom.html").read_bytes()[:2] == b"\xff\xfe"
    gbk = [n for n in expect if "_gbk" in n]
    if gbk:
        assert os.fsencode(gbk[0]).startswith("年报".encode("gbk"))
        assert h.FOLDER_TITLES[gbk[0]] in (folder / gbk[0]).read_bytes().decode()
    assert expect["good_report.html"] == "parsed"
    assert {"skipped:symlink", "skipped:oversize", "kept+flag:bomb"} <= set(expect.values())
    total = sum(os.lstat(e.path).st_blocks * 512 for e in os.scandir(folder))
    assert total < 32 * h.MiB  # nothing big on disk
    h.hostile_folder(folder)  # idempotent


# ---- rss_of


ALLOC = "b = bytearray({mb} * 1024 * 1024); import time; time.sleep(0.3)"


def test_rss_of_child_and_grandchild() -> None:
    rc, peak, secs = h.rss_of([sys.executable, "-c", ALLOC.format(mb=200)])
    assert rc == 0 and 190 < peak < 400 and secs < 10
    nested = (f"import subprocess, sys; subprocess.run([sys.executable, '-c', "
              f"{ALLOC.format(mb=150)!r}], check=True)")
    rc, peak, _ = h.rss_of([sys.executable, "-c", nested])
    assert rc == 0 and peak > 140
    rc, _, _ = h.rss_of([sys.executable, "-c", "raise SystemExit(3)"])
    assert rc == 3


def test_rss_of_timeout_kills_the_tree() -> None:
    rc, _, secs = h.rss_of(["sh", "-c", "sleep 30 & sleep 30"], timeout=0.5)
    assert rc == -9 and secs < 5
