"""The command line behaves like its ecosystem's CLIs: help, version, log levels, one-line
errors with distinct exit codes, nothing created or replaced by accident."""

from __future__ import annotations

import csv
import shutil
import sqlite3

import pytest
import sqlite_utils

from tests.conftest import nianbao
from tests.layouts import report_docx

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """A data folder holding the crawled demo portal."""
    work = tmp_path_factory.mktemp("cli")
    result = nianbao("demo", cwd=work)
    assert result.returncode == 0, result.stderr
    return work


def one_line_error(result, *words: str) -> None:
    """An error a user can read: no traceback, the words that say what to do."""
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in result.stderr, result.stderr


def test_help_version_and_exit_codes_documented(tmp_path):
    short, long = nianbao("-h", cwd=tmp_path), nianbao("--help", cwd=tmp_path)
    assert short.returncode == 0 and short.stdout == long.stdout
    assert "Exit codes" in short.stdout and "3 another crawl" in short.stdout
    for command in ("crawl", "rebuild", "ingest", "serve", "export", "portals", "config",
                    "status", "demo"):
        assert command in short.stdout
    assert nianbao("crawl", "-h", cwd=tmp_path).returncode == 0
    version = nianbao("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("nianbao, version ")
    usage = nianbao("crawl", cwd=tmp_path)
    assert usage.returncode == 2 and "--start-url" in usage.stderr


def test_unknown_portal_lists_known_ones(tmp_path):
    result = nianbao("crawl", "nosuchportal", cwd=tmp_path)
    assert result.returncode == 2
    one_line_error(result, "unknown portal(s): nosuchportal", "known: pingtan")
    assert not (tmp_path / "data" / "warc").exists()


def test_read_commands_never_create_a_database(tmp_path):
    for args in (["export"], ["status"], ["serve"], ["export", "--db", "typo.db"],
                 ["portals", "--db", "typo.db"]):
        result = nianbao(*args, cwd=tmp_path)
        assert result.returncode == 1, args
        one_line_error(result, "no database at")
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "data").exists()
    # an existing file that is no archive (empty: SQLite would make it one on first write)
    (tmp_path / "empty.db").write_bytes(b"")
    for command in ("export", "status", "serve", "portals"):
        result = nianbao(command, "--db", "empty.db", cwd=tmp_path)
        assert result.returncode == 1, command
        one_line_error(result, "is not a nianbao archive")
    assert (tmp_path / "empty.db").stat().st_size == 0
    ingest = nianbao("ingest", cwd=tmp_path)
    assert ingest.returncode == 1
    one_line_error(ingest, "no WARC files under data/warc")


def test_export_to_a_file_path_or_unwritable_place(archived, tmp_path):
    afile = tmp_path / "a-file"
    afile.write_text("x")
    result = nianbao("export", "--out", str(afile), cwd=archived)
    assert result.returncode == 1
    one_line_error(result, "is a file; give a folder")
    result = nianbao("export", "--out", str(afile / "sub"), cwd=archived)
    assert result.returncode == 1
    one_line_error(result, "cannot write to")


def test_excel_csv_has_a_bom_and_plain_csv_has_none(archived):
    assert nianbao("export", "--excel", "--out", "xl", cwd=archived).returncode == 0
    assert nianbao("export", "--out", "plain", cwd=archived).returncode == 0
    assert (archived / "xl" / "reports.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (archived / "plain" / "reports.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    with open(archived / "xl" / "reports.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert "示范县人民政府" in {r["agency"] for r in rows} and "id" in rows[0]


def test_from_dir_never_replaces_a_warc_built_database(archived, tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "report.docx").write_bytes(report_docx(2021))
    db_file = archived / "data" / "nianbao.db"
    before = sqlite_utils.Database(db_file)["reports"].count
    result = nianbao("rebuild", "--from-dir", str(folder), cwd=archived)
    assert result.returncode == 1
    one_line_error(result, "was built from WARC files", "--force")
    assert sqlite_utils.Database(db_file)["reports"].count == before == 6
    other = nianbao("rebuild", "--from-dir", str(folder), "--db", "saved.db", cwd=archived)
    assert other.returncode == 0, other.stderr
    assert sqlite_utils.Database(archived / "saved.db")["reports"].count == 1


def test_from_dir_one_report_per_document_and_says_what_it_skipped(tmp_path):
    folder = tmp_path / "saved"
    (folder / "2021").mkdir(parents=True)
    docx = report_docx(2021)
    (folder / "2021" / "report.docx").write_bytes(docx)
    text = "\n".join(p for p in _docx_text(docx))
    (folder / "2021" / "report.txt").write_text(text, "utf-8")
    (folder / "notes.xlsx").write_bytes(b"PK\x03\x04 not a report")
    outside = tmp_path / "outside.html"
    outside.write_text("<title>外县人民政府2022年政府信息公开工作年度报告</title>", "utf-8")
    (folder / "link.html").symlink_to(outside)
    result = nianbao("rebuild", "--from-dir", str(folder), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    assert [r["url"].rsplit("/", 2)[-2:] for r in db["reports"].rows] == [["2021", "report.docx"]]
    assert "skipped 1 file(s), same document saved in a richer form: 2021/report.txt" \
        in result.stderr
    assert "skipped 1 file(s), symlink (not followed): link.html" in result.stderr
    assert "skipped 1 file(s), not a saved page or document: notes.xlsx" in result.stderr
    assert not any("outside" in c["url"] for c in db["captures"].rows)
    assert ".docx" in nianbao("rebuild", "-h", cwd=tmp_path).stdout


def _docx_text(data: bytes) -> list[str]:
    import io

    import docx

    doc = docx.Document(io.BytesIO(data))
    return [p.text for p in doc.paragraphs]


def test_config_portals_and_user_overrides(tmp_path):
    shown = nianbao("config", cwd=tmp_path)
    assert shown.returncode == 0
    assert shown.stdout.count("(packaged defaults)") == 3
    (tmp_path / "settings").mkdir()
    (tmp_path / "settings" / "portals.toml").write_text(
        '[[portal]]\nname = "mine"\nregion = "某省某县"\nstart_urls = ["http://127.0.0.9/"]\n',
        "utf-8")
    shown = nianbao("config", cwd=tmp_path)
    assert "portals.toml" in shown.stdout and "(./settings)" in shown.stdout
    assert shown.stdout.count("(packaged defaults)") == 2
    listed = nianbao("portals", cwd=tmp_path)
    assert listed.returncode == 0 and "mine" in listed.stdout and "pingtan" not in listed.stdout
    (tmp_path / "registry.csv").write_text(
        "name,region,homepage,column_url\n"
        "lianjiang,福建省福州市连江县,http://127.0.0.10/,http://127.0.0.10/zwgk/nb/\n"
        "mine,某省某县,http://127.0.0.9/,\n", "utf-8")
    imported = nianbao("portals", "import", "registry.csv", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "1 portal(s) added, 1 updated" in imported.stderr
    listed = nianbao("portals", cwd=tmp_path)
    assert "lianjiang" in listed.stdout and "mine" in listed.stdout
    env_dir = tmp_path / "elsewhere"
    env_dir.mkdir()
    shutil.copy(tmp_path / "settings" / "portals.toml", env_dir / "portals.toml")
    via_flag = nianbao("--settings", str(env_dir), "config", cwd=tmp_path)
    assert f"{env_dir}/portals.toml  (--settings)" in via_flag.stdout
    missing = nianbao("--settings", str(tmp_path / "nope"), "config", cwd=tmp_path)
    assert missing.returncode == 1
    one_line_error(missing, "not a folder")


def test_quiet_and_verbose_log_levels(archived):
    quiet = nianbao("-q", "ingest", cwd=archived)
    verbose = nianbao("-vv", "ingest", cwd=archived)
    assert quiet.returncode == verbose.returncode == 0
    assert "INFO nianbao.archive.ingest: reading" in verbose.stderr
    assert quiet.stderr == ""


def test_status_summarises_the_archive(archived):
    result = nianbao("status", cwd=archived)
    assert result.returncode == 0
    assert "Reports by year and format" in result.stdout and "2023" in result.stdout


def test_schema_newer_than_this_version_is_refused_older_is_migrated(archived, tmp_path):
    newer = tmp_path / "newer.db"
    shutil.copy(archived / "data" / "nianbao.db", newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    result = nianbao("status", "--db", str(newer), cwd=archived)
    assert result.returncode == 1
    one_line_error(result, "schema version 99, newer than")
    older = tmp_path / "older.db"
    shutil.copy(archived / "data" / "nianbao.db", older)
    with sqlite3.connect(older) as conn:
        conn.execute("alter table reports drop column flags")
        conn.execute("drop table ingest_errors")
        conn.execute("PRAGMA user_version = 1")
    assert nianbao("status", "--db", str(older), cwd=archived).returncode == 0
    db = sqlite_utils.Database(older)
    assert "flags" in db["reports"].columns_dict and db["ingest_errors"].exists()
    assert db.execute("PRAGMA user_version").fetchone()[0] >= 2


def test_bad_start_urls_and_demo_hosts_are_usage_errors(tmp_path):
    for url in ("notaurl", "ftp://127.0.0.1/", "http://127.0.0.1:99999/", "http:///nohost"):
        result = nianbao("crawl", "--start-url", url, cwd=tmp_path)
        assert result.returncode == 2, url
        one_line_error(result, "not an http(s) URL with a host")
    for host in ("8.8.8.8", "0.0.0.0"):
        result = nianbao("demo", "--host", host, cwd=tmp_path)
        assert result.returncode == 2, host
        one_line_error(result, "not a loopback address")
    assert not (tmp_path / "data").exists()  # nothing crawled, nothing created


def test_demo_portal_served_alone_for_other_crawls(tmp_path):
    """`demo --serve-only` keeps the demo portal up for crawls a user starts by hand (the
    only way to try `crawl --redis` or `worker` on it), and stops on SIGTERM."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.23", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "nianbao", "demo", "--serve-only", "--host",
                               "127.0.0.23", "--port", str(port)], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.23", port), 1).close()
                break
            except OSError:
                time.sleep(0.1)
        crawl = nianbao("crawl", "--start-url", f"http://127.0.0.23:{port}/", "-s",
                        "DOWNLOAD_DELAY=0.05", cwd=tmp_path)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=30)
    assert server.returncode == 0 and "served" in out, out
    years = [r[0] for r in sqlite3.connect(tmp_path / "data" / "nianbao.db").execute(
        "select year from reports order by year")]
    assert years == [2019, 2020, 2021, 2022, 2023, 2024]


def test_portals_import_adds_to_the_registry_in_effect_and_checks_each_row(tmp_path):
    (tmp_path / "ok.csv").write_text(
        "name,region,homepage\nlianjiang,福建省福州市连江县,http://127.0.0.10/\n", "utf-8")
    imported = nianbao("portals", "import", "ok.csv", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    listed = nianbao("portals", cwd=tmp_path).stdout
    assert "lianjiang" in listed and "pingtan" in listed  # the packaged portal is kept
    written = (tmp_path / "settings" / "portals.toml").read_text("utf-8")
    for bad, why in (("bad name,某县,http://127.0.0.11/", "has a space"),
                     ("good,某县,notaurl", "not an http(s) URL")):
        (tmp_path / "bad.csv").write_text(f"name,region,homepage\n{bad}\n", "utf-8")
        result = nianbao("portals", "import", "bad.csv", cwd=tmp_path)
        assert result.returncode == 1, bad
        one_line_error(result, "bad.csv:2", why)
    assert (tmp_path / "settings" / "portals.toml").read_text("utf-8") == written


def test_serve_on_a_port_in_use_is_a_one_line_error(archived):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = nianbao("serve", "--port", str(port), cwd=archived)
    assert result.returncode == 1
    one_line_error(result, f"cannot serve on 127.0.0.1:{port}")
