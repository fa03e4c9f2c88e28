"""Copy detection over 100k generated sections: time and peak memory, and the ratio
against exact all-pairs comparison measured in the same run on a sample.

    python bench/copies.py [SECTIONS]

Sections: 10,000 bodies × 5 years × 2 (总体情况, 存在的主要问题), 50 bodies per region (a county's departments and townships); 4 %
copied from the body's previous year with a few figures changed, 2 % copied from a
sibling of the same year and region. Prints the time of ``series.find_copies``, the
peak resident memory of the process (targets: < 2 min, < 1 GB), how many planted copies
were found and how many flags were raised for sections nobody copied.
"""

from __future__ import annotations

import random
import resource
import sys
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nianbao.archive import series  # noqa: E402
from nianbao.archive.series import SectionText  # noqa: E402

BODIES_PER_REGION = 50
YEARS = range(2020, 2025)
LAST_YEAR_SHARE, SIBLING_SHARE = 0.04, 0.02
SAMPLE = 10_000  # sections the exact baseline is measured on
PHRASES = ("坚持以公开为常态", "不公开为例外", "推进决策公开", "执行公开", "管理公开", "服务公开", "结果公开",
           "加强政策解读", "回应社会关切", "完善平台建设", "规范依申请公开", "强化监督保障", "优化营商环境",
           "深化政务公开标准化", "规范化建设", "提升基层政务公开质量", "做好信息发布", "加强队伍建设",
           "组织业务培训", "完善考核机制", "推进数据开放", "健全工作制度", "办理人大建议", "政协提案",
           "公开财政预决算", "重大建设项目", "公共资源配置", "社会公益事业", "重点领域信息", "栏目内容更新")


def sentence(rng: random.Random) -> str:
    parts = rng.sample(PHRASES, rng.randint(3, 5))
    return "，".join(parts) + f"，全年共{rng.randint(1, 999)}条"


def section_text(rng: random.Random) -> str:
    return "。".join(sentence(rng) for _ in range(rng.randint(12, 24))) + "。"


def retouch(text: str, rng: random.Random) -> str:
    """A copy with its figures changed, as a body does when it reuses last year's text."""
    return "".join(str(rng.randint(1, 9)) if ch.isdigit() else ch for ch in text)


def generate(n_sections: int, seed: int = 15) -> tuple[list[SectionText], set[tuple[int, int]]]:
    rng = random.Random(seed)
    bodies = n_sections // (len(YEARS) * 2)
    out: list[SectionText] = []
    planted: set[tuple[int, int]] = set()
    by_key: dict[tuple[int, int, int], SectionText] = {}
    rid = 0
    for year in YEARS:
        for body in range(bodies):
            rid += 1
            group = f"region{body // BODIES_PER_REGION}"
            for number in (1, 5):
                roll = rng.random()
                prev = by_key.get((body, year - 1, number))
                sibling = by_key.get((body - 1, year, number)) if body % BODIES_PER_REGION else None
                if prev and roll < LAST_YEAR_SHARE:
                    text = retouch(prev.text, rng)
                    planted.add((rid, number))
                elif sibling and roll < LAST_YEAR_SHARE + SIBLING_SHARE:
                    text = sibling.text
                    planted |= {(rid, number), (sibling.report_id, number)}
                else:
                    text = section_text(rng)
                s = SectionText(rid, body, year, group, number, text)
                by_key[(body, year, number)] = s
                out.append(s)
    return out, planted


def exact_baseline(sections: list[SectionText]) -> float:
    """Every pair of the same body's consecutive years and of each (year, region) group,
    by exact shingle Jaccard."""
    start = time.perf_counter()
    shingles = {(s.report_id, s.number): series.shingles(series.normalise(s.text))
                for s in sections}
    groups: dict[tuple, list[SectionText]] = {}
    for s in sections:
        groups.setdefault((s.year, s.group, s.number), []).append(s)
    for members in groups.values():
        for a, b in combinations(members, 2):
            series.jaccard(shingles[(a.report_id, a.number)], shingles[(b.report_id, b.number)])
    return time.perf_counter() - start


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    sections, planted = generate(n)
    chars = sum(len(s.text) for s in sections)
    print(f"{len(sections):,} sections, {chars / len(sections):.0f} characters on average, "
          f"{len(planted):,} planted copies; memory after generating: {peak_mb():.0f} MB")
    sample = [s for s in sections if s.body < SAMPLE // (len(YEARS) * 2)]
    t0 = time.perf_counter()
    series.find_copies(sample)
    ours = time.perf_counter() - t0
    base = exact_baseline(sample)
    print(f"sample of {len(sample):,}: find_copies {ours:.1f} s, exact all-pairs baseline "
          f"{base:.1f} s (ratio {ours / base:.2f})")
    t0 = time.perf_counter()
    flags = series.find_copies(sections)
    took = time.perf_counter() - t0
    hit = {(f.report_id, int(f.subject.split(":")[1])) for f in flags}
    print(f"find_copies over {len(sections):,} sections: {took:.1f} s; peak memory "
          f"{peak_mb():.0f} MB (targets < 120 s, < 1024 MB)")
    print(f"flags {len(flags):,}; planted copies found {len(planted & hit):,}/{len(planted):,}; "
          f"flags on sections nobody copied {len(hit - planted):,}")


if __name__ == "__main__":
    main()
