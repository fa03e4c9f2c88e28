"""What a column page links to: reports, further list pages, attachments, sub-columns.

Pure functions over lxml trees, shared by every portal family.

>>> pages_from_create_page_html('createPageHTML(3, 0, "index", "html");')
['index_1.html', 'index_2.html']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ..parsers.normalize import label_key
from ..parsers.report import looks_like_report_title

ATTACHMENT_EXT = ("pdf", "doc", "docx", "wps", "ofd", "xls", "xlsx", "zip", "rar")
# A quick look in the raw bytes: can this page link any file at all?
_FILE_HINT = re.compile(rb"\.(" + "|".join(ATTACHMENT_EXT).encode() + rb")\b|download|downfile|"
                        + re.escape("附件".encode()), re.I)
_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*(?:['\"][\w-]+['\"]\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,\s*['\"]([\w-]+)['\"]\s*,"
    r"\s*['\"](\w+)['\"]")
_NEXT = re.compile(r"^(下一?页|下页|后一?页|>|»|next)$", re.I)
_YEAR_COLUMN = re.compile(r"(19|20)\d{2}\s*年?度?(年报|年度报告)?")
_YEAR_PATH = re.compile(r"/(gknb|nb|ndbg)_?(19|20)\d{2}/|/(19|20)\d{2}(nb|ndbg)/")
_COLUMN = re.compile(r"政务公开|政府信息公开|信息公开年报|年度报告|年报|信息公开$")


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    kind: str  # report | attachment | column | page


def link_text(a) -> str:
    """The full title: list pages truncate the text and keep the title in ``title=``."""
    title = (a.get("title") or "").strip()
    text = " ".join(a.text_content().split())
    return title if len(title) >= len(text) else text


def pages_from_create_page_html(script: str) -> list[str]:
    """TRS WCM pagination: ``createPageHTML(total, current, "index", "html")`` and the
    six-argument form ``('page_div', total, current, 'index', 'shtml', count)``."""
    m = _CREATE_PAGE.search(script)
    if not m:
        return []
    total, _, stem, ext = int(m.group(1)), m.group(2), m.group(3), m.group(4)
    return [f"{stem}_{i}.{ext}" for i in range(1, min(total, 500))]


def may_link_files(body: bytes) -> bool:
    """False when a page cannot link an attachment, so its tree need not be built."""
    return bool(_FILE_HINT.search(body))


def is_attachment(url: str, text: str = "") -> bool:
    path = urlsplit(url).path.lower()
    ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return ext in ATTACHMENT_EXT or "downfile" in path or "download" in path


def classify_links(tree, base_url: str, everything: bool = False) -> list[Link]:
    """Every same-host link of a page, classified (``everything``: unclassified too)."""
    host = urlsplit(base_url).netloc
    out: list[Link] = []
    seen: set[str] = set()
    for a in tree.xpath("//a[@href]"):
        href = a.get("href", "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urljoin(base_url, href).split("#")[0]
        if urlsplit(url).netloc != host or url in seen:
            continue
        seen.add(url)
        text = link_text(a)
        key = label_key(text)
        if is_attachment(url, text):
            out.append(Link(url, text, "attachment"))
        elif _COLUMN.search(key) and len(key) <= 10 and not re.search(r"\d{4}", key):
            out.append(Link(url, text, "column"))
        elif _YEAR_COLUMN.fullmatch(key) or _YEAR_PATH.search(urlsplit(url).path):
            out.append(Link(url, text, "column"))  # a year sub-column: 2023年, gknb2023/
        elif looks_like_report_title(text):
            out.append(Link(url, text, "report"))
        elif _NEXT.match(key) or key in ("尾页", "末页"):
            out.append(Link(url, text, "page"))
        elif everything:
            out.append(Link(url, text, "other"))
    return out


_ARTICLE = re.compile(r"/t\d{8}_\d+\.s?html?$|/art_\d+_\d+\.html$|/post_\d+\.html$|/content/\S+\.s?html?$")
_REPORT_COLUMN = re.compile(r"年报|年度报告")


def is_report_column(tree) -> bool:
    """The page says, in the mandated meta tags, that it is the 信息公开年报 column."""
    names = tree.xpath("//meta[@name='ColumnName' or @name='ColumnType']/@content")
    return any(_REPORT_COLUMN.search(n) for n in names)


def column_articles(tree, base_url: str) -> list[Link]:
    """Articles listed in a 信息公开年报 column, even when their titles are cut short
    ("某县2023年政府信息…") with no ``title=``: everything listed there is a candidate,
    except what its title shows is not a report."""
    from ..parsers.report import looks_like_report_title

    out = []
    for link in classify_links(tree, base_url, everything=True):
        if link.kind == "other" and _ARTICLE.search(urlsplit(link.url).path):
            if not looks_like_report_title(link.text.rstrip(".…") + "年度报告"):
                continue  # its visible title already says what it is not
            out.append(Link(link.url, link.text, "report"))
    return out


def pagination(tree, html: str, base_url: str) -> list[str]:
    """Further list pages announced by script (TRS) or by 下一页 links."""
    urls = [urljoin(base_url, p) for p in pages_from_create_page_html(html)]
    urls += [link.url for link in classify_links(tree, base_url) if link.kind == "page"]
    return list(dict.fromkeys(urls))
