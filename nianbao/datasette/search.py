"""``/search?q=``: full-text search over the reports' prose.

* Any term length: three characters and more go through the trigram index
  (``report_texts_fts``), one or two characters through ``instr`` — both with the term as
  a bound parameter (an FTS phrase with its quotes doubled), so no user text can make an
  SQL or FTS syntax error.
* Prose apart from the forms: lines that are one of the forms' fixed labels (from
  ``parsers.forms``) are not searched, so 国家秘密 finds the reports that *write* about
  state secrets, not every report whose table 三 prints 1.属于国家秘密.
* Ranked by hits (title hits count more), with highlighted snippets.

>>> q = parse_query('  秘密  "2022-01"  ')
>>> q.terms
['秘密', '"2022-01"']
>>> fts_phrase('a"b')
'"a""b"'
>>> prose("一、总体情况\\n1.属于国家秘密\\n本机关依法认定国家秘密3件")
'本机关依法认定国家秘密3件'
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from ..parsers import forms
from .sql import rows

MAX_QUERY = 200  # characters: longer is refused with a clear page
MAX_TERMS = 8
CANDIDATES = 2000  # reports read per search, newest first
PAGE = 50
SNIPPETS = 3
CONTEXT = 36  # characters either side of a hit
BUDGET_S = 5.0


class BadQuery(ValueError):
    pass


@dataclass
class Query:
    text: str
    terms: list[str]
    year: int | None = None
    region: str = ""
    format: str = ""


@dataclass
class Hit:
    report: dict
    score: int
    snippets: list[list[tuple[str, bool]]]  # each snippet: (text, is_hit) parts
    title: list[tuple[str, bool]]


@dataclass
class Results:
    query: Query
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    capped: bool = False
    label_only: int = 0  # reports where the term appears only as a form label
    ms: float = 0.0


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def parse_query(text: str, year: str = "", region: str = "", fmt: str = "") -> Query:
    text = text or ""
    if len(text) > MAX_QUERY:
        raise BadQuery(f"检索词太长（{len(text):,} 个字符）：请缩短到 {MAX_QUERY} 个字符以内。")
    terms = list(dict.fromkeys(t for t in text.split() if t))[:MAX_TERMS]
    year_value = int(year) if year.strip().isdigit() and len(year.strip()) == 4 else None
    return Query(text.strip(), terms, year_value, region.strip()[:100], fmt.strip()[:10])


def fts_phrase(term: str) -> str:
    """A term as one FTS5 phrase: any character is literal inside double quotes."""
    return '"' + term.replace('"', '""') + '"'


@cache
def _labels() -> tuple[frozenset[str], re.Pattern]:
    """The forms' fixed texts: every label (to drop where it stands alone, as a line or a
    word of a flattened table), and a pattern of the numbered ones (1.属于国家秘密,
    （三）不予公开 …), which prose never writes, to drop wherever they occur."""
    found = {t for _, t, _ in forms.SECTIONS} | {zh for zh, _ in forms.TABLE_TITLES.values()}
    for row in forms.label_rows():
        found.add(row["zh"])
        if row["grp"]:
            found.add(row["grp"])
    labels = {_norm(x) for x in found}
    numbered = set()
    for label in labels:
        if NUMBERED.match(label):
            numbered.add(label)
            numbered.add(label[0] + re.split(r"[(（]", label[1:], maxsplit=1)[0])
    heads = sorted((x for x in numbered if len(x) > 2), key=len, reverse=True)
    return frozenset(labels), re.compile("|".join(re.escape(x) for x in heads))


NUMBERED = re.compile(r"^(\d+\.|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、)")


def prose(text: str) -> str:
    """The report's text without the forms' fixed labels."""
    labels, numbered = _labels()
    out = []
    for line in unicodedata.normalize("NFKC", text or "").splitlines():
        if _norm(line) in labels:
            continue
        line = numbered.sub(" ", line)
        words = line.split()
        if any(w in labels for w in words):
            line = " ".join(w for w in words if w not in labels)
        if line.strip():
            out.append(line)
    return "\n".join(out)


def _candidates(conn: sqlite3.Connection, q: Query) -> list[dict]:
    where, params = [], []
    for term in q.terms:
        if len(term) >= 3:
            where.append("t.rowid in (select rowid from report_texts_fts where report_texts_fts match ?)")
            params.append(fts_phrase(term))
        else:
            where.append("(instr(t.text, ?) > 0 or instr(r.title, ?) > 0)")
            params += [term, term]
    if q.year is not None:
        where.append("r.year = ?")
        params.append(q.year)
    if q.region:
        where.append("r.region = ?")
        params.append(q.region)
    if q.format:
        where.append("r.format = ?")
        params.append(q.format)
    sql = f"""select r.id, r.agency, r.region, r.year, r.title, r.format, r.status, r.published,
                     t.text from reports r join report_texts t on t.report_id = r.id
              where {' and '.join(where) or '1'}
              order by r.year desc, r.id desc limit {CANDIDATES + 1}"""
    return rows(conn, sql, params)


def _split(text: str, pattern: re.Pattern) -> list[tuple[str, bool]]:
    parts, pos = [], 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            parts.append((text[pos:m.start()], False))
        parts.append((m.group(), True))
        pos = m.end()
    if pos < len(text):
        parts.append((text[pos:], False))
    return parts


def _snippets(body: str, pattern: re.Pattern) -> list[list[tuple[str, bool]]]:
    out, last_end = [], -1
    for m in pattern.finditer(body):
        if m.start() < last_end:
            continue
        start, end = max(0, m.start() - CONTEXT), min(len(body), m.end() + CONTEXT)
        piece = body[start:end].replace("\n", " ")
        parts = _split(piece, pattern)
        if start > 0:
            parts.insert(0, ("…", False))
        if end < len(body):
            parts.append(("…", False))
        out.append(parts)
        last_end = end
        if len(out) >= SNIPPETS:
            break
    return out


def search(conn: sqlite3.Connection, q: Query) -> Results:
    started = time.perf_counter()
    results = Results(q)
    if not q.terms:
        return results
    deadline = started + BUDGET_S
    conn.set_progress_handler(lambda: int(time.perf_counter() > deadline), 10000)
    try:
        found = _candidates(conn, q)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise BadQuery("检索超时：请加上年份、地区或更长的检索词。") from exc
        raise
    finally:
        conn.set_progress_handler(None, 0)
    results.capped = len(found) > CANDIDATES
    pattern = re.compile("|".join(re.escape(t) for t in sorted(q.terms, key=len, reverse=True)),
                         re.IGNORECASE)
    hits = []
    for row in found[:CANDIDATES]:
        body = prose(row.pop("text"))
        title = row["title"] or ""
        counts = [len(re.findall(re.escape(t), body, re.IGNORECASE))
                  + len(re.findall(re.escape(t), title, re.IGNORECASE)) for t in q.terms]
        if not all(counts):
            results.label_only += 1
            continue
        score = sum(counts) + 5 * sum(len(re.findall(re.escape(t), title, re.IGNORECASE))
                                      for t in q.terms)
        hits.append(Hit(row, score, _snippets(body, pattern), _split(title, pattern)))
    hits.sort(key=lambda h: (-h.score, -(h.report["year"] or 0), h.report["id"]))
    results.total = len(hits)
    results.hits = hits[:PAGE]
    results.ms = (time.perf_counter() - started) * 1000
    return results


def facets(conn: sqlite3.Connection) -> dict[str, list]:
    """The values the filters offer."""
    return {
        "years": [r["year"] for r in rows(conn, "select distinct year from reports "
                                                "where year is not null order by year desc")],
        "regions": [r["region"] for r in rows(conn, "select distinct region from reports "
                                                    "where region is not null order by region")],
        "formats": [r["format"] for r in rows(conn, "select distinct format from reports "
                                                    "where format is not null order by format")],
    }
