"""Chapter 03 (QAGAN): the paper's Table 1, the results beside it, and the networks of a recorded run.

* :data:`TABLE_1` is the paper's Table 1, typed once (:func:`paper_row` looks a row up);
* :func:`load_runs` reads the chapter's registered runs, :func:`main_pool` names the runs of the main
  model (fixed in the registry) and
  :func:`pool_frame` stacks the per-photo scores of a pool's recorded runs;
* :func:`results_table` sets our numbers beside Table 1, :func:`gain_differences` judges the main
  model against the input and the best classical operator by the book's one rule
  (:mod:`enhancelib.study.judging`), and :func:`judged_sentence` words one judged difference;
* :func:`load_qagan` builds a recorded run's QAGAN (E + G_H, and G_L where the record has it).
"""
from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from enhancelib.models.qagan import QAGAN
from enhancelib.nn.vgg import load_vgg
from enhancelib.study.chapter import ChapterParameters, chapter_run
from enhancelib.study.experiments import chapter_experiments
from enhancelib.study.judging import judge_pools
from enhancelib.study.pages import score_columns, seed_summary
from enhancelib.study.statistics import Difference

__all__ = ["PaperRow", "TABLE_1_SOURCE", "TABLE_1", "paper_row", "main_pool", "load_runs", "pool_frame", "results_table",
           "best_operator", "gain_differences", "judged_sentence", "load_qagan"]


@dataclass(frozen=True)
class PaperRow:
    """One row of a paper's results table: PSNR (dB), SSIM and NIMA as printed."""

    method: str
    psnr: float
    ssim: float
    nima: float


TABLE_1_SOURCE = "Ni et al. (2020), Table 1: MIT-Adobe FiveK, expert C, 400 test images at 512 x 512"

#: the paper's Table 1 as printed (the only place in the book where these figures are typed)
TABLE_1: tuple[PaperRow, ...] = (
    PaperRow("Input", 17.21, 0.8012, 4.41),
    PaperRow("CycleGAN", 20.53, 0.7786, 4.26),
    PaperRow("Exposure", 19.59, 0.8361, 4.55),
    PaperRow("UIE", 21.80, 0.8708, 4.53),
    PaperRow("EnlightenGAN", 16.83, 0.7513, 4.18),
    PaperRow("DPE", 22.28, 0.8542, 4.39),
    PaperRow("QAGAN (Ours)", 22.59, 0.8782, 4.58),
)


def paper_row(method: str) -> PaperRow:
    """The row of Table 1 whose method is ``method`` (e.g. ``"Input"``, ``"QAGAN (Ours)"``)."""
    for row in TABLE_1:
        if row.method == method:
            return row
    raise KeyError(f"Table 1 has no row {method!r}; it has {[r.method for r in TABLE_1]}")


def main_pool() -> tuple[str, ...]:
    """The recorded runs that stand for QAGAN (registry: ``compare.LEARNED_METHODS``), seed 0 first."""
    from enhancelib.study.compare import LEARNED_METHODS

    return next(m.runs for m in LEARNED_METHODS if m.key == "qagan")


def load_runs(params: ChapterParameters, smoke: Sequence[str], names: Sequence[str] | None = None,
              quiet: bool = False) -> dict[str, Any]:
    """Chapter 03's runs by name (None where absent): the recorded ones (``cpu``), trained now on ``smoke``
    (only the names in ``smoke``, the others None), the gpu records on ``gpu``. ``names``: all by default.

    ``quiet`` keeps the command that records each absent run from being printed (a table says which are absent).
    """
    names = [e.name for e in chapter_experiments("qagan")] if names is None else list(names)
    runs: dict[str, Any] = {}
    for name in names:
        if params.quick and name not in smoke:
            runs[name] = None
            continue
        with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
            runs[name] = chapter_run("qagan", name, params)
    return runs


def pool_frame(runs: Mapping[str, Any], pool: Sequence[str]) -> pd.DataFrame | None:
    """The per-photo scores of the recorded runs of ``pool`` (column ``run``), or None when none is recorded.

    ``runs`` maps run names to recorded runs (anything with ``per_image``) or None.
    """
    frames = [runs[name].per_image.assign(run=name) for name in pool if runs.get(name) is not None]
    return pd.concat(frames, ignore_index=True) if frames else None


def _by_run(frame: pd.DataFrame) -> list[pd.DataFrame]:
    return [part for _, part in frame.groupby("run", sort=False)]


def results_table(main: pd.DataFrame | None, baselines: pd.DataFrame, gpu: Mapping[str, Any] | None = None
                  ) -> pd.DataFrame:
    """Table 1 beside this book: the paper's rows, our input and QAGAN (mean ± sd over runs), the operators.

    ``main`` is :func:`pool_frame` of the main pool (None: not recorded), ``baselines`` the per-photo
    scores of the input and the classical operators (column ``method``), ``gpu`` the row of
    :func:`enhancelib.study.chapter.gpu_row` when there is one. Column ``runs``: the runs averaged.
    """
    rows: list[dict[str, Any]] = []
    for paper in TABLE_1:
        row: dict[str, Any] = {"method": paper.method, "paper PSNR": paper.psnr, "paper SSIM": paper.ssim,
                               "paper NIMA": paper.nima}
        if paper.method == "Input":
            row.update(score_columns(baselines[baselines["method"] == "input"]), runs="—")
        elif paper.method.startswith("QAGAN") and main is not None:
            row.update(seed_summary(_by_run(main)), runs=main["run"].nunique())
        rows.append(row)
    if gpu is not None:
        rows.append({"method": gpu["method"], **{k: v for k, v in gpu.items() if k.startswith("our ")}, "runs": 1})
    for method, part in baselines[baselines["method"] != "input"].groupby("method", sort=False):
        rows.append({"method": f"{method} (classical)", **score_columns(part), "runs": "—"})
    return pd.DataFrame(rows).set_index("method")


def best_operator(baselines: pd.DataFrame, metric: str = "psnr") -> str:
    """The classical operator with the highest mean ``metric`` (the input excluded)."""
    means = baselines[baselines["method"] != "input"].groupby("method")[metric].mean()
    return str(means.idxmax())


def gain_differences(main: pd.DataFrame, baselines: pd.DataFrame, metric: str = "psnr") -> dict[str, Difference]:
    """QAGAN against the input and against the best classical operator: one family, the book's rule."""
    best = best_operator(baselines, metric)
    pairs = {f"QAGAN − {name}": (main, baselines[baselines["method"] == name]) for name in ("input", best)}
    return judge_pools(pairs, metric)


def judged_sentence(difference: Difference, a: str, b: str, unit: str = "dB") -> str:
    """One judged difference in words: the mean of A − B, its 95% interval, and what the rule shows."""
    digits = 4 if difference.metric == "ssim" else 2
    unit = f" {unit}" if unit and difference.metric != "ssim" else ""
    numbers = (f"{a} − {b}: {difference.mean_difference:+.{digits}f}{unit} (95% interval "
               f"[{difference.low:+.{digits}f}, {difference.high:+.{digits}f}], {difference.photos} photos, "
               f"Holm-adjusted p = {difference.adjusted_p:.3f})")
    verdict = {"A better": f"{a} is better", "B better": f"{b} is better"}.get(difference.verdict,
                                                                              "no difference shown")
    return f"{numbers}: {verdict}"


def load_qagan(run: Any) -> tuple[QAGAN, dict[str, str]]:
    """A recorded run's QAGAN, in eval mode, and where each generator's weights came from.

    G_L (and the last-step G_H) come from the run's training checkpoint when the folder keeps one;
    G_H is then replaced by the averaged enhancer (``generator.pt``, or the checkpoint's average)
    when the record has it. The book's records keep the enhancer only, so G_L is usually untrained.
    """
    from enhancelib.recipes.qagan import QAGANOptions

    options = QAGANOptions.parse(dict(run.spec.options), "qagan")
    model = QAGAN(load_vgg(run.provenance.get("backbone") or "auto"), use_qam=options.use_qam,
                  use_spatial_attention=options.use_spatial_attention, use_stat_transfer=options.use_stat_transfer,
                  query_domain=options.query_domain, residual_output=options.residual_output,
                  attention_temperature=float(options.attention_temperature),
                  decoder_width=float(options.decoder_width))
    sources: dict[str, str] = {}
    if (run.path / "checkpoint.pt").is_file():
        model.load_state_dict(run.network_state("qagan"))
        sources = {"G_H": "checkpoint.pt (last step)", "G_L": "checkpoint.pt (last step)"}
    try:
        model.enhancer.load_state_dict(run.weights_state())
        sources["G_H"] = "generator.pt (moving average)" if run.has_weights else "checkpoint.pt (moving average)"
    except FileNotFoundError:
        pass
    return model.eval(), sources
