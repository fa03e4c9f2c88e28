"""Seeded, randomised imitation Chinese government portals for measuring a crawler.

``generate(family, seed, host)`` returns a :class:`Portal`: a request handler that serves a
whole county/city/province site on a loopback IP, plus the ground truth (which URLs *are*
政府信息公开工作年度报告, which only look like one, which must never be fetched).
:mod:`tests.generators.server` serves many of them at once and logs every request.

The generator is written without looking at the project's crawler or parsers.  Its
behaviour is modelled on how real portals work, as found with the ``search`` tool over
public code, pages and issues (excerpts below are paraphrased, ids are ``find_string`` /
``read_file`` ids of the stored files):

* **TRS WCM** — list pages are ``index.html``, ``index_1.html`` … with the pager drawn by
  ``createPageHTML(countPage, currentPage, "index", "html")``; a budget-report scraper
  (id 53107725130) reads ``createPageHTML\\s*\\(\\s*(\\d+)`` and ``countPage``/``pageCount``
  variables and then requests ``index_N.html``/``index_N.shtml``; it also lists pager link
  texts 尾页/末页/下一页/>>/›/» and ``?page=N``, ``/N.html``, ``column-index-N.shtml`` styles.
  TRS pages carry ``<meta name="ColumnName">``, ``SiteName``, ``ArticleTitle``, ``PubDate``
  (an nmpa.gov.cn page quoted in a public repo), articles ``./202402/t20240206_123456.html``
  and attachments ``./P020240206….pdf`` next to the article.
* **Hanweb / 大汉 JCMS** — column pages ``/col/col{id}/index.html`` embed the first group as
  ``<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="…dataproxy.jsp?page=1
  &webid=…&path=/&columnid=…&unitid=…&webname=…&permissiontype=0"></a>]]></nextgroup>
  <recordset><record><![CDATA[<li>…]]></record>…`` (jiangsu spider id 4912194562 POSTs
  ``col=1&appid=1&webid=39&path=%2F&columnid=61490&sourceContentType=1&unitid=247686
  &webname=…&permissiontype=0`` to ``dataproxy.jsp?startrecord=1&endrecord=58&perpage=20``;
  RSSHub's cau route (id 16949888) GETs it with ``page=1&appid=1&webid=…&columnid=…``;
  a Jiangsu collector (id 70917371947) notes some servers only honour ``page`` and cap
  ``perpage`` near 300, and that ``<a>`` markup varies: href first/title first, single or
  double quotes, no ``title`` at all with ``…``-truncated text).  Articles
  ``/art/2026/6/25/art_155_12490.html`` (zjzs test, id 55465448247) delimit the body with
  ``<meta name="ContentStart">``/``<meta name="ContentEnd">`` (id 4912194562) and link files
  as ``/module/download/downfile.jsp?classid=0&showname=….pdf&filename=<hex>.pdf`` (many
  gov.cn citations, id 39797552505, 60394472849); files also live under ``/attach/-1/``.
* **Hanweb 信息公开 module** — ``/module/xxgk/search.jsp`` answers POST or GET with
  ``infotypeId, jdid, area, divid, vc_title, currpage, sortfield, texttype, fbtime``
  (hangzhou/zj spiders ids 5075109268, 20351647391, 41541037643; harbin RSSHub route id
  229290737 reads rows ``.tr_main_value_odd``), prints ``&nbsp;&nbsp;共N页&nbsp;``
  (id 36157233501), is *not* filtered by column (id 70917371947) and the column page refers
  to ``/module/xxgk/tree.jsp?area=…``.
* **Guangdong gkmlpt** — ``/gkmlpt/index`` is an SPA shell with ``window._CONFIG =
  {SID: '…', TREE: […], SERVICE_AREA_ID…}`` (crawler id 53841118824 parses ``SID:\\s*'(\\d+)'``
  and a nested TREE with ``children``/``jump_url``/``post_count``); lists come from
  ``/gkmlpt/api/all/{catId}?page=N&sid=…`` returning ``{"total", "articles": [{"id", "title",
  "url", "post_url", "created_at", "attachment"…}], "classify": {"post_count"}}`` (ids
  9642431354, 60559084274); the endpoint was found in ``/gkmlpt/gkml/pc/js/chunk-common.*.js``
  (id 54108359337); ``page=0`` also works, one site answers only one page (id 56358377291);
  content pages ``/gkmlpt/content/0/963/post_963149.html`` link
  ``<a class="nfw-cms-attachment" href="/attachment/0/88/88389/963149.pdf">``.
* **Zhejiang 年报 module** ``/module/xxgk/xxgkAnnualReport.jsp?area=…&fbtime=YYYY`` — no
  public copy was found (``find_string`` returned nothing); it is modelled on the brief and
  on the sibling ``search.jsp`` conventions (``area``, ``fbtime``, ``currpage``).
* **JSON lists** — inline scripts call ``/api/...`` with ``pageNo``/``pageSize`` (zhuhai test,
  id 60559084274), ``pagenum``/``pagesize`` answered by ``data.list`` + ``pagecount``
  (jszx notebook), ``rows`` + ``total`` / ``totalProperty`` (asp/ashx samples), ``records``
  (RUI sample), ``paramJson={"pageNo":…}`` (jpaas, id 70917371947).

Everything is deterministic in ``(family, seed)``; the loopback ``host`` only names where
it is served.  URLs stored before :meth:`Portal.bind` contain ``@@h:IP@@`` tokens for
"http://IP:PORT" (the server fills the ports).

Families (``FAMILIES``) and what varies per seed
-------------------------------------------------
Common to all: homepage → 政务公开/政府信息公开 → columns → the 年报 column (sometimes named
only by ``<meta name="ColumnName">``, the link reading "更多>>"); nav menus, news, other
columns holding the distractors; quoting ``"``/``'``/none; relative (``./`` or not), root,
absolute or protocol-relative URLs; date in ``<span>``/``<i>``/``<em>``/text/（…）;
``title=`` or not, list text cut with ``…``; ul/table/dl/div lists; UTF-8 or GBK, charset in
``<meta charset>``, ``http-equiv`` or neither, in the header or not; 5–40 reports over 2–10
list pages, some only as PDF/DOCX attachments; a few Traditional titles; robots.txt
``Disallow`` (/admin/, /search/, /manage/, /cms/) with links into it, sometimes
``Crawl-delay: 1``; footer links to another county (trap IP), the same IP on another port,
``[::1]``, ``mailto:``, ``javascript:``.

1. ``trs`` — ``createPageHTML`` in four argument forms, ``index_N.{html,shtml,htm}``,
   optional ``<noscript>`` pager, year sub-columns ``2023n/``, ``./P0….pdf`` with ``OLDSRC``.
2. ``hanweb`` — jpage ``<datastore>`` first group, later groups only from ``dataproxy.jsp``
   (POST form or GET; ``startrecord``/``endrecord``/``perpage`` or ``page``; ≤300 a call),
   4 record markups, year sub-columns, ``downfile.jsp`` → 302 → ``/attach/…``.
3. ``hanweb_xxgk`` — ``search.jsp`` via iframe, inline ``$.ajax`` POST or a link; pager as
   ``searchsubmit(k)`` only or with ``currpage`` hrefs; unfiltered without ``infotypeId``.
4. ``gkmlpt`` — SPA shell, ``SID`` quoted ``'``/``"``/not, nested TREE (年报 at depth 2–3),
   ``#catId`` links, JSON API paging, ``window._CONFIG.DETAIL`` on some content pages.
5. ``zhejiang_annual`` — ``xxgkAnnualReport.jsp?area=&fbtime=`` by ``<select>``, links or both;
   ``currpage`` within a year; default page empty or the latest year.
6. ``json_list`` — GET/POST form/POST JSON, ``pageNo``/``page``/``current``/``pageIndex``,
   ``data.list``/``rows``/``data.records``/``result.items``, url fields
   ``url``/``docUrl``/``link``/``path`` (root, absolute or page-relative), POST-only 405s.
7. ``handmade`` — ``index_N``/``list_N``/``?page=N``/``index.htm?page=N``; 下一页/下页/›/>;
   year sub-columns ``gknb2023/``/``2023nb/``; a cycle back to page 1.
8. ``mirror_traditional`` — Traditional script, several counties, UTF-8 or Big5,
   ``index_N.html`` starting at 1 or 2, 上一頁/下一頁/尾頁.
9. ``provincial`` — own reports plus departments' sites on ``extra_hosts`` (linked to their
   list or straight to reports) and city portals on trap hosts.
10. ``generic`` — frameset, meta-refresh or plain home; uppercase tags; reports mixed into
    an unnamed column (recognisable by title only); ``?page=N`` or only "共N页" printed
    with ``list_N.htm``; ``show.asp?id=``/``view.jsp?id=``/``/html/…`` articles.

Hostile extras (``hostile=True``, or about a third of seeds; see ``HOSTILE_FEATURES``):
10,000 printed pages (trs, hanweb_xxgk, handmade), an endless ``?page=N`` clamp loop
(handmade), invalid JSON once per binding (gkmlpt, json_list), GBK declared nowhere, links
only in ``onclick`` (generic).  ``Portal.features`` lists what a portal has.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import math
import posixpath
import random
import re
import threading
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "FAMILIES",
    "HOSTILE_FEATURES",
    "Portal",
    "Request",
    "Response",
    "Step",
    "extra_host",
    "generate",
    "normalize_url",
    "to_traditional",
    "trap_host",
]

FAMILIES: list[str] = [
    "trs",
    "hanweb",
    "hanweb_xxgk",
    "gkmlpt",
    "zhejiang_annual",
    "json_list",
    "handmade",
    "mirror_traditional",
    "provincial",
    "generic",
]

# --------------------------------------------------------------------------- HTTP types


@dataclass
class Request:
    """One HTTP request as the portal handler sees it."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    host: str = "127.0.0.1"
    port: int = 0

    def header(self, name: str) -> str:
        low = name.lower()
        for k, v in self.headers.items():
            if k.lower() == low:
                return v
        return ""

    def params(self) -> dict[str, str]:
        """Query string merged with an urlencoded or JSON body (the body wins)."""
        out = dict(urllib.parse.parse_qsl(self.query, keep_blank_values=True))
        if not self.body:
            return out
        text = self.body.decode("utf-8", "replace")
        if "json" in self.header("content-type") or text.lstrip().startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            if isinstance(data, dict):
                out.update({str(k): str(v) for k, v in data.items()})
                return out
        out.update(dict(urllib.parse.parse_qsl(text, keep_blank_values=True)))
        return out


@dataclass
class Response:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


#: One step of a route from the homepage: (method, absolute URL, body, needle).  The
#: response to the *previous* step contains ``needle`` (the evidence of this step).
Step = tuple[str, str, str, str]
_Node = tuple[str, str, str, str]  # (method, host, target, body) before binding

_TOKEN = re.compile(r"@@([hpa]):([0-9.]+)@@|@@v6@@")


def extra_host(host: str, k: int) -> str:
    """The k-th in-scope extra loopback host of a portal served on ``host``."""
    _, _, c, d = _octets(host)
    return f"127.{200 + k}.{c}.{d}"


def trap_host(host: str, k: int = 0) -> str:
    """The k-th out-of-scope loopback host ("another county") of a portal on ``host``."""
    _, _, c, d = _octets(host)
    return f"127.{250 + k}.{c}.{d}"


def _octets(host: str) -> tuple[int, int, int, int]:
    parts = [int(p) for p in host.split(".")]
    if len(parts) != 4 or parts[0] != 127 or parts[1] >= 200:
        raise ValueError(f"portal host must be 127.x.y.z with x < 200, not {host!r}")
    return parts[0], parts[1], parts[2], parts[3]


def normalize_url(url: str) -> str:
    """Scheme/host lower-cased, fragment dropped, query pairs sorted, path unquoted."""
    parts = urllib.parse.urlsplit(url.strip())
    query = urllib.parse.urlencode(
        sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)))
    path = urllib.parse.unquote(parts.path) or "/"
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


@dataclass
class Portal:
    """A generated portal and its ground truth.

    URLs of the main host are host-relative (``/art/2024/1/2/art_1_2.html``); URLs of other
    hosts are absolute.  Before :meth:`bind` (done by ``PortalField``) absolute URLs hold
    ``@@h:IP@@`` tokens in place of ``http://IP:PORT``.
    """

    family: str
    seed: int
    host: str
    homepage: str
    handler: Callable[[Request], Response]
    reports: set[str]
    distractors: set[str]
    extra_hosts: list[str]
    out_of_scope: list[str]
    disallowed: list[str]
    report_alternatives: dict[str, set[str]] = field(default_factory=dict)
    report_titles: dict[str, str] = field(default_factory=dict)
    crawl_delay: float | None = None
    trap_hosts: list[str] = field(default_factory=list)
    features: set[str] = field(default_factory=set)
    encodings: dict[str, str] = field(default_factory=dict)
    site_name: str = ""
    ports: dict[str, int] = field(default_factory=dict)
    alt_port: int = 0
    raw: dict[str, object] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ binding
    def resolve(self, text: str) -> str:
        """Replace host tokens by ``http://IP:PORT`` (``//IP:PORT``, alt port, ``[::1]``)."""

        def sub(m: re.Match[str]) -> str:
            if m.group(0) == "@@v6@@":
                return f"http://[::1]:{self.ports.get(self.host, 0)}"
            kind, ip = m.group(1), m.group(2)
            if kind == "a":
                return f"http://{ip}:{self.alt_port}"
            prefix = "http://" if kind == "h" else "//"
            return f"{prefix}{ip}:{self.ports.get(ip, 0)}"

        return _TOKEN.sub(sub, text) if "@@" in text else text

    def bind(self, ports: dict[str, int], alt_port: int = 0) -> None:
        """Fill in the ports the hosts are served on and resolve every stored URL."""
        self.ports = dict(ports)
        self.alt_port = alt_port
        raw = self.raw
        self.homepage = self.resolve(str(raw["homepage"]))
        self.reports = {self.resolve(u) for u in _strs(raw["reports"])}
        self.distractors = {self.resolve(u) for u in _strs(raw["distractors"])}
        self.out_of_scope = [self.resolve(u) for u in _strs(raw["out_of_scope"])]
        alts = raw["alternatives"]
        assert isinstance(alts, dict)
        self.report_alternatives = {self.resolve(k): {self.resolve(u) for u in v}
                                    for k, v in alts.items()}
        titles = raw["titles"]
        assert isinstance(titles, dict)
        self.report_titles = {self.resolve(k): v for k, v in titles.items()}
        hook = raw.get("on_bind")
        if callable(hook):
            hook()

    # ------------------------------------------------------------------ helpers
    def absolute(self, url: str) -> str:
        """A ground-truth URL as an absolute ``http://IP:PORT/…`` URL."""
        url = self.resolve(url)
        if url.startswith("/") and not url.startswith("//"):
            return f"http://{self.host}:{self.ports.get(self.host, 0)}{url}"
        return url

    def expected(self) -> dict[str, set[str]]:
        """Absolute report URL -> every absolute URL that counts as finding it."""
        out: dict[str, set[str]] = {}
        for r in self.reports:
            alts = self.report_alternatives.get(r, set())
            out[self.absolute(r)] = {self.absolute(r)} | {self.absolute(a) for a in alts}
        return out

    def match(self, urls: Iterable[str]) -> dict[str, set[str]]:
        """Score crawled URLs: ``found``/``missing`` reports, ``distractors`` taken."""
        got = {normalize_url(u) for u in urls}
        found, missing = set(), set()
        for report, accept in self.expected().items():
            (found if any(normalize_url(a) in got for a in accept) else missing).add(report)
        dis = {self.absolute(d) for d in self.distractors if normalize_url(self.absolute(d)) in got}
        return {"found": found, "missing": missing, "distractors": dis}

    def trail(self, url: str) -> list[Step]:
        """Requests leading from the homepage to ``url`` (a report, alternative or page)."""
        edges = self.raw["edges"]
        index = self.raw["node_of"]
        assert isinstance(edges, dict) and isinstance(index, dict)
        node = index.get(normalize_url(self.absolute(url)))
        if node is None:
            raise KeyError(f"no route to {url}")
        chain: list[Step] = []
        seen: set[object] = set()
        while node in edges:
            if node in seen:
                raise RuntimeError(f"route loop at {node}")
            seen.add(node)
            parent, needle = edges[node]
            chain.append(self._step(node, needle))
            node = parent
        chain.append(self._step(node, ""))
        chain.reverse()
        return chain

    def _step(self, node: _Node, needle: str) -> Step:
        method, host, target, body = node
        return (method, self.absolute(f"@@h:{host}@@{target}"), body, self.resolve(needle))


def _strs(value: object) -> list[str]:
    assert isinstance(value, (list, set, tuple))
    return [str(v) for v in value]


# --------------------------------------------------------------------------- names & text

_NAME_CHARS = ("青武临安永宁东西南北长平丰德兴泰庆清云龙桐松仙新遂江海山城阳昌和华"
               "嘉明湖溪石金玉鹤凤乐福寿")
_PROVINCES = ["浙江省", "江苏省", "广东省", "福建省", "安徽省", "江西省", "湖南省", "湖北省",
              "四川省", "山东省", "河南省", "河北省", "贵州省", "云南省", "陕西省"]
_DEPTS = ["发展和改革局", "教育局", "科学技术局", "民政局", "司法局", "财政局",
          "人力资源和社会保障局", "自然资源和规划局", "住房和城乡建设局", "交通运输局", "水利局",
          "农业农村局", "商务局", "文化广电旅游体育局", "卫生健康局", "退役军人事务局",
          "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局"]
_PROV_DEPTS = ["发展和改革委员会", "教育厅", "科学技术厅", "民政厅", "财政厅", "自然资源厅",
               "生态环境厅", "住房和城乡建设厅", "交通运输厅", "水利厅", "农业农村厅", "商务厅",
               "卫生健康委员会", "审计厅", "市场监督管理局", "统计局"]

_REPORT_TPLS = [
    "{unit}{year}年政府信息公开工作年度报告",
    "{unit}{year}年度政府信息公开工作年度报告",
    "{year}年{unit}政府信息公开工作年度报告",
    "{unit}政府信息公开工作{year}年度报告",
    "{unit}{year}年度政府信息公开年报",
    "{unit}关于{year}年政府信息公开工作的年度报告",
    "{year}年度{unit}政府信息公开工作年度报告",
]
_DISTRACTOR_TPLS = [
    ("notice", "关于做好{year}年度政府信息公开工作年度报告编制发布工作的通知"),
    ("points", "{county}{year}年政务公开工作要点"),
    ("website", "{county}人民政府门户网站{year}年度工作报表"),
    ("website", "{county}政府网站工作年度报表（{year}年度）"),
    ("guide", "{county}人民政府信息公开指南"),
    ("gov_work", "{year}年{county}人民政府工作报告"),
    ("perf", "{county}{dept}{year}年度部门整体支出绩效自评报告"),
    ("stats", "{county}{year}年国民经济和社会发展统计公报"),
    ("law", "{county}{year}年法治政府建设年度报告"),
    ("format", "国务院办公厅政府信息与政务公开办公室关于印发"
               "《中华人民共和国政府信息公开工作年度报告格式》的通知"),
    ("budget", "关于{county}{year}年预算执行情况和{next}年预算草案的报告"),
    ("audit", "关于{county}{year}年度本级预算执行和其他财政收支的审计工作报告"),
]
_OTHER_TPLS = [
    "{county}召开政务公开工作推进会",
    "关于公布{county}{year}年度行政事业性收费目录清单的通知",
    "{county}{year}年重点民生实事项目进展情况",
    "关于开展{year}年安全生产大检查的通知",
    "{county}人民政府关于调整部分行政职权事项的决定",
    "{county}{year}年第一季度经济运行情况",
    "关于征集{year}年民生实事项目的公告",
    "{county}人民政府办公室关于印发{county}防汛防台应急预案的通知",
    "{county}{year}年秋季学期义务教育招生政策解读",
    "关于{county}城区部分道路临时交通管制的通告",
    "{county}人民政府关于公布第二批县级非物质文化遗产代表性项目名录的通知",
    "{county}开展“双随机、一公开”监管工作",
]
_NEWS_TPLS = [
    "{county}召开县政府第{n}次常务会议",
    "{county}举行重大项目集中开工仪式",
    "{county}开展防汛应急演练",
    "省领导来{county}调研乡村振兴工作",
    "{county}召开优化营商环境工作会议",
    "{county}举办{year}年农民丰收节活动",
    "{county}推进政务服务“一网通办”",
]

_SIMP_TRAD = (
    "关關开開报報县縣区區务務发發编編点點网網绩績页頁户戶统統计計经經济濟员員会會财財卫衛农農资資"
    "态態环環设設运運输輸场場监監应應医醫疗療审審广廣电電游遊复復议議讼訟诉訴请請况況题題问問进進"
    "总總数數据據规規条條号號载載于於转轉门門录錄机機构構职職领領导導划劃预預决決实實项項业業单單"
    "个個万萬与與为為时時间間们們来來对對这這将將过過还還从從后後当當义義华華国國厅廳级級乡鄉镇鎮"
    "组組织織认認贯貫彻徹强強检檢评評众眾参參台臺栏欄专專览覽访訪质質读讀响響势勢热熱观觀见見馈饋"
    "办辦处處纪紀严嚴执執产產营營线線结結续續约約纳納费費贸貿负負责責证證书書长長东東丰豐兴興庆慶"
    "云雲龙龍宁寧阳陽凤鳳乐樂寿壽临臨桥橋湾灣岛島岭嶺详詳细細说說库庫镜鏡简簡体體类類别別测測试試"
    "筹籌协協调調带帶头頭积積极極稳穩动動范範围圍标標准準确確识識优優话話邮郵传傳链鏈声聲隐隱护護"
    "维維绍紹档檔馆館图圖杂雜闻聞视視听聽频頻险險劳勞军軍术術布佈届屆验驗获獲"
)
_TRAD = {_SIMP_TRAD[i]: _SIMP_TRAD[i + 1] for i in range(0, len(_SIMP_TRAD), 2)}


def to_traditional(text: str) -> str:
    """A character-level Simplified -> Traditional mapping good enough for report titles."""
    return "".join(_TRAD.get(c, c) for c in text)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _text(text: str) -> str:
    return html.escape(text, quote=False)


def relurl(cur: str, target: str, dot: bool = False) -> str:
    """``target`` (host-relative) as a URL relative to the page at ``cur``."""
    cur_path = cur.split("?", 1)[0]
    cdir = cur_path[: cur_path.rfind("/") + 1] or "/"
    tpath, sep, tq = target.partition("?")
    if tpath == cdir:
        rel = "./"
    else:
        rel = posixpath.relpath(tpath, cdir)
        if tpath.endswith("/") and not rel.endswith("/"):
            rel += "/"
    if dot and not rel.startswith("."):
        rel = "./" + rel
    return rel + sep + tq


# --------------------------------------------------------------------------- files


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def make_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A small valid PDF whose text (Chinese, STSong-Light/UniGB-UCS2-H) extracts."""

    def hexs(s: str) -> str:
        return "<" + s.encode("utf-16-be").hex().upper() + ">"

    ops = ["BT", "/F1 16 Tf", "20 TL", "50 790 Td"]
    for line in _wrap(title, 26):
        ops.append(f"{hexs(line)} Tj T*")
    ops += ["/F1 11 Tf", "16 TL", "T*"]
    count = 0
    for para in paragraphs:
        for line in _wrap(para, 40):
            ops.append(f"{hexs(line)} Tj T*")
            count += 1
            if count > 40:
                break
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R "
        b"/DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
        b"<< /Title <FEFF" + title.encode("utf-16-be").hex().upper().encode()
        + b"> /Producer (tests.generators.portals) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info 8 0 R >>\n"
              f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def make_docx(title: str, paragraphs: list[str]) -> bytes:
    """A minimal .docx (readable by python-docx / Word) holding the title and text."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    paras = "".join(f"<w:p><w:r><w:t>{_text(p)}</w:t></w:r></w:p>" for p in [title, *paragraphs])
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:document xmlns:w="{ns}"><w:body>{paras}</w:body></w:document>')
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
             '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
             'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType'
             '="application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
             'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("[Content_Types].xml", types), ("_rels/.rels", rels),
                           ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


_MIME = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "js": "application/javascript", "json": "application/json", "xml": "text/xml"}


# --------------------------------------------------------------------------- model


@dataclass
class Doc:
    """A document of the portal: a report, a distractor or ordinary noise."""

    id: int
    title: str
    day: date
    year: int
    kind: str  # "report" | "distractor" | "other" | "news"
    sub: str = ""  # distractor kind / "county" / "dept" / "town"
    unit: str = ""
    attach: str = ""  # "" | "pdf" | "docx"
    attach_only: bool = False
    url: str = ""
    att_url: str = ""
    host: str = ""
    att_host: str = ""  # the attachment lives on another (in-scope) host
    alt_urls: list[str] = field(default_factory=list)


@dataclass
class Style:
    q: str = '"'
    url_mode: str = "root"  # rel | root | abs | proto | mixed
    nav_mode: str = "root"
    dot: bool = False  # "./x.html" rather than "x.html"
    ext: str = "html"
    date_tag: str = "span"  # span | i | em | text | paren
    date_fmt: str = "%Y-%m-%d"
    title_attr: bool = True
    title_first: bool = False
    trunc: int = 0
    ellipsis: str = "…"
    encoding: str = "utf-8"
    label: str = "utf-8"
    meta: str = "charset"  # charset | http-equiv | none
    header_charset: bool = True
    list_kind: str = "ul"  # ul | table | dl | div
    upper: bool = False
    amp: str = "&amp;"
    blank: bool = True


_ENC_TABLE = [("utf-8", "charset", True), ("gbk", "http-equiv", True), ("utf-8", "none", True),
              ("utf-8", "charset", False), ("gbk", "charset", False),
              ("utf-8", "http-equiv", True), ("utf-8", "charset", True), ("gbk", "none", True),
              ("utf-8", "none", False), ("gbk", "http-equiv", False)]
_URL_MODES = ["rel", "root", "abs", "proto", "root", "rel", "mixed", "root", "abs", "rel"]


@dataclass
class _Page:
    body: str | bytes
    ctype: str = "text/html"
    charset: str = "utf-8"
    label: str | None = "utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


_Key = tuple[str, str, tuple[tuple[str, str], ...]]
_Dyn = Callable[[Request], _Page]


class _Site:
    """Static pages keyed by (host, path, sorted query) plus dynamic endpoints."""

    def __init__(self) -> None:
        self.static: dict[_Key, _Page] = {}
        self.dynamic: dict[tuple[str, str], _Dyn] = {}
        self.prefix: list[tuple[str, str, _Dyn]] = []

    @staticmethod
    def key(host: str, target: str) -> _Key:
        path, _, query = target.partition("?")
        pairs = tuple(sorted(urllib.parse.parse_qsl(query, keep_blank_values=True)))
        return host, urllib.parse.unquote(path) or "/", pairs

    def add(self, host: str, target: str, page: _Page) -> None:
        self.static[self.key(host, target)] = page

    def has(self, host: str, target: str) -> bool:
        return self.key(host, target) in self.static

    def find(self, req: Request) -> _Page | None:
        target = req.path + ("?" + req.query if req.query else "")
        host, path, pairs = self.key(req.host, target)
        page = self.static.get((host, path, pairs))
        if page is not None:
            return page
        dyn = self.dynamic.get((host, path))
        if dyn is not None:
            return dyn(req)
        for phost, prefix, fn in self.prefix:
            if phost == host and path.startswith(prefix):
                return fn(req)
        if pairs:  # static files ignore unknown query strings
            return self.static.get((host, path, ()))
        return None


def _http_page(text: str, st: Style, status: int = 200) -> _Page:
    return _Page(text, "text/html", st.encoding, st.label if st.header_charset else None, status)


def _json_page(data: object) -> _Page:
    return _Page(json.dumps(data, ensure_ascii=False), "application/json", "utf-8", "utf-8")


def _redirect(location: str, status: int = 302) -> _Page:
    return _Page(b"", "text/html", "utf-8", None, status, {"Location": location})


# --------------------------------------------------------------------------- builder base


class _Builder:
    family = ""
    ext_choices: tuple[str, ...] = ("html",)
    encodings_ok = True
    mixed_max = 3

    def __init__(self, seed: int, host: str, hostile: bool | None) -> None:
        _octets(host)
        self.seed = seed
        self.host = host
        self.rng = random.Random(f"{self.family}:{seed}")
        self.v = seed % 10
        self.hostile = self.rng.random() < 0.3 if hostile is None else hostile
        self.site = _Site()
        self.ids = itertools.count(self.rng.randint(1000, 9000) * 100 + self.rng.randint(0, 99))
        self.features: set[str] = set()
        self.st = self.make_style()
        self.gt: dict[str, set[str]] = {}
        self.titles: dict[str, str] = {}
        self.distractor_urls: set[str] = set()
        self.oos: list[str] = []
        self.extra: list[str] = []
        self.traps = [trap_host(host, 0)]
        self.edges: dict[_Node, tuple[_Node, str]] = {}
        self.encodings: dict[str, str] = {host: self.st.encoding}
        self.nav: list[tuple[str, str]] = []
        self.footer_links: list[tuple[str, str]] = []
        self.crawl_delay: float | None = None
        self.disallow: list[str] = []
        self.home_target = "/"
        self.reserved: list[str] = []  # content paths no Disallow prefix may cover
        self.lock = threading.Lock()
        self.served_bad = False
        self.file_host = ""
        if self.family in ("json_list", "handmade", "generic", "mirror_traditional") and \
                self.rng.random() < 0.3:
            self.file_host = extra_host(host, 0)
            self.extra.append(self.file_host)
            self.encodings[self.file_host] = self.st.encoding
            self.features.add("file_server_host")
        rng = self.rng
        a, b = rng.sample(_NAME_CHARS, 2)
        suffix = rng.choice(["县", "县", "县", "市", "区"])
        self.county = a + b + suffix
        self.site_name = f"{self.county}人民政府"
        self.trad_share = 0.3 if self.v == 9 else 0.0
        self.tpl = rng.choice(_REPORT_TPLS)
        self.other_county = "".join(rng.sample(_NAME_CHARS, 2)) + "县"

    # ------------------------------------------------------------------ style
    def make_style(self) -> Style:
        rng, v = self.rng, self.v
        enc, meta, header = _ENC_TABLE[v]
        if not self.encodings_ok:
            enc = "utf-8"
        if enc == "gbk" and meta == "none" and not header:
            header = True
        if self.hostile and v == 7 and self.encodings_ok:
            header = False
            self.features.add("gbk_undeclared")
        label = rng.choice(["gbk", "gb2312", "GB2312", "GBK"]) if enc == "gbk" else \
            rng.choice(["utf-8", "UTF-8"])
        if enc == "gbk":
            self.features.add("gbk")
        if meta == "none":
            self.features.add("no_meta_charset")
        st = Style(
            q=rng.choices(['"', "'", ""], weights=[6, 3, 2])[0],
            url_mode=_URL_MODES[v],
            nav_mode=rng.choice(["root", "root", "abs", "rel"]),
            dot=rng.random() < 0.5,
            ext=rng.choice(self.ext_choices),
            date_tag=rng.choice(["span", "i", "em", "text", "paren"]),
            date_fmt=rng.choice(["%Y-%m-%d", "%Y-%m-%d", "%Y/%m/%d", "[%Y-%m-%d]",
                                 "%Y年%m月%d日", "%Y.%m.%d"]),
            title_attr=rng.random() < 0.6,
            title_first=rng.random() < 0.3,
            trunc=rng.randint(12, 20) if rng.random() < 0.4 else 0,
            ellipsis=rng.choice(["…", "...", "……"]),
            encoding=enc,
            label=label,
            meta=meta,
            header_charset=header,
            list_kind=rng.choice(["ul", "ul", "table", "dl", "div"]),
            amp=rng.choice(["&amp;", "&"]),
            blank=rng.random() < 0.7,
        )
        self.features.add(f"urls_{st.url_mode}")
        if st.trunc:
            self.features.add("truncated_titles")
        if not st.title_attr:
            self.features.add("no_title_attr")
        self.features.add({'"': "quote_double", "'": "quote_single", "": "quote_none"}[st.q])
        return st

    # ------------------------------------------------------------------ markup
    def attr(self, name: str, value: str, *, url: bool = False) -> str:
        val = value.replace("&", self.st.amp) if url else _esc(value)
        if url:
            val = val.replace('"', "%22").replace("'", "%27").replace(" ", "%20")
        q = self.st.q
        if q == "" and (not val or re.search(r"[\s\"'<>`]", val)):
            q = '"'
        return f"{name}={q}{val}{q}"

    def needle(self, href: str) -> str:
        return href.replace("&", self.st.amp)

    def a(self, href: str, text: str, *, title: str | None = None, blank: bool | None = None,
          cls: str = "", extra: str = "") -> str:
        attrs = [self.attr("href", href, url=True)]
        if title:
            attrs.insert(0 if self.st.title_first else 1, self.attr("title", title))
        if blank or (blank is None and self.st.blank):
            attrs.append(self.attr("target", "_blank"))
        if cls:
            attrs.append(self.attr("class", cls))
        tag = "A" if self.st.upper else "a"
        return f"<{tag} {' '.join(attrs)}{extra}>{_text(text)}</{tag}>"

    def node(self, target: str, host: str | None = None, method: str = "GET",
             body: str = "") -> _Node:
        return method, host or self.host, target, body

    def edge(self, parent: _Node, child: _Node, needle: str) -> None:
        if child not in self.edges and child != parent and child != self.node(self.home_target):
            self.edges[child] = (parent, needle)

    def link(self, cur: str, target: str, *, host: str | None = None, mode: str | None = None,
             on: str | None = None, edge: bool = True) -> str:
        """An href from the page ``cur`` (on host ``on``) to ``target`` on ``host``."""
        host = host or self.host
        on = on or self.host
        mode = mode or self.st.url_mode
        if mode == "mixed":
            mode = self.rng.choice(("rel", "root", "abs"))
        if host != on and mode not in ("abs", "proto"):
            mode = "abs"
        if mode == "abs":
            href = f"@@h:{host}@@{target}"
        elif mode == "proto":
            href = f"@@p:{host}@@{target}"
        elif mode == "root":
            href = target
        else:
            href = relurl(cur, target, self.st.dot)
        if edge:
            self.edge(self.node(cur, on), self.node(target, host), self.needle(href))
        return href

    def short(self, title: str) -> str:
        n = self.st.trunc
        return title[:n] + self.st.ellipsis if n and len(title) > n else title

    def date_html(self, day: date) -> str:
        text = day.strftime(self.st.date_fmt)
        tag = self.st.date_tag
        if tag == "text":
            return " " + text
        if tag == "paren":
            return f"（{text}）"
        return f"<{tag}>{text}</{tag}>"

    def item(self, cur: str, d: Doc, *, on: str | None = None, href: str | None = None,
             edge: bool = True) -> str:
        if href is None:
            href = self.link(cur, d.url, host=d.host or None, on=on, edge=edge)
        a = self.a(href, self.short(d.title), title=d.title if self.st.title_attr else None)
        kind = self.st.list_kind
        if kind == "table":
            return f"<tr><td class=\"title\">{a}</td><td class=\"date\">" \
                   f"{d.day.strftime(self.st.date_fmt)}</td></tr>\n"
        if kind == "dl":
            return f"<dl><dt>{a}</dt><dd>{self.date_html(d.day)}</dd></dl>\n"
        if kind == "div":
            return f"<div class=\"item\">{self.date_html(d.day)}{a}</div>\n"
        return f"<li>{a}{self.date_html(d.day)}</li>\n"

    def listing(self, cur: str, docs: list[Doc], *, on: str | None = None,
                edge: bool = True) -> str:
        rows = "".join(self.item(cur, d, on=on, edge=edge) for d in docs)
        kind = self.st.list_kind
        if kind == "table":
            return f"<table class=\"list\" width=\"100%\">\n{rows}</table>\n"
        if kind in ("dl", "div"):
            return f"<div class=\"list\">\n{rows}</div>\n"
        return f"<ul class=\"list\">\n{rows}</ul>\n"

    def charset_meta(self) -> str:
        st = self.st
        if st.meta == "charset":
            return f'<meta charset="{st.label}">\n'
        if st.meta == "http-equiv":
            return f'<meta http-equiv="Content-Type" content="text/html; charset={st.label}">\n'
        return ""

    def nav_html(self, cur: str, on: str) -> str:
        if on != self.host or not self.nav:
            return ""
        links = []
        for text, target in self.nav:
            href = self.link(cur, target, mode=self.st.nav_mode, edge=cur == self.home_target)
            links.append(f"<li>{self.a(href, text, blank=False)}</li>")
        return '<div class="nav"><ul>' + "".join(links) + "</ul></div>\n"

    def footer_html(self, cur: str, on: str) -> str:
        links = []
        for text, href in self.footer_links:
            if href.startswith("/"):
                href = self.link(cur, href, mode="root", on=on, host=self.host, edge=False)
            links.append(self.a(href, text, blank=False))
        return ('<div class="footer"><p>' + " | ".join(links) + "</p>\n<p>主办："
                + _text(self.site_name) + "办公室 网站标识码：" + str(3300000000 + self.seed)
                + "</p></div>\n")

    def doc(self, cur: str, title: str, body: str, *, on: str | None = None,
            column: str | None = None, head: str = "", bare: bool = False) -> str:
        on = on or self.host
        metas = self.charset_meta()
        if self.family in ("generic", "handmade"):
            column = None
        else:
            metas += f'<meta name="SiteName" content="{_esc(self.site_name)}">\n'
        if column:
            metas += f'<meta name="ColumnName" content="{_esc(column)}">\n'
        top = "" if bare else (f'<div class="header"><div class="logo">{_text(self.site_name)}'
                               f"</div></div>\n" + self.nav_html(cur, on))
        foot = "" if bare else self.footer_html(cur, on)
        return (f"<!DOCTYPE html>\n<html>\n<head>\n{metas}<title>{_text(title)}</title>\n{head}"
                f"</head>\n<body>\n{top}<div class=\"main\">\n{body}</div>\n{foot}</body>\n"
                f"</html>\n")

    def page(self, target: str, title: str, body: str, *, on: str | None = None,
             column: str | None = None, head: str = "", aliases: Iterable[str] = (),
             bare: bool = False) -> None:
        on = on or self.host
        pg = _http_page(self.doc(target, title, body, on=on, column=column, head=head,
                                 bare=bare), self.st)
        self.site.add(on, target, pg)
        for alias in aliases:
            self.site.add(on, alias, pg)

    # ------------------------------------------------------------------ corpus
    def year_span(self) -> int:
        return self.rng.choice([2022, 2023, 2023, 2024])

    def report_title(self, unit: str, year: int) -> str:
        tpl = self.tpl if self.rng.random() < 0.8 else self.rng.choice(_REPORT_TPLS)
        title = tpl.format(unit=unit, year=year)
        if self.trad_share and self.rng.random() < self.trad_share:
            title = to_traditional(title)
            self.features.add("traditional_titles")
        return title

    def pub_day(self, year: int) -> date:
        if year < 2019:
            return date(year + 1, 3, self.rng.randint(1, 31))
        return date(year + 1, self.rng.randint(1, 3), self.rng.randint(1, 28))

    def make_reports(self, n: int, county: str | None = None) -> list[Doc]:
        rng = self.rng
        county = county or self.county
        latest = self.year_span()
        unit_self = rng.choice([f"{county}人民政府", county, f"{county}人民政府办公室"])
        span = min(n, rng.randint(3, 12), latest - 2007)
        plan: list[tuple[str, str, int]] = [("county", unit_self, latest - i) for i in range(span)]
        towns = ["".join(rng.sample(_NAME_CHARS, 2)) + rng.choice(["镇", "乡", "街道"])
                 for _ in range(8)]
        units = [("dept", county + d) for d in rng.sample(_DEPTS, 12)]
        units += [("town", county + t + ("办事处" if t.endswith("街道") else "人民政府"))
                  for t in towns]
        seen = {(u, y) for _, u, y in plan}
        while len(plan) < n:
            sub, unit = rng.choice(units)
            year = latest - rng.choice([0, 0, 0, 1, 1, 2])
            if (unit, year) not in seen:
                seen.add((unit, year))
                plan.append((sub, unit, year))
        mode = rng.choice(["none", "only", "with", "mixed", "mixed"])
        docs = []
        for sub, unit, year in plan:
            d = Doc(next(self.ids), self.report_title(unit, year), self.pub_day(year), year,
                    "report", sub, unit)
            roll = rng.random()
            if mode == "only" and roll < 0.7 or mode == "mixed" and roll < 0.25:
                d.attach, d.attach_only = rng.choice(["pdf", "pdf", "docx"]), True
            elif mode == "with" and roll < 0.7 or mode == "mixed" and roll < 0.5:
                d.attach = rng.choice(["pdf", "pdf", "docx"])
            docs.append(d)
        if any(d.attach_only for d in docs):
            self.features.add("attachment_only_reports")
        docs.sort(key=lambda d: (d.day, d.id), reverse=True)
        return docs

    def make_distractors(self, k: int, county: str | None = None) -> list[Doc]:
        rng = self.rng
        county = county or self.county
        latest = self.year_span()
        out: list[Doc] = []
        seen: set[str] = set()
        tpls = rng.sample(_DISTRACTOR_TPLS, min(k, len(_DISTRACTOR_TPLS)))
        for sub, tpl in tpls:
            year = latest - rng.randint(0, 3)
            title = tpl.format(county=county, year=year, next=year + 1, dept=rng.choice(_DEPTS))
            if title in seen:
                continue
            seen.add(title)
            day = date(year + 1 if sub not in ("notice", "points") else year,
                       rng.randint(1, 6), rng.randint(1, 28))
            d = Doc(next(self.ids), title, day, year, "distractor", sub)
            if sub in ("website", "perf") and rng.random() < 0.4:
                d.attach, d.attach_only = "pdf", rng.random() < 0.5
            out.append(d)
        return out

    def make_others(self, k: int, tpls: list[str] | None = None) -> list[Doc]:
        rng = self.rng
        latest = self.year_span()
        out = []
        for tpl in rng.sample(tpls or _OTHER_TPLS, min(k, len(tpls or _OTHER_TPLS))):
            year = latest - rng.randint(0, 2)
            title = tpl.format(county=self.county, year=year, n=rng.randint(10, 60))
            out.append(Doc(next(self.ids), title, date(year, rng.randint(1, 12),
                                                        rng.randint(1, 28)), year, "other"))
        out.sort(key=lambda d: (d.day, d.id), reverse=True)
        return out

    def corpus(self, n_min: int = 5, n_max: int = 40) -> None:
        rng = self.rng
        self.reps = self.make_reports(rng.randint(n_min, n_max))
        dis = self.make_distractors(rng.randint(3, 7))
        m = min(rng.randint(0, self.mixed_max), len(dis) - 1)
        self.mixed = dis[:m]
        self.dis_other = dis[m:]
        self.others = self.make_others(rng.randint(6, 12))
        self.news = self.make_others(rng.randint(3, 6), _NEWS_TPLS)
        for d in self.news:
            d.kind = "news"

    def pages_of(self, docs: list[Doc], lo: int = 2, hi: int = 10) -> list[list[Doc]]:
        """Split ``docs`` into between ``lo`` and ``hi`` list pages when there are enough."""
        total = len(docs)
        want = self.rng.randint(lo, hi)
        per = max(1, math.ceil(total / want))
        if total >= 2 and math.ceil(total / per) < 2:
            per = math.ceil(total / 2)
        self.per_page = per
        return [docs[i:i + per] for i in range(0, total, per)] or [[]]

    # ------------------------------------------------------------------ texts
    def report_paras(self, d: Doc) -> list[str]:
        rng = self.rng
        unit, year = d.unit or self.county, d.year
        n = [rng.randint(20, 3000) for _ in range(8)]
        return [
            f"根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定，现公布{unit}"
            f"{year}年政府信息公开工作年度报告。本报告所列数据的统计期限自{year}年1月1日起至"
            f"{year}年12月31日止。",
            f"一、总体情况。{year}年，{unit}认真贯彻落实《条例》要求，全年主动公开政府信息"
            f"{n[0]}条，其中政策文件{n[1] % 200}件。",
            f"二、主动公开政府信息情况。本年制发规范性文件{n[2] % 40}件，废止{n[3] % 10}件；"
            f"行政许可处理决定{n[4]}件，行政处罚决定{n[5] % 900}件。",
            f"三、收到和处理政府信息公开申请情况。本年新收政府信息公开申请{n[6] % 120}件，"
            f"上年结转{n[7] % 9}件，均已按期答复。",
            f"四、政府信息公开行政复议、行政诉讼情况。因政府信息公开被申请行政复议"
            f"{n[3] % 5}件，被提起行政诉讼{n[4] % 3}件。",
            "五、存在的主要问题及改进情况。政策解读形式还不够丰富，下一步将进一步规范"
            "公开内容、提升公开质量。",
            "六、其他需要报告的事项。本年度未收取信息处理费。",
        ]

    def other_paras(self, d: Doc) -> list[str]:
        county = self.county
        if d.kind == "distractor":
            sub = d.sub
            text = {
                "notice": f"各乡镇人民政府、县政府各部门：根据《条例》规定，请于{d.year + 1}年"
                          f"1月31日前向社会公布本单位{d.year}年政府信息公开工作年度报告，并报送"
                          "县政务公开办备案。",
                "points": f"为深入推进{d.year}年政务公开工作，结合本县实际，制定以下工作要点："
                          "一、加强政策解读；二、推进基层政务公开标准化规范化；三、做好年度报告"
                          "编制工作。",
                "website": "政府网站工作年度报表：网站名称、首页网址、主办单位、总访问量、"
                           "信息发布总数、专栏专题维护数量、互动交流办理情况。",
                "guide": "政府信息公开指南：一、主动公开；二、依申请公开；三、申请的处理；"
                         "四、收费；五、监督和救济。",
                "gov_work": f"各位代表：现在，我代表{county}人民政府，向大会报告工作，请予审议，"
                            "并请政协委员提出意见。",
                "perf": "部门整体支出绩效自评报告：一、部门基本情况；二、绩效目标完成情况；"
                        "三、存在问题及整改措施。",
                "stats": f"{d.year}年，全县实现地区生产总值{self.rng.randint(100, 900)}亿元，"
                         "比上年增长5.2%。",
                "law": f"{d.year}年，{county}坚持以法治政府建设示范创建为引领，深入推进依法行政。",
                "format": "各省、自治区、直辖市人民政府办公厅：现将《中华人民共和国政府信息公开"
                          "工作年度报告格式》印发给你们，请遵照执行。",
                "budget": "受县人民政府委托，现将预算执行情况和预算草案提请大会审议。",
                "audit": "受县人民政府委托，报告本级预算执行和其他财政收支的审计情况。",
            }.get(sub, "")
            return [text]
        return [f"{d.title}。{county}有关部门认真组织实施，取得积极成效。",
                "下一步，将继续抓好落实，切实提高工作实效。"]

    def paras_of(self, d: Doc) -> list[str]:
        return self.report_paras(d) if d.kind == "report" else self.other_paras(d)

    # ------------------------------------------------------------------ pages
    def attachment(self, d: Doc, on: str) -> None:
        paras = self.paras_of(d)
        if d.attach == "docx":
            blob, ctype = make_docx(d.title, paras), _MIME["docx"]
        else:
            blob, ctype = make_pdf(d.title, paras), _MIME["pdf"]
        self.site.add(d.att_host or on, d.att_url, _Page(blob, ctype, "utf-8", None))

    def att_link(self, d: Doc, on: str) -> str:
        name = f"{d.title}.{d.attach}"
        href = self.link(d.url, d.att_url, on=on, host=d.att_host or on,
                         mode="rel" if self.family in ("trs", "provincial") else None)
        if self.family in ("trs", "provincial") and not href.startswith("."):
            href = "./" + href
            self.edges[self.node(d.att_url, on)] = (self.node(d.url, on), self.needle(href))
        extra = ""
        if self.family == "trs":
            extra = f' OLDSRC="/protect/{d.att_url.rsplit("/", 1)[-1]}"'
        cls = "nfw-cms-attachment" if self.family == "gkmlpt" else ""
        return self.a(href, name, blank=True, cls=cls, extra=extra)

    def article_body(self, d: Doc, on: str) -> str:
        paras = self.paras_of(d)
        parts: list[str] = []
        if d.attach_only:
            lead = self.rng.choice(["附件：", "详见附件。", "点击下载：", ""])
            parts.append(f"<p>{_text(lead)}</p>")
        else:
            parts += [f"<p>{_text(p)}</p>" for p in paras]
        if d.attach:
            parts.append('<div class="fj">附件：' + self.att_link(d, on) + "</div>")
        return "\n".join(parts)

    def article(self, d: Doc, *, column: str, on: str | None = None, wrap: str = "plain",
                head: str = "") -> None:
        """Register the article page of ``d`` (and its attachment) and its ground truth."""
        on = on or d.host or self.host
        if d.attach:
            self.attachment(d, on)
        inner = self.article_body(d, on)
        stamp = d.day.strftime("%Y-%m-%d")
        src = d.unit or f"{self.county}人民政府办公室"
        info = f'<div class="info">发布日期：{stamp} 来源：{_text(src)}</div>\n'
        if wrap == "trs":
            content = f'<div class="TRS_Editor">\n{inner}\n</div>'
        elif wrap == "hanweb":
            content = (f'<div id="zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">'
                       f"\n{inner}\n<meta name=\"ContentEnd\"><!--ZJEG_RSS.content.end--></div>")
        elif wrap == "gkmlpt":
            content = f'<div class="article-content">\n{inner}\n</div>'
        else:
            content = f'<div class="content">\n{inner}\n</div>'
        metas = (f'<meta name="ArticleTitle" content="{_esc(d.title)}">\n'
                 f'<meta name="PubDate" content="{stamp} 09:{d.id % 60:02d}">\n'
                 f'<meta name="ContentSource" content="{_esc(src)}">\n') + head
        if self.family in ("generic", "handmade"):
            metas = head
        body = f'<div class="article"><h1>{_text(d.title)}</h1>\n{info}{content}\n</div>\n'
        self.page(d.url, d.title, body, on=on, column=column, head=metas)
        self.truth(d, on)

    def truth(self, d: Doc, on: str | None = None) -> None:
        on = on or d.host or self.host

        def gt(url: str, host: str | None = None) -> str:
            host = host or on
            if url.startswith("@@"):
                return url
            return url if host == self.host else f"@@h:{host}@@{url}"

        page = gt(d.url)
        if d.kind == "report":
            alts = {gt(u) for u in d.alt_urls}
            if d.attach_only:
                key = gt(d.att_url, d.att_host)
                alts.add(page)
            else:
                key = page
                if d.attach:
                    alts.add(gt(d.att_url, d.att_host))
            self.gt[key] = alts
            self.titles[key] = d.title
        elif d.kind == "distractor":
            self.distractor_urls.add(page)
            if d.attach_only:
                self.distractor_urls.add(gt(d.att_url, d.att_host))

    # ------------------------------------------------------------------ site scaffolding
    _SLUGS = {"政府信息公开指南": "xxgkzn", "政府信息公开制度": "xxgkzd",
              "法定主动公开内容": "fdzdgknr", "通知公告": "tzgg", "政务公开工作": "zwgkgz"}
    _DIS_HOME = {"guide": "政府信息公开指南", "notice": "通知公告", "format": "通知公告",
                 "points": "政务公开工作", "website": "政务公开工作", "law": "政务公开工作"}

    def art_url(self, d: Doc, col: str) -> str:
        base = col if col.endswith("/") else col.rsplit("/", 1)[0] + "/"
        return f"{base}{d.day:%Y%m}/t{d.day:%Y%m%d}_{d.id}.{self.st.ext}"

    def att_url(self, d: Doc) -> str:
        base = d.url.rsplit("/", 1)[0]
        return f"{base}/P0{d.day:%Y%m%d}{self.rng.randint(100000000, 999999999)}.{d.attach}"

    def assign(self, docs: Iterable[Doc], col: str) -> None:
        for d in docs:
            d.url = self.art_url(d, col)
            if d.attach:
                d.att_url = self.att_url(d)
                d.att_host = self.file_host

    def first_bad(self) -> bool:
        """True exactly once per binding: the hostile "invalid JSON once" answer."""
        with self.lock:
            if self.served_bad:
                return False
            self.served_bad = True
            return True

    def other_columns(self, target_of: Callable[[str, str], str]
                      ) -> list[tuple[str, str, list[Doc]]]:
        """The non-report columns of 政务公开, holding the distractors and the noise."""
        cols: dict[str, list[Doc]] = {name: [] for name in self._SLUGS}
        for d in self.dis_other:
            cols[self._DIS_HOME.get(d.sub, "法定主动公开内容")].append(d)
        names = list(cols)
        for i, d in enumerate(self.others):
            cols[names[1 + i % 4]].append(d)
        out = []
        for name, docs in cols.items():
            docs.sort(key=lambda x: (x.day, x.id), reverse=True)
            target = target_of(name, self._SLUGS[name])
            self.assign(docs, target)
            out.append((name, target, docs))
        return out

    def setup_footer(self) -> None:
        rng = self.rng
        pool = ["/admin/", "/search/", "/manage/", "/cms/"]
        self.disallow = [rng.choice(["/admin/", "/search/"])]
        for p in pool:
            if p not in self.disallow and rng.random() < 0.45:
                self.disallow.append(p)
        self.disallow = [p for p in self.disallow
                         if not any(r.startswith(p) for r in self.reserved)]
        texts = {"/admin/": ("管理登录", "/admin/login.jsp"),
                 "/search/": ("站内搜索", "/search/?q=%E5%B9%B4%E6%8A%A5&type=all"),
                 "/manage/": ("后台管理", "/manage/index.jsp"),
                 "/cms/": ("内容管理", "/cms/login.do")}
        links = [texts[p] for p in self.disallow]
        trap = self.traps[0]
        oos = [("友情链接：" + self.other_county + "人民政府", f"@@h:{trap}@@/")]
        if rng.random() < 0.6:
            oos.append((self.other_county + "政府信息公开年报", f"@@h:{trap}@@/xxgk/nb/index.html"))
        if rng.random() < 0.6:
            oos.append(("旧版网站", f"@@a:{self.host}@@/"))
            self.features.add("alt_port_link")
        if rng.random() < 0.5:
            oos.append(("IPv6访问", "@@v6@@/"))
        oos.append(("联系我们", f"mailto:zwgk{self.seed}@example.gov.cn"))
        oos.append(("加入收藏", "javascript:void(0);"))
        if rng.random() < 0.3:
            oos.append(("无障碍浏览", "javascript:openAccessible()"))
        rng.shuffle(links)
        self.footer_links = links + oos
        self.oos = [href for _, href in oos]
        if rng.random() < 0.25:
            self.crawl_delay = 1.0
            self.features.add("crawl_delay")

    def robots_txt(self) -> str:
        lines = []
        if self.rng.random() < 0.3:
            lines += ["User-agent: Baiduspider", "Allow: /", ""]
        lines.append("User-agent: *")
        lines += [f"Disallow: {p}" for p in self.disallow]
        if self.crawl_delay:
            lines.append(f"Crawl-delay: {int(self.crawl_delay)}")
        return "\n".join(lines) + "\n"

    def homepage(self, blocks: list[str]) -> None:
        cur = self.home_target
        news = self.news[:6]
        body = (f'<div class="banner"><img src="/images/banner.jpg" alt="{_esc(self.site_name)}">'
                f'</div>\n<div class="news"><h2>要闻动态</h2>\n{self.listing(cur, news)}</div>\n'
                + "".join(blocks))
        aliases = ["/index.html"] if cur == "/" else []
        if self.st.ext != "html" and cur == "/":
            aliases.append(f"/index.{self.st.ext}")
        self.page(cur, self.site_name, body, aliases=aliases)

    def xxgk_page(self, target: str, cols: list[tuple[str, str, list[Doc]]], *,
                  nb: tuple[str, str, list[Doc]], meta_only: bool, title: str = "政务公开",
                  aliases: Iterable[str] = ()) -> None:
        blocks = []
        entries = [*cols]
        entries.insert(self.rng.randint(0, len(entries)), nb)
        for i, (name, col, docs) in enumerate(entries):
            href = self.link(target, col)
            more = self.a(href, self.rng.choice(["更多>>", "更多", "more+"]), blank=False,
                          cls="more")
            if meta_only and col == nb[1]:
                head = f'<div class="hd"><img src="/images/lm{i}.png" alt="">{more}</div>'
            else:
                head = f'<div class="hd"><h3>{self.a(href, name, blank=False)}</h3>{more}</div>'
            preview = self.listing(target, docs[:3]) if docs and self.rng.random() < 0.5 else ""
            blocks.append(f'<div class="box">{head}\n{preview}</div>\n')
        self.page(target, title, "".join(blocks), column=title, aliases=aliases)

    def static_column(self, target: str, name: str, docs: list[Doc], *, wrap: str = "plain",
                      column: str | None = None, aliases: Iterable[str] = (),
                      on: str | None = None) -> None:
        body = f"<h2>{_text(name)}</h2>\n" + self.listing(target, docs, on=on)
        self.page(target, name, body, column=column or name, aliases=aliases, on=on)
        for d in docs:
            self.article(d, column=name, wrap=wrap, on=on)

    def news_section(self, target: str, wrap: str = "plain", aliases: Iterable[str] = ()) -> None:
        self.static_column(target, "要闻动态", self.news, wrap=wrap, aliases=aliases)

    def misc_pages(self, targets: dict[str, str]) -> None:
        for name, target in targets.items():
            self.page(target, name, f"<h2>{_text(name)}</h2><p>{_text(name)}栏目建设中。</p>")

    # ------------------------------------------------------------------ serving
    def not_found(self) -> _Page:
        body = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404</title></head>"
                "<body><h1>404 页面不存在</h1><p>您访问的页面不存在或已删除。</p></body></html>")
        return _Page(body, "text/html", "utf-8", "utf-8", 404)

    def trap_page(self, req: Request) -> _Page:
        oc = self.other_county
        if req.path == "/robots.txt":
            return _Page("User-agent: *\nDisallow:\n", "text/plain", "utf-8", "utf-8")
        years = [2023, 2022, 2021]
        if req.path in ("/", "/index.html"):
            body = f'<h1>{oc}人民政府</h1><a href="/xxgk/nb/index.html">政府信息公开年报</a>'
        elif req.path == "/xxgk/nb/index.html":
            body = "".join(f'<li><a href="/xxgk/nb/{y}.html">{oc}{y}年政府信息公开工作年度报告'
                           f"</a></li>" for y in years)
        elif m := re.fullmatch(r"/xxgk/nb/(\d{4})\.html", req.path):
            body = f"<h1>{oc}{m.group(1)}年政府信息公开工作年度报告</h1><p>另一个县的年报。</p>"
        else:
            return self.not_found()
        return _Page(f"<html><head><meta charset=\"utf-8\"><title>{oc}</title></head><body>"
                     f"{body}</body></html>", "text/html", "utf-8", "utf-8")

    def restricted(self, req: Request) -> _Page:
        if req.path.startswith("/search"):
            body = "<h2>搜索结果</h2>\n" + self.search_results
        else:
            body = ('<h2>系统登录</h2><form method="post" action="login.do">用户名<input name="u">'
                    '密码<input type="password" name="p"><input type="submit" value="登录"></form>')
        return _http_page(self.doc(req.path, "站内搜索", body, bare=True), self.st)

    def render(self, page: _Page, portal: Portal, req: Request) -> Response:
        body = page.body
        if isinstance(body, str):
            body = portal.resolve(body).encode(page.charset, "xmlcharrefreplace")
        ctype = page.ctype + (f"; charset={page.label}" if page.label else "")
        headers = {"Content-Type": ctype}
        for k, v in page.headers.items():
            headers[k] = portal.resolve(v)
        if req.method == "HEAD":
            headers["Content-Length"] = str(len(body))
            body = b""
        return Response(page.status, headers, body)

    def make_handler(self, portal: Portal) -> Callable[[Request], Response]:
        site, traps = self.site, set(self.traps)

        def handle(req: Request) -> Response:
            page: _Page | None
            if req.host in traps or req.host in ("::1", "[::1]"):
                page = self.trap_page(req)
            elif req.host == portal.host and portal.alt_port and req.port == portal.alt_port:
                page = site.find(Request(req.method, req.path, "", {}, b"", req.host, 0)) \
                    if req.path in ("/", "/robots.txt") else None
            else:
                page = site.find(req)
            return self.render(page or self.not_found(), portal, req)

        return handle

    def finish(self) -> Portal:
        hosts = [self.host, *self.extra]
        for _, _, target, _ in self.edges:
            blocked = [p for p in self.disallow if target.startswith(p)]
            assert not blocked, f"{self.family}:{self.seed}: {target} is under Disallow {blocked}"
        robots = self.robots_txt()
        for h in hosts:
            self.site.add(h, "/robots.txt", _Page(robots, "text/plain", "utf-8", None))
            for p in self.disallow:
                self.site.prefix.append((h, p, self.restricted))
        reps = sorted(self.titles.items())
        rows = "".join(f'<li><a href="{self.resolve_gt(u)}">{_text(t)}</a></li>' for u, t in reps)
        self.search_results = f'<ul class="results">{rows}</ul>'
        node_of: dict[str, _Node] = {}
        portal = Portal(
            family=self.family, seed=self.seed, host=self.host,
            homepage=f"@@h:{self.host}@@{self.home_target}", handler=lambda r: Response(500),
            reports=set(self.gt), distractors=set(self.distractor_urls),
            extra_hosts=list(self.extra), out_of_scope=list(self.oos),
            disallowed=list(self.disallow), report_alternatives=dict(self.gt),
            report_titles=dict(self.titles), crawl_delay=self.crawl_delay,
            trap_hosts=list(self.traps), features=set(self.features),
            encodings=dict(self.encodings), site_name=self.site_name,
        )
        portal.raw = {"homepage": portal.homepage, "reports": sorted(self.gt),
                      "distractors": sorted(self.distractor_urls), "out_of_scope": list(self.oos),
                      "alternatives": {k: set(v) for k, v in self.gt.items()},
                      "titles": dict(self.titles), "edges": self.edges, "node_of": node_of}
        portal.handler = self.make_handler(portal)
        self._index_nodes(portal, node_of)
        portal.bind({h: 0 for h in [*hosts, *self.traps]})
        return portal

    def resolve_gt(self, url: str) -> str:
        return url

    def _index_nodes(self, portal: Portal, node_of: dict[str, _Node]) -> None:
        """Map normalised absolute URLs to route nodes (recomputed after every bind)."""

        def rebuild() -> None:
            with self.lock:
                self.served_bad = False
            node_of.clear()
            home = self.node(self.home_target)
            node_of[normalize_url(portal.absolute(f"@@h:{self.host}@@{self.home_target}"))] = home
            for child in self.edges:
                method, host, target, _ = child
                url = normalize_url(portal.absolute(f"@@h:{host}@@{target}"))
                if method == "GET" or url not in node_of:
                    node_of[url] = child

        portal.raw["on_bind"] = rebuild
        rebuild()


# --------------------------------------------------------------------------- families


class _TRS(_Builder):
    """TRS WCM: ``index.html``/``index_N.html`` pages drawn by ``createPageHTML(...)``."""

    family = "trs"
    ext_choices = ("html", "shtml", "htm")

    def pager_js(self, n: int, k: int, total: int) -> str:
        e = self.st.ext
        form = self.pager_form
        if form == 0:
            call = f'createPageHTML({n}, {k}, "index", "{e}");'
        elif form == 1:
            call = f"createPageHTML('pagenav', {n}, {k}, 'index', '{e}', {total});"
        elif form == 2:
            call = (f"var countPage = {n}//共多少页\nvar currentPage = {k}//所在页从0开始\n"
                    "var prevPage = currentPage-1//上一页\nvar nextPage = currentPage+1//下一页\n"
                    f'createPageHTML(countPage, currentPage, "index", "{e}");')
        else:
            call = f"createPageHTML({n},{k},'index','{e}');"
        tag = self.rng.choice(['<script type="text/javascript">', '<script language="JavaScript">',
                               "<script>"])
        return f"{tag}\n{call}\n</script>"

    def list_pages(self, dirpath: str, name: str, pages: list[list[Doc]]) -> None:
        e = self.st.ext
        n = len(pages)
        shown = 10000 if self.big else n
        total = sum(len(p) for p in pages)
        targets = [dirpath] + [f"{dirpath}index_{k}.{e}" for k in range(1, n)]
        for k, docs in enumerate(pages):
            cur = targets[k]
            links = ""
            if self.pager_links:
                parts = []
                if k > 0:
                    parts.append(self.a(self.link(cur, targets[k - 1], edge=False), "上一页",
                                        blank=False))
                if k + 1 < n:
                    parts.append(self.a(self.link(cur, targets[k + 1]), "下一页", blank=False))
                links = "<noscript>" + " ".join(parts) + "</noscript>" if self.rng.random() < 0.5 \
                    else " ".join(parts)
            if k + 1 < n:
                self.edge(self.node(cur), self.node(targets[k + 1]), "createPageHTML")
            body = (f"<h2>{_text(name)}</h2>\n{self.listing(cur, docs)}<div class=\"page\">"
                    f"{self.pager_js(shown, k, total)}{links}</div>\n")
            aliases = [f"{dirpath}index.{e}"] if k == 0 else []
            self.page(cur, name, body, column=self.nb_name, aliases=aliases,
                      head='<script src="/common/js/common.js"></script>\n')

    def build(self) -> None:
        rng = self.rng
        e = self.st.ext
        self.corpus()
        self.pager_form = rng.randrange(4)
        self.pager_links = rng.random() < 0.4
        self.big = self.hostile and rng.random() < 0.5
        if self.big:
            self.features.add("page_count_10000")
        xxgk = rng.choice(["/zwgk/", "/xxgk/", "/zfxxgk/"])
        nbdir = xxgk + rng.choice(["zfxxgknb/", "gknb/", "xxgkml/zfxxgkndbg/", "ndbg/",
                                   "xxgknb/"])
        self.nb_name = rng.choice(["政府信息公开年报", "政府信息公开年度报告", "信息公开年报"])
        self.labels: dict[str, str] = {}
        meta_only = rng.random() < 0.3
        if meta_only:
            self.features.add("column_meta_only")
        cols = self.other_columns(lambda name, slug: f"{xxgk}{slug}/")
        nb_docs = sorted(self.reps + self.mixed, key=lambda d: (d.day, d.id), reverse=True)
        year_sub = rng.random() < 0.35
        groups: list[tuple[str, list[Doc]]] = []
        if year_sub:
            self.features.add("year_subcolumns")
            fmt = rng.choice(["{y}n/", "{y}/", "nb{y}/"])
            by_year: dict[int, list[Doc]] = {}
            for d in nb_docs:
                by_year.setdefault(d.year if d.kind == "report" else max(by_year or [d.year]),
                                   []).append(d)
            for y in sorted(by_year, reverse=True):
                groups.append((nbdir + fmt.format(y=y), by_year[y]))
                self.labels[nbdir + fmt.format(y=y)] = f"{y}年度"
        else:
            groups.append((nbdir, nb_docs))
        for dirpath, docs in groups:
            self.assign(docs, dirpath)
        self.assign(self.news, "/xwzx/")
        self.setup_footer()
        self.nav = [("首页", "/"), ("政务公开", xxgk), ("新闻中心", "/xwzx/"),
                    ("政务服务", "/zwfw/"), ("互动交流", "/hdjl/")]
        rng.shuffle(self.nav[2:])
        blocks = []
        if rng.random() < 0.3:
            quick = self.a(self.link("/", nbdir), self.nb_name)
            blocks.append(f'<div class="kj">{quick}</div>')
        self.homepage(blocks)
        self.xxgk_page(xxgk, cols, nb=(self.nb_name, nbdir, nb_docs[:3]), meta_only=meta_only,
                       aliases=[f"{xxgk}index.{e}"])
        if year_sub:
            links = "".join(f"<li>{self.a(self.link(nbdir, d), self.labels[d])}</li>"
                            for d, _ in groups)
            self.page(nbdir, self.nb_name, f"<h2>{self.nb_name}</h2><ul>{links}</ul>",
                      column=self.nb_name, aliases=[f"{nbdir}index.{e}"])
        for dirpath, docs in groups:
            self.list_pages(dirpath, self.labels.get(dirpath, self.nb_name), self.pages_of(
                docs, 1 if year_sub else 2, 4 if year_sub else 10))
            for d in docs:
                self.article(d, column=self.nb_name, wrap="trs")
        for name, target, docs in cols:
            self.static_column(target, name, docs, wrap="trs", aliases=[f"{target}index.{e}"])
        self.news_section("/xwzx/", "trs", aliases=[f"/xwzx/index.{e}"])
        self.misc_pages({"政务服务": "/zwfw/", "互动交流": "/hdjl/"})
        self.site.add(self.host, "/common/js/common.js", _Page(_TRS_JS, "application/javascript"))


_TRS_JS = """function createPageHTML(a, b, c, d, e) {
  var pageDiv = null, n = a, cur = b, name = c, ext = d;
  if (typeof a === 'string') { pageDiv = a; n = b; cur = c; name = d; ext = e; }
  if (n <= 1) return;
  var html = '';
  if (cur > 0) html += '<a href="' + name + '.' + ext + '">首页</a> ';
  if (cur > 1) html += '<a href="' + name + '_' + (cur - 1) + '.' + ext + '">上一页</a> ';
  if (cur == 1) html += '<a href="' + name + '.' + ext + '">上一页</a> ';
  if (cur + 1 < n) html += '<a href="' + name + '_' + (cur + 1) + '.' + ext + '">下一页</a> ';
  if (cur + 1 < n) html += '<a href="' + name + '_' + (n - 1) + '.' + ext + '">尾页</a>';
  if (pageDiv) document.getElementById(pageDiv).innerHTML = html; else document.write(html);
}
"""


class _Hanweb(_Builder):
    """大汉 JCMS: ``/col/colN/index.html`` with a jpage ``<datastore>`` and ``dataproxy.jsp``."""

    family = "hanweb"
    mixed_max = 3

    def col(self) -> int:
        return self.rng.randint(1229000000, 1229999999) if self.big_ids else \
            self.rng.randint(1000, 99999)

    def col_path(self, colid: int) -> str:
        return f"/col/col{colid}/index.html"

    def art_url(self, d: Doc, col: str) -> str:
        m = re.search(r"col(\d+)", col)
        colid = m.group(1) if m else "1"
        return f"/art/{d.day.year}/{d.day.month}/{d.day.day}/art_{colid}_{d.id}.html"

    def att_url(self, d: Doc) -> str:
        rng = self.rng
        if self.downfile:
            fname = f"{rng.getrandbits(128):032x}.{d.attach}"
            final = rng.choice(["/attach/0/", "/attach/-1/"]) + fname
            url = ("/module/download/downfile.jsp?classid=0&showname="
                   + urllib.parse.quote(f"{d.title}.{d.attach}") + f"&filename={fname}")
            self.final_of[url] = final
            self.final_by_name[fname] = final
            d.alt_urls.append(final)
            return url
        return f"/attach/-1/{rng.randint(10**18, 10**19 - 1)}.{d.attach}"

    def attachment(self, d: Doc, on: str) -> None:
        url = d.att_url
        d.att_url = self.final_of.get(url, url)
        super().attachment(d, on)
        d.att_url = url

    def downfile_handler(self, req: Request) -> _Page:
        name = req.params().get("filename", "")
        final = self.final_by_name.get(name)
        if final is None:
            return _http_page("<html><body>文件不存在</body></html>", self.st, 404)
        return _redirect(f"@@h:{self.host}@@{final}" if self.redirect_abs else final)

    def record(self, d: Doc, href: str) -> str:
        a = self.a(href, self.short(d.title), title=d.title if self.st.title_attr else None)
        day = d.day.strftime(self.st.date_fmt)
        style = self.record_style
        if style == 0:
            return f"<li>{a}<span>{day}</span></li>"
        if style == 1:
            return f"<tr><td>{a}</td><td class=\"date\">{day}</td></tr>"
        if style == 2:
            return f"<div class=\"default_pgContainer_item\">{a}<em>[{day}]</em></div>"
        return f"<p><span class=\"bt-data-time\">{day}</span>{a}</p>"

    def rec_href(self, d: Doc) -> str:
        if self.rec_abs:
            return f"@@h:{d.host or self.host}@@{d.url}"
        return d.url

    def jpage_column(self, colid: int, name: str, docs: list[Doc], *, column: str) -> None:
        cur = self.col_path(colid)
        per, group = self.jp_per, self.jp_group
        unitid = self.rng.randint(10000, 9999999)
        params = (f"webid={self.webid}&path=/&columnid={colid}&unitid={unitid}"
                  f"&webname={urllib.parse.quote(self.site_name)}&permissiontype=0")
        self.jpage[str(colid)] = docs
        first = docs[: per * group]
        records = []
        for d in first:
            href = self.rec_href(d)
            self.edge(self.node(cur), self.node(d.url, d.host or None), self.needle(href))
            records.append(f"<record><![CDATA[\n{self.record(d, href)}\n]]></record>\n")
        nextgroup = f'<a href="/module/web/jpage/dataproxy.jsp?page=1&{params}"></a>'
        form = (f"col=1&appid=1&webid={self.webid}&path=%2F&columnid={colid}"
                f"&sourceContentType=1&unitid={unitid}"
                f"&webname={urllib.parse.quote(self.site_name)}&permissiontype=0")
        step = per * group
        for start in range(step, len(docs), step):
            q = (f"/module/web/jpage/dataproxy.jsp?startrecord={start + 1}"
                 f"&endrecord={start + step}&perpage={per}")
            node = self.node(q, method="POST", body=form)
            self.edge(self.node(cur), node, "dataproxy.jsp")
            for d in docs[start:start + step]:
                self.edge(node, self.node(d.url, d.host or None), self.needle(self.rec_href(d)))
        datastore = (f'<div id="{unitid}"><script type="text/xml"><datastore>\n<nextgroup><![CDATA['
                     f"{nextgroup}]]></nextgroup>\n<recordset>\n{''.join(records)}</recordset>\n"
                     "</datastore></script></div>\n")
        ajax = (f"{{col: 1, appid: 1, webid: {self.webid}, path: '/', columnid: {colid}, "
                f"sourceContentType: 1, unitid: {unitid}, webname: '{self.site_name}', "
                "permissiontype: 0}")
        script = ('<script language="javascript" src="/module/web/jpage/jpage.js"></script>\n'
                  "<script>\n$(document).ready(function(){\n"
                  f"  $('#{unitid}').jpage({{ dataStore: '{unitid}', perPage: {per}, "
                  f"totalRecord: {len(docs)}, groupSize: {group}, barPosition: 'bottom', "
                  f"proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: {ajax} }});\n"
                  "});\n</script>\n")
        body = f"<h2>{_text(name)}</h2>\n{datastore}{script}"
        self.page(cur, name, body, column=column)

    def dataproxy(self, req: Request) -> _Page:
        p = req.params()
        docs = self.jpage.get(p.get("columnid", ""), [])
        per = self.jp_per
        try:
            perpage = int(p.get("perpage") or per)
            if "startrecord" in p:
                start = int(p["startrecord"])
                end = int(p.get("endrecord") or start + perpage * self.jp_group - 1)
            else:
                page = max(1, int(p.get("page") or 1))
                start = (page - 1) * perpage + 1
                end = start + perpage - 1
        except ValueError:
            return _Page("<datastore><recordset></recordset></datastore>", "text/xml")
        start = max(1, start)
        end = min(end, start + 299)
        chosen = docs[start - 1:end] if docs else []
        recs = "".join(f"<record><![CDATA[\n{self.record(d, self.rec_href(d))}\n]]></record>\n"
                       for d in chosen)
        tail = f"<totalrecord>{len(docs)}</totalrecord>" if self.jp_total else ""
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n<nextgroup><![CDATA[]]>'
               f"</nextgroup>\n<recordset>\n{recs}</recordset>\n{tail}</datastore>\n")
        return _Page(xml, "text/xml", "utf-8", "UTF-8")

    def setup_hanweb(self) -> None:
        rng = self.rng
        self.big_ids = rng.random() < 0.5
        self.webid = rng.randint(1, 300)
        self.downfile = rng.random() < 0.7
        self.final_of: dict[str, str] = {}
        self.final_by_name: dict[str, str] = {}
        self.jpage: dict[str, list[Doc]] = {}
        self.record_style = rng.randrange(4)
        self.rec_abs = rng.random() < 0.25
        self.jp_group = rng.choice([1, 2, 3, 3])
        self.jp_total = rng.random() < 0.5
        self.redirect_abs = rng.random() < 0.5
        self.site.dynamic[(self.host, "/module/web/jpage/dataproxy.jsp")] = self.dataproxy
        self.site.dynamic[(self.host, "/module/download/downfile.jsp")] = self.downfile_handler
        self.site.add(self.host, "/module/web/jpage/jpage.js",
                      _Page("(function($){$.fn.jpage=function(o){/* paging */};})(jQuery);",
                            "application/javascript"))

    def scaffold(self, nb_name: str, nb_target: str, nb_preview: list[Doc]) -> tuple[
            str, list[tuple[str, str, list[Doc]]]]:
        """Columns, homepage and 政务公开 page shared by the Hanweb-based families."""
        rng = self.rng
        xxgk = self.col_path(self.col())
        colids = {name: self.col() for name in self._SLUGS}
        cols = self.other_columns(lambda name, slug: self.col_path(colids[name]))
        news_col = self.col_path(self.col())
        self.assign(self.news, news_col)
        self.setup_footer()
        misc = {"政务服务": self.col_path(self.col()), "互动交流": self.col_path(self.col())}
        self.nav = [("首页", "/"), (rng.choice(["政务公开", "政府信息公开"]), xxgk),
                    ("新闻动态", news_col), *misc.items()]
        self.homepage([])
        meta_only = rng.random() < 0.3
        if meta_only:
            self.features.add("column_meta_only")
        self.xxgk_page(xxgk, cols, nb=(nb_name, nb_target, nb_preview), meta_only=meta_only)
        for name, target, docs in cols:
            self.static_column(target, name, docs, wrap="hanweb")
        self.news_section(news_col, "hanweb")
        self.misc_pages(misc)
        return xxgk, cols

    def build(self) -> None:
        rng = self.rng
        self.corpus()
        self.setup_hanweb()
        nb_name = rng.choice(["政府信息公开年报", "政府信息公开年度报告", "年度报告"])
        nb_docs = sorted(self.reps + self.mixed, key=lambda d: (d.day, d.id), reverse=True)
        nbcol = self.col()
        year_sub = rng.random() < 0.3
        subs: list[tuple[int, str, list[Doc]]] = []
        if year_sub:
            self.features.add("year_subcolumns")
            by_year: dict[int, list[Doc]] = {}
            for d in nb_docs:
                by_year.setdefault(d.year, []).append(d)
            for y in sorted(by_year, reverse=True):
                subs.append((self.col(), f"{y}年", by_year[y]))
        else:
            subs.append((nbcol, nb_name, nb_docs))
        for colid, _, docs in subs:
            self.assign(docs, self.col_path(colid))
        pages = self.pages_of(nb_docs, 2, 10)
        self.jp_per = max(1, min(len(pages[0]), 20))
        self.jp_group = min(self.jp_group, max(1, (len(nb_docs) - 1) // self.jp_per))
        self.scaffold(nb_name, self.col_path(nbcol), nb_docs[:3])
        if year_sub:
            links = "".join(f"<li>{self.a(self.link(self.col_path(nbcol), self.col_path(c)), n)}"
                            f"</li>" for c, n, _ in subs)
            self.page(self.col_path(nbcol), nb_name, f"<h2>{nb_name}</h2><ul>{links}</ul>",
                      column=nb_name)
        for colid, name, docs in subs:
            self.jpage_column(colid, name, docs, column=nb_name)
            for d in docs:
                self.article(d, column=nb_name, wrap="hanweb")


class _HanwebXxgk(_Hanweb):
    """大汉 信息公开 module: ``/module/xxgk/search.jsp`` with ``currpage`` and ``共N页``."""

    family = "hanweb_xxgk"

    def search(self, req: Request) -> _Page:
        p = req.params()
        if p.get("area", self.area) not in ("", self.area):
            docs: list[Doc] = []
        else:
            it = p.get("infotypeId", "")
            docs = self.by_type.get(it, []) if it else self.all_docs
            title = p.get("vc_title", "")
            if title:
                docs = [d for d in docs if title in d.title]
        try:
            cur = max(1, int(p.get("currpage") or 1))
        except ValueError:
            cur = 1
        per = self.per
        n = max(1, math.ceil(len(docs) / per))
        chosen = docs[(cur - 1) * per: cur * per]
        rows = []
        for i, d in enumerate(chosen):
            cls = "tr_main_value_odd" if i % 2 == 0 else "tr_main_value_even"
            href = self.rec_href(d)
            a = self.a(href, self.short(d.title), title=d.title if self.st.title_attr else None)
            rows.append(f'<tr class="{cls}"><td>{(cur - 1) * per + i + 1}</td><td>{a}</td>'
                        f"<td>{d.day:%Y-%m-%d}</td></tr>")
        shown = 10000 if self.big else n
        pager = f"&nbsp;&nbsp;共{len(docs)}条&nbsp;&nbsp;共{shown}页&nbsp;&nbsp;当前第{cur}页&nbsp;"
        base = self.search_base(p.get("infotypeId", ""))
        for label, k in (("首页", 1), ("上一页", cur - 1), ("下一页", cur + 1), ("尾页", n)):
            if 1 <= k <= n and k != cur:
                if self.pager_href:
                    pager += self.a(f"{base}&currpage={k}", label, blank=False) + " "
                else:
                    pager += (f'<a href="javascript:void(0)" onclick="searchsubmit({k});return '
                              f'false;">{label}</a> ')
        table = (f'<table class="xxgk_table" width="100%">\n<tr class="tr_main_title"><td>序号'
                 f'</td><td>名称</td><td>发布日期</td></tr>\n{"".join(rows)}\n</table>\n'
                 f'<table class="pagetable"><tr><td>{pager}</td></tr></table>\n')
        return _http_page(self.doc(req.path, "信息公开", table, bare=True), self.st)

    def search_base(self, infotype: str) -> str:
        return (f"/module/xxgk/search.jsp?infotypeId={infotype}&jdid={self.jdid}"
                f"&area={self.area}&divid=div{self.nbcol}")

    def build(self) -> None:
        rng = self.rng
        self.corpus()
        self.setup_hanweb()
        self.rec_abs = rng.random() < 0.2
        self.area = "00" + str(rng.randint(1000000, 9999999))
        self.jdid = rng.randint(1, 5000)
        self.nbcol = self.col()
        self.nb_type = rng.choice(["C05", "A0212", "F01", "B001AC001", "C06"])
        self.pager_href = rng.random() < 0.5
        self.big = self.hostile and rng.random() < 0.4
        if self.big:
            self.features.add("page_count_10000")
        if not self.pager_href:
            self.features.add("js_only_pager")
        nb_name = rng.choice(["政府信息公开年报", "政府信息公开年度报告", "公开年报"])
        nb_docs = sorted(self.reps + self.mixed, key=lambda d: (d.day, d.id), reverse=True)
        self.assign(nb_docs, self.col_path(self.nbcol))
        self.pages_of(nb_docs, 2, 10)
        self.per = self.per_page
        xxgk, cols = self.scaffold(nb_name, self.col_path(self.nbcol), nb_docs[:3])
        others = [d for _, _, docs in cols for d in docs]
        self.by_type = {self.nb_type: nb_docs, "C01": others}
        self.all_docs = sorted(nb_docs + others, key=lambda d: (d.day, d.id), reverse=True)
        self.site.dynamic[(self.host, "/module/xxgk/search.jsp")] = self.search
        base = self.search_base(self.nb_type)
        full = (base + "&standardXxgk=0&isAllList=1&texttype=0&fbtime=-1&vc_all="
                "&vc_filenumber=&vc_title=&vc_number=&sortfield=,compaltedate:0")
        embed = rng.choice(["iframe", "ajax", "ajax", "link"])
        self.features.add(f"xxgk_{embed}")
        cur = self.col_path(self.nbcol)
        if embed == "iframe":
            src = self.link(cur, full + "&currpage=1", mode="root")
            embed_html = f'<iframe id="xxgkframe" src="{self.needle(src)}" width="100%" ' \
                         f'height="800" frameborder="0"></iframe>'
        elif embed == "link":
            href = self.link(cur, full + "&currpage=1", mode="root")
            embed_html = f'<div id="div{self.nbcol}"></div>' + self.a(href, "查看全部年报")
        else:
            data = (f"{{infotypeId: '{self.nb_type}', jdid: '{self.jdid}', area: '{self.area}', "
                    f"divid: 'div{self.nbcol}', vc_title: '', vc_number: '', "
                    "sortfield: ',compaltedate:0', currpage: page, vc_filenumber: '', vc_all: '', "
                    "texttype: '0', fbtime: '-1'}")
            embed_html = (f'<div id="div{self.nbcol}"></div>\n<script>\nfunction searchsubmit(page)'
                          "{\n  $.ajax({type: 'POST', url: '/module/xxgk/search.jsp?"
                          "standardXxgk=0&isAllList=1&texttype=0&fbtime=-1&vc_all=&vc_filenumber="
                          "&vc_title=&vc_number=&currpage=' + page + '&sortfield=,compaltedate:0',"
                          f" data: {data}, success: function(h){{ $('#div{self.nbcol}')"
                          ".html(h); } });\n}\nsearchsubmit(1);\n</script>\n")
        tree = (f'<div class="tree"><iframe src="/module/xxgk/tree.jsp?area={self.area}'
                f'&divid=div{self.nbcol}" frameborder="0"></iframe></div>')
        self.site.add(self.host, f"/module/xxgk/tree.jsp?area={self.area}&divid=div{self.nbcol}",
                      _http_page(self.doc("/module/xxgk/tree.jsp", "目录", "<ul><li>"
                                          + _text(nb_name) + "</li></ul>", bare=True), self.st))
        self.page(cur, nb_name, f"<h2>{_text(nb_name)}</h2>\n{tree}\n{embed_html}",
                  column=nb_name)
        n = math.ceil(len(nb_docs) / self.per)
        for k in range(1, n + 1):
            method = "GET" if embed != "ajax" else "POST"
            target = base + f"&currpage={k}" if method == "GET" else \
                f"/module/xxgk/search.jsp?currpage={k}"
            body = "" if method == "GET" else urllib.parse.urlencode(
                {"infotypeId": self.nb_type, "jdid": self.jdid, "area": self.area,
                 "divid": f"div{self.nbcol}", "currpage": k})
            node = self.node(target, method=method, body=body)
            self.edge(self.node(cur), node, "search.jsp")
            for d in nb_docs[(k - 1) * self.per: k * self.per]:
                self.edge(node, self.node(d.url), self.needle(self.rec_href(d)))
        for d in nb_docs:
            self.article(d, column=nb_name, wrap="hanweb")


class _Zhejiang(_Hanweb):
    """Zhejiang annual-report module ``xxgkAnnualReport.jsp?area=…&fbtime=YYYY``."""

    family = "zhejiang_annual"
    mixed_max = 0

    def annual(self, req: Request) -> _Page:
        p = req.params()
        if p.get("area", "") != self.area:
            return _http_page(self.doc(req.path, "年报", "<p>暂无数据</p>", bare=True), self.st)
        year_s = p.get("fbtime", "")
        year = int(year_s) if year_s.isdigit() else (self.years[0] if self.default_latest else 0)
        try:
            cur = max(1, int(p.get("currpage") or 1))
        except ValueError:
            cur = 1
        docs = self.by_year.get(year, [])
        chosen = docs[(cur - 1) * self.per: cur * self.per]
        n = max(1, math.ceil(len(docs) / self.per))
        body = self.year_selector(year)
        rows = "".join(self.item(req.path, d, href=self.rec_href(d), edge=False) for d in chosen)
        body += f'<ul class="nb-list">{rows}</ul>' if self.st.list_kind != "table" else \
            f"<table>{rows}</table>"
        if n > 1:
            body += f"<div class=\"page\">共{n}页 "
            for k in range(1, n + 1):
                if k != cur:
                    body += self.a(self.annual_url(year, k), str(k), blank=False) + " "
            body += "</div>"
        return _http_page(self.doc(req.path, "政府信息公开年报", body, bare=True), self.st)

    def annual_url(self, year: int, page: int = 1) -> str:
        url = f"/module/xxgk/xxgkAnnualReport.jsp?area={self.area}&fbtime={year}"
        return url + (f"&currpage={page}" if page > 1 else "")

    def year_selector(self, selected: int) -> str:
        opts = "".join(f'<option value="{y}"{" selected" if y == selected else ""}>{y}年</option>'
                       for y in self.years)
        out = ""
        if self.selector in ("select", "both"):
            out += (f'<select id="fbtime" onchange="window.location.href=\'xxgkAnnualReport.jsp?'
                    f"area={self.area}&fbtime='+this.value\">"
                    f'<option value="">请选择年份</option>{opts}</select>\n')
        if self.selector in ("links", "both"):
            out += '<div class="years">' + " ".join(
                self.a(self.annual_url(y), f"{y}年", blank=False) for y in self.years) + "</div>\n"
        return out

    def build(self) -> None:
        rng = self.rng
        self.corpus()
        self.setup_hanweb()
        self.rec_abs = False
        self.area = "00" + str(rng.randint(1000000, 9999999))
        nbcol = self.col()
        self.selector = rng.choice(["select", "links", "both"])
        self.features.add(f"year_{self.selector}")
        self.default_latest = rng.random() < 0.5
        self.per = rng.choice([5, 8, 10, 15])
        nb_name = rng.choice(["政府信息公开年报", "政府信息公开年度报告"])
        self.by_year: dict[int, list[Doc]] = {}
        for d in self.reps:
            self.by_year.setdefault(d.year, []).append(d)
        self.years = sorted(self.by_year, reverse=True)
        self.assign(self.reps, self.col_path(nbcol))
        self.scaffold(nb_name, self.col_path(nbcol), [])
        cur = self.col_path(nbcol)
        module = f"/module/xxgk/xxgkAnnualReport.jsp?area={self.area}"
        href = self.link(cur, module, mode="root")
        if rng.random() < 0.5:
            embed = (f'<iframe src="{self.needle(href)}" width="100%" height="900" '
                     'frameborder="0" scrolling="no"></iframe>')
        else:
            embed = "<p>" + self.a(href, "进入政府信息公开年报专栏") + "</p>"
        self.page(cur, nb_name, f"<h2>{_text(nb_name)}</h2>\n{embed}", column=nb_name)
        self.site.dynamic[(self.host, "/module/xxgk/xxgkAnnualReport.jsp")] = self.annual
        evidence = "fbtime=" if self.selector != "select" else "option value="
        for y in self.years:
            docs = self.by_year[y]
            for k in range(1, math.ceil(len(docs) / self.per) + 1):
                node = self.node(self.annual_url(y, k))
                parent = self.node(module if k == 1 else self.annual_url(y, 1))
                self.edge(parent, node, evidence if k == 1 else "currpage=")
                for d in docs[(k - 1) * self.per: k * self.per]:
                    self.edge(node, self.node(d.url), self.needle(self.rec_href(d)))
        for d in self.reps:
            self.article(d, column=nb_name, wrap="hanweb")


class _Gkmlpt(_Builder):
    """Guangdong gkmlpt: SPA shell with ``window._CONFIG`` and ``/gkmlpt/api/all/{cat}``."""

    family = "gkmlpt"
    encodings_ok = False

    def art_url(self, d: Doc, col: str) -> str:
        return f"/gkmlpt/content/{d.id // 1000000}/{d.id // 1000 % 1000}/post_{d.id}.html"

    def att_url(self, d: Doc) -> str:
        att = self.rng.randint(10000, 99999)
        return f"/attachment/0/{att // 1000}/{att}/{d.id}.{d.attach}"

    def article_json(self, d: Doc) -> dict[str, object]:
        stamp = (d.day.toordinal() - date(1970, 1, 1).toordinal()) * 86400 - 8 * 3600
        out: dict[str, object] = {
            "id": d.id, "title": d.title, "url": f"@@h:{self.host}@@{d.url}",
            "post_url": d.url, "created_at": f"{d.day:%Y-%m-%d} 10:{d.id % 60:02d}:00",
            "display_publish_time": stamp, "date": stamp,
            "identifier": f"{self.code}/{d.day.year}-{d.id % 100000:05d}",
            "publisher": d.unit or self.site_name, "document_number": "", "keywords": "",
            "is_expired": 0, "is_abolished": 0,
            "attachment": [{"name": f"{d.title}.{d.attach}",
                            "url": f"@@h:{self.host}@@{d.att_url}"}] if d.attach else [],
        }
        return out

    def api(self, req: Request) -> _Page:
        m = re.fullmatch(r"/gkmlpt/api/all/(\d+)", req.path)
        p = req.params()
        if m is None:
            return _Page('{"msg": "not found"}', "application/json", "utf-8", "utf-8", 404)
        if p.get("sid", "") != self.sid:
            return _json_page({"articles": [], "total": 0, "msg": "sid error"})
        cat = int(m.group(1))
        docs = self.all_docs if cat == 0 else self.cats.get(cat)
        if docs is None:
            return _json_page({"articles": [], "total": 0, "classify": None})
        try:
            page = max(1, int(p.get("page") or 1))
        except ValueError:
            page = 1
        if self.bad_json and cat == self.nb_cat and page == 2 and self.first_bad():
            return _Page('{"total": ' + str(len(docs)) + ', "articles": [{"id": 1, "title": "',
                         "application/json", "utf-8", "utf-8")
        chosen = docs[(page - 1) * self.per: page * self.per]
        return _json_page({
            "articles": [self.article_json(d) for d in chosen], "total": len(docs),
            "classify": {"id": cat, "name": self.cat_names.get(cat, ""), "post_count": len(docs)},
            "page": page, "per_page": self.per})

    def build(self) -> None:
        rng = self.rng
        self.corpus()
        self.sid = str(rng.randint(100000, 799999))
        self.code = "1144" + str(rng.randint(1000000, 9999999))
        self.bad_json = self.hostile and rng.random() < 0.7
        if self.bad_json:
            self.features.add("invalid_json_once")
        cat_ids = iter(rng.sample(range(2000, 9999), 40))
        nb_name = rng.choice(["政府信息公开年报", "年报", "政府信息公开工作年度报告"])
        self.nb_cat = next(cat_ids)
        cols = self.other_columns(lambda name, slug: f"/gkmlpt/index#{slug}")
        self.cats: dict[int, list[Doc]] = {}
        self.cat_names: dict[int, str] = {}
        col_nodes = []
        for name, _, docs in cols:
            cid = next(cat_ids)
            self.cats[cid] = docs
            self.cat_names[cid] = name
            col_nodes.append({"id": cid, "name": name, "post_count": len(docs), "children": []})
        nb_docs = sorted(self.reps + self.mixed, key=lambda d: (d.day, d.id), reverse=True)
        self.assign(nb_docs, "")
        self.cats[self.nb_cat] = nb_docs
        self.cat_names[self.nb_cat] = nb_name
        self.all_docs = sorted([d for ds in self.cats.values() for d in ds],
                               key=lambda d: (d.day, d.id), reverse=True)
        self.pages_of(nb_docs, 2, 10)
        self.per = self.per_page
        nb_node = {"id": self.nb_cat, "name": nb_name, "post_count": len(nb_docs), "children": []}
        open_node = {"id": next(cat_ids), "name": "政府信息公开", "children": [*col_nodes[:3]]}
        open_node["children"].insert(rng.randint(0, 3), nb_node)
        if rng.random() < 0.5:
            self.features.add("deep_tree")
            open_node = {"id": next(cat_ids), "name": "政务公开", "children": [open_node]}
        tree = [
            {"id": next(cat_ids), "name": "概况信息", "children": [
                {"id": next(cat_ids), "name": "机构职能", "children": []},
                {"id": next(cat_ids), "name": "领导信息", "children": []}]},
            {"id": next(cat_ids), "name": "法规公文", "children": [
                {"id": next(cat_ids), "name": "规范性文件", "children": []}, *col_nodes[3:]]},
            {"id": next(cat_ids), "name": "规划计划", "children": []},
            {"id": next(cat_ids), "name": "政务服务", "jump_url": "/zwfw/", "children": []},
        ]
        tree.insert(rng.randint(1, len(tree)), open_node)
        self.assign(self.news, "/xwzx/")
        for d in self.news:
            d.url = f"/xwzx/content/post_{d.id}.html"
        self.setup_footer()
        self.nav = [("首页", "/"), ("政务公开", "/zwgk/index.html"), ("新闻中心", "/xwzx/"),
                    ("政务服务", "/zwfw/")]
        self.homepage([])
        zw = "/zwgk/index.html"
        links = [self.a(self.link(zw, "/gkmlpt/index"), "政府信息公开目录")]
        if rng.random() < 0.5:
            self.features.add("hash_link")
            links.append(self.a(self.link(zw, f"/gkmlpt/index#{self.nb_cat}"), nb_name))
        links.append(self.a(self.link(zw, "/gkmlpt/policy"), "政策文件"))
        self.page(zw, "政务公开", "<ul>" + "".join(f"<li>{x}</li>" for x in links) + "</ul>",
                  column="政务公开")
        self.page("/gkmlpt/policy", "政策文件", "<p>政策文件库</p>", column="政策文件")
        q = rng.choice(["'", '"', ""])
        sid_js = self.sid if q == "" else f"{q}{self.sid}{q}"
        bundle = f"/gkmlpt/gkml/pc/js/chunk-common.{rng.getrandbits(32):08x}.js"
        config = ("window._CONFIG = {\n    SID: " + sid_js + ",\n    SITE_NAME: '" + self.site_name
                  + "',\n    SITE_URL: '@@h:" + self.host + "@@',\n    TREE: "
                  + json.dumps(tree, ensure_ascii=False) + ",\n    SERVICE_AREA_ID: 0,\n"
                  "    IS_SHOW_TREE: true\n};")
        shell = (f'<!DOCTYPE html><html><head><meta charset=utf-8><title>{_text(self.site_name)}'
                 "政府信息公开目录</title><link href=/gkmlpt/gkml/pc/css/app.css rel=stylesheet>"
                 f"</head><body><div id=app></div><script>\n{config}\n</script>"
                 f"<script src={bundle}></script></body></html>")
        self.site.add(self.host, "/gkmlpt/index", _Page(shell, "text/html", "utf-8", "utf-8"))
        js = ('(window.webpackJsonp=window.webpackJsonp||[]).push([["chunk-common"],{"7f1d":'
              'function(t,e,n){"use strict";n.d(e,"a",function(){return o});'
              'var o=function(t,e,n){return r.get("/gkmlpt/api/all/"+t+"?page="+e+"&sid="+n)}}}]);')
        self.site.add(self.host, bundle, _Page(js, "application/javascript", "utf-8", None))
        self.site.prefix.append((self.host, "/gkmlpt/api/all/", self.api))
        for k in range(1, math.ceil(len(nb_docs) / self.per) + 1):
            node = self.node(f"/gkmlpt/api/all/{self.nb_cat}?page={k}&sid={self.sid}")
            self.edge(self.node("/gkmlpt/index"), node, "SID")
            for d in nb_docs[(k - 1) * self.per: k * self.per]:
                self.edge(node, self.node(d.url), f"@@h:{self.host}@@{d.url}")
        embed_detail = rng.random() < 0.5
        names = {d.id: self.cat_names[c] for c, ds in self.cats.items() for d in ds}
        for docs in self.cats.values():
            for d in docs:
                head = ""
                if embed_detail:
                    detail = {"title": d.title, "content": "".join(
                        f"<p>{_text(x)}</p>" for x in self.paras_of(d))}
                    head = ("<script>window._CONFIG = {SID: '" + self.sid + "', DETAIL: "
                            + json.dumps(detail, ensure_ascii=False) + "};</script>\n")
                self.article(d, column=names[d.id], wrap="gkmlpt", head=head)
        self.news_section("/xwzx/", aliases=["/xwzx/index.html"])
        self.misc_pages({"政务服务": "/zwfw/"})


class _JsonList(_Builder):
    """A list filled by an inline script from a JSON endpoint (pageNo/page/current…)."""

    family = "json_list"

    def art_url(self, d: Doc, col: str) -> str:
        if d.kind != "report" and d not in self.mixed:
            return super().art_url(d, col)
        scheme = self.art_scheme
        if scheme == "content":
            return f"{self.nb_dir}content/{d.id}.html"
        if scheme == "dated":
            return f"{self.nb_dir}{d.day:%Y%m}/{d.id}.shtml"
        return f"/detail.html?id={d.id}&channelId={self.chan}"

    def item_json(self, d: Doc) -> dict[str, object]:
        t, u, dt = self.fields
        out: dict[str, object] = {"id": d.id, t: d.title, u: self.json_href(d),
                                  dt: f"{d.day:%Y-%m-%d} 00:00:00"}
        if self.rng_flag_summary:
            out["summary"] = d.title[:12]
        return out

    def json_href(self, d: Doc) -> str:
        if self.url_form == "abs":
            return f"@@h:{self.host}@@{d.url}"
        if self.url_form == "rel":
            return relurl(self.nb_page, d.url)
        return d.url

    def api(self, req: Request) -> _Page:
        if self.post_only and req.method != "POST":
            return _Page('{"code": 405, "msg": "Request method \'GET\' not supported"}',
                         "application/json", "utf-8", "utf-8", 405)
        p = req.params()
        pn, ps = self.page_names
        docs = self.nb_docs if p.get(self.chan_name, "") == str(self.chan) else []
        try:
            page = max(1, int(p.get(pn) or 1))
            per = max(1, min(100, int(p.get(ps) or self.per)))
        except ValueError:
            return _Page('{"code": 500, "msg": "参数错误"}', "application/json", "utf-8", "utf-8",
                         400)
        if self.bad_json and page == 2 and docs and self.first_bad():
            return _Page('{"code":200,"data":{"list":[{"title":"', "application/json", "utf-8",
                         "utf-8")
        items = [self.item_json(d) for d in docs[(page - 1) * per: page * per]]
        total, pages = len(docs), max(1, math.ceil(len(docs) / per))
        shape = self.shape
        if shape == 0:
            data: dict[str, object] = {"code": 200, "msg": "success", "data": {
                "list": items, "total": total, "pageNo": page, "pageSize": per, "pages": pages}}
        elif shape == 1:
            data = {"total": total, "rows": items}
        elif shape == 2:
            data = {"code": 0, "data": {"records": items, "total": total, "size": per,
                                        "current": page, "pages": pages}}
        else:
            data = {"success": True, "result": {"items": items, "totalPage": pages,
                                                "totalCount": total}}
        return _json_page(data)

    def script(self) -> str:
        pn, ps = self.page_names
        api, cn, chan, per = self.api_path, self.chan_name, self.chan, self.per
        t, u, _ = self.fields
        rows = {0: "res.data.list", 1: "res.rows", 2: "res.data.records",
                3: "res.result.items"}[self.shape]
        render = (f"  var list = {rows}; var html = '';\n"
                  "  for (var i = 0; i < list.length; i++) {\n"
                  f"    html += '<li><a href=\"' + list[i].{u} + '\" target=\"_blank\">' + "
                  f"list[i].{t} + '</a></li>';\n  }}\n  document.getElementById('list').innerHTML"
                  " = html;\n")
        style = self.call_style
        if style == "concat":
            call = (f"  $.getJSON('{api}?{cn}=' + channelId + '&{pn}=' + page + '&{ps}={per}', "
                    "function (res) {\n" + render + "  });\n")
        elif style == "template":
            call = (f"  fetch(`{api}?{cn}=${{channelId}}&{pn}=${{page}}&{ps}={per}`)"
                    ".then(function (r) { return r.json(); }).then(function (res) {\n"
                    + render + "  });\n")
        elif style == "object":
            method = "POST" if self.method == "POST_FORM" else "GET"
            call = (f"  $.ajax({{url: '{api}', type: '{method}', dataType: 'json', data: "
                    f"{{{cn}: channelId, {pn}: page, {ps}: {per}}}, success: function (res) {{\n"
                    + render + "  }});\n")
        else:
            call = (f"  axios.post('{api}', {{{cn}: channelId, {pn}: page, {ps}: {per}}})"
                    ".then(function (resp) { var res = resp.data;\n" + render + "  });\n")
        return (f"<script>\nvar channelId = '{chan}';\nfunction loadPage(page) {{\n{call}}}\n"
                "loadPage(1);\n</script>\n")

    def build(self) -> None:
        rng = self.rng
        self.corpus()
        self.mixed = self.mixed[:2]
        self.rng_flag_summary = rng.random() < 0.5
        self.api_path = rng.choice(["/api/list", "/api/content/list",
                                    "/interface/getArticleList.do", "/cms/api/article/page"])
        self.page_names = rng.choice([("pageNo", "pageSize"), ("page", "size"),
                                      ("current", "size"), ("pageIndex", "pageSize"),
                                      ("page", "rows")])
        self.chan_name = rng.choice(["channelId", "columnId", "categoryId", "catalogId"])
        self.chan = rng.randint(100, 9999)
        self.method = rng.choice(["GET", "GET", "POST_FORM", "POST_JSON"])
        self.call_style = {"GET": rng.choice(["concat", "template", "object"]),
                           "POST_FORM": "object", "POST_JSON": "axios"}[self.method]
        self.post_only = self.method != "GET" and rng.random() < 0.5
        self.shape = rng.randrange(4)
        self.fields = rng.choice([("title", "url", "publishDate"),
                                  ("docTitle", "docUrl", "pubDate"),
                                  ("name", "link", "createTime"),
                                  ("title", "path", "releaseTime")])
        self.url_form = rng.choice(["root", "root", "abs", "rel"])
        self.art_scheme = rng.choice(["content", "dated", "query"])
        self.bad_json = self.hostile and rng.random() < 0.7
        self.features |= {f"json_shape_{self.shape}", f"json_{self.method.lower()}",
                          f"json_call_{self.call_style}"}
        if self.bad_json:
            self.features.add("invalid_json_once")
        if self.post_only:
            self.features.add("post_only")
        self.reserved.append(self.api_path)
        self.nb_dir = rng.choice(["/zwgk/nb/", "/xxgk/ndbg/", "/gkml/gknb/"])
        self.nb_page = self.nb_dir + rng.choice(["index.html", "", "list.html"])
        nb_name = rng.choice(["政府信息公开年报", "政府信息公开年度报告"])
        self.nb_docs = sorted(self.reps + self.mixed, key=lambda d: (d.day, d.id), reverse=True)
        self.assign(self.nb_docs, self.nb_dir)
        self.pages_of(self.nb_docs, 2, 10)
        self.per = self.per_page
        cols = self.other_columns(lambda name, slug: f"/zwgk/{slug}/")
        self.assign(self.news, "/xwzx/")
        self.setup_footer()
        self.nav = [("首页", "/"), ("政务公开", "/zwgk/"), ("新闻中心", "/xwzx/")]
        self.homepage([])
        meta_only = rng.random() < 0.25
        self.xxgk_page("/zwgk/", cols, nb=(nb_name, self.nb_page, self.nb_docs[:3]),
                       meta_only=meta_only, aliases=["/zwgk/index.html"])
        body = (f"<h2>{_text(nb_name)}</h2>\n<div class=\"list-box\"><ul id=\"list\"></ul>"
                f"<div id=\"pager\"></div></div>\n<noscript>请开启JavaScript</noscript>\n"
                + self.script())
        self.page(self.nb_page, nb_name, body, column=nb_name)
        self.site.dynamic[(self.host, self.api_path)] = self.api
        pn, ps = self.page_names
        for k in range(1, math.ceil(len(self.nb_docs) / self.per) + 1):
            fields = {self.chan_name: str(self.chan), pn: str(k), ps: str(self.per)}
            if self.method == "GET":
                node = self.node(f"{self.api_path}?{urllib.parse.urlencode(fields)}")
            elif self.method == "POST_FORM":
                node = self.node(self.api_path, method="POST", body=urllib.parse.urlencode(fields))
            else:
                node = self.node(self.api_path, method="POST",
                                 body=json.dumps({self.chan_name: self.chan, pn: k, ps: self.per}))
            self.edge(self.node(self.nb_page), node, self.api_path)
            for d in self.nb_docs[(k - 1) * self.per: k * self.per]:
                self.edge(node, self.node(d.url), self.json_href(d))
        for d in self.nb_docs:
            self.article(d, column=nb_name)
        for name, target, docs in cols:
            self.static_column(target, name, docs, aliases=[f"{target}index.html"])
        self.news_section("/xwzx/", aliases=["/xwzx/index.html"])


class _Handmade(_Builder):
    """A hand-made site: plain lists, 下一页/下页/尾页/›/» links, year sub-columns."""

    family = "handmade"
    ext_choices = ("htm", "html")

    def art_url(self, d: Doc, col: str) -> str:
        base = col.split("?", 1)[0]
        base = base if base.endswith("/") else base.rsplit("/", 1)[0] + "/"
        return f"{base}content_{d.id}.{self.st.ext}"

    def att_url(self, d: Doc) -> str:
        return f"/uploadfile/{d.day:%Y%m}/{d.id}{self.rng.randint(100, 999)}.{d.attach}"

    def page_target(self, dirpath: str, k: int) -> str:
        """List page ``k`` (1-based) of the list in ``dirpath``."""
        e = self.st.ext
        scheme = self.pag
        if k == 1:
            return dirpath if scheme != "list_N" else f"{dirpath}list.{e}"
        if scheme == "index_N":
            return f"{dirpath}index_{k}.{e}"
        if scheme == "list_N":
            return f"{dirpath}list_{k}.{e}"
        if scheme == "query":
            return f"{dirpath}?page={k}"
        return f"{dirpath}index.{e}?page={k}"

    def list_html(self, dirpath: str, name: str, pages: list[list[Doc]], k: int, *,
                  request_time: bool = False) -> str:
        n = len(pages)
        docs = pages[min(k, n) - 1]
        cur = self.page_target(dirpath, k)
        mode = "root" if request_time else None
        nxt, last = self.labels
        rows = "".join(self.item(cur, d, edge=not request_time,
                                 href=self.link(cur, d.url, mode=mode, edge=not request_time)
                                 if request_time else None) for d in docs)
        parts = [f"共{n if not self.big else 10000}页 第{k}页"]
        if k > 1:
            parts.append(self.a(self.link(cur, self.page_target(dirpath, 1), mode=mode,
                                          edge=False), "首页", blank=False))
            parts.append(self.a(self.link(cur, self.page_target(dirpath, k - 1), mode=mode,
                                          edge=False), "上一页", blank=False))
        following = k + 1
        if k < n or self.loop == "clamp":
            parts.append(self.a(self.link(cur, self.page_target(dirpath, following), mode=mode,
                                          edge=not request_time), nxt, blank=False))
        elif self.loop == "cycle":
            back = f"{dirpath}index.{self.st.ext}" if self.pag != "index_N" else f"{dirpath}?p=1"
            parts.append(self.a(self.link(cur, back, mode=mode, edge=False), nxt, blank=False))
        last_k = 10000 if self.big else n
        if k < last_k:
            parts.append(self.a(self.link(cur, self.page_target(dirpath, last_k), mode=mode,
                                          edge=False), last, blank=False))
        table = f"<table width=\"100%\">{rows}</table>" if self.st.list_kind == "table" else \
            f"<ul>{rows}</ul>"
        return f"<h2>{_text(name)}</h2>\n{table}\n<div class=\"pages\">{' '.join(parts)}</div>\n"

    def list_pages(self, dirpath: str, name: str, docs: list[Doc], lo: int, hi: int) -> None:
        pages = self.pages_of(docs, lo, hi)
        for k in range(1, len(pages) + 1):
            target = self.page_target(dirpath, k)
            body = self.list_html(dirpath, name, pages, k)
            aliases = ([f"{dirpath}index.{self.st.ext}"] if self.pag != "list_N" else [dirpath]) \
                if k == 1 else []
            self.page(target, name, body, column=self.nb_name, aliases=aliases)
        if self.loop == "clamp":
            path = self.page_target(dirpath, 2).split("?", 1)[0]

            def clamp(req: Request, dirpath: str = dirpath, pages: list[list[Doc]] = pages,
                      name: str = name) -> _Page:
                try:
                    k = max(1, int(req.params().get("page", "1")))
                except ValueError:
                    k = 1
                text = self.doc(req.path, name, self.list_html(dirpath, name, pages, k,
                                                               request_time=True))
                return _http_page(text, self.st)

            self.site.dynamic[(self.host, path)] = clamp
        if self.loop == "cycle":
            back = f"{dirpath}index.{self.st.ext}" if self.pag != "index_N" else f"{dirpath}?p=1"
            self.page(back, name, self.list_html(dirpath, name, pages, 1), column=self.nb_name)

    def build(self) -> None:
        rng = self.rng
        self.corpus()
        base = rng.choice(["/zfxxgk/", "/xxgk/", "/gk/"])
        nb = base + rng.choice(["gknb/", "ndbg/", "nb/"])
        self.nb_name = rng.choice(["政府信息公开年报", "政府信息公开年度报告", "信息公开年报"])
        self.pag = rng.choice(["index_N", "list_N", "query", "query_index"])
        self.features.add(f"pages_{self.pag}")
        self.labels = rng.choice([("下一页", "尾页"), ("下页", "末页"), ("›", "»"),
                                  ("下一页>>", "尾页>>"), (">", ">>")])
        self.loop = ""
        if self.pag in ("query", "query_index") and self.hostile:
            self.loop = "clamp"
            self.features.add("pagination_loop")
        elif rng.random() < 0.3:
            self.loop = "cycle"
            self.features.add("pagination_cycle")
        self.big = self.hostile and self.loop != "clamp" and rng.random() < 0.4
        if self.big:
            self.features.add("page_count_10000")
        nb_docs = sorted(self.reps + self.mixed, key=lambda d: (d.day, d.id), reverse=True)
        year_sub = rng.random() < 0.5
        groups: list[tuple[str, str, list[Doc]]] = []
        if year_sub:
            self.features.add("year_subcolumns")
            fmt = rng.choice(["gknb{y}/", "{y}nb/"])
            by_year: dict[int, list[Doc]] = {}
            for d in nb_docs:
                by_year.setdefault(d.year, []).append(d)
            for y in sorted(by_year, reverse=True):
                groups.append((nb + fmt.format(y=y), f"{y}年度政府信息公开年报", by_year[y]))
        else:
            groups.append((nb, self.nb_name, nb_docs))
        for dirpath, _, docs in groups:
            self.assign(docs, dirpath)
        cols = self.other_columns(lambda name, slug: f"{base}{slug}/")
        self.assign(self.news, "/news/")
        self.setup_footer()
        self.nav = [("网站首页", "/"), ("政府信息公开", base), ("新闻动态", "/news/"),
                    ("办事服务", "/bsfw/")]
        self.homepage([])
        nb_entry = nb if year_sub else self.page_target(nb, 1)
        self.xxgk_page(base, cols, nb=(self.nb_name, nb_entry, nb_docs[:3]), meta_only=False,
                       title="政府信息公开", aliases=[f"{base}index.{self.st.ext}"])
        if year_sub:
            links = "".join(f"<li>{self.a(self.link(nb, self.page_target(d, 1)), n)}</li>"
                            for d, n, _ in groups)
            self.page(nb, self.nb_name, f"<h2>{self.nb_name}</h2><ul>{links}</ul>",
                      column=self.nb_name, aliases=[f"{nb}index.{self.st.ext}"])
        for dirpath, name, docs in groups:
            self.list_pages(dirpath, name, docs, 1 if year_sub else 2, 4 if year_sub else 10)
            for d in docs:
                self.article(d, column=self.nb_name)
        for name, target, docs in cols:
            self.static_column(target, name, docs)
        self.news_section("/news/")
        self.misc_pages({"办事服务": "/bsfw/"})


class _Mirror(_Builder):
    """A document mirror in Traditional characters: 年度報告, 下一頁, ``index_N.html``."""

    family = "mirror_traditional"
    mixed_max = 2

    def make_style(self) -> Style:
        st = super().make_style()
        self.features.discard("gbk")
        if self.v in (2, 5, 8):
            st.encoding, st.label = "big5", self.rng.choice(["big5", "Big5"])
            self.features.add("big5")
        elif st.encoding == "gbk":
            st.encoding, st.label = "utf-8", "utf-8"
        return st

    def art_url(self, d: Doc, col: str) -> str:
        return f"/doc/{d.day.year}/{d.id}.html"

    def att_url(self, d: Doc) -> str:
        return f"/files/{d.day.year}/{d.id}.{d.attach}"

    def paras_of(self, d: Doc) -> list[str]:
        return [to_traditional(p) for p in super().paras_of(d)]

    def build(self) -> None:
        rng = self.rng
        self.site_name = rng.choice(["政府信息公開文庫", "政務公開資料鏡像站", "公文鏡像庫"])
        counties = [self.county] + ["".join(rng.sample(_NAME_CHARS, 2)) + rng.choice("縣市區")
                                    for _ in range(rng.randint(1, 3))]
        n = rng.randint(5, 40)
        reps: list[Doc] = []
        for i, county in enumerate(counties):
            share = n // len(counties) + (1 if i < n % len(counties) else 0)
            if share:
                reps += self.make_reports(share, county=county)
        for d in reps:
            d.title = to_traditional(d.title)
            d.unit = to_traditional(d.unit)
        self.reps = sorted(reps, key=lambda d: (d.day, d.id), reverse=True)
        dis = self.make_distractors(rng.randint(3, 6))
        for d in dis:
            d.title = to_traditional(d.title)
        m = min(rng.randint(0, self.mixed_max), len(dis) - 1)
        self.mixed, self.dis_other = dis[:m], dis[m:]
        self.others = self.make_others(rng.randint(4, 8))
        self.news = []
        for d in self.others:
            d.title = to_traditional(d.title)
        start = rng.choice([1, 2])
        nb_docs = sorted(self.reps + self.mixed, key=lambda d: (d.day, d.id), reverse=True)
        self.assign(nb_docs, "/gk/ndbg/")
        self.assign(self.dis_other + self.others, "/gk/")
        self.setup_footer()
        self.footer_links = [(to_traditional(t), h) for t, h in self.footer_links]
        self.nav = [("首頁", "/"), ("政府信息公開", "/gk/"), ("關於本站", "/about.html")]
        cur = "/"
        latest = self.listing(cur, nb_docs[:5])
        self.homepage([f'<div class="box"><h2>最新收錄</h2>{latest}</div>'])
        cats = [("年度報告", "/gk/ndbg/index.html", nb_docs), ("通知公告", "/gk/tzgg/index.html",
                                                            self.dis_other),
                ("其他文件", "/gk/qtwj/index.html", self.others)]
        rng.shuffle(cats)
        blocks = "".join(f"<li>{self.a(self.link('/gk/', t), name)}</li>" for name, t, _ in cats)
        self.page("/gk/", "政府信息公開", f"<h2>政府信息公開</h2><ul>{blocks}</ul>",
                  column="政府信息公開", aliases=["/gk/index.html"])
        for name, target, docs in cats:
            dirpath = target.rsplit("/", 1)[0] + "/"
            pages = self.pages_of(docs, 2 if docs is nb_docs else 1, 10 if docs is nb_docs else 2)
            n_pages = len(pages)
            targets = [target] + [f"{dirpath}index_{k + start - 1}.html" for k in range(1, n_pages)]
            for k, chunk in enumerate(pages):
                cur = targets[k]
                nav = [f"第{k + 1}/{n_pages}頁"]
                if k > 0:
                    nav.append(self.a(self.link(cur, targets[k - 1], edge=False), "上一頁",
                                      blank=False))
                if k + 1 < n_pages:
                    nav.append(self.a(self.link(cur, targets[k + 1]), "下一頁", blank=False))
                    nav.append(self.a(self.link(cur, targets[-1], edge=False), "尾頁",
                                      blank=False))
                body = (f"<h2>{name}</h2>\n{self.listing(cur, chunk)}"
                        f"<div class=\"pagination\">{' '.join(nav)}</div>")
                self.page(cur, name, body, column=name)
            for d in docs:
                self.article(d, column=name)
        self.page("/about.html", "關於本站", "<p>本站收錄各地政府信息公開文件，僅供研究參考。</p>")


class _Provincial(_Builder):
    """A province page listing its own reports and its departments' (on other hosts)."""

    family = "provincial"

    def build(self) -> None:
        rng = self.rng
        province = rng.choice(_PROVINCES)
        self.county = province
        self.site_name = f"{province}人民政府"
        self.reps = self.make_reports(rng.randint(5, 15))
        for d in self.reps:
            if d.sub != "county":
                d.unit = province + rng.choice(_PROV_DEPTS)
                d.title = self.report_title(d.unit, d.year)
        dis = self.make_distractors(rng.randint(3, 6))
        self.mixed, self.dis_other = dis[:1], dis[1:]
        self.others = self.make_others(rng.randint(4, 8))
        self.news = self.make_others(3, _NEWS_TPLS)
        e = self.st.ext if self.st.ext in ("html", "shtml") else "html"
        nbdir = "/zwgk/zfxxgknb/"
        own = sorted(self.reps + self.mixed, key=lambda d: (d.day, d.id), reverse=True)
        self.assign(own, nbdir)
        cols = self.other_columns(lambda name, slug: f"/zwgk/{slug}/")
        self.assign(self.news, "/xwzx/")
        depts = rng.sample(_PROV_DEPTS, rng.randint(2, 4))
        dept_docs: list[tuple[str, str, list[Doc], bool]] = []
        for i, dept in enumerate(depts):
            host = extra_host(self.host, i)
            self.extra.append(host)
            self.encodings[host] = self.st.encoding
            unit = province + dept
            docs = []
            latest = self.year_span()
            for k in range(rng.randint(1, 4)):
                year = latest - k
                d = Doc(next(self.ids), self.report_title(unit, year), self.pub_day(year), year,
                        "report", "dept", unit, host=host)
                if rng.random() < 0.3:
                    d.attach, d.attach_only = "pdf", rng.random() < 0.5
                docs.append(d)
            for d in docs:
                d.url = f"/xxgk/ndbg/{d.day:%Y%m}/t{d.day:%Y%m%d}_{d.id}.{e}"
                if d.attach:
                    d.att_url = f"/xxgk/ndbg/{d.day:%Y%m}/P0{d.day:%Y%m%d}{d.id}.{d.attach}"
            dept_docs.append((host, unit, docs, rng.random() < 0.5))
        cities = ["".join(rng.sample(_NAME_CHARS, 2)) + "市" for _ in range(rng.randint(1, 3))]
        self.traps = [trap_host(self.host, i) for i in range(len(cities))]
        self.setup_footer()
        self.nav = [("首页", "/"), ("政务公开", "/zwgk/"), ("新闻中心", "/xwzx/")]
        self.homepage([])
        self.xxgk_page("/zwgk/", cols, nb=("政府信息公开年报", nbdir, own[:2]), meta_only=False,
                       aliases=[f"/zwgk/index.{e}"])
        pages = self.pages_of(own, 2, 4)
        targets = [nbdir] + [f"{nbdir}index_{k}.{e}" for k in range(1, len(pages))]
        for k, chunk in enumerate(pages):
            cur = targets[k]
            body = f"<h2>省政府</h2>\n{self.listing(cur, chunk)}"
            pager = []
            if k + 1 < len(pages):
                pager.append(self.a(self.link(cur, targets[k + 1]), "下一页", blank=False))
            if k > 0:
                pager.append(self.a(self.link(cur, targets[0], edge=False), "首页", blank=False))
            body += f"<div class=\"page\">{' '.join(pager)}</div>\n"
            if k == 0:
                items, direct = [], []
                for host, unit, docs, to_list in dept_docs:
                    if to_list:
                        href = self.link(cur, "/xxgk/ndbg/", host=host, mode="abs")
                        items.append(f"<li>{self.a(href, unit)}</li>")
                    else:
                        direct.append(f"<h3>{_text(unit)}</h3>\n{self.listing(cur, docs)}")
                body += "<h2>省直部门</h2>\n<ul>" + "".join(items) + "</ul>\n" + "".join(direct)
                cities_html = "".join(
                    f"<li>{self.a(f'@@h:{trap}@@/xxgk/nb/index.html', c + '政府信息公开年报')}</li>"
                    for c, trap in zip(cities, self.traps, strict=True))
                body += f"<h2>市县政府</h2>\n<ul>{cities_html}</ul>\n"
                self.oos += [f"@@h:{trap}@@/xxgk/nb/index.html" for trap in self.traps]
            self.page(cur, "政府信息公开年报", body, column="政府信息公开年报",
                      aliases=[f"{nbdir}index.{e}"] if k == 0 else [])
        for d in own:
            self.article(d, column="政府信息公开年报", wrap="trs")
        for host, unit, docs, _ in dept_docs:
            home_href = self.link("/", "/xxgk/ndbg/", host=host, on=host)
            home_link = self.a(home_href, "政府信息公开年报")
            self.page("/", unit, f"<h1>{_text(unit)}</h1><p>{home_link}</p>", on=host)
            body = f"<h2>{_text(unit)}政府信息公开年报</h2>\n" + self.listing("/xxgk/ndbg/", docs,
                                                                            on=host)
            self.page("/xxgk/ndbg/", "政府信息公开年报", body, on=host, column="政府信息公开年报",
                      aliases=[f"/xxgk/ndbg/index.{e}"])
            for d in docs:
                self.article(d, column="政府信息公开年报", on=host, wrap="trs")
        for name, target, docs in cols:
            self.static_column(target, name, docs, aliases=[f"{target}index.{e}"])
        self.news_section("/xwzx/", aliases=[f"/xwzx/index.{e}"])


class _Generic(_Builder):
    """No known CMS: odd markup, ``?page=N`` or only ``共N页`` printed, titles tell all."""

    family = "generic"
    ext_choices = ("htm", "asp", "html")
    mixed_max = 4

    def art_url(self, d: Doc, col: str) -> str:
        if self.art_scheme == "show":
            return f"/web/show.asp?id={d.id}"
        if self.art_scheme == "jsp":
            return f"/web/view.jsp?id={d.id}"
        return f"/html/{d.day:%Y%m}/{d.id}.htm"

    def att_url(self, d: Doc) -> str:
        return f"/upload/{d.day:%Y}/{d.id}.{d.attach}"

    def build(self) -> None:
        rng = self.rng
        self.st.upper = rng.random() < 0.5
        if self.st.upper:
            self.features.add("uppercase_tags")
        self.art_scheme = rng.choice(["show", "html", "jsp"])
        pe = "html" if self.st.ext == "html" else "htm"
        self.corpus()
        pool = self.reps + self.mixed + self.others[:rng.randint(2, 6)]
        self.others = [d for d in self.others if d not in pool]
        docs = sorted(pool, key=lambda d: (d.day, d.id), reverse=True)
        self.assign(docs, "/web/")
        cols = self.other_columns(lambda name, slug: f"/web/{slug}.htm")
        for _, _, ds in cols:
            self.assign(ds, "/web/")
        self.assign(self.news, "/web/")
        col_name = rng.choice(["公开目录", "文件资料", "其他公开信息", "信息发布"])
        self.pag = rng.choice(["query", "printed"])
        self.features.add(f"generic_{self.pag}")
        list_first = "/web/list.asp?cid=7" if self.pag == "query" else f"/web/xxgk/list.{pe}"
        entry = rng.choice(["plain", "frameset", "refresh"])
        self.features.add(f"home_{entry}")
        main = "/" if entry == "plain" else "/web/main.htm"
        self.setup_footer()
        self.nav = [("首 页", main), ("信息公开", "/web/xxgk.htm"), ("新闻", "/web/news.htm")]
        if entry == "frameset":
            html_text = ('<html><head><title>' + _text(self.site_name) + '</title></head>'
                         '<frameset rows="110,*" frameborder="0"><frame src="/web/top.htm" '
                         'name="top"><frame src="/web/main.htm" name="main"></frameset></html>')
            self.site.add(self.host, "/", _http_page(html_text, self.st))
            self.edge(self.node("/"), self.node(main), "main.htm")
            self.page("/web/top.htm", self.site_name, "<h1>" + _text(self.site_name) + "</h1>",
                      bare=True)
        elif entry == "refresh":
            html_text = ('<html><head><meta http-equiv="refresh" content="0;url=/web/main.htm">'
                         '<script>window.location.href="/web/main.htm";</script></head>'
                         '<body>正在跳转……</body></html>')
            self.site.add(self.host, "/", _http_page(html_text, self.st))
            self.edge(self.node("/"), self.node(main), "main.htm")
        self.home_target = main if entry != "plain" else "/"
        self.homepage([])
        self.home_target = "/"
        blocks = "".join(f"<TR><TD>{self.a(self.link('/web/xxgk.htm', t), n)}</TD></TR>"
                         for n, t, _ in [*cols[:3], (col_name, list_first, [])])
        self.page("/web/xxgk.htm", "信息公开", f"<TABLE border=0>{blocks}</TABLE>")
        for name, target, ds in cols:
            self.static_column(target, name, ds, wrap="old")
        self.static_column("/web/news.htm", "新闻", self.news, wrap="old")
        pages = self.pages_of(docs, 2, 10)
        n = len(pages)
        onclick = self.hostile and rng.random() < 0.5
        if onclick:
            self.features.add("onclick_links")
        for k, chunk in enumerate(pages, 1):
            if self.pag == "query":
                cur = list_first if k == 1 else f"{list_first}&page={k}"
            else:
                cur = list_first if k == 1 else f"/web/xxgk/list_{k}.{pe}"
            rows = []
            for i, d in enumerate(chunk):
                if onclick and i % 3 == 1:
                    target = d.url
                    self.edge(self.node(cur), self.node(d.url), target)
                    a = (f"<A href=\"javascript:;\" onclick=\"window.open('{target}')\">"
                         f"{_text(self.short(d.title))}</A>")
                    rows.append(f"<TR><TD>·{a}</TD><TD>{d.day.year}-{d.day.month}-{d.day.day}"
                                "</TD></TR>")
                else:
                    href = self.link(cur, d.url)
                    a = self.a(href, self.short(d.title), title=d.title if self.st.title_attr
                               else None)
                    rows.append(f"<TR><TD><FONT color=#333333>·</FONT>{a}</TD><TD>"
                                f"({d.day.year}-{d.day.month}-{d.day.day})</TD></TR>")
            pager = f"共{n}页 当前第{k}页"
            if self.pag == "query":
                nxt = f"{list_first}&page={k + 1}"
                if k < n:
                    pager += " " + self.a(self.link(cur, nxt), "下一页", blank=False)
                    pager += " " + self.a(self.link(cur, f"{list_first}&page={n}", edge=False),
                                          "尾页", blank=False)
            elif k < n:
                self.edge(self.node(cur), self.node(f"/web/xxgk/list_{k + 1}.{pe}"), "共")
                pager += ' 转到第<input type="text" size="2" id="pg">页'
            body = (f"<TABLE width=\"100%\" border=0 cellpadding=2>\n{''.join(rows)}</TABLE>\n"
                    f"<DIV align=center>{pager}</DIV>")
            self.page(cur, col_name, body, column=col_name)
        for d in docs:
            self.article(d, column=col_name, wrap="old")


#: Features that only appear when a portal is generated hostile.
HOSTILE_FEATURES = frozenset({"page_count_10000", "pagination_loop", "invalid_json_once",
                              "gbk_undeclared", "onclick_links"})

_BUILDERS: dict[str, type[_Builder]] = {
    b.family: b for b in (_TRS, _Hanweb, _HanwebXxgk, _Gkmlpt, _Zhejiang, _JsonList, _Handmade,
                          _Mirror, _Provincial, _Generic)
}


def generate(family: str, seed: int, host: str, *, hostile: bool | None = None) -> Portal:
    """Build portal ``seed`` of ``family`` to be served on loopback IP ``host``.

    ``hostile`` forces the optional hostile bits (pagination loops, 10,000-page counts,
    invalid JSON once, undeclared GBK, onclick-only links) on or off; by default about a
    third of the seeds have them.  ``Portal.features`` names what a portal contains.
    """
    if family not in _BUILDERS:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")
    builder = _BUILDERS[family](seed, host, hostile)
    builder.build()
    portal = builder.finish()
    if portal.features & HOSTILE_FEATURES:
        portal.features.add("hostile")
    return portal
