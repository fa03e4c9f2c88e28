"""Repairs for text copied through mirror sites (seed 000): Traditional characters,
pinyin annotations after characters, and GBK text decoded one byte out of step.

Every repair is named in the returned list, so a version records what was changed.

>>> repair_text("根據(jù)《條例》")
('根据《条例》', ['pinyin_annotations_removed:1', 'traditional_to_simplified'])
>>> repair_text("?。ㄒ唬┲鲃庸\ue0a6_方面")[0]
'（一）主动公开方面'
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

_PINYIN = re.compile(
    r"(?<=[\u4e00-\u9fff\ufffd])\(([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*)\)"
)
_SHIFTED = re.compile(r"\?(?=[^\x00-\x7f])")
# Characters that GBK text read out of step produces and real reports do not use.
_ODD = re.compile(r"[\u3100-\u312f\u2500-\u257f\ue000-\uf8ff\ufffd\u01cd-\u01dc]|^。")


def oddness(text: str) -> int:
    """How many mojibake-only characters ``text`` holds."""
    return len(_ODD.findall(text))


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def traditional_share(text: str) -> float:
    """Share of Traditional forms among the first 5000 CJK characters (never a list of
    every character: a page may hold millions)."""
    sample = "".join(islice((c for c in text if "\u4e00" <= c <= "\u9fff"), 5000))
    if not sample:
        return 0.0
    converted = _t2s().convert(sample)
    return sum(a != b for a, b in zip(sample, converted, strict=False)) / len(sample)


def _space_at(text: str) -> int:
    found = re.search(r"\s", text)
    return found.start() if found else -1


def _reread(segment: str) -> str | None:
    """``segment`` re-read one byte on, if that reads as better Chinese."""
    try:
        data = segment.encode("gb18030")
    except UnicodeEncodeError:
        return None
    candidate = data[1:].decode("gb18030", errors="replace")
    candidate = re.sub(r"\?(?=$|<)", "\ufffd", candidate)
    if oddness(candidate) < oddness(segment) and candidate.count("\ufffd") <= 2:
        return candidate.replace("\x00", "")
    return None


def unshift_gbk(line: str) -> tuple[str, int]:
    """Re-read GBK bytes that were decoded one byte out of step after a lost byte.

    The text after a ``?`` is encoded back to its bytes, the orphan first byte dropped
    and the rest decoded again; kept only when it reads as better Chinese.
    A character whose bytes were lost becomes U+FFFD.
    """
    fixed = 0
    out: list[str] = []
    pos = 0
    for m in _SHIFTED.finditer(line):
        if m.start() < pos:
            continue
        tail = line[m.end():]
        end = len(tail)
        if (lt := tail.find("<")) > 0:
            end = lt
        # up to the next space (bytes after an ASCII one are read in step again, and
        # lines may have been run together), else the rest of the line
        ends = [e for e in [_space_at(tail)] if 0 < e < end] + [end]
        for end in ends:
            candidate = _reread(tail[:end])
            if candidate is not None:
                out.append(line[pos:m.start()])
                out.append(candidate)
                pos = m.end() + end
                fixed += 1
                break
    if not fixed:
        return line, 0
    out.append(line[pos:])
    result = "".join(out)
    return result.replace("\ufffd?", "\ufffd"), fixed


def repair_text(text: str) -> tuple[str, list[str]]:
    """Apply the repairs this text needs; return it with the list of repairs made."""
    repairs: list[str] = []
    lines, shifted, lost = [], 0, 0
    for line in text.split("\n"):
        if "?" in line:
            line, n = unshift_gbk(line)
            shifted += n
            lost += line.count("\ufffd") if n else 0
        lines.append(line)
    if shifted:
        text = "\n".join(lines)
        repairs.append(f"gbk_byte_shift_repaired:{shifted}")
        if lost:
            repairs.append(f"gbk_bytes_lost:{lost}")
    text, n = _PINYIN.subn("", text)
    if n:
        repairs.append(f"pinyin_annotations_removed:{n}")
    if traditional_share(text) > 0.03:
        text = _t2s().convert(text)
        repairs.append("traditional_to_simplified")
    return text, repairs
