"""Self-test of the portal generator and the logging loopback server (plain urllib only)."""

from __future__ import annotations

import html
import json
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import pytest

from .portals import (
    FAMILIES,
    Portal,
    generate,
    make_docx,
    make_pdf,
    normalize_url,
    relurl,
    to_traditional,
)
from .server import PortalField

FAST = (0.0005, 0.002)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, method: str = "GET", body: str = "",
          headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    data = body.encode() if method == "POST" else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if method == "POST":
        ctype = "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
        req.add_header("Content-Type", ctype)
    try:
        with _OPENER.open(req, timeout=10) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def follow(url: str, method: str = "GET", body: str = "") -> tuple[int, bytes, dict[str, str]]:
    status, content, headers = fetch(url, method, body)
    hops = 0
    while status in (301, 302) and hops < 5:
        url = urllib.parse.urljoin(url, headers["Location"])
        status, content, headers = fetch(url)
        hops += 1
    return status, content, headers


def host_of(url: str) -> str:
    return urllib.parse.urlsplit(url).hostname or ""


def check_routes(portal: Portal) -> list[str]:
    """Walk the route to every report; return what went wrong."""
    problems: list[str] = []
    cache: dict[tuple[str, str, str], tuple[int, bytes, dict[str, str]]] = {}

    def get(method: str, url: str, body: str) -> tuple[int, bytes, dict[str, str]]:
        key = (method, url, body)
        if key not in cache:
            result = follow(url, method, body)
            if result[0] == 200 and "json" in result[2].get("Content-Type", ""):
                try:
                    json.loads(result[1])
                except ValueError:  # the hostile "invalid JSON once": ask again
                    result = follow(url, method, body)
            cache[key] = result
        return cache[key]

    for report in sorted(portal.reports):
        previous: tuple[bytes, str] | None = None
        steps = portal.trail(report)
        assert normalize_url(steps[0][1]) == normalize_url(portal.homepage)
        for method, url, body, needle in steps:
            path = urllib.parse.urlsplit(url).path
            if host_of(url) in (portal.host, *portal.extra_hosts):
                assert not any(path.startswith(p) for p in portal.disallowed), url
            else:
                problems.append(f"route leaves scope: {url}")
            if previous is not None and needle:
                content, enc = previous
                if needle.encode(enc, "xmlcharrefreplace") not in content:
                    problems.append(f"{url}: evidence {needle!r} missing from the page before")
                    break
            status, content, _ = get(method, url, body)
            if status != 200:
                problems.append(f"{method} {url} -> {status}")
                break
            previous = (content, portal.encodings.get(host_of(url), "utf-8"))
        else:
            assert previous is not None
            content, enc = previous
            if content.startswith(b"%PDF") or content.startswith(b"PK"):
                continue
            text = html.unescape(content.decode(enc, "replace"))
            if portal.report_titles[report] not in text:
                problems.append(f"{report}: title not on the page")
    return problems


def hosts_for(n: int, base: int = 40) -> list[str]:
    return [f"127.0.{base + i // 200}.{i % 200 + 1}" for i in range(n)]


# --------------------------------------------------------------------------- pure generator


def test_families() -> None:
    assert len(FAMILIES) == 10
    assert len(set(FAMILIES)) == 10


@pytest.mark.parametrize("family", FAMILIES)
def test_generation_is_deterministic_and_varied(family: str) -> None:
    signatures = set()
    for seed in range(10):
        a = generate(family, seed, "127.0.9.1")
        b = generate(family, seed, "127.0.9.1")
        assert a.reports == b.reports and a.distractors == b.distractors
        assert a.report_titles == b.report_titles and a.features == b.features
        assert 5 <= len(a.reports) <= 60, (seed, len(a.reports))
        assert a.distractors and not (a.distractors & a.reports)
        assert set(a.report_alternatives) <= a.reports
        assert a.disallowed and any(p in ("/admin/", "/search/") for p in a.disallowed)
        assert any(u.startswith("http://127.") for u in a.out_of_scope)
        assert any(u.startswith(("mailto:", "javascript:")) for u in a.out_of_scope)
        assert all(t for t in a.report_titles.values())
        assert a.homepage.startswith("http://127.0.9.1:")
        signatures.add((len(a.reports), tuple(sorted(a.features))))
    assert len(signatures) >= 8


def test_same_seed_other_host_same_structure() -> None:
    a = generate("hanweb", 3, "127.0.9.1")
    b = generate("hanweb", 3, "127.0.9.2")
    assert a.reports == b.reports and a.report_titles == b.report_titles


def test_bad_host_is_refused() -> None:
    with pytest.raises(ValueError):
        generate("trs", 1, "10.0.0.1")
    with pytest.raises(ValueError):
        generate("nope", 1, "127.0.0.1")


def test_relurl_roundtrip() -> None:
    rng = random.Random(5)
    segs = ["a", "b", "zwgk", "col", "202401", "nb"]
    for _ in range(500):
        cur = "/" + "/".join(rng.choices(segs, k=rng.randint(0, 3)))
        cur += rng.choice(["/", "/index.html", ""]) if cur != "/" else ""
        target = "/" + "/".join(rng.choices(segs, k=rng.randint(0, 3)))
        target += rng.choice(["/", "/t1.html", "/x.jsp?id=3&b=2"]) if target != "/" else ""
        base = "http://h" + cur
        for dot in (False, True):
            assert urllib.parse.urljoin(base, relurl(cur, target, dot)) == "http://h" + target


def test_files_and_traditional() -> None:
    pdf = make_pdf("某县2023年政府信息公开工作年度报告", ["一、总体情况。"])
    assert pdf.startswith(b"%PDF-1.4") and b"startxref" in pdf and b"UniGB-UCS2-H" in pdf
    docx = make_docx("某县2023年政府信息公开工作年度报告", ["正文"])
    with zipfile.ZipFile(BytesIO(docx)) as zf:
        assert "年度报告" in zf.read("word/document.xml").decode("utf-8")
    assert to_traditional("政府信息公开工作年度报告") == "政府信息公開工作年度報告"
    assert to_traditional("下一页") == "下一頁"


def test_hostile_switch() -> None:
    calm = [generate(f, s, "127.0.9.1", hostile=False) for f in FAMILIES for s in range(5)]
    assert not any("hostile" in p.features for p in calm)
    wild = {f: generate(f, 1, "127.0.9.1", hostile=True) for f in FAMILIES}
    assert "invalid_json_once" in wild["json_list"].features | generate(
        "json_list", 2, "127.0.9.1", hostile=True).features


# --------------------------------------------------------------------------- served


@pytest.fixture(scope="module")
def field() -> Iterator[PortalField]:
    portals = [generate(f, s, h) for (f, s), h in zip(
        [(f, s) for f in FAMILIES for s in (0, 1, 7)], hosts_for(30), strict=True)]
    with PortalField(portals, latency=FAST) as f:
        yield f


def test_every_report_is_reachable(field: PortalField) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(check_routes, field.portals))
    problems = [f"{p.family}:{p.seed}: {msg}" for p, probs in zip(field.portals, results,
                                                                  strict=True) for msg in probs]
    assert not problems, "\n".join(problems[:20])
    assert not field.robots_violations()
    assert not field.out_of_scope_requests()


def test_robots_and_homepage(field: PortalField) -> None:
    for portal in field.portals:
        status, body, headers = fetch(portal.absolute("/robots.txt"))
        assert status == 200
        text = body.decode()
        for prefix in portal.disallowed:
            assert f"Disallow: {prefix}" in text
        assert ("Crawl-delay" in text) == (portal.crawl_delay is not None)
        status, body, headers = follow(portal.homepage)
        assert status == 200 and b"<html" in body.lower()


def test_encodings_follow_the_style(field: PortalField) -> None:
    for portal in field.portals:
        status, body, headers = follow(portal.homepage)
        enc = portal.encodings[portal.host]
        body.decode(enc)  # decodes cleanly in the declared codec
        ctype = headers.get("Content-Type", "")
        if "gbk_undeclared" in portal.features:
            assert "charset" not in ctype


def test_out_of_scope_and_robots_are_logged(field: PortalField) -> None:
    portal = field.portals[0]
    before_oos = len(field.out_of_scope_requests())
    before_rob = len(field.robots_violations())
    trap = f"http://{portal.trap_hosts[0]}:{portal.ports[portal.trap_hosts[0]]}/"
    assert fetch(trap)[0] == 200
    assert fetch(f"http://{portal.host}:{portal.alt_port}/")[0] == 200
    assert fetch(portal.absolute(portal.disallowed[0] + "x"))[0] == 200
    # a request is logged when its answer ends, which can be just after the client has it
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (
            len(field.out_of_scope_requests()) < before_oos + 2
            or len(field.robots_violations()) < before_rob + 1):
        time.sleep(0.05)
    assert len(field.out_of_scope_requests()) == before_oos + 2
    violations = field.robots_violations()
    assert len(violations) == before_rob + 1
    assert violations[-1]["path"].startswith(portal.disallowed[0])
    roles = {e["role"] for e in field.out_of_scope_requests()}
    assert roles == {"trap", "alt"}


def test_overlaps_and_gaps_are_measured() -> None:
    portals = [generate("trs", 2, "127.0.41.1"), generate("generic", 2, "127.0.41.2")]
    with PortalField(portals) as f:
        a, b = portals
        barrier = threading.Barrier(6)

        def hit(i: int) -> None:
            barrier.wait()
            fetch(a.absolute(f"/robots.txt?i={i}"))

        threads = [threading.Thread(target=hit, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for _ in range(3):
            fetch(b.absolute("/robots.txt"))
        inflight = f.max_in_flight_per_host()
        gaps = f.min_gap_per_host()
        assert inflight[a.host] >= 2
        assert gaps[a.host] < 0
        assert inflight[b.host] == 1 and gaps[b.host] >= 0
        for e in f.log:
            assert 0.004 <= e["end"] - e["start"] < 1.0
            assert {"host", "method", "path", "query", "start", "end", "status"} <= set(e)


def test_family_mechanics() -> None:
    portals = [generate("hanweb", 1, "127.0.42.1"),
               generate("gkmlpt", 1, "127.0.42.2", hostile=True),
               generate("handmade", 1, "127.0.42.3", hostile=True),
               generate("json_list", 1, "127.0.42.4")]
    hanweb, gk, hand, js = portals
    with PortalField(portals, latency=FAST):
        # Hanweb dataproxy: POST form with startrecord/endrecord, GET with page, caps, columnid
        page = follow(hanweb.homepage)[1].decode(hanweb.encodings[hanweb.host])
        assert "<datastore>" not in page  # the homepage is not a column
        proxy = hanweb.absolute("/module/web/jpage/dataproxy.jsp")
        trail = next(t for t in map(hanweb.trail, sorted(hanweb.reports))
                     if any("dataproxy.jsp" in s[1] for s in t))
        column = [s for s in trail if "/col/col" in s[1]][-1]
        colid = column[1].split("/col/col")[1].split("/")[0]
        body = f"col=1&appid=1&webid=1&path=%2F&columnid={colid}&permissiontype=0"
        s1, xml1, _ = fetch(proxy + "?startrecord=1&endrecord=3&perpage=3", "POST", body)
        assert s1 == 200 and xml1.count(b"<record>") == 3 and b"<recordset>" in xml1
        s2, xml2, _ = fetch(proxy + f"?page=1&perpage=2&columnid={colid}")
        assert xml2.count(b"<record>") == 2
        s3, xml3, _ = fetch(proxy + "?startrecord=1&endrecord=1000&perpage=1000", "POST", body)
        assert xml3.count(b"<record>") <= 300
        assert fetch(proxy + "?startrecord=1&endrecord=9", "POST", "columnid=1")[1].count(
            b"<record>") == 0
        # gkmlpt: invalid JSON exactly once, wrong sid gives nothing
        if "invalid_json_once" in gk.features:
            api = next(s[1] for r in gk.reports for s in gk.trail(r) if "page=2" in s[1])
            with pytest.raises(ValueError):
                json.loads(fetch(api)[1])
            assert json.loads(fetch(api)[1])["articles"]
            gk.bind(dict(gk.ports), gk.alt_port)  # a new binding: the bad answer comes again
            with pytest.raises(ValueError):
                json.loads(fetch(api)[1])
        shell = fetch(gk.absolute("/gkmlpt/index"))[1].decode()
        assert "window._CONFIG" in shell and "TREE" in shell
        api0 = next(s[1] for r in gk.reports for s in gk.trail(r) if "page=1" in s[1])
        wrong = json.loads(fetch(api0.replace("sid=", "sid=9"))[1])
        assert wrong["articles"] == []
        # handmade clamp loop: pages past the end keep offering a next page
        if "pagination_loop" in hand.features:
            first = next(s[1] for r in hand.reports for s in hand.trail(r) if "page=2" in s[1])
            far = first.replace("page=2", "page=999")
            status, content, _ = fetch(far)
            assert status == 200 and b"page=1000" in content
        # json_list: the endpoint named in the inline script answers JSON
        api_step = next(s for r in js.reports for s in js.trail(r) if s[0] == "POST" or "?" in s[1]
                        and "id=" not in s[1])
        status, content, headers = fetch(api_step[1], api_step[0], api_step[2])
        assert status == 200 and "json" in headers["Content-Type"]
        json.loads(content)


def test_distinct_ports_and_extra_hosts() -> None:
    portals = [generate("provincial", 3, "127.0.43.1"), generate("json_list", 4, "127.0.43.2")]
    with PortalField(portals, same_port=False, latency=FAST) as f:
        ports = {port for _, port, role in f.endpoints if role in ("main", "extra")}
        assert len(ports) > 1
        for portal in portals:
            assert portal.extra_hosts or portal.family != "provincial"
            assert not check_routes(portal)
            assert all(f"{h}:{portal.ports[h]}" in portal.homepage or h != portal.host
                       for h in portal.ports)
        assert not f.out_of_scope_requests() and not f.robots_violations()


def test_file_server_variant() -> None:
    portal = next(p for p in (generate(f, s, "127.0.44.1") for f in ("json_list", "handmade")
                              for s in range(20)) if "file_server_host" in p.features)
    assert portal.extra_hosts
    with PortalField([portal], latency=FAST) as f:
        assert not check_routes(portal)
        hosts = {e["host"] for e in f.log}
    assert set(portal.extra_hosts) & hosts or not any(
        portal.extra_hosts[0] in u for u in portal.expected())
