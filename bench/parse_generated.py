"""Parser accuracy per layout family on independently generated reports.

    python bench/parse_generated.py            # 25 documents per family (scans: 5)
    python bench/parse_generated.py 50 10      # 50 per family, 10 per scan family

Prints, per family: cells read right out of every cell of the form, wrong cells that
carry no flag, and agency / year / format right. The generator (tests/generators/
documents.py) was written apart from the parser.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.generators.documents import FAMILIES, generate  # noqa: E402
from tests.scoring import score_all, summary  # noqa: E402


def main() -> None:
    per_family = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    per_scan = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    started = time.monotonic()
    cases = (generate(family, seed) for family in FAMILIES
             for seed in range(per_scan if family.startswith("scan") else per_family))
    scores = score_all(cases)
    print(summary(scores))
    print(f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
