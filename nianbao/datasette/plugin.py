"""Datasette hooks: the reading room's routes, links and readable table pages."""

from __future__ import annotations

import contextvars
from urllib.parse import quote

from datasette import hookimpl
from markupsafe import Markup, escape

from . import views

PATH: contextvars.ContextVar[str] = contextvars.ContextVar("nianbao_path", default="")
TRUNCATE = 240  # characters of a long text shown in table and query views
URL_COLUMNS = {("reports", "url"), ("report_urls", "url"), ("captures", "url"),
               ("captures", "referer")}


@hookimpl
def register_routes():
    return [
        (r"^/report/(?P<id>[^/]*)$", views.report_page),
        (r"^/capture/(?P<id>[^/]+)/raw$", views.capture_raw),
        (r"^/capture/(?P<id>[^/]+)/view$", views.capture_body),
        (r"^/capture/(?P<id>[^/]+)$", views.capture_page),
        (r"^/capture$", views.capture_by_url),
        (r"^/search$", views.search_page),
        (r"^/coverage$", views.coverage_page),
    ]


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("nianbao", "nianbao.css")]


@hookimpl
def menu_links(datasette):
    return [
        {"href": datasette.urls.path("/search"), "label": "检索 Search"},
        {"href": datasette.urls.path("/coverage"), "label": "覆盖 Coverage"},
        {"href": datasette.urls.path("/-/dashboards"), "label": "图表 Charts"},
    ]


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["reports_first"] = reports_first


def reports_first(tables: list, database: str | None = None) -> list:
    """The home page and the database page list ``reports`` first; on the home page
    (which shows only the largest tables) the archive's ``reports`` is added if missing."""
    def name(t) -> str:
        return t["name"] if isinstance(t, dict) else getattr(t, "name", "")
    out = sorted(tables, key=lambda t: name(t) != "reports")
    if database == views.ARCHIVE and not any(name(t) == "reports" for t in out):
        out.insert(0, {"name": "reports", "count": None, "private": False})
    return out


@hookimpl
def asgi_wrapper():
    """Remember the request path, so ``render_cell`` knows a row page (full texts) from a
    table or query page (long texts cut short)."""
    def wrap(app):
        async def inner(scope, receive, send):
            token = PATH.set(scope.get("path", "") if scope.get("type") == "http" else "")
            try:
                await app(scope, receive, send)
            finally:
                PATH.reset(token)
        return inner
    return wrap


def _row_page() -> bool:
    parts = [p for p in PATH.get().split("/") if p]
    return len(parts) == 3 and not parts[-1].endswith((".json", ".csv"))


@hookimpl
def render_cell(row, value, column, table, datasette):
    if table is None and column == "report" and isinstance(value, int):
        href = datasette.urls.path(f"/report/{value}")
        return Markup(f'<a href="{href}" title="阅读报告 Read the report">报告 {value}</a>')
    if table == "reports" and column == "title" and value and "id" in row.keys():
        href = datasette.urls.path(f"/report/{row['id']}")
        return Markup(f'<a href="{href}" title="阅读报告 Read the report">{escape(value)}</a>')
    if (table, column) in URL_COLUMNS and isinstance(value, str) and value.startswith("http"):
        archived = (datasette.urls.path(f"/capture/{row['id']}") if table == "captures"
                    and column == "url" else datasette.urls.path(f"/capture?url={quote(value)}"))
        return Markup(f'<span class="nb-url"><a href="{archived}" title="存档副本 archived copy">存档</a>'
                      f' · <a href="{escape(value)}" rel="nofollow noreferrer" '
                      f'title="现网（可能已变化） live, may have changed">{escape(value)}</a></span>')
    if isinstance(value, str) and len(value) > TRUNCATE and not _row_page():
        return Markup(f'<span class="nb-long" title="共 {len(value):,} 字；行页面显示全文">'
                      f"{escape(value[:TRUNCATE])}…<em>（共 {len(value):,} 字）</em></span>")
    return None
