"""Exports: CSV/JSONL for analysis, WACZ for replay."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
import zipfile

import pytest

from nianbao.demo import demo_numbers

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    from tests.conftest import nianbao

    work = tmp_path_factory.mktemp("export")
    assert nianbao("demo", cwd=work).returncode == 0
    return work


def test_csv_and_jsonl(demo_dir):
    from tests.conftest import nianbao

    assert nianbao("export", "--format", "csv", "--out", "out", cwd=demo_dir).returncode == 0
    with open(demo_dir / "out" / "cells.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    row = next(r for r in rows if r["year"] == "2023" and r["row_key"] == "new_received"
               and r["col_key"] == "total")
    expected = demo_numbers(2023)[("requests", "new_received", "total")]
    assert row["value"] == str(int(expected))  # a whole number as people write it, not 72.0
    assert row["agency"] == "示范县人民政府" and row["table"] == "requests"
    assert nianbao("export", "--format", "jsonl", "--out", "out", cwd=demo_dir).returncode == 0
    reports = [json.loads(line) for line in open(demo_dir / "out" / "reports.jsonl", encoding="utf-8")]
    assert sorted(r["year"] for r in reports) == [2019, 2020, 2021, 2022, 2023, 2024]
    cells = [json.loads(line) for line in open(demo_dir / "out" / "cells.jsonl", encoding="utf-8")]
    procurement = [c["value"] for c in cells if c["col_key"] == "amount_10k_yuan"
                   and c["value"] is not None]
    assert procurement and any(isinstance(v, float) for v in procurement)  # 万元 with decimals
    assert all(isinstance(c["value"], int) for c in cells if c["row_key"] == "new_received")


def test_an_empty_archive_exports_csv_headers(tmp_path):
    from nianbao.archive.db import open_db
    from nianbao.archive.export import export_tables

    export_tables(open_db(tmp_path / "empty.db"), tmp_path / "out")
    with open(tmp_path / "out" / "cells.csv", encoding="utf-8") as fh:
        assert fh.read().splitlines() == [
            "report_id,agency,region,year,format,table,row_key,col_key,value,raw"]


def test_wacz_package_validates(demo_dir):
    from tests.conftest import nianbao

    result = nianbao("export", "--format", "wacz", "--out", "wacz", cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    package = demo_dir / "wacz" / "nianbao.wacz"
    check = subprocess.run([sys.executable, "-m", "wacz.main", "validate", "-f", str(package)],
                           capture_output=True, text=True)
    assert check.returncode == 0 and "Validation succeeded" in check.stdout + check.stderr
    with zipfile.ZipFile(package) as z:
        names = z.namelist()
        assert "datapackage.json" in names and any(n.startswith("archive/") for n in names)
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()]
        index = b"".join(gzip.decompress(z.read(n)) if n.endswith(".gz") else z.read(n)
                         for n in names if n.startswith("indexes/"))
    titles = [p.get("title") for p in pages[1:]]
    assert len(titles) == 6 and all("年度报告" in t for t in titles)
    assert all(f'"url": "{p["url"]}"'.encode() in index for p in pages[1:])
