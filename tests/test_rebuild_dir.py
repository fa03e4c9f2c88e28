"""``nianbao rebuild --from-dir``: a folder of saved pages becomes the archive."""

import html

import sqlite_utils

from tests.layouts import report_docx


def test_seed_texts_wrapped_as_pages(run_cli, tmp_path, shared):
    folder = tmp_path / "saved"
    for seed in sorted((shared / "seeds").glob("0*.txt")):
        text = seed.read_text("utf-8")
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
        page = f"<html><head><title>{html.escape(text.strip().splitlines()[0])}</title></head>" \
               f"<body>{paragraphs}</body></html>"
        target = folder / seed.name[:3] / "page.html"
        target.parent.mkdir(parents=True)
        target.write_text(page, "utf-8")
    (folder / "extra").mkdir()
    (folder / "extra" / "report.docx").write_bytes(report_docx(2021))
    result = run_cli("rebuild", "--from-dir", str(folder))
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    reports = {r["url"].split("/saved/")[1]: r for r in db["reports"].rows}
    assert set(reports) == {"000/page.html", "001/page.html", "002/page.html", "003/page.html",
                            "004/page.html", "extra/report.docx"}
    assert all(url.startswith("file:///") for url in (r["url"] for r in reports.values()))
    years = {k: (r["year"], r["format"]) for k, r in reports.items()}
    assert years == {"000/page.html": (2023, "2021"), "001/page.html": (2020, "2019"),
                     "002/page.html": (2023, "2021"), "003/page.html": (2023, "2021"),
                     "004/page.html": (2023, "2021"), "extra/report.docx": (2021, "2021")}
    value = db.execute("""select value from cells c join reports r on r.id = c.report_id
        where r.url like '%/004/page.html' and row_key = 'licensing'""").fetchone()[0]
    assert value == 242
    versions = {v["report_id"]: v for v in db["versions"].rows}
    seed000 = reports["000/page.html"]["id"]
    assert "traditional_to_simplified" in versions[seed000]["repairs"]
    assert versions[seed000]["original_text"] and versions[seed000]["encoding"] == "utf-8"
    again = run_cli("rebuild", "--from-dir", str(folder))
    assert again.returncode == 0
    assert list(sqlite_utils.Database(tmp_path / "data" / "nianbao.db")["cells"].rows) == \
        list(db["cells"].rows)


def test_a_file_that_is_not_what_its_name_says_is_kept_and_says_why_once(run_cli, tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "junk.pdf").write_bytes(b"\x00\x01 not a pdf at all " * 50)
    result = run_cli("rebuild", "--from-dir", str(folder))
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(tmp_path / "data" / "nianbao.db")
    [row] = db["captures"].rows
    parts = [p.strip() for p in row["detail"].split(";")]
    assert row["outcome"] == "not_parsed" and "not_parsed:binary" in parts
    assert len(parts) == len(set(parts)), row["detail"]  # each flag said once
