"""UEGAN (chapter 01): the printed tables typed once, the chapter's runs and seed pools, and its judged tables.

* :data:`TABLE_I`, :data:`ABLATION_ROWS` and :data:`REPORT_003` hold the numbers as printed (paper 001's
  Tables I, III and IV; report 003's Sec. 5.2), each with its table and row name;
* :func:`load_runs` reads every registered run of the chapter for a preset (on ``smoke``: trains four);
* a :class:`Comparison` names two seed pools (the registry's: the main model is
  :data:`enhancelib.study.compare.LEARNED_METHODS`' ``"uegan"``, an ablation its ``name-seedN`` runs) and
  the printed difference; :func:`judge` judges the comparisons of one table as one family, the book's rule
  (:mod:`enhancelib.study.judging`), and :func:`comparison_table` sets them beside the printed differences;
* :func:`results_table` sets our scores beside Table I; :func:`reproduction_table` says, claim by claim,
  whether the printed difference lies inside our 95% interval.
"""
from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from enhancelib.study.baselines import load_baselines
from enhancelib.study.chapter import ChapterParameters, chapter_run
from enhancelib.study.compare import learned_method
from enhancelib.study.experiments import Experiment, chapter_experiments
from enhancelib.study.judging import difference_table, judge_pools, seed_pool
from enhancelib.study.pages import seed_summary
from enhancelib.study.statistics import Difference
from enhancelib.train.runs import RecordedRun

__all__ = ["CHAPTER", "MAIN", "SMOKE_RUNS", "PaperRow", "TABLE_I", "FULL", "INPUT", "ABLATION_ROWS", "REPORT_003",
           "ChapterRuns", "load_runs", "Comparison", "TABLE_III", "TABLE_IV", "REPORT_003_COMPARISONS", "DEFAULT_INIT",
           "main_comparisons", "Judged", "judge", "comparison_table", "results_table", "reproduction_table"]

CHAPTER = "uegan"
MAIN = "main"
"""The pool of the main model: the full recipe's five seeds and its densely evaluated run (the registry's)."""
SMOKE_RUNS = ("full-seed0", "full-seed1", "no-identity-seed0", "quality-0.2-seed0")
"""The runs the smoke preset trains (seconds each): the code path, nothing else."""
OPERATOR = "operator:"
"""Prefix of a pool that is a classical operator of the benchmark (``operator:input``, ``operator:autocontrast``)."""


@dataclass(frozen=True)
class PaperRow:
    """One printed row: its table, its name as printed, PSNR (dB), SSIM and NIMA."""

    table: str
    row: str
    psnr: float
    ssim: float
    nima: float


TABLE_I: tuple[PaperRow, ...] = (  # paper 001, Table I: MIT-Adobe FiveK, expert C, 400 test photos
    PaperRow("Table I", "Input", 17.42, 0.8037, 4.46), PaperRow("Table I", "CycleGAN", 20.72, 0.7825, 4.37),
    PaperRow("Table I", "Exposure", 19.74, 0.8442, 4.62), PaperRow("Table I", "EnlightenGAN", 16.96, 0.7562, 4.25),
    PaperRow("Table I", "DPE", 22.36, 0.8674, 4.54), PaperRow("Table I", "Ours (UEGAN)", 22.88, 0.8882, 4.76),
)
INPUT, FULL = TABLE_I[0], TABLE_I[-1]
ABLATION_ROWS: dict[str, PaperRow] = {  # the run's pool name -> the printed row (Tables III and IV)
    "no-identity": PaperRow("Table III", "Ours w/o L_idt", 22.56, 0.8773, 4.68),
    "gam-unet": PaperRow("Table IV", "GAM + U-Net", 22.44, 0.8756, 4.66),
    "gam-pixel-mm": PaperRow("Table IV", "GAM + MM-P", 17.41, 0.8037, 4.46),
    "no-gam": PaperRow("Table IV", "UEGAN w/o GAM", 22.54, 0.8790, 4.73),
    "no-gam-no-mm": PaperRow("Table IV", "UEGAN w/o GAM and MM", 21.87, 0.8653, 4.51),
}
REPORT_003: dict[str, PaperRow] = {  # report 003, Sec. 5.2: "Ori" repeats Table I's UEGAN row
    "Ori": PaperRow("report 003", "Ori", 22.88, 0.8882, 4.76),
    "Our_1": PaperRow("report 003", "Our_1 (Charbonnier)", 22.98, 0.8888, 4.96),
    "Our_2": PaperRow("report 003", "Our_2 (Charbonnier + SE)", 23.99, 0.8991, 5.10),
}


@dataclass(frozen=True)
class ChapterRuns:
    """The chapter's runs for one preset (``None`` where absent), the classical baselines, and the seed pools."""

    runs: Mapping[str, RecordedRun | None]
    baseline_images: pd.DataFrame
    missing: str
    """What an absent run is called on this preset ("not recorded yet", "skipped on smoke")."""
    experiments: Mapping[str, Experiment] = field(default_factory=dict)

    @property
    def recorded(self) -> dict[str, RecordedRun]:
        return {name: run for name, run in self.runs.items() if run is not None}

    @property
    def baseline_means(self) -> pd.DataFrame:
        """Mean scores of the input and each classical operator (one row per method)."""
        columns = [m for m in ("psnr", "ssim", "niqe") if m in self.baseline_images]
        return self.baseline_images.groupby("method", sort=False)[columns].mean()

    @property
    def input_psnr(self) -> float:
        """The inputs' mean test PSNR."""
        return float(self.baseline_images.loc[self.baseline_images["method"] == "input", "psnr"].mean())

    @property
    def best_operator(self) -> str:
        """The classical operator with the highest mean test PSNR."""
        return str(self.baseline_means.drop(index="input")["psnr"].idxmax())

    def pool(self, name: str) -> list[str]:
        """The registered runs of a pool: :data:`MAIN`, or an experiment's ``name-seedN`` runs."""
        return list(learned_method(CHAPTER).runs) if name == MAIN else seed_pool(CHAPTER, name)

    def pool_runs(self, name: str) -> dict[str, RecordedRun]:
        """The available runs of a pool."""
        return {n: self.runs[n] for n in self.pool(name) if self.runs.get(n) is not None}  # type: ignore[misc]

    def frame(self, name: str) -> pd.DataFrame | None:
        """Per-photo test scores of a pool (column ``run``) or of an operator; ``None`` when nothing is available."""
        if name.startswith(OPERATOR):
            method = name.removeprefix(OPERATOR)
            return self.baseline_images[self.baseline_images["method"] == method].assign(run=method)
        runs = self.pool_runs(name)
        if not runs:
            return None
        return pd.concat([run.per_image.assign(run=n) for n, run in runs.items()], ignore_index=True)


def load_runs(params: ChapterParameters, names: Sequence[str] | None = None) -> ChapterRuns:
    """Every registered UEGAN run for the chapter's preset, read from the records (``cpu``), never trained.

    On ``smoke`` only :data:`SMOKE_RUNS` are trained, in seconds; the others are ``None``. ``names`` limits the
    runs read (default: all). The commands that would record absent runs are left out of the output.
    """
    experiments = {e.name: e for e in chapter_experiments(CHAPTER)}
    wanted = [n for n in (names or experiments) if not params.quick or n in SMOKE_RUNS]
    with contextlib.redirect_stdout(io.StringIO()):
        runs = {n: (chapter_run(CHAPTER, n, params) if n in wanted else None) for n in experiments}
    baselines, _ = load_baselines(params.preset.name, progress=False)
    return ChapterRuns(runs, baselines, "skipped on smoke" if params.quick else "not recorded yet", experiments)


@dataclass(frozen=True)
class Comparison:
    """A - B between two pools, with the rows a paper printed for them (if any)."""

    label: str
    a: str
    b: str = MAIN
    printed_a: PaperRow | None = None
    printed_b: PaperRow | None = None

    @property
    def printed(self) -> float | None:
        """The printed PSNR difference A - B, or ``None`` when no paper prints one."""
        if self.printed_a is None or self.printed_b is None:
            return None
        return round(self.printed_a.psnr - self.printed_b.psnr, 2)


TABLE_III = (Comparison("w/o identity loss − UEGAN", "no-identity", MAIN, ABLATION_ROWS["no-identity"], FULL),)
TABLE_IV = tuple(Comparison(f"{row.row.removeprefix('UEGAN ')} − UEGAN", name, MAIN, row, FULL)
                 for name, row in ABLATION_ROWS.items() if row.table == "Table IV")
REPORT_003_COMPARISONS = (
    Comparison("Charbonnier − UEGAN (Our_1 − Ori)", "charbonnier", MAIN, REPORT_003["Our_1"], REPORT_003["Ori"]),
    Comparison("Charbonnier + SE − UEGAN (Our_2 − Ori)", "charbonnier-se", MAIN, REPORT_003["Our_2"],
               REPORT_003["Ori"]),
    Comparison("SE block alone (Our_2 − Our_1)", "charbonnier-se", "charbonnier", REPORT_003["Our_2"],
               REPORT_003["Our_1"]),
)

DEFAULT_INIT = (Comparison("default initialisation − UEGAN", "default-init"),)
"""Not in any paper: PyTorch's default initialisation of the generator against the public code's gain 0.02."""


def main_comparisons(runs: ChapterRuns) -> tuple[Comparison, ...]:
    """The main model against the input (Table I's gain) and against the best classical operator."""
    best = runs.best_operator
    return (Comparison("UEGAN − input", MAIN, OPERATOR + "input", FULL, INPUT),
            Comparison(f"UEGAN − {best}", MAIN, OPERATOR + best))


@dataclass(frozen=True)
class Judged:
    """A comparison judged by the book's rule: seeds on each side, A's scores over its seeds, the difference."""

    comparison: Comparison
    seeds_a: int
    seeds_b: int
    summary_a: Mapping[str, str | float]
    """:func:`enhancelib.study.pages.seed_summary` of A ("our PSNR", "our SSIM", ...)."""
    difference: Difference | None
    """``None`` when a pool has no available run."""

    @property
    def printed_inside(self) -> bool | None:
        """Whether the printed difference lies inside our 95% interval (``None``: nothing printed or judged)."""
        printed = self.comparison.printed
        if printed is None or self.difference is None:
            return None
        return self.difference.low <= printed <= self.difference.high


def _seeds(runs: ChapterRuns, name: str) -> int:
    return 1 if name.startswith(OPERATOR) else len(runs.pool_runs(name))


def judge(runs: ChapterRuns, comparisons: Sequence[Comparison], metric: str = "psnr") -> list[Judged]:
    """Judge the comparisons of one table as one family (per-photo differences, Holm-adjusted together)."""
    frames = {c.label: (runs.frame(c.a), runs.frame(c.b)) for c in comparisons}
    ready = {label: pair for label, pair in frames.items() if pair[0] is not None and pair[1] is not None}
    judged = judge_pools(ready, metric) if ready else {}
    out = []
    for c in comparisons:
        frame_a = frames[c.label][0]
        summary = (seed_summary([f for _, f in frame_a.groupby("run", sort=False)]) if frame_a is not None
                   and not c.a.startswith(OPERATOR) else {})
        out.append(Judged(c, _seeds(runs, c.a), _seeds(runs, c.b), summary, judged.get(c.label)))
    return out


def comparison_table(judged: Sequence[Judged], missing: str = "not recorded", printed: bool = True) -> pd.DataFrame:
    """One row per comparison: printed A and A - B, our A (mean ± sd over seeds), the seeds, and the judgement
    (:func:`enhancelib.study.judging.difference_table`'s columns, without the photo count). ``printed=False``
    leaves out the printed columns (comparisons no paper makes)."""
    differences = {j.comparison.label: j.difference for j in judged if j.difference is not None}
    judgement = difference_table(differences) if differences else pd.DataFrame()
    rows = []
    for j in judged:
        c = j.comparison
        row: dict[str, Any] = {"comparison": c.label, "paper PSNR": c.printed_a.psnr if c.printed_a else np.nan,
                               "paper Δ PSNR": np.nan if c.printed is None else c.printed,
                               "our PSNR": j.summary_a.get("our PSNR", np.nan), "seeds": f"{j.seeds_a} vs {j.seeds_b}",
                               "our Δ PSNR": np.nan, "95% interval": "—", "p (Holm)": np.nan, "verdict": missing}
        if c.label in judgement.index:
            found = judgement.loc[c.label]
            row.update({"our Δ PSNR": found.iloc[0], "95% interval": found["95% interval"],
                        "p (Holm)": found["p (Holm)"], "verdict": found["verdict"]})
        row["paper's Δ inside"] = {True: "yes", False: "no", None: "—"}[j.printed_inside]
        rows.append(row)
    table = pd.DataFrame(rows).set_index("comparison")
    return table if printed else table.drop(columns=["paper PSNR", "paper Δ PSNR", "paper's Δ inside"])


def results_table(runs: ChapterRuns, gpu: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Table I as printed beside our scores: the input, UEGAN (mean ± sd over its pool), the gpu record if any,
    and the classical operators (which Table I does not have)."""
    rows: list[dict[str, Any]] = []
    means = runs.baseline_means
    main = runs.pool_runs(MAIN)
    for printed in TABLE_I:
        row: dict[str, Any] = {"method": printed.row, "paper PSNR": printed.psnr, "paper SSIM": printed.ssim,
                               "paper NIMA": printed.nima, "runs": "", "note": "paper only (not run here)"}
        if printed is INPUT:
            row.update({"our PSNR": means.loc["input", "psnr"], "our SSIM": means.loc["input", "ssim"],
                        "our NIQE": means.loc["input"].get("niqe", np.nan), "note": "benchmark inputs"})
        elif printed is FULL:
            row.update(seed_summary([r.per_image for r in main.values()]) if main else {})
            steps = sorted(r.provenance["steps"] for r in main.values())
            row.update({"runs": len(main), "note": f"{steps[0]}-{steps[-1]} steps" if main else runs.missing})
        rows.append(row)
    if gpu:
        rows.append({**{k: v for k, v in gpu.items() if k != "provenance"}, "runs": 1,
                     "note": gpu.get("provenance", "")})
    for method in means.index.drop("input"):
        rows.append({"method": f"{method} (classical)", "our PSNR": means.loc[method, "psnr"],
                     "our SSIM": means.loc[method, "ssim"], "our NIQE": means.loc[method].get("niqe", np.nan),
                     "note": "no training"})
    order = ["paper PSNR", "paper SSIM", "paper NIMA", "our PSNR", "our SSIM", "our NIQE", "runs", "note"]
    table = pd.DataFrame(rows).set_index("method")
    return table[[c for c in order if c in table]]


def reproduction_table(families: Mapping[str, Sequence[Judged]]) -> pd.DataFrame:
    """Every printed difference beside ours: the family (table) it was judged in, both differences, our 95%
    interval and verdict, and whether the printed value lies inside the interval (what the data still allow)."""
    rows = []
    for family, judged in families.items():
        for j in judged:
            if j.comparison.printed is None:
                continue
            d = j.difference
            rows.append({"claim": j.comparison.label, "table": family, "printed Δ PSNR": j.comparison.printed,
                         "our Δ PSNR": d.mean_difference if d else np.nan,
                         "95% interval": f"[{d.low:+.2f}, {d.high:+.2f}]" if d else "—",
                         "seeds": f"{j.seeds_a} vs {j.seeds_b}", "verdict": d.verdict if d else "not recorded",
                         "printed Δ inside": {True: "yes", False: "no", None: "—"}[j.printed_inside]})
    return pd.DataFrame(rows).set_index("claim") if rows else pd.DataFrame()
