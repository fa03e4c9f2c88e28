"""Which settings files are in effect: the user's, else the defaults shipped in the package.

Each file is looked up on its own, first found wins:

1. ``--settings DIR`` on the command line,
2. the ``NIANBAO_SETTINGS`` environment variable,
3. ``./settings`` in the working directory,
4. the defaults inside the installed package (``nianbao/settings``).

So a user who only wants their own portal list writes ``settings/portals.toml`` and keeps
the packaged ``crawl.toml`` and ``metadata.yml``.

>>> Settings().source("metadata.yml").name
'metadata.yml'
>>> "pingtan" in Settings().portals()
True
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

FILES = ("portals.toml", "crawl.toml", "metadata.yml")


class SettingsError(ValueError):
    """A settings file that cannot be used, named with the reason."""


def packaged_dir() -> Path:
    """The defaults shipped inside the package (the repository's ``settings/``)."""
    return Path(str(files("nianbao.settings")))


@dataclass(frozen=True)
class Settings:
    """The settings folders to search, most specific first."""

    override: Path | None = None

    def folders(self) -> list[tuple[str, Path]]:
        found = []
        if self.override:
            found.append(("--settings", Path(self.override)))
        if os.environ.get("NIANBAO_SETTINGS"):
            found.append(("NIANBAO_SETTINGS", Path(os.environ["NIANBAO_SETTINGS"])))
        found.append(("./settings", Path.cwd() / "settings"))
        found.append(("packaged defaults", packaged_dir()))
        return found

    def source(self, name: str) -> Path:
        """The file ``name`` that is in effect."""
        if self.override and not Path(self.override).is_dir():
            raise SettingsError(f"--settings {self.override}: not a folder")
        for _, folder in self.folders():
            if (folder / name).is_file():
                return folder / name
        raise SettingsError(f"{name} not found in any settings folder")

    def in_effect(self) -> list[tuple[str, Path, str]]:
        """``(file name, path, where it came from)`` for ``nianbao config``."""
        rows = []
        for name in FILES:
            path = self.source(name)
            origin = next(label for label, folder in self.folders() if folder / name == path)
            rows.append((name, path, origin))
        return rows

    def portals(self) -> dict[str, dict]:
        """``{name: {"name", "region", "start_urls", "cms", ...}}`` from portals.toml."""
        path = self.source("portals.toml")
        data = _toml(path)
        portals = {}
        for entry in data.get("portal", []):
            if "name" not in entry or not entry.get("start_urls"):
                raise SettingsError(f"{path}: every [[portal]] needs a name and start_urls: {entry}")
            portals[entry["name"]] = entry
        return portals

    def crawl(self) -> dict:
        """Scrapy settings from ``crawl.toml`` (the contact, delays)."""
        return _toml(self.source("crawl.toml")).get("scrapy", {})

    def metadata(self) -> Path:
        return self.source("metadata.yml")


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from exc


def user_dir(settings: Settings) -> Path:
    """Where the user's own settings are written: never the packaged defaults."""
    label, folder = settings.folders()[0]
    return folder


def web_url_problem(url: str) -> str | None:
    """Why ``url`` cannot start a crawl (None when it can): only http(s) URLs with a host.

    >>> web_url_problem("https://www.pingtan.gov.cn/zwgk/"), web_url_problem("notaurl")
    (None, "'notaurl' is not an http(s) URL with a host")
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 (raises on a port out of range)
    except ValueError:
        ok = False
    return None if ok else f"{url!r} is not an http(s) URL with a host"


def redis_url_problem(url: str) -> str | None:
    """Why ``url`` cannot name the Redis database of a shared frontier (None when it can).

    >>> redis_url_problem("redis://10.0.0.5:6379/2"), redis_url_problem("redis://h:6379/abc")
    (None, "the database in 'redis://h:6379/abc' must be a number (…/0, …/1, …), not 'abc'")
    """
    from urllib.parse import urlsplit

    example = "redis://HOST:PORT/DB"
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises on a port that is not a number or out of range)
    except ValueError:
        return f"{url!r} has a bad port ({example})"
    if parts.scheme == "unix":
        return None if parts.path else f"{url!r} names no socket (unix:///PATH?db=N)"
    if parts.scheme not in ("redis", "rediss"):
        return f"{url!r} is not a Redis URL ({example})"
    if not parts.hostname:  # redis-py would quietly use localhost:6379
        return f"{url!r} names no host ({example})"
    db = parts.path.strip("/")
    if db and not re.fullmatch(r"[0-9]+", db):  # redis-py would quietly use database 0
        return f"the database in {url!r} must be a number (…/0, …/1, …), not {db!r}"
    return None


def import_portals(settings: Settings, csv_file: Path) -> tuple[Path, int, int]:
    """Merge ``name, region, homepage[, column_url]`` rows into the user's portals.toml.

    Returns ``(path written, added, updated)``. The column URL, when given, is crawled
    first; the homepage stays as a start URL so a moved column is found again."""
    import csv

    path = user_dir(settings) / "portals.toml"
    current = settings.portals()  # the registry in effect (packaged defaults too): added to
    added = updated = 0
    with open(csv_file, encoding="utf-8-sig", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            if not row.get("name") or not row.get("homepage"):
                raise SettingsError(f"{csv_file}:{line}: a portal needs name and homepage")
            if re.search(r"\s", row["name"]):
                raise SettingsError(f"{csv_file}:{line}: portal name {row['name']!r} has a "
                                    "space (it is typed on the command line)")
            urls = [u for u in (row.get("column_url"), row["homepage"]) if u]
            for url in urls:
                if problem := web_url_problem(url):
                    raise SettingsError(f"{csv_file}:{line}: {problem}")
            entry = {"name": row["name"], "region": row.get("region", ""), "start_urls": urls}
            if row["name"] in current:
                updated += 1
            else:
                added += 1
            current[row["name"]] = {**current.get(row["name"], {}), **entry}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(portals_toml(current.values()), "utf-8")
    return path, added, updated


def portals_toml(entries) -> str:
    """Portal entries as ``[[portal]]`` tables (strings and lists of strings only)."""
    import json

    out = ["# The portals nianbao crawls (see `nianbao portals`).\n"]
    for entry in entries:
        out.append("[[portal]]")
        for key, value in entry.items():
            out.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        out.append("")
    return "\n".join(out)
