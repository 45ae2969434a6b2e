"""Chapter 03's ablations and backward-cycle reference, judged by the book's rule (study.papers.qagan_judging)."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from enhancelib.study.judging import seed_pool
from enhancelib.study.papers.qagan import main_pool
from enhancelib.study.papers.qagan_judging import (ABLATIONS, CYCLE_POOLS, ablation_differences, ablation_table,
                                                   cycle_absent_line, cycle_reference_difference,
                                                   cycle_reference_sentence, cycle_reference_table, label_of,
                                                   reproduction_lines)
from enhancelib.study.plan import plan_runs
from enhancelib.study.statistics import Difference, holm

NAMES = [f"photo{i}" for i in range(20)]
RNG = np.random.default_rng(3)
BASE = RNG.normal(18, 2, len(NAMES))


def run(shift: float, noise: float = 0.3, ssim: float = 0.85):
    psnr = BASE + shift + RNG.normal(0, noise, len(NAMES))
    return SimpleNamespace(per_image=pd.DataFrame({"name": NAMES, "psnr": psnr, "ssim": np.full(len(NAMES), ssim)}))


def test_pools_and_labels_come_from_the_registry():
    assert [label_of(name) for name in ABLATIONS] == ["w/o spatial attention", "w/o statistics transfer", "w/o QAM"]
    assert seed_pool("qagan", CYCLE_POOLS["own"]) == ["full-seed0", "full-seed1", "full-seed2"]
    assert seed_pool("qagan", CYCLE_POOLS["shuffled"]) == [f"cycle-shuffled-seed{s}" for s in range(3)]


def test_ablations_are_one_family_against_the_main_pool():
    runs = {name: run(0.0) for name in main_pool()}
    runs.update({"no-spatial-seed0": run(+1.5), "no-stat-seed0": run(0.05), "no-qam-seed0": None})
    judged = ablation_differences(runs)
    assert list(judged) == ["no-spatial", "no-stat"]          # the unrecorded ablation is left out
    full = pd.concat([r.per_image for n, r in runs.items() if n in main_pool()]).groupby("name")["psnr"].mean()
    by_hand = (runs["no-spatial-seed0"].per_image.set_index("name")["psnr"] - full).mean()
    assert judged["no-spatial"].mean_difference == pytest.approx(by_hand)
    assert [d.adjusted_p for d in judged.values()] == pytest.approx(holm([d.p_value for d in judged.values()]))
    table = ablation_table(runs, judged, "not recorded yet")
    assert table.loc["QAGAN (full)", "runs"] == len(main_pool())
    assert table.loc["w/o spatial attention", "verdict"] == "w/o spatial attention higher"
    assert table.loc["w/o spatial attention", "Δ PSNR (dB)"] == pytest.approx(by_hand)
    assert table.loc["w/o QAM", "verdict"] == "not recorded yet" and table.loc["w/o QAM", "runs"] == 0
    assert table.loc["w/o QAM", "paper"] == "not reported" and "NIQE" not in table
    assert list(table.columns) == ["paper", "runs", "PSNR", "SSIM", "Δ PSNR (dB)", "95% interval", "p (Holm)", "verdict"]
    assert ablation_differences({}) == {}


def test_the_cycle_reference_is_judged_on_the_same_seeds():
    runs = {f"full-seed{s}": run(0.0) for s in range(3)}
    assert cycle_reference_difference(runs) is None
    runs.update({f"cycle-shuffled-seed{s}": run(-1.0) for s in range(3)})
    runs["dense-eval-seed0"] = run(+5.0)   # not in the "own" pool: same seeds only
    d = cycle_reference_difference(runs)
    own = pd.concat([runs[f"full-seed{s}"].per_image for s in range(3)]).groupby("name")["psnr"].mean()
    shuffled = pd.concat([runs[f"cycle-shuffled-seed{s}"].per_image for s in range(3)]).groupby("name")["psnr"].mean()
    assert d is not None and d.mean_difference == pytest.approx((own - shuffled).mean())
    assert d.adjusted_p == d.p_value and d.verdict == "A better"
    table = cycle_reference_table(runs, d)
    assert list(table.index) == ["own (full-seed0, full-seed1, full-seed2)",
                                 "shuffled (cycle-shuffled-seed0, cycle-shuffled-seed1, cycle-shuffled-seed2)",
                                 "difference, own − shuffled"]
    assert table.loc["difference, own − shuffled", "verdict"] == "own better"
    assert table.iloc[0]["runs"] == 3


def _judged(own_shift: float, shuffled_shift: float) -> Difference:
    runs = {f"full-seed{s}": run(own_shift) for s in range(3)}
    runs.update({f"cycle-shuffled-seed{s}": run(shuffled_shift) for s in range(3)})
    d = cycle_reference_difference(runs)
    assert d is not None
    return d


def test_the_sentence_says_which_reference_the_book_uses_and_why_for_each_outcome():
    own_better = _judged(0.0, -1.0)
    text = cycle_reference_sentence(own_better, 3, 3)
    assert text.startswith("The photo's own reference scores higher than a shuffled one, own − shuffled = "
                           f"{own_better.mean_difference:+.2f} dB (95% interval [{own_better.low:+.2f}, "
                           f"{own_better.high:+.2f}], 20 photos, 3 runs against 3)")
    assert "the book keeps `cycle_reference=\"own\"`" in text

    shuffled_better = _judged(0.0, +1.0)
    assert shuffled_better.verdict == "B better"
    text = cycle_reference_sentence(shuffled_better, 3, 2)
    assert text.startswith("A shuffled reference scores higher than the photo's own")
    assert "3 runs against 2" in text and "understate what QAGAN reaches" in text

    tie = _judged(0.0, 0.0)
    if tie.verdict != "no difference shown":     # the synthetic noise may still show a tiny difference
        tie = replace(tie, adjusted_p=0.5)
    text = cycle_reference_sentence(tie, 3, 3)
    assert text.startswith("No difference is shown between the two references")
    assert "stand for either choice" in text


def test_the_absent_line_names_what_the_plan_would_record():
    planned = [replace(p, recorded=p.experiment.name.startswith("full-")) for p in plan_runs(["qagan"])
               if p.experiment.name.startswith(("full-", "cycle-shuffled-"))]
    line = cycle_absent_line(planned)
    assert line == ("The runs with a shuffled reference are not recorded yet: `python -m enhancelib plan --chapter "
                    "qagan --record` would add qagan/cycle-shuffled-seed0, qagan/cycle-shuffled-seed1, "
                    "qagan/cycle-shuffled-seed2 (30 CPU-minutes each).")
    assert cycle_absent_line([]).endswith("would add nothing (all recorded).")


def test_reproduction_lines_quote_the_papers_gain_and_every_judged_difference():
    gain = Difference("psnr", 30, -1.71, -3.33, -0.09, 0.04, 0.04, 0.95, True)
    best = Difference("psnr", 30, -2.60, -4.24, -0.97, 0.003, 0.006, 0.95, True)
    ablation = Difference("psnr", 30, 1.72, 0.77, 2.67, 0.001, 0.003, 0.95, True)
    lines = reproduction_lines({"QAGAN − input": gain, "QAGAN − autocontrast": best}, 5, {"no-qam": ablation}, None)
    assert lines[0].startswith("* **QAGAN against the input** (5 runs; the paper: +5.38 dB over its input on FiveK): "
                               "QAGAN − the input: -1.71 dB")
    assert lines[0].endswith(": the input is better.")
    assert lines[1].startswith("* **QAGAN against autocontrast** (5 runs): ")
    assert lines[2] == ("* **w/o QAM** (1 run): w/o QAM − QAGAN: +1.72 dB (95% interval [+0.77, +2.67], 30 photos, "
                        "Holm-adjusted p = 0.003): w/o QAM is better.")
    assert len(lines) == 3
    with_cycle = reproduction_lines({}, 5, {}, replace(gain, adjusted_p=0.5))
    assert with_cycle == ["* **Backward-cycle reference**: own − shuffled: -1.71 dB (95% interval [-3.33, -0.09], "
                          "30 photos, Holm-adjusted p = 0.500): no difference shown."]
