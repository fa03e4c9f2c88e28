"""The reading room's pages. Each reads the archive in one synchronous function run on
Datasette's read connection, and answers anything bad (an unknown id, a moved WARC file,
a query of 10,000 characters) with a page that says what is wrong — never a traceback."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from datasette.database import Database
from datasette.utils.asgi import Response

from ..archive.summary import VERDICTS, coverage, coverage_sql
from . import capture as cap
from . import search as srch
from .report import NoSuchReport, load_report, report_id
from .sql import has_column, one, rows

ARCHIVE = "nianbao"


class PageError(Exception):
    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


async def archive_db(datasette) -> Database:
    """The archive: the plugin's configured database, else ``nianbao``, else the first
    database with a ``reports`` table."""
    name = (datasette.plugin_config("nianbao") or {}).get("database")
    if name and name in datasette.databases:
        return datasette.databases[name]
    if ARCHIVE in datasette.databases:
        return datasette.databases[ARCHIVE]
    for db in datasette.databases.values():
        if not db.is_memory and await db.table_exists("reports"):
            return db
    raise PageError(500, "没有档案数据库 No archive", "Datasette 没有加载 nianbao 档案数据库（nianbao.db）。")


def warc_dir(datasette, db: Database) -> Path:
    """Where the WARC files are: plugin setting ``warc_dir``, else $NIANBAO_WARC_DIR
    (``nianbao serve`` sets it), else ``warc/`` beside the database file."""
    configured = (datasette.plugin_config("nianbao") or {}).get("warc_dir")
    if configured:
        return Path(configured)
    if os.environ.get("NIANBAO_WARC_DIR"):
        return Path(os.environ["NIANBAO_WARC_DIR"])
    return Path(db.path or ".").resolve().parent / "warc"


async def render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, status=status)


async def error_page(datasette, request, err: PageError) -> Response:
    return await render(datasette, request, "nianbao_error.html",
                        {"title": err.title, "message": err.message}, status=err.status)


def handles_errors(view):
    async def wrapped(request, datasette):
        try:
            return await view(request, datasette)
        except PageError as err:
            return await error_page(datasette, request, err)
        except sqlite3.Error as exc:
            return await error_page(datasette, request, PageError(
                500, "数据库错误 Database error", f"读取档案时出错：{exc}。档案可能来自不同版本的 nianbao。"))
    wrapped.__name__ = view.__name__
    return wrapped


# -- /report/<id> -----------------------------------------------------------------------

@handles_errors
async def report_page(request, datasette):
    db = await archive_db(datasette)
    raw = request.url_vars["id"]
    try:
        page = await db.execute_fn(lambda conn: load_report(conn, report_id(raw)))
    except NoSuchReport:
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise PageError(404, "没有这份报告 No such report",
                        f"档案中没有编号为“{shown}”的报告。可以从报告列表或检索页找到它。") from None
    return await render(datasette, request, "nianbao_report.html",
                        {"page": page, "db_name": db.name, "r": page.report})


# -- /capture/<id> ----------------------------------------------------------------------

def _capture_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise PageError(404, "没有这次抓取 No such capture", "抓取编号应是一个数字。")
    return int(text)


async def _capture(request, datasette) -> tuple[cap.Capture | None, dict, Database, str]:
    """(capture or None, its row, the database, why it is unavailable)."""
    db = await archive_db(datasette)
    cid = _capture_id(request.url_vars["id"])
    row = await db.execute_fn(lambda conn: cap.capture_row(conn, cid))
    if row is None:
        raise PageError(404, "没有这次抓取 No such capture", f"档案中没有编号为 {cid} 的抓取记录。")
    try:
        found = await asyncio.to_thread(cap.read_capture, row, warc_dir(datasette, db))
    except cap.Unavailable as exc:
        return None, row, db, str(exc)
    return found, row, db, ""


@handles_errors
async def capture_page(request, datasette):
    found, row, db, problem = await _capture(request, datasette)
    report = None
    if row.get("report_id"):
        report = await db.execute_fn(lambda conn: one(
            conn, "select id, title, year, agency from reports where id = ?", [row["report_id"]]))
    context = {"row": row, "c": found, "problem": problem, "report": report, "text": "",
               "encoding": "", "version_text": ""}
    if found is not None and found.kind in cap.TEXT_KINDS and found.kind != "html":
        context["text"], context["encoding"] = found.decoded()
    elif found is not None and found.kind == "html":
        context["encoding"] = found.decoded()[1]
    if row.get("version_id"):
        version = await db.execute_fn(lambda conn: one(
            conn, "select text from versions where id = ?", [row["version_id"]]))
        context["version_text"] = (version or {}).get("text") or ""
    saved = row.get("warc_file") is None  # from a saved file: nothing broken, by design
    context["saved"] = saved
    return await render(datasette, request, "nianbao_capture.html", context,
                        status=200 if found or saved else 410 if "找不到" in problem else 500)


@handles_errors
async def capture_raw(request, datasette):
    """The bytes as fetched; a PDF opens as a PDF (``?download=1`` saves any file)."""
    found, _, _, problem = await _capture(request, datasette)
    if found is None:
        raise PageError(410, "存档不可用 Capture unavailable", problem)
    inline = found.kind == "pdf" and not request.args.get("download")
    disposition = "inline" if inline else "attachment"
    return Response(found.body, content_type=found.media_type if inline else
                    (found.media_type or "application/octet-stream"),
                    headers={"Content-Disposition": f'{disposition}; filename="{found.filename()}"',
                             "X-Content-Type-Options": "nosniff",
                             "Content-Security-Policy": "sandbox"})


@handles_errors
async def capture_body(request, datasette):
    """The archived page, decoded, for the frame under the banner: nothing it references
    is fetched from the live site and none of its scripts run."""
    found, _, _, problem = await _capture(request, datasette)
    if found is None:
        raise PageError(410, "存档不可用 Capture unavailable", problem)
    text, _ = found.decoded()
    if found.kind != "html":
        text = "<pre>" + text.replace("&", "&amp;").replace("<", "&lt;") + "</pre>"
    return Response(text, content_type="text/html; charset=utf-8", headers={
        "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; "
                                   "img-src data:",
        "X-Content-Type-Options": "nosniff"})


@handles_errors
async def capture_by_url(request, datasette):
    url = request.args.get("url") or ""
    db = await archive_db(datasette)
    cid = await db.execute_fn(lambda conn: cap.latest_capture(conn, url)) if url else None
    if cid is None:
        raise PageError(404, "没有存档 Not archived", "档案中没有这个网址的抓取记录。")
    return Response.redirect(datasette.urls.path(f"/capture/{cid}"))


# -- /search ----------------------------------------------------------------------------

@handles_errors
async def search_page(request, datasette):
    db = await archive_db(datasette)
    args = request.args
    context: dict = {"q": "", "results": None, "problem": "", "year": args.get("year") or "",
                     "region": args.get("region") or "", "format": args.get("format") or ""}
    try:
        query = srch.parse_query(args.get("q") or "", context["year"], context["region"],
                                 context["format"])
        context["q"] = query.text
        context["results"] = await db.execute_fn(lambda conn: srch.search(conn, query))
    except srch.BadQuery as exc:
        context["problem"] = str(exc)
        context["q"] = (args.get("q") or "")[:srch.MAX_QUERY]
    context["facets"] = await db.execute_fn(srch.facets)
    return await render(datasette, request, "nianbao_search.html", context,
                        status=400 if context["problem"] else 200)


# -- /coverage --------------------------------------------------------------------------

@handles_errors
async def coverage_page(request, datasette):
    db = await archive_db(datasette)
    region = (request.args.get("region") or "")[:100]
    only_gaps = bool(request.args.get("gaps"))

    def read(conn: sqlite3.Connection):
        return coverage(rows(conn, coverage_sql(has_column(conn, "reports", "body_id"))))

    cov = await db.execute_fn(read)
    bodies = [b for b in cov.bodies if (not region or region in b.region)
              and (not only_gaps or b.gaps)]
    return await render(datasette, request, "nianbao_coverage.html", {
        "cov": cov, "bodies": bodies[:500], "more": max(0, len(bodies) - 500), "region": region,
        "gaps": only_gaps, "verdicts": VERDICTS, "quote": quote})
