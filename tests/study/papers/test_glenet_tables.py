"""enhancelib.study.papers.glenet_tables: the paper's tables beside the runs, judged families, per-photo tables."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from enhancelib.models.glenet import GEN, LEN, GleNet
from enhancelib.paths import RUNS_DIR
from enhancelib.study.papers.glenet import CHAPTER_RUNS, PAPER_TABLE_3, PAPER_TABLE_4, PAPER_TABLE_5
from enhancelib.study.papers.glenet_tables import (FAMILIES, PAPER_DELTAS, NetworkOutputs, baseline_rows,
                                                   ceiling_table, degrader_exposure, exposure_study, gain_by_need_of,
                                                   judge_family_of, judged_table, len_inside, results_table, side_frame,
                                                   spread_table)
from enhancelib.train.runs import load_run
from enhancelib.viz.curves import transfer_stats


@pytest.fixture(scope="module")
def runs():
    found = {n: load_run(RUNS_DIR / "glenet" / n) for n in CHAPTER_RUNS if (RUNS_DIR / "glenet" / n / "metrics.json").is_file()}
    if len(found) < len(CHAPTER_RUNS):
        pytest.skip("the chapter's runs are not all recorded")
    return found


@pytest.fixture(scope="module")
def baselines():
    from enhancelib.study.baselines import load_baselines

    return load_baselines("cpu", progress=False)[0]


def test_results_table_gives_each_pool_as_mean_and_sd_over_its_seeds(runs, baselines):
    table = results_table(PAPER_TABLE_4, runs, baselines)
    seeds = [runs[f"unpaired-seed{s}"].per_image["psnr"].mean() for s in range(3)]
    assert table.loc["GEN & LEN", "our PSNR"] == f"{np.mean(seeds):.2f} ± {np.std(seeds, ddof=1):.2f}"
    assert table.loc["GEN & LEN", "seeds"] == "3 of 3" and table.loc["GEN & LEN", "paper PSNR"] == 23.82
    assert table.loc["GEN", "our PSNR"] == pytest.approx(runs["unpaired-gen-seed0"].per_image["psnr"].mean())
    assert table.loc["FRL", "our runs"] == "paper only (not re-run)" and np.isnan(table.loc["FRL", "our SSIM"])
    inputs = baselines[baselines["method"] == "input"]
    assert table.loc["Input", "our PSNR"] == pytest.approx(inputs["psnr"].mean())
    assert [r["method"] for r in baseline_rows(baselines)][0] == "Input"
    gpu = results_table(PAPER_TABLE_3, runs, None, extra=[{"method": "this book, gpu preset", "our PSNR": 30.0}],
                        ours=["pixel-wise baseline"])
    assert gpu.loc["this book, gpu preset", "our PSNR"] == 30.0 and "Input" not in gpu.index
    assert list(gpu.index[-2:]) == ["this book, gpu preset", "pixel-wise baseline"]
    assert gpu.loc["pixel-wise baseline", "our PSNR"] == pytest.approx(runs["paired-pixelwise"].per_image["psnr"].mean())
    assert np.isnan(gpu.loc["pixel-wise baseline", "paper PSNR"])
    five = results_table(PAPER_TABLE_5, runs)
    assert list(five.index[:2]) == ["GEN, WGAN-GP", "GEN & LEN*, WGAN-GP"]


def test_a_family_is_judged_photo_by_photo_on_seed_averages_with_holm(runs, baselines):
    judged = judge_family_of(FAMILIES["Table 5"], runs, baselines)
    assert list(judged) == list(FAMILIES["Table 5"])
    # by hand: proposed GEN & LEN (three seeds averaged per photo) minus proposed GEN (one seed)
    both = pd.concat([runs[f"unpaired-seed{s}"].per_image for s in range(3)]).groupby("name")["psnr"].mean()
    gen = runs["unpaired-gen-seed0"].per_image.set_index("name")["psnr"]
    d = (both - gen.reindex(both.index)).to_numpy()
    one = judged["proposed GEN & LEN - proposed GEN"]
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    assert one.mean_difference == pytest.approx(d.mean()) and one.high - one.low == pytest.approx(2 * half)
    p = [j.p_value for j in judged.values()]
    smallest = int(np.argmin(p))
    assert list(judged.values())[smallest].adjusted_p == pytest.approx(min(1.0, 5 * p[smallest]))
    against_input = judge_family_of(FAMILIES["Table 4"], runs, baselines)["unpaired GEN & LEN - input"]
    assert against_input.mean_difference == pytest.approx(
        both.mean() - baselines[baselines["method"] == "input"]["psnr"].mean())
    assert judge_family_of(FAMILIES["Table 5"], {}, baselines) == {}
    assert side_frame("no such pool", runs, None) is None


def test_paper_deltas_and_the_judged_table(runs, baselines):
    assert PAPER_DELTAS["paired GEN & LEN - paired GEN"] == pytest.approx(25.88 - 25.47)
    assert PAPER_DELTAS["CWGAN-GP GEN - proposed GEN"] == pytest.approx(23.11 - 23.74)
    assert PAPER_DELTAS["unpaired GEN & LEN - paired GEN & LEN"] == pytest.approx(23.82 - 25.88)
    assert "paired GEN - pixel-wise baseline" not in PAPER_DELTAS and "paired GEN - input" not in PAPER_DELTAS
    table = judged_table(judge_family_of(FAMILIES["Table 5"], runs, baselines))
    row = table.loc["CWGAN-GP GEN - proposed GEN"]
    assert row["paper Δ (dB)"] == pytest.approx(-0.63)
    assert row["paper's sign"] == ("yes" if row["Δ psnr (dB)"] < 0 else "no")
    assert "paper Δ (dB)" not in judged_table(judge_family_of(FAMILIES["Fig. 5"], runs, baselines))
    assert judged_table({})["verdict"].iloc[0].startswith("not available")


def _tiny_glenet() -> GleNet:
    torch.manual_seed(0)
    return GleNet(GEN(64, identity_init=True), LEN()).eval()


def _pairs() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(0)
    return {f"p{i}": (torch.randint(0, 256, (3, 24, 32), generator=g).float() / 255,
                      torch.rand(3, 24, 32, generator=g)) for i in range(2)}


def test_network_outputs_and_the_per_photo_tables():
    from enhancelib.metrics import psnr

    net, pairs = _tiny_glenet(), _pairs()
    outputs = NetworkOutputs({"tiny": net})
    low, high = pairs["p0"]
    g, full = outputs("tiny", "p0", low)
    assert torch.equal(g, full)                              # LEN's last convolution starts at zero
    assert torch.allclose(g, low, atol=0.5 / 255 + 1e-6)     # and GEN at (within half a level of) the identity
    assert outputs("tiny", "p0", low)[0] is g                # computed once
    assert outputs.curves("tiny", low).shape == (3, 256)
    stats_ = {n: transfer_stats(lo, hi) for n, (lo, hi) in pairs.items()}
    ceiling = ceiling_table(pairs, stats_, outputs, ["tiny"])
    assert ceiling.loc["p0", "input"] == pytest.approx(psnr(low, high))
    assert ceiling.loc["p1", "GEN of tiny"] == ceiling.loc["p1", "GEN & LEN, tiny"]
    assert (ceiling["best curve (ceiling)"] >= ceiling["input"]).all()
    inside = len_inside(ceiling, "tiny")
    assert inside.mean_difference == 0 and inside.verdict == "no difference shown" and inside.photos == 2
    spread = spread_table(pairs, stats_, outputs, "tiny")
    assert spread["input -> GEN"].iloc[0] == 0 and spread["input -> GEN & LEN"].iloc[0] == 0
    assert spread["input -> target"].iloc[0] == pytest.approx(np.mean([s.spread.mean() for s in stats_.values()]))


def test_exposure_and_gains_by_need():
    pairs = {n: (lo, lo * 0.5) for n, (lo, _) in _pairs().items()}
    changes, summary = exposure_study(pairs, {"same": lambda x: x * 1.0})
    assert np.allclose(changes["needed"], -1.0) and np.allclose(changes["applied"], 0.0)
    assert summary.loc["same", "mean |error| (stops)"] == pytest.approx(1.0)
    nothing, empty = exposure_study(pairs, {})
    assert nothing.empty and "method" in nothing and empty.empty
    base = pd.DataFrame({"method": ["input"] * 3, "name": ["a", "b", "c"], "psnr": [10.0, 20.0, 30.0]})
    per_image = pd.DataFrame({"name": ["a", "b", "c", "a", "b", "c"], "psnr": [11.0, 22.0, 29.0, 13.0, 22.0, 31.0]})
    gains = gain_by_need_of(per_image, base, pd.Series({"a": 0.0, "b": 0.5, "c": 1.0}))
    assert gains["no brightening"] == (1, pytest.approx(2.0)) and gains["brightening"] == (2, pytest.approx(1.0))
    degrade = degrader_exposure(torch.nn.Identity(), [(lo * 0.5, lo) for lo, _ in _pairs().values()])
    assert np.allclose(degrade["G_d"], 0) and np.allclose(degrade["benchmark degradation"], -1.0)
