"""The CPU-scale variants: registered as the module says, tabled beside each paper's recipe from the records."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from enhancelib.paths import RUNS_DIR
from enhancelib.study.cpu_variants import CPU_VARIANTS, CpuVariant, variant_checks, variant_rows, variants_table
from enhancelib.study.experiments import EXPERIMENTS
from enhancelib.study.test_sets import chapter_test_set_table

# what each variant changes against the recipe's defaults, as the module's docstring states it
CHANGES = {"UEGAN": {"quality_weight": 0.05}, "BNCAGAN": {"adv_weight": 0.05}, "QAGAN": {"lambda_cc": 4.0}}


@pytest.mark.parametrize("paper", list(CPU_VARIANTS))
def test_each_variant_is_a_registered_run_at_three_times_the_budget_that_keeps_its_generator(paper: str) -> None:
    v = CPU_VARIANTS[paper]
    variant, main = EXPERIMENTS[(v.chapter, v.variant)], EXPERIMENTS[(v.chapter, v.main)]
    assert variant.budget_scale == 3.0 and variant.keep_weights and "(ours)" in variant.label
    assert variant.options == CHANGES[paper] and main.options == {} and main.keep_weights
    assert variant.seed == main.seed == 0 and variant.recipe == main.recipe


def test_rows_leave_out_runs_without_a_generator(tmp_path) -> None:
    v = CPU_VARIANTS["UEGAN"]
    shutil.copytree(RUNS_DIR / v.chapter / v.main, tmp_path / v.chapter / v.main)
    assert variant_rows({"UEGAN": v}, tmp_path) == [("UEGAN, paper's recipe", "uegan", "full-seed0")]
    with pytest.raises(FileNotFoundError, match="plan --record"):
        variants_table({"X": CpuVariant("uegan", "nothing", "none", "")}, tmp_path)


def test_the_table_holds_the_same_scores_as_the_chapters_tables() -> None:
    table = variants_table()
    assert list(table.index[:2]) == ["input", "autocontrast"]
    for label, chapter, run in variant_rows():
        chapter_row = chapter_test_set_table(chapter, runs=[run]).iloc[-1]
        pd.testing.assert_series_equal(table.loc[label], chapter_row, check_names=False)
    checks = variant_checks(table)
    assert list(checks.index) == list(table.index[2:])
    flat_psnr = table[("flat", "PSNR")]
    assert (checks["flat PSNR ≥ input"] == (flat_psnr.iloc[2:] >= flat_psnr["input"])).all()
