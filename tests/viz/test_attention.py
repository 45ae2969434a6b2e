import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from enhancelib.nn.quality_attention import QualityAttention  # noqa: E402
from enhancelib.viz.attention import (  # noqa: E402
    attention_matrix_mib,
    feature_cell,
    plot_attention,
    plot_channel_statistics,
)

torch.set_num_threads(1)


def test_feature_cell_maps_fractions_to_cells_and_rejects_outside_points():
    assert feature_cell((0.0, 0.0), (4, 6)) == (0, 0)
    assert feature_cell((1.0, 1.0), (4, 6)) == (3, 5)
    assert feature_cell((0.5, 0.34), (4, 6)) == (2, 2)
    with pytest.raises(ValueError, match="fractions"):
        feature_cell((1.2, 0.5), (4, 6))


def test_plot_attention_marks_the_attended_cell():
    # query map 2 x 3, key map 4 x 4; query cell (1, 2) attends only to key cell (3, 1)
    attention = torch.full((6, 16), 1 / 16)
    attention[1 * 3 + 2] = 0
    attention[1 * 3 + 2, 3 * 4 + 1] = 1
    query, key = torch.rand(3, 20, 30), torch.rand(3, 40, 40)
    fig = plot_attention(query, key, {"level": (attention, (2, 3), (4, 4))}, [(0.9, 0.9)])
    ax = fig.axes[1]
    cross = [line for line in ax.lines if line.get_marker() == "x"][0]
    # key image 40 x 40, cells of 10 px: centre of cell (3, 1) is (y, x) = (35, 15)
    assert cross.get_xdata()[0] == pytest.approx(15) and cross.get_ydata()[0] == pytest.approx(35)
    assert "largest weight 1.00" in ax.get_title()
    plt.close(fig)


def test_plot_attention_accepts_the_module_output_and_checks_shapes():
    qam = QualityAttention(16, reduction=4, value_reduction=4)
    f_high, f_low = torch.rand(1, 16, 2, 3), torch.rand(1, 16, 4, 4)
    _, attention = qam(f_high, f_low, return_attention=True)
    fig = plot_attention(torch.rand(3, 8, 12), torch.rand(3, 16, 16),
                         {"a": (attention, (2, 3), (4, 4))}, [(0.1, 0.1), (0.9, 0.5)], mark_same_position=True)
    assert len(fig.axes) == 4
    plt.close(fig)
    with pytest.raises(ValueError, match="does not match"):
        plot_attention(torch.rand(3, 8, 12), torch.rand(3, 16, 16), {"a": (attention, (2, 2), (4, 4))}, [(0.5, 0.5)])


def test_channel_statistics_plot_sorts_by_the_reference_means():
    f = torch.rand(1, 5, 4, 4) * torch.tensor([5.0, 1.0, 3.0, 2.0, 4.0]).view(1, 5, 1, 1)
    g = torch.rand(5, 4, 4)
    fig = plot_channel_statistics({"g": g, "f": f}, order_by="f")
    means = [line.get_ydata() for line in fig.axes[0].lines]
    expected = f[0].flatten(1).mean(1).numpy()
    assert np.allclose(means[1], np.sort(expected), atol=1e-6)
    stds = fig.axes[1].lines[1].get_ydata()
    assert np.allclose(np.sort(stds), np.sort(f[0].flatten(1).std(1, correction=0).numpy()), atol=1e-6)
    plt.close(fig)
    with pytest.raises(ValueError, match="same number of channels"):
        plot_channel_statistics({"a": torch.rand(4, 2, 2), "b": torch.rand(5, 2, 2)})


def test_attention_matrix_size_follows_the_formula():
    # 512 x 512 at relu4_1 (stride 8): 64 x 64 = 4096 positions, 4096^2 floats = 64 MiB
    assert attention_matrix_mib((512, 512), 8) == pytest.approx(64.0)
    # the memory grows with the fourth power of the side
    assert attention_matrix_mib((1024, 1024), 8) == pytest.approx(16 * 64.0)
    assert attention_matrix_mib((512, 384), 16) == pytest.approx(768 ** 2 * 4 / 2**20)
    assert attention_matrix_mib((512, 512), 8, key_size=(256, 256)) == pytest.approx(16.0)


def test_peak_memory_sees_a_large_allocation():
    # In a fresh process: in a long test session the allocator may already hold
    # enough freed memory to serve the block without the resident set growing.
    import subprocess
    import sys

    code = ("import torch; from enhancelib.viz.attention import peak_memory_mib; "
            "mib, r = peak_memory_mib(lambda: torch.ones(48 * 2**20 // 4).sum()); "
            "print(mib, float(r))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert float(out[1]) == 48 * 2**20 // 4
    if out[0] == "None":
        pytest.skip("no /proc/self/status on this system")
    assert 40 <= float(out[0]) < 400
