"""The lab notes of chapter 03 (study.papers.qagan_lab) and the chapter's run loader, checked by hand."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from enhancelib.config import resolve_preset
from enhancelib.paths import RUNS_DIR
from enhancelib.study.chapter import ChapterParameters
from enhancelib.study.papers.qagan import load_runs
from enhancelib.study.papers.qagan_lab import (bf16_sentence, first_evaluation, per_run_table, pool_spread_sentence,
                                               term_gradient_lines, term_gradient_table)
from enhancelib.study.statistics import Difference


def fake_run(steps: int, first: tuple[int, float], psnr: float = 17.0, amp: str | None = None, weight: float = 0.0):
    return SimpleNamespace(
        per_image=pd.DataFrame({"name": ["a", "b"], "psnr": [psnr - 1, psnr + 1], "ssim": [0.8, 0.9]}),
        provenance={"steps": steps, "amp_dtype": amp, "cpu_model": "Some CPU", "cpu_vector_isa": "AVX2"},
        eval_log=pd.DataFrame({"step": [first[0] * 2, first[0]], "test_psnr": [first[1] + 1, first[1]]}),
        spec=SimpleNamespace(options={"identity_weight": weight} if weight else {}))


def test_load_runs_trains_nothing_on_smoke_outside_its_list_and_reads_the_records_on_cpu():
    smoke = ChapterParameters({"preset": "smoke"}, resolve_preset("smoke"))
    runs = load_runs(smoke, smoke=(), names=["full-seed0", "no-qam-seed0"])
    assert runs == {"full-seed0": None, "no-qam-seed0": None}
    if not (RUNS_DIR / "qagan" / "full-seed0" / "metrics.json").is_file():
        pytest.skip("qagan/full-seed0 is not recorded")
    cpu = ChapterParameters({"preset": "cpu"}, resolve_preset("cpu"))
    recorded = load_runs(cpu, smoke=(), names=["full-seed0"])["full-seed0"]
    assert recorded is not None and recorded.provenance["seed"] == 0


def test_load_runs_can_keep_quiet_about_absent_runs(capsys):
    cpu = ChapterParameters({"preset": "cpu", "train_missing": False}, resolve_preset("cpu"))
    absent = [n for n in ("cycle-shuffled-seed0",) if not (RUNS_DIR / "qagan" / n / "metrics.json").is_file()]
    if not absent:
        pytest.skip("every run asked for is recorded")
    assert load_runs(cpu, smoke=(), names=absent, quiet=True) == {absent[0]: None}
    assert capsys.readouterr().out == ""
    load_runs(cpu, smoke=(), names=absent)
    assert "plan --chapter qagan --only cycle-shuffled-seed0" in capsys.readouterr().out


def test_per_run_table_by_hand():
    table = per_run_table({"full-seed0": fake_run(248, (248, 17.4)), "absent": None,
                           "hq-identity-5-seed0": fake_run(321, (250, 18.0), psnr=18.2, weight=5.0),
                           "bf16-seed0": fake_run(467, (250, 18.45), amp="bfloat16")})
    assert list(table.index) == ["full-seed0", "hq-identity-5-seed0", "bf16-seed0"]
    assert table.loc["hq-identity-5-seed0", "PSNR"] == pytest.approx(18.2)
    assert table.loc["full-seed0", "SSIM"] == pytest.approx(0.85)
    assert table.loc["bf16-seed0", "precision"] == "bfloat16" and table.loc["full-seed0", "precision"] == "float32"
    assert table.loc["hq-identity-5-seed0", "L_idt weight"] == 5.0 and table.loc["full-seed0", "steps"] == 248
    assert table.loc["full-seed0", "processor"] == "Some CPU, AVX2"


def test_first_evaluation_is_the_earliest_step():
    assert first_evaluation(fake_run(343, (250, 15.819))) == (250, 15.819)


def test_the_bf16_sentence_quotes_the_timing_the_steps_and_the_judged_difference():
    f32 = {"full-seed0": fake_run(248, (248, 17.0)), "full-seed1": fake_run(343, (250, 16.0))}
    b16 = {"bf16-seed0": fake_run(467, (250, 18.0), amp="bfloat16")}
    d = Difference("psnr", 30, 0.51, -0.2, 1.2, 0.2, 0.2, 0.95, True)
    text = bf16_sentence(f32, b16, d, (2674.0, 1826.0))
    assert text.startswith("One cpu-preset training step takes 2674 ms in float32 and 1826 ms with bfloat16 "
                           "autocast (0.68 x, recorded benchmark with freed memory kept).")
    assert "the bfloat16 runs take 467 steps and the float32 runs 248/343." in text
    assert "bfloat16 − float32: +0.51 dB (95% interval [-0.20, +1.20], 30 photos" in text
    assert "(1 run against 2)" in text
    assert text.endswith("averages 18.00 dB in bfloat16 and 16.50 dB in float32.")
    assert bf16_sentence(f32, b16, d, (2674.0, float("nan"))).startswith("The bfloat16 step is not in the recorded")


def test_term_gradients_by_hand():
    def measured(adv, cyc, idt, weight, moved, step):
        t = pd.DataFrame({"weighted_grad_norm": [adv, 0.0, cyc, idt], "weight": [1, 1, 2, weight],
                          "value": [0.5, 0.5, 0.1, moved]}, index=["g_adv_high", "g_adv_low", "g_cycle", "g_identity"])
        t.attrs["checkpoint_step"] = step
        return t

    runs = {"full-seed1": measured(7.689, 99.553, 0.0, 0.0, 0.116, 343),
            "hq-identity-25-seed0": measured(66.552, 126.88, 35.345, 25.0, 0.044, 296)}
    table = term_gradient_table(runs)
    assert list(table.index) == ["g_adv_high", "g_cycle", "g_identity"]   # g_adv_low never reaches G_H
    lines = term_gradient_lines(runs)
    assert lines[0] == ("full-seed1 (step 343): the cycle term pulls 12.9 x harder than the adversarial term; "
                        "G_H moves high-quality crops by 0.116 on average")
    assert lines[1].endswith("; L_idt at weight 25 pulls 0.28 x the cycle term")


def test_pool_spread_sentence_by_hand():
    final = pd.Series({"full-seed0": 17.0, "full-seed1": 18.0, "dense-eval-seed0": 13.0})
    text = pool_spread_sentence(final, ["full-seed0", "full-seed1"])
    assert text == (f"The full recipe's final test PSNR over the 3 runs that trained it unchanged (full-seed0, "
                    f"full-seed1, dense-eval-seed0): 16.00 ± {np.std([17, 18, 13], ddof=1):.2f} dB, range "
                    f"13.00-18.00, against 17.50 ± {np.std([17, 18], ddof=1):.2f} dB over the 2 registered seeds alone.")
