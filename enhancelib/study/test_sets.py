"""Scores and tone levels of every method on the three test sets (test split, flat render, identity).

Runs recorded since the three sets exist hold their scores in
``test_sets.csv``, written by the engine; older records that keep their
generator are scored here. This module scores any
enhancer on all three sets of :mod:`enhancelib.data.test_sets` and keeps,
per image, PSNR and SSIM against the target, how much the method changed
its input (:func:`~enhancelib.metrics.scoring.edit_size`, the identity set's measure: PSNR is infinite
for a photo left untouched) and the output's tone levels
(:mod:`enhancelib.metrics.tone`). A recorded run's scores are cached in its
folder as ``test_sets.csv`` (with ``test_sets.json``: commit, date, weights
read); the input and the classical operators are kept in
``data/runs/benchmark/test-sets/``. Both are written by
``python scripts/score_test_sets.py``.

A run can be scored only if its record keeps generator weights.
"""
from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd
import torch

from enhancelib.data.sets import PairedSet
from enhancelib.data.test_sets import TEST_SETS, load_test_sets
from enhancelib.metrics.scoring import score_on_test_sets
from enhancelib.metrics.tone import TONE_LEVELS, haze, tone_levels

__all__ = ["SCORES_FILE", "OPERATORS_DIR", "target_levels", "run_test_set_scores", "operator_test_set_scores",
           "method_test_set_scores", "test_set_table", "generalisation_checks",
           "summarise_test_sets"]

SCORES_FILE = "test_sets.csv"
"""Per-image scores of a run on the three test sets, in its record folder."""


def _operators_dir() -> Path:
    from enhancelib.paths import RUNS_DIR

    return RUNS_DIR / "benchmark" / "test-sets"


OPERATORS_DIR = _operators_dir()
"""Where the input's and the classical operators' scores on the three test sets are kept."""


def target_levels(sets: Mapping[str, PairedSet] | None = None) -> pd.DataFrame:
    """Tone levels of the targets (the same photos for all three sets), one row per image."""
    sets = sets if sets is not None else load_test_sets(names=("identity",))
    pairs = next(iter(sets.values()))
    return pd.DataFrame([{"name": p.name, **tone_levels(p.target)} for p in pairs])


def _provenance(what: str, started: float) -> dict[str, object]:
    from enhancelib.train.provenance import git_commit

    return {**git_commit(), "scored": what, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "processor": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
            "wall_seconds": round(time.perf_counter() - started, 1),
            "command": "python scripts/score_test_sets.py"}


def run_test_set_scores(path: str | Path, recompute: bool = False, progress: bool = True) -> pd.DataFrame:
    """A recorded run's per-image scores on the three test sets (cached in its folder)."""
    from enhancelib.inference import load_run_enhancer
    from enhancelib.train.runs import load_run

    path = Path(path)
    cached = path / SCORES_FILE
    if cached.is_file() and not recompute:
        return pd.read_csv(cached)
    run = load_run(path)
    if not run.has_weights:
        raise FileNotFoundError(
            f"{path} keeps no generator weights, so it cannot be scored on the flat and identity test sets; "
            "only records made with keep_weights can. Retrain it with its weights kept."
        )
    started = time.perf_counter()
    enhancer = load_run_enhancer(path, "cpu")
    frame = score_on_test_sets(enhancer, load_test_sets(), progress, label=f"scoring {path.name}")
    frame.to_csv(cached, index=False, float_format="%.5f")
    (path / "test_sets.json").write_text(
        json.dumps({**_provenance(f"{path.parent.name}/{path.name} generator.pt", started)}, indent=2,
                   sort_keys=True) + "\n")
    return frame


def operator_test_set_scores(recompute: bool = False, progress: bool = True) -> pd.DataFrame:
    """Per-image scores of the input (no enhancement) and every classical operator, plus the targets' levels.

    The ``method`` column names the operator (``"input"``, ``"autocontrast"``, ...); the rows with
    ``method == "target"`` hold the targets' tone levels (PSNR and SSIM empty).
    """
    from enhancelib.models.classical import BASELINES

    cached = OPERATORS_DIR / SCORES_FILE
    if cached.is_file() and not recompute:
        return pd.read_csv(cached)
    started = time.perf_counter()
    sets = load_test_sets()
    frames = [score_on_test_sets(fn, sets, progress, label=f"scoring {method}").assign(method=method)
              for method, fn in {"input": None, **BASELINES}.items()]
    for set_name in TEST_SETS:
        frames.append(target_levels(sets).assign(set=set_name, method="target"))
    frame = pd.concat(frames, ignore_index=True)
    OPERATORS_DIR.mkdir(parents=True, exist_ok=True)
    frame.to_csv(cached, index=False, float_format="%.5f")
    (OPERATORS_DIR / "test_sets.json").write_text(
        json.dumps(_provenance("input and classical operators", started), indent=2, sort_keys=True) + "\n")
    return frame


def summarise_test_sets(frame: pd.DataFrame, by: str | None = None,
                        targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean PSNR, SSIM, tone levels and haze per test set (and per ``by`` column, e.g. ``method``).

    Haze (:func:`enhancelib.metrics.tone.haze`) is computed per image against the target's levels
    (``targets``, from :func:`target_levels`; default: the test photos at long side 512).
    """
    targets = (targets if targets is not None else target_levels()).set_index("name")
    scored = frame[frame["psnr"].notna()].copy()
    scored["haze"] = [haze(row, targets.loc[row["name"]]) for _, row in scored.iterrows()]
    keys = ([by] if by else []) + ["set"]
    means = scored.groupby(keys, sort=False)[["psnr", "ssim", "change", *TONE_LEVELS, "haze"]].mean()
    return means


def method_test_set_scores(methods: Sequence[tuple[str, str, str]] | None = None) -> pd.DataFrame:
    """Per-image scores on the three sets of the operators and of recorded runs, one ``method`` label each.

    ``methods`` lists (label, chapter, run) of runs that hold (or can compute) test-set scores; by default
    the main model of every chapter (:data:`enhancelib.PRETRAINED`). Operators come first, then runs.
    """
    from enhancelib import PRETRAINED
    from enhancelib.paths import RUNS_DIR

    if methods is None:
        main_models: list[tuple[str, str, str]] = []
        for name in PRETRAINED:
            chapter, run = PRETRAINED[name].split("/")
            main_models.append((name, chapter, run))
        methods = main_models
    frames = [operator_test_set_scores(progress=False)]
    for label, chapter, run in methods:
        frames.append(run_test_set_scores(RUNS_DIR / chapter / run, progress=False).assign(method=label))
    return pd.concat(frames, ignore_index=True)


def test_set_table(scores: pd.DataFrame, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per method, the three sets as column groups: PSNR and SSIM (test, flat), edit size and SSIM
    (identity), and the haze on the test split and the flat render (against ``targets``' levels, as in
    :func:`summarise_test_sets`)."""
    summary = summarise_test_sets(scores, by="method", targets=targets)
    table = pd.DataFrame(index=pd.Index(scores.loc[scores["psnr"].notna(), "method"].unique(), name="method"))
    for set_name in ("test", "flat"):
        part = summary.xs(set_name, level="set")
        table[(set_name, "PSNR")] = part["psnr"]
        table[(set_name, "SSIM")] = part["ssim"]
        table[(set_name, "haze")] = part["haze"]
    identity = summary.xs("identity", level="set")
    table[("identity", "edit (levels)")] = identity["change"]
    table[("identity", "SSIM")] = identity["ssim"]
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


def generalisation_checks(table: pd.DataFrame, operators: Sequence[str]) -> pd.DataFrame:
    """For each learned method: does it keep the input's PSNR and SSIM on the flat render, and does it edit
    good photos less than the least-editing classical operator?"""
    learned = [m for m in table.index if m != "input" and m not in operators]
    least = table.loc[list(operators), ("identity", "edit (levels)")].astype(float).idxmin()
    rows = {}
    for method in learned:
        row = table.loc[method]
        rows[method] = {
            "flat PSNR ≥ input": bool(row[("flat", "PSNR")] >= table.loc["input", ("flat", "PSNR")]),
            "flat SSIM ≥ input": bool(row[("flat", "SSIM")] >= table.loc["input", ("flat", "SSIM")]),
            f"edits good photos less than {least}": bool(
                row[("identity", "edit (levels)")] < table.loc[least, ("identity", "edit (levels)")]),
        }
    return pd.DataFrame(rows).T


def kept_runs(chapter: str, runs_dir: Path | None = None) -> list[str]:
    """The runs of ``chapter`` whose record keeps a generator (so they can be scored on all three sets), by name."""
    from enhancelib.paths import RUNS_DIR

    root = (RUNS_DIR if runs_dir is None else runs_dir) / chapter
    return sorted(path.parent.name for path in root.glob("*/generator.pt"))


def chapter_test_set_table(chapter: str, labels: Mapping[str, str] | None = None,
                           runs_dir: Path | None = None, runs: Sequence[str] | None = None) -> pd.DataFrame:
    """:func:`test_set_table` of the input, the classical operator that edits good photos least, and every run of
    ``chapter`` that keeps its generator (one row each, named by its registered label and seed unless ``labels``
    renames it): the chapter's results on the three test sets, with the haze. ``runs`` keeps only those runs,
    in that order."""
    from enhancelib.paths import RUNS_DIR

    root = RUNS_DIR if runs_dir is None else runs_dir
    kept = kept_runs(chapter, root)
    runs = kept if runs is None else [run for run in runs if run in kept]
    if not runs:
        raise FileNotFoundError(f"no run of chapter {chapter!r} keeps its generator under {root}")
    operators = operator_test_set_scores(progress=False)
    identity = operators[(operators["set"] == "identity") & ~operators["method"].isin(["input", "target"])]
    least = str(identity.groupby("method")["change"].mean().idxmin())
    frames = [operators[operators["method"].isin(["input", least, "target"])]]
    names = {run: _run_label(chapter, run) for run in runs} | dict(labels or {})
    for run in runs:
        frames.append(run_test_set_scores(root / chapter / run, progress=False).assign(method=names.get(run, run)))
    return test_set_table(pd.concat(frames, ignore_index=True))


def _run_label(chapter: str, run: str) -> str:
    """``"<registered label>, seed N"`` of a run, or the run's name where it is not registered."""
    from enhancelib.study.experiments import EXPERIMENTS

    found = EXPERIMENTS.get((chapter, run))
    return f"{found.label}, seed {found.seed}" if found is not None and found.label else run
