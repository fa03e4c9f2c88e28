"""The reading room (nianbao's Datasette plugin) in process, on the demo archive:
report pages, captures from WARC, search, coverage, readable tables, and bad input."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, nianbao


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo archive (6 reports, the 2022 one with a slip in its table 三)."""
    work = tmp_path_factory.mktemp("room")
    assert nianbao("demo", cwd=work).returncode == 0
    return work / "data"


class Client:
    """Datasette with the project's metadata over an archive, driven in process."""

    def __init__(self, db: Path, config: dict | None = None):
        from datasette.app import Datasette

        meta = yaml.safe_load((ROOT / "settings" / "metadata.yml").read_text("utf-8"))
        if config:
            meta["plugins"]["nianbao"] = config
        self.loop = asyncio.new_event_loop()
        self.ds = Datasette(immutables=[str(db)], metadata=meta)
        self.loop.run_until_complete(self.ds.invoke_startup())

    def get(self, path: str):
        return self.loop.run_until_complete(self.ds.client.get(path))


@pytest.fixture(scope="module")
def client(demo) -> Client:
    return Client(demo / "nianbao.db")


def report_ids(client: Client) -> dict[int, int]:
    rows = client.get("/nianbao/reports.json?_shape=array&_col=year").json()
    return {r["year"]: r["id"] for r in rows}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_report_page_lays_out_the_form_and_explains_the_failing_check(client):
    ids = report_ids(client)
    page = client.get(f"/report/{ids[2022]}")
    assert page.status_code == 200
    html = page.text
    form = html[html.index('id="table-requests"'):html.index('id="table-reviews"')]
    order = [form.index(f">{label}</th>") for label in ("一、本年新收政府信息公开申请数量", "（一）予以公开",
                                             "（三）不予公开", "1.属于国家秘密", "（七）总计",
                                             "四、结转下年度继续办理")]
    assert order == sorted(order)
    assert "rowspan" in html and "法人或其他组织" in html
    assert not re.search(r">\s*\d+\.0\s*<", html)  # counts as integers
    words = text_of(html)
    assert "“总计”列：（七）总计印作 2985 件，但各项办理结果相加为 2986 件，相差 1 件。" in words
    assert "“（一）予以公开”一行：总计印作 148 件" in words and "相加为 147 件" in words
    assert len(re.findall(r'<td class="[^"]*check-fail', html)) == 2
    assert "← 2021 年" in words and "2023 年 →" in words
    assert "一、总体情况" in words and "第 1 版" in words


def test_report_page_of_the_2019_format_and_its_neighbours(client):
    ids = report_ids(client)
    words = text_of(client.get(f"/report/{ids[2019]}").text)
    assert "2019 版表格" in words and "其他对外管理服务事项" in words and "（六）其他处理" in words
    assert "无更早年度" in words and "0 项不符" in words


@pytest.mark.parametrize("bad", ["999999", "abc", "1%20or%201=1", "9" * 40, ""])
def test_unknown_report_is_a_clear_page(client, bad):
    page = client.get(f"/report/{bad}")
    assert page.status_code == 404
    assert "没有这份报告" in page.text and "Traceback" not in page.text


def test_capture_of_an_html_page_with_banner(client):
    ids = report_ids(client)
    report = client.get(f"/report/{ids[2021]}").text
    capture = re.search(r'href="/capture/(\d+)"', report).group(1)
    page = client.get(f"/capture/{capture}")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "存档副本" in words and "已重新校验" in words and "sha1:" in words
    assert ".warc.gz" in words and "HTTP 200" in words
    body = client.get(f"/capture/{capture}/view")
    assert "sandbox" in body.headers["content-security-policy"]
    assert "示范县人民政府2021年政府信息公开工作年度报告" in body.text
    raw = client.get(f"/capture/{capture}/raw?download=1")
    assert raw.headers["content-disposition"].startswith("attachment")
    assert b"<html" in raw.content.lower()


def test_capture_of_a_pdf_opens_as_pdf(client):
    ids = report_ids(client)
    report = client.get(f"/report/{ids[2024]}").text
    capture = re.search(r'href="/capture/(\d+)"', report).group(1)
    page = client.get(f"/capture/{capture}")
    assert "application/pdf" in page.text and "打开 PDF" in page.text
    raw = client.get(f"/capture/{capture}/raw")
    assert raw.headers["content-type"] == "application/pdf"
    assert raw.headers["content-disposition"].startswith("inline")
    assert raw.content.startswith(b"%PDF-")


def test_capture_by_url_redirects_to_the_latest(client):
    url = client.get("/nianbao/reports.json?_shape=array&_col=url").json()[0]["url"]
    page = client.get("/capture?url=" + url)
    assert page.status_code == 302 and page.headers["location"].startswith("/capture/")
    assert client.get("/capture?url=http://nowhere.example/").status_code == 404


def _copy(demo: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(demo, data)
    return data


def test_moved_warc_file_is_a_clear_page(demo, tmp_path):
    data = _copy(demo, tmp_path)
    for f in (data / "warc").iterdir():
        f.rename(tmp_path / f.name)
    client = Client(data / "nianbao.db")
    page = client.get("/capture/7")
    assert page.status_code == 410
    assert "找不到 WARC 文件" in page.text and "Traceback" not in page.text
    assert client.get("/capture/7/raw").status_code == 410
    assert client.get("/report/1").status_code == 200  # the rest keeps working


def test_damaged_warc_record_is_a_clear_page(demo, tmp_path):
    data = _copy(demo, tmp_path)
    client = Client(data / "nianbao.db")
    row = client.get("/nianbao/captures/7.json?_shape=array").json()[0]
    warc = data / "warc" / row["warc_file"]
    blob = bytearray(warc.read_bytes())
    start = row["warc_offset"] + 40
    blob[start:start + 200] = b"\x00" * 200
    warc.write_bytes(bytes(blob))
    page = client.get("/capture/7")
    assert page.status_code == 500 and "已损坏" in page.text and "Traceback" not in page.text
    assert client.get("/capture/8").status_code == 200


def test_capture_of_a_saved_file_shows_its_text(tmp_path):
    """A ``rebuild --from-dir`` archive has no WARC record to replay, by design: its
    capture pages say so and show the text read from the file (not an error page)."""
    from nianbao.demo import site

    folder = tmp_path / "saved"
    folder.mkdir()
    path, (body, _) = next((p, v) for p, v in sorted(site().items())
                           if "/t20" in p and p.endswith(".html"))
    (folder / "report.html").write_bytes(body)
    db = tmp_path / "archive" / "nianbao.db"
    assert nianbao("rebuild", "--from-dir", str(folder), "--db", str(db),
                   cwd=tmp_path).returncode == 0
    client = Client(db)
    title = client.get("/nianbao/reports.json?_shape=array").json()[0]["title"]
    page = client.get("/capture/1")
    assert page.status_code == 200, page.text[:500]
    assert "本地保存的文件" in page.text and "report.html" in page.text
    assert title in text_of(page.text) and "读不出来" not in page.text


def test_warc_dir_from_plugin_setting(demo, tmp_path):
    data = _copy(demo, tmp_path)
    moved = tmp_path / "elsewhere"
    (data / "warc").rename(moved)
    client = Client(data / "nianbao.db", {"warc_dir": str(moved)})
    assert client.get("/capture/7").status_code == 200


@pytest.mark.parametrize("term", ["县", "示范", "2023-01-30", "人民政府"])
def test_search_any_length_with_snippets(client, term):
    page = client.get("/search?q=" + term)
    assert page.status_code == 200
    assert f"<mark>{term}</mark>" in page.text
    assert "找到" in page.text


@pytest.mark.parametrize("term", ['"', "'", '"2022-01', "a' OR 1=1 --", "%_*()", "NEAR(", "秘密\"'\\"])
def test_search_punctuation_is_never_an_error(client, term):
    from urllib.parse import quote

    page = client.get("/search?q=" + quote(term))
    assert page.status_code == 200, page.text[:500]
    assert "Traceback" not in page.text and "syntax error" not in page.text.lower()


def test_search_skips_the_forms_labels(client):
    page = client.get("/search?q=国家秘密")
    words = text_of(page.text)
    assert "没有找到" in words and "只在表格栏目名称中出现" in words


def test_search_filters(client):
    hits = text_of(client.get("/search?q=人民政府&year=2022").text)
    assert "找到 1 份报告" in hits
    assert "找到 6 份报告" in text_of(client.get("/search?q=人民政府&format=").text)
    assert "找到 2 份报告" in text_of(client.get("/search?q=人民政府&format=2019").text)


def test_search_with_a_query_of_ten_thousand_characters(client):
    page = client.get("/search?q=" + "秘" * 10000)
    assert page.status_code == 400
    assert "检索词太长" in page.text and "Traceback" not in page.text
    assert client.get("/search?q=县").status_code == 200


def test_coverage(client):
    page = client.get("/coverage")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "已存档 6" in words and "缺失 0" in words and "示范县人民政府" in words
    assert "次年 3 月 31 日" in words


def test_readable_tables(client):
    cells = client.get("/nianbao/cells_labelled.json?_shape=array&row_key=granted&col_key=total"
                       "&_size=1").json()
    assert cells[0]["row_label"] == "（一）予以公开" and cells[0]["col_label"] == "总计"
    fks = client.get("/nianbao/cells.json?_size=1&_labels=on&_shape=array").json()
    assert fks[0]["report_id"]["label"].endswith("年度报告")
    reasons = client.get("/nianbao/refusal_reasons.json?_shape=array").json()
    assert reasons[0]["reason"] == "1.属于国家秘密"
    home = client.get("/").text
    assert home.index(">reports<") < home.index(">cells<")
    database = client.get("/nianbao").text
    assert database.index("/nianbao/reports") < database.index("/nianbao/cells")


def test_long_texts_truncated_in_table_views_full_on_row_pages(client):
    table = client.get("/nianbao/versions").text
    assert "（共 " in table and len(table) < 60000
    row = client.get("/nianbao/versions/1").text
    assert "（共 " not in row.split("<table")[1].split("</table>")[0] or "original_text" in row


def test_plain_datasette_loads_the_plugin(demo):
    """`datasette` with nianbao installed gets the reading room (entry point)."""
    out = subprocess.run([sys.executable, "-m", "datasette", str(demo / "nianbao.db"), "--get",
                          "/-/plugins.json"], capture_output=True, text=True, timeout=60)
    assert '"name": "nianbao"' in out.stdout
    page = subprocess.run([sys.executable, "-m", "datasette", str(demo / "nianbao.db"), "--get",
                           "/report/1"], capture_output=True, text=True, timeout=60)
    assert "（七）总计" in page.stdout


def test_status_prints_coverage_and_last_crawl(demo):
    out = nianbao("status", "--data", str(demo), cwd=demo.parent)
    assert out.returncode == 0, out.stderr
    assert "Reports by year and format" in out.stdout
    assert "Coverage" in out.stdout and "6 found, 0 missing" in out.stdout
    assert "Last crawl per portal" in out.stdout


def test_schema_migration_adds_foreign_keys_and_labels(tmp_path):
    import sqlite_utils

    from nianbao.archive.db import FOREIGN_KEYS, TABLES, open_db

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    for name, spec in TABLES.items():
        old[name].create(spec["columns"], pk=spec["pk"])
    old["reports"].insert({"id": 1, "title": "t"})
    old["cells"].insert({"report_id": 1, "table": "requests", "row_key": "granted",
                         "col_key": "total", "value": 2, "raw": "2"})
    old.execute("PRAGMA user_version = 2")
    old.conn.close()
    db = open_db(path)
    for table, column, other, _ in FOREIGN_KEYS:
        assert any(f.column == column and f.other_table == other for f in db[table].foreign_keys)
    assert db.execute("select row_label from cells_labelled").fetchone()[0] == "（一）予以公开"
    assert db["cells"].count == 1
