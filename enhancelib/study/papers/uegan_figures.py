"""UEGAN (chapter 01): training curves and the quality-weight sweep of Fig. 10.

* :func:`plot_losses` and :func:`plot_test_curves` draw the recorded training of the main model and of the
  ablations;
* :data:`SWEEP` and :data:`FIG_10` name the sweep's pools (the full model is the weight 0.1);
  :func:`plot_sweep` sets their outputs side by side, :func:`sweep_table` measures contrast and
  colourfulness on the runs' sample strips beside the judged PSNR differences, and :func:`sweep_trends`
  states the rank correlation of each column with the weight.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from PIL import Image
from scipy.stats import spearmanr

from enhancelib.data.conversion import LUMA_601
from enhancelib.study.judging import named_verdict
from enhancelib.study.papers.uegan import MAIN, ChapterRuns, Comparison, Judged
from enhancelib.viz import plot_eval, plot_training, show_images

__all__ = ["LOSSES", "CURVE_GROUPS", "plot_losses", "plot_test_curves", "SWEEP", "FIG_10", "strip_parts",
           "tone_statistics", "plot_sweep", "sweep_table", "sweep_trends"]

LOSSES = ("d_loss", "g_quality", "g_fidelity", "g_identity", "g_loss")
CURVE_GROUPS: dict[str, tuple[str, ...]] = {
    "Tables III and IV": ("full-seed0", "no-identity-seed0", "gam-unet-seed0", "gam-pixel-mm-seed0", "no-gam-seed0",
                          "no-gam-no-mm-seed0"),
    "Fig. 10 and report 003": ("quality-0.05-seed0", "full-seed0", "quality-0.2-seed0", "quality-0.4-seed0",
                               "charbonnier-seed0", "charbonnier-se-seed0"),
}
"""The ablation runs drawn together (seed 0 of each), beside the main model's pool."""
SWEEP: dict[float, str] = {0.05: "quality-0.05", 0.1: MAIN, 0.2: "quality-0.2", 0.4: "quality-0.4"}
"""Fig. 10's quality weights (0.05, 0.2, 0.4) and the full model's 0.1, each with its seed pool."""
FIG_10 = tuple(Comparison(f"λ_qua {weight} − 0.1", pool) for weight, pool in SWEEP.items() if pool != MAIN)


def plot_losses(runs: ChapterRuns, name: str = "full-seed0", smooth: int = 20) -> str | None:
    """The run's loss curves; the sentence to print instead when it is absent."""
    run = runs.runs.get(name)
    if run is None:
        return f"The full model ({name}) is {runs.missing}: no loss curves."
    plot_training(run.train_log, [c for c in LOSSES if c in run.train_log], smooth=smooth,
                  title=f"UEGAN {name}: losses over {run.provenance['steps']} steps")
    plt.show()
    return None


def plot_test_curves(runs: ChapterRuns) -> None:
    """Test PSNR during training of the main model's pool and of each group of ablations, and the main pool's
    validation PSNR; the dashed line is the input's PSNR."""
    recorded = runs.recorded
    groups = {"full model: test PSNR": tuple(runs.pool(MAIN)), **{f"{k}: test PSNR": v for k, v in CURVE_GROUPS.items()}}
    fig, axes = plt.subplots(1, 4, figsize=(20, 3.6))
    for ax, (title, names) in zip(axes, groups.items()):
        logs = {n: recorded[n].eval_log for n in names if n in recorded}
        if logs:
            plot_eval(logs, "test_psnr", baselines={"input": runs.input_psnr}, ax=ax)
        else:
            ax.text(0.5, 0.5, runs.missing, ha="center", va="center", transform=ax.transAxes)
        ax.set_title(title, fontsize=10)
    main = {n: recorded[n].eval_log for n in runs.pool(MAIN) if n in recorded}
    if main:
        plot_eval(main, "val_psnr", ax=axes[3])
    axes[3].set_title("full model: validation PSNR", fontsize=10)
    fig.tight_layout()
    plt.show()


def strip_parts(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(input, output, target) as float arrays H x W x 3 in [0, 1], cut from a run's sample strip."""
    image = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255
    third = image.shape[1] // 3
    return image[:, :third], image[:, third:2 * third], image[:, 2 * third:3 * third]


def tone_statistics(image: np.ndarray) -> dict[str, float]:
    """Contrast (standard deviation of the Rec. 601 luma) and colourfulness (mean over pixels of max - min of RGB)."""
    luma = image @ np.asarray(LUMA_601, dtype=np.float32)
    return {"contrast (luma std)": float(luma.std()),
            "colourfulness (max-min)": float((image.max(-1) - image.min(-1)).mean())}


def plot_sweep(runs: ChapterRuns, photos: int = 2) -> str | None:
    """Seed 0's output at each weight beside the input and the target, for the first sample photos; a grey
    panel where a weight is absent. Returns the sentence to print about absent weights, if any."""
    seed0 = {w: runs.pool(pool)[0] for w, pool in SWEEP.items()}
    available = {w: run for w, n in seed0.items() if (run := runs.runs.get(n)) is not None}
    if not available:
        return f"No run of the sweep is available ({runs.missing}): no Fig. 10."
    shared = sorted(set.intersection(*({p.name for p in r.samples} for r in available.values())))[:photos]
    first = next(iter(available.values()))
    for name in shared:
        low, _, target = strip_parts(first.path / "samples" / name)
        panels = {"input": low}
        for weight in SWEEP:
            run = available.get(weight)
            panels[f"λ_qua = {weight}" + (" (full)" if weight == 0.1 else "")] = (
                strip_parts(run.path / "samples" / name)[1] if run is not None else np.full_like(low, 0.85))
        panels["target"] = target
        show_images(panels, ncols=len(panels), width=2.4, suptitle=name.removesuffix(".jpg"))
        plt.show()
    absent = [str(w) for w in SWEEP if w not in available]
    return f"Grey panels: λ_qua = {', '.join(absent)} {runs.missing}." if absent else None


def sweep_table(runs: ChapterRuns, judged: Sequence[Judged]) -> pd.DataFrame:
    """Per weight: seeds, test PSNR (mean over the pool's runs), contrast and colourfulness of the outputs on
    every sample strip of the pool, and the judged PSNR difference to the weight 0.1; the input's and the
    target's tone statistics on the same photos below."""
    by_pool = {j.comparison.a: j.difference for j in judged}
    rows: list[dict[str, object]] = []
    strips: list[Path] = []
    for weight, pool in SWEEP.items():
        found = runs.pool_runs(pool)
        row: dict[str, object] = {"λ_qua": str(weight), "seeds": str(len(found))}
        if found:
            samples = [p for r in found.values() for p in r.samples]
            strips = strips or samples
            tones = pd.DataFrame([tone_statistics(strip_parts(p)[1]) for p in samples]).mean()
            row.update({"our PSNR": float(np.mean([r.per_image["psnr"].mean() for r in found.values()])), **tones})
        d = by_pool.get(pool)
        if d is not None:
            row.update({"Δ PSNR vs 0.1": d.mean_difference, "95% interval": f"[{d.low:+.2f}, {d.high:+.2f}]",
                        "verdict": named_verdict(d.verdict, f"λ_qua {weight} - λ_qua 0.1")})
        rows.append(row)
    for label, part in (("input", 0), ("target", 2)):
        values = pd.DataFrame([tone_statistics(strip_parts(p)[part]) for p in strips]).mean()
        rows.append({"λ_qua": label, **{str(k): float(v) for k, v in values.items()}})
    return pd.DataFrame(rows).set_index("λ_qua")


def sweep_trends(table: pd.DataFrame) -> list[str]:
    """The Spearman rank correlation of contrast, colourfulness and PSNR with the weight, and what a perfect one
    would mean with so few weights (one-sided p = 1/n! under no trend)."""
    done = table.loc[[str(w) for w in SWEEP if str(w) in table.index]].dropna(subset=["our PSNR"])
    if len(done) < 3:
        return ["Fewer than three weights are available: no trend is computed."]
    lines = []
    for column in ("contrast (luma std)", "colourfulness (max-min)", "our PSNR"):
        values = done[column].astype(float)
        rho = spearmanr(done.index.astype(float), values).statistic if values.std() > 0 else float("nan")
        lines.append(f"{column}: Spearman rank correlation with λ_qua over {len(done)} weights {rho:+.2f}")
    lines.append(f"With {len(done)} weights even a perfect rank correlation has a one-sided p of "
                 f"1/{len(done)}! = {1 / math.factorial(len(done)):.3f}: anything short of ±1 is a tendency.")
    return lines
