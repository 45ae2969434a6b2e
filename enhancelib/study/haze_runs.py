"""The haze across recorded runs, read from the sample strips that every record keeps.

``test_sets.csv`` needs a run's generator, which only a few records keep. Every
record, though, keeps ``samples/<photo>.jpg``: the strip ``input | output |
target`` of the same four test photos, written when training ends. Their tone
levels (:mod:`enhancelib.metrics.tone`) let the haze be compared across the
ablations the chapters recorded anyway, one candidate cause at a time:

* the adversarial term's weight (UEGAN's quality weight 0.05, 0.1, 0.2, 0.4);
* the identity term (UEGAN and BNCAGAN without it, QAGAN's at two weights);
* the number of steps (every recipe's three-times-the-budget runs).

The strips are small JPEGs (long side 384 per panel, quality 85), so their
levels differ slightly from the full-size outputs' ones; the output is only
ever compared with the target of the same strip, compressed the same way.
A difference between two recipes is judged by the book's rule
(:mod:`enhancelib.study.judging`) with the four photos as its units, so the
intervals are wide; what four photos cannot show, the figure still lets a
reader see run by run.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image

from enhancelib.metrics.tone import haze, tone_levels
from enhancelib.paths import RUNS_DIR
from enhancelib.study.judging import difference_table, judge_pools, seed_pool

__all__ = ["PANELS", "strip_levels", "run_sample_haze", "pool_sample_haze", "variant_haze", "haze_differences",
           "HAZE_CANDIDATES", "HAZE_GROUPS", "grouped_run_haze"]

PANELS = ("input", "output", "target")
"""The three panels of a sample strip, left to right."""

HAZE_CANDIDATES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "UEGAN: quality weight 0.05 (paper) - 0.1 (code)": ("uegan", ("quality-0.05",), ("full", "dense-eval")),
    "UEGAN: no identity term - with it": ("uegan", ("no-identity",), ("full", "dense-eval")),
    "UEGAN: 3x the budget - 1x": ("uegan", ("budget-3x",), ("full", "dense-eval")),
    "BNCAGAN: no identity term - with it": ("bncagan", ("no-identity",), ("full", "dense-eval")),
    "BNCAGAN: 3x the budget - 1x": ("bncagan", ("budget-3x",), ("full", "dense-eval")),
    "QAGAN: 3x the budget - 1x": ("qagan", ("budget-3x",), ("full", "dense-eval")),
    "GleNet unpaired: 3x the budget - 1x": ("glenet", ("unpaired-budget-3x",), ("unpaired",)),
}
"""Label ("A - B") -> (chapter, experiments pooled as A, as B): one candidate cause of the haze each, every
registered seed of those experiments on each side. Judged together as one family by :func:`haze_differences`."""


HAZE_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "UEGAN, quality weight 0.05 (paper)": ("uegan", ("quality-0.05",)),
    "UEGAN, quality weight 0.1 (code; main runs)": ("uegan", ("full", "dense-eval")),
    "UEGAN, quality weight 0.2": ("uegan", ("quality-0.2",)),
    "UEGAN, quality weight 0.4": ("uegan", ("quality-0.4",)),
    "UEGAN, no identity term": ("uegan", ("no-identity",)),
    "UEGAN, 3x the budget": ("uegan", ("budget-3x",)),
    "UEGAN, weight 0.05 and 3x the budget (ours)": ("uegan", ("quality-0.05-budget-3x",)),
    "BNCAGAN (main runs)": ("bncagan", ("full", "dense-eval")),
    "BNCAGAN, no identity term": ("bncagan", ("no-identity",)),
    "BNCAGAN, 3x the budget": ("bncagan", ("budget-3x",)),
    "BNCAGAN, weight 0.05 and 3x the budget (ours)": ("bncagan", ("adversarial-0.05-budget-3x",)),
    "QAGAN (main runs)": ("qagan", ("full", "dense-eval")),
    "QAGAN, 3x the budget": ("qagan", ("budget-3x",)),
    "QAGAN, cycle weight 4 and 3x the budget (ours)": ("qagan", ("cycle-4-budget-3x",)),
    "GleNet unpaired (main runs)": ("glenet", ("unpaired",)),
    "GleNet unpaired, 3x the budget": ("glenet", ("unpaired-budget-3x",)),
}
"""Row label -> (chapter, experiments pooled): the figure's rows, one candidate cause per pair of rows."""


def strip_levels(path: str | Path) -> dict[str, dict[str, float]]:
    """The tone levels of the three panels of one sample strip (``input``, ``output``, ``target``)."""
    with Image.open(path) as image:
        pixels = np.array(image.convert("RGB"))
    height, width, _ = pixels.shape
    if width % 3 or width < 3 * 8 or height < 8:
        raise ValueError(f"{path} is not a sample strip of three equal panels (size {width} x {height}).")
    strip = torch.from_numpy(pixels).permute(2, 0, 1).float() / 255
    panel = width // 3
    return {name: tone_levels(strip[:, :, k * panel:(k + 1) * panel]) for k, name in enumerate(PANELS)}


def run_sample_haze(run_dir: str | Path) -> pd.DataFrame:
    """One row per sample photo of a run: the haze of its input and of its output against the target, and the
    output's two parts (black lifted, contrast lost)."""
    paths = sorted(Path(run_dir, "samples").glob("*.jpg"))
    if not paths:
        raise FileNotFoundError(f"{run_dir} has no sample strips (samples/*.jpg); is it a finished record?")
    rows = []
    for path in paths:
        levels = strip_levels(path)
        output, target = levels["output"], levels["target"]
        rows.append({"name": path.name, "haze_input": haze(levels["input"], target), "haze": haze(output, target),
                     "black_lift": output["black"] - target["black"],
                     "contrast_loss": target["contrast"] - output["contrast"]})
    return pd.DataFrame(rows)


def pool_sample_haze(chapter: str, runs: Sequence[str], runs_dir: str | Path | None = None) -> pd.DataFrame:
    """:func:`run_sample_haze` of every recorded run of a pool, with a ``run`` column (runs not recorded are skipped)."""
    root = Path(RUNS_DIR if runs_dir is None else runs_dir)
    frames = [run_sample_haze(root / chapter / run).assign(run=run) for run in runs
              if (root / chapter / run / "samples").is_dir()]
    if not frames:
        raise FileNotFoundError(f"none of {list(runs)} of chapter {chapter!r} is recorded with samples")
    return pd.concat(frames, ignore_index=True)


def variant_haze(chapter: str, experiments: Sequence[str], runs_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per recorded run of each experiment's seed pool: ``experiment``, ``run`` and its mean over the
    sample photos of ``haze``, ``haze_input``, ``black_lift`` and ``contrast_loss``."""
    frames = []
    for name in experiments:
        per_photo = pool_sample_haze(chapter, seed_pool(chapter, name), runs_dir)
        means = per_photo.groupby("run", sort=False)[["haze", "haze_input", "black_lift", "contrast_loss"]].mean()
        frames.append(means.reset_index().assign(experiment=name))
    table = pd.concat(frames, ignore_index=True)
    return table[["experiment", "run", "haze", "haze_input", "black_lift", "contrast_loss"]]


def haze_differences(candidates: Mapping[str, tuple[str, Sequence[str], Sequence[str]]] | None = None,
                     runs_dir: str | Path | None = None) -> pd.DataFrame:
    """Each candidate's difference in sample haze (A - B), judged by the book's rule as one family.

    Lower haze is better (every recorded output lies above the target's tone, where lower means nearer), so
    the verdict names the side with less haze. Columns: the runs on each side, each side's mean haze, then
    :func:`~enhancelib.study.judging.difference_table`'s.
    """
    candidates = HAZE_CANDIDATES if candidates is None else candidates
    pairs, sides = {}, {}
    for label, (chapter, a, b) in candidates.items():
        frames = [pool_sample_haze(chapter, [run for name in side for run in _pool_or_empty(chapter, name)], runs_dir)
                  for side in (a, b)]
        pairs[label] = (frames[0], frames[1])
        sides[label] = {"runs A": frames[0]["run"].nunique(), "runs B": frames[1]["run"].nunique(),
                        "haze A": frames[0]["haze"].mean(), "haze B": frames[1]["haze"].mean()}
    judged = difference_table(judge_pools(pairs, metric="haze"), unit="")
    table = pd.DataFrame(sides).T.astype({"runs A": int, "runs B": int})
    return table.join(judged)


def grouped_run_haze(groups: Mapping[str, tuple[str, Sequence[str]]] | None = None,
                     runs_dir: str | Path | None = None) -> pd.DataFrame:
    """:func:`variant_haze` of every group's experiments (those recorded), with a ``group`` column in ``groups``'
    order (default :data:`HAZE_GROUPS`)."""
    groups = HAZE_GROUPS if groups is None else groups
    root = Path(RUNS_DIR if runs_dir is None else runs_dir)
    frames = []
    for label, (chapter, experiments) in groups.items():
        recorded = [name for name in experiments
                    if any((root / chapter / run / "samples").is_dir() for run in _pool_or_empty(chapter, name))]
        if recorded:
            frames.append(variant_haze(chapter, recorded, root).assign(group=label, chapter=chapter))
    if not frames:
        raise FileNotFoundError(f"no run of {list(groups)} is recorded with samples under {root}")
    return pd.concat(frames, ignore_index=True)


def _pool_or_empty(chapter: str, name: str) -> list[str]:
    try:
        return seed_pool(chapter, name)
    except KeyError:
        return []
