"""Each decoding case with its own fixture bytes (issue: decode every capture correctly)."""

from nianbao.parsers.decode import decode
from nianbao.parsers.pipeline import parse_capture

REPORT = "泉州市鲤城区2023年政府信息公开工作年度报告，本年新收政府信息公开申请数量为二十七件。"


def html(text: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>{text[:20]}</title></head><body><p>{text}</p></body></html>"


def test_gbk_without_declaration():
    d = decode(html(REPORT * 5).encode("gbk"))
    assert REPORT in d.text and d.encoding == "gb18030"
    assert d.header_charset is None and d.meta_charset is None


def test_gbk_whose_header_says_utf8():
    d = decode(html(REPORT * 5).encode("gbk"), "text/html; charset=utf-8")
    assert REPORT in d.text
    assert d.header_charset == "utf-8" and d.method.endswith("_over_header")


def test_utf8_whose_meta_says_gb2312():
    body = html(REPORT, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    d = decode(body.encode("utf-8"))
    assert REPORT in d.text and d.encoding == "utf-8"
    assert d.meta_charset == "gb2312" and "over_meta" in d.method


def test_gbk_only_character_in_page_declared_gb2312():
    text = "朱镕基同志视察时强调政府信息公开工作要依法推进"
    body = html(text, '<meta charset="gb2312">').encode("gbk")  # 镕 is not in GB2312
    d = decode(body)
    assert "朱镕基" in d.text and d.replacements == 0 and d.encoding == "gb18030"


def test_short_gbk_page():
    d = decode("<p>年度报告</p>".encode("gbk"))
    assert "年度报告" in d.text


def test_big5():
    text = "政府資訊公開年度報告：本機關收到申請二十件，依法予以公開。"
    d = decode(html(text).encode("big5"))
    assert text in d.text and d.encoding == "big5"


def test_header_and_meta_disagree_plausible_chinese_wins():
    body = html(REPORT * 3, '<meta charset="big5">').encode("gbk")
    d = decode(body, "text/html; charset=gbk")
    assert REPORT in d.text and d.encoding == "gb18030"


def test_undecodable_bytes_are_best_effort_and_flagged():
    body = html(REPORT).encode("utf-8")[:-30] + b"\xff\xfe\xfd\x81" + b"</p></body></html>"
    parsed = parse_capture(body, "text/html", "http://127.0.0.1/x.html")
    assert parsed.decoded is not None and parsed.decoded.replacements >= 1
    assert any(f.startswith("undecodable_bytes") for f in parsed.flags)
    assert "泉州市鲤城区" in parsed.decoded.text
