"""Generated report series for the bodies/series tests: HTML report pages built from a
cells dict (labels from ``parsers/forms.py``), with prose that is distinct unless a test
copies it on purpose, written as WARC exchanges of named portals or as saved files."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.archive.warcstore import NIANBAO_PORTAL, RotatingWarcWriter
from nianbao.parsers import forms

Key = tuple[str, str, str]
COLS = [c.key for c in forms.REQUEST_COLS]
GROUPED = (forms.DENIED, forms.UNAVAILABLE, forms.REJECTED, forms.OTHER)
WORDS = ("政务公开", "平台建设", "政策解读", "依申请公开", "信息发布", "回应关切", "基层政务", "标准化",
         "规范化", "数据开放", "办事指南", "便民服务", "监督考核", "培训", "栏目更新", "公开目录",
         "网站集约化", "新闻发布会", "在线访谈", "热线电话", "意见征集", "解读材料", "审核机制", "保密审查")


def prose(seed: int, sentences: int = 6) -> str:
    """Distinct sentences for one section (one seed, one text)."""
    rng = random.Random(seed)
    out = []
    for _ in range(sentences):
        words = rng.sample(WORDS, 5)
        out.append(f"本机关围绕{words[0]}和{words[1]}，推进{words[2]}，完善{words[3]}与{words[4]}工作"
                   f"{rng.randint(2, 90)}项")
    return "。".join(out) + "。"


def request_cells(seed: int, carried_over: list[int] | None = None, new: int | None = None,
                  zero: bool = False, fmt: str = "2021",
                  forward: list[int] | None = None) -> dict[Key, float]:
    """Table 三 that satisfies R1–R3: per applicant column, outcomes, carry-over and
    carry-forward; ``new`` fixes the total of new requests (spread over the columns)."""
    rng = random.Random(seed)
    outcomes = [t.key for t in forms.rows("requests", fmt) if t.group in (forms.RESULTS, *GROUPED)
                and t.key != "total"]
    cells: dict[Key, float] = {}
    spread = _spread(new, rng) if new is not None else None
    for i, col in enumerate(forms.APPLICANTS):
        carried = 0 if zero else (carried_over[i] if carried_over else rng.randint(0, 3))
        ahead = 0 if zero else (forward[i] if forward else rng.randint(0, 3))
        target = spread[i] if spread else rng.randint(5, 9)
        values = _parts(max(target + carried - ahead, 0), len(outcomes), rng)
        if zero:
            values = [0] * len(outcomes)
        for key, v in zip(outcomes, values, strict=True):
            cells[("requests", key, col)] = v
        total = sum(values)
        cells.update({("requests", "total", col): total, ("requests", "carried_over", col): carried,
                      ("requests", "carried_forward", col): ahead,
                      ("requests", "new_received", col): total + ahead - carried})
    for key in {k[1] for k in cells}:
        cells[("requests", key, "total")] = sum(cells[("requests", key, c)] for c in forms.APPLICANTS)
    return cells


def _spread(total: int, rng: random.Random) -> list[int]:
    base = [total // 6] * 6
    base[0] += total - sum(base)
    return base


def _parts(total: int, n: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(3))
    pieces = [cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], total - cuts[2]]
    out = [0] * n
    for piece, at in zip(pieces, rng.sample(range(n), 4), strict=True):
        out[at] += piece
    return out


def review_cells(seed: int, zero: bool = False) -> dict[Key, float]:
    rng = random.Random(seed)
    cells = {}
    for row in (r.key for r in forms.REVIEW_ROWS):
        parts = [0 if zero else rng.randint(0, 4) for _ in range(4)]
        for col, v in zip(("upheld", "corrected", "other", "pending"), parts, strict=True):
            cells[("reviews", row, col)] = v
        cells[("reviews", row, "total")] = sum(parts)
    return cells


def proactive_cells(fmt: str, seed: int, previous: dict[Key, float] | None = None,
                    break_rule: str | None = None) -> dict[Key, float]:
    """Table 二, following last year's (Y1/Y2) unless ``break_rule`` names a row to break."""
    rng = random.Random(seed)
    cells: dict[Key, float] = {}
    for term in forms.rows("proactive", fmt):
        for col in term.cols:
            cells[("proactive", term.key, col)] = rng.randint(1, 60)
    for row in ("rules", "normative_docs"):
        if fmt == "2019":
            cells[("proactive", row, "total_published")] += cells[("proactive", row, "new_published")]
        elif previous and ("proactive", row, "in_force") in previous:
            cells[("proactive", row, "repealed")] = min(cells[("proactive", row, "repealed")],
                                                        cells[("proactive", row, "issued")])
            cells[("proactive", row, "in_force")] = (previous[("proactive", row, "in_force")]
                                                     + cells[("proactive", row, "issued")]
                                                     - cells[("proactive", row, "repealed")])
    if fmt == "2019" and previous:
        for term in forms.rows("proactive", "2019"):
            if "prior_items" in term.cols:
                cells[("proactive", term.key, "prior_items")] = (
                    previous[("proactive", term.key, "prior_items")]
                    + previous[("proactive", term.key, "change")])
    if break_rule:
        col = "in_force" if fmt == "2021" else "prior_items"
        cells[("proactive", break_rule, col)] += 7
    return cells


@dataclass
class Gen:
    agency: str
    year: int
    fmt: str
    cells: dict[Key, float]
    overview: str
    problems: str
    published: str = ""
    signature: str = ""  # 落款 (defaults to the agency)
    url: str = ""
    portal: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"


def _td(text, **span) -> str:
    attrs = "".join(f' {k}="{v}"' for k, v in span.items())
    return f"<td{attrs}>{text}</td>"


def _n(v: float) -> str:
    return f"{int(v):+d}" if v < 0 else f"{v:g}"


def proactive_table(g: Gen) -> str:
    rows, groups = [], {}
    for term in forms.rows("proactive", g.fmt):
        groups.setdefault((term.group, term.cols), []).append(term)
    for (group, cols), terms in groups.items():
        rows.append("<tr>" + _td(group, colspan=4) + "</tr>")
        span = {"colspan": 4 - len(cols)} if len(cols) < 3 else {}
        rows.append("<tr>" + _td("信息内容") + "".join(
            _td(forms.label("proactive", "col", c), **span) for c in cols) + "</tr>")
        for t in terms:
            rows.append("<tr>" + _td(t.zh) + "".join(
                _td(_n(g.cells[("proactive", t.key, c)]), **span) for c in cols) + "</tr>")
    return "<table border='1'>" + "".join(rows) + "</table>"


def requests_table(g: Gen) -> str:
    labels = [c.zh for c in forms.REQUEST_COLS]
    rows = ["<tr>" + _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", colspan=3,
                         rowspan=3) + _td("申请人情况", colspan=7) + "</tr>",
            "<tr>" + _td(labels[0], rowspan=2) + _td(forms.APPLICANT_COLS[1].group, colspan=5)
            + _td(labels[-1], rowspan=2) + "</tr>",
            "<tr>" + "".join(_td(x) for x in labels[1:6]) + "</tr>"]
    for term in forms.rows("requests", g.fmt):
        label = (term.group + term.zh) if term.group in GROUPED else term.zh
        rows.append("<tr>" + _td(label, colspan=3) + "".join(
            _td(_n(g.cells[("requests", term.key, c)])) for c in COLS) + "</tr>")
    return "<table border='1'>" + "".join(rows) + "</table>"


def reviews_table(g: Gen) -> str:
    labels = [c.zh for c in forms.REVIEW_COLS]
    rows = ["<tr>" + _td(forms.REVIEW_ROWS[0].zh, colspan=5) + _td(forms.REVIEW_ROWS[1].group,
                                                                  colspan=10) + "</tr>",
            "<tr>" + "".join(_td(x, rowspan=2) for x in labels)
            + "".join(_td(r.zh, colspan=5) for r in forms.REVIEW_ROWS[1:]) + "</tr>",
            "<tr>" + "".join(_td(x) for x in labels * 2) + "</tr>",
            "<tr>" + "".join(_td(_n(g.cells[("reviews", r.key, c.key)]))
                             for r in forms.REVIEW_ROWS for c in forms.REVIEW_COLS) + "</tr>"]
    return "<table border='1'>" + "".join(rows) + "</table>"


def page(g: Gen) -> bytes:
    heads = [h for _, h, _ in forms.SECTIONS]
    body = f"""<p>{g.title}</p>
<p>本报告数据统计期限为{g.year}年1月1日至{g.year}年12月31日。</p>
<p>{heads[0]}</p><p>{g.overview}</p>
<p>{heads[1]}</p>{proactive_table(g)}
<p>{heads[2]}</p>{requests_table(g)}
<p>{heads[3]}</p>{reviews_table(g)}
<p>{heads[4]}</p><p>{g.problems}</p>
<p>{heads[5]}</p><p>无。</p>
<p>{g.signature or g.agency}</p><p>{g.published}</p>"""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"/>
<meta name="ArticleTitle" content="{g.title}"/><meta name="PubDate" content="{g.published} 09:00"/>
<title>{g.title}</title></head><body><div class="article">
<div class="info">发布时间：{g.published}</div><div class="TRS_Editor">{body}</div></div>
</body></html>""".encode()


def write_warc(directory: Path, reports: list[Gen]) -> None:
    """Each report as a fetched page of its portal (``Nianbao-Portal``), in list order."""
    writer = RotatingWarcWriter(directory)
    for g in reports:
        extra = {NIANBAO_PORTAL: g.portal} if g.portal else {}
        writer.write_exchange(g.url, "GET", [("User-Agent", "test")], 200, "OK",
                              [("Content-Type", "text/html; charset=utf-8")], page(g), extra)
    writer.close()


def write_files(directory: Path, reports: list[Gen]) -> None:
    for i, g in enumerate(reports):
        (directory / f"{i:03d}.html").write_bytes(page(g))
