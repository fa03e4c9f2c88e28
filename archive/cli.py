"""The ``nianbao`` command line. Each subcommand mirrors a Python function.

    nianbao crawl pingtan
    nianbao crawl --start-url http://127.0.0.1:8000/ -s DOWNLOAD_DELAY=0
    nianbao rebuild
    nianbao serve
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click
from rich.console import Console

from . import db_path, warc_dir
from .db import open_db
from .ingest import Ingestor

console = Console(stderr=True)


def data_options(fn):
    fn = click.option("--db", "db", type=click.Path(path_type=Path), default=None,
                      help="Database path (default: DATA/nianbao.db).")(fn)
    fn = click.option("--data", "data", type=click.Path(path_type=Path), default=Path("data"),
                      show_default=True, help="Data directory: WARC files under DATA/warc/.")(fn)
    return fn


@click.group()
@click.version_option(package_name="nianbao")
def cli():
    """nianbao: an archive of 政府信息公开工作年度报告."""


def _overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="-s")
        name, value = pair.split("=", 1)
        out[name.strip()] = value
    return out


@cli.command()
@click.argument("portals", nargs=-1)
@click.option("--start-url", "start_urls", multiple=True, help="Crawl from this URL (repeatable).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, as `scrapy crawl -s`.")
@click.option("--progress/--no-progress", default=None, help="Live counts (default: on a terminal).")
@data_options
def crawl(portals, start_urls, settings, progress, data, db):
    """Crawl PORTALS from settings/portals.toml, or --start-url URLs, into the archive."""
    from crawler.run import CrawlLocked, run_crawl

    if not portals and not start_urls:
        raise click.UsageError("name a portal from settings/portals.toml or give --start-url")
    overrides = _overrides(settings)
    if progress is None:
        progress = console.is_terminal
    overrides.setdefault("NIANBAO_PROGRESS", str(bool(progress)))
    overrides.setdefault("LOG_LEVEL", "WARNING")
    try:
        result = run_crawl(data, list(portals), list(start_urls), db, overrides)
    except CrawlLocked as exc:
        console.print(f"[red]{exc}[/red]")
        sys.exit(3)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    _report_crawl(result, db_path(data, db))


def _report_crawl(result, db_file: Path) -> None:
    from rich.table import Table

    table = Table(title="Crawl summary")
    for col in ("portal", "pages", "report pages", "attachments", "blocked", "errors"):
        table.add_column(col, justify="right" if col != "portal" else "left")
    for portal, c in sorted(result.portals.items()):
        table.add_row(portal, *(str(c[k]) for k in
                                ("pages", "report_pages", "attachments", "blocked", "errors")))
    console.print(table)
    elapsed = result.stats.get("elapsed_time_seconds")
    if elapsed is not None:
        console.print(f"crawled {result.stats.get('response_received_count', 0)} responses, "
                      f"{result.stats.get('nianbao/bytes', 0):,} bytes in {elapsed:.1f}s")
    if result.ingest is not None:
        s = result.ingest
        console.print(f"ingested {s.captures} captures: {s.reports} new reports, "
                      f"{s.new_versions} new versions, {s.blocked} blocked → {db_file}")
    if result.failed:
        console.print("[red]Some fetches failed (kept in WARC as metadata records):[/red]")
        for line in result.failed:
            console.print(f"  [red]✗[/red] {line}")
        sys.exit(2)


@cli.command()
@click.option("--from-dir", "from_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Build from a folder of saved pages (.html .htm .pdf .docx) instead of WARC.")
@data_options
def rebuild(from_dir, data, db):
    """A fresh database from every WARC file (or a folder of saved pages)."""
    target = db_path(data, db)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".rebuild")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    fresh = open_db(tmp)
    ingestor = Ingestor(fresh, _portals())
    with console.status("rebuilding…"):
        stats = ingestor.ingest_dir(from_dir) if from_dir else ingestor.ingest_warcs(warc_dir(data))
    if target.exists() and not from_dir:
        _keep_crawl_history(target, fresh)
    fresh.conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.move(tmp, target)
    _print_stats(stats, target)


def _portals():
    from crawler.portals import load_portals

    return load_portals()


def _keep_crawl_history(old: Path, fresh) -> None:
    """crawl_runs is not derived from WARC files, so it survives a rebuild."""
    import sqlite_utils

    rows = list(sqlite_utils.Database(old)["crawl_runs"].rows) if old.exists() else []
    if rows:
        fresh["crawl_runs"].insert_all(rows, replace=True)


def _print_stats(stats, target: Path) -> None:
    console.print(f"{stats.captures} captures, {stats.reports} reports, "
                  f"{stats.new_versions} versions, {stats.not_reports} not reports, "
                  f"{stats.blocked} blocked, {stats.skipped} already ingested → {target}")
    for error in stats.errors:
        console.print(f"[yellow]warning:[/yellow] {error}")


@cli.command()
@data_options
def ingest(data, db):
    """Ingest WARC records not yet in the database (what a crawl does at its end)."""
    target = db_path(data, db)
    database = open_db(target)
    _print_stats(Ingestor(database, _portals()).ingest_warcs(warc_dir(data)), target)


@cli.command()
@click.option("--port", default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@data_options
def serve(port, host, data, db):
    """Datasette on the database, read-only, with the metadata in settings/."""
    from crawler.portals import settings_dir

    target = db_path(data, db)
    if not target.exists():
        raise click.UsageError(f"no database at {target}: run `nianbao crawl` or `nianbao rebuild`")
    sys.exit(subprocess.call(datasette_command(target, host, port, settings_dir())))


def datasette_command(target: Path, host: str, port: int, settings: Path) -> list[str]:
    cmd = [sys.executable, "-m", "datasette", "serve", "-i", str(target), "--host", host,
           "--port", str(port), "--setting", "sql_time_limit_ms", "3000"]
    if (settings / "metadata.yml").exists():
        cmd += ["--metadata", str(settings / "metadata.yml")]
    return cmd


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "wacz"]), default="csv",
              show_default=True, help="csv/jsonl: reports and tidy cells; wacz: the captures.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("export"),
              show_default=True)
@data_options
def export(fmt, out, data, db):
    """Reports and tidy cells (one row per cell, with the report's agency and year), or a
    WACZ package of every capture for ReplayWeb.page and pywb."""
    from .export import export_tables, export_wacz
    from .warcstore import warc_files

    database = open_db(db_path(data, db))
    if fmt == "wacz":
        files = warc_files(warc_dir(data))
        if not files:
            raise click.UsageError(f"no WARC files under {warc_dir(data)}")
        paths = [export_wacz(database, files, out)]
    else:
        paths = export_tables(database, out, fmt)
    for path in paths:
        console.print(f"wrote {path}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to serve on.")
@data_options
def demo(host, data, db):
    """Start the bundled demo portal on loopback, crawl it, archive it, summarise."""
    from crawler.run import run_crawl

    from .demo_site import site
    from .portal_server import PortalServer
    from .summary import print_summary

    with PortalServer(site(), host=host) as server:
        console.print(f"demo portal at {server.url}/ (a county portal's 信息公开年报 column)")
        result = run_crawl(data, start_urls=[server.url + "/"], db=db, overrides={
            "DOWNLOAD_DELAY": "0.1", "AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "WARNING",
            "NIANBAO_PROGRESS": str(console.is_terminal)})
    target = db_path(data, db)
    print_summary(open_db(target), target, Console())
    if result.failed:
        console.print(f"[red]{len(result.failed)} fetches failed[/red]")
        sys.exit(2)


def main():  # pragma: no cover
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
