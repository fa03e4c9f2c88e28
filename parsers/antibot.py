"""Recognise anti-bot answers and soft 404s, so they are reported, never stored as reports.

>>> classify_block(412, {}, b"<script>$_ts=window['$_ts'];</script>")
'ruishu_412'
>>> classify_block(200, {}, b"") is None
False
"""

from __future__ import annotations

import re

_SOFT_404 = re.compile(
    r"(您访问的页面不存在|页面不存在|页面未找到|找不到该页面|您所访问的页面已删除|404\s*Not\s*Found"
    r"|抱歉.{0,10}(页面|信息).{0,6}(不存在|已删除))", re.I)
# Cheap first look, in the bytes: the words a soft 404 uses, in UTF-8 and in GBK.
_SOFT_404_BYTES = re.compile(b"|".join(
    re.escape(w.encode(enc)) for w in ("不存在", "未找到", "找不到", "已删除") for enc in ("utf-8", "gbk")
) + rb"|404", re.I)
_JS_HOME = re.compile(rb"(window\.)?location(\.href)?\s*=\s*['\"](/|/index\.html?|https?://[^'\"/]+/?)['\"]")


def classify_block(status: int | None, headers: dict[str, str], body: bytes) -> str | None:
    """The kind of block or soft 404 this response is, or None for a real page.

    ``headers`` keys are compared case-insensitively.
    """
    h = {k.lower(): v for k, v in headers.items()}
    head = body[:20000]
    cookies = h.get("set-cookie", "")
    if status == 412 and (b"$_ts" in head or re.search(r"\w+S=", cookies) or b"$_ts" in body):
        return "ruishu_412"
    if status == 521 and (b"__jsluid" in head or "__jsluid" in cookies or b"document.cookie" in head):
        return "jiasule_521"
    if "x-via-jsl" in h or (status == 403 and "jsl" in h.get("server", "").lower()):
        return "jsl_403"
    if status in (403, 405, 418, 429) and re.search(rb"(waf|WAF|\xe9\x98\xb2\xe7\x81\xab\xe5\xa2\x99|captcha|\xe9\xaa\x8c\xe8\xaf\x81\xe7\xa0\x81)", head):
        return f"waf_{status}"
    if status == 200 and not body.strip():
        return "empty_200"
    if status == 200 and len(body) < 4000 and _JS_HOME.search(head) and b"<table" not in head:
        return "soft_404_js_redirect"
    if status == 200 and len(body) < 30000 and _SOFT_404_BYTES.search(head):
        text = head.decode("utf-8", "ignore") + head.decode("gb18030", "ignore")
        if _SOFT_404.search(text) and "年度报告" not in text[:600]:
            return "soft_404"
    return None


def is_gone(status: int | None, block: str | None) -> bool:
    """The URL no longer serves its page: 404/410 or a soft 404."""
    return status in (404, 410) or (block or "").startswith("soft_404")
