"""Mock portals imitating the CMS families county portals run (issue: real portal families).

Each serves the six demo reports under its own URL scheme and list mechanism, so a test
can compare what was archived with what was published, family by family.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from nianbao.demo import AGENCY, NOTICE, REPORTS, _title, page, report_body, report_pdf
from nianbao.portal_server import Files, HttpRequest

HTML = "text/html; charset=utf-8"


def _report_page(year: int, pdf_href: str | None = None) -> bytes:
    rep = next(r for r in REPORTS if r.year == year)
    if pdf_href:
        body = f'<p>全文见附件：<a href="{pdf_href}">{_title(year)}.pdf</a></p>'
    else:
        body = report_body(year)
    return page(_title(year), body, rep.published).encode()


def _li(href: str, title: str, date: str) -> str:
    return f'<li><a href="{href}" title="{title}">{title[:14]}…</a><span>{date}</span></li>'


def _home(link: str) -> Files:
    nav = f'<p><a href="{link}">政务公开</a> <a href="/admin/">管理</a></p>'
    return {"/": (page(AGENCY, nav, column=True).encode(), HTML),
            "/robots.txt": (b"User-agent: *\nDisallow: /admin/\n", "text/plain")}


def hanweb() -> tuple[Files, Callable]:
    """大汉 Hanweb: datastore records in the page, later groups POSTed to dataproxy.jsp,
    articles under /art/, attachments through downfile.jsp with a 302."""
    col = "/col/col1229000002/index.html"
    files = _home("/col/col1229000001/index.html")
    files["/col/col1229000001/index.html"] = (page("政府信息公开", f'<a href="{col}">信息公开年报</a>',
                                                   column=True).encode(), HTML)
    records = []
    for i, rep in enumerate(reversed(REPORTS)):
        y, m, d = (int(x) for x in rep.published.split("-"))
        art = f"/art/{y}/{m}/{d}/art_1229000002_{5500 + i}.html"
        pdf = "/module/download/downfile.jsp?classid=0&filename=2e5f0c1a9b.pdf" if rep.pdf else None
        files[art] = (_report_page(rep.year, pdf), HTML)
        records.append(f"<record><![CDATA[{_li(art, _title(rep.year), rep.published)}]]></record>")
    files["/attach/0/2e5f0c1a9b.pdf"] = (report_pdf(2024), "application/pdf")
    first = "".join(records[:2])
    jpage = ("$(document).ready(function(){ $('#7654321').jpage({ dataStore: dataStore, "
             "perPage: 2, totalRecord: 6, groupSize: 1, barPosition: 'bottom', "
             "proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: {col: 1, appid: 1, "
             "webid: 3001, path: '/', columnid: 1229000002, sourceContentType: 1, "
             "unitid: 7654321, webname: '示范县人民政府', permissiontype: 0}});});")
    body = (f'<div id="7654321"><script type="text/xml"><datastore><nextgroup><![CDATA[]]>'
            f"</nextgroup><recordset>{first}</recordset></datastore></script></div>"
            f"<script type=\"text/javascript\">var dataStore = '';{jpage}</script>")
    files[col] = (page("信息公开年报", body, column=True).encode(), HTML)

    def handle(req: HttpRequest):
        if req.path == "/module/web/jpage/dataproxy.jsp" and req.method == "POST":
            args, form = req.args(), req.form()
            if form.get("columnid") != "1229000002" or form.get("unitid") != "7654321":
                return 200, {"Content-Type": "text/xml"}, b"<datastore></datastore>"
            start, end = int(args["startrecord"]), int(args["endrecord"])
            xml = (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>6</totalrecord>'
                   f"<totalpage>3</totalpage><recordset>{''.join(records[start - 1:end])}"
                   f"</recordset></datastore>")
            return 200, {"Content-Type": "text/xml;charset=UTF-8"}, xml.encode()
        if req.path == "/module/download/downfile.jsp":
            name = req.args().get("filename", "")
            return 302, {"Location": f"/attach/0/{name}", "Content-Type": "text/html"}, b""
        return None

    return files, handle


def xxgk() -> tuple[Files, Callable]:
    """Hanweb 信息公开 variant: a search form POSTed with currpage, 共N页."""
    col = "/col/col1229000003/index.html"
    files = _home(col)
    items = []
    for i, rep in enumerate(reversed(REPORTS)):
        art = f"/art/2025/1/{i + 1}/art_1229000003_{6600 + i}.html"
        pdf = "/attach/0/9a8b7c.pdf" if rep.pdf else None
        files[art] = (_report_page(rep.year, pdf), HTML)
        items.append(f"<tr><td>{_li(art, _title(rep.year), rep.published)}</td></tr>")
    files["/attach/0/9a8b7c.pdf"] = (report_pdf(2024), "application/pdf")

    def listing(n: int) -> bytes:
        form = ('<form action="/module/xxgk/search.jsp" method="post" name="searchform">'
                '<input type="hidden" name="infotypeId" value="A0501"/>'
                '<input type="hidden" name="jdid" value="3001"/>'
                '<input type="hidden" name="area" value="11330100002"/>'
                '<input type="hidden" name="divid" value="div1229000003"/></form>')
        rows = "".join(items[(n - 1) * 2:n * 2])
        return page("信息公开年报", f"{form}<table>{rows}</table><div>共3页 第{n}页</div>",
                    column=True).encode()

    files[col] = (listing(1), HTML)

    def handle(req: HttpRequest):
        if req.path == "/module/xxgk/search.jsp" and req.method == "POST":
            form = req.form()
            if form.get("infotypeId") != "A0501" or form.get("area") != "11330100002":
                return 200, {"Content-Type": HTML}, b"<html></html>"
            return 200, {"Content-Type": HTML}, listing(int(form.get("currpage", 1)))
        return None

    return files, handle


def gkmlpt() -> tuple[Files, Callable]:
    """Guangdong 政府信息公开目录 (gkmlpt): a JSON API per category, paged."""
    files = _home("/gkmlpt/index")
    index = ("<script>window._CONFIG = {SID: '757001', SITE_NAME: '示范县人民政府'};</script>"
             '<ul><li><a href="/gkmlpt/index#2836">政策文件</a></li>'
             '<li><a href="/gkmlpt/index#2837">政府信息公开年报</a></li></ul>')
    files["/gkmlpt/index"] = (page("政府信息公开", index, column=True).encode(), HTML)
    articles = []
    for i, rep in enumerate(reversed(REPORTS)):
        url = f"/gkmlpt/content/2/2837/post_{1000 + i}.html"
        pdf = f"/attachment/0/{500 + i}/{500 + i}.pdf" if rep.pdf else None
        if pdf:
            files[pdf] = (report_pdf(2024), "application/pdf")
        files[url] = (_report_page(rep.year, pdf), HTML)
        articles.append({"id": 1000 + i, "title": _title(rep.year), "url": url,
                         "first_publish_time": rep.published})
    notice = {"id": 999, "title": NOTICE[1], "url": "/gkmlpt/content/2/2837/post_999.html"}

    def handle(req: HttpRequest):
        if req.path.startswith("/gkmlpt/api/all/"):
            args = req.args()
            if args.get("sid") != "757001":
                return 400, {"Content-Type": "application/json"}, b'{"error": "sid"}'
            if not req.path.endswith("/2837"):
                data = {"articles": [notice], "total": 1}
            else:
                n = int(args.get("page", 1))
                data = {"articles": articles[(n - 1) * 2:n * 2], "total": len(articles)}
            return 200, {"Content-Type": "application/json"}, json.dumps(data, ensure_ascii=False).encode()
        return None

    return files, handle


def plain() -> tuple[Files, Callable | None]:
    """A hand-made column: 下一页 links, and year sub-columns (gknb2023/, 2022nb/)."""
    col = "/xxgk/ndbg/"
    files = _home(col + "index.html")
    by_year = {r.year: r for r in REPORTS}
    subs = {2024: "gknb2024/", 2023: "gknb2023/", 2022: "2022nb/"}
    sub_links = "".join(f'<a href="{col}{path}">{year}年</a> ' for year, path in subs.items())
    older = [2021, 2020, 2019]
    pages = [older[:2], older[2:]]
    for n, years in enumerate(pages, start=1):
        name = "index.html" if n == 1 else f"list_{n}.html"
        items = "".join(_li(f"{col}art/{y}.html", _title(y), by_year[y].published) for y in years)
        nxt = f'<a href="{col}list_{n + 1}.html">下一页</a>' if n < len(pages) else "下一页"
        files[col + name] = (page("年度报告", f"<div>{sub_links}</div><ul>{items}</ul>"
                                  f"<div class='page'>{nxt}</div>", column=True).encode(), HTML)
    for year, path in subs.items():
        rep = by_year[year]
        pdf = f"{col}{path}P0{year}.pdf" if rep.pdf else None
        if pdf:
            files[pdf] = (report_pdf(year), "application/pdf")
        files[f"{col}{path}{year}.html"] = (_report_page(year, pdf), HTML)
        files[f"{col}{path}"] = (page(f"{year}年", "<ul>" + _li(f"{year}.html", _title(year), rep.published)
                                      + "</ul>", column=True).encode(), HTML)
    for y in older:
        files[f"{col}art/{y}.html"] = (_report_page(y), HTML)
    return files, None


FAMILIES = {"hanweb": hanweb, "xxgk": xxgk, "gkmlpt": gkmlpt, "plain": plain}
