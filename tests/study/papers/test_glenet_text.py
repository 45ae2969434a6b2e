"""enhancelib.study.papers.glenet_text: the sentences, each from a typed result."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from enhancelib.paths import RUNS_DIR
from enhancelib.study.papers.glenet import cpu_setting
from enhancelib.study.papers.glenet_checks import LookupCost, ResolutionCheck, StartScores
from enhancelib.study.papers.glenet_text import (ceiling_text, claim_outcome, collapse_text, cpu_setting_note,
                                                 ema_text, exposure_text, fig5_text, lookup_cost_text, named_verdict, resolution_text,
                                                 slider_caption, stage1_text, start_text, upper_bound_text,
                                                 verdict_lines)
from enhancelib.study.statistics import Difference
from enhancelib.train.runs import load_run


def _run(name):
    path = RUNS_DIR / "glenet" / name
    if not (path / "metrics.json").is_file():
        pytest.skip(f"glenet/{name} is not recorded")
    return load_run(path)


def _difference(mean, low, high, p):
    return Difference("psnr", 30, mean, low, high, p, p, 0.95, True)


def test_lookup_and_start_sentences():
    cost = LookupCost(4000, 3000, {"chunked gather (ours)": 0.1, "plain torch.gather": 0.2, "one-hot eq. (1)": 36.0})
    text = lookup_cost_text(cost)
    assert "360 times the chunked look-up" in text and "144 MB" in text and "36.9 GB" in text
    assert "record_benchmarks.py bench_glenet" in lookup_cost_text(None)
    start = start_text(StartScores(5, {"public start": 12.1, "identity start": 19.5, "input": 19.5},
                                   {"public start": 0.13, "identity start": 0.0}))
    assert "public start scores 12.10 dB" in start and "identity start 19.50 dB" in start
    assert "differ by at most 0.0010" in resolution_text(ResolutionCheck((64, 128), 0.001, 30.18, 30), "x.jpg")
    assert slider_caption("x", 10.0, 12.5) == "**x**: input 10.00 dB, paired GEN & LEN (recorded) 12.50 dB (+2.50 dB)"


def test_ema_and_upper_bound_sentences():
    text = ema_text(pd.Series([926, 4015]), 0.999)
    assert f"{0.999 ** 926:.0%} to {0.999 ** 4015:.0%}" in text and "step 8,990" in text
    assert "last step's weights" in ema_text(pd.Series([10]), 0.0)
    runs = {n: _run(n) for n in ("paired-gen-len", "paired-gen-len-seed1", "paired-gen-len-seed2")}
    psnr = [r.per_image["psnr"].mean() for r in runs.values()]
    assert f"{np.mean(psnr):.2f} ± {np.std(psnr, ddof=1):.2f} dB over 3 seed(s)" in upper_bound_text(runs, 18.74)
    assert "no upper bound yet" in upper_bound_text({}, 18.74)


def test_the_cpu_setting_note_names_every_departure():
    note = cpu_setting_note([cpu_setting("unpaired-seed0"), cpu_setting("unpaired-gen-seed0")])
    for part in ("`net_size=128`", "`stage1_fraction=0.6`", "`identity_init=True`", "LEN's last convolution starts at zero",
                 "batch-norm statistics are re-estimated"):
        assert part in note
    assert note.count("identity_init") == 1


def test_stage_fig5_and_collapse_sentences_from_the_records():
    run = _run("unpaired-seed0")
    start = int(run.train_log.loc[run.train_log["len_loss"].notna(), "step"].min())
    last = run.eval_log[run.eval_log["step"] <= start].iloc[-1]
    assert f"evaluation at step {int(last['step'])}, stage 2 from step {start}): {last['test_psnr']:.2f} dB" in stage1_text(run)
    gen, pixel = _run("paired-gen").eval_log, _run("paired-pixelwise").eval_log
    best = pixel["test_psnr"].max()
    first = gen[gen["test_psnr"] > best].iloc[0]
    assert f"{best:.2f} dB" in fig5_text(gen, pixel) and f"at step {int(first['step'])}" in fig5_text(gen, pixel)
    collapsed = _run("wgan-only-len-seed0")
    assert "falls apart" in collapse_text(collapsed, "x") and collapse_text(run, "x") is None


def test_exposure_and_ceiling_sentences():
    adapt = pd.DataFrame({"mean applied (stops)": [0.33, 0.2], "sd applied": [0.07, 0.3], "slope": [-0.02, 0.3],
                          "correlation": [-0.1, 0.5]}, index=["unpaired GEN & LEN", "autocontrast"])
    run = _run("unpaired-seed0")
    start = int(run.train_log.loc[run.train_log["len_loss"].notna(), "step"].min())
    text = exposure_text(adapt, pd.Series([0.0, 0.5, 1.0]), {"m": {"no brightening": (8, -8.0), "brightening": (22, 2.5)}},
                         None, run)
    assert "+0.33 ± 0.07 stops" in text and "+0.50 ± 0.41 (from +0.00 to +1.00)" in text and f"about {start // 5} updates ({start} mini" in text
    assert "-8.00 dB from the input on the 8 photos" in text and "paired model" not in text
    ceiling = pd.DataFrame({"input": [10.0, 20.0], "best curve (ceiling)": [20.0, 30.0], "spread": [0.1, 0.2],
                            "GEN of m": [12.0, 22.0], "GEN & LEN, m": [13.0, 21.0]})
    line = ceiling_text(ceiling, "m", _difference(0.0, -1.0, 1.0, 0.9))
    assert "covers 20% of the way" in line and "+0.00 dB" in line and "better on 1 of 2" in line
    assert "no difference shown" in line and "correlation between a photo's spread and this gain -1.00" in line
    recorded = pd.DataFrame({"name": [0, 1], "psnr": [13.01, 21.0]})
    assert "at most 0.010 dB per photo" in ceiling_text(ceiling, "m", None, recorded)


def test_claim_outcomes_follow_the_book_rule():
    assert claim_outcome(_difference(0.4, 0.1, 0.7, 0.01), 0.41) == "reproduced"
    assert claim_outcome(_difference(0.4, 0.1, 0.7, 0.01), -0.63) == "reversed"
    assert claim_outcome(_difference(0.1, -0.5, 0.7, 0.6), 0.41) == "same sign, no difference shown"
    assert claim_outcome(_difference(-0.1, -0.5, 0.3, 0.6), 0.41) == "opposite sign, no difference shown"
    lines = verdict_lines({"Table 3": {"paired GEN & LEN - paired GEN": _difference(0.14, -0.52, 0.8, 0.66),
                                       "paired GEN - input": _difference(2.5, 0.4, 4.7, 0.04)}},
                          _difference(0.9, 0.5, 1.3, 0.001))
    assert lines[0] == ("* Table 3, **paired GEN & LEN - paired GEN**: +0.14 dB [-0.52, +0.80], no difference shown; "
                        "paper +0.41 dB: **same sign, no difference shown**.")
    assert lines[1].endswith("paired GEN better.") and lines[2].endswith("LEN on better.")
    starred = verdict_lines({"Table 5": {"WGAN-GP GEN & LEN* - proposed GEN & LEN": _difference(-12, -14, -10, 0.0)}}, None)
    assert "**WGAN-GP GEN & LEN\\* - proposed GEN & LEN**" in starred[0] and "proposed GEN & LEN better" in starred[0]
    assert named_verdict("no difference shown", "a - b") == "no difference shown"
