"""Chapter 03's attention costs and summaries (enhancelib.study.papers.qagan_attention), checked by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from enhancelib.nn.quality_attention import QualityAttention
from enhancelib.study.papers.qagan_attention import (VARIANTS, attention_levels, attention_summary,
                                                     chance_of_own_place, measure_attention_memory,
                                                     memory_formula_table, own_place_line, plot_attention_memory,
                                                     statistics_figure,
                                                     qam_cost, qam_cost_table, qam_variant, memory_at_resolution)


def test_qam_cost_by_hand_and_against_the_module():
    s = 64 * 64   # relu4_1 of a 512 x 512 image
    reduced, full = qam_cost(512, s, s, 8), qam_cost(512, s, s, 1)
    assert reduced.d == 64 and reduced.rank == 64 and full.rank == 512
    assert reduced.projections_gmac == pytest.approx(3 * s * 512 * 64 / 1e9)
    assert reduced.scores_gmac == reduced.weighted_gmac == pytest.approx(s * s * 64 / 1e9)
    assert reduced.back_gmac == pytest.approx(s * 64 * 512 / 1e9) and full.back_gmac == 0
    assert (round(full.total_gmac, 1), round(reduced.total_gmac, 1)) == (20.4, 2.7)   # quoted in the chapter
    assert reduced.parameters == sum(p.numel() for p in QualityAttention(512).parameters()) == 131_776
    assert full.parameters == 3 * (512 * 512 + 512) == 787_968
    assert reduced.matrix_mib == full.matrix_mib == 64.0
    table = qam_cost_table()
    assert table.loc[("relu5_1", 1024, "C/8"), "matrix (MiB)"] == 4.0
    assert table.loc[("relu4_1", 4096, "C"), "parameters"] == 787_968


def test_the_memory_formula_grows_with_the_fourth_power_of_the_side():
    formula = memory_formula_table((256, 512, 768))
    assert formula.loc[(512, "square"), "relu4_1 MiB"] == 64.0
    assert formula.loc[(512, "square"), "relu4_1 MiB"] / formula.loc[(256, "square"), "relu4_1 MiB"] == 16
    assert formula.loc[(768, "4:3"), "relu4_1 S"] == (576 // 8) * (768 // 8)
    assert formula.loc[(768, "square"), "relu5_1 MiB"] == pytest.approx(48 ** 4 * 4 / 2**20)


def test_measured_memory_returns_the_formulas_matrix_and_hides_peaks_it_cannot_see():
    measured = measure_attention_memory([64, 128], chunk=64, channels=32)
    assert list(measured["returned (MiB)"]) == pytest.approx(list(measured["formula (MiB)"]))
    assert measured.loc["128x128", "relu4_1 S"] == 256
    # both matrices are far below what the resident-set measurement sees
    assert measured["peak, whole (MiB)"].isna().all() and measured["peak / matrix"].isna().all()
    assert np.isnan(measured.loc["64x64", "peak, chunks of 64 (MiB)"])
    fig = plot_attention_memory(memory_formula_table((64, 128)), measured)
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 4
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_resolution_lines_count_the_positions_of_both_maps():
    torch.manual_seed(0)
    qams = {"relu5_1": QualityAttention(16).eval(), "relu4_1": QualityAttention(16).eval()}
    f_high = {"relu5_1": torch.rand(1, 16, 3, 4), "relu4_1": torch.rand(1, 16, 6, 8)}
    f_low = {"relu5_1": torch.rand(1, 16, 2, 2), "relu4_1": torch.rand(1, 16, 4, 4)}
    lines = memory_at_resolution(qams, f_high, f_low)
    assert lines[0].startswith("relu5_1: 3x4 = 12 query positions x 2x2 = 4 key positions")
    assert f"a {12 * 4 * 4 / 2**20:.1f} MiB matrix" in lines[0] and "below what the measurement" in lines[1]


def test_the_raw_feature_search_finds_a_permuted_copy_and_the_tied_projection_is_tied():
    with pytest.raises(ValueError, match="unknown variant"):
        qam_variant("trained", 8)
    tied = qam_variant("tied random projection", 16)
    assert torch.equal(tied.nu.weight, tied.theta.weight)
    untrained = qam_variant("untrained module", 16)
    assert not torch.equal(untrained.nu.weight, untrained.theta.weight)
    raw = {level: qam_variant("raw features", 8) for level in ("relu5_1", "relu4_1")}
    torch.manual_seed(1)
    # features of equal norm (10) at every position: no key gets the bonus of a larger norm
    f = {level: 10 * torch.nn.functional.normalize(torch.randn(1, 8, n, n), dim=1)
         for level, n in (("relu5_1", 3), ("relu4_1", 4))}
    levels = attention_levels(raw, f, f)
    a, query, key = levels["relu4_1"]
    assert a.shape == (16, 16) and query == key == (4, 4)
    assert torch.allclose(a.sum(-1), torch.ones(16))
    # large distinct features: each position attends to itself (a hard nearest neighbour)
    assert torch.equal(a.argmax(-1), torch.arange(16))


def test_attention_summary_by_hand():
    one_hot = torch.eye(4)                       # 2 x 2 maps, each query on its own place
    uniform = torch.full((4, 4), 0.25)
    levels = {"relu4_1": (one_hot, (2, 2), (2, 2))}
    summary = attention_summary({("raw features", "same photo"): levels,
                                 ("raw features", "other photo"): {"relu4_1": (uniform, (2, 2), (2, 2))}})
    same, other = summary.loc[("raw features", "same photo")], summary.loc[("raw features", "other photo")]
    assert same[("relu4_1", "largest weight")] == 1.0 and same[("relu4_1", "positions attended")] == pytest.approx(1)
    assert same[("relu4_1", "finds its own place")] == 1.0
    assert other[("relu4_1", "positions attended")] == pytest.approx(4) and np.isnan(other[("relu4_1",
                                                                                             "finds its own place")])


def test_chance_of_the_own_place_by_hand():
    # 3 x 3: neighbourhoods of 2, 3, 2 cells per axis: mean of the outer product (7/3)^2, over 9 cells
    assert chance_of_own_place(3, 3) == pytest.approx((7 / 3) ** 2 / 9)
    assert chance_of_own_place(100, 100) == pytest.approx(9 / 10_000, rel=0.05)
    table = pd.DataFrame({("relu4_1", "finds its own place"): [0.5, np.nan]},
                         index=pd.MultiIndex.from_tuples([("raw features", "same photo"),
                                                          ("raw features", "other photo")]))
    line = own_place_line(table, "relu4_1", (3, 3))
    assert line == (f"relu4_1: finds its own place in the degraded copy for 50.0% of positions (raw features, "
                    f"{0.5 / ((7 / 3) ** 2 / 9):.1f} x chance); chance {(7 / 3) ** 2 / 9:.1%}")
    assert VARIANTS == ("raw features", "tied random projection", "untrained module")


def test_the_statistics_figure_shows_that_adain_gives_f_l_its_channel_means():
    import matplotlib.pyplot as plt

    torch.manual_seed(0)
    qam = QualityAttention(16).eval()
    f_high, f_low = torch.rand(1, 16, 4, 4), 3 * torch.rand(1, 16, 5, 5) + 1
    fig, gap = statistics_figure(qam, f_high, f_low, "test")
    assert gap < 1e-4 * float(f_low.mean())  # eq. 5 puts the output on f_L's channel means (float32)
    assert len(fig.axes) == 2
    plt.close(fig)
