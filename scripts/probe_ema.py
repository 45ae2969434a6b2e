"""Score a finished run's averaged and last-step generators on the three test sets (enhancelib.study.ema_probe).

    python scripts/probe_ema.py uegan/quality-0.05-budget-3x-seed0 [--recompute]

The run must still hold its ``checkpoint.pt`` (records leave it out: retrain with
``python -m enhancelib plan --chapter uegan --only quality-0.05-budget-3x-seed0 --record`` first).
Writes ``ema_probe.csv`` and ``ema_probe.json`` into the run folder and prints the means per set.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enhancelib.runtime import configure  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", help="a run folder, or chapter/run under data/runs")
    parser.add_argument("--recompute", action="store_true", help="score again even where the probe is cached")
    args = parser.parse_args()
    configure()

    from enhancelib.paths import RUNS_DIR
    from enhancelib.study.ema_probe import ema_probe
    from enhancelib.study.test_sets import summarise_test_sets

    run = Path(args.run) if Path(args.run).is_dir() else RUNS_DIR / args.run
    frame = ema_probe(run, recompute=args.recompute)
    print(summarise_test_sets(frame, by="generator").round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
