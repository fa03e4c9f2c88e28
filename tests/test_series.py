"""Series across years and siblings, through the real ingest path (WARC files of two
portals → ``Ingestor.ingest_warcs``): cross-year rules keyed on the body, copies,
identical tables and anomalies — each flag asserted, and no other."""

from __future__ import annotations

import json
import re

import pytest
import sqlite_utils

from nianbao.archive import series
from nianbao.archive.db import ensure_schema
from nianbao.archive.ingest import Ingestor
from nianbao.parsers import forms
from nianbao.parsers.checks import Facts
from nianbao.parsers.rules import item_checks, published_checks, subtotal_checks
from nianbao.parsers.values import CellValue
from tests.seriesgen import (
    Gen,
    proactive_cells,
    prose,
    request_cells,
    review_cells,
    write_warc,
)

PORTALS = {"fz-gulou": {"name": "fz-gulou", "region": "福建省福州市"},
           "nj-gulou": {"name": "nj-gulou", "region": "江苏省南京市"}}
YEARS = range(2019, 2025)


def fmt_of(year: int) -> str:
    return "2019" if year < 2021 else "2021"


def forward_of(cells: dict) -> list[int]:
    return [int(cells[("requests", "carried_forward", c)]) for c in forms.APPLICANTS]


def body_series(name: str, agency_by_year: dict[int, str], portal: str, seed: int,
                years=YEARS, tweaks: dict[int, dict] | None = None) -> list[Gen]:
    """One body's reports: carry-over and table 二 consistent year to year, distinct prose,
    unless ``tweaks`` say otherwise (per year: break_carry, break_y, new, overview,
    problems, forward, same_tables)."""
    out: list[Gen] = []
    prev: Gen | None = None
    for year in years:
        t = (tweaks or {}).get(year, {})
        fmt = fmt_of(year)
        if t.get("same_tables") and prev:
            cells = dict(prev.cells)
        else:
            carried = forward_of(prev.cells) if prev else None
            if t.get("break_carry"):
                carried = [c + 2 for c in carried]
            cells = {**request_cells(seed + year, carried, t.get("new"), fmt=fmt,
                                     forward=t.get("forward")),
                     **review_cells(seed + year),
                     **proactive_cells(fmt, seed + year, prev.cells if prev and prev.fmt == fmt
                                       else None, t.get("break_y"))}
        for key, value in t.get("cells", {}).items():
            cells[key] = value
        agency = agency_by_year[max(y for y in agency_by_year if y <= year)]
        g = Gen(agency, year, fmt, cells,
                t.get("overview", prose(seed * 100 + year)),
                t.get("problems", prose(seed * 100 + year + 50)),
                t.get("published", f"{year + 1}-01-2{year % 10}"),
                url=f"http://www.{portal}.example.cn/nb/{name}/{year}.html", portal=portal)
        out.append(g)
        prev = g
    return out


def scenario() -> dict[str, list[Gen]]:
    a_2021_overview = prose(1_2021)
    shared_problems = prose(777)
    a = body_series("a", {2019: "鼓楼区人民政府办公室", 2020: "鼓楼区人民政府"}, "fz-gulou", 1, tweaks={
        2021: {"overview": a_2021_overview},
        2022: {"overview": re.sub(r"\d+", lambda m: str(int(m.group()) + 3), a_2021_overview)},
        2023: {"problems": shared_problems}})
    b_forward_2022 = [1, 2, 0, 1, 3, 2]
    b = body_series("b", {2019: "鼓楼区人民政府"}, "nj-gulou", 2, tweaks={
        2022: {"break_carry": True, "forward": b_forward_2022},
        2023: {"forward": b_forward_2022, "problems": shared_problems},
        2024: {"same_tables": True}})
    # 2023 repeats 2022's carry-forward and repeals as many as it issues, so an identical
    # 2024 is consistent; its 规章 现行有效件数 is 7 off last year's.
    for row, off in (("rules", 7), ("normative_docs", 0)):
        b[4].cells[("proactive", row, "repealed")] = b[4].cells[("proactive", row, "issued")]
        b[4].cells[("proactive", row, "in_force")] = b[3].cells[("proactive", row, "in_force")] + off
    b[5].cells = dict(b[4].cells)
    c = body_series("c", {2019: "鼓楼区国土资源局", 2020: "鼓楼区自然资源局"}, "fz-gulou", 3,
                    years=range(2019, 2024), tweaks={2020: {"break_y": "licensing"},
                                                     2023: {"problems": shared_problems}})
    e = body_series("e", {2019: "鼓楼区鼓东街道办事处"}, "fz-gulou", 4,
                    tweaks={y: {"new": n} for y, n in zip(YEARS, (30, 33, 31, 400, 36, 34),
                                                          strict=True)})
    zero = {**request_cells(5, zero=True), **review_cells(5, zero=True),
            **proactive_cells("2021", 5)}
    f = [Gen("仓山区人民政府", 2023, "2021", zero,
             "本年度全年共收到政府信息公开申请15件，均已按时办结。" + prose(501), prose(502),
             "2023-11-20", url="http://www.fz-gulou.example.cn/nb/f/2023.html", portal="fz-gulou")]
    return {"a": a, "b": b, "c": c, "e": e, "f": f}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    work = tmp_path_factory.mktemp("series")
    reports = scenario()
    write_warc(work / "warc", [g for gens in reports.values() for g in gens])
    db = sqlite_utils.Database(work / "nianbao.db")
    ensure_schema(db)
    stats = Ingestor(db, PORTALS).ingest_warcs(work / "warc")
    assert stats.reports == sum(len(v) for v in reports.values()), stats
    ids = {(name, g.year): db.execute("select id from reports where url = ?", [g.url]).fetchone()[0]
           for name, gens in reports.items() for g in gens}
    return db, ids, work


def _named(ids: dict, report_id: int) -> tuple[str, int]:
    return next(k for k, v in ids.items() if v == report_id)


def test_same_name_in_two_regions_is_two_bodies(archive):
    db, ids, _ = archive
    body = {k: db.execute("select body_id from reports where id = ?", [v]).fetchone()[0]
            for k, v in ids.items()}
    assert len({body[("a", y)] for y in YEARS}) == 1 and len({body[("b", y)] for y in YEARS}) == 1
    assert body[("a", 2023)] != body[("b", 2023)]
    a, b = db["bodies"].get(body[("a", 2023)]), db["bodies"].get(body[("b", 2023)])
    assert (a["county_code"], a["region"], a["agency"]) == ("350102", "福建省福州市鼓楼区", "人民政府")
    assert (b["county_code"], b["region"], b["agency"]) == ("320106", "江苏省南京市鼓楼区", "人民政府")
    assert json.loads(a["aliases"]) == ["鼓楼区人民政府", "鼓楼区人民政府办公室"]
    c = db["bodies"].get(body[("c", 2020)])
    assert body[("c", 2019)] == body[("c", 2020)] and c["agency"] == "自然资源局"
    assert json.loads(c["aliases"]) == ["鼓楼区国土资源局", "鼓楼区自然资源局"]
    e = db["bodies"].get(body[("e", 2020)])
    assert (e["township"], e["agency"], e["region_group"]) == ("鼓东街道", "办事处", a["region_group"])
    assert db["bodies"].get(body[("f", 2023)])["county_code"] == "350104"
    assert db["bodies"].count == 5 and a["reports"] == 6


def test_cross_year_rules_fail_only_where_the_series_breaks(archive):
    db, ids, _ = archive
    fails = {(_named(ids, r["report_id"]), r["rule"]) for r in db.query(
        "select report_id, rule from checks where status = 'fail' and (rule = 'carry_over' "
        "or rule like 'Y_:%' or rule like 'P_:%' or rule like 'S_:%' or rule like 'R_%')")}
    assert fails == {(("b", 2022), "carry_over"), (("b", 2023), "Y1:rules"),
                     (("c", 2020), "Y2:licensing")}
    carry = {(_named(ids, r["report_id"]), r["status"]) for r in db.query(
        "select report_id, status from checks where rule = 'carry_over'")}
    assert len(carry) == 5 + 5 + 4 + 5  # every report with a previous year, no other
    assert (("a", 2023), "pass") in carry and (("b", 2023), "pass") in carry


def test_a_rule_that_cannot_be_evaluated_says_why(archive):
    db, ids, _ = archive
    row = db.execute("select status, detail from checks where report_id = ? and rule = "
                     "'Y1:rules'", [ids[("a", 2021)]]).fetchone()
    assert row[0] == "n/a" and "2019格式" in row[1]


def flags(db, ids) -> set[tuple]:
    return {(_named(ids, r["report_id"]), r["rule"], r["subject"].split(":")[0] if r["rule"] in
             ("copy_tables", "zero_tables") else r["subject"].rsplit(":", 1)[0]
             if r["rule"].startswith("copy") else r["subject"],
             _named(ids, r["other_report_id"]) if r["other_report_id"] else None)
            for r in db["flags"].rows}


def test_every_flag_and_no_other(archive):
    db, ids, _ = archive
    assert flags(db, ids) == {
        (("a", 2022), "copy_last_year", "section:1", ("a", 2021)),
        (("a", 2023), "copy_sibling", "section:5", ("c", 2023)),
        (("c", 2023), "copy_sibling", "section:5", ("a", 2023)),
        (("b", 2024), "copy_tables", "proactive", ("b", 2023)),
        (("b", 2024), "copy_tables", "requests", ("b", 2023)),
        (("b", 2024), "copy_tables", "reviews", ("b", 2023)),
        (("e", 2022), "yoy_requests", "new_received", ("e", 2021)),
        (("e", 2023), "yoy_requests", "new_received", ("e", 2022)),
        (("f", 2023), "zero_tables", "requests", None),
        (("f", 2023), "published_early", "published", None),
    }


def test_copy_flags_carry_the_matching_passages(archive):
    db, ids, _ = archive
    row = next(db["flags"].rows_where("report_id = ? and rule = 'copy_last_year'",
                                      [ids[("a", 2022)]]))
    assert row["score"] >= series.COPY_SIMILARITY
    found = json.loads(row["evidence"])["passages"]
    assert found and all(p in db["sections"].get((ids[("a", 2022)], 1))["text"] for p in found)
    zero = next(db["flags"].rows_where("rule = 'zero_tables'"))
    assert "15件" in zero["detail"]


def test_refresh_is_deterministic_and_ingest_idempotent(archive):
    db, ids, work = archive
    before = [list(db.query(f"select * from {t} order by 1, 2, 3")) for t in ("checks", "flags", "bodies")]
    series.refresh(db)
    Ingestor(db, PORTALS).ingest_warcs(work / "warc")
    after = [list(db.query(f"select * from {t} order by 1, 2, 3")) for t in ("checks", "flags", "bodies")]
    assert before == after


def test_copy_sketches_are_datasketch_s_without_importing_it():
    """Signatures and LSH bands are computed here (datasketch imports scipy: a second of
    every rebuild); they must find the pairs datasketch's MinHashLSH finds."""
    import random

    from datasketch import LeanMinHash, MinHash, MinHashLSH

    assert (series._raw_permutations() == MinHash(num_perm=series.NUM_PERM, seed=1).permutations).all()
    lsh = MinHashLSH(threshold=series.LSH_THRESHOLD, num_perm=series.NUM_PERM)
    assert (lsh.b, lsh.r) == (series.LSH_BANDS, series.LSH_ROWS)
    rng = random.Random(7)
    words = [chr(0x4E00 + rng.randrange(2000)) for _ in range(600)]
    texts = ["".join(words[: 600 - k] + [chr(0x6000 + rng.randrange(2000)) for _ in range(k)])
             for k in range(0, 240, 6)]
    sk = series.Sketches(series.SectionText(i, i, 2023, "g", 1, t) for i, t in enumerate(texts))
    members = sorted(sk.items)
    for key in members:
        lsh.insert(key, LeanMinHash(seed=1, hashvalues=sk.sigs[key], scheme="affine32"))
    theirs = []
    for key in members:
        for other in sorted(lsh.query(LeanMinHash(seed=1, hashvalues=sk.sigs[key], scheme="affine32"))):
            if other > key and (score := sk.exact(key, other)) >= series.COPY_SIMILARITY:
                theirs.append((key, other, score))
    assert list(series._sibling_pairs(sk, members)) == theirs and len(theirs) > 3


def test_rules_table_explains_every_rule_in_use(archive):
    db, _, _ = archive
    explained = {r["rule"]: r["about"] for r in db["rules"].rows}
    used = {r["rule"].split(":")[0] for r in db.query("select distinct rule from checks")}
    used |= {r["rule"] for r in db.query("select distinct rule from flags")}
    assert used <= set(explained) and all(explained[u] for u in used)
    assert db.execute("select count(*) from checks_explained where about is null").fetchone()[0] == 0


# -- within one report: subtotals and table 二 -------------------------------------------------


def cells_of(values: dict) -> list[CellValue]:
    return [CellValue(t, r, c, v, "" if v is None else f"{v:g}") for (t, r, c), v in values.items()]


def test_subtotals_where_printed():
    base = request_cells(9)
    denied = forms.group_rows(forms.DENIED)
    right = sum(base[("requests", r, "total")] for r in denied)
    ok = {**base, ("requests", "denied", "total"): right}
    assert [(c.rule, c.status) for c in subtotal_checks(Facts(cells_of(ok), "2021"))] == [
        ("S3:total", "pass")]
    wrong = {**ok, ("requests", "denied", "total"): right + 1,
             ("requests", "unavailable", "natural_person"): None}
    got = {(c.rule, c.status) for c in subtotal_checks(Facts(cells_of(wrong), "2021"))}
    assert got == {("S3:total", "fail"), ("S4:natural_person", "n/a")}
    assert subtotal_checks(Facts(cells_of(base), "2021")) == []  # none printed, none checked


def test_2021_other_printed_above_its_items():
    base = request_cells(9)
    items = sum(base[("requests", r, "total")] for r in forms.group_rows(forms.OTHER))
    cells = {**base, ("requests", "other", "total"): items}
    assert [(c.rule, c.status) for c in subtotal_checks(Facts(cells_of(cells), "2021"))] == [
        ("S6:total", "pass")]


def test_2019_table_two_within_the_year():
    cells = proactive_cells("2019", 3)
    assert {c.status for c in published_checks(Facts(cells_of(cells), "2019"))} == {"pass"}
    cells[("proactive", "rules", "total_published")] = 0
    cells[("proactive", "licensing", "change")] = -10_000
    cells[("proactive", "punishment", "change")] = None
    got = {(c.rule, c.status) for c in [*published_checks(Facts(cells_of(cells), "2019")),
                                        *item_checks(Facts(cells_of(cells), "2019"))]}
    assert ("P1:rules", "fail") in got and ("P2:licensing", "fail") in got
    assert ("P2:punishment", "n/a") in got and ("P1:normative_docs", "pass") in got
    assert published_checks(Facts(cells_of(proactive_cells("2021", 3)), "2021")) == []


def test_canned_queries_run(archive):
    """The issue-15 canned queries of settings/metadata.yml, on this archive."""
    import yaml

    from nianbao.config import Settings

    queries = yaml.safe_load(Settings().source("metadata.yml").read_text("utf-8"))
    queries = queries["databases"]["nianbao"]["queries"]
    db, ids, _ = archive
    counts = {name: len(list(db.query(queries[name]["sql"], {"body": ""})))
              for name in ("body_series", "cross_year_failures", "copied_sections", "anomalies",
                           "rule_summary")}
    assert counts["body_series"] == len(ids) and counts["cross_year_failures"] == 3
    assert counts["copied_sections"] == 6 and counts["anomalies"] == 4
    assert counts["rule_summary"] == db["rules"].count
