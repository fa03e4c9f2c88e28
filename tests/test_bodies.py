"""Bodies: region from the portal registry, the title and the text, with division codes;
normalised names and aliases; the same name in two regions is two bodies."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

from nianbao.archive import series
from nianbao.archive.bodies import agency_key, body_key, resolve_region
from nianbao.archive.db import ensure_schema
from nianbao.archive.ingest import Ingestor
from tests.seriesgen import Gen, proactive_cells, prose, request_cells, review_cells, write_files


@pytest.mark.parametrize("portal, agency, year, want", [
    ("福建省福州市", "鼓楼区人民政府", 2023, ("福建省", "福州市", "鼓楼区", None, "350102")),
    ("江苏省南京市", "鼓楼区人民政府", 2023, ("江苏省", "南京市", "鼓楼区", None, "320106")),
    (None, "泉州市鲤城区开元街道办事处", 2023, ("福建省", "泉州市", "鲤城区", "开元街道", "350502")),
    (None, "砚山县蚌峨乡人民政府", 2023, ("云南省", "文山壮族苗族自治州", "砚山县", "蚌峨乡", "532622")),
    (None, "北京市朝阳区卫生和计划生育委员会", 2017, ("北京市", None, "朝阳区", None, "110105")),
    ("广东省", "东莞市人民政府", 2022, ("广东省", "东莞市", None, None, None)),
    (None, "福建平潭县人民政府", 2020, ("福建省", "福州市", "平潭县", None, "350128")),
    (None, "福州市住房和城乡建设局", 2023, ("福建省", "福州市", None, None, None)),
])
def test_region_with_codes(portal, agency, year, want):
    place = resolve_region(portal, agency, None, None, year)
    assert (place.province, place.city, place.county, place.township, place.county_code) == want


def test_a_name_inside_another_is_no_name():
    place = resolve_region("示范省示范市示范县", "示范县人民政府", None, None, 2023)
    assert (place.label(), place.province_code, place.county_code) == ("示范省示范市示范县", None, None)


def test_names_are_found_as_one_regex_of_every_name_finds_them():
    """The name scan (a lookup per character) finds what the alternation of every
    division name, longest first, finds: leftmost, longest, none overlapping."""
    import random
    import re

    from nianbao.archive import bodies

    names = bodies._index()[0]
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))))
    rng = random.Random(11)
    pool = sorted(names) + ["示范", "人民政府", "范县", "局", "省", "市", "X"]
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 5)))[rng.randint(0, 1):]
        start = rng.randint(0, 2)
        assert list(bodies._names_in(text, start)) == [m.span() for m in pattern.finditer(text, start)]


def test_ambiguous_county_stays_unknown_without_context():
    place = resolve_region(None, "朝阳区人民政府", None, None, 2023)  # 北京 or 长春
    assert place.county_code is None
    here = resolve_region(None, "朝阳区人民政府", None, "朝阳区人民政府\n……\n长春市朝阳区人民政府", 2023)
    assert (here.county_code, here.source) == ("220104", "text")


@pytest.mark.parametrize("printed, normalised", [
    ("鼓楼区人民政府办公室", "人民政府"), ("鼓楼区政府办公室", "人民政府"), ("鼓楼区人民政府", "人民政府"),
    ("福州市国土资源局", "自然资源局"), ("福州市自然资源和规划局", "自然资源局"),
    ("福州市环境保护局", "生态环境局"), ("福州市农业局", "农业农村局"),
    ("福州市文化广电新闻出版局", "文化和旅游局"), ("福州市文广新局", "文化和旅游局"),
    ("福州市安全生产监督管理局", "应急管理局"), ("福州市卫生和计划生育委员会", "卫生健康委员会"),
    ("福州市工商行政管理局", "市场监督管理局"), ("福州市住房和城乡建设局", "住房和城乡建设局"),
    ("晋江市罗山街道办事处", "办事处"), ("砚山县蚌峨乡人民政府", "人民政府"),
])
def test_agency_aliases(printed, normalised):
    assert agency_key(printed, resolve_region(None, printed, None, None, 2020)) == normalised


def test_unknown_regions_are_told_apart_by_portal():
    place = resolve_region(None, "某某局", None, None, 2023)
    assert not place.known()
    assert body_key(place, "某某局", "portal:a") != body_key(place, "某某局", "portal:b")
    known = resolve_region("福建省福州市", "鼓楼区人民政府", None, None, 2023)
    assert body_key(known, "人民政府", "portal:a") == body_key(known, "人民政府", "portal:b")


def gen(agency: str, year: int, seed: int, signature: str = "") -> Gen:
    cells = {**request_cells(seed), **review_cells(seed), **proactive_cells("2021", seed)}
    return Gen(agency, year, "2021", cells, prose(seed), prose(seed + 1), f"{year + 1}-01-20",
               signature=signature)


def test_saved_files_region_from_title_and_text(tmp_path):
    """No portal: 福州 from the title, 南京 from the signature line; two bodies, and the
    carry-over of each is checked against its own last year only."""
    folder = tmp_path / "saved"
    folder.mkdir()
    write_files(folder, [gen("福建省福州市鼓楼区人民政府", 2022, 1), gen("福建省福州市鼓楼区人民政府", 2023, 2),
                         gen("鼓楼区人民政府", 2022, 3, "南京市鼓楼区人民政府"),
                         gen("鼓楼区人民政府", 2023, 4, "南京市鼓楼区人民政府")])
    db = sqlite_utils.Database(tmp_path / "n.db")
    ensure_schema(db)
    Ingestor(db).ingest_dir(folder)
    bodies = {b["county_code"]: b for b in db["bodies"].rows}
    assert set(bodies) == {"350102", "320106"}
    assert bodies["320106"]["region_source"] == "text"
    per_body = db.execute("select count(distinct body_id), count(*) from reports").fetchone()
    assert per_body == (2, 4)
    carry = list(db.query("select status from checks where rule = 'carry_over'"))
    assert len(carry) == 2  # each 2023 report against its own body's 2022


def test_older_database_gets_bodies_on_refresh(tmp_path):
    """Reports stored before bodies existed get one on the next refresh."""
    db = sqlite_utils.Database(tmp_path / "old.db")
    ensure_schema(db)
    for i, (agency, region) in enumerate([("鼓楼区人民政府", "福建省福州市"),
                                          ("鼓楼区人民政府办公室", "福建省福州市"),
                                          ("鼓楼区人民政府", "江苏省南京市")]):
        db["reports"].insert({"id": i + 1, "agency": agency, "region": region, "year": 2020 + i,
                              "title": f"{agency}{2020 + i}年政府信息公开工作年度报告",
                              "url": f"http://x/{i}.html", "format": "2021"})
    series.refresh(db)
    rows = list(db.query("select r.id, b.county_code, b.aliases from reports r "
                         "join bodies b on b.id = r.body_id order by r.id"))
    assert [r["county_code"] for r in rows] == ["350102", "350102", "320106"]
    assert json.loads(rows[0]["aliases"]) == ["鼓楼区人民政府", "鼓楼区人民政府办公室"]
