"""Chapter 05's pictures and failure analysis (enhancelib.study.papers.comparison_failures), checked by hand."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
import torch

from enhancelib.data.benchmark import read_split
from enhancelib.models.classical import BASELINES
from enhancelib.study import pages
from enhancelib.study.papers.comparison import comparison_from
from enhancelib.study.papers.comparison_failures import (NO_OUTPUT, FailureCase, exposure_methods, failure_cases,
                                                         failure_commentary, failure_table, failure_tally,
                                                         gallery_photos, kept_generators, need_sentence, outputs_for,
                                                         shared_worst_table, shown_runs_sentence, slope_sentence,
                                                         tally_lines)
from enhancelib.study.tone_errors import explain_failure, tone_statistics

TEST = sorted(n for n, part in read_split().items() if part == "test")[:3]


@dataclass
class FakeRun:
    psnr: list[float]
    has_weights: bool = False

    @property
    def per_image(self) -> pd.DataFrame:
        return pd.DataFrame({"name": TEST, "psnr": self.psnr, "ssim": [0.8] * len(TEST)})


def comparison():
    rows = [{"method": m, "name": n, "psnr": p, "ssim": 0.8}
            for m, scores in {"input": [10.0, 20.0, 15.0], "autocontrast": [11.0, 19.0, 16.0]}.items()
            for n, p in zip(TEST, scores)]
    runs = {("uegan", "full-seed0"): FakeRun([14.0, 16.0, 17.0], has_weights=False),
            ("uegan", "full-seed1"): FakeRun([12.0, 18.0, 15.0], has_weights=True),
            ("bncagan", "full-seed0"): FakeRun([10.5, 21.0, 14.0])}
    return comparison_from(runs, pd.DataFrame(rows))


def halve(x: torch.Tensor) -> torch.Tensor:
    return x * 0.5


def test_the_first_run_with_weights_shows_each_method():
    c = comparison()
    kept = kept_generators(c)
    assert kept == {"uegan": "full-seed1"}
    assert shown_runs_sentence(c, kept) == ("Pictures of the learned methods come from one run each: UEGAN: "
                                            "`full-seed1`. No run keeps its generator for BNCAGAN: they are left out "
                                            "of the pictures.")
    assert shown_runs_sentence(c, {}).startswith("No run keeps its generator for UEGAN, BNCAGAN")


def test_gallery_photos_spread_over_the_inputs_difficulty():
    c = comparison()
    assert gallery_photos(c, 2) == {TEST[0]: 10.0, TEST[1]: 20.0}          # hardest and easiest
    assert list(gallery_photos(c, 5)) == [TEST[0], TEST[2], TEST[1]]       # never more than the photos


def test_outputs_for_one_photo():
    c = comparison()
    low = torch.rand(3, 8, 8)
    out = outputs_for(low, c, {"uegan": halve})
    assert list(out) == ["autocontrast (classical)", "UEGAN"]
    assert torch.equal(out["UEGAN"], low * 0.5)
    assert torch.equal(out["autocontrast (classical)"], BASELINES["autocontrast"](low[None])[0])


def test_failure_cases_are_the_smallest_gains_with_their_images():
    c = comparison()
    cases = failure_cases(c, {"uegan": halve}, 1, 48)
    # gains: autocontrast +1, -1, +1 -> photo 2; UEGAN (13, 17, 16) - input -> photo 2 (-3); BNCAGAN -> photo 3 (-1)
    assert [(case.key, case.photo, case.gain) for case in cases] == [
        ("autocontrast", TEST[1], pytest.approx(-1.0)), ("uegan", TEST[1], pytest.approx(-3.0)),
        ("bncagan", TEST[2], pytest.approx(-1.0))]
    low, target = pages.test_pair(TEST[1], 48)
    assert torch.equal(cases[1].input, low) and torch.equal(cases[1].output, low[None][0] * 0.5)
    assert cases[1].why == explain_failure(low * 0.5, target, low)
    assert cases[2].output is None and cases[2].why == NO_OUTPUT
    table = failure_table(cases)
    stats = [tone_statistics(x)["brightness"] for x in (low, low * 0.5, target)]
    assert table.loc[1, "brightness in/out/target"] == "/".join(f"{v:.2f}" for v in stats)
    assert table.loc[2, "brightness in/out/target"] == "—"


def failures() -> pd.DataFrame:
    why = ["0.20 brighter than the target, brightness moved away from the target; less saturated by 0.06",
           "0.10 brighter than the target (over-brightened); an excess of red of 0.04",
           "0.08 darker than the target, brightness left almost as in the input; a lack of blue of 0.05",
           "brightness, saturation and colour balance within tolerance of the target: the error is local",
           NO_OUTPUT]
    return pd.DataFrame({"method": ["UEGAN", "UEGAN", "autocontrast", "autocontrast", "BNCAGAN"], "why": why})


def test_failure_tally_counts_each_kind_of_error():
    tally = failure_tally(failures())
    assert tally.loc["UEGAN"].to_dict() == {"too bright": 2, "too dark": 0, "saturation off": 1, "colour cast": 1,
                                            "local only": 0}
    assert tally.loc["autocontrast"].to_dict() == {"too bright": 0, "too dark": 1, "saturation off": 0,
                                                   "colour cast": 1, "local only": 1}
    assert tally.loc["BNCAGAN"].sum() == 0
    assert tally_lines(tally, 2) == [
        "* **UEGAN**: among its 2 worst photos, too bright (2), saturation off (1), colour cast (1).",
        "* **autocontrast**: among its 2 worst photos, too dark (1), colour cast (1), local only (1)."]


def test_failure_commentary_compares_the_learned_methods_worst_photos_with_the_operators():
    c = comparison()
    worst = {"autocontrast": ("x.jpg", "y.jpg"), "uegan": ("x.jpg", "z.jpg"), "bncagan": ("z.jpg", "w.jpg")}
    overlap = shared_worst_table(c, worst)
    assert overlap.loc["UEGAN"].tolist() == [2, 1, "x.jpg (autocontrast)"]
    text = failure_commentary(c, worst, failures(), 2)
    assert "The learned methods' 4 worst cases (2 per method) fall on 3 distinct photos, so several" in text
    assert "1 of them (x.jpg) is also among the 2 worst of a classical operator; the other 2 are not." in text
    assert "Of the 2 worst photos of autocontrast, the best classical operator, 1 is among the worst of" in text
    # UEGAN's two cases with an output are brighter than the target; one brightened a photo that needed darkening
    assert "In all 2 worst cases of learned methods whose output is available here" in text
    assert "in 1 of those the method brightened a photo that needed darkening. For autocontrast, none of its 2." in text
    assert "The two fail differently: the learned methods by brightening too much, autocontrast in other ways." in text


def test_exposure_methods_take_one_photo():
    c = comparison()
    methods = exposure_methods(c, {"uegan": halve})
    assert list(methods) == ["autocontrast", "UEGAN"]
    x = torch.rand(3, 8, 8)
    assert torch.equal(methods["UEGAN"](x), x * 0.5)
    assert torch.equal(methods["autocontrast"](x), BASELINES["autocontrast"](x[None])[0])


def test_slope_sentence_groups_the_methods_with_the_shown_runs_gain():
    c = comparison()
    adaptivity = pd.DataFrame({"slope": [0.1, 0.7]}, index=["autocontrast", "UEGAN"])
    text = slope_sentence(c, adaptivity, {"uegan": "full-seed1"})
    # autocontrast's mean 15.33 against the input's 15.0; UEGAN's seed 1 (full-seed1) 15.0
    assert "(slope below 0.2): autocontrast (slope 0.10, +0.33 dB)." in text
    assert "(slope 0.5 or more): UEGAN (slope 0.70, +0.00 dB)." in text


def test_need_sentence_names_who_beats_the_best_operator_on_each_group():
    c = comparison()
    by_need = pd.DataFrame({"need brightening (2): gain": [1.0, 2.5, 0.5],
                            "need no brightening (1): gain": [0.2, -3.0, 0.4]},
                           index=["autocontrast", "uegan", "bncagan"])
    text = need_sentence(c, by_need)
    assert text.startswith("**Measured.** Photos that need brightening (2): 1 of 2 learned methods gain more than "
                           "autocontrast (+1.00 dB): UEGAN (+2.50).")
    assert "autocontrast +0.20 dB; 1 learned method(s) do better (BNCAGAN (+0.40))" in text
    assert text.endswith("range from -3.00 to +0.40 dB.")


def test_a_case_without_output_has_no_figure():
    from enhancelib.study.papers.comparison_figures import failure_figure

    case = FailureCase("bncagan", "BNCAGAN", "x.jpg", -1.0, torch.zeros(3, 4, 4), None, torch.zeros(3, 4, 4))
    with pytest.raises(ValueError, match="no generator weights"):
        failure_figure(case)
