"""Chapter 05's records, results table and summary (enhancelib.study.papers.comparison), on small synthetic
records checked by hand and on the recorded runs."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from enhancelib.study.papers.comparison import (INPUT, OPERATOR, Comparison, comparison_from, judge_against_input,
                                                quality_weight_runs, quality_weight_scores, results_note,
                                                results_table, summary_lines)

PHOTOS = ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
TONE = {"black": 0.1, "white": 0.9, "contrast": 0.2, "mean": 0.5, "saturation": 0.2}


@dataclass
class FakeRun:
    """What the comparison reads of a recorded run."""

    psnr: list[float]
    ssim: list[float] = field(default_factory=lambda: [0.8] * len(PHOTOS))
    has_weights: bool = False
    steps: int = 100
    path: Path = Path("nowhere")

    @property
    def per_image(self) -> pd.DataFrame:
        return pd.DataFrame({"name": PHOTOS, "psnr": self.psnr, "ssim": self.ssim})

    @property
    def provenance(self) -> dict[str, float]:
        return {"steps": self.steps, "train_cpu_seconds": 1800.0}


def baselines() -> pd.DataFrame:
    rows = []
    for method, psnr in {"input": [10.0, 12.0, 14.0, 16.0], "autocontrast": [11.0, 13.5, 14.0, 17.5],
                         "clahe": [9.0, 12.0, 13.0, 15.0]}.items():
        rows += [{"method": method, "name": n, "psnr": p, "ssim": 0.7} for n, p in zip(PHOTOS, psnr)]
    return pd.DataFrame(rows)


def synthetic() -> Comparison:
    runs = {("uegan", "full-seed0"): FakeRun([12.0, 14.0, 16.0, 18.0], has_weights=True),
            ("uegan", "full-seed1"): FakeRun([11.0, 13.0, 15.0, 17.5]),
            ("uegan", "full-seed2"): FakeRun([12.0, 13.0, 16.0, 17.0]),
            ("glenet_paired", "paired-gen-len"): FakeRun([13.0, 15.0, 17.0, 19.0], has_weights=True),
            ("qagan", "full-seed0"): None}
    return comparison_from(runs, baselines())


def set_scores() -> pd.DataFrame:
    """Scores on the three sets: input, autocontrast and UEGAN, two photos, plus the targets' levels."""
    rows = []
    for method, flat, change in (("input", 10.0, 0.0), ("autocontrast", 12.0, 3.0), ("uegan", 11.0, 20.0)):
        for set_name in ("test", "flat", "identity"):
            for i, name in enumerate(PHOTOS[:2]):
                psnr = {"test": 15.0, "flat": flat + i, "identity": 30.0}[set_name]
                rows.append({"set": set_name, "name": name, "psnr": psnr, "ssim": 0.9 - 0.1 * i, "change": change + i,
                             **{**TONE, "black": 0.1 + 0.05 * i}, "method": method})
    return pd.DataFrame(rows)


def targets() -> pd.DataFrame:
    return pd.DataFrame([{"name": n, **TONE} for n in PHOTOS[:2]])


def test_comparison_from_stacks_every_method_and_reads_its_kind():
    c = synthetic()
    assert c.operators == ("autocontrast", "clahe")                        # BASELINES order, present ones only
    assert c.learned == ["uegan", "glenet_paired"]                          # registry order, qagan not recorded
    assert len(c.long) == 4 * 3 + 4 * 4                                     # 3 baselines + 4 runs, 4 photos each
    assert c.best_operator == "autocontrast"                                # mean 14.0 against clahe's 12.25
    assert c.stat("autocontrast", "psnr mean") == pytest.approx(14.0)
    assert [c.kind(k) for k in ("input", "clahe", "uegan", "glenet_paired")] == \
        [INPUT, OPERATOR, "unpaired", "paired upper bound"]
    assert c.label("glenet_paired") == "GleNet paired (GEN & LEN)" and c.label("clahe") == "clahe"
    assert list(c.recorded("uegan")) == ["full-seed0", "full-seed1", "full-seed2"]
    assert c.recorded("qagan") == {}


def test_judge_against_input_is_the_paired_t_test_holm_adjusted_over_the_table():
    c = synthetic()
    judged = judge_against_input(c)
    assert list(judged) == ["autocontrast", "clahe", "uegan", "glenet_paired"]
    # UEGAN's seed-averaged photos: 11.667, 13.333, 15.667, 17.5 against the input's 10, 12, 14, 16
    d = np.array([35 / 3, 40 / 3, 47 / 3, 17.5]) - np.array([10.0, 12.0, 14.0, 16.0])
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / math.sqrt(4)
    uegan = judged["uegan"]
    assert uegan.mean_difference == pytest.approx(d.mean())
    assert (uegan.low, uegan.high) == pytest.approx((d.mean() - half, d.mean() + half))
    raw = {k: stats.ttest_rel(c.scores(k).groupby("name")["psnr"].mean(), c.scores(INPUT)["psnr"]).pvalue
           for k in ("autocontrast", "clahe", "uegan")}
    raw["glenet_paired"] = 0.0                                              # +3 dB on every photo
    order = sorted(raw, key=raw.get)
    expected, running = {}, 0.0
    for rank, key in enumerate(order):                                     # Holm by hand over the 4 comparisons
        running = max(running, min(1.0, (4 - rank) * raw[key]))
        expected[key] = running
    assert {k: judged[k].adjusted_p for k in judged} == pytest.approx(expected)
    assert judged["glenet_paired"].verdict == "A better"


def test_results_table_puts_the_three_sets_side_by_side():
    c = synthetic()
    table = results_table(c, set_scores(), targets())
    assert list(table.index) == ["input", "autocontrast", "clahe", "UEGAN", "UEGAN + Charbonnier (003)",
                                 "UEGAN + Charbonnier + SE (003)", "QAGAN", "GleNet unpaired (GEN & LEN)",
                                 "GleNet paired (GEN & LEN)", "BNCAGAN", "GleNet unpaired + identity term (ours)",
                                 "QAGAN + identity term (ours)"]
    uegan = table.loc["UEGAN"]
    means = [15.0, 14.125, 14.5]                                            # each seed's test mean
    assert uegan[("test split", "seeds")] == 3
    assert uegan[("test split", "PSNR")] == f"{np.mean(means):.2f} ± {np.std(means, ddof=1):.2f}"
    d = judge_against_input(c)["uegan"]
    assert uegan[("test split", "Δ PSNR vs input [95%]")] == f"{d.mean_difference:+.2f} [{d.low:+.2f}, {d.high:+.2f}]"
    assert table.loc["GleNet paired (GEN & LEN)", ("test split", "verdict")] == "above the input"
    assert table.loc["GleNet paired (GEN & LEN)", ("test split", "PSNR")] == pytest.approx(16.0)   # one seed: a number
    assert table.loc["QAGAN", ("test split", "PSNR")] == "not recorded yet"
    assert table.loc["QAGAN", ("test split", "seeds")] == 0
    # the other two sets: UEGAN's flat PSNR 11 and 12 on the two photos; haze (black - 0.1) + (0.2 - 0.2)
    assert uegan[("flat render", "PSNR")] == pytest.approx(11.5)
    assert uegan[("flat render", "haze")] == pytest.approx(0.025)
    assert uegan[("identity", "edit (levels)")] == pytest.approx(20.5)
    assert uegan[("flat render", "seeds")] == 1 and table.loc["BNCAGAN", ("flat render", "seeds")] == 0
    assert math.isnan(table.loc["BNCAGAN", ("flat render", "PSNR")])
    assert table.loc["input", ("test split", "verdict")] == "—" and table.loc["clahe", ("", "kind")] == OPERATOR


def test_results_note_names_the_family_and_the_runs_scored_on_the_other_sets():
    c = synthetic()
    note = results_note(c, set_scores(), {"uegan": "full-seed0"})
    assert note.startswith("Verdicts: 4 comparisons with the input, one Holm family.")
    assert "(UEGAN `full-seed0`)" in note
    assert "Not scored there because no run keeps its generator: UEGAN + Charbonnier (003)," in note
    assert "Not scored yet (`python scripts/score_test_sets.py`): GleNet paired (GEN & LEN)." in note
    runs = {**c.runs, ("glenet_hq_identity", "hq-identity-500-seed0"): FakeRun([1.0, 2.0, 3.0, 4.0], has_weights=True)}
    note = results_note(comparison_from(runs, baselines()), set_scores(), {"uegan": "full-seed0"})
    assert "Not a main model, so not scored there: GleNet unpaired + identity term (ours)." in note
    assert "`python -m enhancelib plan --chapter qagan --record`" in note   # QAGAN's runs are not recorded


def test_summary_names_the_best_unpaired_method_and_its_verdict():
    c = synthetic()
    lines = summary_lines(c)
    judged = judge_against_input(c)
    words = {"A better": "above the input", "B better": "below the input", "no difference shown": "no difference shown"}
    d = judged["uegan"]
    assert lines[0] == ("* Highest mean test PSNR without pairs among the methods with at least 3 seeds: **UEGAN** "
                        f"(3 seeds), {d.mean_difference:+.2f} dB [{d.low:+.2f}, {d.high:+.2f}], {words[d.verdict]}.")
    assert lines[1].startswith("* The paired upper bound, GleNet paired (GEN & LEN) (1 seed): +3.00 dB")
    assert lines[2].startswith("* The best classical operator, autocontrast: +1.00 dB")
    above = [c.label(k) for k in c.learned if judged[k].verdict == "A better"]
    assert lines[3] == (f"* Learned methods shown above the input: {', '.join(above) or 'none'}; below it: none; "
                        f"no difference shown for the other {2 - len(above)}.")


def test_summary_without_learned_methods():
    c = comparison_from({("uegan", "full-seed0"): None}, baselines(), "skipped on smoke")
    assert summary_lines(c) == ["* No learned method is available (skipped on smoke)."]


def test_quality_weight_runs_are_chosen_by_their_scores_not_their_weights(tmp_path):
    # the run with weights but no scores on the three sets is left out; the one with scores is kept
    scored, unscored = tmp_path / "uegan" / "quality-0.05-seed1", tmp_path / "uegan" / "quality-0.05-seed2"
    for folder in (scored, unscored, tmp_path / "uegan" / "full-seed0"):
        folder.mkdir(parents=True)
    set_scores().query("method == 'uegan'").drop(columns="method").to_csv(scored / "test_sets.csv", index=False)
    set_scores().query("method == 'uegan'").drop(columns="method").to_csv(
        tmp_path / "uegan" / "full-seed0" / "test_sets.csv", index=False)
    (unscored / "generator.pt").write_bytes(b"")
    runs = quality_weight_runs(tmp_path)
    assert runs == {"UEGAN, quality weight 0.1 (full-seed0)": "full-seed0",
                    "UEGAN, quality weight 0.05 (quality-0.05-seed1)": "quality-0.05-seed1"}
    scores = quality_weight_scores(set_scores(), ["input"], tmp_path)
    assert list(dict.fromkeys(scores["method"])) == [*runs, "input"]
    assert len(scores) == 3 * 6


def test_the_recorded_pools_give_the_table_its_test_split_figures():
    from enhancelib.metrics.tone import TONE_LEVELS
    from enhancelib.paths import RUNS_DIR
    from enhancelib.study.baselines import load_baselines
    from enhancelib.study.compare import LEARNED_METHODS
    from enhancelib.study.test_sets import method_test_set_scores
    from enhancelib.train.runs import load_run

    runs = {(m.key, n): (load_run(RUNS_DIR / m.chapter / n) if (RUNS_DIR / m.chapter / n / "metrics.json").is_file()
                         else None) for m in LEARNED_METHODS for n in m.runs}
    if any(run is None for run in runs.values()):
        pytest.skip("not every run of the comparison is recorded")
    c = comparison_from(runs, load_baselines("cpu", progress=False)[0])
    scores = method_test_set_scores()
    levels = scores[(scores["method"] == "target") & (scores["set"] == "test")][["name", *TONE_LEVELS]]
    table = results_table(c, scores, levels)
    bncagan = [float(runs[("bncagan", n)].per_image["psnr"].mean()) for n in LEARNED_METHODS[6].runs]
    assert table.loc["BNCAGAN", ("test split", "PSNR")] == f"{np.mean(bncagan):.2f} ± {np.std(bncagan, ddof=1):.2f}"
    assert table.loc["BNCAGAN", ("test split", "seeds")] == len(bncagan)
    flat = scores[(scores["method"] == "bncagan") & (scores["set"] == "flat")]["psnr"].mean()
    assert table.loc["BNCAGAN", ("flat render", "PSNR")] == pytest.approx(flat)


def test_every_column_gives_one_precision_to_all():
    from enhancelib.study.papers.comparison import every_column

    frame = pd.DataFrame({"slope": [0.123], "sd": [1.0], 3: [2.0]})
    assert every_column(frame) == {"slope": 2, "sd": 2, "3": 2}
    assert every_column(frame, 1)["sd"] == 1


def test_a_recorded_model_outside_the_comparison_is_named_by_its_registered_run():
    from enhancelib.study.experiments import experiment

    c = synthetic()
    assert c.label("uegan_longer") == experiment("uegan", "quality-0.05-budget-3x-seed0").label
    assert c.label("autocontrast") == "autocontrast"
