"""One normalisation for everything downstream of decoding.

>>> normalize_text("２０２３年\u3000（一）<o:p></o:p>")
'2023年 (一)'
>>> label_key(" 社会 公益\\n组织 ")
'社会公益组织'
>>> [is_furniture(x) for x in ("- 3 -", "第3页 共5页", "3 / 5", "3")]
[True, True, True, False]
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_STRAY_TAGS = re.compile(
    r"</?(?:o:p|[a-z]+:[a-z]+|span|font|p|br|b|strong)\b[^>]*>|(?<![a-z])/?o:p>", re.I
)
_SPACES = re.compile(r"[ \u00a0\u2000-\u200b\u3000\ufeff]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_WS = re.compile(r"\s+")

# Page chrome that changes on every fetch and must not create versions:
# view counters are cut out of their line, today's date lines dropped.
_COUNTER = re.compile(r"(浏览|访问|点击|阅读|查看)(次数|人次|量|数|率)?\s*[:：]?\s*\d*\s*(次)?")
_VOLATILE = re.compile(
    r"(今天是|当前时间)|^\s*\d{4}\s*[-年/]\s*\d{1,2}\s*[-月/]\s*\d{1,2}\s*日?\s*"
    r"(星期|周)[一二三四五六日天]\s*$"
)


# Page furniture a PDF prints between the parts of a table: page numbers in their usual
# dresses (a bare number is not furniture: in flattened tables it is a cell).
_FURNITURE = re.compile(
    r"^\s*(?:[-—–－~]\s*\d{1,4}\s*[-—–－~]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[,，]?\s*第\s*\d{1,4}\s*页|\d{1,4}\s*/\s*\d{1,4}"
    r"|[Pp]age\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)\s*$")


def is_furniture(line: str) -> bool:
    """A page number line (``- 3 -``, ``第3页 共5页``, ``3/5``), never report content."""
    return bool(_FURNITURE.match(line))


# The compatibility forms reports are full of, mapped without a full NFKC pass.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalize_text(text: str) -> str:
    """Full-width → half-width (NFKC), odd spaces → one space, stray Word tags removed."""
    text = _STRAY_TAGS.sub("", text).translate(_HALF_WIDTH)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    # tabs stay: in saved text tables they are the column separators
    lines = (_SPACES.sub(" ", line).strip(" ") for line in text.splitlines())
    return "\n".join(lines)


@lru_cache(maxsize=8192)
def label_key(text: str) -> str:
    """A label as compared with the templates: normalised, all white space removed."""
    return _WS.sub("", normalize_text(text))


def stable_text(text: str) -> str:
    """Report text without volatile chrome lines, the key for versions."""
    kept = (_COUNTER.sub("", line).rstrip() for line in text.splitlines()
            if not _VOLATILE.search(line))
    return "\n".join(line for line in kept if line.strip())
