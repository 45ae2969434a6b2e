"""Chapter 05, all methods side by side: the records it reads, its one results table and its summary.

* :func:`load_comparison` reads every learned method's seed pool (:data:`~enhancelib.study.compare.LEARNED_METHODS`)
  and the recorded scores of the input and the classical operators into a :class:`Comparison`;
* :func:`results_table` is the chapter's one table: the test split (seed pools, judged against the input by the
  book's rule, :mod:`enhancelib.study.judging`), the flat render and the identity set
  (:mod:`enhancelib.study.test_sets`), and what each method is;
* :func:`summary_lines` and :func:`results_note` are the sentences around it;
* :func:`quality_weight_runs` and :func:`quality_weight_scores` gather UEGAN's runs at the paper's quality weight
  for the haze section.
"""
from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from enhancelib.study.compare import LEARNED_METHODS, Method, stack_per_image, summarise_methods
from enhancelib.study.judging import judge_pools
from enhancelib.study.pages import seed_summary
from enhancelib.study.statistics import Difference

if TYPE_CHECKING:
    from enhancelib.study.chapter import ChapterParameters
    from enhancelib.train.runs import RecordedRun

__all__ = ["SMOKE_RUNS", "INPUT", "OPERATOR", "MIN_SEEDS", "RESULTS_FORMATS", "SET_FORMATS", "Comparison", "comparison_from", "load_comparison",
           "every_column", "judge_against_input", "results_table", "results_note", "summary_lines", "quality_weight_runs",
           "quality_weight_scores"]

SMOKE_RUNS = frozenset({("uegan", "full-seed0"), ("uegan", "full-seed1"), ("qagan", "full-seed0"),
                        ("glenet", "paired-gen-len")})
"""The runs the smoke preset trains (for a few steps each): enough to run every cell."""

INPUT = "input"
"""The kind of the row that enhances nothing."""

OPERATOR = "classical operator"
"""The kind of the rows of :data:`enhancelib.models.classical.BASELINES`."""

MIN_SEEDS = 3
"""A learned method is ranked in the summary only with at least this many recorded seeds."""

RESULTS_FORMATS: dict[tuple[str, str], int] = {("flat render", "haze"): 2, ("identity", "edit (levels)"): 1}
"""Decimals of :func:`results_table`'s columns that :func:`~enhancelib.study.pages.show_table` cannot tell."""

SET_FORMATS: dict[tuple[str, str], int] = {("test", "haze"): 2, ("flat", "haze"): 2, ("identity", "edit (levels)"): 1}
"""The same for :func:`~enhancelib.study.test_sets.test_set_table`."""


@dataclass(frozen=True)
class Comparison:
    """Every method's per-photo test scores: the input, the classical operators and the learned seed pools.

    ``runs`` maps (method key, run name) to the recorded run, or None where it is not recorded (or skipped on
    the smoke preset); ``long`` holds one row per method, run and test photo
    (:func:`~enhancelib.study.compare.stack_per_image`: the learned methods' ``seed`` column is the run's name).
    """

    runs: Mapping[tuple[str, str], RecordedRun | None]
    long: pd.DataFrame
    operators: tuple[str, ...]
    missing: str = "not recorded yet"

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Per method: seeds, mean over seeds of the test mean, seed and photo spread (PSNR, SSIM, NIQE)."""
        metrics = [m for m in ("psnr", "ssim", "niqe") if m in self.long and self.long[m].notna().any()]
        return summarise_methods(self.long, metrics)

    def stat(self, key: str, column: str) -> float:
        """One figure of :attr:`summary` (e.g. ``stat("uegan", "psnr mean")``)."""
        return float(self.summary[column].loc[key])

    @property
    def learned(self) -> list[str]:
        """The keys of the learned methods with at least one recorded run, in the registry's order."""
        present = set(self.long["method"])
        return [m.key for m in LEARNED_METHODS if m.key in present]

    @property
    def best_operator(self) -> str:
        """The classical operator with the highest mean test PSNR."""
        return str(self.summary.loc[list(self.operators), "psnr mean"].idxmax())

    def label(self, key: str) -> str:
        """The name a table gives a method: the registry's label (of a learned method, or of the run behind a
        recorded model outside the comparison, such as ``uegan_longer``), or the operator's own name."""
        from enhancelib import PRETRAINED
        from enhancelib.study.experiments import EXPERIMENTS

        names = {m.key: m.label for m in LEARNED_METHODS}
        if key in names:
            return names[key]
        if key in PRETRAINED:
            found = EXPERIMENTS.get(tuple(PRETRAINED[key].split("/", 1)))  # type: ignore[arg-type]
            if found is not None and found.label:
                return found.label
        return key

    def kind(self, key: str) -> str:
        """What a method is: input, classical operator, or the registry's role (unpaired, variant, paired upper
        bound)."""
        if key == INPUT:
            return INPUT
        if key in self.operators:
            return OPERATOR
        return method_of(key).role

    def recorded(self, key: str) -> dict[str, RecordedRun]:
        """The recorded runs of a learned method, by name (seed 0 first)."""
        return {name: run for name in method_of(key).runs if (run := self.runs.get((key, name))) is not None}

    def scores(self, key: str) -> pd.DataFrame:
        """The per-photo rows of one method (one per run and photo)."""
        return self.long[self.long["method"] == key]


def every_column(frame: pd.DataFrame, digits: int = 2) -> dict[str, int]:
    """``show_table``'s decimals for a table of plain numbers: the same for every column."""
    return {str(column): digits for column in frame.columns}


def method_of(key: str) -> Method:
    """The registry's entry of a learned method."""
    found = {m.key: m for m in LEARNED_METHODS}
    if key not in found:
        raise KeyError(f"no learned method {key!r}; the comparison has {', '.join(found)}")
    return found[key]


def comparison_from(runs: Mapping[tuple[str, str], RecordedRun | None], baselines: pd.DataFrame,
                    missing: str = "not recorded yet") -> Comparison:
    """A :class:`Comparison` from recorded runs and the per-photo scores of the input and the operators
    (:func:`~enhancelib.study.baselines.load_baselines`: a ``method`` column)."""
    from enhancelib.models.classical import BASELINES

    frames: dict[tuple[str, int | str], pd.DataFrame] = {
        (str(method), 0): part.drop(columns="method") for method, part in baselines.groupby("method", sort=False)}
    for (key, name), run in runs.items():
        if run is not None:
            frames[(key, name)] = run.per_image
    long = stack_per_image(frames)
    operators = tuple(m for m in BASELINES if m in set(long["method"]))
    return Comparison(dict(runs), long, operators, missing)


def load_comparison(params: ChapterParameters) -> Comparison:
    """The chapter's records on its preset: on ``smoke`` only :data:`SMOKE_RUNS`, trained for a few steps."""
    from enhancelib.study.baselines import load_baselines
    from enhancelib.study.chapter import chapter_run

    runs: dict[tuple[str, str], RecordedRun | None] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for method in LEARNED_METHODS:
            for name in method.runs:
                wanted = not params.quick or (method.chapter, name) in SMOKE_RUNS
                runs[(method.key, name)] = chapter_run(method.chapter, name, params) if wanted else None
    baselines, _ = load_baselines(params.preset.name, progress=False)
    return comparison_from(runs, baselines, "skipped on smoke" if params.quick else "not recorded yet")


def judge_against_input(c: Comparison, metric: str = "psnr") -> dict[str, Difference]:
    """Every operator and learned method against the input, photo by photo, as one Holm family (one table)."""
    reference = c.scores(INPUT)
    return judge_pools({key: (c.scores(key), reference) for key in [*c.operators, *c.learned]}, metric)


_VERDICT = {"A better": "above the input", "B better": "below the input", "no difference shown": "no difference shown"}


def _rows(c: Comparison) -> list[str]:
    return [INPUT, *c.operators, *(m.key for m in LEARNED_METHODS)]


def results_table(c: Comparison, set_scores: pd.DataFrame, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """The chapter's one table: one row per method, three test sets as column groups.

    Test split: the seed pool's mean ± sd over seeds of PSNR and SSIM, the mean per-photo difference in PSNR
    against the input with its 95% interval and the verdict of :func:`judge_against_input`. Flat render and
    identity set (``set_scores``: :func:`~enhancelib.study.test_sets.method_test_set_scores`): the one run per
    method scored there, with the flat render's haze (against ``targets``' tone levels, default
    :func:`~enhancelib.study.test_sets.target_levels`) and the edit size on good photos.
    """
    from enhancelib.study.test_sets import test_set_table

    sets = test_set_table(set_scores, targets)
    differences = judge_against_input(c)
    rows = {}
    for key in _rows(c):
        row: dict[tuple[str, str], object] = {("", "kind"): c.kind(key)}
        learned = key not in (INPUT, *c.operators)
        runs = list(c.recorded(key).values()) if learned else []
        pool = seed_summary([run.per_image for run in runs] if learned else [c.scores(key)], prefix="")
        row[("test split", "seeds")] = len(runs) if learned else "—"
        row[("test split", "PSNR")] = pool.get("PSNR", c.missing)
        row[("test split", "SSIM")] = pool.get("SSIM", "—")
        d = differences.get(key)
        row[("test split", "Δ PSNR vs input [95%]")] = (
            f"{d.mean_difference:+.2f} [{d.low:+.2f}, {d.high:+.2f}]" if d is not None else "—")
        row[("test split", "verdict")] = _VERDICT[d.verdict] if d is not None else "—"
        scored = key in sets.index
        row[("flat render", "seeds")] = (1 if scored else 0) if learned else "—"
        for column, source in ((("flat render", "PSNR"), ("flat", "PSNR")), (("flat render", "SSIM"), ("flat", "SSIM")),
                               (("flat render", "haze"), ("flat", "haze")),
                               (("identity", "edit (levels)"), ("identity", "edit (levels)")),
                               (("identity", "SSIM"), ("identity", "SSIM"))):
            row[column] = float(sets[source].loc[key]) if scored else np.nan
        rows[c.label(key)] = row
    table = pd.DataFrame.from_dict(rows, orient="index").astype(object)
    table.columns = pd.MultiIndex.from_tuples([tuple(col) for col in table.columns])
    table.index.name = "method"
    return table


def results_note(c: Comparison, set_scores: pd.DataFrame, shown_runs: Mapping[str, str] | None = None) -> str:
    """The line under the results table: the family judged, the runs scored on the other two sets (``shown_runs``,
    method key to run name; default :data:`enhancelib.PRETRAINED`'s), what is missing and the command that
    records it."""
    from enhancelib import PRETRAINED

    if shown_runs is None:
        shown_runs = {key: run.split("/", 1)[1] for key, run in PRETRAINED.items()}
    differences = judge_against_input(c)
    scored = set(set_scores["method"])
    named = ", ".join(f"{c.label(k)} `{shown_runs[k]}`" for k in c.learned if k in scored and k in shown_runs)
    unscored = [m.key for m in LEARNED_METHODS if m.key not in scored]
    weights = {k: any(run.has_weights for run in c.recorded(k).values()) for k in unscored}
    no_weights = [c.label(k) for k in unscored if not weights[k]]
    other = [c.label(k) for k in unscored if weights[k] and k not in PRETRAINED]
    pending = [c.label(k) for k in unscored if weights[k] and k in PRETRAINED]
    text = (f"Verdicts: {len(differences)} comparisons with the input, one Holm family. Flat render and identity "
            f"set: one run per main model, the one that keeps its generator ({named or 'none'}).")
    if no_weights:
        text += f" Not scored there because no run keeps its generator: {', '.join(no_weights)}."
    if other:
        text += f" Not a main model, so not scored there: {', '.join(other)}."
    if pending:
        text += f" Not scored yet (`python scripts/score_test_sets.py`): {', '.join(pending)}."
    absent = sorted({m.chapter for m in LEARNED_METHODS for n in m.runs if c.runs.get((m.key, n)) is None})
    if absent and c.missing == "not recorded yet":
        text += " Runs not recorded yet are recorded with " + ", ".join(
            f"`python -m enhancelib plan --chapter {chapter} --record`" for chapter in absent) + "."
    return text


def _gain(c: Comparison, key: str) -> float:
    return c.stat(key, "psnr mean") - c.stat(INPUT, "psnr mean")


def _seeds(n: int) -> str:
    return f"{n} seed{'' if n == 1 else 's'}"


def summary_lines(c: Comparison) -> list[str]:
    """The summary's computed bullets: the best unpaired method with enough seeds, the paired upper bound and
    the best operator, each with its verdict against the input (:func:`judge_against_input`)."""
    if not c.learned:
        return [f"* No learned method is available ({c.missing})."]
    judged = judge_against_input(c)

    def verdict(key: str) -> str:
        d = judged[key]
        return f"{d.mean_difference:+.2f} dB [{d.low:+.2f}, {d.high:+.2f}], {_VERDICT[d.verdict]}"

    unpaired = [k for k in c.learned if method_of(k).role != "paired upper bound"] or c.learned
    ranked = c.summary.loc[unpaired].sort_values("psnr mean", ascending=False)
    eligible = ranked.index[ranked["seeds"] >= MIN_SEEDS].tolist()
    best = str(eligible[0] if eligible else ranked.index[0])
    lead = (f"Highest mean test PSNR without pairs among the methods with at least {MIN_SEEDS} seeds"
            if eligible else f"No unpaired method has {MIN_SEEDS} recorded seeds; highest mean test PSNR without pairs")
    lines = [f"* {lead}: **{c.label(best)}** ({_seeds(int(c.stat(best, 'seeds')))}), {verdict(best)}."]
    higher = list(ranked.index[:ranked.index.get_loc(best)])
    if higher:
        lines.append("* Higher means on fewer seeds: " + "; ".join(
            f"{c.label(k)} ({_seeds(int(c.stat(k, 'seeds')))}, {_gain(c, k):+.2f} dB)" for k in higher) + ".")
    paired = [k for k in c.learned if method_of(k).role == "paired upper bound"]
    for key in paired:
        lines.append(f"* The paired upper bound, {c.label(key)} ({_seeds(int(c.stat(key, 'seeds')))}): "
                     f"{verdict(key)}.")
    lines.append(f"* The best classical operator, {c.best_operator}: {verdict(c.best_operator)}.")
    above = [c.label(k) for k in c.learned if judged[k].verdict == "A better"]
    below = [c.label(k) for k in c.learned if judged[k].verdict == "B better"]
    rest = len(c.learned) - len(above) - len(below)
    lines.append(f"* Learned methods shown above the input: {', '.join(above) or 'none'}; below it: "
                 f"{', '.join(below) or 'none'}; no difference shown for the other {rest}.")
    return lines


def quality_weight_runs(runs_dir: Path | None = None) -> dict[str, str]:
    """UEGAN's runs for the quality-weight comparison, by label: the main run at the book's 0.1 and every
    registered run at the paper's 0.05 whose scores on the three test sets are recorded (``test_sets.csv``)."""
    from enhancelib.paths import RUNS_DIR
    from enhancelib.study.experiments import chapter_experiments
    from enhancelib.study.test_sets import SCORES_FILE

    root = RUNS_DIR if runs_dir is None else runs_dir
    found = {"UEGAN, quality weight 0.1 (full-seed0)": "full-seed0"}
    for e in chapter_experiments("uegan"):
        if e.name.startswith("quality-0.05") and (root / "uegan" / e.name / SCORES_FILE).is_file():
            found[f"UEGAN, quality weight 0.05 ({e.name})"] = e.name
    return found


def quality_weight_scores(set_scores: pd.DataFrame, references: Sequence[str],
                          runs_dir: Path | None = None) -> pd.DataFrame:
    """Per-image scores on the three sets of :func:`quality_weight_runs`, then the ``references`` rows of
    ``set_scores`` (e.g. the input and the best operator), one ``method`` label each."""
    from enhancelib.paths import RUNS_DIR
    from enhancelib.study.test_sets import run_test_set_scores

    root = RUNS_DIR if runs_dir is None else runs_dir
    frames = [run_test_set_scores(root / "uegan" / name, progress=False).assign(method=label)
              for label, name in quality_weight_runs(root).items()]
    frames.append(set_scores[set_scores["method"].isin(list(references))])
    return pd.concat(frames, ignore_index=True)
