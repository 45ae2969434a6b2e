"""Chapter 03's tables and networks (enhancelib.study.papers.qagan): values against hand computations."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from enhancelib.paths import RUNS_DIR
from enhancelib.study.compare import LEARNED_METHODS, PAPER_CLAIMS
from enhancelib.study.papers.qagan import (TABLE_1, best_operator, gain_differences, judged_sentence, load_qagan,
                                           main_pool, paper_row, pool_frame, results_table)
from enhancelib.study.statistics import Difference

NAMES = [f"photo{i}" for i in range(12)]


def frame(psnr, ssim=None):
    psnr = np.asarray(psnr, dtype=float)
    return pd.DataFrame({"name": NAMES, "psnr": psnr, "ssim": np.full(len(NAMES), 0.8) if ssim is None else ssim})


def run(psnr, ssim=None):
    return SimpleNamespace(per_image=frame(psnr, ssim))


def test_table_1_is_the_papers_and_agrees_with_the_claims_of_the_comparison():
    assert [r.method for r in TABLE_1] == ["Input", "CycleGAN", "Exposure", "UIE", "EnlightenGAN", "DPE",
                                           "QAGAN (Ours)"]
    claim = next(c for c in PAPER_CLAIMS if c.source == "QAGAN, Table 1")
    ours, inputs = paper_row("QAGAN (Ours)"), paper_row("Input")
    assert claim.printed == (ours.psnr, ours.ssim, inputs.psnr, inputs.ssim)
    assert round(ours.psnr - inputs.psnr, 2) == 5.38   # the gain the chapter quotes
    with pytest.raises(KeyError, match="no row"):
        paper_row("UEGAN")


def test_the_main_pool_is_the_registrys():
    assert main_pool() == next(m.runs for m in LEARNED_METHODS if m.key == "qagan")
    assert main_pool()[0] == "full-seed0"


def test_pool_frame_stacks_the_recorded_runs_and_skips_absent_ones():
    runs = {"a-seed0": run(np.arange(12)), "a-seed1": None, "a-seed2": run(np.arange(12) + 1)}
    stacked = pool_frame(runs, ["a-seed0", "a-seed1", "a-seed2", "not-registered"])
    assert list(stacked["run"].unique()) == ["a-seed0", "a-seed2"] and len(stacked) == 24
    assert pool_frame(runs, ["a-seed1"]) is None


def test_results_table_sets_the_pool_and_the_operators_beside_table_1():
    main = pool_frame({"r0": run(np.full(12, 17.0)), "r1": run(np.full(12, 19.0))}, ["r0", "r1"])
    baselines = pd.concat([frame(np.full(12, 18.0)).assign(method="input"),
                           frame(np.full(12, 20.0)).assign(method="autocontrast")])
    gpu = {"method": "this book, gpu preset", "our PSNR": 21.0, "our SSIM": 0.9, "provenance": "x"}
    table = results_table(main, baselines, gpu)
    assert table.loc["QAGAN (Ours)", "paper PSNR"] == 22.59
    # mean ± sample sd of the two runs' means: 18 ± sqrt(2)
    assert table.loc["QAGAN (Ours)", "our PSNR"] == f"18.00 ± {np.sqrt(2):.2f}"
    assert table.loc["QAGAN (Ours)", "runs"] == 2
    assert table.loc["Input", "our PSNR"] == 18.0 and table.loc["autocontrast (classical)", "our PSNR"] == 20.0
    assert table.loc["this book, gpu preset", "our PSNR"] == 21.0 and "provenance" not in table
    assert pd.isna(results_table(None, baselines).loc["QAGAN (Ours)", "our PSNR"])


def test_gains_are_judged_against_the_input_and_the_best_operator_as_one_family():
    rng = np.random.default_rng(0)
    base = rng.normal(18, 2, 12)
    main = pool_frame({"r0": run(base - 1 + rng.normal(0, 0.1, 12)), "r1": run(base - 1.2)}, ["r0", "r1"])
    baselines = pd.concat([frame(base).assign(method="input"), frame(base + 0.5).assign(method="clahe"),
                           frame(base + 1.0).assign(method="autocontrast")])
    assert best_operator(baselines) == "autocontrast"
    judged = gain_differences(main, baselines)
    assert list(judged) == ["QAGAN − input", "QAGAN − autocontrast"]
    seed_mean = main.groupby("name")["psnr"].mean().reindex(NAMES).to_numpy()
    assert judged["QAGAN − input"].mean_difference == pytest.approx(float((seed_mean - base).mean()))
    assert judged["QAGAN − autocontrast"].verdict == "B better"
    # Holm: the smaller p of the two is doubled
    smaller = min(judged.values(), key=lambda d: d.p_value)
    assert smaller.adjusted_p == pytest.approx(min(1.0, 2 * smaller.p_value))


def test_a_judged_sentence_names_the_difference_its_interval_and_the_verdict():
    shown = Difference("psnr", 30, -1.711, -3.328, -0.094, 0.0388, 0.0388, 0.95, True)
    assert judged_sentence(shown, "QAGAN", "the input") == (
        "QAGAN − the input: -1.71 dB (95% interval [-3.33, -0.09], 30 photos, Holm-adjusted p = 0.039): "
        "the input is better")
    none = Difference("ssim", 30, 0.0012, -0.002, 0.0044, 0.4, 0.8, 0.95, True)
    assert judged_sentence(none, "A", "B").endswith("[-0.0020, +0.0044], 30 photos, Holm-adjusted p = 0.800): "
                                                    "no difference shown")


@pytest.mark.skipif(not (RUNS_DIR / "qagan" / "full-seed0" / "generator.pt").is_file(),
                    reason="qagan/full-seed0 keeps no generator here")
def test_load_qagan_gives_the_recorded_enhancer_and_says_that_g_l_is_not_kept():
    from enhancelib.train.runs import load_run

    recorded = load_run(RUNS_DIR / "qagan" / "full-seed0")
    model, sources = load_qagan(recorded)
    assert sources == {"G_H": "generator.pt (moving average)"}
    state = recorded.weights_state()
    assert set(state) == set(model.enhancer.state_dict())
    for name, tensor in model.enhancer.state_dict().items():
        assert torch.equal(tensor, state[name].to(tensor.dtype)), name
    assert not model.training
