"""The archive: WARC files in, one SQLite database out (captures, reports, versions,
cells, checks), served with Datasette."""

from pathlib import Path

DEFAULT_DATA = Path("data")


def warc_dir(data: Path) -> Path:
    return Path(data) / "warc"


def db_path(data: Path, db: Path | None = None) -> Path:
    return Path(db) if db else Path(data) / "nianbao.db"
