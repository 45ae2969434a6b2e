"""describe_seed_group: a variant's seeds against the reference recipe's, as a paragraph."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from enhancelib.seed_groups import describe_longer_run, describe_seed_group

NAMES = [f"photo{i}" for i in range(8)]


@dataclass
class FakeRun:
    psnr: float
    steps: int = 100
    extra: dict = field(default_factory=dict)
    evaluations: list = field(default_factory=list)

    @property
    def eval_log(self) -> pd.DataFrame:
        return pd.DataFrame(self.evaluations, columns=["step", "test_psnr"])

    @property
    def per_image(self) -> pd.DataFrame:
        offsets = np.linspace(-1, 1, len(NAMES))
        return pd.DataFrame({"name": NAMES, "psnr": self.psnr + offsets, "ssim": 0.8 + offsets / 100})

    @property
    def provenance(self) -> dict:
        return {"steps": self.steps, **self.extra}


BASELINES = pd.DataFrame({"psnr": [18.0, 19.0], "ssim": [0.85, 0.9]}, index=["input", "autocontrast"])


def test_a_group_below_every_reference_seed_is_said_to_be_and_tested_over_seeds():
    variant = {f"v-seed{s}": FakeRun(p) for s, p in enumerate((16.0, 16.2, 16.4))}
    reference = {f"r-seed{s}": FakeRun(p) for s, p in enumerate((18.3, 18.4, 18.5))}
    text, test = describe_seed_group("At weight 5", variant, reference, BASELINES,
                                     seed0=("v-seed0", "r-seed0", "the paper's seed 0"))
    assert test is not None and test.beyond_seed_noise and test.mean_difference == pytest.approx(-2.2)
    assert text.startswith("**At weight 5**: 16.20 ± 0.20 dB, SSIM 0.800, over 3 seed(s)")
    assert "Every seed ends below the lowest seed" in text
    assert "PSNR below, SSIM below" in text
    assert "Seed 0 alone against the paper's seed 0: -2.30 dB" in text
    assert "processors" not in text  # equal step counts: no caveat


def test_unequal_step_counts_name_the_processors_and_a_lone_group_has_no_test():
    variant = {"a": FakeRun(19.5, steps=200, extra={"cpu_vector_isa": "AVX2"}), "b": FakeRun(19.7, steps=320)}
    text, test = describe_seed_group("Variant", variant, {}, BASELINES, show_steps=True, ssim_digits=4)
    assert test is None and "Welch" not in text
    assert "after 200/320 steps" in text and "SSIM 0.8000" in text
    assert "named in the records: AVX2; older records do not name theirs" in text
    assert "PSNR above" in text  # 19.6 dB beats the best classical operator's 19.0
    with pytest.raises(ValueError, match="no runs"):
        describe_seed_group("Empty", {}, variant, BASELINES)


REFERENCE = {f"r-seed{s}": FakeRun(p) for s, p in enumerate((17.2, 17.4, 17.6))}


def test_a_longer_run_above_every_seed_by_more_than_two_spreads_is_a_hint_with_its_own_curve():
    run = FakeRun(18.5, steps=750, evaluations=[(250, 17.0), (500, 17.9), (750, 18.5)])
    text = describe_longer_run("Three times the budget", run, REFERENCE, BASELINES)
    assert text.startswith("**Three times the budget**: 18.50 dB, SSIM 0.800 after 750 steps")
    assert "17.40 ± 0.20 dB, range 17.20-17.60, after 100-100 steps" in text
    assert "above the highest reference seed, +1.10 dB from their mean, more than two standard deviations" in text
    assert "not a test" in text
    assert "(step: dB): 250: 17.00, 500: 17.90, 750: 18.50." in text
    assert "input (18.00 dB, 0.850): PSNR above, SSIM below" in text
    assert "classical operators: PSNR below" in text


def test_a_longer_run_inside_the_seed_range_shows_no_gain_and_needs_seeds():
    text = describe_longer_run("Longer", FakeRun(17.3, steps=300), REFERENCE, BASELINES)
    assert "inside the reference seeds' range" in text and "during training" not in text
    near = describe_longer_run("Longer", FakeRun(17.7), REFERENCE, BASELINES)
    assert "+0.30 dB from their mean, within two standard deviations" in near
    with pytest.raises(ValueError, match="no reference seeds"):
        describe_longer_run("Longer", FakeRun(17.3), {}, BASELINES)
