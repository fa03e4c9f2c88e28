"""The ``nianbao`` command line: thin click commands over the Python API.

    nianbao crawl pingtan
    nianbao crawl --start-url http://127.0.0.1:8000/ -s DOWNLOAD_DELAY=0
    nianbao rebuild
    nianbao serve

Exit codes (also in ``nianbao --help``): 0 done, 1 an error (one line on stderr),
2 a usage error (click's), 3 another crawl holds the data folder, 4 the crawl finished but
some fetches failed (each named; whatever was fetched is archived).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import threading
from pathlib import Path

import click
from rich.console import Console

from . import __version__
from .archive import db_path, warc_dir
from .archive.db import SchemaError, ensure_schema, is_archive, open_db
from .archive.ingest import SAVED_SUFFIXES, Ingestor
from .config import Settings, SettingsError, redis_url_problem, web_url_problem

console = Console(stderr=True)
EXIT_ERROR, EXIT_USAGE, EXIT_LOCKED, EXIT_FETCH_FAILED = 1, 2, 3, 4
LOG_LEVELS = {-1: "ERROR", 0: "WARNING", 1: "INFO", 2: "DEBUG"}
EPILOG = """Exit codes: 0 done; 1 error; 2 usage error; 3 another crawl holds the data folder;
4 crawl finished but some fetches failed (named, and archived all the same)."""


class Failed(click.ClickException):
    """An error the user can act on: one line, exit 1, no traceback."""

    exit_code = EXIT_ERROR

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def data_options(fn):
    fn = click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
                      help="Database path (default: DATA/nianbao.db).")(fn)
    fn = click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path),
                      default=Path("data"), show_default=True,
                      help="Data folder: WARC files under DATA/warc/.")(fn)
    return fn


def redis_options(fn):
    fn = click.option("--idle", type=click.FloatRange(0), default=None,
                      help="With --redis: stop a worker once the shared frontier has been "
                           "empty this long (seconds; default 30).")(fn)
    fn = click.option("--namespace", default="nianbao", show_default=True,
                      help="With --redis: key prefix of this crawl in Redis.")(fn)
    fn = click.option("--redis", "redis_url", metavar="URL", default=None,
                      callback=_redis_url,
                      help="Shared frontier: redis://HOST:PORT/DB (scrapy-redis).")(fn)
    return fn


def _redis_url(ctx, param, value: str | None) -> str | None:
    if value is not None and (problem := redis_url_problem(value)):
        raise click.BadParameter(problem)
    return value.strip() if value is not None else None


def jobs_option(fn):
    return click.option(
        "--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
        help="Parsing processes (each capture parsed under a memory and time limit); "
             "the database is the same whatever N.")(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.version_option(__version__, "-V", "--version", prog_name="nianbao")
@click.option("--settings", "settings_dir", type=click.Path(path_type=Path), default=None,
              help="Settings folder (else $NIANBAO_SETTINGS, ./settings, packaged defaults).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def cli(ctx, settings_dir, verbose, quiet):
    """nianbao: an archive of 政府信息公开工作年度报告 (government information openness
    annual reports): crawl, archive in WARC, parse, check, serve."""
    level = LOG_LEVELS[-1 if quiet else min(verbose, 2)]
    _log_to_stderr(level)
    console.quiet = quiet
    ctx.obj = {"settings": Settings(settings_dir), "log_level": level, "quiet": quiet}


def _log_to_stderr(level: str) -> None:
    """nianbao's own log lines; Scrapy's go through its LOG_LEVEL (set from the same flags),
    so the root logger is left alone and nothing prints twice."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("nianbao")
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def stdout() -> Console:
    """Tables for stdout; piped to a file or another program, they are not squeezed."""
    return Console() if sys.stdout.isatty() else Console(width=250)


def _settings(ctx) -> Settings:
    return ctx.obj["settings"]


def _existing_db(data: Path, db: Path | None):
    """Open the archive for reading; never create one by accident."""
    target = db_path(data, db)
    if not target.is_file():
        raise Failed(f"no database at {target}: run `nianbao crawl` or `nianbao rebuild` first")
    if not is_archive(target):
        raise Failed(f"{target} is not a nianbao archive (no reports or captures table): "
                     "give the database `nianbao crawl` or `nianbao rebuild` wrote")
    return _open(target), target


def _open(target: Path):
    try:
        return open_db(target)
    except SchemaError as exc:
        raise Failed(str(exc)) from exc


def _overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="-s")
        name, value = pair.split("=", 1)
        out[name.strip()] = value
    return out


def _project(settings: Settings) -> dict:
    """The user's crawl settings and portal registry, as Scrapy settings."""
    try:
        return {**settings.crawl(), "NIANBAO_PORTALS": settings.portals()}
    except SettingsError as exc:
        raise Failed(str(exc)) from exc


@cli.command(epilog=EPILOG)
@click.argument("portals", nargs=-1)
@click.option("--start-url", "start_urls", multiple=True, help="Crawl from this URL (repeatable).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, as `scrapy crawl -s`.")
@click.option("--progress/--no-progress", default=None, help="Live counts (default: on a terminal).")
@redis_options
@click.option("--workers", type=click.IntRange(0, 256), default=1, show_default=True,
              help="With --redis: local worker processes (0: only seed the frontier, for "
                   "`nianbao worker` on other machines).")
@data_options
@click.pass_context
def crawl(ctx, portals, start_urls, settings, progress, redis_url, namespace, idle, workers,
          data, db):
    """Crawl PORTALS from the registry (`nianbao portals`), or --start-url URLs.

    With --redis, the frontier is shared in Redis: N local workers (and any
    `nianbao worker` started elsewhere) crawl it; every worker's WARC files are ingested
    at the end."""
    from .crawler.run import CrawlLocked, run_crawl
    from .crawler.spiders.portal import UnknownPortal

    if not portals and not start_urls:
        raise click.UsageError("name a portal (see `nianbao portals`) or give --start-url")
    for url in start_urls:
        if problem := web_url_problem(url):
            raise click.BadParameter(problem, param_hint="--start-url")
    overrides = _overrides(settings)
    if progress is None:
        progress = console.is_terminal and not ctx.obj["quiet"] and not redis_url
    overrides.setdefault("NIANBAO_PROGRESS", str(bool(progress)))
    overrides.setdefault("LOG_LEVEL", ctx.obj["log_level"])
    if idle is not None:
        overrides["NIANBAO_IDLE_SECONDS"] = str(idle)
    try:
        if redis_url:
            result = _distributed(ctx, redis_url, namespace, workers, data, db, portals,
                                  start_urls, overrides)
            if result is None:
                return
        else:
            result = run_crawl(data, list(portals), list(start_urls), db, overrides,
                               _project(_settings(ctx)))
    except CrawlLocked as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(EXIT_LOCKED)
    except UnknownPortal as exc:
        raise click.BadParameter(str(exc), param_hint="PORTALS") from exc
    _report_crawl(result, db_path(data, db))


def _distributed(ctx, url, namespace, workers, data, db, portals, start_urls, overrides):
    from .crawler.distributed import RedisLost
    from .crawler.workers import DistributedError, run_distributed

    try:
        result = run_distributed(data, url, list(portals), list(start_urls), db, overrides,
                                 _project(_settings(ctx)), workers, namespace,
                                 _settings(ctx).override)
    except (DistributedError, RedisLost) as exc:
        _distributed_exit(exc)
    if workers == 0:
        console.print(f"seeded {result.stats.get('nianbao/seeded', 0)} request(s) into "
                      f"{url} (namespace {namespace}); start workers with "
                      f"`nianbao worker --redis {url}`")
        return None
    return result


def _distributed_exit(exc: Exception):
    click.echo(f"error: {exc}", err=True)
    sys.exit(getattr(exc, "exit_code", EXIT_ERROR))


@cli.command(epilog=EPILOG)
@redis_options
@click.option("--id", "worker_id", default=None,
              help="Worker id, in its WARC file names (default: HOSTNAME-PID).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting for this worker.")
@data_options
@click.pass_context
def worker(ctx, redis_url, namespace, idle, worker_id, settings, data, db):
    """Join the shared crawl in Redis (from any machine) until its frontier has been
    empty for --idle seconds; WARC files go to DATA/warc/ with the worker id in their
    names, for `nianbao ingest` on the central machine."""
    from .crawler.distributed import RedisLost
    from .crawler.workers import DistributedError, run_worker

    if not redis_url:
        raise click.UsageError("give --redis redis://HOST:PORT/DB (the crawl's frontier)")
    overrides = _overrides(settings)
    overrides.setdefault("LOG_LEVEL", ctx.obj["log_level"])
    overrides.setdefault("NIANBAO_PROGRESS", "False")
    if idle is not None:
        overrides["NIANBAO_IDLE_SECONDS"] = str(idle)
    try:
        result = run_worker(redis_url, namespace, data, db, worker_id, overrides,
                            _project(_settings(ctx)))
    except (DistributedError, RedisLost) as exc:
        _distributed_exit(exc)
    if result.already_finished:
        console.print("the crawl has finished: nothing to do")
        return
    stats = result.stats
    console.print(f"worker {result.worker}: {stats.get('response_received_count', 0)} "
                  f"responses, {stats.get('nianbao/bytes', 0):,} bytes ({result.reason})")


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
        sys.exit(EXIT_FETCH_FAILED)


@cli.command()
@click.option("--from-dir", "from_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help=f"Build from a folder of saved files ({' '.join(SAVED_SUFFIXES)}) "
                   "instead of the WARC files.")
@click.option("--force", is_flag=True,
              help="With --from-dir: replace a database that was built from WARC files.")
@jobs_option
@data_options
@click.pass_context
def rebuild(ctx, from_dir, force, jobs, data, db):
    """A fresh database from every WARC file in DATA/warc (or a folder of saved files).

    Nothing raw is deleted: the database is derived, so a better parser improves the
    whole history. With --from-dir, a database built from WARC files is never replaced
    unless --force is given (write elsewhere with --db)."""
    target = db_path(data, db)
    if from_dir and target.is_file() and not force and _has_warc_captures(target):
        raise Failed(f"{target} was built from WARC files; rebuilding it from {from_dir} would "
                     "replace it. Use --db OTHER.db, or --force to replace it.")
    if not from_dir and not warc_dir(data).is_dir():
        raise Failed(f"no WARC files under {warc_dir(data)}: nothing to rebuild from")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Failed(f"cannot create {target.parent}: {exc.strerror}") from exc
    tmp = target.with_name(target.name + ".rebuild")
    if _resumable(tmp, from_dir):  # each capture was committed alone: go on from there
        console.print(f"resuming the interrupted rebuild in {tmp}")
    else:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
    fresh = open_db(tmp, bulk=True)  # query-only indexes and full-text search at the end
    ingestor = Ingestor(fresh, _project(_settings(ctx))["NIANBAO_PORTALS"], jobs=jobs)
    with console.status("rebuilding…"):
        stats = ingestor.ingest_dir(from_dir) if from_dir else ingestor.ingest_warcs(warc_dir(data))
    if target.exists() and not from_dir:
        _keep_crawl_history(target, fresh)
    ensure_schema(fresh)
    fresh.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the file that is moved
    fresh.conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.move(tmp, target)
    _print_stats(stats, target)


def _resumable(tmp: Path, from_dir: Path | None) -> bool:
    """A rebuild of the same kind (from WARC files, or from a folder) was interrupted and
    left its database behind."""
    import sqlite3

    from .archive.db import read_only

    if not tmp.is_file():
        return False
    try:
        with read_only(tmp) as conn:
            prefix = Path(from_dir).resolve().as_uri() + "/" if from_dir else ""
            row = conn.execute("select count(*), count(warc_file), sum(substr(url, 1, ?) = ?)"
                               " from captures", [len(prefix), prefix]).fetchone()
    except sqlite3.DatabaseError:
        return False
    return row[0] > 0 and (row[1] == 0 and row[2] == row[0] if from_dir else row[1] == row[0])


def _has_warc_captures(target: Path) -> bool:
    import sqlite3

    from .archive.db import read_only

    with read_only(target) as conn:
        try:
            return bool(conn.execute(
                "select 1 from captures where warc_file is not null limit 1").fetchone())
        except sqlite3.DatabaseError:
            return False


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
    for reason, names in sorted(stats.files_skipped.items()):
        shown = ", ".join(names[:5]) + (f" (+{len(names) - 5} more)" if len(names) > 5 else "")
        console.print(f"skipped {len(names)} file(s), {reason}: {shown}")
    if stats.limits:
        console.print("kept but not parsed, over a limit: " + ", ".join(
            f"{n} {kind}" for kind, n in sorted(stats.limits.items())))
    for error in stats.errors:
        console.print(f"[yellow]warning:[/yellow] {error}")


@cli.command()
@jobs_option
@click.option("--redis", "redis_url", metavar="URL", default=None, callback=_redis_url,
              help="Also record the crawl in this Redis (seeded with --workers 0, worked "
                   "by workers elsewhere) in the crawl history, once it has finished.")
@click.option("--namespace", default="nianbao", show_default=True,
              help="With --redis: key prefix of that crawl.")
@data_options
@click.pass_context
def ingest(ctx, jobs, redis_url, namespace, data, db):
    """Ingest WARC records not yet in the database (what a crawl does at its end)."""
    if not warc_dir(data).is_dir():
        raise Failed(f"no WARC files under {warc_dir(data)}: crawl first, or pass --data")
    from .crawler.workerwarc import seal_orphans

    seal_orphans(warc_dir(data))  # files left open by stopped crawl workers (cut-off tail)
    target = db_path(data, db)
    database = _open(target)
    _print_stats(Ingestor(database, _project(_settings(ctx))["NIANBAO_PORTALS"], jobs=jobs)
                 .ingest_warcs(warc_dir(data)), target)
    if redis_url:
        from .crawler.distributed import RedisLost
        from .crawler.workers import DistributedError, record_crawl

        database.conn.close()
        try:
            console.print(record_crawl(redis_url, namespace, target))
        except (DistributedError, RedisLost) as exc:
            _distributed_exit(exc)


@cli.command()
@click.option("--port", default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@data_options
@click.pass_context
def serve(ctx, port, host, data, db):
    """Datasette on the database, read-only, with the settings' metadata and canned queries,
    and the reading room (/report/ID, /capture/ID, /search, /coverage, /-/dashboards).

    This process becomes Datasette (exec), so stopping it stops the server."""
    _, target = _existing_db(data, db)
    _port_free(host, port)
    warcs = warc_dir(data) if db is None or warc_dir(data).is_dir() else target.parent / "warc"
    os.environ["NIANBAO_WARC_DIR"] = str(warcs.resolve())  # where /capture reads from
    cmd = datasette_command(target, host, port, _settings(ctx).metadata())
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(cmd[0], cmd)


def _port_free(host: str, port: int) -> None:
    """Fail in one line when the port is taken (Datasette's own failure exits 3, which
    here means "another crawl holds the data folder")."""
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise Failed(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from exc


def datasette_command(target: Path, host: str, port: int, metadata: Path) -> list[str]:
    # mutable (not -i): a scheduled crawl's rows show up in a running server; Datasette
    # still only reads (no write queries are configured)
    return [sys.executable, "-m", "datasette", "serve", str(target), "--host", host,
            "--port", str(port), "--setting", "sql_time_limit_ms", "3000",
            "--metadata", str(metadata)]


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "wacz"]), default="csv",
              show_default=True, help="csv/jsonl: reports and tidy cells; wacz: the captures.")
@click.option("--excel", is_flag=True, help="CSV with a UTF-8 BOM, so Excel shows Chinese.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("export"),
              show_default=True, help="Folder to write into (created if missing).")
@data_options
def export(fmt, excel, out, data, db):
    """Reports and tidy cells (one row per cell, with the report's agency and year), or a
    WACZ package of every capture for ReplayWeb.page and pywb."""
    from .archive.export import export_tables, export_wacz
    from .archive.warcstore import warc_files

    database, _ = _existing_db(data, db)
    if out.exists() and not out.is_dir():
        raise Failed(f"--out {out} is a file; give a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK):
            raise PermissionError(13, "Permission denied")
        if fmt == "wacz":
            files = warc_files(warc_dir(data))
            if not files:
                raise Failed(f"no WARC files under {warc_dir(data)}")
            paths = [export_wacz(database, files, out)]
        else:
            paths = export_tables(database, out, fmt, bom=excel)
    except OSError as exc:
        raise Failed(f"cannot write to {out}: {exc.strerror or exc}") from exc
    for path in paths:
        console.print(f"wrote {path}")


@cli.group(invoke_without_command=True)
@data_options
@click.pass_context
def portals(ctx, data, db):
    """The portal registry (portals.toml in effect) and each portal's health."""
    if ctx.invoked_subcommand:
        return
    from rich.table import Table

    from .archive.summary import portal_health

    try:
        registry = _settings(ctx).portals()
    except SettingsError as exc:
        raise Failed(str(exc)) from exc
    # no archive yet is fine (the registry alone), unless one was named with --db
    database = _existing_db(data, db)[0] if db is not None or db_path(data, db).is_file() \
        else None
    health = portal_health(database) if database else {}
    state = _portal_state(database) if database else {}
    table = Table(title=f"Portals ({_settings(ctx).source('portals.toml')})")
    for col in ("name", "region", "start url", "last crawl", "reports", "blocked", "errors",
                "health"):
        table.add_column(col)
    for name, entry in sorted(registry.items()):
        h = health.get(name, {})
        table.add_row(name, entry.get("region", ""), entry["start_urls"][0],
                      h.get("finished") or "never", str(h.get("reports", "")),
                      str(h.get("blocked", "")), str(h.get("errors", "")),
                      state.get(name, "") if h else "")
    stdout().print(table)


def _portal_state(database) -> dict[str, str]:
    """Each portal's state at its last crawl: dead (no start URL answered), moved (its
    column did not answer; found again from the homepage or not), blocked, or ok."""
    import json

    out = {}
    for row in database.query("""select portal, detail, blocked from crawl_runs c
                                 where id = (select max(id) from crawl_runs where portal = c.portal)"""):
        try:
            detail = json.loads(row["detail"] or "{}")
        except ValueError:
            detail = {}
        if detail.get("dead"):
            out[row["portal"]] = "dead"
        elif detail.get("moved"):
            found = detail.get("report_pages") or detail.get("attachments")
            out[row["portal"]] = "moved, found again" if found else "moved, not found"
        elif row["blocked"] and not detail.get("report_pages"):
            out[row["portal"]] = "blocked"
        else:
            out[row["portal"]] = "ok"
    return out


@portals.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def portals_import(ctx, csv_file):
    """Add portals from a CSV with columns name, region, homepage[, column_url].

    They are written to the user's portals.toml (the --settings folder, $NIANBAO_SETTINGS
    or ./settings), never into the packaged defaults; existing names are updated."""
    from .config import import_portals

    try:
        path, added, updated = import_portals(_settings(ctx), csv_file)
    except SettingsError as exc:
        raise Failed(str(exc)) from exc
    console.print(f"{added} portal(s) added, {updated} updated → {path}")


@cli.command("config")
@click.pass_context
def config_cmd(ctx):
    """Which settings files are in effect, and where they come from."""
    try:
        rows = _settings(ctx).in_effect()
    except SettingsError as exc:
        raise Failed(str(exc)) from exc
    for name, path, origin in rows:
        click.echo(f"{name:14} {path}  ({origin})")


@cli.command()
@data_options
def status(data, db):
    """The archive's summary: reports by year and format, failed checks, captures,
    coverage gaps (bodies × years) and the last crawl per portal."""
    from .archive.summary import print_summary

    database, target = _existing_db(data, db)
    print_summary(database, target, stdout(), status=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to serve on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              help="Port to serve on (default: any free one).")
@click.option("--serve-only", is_flag=True,
              help="Only serve the demo portal, until Ctrl-C: a portal to try other crawls "
                   "on (`nianbao crawl --start-url URL`, `--redis`, `nianbao worker`).")
@data_options
@click.pass_context
def demo(ctx, host, port, serve_only, data, db):
    """Start the bundled demo portal on loopback, crawl it, archive it, summarise."""
    import ipaddress

    from .archive.summary import print_summary
    from .crawler.run import CrawlLocked, run_crawl
    from .demo import site
    from .portal_server import PortalServer

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise click.BadParameter(f"{host!r} is not a loopback address (127.0.0.0/8): the "
                                 "demo portal is served on this machine only", param_hint="--host")
    project = _project(_settings(ctx))
    try:
        server = PortalServer(site(), host=host, port=port)  # an address in use fails here
    except OSError as exc:
        raise Failed(f"cannot serve the demo portal on {host}: {exc.strerror or exc}") from exc
    with server:
        console.print(f"demo portal at {server.url}/ (a county portal's 信息公开年报 column)")
        if serve_only:
            _serve_until_stopped(server)
            return
        try:
            result = run_crawl(data, start_urls=[server.url + "/"], db=db, project=project,
                               overrides={"DOWNLOAD_DELAY": "0.1", "AUTOTHROTTLE_ENABLED": "False",
                                          "LOG_LEVEL": ctx.obj["log_level"],
                                          "NIANBAO_PROGRESS": str(console.is_terminal)})
        except CrawlLocked as exc:
            console.print(f"[red]error:[/red] {exc}")
            sys.exit(EXIT_LOCKED)
    target = db_path(data, db)
    print_summary(open_db(target), target, stdout())
    if result.failed:
        console.print(f"[red]{len(result.failed)} fetches failed[/red]")
        sys.exit(EXIT_FETCH_FAILED)


def _serve_until_stopped(server) -> None:
    console.print(f"serving until Ctrl-C; try `nianbao crawl --start-url {server.url}/ "
                  "--data OTHER`")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops it as Ctrl-C
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    console.print(f"served {len(server.requests)} request(s)")


def main() -> None:
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
