"""enhancelib.study.papers.glenet_checks: GleNet's checks without training, against hand computations."""
from __future__ import annotations

import pytest
import torch

from enhancelib.study.papers.glenet_checks import (cycle_gradient_table, gpu_stage1_updates, identity_start,
                                                   initial_share, lookup_cost, resolution_check,
                                                   stage1_generator_updates, untrained_starts, warm_up_reaches)


def test_the_identity_start_is_half_a_level_off_and_exact_after_quantisation():
    start = identity_start()
    k = torch.arange(256, dtype=torch.float64)
    # sigmoid(logit((k + 1/2) / 256)) = (k + 1/2) / 256
    assert torch.allclose(start.curves.double(), ((k + 0.5) / 256).expand(3, -1), atol=1e-6)
    # (k + 1/2)/256 - k/255 = (127.5 - k) / 65280: largest at k = 0 and 255, 1/512 of the range (half a grey level)
    assert start.max_deviation == pytest.approx(127.5 / 65280, abs=1e-7) == pytest.approx(1 / 512, abs=1e-7)
    assert start.largest_at == (0, 255)
    # 255 (k + 1/2) / 256 = k + 1/2 - (k + 1/2)/256 lies in (k - 1/2, k + 1/2): rounds to k
    assert start.quantised_identity


def test_stage_one_on_the_gpu_preset_gives_the_enhancer_1000_updates():
    counted = gpu_stage1_updates()
    assert (counted.steps, counted.stage1_steps, counted.n_critic, counted.generator_updates) == (30_000, 5_000, 5, 1_000)
    assert stage1_generator_updates(10, 0.5, 2).generator_updates == 3        # steps 0, 2, 4


def test_the_recipe_itself_updates_the_generators_1000_times_in_stage_one():
    """Drive the unpaired recipe's own train_step and stage with the engine's progress, counting generator steps."""
    from enhancelib.config import resolve_preset
    from enhancelib.recipes.glenet_unpaired import GleNetUnpairedOptions, GleNetUnpairedRecipe
    from enhancelib.train.engine import _progress

    preset = resolve_preset("gpu", paper_overrides=GleNetUnpairedRecipe.paper_overrides)
    counts = {"generator": 0, "critic": 0, "local": 0}

    class Fake:
        options = GleNetUnpairedOptions()
        two_stage = True
        progress = 0.0
        stage = GleNetUnpairedRecipe.stage
        _images = staticmethod(lambda batch, key: torch.zeros(1, 3, 2, 2))

        def _critic_step(self, low, high):
            counts["critic"] += 1
            return {}

        def _generator_step(self, low, high):
            counts["generator"] += 1
            return {}

        def _local_step(self, high):
            counts["local"] += 1
            return {}

    fake = Fake()
    for step in range(preset.max_steps):
        fake.progress = _progress(step, 0.0, preset)
        GleNetUnpairedRecipe.train_step(fake, {}, step)
    assert counts == {"generator": 1000, "critic": 5000, "local": 25000}


def test_initial_share_by_hand():
    assert initial_share(3, 0.999, False) == pytest.approx(0.999 ** 3)
    assert initial_share(3, 0.999, True) == pytest.approx((1 / 10) * (2 / 11) * (3 / 12))
    assert warm_up_reaches(0.999) == 8990 and (1 + 8990) / (10 + 8990) >= 0.999 > (1 + 8989) / (10 + 8989)


def test_untrained_starts_identity_keeps_the_input():
    g = torch.Generator().manual_seed(1)
    pairs = [((torch.randint(0, 256, (3, 40, 50), generator=g).float() / 255),
              torch.rand(3, 40, 50, generator=g)) for _ in range(2)]
    scores = untrained_starts(pairs)
    assert scores.photos == 2
    assert scores.psnr["identity start"] == pytest.approx(scores.psnr["input"], abs=1e-6)
    assert scores.jaggedness["identity start"] < 1e-6 < scores.jaggedness["public start"]


def test_resolution_check_of_an_exactly_thumbnail_sized_target():
    flat = torch.full((3, 256, 256), 0.25)
    check = resolution_check(lambda name, side: (torch.rand(3, side, side), flat), "x", (64, 128), ["x"], 256)
    assert check.round_trip_psnr == float("inf") or check.round_trip_psnr > 60   # a flat image survives the trip
    assert check.sides == (64, 128) and check.photos == 1 and check.curve_difference >= 0


def test_the_cyclic_colour_loss_sends_nothing_to_the_inner_generator():
    table = cycle_gradient_table(size=16)
    assert table.loc[("nearest", "cyclic colour: ||G_e(sg[G_d(I_HQ)]) - I_HQ||"), "|grad| to G_d"] == 0
    assert table.loc[("linear", "cyclic colour: ||G_e(sg[G_d(I_HQ)]) - I_HQ||"), "|grad| to G_d"] == 0
    cycle = "CycleGAN: ||G_d(G_e(I_LQ)) - I_LQ||"
    assert (table.xs(cycle, level="loss")["|grad| to G_e"] > 0).all()
    assert table.loc[("linear", cycle), "|grad| to G_e"] > table.loc[("nearest", cycle), "|grad| to G_e"]


def test_lookup_cost_reads_a_recording():
    record = ("(a) GEN on a 40 x 30 image (12 MP)\n  the look-up alone, three ways:\n"
              "    chunked gather (ours):       0.100 s\n    plain torch.gather:          0.250 s   (x)\n"
              "    one-hot eq. (1):              30.0 s   (y)\n")
    cost = lookup_cost(record)
    assert cost is not None and (cost.width, cost.height) == (40, 30)
    assert cost.seconds == {"chunked gather (ours)": 0.1, "plain torch.gather": 0.25, "one-hot eq. (1)": 30.0}
    assert cost.image_bytes == 40 * 30 * 3 * 4 and cost.one_hot_bytes == 256 * cost.image_bytes
    assert lookup_cost(record.replace("one-hot", "two-hot")) is None
