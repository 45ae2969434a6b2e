"""The CPU-scale variants of the unpaired recipes: what the haze diagnosis changes, and what it buys.

Chapter 05's diagnosis finds two levers on the haze at the ``cpu`` budget: a weaker adversarial term
(it teaches the high-quality photos' lifted blacks) and more steps (the haze of the sample strips
shrinks with them). Each unpaired paper gets one variant of ours that pulls both, at three times the
``cpu`` budget, with its generator kept so that it is scored on the three test sets:

* UEGAN: the paper's own quality weight, 0.05 (its public code uses 0.1);
* BNCAGAN: eq. 9's adversarial weight halved, 0.1 -> 0.05;
* QAGAN: eq. 9 has no adversarial weight, so the cycle weight is doubled, 2 -> 4. Adam is indifferent to a
  loss's overall scale, so this halves the adversarial terms' share of the objective, as the other two do.

GleNet's unpaired model is barely hazy at the budget (chapter 05), so it gets no such variant.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from enhancelib.study.test_sets import (generalisation_checks, kept_runs, operator_test_set_scores,
                                        run_test_set_scores, test_set_table)

__all__ = ["CpuVariant", "CPU_VARIANTS", "variant_rows", "variants_table", "variant_checks"]


@dataclass(frozen=True)
class CpuVariant:
    """One paper's recipe as recorded (its seed-0 main run) and its CPU-scale variant (one run of ours)."""

    chapter: str
    main: str
    variant: str
    change: str
    """What the variant changes, in a few words."""


CPU_VARIANTS: dict[str, CpuVariant] = {
    "UEGAN": CpuVariant("uegan", "full-seed0", "quality-0.05-budget-3x-seed0", "quality weight 0.1 -> 0.05, 3x budget"),
    "BNCAGAN": CpuVariant("bncagan", "full-seed0", "adversarial-0.05-budget-3x-seed0",
                          "adversarial weight 0.1 -> 0.05, 3x budget"),
    "QAGAN": CpuVariant("qagan", "full-seed0", "cycle-4-budget-3x-seed0", "cycle weight 2 -> 4, 3x budget"),
}
"""Paper -> its recipe's main run and our CPU-scale variant (registered in :mod:`enhancelib.study.experiments`)."""


def variant_rows(variants: Mapping[str, CpuVariant] | None = None,
                 runs_dir: Path | None = None) -> list[tuple[str, str, str]]:
    """(row label, chapter, run) of every main run and variant whose record keeps its generator, paper by
    paper (a variant not recorded yet is left out)."""
    from enhancelib.paths import RUNS_DIR

    root = RUNS_DIR if runs_dir is None else runs_dir
    rows = []
    for paper, v in (CPU_VARIANTS if variants is None else variants).items():
        kept = set(kept_runs(v.chapter, root))
        for label, run in ((f"{paper}, paper's recipe", v.main), (f"{paper}, ours: {v.change}", v.variant)):
            if run in kept:
                rows.append((label, v.chapter, run))
    return rows


def variants_table(variants: Mapping[str, CpuVariant] | None = None, runs_dir: Path | None = None) -> pd.DataFrame:
    """:func:`~enhancelib.study.test_sets.test_set_table` of the input, autocontrast (the classical operator that
    edits good photos least) and, paper by paper, the recipe's main run beside its CPU-scale variant."""
    from enhancelib.paths import RUNS_DIR

    root = RUNS_DIR if runs_dir is None else runs_dir
    rows = variant_rows(variants, root)
    if not rows:
        raise FileNotFoundError(f"no main run or CPU-scale variant keeps its generator under {root}; "
                                "python -m enhancelib plan --record trains them")
    operators = operator_test_set_scores(progress=False)
    frames = [operators[operators["method"].isin(["input", "autocontrast", "target"])]]
    frames += [run_test_set_scores(root / chapter / run, progress=False).assign(method=label)
               for label, chapter, run in rows]
    return test_set_table(pd.concat(frames, ignore_index=True))


def variant_checks(table: pd.DataFrame) -> pd.DataFrame:
    """What a model for readers' photos should do, asked of every row of :func:`variants_table`: keep the
    input's PSNR and SSIM on the flat render, and edit good photos less than autocontrast."""
    return generalisation_checks(table, ["autocontrast"])
