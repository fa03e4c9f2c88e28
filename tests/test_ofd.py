"""OFD pages written the ways real producers write them, built by hand: one object per
character in any order, ``g`` runs in DeltaX, a CTM scaling the text, positions on the
TextCode only, several layers, a template page, overprinted (fake bold) text, and a
table printed without ruling lines."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from nianbao.parsers.ofd import from_ofd

NS = "http://www.ofdspec.org/2016"
SIZE = 3.5


def _zip(pages: list[str], templates: dict[str, str] | None = None) -> bytes:
    templates = templates or {}
    tpl_refs = "".join(f'<ofd:TemplatePage ID="{tid}" BaseLoc="Tpls/{tid}.xml"/>' for tid in templates)
    page_refs = "".join(f'<ofd:Page ID="{i + 100}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
                        for i in range(len(pages)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("OFD.xml", f'<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody>'
                   f"<ofd:DocInfo><ofd:DocID>t</ofd:DocID></ofd:DocInfo>"
                   f"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        z.writestr("Doc_0/Document.xml", f'<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
                   f"<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>{tpl_refs}</ofd:CommonData>"
                   f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>")
        for i, page in enumerate(pages):
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", page)
        for tid, page in templates.items():
            z.writestr(f"Doc_0/Tpls/{tid}.xml", page)
    return out.getvalue()


def _page(objects: list[str], template: str | None = None, layers: int = 1) -> str:
    ref = f'<ofd:Template TemplateID="{template}" ZOrder="Background"/>' if template else ""
    per = max(1, -(-len(objects) // layers))
    body = "".join(f'<ofd:Layer ID="{k + 1}">{"".join(objects[k * per:(k + 1) * per])}</ofd:Layer>'
                   for k in range(layers))
    return f'<ofd:Page xmlns:ofd="{NS}">{ref}<ofd:Content>{body}</ofd:Content></ofd:Page>'


def _advance(ch: str) -> float:
    return SIZE if ord(ch) > 0x2E7F else SIZE * 0.5


def _text(x: float, baseline: float, text: str, delta: str | None = None, ctm: str | None = None,
          size: float = SIZE) -> str:
    """One TextObject; its Boundary's top left at (x, baseline - size)."""
    delta = delta if delta is not None else " ".join(f"{_advance(c):g}" for c in text[:-1])
    extra = f' CTM="{ctm}"' if ctm else ""
    return (f'<ofd:TextObject ID="1" Boundary="{x} {baseline - size} 100 {size * 1.5}" '
            f'Font="1" Size="{size}"{extra}><ofd:TextCode X="0" Y="{size}" DeltaX="{delta}">'
            f"{escape(text)}</ofd:TextCode></ofd:TextObject>")


def _chars(x: float, baseline: float, text: str) -> list[str]:
    """One TextObject per character, as some producers write them."""
    out, at = [], x
    for ch in text:
        out.append(_text(at, baseline, ch, delta=""))
        at += _advance(ch)
    return out


def _rule(x0: float, y0: float, x1: float, y1: float) -> str:
    return (f'<ofd:PathObject ID="9" Boundary="{min(x0, x1)} {min(y0, y1)} {abs(x1 - x0) + 0.2} '
            f'{abs(y1 - y0) + 0.2}"><ofd:AbbreviatedData>M 0 0 L {abs(x1 - x0)} {abs(y1 - y0)}'
            f"</ofd:AbbreviatedData></ofd:PathObject>")


def test_per_character_objects_in_shuffled_order_rejoin_their_words():
    objects = _chars(20, 30, "政府信息公开工作年度报告") + _chars(20, 40, "行政许可") + _chars(90, 40, "2538")
    order = [objects[i] for i in sorted(range(len(objects)), key=lambda i: (i * 7919) % 31)]
    doc = from_ofd(_zip([_page(order, layers=3)]))
    # (a label and a number may be read as a row of a table: a tab, or a space)
    assert [line.replace("\t", " ") for line in doc.lines] == ["政府信息公开工作年度报告",
                                                                "行政许可 2538"]


def test_deltax_repeats_ctm_scale_and_text_code_positions():
    repeated = _text(20, 30, "行政处罚413", delta=f"g 3 {SIZE} {SIZE} 1.75 1.75")
    # text drawn at half size through the CTM: Size 7 scaled by 0.5 is 3.5 mm on the page
    scaled = _text(20, 40, "行政强制27", delta="g 4 7 3.5", ctm="0.5 0 0 0.5 0 0", size=7)
    doc = from_ofd(_zip([_page([repeated, scaled])]))
    assert doc.lines == ["行政处罚413", "行政强制27"]


def test_template_page_content_is_read_with_the_page():
    template = _page([_text(20, 20, "示范县司法局")])
    page = _page([_text(20, 40, "全年收到申请56件。")], template="7")
    doc = from_ofd(_zip([page], {"7": template}))
    assert doc.lines == ["示范县司法局", "全年收到申请56件。"]


def test_overprinted_fake_bold_is_read_once():
    bold = [_text(20, 30, "二、主动公开政府信息情况"), _text(20.1, 30, "二、主动公开政府信息情况")]
    doc = from_ofd(_zip([_page(bold)]))
    assert doc.lines == ["二、主动公开政府信息情况"]


def test_ruled_table_from_path_objects():
    xs, ys = (20, 70, 120), (50, 60, 70)
    rules = [_rule(xs[0], y, xs[-1], y) for y in ys] + [_rule(x, ys[0], x, ys[-1]) for x in xs]
    texts = [_text(30, 57, "信息内容"), _text(80, 57, "本年处理决定数量"),
             _text(30, 67, "行政许可"), _text(90, 67, "2538")]
    doc = from_ofd(_zip([_page(texts + rules)]))
    assert doc.tables[0].text() == "信息内容\t本年处理决定数量\n行政许可\t2538"


def test_unruled_table_keeps_a_blank_column_and_a_blank_cell():
    """No ruling lines: the 科研机构 column holds no number in any row, and one cell of
    the 其他 column is blank; each value must stay under its own header."""
    heads = ["自然人", "商业企业", "科研机构", "其他", "总计"]
    centres = [80 + 20 * k for k in range(len(heads))]

    def centred(cx: float, baseline: float, text: str) -> str:
        return _text(cx - sum(_advance(c) for c in text) / 2, baseline, text)

    objects = [centred(c, 60, t) for c, t in zip(centres, heads, strict=True)]
    objects.append(_text(20, 60, "申请情况"))
    rows = [("一、本年新收申请数量", ["31", "14", None, "6", "51"]),
            ("二、上年结转申请数量", ["2", "3", None, None, "5"])]
    for r, (label, values) in enumerate(rows):
        baseline = 70 + 8 * r
        objects.append(_text(20, baseline, label))
        objects += [centred(c, baseline, v) for c, v in zip(centres, values, strict=True) if v]
    doc = from_ofd(_zip([_page(objects)]))
    assert doc.tables[0].text() == ("申请情况\t自然人\t商业企业\t科研机构\t其他\t总计\n"
                                    "一、本年新收申请数量\t31\t14\t\t6\t51\n"
                                    "二、上年结转申请数量\t2\t3\t\t\t5")
