"""Print the book's headline table (Markdown) and write its before/after picture.

    python scripts/headline.py              # print the table that README.md and book/intro.md show
    python scripts/headline.py --figure     # also write book/figures/headline.jpg

The picture shows one test photo (the one whose input is closest to the
test split's median PSNR): its degraded input, the best classical operator,
each paper's recorded main model, the paired upper bound, and the target.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from enhancelib.runtime import configure  # noqa: E402

FIGURE = REPO / "book" / "figures" / "headline.jpg"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figure", action="store_true", help=f"write {FIGURE.relative_to(REPO)}")
    args = parser.parse_args()
    configure()
    from enhancelib.study.headline import headline_markdown

    print(headline_markdown())
    if args.figure:
        from enhancelib.study.headline import headline_figure

        headline_figure(FIGURE)
        print(f"wrote {FIGURE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
