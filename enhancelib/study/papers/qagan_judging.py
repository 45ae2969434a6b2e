"""Chapter 03 (QAGAN): the ablations and the backward cycle's reference, judged by the book's one rule.

Every comparison goes through :mod:`enhancelib.study.judging`: each method is a fixed seed pool of
the registry (the main model: :func:`~enhancelib.study.papers.qagan.main_pool`; an ablation or the
shuffled reference: :func:`~enhancelib.study.judging.seed_pool`), photos are compared on their
seed-averaged scores, and the comparisons of one table are Holm-adjusted together.

* :func:`ablation_differences` and :func:`ablation_table`: the three ablations against QAGAN;
* :func:`cycle_reference_difference`, :func:`cycle_reference_table` and
  :func:`cycle_reference_sentence`: ``cycle_reference="own"`` (every recorded QAGAN number) against
  ``"shuffled"`` (the paper-neutral choice), same seeds; :func:`cycle_absent_line` when the shuffled
  runs are not recorded;
* :func:`reproduction_lines`: the chapter's verdicts, one line each.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from enhancelib.study.experiments import chapter_experiments
from enhancelib.study.judging import difference_table, judge_pools, seed_pool
from enhancelib.study.pages import seed_summary
from enhancelib.study.papers.qagan import judged_sentence, main_pool, paper_row, pool_frame
from enhancelib.study.plan import PlannedRun
from enhancelib.study.statistics import Difference

__all__ = ["ABLATIONS", "CYCLE_POOLS", "label_of", "ablation_differences", "ablation_table",
           "cycle_reference_difference", "cycle_reference_table", "cycle_reference_sentence", "cycle_absent_line",
           "reproduction_lines"]

#: the registry's pools of the ablations, in the chapter's order
ABLATIONS = ("no-spatial", "no-stat", "no-qam")
#: the backward cycle's reference -> the registry pool that trained with it (the same seeds 0, 1, 2)
CYCLE_POOLS = {"own": "full", "shuffled": "cycle-shuffled"}


def label_of(pool: str) -> str:
    """How tables call a registry pool of chapter 03 (its first run's label)."""
    first = seed_pool("qagan", pool)[0]
    return next(e.label for e in chapter_experiments("qagan") if e.name == first)


def _runs_of(frame: pd.DataFrame) -> list[pd.DataFrame]:
    return [part for _, part in frame.groupby("run", sort=False)]


def ablation_differences(runs: Mapping[str, Any], metric: str = "psnr") -> dict[str, Difference]:
    """Each recorded ablation pool against the main model's pool, as one family (keys: pool names)."""
    full = pool_frame(runs, main_pool())
    if full is None:
        return {}
    pairs = {}
    for name in ABLATIONS:
        frame = pool_frame(runs, seed_pool("qagan", name))
        if frame is not None:
            pairs[name] = (frame, full)
    return judge_pools(pairs, metric) if pairs else {}


def ablation_table(runs: Mapping[str, Any], differences: Mapping[str, Difference], missing: str) -> pd.DataFrame:
    """QAGAN and its ablations: runs, PSNR and SSIM (mean ± sd over runs), the paper's figure (none), and
    each ablation's judged PSNR difference from QAGAN (A = the ablation, B = QAGAN)."""
    rows: list[dict[str, Any]] = []
    full = pool_frame(runs, main_pool())
    rows.append({"variant": "QAGAN (full)", "paper": f"Table 1: {paper_row('QAGAN (Ours)').psnr:.2f} dB on FiveK",
                 "runs": 0 if full is None else full["run"].nunique(),
                 **({} if full is None else seed_summary(_runs_of(full), prefix=""))})
    for name in ABLATIONS:
        frame = pool_frame(runs, seed_pool("qagan", name))
        row: dict[str, Any] = {"variant": label_of(name), "paper": "not reported",
                               "runs": 0 if frame is None else frame["run"].nunique()}
        if frame is None:
            row["verdict"] = missing
        else:
            row.update(seed_summary(_runs_of(frame), prefix=""))
        if name in differences:
            d = differences[name]
            row.update({"Δ PSNR (dB)": d.mean_difference, "95% interval": f"[{d.low:+.2f}, {d.high:+.2f}]",
                        "p (Holm)": d.adjusted_p, "verdict": _verdict(d, label_of(name), "QAGAN")})
        rows.append(row)
    table = pd.DataFrame(rows).set_index("variant")
    order = ["paper", "runs", "PSNR", "SSIM", "Δ PSNR (dB)", "95% interval", "p (Holm)", "verdict"]
    return table[[c for c in order if c in table]]


def _verdict(d: Difference, a: str, b: str) -> str:
    return {"A better": f"{a} higher", "B better": f"{b} higher"}.get(d.verdict, "no difference shown")


def cycle_reference_difference(runs: Mapping[str, Any], metric: str = "psnr") -> Difference | None:
    """``"own"`` (A) against ``"shuffled"`` (B) on ``metric``, same seeds, by the book's rule; None if either
    pool has no recorded run."""
    own, shuffled = (pool_frame(runs, seed_pool("qagan", CYCLE_POOLS[k])) for k in ("own", "shuffled"))
    if own is None or shuffled is None:
        return None
    return judge_pools({"own − shuffled": (own, shuffled)}, metric)["own − shuffled"]


def cycle_reference_table(runs: Mapping[str, Any], difference: Difference) -> pd.DataFrame:
    """Both references: runs and PSNR/SSIM over their seeds, then the judged difference (one family)."""
    rows = []
    for reference, pool in CYCLE_POOLS.items():
        frame = pool_frame(runs, seed_pool("qagan", pool))
        assert frame is not None, f"the pool {pool!r} has no recorded run"
        rows.append({"reference": f"{reference} ({', '.join(sorted(frame['run'].unique()))})",
                     "runs": frame["run"].nunique(), **seed_summary(_runs_of(frame), prefix="")})
    table = pd.DataFrame(rows).set_index("reference").drop(columns=["NIQE"], errors="ignore")
    judged = difference_table({"own − shuffled": difference}).reset_index(drop=True)
    judged.index = ["difference, own − shuffled"]
    return pd.concat([table, judged])


def cycle_reference_sentence(difference: Difference, own_runs: int, shuffled_runs: int) -> str:
    """Which reference the book uses and why, from the judged difference own − shuffled (PSNR)."""
    numbers = (f"{difference.mean_difference:+.2f} dB (95% interval [{difference.low:+.2f}, {difference.high:+.2f}], "
               f"{difference.photos} photos, {own_runs} runs against {shuffled_runs})")
    if difference.verdict == "A better":
        return (f"The photo's own reference scores higher than a shuffled one, own − shuffled = {numbers}: the "
                "book keeps `cycle_reference=\"own\"`, the reference Fig. 2 draws, and its QAGAN numbers are not "
                "flattered by a choice the paper does not make, since the paper-neutral choice scores lower.")
    if difference.verdict == "B better":
        return (f"A shuffled reference scores higher than the photo's own, own − shuffled = {numbers}: the book's "
                "recorded QAGAN numbers use `cycle_reference=\"own\"`, so they understate what QAGAN reaches at "
                "this budget by about that much; the shortcut that lets G_L copy I_L costs the enhancer here.")
    return (f"No difference is shown between the two references, own − shuffled = {numbers}: the book keeps "
            "`cycle_reference=\"own\"`, the reference Fig. 2 draws, and its QAGAN numbers stand for either choice "
            "within that interval.")


def cycle_absent_line(planned: Sequence[PlannedRun]) -> str:
    """The line printed while the shuffled runs are absent: what ``plan --chapter qagan --record`` would add."""
    adds = [run.key for run in planned if run.to_record]
    return ("The runs with a shuffled reference are not recorded yet: `python -m enhancelib plan --chapter qagan "
            "--record` would add " + (f"{', '.join(adds)} (30 CPU-minutes each)." if adds else "nothing (all recorded)."))


def reproduction_lines(gains: Mapping[str, Difference], runs: int, ablations: Mapping[str, Difference],
                       cycle: Difference | None) -> list[str]:
    """The chapter's verdicts as Markdown bullets: Table 1's gain, the ablations, the cycle reference."""
    printed = paper_row("QAGAN (Ours)").psnr - paper_row("Input").psnr
    lines = []
    for label, d in gains.items():
        other = label.split(" − ", 1)[1]
        named = "the input" if other == "input" else other
        lines.append(f"* **QAGAN against {named}** ({runs} runs"
                     + (f"; the paper: {printed:+.2f} dB over its input on FiveK" if other == "input" else "")
                     + f"): {judged_sentence(d, 'QAGAN', named)}.")
    for name, d in ablations.items():
        n = len(seed_pool("qagan", name))
        lines.append(f"* **{label_of(name)}** ({n} run{'s' if n != 1 else ''}): "
                     f"{judged_sentence(d, label_of(name), 'QAGAN')}.")
    if cycle is not None:
        lines.append(f"* **Backward-cycle reference**: {judged_sentence(cycle, 'own', 'shuffled')}.")
    return lines
