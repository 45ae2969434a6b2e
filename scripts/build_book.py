"""Build the book (executing every notebook) and fail on any warning.

Usage:  python scripts/build_book.py [--no-strict] [--incremental]

Prints where the site is and how to serve it on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enhancelib.book.build import BuildError, build_book  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-strict", action="store_true", help="report warnings but do not fail on them")
    parser.add_argument("--incremental", action="store_true", help="rebuild only changed pages (no --all)")
    args = parser.parse_args()
    try:
        result = build_book(strict=not args.no_strict, rebuild_all=not args.incremental)
    except BuildError as error:
        print(f"\nBUILD FAILED\n{error}", file=sys.stderr)
        return 1
    pages = len(result.pages)
    print(f"\nBuilt {pages} HTML pages in {result.seconds:.0f} s with {len(result.warnings)} warnings.")
    print(f"Open:  {result.index}")
    print(f"Serve: python -m http.server --bind 127.0.0.1 -d {result.html_dir} 8000"
          "   (then open http://127.0.0.1:8000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
