"""What a column page links to: reports, further list pages, attachments, sub-columns.

Pure functions over lxml trees, shared by every portal family.

>>> pages_from_create_page_html('createPageHTML(3, 0, "index", "html");')
['index_1.html', 'index_2.html']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ..parsers.normalize import label_key
from ..parsers.report import looks_like_report_title

ATTACHMENT_EXT = ("pdf", "doc", "docx", "wps", "ofd", "xls", "xlsx", "zip", "rar")
# A quick look in the raw bytes: can this page link any file at all?
_FILE_HINT = re.compile(rb"\.(" + "|".join(ATTACHMENT_EXT).encode() + rb")\b|download|downfile|"
                        + re.escape("附件".encode()), re.I)
_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*(?:['\"][\w-]+['\"]\s*,\s*)?(\w+)\s*,\s*(\w+)\s*,\s*['\"]([\w-]+)['\"]\s*,"
    r"\s*['\"](\w+)['\"]")
# pagination by link text (after 繁→简: 下一頁 reads 下一页)
_NEXT = re.compile(r"^(\[?下一?页\]?|下页|后一?页|>|>>|»|›|next|nextpage|尾页|末页|最后一?页|last)$", re.I)
# pagination by URL: index_3.html, list_3.shtml, _3.shtml, ?page=3, pageNo=3, currpage=3 …
_PAGE_PATH = re.compile(r"^(?P<stem>.*?_)(?P<n>\d{1,4})(?P<ext>\.(?:s?html?|jsp|aspx?|php))$")
PAGE_KEYS = ("page", "pageno", "pagenum", "pageindex", "currentpage", "curpage", "current",
             "currpage", "pn")
_PAGE_COUNT = re.compile(r"共\s*(\d{1,6})\s*页|(?:totalPages?|pageCount|countPage|totalpage)"
                         r"[\"']?\s*[:=]\s*[\"']?(\d{1,6})", re.I)
_YEAR = re.compile(r"(19|20)\d{2}")
_YEAR_COLUMN = re.compile(r"(19|20)\d{2}\s*年?度?(年报|年度报告)?")
_YEAR_PATH = re.compile(
    r"/((gknb|nb|ndbg)_?(19|20)\d{2}|(19|20)\d{2}(nb|ndbg))/((index|list|default)[\w.]*)?$")
_COLUMN = re.compile(r"政务公开|政府信息公开|信息公开年报|年度报告|年报|信息公开$|公开目录|主动公开")


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    kind: str  # report | attachment | column | page
    date: tuple[int, int, int] | None = None  # the date its list item shows (cut-short titles)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional script read as Simplified (年度報告 → 年度报告, 下一頁 → 下一页);
    link texts are matched after this, never their URLs.

    >>> simplified("政府資訊公開年度報告")
    '政府资讯公开年度报告'
    """
    return _t2s().convert(text) if not text.isascii() else text


def link_text(a) -> str:
    """The full title (in Simplified script): list pages truncate the text and keep the
    title in ``title=`` — "2023年某县人民政府工作报..." is the ``title`` 某县人民政府工作报告,
    however long the dots make the text.

    >>> import lxml.html
    >>> link_text(lxml.html.fromstring('<a title="2023年某县人民政府工作报告">2023年某县人民政府工作报...</a>'))
    '2023年某县人民政府工作报告'
    """
    title = " ".join((a.get("title") or "").split())
    text = " ".join(a.text_content().split())
    stem = _CUT_SHORT.sub("", text).strip()
    if title and (len(title) >= len(text) or (stem != text and len(title) >= len(stem))):
        return simplified(title)
    return simplified(text)


_LISTED_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")


def listed_date(a) -> tuple[int, int, int] | None:
    """The date a list item shows beside its link (``<li><a>…</a><span>2024-03-18</span>``,
    ``<tr><td><a>…</a></td><td>(2024-3-18)</td></tr>``): the nearest enclosing element
    that holds no other link, its text outside the link.

    >>> import lxml.html
    >>> li = lxml.html.fromstring('<ul><li><i>2024年03月05日</i><a href="/a.html">某县…</a></li></ul>')
    >>> listed_date(li.xpath("//a")[0])
    (2024, 3, 5)
    """
    own = a.text_content()
    node = a.getparent()
    for _ in range(3):
        if node is None or len(node.xpath(".//a[@href or @onclick]")) > 1:
            return None
        text = node.text_content().replace(own, " ", 1)
        if m := _LISTED_DATE.search(text):
            y, mo, d = (int(g) for g in m.groups())
            return (y, mo, d) if 1 <= mo <= 12 and 1 <= d <= 31 else None
        node = node.getparent()
    return None


def pages_from_create_page_html(script: str) -> list[str]:
    """TRS WCM pagination: ``createPageHTML(total, current, "index", "html")``, the
    six-argument form ``('page_div', total, current, 'index', 'shtml', count)``, and
    totals given by a script variable (``var countPage = 7; createPageHTML(countPage, …)``).

    >>> pages_from_create_page_html('var countPage = 3//共多少页\\ncreatePageHTML(countPage, currentPage, "index", "htm");')
    ['index_1.htm', 'index_2.htm']
    """
    m = _CREATE_PAGE.search(script)
    if not m:
        return []
    total_arg, stem, ext = m.group(1), m.group(3), m.group(4)
    if not total_arg.isdigit():
        var = re.search(rf"\b{re.escape(total_arg)}\s*=\s*(\d+)", script)
        if not var:
            return []
        total_arg = var.group(1)
    total = int(total_arg)
    return [f"{stem}_{i}.{ext}" for i in range(1, total)]


def may_link_files(body: bytes) -> bool:
    """False when a page cannot link an attachment, so its tree need not be built."""
    return bool(_FILE_HINT.search(body))


def is_attachment(url: str, text: str = "") -> bool:
    path = urlsplit(url).path.lower()
    ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return ext in ATTACHMENT_EXT or "downfile" in path or "download" in path


_SCRIPT_URL = re.compile(r"""["']((?:https?:)?/?[\w./?=&%-]+\.(?:s?html?|asp|aspx|jsp|php|pdf|docx?|wps)"""
                         r"""(?:\?[^"']*)?)["']""", re.I)


def link_href(a) -> str | None:
    """Where a link goes: its ``href``, or the page a script opens on click
    (``href="javascript:void(0)" onclick="window.open('/web/show.asp?id=7')"``)."""
    href = (a.get("href") or "").strip()
    if href and not href.lower().startswith(("javascript:", "#", "mailto:", "tel:")):
        return href
    for script in (a.get("onclick") or "", href):
        if m := _SCRIPT_URL.search(script):
            return m.group(1)
    return None


def classify_links(tree, base_url: str, everything: bool = False) -> list[Link]:
    """Every link of a page, classified (``everything``: unclassified too).

    Links to other hosts are kept only as reports and attachments recognised by their
    titles (a province page listing its departments' reports); columns and list pages
    are followed on the page's own host only."""
    host = urlsplit(base_url).netloc
    out: list[Link] = []
    seen: set[str] = set()
    for a in tree.xpath("//a[@href or @onclick]"):
        href = link_href(a)
        if not href:
            continue
        url = urljoin(base_url, href).split("#")[0]
        if url in seen or not url.startswith(("http://", "https://")):
            continue
        seen.add(url)
        text = link_text(a)
        key = label_key(text)
        column_like = bool(_COLUMN.search(key)) and len(key) <= 10 and not re.search(r"\d{4}", key)
        if urlsplit(url).netloc != host:
            # another host's report: a titled, dated report (a province page listing its
            # departments' reports), never a bare column name (a neighbour's 年报 column)
            if looks_like_report_title(text) and not column_like and _YEAR.search(key):
                out.append(Link(url, text, "attachment" if is_attachment(url) else "report"))
            elif everything and _CUT_SHORT.search(text):  # 江西省农业农村厅政府信息…
                out.append(Link(url, text, "other", listed_date(a)))
            continue
        if is_attachment(url, text):
            out.append(Link(url, text, "attachment"))
        elif column_like:
            out.append(Link(url, text, "column"))
        elif _YEAR_COLUMN.fullmatch(key) or _YEAR_PATH.search(urlsplit(url).path):
            out.append(Link(url, text, "column"))  # a year sub-column: 2023年, gknb2023/
        elif looks_like_report_title(text):
            out.append(Link(url, text, "report"))
        elif _NEXT.match(key) or page_number(url, base_url) is not None:
            out.append(Link(url, text, "page"))
        elif everything:
            date = listed_date(a) if _CUT_SHORT.search(text) else None
            out.append(Link(url, text, "other", date))
    return out


_ARTICLE = re.compile(r"/t\d{8}_\d+\.s?html?$|/art_\d+_\d+\.html$|/post_\d+\.html$|/content/\S+\.s?html?$")
_REPORT_COLUMN = re.compile(r"年报|年度报告")
# other yearly documents published beside the reports (绩效自评报告, 统计公报, 决算 …)
_OTHER_DOCS = re.compile(r"^关于|政府信息与政|网站|绩效|预算|决算|统计公报|国民经济|审计(工作)?报告|审计结果|法治|要点|"
                         r"工作计划|工作总结|发展规划|规划纲要|公报|自评|述职|报表|通知|意见")
_CUT_SHORT = re.compile(r"(…+|\.{2,}|。{2,}|⋯+)\s*$")


def is_year_column(link: Link) -> bool:
    """A year sub-column (``2023年`` → ``gknb2023/``): on a 年报 column, that year's 年报.

    >>> is_year_column(Link("http://h/gk/gknb/2022nb/", "2022年", "column"))
    True
    """
    return link.kind == "column" and bool(
        _YEAR_COLUMN.fullmatch(label_key(link.text)) or _YEAR_PATH.search(urlsplit(link.url).path))


def is_report_column(tree) -> bool:
    """The page says, in the mandated meta tags, that it is the 信息公开年报 column."""
    names = tree.xpath("//meta[@name='ColumnName' or @name='ColumnType']/@content")
    return any(_REPORT_COLUMN.search(n) for n in names)


_DISCLOSURE = re.compile(r"政务公开|政府信息公开|信息公开")
_COLUMN_PATH = re.compile(
    r"/col/col\d+/(index\.s?html?)?$|/$|/(index|list|default)[\w-]*\.(s?html?|jsp|aspx?|php)$")
_UNNAMED = re.compile(r"^(更多|more|查看更多|>|»|›|\+|\.)*$", re.I)


def is_disclosure_page(tree) -> bool:
    """A 政务公开/信息公开 page by its mandated ``ColumnName`` meta tag."""
    names = tree.xpath("//meta[@name='ColumnName' or @name='ColumnType']/@content")
    return any(_DISCLOSURE.search(simplified(n)) for n in names)


def frames(tree, base_url: str) -> list[str]:
    """Same-host ``<frame>``/``<iframe>`` pages (a frameset homepage holds the site)."""
    host = urlsplit(base_url).netloc
    urls = [urljoin(base_url, src.strip()) for src in tree.xpath("//frame/@src | //iframe/@src")]
    return [u for u in dict.fromkeys(urls) if urlsplit(u).netloc == host and not is_attachment(u)]


def unnamed_columns(tree, base_url: str, short_names: bool = False) -> list[str]:
    """Column pages linked with no name (an image, 更多, more+) — or, on a disclosure
    page (``short_names``), by any short name (文件资料, 公开目录): lists that may hold the
    reports; their own meta tags and links say what they are once fetched."""
    host = urlsplit(base_url).netloc
    out = []
    for a in tree.xpath("//a[@href]"):
        href = a.get("href", "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(base_url, href).split("#")[0]
        if urlsplit(url).netloc != host or not _COLUMN_PATH.search(urlsplit(url).path):
            continue
        key = label_key(link_text(a))
        if _UNNAMED.match(key) or (short_names and len(key) <= 8 and not _YEAR.search(key)):
            out.append(url)
    return list(dict.fromkeys(out))


# How a report's title ends, and how the other yearly documents listed beside reports end
# (the forms' vocabulary): a title cut short is read by which of these its last visible
# characters begin.
REPORT_ENDINGS = ("政府信息公开工作年度报告", "政府信息公开年度报告", "政府信息公开工作的年度报告",
                  "政府信息公开年报", "政务公开工作年度报告", "信息公开工作年度报告",
                  "年度政府信息公开工作报告", "年度报告", "年报")
OTHER_ENDINGS = ("政府工作报告", "政务公开工作要点", "政府信息公开工作要点",
                 "工作要点", "部门整体支出绩效自评报告", "整体支出绩效自评报告", "绩效自评报告",
                 "政府网站工作年度报表", "门户网站工作年度报表", "网站工作年度报表",
                 "国民经济和社会发展统计公报", "统计公报", "部门决算", "部门预算",
                 "法治政府建设年度报告", "工作总结", "工作计划")
# the end of a body's name (某局, 某镇人民政府, 某街道办事处)
_BODY_END = re.compile(r"(厅|局|委员会|委|办公室|办事处|办|院|署|中心|政府|管委会|乡|镇|街道)$")
# the statutory deadline (条例 arts. 49–50: 31 January, 31 March) and a month's grace
REPORT_MONTHS = 4


def _overlap(key: str, endings: tuple[str, ...]) -> tuple[int, list[str]]:
    """How far the end of ``key`` reaches into one of ``endings`` (the longest start of
    one that ``key`` ends with), and the completions ``key`` + rest of that ending."""
    best, completions = 0, []
    for ending in endings:
        for k in range(len(ending) - 1, 0, -1):
            if key.endswith(ending[:k]):
                if k > best:
                    best, completions = k, []
                if k == best:
                    completions.append(key + ending[k:])
                break
    return best, completions


def cut_short_report(text: str, strict: bool = False,
                     date: tuple[int, int, int] | None = None, guess: bool = True) -> bool:
    """A title cut short in a 年报 list ("某县2023年政府信息…") that may be a report's:
    what is visible says nothing else (not 通知, 绩效自评, 关于…), its last characters
    do not run on into another document's name further than into a report's
    (…人民政府工作报… is a 政府工作报告, …部门整体支… a 绩效自评报告, …工作要… a 工作要点),
    and the date its list shows (``date``) fits: a year is reported after it ends, and —
    when nothing visible names a report — by the statutory deadline (31 March) and a
    month's grace. ``strict``: on a list of everything; ``guess``: that list visibly
    carries reports, so a body's name and a year listed in report season is taken too.

    >>> cut_short_report("鹤寿市人民政府办公室政府信..."), cut_short_report("关于鹤寿市2021年度本级...")
    (True, False)
    >>> cut_short_report("2021年陕西省人民政府工..."), cut_short_report("某县审计局2022年度部门整体支...")
    (False, False)
    >>> cut_short_report("江西省2023年政务公开…", date=(2023, 5, 7))
    False
    >>> cut_short_report("四川省住房和城乡建设厅2021年…", date=(2022, 3, 19))
    True
    >>> cut_short_report("四川省退役军人事务局2020年度…", date=(2021, 6, 18))
    False
    """
    if not _CUT_SHORT.search(text):
        return False  # a full title that is not a report's: a distractor listed there
    key = _CUT_SHORT.sub("", label_key(_CUT_SHORT.sub("", text)))
    if re.search(r"公开(指|目|制|规|通|意|方|办|考|要)", key) or _OTHER_DOCS.search(key):
        return False  # 信息公开指(南), 公开目(录), 公开制(度), 绩效, 通知 …
    reach, completions = _overlap(key, REPORT_ENDINGS)
    other, _ = _overlap(key, OTHER_ENDINGS)
    if other > reach:
        return False  # …人民政府工作报, …部门整体支, …政务公开工作要
    if not reach:
        completions = [key + REPORT_ENDINGS[0], key + "年度报告"]
    if not any(looks_like_report_title(c) for c in completions):
        return False
    named = bool(re.search(r"政府信|信息公|年报|年度报", key))  # it visibly names a report
    years = [int(y) for y in re.findall(r"((?:19|20)\d{2})(?:\D|$)", key)]
    in_season = date is not None and date[1] <= REPORT_MONTHS and (
        not years or date[0] == years[-1] + 1)
    if strict and not named:
        # on a list of everything, only what visibly starts like a report: its words; a
        # year or a body's name running into the start of one (…关于2023年政府…,
        # 某局政府…); or a body's name or a year, whole or cut (某局2023年…, 某局关于20…,
        # 2023年某镇人民政…), listed when reports come out
        before = key[:len(key) - reach]
        into_report = reach >= 2 and (re.search(r"(19|20)\d{2}年度?$", before)
                                      or _BODY_END.search(before))
        named_then_cut = re.search(r"(19|20)\d{0,2}(年度?)?$", key) or _BODY_END.search(key) \
            or re.search(r"(人民政?|办事?|管委?|委员?)$", key)
        if not (into_report or (guess and in_season and named_then_cut)):
            return False
    if date is not None:
        if years and date[0] <= years[-1]:
            return False  # 2023年… listed in 2023: that year's plan, not its report
        if not named and (date[1] > REPORT_MONTHS or (years and date[0] > years[-1] + 1)):
            return False  # nothing names a report and it came out long after reports do
    return True


def names_other_document(tree) -> bool:
    """The page's own title (``ArticleTitle``, ``<title>``, ``<h1>``) names another kind of
    document (绩效自评报告, 政府工作报告, 工作要点 …): a page reached by a title cut short in a
    list that turned out not to be a report, whose attachments are that document too.

    >>> import lxml.html
    >>> names_other_document(lxml.html.fromstring("<title>某县2023年政务公开工作要点</title>"))
    True
    """
    titles = tree.xpath("//meta[@name='ArticleTitle']/@content | //title/text() | //h1//text()")
    for title in titles[:3]:
        key = label_key(simplified(title))
        if len(key) < 6:
            continue
        if looks_like_report_title(key):
            return False
        if _OTHER_DOCS.search(key) or any(e in key for e in OTHER_ENDINGS):
            return True
    return False


def column_articles(tree, base_url: str) -> list[Link]:
    """Articles listed in a 信息公开年报 column, even when their titles are cut short
    ("某县2023年政府信息…") with no ``title=``: everything listed there is a candidate,
    except what its title shows is not a report."""

    out = []
    for link in classify_links(tree, base_url, everything=True):
        if link.kind == "other" and (_ARTICLE.search(urlsplit(link.url).path)
                                     or _CUT_SHORT.search(link.text)):
            if cut_short_report(link.text, date=link.date):
                out.append(Link(link.url, link.text, "report", link.date))
    return out


def _page_template(url: str) -> tuple[str, int] | None:
    """``(template with {n}, number)`` when ``url`` carries a page number."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for i, (key, value) in enumerate(query):
        if key.lower() in PAGE_KEYS and value.isdigit():
            marked = [*query[:i], (key, "{n}"), *query[i + 1:]]
            q = urlencode(marked, safe="{}")
            return urlunsplit((*parts[:3], q, "")), int(value)
    m = _PAGE_PATH.match(parts.path)
    if m and not m.group("stem").endswith(("/t", "art_")):
        path = m.group("stem") + "{n}" + m.group("ext")
        return urlunsplit((*parts[:2], path, parts.query, "")), int(m.group("n"))
    return None


def page_number(url: str, base_url: str) -> int | None:
    """The page number of ``url`` when it is another page of the list at ``base_url``:
    same path apart from the number (``index.html`` → ``index_2.html``, ``list.jsp?page=1``
    → ``?page=2``).

    >>> page_number("http://h/col/index_2.html", "http://h/col/index.html")
    2
    >>> page_number("http://h/col/list.jsp?pageNo=3&cid=9", "http://h/col/list.jsp?cid=9")
    3
    >>> page_number("http://h/other/index_2.html", "http://h/col/index.html") is None
    True
    """
    found = _page_template(url)
    if found is None:
        return None
    template, n = found
    base = urlsplit(base_url)
    if base.netloc != urlsplit(url).netloc:
        return None
    own = _page_template(base_url)
    if own is not None:
        return n if own[0] == template else None
    # the first page carries no number: index.html ~ index_2.html, list.jsp ~ list.jsp?page=2
    def bare(path: str) -> str:
        path = path + "index.html" if path.endswith("/") else path
        return re.sub(r"_?\{n\}", "", path).rsplit(".", 1)[0]

    same_path = bare(urlsplit(template).path) == bare(base.path)
    return n if same_path else None


def page_count(html: str) -> int | None:
    """A page count printed on a list page (共12页, ``totalPage = 12``)."""
    text = re.sub(r"<[^>]+>|&nbsp;|\s", "", html) if "共" in html else html
    m = _PAGE_COUNT.search(text)
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def pagination(tree, html: str, base_url: str, window: int = 5) -> list[str]:
    """Further list pages: TRS ``createPageHTML``, 下一页/尾页/›/» links, links to other
    numbers of the same list, and — with a printed page count — the pages after this one.

    Pages enumerated from a count (a script's or a printed one) are asked ``window`` at a
    time after the current page, so a list that claims 10,000 pages and runs dry after
    three costs a few requests, not 10,000 (the spider also caps pages per column)."""
    own = base_url.split("#")[0]
    current = _page_template(own)
    here = current[1] if current else 0
    urls = [urljoin(base_url, p) for i, p in enumerate(pages_from_create_page_html(html), start=1)
            if here < i <= here + window]
    links = [link.url for link in classify_links(tree, base_url) if link.kind == "page"]
    urls += links
    total = page_count(html)
    if total and total > 1:
        numbered = [t for t in map(_page_template, links) if t] or ([current] if current else [])
        if not numbered and (guess := _guessed_template(own)):
            numbered = [(guess, 0)]  # 共8页 and no links: list.htm → list_2.htm …
        if numbered:
            template = numbered[0][0]
            urls += [template.replace("{n}", str(n))
                     for n in range(max(1, here + 1), min(total, here + window) + 1)]
    return [u for u in dict.fromkeys(urls) if u != own]


def _guessed_template(url: str) -> str | None:
    """The usual numbering of a list file that prints a page count but links no page:
    ``list.htm`` → ``list_{n}.htm``."""
    parts = urlsplit(url)
    m = re.match(r"^(.*/[\w-]+)(\.(?:s?html?|jsp|aspx?|php))$", parts.path)
    if not m or parts.query:
        return None
    return urlunsplit((*parts[:2], f"{m.group(1)}_{{n}}{m.group(2)}", "", ""))


_AGENCY = re.compile(r"(厅|局|委员会|委|办公室|办|院|署|中心|部|政府|管委会|集团)$")


def department_columns(tree, base_url: str) -> list[str]:
    """On a 年报 list, links to other hosts named by an agency (安徽省审计厅 →
    its own site's 年报 column): a province page listing its departments' reports.
    A site's root or a 友情链接 is never one."""
    host = urlsplit(base_url).netloc
    out = []
    for a in tree.xpath("//a[@href]"):
        url = urljoin(base_url, a.get("href", "").strip()).split("#")[0]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc == host or parts.path in ("", "/"):
            continue
        key = label_key(link_text(a))
        if 2 < len(key) <= 20 and _AGENCY.search(key) and not re.search(r"链接|友情|旧版|访问", key):
            out.append(url)
    return list(dict.fromkeys(out))
