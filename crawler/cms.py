"""List pages that real CMS platforms build with scripts, read without running them.

* Hanweb (大汉): the first records sit in ``<datastore>`` ``<record>`` items (CDATA,
  escaped or plain markup); ``jpage({...})`` names the proxy (``dataproxy.jsp``) that
  answers the later groups as the same XML, asked by POST (``ajaxParam`` as the form) or
  GET with ``startrecord``/``endrecord``/``perpage``.
  The 信息公开 variant pages ``/module/xxgk/search.jsp`` with ``currpage`` (共N页).
* Zhejiang's annual report module: ``/module/xxgk/xxgkAnnualReport.jsp?area=…&fbtime=YYYY``.
* Guangdong gkmlpt: the page's inline ``window._CONFIG`` names the site id (``SID``) and
  the category tree (``TREE``); the 年报 category is found by name and paged through
  ``…/gkmlpt/api/all/{cat}?page=&sid=`` (JSON ``{"articles": [...], "total"}``).
* Lists loaded from a JSON endpoint named in an inline script (``$.ajax``/``$.get``/
  ``fetch`` with ``pageNo``/``pageSize``, ``page``, ``current``): the endpoint is asked
  page by page and any ``{title, url}`` objects in the answer are read.

Each function takes text and a base URL and returns links or requests to make: pure,
so the spider stays one spider for every portal family.

>>> hanweb_records('<record><![CDATA[<li><a href="/art/2024/2/6/art_1229_1.html" title="某县2023年政府信息公开工作年度报告">x</a></li>]]></record>', "http://127.0.0.1/col/col1229/index.html")
[('http://127.0.0.1/art/2024/2/6/art_1229_1.html', '某县2023年政府信息公开工作年度报告')]
"""

from __future__ import annotations

import html as htmllib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html

from .links import PAGE_KEYS, link_text, listed_date, page_count, simplified

_RECORD = re.compile(r"<record\b[^>]*>(.*?)</record>", re.S | re.I)
_CDATA = re.compile(r"^\s*<!\[CDATA\[(.*?)\]\]>\s*$", re.S)
_JPAGE = re.compile(r"jpage\(\s*\{(.*?)\}\s*\)\s*;?", re.S)
_REPORT_CATEGORY = re.compile(r"年报|年度报告|信息公开工作报告")


class BadList(ValueError):
    """A list endpoint's answer that cannot be read (invalid JSON or XML)."""


@dataclass(frozen=True)
class ListRequest:
    """A list page that needs more than a GET of a link: a POST form or an API call.

    ``kind``: html | hanweb_xml | json. ``paging`` tells how to ask further pages of an
    API list: ``{"key": page parameter, "in": "query"|"form", "size": per page}``, or
    for Hanweb groups ``{"proxy", "per_page", "group", "total"}``."""

    url: str
    method: str = "GET"
    form: dict[str, str] = field(default_factory=dict)
    kind: str = "html"
    paging: dict = field(default_factory=dict)


def _anchors(fragment: str, base: str, dated: bool = False) -> list[tuple]:
    try:
        tree = lxml.html.fromstring(f"<div>{fragment}</div>")
    except Exception:  # a malformed record is skipped, the rest are read
        return []
    return [(urljoin(base, a.get("href").strip()), link_text(a), *((listed_date(a),) if dated else ()))
            for a in tree.xpath("//a[@href]")
            if a.get("href", "").strip() and not a.get("href").strip().startswith("javascript:")]


def hanweb_records(text: str, base: str, dated: bool = False) -> list[tuple]:
    """Links inside Hanweb ``<record>`` items, in any markup: CDATA, entity-escaped or
    plain HTML; quoted or bare attributes; with or without ``title=``. ``dated``: each
    ``(url, title, date its record shows or None)``."""
    out = []
    for fragment in _RECORD.findall(text):
        m = _CDATA.match(fragment)
        fragment = m.group(1) if m else fragment
        if "&lt;" in fragment and "<a" not in fragment.lower():
            fragment = htmllib.unescape(fragment)
        out += _anchors(fragment, base, dated)
    return out


def _js_object(body: str) -> dict[str, str]:
    """Flat ``key: value`` pairs of a JS object literal (nested objects kept as text)."""
    out: dict[str, str] = {}
    for key, value in re.findall(
            r"""["']?(\w+)["']?\s*:\s*(\{[^}]*\}|'[^']*'|"[^"]*"|[\w./%-]+)""", body):
        out.setdefault(key, value.strip("'\""))
    return out


def _int(value, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def hanweb_groups(text: str, base: str) -> list[ListRequest]:
    """The later record groups announced by ``jpage({...})``, asked from the proxy.

    When the page does not print the total, the next group is asked and its answer's
    ``<totalrecord>`` tells the rest (``more_groups``)."""
    m = _JPAGE.search(text)
    if not m:
        return []
    conf = {k.lower(): v for k, v in _js_object(m.group(1)).items()}
    per_page = _int(conf.get("perpage"), 15) or 15
    group = (_int(conf.get("groupsize"), 3) or 3) * per_page
    total = _int(conf.get("totalrecord"))
    if total is None:
        found = re.search(r"<totalrecord>\s*(\d+)", text, re.I)
        total = int(found.group(1)) if found else None
    proxy = urljoin(base, conf.get("proxyurl", "/module/web/jpage/dataproxy.jsp"))
    form = _js_object(conf.get("ajaxparam", "{}").strip("{}"))
    method = "GET" if re.search(r"(type|method|ajaxtype)['\"]?\s*:\s*['\"]get", m.group(1), re.I) else "POST"
    paging = {"proxy": proxy, "per_page": per_page, "group": group, "method": method, "form": form}
    if total is None:  # ask one group; its answer says how many there are
        return [_group(paging, group + 1, 2 * group)]
    return [_group(paging, start, min(start + group - 1, total))
            for start in range(group + 1, total + 1, group)]


def _group(paging: dict, start: int, end: int) -> ListRequest:
    query = {"startrecord": start, "endrecord": end, "perpage": paging["per_page"]}
    url = f"{paging['proxy']}?{urlencode(query)}"
    if paging["method"] == "GET":
        url = f"{paging['proxy']}?{urlencode({**query, **paging['form']})}"
        return ListRequest(url, "GET", {}, "hanweb_xml", paging)
    return ListRequest(url, "POST", dict(paging["form"]), "hanweb_xml", paging)


def hanweb_get_fallback(request: ListRequest) -> ListRequest | None:
    """The same group asked by GET (form in the query), for proxies refusing POST."""
    if request.method != "POST" or request.kind != "hanweb_xml":
        return None
    sep = "&" if "?" in request.url else "?"
    return ListRequest(request.url + sep + urlencode(request.form), "GET", {}, request.kind,
                       {**request.paging, "method": "GET"})


def more_groups(xml: str, url: str, paging: dict) -> list[ListRequest]:
    """After a group answered, the groups past it that its ``<totalrecord>`` announces
    (only when the column page did not print the total)."""
    if not paging or paging.get("total_known"):
        return []
    m = re.search(r"<totalrecord>\s*(\d+)", xml, re.I)
    query = dict(parse_qsl(urlsplit(url).query))
    end = _int(query.get("endrecord"))
    if not m or end is None:
        return []
    total, group = int(m.group(1)), paging["group"]
    paging = {**paging, "total_known": True}
    return [_group(paging, start, min(start + group - 1, total))
            for start in range(end + 1, total + 1, group)]


def xml_problem(text: str) -> str | None:
    """What is wrong with a Hanweb proxy answer (``None``: a well-formed datastore).
    Entities are never resolved and nothing is fetched while checking."""
    from lxml import etree

    if not text.strip():
        return "empty answer"
    if "<datastore" not in text.lower() and "<recordset" not in text.lower():
        return "not a datastore XML answer"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False)
    try:
        etree.fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", text).encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        return f"invalid XML ({str(exc)[:80]})"
    return None


def xxgk_pages(text: str, base: str) -> list[ListRequest]:
    """Hanweb 信息公开 lists: ``/module/xxgk/search.jsp`` asked page by page (``currpage``
    in the form and the query, as sites read one or the other)."""
    if "xxgk/search.jsp" not in text:
        return []
    pages = page_count(text)
    if not pages or pages < 2:
        return []
    try:
        tree = lxml.html.fromstring(text)
    except Exception:
        return []
    forms = tree.xpath("//form[contains(@action, 'xxgk/search.jsp')]")
    fields = {i.get("name"): i.get("value", "") for f in forms for i in f.xpath(".//input[@name]")}
    if forms:
        action = urljoin(base, forms[0].get("action"))
    else:
        m = re.search(r"""["']([^"']*xxgk/search\.jsp[^"']*)["']""", text)
        action = urljoin(base, htmllib.unescape(m.group(1)) if m else "/module/xxgk/search.jsp")
    parts = urlsplit(action)
    query = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    for key in ("infotypeId", "jdid", "area", "divid"):
        if key not in fields and key not in query:
            if m := re.search(rf"""{key}["']?\s*[:=]\s*["']([^"']*)["']""", text):
                fields[key] = m.group(1)
    out = []
    for n in range(2, pages + 1):
        q = urlencode({**query, "currpage": n})
        out.append(ListRequest(urlunsplit((*parts[:3], q, "")), "POST",
                               {**fields, "currpage": str(n)}, "html"))
    return out


def annual_report_module(text: str, base: str, this_year: int | None = None) -> list[ListRequest]:
    """Zhejiang's 年报 module: one page per year, ``xxgkAnnualReport.jsp?area=…&fbtime=YYYY``.
    The years offered on the page (options, links) are asked, else every year since 2008."""
    m = re.search(r"""([\w./:-]*xxgkAnnualReport\.jsp)(\?[^"'\s<>]*)?""", text)
    if not m:
        return []
    endpoint = urljoin(base, m.group(1))
    query = dict(parse_qsl(htmllib.unescape(m.group(2) or "").lstrip("?")))
    area = query.get("area")
    if not area and (found := re.search(r"""\barea["']?\s*[:=]\s*["']?([\w-]+)""", text)):
        area = found.group(1)
    years = sorted({int(y) for y in re.findall(r"fbtime=((?:19|20)\d{2})", text)}
                   | {int(y) for y in re.findall(
                       r"<option[^>]*value=[\"']?((?:19|20)\d{2})[\"']?", text)})
    if not years:
        years = list(range(2008, (this_year or date.today().year) + 1))
    params = {"area": area} if area else {}
    return [ListRequest(f"{endpoint}?{urlencode({**params, 'fbtime': y})}") for y in years]


# -- gkmlpt ------------------------------------------------------------------------

def _balanced(text: str, start: int) -> str:
    """The bracketed literal starting at ``text[start]`` (``[`` or ``{``)."""
    opening = text[start]
    closing = "]" if opening == "[" else "}"
    depth = 0
    quote = ""
    i = start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
        i += 1
    return text[start:]


def _tree_nodes(tree_text: str) -> list[tuple[str, str]]:
    """``(id, name)`` of every category of a gkmlpt ``TREE`` (JSON or JS literal)."""
    try:
        data = json.loads(tree_text)
    except ValueError:
        data = None
    if data is not None:
        out = []
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                if "id" in node and "name" in node:
                    out.append((str(node["id"]), str(node["name"])))
                stack.extend(v for v in node.values() if isinstance(v, (list, dict)))
        return out
    pairs = re.findall(r"""["']?id["']?\s*:\s*["']?(\d+)["']?\s*,[^{}]*?["']?name["']?\s*:\s*["']([^"']+)""",
                       tree_text)
    pairs += [(i, n) for n, i in re.findall(
        r"""["']?name["']?\s*:\s*["']([^"']+)["']\s*,[^{}]*?["']?id["']?\s*:\s*["']?(\d+)""", tree_text)]
    return pairs


def gkmlpt_api(text: str, base: str) -> list[ListRequest]:
    """The first API page of each 年报 category of a gkmlpt site: the category tree in
    ``window._CONFIG`` (found by name, 繁/简 alike), else the page's ``#id`` anchors
    whose text names a 年报 category."""
    if "gkmlpt" not in text and "_CONFIG" not in text:
        return []
    sid = re.search(r"""\b(?:SID|sid|site_id|siteId)["']?\s*[:=]\s*["']?(\d+)""", text)
    if not sid:
        return []
    cats: list[str] = []
    if (m := re.search(r"""["']?TREE["']?\s*:\s*\[""", text)):
        nodes = _tree_nodes(_balanced(text, m.end() - 1))
        cats = [i for i, name in nodes if _REPORT_CATEGORY.search(simplified(name))]
    if not cats:
        try:
            tree = lxml.html.fromstring(text)
            cats = [a.get("href").rsplit("#", 1)[1] for a in tree.xpath("//a[contains(@href, '#')]")
                    if re.search(r"#\d+$", a.get("href", ""))
                    and _REPORT_CATEGORY.search(link_text(a))]
        except Exception:
            cats = []
    path = urlsplit(base).path
    prefix = path[:path.index("/gkmlpt/")] if "/gkmlpt/" in path else ""
    return [ListRequest(urljoin(base, f"{prefix}/gkmlpt/api/all/{cat}?page=1&sid={sid.group(1)}"),
                        kind="json", paging={"key": "page", "in": "query"})
            for cat in dict.fromkeys(cats)]


# -- JSON lists --------------------------------------------------------------------

_TITLE_KEYS = ("title", "name", "docTitle", "doc_title", "vc_title", "fileName", "file_name",
               "subject", "text", "showTitle", "articleTitle", "infoTitle")
_URL_KEYS = ("url", "post_url", "link", "href", "docUrl", "doc_url", "fileUrl", "file_url",
             "pdfUrl", "attachUrl", "vc_url", "path", "articleUrl", "infoUrl", "detailUrl", "src")
_TOTAL_PAGES = ("totalPage", "totalPages", "total_page", "pageCount", "pages", "pageTotal",
                "totalPageNum", "page_count")
_TOTAL_ITEMS = ("total", "totalCount", "totalElements", "recordCount", "totalRecord", "count",
                "total_count", "totalNum", "post_count", "totalrecord")
_SIZE_KEYS = ("pageSize", "page_size", "size", "perPage", "per_page", "rows", "limit", "pageNum")


def load_json(text: str):
    """JSON, JSONP (``cb({...})``) or a JS assignment; ``BadList`` when none of these."""
    body = text.strip().lstrip("\ufeff")
    try:
        return json.loads(body)
    except ValueError:
        pass
    m = re.match(r"^[\w$.]+\s*(?:\(|=)\s*(.*?)\s*\)?\s*;?\s*$", body, re.S)
    if m:
        try:
            return json.loads(m.group(1))
        except ValueError:
            pass
    raise BadList("invalid JSON")


_ID_KEY = r"(\w*(?:id|Id|ID)\w*)"
_DETAIL_PATTERNS = (
    # a pattern with a placeholder: detailUrl: "/xxgk/content.jsp?id={id}", "/art/{docId}.html"
    re.compile(r"""["'`]([^"'`\s]*?)\{""" + _ID_KEY + r"""\}([^"'`\s]*)["'`]"""),
    # a template literal: `/art/${item.docId}.html`
    re.compile(r"""`([^`\s]*?)\$\{\s*[\w$]+\.""" + _ID_KEY + r"""\s*\}([^`\s]*)`"""),
    # a concatenation: '/xxgk/detail.html?id=' + item.id + '.html', "/art/" + row["docId"]
    re.compile(r"""["']([^"'\s]*[/=?&][^"'\s]*)["']\s*\+\s*[\w$]+(?:\.|\[\s*["'])""" + _ID_KEY
               + r"""(?:["']\s*\])?(?:\s*\+\s*["']([^"'\s]*)["'])?"""),
)


def detail_template(script: str) -> tuple[str, str, str] | None:
    """How a script builds a list item's page from its id, as ``(prefix, id key, suffix)``:
    the list API answers ``{"id": 118367, "title": …}`` and the page is ``prefix + id + suffix``.

    >>> detail_template("var cfg = {detailUrl: '/xxgk/content.jsp?id={docId}'};")
    ('/xxgk/content.jsp?id=', 'docId', '')
    >>> detail_template("href = '/xxgk/art/' + item.id + '.html';")
    ('/xxgk/art/', 'id', '.html')
    """
    for pattern in _DETAIL_PATTERNS:
        for m in pattern.finditer(script):
            prefix, key, suffix = m.group(1), m.group(2), m.group(3) or ""
            if _STATIC.search(prefix) or not re.search(r"[/=?]", prefix + suffix):
                continue
            return prefix, key, suffix
    return None


def json_links(data, base: str, detail: tuple[str, str, str] | list | None = None) -> list[tuple[str, str]]:
    """``(url, title)`` of every object in the answer with a title and a link — or, given
    the page's ``detail`` template (``detail_template``), with a title and an id."""
    out = []
    stack = [data]
    seen = 0
    while stack and seen < 100_000:
        node = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            title = next((node[k] for k in _TITLE_KEYS if isinstance(node.get(k), str) and node[k].strip()), None)
            url = next((node[k] for k in _URL_KEYS if isinstance(node.get(k), str) and node[k].strip()), None)
            if title and not url and detail:
                prefix, key, suffix = detail
                ident = node.get(key, node.get("id"))
                if isinstance(ident, (int, str)) and not isinstance(ident, bool) and str(ident).strip():
                    url = f"{prefix}{str(ident).strip()}{suffix}"
            if title and url and not url.strip().startswith("javascript:"):
                clean = re.sub(r"<[^>]+>", "", htmllib.unescape(title))
                out.append((urljoin(base, url.strip()), simplified(" ".join(clean.split()))))
            stack.extend(reversed([v for v in node.values() if isinstance(v, (list, dict))]))
    return out


def _find_number(data, keys: tuple[str, ...], depth: int = 0) -> int | None:
    if depth > 4 or not isinstance(data, dict):
        return None
    for key in keys:
        if key in data and _int(data[key]) is not None and not isinstance(data[key], bool):
            return _int(data[key])
    for value in data.values():
        if isinstance(value, dict) and (found := _find_number(value, keys, depth + 1)) is not None:
            return found
    return None


def json_page_total(data, items_on_page: int, size: int | None = None) -> int | None:
    """How many pages a JSON list says it has (a page count, or items ÷ page size)."""
    pages = _find_number(data, _TOTAL_PAGES)
    if pages is not None:
        return pages
    total = _find_number(data, _TOTAL_ITEMS)
    per_page = size or _find_number(data, _SIZE_KEYS) or items_on_page
    if total is None or not per_page:
        return None
    return math.ceil(total / per_page)


def api_pages(request_url: str, method: str, form: dict[str, str], paging: dict,
              numbers) -> list[ListRequest]:
    """Requests for the given page numbers of an API list."""
    key, where = paging.get("key"), paging.get("in", "query")
    if not key:
        return []
    parts = urlsplit(request_url)
    out = []
    for n in numbers:
        page_form = {**form, key: str(n)} if where in ("form", "both") else dict(form)
        url = request_url
        if where in ("query", "both"):
            query = [(k, str(n) if k == key else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
            url = urlunsplit((*parts[:3], urlencode(query), ""))
        out.append(ListRequest(url, method, page_form, paging.get("kind", "json"), paging))
    return out


_ONCLICK_PAGE = re.compile(r"\w+\(\s*['\"]?(\d{1,5})['\"]?\s*\)")


def onclick_pages(tree) -> list[int]:
    """Page numbers a script pager asks for (``onclick="searchsubmit(6)"``)."""
    out = set()
    for a in tree.xpath("//a[@onclick] | //a[starts-with(@href, 'javascript:')]"):
        for script in (a.get("onclick") or "", a.get("href") or ""):
            if m := _ONCLICK_PAGE.search(script):
                out.add(int(m.group(1)))
    return sorted(out)


def next_json_pages(request_url: str, method: str, form: dict[str, str], paging: dict,
                    total_pages: int) -> list[ListRequest]:
    """Requests for pages 2…N of a JSON list (asked only from its first page)."""
    key, where = paging.get("key"), paging.get("in", "query")
    if not key:
        return []
    kind = paging.get("kind", "json")
    out = []
    parts = urlsplit(request_url)
    for n in range(2, total_pages + 1):
        page_form = {**form, key: str(n)} if where in ("form", "both") else dict(form)
        url = request_url
        if where in ("query", "both"):
            query = [(k, str(n) if k == key else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
            url = urlunsplit((*parts[:3], urlencode(query), ""))
        out.append(ListRequest(url, method, page_form, kind, paging))
    return out


def is_first_page(url: str, form: dict[str, str], paging: dict) -> bool:
    key = paging.get("key")
    if not key:
        return False
    value = form.get(key) if paging.get("in") in ("form", "both") else dict(
        parse_qsl(urlsplit(url).query)).get(key)
    return str(value) in ("1", "0", "None")


_CALL = re.compile(
    r"""(?:\$\.(?:ajax|get|post|getJSON)|axios(?:\.(?:get|post))?|fetch|\burl)\s*[(:=]\s*\(?\s*"""
    r"""(["'`][^"'`\s]*["'`](?:\s*\+\s*(?:["'`][^"'`\s]*["'`]|[\w.$]+))*)""")


def _concatenated(expr: str, variables: dict[str, str]) -> str:
    """``'/api/list?cat=' + channelId + '&page=' + page`` with the script's variables
    filled in (unknown ones, such as the page argument, left empty)."""
    out = []
    for literal, name in re.findall(r"""["'`]([^"'`]*)["'`]|([\w.$]+)""", expr):
        out.append(literal if not name else variables.get(name, ""))
    # template literals: `/api/list?cat=${catId}&pageNo=${page}`
    return re.sub(r"\$\{\s*([\w.]+)\s*\}", lambda m: variables.get(m.group(1), ""), "".join(out))
_STATIC = re.compile(r"\.(js|css|png|jpe?g|gif|svg|ico|html?|shtml|pdf|docx?|xlsx?)(\?|$)", re.I)


def script_endpoints(text: str, base: str) -> list[ListRequest]:
    """List endpoints named in inline scripts with a page parameter (``pageNo``/
    ``pageSize``, ``page``, ``current``, ``currpage`` …), first page each. Values given by
    simple script variables (``var channelId = '2011'``) are read; the answer may be
    JSON, a Hanweb datastore or an HTML fragment (kind ``api``)."""
    if "<script" not in text.lower():
        return []
    out = []
    for script in re.findall(r"<script\b[^>]*>(.*?)</script>", text, re.S | re.I):
        if not re.search(r"page|current", script, re.I):
            continue
        variables = dict(re.findall(
            r"""(?:var|let|const)\s+(\w+)\s*=\s*["']?([\w./-]*)["']?\s*[;,\n]""", script))
        for m in _CALL.finditer(script):
            raw = _concatenated(m.group(1), variables)
            if _STATIC.search(raw) or raw.startswith(("javascript:", "#", "data:")):
                continue
            context = script[m.start():m.end() + 800]
            url = urljoin(base, raw)
            parts = urlsplit(url)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            data: dict[str, str] = {}
            if (d := re.search(r"data\s*:\s*(\{[^{}]*\})", context)) or (
                    d := re.search(r"""["'`]\s*,\s*(\{[^{}]*\})""", context[:len(m.group(0)) + 200])):
                data = {k: variables.get(v, v) for k, v in _js_object(d.group(1).strip("{}")).items()}
            # the method may be given before the url ($.ajax({type: 'POST', url: …}))
            around = script[script.rfind("{", 0, m.start()) if "{" in script[:m.start()] else 0:m.end() + 800]
            post = re.search(r"\$\.post|axios\.post|(type|method)\s*:\s*['\"]post",
                             around if len(around) < 1200 else context, re.I)
            detail = detail_template(script)
            in_query = next((k for k in query if k.lower() in PAGE_KEYS), None)
            in_data = next((k for k in data if k.lower() in PAGE_KEYS), None)
            key = in_data or in_query
            if key is None:
                continue
            if in_query:
                query[in_query] = "1"
            if in_data:
                data[in_data] = "1"
            where = "both" if in_query and in_data else ("form" if in_data and post else "query")
            if post:
                req = ListRequest(urlunsplit((*parts[:3], urlencode(query), "")), "POST",
                                  {k: str(v) for k, v in data.items()}, "api",
                                  {"key": key, "in": where, "kind": "api", "detail": detail})
            else:
                q = urlencode({**query, **{k: str(v) for k, v in data.items()}})
                req = ListRequest(urlunsplit((*parts[:3], q, "")), "GET", {}, "api",
                                  {"key": key, "in": "query", "kind": "api", "detail": detail})
            out.append(req)
    return list({(r.url, r.method, tuple(sorted(r.form.items()))): r for r in out}.values())
