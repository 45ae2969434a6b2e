"""Chapter 01, inside the networks: GAM capture and table, silent modules, modulation maps, D maps, slider picks."""
from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

from enhancelib.inference import load_run_enhancer
from enhancelib.models.uegan import UEGANGenerator
from enhancelib.nn.discriminator import uegan_discriminator
from enhancelib.study.papers import uegan_networks as UN
from enhancelib.train.runs import load_run
from tests.commentary.quotes import RUNS

matplotlib.use("Agg")


@pytest.fixture()
def small() -> UEGANGenerator:
    torch.manual_seed(0)
    G = UEGANGenerator(width=8, init_gain=None).eval()
    for p in G.parameters():
        torch.nn.init.normal_(p, std=0.3)   # large weights: rho far from zero
    return G


def test_the_public_order_of_work_gives_the_module_output_whatever_rho(small):
    gam = small.skip_attention[-1]
    z = torch.randn(1, 8, 16, 16)
    with torch.no_grad():
        for rho in (gam.global_context(z), torch.zeros(1, 8, 1, 1), torch.randn(1, 8, 1, 1) * 5):
            assert torch.allclose(UN.public_gam(gam, z, rho), gam(z), atol=1e-4)


def test_the_gam_table_measures_captured_features_by_hand(small):
    low, high = torch.rand(3, 40, 48), torch.rand(3, 40, 48)
    captured = UN.capture_gams(small, low, high)
    assert list(captured["degraded"]) == list(UN.gams_of(small)) and len(UN.gams_of(small)) == 5
    table = UN.gam_table(small, captured)
    assert (table["output with the other ρ: max change"] < 1e-4).all() and not table["input is all zero"].any()
    (z_l, out_l), (z_h, out_h) = captured["degraded"]["skip 1x"], captured["clean"]["skip 1x"]
    assert table.loc["skip 1x", "before: |z_l - z_h| / |z_h|"] == pytest.approx(float((z_l - z_h).norm() / z_h.norm()))
    assert table.loc["skip 1x", "after: |ẑ_l - ẑ_h| / |ẑ_h|"] == pytest.approx(float((out_l - out_h).norm() / out_h.norm()))
    assert table.loc["skip 1x", "channels x positions"] == f"8 x {48 * 48}"   # padded to a multiple of 16
    sentence = UN.gam_sentence(table, False, 48)
    assert sentence.startswith("UNTRAINED generator, photo at long side 48px") and "Of the 5 GAMs" in sentence
    assert UN.plot_gam(small, captured, table, False) == "bottleneck (16x)"
    matplotlib.pyplot.close("all")


def test_a_gam_sentence_counts_dead_and_closer_gams():
    table = pd.DataFrame({"input is all zero": [True, False, False], "|ρ_l - ρ_h| / |ρ_h|": [0.0, 0.2, 0.001],
                          "output with the other ρ: max change": [0.0, 0.0, 0.0],
                          "before: |z_l - z_h| / |z_h|": [np.nan, 0.5, 0.5],
                          "after: |ẑ_l - ẑ_h| / |ẑ_h|": [np.nan, 0.4, 0.6]}, index=["a", "b", "c"])
    text = UN.gam_sentence(table, True, 256)
    assert "1 of 3 GAMs receive an all-zero input for both photos (a)" in text
    assert "ρ differs between the two photos at 1" in text and "closer to the clean photo's at 1 (b)" in text


def test_silent_modules_leave_a_shallower_unet(small):
    with torch.no_grad():
        for stage in (3, 4):
            for p in small.encoder[stage].parameters():
                p.zero_()
    table = UN.silent_table(small)
    assert list(table.index[table.iloc[:, 1]]) == ["encoder.3.0.conv", "encoder.4.0.conv"]
    assert table.loc["encoder.0.0.conv", "largest |w|"] == pytest.approx(
        float(small.encoder[0][0].conv.weight.detach().abs().max()))
    text = UN.silent_sentence(small, "test")
    assert "From encoder stage 4 on (1/8 of the resolution" in text and "a U-Net of 3 levels" in text
    assert UN.silent_sentence(UEGANGenerator(width=8, init_gain=None), "x") == "No module of this generator (x) has vanished."


def test_modulation_maps_are_the_first_encoder_stage_and_the_last_decoder_stage(small):
    x = torch.rand(3, 32, 48)
    first, last, enhanced = UN.modulation_maps(small, x)
    with torch.no_grad():
        assert torch.allclose(first, small.encoder[0](x[None] * 2 - 1)[0], atol=1e-6)
        assert torch.allclose(enhanced, small.enhance(x[None])[0])
    assert first.shape == last.shape == (8, 32, 48)
    correlations = UN.plot_modulation(small, x, x, False, channels=2)
    matplotlib.pyplot.close("all")
    assert len(correlations) == 2 and all(-1 <= r <= 1 for r in correlations.values())
    assert UN.modulation_sentence({3: -0.9, 5: 0.7, 7: 0.1}).endswith(
        "Of these 3 maps, 1 follow the inverse of the brightness (below -0.5: large in the shadows, small in the "
        "highlights) and 1 the brightness itself (above +0.5).")


def test_discriminator_maps_report_the_mean_score_gap_per_head():
    torch.manual_seed(0)
    D = uegan_discriminator(8).eval()
    images = {"clean": torch.rand(3, 64, 64), "other": torch.rand(3, 64, 64)}
    lines = UN.plot_discriminator(D, images)
    matplotlib.pyplot.close("all")
    with torch.no_grad():
        gaps = [float(a.mean() - b.mean()) for a, b in zip(D(images["clean"][None] * 2 - 1),
                                                          D(images["other"][None] * 2 - 1))]
    assert lines == ["E D(clean) - E D(other) per head: " + ", ".join(f"{g:+.2f}" for g in gaps)]


def test_slider_photos_are_the_largest_median_and_smallest_gain():
    inputs = pd.DataFrame({"name": list("abcde"), "psnr": [10.0, 10, 10, 10, 10]})
    run = pd.DataFrame({"name": list("abcde"), "psnr": [12.0, 7, 15, 10, 11]})
    picks = UN.slider_photos(run, inputs, 3)
    assert list(picks.index) == ["c", "e", "b"] and list(picks["gain"]) == [5.0, 1.0, -3.0]
    assert len(UN.slider_photos(run, inputs, 2)) == 2


def test_a_recorded_generator_loads_through_inference_and_an_absent_one_is_untrained():
    G, source, trained = UN.load_generator(None)
    assert not trained and source == "no weights on this machine" and isinstance(G, UEGANGenerator)
    path = RUNS / "uegan" / "full-seed0"
    if not (path / "generator.pt").is_file():
        pytest.skip("full-seed0's generator is absent")
    G, source, trained = UN.load_generator(load_run(path))
    assert trained and source == "generator.pt (moving average)"
    x = torch.rand(1, 3, 40, 56)
    with torch.no_grad():
        assert torch.equal(G.enhance(x), load_run_enhancer(path)(x))
    assert UN.load_discriminator(load_run(path)) is None     # records keep no discriminator


def test_a_short_run_without_a_moving_average_loads_its_last_step(tmp_path):
    source = RUNS / "uegan" / "full-seed0"
    if not (source / "config.json").is_file():
        pytest.skip("full-seed0's record is absent")
    folder = tmp_path / "short-run"
    folder.mkdir()
    (folder / "config.json").write_text((source / "config.json").read_text())
    (folder / "metrics.json").write_text("{}")
    torch.manual_seed(3)
    last = UEGANGenerator(init_gain=None)
    torch.save({"ema": {}, "recipe": {"networks": {"generator": last.state_dict()}}}, folder / "checkpoint.pt")
    G, source_name, trained = UN.load_generator(load_run(folder))
    assert trained and source_name == "checkpoint.pt (last step)"
    assert all(torch.equal(a, b) for a, b in zip(G.state_dict().values(), last.state_dict().values()))
    assert not any(p.requires_grad for p in G.parameters())
