"""BNCAGAN (paper 004, chapter 04): the paper's tables, the chapter's runs, results and ablations beside the paper's.

The paper's figures are typed here once (:data:`PAPER_TABLE_1`, :data:`PAPER_TABLE_2`); every table and
sentence of the chapter that quotes them reads them from here. Differences are judged the book's one way
(:mod:`enhancelib.study.judging`): the full model's fixed seed pool is its entry of
:data:`enhancelib.study.compare.LEARNED_METHODS`, each ablation's is :func:`~enhancelib.study.judging.seed_pool`,
and the comparisons of one table are one Holm family.
"""
from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from enhancelib.recipes.bncagan import BNCAGAN_PAPER_STEPS
from enhancelib.study.chapter import ChapterParameters, chapter_run
from enhancelib.study.compare import learned_method
from enhancelib.study.experiments import Experiment, chapter_experiments
from enhancelib.study.judging import judge_pools, seed_pool
from enhancelib.study.pages import score_columns, seed_summary
from enhancelib.study.statistics import Difference
from enhancelib.train.runs import RecordedRun

__all__ = ["CHAPTER", "PaperScores", "Ablation", "PAPER_TABLE_1", "PAPER_TABLE_2", "PAPER_FULL", "PAPER_DIGITS", "SMOKE_RUNS",
           "ChapterRuns", "load_chapter_runs", "full_pool", "runs_sentence", "results_table", "judge_results",
           "ablation_table", "judge_ablations", "seed_table", "verdict_lines"]

CHAPTER = "bncagan"


@dataclass(frozen=True)
class PaperScores:
    """One row of a table of the paper: PSNR (dB), SSIM and NIMA on MIT-Adobe FiveK (expert C, 400 test pairs)."""

    psnr: float
    ssim: float
    nima: float


#: Liu et al., Table 1 ("Quantitative comparison ... on MIT-Adobe FiveK"), row name -> scores, in the paper's order
PAPER_TABLE_1: dict[str, PaperScores] = {
    "Input": PaperScores(18.131, 0.810, 4.472),
    "CycleGAN": PaperScores(21.708, 0.815, 4.620),
    "EnlightenGAN": PaperScores(20.142, 0.867, 4.648),
    "UEGAN": PaperScores(23.936, 0.890, 4.734),
    "Zero-DCE": PaperScores(12.509, 0.727, 4.200),
    "BNCAGAN": PaperScores(24.332, 0.910, 4.810),
}

#: Table 2's last row ("BNCAGAN") prints the same figures as Table 1's
PAPER_FULL = PAPER_TABLE_1["BNCAGAN"]


@dataclass(frozen=True)
class Ablation:
    """A row of the paper's Table 2 and the registry's experiment that reproduces it (runs ``<experiment>-seedN``)."""

    experiment: str
    row: str
    scores: PaperScores

    @property
    def paper_delta(self) -> float:
        """The row's PSNR minus the full model's, as the paper prints them (dB)."""
        return self.scores.psnr - PAPER_FULL.psnr


#: Liu et al., Table 2 ("... different loss and modules on MIT-Adobe FiveK"), without the full model's row
PAPER_TABLE_2: tuple[Ablation, ...] = (
    Ablation("no-identity-no-cla", "w/o L_idt, w/o L_cla", PaperScores(23.910, 0.905, 4.772)),
    Ablation("no-identity", "w/o L_idt", PaperScores(24.140, 0.909, 4.804)),
    Ablation("no-cla", "w/o L_cla", PaperScores(24.004, 0.904, 4.790)),
    Ablation("no-aac", "w/o AAC", PaperScores(24.124, 0.907, 4.820)),
    Ablation("no-bnm", "w/o BNM", PaperScores(24.201, 0.910, 4.800)),
    Ablation("no-cam", "w/o CAM", PaperScores(23.730, 0.900, 4.778)),
)

#: decimals of the paper's columns, as it prints them (for :func:`enhancelib.study.pages.show_table`)
PAPER_DIGITS: dict[str, int] = {"paper PSNR": 3, "paper SSIM": 3, "paper NIMA": 3, "paper Δ PSNR": 3}

#: the runs the smoke preset trains (a few steps each: the code path, nothing else)
SMOKE_RUNS = ("full-seed0", "full-seed1", "no-cla-seed0")


@dataclass(frozen=True)
class ChapterRuns:
    """The chapter's registered experiments and their runs (``None`` where absent, said as ``missing``)."""

    experiments: Mapping[str, Experiment]
    runs: Mapping[str, RecordedRun | None]
    missing: str

    @property
    def recorded(self) -> dict[str, RecordedRun]:
        """The runs that are available, by name."""
        return {name: run for name, run in self.runs.items() if run is not None}

    def pool(self, names: Sequence[str]) -> dict[str, RecordedRun]:
        """The available runs of a fixed pool, in the pool's order."""
        return {name: run for name in names if (run := self.runs.get(name)) is not None}

    def pool_frame(self, names: Sequence[str]) -> pd.DataFrame | None:
        """The per-photo test scores of a pool's available runs (column ``run``), or ``None`` when none is."""
        frames = [run.per_image.assign(run=name) for name, run in self.pool(names).items()]
        return pd.concat(frames, ignore_index=True) if frames else None


def load_chapter_runs(params: ChapterParameters, smoke_runs: Sequence[str] = SMOKE_RUNS) -> ChapterRuns:
    """Every registered run of the chapter for the preset (on ``smoke``: ``smoke_runs`` only, trained now)."""
    experiments = {e.name: e for e in chapter_experiments(CHAPTER)}
    wanted = set(smoke_runs) if params.quick else set(experiments)
    with contextlib.redirect_stdout(io.StringIO()):  # the per-run "not recorded" lines: runs_sentence says it once
        runs = {name: chapter_run(CHAPTER, name, params) if name in wanted else None for name in experiments}
    return ChapterRuns(experiments, runs, "skipped on smoke" if params.quick else "not recorded yet")


def full_pool() -> list[str]:
    """The full model's fixed seed pool: the comparison's BNCAGAN runs (five seeds and the densely evaluated run)."""
    return list(learned_method(CHAPTER).runs)


def runs_sentence(runs: ChapterRuns, batch: int, crop: int) -> str:
    """How many runs are available, how many steps they took and what share of the paper's schedule that is."""
    recorded, total = runs.recorded, len(runs.experiments)
    text = f"{len(recorded)} of {total} runs available"
    absent = [name for name, run in runs.runs.items() if run is None]
    if absent:
        text += (f" ({', '.join(absent)}: {runs.missing}; `python -m enhancelib plan --chapter {CHAPTER} --record` "
                 "records what is missing)")
    text += "."
    if recorded:
        steps = [int(run.provenance["steps"]) for run in recorded.values()]
        text += (f" They took {min(steps):,}-{max(steps):,} steps at batch {batch} of {crop} x {crop} crops, "
                 f"{min(steps) / BNCAGAN_PAPER_STEPS:.1%}-{max(steps) / BNCAGAN_PAPER_STEPS:.1%} of the paper's "
                 f"{BNCAGAN_PAPER_STEPS:,} steps.")
    return text


def _shared(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both frames restricted to the photos they share (a pool scored on a subset on the smoke preset)."""
    names = set(a["name"]) & set(b["name"])
    return a[a["name"].isin(names)], b[b["name"].isin(names)]


def results_table(runs: ChapterRuns, baseline_images: pd.DataFrame,
                  gpu: Mapping[str, object] | None = None) -> pd.DataFrame:
    """The paper's Table 1 beside ours: the paper's rows (its figures), the gpu record, the classical operators.

    ``baseline_images``: per-photo scores of the input and the operators (column ``method``); ``gpu``: the row
    of :func:`enhancelib.study.chapter.gpu_row` (keys ``method``, ``our ...`` and ``provenance``), if any.
    """
    pool = runs.pool(full_pool())
    rows = []
    for method, paper in PAPER_TABLE_1.items():
        row: dict[str, object] = {"method": method, "paper PSNR": paper.psnr, "paper SSIM": paper.ssim,
                                  "paper NIMA": paper.nima}
        if method == "Input":
            row.update(score_columns(baseline_images[baseline_images["method"] == "input"]), note="benchmark inputs")
        elif method == "BNCAGAN":
            row.update(seed_summary([run.per_image for run in pool.values()]))
            row["note"] = f"mean ± sd over {len(pool)} runs" if pool else runs.missing
        else:
            row["note"] = "UEGAN chapter (same benchmark)" if method == "UEGAN" else "paper only"
        rows.append(row)
    if gpu:
        rows.append({**gpu, "note": gpu.get("provenance", "")})
    for method in [m for m in dict.fromkeys(baseline_images["method"]) if m != "input"]:
        rows.append({"method": f"{method} (classical)",
                     **score_columns(baseline_images[baseline_images["method"] == method]),
                     "note": "data chapter's baselines"})
    table = pd.DataFrame(rows).set_index("method")
    columns = ["paper PSNR", "paper SSIM", "paper NIMA", "our PSNR", "our SSIM", "our NIQE", "note"]
    return table[[c for c in columns if c in table]]


def judge_results(runs: ChapterRuns, baseline_images: pd.DataFrame) -> dict[str, Difference]:
    """BNCAGAN's pool against the input and each classical operator, on PSNR, one family (empty if no run)."""
    ours = runs.pool_frame(full_pool())
    if ours is None:
        return {}
    pairs = {f"BNCAGAN − {method}": _shared(ours, baseline_images[baseline_images["method"] == method])
             for method in dict.fromkeys(baseline_images["method"])}
    return judge_pools(pairs)


def judge_ablations(runs: ChapterRuns) -> dict[str, Difference]:
    """Each Table 2 row's seed pool against the full model's, on PSNR, one family (rows without a run left out)."""
    full = runs.pool_frame(full_pool())
    if full is None:
        return {}
    pairs = {}
    for ablation in PAPER_TABLE_2:
        frame = runs.pool_frame(seed_pool(CHAPTER, ablation.experiment))
        if frame is not None:
            pairs[ablation.row] = _shared(frame, full)
    return judge_pools(pairs) if pairs else {}


def ablation_table(runs: ChapterRuns, judged: Mapping[str, Difference]) -> pd.DataFrame:
    """The paper's Table 2 beside ours: each row's PSNR and SSIM, the difference to the full model, judged.

    ``judged``: :func:`judge_ablations`' result. The full model's row gives its pool's mean ± sd over seeds;
    each ablation row its pool's mean, the paired difference to the full pool with its 95% interval, the
    Holm-adjusted p-value and the verdict.
    """
    full = runs.pool(full_pool())
    rows: list[dict[str, object]] = [{"variant": "BNCAGAN (full)", "paper PSNR": PAPER_FULL.psnr, "paper SSIM": PAPER_FULL.ssim,
             **seed_summary([r.per_image for r in full.values()]), "runs": len(full)}]
    for ablation in PAPER_TABLE_2:
        pool = runs.pool(seed_pool(CHAPTER, ablation.experiment))
        row: dict[str, object] = {"variant": ablation.row, "paper PSNR": ablation.scores.psnr,
                                  "paper SSIM": ablation.scores.ssim, "paper Δ PSNR": ablation.paper_delta,
                                  "runs": len(pool)}
        row.update(seed_summary([r.per_image for r in pool.values()]))
        d = judged.get(ablation.row)
        if d is not None:
            row.update({"our Δ PSNR": d.mean_difference, "95% interval": f"[{d.low:+.2f}, {d.high:+.2f}]",
                        "p (Holm)": d.adjusted_p, "verdict": d.verdict.replace("A better", "ablation better")
                        .replace("B better", "full better")})
        rows.append(row)
    table = pd.DataFrame(rows).set_index("variant").drop(columns=["our NIQE"], errors="ignore")
    columns = ["paper PSNR", "paper SSIM", "paper Δ PSNR", "our PSNR", "our SSIM", "our Δ PSNR", "95% interval",
               "p (Holm)", "verdict", "runs"]
    return table[[c for c in columns if c in table]]


def seed_table(runs: ChapterRuns) -> pd.DataFrame:
    """Each run of the full model's pool: its test PSNR, SSIM, NIQE and steps."""
    rows = {name: {**score_columns(run.per_image, prefix=""), "steps": int(run.provenance["steps"])}
            for name, run in runs.pool(full_pool()).items()}
    return pd.DataFrame(rows).T


def verdict_lines(runs: ChapterRuns, baseline_images: pd.DataFrame, results: Mapping[str, Difference],
                  ablations: Mapping[str, Difference]) -> list[str]:
    """What reproduced, one Markdown bullet per finding, from the judged results and ablations."""
    pool = runs.pool(full_pool())
    if not pool:
        return [f"* BNCAGAN's full model is {runs.missing}: no verdict on Table 1 or Table 2."]
    inputs = baseline_images[baseline_images["method"] == "input"]
    ours = pd.concat([r.per_image for r in pool.values()])
    gain = float(ours["psnr"].mean() - inputs["psnr"].mean())
    paper_gain = PAPER_FULL.psnr - PAPER_TABLE_1["Input"].psnr
    operators = {k: d for k, d in results.items() if not k.endswith("− input")}
    lines = [f"* **Gain over the input.** The paper: {paper_gain:+.2f} dB on FiveK. Ours: {gain:+.2f} dB on the "
             f"benchmark (mean of {len(pool)} runs)."]
    versus_input = results.get("BNCAGAN − input")
    if versus_input is not None:
        lines[0] += (f" Photo by photo, {versus_input.mean_difference:+.2f} dB [{versus_input.low:+.2f}, "
                     f"{versus_input.high:+.2f}]: {_said(versus_input, 'BNCAGAN', 'the input')}.")
    if operators:
        best = min(operators, key=lambda k: operators[k].mean_difference)  # the smallest margin
        d = operators[best]
        name = best.split("− ", 1)[1]
        lines.append(f"* **Against the best classical operator** ({name}): {d.mean_difference:+.2f} dB "
                     f"[{d.low:+.2f}, {d.high:+.2f}], {_said(d, 'BNCAGAN', name)}.")
    for ablation in PAPER_TABLE_2:
        judged = ablations.get(ablation.row)
        if judged is None:
            lines.append(f"* {ablation.row}: {runs.missing}.")
            continue
        sign = "same sign as" if (judged.mean_difference > 0) == (ablation.paper_delta > 0) else "opposite sign to"
        lines.append(f"* {ablation.row}: {judged.mean_difference:+.2f} dB [{judged.low:+.2f}, {judged.high:+.2f}] "
                     f"against the full model, {_said(judged, ablation.row, 'the full model')}; {sign} the paper's "
                     f"{ablation.paper_delta:+.2f} dB.")
    return lines


def _said(d: Difference, a: str, b: str) -> str:
    """The verdict of a difference A - B in words."""
    return {"A better": f"{a} better, shown", "B better": f"{b} better, shown"}.get(d.verdict, "no difference shown")
