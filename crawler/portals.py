"""The portal registry users edit: ``settings/portals.toml``."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

SETTINGS_DIR = Path(__file__).resolve().parent.parent / "settings"


def settings_dir(override: str | Path | None = None) -> Path:
    return Path(override or os.environ.get("NIANBAO_SETTINGS") or SETTINGS_DIR)


def load_portals(directory: str | Path | None = None) -> dict[str, dict]:
    """``{name: {"name", "region", "start_urls", "cms", ...}}`` from portals.toml."""
    path = settings_dir(directory) / "portals.toml"
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text("utf-8"))
    portals = {}
    for entry in data.get("portal", []):
        if "name" not in entry or not entry.get("start_urls"):
            raise ValueError(f"{path}: every [[portal]] needs a name and start_urls: {entry}")
        portals[entry["name"]] = entry
    return portals


def load_crawl_settings(directory: str | Path | None = None) -> dict:
    """Scrapy settings a user may set in ``settings/crawl.toml`` (e.g. the contact)."""
    path = settings_dir(directory) / "crawl.toml"
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text("utf-8")).get("scrapy", {})
