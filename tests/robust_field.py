"""A field of generated reports mixing every noise of issue 9, measured per layout family.

    .venv/bin/python -m tests.robust_field [COUNT] [FIRST_SEED]

Each document draws a layout family, a format, blank rows and a blank 总计 column, label
typos, a garbled label and a title form from its seed; the numbers are distinct and
obey R1–R4. Prints, per family, the share of cells read right, the cells read wrong
(a value other than the printed one; NULL with a flag is not wrong) and agencies right.
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass

from nianbao.parsers import forms
from nianbao.parsers.extract import from_docx, from_html, from_pdf, from_text
from nianbao.parsers.report import Report, parse_report
from tests import robust_docs as rd

FAMILIES = ("pdf-split", "pdf-auto", "pdf-unruled", "docx-split", "html-nested", "html-flat",
            "html-joined", "text-lines", "text-tabs", "text-oneline", "text-inline", "p-html")
TITLES = ("{a}{y}年政府信息公开工作年度报告", "{a}关于{y}年政府信息公开工作年度报告",
          "{a}{y}年度政府信息公开工作年度报告", "{y}年{a}政府信息公开工作年度报告",
          "关于{a}的{y}年度政府信息公开工作年度报告")
AGENCIES = ("柳宁市太江县人民政府", "柳宁市太江县应急管理局", "太江县石门镇人民政府", "柳宁市教育局",
            "太江县东城街道办事处")
TYPOS = ("drop", "swap", "extra", "spaces", "ascii")


@dataclass
class FieldDoc:
    family: str
    fmt: str
    agency: str
    expected: dict
    kind: str
    body: bytes

    def parse(self) -> Report:
        if self.kind == "pdf":
            return parse_report(from_pdf(self.body))
        if self.kind == "docx":
            return parse_report(from_docx(self.body))
        if self.kind == "html":
            return parse_report(from_html(self.body.decode()))
        return parse_report(from_text(self.body.decode()))


def _labels(rng: random.Random, keys: list[str], seed: int):
    victims = {k: rng.choice(TYPOS) for k in rng.sample(keys, rng.choice([0, 1, 2, 4]))}
    garbled = set(rng.sample(keys, 1)) if rng.random() < 0.15 else set()

    def label(key: str, text: str) -> str:
        if key in garbled:
            return "□□□"
        if key in victims:
            return rd.typo(text, random.Random(f"{key}{seed}"), victims[key])
        return text
    return label


def field_doc(seed: int) -> FieldDoc:
    rng = random.Random(seed)
    family = FAMILIES[seed % len(FAMILIES)]
    fmt = rng.choice(["2019", "2021"])
    year = 2020 if fmt == "2019" else rng.choice([2021, 2022, 2023])
    nums = rd.numbers(seed, fmt)
    keys = [r.key for r in forms.rows("requests", fmt)]
    blanks = tuple(rng.sample([k for k in keys if k in forms.OUTCOMES], rng.choice([0, 0, 1, 2, 3])))
    total_column = rng.random() < 0.2
    if blanks or total_column:
        nums = rd.with_blanks(nums, fmt, blanks, total_column)
    label = _labels(rng, keys, seed)
    agency = rng.choice(AGENCIES)
    title = rng.choice(TITLES).format(a=agency, y=year)
    nested, split = rng.random() < 0.6, rng.randint(3, 20)
    kind, body = _render(family, rng, nums, fmt, year, agency, label, title, nested, split)
    return FieldDoc(family, fmt, agency, rd.expected_cells(nums, fmt), kind, body)


def _render(family, rng, nums, fmt, year, agency, label, title, nested, split):
    if family.startswith("pdf"):
        unruled = family == "pdf-unruled"
        auto = family == "pdf-auto"
        return "pdf", rd.pdf_report(
            nums, fmt, year, agency, None if auto else split,
            rng.choice(["repeat", "none"] if auto else ["repeat", "partial", "none"]),
            rng.choice(["dash", "of"]), nested and not auto, rng.choice([None, agency]),
            wrap=200 if unruled else 24, filler=rng.randint(0, 15), ruled=not unruled,
            wrap_at=110 if unruled else None, label=label, title=title,
            split_all=rng.random() < 0.3)
    if family == "docx-split":
        return "docx", rd.docx_report(nums, fmt, year, agency, split,
                                      rng.choice(["repeat", "none"]), nested, label, title)
    if family.startswith("html"):
        return "html", rd.html_report(nums, fmt, year, agency, family != "html-flat", label,
                                      family == "html-joined", title=title)
    if family == "p-html":
        text = rd.text_report(nums, fmt, year, agency, rng.choice(["lines", "oneline"]),
                              nested, label, title)
        html = "<html><body>" + "".join(f"<p>{x}</p>" for x in text.splitlines()) + "</body></html>"
        return "html", html.encode()
    return "text", rd.text_report(nums, fmt, year, agency, family[5:], nested, label,
                                  title).encode()


def score(doc: FieldDoc, report: Report) -> tuple[int, int, int]:
    """(cells right, cells wrong, cells expected)."""
    got = {(c.table, c.row_key, c.col_key): c.value for c in report.cells}
    right = wrong = 0
    for key, want in doc.expected.items():
        value = got.get(key)
        if value == want or (value is not None and want is not None and abs(value - want) < 1e-6):
            right += 1
        elif value is not None:
            wrong += 1
    return right, wrong, len(doc.expected)


def main(count: int = 240, first: int = 0) -> None:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    start = time.time()
    for seed in range(first, first + count):
        doc = field_doc(seed)
        report = doc.parse()
        right, wrong, cells = score(doc, report)
        t = totals[doc.family]
        for i, n in enumerate((1, right, wrong, cells, report.agency == doc.agency)):
            t[i] += n
    for family in FAMILIES:
        docs, right, wrong, cells, agency = totals[family]
        print(f"{family:13s} docs {docs:4d}  cells {right}/{cells} = {100 * right / max(cells, 1):6.2f}%"
              f"  wrong {wrong}  agency {agency}/{docs}")
    docs, right, wrong, cells, agency = (sum(t[i] for t in totals.values()) for i in range(5))
    print(f"{'all':13s} docs {docs:4d}  cells {right}/{cells} = {100 * right / max(cells, 1):6.2f}%"
          f"  wrong {wrong}  agency {agency}/{docs}  ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main(*(int(x) for x in sys.argv[1:3]))
