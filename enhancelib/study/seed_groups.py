"""A variant recipe's seeds against a reference recipe's seeds, described in the words a chapter prints.

A chapter that adds a term to a paper's objective records the variant with
several seeds and asks three things of them: is the change larger than a
change of seed (:func:`~enhancelib.study.statistics.seed_test`), where do they stand
against the input and the classical operators, and were the seeds trained
alike (a CPU-seconds budget gives a slower processor fewer steps).
:func:`describe_seed_group` answers all three for recorded runs
(:class:`enhancelib.train.runs.RecordedRun`: ``per_image`` and ``provenance``).
:func:`describe_longer_run` sets one run trained for longer beside the
reference seeds and follows its own evaluations during training
(:mod:`enhancelib.study.against_operators` sets runs beside the classical operators).
:func:`validation_selection` and :func:`describe_dense_evaluations` read runs
evaluated often: how far one evaluation moves between nearby steps, and what
choosing the evaluation with the best *validation* PSNR would give on the
test split, beside the last evaluation that every run of the book reports.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from enhancelib.study.statistics import SeedTest, paired_test, seed_test

if TYPE_CHECKING:  # pragma: no cover
    from enhancelib.train.runs import RecordedRun

__all__ = ["describe_seed_group", "describe_longer_run", "validation_selection", "describe_dense_evaluations",
           "readable_dense_table", "selection_by_method"]

STEP_SPREAD = 1.2
"""Seeds whose step counts differ by more than this factor get the processor caveat."""


def _means(runs: Mapping[str, RecordedRun], metric: str) -> pd.Series:
    return pd.Series({name: float(run.per_image[metric].mean()) for name, run in runs.items()}, dtype=float)


def _processor_caveat(runs: Mapping[str, RecordedRun]) -> str:
    steps = [run.provenance["steps"] for run in runs.values()]
    if max(steps) <= STEP_SPREAD * min(steps):
        return ""
    named = sorted({run.provenance["cpu_vector_isa"] for run in runs.values() if "cpu_vector_isa" in run.provenance})
    unnamed = any("cpu_vector_isa" not in run.provenance for run in runs.values())
    return (f" Its seeds took {'/'.join(map(str, steps))} steps in the same CPU budget: they were recorded on "
            f"processors of different speed (vector instruction sets named in the records: "
            f"{', '.join(named) or 'none'}{'; older records do not name theirs' if unnamed else ''}), so the "
            f"step count differs along with the seed.")


def _against_baselines(psnr: float, ssim: float, baselines: pd.DataFrame, ssim_digits: int, name_best: bool,
                       lead: str = "Against") -> str:
    """The sentence placing scores (seed means or one run's) against the input and the best classical operators."""
    base, inputs = baselines.drop(index="input"), baselines.loc["input"]
    side = lambda ok: "above" if ok else "below"  # noqa: E731
    best = (f" ({base['psnr'].idxmax()} {base['psnr'].max():.2f} dB, {base['ssim'].idxmax()} "
            f"{base['ssim'].max():.{ssim_digits}f})") if name_best else ""
    return (f" {lead} the input ({inputs['psnr']:.2f} dB, {inputs['ssim']:.{ssim_digits}f}): PSNR "
            f"{side(psnr > inputs['psnr'])}, SSIM {side(ssim > inputs['ssim'])}; against the best classical "
            f"operators{best}: PSNR {side(psnr > base['psnr'].max())}, SSIM {side(ssim > base['ssim'].max())}.")


def describe_seed_group(title: str, runs: Mapping[str, RecordedRun], reference: Mapping[str, RecordedRun], baselines: pd.DataFrame,
                        *, alpha: float = 0.05, ssim_digits: int = 3, show_steps: bool = False,
                        seed0: tuple[str, str, str] | None = None,
                        reference_name: str = "the paper's objective") -> tuple[str, SeedTest | None]:
    """One paragraph on the variant's seeds ``runs`` against the reference recipe's seeds ``reference``.

    ``baselines``: mean ``psnr`` and ``ssim`` per method, indexed by method,
    with an ``"input"`` row.  ``seed0 = (variant run, reference run, how the
    text names the reference run)`` adds the image-level test of those two
    runs, labelled as a test of two runs.  ``reference_name`` is how the text
    names the reference recipe.  Returns the text and the seed test (None
    without reference seeds)."""
    if not runs:
        raise ValueError(f"{title}: no runs to describe.")
    psnr, ssim = _means(runs, "psnr"), _means(runs, "ssim")
    text = (f"**{title}**: {psnr.mean():.2f}" + (f" ± {psnr.std(ddof=1):.2f}" if len(runs) > 1 else "")
            + f" dB, SSIM {ssim.mean():.{ssim_digits}f}, over {len(runs)} seed(s)"
            + (" after " + "/".join(str(run.provenance["steps"]) for run in runs.values()) + " steps"
               if show_steps else ""))
    test = None
    if reference:
        test = seed_test(psnr, _means(reference, "psnr"), alpha=alpha, unit="dB")
        text += f"; {test}"
    text += "." + _against_baselines(psnr.mean(), ssim.mean(), baselines, ssim_digits, name_best=True)
    if reference:
        reference_psnr = _means(reference, "psnr")
        if psnr.max() < reference_psnr.min():
            text += f" Every seed ends below the lowest seed of {reference_name}."
        elif psnr.min() > reference_psnr.max():
            text += f" Every seed ends above the highest seed of {reference_name}."
    text += _processor_caveat(runs)
    if seed0 is not None and seed0[0] in runs and seed0[1] in reference:
        pair = paired_test(runs[seed0[0]].per_image, reference[seed0[1]].per_image, "psnr")
        text += (f" Seed 0 alone against {seed0[2]}: {pair.mean_difference:+.2f} dB (Wilcoxon over the test "
                 f"images, p = {pair.p_value:.2g}), a test of two runs, not of two recipes.")
    return text, test


def describe_longer_run(title: str, run: RecordedRun, reference: Mapping[str, RecordedRun], baselines: pd.DataFrame,
                        *, ssim_digits: int = 3) -> str:
    """One paragraph on ``run`` (one seed, a longer budget) against the reference seeds ``reference``.

    Says where its final test score falls among the reference seeds (one run
    cannot be tested against them: the paragraph compares it with their range
    and with two standard deviations of their spread), how its own test PSNR
    moved between its evaluations during training, and where it ends against
    the input and the best classical operators (``baselines`` as in
    :func:`describe_seed_group`).  No evaluation is selected: the score is the
    last one, as for every run.
    """
    if not reference:
        raise ValueError(f"{title}: no reference seeds to compare with.")
    psnr, ssim = float(run.per_image["psnr"].mean()), float(run.per_image["ssim"].mean())
    ref = _means(reference, "psnr")
    ref_steps = [r.provenance["steps"] for r in reference.values()]
    spread = float(ref.std(ddof=1)) if len(ref) > 1 else float("nan")
    text = (f"**{title}**: {psnr:.2f} dB, SSIM {ssim:.{ssim_digits}f} after {run.provenance['steps']} steps "
            f"(the {len(ref)} reference seeds: {ref.mean():.2f} ± {spread:.2f} dB, range {ref.min():.2f}-"
            f"{ref.max():.2f}, after {min(ref_steps)}-{max(ref_steps)} steps).")
    if ref.min() <= psnr <= ref.max():
        text += " It ends inside the reference seeds' range: one longer run shows no gain beyond seed noise."
    else:
        where = "above the highest" if psnr > ref.max() else "below the lowest"
        beyond = len(ref) > 1 and abs(psnr - ref.mean()) > 2 * spread
        text += (f" It ends {where} reference seed, {psnr - ref.mean():+.2f} dB from their mean, "
                 + ("more than two standard deviations of their spread" if beyond
                    else "within two standard deviations of their spread") + "; one seed, so this is a hint, "
                 "not a test.")
    log = run.eval_log
    if "test_psnr" in log and len(log) > 1:
        points = ", ".join(f"{int(step)}: {value:.2f}" for step, value in zip(log["step"], log["test_psnr"]))
        text += f" Its own test PSNR during training (step: dB): {points}."
    return text + _against_baselines(psnr, ssim, baselines, ssim_digits, name_best=False)


def validation_selection(eval_log: pd.DataFrame) -> dict[str, float]:
    """One run's evaluations during training, summarised for model selection.

    ``eval_log`` has one row per evaluation with ``step``, ``val_psnr``,
    ``test_psnr`` and ``test_ssim``.  Returns

    * ``selected_step``, ``selected_test_psnr``, ``selected_test_ssim``: the
      evaluation with the highest validation PSNR (the earliest on a tie),
      which a practitioner could choose without seeing the test split;
    * ``last_test_psnr``: the last evaluation, the score the book reports;
    * ``oracle_test_psnr``: the highest test PSNR of any evaluation, which no
      honest procedure can choose (it reads the test split);
    * ``mean_step_change``: mean of |test PSNR(k+1) - test PSNR(k)| over
      consecutive evaluations, how far one evaluation moves between nearby steps
      (NaN for a single evaluation);
    * ``spearman_val_test``: rank correlation of validation and test PSNR over
      the evaluations (does the validation split rank the weights as the test split does?
      NaN below three evaluations).
    """
    needed = {"step", "val_psnr", "test_psnr", "test_ssim"}
    missing = needed - set(eval_log.columns)
    if missing:
        raise ValueError(f"The evaluation log lacks {sorted(missing)}; it needs {sorted(needed)} per evaluation.")
    if eval_log.empty:
        raise ValueError("The evaluation log is empty: the run was never evaluated.")
    log = eval_log.sort_values("step").reset_index(drop=True)
    chosen = log.loc[int(log["val_psnr"].to_numpy().argmax())]
    rho = stats.spearmanr(log["val_psnr"], log["test_psnr"]).statistic if len(log) > 2 else float("nan")
    moves = np.abs(np.diff(log["test_psnr"].to_numpy()))
    return {
        "evaluations": float(len(log)),
        "selected_step": float(chosen["step"]),
        "selected_test_psnr": float(chosen["test_psnr"]),
        "selected_test_ssim": float(chosen["test_ssim"]),
        "last_test_psnr": float(log["test_psnr"].iloc[-1]),
        "oracle_test_psnr": float(log["test_psnr"].max()),
        "mean_step_change": float(moves.mean()) if len(moves) else float("nan"),
        "spearman_val_test": float(rho),
    }


def describe_dense_evaluations(title: str, runs: Mapping[str, RecordedRun], baselines: pd.DataFrame,
                               *, ssim_digits: int = 3) -> tuple[str, pd.DataFrame]:
    """A table of :func:`validation_selection` per run and one paragraph on it.

    ``runs``: recorded runs with an ``eval_log``; ``baselines`` as in
    :func:`describe_seed_group`.  The paragraph gives the seeds' last and
    validation-selected test PSNR (mean and spread), the per-seed change
    from choosing, the typical move between two evaluations, and where the
    selected scores stand against the input and the best classical operators.
    """
    if not runs:
        raise ValueError(f"{title}: no runs to describe.")
    table = pd.DataFrame({name: validation_selection(run.eval_log) for name, run in runs.items()}).T
    gaps = np.concatenate([np.diff(np.sort(run.eval_log["step"].to_numpy())) for run in runs.values()])
    every = f"every {int(np.median(gaps))} steps" if len(gaps) else "once"
    gain = table["selected_test_psnr"] - table["last_test_psnr"]
    spread = (lambda col: f" ± {table[col].std(ddof=1):.2f}" if len(table) > 1 else "")  # noqa: E731
    text = (f"**{title}** ({len(table)} seed(s), {table['evaluations'].min():.0f}-{table['evaluations'].max():.0f} "
            f"evaluations each, {every}): the last evaluation gives {table['last_test_psnr'].mean():.2f}"
            f"{spread('last_test_psnr')} dB; the evaluation with the best validation PSNR gives "
            f"{table['selected_test_psnr'].mean():.2f}{spread('selected_test_psnr')} dB (per seed "
            + ", ".join(f"{g:+.2f}" for g in gain) + " dB against the last). Between two consecutive evaluations "
            f"the test PSNR moves by {table['mean_step_change'].mean():.2f} dB on average; the best test PSNR of any "
            f"evaluation, which only a look at the test split could pick, averages "
            f"{table['oracle_test_psnr'].mean():.2f} dB. Rank correlation of validation and test PSNR over a "
            f"run's evaluations: " + ", ".join(f"{r:.2f}" for r in table["spearman_val_test"]) + ".")
    text += _against_baselines(float(table["selected_test_psnr"].mean()), float(table["selected_test_ssim"].mean()),
                               baselines, ssim_digits, name_best=False, lead="Chosen on validation, against")
    return text, table


def readable_dense_table(table: pd.DataFrame, every: int) -> pd.DataFrame:
    """:func:`describe_dense_evaluations`' table, with the column names a chapter prints (one evaluation
    every ``every`` steps)."""
    return table.rename(columns={
        "selected_step": "chosen step", "selected_test_psnr": "test PSNR (chosen on val)",
        "selected_test_ssim": "test SSIM (chosen on val)", "last_test_psnr": "test PSNR (last)",
        "oracle_test_psnr": "best test PSNR (reads test)", "mean_step_change": f"mean |move| per {every} steps (dB)",
        "spearman_val_test": "Spearman(val, test)"})


def selection_by_method(eval_logs: Mapping[str, Sequence[pd.DataFrame]]) -> pd.DataFrame:
    """Per method, its seeds' last evaluation against the one chosen on the validation split.

    ``eval_logs`` maps a method to its runs' evaluation logs (one per seed).
    Columns: ``seeds``; ``evaluations`` per run (fewest-most); the seed means
    of the test PSNR at the ``last`` evaluation, at the one ``chosen on val``
    and the ``best of any`` evaluation (reads the test split), with the
    highest seed's best (``best of any, top seed``: below a reference, no
    evaluation of any seed reached it); ``chosen - last`` (mean over seeds)
    and ``runs changed`` (seeds whose choice is not their last evaluation).
    """
    rows = {}
    for method, logs in eval_logs.items():
        if not logs:
            continue
        picks = pd.DataFrame([validation_selection(log) for log in logs])
        last_steps = [float(log["step"].max()) for log in logs]
        rows[method] = {
            "seeds": len(picks),
            "evaluations": f"{picks['evaluations'].min():.0f}-{picks['evaluations'].max():.0f}",
            "last": picks["last_test_psnr"].mean(),
            "chosen on val": picks["selected_test_psnr"].mean(),
            "chosen - last": (picks["selected_test_psnr"] - picks["last_test_psnr"]).mean(),
            "runs changed": int((picks["selected_step"] != last_steps).sum()),
            "best of any": picks["oracle_test_psnr"].mean(),
            "best of any, top seed": picks["oracle_test_psnr"].max(),
        }
    return pd.DataFrame.from_dict(rows, orient="index")
