"""GleNet (paper 002): the paper's tables typed once, the chapter's runs and seed pools, and its networks.

The other ``glenet_*`` modules build the chapter's checks (:mod:`.glenet_checks`), tables
(:mod:`.glenet_tables`), figures (:mod:`.glenet_figures`), sentences (:mod:`.glenet_text`) and the
lab-notes studies (:mod:`.glenet_lab`) from what this module loads.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import pandas as pd
from torch import nn

from enhancelib.study.compare import learned_method
from enhancelib.study.judging import seed_pool

__all__ = ["CHAPTER", "PaperRow", "PAPER_TABLE_3", "PAPER_TABLE_4", "PAPER_TABLE_5", "POOLS", "CHAPTER_RUNS",
           "SMOKE_RUNS", "LAB_RUNS", "load_runs", "pool_frame", "load_enhancers", "load_degrader", "CpuSetting",
           "cpu_setting"]

CHAPTER = "glenet"


@dataclass(frozen=True)
class PaperRow:
    """One row of a table of Kim et al. (MIT-Adobe FiveK, expert C), as printed, and the book's pool for it."""

    table: str
    method: str
    psnr: float
    ssim: float
    scheme: str = ""
    """Table 5's training scheme ("WGAN-GP", "CWGAN-GP", "Proposed"); empty elsewhere."""
    pool: str | None = None
    """The key of :data:`POOLS` that the book trains for this row (None: the paper's other methods, not re-run)."""


PAPER_TABLE_3: tuple[PaperRow, ...] = (
    PaperRow("Table 3", "HDRNet", 23.44, 0.882), PaperRow("Table 3", "DPE", 22.34, 0.873),
    PaperRow("Table 3", "DUPE", 23.61, 0.887),
    PaperRow("Table 3", "GEN", 25.47, 0.917, pool="paired GEN"),
    PaperRow("Table 3", "GEN & LEN", 25.88, 0.925, pool="paired GEN & LEN"),
)
"""Table 3: paired learning."""

PAPER_TABLE_4: tuple[PaperRow, ...] = (
    PaperRow("Table 4", "D&R", 21.60, 0.875), PaperRow("Table 4", "DPE", 21.86, 0.880),
    PaperRow("Table 4", "FRL", 22.27, 0.881),
    PaperRow("Table 4", "GEN", 23.74, 0.885, pool="unpaired GEN"),
    PaperRow("Table 4", "GEN & LEN", 23.82, 0.889, pool="unpaired GEN & LEN"),
)
"""Table 4: unpaired learning (the two-stage scheme)."""

PAPER_TABLE_5: tuple[PaperRow, ...] = (
    PaperRow("Table 5", "GEN", 23.05, 0.868, "WGAN-GP", "WGAN-GP GEN"),
    PaperRow("Table 5", "GEN & LEN*", 21.78, 0.847, "WGAN-GP", "WGAN-GP GEN & LEN*"),
    PaperRow("Table 5", "GEN", 23.11, 0.869, "CWGAN-GP", "CWGAN-GP GEN"),
    PaperRow("Table 5", "GEN & LEN", 23.18, 0.874, "CWGAN-GP", "CWGAN-GP GEN & LEN"),
    PaperRow("Table 5", "GEN", 23.74, 0.885, "Proposed", "unpaired GEN"),
    PaperRow("Table 5", "GEN & LEN", 23.82, 0.889, "Proposed", "unpaired GEN & LEN"),
)
"""Table 5: training schemes (its "Proposed" rows repeat Table 4's)."""

POOLS: dict[str, tuple[str, ...]] = {
    "paired GEN & LEN": learned_method("glenet_paired").runs,
    "paired GEN": tuple(seed_pool(CHAPTER, "paired-gen")),
    "pixel-wise baseline": tuple(seed_pool(CHAPTER, "paired-pixelwise")),
    "unpaired GEN & LEN": learned_method("glenet").runs,
    "unpaired GEN": tuple(seed_pool(CHAPTER, "unpaired-gen")),
    "WGAN-GP GEN": tuple(seed_pool(CHAPTER, "wgan-only")),
    "WGAN-GP GEN & LEN*": tuple(seed_pool(CHAPTER, "wgan-only-len")),
    "CWGAN-GP GEN": tuple(seed_pool(CHAPTER, "cycle")),
    "CWGAN-GP GEN & LEN": tuple(seed_pool(CHAPTER, "cycle-len")),
}
"""Each model of the chapter and its fixed seed pool (the registry's runs): every table of a model uses this list."""

CHAPTER_RUNS: tuple[str, ...] = tuple(dict.fromkeys(name for pool in POOLS.values() for name in pool))
"""The runs the chapter shows (its lab-notes page shows :data:`LAB_RUNS` besides)."""

SMOKE_RUNS: tuple[str, ...] = ("paired-gen-len", "paired-pixelwise", "unpaired-seed0", "unpaired-seed1")
"""The runs trained for a few steps on the ``smoke`` preset (the code path, in seconds)."""

LAB_RUNS: tuple[str, ...] = (*POOLS["unpaired GEN & LEN"], *seed_pool(CHAPTER, "critic-layer-norm"),
                             *seed_pool(CHAPTER, "hq-identity-5"), *seed_pool(CHAPTER, "hq-identity-500"),
                             "unpaired-budget-3x-seed0", "unpaired-gen-seed0")
"""The runs of the lab-notes page: the studies of the budget, the critic and the identity term."""


def load_runs(params: Any, names: Sequence[str]) -> dict[str, Any]:
    """``name -> RecordedRun`` (or None where absent) for ``names``, through :func:`~enhancelib.study.chapter.chapter_run`.

    On the ``smoke`` preset only :data:`SMOKE_RUNS` are trained (a few steps each); the others are None.
    """
    from enhancelib.study.chapter import chapter_run

    wanted = [n for n in names if n in SMOKE_RUNS] if params.quick else list(names)
    return {name: (chapter_run(CHAPTER, name, params) if name in wanted else None) for name in names}


def pool_frame(runs: Mapping[str, Any], names: Sequence[str]) -> pd.DataFrame | None:
    """The per-photo test scores of the available runs of a pool, one row per run and photo (column ``run``)."""
    frames = [runs[n].per_image.assign(run=n) for n in names if runs.get(n) is not None]
    return pd.concat(frames, ignore_index=True) if frames else None


def load_enhancers(runs: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, nn.Module]:
    """``label -> GleNet`` (GEN & LEN, eval mode) for each ``label -> run name`` whose generator weights are kept.

    The weights are the evaluated ones (``generator.pt``: the moving average, batch norm re-estimated
    on whole training photos), loaded without building the recipe.
    """
    from enhancelib.inference import load_run_enhancer

    found: dict[str, nn.Module] = {}
    for label, name in names.items():
        run = runs.get(name)
        if run is not None and run.has_weights:
            found[label] = load_run_enhancer(run.path).network
    return found


def load_degrader(run: Any) -> nn.Module | None:
    """G_d of an unpaired run at its last step (``degrader.pt``), or None when the record keeps none.

    Its batch-norm statistics come from training crops; they are re-estimated on whole high-quality
    training photos (the photos G_d degrades), as the engine does for the evaluated enhancer.
    """
    from enhancelib.models.glenet import GEN
    from enhancelib.recipes.calibration import calibrate_batch_norm, training_photos

    if run is None or not (run.path / "degrader.pt").is_file():
        return None
    options = run.spec.resolved_options()
    degrader = GEN(options["net_size"], curve_mode=options["curve_mode"], identity_init=options["identity_init"])
    degrader.load_state_dict(run.network_state("degrader"))
    degrader.load_state_dict(calibrate_batch_norm(degrader, training_photos(run.spec, "high")).state_dict())
    return degrader.eval()


@dataclass(frozen=True)
class CpuSetting:
    """How a run of the chapter departs from the paper's setting on the ``cpu`` preset."""

    run: str
    options: Mapping[str, Any]
    """The registry's ``cpu_options`` for the run (applied on ``cpu`` and ``smoke``, not on ``gpu``)."""
    len_zero_start: bool
    """LEN's last convolution starts at zero (ours, every preset; the public code He-initialises it)."""
    batch_norm_recalibrated: bool
    """Batch-norm statistics re-estimated on whole training photos before each evaluation (ours, ``calibrate_bn``)."""


def cpu_setting(name: str) -> CpuSetting:
    """The departures from the paper of the chapter's run ``name`` on the ``cpu`` preset, read from the registry."""
    from enhancelib.recipes import get_recipe
    from enhancelib.study.experiments import experiment

    item = experiment(CHAPTER, name)
    options = get_recipe(item.recipe).options_type.parse({**item.options, **item.cpu_options}, item.recipe)
    uses_len = bool(getattr(options, "use_len", False))
    return CpuSetting(name, dict(item.cpu_options), uses_len, bool(getattr(options, "calibrate_bn", False)))
