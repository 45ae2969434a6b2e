"""The lab notes of chapter 05 (enhancelib.study.papers.comparison_lab), on synthetic records checked by hand."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from enhancelib.study.compare import Claim
from enhancelib.study.papers.comparison_lab import (claim_lines, claim_table, cost_provenance_line, cost_table,
                                                    judge_pairs, learned_pairs, pairwise_table, reference_pairs,
                                                    schedule_commentary, seed_count_sentence, selection_lines,
                                                    status_table, every_metric_table)
from enhancelib.study.statistics import holm, judge_difference
from tests.study.papers.test_comparison import synthetic


def test_status_table_counts_runs_steps_and_weights():
    table = status_table(synthetic())
    uegan = table.loc["UEGAN"]
    assert uegan["runs"] == "3 of 6"                                        # seeds 0-2 of full-seed0..4, dense-eval
    assert uegan["steps"] == "100/100/100" and uegan["CPU min"] == "30/30/30"
    assert uegan["weights kept by"] == "full-seed0"
    assert uegan["missing"] == "full-seed3, full-seed4, dense-eval-seed0"
    assert uegan["record with"] == "python -m enhancelib plan --chapter uegan --record"
    assert status_table(synthetic(), quick=True).loc["UEGAN", "record with"] == ""
    assert table.loc["QAGAN", "runs"] == "0 of 5" and table.loc["QAGAN", "steps"] == ""


def test_seed_count_sentence_groups_methods_by_recorded_runs():
    text = seed_count_sentence(synthetic())
    assert text.startswith("Runs recorded: 3 of the 6 listed for UEGAN; 1 of the 3 listed for GleNet paired (GEN & "
                           "LEN); 0 of the 6 listed for")


def test_test_split_table_gives_the_seed_spread_and_the_gain():
    table = every_metric_table(synthetic())
    means = [15.0, 14.125, 14.5]
    assert table.loc["UEGAN", "PSNR"] == f"{np.mean(means):.2f} ± {np.std(means, ddof=1):.2f}"
    assert table.loc["UEGAN", "Δ PSNR vs input"] == f"{np.mean(means) - 13.0:+.2f}"
    assert table.loc["clahe", "PSNR"] == "12.25" and table.loc["clahe", "seeds"] == 1
    photo_means = np.array([35 / 3, 40 / 3, 47 / 3, 17.5])
    assert table.loc["UEGAN", "PSNR photo sd"] == pytest.approx(photo_means.std(ddof=1))


def test_pairs_are_judged_as_one_family_across_metrics():
    c = synthetic()
    assert reference_pairs(c) == [("uegan", "input"), ("glenet_paired", "input"), ("uegan", "autocontrast"),
                                  ("glenet_paired", "autocontrast")]
    assert learned_pairs(c) == [("uegan", "glenet_paired")]
    judged = judge_pairs(c, reference_pairs(c), ("psnr", "ssim"))
    assert list(judged) == ["psnr", "ssim"] and list(judged["psnr"])[0] == "UEGAN - input"
    alone = [judge_difference(c.scores(a), c.scores(b), m) for m in ("psnr", "ssim") for a, b in reference_pairs(c)]
    adjusted = [d.adjusted_p for m in ("psnr", "ssim") for d in judged[m].values()]
    assert adjusted == pytest.approx(holm([d.p_value for d in alone]))      # one family of 8
    table = pairwise_table(judged)
    assert table["metric"].tolist() == ["PSNR"] * 4 + ["SSIM"] * 4
    assert table.loc["GleNet paired (GEN & LEN) - autocontrast", "Δ (A - B)"].tolist() == ["+2.00", "+0.1000"]


def test_claim_table_judges_the_printed_orderings():
    c = synthetic()
    claims = (Claim("paper A", "glenet_paired", "uegan", (25.0, 0.9, 23.0, 0.85)),
              Claim("paper B", "uegan", "glenet_paired", (23.0, 0.85, 22.0, 0.80)),
              Claim("paper C", "qagan", "input", (22.0, 0.9, 17.0, 0.8)),
              Claim("papers A and B", "uegan", "input", (23.0, 0.85, 17.0, 0.8), across_papers=True))
    table = claim_table(c, claims)
    psnr = table[table["metric"] == "PSNR"].set_index("source")
    gap = 16.0 - np.mean([35 / 3, 40 / 3, 47 / 3, 17.5])
    assert psnr.loc["paper A", "our gap"] == pytest.approx(gap)
    assert psnr.loc["paper A", "paper gap"] == pytest.approx(2.0) and psnr.loc["paper A", "printed"] == "25 vs 23"
    assert psnr.loc["paper A", "seeds in order"] == "1 of 1"
    assert psnr.loc["paper B", "our gap"] == pytest.approx(-gap)
    assert psnr.loc["paper C", "verdict"] == "not recorded yet"
    same = "reproduced" if psnr.loc["paper A", "p (Holm)"] < 0.05 else "same order, no difference shown"
    opposite = "reversed" if psnr.loc["paper B", "p (Holm)"] < 0.05 else "opposite order, no difference shown"
    assert (psnr.loc["paper A", "verdict"], psnr.loc["paper B", "verdict"]) == (same, opposite)
    # the six recorded comparisons are one family: the smallest p-value is multiplied by six
    alone = judge_difference(c.scores("glenet_paired"), c.scores("uegan"), "psnr").p_value
    ps = [judge_difference(c.scores(a), c.scores(b), m).p_value for a, b in
          [("glenet_paired", "uegan"), ("uegan", "glenet_paired"), ("uegan", "input")] for m in ("psnr", "ssim")]
    assert psnr.loc["paper A", "p (Holm)"] == pytest.approx(holm(ps)[0]) and holm(ps)[0] >= alone
    lines = claim_lines(table)
    assert lines[0].startswith("Within-paper claims (PSNR and SSIM counted separately): ")
    assert "2 not recorded yet" in lines[0]


def test_schedule_commentary_sets_our_steps_beside_the_papers():
    split = {"a": "train_low", "b": "train_low", "c": "train_high", "d": "train_high", "e": "test"}
    text = schedule_commentary(synthetic(), split)
    # UEGAN's recorded runs took 100 steps of its paper's 33,750; the paired GleNet 100 of 25,000
    assert "ours after 100 CPU steps (0.3%-0.4% of the paper's schedule, run by run) on 2 training photos per " \
           "domain" in text
    assert "UEGAN: 33,750" in text and "GleNet paired (GEN & LEN): 25,000" in text


def test_selection_lines_read_the_choice_table():
    choice = pd.DataFrame({"seeds": [3, 1], "evaluations": ["2-4", "3-3"], "last": [12.0, 14.0],
                           "chosen on val": [13.5, 13.9], "chosen - last": [1.5, -0.1], "runs changed": [2, 1],
                           "best of any": [14.0, 14.2], "best of any, top seed": [14.5, 14.2]},
                          index=["uegan", "glenet_paired"])
    lines = selection_lines(synthetic(), choice)
    assert lines[0] == ("* Choosing on validation moves a method's mean test PSNR by -0.10 to +1.50 dB; the largest "
                        "move is UEGAN's (+1.50 dB, 2 of 3 seeds changed).")
    assert lines[1] == ("* Below the input (13.00 dB) at their last evaluation and above it when chosen on "
                        "validation: UEGAN. The reverse: none.")
    assert lines[3].startswith("* Highest mean test PSNR without pairs, by the last evaluation: UEGAN;")


def test_cost_table_and_its_provenance(tmp_path):
    cost = pd.DataFrame({"method": ["uegan"], "label": ["UEGAN"], "role": ["unpaired"], "params_inference": [4.0e6],
                         "ms_12mp": [95000.0], "ms_512": [980.0]})
    table = cost_table(cost)
    assert table.loc["UEGAN", "params used (M)"] == 4.0 and table.loc["UEGAN", "12 MP (s)"] == 95.0
    assert list(table.columns) == ["kind", "params used (M)", "512² (ms)", "12 MP (s)"]
    record = {"commit": "0123456789abcdef", "torch": "2.1", "threads": 2, "cpu_model": "a CPU", "date": "today",
              "load_average_before": [0.5], "load_average_after": [1.25], "command": "python scripts/bench_cost.py"}
    (tmp_path / "provenance.json").write_text(json.dumps(record))
    line = cost_provenance_line(tmp_path / "provenance.json")
    assert line.startswith("Measured at commit 01234567 with torch 2.1, 2 threads on a CPU (vector instructions: not "
                           "recorded), today; load average 0.50 before and 1.25 after")
    (tmp_path / "provenance.json").write_text(json.dumps({**record, "quick": True}))
    assert "it is not a measurement" in cost_provenance_line(tmp_path / "provenance.json")
