"""study.papers.bncagan_inside: sizes, the initial state, rho, silent modules, conditioning, AAC masks, CAM."""
from __future__ import annotations

import pandas as pd
import pytest
import torch
from torch import nn

from enhancelib.models.bncagan import BNCAGANDiscriminator, BNCAGANGenerator
from enhancelib.paths import RUNS_DIR
from enhancelib.study.papers import bncagan_inside as bi
from enhancelib.train.runs import load_run


@pytest.fixture(scope="module")
def fresh() -> BNCAGANGenerator:
    torch.manual_seed(0)
    return BNCAGANGenerator(width=4).eval()


def test_parameter_counts_add_up():
    assert bi.parameter_count(nn.Linear(3, 2)) == 8 and bi.parameter_count([nn.Linear(3, 2), nn.Linear(2, 1)]) == 11
    table = bi.parameter_counts()["parameters"].str.replace(",", "").astype(int)
    parts = ["  encoder", "  AAC x 2", "  BNR", "  decoder + head"]
    assert table[parts].sum() == table["G (full)"] == 2_917_539
    assert table["  of which the CAM"] == 128 * 3 + 3 * 3 * 3 + 1   # to 3 colours, Q, K, V, gamma
    assert table["D (with CAM)"] - table["D w/o CAM"] == 412 + 3 * 7 * 7   # the CAM and its 7x7 prediction head
    assert table["public G, declared"] - table["G (full)"] == 7_932_800


def test_the_public_initialisation_starts_at_the_identity_with_vanishing_gamma():
    state = bi.initial_state()
    assert state.largest_change < 1e-6 and state.largest_gamma < 1e-10
    assert state.rho == pytest.approx({"bnr.block.norm1": 0.9, "bnr.block.norm2": 0.9, "decoder.0.1": 0.0,
                                       "decoder.1.1": 0.0})


def test_load_networks_reads_the_kept_generator_and_falls_back_to_untrained_ones():
    none = bi.load_networks(None)
    assert not none.trained_generator and not none.trained_discriminator and none.label("x") == "UNTRAINED generator"
    run = load_run(RUNS_DIR / "bncagan" / "full-seed0")
    nets = bi.load_networks(run)
    assert nets.trained_generator and nets.generator_source == "full-seed0, generator.pt (moving average)"
    expected = run.weights_state()
    assert all(torch.equal(nets.generator.state_dict()[k].float(), v) for k, v in expected.items())
    assert nets.label("full-seed0") == "full-seed0" and not nets.generator.training
    assert nets.trained_discriminator == (run.path / "checkpoint.pt").is_file()


def test_a_run_without_a_moving_average_loads_its_last_step(tmp_path):
    torch.manual_seed(1)
    g, d = BNCAGANGenerator(width=4), BNCAGANDiscriminator(width=4)
    (tmp_path / "checkpoint.pt").write_bytes(b"")

    class Run:   # a recorded run whose folder keeps only a training checkpoint without an average (no config.json)
        path = tmp_path

        class spec:
            @staticmethod
            def resolved_options() -> dict[str, object]:
                return {"width": 4, "use_aac": True, "use_bnm": True, "test_conditioning": "average", "use_cam": True}

        @staticmethod
        def network_state(name: str) -> dict[str, torch.Tensor]:
            return {"generator": g, "discriminator": d}[name].state_dict()

    nets = bi.load_networks(Run())   # type: ignore[arg-type]
    assert nets.trained_generator and nets.trained_discriminator
    assert nets.generator_source == f"{tmp_path.name}, checkpoint.pt (last step)"
    assert all(torch.equal(nets.generator.state_dict()[k], v) for k, v in g.state_dict().items())
    assert all(torch.equal(nets.discriminator.state_dict()[k], v) for k, v in d.state_dict().items())


def test_rho_table_finds_the_common_shift_and_the_channels_off_it(fresh):
    table = bi.rho_table(BNCAGANGenerator(init_gain=None))
    assert table["common shift"].abs().max() < 1e-6 and (table["off the common shift > 0.01"] == 0).all()
    assert table.loc["decoder.0.1", "at 0 (pure LN)"] == table.loc["decoder.0.1", "channels"] == 128
    g = BNCAGANGenerator(init_gain=None)
    with torch.no_grad():
        g.bnr.block.norm1.rho.fill_(0.8).view(-1)[3] = 1.0
    table = bi.rho_table(g)
    row = table.loc["bnr.block.norm1"]
    assert row["common shift"] == pytest.approx(-0.1, abs=1e-6) and row["off the common shift > 0.01"] == 1
    assert row["at 1 (pure IN)"] == 1 and row["max"] == 1.0
    text = bi.rho_verdict(table)
    assert "bnr.block.norm1: common shift -0.100, 1 of 256 channels more than 0.01 away from it" in text
    assert text.endswith("In all, 1 of 704 channels moved away from their layer's common shift.")


def test_rho_drift_is_one_learning_rate_per_step():
    run = load_run(RUNS_DIR / "bncagan" / "full-seed0")
    log = run.train_log
    steps = range(1, int(run.provenance["steps"]) + 1)
    by_hand = -1e-4 * sum(float(pd.Series(log["lr_factor"].to_numpy(), index=log["step"]).reindex(
        sorted(set(log["step"]) | set(steps))).interpolate(method="index").bfill().ffill()[s]) for s in steps)
    table = pd.DataFrame({"initial": {"bnr.block.norm1": 0.9, "bnr.block.norm2": 0.9, "decoder.0.1": 0.0,
                                      "decoder.1.1": 0.0}})
    text = bi.rho_drift_sentence(run, table, 1e-4)
    assert f"{by_hand:+.4f} over the {len(steps)} steps" in text
    moved = log["rho bnr.block.norm1"].iloc[-1] - 0.9
    assert f"bnr.block.norm1 {moved:+.4f}" in text


def test_silent_parts_and_what_they_mean():
    g = BNCAGANGenerator(width=4, init_gain=None)
    with torch.no_grad():
        for module in (g.bnr.block.conv1, g.bnr.block.conv2, g.bnr.fuse):
            for p in module.parameters():
                p.zero_()
    table, silent = bi.silent_parts(g)
    assert silent == ["bnr.block.conv1.conv", "bnr.block.conv2.conv", "bnr.fuse"]
    assert table.loc["silent", "bnr"] == 3 and table.loc["silent", "encoder"] == 0
    assert table.loc["modules"].sum() == len(bi.weight_magnitudes(g).groupby("module"))
    text = bi.silent_sentence(silent, int(table.loc["modules"].sum()), "test")
    assert text.startswith(f"Generator (test): 3 of {table.loc['modules'].sum()} modules are silent") and "BNR" in text
    assert bi.silent_sentence([], 30, "x") == "No module of this generator (x) is silent."


def test_conditioning_changes_nothing_at_the_start_and_restores_the_mode(fresh):
    table, gap = bi.conditioning_table(fresh, ["gcompris_erase_alpaca.jpg"], 32)
    assert list(table.columns) == ["input", "average (ours)", "own (public code)", "clean-photo reference"]
    assert gap < 1e-6 and fresh.test_conditioning == "average"
    assert "differ by at most 0.000 dB" in bi.conditioning_sentence(table, gap, 32)
    moved = table.assign(**{"own (public code)": table["average (ours)"] - 1})
    assert "differ by up to 1.00 dB on one photo; the average beats the public code's on 1 of 1" in \
        bi.conditioning_sentence(moved, 0.1, 32)


def test_channel_masks_sum_to_one_and_flat_masks_are_said_flat(fresh):
    image = torch.rand(3, 32, 40)
    reading = bi.channel_masks(fresh, image, image)
    for mask in reading.masks.values():
        assert mask.shape == (32,) and float(mask.sum()) == pytest.approx(1.0)
    assert set(reading.high_quality) == set(reading.masks)
    flat = bi.MaskReading({"a": torch.full((8,), 1 / 8), "b": torch.full((8,), 1 / 8)})
    text = bi.mask_sentence(flat, top=3)
    assert "Largest weight × C: degraded 1.00, clean 1.00" in text and "degraded 8.0, clean 8.0" in text
    assert "mask is almost flat and the clean photo's is almost flat" in text and "attends to nothing" in text
    peaked = bi.MaskReading({"a": torch.tensor([0.93] + [0.01] * 7), "b": torch.full((8,), 1 / 8)})
    assert "mask is selective" in bi.mask_sentence(peaked, top=3) and "so the AAC does attend" in \
        bi.mask_sentence(peaked, top=3)


def test_cam_matrices_are_row_stochastic_and_absent_without_a_cam():
    torch.manual_seed(0)
    d = BNCAGANDiscriminator(width=4).eval()
    images = {"x": torch.rand(3, 32, 32), "y": torch.rand(3, 32, 32)}
    matrices = bi.cam_matrices(d, images)
    assert matrices is not None and all(torch.allclose(m.sum(-1), torch.ones(3)) for m in matrices.values())
    far = float((matrices["y"] - matrices["x"]).abs().max())
    assert bi.cam_sentence(d, matrices, "x") == f"CAM γ = +0.0000 (0 at initialisation). Largest |A(x) - A(x)|: y {far:.3f}."
    assert bi.cam_matrices(BNCAGANDiscriminator(width=4, use_cam=False), images) is None


def test_slider_picks_the_largest_median_and_smallest_gain():
    inputs = pd.DataFrame({"name": list("abcd"), "psnr": [10.0, 10.0, 10.0, 10.0]})
    ours = pd.DataFrame({"name": list("abcd"), "psnr": [12.0, 9.0, 15.0, 10.5]})
    assert bi.slider_picks(ours, inputs, 3) == [("c", 10.0, 15.0), ("a", 10.0, 12.0), ("b", 10.0, 9.0)]
    assert bi.slider_picks(ours, inputs, 1) == [("c", 10.0, 15.0)] and bi.slider_picks(ours, inputs, 0) == []
