"""nianbao's Datasette plugin: the reading room.

``/report/<id>`` (a report as the official forms, its checks explained, its versions),
``/capture/<id>`` (the archived capture, served from its WARC record), ``/search``,
``/coverage``; readable table pages (labels, truncated long texts, reports first).
Registered as the ``datasette`` entry point ``nianbao`` (see pyproject.toml), so both
``nianbao serve`` and a plain ``datasette`` get it. The hooks are in ``plugin``; Datasette
finds them, the templates and the static files through this package.
"""

from .plugin import (  # noqa: F401
    asgi_wrapper,
    extra_css_urls,
    menu_links,
    prepare_jinja2_environment,
    register_routes,
    render_cell,
)
