"""What the archive holds: rich tables for the terminal (``nianbao demo``, ``nianbao
status``) and the coverage grid (bodies × years) that ``/coverage`` shows too.

>>> deadline("示范县人民政府", 2022), deadline("示范县财政局", 2022)
(datetime.date(2023, 3, 31), datetime.date(2023, 1, 31))
>>> timeliness("示范县财政局", 2022, "2023-02-03", "2023-02-05T00:00:00Z")[0]
'late'
>>> timeliness("示范县人民政府", 2022, None, "2023-03-01T08:00:00Z")[0]
'on_time_seen'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlite_utils
from rich.console import Console
from rich.table import Table


def reports_table(db: sqlite_utils.Database) -> Table:
    table = Table(title="Reports by year and format")
    for col in ("year", "format", "reports", "cells", "check failures"):
        table.add_column(col, justify="right" if col != "format" else "left")
    rows = db.query("""
        select r.year, r.format, count(distinct r.id) as reports,
               (select count(*) from cells c join reports r2 on r2.id = c.report_id
                 where r2.year is r.year and r2.format = r.format) as cells,
               (select count(*) from checks k join reports r3 on r3.id = k.report_id
                 where r3.year is r.year and r3.format = r.format and k.status = 'fail') as fails
        from reports r group by r.year, r.format order by r.year""")
    for row in rows:
        table.add_row(str(row["year"]), row["format"], str(row["reports"]), str(row["cells"]),
                      str(row["fails"]))
    return table


def captures_table(db: sqlite_utils.Database) -> Table:
    table = Table(title="Captures by outcome")
    table.add_column("outcome")
    table.add_column("captures", justify="right")
    for row in db.query("select outcome, count(*) n from captures group by outcome order by n desc"):
        table.add_row(row["outcome"], str(row["n"]))
    return table


def failures_table(db: sqlite_utils.Database, limit: int = 10) -> Table | None:
    rows = list(db.query("""
        select r.agency, r.year, k.rule, k.detail from checks k join reports r on r.id = k.report_id
        where k.status = 'fail' order by r.year, k.rule limit ?""", [limit]))
    if not rows:
        return None
    table = Table(title="Check failures (勾稽关系)")
    for col in ("agency", "year", "rule", "detail"):
        table.add_column(col)
    for row in rows:
        table.add_row(row["agency"] or "", str(row["year"]), row["rule"], row["detail"])
    return table


def print_summary(db: sqlite_utils.Database, db_file, console: Console | None = None,
                  status: bool = False) -> None:
    """What ``nianbao demo`` prints; with ``status``, coverage gaps and the last crawls too."""
    console = console or Console()
    tables = [reports_table(db), captures_table(db), failures_table(db)]
    if status:
        tables += [coverage_table(db), crawls_table(db)]
    for table in tables:
        if table is not None:
            console.print(table)
    if status and not db["crawl_runs"].count:
        console.print("No crawl recorded yet (`nianbao crawl`).")
    console.print(f"Database: [bold]{db_file}[/bold]")
    console.print(f"Browse it: [bold]nianbao serve --db {db_file}[/bold]")


def portal_health(db: sqlite_utils.Database) -> dict[str, dict]:
    """{portal: its latest crawl_runs row} (finished, reports, blocked, errors)."""
    rows = db.query("""select portal, finished, pages, reports, blocked, errors from crawl_runs c
                       where id = (select max(id) from crawl_runs where portal = c.portal)""")
    return {row["portal"]: row for row in rows}


# -- coverage: bodies × years ----------------------------------------------------------------

# 条例 art. 50: governments' reports by 31 March, their departments' by 31 January.
GOVERNMENT = re.compile(r"(人民政府|政府)(办公室|办公厅)?$")
VERDICTS = {
    "late": "逾期",
    "on_time_seen": "按时（存档为证）",
    "on_time_stated": "按时（据发布日期）",
    "unproven": "无法证明按时",
}


def deadline(agency: str | None, year: int) -> date:
    """The legal deadline for the report on ``year``: 31 March of the next year for a
    people's government (and its office), 31 January for a department."""
    if GOVERNMENT.search((agency or "").strip()):
        return date(year + 1, 3, 31)
    return date(year + 1, 1, 31)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def timeliness(agency: str | None, year: int, published: str | None,
               first_seen: str | None) -> tuple[str, str]:
    """(verdict, sentence): was the report out by its deadline? A first capture before the
    deadline proves it was; a stated date after it shows it was late; otherwise the stated
    date is the only evidence, or there is none."""
    due, stated, seen = deadline(agency, year), _day(published), _day(first_seen)
    if stated and stated > due:
        return "late", f"发布日期 {stated} 晚于期限 {due} {(stated - due).days} 天"
    if seen and seen <= due:
        return "on_time_seen", f"{seen} 已存档，早于期限 {due}"
    if stated:
        return "on_time_stated", (f"发布日期 {stated} 在期限 {due} 之前；首次存档 {seen or '未知'}"
                                  "晚于期限，无法佐证")
    return "unproven", f"未注明发布日期，首次存档 {seen or '未知'} 已过期限 {due}"


@dataclass
class Slot:
    state: str  # found | removed | missing
    report_id: int | None = None
    verdict: str = ""
    note: str = ""


@dataclass
class BodyRow:
    key: tuple
    agency: str
    region: str
    slots: dict[int, Slot] = field(default_factory=dict)

    @property
    def gaps(self) -> list[int]:
        return [y for y, s in sorted(self.slots.items()) if s.state == "missing"]


@dataclass
class Coverage:
    years: list[int]
    bodies: list[BodyRow]

    def count(self, state: str) -> int:
        return sum(s.state == state for b in self.bodies for s in b.slots.values())

    def late(self) -> int:
        return sum(s.verdict == "late" for b in self.bodies for s in b.slots.values())


def coverage_sql(has_body_id: bool) -> str:
    body = "body_id" if has_body_id else "null as body_id"
    return f"""select id, {body}, agency, region, year, published, first_seen, status
               from reports where year between 2008 and 2100 order by year, id"""


def coverage(reports: list[dict]) -> Coverage:
    """Bodies × years from report rows (``coverage_sql``): found, removed upstream, or
    missing from the archive (a year within the archive's range with no report)."""
    years = sorted({r["year"] for r in reports})
    span = list(range(years[0], years[-1] + 1)) if years else []
    bodies: dict[tuple, BodyRow] = {}
    for r in reports:
        key = ("body", r["body_id"]) if r.get("body_id") is not None else (
            "name", r["agency"] or "", r["region"] or "")
        row = bodies.setdefault(key, BodyRow(key, r["agency"] or "（机关不详）", r["region"] or ""))
        row.agency, row.region = r["agency"] or row.agency, r["region"] or row.region
        verdict, note = timeliness(r["agency"], r["year"], r["published"], r["first_seen"])
        state = "removed" if r["status"] == "removed" else "found"
        if r["year"] in row.slots and row.slots[r["year"]].state == "found":
            continue  # two reports of one year: the first found one stands for it
        row.slots[r["year"]] = Slot(state, r["id"], verdict, note)
    for row in bodies.values():
        for y in span:
            row.slots.setdefault(y, Slot("missing"))
    ordered = sorted(bodies.values(), key=lambda b: (b.region, b.agency))
    return Coverage(span, ordered)


def archive_coverage(db: sqlite_utils.Database) -> Coverage:
    has_body = "body_id" in db["reports"].columns_dict
    return coverage(list(db.query(coverage_sql(has_body))))


def coverage_table(db: sqlite_utils.Database, limit: int = 20) -> Table | None:
    cov = archive_coverage(db)
    if not cov.bodies:
        return None
    table = Table(title=(f"Coverage: {len(cov.bodies)} bodies × {len(cov.years)} years — "
                         f"{cov.count('found')} found, {cov.count('missing')} missing, "
                         f"{cov.count('removed')} removed, {cov.late()} late"))
    for col in ("body", "region", "missing years", "removed", "late"):
        table.add_column(col)
    shown = sorted(cov.bodies, key=lambda b: (-len(b.gaps), b.region, b.agency))[:limit]
    for b in shown:
        table.add_row(b.agency, b.region, _years(b.gaps) or "none",
                      _years([y for y, s in sorted(b.slots.items()) if s.state == "removed"]),
                      _years([y for y, s in sorted(b.slots.items()) if s.verdict == "late"]))
    return table


def _years(years: list[int]) -> str:
    return ", ".join(str(y) for y in years)


def crawls_table(db: sqlite_utils.Database) -> Table | None:
    health = portal_health(db)
    if not health:
        return None
    table = Table(title="Last crawl per portal")
    for col in ("portal", "finished", "pages", "reports", "blocked", "errors"):
        table.add_column(col, justify="left" if col in ("portal", "finished") else "right")
    for portal, h in sorted(health.items()):
        table.add_row(portal or "", h["finished"] or "unfinished", str(h["pages"] or 0),
                      str(h["reports"] or 0), str(h["blocked"] or 0), str(h["errors"] or 0))
    return table
