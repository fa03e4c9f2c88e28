"""Bytes → text, with the evidence for the encoding chosen.

Order of evidence: BOM → HTTP header → ``<meta>`` → detection over the whole body.
Chinese portals mislabel pages often, so a declaration is only trusted when the bytes
decode under it without errors and read as plausible Chinese.

>>> d = decode("政府信息公开".encode("gbk"), "text/html; charset=utf-8")
>>> d.text, d.encoding, d.method
('政府信息公开', 'gb18030', 'detected_over_header')
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

CANDIDATES = ("utf-8", "gb18030", "big5")
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "x-gbk": "gb18030",
    "cp936": "gb18030", "euc-cn": "gb18030", "hz-gb-2312": "gb18030",
    "utf8": "utf-8", "utf-8": "utf-8", "big5": "big5", "big5-hkscs": "big5", "cp950": "big5",
}
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I
)
# The 300 most frequent characters of modern Chinese government prose.
COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也"
    "能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实"
    "加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样"
    "与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情"
    "者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级"
    "少图山统接知较将组见计别手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光"
    "门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采"
    "转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节"
    "话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际"
    "商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往历市克何除消构府称太准精值"
    "号率族维划选标写存候毛亲快效院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满"
    "县局照参红细引听该铁价严龙申请依报告街道乡镇政务网站公开年度办理复议诉讼"
    # Traditional forms, so Big5 pages score as Chinese too.
    "資訊開報據與為這個們國會時來對說經發動機關請單處審議務於從無過還進當體區縣鎮辦題問應數項裡條總結復覆訴訟門網頁"
)


@dataclass(frozen=True)
class Decoded:
    """Decoded text and how it was decoded."""

    text: str
    encoding: str
    method: str
    header_charset: str | None = None
    meta_charset: str | None = None
    replacements: int = 0
    repairs: tuple[str, ...] = field(default_factory=tuple)

    def evidence(self) -> dict:
        return {
            "header_charset": self.header_charset,
            "meta_charset": self.meta_charset,
            "encoding": self.encoding,
            "method": self.method,
            "replacements": self.replacements,
            "repairs": list(self.repairs),
        }


def canonical(name: str | None) -> str | None:
    """gb2312 and gbk are always decoded as their superset gb18030."""
    if not name:
        return None
    name = name.strip().lower().replace("_", "-")
    if name in _ALIASES:
        return _ALIASES[name]
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1).lower() if match else None


def meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:65536])
    return match.group(1).decode("ascii", "replace").lower() if match else None


_CJK = re.compile("[\u4e00-\u9fff]")


def plausibility(text: str) -> float:
    """Share of CJK characters that are common ones: near 0 for mojibake.

    Measured on the first few thousand CJK characters: enough to tell, and fast."""
    cjk = _CJK.findall(text, 0, 8000)
    if not cjk:
        return 0.0
    return sum(c in COMMON for c in cjk) / len(cjk)


def _strict(body: bytes, encoding: str) -> str | None:
    """Decode without errors; a multibyte character cut off at the very end (a truncated
    download) does not count against the encoding."""
    try:
        return codecs.getincrementaldecoder(encoding)().decode(body, final=False)
    except (UnicodeDecodeError, LookupError):
        return None


def _best_strict(body: bytes, encodings: list[str]) -> tuple[str, str] | None:
    """The encoding among ``encodings`` that decodes cleanly and reads most like Chinese."""
    scored = []
    for rank, encoding in enumerate(encodings):
        text = _strict(body, encoding)
        if text is not None:
            scored.append((plausibility(text), -rank, encoding, text))
    if not scored:
        return None
    _, _, encoding, text = max(scored)
    return encoding, text


def _detect(body: bytes) -> tuple[str, str, str]:
    """Detection limited to the encodings Chinese portals use."""
    if _strict(body, "utf-8") is not None:
        return "utf-8", body.decode("utf-8"), "detected_utf8_valid"
    found = _best_strict(body, ["gb18030", "big5"])
    if found:
        return found[0], found[1], "detected_clean_decode"
    # No candidate decodes cleanly: weigh charset-normalizer's guess against how much
    # each candidate has to replace and how Chinese the result reads.
    guess = from_bytes(body, cp_isolation=["utf_8", "gb18030", "big5"]).best()
    guessed = canonical(guess.encoding) if guess else None
    scored = []
    for encoding in CANDIDATES:
        text = body.decode(encoding, errors="replace")
        cjk = len(_CJK.findall(text)) or 1
        score = plausibility(text) - text.count("\ufffd") / cjk + (0.05 if encoding == guessed else 0)
        scored.append((score, encoding, text))
    _, encoding, text = max(scored)
    return encoding, text, "detected_charset_normalizer"


_MIN_PLAUSIBLE = 0.3


def _declared_method(encoding: str, head: str | None, meta: str | None) -> str:
    """Name which declaration the chosen encoding agrees with, and which it overrode."""
    agrees = [n for n, c in (("header", head), ("meta", meta)) if canonical(c) == encoding]
    overrode = [n for n, c in (("header", head), ("meta", meta)) if c and canonical(c) != encoding]
    method = "+".join(agrees) if agrees else "detected"
    return method + "".join(f"_over_{n}" for n in overrode)


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_WIDE = {"utf-16": "utf-16-le", "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be",
         "utf-32": "utf-32-le", "utf-32-le": "utf-32-le", "utf-32-be": "utf-32-be"}


def bom(body: bytes) -> tuple[str, int] | None:
    """The encoding a byte-order mark names, and the mark's length.

    >>> bom(codecs.BOM_UTF32_LE + b"<"), bom(b"\\xff\\xfe<\\x00"), bom(b"<html>")
    (('utf-32-le', 4), ('utf-16-le', 2), None)
    """
    return next(((name, len(mark)) for mark, name in _BOMS if body.startswith(mark)), None)


def _nul_shape(sample: bytes) -> str | None:
    """UTF-16/UTF-32 told by where the NUL bytes fall (ASCII markup in a wide encoding)."""
    quarter = len(sample) // 4
    zeros = [sample[i:quarter * 4:4].count(0) / quarter for i in range(4)]
    if zeros[2] > 0.9 and zeros[3] > 0.9 and zeros[0] < 0.5:
        return "utf-32-le"
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[3] < 0.5:
        return "utf-32-be"
    odd, even = (zeros[1] + zeros[3]) / 2, (zeros[0] + zeros[2]) / 2
    if odd > 0.2 and even < odd / 4:
        return "utf-16-le"
    if even > 0.2 and odd < even / 4:
        return "utf-16-be"
    return None


def wide_encoding(body: bytes) -> str | None:
    """UTF-16 or UTF-32 without a BOM, told by its shape: NUL bytes in every second (or
    three of four) positions, or — for text with no ASCII at all — pairs that read as
    common Chinese in one byte order. GBK and Big5 never do (their pairs land outside
    the CJK block or on rare characters).

    >>> wide_encoding("<p>政府信息公开</p>".encode("utf-16-be"))
    'utf-16-be'
    >>> wide_encoding(("政府信息公开工作年度报告" * 3).encode("utf-16-le"))
    'utf-16-le'
    >>> wide_encoding(("政府信息公开工作年度报告" * 3).encode("gbk")) is None
    True
    """
    sample = body[:4096]
    if len(sample) < 8:
        return None
    if b"\x00" in sample and (shape := _nul_shape(sample)):
        return shape
    sample = sample[:len(sample) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        text = _strict(sample, encoding)
        if text and plausibility(text) >= 0.5 and len(_CJK.findall(text)) * 2 > len(text):
            return encoding
    return None


def _wide(body: bytes, head: str | None, meta: str | None) -> Decoded | None:
    """A body in UTF-8 with a BOM, or in UTF-16/UTF-32 (by BOM, declaration or shape)."""
    found = bom(body)
    if found:
        encoding, skip, method = found[0], found[1], "bom"
    else:
        declared = _WIDE.get((head or "").lower().replace("_", "-"))
        encoding, skip, method = declared or wide_encoding(body), 0, "header" if declared else "shape"
        if encoding is None:
            return None
    text = body[skip:].decode(encoding, errors="replace")
    return Decoded(text, encoding, method, head, meta, text.count("\ufffd"))


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode ``body`` using the HTTP ``content_type`` header and the page itself."""
    head, meta = header_charset(content_type), meta_charset(body)
    if wide := _wide(body, head, meta):
        return wide
    declared = [c for c in dict.fromkeys([canonical(head), canonical(meta)]) if c]
    if not body.isascii() and (text := _strict(body, "utf-8")) is not None:
        # Valid UTF-8 with non-ASCII bytes is almost never GBK or Big5 by accident.
        return Decoded(text, "utf-8", _declared_method("utf-8", head, meta), head, meta, 0)
    found = _best_strict(body, [c for c in declared if c != "utf-8"])
    if found and plausibility(found[1]) >= _MIN_PLAUSIBLE:
        return Decoded(found[1], found[0], _declared_method(found[0], head, meta), head, meta, 0)
    encoding, text, how = _detect(body)
    method = _declared_method(encoding, head, meta) if declared else how
    return Decoded(text, encoding, method, head, meta, text.count("\ufffd"))
