"""Across reports: each body's series over the years and its siblings in the same year.

Run after every ingest (``Ingestor.refresh_cross_year``); everything here is derived
again from the database, so the same database gives the same rows.

* bodies for reports that have none yet (older databases),
* the cross-year rules in ``checks``: ``carry_over`` (table 三), ``Y1`` (2021 table 二:
  现行有效件数), ``Y2`` (2019 table 二: 上一年项目数量) — keyed on the body, never the name,
* ``flags``: copied prose (MinHash/LSH, then exact) against the body's previous year and
  its siblings of the same year and region, tables identical to last year's, anomalies,
* ``rules``: every rule's name and what it means, for Datasette.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from operator import itemgetter

import numpy as np
import sqlite_utils

from ..parsers import forms
from ..parsers.checks import RULES as REPORT_RULES
from ..parsers.checks import Check
from ..parsers.rules import DOC_ROWS, ITEM_ROWS
from .bodies import assign_body

# -- thresholds, named once -------------------------------------------------------------
COPY_SIMILARITY = 0.9  # share of 5-character shingles two sections have in common (Jaccard)
COPY_SECTIONS = {1: "总体情况", 5: "存在的主要问题及改进情况"}
MIN_COPY_CHARS = 50  # shorter sections ("无") are not compared
SHINGLE = 5
NUM_PERM = 128
LSH_THRESHOLD = 0.8  # LSH finds candidates from here; each is verified exactly
# datasketch's MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM) bands (its optimum
# is found by integrating with scipy, whose import alone cost a rebuild a second)
LSH_BANDS, LSH_ROWS = 9, 13
ESTIMATE_MARGIN = 0.15  # a MinHash estimate this far below COPY_SIMILARITY is not verified
MAX_SIBLING_FLAGS = 5  # per section: the closest siblings only
MIN_PASSAGE_CHARS = 12
MAX_PASSAGES = 5
YOY_MAD_Z = 3.5  # robust z-score of the log change in requests received
YOY_MIN_FACTOR = 3.0  # …and at least a tripling (or a drop to a third)
YOY_MIN_CHANGE = 20  # …and at least this many requests either way
MAD_SCALE = 1.4826  # MAD → standard deviation for normal data
CROSS_YEAR = ("carry_over", "Y1", "Y2")

EXPLANATIONS = {
    "carry_over": ("cross_year", "本年表三“二、上年结转政府信息公开申请数量”（总计）应等于同一机关上一年度报告的"
                   "“四、结转下年度继续办理”（总计）。只在档案里有同一机关上一年报告时检查；"
                   "机关按地区和规范名称识别，不只看印出的名称。"),
    "Y1": ("cross_year", "2021 版表二：本年“现行有效件数”应等于同一机关上一年的“现行有效件数”加本年“制发件数”"
           "减本年“废止件数”（规章、行政规范性文件各一条）。上一年是 2019 版表格时无法检查。"),
    "Y2": ("cross_year", "2019 版表二：本年“上一年项目数量”应等于同一机关上一年报告的“上一年项目数量”加"
           "“本年增/减”（许可、处罚、强制、收费等各一条）。"),
    "copy_last_year": ("flag", f"“总体情况”或“存在的主要问题及改进情况”与同一机关上一年报告的同一部分有 "
                       f"{COPY_SIMILARITY:.0%} 以上相同（按 {SHINGLE} 字片段计，数字不计），列出相同的段落。"),
    "copy_sibling": ("flag", f"同一年、同一地区（县级以上）另一机关的报告，这一部分有 {COPY_SIMILARITY:.0%} 以上相同；"
                     f"每部分最多列 {MAX_SIBLING_FLAGS} 个最相近的。"),
    "copy_tables": ("flag", "表格与同一机关上一年报告的同一表格每个单元格都相同（全为零的表格不算）。"),
    "yoy_requests": ("flag", f"本年新收申请数与同一机关上一年相比变化异常：对数变化偏离全档案中位数超过 "
                     f"{YOY_MAD_Z} 个稳健标准差（中位数绝对偏差×{MAD_SCALE}），且至少变为 {YOY_MIN_FACTOR:g} 倍"
                     f"或 1/{YOY_MIN_FACTOR:g}，相差至少 {YOY_MIN_CHANGE} 件。"),
    "zero_tables": ("flag", "表格全部为零，正文却写明了非零的申请数或复议、诉讼数。"),
    "published_early": ("flag", "发布日期早于报告年度结束（12 月 31 日之前），年度数据不可能完整；也可能是日期或年度读错。"),
}


# -- rules --------------------------------------------------------------------------------


def rule_rows() -> list[dict]:
    """Every rule: the report rules of ``parsers/checks.py`` (and ``parsers/rules.py``),
    the cross-year rules and the flags."""
    rows = [{"rule": r.name, "kind": "report", "about": r.about} for r in REPORT_RULES]
    rows += [{"rule": name, "kind": kind, "about": about}
             for name, (kind, about) in EXPLANATIONS.items()]
    return rows


VIEWS = {
    "checks_explained": """select c.report_id, c.rule, c.status, c.detail, u.kind, u.about
        from checks c left join rules u on u.rule = (case when instr(c.rule, ':') > 0
             then substr(c.rule, 1, instr(c.rule, ':') - 1) else c.rule end)""",
    "flags_explained": """select f.report_id, r.body_id, r.year, f.rule, f.subject,
        f.other_report_id, f.score, f.detail, f.evidence, u.about
        from flags f join reports r on r.id = f.report_id left join rules u on u.rule = f.rule""",
}


def _rules_and_views(db: sqlite_utils.Database) -> None:
    rows = rule_rows()
    if [dict(r) for r in db.query("select * from rules order by rowid")] != rows:
        db["rules"].delete_where()
        db["rules"].insert_all(rows, pk="rule", replace=True)
    for name, sql in VIEWS.items():
        db.execute(f"create view if not exists {name} as {sql}")


# -- refresh ------------------------------------------------------------------------------


def refresh(db: sqlite_utils.Database) -> None:
    """Everything across reports, derived again (one transaction)."""
    with db.atomic():
        _rules_and_views(db)
        backfill_bodies(db)
        reports = _reports(db)
        _cross_year(db, reports)
        db["flags"].delete_where()
        db["flags"].insert_all(_all_flags(db, reports), pk=("report_id", "rule", "subject"),
                               replace=True)


def backfill_bodies(db: sqlite_utils.Database) -> None:
    """Bodies for reports stored before bodies existed; each body's report count."""
    rows = list(db.query("""select r.id, r.agency, r.title, r.region, r.year, r.portal, r.url,
                                   t.text from reports r left join report_texts t on t.report_id = r.id
                            where r.body_id is null and r.agency is not null order by r.id"""))
    for r in rows:
        body = assign_body(db, agency=r["agency"], title=r["title"], text=r["text"],
                           year=r["year"], portal_region=r["region"], portal=r["portal"],
                           url=r["url"])
        db["reports"].update(r["id"], {"body_id": body})
    db.execute("""update bodies set reports = (select count(*) from reports r
                  where r.body_id = bodies.id)""")


@dataclass
class Rep:
    id: int
    body: int | None
    year: int | None
    format: str | None
    published: str | None
    cells: dict[tuple[str, str, str], float | None]


_CROSS_CELLS = """(c."table" = 'requests' and c.col_key = 'total'
                   and c.row_key in ('carried_over', 'carried_forward', 'new_received'))
               or (c."table" = 'proactive' and c.col_key in
                   ('in_force', 'issued', 'repealed', 'prior_items', 'change'))"""


def _reports(db: sqlite_utils.Database) -> dict[int, Rep]:
    reps = {r["id"]: Rep(r["id"], r["body_id"], r["year"], r["format"], r["published"], {})
            for r in db.query("select id, body_id, year, format, published from reports order by id")}
    for c in db.query(f"""select c.report_id, c."table", c.row_key, c.col_key, c.value
                          from cells c where {_CROSS_CELLS}"""):
        reps[c["report_id"]].cells[(c["table"], c["row_key"], c["col_key"])] = c["value"]
    return reps


def by_body_year(reports: Iterable[Rep]) -> dict[tuple[int, int], list[Rep]]:
    out: dict[tuple[int, int], list[Rep]] = defaultdict(list)
    for r in reports:
        if r.body is not None and r.year is not None:
            out[(r.body, r.year)].append(r)
    return out


def _previous(index: dict[tuple[int, int], list[Rep]], r: Rep) -> list[Rep]:
    if r.body is None or r.year is None:
        return []
    return index.get((r.body, r.year - 1), [])


# -- cross-year rules ---------------------------------------------------------------------


def _fmt(v: float | None) -> str:
    return "空" if v is None else f"{v:g}"


def _equal(left: float | None, right: float | None) -> str:
    if left is None or right is None:
        return "n/a"
    return "pass" if abs(left - right) < 1e-9 else "fail"


def carry_over(r: Rep, p: Rep) -> list[Check]:
    here = r.cells.get(("requests", "carried_over", "total"))
    there = p.cells.get(("requests", "carried_forward", "total"))
    detail = f"上年结转 {_fmt(here)}; {p.year}年报告（编号 {p.id}）结转下年 {_fmt(there)}"
    if p.format == "legacy":
        return [Check("carry_over", "n/a", f"{p.year}年报告（编号 {p.id}）为旧格式，没有结转数")]
    return [Check("carry_over", _equal(here, there), detail)]


def in_force(r: Rep, p: Rep) -> list[Check]:
    """Y1: this year's 现行有效件数 = last year's + 制发 − 废止 (2021 format)."""
    out = []
    for row in DOC_ROWS:
        label = forms.label("proactive", "row", row)
        if p.format != "2021":
            out.append(Check(f"Y1:{row}", "n/a", f"{label}: {p.year}年报告（编号 {p.id}）"
                             f"为{p.format}格式，没有现行有效件数"))
            continue
        now, issued, repealed = (r.cells.get(("proactive", row, c))
                                 for c in ("in_force", "issued", "repealed"))
        before = p.cells.get(("proactive", row, "in_force"))
        values = [now, issued, repealed, before]
        expected = None if None in values else before + issued - repealed
        out.append(Check(f"Y1:{row}", _equal(now, expected),
                         f"{label}: 上年现行有效 {_fmt(before)} + 制发 {_fmt(issued)} − 废止 "
                         f"{_fmt(repealed)} = {_fmt(expected)}; 本年现行有效 {_fmt(now)}"))
    return out


def prior_items(r: Rep, p: Rep) -> list[Check]:
    """Y2: this year's 上一年项目数量 = last year's 上一年项目数量 + 本年增/减 (2019 format)."""
    out = []
    for row in ITEM_ROWS:
        label = forms.label("proactive", "row", row)
        if p.format != "2019":
            out.append(Check(f"Y2:{row}", "n/a", f"{label}: {p.year}年报告（编号 {p.id}）"
                             f"为{p.format}格式，没有项目数量"))
            continue
        now = r.cells.get(("proactive", row, "prior_items"))
        before, change = (p.cells.get(("proactive", row, c)) for c in ("prior_items", "change"))
        expected = None if before is None or change is None else before + change
        out.append(Check(f"Y2:{row}", _equal(now, expected),
                         f"{label}: {p.year}年 上一年项目 {_fmt(before)} + 增减 {_fmt(change)} = "
                         f"{_fmt(expected)}; 本年上一年项目 {_fmt(now)}"))
    return out


def cross_year_checks(r: Rep, previous: list[Rep]) -> list[Check]:
    """The cross-year rules that apply to ``r``, given the body's reports of the year
    before; a rule that cannot be evaluated says why."""
    if r.format not in ("2019", "2021"):
        return []
    rules = [carry_over] + ([in_force] if r.format == "2021" else [prior_items])
    if r.body is None:
        return [Check("carry_over", "n/a", "报告未写明发布机关，无法找到上一年报告")]
    if not previous:
        return []
    if len(previous) > 1:
        ids = "、".join(str(p.id) for p in previous)
        why = f"本机关{r.year - 1}年有{len(previous)}份报告（编号 {ids}），无法确定对照哪一份"
        names = ["carry_over"] + [f"{'Y1' if r.format == '2021' else 'Y2'}:{row}"
                                  for row in (DOC_ROWS if r.format == "2021" else ITEM_ROWS)]
        return [Check(n, "n/a", why) for n in names]
    return [c for rule in rules for c in rule(r, previous[0])]


def _cross_year(db: sqlite_utils.Database, reports: dict[int, Rep]) -> None:
    index = by_body_year(reports.values())
    db.execute("delete from checks where rule = 'carry_over' or rule like 'Y1:%' "
               "or rule like 'Y2:%'")
    db["checks"].insert_all(
        ({"report_id": r.id, "rule": c.rule, "status": c.status, "detail": c.detail}
         for r in reports.values() for c in cross_year_checks(r, _previous(index, r))),
        pk=("report_id", "rule"), replace=True)


# -- copies -------------------------------------------------------------------------------


@dataclass
class SectionText:
    report_id: int
    body: int | None
    year: int | None
    group: str | None  # siblings share it (``Place.group``)
    number: int
    text: str


@dataclass(frozen=True)
class Flag:
    report_id: int
    rule: str
    subject: str
    other_report_id: int | None
    score: float | None
    detail: str
    evidence: str | None = None

    def row(self) -> dict:
        return dict(self.__dict__)


_DROP = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")
_DIGIT = re.compile(r"[1-9]")
_SENTENCE = re.compile(r"[。；;！!？?\n]+")
_MASK32 = np.uint64(0xFFFFFFFF)
_PRIME = np.uint64(1_000_003)


def normalise(text: str) -> str:
    """Only the words and figures: punctuation and spaces dropped."""
    return _DROP.sub("", text)


def _sentence_key(text: str) -> str:
    """A sentence as compared: its words, every digit read as 0."""
    return _DIGIT.sub("0", normalise(text))


def shingle_hashes(norm: str) -> np.ndarray:
    """A hash of every ``SHINGLE``-character run, every digit read as 0 (uint32, repeats
    kept): a copy whose figures were updated is still a copy."""
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    codes[(codes > 48) & (codes <= 57)] = 48
    n = len(codes) - SHINGLE + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint32)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(SHINGLE):
        h = h * _PRIME + codes[j:j + n]
    h ^= h >> np.uint64(29)
    return ((h ^ (h >> np.uint64(32))) & _MASK32).astype(np.uint32)


def shingles(norm: str) -> np.ndarray:
    """The distinct shingle hashes (sorted), for exact Jaccard similarity."""
    return np.unique(shingle_hashes(norm))


@cache
def _raw_permutations() -> np.ndarray:
    """datasketch's ``MinHash(num_perm=NUM_PERM, seed=1).permutations`` (affine32: odd a)."""
    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return np.array([a, b])


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finaliser, as datasketch mixes each value before permuting it."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signature(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature datasketch's ``update_batch`` gives these hashes (affine32:
    a·fmix(h) + b mod 2³²), computed for all of them at once."""
    a, b = _raw_permutations()
    sig = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
    mixed = _fmix32(hashes.astype(np.uint32))
    for start in range(0, len(mixed), 4096):
        chunk = mixed[start:start + 4096][:, None]
        sig = np.minimum(sig, (chunk * a + b).min(axis=0))
    return sig


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) or not len(b):
        return 0.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (len(a) + len(b) - common)


def passages(text: str, other: str) -> list[str]:
    """Sentences of ``text`` printed again in ``other`` (digits aside), longest first."""
    theirs = {_sentence_key(s) for s in _SENTENCE.split(other)}
    same = [s.strip() for s in _SENTENCE.split(text)
            if len(key := _sentence_key(s)) >= MIN_PASSAGE_CHARS and key in theirs]
    return sorted(dict.fromkeys(same), key=lambda s: (-len(s), s))[:MAX_PASSAGES]


class Sketches:
    """Per section: its normalised text and MinHash signature (the shingles are made again
    only for the pairs that need an exact answer)."""

    def __init__(self, sections: Iterable[SectionText]):
        self.items: dict[tuple[int, int], SectionText] = {}
        self.norms: dict[tuple[int, int], str] = {}
        self.sigs: dict[tuple[int, int], np.ndarray] = {}
        for s in sections:
            norm = normalise(s.text)
            if len(norm) >= MIN_COPY_CHARS:
                key = (s.report_id, s.number)
                self.items[key], self.norms[key] = s, norm
                self.sigs[key] = signature(shingle_hashes(norm))

    def estimate(self, a: tuple[int, int], b: tuple[int, int]) -> float:
        return float(np.mean(self.sigs[a] == self.sigs[b]))

    def exact(self, a: tuple[int, int], b: tuple[int, int]) -> float:
        if self.estimate(a, b) < COPY_SIMILARITY - ESTIMATE_MARGIN:
            return 0.0
        return jaccard(shingles(self.norms[a]), shingles(self.norms[b]))


def _copy_flag(rule: str, s: SectionText, o: SectionText, score: float, subject: str,
               what: str) -> Flag:
    found = passages(s.text, o.text)
    detail = (f"“{COPY_SECTIONS[s.number]}”与{what}（编号 {o.report_id}）{score:.0%} 相同；"
              f"{len(found)} 段原样重复")
    evidence = json.dumps({"passages": found}, ensure_ascii=False)
    return Flag(s.report_id, rule, subject, o.report_id, round(score, 4), detail, evidence)


def last_year_copies(sk: Sketches) -> Iterator[Flag]:
    """copy_last_year: a section ≥ COPY_SIMILARITY the same as the body's previous year's."""
    index: dict[tuple[int, int, int], list[tuple[int, int]]] = defaultdict(list)
    for key, s in sk.items.items():
        if s.body is not None and s.year is not None:
            index[(s.body, s.year, s.number)].append(key)
    for key in sorted(sk.items):
        s = sk.items[key]
        if s.body is None or s.year is None:
            continue
        for other in sorted(index.get((s.body, s.year - 1, s.number), [])):
            score = sk.exact(key, other)
            if score >= COPY_SIMILARITY:
                yield _copy_flag("copy_last_year", s, sk.items[other], score,
                                 f"section:{s.number}:{other[0]}", f"本机关{s.year - 1}年报告")


def _bands(sig: np.ndarray) -> list[bytes]:
    return [sig[i * LSH_ROWS:(i + 1) * LSH_ROWS].tobytes() for i in range(LSH_BANDS)]


def _sibling_pairs(sk: Sketches, members: list[tuple[int, int]]) -> Iterator[tuple]:
    """Candidate pairs of one (year, region, section) group via LSH (sections sharing a
    band of their signature), verified exactly."""
    bands = {key: _bands(sk.sigs[key]) for key in members}
    buckets: dict[tuple[int, bytes], list[tuple[int, int]]] = defaultdict(list)
    for key in members:
        for i, band in enumerate(bands[key]):
            buckets[(i, band)].append(key)
    for key in members:
        candidates = {o for i, band in enumerate(bands[key]) for o in buckets[(i, band)]}
        for other in sorted(candidates):
            if other > key and sk.items[other].body != sk.items[key].body:
                score = sk.exact(key, other)
                if score >= COPY_SIMILARITY:
                    yield key, other, score


def sibling_copies(sk: Sketches) -> Iterator[Flag]:
    """copy_sibling: the same section of another body of the same year and region."""
    groups: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for key, s in sk.items.items():
        if s.group is not None and s.year is not None:
            groups[(s.year, s.group, s.number)].append(key)
    found: dict[tuple[int, int], list[tuple[float, tuple[int, int]]]] = defaultdict(list)
    for _, members in sorted(groups.items()):
        if len(members) > 1:
            for a, b, score in _sibling_pairs(sk, sorted(members)):
                found[a].append((score, b))
                found[b].append((score, a))
    for key in sorted(found):
        s = sk.items[key]
        for score, other in sorted(found[key], key=lambda x: (-x[0], x[1]))[:MAX_SIBLING_FLAGS]:
            yield _copy_flag("copy_sibling", s, sk.items[other], score,
                             f"section:{s.number}:{other[0]}", "同年同地区另一机关的报告")


def find_copies(sections: Iterable[SectionText]) -> list[Flag]:
    """Copied prose: against the body's previous year and against siblings."""
    sk = Sketches(sections)
    return [*last_year_copies(sk), *sibling_copies(sk)]


def _sections(db: sqlite_utils.Database) -> Iterator[SectionText]:
    numbers = ", ".join(str(n) for n in COPY_SECTIONS)
    for r in db.query(f"""select s.report_id, s.number, s.text, r.body_id, r.year, b.region_group
                          from sections s join reports r on r.id = s.report_id
                          left join bodies b on b.id = r.body_id
                          where s.number in ({numbers}) order by s.report_id, s.number"""):
        yield SectionText(r["report_id"], r["body_id"], r["year"], r["region_group"],
                          r["number"], r["text"] or "")


# -- tables: identical to last year's, all zero -------------------------------------------


@dataclass
class TableSum:
    digest: str  # of every (row, column, value): equal digests, equal tables
    values: int
    nonzero: int


def table_sums(db: sqlite_utils.Database) -> dict[tuple[int, str], TableSum]:
    """Per (report, table): its cells as one digest, and how many values are non-zero
    (read as a stream: the cells themselves are not kept)."""
    rows = db.conn.execute("""select report_id, "table", row_key, col_key, value from cells
                              where "table" in ('proactive', 'requests', 'reviews')
                              order by report_id, "table", row_key, col_key""")
    out: dict[tuple[int, str], TableSum] = {}
    for key, group in groupby(rows, key=itemgetter(0, 1)):
        cells = [r[2:] for r in group]  # (row_key, col_key, value)
        values = [c[2] for c in cells if c[2] is not None]
        digest = hashlib.sha1(repr(cells).encode()).hexdigest()
        out[key] = TableSum(digest, len(values), sum(v != 0 for v in values))
    return out


def identical_tables(reports: dict[int, Rep], sums: dict[tuple[int, str], TableSum]) -> Iterator[Flag]:
    index = by_body_year(reports.values())
    for r in reports.values():
        for p in _previous(index, r):
            for table in forms.TABLES:
                mine, theirs = sums.get((r.id, table)), sums.get((p.id, table))
                if mine and theirs and mine.nonzero and mine.digest == theirs.digest:
                    yield Flag(r.id, "copy_tables", f"{table}:{p.id}", p.id, 1.0,
                               f"{forms.TABLE_TITLES[table][0]}：{mine.values} 个数值与"
                               f"{p.year}年报告（编号 {p.id}）完全相同")


_NUM = r"(\d+|[零〇一二两三四五六七八九十百千]+)"
PROSE_FIGURES = {
    "requests": re.compile(r"(?:收到|新收|受理|办理)[^。；;\n]{0,20}?申请[^。；;\n]{0,8}?"
                           + _NUM + r"\s*(?:件|个|份|宗|条)"),
    "reviews": re.compile(r"(?:行政复议|行政诉讼)[^。；;\n]{0,12}?" + _NUM + r"\s*(?:件|起|宗|个)"),
}
_CN = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def chinese_int(text: str) -> int:
    """``"12"``, ``"十二"``, ``"一百零五"`` → an integer."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _CN_UNIT:
            total, digit = total + (digit or 1) * _CN_UNIT[ch], 0
        else:
            digit = _CN.get(ch, 0)
    return total + digit


def stated_figure(table: str, text: str) -> str | None:
    """The first sentence of ``text`` stating a non-zero figure that ``table`` counts."""
    for m in PROSE_FIGURES[table].finditer(text):
        if chinese_int(m.group(1)) > 0:
            start = max(text.rfind("。", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
            return text[start:m.end()].strip()
    return None


def zero_tables(db: sqlite_utils.Database, sums: dict[tuple[int, str], TableSum]) -> Iterator[Flag]:
    for (report_id, table), s in sorted(sums.items()):
        if table not in PROSE_FIGURES or not s.values or s.nonzero:
            continue
        prose = "\n".join(r["text"] or "" for r in db.query(
            "select text from sections where report_id = ? order by number", [report_id]))
        if said := stated_figure(table, prose):
            yield Flag(report_id, "zero_tables", table, None, None,
                       f"{forms.TABLE_TITLES[table][0]}全部为零，正文却写：“{said}”",
                       json.dumps({"passages": [said]}, ensure_ascii=False))


# -- anomalies ----------------------------------------------------------------------------


def yoy_requests(reports: dict[int, Rep]) -> Iterator[Flag]:
    """A change in requests received far outside the archive's usual year-over-year change."""
    index = by_body_year(reports.values())
    pairs = []
    for r in reports.values():
        previous = _previous(index, r)
        now = r.cells.get(("requests", "new_received", "total"))
        if len(previous) == 1 and now is not None and len(index[(r.body, r.year)]) == 1:
            before = previous[0].cells.get(("requests", "new_received", "total"))
            if before is not None:
                pairs.append((r, previous[0], before, now))
    if not pairs:
        return
    logs = [math.log1p(now) - math.log1p(before) for _, _, before, now in pairs]
    median = statistics.median(logs)
    mad = statistics.median(abs(x - median) for x in logs)
    band = max(YOY_MAD_Z * MAD_SCALE * mad, math.log(YOY_MIN_FACTOR))
    for (r, p, before, now), x in zip(pairs, logs, strict=True):
        if abs(x - median) > band and abs(now - before) >= YOY_MIN_CHANGE:
            yield Flag(r.id, "yoy_requests", "new_received", p.id, round(x - median, 4),
                       f"本年新收申请 {now:g} 件，{p.year}年（编号 {p.id}）{before:g} 件；"
                       f"对数变化偏离中位数 {x - median:+.2f}，界限 ±{band:.2f}")


def published_early(reports: dict[int, Rep]) -> Iterator[Flag]:
    for r in reports.values():
        if r.published and r.year and r.published < f"{r.year + 1}-01-01":
            yield Flag(r.id, "published_early", "published", None, None,
                       f"{r.year}年度报告的发布日期为 {r.published}，早于该年度结束")


def _all_flags(db: sqlite_utils.Database, reports: dict[int, Rep]) -> Iterator[dict]:
    sums = table_sums(db)
    flags = [*find_copies(_sections(db)), *identical_tables(reports, sums),
             *zero_tables(db, sums), *yoy_requests(reports), *published_early(reports)]
    for f in sorted(flags, key=lambda f: (f.report_id, f.rule, f.subject)):
        yield f.row()
