"""Evaluating an enhancer over pairs, and summaries."""
import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd
import pytest
import torch

from enhancelib.metrics import evaluate_pairs, summarise

torch.set_num_threads(1)


@dataclass
class Pair:
    name: str
    input: torch.Tensor
    target: Optional[torch.Tensor]


def _pairs(n=4, size=(3, 40, 48), darken=0.7):
    gen = torch.Generator().manual_seed(0)
    pairs = []
    for i in range(n):
        target = (0.2 + 0.6 * torch.rand(size, generator=gen)).clamp(0, 1)
        pairs.append(Pair(f"img{i}", (target * darken).clamp(0, 1), target))
    return pairs


def test_scoring_the_inputs_as_is():
    pairs = _pairs()
    df = evaluate_pairs(None, pairs, metrics=("psnr", "ssim"), progress=False)
    assert list(df.columns) == ["name", "psnr", "ssim", "seconds"]
    assert list(df["name"]) == [p.name for p in pairs]
    assert df["psnr"].between(5, 40).all() and df["seconds"].isna().all()


def test_a_perfect_enhancer_beats_the_input_and_is_timed():
    pairs = _pairs()
    calls = []

    def undo_darkening(x):
        calls.append(tuple(x.shape))
        return (x / 0.7).clamp(0, 1)

    df = evaluate_pairs(undo_darkening, pairs, metrics=("psnr", "ssim"), progress=False)
    base = evaluate_pairs(None, pairs, metrics=("psnr", "ssim"), progress=False)
    assert calls == [(1, 3, 40, 48)] * len(pairs)  # called once per image with a batch of one
    assert (df["psnr"] > base["psnr"] + 5).all() and (df["ssim"] > base["ssim"]).all()
    assert (df["seconds"] >= 0).all()


def test_enhancer_returning_a_wrong_shape_is_named():
    with pytest.raises(ValueError, match="img0.*shape"):
        evaluate_pairs(lambda x: x[..., :-1], _pairs(), metrics=("psnr",), progress=False)


def test_unknown_metric_and_missing_target_are_clear_errors():
    with pytest.raises(ValueError, match="unknown metric"):
        evaluate_pairs(None, _pairs(), metrics=("lpips",), progress=False)
    no_target = [Pair("x", torch.rand(3, 96, 96), None)]
    with pytest.raises(ValueError, match="no target"):
        evaluate_pairs(None, no_target, metrics=("psnr",), progress=False)


def test_no_reference_metrics_need_no_target_and_nima_is_unavailable_without_weights():
    gen = torch.Generator().manual_seed(1)
    pairs = [Pair("x", torch.rand(3, 96, 96, generator=gen), None)]
    df = evaluate_pairs(None, pairs, metrics=("niqe", "nima"), progress=False)
    assert math.isfinite(df.loc[0, "niqe"]) and math.isnan(df.loc[0, "nima"])


def test_public_quirks_reach_the_metrics():
    pairs = _pairs()
    correct = evaluate_pairs(None, pairs, metrics=("psnr",), progress=False)
    public = evaluate_pairs(None, pairs, metrics=("psnr",), quirks="public", progress=False)
    assert not np.allclose(correct["psnr"], public["psnr"])


def test_summarise_mean_std_count_and_public_mean():
    df = pd.DataFrame({"name": list("abc"), "psnr": [20.0, 22.0, 24.0], "ssim": [0.5, np.nan, 0.7],
                       "seconds": [0.1, 0.1, 0.1]})
    s = summarise(df)
    assert s.loc["psnr", "mean"] == pytest.approx(22.0) and s.loc["psnr", "std"] == pytest.approx(2.0)
    assert s.loc["ssim", "count"] == 2 and s.loc["ssim", "mean"] == pytest.approx(0.6)
    assert summarise(df, quirks="public").loc["psnr", "mean"] == pytest.approx(33.0)
