"""enhancelib.study.papers.glenet_lab: the lab-notes studies of GleNet, against hand computations from the records."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enhancelib.paths import RUNS_DIR
from enhancelib.study.papers.glenet_lab import (LAB_FAMILIES, LAB_POOLS, TENSORFLOW_MS, evaluations_at, measured_term_gradients, per_run_gains,
                                                plot_validation,
                                                probe_table, pull_lines, speed_table, stage_means_text, speed_text, stage_steps, stage_table,
                                                term_pull, validation_table, validation_text)
from enhancelib.study.papers.glenet_tables import judge_family_of
from enhancelib.study.term_gradients import load_term_gradients
from enhancelib.train.runs import load_run


def _runs(*names):
    found = {}
    for name in names:
        path = RUNS_DIR / "glenet" / name
        if not (path / "metrics.json").is_file():
            pytest.skip(f"glenet/{name} is not recorded")
        found[name] = load_run(path)
    return found


def test_the_lab_pools_and_families():
    assert LAB_POOLS["layer-norm critics"] == tuple(f"critic-layer-norm-seed{s}" for s in range(3))
    assert all(side in LAB_POOLS for family in LAB_FAMILIES.values() for pair in family.values() for side in pair)
    runs = _runs(*LAB_POOLS["paper's objective"], *LAB_POOLS["identity term, weight 5"])
    judged = judge_family_of(LAB_FAMILIES["identity"], runs, None, pools=LAB_POOLS)
    assert list(judged) == ["identity term, weight 5 - paper's objective"]     # weight 500 not loaded: left out
    five = pd.concat([runs[n].per_image for n in LAB_POOLS["identity term, weight 5"]]).groupby("name")["psnr"].mean()
    paper = pd.concat([runs[n].per_image for n in LAB_POOLS["paper's objective"]]).groupby("name")["psnr"].mean()
    assert judged["identity term, weight 5 - paper's objective"].mean_difference == pytest.approx((five - paper).mean())


def test_per_run_gains_and_the_stage_table():
    runs = _runs("unpaired-seed0")
    run = runs["unpaired-seed0"]
    base = pd.DataFrame({"method": "input", "name": run.per_image["name"], "psnr": 18.0})
    needed = pd.Series(np.where(np.arange(len(run.per_image)) < 5, 0.0, 1.0), index=run.per_image["name"])
    table = per_run_gains({**runs, "absent": None}, ["unpaired-seed0", "absent"], base, needed)
    assert list(table.index) == ["unpaired-seed0"]
    assert table.iloc[0]["gain, no brightening needed (5)"] == pytest.approx(run.per_image["psnr"][:5].mean() - 18.0)
    stages = stage_table(runs, ["unpaired-seed0"])
    start = int(run.train_log.loc[run.train_log["len_loss"].notna(), "step"].min())
    last = run.eval_log[run.eval_log["step"] < start].iloc[-1]
    assert stages.loc["unpaired-seed0", "stage 2 from step"] == start
    assert stages.loc["unpaired-seed0", "stage 2 (LEN) adds"] == pytest.approx(run.metrics["test"]["psnr"] - last["test_psnr"])
    text = stage_means_text(stages, {"paper": ["unpaired-seed0", "absent"]}, 18.74)
    assert text == (f"paper: GEN alone {last['test_psnr']:.2f} dB at the end of stage 1, stage 2 adds "
                    f"{run.metrics['test']['psnr'] - last['test_psnr']:+.2f} dB (mean of 1); input 18.74 dB.")
    at = evaluations_at({**runs, "absent": None}, ["unpaired-seed0", "absent"], [500, 12345])
    assert at.loc["unpaired-seed0", "test PSNR at step 500"] == float(run.eval_log.set_index("step").loc[500, "test_psnr"])
    assert np.isnan(at.loc["unpaired-seed0", "test PSNR at step 12345"]) and list(at.index) == ["unpaired-seed0"]


def test_term_gradients_pull():
    runs = _runs("unpaired-seed1")
    measured = measured_term_gradients({**runs, "absent": None})
    t = load_term_gradients(runs["unpaired-seed1"].path)
    assert list(measured) == ["unpaired-seed1"] and measured["unpaired-seed1"].equals(t)
    pull = term_pull(measured)
    assert "g_e_adversarial" in pull.index and (pull.fillna(0) > 0).any(axis=1).all()
    ratio = t.loc["g_e_adversarial", "weighted_grad_norm"] / t.loc["g_e_identity", "weighted_grad_norm"]
    probe = probe_table(measured)
    assert probe.loc["unpaired-seed1", "weight of the term"] == 0
    assert probe.loc["unpaired-seed1", "mean |G_e(I_HQ) - I_HQ|"] == pytest.approx(t.loc["g_e_hq_identity", "value"])
    assert probe.loc["unpaired-seed1", "checkpoint step"] == t.attrs["checkpoint_step"]
    assert pull_lines(measured)[0].startswith(f"unpaired-seed1: the adversarial term pulls {ratio:.0f} x harder")


def test_validation_table_and_its_counts():
    log = pd.DataFrame({"step": [250, 500], "val_psnr": [17.0, 18.0], "test_psnr": [19.0, 18.0]})
    table = validation_table({"r": log})
    assert table.loc["r", "step of best val"] == 500 and table.loc["r", "test at best val"] == 18.0
    text = validation_text(table, 17.5, 18.5)
    fig = plot_validation({"r": log}, 17.5, 18.5, (10, 30))
    assert [ax.get_title() for ax in fig.axes] == ["validation PSNR (10 photos)", "test PSNR (30 photos)"]
    assert "rises in 1 of 1 runs and test PSNR falls in 1" in text and "1 are below it on test at their best" in text


def test_speed_table_and_text():
    table = speed_table({"GEN": 27.0, "LEN": 325.0, "GEN & LEN": 341.0}, {"GEN": 23.0, "LEN": 216.0, "GEN & LEN": 238.0})
    assert table.loc["GEN & LEN", "kept / TensorFlow"] == pytest.approx(238.0 / TENSORFLOW_MS["GEN & LEN"])
    assert "from 341 ms to 238 ms, 1.98 x the TensorFlow code's 120 ms" in speed_text(table)
    assert "missing" in speed_text(speed_table({}, {}))


def test_stage_steps_bounds_stage_one_by_the_logged_rows():
    runs = _runs("unpaired-seed0")
    log = runs["unpaired-seed0"].train_log
    first = int(log.loc[log["len_loss"].notna(), "step"].min())
    table = stage_steps(runs, ["unpaired-seed0"])
    low, high = table.loc["unpaired-seed0", "stage 1 steps"].split("-")
    assert int(high) == first - 1 and int(low) == int(log.loc[log["step"] < first, "step"].max())
    assert 0.55 < table.loc["unpaired-seed0", "stage 1 share of CPU time"] < 0.65
