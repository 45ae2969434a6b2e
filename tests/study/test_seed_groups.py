"""describe_seed_group: a variant's seeds against the reference recipe's, as a paragraph."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from enhancelib.study.seed_groups import (describe_dense_evaluations, describe_longer_run, describe_seed_group,
                                          readable_dense_table, selection_by_method, validation_selection)

NAMES = [f"photo{i}" for i in range(8)]


@dataclass
class FakeRun:
    psnr: float
    steps: int = 100
    extra: dict = field(default_factory=dict)
    evaluations: list = field(default_factory=list)

    @property
    def eval_log(self) -> pd.DataFrame:
        return pd.DataFrame(self.evaluations, columns=["step", "test_psnr"])

    @property
    def per_image(self) -> pd.DataFrame:
        offsets = np.linspace(-1, 1, len(NAMES))
        return pd.DataFrame({"name": NAMES, "psnr": self.psnr + offsets, "ssim": 0.8 + offsets / 100})

    @property
    def provenance(self) -> dict:
        return {"steps": self.steps, **self.extra}


BASELINES = pd.DataFrame({"psnr": [18.0, 19.0], "ssim": [0.85, 0.9]}, index=["input", "autocontrast"])


def test_a_group_below_every_reference_seed_is_said_to_be_and_tested_over_seeds():
    variant = {f"v-seed{s}": FakeRun(p) for s, p in enumerate((16.0, 16.2, 16.4))}
    reference = {f"r-seed{s}": FakeRun(p) for s, p in enumerate((18.3, 18.4, 18.5))}
    text, test = describe_seed_group("At weight 5", variant, reference, BASELINES,
                                     seed0=("v-seed0", "r-seed0", "the paper's seed 0"))
    assert test is not None and test.beyond_seed_noise and test.mean_difference == pytest.approx(-2.2)
    assert text.startswith("**At weight 5**: 16.20 ± 0.20 dB, SSIM 0.800, over 3 seed(s)")
    assert "Every seed ends below the lowest seed" in text
    assert "PSNR below, SSIM below" in text
    assert "Seed 0 alone against the paper's seed 0: -2.30 dB" in text
    assert "processors" not in text  # equal step counts: no caveat
    longer, _ = describe_seed_group("Longer", reference, variant, BASELINES, reference_name="the book's budget")
    assert "Every seed ends above the highest seed of the book's budget." in longer


def test_unequal_step_counts_name_the_processors_and_a_lone_group_has_no_test():
    variant = {"a": FakeRun(19.5, steps=200, extra={"cpu_vector_isa": "AVX2"}), "b": FakeRun(19.7, steps=320)}
    text, test = describe_seed_group("Variant", variant, {}, BASELINES, show_steps=True, ssim_digits=4)
    assert test is None and "Welch" not in text
    assert "after 200/320 steps" in text and "SSIM 0.8000" in text
    assert "named in the records: AVX2; older records do not name theirs" in text
    assert "PSNR above" in text  # 19.6 dB beats the best classical operator's 19.0
    with pytest.raises(ValueError, match="no runs"):
        describe_seed_group("Empty", {}, variant, BASELINES)


REFERENCE = {f"r-seed{s}": FakeRun(p) for s, p in enumerate((17.2, 17.4, 17.6))}


def test_a_longer_run_above_every_seed_by_more_than_two_spreads_is_a_hint_with_its_own_curve():
    run = FakeRun(18.5, steps=750, evaluations=[(250, 17.0), (500, 17.9), (750, 18.5)])
    text = describe_longer_run("Three times the budget", run, REFERENCE, BASELINES)
    assert text.startswith("**Three times the budget**: 18.50 dB, SSIM 0.800 after 750 steps")
    assert "17.40 ± 0.20 dB, range 17.20-17.60, after 100-100 steps" in text
    assert "above the highest reference seed, +1.10 dB from their mean, more than two standard deviations" in text
    assert "not a test" in text
    assert "(step: dB): 250: 17.00, 500: 17.90, 750: 18.50." in text
    assert "input (18.00 dB, 0.850): PSNR above, SSIM below" in text
    assert "classical operators: PSNR below" in text


def test_a_longer_run_inside_the_seed_range_shows_no_gain_and_needs_seeds():
    text = describe_longer_run("Longer", FakeRun(17.3, steps=300), REFERENCE, BASELINES)
    assert "inside the reference seeds' range" in text and "during training" not in text
    near = describe_longer_run("Longer", FakeRun(17.7), REFERENCE, BASELINES)
    assert "+0.30 dB from their mean, within two standard deviations" in near
    with pytest.raises(ValueError, match="no reference seeds"):
        describe_longer_run("Longer", FakeRun(17.3), {}, BASELINES)


def _dense_log(val: list[float], test: list[float], every: int = 25) -> pd.DataFrame:
    steps = [every * (k + 1) for k in range(len(val))]
    return pd.DataFrame({"step": steps, "val_psnr": val, "test_psnr": test, "test_ssim": [0.8 + t / 1000 for t in test]})


def test_validation_selection_picks_the_best_validation_evaluation_not_the_best_test_one():
    log = _dense_log(val=[17.0, 19.0, 18.0, 19.0], test=[18.0, 17.5, 19.5, 16.0])
    summary = validation_selection(log.iloc[::-1])   # row order does not matter, steps do
    assert summary["selected_step"] == 50              # first of the two tied validation maxima
    assert summary["selected_test_psnr"] == 17.5 and summary["selected_test_ssim"] == pytest.approx(0.8175)
    assert summary["last_test_psnr"] == 16.0
    assert summary["oracle_test_psnr"] == 19.5
    assert summary["mean_step_change"] == pytest.approx((0.5 + 2.0 + 3.5) / 3)
    assert summary["spearman_val_test"] == pytest.approx(-0.7379, abs=1e-3)


def test_validation_selection_names_what_a_log_lacks():
    with pytest.raises(ValueError, match="val_psnr"):
        validation_selection(pd.DataFrame({"step": [25, 50], "test_psnr": [1, 2], "test_ssim": [0.1, 0.2]}))
    with pytest.raises(ValueError, match="empty"):
        validation_selection(_dense_log([], []))
    single = validation_selection(_dense_log([17.0], [18.0]))
    assert single["selected_test_psnr"] == single["last_test_psnr"] == 18.0
    assert np.isnan(single["mean_step_change"]) and np.isnan(single["spearman_val_test"])


@dataclass
class DenseRun:
    eval_log: pd.DataFrame


def test_dense_evaluations_paragraph_gives_last_and_selected_means_and_the_place_against_baselines():
    runs = {"d-seed0": DenseRun(_dense_log([17.0, 19.0, 18.0], [18.0, 19.5, 17.0])),
            "d-seed1": DenseRun(_dense_log([18.0, 17.0, 16.0], [18.5, 17.5, 17.4]))}
    text, table = describe_dense_evaluations("Every 25 steps", runs, BASELINES)
    assert list(table.index) == ["d-seed0", "d-seed1"]
    assert table.loc["d-seed0", "selected_test_psnr"] == 19.5 and table.loc["d-seed1", "selected_test_psnr"] == 18.5
    assert "every 25 steps" in text
    assert "the last evaluation gives 17.20 ± 0.28 dB" in text
    assert "gives 19.00 ± 0.71 dB (per seed +2.50, +1.10 dB against the last)" in text
    assert "Chosen on validation, against the input (18.00 dB, 0.850): PSNR above" in text
    with pytest.raises(ValueError, match="no runs"):
        describe_dense_evaluations("none", {}, BASELINES)


def test_readable_dense_table_names_the_columns_and_the_spacing():
    runs = {"d-seed0": DenseRun(_dense_log([17.0, 19.0], [18.0, 19.5], every=50))}
    _, table = describe_dense_evaluations("Every 50 steps", runs, BASELINES)
    shown = readable_dense_table(table, every=50)
    assert shown.loc["d-seed0", "chosen step"] == 100 and shown.loc["d-seed0", "test PSNR (last)"] == 19.5
    assert "mean |move| per 50 steps (dB)" in shown.columns and "selected_step" not in shown.columns
    assert list(table.columns)[0] == "evaluations"   # the input table keeps its names


def test_selection_by_method_counts_the_runs_whose_choice_is_not_their_last_evaluation():
    logs = {"a": [_dense_log([17.0, 19.0, 18.0], [18.0, 19.5, 17.0]), _dense_log([16.0, 17.0], [18.0, 18.4])],
            "b": [_dense_log([18.0], [18.2])], "none": []}
    table = selection_by_method(logs)
    assert list(table.index) == ["a", "b"]
    assert table.loc["a", "seeds"] == 2 and table.loc["a", "evaluations"] == "2-3"
    assert table.loc["a", "last"] == pytest.approx(17.7) and table.loc["a", "chosen on val"] == pytest.approx(18.95)
    assert table.loc["a", "chosen - last"] == pytest.approx(1.25) and table.loc["a", "runs changed"] == 1
    assert table.loc["a", "best of any"] == pytest.approx(18.95) and table.loc["a", "best of any, top seed"] == 19.5
    assert table.loc["b", "chosen - last"] == 0 and table.loc["b", "runs changed"] == 0
