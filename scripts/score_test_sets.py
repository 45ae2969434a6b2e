"""Score recorded runs and the classical operators on the three test sets.

    python scripts/score_test_sets.py                     # the operators and every record that keeps weights
    python scripts/score_test_sets.py data/runs/uegan/full-seed0 ...   # these runs only
    python scripts/score_test_sets.py --recompute         # score again even where scores are cached

Writes ``test_sets.csv`` (per image: set, PSNR, SSIM, tone levels) and
``test_sets.json`` (provenance) into each run folder, and the operators'
into ``data/runs/benchmark/test-sets/``; then prints the means per set.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enhancelib.runtime import configure  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="*", help="run folders (default: every record that keeps generator.pt)")
    parser.add_argument("--recompute", action="store_true", help="score again even where scores are cached")
    args = parser.parse_args()
    configure()

    import pandas as pd

    from enhancelib.paths import RUNS_DIR
    from enhancelib.study.test_sets import operator_test_set_scores, run_test_set_scores, summarise_test_sets

    pd.set_option("display.width", 160)
    operators = operator_test_set_scores(recompute=args.recompute)
    print(summarise_test_sets(operators, by="method").round(3).to_string())
    runs = [Path(r) for r in args.runs] or sorted(p.parent for p in RUNS_DIR.glob("*/*/generator.pt"))
    for run in runs:
        frame = run_test_set_scores(run, recompute=args.recompute)
        print(f"\n{run.parent.name}/{run.name}")
        print(summarise_test_sets(frame).round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
