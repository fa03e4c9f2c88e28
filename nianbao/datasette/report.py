"""Everything ``/report/<id>`` shows, read from the archive in one go (synchronous, for
``Database.execute_fn``): the report, its URLs and captures, its cells laid out as the
forms, failing checks explained, flags, sections, versions, the same body's other years."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from ..parsers import forms
from . import layout
from .explain import RULES, Explained, explain_check, explain_flag
from .sql import has_column, one, rows

FORMATS = {
    "2021": "2021 版表格（国办公开办函〔2021〕30号）",
    "2019": "2019 版表格（国办公开办函〔2019〕60号）",
    "legacy": "旧格式（2019 年以前）",
}
STATUS = {"live": "在线", "removed": "已下线"}


class NoSuchReport(LookupError):
    pass


@dataclass
class ReportPage:
    report: dict
    urls: list[dict]
    sections: list[layout.Section]
    legacy: layout.Table | None
    extra_cells: list[dict]
    failing: list[Explained]
    check_counts: dict[str, int]
    flags: list[tuple[str, str]]
    cell_flags: list[tuple[str, str, str]]
    texts: list[dict]
    versions: list[dict]
    previous: dict | None
    following: dict | None
    format_label: str
    status_label: str
    rules: dict[str, str] = field(default_factory=lambda: RULES)


def report_id(text: str) -> int:
    """The id in the URL; anything else is a report that does not exist."""
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise NoSuchReport(text)
    return int(text)


def same_body(conn: sqlite3.Connection, report: dict, alias: str = "") -> tuple[str, list]:
    """SQL condition for "the same publishing body": ``body_id`` once the archive has it,
    else the same agency in the same region. ``alias``: the reports table's alias."""
    p = f"{alias}." if alias else ""
    if report.get("body_id") is not None and has_column(conn, "reports", "body_id"):
        return f"{p}body_id = ?", [report["body_id"]]
    return f"{p}agency = ? and {p}region is ?", [report["agency"], report["region"]]


def neighbours(conn: sqlite3.Connection, report: dict) -> tuple[dict | None, dict | None]:
    if report.get("year") is None or not report.get("agency") and report.get("body_id") is None:
        return None, None
    where, params = same_body(conn, report)
    cols = "id, year, title, status"
    before = one(conn, f"select {cols} from reports where {where} and year < ? "
                       "order by year desc, id desc limit 1", [*params, report["year"]])
    after = one(conn, f"select {cols} from reports where {where} and year > ? "
                      "order by year, id limit 1", [*params, report["year"]])
    return before, after


def _urls(conn: sqlite3.Connection, report: dict) -> list[dict]:
    """Every URL the report was seen at, each with its latest capture."""
    found = [{"url": report["url"], "role": "content", "first_seen": report["first_seen"],
              "last_seen": report["last_seen"]}]
    found += rows(conn, "select url, role, first_seen, last_seen from report_urls "
                        "where report_id = ? order by first_seen, url", [report["id"]])
    for entry in found:
        entry["capture"] = one(conn, "select id, fetched_at, status, content_type from captures "
                                     "where url = ? order by fetched_at desc, id desc limit 1",
                               [entry["url"]])
        entry["captures"] = conn.execute("select count(*) from captures where url = ?",
                                         [entry["url"]]).fetchone()[0]
    return found


def _previous_forward(conn: sqlite3.Connection, report: dict) -> dict | None:
    where, params = same_body(conn, report, "r")
    return one(conn, f"""select r.id, r.year, c.value as forward from reports r
        left join cells c on c.report_id = r.id and c."table" = 'requests'
             and c.row_key = 'carried_forward' and c.col_key = 'total'
        where {where} and r.year = ? limit 1""",
               [*params, (report["year"] or 0) - 1])


def _json_list(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return [text]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _form_of(report: dict, cells: dict) -> str | None:
    """Which form to lay the cells out in; None when the report has no form table."""
    if report["format"] in ("2019", "2021"):
        return report["format"]
    known = [k for k in cells if k[0] in forms.TABLES]
    if not known:
        return None
    return "2019" if any(k[1] == "other" for k in known) else "2021"


def load_report(conn: sqlite3.Connection, rid: int) -> ReportPage:
    report = one(conn, "select * from reports where id = ?", [rid])
    if report is None:
        raise NoSuchReport(str(rid))
    cell_rows = rows(conn, 'select "table", row_key, col_key, value, raw, flag from cells '
                           "where report_id = ? order by rowid", [rid])
    cells = {(c["table"], c["row_key"], c["col_key"]): c for c in cell_rows}
    checks = rows(conn, "select rule, status, detail from checks where report_id = ?", [rid])
    counts = {s: sum(c["status"] == s for c in checks) for s in ("pass", "fail", "n/a")}
    failing = []
    for check in checks:
        if check["status"] != "fail":
            continue
        previous = _previous_forward(conn, report) if check["rule"] == "carry_over" else None
        failing.append(explain_check(check, cells, previous))
    marks: dict[layout.Key, list[layout.Mark]] = {}
    for e in failing:
        for key, role in e.cells.items():
            marks.setdefault(key, []).append(layout.Mark(e.anchor, role, e.text))
    fmt = _form_of(report, cells)
    sections = layout.form_tables(fmt, cells, marks) if fmt else []
    extra = [cells[k] for k in layout.unused(cells, fmt)] if fmt else []
    legacy_cells = [c for c in cell_rows if c["table"] not in forms.TABLES]
    legacy = layout.legacy_table(legacy_cells) if legacy_cells else None
    extra = [{**c, "row_label": forms.label(c["table"], "row", c["row_key"]),
              "col_label": forms.label(c["table"], "col", c["col_key"]),
              "shown": layout.value_text(c["value"], c["raw"])}
             for c in extra if c["table"] in forms.TABLES]
    flags = [(f, explain_flag(f)) for f in _json_list(report.get("flags"))]
    cell_flags = sorted({(c["table"], c["row_key"], c["col_key"]): (
        f"{forms.label(c['table'], 'row', c['row_key'])} · {forms.label(c['table'], 'col', c['col_key'])}",
        c["flag"], explain_flag(c["flag"])) for c in cell_rows if c["flag"]}.values())
    texts = rows(conn, "select number, heading, text from sections where report_id = ? "
                       "order by number", [rid])
    versions = rows(conn, """select id, seq, fetched_at, capture_id, http_status, encoding,
        encoding_method, replacements, repairs, extractor, parser, format, flags, text_hash,
        payload_digest, warc_file, diff from versions where report_id = ? order by seq""", [rid])
    for v in versions:
        v["notes"] = [explain_flag(f) for f in _json_list(v["repairs"]) + _json_list(v["flags"])]
        v["diff_lines"] = [(_diff_class(line), line) for line in (v["diff"] or "").splitlines()]
    before, after = neighbours(conn, report)
    return ReportPage(
        report=report, urls=_urls(conn, report), sections=sections, legacy=legacy,
        extra_cells=extra, failing=failing, check_counts=counts, flags=flags,
        cell_flags=cell_flags, texts=texts, versions=versions, previous=before, following=after,
        format_label=FORMATS.get(report["format"] or "", report["format"] or "未知"),
        status_label=STATUS.get(report["status"] or "", report["status"] or ""))


def _diff_class(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "add", "-": "del"}.get(line[:1], "same")
