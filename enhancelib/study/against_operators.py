"""Learned runs against the classical operators, in the words a chapter prints.

A deterministic operator (autocontrast, grey world ...) has no seed noise, so
two questions can be asked of a learned recipe's runs against it:

* over runs: is the recipe's score on the test split above the operator's
  beyond the spread of its seeds?  :func:`runs_against_best_operators` gives,
  for PSNR and SSIM, the best operator's score, how many runs are above it, the
  twice-the-sd rule and a one-sample t-test of the runs' scores against it;
* over photos: is the recipe above the operator photo by photo?  The same
  function averages each photo's score over the runs and gives a paired
  Wilcoxon test over the photos.  That is the stricter question: it asks
  whether the lead would hold on other photos like these, and with 30 test
  photos it needs a consistent lead.

:func:`longer_run_against_operator` sets one run (a longer budget) beside an
operator photo by photo, and splits the gains by what the test photos need
(:func:`enhancelib.study.adaptivity.gain_by_need`); :func:`groups_by_need` does that
split for whole groups of runs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import pandas as pd
from scipy import stats

from enhancelib.study.statistics import paired_test

if TYPE_CHECKING:  # pragma: no cover
    from enhancelib.train.runs import RecordedRun

__all__ = ["runs_against_best_operators", "longer_run_against_operator", "groups_by_need"]


def _with_operators(baseline_images: pd.DataFrame, runs: Mapping[tuple[str, int | str], pd.DataFrame]) -> pd.DataFrame:
    """The long table of the input's and the operators' per-image scores (seed 0) and of ``{(method, run): frame}``."""
    from enhancelib.study.compare import stack_per_image

    operators: dict[tuple[str, int | str], pd.DataFrame] = {
        (str(m), 0): part.drop(columns="method") for m, part in baseline_images.groupby("method")}
    return stack_per_image({**operators, **runs})


def runs_against_best_operators(runs: Mapping[str, RecordedRun], baseline_means: pd.DataFrame, baseline_images: pd.DataFrame,
                                metrics: tuple[tuple[str, int], ...] = (("psnr", 2), ("ssim", 4))) -> list[str]:
    """One clause per metric: ``runs`` (recorded runs with ``per_image``) against the best classical operator.

    ``baseline_means``: mean score per method, indexed by method, with an
    ``"input"`` row (left out: it is not an operator); ``baseline_images``: the
    per-image scores with ``method`` and ``name`` columns; ``metrics``: (metric,
    decimals).  The best operator is chosen per metric.
    """
    if len(runs) < 2:
        raise ValueError(f"runs_against_best_operators needs two runs or more for a spread, got {len(runs)}.")
    operators = baseline_means.drop(index="input")
    clauses = []
    for metric, digits in metrics:
        best = str(operators[metric].idxmax())
        theirs_mean = float(operators.loc[best, metric])
        score = pd.Series({name: float(run.per_image[metric].mean()) for name, run in runs.items()})
        margin, sd = score.mean() - theirs_mean, score.std(ddof=1)
        # one-sample t-test over runs: a deterministic operator's score is a constant
        p_runs = stats.ttest_1samp(score, theirs_mean).pvalue
        # photo by photo: each photo's score averaged over the runs, against the operator's (Wilcoxon)
        per_photo = pd.concat([run.per_image.set_index("name")[metric] for run in runs.values()], axis=1).mean(axis=1)
        theirs = baseline_images[baseline_images["method"] == best].set_index("name")[metric]
        if theirs.empty:
            raise ValueError(f"runs_against_best_operators: no per-image {metric} of {best!r} in baseline_images.")
        photos = paired_test(per_photo.rename(metric).reset_index(), theirs.reset_index(), metric)
        above_photos = int((per_photo > theirs.reindex(per_photo.index)).sum())
        clauses.append(f"{metric.upper()} {score.mean():.{digits}f} ± {sd:.{digits}f} against {best}'s "
                       f"{theirs_mean:.{digits}f}, {int((score > theirs_mean).sum())} of {len(score)} runs above it, "
                       f"the mean {'beyond' if abs(margin) > 2 * sd else 'within'} twice the sd from it (one-sample "
                       f"t-test over runs p = {p_runs:.3f}); photo by photo, averaged over the runs, above it on "
                       f"{above_photos} of {len(per_photo)} photos (Wilcoxon p = {photos.p_value:.2f})")
    return clauses


def longer_run_against_operator(run: RecordedRun, reference: Mapping[str, RecordedRun], baseline_images: pd.DataFrame,
                                needed: pd.Series, operator: str = "autocontrast") -> str:
    """Two sentences on ``run`` (one seed, a longer budget) against the classical ``operator``.

    ``baseline_images``: per-image scores of the input and the operators, with
    a ``method`` column (:func:`enhancelib.study.baselines.load_baselines`);
    ``needed``: the needed exposure change per test photo, in stops. The first
    sentence counts the photos where the run beats the operator and gives the
    paired Wilcoxon test; the second gives the gain over the input of the run,
    of the ``reference`` seeds and of the operator on the photos that need
    brightening and on the others (:func:`enhancelib.study.adaptivity.gain_by_need`).
    """
    from enhancelib.study.adaptivity import NO_BRIGHTENING, gain_by_need

    theirs = baseline_images[baseline_images["method"] == operator]
    if theirs.empty:
        raise ValueError(f"longer_run_against_operator: no per-image scores of {operator!r} in baseline_images.")
    versus = paired_test(run.per_image, theirs, "psnr")
    ours = run.per_image.set_index("name")["psnr"]
    above = int((ours > theirs.set_index("name")["psnr"].reindex(ours.index)).sum())
    text = (f" Photo by photo this run is above {operator} on {above} of {len(ours)} test photos "
            f"({versus.mean_difference:+.2f} dB on average, Wilcoxon p = {versus.p_value:.2f}).")
    by_run = _with_operators(baseline_images, {**{(n, 0): r.per_image for n, r in reference.items()},
                                               ("this run", 0): run.per_image})
    by_need = gain_by_need(by_run, needed, [*reference, "this run", operator])
    parts = []
    for column in [c for c in by_need.columns if c.endswith(": gain")]:
        seed_gains = by_need.loc[list(reference), column]
        label, this_run = column[: -len(": gain")], by_need.loc["this run", column]
        parts.append(f"on the test photos that {label}, this run {this_run:+.2f} dB over the input, the "
                     f"{len(reference)} seeds {seed_gains.min():+.2f} to {seed_gains.max():+.2f} dB, "
                     f"{operator} {by_need.loc[operator, column]:+.2f} dB")
    return text + (f" Gains by what the photos need (no brightening: at most +{NO_BRIGHTENING} stop): "
                   + "; ".join(parts) + ".")


def groups_by_need(groups: Mapping[str, Mapping[str, RecordedRun]], baseline_images: pd.DataFrame, needed: pd.Series,
                   operator: str = "autocontrast") -> pd.DataFrame:
    """Gain over the input of each group of runs and of ``operator``: photos that need brightening, and the others.

    ``groups``: ``{label: {run name: recorded run}}``; the table
    (:func:`enhancelib.study.adaptivity.gain_by_need`) has a row per group and for
    the operator, with the mean gain and its sd over the group's runs.
    """
    from enhancelib.study.adaptivity import gain_by_need

    runs: dict[tuple[str, int | str], pd.DataFrame] = {
        (label, name): run.per_image for label, group in groups.items() for name, run in group.items()}
    table = gain_by_need(_with_operators(baseline_images, runs), needed, [*groups, operator])
    table["runs"] = table["runs"].astype(int)
    return table
