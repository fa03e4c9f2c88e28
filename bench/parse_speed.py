"""Parse and decode speed against a baseline measured in the same run.

    python bench/parse_speed.py

Prints medians for: bare trafilatura.extract on the page bytes (the baseline), nianbao's
extraction (trafilatura + lxml tables), report parsing after extraction (issue target
≤ 5 ms), and decode + normalise of a 100 KB page (issue target ≤ 10 ms).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nianbao.demo import site  # noqa: E402
from nianbao.parsers.decode import decode  # noqa: E402
from nianbao.parsers.extract import from_html  # noqa: E402
from nianbao.parsers.normalize import normalize_text  # noqa: E402
from nianbao.parsers.report import parse_report  # noqa: E402


def median_ms(fn, repeat: int = 30) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def pages() -> list[tuple[str, bytes]]:
    shared = Path(ROOT.parent / "shared" / "corpus" / "pingtan")
    found = [(p.parent.name[:24], p.read_bytes()) for p in sorted(shared.glob("202[2-6]*/*/page.html"))]
    if not found:
        found = [(path, body) for path, (body, _) in site().items() if path.endswith("5.html")]
    return found


def main() -> None:
    print(f"{'page':26} {'KB':>5} {'trafilatura':>12} {'extract':>9} {'parse':>7} {'ratio':>6}")
    parse_times = []
    for name, body in pages():
        html = body.decode("utf-8", "replace")
        base = median_ms(lambda body=body: trafilatura.extract(body), 10)
        ext = median_ms(lambda html=html: from_html(html), 10)
        doc = from_html(html)
        parse = median_ms(lambda doc=doc: parse_report(doc), 50)
        parse_times.append(parse)
        print(f"{name:26} {len(body) // 1024:5d} {base:10.1f}ms {ext:7.1f}ms {parse:5.2f}ms "
              f"{ext / base:5.2f}x")
    print(f"report parsing after extraction, median over pages: {statistics.median(parse_times):.2f} ms")

    body = ("<html><head><meta charset='gb2312'></head><body>"
            + "<p>本年新收政府信息公开申请数量为二十七件，予以公开十二件。</p>" * 1700
            + "</body></html>").encode("gbk")[: 100 * 1024]
    t = median_ms(lambda: normalize_text(decode(body, "text/html").text), 30)
    bare = median_ms(lambda: body.decode("gb18030", "replace"), 30)
    print(f"decode + normalise of a {len(body) // 1024} KB GBK page: {t:.2f} ms median "
          f"(bare bytes.decode: {bare:.2f} ms, ratio {t / bare:.1f}x)")


if __name__ == "__main__":
    main()
