"""Reading list pages of every CMS family and of none: pure functions, no crawl."""

from __future__ import annotations

import json

import lxml.html
import pytest

from nianbao.crawler import cms
from nianbao.crawler.links import (
    classify_links,
    page_count,
    page_number,
    pages_from_create_page_html,
    pagination,
    simplified,
)

BASE = "http://127.0.0.1/col/col1229/index.html"
TITLE = "某县2023年政府信息公开工作年度报告"


def links(html: str, base: str = BASE) -> dict[str, str]:
    return {link.url: link.kind for link in classify_links(lxml.html.fromstring(html), base)}


# -- generic fallback: titles, Traditional script, pagination -----------------------

def test_traditional_titles_and_pager_read_as_simplified():
    html = ("<ul><li><a href='/a/1.html'>某縣2023年政府資訊公開工作年度報告</a></li>"
            "<li><a href='/a/2.html'>關於做好年度報告工作的通知</a></li></ul>"
            "<a href='index_1.html'>下一頁</a>")
    kinds = links(html)
    assert kinds["http://127.0.0.1/a/1.html"] == "report"
    assert "http://127.0.0.1/a/2.html" not in kinds  # a notice, in Traditional too
    assert kinds["http://127.0.0.1/col/col1229/index_1.html"] == "page"
    assert simplified("年度報告") == "年度报告"


@pytest.mark.parametrize("text", ["下一页", "下一頁", "下页", "尾页", "末页", "›", "»", ">>", "[下一页]"])
def test_pager_link_texts(text):
    assert links(f"<a href='/list/more.html'>{text}</a>")["http://127.0.0.1/list/more.html"] == "page"


@pytest.mark.parametrize("url, base, n", [
    ("http://h/c/index_3.html", "http://h/c/index.html", 3),
    ("http://h/c/index_3.shtml", "http://h/c/", 3),
    ("http://h/c/list_12.shtml", "http://h/c/list_2.shtml", 12),
    ("http://h/c/list.jsp?cid=4&page=5", "http://h/c/list.jsp?cid=4", 5),
    ("http://h/c/list.jsp?cid=4&pageNo=2", "http://h/c/list.jsp?cid=4&pageNo=1", 2),
    ("http://h/c/list.jsp?cid=5&pageNo=2", "http://h/c/list.jsp?cid=4&pageNo=1", None),
    ("http://h/c/202401/t20240101_12.html", "http://h/c/index.html", None),  # an article
    ("http://h/other/index_3.html", "http://h/c/index.html", None),
])
def test_page_numbers_by_url_pattern(url, base, n):
    assert page_number(url, base) == n


@pytest.mark.parametrize("html, n", [
    ("<div>共 12 页</div>", 12),
    ("<span>&nbsp;&nbsp;共<b>7</b>页&nbsp;</span>", 7),
    ("<script>var countPage = 9;</script>", 9),
    ("<div>第1页</div>", None),
])
def test_printed_page_counts(html, n):
    assert page_count(html) == n


def test_page_count_expands_a_numbered_pager():
    html = "<div>共5页 <a href='index_1.html'>2</a> <a href='index_1.html'>下一页</a></div>"
    pages = pagination(lxml.html.fromstring(html), html, "http://h/c/index.html")
    assert pages == ["http://h/c/index_1.html", *(f"http://h/c/index_{n}.html" for n in range(2, 6))]


@pytest.mark.parametrize("script, pages", [
    ('createPageHTML(3, 0, "index", "html");', ["index_1.html", "index_2.html"]),
    ("createPageHTML('page_div', 3, 1, 'index', 'shtml', 52);", ["index_1.shtml", "index_2.shtml"]),
    ("createPageHTML(1, 0, 'index', 'html');", []),
])
def test_trs_create_page_html(script, pages):
    assert pages_from_create_page_html(script) == pages


def test_report_on_another_host_is_a_report_columns_are_not():
    kinds = links(f"<a href='http://dept.example.gov.cn/a/1.html'>县教育局2023年{TITLE[3:]}</a>"
                  "<a href='http://dept.example.gov.cn/xxgk/'>信息公开年报</a>")
    assert kinds == {"http://dept.example.gov.cn/a/1.html": "report"}


# -- Hanweb ---------------------------------------------------------------------

@pytest.mark.parametrize("record", [
    f'<record><![CDATA[<li><a href="/art/2024/1/2/art_1229_1.html" title="{TITLE}">x</a></li>]]></record>',
    f"<record><![CDATA[ <li><a href='/art/2024/1/2/art_1229_1.html'>{TITLE}</a><span>2024-01-02</span></li> ]]></record>",
    f"<record><li><a href=/art/2024/1/2/art_1229_1.html target=_blank><i>[2024-01-02]</i>{TITLE}</a></li></record>",
    f"<record>&lt;li&gt;&lt;a href=\"/art/2024/1/2/art_1229_1.html\"&gt;{TITLE}&lt;/a&gt;&lt;/li&gt;</record>",
    f'<RECORD><![CDATA[<a href="http://127.0.0.1/art/2024/1/2/art_1229_1.html">{TITLE}</a>]]></RECORD>',
])
def test_hanweb_records_in_any_markup(record):
    [(url, title)] = cms.hanweb_records(f"<datastore><recordset>{record}</recordset></datastore>", BASE)
    assert url == "http://127.0.0.1/art/2024/1/2/art_1229_1.html"
    assert TITLE in title


def test_jpage_groups_by_post_and_by_get():
    conf = ("$('#1').jpage({dataStore: dataStore, perPage: 15, totalRecord: 100, groupSize: 3, "
            "proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: {col: 1, columnid: 1229, unitid: 7}});")
    posts = cms.hanweb_groups(f"<script>{conf}</script>", BASE)
    assert [r.url.rsplit("?", 1)[1] for r in posts] == [
        "startrecord=46&endrecord=90&perpage=15", "startrecord=91&endrecord=100&perpage=15"]
    assert posts[0].method == "POST" and posts[0].form == {"col": "1", "columnid": "1229", "unitid": "7"}
    get_conf = conf.replace("dataStore,", "dataStore, type: 'get',")
    gets = cms.hanweb_groups(f"<script>{get_conf}</script>", BASE)
    assert gets[0].method == "GET" and "columnid=1229" in gets[0].url
    fallback = cms.hanweb_get_fallback(posts[0])
    assert fallback.method == "GET" and fallback.url.endswith("perpage=15&col=1&columnid=1229&unitid=7")


def test_jpage_without_a_total_asks_one_group_then_reads_totalrecord():
    [first] = cms.hanweb_groups("<script>$('#1').jpage({perPage: 10, groupSize: 2});</script>", BASE)
    assert first.url.endswith("startrecord=21&endrecord=40&perpage=10")
    more = cms.more_groups("<datastore><totalrecord>75</totalrecord></datastore>", first.url, first.paging)
    assert [r.url.rsplit("?", 1)[1] for r in more] == [
        "startrecord=41&endrecord=60&perpage=10", "startrecord=61&endrecord=75&perpage=10"]
    assert cms.more_groups("<totalrecord>75</totalrecord>", more[0].url, more[0].paging) == []


@pytest.mark.parametrize("answer, problem", [
    ("<?xml version='1.0'?><datastore><recordset></recordset></datastore>", None),
    ("<datastore><recordset><record>", "invalid XML"),
    ("<html>error</html>", "not a datastore"),
    ("", "empty"),
    ('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><datastore>&x;</datastore>', None),
])
def test_hanweb_answers_checked(answer, problem):
    found = cms.xml_problem(answer)
    assert (found is None) if problem is None else (problem in found)


def test_xxgk_search_pages_with_nbsp_count_and_no_form():
    html = ("<script>var infotypeId = 'A0501'; var area = '113301';</script>"
            "<a href='/module/xxgk/search.jsp?divid=div1'>more</a>"
            "<div>&nbsp;&nbsp;共3页&nbsp;</div>")
    reqs = cms.xxgk_pages(html, BASE)
    assert [r.form["currpage"] for r in reqs] == ["2", "3"]
    assert reqs[0].form["infotypeId"] == "A0501" and reqs[0].form["area"] == "113301"
    assert reqs[0].url == "http://127.0.0.1/module/xxgk/search.jsp?divid=div1&currpage=2"


def test_zhejiang_annual_report_module():
    html = ("<select id='year'><option value='2023'>2023</option><option value='2022'>2022</option></select>"
            "<script>var url = '/module/xxgk/xxgkAnnualReport.jsp?area=330102000000';</script>")
    assert [r.url for r in cms.annual_report_module(html, BASE)] == [
        f"http://127.0.0.1/module/xxgk/xxgkAnnualReport.jsp?area=330102000000&fbtime={y}" for y in (2022, 2023)]
    years = cms.annual_report_module("<a href='/module/xxgk/xxgkAnnualReport.jsp?area=9'>年报</a>",
                                     BASE, this_year=2010)
    assert [r.url[-4:] for r in years] == ["2008", "2009", "2010"]


# -- gkmlpt and JSON lists ----------------------------------------------------------

def test_gkmlpt_category_found_by_name_in_config_tree():
    tree = [{"id": 2836, "name": "政策文件", "children": []},
            {"id": 100, "name": "其他", "children": [{"id": 2837, "name": "政府信息公開年報", "post_count": 6}]}]
    html = (f"<script>window._CONFIG = {{SID: '757001', TREE: {json.dumps(tree, ensure_ascii=False)}, "
            "SERVICE_AREA_ID: 1}};</script>")
    [req] = cms.gkmlpt_api(html, "http://127.0.0.1/yjzjj/gkmlpt/index")
    assert req.url == "http://127.0.0.1/yjzjj/gkmlpt/api/all/2837?page=1&sid=757001"
    js_tree = "<script>window._CONFIG = {SID: '5', TREE: [{id: 9, name: '年报', children: []}]};</script>"
    assert cms.gkmlpt_api(js_tree, "http://h/gkmlpt/index")[0].url == "http://h/gkmlpt/api/all/9?page=1&sid=5"


def test_json_list_links_and_pages():
    answer = {"code": 0, "data": {"list": [{"title": TITLE, "post_url": "/c/post_1.html"},
                                           {"docTitle": "通知", "link": "/c/post_2.html"}],
                                  "total": 95, "pageSize": 10}}
    assert cms.json_links(answer, BASE) == [("http://127.0.0.1/c/post_1.html", TITLE),
                                            ("http://127.0.0.1/c/post_2.html", "通知")]
    assert cms.json_page_total(answer, 2) == 10
    assert cms.json_page_total({"rows": [], "pagecount": 4, "pageCount": 4}, 0) == 4
    paging = {"key": "pageNo", "in": "query"}
    assert cms.is_first_page("http://h/api/list?pageNo=1&pageSize=10", {}, paging)
    pages = cms.next_json_pages("http://h/api/list?pageNo=1&pageSize=10", "GET", {}, paging, 3)
    assert [p.url for p in pages] == ["http://h/api/list?pageNo=2&pageSize=10",
                                      "http://h/api/list?pageNo=3&pageSize=10"]


@pytest.mark.parametrize("body", ["{not json", "<html>500</html>", ""])
def test_bad_json_raises_badlist(body):
    with pytest.raises(cms.BadList):
        cms.load_json(body)


def test_jsonp_is_read():
    assert cms.load_json('cb({"a": 1});') == {"a": 1}


@pytest.mark.parametrize("script, url, method, form", [
    ("$.ajax({url: '/api/report/list', type: 'get', data: {pageNo: 1, pageSize: 10, cid: 'nb'}})",
     "http://127.0.0.1/api/report/list?pageNo=1&pageSize=10&cid=nb", "GET", {}),
    ("$.post('/api/list.do', {page: 1, rows: 20, channel: 7}, render);",
     "http://127.0.0.1/api/list.do", "POST", {"page": "1", "rows": "20", "channel": "7"}),
    ("fetch('/open/api/nb?current=1&size=15').then(r => r.json())",
     "http://127.0.0.1/open/api/nb?current=1&size=15", "GET", {}),
])
def test_inline_script_json_endpoints(script, url, method, form):
    [req] = cms.script_endpoints(f"<html><script>{script}</script></html>", BASE)
    assert (req.url, req.method, req.form, req.kind) == (url, method, form, "api")


@pytest.mark.parametrize("call", [
    "$.getJSON('/api/list?categoryId=' + channelId + '&pageIndex=' + page + '&pageSize=3', f);",
    "fetch(`/api/list?categoryId=${channelId}&pageIndex=${page}&pageSize=3`).then(r => r.json());",
])
def test_endpoints_built_from_script_variables(call):
    html = f"<script>var channelId = '1925';\nfunction load(page) {{ {call} }}\nload(1);</script>"
    [req] = cms.script_endpoints(html, BASE)
    assert req.url == "http://127.0.0.1/api/list?categoryId=1925&pageIndex=1&pageSize=3"


def test_scripts_without_a_page_parameter_are_not_endpoints():
    html = "<script>$.get('/api/visits', {id: 3}); var x = 'page.js';</script>"
    assert cms.script_endpoints(html, BASE) == []


@pytest.mark.slow
def test_endless_lists_and_bad_answers_bounded_and_reported(run_cli):
    """A list that pages forever, one that claims 10,000 pages, an API answering broken
    JSON and a proxy answering broken XML: bounded, reported, and the crawl goes on."""
    from nianbao.portal_server import PortalServer

    html = "text/html; charset=utf-8"
    script = ("<script>$.ajax({url: '/api/list', data: {pageNo: 1, pageSize: 10}});"
              "$('#1').jpage({perPage: 2, totalRecord: 10, groupSize: 1, "
              "proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: {col: 1}});</script>")
    files = {
        "/": (f"<html><body><a href='/forever/list_1.html'>信息公开年报</a>"
              f"<a href='/claims/index.html'>年度报告</a>{script}"
              f"<a href='/ok.html'>{TITLE}</a></body></html>".encode(), html),
        "/ok.html": (f"<html><h1>{TITLE}</h1></html>".encode(), html),
        "/claims/index.html": ("<html>共10000页 <a href='index_1.html'>下一页</a>"
                               f"<a href='/ok.html'>{TITLE}</a></html>".encode(), html),
    }

    def handler(req):
        if req.path.startswith("/forever/list_"):
            n = int(req.path.rsplit("_", 1)[1].split(".")[0])
            body = (f"<html><a href='list_{n + 1}.html'>下一页</a>"
                    f"<a href='/r/{n}.html'>某县{2000 + n % 20}年政府信息公开工作年度报告</a></html>")
            return 200, {"Content-Type": html}, body.encode()
        if req.path.startswith("/claims/index_"):
            return 200, {"Content-Type": html}, "<html>共10000页</html>".encode()
        if req.path == "/api/list":
            return 200, {"Content-Type": "application/json"}, b'{"data": [{"title": "x"'
        if req.path.endswith("dataproxy.jsp"):
            return 200, {"Content-Type": "text/xml"}, b"<datastore><recordset><record>"
        return None

    with PortalServer(files, host="127.0.0.26", handler=handler) as portal:
        result = run_cli("crawl", "--start-url", portal.url + "/", "-s", "DOWNLOAD_DELAY=0",
                         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "NIANBAO_MAX_LIST_PAGES=15",
                         "-s", "NIANBAO_INGEST=False", timeout=120)
        paths = portal.paths()
    assert result.returncode == 0, result.stderr
    assert sum(p.startswith("/forever/") for p in paths) <= 16  # capped per column
    assert sum(p.startswith("/claims/index_") for p in paths) <= 5  # empty pages end the walk
    assert "/ok.html" in paths
    assert "list pages capped" in result.stderr
    assert result.stderr.count("bad list answer") >= 2  # the JSON and the XML


# -- title recognition: cut-short titles, the forms' vocabulary, list dates --------------

@pytest.mark.parametrize("text, date, strict, expected", [
    ("某县2023年政府信息…", None, False, True),
    ("2022年湖南省人民政府工作报...", (2023, 4, 15), False, False),   # 政府工作报告
    ("某县审计局2022年度部门整体支...", (2023, 1, 21), False, False),  # 绩效自评报告
    ("溪西县2022年政务公开工作要……", (2022, 6, 20), False, False),     # 工作要点
    ("江西省2023年政务公开…", (2023, 5, 7), False, False),              # its own year: a plan
    ("四川省退役军人事务局2020年度…", (2021, 6, 18), False, False),     # long after reports
    ("四川省住房和城乡建设厅2021年…", (2022, 3, 19), False, True),
    ("丰庆市嘉永街道办事处关于2023年政府...", (2024, 3, 18), True, True),
    ("丰庆市泰福乡人民政府2023年...", (2024, 1, 28), True, True),
    ("庆云县人力资源和社会保障局政府……", (2024, 2, 2), True, True),
    ("嘉永市2023年重点民生实事项...", (2023, 11, 16), True, False),
])
def test_cut_short_titles_read_by_their_end_and_date(text, date, strict, expected):
    from nianbao.crawler.links import cut_short_report

    assert cut_short_report(text, strict=strict, date=date) is expected


def test_title_attribute_beats_a_text_the_dots_make_longer():
    html = ('<ul><li><a href="/a/1.html" title="2023年某县人民政府工作报告">2023年某县人民政府工作报...</a>'
            '<em>2024/04/15</em></li></ul>')
    assert links(html) == {}


def test_json_items_with_only_an_id_built_from_the_pages_template():
    page = """<script>var cfg = {detailUrl: '/xxgk/content.jsp?id={docId}'};
    $.ajax({url: '/api/list', data: {pageNo: 1, pageSize: 10}, success: render});</script>"""
    [request] = cms.script_endpoints(page, BASE)
    answer = {"data": [{"docId": 118367, "title": TITLE}, {"docId": 2, "title": "某县通知"}]}
    found = cms.json_links(answer, BASE, request.paging["detail"])
    assert ("http://127.0.0.1/xxgk/content.jsp?id=118367", TITLE) in found
    assert cms.json_links(answer, BASE) == []  # no template: nothing to build
