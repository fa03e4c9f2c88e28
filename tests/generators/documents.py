"""Seeded generator of 政府信息公开工作年度报告 documents, for measuring the parser.

Written from the domain description, ``shared/DESIGN.md`` and the real reports in
``shared/seeds`` and ``shared/corpus`` only (never from the project's parser), so that the
parser can be scored against it.  ``generate(family, seed)`` returns one
:class:`GeneratedReport`: the document bytes as a portal would serve them plus the ground
truth.  Same family and seed → same bytes (PDFs with reportlab ``invariant=1``, zip members
with fixed timestamps, no clock or hash-order dependence).

Families (``FAMILIES``)
-----------------------
``html_grid``
    A CMS article page (navigation, 当前位置, 发布时间/浏览次数, 打印本页/关闭窗口, 版权所有)
    with one ``<table>`` per form table (table 二 sometimes as four small tables); ``<th>`` or
    ``<td>`` headers, ``<br>`` inside header labels, blank cells as ``""`` or ``&nbsp;``.
``html_word``
    Word-exported HTML (``MsoNormal`` paragraphs, runs split over several ``<span>``s,
    ``<o:p>``, ``&nbsp;`` blanks, ``gb2312`` meta) either bare or pasted into a CMS page, with
    span irregularities: a header without its rowspan plus an empty cell below, the 勾稽 corner
    cell split, 三、本年度办理结果 split into two rowspans that repeat the label, a trailing
    zero-height row.
``html_p_cells``
    Tables flattened to one cell per ``<p>`` (as a CMS editor paste), stray ``<o:p>`` text.
``text_lines``
    Plain-text-ish page (``text/plain`` or ``<br>``/``<pre>`` HTML), one cell per line,
    optional indentation, double line spacing, header labels broken over lines.
``tab_rows``
    Each table row on one line, tab-separated, blank fields kept; merged-cell gaps either as
    a full grid or one field per ``<td>``; sometimes a row broken over two lines.
``one_line_values``
    Row label on one line and all its values on the next (``3 0 1 0 0 0 4``), or label and
    values on the same line; header labels one per line or joined.
``pdf_single``
    reportlab PDF (CID font STSong-Light, not embedded), each form table on a page of its own
    (font shrunk to fit), grid lines, optional page numbers.
``pdf_split``
    Word-export-like PDF: prose flows into the tables, tables 二 and 三 break across pages at a
    random row; the continuation repeats the header, repeats it with an empty first header
    cell, or has none; page headers (short title/agency) and footers (``- 3 -``,
    ``第3页 共5页``) between.
``docx``
    python-docx document with real tables and merged header cells; table 三 sometimes split
    into two tables with a paragraph between (header repeated, partly repeated or not).
``doc``
    The ``docx`` family converted to Word 97 by LibreOffice (``soffice --headless``);
    conversions are cached by content hash under the temp dir; raises ``RuntimeError`` if
    soffice is missing.
``ofd``
    OFD (GB/T 33190) zip: ``OFD.xml``, ``Doc_0/Document.xml``, ``Doc_0/PublicRes.xml`` and one
    ``Doc_0/Pages/Page_N/Content.xml`` per page with ``TextObject``s (Boundary, Font, Size,
    ``TextCode`` X/Y/DeltaX, mm units), per run or per character, sometimes in shuffled
    drawing order; table rules as ``PathObject``s or absent.
``scan_pdf``
    Image-only PDF: the pages rendered with PIL at 150 dpi (Noto Sans CJK), one table per
    page, rotated ±1°, blurred, speckled, JPEG in a reportlab PDF with no text layer.
``scan_image``
    The same rendering as one tall PNG or JPEG (150 or 200 dpi), short prose.
``mirror_traditional``
    A document-mirror copy: Traditional script (OpenCC s2t), pinyin after some characters
    (``根據(jù)``), byte-shifted GBK mojibake on some lines starting with ``（``, stray
    ``<o:p>`` text, cells one per ``<p>`` or whitespace collapsed to single spaces.

Every family varies: 2019 form (report years 2019–2020) or 2021 form (2021–2025); agency kind
and title wording; full-width or ASCII punctuation in labels and prose; stray spaces in labels
(``三、本 年度 办理 结果``, ``结 果 维 持``); a dropped or swapped character in about 10 % of
labels on average (per document 0–20 %; ``notes`` lists them); old 2019 wordings
(``本年度新收``, ``上年度结转``, 办理结果 without ``三、``), ``社会组织`` for 社会公益组织, a
missing 勾稽 corner note; blank cells, whole blank rows and columns (layouts that print one cell
per line only ever blank whole rows), ``/``, ``—``, ``无`` markers; Traditional script in some
HTML/text cases; UTF-8 or GBK, with or without a meta charset and a charset in ``content_type``;
distinct, mostly non-zero request counts (about 8 % of reports received no application at all).
``notes`` records every variation applied to a case.

Ground-truth conventions
------------------------
* ``cells`` has every cell of the report's form (DESIGN.md keys): ``(table, row_key,
  col_key)`` → float, or ``None`` when the cell is printed blank or as a marker.  A cell is
  only ever blanked when its underlying value is 0, so the checks R1–R4 hold exactly with
  ``None`` read as 0 (and R1–R4 with a ``None`` operand are ``n/a`` for the parser).
  2019 ``change`` is signed; ``amount_yuan`` is in yuan even when printed in 万元;
  ``amount_10k_yuan`` is in 万元 as printed.
* ``raw_markers`` maps the cells printed as ``/``, ``—`` or ``无`` to that string.
* ``title`` and ``agency`` are Simplified, whitespace removed, even when the document prints
  them in Traditional or with spaces (``printed_title`` is the title as printed, before the
  Traditional conversion).  ``agency`` is the body as printed in the title, without
  ``关于``/``的`` and without the year; ``published`` is the ISO date of the signature (and of
  the page's 发布时间, where there is one).
* ``prose_figures`` holds only figures the prose states with digits, by these names:
  ``info_published`` (主动公开政府信息N条, prose only), ``normative_issued``,
  ``normative_repealed``, ``normative_in_force`` (2021), ``normative_new_published``,
  ``normative_total_published`` (2019), ``licensing_decisions``, ``punishment_decisions``,
  ``new_received_total``, ``new_received_natural_person``, ``new_received_orgs``,
  ``carried_over_total``, ``handled_total`` (（七）总计), ``granted_total``,
  ``partially_granted_total``, ``denied_total``, ``unavailable_total``, ``rejected_total``,
  ``other_total`` (sums of the groups' total column), ``carried_forward_total``,
  ``review_total`` (行政复议 total), ``lawsuit_total`` (both 行政诉讼 rows' totals),
  ``fee_yuan`` (信息处理费, prose only).  The prose also carries distractor numbers (phone
  numbers, dates, document numbers, view counters, hotline counts).
* Helpers for tests: ``form_keys(fmt)``, ``request_rows(fmt)``, ``outcome_rows(fmt)`` (the rows
  check R2 sums), ``request_groups(fmt)``, ``APPLICANT_COLS``, ``REQ_COLS``, ``REVIEW_ROWS``,
  ``REVIEW_COLS``.
* ``corpus(n, seed)`` yields ``n`` reports of every family, family by family, with seeds
  ``seed * 100000 + i``; it converts the ``doc`` family's batch in one LibreOffice run.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import io
import os
import random
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

__all__ = ["FAMILIES", "GeneratedReport", "corpus", "generate"]

Key = tuple[str, str, str]


@dataclass
class GeneratedReport:
    family: str
    filename: str
    content_type: str
    data: bytes
    title: str
    agency: str
    year: int
    published: str
    format: str
    cells: dict[Key, float | None]
    raw_markers: dict[Key, str]
    prose_figures: dict[str, int]
    traditional: bool
    notes: list[str]
    printed_title: str = ""


FAMILIES: list[str] = [
    "html_grid",
    "html_word",
    "html_p_cells",
    "text_lines",
    "tab_rows",
    "one_line_values",
    "pdf_single",
    "pdf_split",
    "docx",
    "doc",
    "ofd",
    "scan_pdf",
    "scan_image",
    "mirror_traditional",
]

# Blank policy: "cells" — any zero cell may print blank (its position stays visible);
# "rows" — only whole rows print blank (one-cell-per-line layouts would lose positions).
_POLICY = {
    "html_grid": "cells",
    "html_word": "cells",
    "html_p_cells": "rows",
    "text_lines": "rows",
    "tab_rows": "cells",
    "one_line_values": "rows",
    "pdf_single": "cells",
    "pdf_split": "cells",
    "docx": "cells",
    "doc": "cells",
    "ofd": "cells",
    "scan_pdf": "cells",
    "scan_image": "cells",
    "mirror_traditional": "rows",
}
# Chance of a Traditional-script rendering (mirror_traditional always).
_TRAD_P = {
    "html_grid": 0.12,
    "html_word": 0.1,
    "html_p_cells": 0.15,
    "text_lines": 0.12,
    "tab_rows": 0.1,
    "one_line_values": 0.1,
    "mirror_traditional": 1.0,
}

# --------------------------------------------------------------------------------------
# The national forms' vocabulary
# --------------------------------------------------------------------------------------

REQ_COLS: list[tuple[str, str]] = [
    ("natural_person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("nonprofit", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
]
APPLICANT_COLS = [k for k, _ in REQ_COLS[:6]]
ORG_COLS = APPLICANT_COLS[1:]

DENIED = [
    ("denied_state_secret", "1.属于国家秘密"),
    ("denied_prohibited_by_law", "2.其他法律行政法规禁止公开"),
    ("denied_security_stability", "3.危及“三安全一稳定”"),
    ("denied_third_party", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "5.属于三类内部事务信息"),
    ("denied_process_info", "6.属于四类过程性信息"),
    ("denied_enforcement_file", "7.属于行政执法案卷"),
    ("denied_inquiry", "8.属于行政查询事项"),
]
UNAVAILABLE = [
    ("unavailable_not_held", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", "3.补正后申请内容仍不明确"),
]
REJECTED = [
    ("rejected_petition", "1.信访举报投诉类申请"),
    ("rejected_duplicate", "2.重复申请"),
    ("rejected_publication", "3.要求提供公开出版物"),
    ("rejected_excessive", "4.无正当理由大量反复申请"),
    ("rejected_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
]
OTHER_2021 = [
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    (
        "other_unpaid_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("other_misc", "3.其他"),
]
CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

REVIEW_ROWS = [
    ("review", "行政复议"),
    ("lawsuit_direct", "未经复议直接起诉"),
    ("lawsuit_after_review", "复议后起诉"),
]
REVIEW_COLS = [
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
]

# (section label, value column labels, col keys, rows)
ProactiveSection = tuple[str, list[str], list[str], list[tuple[str, str]]]
PROACTIVE_2021: list[ProactiveSection] = [
    (
        "第二十条第（一）项",
        ["本年制发件数", "本年废止件数", "现行有效件数"],
        ["issued", "repealed", "in_force"],
        [("rules", "规章"), ("normative_docs", "行政规范性文件")],
    ),
    ("第二十条第（五）项", ["本年处理决定数量"], ["decisions"], [("licensing", "行政许可")]),
    (
        "第二十条第（六）项",
        ["本年处理决定数量"],
        ["decisions"],
        [("punishment", "行政处罚"), ("enforcement", "行政强制")],
    ),
    (
        "第二十条第（八）项",
        ["本年收费金额（单位：万元）"],
        ["amount_10k_yuan"],
        [("fees", "行政事业性收费")],
    ),
]
PROACTIVE_2019: list[ProactiveSection] = [
    (
        "第二十条第（一）项",
        ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
        ["new_made", "new_published", "total_published"],
        [("rules", "规章"), ("normative_docs", "规范性文件")],
    ),
    (
        "第二十条第（五）项",
        ["上一年项目数量", "本年增/减", "处理决定数量"],
        ["prior_items", "change", "decisions"],
        [("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")],
    ),
    (
        "第二十条第（六）项",
        ["上一年项目数量", "本年增/减", "处理决定数量"],
        ["prior_items", "change", "decisions"],
        [("punishment", "行政处罚"), ("enforcement", "行政强制")],
    ),
    (
        "第二十条第（八）项",
        ["上一年项目数量", "本年增/减"],
        ["prior_items", "change"],
        [("fees", "行政事业性收费")],
    ),
    (
        "第二十条第（九）项",
        ["采购项目数量", "采购总金额"],
        ["items", "amount_yuan"],
        [("procurement", "政府集中采购")],
    ),
]


def request_groups(fmt: str) -> list[tuple[str | None, list[tuple[str, str]]]]:
    """Outcome rows of table 三 in printed order, grouped under their （三）…（六） labels."""
    groups: list[tuple[str | None, list[tuple[str, str]]]] = [
        (None, [("granted", "（一）予以公开")]),
        (None, [("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")]),
        ("（三）不予公开", DENIED),
        ("（四）无法提供", UNAVAILABLE),
        ("（五）不予处理", REJECTED),
    ]
    if fmt == "2019":
        groups.append((None, [("other", "（六）其他处理")]))
    else:
        groups.append(("（六）其他处理", OTHER_2021))
    groups.append((None, [("total", "（七）总计")]))
    return groups


def outcome_rows(fmt: str) -> list[str]:
    """Row keys summed by check R2 (every outcome row except the total)."""
    return [k for _, rows in request_groups(fmt) for k, _ in rows if k != "total"]


def request_rows(fmt: str) -> list[str]:
    return ["new_received", "carried_over", *outcome_rows(fmt), "total", "carried_forward"]


def proactive_sections(fmt: str) -> list[ProactiveSection]:
    return PROACTIVE_2019 if fmt == "2019" else PROACTIVE_2021


def form_keys(fmt: str) -> list[Key]:
    """Every cell key of the form, in printed order."""
    keys: list[Key] = []
    for _, _, cols, rows in proactive_sections(fmt):
        for rk, _ in rows:
            keys += [("proactive", rk, ck) for ck in cols]
    for rk in request_rows(fmt):
        keys += [("requests", rk, ck) for ck, _ in REQ_COLS]
    for rk, _ in REVIEW_ROWS:
        keys += [("reviews", rk, ck) for ck, _ in REVIEW_COLS]
    return keys


# --------------------------------------------------------------------------------------
# Bodies, titles, dates
# --------------------------------------------------------------------------------------

_CITY_A = "柳云桂梧岚临澄泸汀潼渠邕沅湄黔楚"
_CITY_B = "宁川阳州安源丰溪陵城南滨"
_COUNTY_A = "太青东白石清永长崇福金丰嘉兴"
_COUNTY_B = "江山河源和平阳川林溪谷"
_TOWN_A = "青白沙龙桥柳塘新桃梅松官石瑶"
_TOWN_B = "石桥湾坪岭塘口埔田溪坝铺"
_DEPTS = [
    "应急管理局",
    "自然资源局",
    "人力资源和社会保障局",
    "市场监督管理局",
    "教育局",
    "卫生健康局",
    "住房和城乡建设局",
    "财政局",
    "农业农村局",
    "交通运输局",
    "民政局",
    "司法局",
    "统计局",
    "水利局",
    "文化和旅游局",
]
_PROVINCE_ABBR = "桂闽湘赣黔滇川渝鄂豫皖浙苏"


@dataclass
class Body:
    kind: str  # county_gov | city_gov | dept | town | office
    agency: str  # as printed in the title (ground truth)
    short: str  # name in the signature block
    site: str  # portal owner
    office: str  # the office running the portal (版权所有)
    superior: str
    domain: str


def _name2(rng: random.Random, a: str, b: str) -> str:
    x = rng.choice(a)
    y = rng.choice(b)
    while y == x:
        y = rng.choice(b)
    return x + y


def _make_body(rng: random.Random) -> Body:
    city = _name2(rng, _CITY_A, _CITY_B) + "市"
    county = _name2(rng, _COUNTY_A, _COUNTY_B) + rng.choice(["县", "县", "区"])
    town_base = _name2(rng, _TOWN_A, _TOWN_B)
    domain = "".join(rng.choice("abcdefghjklmnpqrstwxyz") for _ in range(rng.randint(3, 6)))
    kind = rng.choices(["county_gov", "city_gov", "dept", "town", "office"], [3, 1, 4, 3, 1])[0]
    county_gov = county + "人民政府"
    if kind == "county_gov":
        agency = rng.choice([county_gov, city + county_gov])
        office = county_gov + "办公室"
        return Body(kind, agency, county_gov, county_gov, office, city + "人民政府", domain)
    if kind == "city_gov":
        gov = city + "人民政府"
        return Body(kind, gov, gov, gov, gov + "办公室", "省人民政府", domain)
    if kind == "office":
        agency = county_gov + "办公室"
        return Body(kind, agency, agency, county_gov, agency, county_gov, domain)
    if kind == "dept":
        dept = rng.choice(_DEPTS)
        level = rng.random()
        if level < 0.25:
            agency = city + dept
            short, site = agency, city + "人民政府"
        elif level < 0.6:
            agency = city + county + dept
            short, site = county + dept, county_gov
        else:
            agency = county + dept
            short, site = agency, county_gov
        return Body(kind, agency, short, site, site + "办公室", site, domain)
    suffix = rng.choice(["镇", "镇", "乡", "街道"])
    town = town_base + suffix
    full = town + ("办事处" if suffix == "街道" else "人民政府")
    agency = rng.choice([full, full, county + full, town])
    return Body(kind, agency, full, county_gov, county_gov + "办公室", county_gov, domain)


def _make_title(rng: random.Random, body: Body, year: int) -> tuple[str, str, str]:
    """(canonical title, agency ground truth, printed title before script conversion)."""
    agency = body.agency
    forms = ["plain", "plain_du", "guanyu", "nianbao", "year_first", "guanyu2"]
    weights = [5, 4, 1, 1, 2, 1]
    if body.kind == "office":
        weights[3] = 4
    if agency.endswith(("镇", "乡", "街道")):
        weights = [2, 1, 0, 0, 5, 0]
    form = rng.choices(forms, weights)[0]
    y = str(year)
    if form == "plain":
        parts = [agency, y, "年政府信息公开工作年度报告"]
    elif form == "plain_du":
        parts = [agency, y, "年度政府信息公开工作年度报告"]
    elif form == "guanyu":
        parts = ["关于" + agency + "的", y, "年政府信息公开工作年度报告"]
    elif form == "guanyu2":
        parts = [agency + "关于", y, "年政府信息公开工作年度报告"]
    elif form == "nianbao":
        parts = [agency, y, "年政府信息公开年报"]
    else:
        parts = ["", y, "年" + agency + "政府信息公开工作年度报告"]
    title = "".join(parts)
    if rng.random() < 0.15 and form != "year_first":
        printed = f"{parts[0]} {parts[1]} {parts[2]}"
    else:
        printed = title
    return title, agency, printed


_CN_DIGITS = "〇一二三四五六七八九"


def _cn_date(d: _dt.date) -> str:
    def small(n: int) -> str:
        if n < 10:
            return _CN_DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")

    year = "".join(_CN_DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{small(d.month)}月{small(d.day)}日"


# --------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------


@dataclass
class Truth:
    fmt: str
    values: dict[Key, float]
    printed: dict[Key, str]
    cells: dict[Key, float | None]
    markers: dict[Key, str]


def _rint(rng: random.Random, lo: int, hi: int, p_zero: float = 0.0) -> int:
    return 0 if rng.random() < p_zero else rng.randint(lo, hi)


def _make_values(rng: random.Random, fmt: str, body: Body, notes: list[str]) -> dict[Key, float]:
    v: dict[Key, float] = {}
    makes_rules = body.kind == "city_gov" and rng.random() < 0.6
    gov = body.kind in ("county_gov", "city_gov", "office")
    if fmt == "2021":
        if makes_rules:
            issued = _rint(rng, 1, 4)
            rep = _rint(rng, 0, 2)
            v.update({("proactive", "rules", "issued"): issued,
                      ("proactive", "rules", "repealed"): rep,
                      ("proactive", "rules", "in_force"): issued + rng.randint(3, 40)})
        else:
            for ck in ("issued", "repealed", "in_force"):
                v[("proactive", "rules", ck)] = 0
        issued = _rint(rng, 1, 25 if gov else 6, 0.25)
        v[("proactive", "normative_docs", "issued")] = issued
        v[("proactive", "normative_docs", "repealed")] = _rint(rng, 1, 12, 0.4)
        v[("proactive", "normative_docs", "in_force")] = issued + _rint(rng, 1, 150, 0.15)
        v[("proactive", "licensing", "decisions")] = _rint(rng, 1, 4000, 0.2)
        v[("proactive", "punishment", "decisions")] = _rint(rng, 1, 900, 0.3)
        v[("proactive", "enforcement", "decisions")] = _rint(rng, 1, 120, 0.5)
        fee = 0.0 if rng.random() < 0.5 else round(rng.uniform(0.3, 950.0), rng.choice([0, 1, 2]))
        v[("proactive", "fees", "amount_10k_yuan")] = fee
    else:
        for rk, made_hi in (("rules", 3 if makes_rules else 0), ("normative_docs", 20)):
            made = _rint(rng, 1, made_hi, 0.3) if made_hi else 0
            pub = made if rng.random() < 0.7 else max(0, made - rng.randint(0, 2))
            total = pub + (_rint(rng, 1, 120, 0.2) if made_hi else 0)
            v[("proactive", rk, "new_made")] = made
            v[("proactive", rk, "new_published")] = pub
            v[("proactive", rk, "total_published")] = total
        for rk, p0 in (("licensing", 0.2), ("other_services", 0.4), ("punishment", 0.3),
                       ("enforcement", 0.5)):
            v[("proactive", rk, "prior_items")] = _rint(rng, 1, 400, p0)
            v[("proactive", rk, "change")] = _rint(rng, -25, 30, 0.35)
            v[("proactive", rk, "decisions")] = _rint(rng, 1, 3500, p0)
        v[("proactive", "fees", "prior_items")] = _rint(rng, 1, 40, 0.4)
        v[("proactive", "fees", "change")] = _rint(rng, -6, 6, 0.5)
        items = _rint(rng, 1, 200, 0.3)
        v[("proactive", "procurement", "items")] = items
        if items:
            amount = float(rng.randint(500, 9_000_000) * 100)
            v[("proactive", "procurement", "amount_yuan")] = amount
        else:
            v[("proactive", "procurement", "amount_yuan")] = 0.0

    # table 三
    zero_case = rng.random() < 0.08
    if zero_case:
        notes.append("requests: no applications this year (all zero)")
    active = {
        "natural_person": 1.0,
        "commercial": 0.6,
        "research": 0.15,
        "nonprofit": 0.2,
        "legal_service": 0.35,
        "other_org": 0.3,
    }
    p_row = {"granted": 0.85, "partially_granted": 0.5, "unavailable_not_held": 0.65}
    outs = outcome_rows(fmt)
    for ck in APPLICANT_COLS:
        on = not zero_case and rng.random() < active[ck]
        big = 45 if ck == "natural_person" else 9
        for rk in outs:
            p = p_row.get(rk, 0.22)
            val = rng.randint(1, big if rk == "granted" else max(3, big // 3)) if on and (
                rng.random() < p) else 0
            v[("requests", rk, ck)] = val
        total = sum(v[("requests", rk, ck)] for rk in outs)
        cf = rng.randint(1, 4) if on and rng.random() < 0.35 else 0
        co = 0
        if on and total + cf > 0 and rng.random() < 0.35:
            co = rng.randint(1, min(4, total + cf))
        v[("requests", "total", ck)] = total
        v[("requests", "carried_forward", ck)] = cf
        v[("requests", "carried_over", ck)] = co
        v[("requests", "new_received", ck)] = total + cf - co
    for rk in request_rows(fmt):
        v[("requests", rk, "total")] = sum(v[("requests", rk, ck)] for ck in APPLICANT_COLS)

    # table 四
    quiet = rng.random() < 0.3
    for rk, _ in REVIEW_ROWS:
        row = [0, 0, 0, 0]
        if not quiet and rng.random() < 0.75:
            row = [_rint(rng, 1, 6, 0.3), _rint(rng, 1, 3, 0.6), _rint(rng, 1, 2, 0.7),
                   _rint(rng, 1, 3, 0.5)]
        for (ck, _), x in zip(REVIEW_COLS[:4], row, strict=True):
            v[("reviews", rk, ck)] = x
        v[("reviews", rk, "total")] = sum(row)
    return {k: float(x) for k, x in v.items()}


def _print_values(rng: random.Random, values: dict[Key, float], notes: list[str]) -> dict[Key, str]:
    plus = rng.random() < 0.5
    amount_mode = rng.choice(["yuan_unit", "plain", "wan"])
    items_unit = rng.random() < 0.3
    printed: dict[Key, str] = {}
    for key, x in values.items():
        _, rk, ck = key
        if ck == "amount_10k_yuan":
            s = f"{x:.2f}" if x and rng.random() < 0.5 else _num(x)
        elif ck == "change":
            s = f"+{int(x)}" if plus and x > 0 else str(int(x))
        elif ck == "amount_yuan":
            if amount_mode == "wan" and x:
                s = f"{x / 10000:.2f}万元"
            elif amount_mode == "yuan_unit":
                s = f"{int(x)}元"
            else:
                s = str(int(x))
        elif ck == "items" and items_unit:
            s = f"{int(x)}个"
        else:
            s = str(int(x))
        printed[key] = s
    if any(k[2] == "amount_yuan" for k in values):
        notes.append(f"procurement amount printed as {amount_mode}")
    return printed


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _blank_cells(rng: random.Random, fmt: str, values: dict[Key, float], printed: dict[Key, str],
                 policy: str, notes: list[str]) -> tuple[dict[Key, float | None], dict[Key, str]]:
    cells: dict[Key, float | None] = {k: values[k] for k in form_keys(fmt)}
    markers: dict[Key, str] = {}

    def setp(key: Key, text: str) -> None:
        assert values[key] == 0, key
        printed[key] = text
        cells[key] = None
        if text:
            markers[key] = text

    # table 二: rows a body does not have (规章 for most bodies) as "/", fees as "—"/"无"
    for _, _, cols, rows in proactive_sections(fmt):
        for rk, _ in rows:
            keys = [("proactive", rk, ck) for ck in cols]
            if all(values[k] == 0 for k in keys):
                r = rng.random()
                if r < 0.25:
                    mark = rng.choice(["/", "/", "—", "无"])
                    for k in keys:
                        setp(k, mark)
                    notes.append(f"marker row proactive/{rk}={mark}")
                elif r < 0.35 and policy == "cells":
                    for k in keys:
                        setp(k, "")
                    notes.append(f"blank row proactive/{rk}")
            elif policy == "cells":
                for k in keys:
                    if values[k] == 0 and rng.random() < 0.12:
                        setp(k, "")

    # table 三: whole blank rows, marker rows, scattered blank cells
    zero_rows = [rk for rk in outcome_rows(fmt)
                 if all(values[("requests", rk, ck)] == 0 for ck, _ in REQ_COLS)]
    if zero_rows and rng.random() < 0.35:
        for rk in rng.sample(zero_rows, min(len(zero_rows), rng.randint(1, 3))):
            mark = "/" if rng.random() < 0.15 else ""
            for ck, _ in REQ_COLS:
                setp(("requests", rk, ck), mark)
            notes.append(f"{'marker' if mark else 'blank'} row requests/{rk}")
    if policy == "cells" and rng.random() < 0.15:
        rows = request_rows(fmt)
        empty = [ck for ck in APPLICANT_COLS
                 if all(values[("requests", rk, ck)] == 0 for rk in rows)]
        if empty:
            ck = rng.choice(empty)
            for rk in rows:
                if ("requests", rk, ck) not in markers:
                    setp(("requests", rk, ck), "")
            notes.append(f"blank column requests/{ck}")
    if policy == "cells" and rng.random() < 0.3:
        zeros = [k for k in form_keys(fmt) if k[0] == "requests" and values[k] == 0
                 and k not in markers and cells[k] is not None]
        n = 0
        for k in zeros:
            if rng.random() < 0.12:
                setp(k, "")
                n += 1
        notes.append(f"{n} scattered blank cells in requests")
    if rng.random() < 0.1:
        zeros = [k for k in form_keys(fmt) if k[0] == "requests" and values[k] == 0
                 and cells[k] is not None]
        for k in rng.sample(zeros, min(len(zeros), 3)):
            setp(k, rng.choice(["—", "/"]))
        notes.append("markers scattered in requests")

    # table 四
    for rk, _ in REVIEW_ROWS:
        keys = [("reviews", rk, ck) for ck, _ in REVIEW_COLS]
        if all(values[k] == 0 for k in keys):
            r = rng.random()
            if r < 0.15 and policy == "cells":
                for k in keys:
                    setp(k, "")
                notes.append(f"blank row reviews/{rk}")
            elif r < 0.22:
                for k in keys:
                    setp(k, "—")
                notes.append(f"marker row reviews/{rk}")
        elif policy == "cells":
            for k in keys:
                if values[k] == 0 and rng.random() < 0.1:
                    setp(k, "")
    return cells, markers


# --------------------------------------------------------------------------------------
# Document model
# --------------------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    kind: str = "value"  # corner | header | section | group | label | value


@dataclass
class Table:
    name: str
    ncols: int
    nrows: int
    cells: list[Cell]
    header_rows: int
    col_weights: list[float]


@dataclass
class Para:
    text: str
    role: str  # title | docno | heading | sub | body | sign | note


@dataclass
class Model:
    blocks: list[Para | Table]
    top: list[tuple[str, str]]  # (role, text): today | nav | position | info
    bottom: list[tuple[str, str]]  # tools | share | footer
    page_title: str


def _rows_of(t: Table) -> list[list[Cell]]:
    rows: list[list[Cell]] = [[] for _ in range(t.nrows)]
    for c in t.cells:
        rows[c.row].append(c)
    for r in rows:
        r.sort(key=lambda c: c.col)
    return rows


def _matrix(t: Table) -> list[list[str]]:
    """Full grid: text at each cell's top-left slot, "" in the slots it covers."""
    m = [["" for _ in range(t.ncols)] for _ in range(t.nrows)]
    for c in t.cells:
        m[c.row][c.col] = c.text
    return m


def _slice_table(t: Table, r0: int, r1: int, fill_text: bool = False) -> Table:
    cells: list[Cell] = []
    for c in t.cells:
        a, b = max(c.row, r0), min(c.row + c.rowspan, r1)
        if a >= b:
            continue
        text = c.text if (a == c.row or fill_text) else ""
        cells.append(replace(c, row=a - r0, rowspan=b - a, text=text))
    hdr = max(0, min(t.header_rows, r1) - r0)
    return Table(t.name, t.ncols, r1 - r0, cells, hdr, t.col_weights)


def _stack(a: Table, b: Table) -> Table:
    cells = list(a.cells) + [replace(c, row=c.row + a.nrows) for c in b.cells]
    return Table(a.name, a.ncols, a.nrows + b.nrows, cells, a.header_rows, a.col_weights)


def _header_copy(t: Table, mode: str) -> Table:
    hdr = _slice_table(t, 0, t.header_rows)
    if mode == "partial":
        hdr.cells = [replace(c, text="") if c.col == 0 else c for c in hdr.cells]
    return hdr


def _split_table(t: Table, r: int, mode: str, fill_text: bool) -> tuple[Table, Table]:
    first = _slice_table(t, 0, r)
    rest = _slice_table(t, r, t.nrows, fill_text)
    if mode in ("full", "partial"):
        rest = _stack(_header_copy(t, mode), rest)
    else:
        rest.header_rows = 0
    return first, rest


# ---- styles -------------------------------------------------------------------------

_PREFIX = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.．、])")
_ASCII_PUNCT = str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":", "；": ";"})


@dataclass
class Style:
    ascii_labels: bool
    ascii_prose: bool
    num_sep: str
    prefix_space: float
    space_p: float
    spread_headers: bool
    typo_p: float
    header_breaks: bool
    year_spaces: bool
    short_prose: bool
    rng: random.Random
    notes: list[str] = field(default_factory=list)

    def label(self, text: str, kind: str) -> str:
        rng = self.rng
        if self.ascii_labels:
            text = text.translate(_ASCII_PUNCT)
        text = re.sub(r"^(\d)\.", lambda m: m.group(1) + self.num_sep, text)
        m = _PREFIX.match(text)
        prefix, body = (m.group(1), text[m.end():]) if m else ("", text)
        if prefix and rng.random() < self.prefix_space:
            prefix += " "
        if kind != "section" and len(body) >= 4 and rng.random() < self.typo_p:
            i = rng.randrange(len(body) - 1)
            if rng.random() < 0.5:
                new = body[:i] + body[i + 1:]
            else:
                new = body[:i] + body[i + 1] + body[i] + body[i + 2:]
            if new != body:
                self.notes.append(f"typo {body}→{new}")
                body = new
        if kind == "header" and self.spread_headers and 2 < len(body) <= 5:
            body = " ".join(body)
        elif len(body) >= 4 and rng.random() < self.space_p:
            i = rng.randrange(1, len(body))
            body = body[:i] + " " + body[i:]
            self.notes.append(f"stray space in {text}")
        elif kind == "group" and rng.random() < self.space_p * 2:
            body = " ".join([body[:2], body[2:4], body[4:6], body[6:]]).strip()
        if (kind == "header" and self.header_breaks and len(body) >= 4 and " " not in body
                and rng.random() < 0.5):
            body = body[: len(body) // 2] + "\n" + body[len(body) // 2:]
        return prefix + body


def _make_style(rng: random.Random, family: str) -> Style:
    ascii_labels = rng.random() < 0.3
    return Style(
        ascii_labels=ascii_labels,
        ascii_prose=rng.random() < (0.5 if ascii_labels else 0.1),
        num_sep=rng.choice([".", ".", ".", "．", "、"]),
        prefix_space=rng.choice([0.0, 0.0, 1.0]),
        space_p=rng.choice([0.0, 0.0, 0.05, 0.15]),
        spread_headers=rng.random() < 0.12,
        typo_p=rng.choice([0.0, 0.05, 0.1, 0.1, 0.15, 0.2]),
        header_breaks=family in ("text_lines", "html_p_cells", "html_word", "mirror_traditional")
        and rng.random() < 0.3,
        year_spaces=rng.random() < 0.12,
        short_prose=family in ("scan_pdf", "scan_image"),
        rng=rng,
    )


# ---- tables -------------------------------------------------------------------------


def _proactive_table(fmt: str, truth: Truth, st: Style) -> Table:
    cells: list[Cell] = []
    r = 0
    for sec, heads, cols, rows in proactive_sections(fmt):
        cells.append(Cell(st.label(sec, "section"), r, 0, colspan=4, kind="section"))
        r += 1
        cells.append(Cell(st.label("信息内容", "header"), r, 0, kind="header"))
        spans = _value_spans(len(heads))
        for (c0, cs), h in zip(spans, heads, strict=True):
            cells.append(Cell(st.label(h, "header"), r, c0, colspan=cs, kind="header"))
        r += 1
        for rk, lab in rows:
            cells.append(Cell(st.label(lab, "label"), r, 0, kind="label"))
            for (c0, cs), ck in zip(spans, cols, strict=True):
                cells.append(Cell(truth.printed[("proactive", rk, ck)], r, c0, colspan=cs))
            r += 1
    return Table("proactive", 4, r, cells, 2, [3.0, 2.0, 2.0, 2.0])


def _value_spans(n: int) -> list[tuple[int, int]]:
    return {1: [(1, 3)], 2: [(1, 1), (2, 2)], 3: [(1, 1), (2, 1), (3, 1)]}[n]


def _requests_table(fmt: str, truth: Truth, st: Style, rng: random.Random) -> Table:
    cells: list[Cell] = []
    corner = CORNER if rng.random() < 0.85 else ""
    cells.append(Cell(st.label(corner, "corner") if corner else "", 0, 0, 3, 3, "corner"))
    cells.append(Cell(st.label("申请人情况", "header"), 0, 3, colspan=7, kind="header"))
    nonprofit = "社会组织" if rng.random() < 0.1 else "社会公益组织"
    labels = dict(REQ_COLS, nonprofit=nonprofit)
    cells.append(Cell(st.label(labels["natural_person"], "header"), 1, 3, rowspan=2, kind="header"))
    cells.append(Cell(st.label("法人或其他组织", "header"), 1, 4, colspan=5, kind="header"))
    cells.append(Cell(st.label(labels["total"], "header"), 1, 9, rowspan=2, kind="header"))
    for i, ck in enumerate(ORG_COLS):
        cells.append(Cell(st.label(labels[ck], "header"), 2, 4 + i, kind="header"))
    old_words = fmt == "2019" and rng.random() < 0.3
    r = 3

    def values(row: int, rk: str) -> None:
        for j, (ck, _) in enumerate(REQ_COLS):
            cells.append(Cell(truth.printed[("requests", rk, ck)], row, 3 + j))

    new_l = "一、本年新收政府信息公开申请数量"
    if old_words:
        new_l = "一、本年度新收政府信息公开申请数量"
    co_l = "二、上年度结转政府信息公开申请数量" if old_words else "二、上年结转政府信息公开申请数量"
    for rk, lab in (("new_received", new_l), ("carried_over", co_l)):
        cells.append(Cell(st.label(lab, "label"), r, 0, colspan=3, kind="label"))
        values(r, rk)
        r += 1
    groups = request_groups(fmt)
    n_out = sum(len(rows) for _, rows in groups)
    res_l = "本年度办理结果" if old_words else "三、本年度办理结果"
    cells.append(Cell(st.label(res_l, "group"), r, 0, rowspan=n_out, kind="group"))
    for glab, rows in groups:
        if glab is None:
            rk, lab = rows[0]
            cells.append(Cell(st.label(lab, "label"), r, 1, colspan=2, kind="label"))
            values(r, rk)
            r += 1
            continue
        cells.append(Cell(st.label(glab, "group"), r, 1, rowspan=len(rows), kind="group"))
        for rk, lab in rows:
            cells.append(Cell(st.label(lab, "label"), r, 2, kind="label"))
            values(r, rk)
            r += 1
    cells.append(Cell(st.label("四、结转下年度继续办理", "label"), r, 0, colspan=3, kind="label"))
    values(r, "carried_forward")
    r += 1
    return Table("requests", 10, r, cells, 3, [1.3, 1.6, 4.4] + [1.2] * 7)


def _reviews_table(truth: Truth, st: Style) -> Table:
    cells = [
        Cell(st.label("行政复议", "header"), 0, 0, colspan=5, kind="header"),
        Cell(st.label("行政诉讼", "header"), 0, 5, colspan=10, kind="header"),
    ]
    for i, (_, lab) in enumerate(REVIEW_COLS):
        cells.append(Cell(st.label(lab, "header"), 1, i, rowspan=2, kind="header"))
    cells.append(Cell(st.label("未经复议直接起诉", "header"), 1, 5, colspan=5, kind="header"))
    cells.append(Cell(st.label("复议后起诉", "header"), 1, 10, colspan=5, kind="header"))
    for k in range(2):
        for i, (_, lab) in enumerate(REVIEW_COLS):
            cells.append(Cell(st.label(lab, "header"), 2, 5 + 5 * k + i, kind="header"))
    col = 0
    for rk, _ in REVIEW_ROWS:
        for ck, _ in REVIEW_COLS:
            cells.append(Cell(truth.printed[("reviews", rk, ck)], 3, col))
            col += 1
    return Table("reviews", 15, 4, cells, 3, [1.0] * 15)


# ---- prose --------------------------------------------------------------------------

_FILLER_MANAGE = [
    "严格落实“先审查、后公开”和“一事一审”制度，明确信息发布的审核流程，确保公开内容准确规范。",
    "进一步规范公文公开属性源头认定，对拟公开的政府信息严格履行保密审查程序，全年未发生失泄密事件。",
    "建立政府信息公开台账，定期梳理更新政府信息公开目录，做到底数清、情况明。",
    "对照上级要求全面梳理政府信息公开事项，及时调整公开内容和栏目设置，做到应公开尽公开。",
]
_FILLER_PLATFORM = [
    "充分发挥政府门户网站第一平台作用，全年更新栏目{a}个，维护专题专栏{b}个。",
    "依托“{short}发布”微信公众号推送各类信息{a}篇，拓宽了群众获取信息的渠道。",
    "在办公场所设置政务公开专区和公开栏，方便群众就近查阅政府信息，全年接待群众查阅{a}人次。",
    "认真办理12345政务服务便民热线转办件{a}件，按时办结率100%。",
]
_FILLER_SUPERVISE = [
    "成立由主要领导任组长的政务公开工作领导小组，明确专人负责，形成一级抓一级、层层抓落实的工作格局。",
    "将政府信息公开工作纳入年度绩效考核，全年组织业务培训{a}次，参训{b}人次。",
    "主动接受社会监督，畅通意见反馈渠道，全年未发生因政府信息公开工作引起的责任追究情况。",
]
_PROBLEMS = [
    "{year}年，我单位政府信息公开工作取得了一定成效，但仍存在一些不足：一是公开内容不够丰富，政策解读形式较为单一；二是工作人员多为兼职，业务能力有待提升；三是依申请公开答复的规范性还需加强。",
    "工作中还存在以下问题：部分信息更新不够及时，主动公开的深度和广度有待拓展；基层政务公开标准化规范化建设仍需持续推进。",
    "存在的主要问题是：信息公开的主动性不够，对群众关注的热点问题回应不够及时；政务公开队伍力量较为薄弱，人员变动频繁。",
]
_IMPROVE = [
    "下一步，我们将进一步加强学习培训，提升工作人员业务水平；丰富政策解读形式，运用图解、视频等方式提升解读效果；严格落实依申请公开办理流程，提高答复质量。",
    "针对上述问题，将从以下方面加以改进：一是强化组织领导，压实工作责任；二是完善工作机制，规范公开流程；三是拓宽公开渠道，提升公开实效。",
    "{next_year}年，我们将持续深化政务公开，及时更新各类信息，加强监督检查和考核评议，推动政府信息公开工作再上新台阶。",
]


def _group_total(values: dict[Key, float], rows: list[tuple[str, str]]) -> int:
    return int(sum(values[("requests", rk, "total")] for rk, _ in rows))


def _prose(ctx: _Ctx) -> dict[str, list[Para]]:
    rng = ctx.rng
    v = ctx.truth.values
    fig = ctx.prose_figures
    year, b = ctx.year, ctx.body
    short = b.short
    form_doc = "国办公开办函〔2021〕30号" if ctx.fmt == "2021" else "国办公开办函〔2019〕60号"
    phone = f"0{rng.randint(710, 999)}-{rng.randint(2000000, 8999999)}"
    zipc = f"{rng.randint(510, 580)}{rng.randint(100, 999)}"
    addr = f"{b.site[:-4] if b.site.endswith('人民政府') else b.site}{rng.choice('东南西北中')}" \
           f"{rng.choice(['大道', '路', '街'])}{rng.randint(1, 299)}号"
    office = rng.choice(["办公室", "党政综合办公室", "党政办"]) if b.kind == "town" else "办公室"
    out: dict[str, list[Para]] = {k: [] for k in ("intro", "s1", "s5", "s6")}

    intro = (
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务"
        f"公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{form_doc}）要求编制。"
        if rng.random() < 0.5
        else "根据《中华人民共和国政府信息公开条例》（国务院令第711号）规定，现公布"
        f"{short}{year}年度政府信息公开工作年度报告。"
    )
    if rng.random() < 0.45:
        intro += f"本报告由{short}{office}编制。"
    if not ctx.style.short_prose:
        intro += (
            "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政"
            "复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
        )
        intro += f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        intro += (
            f"本报告电子版可在“{b.site}”门户网站（http://www.{b.domain}.gov.cn）下载。"
            f"如对本报告有疑问，请与{short}{office}联系（地址：{addr}；邮编：{zipc}；电话：{phone}）。"
        )
    out["intro"].append(Para(intro, "body"))

    s1 = out["s1"]
    s1.append(Para(rng.choice([
        f"{year}年，{short}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实党中央、国务院关于"
        "全面推进政务公开的决策部署，严格执行《条例》，以公开促落实、以公开强监管、以公开优服务，政府信息"
        "公开工作取得新进展。",
        f"{year}年，在{b.superior}的正确领导下，{short}紧紧围绕中心工作，不断健全政务公开工作机制，"
        "拓宽公开渠道，提升公开质量，切实保障人民群众的知情权、参与权和监督权。",
    ]), "body"))

    sub_style = rng.choice(["full", "ascii", "arabic"])
    inline = rng.random() < 0.5

    def sub(n: int, name: str, text: str) -> None:
        num = "一二三四五"[n]
        head = {"full": f"（{num}）{name}", "ascii": f"({num}){name}", "arabic": f"{n + 1}.{name}"}[
            sub_style
        ]
        if inline:
            s1.append(Para(f"{head}。{text}", "body"))
        else:
            s1.append(Para(head, "sub"))
            s1.append(Para(text, "body"))

    # （一）主动公开
    parts: list[str] = []
    info = rng.randint(40, 16000)
    if rng.random() < 0.85:
        parts.append(f"全年通过政府门户网站主动公开政府信息{info}条")
        fig["info_published"] = info
        if rng.random() < 0.5 and info > 20:
            a = rng.randint(1, info // 3)
            parts[-1] += f"，其中工作动态类信息{a}条"
    if ctx.fmt == "2021":
        iss = int(v[("proactive", "normative_docs", "issued")])
        rep = int(v[("proactive", "normative_docs", "repealed")])
        inf = int(v[("proactive", "normative_docs", "in_force")])
        r = rng.random()
        if r < 0.4:
            parts.append(f"制发行政规范性文件{iss}件，废止{rep}件，现行有效{inf}件")
            fig.update(normative_issued=iss, normative_repealed=rep, normative_in_force=inf)
        elif r < 0.7:
            parts.append(f"主动公开行政规范性文件{iss}件")
            fig["normative_issued"] = iss
    else:
        npub = int(v[("proactive", "normative_docs", "new_published")])
        tpub = int(v[("proactive", "normative_docs", "total_published")])
        if rng.random() < 0.6:
            parts.append(f"本年新公开规范性文件{npub}件，对外公开规范性文件总数{tpub}件")
            fig.update(normative_new_published=npub, normative_total_published=tpub)
    if rng.random() < 0.5:
        lic = int(v[("proactive", "licensing", "decisions")])
        pun = int(v[("proactive", "punishment", "decisions")])
        parts.append(f"公开行政许可决定{lic}件、行政处罚决定{pun}件")
        fig.update(licensing_decisions=lic, punishment_decisions=pun)
    if not parts:
        parts.append("及时公开各类政府信息")
    sub(0, "主动公开情况", "；".join(parts) + "。")

    # （二）依申请公开
    def rq(rk: str, ck: str = "total") -> int:
        return int(v[("requests", rk, ck)])

    new, co = rq("new_received"), rq("carried_over")
    cf, handled = rq("carried_forward"), rq("total")
    if new == 0 and co == 0:
        text = f"{year}年度，{short}未收到政府信息公开申请。"
    else:
        text = f"{year}年共收到政府信息公开申请{new}件"
        fig["new_received_total"] = new
        if rng.random() < 0.4:
            np_ = rq("new_received", "natural_person")
            text += f"（其中自然人申请{np_}件，法人或其他组织申请{new - np_}件）"
            fig.update(new_received_natural_person=np_, new_received_orgs=new - np_)
        if co and rng.random() < 0.7:
            text += f"，上年结转{co}件"
            fig["carried_over_total"] = co
        text += "。"
        if rng.random() < 0.6:
            text += f"本年度共办理{handled}件，其中"
            fig["handled_total"] = handled
        else:
            text += "办理结果中，"
        groups = request_groups(ctx.fmt)
        named = [
            ("granted_total", "予以公开", groups[0][1]),
            ("partially_granted_total", "部分公开", groups[1][1]),
            ("denied_total", "不予公开", groups[2][1]),
            ("unavailable_total", "无法提供", groups[3][1]),
            ("rejected_total", "不予处理", groups[4][1]),
            ("other_total", "其他处理", groups[5][1]),
        ]
        bits = []
        for name, word, rows in named:
            n = _group_total(v, rows)
            if n or rng.random() < 0.3:
                bit = f"{word}{n}件"
                if name == "granted_total" and handled and rng.random() < 0.3:
                    bit += f"，占{n * 100 / handled:.2f}%"
                bits.append(bit)
                fig[name] = n
        text += "，".join(bits) if bits else "均已按时办结"
        text += "。"
        if cf:
            text += f"结转下年度继续办理{cf}件。"
            fig["carried_forward_total"] = cf
    rev = int(v[("reviews", "review", "total")])
    law = int(v[("reviews", "lawsuit_direct", "total")]
              + v[("reviews", "lawsuit_after_review", "total")])
    if rev or law:
        text += f"全年因政府信息公开工作被申请行政复议{rev}件、提起行政诉讼{law}件。"
        fig.update(review_total=rev, lawsuit_total=law)
    elif rng.random() < 0.5:
        text += "全年未发生因政府信息公开引起的行政复议、行政诉讼案件。"
    sub(1, "依申请公开情况", text)

    if not ctx.style.short_prose:
        k = {"a": rng.randint(3, 900), "b": rng.randint(2, 60), "short": short}
        sub(2, "政府信息管理情况", "".join(rng.sample(_FILLER_MANAGE, 2)))
        sub(3, "平台建设情况", "".join(s.format(**k) for s in rng.sample(_FILLER_PLATFORM, 2)))
        k = {"a": rng.randint(1, 12), "b": rng.randint(10, 300)}
        sub(4, "监督保障情况", "".join(s.format(**k) for s in rng.sample(_FILLER_SUPERVISE, 2)))

    fmtk = {"year": year, "next_year": year + 1}
    out["s5"].append(Para(rng.choice(_PROBLEMS).format(**fmtk), "body"))
    if not ctx.style.short_prose:
        out["s5"].append(Para(rng.choice(_IMPROVE).format(**fmtk), "body"))
    r = rng.random()
    if ctx.fmt == "2021" and r < 0.2:
        fee = rng.randint(20, 900)
        out["s6"].append(Para(f"{year}年度，本机关依据《政府信息公开信息处理费管理办法》收取信息处理费"
                              f"{fee}元。", "body"))
        fig["fee_yuan"] = fee
    elif r < 0.6:
        out["s6"].append(Para(f"{year}年度未收取信息处理费。无其他需要报告的事项。", "body"))
    else:
        out["s6"].append(Para("无。", "body"))
    return out


# ---- the whole report -----------------------------------------------------------------


@dataclass
class _Ctx:
    family: str
    seed: int
    rng: random.Random
    year: int
    fmt: str
    body: Body
    title: str
    agency: str
    printed_title: str
    published: _dt.date
    style: Style
    truth: Truth
    traditional: bool
    prose_figures: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _make_ctx(family: str, seed: int) -> _Ctx:
    rng = random.Random(f"nianbao-documents/{family}/{seed}")
    notes: list[str] = []
    year = rng.randint(2019, 2025)
    fmt = "2019" if year <= 2020 else "2021"
    body = _make_body(rng)
    title, agency, printed = _make_title(rng, body, year)
    month = 1 if body.kind == "dept" or rng.random() < 0.5 else rng.randint(1, 3)
    published = _dt.date(year + 1, month, rng.randint(5, 28 if month != 1 else 31))
    style = _make_style(rng, family)
    values = _make_values(rng, fmt, body, notes)
    printed_vals = _print_values(rng, values, notes)
    cells, markers = _blank_cells(rng, fmt, values, printed_vals, _POLICY[family], notes)
    truth = Truth(fmt, values, printed_vals, cells, markers)
    trad = rng.random() < _TRAD_P.get(family, 0.0)
    ctx = _Ctx(family, seed, rng, year, fmt, body, title, agency, printed, published, style,
               truth, trad, notes=notes)
    notes.append(f"form {fmt}, body kind {body.kind}")
    if trad:
        notes.append("traditional script")
    return ctx


def _build_model(ctx: _Ctx, web: bool) -> Model:
    rng, st, b = ctx.rng, ctx.style, ctx.body
    prose = _prose(ctx)
    blocks: list[Para | Table] = [Para(ctx.printed_title, "title")]
    if rng.random() < 0.2:
        abbr = b.short[:2]
        blocks.append(Para(f"{abbr}政办〔{ctx.year + 1}〕{rng.randint(1, 40)}号", "docno"))
    if rng.random() < 0.25 and b.kind in ("town", "dept"):
        blocks.append(Para(f"{b.superior}：", "body"))
    blocks += prose["intro"]
    h = "、" if rng.random() < 0.85 else "."
    blocks.append(Para(f"一{h}总体情况", "heading"))
    blocks += prose["s1"]
    blocks.append(Para(f"二{h}主动公开政府信息情况", "heading"))
    blocks.append(_proactive_table(ctx.fmt, ctx.truth, st))
    blocks.append(Para(f"三{h}收到和处理政府信息公开申请情况", "heading"))
    blocks.append(_requests_table(ctx.fmt, ctx.truth, st, rng))
    blocks.append(Para(rng.choice([
        f"四{h}政府信息公开行政复议、行政诉讼情况",
        f"四{h}政府信息公开行政复议、行政诉讼情况",
        f"四{h}因政府信息公开工作被申请行政复议、提起行政诉讼情况",
    ]), "heading"))
    blocks.append(_reviews_table(ctx.truth, st))
    blocks.append(Para(rng.choice([
        f"五{h}存在的主要问题及改进情况",
        f"五{h}政府信息公开工作存在的主要问题及改进情况",
    ]), "heading"))
    blocks += prose["s5"]
    blocks.append(Para(f"六{h}其他需要报告的事项", "heading"))
    blocks += prose["s6"]
    sign_date = (_cn_date(ctx.published) if rng.random() < 0.2
                 else f"{ctx.published.year}年{ctx.published.month}月{ctx.published.day}日")
    blocks.append(Para(b.short, "sign"))
    blocks.append(Para(sign_date, "sign"))
    if rng.random() < 0.2:
        blocks.append(Para("（此件主动公开）", "note"))
    if rng.random() < 0.15:
        blocks.append(Para(f"抄送：{b.superior}政务公开办。", "note"))
    if st.notes:
        ctx.notes += st.notes

    top: list[tuple[str, str]] = []
    bottom: list[tuple[str, str]] = []
    if web:
        if rng.random() < 0.25:
            today = _dt.date(ctx.year + 2, rng.randint(1, 12), rng.randint(1, 28))
            wd = "一二三四五六日"[today.weekday()]
            top.append(("today", f"{today.year}年{today.month}月{today.day}日 星期{wd}"))
        top.append(("nav", " | ".join(["网站首页", "政务公开", "政务服务", "互动交流",
                                        f"走进{b.site[:3]}"])))
        top.append(("position", rng.choice(["当前位置：", "您的位置：", "当前位置: "])
                    + " > ".join(["首页", "政务公开", "法定主动公开内容", "政府信息公开年报"])))
        hh, mm, ss = rng.randint(8, 19), rng.randint(0, 59), rng.randint(0, 59)
        pub = f"{ctx.published.isoformat()} {hh:02d}:{mm:02d}:{ss:02d}"
        src = rng.choice([b.short, b.office, b.site])
        top.append(("info", rng.choice([
            f"发布时间：{pub}　来源：{src}　浏览次数：{rng.randint(10, 9000)}",
            f"时间：{pub[:16]}　浏览量：{rng.randint(10, 9000)}　【字体：大 中 小】",
            f"发布日期：{ctx.published.isoformat()}　信息来源：{src}　"
            f"阅读次数：{rng.randint(10, 9000)}",
        ])))
        bottom.append(("tools", rng.choice(["【打印本页】【关闭窗口】", "打印本页　关闭窗口",
                                             "【收藏】【打印】【关闭】"])))
        if rng.random() < 0.4:
            bottom.append(("share", "扫一扫在手机上查看当前页面"))
        icp = f"{rng.choice(_PROVINCE_ABBR)}ICP备{rng.randint(10000000, 99999999)}号"
        bottom.append(("footer", f"版权所有：{b.office}　主办：{b.office}　网站标识码："
                                 f"{rng.randint(10**9, 10**10 - 1)}　{icp}"))
        tel = f"0{rng.randint(710, 999)}-{rng.randint(2000000, 8999999)}"
        bottom.append(("footer", f"联系电话：{tel}"
                                 "　技术支持：某某信息技术有限公司"))
    page_title = (f"{ctx.printed_title}_政府信息公开年报_{b.site}" if rng.random() < 0.7
                  else ctx.printed_title)
    model = Model(blocks, top, bottom, page_title)
    _finish_model(ctx, model)
    return model


def _map_model(model: Model, fn: Callable[[str, str], str]) -> None:
    """Apply fn(text, kind) to every text of the model (kind: a Para role or a Cell kind)."""
    for blk in model.blocks:
        if isinstance(blk, Para):
            blk.text = fn(blk.text, blk.role)
        else:
            for c in blk.cells:
                c.text = fn(c.text, c.kind)
    model.top = [(r, fn(t, "chrome")) for r, t in model.top]
    model.bottom = [(r, fn(t, "chrome")) for r, t in model.bottom]
    model.page_title = fn(model.page_title, "chrome")


def _finish_model(ctx: _Ctx, model: Model) -> None:
    st = ctx.style
    if st.ascii_prose:
        ctx.notes.append("ASCII punctuation in prose")

        def asc(t: str, k: str) -> str:
            return t.translate(_ASCII_PUNCT) if k in ("body", "sub", "note") else t

        _map_model(model, asc)
    if st.year_spaces:
        ctx.notes.append("spaces around numbers in prose")

        def spaced(t: str, k: str) -> str:
            if k not in ("body", "sub"):
                return t
            return re.sub(r"(?<=[\u4e00-\u9fff])(\d+)(?=[\u4e00-\u9fff])", r" \1 ", t)

        _map_model(model, spaced)
    if ctx.traditional:
        cc = _opencc()

        def trad(t: str, k: str) -> str:
            return t if k == "value" else cc.convert(t)

        _map_model(model, trad)


@lru_cache(maxsize=1)
def _opencc() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def _report(ctx: _Ctx, filename: str, content_type: str, data: bytes) -> GeneratedReport:
    return GeneratedReport(
        family=ctx.family,
        filename=filename,
        content_type=content_type,
        data=data,
        title=ctx.title,
        agency=ctx.agency,
        year=ctx.year,
        published=ctx.published.isoformat(),
        format=ctx.fmt,
        cells=dict(ctx.truth.cells),
        raw_markers=dict(ctx.truth.markers),
        prose_figures=dict(ctx.prose_figures),
        traditional=ctx.traditional,
        notes=list(ctx.notes),
        printed_title=ctx.printed_title,
    )


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------


def _esc(s: str) -> str:
    return html.escape(s, quote=False)


def _choose_encoding(ctx: _Ctx, allow_gbk: bool = True) -> tuple[str, str, str]:
    """(python codec, meta tag, content type)."""
    rng = ctx.rng
    opts = ["utf8_meta", "utf8_header", "utf8_bare"]
    if allow_gbk:
        opts += ["gbk_meta", "gb2312_meta", "gbk_header", "gbk_bare"]
    mode = rng.choice(opts)
    ctx.notes.append(f"encoding {mode}")
    return {
        "utf8_meta": ("utf-8", '<meta charset="utf-8">', "text/html; charset=utf-8"),
        "utf8_header": ("utf-8", "", "text/html; charset=UTF-8"),
        "utf8_bare": ("utf-8", "", "text/html"),
        "gbk_meta": ("gbk", '<meta charset="gbk">', "text/html"),
        "gb2312_meta": (
            "gbk",
            '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
            "text/html",
        ),
        "gbk_header": ("gbk", "", "text/html; charset=GBK"),
        "gbk_bare": ("gbk", "", "text/html"),
    }[mode]


def _para_html(p: Para, rng: random.Random, word: bool = False) -> str:
    t = _esc(p.text)
    if word:
        size = "16.0pt" if p.role != "title" else "22.0pt"
        fonts = {"title": "方正小标宋简体", "heading": "黑体", "sub": "楷体_GB2312"}
        font = fonts.get(p.role, "仿宋_GB2312")
        align = {"title": " align=center style='text-align:center'",
                 "sign": " align=right style='text-align:right'",
                 "docno": " align=center style='text-align:center'"}.get(
            p.role, " style='text-indent:32.0pt;line-height:28.0pt'")
        return (f"<p class=MsoNormal{align}><span style='font-size:{size};font-family:{font}'>"
                f"{_word_runs(t, rng)}</span><span lang=EN-US><o:p></o:p></span></p>")
    if p.role == "title":
        return f'<p style="text-align:center"><strong>{t}</strong></p>'
    if p.role == "heading":
        return rng.choice([f'<p style="text-indent:2em"><strong>{t}</strong></p>',
                           f"<h3>{t}</h3>", f'<p class="title2">{t}</p>'])
    if p.role == "sign":
        return f'<p style="text-align:right">{t}</p>'
    if p.role == "docno":
        return f'<p style="text-align:center">{t}</p>'
    return f'<p style="text-indent:2em">{t}</p>'


def _word_runs(t: str, rng: random.Random) -> str:
    """Split escaped text into Word-style runs (never inside an entity)."""
    if len(t) < 6 or rng.random() < 0.5:
        return t
    cuts = sorted(rng.sample(range(1, len(t)), min(2, len(t) - 1)))
    pieces, prev = [], 0
    for c in [*cuts, len(t)]:
        amp = t.rfind("&", prev, c)
        if amp != -1 and t.find(";", amp) >= c:
            continue
        pieces.append(t[prev:c])
        prev = c
    if prev < len(t):
        pieces.append(t[prev:])
    return "".join(
        f"<span lang=EN-US style='font-family:仿宋_GB2312'>{x}</span>" if i % 2 else x
        for i, x in enumerate(pieces)
    )


def _html_table(t: Table, rng: random.Random, word: bool = False) -> str:
    th = not word and rng.random() < 0.3
    blank = rng.choice(["", "&nbsp;"])
    wrap_p = not word and rng.random() < 0.4
    total_w = 580
    widths = [round(w / sum(t.col_weights) * total_w) for w in t.col_weights]
    out = []
    if word:
        out.append("<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 "
                   "style='border-collapse:collapse;border:none;"
                   "mso-border-alt:solid windowtext .5pt'>")
    else:
        out.append(rng.choice(['<table border="1" cellspacing="0" cellpadding="0" width="100%">',
                               '<table class="table" style="border-collapse:collapse" border="1">',
                               "<table>"]))
    out.append("<tbody>")
    for r, row in enumerate(_rows_of(t)):
        out.append("<tr>")
        for c in row:
            attrs = ""
            if c.colspan > 1:
                attrs += f' colspan="{c.colspan}"' if not word else f" colspan={c.colspan}"
            if c.rowspan > 1:
                attrs += f' rowspan="{c.rowspan}"' if not word else f" rowspan={c.rowspan}"
            tag = "th" if th and r < t.header_rows and c.kind != "value" else "td"
            if word:
                w = sum(widths[c.col: c.col + c.colspan])
                attrs = (f" width={w} valign=center{attrs} style='border:solid windowtext 1.0pt;"
                         "padding:0cm 5.4pt 0cm 5.4pt'")
                align = " align=center style='text-align:center'" if c.kind in (
                    "value", "header") else ""
                paras = c.text.split("\n") if c.text else [""]
                inner = "".join(
                    f"<p class=MsoNormal{align}><span style='font-size:10.5pt;font-family:宋体'>"
                    f"{_word_runs(_esc(x), rng) if x else ''}"
                    f"<span lang=EN-US>{'' if x else '&nbsp;'}<o:p></o:p></span></span></p>"
                    for x in paras
                )
            else:
                inner = "<br>".join(_esc(x) for x in c.text.split("\n")) if c.text else blank
                if wrap_p:
                    inner = f"<p>{inner}</p>"
            out.append(f"<{tag}{attrs}>{inner}</{tag}>")
        out.append("</tr>")
    if word and rng.random() < 0.4:
        out.append("<![if !supportMisalignedColumns]><tr height=0>"
                   + "".join(f"<td width={w} style='border:none'></td>" for w in widths)
                   + "</tr><![endif]>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _word_quirks(ctx: _Ctx, t: Table) -> Table:
    """Span irregularities Word exports produce (same visual grid, different markup)."""
    rng = ctx.rng
    if t.name != "requests":
        return t
    cells = list(t.cells)
    if rng.random() < 0.4:  # 自然人 without rowspan, an empty cell below it
        np_ = next(c for c in cells if c.row == 1 and c.col == 3)
        cells.remove(np_)
        cells += [replace(np_, rowspan=1), Cell("", 2, 3, kind="header")]
        ctx.notes.append("word quirk: 自然人 header without rowspan")
    if rng.random() < 0.4:  # corner split into three stacked cells
        corner = next(c for c in cells if c.row == 0 and c.col == 0)
        cells.remove(corner)
        cells += [replace(corner, rowspan=1), Cell("", 1, 0, colspan=3, kind="corner"),
                  Cell("", 2, 0, colspan=3, kind="corner")]
        ctx.notes.append("word quirk: corner cell split")
    if rng.random() < 0.4:  # 三、本年度办理结果 as two rowspans repeating the label
        grp = next(c for c in cells if c.kind == "group" and c.col == 0)
        cells.remove(grp)
        k = rng.randint(3, grp.rowspan - 3)
        cells += [replace(grp, rowspan=k), replace(grp, row=grp.row + k, rowspan=grp.rowspan - k)]
        ctx.notes.append("word quirk: 本年度办理结果 label split into two rowspans")
    return replace(t, cells=cells)


def _html_page(ctx: _Ctx, model: Model, content: str, meta: str, word_head: bool = False) -> str:
    rng = ctx.rng
    title = _esc(model.page_title)
    head = [meta] if meta else []
    head.append(f"<title>{title}</title>")
    if rng.random() < 0.5:
        head.append(f'<meta name="ArticleTitle" content="{_esc(ctx.printed_title)}">')
        head.append(f'<meta name="PubDate" content="{ctx.published.isoformat()} 09:00">')
    if word_head:
        head.append('<meta name=Generator content="Microsoft Word 15 (filtered)">')
        head.append("<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View>"
                    "</w:WordDocument></xml><![endif]-->")
        head.append("<style>p.MsoNormal{margin:0cm;text-align:justify;font-size:10.5pt;"
                    "font-family:等线}</style>")
    top = {r: t for r, t in model.top}
    h1 = _esc(next((b.text for b in model.blocks if isinstance(b, Para) and b.role == "title"),
                   ""))
    parts = ["<!DOCTYPE html>", "<html>", "<head>", *head, "</head>", "<body>"]
    if model.top:
        if "today" in top:
            parts.append(f'<div class="topbar"><span>{_esc(top["today"])}</span></div>')
        items = "".join(f"<li><a href=\"#\">{_esc(x)}</a></li>" for x in top["nav"].split(" | "))
        parts.append(f'<div class="nav"><ul>{items}</ul></div>')
        parts.append(f'<div class="position">{_esc(top["position"])}</div>')
        parts.append('<div class="article">')
        parts.append(f'<h1 class="article-title">{h1}</h1>')
        parts.append(f'<div class="article-info">{_esc(top["info"])}</div>')
        parts.append(f'<div class="article-content TRS_Editor">{content}</div>')
        for r, t in model.bottom:
            if r == "tools":
                parts.append(f'<div class="tools">{_esc(t)}</div>')
            elif r == "share":
                parts.append(f'<div class="share">{_esc(t)}</div>')
        parts.append("</div>")
        foot = "".join(f"<p>{_esc(t)}</p>" for r, t in model.bottom if r == "footer")
        parts.append(f'<div class="footer">{foot}</div>')
    else:
        parts.append(f'<div class="WordSection1">{content}</div>')
    parts += ["</body>", "</html>"]
    return "\n".join(parts)


def _content_html(ctx: _Ctx, model: Model, table_fn: Callable[[Table], str],
                  word: bool = False, skip_title: bool | None = None) -> str:
    rng = ctx.rng
    if skip_title is None:
        skip_title = bool(model.top) and rng.random() < 0.5
    out = []
    for blk in model.blocks:
        if isinstance(blk, Para):
            if blk.role == "title" and skip_title:
                continue
            out.append(_para_html(blk, rng, word))
        else:
            out.append(table_fn(blk))
    return "\n".join(out)


def _encode(text: str, codec: str) -> bytes:
    return text.encode(codec, errors="xmlcharrefreplace")


def _render_html_grid(ctx: _Ctx) -> GeneratedReport:
    rng = ctx.rng
    model = _build_model(ctx, web=True)
    codec, meta, ctype = _choose_encoding(ctx)
    split_proactive = rng.random() < 0.3
    if split_proactive:
        ctx.notes.append("table 二 as one table per 第二十条 item")

    def table_fn(t: Table) -> str:
        if t.name == "proactive" and split_proactive:
            starts = [c.row for c in t.cells if c.kind == "section"] + [t.nrows]
            return "\n".join(_html_table(_slice_table(t, a, b), rng)
                             for a, b in zip(starts, starts[1:], strict=False))
        return _html_table(t, rng)

    content = _content_html(ctx, model, table_fn)
    page = _html_page(ctx, model, content, meta)
    name = rng.choice(["index.html", f"t{ctx.published:%Y%m%d}_{rng.randint(10000, 99999)}.html",
                       "content.shtml"])
    return _report(ctx, name, ctype, _encode(page, codec))


def _render_html_word(ctx: _Ctx) -> GeneratedReport:
    rng = ctx.rng
    cms = rng.random() < 0.5
    model = _build_model(ctx, web=cms)
    if cms:
        codec, meta, ctype = _choose_encoding(ctx)
    else:
        codec = "gbk"
        meta = '<meta http-equiv=Content-Type content="text/html; charset=gb2312">'
        ctype = rng.choice(["text/html", "text/html; charset=gb2312"])
        ctx.notes.append("bare Word HTML, gb2312 meta, GBK bytes")

    def table_fn(t: Table) -> str:
        return "<div align=center>" + _html_table(_word_quirks(ctx, t), rng, word=True) + "</div>"

    content = _content_html(ctx, model, table_fn, word=True, skip_title=cms and rng.random() < 0.5)
    page = _html_page(ctx, model, content, meta, word_head=not cms)
    name = f"{ctx.year}年政府信息公开工作年度报告.htm" if not cms else "index.html"
    return _report(ctx, name, ctype, _encode(page, codec))


# --------------------------------------------------------------------------------------
# Flattened text layouts
# --------------------------------------------------------------------------------------


def _cells_lines(t: Table, rng: random.Random, break_headers: bool) -> list[str | None]:
    """One cell per line in row-major order of the cells' top-left slots.

    None stands for a blank value cell (the caller decides how an empty cell shows)."""
    lines: list[str | None] = []
    for row in _rows_of(t):
        for c in row:
            if not c.text:
                if c.kind == "value":
                    lines.append(None)
                continue
            if "\n" in c.text:
                parts = c.text.split("\n")
                if break_headers:
                    lines += parts
                else:
                    lines.append("".join(parts))
            else:
                lines.append(c.text)
    return lines


def _tab_lines(ctx: _Ctx, t: Table) -> list[str]:
    rng = ctx.rng
    mode = rng.choice(["matrix", "td"])
    out: list[str] = []
    if mode == "matrix":
        rows = [[x.replace("\n", "") for x in r] for r in _matrix(t)]
    else:
        rows = [[c.text.replace("\n", "") for c in row] for row in _rows_of(t)]
    broke = False
    for fields in rows:
        label_i = max((i for i, f in enumerate(fields) if f and not _is_value(f)), default=-1)
        if (not broke and label_i >= 0 and len(fields[label_i]) > 26 and rng.random() < 0.4):
            lab = fields[label_i]
            cut = len(lab) * 2 // 3
            first = [*fields[:label_i], lab[:cut], *fields[label_i + 1:]]
            second = ["" for _ in fields]
            second[label_i] = lab[cut:]
            out.append("\t".join(first))
            out.append("\t".join(second).rstrip("\t") if rng.random() < 0.5 else "\t".join(second))
            broke = True
            ctx.notes.append("tab row label broken over two lines")
            continue
        line = "\t".join(fields)
        out.append(line)
    ctx.notes.append(f"tab layout {mode}")
    return out


_VALUE_RE = re.compile(r"^[+\-]?\d[\d.]*(元|万元|个)?$|^[/—无]$")


def _is_value(s: str) -> bool:
    return bool(_VALUE_RE.match(s.strip()))


def _olv_lines(ctx: _Ctx, t: Table, same_line: bool, join_headers: bool) -> list[str]:
    """Label on one line and the row's values on the next (or the same) line."""
    lines: list[str] = []
    rows = _rows_of(t)
    hdr_buf: list[str] = []
    for r, row in enumerate(rows):
        labels = [c.text.replace("\n", "") for c in row if c.kind != "value" and c.text]
        vals = [c.text for c in row if c.kind == "value"]
        if r < t.header_rows or (t.name == "proactive" and not vals):
            if join_headers:
                hdr_buf += labels
            else:
                lines += labels
            continue
        if hdr_buf:
            lines.append(" ".join(hdr_buf))
            hdr_buf = []
        shown = [x for x in vals if x]
        if not labels:
            lines.append(" ".join(shown))
            continue
        lines += labels[:-1]
        if not shown:
            lines.append(labels[-1])
        elif same_line:
            lines.append(labels[-1] + " " + " ".join(shown))
        else:
            lines += [labels[-1], " ".join(shown)]
    if hdr_buf:
        lines.append(" ".join(hdr_buf))
    return lines


def _text_doc(ctx: _Ctx, model: Model, table_lines: Callable[[Table], list[str]],
              as_html: str) -> tuple[str, str, bytes]:
    """Lay out chrome, prose and flattened tables as lines; return (filename, ctype, bytes).

    as_html: "plain" (text/plain), "pre" (<pre>), "br" (<br> lines), "p" (<p> per line)."""
    rng = ctx.rng
    indent = rng.choice(["", "", "      ", "\u3000\u3000"])
    sep = rng.choice(["\n", "\n", "\n\n"])
    lines: list[str] = []
    for _, t in model.top:
        lines.append(t)
    for blk in model.blocks:
        if isinstance(blk, Para):
            lines.append((indent if blk.role in ("body", "sub") else "") + blk.text)
        else:
            lines += [indent + x if x else x for x in table_lines(blk)]
    for _, t in model.bottom:
        lines.append(t)
    ctx.notes.append(f"text layout {as_html}, sep {sep!r}")
    if as_html == "plain":
        codec = rng.choice(["utf-8", "utf-8", "gbk"])
        ctype = "text/plain" + rng.choice(["", f"; charset={codec}"])
        ctx.notes.append(f"text/plain {codec}")
        return "report.txt", ctype, _encode(sep.join(lines) + "\n", codec)
    codec, meta, ctype = _choose_encoding(ctx)
    if as_html == "pre":
        content = "<pre>" + _esc(sep.join(lines)) + "</pre>"
    elif as_html == "br":
        content = "<div>" + "<br>\n".join(_esc(x) for x in lines) + "</div>"
    else:
        content = "\n".join(f"<p>{_esc(x) if x.strip() else '&nbsp;'}</p>" for x in lines)
    page = "\n".join(["<!DOCTYPE html>", "<html><head>", meta,
                      f"<title>{_esc(model.page_title)}</title>", "</head><body>", content,
                      "</body></html>"])
    return "index.html", ctype, _encode(page, codec)


def _render_html_p_cells(ctx: _Ctx) -> GeneratedReport:
    rng = ctx.rng
    model = _build_model(ctx, web=True)
    codec, meta, ctype = _choose_encoding(ctx)
    blank_mode = rng.choice(["nbsp", "skip"])
    stray = rng.random() < 0.3

    def table_fn(t: Table) -> str:
        out = []
        for x in _cells_lines(t, rng, ctx.style.header_breaks):
            if x is None:
                if blank_mode == "nbsp":
                    out.append("<p>&nbsp;</p>")
                continue
            tail = "&lt;o:p&gt;" if stray and rng.random() < 0.08 else ""
            out.append(f"<p>{_esc(x)}{tail} </p>")
        return "\n".join(out)

    content = _content_html(ctx, model, table_fn)
    page = _html_page(ctx, model, content, meta)
    ctx.notes.append(f"one cell per <p>, blanks {blank_mode}")
    return _report(ctx, "index.html", ctype, _encode(page, codec))


def _render_text_lines(ctx: _Ctx) -> GeneratedReport:
    rng = ctx.rng
    model = _build_model(ctx, web=True)
    blank = rng.choice(["", "  ", None])

    def table_lines(t: Table) -> list[str]:
        out: list[str] = []
        for x in _cells_lines(t, rng, ctx.style.header_breaks):
            if x is None:
                if blank is not None:
                    out.append(blank)
            else:
                out.append(x + (" " if rng.random() < 0.2 else ""))
        return out

    name, ctype, data = _text_doc(ctx, model, table_lines, rng.choice(["plain", "br", "pre"]))
    return _report(ctx, name, ctype, data)


def _render_tab_rows(ctx: _Ctx) -> GeneratedReport:
    rng = ctx.rng
    model = _build_model(ctx, web=rng.random() < 0.6)
    name, ctype, data = _text_doc(ctx, model, lambda t: _tab_lines(ctx, t),
                                  rng.choice(["plain", "pre"]))
    return _report(ctx, name, ctype, data)


def _render_one_line_values(ctx: _Ctx) -> GeneratedReport:
    rng = ctx.rng
    model = _build_model(ctx, web=True)
    same = rng.random() < 0.5
    join = rng.random() < 0.5
    ctx.notes.append(f"values {'on the label line' if same else 'on the next line'}, "
                     f"headers {'joined' if join else 'one per line'}")
    name, ctype, data = _text_doc(ctx, model, lambda t: _olv_lines(ctx, t, same, join),
                                  rng.choice(["plain", "br", "p"]))
    return _report(ctx, name, ctype, data)


# ---- mirror copies -------------------------------------------------------------------

_PINYIN = {
    "結": "jié", "進": "jìn", "務": "wù", "數": "shù", "發": "fā", "機": "jī", "網": "wǎng",
    "設": "shè", "內": "nèi", "關": "guān", "規": "guī", "復": "fù", "業": "yè", "責": "zé",
    "嚴": "yán", "構": "gòu", "強": "qiáng", "據": "jù", "領": "lǐng", "負": "fù", "續": "xù",
    "現": "xiàn", "認": "rèn", "穩": "wěn", "質": "zhì", "應": "yīng", "導": "dǎo", "區": "qū",
    "護": "hù", "準": "zhǔn", "態": "tài", "轉": "zhuǎn", "當": "dāng", "訓": "xùn",
    "監": "jiān", "統": "tǒng", "聯": "lián", "協": "xié", "細": "xì", "鄉": "xiāng",
    "環": "huán", "衛": "wèi", "產": "chǎn", "擴": "kuò", "優": "yōu", "標": "biāo",
    "權": "quán", "執": "zhí", "補": "bǔ", "經": "jīng", "處": "chǔ", "總": "zǒng",
}


def _mojibake(line: str) -> str:
    """A line whose GBK bytes were read one byte late (as mirror sites show them)."""
    raw = ("\u3000" + line).encode("gbk", errors="replace")
    return "?" + raw[1:].decode("gbk", errors="ignore")


def _render_mirror(ctx: _Ctx) -> GeneratedReport:
    rng = ctx.rng
    model = _build_model(ctx, web=False)
    pinyin_p = rng.choice([0.0, 0.3, 0.5])
    moji_p = rng.choice([0.0, 0.5, 0.8])
    collapsed = rng.random() < 0.35
    ctx.notes.append(f"mirror: pinyin p={pinyin_p}, mojibake p={moji_p}, collapsed={collapsed}")

    def deco(text: str) -> str:
        if pinyin_p:
            text = "".join(ch + (f"({_PINYIN[ch]})" if ch in _PINYIN and rng.random() < pinyin_p
                                 else "") for ch in text)
        if moji_p and text.startswith("（") and rng.random() < moji_p:
            text = _mojibake(text)
        elif text.startswith(("（五）", "（七）", "(五)", "(七)")) and rng.random() < 0.3:
            text += "<o:p>"
        return text

    items: list[str] = []
    for blk in model.blocks:
        if isinstance(blk, Para):
            items.append(deco(blk.text))
        else:
            for x in _cells_lines(blk, rng, ctx.style.header_breaks):
                if x is None:
                    if not collapsed:
                        items.append("")
                    continue
                items.append(deco(x) if not _is_value(x) else x)
    title = _opencc().convert(ctx.printed_title) if ctx.traditional else ctx.printed_title
    head = ['<meta charset="utf-8">', f"<title>{_esc(title)} - 文档下载</title>"]
    site = rng.choice(["文库", "范文网", "文档网"])
    pre = [f'<div class="crumb">首頁 &gt; 範文大全 &gt; {site}</div>']
    if collapsed:
        body = '<div class="content">' + _esc(" ".join(x for x in items if x)) + "</div>"
    else:
        body = "\n".join(f'<p style="text-indent:2em">{_esc(x) if x else "&nbsp;"}</p>'
                         for x in items)
    post = ['<div class="download">附件下載</div>', "<div>掃一掃在手機上查看當前頁面</div>",
            f'<div class="related">相關文檔：{_esc(_opencc().convert(ctx.body.site))}'
            f"{ctx.year - 1}年政府信息公開工作年度報告</div>"]
    page = "\n".join(["<!DOCTYPE html>", "<html><head>", *head, "</head><body>", *pre, body,
                      *post, "</body></html>"])
    return _report(ctx, "index.html", "text/html; charset=utf-8", page.encode("utf-8"))


# --------------------------------------------------------------------------------------
# Page layout (PDF, OFD and scans share it)
# --------------------------------------------------------------------------------------

MM_PER_PT = 25.4 / 72
_FONT = "STSong-Light"


@dataclass
class TextOp:
    x: float  # mm from the left
    y: float  # baseline, mm from the top
    size: float  # pt
    text: str
    bold: bool = False


@dataclass
class LineOp:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.25


Op = TextOp | LineOp


@dataclass
class _Setup:
    w: float = 210.0
    h: float = 297.0
    ml: float = 25.0
    mr: float = 25.0
    mt: float = 25.0
    mb: float = 25.0
    body_pt: float = 12.0
    table_pt: float = 9.0
    line_gap: float = 1.5


@lru_cache(maxsize=1)
def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(_FONT))


@lru_cache(maxsize=8192)
def _char_w(ch: str) -> float:
    """Width of ch at 1 pt, in mm (the STSong-Light metrics reportlab uses)."""
    from reportlab.pdfbase import pdfmetrics

    _register_font()
    return pdfmetrics.stringWidth(ch, _FONT, 1.0) * MM_PER_PT


def _tw(text: str, pt: float) -> float:
    return sum(_char_w(ch) for ch in text) * pt


_TOKENS = re.compile(r"[A-Za-z0-9.%+\-]+|\s+|.", re.S)


def _wrap(text: str, width: float, pt: float, first: float | None = None) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        cur, cw = "", 0.0
        limit = first if (first is not None and not lines) else width
        for tok in _TOKENS.findall(para):
            w = _tw(tok, pt)
            if cur and cw + w > limit:
                lines.append(cur.rstrip())
                cur, cw, limit = "", 0.0, width
                if tok.isspace():
                    continue
            if w > limit:
                for ch in tok:
                    chw = _tw(ch, pt)
                    if cur and cw + chw > limit:
                        lines.append(cur)
                        cur, cw, limit = "", 0.0, width
                    cur += ch
                    cw += chw
                continue
            cur += tok
            cw += w
        lines.append(cur.rstrip())
    return lines


class _Layout:
    def __init__(self, setup: _Setup) -> None:
        self.s = setup
        self.pages: list[list[Op]] = [[]]
        self.y = setup.mt
        self.breaks: list[str] = []

    @property
    def bottom(self) -> float:
        return self.s.h - self.s.mb

    @property
    def cw(self) -> float:
        return self.s.w - self.s.ml - self.s.mr

    def new_page(self) -> None:
        self.pages.append([])
        self.y = self.s.mt

    def at_top(self) -> bool:
        return self.y <= self.s.mt + 0.01

    def para(self, p: Para) -> None:
        s = self.s
        pt = s.body_pt + (6 if p.role == "title" else 0)
        bold = p.role in ("title", "heading")
        indent = 2 * pt * MM_PER_PT if p.role in ("body", "sub", "heading") else 0.0
        lines = _wrap(p.text, self.cw, pt, first=self.cw - indent)
        lh = pt * MM_PER_PT * s.line_gap
        self.y += {"title": 2.0, "heading": 1.5}.get(p.role, 0.0)
        for i, line in enumerate(lines):
            if self.y + lh > self.bottom:
                self.new_page()
            w = _tw(line, pt)
            if p.role in ("title", "docno"):
                x = s.ml + (self.cw - w) / 2
            elif p.role == "sign":
                x = s.w - s.mr - w - 2 * pt * MM_PER_PT
            else:
                x = s.ml + (indent if i == 0 else 0.0)
            base = self.y + (lh - pt * MM_PER_PT) / 2 + 0.88 * pt * MM_PER_PT
            if line:
                self.pages[-1].append(TextOp(x, base, pt, line, bold))
            self.y += lh
        self.y += {"title": 4.0, "docno": 3.0}.get(p.role, 0.0)

    def _measure(
        self, t: Table, pt: float
    ) -> tuple[list[float], list[float], dict[int, list[str]]]:
        total = sum(t.col_weights)
        widths = [w / total * self.cw for w in t.col_weights]
        xs = [self.s.ml]
        for w in widths:
            xs.append(xs[-1] + w)
        pad = 1.0
        lh = pt * MM_PER_PT * 1.25
        heights = [lh + 2 * pad] * t.nrows
        lines: dict[int, list[str]] = {}
        for i, c in enumerate(t.cells):
            w = xs[c.col + c.colspan] - xs[c.col] - 2 * pad
            lines[i] = _wrap(c.text, w, pt) if c.text else []
            need = max(1, len(lines[i])) * lh + 2 * pad
            if c.rowspan == 1:
                heights[c.row] = max(heights[c.row], need)
        for i, c in enumerate(t.cells):
            if c.rowspan > 1:
                need = max(1, len(lines[i])) * lh + 2 * pad
                have = sum(heights[c.row: c.row + c.rowspan])
                if need > have:
                    heights[c.row + c.rowspan - 1] += need - have
        return xs, heights, lines

    def table(self, t: Table, *, own_page: bool, break_at: int | None = None,
              cont: str = "none") -> None:
        pt = self.s.table_pt
        if t.name == "reviews":
            pt = min(pt, 8.0)
        while True:
            xs, heights, lines = self._measure(t, pt)
            room = self.bottom - (self.y if own_page else self.s.mt)
            if not own_page or sum(heights) <= room or pt <= 5.5:
                break
            pt -= 0.5
        if own_page and self.y + sum(heights) > self.bottom:
            self.new_page()
        lh = pt * MM_PER_PT * 1.25
        pos: list[tuple[int, float]] = []
        copies: list[tuple[int, float]] = []
        hdr_h = sum(heights[: t.header_rows])
        for r in range(t.nrows):
            h = heights[r]
            forced = break_at is not None and r == break_at and r > t.header_rows
            if (self.y + h > self.bottom or forced) and r > 0 and not self.at_top():
                self.new_page()
                self.breaks.append(f"{t.name} breaks before row {r} ({cont} header)")
                if cont in ("full", "partial") and r >= t.header_rows:
                    copies.append((len(self.pages) - 1, self.y))
                    self.y += hdr_h
                break_at = None if forced else break_at
            pos.append((len(self.pages) - 1, self.y))
            self.y += h
        for i, c in enumerate(t.cells):
            segs: list[list[float]] = []  # [page, top, bottom]
            for r in range(c.row, c.row + c.rowspan):
                pg, y = pos[r]
                if segs and segs[-1][0] == pg:
                    segs[-1][2] = y + heights[r]
                else:
                    segs.append([pg, y, y + heights[r]])
            self._cell(c, xs, segs, lines[i], pt, lh)
        for pg, y0 in copies:
            hdr = _header_copy(t, cont)
            for c in hdr.cells:
                top = y0 + sum(heights[: c.row])
                bot = top + sum(heights[c.row: c.row + c.rowspan])
                w = xs[c.col + c.colspan] - xs[c.col] - 2.0
                self._cell(c, xs, [[pg, top, bot]], _wrap(c.text, w, pt) if c.text else [], pt, lh)
        self.y += 3.0

    def _cell(self, c: Cell, xs: list[float], segs: list[list[float]], lines: list[str],
              pt: float, lh: float) -> None:
        x0, x1 = xs[c.col], xs[c.col + c.colspan]
        for pg, top, bot in segs:
            ops = self.pages[int(pg)]
            ops += [LineOp(x0, top, x1, top), LineOp(x0, bot, x1, bot),
                    LineOp(x0, top, x0, bot), LineOp(x1, top, x1, bot)]
        if not lines:
            return
        block = len(lines) * lh
        seg = next((s for s in segs if s[2] - s[1] >= block), max(segs, key=lambda s: s[2] - s[1]))
        pg, top, bot = seg
        y = top + (bot - top - block) / 2
        for line in lines:
            w = _tw(line, pt)
            if c.kind in ("value", "header", "group", "section"):
                x = x0 + (x1 - x0 - w) / 2
            else:
                x = x0 + 1.0
            base = y + (lh - pt * MM_PER_PT) / 2 + 0.88 * pt * MM_PER_PT
            self.pages[int(pg)].append(TextOp(x, base, pt, line))
            y += lh

    def finish(self, footer: str, header: str) -> None:
        n = len(self.pages)
        s = self.s
        for i, ops in enumerate(self.pages, 1):
            text = {"dash": f"- {i} -", "of": f"第{i}页 共{n}页", "plain": str(i),
                    "emdash": f"— {i} —", "none": ""}[footer]
            if text:
                ops.append(TextOp((s.w - _tw(text, 9)) / 2, s.h - s.mb / 2, 9, text))
            if header and i > 1:
                ops.append(TextOp(s.w - s.mr - _tw(header, 8), s.mt / 2, 8, header))
                ops.append(LineOp(s.ml, s.mt / 2 + 1.5, s.w - s.mr, s.mt / 2 + 1.5, 0.3))


def _filler_text(ctx: _Ctx) -> str:
    rng = ctx.rng
    k = {"a": rng.randint(3, 900), "b": rng.randint(2, 60), "short": ctx.body.short}
    pool = _FILLER_MANAGE + _FILLER_PLATFORM + _FILLER_SUPERVISE
    text = "".join(x.format(**k) for x in rng.sample(pool, len(pool)))
    if ctx.style.ascii_prose:
        text = text.translate(_ASCII_PUNCT)
    return text


def _push_to_break(ctx: _Ctx, lay: _Layout, t: Table) -> None:
    """Add filler prose before a table's heading so that the page ends at a random row."""
    rng, s = ctx.rng, lay.s
    _, heights, _ = lay._measure(t, min(s.table_pt, 8.0) if t.name == "reviews" else s.table_pt)
    r = rng.randint(t.header_rows + 1, t.nrows - 2)
    lh = s.body_pt * MM_PER_PT * s.line_gap
    head = 1.5 + lh
    target = sum(heights[:r]) + 0.3 * heights[r]
    room = lay.bottom - lay.y - head
    if room < sum(heights[: t.header_rows + 1]) or room < target:
        if room >= target - heights[r] * 0.5:
            return  # the page ends near that row already
        lay.new_page()
        room = lay.bottom - lay.y - head
    k = int((room - target) // lh)
    if k < 1:
        return
    cw = lay.cw
    indent = 2 * s.body_pt * MM_PER_PT
    lines: list[str] = []
    while len(lines) < k:
        lines = _wrap(_filler_text(ctx) * (1 + len(lines)), cw, s.body_pt, first=cw - indent)
    text = "".join(lines[:k])
    lay.para(Para(text[:-1] + "。", "body"))
    ctx.notes.append(f"{k} filler lines before table {t.name} aiming at a break before row {r}")


def _layout_pages(ctx: _Ctx, model: Model, setup: _Setup, *, own_page: bool,
                  split: bool = False) -> _Layout:
    rng = ctx.rng
    lay = _Layout(setup)
    blocks = model.blocks
    for i, blk in enumerate(blocks):
        if isinstance(blk, Para):
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if own_page and blk.role == "heading" and isinstance(nxt, Table) and not lay.at_top():
                lay.new_page()
            if split and blk.role == "heading" and isinstance(nxt, Table) and nxt.name in (
                    "proactive", "requests"):
                _push_to_break(ctx, lay, nxt)
            lay.para(blk)
        else:
            cont = "none"
            if split and blk.name in ("proactive", "requests"):
                cont = rng.choice(["full", "partial", "none"])
            lay.table(blk, own_page=own_page, cont=cont)
    ctx.notes += lay.breaks
    return lay


def _random_setup(rng: random.Random) -> _Setup:
    m = rng.uniform(20, 27)
    return _Setup(ml=m, mr=m, mt=rng.uniform(22, 30), mb=rng.uniform(22, 28),
                  body_pt=rng.choice([10.5, 12.0, 12.0, 14.0, 16.0]),
                  table_pt=rng.choice([8.0, 9.0, 9.0, 10.0]),
                  line_gap=rng.choice([1.35, 1.5, 1.7]))


# ---- PDF ----------------------------------------------------------------------------


def _pdf_bytes(pages: list[list[Op]], setup: _Setup, meta_title: str | None) -> bytes:
    from reportlab.pdfgen import canvas

    _register_font()
    buf = io.BytesIO()
    k = 72 / 25.4
    c = canvas.Canvas(buf, pagesize=(setup.w * k, setup.h * k), invariant=1)
    if meta_title:
        c.setTitle(meta_title)
        c.setCreator("Microsoft® Word 2016")
    for ops in pages:
        for op in ops:
            if isinstance(op, LineOp):
                c.setLineWidth(op.width * k)
                c.line(op.x1 * k, (setup.h - op.y1) * k, op.x2 * k, (setup.h - op.y2) * k)
            else:
                if op.bold:  # fill+stroke; q/Q so the render mode does not leak
                    c.saveState()
                    c.setLineWidth(0.3)
                tobj = c.beginText(op.x * k, (setup.h - op.y) * k)
                tobj.setFont(_FONT, op.size)
                if op.bold:
                    tobj.setTextRenderMode(2)
                tobj.textOut(op.text)
                c.drawText(tobj)
                if op.bold:
                    c.restoreState()
        c.showPage()
    c.save()
    return buf.getvalue()


def _render_pdf(ctx: _Ctx, split: bool) -> GeneratedReport:
    rng = ctx.rng
    model = _build_model(ctx, web=False)
    setup = _random_setup(rng)
    lay = _layout_pages(ctx, model, setup, own_page=not split, split=split)
    footer = rng.choice(["dash", "of", "plain", "emdash", "none"] if split
                        else ["dash", "plain", "none", "none"])
    header = ""
    if split and rng.random() < 0.5:
        header = rng.choice([ctx.body.short, f"{ctx.year}年政府信息公开工作年度报告"])
        if ctx.traditional:
            header = _opencc().convert(header)
    lay.finish(footer, header)
    ctx.notes.append(f"{len(lay.pages)} pages, footer {footer}, header {header!r}")
    meta = f"Microsoft Word - {ctx.year}年报.docx" if rng.random() < 0.3 else None
    data = _pdf_bytes(lay.pages, setup, meta)
    name = rng.choice(["report.pdf", f"{ctx.year}年政府信息公开工作年度报告.pdf",
                       f"P0{rng.randint(10000, 99999)}.pdf"])
    return _report(ctx, name, "application/pdf", data)


# ---- OFD ----------------------------------------------------------------------------

_OFD_NS = "http://www.ofdspec.org/2016"
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def _fixed_zip(entries: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return buf.getvalue()


def _normalize_zip(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    return _fixed_zip(entries)


def _ofd_bytes(ctx: _Ctx, pages: list[list[Op]], setup: _Setup) -> bytes:
    rng = ctx.rng
    per_char = rng.random() < 0.3
    shuffle = rng.random() < 0.25
    lines = rng.random() < 0.7
    compress = rng.random() < 0.5
    ctx.notes.append(f"ofd: per_char={per_char} shuffled={shuffle} rules={lines} g-compressed="
                     f"{compress}")
    next_id = [10]

    def nid() -> int:
        next_id[0] += 1
        return next_id[0]

    def delta(text: str, size_pt: float) -> str:
        ws = [f"{_char_w(ch) * size_pt:.3f}" for ch in text[:-1]]
        if not compress:
            return " ".join(ws)
        out: list[str] = []
        i = 0
        while i < len(ws):
            j = i
            while j < len(ws) and ws[j] == ws[i]:
                j += 1
            out.append(f"g {j - i} {ws[i]}" if j - i > 2 else " ".join(ws[i:j]))
            i = j
        return " ".join(out)

    def text_obj(x: float, y: float, size_pt: float, text: str, bold: bool) -> str:
        size = size_pt * MM_PER_PT
        w = _tw(text, size_pt)
        top = y - 0.88 * size
        dx = delta(text, size_pt)
        weight = ' Weight="700"' if bold else ""
        return (f'<ofd:TextObject ID="{nid()}" Boundary="{x:.3f} {top:.3f} {w + 0.5:.3f} '
                f'{size * 1.2:.3f}" Font="3" Size="{size:.3f}"{weight}>'
                f'<ofd:FillColor Value="0 0 0"/>'
                f'<ofd:TextCode X="0" Y="{0.88 * size:.3f}"'
                + (f' DeltaX="{dx}"' if dx else "")
                + f">{_xml_escape(text)}</ofd:TextCode></ofd:TextObject>")

    entries: list[tuple[str, bytes]] = []
    page_refs = []
    for n, ops in enumerate(pages):
        objs: list[str] = []
        for op in ops:
            if isinstance(op, TextOp):
                if per_char:
                    x = op.x
                    for ch in op.text:
                        if not ch.isspace():
                            objs.append(text_obj(x, op.y, op.size, ch, op.bold))
                        x += _char_w(ch) * op.size
                else:
                    objs.append(text_obj(op.x, op.y, op.size, op.text, op.bold))
            elif lines:
                bx, by = min(op.x1, op.x2), min(op.y1, op.y2)
                bw, bh = abs(op.x2 - op.x1), abs(op.y2 - op.y1)
                objs.append(
                    f'<ofd:PathObject ID="{nid()}" Boundary="{bx:.3f} {by:.3f} {bw:.3f} {bh:.3f}" '
                    f'LineWidth="{op.width:.2f}"><ofd:AbbreviatedData>M 0 0 L {bw:.3f} {bh:.3f}'
                    "</ofd:AbbreviatedData></ofd:PathObject>")
        if shuffle:
            rng.shuffle(objs)
        layer = f'<ofd:Layer ID="{nid()}">' + "".join(objs) + "</ofd:Layer>"
        content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="{_OFD_NS}">'
                   f"<ofd:Content>{layer}</ofd:Content></ofd:Page>")
        pid = nid()
        page_refs.append(f'<ofd:Page ID="{pid}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
        entries.append((f"Doc_0/Pages/Page_{n}/Content.xml", content.encode("utf-8")))
    font = rng.choice([("宋体", "宋体"), ("SimSun", "SimSun"), ("仿宋_GB2312", "仿宋")])
    public = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res xmlns:ofd="{_OFD_NS}" '
              f'BaseLoc="Res"><ofd:Fonts><ofd:Font ID="3" FontName="{font[0]}" '
              f'FamilyName="{font[1]}"/></ofd:Fonts></ofd:Res>')
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="{_OFD_NS}">'
        f"<ofd:CommonData><ofd:MaxUnitID>{next_id[0]}</ofd:MaxUnitID>"
        f"<ofd:PageArea><ofd:PhysicalBox>0 0 {setup.w:.0f} {setup.h:.0f}</ofd:PhysicalBox>"
        "</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{''.join(page_refs)}</ofd:Pages></ofd:Document>"
    )
    doc_id = hashlib.md5(f"{ctx.family}/{ctx.seed}".encode()).hexdigest()
    title = ctx.printed_title if not ctx.traditional else _opencc().convert(ctx.printed_title)
    ofd = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="{_OFD_NS}" Version="1.0" '
        'DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
        f"<ofd:DocID>{doc_id}</ofd:DocID><ofd:Title>{_xml_escape(title)}</ofd:Title>"
        f"<ofd:Author>{_xml_escape(ctx.body.office)}</ofd:Author>"
        f"<ofd:CreationDate>{ctx.published.isoformat()}</ofd:CreationDate>"
        "<ofd:Creator>OFD Writer</ofd:Creator></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    return _fixed_zip([("OFD.xml", ofd.encode("utf-8")),
                       ("Doc_0/Document.xml", document.encode("utf-8")),
                       ("Doc_0/PublicRes.xml", public.encode("utf-8")), *entries])


def _render_ofd(ctx: _Ctx) -> GeneratedReport:
    rng = ctx.rng
    model = _build_model(ctx, web=False)
    setup = _random_setup(rng)
    split = rng.random() < 0.5
    lay = _layout_pages(ctx, model, setup, own_page=not split, split=split)
    lay.finish(rng.choice(["dash", "of", "none"]), "")
    data = _ofd_bytes(ctx, lay.pages, setup)
    ctx.notes.append(f"{len(lay.pages)} pages")
    return _report(ctx, rng.choice(["report.ofd", f"{ctx.year}年度报告.ofd"]), rng.choice(
        ["application/ofd", "application/octet-stream"]), data)


# ---- scans --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _cjk_font_path() -> tuple[str, int]:
    candidates: list[str] = []
    fc = shutil.which("fc-match")
    if fc:
        try:
            out = subprocess.run([fc, "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True,
                                 text=True, timeout=20, check=False).stdout.strip()
            if out:
                candidates.append(out)
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                   "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"]
    from PIL import ImageFont

    for path in candidates:
        if not os.path.exists(path):
            continue
        for idx in range(10):
            try:
                f = ImageFont.truetype(path, 12, index=idx)
            except OSError:
                break
            if "SC" in " ".join(f.getname()):
                return path, idx
        try:
            ImageFont.truetype(path, 12)
            if path.lower().endswith((".ttc", ".otf", ".ttf")) and "cjk" in path.lower():
                return path, 0
        except OSError:
            continue
    raise RuntimeError("no CJK font found for scans: install fonts-noto-cjk")


@lru_cache(maxsize=64)
def _pil_font(px: int, bold: bool) -> Any:
    from PIL import ImageFont

    path, idx = _cjk_font_path()
    if bold:
        bpath = path.replace("Regular", "Bold")
        if os.path.exists(bpath):
            return ImageFont.truetype(bpath, px, index=idx)
    return ImageFont.truetype(path, px, index=idx)


def _raster(ops: list[Op], setup: _Setup, dpi: int, height_mm: float | None = None) -> Any:
    from PIL import Image, ImageDraw

    k = dpi / 25.4
    img = Image.new("L", (round(setup.w * k), round((height_mm or setup.h) * k)), 255)
    d = ImageDraw.Draw(img)
    for op in ops:
        if isinstance(op, LineOp):
            d.line([(op.x1 * k, op.y1 * k), (op.x2 * k, op.y2 * k)], fill=0,
                   width=max(1, round(op.width * k)))
        else:
            px = max(8, round(op.size / 72 * dpi))
            d.text((op.x * k, op.y * k), op.text, fill=0, font=_pil_font(px, op.bold), anchor="ls")
    return img


def _degrade(img: Any, rng: random.Random, notes: list[str]) -> Any:
    from PIL import Image, ImageDraw, ImageFilter

    angle = round(rng.uniform(-1.0, 1.0), 2)
    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    w, h = img.size
    d = ImageDraw.Draw(img)
    n = int(w * h * rng.uniform(0.0001, 0.0004))
    for _ in range(n):
        x, y, r = rng.randrange(w), rng.randrange(h), rng.choice([0, 0, 0, 1])
        d.ellipse([x - r, y - r, x + r, y + r], fill=rng.randint(40, 160))
    blur = round(rng.uniform(0.3, 0.7), 2)
    img = img.filter(ImageFilter.GaussianBlur(blur))
    tone = rng.randint(232, 250)
    img = img.point(lambda v: v * tone // 255)
    notes.append(f"scan: rotated {angle}°, {n} specks, blur {blur}, paper tone {tone}")
    return img


def _scan_model(ctx: _Ctx) -> tuple[Model, _Setup]:
    model = _build_model(ctx, web=False)
    setup = _random_setup(ctx.rng)
    setup.body_pt = ctx.rng.choice([11.0, 12.0])
    setup.table_pt = 9.0
    return model, setup


def _image_pdf(pages: list[tuple[bytes, int, int]], w_pt: float, h_pt: float,
               producer: str, created: str) -> bytes:
    """A minimal PDF of full-page grey JPEG images (DCTDecode), as scanners write them."""
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 3 * i} 0 R" for i in range(len(pages)))
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for i, (jpg, pw, ph) in enumerate(pages):
        content = f"q {w_pt:.2f} 0 0 {h_pt:.2f} 0 0 cm /Im0 Do Q".encode()
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w_pt:.2f} {h_pt:.2f}] "
            f"/Resources << /XObject << /Im0 {5 + 3 * i} 0 R >> >> /Contents {4 + 3 * i} 0 R >>"
            .encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objs.append(
            f"<< /Type /XObject /Subtype /Image /Width {pw} /Height {ph} /ColorSpace /DeviceGray "
            f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(jpg)} >>\nstream\n".encode()
            + jpg + b"\nendstream")
    objs.append(f"<< /Producer ({producer}) /CreationDate (D:{created}) >>".encode())
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info {len(objs)} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def _render_scan_pdf(ctx: _Ctx) -> GeneratedReport:
    rng = ctx.rng
    model, setup = _scan_model(ctx)
    lay = _layout_pages(ctx, model, setup, own_page=True)
    lay.finish(rng.choice(["dash", "none"]), "")
    dpi = 150
    pages = []
    for ops in lay.pages:
        img = _degrade(_raster(ops, setup, dpi), rng, ctx.notes)
        jb = io.BytesIO()
        img.save(jb, "JPEG", quality=rng.choice([70, 80, 85]))
        pages.append((jb.getvalue(), img.width, img.height))
    k = 72 / 25.4
    created = f"{ctx.published:%Y%m%d}{rng.randint(8, 17):02d}{rng.randint(0, 59):02d}00+08'00'"
    producer = rng.choice(["KONICA MINOLTA bizhub", "Canon iR-ADV Scan", "RICOH MP PDF"])
    data = _image_pdf(pages, setup.w * k, setup.h * k, producer, created)
    ctx.notes.append(f"{len(lay.pages)} scanned pages at {dpi} dpi")
    name = rng.choice(["scan.pdf", f"{ctx.year}年政府信息公开年报（扫描件）.pdf"])
    return _report(ctx, name, "application/pdf", data)


def _render_scan_image(ctx: _Ctx) -> GeneratedReport:
    rng = ctx.rng
    model, setup = _scan_model(ctx)
    setup.h = 3000.0
    setup.mb = 10.0
    lay = _layout_pages(ctx, model, setup, own_page=False)
    height = lay.y + 15.0
    dpi = rng.choice([150, 150, 200])
    img = _degrade(_raster(lay.pages[0], setup, dpi, height_mm=height), rng, ctx.notes)
    buf = io.BytesIO()
    if rng.random() < 0.5:
        img.save(buf, "PNG")
        name, ctype = "nianbao.png", "image/png"
    else:
        img.save(buf, "JPEG", quality=85)
        name, ctype = "nianbao.jpg", "image/jpeg"
    ctx.notes.append(f"one image {height:.0f} mm tall at {dpi} dpi")
    return _report(ctx, name, ctype, buf.getvalue())


# ---- DOCX / DOC ---------------------------------------------------------------------


def _docx_bytes(ctx: _Ctx) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    rng = ctx.rng
    model = _build_model(ctx, web=False)
    d = docx.Document()
    body_font = rng.choice(["仿宋_GB2312", "仿宋", "宋体"])
    body_pt = rng.choice([12, 14, 16])

    def run(par: Any, text: str, font: str, size: float, bold: bool = False) -> None:
        r = par.add_run(text)
        r.font.size = Pt(size)
        r.font.bold = bold
        r.font.name = font
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)

    def add_table(t: Table) -> None:
        from docx.table import _Cell

        tbl = d.add_table(rows=t.nrows, cols=t.ncols)
        tbl.style = "Table Grid"
        tbl.autofit = False
        total = sum(t.col_weights)
        widths = [Cm(15.5 * wt / total) for wt in t.col_weights]
        for gc, width in zip(tbl._tbl.tblGrid.gridCol_lst, widths, strict=True):
            gc.w = width
        trs = tbl._tbl.tr_lst
        for tr in trs:
            for tc, width in zip(tr.tc_lst, widths, strict=True):
                tc.width = width
        # right-to-left, so that a row's merges never shift the tc indexes still to be used
        for c in sorted(t.cells, key=lambda c: (-c.col, c.row)):
            cell = _Cell(trs[c.row].tc_lst[c.col], tbl)
            if c.rowspan > 1 or c.colspan > 1:
                far = _Cell(trs[c.row + c.rowspan - 1].tc_lst[c.col + c.colspan - 1], tbl)
                cell = cell.merge(far)
            par = cell.paragraphs[0]
            if c.kind in ("value", "header"):
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for j, piece in enumerate(c.text.split("\n")):
                if j:
                    par.add_run().add_break()
                if piece:
                    run(par, piece, "宋体", 10.5 if t.name != "reviews" else 9)

    split_mode = rng.choice(["full", "partial", "none"]) if rng.random() < 0.35 else None
    for blk in model.blocks:
        if isinstance(blk, Para):
            p = d.add_paragraph()
            role = blk.role
            if role in ("title", "docno"):
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif role == "sign":
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif role in ("body", "sub", "heading"):
                p.paragraph_format.first_line_indent = Pt(2 * body_pt)
            font = {"title": "方正小标宋简体", "heading": "黑体", "sub": "楷体_GB2312"}.get(
                role, body_font)
            run(p, blk.text, font, body_pt + (6 if role == "title" else 0), role == "title")
            continue
        if blk.name == "requests" and split_mode is not None:
            split_at = rng.randint(blk.header_rows + 3, blk.nrows - 3)
            a, b = _split_table(blk, split_at, split_mode, fill_text=rng.random() < 0.3)
            add_table(a)
            between = rng.choice(["", "（续表）", "三、收到和处理政府信息公开申请情况（续）"])
            p = d.add_paragraph()
            if between:
                run(p, between, body_font, body_pt)
            add_table(b)
            ctx.notes.append(f"docx: table 三 split into two tables at row {split_at}, "
                             f"header {split_mode}, paragraph {between!r}")
        else:
            add_table(blk)
    sec = d.sections[0]
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if rng.random() < 0.6:
        fld = OxmlElement("w:fldSimple")
        fld.set(qn("w:instr"), "PAGE")
        r = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = "1"
        r.append(t)
        fld.append(r)
        fp._p.append(fld)
    cp = d.core_properties
    fixed = _dt.datetime(ctx.published.year, ctx.published.month, ctx.published.day, 9, 0, 0)
    cp.created = fixed
    cp.modified = fixed
    cp.last_printed = fixed
    cp.author = ctx.body.office
    cp.last_modified_by = ctx.body.office
    cp.revision = 1
    cp.title = ""
    buf = io.BytesIO()
    d.save(buf)
    return _normalize_zip(buf.getvalue())


def _render_docx(ctx: _Ctx) -> GeneratedReport:
    data = _docx_bytes(ctx)
    name = ctx.rng.choice(["report.docx", f"{ctx.year}年政府信息公开工作年度报告.docx"])
    return _report(ctx, name, "application/vnd.openxmlformats-officedocument."
                   "wordprocessingml.document", data)


def _doc_cache_dir() -> Path:
    p = Path(tempfile.gettempdir()) / "nianbao-gen-doc-cache"
    p.mkdir(parents=True, exist_ok=True)
    return p


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        raise RuntimeError("the 'doc' family needs LibreOffice (soffice) to convert DOCX to "
                           "Word 97 .doc: apt-get install libreoffice-writer-nogui")
    return exe


def _convert_docs(blobs: list[bytes]) -> list[bytes]:
    """DOCX → DOC through LibreOffice, one soffice run for all uncached blobs."""
    cache = _doc_cache_dir()
    keys = [hashlib.sha256(b).hexdigest() for b in blobs]
    todo = {k: b for k, b in zip(keys, blobs, strict=True) if not (cache / f"{k}.doc").exists()}
    if todo:
        exe = _soffice()
        with tempfile.TemporaryDirectory(prefix="nianbao-gen-soffice-") as td:
            paths = []
            for k, b in todo.items():
                p = Path(td) / f"{k}.docx"
                p.write_bytes(b)
                paths.append(str(p))
            out = Path(td) / "out"
            profile = Path(td) / "profile"
            cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                   "--convert-to", "doc", "--outdir", str(out), *paths]
            proc = subprocess.run(cmd, capture_output=True, timeout=600, check=False)
            for k in todo:
                res = out / f"{k}.doc"
                if not res.exists():
                    raise RuntimeError(f"soffice failed to convert to .doc: "
                                       f"{proc.stderr.decode(errors='replace')[-500:]}")
                tmp = cache / f"{k}.doc.{os.getpid()}.tmp"
                tmp.write_bytes(res.read_bytes())
                os.replace(tmp, cache / f"{k}.doc")
    return [(cache / f"{k}.doc").read_bytes() for k in keys]


def _render_doc(ctx: _Ctx) -> GeneratedReport:
    docx_data = _docx_bytes(ctx)
    data = _convert_docs([docx_data])[0]
    ctx.notes.append("converted from DOCX by LibreOffice")
    name = ctx.rng.choice([f"{ctx.year}年报.doc", "report.doc",
                           f"{ctx.year}年政府信息公开工作年度报告.doc"])
    return _report(ctx, name, "application/msword", data)


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------

_RENDERERS: dict[str, Callable[[_Ctx], GeneratedReport]] = {
    "html_grid": _render_html_grid,
    "html_word": _render_html_word,
    "html_p_cells": _render_html_p_cells,
    "text_lines": _render_text_lines,
    "tab_rows": _render_tab_rows,
    "one_line_values": _render_one_line_values,
    "pdf_single": lambda c: _render_pdf(c, split=False),
    "pdf_split": lambda c: _render_pdf(c, split=True),
    "docx": _render_docx,
    "doc": _render_doc,
    "ofd": _render_ofd,
    "scan_pdf": _render_scan_pdf,
    "scan_image": _render_scan_image,
    "mirror_traditional": _render_mirror,
}


def generate(family: str, seed: int) -> GeneratedReport:
    """One report of the given layout family; the same (family, seed) gives the same bytes."""
    if family not in _RENDERERS:
        raise ValueError(f"unknown family {family!r}; choose from {FAMILIES}")
    return _RENDERERS[family](_make_ctx(family, seed))


def corpus(n_per_family: int, seed: int = 0) -> Iterator[GeneratedReport]:
    """n_per_family reports of every family (seeds seed*100000 + i)."""
    seeds = [seed * 100_000 + i for i in range(n_per_family)]
    for family in FAMILIES:
        if family == "doc" and (shutil.which("soffice") or shutil.which("libreoffice")):
            # convert the whole batch in one LibreOffice run; generate() then hits the cache
            _convert_docs([_docx_bytes(_make_ctx("doc", s)) for s in seeds])
        for s in seeds:
            yield generate(family, s)
