"""Self-test of the report-document generator (tests/generators/documents.py).

Checks the generator's own invariants only — ground-truth arithmetic, determinism, and that
every family's bytes open with the library a reader would use — never the project's parser.
"""

from __future__ import annotations

import io
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile

import pytest

from tests.generators.documents import (
    APPLICANT_COLS,
    FAMILIES,
    REVIEW_COLS,
    REVIEW_ROWS,
    GeneratedReport,
    corpus,
    form_keys,
    generate,
    outcome_rows,
    request_groups,
    request_rows,
)

HAS_SOFFICE = bool(shutil.which("soffice") or shutil.which("libreoffice"))
HEAVY = {"doc", "scan_pdf", "scan_image"}
CASES = [(f, s) for f in FAMILIES for s in ((0, 1) if f in HEAVY else (0, 1, 2))]


def _gen(family: str, seed: int) -> GeneratedReport:
    if family == "doc" and not HAS_SOFFICE:
        pytest.skip("LibreOffice (soffice) is not installed")
    return generate(family, seed)


def _v(r: GeneratedReport, table: str, row: str, col: str) -> float:
    x = r.cells[(table, row, col)]
    return 0.0 if x is None else x


def check_ground_truth(r: GeneratedReport) -> None:
    fmt = r.format
    assert fmt == ("2019" if r.year <= 2020 else "2021")
    assert set(r.cells) == set(form_keys(fmt))
    cols = [*APPLICANT_COLS, "total"]
    for c in cols:  # R1, R2
        assert _v(r, "requests", "new_received", c) + _v(r, "requests", "carried_over", c) == (
            _v(r, "requests", "total", c) + _v(r, "requests", "carried_forward", c))
        assert _v(r, "requests", "total", c) == sum(
            _v(r, "requests", rk, c) for rk in outcome_rows(fmt))
    for rk in request_rows(fmt):  # R3
        assert _v(r, "requests", rk, "total") == sum(
            _v(r, "requests", rk, c) for c in APPLICANT_COLS)
    for rk, _ in REVIEW_ROWS:  # R4
        assert _v(r, "reviews", rk, "total") == sum(
            _v(r, "reviews", rk, c) for c, _ in REVIEW_COLS[:4])
    for key, x in r.cells.items():  # R5
        if x is not None and key[2] != "change":
            assert x >= 0, key
    for key, mark in r.raw_markers.items():
        assert r.cells[key] is None and mark in ("/", "—", "无"), key
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", r.published)
    assert int(r.published[:4]) == r.year + 1
    assert str(r.year) in r.title and r.agency in r.title and " " not in r.title
    assert r.printed_title.replace(" ", "") == r.title


def check_prose_figures(r: GeneratedReport) -> None:
    def tot(rk: str) -> int:
        return int(_v(r, "requests", rk, "total"))

    expected = {
        "new_received_total": tot("new_received"),
        "carried_over_total": tot("carried_over"),
        "handled_total": tot("total"),
        "carried_forward_total": tot("carried_forward"),
        "new_received_natural_person": int(_v(r, "requests", "new_received", "natural_person")),
        "review_total": int(_v(r, "reviews", "review", "total")),
        "lawsuit_total": int(_v(r, "reviews", "lawsuit_direct", "total")
                             + _v(r, "reviews", "lawsuit_after_review", "total")),
    }
    expected["new_received_orgs"] = expected["new_received_total"] - expected[
        "new_received_natural_person"]
    names = ["granted_total", "partially_granted_total", "denied_total", "unavailable_total",
             "rejected_total", "other_total"]
    for name, (_, rows) in zip(names, request_groups(r.format), strict=False):
        expected[name] = sum(tot(rk) for rk, _ in rows)
    for name, value in r.prose_figures.items():
        if name in expected:
            assert value == expected[name], name


def _decode(r: GeneratedReport) -> str:
    m = re.search(r"charset=([\w-]+)", r.content_type, re.I)
    head = r.data[:2000].decode("ascii", errors="replace")
    m = m or re.search(r"charset=\"?([\w-]+)", head, re.I)
    codec = m.group(1).lower() if m else None
    if codec in ("gb2312", "gbk"):
        return r.data.decode("gbk")
    try:
        return r.data.decode("utf-8")
    except UnicodeDecodeError:
        return r.data.decode("gbk")


def _title_in(r: GeneratedReport, text: str) -> bool:
    want = r.printed_title
    if r.traditional:
        import opencc

        want = opencc.OpenCC("s2t").convert(want)
    flat = re.sub(r"\([a-zü\u00e0-\u01dc]+\)", "", text)
    return want in text or want in flat


def check_opens(r: GeneratedReport) -> None:
    fam = r.family
    if r.content_type.startswith(("text/html", "text/plain")):
        text = _decode(r)
        assert _title_in(r, text), r.notes
        if fam in ("html_grid", "html_word"):
            assert text.count("<table") >= 3
        new = r.cells[("requests", "new_received", "total")]
        if new is not None:
            assert str(int(new)) in text
        return
    if fam in ("pdf_single", "pdf_split"):
        import pdfplumber

        with pdfplumber.open(io.BytesIO(r.data)) as pdf:
            assert len(pdf.pages) >= 2
            text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        assert "政府信息" in text
        new = r.cells[("requests", "new_received", "total")]
        if new is not None:
            assert str(int(new)) in text
        return
    if fam == "scan_pdf":
        import pdfplumber

        with pdfplumber.open(io.BytesIO(r.data)) as pdf:
            assert len(pdf.pages) >= 3
            for p in pdf.pages:
                assert not p.chars
                assert len(p.images) == 1
        return
    if fam == "scan_image":
        from PIL import Image

        im = Image.open(io.BytesIO(r.data))
        assert im.format in ("PNG", "JPEG")
        assert im.width in (1240, 1654) and im.height > 1000
        return
    if fam == "docx":
        import docx

        d = docx.Document(io.BytesIO(r.data))
        assert len(d.tables) >= 3
        assert any("政府信息" in p.text for p in d.paragraphs)
        return
    if fam == "doc":
        assert r.data[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
        return
    if fam == "ofd":
        z = zipfile.ZipFile(io.BytesIO(r.data))
        names = z.namelist()
        assert {"OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml"} <= set(names)
        pages = [n for n in names if n.endswith("/Content.xml")]
        assert len(pages) >= 2
        ns = {"ofd": "http://www.ofdspec.org/2016"}
        doc = ET.fromstring(z.read("Doc_0/Document.xml"))
        assert len(doc.findall(".//ofd:Page", ns)) == len(pages)
        text = ""
        for n in pages:
            root = ET.fromstring(z.read(n))
            for obj in root.iter("{http://www.ofdspec.org/2016}TextObject"):
                assert len(obj.get("Boundary", "").split()) == 4
                code = obj.find("ofd:TextCode", ns)
                assert code is not None and code.text
                text += code.text
        assert "政府" in text
        return
    raise AssertionError(f"no open check for {fam}")


@pytest.mark.parametrize(("family", "seed"), CASES)
def test_family(family: str, seed: int) -> None:
    r = _gen(family, seed)
    assert r.family == family
    assert r.data and r.filename and r.content_type
    check_ground_truth(r)
    check_prose_figures(r)
    check_opens(r)


@pytest.mark.parametrize("family", FAMILIES)
def test_deterministic(family: str) -> None:
    a = _gen(family, 7)
    b = _gen(family, 7)
    assert a.data == b.data
    assert a.cells == b.cells and a.notes == b.notes
    if family not in HEAVY:
        assert _gen(family, 8).data != a.data


def test_variety_over_many_seeds() -> None:
    seen: dict[str, int] = {}
    for s in range(80):
        r = generate("tab_rows", s)
        check_ground_truth(r)
        check_prose_figures(r)
        seen["2019"] = seen.get("2019", 0) + (r.format == "2019")
        seen["2021"] = seen.get("2021", 0) + (r.format == "2021")
        seen["markers"] = seen.get("markers", 0) + bool(r.raw_markers)
        seen["blank"] = seen.get("blank", 0) + any(
            x is None and k not in r.raw_markers for k, x in r.cells.items())
        seen["typo"] = seen.get("typo", 0) + any(n.startswith("typo") for n in r.notes)
        seen["traditional"] = seen.get("traditional", 0) + r.traditional
        seen["year_first"] = seen.get("year_first", 0) + r.title.startswith(str(r.year))
        seen["guanyu"] = seen.get("guanyu", 0) + ("关于" in r.title)
        nonzero = [x for k, x in r.cells.items() if k[0] == "requests" and x]
        seen["nonzero"] = seen.get("nonzero", 0) + (len(nonzero) >= 10)
    for key in seen:
        assert seen[key] > 0, key
    assert seen["nonzero"] > 50


def test_corpus_yields_every_family() -> None:
    if not HAS_SOFFICE:
        pytest.skip("LibreOffice (soffice) is not installed")
    fams = [r.family for r in corpus(1, seed=3)]
    assert fams == FAMILIES
    assert len(FAMILIES) >= 12


def test_unknown_family() -> None:
    with pytest.raises(ValueError):
        generate("nope", 0)
