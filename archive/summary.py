"""What the archive holds, as rich tables for the terminal."""

from __future__ import annotations

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


def print_summary(db: sqlite_utils.Database, db_file, console: Console | None = None) -> None:
    console = console or Console()
    console.print(reports_table(db))
    console.print(captures_table(db))
    if (fails := failures_table(db)) is not None:
        console.print(fails)
    console.print(f"Database: [bold]{db_file}[/bold]")
    console.print(f"Browse it: [bold]nianbao serve --db {db_file}[/bold]")


def portal_health(db: sqlite_utils.Database) -> dict[str, dict]:
    """{portal: its latest crawl_runs row} (finished, reports, blocked, errors)."""
    rows = db.query("""select portal, finished, reports, blocked, errors from crawl_runs c
                       where id = (select max(id) from crawl_runs where portal = c.portal)""")
    return {row["portal"]: row for row in rows}
