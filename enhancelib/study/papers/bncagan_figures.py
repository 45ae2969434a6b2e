"""BNCAGAN's training figures (chapter 04): the losses of one run, the test and validation PSNR of the runs."""
from __future__ import annotations

import matplotlib.pyplot as plt

from enhancelib.study.papers.bncagan import PAPER_TABLE_2, ChapterRuns, full_pool
from enhancelib.viz import plot_eval, plot_training

__all__ = ["LOSSES", "plot_losses", "curve_groups", "plot_test_curves"]

#: the logged losses of a BNCAGAN run, in the order of eq. 4 to eq. 9
LOSSES = ("d_loss", "g_adv", "g_perceptual", "g_identity", "g_cla", "g_loss")


def plot_losses(runs: ChapterRuns, name: str, smooth: int) -> plt.Figure | None:
    """The logged losses of run ``name`` over its steps (``None`` when the run is absent)."""
    run = runs.runs.get(name)
    if run is None:
        return None
    fig: plt.Figure = plot_training(run.train_log, [c for c in LOSSES if c in run.train_log], smooth=smooth,
                                    title=f"BNCAGAN {name}: losses over {run.provenance['steps']} steps")
    return fig


def curve_groups() -> dict[str, list[str]]:
    """The panels of :func:`plot_test_curves`: the full model's pool, Table 2's losses, Table 2's modules."""
    rows = {a.experiment: f"{a.experiment}-seed0" for a in PAPER_TABLE_2}
    return {"full model: test PSNR": full_pool(),
            "Table 2, losses: test PSNR": ["full-seed0", *(rows[k] for k in ("no-identity", "no-cla",
                                                                              "no-identity-no-cla"))],
            "Table 2, modules: test PSNR": ["full-seed0", *(rows[k] for k in ("no-aac", "no-bnm", "no-cam"))]}


def plot_test_curves(runs: ChapterRuns, input_psnr: float) -> plt.Figure:
    """Test PSNR during training of each group of :func:`curve_groups` (the input's PSNR dashed), and the full
    model's validation PSNR; an empty panel says why."""
    fig, axes = plt.subplots(1, 4, figsize=(20, 3.6))
    groups = curve_groups()
    panels = [(title, names, "test_psnr") for title, names in groups.items()]
    panels.append(("full model: validation PSNR", groups["full model: test PSNR"], "val_psnr"))
    for ax, (title, names, metric) in zip(axes, panels):
        logs = {n: r.eval_log for n, r in runs.pool(names).items()}
        if logs:
            plot_eval(logs, metric, baselines={"input": input_psnr} if metric == "test_psnr" else None, ax=ax)
        else:
            ax.text(0.5, 0.5, runs.missing, ha="center", va="center", transform=ax.transAxes)
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
