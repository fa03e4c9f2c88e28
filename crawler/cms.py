"""List pages that real CMS platforms build with scripts, read without running them.

* Hanweb (大汉): the first records sit in ``<script type="text/xml"><datastore>`` as CDATA
  ``<li>`` items; ``jpage({...})`` names the proxy that POSTs the later groups
  (``dataproxy.jsp?startrecord=&endrecord=&perpage=``), answering the same XML.
  The 信息公开 variant POSTs ``/module/xxgk/search.jsp`` with ``currpage`` (共N页).
* Guangdong gkmlpt: the column page names its site id; ``/gkmlpt/api/all/{cat}?page=&sid=``
  answers JSON ``{"articles": [{"title", "url"}], "total", ...}``.

Each function takes text and a base URL and returns links or requests to make: pure,
so the spider stays one spider for every portal family.

>>> hanweb_records('<record><![CDATA[<li><a href="/art/2024/2/6/art_1229_1.html" title="某县2023年政府信息公开工作年度报告">x</a></li>]]></record>', "http://127.0.0.1/col/col1229/index.html")
[('http://127.0.0.1/art/2024/2/6/art_1229_1.html', '某县2023年政府信息公开工作年度报告')]
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin

import lxml.html

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_JPAGE = re.compile(r"jpage\(\s*\{(.*?)\}\s*\)", re.S)
_GKMLPT_SID = re.compile(r"""(?:sid|SID)["']?\s*[:=]\s*["']?(\d+)""")


@dataclass(frozen=True)
class ListRequest:
    """A list page that needs more than a GET of a link: a POST form or an API call."""

    url: str
    method: str = "GET"
    form: dict[str, str] = field(default_factory=dict)
    kind: str = "html"  # html | hanweb_xml | gkmlpt_json


def _anchors(fragment: str, base: str) -> list[tuple[str, str]]:
    try:
        tree = lxml.html.fromstring(f"<div>{fragment}</div>")
    except Exception:  # a malformed record is skipped, the rest are read
        return []
    out = []
    for a in tree.xpath("//a[@href]"):
        title = (a.get("title") or "").strip()
        text = " ".join(a.text_content().split())
        out.append((urljoin(base, a.get("href").strip()), title if len(title) >= len(text) else text))
    return out


def hanweb_records(text: str, base: str) -> list[tuple[str, str]]:
    """Links inside Hanweb ``<record><![CDATA[…]]></record>`` items (page or proxy XML)."""
    return [link for fragment in _RECORD.findall(text) for link in _anchors(fragment, base)]


def _js_object(body: str) -> dict[str, str]:
    """Flat ``key: value`` pairs of a JS object literal (nested objects kept as text)."""
    out: dict[str, str] = {}
    for key, value in re.findall(r"(\w+)\s*:\s*(\{[^}]*\}|'[^']*'|\"[^\"]*\"|[\w./-]+)", body):
        out[key] = value.strip("'\"")
    return out


def hanweb_groups(text: str, base: str) -> list[ListRequest]:
    """The later record groups announced by ``jpage({...})``, as POSTs to the proxy."""
    m = _JPAGE.search(text)
    if not m:
        return []
    conf = _js_object(m.group(1))
    try:
        total = int(conf.get("totalRecord", 0))
        per_page = int(conf.get("perPage", 15))
        group = int(conf.get("groupSize", 3)) * per_page
    except ValueError:
        return []
    proxy = urljoin(base, conf.get("proxyUrl", "/module/web/jpage/dataproxy.jsp"))
    form = _js_object(conf.get("ajaxParam", "{}").strip("{}"))
    out = []
    for start in range(group + 1, total + 1, group):
        end = min(start + group - 1, total)
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": per_page})
        out.append(ListRequest(f"{proxy}?{query}", "POST", form, "hanweb_xml"))
    return out


def xxgk_pages(text: str, base: str) -> list[ListRequest]:
    """Hanweb 信息公开 lists: a form POSTed to ``/module/xxgk/search.jsp`` page by page."""
    if "/module/xxgk/search.jsp" not in text:
        return []
    m = re.search(r"共\s*(\d+)\s*页", text)
    if not m:
        return []
    tree = lxml.html.fromstring(text)
    forms = tree.xpath("//form[contains(@action, 'xxgk/search.jsp')]")
    fields = {i.get("name"): i.get("value", "") for f in forms for i in f.xpath(".//input[@name]")}
    action = urljoin(base, forms[0].get("action")) if forms else urljoin(base, "/module/xxgk/search.jsp")
    return [ListRequest(action, "POST", {**fields, "currpage": str(n)}, "html")
            for n in range(2, min(int(m.group(1)), 500) + 1)]


def gkmlpt_api(text: str, base: str) -> list[ListRequest]:
    """First page of each gkmlpt category the page links to (``#catid`` anchors)."""
    if "gkmlpt" not in text:
        return []
    sid = _GKMLPT_SID.search(text)
    if not sid:
        return []
    cats = dict.fromkeys(re.findall(r"gkmlpt/index#(\d+)", text))
    return [ListRequest(urljoin(base, f"/gkmlpt/api/all/{cat}?page=1&sid={sid.group(1)}"),
                        kind="gkmlpt_json") for cat in cats]


def gkmlpt_articles(text: str, url: str) -> tuple[list[tuple[str, str]], list[ListRequest]]:
    """Links of one API page and, from the first page, the requests for the others."""
    try:
        data = json.loads(text)
    except ValueError:
        return [], []
    articles = data.get("articles") or data.get("data") or []
    links = [(urljoin(url, a.get("url", "")), a.get("title", "")) for a in articles if a.get("url")]
    more = []
    if "page=1&" in url or url.endswith("page=1"):
        per_page = max(len(articles), 1)
        pages = math.ceil(int(data.get("total", 0)) / per_page)
        more = [ListRequest(url.replace("page=1", f"page={n}"), kind="gkmlpt_json")
                for n in range(2, min(pages, 500) + 1)]
    return links, more
