"""Per-page cost of reading PDFs and scans, against bare tools on the same pages, measured
in the same run (so the ratios hold whatever else the machine is doing).

    python bench/ocr_speed.py [--repeat N]

* text PDF (the demo report, reportlab tables): nianbao's whole parse (``parse_capture``:
  extraction with stitching, the scan check, report parsing, checks) against bare
  pdfplumber (``extract_text`` + ``extract_tables`` on every page);
* scanned PDF (the same pages rasterised at 170 dpi, turned 0.7°, grain and specks added,
  wrapped as an image-only PDF): nianbao's whole parse (rasterise, deskew, rules, OCR with
  numbers read twice, tables rebuilt, cells, checks) against bare RapidOCR (its default
  det + cls + rec pipeline) on the same page images.

Prints medians in seconds per page, the ratio, CPU seconds per page, and how many of the
report's 200 figures each nianbao run reads right.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nianbao.demo import demo_numbers, report_pdf  # noqa: E402
from nianbao.parsers import ocr  # noqa: E402
from nianbao.parsers.pipeline import parse_capture  # noqa: E402

YEAR = 2024


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(median wall seconds, median CPU seconds, last result)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


def scanned(pdf: bytes) -> tuple[bytes, list]:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    pages = []
    for _, img in ocr.pdf_page_images(pdf, dpi=170):
        img = img.convert("L").rotate(0.7, resample=Image.BICUBIC, fillcolor=255)
        a = np.asarray(img).astype(np.int16) + rng.normal(0, 10, img.size[::-1]).astype(np.int16)
        a[rng.random(a.shape) < 0.001] = 0
        pages.append(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)))
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=170)
    return out.getvalue(), pages


def right(parsed) -> int:
    truth = demo_numbers(YEAR)
    got = {(c.table, c.row_key, c.col_key): c.value for c in parsed.report.cells}
    return sum(got.get(k) == v for k, v in truth.items())


def bare_pdfplumber(pdf: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            page.extract_text()
            page.extract_tables()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pdf = report_pdf(YEAR)
    scan, images = scanned(pdf)
    n = len(images)
    ocr.engine()  # loaded once per process, as in a parsing worker: not timed

    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    bare_engine = RapidOCR()
    arrays = [np.stack([np.asarray(im)] * 3, axis=-1) for im in images]

    rows = []
    base = timed(lambda: bare_pdfplumber(pdf), args.repeat * 3)
    ours = timed(lambda: parse_capture(pdf, "application/pdf", "http://x/a.pdf"), args.repeat * 3)
    rows.append(("text PDF", "pdfplumber", base, ours, right(ours[2])))
    base = timed(lambda: [bare_engine(a) for a in arrays], args.repeat)
    ours = timed(lambda: parse_capture(scan, "application/pdf", "http://x/s.pdf"), args.repeat)
    rows.append(("scanned PDF", "rapidocr", base, ours, right(ours[2])))

    print(f"{n} pages; seconds per page (median of runs), CPU seconds per page in brackets")
    print(f"{'input':12} {'baseline':11} {'bare':>15} {'nianbao':>15} {'ratio':>6} {'cells right':>12}")
    for name, tool, (bw, bc, _), (ow, oc, _), good in rows:
        print(f"{name:12} {tool:11} {bw / n:7.3f} ({bc / n:5.2f}) {ow / n:7.3f} ({oc / n:5.2f}) "
              f"{ow / bw:5.2f}x {good:>7}/200")


if __name__ == "__main__":
    main()
