"""Scans (OCR), DOC/WPS (LibreOffice) and OFD read into report cells.

Every fixture is made here at run time: the demo report's PDF rasterised with a slight
rotation and noise and wrapped again as an image-only PDF; a table drawn with a CJK font
into a PNG; a python-docx report saved as Word 97 by LibreOffice; an OFD package written
from positioned text and ruling lines. Every figure of the demo report is distinct and
non-zero, so a cell read from the wrong row or column shows.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import time
import zipfile
from xml.sax.saxutils import escape

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from nianbao.demo import demo_numbers, report_pdf
from nianbao.parsers import convert, limits
from nianbao.parsers.ocr import pdf_page_images
from nianbao.parsers.pipeline import parse_capture
from tests.conftest import need
from tests.layouts import report_docx, request_rows

YEAR = 2024
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SOFFICE = shutil.which("soffice")
REVIEW_LABELS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def _n(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:.2f}"


def truth() -> dict[tuple[str, str, str], float]:
    return dict(demo_numbers(YEAR))


def cells_of(parsed) -> dict[tuple[str, str, str], object]:
    assert parsed.report is not None, parsed.flags
    return {(c.table, c.row_key, c.col_key): c for c in parsed.report.cells}


def score(parsed, keys=None) -> tuple[int, list, list]:
    """(right, wrong with a value, NULL) over the demo cells (``keys``: a subset)."""
    got = cells_of(parsed)
    want = {k: v for k, v in truth().items() if keys is None or k[0] in keys}
    right = [k for k, v in want.items() if k in got and got[k].value == v]
    wrong = [(k, v, got[k]) for k, v in want.items() if k in got and got[k].value not in (None, v)]
    null = [k for k in want if k not in got or got[k].value is None]
    return len(right), wrong, null


# -- page drawing, shared by the PNG and the OFD fixtures (millimetres) ------------------


class Sheet:
    """Text and rules placed on an A4 page, in millimetres from the top left."""

    def __init__(self):
        self.texts: list[tuple[float, float, str, float]] = []  # x, baseline y, text, size
        self.rules: list[tuple[float, float, float, float]] = []  # x0, y0, x1, y1

    def text(self, x: float, y: float, s: str, size: float = 3.7) -> None:
        self.texts.append((x, y, s, size))

    def table(self, x: float, y: float, widths: list[float], rows: list[list[tuple]],
              height: float = 7.0) -> float:
        """Rows of (text, colspan, rowspan) cells, centred, ruled; returns the bottom y."""
        taken: set[tuple[int, int]] = set()
        nrows = len(rows)
        edges = [x]
        for w in widths:
            edges.append(edges[-1] + w)
        for r, cells in enumerate(rows):
            c = 0
            for text, colspan, rowspan in cells:
                while (r, c) in taken:
                    c += 1
                for dr in range(rowspan):
                    for dc in range(colspan):
                        taken.add((r + dr, c + dc))
                x0, x1 = edges[c], edges[c + colspan]
                y0, y1 = y + r * height, y + (r + rowspan) * height
                size = 3.2
                chars = [ch for ch in text]
                width = sum(size if ord(ch) > 0x2E7F else size * 0.55 for ch in chars)
                if width > x1 - x0 - 1 and len(text) > 4:  # wrap in two lines
                    half = (len(text) + 1) // 2
                    self.text(x0 + 0.8, (y0 + y1) / 2 - 0.3, text[:half], size)
                    self.text(x0 + 0.8, (y0 + y1) / 2 + size + 0.1, text[half:], size)
                else:
                    if width > x1 - x0 - 1:  # a short label in a narrow column: smaller
                        size, width = size * (x1 - x0 - 1) / width, x1 - x0 - 1
                    self.text((x0 + x1 - width) / 2, (y0 + y1) / 2 + size * 0.35, text, size)
                self.rules += [(x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1),
                               (x1, y0, x1, y1)]
                c += colspan
        return y + nrows * height


def report_sheets() -> list[Sheet]:
    """The demo report (2021 format) on two pages: prose and table 二 on the first,
    tables 三 and 四 on the second."""
    t = truth()
    v = lambda *k: _n(t[k])  # noqa: E731
    one = Sheet()
    one.text(40, 20, f"示范县人民政府{YEAR}年政府信息公开工作年度报告", 5.0)
    y = 32
    for line in ("一、总体情况", "全年依法做好政府信息公开工作，共收到申请若干件。",
                 "二、主动公开政府信息情况"):
        one.text(20, y, line)
        y += 8
    rows = [[("第二十条第(一)项", 4, 1)],
            [("信息内容", 1, 1), ("本年制发件数", 1, 1), ("本年废止件数", 1, 1), ("现行有效件数", 1, 1)],
            [("规章", 1, 1), (v("proactive", "rules", "issued"), 1, 1),
             (v("proactive", "rules", "repealed"), 1, 1), (v("proactive", "rules", "in_force"), 1, 1)],
            [("行政规范性文件", 1, 1), (v("proactive", "normative_docs", "issued"), 1, 1),
             (v("proactive", "normative_docs", "repealed"), 1, 1),
             (v("proactive", "normative_docs", "in_force"), 1, 1)],
            [("第二十条第(五)项", 4, 1)],
            [("信息内容", 1, 1), ("本年处理决定数量", 3, 1)],
            [("行政许可", 1, 1), (v("proactive", "licensing", "decisions"), 3, 1)],
            [("第二十条第(六)项", 4, 1)],
            [("信息内容", 1, 1), ("本年处理决定数量", 3, 1)],
            [("行政处罚", 1, 1), (v("proactive", "punishment", "decisions"), 3, 1)],
            [("行政强制", 1, 1), (v("proactive", "enforcement", "decisions"), 3, 1)],
            [("第二十条第(八)项", 4, 1)],
            [("信息内容", 1, 1), ("本年收费金额(单位:万元)", 3, 1)],
            [("行政事业性收费", 1, 1), (v("proactive", "fees", "amount_10k_yuan"), 3, 1)]]
    one.table(20, y, [50, 40, 40, 40], rows)
    two = Sheet()
    two.text(20, 18, "三、收到和处理政府信息公开申请情况")
    cols = ["natural_person", "commercial", "research", "nonprofit", "legal_service", "other_org",
            "total"]
    rows = [[("本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和", 1, 3),
             ("申请人情况", 7, 1)],
            [("自然人", 1, 2), ("法人或其他组织", 5, 1), ("总计", 1, 2)],
            [("商业企业", 1, 1), ("科研机构", 1, 1), ("社会公益组织", 1, 1), ("法律服务机构", 1, 1),
             ("其他", 1, 1)]]
    for key, label in request_rows(YEAR, "2021"):
        rows.append([(label, 1, 1), *((v("requests", key, c), 1, 1) for c in cols)])
    y = two.table(12, 24, [60] + [19] * 7, rows, height=7.6)
    two.text(20, y + 10, "四、政府信息公开行政复议、行政诉讼情况")
    rows = [[("行政复议", 5, 2), ("行政诉讼", 10, 1)],
            [("未经复议直接起诉", 5, 1), ("复议后起诉", 5, 1)],
            [(label, 1, 1) for label in REVIEW_LABELS * 3],
            [(v("reviews", g, c), 1, 1) for g in ("review", "lawsuit_direct", "lawsuit_after_review")
             for c in ("upheld", "corrected", "other", "pending", "total")]]
    y = two.table(12, y + 16, [12.4] * 15, rows, height=9)
    for line in ("五、存在的主要问题及改进情况", "公开平台建设仍需加强。", "六、其他需要报告的事项", "无。",
                 "示范县人民政府", "2025年1月27日"):
        y += 8
        two.text(20, y, line)
    return [one, two]


# -- images ------------------------------------------------------------------------------


def render(sheet: Sheet, dpi: int = 170, angle: float = 0.0, noise: float = 0.0,
           seed: int = 1, blur: float = 0.0, crop_mm: tuple | None = None) -> Image.Image:
    k = dpi / 25.4
    img = Image.new("L", (int(210 * k), int(297 * k)), 255)
    draw = ImageDraw.Draw(img)
    for x0, y0, x1, y1 in sheet.rules:
        draw.line([(x0 * k, y0 * k), (x1 * k, y1 * k)], fill=0, width=max(1, int(0.25 * k)))
    fonts: dict[int, ImageFont.FreeTypeFont] = {}
    for x, y, text, size in sheet.texts:
        px = int(size * k)
        font = fonts.setdefault(px, ImageFont.truetype(FONT, px))
        draw.text((x * k, y * k), text, fill=0, font=font, anchor="ls")
    if crop_mm:
        img = img.crop(tuple(int(v * k) for v in crop_mm))
    return degrade(img, angle, noise, seed, blur)


def degrade(img: Image.Image, angle: float, noise: float, seed: int, blur: float = 0.0):
    """A scanner's doing: a slight rotation, grain, specks (deterministic)."""
    from PIL import ImageFilter

    img = img.convert("L").rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        rng = np.random.default_rng(seed)
        a = np.asarray(img).astype(np.int16) + rng.normal(0, noise, img.size[::-1]).astype(np.int16)
        a[rng.random(a.shape) < 0.001] = 0
        img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return img


def png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def scanned_pdf() -> bytes:
    """The demo report's PDF as a scanner returns it: pages as images, no text."""
    pages = [degrade(img, 0.7, 10.0, n) for n, img in pdf_page_images(report_pdf(YEAR), dpi=170)]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=170)
    return out.getvalue()


def test_scanned_pdf_is_read_by_ocr(scanned_pdf):
    parsed = parse_capture(scanned_pdf, "application/pdf", "http://127.0.0.1/nb.pdf")
    report = parsed.report
    assert report.is_report and report.year == YEAR, (report.reason, report.flags)
    assert any(f.startswith("ocr_pages:2/2") for f in report.flags)
    right, wrong, null = score(parsed)
    assert right >= 0.97 * len(truth()), (right, wrong, null)
    got = cells_of(parsed)
    for (k, v, cell) in wrong:  # a wrong figure is never passed off as a confident one
        assert cell.flag and "ocr" in cell.flag, (k, v, cell)
    assert not wrong, wrong
    for key in null:  # what could not be read is NULL and says why
        assert key not in got or (got[key].flag or "").startswith("ocr_low_confidence"), got.get(key)
    assert all(c.flag and c.flag.startswith(("ocr:", "ocr_low_confidence:")) for c in got.values())


def test_pdf_with_one_scanned_page(scanned_pdf):
    """Page 1 a scan, page 2 text (the signature): the OCR'd page's lines go before the
    text page's, the agency and date still come from the text."""
    import pypdfium2 as pdfium

    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(pdfium.PdfDocument(scanned_pdf), [0])
    mixed.import_pages(pdfium.PdfDocument(report_pdf(YEAR)), [1])
    out = io.BytesIO()
    mixed.save(out)
    parsed = parse_capture(out.getvalue(), "application/pdf", "http://127.0.0.1/m.pdf")
    report = parsed.report
    assert "ocr_pages:1/2" in report.flags
    assert report.agency == "示范县人民政府" and report.published == "2025-01-27"
    assert report.text.index("行政复议") < report.text.rindex("示范县人民政府")
    right, wrong, null = score(parsed)
    assert right >= 0.97 * len(truth()) and not wrong, (wrong, null)


def test_image_attachment_table_four():
    """A photographed table 四 (PNG): 15 distinct figures under three header groups."""
    sheet = report_sheets()[1]
    img = render(sheet, dpi=170, angle=-0.6, noise=8.0, seed=3, crop_mm=(0, 200, 210, 297))
    title = render_title()
    canvas = Image.new("L", (img.width, img.height + title.height), 255)
    canvas.paste(title, (0, 0))
    canvas.paste(img, (0, title.height))
    parsed = parse_capture(png(canvas), "image/png", "http://127.0.0.1/nb.png")
    assert parsed.kind == "image"
    report = parsed.report
    assert report.is_report, (report.reason, report.flags, report.text[:300])
    right, wrong, null = score(parsed, keys=("reviews",))
    assert right >= 14 and not wrong, (right, wrong, null)


def render_title() -> Image.Image:
    s = Sheet()
    s.text(20, 12, f"示范县人民政府{YEAR}年政府信息公开工作年度报告", 5.0)
    return render(s, crop_mm=(0, 0, 210, 20))


def test_unreadable_scan_is_kept_and_flagged():
    """A page too blurred and grainy to read: parsed without raising, the page flagged
    under the confidence floor, no figure taken from it unflagged."""
    img = render(report_sheets()[1], dpi=120, noise=25.0, seed=5, blur=1.4,
                 crop_mm=(0, 200, 210, 297))
    parsed = parse_capture(png(img), "image/png", "http://127.0.0.1/bad.png")
    assert parsed.report is not None, parsed.flags
    assert any(f.startswith("ocr_low_confidence:page1:") for f in parsed.report.flags)
    for c in parsed.report.cells:
        assert c.value is None or "ocr" in (c.flag or ""), c


def test_broken_image_never_raises():
    parsed = parse_capture(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "image/png", "http://127.0.0.1/x.png")
    assert parsed.kind == "image" and parsed.report is None
    assert any(f.startswith("parse_error") for f in parsed.flags)


# -- DOC / WPS -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def word97(tmp_path_factory) -> bytes:
    need(bool(SOFFICE), "LibreOffice (soffice) is not installed; .ci/run installs it")
    tmp = tmp_path_factory.mktemp("doc")
    (tmp / "r.docx").write_bytes(report_docx(YEAR))
    import subprocess

    subprocess.run([SOFFICE, "--headless", "--norestore",
                    f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--convert-to",
                    "doc:MS Word 97", "--outdir", str(tmp), str(tmp / "r.docx")],
                   check=True, capture_output=True, timeout=120)
    data = (tmp / "r.doc").read_bytes()
    assert data.startswith(b"\xd0\xcf\x11\xe0")
    return data


@pytest.mark.parametrize("ext", ["doc", "wps"])
def test_word97_read_through_libreoffice(word97, ext):
    parsed = parse_capture(word97, "application/octet-stream", f"http://127.0.0.1/nb.{ext}")
    assert parsed.kind == ext
    report = parsed.report
    assert report.is_report and "converted:soffice" in report.flags
    assert report.agency == "示范县人民政府" and report.year == YEAR
    right, wrong, null = score(parsed, keys=("requests", "reviews"))
    # table 四 too: LibreOffice's hairline grid column (w:w="1") is dropped, so 总计 of
    # 行政复议 stays under its group instead of straddling two grid columns
    assert right == sum(1 for k in truth() if k[0] in ("requests", "reviews")), (wrong, null)


def test_rejected_doc_keeps_its_text(word97):
    """A Word 97 file LibreOffice cannot open (its OLE directory destroyed): the report
    row still has its title and sections, flagged why."""
    broken = bytearray(word97)
    broken[0x30:0x34] = b"\xff\xff\xff\x7f"  # first directory sector: past the end
    parsed = parse_capture(bytes(broken), None, "http://127.0.0.1/nb.doc")
    flags = parsed.report.flags
    assert any(f.startswith("convert_failed:soffice") for f in flags), flags
    assert any(f.startswith("text_only:") for f in flags)
    assert parsed.report.title.startswith("示范县人民政府")
    assert parsed.report.is_report


def test_hanging_converter_is_killed(monkeypatch, tmp_path, word97):
    hang = tmp_path / "soffice"
    hang.write_text("#!/bin/sh\nsleep 61.25 & sleep 61.25\n")  # a helper child, too
    hang.chmod(hang.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(convert, "SOFFICE", str(hang))
    monkeypatch.setattr(limits, "CONVERT_TIMEOUT_SECONDS", 1.0)
    started = time.monotonic()
    parsed = parse_capture(word97, None, "http://127.0.0.1/nb.doc")
    assert time.monotonic() - started < 20
    assert "timeout:soffice>1s" in parsed.report.flags
    assert parsed.report.title.startswith("示范县人民政府")
    assert not _running("61.25"), "the converter's process group must be killed whole"


def _running(token: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if token.encode() in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found


# -- OFD -------------------------------------------------------------------------------

NS = "http://www.ofdspec.org/2016"


def _text_object(i: int, x: float, y: float, text: str, size: float, per_char: bool) -> str:
    """A TextObject with its Boundary at the text's box, the TextCode at the baseline."""
    adv = [size if ord(ch) > 0x2E7F else size * 0.55 for ch in text]
    w, top = sum(adv) + 1, y - size
    if per_char:
        return "".join(_text_object(i * 1000 + k, x + sum(adv[:k]), y, ch, size, False)
                       for k, ch in enumerate(text))
    delta = " ".join(f"{a:g}" for a in adv[:-1])
    return (f'<ofd:TextObject ID="{i}" Boundary="{x:.2f} {top:.2f} {w:.2f} {size * 1.4:.2f}" '
            f'Font="3" Size="{size}"><ofd:TextCode X="0" Y="{size:.2f}" '
            f'DeltaX="{delta}">{escape(text)}</ofd:TextCode></ofd:TextObject>')


def ofd_page(sheet: Sheet) -> str:
    objects = []
    for i, (x, y, text, size) in enumerate(sheet.texts):
        objects.append(_text_object(i + 1, x, y, text, size, per_char=not any(c.isdigit() for c in text)
                                    and i % 3 == 0))
    for k, (x0, y0, x1, y1) in enumerate(sheet.rules):
        objects.append(f'<ofd:PathObject ID="{90000 + k}" Boundary="{min(x0, x1):.2f} {min(y0, y1):.2f} '
                       f'{abs(x1 - x0) + 0.3:.2f} {abs(y1 - y0) + 0.3:.2f}" LineWidth="0.25">'
                       f'<ofd:AbbreviatedData>M 0 0 L {abs(x1 - x0):.2f} {abs(y1 - y0):.2f}'
                       f'</ofd:AbbreviatedData></ofd:PathObject>')
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Content>'
            f'<ofd:Layer ID="1">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')


def ofd_bytes(pages: list[str], title: str = f"示范县人民政府{YEAR}年政府信息公开工作年度报告",
              extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" '
                   f'DocType="OFD" Version="1.0"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID>'
                   f'<ofd:Title>{title}</ofd:Title><ofd:CreationDate>2025-01-27</ofd:CreationDate>'
                   f'</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        refs = "".join(f'<ofd:Page ID="{n + 10}" BaseLoc="Pages/Page_{n}/Content.xml"/>'
                       for n in range(len(pages)))
        z.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document '
                   f'xmlns:ofd="{NS}"><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297'
                   f'</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>{refs}</ofd:Pages>'
                   f'</ofd:Document>')
        for n, page in enumerate(pages):
            z.writestr(f"Doc_0/Pages/Page_{n}/Content.xml", page)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def test_ofd_report_cells():
    data = ofd_bytes([ofd_page(s) for s in report_sheets()])
    parsed = parse_capture(data, "application/ofd", "http://127.0.0.1/nb.ofd")
    assert parsed.kind == "ofd"
    report = parsed.report
    assert report.is_report and report.year == YEAR and report.agency == "示范县人民政府"
    assert report.published == "2025-01-27" or report.published is None
    right, wrong, null = score(parsed)
    assert right == len(truth()), (wrong, null)
    assert "四、政府信息公开行政复议、行政诉讼情况" in report.text


def test_broken_ofd_is_flagged_never_raised():
    pages = [ofd_page(s) for s in report_sheets()]
    good = ofd_bytes(pages)
    for data, flag in ((good[: len(good) // 2], "ofd_broken"),
                       (ofd_bytes([pages[0], "<ofd:Page><not xml"]), "ofd_broken"),
                       (b"PK\x03\x04" + b"\x00" * 100, "ofd_broken")):
        parsed = parse_capture(data, "application/ofd", "http://127.0.0.1/nb.ofd")
        flags = parsed.flags + (parsed.report.flags if parsed.report else [])
        assert any(f.startswith(flag) for f in flags), flags
    # the first page survives a broken second one
    parsed = parse_capture(ofd_bytes([pages[0], "<ofd:Page><not xml"]), None, "http://127.0.0.1/a.ofd")
    assert parsed.report.is_report
    assert cells_of(parsed)[("proactive", "licensing", "decisions")].value == truth()[
        ("proactive", "licensing", "decisions")]


def test_ofd_member_bomb_is_capped(monkeypatch):
    """A page member inflating past the member limit is stopped there and flagged; the
    rest of the document is still read."""
    monkeypatch.setattr(limits, "MAX_ZIP_MEMBER_BYTES", 2 * limits.MiB)
    bomb = ofd_page(report_sheets()[0]).replace("</ofd:Layer>", " " * (8 * limits.MiB) + "</ofd:Layer>")
    data = ofd_bytes([bomb, ofd_page(report_sheets()[1])])
    assert len(data) < 200_000
    parsed = parse_capture(data, None, "http://127.0.0.1/a.ofd")
    flags = parsed.report.flags
    assert any(f.startswith(("bomb:", "too_large:")) for f in flags), flags
    assert cells_of(parsed)[("reviews", "review", "total")].value == truth()[("reviews", "review", "total")]


def test_ofd_without_rules_tables_from_positions():
    """No ruling lines at all: columns from where the numbers stand and the header words
    above them, wrapped header words and wrapped row labels put back together."""
    sheets = report_sheets()
    for sheet in sheets:
        sheet.rules = []
    parsed = parse_capture(ofd_bytes([ofd_page(s) for s in sheets]), None, "http://127.0.0.1/b.ofd")
    right, wrong, null = score(parsed)
    assert right == len(truth()), (wrong, null)
